/* pmsync/era.h — what the era-based backends (`ibr`, `he`, `hyaline`) share on the read side.
 *
 * Their cells publish a VERSION RECORD rather than the object itself: the record carries the
 * object and its birth era (the domain's era clock read just before the record was published),
 * and later its retire era. Readers reserve eras instead of pointers; a retired record is freed
 * once no reservation could cover its [birth, retire] lifetime. deref() returns record->obj, one
 * dependent load more than the pointer-cell backends. See docs/backends.md ("Era-based
 * backends") for the protocol and its orderings. Types here are private to the backends: only
 * the inline read side of pmsync/ibr.h, he.h and hyaline.h touches them. */
#ifndef PMSYNC_ERA_H
#define PMSYNC_ERA_H

#include "pmsync/sync.h"

/** A published version (the cell word points to one). */
typedef struct pm_sync_era_rec {
    void *obj;      /* the published object: the only field readers touch */
    uint64_t birth; /* era read before the publishing CAS; 0 for retire() outside a cell */
    uint64_t retire;
    struct pm_sync_era_rec *next; /* the retiring thread's list, or a hyaline batch */
    pm_sync_free_fn *fn;
    void *ctx;
    pm_sync_domain *dom;
} pm_sync_era_rec;

/** Per-thread reservation of `ibr` and `he` (t->rec; one cache line of its own). */
typedef struct pm_sync_era_slot {
    /* ibr: the upper end of the reserved interval; he: the hazard era; 0 = none. Written by the
     * owner (seq_cst exchange: the store-load fence of the read side), read by scanners. */
    _Atomic(uint64_t) hi;
    /* ibr: the lower end; UINT64_MAX = none. he: unused. */
    _Atomic(uint64_t) lo;
    _Atomic(uint64_t) *clock; /* the domain's era clock (starts at 1) */
    /* ---- the rest belongs to the owner (and to barrier() while the slot is parked) ---- */
    struct pm_sync_era_slot *next_all; /* every slot of the domain, never unlinked */
    pm_sync_era_rec *retired;          /* retired, not yet freed */
    size_t nretired;
} pm_sync_era_slot;

/** The read side shared by ibr and he: publish `e` with the seq_cst exchange, then load the cell
 * (seq_cst) and re-read the clock until it still equals the published era. Returns the record.
 *
 * Orderings: (1) the exchange and the cell load are seq_cst, and a scanner runs a seq_cst fence
 * after the seq_cst CAS that unpublished a record and before reading slots; so if our cell load
 * returned the record before that CAS, the scanner's load of `hi` sees our exchange or a later
 * value (C11 7.17.3: store-buffering is forbidden between seq_cst operations and fences).
 * (2) the clock loads are acquire: every change of the clock is a fetch_add with release done
 * right after a successful publishing CAS, so reading a clock value at or after such an
 * increment synchronises with it and the cell load that follows sees that CAS. Hence the era we
 * published (read before the cell load) is <= the retire era of the record we got, and the era
 * read after the cell load (equal to it) is >= the record's birth (the writer read the clock
 * before its release CAS, which our acquire cell load reads from). */
static inline pm_sync_era_rec *pm_sync_era_protect_(pm_sync_era_slot *s, pm_sync_cell *c,
                                                    uint64_t e)
{
    for (;;) {
        pm_sync_era_rec *r =
            (pm_sync_era_rec *)atomic_load_explicit(&c->word, memory_order_seq_cst);
        uint64_t now = atomic_load_explicit(s->clock, memory_order_acquire);
        if (now == e)
            return r;
        e = now;
        (void)atomic_exchange_explicit(&s->hi, e, memory_order_seq_cst);
    }
}

#endif
