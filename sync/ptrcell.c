/* sync/ptrcell.c — the shared update loop of the pointer-cell backends. */
#include <stdlib.h>

#include "ptrcell.h"

pm_status pm_sync_ptr_cell_init(pm_sync_domain *d, pm_sync_cell *c, void *obj, pm_sync_free_fn *fn,
                                void *ctx)
{
    PM_SYNC_UNUSED(d);
    if (obj == NULL)
        return PM_EINVAL;
    c->free_fn = fn;
    c->free_ctx = ctx;
    atomic_store_explicit(&c->word, (uintptr_t)obj, memory_order_release);
    return PM_OK;
}

void pm_sync_ptr_cell_fini(pm_sync_domain *d, pm_sync_cell *c)
{
    PM_SYNC_UNUSED(d);
    void *obj = (void *)atomic_exchange_explicit(&c->word, 0, memory_order_acq_rel);
    if (obj != NULL)
        c->free_fn(obj, c->free_ctx);
}

pm_status pm_sync_ptr_update(const pm_sync_ptr_ops *ops, pm_sync_thread *t, pm_sync_cell *c,
                             pm_sync_build_fn *build, void *arg)
{
    pm_sync_node *n = pm_sync_node_new(t->dom, NULL, c->free_fn, c->free_ctx);
    if (n == NULL)
        return PM_ENOMEM;
    for (;;) {
        ops->enter(t);
        void *cur = ops->deref(t, c);
        void *next = NULL;
        pm_status st = build(arg, cur, &next);
        if (st != PM_OK || next == cur || next == NULL) {
            ops->exit(t);
            free(n);
            return st != PM_OK ? st : (next == NULL ? PM_EINVAL : PM_OK);
        }
        uintptr_t expected = (uintptr_t)cur;
        /* release: next's contents are visible to readers that acquire it; acquire: we saw the
         * version we replace completely */
        bool won = atomic_compare_exchange_strong_explicit(
            &c->word, &expected, (uintptr_t)next, memory_order_acq_rel, memory_order_relaxed);
        ops->exit(t);
        if (won) {
            n->obj = cur;
            pm_sync_count_retired(t->dom);
            PM_SYNC_TSAN_RELEASE(n); /* pairs with pm_sync_node_run's acquire */
            ops->retire_node(t, n);
            return PM_OK;
        }
        /* another writer won: next was never published, free it now and rebuild */
        c->free_fn(next, c->free_ctx);
    }
}

pm_status pm_sync_ptr_retire(const pm_sync_ptr_ops *ops, pm_sync_thread *t, void *obj,
                             pm_sync_free_fn *fn, void *ctx)
{
    pm_sync_node *n = pm_sync_node_new(t->dom, obj, fn, ctx);
    if (n == NULL)
        return PM_ENOMEM;
    pm_sync_count_retired(t->dom);
    PM_SYNC_TSAN_RELEASE(n); /* pairs with pm_sync_node_run's acquire */
    ops->retire_node(t, n);
    return PM_OK;
}
