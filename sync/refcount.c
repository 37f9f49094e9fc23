/* sync/refcount.c — backend `refcount`: readers pin the current version with a split reference
 * count (pmsync/refcount.h); the last release frees it at once. docs/backends.md explains the
 * protocol, its invariant and its memory orderings. */
#include <sched.h>
#include <stdlib.h>

#include "internal.h"
#include "pmsync/refcount.h"

_Static_assert(sizeof(uintptr_t) == 8, "refcount packs a 48-bit address and a 16-bit count");

static pm_sync_rc_version *rc_version_new(pm_sync_domain *d, const pm_sync_cell *c, void *obj)
{
    pm_sync_rc_version *v = malloc(sizeof *v);
    if (v == NULL)
        return NULL;
    if (((uintptr_t)v >> PM_SYNC_RC_SHIFT) != 0) { /* cannot happen with 48-bit user addresses */
        free(v);
        return NULL;
    }
    atomic_init(&v->inner, PM_SYNC_RC_BIAS);
    v->obj = obj;
    v->fn = c->free_fn;
    v->ctx = c->free_ctx;
    v->dom = d;
    return v;
}

/* The inline deref's loop, for when the outer count is saturated: the same atomic steps and
 * orderings, plus a yield while the count stays at its limit. */
void *pm_sync_rc_pin_saturated_(pm_sync_thread *t, pm_sync_cell *c)
{
    uintptr_t w = atomic_load_explicit(&c->word, memory_order_relaxed);
    for (;;) {
        if (PM_SYNC_RC_OUTER(w) >= PM_SYNC_RC_OUTER_MAX) {
            sched_yield(); /* normalisers in flight bring it down */
            w = atomic_load_explicit(&c->word, memory_order_relaxed);
            continue;
        }
        /* acquire: as in pm_sync_refcount_deref */
        if (atomic_compare_exchange_weak_explicit(&c->word, &w, w + PM_SYNC_RC_ONE,
                                                  memory_order_acquire, memory_order_relaxed))
            break;
    }
    pm_sync_rc_version *v = (pm_sync_rc_version *)PM_SYNC_RC_PTR(w);
    t->pin = v;
    if (PM_SYNC_RC_OUTER(w) + 1 >= PM_SYNC_RC_NORMALIZE_AT)
        return pm_sync_rc_normalize_(c, v);
    return v->obj;
}

void pm_sync_rc_free_(pm_sync_rc_version *v)
{
    pm_sync_domain *d = v->dom;
    v->fn(v->obj, v->ctx);
    free(v);
    atomic_fetch_add_explicit(&d->freed, 1, memory_order_acq_rel);
}

/* Called by a reader that holds a pin on v (so v cannot be freed meanwhile) when the outer count
 * grew large: move it to the inner count. Inner first, then the word (release), so that a writer
 * whose CAS reads the zeroed word also sees the larger inner count; if the word changed, undo —
 * the undo cannot reach zero because our own pin is still counted. */
void *pm_sync_rc_normalize_(pm_sync_cell *c, pm_sync_rc_version *v)
{
    uintptr_t w = atomic_load_explicit(&c->word, memory_order_relaxed);
    while (PM_SYNC_RC_PTR(w) == (uintptr_t)v && PM_SYNC_RC_OUTER(w) >= PM_SYNC_RC_NORMALIZE_AT) {
        int64_t k = (int64_t)PM_SYNC_RC_OUTER(w);
        atomic_fetch_add_explicit(&v->inner, k, memory_order_relaxed);
        if (atomic_compare_exchange_strong_explicit(&c->word, &w, (uintptr_t)v,
                                                    memory_order_release, memory_order_relaxed))
            break;
        atomic_fetch_sub_explicit(&v->inner, k, memory_order_relaxed);
    }
    return v->obj; /* still pinned by the caller */
}

static void rc_enter(pm_sync_thread *t)
{
    pm_sync_refcount_read_enter(t);
}
static void *rc_deref(pm_sync_thread *t, pm_sync_cell *c)
{
    return pm_sync_refcount_deref(t, c);
}
static void *rc_begin(pm_sync_thread *t, pm_sync_cell *c)
{
    return pm_sync_refcount_read_begin(t, c);
}
static void rc_exit(pm_sync_thread *t)
{
    pm_sync_refcount_read_exit(t);
}
static void rc_quiescent(pm_sync_thread *t)
{
    pm_sync_refcount_quiescent(t);
}

static pm_status rc_cell_init(pm_sync_domain *d, pm_sync_cell *c, void *obj, pm_sync_free_fn *fn,
                              void *ctx)
{
    if (obj == NULL)
        return PM_EINVAL;
    c->free_fn = fn;
    c->free_ctx = ctx;
    pm_sync_rc_version *v = rc_version_new(d, c, obj);
    if (v == NULL)
        return PM_ENOMEM;
    atomic_store_explicit(&c->word, (uintptr_t)v, memory_order_release);
    return PM_OK;
}

