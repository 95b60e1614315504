#!/usr/bin/python3
"""gen-variants.py -- the spelling-variant table of the analyser, from SCOWL.

    scripts/gen-variants.py [--dir /usr/share/dict/scowl] [--level 80] OUT.h [--list OUT.tsv]

Run by make (output in build/gen/, never edited by hand).  Debian's `scowl`
package ships word lists per spelling (english-words.NN: words common to
all; american-, british- (-ise), british_z- (-ize), canadian-,
australian-words.NN: the words of one spelling only; variant_1/2 and the
national variant lists: accepted variants), not explicit pairs.  A pair
(british or variant spelling B -> American spelling A) is derived by
rewrite rules applied to B (at most two rewrites), and kept only when the
lists confirm it:

  - A is in the American list (english + american words), B is not;
  - B is in some list (a national list or a variant list);
  - in each national list (american, british, british_z, canadian,
    australian, each with the english words) at most one of the two
    appears: the lists treat them as the same word spelt two ways.

That last test is what keeps "four" from becoming "for" (both are in every
list).  It also leaves out pairs whose two sides are both common words,
such as oesophageal/esophageal (both in english-words): for the ae/oe
rules only, such a pair is kept when a pair confirmed as above has the
same rewrite at the same place with the same first letters up to four past
it ("oesoph" -> "esoph" from oesophagus/esophagus), i.e. the same Greek or
Latin root.

Words are folded as the analyser folds them (lower case, accents
stripped); only ASCII words are kept.  Output: a C header with the pairs
sorted by B (bytewise) and a hash table over them, for common/variants.c.
"""
import argparse
import os
import re
import sys
import unicodedata

NATIONS = ["american", "british", "british_z", "canadian", "australian"]
VARIANTS = ["variant_1", "variant_2", "british_variant_1", "british_variant_2",
            "canadian_variant_1", "canadian_variant_2", "australian_variant_1",
            "australian_variant_2"]
LEVELS = [10, 20, 35, 40, 50, 55, 60, 70, 80, 95]

# (name, regex on B, replacement): British/variant -> American.  Each rule
# is applied at every place it matches, one place per rewrite.
RULES = [
    # not at the end: Latin plurals (larvae, abscissae) are not variants
    ("ae>e", r"ae(?!$|'s$)", "e"),  # anaemia, haemorrhage, paediatric
    ("oe>e", r"oe(?!$|'s$)", "e"),  # oesophagus, oedema, diarrhoea, foetus
    ("our>or", r"our", "or"),      # colour, tumour, behaviour
    ("re>er", r"(?<=[^aeiou])re(?=$|s$|'s$)", "er"),    # centre, metres
    ("red>ered", r"(?<=[^aeiou])red$", "ered"),         # centred
    ("ring>ering", r"(?<=[^aeiou])ring$", "ering"),     # centring
    ("ise>ize", r"is(?=e|ing|ation|able)", "iz"),       # organise, organisation
    ("yse>yze", r"ys(?=e|ing)", "yz"),                  # analyse, paralysed
    ("ll>l", r"ll", "l"),          # travelled, counsellor
    ("l>ll", r"(?<=[^l])l(?=[^l]|$)", "ll"),            # fulfil, enrolment, skilful
    ("ogue>og", r"ogue(?=$|s$|'s$)", "og"),             # catalogue, analogue
    ("ence>ense", r"ence(?=$|s$|'s$)", "ense"),         # defence, licence
    ("mme>m", r"mme(?=$|s$|'s$)", "m"),                 # programme
    ("ould>old", r"(?<=[mst])ou(?=ld|lt)", "o"),        # mould, moult, smoulder
    ("geing>ging", r"geing", "ging"),                   # ageing
    ("dgement>dgment", r"dgement", "dgment"),           # judgement
    ("ph>f", r"(?<=sul)ph", "f"),                       # sulphur, sulphate
]
COMPILED = [(n, re.compile(p), r) for n, p, r in RULES]
ROOT_RULES = ("ae>e", "oe>e")


def fold(w):
    """The analyser's folding (NFKC, case fold, marks stripped); None if not ASCII."""
    w = unicodedata.normalize("NFKD", w.strip().lower())
    w = "".join(c for c in w if not unicodedata.combining(c)).replace("\u2019", "'")
    return w if w and w.isascii() else None


def read_list(d, kind, level):
    """The folded words of kind-words.NN for NN <= level."""
    out = set()
    for lv in LEVELS:
        if lv > level:
            break
        p = os.path.join(d, "%s-words.%d" % (kind, lv))
        if not os.path.exists(p):
            continue
        with open(p, "rb") as f:
            data = f.read()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        for line in text.splitlines():
            w = fold(line)
            if w:
                out.add(w)
    return out


def rewrites(w):
    """(candidate, [(rule, position)]) for one rewrite of w."""
    for name, rx, rep in COMPILED:
        for m in rx.finditer(w):
            yield w[:m.start()] + rep + w[m.end():], (name, m.start())


