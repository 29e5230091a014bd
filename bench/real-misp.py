#!/usr/bin/env python3
"""bench/real-misp.py: what each check costs a real MISP, before and after loading events.

For every check of check_misp, the seed blog's scripts (bench/contenders/) and a few
alternative requests, it counts the HTTP requests MISP served and sums the time MISP
itself spent on them, read from Apache's access log: the last field of each line is `%D`,
the time Apache took to serve the request, in microseconds (verified below against the
client's own timing). Then it loads events and measures again, so the growth with the
database's size shows. It writes one markdown file (default bench/REAL-MISP.md).

Environment (defaults: the instance ../shared/real-misp/setup.sh builds):
  REAL_MISP_URL       http://127.0.0.1:28080
  REAL_MISP_KEY_FILE  /tmp/realmisp/key            (a site admin's key)
  REAL_MISP_LOG       /tmp/realmisp/log/apache-access.log
  REAL_MISP_SQL       mariadb client command for loading by SQL, e.g.
                      "mariadb --socket=/tmp/realmisp/run/mysqld.sock -u root misp";
                      default: that command when the socket exists, else load by REST
  LOAD_EVENTS         events to load between the two rounds (default 5000; 0: one round)
  LOAD_ATTRIBUTES     attributes per loaded event (default 20)
  RUNS                runs per check and round; medians are reported (default 7)
  CHECK_MISP          the binary (default target/release/check_misp)
  OUT                 the markdown file (default bench/REAL-MISP.md)

It changes the MISP: it adds LOAD_EVENTS events (info "check_misp bench event N"), and the
blog's self-healing script POSTs restartDeadWorkers (harmless on a healthy MISP). Run it
on a MISP of its own, idle: every request in the log during a run is counted.
"""

import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
URL = os.environ.get("REAL_MISP_URL", "http://127.0.0.1:28080").rstrip("/")
KEY_FILE = os.environ.get("REAL_MISP_KEY_FILE", "/tmp/realmisp/key")
LOG = os.environ.get("REAL_MISP_LOG", "/tmp/realmisp/log/apache-access.log")
LOAD_EVENTS = int(os.environ.get("LOAD_EVENTS", "5000"))
LOAD_ATTRIBUTES = int(os.environ.get("LOAD_ATTRIBUTES", "20"))
RUNS = int(os.environ.get("RUNS", "7"))
BIN = os.environ.get("CHECK_MISP", os.path.join(ROOT, "target/release/check_misp"))
OUT = os.environ.get("OUT", os.path.join(BENCH, "REAL-MISP.md"))
CONTENDERS = os.path.join(BENCH, "contenders")

LINE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3}) .* (?P<us>\d+)$')


def die(msg):
    print(f"real-misp.py: {msg}", file=sys.stderr)
    sys.exit(1)


def read_key():
    try:
        key = open(KEY_FILE).read().strip()
    except OSError as e:
        die(f"cannot read the key file {KEY_FILE}: {e}")
    if len(key) != 40:
        die(f"{KEY_FILE} does not hold a 40-character MISP key")
    return key


KEY = read_key()


