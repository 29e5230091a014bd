#!/bin/sh
# misp-opennms.sh CHECK HOST KEY [CHECK_MISP OPTION...]
#
# Shared body of the drop-in replacements for the monitoring-scripts of the blog post
# "MISP service monitoring (and a bit of healing) with OpenNMS": runs check_misp CHECK in
# -o okko mode, so stdout is exactly OK (exit 0) or KO (exit 1) and the reason for a KO
# goes to stderr, which OpenNMS logs. The four misp-*.sh scripts call this file; keep it
# in the same directory.
#
# HOST  host name or address (https://HOST), host:port, or a full URL (http://... too)
# KEY   path of a file holding the API key (recommended), or the key itself. A literal key
#       is handed to check_misp in the environment (MISP_KEY), never as an argument, so it
#       does not show in ps.
#
# Options after KEY go to check_misp as they are (e.g. "--ignore-queue email").
#
# Environment (all optional):
#   CHECK_MISP       the check_misp binary (default: next to this script, then PATH)
#   MISP_CA_CERT     PEM file of the CA that signed MISP's certificate (--ca-cert)
#   MISP_SLOW        latency limit of misp-rest-slow.sh (default 5s, the blog's 5000 ms)
#   MISP_TIMEOUT     check_misp's own deadline (default 9s: below the poller's 10000 ms,
#                    so the reason for a slow answer is logged rather than a kill)
#   CHECK_MISP_ARGS  more check_misp options, split on blanks (e.g. "--insecure")
set -u

ko() {
    echo KO
    echo "$(basename "$0"): $*" >&2
    exit 1
}

[ $# -ge 3 ] || ko "usage: misp-rest.sh (or misp-rest-slow.sh, misp-worker.sh, misp-worker-heal.sh) HOST KEY"
check=$1 host=$2 key=$3
shift 3
[ -n "$host" ] || ko "HOST is empty"
case $key in
    '' | -*) ko "KEY is missing: give the path of a key file, or the key" ;;
esac

bin=${CHECK_MISP:-}
if [ -z "$bin" ]; then
    here=$(dirname "$0")
    if [ -x "$here/check_misp" ]; then
        bin=$here/check_misp
    else
        bin=$(command -v check_misp) || ko "check_misp not found next to $0 nor on PATH (set CHECK_MISP)"
    fi
fi
[ -x "$bin" ] || ko "CHECK_MISP=$bin is not executable"

# The script decides URL and key alone: settings inherited from a login shell must not mix in.
unset MISP_URL MISP_KEY_FILE MISP_KEY

case $host in
    http://* | https://*) set -- --url "$host" "$@" ;;
    *) set -- --hostname "$host" "$@" ;;
esac

# Anything that exists or looks like a path is a key file, so a mistyped path is reported
# as an unreadable file rather than as a malformed key.
case $key in
    */*) set -- --key-file "$key" "$@" ;;
    *)
        if [ -e "$key" ]; then
            set -- --key-file "$key" "$@"
        else
            MISP_KEY=$key
            export MISP_KEY
        fi
        ;;
esac

# The REST-slow check: the blog's poller timeout of 5000 ms becomes check_misp's own
# critical threshold, so the KO says how slow MISP was instead of being a kill.
if [ "$check" = latency ]; then
    set -- "$@" --critical "${MISP_SLOW:-5s}"
fi

if [ -n "${MISP_CA_CERT:-}" ]; then
    set -- "$@" --ca-cert "$MISP_CA_CERT"
fi

# Word splitting of CHECK_MISP_ARGS is the point; globbing is not.
set -f
# shellcheck disable=SC2086
exec "$bin" "$check" -o okko --timeout "${MISP_TIMEOUT:-9s}" "$@" ${CHECK_MISP_ARGS:-}
