/*
 * writer.c -- spasm.Writer: builds an index file.  Every call that
 * indexes runs with the GIL released, under the Writer's own lock (a
 * spasm_writer is used by one thread at a time).  The library's warnings
 * (files skipped or repaired) are gathered in C while the GIL is
 * released, then appended to Writer.warnings (and passed to on_warning).
 */
#include "pyspasm.h"

#include <stdlib.h>

enum { W_OPEN, W_COMMITTED, W_ABANDONED };

typedef struct {
    PyObject_HEAD spasm_writer *w;
    PyThread_type_lock lock;
    int state;
    volatile sig_atomic_t cancel;
    PyObject *path, *warnings, *on_warning;
    pyspasm_warnings queue;   /* warnings not yet in `warnings` */
    spasm_writer_stats final; /* the counters at commit */
} WriterObject;

static void free_writer(WriterObject *self)
{
    spasm_writer_abandon(self->w);
    self->w = NULL;
}

static void writer_dealloc(WriterObject *self)
{
    free_writer(self); /* not committed: removes its temporary files */
    pyspasm_warnings_free(&self->queue);
    if (self->lock) PyThread_free_lock(self->lock);
    Py_XDECREF(self->path);
    Py_XDECREF(self->warnings);
    Py_XDECREF(self->on_warning);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *writer_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    WriterObject *self = (WriterObject *)type->tp_alloc(type, 0);
    if (!self) return NULL;
    self->lock = PyThread_allocate_lock();
    self->warnings = PyList_New(0);
    self->on_warning = Py_NewRef(Py_None);
    self->state = W_ABANDONED; /* until __init__ succeeds */
    if (!self->lock || !self->warnings) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    return (PyObject *)self;
}

static int writer_init(WriterObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"path",    "k1",    "b",          "no_stopwords", "memory_mb",
                             "threads", "force", "on_warning", "variants",     NULL};
    PyObject *path = NULL, *k1o = Py_None, *bo = Py_None, *cb = Py_None;
    int no_stop = 0, force = 0, variants = 1;
    unsigned int mem = 0, threads = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&|$OOpIIpOp:Writer", kwlist, PyUnicode_FSConverter,
                                     &path, &k1o, &bo, &no_stop, &mem, &threads, &force, &cb,
                                     &variants))
        return -1;
    if (self->w || self->path) {
        Py_DECREF(path);
        PyErr_SetString(PyExc_RuntimeError, "Writer.__init__ called twice");
        return -1;
    }
    if (cb != Py_None && !PyCallable_Check(cb)) {
        Py_DECREF(path);
        PyErr_SetString(PyExc_TypeError, "Writer: on_warning must be callable");
        return -1;
    }
    spasm_writer_options o;
    memset(&o, 0, sizeof o);
    o.b = SPASM_B_DEFAULT;
    if ((k1o != Py_None && (o.k1 = PyFloat_AsDouble(k1o)) == -1.0 && PyErr_Occurred()) ||
        (bo != Py_None && (o.b = PyFloat_AsDouble(bo)) == -1.0 && PyErr_Occurred())) {
        Py_DECREF(path);
        return -1;
    }
    o.no_stopwords = no_stop;
    o.memory_mb = mem;
    o.threads = threads;
    o.force = force;
    o.variants = variants ? SPASM_VARIANTS_ON : SPASM_VARIANTS_OFF;
    o.on_event = pyspasm_warnings_event;
    o.event_ud = &self->queue;
    o.cancel = &self->cancel;
    Py_SETREF(self->on_warning, Py_NewRef(cb));
    const char *p = PyBytes_AS_STRING(path);
    spasm_writer *w = NULL;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = spasm_writer_new(&w, p, &o);
    Py_END_ALLOW_THREADS self->path = PyUnicode_DecodeFSDefault(p);
    Py_DECREF(path);
    if (rc != SPASM_OK) {
        pyspasm_raise(rc, w ? spasm_writer_errmsg(w) : "out of memory");
        spasm_writer_abandon(w);
        return -1;
    }
    self->w = w;
    self->state = W_OPEN;
    if (pyspasm_warnings_flush(&self->queue, self->warnings, self->on_warning) < 0) return -1;
    return self->path ? 0 : -1;
}

