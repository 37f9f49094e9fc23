/* The hybrid oracle can fail: with a TEST-ONLY backend that frees replaced versions immediately
 * (broken_backend.c, compiled only into pmlab-exptest), the hybrid row must not be ok: either
 * the snapshot-isolation oracle marks it invariant-violated, or ASan (use after free) / the
 * crash it causes ends the child. A correct backend in the same program stays ok.
 * Usage: test_exp_broken PMLAB-EXPTEST */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "exp_test_util.h"

static const char *g_pmlab;
static char g_tmp[256];

static char *status_of(const char *dir, size_t row)
{
    char path[600];
    snprintf(path, sizeof path, "%s/results.csv", dir);
    et_csv t;
    assert_int_equal(et_read(path, &t), 0);
    assert_true(t.nrows > row);
    char *s = strdup(et_get(&t, row, "status"));
    et_free(&t);
    return s;
}

static void test_broken_is_caught(void **state)
{
    (void)state;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/broken", g_tmp);
    /* small map, wide commits, frequent checks: the window for a torn or freed read is large */
    int rc = et_run(g_pmlab, dir,
                    "hybrid --backends broken-free-now --threads 2 --size 500 --duration-ms 1500 "
                    "--warmup-ms 0 --trials 1 --param batch=64 --param check_every=1");
    char *st = status_of(dir, 0);
    printf("broken backend: pmlab exit %d, status %s\n", rc, st);
    assert_int_not_equal(rc, 0);
    assert_string_not_equal(st, "ok");
    assert_true(!strncmp(st, "invariant-violated", 18) || !strncmp(st, "crashed:", 8) ||
                !strncmp(st, "exit:", 5));
    free(st);
}

static void test_correct_backend_ok(void **state)
{
    (void)state;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/correct", g_tmp);
    int rc = et_run(g_pmlab, dir,
                    "hybrid --backends urcu-memb --threads 2 --size 500 --duration-ms 300 "
                    "--warmup-ms 0 --trials 1 --param batch=64 --param check_every=1");
    char *st = status_of(dir, 0);
    assert_string_equal(st, "ok");
    assert_int_equal(rc, 0);
    free(st);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PMLAB-EXPTEST\n", argv[0]);
        return 2;
    }
    g_pmlab = argv[1];
    snprintf(g_tmp, sizeof g_tmp, "/tmp/pmx-broken-XXXXXX");
    if (!mkdtemp(g_tmp))
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_broken_is_caught),
        cmocka_unit_test(test_correct_backend_ok),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_tmp);
    if (system(cmd)) {
    }
    return rc;
}
