/* pmsync/refcount.h — inline read side of the `refcount` backend.
 *
 * Readers pin the cell's current version with a split ("differential") reference count: the cell
 * word packs the version record's address (low 48 bits) with an OUTER count (high 16 bits) that
 * every reader increments with one compare-and-swap on the word, so "load the pointer" and
 * "count a reference" are one atomic step and cannot race with a writer swapping the version.
 * Readers release by decrementing the record's INNER count; the writer that unpublishes a version
 * moves its outer count into the inner count, and whoever brings the inner count to zero frees
 * the version at once. See docs/backends.md for the protocol and its memory orderings. */
#ifndef PMSYNC_REFCOUNT_H
#define PMSYNC_REFCOUNT_H

#include "pmsync/sync.h"

#define PM_SYNC_RC_SHIFT     48
#define PM_SYNC_RC_ONE       ((uintptr_t)1 << PM_SYNC_RC_SHIFT)
#define PM_SYNC_RC_PTR(w)    ((w) & (PM_SYNC_RC_ONE - 1))
#define PM_SYNC_RC_OUTER(w)  ((uint64_t)(w) >> PM_SYNC_RC_SHIFT)
#define PM_SYNC_RC_OUTER_MAX 0xFFFFu
/** A reader that pins a version whose outer count reached this moves it to the inner count. */
#define PM_SYNC_RC_NORMALIZE_AT 0x4000u
/** Inner count of a published version: large enough that releases while published never reach
 * zero however many transfers are in flight. */
#define PM_SYNC_RC_BIAS ((int64_t)1 << 40)

/** A published version (private: only `obj` is read inline). */
typedef struct pm_sync_rc_version {
    _Atomic(int64_t) inner;
    void *obj;
    pm_sync_free_fn *fn;
    void *ctx;
    pm_sync_domain *dom;
} pm_sync_rc_version;

/* out of line, rarely called; reached by tail calls, so that the inline fast path (and the
 * table's read_begin/deref built from it) needs no stack frame */
/** deref() when the outer count is at its limit: yields until normalisers bring it down, then
 * pins as deref() does and returns the object. */
void *pm_sync_rc_pin_saturated_(pm_sync_thread *t, pm_sync_cell *c);
/** Moves a large outer count of the pinned version v to its inner count; returns v->obj. */
void *pm_sync_rc_normalize_(pm_sync_cell *c, pm_sync_rc_version *v);
void pm_sync_rc_free_(pm_sync_rc_version *v);

static inline void pm_sync_refcount_read_enter(pm_sync_thread *t)
{
    PM_SYNC_DEPTH_ENTER(t);
    (void)t;
}

static inline void *pm_sync_refcount_deref(pm_sync_thread *t, pm_sync_cell *c)
{
    uintptr_t w = atomic_load_explicit(&c->word, memory_order_relaxed);
    do {
        if (PM_SYNC_RC_OUTER(w) >= PM_SYNC_RC_OUTER_MAX)
            return pm_sync_rc_pin_saturated_(t, c); /* yields: normalisers bring it down */
        /* acquire: reads from the writer's release CAS (or a later RMW of its release sequence) */
    } while (!atomic_compare_exchange_weak_explicit(&c->word, &w, w + PM_SYNC_RC_ONE,
                                                    memory_order_acquire, memory_order_relaxed));
    pm_sync_rc_version *v = (pm_sync_rc_version *)PM_SYNC_RC_PTR(w);
    t->pin = v;
    if (PM_SYNC_RC_OUTER(w) + 1 >= PM_SYNC_RC_NORMALIZE_AT)
        return pm_sync_rc_normalize_(c, v);
    return v->obj;
}

/* read_enter + deref: the table's read_begin */
static inline void *pm_sync_refcount_read_begin(pm_sync_thread *t, pm_sync_cell *c)
{
    pm_sync_refcount_read_enter(t);
    return pm_sync_refcount_deref(t, c);
}

static inline void pm_sync_refcount_read_exit(pm_sync_thread *t)
{
    PM_SYNC_DEPTH_EXIT(t);
    pm_sync_rc_version *v = (pm_sync_rc_version *)t->pin;
    if (v == NULL)
        return;
    t->pin = NULL;
    /* release: this reader's reads happen before the free; acquire: the freer sees them all */
    if (atomic_fetch_sub_explicit(&v->inner, 1, memory_order_acq_rel) == 1)
        pm_sync_rc_free_(v);
}

static inline void pm_sync_refcount_quiescent(pm_sync_thread *t)
{
    (void)t;
}

#endif
