/* algebra — E-ALG: cost of join / meet / subtract / restrict (pm_map_alg) vs size and overlap,
 * clustered vs interleaved keys, the identity short-cut, and restrict by P prefixes vs a flat
 * scan (claims C152-C158, C164; C153/C154 identity). One thread.
 *
 * Two maps of n keys each ("alg/" + 4 bytes): A holds ids [0, n), B ids [n-s, 2n-s) with
 * s = n*overlap/100 shared; a key's value is id+1 in both. layout=clustered: the 4 bytes are the
 * id big-endian, so A-only, shared and B-only keys are contiguous ranges of the trie;
 * layout=interleaved: the id multiplied by an odd constant (a bijection), so the three kinds
 * are spread uniformly and every subtrie holds all of them.
 * Per row:
 *   ns_per_op / ms  one pm_map_alg(op, A, B) into a new map (freeing it is not timed), repeated
 *                   for --duration-ms; allocs / lib_allocs per op; result_keys checked against
 *                   the counting oracle (join 2n-s, meet s, subtract n-s, restrict s);
 *   self_*          op(dst, A) in place (pm_map_alg_into) where dst is a clone of A: the
 *                   identity short-cut (pointer-equal roots), ns and allocations per op;
 *   prefix_..., flat_scan_ms (op=restrict only) A restricted by a map of P = `prefixes` 7-byte
 * prefixes of A's keys vs a flat scan of A's keys testing each prefix (the hash-map scan of
 * ALG 6.4); both must find the same keys. */
#include <stdlib.h>
#include <string.h>

#include "common/exp.h"
#include "pathmap_debug.h"

enum { KLEN = 8, PLEN = 7, SELF_BATCH = 256 };

static void make_key(uint8_t *out, uint32_t id, bool interleaved)
{
    uint32_t x = interleaved ? id * 0x9E3779B1u : id;
    memcpy(out, "alg/", 4);
    out[4] = (uint8_t)(x >> 24);
    out[5] = (uint8_t)(x >> 16);
    out[6] = (uint8_t)(x >> 8);
    out[7] = (uint8_t)x;
}

static pm_status build(pm_map **out, uint32_t from, uint32_t n, bool interleaved)
{
    pm_status st = pm_map_new(NULL, out);
    uint8_t k[KLEN];
    for (uint32_t i = 0; i < n && st == PM_OK; i++) {
        make_key(k, from + i, interleaved);
        st = pm_map_set(*out, k, KLEN, (uint64_t)(from + i) + 1, NULL, NULL);
    }
    return st;
}

static const char *alg_name(pm_alg r)
{
    return r == PM_ALG_IDENTITY ? "identity" : r == PM_ALG_NONE ? "none" : "element";
}

/* op(dst, a) in place on clones of a: ns per op, node and library allocations per op */
static int self_op(pm_alg_op op, const pm_map *a, uint64_t budget_ns, double *ns, double *nodes,
                   double *libs, pm_alg *res)
{
    pm_map *dst[SELF_BATCH];
    uint64_t total = 0, count = 0, na = 0, la = 0, start = pmlab_now_ns();
    do {
        for (int j = 0; j < SELF_BATCH; j++)
            if (pm_map_clone(a, &dst[j]) != PM_OK) {
                while (j--)
                    pm_map_free(dst[j]);
                return -1;
            }
        pm_mem_stats s0, s1;
        pm_mem_stats_get(&s0);
        uint64_t l0 = pm_debug_alloc_count(), t0 = pmlab_now_ns();
        pm_status st = PM_OK;
        for (int j = 0; j < SELF_BATCH && st == PM_OK; j++)
            st = pm_map_alg_into(op, dst[j], a, res);
        uint64_t t1 = pmlab_now_ns(), l1 = pm_debug_alloc_count();
        pm_mem_stats_get(&s1);
        for (int j = 0; j < SELF_BATCH; j++)
            pm_map_free(dst[j]);
        if (st != PM_OK)
            return -1;
        total += t1 - t0;
        na += s1.allocs - s0.allocs;
        la += l1 - l0;
        count += SELF_BATCH;
    } while (pmlab_now_ns() - start < budget_ns);
    *ns = (double)total / (double)count;
    *nodes = (double)na / (double)count;
    *libs = (double)la / (double)count;
    return 0;
}

