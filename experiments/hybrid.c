/* hybrid (pattern D) and stall.
 *
 * hybrid — E-HYB: R readers + W writers on one live map (claims C075-C078, I6.1-I6.3). Each
 * writer owns the path "\xFFhyb/w<NNN>/" and commits transactions that rewrite `batch` pairs
 * a<i> = g, b<i> = C - g and gen = g for the next generation g. Readers do point lookups on the
 * key set and, every `check_every` lookups, one oracle check in a single read section on a
 * writer's path: gen read twice is equal (stability), every a<i> == gen and b<i> == C - gen (no
 * torn commit: all or nothing), and gen never decreases between a reader's checks (a section
 * that starts later never sees an older version). Any failure is counted in
 * invariant_violations and turns the row's status to invariant-violated.
 *
 * stall — readers enter a read section and stay there for `stall_ms` while W writers commit;
 * a sampler records the backend's pending objects and the live node bytes above the start
 * (pending_bytes) every 10 ms as time series. Variants: `one` stalled reader (asleep in its
 * section), `several` (stalled_readers of them), `preempted` (one reader that stays runnable,
 * busy inside its section, while CPU hogs oversubscribe the machine so that it is descheduled
 * involuntarily). Each row says whether memory stayed bounded: `memory` = grows (at the end of
 * the stall at least half of what was retired during it is still pending), bounded, or blocked
 * (the writers could not commit: rwlock), beside what the backend declares (flags, and its
 * pending_bound for BOUNDED backends, checked in `within_bound`). Deferred backends (urcu-*,
 * epoch) grow; hp and refcount stay bounded; rwlock blocks the writers instead.
 *
 * Pending bytes (alert A5) are estimated from the core's accounting: live node bytes minus
 * those at the start (the writers only overwrite, so the current version does not grow). */
#define _POSIX_C_SOURCE 200809L
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/syncx.h"
#include "common/workloads.h"

#define HYB_C 1000000007u
enum { MAX_BATCH = 4096, MAX_WRITERS = 256 };

typedef struct {
    pmlab_ctx *ctx;
    const pmlab_config *cfg;
    pm_live *lm;
    pm_sync_domain *dom;
    const pm_sync_backend *be;
    pmx_probes probes;
    unsigned readers, writers, batch, check_every, alloc_sample;
    bool stall;
    unsigned nstall, hogs; /* stall: stalled readers; CPU hogs (variant preempted) */
    bool busy_stall;       /* stall: the readers stay runnable inside their sections */
    uint64_t stall_ms, base_live;
    _Atomic(int) in_stall;            /* stalled readers inside their sections */
    _Atomic(uint64_t) stall_retired0; /* stats.retired when every reader was inside */
    _Atomic(uint64_t) stall_retired1, stall_pending1;
    _Atomic(int) stall_leave;
    _Atomic uint64_t ops, checks, violations, commits, conflicts, err, writer_ns, alloc_ns;
    _Atomic uint64_t pending_bytes_peak, stalled;
    _Atomic int stop_writers;
    uint64_t gen[MAX_WRITERS]; /* last generation each writer committed (kept across runs) */
    char first_violation[160];
    _Atomic int have_violation;
} hyb_state;

static size_t wpath(char *buf, unsigned w)
{
    return (size_t)sprintf(buf, "\xFFhyb/w%03u/", w);
}

static void note_violation(hyb_state *s, const char *what, unsigned w, uint64_t x, uint64_t y)
{
    atomic_fetch_add(&s->violations, 1);
    int no = 0;
    if (atomic_compare_exchange_strong(&s->have_violation, &no, 1))
        snprintf(s->first_violation, sizeof s->first_violation, "%s (writer %u: %llu vs %llu)",
                 what, w, (unsigned long long)x, (unsigned long long)y);
}

static uint64_t get_or_zero(const pm_map *v, const char *path, size_t plen, const char *rel)
{
    char key[64];
    size_t n = plen + strlen(rel);
    memcpy(key, path, plen);
    memcpy(key + plen, rel, strlen(rel));
    uint64_t val = UINT64_MAX;
    if (pm_map_get(v, (const uint8_t *)key, n, &val) != PM_OK)
        return UINT64_MAX;
    return val;
}

