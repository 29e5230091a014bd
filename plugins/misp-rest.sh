#!/bin/sh
# misp-rest.sh HOST KEY: OK if MISP's REST event index answers with events, else KO.
# Drop-in for the blog's monitoring-scripts/misp-rest.sh (curl + grep 'uid'); see
# misp-opennms.sh beside it for HOST, KEY and the environment it honours.
exec "$(dirname "$0")/misp-opennms.sh" events "$@"
