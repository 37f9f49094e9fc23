/* Differential test: random operation sequences on the map against the sorted-array model.
 * Keys share prefixes, include the empty key, bytes 0x00/0xFF, keys longer than a line node's
 * inline space and a few of several KiB. Every result is checked; full contents, len and the
 * structural validator periodically and at the end. Snapshots (clones) are checked against
 * their own model copies when they are freed, which also tests clone isolation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "model.h"
#include "owned.h"
#include "pathmap.h"
#include "pathmap_debug.h"

#ifndef DIFF_OPS
#define DIFF_OPS 100000
#endif
/* The differential test is single-threaded: ThreadSanitizer adds nothing to it but a 20x slowdown,
 * so the tsan preset runs 2 of the 10 seeds (debug and asan run all 10). */
#if defined(PM_SANITIZE_THREAD)
#define NSEEDS       2
#define OWNED_NSEEDS 1
#else
#define NSEEDS       10
#define OWNED_NSEEDS 3
#endif
#define NSNAP 3

typedef struct rng {
    uint64_t s;
} rng;
static uint64_t rnd(rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545F4914F6CDD1Dull;
}
static size_t rndn(rng *r, size_t n)
{
    return (size_t)(rnd(r) % n);
}

static uint8_t keybuf[PM_MAX_KEY + 16];
static const uint8_t alpha[] = {0x00, 0xFF, 'a', 'b', 'c', '/', 0x01, 0x80};

/* A key that often shares a prefix with an existing one. */
static size_t gen_key(rng *r, const model *m, uint8_t *k)
{
    size_t kind = rndn(r, 1000);
    size_t len = 0;
    if (kind < 20)
        return 0; /* empty key */
    if (kind < 620 && m->n) {
        const mkey *base = m->e[rndn(r, m->n)].k;
        len = base->len ? rndn(r, base->len + 1) : 0;
        if (len > 8000)
            len = 8000;
        if (base->len > 200 && rndn(r, 2))
            len = base->len - rndn(r, 8 < base->len ? 8 : base->len);
        memcpy(k, base->b, len);
        size_t extra = rndn(r, 4);
        for (size_t i = 0; i < extra && len < sizeof keybuf; i++)
            k[len++] = alpha[rndn(r, sizeof alpha)];
        return len;
    }
    if (kind < 900) {
        len = 1 + rndn(r, 12);
        for (size_t i = 0; i < len; i++)
            k[i] = rndn(r, 4) ? alpha[rndn(r, sizeof alpha)] : (uint8_t)rnd(r);
        return len;
    }
    if (kind < 995) {
        len = 40 + rndn(r, 100); /* longer than a line node's inline space */
    } else {
        len = 1000 + rndn(r, 4000); /* several KiB */
    }
    for (size_t i = 0; i < len; i++)
        k[i] = (uint8_t)('a' + (i % 7 == 6 ? rndn(r, 3) : 0));
    return len;
}

typedef struct fctx {
    const model *m;
    size_t i, lo, hi;
    int bad;
} fctx;

static int cmp_cb(void *c, const uint8_t *k, size_t len, uint64_t v)
{
    fctx *f = c;
    if (f->lo + f->i >= f->hi) {
        f->bad = 1;
        return 1;
    }
    const ment *e = &f->m->e[f->lo + f->i++];
    if (e->k->len != len || (len && memcmp(e->k->b, k, len)) || e->v != ov_get(v)) {
        f->bad = 1;
        return 1;
    }
    return 0;
}

/* Entries of map under prefix p equal model's range, in order. */
static void check_prefix(const pm_map *map, const model *m, const uint8_t *p, size_t plen)
{
    fctx f = {m, 0, 0, 0, 0};
    model_range(m, p, plen, &f.lo, &f.hi);
    assert_int_equal(pm_map_foreach(map, p, plen, cmp_cb, &f), PM_OK);
    assert_false(f.bad);
    assert_int_equal(f.i, f.hi - f.lo);
}

static void check_full(const pm_map *map, const model *m)
{
    size_t n = 0;
    check_prefix(map, m, NULL, 0);
    assert_int_equal(pm_map_len(map, &n), PM_OK);
    assert_int_equal(n, m->n);
    assert_int_equal(pm_map_is_empty(map), m->n == 0);
    assert_int_equal(pm_debug_validate(map), PM_OK);
}

typedef struct snap {
    pm_map *map;
    model m;
} snap;

/* Operations run, per value mode ([0] integers, [1] owned cells). */
static unsigned long long ops_run[2];

/* One seed in the current value mode (owned_mode, owned.h): the model holds payloads, the map
 * holds values made by ov_make; every value handed back (*old) is checked and released. */
