/* TEST-ONLY experiments, backends and key sets, compiled into pmlab-test (never into pmlab). */
#define _GNU_SOURCE
#include "pmlab/experiment.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(long long ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* fake-faults: threads == crash_threads -> SIGSEGV, == hang_threads -> sleeps forever,
 * == exit_threads -> exit(3); otherwise a quick ok row. */
static int faults_run(const pmlab_config *cfg, pmlab_ctx *ctx)
{
    if ((long long)cfg->threads == pmlab_param_int(cfg, "crash_threads")) {
        signal(SIGSEGV, SIG_DFL); /* also under ASan: die by the signal itself */
        raise(SIGSEGV);
    }
    if ((long long)cfg->threads == pmlab_param_int(cfg, "hang_threads"))
        for (;;)
            pause();
    if ((long long)cfg->threads == pmlab_param_int(cfg, "exit_threads"))
        exit(3);
    pmlab_report_ops(ctx, 1000, 0.001);
    pmlab_hist_record(pmlab_latency(ctx, 0, PMLAB_LAT_OP), 100);
    return 0;
}

static const pmlab_param faults_params[] = {
    {"crash_threads", PMLAB_PARAM_INT, "2", "thread count whose child dies by SIGSEGV"},
    {"hang_threads", PMLAB_PARAM_INT, "3", "thread count whose child hangs"},
    {"exit_threads", PMLAB_PARAM_INT, "4", "thread count whose child exits with status 3"},
    {NULL, 0, NULL, NULL}};

static const pmlab_experiment fake_faults = {
    .name = "fake-faults",
    .description = "test: crashes, hangs or exits non-zero on chosen thread counts",
    .axes = PMLAB_AXIS_THREADS,
    .defaults = "--duration-ms 10 --warmup-ms 0 --trials 1",
    .params = faults_params,
    .run = faults_run,
};

/* fake-ok: quick ok rows over every axis; sleep_ms slows each child (for interrupt tests). */
static int ok_run(const pmlab_config *cfg, pmlab_ctx *ctx)
{
    long long ms = pmlab_param_int(cfg, "sleep_ms");
    if (ms > 0)
        sleep_ms(ms);
    double base = 1000.0 * cfg->threads + (double)(cfg->seed % 7);
    pmlab_report_ops(ctx, (uint64_t)base, 0.001);
    for (unsigned t = 0; t < cfg->threads; t++)
        pmlab_hist_record(pmlab_latency(ctx, t, PMLAB_LAT_OP), 100 + t);
    pmlab_set_num(ctx, "answer", 42);
    pmlab_set_str(ctx, "note", "a,b \"quoted\"");
    pmlab_set_str(ctx, "mode_seen", pmlab_param_str(cfg, "mode"));
    pmlab_set_num(ctx, "level_seen", (double)pmlab_param_int(cfg, "level"));
    if (pmlab_param_bool(cfg, "violate"))
        pmlab_invariant_violated(ctx, "pair %d disagrees", 7);
    return 0;
}

static const pmlab_param ok_params[] = {
    {"sleep_ms", PMLAB_PARAM_INT, "0", "sleep before reporting"},
    {"violate", PMLAB_PARAM_BOOL, "off", "report an invariant violation"},
    {"label", PMLAB_PARAM_STR, "x", "free text"},
    {"mode", PMLAB_PARAM_STR_LIST, "a", "swept: one configuration per name"},
    {"level", PMLAB_PARAM_INT_LIST, "1", "swept: one configuration per integer"},
    {"contended_trials", PMLAB_PARAM_STR, "-",
     "trial numbers (comma list) whose cpu_share is forced to 0.1; the others get 1 (- none)"},
    {"slow_probe_trials", PMLAB_PARAM_STR, "-",
     "trial numbers (comma list) whose host probe_ratio is forced to 2; the others get 1"},
    {NULL, 0, NULL, NULL}};

static const pmlab_column ok_cols[] = {{"answer", PMLAB_COL_NUM, "always 42"},
                                       {"note", PMLAB_COL_STR, "a string with CSV specials"},
                                       {"mode_seen", PMLAB_COL_STR, "the child's value of mode"},
                                       {"level_seen", PMLAB_COL_NUM, "the child's value of level"},
                                       {NULL, 0, NULL}};

static const pmlab_experiment fake_ok = {
    .name = "fake-ok",
    .description = "test: fast ok rows on every axis",
    .axes = PMLAB_AXIS_BACKENDS | PMLAB_AXIS_THREADS | PMLAB_AXIS_ALLOCS | PMLAB_AXIS_KEYS |
            PMLAB_AXIS_SIZE | PMLAB_AXIS_UPDATE,
    .defaults = "--keys fake-keys --duration-ms 10 --warmup-ms 0 --trials 2 --size 1000",
    .params = ok_params,
    .columns = ok_cols,
    .run = ok_run,
};

