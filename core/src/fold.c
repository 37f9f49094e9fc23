/* fold.c — the catamorphism (pm_map_fold, pm_map_fold_many) and the anamorphism
 * (pm_map_unfold), on the byte trie a map stands for. Explicit stacks; reads touch no reference
 * count; the builder is all or nothing. */
#include "morph_internal.h"

/* ---- the fold cache: (node, value at the position) -> result ----------------------------------
 * Open addressing, linear probing, at most half full. A result is cached only at a position on a
 * node boundary (off == 0, a node below); the key holds the value at the position because it
 * lives in the parent, not in the node. */
typedef struct centry {
    pm_link node; /* 0: free slot */
    uint64_t val;
    size_t idx; /* result index in res; bit 63: the position has a value */
} centry;

#define HAS_VAL_BIT ((size_t)1 << (sizeof(size_t) * 8 - 1))

typedef struct fcache {
    centry *t;
    size_t cap, n;
    pm_arr res; /* n results of rs bytes */
} fcache;

static size_t chash(pm_link node, int has_val, uint64_t val, size_t cap)
{
    uint64_t h = (uint64_t)node * 0x9E3779B97F4A7C15ull;
    h ^= (val + (uint64_t)has_val) * 0xC2B2AE3D27D4EB4Full;
    h ^= h >> 29;
    return (size_t)(h * 0x165667B19E3779F9ull >> 17) & (cap - 1);
}

static const void *cache_get(const fcache *c, const pm_zpos *p, size_t rs)
{
    if (!c->cap)
        return NULL;
    size_t j = chash(p->node, p->has_val, p->val, c->cap);
    size_t hv = p->has_val ? HAS_VAL_BIT : 0;
    for (; c->t[j].node; j = (j + 1) & (c->cap - 1)) {
        const centry *e = &c->t[j];
        if (e->node == p->node && (e->idx & HAS_VAL_BIT) == hv && (!hv || e->val == p->val))
            return (const char *)c->res.v + (e->idx & ~HAS_VAL_BIT) * rs;
    }
    return NULL;
}

/* 0, or -1 on ENOMEM (cache unchanged). The key must be absent. */
static int cache_put(fcache *c, const pm_zpos *p, const void *r, size_t rs)
{
    if ((c->n + 1) * 2 > c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 64;
        centry *nt = pm_alloc_aux(nc * sizeof *nt);
        if (!nt)
            return -1;
        memset(nt, 0, nc * sizeof *nt);
        for (size_t i = 0; i < c->cap; i++) {
            centry *e = &c->t[i];
            if (!e->node)
                continue;
            size_t j = chash(e->node, (e->idx & HAS_VAL_BIT) != 0, e->val, nc);
            while (nt[j].node)
                j = (j + 1) & (nc - 1);
            nt[j] = *e;
        }
        pm_free_aux(c->t);
        c->t = nt;
        c->cap = nc;
    }
    if (pm_arr_reserve(&c->res, c->n + 1, rs))
        return -1;
    memcpy((char *)c->res.v + c->n * rs, r, rs);
    size_t j = chash(p->node, p->has_val, p->val, c->cap);
    while (c->t[j].node)
        j = (j + 1) & (c->cap - 1);
    c->t[j] = (centry){p->node, p->has_val ? p->val : 0, c->n | (p->has_val ? HAS_VAL_BIT : 0)};
    c->n++;
    return 0;
}

/* ---- the fold engine ---------------------------------------------------------------------------
 */
typedef struct fframe {
    pm_zpos pos;
    size_t first;  /* index of its first child's result */
    unsigned next; /* next child byte to look at */
} fframe;

typedef struct folder {
    size_t rs;
    int use_cache;
    pm_fold_fn fn;
    void *ctx;
    pm_fold_stats stats;
    fcache cache;
    pm_arr frames; /* fframe */
    pm_arr res;    /* results of finished children, rs bytes each */
    pm_arr bytes;  /* the child byte of each result */
    pm_arr path;   /* prefix, then one byte per frame below the root */
    size_t plen;
    void *tmp; /* rs bytes: the callback's output */
    fframe finl[16];
    uint8_t pinl[128];
} folder;

