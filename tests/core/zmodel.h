/* zmodel.h — model-side helpers for the zipper and algebra tests: queries at a path (exists,
 * child mask, next value, k-paths) and the algebra on sorted-array models (integer values:
 * join and meet keep the left value, subtract removes equal values). Header-only, test code. */
#ifndef PM_TEST_ZMODEL_H
#define PM_TEST_ZMODEL_H

#include "util.h"

typedef struct rng {
    uint64_t s;
} rng;
static inline uint64_t rnd(rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545F4914F6CDD1Dull;
}
static inline size_t rndn(rng *r, size_t n)
{
    return n ? (size_t)(rnd(r) % n) : 0;
}

/* The n-th set bit (0-based) of a 256-bit mask. */
static inline unsigned pm_test_nth_bit(const uint64_t m[4], unsigned n)
{
    for (unsigned b = 0; b < 256; b++)
        if (((m[b >> 6] >> (b & 63)) & 1) && n-- == 0)
            return b;
    return 256;
}

static inline int m_exists(const model *m, const uint8_t *p, size_t plen)
{
    size_t lo, hi;
    model_range(m, p, plen, &lo, &hi);
    return lo < hi;
}

static inline void m_mask(const model *m, const uint8_t *p, size_t plen, uint64_t mask[4])
{
    size_t lo, hi;
    memset(mask, 0, 4 * sizeof mask[0]);
    model_range(m, p, plen, &lo, &hi);
    for (size_t i = lo; i < hi; i++)
        if (m->e[i].k->len > plen) {
            unsigned b = m->e[i].k->b[plen];
            mask[b >> 6] |= (uint64_t)1 << (b & 63);
        }
}

/* Index of the first entry strictly after key p with prefix o, or m->n. */
static inline size_t m_next_after(const model *m, const uint8_t *p, size_t plen, size_t olen)
{
    size_t i = model_lb(m, p, plen);
    if (i < m->n && m->e[i].k->len == plen && (plen == 0 || !memcmp(m->e[i].k->b, p, plen)))
        i++;
    if (i < m->n && has_prefix(m->e[i].k, p, olen))
        return i;
    return m->n;
}

static inline void model_add(model *m, const mkey *k, uint64_t v)
{
    uint64_t old;
    model_set(m, k->b, k->len, v, &old);
}

typedef enum { M_JOIN, M_MEET, M_SUBTRACT, M_RESTRICT } m_op;

static inline void m_alg(int op, const model *a, const model *b, model *out)
{
    memset(out, 0, sizeof *out);
    size_t at;
    for (size_t i = 0; i < a->n; i++) {
        const mkey *k = a->e[i].k;
        int inb = model_find(b, k->b, k->len, &at);
        int keep = 1;
        if (op == M_MEET)
            keep = inb;
        else if (op == M_SUBTRACT)
            keep = !(inb && b->e[at].v == a->e[i].v);
        else if (op == M_RESTRICT) {
            keep = 0;
            for (size_t l = 0; l <= k->len && !keep; l++)
                keep = model_find(b, k->b, l, &at);
        }
        if (keep)
            model_insert_at(out, out->n, mkey_new(k->b, k->len), a->e[i].v);
    }
    if (op == M_JOIN)
        for (size_t i = 0; i < b->n; i++)
            if (!model_find(out, b->e[i].k->b, b->e[i].k->len, &at))
                model_insert_at(out, at, mkey_new(b->e[i].k->b, b->e[i].k->len), b->e[i].v);
}

/* drop_head: keys of length 0 stay, 1..n go, longer ones lose n bytes (first one wins). */
static inline void m_drop_head(const model *a, size_t n, model *out)
{
    memset(out, 0, sizeof *out);
    size_t at;
    for (size_t i = 0; i < a->n; i++) {
        const mkey *k = a->e[i].k;
        if (k->len == 0) {
            model_insert_at(out, 0, mkey_new(NULL, 0), a->e[i].v);
        } else if (k->len > n && !model_find(out, k->b + n, k->len - n, &at)) {
            model_insert_at(out, at, mkey_new(k->b + n, k->len - n), a->e[i].v);
        }
    }
}

static inline int model_keys_equal(const model *a, const model *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (key_cmp(a->e[i].k->b, a->e[i].k->len, b->e[i].k->b, b->e[i].k->len) != 0)
            return 0;
    return 1;
}

/* A map from a model (in owned mode, owned.h: heap cells holding the model's values). */
static inline pm_map *map_of(const model *m)
{
    pm_map *r;
    if (pm_map_new(ov_ops(), &r))
        return NULL;
    for (size_t i = 0; i < m->n; i++)
        if (pm_map_set(r, m->e[i].k->b, m->e[i].k->len, ov_make(m->e[i].v), NULL, NULL))
            return NULL;
    return r;
}

static inline int map_equals(const pm_map *map, const model *m)
{
    model d;
    if (dump(map, &d))
        return 0;
    int eq = model_equal(&d, m);
    model_free(&d);
    return eq;
}

/* Random keys with much prefix sharing: small alphabet, some long keys (chained line nodes). */
static inline size_t gen_key(rng *r, const model *m, uint8_t *k, size_t maxlen)
{
    static const uint8_t alpha[] = {'a', 'b', 'c', 0x00, 0xFF, '/', 'x', 0x80};
    size_t len = 0;
    size_t kind = rndn(r, 100);
    if (kind < 3)
        return 0;
    if (kind < 60 && m->n) {
        const mkey *base = m->e[rndn(r, m->n)].k;
        len = rndn(r, base->len + 1);
        memcpy(k, base->b, len);
    }
    size_t extra = 1 + rndn(r, 6);
    if (rndn(r, 12) == 0)
        extra += 30 + rndn(r, 120);
    for (size_t i = 0; i < extra && len < maxlen; i++)
        k[len++] = alpha[rndn(r, rndn(r, 4) ? 3 : sizeof alpha)];
    return len;
}

static inline void gen_model(rng *r, model *m, size_t n, size_t maxlen)
{
    uint8_t k[512];
    memset(m, 0, sizeof *m);
    for (size_t i = 0; i < n; i++) {
        size_t l = gen_key(r, m, k, maxlen < sizeof k ? maxlen : sizeof k);
        uint64_t old;
        model_set(m, k, l, rnd(r) % 8, &old);
    }
}

#endif
