/* Owned values at graft points (issue 14): values are heap cells (owned.h), clone copies a cell,
 * drop frees it, both counted. Each case hands a value (or a subtrie with a value at its root)
 * from one map to another, frees the maps in the order that exposed the bug, and checks that
 * every cell was freed exactly once (ASan reports a second free; owned_live() must end at 0).
 * Cases 1-5 are the minimal cases of the issue; the others cover the remaining paths it lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "owned.h"
#include "pathmap.h"
#include "pathmap_zipper.h"

static pm_map *omap(void)
{
    pm_map *m;
    assert_int_equal(pm_map_new(&owned_ops, &m), PM_OK);
    return m;
}

static void oset(pm_map *m, const char *k, uint64_t payload)
{
    assert_int_equal(pm_map_set(m, (const uint8_t *)k, strlen(k), owned_new(payload), NULL, NULL),
                     PM_OK);
}

/* The payload at k, or -1 when k holds no value. */
static long long oget(const pm_map *m, const char *k)
{
    uint64_t v;
    if (pm_map_get(m, (const uint8_t *)k, strlen(k), &v) != PM_OK)
        return -1;
    return (long long)owned_payload(v);
}

static uint64_t raw(const pm_map *m, const char *k)
{
    uint64_t v = 0;
    assert_int_equal(pm_map_get(m, (const uint8_t *)k, strlen(k), &v), PM_OK);
    return v;
}

/* Cells live before the test: a failed test leaks cells, the next one still checks its own. */
static long long base;
static int setup(void **state)
{
    (void)state;
    base = owned_live();
    return 0;
}
static int teardown(void **state)
{
    (void)state;
    if (owned_live() != base) {
        fprintf(stderr, "cells left live by the test: %lld\n", owned_live() - base);
        return -1;
    }
    return 0;
}

/* 1: a graft whose source has a value at its root (the empty key). */
static void test_graft_root_value(void **state)
{
    (void)state;
    pm_map *src = omap(), *dst = omap();
    oset(src, "", 2);
    assert_int_equal(pm_map_graft(dst, (const uint8_t *)"a", 1, src), PM_OK);
    assert_int_equal(oget(dst, "a"), 2);
    assert_true(raw(dst, "a") != raw(src, ""));
    pm_map_free(dst);
    assert_int_equal(oget(src, ""), 2);
    pm_map_free(src);
}

/* 2: a join whose result is built (ELEMENT) from a's root value and b's subtrie. */
static void test_join_element(void **state)
{
    (void)state;
    pm_map *a = omap(), *b = omap(), *r;
    oset(a, "", 8);
    oset(b, "a", 4);
    pm_alg res;
    assert_int_equal(pm_map_alg(PM_JOIN, a, b, &r, &res), PM_OK);
    assert_int_equal(res, PM_ALG_ELEMENT);
    assert_int_equal(oget(r, ""), 8);
    assert_int_equal(oget(r, "a"), 4);
    pm_map_free(r);
    assert_int_equal(oget(b, "a"), 4);
    pm_map_free(b);
    pm_map_free(a);
}

/* 3: restrict grafts a's subtries (with their root values) at b's value paths. */
static void test_restrict_clones(void **state)
{
    (void)state;
    pm_map *a = omap(), *b = omap(), *r;
    oset(a, "aa", 9);
    oset(a, "b", 0);
    oset(b, "b", 2);
    assert_int_equal(pm_map_alg(PM_RESTRICT, a, b, &r, NULL), PM_OK);
    assert_int_equal(oget(r, "b"), 0);
    assert_int_equal(oget(r, "aa"), -1);
    assert_true(raw(r, "b") != raw(a, "b"));
    pm_map_free(a);
    assert_int_equal(oget(r, "b"), 0);
    pm_map_free(r);
    pm_map_free(b);
}

/* 4: write-zipper join on an empty focus with a source whose focus holds a value. */
static void test_wz_join_empty_focus(void **state)
{
    (void)state;
    for (int other = 0; other < 2; other++) { /* the target map empty, or not */
        pm_map *m = omap(), *src = omap();
        if (other)
            oset(m, "k", 1);
        oset(src, "", 2);
        pm_wz *wz;
        pm_rz *rz;
        assert_int_equal(pm_wz_new(m, (const uint8_t *)"a", 1, &wz), PM_OK);
        assert_int_equal(pm_rz_new(src, NULL, 0, &rz), PM_OK);
        assert_int_equal(pm_wz_alg(wz, PM_JOIN, rz, NULL), PM_OK);
        pm_rz_free(rz);
        pm_wz_free(wz);
        assert_int_equal(oget(m, "a"), 2);
        pm_map_free(m);
        assert_int_equal(oget(src, ""), 2);
        pm_map_free(src);
    }
}

