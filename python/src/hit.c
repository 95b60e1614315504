/*
 * hit.c -- spasm.Hit (one result), spasm.Dup (a near-duplicate folded
 * into a hit) and spasm.Results (the ranked hits of one search).
 *
 * A search's spasm_results is copied into these objects at once, with the
 * GIL held, and freed: a Python result never points into the library, so
 * it outlives its Index and may be shared between threads freely.  Byte
 * offsets of the library (highlights, snippet) become str indices.
 */
#include "pyspasm.h"

#define CLAMP(x, n) ((size_t)(x) < (n) ? (size_t)(x) : (n))

typedef struct {
    PyObject_HEAD PyObject *rank, *doc, *doc_number, *passage, *ordinal, *score, *title, *text,
        *highlights, *snippet, *also_in, *explain;
} HitObject;

static void hit_dealloc(HitObject *h)
{
    Py_XDECREF(h->rank);
    Py_XDECREF(h->doc);
    Py_XDECREF(h->doc_number);
    Py_XDECREF(h->passage);
    Py_XDECREF(h->ordinal);
    Py_XDECREF(h->score);
    Py_XDECREF(h->title);
    Py_XDECREF(h->text);
    Py_XDECREF(h->highlights);
    Py_XDECREF(h->snippet);
    Py_XDECREF(h->also_in);
    Py_XDECREF(h->explain);
    Py_TYPE(h)->tp_free((PyObject *)h);
}

#define HIT_MEMBER(name, doc)                                                                      \
    {                                                                                              \
#name, T_OBJECT, offsetof(HitObject, name), READONLY, doc                                  \
    }

static PyMemberDef hit_members[] = {
    HIT_MEMBER(rank, "1-based rank in the whole ranking (offset included); None for a\n"
                     "passage fetched with Index.get_passage()."),
    HIT_MEMBER(doc, "The document's id (str)."),
    HIT_MEMBER(doc_number, "The document's number in the index (0-based int)."),
    HIT_MEMBER(passage, "The passage's number in the index (0-based int), for\n"
                        "Index.get_passage()."),
    HIT_MEMBER(ordinal, "The passage's ordinal within its document (0-based int)."),
    HIT_MEMBER(score, "The BM25 score (float); None for Index.get_passage()."),
    HIT_MEMBER(title, "The document's title ('' if none, or not in fields)."),
    HIT_MEMBER(text, "The passage's whole text ('' when text is not in fields)."),
    HIT_MEMBER(highlights, "The matched words: a list of (start, end) str indices into text,\n"
                           "in order (text[start:end] is the word)."),
    HIT_MEMBER(snippet, "The best window of text to show, (start, end) str indices."),
    HIT_MEMBER(also_in, "Near-duplicates folded into this hit (search(collapse=True)):\n"
                        "a list of spasm.Dup, best first."),
    HIT_MEMBER(explain, "With search(explain=True): the score broken down (str); else None."),
    {NULL, 0, 0, 0, NULL},
};

static PyObject *hit_snippet_text(HitObject *h, void *unused)
{
    Py_ssize_t s, e;
    if (!PyArg_ParseTuple(h->snippet, "nn", &s, &e)) return NULL;
    return PyUnicode_Substring(h->text, s, e);
}

