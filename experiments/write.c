/* write (pattern C) — E-WRITE: parallel construction of one map from empty by T writers on
 * disjoint partitions, per allocator (claims C014, C051-C058, C071, C072; alert A4). The key set
 * is split into `partitions` prefix-disjoint partitions (keys.h); writer w builds partitions
 * w, w+T, w+2T, ... Methods (swept):
 *   zipperhead  (default) a ZipperHead on the new map hands out one write zipper per partition
 *               prefix (pm_zh_write_zipper, on the main thread: the checked creation, timed);
 *               the zippers are moved to the workers, which insert through them with no lock
 *               (pm_wz_reset / pm_wz_descend / pm_wz_set_val), and are released (grafted back,
 *               timed) on the main thread after the workers are joined;
 *   graft       each partition is built as a private map (keys relative to the partition prefix)
 *               and grafted into the result at its prefix (pm_map_graft, O(prefix) each) — the
 *               ZipperHead contract without the ZipperHead API;
 *   txn         live-map write transactions on the partition prefix (pm_live_txn_*, backend
 *               `txn_backend`), committed every `batch` keys.
 * Builds repeat until --duration-ms has elapsed; ops = keys inserted, seconds = build time
 * (zipper creation + parallel phase + release / grafts). Writers time one allocation call in
 * `alloc_sample` (A4). */
#include <stdlib.h>
#include <string.h>

#include "common/syncx.h"
#include "common/workloads.h"
#include "pathmap_zipper.h"

typedef struct {
    pmlab_ctx *ctx;
    const pmx_keys *k;
    const pmx_write_opts *o;
    unsigned threads;
    bool txn, zh;
    pm_map **priv; /* graft: one private map per partition */
    pm_wz **wz;    /* zipperhead: one write zipper per partition */
    pm_live *lm;   /* txn */
    pm_sync_domain *dom;
    const pm_sync_backend *be;
    _Atomic uint64_t err, writer_ns, alloc_ns, commits;
    uint64_t zh_creates, zh_create_ns, zh_release_ns;
} write_state;

/* keys[from..to) through a write zipper whose origin is the partition prefix (skip bytes) */
static pm_status insert_wz(pm_wz *z, const pmx_keys *k, size_t from, size_t to, size_t skip)
{
    for (size_t i = from; i < to; i++) {
        const pmx_key *key = &k->keys[i];
        size_t s = skip < key->len ? skip : key->len;
        pm_wz_reset(z);
        pm_status st = pm_wz_descend(z, key->bytes + s, key->len - s);
        if (st == PM_OK || st == PM_ENOTFOUND) /* a new path is created by the write */
            st = pm_wz_set_val(z, pmx_val(i), NULL, NULL);
        if (st != PM_OK)
            return st;
    }
    return PM_OK;
}

static pm_status build_txn(write_state *s, pm_sync_thread *t, unsigned p)
{
    const pmx_keys *k = s->k;
    const uint8_t *pre = k->partition_prefix[p];
    size_t plen = k->partition_prefix_len[p], from = k->part_at[p], to = k->part_at[p + 1];
    pm_status st = PM_OK;
    for (size_t i = from; i < to && st == PM_OK;) {
        size_t end = i + s->o->batch < to ? i + s->o->batch : to;
        pm_live_txn *tx = NULL;
        st = pm_live_txn_begin(s->lm, t, pre, plen, &tx);
        if (st != PM_OK)
            break;
        st = pmx_insert_range(pm_live_txn_map(tx), k, i, end, plen);
        if (st == PM_OK)
            st = pm_live_txn_commit(tx);
        if (st != PM_OK)
            pm_live_txn_abort(tx);
        pm_sync_quiescent(t);
        atomic_fetch_add(&s->commits, 1);
        i = end;
    }
    return st;
}

