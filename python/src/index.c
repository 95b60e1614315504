/*
 * index.c -- spasm.Index: an open index, searched from any number of
 * Python threads at once.
 *
 * Each call that searches or looks up takes a spasm_searcher from the
 * Index's pool (making one when the pool is empty), releases the GIL for
 * the library call and puts the searcher back: so there are as many
 * searchers as calls ever ran at once, each used by one thread at a time,
 * as the library asks.  The pool is touched only with the GIL held.
 * spasm_index_verify(), spasm_searcher_new() and spasm_index_get_stats()
 * must not run beside one another on one index: they take the Index's
 * `meta` lock.
 */
#include "pyspasm.h"

typedef struct {
    PyObject_HEAD spasm_index *ix;
    PyObject *path; /* as given (str) */
    spasm_searcher **pool;
    size_t npool, cappool;
    Py_ssize_t active; /* searchers out of the pool */
    PyThread_type_lock meta;
    PyObject *syn; /* a capsule holding Index(synonyms=FILE)'s table, or NULL;
                      shared with the Index objects refresh() returns */
} IndexObject;

/* The capsule's destructor: free the synonym table. */
static void syn_capsule_free(PyObject *cap)
{
    spasm_synonyms_free(PyCapsule_GetPointer(cap, "spasm.synonyms"));
}

/* Load the synonym file at path (str, bytes or PathLike) into a capsule:
 * NULL with spasm.QueryError (its line), spasm.FileError, ... set. */
static PyObject *load_synonyms(PyObject *patho)
{
    PyObject *b = NULL;
    if (!PyUnicode_FSConverter(patho, &b)) return NULL;
    spasm_synonyms *t = NULL;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = spasm_synonyms_load(&t, PyBytes_AS_STRING(b));
    Py_END_ALLOW_THREADS Py_DECREF(b);
    if (rc != SPASM_OK) {
        pyspasm_raise(rc, t ? spasm_synonyms_errmsg(t) : "out of memory");
        spasm_synonyms_free(t);
        return NULL;
    }
    PyObject *cap = PyCapsule_New(t, "spasm.synonyms", syn_capsule_free);
    if (!cap) spasm_synonyms_free(t);
    return cap;
}

/* Free the searchers and the index. */
static void index_close_now(IndexObject *self)
{
    for (size_t i = 0; i < self->npool; i++) spasm_searcher_free(self->pool[i]);
    PyMem_Free(self->pool);
    self->pool = NULL;
    self->npool = self->cappool = 0;
    spasm_close(self->ix);
    self->ix = NULL;
}

static void index_dealloc(IndexObject *self)
{
    index_close_now(self);
    if (self->meta) PyThread_free_lock(self->meta);
    Py_XDECREF(self->path);
    Py_XDECREF(self->syn);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *index_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    IndexObject *self = (IndexObject *)type->tp_alloc(type, 0);
    if (!self) return NULL;
    self->meta = PyThread_allocate_lock();
    if (!self->meta) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    return (PyObject *)self;
}

/* Open path (one path: str/bytes/PathLike, or a list or tuple of them,
 * spasm_open_many) into self.  0, or -1 with an exception set. */
