/* Core unit tests: API edge cases, clone isolation across generations, refcount saturation,
 * value hooks, memory accounting against a walk, and the internal node layout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "node_internal.h"
#include "pathmap_zipper.h"
#include "util.h"

static void expect_live_zero(void)
{
    pm_mem_stats s;
    pm_mem_stats_get(&s);
    assert_int_equal(s.live_nodes, 0);
    assert_int_equal(s.live_bytes, 0);
}

static void test_basics(void **state)
{
    (void)state;
    pm_map *m;
    uint64_t v = 0, old = 0;
    bool had = true;
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    assert_true(pm_map_is_empty(m));
    assert_int_equal(pm_map_get(m, NULL, 0, &v), PM_ENOTFOUND);
    /* the empty key */
    assert_int_equal(pm_map_set(m, NULL, 0, 7, &old, &had), PM_OK);
    assert_false(had);
    assert_false(pm_map_is_empty(m));
    assert_int_equal(pm_map_get(m, NULL, 0, &v), PM_OK);
    assert_int_equal(v, 7);
    assert_int_equal(pm_map_set(m, NULL, 0, 8, &old, &had), PM_OK);
    assert_true(had);
    assert_int_equal(old, 7);
    /* bad arguments */
    assert_int_equal(pm_map_set(NULL, NULL, 0, 1, NULL, NULL), PM_EINVAL);
    assert_int_equal(pm_map_set(m, NULL, 3, 1, NULL, NULL), PM_EINVAL);
    assert_int_equal(pm_map_new(NULL, NULL), PM_EINVAL);
    /* PM_MAX_KEY accepted, one more rejected */
    uint8_t *big = calloc(PM_MAX_KEY + 1, 1);
    assert_int_equal(pm_map_set(m, big, PM_MAX_KEY, 9, NULL, NULL), PM_OK);
    assert_int_equal(pm_map_get(m, big, PM_MAX_KEY, &v), PM_OK);
    assert_int_equal(v, 9);
    assert_int_equal(pm_map_set(m, big, PM_MAX_KEY + 1, 9, NULL, NULL), PM_EINVAL);
    assert_int_equal(pm_map_get(m, big, PM_MAX_KEY + 1, &v), PM_EINVAL);
    assert_true(pm_map_contains_path(m, big, 1000));
    assert_false(pm_map_contains(m, big, 1000));
    free(big);
    /* iteration order: a key before its extensions, ascending bytes, 0x00 and 0xFF */
    const char *keys[] = {"b", "a", "ab", "abc", "a\xff", "ba", "abd"};
    for (size_t i = 0; i < 7; i++)
        assert_int_equal(set_s(m, keys[i], i), PM_OK);
    assert_int_equal(pm_map_set(m, (const uint8_t *)"a\0", 2, 99, NULL, NULL), PM_OK);
    model d;
    assert_int_equal(dump(m, &d), 0);
    assert_true(model_sorted(&d));
    assert_int_equal(d.n, 10);
    assert_int_equal(d.e[0].k->len, 0);
    assert_int_equal(d.e[1].k->len, PM_MAX_KEY); /* all 0x00: sorts before "a" */
    assert_int_equal(d.e[2].k->len, 1);
    assert_int_equal(d.e[3].k->len, 2);
    assert_int_equal(d.e[3].k->b[1], 0);
    assert_int_equal(d.e[9].k->b[0], 'b');
    model_free(&d);
    assert_int_equal(pm_debug_validate(m), PM_OK);
    /* mid-key prefix operations */
    size_t n = 0;
    assert_int_equal(pm_map_count_prefix(m, (const uint8_t *)"ab", 2, &n), PM_OK);
    assert_int_equal(n, 3);
    pm_map *sub;
    assert_int_equal(pm_map_subtrie(m, (const uint8_t *)"a", 1, &sub), PM_OK);
    assert_int_equal(pm_map_get(sub, NULL, 0, &v), PM_OK);
    assert_int_equal(v, 1);
    assert_int_equal(pm_map_get(sub, (const uint8_t *)"bd", 2, &v), PM_OK);
    assert_int_equal(v, 6);
    assert_int_equal(pm_map_graft(m, (const uint8_t *)"zz", 2, sub), PM_OK);
    assert_int_equal(pm_map_get(m, (const uint8_t *)"zzbd", 4, &v), PM_OK);
    assert_int_equal(v, 6);
    assert_int_equal(pm_map_get(m, (const uint8_t *)"zz", 2, &v), PM_OK);
    assert_int_equal(v, 1);
    pm_map_free(sub);
    assert_int_equal(pm_map_remove(m, (const uint8_t *)"q", 1, NULL), PM_ENOTFOUND);
    assert_int_equal(pm_debug_validate(m), PM_OK);
    pm_map_free(m);
    pm_map_free(NULL);
    expect_live_zero();
    assert_string_equal(pm_strerror(PM_ENOMEM), "out of memory");
}

