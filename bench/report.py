#!/usr/bin/env python3
"""report.py -- bench/run.sh's report (RESULTS.md) from one run's raw results.

    python3 bench/report.py RESULTS_DIR OUT.md ENGINE=INDEX_PATH...

RESULTS_DIR holds machine.json, index-ENGINE.json, query-ENGINE-SET-K.json
(each harness's JSON line), cli-spasm-MODE-SET.json and status/ENGINE (a
failed engine); the TREC runs are in RESULTS_DIR/../runs/.  See
bench/README.md for what each figure is.
"""
import json
import os
import struct
import subprocess
import sys

sys.dont_write_bytecode = True  # no bench/__pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import overlap  # noqa: E402

res, out = sys.argv[1], sys.argv[2]
paths = dict(a.split("=", 1) for a in sys.argv[3:])
engines = list(paths)
runs_dir = os.path.join(os.path.dirname(res), "runs")
NAME = {"spasm": "spasm", "xapian": "Xapian", "fts5": "FTS5", "lucene": "Lucene"}
LONGNAME = {"spasm": "spasm-search", "xapian": "Xapian", "fts5": "SQLite FTS5", "lucene": "Lucene 8"}


def load(name):
    p = os.path.join(res, name)
    if not os.path.exists(p):
        return None
    with open(p) as f:
        return json.load(f)


m = load("machine.json")
status = {}
for e in engines:
    p = os.path.join(res, "status", e)
    if os.path.exists(p):
        status[e] = open(p).read().strip()
idx = {e: load(f"index-{e}.json") for e in engines}
qry = {}
cli = {}
for fn in sorted(os.listdir(res)):
    if fn.startswith("query-") and fn.endswith(".json"):
        _, e, qset, k = fn[:-5].split("-")
        if e in engines:
            qry[(e, qset, int(k))] = load(fn)
    elif fn.startswith("cli-spasm-") and fn.endswith(".json"):
        r = load(fn)
        cli[(r["mode"], r["set"])] = r

k1, b = m.get("k1", "1.4"), m.get("b", "0.6")


# Index size in parts (bytes): the inverted index (dictionary, postings,
# positions), stored text, and the rest (per-document tables, ...).
def spasm_parts(path):
    inv = {b"DICT", b"DIDX", b"WORD", b"WDIX", b"POST", b"POSN"}
    txt = {b"TEXT", b"TXIX", b"TXDC", b"DMET", b"DMIX"}
    parts = {"inverted": 0, "text": 0, "other": 0}
    with open(path, "rb") as f:
        h = f.read(128)
        toff, = struct.unpack_from("<Q", h, 24)
        nsec, = struct.unpack_from("<I", h, 32)
        f.seek(toff)
        for _ in range(nsec):
            tag, _crc, _off, ln, _cnt = struct.unpack("<4sIQQQ", f.read(32))
            parts["inverted" if tag in inv else "text" if tag in txt else "other"] += ln
    return parts


def xapian_parts(path):
    def size(n):
        p = os.path.join(path, n)
        return os.path.getsize(p) if os.path.exists(p) else 0
    return {"inverted": size("postlist.glass") + size("position.glass"), "text": 0,
            "other": size("termlist.glass") + size("docdata.glass")}


def fts5_parts(path):
    try:
        rows = subprocess.run(["sqlite3", path, "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"],
                              capture_output=True, text=True, check=True).stdout.split()
    except Exception:
        return None
    by = {r.split("|")[0]: int(r.split("|")[1]) for r in rows if "|" in r}
    inv = by.get("docs_data", 0) + by.get("docs_idx", 0)
    return {"inverted": inv, "text": 0, "other": sum(by.values()) - inv}


def lucene_parts(path):
    # terms dictionary and index (.tim .tip .tmd), postings (.doc), positions
    # (.pos, .pay); the rest: norms, doc values (the ids), field infos, ...
    inv_ext = {".tim", ".tip", ".tmd", ".doc", ".pos", ".pay"}
    parts = {"inverted": 0, "text": 0, "other": 0}
    for fn in os.listdir(path):
        p = os.path.join(path, fn)
        if os.path.isfile(p):
            parts["inverted" if os.path.splitext(fn)[1] in inv_ext else "other"] += os.path.getsize(p)
    return parts


parts = {}
for e in engines:
    try:
        parts[e] = {"spasm": spasm_parts, "xapian": xapian_parts, "fts5": fts5_parts,
                    "lucene": lucene_parts}[e](paths[e])
    except Exception:
        parts[e] = None