/* The oracle, on one version inside a read section. */
static void check_version(hyb_state *s, const pm_map *v, unsigned w, uint64_t *last_gen)
{
    char path[32], rel[16];
    size_t plen = wpath(path, w);
    uint64_t g = get_or_zero(v, path, plen, "gen");
    for (unsigned i = 0; i < s->batch; i++) {
        snprintf(rel, sizeof rel, "a%04u", i);
        uint64_t a = get_or_zero(v, path, plen, rel);
        snprintf(rel, sizeof rel, "b%04u", i);
        uint64_t b = get_or_zero(v, path, plen, rel);
        if (a != g)
            note_violation(s, "torn commit: a != gen", w, a, g);
        if (b != HYB_C - g)
            note_violation(s, "torn commit: b != C - gen", w, b, HYB_C - g);
    }
    uint64_t g2 = get_or_zero(v, path, plen, "gen");
    if (g2 != g)
        note_violation(s, "unstable read: gen changed inside one section", w, g, g2);
    if (g < *last_gen)
        note_violation(s, "older version after a newer one", w, g, *last_gen);
    *last_gen = g;
}

typedef void hyb_loop_fn(hyb_state *s, pm_sync_thread *t, unsigned idx, uint64_t *last_gen);

#define HYB_LOOP_BODY(NAME, ENTER, DEREF, EXIT, QS)                                                \
    static void NAME(hyb_state *s, pm_sync_thread *t, unsigned idx, uint64_t *last_gen)            \
    {                                                                                              \
        pm_sync_cell *cell = pm_live_cell(s->lm);                                                  \
        pmlab_hist *qlat = pmlab_latency(s->ctx, idx, PMLAB_LAT_QUERY);                            \
        pmlab_hist *lat = pmlab_latency(s->ctx, idx, PMLAB_LAT_OP);                                \
        size_t n = s->probes.n, j = (n / (s->readers ? s->readers : 1)) * idx;                     \
        uint64_t ops = 0, checks = 0, sink = 0;                                                    \
        unsigned w = idx % s->writers;                                                             \
        while (!pmlab_stop(s->ctx)) {                                                              \
            for (unsigned b = 0; b < s->check_every; b++) {                                        \
                const pmx_key *p = &s->probes.probe[j];                                            \
                if (++j == n)                                                                      \
                    j = 0;                                                                         \
                uint64_t t0 = b == 0 ? pmlab_now_ns() : 0, val = 0;                                \
                ENTER(t);                                                                          \
                const pm_map *v = (const pm_map *)DEREF(t, cell);                                  \
                pm_map_get(v, p->bytes, p->len, &val);                                             \
                EXIT(t);                                                                           \
                sink += val;                                                                       \
                if (b == 0) {                                                                      \
                    uint64_t d = pmlab_now_ns() - t0;                                              \
                    pmlab_hist_record(lat, d);                                                     \
                    pmlab_hist_record(qlat, d);                                                    \
                }                                                                                  \
            }                                                                                      \
            ops += s->check_every;                                                                 \
            ENTER(t);                                                                              \
            check_version(s, (const pm_map *)DEREF(t, cell), w, &last_gen[w]);                     \
            EXIT(t);                                                                               \
            checks++;                                                                              \
            w = (w + 1) % s->writers;                                                              \
            QS(t);                                                                                 \
        }                                                                                          \
        atomic_fetch_add(&s->ops, ops);                                                            \
        atomic_fetch_add(&s->checks, checks + (sink == 1));                                        \
    }

