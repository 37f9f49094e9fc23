/* Fault injection: for every scenario and every k from 1 up to the number of allocations the
 * scenario makes, the k-th allocation fails; the call must return PM_ENOMEM and leave the maps
 * exactly as they were (contents, footprint, validator, live node counters); ASan/LSan check
 * that nothing leaks. The loop ends at the first k where the call succeeds; each scenario must
 * have failed at least once (k = 1), so a scenario that allocates nothing fails the test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pathmap_zipper.h"
#include "util.h"

typedef struct fx {
    pm_map *m;     /* the map acted on */
    pm_map *other; /* a clone / source, checked too */
    pm_map *out;   /* an output map, freed after success */
    pm_iter *it;
} fx;

typedef void (*setup_fn)(fx *);
typedef pm_status (*act_fn)(fx *);

static void fill(pm_map *m, int n, const char *fmt)
{
    char k[128];
    for (int i = 0; i < n; i++) {
        snprintf(k, sizeof k, fmt, i % 7, i % 13, i);
        assert_int_equal(set_s(m, k, (uint64_t)i), PM_OK);
    }
}

static void snapshot(const pm_map *m, model *d, size_t *fn, size_t *fb)
{
    *fn = *fb = 0;
    if (!m) {
        memset(d, 0, sizeof *d);
        return;
    }
    assert_int_equal(dump(m, d), 0);
    assert_int_equal(pm_map_footprint(m, fn, fb), PM_OK);
}

static void run_x(const char *name, setup_fn setup, act_fn act, int allocates)
{
    long long live0 = owned_live(); /* owned mode: every cell made is freed, failure or not */
    uint64_t k;
    for (k = 1;; k++) {
        fx f = {0};
        setup(&f);
        model d0, o0;
        size_t n0, b0, on0, ob0;
        snapshot(f.m, &d0, &n0, &b0);
        snapshot(f.other, &o0, &on0, &ob0);
        pm_mem_stats s0, s1;
        pm_mem_stats_get(&s0);
        long long cells = owned_live();
        pm_debug_fail_alloc_at(k);
        pm_status st = act(&f);
        pm_debug_fail_alloc_at(0);
        if (st != PM_OK)
            assert_int_equal(owned_live(), cells); /* a failed call cloned or dropped nothing */
        if (st == PM_OK) {
            if (k == 1 && allocates)
                fail_msg("scenario %s made no allocation", name);
        } else {
            if (st != PM_ENOMEM)
                fail_msg("scenario %s k=%llu: status %d", name, (unsigned long long)k, (int)st);
            pm_mem_stats_get(&s1);
            assert_int_equal(s1.live_nodes, s0.live_nodes);
            assert_int_equal(s1.live_bytes, s0.live_bytes);
            model d1, o1;
            size_t n1, b1, on1, ob1;
            snapshot(f.m, &d1, &n1, &b1);
            snapshot(f.other, &o1, &on1, &ob1);
            assert_true(model_equal(&d0, &d1));
            assert_true(model_equal(&o0, &o1));
            assert_int_equal(n0, n1);
            assert_int_equal(b0, b1);
            assert_int_equal(on0, on1);
            assert_int_equal(ob0, ob1);
            if (f.m)
                assert_int_equal(pm_debug_validate(f.m), PM_OK);
            if (f.other)
                assert_int_equal(pm_debug_validate(f.other), PM_OK);
            assert_null(f.out);
            model_free(&d1);
            model_free(&o1);
        }
        model_free(&d0);
        model_free(&o0);
        pm_iter_free(f.it);
        pm_map_free(f.out);
        pm_map_free(f.other);
        pm_map_free(f.m);
        if (st == PM_OK)
            break;
    }
    pm_mem_stats s;
    pm_mem_stats_get(&s);
    assert_int_equal(s.live_nodes, 0);
    assert_int_equal(owned_live(), live0);
    print_message("  %-28s %llu allocation(s) failed in turn\n", name, (unsigned long long)k - 1);
}

static void run(const char *name, setup_fn setup, act_fn act)
{
    run_x(name, setup, act, 1);
}

