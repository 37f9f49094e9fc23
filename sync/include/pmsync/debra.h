/* pmsync/debra.h — inline read side of the `debra` backend: DEBRA (Brown, PODC 2015), the
 * project's own epoch-based reclamation with per-thread limbo bags and announcements.
 *
 * read_enter reads the global epoch; if it changed since this thread last looked, the thread
 * first empties its limbo bags that are two epochs old (out of line); then it announces
 * {epoch, active} with a seq_cst exchange. A thread that holds limbo objects also checks one
 * other thread's announcement per read section and advances the epoch once every thread was
 * seen quiescent or in the current epoch (out of line). read_exit announces quiescence. See
 * docs/backends.md ("debra"). */
#ifndef PMSYNC_DEBRA_H
#define PMSYNC_DEBRA_H

#include "pmsync/sync.h"

/** Per-thread record (t->rec; private). Announcement: epoch << 1 | 1 inside a read section,
 * epoch << 1 outside. */
typedef struct pm_sync_debra_rec {
    _Atomic(uint64_t) announce;
    _Atomic(uint64_t) *epoch; /* the domain's global epoch */
    uint64_t seen;            /* the epoch this thread last rotated its bags for */
    size_t limbo;             /* objects in its bags: > 0 makes it help advance the epoch */
    /* ---- owner only (and barrier() while parked) ---- */
    struct pm_sync_debra_rec *next_all; /* every record of the domain, never unlinked */
    struct pm_sync_debra_rec *cursor;   /* the next record whose announcement to check */
    void *bag[3];                       /* limbo bags (pm_sync_node lists) by epoch % 3 */
    uint64_t bag_epoch[3];
    pm_sync_domain *dom;
} pm_sync_debra_rec;

/** Out of line: the epoch moved to e: free the bags of epochs <= e - 2. */
void pm_sync_debra_rotate_(pm_sync_debra_rec *r, uint64_t e);
/** Out of line: check the next announcement, advance the epoch when every one allows it. */
void pm_sync_debra_help_(pm_sync_debra_rec *r, uint64_t e);

static inline void pm_sync_debra_read_enter(pm_sync_thread *t)
{
    PM_SYNC_DEPTH_ENTER(t);
    pm_sync_debra_rec *r = (pm_sync_debra_rec *)t->rec;
    /* seq_cst: part of the total order that makes "epoch read here <= the epoch a retirer reads
     * after unpublishing what we will read" (debra.c, file comment) */
    uint64_t e = atomic_load_explicit(r->epoch, memory_order_seq_cst);
    if (e != r->seen)
        pm_sync_debra_rotate_(r, e);
    /* seq_cst exchange: the store-load fence before this section's cell load; an advancer's
     * seq_cst load of our announcement sees it (or a later one) whenever we may hold a version
     * unpublished before its advance */
    (void)atomic_exchange_explicit(&r->announce, (e << 1) | 1u, memory_order_seq_cst);
    if (r->limbo != 0)
        pm_sync_debra_help_(r, e);
}

static inline void *pm_sync_debra_deref(pm_sync_thread *t, pm_sync_cell *c)
{
    (void)t;
    /* seq_cst: ordered after our announcement in the total order (see read_enter); also
     * acquire, pairing with the writer's publishing CAS */
    return (void *)atomic_load_explicit(&c->word, memory_order_seq_cst);
}

/* read_enter + deref: the table's read_begin */
static inline void *pm_sync_debra_read_begin(pm_sync_thread *t, pm_sync_cell *c)
{
    pm_sync_debra_read_enter(t);
    return pm_sync_debra_deref(t, c);
}

static inline void pm_sync_debra_read_exit(pm_sync_thread *t)
{
    PM_SYNC_DEPTH_EXIT(t);
    pm_sync_debra_rec *r = (pm_sync_debra_rec *)t->rec;
    /* release: an advancer that reads this quiescent announcement (seq_cst, so acquire) is
     * ordered after every read of the section */
    atomic_store_explicit(&r->announce, r->seen << 1, memory_order_release);
}

static inline void pm_sync_debra_quiescent(pm_sync_thread *t)
{
    (void)t;
}

#endif
