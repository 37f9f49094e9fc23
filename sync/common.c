/* sync/common.c — backend registry, generic dispatch, shared accounting. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define PM_SYNC_ADDR_(id, name) &pm_sync_backend_##id,
const pm_sync_backend *const pm_sync_backends[PM_SYNC_NBACKENDS] = {
    PM_SYNC_BACKENDS(PM_SYNC_ADDR_)};
#undef PM_SYNC_ADDR_

const pm_sync_backend *pm_sync_backend_by_name(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < PM_SYNC_NBACKENDS; i++)
        if (strcmp(pm_sync_backends[i]->name, name) == 0)
            return pm_sync_backends[i];
    return NULL;
}

/* ---- shared accounting -------------------------------------------------------------------------
 */

void pm_sync_base_init(pm_sync_domain *d, const pm_sync_backend *be)
{
    d->be = be;
    atomic_init(&d->retired, 0);
    atomic_init(&d->freed, 0);
    atomic_init(&d->peak, 0);
    atomic_init(&d->gps, 0);
    pthread_mutex_init(&d->lock, NULL);
    d->live = NULL;
    d->parked = NULL;
    d->tsan_sync = 0;
}

void pm_sync_base_fini(pm_sync_domain *d)
{
    pthread_mutex_destroy(&d->lock);
}

void pm_sync_count_retired(pm_sync_domain *d)
{
    uint64_t freed = atomic_load_explicit(&d->freed, memory_order_relaxed);
    uint64_t retired = atomic_fetch_add_explicit(&d->retired, 1, memory_order_relaxed) + 1;
    uint64_t pending = retired > freed ? retired - freed : 0;
    uint64_t peak = atomic_load_explicit(&d->peak, memory_order_relaxed);
    while (pending > peak &&
           !atomic_compare_exchange_weak_explicit(&d->peak, &peak, pending, memory_order_relaxed,
                                                  memory_order_relaxed)) {
    }
}

pm_sync_node *pm_sync_node_new(pm_sync_domain *d, void *obj, pm_sync_free_fn *fn, void *ctx)
{
    pm_sync_node *n = malloc(sizeof *n);
    if (n == NULL)
        return NULL;
    memset(n->link, 0, sizeof n->link);
    n->obj = obj;
    n->fn = fn;
    n->ctx = ctx;
    n->dom = d;
    return n;
}

void pm_sync_node_run(pm_sync_node *n)
{
    /* The retiring thread released the node after filling it (pm_sync_node_hand_over), and every
     * read section that could reach n->obj ended, releasing the domain, before this point: make
     * both visible to TSan, which cannot see liburcu's and ck's own synchronisation. */
    PM_SYNC_TSAN_ACQUIRE(n);
    pm_sync_domain *d = n->dom;
    PM_SYNC_TSAN_ACQUIRE(&d->tsan_sync);
    n->fn(n->obj, n->ctx);
    free(n);
    PM_SYNC_TSAN_RELEASE(&d->tsan_sync);
    /* last access to d: release pairs with the acquire load in stats()/barrier() */
    atomic_fetch_add_explicit(&d->freed, 1, memory_order_acq_rel);
}

void pm_sync_base_stats(pm_sync_domain *d, pm_sync_stats *out)
{
    /* freed first: freed <= retired at every instant and both only grow */
    uint64_t freed = atomic_load_explicit(&d->freed, memory_order_acquire);
    uint64_t retired = atomic_load_explicit(&d->retired, memory_order_acquire);
    out->retired = retired;
    out->freed = freed;
    out->pending = retired - freed;
    out->peak_pending = atomic_load_explicit(&d->peak, memory_order_relaxed);
    out->grace_periods = atomic_load_explicit(&d->gps, memory_order_relaxed);
}

pm_sync_thread *pm_sync_thread_alloc(pm_sync_domain *d, size_t size)
{
    pm_sync_thread *t = calloc(1, size);
    if (t == NULL)
        return NULL;
    t->dom = d;
    t->backend = d->be;
    t->tsan_sync = &d->tsan_sync;
    pthread_mutex_lock(&d->lock);
    t->next = d->live;
    d->live = t;
    pthread_mutex_unlock(&d->lock);
    return t;
}

void pm_sync_thread_unlink(pm_sync_domain *d, pm_sync_thread *t)
{
    for (pm_sync_thread **p = &d->live; *p != NULL; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            t->next = NULL;
            return;
        }
    }
}

pm_sync_thread *pm_sync_unpark(pm_sync_domain *d)
{
    pthread_mutex_lock(&d->lock);
    pm_sync_thread *t = d->parked;
    if (t != NULL) {
        d->parked = t->next;
        t->next = d->live;
        d->live = t;
    }
    pthread_mutex_unlock(&d->lock);
    return t;
}

