#!/bin/sh
# misp-worker-heal.sh HOST KEY: like misp-worker.sh, and when (and only when) workers are
# dead it asks MISP to restart them, at most once per 15 minutes. A healed outage still
# prints KO, so OpenNMS records it. Unlike the blog's script it never POSTs to
# restartDeadWorkers while all workers are alive.
exec "$(dirname "$0")/misp-opennms.sh" heal "$@"
