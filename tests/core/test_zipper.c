/* Zippers against the reference model: random walks of read zippers (descend inside compressed
 * and chained keys, onto missing paths, ascend, reset, siblings, next value, k-paths, counts)
 * and random writes through write zippers (set, remove, remove branches, graft, take, algebra
 * at the focus, drop_head), with clone isolation and allocation checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pathmap_zipper.h"
#include "zmodel.h"

#define MAXP 4096

typedef struct walker {
    uint8_t abs[MAXP]; /* origin + focus path */
    size_t olen, alen;
} walker;

static unsigned popc(const uint64_t m[4])
{
    return (unsigned)(__builtin_popcountll(m[0]) + __builtin_popcountll(m[1]) +
                      __builtin_popcountll(m[2]) + __builtin_popcountll(m[3]));
}

typedef struct zops {
    const uint8_t *(*path)(void *z, size_t *len);
    bool (*exists)(void *z);
    pm_status (*val)(void *z, uint64_t *v);
    void (*mask)(void *z, uint64_t m[4]);
    unsigned (*count)(void *z);
    pm_status (*descend)(void *z, const uint8_t *k, size_t n);
    bool (*ascend)(void *z, size_t n);
    void (*reset)(void *z);
    pm_status (*sibling)(void *z, int next);
    pm_status (*next_val)(void *z);
    pm_status (*kpath)(void *z, size_t k, int first);
    pm_status (*val_count)(void *z, size_t *out);
} zops;

/* read zipper adaptor */
static const uint8_t *r_path(void *z, size_t *l)
{
    return pm_rz_path(z, l);
}
static bool r_exists(void *z)
{
    return pm_rz_exists(z);
}
static pm_status r_val(void *z, uint64_t *v)
{
    return pm_rz_val(z, v);
}
static void r_mask(void *z, uint64_t m[4])
{
    pm_rz_child_mask(z, m);
}
static unsigned r_count(void *z)
{
    return pm_rz_child_count(z);
}
static pm_status r_descend(void *z, const uint8_t *k, size_t n)
{
    return n == 1 ? pm_rz_descend_byte(z, k[0]) : pm_rz_descend(z, k, n);
}
static bool r_ascend(void *z, size_t n)
{
    return pm_rz_ascend(z, n);
}
static void r_reset(void *z)
{
    pm_rz_reset(z);
}
static pm_status r_sibling(void *z, int next)
{
    return next ? pm_rz_next_sibling(z) : pm_rz_prev_sibling(z);
}
static pm_status r_next_val(void *z)
{
    return pm_rz_next_val(z);
}
static pm_status r_kpath(void *z, size_t k, int first)
{
    return first ? pm_rz_first_k_path(z, k) : pm_rz_next_k_path(z, k);
}
static pm_status r_val_count(void *z, size_t *o)
{
    return pm_rz_val_count(z, o);
}
static const zops RZ = {r_path,   r_exists, r_val,     r_mask,     r_count, r_descend,
                        r_ascend, r_reset,  r_sibling, r_next_val, r_kpath, r_val_count};

/* write zipper adaptor */
static const uint8_t *w_path(void *z, size_t *l)
{
    return pm_wz_path(z, l);
}
static bool w_exists(void *z)
{
    return pm_wz_exists(z);
}
static pm_status w_val(void *z, uint64_t *v)
{
    return pm_wz_val(z, v);
}
static void w_mask(void *z, uint64_t m[4])
{
    pm_wz_child_mask(z, m);
}
static unsigned w_count(void *z)
{
    return pm_wz_child_count(z);
}
static pm_status w_descend(void *z, const uint8_t *k, size_t n)
{
    return n == 1 ? pm_wz_descend_byte(z, k[0]) : pm_wz_descend(z, k, n);
}
static bool w_ascend(void *z, size_t n)
{
    return pm_wz_ascend(z, n);
}
static void w_reset(void *z)
{
    pm_wz_reset(z);
}
static pm_status w_sibling(void *z, int next)
{
    return next ? pm_wz_next_sibling(z) : pm_wz_prev_sibling(z);
}
static pm_status w_next_val(void *z)
{
    return pm_wz_next_val(z);
}
static pm_status w_kpath(void *z, size_t k, int first)
{
    return first ? pm_wz_first_k_path(z, k) : pm_wz_next_k_path(z, k);
}
static pm_status w_val_count(void *z, size_t *o)
{
    return pm_wz_val_count(z, o);
}
static const zops WZ = {w_path,   w_exists, w_val,     w_mask,     w_count, w_descend,
                        w_ascend, w_reset,  w_sibling, w_next_val, w_kpath, w_val_count};

