/* The hidden `pmlab __child` sub-command: verifies the allocator, runs one configuration of an
 * experiment, and writes its measurements as name=value lines into the result file. Also the
 * pmlab_ctx reporting API and the worker-thread helpers. */
#define _GNU_SOURCE
#include "child.h"
#include "group.h"
#include "registry.h"
#include "sysload.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_HIST_THREADS 4096

struct pmlab_ctx {
    const pmlab_config *cfg;
    const pmlab_experiment *exp;
    pthread_mutex_t mu;
    _Atomic(pmlab_hist *) *hists[PMLAB_LAT__COUNT];
    atomic_bool stop;
    uint64_t ops;
    double seconds;
    bool ops_set;
    uint64_t retired, freed, pending_peak;
    bool counters_set;
    double metric[PMLAB_M_PENDING_BYTES_PEAK + 1];
    bool metric_set[PMLAB_M_PENDING_BYTES_PEAK + 1];
    char *status;
    size_t ncols;
    char **colvals;
    const char *series_path;
    FILE *series;
    int cpus[1024]; /* the affinity mask's CPUs */
    unsigned ncpus;
    int *plan; /* --cpus: worker i runs on plan[i mod nplan] (the parent's --pin plan) */
    unsigned nplan;
    /* contention over the measurement window (since the run started or the last
     * pmlab_reset_latency): per worker index, summed over the worker calls */
    struct tacc {
        uint64_t cpu_ns, runnable_ns, nivcsw;
    } * tacc;
    size_t ntacc;
    unsigned max_workers; /* most workers of one call in the window */
    bool workers_ran;
    /* CPU time of the process's other threads (a backend's grace-period or call_rcu thread, an
     * allocator's background thread) while workers ran: the process's CPU time over each worker
     * call minus the workers' and the calling thread's (contention_put credits it) */
    uint64_t worker_cpu_ns, helper_ns, span_ns;
    uint64_t proc_cpu0_ns; /* the process at the window's start (no worker ran) */
    struct tsnap {
        uint64_t cpu_ns, delay_ns, wall_ns, nivcsw;
        bool have_delay;
    } main_snap; /* the main thread at the window's start */
};

/* ---- contention: one thread's CPU time, wait for a CPU and involuntary switches ---------- */
static uint64_t cpu_clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void tsnap_take(struct tsnap *t)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    t->cpu_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    t->wall_ns = pmlab_now_ns();
    struct rusage ru;
    t->nivcsw = getrusage(RUSAGE_THREAD, &ru) == 0 ? (uint64_t)ru.ru_nivcsw : 0;
    /* schedstat: time on CPU, time runnable but waiting for a CPU (run_delay), slices */
    t->have_delay = false;
    int fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        char buf[128];
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        unsigned long long run = 0, delay = 0;
        if (n > 0) {
            buf[n] = 0;
            t->have_delay = sscanf(buf, "%llu %llu", &run, &delay) == 2;
            t->delay_ns = delay;
        }
    }
}

/* The runnable time of a thread between two snapshots: CPU time + wait for a CPU when the
 * kernel reports run_delay (a thread that sleeps or blocks of its own accord is not charged for
 * it), else the wall time. */
static void tsnap_delta(const struct tsnap *a, const struct tsnap *b, uint64_t *cpu,
                        uint64_t *runnable, uint64_t *nivcsw)
{
    *cpu = b->cpu_ns - a->cpu_ns;
    if (a->have_delay && b->have_delay && b->delay_ns >= a->delay_ns)
        *runnable = *cpu + (b->delay_ns - a->delay_ns);
    else
        *runnable = b->wall_ns - a->wall_ns;
    if (*runnable < *cpu)
        *runnable = *cpu;
    *nivcsw = b->nivcsw >= a->nivcsw ? b->nivcsw - a->nivcsw : 0;
}

static void contention_reset(pmlab_ctx *ctx)
{
    pthread_mutex_lock(&ctx->mu);
    free(ctx->tacc);
    ctx->tacc = NULL;
    ctx->ntacc = 0;
    ctx->max_workers = 0;
    ctx->workers_ran = false;
    ctx->worker_cpu_ns = ctx->helper_ns = ctx->span_ns = 0;
    pthread_mutex_unlock(&ctx->mu);
    tsnap_take(&ctx->main_snap);
    ctx->proc_cpu0_ns = cpu_clock_ns(CLOCK_PROCESS_CPUTIME_ID);
}

