#!/usr/bin/python3
"""How fast the web console of `docket serve` loads with many tickets in the store.

    /usr/bin/python3 bench/console_load.py --docket build/release/docket \
        [--tickets 100000] [--console-dir server/console] [--out FILE.json]

For a small store (--baseline, 1,000 tickets) and then a large one (--tickets) the script

1. builds the store: writes an events file (JSON lines, docs/store.md) of after-sales
   tickets created over three days of engine time, each carried some way along its
   workflow (registered, classified with different impact x urgency so the tickets land in
   several states, priorities and departments, accepted, proposed, approved, resolved,
   confirmed, surveyed), with the events that would fall after the end of those three days
   left out, and has `docket run --store --until END` write it (group commit: --batch,
   --sync normal; the timers, warnings and breaches up to END fire in that run);
2. starts `docket serve` on the store (accelerated clock from END, port_file) and times
   its start (recovery) until GET /v1/health answers;
3. times the API (median and p95 of --repeat requests each, bearer token) and the
   console's pages in headless Chromium (selenium): navigation to the page root having
   data-ready="true", median of --loads loads, each a full load (about:blank, then
   driver.get of the page's URL);
4. reads the service's VmRSS, and the service's own time per request from its log.

It prints a table (small, large, large / small) and writes everything to --out as JSON.
Every process it starts is stopped when it ends, also on failure or Ctrl-C.
Scratch files go to --work (default /tmp/console-load/run-TIME); the stores are deleted
at the end unless --keep.
"""

import argparse
import datetime as dt
import hashlib
import http.client
import json
import math
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

TOKENS = """\
[[tokens]]
sha256 = "ba5005a40cf5212e4ac0190104cc127edab013294bb71279a975b27a80982d45"
actor = "reader"
roles = []
[[tokens]]
sha256 = "4323ad124aa3dc43325f5dd32a4bb79aab93431720c8c2619289c4f390c9a1ac"
actor = "zhang"
roles = ["intake_specialist"]
[[tokens]]
sha256 = "a0a85699c09012035f8809a0c181e5ce770cdeed87b5086716cd809c65d62756"
actor = "wang"
roles = ["supervisor"]
[[tokens]]
sha256 = "d9310c002af91822beb0b3487d8b04f85bf6bf1f8a5496bff7d35fc7c5a29def"
actor = "ops"
roles = []
deploy = true
[[tokens]]
sha256 = "f33c05882a80ded9e045adf7189421d2c338fe44c11c49478fc1ccab2b377415"
actor = "liu"
roles = ["engineer"]
"""  # the tokens reader-token, intake-token, super-token, ops-token, eng-token

# Engine time: the events span the three days before END; the service's clock starts at END.
TZ = dt.timezone(dt.timedelta(hours=8))
END = dt.datetime(2026, 11, 23, 9, 0, tzinfo=TZ)  # a Monday, 09:00 Beijing time
SPAN = 3 * 86400
GENERATOR_VERSION = 1


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- processes

class Processes:
    """Every process this script starts, so that all of them can be stopped."""

    def __init__(self):
        self.items = []  # (name, Popen, own process group)

    def start(self, name, argv, **kwargs):
        proc = subprocess.Popen(argv, start_new_session=True, **kwargs)
        self.items.append((name, proc))
        return proc

    def stop(self, proc, grace=10.0):
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)  # its own group: it and what it started
            except ProcessLookupError:
                pass
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(5)
        self.items = [(n, p) for n, p in self.items if p is not proc]

    def stop_all(self):
        for _, proc in list(reversed(self.items)):
            try:
                self.stop(proc)
            except Exception as e:  # keep stopping the others
                log(f"stopping pid {proc.pid}: {e}")