/* restrict by P prefixes vs a flat scan; 0, or -1 (error) / -2 (the two disagree) */
static int prefix_restrict(pmlab_ctx *ctx, const pm_map *a, uint32_t n, bool interleaved,
                           long long P, uint64_t seed, uint64_t budget_ns)
{
    uint8_t *keys = malloc((size_t)n * KLEN + 1), *pre = malloc((size_t)P * PLEN + 1);
    const uint8_t **hits = malloc(((size_t)n + 1) * sizeof *hits);
    pm_map *bp = NULL;
    int rc = -1;
    if (!keys || !pre || !hits || pm_map_new(NULL, &bp) != PM_OK)
        goto out;
    for (uint32_t i = 0; i < n; i++)
        make_key(keys + (size_t)i * KLEN, i, interleaved);
    /* P distinct prefixes: the first 7 bytes of random keys of A (fewer if A has fewer) */
    size_t np = 0;
    uint64_t rng = seed ^ 0x50524546ull;
    for (long long tries = 0; (long long)np < P && tries < P * 64 && n; tries++) {
        const uint8_t *k = keys + (size_t)(pmx_rand_next(&rng) % n) * KLEN;
        if (pm_map_contains(bp, k, PLEN))
            continue;
        if (pm_map_set(bp, k, PLEN, 1, NULL, NULL) != PM_OK)
            goto out;
        memcpy(pre + np * PLEN, k, PLEN);
        np++;
    }
    uint64_t trie_ns = 0, flat_ns = 0, reps = 0, start = pmlab_now_ns();
    size_t trie_keys = 0, flat_keys = 0;
    do {
        pm_map *r = NULL;
        uint64_t t0 = pmlab_now_ns();
        pm_status st = pm_map_restrict(a, bp, &r, NULL);
        uint64_t t1 = pmlab_now_ns();
        if (st != PM_OK)
            goto out;
        pm_map_len(r, &trie_keys);
        pm_map_free(r);
        /* the flat scan: every key of A against every prefix (ALG 6.4's hash-map scan) */
        uint64_t t2 = pmlab_now_ns();
        size_t h = 0;
        for (uint32_t i = 0; i < n; i++) {
            const uint8_t *k = keys + (size_t)i * KLEN;
            for (size_t p = 0; p < np; p++)
                if (memcmp(k, pre + p * PLEN, PLEN) == 0) {
                    hits[h++] = k;
                    break;
                }
        }
        uint64_t t3 = pmlab_now_ns();
        flat_keys = h;
        trie_ns += t1 - t0;
        flat_ns += t3 - t2;
        reps++;
    } while (pmlab_now_ns() - start < budget_ns);
    pmlab_set_num(ctx, "prefixes", (double)np);
    pmlab_set_num(ctx, "prefix_keys", (double)trie_keys);
    pmlab_set_num(ctx, "prefix_restrict_ms", (double)trie_ns / 1e6 / (double)reps);
    pmlab_set_num(ctx, "flat_scan_ms", (double)flat_ns / 1e6 / (double)reps);
    rc = trie_keys == flat_keys ? 0 : -2;
    if (rc == -2)
        pmlab_fail(ctx, "restrict by prefixes kept %zu keys, the flat scan %zu", trie_keys,
                   flat_keys);
out:
    pm_map_free(bp);
    free(keys);
    free(pre);
    free((void *)hits);
    return rc;
}