def part(e, k):
    return parts.get(e) and parts[e][k] / 1e6


def q(e, qset, k, key):
    r = qry.get((e, qset, k))
    return None if r is None else r.get(key)


# (title, unit, higher_is_better, getter, format)
MEAS = [
    ("Indexing wall time", "s", False, lambda e: idx[e] and idx[e]["wall_s"], "{:.1f}"),
    ("Indexing peak RSS", "MB", False, lambda e: idx[e] and idx[e]["rss_kb"] * 1024 / 1e6, "{:.0f}"),
    ("Index size on disk", "MB", False, lambda e: idx[e] and idx[e]["bytes"] / 1e6, "{:.1f}"),
    ("Inverted index (dictionary, postings, positions)", "MB", False, lambda e: part(e, "inverted"), "{:.1f}"),
    ("Stored text (compressed)", "MB", False, lambda e: part(e, "text"), "{:.1f}"),
    ("Title queries, top-10, mean latency", "ms", False, lambda e: q(e, "title", 10, "mean_ms"), "{:.3f}"),
    ("Title queries, top-10, p50 latency", "ms", False, lambda e: q(e, "title", 10, "p50_ms"), "{:.3f}"),
    ("Title queries, top-10, p99 latency", "ms", False, lambda e: q(e, "title", 10, "p99_ms"), "{:.3f}"),
    ("Title queries, top-10, throughput", "QPS", True, lambda e: q(e, "title", 10, "qps"), "{:.0f}"),
    ("Title queries, top-1000, p50 latency", "ms", False, lambda e: q(e, "title", 1000, "p50_ms"), "{:.3f}"),
    ("Long queries, top-10, p50 latency", "ms", False, lambda e: q(e, "long", 10, "p50_ms"), "{:.3f}"),
    ("Long queries, top-10, p99 latency", "ms", False, lambda e: q(e, "long", 10, "p99_ms"), "{:.3f}"),
    ("Long queries, top-1000, p50 latency", "ms", False, lambda e: q(e, "long", 1000, "p50_ms"), "{:.3f}"),
]


def fmt(v, f):
    return "n/a" if v is None else f.format(v)


def ratio(e, v, base):
    if e == "spasm":
        return "(baseline)"
    if v is None or base is None or base == 0:
        return "n/a"
    return f"{NAME[e]}/spasm = {v / base:.2f}x"


def rx(v, base):
    return "n/a" if v is None or not base else f"{v / base:.2f}x"


L = []
title = " vs ".join(LONGNAME[e] for e in engines)
L.append(f"# Benchmark results: {title}\n")
L.append(f"Written by `bench/run.sh` on {m['date']}. One run: compare the ratios "
         "within this run, not absolute times across runs (see bench/README.md).\n")
L.append("## Machine\n")
L.append(f"- CPU: {m['cpu']}, nproc = {m['nproc']}; memory {m['mem']}")
L.append(f"- OS: {m['os']}, kernel {m['kernel']}; compiler: {m['cc']}")
L.append("- Versions: " + "; ".join(m['versions'][e] for e in engines if e in m['versions']))
L.append(f"- Collection: `{m['collection']}` ({m['docs']}), {m['ndocs']} documents"
         + (f" (input `{m['input']}`)" if m['ndocs'] != 'all' else ""))
L.append(f"- Queries: `{os.path.basename(m['q_title'])}` (title) and `{os.path.basename(m['q_long'])}` "
         "(long), each query's words OR-ed, one thread, index opened once, process start excluded")
desc = {
    "spasm": f"spasm: results grouped by {m['spasm_group']}, the index's BM25 defaults (k1={k1} b={b}), "
             "stop words dropped from the queries (its default; `_keep` runs: kept)",
    "xapian": f"Xapian: STEM_{m['xapian_stem'].upper()}, BM25 k1=0.9 b=0.4, compacted, stop words kept",
    "fts5": "FTS5: porter unicode61, bm25 k1=1.2 b=0.75 (built in), optimized, stop words kept",
    "lucene": f"Lucene: StandardTokenizer, lower-case, ASCII folding, Snowball English; one merged "
              f"segment, indexed on {m.get('nthreads', '?')} threads; BM25 k1={k1} b={b} (spasm's) with "
              f"spasm's stop list dropped from the queries (`_keep`: kept), `_def` runs at Lucene's "
              f"defaults (k1=1.2 b=0.75, no stop list); {m.get('lucene_warmup', 3)} untimed JIT warm-up passes "
              "before each timed one",
}
for e in engines:
    L.append(f"- {desc[e]}")