def descendants(pid):
    """Pids of every process below `pid` (from /proc)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        except (OSError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def proc_status(pid):
    values = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM", "Threads"):
                    values[key] = int(rest.split()[0])
    except OSError:
        pass
    return values


def proc_cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        fields = stat[stat.rindex(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return None


# ---------------------------------------------------------------- the events file

INTAKE = {"id": "zhang", "roles": ["intake_specialist"]}
# problem_type -> department, owner role, owner, remedy, supervisor, department head
CATEGORIES = {
    "fault": ("tech", "engineer", ["liu", "ma", "guo"], ["repair", "replacement", "extended_warranty"], "wang", "sun"),
    "service_error": ("ops", "supervisor", ["wang", "tang"], ["apology_coupon", "free_upgrade"], "zhao", "qin"),
    "inquiry": ("product", "product_manager", ["chen", "luo"], ["answer"], "zhou", "wu"),
    "rights_claim": ("complaints", "specialist", ["he", "lin"], ["legal_settlement", "compensation"], "xu", "feng"),
}
PRIORITY = {("core", "high"): "P0", ("core", "medium"): "P0", ("core", "low"): "P0",
            ("function", "high"): "P0", ("function", "medium"): "P1", ("function", "low"): "P1",
            ("minor", "high"): "P1", ("minor", "medium"): "P2", ("minor", "low"): "P2"}
PROBLEMS = [
    "洗衣机插头冒烟 (the washing machine's plug smokes)",
    "约好的空调安装师傅没有上门 (the installer never came)",
    "冰箱噪音很大 (the refrigerator is noisy)",
    "App 能否显示洗涤剩余时间? (can the app show the remaining time?)",
    "七天无理由退货被拒 (a 7-day no-reason return was refused)",
    "配送超过 72 小时 (the delivery is late)",
    "电视屏幕闪烁 (the screen flickers)",
    "洗碗机门封漏水 (the dishwasher door seal leaks)",
    "遥控器无法配对 (the remote control does not pair)",
    "保修期怎么算? (how is the warranty counted?)",
    "热水器显示 E3 错误 (the water heater shows error E3)",
    "空气净化器滤网异味 (the purifier filter smells)",
]
SEARCH = "leak"  # in one problem text of 12: q= matches ~1/12 of the tickets
CHANNELS = ["phone", "web_chat", "app_chat", "wechat", "email", "social"]
SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴"]


def iso(t):
    return dt.datetime.fromtimestamp(t, TZ).isoformat()


def write_events(path, n, seed=20261123):
    """N tickets created evenly over SPAN seconds before END, each taken some way along its
    workflow; events that would come after END are left out (recent tickets stay early)."""
    rng = random.Random(seed)
    end = int(END.timestamp())
    events = []
    minute = 60

    def add(t, ticket, event, actor, data=None):
        e = {"at": iso(t), "ticket": ticket, "event": event, "actor": actor}
        if data is not None:
            e["data"] = data
        events.append((t, len(events), e))

    richest = (0, None)
    for i in range(n):
        ticket = "T-%06d" % (i + 1)
        t = min(end - SPAN + (SPAN * i) // n + rng.randint(0, 59), end - 60)
        mood = rng.choices(["calm", "unhappy", "angry"], [6, 3, 1])[0]
        add(t, ticket, "create", INTAKE, {
            "customer": "C-%06d %s%s" % (i + 1, rng.choice(SURNAMES), rng.choice(["先生", "女士"])),
            "contact": "138-%04d-%04d" % ((i // 10000) % 10000, i % 10000),
            "channel": rng.choice(CHANNELS),
            "purchase_date": iso(end - rng.randint(5, 200) * 86400),
            "problem": rng.choice(PROBLEMS),
            "expected_resolution": iso(end + rng.randint(1, 10) * 86400),
            "mood": mood,
            "order_amount": rng.choice([299.00, 899.00, 1299.00, 3999.00, 8999.00]),
        })
        kind = rng.choices(list(CATEGORIES), [4, 3, 2, 1])[0]
        dept, owner_role, owners, remedies, supervisor, head = CATEGORIES[kind]
        owner = {"id": rng.choice(owners), "roles": [f"{dept}.{owner_role}"]}
        impact = rng.choices(["core", "function", "minor"], [1, 4, 5])[0]
        urgency = rng.choices(["high", "medium", "low"], [1, 4, 4])[0]
        priority = PRIORITY[(impact, urgency)]
        # Most tickets would go all the way; some stop for good in an earlier state.
        goal = rng.choices(["registering", "classifying", "dispatched", "proposing", "approving",
                            "executing", "obstacle", "awaiting_confirmation", "follow_up", "closed"],
                           [1, 2, 4, 3, 2, 4, 2, 3, 2, 77])[0]
        steps = [(rng.randint(5, 60), "registered", INTAKE, {"problem_confirmed": True}, "classifying"),
                 (rng.randint(5, 90), "classified", INTAKE,
                  {"problem_type": kind, "impact": impact, "urgency": urgency}, "dispatched"),
                 # accepted late now and then: first_response breached (P0 1 h, P1 4 h, P2 24 h)
                 (rng.choices([rng.randint(10, 50), rng.randint(60, 240), rng.randint(240, 1500)], [80, 12, 8])[0],
                  "accepted", owner, None, "proposing"),
                 (rng.randint(10, 120), "proposed", owner, {"remedy": rng.choice(remedies)}, "approving")]
        if kind == "rights_claim":
            steps.append((rng.randint(10, 120), "compliant", {"id": "lu", "roles": ["legal.counsel"]}, None,
                          "approving"))
        if priority == "P0":
            steps.append((rng.randint(10, 60), "approve", {"id": head, "roles": [f"{dept}.dept_head"]}, None,
                          "executing"))
        elif priority == "P1":
            steps.append((rng.randint(10, 60), "approve", {"id": supervisor, "roles": [f"{dept}.supervisor"]},
                          None, "executing"))
        if goal == "obstacle" or rng.random() < 0.05:
            steps.append((rng.randint(30, 300), "obstacle_found", owner, None, "obstacle"))
            if goal != "obstacle":
                steps.append((rng.randint(120, 1500), "parts_arrived", owner, None, "executing"))
        # resolved late now and then: resolve breached (P0 4 h, P1 24 h, P2 72 h)
        steps.append((rng.choices([rng.randint(60, 200), rng.randint(200, 2000)], [85, 15])[0], "resolved", owner, None,
                      "awaiting_confirmation"))
        steps.append((rng.randint(30, 240), "confirmed", owner,
                      {"confirmation": rng.choice(["signature", "written"])}, "follow_up"))
        overall = rng.choice([2, 3, 4, 5, 5, 5])
        if rng.random() < 0.15:
            steps.append((rng.randint(600, 1800), "survey_declined", INTAKE, None, "closed"))
        else:
            steps.append((rng.randint(600, 1800), "survey", INTAKE,
                          {"response_speed": rng.randint(3, 5), "resolution_effect": rng.randint(2, 5),
                           "attitude": rng.randint(3, 5), "overall": overall,
                           "suggestion": rng.choice(["", "上门速度很快 (quick visit)", "请提前电话确认 (call first)"])},
                          "closed" if overall >= 4 else "supervisor_review"))
            if overall <= 3:
                steps.append((rng.randint(60, 900), "improvement_planned",
                              {"id": "qian", "roles": ["complaint_supervisor"]},
                              {"improvement_plan": "安装预约前一天电话确认 (call the day before)"}, "closed"))
        sent = 1
        for delay, event, actor, data, reaches in steps:
            t += delay * minute
            if t >= end:
                break
            add(t, ticket, event, actor, data)
            sent += 1
            if reaches == goal:
                break
        if sent > richest[0] and i < n // 2:
            richest = (sent, ticket)
    events.sort(key=lambda x: (x[0], x[1]))
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"# console_load.py: {n} after-sales tickets over 3 days up to {iso(end)}\n")
        for _, _, e in events:
            f.write(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n")
    return {"events": len(events), "richest_ticket": richest[1]}


# ---------------------------------------------------------------- building the store

def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def parse_summary(text):
    """The ticket counts by state and the breach line of `docket run`'s summary."""
    out = {"states": {}}
    section = None
    for line in text.splitlines():
        m = re.match(r"^(\w[\w ]*?)\s{2,}(.*)$", line)
        if line.startswith("  ") and section == "tickets":
            parts = line.split()
            if len(parts) == 2 and parts[1].isdigit():
                out["states"][parts[0]] = int(parts[1])
                continue
        if m:
            section = m.group(1).strip()
            out[section] = m.group(2).strip()
        elif not line.startswith("  "):
            section = None
    return out