static PyGetSetDef hit_getset[] = {
    {"snippet_text", (getter)hit_snippet_text, NULL, "text[snippet[0]:snippet[1]].", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyObject *hit_repr(HitObject *h)
{
    return PyUnicode_FromFormat("<spasm.Hit rank=%R doc=%R passage=%R score=%R title=%R>", h->rank,
                                h->doc, h->passage, h->score, h->title);
}

PyDoc_STRVAR(hit_as_dict_doc,
             "as_dict()\n--\n\n"
             "The hit as a dict of its fields (what spasm-search --format json prints,\n"
             "with str indices and 0-based numbers).");

static PyObject *hit_as_dict(HitObject *h, PyObject *unused)
{
    PyObject *d = PyDict_New();
    if (!d) return NULL;
    for (PyMemberDef *m = hit_members; m->name; m++) {
        PyObject *v = *(PyObject **)((char *)h + m->offset);
        if (PyDict_SetItemString(d, m->name, v ? v : Py_None) < 0) {
            Py_DECREF(d);
            return NULL;
        }
    }
    return d;
}

static PyMethodDef hit_methods[] = {
    {"as_dict", (PyCFunction)hit_as_dict, METH_NOARGS, hit_as_dict_doc},
    {NULL, NULL, 0, NULL},
};

PyTypeObject PySpasm_HitType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "spasm.Hit",
    .tp_basicsize = sizeof(HitObject),
    .tp_dealloc = (destructor)hit_dealloc,
    .tp_repr = (reprfunc)hit_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "One result of Index.search(), or a passage from Index.get_passage().\n"
              "Read-only; it holds copies and outlives its Index.",
    .tp_members = hit_members,
    .tp_getset = hit_getset,
    .tp_methods = hit_methods,
};

static PyStructSequence_Field dup_fields[] = {
    {"doc", "the document's id"},
    {"doc_number", "the document's number (0-based)"},
    {"passage", "the passage's number in the index (0-based)"},
    {"ordinal", "the passage's ordinal within its document (0-based)"},
    {"score", "its own score for the query"},
    {NULL, NULL},
};

static PyStructSequence_Desc dup_desc = {
    "spasm.Dup",
    "A near-duplicate passage folded into a hit (Hit.also_in).",
    dup_fields,
    5,
};

PyTypeObject PySpasm_DupType;

/* ---- Results ---- */

typedef struct {
    PyObject_HEAD PyObject *hits; /* list of Hit */
    PyObject *total, *flags, *notes;
    PyObject *suggestion; /* typo tolerance: the query as corrected, '' if not */
} ResultsObject;

static void results_dealloc(ResultsObject *r)
{
    Py_XDECREF(r->hits);
    Py_XDECREF(r->total);
    Py_XDECREF(r->flags);
    Py_XDECREF(r->notes);
    Py_XDECREF(r->suggestion);
    Py_TYPE(r)->tp_free((PyObject *)r);
}

static Py_ssize_t results_len(ResultsObject *r)
{
    return PyList_GET_SIZE(r->hits);
}

static PyObject *results_subscript(ResultsObject *r, PyObject *key)
{
    return PyObject_GetItem(r->hits, key);
}

static PyObject *results_item(ResultsObject *r, Py_ssize_t i)
{
    return PySequence_GetItem(r->hits, i);
}

static PyObject *results_iter(ResultsObject *r)
{
    return PyObject_GetIter(r->hits);
}

static PyObject *results_expansion_cut(ResultsObject *r, void *unused)
{
    return PyBool_FromLong(PyLong_AsLong(r->flags) & SPASM_RESULT_EXPANSION_CUT);
}

static PyObject *results_repr(ResultsObject *r)
{
    return PyUnicode_FromFormat("<spasm.Results %zd hits, total=%R>", PyList_GET_SIZE(r->hits),
                                r->total);
}

static PyMemberDef results_members[] = {
    {"hits", T_OBJECT, offsetof(ResultsObject, hits), READONLY, "The hits, a list of spasm.Hit."},
    {"total", T_OBJECT, offsetof(ResultsObject, total), READONLY,
     "Passages scored before top-k selection: every match when the query was\n"
     "evaluated exhaustively, else a lower bound (Index.count() is exact)."},
    {"flags", T_OBJECT, offsetof(ResultsObject, flags), READONLY,
     "What the search left out: spasm.RESULT_EXPANSION_CUT when a prefix was\n"
     "expanded to fewer terms than it has."},
    {"notes", T_OBJECT, offsetof(ResultsObject, notes), READONLY,
     "The same as text, one line per cut prefix ('' when nothing was cut)."},
    {"suggestion", T_OBJECT, offsetof(ResultsObject, suggestion), READONLY,
     "The query as searched when typo tolerance corrected a word of it\n"
     "('muscle spasm' for 'musle spasm'), else ''."},
    {NULL, 0, 0, 0, NULL},
};

static PyGetSetDef results_getset[] = {
    {"expansion_cut", (getter)results_expansion_cut, NULL,
     "True when a prefix was cut (flags & RESULT_EXPANSION_CUT).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMappingMethods results_mapping = {
    .mp_length = (lenfunc)results_len,
    .mp_subscript = (binaryfunc)results_subscript,
};

static PySequenceMethods results_sequence = {
    .sq_length = (lenfunc)results_len,
    .sq_item = (ssizeargfunc)results_item,
};

PyTypeObject PySpasm_ResultsType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "spasm.Results",
    .tp_basicsize = sizeof(ResultsObject),
    .tp_dealloc = (destructor)results_dealloc,
    .tp_repr = (reprfunc)results_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The ranked hits of one Index.search(): a sequence of spasm.Hit (len,\n"
              "indexing, slicing, iteration) with total, flags and notes.",
    .tp_as_mapping = &results_mapping,
    .tp_as_sequence = &results_sequence,
    .tp_iter = (getiterfunc)results_iter,
    .tp_members = results_members,
    .tp_getset = results_getset,
};

int pyspasm_hit_types_ready(void)
{
    if (PyType_Ready(&PySpasm_HitType) < 0 || PyType_Ready(&PySpasm_ResultsType) < 0) return -1;
    if (!PySpasm_DupType.tp_name && PyStructSequence_InitType2(&PySpasm_DupType, &dup_desc) < 0)
        return -1;
    return 0;
}

/* ---- from spasm_results ---- */

/* A str from library text (valid UTF-8; repaired if not). */
static PyObject *str_of(const char *s, size_t n)
{
    return PyUnicode_DecodeUTF8(s ? s : "", s ? (Py_ssize_t)n : 0, "replace");
}

/* The number of code points in s[from, to): the str index distance. */
static Py_ssize_t chars_in(const char *s, size_t from, size_t to)
{
    Py_ssize_t n = 0;
    for (size_t i = from; i < to; i++) n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

/* The highlights of h as a list of (start, end) str indices. */
static PyObject *highlights_of(const spasm_hit *h)
{
    PyObject *list = PyList_New((Py_ssize_t)h->nhighlights);
    if (!list) return NULL;
    size_t at = 0;
    Py_ssize_t ci = 0;
    for (size_t i = 0; i < h->nhighlights; i++) {
        size_t s = CLAMP(h->highlights[i].start, h->text_len),
               e = CLAMP(h->highlights[i].end, h->text_len);
        if (s < at) { /* not in order: count again from the start */
            at = 0;
            ci = 0;
        }
        ci += chars_in(h->text, at, s);
        Py_ssize_t cs = ci;
        Py_ssize_t ce = cs + chars_in(h->text, s, e > s ? e : s);
        at = s;
        PyObject *t = Py_BuildValue("(nn)", cs, ce);
        if (!t) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, t);
    }
    return list;
}

/* The folded near-duplicates of h as a list of spasm.Dup. */
static PyObject *dups_of(const spasm_hit *h)
{
    PyObject *list = PyList_New((Py_ssize_t)h->ndups);
    if (!list) return NULL;
    for (size_t i = 0; i < h->ndups; i++) {
        const spasm_dup *d = &h->dups[i];
        PyObject *t = PyStructSequence_New(&PySpasm_DupType);
        if (!t) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, t);
        PyObject *v[5] = {str_of(d->doc_id, strlen(d->doc_id ? d->doc_id : "")),
                          PyLong_FromUnsignedLong(d->doc), PyLong_FromUnsignedLong(d->passage),
                          PyLong_FromUnsignedLong(d->ordinal), PyFloat_FromDouble(d->score)};
        int bad = 0;
        for (int j = 0; j < 5; j++) {
            if (!v[j]) bad = 1;
            PyStructSequence_SET_ITEM(t, j, v[j] ? v[j] : Py_NewRef(Py_None));
        }
        if (bad) {
            Py_DECREF(list);
            return NULL;
        }
    }
    return list;
}

/* One Hit from h. */
static PyObject *hit_of(const spasm_hit *h, size_t rank, int scored)
{
    HitObject *o = PyObject_New(HitObject, &PySpasm_HitType);
    if (!o) return NULL;
    size_t len = h->text ? h->text_len : 0;
    size_t ss = CLAMP(h->snippet_start, len), se = CLAMP(h->snippet_end, len);
    Py_ssize_t cs = h->text ? chars_in(h->text, 0, ss) : 0;
    Py_ssize_t ce = cs + (h->text && se > ss ? chars_in(h->text, ss, se) : 0);
    o->rank = scored ? PyLong_FromSize_t(rank) : Py_NewRef(Py_None);
    o->doc = str_of(h->doc_id, h->doc_id ? strlen(h->doc_id) : 0);
    o->doc_number = PyLong_FromUnsignedLong(h->doc);
    o->passage = PyLong_FromUnsignedLong(h->passage);
    o->ordinal = PyLong_FromUnsignedLong(h->ordinal);
    o->score = scored ? PyFloat_FromDouble(h->score) : Py_NewRef(Py_None);
    o->title = str_of(h->title, h->title ? strlen(h->title) : 0);
    o->text = str_of(h->text, len);
    o->highlights = h->text ? highlights_of(h) : PyList_New(0);
    o->snippet = Py_BuildValue("(nn)", cs, ce);
    o->also_in = dups_of(h);
    o->explain =
        h->explain && *h->explain ? str_of(h->explain, strlen(h->explain)) : Py_NewRef(Py_None);
    if (!o->rank || !o->doc || !o->doc_number || !o->passage || !o->ordinal || !o->score ||
        !o->title || !o->text || !o->highlights || !o->snippet || !o->also_in || !o->explain) {
        Py_DECREF(o);
        return NULL;
    }
    return (PyObject *)o;
}

PyObject *pyspasm_results(const spasm_results *r, size_t offset, int scored)
{
    size_t n = spasm_results_count(r);
    ResultsObject *o = PyObject_New(ResultsObject, &PySpasm_ResultsType);
    if (!o) return NULL;
    o->hits = PyList_New((Py_ssize_t)n);
    o->total = PyLong_FromUnsignedLongLong(spasm_results_total(r));
    o->flags = PyLong_FromUnsignedLong(spasm_results_flags(r));
    const char *notes = spasm_results_notes(r);
    o->notes = str_of(notes, strlen(notes));
    const char *sugg = spasm_results_suggestion(r);
    o->suggestion = str_of(sugg, strlen(sugg));
    if (!o->hits || !o->total || !o->flags || !o->notes || !o->suggestion) {
        Py_DECREF(o);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        PyObject *h = hit_of(spasm_results_hit(r, i), offset + i + 1, scored);
        if (!h) {
            Py_DECREF(o);
            return NULL;
        }
        PyList_SET_ITEM(o->hits, (Py_ssize_t)i, h);
    }
    return (PyObject *)o;
}