static void run_seed(uint64_t seed)
{
    long long live0 = owned_live();
    rng r = {seed * 0x9E3779B97F4A7C15ull + 1};
    pm_map *map;
    model m = {0};
    snap snaps[NSNAP] = {{0}};
    uint8_t *k = keybuf;
    int trace = getenv("PM_DIFF_TRACE") != NULL;
    assert_int_equal(pm_map_new(ov_ops(), &map), PM_OK);

    for (size_t op = 0; op < DIFF_OPS; op++, ops_run[owned_mode]++) {
        size_t len = gen_key(&r, &m, k);
        size_t c = rndn(&r, 1000);
        /* Keep the model small enough for fast checks: bias towards removal when large. */
        if (m.n > 1500 && c < 400)
            c = 500 + rndn(&r, 150);
        uint64_t v = rnd(&r), old = 0, mold = 0;
        bool had = false;
        if (trace)
            fprintf(stderr, "op %zu c=%zu len=%zu n=%zu\n", op, c, len, m.n);
        if (c < 380) {
            int mh = model_set(&m, k, len, v, &mold);
            assert_int_equal(pm_map_set(map, k, len, ov_make(v), &old, &had), PM_OK);
            assert_int_equal(had, mh);
            if (mh) {
                assert_true(ov_get(old) == mold);
                ov_release(old);
            }
        } else if (c < 480) {
            size_t i;
            int mh = model_find(&m, k, len, &i);
            pm_status s = pm_map_get(map, k, len, &old);
            assert_int_equal(s, mh ? PM_OK : PM_ENOTFOUND);
            if (mh)
                assert_true(ov_get(old) == m.e[i].v);
        } else if (c < 640) {
            int mh = model_remove(&m, k, len, &mold);
            pm_status s = pm_map_remove(map, k, len, &old);
            assert_int_equal(s, mh ? PM_OK : PM_ENOTFOUND);
            if (mh) {
                assert_true(ov_get(old) == mold);
                ov_release(old);
            }
        } else if (c < 690) {
            size_t i;
            assert_int_equal(pm_map_contains(map, k, len), model_find(&m, k, len, &i));
        } else if (c < 740) {
            size_t lo, hi;
            model_range(&m, k, len, &lo, &hi);
            assert_int_equal(pm_map_contains_path(map, k, len), lo < hi);
        } else if (c < 800) {
            size_t lo, hi, n = 0;
            model_range(&m, k, len, &lo, &hi);
            assert_int_equal(pm_map_count_prefix(map, k, len, &n), PM_OK);
            assert_int_equal(n, hi - lo);
        } else if (c < 830) {
            if (len == 0 && rndn(&r, 4))
                continue; /* removing everything: keep it rare */
            size_t removed = 0, mr = model_remove_prefix(&m, k, len);
            assert_int_equal(pm_map_remove_prefix(map, k, len, &removed), PM_OK);
            assert_int_equal(removed, mr);
        } else if (c < 850) {
            pm_map *cp;
            model cm;
            assert_int_equal(pm_map_copy_prefix(map, k, len, &cp), PM_OK);
            model_extract(&cm, &m, k, len, 0);
            check_full(cp, &cm);
            pm_map_free(cp);
            model_free(&cm);
        } else if (c < 870) {
            pm_map *st;
            model sm;
            assert_int_equal(pm_map_subtrie(map, k, len, &st), PM_OK);
            model_extract(&sm, &m, k, len, 1);
            check_full(st, &sm);
            pm_map_free(st);
            model_free(&sm);
        } else if (c < 910) {
            /* graft: from a snapshot, from a subtrie of the map itself, or the map into itself */
            size_t which = rndn(&r, 4);
            const pm_map *src;
            pm_map *tmp = NULL;
            model sm;
            if (which < 2 && snaps[which].map) {
                src = snaps[which].map;
                model_copy(&sm, &snaps[which].m);
            } else if (which == 3) {
                src = map;
                model_copy(&sm, &m);
            } else {
                uint8_t p2[16];
                size_t p2l = 0;
                if (m.n) {
                    const mkey *e = m.e[rndn(&r, m.n)].k;
                    p2l = rndn(&r, (e->len < 16 ? e->len : 16) + 1);
                    memcpy(p2, e->b, p2l);
                }
                assert_int_equal(pm_map_subtrie(map, p2, p2l, &tmp), PM_OK);
                model_extract(&sm, &m, p2, p2l, 1);
                src = tmp;
            }
            if (len > 2000)
                len = 2000; /* keep grafted keys within PM_MAX_KEY */
            size_t maxk = 0;
            for (size_t i = 0; i < sm.n; i++)
                maxk = sm.e[i].k->len > maxk ? sm.e[i].k->len : maxk;
            if (sm.n > 600 || m.n > 3000 || maxk + len > 20000) {
                /* keep the model small: graft the source's first entries only */
                pm_map_free(tmp);
                tmp = NULL;
                model_free(&sm);
                assert_int_equal(pm_map_new(ov_ops(), &tmp), PM_OK);
                memset(&sm, 0, sizeof sm);
                for (size_t i = 0; i < 3 && i < m.n; i++) {
                    const mkey *e = m.e[rndn(&r, m.n)].k;
                    uint64_t x = rnd(&r);
                    model_set(&sm, e->b, e->len > 100 ? 100 : e->len, x, &mold);
                    assert_int_equal(
                        pm_map_set(tmp, e->b, e->len > 100 ? 100 : e->len, ov_make(x), NULL, NULL),
                        PM_OK);
                }
                src = tmp;
            }
            assert_int_equal(pm_map_graft(map, k, len, src), PM_OK);
            model_graft(&m, k, len, &sm);
            model_free(&sm);
            pm_map_free(tmp);
            if (rndn(&r, 8) == 0)
                check_full(map, &m);
        } else if (c < 925) {
            /* clone into a snapshot slot (checking and freeing the old one) */
            size_t s = rndn(&r, NSNAP);
            if (snaps[s].map) {
                check_full(snaps[s].map, &snaps[s].m);
                pm_map_free(snaps[s].map);
                model_free(&snaps[s].m);
            }
            assert_int_equal(pm_map_clone(map, &snaps[s].map), PM_OK);
            model_copy(&snaps[s].m, &m);
        } else if (c < 940) {
            /* mutate a snapshot instead of the map */
            size_t s = rndn(&r, NSNAP);
            if (snaps[s].map) {
                model_set(&snaps[s].m, k, len, v, &mold);
                assert_int_equal(pm_map_set(snaps[s].map, k, len, ov_make(v), NULL, NULL), PM_OK);
                if (m.n && rndn(&r, 2)) {
                    const mkey *dk = snaps[s].m.n ? snaps[s].m.e[rndn(&r, snaps[s].m.n)].k : NULL;
                    if (dk) {
                        uint8_t *cpy = malloc(dk->len + 1);
                        memcpy(cpy, dk->b, dk->len);
                        size_t dl = dk->len;
                        assert_int_equal(model_remove(&snaps[s].m, cpy, dl, &mold), 1);
                        assert_int_equal(pm_map_remove(snaps[s].map, cpy, dl, NULL), PM_OK);
                        free(cpy);
                    }
                }
            }
        } else if (c < 950) {
            check_prefix(map, &m, k, len > 3 ? 3 : len);
        } else if (c < 960) {
            size_t n = 0;
            assert_int_equal(pm_map_len(map, &n), PM_OK);
            assert_int_equal(n, m.n);
        } else {
            /* lookup of every key of a random neighbourhood */
            size_t lo = m.n ? rndn(&r, m.n) : 0;
            for (size_t i = lo; i < m.n && i < lo + 8; i++) {
                assert_int_equal(pm_map_get(map, m.e[i].k->b, m.e[i].k->len, &old), PM_OK);
                assert_true(ov_get(old) == m.e[i].v);
            }
        }
        if (op % 5000 == 4999)
            check_full(map, &m);
    }
    check_full(map, &m);
    for (size_t s = 0; s < NSNAP; s++) {
        if (snaps[s].map) {
            check_full(snaps[s].map, &snaps[s].m);
            pm_map_free(snaps[s].map);
            model_free(&snaps[s].m);
        }
    }
    pm_map_free(map);
    model_free(&m);
    pm_mem_stats st;
    pm_mem_stats_get(&st);
    assert_int_equal(st.live_nodes, 0);
    assert_int_equal(st.live_bytes, 0);
    assert_int_equal(owned_live(), live0); /* every cell made was freed exactly once */
}