def build_store(args, docket, n, folder, rules_file, procs):
    """Events file + `docket run --store`: returns the store's path and the timings."""
    os.makedirs(folder, exist_ok=True)
    events_path = os.path.join(folder, "events.jsonl")
    t0 = time.perf_counter()
    info = write_events(events_path, n)
    gen_s = time.perf_counter() - t0
    store = os.path.join(folder, "tickets.db")
    argv = [docket, "run", rules_file, "--events", events_path, "--until", iso(int(END.timestamp())),
            "--store", store, "--sync", "normal", "--batch", str(args.batch), "-q"]
    cached = None
    if args.cache:
        key = hashlib.sha256(json.dumps([GENERATOR_VERSION, n, args.batch, sha256_file(docket),
                                         sha256_file(events_path), sha256_file(rules_file)]).encode()).hexdigest()[:16]
        cached = os.path.join(args.cache, f"store-{n}-{key}")
    if cached and os.path.exists(os.path.join(cached, "done.json")):
        with open(os.path.join(cached, "done.json")) as f:
            done = json.load(f)
        t1 = time.perf_counter()
        for suffix in ("", "-wal"):
            if os.path.exists(os.path.join(cached, "tickets.db" + suffix)):
                shutil.copyfile(os.path.join(cached, "tickets.db" + suffix), store + suffix)
        done["reused_from"] = cached
        done["copy_s"] = time.perf_counter() - t1
        done["generate_s"] = gen_s
        log(f"  store for {n} tickets copied from the cache {cached} (built there in {done['run_s']:.1f} s)")
        return store, done
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(store + suffix):
            os.remove(store + suffix)
    log(f"  {n} tickets: {info['events']} events written in {gen_s:.1f} s; docket run --store ...")
    t1 = time.perf_counter()
    with open(os.path.join(folder, "run.out"), "w") as out, open(os.path.join(folder, "run.err"), "w") as err:
        proc = procs.start("docket run", argv, stdout=out, stderr=err)
        rc = proc.wait()
        procs.items = [(nm, p) for nm, p in procs.items if p is not proc]
    run_s = time.perf_counter() - t1
    with open(os.path.join(folder, "run.out"), encoding="utf-8") as f:
        summary_text = f.read()
    if rc != 0:
        with open(os.path.join(folder, "run.err"), encoding="utf-8") as f:
            raise RuntimeError(f"docket run exited {rc}: {f.read()[-2000:]}")
    summary = parse_summary(summary_text)
    done = {"tickets": n, "events": info["events"], "richest_ticket": info["richest_ticket"],
            "generate_s": gen_s, "run_s": run_s, "command": argv,
            "store_bytes": os.path.getsize(store), "summary": summary}
    log(f"  docket run: {run_s:.1f} s, {summary.get('journal', '?')}, store {done['store_bytes'] / 1e6:.0f} MB")
    if cached:
        os.makedirs(cached, exist_ok=True)
        for suffix in ("", "-wal"):
            if os.path.exists(store + suffix):
                shutil.copyfile(store + suffix, os.path.join(cached, "tickets.db" + suffix))
        with open(os.path.join(cached, "done.json"), "w") as f:
            json.dump(done, f)
    return store, done


# ---------------------------------------------------------------- the service

