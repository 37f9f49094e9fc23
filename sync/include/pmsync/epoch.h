/* pmsync/epoch.h — inline read side of the `epoch` backend (Concurrency Kit ck_epoch). */
#ifndef PMSYNC_EPOCH_H
#define PMSYNC_EPOCH_H

#include <ck_epoch.h>

#include "pmsync/sync.h"

static inline void pm_sync_epoch_read_enter(pm_sync_thread *t)
{
    PM_SYNC_DEPTH_ENTER(t);
    ck_epoch_begin((ck_epoch_record_t *)t->rec, NULL);
}

static inline void *pm_sync_epoch_deref(pm_sync_thread *t, pm_sync_cell *c)
{
    (void)t;
    return (void *)atomic_load_explicit(&c->word, memory_order_acquire);
}

/* read_enter + deref: the table's read_begin */
static inline void *pm_sync_epoch_read_begin(pm_sync_thread *t, pm_sync_cell *c)
{
    pm_sync_epoch_read_enter(t);
    return pm_sync_epoch_deref(t, c);
}

static inline void pm_sync_epoch_read_exit(pm_sync_thread *t)
{
    PM_SYNC_DEPTH_EXIT(t);
    PM_SYNC_TSAN_RELEASE(t->tsan_sync);
    ck_epoch_end((ck_epoch_record_t *)t->rec, NULL);
}

static inline void pm_sync_epoch_quiescent(pm_sync_thread *t)
{
    (void)t;
}

#endif
