/* read (pattern A) and dispatch.
 *
 * read — E-READ: lookup throughput and latency vs threads, per backend, on a live map that no
 * one writes (claims C006, C040-C044, C047, C050, C080, goals of DESIGN §9). Every lookup is
 * one read section: enter, deref the current version (acquire), pm_map_get or
 * pm_map_count_prefix, exit; urcu-qsbr threads announce a quiescent state every LAT_SAMPLE
 * lookups. The hot loop is instantiated once per backend through the PM_SYNC_BACKENDS X-macro,
 * so the backend's read side is inlined; a backend outside the list (tests) runs the dispatched
 * loop. One lookup in `lat_sample` is timed (PMLAB_LAT_OP and PMLAB_LAT_QUERY).
 * `structure=frozen` rows freeze the same map (pathmap_frozen.h) and run the same loop, read
 * section included, with pm_frozen_get / pm_frozen_count_prefix on the frozen image.
 *
 * dispatch — the same loop, four variants: `inline` (per-backend instantiation), `indirect`
 * (pm_sync_read_enter/deref/exit: three calls through the backend table), `fused`
 * (pm_sync_read_begin/exit: the table's enter+deref in one call, then exit: two calls) and
 * `bare` (pm_map_get on the version with no read section at all: the floor). Goal (DESIGN §4):
 * dispatch through the table costs < 5 % of a point lookup more than inline. */
#include <stdlib.h>
#include <string.h>

#include "common/syncx.h"
#include "pathmap_frozen.h"

typedef struct {
    pmlab_ctx *ctx;
    pm_live *lm;
    pm_sync_domain *dom;
    const pm_sync_backend *be;
    pmx_probes probes;
    const pm_frozen *fz; /* structure=frozen: queries go to this image */
    bool prefix;
    unsigned prefix_len, lat_sample, threads;
    int variant; /* VAR_* (read: VAR_INLINE) */
    _Atomic uint64_t ops, hits, sink, err;
} read_state;

enum { VAR_INLINE, VAR_INDIRECT, VAR_BARE, VAR_FUSED };
static const char *const variant_names[] = {"inline", "indirect", "bare", "fused", NULL};

typedef void read_loop_fn(read_state *s, pm_sync_thread *t, unsigned idx, uint64_t *ops,
                          uint64_t *hits);

/* One lookup inside the read section; returns 1 on a hit. */
static inline uint64_t one_query(const read_state *s, const pm_map *v, const pmx_key *p,
                                 uint64_t *sink)
{
    if (s->prefix) {
        size_t c = 0, l = p->len < s->prefix_len ? p->len : s->prefix_len;
        pm_map_count_prefix(v, p->bytes, l, &c);
        *sink += c;
        return c > 0;
    }
    uint64_t val = 0;
    pm_status st = pm_map_get(v, p->bytes, p->len, &val);
    *sink += val;
    return st == PM_OK;
}

/* The same query on the frozen image (the version read in the section is not used). */
static inline uint64_t one_query_frozen(const read_state *s, const pm_map *v, const pmx_key *p,
                                        uint64_t *sink)
{
    (void)v;
    if (s->prefix) {
        size_t c = 0, l = p->len < s->prefix_len ? p->len : s->prefix_len;
        pm_frozen_count_prefix(s->fz, p->bytes, l, &c);
        *sink += c;
        return c > 0;
    }
    uint64_t val = 0;
    pm_status st = pm_frozen_get(s->fz, p->bytes, p->len, &val);
    *sink += val;
    return st == PM_OK;
}

#define READ_LOOP_BODY(NAME, ENTER, DEREF, EXIT, QS)                                               \
    READ_LOOP_Q(NAME, ENTER, DEREF, EXIT, QS, one_query)