/* fake-metrics: reports whatever metric values it is told to, to provoke each alert. */
static int metrics_run(const pmlab_config *cfg, pmlab_ctx *ctx)
{
    pmlab_report_ops(ctx, 100, 1.0);
    long long q = pmlab_param_int(cfg, "query_ns");
    if (q > 0)
        for (int i = 0; i < 100; i++)
            pmlab_hist_record(pmlab_latency(ctx, (unsigned)i % cfg->threads, PMLAB_LAT_QUERY),
                              (uint64_t)q);
    pmlab_report_metric(ctx, PMLAB_M_QUERY_OPS, 100);
    pmlab_report_metric(ctx, PMLAB_M_CLONES, pmlab_param_double(cfg, "clones"));
    long long m = pmlab_param_int(cfg, "merge_ns");
    if (m > 0)
        pmlab_hist_record(pmlab_latency(ctx, 0, PMLAB_LAT_MERGE), (uint64_t)m);
    double share = pmlab_param_double(cfg, "alloc_share");
    pmlab_report_metric(ctx, PMLAB_M_WRITER_NS, 1e9);
    pmlab_report_metric(ctx, PMLAB_M_ALLOC_NS, share * 1e9);
    pmlab_report_metric(ctx, PMLAB_M_PENDING_BYTES_PEAK, pmlab_param_double(cfg, "pending_bytes"));
    pmlab_report_counters(ctx, 10, 10, (uint64_t)pmlab_param_int(cfg, "pending_nodes"));
    return 0;
}

static const pmlab_param metrics_params[] = {
    {"query_ns", PMLAB_PARAM_INT, "1000", "query latency recorded (ns)"},
    {"clones", PMLAB_PARAM_DOUBLE, "10", "clones in the 1 s measured"},
    {"merge_ns", PMLAB_PARAM_INT, "1000", "one merge latency (ns)"},
    {"alloc_share", PMLAB_PARAM_DOUBLE, "0.01", "share of writer time in allocation calls"},
    {"pending_bytes", PMLAB_PARAM_DOUBLE, "1000", "peak pending retired bytes"},
    {"pending_nodes", PMLAB_PARAM_INT, "10", "peak pending retired nodes"},
    {NULL, 0, NULL, NULL}};

static const pmlab_experiment fake_metrics = {
    .name = "fake-metrics",
    .description = "test: reports the metric values it is given (alert tests)",
    .axes = PMLAB_AXIS_THREADS | PMLAB_AXIS_ALLOCS,
    .defaults = "--duration-ms 10 --warmup-ms 0 --trials 1",
    .params = metrics_params,
    .run = metrics_run,
};

/* TEST-ONLY hook of harness/src/child.c (a weak symbol there, undefined in pmlab): forces the
 * cpu_share of the trials named by fake-ok's contended_trials, so that re-runs of contended
 * trials can be tested whatever the machine's load (every other trial of a fake experiment gets
 * 1: their rows are never contended). -1 (the selftest): no override, measured. */
double pmlab_test_only_cpu_share(const pmlab_config *cfg);
double pmlab_test_only_cpu_share(const pmlab_config *cfg)
{
    if (strncmp(cfg->experiment, "fake-", 5) != 0 || !strcmp(cfg->experiment, "fake-helper"))
        return -1; /* the built-in selftest and fake-helper: measured */
    const char *list = pmlab_param_str(cfg, "contended_trials");
    if (!list || !strcmp(list, "-"))
        return 1.0;
    char *copy = strdup(list), *save = NULL;
    bool hit = false;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        hit |= (unsigned)atoi(t) == cfg->trial;
    free(copy);
    return hit ? 0.1 : 1.0;
}

/* TEST-ONLY hook of harness/src/sweep.c (weak there): forces the host probe's ratio of a fake
 * experiment's trials, 2 for the trials named by fake-ok's slow_probe_trials and 1 for every
 * other (so that no fake row is flagged by the machine's load); -1 (selftest, fake-helper):
 * measured. */
double pmlab_test_only_probe_ratio(const char *experiment, const char *params, unsigned trial);
double pmlab_test_only_probe_ratio(const char *experiment, const char *params, unsigned trial)
{
    if (strncmp(experiment, "fake-", 5) != 0 || !strcmp(experiment, "fake-helper"))
        return -1;
    const char *p = params ? strstr(params, "slow_probe_trials=") : NULL;
    if (!p)
        return 1.0;
    p += strlen("slow_probe_trials=");
    size_t n = strcspn(p, ";");
    char *copy = strndup(p, n), *save = NULL;
    bool hit = false;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        hit |= strcmp(t, "-") != 0 && (unsigned)atoi(t) == trial;
    free(copy);
    return hit ? 2.0 : 1.0;
}

/* fake-helper: each worker starts a thread of its own that is not a worker (as liburcu's
 * call_rcu thread is not) and spins beside it on the worker's CPU (the thread inherits the
 * worker's pinning) until the stop flag: the row's workers lose about half their time to the
 * process's own thread, which helper_cpu must credit (not contended). */