class Service:
    def __init__(self, procs, docket, folder, store, rules_dir, console_dir, factor):
        self.procs = procs
        self.folder = folder
        config = os.path.join(folder, "docket.toml")
        with open(config, "w") as f:
            f.write(f"""[server]
listen = "127.0.0.1:0"
port_file = "port"
rate_limit = 0
[store]
path = {json.dumps(store)}
[rules]
directory = {json.dumps(rules_dir)}
[clock]
kind = "accelerated"
factor = {factor}
start = "{END.isoformat()}"
""" + TOKENS)
        self.port_file = os.path.join(folder, "port")
        if os.path.exists(self.port_file):
            os.remove(self.port_file)
        self.log_path = os.path.join(folder, "serve.log")
        self.log_file = open(self.log_path, "w")
        argv = [docket, "serve", "--config", config]
        if console_dir:
            argv += ["--console-dir", console_dir]
        self.t0 = time.perf_counter()
        self.proc = procs.start("docket serve", argv, stdout=self.log_file, stderr=subprocess.STDOUT)
        self.port = None

    def wait_ready(self, timeout):
        deadline = self.t0 + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"docket serve exited {self.proc.returncode}: {self.log_tail()}")
            if self.port is None and os.path.exists(self.port_file):
                with open(self.port_file) as f:
                    text = f.read().strip()
                if text.isdigit():
                    self.port = int(text)
            if self.port is not None:
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                    conn.request("GET", "/v1/health")
                    resp = conn.getresponse()
                    body = resp.read()
                    conn.close()
                    if resp.status == 200:
                        return time.perf_counter() - self.t0, json.loads(body)
                except OSError:
                    pass
            time.sleep(0.02)  # polling the child's start against a deadline
        raise RuntimeError(f"docket serve did not answer /v1/health within {timeout} s: {self.log_tail()}")

    def log_tail(self, n=2000):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()[-n:]
        except OSError:
            return ""

    def log_offset(self):
        self.log_file.flush()
        return os.path.getsize(self.log_path)

    def log_lines(self, start):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            f.seek(start)
            return f.read().splitlines()

    def stop(self):
        self.procs.stop(self.proc)
        self.log_file.close()


REQUEST = re.compile(r" info request method=(\S+) path=(\S+) status=(\d+) ms=([\d.]+)")


def normalise_path(path):
    path = re.sub(r"^/v1/tickets/[^/]+", "/v1/tickets/{id}", path)
    path = re.sub(r"^/v1/versions/[0-9a-f]{16,}", "/v1/versions/{v}", path)
    return path


def server_times(lines):
    """The service's own time per request (its log), by method and path."""
    by = {}
    for line in lines:
        m = REQUEST.search(line)
        if m:
            key = f"{m.group(1)} {normalise_path(m.group(2))}"
            by.setdefault(key, []).append(float(m.group(4)))
    return {k: {"count": len(v), "median_ms": statistics.median(v), "max_ms": max(v)} for k, v in sorted(by.items())}


def recovery_lines(text):
    """The start-up lines of the service's log, and the seconds from its first line to each."""
    lines = text.splitlines()
    out, first = [], None
    for line in lines:
        stamp = line.split(" ", 1)[0]
        try:
            at = dt.datetime.fromisoformat(stamp).timestamp()
        except ValueError:
            continue
        if first is None:
            first = at
        if "recovered" in line or "reload (startup)" in line or "listening on" in line:
            out.append({"after_s": round(at - first, 3), "line": line.split(" ", 2)[2]})
        if "listening on" in line:
            break
    return out


# ---------------------------------------------------------------- the API

def percentile(values, p):
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def summarise(samples_ms):
    return {"median_ms": statistics.median(samples_ms), "p95_ms": percentile(samples_ms, 95),
            "min_ms": min(samples_ms), "max_ms": max(samples_ms), "samples_ms": [round(x, 2) for x in samples_ms]}


class Client:
    def __init__(self, port, token):
        self.port = port
        self.token = token
        self.conn = None

    def get(self, path):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            try:
                t0 = time.perf_counter()
                self.conn.request("GET", path, headers={"Authorization": f"Bearer {self.token}"})
                resp = self.conn.getresponse()
                body = resp.read()
                ms = (time.perf_counter() - t0) * 1000
                if resp.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return resp.status, body, ms
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise

    def json(self, path):
        status, body, _ = self.get(path)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status} {body[:300]!r}")
        return json.loads(body)


