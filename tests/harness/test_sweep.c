/* Sweep tests: crash/hang/exit isolation, shards + merge, interrupt + resume, allocator check,
 * compare/report/reproduce, interleaved trials, --max-trials re-runs, resume with more trials,
 * the checks before any work (issue 12 item 9), the documented columns. No test asserts a
 * timing. */
#include "harness_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

/* sorted "config_id#trial" keys of a results.csv, joined by '\n' */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *row_keys(const char *csv, int *nrows)
{
    int n = tu_count_lines(csv) - 1;
    char **k = calloc((size_t)(n > 0 ? n : 1), sizeof *k);
    for (int r = 0; r < n; r++) {
        char id[64];
        snprintf(id, sizeof id, "%s", tu_csv_cell(csv, r, "config_id"));
        const char *t = tu_csv_cell(csv, r, "trial");
        size_t len = strlen(id) + strlen(t) + 2;
        k[r] = malloc(len);
        snprintf(k[r], len, "%s#%s", id, t);
    }
    qsort(k, (size_t)(n > 0 ? n : 0), sizeof *k, cmp_str);
    size_t total = 1;
    for (int r = 0; r < n; r++)
        total += strlen(k[r]) + 1;
    char *s = calloc(total, 1);
    for (int r = 0; r < n; r++) {
        strcat(s, k[r]);
        strcat(s, "\n");
        free(k[r]);
    }
    free(k);
    *nrows = n;
    return s;
}

static bool has_duplicates(const char *sorted_keys)
{
    const char *p = sorted_keys, *prev = NULL;
    size_t prevlen = 0;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t len = (size_t)(e - p);
        if (prev && len == prevlen && !strncmp(prev, p, len))
            return true;
        prev = p;
        prevlen = len;
        p = e + 1;
    }
    return false;
}

static void test_crash_hang_exit(void **state)
{
    (void)state;
    const char *d = tu_path("faults");
    const char *a[] = {"run",  "fake-faults", "--threads", "1,2,3,4,5", "--timeout-ms",
                       "1500", "--out",       d,           NULL};
    assert_int_equal(tu_run(a), 1); /* some rows failed */
    char csv[600];
    snprintf(csv, sizeof csv, "%s/results.csv", d);
    assert_int_equal(tu_count_lines(csv), 6);
    static const char *const want[] = {"ok", "crashed:SIGSEGV", "timeout", "exit:3", "ok"};
    for (int r = 0; r < 5; r++) {
        char th[8];
        snprintf(th, sizeof th, "%d", r + 1);
        assert_string_equal(tu_csv_cell(csv, r, "threads"), th);
        assert_string_equal(tu_csv_cell(csv, r, "status"), want[r]);
    }
    /* the summary on stdout names the failures; report.md lists them */
    assert_true(tu_contains(tu_path("stdout.txt"), "crashed:SIGSEGV"));
    char md[600];
    snprintf(md, sizeof md, "%s/report.md", d);
    assert_true(tu_contains(md, "timeout"));
}

