/* pmsync/leaky.h — inline read side of the `leaky` backend: nothing at all (it never frees before
 * teardown, so no reader needs protecting). The upper bound for read throughput. */
#ifndef PMSYNC_LEAKY_H
#define PMSYNC_LEAKY_H

#include "pmsync/sync.h"

static inline void pm_sync_leaky_read_enter(pm_sync_thread *t)
{
    PM_SYNC_DEPTH_ENTER(t);
    (void)t;
}

static inline void *pm_sync_leaky_deref(pm_sync_thread *t, pm_sync_cell *c)
{
    (void)t;
    return (void *)atomic_load_explicit(&c->word, memory_order_acquire);
}

/* read_enter + deref: the table's read_begin */
static inline void *pm_sync_leaky_read_begin(pm_sync_thread *t, pm_sync_cell *c)
{
    pm_sync_leaky_read_enter(t);
    return pm_sync_leaky_deref(t, c);
}

static inline void pm_sync_leaky_read_exit(pm_sync_thread *t)
{
    PM_SYNC_DEPTH_EXIT(t);
    (void)t;
}

static inline void pm_sync_leaky_quiescent(pm_sync_thread *t)
{
    (void)t;
}

#endif
