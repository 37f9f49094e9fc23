/* Issue 18's calls on deep structures, under `ulimit -s 256` (ctest runs this binary that way):
 * a 64 KiB key and chains of more than 100,000 levels, walked with descend_until, ascend_until,
 * ascend_until_branch, to_next_step and the product zipper, rewritten with insert_prefix and
 * remove_prefix. Any recursion per byte or per level would overflow the stack. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pathmap_product.h"
#include "pathmap_zipper.h"
#include "util.h"

static uint8_t abuf[2 * 131072];

static void expect_live_zero(void)
{
    pm_mem_stats s;
    pm_mem_stats_get(&s);
    assert_int_equal(s.live_nodes, 0);
}

static size_t rz_len(const pm_rz *z)
{
    size_t l;
    pm_rz_path(z, &l);
    return l;
}

static size_t pz_len(const pm_pz *z)
{
    size_t l;
    pm_pz_path(z, &l);
    return l;
}

static void test_long_key(void **state)
{
    (void)state;
    const size_t L = PM_MAX_KEY;
    uint8_t *key = malloc(L);
    for (size_t i = 0; i < L; i++)
        key[i] = (uint8_t)(i * 7 + (i >> 8));
    pm_map *m;
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    assert_int_equal(pm_map_set(m, key, L, 42, NULL, NULL), PM_OK);
    assert_int_equal(pm_map_set(m, key, L / 2, 21, NULL, NULL), PM_OK);
    pm_rz *z;
    assert_int_equal(pm_rz_new(m, NULL, 0, &z), PM_OK);
    assert_int_equal(pm_rz_descend_until(z), PM_OK);
    assert_int_equal(rz_len(z), L / 2);
    assert_int_equal(pm_rz_descend_until(z), PM_OK);
    assert_int_equal(rz_len(z), L);
    assert_true(pm_rz_ascend_until(z));
    assert_int_equal(rz_len(z), L / 2);
    assert_int_equal(pm_rz_descend(z, key + L / 2, L / 2), PM_OK);
    assert_true(pm_rz_ascend_until_branch(z));
    assert_int_equal(rz_len(z), 0);
    size_t steps = 0;
    pm_status s;
    while ((s = pm_rz_to_next_step(z)) == PM_OK)
        steps++;
    assert_int_equal(s, PM_ENOTFOUND);
    assert_int_equal(steps, L);
    pm_rz_free(z);

    /* insert_prefix of 64 KiB at the root, then back with remove_prefix */
    pm_wz *w;
    assert_int_equal(pm_wz_new(m, NULL, 0, &w), PM_OK);
    assert_int_equal(pm_wz_insert_prefix(w, key, L), PM_OK);
    assert_int_equal(pm_wz_descend(w, key, L), PM_OK);
    assert_int_equal(pm_wz_descend(w, key, L / 2), PM_OK);
    uint64_t v;
    assert_int_equal(pm_wz_val(w, &v), PM_OK);
    assert_int_equal(v, 21);
    assert_true(pm_wz_ascend(w, L / 2));
    assert_int_equal(pm_wz_remove_prefix(w, L), PM_OK);
    assert_int_equal(pm_map_get(m, key, L, &v), PM_OK);
    assert_int_equal(v, 42);
    size_t n;
    assert_int_equal(pm_map_len(m, &n), PM_OK);
    assert_int_equal(n, 2);
    assert_int_equal(pm_debug_validate(m), PM_OK);
    assert_int_equal(pm_wz_free(w), PM_OK);

    /* product of the map with itself: 128 KiB paths */
    const pm_map *f[] = {m, m};
    pm_pz *p;
    assert_int_equal(pm_pz_new(f, 2, &p), PM_OK);
    assert_int_equal(pm_pz_descend_until(p), PM_OK);
    assert_int_equal(pz_len(p), L / 2);
    assert_int_equal(pm_pz_descend_until(p), PM_OK);
    assert_int_equal(pz_len(p), L); /* the boundary */
    assert_int_equal(pm_pz_focus_factor(p), 1);
    assert_int_equal(pm_pz_descend_until(p), PM_OK);
    assert_int_equal(pm_pz_descend_until(p), PM_OK);
    assert_int_equal(pz_len(p), 2 * L);
    assert_true(pm_pz_ascend_until_branch(p));
    assert_int_equal(pz_len(p), 0);
    size_t vals = 0;
    while (pm_pz_next_val(p) == PM_OK)
        vals++;
    assert_int_equal(vals, 4); /* L/2, L (the boundary), L + L/2, 2L */
    pm_pz_free(p);
    pm_map_free(m);
    free(key);
    expect_live_zero();
}

