/* Deep structures: a 64 KiB key and a trie more than 100,000 levels deep (values at every prefix
 * of a^131072, built by repeated self-grafting), created, iterated, measured, path-copied and
 * freed. ctest runs this binary under `ulimit -s 256` (256 KiB of stack): any recursion per
 * key byte or per level would overflow it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util.h"

static uint8_t abuf[PM_MAX_KEY];

static void expect_live_zero(void)
{
    pm_mem_stats s;
    pm_mem_stats_get(&s);
    assert_int_equal(s.live_nodes, 0);
}

static void test_long_key(void **state)
{
    (void)state;
    pm_map *m, *c;
    uint8_t *key = malloc(PM_MAX_KEY);
    for (size_t i = 0; i < PM_MAX_KEY; i++)
        key[i] = (uint8_t)(i * 7 + (i >> 8));
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    assert_int_equal(pm_map_set(m, key, PM_MAX_KEY, 42, NULL, NULL), PM_OK);
    assert_int_equal(pm_map_set(m, key, PM_MAX_KEY / 2, 21, NULL, NULL), PM_OK);
    uint64_t v;
    assert_int_equal(pm_map_get(m, key, PM_MAX_KEY, &v), PM_OK);
    assert_int_equal(v, 42);
    assert_int_equal(pm_map_clone(m, &c), PM_OK);
    assert_int_equal(pm_map_set(c, key, PM_MAX_KEY, 43, NULL, NULL), PM_OK); /* path copy */
    assert_int_equal(pm_map_get(m, key, PM_MAX_KEY, &v), PM_OK);
    assert_int_equal(v, 42);
    model d;
    assert_int_equal(dump(c, &d), 0);
    assert_int_equal(d.n, 2);
    assert_int_equal(d.e[1].k->len, PM_MAX_KEY);
    assert_memory_equal(d.e[1].k->b, key, PM_MAX_KEY);
    model_free(&d);
    size_t n;
    assert_int_equal(pm_map_count_prefix(m, key, 1000, &n), PM_OK);
    assert_int_equal(n, 2);
    pm_map *sub;
    assert_int_equal(pm_map_subtrie(m, key, 12345, &sub), PM_OK);
    assert_int_equal(pm_map_get(sub, key + 12345, PM_MAX_KEY - 12345, &v), PM_OK);
    pm_map_free(sub);
    assert_int_equal(pm_map_copy_prefix(m, key, PM_MAX_KEY - 3, &sub), PM_OK);
    assert_int_equal(pm_map_len(sub, &n), PM_OK);
    assert_int_equal(n, 1);
    pm_map_free(sub);
    assert_int_equal(pm_debug_validate(c), PM_OK);
    assert_int_equal(pm_map_remove(c, key, PM_MAX_KEY / 2, NULL), PM_OK);
    pm_map_free(m);
    pm_map_free(c);
    free(key);
    expect_live_zero();
}

typedef struct chk {
    size_t next;
    int bad;
} chk;
static int chain_cb(void *c, const uint8_t *k, size_t len, uint64_t v)
{
    chk *x = c;
    (void)k;
    if (len != x->next || v != len + 1)
        x->bad = 1;
    x->next++;
    return 0;
}

static void test_deep_chain(void **state)
{
    (void)state;
    pm_map *m;
    memset(abuf, 'a', sizeof abuf);
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    /* values at every prefix of a^L; value = length + 1. Doubling: graft m onto itself at a^L
     * (m's value at the empty key lands on a^L) and fix the values of the new half by walking. */
    pm_map_set(m, NULL, 0, 1, NULL, NULL);
    pm_map_set(m, abuf, 1, 2, NULL, NULL);
    size_t L = 1;
    while (2 * L <= 131072) {
        assert_int_equal(pm_map_graft(m, abuf, L, m), PM_OK);
        L *= 2;
    }
    size_t n;
    assert_int_equal(pm_map_len(m, &n), PM_OK);
    assert_int_equal(n, L + 1);
    size_t fn, fb;
    assert_int_equal(pm_map_footprint(m, &fn, &fb), PM_OK);
    assert_true(fn >= 100000); /* really deep: one node per level */
    assert_int_equal(pm_debug_validate(m), PM_OK);
    /* iteration: lengths 0..L in order */
    pm_iter *it;
    assert_int_equal(pm_iter_new(m, NULL, 0, &it), PM_OK);
    const uint8_t *k;
    size_t kl, expect = 0;
    uint64_t v;
    while (pm_iter_next(it, &k, &kl, &v) == PM_OK) {
        assert_int_equal(kl, expect);
        expect++;
    }
    assert_int_equal(expect, L + 1);
    pm_iter_free(it);
    /* prefix counting deep inside, and a clone modified at depth 65536 (path copy) */
    assert_int_equal(pm_map_count_prefix(m, abuf, PM_MAX_KEY, &n), PM_OK);
    assert_int_equal(n, L + 1 - PM_MAX_KEY);
    pm_map *c;
    assert_int_equal(pm_map_clone(m, &c), PM_OK);
    assert_int_equal(pm_map_set(c, abuf, PM_MAX_KEY, 7, NULL, NULL), PM_OK);
    assert_int_equal(pm_map_remove(c, abuf, PM_MAX_KEY - 1, NULL), PM_OK);
    assert_int_equal(pm_map_get(m, abuf, PM_MAX_KEY - 1, &v), PM_OK);
    pm_map_free(m);
    /* c alone: remove a deep branch */
    size_t removed;
    assert_int_equal(pm_map_remove_prefix(c, abuf, 60000, &removed), PM_OK);
    /* lengths 60000..L, less 65535 removed above */
    assert_int_equal(removed, L - 60000);
    pm_map_free(c);
    expect_live_zero();

    /* A second deep map with correct values, built by grafting fresh chains: values length+1 */
    pm_map *d, *piece;
    assert_int_equal(pm_map_new(NULL, &d), PM_OK);
    const size_t step = 1024, total = 102400;
    for (size_t base = total; base > 0; base -= step) {
        assert_int_equal(pm_map_new(NULL, &piece), PM_OK);
        for (size_t i = 0; i < step; i++)
            pm_map_set(piece, abuf, i, base - step + i + 1, NULL, NULL);
        /* the piece's deepest value comes next: graft the existing tail below it */
        if (base != total)
            assert_int_equal(pm_map_graft(piece, abuf, step, d), PM_OK);
        else
            pm_map_set(piece, abuf, step, total + 1, NULL, NULL);
        pm_map_free(d);
        d = piece;
    }
    chk x = {0, 0};
    assert_int_equal(pm_map_foreach(d, NULL, 0, chain_cb, &x), PM_OK);
    assert_false(x.bad);
    assert_int_equal(x.next, total + 1);
    assert_int_equal(pm_map_len(d, &n), PM_OK);
    assert_int_equal(n, total + 1);
    pm_map_free(d);
    expect_live_zero();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_long_key),
        cmocka_unit_test(test_deep_chain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
