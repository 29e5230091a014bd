#!/bin/bash
# Re-creation of the blog's "self-healing" misp-worker.sh (OpenNMS, 2020-08-18), for
# bench/run.sh. As the blog wrote it, except the scheme (MISP_SCHEME, default https); trust
# for https comes from curl's CURL_CA_BUNDLE environment variable.
# Note what the blog's version really does: RESTART=$(curl ... -X POST ...) runs the POST
# as soon as the line is reached, so every run makes 2 requests, healthy MISP or not.
HOST="$1"
KEY="$2"
RESP=$(/usr/bin/curl -H "Authorization: ${KEY}" -H "Accept: application/json" -H "Content-type: application/json" ${MISP_SCHEME:-https}://${HOST}/servers/getWorkers | jq '.[].workers[].ok')
RESTART=$(/usr/bin/curl -d '{}' -H "Authorization: ${KEY}" -H "Accept: application/json" -H "Content-type: application/json" -X POST ${MISP_SCHEME:-https}://${HOST}/servers/restartDeadWorkers)
if [[ "${RESP}" =~ 'false' ]]; then
echo "KO"
${RESTART}
exit 1 # to record the outage
else
echo "OK"
exit 0
fi