/* A chain of clone generations; each generation changes its own keys only. */
static void test_clone_generations(void **state)
{
    (void)state;
    enum { GENS = 40, PER = 50 };
    pm_map *g[GENS];
    model mg[GENS];
    char k[64];
    assert_int_equal(pm_map_new(NULL, &g[0]), PM_OK);
    memset(&mg[0], 0, sizeof mg[0]);
    for (int i = 0; i < 500; i++) {
        uint64_t o;
        snprintf(k, sizeof k, "spaces/%d/facts/%d", i % 7, i);
        set_s(g[0], k, (uint64_t)i);
        model_set(&mg[0], (const uint8_t *)k, strlen(k), (uint64_t)i, &o);
    }
    for (int gen = 1; gen < GENS; gen++) {
        assert_int_equal(pm_map_clone(g[gen - 1], &g[gen]), PM_OK);
        model_copy(&mg[gen], &mg[gen - 1]);
        for (int j = 0; j < PER; j++) {
            uint64_t o;
            int i = (gen * 131 + j * 17) % 600;
            snprintf(k, sizeof k, "spaces/%d/facts/%d", i % 7, i);
            if (j % 3 == 0) {
                model_remove(&mg[gen], (const uint8_t *)k, strlen(k), &o);
                pm_map_remove(g[gen], (const uint8_t *)k, strlen(k), NULL);
            } else {
                model_set(&mg[gen], (const uint8_t *)k, strlen(k), (uint64_t)(gen * 1000 + j), &o);
                set_s(g[gen], k, (uint64_t)(gen * 1000 + j));
            }
        }
        /* and the parent is written after the child was taken */
        uint64_t o;
        snprintf(k, sizeof k, "parent/%d", gen);
        set_s(g[gen - 1], k, 1);
        model_set(&mg[gen - 1], (const uint8_t *)k, strlen(k), 1, &o);
    }
    for (int gen = 0; gen < GENS; gen++) {
        model d;
        assert_int_equal(dump(g[gen], &d), 0);
        assert_true(model_equal(&d, &mg[gen]));
        assert_int_equal(pm_debug_validate(g[gen]), PM_OK);
        model_free(&d);
    }
    /* free in an interleaved order */
    for (int gen = 0; gen < GENS; gen += 2) {
        pm_map_free(g[gen]);
        model_free(&mg[gen]);
    }
    for (int gen = 1; gen < GENS; gen += 2) {
        model d;
        assert_int_equal(dump(g[gen], &d), 0);
        assert_true(model_equal(&d, &mg[gen]));
        model_free(&d);
        pm_map_free(g[gen]);
        model_free(&mg[gen]);
    }
    expect_live_zero();
}

