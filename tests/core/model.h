/* model.h — the reference model for the core tests: a sorted array of (key, value), keys shared
 * by reference count so snapshots are cheap. Order: bytewise, a key before its extensions,
 * which is the trie's iteration order. Header-only, test code. */
#ifndef PM_TEST_MODEL_H
#define PM_TEST_MODEL_H

#include "pathmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct mkey {
    int rc;
    size_t len;
    uint8_t b[];
} mkey;

typedef struct ment {
    mkey *k;
    uint64_t v;
} ment;

typedef struct model {
    ment *e;
    size_t n, cap;
} model;

static inline mkey *mkey_new(const uint8_t *b, size_t len)
{
    mkey *k = malloc(sizeof *k + len + 1);
    k->rc = 1;
    k->len = len;
    if (len)
        memcpy(k->b, b, len);
    return k;
}
static inline void mkey_unref(mkey *k)
{
    if (--k->rc == 0)
        free(k);
}

static inline int key_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
    size_t m = al < bl ? al : bl;
    int c = m ? memcmp(a, b, m) : 0;
    if (c)
        return c;
    return al < bl ? -1 : al > bl;
}

/* First index whose key is >= (b, len). */
static inline size_t model_lb(const model *m, const uint8_t *b, size_t len)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (key_cmp(m->e[mid].k->b, m->e[mid].k->len, b, len) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static inline int model_find(const model *m, const uint8_t *b, size_t len, size_t *at)
{
    size_t i = model_lb(m, b, len);
    *at = i;
    return i < m->n && m->e[i].k->len == len && (len == 0 || !memcmp(m->e[i].k->b, b, len));
}

static inline void model_insert_at(model *m, size_t i, mkey *k, uint64_t v)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->e = realloc(m->e, m->cap * sizeof *m->e);
    }
    memmove(&m->e[i + 1], &m->e[i], (m->n - i) * sizeof *m->e);
    m->e[i].k = k;
    m->e[i].v = v;
    m->n++;
}

/* Returns 1 and the old value if the key was present. */
static inline int model_set(model *m, const uint8_t *b, size_t len, uint64_t v, uint64_t *old)
{
    size_t i;
    if (model_find(m, b, len, &i)) {
        *old = m->e[i].v;
        m->e[i].v = v;
        return 1;
    }
    model_insert_at(m, i, mkey_new(b, len), v);
    return 0;
}

static inline int model_remove(model *m, const uint8_t *b, size_t len, uint64_t *old)
{
    size_t i;
    if (!model_find(m, b, len, &i))
        return 0;
    *old = m->e[i].v;
    mkey_unref(m->e[i].k);
    memmove(&m->e[i], &m->e[i + 1], (m->n - i - 1) * sizeof *m->e);
    m->n--;
    return 1;
}

static inline int has_prefix(const mkey *k, const uint8_t *p, size_t plen)
{
    return k->len >= plen && (plen == 0 || !memcmp(k->b, p, plen));
}

/* The keys with prefix p form the range [*lo, *hi). */
static inline void model_range(const model *m, const uint8_t *p, size_t plen, size_t *lo,
                               size_t *hi)
{
    size_t i = model_lb(m, p, plen), j = i;
    while (j < m->n && has_prefix(m->e[j].k, p, plen))
        j++;
    *lo = i;
    *hi = j;
}

static inline size_t model_remove_prefix(model *m, const uint8_t *p, size_t plen)
{
    size_t lo, hi;
    model_range(m, p, plen, &lo, &hi);
    if (lo == hi)
        return 0;
    for (size_t i = lo; i < hi; i++)
        mkey_unref(m->e[i].k);
    memmove(&m->e[lo], &m->e[hi], (m->n - hi) * sizeof *m->e);
    m->n -= hi - lo;
    return hi - lo;
}

static inline void model_copy(model *dst, const model *src)
{
    dst->n = src->n;
    dst->cap = src->n ? src->n : 1;
    dst->e = malloc(dst->cap * sizeof *dst->e);
    if (src->n)
        memcpy(dst->e, src->e, src->n * sizeof *src->e);
    for (size_t i = 0; i < src->n; i++)
        src->e[i].k->rc++;
}

static inline void model_free(model *m)
{
    for (size_t i = 0; i < m->n; i++)
        mkey_unref(m->e[i].k);
    free(m->e);
    memset(m, 0, sizeof *m);
}

/* Entries of src under p, with p stripped (subtrie) or kept (copy_prefix). */
static inline void model_extract(model *dst, const model *src, const uint8_t *p, size_t plen,
                                 int strip)
{
    size_t lo, hi;
    memset(dst, 0, sizeof *dst);
    model_range(src, p, plen, &lo, &hi);
    for (size_t i = lo; i < hi; i++) {
        mkey *k = src->e[i].k;
        if (strip) {
            model_insert_at(dst, dst->n, mkey_new(k->b + plen, k->len - plen), src->e[i].v);
        } else {
            k->rc++;
            model_insert_at(dst, dst->n, k, src->e[i].v);
        }
    }
}

/* dst: replace everything under p by src's entries with p prepended. */
static inline void model_graft(model *dst, const uint8_t *p, size_t plen, const model *src)
{
    model_remove_prefix(dst, p, plen);
    size_t at = model_lb(dst, p, plen);
    uint8_t *buf = malloc(plen + 1);
    for (size_t i = 0; i < src->n; i++) {
        const mkey *k = src->e[i].k;
        mkey *nk = malloc(sizeof *nk + plen + k->len + 1);
        nk->rc = 1;
        nk->len = plen + k->len;
        if (plen)
            memcpy(nk->b, p, plen);
        if (k->len)
            memcpy(nk->b + plen, k->b, k->len);
        model_insert_at(dst, at + i, nk, src->e[i].v);
    }
    free(buf);
}

#endif
