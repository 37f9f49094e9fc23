/* sync/mutex.c — backend `mutex`: readers and writers take one mutex per domain, so a writer
 * that replaced a version under the mutex can free the old one as soon as it lets go: no reader
 * can be holding it. */
#include <stdlib.h>

#include "pmsync/mutex.h"
#include "ptrcell.h"

typedef struct mutex_domain {
    pm_sync_domain base; /* first: the shared accounting (retired, freed, peak, live threads) */
    pthread_mutex_t mu;
} mutex_domain;

/* The writer side of pm_sync_ptr_update: the same mutex around build + compare-and-swap. */
static void mutex_enter(pm_sync_thread *t)
{
    pm_sync_mutex_read_enter(t);
}
static void *mutex_deref(pm_sync_thread *t, pm_sync_cell *c)
{
    return pm_sync_mutex_deref(t, c);
}
static void *mutex_begin(pm_sync_thread *t, pm_sync_cell *c)
{
    return pm_sync_mutex_read_begin(t, c);
}
static void mutex_exit(pm_sync_thread *t)
{
    pm_sync_mutex_read_exit(t);
}
static void mutex_quiescent(pm_sync_thread *t)
{
    pm_sync_mutex_quiescent(t);
}

/* A retired object is unreachable from the cell; a reader that got it earlier holds the mutex
 * until its section ends. Taking the mutex once waits for every such reader: then free. */
static void mutex_retire_node(pm_sync_thread *t, pm_sync_node *n)
{
    pthread_mutex_t *mu = &((mutex_domain *)t->dom)->mu;
    pthread_mutex_lock(mu);
    pthread_mutex_unlock(mu);
    pm_sync_node_run(n); /* calls the free function and counts the object freed */
}

static const pm_sync_ptr_ops mutex_ops = {mutex_enter, mutex_deref, mutex_exit, mutex_retire_node};

static pm_status mutex_domain_new(pm_sync_domain **out)
{
    mutex_domain *d = calloc(1, sizeof *d);
    if (d == NULL)
        return PM_ENOMEM;
    pm_sync_base_init(&d->base, &pm_sync_backend_mutex);
    pthread_mutex_init(&d->mu, NULL);
    *out = &d->base;
    return PM_OK;
}

static void mutex_domain_free(pm_sync_domain *dom)
{
    mutex_domain *d = (mutex_domain *)dom;
    pthread_mutex_destroy(&d->mu); /* nothing is ever pending: every retire freed at once */
    pm_sync_base_fini(dom);
    free(d);
}

static pm_status mutex_register(pm_sync_domain *dom, pm_sync_thread **out)
{
    pm_sync_thread *t = pm_sync_thread_alloc(dom, sizeof *t);
    if (t == NULL)
        return PM_ENOMEM;
    t->rec = &((mutex_domain *)dom)->mu; /* what the inline read side locks */
    *out = t;
    return PM_OK;
}

static void mutex_unregister(pm_sync_thread *t)
{
    pm_sync_domain *dom = t->dom;
    PM_SYNC_DEPTH_NONE(t);
    pthread_mutex_lock(&dom->lock);
    pm_sync_thread_unlink(dom, t);
    pthread_mutex_unlock(&dom->lock);
    free(t);
}

static pm_status mutex_update(pm_sync_thread *t, pm_sync_cell *c, pm_sync_build_fn *build,
                              void *arg)
{
    return pm_sync_ptr_update(&mutex_ops, t, c, build, arg);
}

static pm_status mutex_retire(pm_sync_thread *t, void *obj, pm_sync_free_fn *fn, void *ctx)
{
    return pm_sync_ptr_retire(&mutex_ops, t, obj, fn, ctx);
}

static void mutex_barrier(pm_sync_domain *dom, pm_sync_thread *t)
{
    PM_SYNC_UNUSED(dom);
    PM_SYNC_UNUSED(t); /* nothing is ever pending */
}

const pm_sync_backend pm_sync_backend_mutex = {
    .name = "mutex",
    .summary = "one mutex per domain for readers and writers; frees at once (guide example)",
    .flags = PM_SYNC_F_EXCLUSIVE | PM_SYNC_F_READER_WRITES,
    .domain_new = mutex_domain_new,
    .domain_free = mutex_domain_free,
    .thread_register = mutex_register,
    .thread_unregister = mutex_unregister,
    .read_enter = mutex_enter,
    .deref = mutex_deref,
    .read_exit = mutex_exit,
    .quiescent = mutex_quiescent,
    .read_begin = mutex_begin,
    .cell_init = pm_sync_ptr_cell_init,
    .cell_fini = pm_sync_ptr_cell_fini,
    .update = mutex_update,
    .retire = mutex_retire,
    .barrier = mutex_barrier,
    .stats = pm_sync_base_stats,
};