def api(method, path, body=None, timeout=60):
    req = urllib.request.Request(
        URL + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": KEY, "Accept": "application/json", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, dict(r.headers), r.read()


# ---------------------------------------------------------------- the access log
def log_size():
    return os.path.getsize(LOG)


def log_since(offset):
    """Requests logged since `offset`, once Apache has written them all (it logs a request
    after answering it, so a client may exit before its last line is written)."""
    seen, stable = None, 0
    while stable < 2:
        time.sleep(0.05)
        size = log_size()
        stable = stable + 1 if size == seen else 0
        seen = size
    with open(LOG, "rb") as f:
        f.seek(offset)
        text = f.read().decode("utf-8", "replace")
    reqs = []
    for line in text.splitlines():
        m = LINE.search(line)
        if not m:
            die(f"a line of {LOG} does not end in a number (is %D the last field of the LogFormat?): {line}")
        reqs.append((m["method"], m["path"], int(m["status"]), int(m["us"])))
    return reqs


def endpoint(method, path):
    """`GET /controller/action`, params stripped, as misp-sim counts requests."""
    segs = [s for s in path.split("?")[0].split("/") if s][:2]
    segs = [s[:-5] if s.endswith(".json") else s for s in segs]
    out = []
    for s in segs:
        if ":" in s:
            break
        out.append(s)
    return f"{method} /" + "/".join(out)


def verify_d():
    """%D must be the server's time for the request: most of what the client saw for a slow
    request (serverSettings takes about a second), and not much more (Apache stops its
    clock when it logs, a moment after the client has read the last byte)."""
    before = log_size()
    t0 = time.monotonic()
    status, _, _ = api("GET", "/servers/serverSettings")
    client_us = (time.monotonic() - t0) * 1e6
    reqs = log_since(before)
    if len(reqs) != 1 or status != 200:
        die(f"expected 1 logged request for the %D check, got {reqs}")
    server_us = reqs[0][3]
    if not (0.5 * client_us <= server_us <= 1.1 * client_us + 50_000):
        die(f"last log field {server_us} is not the request's microseconds (client saw {client_us:.0f} us)")
    return server_us, client_us


# ---------------------------------------------------------------- what is measured
def check_misp(*args):
    return [BIN, *args, "--url", URL, "--key-file", KEY_FILE]


def python_for_requests():
    for py in (os.path.join(BENCH, ".venv/bin/python"), sys.executable):
        if os.path.exists(py) and subprocess.run([py, "-c", "import requests"], capture_output=True).returncode == 0:
            return py
    return None


def subjects():
    host = URL.split("://", 1)[1]
    scheme = URL.split("://", 1)[0]
    blog_env = {"MISP_SCHEME": scheme}
    rows = []
    for check in ["login", "events", "latency", "workers", "heal", "jobs", "stats", "users",
                  "diagnostics", "version", "heartbeat", "all"]:
        extra = ["--state-file", "/tmp/check_misp-bench-heal-state.json"] if check == "heal" else []
        rows.append(("check_misp", check, check_misp(check, *extra), {}))
    rows.append(("blog script", "events (misp-rest.sh)", ["bash", f"{CONTENDERS}/misp-rest.sh", host, KEY], blog_env))
    rows.append(("blog script", "workers (misp-worker.sh)", ["bash", f"{CONTENDERS}/misp-worker.sh", host, KEY], blog_env))
    rows.append(("blog script", "heal (misp-worker-heal.sh)", ["bash", f"{CONTENDERS}/misp-worker-heal.sh", host, KEY], blog_env))
    py = python_for_requests()
    if py:
        env = {"MISP_URL": URL, "MISP_KEY": KEY}
        for cmd in ["workers", "jobs", "events"]:
            rows.append(("SNMP helper (Python)", cmd, [py, f"{CONTENDERS}/misp-snmp-monitor.py", cmd], env))
    return rows


# Requests that could stand in for the ones check_misp makes, timed alone.
ALTERNATIVES = [
    ("events index, 60 minimal (check_misp events/latency, blog)", "GET", "/events/index/limit:60/page:1/searchminimal:1", None),
    ("events index, 1 minimal", "GET", "/events/index/limit:1/page:1/searchminimal:1", None),
    ("events index, 60 full", "GET", "/events/index/limit:60/page:1", None),
    ("events restSearch, 1 event, metadata only", "POST", "/events/restSearch",
     {"returnFormat": "json", "limit": 1, "page": 1, "metadata": True}),
    ("statistics (check_misp stats/users)", "GET", "/users/statistics.json", None),
    ("users alone: user list, 1 entry", "GET", "/admin/users/index/limit:1", None),
    ("users alone: organisation list, 1 entry", "GET", "/organisations/index/scope:all/limit:1", None),
    ("getWorkers (check_misp workers/jobs/heal)", "GET", "/servers/getWorkers", None),
    ("serverSettings (check_misp diagnostics)", "GET", "/servers/serverSettings", None),
    ("getVersion (check_misp version)", "GET", "/servers/getVersion", None),
    ("heartbeat (check_misp heartbeat)", "GET", "/users/heartbeat", None),
]


def run_one(cmd, env):
    before = log_size()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MISP_")}
    full_env.update(env)
    p = subprocess.run(cmd, capture_output=True, text=True, env=full_env, timeout=120)
    return p, log_since(before)


def measure_round(label):
    print(f"== measuring: {label}", file=sys.stderr)
    rows = []
    for kind, name, cmd, env in subjects():
        totals, shapes, first = [], None, None
        for _ in range(RUNS):
            p, reqs = run_one(cmd, env)
            first = first or p
            totals.append(sum(r[3] for r in reqs))
            counted = {}
            for r in reqs:
                e = endpoint(r[0], r[1])
                counted[e] = counted.get(e, 0) + 1
            shapes = counted
        status = (first.stdout.strip().splitlines() or [""])[0][:100]
        rows.append({"kind": kind, "name": name, "requests": shapes, "us": statistics.median(totals),
                     "min": min(totals), "status": status})
        print(f"   {kind:22} {name:28} {sum(shapes.values())} req  {statistics.median(totals)/1000:8.1f} ms  {status}",
              file=sys.stderr)
    alts = []
    for name, method, path, body in ALTERNATIVES:
        times = []
        for _ in range(RUNS):
            before = log_size()
            try:
                status, headers, data = api(method, path, body)
            except urllib.error.HTTPError as e:
                status, headers, data = e.code, dict(e.headers), b""
            reqs = log_since(before)
            times.append(sum(r[3] for r in reqs))
        alts.append({"name": name, "request": f"{method} {path}", "us": statistics.median(times),
                     "min": min(times), "bytes": len(data), "status": status})
        print(f"   alt {name:60} {statistics.median(times)/1000:8.1f} ms {len(data)} bytes", file=sys.stderr)
    return {"label": label, "size": size(), "rows": rows, "alts": alts}


def size():
    _, _, body = api("GET", "/users/statistics.json")
    s = json.loads(body)["stats"]
    return {k: s.get(k) for k in ("event_count", "attribute_count", "user_count")}


# ---------------------------------------------------------------- loading events
def sql_command():
    cmd = os.environ.get("REAL_MISP_SQL")
    if cmd:
        return shlex.split(cmd)
    sock = os.path.join(os.path.dirname(os.path.dirname(LOG)), "run/mysqld.sock")
    if os.path.exists(sock):
        return ["mariadb", f"--socket={sock}", "-u", "root", "misp"]
    return None


def load_sql(cmd, n, attrs):
    """Rows as MISP's own /events/add writes them (compared column by column), made by
    MariaDB's sequence engine: ids, UUIDs and timestamps spread over the last 60 days."""
    sql = f"""
INSERT INTO events (org_id, date, info, user_id, uuid, published, analysis, attribute_count, orgc_id,
  timestamp, distribution, sharing_group_id, proposal_email_lock, locked, threat_level_id,
  publish_timestamp, sighting_timestamp, disable_correlation, extends_uuid)
SELECT 1, CURDATE() - INTERVAL (seq % 60) DAY, CONCAT('check_misp bench event ', seq), 1, UUID(), seq % 2, 2,
  {attrs}, 1, UNIX_TIMESTAMP() - (seq % 60) * 86400, 0, 0, 0, 0, 4, 0, 0, 0, ''
FROM seq_1_to_{n};
INSERT INTO attributes (event_id, object_id, category, type, value1, value2, to_ids, uuid, timestamp,
  distribution, sharing_group_id, comment, deleted, disable_correlation)
SELECT e.id, 0, 'Network activity', 'ip-dst',
  CONCAT('10.', (e.id DIV 256) % 256, '.', e.id % 256, '.', s.seq), '', 0, UUID(), e.timestamp, 5, 0, '', 0, 0
FROM events e JOIN seq_1_to_{attrs} s
WHERE e.info LIKE 'check_misp bench event %' AND NOT EXISTS (SELECT 1 FROM attributes a WHERE a.event_id = e.id);
"""
    subprocess.run(cmd, input=sql, text=True, check=True)


def load_rest(n, attrs):
    """Through /events/add, 4 at a time (about half a second per event on a small host)."""
    lock = threading.Lock()
    todo = iter(range(1, n + 1))

    def worker():
        while True:
            with lock:
                i = next(todo, None)
            if i is None:
                return
            api("POST", "/events/add", {"Event": {
                "info": f"check_misp bench event {i}", "distribution": 0, "threat_level_id": 4,
                "analysis": 2, "published": False,
                "Attribute": [{"type": "ip-dst", "category": "Network activity",
                               "value": f"10.{i // 256 % 256}.{i % 256}.{j}", "to_ids": False}
                              for j in range(1, attrs + 1)]}}, timeout=120)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


# ---------------------------------------------------------------- the report
def ms(us):
    return f"{us / 1000:.1f}" if us >= 100 else f"{us / 1000:.2f}"


def cell(r):
    return f"{ms(r['us'])} ({ms(r['min'])})"


def req_text(counts):
    total = sum(counts.values())
    return f"{total} ({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))})" if counts else "0"


def growth(a, b):
    return f"{b / a:.1f}×" if a >= 1 else "–"


def load():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def write(rounds, verified, started, load_how, load_at_start):
    first, last = rounds[0], rounds[-1]
    two = len(rounds) > 1
    sz = lambda r: f"{r['size']['event_count']} events, {r['size']['attribute_count']} attributes"
    lines = [
        "# check_misp against a real MISP: requests and MISP's own time per check",
        "",
        "Generated by `bench/real-misp.py`; do not edit by hand, re-run the script.",
        "",
        f"- date: {started} UTC; MISP: {URL} (version {version()}); {RUNS} runs per check and round: "
        f"median (minimum) in ms; growth compares the medians",
        f"- machine: {os.cpu_count()} CPUs, load average at start {load_at_start}, at end {load()} "
        f"(MISP shares the machine with whatever else runs: compare rows of one round, and the floor "
        f"every authenticated request pays, about that of `getVersion`)",
        f"- MISP time: the sum, over the requests of one run, of Apache's `%D` (the last field of each line of "
        f"the access log: microseconds from reading the request to the last byte sent). Verified: a "
        f"serverSettings request logged {verified[0]/1000:.0f} ms and the client saw {verified[1]/1000:.0f} ms.",
        f"- requests: the lines the run added to the access log, as `METHOD /controller/action` and count.",
        "- rounds: " + " and ".join(f"**{r['label']}** ({sz(r)})" for r in rounds)
        + (f"; events loaded {load_how}." if two else "."),
        "",
        "## Per check",
        "",
        "| who | check | requests per run | MISP ms, " + first["label"] + (" | MISP ms, " + last["label"] + " | growth" if two else "") + " |",
        "|---|---|---|---:|" + ("---:|---:|" if two else ""),
    ]
    for a, b in zip(first["rows"], last["rows"]):
        cells = [a["kind"], f"`{a['name']}`", req_text(a["requests"]), cell(a)]
        if two:
            cells += [cell(b), growth(a["us"], b["us"])]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Single requests, and cheaper ones that could prove the same",
        "",
        "| request | | MISP ms, " + first["label"] + (" | MISP ms, " + last["label"] + " | growth | bytes, " + last["label"] if two else " | bytes") + " |",
        "|---|---|---:|" + ("---:|---:|---:|" if two else "---:|"),
    ]
    for a, b in zip(first["alts"], last["alts"]):
        cells = [a["name"], f"`{a['request']}`", cell(a)]
        cells += [cell(b), growth(a["us"], b["us"]), str(b["bytes"])] if two else [str(a["bytes"])]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Status lines (first run of each, last round)", ""]
    for r in last["rows"]:
        lines.append(f"- {r['kind']} `{r['name']}`: `{r['status']}`")
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {OUT}", file=sys.stderr)


