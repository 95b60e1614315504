/*
 * main_search_args.c -- spasm-search's arguments sorted into options and
 * query words, so that "spasm-search cramp -menstrual -k 5" mixes them as
 * users expect.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "main_search.h"

/* The option of opts named by "--name" (name[0, len)): an exact match or
 * the only one it abbreviates, as getopt_long reads it; NULL if none. */
static const struct option *long_option(const struct option *opts, const char *name, size_t len)
{
    const struct option *found = NULL;
    int n = 0;
    for (const struct option *o = opts; o->name; o++) {
        if (strncmp(o->name, name, len) != 0) continue;
        if (o->name[len] == 0) return o;
        if (!found || found->flag != o->flag || found->val != o->val) n++;
        found = o;
    }
    return n == 1 ? found : NULL;
}

/*
 * Sort the arguments into options (with their values, into oargv) and
 * query words (into words), so that they mix as users expect:
 *   - "--" ends the options: everything after it is query;
 *   - "--name[=value]" is a long option (an unknown one is left for
 *     getopt_long to report by its name); its value may be the next
 *     argument;
 *   - "-i", "-k", "-f" (value in the next argument), "-h", "-V" and "-kN"
 *     (N digits) are short options; any other argument of more than two
 *     bytes starting with '-' is a query word ("-menstrual" excludes the
 *     word); "-x" alone is an unknown option (a one-letter word to exclude
 *     goes after --).
 * Returns 0, or 2 after an error message.
 */
int split_args(int argc, char **argv, const struct option *opts, char **oargv, int *oargc,
               char **words, int *nwords)
{
    int no = 0, nw = 0;
    oargv[no++] = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            while (++i < argc) words[nw++] = argv[i];
            break;
        }
        if (a[0] != '-' || a[1] == 0) {
            words[nw++] = argv[i];
        } else if (a[1] == '-') {
            const char *eq = strchr(a + 2, '=');
            const struct option *o =
                long_option(opts, a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
            oargv[no++] = argv[i];
            if (o && o->has_arg == required_argument && !eq && i + 1 < argc)
                oargv[no++] = argv[++i];
        } else if (a[2] == 0) {
            if (!strchr("ikfhV", a[1])) {
                fprintf(
                    stderr,
                    "spasm-search: unknown option %s (see --help; to exclude a one-letter word, "
                    "put it after --)\n",
                    a);
                return 2;
            }
            oargv[no++] = argv[i];
            if (strchr("ikf", a[1]) && i + 1 < argc) oargv[no++] = argv[++i];
        } else if (a[1] == 'k' && strspn(a + 2, "0123456789") == strlen(a + 2)) {
            oargv[no++] = argv[i];
        } else {
            words[nw++] = argv[i]; /* "-menstrual": a word to exclude */
        }
    }
    oargv[no] = NULL;
    *oargc = no;
    *nwords = nw;
    return 0;
}

/* The sorted arguments (split_args), freed by free_arg_arrays at exit. */
char **arg_arrays[2];

void free_arg_arrays(void)
{
    free(arg_arrays[0]);
    free(arg_arrays[1]);
}