static void folder_fini(folder *f)
{
    pm_arr_fini(&f->frames);
    pm_arr_fini(&f->res);
    pm_arr_fini(&f->bytes);
    pm_arr_fini(&f->path);
    pm_arr_fini(&f->cache.res);
    pm_free_aux(f->cache.t);
    pm_free_aux(f->tmp);
}

/* Only a node with more than one reference can be reached twice (from two parents, two roots,
 * or twice in one map after a graft); a node with one reference is reached through its only
 * parent, which is itself cached if it is shared. Caching the unshared nodes too would give the
 * same results with the same call counts above them, but costs a probe and an insert per node:
 * on 10 clones x 1 % of `words` that made the cached fold slower than the uncached one. Relaxed
 * load: the count only steers caching (a stale count costs a probe or a call, never a wrong
 * result), and a shared node is not freed while a map that reaches it is being folded. */
static int cacheable(const folder *f, const pm_zpos *p)
{
    return f->use_cache && p->off == 0 && p->node &&
           atomic_load_explicit(pm_rcp(p->node), memory_order_relaxed) > 1;
}

/* Folds the subtrie at root (at path f->path[0, plen)) into out. */
static pm_status fold_one(folder *f, const pm_zpos *root, void *out)
{
    size_t rs = f->rs;
    if (cacheable(f, root)) {
        const void *r = cache_get(&f->cache, root, rs);
        if (r) {
            f->stats.hits++;
            memcpy(out, r, rs);
            return PM_OK;
        }
    }
    size_t n = 1, nres = 0;
    ((fframe *)f->frames.v)[0] = (fframe){*root, 0, 0};
    while (n) {
        fframe *fr = (fframe *)f->frames.v + n - 1;
        unsigned b = pm_pos_next(&fr->pos, fr->next);
        if (b < 256) {
            fr->next = b + 1;
            pm_zpos c;
            pm_zpos_step(&fr->pos, b, &c);
            if (cacheable(f, &c)) {
                const void *r = cache_get(&f->cache, &c, rs);
                if (r) {
                    if (pm_arr_reserve(&f->res, nres + 1, rs) ||
                        pm_arr_reserve(&f->bytes, nres + 1, 1))
                        return PM_ENOMEM;
                    memcpy((char *)f->res.v + nres * rs, r, rs);
                    ((uint8_t *)f->bytes.v)[nres++] = (uint8_t)b;
                    f->stats.hits++;
                    continue;
                }
            }
            if (pm_arr_reserve(&f->frames, n + 1, sizeof(fframe)) ||
                pm_arr_reserve(&f->path, f->plen + n, 1))
                return PM_ENOMEM;
            ((uint8_t *)f->path.v)[f->plen + n - 1] = (uint8_t)b;
            ((fframe *)f->frames.v)[n++] = (fframe){c, nres, 0};
            continue;
        }
        /* every child is folded: call back */
        pm_fold_step s = {
            .path = f->path.v,
            .path_len = f->plen + n - 1,
            .has_val = fr->pos.has_val != 0,
            .val = fr->pos.val,
            .n = nres - fr->first,
        };
        if (!s.has_val)
            s.val = 0;
        if (s.n) { /* else NULL: the arrays may not exist yet */
            s.bytes = (const uint8_t *)f->bytes.v + fr->first;
            s.results = (const char *)f->res.v + fr->first * rs;
        }
        pm_status st = f->fn(f->ctx, &s, f->tmp);
        f->stats.calls++;
        if (st != PM_OK)
            return st;
        if (cacheable(f, &fr->pos)) {
            if (cache_put(&f->cache, &fr->pos, f->tmp, rs))
                return PM_ENOMEM;
            f->stats.cached++;
        }
        nres = fr->first;
        if (--n == 0)
            break;
        if (pm_arr_reserve(&f->res, nres + 1, rs) || pm_arr_reserve(&f->bytes, nres + 1, 1))
            return PM_ENOMEM;
        memcpy((char *)f->res.v + nres * rs, f->tmp, rs);
        ((uint8_t *)f->bytes.v)[nres++] = ((const uint8_t *)f->path.v)[f->plen + n - 1];
    }
    memcpy(out, f->tmp, rs);
    return PM_OK;
}

