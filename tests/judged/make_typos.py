#!/usr/bin/env python3
"""make_typos.py -- the typo set of the judged queries (tests/judged/typos.tsv).

Fixed, seeded rule (issue 14): for each query of queries.tsv, in order, one
word of 5 or more letters (a-z, as typed; operators AND/OR/NOT/NEAR and
prefixes "x*" excluded) is chosen, and one edit is made in it at a random
place: a deletion, an insertion or a substitution of a letter a-z, or a
transposition of two adjacent letters (never one that leaves the word
unchanged).  Queries without such a word are left out.  Random numbers:
Python's random.Random(14), in this order per query: the word, the kind of
edit, the place, the letter.  Same qids as queries.tsv, so qrels.txt
scores the typo set as it is.

    python3 tests/judged/make_typos.py > tests/judged/typos.tsv
"""
import random
import re
import sys
from pathlib import Path

OPS = {"AND", "OR", "NOT", "NEAR"}
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def edit(rng, w):
    """One edit of w that changes it."""
    while True:
        kind = rng.choice(["delete", "insert", "substitute", "transpose"])
        if kind == "delete":
            i = rng.randrange(len(w))
            v = w[:i] + w[i + 1:]
        elif kind == "insert":
            i = rng.randrange(len(w) + 1)
            v = w[:i] + rng.choice(LETTERS) + w[i:]
        elif kind == "substitute":
            i = rng.randrange(len(w))
            v = w[:i] + rng.choice(LETTERS) + w[i + 1:]
        else:
            i = rng.randrange(len(w) - 1)
            v = w[:i] + w[i + 1] + w[i] + w[i + 2:]
        if v.lower() != w.lower():
            return v


def main():
    src = Path(__file__).with_name("queries.tsv")
    rng = random.Random(14)
    for line in src.read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        qid, q = line.split("\t", 1)
        spans = [m.span() for m in re.finditer(r"[A-Za-z]{5,}", q)
                 if m.group() not in OPS and not q[m.end():m.end() + 1] == "*"
                 and not (m.start() > 0 and q[m.start() - 1].isalnum())
                 and not (m.end() < len(q) and q[m.end()].isalnum())]
        if not spans:
            continue
        a, b = spans[rng.randrange(len(spans))]
        sys.stdout.write(f"{qid}\t{q[:a]}{edit(rng, q[a:b])}{q[b:]}\n")


if __name__ == "__main__":
    main()
