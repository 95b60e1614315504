#!/usr/bin/env python3
"""mkseeds.py [SPASM_INDEX] -- regenerate the seed corpora in fuzz/corpus/.

Run from the repository root after `make` (SPASM_INDEX defaults to
build/bin/spasm-index).  Writes only the generated seeds (gen-*), so the
crash reproducers kept beside them (crash-*, leak-*, ...) stay.  The
fuzz_index seeds are small indexes built from the documents below; the
bundled corpus index is added as a seed at run time (fuzz/run.sh,
tests/run.sh), not checked in.
"""
import gzip, json, os, subprocess, sys, tempfile

ROOT = "fuzz/corpus"
INDEXER = sys.argv[1] if len(sys.argv) > 1 else "build/bin/spasm-index"


def put(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "gen-" + name), "wb") as f:
        f.write(data)


DOCS = [
    {"id": "cramps", "title": "Night calf cramps",
     "text": "Night calf cramps wake people from sleep.\n\nStretching the calf "
             "before bed and drinking water against dehydration may help; "
             "magnesium is often tried.\n\n- stretch\n- drink\n- rest"},
    {"id": "cramps2", "title": "Leg cramps at night",
     "text": "Leg cramps at night wake people from sleep. Stretching the calf "
             "before bed and drinking water against dehydration may help."},
    {"id": "colic", "title": "Renal colic",
     "text": "Renal colic is the pain of a kidney stone passing. Dehydrated "
             "patients are given fluids; spasm of the ureter causes the pain."},
    {"id": "menstrual", "text": "Menstrual cramps are not muscle cramps of the "
             "leg. Caf\u00e9 na\u00efve \u00fcber 3.5 sit-ups writer's"},
]

# Queries: the README's table, then what a parser must survive.
QUERIES = [
    "night calf cramps", '"renal colic"', "+magnesium -menstrual",
    "(cramp OR spasm) AND night", "NOT menstrual cramps", "dehydrat*",
    "calf NEAR/5 night", "cramp* NEAR night", "calf NEAR dehydrat*",
    '"night cramp*"', "sit-ups", "the of", '"to be or not to be"',
    "titles titles descriptive", '"unclosed quote', "(unclosed paren",
    "stray ) paren", "AND first", "- + lone", "NEAR/x calf", "calf NEAR/1000000 night",
    "a* b* c* d* e* f* g* h* i* j* k* l* m* n* o* p* q* r* s* t*",
    "((((((((((a))))))))))", "-only -excluded", "caf\u00e9 \u00fcber na\u00efve",
    "\u0130stanbul \u00df \ufb01 \u212b", "x\udcff".encode("utf-8", "surrogateescape").decode("latin-1"),
    "\"a\" NEAR/2 (b OR c*)", "+(night OR day) -(calf AND leg)", "3.5 1,000 writer's",
]