static void rc_cell_fini(pm_sync_domain *d, pm_sync_cell *c)
{
    PM_SYNC_UNUSED(d);
    uintptr_t w = atomic_exchange_explicit(&c->word, 0, memory_order_acq_rel);
    pm_sync_rc_version *v = (pm_sync_rc_version *)PM_SYNC_RC_PTR(w);
    if (v == NULL)
        return;
    /* no reader is left (contract): free the current version without counting it as retired */
    v->fn(v->obj, v->ctx);
    free(v);
}

static pm_status rc_update(pm_sync_thread *t, pm_sync_cell *c, pm_sync_build_fn *build, void *arg)
{
    pm_sync_rc_version *nv = rc_version_new(t->dom, c, NULL);
    if (nv == NULL)
        return PM_ENOMEM;
    for (;;) {
        rc_enter(t);
        void *cur = rc_deref(t, c); /* pins cur's version: it cannot be freed or reused */
        pm_sync_rc_version *v = t->pin;
        void *next = NULL;
        pm_status st = build(arg, cur, &next);
        if (st != PM_OK || next == cur || next == NULL) {
            rc_exit(t);
            free(nv);
            return st != PM_OK ? st : (next == NULL ? PM_EINVAL : PM_OK);
        }
        nv->obj = next;
        uintptr_t w = atomic_load_explicit(&c->word, memory_order_relaxed);
        bool won = false;
        while (PM_SYNC_RC_PTR(w) == (uintptr_t)v) {
            /* release: nv and next are visible to readers; acquire: pairs with a normaliser's
             * release so its inner increment precedes our transfer */
            if (atomic_compare_exchange_weak_explicit(&c->word, &w, (uintptr_t)nv,
                                                      memory_order_acq_rel, memory_order_relaxed)) {
                won = true;
                break;
            }
        }
        if (won) {
            pm_sync_count_retired(t->dom);
            /* transfer the outer count (every pin ever taken through the word) and drop the
             * publication bias; cannot reach zero here: our own pin is among them */
            int64_t k = (int64_t)PM_SYNC_RC_OUTER(w);
            atomic_fetch_add_explicit(&v->inner, k - PM_SYNC_RC_BIAS, memory_order_acq_rel);
            rc_exit(t); /* our release may be the last one: then it frees cur now */
            return PM_OK;
        }
        rc_exit(t);
        c->free_fn(next, c->free_ctx); /* never published */
    }
}

static pm_status rc_retire(pm_sync_thread *t, void *obj, pm_sync_free_fn *fn, void *ctx)
{
    /* readers only ever hold cell versions (pinned); an object outside every cell is unreachable */
    pm_sync_count_retired(t->dom);
    fn(obj, ctx);
    atomic_fetch_add_explicit(&t->dom->freed, 1, memory_order_acq_rel);
    return PM_OK;
}

static pm_status rc_domain_new(pm_sync_domain **out)
{
    pm_sync_domain *d = calloc(1, sizeof *d);
    if (d == NULL)
        return PM_ENOMEM;
    pm_sync_base_init(d, &pm_sync_backend_refcount);
    *out = d;
    return PM_OK;
}

static void rc_domain_free(pm_sync_domain *d)
{
    pm_sync_base_fini(d);
    free(d);
}

static pm_status rc_register(pm_sync_domain *d, pm_sync_thread **out)
{
    pm_sync_thread *t = pm_sync_thread_alloc(d, sizeof *t);
    if (t == NULL)
        return PM_ENOMEM;
    *out = t;
    return PM_OK;
}

static void rc_unregister(pm_sync_thread *t)
{
    pm_sync_domain *d = t->dom;
    PM_SYNC_DEPTH_NONE(t);
    pthread_mutex_lock(&d->lock);
    pm_sync_thread_unlink(d, t);
    pthread_mutex_unlock(&d->lock);
    free(t);
}

static void rc_barrier(pm_sync_domain *d, pm_sync_thread *t)
{
    PM_SYNC_UNUSED(t); /* frees happen at the last release: nothing to wait for but readers */
    (void)atomic_load_explicit(&d->freed, memory_order_acquire);
}

/* A replaced version is freed by the last release of its pins, and a thread pins at most one
 * version at a time: at most one pending version per registered thread. */
static uint64_t rc_pending_bound(unsigned threads)
{
    return threads;
}

const pm_sync_backend pm_sync_backend_refcount = {
    .name = "refcount",
    .summary = "readers pin the version with a split (outer/inner) count; last release frees",
    .flags = PM_SYNC_F_BOUNDED | PM_SYNC_F_READER_WRITES,
    .pending_bound = rc_pending_bound,
    .domain_new = rc_domain_new,
    .domain_free = rc_domain_free,
    .thread_register = rc_register,
    .thread_unregister = rc_unregister,
    .read_enter = rc_enter,
    .deref = rc_deref,
    .read_exit = rc_exit,
    .quiescent = rc_quiescent,
    .read_begin = rc_begin,
    .cell_init = rc_cell_init,
    .cell_fini = rc_cell_fini,
    .update = rc_update,
    .retire = rc_retire,
    .barrier = rc_barrier,
    .stats = pm_sync_base_stats,
};