/* ---- setups ---------------------------------------------------------------------------------- */
static void s_empty(fx *f)
{
    assert_int_equal(pm_map_new(ov_ops(), &f->m), PM_OK);
}
static void s_line(fx *f)
{
    s_empty(f);
    set_s(f->m, "abcdef", 1);
}
static void s_line2(fx *f)
{
    s_empty(f);
    set_s(f->m, "a", 1);
    set_s(f->m, "b", 2);
}
static void s_dense_full(fx *f)
{
    s_empty(f);
    for (int c = 0; c < 3; c++) {
        char k[2] = {(char)('a' + c), 0};
        set_s(f->m, k, 1);
    }
}
static void s_big(fx *f)
{
    s_empty(f);
    fill(f->m, 800, "spaces/%d/facts/%d/entity%d/attr");
}
static void s_shared(fx *f)
{
    s_big(f);
    assert_int_equal(pm_map_clone(f->m, &f->other), PM_OK);
}
static void s_wide(fx *f)
{
    s_empty(f);
    char k[4] = {0};
    for (int a = 0; a < 40; a++)
        for (int b = 0; b < 40; b++) {
            k[0] = (char)(a + 1);
            k[1] = (char)(b + 1);
            k[2] = 'x';
            pm_map_set(f->m, (const uint8_t *)k, 3, ov_make(1), NULL, NULL);
        }
    assert_int_equal(pm_map_clone(f->m, &f->other), PM_OK);
}

/* ---- actions --------------------------------------------------------------------------------- */
static pm_status a_new(fx *f)
{
    return pm_map_new(ov_ops(), &f->out);
}
static pm_status a_set_x(fx *f)
{
    return set_s(f->m, "spaces/3/facts/9/entity77/zzz", 5);
}
static pm_status a_set_split(fx *f)
{
    return set_s(f->m, "abcxyz", 2);
}
static pm_status a_set_upgrade(fx *f)
{
    return set_s(f->m, "c", 3);
}
static pm_status a_set_grow(fx *f)
{
    return set_s(f->m, "zlong-tail-key-going-below-the-dense-node", 4);
}
static pm_status a_set_long(fx *f)
{
    static uint8_t key[PM_MAX_KEY];
    memset(key, 'q', sizeof key);
    uint64_t v = ov_make(1);
    pm_status s = pm_map_set(f->m, key, sizeof key, v, NULL, NULL);
    if (s)
        ov_release(v);
    return s;
}
static pm_status a_remove(fx *f)
{
    const char *k = "spaces/0/facts/0/entity0/attr";
    return pm_map_remove(f->m, (const uint8_t *)k, strlen(k), NULL);
}
static pm_status a_clone(fx *f)
{
    return pm_map_clone(f->m, &f->out);
}
static pm_map_slot g_slot; /* f->out lives here; run_x frees it with pm_map_free */
static pm_status a_clone_at(fx *f)
{
    return pm_map_clone_at(f->m, &g_slot, &f->out);
}
static pm_status a_remove_prefix(fx *f)
{
    size_t n;
    return pm_map_remove_prefix(f->m, (const uint8_t *)"spaces/2/fa", 11, &n);
}
static pm_status a_remove_prefix_wide(fx *f)
{
    size_t n;
    return pm_map_remove_prefix(f->m, NULL, 0, &n);
}
static pm_status a_copy_prefix(fx *f)
{
    return pm_map_copy_prefix(f->m, (const uint8_t *)"spaces/4/fac", 12, &f->out);
}
static pm_status a_subtrie(fx *f)
{
    return pm_map_subtrie(f->m, (const uint8_t *)"spaces/5/facts/5/ent", 20, &f->out);
}
static pm_status a_graft(fx *f)
{
    pm_map *src;
    pm_status s = pm_map_subtrie(f->other, (const uint8_t *)"spaces/1/", 9, &src);
    if (s)
        return s;
    s = pm_map_graft(f->m, (const uint8_t *)"spaces/6/facts/x", 16, src);
    pm_map_free(src);
    return s;
}
static pm_status a_graft_self(fx *f)
{
    return pm_map_graft(f->m, (const uint8_t *)"spaces/6/facts/6/e", 18, f->m);
}
static pm_status a_iter(fx *f)
{
    pm_status s = pm_iter_new(f->m, (const uint8_t *)"spaces/1", 8, &f->it);
    if (s)
        return s;
    size_t n = 0;
    while ((s = pm_iter_next(f->it, NULL, NULL, NULL)) == PM_OK)
        n++;
    return s == PM_ENOTFOUND ? PM_OK : s;
}
static pm_status a_len(fx *f)
{
    size_t n;
    return pm_map_len(f->m, &n);
}
static pm_status a_count(fx *f)
{
    size_t n;
    return pm_map_count_prefix(f->m, NULL, 0, &n);
}
static pm_status a_footprint(fx *f)
{
    size_t n, b;
    return pm_map_footprint(f->m, &n, &b);
}

