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

/** One cmocka test per (test function, backend): the backend is the test's state. */
#define SYNC_TEST_FOR(fn, id, name) {#fn "/" name, fn, NULL, NULL, (void *)&pm_sync_backend_##id},

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