static int last_kind = -1;
static void check_focus(const zops *o, void *z, const model *m, const walker *w)
{
    size_t len;
    const uint8_t *p = o->path(z, &len);
    if (len != w->alen - w->olen)
        print_message("last move kind %d olen %zu\n", last_kind, w->olen);
    assert_int_equal(len, w->alen - w->olen);
    if (len)
        assert_memory_equal(p, w->abs + w->olen, len);
    assert_int_equal(o->exists(z), m_exists(m, w->abs, w->alen));
    size_t at;
    uint64_t v = 0;
    if (model_find(m, w->abs, w->alen, &at)) {
        assert_int_equal(o->val(z, &v), PM_OK);
        assert_int_equal(ov_get(v), m->e[at].v);
    } else {
        assert_int_equal(o->val(z, &v), PM_ENOTFOUND);
    }
    uint64_t a[4], b[4];
    o->mask(z, a);
    m_mask(m, w->abs, w->alen, b);
    assert_memory_equal(a, b, sizeof a);
    assert_int_equal(o->count(z), popc(b));
}

static void set_abs(walker *w, const uint8_t *k, size_t len)
{
    memcpy(w->abs, k, len);
    w->alen = len;
}

/* One random move, checked against the model. */
static void random_move(rng *r, const zops *o, void *z, const model *m, walker *w)
{
    size_t lo, hi, at;
    uint64_t mask[4];
    size_t rel = w->alen - w->olen;
    int kind = (int)rndn(r, 12);
    last_kind = kind;
    switch (kind) {
    case 0:
    case 1:
    case 2: { /* one byte, usually an existing child */
        m_mask(m, w->abs, w->alen, mask);
        unsigned b = (unsigned)rndn(r, 256);
        if (popc(mask) && rndn(r, 5)) {
            unsigned skip = (unsigned)rndn(r, popc(mask));
            b = pm_test_nth_bit(mask, skip);
        }
        if (w->alen + 1 >= MAXP)
            break;
        uint8_t bb = (uint8_t)b;
        pm_status s = o->descend(z, &bb, 1);
        w->abs[w->alen++] = bb;
        assert_int_equal(s, m_exists(m, w->abs, w->alen) ? PM_OK : PM_ENOTFOUND);
        break;
    }
    case 3: { /* several bytes along an existing key */
        model_range(m, w->abs, w->alen, &lo, &hi);
        if (lo == hi)
            break;
        const mkey *k = m->e[lo + rndn(r, hi - lo)].k;
        size_t n = rndn(r, k->len - w->alen + 1);
        if (rndn(r, 4) == 0 && n < k->len - w->alen)
            n = k->len - w->alen;
        pm_status s = o->descend(z, k->b + w->alen, n);
        w->alen += n;
        memcpy(w->abs, k->b, w->alen);
        assert_int_equal(s, PM_OK);
        break;
    }
    case 4:
    case 5: {
        size_t n = 1 + rndn(r, 4);
        bool ok = o->ascend(z, n);
        assert_int_equal(ok, n <= rel);
        w->alen = n <= rel ? w->alen - n : w->olen;
        break;
    }
    case 6:
        if (rndn(r, 4) == 0) {
            o->reset(z);
            w->alen = w->olen;
        }
        break;
    case 7: { /* sibling */
        int next = (int)rndn(r, 2);
        pm_status s = o->sibling(z, next);
        if (rel == 0) {
            assert_int_equal(s, PM_ENOTFOUND);
            break;
        }
        m_mask(m, w->abs, w->alen - 1, mask);
        unsigned b = w->abs[w->alen - 1], nb = 256;
        if (next) {
            for (unsigned x = b + 1; x < 256 && nb == 256; x++)
                if ((mask[x >> 6] >> (x & 63)) & 1)
                    nb = x;
        } else {
            for (unsigned x = b; x-- > 0 && nb == 256;)
                if ((mask[x >> 6] >> (x & 63)) & 1)
                    nb = x;
        }
        assert_int_equal(s, nb < 256 ? PM_OK : PM_ENOTFOUND);
        if (nb < 256)
            w->abs[w->alen - 1] = (uint8_t)nb;
        break;
    }
    case 8:
    case 9: { /* next value, a few times */
        for (int i = 0, n = 1 + (int)rndn(r, 5); i < n; i++) {
            pm_status s = o->next_val(z);
            size_t j = m_next_after(m, w->abs, w->alen, w->olen);
            if (j == m->n) {
                assert_int_equal(s, PM_ENOTFOUND);
                w->alen = w->olen;
                break;
            }
            assert_int_equal(s, PM_OK);
            set_abs(w, m->e[j].k->b, m->e[j].k->len);
            check_focus(o, z, m, w);
        }
        break;
    }
    case 10: { /* k-paths */
        size_t k = rndn(r, 4);
        size_t base = w->alen;
        pm_status s = o->kpath(z, k, 1);
        model_range(m, w->abs, w->alen, &lo, &hi);
        size_t i = lo;
        while (i < hi && m->e[i].k->len < base + k)
            i++;
        if (i == hi) {
            assert_int_equal(s, PM_ENOTFOUND);
            break;
        }
        assert_int_equal(s, PM_OK);
        set_abs(w, m->e[i].k->b, base + k);
        check_focus(o, z, m, w);
        for (int steps = 0; steps < 6 && k; steps++) {
            s = o->kpath(z, k, 0);
            size_t j = model_lb(m, w->abs, w->alen);
            while (j < m->n && has_prefix(m->e[j].k, w->abs, w->alen))
                j++;
            while (j < m->n && has_prefix(m->e[j].k, w->abs, base) && m->e[j].k->len < base + k)
                j++;
            if (j == m->n || !has_prefix(m->e[j].k, w->abs, base)) {
                assert_int_equal(s, PM_ENOTFOUND);
                w->alen = base;
                break;
            }
            assert_int_equal(s, PM_OK);
            set_abs(w, m->e[j].k->b, base + k);
            check_focus(o, z, m, w);
        }
        break;
    }
    default: {
        size_t c;
        assert_int_equal(o->val_count(z, &c), PM_OK);
        model_range(m, w->abs, w->alen, &lo, &hi);
        assert_int_equal(c, hi - lo);
        (void)at;
        break;
    }
    }
    check_focus(o, z, m, w);
}