static int index_init(IndexObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"path", "verify", "synonyms", NULL};
    PyObject *patho = NULL, *syno = Py_None;
    int verify = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|$pO:Index", kwlist, &patho, &verify, &syno))
        return -1;
    if (self->ix || self->path) {
        PyErr_SetString(PyExc_RuntimeError, "Index.__init__ called twice");
        return -1;
    }
    if (syno != Py_None && !(self->syn = load_synonyms(syno))) return -1;
    int many = PyList_Check(patho) || PyTuple_Check(patho);
    PyObject *seq = many ? PySequence_Fast(patho, "Index: paths") : PyTuple_Pack(1, patho);
    if (!seq) return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **bytes = PyMem_Calloc((size_t)n + 1, sizeof *bytes);
    const char **paths = PyMem_Calloc((size_t)n + 1, sizeof *paths);
    PyObject *names = PyList_New(0);
    int ret = -1;
    if (!bytes || !paths || !names) {
        PyErr_NoMemory();
        goto out;
    }
    if (n == 0) {
        pyspasm_raise(SPASM_EINVAL, "Index: the list of paths is empty");
        goto out;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!PyUnicode_FSConverter(PySequence_Fast_GET_ITEM(seq, i), &bytes[i])) goto out;
        paths[i] = PyBytes_AS_STRING(bytes[i]);
        PyObject *nm = PyUnicode_DecodeFSDefault(paths[i]);
        if (!nm || PyList_Append(names, nm) < 0) {
            Py_XDECREF(nm);
            goto out;
        }
        Py_DECREF(nm);
    }
    spasm_open_options o = {verify ? SPASM_OPEN_VERIFY : 0, NULL, NULL};
    spasm_index *ix = NULL;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc =
        many ? spasm_open_many(&ix, paths, (size_t)n, &o) : spasm_open(&ix, paths[0], &o);
    Py_END_ALLOW_THREADS if (rc != SPASM_OK)
    {
        pyspasm_raise(rc, ix ? spasm_index_errmsg(ix) : "out of memory");
        spasm_close(ix);
        goto out;
    }
    self->ix = ix;
    self->path = many ? PyList_AsTuple(names) : Py_NewRef(PyList_GET_ITEM(names, 0));
    ret = self->path ? 0 : -1;
out:
    for (Py_ssize_t i = 0; bytes && i < n; i++) Py_XDECREF(bytes[i]);
    PyMem_Free(bytes);
    PyMem_Free(paths);
    Py_XDECREF(names);
    Py_DECREF(seq);
    return ret;
}

/* A searcher for this call (GIL held): from the pool, or a new one.
 * NULL with an exception set. */
static spasm_searcher *take_searcher(IndexObject *self)
{
    if (!self->ix) {
        PyErr_SetString(PyExc_ValueError, "the index is closed");
        return NULL;
    }
    spasm_searcher *s = NULL;
    if (self->npool) {
        s = self->pool[--self->npool];
    } else {
        pyspasm_lock(self->meta);
        int rc = spasm_searcher_new(self->ix, &s);
        const char *msg = rc ? spasm_index_errmsg(self->ix) : "";
        if (rc) pyspasm_raise(rc, *msg ? msg : spasm_errstr(rc));
        PyThread_release_lock(self->meta);
        if (rc) return NULL;
    }
    self->active++;
    return s;
}

/* Put a searcher back (GIL held). */
static void give_searcher(IndexObject *self, spasm_searcher *s)
{
    self->active--;
    if (self->npool == self->cappool) {
        size_t cap = self->cappool ? 2 * self->cappool : 8;
        spasm_searcher **p = PyMem_Realloc(self->pool, cap * sizeof *p);
        if (!p) {
            spasm_searcher_free(s);
            return;
        }
        self->pool = p;
        self->cappool = cap;
    }
    self->pool[self->npool++] = s;
}

/* Raise the searcher's error for rc (GIL held, s not yet given back). */
static PyObject *searcher_error(spasm_searcher *s, int rc)
{
    return pyspasm_raise(rc, spasm_searcher_errmsg(s));
}

/* The fields option: an int of FIELD_* bits, or names ("id", "title",
 * "text", "all") as one comma-separated str or an iterable of str.
 * -1 with an exception set. */
