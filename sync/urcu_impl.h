/* sync/urcu_impl.h — the three liburcu backends share this body; each flavour's .c defines the
 * PMU_* macros and includes only its own flavour's headers, because urcu/call-rcu.h maps
 * call_rcu/rcu_barrier to a single flavour under one include guard (DESIGN §4). */
#include <stdlib.h>

#include "ptrcell.h"

#define PMU_CAT2_(a, b)    a##b
#define PMU_CAT_(a, b)     PMU_CAT2_(a, b)
#define PMU_FN(suffix)     PMU_CAT_(PMU_CAT_(pmu_, PMU_ID), suffix)
#define PMU_INLINE(suffix) PMU_CAT_(PMU_CAT_(pm_sync_, PMU_ID), suffix)

typedef struct pmu_domain {
    pm_sync_domain base;
    struct rcu_head probe; /* counts grace periods: one call_rcu in flight at a time */
    _Atomic(bool) probe_busy;
} pmu_domain;

/* Nested registrations (one thread in several domains of this flavour) share one liburcu
 * registration. */
static _Thread_local unsigned pmu_regs;

_Static_assert(sizeof(struct rcu_head) <= sizeof(((pm_sync_node *)0)->link), "rcu_head fits");

static void PMU_FN(_node_cb)(struct rcu_head *h)
{
    pm_sync_node_run((pm_sync_node *)(void *)h); /* link is the node's first member */
}

static void PMU_FN(_probe_cb)(struct rcu_head *h)
{
    pmu_domain *d = (pmu_domain *)(void *)((char *)h - offsetof(pmu_domain, probe));
    atomic_fetch_add_explicit(&d->base.gps, 1, memory_order_relaxed);
    PM_SYNC_TSAN_RELEASE(&d->base.tsan_sync);
    atomic_store_explicit(&d->probe_busy, false, memory_order_release);
}

static void PMU_FN(_retire_node)(pm_sync_thread *t, pm_sync_node *n)
{
    pmu_domain *d = (pmu_domain *)t->dom;
    PMU_CALL_RCU((struct rcu_head *)(void *)n->link, PMU_FN(_node_cb));
    if (!atomic_exchange_explicit(&d->probe_busy, true, memory_order_acq_rel))
        PMU_CALL_RCU(&d->probe, PMU_FN(_probe_cb));
}

static void PMU_FN(_enter)(pm_sync_thread *t)
{
    PMU_INLINE(_read_enter)(t);
}
static void *PMU_FN(_deref)(pm_sync_thread *t, pm_sync_cell *c)
{
    return PMU_INLINE(_deref)(t, c);
}
static void *PMU_FN(_begin)(pm_sync_thread *t, pm_sync_cell *c)
{
    return PMU_INLINE(_read_begin)(t, c);
}
static void PMU_FN(_exit)(pm_sync_thread *t)
{
    PMU_INLINE(_read_exit)(t);
}
static void PMU_FN(_quiescent)(pm_sync_thread *t)
{
    PMU_INLINE(_quiescent)(t);
}

static const pm_sync_ptr_ops PMU_FN(_ops) = {PMU_FN(_enter), PMU_FN(_deref), PMU_FN(_exit),
                                             PMU_FN(_retire_node)};

static pm_status PMU_FN(_domain_new)(pm_sync_domain **out)
{
    pmu_domain *d = calloc(1, sizeof *d);
    if (d == NULL)
        return PM_ENOMEM;
    pm_sync_base_init(&d->base, &PMU_CAT_(pm_sync_backend_, PMU_ID));
    atomic_init(&d->probe_busy, false);
    *out = &d->base;
    return PM_OK;
}

static void PMU_FN(_barrier)(pm_sync_domain *d, pm_sync_thread *t)
{
    PM_SYNC_UNUSED(t);
    PMU_BARRIER(); /* waits for every callback queued before it (QSBR: goes offline meanwhile) */
    PM_SYNC_TSAN_ACQUIRE(&d->tsan_sync);
    (void)atomic_load_explicit(&d->freed, memory_order_acquire);
}

static void PMU_FN(_domain_free)(pm_sync_domain *d)
{
    PMU_FN(_barrier)(d, NULL);
    /* the probe may have been re-armed by the last retire before the barrier ran: wait for it */
    while (atomic_load_explicit(&((pmu_domain *)d)->probe_busy, memory_order_acquire))
        PMU_BARRIER();
    PM_SYNC_TSAN_ACQUIRE(&d->tsan_sync);
    pm_sync_base_fini(d);
    free(d);
}

static pm_status PMU_FN(_register)(pm_sync_domain *d, pm_sync_thread **out)
{
    pm_sync_thread *t = pm_sync_thread_alloc(d, sizeof *t);
    if (t == NULL)
        return PM_ENOMEM;
    if (pmu_regs++ == 0)
        PMU_REGISTER();
    *out = t;
    return PM_OK;
}

static void PMU_FN(_unregister)(pm_sync_thread *t)
{
    pm_sync_domain *d = t->dom;
    PM_SYNC_DEPTH_NONE(t);
    if (--pmu_regs == 0)
        PMU_UNREGISTER();
    pthread_mutex_lock(&d->lock);
    pm_sync_thread_unlink(d, t);
    pthread_mutex_unlock(&d->lock);
    free(t);
}

static pm_status PMU_FN(_update)(pm_sync_thread *t, pm_sync_cell *c, pm_sync_build_fn *build,
                                 void *arg)
{
    return pm_sync_ptr_update(&PMU_FN(_ops), t, c, build, arg);
}

static pm_status PMU_FN(_retire)(pm_sync_thread *t, void *obj, pm_sync_free_fn *fn, void *ctx)
{
    return pm_sync_ptr_retire(&PMU_FN(_ops), t, obj, fn, ctx);
}

const pm_sync_backend PMU_CAT_(pm_sync_backend_, PMU_ID) = {
    .name = PMU_NAME,
    .summary = PMU_SUMMARY,
    .flags = PMU_FLAGS,
    .domain_new = PMU_FN(_domain_new),
    .domain_free = PMU_FN(_domain_free),
    .thread_register = PMU_FN(_register),
    .thread_unregister = PMU_FN(_unregister),
    .read_enter = PMU_FN(_enter),
    .deref = PMU_FN(_deref),
    .read_exit = PMU_FN(_exit),
    .quiescent = PMU_FN(_quiescent),
    .read_begin = PMU_FN(_begin),
    .cell_init = pm_sync_ptr_cell_init,
    .cell_fini = pm_sync_ptr_cell_fini,
    .update = PMU_FN(_update),
    .retire = PMU_FN(_retire),
    .barrier = PMU_FN(_barrier),
    .stats = pm_sync_base_stats,
};
