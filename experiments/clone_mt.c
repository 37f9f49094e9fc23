/* clone-mt — E-CLONE-MT: clones per second when T threads take the same live map's current
 * version at once (claims C026, C033). Methods (swept):
 *   clone     pm_map_clone + pm_map_free of one shared handle: every thread increments and
 *             decrements the same root refcount (one contended cache line);
 *   snapshot  pm_live_snapshot (a counted clone taken inside a read section) + pm_map_free;
 *   pin       what RCU/epoch offer instead of a clone: enter a read section, deref the version,
 *             exit (no count; refcount and hp still write a shared word).
 * ops = clones (or pins); clone rate feeds alert A2. */
#include <string.h>

#include "common/syncx.h"

enum { BLOCK = 64 };

typedef struct {
    pmlab_ctx *ctx;
    pm_live *lm;
    pm_sync_domain *dom;
    const pm_sync_backend *be;
    const pm_map *base;
    int method; /* 0 clone, 1 snapshot, 2 pin */
    _Atomic uint64_t ops, err, sink;
} cmt_state;

typedef uint64_t pin_fn(pm_sync_thread *t, pm_sync_cell *c, pmlab_ctx *ctx);
#define PIN_LOOP(id, name)                                                                         \
    static uint64_t pin_##id(pm_sync_thread *t, pm_sync_cell *c, pmlab_ctx *ctx)                   \
    {                                                                                              \
        uint64_t n = 0;                                                                            \
        uintptr_t sink = 0;                                                                        \
        while (!pmlab_stop(ctx)) {                                                                 \
            for (int i = 0; i < BLOCK; i++) {                                                      \
                pm_sync_##id##_read_enter(t);                                                      \
                sink += (uintptr_t)pm_sync_##id##_deref(t, c);                                     \
                pm_sync_##id##_read_exit(t);                                                       \
            }                                                                                      \
            pm_sync_##id##_quiescent(t);                                                           \
            n += BLOCK;                                                                            \
        }                                                                                          \
        return n + (sink == 1);                                                                    \
    }
PM_SYNC_BACKENDS(PIN_LOOP)
#define PIN_PTR(id, name) pin_##id,
static pin_fn *const pins[] = {PM_SYNC_BACKENDS(PIN_PTR)};

static void cmt_worker(void *arg, unsigned idx)
{
    cmt_state *s = arg;
    (void)idx;
    pm_sync_thread *t = pmx_register(s->dom, s->be);
    if (!t) {
        atomic_fetch_add(&s->err, 1);
        return;
    }
    uint64_t n = 0;
    int bi = pmx_backend_index(s->be);
    if (s->method == 2 && bi >= 0) {
        n = pins[bi](t, pm_live_cell(s->lm), s->ctx);
    } else {
        while (!pmlab_stop(s->ctx)) {
            for (int i = 0; i < BLOCK; i++) {
                pm_map *c = NULL;
                pm_status st =
                    s->method == 0 ? pm_map_clone(s->base, &c) : pm_live_snapshot(s->lm, t, &c);
                if (st != PM_OK) {
                    atomic_fetch_add(&s->err, 1);
                    break;
                }
                pm_map_free(c);
            }
            pm_sync_quiescent(t);
            n += BLOCK;
        }
    }
    pm_sync_unregister(t);
    atomic_fetch_add(&s->ops, n);
}

static int cmt_run(const pmlab_config *cfg, pmlab_ctx *ctx)
{
    static const char *const methods[] = {"clone", "snapshot", "pin", NULL};
    cmt_state s = {.ctx = ctx};
    s.method = pmx_index_of(methods, pmlab_param_str(cfg, "method"));
    if (s.method < 0) {
        pmlab_fail(ctx, "method must be clone, snapshot or pin");
        return 1;
    }
    pmx_keys k;
    if (pmx_load_keys(cfg, ctx, 1, &k) != 0)
        return 1;
    int rc = 1;
    pm_map *m = pmx_build_map(&k, ctx);
    if (!m)
        goto out_keys;
    s.base = m;
    s.be = pmx_backend(cfg->backend);
    s.dom = pmx_domain_new(cfg, ctx);
    if (!s.dom) {
        pm_map_free(m);
        goto out_keys;
    }
    if (pm_live_new(s.dom, m, &s.lm) != PM_OK) {
        pm_map_free(m);
        pmlab_fail(ctx, "pm_live_new failed");
        goto out_dom;
    }
    if (cfg->warmup_ms)
        pmlab_run_timed(ctx, cfg->threads, cmt_worker, &s, cfg->warmup_ms, NULL);
    atomic_store(&s.ops, 0);
    double secs = 0;
    pmlab_run_timed(ctx, cfg->threads, cmt_worker, &s, cfg->duration_ms, &secs);
    if (atomic_load(&s.err)) {
        pmlab_fail(ctx, "clone/snapshot or registration failed");
        goto out_live;
    }
    uint64_t ops = atomic_load(&s.ops);
    pmlab_report_ops(ctx, ops, secs);
    pmlab_report_metric(ctx, PMLAB_M_CLONES, s.method == 2 ? 0 : (double)ops);
    pmx_report_sync(ctx, s.dom);
    pmlab_set_str(ctx, "method", methods[s.method]);
    pmlab_set_num(ctx, "ns_per_clone", ops ? secs * 1e9 * cfg->threads / (double)ops : 0);
    rc = 0;
out_live:
    pm_live_free(s.lm);
out_dom:
    pm_sync_domain_free(s.dom);
out_keys:
    pmx_keys_free(&k);
    return rc;
}

static const pmlab_param cmt_params[] = {
    {"method", PMLAB_PARAM_STR_LIST, "clone,snapshot,pin", "clone, snapshot or pin (swept)"},
    {NULL, 0, NULL, NULL}};
static const pmlab_column cmt_cols[] = {
    {"method", PMLAB_COL_STR, "clone, snapshot or pin"},
    {"ns_per_clone", PMLAB_COL_NUM, "wall ns per clone (or pin) per thread"},
    {NULL, 0, NULL}};

static const pmlab_experiment cmt_exp = {
    .name = "clone-mt",
    .description = "T threads clone the same version: contended refcount vs RCU/epoch pins",
    .axes = PMLAB_AXIS_BACKENDS | PMLAB_AXIS_THREADS | PMLAB_AXIS_KEYS | PMLAB_AXIS_SIZE,
    .defaults = "--threads 1,2 --backends all --keys ints --size 10000 --duration-ms 300 "
                "--warmup-ms 50 --trials 1",
    .params = cmt_params,
    .columns = cmt_cols,
    .run = cmt_run,
    .smoke_args = "--backends all --threads 2 --size 1000 --duration-ms 30 --warmup-ms 0",
};

void pmlab_register_clone_mt(pmlab_registry *r);
void pmlab_register_clone_mt(pmlab_registry *r)
{
    pmlab_register_experiment(r, &cmt_exp);
}
