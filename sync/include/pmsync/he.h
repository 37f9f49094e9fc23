/* pmsync/he.h — inline read side of the `he` backend: hazard eras (Ramalhete & Correia, SPAA
 * 2017), one hazard era per thread.
 *
 * deref publishes the current era in the thread's slot and re-reads the clock after loading the
 * cell until the era stands still; exit clears the slot. A retired version is freed once no
 * slot holds an era within its [birth, retire] lifetime. See pmsync/era.h and docs/backends.md. */
#ifndef PMSYNC_HE_H
#define PMSYNC_HE_H

#include "pmsync/era.h"

static inline void pm_sync_he_read_enter(pm_sync_thread *t)
{
    PM_SYNC_DEPTH_ENTER(t);
    (void)t;
}

static inline void *pm_sync_he_deref(pm_sync_thread *t, pm_sync_cell *c)
{
    pm_sync_era_slot *s = (pm_sync_era_slot *)t->rec;
    /* acquire: pairs with the release fetch_add that follows each publishing CAS (era.h, (2)) */
    uint64_t e = atomic_load_explicit(s->clock, memory_order_acquire);
    /* seq_cst exchange: the store-load fence before the cell load (era.h, (1)) */
    (void)atomic_exchange_explicit(&s->hi, e, memory_order_seq_cst);
    return pm_sync_era_protect_(s, c, e)->obj;
}

/* read_enter + deref: the table's read_begin */
static inline void *pm_sync_he_read_begin(pm_sync_thread *t, pm_sync_cell *c)
{
    pm_sync_he_read_enter(t);
    return pm_sync_he_deref(t, c);
}

static inline void pm_sync_he_read_exit(pm_sync_thread *t)
{
    PM_SYNC_DEPTH_EXIT(t);
    /* release: a scanner that reads the cleared slot (acquire) is ordered after every read of
     * this section */
    atomic_store_explicit(&((pm_sync_era_slot *)t->rec)->hi, 0, memory_order_release);
}

static inline void pm_sync_he_quiescent(pm_sync_thread *t)
{
    (void)t;
}

#endif
