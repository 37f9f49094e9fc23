/* sync/ptrcell.h — cells whose word is the object pointer (every backend but refcount), and the
 * update loop they share. Private to sync/. */
#ifndef PMSYNC_PTRCELL_H
#define PMSYNC_PTRCELL_H

#include "internal.h"

typedef struct pm_sync_ptr_ops {
    void (*enter)(pm_sync_thread *t); /* start of the writer's protected window */
    void *(*deref)(pm_sync_thread *t, pm_sync_cell *c);
    void (*exit)(pm_sync_thread *t);                         /* end of it */
    void (*retire_node)(pm_sync_thread *t, pm_sync_node *n); /* hand over a counted node */
} pm_sync_ptr_ops;

pm_status pm_sync_ptr_cell_init(pm_sync_domain *d, pm_sync_cell *c, void *obj, pm_sync_free_fn *fn,
                                void *ctx);
void pm_sync_ptr_cell_fini(pm_sync_domain *d, pm_sync_cell *c);
/** The update loop: enter, cur = deref, build, CAS (still inside the window, so cur cannot be
 * freed and reused: no ABA), exit, then retire cur. */
pm_status pm_sync_ptr_update(const pm_sync_ptr_ops *ops, pm_sync_thread *t, pm_sync_cell *c,
                             pm_sync_build_fn *build, void *arg);
/** Standalone retire: count, TSan release, hand over. */
pm_status pm_sync_ptr_retire(const pm_sync_ptr_ops *ops, pm_sync_thread *t, void *obj,
                             pm_sync_free_fn *fn, void *ctx);

#endif
