/* Fault injection on issue 18's calls: for every scenario and every k from 1 up to the number of
 * allocations the scenario makes, the k-th allocation fails. A scenario is a whole walk (or a
 * write) from a fresh zipper; each call that returns PM_ENOMEM must have left the focus where it
 * was (checked inside the scenario), and the scenario stops there. After a failed scenario the
 * maps must be exactly as before (contents, footprint, validator, live node counters, owned
 * cells). The loop ends at the first k where the scenario succeeds; k = 1 must fail (each
 * scenario allocates). Run in integer and owned-value modes; ASan/LSan check for leaks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pathmap_product.h"
#include "pathmap_zipper.h"
#include "util.h"

typedef struct fx {
    pm_map *m;     /* the map acted on */
    pm_map *other; /* a clone or a second factor, checked too */
    /* the act ends with a ZipperHead release, which grafts the zipper's subtrie back: the
     * contents must be unchanged, but the node count may differ (a line split at the writer's
     * path). The act checks the node count around the failing call itself. */
    bool shape_may_change;
} fx;

typedef void (*setup_fn)(fx *);
typedef pm_status (*act_fn)(fx *);

/* ---- the focus must not move on PM_ENOMEM ------------------------------------------------------
 */
typedef struct saved {
    uint8_t *p;
    size_t len;
} saved;

static void save(saved *s, const uint8_t *p, size_t len)
{
    s->p = malloc(len + 1);
    if (len)
        memcpy(s->p, p, len);
    s->len = len;
}

static void same(saved *s, const uint8_t *p, size_t len)
{
    assert_int_equal(len, s->len);
    if (len)
        assert_memory_equal(p, s->p, len);
    free(s->p);
}

/* GUARD_xZ(z, call): the call's status; on PM_ENOMEM the focus must be where it was before. */
static saved g_before;
static size_t g_factor;
static void before(const uint8_t *p, size_t len)
{
    save(&g_before, p, len);
}
static pm_status after(const uint8_t *p, size_t len, pm_status s)
{
    if (s == PM_ENOMEM)
        same(&g_before, p, len);
    else
        free(g_before.p);
    return s;
}
static void before_rz(pm_rz *z)
{
    size_t l;
    const uint8_t *p = pm_rz_path(z, &l);
    before(p, l);
}
static pm_status after_rz(pm_rz *z, pm_status s)
{
    size_t l;
    const uint8_t *p = pm_rz_path(z, &l);
    return after(p, l, s);
}
static void before_wz(pm_wz *z)
{
    size_t l;
    const uint8_t *p = pm_wz_path(z, &l);
    before(p, l);
}
static pm_status after_wz(pm_wz *z, pm_status s)
{
    size_t l;
    const uint8_t *p = pm_wz_path(z, &l);
    return after(p, l, s);
}
static void before_pz(pm_pz *z)
{
    size_t l;
    const uint8_t *p = pm_pz_path(z, &l);
    g_factor = pm_pz_focus_factor(z);
    before(p, l);
}
static pm_status after_pz(pm_pz *z, pm_status s)
{
    size_t l;
    const uint8_t *p = pm_pz_path(z, &l);
    if (s == PM_ENOMEM)
        assert_int_equal(pm_pz_focus_factor(z), g_factor);
    return after(p, l, s);
}
#define GUARD_RZ(z, call) (before_rz(z), after_rz(z, (call)))
#define GUARD_WZ(z, call) (before_wz(z), after_wz(z, (call)))
#define GUARD_PZ(z, call) (before_pz(z), after_pz(z, (call)))

/* ---- the harness ------------------------------------------------------------------------------
 */
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

