"""spasm-serve's write endpoints over a live index: POST /documents (JSON
Lines, upsert by id), DELETE /documents/ID, commits grouped by the writer
thread, searches that see each published generation, and SIGTERM with
writes queued.  Refusals (403, 401, 400, 413) are in test_api.py.  Every
wait is bounded; no assertion on time."""

import json
import os
import shutil
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from conftest import INDEX, SEARCH, SERVE, WAIT, Server


def post(s, docs, headers=None):
    """POST docs (a list of dicts) as JSON Lines: (status, parsed body)."""
    body = "".join(json.dumps(d) + "\n" for d in docs).encode()
    st, _, data = s.request("POST", "/documents", body=body, headers=headers)
    return st, json.loads(data)


def search(s, q, **args):
    qs = "&".join("%s=%s" % kv for kv in args.items())
    st, _, body = s.get("/search?q=%s%s" % (q, "&" + qs if qs else ""))
    assert st == 200, body
    return body


def test_format1_file_becomes_a_live_folder(make_server, writable_index):
    s = make_server("--writable", index=writable_index)
    assert "turned into a live index folder" in s.err.decode()
    assert os.path.isdir(writable_index)
    st = s.stats()
    assert st["index"]["format_version"] == 2 and st["index"]["generation"] == 1
    assert st["server"]["writable"] is True and st["server"]["commits"] == 0
    # the corpus is searched as before
    assert search(s, "night+calf+cramps", k=1)["hits"][0]["doc"] == "002_d8b5a69b0f81f7af"


def test_post_search_replace_delete(make_server, writable_index):
    s = make_server("--writable", index=writable_index)
    assert search(s, "quokka")["total"] == 0
    st, body = post(s, [{"id": "q1", "title": "Quokka", "text": "The quokka smiles at night."},
                        {"_id": "q2", "text": "A second quokka."}])
    assert st == 200, body
    assert body == {"committed": 2, "documents": 2, "deleted": 0, "unknown_deletes": 0}
    r = search(s, "quokka")
    assert r["generation"] == 2 and r["total"] == 2
    assert {h["doc"] for h in r["hits"]} == {"q1", "q2"}
    st, _, d = s.get("/documents/q1")
    assert st == 200 and d["title"] == "Quokka" and d["passages"][0]["text"].startswith("The")
    # an upsert of q1 replaces it: the old text is gone
    st, body = post(s, [{"id": "q1", "title": "Wombat", "text": "Now a wombat digs."}])
    assert st == 200 and body["committed"] == 3 and body["documents"] == 1
    assert {h["doc"] for h in search(s, "quokka")["hits"]} == {"q2"}
    assert [h["doc"] for h in search(s, "wombat")["hits"]] == ["q1"]
    assert s.get("/documents/q1")[2]["title"] == "Wombat"
    # DELETE, then it is not found; a second DELETE is an unknown delete
    st, _, data = s.request("DELETE", "/documents/q2")
    assert st == 200 and json.loads(data) == {"committed": 4, "documents": 0, "deleted": 1,
                                              "unknown_deletes": 0}
    assert search(s, "quokka")["total"] == 0
    st, _, d = s.get("/documents/q2")
    assert st == 404
    st, _, data = s.request("DELETE", "/documents/q2")
    body = json.loads(data)
    assert st == 200 and body["deleted"] == 0 and body["unknown_deletes"] == 1
    # a corpus document can be deleted too
    st, _, data = s.request("DELETE", "/documents/xss-1")
    assert st == 200 and json.loads(data)["deleted"] == 1
    assert search(s, "zebrafish")["total"] == 0
    st = s.stats()
    assert st["index"]["generation"] == 6 and st["server"]["commits"] == 5
    rc, err = s.stop()
    assert rc == 0, err
    # what was committed is in the folder for every reader
    p = subprocess.run([SEARCH, "-i", writable_index, "--format", "json", "wombat"],
                       capture_output=True, timeout=WAIT)
    assert [json.loads(x)["doc"] for x in p.stdout.decode().splitlines()] == ["q1"]


def test_burst_is_one_commit(make_server, writable_index, tmp_path):
    hold = tmp_path / "hold"
    hold.write_text("")
    s = make_server("--writable", index=writable_index, env={"SPASM_SERVE_TEST_HOLD": str(hold)})
    n = 20

    def one(i):
        return post(s, [{"id": "b%d" % i, "text": "burst document number %d" % i}])

    with ThreadPoolExecutor(n) as ex:
        futs = [ex.submit(one, i) for i in range(n)]
        s.wait_stat("writes_queued", n)  # all queued while the writer is held
        hold.unlink()
        answers = [f.result(timeout=WAIT) for f in futs]
    assert all(st == 200 for st, _ in answers), answers
    gens = {b["committed"] for _, b in answers}
    assert len(gens) == 1  # one batch, one commit
    assert s.stats()["server"]["commits"] == 1 < n
    assert search(s, "burst", k=50)["total"] == n