#define READ_LOOP_Q(NAME, ENTER, DEREF, EXIT, QS, QUERY)                                           \
    static void NAME(read_state *s, pm_sync_thread *t, unsigned idx, uint64_t *ops_out,            \
                     uint64_t *hits_out)                                                           \
    {                                                                                              \
        pm_sync_cell *cell = pm_live_cell(s->lm);                                                  \
        pmlab_hist *lat = pmlab_latency(s->ctx, idx, PMLAB_LAT_OP);                                \
        pmlab_hist *qlat = pmlab_latency(s->ctx, idx, PMLAB_LAT_QUERY);                            \
        size_t n = s->probes.n, j = (n / s->threads) * idx;                                        \
        uint64_t ops = 0, hits = 0, sink = 0;                                                      \
        while (!pmlab_stop(s->ctx)) {                                                              \
            for (unsigned b = 0; b < s->lat_sample; b++) {                                         \
                const pmx_key *p = &s->probes.probe[j];                                            \
                if (++j == n)                                                                      \
                    j = 0;                                                                         \
                uint64_t t0 = b == 0 ? pmlab_now_ns() : 0;                                         \
                ENTER(t);                                                                          \
                const pm_map *v = (const pm_map *)DEREF(t, cell);                                  \
                hits += QUERY(s, v, p, &sink);                                                     \
                EXIT(t);                                                                           \
                if (b == 0) {                                                                      \
                    uint64_t d = pmlab_now_ns() - t0;                                              \
                    pmlab_hist_record(lat, d);                                                     \
                    pmlab_hist_record(qlat, d);                                                    \
                }                                                                                  \
            }                                                                                      \
            QS(t);                                                                                 \
            ops += s->lat_sample;                                                                  \
        }                                                                                          \
        *ops_out = ops;                                                                            \
        *hits_out = hits;                                                                          \
        atomic_fetch_add_explicit(&s->sink, sink, memory_order_relaxed);                           \
    }

