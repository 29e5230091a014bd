#!/usr/bin/env bash
# bench/run.sh: check_misp against a bare curl (the floor), the seed blog's bash scripts
# (curl + jq) and a Python `requests` re-creation of the SNMP helper, side by side in ONE
# run, against the bundled MISP simulator on 127.0.0.1 over HTTPS (--ca-cert) and HTTP.
#
#   bench/run.sh            full run (40 timed runs per contender), writes bench/RESULTS.md
#   bench/run.sh --quick    smoke test (6 timed runs, 200-check throughput),
#                           writes bench/.work/RESULTS-quick.md
#   options: --no-build (use the binaries already in target/release), --out FILE
#
# What it does, in order (see README, "Benchmarks"):
#  1. installs what it needs when missing: hyperfine, time, jq, curl (apt-get, as root) and
#     `requests` from PyPI into bench/.venv; builds the release binaries;
#  2. starts target/release/misp-sim on ephemeral loopback ports (healthy MISP);
#  3. runs every contender once and requires OK (a benchmark of broken checks means nothing);
#  4. wall time: ROUNDS rounds; in each round, for every group (transport x check), one
#     hyperfine invocation runs RUNS runs of every contender of the group, in an order that
#     rotates from round to round; the runs of all rounds are pooled per contender. So the
#     contenders alternate all along the run and share whatever noise the machine has;
#     Two more rows: process start-up alone (--version, import requests), and, when this
#     build has `check_misp all` (`all --help` answers help, exit 3), `all --only ALL_ONLY`
#     against each of those checks alone, with the simulator answering at once and with
#     ALL_LATENCY_MS of simulated latency (/__sim/latency) during that row only;
#  5. peak RSS: /usr/bin/time -f %M, the contenders interleaved, median of RSS_RUNS runs;
#  6. requests per run: /__sim/reset, REQ_RUNS runs, /__sim/counts, divided by REQ_RUNS;
#  7. throughput: TP_CHECKS checks run 8 at a time (xargs -P 8) over HTTPS, check_misp
#     workers vs the blog's worker script vs bare curl, alternated, TP_ROUNDS times;
#  8. bench/report.py turns the raw data (kept in bench/.work/last/) into the results file
#     and prints the targets as PASS/MISS computed from this run's numbers.
# Traffic goes to 127.0.0.1 only. Wall-clock figures are only ever compared within one run.
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
MODE=full
BUILD=1
OUT=""
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) MODE=quick ;;
        --full) MODE=full ;;
        --no-build) BUILD=0 ;;
        --out) OUT=$2; shift ;;
        --out=*) OUT=${1#--out=} ;;
        -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done

if [ "$MODE" = quick ]; then
    ROUNDS=3 RUNS=2 WARMUP=1 RSS_RUNS=3 REQ_RUNS=3 TP_CHECKS=200 TP_ROUNDS=1
    OUT=${OUT:-$BENCH/.work/RESULTS-quick.md}
else
    ROUNDS=10 RUNS=4 WARMUP=3 RSS_RUNS=9 REQ_RUNS=10 TP_CHECKS=1000 TP_ROUNDS=3
    OUT=${OUT:-$BENCH/RESULTS.md}
fi
TP_PARALLEL=8
ALL_ONLY=${ALL_ONLY:-events,latency,workers,jobs}   # the checks `all` runs, each also timed alone
ALL_LATENCY_MS=${ALL_LATENCY_MS:-50}   # the `all` row is timed twice: sim answering at once, and this late

say() { printf '\n== %s\n' "$*" >&2; }
die() { echo "run.sh: $*" >&2; exit 1; }

# ---------------------------------------------------------------- 1. tools ----------------
need_apt=()
command -v hyperfine >/dev/null || need_apt+=(hyperfine)
[ -x /usr/bin/time ] || need_apt+=(time)
command -v jq >/dev/null || need_apt+=(jq)
[ -x /usr/bin/curl ] || need_apt+=(curl)   # the blog's scripts call /usr/bin/curl
if [ ${#need_apt[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "missing ${need_apt[*]}; install them (apt-get install ${need_apt[*]}) or run as root"
    say "installing ${need_apt[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    apt-get install -y --no-install-recommends "${need_apt[@]}" >&2
fi

PYTHON=${PYTHON:-python3}
VENV=$BENCH/.venv
if ! "$VENV/bin/python" -c 'import requests' 2>/dev/null; then
    say "installing requests from PyPI into $VENV"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$BENCH/contenders/requirements.txt" >&2
fi
PY=$VENV/bin/python

if [ "$BUILD" = 1 ]; then
    say "cargo build --release --workspace"
    (cd "$ROOT" && cargo build --release --workspace >&2)
fi
BIN=${CHECK_MISP:-$ROOT/target/release/check_misp}   # CHECK_MISP=path overrides
SIM=$ROOT/target/release/misp-sim
[ -x "$BIN" ] && [ -x "$SIM" ] || die "no release binaries; run without --no-build"

# ---------------------------------------------------------------- 2. simulator ------------
WORK=$BENCH/.work/last
rm -rf "$WORK"
mkdir -p "$WORK"/{hf,counts,tp} "$(dirname "$OUT")"
KEY=SimSiteAdminKey0000000000000000000000001
KEYF=$WORK/key
printf '%s\n' "$KEY" >"$KEYF"
chmod 600 "$KEYF"
CA=$WORK/ca.pem
SIM_PID=""
cleanup() { [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM

"$SIM" --http-port 0 --https-port 0 --key-file "$KEYF" --ca-out "$CA" >"$WORK/sim.out" 2>"$WORK/sim.err" &
SIM_PID=$!
for _ in $(seq 100); do grep -q '^misp-sim ready' "$WORK/sim.out" && break; sleep 0.1; done
READY=$(grep '^misp-sim ready' "$WORK/sim.out") || die "misp-sim did not start: $(cat "$WORK/sim.err")"
H=$(sed -n 's/.* http=\([^ ]*\).*/\1/p' <<<"$READY")
S=$(sed -n 's/.* https=\([^ ]*\).*/\1/p' <<<"$READY")
case "$H$S" in http://127.0.0.1:*https://127.0.0.1:*) ;; *) die "unexpected: $READY" ;; esac
say "$READY"
sim() { curl -sf "$H/__sim/$1"; }

VERSION=$("$BIN" --version | awk '{print $2}' || true)  # --version exits 3, as help does
UA="MISP check_misp/$VERSION"   # what check_misp sends; the floor curl sends the same
EVENTS_PATH=/events/index/limit:60/page:1/searchminimal:1

# ---------------------------------------------------------------- contenders -------------
# A group is TRANSPORT:CHECK. contenders GROUP prints one line per contender:
#   name <TAB> success-marker (text its stdout must contain; - for none) <TAB> command
# Commands are split like a shell would (hyperfine -N does the same), no shell runs them.
HAVE_ALL=0
ALL_NOTE="\`check_misp all\` is not in this build (\`check_misp all --help\` did not answer help with exit 3): row skipped"
set +e
ALL_HELP=$("$BIN" all --help 2>&1)
ALL_RC=$?
set -e
if [ "$ALL_RC" = 3 ] && grep -qi '^usage:.*check_misp.* all\b' <<<"$ALL_HELP" \
    && ! grep -qi 'unrecognized subcommand' <<<"$ALL_HELP"; then
    HAVE_ALL=1
    ALL_NOTE=""
fi

base() { # base URL, curl trust option, blog HOST argument for a transport
    case "$1" in
        https) U=$S; TRUST="--cacert $CA"; HOSTARG=${S#https://}; CMTRUST="--ca-cert $CA" ;;
        http) U=$H; TRUST=""; HOSTARG=${H#http://}; CMTRUST="" ;;
    esac
}
floor() { # bare curl of URL $1 with check_misp's headers
    echo "curl -sf -o /dev/null -H 'Accept: application/json' -H 'Authorization: $KEY' -A '$UA' $TRUST $1"
}
contenders() {
    local t=${1%%:*} c=${1#*:}
    c=${c%%+*}   # https:all+50ms: the same commands as https:all, timed with simulated latency
    base "$t"
    local cm="$BIN $c --url $U --key-file $KEYF $CMTRUST"
    case "$c" in
        events)
            printf '%s\t%s\t%s\n' check_misp "EVENTS OK" "$cm" \
                curl - "$(floor "$U$EVENTS_PATH")" \
                blog "OK" "$BENCH/contenders/misp-rest.sh $HOSTARG $KEY" \
                python "12" "$PY $BENCH/contenders/misp-snmp-monitor.py events" ;;
        workers)
            printf '%s\t%s\t%s\n' check_misp "WORKERS OK" "$cm" \
                curl - "$(floor "$U/servers/getWorkers")" \
                blog "OK" "$BENCH/contenders/misp-worker.sh $HOSTARG $KEY" \
                python "21" "$PY $BENCH/contenders/misp-snmp-monitor.py workers" ;;
        heal)
            printf '%s\t%s\t%s\n' check_misp "HEAL OK" \
                "$cm --state-file $WORK/heal-$t.json --settle 5s --cooldown 15m" \
                curl - "$(floor "$U/servers/getWorkers")" \
                blog "OK" "$BENCH/contenders/misp-worker-heal.sh $HOSTARG $KEY" ;;
        startup)
            # Process start-up alone, no request: explains how the "floor" compares.
            # check_misp --version exits 3 (as --help does): this row ignores exit codes.
            printf '%s\t%s\t%s\n' check_misp - "$BIN --version" \
                curl - "curl --version" \
                python - "$PY -c 'import requests'" ;;
        all)
            printf '%s\t%s\t%s\n' all "OK" "$cm --only $ALL_ONLY"
            local one
            for one in ${ALL_ONLY//,/ }; do
                printf '%s\t%s\t%s\n' "$one" "OK" "$BIN $one --url $U --key-file $KEYF $CMTRUST"
            done ;;
    esac
}
envfor() { # environment of a transport's contenders (blog scripts, Python helper)
    case "${1%%:*}" in
        https) echo "MISP_SCHEME=https CURL_CA_BUNDLE=$CA MISP_URL=$S MISP_KEY=$KEY MISP_VERIFYCERT=$CA" ;;
        http) echo "MISP_SCHEME=http MISP_URL=$H MISP_KEY=$KEY" ;;
        *) echo "MISP_KEY=$KEY" ;;
    esac
}
run_env() { # run_env GROUP CMD...: run with the group's environment only (no CURL_CA_BUNDLE leak)
    local g=$1; shift
    # shellcheck disable=SC2046
    env -u CURL_CA_BUNDLE -u MISP_VERIFYCERT -u MISP_URL -u MISP_KEY -u MISP_SCHEME \
        $(envfor "$g") "$@"
}