void pm_sync_park(pm_sync_domain *d, pm_sync_thread *t)
{
    pthread_mutex_lock(&d->lock);
    pm_sync_thread_unlink(d, t);
    t->next = d->parked;
    d->parked = t;
    pthread_mutex_unlock(&d->lock);
}

void pm_sync_free_parked(pm_sync_domain *d)
{
    pm_sync_thread *p = d->parked;
    d->parked = NULL;
    while (p != NULL) {
        pm_sync_thread *next = p->next;
        free(p->rec);
        free(p);
        p = next;
    }
}

/* ---- generic dispatch
 * ---------------------------------------------------------------------------- */

pm_status pm_sync_domain_new(const pm_sync_backend *be, pm_sync_domain **out)
{
    if (be == NULL || out == NULL)
        return PM_EINVAL;
    return be->domain_new(out);
}

void pm_sync_domain_free(pm_sync_domain *d)
{
    if (d != NULL)
        d->be->domain_free(d);
}

const pm_sync_backend *pm_sync_domain_backend(const pm_sync_domain *d)
{
    return d->be;
}

/* ---- threads that exit while registered -------------------------------------------------------
 * Each thread keeps the handles it registered on a list (t->mine) whose head is also the value of
 * a thread-specific key: the key's destructor, run by the exiting thread while its thread-local
 * storage (liburcu's reader record among it) is still valid, unregisters whatever is left. Without
 * it a dead thread's record would stay "online" and block every later grace period (urcu-qsbr) or
 * leave its pending objects behind. */
static pthread_key_t g_exit_key;
static pthread_once_t g_exit_once = PTHREAD_ONCE_INIT;
static int g_exit_key_ok;
static _Thread_local pm_sync_thread *tl_mine;

static void exit_unregister(void *head)
{
    (void)head; /* the same list as tl_mine, which is still valid here */
    while (tl_mine != NULL) {
        pm_sync_thread *t = tl_mine;
        tl_mine = t->mine;
        t->mine = NULL;
        t->backend->thread_unregister(t);
    }
}

static void exit_key_init(void)
{
    g_exit_key_ok = pthread_key_create(&g_exit_key, exit_unregister) == 0;
}

pm_status pm_sync_register(pm_sync_domain *d, pm_sync_thread **out)
{
    if (d == NULL || out == NULL)
        return PM_EINVAL;
    pthread_once(&g_exit_once, exit_key_init);
    pm_status st = d->be->thread_register(d, out);
    if (st != PM_OK)
        return st;
    pm_sync_thread *t = *out;
    t->mine = tl_mine;
    tl_mine = t;
    if (g_exit_key_ok)
        pthread_setspecific(g_exit_key, t); /* non-NULL: the destructor runs at thread exit */
    return PM_OK;
}

void pm_sync_unregister(pm_sync_thread *t)
{
    if (t == NULL)
        return;
    for (pm_sync_thread **p = &tl_mine; *p != NULL; p = &(*p)->mine) {
        if (*p == t) {
            *p = t->mine;
            break;
        }
    }
    t->mine = NULL;
    if (g_exit_key_ok)
        pthread_setspecific(g_exit_key, tl_mine);
    t->backend->thread_unregister(t);
}

/* pm_sync_read_enter/deref/read_begin/read_exit/quiescent are inline in pmsync/sync.h */

pm_status pm_sync_cell_init(pm_sync_domain *d, pm_sync_cell *c, void *obj, pm_sync_free_fn *fn,
                            void *ctx)
{
    if (d == NULL || c == NULL || fn == NULL)
        return PM_EINVAL;
    return d->be->cell_init(d, c, obj, fn, ctx);
}

void pm_sync_cell_fini(pm_sync_domain *d, pm_sync_cell *c)
{
    d->be->cell_fini(d, c);
}

pm_status pm_sync_update(pm_sync_thread *t, pm_sync_cell *c, pm_sync_build_fn *build, void *arg)
{
    if (t == NULL || c == NULL || build == NULL)
        return PM_EINVAL;
    return t->backend->update(t, c, build, arg);
}

pm_status pm_sync_retire(pm_sync_thread *t, void *obj, pm_sync_free_fn *fn, void *ctx)
{
    if (t == NULL || fn == NULL)
        return PM_EINVAL;
    return t->backend->retire(t, obj, fn, ctx);
}

void pm_sync_barrier(pm_sync_domain *d, pm_sync_thread *t)
{
    d->be->barrier(d, t);
}

void pm_sync_stats_get(pm_sync_domain *d, pm_sync_stats *out)
{
    d->be->stats(d, out);
}
