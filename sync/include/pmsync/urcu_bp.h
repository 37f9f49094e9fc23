/* pmsync/urcu_bp.h — inline read side of the `urcu-bp` backend (liburcu, urcu_bp flavour). */
#ifndef PMSYNC_URCU_BP_H
#define PMSYNC_URCU_BP_H

#ifndef _LGPL_SOURCE
#define _LGPL_SOURCE /* inline the read side */
#endif
#include <urcu/urcu-bp.h>

#include "pmsync/sync.h"

#if defined(PM_SANITIZE_ADDRESS)
/* liburcu 0.13 allocates bp reader records less aligned than their type says; UBSan would stop
 * in the inlined header code, so the sanitizer build calls liburcu's exported functions. */
void pm_sync_urcu_bp_lock_lib_(void);
void pm_sync_urcu_bp_unlock_lib_(void);
#define PM_SYNC_URCU_BP_LOCK_()   pm_sync_urcu_bp_lock_lib_()
#define PM_SYNC_URCU_BP_UNLOCK_() pm_sync_urcu_bp_unlock_lib_()
#else
#define PM_SYNC_URCU_BP_LOCK_()   urcu_bp_read_lock()
#define PM_SYNC_URCU_BP_UNLOCK_() urcu_bp_read_unlock()
#endif

static inline void pm_sync_urcu_bp_read_enter(pm_sync_thread *t)
{
    PM_SYNC_DEPTH_ENTER(t);
    (void)t;
    PM_SYNC_URCU_BP_LOCK_();
}

static inline void *pm_sync_urcu_bp_deref(pm_sync_thread *t, pm_sync_cell *c)
{
    (void)t;
    return (void *)atomic_load_explicit(&c->word, memory_order_acquire);
}

/* read_enter + deref: the table's read_begin */
static inline void *pm_sync_urcu_bp_read_begin(pm_sync_thread *t, pm_sync_cell *c)
{
    pm_sync_urcu_bp_read_enter(t);
    return pm_sync_urcu_bp_deref(t, c);
}

static inline void pm_sync_urcu_bp_read_exit(pm_sync_thread *t)
{
    PM_SYNC_DEPTH_EXIT(t);
    PM_SYNC_TSAN_RELEASE(t->tsan_sync);
    PM_SYNC_URCU_BP_UNLOCK_();
}

static inline void pm_sync_urcu_bp_quiescent(pm_sync_thread *t)
{
    (void)t;
}

#endif
