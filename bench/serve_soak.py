#!/usr/bin/env python3
"""serve_soak.py -- a soak test of spasm-serve (issue 12): many requests, a
mix of good and malformed ones, from several client threads; every good
request must get 200 with the JSON it asked for, every malformed one the
error status listed for it (or, for the few that libmicrohttpd rejects
itself before a request exists, a close), and the server's resident memory
(VmRSS, /proc) must stay flat.

    bench/serve_soak.py [--requests N] [--connections C] [--bad-share F]
                        [--index INDEX] [--queries QUERIES.tsv] [--writes]
                        [--serve BIN] [--serve-arg OPTION]... [--seed S]

It starts BIN (default build/bin/spasm-serve) on a free loopback port with
--no-log, over INDEX (default: the server's own default, the bundled
corpus), and stops it with SIGTERM at the end (it must exit 0).  Good
requests go over keep-alive connections, one per client thread: searches
(the queries of QUERIES.tsv, "id<TAB>query" or one query a line; default a
built-in list), the page with a query, /healthz, /stats and
/documents/ID; with --writes the server is --writable on a copy of INDEX
and one good request in 20 is a POST of one document.  Each malformed
request (a share F of all, default 0.3) goes on a connection of its own,
from the list MALFORMED below.

Memory: VmRSS and RssAnon are read after each tenth of the requests;
"flat" means that the anonymous part (the heap: VmRSS less the index's
mapped file pages, which grow as searches touch more of the index) grew
by at most --rss-slack-kb (default 4096 kB) from the second tenth to the
end: the first tenth warms caches and per-thread arenas.  With --writes
it is reported, not checked: the written documents are new data; nor with
--rss-slack-kb -1 (for a sanitizer build, whose allocator keeps freed
memory in quarantine; LeakSanitizer's report at exit is checked instead).

Prints one line per tenth (requests done, requests/s, VmRSS) and a
summary; exits 1 when a check failed (listing the first failures), 2 on a
usage error.  A smoke run (a few thousand requests) is part of make check
(tests/serve/test_soak.py); bench/README.md has a full run's figures.
"""

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WAIT = 60  # seconds: the bound of every wait

QUERIES = [
    "night calf cramps", "renal colic", "muscle spasm", "magnesium", "dehydration",
    "\"muscle cramps\"", "cramp* NEAR night", "spasm -back", "+calf +stretch",
    "title:causes", "anaemia", "musle spasm", "kidney stone pain", "period pain",
    "when should I see a doctor about muscle spasms", "(calf OR thigh) cramps",
]

