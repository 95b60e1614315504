#!/usr/bin/env python3
"""wordnet-synonyms.py -- write a synonym file (spasm-search --synonyms)
from WordNet's synsets (Debian package wordnet-base, /usr/share/wordnet).

    scripts/wordnet-synonyms.py [WORDNET_DIR] > wordnet.syn

One equivalence line ("a, b, c") per synset of two or more distinct
lemmas, nouns, verbs, adjectives and adverbs alike; multi-word lemmas
(torticollis / wry_neck) become phrases.  Lemmas holding a comma or a
'#', or of more than 8 words (hyphens and
points cut words as the analyser does), are left out.  The output is sorted, so it
is the same for the same WordNet.
"""
import os
import re
import sys

wn = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/wordnet"
lines = set()
for pos in ("noun", "verb", "adj", "adv"):
    with open(os.path.join(wn, "data." + pos), encoding="latin-1") as f:
        for line in f:
            if line.startswith("  "):  # the licence at the top
                continue
            p = line.split(" ")
            n = int(p[3], 16)
            words = []
            for i in range(n):
                w = p[4 + 2 * i]
                if "(" in w:  # adjective markers: beautiful(a)
                    w = w[: w.index("(")]
                w = w.replace("_", " ").lower()
                if "," in w or "#" in w or "=>" in w or len(re.findall(r"[a-z0-9]+", w)) > 8:
                    continue
                if w not in words:
                    words.append(w)
            if len(words) >= 2:
                lines.add(", ".join(words))
sys.stdout.write("# synonyms from WordNet 3.0 synsets (scripts/wordnet-synonyms.py)\n")
for l in sorted(lines):
    sys.stdout.write(l + "\n")