static void test_saturation(void **state)
{
    (void)state;
    pm_map *m, *c[4];
    uint32_t max = pm_debug_refcount_max();
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    assert_int_equal(pm_debug_set_root_refcount(m, 5), PM_EINVAL); /* empty map */
    for (int i = 0; i < 100; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        set_s(m, k, (uint64_t)i);
    }
    assert_int_equal(pm_debug_root_refcount(m), 1);
    assert_int_equal(pm_debug_set_root_refcount(m, max - 2), PM_OK);
    pm_link sticky = m->root;
    for (int i = 0; i < 4; i++)
        assert_int_equal(pm_map_clone(m, &c[i]), PM_OK);
    assert_int_equal(pm_debug_root_refcount(m), max); /* reached the maximum and stuck */
    for (int i = 0; i < 4; i++)
        pm_map_free(c[i]);
    assert_int_equal(pm_debug_root_refcount(m), max); /* frees never lower a sticky count */
    /* a write copies the sticky root (count is not 1) and leaves it alone */
    pm_map *c2;
    assert_int_equal(pm_map_clone(m, &c2), PM_OK);
    assert_int_equal(set_s(c2, "k5", 555), PM_OK);
    uint64_t v;
    assert_int_equal(pm_map_get(m, (const uint8_t *)"k5", 2, &v), PM_OK);
    assert_int_equal(v, 5);
    assert_int_equal(pm_map_get(c2, (const uint8_t *)"k5", 2, &v), PM_OK);
    assert_int_equal(v, 555);
    assert_int_equal(set_s(m, "k6", 666), PM_OK); /* m's root is sticky too: copied */
    assert_int_equal(pm_debug_root_refcount(m), 1);
    pm_map_free(c2);
    /* c2's old root (sticky) is still alive and intact; m still reads correctly */
    size_t n;
    assert_int_equal(pm_map_len(m, &n), PM_OK);
    assert_int_equal(n, 100);
    pm_map_free(m);
    /* The sticky node is leaked on purpose (bounded leak) with the subtrie it holds: exactly
     * those nodes are still live. The test then restores its count and releases it so that
     * LSan sees no leak. */
    pm_map fake = {0};
    fake.root = sticky;
    size_t fn, fb;
    assert_int_equal(pm_map_footprint(&fake, &fn, &fb), PM_OK);
    assert_true(fn >= 1);
    pm_mem_stats s;
    pm_mem_stats_get(&s);
    assert_int_equal(s.live_nodes, fn);
    assert_int_equal(s.live_bytes, fb);
    assert_int_equal(pm_debug_validate(&fake), PM_OK);
    assert_int_equal(atomic_load(pm_rcp(sticky)), max);
    atomic_store(pm_rcp(sticky), 1);
    pm_release(sticky, NULL);
    expect_live_zero();
}

/* Value hooks: every clone is matched by exactly one drop (or a value handed back). */
static long live_vals;
static uint64_t v_clone(void *ctx, uint64_t v)
{
    (void)ctx;
    live_vals++;
    return v;
}
static void v_drop(void *ctx, uint64_t v)
{
    (void)ctx;
    (void)v;
    live_vals--;
}