/* ---- algebra and zippers ------------------------------------------------------------------ */
static void s_alg(fx *f)
{
    s_shared(f); /* other: a clone of m, then changed: shared and private parts */
    char k[128];
    for (int i = 0; i < 60; i++) {
        snprintf(k, sizeof k, "spaces/%d/facts/%d/other%d", i % 5, i % 3, i);
        assert_int_equal(set_s(f->other, k, (uint64_t)i), PM_OK);
        snprintf(k, sizeof k, "spaces/%d/facts/%d/entity%d/attr", i % 7, i % 13, i * 11);
        pm_map_remove(f->other, (const uint8_t *)k, strlen(k), NULL);
    }
}
static void s_disjoint(fx *f)
{
    s_big(f);
    assert_int_equal(pm_map_new(ov_ops(), &f->other), PM_OK);
    fill(f->other, 500, "spaces/%d/facts/%d/x%d/attr");
}
static void s_prefixes(fx *f)
{
    s_big(f);
    assert_int_equal(pm_map_new(ov_ops(), &f->other), PM_OK);
    set_s(f->other, "spaces/1/facts/1/", 1);
    set_s(f->other, "spaces/3/fa", 1);
    set_s(f->other, "spaces/4/facts/10/entity36", 1);
}
static pm_status a_join(fx *f)
{
    return pm_map_join(f->m, f->other, &f->out, NULL);
}
static pm_status a_join_into(fx *f)
{
    return pm_map_join_into(f->m, f->other, NULL);
}
static pm_status a_meet_into(fx *f)
{
    return pm_map_meet_into(f->m, f->other, NULL);
}
static pm_status a_subtract(fx *f)
{
    return pm_map_alg_into(PM_SUBTRACT, f->m, f->other, NULL);
}
static pm_status a_restrict(fx *f)
{
    return pm_map_restrict(f->m, f->other, &f->out, NULL);
}
static pm_status a_drop_head(fx *f)
{
    return pm_map_drop_head(f->m, 9, &f->out, NULL);
}
static pm_status a_rz_walk(fx *f)
{
    pm_rz *z;
    pm_status s = pm_rz_new(f->m, (const uint8_t *)"spaces/1", 8, &z);
    if (s)
        return s;
    while ((s = pm_rz_next_val(z)) == PM_OK) {
    }
    if (s == PM_ENOTFOUND)
        s = pm_rz_descend(z, (const uint8_t *)"/facts/1/entity1/attr/and/a/longer/tail", 39);
    pm_rz_free(z);
    return s == PM_ENOTFOUND ? PM_OK : s;
}
/* One write-zipper scenario: the zipper is made inside the action and freed. */
static pm_status wz_do(fx *f, const char *origin, pm_status (*op)(fx *, pm_wz *))
{
    pm_wz *z;
    pm_status s = pm_wz_new(f->m, (const uint8_t *)origin, strlen(origin), &z);
    if (s)
        return s;
    s = pm_wz_descend(z, (const uint8_t *)"/facts/3", 8);
    if (s == PM_OK || s == PM_ENOTFOUND)
        s = op(f, z);
    pm_wz_free(z);
    return s;
}
static pm_status op_set(fx *f, pm_wz *z)
{
    (void)f;
    uint64_t v = ov_make(5);
    pm_status s = pm_wz_set_val(z, v, NULL, NULL);
    if (s)
        ov_release(v);
    return s;
}
static pm_status op_graft(fx *f, pm_wz *z)
{
    pm_rz *r;
    pm_status s = pm_rz_new(f->other, (const uint8_t *)"spaces/2/fac", 12, &r);
    if (s)
        return s;
    s = pm_wz_graft(z, r);
    pm_rz_free(r);
    return s;
}
static pm_status op_take(fx *f, pm_wz *z)
{
    return pm_wz_take_map(z, &f->out);
}
static pm_status op_join(fx *f, pm_wz *z)
{
    pm_rz *r;
    pm_status s = pm_rz_new(f->other, (const uint8_t *)"spaces/4/facts/3", 16, &r);
    if (s)
        return s;
    s = pm_wz_join(z, r, NULL);
    pm_rz_free(r);
    return s;
}
static pm_status op_meet(fx *f, pm_wz *z)
{
    pm_rz *r;
    pm_status s = pm_rz_new(f->other, (const uint8_t *)"spaces/3/facts/3", 16, &r);
    if (s)
        return s;
    s = pm_wz_meet(z, r, NULL);
    pm_rz_free(r);
    return s;
}
static pm_status op_drop(fx *f, pm_wz *z)
{
    (void)f;
    return pm_wz_drop_head(z, 2, NULL);
}
static pm_status op_branches(fx *f, pm_wz *z)
{
    (void)f;
    return pm_wz_remove_branches(z);
}
static pm_status a_wz_set(fx *f)
{
    return wz_do(f, "spaces/3", op_set);
}
static pm_status a_wz_graft(fx *f)
{
    return wz_do(f, "spaces/3", op_graft);
}
static pm_status a_wz_take(fx *f)
{
    return wz_do(f, "spaces/1", op_take);
}
static pm_status a_wz_join(fx *f)
{
    return wz_do(f, "spaces/3", op_join);
}
static pm_status a_wz_meet(fx *f)
{
    return wz_do(f, "spaces/3", op_meet);
}
static pm_status a_wz_drop(fx *f)
{
    return wz_do(f, "spaces/3", op_drop);
}
static pm_status a_wz_branches(fx *f)
{
    return wz_do(f, "spaces/3", op_branches);
}
/* ZipperHead creation: a failure leaves the map as it was. */
static pm_status a_zh(fx *f)
{
    pm_zh *h;
    pm_status s = pm_zh_new(f->m, &h);
    if (s)
        return s;
    pm_rz *r = NULL;
    pm_wz *w = NULL;
    s = pm_zh_read_zipper(h, (const uint8_t *)"spaces/2/facts/1", 16, &r, NULL);
    if (s == PM_OK)
        s = pm_zh_write_zipper(h, (const uint8_t *)"spaces/3/fac", 12, &w, NULL);
    if (r)
        pm_zh_release_rz(h, r);
    if (w)
        while (pm_zh_release_wz(h, w) != PM_OK) {
        }
    pm_zh_free(h);
    return s;
}

