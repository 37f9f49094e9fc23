/* pmsync/hyaline.h — inline read side of the `hyaline` backend: Hyaline-1S (Nikolaev &
 * Ravindran, PLDI 2021), one slot per thread, robust with birth eras.
 *
 * read_enter activates the thread's slot (an empty list of retired batches); deref publishes the
 * era at which it read the cell (the slot's access era) when the clock moved since the thread
 * last did; read_exit deactivates the slot and takes the batches retirers inserted into it
 * meanwhile, dropping one reference from each (out of line; the last reference frees the
 * batch). Retirers skip inactive slots and slots whose access era is older than the batch's
 * oldest birth era, so a stalled reader keeps only the batches that could hold what it read.
 * See pmsync/era.h and docs/backends.md ("hyaline"). */
#ifndef PMSYNC_HYALINE_H
#define PMSYNC_HYALINE_H

#include "pmsync/era.h"

/** The head of an inactive slot (no read section): retirers insert nothing. */
#define PM_SYNC_HY_INACTIVE ((uintptr_t)1)

/** Per-thread slot (t->rec; private; one cache line of its own). */
typedef struct pm_sync_hyaline_slot {
    /* PM_SYNC_HY_INACTIVE, or the list of batch nodes inserted during this section (0: none).
     * The owner swaps it (enter, exit); retirers CAS nodes onto it. */
    _Atomic(uintptr_t) head;
    _Atomic(uint64_t) era;         /* access era, written by the owner only, never decreases */
    _Atomic(uint64_t) *clock;      /* the domain's era clock */
    _Atomic(uint64_t) outstanding; /* this thread's batches not yet freed (barrier waits) */
    /* ---- the rest belongs to the owner (and to barrier() while the slot is parked) ---- */
    struct pm_sync_hyaline_slot *next_all; /* every slot of the domain, never unlinked */
    pm_sync_era_rec *batch;                /* retired records not yet handed out */
    size_t nbatch;
    uint64_t min_birth;
    pm_sync_domain *dom;
} pm_sync_hyaline_slot;

/** Out of line: drop one reference from each batch of the list `h` taken at exit. */
void pm_sync_hyaline_drain_(uintptr_t h);

static inline void pm_sync_hyaline_read_enter(pm_sync_thread *t)
{
    PM_SYNC_DEPTH_ENTER(t);
    pm_sync_hyaline_slot *s = (pm_sync_hyaline_slot *)t->rec;
    /* seq_cst exchange: the store-load fence before the cell load. A retirer runs a seq_cst
     * fence after its seq_cst unpublishing CAS and before reading slots: if our cell load
     * returned what it unpublished, it sees this activation (or a later value of the head) */
    (void)atomic_exchange_explicit(&s->head, 0, memory_order_seq_cst);
}

static inline void *pm_sync_hyaline_deref(pm_sync_thread *t, pm_sync_cell *c)
{
    pm_sync_hyaline_slot *s = (pm_sync_hyaline_slot *)t->rec;
    uint64_t e = atomic_load_explicit(&s->era, memory_order_relaxed); /* our own store */
    for (;;) {
        /* seq_cst: ordered after our activation and era exchange (see read_enter); acquire:
         * pairs with the writer's publishing CAS */
        pm_sync_era_rec *r =
            (pm_sync_era_rec *)atomic_load_explicit(&c->word, memory_order_seq_cst);
        /* acquire: pairs with the release increment after each publishing CAS (era.h, (2)):
         * equal to the access era published before the cell load, so r.birth <= e */
        uint64_t now = atomic_load_explicit(s->clock, memory_order_acquire);
        if (now == e)
            return r->obj;
        e = now;
        /* seq_cst exchange: a retirer that reads our era after its fence sees this (or later) */
        (void)atomic_exchange_explicit(&s->era, e, memory_order_seq_cst);
    }
}

/* read_enter + deref: the table's read_begin */
static inline void *pm_sync_hyaline_read_begin(pm_sync_thread *t, pm_sync_cell *c)
{
    pm_sync_hyaline_read_enter(t);
    return pm_sync_hyaline_deref(t, c);
}

static inline void pm_sync_hyaline_read_exit(pm_sync_thread *t)
{
    PM_SYNC_DEPTH_EXIT(t);
    pm_sync_hyaline_slot *s = (pm_sync_hyaline_slot *)t->rec;
    /* release: a retirer that reads the inactive head (acquire) is ordered after our reads;
     * acquire: the nodes retirers inserted (release CAS) are complete */
    uintptr_t h = atomic_exchange_explicit(&s->head, PM_SYNC_HY_INACTIVE, memory_order_acq_rel);
    if (h != 0)
        pm_sync_hyaline_drain_(h);
}

static inline void pm_sync_hyaline_quiescent(pm_sync_thread *t)
{
    (void)t;
}

#endif
