/* memory — E-MEM / E-SHARE: bytes per key and per node of a map, and the structural-sharing
 * factor of K clones that each modify f % of the keys (claims C059, C116, C120, C121, C133,
 * C135, C139). Figures come from the core's own accounting (pm_mem_stats live bytes and
 * pm_map_footprint), so they do not depend on the allocator; the heap delta of the active
 * allocator is reported beside them (heap_bytes_per_key, mem_source).
 *
 *   base_bytes      = footprint of the base map (distinct nodes, bytes as requested from malloc)
 *   total_bytes     = live node bytes of the base and its K modified clones together
 *   sharing_factor  = total_bytes / base_bytes   (deep copies would give K + 1)
 */
#include <stdlib.h>
#include <string.h>

#include "common/exp.h"

static int memory_run(const pmlab_config *cfg, pmlab_ctx *ctx)
{
    long long K = pmlab_param_int(cfg, "clones");
    double f = pmlab_param_double(cfg, "modified_pct");
    if (K < 0 || K > 100000 || f < 0 || f > 100) {
        pmlab_fail(ctx, "clones must be 0..100000 and modified_pct 0..100");
        return 1;
    }
    pmx_keys k;
    if (pmx_load_keys(cfg, ctx, 1, &k) != 0)
        return 1;
    const char *src = "";
    uint64_t live0 = pmx_core_live_bytes();
    int64_t heap0 = pmx_heap_bytes(&src);
    uint64_t tb = pmlab_now_ns();
    pm_map *base = pmx_build_map(&k, ctx);
    if (!base) {
        pmx_keys_free(&k);
        return 1;
    }
    double build_s = (double)(pmlab_now_ns() - tb) / 1e9;
    int64_t heap1 = pmx_heap_bytes(NULL);
    uint64_t live1 = pmx_core_live_bytes();
    size_t nodes = 0, bytes = 0, len = 0;
    pm_map_footprint(base, &nodes, &bytes);
    pm_map_len(base, &len);

    /* C126 (additive, issue 7): nodes allocated by one write into a fresh clone of the base,
     * (a) a new key diverging at the root (a 1-byte key whose byte starts no key of the base),
     * (b) an overwrite of the value of the longest key (a full path copy) */
    double root_nodes = -1, deep_nodes = -1, deep_len = 0;
    {
        size_t longest = 0;
        for (size_t i = 1; i < k.n; i++)
            if (k.keys[i].len > k.keys[longest].len)
                longest = i;
        uint8_t rb = 0;
        for (unsigned b = 1; b < 256 && !rb; b++) {
            uint8_t c = (uint8_t)b;
            size_t cnt = 1;
            if (pm_map_count_prefix(base, &c, 1, &cnt) == PM_OK && cnt == 0)
                rb = c;
        }
        pm_map *c1 = NULL;
        pm_mem_stats m0, m1;
        if (rb && pm_map_clone(base, &c1) == PM_OK) {
            pm_mem_stats_get(&m0);
            if (pm_map_set(c1, &rb, 1, 1, NULL, NULL) == PM_OK) {
                pm_mem_stats_get(&m1);
                root_nodes = (double)(m1.allocs - m0.allocs);
            }
            pm_map_free(c1);
        }
        if (k.n && pm_map_clone(base, &c1) == PM_OK) {
            pm_mem_stats_get(&m0);
            if (pm_map_set(c1, k.keys[longest].bytes, k.keys[longest].len, 7, NULL, NULL) ==
                PM_OK) {
                pm_mem_stats_get(&m1);
                deep_nodes = (double)(m1.allocs - m0.allocs);
                deep_len = (double)k.keys[longest].len;
            }
            pm_map_free(c1);
        }
    }

    /* K clones, each modifying round(f% of n) keys chosen at random (new values: path copies) */
    pm_map **cl = calloc((size_t)K + 1, sizeof *cl);
    size_t per = (size_t)((double)k.n * f / 100.0 + 0.5);
    uint64_t rng = cfg->seed ^ 0x4D454D4Full, mods = 0;
    int rc = 0;
    uint64_t t0 = pmlab_now_ns();
    for (long long c = 0; c < K && rc == 0; c++) {
        if (pm_map_clone(base, &cl[c]) != PM_OK) {
            pmlab_fail(ctx, "clone: out of memory");
            rc = 1;
            break;
        }
        for (size_t j = 0; j < per; j++) {
            size_t i = pmx_rand_next(&rng) % k.n;
            if (pm_map_set(cl[c], k.keys[i].bytes, k.keys[i].len, ~pmx_val(i) ^ (uint64_t)c, NULL,
                           NULL) != PM_OK) {
                pmlab_fail(ctx, "set: out of memory");
                rc = 1;
                break;
            }
            mods++;
        }
    }
    double secs = (double)(pmlab_now_ns() - t0) / 1e9;
    uint64_t live2 = pmx_core_live_bytes();
    int64_t heap2 = pmx_heap_bytes(NULL);
    if (rc == 0) {
        uint64_t total = live2 - live0;
        pmlab_report_ops(ctx, k.n + mods, build_s + secs); /* inserts of the base + writes */
        pmlab_report_counters(ctx, 0, 0, 0);
        pmlab_report_metric(ctx, PMLAB_M_MAP_BYTES, (double)bytes);
        pmlab_report_metric(ctx, PMLAB_M_CLONES, (double)K); /* the common `clones` column */
        pmlab_set_num(ctx, "nkeys", (double)len);
        pmlab_set_num(ctx, "key_bytes", (double)k.total_bytes);
        pmlab_set_num(ctx, "nodes", (double)nodes);
        pmlab_set_num(ctx, "base_bytes", (double)bytes);
        pmlab_set_num(ctx, "base_live_bytes", (double)(live1 - live0));
        pmlab_set_num(ctx, "bytes_per_key", (double)bytes / (double)len);
        pmlab_set_num(ctx, "nodes_per_key", (double)nodes / (double)len);
        pmlab_set_num(ctx, "bytes_per_node", nodes ? (double)bytes / (double)nodes : 0);
        pmlab_set_num(ctx, "modified_pct", f);
        pmlab_set_num(ctx, "total_bytes", (double)total);
        pmlab_set_num(ctx, "sharing_factor", bytes ? (double)total / (double)bytes : 0);
        pmlab_set_num(ctx, "deep_copy_factor", (double)(K + 1));
        if (heap0 >= 0 && heap1 >= heap0) {
            pmlab_set_num(ctx, "heap_bytes_per_key", (double)(heap1 - heap0) / (double)len);
            pmlab_set_num(ctx, "heap_sharing_factor",
                          heap1 > heap0 ? (double)(heap2 - heap0) / (double)(heap1 - heap0) : 0);
        }
        pmlab_set_str(ctx, "mem_source", heap0 >= 0 ? src : "unavailable");
        if (root_nodes >= 0)
            pmlab_set_num(ctx, "root_insert_nodes", root_nodes);
        if (deep_nodes >= 0) {
            pmlab_set_num(ctx, "deep_write_nodes", deep_nodes);
            pmlab_set_num(ctx, "deep_write_key_len", deep_len);
        }
    }
    for (long long c = 0; c < K; c++)
        pm_map_free(cl[c]);
    free(cl);
    pm_map_free(base);
    pmx_keys_free(&k);
    return rc;
}