#define HYB_LOOP(id, name)                                                                         \
    HYB_LOOP_BODY(hyb_loop_##id, pm_sync_##id##_read_enter, pm_sync_##id##_deref,                  \
                  pm_sync_##id##_read_exit, pm_sync_##id##_quiescent)
PM_SYNC_BACKENDS(HYB_LOOP)
HYB_LOOP_BODY(hyb_loop_generic, pm_sync_read_enter, pm_sync_deref, pm_sync_read_exit,
              pm_sync_quiescent)
#define HYB_LOOP_PTR(id, name) hyb_loop_##id,
static hyb_loop_fn *const hyb_loops[] = {PM_SYNC_BACKENDS(HYB_LOOP_PTR)};

static void sample_pending(hyb_state *s)
{
    uint64_t live = pmx_core_live_bytes();
    uint64_t pend = live > s->base_live ? live - s->base_live : 0;
    uint64_t cur = atomic_load(&s->pending_bytes_peak);
    while (pend > cur && !atomic_compare_exchange_weak(&s->pending_bytes_peak, &cur, pend))
        ;
}

/* One commit of generation g on writer w's path. */
static pm_status commit_gen(hyb_state *s, pm_sync_thread *t, unsigned w, uint64_t g)
{
    char path[32], rel[16];
    size_t plen = wpath(path, w);
    pm_live_txn *tx = NULL;
    pm_status st = pm_live_txn_begin(s->lm, t, (const uint8_t *)path, plen, &tx);
    if (st != PM_OK)
        return st;
    pm_map *m = pm_live_txn_map(tx);
    for (unsigned i = 0; i < s->batch && st == PM_OK; i++) {
        int n = snprintf(rel, sizeof rel, "a%04u", i);
        st = pm_map_set(m, (const uint8_t *)rel, (size_t)n, g, NULL, NULL);
        n = snprintf(rel, sizeof rel, "b%04u", i);
        if (st == PM_OK)
            st = pm_map_set(m, (const uint8_t *)rel, (size_t)n, HYB_C - g, NULL, NULL);
    }
    if (st == PM_OK)
        st = pm_map_set(m, (const uint8_t *)"gen", 3, g, NULL, NULL);
    if (st == PM_OK)
        st = pm_live_txn_commit(tx);
    if (st != PM_OK)
        pm_live_txn_abort(tx);
    return st;
}

static void writer_loop(hyb_state *s, pm_sync_thread *t, unsigned w, unsigned idx)
{
    pmlab_hist *ulat = pmlab_latency(s->ctx, idx, PMLAB_LAT_UPDATE);
    pmx_alloc_timing_on(pmlab_latency(s->ctx, idx, PMLAB_LAT_ALLOC), s->alloc_sample);
    uint64_t start = pmlab_now_ns(), busy = 0, commits = 0, last_sample = start;
    while (!pmlab_stop(s->ctx) && !atomic_load(&s->stop_writers)) {
        uint64_t t0 = pmlab_now_ns();
        pm_status st = commit_gen(s, t, w, ++s->gen[w]);
        uint64_t t1 = pmlab_now_ns();
        if (st != PM_OK) {
            atomic_fetch_add(&s->err, 1);
            break;
        }
        pm_sync_quiescent(t);
        pmlab_hist_record(ulat, t1 - t0);
        busy += t1 - t0;
        commits++;
        if (t1 - last_sample > 2000000) { /* every 2 ms */
            sample_pending(s);
            last_sample = t1;
        }
    }
    (void)start;
    atomic_fetch_add(&s->alloc_ns, pmx_alloc_timing_off(NULL));
    atomic_fetch_add(&s->writer_ns, busy);
    atomic_fetch_add(&s->commits, commits);
}

static _Thread_local uint64_t *reader_last_gen;

static void stall_wait(hyb_state *s, uint64_t t0, uint64_t ns)
{
    while (!pmlab_stop(s->ctx) && pmlab_now_ns() - t0 < ns) {
        if (s->busy_stall)
            continue; /* runnable: only preemption takes the CPU away */
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
}

/* Stalled reader k of s->nstall: all enter after 10 % of the run; reader 0 measures the stall
 * (retired and pending when all are inside and just before they leave) and tells the others
 * when to leave. */
static void stall_reader(hyb_state *s, pm_sync_thread *t, unsigned k)
{
    uint64_t start = pmlab_now_ns();
    stall_wait(s, start, s->cfg->duration_ms * 100000u); /* 10 % of the run */
    pm_sync_read_enter(t);
    const pm_map *v = pm_sync_deref(t, pm_live_cell(s->lm));
    atomic_fetch_add(&s->in_stall, 1);
    if (k == 0) {
        while (!pmlab_stop(s->ctx) && atomic_load(&s->in_stall) < (int)s->nstall)
            sched_yield();
        pm_sync_stats st;
        pm_sync_stats_get(s->dom, &st);
        atomic_store(&s->stall_retired0, st.retired);
        atomic_store(&s->stalled, 1);
        stall_wait(s, pmlab_now_ns(), s->stall_ms * 1000000u);
        pm_sync_stats_get(s->dom, &st);
        atomic_store(&s->stall_retired1, st.retired);
        atomic_store(&s->stall_pending1, st.pending);
        atomic_store(&s->stall_leave, 1);
    } else {
        while (!pmlab_stop(s->ctx) && !atomic_load(&s->stall_leave))
            stall_wait(s, pmlab_now_ns(), 1000000u);
    }
    uint64_t g = 0;
    check_version(s, v, 0, &g); /* the stalled version is still intact */
    pm_sync_read_exit(t);
    if (k == 0)
        atomic_store(&s->stalled, 2);
}

static void hog(hyb_state *s)
{
    volatile uint64_t x = 0;
    while (!pmlab_stop(s->ctx))
        x = x + 1;
}

static void sampler(hyb_state *s)
{
    uint64_t start = pmlab_now_ns();
    while (!pmlab_stop(s->ctx)) {
        pm_sync_stats st;
        pm_sync_stats_get(s->dom, &st);
        double ts = (double)(pmlab_now_ns() - start) / 1e9;
        uint64_t live = pmx_core_live_bytes();
        pmlab_series(s->ctx, "pending", ts, (double)st.pending);
        pmlab_series(s->ctx, "pending_bytes", ts,
                     live > s->base_live ? (double)(live - s->base_live) : 0);
        pmlab_series(s->ctx, "stalled", ts, (double)atomic_load(&s->stalled));
        sample_pending(s);
        struct timespec tsl = {0, 10000000};
        nanosleep(&tsl, NULL);
    }
}

static void hyb_worker(void *arg, unsigned idx)
{
    hyb_state *s = arg;
    /* stall: [0, nstall) stalled readers, nstall the sampler, then the writers, then the hogs */
    if (s->stall && idx == s->nstall) { /* the sampler is not registered */
        sampler(s);
        return;
    }
    if (s->stall && idx > s->nstall + s->writers) {
        hog(s);
        return;
    }
    pm_sync_thread *t = pmx_register(s->dom, s->be);
    if (!t) {
        atomic_fetch_add(&s->err, 1);
        return;
    }
    if (s->stall) {
        if (idx < s->nstall)
            stall_reader(s, t, idx);
        else
            writer_loop(s, t, idx - s->nstall - 1, idx);
    } else if (idx < s->writers) {
        writer_loop(s, t, idx, idx);
    } else {
        if (!reader_last_gen)
            reader_last_gen = calloc(MAX_WRITERS, sizeof *reader_last_gen);
        int bi = pmx_backend_index(s->be);
        (bi < 0 ? hyb_loop_generic : hyb_loops[bi])(s, t, idx - s->writers, reader_last_gen);
        free(reader_last_gen); /* threads end after each run: a fresh reader per run */
        reader_last_gen = NULL;
    }
    pm_sync_unregister(t);
}

static int hyb_setup(hyb_state *s, pmx_keys *k)
{
    const pmlab_config *cfg = s->cfg;
    if (pmx_load_keys(cfg, s->ctx, 1, k) != 0)
        return -1;
    pm_map *m = pmx_build_map(k, s->ctx);
    if (!m)
        return -1;
    /* generation 0 of every writer's invariant */
    for (unsigned w = 0; w < s->writers; w++) {
        char key[64];
        size_t plen = wpath(key, w);
        for (unsigned i = 0; i < s->batch; i++) {
            size_t n = plen + (size_t)sprintf(key + plen, "a%04u", i);
            pm_map_set(m, (const uint8_t *)key, n, 0, NULL, NULL);
            n = plen + (size_t)sprintf(key + plen, "b%04u", i);
            pm_map_set(m, (const uint8_t *)key, n, HYB_C, NULL, NULL);
        }
        memcpy(key + plen, "gen", 3);
        pm_map_set(m, (const uint8_t *)key, plen + 3, 0, NULL, NULL);
    }
    if (pmx_probes_make(k, 1u << 18, 0, 0, cfg->seed, &s->probes) != 0) {
        pm_map_free(m);
        pmlab_fail(s->ctx, "out of memory (probes)");
        return -1;
    }
    s->be = pmx_backend(cfg->backend);
    s->dom = pmx_domain_new(cfg, s->ctx);
    if (!s->dom) {
        pm_map_free(m);
        return -1;
    }
    if (pm_live_new(s->dom, m, &s->lm) != PM_OK) {
        pm_map_free(m);
        pmlab_fail(s->ctx, "pm_live_new failed");
        return -1;
    }
    return 0;
}

static void hyb_teardown(hyb_state *s, pmx_keys *k)
{
    if (s->lm)
        pm_live_free(s->lm);
    if (s->dom)
        pm_sync_domain_free(s->dom);
    pmx_probes_free(&s->probes);
    pmx_keys_free(k);
}

static void hyb_report(hyb_state *s, double secs)
{
    pmlab_ctx *ctx = s->ctx;
    pm_live_stats ls;
    pm_live_stats_get(s->lm, &ls);
    pmx_report_sync(ctx, s->dom);
    uint64_t commits = atomic_load(&s->commits), v = atomic_load(&s->violations);
    pmlab_report_metric(ctx, PMLAB_M_WRITER_NS, (double)atomic_load(&s->writer_ns));
    pmlab_report_metric(ctx, PMLAB_M_ALLOC_NS, (double)atomic_load(&s->alloc_ns));
    pmlab_report_metric(ctx, PMLAB_M_PENDING_BYTES_PEAK,
                        (double)atomic_load(&s->pending_bytes_peak));
    pmlab_report_metric(ctx, PMLAB_M_CLONES, (double)commits); /* a commit clones the version */
    pmlab_set_num(ctx, "invariant_violations", (double)v);
    pmlab_set_num(ctx, "commits", (double)commits);
    pmlab_set_num(ctx, "commits_per_sec", secs > 0 ? (double)commits / secs : 0);
    pmlab_set_num(ctx, "cas_retries", (double)ls.retries);
    pmlab_set_num(ctx, "oracle_checks", (double)atomic_load(&s->checks));
    pmlab_set_num(ctx, "writers", s->writers);
    pmlab_set_num(ctx, "readers", s->readers);
    if (v)
        pmlab_invariant_violated(ctx, "%llu violations; first: %s", (unsigned long long)v,
                                 s->first_violation);
}

int pmx_hybrid_workload(const pmlab_config *cfg, pmlab_ctx *ctx, const pmx_hybrid_opts *o)
{
    hyb_state s = {.ctx = ctx, .cfg = cfg};
    s.writers = o->writers;
    s.batch = o->batch;
    s.check_every = o->check_every;
    s.alloc_sample = o->alloc_sample;
    if (s.writers < 1 || s.writers >= cfg->threads || s.writers > MAX_WRITERS || s.batch < 1 ||
        s.batch > MAX_BATCH || s.check_every < 1) {
        pmlab_fail(ctx, "need 1 <= writers < threads (<= %d), 1 <= batch <= %d, check_every >= 1",
                   MAX_WRITERS, MAX_BATCH);
        return 1;
    }
    s.readers = cfg->threads - s.writers;
    pmx_keys k = {0};
    int rc = 1;
    if (hyb_setup(&s, &k) != 0)
        goto out;
    s.base_live = pmx_core_live_bytes();
    if (cfg->warmup_ms)
        pmlab_run_timed(ctx, cfg->threads, hyb_worker, &s, cfg->warmup_ms, NULL);
    pmlab_reset_latency(ctx);
    atomic_store(&s.ops, 0);
    atomic_store(&s.commits, 0);
    atomic_store(&s.writer_ns, 0);
    atomic_store(&s.alloc_ns, 0);
    double secs = 0;
    pmlab_run_timed(ctx, cfg->threads, hyb_worker, &s, cfg->duration_ms, &secs);
    if (atomic_load(&s.err)) {
        pmlab_fail(ctx, "a writer's commit or a thread registration failed");
        goto out;
    }
    uint64_t ops = atomic_load(&s.ops);
    pmlab_report_ops(ctx, ops, secs);
    pmlab_report_metric(ctx, PMLAB_M_QUERY_OPS, (double)ops);
    hyb_report(&s, secs);
    rc = 0;
out:
    hyb_teardown(&s, &k);
    return rc;
}

static int hybrid_run(const pmlab_config *cfg, pmlab_ctx *ctx)
{
    pmx_hybrid_opts o = {
        .writers = (unsigned)pmlab_param_int(cfg, "writers"),
        .batch = (unsigned)pmlab_param_int(cfg, "batch"),
        .check_every = (unsigned)pmlab_param_int(cfg, "check_every"),
        .alloc_sample = (unsigned)pmlab_param_int(cfg, "alloc_sample"),
    };
    return pmx_hybrid_workload(cfg, ctx, &o);
}

/* What the backend declares about a stalled reader, from its flags. */
static const char *declared(const pm_sync_backend *be)
{
    if (be->flags & PM_SYNC_F_EXCLUSIVE)
        return "exclusive";
    if (be->flags & PM_SYNC_F_BOUNDED)
        return "bounded";
    if (be->flags & PM_SYNC_F_NEVER_FREES)
        return "never-frees";
    if (be->flags & PM_SYNC_F_DEFERRED)
        return "deferred";
    return "-";
}

static void stall_report(hyb_state *s)
{
    pmlab_ctx *ctx = s->ctx;
    uint64_t r0 = atomic_load(&s->stall_retired0), r1 = atomic_load(&s->stall_retired1);
    uint64_t p1 = atomic_load(&s->stall_pending1);
    uint64_t retired = r1 > r0 ? r1 - r0 : 0;
    const char *mem = retired < 4 ? "blocked" : 2 * p1 >= retired ? "grows" : "bounded";
    pm_sync_stats st;
    pm_sync_stats_get(s->dom, &st);
    /* the registered threads: stalled readers and writers */
    unsigned threads = s->nstall + s->writers;
    pmlab_set_str(ctx, "variant", s->busy_stall ? "preempted" : s->nstall > 1 ? "several" : "one");
    pmlab_set_num(ctx, "stalled_readers", s->nstall);
    pmlab_set_num(ctx, "stall_retired", (double)retired);
    pmlab_set_num(ctx, "stall_pending", (double)p1);
    pmlab_set_str(ctx, "memory", mem);
    pmlab_set_str(ctx, "declared", declared(s->be));
    if (s->be->pending_bound) {
        uint64_t b = s->be->pending_bound(threads);
        pmlab_set_num(ctx, "pending_bound", (double)b);
        pmlab_set_num(ctx, "within_bound", st.peak_pending <= b);
        if (st.peak_pending > b)
            pmlab_invariant_violated(ctx,
                                     "pending peaked at %llu objects, above the bound %llu the "
                                     "backend declares for %u threads",
                                     (unsigned long long)st.peak_pending, (unsigned long long)b,
                                     threads);
    }
}

static int stall_run(const pmlab_config *cfg, pmlab_ctx *ctx)
{
    hyb_state s = {.ctx = ctx, .cfg = cfg, .stall = true};
    s.writers = cfg->threads;
    s.batch = (unsigned)pmlab_param_int(cfg, "batch");
    s.alloc_sample = 16;
    long long ms = pmlab_param_int(cfg, "stall_ms");
    const char *variant = pmlab_param_str(cfg, "variant");
    long long several = pmlab_param_int(cfg, "stalled_readers");
    s.nstall = 1;
    if (!strcmp(variant, "several"))
        s.nstall = several < 1 || several > 64 ? 0 : (unsigned)several;
    else if (!strcmp(variant, "preempted")) {
        s.busy_stall = true;
        s.hogs = cfg->online_cpus; /* with the writers and the reader: oversubscribed */
    } else if (strcmp(variant, "one") != 0)
        s.nstall = 0;
    if (s.batch < 1 || s.batch > MAX_BATCH || ms < 0 || s.writers > MAX_WRITERS || !s.nstall) {
        pmlab_fail(ctx, "bad batch, stall_ms, variant (one, several, preempted) or "
                        "stalled_readers (1..64)");
        return 1;
    }
    s.stall_ms = (uint64_t)ms;
    pmx_keys k = {0};
    int rc = 1;
    if (hyb_setup(&s, &k) != 0)
        goto out;
    s.base_live = pmx_core_live_bytes();
    double secs = 0;
    pmlab_run_timed(ctx, s.nstall + 1 + cfg->threads + s.hogs, hyb_worker, &s, cfg->duration_ms,
                    &secs);
    if (atomic_load(&s.err)) {
        pmlab_fail(ctx, "a writer's commit or a thread registration failed");
        goto out;
    }
    pmlab_report_ops(ctx, atomic_load(&s.commits), secs);
    hyb_report(&s, secs);
    stall_report(&s);
    rc = 0;
out:
    hyb_teardown(&s, &k);
    return rc;
}

#define HYB_COLS                                                                                   \
    {"invariant_violations", PMLAB_COL_NUM, "oracle failures (torn, unstable or older reads)"},    \
        {"commits", PMLAB_COL_NUM, "transactions committed in the measured time"},                 \
        {"commits_per_sec", PMLAB_COL_NUM, "commits / seconds"},                                   \
        {"cas_retries", PMLAB_COL_NUM, "commits re-grafted after a lost CAS (whole run)"},         \
        {"oracle_checks", PMLAB_COL_NUM, "oracle checks done by the readers"},                     \
        {"writers", PMLAB_COL_NUM, "writer threads"},                                              \
    {                                                                                              \
        "readers", PMLAB_COL_NUM, "reader threads"                                                 \
    }

static const pmlab_param hybrid_params[] = {
    {"writers", PMLAB_PARAM_INT, "1", "W writers among --threads (the rest read)"},
    {"batch", PMLAB_PARAM_INT, "8", "invariant pairs rewritten per commit"},
    {"check_every", PMLAB_PARAM_INT, "16", "lookups between two oracle checks"},
    {"alloc_sample", PMLAB_PARAM_INT, "16", "writers time one allocation call in this many"},
    {NULL, 0, NULL, NULL}};
static const pmlab_column hybrid_cols[] = {HYB_COLS, {NULL, 0, NULL}};

static const pmlab_experiment hybrid_exp = {
    .name = "hybrid",
    .description = "pattern D: R readers + W writers on the live map, with the SI oracle",
    .axes = PMLAB_AXIS_BACKENDS | PMLAB_AXIS_THREADS | PMLAB_AXIS_KEYS | PMLAB_AXIS_SIZE |
            PMLAB_AXIS_ALLOCS,
    .defaults = "--threads 2 --keys words --size 100000 --duration-ms 500 --warmup-ms 100 "
                "--trials 1",
    .params = hybrid_params,
    .columns = hybrid_cols,
    .run = hybrid_run,
    .min_threads = 2, /* at least one writer (writers < threads) and one reader */
    .smoke_args = "--backends all --threads 2 --size 2000 --duration-ms 80 --warmup-ms 0",
};

static const pmlab_param stall_params[] = {
    {"stall_ms", PMLAB_PARAM_INT, "500", "how long the readers stay in their read sections"},
    {"batch", PMLAB_PARAM_INT, "8", "invariant pairs rewritten per commit"},
    {"variant", PMLAB_PARAM_STR_LIST, "one",
     "one: one stalled reader (asleep); several: stalled_readers of them; preempted: one reader "
     "busy in its section while as many CPU hogs as online CPUs oversubscribe the machine"},
    {"stalled_readers", PMLAB_PARAM_INT, "4", "stalled readers of the variant several"},
    {NULL, 0, NULL, NULL}};
static const pmlab_column stall_cols[] = {
    HYB_COLS,
    {"variant", PMLAB_COL_STR, "one, several or preempted"},
    {"stalled_readers", PMLAB_COL_NUM, "readers stalled in a read section"},
    {"stall_retired", PMLAB_COL_NUM, "objects retired during the stall"},
    {"stall_pending", PMLAB_COL_NUM,
     "objects pending (retired, not freed) at the end of the stall"},
    {"memory", PMLAB_COL_STR,
     "grows (stall_pending >= stall_retired / 2), bounded, or blocked (fewer than 4 objects "
     "retired during the stall: the writers waited)"},
    {"declared", PMLAB_COL_STR,
     "what the flags declare: bounded, deferred, never-frees, exclusive"},
    {"pending_bound", PMLAB_COL_NUM, "BOUNDED backends: the declared bound for these threads"},
    {"within_bound", PMLAB_COL_NUM, "BOUNDED backends: 1 when pending_peak <= pending_bound"},
    {NULL, 0, NULL}};

static const pmlab_experiment stall_exp = {
    .name = "stall",
    .description = "a reader stalls in a read section: pending reclamation over time per backend",
    .axes = PMLAB_AXIS_BACKENDS | PMLAB_AXIS_THREADS | PMLAB_AXIS_KEYS | PMLAB_AXIS_SIZE,
    .defaults = "--threads 1 --keys words --size 10000 --duration-ms 1000 --warmup-ms 0 "
                "--trials 1",
    .params = stall_params,
    .columns = stall_cols,
    .run = stall_run,
    .smoke_args = "--backends all --threads 1 --size 1000 --duration-ms 150 --param stall_ms=50 "
                  "--param variant=one,several",
};

void pmlab_register_hybrid(pmlab_registry *r);
void pmlab_register_hybrid(pmlab_registry *r)
{
    pmlab_register_experiment(r, &hybrid_exp);
    pmlab_register_experiment(r, &stall_exp);
}