static long parse_fields(PyObject *f)
{
    if (!f || f == Py_None) return 0;
    if (PyLong_Check(f)) return PyLong_AsLong(f);
    PyObject *names;
    if (PyUnicode_Check(f)) {
        PyObject *comma = PyUnicode_FromString(",");
        names = comma ? PyUnicode_Split(f, comma, -1) : NULL;
        Py_XDECREF(comma);
    } else {
        names = PySequence_List(f);
    }
    if (!names) return -1;
    long bits = 0;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(names); i++) {
        PyObject *n = PyList_GET_ITEM(names, i);
        const char *s = PyUnicode_Check(n) ? PyUnicode_AsUTF8(n) : NULL;
        if (s && !strcmp(s, "id"))
            bits |= SPASM_FIELD_ID;
        else if (s && !strcmp(s, "title"))
            bits |= SPASM_FIELD_TITLE;
        else if (s && !strcmp(s, "text"))
            bits |= SPASM_FIELD_TEXT;
        else if (s && !strcmp(s, "all"))
            bits |= SPASM_FIELDS_ALL;
        else {
            Py_DECREF(names);
            PyErr_Format(PyExc_ValueError, "fields: %R is not one of 'id', 'title', 'text', 'all'",
                         n);
            return -1;
        }
    }
    Py_DECREF(names);
    return bits;
}

PyDoc_STRVAR(search_doc,
             "search($self, query, /, k=10, *, offset=0, group='passage', fields=None,\n"
             "       collapse=False, explain=False, keep_stopwords=False, k1=None, b=None,\n"
             "       snippet_bytes=None, typos=None, title_weight=None, proximity=0.0,\n"
             "       families=False, synonyms=True)\n--\n\n"
             "Run a query (README, \"Query syntax\") and return the ranked hits.\n\n"
             "query           words, \"phrases\", +must -mustnot, AND OR NOT, (groups),\n"
             "                prefix*, a NEAR/5 b.\n"
             "k               hits wanted, 1 to MAX_K (default 10).\n"
             "offset          hits to skip, for paging (hit.rank counts from offset + 1).\n"
             "group           'passage' (one hit per passage) or 'doc' (one per document:\n"
             "                its best passage).\n"
             "fields          what to fill in each hit: FIELD_ID | FIELD_TITLE | FIELD_TEXT,\n"
             "                or names ('id,text', ['id', 'title']); None = all.  Ids only\n"
             "                make a large k cheap (no text is inflated).\n"
             "collapse        fold near-duplicate passages into the better one\n"
             "                (hit.also_in); never with group='doc'.\n"
             "explain         fill hit.explain with the score broken down.\n"
             "keep_stopwords  do not drop stop words from the query.\n"
             "k1, b           BM25 parameters (None = the index's: stats()['k1'], ['b']);\n"
             "                0 < k1 <= 100, 0 <= b <= 1.\n"
             "snippet_bytes   target snippet length in bytes (None = 300).\n"
             "typos           True: a word the index lacks is searched as its closest\n"
             "                indexed word (Results.suggestion says so); False: as\n"
             "                typed; None: the library's default (off).\n"
             "title_weight    BM25F-style weight of the title, 0 < w <= 100 (None = 1).\n"
             "proximity       weight of the term-proximity component, 0 (off) to 100.\n"
             "families        also match word families (pregnant: pregnancy).\n"
             "synonyms        False: no synonyms, neither Index(synonyms=FILE)'s nor\n"
             "                those stored in the index.\n\n"
             "Returns a spasm.Results: a sequence of spasm.Hit with .total, .flags and\n"
             ".notes.  Raises spasm.QueryError for a query that cannot be searched\n"
             "(the message names the byte position), spasm.ArgumentError for an option\n"
             "out of range, spasm.CorruptError for a damaged index.  The GIL is\n"
             "released while the library searches; threads may search one Index at once.");

