/* paths.c — the Rust PathMap crate's `.paths` format: a zlib stream of (u32 little-endian length,
 * path bytes) for every value in iteration order. Reading streams 64 KiB at a time and builds into
 * a clone of the map, swapped in only when the whole input was valid (all or nothing). */
#include "io_internal.h"

#define PATHS_LEVEL 7 /* the crate's compression level */

static int bad_prefix(const uint8_t *prefix, size_t plen)
{
    return (!prefix && plen) || plen > PM_MAX_KEY;
}

/* ---- reading --------------------------------------------------------------------------------- */
/* A sink gets every path; PM_OK continues, PM_ENOTFOUND stops early (success), anything else
 * fails the read with that status. */
typedef pm_status (*path_sink)(void *ctx, const uint8_t *path, size_t len);

/* Reads the whole stream: every path to sink, then checks that the input ends with the stream.
 * buf holds PM_MAX_KEY bytes, for paths that straddle two decompressed chunks. */
static pm_status scan(pm_zin *z, uint8_t *buf, path_sink sink, void *ctx, size_t *count)
{
    size_t n = 0;
    for (;;) {
        if (z->opos == z->oend) {
            pm_status s = pm_zin_more(z);
            if (s == PM_ENOTFOUND)
                break; /* the stream ended between two paths */
            if (s)
                return s;
        }
        uint8_t lb[4];
        const uint8_t *p;
        if (z->oend - z->opos >= 4) {
            memcpy(lb, z->out + z->opos, 4);
            z->opos += 4;
        } else {
            pm_status s = pm_zin_read(z, lb, 4);
            if (s)
                return s;
        }
        uint32_t len = pm_get_le32(lb);
        if (len > PM_MAX_KEY)
            return PM_ECORRUPT;
        if (z->oend - z->opos >= len) { /* whole in the chunk: no copy */
            p = z->out + z->opos;
            z->opos += len;
        } else {
            pm_status s = pm_zin_read(z, buf, len);
            if (s)
                return s;
            p = buf;
        }
        pm_status s = sink(ctx, p, len);
        if (s == PM_ENOTFOUND) {
            *count = n + 1;
            return PM_OK;
        }
        if (s)
            return s;
        n++;
    }
    *count = n;
    return pm_zin_expect_eof(z);
}

typedef struct user_sink {
    int (*fn)(void *ctx, const uint8_t *path, size_t len);
    void *ctx;
} user_sink;

static pm_status to_user(void *ctx, const uint8_t *path, size_t len)
{
    user_sink *u = ctx;
    return u->fn(u->ctx, path, len) ? PM_ENOTFOUND : PM_OK;
}

pm_status pm_paths_foreach(pm_read_fn rd, void *rctx, const pm_read_limits *lim,
                           int (*fn)(void *ctx, const uint8_t *path, size_t len), void *ctx,
                           size_t *count)
{
    if (!rd || !fn)
        return PM_EINVAL;
    pm_zin *z;
    pm_status s = pm_zin_new(rd, rctx, lim, &z);
    if (s)
        return s;
    uint8_t *buf = pm_alloc_aux(PM_MAX_KEY);
    if (!buf) {
        pm_zin_free(z);
        return PM_ENOMEM;
    }
    user_sink u = {fn, ctx};
    size_t n = 0;
    s = scan(z, buf, to_user, &u, &n);
    pm_free_aux(buf);
    pm_zin_free(z);
    if (s == PM_OK && count)
        *count = n;
    return s;
}

typedef struct loader {
    pm_map *work;
    const pm_val_ops *ops;
    uint8_t *key; /* prefix, then room for a path */
    size_t plen;
    uint64_t val;
    pm_path_val_fn vf;
    void *vctx;
} loader;

static pm_status to_map(void *ctx, const uint8_t *path, size_t len)
{
    loader *l = ctx;
    if (len > PM_MAX_KEY - l->plen)
        return PM_EINVAL;
    const uint8_t *k = path;
    if (l->plen) {
        memcpy(l->key + l->plen, path, len);
        k = l->key;
    }
    uint64_t v = l->vf ? l->vf(l->vctx, path, len) : pm_val_clone(l->ops, l->val);
    pm_status s = pm_map_set(l->work, k, l->plen + len, v, NULL, NULL);
    if (s)
        pm_val_drop(l->ops, v);
    return s;
}