GROUPS_LIST=(https:events https:workers https:heal http:events http:workers http:heal local:startup)

# ---------------------------------------------------------------- 3. pre-check ------------
say "pre-check: every contender once, must report OK"
if [ "$HAVE_ALL" = 1 ]; then
    # `all` must itself work before it is timed; otherwise the row is skipped with a note.
    set +e
    base https
    ALL_OUT=$(run_env https:all $BIN all --url "$S" --key-file "$KEYF" --ca-cert "$CA" --only "$ALL_ONLY" 2>&1)
    ALL_RC=$?
    set -e
    if [ "$ALL_RC" = 0 ]; then
        GROUPS_LIST+=(https:all "https:all+${ALL_LATENCY_MS}ms")
    else
        HAVE_ALL=0
        ALL_NOTE="\`check_misp all --only $ALL_ONLY\` exited $ALL_RC on a healthy simulator: row skipped ($(head -1 <<<"$ALL_OUT"))"
    fi
fi
: >"$WORK/contenders.tsv"
for g in "${GROUPS_LIST[@]}"; do
    while IFS=$'\t' read -r name marker cmd; do
        eval "set -- $cmd"
        if [ "$g" = local:startup ]; then
            out=$(run_env "$g" "$@" 2>&1 </dev/null) || true
        else out=$(run_env "$g" "$@" 2>"$WORK/precheck.err" </dev/null) || die "$g $name failed (exit $?): $cmd