pm_status pm_map_fold_many(const pm_map *const *maps, size_t k, const uint8_t *prefix, size_t plen,
                           size_t result_size, unsigned flags, pm_fold_fn fn, void *ctx, void *outs,
                           pm_fold_stats *stats)
{
    if ((!maps && k) || (!outs && k) || !fn || result_size == 0 ||
        result_size > PM_FOLD_MAX_RESULT || (!prefix && plen) || plen > PM_MAX_KEY)
        return PM_EINVAL;
    for (size_t i = 0; i < k; i++)
        if (!maps[i])
            return PM_EINVAL;
    folder f;
    memset(&f, 0, sizeof f);
    f.rs = result_size;
    f.use_cache = (flags & PM_FOLD_CACHE) != 0;
    f.fn = fn;
    f.ctx = ctx;
    f.plen = plen;
    pm_arr_init(&f.frames, f.finl, sizeof f.finl / sizeof f.finl[0]);
    pm_arr_init(&f.res, NULL, 0);
    pm_arr_init(&f.bytes, NULL, 0);
    pm_arr_init(&f.path, f.pinl, sizeof f.pinl);
    pm_arr_init(&f.cache.res, NULL, 0);
    pm_status st = PM_OK;
    void *tmp_outs = NULL;
    if (!(f.tmp = pm_alloc_aux(result_size)) || pm_arr_reserve(&f.path, plen + 1, 1) ||
        (k > 1 && !(tmp_outs = pm_alloc_aux(k * result_size)))) {
        st = PM_ENOMEM;
        goto out;
    }
    if (plen)
        memcpy(f.path.v, prefix, plen);
    for (size_t i = 0; i < k && st == PM_OK; i++) {
        pm_zpos root;
        pm_pos_seek(maps[i], prefix, plen, &root);
        st = fold_one(&f, &root, tmp_outs ? (char *)tmp_outs + i * result_size : f.tmp);
    }
    if (st == PM_OK) {
        if (tmp_outs)
            memcpy(outs, tmp_outs, k * result_size);
        else if (k)
            memcpy(outs, f.tmp, result_size);
        if (stats)
            *stats = f.stats;
    }
out:
    pm_free_aux(tmp_outs);
    folder_fini(&f);
    return st;
}

pm_status pm_map_fold(const pm_map *m, const uint8_t *prefix, size_t plen, size_t result_size,
                      unsigned flags, pm_fold_fn fn, void *ctx, void *out, pm_fold_stats *stats)
{
    if (!m || !out)
        return PM_EINVAL;
    return pm_map_fold_many(&m, 1, prefix, plen, result_size, flags, fn, ctx, out, stats);
}

/* ---- the anamorphism ----------------------------------------------------------------------------
 * Pending positions form a stack: after a position's callback, the children it named (ascending)
 * are reversed in place so that the smallest byte is popped first — pre-order, ascending bytes,
 * so values are inserted in key order. */
typedef struct pend {
    size_t depth; /* path length of the position */
    uint8_t byte; /* its last path byte */
} pend;

typedef struct unfolder {
    size_t ss; /* seed size */
    pm_arr pend;
    pm_arr seeds; /* one seed per pending entry */
    pm_arr path;
} unfolder;

struct pm_unfold_step {
    unfolder *u;
    size_t depth;
    int last; /* last child byte named, -1 before the first */
    int has_val;
    uint64_t val;
    pm_status err; /* the first failure of set_val / add_child */
    size_t npend;  /* entries pending, children named so far included */
    const pm_val_ops *ops;
};

static pm_status step_fail(pm_unfold_step *s, pm_status e)
{
    if (s->err == PM_OK)
        s->err = e;
    return e;
}

pm_status pm_unfold_set_val(pm_unfold_step *s, uint64_t val)
{
    if (!s)
        return PM_EINVAL;
    if (s->has_val) {
        pm_val_drop(s->ops, val);
        return step_fail(s, PM_EINVAL);
    }
    s->has_val = 1;
    s->val = val;
    return PM_OK;
}

