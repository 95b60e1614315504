"""spasm.Index: search options, results, lookups, verify, errors."""
import inspect
import json
import shutil
import subprocess

import pytest

import spasm


def cli_json(build_dir, corpus_index, *args):
    out = subprocess.run(
        [str(build_dir / "bin" / "spasm-search"), "-i", str(corpus_index), "--format", "json", *args],
        capture_output=True, check=True,
    ).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def char_span(text, start, end):
    """spasm-search's byte offsets into text as str indices."""
    b = text.encode()
    return len(b[:start].decode()), len(b[:end].decode())


@pytest.mark.parametrize("args,kw", [
    (["-k", "10", "night calf cramps"], dict(k=10)),
    (["-k", "5", "--offset", "3", "--group", "doc", "muscle"], dict(k=5, offset=3, group="doc")),
    (["-k", "4", "--collapse", "night calf cramps"], dict(k=4, collapse=True)),
    (["-k", "3", "--k1", "0.9", "--b", "0.3", '"renal colic" OR dehydrat*'], dict(k=3, k1=0.9, b=0.3)),
    (["-k", "5", "--title-weight", "3", "--proximity", "0.25", "night calf cramps"],
     dict(k=5, title_weight=3, proximity=0.25)),
    (["-k", "5", "--families", "pregnant cramps"], dict(k=5, families=True)),
    (["-k", "3", "--typos", "musle spasm"], dict(k=3, typos=True)),
    (["-k", "3", "--exact", "musle spasm"], dict(k=3, typos=False)),
])
def test_same_as_spasm_search(ix, build_dir, corpus_index, args, kw):
    """Every field of every hit is what spasm-search --format json prints."""
    want = cli_json(build_dir, corpus_index, *args)
    got = ix.search(args[-1], **kw)
    assert len(got) == len(want) > 0
    for h, j in zip(got, want):
        assert (h.rank, h.doc, h.score, h.title, h.text) == (j["rank"], j["doc"], j["score"], j["title"], j["text"])
        assert h.ordinal + 1 == j["passage"]
        assert h.highlights == [char_span(j["text"], s, e) for s, e in j["highlights"]]
        assert h.snippet == char_span(j["text"], j["snippet"]["start"], j["snippet"]["end"])
        assert [(d.doc, d.ordinal + 1, d.score) for d in h.also_in] == \
            [(d["doc"], d["passage"], d["score"]) for d in j["also_in"]]


def test_typos_suggestion_and_options(ix):
    assert ix.search("musle spasm", typos=True).suggestion == "muscle spasm"
    assert ix.search("musle spasm").suggestion == ""  # the library's default: off
    assert ix.search("musle spasm", typos=False).suggestion == ""
    with pytest.raises(spasm.ArgumentError):
        ix.search("calf", title_weight=0)
    with pytest.raises(spasm.ArgumentError):
        ix.search("calf", proximity=-1)
    assert len(ix.search("calf", synonyms=False)) == len(ix.search("calf"))


def test_results_sequence_and_counts(ix):
    r = ix.search("cramp", k=5)
    assert len(r) == 5 and r[0] is r.hits[0] and r[-1].rank == 5
    assert [h.rank for h in r[1:3]] == [2, 3] and list(r) == r.hits
    assert r.total >= 5 and r.flags == 0 and r.notes == "" and not r.expansion_cut
    assert ix.count("cramp") >= r.total
    scores = [h.score for h in r]
    assert scores == sorted(scores, reverse=True)


def test_paging(ix):
    whole = ix.search("muscle", k=12)
    pages = ix.search("muscle", k=6) .hits + ix.search("muscle", k=6, offset=6).hits
    assert [(h.rank, h.passage, h.score) for h in pages] == [(h.rank, h.passage, h.score) for h in whole]


def test_group_doc_one_hit_per_document(ix):
    r = ix.search("muscle spasm", k=10, group="doc")
    assert len({h.doc for h in r}) == len(r) == ix.stats()["documents"]
    with pytest.raises(spasm.ArgumentError, match="group"):
        ix.search("muscle", group="sentence")


def test_fields(ix):
    full = ix.search("cramp", k=3)
    for f in (spasm.FIELD_ID, "id", ["id"]):
        ids = ix.search("cramp", k=3, fields=f)
        assert [(h.doc, h.score) for h in ids] == [(h.doc, h.score) for h in full]
        assert all(h.text == "" and h.title == "" and h.highlights == [] for h in ids)
    t = ix.search("cramp", k=3, fields="id,title")
    assert [h.title for h in t] == [h.title for h in full] and t[0].text == ""
    with pytest.raises(ValueError, match="fields"):
        ix.search("cramp", fields="colour")


