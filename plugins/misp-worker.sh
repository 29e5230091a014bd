#!/bin/sh
# misp-worker.sh HOST KEY: KO when any MISP background worker is dead or a queue has no
# live worker (the blog's getWorkers | jq check, which missed fully dead queues).
exec "$(dirname "$0")/misp-opennms.sh" workers "$@"