static void test_fault(void **state)
{
    (void)state;
    run("new", s_empty, a_new);
    run("set into empty", s_empty, a_set_x);
    run("set split", s_line, a_set_split);
    run("set upgrade to dense", s_line2, a_set_upgrade);
    run("set dense growth", s_dense_full, a_set_grow);
    run("set 64 KiB key", s_empty, a_set_long);
    run("set on shared (path copy)", s_shared, a_set_x);
    run_x("remove with pruning, owned", s_big, a_remove, 0); /* in place: allocates nothing */
    run("remove on shared", s_shared, a_remove);
    run("clone", s_big, a_clone);
    run_x("clone_at (caller storage)", s_big, a_clone_at, 0); /* allocates nothing: cannot fail */
    run_x("clone_at of a shared map", s_shared, a_clone_at, 0);
    run("remove_prefix on shared", s_shared, a_remove_prefix);
    run("remove_prefix all, wide", s_wide, a_remove_prefix_wide);
    run("copy_prefix", s_big, a_copy_prefix);
    run("subtrie mid-key", s_big, a_subtrie);
    run("graft into shared", s_shared, a_graft);
    run("graft into itself", s_big, a_graft_self);
    run("iter_new + next", s_big, a_iter);
    run("len", s_wide, a_len);
    run("count_prefix", s_wide, a_count);
    run("footprint", s_shared, a_footprint);
    run("join (shared, changed)", s_alg, a_join);
    run("join disjoint", s_disjoint, a_join);
    run("join_into", s_alg, a_join_into);
    run("meet_into", s_alg, a_meet_into);
    run("subtract_into", s_alg, a_subtract);
    run("restrict", s_prefixes, a_restrict);
    run("drop_head", s_big, a_drop_head);
    run("read zipper walk", s_big, a_rz_walk);
    run("wz set on shared", s_shared, a_wz_set);
    run("wz graft mid-key", s_alg, a_wz_graft);
    run("wz take", s_shared, a_wz_take);
    run("wz join", s_alg, a_wz_join);
    run("wz meet", s_alg, a_wz_meet);
    run("wz drop_head", s_shared, a_wz_drop);
    run("wz remove_branches", s_shared, a_wz_branches);
    run("zipperhead create", s_shared, a_zh);
}

/* Every scenario again with owned values (owned.h): a failing call must also leave the cells
 * alone (no clone kept, no drop), and every cell is freed exactly once. */
static void test_fault_owned(void **state)
{
#if defined(PM_SANITIZE_THREAD)
    skip(); /* single-threaded: TSan adds only its slowdown (debug and asan run it) */
#endif
    owned_mode = 1;
    test_fault(state);
    owned_mode = 0;
    assert_int_equal(owned_live(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fault),
        cmocka_unit_test(test_fault_owned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