static void test_val_ops(void **state)
{
    (void)state;
    pm_val_ops ops = {.clone = v_clone, .drop = v_drop};
    pm_map *m, *c, *s;
    assert_int_equal(pm_map_new(&ops, &m), PM_OK);
    char k[32];
    for (int i = 0; i < 300; i++) {
        snprintf(k, sizeof k, "x/%d/%d", i % 5, i);
        live_vals++; /* the value handed to the map */
        assert_int_equal(set_s(m, k, (uint64_t)i), PM_OK);
    }
    live_vals++;
    assert_int_equal(pm_map_set(m, NULL, 0, 1, NULL, NULL), PM_OK);
    assert_int_equal(live_vals, 301);
    assert_int_equal(pm_map_clone(m, &c), PM_OK);
    assert_int_equal(live_vals, 302); /* root value cloned */
    live_vals++;
    assert_int_equal(set_s(c, "x/1/1", 5), PM_OK); /* old value dropped (no *old) */
    uint64_t old;
    assert_int_equal(pm_map_remove(c, (const uint8_t *)"x/2/2", 5, &old), PM_OK);
    live_vals--; /* handed back to us */
    assert_int_equal(pm_map_subtrie(c, (const uint8_t *)"x/3", 3, &s), PM_OK);
    assert_int_equal(pm_map_graft(m, (const uint8_t *)"y", 1, s), PM_OK);
    size_t removed;
    assert_int_equal(pm_map_remove_prefix(c, (const uint8_t *)"x/4", 3, &removed), PM_OK);
    assert_int_equal(removed, 60);
    /* a clone in caller storage uses the same hooks: the root value is cloned, a write copies
     * path nodes (their values cloned), and pm_map_free drops exactly what it holds */
    pm_map_slot slot;
    pm_map *sc;
    long before = live_vals;
    assert_int_equal(pm_map_clone_at(m, &slot, &sc), PM_OK);
    assert_int_equal(live_vals, before + 1);
    live_vals++;
    assert_int_equal(set_s(sc, "x/0/0", 9), PM_OK);
    assert_true(live_vals >= before + 2); /* + values cloned into the copied path nodes */
    pm_map_free(sc);
    assert_int_equal(live_vals, before);
    pm_map_free(s);
    pm_map_free(c);
    pm_map_free(m);
    assert_int_equal(live_vals, 0);
    expect_live_zero();
}

/* pm_map_clone_at: a clone in caller storage behaves as any clone, allocates nothing and cannot
 * fail with PM_ENOMEM; pm_map_free releases it without freeing the slot. */
static void expect_model(const pm_map *m, const model *want)
{
    model d;
    assert_int_equal(dump(m, &d), 0);
    assert_true(model_equal(&d, want));
    assert_int_equal(pm_debug_validate(m), PM_OK);
    model_free(&d);
}

static void fill_both(pm_map *m, model *mm, int n)
{
    char k[64];
    for (int i = 0; i < n; i++) {
        uint64_t o;
        snprintf(k, sizeof k, "spaces/%d/facts/%d", i % 7, i);
        assert_int_equal(set_s(m, k, (uint64_t)i), PM_OK);
        model_set(mm, (const uint8_t *)k, strlen(k), (uint64_t)i, &o);
    }
}