static const pmlab_param memory_params[] = {
    {"clones", PMLAB_PARAM_INT_LIST, "0,10", "K clones of the base (swept)"},
    {"modified_pct", PMLAB_PARAM_DOUBLE, "1", "f: % of the keys each clone overwrites"},
    {NULL, 0, NULL, NULL}};

static const pmlab_column memory_cols[] = {
    {"nkeys", PMLAB_COL_NUM, "keys in the base map"},
    {"key_bytes", PMLAB_COL_NUM, "total bytes of those keys"},
    {"nodes", PMLAB_COL_NUM, "distinct nodes of the base (pm_map_footprint)"},
    {"base_bytes", PMLAB_COL_NUM, "bytes of those nodes (pm_map_footprint)"},
    {"base_live_bytes", PMLAB_COL_NUM, "pm_mem_stats live_bytes delta of the build"},
    {"bytes_per_key", PMLAB_COL_NUM, "base_bytes / nkeys"},
    {"nodes_per_key", PMLAB_COL_NUM, "nodes / nkeys"},
    {"bytes_per_node", PMLAB_COL_NUM, "base_bytes / nodes"},
    {"modified_pct", PMLAB_COL_NUM, "f"},
    {"total_bytes", PMLAB_COL_NUM, "live node bytes of base + K modified clones"},
    {"sharing_factor", PMLAB_COL_NUM, "total_bytes / base_bytes (deep copies: K+1)"},
    {"deep_copy_factor", PMLAB_COL_NUM, "K + 1, what deep copies would cost"},
    {"heap_bytes_per_key", PMLAB_COL_NUM, "allocator heap delta of the build / nkeys"},
    {"heap_sharing_factor", PMLAB_COL_NUM, "the sharing factor from the allocator's figures"},
    {"mem_source", PMLAB_COL_STR, "which allocator statistic gave the heap figures"},
    {"root_insert_nodes", PMLAB_COL_NUM,
     "nodes allocated by one new root-level key in a fresh clone (C126)"},
    {"deep_write_nodes", PMLAB_COL_NUM,
     "nodes allocated by overwriting the longest key in a fresh clone (path copy)"},
    {"deep_write_key_len", PMLAB_COL_NUM, "length of that key in bytes"},
    {NULL, 0, NULL}};

static const pmlab_experiment memory_exp = {
    .name = "memory",
    .description = "bytes/key, bytes/node; sharing factor of K clones x f % modified",
    .axes = PMLAB_AXIS_KEYS | PMLAB_AXIS_SIZE | PMLAB_AXIS_ALLOCS,
    .defaults = "--keys words --size 1000000 --trials 1 --warmup-ms 0",
    .params = memory_params,
    .columns = memory_cols,
    .run = memory_run,
    .smoke_args = "--keys words --size 2000 --param clones=0,3 --param modified_pct=5",
};

void pmlab_register_memory(pmlab_registry *r);
void pmlab_register_memory(pmlab_registry *r)
{
    pmlab_register_experiment(r, &memory_exp);
}
