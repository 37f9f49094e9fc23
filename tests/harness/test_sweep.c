/* Sweep tests: crash/hang/exit isolation, shards + merge, interrupt + resume, allocator check,
 * compare/report/reproduce. No test asserts a timing. */
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

int main(int argc, char **argv)
{
    tu_setup(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crash_hang_exit),      cmocka_unit_test(test_shards_merge),
        cmocka_unit_test(test_interrupt_resume),     cmocka_unit_test(test_alloc_check),
        cmocka_unit_test(test_statuses_and_columns), cmocka_unit_test(test_reproduce),
        cmocka_unit_test(test_builtin_selftest),     cmocka_unit_test(test_list_params),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    tu_cleanup();
    return rc;
}