static void test_shards_merge(void **state)
{
    (void)state;
    const char *common[] = {"run",       "fake-ok", "--backends", "fake-a,fake-b,fake-c",
                            "--threads", "1,2",     "--quiet"};
    const char *full[16], *s1[16], *s2[16], *s3[16];
    size_t n = 0;
    for (; n < 7; n++)
        full[n] = s1[n] = s2[n] = s3[n] = common[n];
    full[n] = "--out", full[n + 1] = tu_path("unsharded"), full[n + 2] = NULL;
    s1[n] = "--shard", s1[n + 1] = "1/2", s1[n + 2] = "--out", s1[n + 3] = tu_path("shard1"),
    s1[n + 4] = NULL;
    s2[n] = "--shard", s2[n + 1] = "2/2", s2[n + 2] = "--out", s2[n + 3] = tu_path("shard2"),
    s2[n + 4] = NULL;
    s3[n] = "--shard", s3[n + 1] = "2/2", s3[n + 2] = "--param", s3[n + 3] = "label=other",
    s3[n + 4] = "--out", s3[n + 5] = tu_path("shard2-other"), s3[n + 6] = NULL;
    assert_int_equal(tu_run(full), 0);
    assert_int_equal(tu_run(s1), 0);
    assert_int_equal(tu_run(s2), 0);
    assert_int_equal(tu_run(s3), 0);
    const char *m[] = {"merge", tu_path("merged"), tu_path("shard1"), tu_path("shard2"), NULL};
    assert_int_equal(tu_run(m), 0);
    char p[600];
    int nu, n1, n2, nm;
    snprintf(p, sizeof p, "%s/results.csv", tu_path("unsharded"));
    char *ku = row_keys(p, &nu);
    snprintf(p, sizeof p, "%s/results.csv", tu_path("shard1"));
    free(row_keys(p, &n1));
    snprintf(p, sizeof p, "%s/results.csv", tu_path("shard2"));
    free(row_keys(p, &n2));
    snprintf(p, sizeof p, "%s/results.csv", tu_path("merged"));
    char *km = row_keys(p, &nm);
    assert_int_equal(nu, 12); /* 3 backends x 2 thread counts x 2 trials */
    assert_true(n1 > 0 && n2 > 0);
    assert_int_equal(n1 + n2, nu);
    assert_string_equal(ku, km);
    free(ku);
    free(km);
    snprintf(p, sizeof p, "%s/alerts.json", tu_path("merged"));
    assert_true(tu_exists(p));
    /* folders of another parameter set are refused */
    const char *bad[] = {"merge", tu_path("merged-bad"), tu_path("shard1"), tu_path("shard2-other"),
                         NULL};
    assert_int_equal(tu_run(bad), 2);
    assert_true(tu_contains(tu_path("stderr.txt"), "shard2-other"));
    assert_false(tu_exists(tu_path("merged-bad")));

    /* compare a run with itself: ratios 1, nothing flagged, exit 0 even with --fail-above */
    const char *c[] = {"compare", tu_path("unsharded"), tu_path("merged"), "--fail-above", "5",
                       NULL};
    assert_int_equal(tu_run(c), 0);
    assert_true(tu_contains(tu_path("stdout.txt"), "0 changed"));
    /* report re-renders */
    snprintf(p, sizeof p, "%s/report.md", tu_path("merged"));
    unlink(p);
    const char *r[] = {"report", tu_path("merged"), NULL};
    assert_int_equal(tu_run(r), 0);
    assert_true(tu_exists(p));
}

static void test_interrupt_resume(void **state)
{
    (void)state;
    const char *d = tu_path("interrupted");
    char csv[600];
    snprintf(csv, sizeof csv, "%s/results.csv", d);
    const char *a[] = {"run",     "fake-ok",     "--backends", "fake-a", "--threads", "1,2,3,4,5,6",
                       "--param", "sleep_ms=60", "--out",      d,        NULL};
    pid_t pid = tu_spawn(g_tmp, NULL, a);
    /* wait for at least 3 finished rows (header + 3 lines), then SIGINT */
    for (int i = 0; i < 6000 && tu_count_lines(csv) < 4; i++) {
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGINT);
    assert_int_equal(tu_wait(pid), 130);
    int before = tu_count_lines(csv) - 1;
    assert_true(before >= 3);
    assert_true(before < 12);
    char *t = tu_slurp(csv);
    assert_true(t[strlen(t) - 1] == '\n'); /* no partial row */
    free(t);
    char meta[600];
    snprintf(meta, sizeof meta, "%s/meta.json", d);
    assert_true(tu_contains(meta, "\"interrupted\": true"));
    assert_true(tu_contains(tu_path("stderr.txt"), "--resume"));

    const char *b[] = {"run",     "fake-ok",     "--backends", "fake-a", "--threads", "1,2,3,4,5,6",
                       "--param", "sleep_ms=60", "--resume",   d,        "--quiet",   NULL};
    assert_int_equal(tu_run(b), 0);
    int n;
    char *keys = row_keys(csv, &n);
    assert_int_equal(n, 12);
    assert_false(has_duplicates(keys));
    free(keys);
    /* resuming a complete sweep runs nothing and keeps every row */
    assert_int_equal(tu_run(b), 0);
    assert_int_equal(tu_count_lines(csv) - 1, 12);
    /* resuming with other parameters is refused */
    const char *c[] = {"run",      "fake-ok", "--backends", "fake-a", "--param", "sleep_ms=1",
                       "--resume", d,         NULL};
    assert_int_equal(tu_run(c), 2);
}

