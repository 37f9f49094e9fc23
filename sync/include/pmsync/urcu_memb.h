/* pmsync/urcu_memb.h — inline read side of the `urcu-memb` backend (liburcu, urcu_memb flavour). */
#ifndef PMSYNC_URCU_MEMB_H
#define PMSYNC_URCU_MEMB_H

#ifndef _LGPL_SOURCE
#define _LGPL_SOURCE /* inline the read side */
#endif
#include <urcu/urcu-memb.h>

#include "pmsync/sync.h"

static inline void pm_sync_urcu_memb_read_enter(pm_sync_thread *t)
{
    PM_SYNC_DEPTH_ENTER(t);
    (void)t;
    urcu_memb_read_lock();
}

static inline void *pm_sync_urcu_memb_deref(pm_sync_thread *t, pm_sync_cell *c)
{
    (void)t;
    return (void *)atomic_load_explicit(&c->word, memory_order_acquire);
}

/* read_enter + deref: the table's read_begin */
static inline void *pm_sync_urcu_memb_read_begin(pm_sync_thread *t, pm_sync_cell *c)
{
    pm_sync_urcu_memb_read_enter(t);
    return pm_sync_urcu_memb_deref(t, c);
}

static inline void pm_sync_urcu_memb_read_exit(pm_sync_thread *t)
{
    PM_SYNC_DEPTH_EXIT(t);
    PM_SYNC_TSAN_RELEASE(t->tsan_sync);
    urcu_memb_read_unlock();
}

static inline void pm_sync_urcu_memb_quiescent(pm_sync_thread *t)
{
    (void)t;
}

#endif