pm_status pm_unfold_add_child(pm_unfold_step *s, uint8_t byte, const void *seed)
{
    if (!s)
        return PM_EINVAL;
    unfolder *u = s->u;
    if ((int)byte <= s->last || s->depth + 1 > PM_MAX_KEY || (!seed && u->ss))
        return step_fail(s, PM_EINVAL);
    if (pm_arr_reserve(&u->pend, s->npend + 1, sizeof(pend)) ||
        pm_arr_reserve(&u->seeds, s->npend + 1, u->ss ? u->ss : 1))
        return step_fail(s, PM_ENOMEM);
    ((pend *)u->pend.v)[s->npend] = (pend){s->depth + 1, byte};
    if (u->ss)
        memcpy((char *)u->seeds.v + s->npend * u->ss, seed, u->ss);
    s->npend++;
    s->last = byte;
    return PM_OK;
}

/* Reverses entries [lo, hi) of the pending stack (and their seeds). */
static void reverse(unfolder *u, size_t lo, size_t hi, void *tmp)
{
    pend *p = u->pend.v;
    char *sd = u->seeds.v;
    size_t ss = u->ss;
    while (hi > lo + 1) {
        hi--;
        pend t = p[lo];
        p[lo] = p[hi];
        p[hi] = t;
        if (ss) {
            memcpy(tmp, sd + lo * ss, ss);
            memcpy(sd + lo * ss, sd + hi * ss, ss);
            memcpy(sd + hi * ss, tmp, ss);
        }
        lo++;
    }
}

pm_status pm_map_unfold(const pm_val_ops *ops, const void *seed, size_t seed_size, pm_unfold_fn fn,
                        void *ctx, pm_map **out)
{
    if (!fn || !out || (!seed && seed_size))
        return PM_EINVAL;
    unfolder u;
    u.ss = seed_size;
    pm_arr_init(&u.pend, NULL, 0);
    pm_arr_init(&u.seeds, NULL, 0);
    pm_arr_init(&u.path, NULL, 0);
    pm_map *m = NULL;
    void *cur = NULL, *tmp = NULL;
    pm_status st = pm_map_new(ops, &m);
    if (st)
        return st;
    const pm_val_ops *mops = pm_map_ops(m);
    if (seed_size && (!(cur = pm_alloc_aux(seed_size)) || !(tmp = pm_alloc_aux(seed_size)))) {
        st = PM_ENOMEM;
        goto out;
    }
    if (pm_arr_reserve(&u.path, 64, 1)) {
        st = PM_ENOMEM;
        goto out;
    }
    if (seed_size)
        memcpy(cur, seed, seed_size);
    size_t npend = 0, depth = 0;
    for (;;) {
        pm_unfold_step s = {&u, depth, -1, 0, 0, PM_OK, npend, mops};
        st = fn(ctx, cur, u.path.v, depth, &s);
        if (st == PM_OK)
            st = s.err;
        if (st == PM_OK && s.has_val) {
            st = pm_map_set(m, u.path.v, depth, s.val, NULL, NULL);
            if (st == PM_OK)
                s.has_val = 0; /* the map owns it */
        }
        if (s.has_val)
            pm_val_drop(mops, s.val); /* handed over but not stored */
        if (st != PM_OK)
            goto out;
        reverse(&u, npend, s.npend, tmp);
        npend = s.npend;
        if (npend == 0)
            break;
        pend p = ((pend *)u.pend.v)[--npend];
        if (pm_arr_reserve(&u.path, p.depth, 1)) {
            st = PM_ENOMEM;
            goto out;
        }
        ((uint8_t *)u.path.v)[p.depth - 1] = p.byte;
        depth = p.depth;
        if (seed_size)
            memcpy(cur, (char *)u.seeds.v + npend * seed_size, seed_size);
    }
out:
    pm_free_aux(cur);
    pm_free_aux(tmp);
    pm_arr_fini(&u.pend);
    pm_arr_fini(&u.seeds);
    pm_arr_fini(&u.path);
    if (st == PM_OK)
        *out = m;
    else
        pm_map_free(m);
    return st;
}