static void run(const char *name, setup_fn setup, act_fn act)
{
    long long live0 = owned_live();
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
        if (st == PM_OK) {
            if (k == 1)
                fail_msg("scenario %s made no allocation", name);
        } else {
            if (st != PM_ENOMEM)
                fail_msg("scenario %s k=%llu: status %d", name, (unsigned long long)k, (int)st);
            assert_int_equal(owned_live(), cells);
            pm_mem_stats_get(&s1);
            if (!f.shape_may_change) {
                assert_int_equal(s1.live_nodes, s0.live_nodes);
                assert_int_equal(s1.live_bytes, s0.live_bytes);
            }
            model d1, o1;
            size_t n1, b1, on1, ob1;
            snapshot(f.m, &d1, &n1, &b1);
            snapshot(f.other, &o1, &on1, &ob1);
            assert_true(model_equal(&d0, &d1));
            assert_true(model_equal(&o0, &o1));
            if (!f.shape_may_change) {
                assert_int_equal(n0, n1);
                assert_int_equal(b0, b1);
                assert_int_equal(on0, on1);
                assert_int_equal(ob0, ob1);
            }
            assert_int_equal(pm_debug_validate(f.m), PM_OK);
            if (f.other)
                assert_int_equal(pm_debug_validate(f.other), PM_OK);
            model_free(&d1);
            model_free(&o1);
        }
        model_free(&d0);
        model_free(&o0);
        pm_map_free(f.other);
        pm_map_free(f.m);
        if (st == PM_OK)
            break;
    }
    pm_mem_stats s;
    pm_mem_stats_get(&s);
    assert_int_equal(s.live_nodes, 0);
    assert_int_equal(owned_live(), live0);
    print_message("  %-30s %llu allocation(s) failed in turn\n", name, (unsigned long long)k - 1);
}

/* ---- setups ---------------------------------------------------------------------------------- */
static void fill(pm_map *m, int n, const char *fmt)
{
    char k[160];
    for (int i = 0; i < n; i++) {
        snprintf(k, sizeof k, fmt, i % 7, i % 13, i);
        assert_int_equal(set_s(m, k, (uint64_t)i), PM_OK);
    }
}
static void s_big(fx *f)
{
    assert_int_equal(pm_map_new(ov_ops(), &f->m), PM_OK);
    fill(f->m, 300, "spaces/%d/facts/%d/entity%d/attr/with/a/longer/tail/for/deep/stacks");
}
static void s_shared(fx *f)
{
    s_big(f);
    assert_int_equal(pm_map_clone(f->m, &f->other), PM_OK);
}
/* k/<d>/v<i> and k/x/<d>/v<j>: moving k/x/ up two bytes merges into k/ */
static void s_overlap(fx *f)
{
    assert_int_equal(pm_map_new(ov_ops(), &f->m), PM_OK);
    fill(f->m, 200, "k/%d/v%d%d");
    fill(f->m, 200, "k/x/%d/w%d%d");
    assert_int_equal(pm_map_clone(f->m, &f->other), PM_OK);
}
static void s_factors(fx *f)
{
    assert_int_equal(pm_map_new(ov_ops(), &f->m), PM_OK);
    fill(f->m, 40, "word%d-%d-%d/");
    assert_int_equal(pm_map_new(ov_ops(), &f->other), PM_OK);
    fill(f->other, 30, "kb/%d/%d/facts/%d/with/a/long/tail");
}