static void contention_add(pmlab_ctx *ctx, unsigned idx, const struct tsnap *a,
                           const struct tsnap *b)
{
    uint64_t cpu, run, niv;
    tsnap_delta(a, b, &cpu, &run, &niv);
    pthread_mutex_lock(&ctx->mu);
    if (idx >= ctx->ntacc) {
        size_t n = (size_t)idx + 1;
        ctx->tacc = xrealloc(ctx->tacc, n * sizeof *ctx->tacc);
        memset(ctx->tacc + ctx->ntacc, 0, (n - ctx->ntacc) * sizeof *ctx->tacc);
        ctx->ntacc = n;
    }
    ctx->tacc[idx].cpu_ns += cpu;
    ctx->worker_cpu_ns += cpu;
    ctx->tacc[idx].runnable_ns += run;
    ctx->tacc[idx].nivcsw += niv;
    pthread_mutex_unlock(&ctx->mu);
}

/* TEST-ONLY hook: pmlab-test's fake experiments (tests/harness/fake_experiments.c) define it to
 * force a trial's cpu_share (a value >= 0) so that the re-run logic can be tested without
 * depending on the machine's load. The pmlab program does not define it (weak: NULL). */
extern double pmlab_test_only_cpu_share(const pmlab_config *cfg) __attribute__((weak));

/* Writes cpu_share, nivcsw, helper_cpu and contended for the window that just ended.
 *
 * cpu_share is the least-served thread's CPU time over its runnable time. A worker can also wait
 * for a CPU because the process's own other threads ran (liburcu's call_rcu thread, a
 * grace-period thread): that is the system under test using the machine, the same as an
 * experiment that starts more workers than CPUs, not another process. So the contention rule
 * credits each worker's wait with up to H, the CPU time those threads used in the window
 * (helper_cpu = H / the window), and flags the row only when the wait H cannot explain still
 * leaves the worker below PMLAB_CONTENDED_SHARE. H is an upper bound of the wait it caused (a
 * helper running on an idle CPU delayed nobody), so the credit can only clear a row. */
static void contention_put(FILE *out, pmlab_ctx *ctx, const pmlab_config *cfg,
                           const struct tsnap *main_end)
{
    double share = -1, share_ext = -1;
    uint64_t niv = 0, longest = 0, helper = 0, span = 0;
    if (ctx->workers_ran) {
        helper = ctx->helper_ns;
        span = ctx->span_ns;
        for (size_t i = 0; i < ctx->ntacc; i++) {
            const struct tacc *t = &ctx->tacc[i];
            niv += t->nivcsw;
            if (t->runnable_ns > longest)
                longest = t->runnable_ns;
            if (t->runnable_ns == 0)
                continue;
            double s = (double)t->cpu_ns / (double)t->runnable_ns;
            if (share < 0 || s < share)
                share = s;
            uint64_t wait = t->runnable_ns - t->cpu_ns;
            wait = wait > helper ? wait - helper : 0;
            double se = (double)t->cpu_ns / (double)(t->cpu_ns + wait);
            if (share_ext < 0 || se < share_ext)
                share_ext = se;
        }
    } else {
        uint64_t cpu, run;
        tsnap_delta(&ctx->main_snap, main_end, &cpu, &run, &niv);
        longest = run;
        span = main_end->wall_ns - ctx->main_snap.wall_ns;
        uint64_t proc = cpu_clock_ns(CLOCK_PROCESS_CPUTIME_ID) - ctx->proc_cpu0_ns;
        helper = proc > cpu ? proc - cpu : 0;
        if (run) {
            share = (double)cpu / (double)run;
            uint64_t wait = run - cpu;
            wait = wait > helper ? wait - helper : 0;
            share_ext = (double)cpu / (double)(cpu + wait);
        }
    }
    if (longest < (uint64_t)PMLAB_CONTENTION_MIN_WINDOW_MS * 1000000u)
        share = share_ext = -1; /* too short to tell */
    if (pmlab_test_only_cpu_share) {
        double forced = pmlab_test_only_cpu_share(cfg);
        if (forced >= 0)
            share = share_ext = forced;
    }
    if (share > 1)
        share = 1;
    /* more workers than CPUs (an experiment's own helper threads) compete with each other: that
     * is oversubscription, not contention from outside */
    unsigned cpus = ctx->ncpus && ctx->ncpus < cfg->online_cpus ? ctx->ncpus : cfg->online_cpus;
    bool over = cfg->oversubscribed || ctx->max_workers > cpus;
    if (share >= 0)
        fprintf(out, "cpu_share=%.4f\n", share);
    fprintf(out, "nivcsw=%" PRIu64 "\n", niv);
    if (share >= 0 && span > 0)
        fprintf(out, "helper_cpu=%.4f\n", (double)helper / (double)span);
    fprintf(out, "contended=%d\n", share_ext >= 0 && !over && share_ext < PMLAB_CONTENDED_SHARE);
}