reused = [e for e in engines if idx.get(e) and idx[e].get("reused")]
if reused:
    L.append("- Reused peer indexes (`--reuse-peers`): " + ", ".join(
        f"{NAME[e]} built {idx[e]['built']}" for e in reused)
        + "; their indexing figures are from that earlier run")
L.append("")
if status:
    L.append("## Failures\n")
    for e, s in status.items():
        L.append(f"- **{LONGNAME[e]}**: {s}")
    L.append("")

# ---- Lucene against spasm, class by class (issue 15's table) -----------------
if "lucene" in engines and "spasm" in engines:
    L.append("## Lucene 8 against spasm, the same analysis and BM25\n")
    L.append(f"Lucene/spasm time ratios (above 1: spasm is faster), both at k1={k1} b={b}, "
             "the same 1,000 queries; \"dropped\": spasm's stop list taken out of the queries by "
             "both engines.\n")
    L.append("| queries | stop words | top-10 p50 | top-10 p99 | top-1000 p50 | top-1000 p99 |")
    L.append("|---|---|---|---|---|---|")
    for qs in ("title", "long"):
        for stop, suf in (("kept", "_keep"), ("dropped", "")):
            cells = []
            for k, pk in ((10, "p50_ms"), (10, "p99_ms"), (1000, "p50_ms"), (1000, "p99_ms")):
                cells.append(rx(q("lucene", qs + suf, k, pk), q("spasm", qs + suf, k, pk)))
            L.append(f"| {qs} | {stop} | " + " | ".join(cells) + " |")
    L.append("")
    L.append("With Lucene at its own defaults (k1=1.2 b=0.75, no stop list) against spasm with stop "
             "words kept:\n")
    L.append("| queries | top-10 p50 | top-10 p99 | top-1000 p50 | top-1000 p99 |")
    L.append("|---|---|---|---|---|")
    for qs in ("title", "long"):
        cells = [rx(q("lucene", qs + "_def", k, pk), q("spasm", qs + "_keep", k, pk))
                 for k, pk in ((10, "p50_ms"), (10, "p99_ms"), (1000, "p50_ms"), (1000, "p99_ms"))]
        L.append(f"| {qs} | " + " | ".join(cells) + " |")
    L.append("")

# ---- every engine, like for like ----------------------------------------------
L.append("## Every class of query, like for like\n")
L.append("p50 / p99 in ms, and each engine's ratio to spasm's run with the same stop-word "
         "treatment (Xapian and FTS5 keep stop words and use their own BM25 parameters).\n")
cols = []
for e in engines:
    if e == "spasm":
        continue
    if e == "lucene":
        cols += [("lucene", "", "Lucene"), ("lucene", "_def", "Lucene defaults")]
    else:
        cols.append((e, "", NAME[e]))
L.append("| queries | stop words | k | spasm | " + " | ".join(c[2] for c in cols) + " |")
L.append("|---|---|---|---|" + "---|" * len(cols))
for qs in ("title", "long"):
    for k in (10, 1000):
        for stop, suf in (("dropped", ""), ("kept", "_keep")):
            base = qry.get(("spasm", qs + suf, k))
            if base is None:
                continue
            row = [qs, stop, str(k), f"{base['p50_ms']:.3f} / {base['p99_ms']:.3f}"]
            for e, csuf, _ in cols:
                if e == "lucene" and csuf == "":
                    key = qs + suf
                elif stop == "kept":
                    key = qs + csuf
                else:
                    row.append("")
                    continue
                r = qry.get((e, key, k))
                if r is None:
                    row.append("n/a")
                else:
                    row.append(f"{r['p50_ms']:.3f} / {r['p99_ms']:.3f} "
                               f"({rx(r['p50_ms'], base['p50_ms'])} / {rx(r['p99_ms'], base['p99_ms'])})")
            L.append("| " + " | ".join(row) + " |")
L.append("")

# ---- top-10 overlap --------------------------------------------------------------
def run_path(e, qs, k):
    p = os.path.join(runs_dir, f"{e}-{qs}-{k}.run")
    return p if os.path.exists(p) else None


pairs = []
if "lucene" in engines:
    pairs += [(("spasm", "{}"), ("lucene", "{}"), "dropped, both at spasm's BM25"),
              (("spasm", "{}_keep"), ("lucene", "{}_keep"), "kept, both at spasm's BM25"),
              (("spasm", "{}_keep"), ("lucene", "{}_def"), "kept, Lucene at its defaults")]