static int algebra_run(const pmlab_config *cfg, pmlab_ctx *ctx)
{
    long long n = pmlab_param_int(cfg, "sizes"), ov = pmlab_param_int(cfg, "overlap");
    long long P = pmlab_param_int(cfg, "prefixes");
    const char *opn = pmlab_param_str(cfg, "op"), *layout = pmlab_param_str(cfg, "layout");
    static const char *const ops[] = {"join", "meet", "subtract", "restrict", NULL};
    int opi = pmx_index_of(ops, opn);
    bool inter = !strcmp(layout, "interleaved");
    if (n < 1 || n > 100000000 || ov < 0 || ov > 100 || P < 1 || opi < 0 ||
        (!inter && strcmp(layout, "clustered"))) {
        pmlab_fail(ctx, "sizes 1..1e8, overlap 0..100, prefixes >= 1, op join|meet|subtract|"
                        "restrict, layout clustered|interleaved");
        return 1;
    }
    pm_alg_op op = (pm_alg_op)opi; /* PM_JOIN, PM_MEET, PM_SUBTRACT, PM_RESTRICT in that order */
    uint32_t N = (uint32_t)n, s = (uint32_t)((n * ov + 50) / 100);
    pm_map *a = NULL, *b = NULL, *r = NULL;
    int rc = 1;
    if (build(&a, 0, N, inter) != PM_OK || build(&b, N - s, N, inter) != PM_OK) {
        pmlab_fail(ctx, "building the maps: out of memory");
        goto out;
    }
    size_t expect = op == PM_JOIN ? 2 * (size_t)N - s : op == PM_SUBTRACT ? N - s : s;

    pmlab_hist *h = pmlab_latency(ctx, 0, PMLAB_LAT_OP);
    uint64_t iters = 0, ns = 0, nodes = 0, libs = 0;
    int64_t kept = 0; /* live nodes the last result added (transient nodes excluded) */
    pm_alg res = PM_ALG_ELEMENT;
    size_t got = 0;
    for (int phase = 0; phase < 2; phase++) {
        uint64_t budget = (phase == 0 ? cfg->warmup_ms : cfg->duration_ms) * 1000000u;
        uint64_t start = pmlab_now_ns();
        pmlab_reset_latency(ctx);
        iters = ns = nodes = libs = 0;
        do {
            pm_mem_stats s0, s1;
            pm_mem_stats_get(&s0);
            uint64_t l0 = pm_debug_alloc_count(), t0 = pmlab_now_ns();
            pm_status st = pm_map_alg(op, a, b, &r, &res);
            uint64_t t1 = pmlab_now_ns(), l1 = pm_debug_alloc_count();
            pm_mem_stats_get(&s1);
            if (st != PM_OK) {
                pmlab_fail(ctx, "%s: %s", opn, pm_strerror(st));
                goto out;
            }
            pmlab_hist_record(h, t1 - t0);
            ns += t1 - t0;
            nodes += s1.allocs - s0.allocs;
            libs += l1 - l0;
            kept = (int64_t)(s1.live_nodes - s0.live_nodes);
            iters++;
            if (iters == 1) { /* the oracle, once per phase (untimed) */
                pm_map_len(r, &got);
                if (got != expect) {
                    pmlab_fail(ctx, "%s kept %zu keys, expected %zu", opn, got, expect);
                    goto out;
                }
            }
            if (phase == 1 && pmlab_now_ns() - start >= budget && iters >= 3)
                break; /* keep r of the last op for the footprint */
            pm_map_free(r);
            r = NULL;
        } while (phase == 1 || pmlab_now_ns() - start < budget);
    }
    size_t rn = 0, rb = 0;
    pm_map_footprint(r, &rn, &rb);

    double self_ns = 0, self_nodes = 0, self_libs = 0;
    pm_alg self_res = PM_ALG_ELEMENT;
    if (self_op(op, a, cfg->duration_ms * 200000u, &self_ns, &self_nodes, &self_libs, &self_res) !=
        0) {
        pmlab_fail(ctx, "%s with its own clone failed", opn);
        goto out;
    }
    if (op == PM_RESTRICT &&
        prefix_restrict(ctx, a, N, inter, P, cfg->seed, cfg->duration_ms * 300000u) != 0) {
        pmlab_fail(ctx, "restrict by prefixes failed");
        goto out;
    }
    size_t an = 0, ab = 0;
    pm_map_footprint(a, &an, &ab);
    pmlab_report_ops(ctx, iters, (double)ns / 1e9);
    pmlab_report_counters(ctx, 0, 0, 0);
    pmlab_report_metric(ctx, PMLAB_M_MAP_BYTES, (double)ab);
    pmlab_set_str(ctx, "op", opn);
    pmlab_set_str(ctx, "layout", layout);
    pmlab_set_num(ctx, "map_keys", (double)N);
    pmlab_set_num(ctx, "overlap_pct", (double)ov);
    pmlab_set_num(ctx, "shared_keys", (double)s);
    pmlab_set_num(ctx, "ns_per_op", (double)ns / (double)iters);
    pmlab_set_num(ctx, "ms", (double)ns / 1e6 / (double)iters);
    pmlab_set_num(ctx, "allocs", (double)nodes / (double)iters);
    pmlab_set_num(ctx, "lib_allocs", (double)libs / (double)iters);
    pmlab_set_num(ctx, "result_keys", (double)got);
    pmlab_set_num(ctx, "expected_keys", (double)expect);
    pmlab_set_num(ctx, "result_nodes", (double)rn);
    pmlab_set_num(ctx, "new_nodes", (double)kept);
    pmlab_set_num(ctx, "sharing", rn ? 1.0 - (double)kept / (double)rn : 0);
    pmlab_set_num(ctx, "identity", res == PM_ALG_IDENTITY);
    pmlab_set_str(ctx, "result", alg_name(res));
    pmlab_set_num(ctx, "self_ns", self_ns);
    pmlab_set_num(ctx, "self_allocs", self_nodes);
    pmlab_set_num(ctx, "self_lib_allocs", self_libs);
    pmlab_set_str(ctx, "self_result", alg_name(self_res));
    rc = 0;
out:
    pm_map_free(r);
    pm_map_free(a);
    pm_map_free(b);
    return rc;
}

