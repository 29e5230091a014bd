#!/usr/bin/env python3
# A `requests` re-creation of MISP's tools/misp-snmp/misp-snmp-monitor.py (MISP PR #6221,
# the helper of the seed Cacti/SNMP blog post), as described in
# shared/docs/misp-wire-format.md section 6, for bench/run.sh.
#
# Kept as the helper does it: the same four headers on every request, the `workers` count
# (all entries of a queue whose `ok` is true, plus one per queue that is not ok), the
# AttributeError fallback to -1, no timeout. Changed for the bench:
#  - the settings come from the environment (MISP_URL, MISP_KEY, MISP_VERIFYCERT) instead of
#    being edited into the file; MISP_VERIFYCERT defaults to False as in the helper, and the
#    bench sets it to the simulator's CA so every contender does the same TLS verification;
#  - `events` is NOT in the helper: it is added so the bench can compare a Python `requests`
#    check of the REST events index (the blog's REST check) with `check_misp events`.
#    It prints the number of events that carry a uuid, or -1.
# Only `workers`, `jobs` and `events` are implemented (`update`/`stats`/`users` use a cache
# file and are not benchmarked).
import os
import sys

import requests
import urllib3

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

misp_key = os.environ.get("MISP_KEY", "")
misp_url = os.environ.get("MISP_URL", "https://127.0.0.1").rstrip("/")
misp_fail_data = -1
misp_verifycert = os.environ.get("MISP_VERIFYCERT") or False
misp_useragent = "MISP SNMP"

headers = {
    "Authorization": misp_key,
    "Accept": "application/json",
    "content-type": "application/json",
    "User-Agent": misp_useragent,
}


def get_data(path):
    res = requests.get("{}{}".format(misp_url, path), headers=headers, verify=misp_verifycert)
    return res.json()


def workers():
    try:
        data = get_data("/servers/getWorkers")
        workers_ok = 0
        workers_dead = 0
        for _, value in data.items():
            if isinstance(value, dict) and "ok" in value:
                if value["ok"] is True:
                    workers_ok += len(value["workers"])
                else:
                    workers_dead += 1
        print("{}\n{}".format(workers_ok, workers_dead))
    except AttributeError:
        print("{}\n{}".format(misp_fail_data, misp_fail_data))


def jobs():
    try:
        data = get_data("/servers/getWorkers")
        jobs = 0
        for _, value in data.items():
            if isinstance(value, dict) and "jobCount" in value:
                jobs = int(value["jobCount"])
        print(jobs)
    except AttributeError:
        print(misp_fail_data)


def events():
    # Bench addition (see the header): the blog's REST check, done with requests.
    try:
        data = get_data("/events/index/limit:60/page:1/searchminimal:1")
        print(sum(1 for e in data if isinstance(e, dict) and "uuid" in e))
    except (AttributeError, TypeError):
        print(misp_fail_data)


if sys.argv[1] == "workers":
    workers()
elif sys.argv[1] == "jobs":
    jobs()
elif sys.argv[1] == "events":
    events()
