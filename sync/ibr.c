/* sync/ibr.c — backend `ibr`: 2GEIBR interval-based reclamation (Wen et al., PPoPP 2018).
 *
 * Each thread reserves an era interval: read_enter sets [lo, hi] to the current era, deref
 * raises hi to the era at which it read the cell (pmsync/ibr.h). Published versions are version
 * records stamped with birth and retire eras (pmsync/era.h, eracell.c); each thread keeps its
 * retired records and every 16 of them frees those whose [birth, retire] meets no reserved
 * interval. A stalled reader holds back only the versions alive during its interval (the one it
 * read, plus those published within the same era), so pending stays bounded: at most 16 per
 * thread plus a few per stalled reader. With one protected pointer per read section the
 * interval is [era at enter, era at the deref], usually a single era. */
#include "eracell.h"

#include <stdlib.h>
#include "pmsync/ibr.h"

static void ibr_enter(pm_sync_thread *t)
{
    pm_sync_ibr_read_enter(t);
}
static void *ibr_deref(pm_sync_thread *t, pm_sync_cell *c)
{
    return pm_sync_ibr_deref(t, c);
}
static void *ibr_begin(pm_sync_thread *t, pm_sync_cell *c)
{
    return pm_sync_ibr_read_begin(t, c);
}
static void ibr_exit(pm_sync_thread *t)
{
    pm_sync_ibr_read_exit(t);
}
static void ibr_quiescent(pm_sync_thread *t)
{
    pm_sync_ibr_quiescent(t);
}

/* the writer's window: the reader's protection, returning the record */
static pm_sync_era_rec *ibr_protect(pm_sync_thread *t, pm_sync_cell *c)
{
    pm_sync_ibr_read_enter(t);
    pm_sync_era_slot *s = (pm_sync_era_slot *)t->rec;
    uint64_t e = atomic_load_explicit(&s->hi, memory_order_relaxed); /* our own last store */
    return pm_sync_era_protect_(s, c, e);
}

static const pm_sync_era_ops ibr_ops = {ibr_protect, ibr_exit, pm_sync_era_retire_rec};

static pm_status ibr_domain_new(pm_sync_domain **out)
{
    pm_sync_era_domain *d = aligned_alloc(64, (sizeof *d + 63) / 64 * 64);
    if (d == NULL)
        return PM_ENOMEM;
    pm_sync_era_domain_init(d, &pm_sync_backend_ibr, 1);
    *out = &d->base;
    return PM_OK;
}

static pm_status ibr_update(pm_sync_thread *t, pm_sync_cell *c, pm_sync_build_fn *build, void *arg)
{
    return pm_sync_era_update(&ibr_ops, t, c, build, arg);
}

static pm_status ibr_retire(pm_sync_thread *t, void *obj, pm_sync_free_fn *fn, void *ctx)
{
    return pm_sync_era_retire(&ibr_ops, t, obj, fn, ctx);
}

static uint64_t ibr_pending_bound(unsigned threads)
{
    return pm_sync_era_pending_bound(threads);
}

const pm_sync_backend pm_sync_backend_ibr = {
    .name = "ibr",
    .summary = "2GEIBR interval-based reclamation: a reserved era interval per reader, freed when "
               "no interval meets [birth, retire]",
    .flags = PM_SYNC_F_BOUNDED,
    .pending_bound = ibr_pending_bound,
    .domain_new = ibr_domain_new,
    .domain_free = pm_sync_era_domain_free,
    .thread_register = pm_sync_era_register,
    .thread_unregister = pm_sync_era_unregister,
    .read_enter = ibr_enter,
    .deref = ibr_deref,
    .read_exit = ibr_exit,
    .quiescent = ibr_quiescent,
    .read_begin = ibr_begin,
    .cell_init = pm_sync_era_cell_init,
    .cell_fini = pm_sync_era_cell_fini,
    .update = ibr_update,
    .retire = ibr_retire,
    .barrier = pm_sync_era_barrier,
    .stats = pm_sync_base_stats,
};
