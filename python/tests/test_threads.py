"""Threads searching one spasm.Index at once (the GIL released, one
searcher per call from the Index's pool) get exactly what one thread gets."""
import pathlib
import threading

import pytest

import spasm

QUERIES = [
    ("night calf cramps", {}), ("renal colic", {"k": 3}), ('"muscle spasm"', {"explain": True}),
    ("dehydrat* OR magnesium", {"k": 20}), ("cramp -menstrual", {"group": "doc"}),
    ("calf NEAR/5 night", {}), ("(cramp OR spasm) AND night", {"collapse": True}),
    ("muscle", {"k": 7, "offset": 5}), ("the cramps", {"keep_stopwords": True}),
    ("spasm", {"k1": 0.9, "b": 0.3, "fields": "id"}), ("heat exhaustion water", {"snippet_bytes": 60}),
    ("a*", {"k": 50}), ("smooth muscle ureter kidney", {"k": 15, "collapse": True}),
]
WIKI_QUERIES = ["anarchism history", "city population census", "war of independence",
                "river valley", "album released band", "univers* OR college", '"united states"',
                "football club league", "species genus famil*", "king NEAR/3 england"]


def fingerprint(r):
    """Everything a search returned, floats bit for bit."""
    return (r.total, r.flags, r.notes, tuple(
        (h.rank, h.doc, h.passage, h.ordinal, h.score.hex(), h.title, h.text, tuple(h.highlights),
         h.snippet, h.explain, tuple((d.doc, d.passage, d.score.hex()) for d in h.also_in))
        for h in r))


def run_threads(index, work, nthreads, rounds):
    """Each thread runs `work` `rounds` times, starting at a different item."""
    barrier = threading.Barrier(nthreads)
    out = [None] * nthreads
    errors = []

    def body(t):
        try:
            barrier.wait()
            got = {}
            for r in range(rounds):
                for i in range(len(work)):
                    j = (i + t + r) % len(work)
                    q, kw = work[j]
                    got.setdefault(j, set()).add(fingerprint(index.search(q, **kw)))
            out[t] = got
        except BaseException as e:  # reported below
            errors.append(e)

    ts = [threading.Thread(target=body, args=(t,)) for t in range(nthreads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors, errors
    return out


def check(index, work, rounds):
    one = {j: fingerprint(index.search(q, **kw)) for j, (q, kw) in enumerate(work)}
    for got in run_threads(index, work, 8, rounds):
        assert got == {j: {fp} for j, fp in one.items()}


def test_eight_threads_on_the_corpus(ix):
    check(ix, QUERIES, rounds=20)


WIKI = pathlib.Path("/work/data/wiki60k.spx")


@pytest.mark.skipif(not WIKI.exists(), reason="no wiki60k.spx on this machine")
def test_eight_threads_on_wikipedia():
    with spasm.Index(WIKI) as index:
        check(index, [(q, {"k": 100}) for q in WIKI_QUERIES] +
              [(q, {"k": 10, "collapse": True}) for q in WIKI_QUERIES], rounds=3)


def test_lookups_from_threads(ix):
    want = [ix.get_passage(p).text for p in range(ix.stats()["passages"])]
    res = []

    def body():
        res.append([ix.get_passage(p).text for p in range(len(want))] == want and
                   ix.count("cramp") == ix.count("cramp"))

    ts = [threading.Thread(target=body) for _ in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert res == [True] * 8


def test_close_while_searching_does_not_crash(corpus_index):
    """close() from one thread while another is inside a search raises
    RuntimeError instead of freeing what the search uses; the search
    after a close that went through is a ValueError, not a crash."""
    index = spasm.Index(corpus_index)
    stop = threading.Event()
    seen = []

    def body():
        while not stop.is_set():
            try:
                index.search("a* OR b* OR c*", k=1000)
            except ValueError as e:
                seen.append(str(e))
                return

    t = threading.Thread(target=body)
    t.start()
    refused = 0
    for _ in range(2000):
        try:
            index.close()
            break
        except RuntimeError:
            refused += 1
    stop.set()
    t.join()
    index.close()
    assert index.closed and set(seen) <= {"the index is closed"}
