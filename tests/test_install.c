/*
 * test_install.c -- the library as another program sees it: the exported
 * symbols and soname of libspasm.so, and `make install` into a temporary
 * DESTDIR, with the examples built against that tree through pkg-config
 * and compared with the installed spasm-search (tests/check_install.sh
 * does each step; this file runs them in order and counts them).
 *
 * Under AddressSanitizer the install steps are skipped: a program built
 * with only pkg-config's flags cannot load an instrumented libspasm.so.
 * The normal build runs them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "base.h" /* SP_SANITIZED */

#include "testutil.h"

static char stage[256];
static int installed;

/* Read the whole output of a command into buf (NUL-terminated). */
static size_t capture(char *buf, size_t cap, const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(buf, 1, cap - 1, p);
    buf[n] = 0;
    assert_int_equal(pclose(p), 0);
    return n;
}

/* ---- the shared library's interface ---- */

/* Every dynamic symbol libspasm.so defines starts with spasm_. */
static void test_exports_only_spasm(void **state)
{
    (void)state;
    static char out[65536];
    capture(out, sizeof out, "nm -D --defined-only %s/lib/libspasm.so", build_dir());
    size_t n = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        char *name = strrchr(line, ' ');
        name = name ? name + 1 : line;
        if (strncmp(name, "spasm_", 6) != 0) fail_msg("libspasm.so exports %s", name);
        n++;
    }
    /* every SPASM_API function of the header, no more and no fewer */
    char hdr[16];
    capture(hdr, sizeof hdr, "grep -c '^SPASM_API' include/spasm.h");
    assert_int_equal(n, strtoul(hdr, NULL, 10));
}

/* libspasm.a, linked into another program, defines no global outside the
 * spasm_ (public) and sp_ (internal) prefixes, so it cannot clash. */
static void test_archive_namespace(void **state)
{
    (void)state;
    static char out[65536];
    capture(out, sizeof out, "nm -g --defined-only %s/lib/libspasm.a", build_dir());
    size_t n = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        if (strchr(line, ':')) continue; /* "member.o:" */
        char *name = strrchr(line, ' ');
        name = name ? name + 1 : line;
        if (strncmp(name, "spasm_", 6) != 0 && strncmp(name, "sp_", 3) != 0)
            fail_msg("libspasm.a defines %s", name);
        n++;
    }
    assert_true(n > 29);
}

/* The soname carries the major version only, and the links match it. */
static void test_soname(void **state)
{
    (void)state;
    char out[4096];
    capture(out, sizeof out, "readelf -d %s/lib/libspasm.so.0.1.0", build_dir());
    assert_non_null(strstr(out, "Library soname: [libspasm.so.0]"));
    capture(out, sizeof out, "readlink %s/lib/libspasm.so.0 %s/lib/libspasm.so", build_dir(),
            build_dir());
    assert_string_equal(out, "libspasm.so.0.1.0\nlibspasm.so.0\n");
}

/* ---- make install / uninstall (tests/check_install.sh) ---- */

static int skip_install(void)
{
#if defined(SP_SANITIZED)
    return 1;
#else
    return 0;
#endif
}

static int setup_stage(void **state)
{
    (void)state;
    if (skip_install()) return 0;
    snprintf(stage, sizeof stage, "/tmp/spasm-install-XXXXXX");
    if (!mkdtemp(stage)) return -1;
    return 0;
}

static int teardown_stage(void **state)
{
    (void)state;
    if (skip_install()) return 0;
    return run("rm -rf '%s' '%s.work'", stage, stage) == 0 ? 0 : -1;
}

static void step(const char *name)
{
    if (skip_install()) skip();
    if (strcmp(name, "install") != 0 && !installed) fail_msg("make install failed earlier");
    assert_int_equal(run("tests/check_install.sh %s '%s'", name, stage), 0);
}

static void test_make_install(void **state)
{
    (void)state;
    step("install");
    installed = 1;
}

static void test_installed_layout(void **state)
{
    (void)state;
    step("layout");
}

static void test_man_pages(void **state)
{
    (void)state;
    step("man");
}

static void test_hello_via_pkgconfig(void **state)
{
    (void)state;
    step("hello");
}

static void test_hello_static(void **state)
{
    (void)state;
    step("static");
}

static void test_repl_matches_cli(void **state)
{
    (void)state;
    step("repl");
}

static void test_make_uninstall(void **state)
{
    (void)state;
    step("uninstall");
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep cmocka's stdout and stderr in order */
    const struct CMUnitTest lib[] = {
        cmocka_unit_test(test_exports_only_spasm),
        cmocka_unit_test(test_soname),
        cmocka_unit_test(test_archive_namespace),
    };
    const struct CMUnitTest inst[] = {
        cmocka_unit_test(test_make_install),   cmocka_unit_test(test_installed_layout),
        cmocka_unit_test(test_man_pages),      cmocka_unit_test(test_hello_via_pkgconfig),
        cmocka_unit_test(test_hello_static),   cmocka_unit_test(test_repl_matches_cli),
        cmocka_unit_test(test_make_uninstall),
    };
    int failed = cmocka_run_group_tests_name("shared library", lib, NULL, NULL);
    failed += cmocka_run_group_tests_name("install", inst, setup_stage, teardown_stage);
    return failed ? 1 : 0;
}