for e in ("xapian", "fts5"):
    if e in engines:
        pairs.append((("spasm", "{}_keep"), (e, "{}"), f"kept, {NAME[e]} at its own BM25"))
if "lucene" in engines:
    for e in ("xapian", "fts5"):
        if e in engines:
            pairs.append((("lucene", "{}_def"), (e, "{}"), "kept, each at its own BM25"))
if pairs:
    L.append("## Do the engines do the same work? Top-k overlap\n")
    L.append("Over the queries either engine answered: mean |A ∩ B| / max(|A|, |B|) of the two "
             "result sets (1 = the same documents in any order), the share of queries with "
             "identical sets, and with the same first hit (`bench/overlap.py`, on the TREC runs).\n")
    L.append("| A | B | stop words, BM25 | queries | k | mean overlap | identical sets | same first hit |")
    L.append("|---|---|---|---|---|---|---|---|")
    cache = {}
    for (ea, sa), (eb, sb), what in pairs:
        for qs in ("title", "long"):
            for k in (10, 1000):
                pa, pb = run_path(ea, sa.format(qs), k), run_path(eb, sb.format(qs), k)
                if not pa or not pb or (ea, sa.format(qs), k) not in qry or (eb, sb.format(qs), k) not in qry:
                    continue
                try:
                    for p in (pa, pb):
                        if p not in cache:
                            cache[p] = overlap.read_run(p)
                except SystemExit as err:  # a run cut short (an interrupted run)
                    print(err, file=sys.stderr)
                    continue
                o = overlap.overlap(cache[pa], cache[pb], k)
                if o["queries"] == 0:
                    continue
                L.append(f"| {LONGNAME[ea]} | {LONGNAME[eb]} | {what} | {qs} | {k} | {o['mean']:.3f} | "
                         f"{o['identical']:.3f} | {o['top1']:.3f} |")
    L.append("")

# ---- summary and per measurement (each engine's main configuration) -------------------
L.append("## Summary (each engine's main configuration)\n")
L.append("| engine | index wall (s) | peak RSS (MB) | index size (MB): all / inverted / text "
         "| title top-10 mean / p50 / p99 (ms) "
         "| title top-10 QPS | title top-1000 p50 (ms) | long top-10 p50 / p99 (ms) | long top-1000 p50 (ms) |")
L.append("|---|---|---|---|---|---|---|---|---|")
for e in engines:
    g = [f(e) for (_, _, _, f, _) in MEAS]
    fm = [fmt(v, MEAS[i][4]) for i, v in enumerate(g)]
    L.append(f"| {LONGNAME[e]} | {fm[0]} | {fm[1]} | {fm[2]} / {fm[3]} / {fm[4]} | {fm[5]} / {fm[6]} / {fm[7]} "
             f"| {fm[8]} | {fm[9]} | {fm[10]} / {fm[11]} | {fm[12]} |")
L.append("")
L.append("Main configuration: spasm drops stop words from the queries, Lucene too (spasm's list, "
         "spasm's BM25); Xapian and FTS5 keep them.  Inverted index: spasm's DICT, DIDX, WORD, WDIX, "
         "POST and POSN sections; Xapian's postlist and position tables (its termlist and docdata are "
         "the rest); FTS5's docs_data and docs_idx tables (contentless: no text; its docsize and ids "
         "tables are the rest); Lucene's terms (.tim .tip .tmd), postings (.doc) and positions (.pos; "
         "its norms and the ids' doc values are the rest).  Stored text: spasm's TEXT, DMET, their "
         "indexes and TEXT's dictionary (TXDC); the peers store none.  spasm's remaining sections (per-passage lengths, offsets, "
         "signatures, ids) make up the rest of its size.\n")
fold = qry.get(("spasm", "titlefold", 10))
if fold:
    L.append("spasm's runs above are plain BM25 top-k, the peers' task.  With near-duplicate passages "
             "folded (spasm-search's default for a text query; by passage, as --group doc never "
             "folds), title top-10 takes "
             f"mean {fold['mean_ms']:.3f} / p50 {fold['p50_ms']:.3f} / p99 {fold['p99_ms']:.3f} ms "
             f"({fold['qps']:.0f} QPS).\n")

