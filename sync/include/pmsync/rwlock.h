/* pmsync/rwlock.h — read side of the `rwlock` backend (a writer-preferring pthread rwlock). The
 * lock calls stay out of line (pthread's rwlock needs POSIX feature macros this header does not
 * impose on its includers); their cost dwarfs one extra call. */
#ifndef PMSYNC_RWLOCK_H
#define PMSYNC_RWLOCK_H

#include "pmsync/sync.h"

void pm_sync_rwlock_rdlock_(pm_sync_thread *t);
void pm_sync_rwlock_unlock_(pm_sync_thread *t);

static inline void pm_sync_rwlock_read_enter(pm_sync_thread *t)
{
    PM_SYNC_DEPTH_ENTER(t);
    pm_sync_rwlock_rdlock_(t);
}

static inline void *pm_sync_rwlock_deref(pm_sync_thread *t, pm_sync_cell *c)
{
    (void)t;
    return (void *)atomic_load_explicit(&c->word, memory_order_acquire);
}

/* read_enter + deref: the table's read_begin */
static inline void *pm_sync_rwlock_read_begin(pm_sync_thread *t, pm_sync_cell *c)
{
    pm_sync_rwlock_read_enter(t);
    return pm_sync_rwlock_deref(t, c);
}

static inline void pm_sync_rwlock_read_exit(pm_sync_thread *t)
{
    PM_SYNC_DEPTH_EXIT(t);
    pm_sync_rwlock_unlock_(t);
}

static inline void pm_sync_rwlock_quiescent(pm_sync_thread *t)
{
    (void)t;
}

#endif
