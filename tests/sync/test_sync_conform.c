/* tests/sync/test_sync_conform.c — runs the conformance suite (pmsync/conform.h) on one backend.
 *
 *   test_sync_conform NAME                        exit 0 iff NAME conforms
 *   test_sync_conform NAME --expect-fail TEXT     exit 0 iff the suite FAILS NAME with a message
 *                                                 containing TEXT (the broken test backends)
 *
 * NAME is a backend of PM_SYNC_BACKENDS (tests/sync/CMakeLists.txt adds one test per row), one
 * of the TEST-ONLY broken backends, or `mutex`, the example of docs/adding-a-backend.md. */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broken_backends.h"
#include "pmsync/conform.h"

extern const pm_sync_backend pm_sync_backend_mutex; /* tests/sync/guide/mutex.c */

static const pm_sync_backend *lookup(const char *name)
{
    const pm_sync_backend *be = pm_sync_backend_by_name(name);
    for (const pm_sync_backend *const *b = sync_broken_backends(); !be && *b; b++)
        if (strcmp((*b)->name, name) == 0)
            be = *b;
    if (!be && strcmp(name, pm_sync_backend_mutex.name) == 0)
        be = &pm_sync_backend_mutex;
    return be;
}

int main(int argc, char **argv)
{
    if (argc != 2 && !(argc == 4 && strcmp(argv[2], "--expect-fail") == 0)) {
        fprintf(stderr, "usage: %s NAME [--expect-fail TEXT]\n", argv[0]);
        return 2;
    }
    const pm_sync_backend *be = lookup(argv[1]);
    if (!be) {
        fprintf(stderr, "%s: no backend '%s'\n", argv[0], argv[1]);
        return 2;
    }
    /* a log in memory, to look for the expected message; echoed to stdout */
    char *buf = NULL;
    size_t len = 0;
    FILE *log = open_memstream(&buf, &len);
    if (!log)
        return 2;
    pm_sync_conform_opts o = {.log = log, .watchdog_s = 120};
    char first[512];
    int failed = pm_sync_conform(be, &o, first, sizeof first);
    fclose(log);
    fputs(buf, stdout);
    int rc;
    if (argc == 2) {
        rc = failed == 0 ? 0 : 1;
    } else {
        const char *want = argv[3];
        int found = 0;
        for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
            if (strstr(line, ": FAIL ") && strstr(line, want))
                found = 1;
        if (failed == 0)
            printf("expected the suite to fail %s, but it passed\n", be->name);
        else if (!found)
            printf("the suite failed %s, but no failure says '%s'\n", be->name, want);
        else
            printf("the suite failed %s as expected ('%s')\n", be->name, want);
        rc = failed && found ? 0 : 1;
    }
    free(buf);
    return rc;
}
