"""spasm.Writer: documents in, options, the context manager, warnings."""
import os
import threading

import pytest

import spasm


def leftovers(folder):
    return [p.name for p in folder.iterdir() if ".tmp-" in p.name]


def test_readme_example(tmp_path, notes, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with spasm.Writer("notes.spx") as w:
        w.add("n1", "Cramps", "Night cramps in the calf ...")
        w.add_path("notes/")
    ix = spasm.Index("notes.spx")
    hits = ix.search("night calf cramps", k=5)
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert hits[0].doc in ("n1", "calf")
    assert {h.doc for h in hits} >= {"n1", "calf", "j1"}
    h = [h for h in hits if h.doc == "n1"][0]
    assert h.title == "Cramps" and h.text == "Night cramps in the calf ..."
    assert [h.text[s:e] for s, e in h.highlights] == ["Night", "cramps", "calf"]
    assert isinstance(h.score, float) and h.score > 0
    assert w.committed and w.stats()["documents"] == 5


def test_commit_on_success_abandon_on_exception(tmp_path):
    target = tmp_path / "x.spx"
    with pytest.raises(RuntimeError, match="boom"):
        with spasm.Writer(target) as w:
            w.add("a", None, "some words here")
            raise RuntimeError("boom")
    assert not target.exists()
    assert leftovers(tmp_path) == []
    assert not w.committed
    with pytest.raises(ValueError, match="abandoned"):
        w.add("b", None, "more")
    with spasm.Writer(target) as w:
        w.add("a", None, "some words here")
    assert target.exists() and leftovers(tmp_path) == []
    assert spasm.Index(target).stats()["documents"] == 1


def test_failed_commit_raises_and_replaces_nothing(tmp_path):
    target = tmp_path / "e.spx"
    with pytest.raises(spasm.EmptyError) as e:
        with spasm.Writer(target) as w:
            pass
    assert e.value.code == spasm.EEMPTY and e.value.message == str(e.value)
    assert not target.exists() and leftovers(tmp_path) == []


def test_add_passages_keeps_the_split(tmp_path):
    p = tmp_path / "p.spx"
    with spasm.Writer(p) as w:
        w.add_passages("d", "T", ["one two", "three four", b"five \xffsix"])
    ix = spasm.Index(p)
    r = ix.doc_passages("d")
    assert len(r) == 3
    assert [ix.get_passage(i).text for i in r] == ["one two", "three four", "five \ufffdsix"]
    assert ix.get_passage(r[2]).ordinal == 2


def test_add_file_pipe_and_file_objects(tmp_path):
    p = tmp_path / "f.spx"
    rd, wr = os.pipe()
    os.write(wr, b'{"id": "p1", "text": "piped words"}\n')
    os.close(wr)
    (tmp_path / "plain").write_text("Some text without a title line, alone.")
    with spasm.Writer(p) as w:
        w.add_file(rd, name="stdin")
        os.close(rd)
        with open(tmp_path / "plain", "rb") as f:
            w.add_file(f, format="text")
    ix = spasm.Index(p)
    assert ix.search("piped")[0].doc == "p1"
    assert ix.search("alone")[0].doc == "plain"
    with pytest.raises(spasm.ArgumentError, match="format"):
        spasm.Writer(tmp_path / "g.spx").add_file(0, format="xml")


def test_options_are_stored_and_checked(tmp_path):
    p = tmp_path / "o.spx"
    with spasm.Writer(p, k1=1.1, b=0.3, no_stopwords=True, memory_mb=64, threads=1) as w:
        w.add("a", None, "the cat sat on the mat")
    st = spasm.Index(p).stats()
    assert (st["k1"], st["b"]) == (1.1, 0.3)
    with pytest.raises(spasm.ArgumentError, match="k1"):
        spasm.Writer(tmp_path / "bad.spx", k1=-2)
    with pytest.raises(spasm.ArgumentError, match="b "):
        spasm.Writer(tmp_path / "bad.spx", b=1.5)


def test_threads_give_the_same_bytes(tmp_path, corpus_index):
    from conftest import CORPUS
    outs = []
    for n in (1, 3):
        p = tmp_path / f"t{n}.spx"
        with spasm.Writer(p, threads=n) as w:
            w.add_path(CORPUS)
        outs.append(p.read_bytes())
    assert outs[0] == outs[1] == corpus_index.read_bytes()


def test_force_replaces_a_file_that_is_not_an_index(tmp_path):
    victim = tmp_path / "notes.txt"
    victim.write_text("precious")
    with pytest.raises(spasm.ArgumentError, match="not a spasm index"):
        spasm.Writer(victim)
    assert victim.read_text() == "precious"
    with spasm.Writer(victim, force=True) as w:
        w.add("a", None, "words")
    assert spasm.Index(victim).stats()["documents"] == 1


def test_warnings_are_kept_and_reported(tmp_path, notes):
    (notes / "blob.txt").write_bytes(b"abc\0def")
    (notes / "photo.png").write_bytes(b"\x89PNG")
    seen = []
    with spasm.Writer(tmp_path / "w.spx", on_warning=seen.append) as w:
        w.add_path(notes)
    assert w.stats()["skipped_files"] == 2
    assert len(w.warnings) == 2 and seen == w.warnings
    assert any("blob.txt: binary file" in m for m in w.warnings)


def test_bad_input_named_directly_is_an_error(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "fine"}\n{"id": "b", "text": \n')
    w = spasm.Writer(tmp_path / "b.spx")
    with pytest.raises(spasm.InputError) as e:
        w.add_path(bad)
        w.commit()  # a worker thread may find the bad line only now
    assert "bad.jsonl:2" in str(e.value) and e.value.code == spasm.EINPUT
    with pytest.raises((spasm.InputError, ValueError)):  # sticky, or abandoned by commit
        w.add("c", None, "x")
    w.abandon()
    with pytest.raises(spasm.FileError) as e:
        spasm.Writer(tmp_path / "b.spx").add_path(tmp_path / "missing")
    assert "missing" in str(e.value) and isinstance(e.value, OSError)


def test_errors_are_sticky(tmp_path):
    w = spasm.Writer(tmp_path / "s.spx")
    with pytest.raises(spasm.ArgumentError) as e:
        w.add("", None, "text")
    with pytest.raises(spasm.ArgumentError) as e2:
        w.add("fine", None, "text")
    assert e.value.message == e2.value.message
    with pytest.raises(spasm.ArgumentError):
        w.commit()
    assert not (tmp_path / "s.spx").exists()


def test_bad_arguments():
    w = spasm.Writer("/tmp/never-committed.spx")
    with pytest.raises(TypeError):
        w.add("a", None, 5)
    with pytest.raises(ValueError, match="NUL"):
        w.add("a\0b", None, "x")
    w.abandon()
    assert not os.path.exists("/tmp/never-committed.spx")


def test_cancel_from_another_thread_releases_a_blocked_read(tmp_path):
    """add_file on a pipe that never gets data blocks inside the library:
    only with the GIL released can this thread run and cancel it."""
    rd, wr = os.pipe()
    w = spasm.Writer(tmp_path / "c.spx")
    got = []

    def work():
        try:
            w.add_file(rd, name="silent pipe")
        except spasm.Error as e:
            got.append(e)

    t = threading.Thread(target=work)
    t.start()
    w.cancel()
    t.join(120)  # a guard against a hang, not a timing
    assert not t.is_alive()
    os.close(rd)
    os.close(wr)
    assert len(got) == 1 and isinstance(got[0], spasm.CanceledError)
    w.abandon()
    assert leftovers(tmp_path) == []


def test_html_and_markdown_through_add_path(tmp_path):
    d = tmp_path / "site"
    d.mkdir()
    (d / "page.html").write_text(
        "<html><head><title>Caf&eacute; page</title><script>hidden()</script></head>"
        "<body><nav>Menu</nav><h1>Top</h1><p>Espresso &amp; milk.</p></body></html>")
    (d / "note.md").write_text("# Note title\n\nSome *espresso* notes.\n")
    with spasm.Writer(tmp_path / "s.spx") as w:
        w.add_path(d)
    ix = spasm.Index(tmp_path / "s.spx")
    hits = {h.doc: h for h in ix.search("espresso")}
    assert hits["page"].title == "Café page" and hits["page"].text == "Top\n\nEspresso & milk."
    assert hits["note"].title == "Note title"
    assert ix.count("menu") == 0 and ix.count("hidden") == 0
    assert w.warnings == []


def test_variants_option(tmp_path):
    """variants=True (the default) folds anaemia into anemia; False keeps them apart."""
    for variants, want in ((True, 1), (False, 0)):
        p = tmp_path / f"v{int(variants)}.spx"
        with spasm.Writer(str(p), variants=variants) as w:
            w.add("a", "", "Anaemia is a lack of red blood cells.")
        with spasm.Index(str(p)) as ix:
            assert ix.count("anemia") == want
            assert ix.count("anaemia") == 1
    u_path = tmp_path / "live"
    with spasm.Updater(str(u_path), variants=False) as u:
        u.add("a", "", "Anaemia again.")
    with spasm.Index(str(u_path)) as ix:
        assert ix.count("anemia") == 0
    with pytest.raises(spasm.ArgumentError):
        spasm.Updater(str(u_path), variants=True)  # the folder keeps its own