/* An origin: a prefix of an existing key (often inside a compressed key) or a random path. */
static void pick_origin(rng *r, const model *m, walker *w)
{
    w->olen = 0;
    if (m->n && rndn(r, 5)) {
        const mkey *k = m->e[rndn(r, m->n)].k;
        w->olen = rndn(r, k->len + 1);
        memcpy(w->abs, k->b, w->olen);
    } else if (rndn(r, 2)) {
        w->olen = 1 + rndn(r, 3);
        for (size_t i = 0; i < w->olen; i++)
            w->abs[i] = (uint8_t)("abc"[rndn(r, 3)]);
    }
    w->alen = w->olen;
}

static void test_rz_walks(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 30; seed++) {
        rng r = {seed * 0x9E3779B97F4A7C15ull};
        model m;
        gen_model(&r, &m, 20 + rndn(&r, 300), 400);
        pm_map *map = map_of(&m);
        assert_non_null(map);
        for (int o = 0; o < 4; o++) {
            walker w;
            pick_origin(&r, &m, &w);
            pm_rz *z;
            assert_int_equal(pm_rz_new(map, w.abs, w.olen, &z), PM_OK);
            check_focus(&RZ, z, &m, &w);
            uint32_t rc = pm_debug_root_refcount(map);
            pm_mem_stats s0, s1;
            pm_mem_stats_get(&s0);
            for (int i = 0; i < 1500; i++)
                random_move(&r, &RZ, z, &m, &w);
            pm_mem_stats_get(&s1);
            assert_int_equal(s0.allocs, s1.allocs); /* no node allocation by reads */
            assert_int_equal(rc, pm_debug_root_refcount(map));
            /* a full iteration from the origin visits the model's range in order */
            pm_rz_reset(z);
            w.alen = w.olen;
            size_t lo, hi;
            model_range(&m, w.abs, w.olen, &lo, &hi);
            if (lo < hi && m.e[lo].k->len == w.olen)
                lo++;
            for (size_t i = lo; i < hi; i++) {
                assert_int_equal(pm_rz_next_val(z), PM_OK);
                size_t len;
                const uint8_t *p = pm_rz_path(z, &len);
                assert_int_equal(len + w.olen, m.e[i].k->len);
                assert_memory_equal(p, m.e[i].k->b + w.olen, len);
            }
            assert_int_equal(pm_rz_next_val(z), PM_ENOTFOUND);
            pm_rz_free(z);
        }
        pm_map_free(map);
        model_free(&m);
    }
}

