"""spasm -- the spasm-search full-text engine (libspasm) from Python.

    import spasm
    with spasm.Writer("notes.spx") as w:     # commit on success, abandon on exception
        w.add("n1", "Cramps", "Night cramps in the calf ...")
        w.add_path("notes/")
    ix = spasm.Index("notes.spx")
    for hit in ix.search("night calf cramps", k=5):
        print(hit.rank, hit.doc, hit.score, hit.title, hit.text, hit.highlights)

    with spasm.Updater("live/") as u:       # a live folder: commit on success
        u.add("n1", "Cramps", "new text")    # replaces n1
        u.delete("n2")
    ix2 = ix.refresh() or ix                 # None when nothing changed

Writer builds an index file, Updater changes a live index folder, Index
opens either and searches it (from any
number of threads at once: the GIL is released while the library works),
Results and Hit hold what a search returned.  Every error of the library
is a spasm.Error subclass carrying its message (see help(spasm.Error)).
The query syntax, ranking and input formats are those of spasm-search
(its README).
"""
from ._spasm import (  # noqa: F401
    Writer, Updater, Index, Results, Hit, Dup,
    Error, OutOfMemoryError, FileError, CorruptError, VersionError, ArgumentError,
    InputError, QueryError, NotFoundError, EmptyError, CanceledError, BusyError,
    version, errstr, __version__, FORMAT_VERSION, MAX_K,
    FIELD_ID, FIELD_TITLE, FIELD_TEXT, FIELDS_ALL, RESULT_EXPANSION_CUT,
    ENOMEM, EIO, ECORRUPT, EVERSION, EINVAL, EINPUT, EQUERY, ENOTFOUND, EEMPTY, ECANCELED, EBUSY,
)

__all__ = [
    "Writer", "Updater", "Index", "Results", "Hit", "Dup",
    "Error", "OutOfMemoryError", "FileError", "CorruptError", "VersionError", "ArgumentError",
    "InputError", "QueryError", "NotFoundError", "EmptyError", "CanceledError", "BusyError",
    "version", "errstr", "FORMAT_VERSION", "MAX_K",
    "FIELD_ID", "FIELD_TITLE", "FIELD_TEXT", "FIELDS_ALL", "RESULT_EXPANSION_CUT",
]
