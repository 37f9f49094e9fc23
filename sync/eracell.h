/* sync/eracell.h — what the era-based backends share (ibr, he, hyaline): the era clock, cells
 * that publish version records (pmsync/era.h), the update loop that stamps birth and retire
 * eras, the lock-free list of per-thread slots, and (ibr, he) the retire list and its scan.
 * Private to sync/. */
#ifndef PMSYNC_ERACELL_H
#define PMSYNC_ERACELL_H

/** Retired records per thread that trigger a scan (ibr, he). */
#define PM_SYNC_ERA_THRESHOLD 16u

/* pending_bound of ibr and he: each thread holds at most PM_SYNC_ERA_THRESHOLD records before a
 * scan, and a scan keeps only records whose lifetime covers some reservation. With one version
 * protected per read section, a stalled reader's reservation covers the version it read and the
 * ones published while its interval was open: one per writer at most, so threads + 1. */
static inline unsigned long long pm_sync_era_pending_bound(unsigned threads)
{
    return (unsigned long long)threads * (PM_SYNC_ERA_THRESHOLD + threads + 1);
}

#include "internal.h"
#include "pmsync/era.h"

/** Every era backend's domain starts with this. */
typedef struct pm_sync_era_domain {
    pm_sync_domain base;
    _Alignas(64) _Atomic(uint64_t) clock; /* the era; starts at 1, +1 after each publication */
    _Alignas(64) _Atomic(void *) slots;   /* per-thread slots, pushed only (seq_cst) */
    int interval;                         /* ibr: a slot reserves [lo, hi]; he: the single era hi */
} pm_sync_era_domain;

/** Per-backend hooks of the update loop. */
typedef struct pm_sync_era_ops {
    /** enter + deref that returns the record (the writer's protected window) */
    pm_sync_era_rec *(*protect)(pm_sync_thread *t, pm_sync_cell *c);
    void (*exit)(pm_sync_thread *t);
    /** hands over a counted record whose retire era is set */
    void (*retire_rec)(pm_sync_thread *t, pm_sync_era_rec *r);
} pm_sync_era_ops;

void pm_sync_era_domain_init(pm_sync_era_domain *d, const pm_sync_backend *be, int interval);
/** Pushes a slot on d->slots: seq_cst, see pm_sync_era_slot_push in eracell.c (hyaline.c
 * pushes its own slots the same way). */
void pm_sync_era_slot_push(pm_sync_era_domain *d, pm_sync_era_slot *s);

pm_status pm_sync_era_cell_init(pm_sync_domain *d, pm_sync_cell *c, void *obj, pm_sync_free_fn *fn,
                                void *ctx);
void pm_sync_era_cell_fini(pm_sync_domain *d, pm_sync_cell *c);
pm_status pm_sync_era_update(const pm_sync_era_ops *ops, pm_sync_thread *t, pm_sync_cell *c,
                             pm_sync_build_fn *build, void *arg);
/** retire() of an object outside any cell: birth 0 (unknown), retire = the clock now. */
pm_status pm_sync_era_retire(const pm_sync_era_ops *ops, pm_sync_thread *t, void *obj,
                             pm_sync_free_fn *fn, void *ctx);
/** Frees the record's object and the record, and counts it. */
void pm_sync_era_rec_free(pm_sync_era_rec *r);

/* ---- ibr and he: a retire list per thread, scanned against every slot --------------------- */
pm_status pm_sync_era_register(pm_sync_domain *dom, pm_sync_thread **out);
void pm_sync_era_unregister(pm_sync_thread *t);
void pm_sync_era_retire_rec(pm_sync_thread *t, pm_sync_era_rec *r);
void pm_sync_era_barrier(pm_sync_domain *dom, pm_sync_thread *t);
void pm_sync_era_domain_free(pm_sync_domain *dom);

#endif
