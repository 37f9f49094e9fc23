/* Every alert fires in a run that provokes it and stays silent in one that does not;
 * thresholds can be overridden on the command line and in a file. */
#include "harness_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static const char *const ids[] = {"A1", "A2", "A3", "A4", "A5", "A5n", "A6"};
#define NIDS (sizeof ids / sizeof ids[0])

/* run fake-metrics with one extra option pair; return the folder */
static const char *run_metrics(const char *name, const char *k, const char *v, const char *k2,
                               const char *v2)
{
    const char *d = tu_path(name);
    const char *a[16] = {"run", "fake-metrics", "--quiet", "--out", d};
    size_t n = 5;
    if (k)
        a[n++] = k, a[n++] = v;
    if (k2)
        a[n++] = k2, a[n++] = v2;
    a[n] = NULL;
    assert_int_equal(tu_run(a), 0);
    return d;
}

static void test_all_silent(void **state)
{
    (void)state;
    const char *d = run_metrics("silent", "--threads", "1", NULL, NULL);
    for (size_t i = 0; i < NIDS; i++)
        assert_int_equal(tu_alert_fired(d, ids[i]), 0);
}

static void expect_only(const char *d, const char *id)
{
    for (size_t i = 0; i < NIDS; i++)
        assert_int_equal(tu_alert_fired(d, ids[i]), strcmp(ids[i], id) == 0);
}

static void test_each_fires(void **state)
{
    (void)state;
    expect_only(run_metrics("a1", "--param", "query_ns=200000000", NULL, NULL), "A1");
    expect_only(run_metrics("a2", "--param", "clones=5000", NULL, NULL), "A2");
    expect_only(run_metrics("a3", "--param", "merge_ns=2000000000", NULL, NULL), "A3");
    expect_only(run_metrics("a4", "--param", "alloc_share=0.5", NULL, NULL), "A4");
    expect_only(run_metrics("a5", "--param", "pending_bytes=1e9", NULL, NULL), "A5");
    expect_only(run_metrics("a5n", "--param", "pending_nodes=5000000", NULL, NULL), "A5n");
    char over[32];
    snprintf(over, sizeof over, "%ld", sysconf(_SC_NPROCESSORS_ONLN) + 1);
    expect_only(run_metrics("a6", "--threads", over, NULL, NULL), "A6");
    /* report.md names the fired alert and its remedy */
    char md[600];
    snprintf(md, sizeof md, "%s/report.md", tu_path("a4"));
    assert_true(tu_contains(md, "**FIRED**"));
    assert_true(tu_contains(md, "jemalloc"));
}

static void test_overrides(void **state)
{
    (void)state;
    /* raising A4's threshold silences it */
    const char *d = run_metrics("a4-cli", "--param", "alloc_share=0.5", "--alert", "A4=0.6");
    assert_int_equal(tu_alert_fired(d, "A4"), 0);
    /* a config file lowering A4 fires it on the default 1 % share */
    FILE *f = fopen(tu_path("alerts.conf"), "w");
    assert_non_null(f);
    fputs("# thresholds\nA4 = 0.001\nA1 = 500   # ms\n", f);
    fclose(f);
    d = run_metrics("a4-file", "--alerts-file", tu_path("alerts.conf"), NULL, NULL);
    assert_int_equal(tu_alert_fired(d, "A4"), 1);
    assert_int_equal(tu_alert_fired(d, "A1"), 0);
    char p[600];
    snprintf(p, sizeof p, "%s/alerts.json", d);
    assert_true(tu_contains(p, "\"threshold\": 0.001"));
    assert_true(tu_contains(p, "\"threshold\": 500"));
    /* report DIR re-evaluates with the recorded thresholds */
    unlink(p);
    const char *r[] = {"report", d, NULL};
    assert_int_equal(tu_run(r), 0);
    assert_int_equal(tu_alert_fired(d, "A4"), 1);
}

int main(int argc, char **argv)
{
    tu_setup(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_silent),
        cmocka_unit_test(test_each_fires),
        cmocka_unit_test(test_overrides),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    tu_cleanup();
    return rc;
}
