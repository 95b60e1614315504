"""spasm-serve's HTTP API: every endpoint, every error status, every limit,
the access log, CORS, draining on SIGTERM/SIGINT.  Servers listen on a free
loopback port; loops are bounded; nothing asserts on time."""

import json
import os
import re
import select
import signal
import socket
import subprocess
import threading
import time
import urllib.parse

import pytest

from conftest import SERVE, WAIT, XSS_DOC, cli_json

Q = urllib.parse.quote


# ---- endpoints


def test_healthz(server):
    st, h, body = server.get("/healthz")
    assert st == 200 and body == {"status": "ok"}
    assert h["content-type"] == "application/json; charset=utf-8"


SEARCH_CASES = [
    ("night calf cramps", "", []),
    ("renal colic", "&k=3", ["-k", "3"]),
    ("muscle", "&k=4&offset=3", ["-k", "4", "--offset", "3"]),
    ("dehydration", "&group=doc", ["--group", "doc"]),
    ("night calf cramps", "&collapse=1", ["--collapse"]),
    ('"renal colic"', "&explain=1&k=2", ["--explain", "-k", "2"]),
    ("night calf cramps", "&title_weight=3&proximity=0.25",
     ["--title-weight", "3", "--proximity", "0.25"]),
    ("pregnant cramps", "&families=1", ["--families"]),
    ("dehydrat* OR cramp*", "&k=20", ["-k", "20"]),
]


@pytest.mark.parametrize("query,params,cli", SEARCH_CASES)
def test_search_hits_are_the_cli_json(server, index, query, params, cli):
    st, _, body = server.get("/search?q=" + Q(query) + params)
    assert st == 200
    assert body["hits"] == cli_json(index, query, *cli)
    assert body["hits"], "the case must have hits"
    assert body["query"] == query


def test_search_typos(server):
    st, _, body = server.get("/search?q=musle+spasm&typos=1&k=1")
    assert st == 200 and body["suggestion"] == "muscle spasm" and body["hits"]
    st, _, body = server.get("/search?q=musle+spasm&typos=0&k=1")
    assert st == 200 and "suggestion" not in body
    st, _, body = server.get("/search?q=musle+spasm&k=1")  # the library's default: off
    assert st == 200 and "suggestion" not in body


def test_search_envelope(server):
    st, _, body = server.get("/search?q=night+calf+cramps&k=2")
    assert st == 200
    assert set(body) >= {"query", "took_ms", "total", "offset", "k", "more", "hits"}
    assert body["query"] == "night calf cramps"  # '+' is a space
    assert isinstance(body["took_ms"], float) and body["took_ms"] >= 0
    assert body["k"] == 2 and body["offset"] == 0 and body["more"] is True
    assert body["total"] >= len(body["hits"]) == 2
    first = body["hits"][0]
    assert (first["doc"], first["passage"]) == ("002_d8b5a69b0f81f7af", 17)
    words = [first["text"].encode()[a:b].decode() for a, b in first["highlights"]]
    assert "calf" in words


def test_search_paging(server):
    _, _, all3 = server.get("/search?q=muscle&k=3")
    _, _, p2 = server.get("/search?q=muscle&k=1&offset=1")
    assert p2["hits"] == [dict(all3["hits"][1])]
    assert p2["hits"][0]["rank"] == 2
    total = all3["total"]
    _, _, last = server.get("/search?q=muscle&k=5&offset=%d" % (total - 2))
    assert len(last["hits"]) == 2 and last["more"] is False
    _, _, past = server.get("/search?q=muscle&offset=%d" % total)
    assert past["hits"] == [] and past["more"] is False


def test_search_count(server):
    _, _, exact = server.get("/search?q=muscle&k=2")
    _, _, fast = server.get("/search?q=muscle&k=2&count=0")
    assert exact["total_exact"] is True and fast["total_exact"] is False
    assert exact["hits"] == fast["hits"]
    assert len(fast["hits"]) <= fast["total"] <= exact["total"]
    st, _, body = server.get("/search?q=muscle&count=maybe")
    assert st == 400 and body["param"] == "count"


def test_search_no_results(server):
    st, _, body = server.get("/search?q=qwxyzzy")
    assert st == 200 and body["hits"] == [] and body["total"] == 0


def test_search_head(server):
    st, h, data = server.request("HEAD", "/search?q=calf")
    assert st == 200 and data == b"" and int(h["content-length"]) > 0