def test_explain_and_snippet(ix):
    h = ix.search("night calf cramps", k=1, explain=True)[0]
    assert h.explain.startswith(f"{h.score:.6f} = sum of:")
    assert ix.search("night calf cramps", k=1)[0].explain is None
    long = [x for x in ix.search("muscle", k=20) if len(x.text.encode()) > 400][0]
    short = ix.search("muscle", k=20, snippet_bytes=80)
    s = [x for x in short if x.passage == long.passage][0]
    assert len(s.snippet_text) < len(long.snippet_text) and s.snippet_text in s.text


def test_keep_stopwords_and_bm25(ix):
    a = ix.search("the cramps", k=5)
    b = ix.search("the cramps", k=5, keep_stopwords=True)
    assert [h.score for h in a] != [h.score for h in b]
    c = ix.search("cramps", k=5, k1=2.0, b=0.75)
    assert [h.score for h in c] != [h.score for h in ix.search("cramps", k=5)]


def test_unicode_highlights(tmp_path):
    p = tmp_path / "u.spx"
    with spasm.Writer(p) as w:
        w.add("u", "Crème", "Naïve œuvre: the café’s crème brûlée, then a CAFÉ again.")
    h = spasm.Index(p).search("cafe creme")[0]
    assert [h.text[s:e] for s, e in h.highlights] == ["café’s", "crème", "CAFÉ"]


def test_lookups(ix):
    d = ix.find_doc("002_d8b5a69b0f81f7af")
    r = ix.doc_passages(d)
    assert r == ix.doc_passages("002_d8b5a69b0f81f7af") and len(r) > 1
    p = ix.get_passage(r[1])
    assert (p.doc, p.doc_number, p.ordinal, p.rank, p.score) == ("002_d8b5a69b0f81f7af", d, 1, None, None)
    hit = ix.search("night calf cramps", k=1)[0]
    assert ix.get_passage(hit.passage).text == hit.text
    with pytest.raises(spasm.NotFoundError) as e:
        ix.find_doc("nope")
    assert isinstance(e.value, LookupError) and e.value.code == spasm.ENOTFOUND
    n = ix.stats()["passages"]
    for bad in (n, 2**40):
        with pytest.raises(spasm.NotFoundError):
            ix.get_passage(bad)
    with pytest.raises(spasm.NotFoundError):
        ix.doc_passages(ix.stats()["documents"])


def test_query_errors_carry_the_message(ix):
    with pytest.raises(spasm.QueryError) as e:
        ix.search("calf NEAR/0 night")
    assert "NEAR" in str(e.value) and isinstance(e.value, ValueError)
    with pytest.raises(spasm.QueryError, match="empty query"):
        ix.count("")
    with pytest.raises(spasm.ArgumentError, match="k1"):
        ix.search("calf", k1=float("nan"))
    with pytest.raises(spasm.ArgumentError):
        ix.search("calf", k=0)
    with pytest.raises(spasm.ArgumentError, match="k"):
        ix.search("calf", k=spasm.MAX_K + 1)
    assert ix.search("calf", k=2)[0].doc  # the searcher recovered


def test_stats(ix, corpus_index):
    st = ix.stats()
    assert (st["documents"], st["passages"]) == (5, 66)
    # format_version says a file (1), not a live folder (2); the file's own
    # header holds the file format spasm writes, FORMAT_VERSION
    assert st["file_bytes"] == corpus_index.stat().st_size and st["format_version"] == 1
    assert corpus_index.read_bytes()[8:12] == spasm.FORMAT_VERSION.to_bytes(4, "little")
    assert (st["k1"], st["b"]) == (1.4, 0.6)