/* ---- read zipper walks ---------------------------------------------------------------------- */
static pm_status rz_walk(fx *f, int kind)
{
    pm_rz *z;
    pm_status s = pm_rz_new(f->m, (const uint8_t *)"spaces/", 7, &z);
    if (s)
        return s;
    for (;;) {
        switch (kind) {
        case 0:
            s = GUARD_RZ(z, pm_rz_to_next_step(z));
            break;
        case 1:
            s = GUARD_RZ(z, pm_rz_descend_until(z));
            if (s == PM_OK || s == PM_ENOTFOUND)
                s = GUARD_RZ(z, pm_rz_to_next_step(z));
            break;
        case 2:
            s = GUARD_RZ(z, pm_rz_descend_first_byte(z));
            break;
        default:
            s = GUARD_RZ(z, pm_rz_descend_indexed_branch(z, pm_rz_child_count(z) - 1));
            break;
        }
        if (s != PM_OK)
            break;
    }
    if (s == PM_ENOTFOUND && kind != 2) { /* and back up */
        s = pm_rz_descend(z, (const uint8_t *)"3/facts/3/entity3/attr/with/a/longer", 36);
        while (pm_rz_ascend_until(z)) {
        }
    }
    pm_rz_free(z);
    return s == PM_ENOTFOUND ? PM_OK : s;
}
static pm_status a_rz_step(fx *f)
{
    return rz_walk(f, 0);
}
static pm_status a_rz_until(fx *f)
{
    return rz_walk(f, 1);
}
static pm_status a_rz_first(fx *f)
{
    return rz_walk(f, 2);
}
static pm_status a_rz_indexed(fx *f)
{
    return rz_walk(f, 3);
}
static pm_status a_rz_fork(fx *f)
{
    pm_rz *z, *k;
    pm_status s = pm_rz_new(f->m, NULL, 0, &z);
    if (s)
        return s;
    s = pm_rz_descend(z, (const uint8_t *)"spaces/2/", 9);
    if (s == PM_OK)
        s = pm_rz_fork(z, &k);
    if (s == PM_OK) {
        while ((s = GUARD_RZ(k, pm_rz_to_next_step(k))) == PM_OK) {
        }
        pm_rz_free(k);
    }
    pm_rz_free(z);
    return s == PM_ENOTFOUND ? PM_OK : s;
}

/* ---- write zippers --------------------------------------------------------------------------- */
static pm_status a_wz_moves(fx *f)
{
    pm_wz *z;
    pm_status s = pm_wz_new(f->m, (const uint8_t *)"spaces/4", 8, &z);
    if (s)
        return s;
    while ((s = GUARD_WZ(z, pm_wz_to_next_step(z))) == PM_OK) {
        s = GUARD_WZ(z, pm_wz_descend_until(z));
        if (s == PM_ENOMEM)
            break;
    }
    if (s == PM_ENOTFOUND) {
        while ((s = GUARD_WZ(z, pm_wz_descend_first_byte(z))) == PM_OK) {
        }
    }
    if (s == PM_ENOTFOUND) {
        pm_wz_reset(z);
        while ((s = GUARD_WZ(z, pm_wz_descend_indexed_branch(z, 0))) == PM_OK) {
        }
    }
    if (s == PM_ENOTFOUND) {
        pm_rz *k;
        pm_wz_ascend_until_branch(z);
        s = pm_wz_fork(z, &k);
        if (s == PM_OK)
            pm_rz_free(k);
    }
    pm_wz_free(z);
    return s == PM_ENOTFOUND ? PM_OK : s;
}

/* A write zipper at origin, descended by rel, then insert_prefix or remove_prefix. */
static pm_status wz_write(fx *f, const char *origin, const char *rel, const char *prefix, size_t n)
{
    pm_wz *z;
    pm_status s = pm_wz_new(f->m, (const uint8_t *)origin, strlen(origin), &z);
    if (s)
        return s;
    s = pm_wz_descend(z, (const uint8_t *)rel, strlen(rel));
    if (s == PM_OK || s == PM_ENOTFOUND) {
        if (prefix)
            s = GUARD_WZ(z, pm_wz_insert_prefix(z, (const uint8_t *)prefix, strlen(prefix)));
        else
            s = GUARD_WZ(z, pm_wz_remove_prefix(z, n));
    }
    pm_wz_free(z);
    return s;
}
static pm_status a_insert(fx *f)
{
    return wz_write(f, "spaces/3", "/facts/3/", "a/new/prefix/", 0);
}
static pm_status a_insert_midkey(fx *f)
{
    return wz_write(f, "spaces/3/facts/3/entity9", "4/at",
                    "a-very-long-new-prefix-longer-than-a-line-node's-key-room", 0);
}
static pm_status a_insert_root(fx *f)
{
    return wz_write(f, "", "", "r/", 0);
}
static pm_status a_remove(fx *f)
{
    return wz_write(f, "spaces/", "3/facts/3/", NULL, 8);
}
static pm_status a_remove_join(fx *f)
{
    return wz_write(f, "k/", "x/", NULL, 2);
}
static pm_status a_remove_midkey(fx *f)
{
    return wz_write(f, "spaces/3/facts/3/entity9", "4/attr/with/a/lon", NULL, 15);
}
static pm_status a_zh(fx *f)
{
    pm_zh *h;
    pm_status s = pm_zh_new(f->m, &h);
    if (s)
        return s;
    pm_wz *w = NULL;
    s = pm_zh_write_zipper(h, (const uint8_t *)"k/", 2, &w, NULL);
    if (s == PM_OK)
        s = pm_wz_descend(w, (const uint8_t *)"x/", 2);
    pm_mem_stats q0, q1;
    pm_mem_stats_get(&q0);
    if (s == PM_OK) /* one write: a failure must leave the map as it was */
        s = GUARD_WZ(w, pm_wz_remove_prefix(w, 2));
    pm_mem_stats_get(&q1);
    if (s == PM_ENOMEM) { /* nothing built or freed by the failing call itself */
        assert_int_equal(q1.live_nodes, q0.live_nodes);
        assert_int_equal(q1.live_bytes, q0.live_bytes);
    }
    f->shape_may_change = true;
    if (w)
        while (pm_zh_release_wz(h, w) != PM_OK) {
        }
    pm_zh_free(h);
    return s;
}

