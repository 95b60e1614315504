"""spasm.Updater, live folders, Index.refresh(), shards (a list of paths)."""
import pytest

import spasm

DOCS = [
    ("a", "Alpha", "the calf cramp at night"),
    ("b", "Beta", "a stiff neck after driving"),
    ("c", "Gamma", "calf muscles and running shoes"),
    ("d", "Delta", "night owls and morning larks"),
]



def hit_ids(ix, q, k=10):
    return sorted(h.doc for h in ix.search(q, k=k))


@pytest.fixture
def live(tmp_path):
    p = tmp_path / "live"
    with spasm.Updater(p) as u:
        for d in DOCS:
            u.add(*d)
    return p


def test_updater_context_commits(live):
    with spasm.Index(live) as ix:
        st = ix.stats()
        assert st["documents"] == 4
        assert st["format_version"] == 2
        assert st["generation"] >= 1 and st["segments"] >= 1
        assert ix.notes == ""


def test_upsert_replaces(live):
    with spasm.Updater(live) as u:
        u.add("a", "Alpha2", "penguins on the ice")
    with spasm.Index(live) as ix:
        assert ix.stats()["documents"] == 4
        assert hit_ids(ix, "penguins") == ["a"]
        assert hit_ids(ix, "calf") == ["c"]
        assert ix.stats()["deleted_documents"] == 1


def test_delete_removes(live):
    with spasm.Updater(live) as u:
        u.delete("c")
        u.delete("zz")
    st = u.stats()  # counted at commit, kept after close
    assert st["deleted"] == 1 and st["unknown_deletes"] == 1
    with spasm.Index(live) as ix:
        assert hit_ids(ix, "calf") == ["a"]
        assert ix.stats()["documents"] == 3


def test_delete_all_and_passages(live):
    with spasm.Updater(live) as u:
        u.delete_all()
        u.add_passages("p", "P", ["first walrus", "second walrus"])
    with spasm.Index(live) as ix:
        assert ix.stats()["documents"] == 1
        assert ix.stats()["passages"] == 2
        assert ix.count("calf") == 0


def test_exception_drops_changes(live):
    with pytest.raises(RuntimeError):
        with spasm.Updater(live) as u:
            u.add("z", "Z", "zebra")
            raise RuntimeError("boom")
    assert u.closed
    with spasm.Index(live) as ix:
        assert ix.count("zebra") == 0


def test_refresh_sees_new_commit_old_index_keeps_old(live):
    old = spasm.Index(live)
    assert old.refresh() is None
    g = old.stats()["generation"]
    u = spasm.Updater(live)
    u.add("e", "Epsilon", "zebra crossing")
    u.delete("b")
    u.commit()
    new = old.refresh()
    assert new is not None
    assert new.stats()["generation"] > g
    assert hit_ids(new, "zebra") == ["e"]
    assert new.count("neck") == 0
    assert old.count("zebra") == 0
    assert hit_ids(old, "neck") == ["b"]
    assert new.refresh() is None
    u.close()
    new.close()
    old.close()


def test_second_updater_busy(live):
    with spasm.Updater(live) as u:
        with pytest.raises(spasm.BusyError) as e:
            spasm.Updater(live)
        assert e.value.code == spasm.EBUSY
        assert isinstance(e.value, spasm.Error)
        u.add("x", "X", "xylophone")
    with spasm.Updater(live) as u2:  # the lock was released
        assert u2.stats()["live_documents"] == 5


def test_closed_updater_raises(live):
    u = spasm.Updater(live)
    u.close()
    u.close()
    with pytest.raises(ValueError):
        u.add("x", None, "x")


def test_optimize_merges(live):
    with spasm.Updater(live) as u:
        u.add("a", "A", "penguins")
        u.commit()
        u.optimize()
        st = u.stats()
    assert st["segments"] == 1 and st["deleted_documents"] == 0


def test_shards_answer_like_one_index(tmp_path):
    one = tmp_path / "one"
    s1, s2 = tmp_path / "s1", tmp_path / "s2"
    with spasm.Updater(one) as u:
        for d in DOCS:
            u.add(*d)
    with spasm.Updater(s1) as u:
        for d in DOCS[:2]:
            u.add(*d)
    with spasm.Updater(s2) as u:
        for d in DOCS[2:]:
            u.add(*d)
    with spasm.Index(one) as a, spasm.Index([s1, s2]) as b:
        assert b.path == (str(s1), str(s2))
        assert a.stats()["documents"] == b.stats()["documents"] == 4
        for q in ("calf", "night", "calf night", "neck OR shoes"):
            ra = [(h.doc, round(h.score, 6)) for h in a.search(q)]
            rb = [(h.doc, round(h.score, 6)) for h in b.search(q)]
            assert ra == rb and ra


def test_empty_path_list():
    with pytest.raises(spasm.ArgumentError):
        spasm.Index([])


def test_file_index_live_fields(ix):
    st = ix.stats()
    assert st["format_version"] == 1
    assert (st["generation"], st["segments"], st["deleted_documents"], st["deleted_passages"]) == (
        0, 1, 0, 0)
    assert ix.refresh() is None


def test_updater_add_path_upserts(live, notes):
    with spasm.Updater(live) as u:
        u.add_path(notes)
    with spasm.Index(live) as ix:
        n = ix.stats()["documents"]
        assert n > 4 and ix.count("long") == 1
    (notes / "neck.txt").write_text("Neck\n\nA supple neck now.\n")
    with spasm.Updater(live) as u:
        u.add_path(notes)
    with spasm.Index(live) as ix:
        assert ix.stats()["documents"] == n
        assert ix.count("long") == 0 and ix.count("supple") == 1


def test_refresh_closed_index_raises(live):
    ix = spasm.Index(live)
    ix.close()
    with pytest.raises(ValueError):
        ix.refresh()
    with pytest.raises(ValueError):
        ix.notes


def test_updater_warnings(live):
    seen = []
    with spasm.Updater(live, on_warning=seen.append) as u:
        u.delete("no-such-id")
        u.add("q", "Q", "one")
        u.add("q", "Q", "two")
    assert u.warnings and u.warnings == seen
    assert any("no-such-id" in w for w in u.warnings)
    with pytest.raises(TypeError):
        spasm.Updater(live, on_warning=3)
