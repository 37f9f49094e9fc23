/* TEST-ONLY: a reclamation backend that frees a replaced version at once instead of deferring it
 * (the bug every backend must not have). It reuses the leaky backend's domain and read side (no
 * read-side protection at all) and replaces `update`: CAS the cell, then free the old version
 * immediately, while readers may still be traversing it. Compiled only into pmlab-exptest. */
#include "common/syncx.h"

static pm_status broken_update(pm_sync_thread *t, pm_sync_cell *c, pm_sync_build_fn *build,
                               void *arg)
{
    (void)t;
    for (;;) {
        uintptr_t cur = atomic_load_explicit(&c->word, memory_order_acquire);
        void *next = NULL;
        pm_status st = build(arg, (void *)cur, &next);
        if (st != PM_OK)
            return st;
        if (atomic_compare_exchange_strong_explicit(&c->word, &cur, (uintptr_t)next,
                                                    memory_order_acq_rel, memory_order_acquire)) {
            c->free_fn((void *)cur, c->free_ctx); /* BUG (on purpose): no grace period */
            return PM_OK;
        }
        c->free_fn(next, c->free_ctx);
    }
}

static pm_sync_backend broken;

void pmlab_register_broken_backend(pmlab_registry *r);
void pmlab_register_broken_backend(pmlab_registry *r)
{
    broken = pm_sync_backend_leaky;
    broken.name = "broken-free-now";
    broken.summary = "TEST ONLY: frees replaced versions immediately (must be caught)";
    broken.update = broken_update;
    pmx_add_extra_backend(&broken);
    pmlab_register_backend(r, broken.name, broken.summary);
}
