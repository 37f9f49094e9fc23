/* syncx.h — experiment-side helpers around sync/: backend lookup (including test-only backends a
 * test pmlab program adds), per-thread registration, and the per-backend instantiation pattern. */
#ifndef PMX_SYNCX_H
#define PMX_SYNCX_H

#include "pmsync/all.h"
#include "pmsync/live.h"

#include "exp.h"

/** The backend called name: one of sync/'s, or one added with pmx_add_extra_backend (tests). */
const pm_sync_backend *pmx_backend(const char *name);
/** Adds a backend known only to this program (a test-only backend). Not thread-safe: call from a
 * registration function. Such backends run the generic (dispatched) read side. */
void pmx_add_extra_backend(const pm_sync_backend *be);
/** Index of the backend in PM_SYNC_BACKENDS order, or -1 for an extra backend. */
int pmx_backend_index(const pm_sync_backend *be);

/** Creates a domain for cfg->backend; pmlab_fail and NULL on error. */
pm_sync_domain *pmx_domain_new(const pmlab_config *cfg, pmlab_ctx *ctx);
/** Registers the calling thread with d (made by pmx_domain_new for be); NULL on error. An extra
 * backend may reuse another backend's domain: its threads' handles then dispatch through `be`. */
pm_sync_thread *pmx_register(pm_sync_domain *d, const pm_sync_backend *be);

/** Reports the domain's reclamation counters to the row. */
void pmx_report_sync(pmlab_ctx *ctx, pm_sync_domain *d);

#endif