static void test_alloc_check(void **state)
{
    (void)state;
    static char env[700];
    snprintf(env, sizeof env, "PMLAB_LIB_JEMALLOC=%s", g_notalloc);
    const char *d = tu_path("alloc-mismatch");
    const char *a[] = {"run",      "fake-ok", "--backends", "fake-a", "--allocs", "jemalloc",
                       "--trials", "1",       "--quiet",    "--out",  d,          NULL};
    assert_int_equal(tu_run_env(env, a), 1);
    char csv[600];
    snprintf(csv, sizeof csv, "%s/results.csv", d);
    assert_string_equal(tu_csv_cell(csv, 0, "status"), "alloc-mismatch");
    assert_string_equal(tu_csv_cell(csv, 0, "alloc"), "jemalloc");
#if !defined(PM_SANITIZE_ADDRESS) && !defined(PM_SANITIZE_THREAD)
    /* the real libraries do take effect (not under ASan/TSan, whose malloc comes first) */
    const char *d2 = tu_path("alloc-real");
    const char *b[] = {"run",      "fake-ok",  "--backends",
                       "fake-a",   "--allocs", "glibc,jemalloc,tcmalloc,mimalloc",
                       "--trials", "1",        "--quiet",
                       "--out",    d2,         NULL};
    assert_int_equal(tu_run(b), 0);
    snprintf(csv, sizeof csv, "%s/results.csv", d2);
    for (int r = 0; r < 4; r++)
        assert_string_equal(tu_csv_cell(csv, r, "status"), "ok");
#endif
}

static void test_statuses_and_columns(void **state)
{
    (void)state;
    const char *d = tu_path("violate");
    const char *a[] = {"run", "fake-ok", "--backends", "fake-a",  "--threads", "3", "--trials",
                       "1",   "--param", "violate=on", "--quiet", "--out",     d,   NULL};
    assert_int_equal(tu_run(a), 1);
    char csv[600];
    snprintf(csv, sizeof csv, "%s/results.csv", d);
    assert_string_equal(tu_csv_cell(csv, 0, "status"), "invariant-violated:pair 7 disagrees");
    assert_string_equal(tu_csv_cell(csv, 0, "oversubscribed"),
                        sysconf(_SC_NPROCESSORS_ONLN) < 3 ? "1" : "0");
    assert_string_equal(tu_csv_cell(csv, 0, "answer"), "42");
    assert_true(tu_contains(csv, "\"a,b \"\"quoted\"\"\""));
    assert_string_equal(tu_csv_cell(csv, 0, "experiment"), "fake-ok");
    assert_string_equal(tu_csv_cell(csv, 0, "keys"), "fake-keys");
}

/* A list parameter is swept like an axis: one configuration (own config_id) per value, crossed
 * with the other lists, and each child sees its own value; a malformed list is bad input. */
