/*
 * updater.c -- spasm.Updater: changes a live index folder in place (add,
 * replace and delete documents by id, commit new generations).  Every
 * library call runs with the GIL released, under the Updater's own lock
 * (a spasm_updater is used by one thread at a time).  The library's
 * warnings (unknown deletes, ids added twice in a batch, files skipped)
 * are gathered in C while the GIL is released, then appended to
 * Updater.warnings (and passed to on_warning), as Writer does.
 */
#include "pyspasm.h"

#include <stdlib.h>

typedef struct {
    PyObject_HEAD spasm_updater *u;
    PyThread_type_lock lock;
    PyObject *path, *warnings, *on_warning;
    pyspasm_warnings queue;    /* warnings not yet in `warnings` */
    spasm_updater_stats final; /* the counters at close */
} UpdaterObject;

static void close_now(UpdaterObject *self)
{
    if (!self->u) return;
    spasm_updater_get_stats(self->u, &self->final);
    spasm_updater *u = self->u;
    self->u = NULL;
    Py_BEGIN_ALLOW_THREADS spasm_updater_close(u);
    Py_END_ALLOW_THREADS
}

static void updater_dealloc(UpdaterObject *self)
{
    spasm_updater_close(self->u);
    pyspasm_warnings_free(&self->queue);
    if (self->lock) PyThread_free_lock(self->lock);
    Py_XDECREF(self->path);
    Py_XDECREF(self->warnings);
    Py_XDECREF(self->on_warning);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *updater_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    UpdaterObject *self = (UpdaterObject *)type->tp_alloc(type, 0);
    if (!self) return NULL;
    self->lock = PyThread_allocate_lock();
    self->warnings = PyList_New(0);
    self->on_warning = Py_NewRef(Py_None);
    if (!self->lock || !self->warnings) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    return (PyObject *)self;
}

static int updater_init(UpdaterObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"path",       "k1",       "b", "no_stopwords", "memory_mb", "threads",
                             "on_warning", "variants", NULL};
    PyObject *path = NULL, *k1o = Py_None, *bo = Py_None, *cb = Py_None, *var = Py_None;
    int no_stop = 0;
    unsigned int mem = 0, threads = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&|$OOpIIOO:Updater", kwlist, PyUnicode_FSConverter,
                                     &path, &k1o, &bo, &no_stop, &mem, &threads, &cb, &var))
        return -1;
    if (self->u || self->path) {
        Py_DECREF(path);
        PyErr_SetString(PyExc_RuntimeError, "Updater.__init__ called twice");
        return -1;
    }
    if (cb != Py_None && !PyCallable_Check(cb)) {
        Py_DECREF(path);
        PyErr_SetString(PyExc_TypeError, "Updater: on_warning must be callable");
        return -1;
    }
    Py_SETREF(self->on_warning, Py_NewRef(cb));
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
    if (var != Py_None) { /* None: an existing folder's setting (a new one: on) */
        int on = PyObject_IsTrue(var);
        if (on < 0) {
            Py_DECREF(path);
            return -1;
        }
        o.variants = on ? SPASM_VARIANTS_ON : SPASM_VARIANTS_OFF;
    }
    o.on_event = pyspasm_warnings_event;
    o.event_ud = &self->queue;
    const char *p = PyBytes_AS_STRING(path);
    spasm_updater *u = NULL;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = spasm_updater_open(&u, p, &o);
    Py_END_ALLOW_THREADS self->path = PyUnicode_DecodeFSDefault(p);
    Py_DECREF(path);
    if (rc != SPASM_OK) {
        pyspasm_raise(rc, u ? spasm_updater_errmsg(u) : "out of memory");
        spasm_updater_close(u);
        pyspasm_warnings_flush(&self->queue, self->warnings, self->on_warning);
        return -1;
    }
    self->u = u;
    if (pyspasm_warnings_flush(&self->queue, self->warnings, self->on_warning) < 0) return -1;
    return self->path ? 0 : -1;
}

/* Start a call: the updater must be open; take its lock.  0 or -1. */
static int begin(UpdaterObject *self)
{
    if (!self->u) {
        PyErr_SetString(PyExc_ValueError, "the updater is closed");
        return -1;
    }
    pyspasm_lock(self->lock);
    if (!self->u) {
        PyThread_release_lock(self->lock);
        PyErr_SetString(PyExc_ValueError, "the updater is closed");
        return -1;
    }
    return 0;
}

/* End a call that returned rc: raise the updater's error, release the
 * lock.  Returns None or NULL. */
static PyObject *end(UpdaterObject *self, int rc)
{
    if (rc) pyspasm_raise(rc, spasm_updater_errmsg(self->u));
    PyThread_release_lock(self->lock);
    return pyspasm_warnings_finish(&self->queue, self->warnings, self->on_warning, rc != 0);
}