typedef struct {
    pmlab_ctx *ctx;
    _Atomic unsigned long long ops;
} helper_state;

static void *helper_spin(void *p)
{
    helper_state *s = p;
    volatile unsigned long long x = 0;
    while (!pmlab_stop(s->ctx))
        x++;
    return NULL;
}

static void helper_worker(void *arg, unsigned idx)
{
    (void)idx;
    helper_state *s = arg;
    /* stay on the CPU this worker runs on, and so does the thread it starts (inherited) */
    int cpu = sched_getcpu();
    if (cpu >= 0) {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        pthread_setaffinity_np(pthread_self(), sizeof one, &one);
    }
    pthread_t th;
    bool spun = pthread_create(&th, NULL, helper_spin, s) == 0;
    unsigned long long n = 0;
    while (!pmlab_stop(s->ctx))
        n++;
    if (spun)
        pthread_join(th, NULL);
    atomic_fetch_add(&s->ops, n);
}

static int helper_run(const pmlab_config *cfg, pmlab_ctx *ctx)
{
    helper_state s = {ctx, 0};
    double secs = 0;
    pmlab_run_timed(ctx, cfg->threads, helper_worker, &s, cfg->duration_ms, &secs);
    pmlab_report_ops(ctx, atomic_load(&s.ops), secs);
    return 0;
}

static const pmlab_experiment fake_helper = {
    .name = "fake-helper",
    .description = "test: each worker shares its CPU with a spinning thread that is no worker",
    .axes = PMLAB_AXIS_THREADS,
    .defaults = "--threads 1 --duration-ms 300 --warmup-ms 0 --trials 2",
    .run = helper_run,
};

/* fake-min2: needs at least two threads (the harness refuses --threads 1 before any work). */
static const pmlab_experiment fake_min2 = {
    .name = "fake-min2",
    .description = "test: declares min_threads 2",
    .axes = PMLAB_AXIS_THREADS,
    .defaults = "--threads 2 --duration-ms 10 --warmup-ms 0 --trials 1",
    .run = faults_run,
    .min_threads = 2,
};

/* fake-keys holds 5000 keys */
static int keys_count(const char *spec, uint64_t limit, uint64_t *count, char *err, size_t n)
{
    (void)spec;
    (void)limit;
    (void)err;
    (void)n;
    *count = 5000;
    return 0;
}

/* file:PATH in pmlab-test: the non-empty lines (the real counter is experiments/common/keys.c) */
static int file_count(const char *spec, uint64_t limit, uint64_t *count, char *err, size_t n)
{
    FILE *f = fopen(spec + 5, "r");
    if (!f) {
        snprintf(err, n, "cannot read %s", spec + 5);
        return 1;
    }
    char line[4096];
    *count = 0;
    while (*count < limit && fgets(line, sizeof line, f))
        *count += line[0] != '\n';
    fclose(f);
    return 0;
}

static int keys_validate(const char *spec, char *err, size_t n)
{
    (void)spec;
    (void)err;
    (void)n;
    return 0;
}

static int broken_validate(const char *spec, char *err, size_t n)
{
    (void)spec;
    strncpy(err, "its source is missing", n - 1);
    err[n - 1] = 0;
    return 1;
}

static const pmlab_suite_run fake_suite_runs[] = {
    {"fake-ok", "--threads 1,2 --trials 1", PMLAB_SUITE_QUICK | PMLAB_SUITE_DEFAULT, "ok"},
    {"fake-metrics", "--threads 1", PMLAB_SUITE_DEFAULT | PMLAB_SUITE_FULL, "metrics"},
    {NULL, NULL, 0, NULL}};

static void fake_suite_report(const char *dir, const char *const *run_dirs, FILE *md)
{
    (void)dir;
    fprintf(md, "## Claims (fake)\n\nrun 1 folder: %s\n", run_dirs[0] ? run_dirs[0] : "-");
}

static const pmlab_suite fake_suite = {
    .name = "fake-suite",
    .description = "test suite",
    .runs = fake_suite_runs,
    .report = fake_suite_report,
};

void pmlab_register_fakes(pmlab_registry *r);
void pmlab_register_fakes(pmlab_registry *r)
{
    pmlab_register_backend(r, "fake-a", "test backend a");
    pmlab_register_backend(r, "fake-b", "test backend b");
    pmlab_register_backend(r, "fake-c", "test backend c");
    pmlab_register_keyset_ex(r, "fake-keys", "test key set (5000 keys)", keys_validate, keys_count);
    pmlab_register_keyset_ex(r, "file", "test counter of file: key sets", NULL, file_count);
    pmlab_register_keyset(r, "fake-broken", "test key set whose validator fails", broken_validate);
    pmlab_register_experiment(r, &fake_faults);
    pmlab_register_experiment(r, &fake_ok);
    pmlab_register_experiment(r, &fake_metrics);
    pmlab_register_experiment(r, &fake_min2);
    pmlab_register_experiment(r, &fake_helper);
    pmlab_register_suite(r, &fake_suite);
}