/* Moves allocate nothing once the stack has grown. */
static void test_rz_no_alloc(void **state)
{
    (void)state;
    pm_map *m;
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    uint8_t k[300];
    for (int i = 0; i < 300; i++)
        k[i] = (uint8_t)('a' + i % 7);
    for (int i = 0; i < 50; i++) {
        k[299 - i] = 'z';
        assert_int_equal(pm_map_set(m, k, 300 - (size_t)i, (uint64_t)i, NULL, NULL), PM_OK);
    }
    pm_rz *z;
    assert_int_equal(pm_rz_new(m, NULL, 0, &z), PM_OK);
    while (pm_rz_next_val(z) == PM_OK) {
    }
    uint64_t a0 = pm_debug_alloc_count();
    for (int rep = 0; rep < 3; rep++)
        while (pm_rz_next_val(z) == PM_OK) {
        }
    assert_int_equal(pm_rz_descend(z, k, 250), PM_OK);
    pm_rz_ascend(z, 100);
    assert_int_equal(pm_debug_alloc_count(), a0);
    pm_rz_free(z);
    pm_map_free(m);
}

/* ---- write zippers ----------------------------------------------------------------------------
 */
static void model_set_sub(model *m, const uint8_t *p, size_t plen, const model *sub)
{
    model_graft(m, p, plen, sub);
}