PyDoc_STRVAR(add_doc, "add($self, id, title, text, /)\n--\n\n"
                      "Add one document, or replace the committed one with this id (at\n"
                      "commit).  text is split into passages as Writer.add() does; title\n"
                      "may be None.");

static PyObject *updater_add(UpdaterObject *self, PyObject *args)
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
    Py_BEGIN_ALLOW_THREADS rc = spasm_updater_add(self->u, id, title, text, (size_t)len);
    Py_END_ALLOW_THREADS return end(self, rc);
}

PyDoc_STRVAR(add_passages_doc, "add_passages($self, id, title, passages, /)\n--\n\n"
                               "Add (or replace) one document already split: each item of\n"
                               "passages (str or bytes) becomes one passage, in order.");

static PyObject *updater_add_passages(UpdaterObject *self, PyObject *args)
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
            spasm_updater_add_passages(self->u, id, title, p.text, p.len, p.n);
        Py_END_ALLOW_THREADS res = end(self, rc);
    }
    pyspasm_passages_free(&p);
    return res;
}

PyDoc_STRVAR(add_path_doc, "add_path($self, path, /)\n--\n\n"
                           "Add (or replace, by id) the documents of a file or a directory, read\n"
                           "as Writer.add_path() reads them.  The live folder itself is refused.");

static PyObject *updater_add_path(UpdaterObject *self, PyObject *arg)
{
    PyObject *path = NULL;
    if (!PyUnicode_FSConverter(arg, &path)) return NULL;
    if (begin(self) < 0) {
        Py_DECREF(path);
        return NULL;
    }
    int rc;
    const char *p = PyBytes_AS_STRING(path);
    Py_BEGIN_ALLOW_THREADS rc = spasm_updater_add_path(self->u, p);
    Py_END_ALLOW_THREADS Py_DECREF(path);
    return end(self, rc);
}

PyDoc_STRVAR(delete_doc, "delete($self, id, /)\n--\n\n"
                         "Delete the document with this id (at commit).  An id no document has\n"
                         "is counted in stats()['unknown_deletes'], not an error.");

static PyObject *updater_delete(UpdaterObject *self, PyObject *arg)
{
    const char *id, *title = NULL;
    if (pyspasm_id_title(arg, NULL, &id, &title) < 0) return NULL;
    if (begin(self) < 0) return NULL;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = spasm_updater_delete(self->u, id);
    Py_END_ALLOW_THREADS return end(self, rc);
}

/* Run one argument-less library call under the lock, GIL released. */
static PyObject *call0(UpdaterObject *self, int (*fn)(spasm_updater *))
{
    if (begin(self) < 0) return NULL;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = fn(self->u);
    Py_END_ALLOW_THREADS return end(self, rc);
}

PyDoc_STRVAR(delete_all_doc, "delete_all($self, /)\n--\n\n"
                             "Delete everything: the next commit holds only what is added after\n"
                             "this call (readers keep their generation).");

static PyObject *updater_delete_all(UpdaterObject *self, PyObject *unused)
{
    return call0(self, spasm_updater_delete_all);
}

PyDoc_STRVAR(commit_doc, "commit($self, /)\n--\n\n"
                         "Publish the changes as one new generation (atomically; open Index\n"
                         "objects keep theirs until refresh()).  The updater stays open.");

static PyObject *updater_commit(UpdaterObject *self, PyObject *unused)
{
    return call0(self, spasm_updater_commit);
}

PyDoc_STRVAR(optimize_doc, "optimize($self, /)\n--\n\n"
                           "Commit with every segment merged into one (deleted documents\n"
                           "dropped).");

static PyObject *updater_optimize(UpdaterObject *self, PyObject *unused)
{
    return call0(self, spasm_updater_optimize);
}

PyDoc_STRVAR(close_doc, "close($self, /)\n--\n\n"
                        "Drop the uncommitted changes, unlock the folder (again is a no-op);\n"
                        "stats() keeps the last counts.");