static void test_clone_at(void **state)
{
    (void)state;
    pm_map_slot slot, slot2;
    pm_map *m, *c, *x = NULL;
    model mm = {0}, mc;
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    /* bad arguments; a map cannot be cloned into its own storage */
    assert_int_equal(pm_map_clone_at(NULL, &slot, &c), PM_EINVAL);
    assert_int_equal(pm_map_clone_at(m, NULL, &c), PM_EINVAL);
    assert_int_equal(pm_map_clone_at(m, &slot, NULL), PM_EINVAL);
    /* an empty map */
    uint64_t a0 = pm_debug_alloc_count();
    assert_int_equal(pm_map_clone_at(m, &slot, &c), PM_OK);
    assert_int_equal(pm_debug_alloc_count(), a0);
    assert_ptr_equal((void *)c, (void *)&slot);
    assert_true(pm_map_is_empty(c));
    assert_int_equal(pm_map_clone_at(c, (pm_map_slot *)(void *)c, &x), PM_EINVAL);
    assert_null(x);
    pm_map_free(c);
    /* a full map: zero allocations, one reference more on the root */
    fill_both(m, &mm, 600);
    uint64_t o;
    assert_int_equal(pm_map_set(m, NULL, 0, 42, NULL, NULL), PM_OK);
    model_set(&mm, NULL, 0, 42, &o);
    pm_mem_stats s0, s1;
    pm_mem_stats_get(&s0);
    a0 = pm_debug_alloc_count();
    assert_int_equal(pm_map_clone_at(m, &slot, &c), PM_OK);
    assert_int_equal(pm_debug_alloc_count(), a0);
    pm_mem_stats_get(&s1);
    assert_int_equal(s1.allocs, s0.allocs);
    assert_int_equal(pm_debug_root_refcount(m), 2);
    expect_model(c, &mm);
    /* independent: writes to either side do not show in the other */
    model_copy(&mc, &mm);
    assert_int_equal(set_s(c, "spaces/1/facts/1", 1001), PM_OK);
    model_set(&mc, (const uint8_t *)"spaces/1/facts/1", 16, 1001, &o);
    assert_int_equal(set_s(c, "only/in/clone", 7), PM_OK);
    model_set(&mc, (const uint8_t *)"only/in/clone", 13, 7, &o);
    assert_int_equal(pm_map_remove(c, (const uint8_t *)"spaces/2/facts/2", 16, NULL), PM_OK);
    model_remove(&mc, (const uint8_t *)"spaces/2/facts/2", 16, &o);
    assert_int_equal(pm_map_remove_prefix(c, (const uint8_t *)"spaces/3/", 9, NULL), PM_OK);
    model_remove_prefix(&mc, (const uint8_t *)"spaces/3/", 9);
    assert_int_equal(pm_map_set(c, NULL, 0, 43, NULL, NULL), PM_OK);
    model_set(&mc, NULL, 0, 43, &o);
    assert_int_equal(set_s(m, "only/in/source", 8), PM_OK);
    model_set(&mm, (const uint8_t *)"only/in/source", 14, 8, &o);
    assert_int_equal(pm_map_remove(m, (const uint8_t *)"spaces/4/facts/4", 16, NULL), PM_OK);
    model_remove(&mm, (const uint8_t *)"spaces/4/facts/4", 16, &o);
    expect_model(m, &mm);
    expect_model(c, &mc);
    /* every operation works on a slot map; maps derived from it are ordinary heap handles (a
     * slot flag copied into one would leak it: LSan) */
    pm_map *h, *sub, *cp, *j;
    assert_int_equal(pm_map_clone(c, &h), PM_OK);
    assert_int_equal(pm_map_subtrie(c, (const uint8_t *)"spaces/5", 8, &sub), PM_OK);
    assert_int_equal(pm_map_copy_prefix(c, (const uint8_t *)"spaces/6", 8, &cp), PM_OK);
    assert_int_equal(pm_map_join(c, m, &j, NULL), PM_OK);
    assert_int_equal(pm_map_graft(c, (const uint8_t *)"g/", 2, sub), PM_OK);
    assert_int_equal(pm_map_join_into(c, cp, NULL), PM_OK); /* cp is a part of c: no change */
    expect_model(h, &mc);                                   /* taken before the graft */
    pm_map_free(h);
    pm_map_free(sub);
    pm_map_free(cp);
    pm_map_free(j);
    size_t n;
    assert_int_equal(pm_map_count_prefix(c, (const uint8_t *)"g/", 2, &n), PM_OK);
    assert_true(n > 0);
    pm_iter *it;
    assert_int_equal(pm_iter_new(c, NULL, 0, &it), PM_OK);
    size_t seen = 0;
    while (pm_iter_next(it, NULL, NULL, NULL) == PM_OK)
        seen++;
    pm_iter_free(it);
    assert_int_equal(pm_map_len(c, &n), PM_OK);
    assert_int_equal(seen, n);
    /* a slot clone of a slot clone */
    assert_int_equal(pm_map_clone_at(c, &slot2, &x), PM_OK);
    assert_int_equal(pm_map_len(x, &n), PM_OK);
    assert_int_equal(seen, n);
    pm_map *d, *t;
    assert_int_equal(pm_map_drop_head(x, 7, &d, NULL), PM_OK);
    pm_wz *z;
    assert_int_equal(pm_wz_new(x, (const uint8_t *)"spaces/0/", 9, &z), PM_OK);
    assert_int_equal(pm_wz_take_map(z, &t), PM_OK);
    assert_int_equal(pm_wz_free(z), PM_OK);
    assert_false(pm_map_is_empty(t));
    assert_false(pm_map_contains_path(x, (const uint8_t *)"spaces/0/", 9));
    pm_map_free(t);
    pm_map_free(d);
    pm_map_free(x);
    /* free the source first: the slot clone still reads its own contents */
    pm_map_free(m);
    assert_int_equal(pm_map_remove_prefix(c, (const uint8_t *)"g/", 2, NULL), PM_OK);
    expect_model(c, &mc);
    pm_map_free(c);
    expect_live_zero();
    model_free(&mm);
    model_free(&mc);
    /* the other order, reusing the same slot: free the clone first */
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    fill_both(m, &mm, 50);
    assert_int_equal(pm_map_clone_at(m, &slot, &c), PM_OK);
    expect_model(c, &mm);
    pm_map_free(c);
    assert_int_equal(pm_debug_root_refcount(m), 1);
    expect_model(m, &mm);
    /* cannot fail: with the next allocation armed to fail, clone_at succeeds and leaves the
     * hook armed (it made no allocation), as the following pm_map_new shows */
    pm_debug_fail_alloc_at(1);
    assert_int_equal(pm_map_clone_at(m, &slot, &c), PM_OK);
    assert_int_equal(pm_map_new(NULL, &x), PM_ENOMEM);
    pm_debug_fail_alloc_at(0);
    expect_model(c, &mm);
    pm_map_free(c);
    pm_map_free(m);
    model_free(&mm);
    expect_live_zero();
}