/* Start a call: the writer must be open; take its lock.  0 or -1. */
static int begin(WriterObject *self)
{
    if (self->state != W_OPEN) {
        PyErr_SetString(PyExc_ValueError, self->state == W_COMMITTED ? "the writer was committed"
                                                                     : "the writer was abandoned");
        return -1;
    }
    pyspasm_lock(self->lock);
    if (self->state != W_OPEN) { /* another thread closed it meanwhile */
        PyThread_release_lock(self->lock);
        PyErr_SetString(PyExc_ValueError, "the writer is closed");
        return -1;
    }
    return 0;
}

/* End a call that returned rc: release the lock, hand on the warnings,
 * raise the writer's error.  Returns None or NULL. */
static PyObject *end(WriterObject *self, int rc)
{
    if (rc) pyspasm_raise(rc, spasm_writer_errmsg(self->w));
    PyThread_release_lock(self->lock);
    return pyspasm_warnings_finish(&self->queue, self->warnings, self->on_warning, rc != 0);
}

PyDoc_STRVAR(add_doc, "add($self, id, title, text, /)\n--\n\n"
                      "Add one document: text (str, or UTF-8 bytes: invalid bytes are\n"
                      "repaired) is split into passages (paragraphs) as spasm-index does.\n"
                      "title may be None.");

static PyObject *writer_add(WriterObject *self, PyObject *args)
{
    PyObject *ido, *to, *xo;
    if (!PyArg_ParseTuple(args, "OOO:add", &ido, &to, &xo)) return NULL;
    const char *id, *title, *text;
    Py_ssize_t len;
    if (pyspasm_id_title(ido, to, &id, &title) < 0 ||
        pyspasm_text_arg(xo, &text, &len, 0, "text") < 0)
        return NULL;
    if (begin(self) < 0) return NULL;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = spasm_writer_add(self->w, id, title, text, (size_t)len);
    Py_END_ALLOW_THREADS return end(self, rc);
}

PyDoc_STRVAR(add_passages_doc,
             "add_passages($self, id, title, passages, /)\n--\n\n"
             "Add one document already split: each item of passages (str or bytes)\n"
             "becomes one passage, in order.");

static PyObject *writer_add_passages(WriterObject *self, PyObject *args)
{
    PyObject *ido, *to, *po;
    if (!PyArg_ParseTuple(args, "OOO:add_passages", &ido, &to, &po)) return NULL;
    const char *id, *title;
    if (pyspasm_id_title(ido, to, &id, &title) < 0) return NULL;
    pyspasm_passages p;
    if (pyspasm_passages_arg(po, &p) < 0) return NULL;
    PyObject *res = NULL;
    if (begin(self) == 0) {
        int rc;
        Py_BEGIN_ALLOW_THREADS rc =
            spasm_writer_add_passages(self->w, id, title, p.text, p.len, p.n);
        Py_END_ALLOW_THREADS res = end(self, rc);
    }
    pyspasm_passages_free(&p);
    return res;
}

PyDoc_STRVAR(add_path_doc,
             "add_path($self, path, /)\n--\n\n"
             "Add a file or a directory (recursively, in name order) as spasm-index\n"
             "reads it: .txt articles, JSON Lines (.jsonl, .ndjson, .json, their .gz),\n"
             "HTML pages (.html, .htm) and Markdown (.md, .markdown).\n"
             "Files skipped inside a directory are warnings (Writer.warnings); a bad\n"
             "file named directly raises spasm.InputError.");

static PyObject *writer_add_path(WriterObject *self, PyObject *arg)
{
    PyObject *path = NULL;
    if (!PyUnicode_FSConverter(arg, &path)) return NULL;
    if (begin(self) < 0) {
        Py_DECREF(path);
        return NULL;
    }
    int rc;
    const char *p = PyBytes_AS_STRING(path);
    Py_BEGIN_ALLOW_THREADS rc = spasm_writer_add_path(self->w, p);
    Py_END_ALLOW_THREADS Py_DECREF(path);
    return end(self, rc);
}

PyDoc_STRVAR(add_file_doc,
             "add_file($self, file, /, name=None, format='auto')\n--\n\n"
             "Add what can be read from file, a file object with fileno() or a\n"
             "descriptor (int), front to back until its end (gunzipped when it starts\n"
             "with the gzip magic); it is not closed.  name names the input in\n"
             "messages and gives a text article its id (default: file.name, else\n"
             "'fd N').  format: 'auto' (JSON Lines when the first line is an object,\n"
             "else text), 'jsonl' or 'text'.  add_fd is the same call.");

