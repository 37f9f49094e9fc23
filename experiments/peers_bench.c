/* peers — E-RWLOCK / C080-C085, C146, goals of DESIGN §9: the same keys and the same operations
 * on PathMap and on the structures a user would otherwise pick (peers/peer.h's list: JudySL and
 * JudyHS under a rwlock, ck_hs, liburcu cds_lfht, GLib GHashTable under a rwlock). One
 * configuration per (structure, op, threads, keys, allocator).
 *
 *   op=insert  build the structure from empty with T writers, repeated until --duration-ms has
 *              elapsed; ops = keys inserted. PathMap: T private maps by first key byte, grafted
 *              (O(1) per byte); ck_hs (single writer): writers serialised by a mutex; the others
 *              use their own locking.
 *   op=lookup  build once (untimed), then T threads look up a pre-generated probe stream
 *              (miss_pct % misses) for --duration-ms; PathMap readers share one immutable map.
 *
 * pathmap-frozen: PathMap's build, then pm_frozen_build and the map freed; lookups with
 * pm_frozen_get on the one image (pathmap_frozen.h). Its memory is the image alone.
 *
 * A structure that refuses any key of the set (JudySL: keys with a 0 byte) cannot hold it: the
 * row gets status not-comparable (pmlab_not_comparable) with the refused count, and nothing is
 * timed, so no figure of it enters a table, a claim or a comparison.
 *
 * Memory: the allocator's heap delta around one build (mem_source says which statistic:
 * glibc mallinfo2, jemalloc stats.allocated, tcmalloc; compare bytes_per_key only between rows
 * of the same allocator). PathMap also reports its own node accounting (core_bytes_per_key). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/exp.h"
#include "pathmap_frozen.h"
#include "peers/peer.h"

enum { LAT_SAMPLE = 64 };

typedef struct {
    pmlab_ctx *ctx;
    const pmx_keys *k;
    const pmx_peer_ops *peer; /* NULL: pathmap or pathmap-frozen */
    bool frozen;              /* pathmap-frozen */
    void *inst;
    const pm_map *map;
    const pm_frozen *fz;
    pmx_probes probes;
    unsigned threads;
    pthread_mutex_t wlock; /* single-writer peers */
    _Atomic uint64_t ops, hits, refused, bad;
    _Atomic int err;
} peers_state;

static void insert_worker(void *arg, unsigned idx)
{
    peers_state *s = arg;
    void *t = s->peer->thread_enter(s->inst);
    if (!t) {
        atomic_store(&s->err, 1);
        return;
    }
    uint64_t refused = 0;
    for (size_t i = idx; i < s->k->n; i += s->threads) {
        const pmx_key *key = &s->k->keys[i];
        if (!s->peer->multi_writer)
            pthread_mutex_lock(&s->wlock);
        int rc = s->peer->insert(s->inst, t, key->bytes, key->len, pmx_val(i));
        if (!s->peer->multi_writer)
            pthread_mutex_unlock(&s->wlock);
        if (rc < 0)
            refused++;
    }
    s->peer->thread_exit(s->inst, t);
    atomic_fetch_add(&s->refused, refused);
}

/* one build; returns seconds or -1 */
static double build_once(peers_state *s, pm_map **map_out, pm_frozen **fz_out, void **inst_out)
{
    double secs = 0, graft = 0;
    atomic_store(&s->refused, 0);
    if (!s->peer) {
        pm_map *m = pmx_build_parallel_firstbyte(s->k, s->threads, s->ctx, &secs, &graft);
        if (!m)
            return -1;
        if (s->frozen) { /* the freeze is part of the build; the map is not kept */
            uint64_t t0 = pmlab_now_ns();
            pm_status st = pm_frozen_build(m, fz_out);
            secs += (double)(pmlab_now_ns() - t0) / 1e9;
            pm_map_free(m);
            return st == PM_OK ? secs + graft : -1;
        }
        *map_out = m;
        return secs + graft;
    }
    s->inst = s->peer->create(s->k->n);
    if (!s->inst)
        return -1;
    *inst_out = s->inst;
    if (pmlab_run_workers(s->ctx, s->threads, insert_worker, s, &secs) != 0 || atomic_load(&s->err))
        return -1;
    return secs;
}