def fnv1a(b):
    """32-bit FNV-1a, as common/variants.c computes it."""
    h = 2166136261
    for c in b:
        h = ((h ^ c) * 16777619) & 0xFFFFFFFF
    return h


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--dir", default="/usr/share/dict/scowl")
    ap.add_argument("--level", type=int, default=80)
    ap.add_argument("--list", help="also write the pairs as TSV (B, A, rules)")
    args = ap.parse_args()
    if not os.path.exists(os.path.join(args.dir, "english-words.10")):
        sys.stderr.write("gen-variants: %s: SCOWL word lists not found; install Debian's "
                         "scowl package (scripts/deps.sh does)\n" % args.dir)
        sys.exit(2)
    common = read_list(args.dir, "english", args.level)
    nat = {n: read_list(args.dir, n, args.level) | common for n in NATIONS}
    every = set().union(*nat.values())
    for v in VARIANTS:
        every |= read_list(args.dir, v, args.level)
    us = nat["american"]

    def national_ok(b, a):
        return all(not (b in s and a in s) for s in nat.values())

    pairs = {}
    held = []  # candidates failing only the national test, for the root rule
    for b in sorted(every - us):
        seen = set()
        frontier = [(b, ())]
        for depth in range(2):
            nxt = []
            for w, how in frontier:
                for c, step in rewrites(w):
                    if c in seen:
                        continue
                    seen.add(c)
                    h = how + (step,)
                    nxt.append((c, h))
                    if c in us and c != b and b not in pairs:
                        if national_ok(b, c):
                            pairs[b] = (c, h)
                        elif len(h) == 1 and h[0][0] in ROOT_RULES:
                            held.append((b, c, h))
            frontier = nxt
    # Root rule: a held ae/oe pair whose rewrite site and following letters
    # match a confirmed ae/oe pair's.
    roots = set()
    for b, (a, h) in pairs.items():
        if len(h) == 1 and h[0][0] in ROOT_RULES:
            pos = h[0][1]
            if len(b) >= pos + 6:
                roots.add((h[0][0], b[:pos + 6]))
    # Held pairs come from words outside the American list; words inside it
    # (oesophageal is common to all lists) are tried here, ae/oe only.
    for b in sorted(us):
        for c, step in rewrites(b):
            if step[0] in ROOT_RULES and c in us and c != b:
                held.append((b, c, (step,)))
    for b, a, h in held:
        pos = h[0][1]
        if b not in pairs and (h[0][0], b[:pos + 6]) in roots:
            pairs[b] = (a, h + (("root", pos),))
    # Also the possessive of each pair, when the analyser sees "colour's".
    for b in list(pairs):
        if not b.endswith("'s") and not b.endswith("s"):
            a, h = pairs[b]
            pairs.setdefault(b + "'s", (a + "'s", h))
    # No chains: a canonical form that is itself folded (aestheticise ->
    # aestheticize -> estheticize) is followed to its end.
    for b in pairs:
        a, h = pairs[b]
        for _ in range(4):
            if a not in pairs or pairs[a][0] == b:
                break
            a, h = pairs[a][0], h + pairs[a][1]
        pairs[b] = (a, h)
    for b in list(pairs):
        if pairs[b][0] in pairs or pairs[b][0] == b:
            del pairs[b]

    keys = sorted(pairs, key=lambda s: s.encode())
    # An open-addressing hash table over the pairs (FNV-1a, linear probing,
    # at most half full): common/variants.c looks a word up in about one
    # probe, the sorted array serves iteration.
    slots = 1
    while slots < 2 * len(keys):
        slots *= 2
    # A slot: the pair's number + 1 in the low 16 bits, the hash's top 16
    # bits above, so that most probes end without touching the pair.
    table = [0] * slots
    for i, b in enumerate(keys):
        fh = fnv1a(b.encode())
        h = fh & (slots - 1)
        while table[h]:
            h = (h + 1) & (slots - 1)
        table[h] = (i + 1) | (fh >> 16) << 16
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        f.write("/* Generated by scripts/gen-variants.py from SCOWL (%s, level %d): "
                "do not edit. */\n" % (args.dir, args.level))
        f.write("#define SP_VARIANT_PAIRS %d\n" % len(keys))
        f.write("#define SP_VARIANT_SLOTS %d\n" % slots)
        f.write("static const struct sp_variant_pair {\n    const char *from, *to;\n"
                "    unsigned char flen, tlen;\n} sp_variant_pairs[] = {\n")
        for b in keys:
            a = pairs[b][0]
            f.write('    {"%s", "%s", %d, %d},\n' % (b, a, len(b), len(a)))
        f.write("};\n")
        f.write("/* per slot: hash >> 16 << 16 | pair number + 1; 0: empty */\n")
        f.write("static const uint32_t sp_variant_slots[] = {\n")
        for i in range(0, slots, 8):
            f.write("    " + ", ".join("%#x" % x for x in table[i:i + 8]) + ",\n")
        f.write("};\n")
    os.replace(tmp, args.out)
    if args.list:
        with open(args.list, "w") as f:
            for b in keys:
                a, h = pairs[b]
                f.write("%s\t%s\t%s\n" % (b, a, ",".join(r for r, _ in h)))


if __name__ == "__main__":
    main()