static void write_worker(void *arg, unsigned idx)
{
    write_state *s = arg;
    pm_sync_thread *t = NULL;
    if (s->txn && !(t = pmx_register(s->dom, s->be))) {
        atomic_fetch_add(&s->err, 1);
        return;
    }
    pmx_alloc_timing_on(pmlab_latency(s->ctx, idx, PMLAB_LAT_ALLOC), s->o->alloc_sample);
    uint64_t t0 = pmlab_now_ns();
    for (unsigned p = idx; p < s->o->partitions; p += s->threads) {
        pm_status st;
        if (s->txn) {
            st = build_txn(s, t, p);
        } else if (s->zh) {
            st = insert_wz(s->wz[p], s->k, s->k->part_at[p], s->k->part_at[p + 1],
                           s->k->partition_prefix_len[p]);
        } else {
            st = pm_map_new(NULL, &s->priv[p]);
            if (st == PM_OK)
                st = pmx_insert_range(s->priv[p], s->k, s->k->part_at[p], s->k->part_at[p + 1],
                                      s->k->partition_prefix_len[p]);
        }
        if (st != PM_OK) {
            atomic_fetch_add(&s->err, 1);
            break;
        }
    }
    atomic_fetch_add(&s->writer_ns, pmlab_now_ns() - t0);
    atomic_fetch_add(&s->alloc_ns, pmx_alloc_timing_off(NULL));
    if (t)
        pm_sync_unregister(t);
}

/* One build; returns its seconds (or -1) and leaves the result in *out. */
static double build_once(write_state *s, pm_map **out)
{
    const pmx_keys *k = s->k;
    unsigned P = s->o->partitions;
    double par = 0;
    uint64_t t0 = pmlab_now_ns();
    pm_map *m = NULL;
    pm_zh *h = NULL;
    if (s->txn) {
        if (pm_live_new(s->dom, NULL, &s->lm) != PM_OK)
            return -1;
    } else if (s->zh) {
        /* the head and one checked write zipper per partition, on this thread */
        if (pm_map_new(NULL, &m) != PM_OK || pm_zh_new(m, &h) != PM_OK) {
            pm_map_free(m);
            return -1;
        }
        uint64_t c0 = pmlab_now_ns();
        for (unsigned p = 0; p < P; p++)
            if (pm_zh_write_zipper(h, k->partition_prefix[p], k->partition_prefix_len[p], &s->wz[p],
                                   NULL) != PM_OK) {
                while (p--)
                    pm_zh_release_wz(h, s->wz[p]);
                pm_zh_free(h);
                pm_map_free(m);
                return -1;
            }
        s->zh_create_ns += pmlab_now_ns() - c0;
        s->zh_creates += P;
    }
    if (pmlab_run_workers(s->ctx, s->threads, write_worker, s, &par) != 0 || atomic_load(&s->err)) {
        if (h) {
            for (unsigned p = 0; p < P; p++)
                pm_zh_release_wz(h, s->wz[p]);
            pm_zh_free(h);
            pm_map_free(m);
        }
        return -1;
    }
    if (s->txn) {
        pm_sync_thread *t = pmx_register(s->dom, s->be);
        if (!t)
            return -1;
        pm_status st = pm_live_snapshot(s->lm, t, &m);
        pm_sync_unregister(t);
        pm_live_free(s->lm);
        s->lm = NULL;
        if (st != PM_OK)
            return -1;
    } else if (s->zh) {
        /* release = graft each zipper's subtrie back at its prefix (PM_ENOMEM: retry once) */
        uint64_t r0 = pmlab_now_ns();
        pm_status st = PM_OK;
        for (unsigned p = 0; p < P; p++) {
            pm_status rs = pm_zh_release_wz(h, s->wz[p]);
            if (rs == PM_ENOMEM)
                rs = pm_zh_release_wz(h, s->wz[p]);
            if (rs != PM_OK)
                st = rs; /* that zipper stays live: pm_zh_free refuses below */
        }
        s->zh_release_ns += pmlab_now_ns() - r0;
        if (st != PM_OK || pm_zh_free(h) != PM_OK)
            return -1; /* leaks the head on a double allocation failure: the row fails */
    } else {
        if (pm_map_new(NULL, &m) != PM_OK)
            return -1;
        for (unsigned p = 0; p < P; p++) {
            pm_status st =
                pm_map_graft(m, k->partition_prefix[p], k->partition_prefix_len[p], s->priv[p]);
            pm_map_free(s->priv[p]);
            s->priv[p] = NULL;
            if (st != PM_OK) {
                pm_map_free(m);
                return -1;
            }
        }
    }
    *out = m;
    return (double)(pmlab_now_ns() - t0) / 1e9;
}