def test_document(server, index):
    _, _, hits = server.get("/search?q=renal+colic&k=1")
    hit = hits["hits"][0]
    st, _, doc = server.get("/documents/" + Q(hit["doc"]))
    assert st == 200 and doc["doc"] == hit["doc"] and doc["title"] == hit["title"]
    assert [p["passage"] for p in doc["passages"]] == list(range(1, len(doc["passages"]) + 1))
    assert doc["passages"][hit["passage"] - 1]["text"] == hit["text"]
    st, _, x = server.get("/documents/xss-1")
    assert st == 200 and x["title"] == XSS_DOC["title"]


def test_document_not_found(server):
    st, _, body = server.get("/documents/no-such-doc")
    assert st == 404 and body["status"] == 404 and "error" in body
    st, _, body = server.get("/documents/%FF")
    assert st == 400 and body["position"] == 0


def test_stats(server):
    st, _, s = server.get("/stats")
    assert st == 200
    assert s["index"]["documents"] == 6 and s["index"]["passages"] == 67
    assert s["server"]["threads"] == 2 and s["server"]["writable"] is False
    assert s["limits"]["max_k"] == 1000 and s["limits"]["max_queue"] == 64


def test_page_and_assets(server):
    for path in ("/", "/?q=night+calf+cramps", "/index.html"):
        st, h, data = server.request("GET", path)
        assert st == 200 and h["content-type"].startswith("text/html")
        assert b'<script src="/page.js"' in data
        assert "default-src 'self'" in h["content-security-policy"]
    st, h, data = server.request("GET", "/page.js")
    assert st == 200 and h["content-type"].startswith("text/javascript")
    with open(os.path.join(os.path.dirname(__file__), "../../server/page.js"), "rb") as f:
        assert data == f.read()
    st, h, _ = server.request("GET", "/page.css")
    assert st == 200 and h["content-type"].startswith("text/css")
    st, h, _ = server.request("GET", "/favicon.svg")
    assert st == 200 and h["content-type"] == "image/svg+xml"


# ---- errors


@pytest.mark.parametrize("path,param", [
    ("/search", "q"),
    ("/search?q=", "q"),
    ("/search?q=calf&k=0", "k"),
    ("/search?q=calf&k=abc", "k"),
    ("/search?q=calf&k=1001", "k"),
    ("/search?q=calf&k=-1", "k"),
    ("/search?q=calf&k=99999999999999999999999", "k"),
    ("/search?q=calf&offset=100001", "offset"),
    ("/search?q=calf&offset=x", "offset"),
    ("/search?q=calf&group=title", "group"),
    ("/search?q=calf&collapse=maybe", "collapse"),
    ("/search?q=calf&explain=2", "explain"),
    ("/search?q=calf&group=doc&collapse=1", "collapse"),
    ("/search?q=calf&typos=maybe", "typos"),
    ("/search?q=calf&title_weight=0.0.1", "title_weight"),
    ("/search?q=calf&title_weight=101", "title_weight"),
    ("/search?q=calf&proximity=-1", "proximity"),
    ("/search?q=calf&families=2", "families"),
])
def test_bad_arguments(server, path, param):
    st, h, body = server.get(path)
    assert st == 400 and body["status"] == 400 and body["param"] == param, body
    assert body["error"]


@pytest.mark.parametrize("query,pos", [
    ("a NEAR/0 b", 2),
    ("calf NEAR/5000 night", 5),
    ("(" * 70 + "calf" + ")" * 70, 64),
])
def test_bad_query_position(server, query, pos):
    st, _, body = server.get("/search?q=" + Q(query))
    assert st == 400 and body["position"] == pos and "byte" in body["error"], body


def test_query_without_words(server):
    st, _, body = server.get("/search?q=" + Q("... !!!"))
    assert st == 400 and "nothing to search" in body["error"]


@pytest.mark.parametrize("path", ["/page.html%00.js", "/search?q=calf%00night", "/documents/a%00b"])
def test_encoded_nul_refused(server, path):
    st, _, body = server.get(path)
    assert st == 400 and "NUL" in body["error"]


def test_query_not_utf8(server):
    st, _, body = server.get("/search?q=calf%20%C3%28")
    assert st == 400 and body["position"] == 5 and "UTF-8" in body["error"]


def test_query_too_long(server):
    st, _, body = server.get("/search?q=" + "a" * 4097)
    assert st == 400 and body["position"] == 4096 and body["param"] == "q"
    st, _, body = server.get("/search?q=" + "a" * 4096)
    assert st == 200