$out
$(cat "$WORK/precheck.err")"
        fi
        if [ "$marker" != - ] && ! grep -qF -- "$marker" <<<"$out"; then
            die "$g $name did not report '$marker': $cmd
$out"
        fi
        printf '%s\t%s\t%s\n' "$g" "$name" "$cmd" >>"$WORK/contenders.tsv"
        printf '  %-14s %-10s ok: %s\n' "$g" "$name" "$(head -1 <<<"$out" | cut -c1-70)" >&2
    done < <(contenders "$g")
done

# ---------------------------------------------------------------- machine -----------------
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
{
    echo "date=$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "mode=$MODE"
    echo "nproc=$(nproc)"
    echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
    echo "mem=$(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
    echo "kernel=$(uname -srm)"
    echo "os=$( (. /etc/os-release && echo "$PRETTY_NAME") 2>/dev/null || echo unknown)"
    echo "check_misp=$("$BIN" --version) ($(stat -c %s "$BIN") bytes)"
    echo "curl=$(curl --version | head -1)"
    echo "jq=$(jq --version)"
    echo "bash=${BASH_VERSION}"
    echo "python=$("$PY" --version 2>&1), requests $("$PY" -c 'import requests; print(requests.__version__)')"
    echo "hyperfine=$(hyperfine --version)"
    echo "time=GNU time $(dpkg-query -W -f='${Version}' time 2>/dev/null || echo unknown)"
    echo "curl_libs=$(ldd /usr/bin/curl 2>/dev/null | wc -l)"
    echo "rustc=$(rustc --version 2>/dev/null || echo unknown)"
    echo "sim=$READY"
    echo "rounds=$ROUNDS"
    echo "runs=$RUNS"
    echo "warmup=$WARMUP"
    echo "rss_runs=$RSS_RUNS"
    echo "req_runs=$REQ_RUNS"
    echo "tp_checks=$TP_CHECKS"
    echo "tp_parallel=$TP_PARALLEL"
    echo "tp_rounds=$TP_ROUNDS"
    echo "all_only=$ALL_ONLY"
    echo "all_latency_ms=$ALL_LATENCY_MS"
    echo "all_note=$ALL_NOTE"
    echo "load_start=$LOAD_START"
} >"$WORK/meta.env"