def pick_targets(client, n, hint_ticket):
    """The state, search text, cursor, ticket and version the measurements use."""
    overview = client.json("/v1/overview?window=2h")
    open_states = [s for s in overview["states"] if s.get("kind") != "final"]
    state = max(open_states, key=lambda s: s["count"])["name"]
    cursor = "T-%06d" % max(1, int(n * 0.9))  # 90 % of the way through creation order
    # The ticket page's ticket: open (so that it has actions), with the longest journal of a
    # few candidates in the first half of the store.
    ticket, most = hint_ticket or "T-%06d" % (n // 4), -1
    for candidate_state in ("executing", "approving", state):
        page = client.json(f"/v1/tickets?limit=20&state={candidate_state}")
        for t in page["tickets"]:
            records = len(client.json(f"/v1/tickets/{urllib.parse.quote(t['id'])}/transitions")["records"])
            if records > most:
                ticket, most = t["id"], records
        if most >= 0:
            break
    versions = client.json("/v1/versions")["versions"]
    version = next((v["id"] for v in versions if v.get("current")), versions[0]["id"])
    return {"state": state, "q": SEARCH, "cursor": cursor, "ticket": ticket, "version": version,
            "overview_totals": overview.get("totals"),
            "overview_states": {s["name"]: s["count"] for s in overview["states"]},
            "overview_departments": {d["name"]: d["count"] for d in overview.get("departments", [])}}


def api_endpoints(t):
    q = urllib.parse.quote
    return [
        ("overview?window=2h", "/v1/overview?window=2h"),
        ("tickets?limit=50", "/v1/tickets?limit=50"),
        ("tickets?state=<common>", f"/v1/tickets?limit=50&state={q(t['state'])}"),
        ("tickets?q=<text>", f"/v1/tickets?limit=50&q={q(t['q'])}"),
        ("tickets?breached=true", "/v1/tickets?limit=50&breached=true"),
        ("tickets?after=<90% in>", f"/v1/tickets?limit=50&after={q(t['cursor'])}"),
        ("tickets/{id}", f"/v1/tickets/{q(t['ticket'])}"),
        ("tickets/{id}/transitions", f"/v1/tickets/{q(t['ticket'])}/transitions"),
        ("tickets/{id}/actions", f"/v1/tickets/{q(t['ticket'])}/actions"),
        ("versions", "/v1/versions"),
        # Not in the brief's list: the tickets and ticket pages call it on every load.
        ("versions/{v}/source", f"/v1/versions/{q(t['version'])}/source"),
    ]


def measure_api(client, targets, repeat):
    results = {}
    # The graph first: its first request draws it (Graphviz), later ones are served from memory.
    graph = f"/v1/versions/{targets['version']}/graph.svg"
    status, body, first = client.get(graph)
    samples, statuses = [], {status}
    for _ in range(repeat):
        status, body, ms = client.get(graph)
        samples.append(ms)
        statuses.add(status)
    results["graph.svg (first, drawn)"] = {"median_ms": first, "p95_ms": first, "samples_ms": [round(first, 2)],
                                           "status": sorted(statuses)}
    results["graph.svg (cached)"] = dict(summarise(samples), status=sorted(statuses))
    for name, path in api_endpoints(targets):
        samples, statuses, extra = [], set(), {}
        for i in range(repeat):
            status, body, ms = client.get(path)
            samples.append(ms)
            statuses.add(status)
            if i == 0:
                extra["bytes"] = len(body)
                if status == 200 and body[:1] == b"{":
                    doc = json.loads(body)
                    for key in ("total", "count"):
                        if key in doc:
                            extra[key] = doc[key]
                    if "records" in doc:
                        extra["records"] = len(doc["records"])
                else:
                    extra["error"] = body[:200].decode("utf-8", "replace")
        results[name] = dict(summarise(samples), status=sorted(statuses), path=path, **extra)
    return results


# ---------------------------------------------------------------- the pages

READY_JS = """
const name = arguments[0], signingIn = arguments[1];
const signin = document.querySelector('[data-page="signin"]');
const root = document.querySelector('[data-page="' + name + '"]');
if (root && root.dataset.ready === 'true') {
  const rows = document.querySelectorAll('table#ticket-table tbody tr').length;
  const res = performance.getEntriesByType('resource')
      .filter(e => e.name.includes('/v1/'))
      .map(e => ({url: e.name.replace(location.origin, ''), ms: e.duration, start: e.startTime}));
  const nav = performance.getEntriesByType('navigation')[0];
  const apiEnd = res.reduce((m, e) => Math.max(m, e.start + e.ms), 0);
  return {ok: true, t: performance.now(), rows: rows, api: res, apiEnd: apiEnd,
          dcl: nav ? nav.domContentLoadedEventEnd : null};
}
if (root && root.dataset.error) return {ok: false, t: performance.now(), error: 'data-error=' + root.dataset.error,
                                        text: (root.innerText || '').slice(0, 300)};
const failed = document.querySelector('#signin-error');
if (signingIn && failed && failed.textContent.trim()) return {ok: false, t: performance.now(),
                                                             error: 'sign-in refused: ' + failed.textContent.trim()};
if (signin && !root && !signingIn) return {ok: false, t: performance.now(), error: 'sign-in form shown (no session)',
                             text: (signin.innerText || '').slice(0, 200)};
return null;
"""


def page_list(t):
    q = urllib.parse.quote
    return [
        ("overview", "#/overview", "overview"),
        ("tickets", "#/tickets", "tickets"),
        ("tickets?state=<common>", f"#/tickets?state={q(t['state'])}", "tickets"),
        ("tickets?q=<text>", f"#/tickets?q={q(t['q'])}", "tickets"),
        ("tickets/<id>", f"#/tickets/{q(t['ticket'])}", "ticket"),
        ("versions", "#/versions", "versions"),
        ("audit", "#/audit", "audit"),
    ]


class Browser:
    def __init__(self, procs, chromedriver, chromium):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service as ChromeService
        options = webdriver.ChromeOptions()
        if chromium:
            options.binary_location = chromium
        for arg in ("--headless=new", "--no-sandbox", "--window-size=1280,720", "--disable-gpu",
                    "--disable-dev-shm-usage", "--disable-extensions", "--no-first-run"):
            options.add_argument(arg)
        self.procs = procs
        self.service = ChromeService(executable_path=chromedriver)
        self.driver = None
        try:
            self.driver = webdriver.Chrome(service=self.service, options=options)
        except Exception:
            self.kill_leftovers()
            raise
        self.driver.set_page_load_timeout(120)

    def kill_leftovers(self):
        proc = getattr(self.service, "process", None)
        if proc is None:
            return
        for pid in reversed(descendants(proc.pid)):  # the Chromium processes chromedriver started
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)

    def quit(self):
        try:
            if self.driver is not None:
                self.driver.quit()
        except Exception as e:
            log(f"  driver.quit: {e}")
        finally:
            self.kill_leftovers()

    def wait(self, page_name, timeout, signing_in=False):
        from selenium.webdriver.support.ui import WebDriverWait
        return WebDriverWait(self.driver, timeout, poll_frequency=0.02).until(
            lambda d: d.execute_script(READY_JS, page_name, signing_in))

    def sign_in(self, base, token, timeout):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC
        from selenium.webdriver.support.ui import WebDriverWait
        self.driver.get(base + "/")
        box = WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(
            EC.element_to_be_clickable((By.CSS_SELECTOR, "input#token")))
        box.send_keys(token)
        self.driver.find_element(By.CSS_SELECTOR, "button#signin-submit").click()
        t0 = time.perf_counter()
        found = self.wait("overview", timeout, signing_in=True)
        if not found.get("ok"):
            raise RuntimeError(f"after sign-in: {found.get('error')}: {found.get('text', '')}")
        return (time.perf_counter() - t0) * 1000

    def load(self, url, page_name, timeout):
        """One full load of `url`: from driver.get to the page root being ready."""
        from selenium.common.exceptions import TimeoutException
        self.driver.get("about:blank")
        t0 = time.perf_counter()
        self.driver.get(url)
        try:
            found = self.wait(page_name, max(1.0, timeout - (time.perf_counter() - t0)))
        except TimeoutException:
            return {"ok": False, "error": f"not ready within {timeout:.0f} s",
                    "wall_ms": (time.perf_counter() - t0) * 1000}
        found["wall_ms"] = (time.perf_counter() - t0) * 1000
        return found