static PyObject *index_search(IndexObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"",
                             "k",
                             "offset",
                             "group",
                             "fields",
                             "collapse",
                             "explain",
                             "keep_stopwords",
                             "k1",
                             "b",
                             "snippet_bytes",
                             "typos",
                             "title_weight",
                             "proximity",
                             "families",
                             "synonyms",
                             NULL};
    const char *query;
    Py_ssize_t qlen, k = 10, offset = 0;
    const char *group = "passage";
    PyObject *fields = NULL, *k1o = Py_None, *bo = Py_None, *snip = Py_None;
    PyObject *typos = Py_None, *tw = Py_None;
    double prox = 0;
    int collapse = 0, explain = 0, keep = 0, families = 0, synonyms = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "s#|n$nzOpppOOOOOdpp:search", kwlist, &query, &qlen,
                                     &k, &offset, &group, &fields, &collapse, &explain, &keep, &k1o,
                                     &bo, &snip, &typos, &tw, &prox, &families, &synonyms))
        return NULL;
    if ((size_t)qlen != strlen(query)) {
        PyErr_SetString(PyExc_ValueError, "search: the query holds a NUL character");
        return NULL;
    }
    spasm_search_options o;
    spasm_search_options_init(&o);
    if (k < 1 || offset < 0)
        return pyspasm_raise(SPASM_EINVAL, k < 1 ? "search: k must be at least 1"
                                                 : "search: offset must not be negative");
    o.k = (size_t)k;
    o.offset = (size_t)offset;
    if (!group || !strcmp(group, "passage"))
        o.group = SPASM_GROUP_NONE;
    else if (!strcmp(group, "doc"))
        o.group = SPASM_GROUP_DOC;
    else
        return pyspasm_raise(SPASM_EINVAL, "search: group must be 'passage' or 'doc'");
    long f = parse_fields(fields);
    if (f < 0) return NULL;
    o.fields = (unsigned)f;
    o.collapse = collapse;
    o.explain = explain;
    o.keep_stopwords = keep;
    if (k1o != Py_None && ((o.k1 = PyFloat_AsDouble(k1o)) == -1.0 && PyErr_Occurred())) return NULL;
    if (bo != Py_None && ((o.b = PyFloat_AsDouble(bo)) == -1.0 && PyErr_Occurred())) return NULL;
    if (snip != Py_None) {
        Py_ssize_t n = PyNumber_AsSsize_t(snip, PyExc_OverflowError);
        if (n == -1 && PyErr_Occurred()) return NULL;
        if (n < 1) return pyspasm_raise(SPASM_EINVAL, "search: snippet_bytes must be at least 1");
        o.snippet_bytes = (size_t)n;
    }
    if (typos != Py_None) {
        int on = PyObject_IsTrue(typos);
        if (on < 0) return NULL;
        o.typos = on ? SPASM_TYPOS_ON : SPASM_TYPOS_OFF;
    }
    if (tw != Py_None && ((o.title_weight = PyFloat_AsDouble(tw)) == -1.0 && PyErr_Occurred()))
        return NULL;
    if (tw != Py_None && o.title_weight == 0) /* 0 would mean the default: refuse it */
        return pyspasm_raise(SPASM_EINVAL, "search: title_weight must be above 0 and at most 100");
    o.proximity = prox;
    o.families = families;
    o.no_synonyms = !synonyms;
    if (self->syn) o.synonyms = PyCapsule_GetPointer(self->syn, "spasm.synonyms");
    spasm_searcher *s = take_searcher(self);
    if (!s) return NULL;
    spasm_results *r = NULL;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = spasm_search(s, query, &o, &r);
    Py_END_ALLOW_THREADS PyObject *res =
        rc ? searcher_error(s, rc) : pyspasm_results(r, o.offset, 1);
    give_searcher(self, s);
    spasm_results_free(r);
    return res;
}

PyDoc_STRVAR(count_doc, "count($self, query, /)\n--\n\n"
                        "The exact number of passages that match query, without ranking\n"
                        "(errors as for search()).");

static PyObject *index_count(IndexObject *self, PyObject *args)
{
    const char *query;
    if (!PyArg_ParseTuple(args, "s:count", &query)) return NULL;
    spasm_searcher *s = take_searcher(self);
    if (!s) return NULL;
    uint64_t n = 0;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = spasm_count(s, query, &n);
    Py_END_ALLOW_THREADS PyObject *res =
        rc ? searcher_error(s, rc) : PyLong_FromUnsignedLongLong(n);
    give_searcher(self, s);
    return res;
}