int pmx_write_workload(const pmlab_config *cfg, pmlab_ctx *ctx, const pmx_write_opts *o)
{
    write_state s = {.ctx = ctx, .o = o, .threads = cfg->threads};
    if (o->partitions < 1 || o->partitions > 256 || o->batch < 1) {
        pmlab_fail(ctx, "partitions must be 1..256 and batch >= 1");
        return 1;
    }
    s.txn = !strcmp(o->method, "txn");
    s.zh = !strcmp(o->method, "zipperhead");
    if (!s.txn && !s.zh && strcmp(o->method, "graft")) {
        pmlab_fail(ctx, "method must be zipperhead, graft or txn, not '%s'", o->method);
        return 1;
    }
    pmx_keys k;
    if (pmx_load_keys(cfg, ctx, o->partitions, &k) != 0)
        return 1;
    s.k = &k;
    s.priv = calloc(o->partitions, sizeof *s.priv);
    s.wz = calloc(o->partitions, sizeof *s.wz);
    int rc = 1;
    if (s.txn) {
        pmlab_config c2 = *cfg;
        c2.backend =
            pmlab_param_str(cfg, "txn_backend") ? pmlab_param_str(cfg, "txn_backend") : "urcu-memb";
        s.be = pmx_backend(c2.backend);
        if (!(s.dom = pmx_domain_new(&c2, ctx)))
            goto out;
    }
    pm_map *m = NULL;
    double first = build_once(&s, &m); /* warm-up build; also the size figures */
    if (first < 0) {
        pmlab_fail(ctx, "build failed");
        goto out;
    }
    size_t nodes = 0, bytes = 0, len = 0;
    pm_map_footprint(m, &nodes, &bytes);
    pm_map_len(m, &len);
    if (len != k.n) {
        pmlab_fail(ctx, "built map has %zu keys, expected %zu", len, k.n);
        pm_map_free(m);
        goto out;
    }
    pm_map_free(m);
    pmlab_reset_latency(ctx);
    atomic_store(&s.writer_ns, 0);
    atomic_store(&s.alloc_ns, 0);
    atomic_store(&s.commits, 0);
    s.zh_creates = s.zh_create_ns = s.zh_release_ns = 0;
    uint64_t ops = 0, start = pmlab_now_ns();
    double total = 0;
    do {
        double b = build_once(&s, &m);
        if (b < 0) {
            pmlab_fail(ctx, "build failed");
            goto out;
        }
        pm_map_free(m);
        total += b;
        ops += k.n;
        pmlab_hist_record(pmlab_latency(ctx, 0, PMLAB_LAT_OP), (uint64_t)(b * 1e9 / (double)k.n));
    } while (pmlab_now_ns() - start < cfg->duration_ms * 1000000u);
    pmlab_report_ops(ctx, ops, total);
    pmlab_report_counters(ctx, 0, 0, 0);
    pmlab_report_metric(ctx, PMLAB_M_MAP_BYTES, (double)bytes);
    pmlab_report_metric(ctx, PMLAB_M_WRITER_NS, (double)atomic_load(&s.writer_ns));
    pmlab_report_metric(ctx, PMLAB_M_ALLOC_NS, (double)atomic_load(&s.alloc_ns));
    pmlab_set_str(ctx, "method", o->method);
    pmlab_set_num(ctx, "partitions", o->partitions);
    pmlab_set_num(ctx, "batch", o->batch);
    pmlab_set_num(ctx, "nkeys", (double)k.n);
    pmlab_set_num(ctx, "ns_per_insert", ops ? total * 1e9 / (double)ops : 0);
    pmlab_set_num(ctx, "commits", (double)atomic_load(&s.commits));
    if (s.zh && s.zh_creates) {
        pmlab_set_num(ctx, "zh_create_ns", (double)s.zh_create_ns / (double)s.zh_creates);
        pmlab_set_num(ctx, "zh_release_ns", (double)s.zh_release_ns / (double)s.zh_creates);
    }
    rc = 0;
out:
    if (s.dom)
        pm_sync_domain_free(s.dom);
    free(s.priv);
    free(s.wz);
    pmx_keys_free(&k);
    return rc;
}