/* ---- parameters --------------------------------------------------------------------------- */
const char *pmlab_param_str(const pmlab_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->nparams; i++)
        if (!strcmp(cfg->param_names[i], name))
            return cfg->param_values[i];
    return NULL;
}

long long pmlab_param_int(const pmlab_config *cfg, const char *name)
{
    long long v = 0;
    const char *s = pmlab_param_str(cfg, name);
    return s && parse_i64(s, &v) ? v : 0;
}

double pmlab_param_double(const pmlab_config *cfg, const char *name)
{
    double v = 0;
    const char *s = pmlab_param_str(cfg, name);
    return s && parse_double(s, &v) ? v : 0;
}

bool pmlab_param_bool(const pmlab_config *cfg, const char *name)
{
    bool v = false;
    const char *s = pmlab_param_str(cfg, name);
    return s && parse_bool(s, &v) ? v : false;
}

/* ---- reporting ----------------------------------------------------------------------------- */
void pmlab_report_ops(pmlab_ctx *ctx, uint64_t ops, double seconds)
{
    pthread_mutex_lock(&ctx->mu);
    ctx->ops = ops;
    ctx->seconds = seconds;
    ctx->ops_set = true;
    pthread_mutex_unlock(&ctx->mu);
}

pmlab_hist *pmlab_latency(pmlab_ctx *ctx, unsigned thread, pmlab_lat kind)
{
    if ((unsigned)kind >= PMLAB_LAT__COUNT || thread >= MAX_HIST_THREADS)
        return NULL;
    _Atomic(pmlab_hist *) *slot = &ctx->hists[kind][thread];
    pmlab_hist *h = atomic_load(slot);
    if (h)
        return h;
    pmlab_hist *n = pmlab_hist_new();
    if (!n)
        return NULL;
    if (!atomic_compare_exchange_strong(slot, &h, n)) {
        pmlab_hist_free(n);
        return h;
    }
    return n;
}

void pmlab_reset_latency(pmlab_ctx *ctx)
{
    contention_reset(ctx);
    for (int k = 0; k < PMLAB_LAT__COUNT; k++)
        for (unsigned t = 0; t < MAX_HIST_THREADS; t++) {
            pmlab_hist *h = atomic_load(&ctx->hists[k][t]);
            if (h)
                pmlab_hist_reset(h);
        }
}

void pmlab_report_counters(pmlab_ctx *ctx, uint64_t retired, uint64_t freed, uint64_t pending_peak)
{
    pthread_mutex_lock(&ctx->mu);
    ctx->retired = retired;
    ctx->freed = freed;
    ctx->pending_peak = pending_peak;
    ctx->counters_set = true;
    pthread_mutex_unlock(&ctx->mu);
}

void pmlab_report_metric(pmlab_ctx *ctx, pmlab_metric m, double value)
{
    if ((unsigned)m > PMLAB_M_PENDING_BYTES_PEAK)
        return;
    pthread_mutex_lock(&ctx->mu);
    ctx->metric[m] = value;
    ctx->metric_set[m] = true;
    pthread_mutex_unlock(&ctx->mu);
}