PyDoc_STRVAR(find_doc_doc, "find_doc($self, doc_id, /)\n--\n\n"
                           "The number (0-based) of the first document added with this id;\n"
                           "spasm.NotFoundError when there is none.");

static PyObject *index_find_doc(IndexObject *self, PyObject *args)
{
    const char *id;
    if (!PyArg_ParseTuple(args, "s:find_doc", &id)) return NULL;
    spasm_searcher *s = take_searcher(self);
    if (!s) return NULL;
    uint32_t doc = 0;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = spasm_find_doc(s, id, &doc);
    Py_END_ALLOW_THREADS PyObject *res = rc ? searcher_error(s, rc) : PyLong_FromUnsignedLong(doc);
    give_searcher(self, s);
    return res;
}

/* A document number from an int, or from an id (str) through find_doc. */
static int doc_number(IndexObject *self, PyObject *d, uint32_t *out)
{
    if (PyUnicode_Check(d)) {
        PyObject *args = PyTuple_Pack(1, d);
        PyObject *n = args ? index_find_doc(self, args) : NULL;
        Py_XDECREF(args);
        if (!n) return -1;
        *out = (uint32_t)PyLong_AsUnsignedLong(n);
        Py_DECREF(n);
        return 0;
    }
    unsigned long long v = PyLong_AsUnsignedLongLong(d);
    if (v == (unsigned long long)-1 && PyErr_Occurred()) return -1;
    if (v > UINT32_MAX) {
        pyspasm_raise(SPASM_ENOTFOUND, "no such document");
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

PyDoc_STRVAR(doc_passages_doc,
             "doc_passages($self, doc, /)\n--\n\n"
             "The passage numbers of a document (its number, or its id) as a range,\n"
             "for get_passage(); spasm.NotFoundError when there is no such document.");

static PyObject *index_doc_passages(IndexObject *self, PyObject *arg)
{
    uint32_t doc;
    if (doc_number(self, arg, &doc) < 0) return NULL;
    spasm_searcher *s = take_searcher(self);
    if (!s) return NULL;
    uint32_t first = 0, count = 0;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = spasm_doc_passages(s, doc, &first, &count);
    Py_END_ALLOW_THREADS PyObject *res =
        rc ? searcher_error(s, rc)
           : PyObject_CallFunction((PyObject *)&PyRange_Type, "kk", (unsigned long)first,
                                   (unsigned long)first + count);
    give_searcher(self, s);
    return res;
}

PyDoc_STRVAR(get_passage_doc,
             "get_passage($self, passage, /)\n--\n\n"
             "Passage number `passage` (0-based) as a spasm.Hit with its text, doc,\n"
             "title and ordinal (rank and score None, no highlights);\n"
             "spasm.NotFoundError when there is no such passage.");

static PyObject *index_get_passage(IndexObject *self, PyObject *arg)
{
    unsigned long long v = PyLong_AsUnsignedLongLong(arg);
    if (v == (unsigned long long)-1 && PyErr_Occurred()) {
        if (!PyErr_ExceptionMatches(PyExc_OverflowError)) return NULL;
        PyErr_Clear();
        v = UINT64_MAX;
    }
    if (v > UINT32_MAX) return pyspasm_raise(SPASM_ENOTFOUND, "no such passage");
    spasm_searcher *s = take_searcher(self);
    if (!s) return NULL;
    spasm_results *r = NULL;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = spasm_get_passage(s, (uint32_t)v, &r);
    Py_END_ALLOW_THREADS PyObject *res = rc ? searcher_error(s, rc) : pyspasm_results(r, 0, 0);
    give_searcher(self, s);
    spasm_results_free(r);
    if (!res) return NULL;
    PyObject *hit = PySequence_GetItem(res, 0);
    Py_DECREF(res);
    return hit;
}

PyDoc_STRVAR(verify_doc, "verify($self, /)\n--\n\n"
                         "Check every checksum of the index.  spasm.CorruptError names the bytes\n"
                         "or section at fault; the index then refuses new searches.");

static PyObject *index_verify(IndexObject *self, PyObject *unused)
{
    if (!self->ix) {
        PyErr_SetString(PyExc_ValueError, "the index is closed");
        return NULL;
    }
    pyspasm_lock(self->meta);
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = spasm_index_verify(self->ix);
    Py_END_ALLOW_THREADS if (rc) pyspasm_raise(rc, spasm_index_errmsg(self->ix));
    PyThread_release_lock(self->meta);
    if (rc) return NULL;
    Py_RETURN_NONE;
}

PyDoc_STRVAR(stats_doc, "stats($self, /)\n--\n\n"
                        "The index's statistics as a dict: documents, passages, terms, tokens,\n"
                        "avg_passage_len, k1, b (the stored BM25 defaults), file_bytes,\n"
                        "format_version (1: a file, 2: a live folder), generation (the commit\n"
                        "read, summed over the folders), segments (index files searched),\n"
                        "deleted_documents, deleted_passages (not yet merged away).  A live\n"
                        "index counts its live documents only.");

static PyObject *index_stats(IndexObject *self, PyObject *unused)
{
    if (!self->ix) {
        PyErr_SetString(PyExc_ValueError, "the index is closed");
        return NULL;
    }
    spasm_index_stats st;
    pyspasm_lock(self->meta);
    spasm_index_get_stats(self->ix, &st);
    PyThread_release_lock(self->meta);
#define U(x) (unsigned long long)(x)
    return Py_BuildValue(
        "{sKsKsKsKsdsdsdsKsisKsKsKsK}", "documents", U(st.documents), "passages", U(st.passages),
        "terms", U(st.terms), "tokens", U(st.tokens), "avg_passage_len", st.avg_passage_len, "k1",
        st.k1, "b", st.b, "file_bytes", U(st.file_bytes), "format_version", st.format_version,
        "generation", U(st.generation), "segments", U(st.segments), "deleted_documents",
        U(st.deleted_documents), "deleted_passages", U(st.deleted_passages));
#undef U
}

PyDoc_STRVAR(refresh_doc, "refresh($self, /)\n--\n\n"
                          "Look for a newer commit of the index's live folders (or files replaced\n"
                          "since it was opened): a new spasm.Index on it, or None when nothing\n"
                          "changed.  This Index stays open on its own snapshot (close it when\n"
                          "done); unchanged segments are shared, not reopened.  May run while\n"
                          "other threads search this Index.");

static PyObject *index_refresh(IndexObject *self, PyObject *unused)
{
    if (!self->ix) {
        PyErr_SetString(PyExc_ValueError, "the index is closed");
        return NULL;
    }
    spasm_index *nix = NULL;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = spasm_refresh(self->ix, &nix);
    Py_END_ALLOW_THREADS if (rc != SPASM_OK)
    {
        pyspasm_raise(rc, nix ? spasm_index_errmsg(nix) : "out of memory");
        spasm_close(nix);
        return NULL;
    }
    if (!nix) Py_RETURN_NONE;
    IndexObject *o = (IndexObject *)index_new(Py_TYPE(self), NULL, NULL);
    if (!o) {
        spasm_close(nix);
        return NULL;
    }
    o->ix = nix;
    o->path = Py_NewRef(self->path);
    o->syn = Py_XNewRef(self->syn);
    return (PyObject *)o;
}

static PyObject *index_notes(IndexObject *self, void *unused)
{
    if (!self->ix) {
        PyErr_SetString(PyExc_ValueError, "the index is closed");
        return NULL;
    }
    const char *n = spasm_index_notes(self->ix);
    return PyUnicode_DecodeUTF8(n, (Py_ssize_t)strlen(n), "replace");
}

PyDoc_STRVAR(close_doc, "close($self, /)\n--\n\n"
                        "Close the index (again is a no-op).  Hits already returned stay valid;\n"
                        "a call still searching in another thread makes this a RuntimeError.");

static PyObject *index_close(IndexObject *self, PyObject *unused)
{
    if (self->active) {
        PyErr_Format(PyExc_RuntimeError, "Index.close: %zd searches still running", self->active);
        return NULL;
    }
    index_close_now(self);
    Py_RETURN_NONE;
}

static PyObject *index_enter(IndexObject *self, PyObject *unused)
{
    return Py_NewRef(self);
}

static PyObject *index_exit(IndexObject *self, PyObject *args)
{
    return index_close(self, NULL);
}

static PyObject *index_closed(IndexObject *self, void *unused)
{
    return PyBool_FromLong(self->ix == NULL);
}

static PyObject *index_repr(IndexObject *self)
{
    return PyUnicode_FromFormat("<spasm.Index %R%s>", self->path ? self->path : Py_None,
                                self->ix ? "" : " (closed)");
}

static PyMethodDef index_methods[] = {
    {"search", (PyCFunction)(void (*)(void))index_search, METH_VARARGS | METH_KEYWORDS, search_doc},
    {"count", (PyCFunction)index_count, METH_VARARGS, count_doc},
    {"find_doc", (PyCFunction)index_find_doc, METH_VARARGS, find_doc_doc},
    {"doc_passages", (PyCFunction)index_doc_passages, METH_O, doc_passages_doc},
    {"get_passage", (PyCFunction)index_get_passage, METH_O, get_passage_doc},
    {"verify", (PyCFunction)index_verify, METH_NOARGS, verify_doc},
    {"stats", (PyCFunction)index_stats, METH_NOARGS, stats_doc},
    {"refresh", (PyCFunction)index_refresh, METH_NOARGS, refresh_doc},
    {"close", (PyCFunction)index_close, METH_NOARGS, close_doc},
    {"__enter__", (PyCFunction)index_enter, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)index_exit, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef index_members[] = {
    {"path", T_OBJECT, offsetof(IndexObject, path), READONLY,
     "The index's path (a tuple of paths when opened from a list)."},
    {NULL, 0, 0, 0, NULL},
};

static PyGetSetDef index_getset[] = {
    {"closed", (getter)index_closed, NULL, "True once close() was called.", NULL},
    {"notes", (getter)index_notes, NULL,
     "Warnings of the open (\"\" if none), lines separated by '\\n': a damaged\n"
     "commit point skipped, shards whose stored BM25 defaults differ.",
     NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject PySpasm_IndexType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "spasm.Index",
    .tp_basicsize = sizeof(IndexObject),
    .tp_dealloc = (destructor)index_dealloc,
    .tp_repr = (reprfunc)index_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Index(path, *, verify=False, synonyms=None)\n--\n\n"
              "An open index file or live index folder (read-only, mapped; a\n"
              "folder is a snapshot of its newest commit: see refresh()).  path\n"
              "may be a list or tuple of paths: they are searched as one collection\n"
              "(shards) answering like one index of all their documents in order.\n"
              "verify=True checks every\n"
              "checksum at open (else they are checked lazily, as data is read).\n"
              "synonyms=FILE: a synonym file (Solr format; README, \"Synonyms and word\n"
              "families\") used by every search instead of the index's stored ones;\n"
              "a bad line raises spasm.QueryError naming it.\n"
              "Raises spasm.FileError (cannot open), spasm.CorruptError (not an index,\n"
              "truncated, bad checksum), spasm.VersionError.  Any number of threads\n"
              "may call search() and the lookups on one Index at once.  A context\n"
              "manager: `with spasm.Index(p) as ix:` closes it at the end.",
    .tp_methods = index_methods,
    .tp_members = index_members,
    .tp_getset = index_getset,
    .tp_init = (initproc)index_init,
    .tp_new = index_new,
};
