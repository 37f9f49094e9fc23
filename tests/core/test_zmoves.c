/* Issue 18's zipper moves (descend_until, ascend_until, ascend_until_branch, to_next_step,
 * descend_first_byte, descend_indexed_branch), forks, insert_prefix / remove_prefix and the
 * product zipper, against the reference model: random walks of read, write and product zippers
 * (each move checked against a model-side reference, then the focus path, existence, value and
 * child mask), random writes through write zippers in integer and owned-value modes, the edge
 * cases by hand (the empty path, a value with no children, product boundaries) and a ZipperHead's
 * writer and reader using the new calls. The product zipper's model is the concatenation map,
 * built explicitly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pathmap_product.h"
#include "pathmap_zipper.h"
#include "zmodel.h"

#define MAXP 8192

typedef struct walker {
    uint8_t abs[MAXP]; /* origin + focus path */
    size_t olen, alen;
} walker;

static unsigned popc(const uint64_t m[4])
{
    return (unsigned)(__builtin_popcountll(m[0]) + __builtin_popcountll(m[1]) +
                      __builtin_popcountll(m[2]) + __builtin_popcountll(m[3]));
}

/* ---- one interface over read, write and product zippers ------------------------------------- */
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
    pm_status (*descend_until)(void *z);
    bool (*ascend_until)(void *z, int branch_only);
    pm_status (*next_step)(void *z);
    pm_status (*indexed)(void *z, int first, unsigned idx);
    pm_status (*fork)(void *z, pm_rz **out); /* NULL: none */
} zops;

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
static pm_status r_until(void *z)
{
    return pm_rz_descend_until(z);
}
static bool r_aup(void *z, int b)
{
    return b ? pm_rz_ascend_until_branch(z) : pm_rz_ascend_until(z);
}
static pm_status r_step(void *z)
{
    return pm_rz_to_next_step(z);
}
static pm_status r_indexed(void *z, int first, unsigned idx)
{
    return first ? pm_rz_descend_first_byte(z) : pm_rz_descend_indexed_branch(z, idx);
}
static pm_status r_fork(void *z, pm_rz **out)
{
    return pm_rz_fork(z, out);
}
static const zops RZ = {r_path,   r_exists, r_val,     r_mask,     r_count, r_descend,
                        r_ascend, r_reset,  r_sibling, r_next_val, r_kpath, r_until,
                        r_aup,    r_step,   r_indexed, r_fork};

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
static pm_status w_until(void *z)
{
    return pm_wz_descend_until(z);
}
static bool w_aup(void *z, int b)
{
    return b ? pm_wz_ascend_until_branch(z) : pm_wz_ascend_until(z);
}
static pm_status w_step(void *z)
{
    return pm_wz_to_next_step(z);
}
static pm_status w_indexed(void *z, int first, unsigned idx)
{
    return first ? pm_wz_descend_first_byte(z) : pm_wz_descend_indexed_branch(z, idx);
}
static pm_status w_fork(void *z, pm_rz **out)
{
    return pm_wz_fork(z, out);
}
static const zops WZ = {w_path,   w_exists, w_val,     w_mask,     w_count, w_descend,
                        w_ascend, w_reset,  w_sibling, w_next_val, w_kpath, w_until,
                        w_aup,    w_step,   w_indexed, w_fork};

static const uint8_t *p_path(void *z, size_t *l)
{
    return pm_pz_path(z, l);
}
static bool p_exists(void *z)
{
    return pm_pz_exists(z);
}
static pm_status p_val(void *z, uint64_t *v)
{
    return pm_pz_val(z, v);
}
static void p_mask(void *z, uint64_t m[4])
{
    pm_pz_child_mask(z, m);
}
static unsigned p_count(void *z)
{
    return pm_pz_child_count(z);
}
static pm_status p_descend(void *z, const uint8_t *k, size_t n)
{
    return n == 1 ? pm_pz_descend_byte(z, k[0]) : pm_pz_descend(z, k, n);
}
static bool p_ascend(void *z, size_t n)
{
    return pm_pz_ascend(z, n);
}
static void p_reset(void *z)
{
    pm_pz_reset(z);
}
static pm_status p_sibling(void *z, int next)
{
    return next ? pm_pz_next_sibling(z) : pm_pz_prev_sibling(z);
}
static pm_status p_next_val(void *z)
{
    return pm_pz_next_val(z);
}
static pm_status p_kpath(void *z, size_t k, int first)
{
    return first ? pm_pz_first_k_path(z, k) : pm_pz_next_k_path(z, k);
}
static pm_status p_until(void *z)
{
    return pm_pz_descend_until(z);
}
static bool p_aup(void *z, int b)
{
    return b ? pm_pz_ascend_until_branch(z) : pm_pz_ascend_until(z);
}
static pm_status p_step(void *z)
{
    return pm_pz_to_next_step(z);
}
static pm_status p_indexed(void *z, int first, unsigned idx)
{
    return first ? pm_pz_descend_first_byte(z) : pm_pz_descend_indexed_branch(z, idx);
}
static const zops PZ = {p_path,   p_exists, p_val,     p_mask,     p_count, p_descend,
                        p_ascend, p_reset,  p_sibling, p_next_val, p_kpath, p_until,
                        p_aup,    p_step,   p_indexed, NULL};

/* ---- model-side references --------------------------------------------------------------------
 */
static unsigned m_count(const model *m, const uint8_t *p, size_t len)
{
    uint64_t mk[4];
    m_mask(m, p, len, mk);
    return popc(mk);
}
static int m_hasval(const model *m, const uint8_t *p, size_t len)
{
    size_t at;
    return model_find(m, p, len, &at);
}

