/* sync/hp.c — backend `hp`: Concurrency Kit hazard pointers (ck_hp), one hazard per thread.
 *
 * deref() publishes the cell's object as the thread's hazard and validates it against the cell.
 * A retired object goes to the retiring thread's pending list; once the list holds
 * PM_SYNC_HP_THRESHOLD objects the thread scans every hazard and frees the objects no hazard
 * names. A stalled reader can therefore hold back at most the one object it names: pending stays
 * below threshold + threads. As with epoch, ck_hp_unregister() would drop pending objects, so
 * records of unregistered threads are parked and reused; barrier() purges them. */
#include <stdlib.h>
#include <string.h>

#include "pmsync/hp.h"
#include "ptrcell.h"

/** Pending objects per thread that trigger a hazard scan. */
#define PM_SYNC_HP_THRESHOLD 16u

typedef struct hp_domain {
    pm_sync_domain base;
    ck_hp_t ck;
} hp_domain;

typedef struct hp_thread {
    pm_sync_thread pub;
    void *slots[1]; /* the hazard pointer */
} hp_thread;

_Static_assert(sizeof(ck_hp_hazard_t) <= sizeof(((pm_sync_node *)0)->link), "hazard fits");

static void hp_destroy(void *data)
{
    pm_sync_node_run(data);
}

static void hp_scan(pm_sync_thread *t)
{
    ck_hp_record_t *r = t->rec;
    /* our unpublishing CAS precedes the scan of hazards (store-load order) */
    atomic_thread_fence(memory_order_seq_cst);
    ck_hp_reclaim(r);
    atomic_fetch_add_explicit(&t->dom->gps, 1, memory_order_relaxed);
}

static void hp_retire_node(pm_sync_thread *t, pm_sync_node *n)
{
    ck_hp_record_t *r = t->rec;
    ck_hp_retire(r, (ck_hp_hazard_t *)(void *)n->link, n, n->obj);
    if (r->n_pending >= PM_SYNC_HP_THRESHOLD)
        hp_scan(t);
}

static void hp_enter(pm_sync_thread *t)
{
    pm_sync_hp_read_enter(t);
}
static void *hp_deref(pm_sync_thread *t, pm_sync_cell *c)
{
    return pm_sync_hp_deref(t, c);
}
static void *hp_begin(pm_sync_thread *t, pm_sync_cell *c)
{
    return pm_sync_hp_read_begin(t, c);
}
static void hp_exit(pm_sync_thread *t)
{
    pm_sync_hp_read_exit(t);
}
static void hp_quiescent(pm_sync_thread *t)
{
    pm_sync_hp_quiescent(t);
}

static const pm_sync_ptr_ops hp_ops = {hp_enter, hp_deref, hp_exit, hp_retire_node};

static pm_status hp_domain_new(pm_sync_domain **out)
{
    hp_domain *d = calloc(1, sizeof *d);
    if (d == NULL)
        return PM_ENOMEM;
    pm_sync_base_init(&d->base, &pm_sync_backend_hp);
    /* threshold: ck_hp_free() would use it; we call ck_hp_retire() and scan ourselves */
    ck_hp_init(&d->ck, 1, PM_SYNC_HP_THRESHOLD, hp_destroy);
    *out = &d->base;
    return PM_OK;
}

static pm_status hp_register(pm_sync_domain *dom, pm_sync_thread **out)
{
    hp_domain *d = (hp_domain *)dom;
    pm_sync_thread *t = pm_sync_unpark(dom); /* a parked record, with what it still has pending */
    if (t != NULL) {
        *out = t;
        return PM_OK;
    }

    size_t rsize = (sizeof(ck_hp_record_t) + 63) / 64 * 64;
    ck_hp_record_t *r = aligned_alloc(64, rsize);
    if (r == NULL)
        return PM_ENOMEM;
    memset(r, 0, rsize);
    hp_thread *ht = (hp_thread *)pm_sync_thread_alloc(dom, sizeof *ht);
    if (ht == NULL) {
        free(r);
        return PM_ENOMEM;
    }
    ck_hp_register(&d->ck, r, ht->slots);
    ht->pub.rec = r;
    *out = &ht->pub;
    return PM_OK;
}

static void hp_unregister(pm_sync_thread *t)
{
    pm_sync_domain *dom = t->dom;
    ck_hp_record_t *r = t->rec;
    PM_SYNC_DEPTH_NONE(t);
    ck_hp_set(r, 0, NULL);
    if (r->n_pending > 0)
        hp_scan(t);
    pm_sync_park(dom, t);
}

static void hp_purge(pm_sync_thread *t)
{
    ck_hp_record_t *r = t->rec;
    if (r->n_pending == 0)
        return;
    atomic_thread_fence(memory_order_seq_cst);
    ck_hp_purge(r); /* scans until no hazard names a pending object */
    atomic_fetch_add_explicit(&t->dom->gps, 1, memory_order_relaxed);
}

static void hp_barrier(pm_sync_domain *dom, pm_sync_thread *t)
{
    if (t != NULL) {
        PM_SYNC_DEPTH_NONE(t);
        hp_purge(t);
    }
    pthread_mutex_lock(&dom->lock);
    for (pm_sync_thread *p = dom->parked; p != NULL; p = p->next)
        hp_purge(p);
    pthread_mutex_unlock(&dom->lock);
    PM_SYNC_TSAN_ACQUIRE(&dom->tsan_sync);
    (void)atomic_load_explicit(&dom->freed, memory_order_acquire);
}

static void hp_domain_free(pm_sync_domain *dom)
{
    hp_barrier(dom, NULL);
    pm_sync_free_parked(dom);
    pm_sync_base_fini(dom);
    free(dom);
}

static pm_status hp_update(pm_sync_thread *t, pm_sync_cell *c, pm_sync_build_fn *build, void *arg)
{
    return pm_sync_ptr_update(&hp_ops, t, c, build, arg);
}

static pm_status hp_retire(pm_sync_thread *t, void *obj, pm_sync_free_fn *fn, void *ctx)
{
    return pm_sync_ptr_retire(&hp_ops, t, obj, fn, ctx);
}

/* Each record scans once PM_SYNC_HP_THRESHOLD objects are pending on it, and a scan keeps only
 * the objects some hazard names (at most one per registered thread): per thread fewer than
 * THRESHOLD + threads are pending at any instant, whatever the readers do. */
static uint64_t hp_pending_bound(unsigned threads)
{
    return (uint64_t)threads * (PM_SYNC_HP_THRESHOLD + threads);
}

const pm_sync_backend pm_sync_backend_hp = {
    .name = "hp",
    .summary =
        "Concurrency Kit ck_hp: one hazard pointer on the version root, scanned retire lists",
    .flags = PM_SYNC_F_BOUNDED,
    .pending_bound = hp_pending_bound,
    .domain_new = hp_domain_new,
    .domain_free = hp_domain_free,
    .thread_register = hp_register,
    .thread_unregister = hp_unregister,
    .read_enter = hp_enter,
    .deref = hp_deref,
    .read_exit = hp_exit,
    .quiescent = hp_quiescent,
    .read_begin = hp_begin,
    .cell_init = pm_sync_ptr_cell_init,
    .cell_fini = pm_sync_ptr_cell_fini,
    .update = hp_update,
    .retire = hp_retire,
    .barrier = hp_barrier,
    .stats = pm_sync_base_stats,
};
