#!/usr/bin/env bash
# The demo: build check_misp and the MISP simulator, then run every check against it —
# healthy, after a worker queue dies, and after `heal` revives it.
# Everything stays on 127.0.0.1; the simulator is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${1:-}" = --real-misp ] && exec scripts/demo-real-misp.sh

cargo build --release --workspace --quiet
BIN=target/release/check_misp
WORK=$(mktemp -d)
trap 'kill "$SIM_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT

# A key file, as you would keep one on a monitoring host (0600, never on a command line).
KEY=SimSiteAdminKey0000000000000000000000001
( umask 077; echo "$KEY" > "$WORK/key" )

target/release/misp-sim --key-file "$WORK/key" --ca-out "$WORK/ca.pem" > "$WORK/sim.out" &
SIM_PID=$!
for _ in $(seq 100); do grep -q '^misp-sim ready' "$WORK/sim.out" 2>/dev/null && break; sleep 0.05; done
HTTPS=$(sed -n 's/.* https=\([^ ]*\).*/\1/p' "$WORK/sim.out")
HTTP=$(sed -n 's/.* http=\([^ ]*\).*/\1/p' "$WORK/sim.out")
[ -n "$HTTPS" ] || { echo "the simulator did not start:"; cat "$WORK/sim.out"; exit 1; }

export MISP_URL=$HTTPS MISP_KEY_FILE=$WORK/key
TLS=(--ca-cert "$WORK/ca.pem")
STATE=(--state-file "$WORK/heal-state.json" --settle 1s)

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() {
  printf '$ check_misp %s\n' "$*"
  set +e; "$BIN" "$@"; local rc=$?; set -e
  printf '(exit %s)\n' "$rc"
}
sim() { curl -fsS "$HTTP/__sim/$1" >/dev/null; }

step "A healthy MISP ($HTTPS, MISP 2.5, supervisor-managed workers)"
run login "${TLS[@]}"
run events "${TLS[@]}"
run latency "${TLS[@]}"
run workers "${TLS[@]}"
run jobs "${TLS[@]}" -w 100 -c 1000
run heal "${TLS[@]}" "${STATE[@]}"

step "Statistics, the stats cache for snmpd, MISP's own diagnostics, version, heartbeat, certificate"
run stats "${TLS[@]}"
run stats "${TLS[@]}" --update-cache --cache-file "$WORK/stats.json"
run users --cache-file "$WORK/stats.json" -o snmp     # no URL, no key: what snmpd runs
run diagnostics "${TLS[@]}"
run version "${TLS[@]}" --min-version 2.4.194
run heartbeat "${TLS[@]}"
run cert "${TLS[@]}"

step "Everything that needs no opt-in, concurrently, in one process"
run all "${TLS[@]}"

step "The same answers for OpenNMS (okko), scripts (json), net-snmp (snmp) and Cacti (cacti)"
run workers "${TLS[@]}" -o okko
run workers "${TLS[@]}" -o json
run workers "${TLS[@]}" -o snmp
run latency "${TLS[@]}" -o cacti

step "The email queue's workers die (in supervisor mode they simply vanish from MISP's list)"
sim "kill?queue=email&all=1"
sim "backlog?queue=email&jobs=87"
run workers "${TLS[@]}"
run jobs "${TLS[@]}" -w 50 -c 1000
run workers "${TLS[@]}" -o okko

step "heal restarts them (one POST, only because something is dead), waits, and re-checks"
run heal "${TLS[@]}" "${STATE[@]}"
run workers "${TLS[@]}"

step "Failures are named, in one line, with the contract's exit code"
run workers --url "$HTTPS"                     # certificate not trusted without --ca-cert
run events --url "$HTTP" --key-file /nonexistent
run events --url http://127.0.0.1:9            # nothing listens
sim "fault?kind=redirect&location=/users/login&path=/servers/getWorkers"
run workers --url "$HTTP"
sim "fault?kind=hang&path=/events/index"
run events "${TLS[@]}" -t 2s
sim "fault?kind=clear"
sim "diagnostics?redis=0"
run diagnostics "${TLS[@]}"
echo
echo "Demo done. Simulator requests per endpoint: $(curl -fsS "$HTTP/__sim/counts")"