static PyObject *writer_add_file(WriterObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"", "name", "format", NULL};
    PyObject *f, *nameo = Py_None;
    const char *format = "auto";
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|Os:add_file", kwlist, &f, &nameo, &format))
        return NULL;
    int fmt;
    if (!strcmp(format, "auto"))
        fmt = SPASM_INPUT_AUTO;
    else if (!strcmp(format, "jsonl"))
        fmt = SPASM_INPUT_JSONL;
    else if (!strcmp(format, "text"))
        fmt = SPASM_INPUT_TEXT;
    else
        return pyspasm_raise(SPASM_EINVAL, "add_file: format must be 'auto', 'jsonl' or 'text'");
    int fd = PyObject_AsFileDescriptor(f);
    if (fd < 0) return NULL;
    PyObject *name;
    if (nameo != Py_None)
        name = PyObject_Str(nameo);
    else if (!PyLong_Check(f) && PyObject_HasAttrString(f, "name")) {
        PyObject *n = PyObject_GetAttrString(f, "name");
        name = n && PyUnicode_Check(n) ? Py_NewRef(n) : PyUnicode_FromFormat("fd %d", fd);
        Py_XDECREF(n);
    } else
        name = PyUnicode_FromFormat("fd %d", fd);
    if (!name) return NULL;
    const char *cname = PyUnicode_AsUTF8(name);
    PyObject *res = NULL;
    if (cname && begin(self) == 0) {
        int rc;
        Py_BEGIN_ALLOW_THREADS rc = spasm_writer_add_fd(self->w, fd, cname, fmt);
        Py_END_ALLOW_THREADS res = end(self, rc);
    }
    Py_DECREF(name);
    return res;
}

PyDoc_STRVAR(commit_doc, "commit($self, /)\n--\n\n"
                         "Write the index aside, fsync it and rename it over the path (atomic),\n"
                         "then free the writer; stats() keeps the final counts.  On failure\n"
                         "(spasm.EmptyError: no passage has a word; spasm.InputError: bad input\n"
                         "found only now) nothing is replaced and the writer is abandoned.");

static PyObject *writer_commit(WriterObject *self, PyObject *unused)
{
    if (begin(self) < 0) return NULL;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = spasm_writer_commit(self->w);
    Py_END_ALLOW_THREADS self->final = *spasm_writer_get_stats(self->w);
    PyObject *res = end(self, rc);
    self->state = rc ? W_ABANDONED : W_COMMITTED;
    free_writer(self);
    return res;
}

PyDoc_STRVAR(abandon_doc, "abandon($self, /)\n--\n\n"
                          "Give the index up: remove every temporary file, replace nothing.\n"
                          "A no-op once committed or abandoned.");

