#!/bin/bash
# Re-creation of misp-rest.sh from the seed blog post "MISP service monitoring (and a bit of
# healing) with OpenNMS" (2020-08-18), for bench/run.sh. Kept as the blog wrote it; the only
# change is the scheme: the blog hard-codes https://, the bench also runs it over http, so
# the scheme comes from MISP_SCHEME (default https). Trust for https comes from curl's own
# CURL_CA_BUNDLE environment variable, so the curl command line is the blog's.
HOST="$1"
KEY="$2"
RESP=$(/usr/bin/curl -H "Authorization: ${KEY}" -H "Accept: application/json" -H "Content-type: application/json" ${MISP_SCHEME:-https}://${HOST}/events/index/limit:60/page:1/searchminimal:1)
if [[ "${RESP}" =~ 'uid' ]]; then
echo "OK"
exit 0
else
echo "KO"
exit 1
fi