/* ---- product zipper -------------------------------------------------------------------------- */
static pm_status a_pz(fx *f)
{
    const pm_map *maps[3] = {f->m, f->other, f->m};
    pm_pz *z;
    pm_status s = pm_pz_new(maps, 3, &z);
    if (s)
        return s;
    size_t n = 0;
    while ((s = GUARD_PZ(z, pm_pz_next_val(z))) == PM_OK && n < 2000)
        n++;
    if (s == PM_OK || s == PM_ENOTFOUND) {
        pm_pz_reset(z);
        while ((s = GUARD_PZ(z, pm_pz_descend_until(z))) == PM_OK ||
               (s == PM_ENOTFOUND && (s = GUARD_PZ(z, pm_pz_descend_first_byte(z))) == PM_OK)) {
        }
    }
    if (s == PM_ENOTFOUND) {
        pm_pz_reset(z);
        for (int i = 0; i < 3000 && (s = GUARD_PZ(z, pm_pz_to_next_step(z))) == PM_OK; i++) {
        }
    }
    if (s == PM_OK || s == PM_ENOTFOUND) {
        pm_pz_reset(z);
        s = GUARD_PZ(z, pm_pz_first_k_path(z, 60));
        while (s == PM_OK)
            s = GUARD_PZ(z, pm_pz_next_k_path(z, 60));
    }
    if (s == PM_ENOTFOUND) {
        pm_pz_reset(z);
        s = GUARD_PZ(z, pm_pz_descend(z,
                                      (const uint8_t *)"word1-1-1/kb/1/1/facts/1/with/a/long/tail"
                                                       "word1-1-1/kb/1/1/facts/1/with/a/long/tail",
                                      82));
    }
    pm_pz_free(z);
    return s == PM_ENOTFOUND ? PM_OK : s;
}

static void test_fault(void **state)
{
    (void)state;
    run("rz to_next_step walk", s_big, a_rz_step);
    run("rz descend_until walk", s_big, a_rz_until);
    run("rz descend_first_byte", s_big, a_rz_first);
    run("rz descend_indexed_branch", s_big, a_rz_indexed);
    run("rz fork + walk", s_big, a_rz_fork);
    run("wz moves + fork", s_shared, a_wz_moves);
    run("insert_prefix on shared", s_shared, a_insert);
    run("insert_prefix mid-key", s_shared, a_insert_midkey);
    run("insert_prefix at the root", s_shared, a_insert_root);
    run("remove_prefix on shared", s_shared, a_remove);
    run("remove_prefix with a join", s_overlap, a_remove_join);
    run("remove_prefix mid-key", s_shared, a_remove_midkey);
    run("remove_prefix in a ZipperHead", s_overlap, a_zh);
    run("product zipper walks", s_factors, a_pz);
}

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
