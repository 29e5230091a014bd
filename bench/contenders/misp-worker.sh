#!/bin/bash
# Re-creation of misp-worker.sh from the seed blog post (OpenNMS, 2020-08-18), for
# bench/run.sh. As the blog wrote it, except the scheme (MISP_SCHEME, default https); trust
# for https comes from curl's CURL_CA_BUNDLE environment variable.
HOST="$1"
KEY="$2"
RESP=$(/usr/bin/curl -H "Authorization: ${KEY}" -H "Accept: application/json" -H "Content-type: application/json" ${MISP_SCHEME:-https}://${HOST}/servers/getWorkers | jq '.[].workers[].ok')
if [[ "${RESP}" =~ 'false' ]]; then
echo "KO"
exit 1 # to record the outage
else
echo "OK"
exit 0
fi
