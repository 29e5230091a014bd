#!/usr/bin/env bash
# The demo against a real MISP 2.5.1 on loopback (../shared/real-misp, started here): every
# check over HTTPS with the certificate MISP's install guide makes, then a queue killed for
# real and healed, and a partial loss that only --min-workers sees. Leaves the MISP running
# (stop it with ../shared/real-misp/stop.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

REAL=${REAL_MISP_SETUP:-../shared/real-misp/setup.sh}
R=${R:-/tmp/realmisp}
[ -x "$REAL" ] || { echo "no $REAL: the real MISP kit lives in ../shared/real-misp"; exit 1; }
echo "starting the real MISP (first run: packages and about 15 s; log in $R/log/demo-setup.log)"
mkdir -p "$R/log"
bash "$REAL" >"$R/log/demo-setup.log" 2>&1 || { tail -20 "$R/log/demo-setup.log" | sed 's/[A-Za-z0-9]\{40\}/<key>/g'; exit 1; }

cargo build --release --quiet
BIN=target/release/check_misp
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export MISP_URL=https://127.0.0.1:${HTTPS_PORT:-28443} MISP_KEY_FILE=$R/key
TLS=(--ca-cert "$R/ssl/misp.local.crt")
STATE=(--state-file "$WORK/heal-state.json" --settle 3s -t 30s)
SUP=(supervisorctl -c "$R/etc/supervisord.conf")

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() {
  printf '$ check_misp %s\n' "$*"
  set +e; "$BIN" "$@"; local rc=$?; set -e
  printf '(exit %s)\n' "$rc"
}
kill_worker() { kill -9 "$("${SUP[@]}" pid "misp-workers:$1")"; sleep 1; }

step "A real MISP 2.5.1 ($MISP_URL, its own self-signed CA:TRUE certificate)"
for check in login events latency workers jobs stats users version heartbeat cert; do
  run "$check" "${TLS[@]}"
done
run diagnostics "${TLS[@]}"
run all "${TLS[@]}"

step "kill -9 the only worker of the update queue"
kill_worker update_00
run workers "${TLS[@]}"
run heal "${TLS[@]}" "${STATE[@]}"
grep -c '"POST /servers/restartDeadWorkers' "$R/log/apache-access.log" | sed 's/^/restart requests in Apache'"'"'s log so far: /'
run workers "${TLS[@]}"

step "kill -9 one of the five default workers: MISP drops it from its list"
kill_worker default_02
run workers "${TLS[@]}"
run workers "${TLS[@]}" --min-workers 5,update=1
run heal "${TLS[@]}" "${STATE[@]}" --min-workers 5,update=1 --cooldown 1s
run workers "${TLS[@]}" --min-workers 5,update=1
