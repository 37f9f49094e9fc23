/* example — the worked example of experiments/README.md: point lookups on a map built once from
 * a key set and read by --threads workers at the same time. A pm_map is safe for concurrent
 * readers and nothing writes it, so no reclamation backend is involved (read.c shows backends). */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/exp.h" /* pmlab/experiment.h, pathmap.h, key sets (pmx_common) */

#define EX_PROBES 65536 /* pre-generated probes: the hot loop draws no random numbers */

typedef struct {
    pmlab_ctx *ctx;
    const pm_map *map;
    const pmx_probes *probes;
    atomic_uint_fast64_t ops, hits;
} ex_state;

/* One worker: lookups until pmlab raises the stop flag. Each worker records into its own
 * histogram; PMLAB_LAT_OP is the kind behind the p50_ns..max_ns columns of results.csv. */
static void ex_worker(void *arg, unsigned idx)
{
    ex_state *s = arg;
    pmlab_hist *lat = pmlab_latency(s->ctx, idx, PMLAB_LAT_OP);
    uint64_t ops = 0, hits = 0;
    size_t i = (size_t)idx * 7919; /* workers start at different probes */
    while (!pmlab_stop(s->ctx)) {
        const pmx_key *k = &s->probes->probe[i++ % s->probes->n];
        uint64_t v, t0 = pmlab_now_ns();
        bool hit = pm_map_get(s->map, k->bytes, k->len, &v) == PM_OK;
        pmlab_hist_record(lat, pmlab_now_ns() - t0);
        ops++;
        hits += hit;
    }
    atomic_fetch_add(&s->ops, ops);
    atomic_fetch_add(&s->hits, hits);
}

/* Called once per configuration x trial, in its own child process. */
static int ex_run(const pmlab_config *cfg, pmlab_ctx *ctx)
{
    long long miss_pct = pmlab_param_int(cfg, "miss_pct"); /* one value of the swept list */
    if (miss_pct < 0 || miss_pct > 100) {
        pmlab_fail(ctx, "miss_pct must be 0..100, not %lld", miss_pct);
        return 1;
    }
    pmx_keys keys = {0};
    pmx_probes probes = {0};
    pm_map *map = NULL;
    int rc = 1;
    if (pmx_load_keys(cfg, ctx, 1, &keys) != 0) /* cfg->keys, cfg->size, cfg->seed */
        goto out;                               /* it marked the row failed */
    if (keys.n == 0) {
        pmlab_fail(ctx, "the key set is empty");
        goto out;
    }
    map = pmx_build_map(&keys, ctx);
    if (!map)
        goto out;
    if (pmx_probes_make(&keys, EX_PROBES, (double)miss_pct, 0, cfg->seed, &probes) != 0) {
        pmlab_fail(ctx, "out of memory for the probes");
        goto out;
    }
    ex_state s = {.ctx = ctx, .map = map, .probes = &probes};
    if (cfg->warmup_ms)
        pmlab_run_timed(ctx, cfg->threads, ex_worker, &s, cfg->warmup_ms, NULL);
    pmlab_reset_latency(ctx); /* the warm-up's latencies are not measured */
    atomic_store(&s.ops, 0);
    atomic_store(&s.hits, 0);
    double secs = 0;
    int err = pmlab_run_timed(ctx, cfg->threads, ex_worker, &s, cfg->duration_ms, &secs);
    if (err) {
        pmlab_fail(ctx, "cannot start the workers (errno %d)", err);
        goto out;
    }
    uint64_t ops = atomic_load(&s.ops);
    pmlab_report_ops(ctx, ops, secs); /* -> ops, seconds, ops_per_sec */
    pmlab_set_num(ctx, "hit_ratio", ops ? (double)atomic_load(&s.hits) / (double)ops : 0);
    rc = 0;
out:
    pmx_probes_free(&probes);
    pm_map_free(map);
    pmx_keys_free(&keys);
    return rc;
}

static const pmlab_param ex_params[] = {
    /* an integer list is swept like an axis: --param miss_pct=0,50 gives two configurations */
    {"miss_pct", PMLAB_PARAM_INT_LIST, "0", "share of lookups that miss, % (a list is swept)"},
    {NULL, 0, NULL, NULL}};

static const pmlab_column ex_cols[] = {
    {"hit_ratio", PMLAB_COL_NUM, "lookups that found their key / lookups"}, {NULL, 0, NULL}};

static const pmlab_experiment ex_exp = {
    .name = "example",
    .description = "worked example of experiments/README.md: lookups on a read-only map",
    .axes = PMLAB_AXIS_THREADS | PMLAB_AXIS_KEYS | PMLAB_AXIS_SIZE,
    .defaults = "--threads 1,2 --keys words --size 10000",
    .params = ex_params,
    .columns = ex_cols,
    .run = ex_run,
    .min_threads = 1, /* a larger value makes pmlab refuse a smaller --threads before any work */
    .smoke_args = "--threads 1,2 --size 2000 --param miss_pct=0,50 --duration-ms 20 "
                  "--warmup-ms 0 --trials 1",
};

/* Called by pmlab at start-up: pmlab_add_experiment(example ...) names pmlab_register_example. */
void pmlab_register_example(pmlab_registry *r);
void pmlab_register_example(pmlab_registry *r)
{
    pmlab_register_experiment(r, &ex_exp);
}
