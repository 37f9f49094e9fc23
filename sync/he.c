/* sync/he.c — backend `he`: hazard eras (Ramalhete & Correia, SPAA 2017).
 *
 * deref publishes the current era in the thread's single hazard-era slot and validates it
 * against the clock after loading the cell (pmsync/he.h); exit clears the slot. Published
 * versions are version records stamped with birth and retire eras (pmsync/era.h, eracell.c);
 * each thread keeps its retired records and every 16 of them frees those whose [birth, retire]
 * contains no published era. A stalled reader holds back only the versions alive at its era, so
 * pending stays bounded: at most 16 per thread plus a few per stalled reader. The retire list,
 * its scan and the slots are shared with ibr; only the reservation differs. */
#include "eracell.h"

#include <stdlib.h>
#include "pmsync/he.h"

static void he_enter(pm_sync_thread *t)
{
    pm_sync_he_read_enter(t);
}
static void *he_deref(pm_sync_thread *t, pm_sync_cell *c)
{
    return pm_sync_he_deref(t, c);
}
static void *he_begin(pm_sync_thread *t, pm_sync_cell *c)
{
    return pm_sync_he_read_begin(t, c);
}
static void he_exit(pm_sync_thread *t)
{
    pm_sync_he_read_exit(t);
}
static void he_quiescent(pm_sync_thread *t)
{
    pm_sync_he_quiescent(t);
}

/* the writer's window: the reader's protection, returning the record */
static pm_sync_era_rec *he_protect(pm_sync_thread *t, pm_sync_cell *c)
{
    pm_sync_he_read_enter(t);
    pm_sync_era_slot *s = (pm_sync_era_slot *)t->rec;
    /* acquire and seq_cst: as in pm_sync_he_deref */
    uint64_t e = atomic_load_explicit(s->clock, memory_order_acquire);
    (void)atomic_exchange_explicit(&s->hi, e, memory_order_seq_cst);
    return pm_sync_era_protect_(s, c, e);
}

static const pm_sync_era_ops he_ops = {he_protect, he_exit, pm_sync_era_retire_rec};

static pm_status he_domain_new(pm_sync_domain **out)
{
    pm_sync_era_domain *d = aligned_alloc(64, (sizeof *d + 63) / 64 * 64);
    if (d == NULL)
        return PM_ENOMEM;
    pm_sync_era_domain_init(d, &pm_sync_backend_he, 0);
    *out = &d->base;
    return PM_OK;
}

static pm_status he_update(pm_sync_thread *t, pm_sync_cell *c, pm_sync_build_fn *build, void *arg)
{
    return pm_sync_era_update(&he_ops, t, c, build, arg);
}

static pm_status he_retire(pm_sync_thread *t, void *obj, pm_sync_free_fn *fn, void *ctx)
{
    return pm_sync_era_retire(&he_ops, t, obj, fn, ctx);
}

static uint64_t he_pending_bound(unsigned threads)
{
    return pm_sync_era_pending_bound(threads);
}

const pm_sync_backend pm_sync_backend_he = {
    .name = "he",
    .summary = "hazard eras: one era published per reader, freed when no published era lies in "
               "[birth, retire]",
    .flags = PM_SYNC_F_BOUNDED,
    .pending_bound = he_pending_bound,
    .domain_new = he_domain_new,
    .domain_free = pm_sync_era_domain_free,
    .thread_register = pm_sync_era_register,
    .thread_unregister = pm_sync_era_unregister,
    .read_enter = he_enter,
    .deref = he_deref,
    .read_exit = he_exit,
    .quiescent = he_quiescent,
    .read_begin = he_begin,
    .cell_init = pm_sync_era_cell_init,
    .cell_fini = pm_sync_era_cell_fini,
    .update = he_update,
    .retire = he_retire,
    .barrier = pm_sync_era_barrier,
    .stats = pm_sync_base_stats,
};