def version():
    _, _, body = api("GET", "/servers/getVersion")
    return json.loads(body).get("version", "?")


def main():
    if not os.path.exists(BIN):
        die(f"no binary at {BIN}: cargo build --release, or set CHECK_MISP")
    if not os.access(LOG, os.R_OK):
        die(f"cannot read {LOG} (set REAL_MISP_LOG)")
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    load_at_start = load()
    verified = verify_d()
    rounds = [measure_round("fresh" if int(size()["event_count"] or 0) < 100 else "as found")]
    load_how = ""
    if LOAD_EVENTS > 0:
        cmd = sql_command()
        t0 = time.monotonic()
        print(f"== loading {LOAD_EVENTS} events of {LOAD_ATTRIBUTES} attributes "
              f"({'SQL' if cmd else 'REST'})", file=sys.stderr)
        if cmd:
            load_sql(cmd, LOAD_EVENTS, LOAD_ATTRIBUTES)
            load_how = f"by SQL (MariaDB's sequence engine, rows as `/events/add` writes them) in {time.monotonic() - t0:.0f} s"
        else:
            load_rest(LOAD_EVENTS, LOAD_ATTRIBUTES)
            load_how = f"through `POST /events/add` in {time.monotonic() - t0:.0f} s"
        rounds.append(measure_round(f"+{LOAD_EVENTS} events"))
    write(rounds, verified, started, load_how, load_at_start)


if __name__ == "__main__":
    main()
