/* exp.c — helpers shared by the experiments (see exp.h). */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include "exp.h"
#include "pathmap_debug.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

int pmx_load_keys(const pmlab_config *cfg, pmlab_ctx *ctx, unsigned parts, pmx_keys *out)
{
    char err[256] = "";
    const char *spec = strcmp(cfg->keys, "-") ? cfg->keys : "ints";
    size_t size = cfg->size ? (size_t)cfg->size : 100000;
    if (pmx_keys_make(spec, size, parts, cfg->seed, out, err, sizeof err) != 0) {
        pmlab_fail(ctx, "keys: %s", err[0] ? err : "cannot build the key set");
        return -1;
    }
    return 0;
}

pm_status pmx_insert_range(pm_map *m, const pmx_keys *k, size_t from, size_t to, size_t skip)
{
    for (size_t i = from; i < to; i++) {
        const pmx_key *key = &k->keys[i];
        size_t s = skip < key->len ? skip : key->len;
        pm_status st = pm_map_set(m, key->bytes + s, key->len - s, pmx_val(i), NULL, NULL);
        if (st != PM_OK)
            return st;
    }
    return PM_OK;
}

pm_map *pmx_build_map(const pmx_keys *k, pmlab_ctx *ctx)
{
    pm_map *m = NULL;
    pm_status st = pm_map_new(NULL, &m);
    if (st == PM_OK)
        st = pmx_insert_range(m, k, 0, k->n, 0);
    if (st != PM_OK) {
        pm_map_free(m);
        pmlab_fail(ctx, "building the map: %s", pm_strerror(st));
        return NULL;
    }
    return m;
}

uint64_t pmx_core_live_bytes(void)
{
    pm_mem_stats s;
    pm_mem_stats_get(&s);
    return s.live_bytes;
}

int pmx_index_of(const char *const *list, const char *name)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(list[i], name) == 0)
            return i;
    return -1;
}

typedef struct {
    const pmx_keys *k;
    unsigned threads;
    pm_map **priv;
    _Atomic int err;
} fb_build;

static void fb_worker(void *arg, unsigned idx)
{
    fb_build *b = arg;
    for (size_t i = 0; i < b->k->n; i++) {
        const pmx_key *key = &b->k->keys[i];
        unsigned first = key->len ? key->bytes[0] : 0;
        if (first % b->threads != idx)
            continue;
        if (pm_map_set(b->priv[idx], key->bytes, key->len, pmx_val(i), NULL, NULL) != PM_OK) {
            atomic_store(&b->err, 1);
            return;
        }
    }
}

pm_map *pmx_build_parallel_firstbyte(const pmx_keys *k, unsigned threads, pmlab_ctx *ctx,
                                     double *build_s, double *graft_s)
{
    fb_build b = {.k = k, .threads = threads ? threads : 1};
    b.priv = calloc(b.threads, sizeof *b.priv);
    pm_map *out = NULL;
    bool ok = b.priv && pm_map_new(NULL, &out) == PM_OK;
    for (unsigned t = 0; ok && t < b.threads; t++)
        ok = pm_map_new(NULL, &b.priv[t]) == PM_OK;
    double secs = 0;
    if (ok)
        ok = pmlab_run_workers(ctx, b.threads, fb_worker, &b, &secs) == 0 && !atomic_load(&b.err);
    uint64_t t0 = pmlab_now_ns();
    if (ok && b.threads == 1) {
        pm_map_free(out);
        out = b.priv[0];
        b.priv[0] = NULL;
    } else if (ok) {
        uint64_t v;
        if (pm_map_get(b.priv[0], NULL, 0, &v) == PM_OK)
            ok = pm_map_set(out, NULL, 0, v, NULL, NULL) == PM_OK;
        for (unsigned by = 0; ok && by < 256; by++) {
            uint8_t p = (uint8_t)by;
            pm_map *src = b.priv[by % b.threads], *sub = NULL;
            if (!pm_map_contains_path(src, &p, 1))
                continue;
            ok =
                pm_map_subtrie(src, &p, 1, &sub) == PM_OK && pm_map_graft(out, &p, 1, sub) == PM_OK;
            pm_map_free(sub);
        }
    }
    uint64_t t1 = pmlab_now_ns();
    for (unsigned t = 0; b.priv && t < b.threads; t++)
        pm_map_free(b.priv[t]);
    free(b.priv);
    if (!ok) {
        pm_map_free(out);
        pmlab_fail(ctx, "parallel build failed (out of memory)");
        return NULL;
    }
    if (build_s)
        *build_s = secs;
    if (graft_s)
        *graft_s = (double)(t1 - t0) / 1e9;
    return out;
}

int pmx_node_alloc(const pmlab_config *cfg, pmlab_ctx *ctx)
{
    const char *n = pmlab_param_str(cfg, "nodes");
    if (!n || (strcmp(n, "slab") != 0 && strcmp(n, "malloc") != 0)) {
        pmlab_fail(ctx, "nodes must be slab or malloc, not '%s'", n ? n : "");
        return 1;
    }
    /* read by the core once, at its first node allocation (or this first query): nothing has
     * allocated a node yet in this child (the harness allocates none); the row says what the
     * core then used, and a mismatch fails the row */
    if (setenv("PM_NODE_ALLOC", n, 1) != 0 || strcmp(pm_debug_node_alloc(), n) != 0) {
        pmlab_fail(ctx, "nodes=%s requested, but the core allocates nodes from %s", n,
                   pm_debug_node_alloc());
        return 1;
    }
    pmlab_set_str(ctx, "node_alloc", pm_debug_node_alloc());
    return 0;
}
