/* morph_internal.h — helpers shared by the folds (fold.c) and equality/hashing (equal.c): the
 * next child byte of a position and a growable array. Private to core/. */
#ifndef PM_MORPH_INTERNAL_H
#define PM_MORPH_INTERNAL_H

#include "pathmap_fold.h"
#include "zipper_internal.h"

/* Smallest child byte >= from of position p, or 256. O(1) (a line node has <= 2 slots). */
static inline unsigned pm_pos_next(const pm_zpos *p, unsigned from)
{
    if (!p->node || from > 255)
        return 256;
    if (pm_tag(p->node) == PM_TAG_DENSE)
        return pm_dense_next(pm_ptr(p->node), from);
    const pm_line *l = pm_ptr(p->node);
    if (p->off) {
        unsigned b = l->key[pm_line_off(l, p->slot) + p->off];
        return b >= from ? b : 256;
    }
    unsigned best = 256;
    for (unsigned i = 0; i < l->n; i++) {
        unsigned b = l->key[pm_line_off(l, i)];
        if (b >= from && b < best)
            best = b;
    }
    return best;
}

/* The position at key[0, len) below the root of m (node 0 and no value if there is none). */
static inline void pm_pos_seek(const pm_map *m, const uint8_t *key, size_t len, pm_zpos *p)
{
    pm_zpos_root(m, p);
    for (size_t i = 0; i < len && pm_zpos_exists(p); i++) {
        pm_zpos o;
        pm_zpos_step(p, key[i], &o);
        *p = o;
    }
}

/* A growable array of elements of `size` bytes: `inl` (may be NULL) is caller storage for the
 * first `cap` elements. pm_arr_reserve makes room for `need` elements: 0, or -1 on ENOMEM (the
 * array is unchanged). */
typedef struct pm_arr {
    void *v;
    size_t cap;
    void *inl;
} pm_arr;
static inline void pm_arr_init(pm_arr *a, void *inl, size_t cap)
{
    a->v = inl;
    a->inl = inl;
    a->cap = inl ? cap : 0;
}
static inline int pm_arr_reserve(pm_arr *a, size_t need, size_t size)
{
    if (need <= a->cap)
        return 0;
    size_t nc = a->cap ? a->cap : 16;
    while (nc < need)
        nc *= 2;
    void *nv;
    if (!a->v || a->v == a->inl) {
        nv = pm_alloc_aux(nc * size);
        if (nv && a->v)
            memcpy(nv, a->v, a->cap * size);
    } else {
        nv = pm_realloc_aux(a->v, nc * size);
    }
    if (!nv)
        return -1;
    a->v = nv;
    a->cap = nc;
    return 0;
}
static inline void pm_arr_fini(pm_arr *a)
{
    if (a->v && a->v != a->inl)
        pm_free_aux(a->v);
    a->v = NULL;
    a->cap = 0;
}

#endif