static PyObject *writer_abandon(WriterObject *self, PyObject *unused)
{
    if (self->state != W_OPEN) Py_RETURN_NONE;
    pyspasm_lock(self->lock);
    if (self->state == W_OPEN) {
        self->final = *spasm_writer_get_stats(self->w);
        self->state = W_ABANDONED;
        Py_BEGIN_ALLOW_THREADS free_writer(self);
        Py_END_ALLOW_THREADS
    }
    PyThread_release_lock(self->lock);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(cancel_doc, "cancel($self, /)\n--\n\n"
                         "Ask a call running in another thread (add_path, commit, ...) to stop:\n"
                         "it raises spasm.CanceledError, and the writer can then only be\n"
                         "abandoned.  Safe from any thread, and from a signal handler.");

static PyObject *writer_cancel(WriterObject *self, PyObject *unused)
{
    self->cancel = 1;
    Py_RETURN_NONE;
}

PyDoc_STRVAR(wstats_doc, "stats($self, /)\n--\n\n"
                         "The writer's counters as a dict: documents, passages, tokens, terms and\n"
                         "postings (after commit), input_bytes, skipped_files, repaired,\n"
                         "index_bytes (after commit), files_done, file_bytes, duplicate_ids,\n"
                         "leftovers_removed.");

static PyObject *writer_stats(WriterObject *self, PyObject *unused)
{
    spasm_writer_stats st;
    if (self->state == W_OPEN) {
        pyspasm_lock(self->lock);
        st = *spasm_writer_get_stats(self->w);
        PyThread_release_lock(self->lock);
    } else {
        st = self->final;
    }
#define U(x) (unsigned long long)(x)
    return Py_BuildValue("{sKsKsKsKsKsKsKsKsKsKsKsKsK}", "documents", U(st.documents), "passages",
                         U(st.passages), "tokens", U(st.tokens), "terms", U(st.terms), "postings",
                         U(st.postings), "input_bytes", U(st.input_bytes), "skipped_files",
                         U(st.skipped_files), "repaired", U(st.repaired), "index_bytes",
                         U(st.index_bytes), "files_done", U(st.files_done), "file_bytes",
                         U(st.file_bytes), "duplicate_ids", U(st.duplicate_ids),
                         "leftovers_removed", U(st.leftovers_removed));
#undef U
}

static PyObject *writer_enter(WriterObject *self, PyObject *unused)
{
    return Py_NewRef(self);
}

/* Commit when the block ended normally, abandon when it raised. */
static PyObject *writer_exit(WriterObject *self, PyObject *args)
{
    PyObject *t = PyTuple_Size(args) > 0 ? PyTuple_GET_ITEM(args, 0) : Py_None;
    if (t != Py_None || self->state != W_OPEN) {
        PyObject *r = writer_abandon(self, NULL);
        Py_XDECREF(r);
        if (!r) return NULL;
        Py_RETURN_FALSE;
    }
    PyObject *r = writer_commit(self, NULL);
    if (!r) return NULL;
    Py_DECREF(r);
    Py_RETURN_FALSE;
}

static PyObject *writer_committed(WriterObject *self, void *unused)
{
    return PyBool_FromLong(self->state == W_COMMITTED);
}

static PyObject *writer_repr(WriterObject *self)
{
    static const char *const st[] = {"open", "committed", "abandoned"};
    return PyUnicode_FromFormat("<spasm.Writer %R (%s)>", self->path ? self->path : Py_None,
                                st[self->state]);
}

static PyMethodDef writer_methods[] = {
    {"add", (PyCFunction)writer_add, METH_VARARGS, add_doc},
    {"add_passages", (PyCFunction)writer_add_passages, METH_VARARGS, add_passages_doc},
    {"add_path", (PyCFunction)writer_add_path, METH_O, add_path_doc},
    {"add_file", (PyCFunction)(void (*)(void))writer_add_file, METH_VARARGS | METH_KEYWORDS,
     add_file_doc},
    {"add_fd", (PyCFunction)(void (*)(void))writer_add_file, METH_VARARGS | METH_KEYWORDS,
     add_file_doc},
    {"commit", (PyCFunction)writer_commit, METH_NOARGS, commit_doc},
    {"abandon", (PyCFunction)writer_abandon, METH_NOARGS, abandon_doc},
    {"cancel", (PyCFunction)writer_cancel, METH_NOARGS, cancel_doc},
    {"stats", (PyCFunction)writer_stats, METH_NOARGS, wstats_doc},
    {"__enter__", (PyCFunction)writer_enter, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)writer_exit, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef writer_members[] = {
    {"path", T_OBJECT, offsetof(WriterObject, path), READONLY, "The index file to write."},
    {"warnings", T_OBJECT, offsetof(WriterObject, warnings), READONLY,
     "The library's warnings so far (files skipped, UTF-8 repaired), a list of str."},
    {NULL, 0, 0, 0, NULL},
};

static PyGetSetDef writer_getset[] = {
    {"committed", (getter)writer_committed, NULL, "True once commit() succeeded.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject PySpasm_WriterType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "spasm.Writer",
    .tp_basicsize = sizeof(WriterObject),
    .tp_dealloc = (destructor)writer_dealloc,
    .tp_repr = (reprfunc)writer_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Writer(path, *, k1=None, b=None, no_stopwords=False, memory_mb=0, threads=0,\n"
              "       force=False, on_warning=None, variants=True)\n--\n\n"
              "Build a new index that replaces path on commit() (atomically; nothing\n"
              "at path is touched before).  k1, b: the BM25 defaults stored in the\n"
              "index (None = 1.4, 0.6); no_stopwords: keep stop words in queries by\n"
              "default; memory_mb: the indexing memory budget (0 = 1024); threads:\n"
              "analysis threads (0 = one per CPU, at most 8; the index is the same for\n"
              "any number); force: replace a file that is not an index; on_warning:\n"
              "called with each warning's text (also kept in .warnings); variants:\n"
              "fold British and variant spellings (anaemia: anemia), as spasm-index\n"
              "does unless --no-variants.\n\n"
              "A context manager: `with spasm.Writer(p) as w:` commits when the block\n"
              "ends normally and abandons (removing every temporary file) when it\n"
              "raises.  The GIL is released while indexing.",
    .tp_methods = writer_methods,
    .tp_members = writer_members,
    .tp_getset = writer_getset,
    .tp_init = (initproc)writer_init,
    .tp_new = writer_new,
};