# Malformed requests: (name, raw bytes, the statuses that are right; an
# empty reply means a close without a response, which is right only where
# listed with None).  All end with Connection: close where a request line
# exists, so that the reply is read to the end.
C = b"Host: x\r\nConnection: close\r\n\r\n"
MALFORMED = [
    ("syntax", b"GET /search?q=NEAR/x HTTP/1.1\r\n" + C, {400}),
    ("nesting", b"GET /search?q=" + b"%28" * 200 + b"a HTTP/1.1\r\n" + C, {400}),
    ("long-q", b"GET /search?q=" + b"a+" * 3000 + b" HTTP/1.1\r\n" + C, {400}),
    ("bad-k", b"GET /search?q=calf&k=-1 HTTP/1.1\r\n" + C, {400}),
    ("bad-offset", b"GET /search?q=calf&offset=99999999999 HTTP/1.1\r\n" + C, {400}),
    ("no-q", b"GET /search HTTP/1.1\r\n" + C, {400}),
    ("bad-group", b"GET /search?q=calf&group=zz HTTP/1.1\r\n" + C, {400}),
    ("bad-percent", b"GET /search?q=%ZZ%2 HTTP/1.1\r\n" + C, {200, 400}),
    ("nul-target", b"GET /x\x00y HTTP/1.1\r\n" + C, {400, 404}),
    ("no-resource", b"GET /nope/../../etc/passwd HTTP/1.1\r\n" + C, {404}),
    ("no-document", b"GET /documents/no-such-id HTTP/1.1\r\n" + C, {404}),
    ("method", b"PUT /search?q=calf HTTP/1.1\r\n" + C, {405}),
    ("write-refused", b"POST /documents HTTP/1.1\r\nContent-Length: 3\r\n" + C + b"abc", {403, 400}),
    ("bad-length", b"GET /search?q=calf HTTP/1.1\r\nContent-Length: zz\r\n" + C, {400}),
    ("bad-chunk", b"POST /documents HTTP/1.1\r\nTransfer-Encoding: chunked\r\n" + C + b"zz\r\n",
     {400, 403}),
    ("long-header", b"GET /search?q=calf HTTP/1.1\r\nX-Long: " + b"a" * 20000 + b"\r\n" + C, {431}),
    ("long-target", b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\n" + C, {414, 431}),
    ("bad-version", b"GET / HTTP/9.9\r\n" + C, {505}),
    ("no-version", b"BLAH\r\n\r\n", {None, 400}),
    ("garbage", b"hello \xff\xfe\r\n\r\n", {None, 400}),
    # half a request, then the client goes away: the server must not care
    ("cut-short", b"GET /search?q=ca", {"hangup"}),
]


def status_of(reply):
    """The status of a raw reply (None for an empty one)."""
    if not reply:
        return None
    try:
        return int(reply.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return -1


def send_raw(port, data, hangup=False):
    """Send data on a new connection and read until the server closes."""
    s = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
    try:
        s.sendall(data)
        if hangup:
            return "hangup"
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk
    finally:
        s.close()


def vmrss_kb(pid):
    """(VmRSS, RssAnon) of pid in kB: RssAnon leaves out the index's mapped
    file pages, which a search touching new parts of the index adds."""
    got = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(("VmRSS:", "RssAnon:")):
                got[line.split(":")[0]] = int(line.split()[1])
    return got.get("VmRSS", -1), got.get("RssAnon", -1)


class Soak:
    def __init__(self, a, port, queries, doc_ids):
        self.a, self.port, self.queries, self.doc_ids = a, port, queries, doc_ids
        self.lock = threading.Lock()
        self.next = 0
        self.done = 0
        self.good = self.bad = 0
        self.statuses = {}
        self.failures = []
        self.written = 0

    def take(self):
        with self.lock:
            if self.next >= self.a.requests:
                return None
            self.next += 1
            return self.next - 1

    def fail(self, what):
        with self.lock:
            self.failures.append(what)

    def count(self, kind, st):
        with self.lock:
            self.done += 1
            key = "%s %s" % (kind, st)
            self.statuses[key] = self.statuses.get(key, 0) + 1
            if kind == "good":
                self.good += 1
            else:
                self.bad += 1

    def good_request(self, conn, rnd, tid, n):
        """One good request on conn; returns the connection to use next."""
        r = rnd.random()
        q = rnd.choice(self.queries)
        if self.a.writes and r < 0.05:
            body = json.dumps({"id": "soak-%d-%d" % (tid, n), "title": "Soak %d" % n,
                               "text": q + " written by serve_soak"}) + "\n"
            method, path, want = "POST", "/documents", "committed"
            with self.lock:
                self.written += 1
        elif r < 0.80:
            k = rnd.choice([1, 5, 10, 10, 10, 50, 100])
            extra = rnd.choice(["", "", "&group=doc", "&collapse=0", "&explain=1", "&offset=10"])
            path = "/search?q=%s&k=%d%s" % (urllib.parse.quote_plus(q), k, extra)
            method, body, want = "GET", None, "hits"
        elif r < 0.85:
            method, path, body, want = "GET", "/?q=" + urllib.parse.quote_plus(q), None, "page"
        elif r < 0.90:
            method, path, body, want = "GET", "/healthz", None, "status"
        elif r < 0.95:
            method, path, body, want = "GET", "/stats", None, "index"
        else:
            d = rnd.choice(self.doc_ids)
            path = "/documents/" + urllib.parse.quote(d, safe="")
            method, body, want = "GET", None, "passages"
        for attempt in (0, 1):
            try:
                conn.request(method, path, body=body,
                             headers={"Content-Type": "application/x-ndjson"} if body else {})
                resp = conn.getresponse()
                data = resp.read()
                break
            except (http.client.HTTPException, ConnectionError) as e:
                # the server may close an idle keep-alive connection between
                # two requests; a second failure on a new one is an error
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT)
                if attempt:
                    self.fail("%s %s: %r" % (method, path[:80], e))
                    self.count("good", "error")
                    return conn
        self.count("good", resp.status)
        if resp.status != 200:
            self.fail("%s %s: status %d %s" % (method, path[:80], resp.status, data[:120]))
        elif want == "page":
            if b"<html" not in data[:400].lower():
                self.fail("%s: not the page" % path)
        else:
            try:
                j = json.loads(data)
                ok = want in j
            except ValueError:
                ok = False
            if not ok:
                self.fail("%s %s: no %r in %s" % (method, path[:80], want, data[:120]))
        return conn

    def bad_request(self, rnd):
        name, raw, want = rnd.choice(MALFORMED)
        try:
            reply = send_raw(self.port, raw, hangup="hangup" in want)
        except OSError as e:
            self.count("bad", "error")
            self.fail("malformed %s: %r" % (name, e))
            return
        st = reply if reply == "hangup" else status_of(reply)
        self.count("bad", st)
        if st not in want:
            self.fail("malformed %s: status %r, expected one of %r: %r"
                      % (name, st, sorted(want, key=str), reply[:120]))

    def client(self, tid):
        rnd = random.Random(self.a.seed * 1000 + tid)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT)
        n = 0
        while True:
            i = self.take()
            if i is None:
                break
            n += 1
            if rnd.random() < self.a.bad_share:
                self.bad_request(rnd)
            else:
                conn = self.good_request(conn, rnd, tid, n)
        conn.close()