/* 5: a ZipperHead write zipper released without a change. */
static void test_zh_release_unchanged(void **state)
{
    (void)state;
    pm_map *m = omap();
    oset(m, "a", 42);
    pm_zh *h;
    pm_wz *wz;
    assert_int_equal(pm_zh_new(m, &h), PM_OK);
    assert_int_equal(pm_zh_write_zipper(h, (const uint8_t *)"a", 1, &wz, NULL), PM_OK);
    assert_int_equal(pm_zh_release_wz(h, wz), PM_OK);
    assert_int_equal(pm_zh_free(h), PM_OK);
    assert_int_equal(oget(m, "a"), 42);
    pm_map_free(m);
}

/* ZipperHead write zipper that changes its focus value and adds below it; read zipper too. */
static void test_zh_release_changed(void **state)
{
    (void)state;
    pm_map *m = omap();
    oset(m, "a", 42);
    oset(m, "ab", 43);
    oset(m, "b", 44);
    pm_zh *h;
    pm_wz *wz;
    pm_rz *rz;
    assert_int_equal(pm_zh_new(m, &h), PM_OK);
    assert_int_equal(pm_zh_write_zipper(h, (const uint8_t *)"a", 1, &wz, NULL), PM_OK);
    assert_int_equal(pm_zh_read_zipper(h, (const uint8_t *)"b", 1, &rz, NULL), PM_OK);
    assert_int_equal(pm_wz_set_val(wz, owned_new(50), NULL, NULL), PM_OK);
    assert_int_equal(pm_wz_descend(wz, (const uint8_t *)"c", 1), PM_ENOTFOUND);
    assert_int_equal(pm_wz_set_val(wz, owned_new(51), NULL, NULL), PM_OK);
    pm_zh_release_rz(h, rz);
    assert_int_equal(pm_zh_release_wz(h, wz), PM_OK);
    assert_int_equal(pm_zh_free(h), PM_OK);
    assert_int_equal(oget(m, "a"), 50);
    assert_int_equal(oget(m, "ab"), 43);
    assert_int_equal(oget(m, "ac"), 51);
    assert_int_equal(oget(m, "b"), 44);
    pm_map_free(m);
}

/* pm_wz_graft / pm_wz_graft_map with a value at the source focus, and a graft of a map into
 * itself. */
static void test_wz_graft(void **state)
{
    (void)state;
    pm_map *m = omap(), *src = omap();
    oset(src, "x", 5);
    oset(src, "xy", 6);
    oset(src, "", 7);
    pm_wz *wz;
    pm_rz *rz;
    assert_int_equal(pm_wz_new(m, (const uint8_t *)"p", 1, &wz), PM_OK);
    assert_int_equal(pm_rz_new(src, (const uint8_t *)"x", 1, &rz), PM_OK);
    assert_int_equal(pm_wz_graft(wz, rz), PM_OK);
    pm_rz_free(rz);
    assert_int_equal(pm_wz_descend(wz, (const uint8_t *)"q", 1), PM_ENOTFOUND);
    assert_int_equal(pm_wz_graft_map(wz, src), PM_OK);
    pm_wz_free(wz);
    assert_int_equal(oget(m, "p"), 5);
    assert_int_equal(oget(m, "py"), 6);
    assert_int_equal(oget(m, "pq"), 7);
    assert_int_equal(oget(m, "pqx"), 5);
    pm_map_free(src);
    assert_int_equal(pm_map_graft(m, (const uint8_t *)"z", 1, m), PM_OK);
    assert_int_equal(oget(m, "zp"), 5);
    pm_map_free(m);
}

/* pm_wz_alg RESTRICT and SUBTRACT/MEET at a focus holding values. */
static void test_wz_alg_ops(void **state)
{
    (void)state;
    for (int op = PM_JOIN; op <= PM_RESTRICT; op++)
        for (int rootval = 0; rootval < 2; rootval++) {
            pm_map *m = omap(), *src = omap();
            oset(m, "f", 1);
            oset(m, "fa", 2);
            oset(m, "fb", 3);
            if (rootval)
                oset(src, "", 1);
            oset(src, "a", 9);
            oset(src, "c", 4);
            pm_wz *wz;
            pm_rz *rz;
            assert_int_equal(pm_wz_new(m, (const uint8_t *)"f", 1, &wz), PM_OK);
            assert_int_equal(pm_rz_new(src, NULL, 0, &rz), PM_OK);
            assert_int_equal(pm_wz_alg(wz, (pm_alg_op)op, rz, NULL), PM_OK);
            pm_rz_free(rz);
            pm_wz_free(wz);
            pm_map_free(src);
            if (op == PM_RESTRICT) {
                assert_int_equal(oget(m, "f"), rootval ? 1 : -1);
                assert_int_equal(oget(m, "fa"), 2);
                assert_int_equal(oget(m, "fb"), rootval ? 3 : -1);
            }
            if (op == PM_JOIN)
                assert_int_equal(oget(m, "fc"), 4);
            pm_map_free(m);
        }
}