static void lookup_worker(void *arg, unsigned idx)
{
    peers_state *s = arg;
    void *t = s->peer ? s->peer->thread_enter(s->inst) : NULL;
    if (s->peer && !t) {
        atomic_store(&s->err, 1);
        return;
    }
    pmlab_hist *lat = pmlab_latency(s->ctx, idx, PMLAB_LAT_OP);
    pmlab_hist *qlat = pmlab_latency(s->ctx, idx, PMLAB_LAT_QUERY);
    size_t n = s->probes.n, j = (n / s->threads) * idx;
    uint64_t ops = 0, hits = 0, sink = 0;
    while (!pmlab_stop(s->ctx)) {
        for (int b = 0; b < LAT_SAMPLE; b++) {
            const pmx_key *p = &s->probes.probe[j];
            if (++j == n)
                j = 0;
            uint64_t t0 = b == 0 ? pmlab_now_ns() : 0, v = 0;
            bool hit = s->peer ? s->peer->lookup(s->inst, t, p->bytes, p->len, &v)
                       : s->fz ? pm_frozen_get(s->fz, p->bytes, p->len, &v) == PM_OK
                               : pm_map_get(s->map, p->bytes, p->len, &v) == PM_OK;
            if (b == 0) {
                uint64_t d = pmlab_now_ns() - t0;
                pmlab_hist_record(lat, d);
                pmlab_hist_record(qlat, d);
            }
            hits += hit;
            sink += v;
        }
        ops += LAT_SAMPLE;
    }
    if (s->peer)
        s->peer->thread_exit(s->inst, t);
    atomic_fetch_add(&s->ops, ops);
    atomic_fetch_add(&s->hits, hits);
    atomic_fetch_add(&s->bad, sink == 1); /* keeps the loads alive */
}

static void teardown(peers_state *s, pm_map **m, pm_frozen **fz, void **inst)
{
    pm_map_free(*m);
    *m = NULL;
    pm_frozen_free(*fz);
    *fz = NULL;
    if (*inst)
        s->peer->destroy(*inst);
    *inst = NULL;
    s->inst = NULL;
}

static int peers_run(const pmlab_config *cfg, pmlab_ctx *ctx)
{
    const char *structure = pmlab_param_str(cfg, "structure");
    const char *op = pmlab_param_str(cfg, "op");
    double miss = pmlab_param_double(cfg, "miss_pct");
    peers_state s = {.ctx = ctx, .threads = cfg->threads};
    s.frozen = !strcmp(structure, "pathmap-frozen");
    if (strcmp(structure, "pathmap") != 0 && !s.frozen && !(s.peer = pmx_peer_by_name(structure))) {
        pmlab_fail(ctx, "unknown structure '%s'", structure);
        return 1;
    }
    bool insert = !strcmp(op, "insert");
    if (!insert && strcmp(op, "lookup")) {
        pmlab_fail(ctx, "unknown op '%s' (insert or lookup)", op);
        return 1;
    }
    pmx_keys k;
    if (pmx_load_keys(cfg, ctx, 1, &k) != 0)
        return 1;
    s.k = &k;
    pthread_mutex_init(&s.wlock, NULL);
    int rc = 0;
    pm_map *m = NULL;
    pm_frozen *fz = NULL;
    void *inst = NULL;
    const char *src = "";
    uint64_t core0 = pmx_core_live_bytes();
    int64_t h0 = pmx_heap_bytes(&src);
    double secs = build_once(&s, &m, &fz, &inst);
    int64_t h1 = pmx_heap_bytes(NULL);
    uint64_t core1 = pmx_core_live_bytes();
    if (secs < 0) {
        pmlab_fail(ctx, "%s: build failed", structure);
        rc = 1;
        goto out;
    }
    size_t refused = atomic_load(&s.refused), stored = k.n - refused;
    pmlab_set_num(ctx, "refused", (double)refused);
    pmlab_set_num(ctx, "nkeys", (double)stored);
    pmlab_set_str(ctx, "structure", structure);
    pmlab_set_str(ctx, "op", op);
    if (refused) { /* it cannot hold this key set: no figure of it is a measurement */
        pmlab_not_comparable(ctx, "%s refused %zu of %zu keys of %s", structure, refused, k.n,
                             cfg->keys);
        goto out;
    }
    if (h0 >= 0 && h1 >= h0)
        pmlab_set_num(ctx, "bytes_per_key", (double)(h1 - h0) / (double)stored);
    pmlab_set_str(ctx, "mem_source", h0 >= 0 ? src : "unavailable");
    if (s.frozen) { /* its own accounting: the image's bytes */
        pmlab_set_num(ctx, "core_bytes_per_key", (double)pm_frozen_size(fz) / (double)stored);
        pmlab_report_metric(ctx, PMLAB_M_MAP_BYTES, (double)pm_frozen_size(fz));
    } else if (!s.peer) {
        pmlab_set_num(ctx, "core_bytes_per_key", (double)(core1 - core0) / (double)stored);
        pmlab_report_metric(ctx, PMLAB_M_MAP_BYTES, (double)(core1 - core0));
    }
    if (insert) {
        /* repeat builds for the measured duration (the first one is the warm-up) */
        uint64_t ops = 0;
        double total = 0;
        uint64_t start = pmlab_now_ns();
        do {
            teardown(&s, &m, &fz, &inst);
            double b = build_once(&s, &m, &fz, &inst);
            if (b < 0) {
                pmlab_fail(ctx, "%s: build failed", structure);
                rc = 1;
                goto out;
            }
            total += b;
            ops += k.n;
            pmlab_hist_record(pmlab_latency(ctx, 0, PMLAB_LAT_UPDATE),
                              (uint64_t)(b * 1e9 / (double)k.n));
        } while (pmlab_now_ns() - start < cfg->duration_ms * 1000000u);
        pmlab_report_ops(ctx, ops, total);
    } else {
        s.map = m;
        s.fz = fz;
        if (pmx_probes_make(&k, 1u << 20, miss, 0, cfg->seed, &s.probes) != 0) {
            pmlab_fail(ctx, "out of memory (probes)");
            rc = 1;
            goto out;
        }
        if (cfg->warmup_ms)
            pmlab_run_timed(ctx, cfg->threads, lookup_worker, &s, cfg->warmup_ms, NULL);
        pmlab_reset_latency(ctx);
        atomic_store(&s.ops, 0);
        atomic_store(&s.hits, 0);
        double t = 0;
        pmlab_run_timed(ctx, cfg->threads, lookup_worker, &s, cfg->duration_ms, &t);
        uint64_t ops = atomic_load(&s.ops);
        pmlab_report_ops(ctx, ops, t);
        pmlab_report_metric(ctx, PMLAB_M_QUERY_OPS, (double)ops);
        pmlab_set_num(ctx, "hit_ratio", ops ? (double)atomic_load(&s.hits) / (double)ops : 0);
        pmx_probes_free(&s.probes);
    }
    if (atomic_load(&s.err)) {
        pmlab_fail(ctx, "%s: thread registration failed", structure);
        rc = 1;
    }
    pmlab_report_counters(ctx, 0, 0, 0);
out:
    teardown(&s, &m, &fz, &inst);
    pthread_mutex_destroy(&s.wlock);
    pmx_keys_free(&k);
    return rc;
}