static void test_list_params(void **state)
{
    (void)state;
    const char *d = tu_path("lists");
    const char *a[] = {
        "run",     "fake-ok",    "--backends", "fake-a",    "--threads", "1",     "--trials", "1",
        "--param", "mode=x,y,z", "--param",    "level=1,2", "--quiet",   "--out", d,          NULL};
    assert_int_equal(tu_run(a), 0);
    char csv[600];
    snprintf(csv, sizeof csv, "%s/results.csv", d);
    int n = 0;
    char *keys = row_keys(csv, &n);
    assert_int_equal(n, 6);
    assert_false(has_duplicates(keys));
    free(keys);
    int seen[3][2] = {{0}};
    for (int r = 0; r < n; r++) {
        char m[16]; /* tu_csv_cell returns a buffer the next call reuses */
        snprintf(m, sizeof m, "%s", tu_csv_cell(csv, r, "mode_seen"));
        int l = atoi(tu_csv_cell(csv, r, "level_seen"));
        assert_true(strlen(m) == 1 && m[0] >= 'x' && m[0] <= 'z' && (l == 1 || l == 2));
        char want[64];
        snprintf(want, sizeof want, "mode=%s", m);
        assert_non_null(strstr(tu_csv_cell(csv, r, "params"), want));
        seen[m[0] - 'x'][l - 1]++;
    }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 2; j++)
            assert_int_equal(seen[i][j], 1);

    const char *bad1 = tu_path("lists-bad1");
    const char *b1[] = {"run",       "fake-ok", "--backends", "fake-a", "--param",
                        "mode=x,,y", "--quiet", "--out",      bad1,     NULL};
    assert_int_equal(tu_run(b1), 2);
    assert_false(tu_exists(bad1));
    const char *bad2 = tu_path("lists-bad2");
    const char *b2[] = {"run",       "fake-ok", "--backends", "fake-a", "--param",
                        "level=1,x", "--quiet", "--out",      bad2,     NULL};
    assert_int_equal(tu_run(b2), 2);
    assert_false(tu_exists(bad2));
}

static void test_reproduce(void **state)
{
    (void)state;
    const char *d = tu_path("repro");
    const char *a[] = {"reproduce", "--quick", "--quiet", "--out", d, NULL};
    assert_int_equal(tu_run(a), 0);
    char p[600];
    snprintf(p, sizeof p, "%s/report.md", d);
    assert_true(tu_contains(p, "Claims (fake)"));
    snprintf(p, sizeof p, "%s/01-fake-ok/results.csv", d);
    assert_int_equal(tu_count_lines(p), 7); /* 3 backends x 2 threads x 1 trial + header */
    snprintf(p, sizeof p, "%s/02-fake-metrics", d);
    assert_false(tu_exists(p)); /* not in --quick */
}

static void test_builtin_selftest(void **state)
{
    (void)state;
    const char *d = tu_path("selftest");
    const char *a[] = {"run",         "selftest", "--threads", "1", "--duration-ms", "20",
                       "--warmup-ms", "5",        "--trials",  "1", "--out",         d,
                       NULL};
    assert_int_equal(tu_run(a), 0);
    char p[600];
    snprintf(p, sizeof p, "%s/results.csv", d);
    assert_string_equal(tu_csv_cell(p, 0, "status"), "ok");
    assert_string_equal(tu_csv_cell(p, 0, "mode"), "pinned");
    snprintf(p, sizeof p, "%s/meta.json", d);
    assert_true(tu_contains(p, "\"hw_counters\""));
    assert_true(tu_contains(p, "\"git_sha\""));
    assert_true(tu_contains(tu_path("stdout.txt"), "median ops/s"));
}

static const char *g_real_pmlab; /* the pmlab program with the real experiments (argv[3]) */
static const char *g_srcdir;     /* the source tree (argv[4]) */

/* Trials are interleaved: every configuration's trial 0, then every configuration's trial 1 */
static void test_interleaved_order(void **state)
{
    (void)state;
    const char *d = tu_path("interleaved");
    const char *a[] = {"run",      "fake-ok", "--backends", "fake-a,fake-b", "--threads", "1,2",
                       "--trials", "3",       "--quiet",    "--out",         d,           NULL};
    assert_int_equal(tu_run(a), 0);
    char csv[600];
    snprintf(csv, sizeof csv, "%s/results.csv", d);
    assert_int_equal(tu_count_lines(csv), 1 + 12);
    char first[4][32];
    for (int r = 0; r < 12; r++) {
        char want[8];
        snprintf(want, sizeof want, "%d", r / 4);
        assert_string_equal(tu_csv_cell(csv, r, "trial"), want);
        char id[32];
        snprintf(id, sizeof id, "%s", tu_csv_cell(csv, r, "config_id"));
        if (r < 4)
            snprintf(first[r], sizeof first[r], "%s", id);
        else
            assert_string_equal(id, first[r % 4]); /* same configuration order every round */
    }
    for (int i = 0; i < 4; i++)
        for (int j = i + 1; j < 4; j++)
            assert_string_not_equal(first[i], first[j]);
}