static const pmlab_param algebra_params[] = {
    {"sizes", PMLAB_PARAM_INT_LIST, "1000,10000,100000", "n, keys of each map (swept)"},
    {"overlap", PMLAB_PARAM_INT_LIST, "0,50,100", "% of B's keys also in A (swept)"},
    {"op", PMLAB_PARAM_STR_LIST, "join,meet,subtract,restrict", "the operation (swept)"},
    {"layout", PMLAB_PARAM_STR_LIST, "clustered,interleaved",
     "clustered: contiguous key ranges; interleaved: A-only/shared/B-only spread (swept)"},
    {"prefixes", PMLAB_PARAM_INT, "100", "op=restrict: P prefixes for restrict vs flat scan"},
    {NULL, 0, NULL, NULL}};

static const pmlab_column algebra_cols[] = {
    {"op", PMLAB_COL_STR, "join, meet, subtract or restrict"},
    {"layout", PMLAB_COL_STR, "clustered or interleaved"},
    {"map_keys", PMLAB_COL_NUM, "n, keys of each input"},
    {"overlap_pct", PMLAB_COL_NUM, "% of the keys shared"},
    {"shared_keys", PMLAB_COL_NUM, "s = n * overlap / 100"},
    {"ns_per_op", PMLAB_COL_NUM, "ns per pm_map_alg(op, A, B) (new map; its free not timed)"},
    {"ms", PMLAB_COL_NUM, "the same in ms"},
    {"allocs", PMLAB_COL_NUM, "nodes allocated per op (pm_mem_stats)"},
    {"lib_allocs", PMLAB_COL_NUM, "library allocations per op (nodes, handles, stacks)"},
    {"result_keys", PMLAB_COL_NUM, "keys of the result"},
    {"expected_keys", PMLAB_COL_NUM, "join 2n-s, meet s, subtract n-s, restrict s (checked)"},
    {"result_nodes", PMLAB_COL_NUM, "distinct nodes of the result"},
    {"new_nodes", PMLAB_COL_NUM,
     "nodes the result holds that no input had (live-node delta of one op; allocs also counts "
     "transient nodes)"},
    {"sharing", PMLAB_COL_NUM, "1 - new_nodes / result_nodes: share of the result reused (C158)"},
    {"identity", PMLAB_COL_NUM, "1 if the op returned PM_ALG_IDENTITY (an input reused whole)"},
    {"result", PMLAB_COL_STR, "identity, element or none"},
    {"self_ns", PMLAB_COL_NUM, "ns per op(clone of A, A) in place: the identity short-cut"},
    {"self_allocs", PMLAB_COL_NUM, "nodes allocated per such op (0)"},
    {"self_lib_allocs", PMLAB_COL_NUM, "library allocations per such op (0)"},
    {"self_result", PMLAB_COL_STR, "its pm_alg result"},
    {"prefixes", PMLAB_COL_NUM, "restrict: distinct 7-byte prefixes P"},
    {"prefix_keys", PMLAB_COL_NUM, "restrict: keys of A under them (trie = flat scan, checked)"},
    {"prefix_restrict_ms", PMLAB_COL_NUM, "restrict: pm_map_restrict(A, P prefixes) ms"},
    {"flat_scan_ms", PMLAB_COL_NUM, "restrict: scan of A's n keys x P prefixes ms"},
    {NULL, 0, NULL}};

static const pmlab_experiment algebra_exp = {
    .name = "algebra",
    .description = "join/meet/subtract/restrict vs size and overlap; identity; prefix restrict",
    .axes = 0,
    .defaults = "--duration-ms 100 --warmup-ms 10 --trials 1",
    .params = algebra_params,
    .columns = algebra_cols,
    .run = algebra_run,
    .smoke_args = "--param sizes=200,3000 --param overlap=0,50,100 --duration-ms 5 --warmup-ms 0",
};

void pmlab_register_algebra(pmlab_registry *r);
void pmlab_register_algebra(pmlab_registry *r)
{
    pmlab_register_experiment(r, &algebra_exp);
}
