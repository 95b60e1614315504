/*
 * module.c -- spasm._spasm, the CPython extension over libspasm: the
 * module itself, its constants and the exception hierarchy mapped from the
 * SPASM_E* codes.  The Python package spasm (python/spasm/__init__.py)
 * re-exports everything defined here.
 */
#include "pyspasm.h"

/* One exception class per SPASM_E* code (index = the code), under
 * spasm.Error; [0] is spasm.Error itself. */
static PyObject *errors[SPASM_EBUSY + 1];

static const struct {
    int code;
    const char *name; /* "spasm.NAME" */
    const char *builtin;
    const char *doc;
} error_defs[] = {
    {SPASM_ENOMEM, "OutOfMemoryError", "MemoryError", "SPASM_ENOMEM: out of memory."},
    {SPASM_EIO, "FileError", "OSError",
     "SPASM_EIO: a file could not be opened, read, written or synced."},
    {SPASM_ECORRUPT, "CorruptError", NULL,
     "SPASM_ECORRUPT: the index is not an index, truncated, changed under the\n"
     "reader, or a checksum failed."},
    {SPASM_EVERSION, "VersionError", NULL, "SPASM_EVERSION: the index has another format version."},
    {SPASM_EINVAL, "ArgumentError", "ValueError",
     "SPASM_EINVAL: a bad argument (an option out of its range, a target that\n"
     "is not an index) or a call out of order."},
    {SPASM_EINPUT, "InputError", NULL,
     "SPASM_EINPUT: bad input: a binary file, malformed JSON, a document with\n"
     "no text."},
    {SPASM_EQUERY, "QueryError", "ValueError",
     "SPASM_EQUERY: the query cannot be parsed, has no searchable word, or is\n"
     "over one of its bounds; the message names the byte position."},
    {SPASM_ENOTFOUND, "NotFoundError", "LookupError",
     "SPASM_ENOTFOUND: no such document or passage."},
    {SPASM_EEMPTY, "EmptyError", NULL, "SPASM_EEMPTY: nothing to index: no passage has a word."},
    {SPASM_ECANCELED, "CanceledError", NULL,
     "SPASM_ECANCELED: Writer.cancel() was called during the operation."},
    {SPASM_EBUSY, "BusyError", NULL,
     "SPASM_EBUSY: a live index folder is locked by another Updater (the\n"
     "message names the holder's pid)."},
};

PyObject *pyspasm_raise(int code, const char *msg)
{
    PyObject *cls = (code > 0 && code <= SPASM_EBUSY && errors[code]) ? errors[code] : errors[0];
    if (!msg || !*msg) msg = spasm_errstr(code);
    PyObject *text = PyUnicode_DecodeUTF8(msg, (Py_ssize_t)strlen(msg), "replace");
    if (!text) return NULL;
    PyObject *exc = PyObject_CallOneArg(cls, text);
    if (exc) {
        PyObject *c = PyLong_FromLong(code);
        if (!c || PyObject_SetAttrString(exc, "code", c) < 0 ||
            PyObject_SetAttrString(exc, "message", text) < 0)
            Py_CLEAR(exc);
        Py_XDECREF(c);
    }
    Py_DECREF(text);
    if (exc) {
        PyErr_SetObject(cls, exc);
        Py_DECREF(exc);
    }
    return NULL;
}

void pyspasm_lock(PyThread_type_lock lock)
{
    if (PyThread_acquire_lock(lock, NOWAIT_LOCK)) return;
    Py_BEGIN_ALLOW_THREADS PyThread_acquire_lock(lock, WAIT_LOCK);
    Py_END_ALLOW_THREADS
}

PyDoc_STRVAR(version_doc, "version()\n--\n\n"
                          "The version of the libspasm linked into this module, e.g. '0.1.0'.");

static PyObject *mod_version(PyObject *m, PyObject *unused)
{
    return PyUnicode_FromString(spasm_version());
}

PyDoc_STRVAR(errstr_doc, "errstr(code)\n--\n\n"
                         "The library's generic description of a SPASM_E* code.");

static PyObject *mod_errstr(PyObject *m, PyObject *arg)
{
    long code = PyLong_AsLong(arg);
    if (code == -1 && PyErr_Occurred()) return NULL;
    return PyUnicode_FromString(spasm_errstr((int)code));
}