/* --configs: a resumed sweep adds trials to the listed configurations only (the adaptive reruns of
 * pmlab reproduce); an id that is no configuration of the sweep is refused before any work */
static void test_configs_subset(void **state)
{
    (void)state;
    char csv[600];
    const char *d = tu_path("configs");
    const char *a[] = {"run",      "fake-ok", "--backends", "fake-a", "--threads", "1,2",
                       "--trials", "1",       "--quiet",    "--out",  d,           NULL};
    assert_int_equal(tu_run(a), 0);
    snprintf(csv, sizeof csv, "%s/results.csv", d);
    assert_int_equal(tu_count_lines(csv), 1 + 2);
    char id[32];
    snprintf(id, sizeof id, "%s", tu_csv_cell(csv, 1, "config_id")); /* the 2-thread one */
    const char *b[] = {"run", "fake-ok",   "--backends", "fake-a",  "--threads", "1,2", "--trials",
                       "3",   "--configs", id,           "--quiet", "--resume",  d,     NULL};
    assert_int_equal(tu_run(b), 0);
    assert_int_equal(tu_count_lines(csv), 1 + 4); /* two more trials of that one only */
    for (int r = 2; r < 4; r++)
        assert_string_equal(tu_csv_cell(csv, r, "config_id"), id);
    const char *c[] = {
        "run", "fake-ok",   "--backends",       "fake-a",  "--threads", "1,2", "--trials",
        "3",   "--configs", "0123456789abcdef", "--quiet", "--resume",  d,     NULL};
    assert_int_equal(tu_run(c), 2);
    assert_int_equal(tu_count_lines(csv), 1 + 4);
}

/* The host probe: a trial whose probe ran slow (forced to 2x by pmlab-test's hook) is flagged
 * contended and re-run like one that lost CPU time; every row carries the probe's columns */
static void test_host_probe_flags(void **state)
{
    (void)state;
    char csv[600];
    const char *d = tu_path("probe");
    const char *a[] = {"run",      "fake-ok",   "--backends",
                       "fake-a",   "--threads", "1",
                       "--trials", "2",         "--max-trials",
                       "4",        "--param",   "slow_probe_trials=1",
                       "--quiet",  "--out",     d,
                       NULL};
    assert_int_equal(tu_run(a), 0);
    snprintf(csv, sizeof csv, "%s/results.csv", d);
    assert_int_equal(tu_count_lines(csv), 1 + 3); /* trial 1 flagged, trial 2 replaces it */
    static const char *const want[] = {"0", "1", "0"}, *const ratio[] = {"1.000", "2.000", "1.000"};
    for (int r = 0; r < 3; r++) {
        assert_string_equal(tu_csv_cell(csv, r, "contended"), want[r]);
        assert_string_equal(tu_csv_cell(csv, r, "cpu_share"), "1.0000"); /* not the CPU share */
        assert_string_equal(tu_csv_cell(csv, r, "probe_ratio"), ratio[r]);
        assert_true(atof(tu_csv_cell(csv, r, "probe_ns")) > 0); /* measured */
    }
}

/* A contended trial is re-run as a new trial number until --trials clean ones exist or
 * --max-trials ran (the contention is forced by pmlab-test's test-only hook) */