/* a^len with one value at the end, built by grafting (keys beyond PM_MAX_KEY) */
static pm_map *chain(size_t len, uint64_t val)
{
    pm_map *m, *piece;
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    size_t step = 50000 < len ? 50000 : len;
    assert_int_equal(pm_map_set(m, abuf, len - (len / step - 1) * step, val, NULL, NULL), PM_OK);
    for (size_t done = len - (len / step - 1) * step; done < len; done += step) {
        assert_int_equal(pm_map_new(NULL, &piece), PM_OK);
        assert_int_equal(pm_map_graft(piece, abuf, step, m), PM_OK);
        pm_map_free(m);
        m = piece;
    }
    return m;
}

static void test_deep_chain(void **state)
{
    (void)state;
    memset(abuf, 'a', sizeof abuf);
    const size_t L = 100000;
    pm_map *m = chain(L, 7);
    size_t n;
    assert_int_equal(pm_map_len(m, &n), PM_OK);
    assert_int_equal(n, 1);
    pm_rz *z;
    assert_int_equal(pm_rz_new(m, NULL, 0, &z), PM_OK);
    assert_int_equal(pm_rz_descend_until(z), PM_OK);
    assert_int_equal(rz_len(z), L);
    uint64_t v;
    assert_int_equal(pm_rz_val(z, &v), PM_OK);
    assert_int_equal(v, 7);
    assert_true(pm_rz_ascend_until(z));
    assert_int_equal(rz_len(z), 0);
    size_t steps = 0;
    while (pm_rz_to_next_step(z) == PM_OK)
        steps++;
    assert_int_equal(steps, L);
    assert_int_equal(rz_len(z), 0);
    pm_rz_free(z);

    /* remove_prefix(L/2) at the bottom, insert_prefix(L/2) at the root: the same chain */
    pm_wz *w;
    assert_int_equal(pm_wz_new(m, NULL, 0, &w), PM_OK);
    assert_int_equal(pm_wz_descend_until(w), PM_OK);
    assert_int_equal(pm_wz_remove_prefix(w, L / 2), PM_OK);
    pm_wz_reset(w);
    assert_int_equal(pm_wz_descend_until(w), PM_OK);
    size_t len;
    pm_wz_path(w, &len);
    assert_int_equal(len, L / 2);
    pm_wz_reset(w);
    assert_int_equal(pm_wz_insert_prefix(w, abuf, L / 2), PM_OK);
    assert_int_equal(pm_wz_descend_until(w), PM_OK);
    pm_wz_path(w, &len);
    assert_int_equal(len, L);
    assert_int_equal(pm_wz_free(w), PM_OK);
    assert_int_equal(pm_debug_validate(m), PM_OK);

    /* the chain times itself: 200,000 levels */
    const pm_map *f[] = {m, m};
    pm_pz *p;
    assert_int_equal(pm_pz_new(f, 2, &p), PM_OK);
    assert_int_equal(pm_pz_descend_until(p), PM_OK);
    assert_int_equal(pz_len(p), L);
    assert_int_equal(pm_pz_focus_factor(p), 1);
    assert_int_equal(pm_pz_descend_until(p), PM_OK);
    assert_int_equal(pz_len(p), 2 * L);
    assert_true(pm_pz_ascend_until(p)); /* the boundary value */
    assert_int_equal(pz_len(p), L);
    assert_true(pm_pz_ascend_until(p));
    assert_int_equal(pz_len(p), 0);
    steps = 0;
    while (pm_pz_to_next_step(p) == PM_OK)
        steps++;
    assert_int_equal(steps, 2 * L);
    pm_pz_free(p);
    pm_map_free(m);

    /* values at every level: every move stops after one byte */
    pm_map *d, *piece;
    assert_int_equal(pm_map_new(NULL, &d), PM_OK);
    const size_t step = 1024, total = 102400;
    for (size_t base = total; base > 0; base -= step) {
        assert_int_equal(pm_map_new(NULL, &piece), PM_OK);
        for (size_t i = 0; i < step; i++)
            pm_map_set(piece, abuf, i, base - step + i + 1, NULL, NULL);
        if (base != total)
            assert_int_equal(pm_map_graft(piece, abuf, step, d), PM_OK);
        else
            pm_map_set(piece, abuf, step, total + 1, NULL, NULL);
        pm_map_free(d);
        d = piece;
    }
    assert_int_equal(pm_rz_new(d, NULL, 0, &z), PM_OK);
    steps = 0;
    while (pm_rz_descend_until(z) == PM_OK) {
        steps++;
        assert_int_equal(rz_len(z), steps);
    }
    assert_int_equal(steps, total);
    assert_true(pm_rz_ascend_until(z));
    assert_int_equal(rz_len(z), total - 1);
    assert_true(pm_rz_ascend_until_branch(z));
    assert_int_equal(rz_len(z), 0);
    pm_rz_free(z);
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