@pytest.mark.parametrize("path", [
    "/nothing", "/search/", "/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
    "/page.js/../../etc/passwd", "//etc/passwd", "/server/page.js",
    "/documents", "/documents/",
])
def test_not_found_and_no_traversal(server, path):
    out = server.raw(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    head, _, body = out.partition(b"\r\n\r\n")
    status = int(head.split()[1])
    assert status in (404, 405), out[:200]
    assert b"root:" not in body and b"page.js" not in body
    assert json.loads(body)["status"] == status


@pytest.mark.parametrize("method,path,allow", [
    ("POST", "/search?q=x", "GET, HEAD"),
    ("PUT", "/", "GET, HEAD"),
    ("DELETE", "/stats", "GET, HEAD"),
    ("PATCH", "/documents/xss-1", "GET, HEAD, DELETE"),
    ("GET", "/documents", "POST"),
    ("OPTIONS", "/search", "GET, HEAD"),
])
def test_method_not_allowed(server, method, path, allow):
    st, h, data = server.request(method, path)
    assert st == 405 and h["allow"] == allow and json.loads(data)["status"] == 405


@pytest.mark.parametrize("raw", [
    b"BLAH\r\n\r\n",
    b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
    b"GET /search?q=calf HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n",
    b"\x00\x01\x02\x03\r\n\r\n",
    b"GET /search?q=calf HTTP/1.1\r\n" + b"X-Long: " + b"a" * 20000 + b"\r\n\r\n",
    b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
], ids=["no-version", "bad-version", "bad-length", "binary", "long-header", "long-target"])
def test_malformed_requests_get_an_error_and_a_close(server, raw):
    out = server.raw(raw)  # returns only once the server closes the connection
    assert re.match(rb"HTTP/1\.[01] (4\d\d|505) ", out) or out == b"", out[:100]
    st, _, _ = server.get("/healthz")
    assert st == 200


def test_many_malformed_then_good(server):
    bad = [b"GET /x\x00y HTTP/1.1\r\nConnection: close\r\n\r\n",
           b"POST /search HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello",
           b"GET /search?q=%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
           b"GET / HTTP/9.9\r\nHost: x\r\n\r\n"]
    for i in range(200):
        server.raw(bad[i % len(bad)])
    st, _, body = server.get("/search?q=calf")
    assert st == 200 and body["hits"]


# ---- writes: refusals and checks (tests/serve/test_writes.py: the rest)


def test_writes_refused_unless_writable(server):
    st, h, data = server.request("POST", "/documents", body=b'{"id":"a","text":"b"}\n')
    assert st == 403 and "--writable" in json.loads(data)["error"]
    st, h, data = server.request("DELETE", "/documents/xss-1")
    assert st == 403


def test_writes_token_body_and_limits(make_server, writable_index, tmp_path):
    tok = tmp_path / "token"
    tok.write_text("s3cret-token-123\n")
    os.chmod(tok, 0o600)
    s = make_server("--writable", "--token-file", str(tok), "--max-body-bytes", "1000",
                    index=writable_index)
    good = b'{"id":"n1","title":"T","text":"new text"}\n{"_id":"n2","text":"more"}\n'
    auth = {"Authorization": "Bearer s3cret-token-123"}
    st, h, data = s.request("POST", "/documents", body=good)
    assert st == 401 and h["www-authenticate"] == "Bearer"
    st, _, _ = s.request("POST", "/documents", body=good,
                         headers={"Authorization": "Bearer wrong-token-1234"})
    assert st == 401
    st, _, data = s.request("POST", "/documents", body=good, headers=auth)
    body = json.loads(data)
    assert st == 200 and body["documents"] == 2 and body["committed"] == 2
    st, _, data = s.request("POST", "/documents", body=b'{"id":"a","text":"b"}\n{"id":1}\n',
                            headers=auth)
    body = json.loads(data)
    assert st == 400 and "line 2" in body["error"] and body["position"] == 22
    st, _, data = s.request("POST", "/documents", body=b"{nope\n", headers=auth)
    assert st == 400 and "line 1" in json.loads(data)["error"]
    st, _, data = s.request("POST", "/documents", body=b"", headers=auth)
    assert st == 400
    st, _, data = s.request("DELETE", "/documents/n1")
    assert st == 401
    st, _, data = s.request("DELETE", "/documents/n1", headers=auth)
    assert st == 200 and json.loads(data)["deleted"] == 1
    # over the body limit: by Content-Length, and chunked
    st, h, data = s.request("POST", "/documents", body=b"x" * 1001, headers=auth)
    assert st == 413 and json.loads(data)["status"] == 413
    c = s.conn()
    c.putrequest("POST", "/documents")
    c.putheader("Transfer-Encoding", "chunked")
    c.putheader("Authorization", auth["Authorization"])
    c.endheaders()
    for _ in range(3):
        c.send(b"200\r\n" + b"y" * 512 + b"\r\n")
    c.send(b"0\r\n\r\n")
    r = c.getresponse()
    assert r.status == 413
    c.close()
    assert s.stats()["server"]["token_required"] is True


def test_token_file_errors(index, tmp_path):
    bad = tmp_path / "short"
    bad.write_text("abc\n")
    p = subprocess.run([SERVE, "-i", index, "--listen", "127.0.0.1:0", "--token-file", str(bad)],
                       capture_output=True, timeout=WAIT)
    assert p.returncode == 2 and b"--token-file" in p.stderr
    p = subprocess.run([SERVE, "-i", index, "--listen", "127.0.0.1:0", "--token-file",
                        str(tmp_path / "missing")], capture_output=True, timeout=WAIT)
    assert p.returncode == 2 and b"cannot be read" in p.stderr


# ---- limits and overload


def test_idle_timeout_closes(make_server):
    s = make_server("--idle-timeout", "1")
    sock = socket.create_connection(("127.0.0.1", s.port), timeout=WAIT)
    assert sock.recv(100) == b""  # closed by the server, not by our timeout
    sock.close()


@pytest.mark.parametrize("part", [b"GET /search?q=ca", b"GET /search?q=calf HTTP/1.1\r\nHost: x\r\n",
                                  b"\r\n", b""], ids=["line", "headers", "blank", "nothing"])
def test_half_request_then_hangup_closes_at_once(make_server, part):
    # a client that sends part of a request and closes (data and FIN
    # together) must not hold a connection until the idle timeout: with
    # libmicrohttpd's epoll it did, and 256 of them used up --max-connections
    s = make_server("--idle-timeout", str(WAIT * 3))
    for _ in range(20):
        c = socket.create_connection(("127.0.0.1", s.port), timeout=WAIT)
        c.sendall(part)
        c.close()
    s.wait_stat("connections", 1)  # only the /stats connection itself
    st, _, body = s.get("/search?q=calf")
    assert st == 200 and body["hits"]


def test_max_connections_503(make_server):
    s = make_server("--max-connections", "2")
    held = [s.conn(), s.conn()]
    for c in held:  # both surely open
        assert s.request("GET", "/healthz", conn=c)[0] == 200
    st, h, data = s.request("GET", "/search?q=calf")
    assert st == 503 and "connections" in json.loads(data)["error"]
    for c in held:
        c.close()
    for _ in range(WAIT * 100):  # bounded: until the server saw them close
        if s.request("GET", "/healthz")[0] == 200:
            break
        time.sleep(0.01)
    assert s.get("/search?q=calf")[0] == 200


def _send(port, path):
    sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
    sock.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    return sock


def _read_all(sock):
    out = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        out += chunk
    sock.close()
    return int(out.split()[1]), out.partition(b"\r\n\r\n")[2]


def test_queue_full_503(make_server, tmp_path):
    hold = tmp_path / "hold"
    hold.write_text("")
    s = make_server("--dispatch", "pool", "--threads", "1", "--max-queue", "2",
                    env={"SPASM_SERVE_TEST_HOLD": str(hold)})
    a = _send(s.port, "/search?q=calf")
    b = _send(s.port, "/search?q=night")
    s.wait_stat("queued", 2)
    st, body = _read_all(_send(s.port, "/search?q=cramp"))
    assert st == 503 and "overloaded" in json.loads(body)["error"]
    assert s.stats()["server"]["requests_refused"] == 1
    hold.unlink()
    assert _read_all(a)[0] == 200 and _read_all(b)[0] == 200


def test_time_budget_503(make_server, tmp_path):
    hold = tmp_path / "hold"
    hold.write_text("")
    s = make_server("--dispatch", "pool", "--threads", "1", "--time-budget", "20",
                    env={"SPASM_SERVE_TEST_HOLD": str(hold)})
    a = _send(s.port, "/search?q=calf")
    s.wait_stat("queued", 1)
    time.sleep(0.1)  # past the budget of 20 ms (a wait, not an assertion on time)
    hold.unlink()
    st, body = _read_all(a)
    assert st == 503 and "time budget" in json.loads(body)["error"]
    assert s.get("/search?q=calf")[0] == 200


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_drains_and_exits_0(make_server, tmp_path, sig):
    hold = tmp_path / "hold"
    hold.write_text("")
    s = make_server("--dispatch", "pool", "--threads", "1",
                    env={"SPASM_SERVE_TEST_HOLD": str(hold)})
    a = _send(s.port, "/search?q=calf")
    s.wait_stat("queued", 1)
    s.proc.send_signal(sig)
    for _ in range(WAIT * 100):  # bounded: until the listening socket is closed
        try:
            socket.create_connection(("127.0.0.1", s.port), timeout=WAIT).close()
        except (ConnectionRefusedError, ConnectionResetError, ConnectionAbortedError):
            break  # refused, or reset by a socket closing as we connected
        except TimeoutError:
            pass  # a busy machine: try again
        time.sleep(0.01)
    else:
        raise AssertionError("still accepting connections after the signal")
    hold.unlink()
    st, body = _read_all(a)
    assert st == 200 and json.loads(body)["hits"]
    rc, err = s.stop()
    assert rc == 0 and "draining" in err and "stopped" in err


def test_concurrent_clients_agree(server):
    queries = ["night calf cramps", "renal colic", "muscle", "dehydration", "magnesium",
               "spasm", "cramp* NEAR night", '"muscle spasm"']
    want = {q: server.get("/search?q=" + Q(q))[2]["hits"] for q in queries}
    bad = []

    def client(n):
        c = server.conn()  # one keep-alive connection per client
        for i in range(40):
            q = queries[(n + i) % len(queries)]
            st, _, body = server.get("/search?q=" + Q(q), conn=c)
            if st != 200 or body["hits"] != want[q]:
                bad.append((q, st))
        c.close()

    ts = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(WAIT)
    assert not bad


# ---- --dispatch inline: libmicrohttpd's threads search themselves


@pytest.fixture(scope="module")
def inline_server(index, tmp_path_factory):
    from conftest import Server
    s = Server(str(tmp_path_factory.mktemp("serve-inline")), index, ("--dispatch", "inline"))
    yield s
    rc, err = s.stop()
    assert rc == 0, err


@pytest.mark.parametrize("query,params,cli", SEARCH_CASES)
def test_inline_hits_are_the_cli_json(inline_server, index, query, params, cli):
    st, _, body = inline_server.get("/search?q=" + Q(query) + params)
    assert st == 200 and body["hits"] == cli_json(index, query, *cli) and body["hits"]


def test_inline_documents_errors_stats(inline_server, server):
    doc = "002_d8b5a69b0f81f7af"
    st1, _, b1 = inline_server.get("/documents/" + doc)
    st2, _, b2 = server.get("/documents/" + doc)
    assert st1 == st2 == 200 and b1 == b2 and b1["passages"]
    assert inline_server.get("/documents/nope")[0] == 404
    st, _, body = inline_server.get("/search?q=" + Q("a NEAR/0 b"))
    assert st == 400 and body["position"] == 2
    st, _, body = inline_server.get("/stats")
    assert st == 200 and body["server"]["threads"] == 2
    assert body["server"]["requests_served"] >= 1


def test_inline_concurrent_clients_agree_and_drain(make_server):
    s = make_server("--dispatch", "inline")
    queries = ["night calf cramps", "renal colic", "muscle", "spasm", "cramp* NEAR night"]
    want = {q: s.get("/search?q=" + Q(q))[2]["hits"] for q in queries}
    bad = []

    def client(n):
        c = s.conn()
        for i in range(30):
            q = queries[(n + i) % len(queries)]
            st, _, body = s.get("/search?q=" + Q(q), conn=c)
            if st != 200 or body["hits"] != want[q]:
                bad.append((q, st))
        c.close()

    ts = [threading.Thread(target=client, args=(n,)) for n in range(6)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(WAIT)
    assert not bad
    rc, err = s.stop()
    assert rc == 0, err


# ---- options, CORS, the log


def test_cors_off_by_default(server):
    _, h, _ = server.get("/search?q=calf")
    assert "access-control-allow-origin" not in h


def test_cors_when_asked(make_server):
    s = make_server("--cors", "https://example.org")
    _, h, _ = s.get("/search?q=calf")
    assert h["access-control-allow-origin"] == "https://example.org"
    st, h, _ = s.request("OPTIONS", "/search")
    assert st == 200 and h["access-control-allow-methods"] == "GET, HEAD"


def test_access_log_common_format(make_server):
    s = make_server()
    s.get("/search?q=calf&k=2")
    s.get("/nothing")
    s.raw(b'GET /"x\x1b[31m HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    rc, _ = s.stop()
    assert rc == 0
    lines = s.access_log()
    clf = re.compile(r'^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000\] '
                     r'"[^"\x00-\x1f]*" (\d{3}|-) (\d+|-)$')
    assert len(lines) == 3 and all(clf.match(line) for line in lines), lines
    # each line is written by the thread that completed its request: with
    # several threads, requests on different connections may log out of order
    assert any('"GET /search?q=calf&k=2 HTTP/1.1" 200 ' in line for line in lines), lines
    assert any('"GET /nothing HTTP/1.1" 404 ' in line for line in lines), lines
    assert any("\\x22x\\x1b" in line for line in lines), lines  # a quote and an escape, escaped


def test_no_log(make_server):
    s = make_server("--no-log")
    s.get("/search?q=calf")
    s.stop()
    assert s.access_log() == []


@pytest.mark.parametrize("args,msg", [
    (["--listen", "localhost"], "--listen"),
    (["--listen", "127.0.0.1:99999"], "--listen"),
    (["--threads", "0"], "--threads"),
    (["--max-k", "x"], "--max-k"),
    (["--dispatch", "threads"], "--dispatch"),
    (["--bogus"], "usage"),
    (["-i", "/nonexistent.spx"], "nonexistent"),
    (["extra"], "unexpected"),
])
def test_bad_options_exit_2(index, args, msg):
    p = subprocess.run([SERVE, "-i", index, "--listen", "127.0.0.1:0", *args],
                       capture_output=True, timeout=WAIT)
    assert p.returncode == 2 and msg in p.stderr.decode(), p.stderr


def test_help_and_default_address():
    p = subprocess.run([SERVE, "--help"], capture_output=True, timeout=WAIT)
    assert p.returncode == 0 and b"default 127.0.0.1:8080" in p.stdout


def test_synonyms_file(make_server, index, tmp_path):
    """--synonyms FILE: every search uses its rules; synonyms=0 turns them
    off; a bad file stops the start with its line named, exit 2."""
    syn = tmp_path / "syn.txt"
    syn.write_text("# test\nzebrafish, calf\n")
    s = make_server("--synonyms", str(syn))
    docs = lambda path: [h["doc"] for h in s.get(path)[2]["hits"]]
    both = docs("/search?q=zebrafish&k=50")
    assert both[0] == "xss-1" and len(set(both)) > 1  # calf passages too, below
    assert docs("/search?q=zebrafish&synonyms=0") == ["xss-1"]
    assert s.get("/search?q=zebrafish&synonyms=maybe")[0] == 400
    bad = tmp_path / "bad.txt"
    bad.write_text("a, b\n, c\n")
    p = subprocess.run([SERVE, "-i", index, "--listen", "127.0.0.1:0", "--synonyms", str(bad)],
                       capture_output=True, timeout=WAIT)
    assert p.returncode == 2 and b"bad.txt:2" in p.stderr, p.stderr


# ---- dispatch: inline by default; the pool keeps one worker warm


def test_default_dispatch_is_inline(server, make_server):
    if "--dispatch" in os.environ.get("SPASM_SERVE_TEST_ARGS", ""):
        pytest.skip("SPASM_SERVE_TEST_ARGS chooses the dispatch")
    sv = server.stats()["server"]
    assert sv["dispatch"] == "inline" and sv["worker_requests"] == []
    assert server.get("/search?q=calf")[0] == 200
    sv = make_server("--dispatch", "pool").stats()["server"]
    assert sv["dispatch"] == "pool" and sv["worker_requests"] == [0, 0]


def test_pool_sends_sequential_requests_to_one_worker(make_server):
    # the worker that went idle last takes the next request, so one client
    # at a time is served by one searcher with warm caches (before: the
    # workers took turns)
    s = make_server("--dispatch", "pool", "--threads", "3")
    c = s.conn()
    for q in ["calf", "night", "cramp", "muscle", "spasm", "renal colic"] * 4:
        assert s.get("/search?q=" + Q(q), conn=c)[0] == 200
        assert s.get("/documents/nope", conn=c)[0] == 404
    c.close()
    assert sorted(s.stats()["server"]["worker_requests"]) == [0, 0, 48]
