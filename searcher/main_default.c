/*
 * main_default.c -- the index a program opens when told none, shared by
 * spasm-search and spasm-serve: $SPASM_INDEX, else the bundled corpus's
 * index in the build tree or the installed tree beside the executable.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "main_default.h"

/* Default index: $SPASM_INDEX, else beside the executable's tree. */
const char *default_index(char *buf, size_t n)
{
    const char *env = getenv("SPASM_INDEX");
    if (env && *env) return env;
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            snprintf(buf, n, "%s/../corpus.spx", exe); /* build tree: build/bin/.. */
            if (access(buf, R_OK) == 0) return buf;
            snprintf(buf, n, "%s/../share/spasm/corpus.spx", exe); /* installed */
            if (access(buf, R_OK) == 0) return buf;
        }
    }
    return "build/corpus.spx";
}
