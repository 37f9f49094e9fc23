/* The built-in `selftest` experiment: lets pmlab run stand-alone (no trie involved). Each worker
 * repeats a small xorshift computation plus one malloc/free pair per operation; it records
 * per-operation latency, the time inside malloc (for the allocator-stall metric A4) and a
 * throughput time series. */
#include "selftest.h"

#include <stdlib.h>

typedef struct {
    pmlab_ctx *ctx;
    const pmlab_config *cfg;
    long long work;
    long long alloc_bytes;
    _Atomic uint64_t ops, writer_ns, checksum;
} selftest_state;

static void selftest_worker(void *arg, unsigned idx)
{
    selftest_state *s = arg;
    pmlab_hist *lat = pmlab_latency(s->ctx, idx, PMLAB_LAT_OP);
    pmlab_hist *alat = pmlab_latency(s->ctx, idx, PMLAB_LAT_ALLOC);
    uint64_t x = s->cfg->seed * 0x9E3779B97F4A7C15u + idx + 1, ops = 0, sum = 0;
    uint64_t t_start = pmlab_now_ns();
    while (!pmlab_stop(s->ctx)) {
        uint64_t t0 = pmlab_now_ns();
        for (long long i = 0; i < s->work; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }
        uint64_t a0 = pmlab_now_ns();
        unsigned char *p = malloc((size_t)s->alloc_bytes + (x & 63));
        uint64_t a1 = pmlab_now_ns();
        if (p) {
            p[0] = (unsigned char)x;
            sum += p[0];
            free(p);
        }
        uint64_t t1 = pmlab_now_ns();
        if (lat)
            pmlab_hist_record(lat, t1 - t0);
        if (alat)
            pmlab_hist_record(alat, a1 - a0);
        ops++;
    }
    atomic_fetch_add(&s->ops, ops);
    atomic_fetch_add(&s->writer_ns, pmlab_now_ns() - t_start);
    atomic_fetch_add(&s->checksum, sum ^ x);
}

static int selftest_run(const pmlab_config *cfg, pmlab_ctx *ctx)
{
    selftest_state s = {.ctx = ctx, .cfg = cfg};
    s.work = pmlab_param_int(cfg, "work");
    s.alloc_bytes = pmlab_param_int(cfg, "alloc_bytes");
    if (s.work < 0 || s.alloc_bytes < 1) {
        pmlab_fail(ctx, "work must be >= 0 and alloc_bytes >= 1");
        return 1;
    }
    double secs = 0;
    if (cfg->warmup_ms) {
        pmlab_run_timed(ctx, cfg->threads, selftest_worker, &s, cfg->warmup_ms, NULL);
        pmlab_reset_latency(ctx);
        atomic_store(&s.ops, 0);
        atomic_store(&s.writer_ns, 0);
    }
    /* measure in 10 slices to produce a throughput time series */
    uint64_t total = 0, slices = 10, slice_ms = cfg->duration_ms / slices;
    if (slice_ms == 0)
        slice_ms = 1, slices = cfg->duration_ms ? cfg->duration_ms : 1;
    for (uint64_t i = 0; i < slices; i++) {
        double d = 0;
        uint64_t before = atomic_load(&s.ops);
        pmlab_run_timed(ctx, cfg->threads, selftest_worker, &s, slice_ms, &d);
        secs += d;
        uint64_t now = atomic_load(&s.ops);
        pmlab_series(ctx, "ops_per_sec", secs, d > 0 ? (double)(now - before) / d : 0);
        total = now;
    }
    pmlab_report_ops(ctx, total, secs);
    pmlab_report_counters(ctx, 0, 0, 0);
    pmlab_report_metric(ctx, PMLAB_M_WRITER_NS, (double)atomic_load(&s.writer_ns));
    pmlab_set_num(ctx, "checksum", (double)(atomic_load(&s.checksum) & 0xffff));
    pmlab_set_str(ctx, "mode", cfg->pin ? "pinned" : "unpinned");
    return 0;
}

static const pmlab_param selftest_params[] = {
    {"work", PMLAB_PARAM_INT, "64", "xorshift rounds per operation"},
    {"alloc_bytes", PMLAB_PARAM_INT, "32", "bytes malloc'ed and freed per operation (plus 0..63)"},
    {NULL, 0, NULL, NULL}};

static const pmlab_column selftest_cols[] = {
    {"checksum", PMLAB_COL_NUM, "low 16 bits of the workers' checksum (keeps the loop alive)"},
    {"mode", PMLAB_COL_STR, "pinned or unpinned"},
    {NULL, 0, NULL}};

static const pmlab_experiment selftest = {
    .name = "selftest",
    .description = "built-in harness self-test: xorshift + malloc/free per op (no trie)",
    .axes = PMLAB_AXIS_THREADS | PMLAB_AXIS_ALLOCS,
    .defaults = "--threads 1,2 --duration-ms 200 --warmup-ms 50 --trials 3",
    .params = selftest_params,
    .columns = selftest_cols,
    .run = selftest_run,
    .smoke_args = "--threads 1,2 --duration-ms 20 --warmup-ms 0 --trials 1",
};

/* three short runs, so that a suite interrupted and resumed (tests/reproduce) has runs before,
 * during and after the interrupt; roles let a --claims file test them */
static const pmlab_suite_run selftest_suite_runs[] = {
    {"selftest", "--threads 1,2 --duration-ms 100 --warmup-ms 20 --trials 2",
     PMLAB_SUITE_QUICK | PMLAB_SUITE_DEFAULT | PMLAB_SUITE_FULL, "selftest"},
    {"selftest", "--threads 1 --param work=16 --duration-ms 100 --warmup-ms 0 --trials 8",
     PMLAB_SUITE_QUICK | PMLAB_SUITE_DEFAULT | PMLAB_SUITE_FULL, "light"},
    {"selftest", "--threads 1 --param work=256 --duration-ms 100 --warmup-ms 0 --trials 2",
     PMLAB_SUITE_QUICK | PMLAB_SUITE_DEFAULT | PMLAB_SUITE_FULL, "heavy"},
    {NULL, NULL, 0, NULL}};

/* Used by `pmlab reproduce --suite selftest`; not the default suite when experiments/ registers
 * one of its own. */
static const pmlab_suite selftest_suite = {
    .name = "selftest",
    .description = "harness self-check (built-in)",
    .runs = selftest_suite_runs,
    .report = NULL,
};

void pmlab_register_builtin(pmlab_registry *r)
{
    pmlab_register_experiment(r, &selftest);
    pmlab_register_suite(r, &selftest_suite);
}