#define READ_LOOP(id, name)                                                                        \
    READ_LOOP_BODY(read_loop_##id, pm_sync_##id##_read_enter, pm_sync_##id##_deref,                \
                   pm_sync_##id##_read_exit, pm_sync_##id##_quiescent)
PM_SYNC_BACKENDS(READ_LOOP)
READ_LOOP_BODY(read_loop_generic, pm_sync_read_enter, pm_sync_deref, pm_sync_read_exit,
               pm_sync_quiescent)
#define READ_FLOOP(id, name)                                                                       \
    READ_LOOP_Q(read_floop_##id, pm_sync_##id##_read_enter, pm_sync_##id##_deref,                  \
                pm_sync_##id##_read_exit, pm_sync_##id##_quiescent, one_query_frozen)
PM_SYNC_BACKENDS(READ_FLOOP)
READ_LOOP_Q(read_floop_generic, pm_sync_read_enter, pm_sync_deref, pm_sync_read_exit,
            pm_sync_quiescent, one_query_frozen)
/* fused: the table's read_begin (enter + deref in one call) and read_exit */
#define FUSED_ENTER(t) ((void)(t))
READ_LOOP_BODY(read_loop_fused, FUSED_ENTER, pm_sync_read_begin, pm_sync_read_exit,
               pm_sync_quiescent)

/* bare: the version is loaded once (nothing writes it), no read section */
#define BARE_ENTER(t)    ((void)(t))
#define BARE_DEREF(t, c) ((void)(t), (void)(c), bare_version)
#define BARE_EXIT(t)     ((void)(t))
#define BARE_QS(t)       ((void)(t))
static _Thread_local const pm_map *bare_version;
READ_LOOP_BODY(read_loop_bare, BARE_ENTER, BARE_DEREF, BARE_EXIT, BARE_QS)

#define READ_LOOP_PTR(id, name) read_loop_##id,
static read_loop_fn *const read_loops[] = {PM_SYNC_BACKENDS(READ_LOOP_PTR)};
#define READ_FLOOP_PTR(id, name) read_floop_##id,
static read_loop_fn *const read_floops[] = {PM_SYNC_BACKENDS(READ_FLOOP_PTR)};

static void read_worker(void *arg, unsigned idx)
{
    read_state *s = arg;
    pm_sync_thread *t = pmx_register(s->dom, s->be);
    if (!t) {
        atomic_fetch_add(&s->err, 1);
        return;
    }
    int bi = pmx_backend_index(s->be);
    read_loop_fn *fn = s->variant == VAR_INDIRECT || bi < 0 ? read_loop_generic : read_loops[bi];
    if (s->fz)
        fn = bi < 0 ? read_floop_generic : read_floops[bi];
    if (s->variant == VAR_FUSED)
        fn = read_loop_fused;
    if (s->variant == VAR_BARE) {
        bare_version = pm_live_read_begin(s->lm, t);
        pm_live_read_end(s->lm, t);
        fn = read_loop_bare;
    }
    uint64_t ops = 0, hits = 0;
    fn(s, t, idx, &ops, &hits);
    pm_sync_unregister(t);
    atomic_fetch_add(&s->ops, ops);
    atomic_fetch_add(&s->hits, hits);
}

static int read_common(const pmlab_config *cfg, pmlab_ctx *ctx, int variant)
{
    read_state s = {.ctx = ctx, .threads = cfg->threads, .variant = variant};
    pm_frozen *fz = NULL;
    const char *query = pmlab_param_str(cfg, "query");
    double miss = pmlab_param_double(cfg, "miss_pct"), zipf = pmlab_param_double(cfg, "zipf");
    long long pl = pmlab_param_int(cfg, "prefix_len"), ls = pmlab_param_int(cfg, "lat_sample");
    if (strcmp(query, "point") && strcmp(query, "prefix")) {
        pmlab_fail(ctx, "query must be point or prefix, not '%s'", query);
        return 1;
    }
    if (miss < 0 || miss > 100 || zipf < 0 || pl < 0 || ls < 1 || ls > 1000000) {
        pmlab_fail(ctx, "bad miss_pct, zipf, prefix_len or lat_sample");
        return 1;
    }
    const char *structure = variant < 0 ? pmlab_param_str(cfg, "structure") : "map";
    if (strcmp(structure, "map") && strcmp(structure, "frozen")) {
        pmlab_fail(ctx, "structure must be map or frozen, not '%s'", structure);
        return 1;
    }
    s.prefix = !strcmp(query, "prefix");
    s.prefix_len = (unsigned)pl;
    s.lat_sample = (unsigned)ls;
    s.be = pmx_backend(cfg->backend);
    pmx_keys k;
    if (pmx_load_keys(cfg, ctx, 1, &k) != 0)
        return 1;
    int rc = 1;
    pm_map *m = pmx_build_map(&k, ctx);
    if (!m)
        goto out_keys;
    size_t nodes = 0, bytes = 0;
    pm_map_footprint(m, &nodes, &bytes);
    if (!strcmp(structure, "frozen")) {
        if (pm_frozen_build(m, &fz) != PM_OK) {
            pmlab_fail(ctx, "pm_frozen_build failed");
            pm_map_free(m);
            goto out_keys;
        }
        s.fz = fz;
        bytes = pm_frozen_size(fz); /* map_bytes: the image */
    }
    if (pmx_probes_make(&k, 1u << 20, miss, zipf, cfg->seed, &s.probes) != 0) {
        pmlab_fail(ctx, "out of memory (probes)");
        pm_map_free(m);
        goto out_keys;
    }
    s.dom = pmx_domain_new(cfg, ctx);
    if (!s.dom) {
        pm_map_free(m);
        goto out_probes;
    }
    if (pm_live_new(s.dom, m, &s.lm) != PM_OK) {
        pmlab_fail(ctx, "pm_live_new failed");
        pm_map_free(m);
        goto out_dom;
    }
    if (cfg->warmup_ms)
        pmlab_run_timed(ctx, cfg->threads, read_worker, &s, cfg->warmup_ms, NULL);
    pmlab_reset_latency(ctx);
    atomic_store(&s.ops, 0);
    atomic_store(&s.hits, 0);
    double secs = 0, inl_secs = 0;
    uint64_t inl_ops = 0, inl_hits = 0;
    if (variant > 0) {
        /* dispatch: the variant and `inline` alternate in short slices inside this one child
         * (ABBA order), so both see the same map, placement and machine state; the row
         * reports the variant and its paired inline figure. */
        unsigned slice = (unsigned)pmlab_param_int(cfg, "slice_ms");
        unsigned rounds = (unsigned)(cfg->duration_ms / (2 * (uint64_t)slice));
        for (unsigned r = 0; r < (rounds ? rounds : 1); r++) {
            for (int half = 0; half < 2; half++) {
                int inl = (r & 1) ^ half; /* ABBA: variant first in even rounds */
                uint64_t before = atomic_load(&s.ops), hits_before = atomic_load(&s.hits);
                double d = 0;
                s.variant = inl ? VAR_INLINE : variant;
                pmlab_run_timed(ctx, cfg->threads, read_worker, &s, slice, &d);
                if (inl) {
                    inl_ops += atomic_load(&s.ops) - before;
                    inl_hits += atomic_load(&s.hits) - hits_before;
                    inl_secs += d;
                } else
                    secs += d;
            }
        }
        s.variant = variant;
        atomic_fetch_sub(&s.ops, inl_ops);
        atomic_fetch_sub(&s.hits, inl_hits); /* hit_ratio: the variant's own lookups */
    } else {
        pmlab_run_timed(ctx, cfg->threads, read_worker, &s, cfg->duration_ms, &secs);
    }
    if (atomic_load(&s.err)) {
        pmlab_fail(ctx, "thread registration failed");
        goto out_live;
    }
    uint64_t ops = atomic_load(&s.ops);
    pmlab_report_ops(ctx, ops, secs);
    pmlab_report_metric(ctx, PMLAB_M_QUERY_OPS, (double)ops);
    pmlab_report_metric(ctx, PMLAB_M_MAP_BYTES, (double)bytes);
    pmx_report_sync(ctx, s.dom);
    pmlab_set_num(ctx, "hit_ratio", ops ? (double)atomic_load(&s.hits) / (double)ops : 0);
    pmlab_set_str(ctx, "query", query);
    pmlab_set_num(ctx, "nkeys", (double)k.n);
    if (variant < 0) {
        pmlab_set_str(ctx, "structure", structure);
        pmlab_set_num(ctx, "bytes_per_key", k.n ? (double)bytes / (double)k.n : 0);
    }
    if (variant >= 0) { /* dispatch */
        pmlab_set_str(ctx, "variant", variant_names[variant]);
        double ns = ops ? secs * 1e9 * cfg->threads / (double)ops : 0;
        pmlab_set_num(ctx, "ns_per_op", ns);
        if (variant > 0 && inl_ops) {
            double ins = inl_secs * 1e9 * cfg->threads / (double)inl_ops;
            pmlab_set_num(ctx, "inline_ns_per_op", ins);
            pmlab_set_num(ctx, "overhead_pct", 100.0 * (ns - ins) / ins);
        }
    }
    rc = 0;
out_live:
    pm_live_free(s.lm);
out_dom:
    pm_sync_domain_free(s.dom);
out_probes:
    pmx_probes_free(&s.probes);
out_keys:
    pm_frozen_free(fz);
    pmx_keys_free(&k);
    return rc;
}

static int read_run(const pmlab_config *cfg, pmlab_ctx *ctx)
{
    return read_common(cfg, ctx, -1);
}

static int dispatch_run(const pmlab_config *cfg, pmlab_ctx *ctx)
{
    int v = pmx_index_of(variant_names, pmlab_param_str(cfg, "variant"));
    if (v < 0) {
        pmlab_fail(ctx, "variant must be inline, indirect, fused or bare");
        return 1;
    }
    if (pmlab_param_int(cfg, "slice_ms") < 1) {
        pmlab_fail(ctx, "slice_ms must be >= 1");
        return 1;
    }
    return read_common(cfg, ctx, v);
}

#define READ_PARAMS                                                                                \
    {"query", PMLAB_PARAM_STR_LIST, "point", "point (pm_map_get) or prefix (count_prefix)"},       \
        {"miss_pct", PMLAB_PARAM_DOUBLE, "0", "% of lookups that miss"},                           \
        {"zipf", PMLAB_PARAM_DOUBLE, "0", "Zipf exponent of the hit keys (0: uniform)"},           \
        {"prefix_len", PMLAB_PARAM_INT, "3", "prefix queries: bytes of the probe key used"},       \
    {                                                                                              \
        "lat_sample", PMLAB_PARAM_INT, "64", "time one lookup in this many"                        \
    }

static const pmlab_param read_params[] = {
    {"structure", PMLAB_PARAM_STR_LIST, "map",
     "map (the live map's version) or frozen (pm_frozen_* on a frozen image of it, same read "
     "section); swept"},
    READ_PARAMS,
    {NULL, 0, NULL, NULL}};
static const pmlab_column read_cols[] = {
    {"hit_ratio", PMLAB_COL_NUM, "queries that found something / queries"},
    {"query", PMLAB_COL_STR, "point or prefix"},
    {"nkeys", PMLAB_COL_NUM, "keys in the map"},
    {"structure", PMLAB_COL_STR, "map or frozen"},
    {"bytes_per_key", PMLAB_COL_NUM,
     "map: core footprint / keys; frozen: image bytes / keys (the map_bytes metric / nkeys)"},
    {NULL, 0, NULL}};

static const pmlab_experiment read_exp = {
    .name = "read",
    .description = "pattern A: lookup throughput/latency vs threads per backend (live map)",
    .axes = PMLAB_AXIS_BACKENDS | PMLAB_AXIS_THREADS | PMLAB_AXIS_KEYS | PMLAB_AXIS_SIZE,
    .defaults = "--threads 1,2 --keys words --size 100000 --duration-ms 500 --warmup-ms 100 "
                "--trials 1",
    .params = read_params,
    .columns = read_cols,
    .run = read_run,
    .smoke_args = "--backends all --threads 2 --size 2000 --duration-ms 30 --warmup-ms 0 "
                  "--param structure=map,frozen",
};

static const pmlab_param dispatch_params[] = {
    {"variant", PMLAB_PARAM_STR_LIST, "inline,indirect,fused,bare",
     "inline: per-backend loop; indirect: through the backend table (enter, deref, exit); fused: "
     "through the table with read_begin (enter+deref) and exit; bare: no read section"},
    {"slice_ms", PMLAB_PARAM_INT, "20",
     "indirect/fused/bare rows alternate with inline in slices of this length (paired "
     "comparison)"},
    READ_PARAMS,
    {NULL, 0, NULL, NULL}};
static const pmlab_column dispatch_cols[] = {
    {"hit_ratio", PMLAB_COL_NUM, "queries that found something / queries"},
    {"query", PMLAB_COL_STR, "point or prefix"},
    {"nkeys", PMLAB_COL_NUM, "keys in the map"},
    {"variant", PMLAB_COL_STR, "inline, indirect, fused or bare"},
    {"ns_per_op", PMLAB_COL_NUM, "wall ns per lookup per thread"},
    {"inline_ns_per_op", PMLAB_COL_NUM,
     "indirect/fused/bare rows: ns per lookup of the inline loop in the interleaved slices"},
    {"overhead_pct", PMLAB_COL_NUM, "100 x (ns_per_op - inline_ns_per_op) / inline_ns_per_op"},
    {NULL, 0, NULL}};

static const pmlab_experiment dispatch_exp = {
    .name = "dispatch",
    .description = "inlined read side vs calls through the backend table (and no section)",
    .axes = PMLAB_AXIS_BACKENDS | PMLAB_AXIS_THREADS | PMLAB_AXIS_KEYS | PMLAB_AXIS_SIZE,
    .defaults = "--threads 1 --keys words --size 100000 --duration-ms 300 --warmup-ms 50 "
                "--trials 3",
    .params = dispatch_params,
    .columns = dispatch_cols,
    .run = dispatch_run,
    .smoke_args =
        "--backends all --threads 1 --size 2000 --duration-ms 30 --warmup-ms 0 --trials 1",
};

void pmlab_register_read(pmlab_registry *r);
void pmlab_register_read(pmlab_registry *r)
{
    pmlab_register_experiment(r, &read_exp);
    pmlab_register_experiment(r, &dispatch_exp);
}