static void test_max_trials(void **state)
{
    (void)state;
    char csv[600];
    const char *d = tu_path("maxtrials");
    const char *a[] = {"run",      "fake-ok",   "--backends",
                       "fake-a",   "--threads", "1",
                       "--trials", "2",         "--max-trials",
                       "5",        "--param",   "contended_trials=0,1",
                       "--quiet",  "--out",     d,
                       NULL};
    assert_int_equal(tu_run(a), 0);
    snprintf(csv, sizeof csv, "%s/results.csv", d);
    assert_int_equal(tu_count_lines(csv), 1 + 4);
    static const char *const want[] = {"1", "1", "0", "0"};
    for (int r = 0; r < 4; r++) {
        char t[8];
        snprintf(t, sizeof t, "%d", r);
        assert_string_equal(tu_csv_cell(csv, r, "trial"), t);
        assert_string_equal(tu_csv_cell(csv, r, "contended"), want[r]);
        assert_string_equal(tu_csv_cell(csv, r, "cpu_share"), r < 2 ? "0.1000" : "1.0000");
    }
    /* every trial contended: stops at --max-trials */
    const char *d2 = tu_path("maxtrials-cap");
    const char *b[] = {
        "run",          "fake-ok", "--backends", "fake-a",
        "--threads",    "1",       "--trials",   "2",
        "--max-trials", "3",       "--param",    "contended_trials=0,1,2,3,4,5,6,7,8,9",
        "--quiet",      "--out",   d2,           NULL};
    assert_int_equal(tu_run(b), 0);
    snprintf(csv, sizeof csv, "%s/results.csv", d2);
    assert_int_equal(tu_count_lines(csv), 1 + 3);
    for (int r = 0; r < 3; r++)
        assert_string_equal(tu_csv_cell(csv, r, "contended"), "1");
    /* resuming with a higher --max-trials continues the re-runs */
    const char *c[] = {
        "run",          "fake-ok",  "--backends", "fake-a",
        "--threads",    "1",        "--trials",   "2",
        "--max-trials", "4",        "--param",    "contended_trials=0,1,2,3,4,5,6,7,8,9",
        "--quiet",      "--resume", d2,           NULL};
    assert_int_equal(tu_run(c), 0);
    assert_int_equal(tu_count_lines(csv), 1 + 4);
    assert_string_equal(tu_csv_cell(csv, 3, "trial"), "3");
    /* an oversubscribed row is never contended: its threads compete with each other */
    char over[32];
    snprintf(over, sizeof over, "%ld", sysconf(_SC_NPROCESSORS_ONLN) + 1);
    const char *d4 = tu_path("maxtrials-over");
    const char *o[] = {"run",     "fake-ok",  "--backends", "fake-a",  "--threads",
                       over,      "--trials", "1",          "--param", "contended_trials=0",
                       "--quiet", "--out",    d4,           NULL};
    assert_int_equal(tu_run(o), 0);
    snprintf(csv, sizeof csv, "%s/results.csv", d4);
    assert_string_equal(tu_csv_cell(csv, 0, "oversubscribed"), "1");
    assert_string_equal(tu_csv_cell(csv, 0, "cpu_share"), "0.1000");
    assert_string_equal(tu_csv_cell(csv, 0, "contended"), "0");
    /* --max-trials below --trials is bad input */
    const char *d3 = tu_path("maxtrials-bad");
    const char *e[] = {"run", "fake-ok", "--trials", "3", "--max-trials", "2", "--out", d3, NULL};
    assert_int_equal(tu_run(e), 2);
    assert_false(tu_exists(d3));
    assert_true(tu_contains(tu_path("stderr.txt"), "max-trials"));
}

/* --resume with a larger --trials appends the missing trials (the trial count is not part of the
 * recorded signature) */