static int write_run(const pmlab_config *cfg, pmlab_ctx *ctx)
{
    if (pmx_node_alloc(cfg, ctx))
        return 1;
    long long p = pmlab_param_int(cfg, "partitions"), b = pmlab_param_int(cfg, "batch");
    long long a = pmlab_param_int(cfg, "alloc_sample");
    pmx_write_opts o = {.partitions = p > 0 && p <= 256 ? (unsigned)p : 0,
                        .batch = b > 0 ? (unsigned)b : 0,
                        .method = pmlab_param_str(cfg, "method"),
                        .alloc_sample = a > 0 ? (unsigned)a : 16};
    return pmx_write_workload(cfg, ctx, &o);
}

static const pmlab_param write_params[] = {
    {"method", PMLAB_PARAM_STR_LIST, "zipperhead", "zipperhead, graft or txn (swept)"},
    {"partitions", PMLAB_PARAM_INT, "16", "prefix-disjoint partitions (1..256)"},
    {"batch", PMLAB_PARAM_INT, "1000", "txn: keys per transaction"},
    {"txn_backend", PMLAB_PARAM_STR, "urcu-memb", "txn: the live map's backend"},
    {"alloc_sample", PMLAB_PARAM_INT, "16", "time one allocation call in this many"},
    PMX_NODES_PARAM("slab"),
    {NULL, 0, NULL, NULL}};

static const pmlab_column write_cols[] = {
    {"method", PMLAB_COL_STR, "zipperhead, graft or txn"},
    {"partitions", PMLAB_COL_NUM, "partitions"},
    {"batch", PMLAB_COL_NUM, "keys per transaction (txn)"},
    {"nkeys", PMLAB_COL_NUM, "keys per build"},
    {"ns_per_insert", PMLAB_COL_NUM, "build seconds / keys (wall, all writers)"},
    {"commits", PMLAB_COL_NUM, "transactions committed (txn)"},
    {"zh_create_ns", PMLAB_COL_NUM, "zipperhead: ns per checked write-zipper creation"},
    {"zh_release_ns", PMLAB_COL_NUM, "zipperhead: ns per release (graft back)"},
    PMX_NODES_COLUMN,
    {NULL, 0, NULL}};

static const pmlab_experiment write_exp = {
    .name = "write",
    .description = "pattern C: parallel construction on disjoint partitions, per allocator",
    .axes = PMLAB_AXIS_THREADS | PMLAB_AXIS_KEYS | PMLAB_AXIS_SIZE | PMLAB_AXIS_ALLOCS,
    .defaults = "--threads 1,2 --allocs glibc,jemalloc --keys ints --size 200000 "
                "--duration-ms 500 --trials 1",
    .params = write_params,
    .columns = write_cols,
    .run = write_run,
    .smoke_args = "--threads 1,2 --allocs glibc --size 5000 --duration-ms 20 --param "
                  "method=zipperhead,graft,txn --param batch=100",
};

void pmlab_register_write(pmlab_registry *r);
void pmlab_register_write(pmlab_registry *r)
{
    pmlab_register_experiment(r, &write_exp);
}