static pm_status ref_descend_until(const model *m, walker *w)
{
    size_t start = w->alen;
    for (;;) {
        uint64_t mk[4];
        m_mask(m, w->abs, w->alen, mk);
        if (popc(mk) != 1)
            break;
        w->abs[w->alen++] = (uint8_t)pm_test_nth_bit(mk, 0);
        if (m_hasval(m, w->abs, w->alen))
            break;
    }
    return w->alen > start ? PM_OK : PM_ENOTFOUND;
}

static bool ref_ascend_until(const model *m, walker *w, int branch_only)
{
    if (w->alen == w->olen)
        return false;
    do {
        w->alen--;
        if (m_count(m, w->abs, w->alen) > 1 || (!branch_only && m_hasval(m, w->abs, w->alen)))
            break;
    } while (w->alen > w->olen);
    return true;
}

static pm_status ref_next_step(const model *m, walker *w)
{
    uint64_t mk[4];
    m_mask(m, w->abs, w->alen, mk);
    if (popc(mk)) {
        w->abs[w->alen++] = (uint8_t)pm_test_nth_bit(mk, 0);
        return PM_OK;
    }
    for (size_t k = w->alen; k > w->olen; k--) {
        m_mask(m, w->abs, k - 1, mk);
        for (unsigned x = w->abs[k - 1] + 1u; x < 256; x++)
            if ((mk[x >> 6] >> (x & 63)) & 1) {
                w->alen = k;
                w->abs[k - 1] = (uint8_t)x;
                return PM_OK;
            }
    }
    w->alen = w->olen;
    return PM_ENOTFOUND;
}

static pm_status ref_indexed(const model *m, walker *w, unsigned idx)
{
    uint64_t mk[4];
    m_mask(m, w->abs, w->alen, mk);
    unsigned b = pm_test_nth_bit(mk, idx);
    if (b >= 256)
        return PM_ENOTFOUND;
    w->abs[w->alen++] = (uint8_t)b;
    return PM_OK;
}

static int last_kind;

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

/* One random move, checked against the model. Moves of issue 18 are most of them; the older
 * moves are there to reach varied positions (missing paths, inside compressed keys). */
static void random_move(rng *r, const zops *o, void *z, const model *m, walker *w, int depth);

static void fork_walk(rng *r, const zops *o, void *z, const model *m, const walker *w, int depth)
{
    pm_rz *f;
    assert_int_equal(o->fork(z, &f), PM_OK);
    walker *fw = malloc(sizeof *fw);
    memcpy(fw->abs, w->abs, w->alen);
    fw->olen = fw->alen = w->alen;
    check_focus(&RZ, f, m, fw);
    for (int i = 0, n = 5 + (int)rndn(r, 30); i < n; i++)
        random_move(r, &RZ, f, m, fw, depth + 1);
    pm_rz_free(f);
    free(fw);
}