def measure_pages(browser, base, targets, loads, timeout, service):
    results = {}
    for name, fragment, page_name in page_list(targets):
        url = f"{base}/{fragment}"
        samples, in_page, dcl, api_end, errors, rows, slowest = [], [], [], [], [], None, None
        cpu0, log0 = proc_cpu_seconds(service.proc.pid), service.log_offset()
        for i in range(loads):
            try:
                r = browser.load(url, page_name, timeout)
            except Exception as e:  # a browser error: record it, go on with the next page
                r = {"ok": False, "error": f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"}
            if not r.get("ok"):
                errors.append(r.get("error", "?") + (f" ({r['text']})" if r.get("text") else ""))
                if "not ready within" in r.get("error", "") or i == 0:
                    break  # a page that does not come up: one timeout is enough
                continue
            samples.append(r["wall_ms"])
            in_page.append(r["t"])
            dcl.append(r.get("dcl") or 0)
            api_end.append(r.get("apiEnd") or 0)
            rows = r.get("rows")
            api = sorted(r.get("api") or [], key=lambda e: -e["ms"])
            if api and (slowest is None or api[0]["ms"] > slowest["ms"]):
                slowest = {"url": api[0]["url"], "ms": round(api[0]["ms"], 1), "requests": len(api)}
        cpu1 = proc_cpu_seconds(service.proc.pid)
        entry = {"url": url, "loads": len(samples), "errors": errors,
                 "server_cpu_s": None if cpu0 is None or cpu1 is None else round(cpu1 - cpu0, 2),
                 "server_times": server_times(service.log_lines(log0))}
        if samples:
            entry.update(summarise(samples))
            # In the page's own clock, from navigation start: DOMContentLoaded, the end of the
            # last API response so far, and the page root's data-ready (as observed by polling).
            entry["in_page_median_ms"] = statistics.median(in_page)
            entry["dom_content_loaded_median_ms"] = statistics.median(dcl)
            entry["last_api_response_median_ms"] = statistics.median(api_end)
            entry["ticket_rows"] = rows
            entry["slowest_api"] = slowest
            entry["ready"] = True
        else:
            entry["ready"] = False
        results[name] = entry
        state = f"median {entry['median_ms']:.0f} ms" if samples else f"NOT READY: {errors[:1]}"
        log(f"    page {name}: {state}")
    return results


# ---------------------------------------------------------------- one store

def measure_store(args, procs, docket, n, root, rules_dir, rules_file):
    result = {"tickets": n}
    folder = os.path.join(root, f"store-{n}")
    log(f"[{n} tickets] building the store")
    store, build = build_store(args, docket, n, folder, rules_file, procs)
    result["build"] = build
    log(f"[{n} tickets] starting docket serve")
    service = Service(procs, docket, folder, store, rules_dir, args.console_dir, args.factor)
    try:
        start_s, health = service.wait_ready(args.serve_timeout)
        result["serve_start_s"] = start_s
        result["health_at_start"] = health
        result["serve_log_start"] = recovery_lines("\n".join(service.log_lines(0)[:200]))
        result["rss_kb_after_start"] = proc_status(service.proc.pid)
        log(f"  serve answered /v1/health after {start_s:.2f} s (port {service.port})")

        client = Client(service.port, args.token)
        targets = pick_targets(client, n, build.get("richest_ticket"))
        result["targets"] = targets
        log(f"  targets: state={targets['state']} q={targets['q']} after={targets['cursor']} "
            f"ticket={targets['ticket']}")
        log0 = service.log_offset()
        result["api"] = measure_api(client, targets, args.repeat)
        result["api_server_times"] = server_times(service.log_lines(log0))
        for name, r in result["api"].items():
            log(f"    api {name}: median {r['median_ms']:.1f} ms p95 {r['p95_ms']:.1f} ms {r.get('status')}")

        if not args.no_browser:
            base = f"http://127.0.0.1:{service.port}"
            browser = Browser(procs, args.chromedriver, args.chromium)
            try:
                result["signin_ms"] = browser.sign_in(base, args.token, args.page_timeout)
                result["pages"] = measure_pages(browser, base, targets, args.loads, args.page_timeout, service)
            finally:
                browser.quit()
        status = proc_status(service.proc.pid)
        result["rss_kb"] = status.get("VmRSS")
        result["hwm_kb"] = status.get("VmHWM")
        result["threads"] = status.get("Threads")
        result["serve_cpu_s_total"] = proc_cpu_seconds(service.proc.pid)
        result["health_at_end"] = client.json("/v1/health")
        log(f"  serve VmRSS {result['rss_kb'] / 1024:.0f} MB (peak {result['hwm_kb'] / 1024:.0f} MB)")
    finally:
        service.stop()
    if not args.keep:
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(store + suffix):
                os.remove(store + suffix)
    return result


# ---------------------------------------------------------------- the report

def fmt_ms(v):
    if v is None:
        return "-"
    return f"{v:.1f}" if v < 100 else f"{v:.0f}"


def ratio(a, b):
    if a is None or b is None or a <= 0:
        return None
    return b / a


def build_report(small, large):
    rows = []  # (section, name, small median, small p95, large median, large p95, ratio, note)
    rows.append(("store", "build: docket run --store (s)", small["build"]["run_s"], None,
                 large["build"]["run_s"], None, ratio(small["build"]["run_s"], large["build"]["run_s"]),
                 f"{large['build']['events']} events, {large['build']['summary'].get('journal', '')}"))
    rows.append(("store", "serve start until /v1/health (s)", small["serve_start_s"], None,
                 large["serve_start_s"], None, ratio(small["serve_start_s"], large["serve_start_s"]), ""))
    for name in large.get("api", {}):
        a, b = small["api"].get(name, {}), large["api"][name]
        note = []
        if b.get("status") != [200]:
            note.append(f"status {b.get('status')}")
        if "total" in b:
            note.append(f"total {b['total']}")
        if "bytes" in b:
            note.append(f"{b['bytes'] / 1024:.0f} KiB")
        rows.append(("api", name, a.get("median_ms"), a.get("p95_ms"), b["median_ms"], b["p95_ms"],
                     ratio(a.get("median_ms"), b["median_ms"]), ", ".join(note)))
    for name in large.get("pages", {}):
        a, b = small.get("pages", {}).get(name, {}), large["pages"][name]
        if b.get("ready"):
            s = b.get("slowest_api") or {}
            note = (f"DCL {fmt_ms(b.get('dom_content_loaded_median_ms'))}, last API response "
                    f"{fmt_ms(b.get('last_api_response_median_ms'))}; slowest "
                    f"{s.get('url', '').split('?')[0][-28:]} {fmt_ms(s.get('ms'))}") if s else ""
            if b.get("errors"):
                note = f"{len(b['errors'])} failed loads; " + note
        else:
            note = "NOT READY: " + " ".join("; ".join(b.get("errors", [])).split())[:110]
        rows.append(("page", name, a.get("median_ms"), a.get("p95_ms"), b.get("median_ms"), b.get("p95_ms"),
                     ratio(a.get("median_ms"), b.get("median_ms")), note))
    rows.append(("memory", "serve VmRSS after start (MB)", small["rss_kb_after_start"].get("VmRSS", 0) / 1024, None,
                 large["rss_kb_after_start"].get("VmRSS", 0) / 1024, None,
                 ratio(small["rss_kb_after_start"].get("VmRSS"), large["rss_kb_after_start"].get("VmRSS")), ""))
    rows.append(("memory", "serve VmRSS after loading (MB)", small["rss_kb"] / 1024, None, large["rss_kb"] / 1024,
                 None, ratio(small["rss_kb"], large["rss_kb"]),
                 f"peak {large['hwm_kb'] / 1024:.0f} MB"))
    return rows


def print_table(rows, n_small, n_large):
    head = ("", f"{n_small} med", "p95", f"{n_large} med", "p95", "ratio", "")
    widths = [38, 9, 8, 10, 8, 7]
    print(f"{head[0]:<{widths[0]}} {head[1]:>{widths[1]}} {head[2]:>{widths[2]}} {head[3]:>{widths[3]}} "
          f"{head[4]:>{widths[4]}} {head[5]:>{widths[5]}}  note")
    section = None
    for sec, name, am, ap, bm, bp, r, note in rows:
        if sec != section:
            unit = {"api": " (ms)", "page": " (ms, navigation to data-ready)"}.get(sec, "")
            print(f"-- {sec}{unit}")
            section = sec
        print(f"{name:<{widths[0]}} {fmt_ms(am):>{widths[1]}} {fmt_ms(ap):>{widths[2]}} {fmt_ms(bm):>{widths[3]}} "
              f"{fmt_ms(bp):>{widths[4]}} {('%.1fx' % r) if r else '-':>{widths[5]}}  {note}")


# ---------------------------------------------------------------- main

def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--docket", required=True, help="the docket binary")
    p.add_argument("--tickets", type=int, default=100000, help="tickets in the large store (default 100000)")
    p.add_argument("--baseline", type=int, default=1000, help="tickets in the small store (default 1000)")
    p.add_argument("--console-dir", default=os.path.join(REPO, "server", "console"),
                   help="serve the console from this folder (default server/console of this tree); '' for built-in")
    p.add_argument("--out", help="write the figures as JSON here")
    p.add_argument("--rules", default=os.path.join(REPO, "rules", "after_sales.docket"))
    p.add_argument("--token", default="super-token", help="bearer token and sign-in token (default super-token)")
    p.add_argument("--repeat", type=int, default=20, help="requests per API endpoint (default 20)")
    p.add_argument("--loads", type=int, default=5, help="loads per page (default 5)")
    p.add_argument("--page-timeout", type=float, default=30.0, help="seconds for one page to become ready")
    p.add_argument("--serve-timeout", type=float, default=300.0, help="seconds for docket serve to answer")
    p.add_argument("--factor", type=int, default=60, help="accelerated clock factor")
    p.add_argument("--batch", type=int, default=10000, help="docket run --batch when building the store")
    p.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    p.add_argument("--chromium", default="/usr/bin/chromium")
    p.add_argument("--no-browser", action="store_true", help="API figures only")
    p.add_argument("--work", help="scratch folder (default /tmp/console-load/run-TIME)")
    p.add_argument("--keep", action="store_true", help="keep the stores in the scratch folder")
    p.add_argument("--cache", help="reuse stores built earlier into this folder (same binary, rules and events)")
    args = p.parse_args()

    started = time.perf_counter()
    work = args.work or os.path.join("/tmp/console-load", time.strftime("run-%Y%m%d-%H%M%S"))
    os.makedirs(work, exist_ok=True)
    # One copy of the binary for the whole run (a rebuilt one may replace --docket meanwhile).
    docket = os.path.join(work, "docket")
    shutil.copy2(args.docket, docket)
    rules_dir = os.path.join(work, "rules")
    os.makedirs(rules_dir, exist_ok=True)
    rules_file = os.path.join(rules_dir, os.path.basename(args.rules))
    shutil.copyfile(args.rules, rules_file)
    if args.console_dir:
        args.console_dir = os.path.abspath(args.console_dir)

    procs = Processes()

    def on_signal(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    out = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "docket": args.docket,
           "docket_sha256": sha256_file(docket), "console_dir": args.console_dir, "work": work,
           "engine_end": END.isoformat(), "clock_factor": args.factor, "token": args.token,
           "repeat": args.repeat, "loads": args.loads, "load_average": os.getloadavg(), "cpus": os.cpu_count()}
    try:
        small = measure_store(args, procs, docket, args.baseline, work, rules_dir, rules_file)
        out["small"] = small
        large = measure_store(args, procs, docket, args.tickets, work, rules_dir, rules_file)
        out["large"] = large
    except BaseException as e:
        out["error"] = f"{type(e).__name__}: {e}"
        if args.out:  # what was measured before the failure
            with open(args.out, "w") as f:
                json.dump(out, f, indent=1, ensure_ascii=False)
        raise
    finally:
        procs.stop_all()
    out["load_average_end"] = os.getloadavg()
    rows = build_report(small, large)
    out["table"] = [dict(zip(("section", "name", "small_median", "small_p95", "large_median", "large_p95",
                              "ratio", "note"), r)) for r in rows]
    out["total_s"] = time.perf_counter() - started
    print()
    print(f"docket console load: {args.baseline} vs {args.tickets} tickets "
          f"(docket {out['docket_sha256'][:12]}, {os.cpu_count()} CPUs, load average "
          f"{out['load_average'][0]:.1f} at start, {out['load_average_end'][0]:.1f} at end)")
    for label, r in (("small", small), ("large", large)):
        b = r["build"]
        how = f"copied from cache (built in {b['run_s']:.1f} s)" if b.get("reused_from") else f"{b['run_s']:.1f} s"
        print(f"store {r['tickets']}: events file {b['generate_s']:.1f} s, docket run --store {how}, "
              f"{b['events']} events, {b['summary'].get('journal', '?')}, {b['store_bytes'] / 1e6:.0f} MB; "
              f"serve start {r['serve_start_s']:.2f} s")
        for item in r.get("serve_log_start", []):
            print(f"  serve log +{item['after_s']:.2f} s: {item['line'][:100]}")
        print(f"  states {b['summary'].get('states')}; {b['summary'].get('SLA breaches', '')}")
    print()
    print_table(rows, args.baseline, args.tickets)
    print(f"\ntotal {out['total_s']:.0f} s; scratch {work}")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(out, f, indent=1, ensure_ascii=False)
        print(f"JSON: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
