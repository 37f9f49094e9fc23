/* pmsync/mutex.h — read side of the `mutex` backend: one mutex per domain, taken by readers and
 * writers alike. The simplest correct scheme (and the slowest): the worked example of
 * docs/adding-a-backend.md. */
#ifndef PMSYNC_MUTEX_H
#define PMSYNC_MUTEX_H

#include <pthread.h>

#include "pmsync/sync.h"

static inline void pm_sync_mutex_read_enter(pm_sync_thread *t)
{
    PM_SYNC_DEPTH_ENTER(t);
    pthread_mutex_lock((pthread_mutex_t *)t->rec); /* t->rec: the domain's mutex */
}

static inline void *pm_sync_mutex_deref(pm_sync_thread *t, pm_sync_cell *c)
{
    (void)t;
    /* under the mutex, which the writer held when it stored the word: relaxed is enough */
    return (void *)atomic_load_explicit(&c->word, memory_order_relaxed);
}

/* read_enter + deref: the table's read_begin */
static inline void *pm_sync_mutex_read_begin(pm_sync_thread *t, pm_sync_cell *c)
{
    pm_sync_mutex_read_enter(t);
    return pm_sync_mutex_deref(t, c);
}

static inline void pm_sync_mutex_read_exit(pm_sync_thread *t)
{
    PM_SYNC_DEPTH_EXIT(t);
    pthread_mutex_unlock((pthread_mutex_t *)t->rec);
}

static inline void pm_sync_mutex_quiescent(pm_sync_thread *t)
{
    (void)t;
}

#endif
