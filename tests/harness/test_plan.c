/* sweep_plan (harness/src/sweep.h): a run's options expanded as `pmlab run` would, without
 * running -- the configuration count, trials, seconds per trial, and bad input refused with 2
 * (the same checks as pmlab run: min_threads, key counts, --max-trials). */
#include "pmlab_int.h"
#include "registry.h"
#include "selftest.h"
#include "sweep.h"

#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

void pmlab_register_fakes(pmlab_registry *r);

static void register_all(pmlab_registry *r)
{
    pmlab_register_builtin(r);
    pmlab_register_fakes(r);
}

static int plan(const char *exp, const char *args, size_t *n, unsigned *trials, double *secs)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", args);
    char *argv[32];
    int argc = 0;
    for (char *t = strtok(buf, " "); t && argc < 31; t = strtok(NULL, " "))
        argv[argc++] = t;
    argv[argc] = NULL;
    return sweep_plan(exp, argc, argv, n, trials, secs);
}

static void test_plan_counts(void **state)
{
    (void)state;
    size_t n = 0;
    unsigned trials = 0;
    double secs = 0;
    /* fake-ok's defaults: --trials 2 --duration-ms 10 --warmup-ms 0; all 3 fake backends */
    assert_int_equal(plan("fake-ok", "--threads 1,2", &n, &trials, &secs), 0);
    assert_int_equal(n, 3 * 2);
    assert_int_equal(trials, 2);
    assert_true(secs > 0.0099 && secs < 0.0101);
    /* list parameters multiply, shards divide */
    assert_int_equal(plan("fake-ok",
                          "--backends fake-a --threads 1,2,4 --param mode=x,y "
                          "--trials 5 --duration-ms 300 --warmup-ms 100",
                          &n, &trials, &secs),
                     0);
    assert_int_equal(n, 3 * 2);
    assert_int_equal(trials, 5);
    assert_true(secs > 0.399 && secs < 0.401);
    assert_int_equal(plan("fake-ok", "--threads 1,2 --shard 1/2", &n, &trials, &secs), 0);
    assert_int_equal(n, 3);
    /* the built-in selftest's defaults: --threads 1,2 --duration-ms 200 --warmup-ms 50 */
    assert_int_equal(plan("selftest", "", &n, &trials, &secs), 0);
    assert_int_equal(n, 2);
    assert_int_equal(trials, 3);
    assert_true(secs > 0.249 && secs < 0.251);
}

static void test_plan_refuses(void **state)
{
    (void)state;
    size_t n = 0;
    unsigned trials = 0;
    double secs = 0;
    assert_int_equal(plan("no-such", "", &n, &trials, &secs), 2);
    assert_int_equal(plan("fake-min2", "--threads 1", &n, &trials, &secs), 2);
    assert_int_equal(plan("fake-ok", "--size 5001", &n, &trials, &secs), 2);
    assert_int_equal(plan("fake-ok", "--trials 3 --max-trials 2", &n, &trials, &secs), 2);
    assert_int_equal(plan("fake-ok", "--threads 1,,2", &n, &trials, &secs), 2);
}

int main(void)
{
    reg_init(register_all);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_counts),
        cmocka_unit_test(test_plan_refuses),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    reg_free();
    return rc;
}