static void test_resume_more_trials(void **state)
{
    (void)state;
    const char *d = tu_path("moretrials");
    char csv[600];
    snprintf(csv, sizeof csv, "%s/results.csv", d);
    const char *a[] = {"run",      "fake-ok", "--backends", "fake-a,fake-b", "--threads", "1",
                       "--trials", "1",       "--quiet",    "--out",         d,           NULL};
    assert_int_equal(tu_run(a), 0);
    assert_int_equal(tu_count_lines(csv), 1 + 2);
    const char *b[] = {"run",      "fake-ok", "--backends", "fake-a,fake-b", "--threads", "1",
                       "--trials", "3",       "--quiet",    "--resume",      d,           NULL};
    assert_int_equal(tu_run(b), 0);
    int n;
    char *keys = row_keys(csv, &n);
    assert_int_equal(n, 6);
    assert_false(has_duplicates(keys));
    free(keys);
    /* the appended rows are interleaved trials 1, 2 */
    assert_string_equal(tu_csv_cell(csv, 2, "trial"), "1");
    assert_string_equal(tu_csv_cell(csv, 3, "trial"), "1");
    assert_string_equal(tu_csv_cell(csv, 4, "trial"), "2");
    char meta[600];
    snprintf(meta, sizeof meta, "%s/meta.json", d);
    assert_true(tu_contains(meta, "\"trials\": 3"));
    assert_true(tu_contains(meta, "\"sysload\": {\"loadavg_start\": ["));
    assert_true(tu_contains(meta, "\"steal_ticks\": "));
    assert_true(tu_contains(meta, "\"max_trials\": 3"));
}