def main():
    # fuzz_query: option bytes (k, flags, snippet) + query
    opts = [b"\x09\x00\x00", b"\xff\x01\x00", b"\x03\x06\x10", b"\x00\x78\x01",
            b"\x20\x1d\x00", b"\xfa\x42\x05"]
    for i, q in enumerate(QUERIES):
        put("fuzz_query", "%02d" % i, opts[i % len(opts)] + q.encode("utf-8", "surrogateescape"))

    with tempfile.TemporaryDirectory() as tmp:
        def index(name, files, args=()):
            d = os.path.join(tmp, name)
            os.makedirs(d)
            for fn, data in files.items():
                with open(os.path.join(d, fn), "wb") as f:
                    f.write(data)
            out = os.path.join(tmp, name + ".spx")
            subprocess.run([INDEXER, "-q", "-j", "1", "-o", out, *args, d], check=True)
            with open(out, "rb") as f:
                data = f.read()
            for t in ("fuzz_index", "fuzz_index_crc"):
                put(t, name + ".spx", data)

        jl = "".join(json.dumps(d) + "\n" for d in DOCS).encode()
        index("tiny", {"docs.jsonl": jl})
        index("text", {"cramps.txt": b"Night cramps\n\n" + DOCS[0]["text"].encode()},
              ["--keep-stopwords", "--k1", "0.9", "--b", "0.4"])
        # one document of 140 passages holding "night" and "cramp": skip
        # tables and bit-packed blocks of postings and tfs
        many = "\n\n".join("night cramp " * (1 + i % 3) + "calf w%d." % (i % 7) for i in range(140))
        index("blocks", {"many.txt": many.encode()})
        # enough passage text (~80 KB) for TEXT's zstd dictionary (TXDC)
        words = "night calf cramp muscle spasm kidney stone pain water sleep the of and".split()
        x, lines = 7, []
        for i in range(160):
            ws = []
            for _ in range(90):
                x = (x * 1103515245 + 12345) % 2**31
                ws.append(words[(x >> 16) % len(words)])
            lines.append(json.dumps({"id": "d%d" % i, "text": " ".join(ws)}))
        index("dict", {"docs.jsonl": ("\n".join(lines) + "\n").encode()})

    # fuzz_query on its index (fuzz/query/): typo tolerance (byte 1 bit 7),
    # families (byte 0 bit 5), proximity (bit 6), no synonyms (bit 7)
    TYPO = [(b"\x09\x80\x00", "musle spasm"), (b"\x09\x81\x00", "cramb night"),
            (b"\x0a\x80\x00", "magnesim dehydratoin calf"), (b"\x29\x80\x00", "pregnant doctr"),
            (b"\x49\x04\x00", "night calf cramps water"), (b"\x89\x00\x00", "doctor period pain"),
            (b"\x29\x00\x00", "medicines esophagus"), (b"\x69\x84\x10", "wry neck anaemia colour")]
    for i, (o, q) in enumerate(TYPO):
        put("fuzz_query", "typo-%02d" % i, o + q.encode())

    # fuzz_synonyms: a synonym file (see fuzz/fuzz_synonyms.c)
    with open("fuzz/query/synonyms.txt", "rb") as f:
        put("fuzz_synonyms", "stored", f.read())
    put("fuzz_synonyms", "equiv", b"doctor, physician\ncramp, spasm, charley horse\n")
    put("fuzz_synonyms", "map", b"wry neck => torticollis\nmusle => muscle, musle\n# c\n\n"
        b"a, b => c # trailing comment\n")
    put("fuzz_synonyms", "bad-empty", b"night calf cramps, , water\n")
    put("fuzz_synonyms", "bad-arrows", b"a => b => c\n")
    put("fuzz_synonyms", "bad-stop", b"the, of\n")
    put("fuzz_synonyms", "phrases", b"\"period pain\", menstrual cramps, leg cramp at night\r\n"
        b"caf\xc3\xa9 na\xc3\xafve, \xc4\xb0stanbul\t\xc3\x9f\n"
        + b"one two three four five six seven eight nine ten, x\n")
    put("fuzz_synonyms", "nul", b"a, b\n\x00c, d\n")

    # fuzz_ingest: mode byte + data (see fuzz/fuzz_ingest.c)
    text = ("Night cramps\n\n" + DOCS[0]["text"] + "\n\nA short heading\nThe text under it. "
            "Another sentence.\nA line after a sentence end.\n").encode()
    put("fuzz_ingest", "txt", b"\x00" + text)
    put("fuzz_ingest", "txt-dir", b"\x80" + text)
    lines = jl + (b'{"_id": "u", "text": "caf\\u00e9 \\ud83d\\ude00"}\n'
                  b'{"id": "dup", "title": null, "text": "x"}\n{"id": "dup", "text": "y"}\n'
                  b'\n{"id": "bad" "text": 1}\n{"text": "no id"}\n')
    put("fuzz_ingest", "jsonl", b"\x01" + lines)
    put("fuzz_ingest", "jsonl-dir", b"\x81" + lines)
    put("fuzz_ingest", "gz-raw", b"\x02" + gzip.compress(jl, mtime=0))
    put("fuzz_ingest", "gz", b"\x03" + lines)
    put("fuzz_ingest", "gz-dir", b"\x83" + lines)
    put("fuzz_ingest", "add", b"\x04" + b"Caf\xc3\xa9 \xff\xfe invalid \xed\xa0\x80 bytes\n\n" + text)
    put("fuzz_ingest", "passages", b"\x05" + b"\x1e".join(
        [b"first passage words", b"", b"second \xe2\x80\x99 passage", text]))
    put("fuzz_ingest", "binary", b"\x80" + bytes(range(256)))

    # fuzz_markup: mode byte (1: Markdown, 0x80: in a directory) + a page
    page = (b'<!DOCTYPE html><html><head><meta charset="iso-8859-1"><title>Caf\xe9 &amp; cramps'
            b'</title><style>p{}</style><script>x()</script></head><body><nav><a>Menu</a></nav>'
            b'<!-- c --><h1>Night cramps</h1><p>A <b>cramp</b> in the calf &eacute;&#233;&#x263a;.'
            b'</p><ul><li>one<li>two</ul><table><tr><td>a<td>b</table><div hidden>h</div>'
            b'<pre>code</pre><footer>f</footer></body></html>\n')
    put("fuzz_markup", "html", b"\x00" + page)
    put("fuzz_markup", "html-dir", b"\x80" + page)
    put("fuzz_markup", "html-bad", b"\x80" + b'<meta charset="x-none"><div><p>unclosed <b>tags<i>'
        + b"<b>" * 300 + b"deep")
    md = (b"# Calf cramps\n\nA *cramp* at `night`.\nSecond line.\n\n## List\n\n- one\n- two\n"
          b"  1. nested\n\n> quote\n\n```c\ncode();\n```\n\n<div>raw</div>\n\n![alt](x.png) "
          b"[link](http://x) \xff\n")
    put("fuzz_markup", "md", b"\x01" + md)
    put("fuzz_markup", "md-dir", b"\x81" + md)


main()