# ---------------------------------------------------------------- 4. wall time ------------
say "wall time: $ROUNDS rounds x $RUNS runs per contender, ${#GROUPS_LIST[@]} groups"
: >"$WORK/hyperfine-commands.txt"
for ((r = 1; r <= ROUNDS; r++)); do
    for g in "${GROUPS_LIST[@]}"; do
        mapfile -t lines < <(contenders "$g")
        n=${#lines[@]}
        args=()
        for ((i = 0; i < n; i++)); do
            IFS=$'\t' read -r name _ cmd <<<"${lines[$(((i + r) % n))]}"
            args+=(-n "$name" "$cmd")
        done
        warm=()
        [ "$r" = 1 ] && warm=(--warmup "$WARMUP")
        [ "$g" = local:startup ] && warm+=(-i)
        hf=(hyperfine -N --style none --runs "$RUNS" "${warm[@]}" --export-json "$WORK/hf/$g.r$r.json" "${args[@]}")
        [ "$r" = 1 ] && { echo "# $g (env: $(envfor "$g"))$(case "$g" in *+*ms) echo " with $H/__sim/latency?ms=$ALL_LATENCY_MS set for this invocation only" ;; esac)"; printf '%q ' "${hf[@]}"; echo; } >>"$WORK/hyperfine-commands.txt"
        case "$g" in *+*ms) sim "latency?ms=$ALL_LATENCY_MS" >/dev/null ;; esac
        run_env "$g" "${hf[@]}" >/dev/null
        case "$g" in *+*ms) sim "latency?ms=0" >/dev/null ;; esac
    done
    printf '  round %d/%d done (load %s)\n' "$r" "$ROUNDS" "$(cut -d' ' -f1 /proc/loadavg)" >&2