/* exit 2, one line on stderr naming `needle`, and no output folder */
static void expect_refused(const char *pmlab, const char *const *args, const char *dir,
                           const char *needle)
{
    const char *prog = g_pmlab;
    g_pmlab = pmlab;
    int rc = tu_run(args);
    g_pmlab = prog;
    if (rc != 2 || !tu_contains(tu_path("stderr.txt"), needle)) {
        char *err = tu_slurp(tu_path("stderr.txt"));
        fprintf(stderr, "expected exit 2 naming '%s', got %d: %s\n", needle, rc, err ? err : "");
        free(err);
    }
    assert_int_equal(rc, 2);
    assert_true(tu_contains(tu_path("stderr.txt"), needle));
    assert_int_equal(tu_count_lines(tu_path("stderr.txt")), 1);
    assert_false(tu_exists(dir));
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Issue 12 item 9: bad input that can be checked is refused before any work */
static void test_precheck_refusals(void **state)
{
    (void)state;
    char d[600]; /* tu_path's buffers rotate */
    snprintf(d, sizeof d, "%s", tu_path("refused"));
    const char *a[] = {"run", "fake-min2", "--threads", "1,2", "--out", d, NULL};
    expect_refused(g_pmlab, a, d, "needs at least 2 threads");
    const char *b[] = {"run",   "fake-ok", "--backends", "fake-a", "--size", "5001",
                       "--out", d,         NULL};
    expect_refused(g_pmlab, b, d, "5001");
    char empty[600], spec[700], three[600], spec3[700];
    snprintf(empty, sizeof empty, "%s", tu_path("empty-keys.txt"));
    write_file(empty, "\n\n");
    snprintf(spec, sizeof spec, "file:%s", empty);
    const char *c[] = {"run", "fake-ok", "--backends", "fake-a", "--keys", spec, "--out", d, NULL};
    expect_refused(g_pmlab, c, d, "holds no key");
    /* accepted: a size the key set can give */
    const char *ok[] = {"run",     "fake-ok", "--backends",        "fake-a",
                        "--size",  "5000",    "--trials",          "1",
                        "--quiet", "--out",   tu_path("accepted"), NULL};
    assert_int_equal(tu_run(ok), 0);

    /* the real key sets of experiments/common/keys.c, in the real pmlab */
    if (!g_real_pmlab || access(g_real_pmlab, X_OK) != 0)
        return;
    const char *prog = g_pmlab;
    g_pmlab = g_real_pmlab;
    const char *l[] = {"list", NULL};
    int lrc = tu_run(l);
    g_pmlab = prog;
    if (lrc != 0 || !tu_contains(tu_path("stdout.txt"), "  read ")) {
        fprintf(stderr, "note: pmlab has no read experiment: real key-set checks skipped\n");
        return;
    }
    const char *r1[] = {"run", "read", "--keys", spec, "--out", d, NULL};
    expect_refused(g_real_pmlab, r1, d, "holds no key");
    snprintf(three, sizeof three, "%s", tu_path("three-keys.txt"));
    write_file(three, "alpha\nbeta\n\nalpha\ngamma\r\n");
    snprintf(spec3, sizeof spec3, "file:%s", three);
    const char *r2[] = {"run", "read", "--keys", spec3, "--size", "4", "--out", d, NULL};
    expect_refused(g_real_pmlab, r2, d, "holds only 3 distinct keys");
    const char *r3[] = {"run", "read", "--keys", "words", "--size", "100000000", "--out", d, NULL};
    expect_refused(g_real_pmlab, r3, d, "'words' holds only");
}

/* The common columns of results.csv (registry.c common_cols, as the header shows them) are the
 * columns docs/harness.md's table documents */
static void test_columns_documented(void **state)
{
    (void)state;
    if (!g_srcdir)
        skip();
    const char *d = tu_path("columns");
    const char *a[] = {"run", "fake-faults", "--threads", "1", "--quiet", "--out", d, NULL};
    assert_int_equal(tu_run(a), 0);
    char p[600];
    snprintf(p, sizeof p, "%s/results.csv", d);
    char *csv = tu_slurp(p);
    assert_non_null(csv);
    *strchr(csv, '\n') = 0;
    snprintf(p, sizeof p, "%s/docs/harness.md", g_srcdir);
    char *md = tu_slurp(p);
    assert_non_null(md);
    /* the table after "### `results.csv`": first cell's `names` until the "then" row */
    char *t = strstr(md, "### `results.csv`");
    assert_non_null(t);
    char *stop = strstr(t, "| then |");
    assert_non_null(stop);
    *stop = 0;
    char documented[8192] = ",";
    for (char *line = strstr(t, "\n| `"); line; line = strstr(line + 1, "\n| `")) {
        char *cell_end = strchr(line + 3, '|');
        for (char *c = strchr(line, '`'); c && c < cell_end; c = strchr(c + 1, '`')) {
            char *e = strchr(c + 1, '`');
            if (!e || e > cell_end)
                break;
            strncat(documented, c + 1, (size_t)(e - c - 1));
            strcat(documented, ",");
            c = e;
        }
    }
    /* every header column is documented, and every documented one is a header column */
    size_t nh = 0;
    char *save = NULL;
    for (char *col = strtok_r(csv, ",", &save); col; col = strtok_r(NULL, ",", &save), nh++) {
        char pat[128];
        snprintf(pat, sizeof pat, ",%s,", col);
        if (!strstr(documented, pat))
            fprintf(stderr, "column %s is not in docs/harness.md\n", col);
        assert_non_null(strstr(documented, pat));
    }
    size_t nd = 0;
    for (char *c = documented + 1; *c; c++)
        nd += *c == ',';
    if (nd != nh)
        fprintf(stderr, "docs/harness.md documents %zu columns, results.csv has %zu: %s\n", nd, nh,
                documented);
    assert_int_equal(nd, nh);
    free(csv);
    free(md);
}

int main(int argc, char **argv)
{
    tu_setup(argc, argv);
    g_real_pmlab = argc > 3 ? argv[3] : NULL;
    g_srcdir = argc > 4 ? argv[4] : NULL;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crash_hang_exit),      cmocka_unit_test(test_shards_merge),
        cmocka_unit_test(test_interrupt_resume),     cmocka_unit_test(test_alloc_check),
        cmocka_unit_test(test_statuses_and_columns), cmocka_unit_test(test_reproduce),
        cmocka_unit_test(test_builtin_selftest),     cmocka_unit_test(test_list_params),
        cmocka_unit_test(test_interleaved_order),    cmocka_unit_test(test_max_trials),
        cmocka_unit_test(test_host_probe_flags),     cmocka_unit_test(test_configs_subset),
        cmocka_unit_test(test_resume_more_trials),   cmocka_unit_test(test_precheck_refusals),
        cmocka_unit_test(test_columns_documented),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    tu_cleanup();
    return rc;
}