static void check_accounting(pm_map **maps, size_t n, uint64_t base_nodes, uint64_t base_bytes)
{
    /* sum of footprints of maps that share nothing == live counters */
    size_t tn = 0, tb = 0;
    for (size_t i = 0; i < n; i++) {
        size_t a, b;
        assert_int_equal(pm_map_footprint(maps[i], &a, &b), PM_OK);
        tn += a;
        tb += b;
    }
    pm_mem_stats s;
    pm_mem_stats_get(&s);
    assert_int_equal(s.live_nodes - base_nodes, tn);
    assert_int_equal(s.live_bytes - base_bytes, tb);
}

static void test_accounting(void **state)
{
    (void)state;
    pm_mem_stats s0;
    pm_mem_stats_get(&s0);
    pm_map *m, *c;
    char k[64];
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    for (int i = 0; i < 3000; i++) {
        snprintf(k, sizeof k, "spaces/%d/facts/%d/e%d", i % 3, i % 50, i);
        set_s(m, k, (uint64_t)i);
    }
    check_accounting(&m, 1, s0.live_nodes, s0.live_bytes);
    /* a clone shares everything: footprint of either equals the live count */
    assert_int_equal(pm_map_clone(m, &c), PM_OK);
    check_accounting(&m, 1, s0.live_nodes, s0.live_bytes);
    size_t n1, b1, n2, b2;
    pm_map_footprint(m, &n1, &b1);
    pm_map_footprint(c, &n2, &b2);
    assert_int_equal(n1, n2);
    /* after writes to the clone, live = footprint(m) + nodes of c not shared with m */
    for (int i = 0; i < 100; i++) {
        snprintf(k, sizeof k, "spaces/%d/facts/%d/e%d", i % 3, i % 50, i);
        pm_map_remove(c, (const uint8_t *)k, strlen(k), NULL);
    }
    pm_map_remove_prefix(c, (const uint8_t *)"spaces/1/facts/3", 16, NULL);
    pm_map_free(m);
    check_accounting(&c, 1, s0.live_nodes, s0.live_bytes);
    pm_mem_stats s1;
    pm_mem_stats_get(&s1);
    assert_true(s1.allocs > s0.allocs && s1.frees > s0.frees);
    pm_map_free(c);
    expect_live_zero();
}

