/* sync/epoch.c — backend `epoch`: Concurrency Kit's epoch-based reclamation (ck_epoch).
 *
 * Each registered thread owns a ck_epoch record. Retired objects go to the record's deferral
 * lists with ck_epoch_call() and are dispatched by ck_epoch_poll() on the same thread (polled at
 * every retirement, non-blocking). ck_epoch_unregister() would drop a record's pending
 * callbacks, so an unregistered thread's record is *parked* instead (inactive, so it never holds
 * an epoch back) and handed to the next thread that registers; barrier() reclaims parked records
 * after a full ck_epoch synchronisation. */
#include <stdlib.h>
#include <string.h>

#include "pmsync/epoch.h"
#include "ptrcell.h"

typedef struct epoch_domain {
    pm_sync_domain base;
    ck_epoch_t ck;
} epoch_domain;

_Static_assert(sizeof(ck_epoch_entry_t) <= sizeof(((pm_sync_node *)0)->link), "entry fits");

static void epoch_node_cb(ck_epoch_entry_t *e)
{
    pm_sync_node_run((pm_sync_node *)(void *)e);
}

static void epoch_retire_node(pm_sync_thread *t, pm_sync_node *n)
{
    ck_epoch_record_t *r = t->rec;
    ck_epoch_call(r, (ck_epoch_entry_t *)(void *)n->link, epoch_node_cb);
    (void)ck_epoch_poll(r);
}

static void epoch_enter(pm_sync_thread *t)
{
    pm_sync_epoch_read_enter(t);
}
static void *epoch_deref(pm_sync_thread *t, pm_sync_cell *c)
{
    return pm_sync_epoch_deref(t, c);
}
static void *epoch_begin(pm_sync_thread *t, pm_sync_cell *c)
{
    return pm_sync_epoch_read_begin(t, c);
}
static void epoch_exit(pm_sync_thread *t)
{
    pm_sync_epoch_read_exit(t);
}
static void epoch_quiescent(pm_sync_thread *t)
{
    pm_sync_epoch_quiescent(t);
}

static const pm_sync_ptr_ops epoch_ops = {epoch_enter, epoch_deref, epoch_exit, epoch_retire_node};

static pm_status epoch_domain_new(pm_sync_domain **out)
{
    epoch_domain *d = calloc(1, sizeof *d);
    if (d == NULL)
        return PM_ENOMEM;
    pm_sync_base_init(&d->base, &pm_sync_backend_epoch);
    ck_epoch_init(&d->ck);
    *out = &d->base;
    return PM_OK;
}

static pm_status epoch_register(pm_sync_domain *dom, pm_sync_thread **out)
{
    epoch_domain *d = (epoch_domain *)dom;
    pm_sync_thread *t = pm_sync_unpark(dom); /* a parked record, with what it still has pending */
    if (t != NULL) {
        *out = t;
        return PM_OK;
    }

    size_t rsize = (sizeof(ck_epoch_record_t) + 63) / 64 * 64;
    ck_epoch_record_t *r = aligned_alloc(64, rsize);
    if (r == NULL)
        return PM_ENOMEM;
    memset(r, 0, rsize);
    t = pm_sync_thread_alloc(dom, sizeof *t);
    if (t == NULL) {
        free(r);
        return PM_ENOMEM;
    }
    ck_epoch_register(&d->ck, r, t);
    t->rec = r;
    *out = t;
    return PM_OK;
}

static void epoch_unregister(pm_sync_thread *t)
{
    pm_sync_domain *dom = t->dom;
    PM_SYNC_DEPTH_NONE(t);
    (void)ck_epoch_poll(t->rec);
    pm_sync_park(dom, t);
}

static void epoch_barrier(pm_sync_domain *dom, pm_sync_thread *t)
{
    epoch_domain *d = (epoch_domain *)dom;
    if (t != NULL)
        PM_SYNC_DEPTH_NONE(t);
    /* The lock keeps the parked set fixed: everything in it was retired before this point, so a
     * grace period that starts now covers it. */
    pthread_mutex_lock(&dom->lock);
    ck_epoch_synchronize_wait(&d->ck, NULL, NULL);
    PM_SYNC_TSAN_ACQUIRE(&dom->tsan_sync);
    if (t != NULL)
        ck_epoch_reclaim(t->rec);
    for (pm_sync_thread *p = dom->parked; p != NULL; p = p->next)
        ck_epoch_reclaim(p->rec);
    pthread_mutex_unlock(&dom->lock);
    (void)atomic_load_explicit(&dom->freed, memory_order_acquire);
}

static void epoch_domain_free(pm_sync_domain *dom)
{
    epoch_barrier(dom, NULL);
    pm_sync_free_parked(dom);
    pm_sync_base_fini(dom);
    free(dom);
}

static void epoch_stats(pm_sync_domain *dom, pm_sync_stats *out)
{
    epoch_domain *d = (epoch_domain *)dom;
    pm_sync_base_stats(dom, out);
    out->grace_periods = ck_epoch_value(&d->ck) - 1; /* ck_epoch_init starts at 1 */
}

static pm_status epoch_update(pm_sync_thread *t, pm_sync_cell *c, pm_sync_build_fn *build,
                              void *arg)
{
    return pm_sync_ptr_update(&epoch_ops, t, c, build, arg);
}

static pm_status epoch_retire(pm_sync_thread *t, void *obj, pm_sync_free_fn *fn, void *ctx)
{
    return pm_sync_ptr_retire(&epoch_ops, t, obj, fn, ctx);
}

const pm_sync_backend pm_sync_backend_epoch = {
    .name = "epoch",
    .summary = "Concurrency Kit ck_epoch: begin/end sections, ck_epoch_call + ck_epoch_poll",
    .flags = PM_SYNC_F_DEFERRED,
    .domain_new = epoch_domain_new,
    .domain_free = epoch_domain_free,
    .thread_register = epoch_register,
    .thread_unregister = epoch_unregister,
    .read_enter = epoch_enter,
    .deref = epoch_deref,
    .read_exit = epoch_exit,
    .quiescent = epoch_quiescent,
    .read_begin = epoch_begin,
    .cell_init = pm_sync_ptr_cell_init,
    .cell_fini = pm_sync_ptr_cell_fini,
    .update = epoch_update,
    .retire = epoch_retire,
    .barrier = epoch_barrier,
    .stats = epoch_stats,
};
