/* pmsync/hp.h — inline read side of the `hp` backend (Concurrency Kit ck_hp): one hazard pointer
 * per thread, set on the cell's object by deref() and validated against the cell. */
#ifndef PMSYNC_HP_H
#define PMSYNC_HP_H

#include <ck_hp.h>

#include "pmsync/sync.h"

static inline void pm_sync_hp_read_enter(pm_sync_thread *t)
{
    PM_SYNC_DEPTH_ENTER(t);
    (void)t;
}

static inline void *pm_sync_hp_deref(pm_sync_thread *t, pm_sync_cell *c)
{
    ck_hp_record_t *r = (ck_hp_record_t *)t->rec;
    uintptr_t p = atomic_load_explicit(&c->word, memory_order_relaxed);
    for (;;) {
        /* publish the hazard, full fence, then check the cell still holds it: a reclaimer that
         * unpublished p scans hazards after its CAS, so it either sees ours or we see its CAS */
        ck_hp_set_fence(r, 0, (void *)p);
        uintptr_t q = atomic_load_explicit(&c->word, memory_order_acquire);
        if (q == p)
            return (void *)p;
        p = q;
    }
}

/* read_enter + deref: the table's read_begin */
static inline void *pm_sync_hp_read_begin(pm_sync_thread *t, pm_sync_cell *c)
{
    pm_sync_hp_read_enter(t);
    return pm_sync_hp_deref(t, c);
}

static inline void pm_sync_hp_read_exit(pm_sync_thread *t)
{
    PM_SYNC_DEPTH_EXIT(t);
    PM_SYNC_TSAN_RELEASE(t->tsan_sync);
    ck_pr_fence_release();
    ck_hp_set((ck_hp_record_t *)t->rec, 0, NULL);
}

static inline void pm_sync_hp_quiescent(pm_sync_thread *t)
{
    (void)t;
}

#endif
