/* sync/rwlock.c — backend `rwlock`: one writer-preferring pthread rwlock per domain. Readers take
 * it shared; update() takes it exclusive around the swap, so no reader can hold the old version
 * and it is freed at once. The "RwLock around a map" baseline. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>

#include "pmsync/rwlock.h"
#include "ptrcell.h"

typedef struct rwlock_domain {
    pm_sync_domain base;
    pthread_rwlock_t rw;
} rwlock_domain;

void pm_sync_rwlock_rdlock_(pm_sync_thread *t)
{
    pthread_rwlock_rdlock((pthread_rwlock_t *)t->rec);
}

void pm_sync_rwlock_unlock_(pm_sync_thread *t)
{
    pthread_rwlock_unlock((pthread_rwlock_t *)t->rec);
}

static void rwlock_wrlock(pm_sync_thread *t)
{
    PM_SYNC_DEPTH_ENTER(t);
    pthread_rwlock_wrlock((pthread_rwlock_t *)t->rec);
    /* every read section that began before this point has ended: a grace period */
    atomic_fetch_add_explicit(&t->dom->gps, 1, memory_order_relaxed);
}

static void rwlock_wrunlock(pm_sync_thread *t)
{
    PM_SYNC_DEPTH_EXIT(t);
    pthread_rwlock_unlock((pthread_rwlock_t *)t->rec);
}

static void rwlock_enter(pm_sync_thread *t)
{
    pm_sync_rwlock_read_enter(t);
}
static void *rwlock_deref(pm_sync_thread *t, pm_sync_cell *c)
{
    return pm_sync_rwlock_deref(t, c);
}
static void *rwlock_begin(pm_sync_thread *t, pm_sync_cell *c)
{
    return pm_sync_rwlock_read_begin(t, c);
}
static void rwlock_exit(pm_sync_thread *t)
{
    pm_sync_rwlock_read_exit(t);
}
static void rwlock_quiescent(pm_sync_thread *t)
{
    pm_sync_rwlock_quiescent(t);
}

/* called after the write lock was released: no reader can reach the node's object */
static void rwlock_free_now(pm_sync_thread *t, pm_sync_node *n)
{
    PM_SYNC_UNUSED(t);
    pm_sync_node_run(n);
}

/* the writer's window is the exclusive lock */
static const pm_sync_ptr_ops rwlock_write_ops = {rwlock_wrlock, rwlock_deref, rwlock_wrunlock,
                                                 rwlock_free_now};

static pm_status rwlock_domain_new(pm_sync_domain **out)
{
    rwlock_domain *d = calloc(1, sizeof *d);
    if (d == NULL)
        return PM_ENOMEM;
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    /* glibc prefers readers by default: writers would starve under a steady read load */
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    int rc = pthread_rwlock_init(&d->rw, &attr);
    pthread_rwlockattr_destroy(&attr);
    if (rc != 0) {
        free(d);
        return PM_ENOMEM;
    }
    pm_sync_base_init(&d->base, &pm_sync_backend_rwlock);
    *out = &d->base;
    return PM_OK;
}

static void rwlock_domain_free(pm_sync_domain *dom)
{
    rwlock_domain *d = (rwlock_domain *)dom;
    pthread_rwlock_destroy(&d->rw);
    pm_sync_base_fini(dom);
    free(d);
}

static pm_status rwlock_register(pm_sync_domain *dom, pm_sync_thread **out)
{
    pm_sync_thread *t = pm_sync_thread_alloc(dom, sizeof *t);
    if (t == NULL)
        return PM_ENOMEM;
    t->rec = &((rwlock_domain *)dom)->rw;
    *out = t;
    return PM_OK;
}

static void rwlock_unregister(pm_sync_thread *t)
{
    pm_sync_domain *dom = t->dom;
    PM_SYNC_DEPTH_NONE(t);
    pthread_mutex_lock(&dom->lock);
    pm_sync_thread_unlink(dom, t);
    pthread_mutex_unlock(&dom->lock);
    free(t);
}

static pm_status rwlock_update(pm_sync_thread *t, pm_sync_cell *c, pm_sync_build_fn *build,
                               void *arg)
{
    return pm_sync_ptr_update(&rwlock_write_ops, t, c, build, arg);
}

static pm_status rwlock_retire(pm_sync_thread *t, void *obj, pm_sync_free_fn *fn, void *ctx)
{
    /* wait out every reader that might hold obj: take the lock exclusively once */
    rwlock_wrlock(t);
    rwlock_wrunlock(t);
    return pm_sync_ptr_retire(&rwlock_write_ops, t, obj, fn, ctx);
}

static void rwlock_barrier(pm_sync_domain *dom, pm_sync_thread *t)
{
    PM_SYNC_UNUSED(dom);
    PM_SYNC_UNUSED(t); /* every free already happened */
}

const pm_sync_backend pm_sync_backend_rwlock = {
    .name = "rwlock",
    .summary = "pthread rwlock (writer-preferring): writers exclusive, frees immediate",
    .flags = PM_SYNC_F_EXCLUSIVE | PM_SYNC_F_READER_WRITES,
    .domain_new = rwlock_domain_new,
    .domain_free = rwlock_domain_free,
    .thread_register = rwlock_register,
    .thread_unregister = rwlock_unregister,
    .read_enter = rwlock_enter,
    .deref = rwlock_deref,
    .read_exit = rwlock_exit,
    .quiescent = rwlock_quiescent,
    .read_begin = rwlock_begin,
    .cell_init = pm_sync_ptr_cell_init,
    .cell_fini = pm_sync_ptr_cell_fini,
    .update = rwlock_update,
    .retire = rwlock_retire,
    .barrier = rwlock_barrier,
    .stats = pm_sync_base_stats,
};
