/*
 * pyspasm.h -- the pieces of the spasm Python extension (spasm._spasm)
 * shared by its files: module.c (the module, the exceptions), writer.c
 * (spasm.Writer), updater.c (spasm.Updater), index.c (spasm.Index) and hit.c (spasm.Hit,
 * spasm.Results, spasm.Dup).
 */
#ifndef PYSPASM_H
#define PYSPASM_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#include <spasm.h>

extern PyTypeObject PySpasm_WriterType;
extern PyTypeObject PySpasm_IndexType;
extern PyTypeObject PySpasm_UpdaterType;
extern PyTypeObject PySpasm_HitType;
extern PyTypeObject PySpasm_ResultsType;
extern PyTypeObject PySpasm_DupType; /* a struct sequence */

/* Set the Python exception for a SPASM_E* code, carrying `msg` (the
 * library's message; spasm_errstr(code) when empty).  Returns NULL. */
PyObject *pyspasm_raise(int code, const char *msg);

/* The hits of r as a spasm.Results (NULL with an exception set).  rank
 * counts from offset + 1; scored = 0 for spasm_get_passage's result (rank
 * and score are then None). */
PyObject *pyspasm_results(const spasm_results *r, size_t offset, int scored);

/* Ready the types of hit.c (0, or -1 with an exception set). */
int pyspasm_hit_types_ready(void);

/* Take a per-object lock, letting other threads run while waiting. */
void pyspasm_lock(PyThread_type_lock lock);

/* The UTF-8 bytes of a str or bytes argument `what` (None allowed, giving
 * NULL, when none_ok).  0, or -1 with TypeError set. */
int pyspasm_text_arg(PyObject *o, const char **s, Py_ssize_t *n, int none_ok, const char *what);

/* id (and title, when `to` is not NULL) as C strings with no NUL inside,
 * for Writer and Updater.  0, or -1 with an exception set. */
int pyspasm_id_title(PyObject *ido, PyObject *to, const char **id, const char **title);

/* The library's warnings of a Writer or Updater, gathered while the GIL
 * is released and handed to Python afterwards. */
typedef struct {
    char **msg; /* malloc'd copies */
    size_t n, cap;
} pyspasm_warnings;

/* spasm_writer_options.on_event for event_ud = a pyspasm_warnings: keeps a
 * copy of each warning's text (no Python here; safe without the GIL). */
void pyspasm_warnings_event(void *ud, spasm_event_kind kind, const char *msg,
                            const spasm_writer_stats *st);

/* Move the gathered warnings into `list` (a list of str), calling `cb`
 * (None for none) with each.  0, or -1 with an exception set (the rest
 * are dropped). */
int pyspasm_warnings_flush(pyspasm_warnings *q, PyObject *list, PyObject *cb);

/* End a library call: flush the warnings; when `failed` (its exception
 * already set) keep that exception and return NULL, else return None (or
 * NULL if a callback raised). */
PyObject *pyspasm_warnings_finish(pyspasm_warnings *q, PyObject *list, PyObject *cb, int failed);

/* A sequence of str or bytes as the library's passage arrays. */
typedef struct {
    PyObject *seq; /* the sequence, PySequence_Fast'ed */
    const char **text;
    size_t *len, n;
} pyspasm_passages;

/* Fill p from the sequence po.  0, or -1 with an exception set (p then
 * needs no freeing). */
int pyspasm_passages_arg(PyObject *po, pyspasm_passages *p);

/* Release what pyspasm_passages_arg took. */
void pyspasm_passages_free(pyspasm_passages *p);

/* Free the warnings not yet flushed. */
void pyspasm_warnings_free(pyspasm_warnings *q);

#endif
