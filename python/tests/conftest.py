"""Fixtures of the spasm Python tests: the build tree (SPASM_TEST_BUILD,
default build/), the bundled corpus and its index, an index made here."""
import os
import pathlib

import pytest

import spasm

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = ROOT / os.environ.get("SPASM_TEST_BUILD", "build")
CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def build_dir():
    return BUILD


@pytest.fixture(scope="session")
def corpus_index():
    """The bundled corpus's index, as make built it."""
    p = BUILD / "corpus.spx"
    assert p.exists(), f"{p}: run make first"
    return p


@pytest.fixture(scope="session")
def ix(corpus_index):
    with spasm.Index(corpus_index) as index:
        yield index


@pytest.fixture
def notes(tmp_path):
    """A folder of two .txt notes and a JSON Lines file."""
    d = tmp_path / "notes"
    d.mkdir()
    (d / "calf.txt").write_text("Calf cramps\n\nA cramp in the calf at night wakes me up.\n")
    (d / "neck.txt").write_text("Neck\n\nA stiff neck after a long drive; no cramp.\n")
    (d / "more.jsonl").write_text(
        '{"id": "j1", "title": "Magnesium", "text": "Magnesium may ease night cramps."}\n'
        '{"id": "j2", "title": "Water", "text": "Drink water when it is hot."}\n'
    )
    return d
