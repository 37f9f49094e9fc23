/* sync/leaky.c — backend `leaky`: never frees while the domain lives. Retired objects are counted
 * and kept on a list; domain_free() sweeps and frees them all, so its tests stay leak-clean. The
 * upper bound of read throughput every reclamation study reports. */
#include <stdlib.h>

#include "pmsync/leaky.h"
#include "ptrcell.h"

typedef struct leaky_domain {
    pm_sync_domain base;
    _Atomic(pm_sync_node *) kept; /* Treiber stack, pushed only; swept at teardown */
} leaky_domain;

static void leaky_keep(pm_sync_thread *t, pm_sync_node *n)
{
    leaky_domain *d = (leaky_domain *)t->dom;
    pm_sync_node **next = (pm_sync_node **)(void *)n->link;
    pm_sync_node *head = atomic_load_explicit(&d->kept, memory_order_relaxed);
    do {
        *next = head;
    } while (!atomic_compare_exchange_weak_explicit(&d->kept, &head, n, memory_order_release,
                                                    memory_order_relaxed));
}

static void leaky_enter(pm_sync_thread *t)
{
    pm_sync_leaky_read_enter(t);
}
static void *leaky_deref(pm_sync_thread *t, pm_sync_cell *c)
{
    return pm_sync_leaky_deref(t, c);
}
static void *leaky_begin(pm_sync_thread *t, pm_sync_cell *c)
{
    return pm_sync_leaky_read_begin(t, c);
}
static void leaky_exit(pm_sync_thread *t)
{
    pm_sync_leaky_read_exit(t);
}
static void leaky_quiescent(pm_sync_thread *t)
{
    pm_sync_leaky_quiescent(t);
}

static const pm_sync_ptr_ops leaky_ops = {leaky_enter, leaky_deref, leaky_exit, leaky_keep};

static pm_status leaky_domain_new(pm_sync_domain **out)
{
    leaky_domain *d = calloc(1, sizeof *d);
    if (d == NULL)
        return PM_ENOMEM;
    pm_sync_base_init(&d->base, &pm_sync_backend_leaky);
    atomic_init(&d->kept, NULL);
    *out = &d->base;
    return PM_OK;
}

static void leaky_domain_free(pm_sync_domain *dom)
{
    leaky_domain *d = (leaky_domain *)dom;
    /* the teardown sweep: no thread is registered any more */
    pm_sync_node *n = atomic_exchange_explicit(&d->kept, NULL, memory_order_acquire);
    while (n != NULL) {
        pm_sync_node *next = *(pm_sync_node **)(void *)n->link;
        pm_sync_node_run(n);
        n = next;
    }
    pm_sync_base_fini(dom);
    free(d);
}

static pm_status leaky_register(pm_sync_domain *dom, pm_sync_thread **out)
{
    pm_sync_thread *t = pm_sync_thread_alloc(dom, sizeof *t);
    if (t == NULL)
        return PM_ENOMEM;
    *out = t;
    return PM_OK;
}

static void leaky_unregister(pm_sync_thread *t)
{
    pm_sync_domain *dom = t->dom;
    PM_SYNC_DEPTH_NONE(t);
    pthread_mutex_lock(&dom->lock);
    pm_sync_thread_unlink(dom, t);
    pthread_mutex_unlock(&dom->lock);
    free(t);
}

static pm_status leaky_update(pm_sync_thread *t, pm_sync_cell *c, pm_sync_build_fn *build,
                              void *arg)
{
    return pm_sync_ptr_update(&leaky_ops, t, c, build, arg);
}

static pm_status leaky_retire(pm_sync_thread *t, void *obj, pm_sync_free_fn *fn, void *ctx)
{
    return pm_sync_ptr_retire(&leaky_ops, t, obj, fn, ctx);
}

static void leaky_barrier(pm_sync_domain *dom, pm_sync_thread *t)
{
    PM_SYNC_UNUSED(dom);
    PM_SYNC_UNUSED(t); /* nothing is freed before domain_free */
}

const pm_sync_backend pm_sync_backend_leaky = {
    .name = "leaky",
    .summary = "never frees before teardown (counts what it would retire): the upper bound",
    .flags = PM_SYNC_F_NEVER_FREES,
    .domain_new = leaky_domain_new,
    .domain_free = leaky_domain_free,
    .thread_register = leaky_register,
    .thread_unregister = leaky_unregister,
    .read_enter = leaky_enter,
    .deref = leaky_deref,
    .read_exit = leaky_exit,
    .quiescent = leaky_quiescent,
    .read_begin = leaky_begin,
    .cell_init = pm_sync_ptr_cell_init,
    .cell_fini = pm_sync_ptr_cell_fini,
    .update = leaky_update,
    .retire = leaky_retire,
    .barrier = leaky_barrier,
    .stats = pm_sync_base_stats,
};
