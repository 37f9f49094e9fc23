/* walk.c — whole-structure walks with an explicit stack: footprint (shared nodes counted once)
 * and the structural validator behind pm_debug_validate. */
#include "node_internal.h"

/* Open-addressing set of node addresses. Only nodes whose count is above 1 can be reached twice
 * inside one map, so only those are recorded. */
typedef struct vset {
    uintptr_t *v;
    size_t cap, n;
} vset;

static size_t hash(uintptr_t p, size_t cap)
{
    uint64_t h = (uint64_t)p * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 17) & (cap - 1);
}

/* 1 if newly inserted, 0 if present, -1 on ENOMEM. */
static int vset_add(vset *s, uintptr_t p)
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 64;
        uintptr_t *nv = pm_alloc_aux(nc * sizeof *nv);
        if (!nv)
            return -1;
        memset(nv, 0, nc * sizeof *nv);
        for (size_t i = 0; i < s->cap; i++)
            if (s->v[i]) {
                size_t j = hash(s->v[i], nc);
                while (nv[j])
                    j = (j + 1) & (nc - 1);
                nv[j] = s->v[i];
            }
        pm_free_aux(s->v);
        s->v = nv;
        s->cap = nc;
    }
    size_t j = hash(p, s->cap);
    while (s->v[j]) {
        if (s->v[j] == p)
            return 0;
        j = (j + 1) & (s->cap - 1);
    }
    s->v[j] = p;
    s->n++;
    return 1;
}

pm_status pm_map_footprint(const pm_map *m, size_t *nodes, size_t *bytes)
{
    if (!m)
        return PM_EINVAL;
    size_t cn = 0, cb = 0;
    vset vs = {0};
    pm_stack s;
    pm_stack_init(&s);
    pm_status st = PM_OK;
    if (m->root)
        s.v[s.n++] = m->root;
    while (s.n) {
        pm_link x = s.v[--s.n];
        if (atomic_load_explicit(pm_rcp(x), memory_order_relaxed) > 1) {
            int r = vset_add(&vs, (uintptr_t)pm_ptr(x));
            if (r < 0) {
                st = PM_ENOMEM;
                break;
            }
            if (r == 0)
                continue;
        }
        cn++;
        cb += pm_node_size(x);
        if (pm_tag(x) == PM_TAG_LINE) {
            const pm_line *n = pm_ptr(x);
            for (unsigned i = 0; i < n->n; i++)
                if (pm_line_is_child(n, i) && pm_stack_push(&s, (pm_link)n->pay[i])) {
                    st = PM_ENOMEM;
                    goto done;
                }
        } else {
            const pm_dense *d = pm_ptr(x);
            const uint64_t *w = pm_dense_words(d);
            for (unsigned i = 0; i < d->n; i++)
                if (w[i] && pm_stack_push(&s, (pm_link)w[i])) {
                    st = PM_ENOMEM;
                    goto done;
                }
        }
    }
done:
    pm_stack_fini(&s);
    pm_free_aux(vs.v);
    if (st == PM_OK) {
        if (nodes)
            *nodes = cn;
        if (bytes)
            *bytes = cb;
    }
    return st;
}

static int line_ok(const pm_line *n)
{
    if (n->n < 1 || n->n > 2 || ((n->kinds & PM_LINE_KIND_BITS) >> n->n) != 0)
        return 0;
    size_t used = 0;
    for (unsigned i = 0; i < n->n; i++) {
        if (n->len[i] < 1)
            return 0;
        used += n->len[i];
        if (pm_line_is_child(n, i) && !n->pay[i])
            return 0;
    }
    if (24 + used > pm_line_size(n))
        return 0;
    if (n->n == 2) {
        const uint8_t *k0 = n->key, *k1 = n->key + n->len[0];
        if (k0[0] < k1[0])
            return 1;
        /* the only shared first byte allowed: value at K then child at K */
        return k0[0] == k1[0] && n->len[0] == n->len[1] && memcmp(k0, k1, n->len[0]) == 0 &&
               !pm_line_is_child(n, 0) && pm_line_is_child(n, 1);
    }
    return 1;
}

static int dense_ok(const pm_dense *d)
{
    unsigned cap = pm_dense_cap(d);
    const uint64_t *w = pm_dense_words(d);
    if (cap == 0 || cap > PM_DENSE_MAXCAP || d->n == 0 || pm_dense_used(d) > cap)
        return 0;
    if (pm_dense_is_small(d)) {
        const pm_small *s = pm_dense_sm(d);
        if (s->n > PM_SMALL_MAX || (s->vbits >> s->n) != 0)
            return 0;
        for (unsigned i = 1; i < s->n; i++)
            if (s->key[i - 1] >= s->key[i])
                return 0;
    } else {
        const uint64_t *vm = pm_dense_vmask(d);
        unsigned pop = 0;
        for (unsigned k = 0; k < 4; k++) {
            pop += (unsigned)__builtin_popcountll(d->mask[k]);
            if (vm[k] & ~d->mask[k])
                return 0;
        }
        if (pop != d->n)
            return 0;
    }
    unsigned i = 0;
    for (unsigned b = pm_dense_next(d, 0); b < 256; b = pm_dense_next(d, b + 1), i++)
        if (!w[i] && !pm_dense_has_val_at(d, (int)i, b))
            return 0;
    return 1;
}

pm_status pm_debug_validate(const pm_map *m)
{
    if (!m)
        return PM_EINVAL;
    pm_stack s;
    pm_stack_init(&s);
    pm_status st = PM_OK;
    if (m->root)
        s.v[s.n++] = m->root;
    while (s.n && st == PM_OK) {
        pm_link x = s.v[--s.n];
        uint32_t rc = atomic_load_explicit(pm_rcp(x), memory_order_relaxed);
        if (rc == 0) {
            st = PM_EINVAL;
            break;
        }
        if (pm_tag(x) == PM_TAG_LINE) {
            const pm_line *n = pm_ptr(x);
            if (!line_ok(n)) {
                st = PM_EINVAL;
                break;
            }
            for (unsigned i = 0; i < n->n; i++)
                if (pm_line_is_child(n, i) && pm_stack_push(&s, (pm_link)n->pay[i]))
                    st = PM_ENOMEM;
        } else if (pm_tag(x) == PM_TAG_DENSE) {
            const pm_dense *d = pm_ptr(x);
            if (!dense_ok(d)) {
                st = PM_EINVAL;
                break;
            }
            const uint64_t *w = pm_dense_words(d);
            for (unsigned i = 0; i < d->n; i++)
                if (w[i] && pm_stack_push(&s, (pm_link)w[i]))
                    st = PM_ENOMEM;
        } else {
            st = PM_EINVAL;
        }
    }
    pm_stack_fini(&s);
    return st;
}