static PyMethodDef mod_methods[] = {
    {"version", mod_version, METH_NOARGS, version_doc},
    {"errstr", mod_errstr, METH_O, errstr_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef mod_def = {
    PyModuleDef_HEAD_INIT,
    "_spasm",
    "The C extension behind the spasm package (see help(spasm)).",
    -1,
    mod_methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

/* Make spasm.Error and one subclass per code, and add them to m. */
static int add_errors(PyObject *m)
{
    errors[0] = PyErr_NewExceptionWithDoc(
        "spasm.Error",
        "The base of every error libspasm reports.  str(e) and e.message are\n"
        "the library's message (naming the file, line, option or query\n"
        "position at fault); e.code is the SPASM_E* code.",
        NULL, NULL);
    if (!errors[0] || PyModule_AddObjectRef(m, "Error", errors[0]) < 0) return -1;
    PyObject *builtins = PyEval_GetBuiltins();
    for (size_t i = 0; i < sizeof error_defs / sizeof *error_defs; i++) {
        char qual[64];
        snprintf(qual, sizeof qual, "spasm.%s", error_defs[i].name);
        PyObject *bases;
        if (error_defs[i].builtin) {
            PyObject *b = PyDict_GetItemString(builtins, error_defs[i].builtin);
            if (!b) return -1;
            bases = PyTuple_Pack(2, errors[0], b);
        } else {
            bases = PyTuple_Pack(1, errors[0]);
        }
        if (!bases) return -1;
        PyObject *cls = PyErr_NewExceptionWithDoc(qual, error_defs[i].doc, bases, NULL);
        Py_DECREF(bases);
        if (!cls) return -1;
        errors[error_defs[i].code] = cls;
        if (PyModule_AddObjectRef(m, error_defs[i].name, cls) < 0) return -1;
    }
    return 0;
}

PyMODINIT_FUNC PyInit__spasm(void);

PyMODINIT_FUNC PyInit__spasm(void)
{
    if (PyType_Ready(&PySpasm_WriterType) < 0 || PyType_Ready(&PySpasm_IndexType) < 0 ||
        PyType_Ready(&PySpasm_UpdaterType) < 0 || pyspasm_hit_types_ready() < 0)
        return NULL;
    PyObject *m = PyModule_Create(&mod_def);
    if (!m) return NULL;
    if (add_errors(m) < 0 ||
        PyModule_AddObjectRef(m, "Writer", (PyObject *)&PySpasm_WriterType) < 0 ||
        PyModule_AddObjectRef(m, "Index", (PyObject *)&PySpasm_IndexType) < 0 ||
        PyModule_AddObjectRef(m, "Updater", (PyObject *)&PySpasm_UpdaterType) < 0 ||
        PyModule_AddObjectRef(m, "Hit", (PyObject *)&PySpasm_HitType) < 0 ||
        PyModule_AddObjectRef(m, "Results", (PyObject *)&PySpasm_ResultsType) < 0 ||
        PyModule_AddObjectRef(m, "Dup", (PyObject *)&PySpasm_DupType) < 0 ||
        PyModule_AddStringConstant(m, "__version__", spasm_version()) < 0 ||
        PyModule_AddIntConstant(m, "FORMAT_VERSION", spasm_format_version()) < 0 ||
        PyModule_AddIntConstant(m, "FIELD_ID", SPASM_FIELD_ID) < 0 ||
        PyModule_AddIntConstant(m, "FIELD_TITLE", SPASM_FIELD_TITLE) < 0 ||
        PyModule_AddIntConstant(m, "FIELD_TEXT", SPASM_FIELD_TEXT) < 0 ||
        PyModule_AddIntConstant(m, "FIELDS_ALL", SPASM_FIELDS_ALL) < 0 ||
        PyModule_AddIntConstant(m, "MAX_K", SPASM_MAX_K) < 0 ||
        PyModule_AddIntConstant(m, "RESULT_EXPANSION_CUT", SPASM_RESULT_EXPANSION_CUT) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    for (int c = 1; c <= SPASM_EBUSY; c++) {
        char name[32];
        static const char *const codes[] = {"",          "ENOMEM", "EIO",       "ECORRUPT",
                                            "EVERSION",  "EINVAL", "EINPUT",    "EQUERY",
                                            "ENOTFOUND", "EEMPTY", "ECANCELED", "EBUSY"};
        snprintf(name, sizeof name, "%s", codes[c]);
        if (PyModule_AddIntConstant(m, name, c) < 0) {
            Py_DECREF(m);
            return NULL;
        }
    }
    return m;
}

/* The UTF-8 bytes of a str or bytes object; title may be None. */
int pyspasm_text_arg(PyObject *o, const char **s, Py_ssize_t *n, int none_ok, const char *what)
{
    if (none_ok && o == Py_None) {
        *s = NULL;
        *n = 0;
        return 0;
    }
    if (PyUnicode_Check(o)) {
        *s = PyUnicode_AsUTF8AndSize(o, n);
        return *s ? 0 : -1;
    }
    if (PyBytes_Check(o)) {
        *s = PyBytes_AS_STRING(o);
        *n = PyBytes_GET_SIZE(o);
        return 0;
    }
    PyErr_Format(PyExc_TypeError, "%s must be str or bytes%s, not %.100s", what,
                 none_ok ? " or None" : "", Py_TYPE(o)->tp_name);
    return -1;
}

/* id (and title, when to is not NULL) as C strings: no NUL inside. */
int pyspasm_id_title(PyObject *ido, PyObject *to, const char **id, const char **title)
{
    Py_ssize_t n;
    if (pyspasm_text_arg(ido, id, &n, 0, "id") < 0) return -1;
    if ((size_t)n != strlen(*id)) goto nul;
    if (!to) return 0;
    if (pyspasm_text_arg(to, title, &n, 1, "title") < 0) return -1;
    if (*title && (size_t)n != strlen(*title)) goto nul;
    return 0;
nul:
    PyErr_SetString(PyExc_ValueError, "an id or title holds a NUL character");
    return -1;
}

/* Keep a copy of a warning's text in the pyspasm_warnings at ud. */
void pyspasm_warnings_event(void *ud, spasm_event_kind kind, const char *msg,
                            const spasm_writer_stats *st)
{
    pyspasm_warnings *q = ud;
    (void)st;
    if (kind != SPASM_EVENT_WARNING || !msg) return;
    if (q->n == q->cap) {
        size_t cap = q->cap ? 2 * q->cap : 16;
        char **p = realloc(q->msg, cap * sizeof *p);
        if (!p) return;
        q->msg = p;
        q->cap = cap;
    }
    char *copy = strdup(msg);
    if (copy) q->msg[q->n++] = copy;
}

/* Hand the gathered warnings to `list` and `cb`; see pyspasm.h. */
int pyspasm_warnings_flush(pyspasm_warnings *q, PyObject *list, PyObject *cb)
{
    int rc = 0;
    for (size_t i = 0; i < q->n; i++) {
        if (!rc) {
            PyObject *s = PyUnicode_DecodeUTF8(q->msg[i], (Py_ssize_t)strlen(q->msg[i]), "replace");
            if (!s || PyList_Append(list, s) < 0) rc = -1;
            if (!rc && cb != Py_None) {
                PyObject *r = PyObject_CallOneArg(cb, s);
                if (!r) rc = -1;
                Py_XDECREF(r);
            }
            Py_XDECREF(s);
        }
        free(q->msg[i]);
    }
    q->n = 0;
    return rc;
}

/* Free the warnings not yet flushed. */
void pyspasm_warnings_free(pyspasm_warnings *q)
{
    for (size_t i = 0; i < q->n; i++) free(q->msg[i]);
    free(q->msg);
    q->msg = NULL;
    q->n = q->cap = 0;
}

/* Flush after a library call, keeping its exception; see pyspasm.h. */
PyObject *pyspasm_warnings_finish(pyspasm_warnings *q, PyObject *list, PyObject *cb, int failed)
{
    if (failed) {
        PyObject *t, *v, *tb;
        PyErr_Fetch(&t, &v, &tb);
        pyspasm_warnings_flush(q, list, cb);
        PyErr_Clear();
        PyErr_Restore(t, v, tb);
        return NULL;
    }
    if (pyspasm_warnings_flush(q, list, cb) < 0) return NULL;
    Py_RETURN_NONE;
}

/* Each item of po as UTF-8 text and length; see pyspasm.h. */
int pyspasm_passages_arg(PyObject *po, pyspasm_passages *p)
{
    memset(p, 0, sizeof *p);
    p->seq = PySequence_Fast(po, "add_passages: passages must be a sequence");
    if (!p->seq) return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(p->seq);
    p->text = PyMem_Calloc((size_t)n + 1, sizeof *p->text);
    p->len = PyMem_Calloc((size_t)n + 1, sizeof *p->len);
    if (!p->text || !p->len) {
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t len;
        if (pyspasm_text_arg(PySequence_Fast_GET_ITEM(p->seq, i), &p->text[i], &len, 0,
                             "a passage") < 0)
            goto fail;
        p->len[i] = (size_t)len;
    }
    p->n = (size_t)n;
    return 0;
fail:
    pyspasm_passages_free(p);
    return -1;
}

/* Release the arrays and the sequence. */
void pyspasm_passages_free(pyspasm_passages *p)
{
    PyMem_Free(p->text);
    PyMem_Free(p->len);
    Py_XDECREF(p->seq);
    memset(p, 0, sizeof *p);
}
