/* Histogram accuracy against exact nearest-rank percentiles, and merging across threads. */
#include "pmlab/experiment.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t exact(const uint64_t *sorted, size_t n, double pct)
{
    size_t rank = (size_t)ceil(pct / 100.0 * (double)n);
    if (rank < 1)
        rank = 1;
    return sorted[rank - 1];
}

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static const double pcts[] = {0, 1, 10, 50, 90, 99, 99.9, 99.99, 100};
#define REL_ERR (1.0 / (1 << (PMLAB_HIST_SUB_BITS + 1)))

static void check_against_exact(uint64_t *v, size_t n)
{
    pmlab_hist *h = pmlab_hist_new();
    assert_non_null(h);
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        pmlab_hist_record(h, v[i]);
        sum += (double)v[i];
    }
    qsort(v, n, sizeof *v, cmp_u64);
    assert_int_equal(pmlab_hist_count(h), n);
    assert_int_equal(pmlab_hist_min(h), v[0]);
    assert_int_equal(pmlab_hist_max(h), v[n - 1]);
    assert_true(fabs(pmlab_hist_sum(h) - sum) <= 1e-9 * sum + 1);
    for (size_t i = 0; i < sizeof pcts / sizeof pcts[0]; i++) {
        uint64_t e = exact(v, n, pcts[i]), got = pmlab_hist_percentile(h, pcts[i]);
        double err = e ? fabs((double)got - (double)e) / (double)e : (double)got;
        if (err > REL_ERR)
            fprintf(stderr, "p%g: exact %llu got %llu\n", pcts[i], (unsigned long long)e,
                    (unsigned long long)got);
        assert_true(err <= REL_ERR);
    }
    pmlab_hist_free(h);
}

static void test_uniform(void **state)
{
    (void)state;
    size_t n = 200000;
    uint64_t *v = malloc(n * sizeof *v), s = 12345;
    for (size_t i = 0; i < n; i++)
        v[i] = rng(&s) % 10000000u;
    check_against_exact(v, n);
    free(v);
}

static void test_exponential_and_heavy_tail(void **state)
{
    (void)state;
    size_t n = 100000;
    uint64_t *v = malloc(n * sizeof *v), s = 99;
    for (size_t i = 0; i < n; i++) {
        double u = (double)(rng(&s) >> 11) / 9007199254740992.0;
        v[i] = (uint64_t)(-log(1.0 - u) * 5000.0) + 1; /* exponential, mean 5 us */
    }
    check_against_exact(v, n);
    for (size_t i = 0; i < n; i++)
        v[i] = (uint64_t)1 << (rng(&s) % 60); /* powers of two up to 2^59 */
    check_against_exact(v, n);
    free(v);
}

static void test_small_values_exact(void **state)
{
    (void)state;
    pmlab_hist *h = pmlab_hist_new();
    for (uint64_t x = 0; x < 256; x++)
        pmlab_hist_record(h, x);
    for (uint64_t x = 1; x <= 256; x++)
        assert_int_equal(pmlab_hist_percentile(h, 100.0 * (double)x / 256.0), x - 1);
    pmlab_hist_reset(h);
    assert_int_equal(pmlab_hist_count(h), 0);
    assert_int_equal(pmlab_hist_percentile(h, 50), 0);
    pmlab_hist_record_n(h, 1000, 10);
    assert_int_equal(pmlab_hist_count(h), 10);
    assert_int_equal(pmlab_hist_percentile(h, 50), 1000);
    pmlab_hist_record(h, UINT64_MAX);
    assert_int_equal(pmlab_hist_max(h), UINT64_MAX);
    pmlab_hist_free(h);
}

static void test_merge_across_threads(void **state)
{
    (void)state;
    enum { T = 4, N = 50000 };
    pmlab_hist *per[T], *all = pmlab_hist_new(), *merged = pmlab_hist_new();
    uint64_t s = 7;
    for (int t = 0; t < T; t++)
        per[t] = pmlab_hist_new();
    for (int i = 0; i < N; i++) {
        int t = i % T;
        uint64_t x = (rng(&s) % 1000000u) * (uint64_t)(t + 1); /* each thread its own scale */
        pmlab_hist_record(per[t], x);
        pmlab_hist_record(all, x);
    }
    for (int t = 0; t < T; t++)
        pmlab_hist_merge(merged, per[t]);
    assert_int_equal(pmlab_hist_count(merged), pmlab_hist_count(all));
    assert_int_equal(pmlab_hist_min(merged), pmlab_hist_min(all));
    assert_int_equal(pmlab_hist_max(merged), pmlab_hist_max(all));
    assert_true(fabs(pmlab_hist_sum(merged) - pmlab_hist_sum(all)) < 1);
    for (size_t i = 0; i < sizeof pcts / sizeof pcts[0]; i++)
        assert_int_equal(pmlab_hist_percentile(merged, pcts[i]),
                         pmlab_hist_percentile(all, pcts[i]));
    /* merging an empty histogram changes nothing */
    pmlab_hist *empty = pmlab_hist_new();
    pmlab_hist_merge(merged, empty);
    assert_int_equal(pmlab_hist_min(merged), pmlab_hist_min(all));
    for (int t = 0; t < T; t++)
        pmlab_hist_free(per[t]);
    pmlab_hist_free(empty);
    pmlab_hist_free(all);
    pmlab_hist_free(merged);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uniform),
        cmocka_unit_test(test_exponential_and_heavy_tail),
        cmocka_unit_test(test_small_values_exact),
        cmocka_unit_test(test_merge_across_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
