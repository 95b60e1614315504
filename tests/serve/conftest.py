"""Fixtures for spasm-serve's tests: the programs of the build under test
(SPASM_TEST_BUILD, default build), a test index (the bundled corpus plus a
document whose text and title hold markup), and servers started on a free
loopback port (--listen 127.0.0.1:0; the port is read from the server's
"listening on" line).  Every wait is bounded; no test asserts on time."""

import http.client
import json
import os
import shutil
import select
import signal
import socket
import subprocess
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("SPASM_TEST_BUILD", "build"))
SERVE = os.path.join(BUILD, "bin", "spasm-serve")
SEARCH = os.path.join(BUILD, "bin", "spasm-search")
INDEX = os.path.join(BUILD, "bin", "spasm-index")
WAIT = 60  # seconds: the bound of every wait (never an assertion)

# A document that must show as text, never run (the page test), and be
# found by one word no corpus passage has.
XSS_DOC = {
    "id": "xss-1",
    "title": '<img src=x onerror="window.__pwned=1">',
    "text": "zebrafish <script>window.__pwned=1</script> and <b>bold</b> zebrafish.",
}


class Server:
    """One spasm-serve process on 127.0.0.1:PORT."""

    def __init__(self, tmp, index, args=(), env=None, log=True):
        self.log_path = os.path.join(tmp, "access-%d.log" % time.monotonic_ns())
        self.log = open(self.log_path, "wb")
        e = dict(os.environ)
        e.update(env or {})
        # SPASM_SERVE_TEST_ARGS: options for every server of a run (e.g.
        # "--dispatch inline"), before the test's own
        extra = os.environ.get("SPASM_SERVE_TEST_ARGS", "").split()
        cmd = [SERVE, "-i", index, "--listen", "127.0.0.1:0", "--threads", "2", *extra, *args]
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.PIPE, env=e)
        self.err = b""
        self.port = None
        deadline = time.monotonic() + WAIT
        while self.port is None and time.monotonic() < deadline:
            r, _, _ = select.select([self.proc.stderr], [], [], 1.0)
            if not r:
                if self.proc.poll() is not None:
                    break
                continue
            chunk = os.read(self.proc.stderr.fileno(), 4096)
            if not chunk:
                break
            self.err += chunk
            for line in self.err.decode(errors="replace").splitlines():
                if "listening on http://127.0.0.1:" in line:
                    self.port = int(line.split("127.0.0.1:")[1].split("/")[0])
        if self.port is None:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError("spasm-serve did not start: " + self.err.decode(errors="replace"))

    def conn(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT)

    def request(self, method, path, body=None, headers=None, conn=None):
        """(status, headers dict with lower-case names, body bytes)."""
        c = conn or self.conn()
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        if conn is None:
            c.close()
        return r.status, hdrs, data

    def get(self, path, **kw):
        """(status, headers, parsed JSON) of a GET."""
        st, h, data = self.request("GET", path, **kw)
        return st, h, json.loads(data) if data else None

    def raw(self, data, read=True):
        """Send raw bytes on a new connection; what comes back until close."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=WAIT)
        s.sendall(data)
        out = b""
        while read:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
        s.close()
        return out

    def stats(self):
        return self.get("/stats")[2]

    def wait_stat(self, key, value):
        """Poll /stats until server.KEY == value (bounded)."""
        for _ in range(WAIT * 100):
            if self.stats()["server"][key] == value:
                return
            time.sleep(0.01)
        raise AssertionError("stats %s never became %r" % (key, value))

    def stop(self, sig=signal.SIGTERM):
        """Signal the server; its exit status and its stderr (once stopped,
        the same again)."""
        if self.proc.stderr.closed:
            return self.proc.returncode, self.err.decode(errors="replace")
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        fd = self.proc.stderr.fileno()
        while True:  # the writer has exited: read to end of file
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            self.err += chunk
        self.proc.stderr.close()
        self.log.close()
        return self.proc.returncode, self.err.decode(errors="replace")

    def access_log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read().splitlines()


@pytest.fixture(scope="session")
def index(tmp_path_factory):
    """The bundled corpus plus XSS_DOC, indexed once for the session."""
    d = tmp_path_factory.mktemp("serve-index")
    extra = d / "extra.jsonl"
    extra.write_text(json.dumps(XSS_DOC) + "\n")
    out = d / "test.spx"
    subprocess.run([INDEX, "-q", "-o", str(out), os.path.join(ROOT, "corpus"), str(extra)],
                   check=True, timeout=WAIT)
    return str(out)


@pytest.fixture(scope="session")
def server(index, tmp_path_factory):
    """A server with the default limits, shared by the read-only tests."""
    s = Server(str(tmp_path_factory.mktemp("serve")), index)
    yield s
    rc, err = s.stop()
    assert rc == 0, err


@pytest.fixture
def make_server(index, tmp_path):
    """Start servers with other options; each is stopped at the end."""
    started = []

    def make(*args, env=None, index=index):
        s = Server(str(tmp_path), index, args, env)
        started.append(s)
        return s

    yield make
    for s in started:
        s.stop()


@pytest.fixture
def writable_index(index, tmp_path):
    """A copy of the test index for a --writable server to change (it
    becomes a live folder on start)."""
    p = tmp_path / "w.spx"
    shutil.copyfile(index, p)
    return str(p)


def cli_json(index, query, *args):
    """The hits of `spasm-search --format json` for query (parsed)."""
    p = subprocess.run([SEARCH, "-i", index, "--format", "json", *args, "--", query],
                       capture_output=True, timeout=WAIT)
    return [json.loads(line) for line in p.stdout.decode().splitlines() if line]