/* Every algebra operation in both argument orders over maps with values at their roots and at
 * shared and unshared paths, including identity and pass-through results; results are freed in
 * every order relative to the inputs. */
static void test_alg_all_orders(void **state)
{
    (void)state;
    for (int op = PM_JOIN; op <= PM_RESTRICT; op++)
        for (int shape = 0; shape < 4; shape++)
            for (int order = 0; order < 3; order++) {
                pm_map *a = omap(), *b = omap(), *r;
                if (shape & 1)
                    oset(a, "", 1);
                if (shape & 2)
                    oset(b, "", 2);
                oset(a, "k", 3);
                oset(a, "ka", 4);
                if (shape == 3) {
                    pm_map_free(b);
                    assert_int_equal(pm_map_clone(a, &b), PM_OK);
                } else {
                    oset(b, "ka", 5);
                    oset(b, "z", 6);
                }
                assert_int_equal(pm_map_alg((pm_alg_op)op, a, b, &r, NULL), PM_OK);
                pm_map *first = order == 0 ? a : order == 1 ? b : r;
                pm_map *second = order == 0 ? b : order == 1 ? r : a;
                pm_map *third = order == 0 ? r : order == 1 ? a : b;
                pm_map_free(first);
                pm_map_free(second);
                pm_map_free(third);
                assert_int_equal(owned_live(), base);
            }
}

/* pm_map_alg_into, identity (a clone) and pass-through (an empty operand). */
static void test_alg_into(void **state)
{
    (void)state;
    for (int op = PM_JOIN; op <= PM_RESTRICT; op++)
        for (int shape = 0; shape < 3; shape++) {
            pm_map *d = omap(), *s;
            oset(d, "", 1);
            oset(d, "a", 2);
            if (shape == 0) {
                assert_int_equal(pm_map_clone(d, &s), PM_OK);
            } else {
                s = omap();
                if (shape == 2) {
                    oset(s, "", 3);
                    oset(s, "ab", 4);
                }
            }
            pm_map *e = omap();
            assert_int_equal(pm_map_alg_into((pm_alg_op)op, e, s, NULL), PM_OK);
            assert_int_equal(pm_map_alg_into((pm_alg_op)op, d, s, NULL), PM_OK);
            pm_map_free(s);
            pm_map_free(d);
            pm_map_free(e);
            assert_int_equal(owned_live(), base);
        }
}

/* subtrie, copy_prefix, drop_head, take_map, remove_branches. */
static void test_subtrie_take_drop(void **state)
{
    (void)state;
    pm_map *m = omap(), *s, *c, *d, *t;
    oset(m, "", 1);
    oset(m, "ab", 2);
    oset(m, "abc", 3);
    oset(m, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ", 4);
    oset(m, "b", 5);
    assert_int_equal(pm_map_subtrie(m, (const uint8_t *)"ab", 2, &s), PM_OK);
    assert_int_equal(pm_map_subtrie(m, (const uint8_t *)"abcdefghijklmnopqrstuvwxyz0123", 30, &t),
                     PM_OK);
    assert_int_equal(pm_map_copy_prefix(m, (const uint8_t *)"abcd", 4, &c), PM_OK);
    assert_int_equal(pm_map_drop_head(m, 1, &d, NULL), PM_OK);
    assert_int_equal(oget(s, ""), 2);
    assert_int_equal(oget(d, "b"), 2);
    pm_map_free(m);
    pm_map_free(s);
    pm_map_free(t);
    pm_map_free(c);
    pm_map_free(d);

    m = omap();
    oset(m, "x", 1);
    oset(m, "xy", 2);
    oset(m, "xz", 3);
    pm_map *snap;
    assert_int_equal(pm_map_clone(m, &snap), PM_OK);
    pm_wz *wz;
    assert_int_equal(pm_wz_new(m, (const uint8_t *)"x", 1, &wz), PM_OK);
    assert_int_equal(pm_wz_take_map(wz, &t), PM_OK);
    assert_int_equal(pm_wz_graft_map(wz, t), PM_OK);
    assert_int_equal(pm_wz_remove_branches(wz), PM_OK);
    assert_int_equal(pm_wz_drop_head(wz, 1, NULL), PM_OK);
    pm_wz_free(wz);
    assert_int_equal(oget(m, "x"), 1);
    assert_int_equal(oget(t, ""), 1);
    assert_int_equal(oget(t, "y"), 2);
    pm_map_free(t);
    pm_map_free(m);
    assert_int_equal(oget(snap, "xz"), 3);
    pm_map_free(snap);
}

/* An argument runs only the tests matching it (cmocka's filter, e.g. "test_join*"). */
int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_graft_root_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_join_element, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restrict_clones, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wz_join_empty_focus, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zh_release_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zh_release_changed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wz_graft, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wz_alg_ops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alg_all_orders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alg_into, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subtrie_take_drop, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