pm_status pm_map_read_paths_ex(pm_map *m, pm_read_fn rd, void *rctx, const uint8_t *prefix,
                               size_t plen, uint64_t val, pm_path_val_fn vf, void *vctx,
                               const pm_read_limits *lim, size_t *count)
{
    if (!m || !rd || bad_prefix(prefix, plen))
        return PM_EINVAL;
    pm_zin *z = NULL;
    uint8_t *buf = NULL, *key = NULL;
    pm_map *work = NULL;
    pm_status s = pm_zin_new(rd, rctx, lim, &z);
    if (s)
        return s;
    s = PM_ENOMEM;
    buf = pm_alloc_aux(PM_MAX_KEY);
    if (!buf)
        goto out;
    if (plen) {
        key = pm_alloc_aux(PM_MAX_KEY);
        if (!key)
            goto out;
        memcpy(key, prefix, plen);
    }
    /* Built into a clone: copy-on-write keeps m's nodes (and values) untouched until the swap. */
    s = pm_map_clone(m, &work);
    if (s)
        goto out;
    loader l = {work, pm_map_ops(m), key, plen, val, vf, vctx};
    size_t n = 0;
    s = scan(z, buf, to_map, &l, &n);
    if (s == PM_OK) {
        pm_map_swap_contents(m, work);
        if (count)
            *count = n;
    }
out:
    pm_map_free(work); /* after a swap: m's old contents */
    pm_free_aux(key);
    pm_free_aux(buf);
    pm_zin_free(z);
    return s;
}

pm_status pm_map_read_paths(pm_map *m, pm_read_fn rd, void *rctx, const uint8_t *prefix,
                            size_t plen, uint64_t val, pm_path_val_fn vf, void *vctx, size_t *count)
{
    return pm_map_read_paths_ex(m, rd, rctx, prefix, plen, val, vf, vctx, NULL, count);
}

pm_status pm_map_read_paths_file(pm_map *m, FILE *f, const uint8_t *prefix, size_t plen,
                                 uint64_t val, pm_path_val_fn vf, void *vctx, size_t *count)
{
    if (!f)
        return PM_EINVAL;
    return pm_map_read_paths_ex(m, pm_io_file_read, f, prefix, plen, val, vf, vctx, NULL, count);
}

/* ---- writing --------------------------------------------------------------------------------- */
pm_status pm_map_write_paths(const pm_map *m, const uint8_t *prefix, size_t plen, pm_write_fn wr,
                             void *wctx, size_t *count)
{
    if (!m || !wr || bad_prefix(prefix, plen))
        return PM_EINVAL;
    pm_iter *it;
    pm_status s = pm_iter_new(m, prefix, plen, &it);
    if (s)
        return s;
    pm_zout *z;
    s = pm_zout_new(wr, wctx, PATHS_LEVEL, &z);
    if (s) {
        pm_iter_free(it);
        return s;
    }
    size_t n = 0;
    const uint8_t *k;
    size_t kl;
    while ((s = pm_iter_next(it, &k, &kl, NULL)) == PM_OK) {
        size_t rel = kl - plen;
        if (rel > PM_MAX_KEY) {
            s = PM_EINVAL;
            break;
        }
        uint8_t lb[4];
        pm_le32(lb, (uint32_t)rel);
        if ((s = pm_zout_put(z, lb, 4)) != PM_OK ||
            (rel && (s = pm_zout_put(z, k + plen, rel)) != PM_OK))
            break; /* (k may be NULL for the empty key) */
        n++;
    }
    if (s == PM_ENOTFOUND)
        s = pm_zout_finish(z);
    pm_zout_free(z);
    pm_iter_free(it);
    if (s == PM_OK && count)
        *count = n;
    return s;
}

pm_status pm_map_write_paths_file(const pm_map *m, const uint8_t *prefix, size_t plen, FILE *f,
                                  size_t *count)
{
    if (!f)
        return PM_EINVAL;
    size_t n;
    pm_status s = pm_map_write_paths(m, prefix, plen, pm_io_file_write, f, &n);
    if (s == PM_OK && fflush(f) != 0)
        s = PM_EIO;
    if (s == PM_OK && count)
        *count = n;
    return s;
}
