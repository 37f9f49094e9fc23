/* syncx.c — see syncx.h. */
#include "syncx.h"

#include <string.h>

enum { MAX_EXTRA = 8 };
static const pm_sync_backend *extra[MAX_EXTRA];
static unsigned nextra;

void pmx_add_extra_backend(const pm_sync_backend *be)
{
    if (nextra < MAX_EXTRA)
        extra[nextra++] = be;
}

const pm_sync_backend *pmx_backend(const char *name)
{
    const pm_sync_backend *be = pm_sync_backend_by_name(name);
    for (unsigned i = 0; !be && i < nextra; i++)
        if (strcmp(extra[i]->name, name) == 0)
            be = extra[i];
    return be;
}

int pmx_backend_index(const pm_sync_backend *be)
{
    for (int i = 0; i < PM_SYNC_NBACKENDS; i++)
        if (pm_sync_backends[i] == be)
            return i;
    return -1;
}

pm_sync_domain *pmx_domain_new(const pmlab_config *cfg, pmlab_ctx *ctx)
{
    const pm_sync_backend *be = pmx_backend(cfg->backend);
    if (!be) {
        pmlab_fail(ctx, "unknown backend '%s'", cfg->backend);
        return NULL;
    }
    pm_sync_domain *d = NULL;
    pm_status st = pm_sync_domain_new(be, &d);
    if (st != PM_OK) {
        pmlab_fail(ctx, "backend %s: %s", be->name, pm_strerror(st));
        return NULL;
    }
    return d;
}

pm_sync_thread *pmx_register(pm_sync_domain *d, const pm_sync_backend *be)
{
    pm_sync_thread *t = NULL;
    if (pm_sync_register(d, &t) != PM_OK)
        return NULL;
    if (be && pmx_backend_index(be) < 0)
        t->backend = be; /* test-only backends wrap another backend's domain */
    return t;
}

void pmx_report_sync(pmlab_ctx *ctx, pm_sync_domain *d)
{
    pm_sync_stats s;
    pm_sync_stats_get(d, &s);
    pmlab_report_counters(ctx, s.retired, s.freed, s.peak_pending);
}