static void random_move(rng *r, const zops *o, void *z, const model *m, walker *w, int depth)
{
    size_t lo, hi;
    uint64_t mask[4];
    size_t rel = w->alen - w->olen;
    int kind = (int)rndn(r, 17);
    last_kind = kind;
    if (w->alen + 600 >= MAXP) { /* keep room: go back up */
        o->reset(z);
        w->alen = w->olen;
        return;
    }
    switch (kind) {
    case 0:
    case 1: { /* one byte, usually an existing child */
        m_mask(m, w->abs, w->alen, mask);
        unsigned b = (unsigned)rndn(r, 256);
        if (popc(mask) && rndn(r, 5))
            b = pm_test_nth_bit(mask, (unsigned)rndn(r, popc(mask)));
        uint8_t bb = (uint8_t)b;
        pm_status s = o->descend(z, &bb, 1);
        w->abs[w->alen++] = bb;
        assert_int_equal(s, m_exists(m, w->abs, w->alen) ? PM_OK : PM_ENOTFOUND);
        break;
    }
    case 2: { /* several bytes along an existing key */
        model_range(m, w->abs, w->alen, &lo, &hi);
        if (lo == hi)
            break;
        const mkey *k = m->e[lo + rndn(r, hi - lo)].k;
        size_t n = rndn(r, k->len - w->alen + 1);
        assert_int_equal(o->descend(z, k->b + w->alen, n), PM_OK);
        w->alen += n;
        memcpy(w->abs, k->b, w->alen);
        break;
    }
    case 3: {
        size_t n = 1 + rndn(r, 4);
        assert_int_equal(o->ascend(z, n), n <= rel);
        w->alen = n <= rel ? w->alen - n : w->olen;
        break;
    }
    case 4:
        if (rndn(r, 3) == 0) {
            o->reset(z);
            w->alen = w->olen;
        }
        break;
    case 5: { /* sibling */
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
    case 6: { /* next value, a few times */
        for (int i = 0, n = 1 + (int)rndn(r, 4); i < n; i++) {
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
    case 7: { /* k-paths */
        size_t k = rndn(r, 4), base = w->alen;
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
        for (int steps = 0; steps < 4 && k; steps++) {
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
    case 8:
    case 9:
        assert_int_equal(o->descend_until(z), ref_descend_until(m, w));
        break;
    case 10: {
        bool moved = o->ascend_until(z, 0);
        assert_int_equal(moved, ref_ascend_until(m, w, 0));
        break;
    }
    case 11: {
        bool moved = o->ascend_until(z, 1);
        assert_int_equal(moved, ref_ascend_until(m, w, 1));
        break;
    }
    case 12:
    case 13: /* several steps of the depth-first walk */
        for (int i = 0, n = 1 + (int)rndn(r, 12); i < n; i++) {
            pm_status s = o->next_step(z);
            assert_int_equal(s, ref_next_step(m, w));
            check_focus(o, z, m, w);
            if (s != PM_OK)
                break;
        }
        break;
    case 14:
        assert_int_equal(o->indexed(z, 1, 0), ref_indexed(m, w, 0));
        break;
    case 15: {
        unsigned idx = (unsigned)rndn(r, m_count(m, w->abs, w->alen) + 2);
        assert_int_equal(o->indexed(z, 0, idx), ref_indexed(m, w, idx));
        break;
    }
    default:
        if (o->fork && depth == 0)
            fork_walk(r, o, z, m, w, depth);
        break;
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
    } else if (rndn(r, 3) == 0) {
        w->olen = 1 + rndn(r, 3);
        for (size_t i = 0; i < w->olen; i++)
            w->abs[i] = (uint8_t)("abc"[rndn(r, 3)]);
    }
    w->alen = w->olen;
}

static void test_rz_moves(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        rng r = {seed * 0x9E3779B97F4A7C15ull};
        model m;
        gen_model(&r, &m, 1 + rndn(&r, 250), 300);
        pm_map *map = map_of(&m);
        assert_non_null(map);
        for (int o = 0; o < 3; o++) {
            walker *w = malloc(sizeof *w);
            pick_origin(&r, &m, w);
            pm_rz *z;
            assert_int_equal(pm_rz_new(map, w->abs, w->olen, &z), PM_OK);
            check_focus(&RZ, z, &m, w);
            uint32_t rc = pm_debug_root_refcount(map);
            pm_mem_stats s0, s1;
            pm_mem_stats_get(&s0);
            for (int i = 0; i < 1200; i++)
                random_move(&r, &RZ, z, &m, w, 0);
            pm_mem_stats_get(&s1);
            assert_int_equal(s0.allocs, s1.allocs); /* no node allocation by moves or forks */
            assert_int_equal(rc, pm_debug_root_refcount(map));
            /* to_next_step from the origin visits every existing position below it once, in
             * pre-order: the number of steps is the number of distinct proper extensions */
            pm_rz_reset(z);
            w->alen = w->olen;
            size_t steps = 0;
            pm_status s;
            while ((s = pm_rz_to_next_step(z)) == PM_OK) {
                assert_int_equal(ref_next_step(&m, w), PM_OK);
                check_focus(&RZ, z, &m, w);
                steps++;
            }
            assert_int_equal(s, PM_ENOTFOUND);
            size_t len;
            pm_rz_path(z, &len);
            assert_int_equal(len, 0);
            size_t lo, hi, expect = 0;
            model_range(&m, w->abs, w->olen, &lo, &hi);
            for (size_t i = lo; i < hi; i++) { /* new bytes of key i not shared with key i-1 */
                const mkey *k = m.e[i].k;
                size_t common = w->olen;
                if (i > lo) {
                    const mkey *p = m.e[i - 1].k;
                    while (common < k->len && common < p->len && k->b[common] == p->b[common])
                        common++;
                }
                expect += k->len - common;
            }
            assert_int_equal(steps, expect);
            pm_rz_free(z);
            free(w);
        }
        pm_map_free(map);
        model_free(&m);
    }
}

/* ---- write zippers: moves, insert_prefix, remove_prefix -------------------------------------- */
static pm_status ref_insert_prefix(model *m, const walker *w, const uint8_t *x, size_t xlen)
{
    if (xlen == 0)
        return PM_OK;
    size_t lo, hi;
    model_range(m, w->abs, w->alen, &lo, &hi);
    if (lo < hi && m->e[lo].k->len == w->alen)
        lo++;
    if (lo == hi)
        return PM_ENOTFOUND;
    size_t n = hi - lo;
    ment *moved = malloc(n * sizeof *moved);
    for (size_t i = 0; i < n; i++) {
        const mkey *k = m->e[lo + i].k;
        mkey *nk = malloc(sizeof *nk + k->len + xlen + 1);
        nk->rc = 1;
        nk->len = k->len + xlen;
        memcpy(nk->b, k->b, w->alen);
        memcpy(nk->b + w->alen, x, xlen);
        memcpy(nk->b + w->alen + xlen, k->b + w->alen, k->len - w->alen);
        moved[i].k = nk;
        moved[i].v = m->e[lo + i].v;
        mkey_unref(m->e[lo + i].k);
        m->e[lo + i] = moved[i]; /* same prefix, same order: in place */
    }
    free(moved);
    return PM_OK;
}

static pm_status ref_remove_prefix(model *m, walker *w, size_t n)
{
    if (n > w->alen - w->olen)
        return PM_EINVAL;
    if (n == 0)
        return PM_OK;
    size_t lo, hi, a = w->alen - n;
    model_range(m, w->abs, w->alen, &lo, &hi);
    size_t cnt = hi - lo;
    ment *moved = malloc((cnt ? cnt : 1) * sizeof *moved);
    memcpy(moved, &m->e[lo], cnt * sizeof *moved);
    memmove(&m->e[lo], &m->e[hi], (m->n - hi) * sizeof *m->e);
    m->n -= cnt;
    for (size_t i = 0; i < cnt; i++) {
        const mkey *k = moved[i].k;
        size_t nl = a + (k->len - w->alen), at;
        uint8_t *nb = malloc(nl + 1);
        memcpy(nb, w->abs, a);
        memcpy(nb + a, k->b + w->alen, k->len - w->alen);
        if (!model_find(m, nb, nl, &at)) /* join: what is there wins */
            model_insert_at(m, at, mkey_new(nb, nl), moved[i].v);
        free(nb);
        mkey_unref(moved[i].k);
    }
    free(moved);
    w->alen = a;
    return PM_OK;
}

static void test_wz_moves(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 30; seed++) {
        rng r = {seed * 0xD1B54A32D192ED03ull};
        model m;
        gen_model(&r, &m, 1 + rndn(&r, 200), 200);
        pm_map *map = map_of(&m), *snap;
        assert_non_null(map);
        assert_int_equal(pm_map_clone(map, &snap), PM_OK);
        model snapm;
        model_copy(&snapm, &m);
        walker *w = malloc(sizeof *w);
        pick_origin(&r, &m, w);
        pm_wz *z;
        assert_int_equal(pm_wz_new(map, w->abs, w->olen, &z), PM_OK);
        for (int i = 0; i < 700; i++) {
            if (rndn(&r, 3)) {
                random_move(&r, &WZ, z, &m, w, 0);
                continue;
            }
            switch (rndn(&r, 6)) {
            case 0: {
                uint64_t v = rnd(&r) % 8, old, mo;
                bool had;
                assert_int_equal(pm_wz_set_val(z, ov_make(v), &old, &had), PM_OK);
                assert_int_equal(had, model_set(&m, w->abs, w->alen, v, &mo));
                if (had)
                    ov_release(old);
                break;
            }
            case 1:
            case 2: { /* insert_prefix: a short prefix, sometimes empty or long */
                uint8_t x[64];
                size_t xl = rndn(&r, 4);
                if (rndn(&r, 8) == 0)
                    xl = 20 + rndn(&r, 40);
                for (size_t j = 0; j < xl; j++)
                    x[j] = (uint8_t)("abx/"[rndn(&r, 4)]);
                if (w->alen + xl + 400 >= MAXP)
                    break;
                pm_status s = pm_wz_insert_prefix(z, x, xl);
                assert_int_equal(s, ref_insert_prefix(&m, w, x, xl));
                break;
            }
            default: { /* remove_prefix, sometimes too far */
                size_t rel = w->alen - w->olen;
                size_t n = rndn(&r, rel + 2);
                pm_status s = pm_wz_remove_prefix(z, n);
                assert_int_equal(s, ref_remove_prefix(&m, w, n));
                break;
            }
            }
            check_focus(&WZ, z, &m, w);
            if (i % 25 == 0) {
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
        model_free(&m);
        model_free(&snapm);
        free(w);
    }
    pm_mem_stats s;
    pm_mem_stats_get(&s);
    assert_int_equal(s.live_nodes, 0);
}

/* insert_prefix then remove_prefix restores the map; drop_head also undoes insert_prefix. */
static void test_insert_remove_inverse(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        rng r = {seed * 0xA24BAED4963EE407ull};
        model m;
        gen_model(&r, &m, 1 + rndn(&r, 150), 200);
        pm_map *map = map_of(&m);
        walker w;
        pick_origin(&r, &m, &w);
        pm_wz *z;
        assert_int_equal(pm_wz_new(map, NULL, 0, &z), PM_OK);
        assert_int_equal(pm_wz_descend(z, w.abs, w.olen) <= PM_ENOTFOUND, 1);
        uint8_t x[300];
        size_t xl = 1 + rndn(&r, rndn(&r, 3) ? 5 : 300);
        for (size_t j = 0; j < xl; j++)
            x[j] = (uint8_t)rnd(&r);
        pm_status s = pm_wz_insert_prefix(z, x, xl);
        if (s == PM_OK) {
            assert_int_equal(pm_wz_descend(z, x, xl), PM_OK);
            assert_int_equal(pm_wz_remove_prefix(z, xl), PM_OK);
            size_t len;
            pm_wz_path(z, &len);
            assert_int_equal(len, w.olen);
            assert_true(map_equals(map, &m));
            assert_int_equal(pm_wz_insert_prefix(z, x, xl), PM_OK);
            assert_int_equal(pm_wz_drop_head(z, xl, NULL), PM_OK);
            assert_true(map_equals(map, &m));
        } else {
            assert_int_equal(s, PM_ENOTFOUND);
        }
        assert_int_equal(pm_debug_validate(map), PM_OK);
        assert_int_equal(pm_wz_free(z), PM_OK);
        pm_map_free(map);
        model_free(&m);
    }
}

static void test_wz_moves_owned(void **state)
{
    owned_mode = 1;
    test_wz_moves(state);
    test_insert_remove_inverse(state);
    owned_mode = 0;
    assert_int_equal(owned_live(), 0);
}

/* A join hook: remove_prefix combines values where both sides have one (left + right). */
static pm_alg add_join(void *ctx, uint64_t a, uint64_t b, uint64_t *out)
{
    (void)ctx;
    *out = a + b;
    return PM_ALG_ELEMENT;
}

static void test_remove_prefix_join(void **state)
{
    (void)state;
    pm_val_ops ops = {.join = add_join};
    pm_map *m;
    assert_int_equal(pm_map_new(&ops, &m), PM_OK);
    const char *keys[] = {"ns/a", "ns/b", "ns/foo/", "ns/foo/a", "ns/foo/c", "ns/f", "other"};
    for (uint64_t i = 0; i < 7; i++)
        assert_int_equal(
            pm_map_set(m, (const uint8_t *)keys[i], strlen(keys[i]), 10 * (i + 1), NULL, NULL),
            PM_OK);
    assert_int_equal(pm_map_set(m, (const uint8_t *)"ns/", 3, 1, NULL, NULL), PM_OK);
    pm_wz *z;
    assert_int_equal(pm_wz_new(m, (const uint8_t *)"ns/", 3, &z), PM_OK);
    assert_int_equal(pm_wz_descend(z, (const uint8_t *)"foo/", 4), PM_OK);
    assert_int_equal(pm_wz_remove_prefix(z, 5), PM_EINVAL); /* above the origin */
    assert_int_equal(pm_wz_remove_prefix(z, 4), PM_OK);
    size_t len;
    pm_wz_path(z, &len);
    assert_int_equal(len, 0);
    /* ns/ = 1 + 30 (the focus value moved), ns/a = 10 + 40, ns/c = 50, ns/b and ns/f stay */
    struct {
        const char *k;
        uint64_t v;
    } want[] = {{"ns/", 31}, {"ns/a", 50}, {"ns/b", 20}, {"ns/c", 50}, {"ns/f", 60}, {"other", 70}};
    size_t n;
    assert_int_equal(pm_map_len(m, &n), PM_OK);
    assert_int_equal(n, 6);
    for (int i = 0; i < 6; i++) {
        uint64_t v;
        assert_int_equal(pm_map_get(m, (const uint8_t *)want[i].k, strlen(want[i].k), &v), PM_OK);
        assert_int_equal(v, want[i].v);
    }
    assert_int_equal(pm_wz_free(z), PM_OK);
    pm_map_free(m);
}

/* ---- the edge cases by hand -------------------------------------------------------------------
 */
static void expect_path(const uint8_t *p, size_t len, const char *want)
{
    assert_int_equal(len, strlen(want));
    if (len)
        assert_memory_equal(p, want, len);
}
#define RZP(z, want)                                                                               \
    do {                                                                                           \
        size_t l_;                                                                                 \
        const uint8_t *p_ = pm_rz_path(z, &l_);                                                    \
        expect_path(p_, l_, want);                                                                 \
    } while (0)
#define PZP(z, want)                                                                               \
    do {                                                                                           \
        size_t l_;                                                                                 \
        const uint8_t *p_ = pm_pz_path(z, &l_);                                                    \
        expect_path(p_, l_, want);                                                                 \
    } while (0)

static void test_edges(void **state)
{
    (void)state;
    pm_map *m;
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    const char *keys[] = {"", "ab", "abc", "abd", "x", "xyz"};
    for (uint64_t i = 0; i < 6; i++)
        assert_int_equal(pm_map_set(m, (const uint8_t *)keys[i], strlen(keys[i]), i, NULL, NULL),
                         PM_OK);
    pm_rz *z;
    assert_int_equal(pm_rz_new(m, NULL, 0, &z), PM_OK);
    /* at the empty path */
    assert_int_equal(pm_rz_descend_until(z), PM_ENOTFOUND); /* two children */
    assert_false(pm_rz_ascend_until(z));
    assert_false(pm_rz_ascend_until_branch(z));
    assert_int_equal(pm_rz_descend_indexed_branch(z, 2), PM_ENOTFOUND);
    assert_int_equal(pm_rz_descend_indexed_branch(z, 1), PM_OK);
    RZP(z, "x");
    assert_int_equal(pm_rz_descend_until(z), PM_OK); /* x -> xy -> xyz (value) */
    RZP(z, "xyz");
    assert_int_equal(pm_rz_to_next_step(z), PM_ENOTFOUND); /* the last position */
    RZP(z, "");
    assert_int_equal(pm_rz_to_next_step(z), PM_OK);
    RZP(z, "a");
    assert_int_equal(pm_rz_descend_until(z), PM_OK); /* a -> ab (value) */
    RZP(z, "ab");
    assert_int_equal(pm_rz_descend_first_byte(z), PM_OK);
    RZP(z, "abc");
    /* at a value with no children */
    assert_int_equal(pm_rz_descend_until(z), PM_ENOTFOUND);
    assert_int_equal(pm_rz_descend_first_byte(z), PM_ENOTFOUND);
    assert_int_equal(pm_rz_descend_indexed_branch(z, 0), PM_ENOTFOUND);
    RZP(z, "abc");
    assert_int_equal(pm_rz_to_next_step(z), PM_OK);
    RZP(z, "abd");
    assert_int_equal(pm_rz_to_next_step(z), PM_OK); /* up to the root's next child */
    RZP(z, "x");
    pm_rz_reset(z);
    assert_int_equal(pm_rz_descend(z, (const uint8_t *)"abc", 3), PM_OK);
    assert_true(pm_rz_ascend_until(z)); /* ab: a value with two children */
    RZP(z, "ab");
    assert_true(pm_rz_ascend_until(z)); /* a has one child and no value: on to the root */
    RZP(z, "");
    assert_int_equal(pm_rz_descend(z, (const uint8_t *)"xyz", 3), PM_OK);
    assert_true(pm_rz_ascend_until(z)); /* x is a value */
    RZP(z, "x");
    assert_int_equal(pm_rz_descend(z, (const uint8_t *)"yz", 2), PM_OK);
    assert_true(pm_rz_ascend_until_branch(z)); /* passes the value at x */
    RZP(z, "");
    /* on a missing path */
    assert_int_equal(pm_rz_descend(z, (const uint8_t *)"abq", 3), PM_ENOTFOUND);
    assert_int_equal(pm_rz_descend_until(z), PM_ENOTFOUND);
    assert_int_equal(pm_rz_to_next_step(z), PM_OK); /* no sibling after q, none after b: x */
    RZP(z, "x");
    /* a fork at ab: its own origin */
    pm_rz_reset(z);
    assert_int_equal(pm_rz_descend(z, (const uint8_t *)"ab", 2), PM_OK);
    pm_rz *f;
    assert_int_equal(pm_rz_fork(z, &f), PM_OK);
    RZP(f, "");
    uint64_t v;
    assert_int_equal(pm_rz_val(f, &v), PM_OK);
    assert_int_equal(v, 1);
    assert_int_equal(pm_rz_to_next_step(f), PM_OK);
    RZP(f, "c");
    assert_int_equal(pm_rz_to_next_step(f), PM_OK);
    assert_int_equal(pm_rz_to_next_step(f), PM_ENOTFOUND); /* ends at its own origin */
    RZP(f, "");
    assert_false(pm_rz_ascend(f, 1));
    RZP(z, "ab");
    pm_rz_free(f);
    pm_rz_free(z);

    /* write zipper: insert_prefix with nothing below, and at the root */
    pm_wz *w;
    assert_int_equal(pm_wz_new(m, (const uint8_t *)"abc", 3, &w), PM_OK);
    assert_int_equal(pm_wz_insert_prefix(w, (const uint8_t *)"q", 1), PM_ENOTFOUND);
    assert_int_equal(pm_wz_insert_prefix(w, NULL, 0), PM_OK);
    assert_int_equal(pm_wz_remove_prefix(w, 1), PM_EINVAL);
    assert_int_equal(pm_wz_free(w), PM_OK);
    assert_int_equal(pm_wz_new(m, NULL, 0, &w), PM_OK);
    assert_int_equal(pm_wz_insert_prefix(w, (const uint8_t *)"k/", 2), PM_OK);
    assert_int_equal(pm_map_get(m, NULL, 0, &v), PM_OK); /* the focus value stays */
    assert_int_equal(v, 0);
    assert_int_equal(pm_map_get(m, (const uint8_t *)"k/xyz", 5, &v), PM_OK);
    assert_int_equal(v, 5);
    assert_false(pm_map_contains_path(m, (const uint8_t *)"x", 1));
    assert_int_equal(pm_wz_descend(w, (const uint8_t *)"k/", 2), PM_OK);
    assert_int_equal(pm_wz_remove_prefix(w, 2), PM_OK);
    assert_int_equal(pm_map_get(m, (const uint8_t *)"xyz", 3, &v), PM_OK);
    assert_false(pm_map_contains_path(m, (const uint8_t *)"k", 1));
    assert_int_equal(pm_wz_free(w), PM_OK);
    pm_map_free(m);

    /* product: M1 = {a, b, bc}, M2 = {"" (hidden), x, yz} */
    pm_map *m1, *m2, *m3, *me;
    assert_int_equal(pm_map_new(NULL, &m1), PM_OK);
    assert_int_equal(pm_map_new(NULL, &m2), PM_OK);
    assert_int_equal(pm_map_new(NULL, &m3), PM_OK);
    assert_int_equal(pm_map_new(NULL, &me), PM_OK);
    pm_map_set(m1, (const uint8_t *)"a", 1, 1, NULL, NULL);
    pm_map_set(m1, (const uint8_t *)"b", 1, 2, NULL, NULL);
    pm_map_set(m1, (const uint8_t *)"bc", 2, 3, NULL, NULL);
    pm_map_set(m2, NULL, 0, 9, NULL, NULL);
    pm_map_set(m2, (const uint8_t *)"x", 1, 7, NULL, NULL);
    pm_map_set(m2, (const uint8_t *)"yz", 2, 8, NULL, NULL);
    pm_map_set(m3, NULL, 0, 4, NULL, NULL); /* only an empty-key value: a leaf root */
    const pm_map *f12[] = {m1, m2};
    pm_pz *p;
    assert_int_equal(pm_pz_new(f12, 2, &p), PM_OK);
    assert_int_equal(pm_pz_factor_count(p), 2);
    assert_int_equal(pm_pz_descend_until(p), PM_ENOTFOUND);
    assert_int_equal(pm_pz_descend_byte(p, 'a'), PM_OK); /* a leaf: the boundary */
    assert_int_equal(pm_pz_focus_factor(p), 1);
    size_t off;
    assert_int_equal(pm_pz_factor_start(p, 1, &off), PM_OK);
    assert_int_equal(off, 1);
    assert_int_equal(pm_pz_val(p, &v), PM_OK); /* M1's value, not M2's empty-key value */
    assert_int_equal(v, 1);
    assert_int_equal(pm_pz_child_count(p), 2);
    assert_int_equal(pm_pz_descend_byte(p, 'y'), PM_OK);
    assert_int_equal(pm_pz_descend_until(p), PM_OK);
    PZP(p, "ayz");
    assert_true(pm_pz_ascend_until(p)); /* a: value and two children, across the boundary */
    PZP(p, "a");
    assert_true(pm_pz_ascend(p, 1));
    assert_int_equal(pm_pz_focus_factor(p), 0);
    assert_int_equal(pm_pz_factor_start(p, 1, &off), PM_ENOTFOUND);
    assert_int_equal(pm_pz_descend_byte(p, 'b'), PM_OK); /* b has a child in M1: no boundary */
    assert_int_equal(pm_pz_focus_factor(p), 0);
    assert_int_equal(pm_pz_child_count(p), 1);
    pm_pz_reset(p);
    const char *order[] = {"a", "ax", "ayz", "b", "bc", "bcx", "bcyz"};
    const uint64_t vals[] = {1, 7, 8, 2, 3, 7, 8};
    for (int i = 0; i < 7; i++) {
        assert_int_equal(pm_pz_next_val(p), PM_OK);
        PZP(p, order[i]);
        assert_int_equal(pm_pz_val(p, &v), PM_OK);
        assert_int_equal(v, vals[i]);
    }
    assert_int_equal(pm_pz_next_val(p), PM_ENOTFOUND);
    pm_pz_free(p);
    /* M1 × {""} × M2: the middle root is a leaf, crossed at once; M1 × empty: leaves stay */
    const pm_map *f132[] = {m1, m3, m2};
    assert_int_equal(pm_pz_new(f132, 3, &p), PM_OK);
    assert_int_equal(pm_pz_descend(p, (const uint8_t *)"ax", 2), PM_OK);
    assert_int_equal(pm_pz_focus_factor(p), 2);
    assert_int_equal(pm_pz_factor_start(p, 1, &off), PM_OK);
    assert_int_equal(off, 1);
    assert_int_equal(pm_pz_factor_start(p, 2, &off), PM_OK);
    assert_int_equal(off, 1);
    pm_pz_free(p);
    const pm_map *f1e[] = {m1, me};
    assert_int_equal(pm_pz_new(f1e, 2, &p), PM_OK);
    assert_int_equal(pm_pz_descend_byte(p, 'a'), PM_OK);
    assert_int_equal(pm_pz_focus_factor(p), 1);
    assert_int_equal(pm_pz_child_count(p), 0);
    assert_int_equal(pm_pz_to_next_step(p), PM_OK);
    PZP(p, "b");
    pm_pz_free(p);
    /* a leaf root in the first factor: the product starts in the second */
    const pm_map *f32[] = {m3, m2};
    assert_int_equal(pm_pz_new(f32, 2, &p), PM_OK);
    assert_int_equal(pm_pz_focus_factor(p), 1);
    assert_int_equal(pm_pz_val(p, &v), PM_OK);
    assert_int_equal(v, 4);
    assert_int_equal(pm_pz_descend_first_byte(p), PM_OK);
    PZP(p, "x");
    pm_pz_free(p);
    assert_int_equal(pm_pz_new(f32, 0, &p), PM_EINVAL);
    pm_map_free(m1);
    pm_map_free(m2);
    pm_map_free(m3);
    pm_map_free(me);
}

/* ---- the product zipper against its concatenation map -----------------------------------------
 */
static int m_isleaf(const model *m, const uint8_t *p, size_t len)
{
    size_t at;
    if (!model_find(m, p, len, &at))
        return 0;
    return at + 1 == m->n || !has_prefix(m->e[at + 1].k, p, len);
}

/* C_k = M_k; C_i = M_i plus p‖q for every leaf p of M_i and non-empty key q of C_{i+1}. */
static void concat(const model *M, size_t k, model *out)
{
    model c;
    model_copy(&c, &M[k - 1]);
    for (size_t i = k - 1; i-- > 0;) {
        model n;
        memset(&n, 0, sizeof n);
        for (size_t e = 0; e < M[i].n; e++) {
            const mkey *p = M[i].e[e].k;
            model_insert_at(&n, n.n, mkey_new(p->b, p->len), M[i].e[e].v);
            if (!m_isleaf(&M[i], p->b, p->len))
                continue;
            for (size_t q = 0; q < c.n; q++) {
                const mkey *s = c.e[q].k;
                if (s->len == 0)
                    continue;
                mkey *nk = malloc(sizeof *nk + p->len + s->len + 1);
                nk->rc = 1;
                nk->len = p->len + s->len;
                memcpy(nk->b, p->b, p->len);
                memcpy(nk->b + p->len, s->b, s->len);
                model_insert_at(&n, n.n, nk, c.e[q].v);
            }
        }
        model_free(&c);
        c = n;
    }
    *out = c;
}

/* The factor of a product path, by simulating the boundaries on the factor models. */
static size_t ref_factor(const model *M, size_t k, const uint8_t *q, size_t len, size_t *start)
{
    size_t f = 0, s = 0;
    for (size_t d = 0;; d++) {
        while (f + 1 < k && m_isleaf(&M[f], q + s, d - s)) {
            f++;
            s = d;
        }
        if (d == len) {
            *start = s;
            return f;
        }
    }
}

static void gen_factor(rng *r, model *m)
{
    switch (rndn(r, 10)) {
    case 0:
        memset(m, 0, sizeof *m); /* empty */
        break;
    case 1: { /* only the empty key */
        memset(m, 0, sizeof *m);
        uint64_t old;
        model_set(m, NULL, 0, rnd(r) % 8, &old);
        break;
    }
    default:
        gen_model(r, m, 1 + rndn(r, 10), 12);
    }
}

static void test_product(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 150; seed++) {
        rng r = {seed * 0x94D049BB133111EBull};
        size_t k = 1 + rndn(&r, 3);
        model M[3], C;
        pm_map *maps[3];
        for (size_t i = 0; i < k; i++) {
            gen_factor(&r, &M[i]);
            maps[i] = map_of(&M[i]);
        }
        concat(M, k, &C);
        pm_pz *z;
        assert_int_equal(pm_pz_new((const pm_map *const *)maps, k, &z), PM_OK);
        walker *w = malloc(sizeof *w);
        w->olen = w->alen = 0;
        check_focus(&PZ, z, &C, w);
        pm_mem_stats s0, s1;
        pm_mem_stats_get(&s0);
        for (int i = 0; i < 800; i++) {
            random_move(&r, &PZ, z, &C, w, 0);
            size_t st, off;
            size_t f = ref_factor(M, k, w->abs, w->alen, &st);
            assert_int_equal(pm_pz_focus_factor(z), f);
            assert_int_equal(pm_pz_factor_start(z, f, &off), PM_OK);
            assert_int_equal(off, st);
            assert_int_equal(pm_pz_factor_start(z, f + 1, &off), PM_ENOTFOUND);
        }
        pm_mem_stats_get(&s1);
        assert_int_equal(s0.allocs, s1.allocs); /* builds nothing */
        /* iteration: exactly the concatenation map, in order */
        pm_pz_reset(z);
        size_t i = C.n && C.e[0].k->len == 0 ? 1 : 0;
        for (; i < C.n; i++) {
            assert_int_equal(pm_pz_next_val(z), PM_OK);
            size_t len;
            const uint8_t *p = pm_pz_path(z, &len);
            assert_int_equal(len, C.e[i].k->len);
            assert_memory_equal(p, C.e[i].k->b, len);
            uint64_t v;
            assert_int_equal(pm_pz_val(z, &v), PM_OK);
            assert_int_equal(v, C.e[i].v);
        }
        assert_int_equal(pm_pz_next_val(z), PM_ENOTFOUND);
        pm_pz_free(z);
        free(w);
        for (size_t j = 0; j < k; j++) {
            pm_map_free(maps[j]);
            model_free(&M[j]);
        }
        model_free(&C);
    }
    pm_mem_stats s;
    pm_mem_stats_get(&s);
    assert_int_equal(s.live_nodes, 0);
}

/* ---- ZipperHead: the new calls stay inside a zipper's registered path -------------------------
 */
static void test_zipperhead(void **state)
{
    (void)state;
    pm_map *m;
    assert_int_equal(pm_map_new(ov_ops(), &m), PM_OK);
    const char *keys[] = {"p/1/a", "p/1/b/c", "p/2/x", "q/1"};
    for (int i = 0; i < 4; i++)
        assert_int_equal(set_s(m, keys[i], (uint64_t)i), PM_OK);
    pm_zh *h;
    assert_int_equal(pm_zh_new(m, &h), PM_OK);
    pm_wz *w;
    pm_rz *r, *f;
    assert_int_equal(pm_zh_write_zipper(h, (const uint8_t *)"p/1/", 4, &w, NULL), PM_OK);
    assert_int_equal(pm_zh_read_zipper(h, (const uint8_t *)"p/2", 3, &r, NULL), PM_OK);
    /* moves end at the writer's origin */
    assert_int_equal(pm_wz_descend(w, (const uint8_t *)"b/c", 3), PM_OK);
    assert_true(pm_wz_ascend_until_branch(w));
    size_t len;
    pm_wz_path(w, &len);
    assert_int_equal(len, 0);
    assert_false(pm_wz_ascend_until(w));
    int steps = 0;
    while (pm_wz_to_next_step(w) == PM_OK)
        steps++;
    assert_int_equal(steps, 4); /* a, b, b/, b/c */
    /* remove_prefix above the registered path is a conflict; inside it, fine */
    assert_int_equal(pm_wz_descend(w, (const uint8_t *)"b/", 2), PM_OK);
    assert_int_equal(pm_wz_remove_prefix(w, 3), PM_ECONFLICT);
    assert_int_equal(pm_wz_remove_prefix(w, 2), PM_OK);                       /* p/1/b/c -> p/1/c */
    assert_int_equal(pm_wz_insert_prefix(w, (const uint8_t *)"z", 1), PM_OK); /* -> p/1/z... */
    assert_int_equal(pm_wz_fork(w, &f), PM_OK);
    assert_int_equal(pm_rz_descend(f, (const uint8_t *)"zc", 2), PM_OK);
    pm_rz_free(f);
    /* a fork of the head's reader */
    assert_int_equal(pm_rz_descend_byte(r, '/'), PM_OK);
    assert_int_equal(pm_rz_fork(r, &f), PM_OK);
    assert_int_equal(pm_rz_descend_until(f), PM_OK);
    uint64_t v;
    assert_int_equal(pm_rz_val(f, &v), PM_OK);
    assert_int_equal(ov_get(v), 2);
    pm_rz_free(f);
    pm_zh_release_rz(h, r);
    assert_int_equal(pm_zh_release_wz(h, w), PM_OK);
    assert_int_equal(pm_zh_free(h), PM_OK);
    model want;
    memset(&want, 0, sizeof want);
    const char *after[] = {"p/1/za", "p/1/zc", "p/2/x", "q/1"};
    const uint64_t av[] = {0, 1, 2, 3};
    for (int i = 0; i < 4; i++)
        model_insert_at(&want, want.n, mkey_new((const uint8_t *)after[i], strlen(after[i])),
                        av[i]);
    assert_true(map_equals(m, &want));
    model_free(&want);
    pm_map_free(m);
}

static void test_zipperhead_owned(void **state)
{
    owned_mode = 1;
    test_zipperhead(state);
    owned_mode = 0;
    assert_int_equal(owned_live(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_rz_moves),
        cmocka_unit_test(test_wz_moves),
        cmocka_unit_test(test_insert_remove_inverse),
        cmocka_unit_test(test_wz_moves_owned),
        cmocka_unit_test(test_remove_prefix_join),
        cmocka_unit_test(test_product),
        cmocka_unit_test(test_zipperhead),
        cmocka_unit_test(test_zipperhead_owned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