static void test_wz_random(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 30; seed++) {
        rng r = {seed * 0xD1B54A32D192ED03ull};
        model m, src;
        gen_model(&r, &m, 10 + rndn(&r, 200), 300);
        gen_model(&r, &src, 10 + rndn(&r, 100), 300);
        pm_map *map = map_of(&m), *smap = map_of(&src), *snap;
        assert_int_equal(pm_map_clone(map, &snap), PM_OK);
        model snapm;
        model_copy(&snapm, &m);
        walker w;
        pick_origin(&r, &m, &w);
        pm_wz *z;
        assert_int_equal(pm_wz_new(map, w.abs, w.olen, &z), PM_OK);
        for (int i = 0; i < 800; i++) {
            if (rndn(&r, 2)) {
                random_move(&r, &WZ, z, &m, &w);
                continue;
            }
            size_t at;
            uint64_t old, v = rnd(&r) % 8;
            bool had;
            pm_status s;
            switch (rndn(&r, 9)) {
            case 0:
            case 1: {
                uint64_t mo;
                assert_int_equal(pm_wz_set_val(z, ov_make(v), &old, &had), PM_OK);
                assert_int_equal(had, model_set(&m, w.abs, w.alen, v, &mo));
                if (had) {
                    assert_int_equal(ov_get(old), mo);
                    ov_release(old);
                }
                break;
            }
            case 2: {
                uint64_t mo;
                s = pm_wz_remove_val(z, &old);
                assert_int_equal(s, model_remove(&m, w.abs, w.alen, &mo) ? PM_OK : PM_ENOTFOUND);
                if (s == PM_OK) {
                    assert_int_equal(ov_get(old), mo);
                    ov_release(old);
                }
                break;
            }
            case 3: {
                int hv = model_find(&m, w.abs, w.alen, &at);
                uint64_t keep = hv ? m.e[at].v : 0;
                assert_int_equal(pm_wz_remove_branches(z), PM_OK);
                model_remove_prefix(&m, w.abs, w.alen);
                if (hv)
                    model_set(&m, w.abs, w.alen, keep, &old);
                break;
            }
            case 4: { /* graft from a read zipper on the source (often mid-key) */
                walker sw;
                pick_origin(&r, &src, &sw);
                pm_rz *rz;
                assert_int_equal(pm_rz_new(smap, sw.abs, sw.olen, &rz), PM_OK);
                model sub;
                model_extract(&sub, &src, sw.abs, sw.olen, 1);
                assert_int_equal(pm_wz_graft(z, rz), PM_OK);
                model_set_sub(&m, w.abs, w.alen, &sub);
                model_free(&sub);
                pm_rz_free(rz);
                break;
            }
            case 5: { /* take */
                pm_map *t;
                model sub;
                model_extract(&sub, &m, w.abs, w.alen, 1);
                assert_int_equal(pm_wz_take_map(z, &t), PM_OK);
                assert_true(map_equals(t, &sub));
                model_remove_prefix(&m, w.abs, w.alen);
                model_free(&sub);
                if (rndn(&r, 2)) { /* and put it back somewhere */
                    assert_int_equal(pm_wz_graft_map(z, t), PM_OK);
                    model d;
                    assert_int_equal(dump(t, &d), 0);
                    model_set_sub(&m, w.abs, w.alen, &d);
                    model_free(&d);
                }
                pm_map_free(t);
                break;
            }
            case 6:
            case 7: { /* algebra with a read zipper on the source */
                walker sw;
                pick_origin(&r, &src, &sw);
                pm_rz *rz;
                assert_int_equal(pm_rz_new(smap, sw.abs, sw.olen, &rz), PM_OK);
                model A, B, C;
                model_extract(&A, &m, w.abs, w.alen, 1);
                model_extract(&B, &src, sw.abs, sw.olen, 1);
                int op = (int)rndn(&r, 4);
                m_alg(op, &A, &B, &C);
                pm_alg res;
                assert_int_equal(pm_wz_alg(z, (pm_alg_op)op, rz, &res), PM_OK);
                if (C.n == 0)
                    assert_int_equal(res, PM_ALG_NONE);
                else if (model_equal(&C, &A) ||
                         ((op == M_JOIN || op == M_MEET) && model_equal(&C, &B) && !owned_mode))
                    assert_int_equal(res, PM_ALG_IDENTITY);
                else if (owned_mode && (op == M_JOIN || op == M_MEET) && model_equal(&C, &B))
                    /* equal to b by payload; identity is by value word, and cells differ */
                    assert_true(res == PM_ALG_IDENTITY || res == PM_ALG_ELEMENT);
                else
                    assert_int_equal(res, PM_ALG_ELEMENT);
                model_set_sub(&m, w.abs, w.alen, &C);
                model_free(&A);
                model_free(&B);
                model_free(&C);
                pm_rz_free(rz);
                break;
            }
            default: { /* drop_head */
                size_t n = 1 + rndn(&r, 3);
                model A, C;
                model_extract(&A, &m, w.abs, w.alen, 1);
                m_drop_head(&A, n, &C);
                assert_int_equal(pm_wz_drop_head(z, n, NULL), PM_OK);
                model_set_sub(&m, w.abs, w.alen, &C);
                model_free(&A);
                model_free(&C);
                break;
            }
            }
            check_focus(&WZ, z, &m, &w);
            if (i % 50 == 0) {
                assert_true(map_equals(map, &m));
                assert_int_equal(pm_debug_validate(map), PM_OK);
            }
        }
        assert_int_equal(pm_wz_free(z), PM_OK);
        assert_true(map_equals(map, &m));
        assert_int_equal(pm_debug_validate(map), PM_OK);
        assert_true(map_equals(snap, &snapm)); /* the clone never changed */
        pm_map_free(snap);
        pm_map_free(map);
        pm_map_free(smap);
        model_free(&m);
        model_free(&src);
        model_free(&snapm);
    }
    pm_mem_stats s;
    pm_mem_stats_get(&s);
    assert_int_equal(s.live_nodes, 0);
}