# ---- the default paths (issue 15, part 4) ------------------------------------------------
if "spasm" in engines and (cli or qry.get(("spasm", "title_all", 10))):
    L.append("## The default paths: what a user of spasm-search or the library gets\n")
    L.append("The 1,000 queries of each set at top-10: the library asked for ids and scores only "
             "(the peers' task), the library with every field (title, text, highlights, snippet: "
             "what the text and JSON output print), and `spasm-search` as a whole process (start, "
             "opening the index, every query, printing to a file): `-f FILE` with its default flags "
             "(text output, top 10, stop words dropped, no folding) and `--stdio` (JSON Lines).  "
             "The peers' columns are their in-process totals for the same 1,000 queries "
             "(sum of the per-query times), divided by the figure of the row.\n")
    peers_tot = [e for e in ("xapian", "lucene", "fts5") if e in engines]
    L.append("| queries | path | 1,000 queries (s) | per query (ms) | "
             + " | ".join(f"{NAME[e]} in-process / this" for e in peers_tot) + " |")
    L.append("|---|---|---|---|" + "---|" * len(peers_tot))
    for qs in ("title", "long"):
        rows = []
        r = qry.get(("spasm", qs, 10))
        if r:
            rows.append(("library, ids and scores (spasm_bench)", r["total_s"], r["n"]))
        r = qry.get(("spasm", qs + "_all", 10))
        if r:
            rows.append(("library, every field (spasm_bench --fields all)", r["total_s"], r["n"]))
        for mode, label in (("f", "`spasm-search -f`, whole process"), ("stdio", "`spasm-search --stdio`, whole process")):
            c = cli.get((mode, qs))
            if c:
                rows.append((label, c["wall_s"], c["n"]))
        for label, tot, n in rows:
            cells = []
            for e in peers_tot:
                pr = qry.get((e, qs if e != "lucene" else qs + "_def", 10))
                cells.append(rx(pr["total_s"], tot) if pr else "n/a")
            L.append(f"| {qs} | {label} | {tot:.3f} | {tot * 1e3 / n:.3f} | " + " | ".join(cells) + " |")
    all10 = qry.get(("spasm", "title_all", 1000))
    if all10 and qry.get(("spasm", "title", 1000)):
        L.append("")
        L.append(f"At top-1000 every field costs title p50 {all10['p50_ms']:.3f} ms against "
                 f"{qry[('spasm', 'title', 1000)]['p50_ms']:.3f} ms for ids only.")
    L.append("")
    L.append("Lucene's column is its run at its own defaults (no stop list), Xapian's and FTS5's "
             "keep stop words too, while spasm-search drops them: the default path of each.\n")

L.append("## Per measurement, with each peer's ratio to spasm\n")
L.append("Each engine's main configuration (see the summary).  For times, sizes and memory a ratio "
         "above 1 means spasm is smaller or faster; for QPS a ratio below 1 means spasm is faster.\n")
for ttl, unit, hib, get, f in MEAS:
    L.append(f"### {ttl} ({unit}, {'higher' if hib else 'lower'} is better)\n")
    L.append(f"| engine | {unit} | ratio |")
    L.append("|---|---|---|")
    base = get("spasm") if "spasm" in engines else None
    for e in engines:
        v = get(e)
        L.append(f"| {LONGNAME[e]} | {fmt(v, f)} | {ratio(e, v, base)} |")
    L.append("")

L.append("## Every query run\n")
L.append("| engine | queries | k | n | mean (ms) | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) | QPS "
         "| queries without hits | mean hits | refused |")
L.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for (e, qset, k), r in sorted(qry.items(), key=lambda x: (engines.index(x[0][0]), x[0][1].split("_")[0] != "title",
                                                          x[0][1], x[0][2])):
    L.append(f"| {LONGNAME[e]} | {qset} | {k} | {r['n']} | {r['mean_ms']:.3f} | {r['p50_ms']:.3f} | "
             f"{r['p90_ms']:.3f} | {r['p99_ms']:.3f} | {r['max_ms']:.3f} | {r['qps']:.0f} | "
             f"{r['zero_hits']} | {r['mean_hits']:.1f} | {r['failed']} |")
L.append("")
L.append("Query sets: `title`, `long` each engine's main configuration; `_keep` stop words kept "
         "(spasm --keep-stopwords; Lucene --stop none), `_def` Lucene at its defaults, `_all` spasm "
         "with every field, `titlefold` spasm with near-duplicates folded.  \"refused\": queries "
         "without any word (spasm refuses them; Lucene counts them the same way); they count as "
         "queries without hits.\n")
L.append("Logs, TREC runs and the raw JSON of this run are under `" + os.path.dirname(res) + "/`.\n")

with open(out, "w") as fo:
    fo.write("\n".join(L))
