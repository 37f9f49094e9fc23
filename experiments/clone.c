/* clone — E-CLONE: ns per clone and per drop of a map of n keys, and allocations per clone
 * (claims C005, C025, C028, C118, C140, I2.1-I2.2). One thread. The sizes parameter is swept:
 * one configuration per size, so "flat from 1e3 to 1e7" reads off one column. The method
 * parameter is swept too: `heap` = pm_map_clone (allocates the handle), `slot` =
 * pm_map_clone_at into caller storage (allocates nothing); both are released by pm_map_free.
 *
 * Timing: clones are made in batches of BATCH handles (timed as a whole), then the batch is
 * dropped (timed as a whole); a per-clone timer would cost more than the clone. The OP histogram
 * records per-batch means (ns per clone+drop). */
#include <stdlib.h>

#include "common/exp.h"
#include "pathmap_debug.h"

enum { BATCH = 256 };

static int clone_run(const pmlab_config *cfg, pmlab_ctx *ctx)
{
    static const char *const methods[] = {"heap", "slot", NULL};
    const char *mname = pmlab_param_str(cfg, "method");
    int slot = pmx_index_of(methods, mname);
    if (slot < 0) {
        pmlab_fail(ctx, "method must be heap or slot");
        return 1;
    }
    long long size = pmlab_param_int(cfg, "sizes");
    if (size < 0) {
        pmlab_fail(ctx, "sizes must be >= 0");
        return 1;
    }
    pmx_keys k = {0};
    pm_map *m = NULL;
    if (size > 0) {
        pmlab_config c2 = *cfg;
        c2.size = (uint64_t)size;
        if (pmx_load_keys(&c2, ctx, 1, &k) != 0)
            return 1;
        m = pmx_build_map(&k, ctx);
        if (!m) {
            pmx_keys_free(&k);
            return 1;
        }
    } else if (pm_map_new(NULL, &m) != PM_OK) {
        pmlab_fail(ctx, "out of memory");
        return 1;
    }
    pm_map **batch = malloc(BATCH * sizeof *batch);
    pm_map_slot *slots = malloc(BATCH * sizeof *slots); /* the slot method's handles */
    if (!batch || !slots) {
        pmlab_fail(ctx, "out of memory");
        free(batch);
        free(slots);
        pm_map_free(m);
        pmx_keys_free(&k);
        return 1;
    }
    pmlab_hist *h = pmlab_latency(ctx, 0, PMLAB_LAT_OP);
    uint64_t clones = 0, clone_ns = 0, drop_ns = 0, lib_allocs = 0, node_allocs = 0;
    int rc = 0;
    for (int phase = 0; phase < 2 && rc == 0; phase++) {
        uint64_t budget = (phase == 0 ? cfg->warmup_ms : cfg->duration_ms) * 1000000u;
        uint64_t start = pmlab_now_ns();
        clones = clone_ns = drop_ns = lib_allocs = node_allocs = 0;
        pmlab_reset_latency(ctx);
        do {
            pm_mem_stats s0, s1;
            pm_mem_stats_get(&s0);
            uint64_t a0 = pm_debug_alloc_count();
            uint64_t t0 = pmlab_now_ns();
            for (int i = 0; i < BATCH; i++)
                if ((slot ? pm_map_clone_at(m, &slots[i], &batch[i])
                          : pm_map_clone(m, &batch[i])) != PM_OK) {
                    pmlab_fail(ctx, "clone failed");
                    rc = 1;
                    for (int j = 0; j < i; j++)
                        pm_map_free(batch[j]);
                    goto out;
                }
            uint64_t t1 = pmlab_now_ns();
            uint64_t a1 = pm_debug_alloc_count();
            pm_mem_stats_get(&s1);
            for (int i = 0; i < BATCH; i++)
                pm_map_free(batch[i]);
            uint64_t t2 = pmlab_now_ns();
            clone_ns += t1 - t0;
            drop_ns += t2 - t1;
            lib_allocs += a1 - a0;
            node_allocs += s1.allocs - s0.allocs;
            clones += BATCH;
            pmlab_hist_record(h, (t2 - t0) / BATCH);
        } while (pmlab_now_ns() - start < budget);
    }
    double secs = (double)(clone_ns + drop_ns) / 1e9;
    pmlab_report_ops(ctx, clones, secs);
    pmlab_report_counters(ctx, 0, 0, 0);
    pmlab_report_metric(ctx, PMLAB_M_CLONES, (double)clones);
    size_t nodes = 0, bytes = 0;
    pm_map_footprint(m, &nodes, &bytes);
    pmlab_report_metric(ctx, PMLAB_M_MAP_BYTES, (double)bytes);
    pmlab_set_str(ctx, "method", methods[slot]);
    pmlab_set_num(ctx, "map_keys", (double)k.n);
    pmlab_set_num(ctx, "ns_per_clone", (double)clone_ns / (double)clones);
    pmlab_set_num(ctx, "ns_per_drop", (double)drop_ns / (double)clones);
    pmlab_set_num(ctx, "allocs_per_clone", (double)lib_allocs / (double)clones);
    pmlab_set_num(ctx, "node_allocs_per_clone", (double)node_allocs / (double)clones);
out:
    free(batch);
    free(slots);
    pm_map_free(m);
    pmx_keys_free(&k);
    return rc;
}

static const pmlab_param clone_params[] = {
    {"sizes", PMLAB_PARAM_INT_LIST, "1000,1000000", "map sizes in keys (swept; 0 = empty map)"},
    {"method", PMLAB_PARAM_STR_LIST, "heap,slot",
     "heap = pm_map_clone (allocated handle), slot = pm_map_clone_at (caller storage) (swept)"},
    {NULL, 0, NULL, NULL}};

static const pmlab_column clone_cols[] = {
    {"method", PMLAB_COL_STR, "heap (pm_map_clone) or slot (pm_map_clone_at)"},
    {"map_keys", PMLAB_COL_NUM, "keys in the cloned map"},
    {"ns_per_clone", PMLAB_COL_NUM, "ns per clone (pm_map_clone or pm_map_clone_at)"},
    {"ns_per_drop", PMLAB_COL_NUM, "ns per pm_map_free of a clone (not the last reference)"},
    {"allocs_per_clone", PMLAB_COL_NUM,
     "library allocations per clone (pm_debug_alloc_count): heap 1 (the handle), slot 0"},
    {"node_allocs_per_clone", PMLAB_COL_NUM, "node allocations per clone (pm_mem_stats): 0"},
    {NULL, 0, NULL}};

static const pmlab_experiment clone_exp = {
    .name = "clone",
    .description = "ns per clone and drop vs map size (flat = O(1)), heap vs caller-storage "
                   "handle; allocations per clone",
    .axes = PMLAB_AXIS_KEYS,
    .defaults = "--keys ints --duration-ms 300 --warmup-ms 50 --trials 3",
    .params = clone_params,
    .columns = clone_cols,
    .run = clone_run,
    .smoke_args = "--keys ints --param sizes=0,100,2000 --duration-ms 20 --warmup-ms 0 --trials 1",
};

void pmlab_register_clone(pmlab_registry *r);
void pmlab_register_clone(pmlab_registry *r)
{
    pmlab_register_experiment(r, &clone_exp);
}
