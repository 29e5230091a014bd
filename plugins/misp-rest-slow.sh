#!/bin/sh
# misp-rest-slow.sh HOST KEY: KO if the REST event index takes longer than 5 s (the blog's
# "REST interface slow" poller timeout of 5000 ms) or fails; MISP_SLOW changes the limit
# (e.g. 2s, 1500ms). check_misp judges the time itself, so the KO says how slow it was.
exec "$(dirname "$0")/misp-opennms.sh" latency "$@"