/* "pathmap,pathmap-frozen," then every peer of peers/peer.h's list (filled at registration) */
static char peers_structures[256];

static pmlab_param peers_params[] = {
    {"structure", PMLAB_PARAM_STR_LIST, peers_structures,
     "structures (swept): pathmap, pathmap-frozen and the peers"},
    {"op", PMLAB_PARAM_STR_LIST, "insert,lookup", "insert or lookup (swept)"},
    {"miss_pct", PMLAB_PARAM_DOUBLE, "0", "% of lookups that miss"},
    {NULL, 0, NULL, NULL}};

static const pmlab_column peers_cols[] = {
    {"structure", PMLAB_COL_STR, "pathmap, pathmap-frozen or a peer (the structure parameter)"},
    {"op", PMLAB_COL_STR, "insert or lookup"},
    {"bytes_per_key", PMLAB_COL_NUM,
     "allocator heap delta of one build / keys stored, by the row's alloc (mem_source)"},
    {"mem_source", PMLAB_COL_STR, "allocator statistic behind bytes_per_key"},
    {"core_bytes_per_key", PMLAB_COL_NUM,
     "pathmap: core node accounting / keys; pathmap-frozen: image bytes / keys"},
    {"nkeys", PMLAB_COL_NUM, "keys stored"},
    {"refused", PMLAB_COL_NUM,
     "keys the structure refused (JudySL: keys with a 0 byte); > 0: status not-comparable"},
    {"hit_ratio", PMLAB_COL_NUM, "lookups that hit / lookups"},
    {NULL, 0, NULL}};

static const pmlab_experiment peers_exp = {
    .name = "peers",
    .description = "insert/lookup on pathmap (live and frozen) vs the peer structures (see the "
                   "structure parameter)",
    .axes = PMLAB_AXIS_THREADS | PMLAB_AXIS_KEYS | PMLAB_AXIS_SIZE | PMLAB_AXIS_ALLOCS,
    .defaults = "--threads 1,2 --keys words --size 100000 --duration-ms 300 --warmup-ms 50 "
                "--trials 1",
    .params = peers_params,
    .columns = peers_cols,
    .run = peers_run,
    .smoke_args = "--threads 1,2 --size 2000 --duration-ms 30 --warmup-ms 0",
};

void pmlab_register_peers(pmlab_registry *r);
void pmlab_register_peers(pmlab_registry *r)
{
    size_t n =
        (size_t)snprintf(peers_structures, sizeof peers_structures, "pathmap,pathmap-frozen");
    for (size_t i = 0; pmx_peers[i] && n < sizeof peers_structures; i++)
        n += (size_t)snprintf(peers_structures + n, sizeof peers_structures - n, ",%s",
                              pmx_peers[i]->name);
    pmlab_register_experiment(r, &peers_exp);
}
