/* pmsync/ibr.h — inline read side of the `ibr` backend: 2GEIBR interval-based reclamation
 * (Wen, Izraelevitz, Cai, Beadle, Scott, PPoPP 2018), one reserved era interval per thread.
 *
 * read_enter reserves [era, era]; deref extends the upper end to the era current when the cell
 * is read (re-reading until the clock stands still), so the interval covers every era at which
 * the version we return was published. A retired version is freed once its [birth, retire]
 * interval meets no thread's reservation. See pmsync/era.h and docs/backends.md. */
#ifndef PMSYNC_IBR_H
#define PMSYNC_IBR_H

#include "pmsync/era.h"

static inline void pm_sync_ibr_read_enter(pm_sync_thread *t)
{
    PM_SYNC_DEPTH_ENTER(t);
    pm_sync_era_slot *s = (pm_sync_era_slot *)t->rec;
    /* acquire: pairs with the release fetch_add that follows each publishing CAS (era.h, (2)) */
    uint64_t e = atomic_load_explicit(s->clock, memory_order_acquire);
    /* release: a scanner that reads this lower end (acquire) after seeing a later upper end also
     * sees that our previous section ended (its exit stores happen before this one) */
    atomic_store_explicit(&s->lo, e, memory_order_release);
    /* seq_cst exchange: the store-load fence before any cell load of this section (era.h, (1)) */
    (void)atomic_exchange_explicit(&s->hi, e, memory_order_seq_cst);
}

static inline void *pm_sync_ibr_deref(pm_sync_thread *t, pm_sync_cell *c)
{
    pm_sync_era_slot *s = (pm_sync_era_slot *)t->rec;
    uint64_t e = atomic_load_explicit(&s->hi, memory_order_relaxed); /* our own last store */
    return pm_sync_era_protect_(s, c, e)->obj;
}

/* read_enter + deref: the table's read_begin */
static inline void *pm_sync_ibr_read_begin(pm_sync_thread *t, pm_sync_cell *c)
{
    pm_sync_ibr_read_enter(t);
    return pm_sync_ibr_deref(t, c);
}

static inline void pm_sync_ibr_read_exit(pm_sync_thread *t)
{
    PM_SYNC_DEPTH_EXIT(t);
    pm_sync_era_slot *s = (pm_sync_era_slot *)t->rec;
    /* release (both): a scanner that reads either value (acquire) is ordered after every read
     * of this section, so it may free what we held */
    atomic_store_explicit(&s->lo, UINT64_MAX, memory_order_release);
    atomic_store_explicit(&s->hi, 0, memory_order_release);
}

static inline void pm_sync_ibr_quiescent(pm_sync_thread *t)
{
    (void)t;
}

#endif