def test_searches_during_writes_see_whole_commits(make_server, writable_index):
    """Each search answers from one generation: the number of documents
    holding "kangaroo" it finds is exactly what the commits up to its
    generation added; none fails."""
    s = make_server("--writable", index=writable_index)
    committed = {}  # generation -> documents added by that commit
    seen = []
    errors = []
    done = threading.Event()

    def writer():
        try:
            for i in range(30):
                docs = [{"id": "k%d-%d" % (i, j), "text": "kangaroo %d %d" % (i, j)}
                        for j in range(i % 3 + 1)]
                st, body = post(s, docs)
                if st != 200:
                    errors.append(body)
                    return
                committed[body["committed"]] = len(docs)
        finally:
            done.set()

    def reader():
        while True:  # at least once, then until the writer is done
            st, _, body = s.get("/search?q=kangaroo&k=1")
            if st != 200:
                errors.append(body)
                return
            seen.append((body["generation"], body["total"]))
            if done.is_set():
                return

    ts = [threading.Thread(target=writer)] + [threading.Thread(target=reader) for _ in range(3)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(WAIT)
    assert not errors, errors
    assert len(committed) == 30 and seen
    for gen, total in seen:
        assert total == sum(n for g, n in committed.items() if g <= gen), (gen, total)
    # after the last answer, a search sees the last commit
    last = search(s, "kangaroo")
    assert last["generation"] == max(committed) and last["total"] == sum(committed.values())


def test_second_writer_refused_at_start(make_server, writable_index):
    make_server("--writable", index=writable_index)
    p = subprocess.run([SERVE, "-i", writable_index, "--listen", "127.0.0.1:0", "--writable"],
                       capture_output=True, timeout=WAIT)
    err = p.stderr.decode()
    assert p.returncode == 2 and err.count("\n") == 1
    assert "--writable" in err and "locked by another updater" in err
    # a reader beside the writer is fine
    r = make_server(index=writable_index)
    assert r.stats()["index"]["format_version"] == 2


def test_writable_needs_an_index_and_creates_one(make_server, tmp_path):
    p = subprocess.run([SERVE, "--listen", "127.0.0.1:0", "--writable"], capture_output=True,
                       timeout=WAIT, env={k: v for k, v in os.environ.items()
                                          if k != "SPASM_INDEX"})
    assert p.returncode == 2 and b"--writable needs -i INDEX" in p.stderr
    new = str(tmp_path / "new.spx")
    s = make_server("--writable", index=new)
    assert "created an empty live index folder" in s.err.decode()
    assert search(s, "anything")["total"] == 0
    assert post(s, [{"id": "a", "text": "platypus"}])[0] == 200
    assert search(s, "platypus")["hits"][0]["doc"] == "a"


def test_sigterm_commits_queued_writes(writable_index, tmp_path):
    hold = tmp_path / "hold"
    hold.write_text("")
    s = Server(str(tmp_path), writable_index, ["--writable"],
               env={"SPASM_SERVE_TEST_HOLD": str(hold)})
    with ThreadPoolExecutor(3) as ex:
        futs = [ex.submit(post, s, [{"id": "t%d" % i, "text": "echidna %d" % i}])
                for i in range(3)]
        s.wait_stat("writes_queued", 3)
        s.proc.send_signal(signal.SIGTERM)  # the hold ends with the drain
        answers = [f.result(timeout=WAIT) for f in futs]
    rc, err = s.stop()
    assert rc == 0, err
    assert all(st == 200 for st, _ in answers), answers
    p = subprocess.run([SEARCH, "-i", writable_index, "--format", "json", "-k", "10", "echidna"],
                       capture_output=True, timeout=WAIT)
    assert sorted(json.loads(x)["doc"] for x in p.stdout.decode().splitlines()) == \
        ["t0", "t1", "t2"]


def test_failed_commit_is_500_and_the_server_goes_on(make_server, writable_index):
    s = make_server("--writable", index=writable_index)
    assert post(s, [{"id": "a", "text": "numbat"}])[0] == 200
    shutil.rmtree(writable_index)  # the folder goes away under the writer
    st, body = post(s, [{"id": "b", "text": "bilby"}])
    assert st == 500 and "the commit failed" in body["error"], body
    assert s.stats()["server"]["commits_failed"] == 1
    assert s.get("/healthz")[0] == 200
    # searches go on from the generation they had
    assert search(s, "numbat")["total"] == 1


def test_read_only_server_follows_external_updates(make_server, writable_index, tmp_path):
    """Without --writable, a commit by another process (spasm-index
    --update, which here also turns the file into a folder) is picked up
    (checked each second; the wait is bounded, not asserted)."""
    s = make_server(index=writable_index)
    assert search(s, "platypus")["total"] == 0
    new = tmp_path / "new.jsonl"
    new.write_text(json.dumps({"id": "p1", "text": "platypus eggs"}) + "\n")
    subprocess.run([INDEX, "-q", "--update", "-o", writable_index, str(new)], check=True,
                   timeout=WAIT)
    for _ in range(WAIT * 20):
        r = search(s, "platypus")
        if r["total"]:
            break
        time.sleep(0.05)
    assert r["total"] == 1 and r["hits"][0]["doc"] == "p1" and r["generation"] == 2