/* After a clone, the first write through a zipper copies only the nodes on the focus path. */
static void test_wz_path_copy(void **state)
{
    (void)state;
    pm_map *m, *c;
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    char k[64];
    for (int i = 0; i < 5000; i++) {
        snprintf(k, sizeof k, "kb/%d/entity%d/attr", i % 10, i);
        assert_int_equal(set_s(m, k, (uint64_t)i), PM_OK);
    }
    assert_int_equal(pm_map_clone(m, &c), PM_OK);
    pm_wz *z;
    assert_int_equal(pm_wz_new(c, (const uint8_t *)"kb/3/", 5, &z), PM_OK);
    assert_int_equal(pm_wz_descend(z, (const uint8_t *)"entity13/attr", 13), PM_OK);
    pm_mem_stats s0, s1;
    pm_mem_stats_get(&s0);
    assert_int_equal(pm_wz_set_val(z, 99, NULL, NULL), PM_OK);
    pm_mem_stats_get(&s1);
    assert_true(s1.allocs - s0.allocs <= 12); /* the path's depth, not the map's size */
    uint64_t v;
    assert_int_equal(pm_map_get(m, (const uint8_t *)"kb/3/entity13/attr", 18, &v), PM_OK);
    assert_int_equal(v, 13);
    assert_int_equal(pm_wz_val(z, &v), PM_OK);
    assert_int_equal(v, 99);
    /* removal prunes */
    assert_int_equal(pm_wz_remove_val(z, NULL), PM_OK);
    assert_false(pm_wz_exists(z));
    assert_false(pm_map_contains_path(c, (const uint8_t *)"kb/3/entity13/", 14));
    assert_int_equal(pm_wz_free(z), PM_OK);
    assert_int_equal(pm_debug_validate(c), PM_OK);
    pm_map_free(c);
    pm_map_free(m);
}

/* The same walks and writes with owned values (owned.h): heap cells, clones and drops counted,
 * every cell freed exactly once. */
static void test_rz_walks_owned(void **state)
{
    owned_mode = 1;
    test_rz_walks(state);
    owned_mode = 0;
    assert_int_equal(owned_live(), 0);
}

static void test_wz_random_owned(void **state)
{
    owned_mode = 1;
    test_wz_random(state);
    owned_mode = 0;
    assert_int_equal(owned_live(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rz_walks),        cmocka_unit_test(test_rz_walks_owned),
        cmocka_unit_test(test_rz_no_alloc),     cmocka_unit_test(test_wz_random),
        cmocka_unit_test(test_wz_random_owned), cmocka_unit_test(test_wz_path_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