done

# ---------------------------------------------------------------- 5. peak RSS -------------
say "peak RSS: /usr/bin/time -f %M, $RSS_RUNS runs per contender, interleaved"
: >"$WORK/rss.tsv"
for ((r = 1; r <= RSS_RUNS; r++)); do
    while IFS=$'\t' read -r g name cmd; do
        case "$g" in *+*ms) continue ;; esac   # same commands as the row without latency
        eval "set -- $cmd"
        run_env "$g" /usr/bin/time -f %M -o "$WORK/rss.one" "$@" >/dev/null 2>&1 </dev/null || true
        printf '%s\t%s\t%s\n' "$g" "$name" "$(tail -1 "$WORK/rss.one")" >>"$WORK/rss.tsv"
    done <"$WORK/contenders.tsv"
done

# ---------------------------------------------------------------- 6. requests per run -----
say "requests per run: $REQ_RUNS runs per contender, simulator counters"
while IFS=$'\t' read -r g name cmd; do
    case "$g" in *+*ms) continue ;; esac
    eval "set -- $cmd"
    sim reset >/dev/null
    for ((i = 0; i < REQ_RUNS; i++)); do run_env "$g" "$@" >/dev/null 2>&1 </dev/null || true; done
    sim counts >"$WORK/counts/$g.$name.json" </dev/null
done <"$WORK/contenders.tsv"

# ---------------------------------------------------------------- 7. throughput -----------
say "throughput: $TP_CHECKS checks, $TP_PARALLEL at a time, over HTTPS, $TP_ROUNDS round(s)"
base https
TP=(
    "check_misp	^OK\$	$BIN workers --url $S --key-file $KEYF --ca-cert $CA -o okko"
    "blog	^OK\$	$BENCH/contenders/misp-worker.sh $HOSTARG $KEY"
    "curl	^200\$	curl -s -o /dev/null -w '%{http_code}\\n' -H 'Accept: application/json' -H 'Authorization: $KEY' -A '$UA' --cacert $CA $S/servers/getWorkers"
)
printf 'name\tround\tchecks\tok\tseconds\tcommand\n' >"$WORK/tp.tsv"
for ((r = 1; r <= TP_ROUNDS; r++)); do
    for ((i = 0; i < ${#TP[@]}; i++)); do
        IFS=$'\t' read -r name marker cmd <<<"${TP[$(((i + r) % ${#TP[@]}))]}"
        eval "set -- $cmd"
        t0=$(date +%s%N)
        seq "$TP_CHECKS" | run_env https:workers xargs -P "$TP_PARALLEL" -I{} "$@" >"$WORK/tp/$name.r$r.out" 2>/dev/null || true
        t1=$(date +%s%N)
        ok=$(grep -c -- "$marker" "$WORK/tp/$name.r$r.out" || true)
        secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e9}')
        printf '%s\t%d\t%d\t%d\t%s\tseq %d | xargs -P %d -I{} %s\n' "$name" "$r" "$TP_CHECKS" "$ok" "$secs" \
            "$TP_CHECKS" "$TP_PARALLEL" "$cmd" >>"$WORK/tp.tsv"
        printf '  %-10s %d checks in %ss, %d OK\n' "$name" "$TP_CHECKS" "$secs" "$ok" >&2
    done
done

echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$WORK/meta.env"

# ---------------------------------------------------------------- 8. report ---------------
say "report"
"$PY" "$BENCH/report.py" "$WORK" "$OUT"
echo "raw data: $WORK" >&2
