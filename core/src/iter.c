/* iter.c — depth-first iteration in ascending byte order, a key before its extensions, with an
 * explicit frame stack and key buffer on the heap (no recursion). Reads only: no refcounts. */
#include "node_internal.h"

typedef struct frame {
    pm_link link;
    size_t base;    /* key length at this node */
    unsigned idx;   /* line: next slot; dense: next byte to look at */
    unsigned phase; /* dense: 1 = value of byte idx-1 emitted, its child is next */
} frame;

struct pm_iter {
    uint8_t *buf;
    size_t bufcap;
    frame *st;
    size_t depth, cap;
    int pending_val;
    uint64_t val;
    size_t plen;
    size_t lo;      /* lowest key byte written since the last entry was returned */
    pm_focus focus; /* holds the virtual start node when the prefix ends inside a key */
};

static int ensure_buf(pm_iter *it, size_t need)
{
    if (need <= it->bufcap)
        return 0;
    size_t nc = it->bufcap ? it->bufcap : 64;
    while (nc < need)
        nc *= 2;
    uint8_t *nb = pm_realloc_aux(it->buf, nc);
    if (!nb)
        return -1;
    it->buf = nb;
    it->bufcap = nc;
    return 0;
}

static int ensure_stack(pm_iter *it, size_t need)
{
    if (need <= it->cap)
        return 0;
    size_t nc = it->cap ? it->cap * 2 : 16;
    while (nc < need)
        nc *= 2;
    frame *ns = pm_realloc_aux(it->st, nc * sizeof *ns);
    if (!ns)
        return -1;
    it->st = ns;
    it->cap = nc;
    return 0;
}

pm_status pm_iter_new(const pm_map *m, const uint8_t *prefix, size_t plen, pm_iter **out)
{
    if (!m || !out || (!prefix && plen) || plen > PM_MAX_KEY)
        return PM_EINVAL;
    pm_iter *it = pm_alloc_aux(sizeof *it);
    if (!it)
        return PM_ENOMEM;
    memset(it, 0, sizeof *it);
    if (ensure_buf(it, plen + PM_LINE_KEYS + 1) || ensure_stack(it, 16)) {
        pm_iter_free(it);
        return PM_ENOMEM;
    }
    if (plen)
        memcpy(it->buf, prefix, plen);
    it->plen = plen;
    it->lo = 0;
    pm_seek(m->root, m->has_root_val, m->root_val, prefix, plen, &it->focus);
    it->pending_val = it->focus.has_val;
    it->val = it->focus.val;
    pm_link l = pm_focus_link(&it->focus);
    if (l) {
        it->st[0] = (frame){l, plen, 0, 0};
        it->depth = 1;
    }
    *out = it;
    return PM_OK;
}

void pm_iter_free(pm_iter *it)
{
    if (!it)
        return;
    pm_free_aux(it->buf);
    pm_free_aux(it->st);
    pm_free_aux(it);
}

static pm_status next_entry(pm_iter *it, const uint8_t **key, size_t *len, uint64_t *val);

pm_status pm_iter_next(pm_iter *it, const uint8_t **key, size_t *len, uint64_t *val)
{
    return pm_iter_next_same(it, key, len, val, NULL);
}

pm_status pm_iter_next_same(pm_iter *it, const uint8_t **key, size_t *len, uint64_t *val,
                            size_t *same)
{
    if (!it)
        return PM_EINVAL;
    pm_status s = next_entry(it, key, len, val);
    if (s == PM_OK) {
        if (same)
            *same = it->lo; /* the caller clips it to both keys' lengths */
        it->lo = SIZE_MAX;
    }
    return s;
}

static pm_status next_entry(pm_iter *it, const uint8_t **key, size_t *len, uint64_t *val)
{
    if (it->pending_val) {
        it->pending_val = 0;
        if (key)
            *key = it->buf;
        if (len)
            *len = it->plen;
        if (val)
            *val = it->val;
        return PM_OK;
    }
    while (it->depth) {
        /* Reserve before changing any state, so PM_ENOMEM leaves the iterator as it was. */
        if (ensure_stack(it, it->depth + 1) ||
            ensure_buf(it, it->st[it->depth - 1].base + PM_LINE_KEYS + 1))
            return PM_ENOMEM;
        frame *f = &it->st[it->depth - 1];
        if (pm_tag(f->link) == PM_TAG_LINE) {
            const pm_line *n = pm_ptr(f->link);
            if (f->idx >= n->n) {
                it->depth--;
                continue;
            }
            unsigned i = f->idx++;
            size_t kl = n->len[i];
            memcpy(it->buf + f->base, n->key + pm_line_off(n, i), kl);
            if (f->base < it->lo)
                it->lo = f->base;
            if (!pm_line_is_child(n, i)) {
                if (key)
                    *key = it->buf;
                if (len)
                    *len = f->base + kl;
                if (val)
                    *val = n->pay[i];
                return PM_OK;
            }
            it->st[it->depth++] = (frame){(pm_link)n->pay[i], f->base + kl, 0, 0};
            continue;
        }
        const pm_dense *d = pm_ptr(f->link);
        if (f->phase) {
            unsigned b = f->idx - 1;
            pm_link c = pm_dense_child(d, b);
            f->phase = 0;
            if (c) {
                it->buf[f->base] = (uint8_t)b;
                if (f->base < it->lo)
                    it->lo = f->base;
                it->st[it->depth++] = (frame){c, f->base + 1, 0, 0};
            }
            continue;
        }
        unsigned b = pm_dense_next(d, f->idx);
        if (b >= 256) {
            it->depth--;
            continue;
        }
        f->idx = b + 1;
        f->phase = 1;
        if (pm_dense_has_val(d, b)) {
            it->buf[f->base] = (uint8_t)b;
            if (f->base < it->lo)
                it->lo = f->base;
            if (key)
                *key = it->buf;
            if (len)
                *len = f->base + 1;
            if (val)
                *val = pm_dense_val(d, b);
            return PM_OK;
        }
    }
    return PM_ENOTFOUND;
}

pm_status pm_map_foreach(const pm_map *m, const uint8_t *prefix, size_t plen,
                         int (*fn)(void *ctx, const uint8_t *key, size_t len, uint64_t val),
                         void *ctx)
{
    if (!fn)
        return PM_EINVAL;
    pm_iter *it;
    pm_status s = pm_iter_new(m, prefix, plen, &it);
    if (s)
        return s;
    const uint8_t *k;
    size_t kl;
    uint64_t v;
    while ((s = pm_iter_next(it, &k, &kl, &v)) == PM_OK)
        if (fn(ctx, k, kl, v))
            break;
    pm_iter_free(it);
    return s == PM_ENOTFOUND || s == PM_OK ? PM_OK : s;
}