def read_queries(path):
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            q = line.split("\t", 1)[1] if "\t" in line else line
            if q.strip():
                out.append(q)
    return out


def start_server(a, index, tmp):
    cmd = [a.serve, "--listen", "127.0.0.1:0", "--no-log"]
    if index:
        cmd += ["-i", index]
    if a.writes:
        cmd.append("--writable")
    cmd += a.serve_arg
    errf = open(os.path.join(tmp, "serve.err"), "w+b")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errf)
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        errf.seek(0)
        text = errf.read().decode(errors="replace")
        if "listening on http://127.0.0.1:" in text:
            port = int(text.split("127.0.0.1:")[1].split("/")[0])
            return proc, port, errf
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    errf.seek(0)
    sys.exit("serve_soak: spasm-serve did not start: " + errf.read().decode(errors="replace"))


def doc_ids(port):
    """A few document ids, from the hits of some searches."""
    ids = set()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    for q in ("a", "the", "muscle", "pain", "calf"):
        c.request("GET", "/search?q=%s&k=20&group=doc" % q)
        r = c.getresponse()
        data = r.read()
        if r.status == 200:
            ids.update(h["doc"] for h in json.loads(data)["hits"])
    c.close()
    return sorted(ids) or ["no-such-document"]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--requests", type=int, default=100000)
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--bad-share", type=float, default=0.3)
    p.add_argument("--index", default=None)
    p.add_argument("--queries", default=None)
    p.add_argument("--writes", action="store_true")
    p.add_argument("--serve", default=os.path.join(ROOT, "build", "bin", "spasm-serve"))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--serve-arg", action="append", default=[],
                   help="one more option for spasm-serve (e.g. --serve-arg=--dispatch=pool)")
    p.add_argument("--rss-slack-kb", type=int, default=4096)
    a = p.parse_args()
    if a.requests < 10 or a.connections < 1 or not 0 <= a.bad_share <= 1:
        p.error("--requests must be at least 10, --connections at least 1, "
                "--bad-share from 0 to 1")
    if a.writes and not a.index:
        p.error("--writes needs --index (a copy of it is written to)")
    queries = read_queries(a.queries) if a.queries else QUERIES
    tmp = tempfile.mkdtemp(prefix="serve-soak-")
    try:
        index = a.index
        if a.writes:
            index = os.path.join(tmp, "w.spx")
            (shutil.copytree if os.path.isdir(a.index) else shutil.copy)(a.index, index)
        proc, port, errf = start_server(a, index, tmp)
        soak = Soak(a, port, queries, doc_ids(port))
        threads = [threading.Thread(target=soak.client, args=(t,), daemon=True)
                   for t in range(a.connections)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        rss = []
        tenth = max(1, a.requests // 10)
        mark = tenth
        while any(t.is_alive() for t in threads):
            time.sleep(0.05)
            if proc.poll() is not None:
                soak.fail("spasm-serve exited with status %d mid-run" % proc.returncode)
                break
            while soak.done >= mark and len(rss) < 10:
                r = vmrss_kb(proc.pid)
                rss.append(r)
                el = time.monotonic() - t0
                print("serve_soak: %7d requests, %6.0f requests/s, VmRSS %d kB (anonymous %d kB)"
                      % (soak.done, soak.done / el, r[0], r[1]), flush=True)
                mark += tenth
        for t in threads:
            t.join(WAIT)
        elapsed = time.monotonic() - t0
        if proc.poll() is None:
            rss.append(vmrss_kb(proc.pid))
            proc.send_signal(signal.SIGTERM)
            try:
                rc = proc.wait(WAIT)
            except subprocess.TimeoutExpired:
                proc.kill()
                rc = proc.wait()
                soak.fail("spasm-serve did not stop within %d s of SIGTERM" % WAIT)
            if rc != 0:
                soak.fail("spasm-serve exited with status %d after SIGTERM" % rc)
        errf.seek(0)
        err = errf.read().decode(errors="replace")
        for word in ("AddressSanitizer", "LeakSanitizer", "runtime error", "ThreadSanitizer",
                     "Segmentation"):
            if word in err:
                soak.fail("spasm-serve's stderr: " + word)
        anon = [r[1] for r in rss]
        growth = anon[-1] - anon[1] if len(anon) >= 3 else 0
        checked = not a.writes and a.rss_slack_kb >= 0
        if growth > a.rss_slack_kb and checked:
            soak.fail("anonymous RSS grew %d kB after the first tenth (%s kB), more than %d kB"
                      % (growth, ", ".join(map(str, anon)), a.rss_slack_kb))
        print("serve_soak: %d requests in %.1f s (%.0f/s) over %d connections: %d good, %d "
              "malformed%s" % (soak.done, elapsed, soak.done / elapsed, a.connections, soak.good,
                               soak.bad, ", %d documents written" % soak.written
                               if a.writes else ""))
        print("serve_soak: replies: " + ", ".join("%s: %d" % kv
                                                  for kv in sorted(soak.statuses.items())))
        print("serve_soak: VmRSS after each tenth and at the end (kB): %s"
              % ", ".join(str(r[0]) for r in rss))
        print("serve_soak: anonymous RSS (kB): %s; growth after the first tenth %+d kB%s"
              % (", ".join(map(str, anon)), growth,
                 "" if checked else " (not checked: --writes, the live index grows)"
                 if a.writes else " (not checked: --rss-slack-kb below 0)"))
        if soak.done != a.requests:
            soak.fail("only %d of %d requests were made" % (soak.done, a.requests))
        if soak.failures:
            print("serve_soak: FAILED, %d checks; the first:" % len(soak.failures))
            for f in soak.failures[:10]:
                print("  " + f)
            return 1
        print("serve_soak: passed: every good request got 200 and its JSON, every malformed "
              "one its error, memory flat")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