static void set_status(pmlab_ctx *ctx, const char *prefix, const char *fmt, va_list ap)
{
    char msg[400];
    vsnprintf(msg, sizeof msg, fmt, ap);
    for (char *c = msg; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    pthread_mutex_lock(&ctx->mu);
    if (!ctx->status)
        ctx->status = *msg ? xasprintf("%s:%s", prefix, msg) : xstrdup(prefix);
    pthread_mutex_unlock(&ctx->mu);
}

void pmlab_invariant_violated(pmlab_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_status(ctx, "invariant-violated", fmt, ap);
    va_end(ap);
}

void pmlab_fail(pmlab_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_status(ctx, "error", fmt, ap);
    va_end(ap);
}

void pmlab_not_comparable(pmlab_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_status(ctx, STATUS_NOT_COMPARABLE, fmt, ap);
    va_end(ap);
}

static void set_col(pmlab_ctx *ctx, const char *column, char *value)
{
    size_t i = 0;
    for (const pmlab_column *c = ctx->exp->columns; c && c->name; c++, i++)
        if (!strcmp(c->name, column)) {
            pthread_mutex_lock(&ctx->mu);
            free(ctx->colvals[i]);
            ctx->colvals[i] = value;
            pthread_mutex_unlock(&ctx->mu);
            return;
        }
    free(value);
    pmlab_fail(ctx, "undeclared column %s", column);
}

void pmlab_set_num(pmlab_ctx *ctx, const char *column, double value)
{
    set_col(ctx, column, xasprintf("%.17g", value));
}

void pmlab_set_str(pmlab_ctx *ctx, const char *column, const char *value)
{
    char *v = xstrdup(value ? value : "");
    for (char *c = v; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    set_col(ctx, column, v);
}

void pmlab_series(pmlab_ctx *ctx, const char *series, double t_s, double value)
{
    pthread_mutex_lock(&ctx->mu);
    if (!ctx->series && ctx->series_path) {
        ctx->series = fopen(ctx->series_path, "w");
        if (ctx->series)
            fputs("series,t_s,value\n", ctx->series);
    }
    if (ctx->series) {
        csv_field(ctx->series, series);
        fprintf(ctx->series, ",%.9g,%.17g\n", t_s, value);
    }
    pthread_mutex_unlock(&ctx->mu);
}

/* ---- threads ------------------------------------------------------------------------------- */
const atomic_bool *pmlab_stop_flag(pmlab_ctx *ctx)
{
    return &ctx->stop;
}

bool pmlab_stop(pmlab_ctx *ctx)
{
    return atomic_load_explicit(&ctx->stop, memory_order_relaxed);
}

int pmlab_pin_self(pmlab_ctx *ctx, unsigned idx)
{
    if (!ctx->cfg->pin || (ctx->nplan == 0 && ctx->ncpus == 0))
        return 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(ctx->nplan ? ctx->plan[idx % ctx->nplan] : ctx->cpus[idx % ctx->ncpus], &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

typedef struct {
    pmlab_ctx *ctx;
    pmlab_worker_fn fn;
    void *arg;
    unsigned idx;
    pthread_barrier_t *bar;
    _Atomic uint64_t *t_start; /* earliest worker start after the barrier */
} worker_arg;

static void *worker_main(void *p)
{
    worker_arg *w = p;
    pmlab_pin_self(w->ctx, w->idx);
    pthread_barrier_wait(w->bar);
    struct tsnap s0, s1;
    tsnap_take(&s0);
    /* the measured interval starts when the first worker runs: the calling thread may be
     * descheduled after the barrier while n pinned workers occupy every CPU */
    uint64_t t = pmlab_now_ns(), cur = atomic_load(w->t_start);
    while (t < cur && !atomic_compare_exchange_weak(w->t_start, &cur, t))
        ;
    w->fn(w->arg, w->idx);
    tsnap_take(&s1);
    contention_add(w->ctx, w->idx, &s0, &s1);
    return NULL;
}

static int run_threads(pmlab_ctx *ctx, unsigned n, pmlab_worker_fn fn, void *arg, uint64_t ms,
                       bool timed, double *seconds)
{
    if (n == 0)
        return EINVAL;
    pthread_t *th = xcalloc(n, sizeof *th);
    worker_arg *wa = xcalloc(n, sizeof *wa);
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, n + 1);
    atomic_store(&ctx->stop, false);
    pthread_mutex_lock(&ctx->mu);
    ctx->workers_ran = true;
    if (n > ctx->max_workers)
        ctx->max_workers = n;
    pthread_mutex_unlock(&ctx->mu);
    unsigned started = 0;
    int rc = 0;
    _Atomic uint64_t t_start = UINT64_MAX;
    /* the process's CPU time over this call, minus the workers' and this thread's, is what the
     * process's other threads used while the workers ran (contention_put) */
    uint64_t proc0 = cpu_clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    uint64_t self0 = cpu_clock_ns(CLOCK_THREAD_CPUTIME_ID);
    pthread_mutex_lock(&ctx->mu);
    uint64_t work0 = ctx->worker_cpu_ns;
    pthread_mutex_unlock(&ctx->mu);
    for (; started < n; started++) {
        wa[started] = (worker_arg){ctx, fn, arg, started, &bar, &t_start};
        rc = pthread_create(&th[started], NULL, worker_main, &wa[started]);
        if (rc)
            break;
    }
    if (rc) {
        /* cannot release a barrier of n+1 with fewer threads: fail loudly */
        fprintf(stderr, "pmlab: pthread_create failed: %s\n", strerror(rc));
        _exit(71);
    }
    pthread_barrier_wait(&bar);
    uint64_t t0 = pmlab_now_ns();
    if (timed) {
        struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) && errno == EINTR)
            ;
        atomic_store(&ctx->stop, true);
    }
    for (unsigned i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    uint64_t t1 = pmlab_now_ns();
    if (atomic_load(&t_start) < t0)
        t0 = atomic_load(&t_start);
    uint64_t proc = cpu_clock_ns(CLOCK_PROCESS_CPUTIME_ID) - proc0;
    uint64_t self = cpu_clock_ns(CLOCK_THREAD_CPUTIME_ID) - self0;
    pthread_mutex_lock(&ctx->mu);
    uint64_t own = self + (ctx->worker_cpu_ns - work0);
    ctx->helper_ns += proc > own ? proc - own : 0;
    ctx->span_ns += t1 - t0;
    pthread_mutex_unlock(&ctx->mu);
    atomic_store(&ctx->stop, false);
    if (seconds)
        *seconds = (double)(t1 - t0) / 1e9;
    pthread_barrier_destroy(&bar);
    free(th);
    free(wa);
    return 0;
}

int pmlab_run_workers(pmlab_ctx *ctx, unsigned n, pmlab_worker_fn fn, void *arg, double *seconds)
{
    return run_threads(ctx, n, fn, arg, 0, false, seconds);
}

int pmlab_run_timed(pmlab_ctx *ctx, unsigned n, pmlab_worker_fn fn, void *arg, uint64_t ms,
                    double *seconds)
{
    return run_threads(ctx, n, fn, arg, ms, true, seconds);
}

/* ---- hardware counters ---------------------------------------------------------------------- */
static int perf_open(uint64_t config, int group)
{
    struct perf_event_attr a;
    memset(&a, 0, sizeof a);
    a.type = PERF_TYPE_HARDWARE;
    a.size = sizeof a;
    a.config = config;
    a.disabled = 1;
    a.inherit = 1;
    a.exclude_kernel = 1;
    a.exclude_hv = 1;
    return (int)syscall(SYS_perf_event_open, &a, 0, -1, group, 0);
}

/* ---- the child ------------------------------------------------------------------------------ */
static void put_u(FILE *f, const char *k, uint64_t v)
{
    fprintf(f, "%s=%llu\n", k, (unsigned long long)v);
}

static void put_d(FILE *f, const char *k, double v)
{
    fprintf(f, "%s=%.6g\n", k, v);
}

static void put_hist(FILE *f, const char *prefix, pmlab_hist *h, bool p90)
{
    if (pmlab_hist_count(h) == 0)
        return;
    char k[64];
    snprintf(k, sizeof k, "%sp50_ns", prefix);
    put_u(f, k, pmlab_hist_percentile(h, 50));
    if (p90) {
        snprintf(k, sizeof k, "%sp90_ns", prefix);
        put_u(f, k, pmlab_hist_percentile(h, 90));
    }
    snprintf(k, sizeof k, "%sp99_ns", prefix);
    put_u(f, k, pmlab_hist_percentile(h, 99));
    snprintf(k, sizeof k, "%sp999_ns", prefix);
    put_u(f, k, pmlab_hist_percentile(h, 99.9));
    snprintf(k, sizeof k, "%smax_ns", prefix);
    put_u(f, k, pmlab_hist_max(h));
}

/* The percentile ladder of every non-empty histogram kind, for latency CDF plots:
 * hist/<config_id>-t<trial>.csv with lines kind,pct,value_ns (pct 0 = min, 100 = max). */
static void put_ladder(const char *path, pmlab_hist *const *merged)
{
    static const double pcts[] = {0,  1,  5,  10, 20,   30,   40,    50,    60,     70, 80,
                                  90, 95, 98, 99, 99.5, 99.9, 99.95, 99.99, 99.999, 100};
    static const char *const kinds[PMLAB_LAT__COUNT] = {"op", "query", "update", "merge", "alloc"};
    FILE *f = NULL;
    for (int k = 0; k < PMLAB_LAT__COUNT; k++) {
        if (!path || pmlab_hist_count(merged[k]) == 0)
            continue;
        if (!f && !(f = fopen(path, "w")))
            return;
        if (ftell(f) == 0)
            fputs("kind,pct,value_ns\n", f);
        for (size_t i = 0; i < sizeof pcts / sizeof pcts[0]; i++)
            fprintf(f, "%s,%g,%llu\n", kinds[k], pcts[i],
                    (unsigned long long)(pcts[i] <= 0 ? pmlab_hist_min(merged[k])
                                                      : pmlab_hist_percentile(merged[k], pcts[i])));
    }
    if (f)
        fclose(f);
}

int cmd_child(int argc, char **argv)
{
    const char *result = NULL, *series = NULL, *expname = NULL, *histp = NULL, *cpus = NULL;
    pmlab_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.backend = cfg.keys = "-";
    cfg.alloc = "glibc";
    cfg.threads = 1;
    strvec pnames = {0}, pvals = {0};
    strvec given = {0};
    for (int i = 0; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        uint64_t u = 0;
        bool num = parse_u64(v, &u);
        if (!strcmp(k, "--result"))
            result = v;
        else if (!strcmp(k, "--series"))
            series = v;
        else if (!strcmp(k, "--hist"))
            histp = v;
        else if (!strcmp(k, "--experiment"))
            expname = v;
        else if (!strcmp(k, "--backend"))
            cfg.backend = v;
        else if (!strcmp(k, "--alloc"))
            cfg.alloc = v;
        else if (!strcmp(k, "--keys"))
            cfg.keys = v;
        else if (!strcmp(k, "--threads") && num)
            cfg.threads = (unsigned)u;
        else if (!strcmp(k, "--size") && num)
            cfg.size = u;
        else if (!strcmp(k, "--duration-ms") && num)
            cfg.duration_ms = u;
        else if (!strcmp(k, "--warmup-ms") && num)
            cfg.warmup_ms = u;
        else if (!strcmp(k, "--update") && num)
            cfg.update_pct = (unsigned)u;
        else if (!strcmp(k, "--pin") && num)
            cfg.pin = u != 0;
        else if (!strcmp(k, "--seed") && num)
            cfg.seed = u;
        else if (!strcmp(k, "--trial") && num)
            cfg.trial = (unsigned)u;
        else if (!strcmp(k, "--param"))
            sv_push(&given, v);
        else if (!strcmp(k, "--cpus"))
            cpus = v;
        else {
            fprintf(stderr, "pmlab __child: bad argument %s %s\n", k, v);
            return 64;
        }
    }
    const pmlab_experiment *e = expname ? reg_experiment(expname) : NULL;
    if (!e || !result) {
        fprintf(stderr, "pmlab __child: missing --experiment/--result\n");
        return 64;
    }
    cfg.experiment = e->name;
    for (const pmlab_param *p = e->params; p && p->name; p++) {
        const char *val = p->def;
        size_t nl = strlen(p->name);
        for (size_t i = 0; i < given.n; i++)
            if (!strncmp(given.v[i], p->name, nl) && given.v[i][nl] == '=')
                val = given.v[i] + nl + 1;
        sv_push(&pnames, p->name);
        sv_push(&pvals, val);
    }
    cfg.nparams = pnames.n;
    cfg.param_names = (const char *const *)pnames.v;
    cfg.param_values = (const char *const *)pvals.v;
    cfg.online_cpus = online_cpus();
    /* oversubscribed: more workers than the CPUs this process may run on (the parent's PUs) */
    cpu_set_t set;
    unsigned allowed = sched_getaffinity(0, sizeof set, &set) == 0 ? (unsigned)CPU_COUNT(&set) : 0;
    cfg.oversubscribed = cfg.threads > (allowed ? allowed : cfg.online_cpus);

    FILE *out = fopen(result, "w");
    if (!out) {
        fprintf(stderr, "pmlab __child: cannot write %s: %s\n", result, strerror(errno));
        return 65;
    }

    char detail[512];
    const char *active = alloc_detect(detail, sizeof detail);
    if (strcmp(active, cfg.alloc) != 0) {
        fprintf(out, "status=alloc-mismatch\n");
        fprintf(out, "alloc_detail=wanted %s, active %s (%s)\n", cfg.alloc, active, detail);
        fclose(out);
        sv_free(&pnames);
        sv_free(&pvals);
        sv_free(&given);
        return 0;
    }

    pmlab_ctx *ctx = xcalloc(1, sizeof *ctx);
    ctx->cfg = &cfg;
    ctx->exp = e;
    pthread_mutex_init(&ctx->mu, NULL);
    for (int k = 0; k < PMLAB_LAT__COUNT; k++)
        ctx->hists[k] = xcalloc(MAX_HIST_THREADS, sizeof *ctx->hists[k]);
    for (const pmlab_column *c = e->columns; c && c->name; c++)
        ctx->ncols++;
    ctx->colvals = xcalloc(ctx->ncols + 1, sizeof *ctx->colvals);
    ctx->series_path = series;
    if (allowed)
        for (int c = 0; c < CPU_SETSIZE && ctx->ncpus < 1024; c++)
            if (CPU_ISSET(c, &set))
                ctx->cpus[ctx->ncpus++] = c;
    if (cpus && *cpus) {
        strvec cv = {0};
        sv_split(&cv, cpus, ',');
        ctx->plan = xcalloc(cv.n ? cv.n : 1, sizeof *ctx->plan);
        for (size_t i = 0; i < cv.n; i++) {
            uint64_t c;
            if (parse_u64(cv.v[i], &c) && c < CPU_SETSIZE)
                ctx->plan[ctx->nplan++] = (int)c;
        }
        sv_free(&cv);
    }

    int fd_cyc = perf_open(PERF_COUNT_HW_CPU_CYCLES, -1);
    int fd_ins = fd_cyc >= 0 ? perf_open(PERF_COUNT_HW_INSTRUCTIONS, fd_cyc) : -1;
    if (fd_cyc >= 0)
        ioctl(fd_cyc, PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP);

    contention_reset(ctx);
    int rc = e->run(&cfg, ctx);
    struct tsnap main_end;
    tsnap_take(&main_end);

    uint64_t cycles = 0, instr = 0;
    bool have_hw = false;
    if (fd_cyc >= 0) {
        ioctl(fd_cyc, PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP);
        have_hw = read(fd_cyc, &cycles, sizeof cycles) == (ssize_t)sizeof cycles;
        if (fd_ins >= 0 && read(fd_ins, &instr, sizeof instr) != (ssize_t)sizeof instr)
            instr = 0;
        close(fd_cyc);
        if (fd_ins >= 0)
            close(fd_ins);
    }
    if (rc != 0 && !ctx->status)
        ctx->status = xasprintf("error:run returned %d", rc);

    /* merge histograms */
    pmlab_hist *merged[PMLAB_LAT__COUNT];
    for (int k = 0; k < PMLAB_LAT__COUNT; k++) {
        merged[k] = pmlab_hist_new();
        for (unsigned t = 0; t < MAX_HIST_THREADS; t++) {
            pmlab_hist *h = atomic_load(&ctx->hists[k][t]);
            if (h) {
                pmlab_hist_merge(merged[k], h);
                pmlab_hist_free(h);
            }
        }
        free(ctx->hists[k]);
    }

    fprintf(out, "status=%s\n", ctx->status ? ctx->status : "ok");
    if (ctx->ops_set) {
        put_u(out, "ops", ctx->ops);
        put_d(out, "seconds", ctx->seconds);
        if (ctx->seconds > 0)
            put_d(out, "ops_per_sec", (double)ctx->ops / ctx->seconds);
    }
    put_hist(out, "", merged[PMLAB_LAT_OP], true);
    put_hist(out, "query_", merged[PMLAB_LAT_QUERY], false);
    put_hist(out, "update_", merged[PMLAB_LAT_UPDATE], false);
    if (pmlab_hist_count(merged[PMLAB_LAT_MERGE])) {
        put_u(out, "merge_count", pmlab_hist_count(merged[PMLAB_LAT_MERGE]));
        put_u(out, "merge_p99_ns", pmlab_hist_percentile(merged[PMLAB_LAT_MERGE], 99));
        put_u(out, "merge_max_ns", pmlab_hist_max(merged[PMLAB_LAT_MERGE]));
    }
    put_ladder(histp, merged);
    if (pmlab_hist_count(merged[PMLAB_LAT_ALLOC]))
        put_u(out, "alloc_p999_ns", pmlab_hist_percentile(merged[PMLAB_LAT_ALLOC], 99.9));
    if (ctx->counters_set) {
        put_u(out, "retired", ctx->retired);
        put_u(out, "freed", ctx->freed);
        put_u(out, "pending_peak", ctx->pending_peak);
    }
    double secs = ctx->ops_set ? ctx->seconds : 0;
    if (ctx->metric_set[PMLAB_M_QUERY_OPS] && secs > 0)
        put_d(out, "query_ops_per_sec", ctx->metric[PMLAB_M_QUERY_OPS] / secs);
    if (ctx->metric_set[PMLAB_M_CLONES]) {
        put_d(out, "clones", ctx->metric[PMLAB_M_CLONES]);
        if (secs > 0)
            put_d(out, "clone_rate", ctx->metric[PMLAB_M_CLONES] / secs);
    }
    if (ctx->metric_set[PMLAB_M_MAP_BYTES])
        put_d(out, "map_bytes", ctx->metric[PMLAB_M_MAP_BYTES]);
    if (ctx->metric_set[PMLAB_M_WRITER_NS] && ctx->metric[PMLAB_M_WRITER_NS] > 0) {
        double a = ctx->metric_set[PMLAB_M_ALLOC_NS] ? ctx->metric[PMLAB_M_ALLOC_NS]
                                                     : pmlab_hist_sum(merged[PMLAB_LAT_ALLOC]);
        put_d(out, "alloc_stall_share", a / ctx->metric[PMLAB_M_WRITER_NS]);
    }
    if (ctx->metric_set[PMLAB_M_PENDING_BYTES_PEAK])
        put_d(out, "pending_bytes_peak", ctx->metric[PMLAB_M_PENDING_BYTES_PEAK]);
    if (have_hw) {
        put_u(out, "hw_cycles", cycles);
        put_u(out, "hw_instructions", instr);
    }
    contention_put(out, ctx, &cfg, &main_end);
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        put_u(out, "rss_peak_kb", (uint64_t)ru.ru_maxrss);
    size_t i = 0;
    for (const pmlab_column *c = e->columns; c && c->name; c++, i++)
        if (ctx->colvals[i])
            fprintf(out, "x.%s=%s\n", c->name, ctx->colvals[i]);
    fclose(out);

    for (int k = 0; k < PMLAB_LAT__COUNT; k++)
        pmlab_hist_free(merged[k]);
    for (i = 0; i < ctx->ncols; i++)
        free(ctx->colvals[i]);
    free(ctx->colvals);
    if (ctx->series)
        fclose(ctx->series);
    free(ctx->status);
    free(ctx->tacc);
    free(ctx->plan);
    pthread_mutex_destroy(&ctx->mu);
    free(ctx);
    sv_free(&pnames);
    sv_free(&pvals);
    sv_free(&given);
    return 0;
}