def test_open_errors_and_verify(tmp_path, corpus_index):
    with pytest.raises(spasm.FileError, match="cannot open"):
        spasm.Index(tmp_path / "absent.spx")
    (tmp_path / "junk.spx").write_bytes(b"not an index at all" * 100)
    with pytest.raises(spasm.CorruptError):
        spasm.Index(tmp_path / "junk.spx")
    data = bytearray(corpus_index.read_bytes())
    (tmp_path / "short.spx").write_bytes(data[: len(data) // 2])
    with pytest.raises(spasm.CorruptError, match="truncated|size"):
        spasm.Index(tmp_path / "short.spx")
    data[len(data) // 2] ^= 0xFF  # in the stored text, checked lazily
    bad = tmp_path / "flipped.spx"
    bad.write_bytes(bytes(data))
    ix = spasm.Index(bad)
    with pytest.raises(spasm.CorruptError) as e:
        ix.verify()
    assert e.value.code == spasm.ECORRUPT and "checksum" in str(e.value)
    with pytest.raises(spasm.CorruptError):
        spasm.Index(bad, verify=True)
    good = tmp_path / "good.spx"
    shutil.copy(corpus_index, good)
    assert spasm.Index(good, verify=True).verify() is None


def test_close(corpus_index):
    with spasm.Index(corpus_index) as ix:
        r = ix.search("cramp", k=2)
    assert ix.closed and "closed" in repr(ix)
    assert r[0].text  # results outlive the index
    with pytest.raises(ValueError, match="closed"):
        ix.search("cramp")
    ix.close()  # again: a no-op


def test_docstrings_and_signature():
    sig = inspect.signature(spasm.Index.search)
    assert list(sig.parameters)[1:] == ["query", "k", "offset", "group", "fields", "collapse",
                                        "explain", "keep_stopwords", "k1", "b", "snippet_bytes",
                                        "typos", "title_weight", "proximity", "families",
                                        "synonyms"]
    assert "offset" in spasm.Index.search.__doc__ and "GIL" in spasm.Index.search.__doc__
    for cls in (spasm.Writer, spasm.Index):
        for name, m in vars(cls).items():
            if not name.startswith("_"):
                assert m.__doc__, f"{cls.__name__}.{name} has no docstring"


def test_stub_lists_the_whole_api():
    import ast
    import pathlib
    stub = ast.parse((pathlib.Path(spasm.__file__).parent / "__init__.pyi").read_text())
    names = {n.name: n for n in stub.body if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
    names.update({t.target.id: t for t in stub.body if isinstance(t, ast.AnnAssign)})
    assert set(spasm.__all__) <= set(names)
    for cls in (spasm.Writer, spasm.Index, spasm.Hit, spasm.Results):
        stubbed = {f.name for f in names[cls.__name__].body if isinstance(f, ast.FunctionDef)}
        public = {n for n in vars(cls) if not n.startswith("_")}
        assert public <= stubbed, f"{cls.__name__}: {public - stubbed} not in the stub"


def test_error_hierarchy():
    subs = [spasm.OutOfMemoryError, spasm.FileError, spasm.CorruptError, spasm.VersionError,
            spasm.ArgumentError, spasm.InputError, spasm.QueryError, spasm.NotFoundError,
            spasm.EmptyError, spasm.CanceledError]
    assert all(issubclass(c, spasm.Error) for c in subs) and len(set(subs)) == 10
    assert spasm.errstr(spasm.ENOMEM) == "out of memory"
    assert spasm.version() == spasm.__version__


def test_synonym_file_at_open(tmp_path):
    """Index(synonyms=FILE): every search uses the file's rules (not stored
    in the index), synonyms=False turns them off, a bad line is named."""
    p = tmp_path / "doc.spx"
    with spasm.Writer(p) as w:
        w.add("d1", None, "the physician examined the patient")
        w.add("d2", None, "a doctor came at night")
    syn = tmp_path / "syn.txt"
    syn.write_text("# doctors\ndoctor, physician\n")
    plain = spasm.Index(p)
    assert [h.doc for h in plain.search("physician")] == ["d1"]
    with spasm.Index(p, synonyms=syn) as ix:
        hits = ix.search("physician")
        assert [h.doc for h in hits] == ["d1", "d2"]
        assert hits[0].score > hits[1].score  # the alternative weighs less
        assert [h.doc for h in ix.search("physician", synonyms=False)] == ["d1"]
        assert [h.doc for h in ix.search("doctor")] == ["d2", "d1"]
    bad = tmp_path / "bad.txt"
    bad.write_text("doctor, physician\n, nurse\n")
    with pytest.raises(spasm.QueryError, match="bad.txt:2"):
        spasm.Index(p, synonyms=bad)
    with pytest.raises(spasm.FileError):
        spasm.Index(p, synonyms=tmp_path / "missing.txt")