/* PM_DIFF_SEEDS=N (both modes) runs N seeds of DIFF_OPS operations each: the long run of
 * `make soak` and tests/README.md. */
static uint64_t seeds(uint64_t dflt)
{
    const char *e = getenv("PM_DIFF_SEEDS");
    return e && *e ? strtoull(e, NULL, 10) : dflt;
}

static void test_differential(void **state)
{
    (void)state;
    owned_mode = 0;
    for (uint64_t seed = 1; seed <= seeds(NSEEDS); seed++)
        run_seed(seed);
}

/* The same operations with owned values: heap cells, clone and drop counted (owned.h). */
static void test_differential_owned(void **state)
{
    (void)state;
    owned_mode = 1;
    uint64_t n = seeds(OWNED_NSEEDS);
    for (uint64_t seed = 1; seed <= n; seed++)
        run_seed(seed);
    owned_mode = 0;
    assert_int_equal(owned_live(), 0);
    printf("differential: %llu operations with integer values, %llu with owned values "
           "(%llu seeds; %lld clones, %lld drops, 0 cells live)\n",
           ops_run[0], ops_run[1], (unsigned long long)n, owned_clones(), owned_drops());
}

/* An argument runs only the tests matching it (cmocka's filter: test_differential_owned). */
int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_differential),
        cmocka_unit_test(test_differential_owned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
