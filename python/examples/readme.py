# The example of README.md "From Python" (make readme runs it).
import os

import spasm

os.makedirs("notes", exist_ok=True)  # two notes to index beside the one added by hand
with open("notes/calf.txt", "w") as f:
    f.write("Calf cramps\n\nA cramp in the calf at night wakes me up.\n")
with open("notes/neck.txt", "w") as f:
    f.write("Stiff neck\n\nA stiff neck after a long drive.\n")

with spasm.Writer("notes.spx") as w:          # commit on success, abandon on exception
    w.add("n1", "Cramps", "Night cramps in the calf ...")
    w.add_path("notes/")
ix = spasm.Index("notes.spx")
for hit in ix.search("night calf cramps", k=5):
    print(hit.rank, hit.doc, hit.score, hit.title, hit.text, hit.highlights)