static PyObject *updater_close(UpdaterObject *self, PyObject *unused)
{
    if (!self->u) Py_RETURN_NONE;
    pyspasm_lock(self->lock);
    close_now(self);
    PyThread_release_lock(self->lock);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(ustats_doc, "stats($self, /)\n--\n\n"
                         "The updater's counters as a dict: generation, segments,\n"
                         "live_documents, deleted_documents, live_passages, deleted_passages,\n"
                         "added, replaced, deleted, unknown_deletes, batch_duplicates, merges,\n"
                         "leftovers_removed, commit_time.");

static PyObject *updater_stats(UpdaterObject *self, PyObject *unused)
{
    spasm_updater_stats st;
    if (self->u) {
        pyspasm_lock(self->lock);
        if (self->u)
            spasm_updater_get_stats(self->u, &st);
        else
            st = self->final;
        PyThread_release_lock(self->lock);
    } else {
        st = self->final;
    }
#define U(x) (unsigned long long)(x)
    return Py_BuildValue("{sKsKsKsKsKsKsKsKsKsKsKsKsKsK}", "generation", U(st.generation),
                         "segments", U(st.segments), "live_documents", U(st.live_documents),
                         "deleted_documents", U(st.deleted_documents), "live_passages",
                         U(st.live_passages), "deleted_passages", U(st.deleted_passages), "added",
                         U(st.added), "replaced", U(st.replaced), "deleted", U(st.deleted),
                         "unknown_deletes", U(st.unknown_deletes), "batch_duplicates",
                         U(st.batch_duplicates), "merges", U(st.merges), "leftovers_removed",
                         U(st.leftovers_removed), "commit_time", U(st.commit_time));
#undef U
}

static PyObject *updater_enter(UpdaterObject *self, PyObject *unused)
{
    return Py_NewRef(self);
}

/* Commit then close when the block ended normally; close (dropping the
 * changes) when it raised. */
static PyObject *updater_exit(UpdaterObject *self, PyObject *args)
{
    PyObject *t = PyTuple_Size(args) > 0 ? PyTuple_GET_ITEM(args, 0) : Py_None;
    if (t == Py_None && self->u) {
        PyObject *r = updater_commit(self, NULL);
        if (!r) {
            PyObject *et, *ev, *etb;
            PyErr_Fetch(&et, &ev, &etb);
            Py_XDECREF(updater_close(self, NULL));
            PyErr_Restore(et, ev, etb);
            return NULL;
        }
        Py_DECREF(r);
    }
    PyObject *r = updater_close(self, NULL);
    if (!r) return NULL;
    Py_DECREF(r);
    Py_RETURN_FALSE;
}

static PyObject *updater_closed(UpdaterObject *self, void *unused)
{
    return PyBool_FromLong(self->u == NULL);
}

static PyObject *updater_repr(UpdaterObject *self)
{
    return PyUnicode_FromFormat("<spasm.Updater %R%s>", self->path ? self->path : Py_None,
                                self->u ? "" : " (closed)");
}

static PyMethodDef updater_methods[] = {
    {"add", (PyCFunction)updater_add, METH_VARARGS, add_doc},
    {"add_passages", (PyCFunction)updater_add_passages, METH_VARARGS, add_passages_doc},
    {"add_path", (PyCFunction)updater_add_path, METH_O, add_path_doc},
    {"delete", (PyCFunction)updater_delete, METH_O, delete_doc},
    {"delete_all", (PyCFunction)updater_delete_all, METH_NOARGS, delete_all_doc},
    {"commit", (PyCFunction)updater_commit, METH_NOARGS, commit_doc},
    {"optimize", (PyCFunction)updater_optimize, METH_NOARGS, optimize_doc},
    {"close", (PyCFunction)updater_close, METH_NOARGS, close_doc},
    {"stats", (PyCFunction)updater_stats, METH_NOARGS, ustats_doc},
    {"__enter__", (PyCFunction)updater_enter, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)updater_exit, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef updater_members[] = {
    {"path", T_OBJECT, offsetof(UpdaterObject, path), READONLY, "The live index folder."},
    {"warnings", T_OBJECT, offsetof(UpdaterObject, warnings), READONLY,
     "The library's warnings so far (unknown deletes, ids added twice in a\n"
     "batch, files skipped), a list of str."},
    {NULL, 0, 0, 0, NULL},
};

static PyGetSetDef updater_getset[] = {
    {"closed", (getter)updater_closed, NULL, "True once close() was called.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject PySpasm_UpdaterType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "spasm.Updater",
    .tp_basicsize = sizeof(UpdaterObject),
    .tp_dealloc = (destructor)updater_dealloc,
    .tp_repr = (reprfunc)updater_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Updater(path, *, k1=None, b=None, no_stopwords=False, memory_mb=0, threads=0,\n"
              "        on_warning=None, variants=None)\n--\n\n"
              "Open the live index folder path for updates (created when absent; a\n"
              "format-1 index file there is upgraded in place).  Takes the folder's\n"
              "lock: spasm.BusyError when another updater holds it.  k1, b and\n"
              "no_stopwords set a new folder's defaults (an existing folder keeps\n"
              "its own; other values are spasm.ArgumentError); memory_mb, threads\n"
              "as for Writer; on_warning: called with each warning's text (also\n"
              "kept in .warnings); variants: fold spelling variants in a new folder\n"
              "(None: on; an existing folder keeps its own, and the other value is\n"
              "spasm.ArgumentError).\n\n"
              "A context manager: `with spasm.Updater(p) as u:` commits and closes\n"
              "when the block ends normally, and closes (dropping the uncommitted\n"
              "changes) when it raises.  The GIL is released while the library works.",
    .tp_methods = updater_methods,
    .tp_members = updater_members,
    .tp_getset = updater_getset,
    .tp_init = (initproc)updater_init,
    .tp_new = updater_new,
};