static void test_layout(void **state)
{
    (void)state;
    assert_int_equal(sizeof(pm_line), 64);
    /* full / small form header (+ the cached hash, 8 B); words follow (then vmask) */
    assert_int_equal(sizeof(pm_dense), 40 + 8 * PM_DENSE_HASH);
    assert_int_equal(sizeof(pm_small), 24 + 8 * PM_DENSE_HASH);
    assert_int_equal(pm_dense_bytes(0, 3), 40 + 8 * PM_DENSE_HASH + 3 * 8 + 32);
    assert_int_equal(pm_dense_bytes(1, 3), 24 + 8 * PM_DENSE_HASH + 3 * 8);
    pm_map *m;
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    /* one short key: one line node */
    set_s(m, "hello", 1);
    size_t n, b;
    pm_map_footprint(m, &n, &b);
    assert_int_equal(n, 1);
    assert_int_equal(b, pm_line_size_for(5)); /* 24 + 5 key bytes, rounded up to 8: 32 */
    assert_int_equal(b, 32);
    assert_int_equal(pm_tag(m->root), PM_TAG_LINE);
    /* a second key sharing the first byte: the prefix is stored once */
    set_s(m, "help", 2);
    pm_map_footprint(m, &n, &b);
    assert_int_equal(n, 2);
    /* a third first byte at the top: a dense node */
    set_s(m, "x", 3);
    set_s(m, "y", 4);
    assert_int_equal(pm_tag(m->root), PM_TAG_DENSE);
    /* up to PM_SMALL_MAX entries the branch node lists its bytes, beyond that it uses masks;
     * every key stays readable across the change of form, and the node is exactly sized for
     * its entries and values when it was last moved */
    assert_true(pm_dense_is_small(pm_ptr(m->root)));
    const char *more = "abcdefgz";
    for (unsigned i = 0; more[i]; i++) {
        char k[2] = {more[i], 0};
        set_s(m, k, 10 + i);
        const pm_dense *d = pm_ptr(m->root);
        assert_int_equal(pm_dense_is_small(d), d->n <= PM_SMALL_MAX);
        assert_true(pm_dense_used(d) <= pm_dense_cap(d));
    }
    assert_int_equal(((const pm_dense *)pm_ptr(m->root))->n, 11);
    for (unsigned i = 0; more[i]; i++) {
        char k[2] = {more[i], 0};
        uint64_t v;
        assert_int_equal(pm_map_get(m, (const uint8_t *)k, 1, &v), PM_OK);
        assert_int_equal(v, 10 + i);
    }
    assert_int_equal(pm_debug_validate(m), PM_OK);
    /* a 1000-byte key chains line nodes of 40 key bytes */
    pm_map *l;
    pm_map_new(NULL, &l);
    uint8_t key[1000];
    memset(key, 'k', sizeof key);
    pm_map_set(l, key, sizeof key, 1, NULL, NULL);
    pm_map_footprint(l, &n, &b);
    assert_int_equal(n, (1000 + 39) / 40);
    /* clone allocates nothing but the handle */
    uint64_t a0 = pm_debug_alloc_count();
    pm_map *c;
    pm_map_clone(m, &c);
    assert_int_equal(pm_debug_alloc_count() - a0, 1);
    assert_int_equal(pm_debug_root_refcount(m), 2);
    pm_map_free(c);
    assert_int_equal(pm_debug_root_refcount(m), 1);
    /* an in-place update of an existing value allocates nothing */
    a0 = pm_debug_alloc_count();
    set_s(m, "hello", 5);
    assert_int_equal(pm_debug_alloc_count(), a0);
    pm_map_free(l);
    pm_map_free(m);
    expect_live_zero();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basics),     cmocka_unit_test(test_clone_generations),
        cmocka_unit_test(test_saturation), cmocka_unit_test(test_val_ops),
        cmocka_unit_test(test_accounting), cmocka_unit_test(test_layout),
        cmocka_unit_test(test_clone_at),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
