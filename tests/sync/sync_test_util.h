/* tests/sync/sync_test_util.h — helpers shared by the sync tests. */
#ifndef SYNC_TEST_UTIL_H
#define SYNC_TEST_UTIL_H

#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h> /* cmocka needs these first */
#include <cmocka.h>

#include "pmsync/all.h"

/** Watchdog: a test program that hangs dies with SIGALRM (ctest's TIMEOUT is the outer one). */
static inline void sync_test_watchdog(unsigned seconds)
{
    signal(SIGALRM, SIG_DFL);
    alarm(seconds);
}

/** A test function run once per backend of PM_SYNC_BACKENDS (the backend is its state). */
typedef struct sync_test_fn {
    const char *name;
    CMUnitTestFunction fn;
} sync_test_fn;
#define SYNC_TEST_FN(fn) {#fn, fn},

/** Runs every function of fns[] once per backend of the list, as cmocka tests named
 * "<function>/<backend>", after the n_first tests of first[] (may be NULL). The list is read at
 * run time from pm_sync_backends[], so a new backend is tested without editing any test. An
 * argument filters by name (substring), e.g. `test_sync_live hp`. */
static inline int sync_run_per_backend(int argc, char **argv, const struct CMUnitTest *first,
                                       size_t n_first, const sync_test_fn *fns, size_t nfns)
{
    const char *filter = argc > 1 ? argv[1] : NULL;
    size_t cap = n_first + nfns * PM_SYNC_NBACKENDS, n = 0;
    struct CMUnitTest *tests = calloc(cap, sizeof *tests);
    char **owned = calloc(cap, sizeof *owned);
    size_t nowned = 0;
    if (tests == NULL || owned == NULL)
        return 1;
    for (size_t i = 0; i < n_first; i++)
        if (!filter || strstr(first[i].name, filter))
            tests[n++] = first[i];
    for (size_t f = 0; f < nfns; f++) {
        for (size_t b = 0; b < PM_SYNC_NBACKENDS; b++) {
            const pm_sync_backend *be = pm_sync_backends[b];
            size_t len = strlen(fns[f].name) + strlen(be->name) + 2;
            char *name = malloc(len);
            if (name == NULL)
                return 1;
            snprintf(name, len, "%s/%s", fns[f].name, be->name);
            if (filter && !strstr(name, filter)) {
                free(name);
                continue;
            }
            owned[nowned++] = name;
            tests[n++] = (struct CMUnitTest){name, fns[f].fn, NULL, NULL, (void *)be};
        }
    }
    int rc = _cmocka_run_group_tests(argv[0], tests, n, NULL, NULL);
    for (size_t i = 0; i < nowned; i++)
        free(owned[i]);
    free(owned);
    free(tests);
    return rc;
}

/** The pending-object ceiling the backend declares under stalled readers (BOUNDED backends). */
static inline uint64_t sync_pending_bound(const pm_sync_backend *be, unsigned threads)
{
    return be->pending_bound ? be->pending_bound(threads) : UINT64_MAX;
}

/** A start line for N threads: all wait until release() (spinning, no syscalls that TSan would
 * need to model). */
typedef struct sync_gate {
    _Atomic(int) ready;
    _Atomic(int) go;
} sync_gate;

static inline void gate_arrive_and_wait(sync_gate *g)
{
    atomic_fetch_add(&g->ready, 1);
    while (!atomic_load(&g->go))
        sched_yield();
}

static inline void gate_release_when(sync_gate *g, int n)
{
    while (atomic_load(&g->ready) < n)
        sched_yield();
    atomic_store(&g->go, 1);
}

/** Inlined read-side dispatch per backend: pm_sync_<id>_read_enter/deref/read_exit, so the inline
 * headers are exercised (the generic calls go through the table). */
typedef void *(*sync_inline_enter_deref_fn)(pm_sync_thread *t, pm_sync_cell *c);
typedef void (*sync_inline_exit_fn)(pm_sync_thread *t);
#define SYNC_INLINE_FNS(id, name)                                                                  \
    static inline void *sync_inline_enter_deref_##id(pm_sync_thread *t, pm_sync_cell *c)           \
    {                                                                                              \
        pm_sync_##id##_read_enter(t);                                                              \
        return pm_sync_##id##_deref(t, c);                                                         \
    }                                                                                              \
    static inline void sync_inline_exit_##id(pm_sync_thread *t)                                    \
    {                                                                                              \
        pm_sync_##id##_read_exit(t);                                                               \
        pm_sync_##id##_quiescent(t);                                                               \
    }
PM_SYNC_BACKENDS(SYNC_INLINE_FNS)

typedef struct sync_inline_ops {
    const pm_sync_backend *be;
    sync_inline_enter_deref_fn enter_deref;
    sync_inline_exit_fn exit;
} sync_inline_ops;

#define SYNC_INLINE_ROW(id, name)                                                                  \
    {&pm_sync_backend_##id, sync_inline_enter_deref_##id, sync_inline_exit_##id},
static const sync_inline_ops sync_inline_table[] = {PM_SYNC_BACKENDS(SYNC_INLINE_ROW)};

static inline const sync_inline_ops *sync_inline_for(const pm_sync_backend *be)
{
    for (size_t i = 0; i < sizeof sync_inline_table / sizeof sync_inline_table[0]; i++)
        if (sync_inline_table[i].be == be)
            return &sync_inline_table[i];
    return NULL;
}

#endif
