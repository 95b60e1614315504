#!/usr/bin/env python3
"""overlap.py -- how far the result sets of TREC runs agree, pairwise.

    bench/overlap.py [--depth N] RUN RUN [RUN...]

For each pair of runs, over the queries that either answered: the mean of
|top-N(A) & top-N(B)| / max(|top-N(A)|, |top-N(B)|) (1.0: the same
documents, in any order), the share of queries whose top-N sets are equal,
and the share whose first hit is the same document.  A query that one run
answered and the other did not counts as 0.  Run lines are
"qid Q0 docid rank score tag", in rank order (bench/README.md).  bench/run.sh
imports this module for its report; by hand it prints one line per pair.
"""
import itertools
import os
import sys


def read_run(path):
    """qid -> [docid, ...] in rank order."""
    out = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            p = line.split()
            if not p:
                continue
            if len(p) < 6:
                raise SystemExit(f"overlap.py: {path}:{n}: not a TREC run line")
            out.setdefault(p[0], []).append((int(p[3]), p[2]))
    return {q: [d for _, d in sorted(v)] for q, v in out.items()}


def overlap(a, b, depth):
    """{queries, mean, identical, top1} of runs a and b (from read_run) at depth."""
    n = 0
    total = 0.0
    same = 0
    top1 = 0
    for q in set(a) | set(b):
        x = a.get(q, [])[:depth]
        y = b.get(q, [])[:depth]
        m = max(len(x), len(y))
        if m == 0:
            continue
        n += 1
        common = len(set(x) & set(y))
        total += common / m
        same += set(x) == set(y)
        top1 += bool(x and y and x[0] == y[0])
    if n == 0:
        return {"queries": 0, "mean": None, "identical": None, "top1": None}
    return {"queries": n, "mean": total / n, "identical": same / n, "top1": top1 / n}


def main(argv):
    depth = 10
    if len(argv) >= 2 and argv[0] == "--depth":
        depth = int(argv[1])
        argv = argv[2:]
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    runs = {p: read_run(p) for p in argv}
    print(f"depth {depth}: run A, run B, queries, mean overlap, identical sets, same first hit")
    for pa, pb in itertools.combinations(argv, 2):
        r = overlap(runs[pa], runs[pb], depth)
        if r["queries"] == 0:
            print(f"{os.path.basename(pa)}\t{os.path.basename(pb)}\t0\t-\t-\t-")
        else:
            print(f"{os.path.basename(pa)}\t{os.path.basename(pb)}\t{r['queries']}\t"
                  f"{r['mean']:.3f}\t{r['identical']:.3f}\t{r['top1']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
