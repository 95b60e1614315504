/*
 * test_serve_json.c -- spasm-serve's JSON writer (server/jsonw.c, built
 * into this test): what it writes is valid JSON that Jansson reads back
 * as the values written (strings with quotes, backslashes, control
 * characters, any UTF-8; reals to the same double; integers), and an
 * invalid UTF-8 sequence becomes U+FFFD instead of an invalid document.
 */
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../server/jsonw.c"

/* w's text parsed by Jansson (which must accept it). */
static json_t *parse(const serve_jw *w)
{
    json_error_t e;
    json_t *j = json_loadb(w->p, w->n, JSON_DECODE_ANY, &e);
    if (!j) fail_msg("not JSON (%s at %d): %s", e.text, e.position, w->p);
    return j;
}

/* Each string round-trips through the writer and Jansson. */
static void test_strings(void **state)
{
    (void)state;
    static const char *cases[] = {
        "",
        "plain text",
        "a \"quoted\" back\\slash / slash",
        "tab\tnewline\nreturn\rbell\a nul-free \x01\x1f end",
        "caf\xc3\xa9 \xe2\x80\x9cquotes\xe2\x80\x9d \xf0\x9f\x98\x80 \xe2\x80\xa8 line sep",
        "<script>alert(1)</script>",
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        serve_jw w = {0};
        jw_cstr(&w, cases[i]);
        assert_int_equal(w.err, 0);
        json_t *j = parse(&w);
        assert_true(json_is_string(j));
        assert_string_equal(json_string_value(j), cases[i]);
        json_decref(j);
        jw_free(&w);
    }
}

/* Invalid UTF-8 (a lone continuation byte, a cut sequence, an overlong
 * form, a surrogate) is written as U+FFFD, one per invalid byte. */
static void test_invalid_utf8(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"a\x80z", "a\xef\xbf\xbdz"},
        {"cut \xe2\x80", "cut \xef\xbf\xbd\xef\xbf\xbd"},
        {"over\xc0\xaflong", "over\xef\xbf\xbd\xef\xbf\xbdlong"},
        {"sur\xed\xa0\x80", "sur\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        serve_jw w = {0};
        jw_cstr(&w, cases[i].in);
        json_t *j = parse(&w);
        assert_string_equal(json_string_value(j), cases[i].out);
        json_decref(j);
        jw_free(&w);
    }
    /* with a length: only the n bytes given are read */
    serve_jw w = {0};
    jw_str(&w, "abc\xc3\xa9zzz", 5);
    json_t *j = parse(&w);
    assert_string_equal(json_string_value(j), "abc\xc3\xa9");
    json_decref(j);
    jw_free(&w);
}

/* Numbers: integers as they are, reals back as the same double (and
 * always as reals), in an object built piece by piece. */
static void test_numbers_and_objects(void **state)
{
    (void)state;
    static const double reals[] = {0.0,    1.0,           -2.5,  19.588681320294732,
                                   1e-300, 123456789.125, 3.0e20};
    serve_jw w = {0};
    jw_lit(&w, "{\"n\":");
    jw_u64(&w, 4294967296123ull);
    jw_lit(&w, ",\"r\":[");
    for (size_t i = 0; i < sizeof reals / sizeof *reals; i++) {
        if (i) jw_lit(&w, ",");
        jw_real(&w, reals[i]);
    }
    jw_lit(&w, "]}");
    json_t *j = parse(&w);
    json_t *r = json_object_get(j, "r");
    assert_int_equal(json_array_size(r), sizeof reals / sizeof *reals);
    for (size_t i = 0; i < json_array_size(r); i++) {
        assert_true(json_is_real(json_array_get(r, i)));
        assert_true(json_real_value(json_array_get(r, i)) == reals[i]);
    }
    json_decref(j);
    assert_non_null(strstr(w.p, "\"n\":4294967296123,"));
    jw_free(&w);
}

/* A long string grows the buffer (from its first 16 KiB). */
static void test_growth(void **state)
{
    (void)state;
    size_t n = 100000;
    char *s = malloc(n + 1);
    for (size_t i = 0; i < n; i++) s[i] = i % 97 == 0 ? '"' : (char)('a' + i % 26);
    s[n] = 0;
    serve_jw w = {0};
    jw_lit(&w, "[");
    jw_str(&w, s, n);
    jw_lit(&w, "]");
    json_t *j = parse(&w);
    assert_string_equal(json_string_value(json_array_get(j, 0)), s);
    json_decref(j);
    jw_free(&w);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_numbers_and_objects),
        cmocka_unit_test(test_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
