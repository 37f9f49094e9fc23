/* merge (pattern B) — E-MERGE: K clones of a base map each add delta unique keys (the compute
 * phase, on T worker threads, no synchronisation), then the K results are merged into one map
 * (claims C060-C062, C064, C162, C181 / alert A3). Methods (swept):
 *   sequential  a fold on one thread: acc := c0; acc := acc OP c_i for i = 1..K-1 (K-1 joins on
 *               the critical path);
 *   tree        a parallel tree-reduce on the T worker threads: level by level, pairs
 *               (i, i+s) are joined into i (pairs taken from a shared counter, a barrier between
 *               levels): ceil(log2 K) joins on the critical path, the same K-1 joins of work.
 * Every join is pm_map_alg_into(op, dst, src) in place (op = join or meet) and is timed on the
 * thread that runs it: its latency goes to PMLAB_LAT_MERGE (the merge_* columns, alert A3) and
 * PMLAB_LAT_OP. merge_work_ms = sum of join latencies (work), merge_ms = wall time of the merge
 * phase (critical path + scheduling: for tree, barrier release -> last worker done). Rounds
 * (fresh clones, compute, merge) repeat until --duration-ms; figures are means per round.
 * The result is checked every round by counting its keys: join must hold n + K*delta keys, meet
 * the n base keys; a mismatch fails the row. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/exp.h"

enum { SUFFIX = 7 }; /* 0xFE, clone (2 bytes BE), index (4 bytes BE) */

typedef struct {
    pmlab_ctx *ctx;
    pm_map *base;
    pm_map **cl;
    unsigned K, T;
    size_t delta;
    pm_alg_op op;
    const uint8_t **add; /* K*delta added keys */
    uint32_t *alen;      /* their lengths */
    /* tree reduce */
    pthread_barrier_t bar;
    _Atomic unsigned next; /* next pair of the current level */
    _Atomic uint64_t err, work_ns, compute_err;
} merge_state;

static void compute_worker(void *arg, unsigned idx)
{
    merge_state *s = arg;
    for (unsigned c = idx; c < s->K; c += s->T) {
        if (pm_map_clone(s->base, &s->cl[c]) != PM_OK) {
            atomic_fetch_add(&s->compute_err, 1);
            return;
        }
        for (size_t i = 0; i < s->delta; i++) {
            size_t a = (size_t)c * s->delta + i;
            if (pm_map_set(s->cl[c], s->add[a], s->alen[a], pmx_val(a) ^ 0x5A5A, NULL, NULL) !=
                PM_OK) {
                atomic_fetch_add(&s->compute_err, 1);
                return;
            }
        }
    }
}

/* one timed in-place join of cl[src] into cl[dst]; cl[src] is freed afterwards */
static void join_pair(merge_state *s, unsigned idx, unsigned dst, unsigned src)
{
    uint64_t t0 = pmlab_now_ns();
    pm_status st = pm_map_alg_into(s->op, s->cl[dst], s->cl[src], NULL);
    uint64_t ns = pmlab_now_ns() - t0;
    pmlab_hist_record(pmlab_latency(s->ctx, idx, PMLAB_LAT_MERGE), ns);
    pmlab_hist_record(pmlab_latency(s->ctx, idx, PMLAB_LAT_OP), ns);
    atomic_fetch_add(&s->work_ns, ns);
    if (st != PM_OK)
        atomic_fetch_add(&s->err, 1);
    pm_map_free(s->cl[src]);
    s->cl[src] = NULL;
}

static void tree_worker(void *arg, unsigned idx)
{
    merge_state *s = arg;
    for (unsigned step = 1; step < s->K; step *= 2) {
        unsigned npairs = (s->K + 2 * step - 1) / (2 * step); /* i = 0, 2s, 4s, ... < K */
        for (;;) {
            unsigned j = atomic_fetch_add(&s->next, 1);
            if (j >= npairs)
                break;
            unsigned dst = j * 2 * step, src = dst + step;
            if (src < s->K)
                join_pair(s, idx, dst, src);
        }
        /* everyone has finished this level; one thread resets the counter for the next */
        if (pthread_barrier_wait(&s->bar) == PTHREAD_BARRIER_SERIAL_THREAD)
            atomic_store(&s->next, 0);
        pthread_barrier_wait(&s->bar);
    }
}

/* Makes the K*delta added keys: scattered = a random base key extended by a 7-byte suffix
 * (0xFE, clone, index), so each clone's additions are spread over the whole trie; own = the
 * suffix under a prefix of its own, "\xFE" "merge/" (one subtrie per clone). */
static uint8_t *make_added(const pmx_keys *k, const pm_map *base, unsigned K, size_t delta,
                           bool scattered, uint64_t seed, const uint8_t ***add, uint32_t **alen)
{
    size_t total = (size_t)K * delta, maxlen = 0;
    for (size_t i = 0; i < k->n; i++)
        if (k->keys[i].len > maxlen)
            maxlen = k->keys[i].len;
    size_t per = (scattered ? maxlen : 7) + SUFFIX;
    uint8_t *arena = malloc(total * per + 1);
    *add = malloc((total + 1) * sizeof **add);
    *alen = malloc((total + 1) * sizeof **alen);
    if (!arena || !*add || !*alen)
        return arena;
    uint64_t rng = seed ^ 0x4D455247ull;
    for (size_t a = 0; a < total; a++) {
        unsigned c = (unsigned)(a / delta);
        uint32_t i = (uint32_t)(a % delta);
        uint8_t *p = arena + a * per;
        size_t len = 0;
        if (scattered && k->n) {
            const pmx_key *b = &k->keys[pmx_rand_next(&rng) % k->n];
            if (b->len)
                memcpy(p, b->bytes, b->len);
            len = b->len;
        } else {
            memcpy(p,
                   "\xFE"
                   "merge/",
                   7);
            len = 7;
        }
        uint8_t suf[SUFFIX] = {0xFE,
                               (uint8_t)(c >> 8),
                               (uint8_t)c,
                               (uint8_t)(i >> 24),
                               (uint8_t)(i >> 16),
                               (uint8_t)(i >> 8),
                               (uint8_t)i};
        memcpy(p + len, suf, SUFFIX);
        len += SUFFIX;
        (*add)[a] = p;
        (*alen)[a] = (uint32_t)len;
        if (pm_map_contains(base, p, len)) { /* a base key equals an added key: the count
                                                check would be wrong */
            free(arena);
            return NULL;
        }
    }
    return arena;
}

typedef struct {
    double compute_s, merge_s, work_ns;
    uint64_t node_allocs;
    size_t result_keys;
} round_out;

static int one_round(merge_state *s, bool tree, round_out *r)
{
    double cs = 0;
    atomic_store(&s->compute_err, 0);
    if (pmlab_run_workers(s->ctx, s->T, compute_worker, s, &cs) != 0 ||
        atomic_load(&s->compute_err)) {
        pmlab_fail(s->ctx, "compute phase failed (out of memory)");
        return -1;
    }
    pm_mem_stats m0, m1;
    pm_mem_stats_get(&m0);
    atomic_store(&s->work_ns, 0);
    atomic_store(&s->err, 0);
    double ms = 0;
    if (tree) {
        atomic_store(&s->next, 0);
        if (pthread_barrier_init(&s->bar, NULL, s->T) != 0 ||
            pmlab_run_workers(s->ctx, s->T, tree_worker, s, &ms) != 0) {
            pmlab_fail(s->ctx, "cannot start the tree-reduce workers");
            return -1;
        }
        pthread_barrier_destroy(&s->bar);
    } else {
        uint64_t t0 = pmlab_now_ns();
        for (unsigned c = 1; c < s->K; c++)
            join_pair(s, 0, 0, c);
        ms = (double)(pmlab_now_ns() - t0) / 1e9;
    }
    pm_mem_stats_get(&m1);
    if (atomic_load(&s->err)) {
        pmlab_fail(s->ctx, "a join failed (out of memory)");
        return -1;
    }
    r->compute_s = cs;
    r->merge_s = ms;
    r->work_ns = (double)atomic_load(&s->work_ns);
    r->node_allocs = m1.allocs - m0.allocs;
    pm_map_len(s->cl[0], &r->result_keys);
    pm_map_free(s->cl[0]);
    s->cl[0] = NULL;
    return 0;
}

static int merge_run(const pmlab_config *cfg, pmlab_ctx *ctx)
{
    long long K = pmlab_param_int(cfg, "clones"), delta = pmlab_param_int(cfg, "delta");
    const char *method = pmlab_param_str(cfg, "method"), *op = pmlab_param_str(cfg, "op");
    const char *place = pmlab_param_str(cfg, "placement");
    bool tree = !strcmp(method, "tree"), meet = !strcmp(op, "meet");
    bool scattered = !strcmp(place, "scattered");
    if (K < 2 || K > 65535 || delta < 0 || delta > 100000000) {
        pmlab_fail(ctx, "clones must be 2..65535 and delta 0..1e8");
        return 1;
    }
    if ((!tree && strcmp(method, "sequential")) || (!meet && strcmp(op, "join")) ||
        (!scattered && strcmp(place, "own"))) {
        pmlab_fail(ctx, "method must be sequential|tree, op join|meet, placement scattered|own");
        return 1;
    }
    pmx_keys k;
    if (pmx_load_keys(cfg, ctx, 1, &k) != 0)
        return 1;
    merge_state s = {.ctx = ctx,
                     .K = (unsigned)K,
                     .T = cfg->threads,
                     .delta = (size_t)delta,
                     .op = meet ? PM_MEET : PM_JOIN};
    int rc = 1;
    uint8_t *arena = NULL;
    s.cl = calloc(s.K, sizeof *s.cl);
    if (!s.cl || !(s.base = pmx_build_map(&k, ctx)))
        goto out;
    arena = make_added(&k, s.base, s.K, s.delta, scattered, cfg->seed, &s.add, &s.alen);
    if (!arena || !s.add || !s.alen) {
        pmlab_fail(ctx, arena ? "out of memory" : "an added key collides with a base key");
        goto out;
    }
    size_t base_n = 0;
    pm_map_len(s.base, &base_n);
    size_t expect = meet ? base_n : base_n + (size_t)K * (size_t)delta;

    round_out r;
    double compute_s = 0, merge_s = 0, work_ns = 0;
    uint64_t rounds = 0, node_allocs = 0;
    for (int phase = 0; phase < 2; phase++) {
        uint64_t budget = (phase == 0 ? cfg->warmup_ms : cfg->duration_ms) * 1000000u;
        uint64_t start = pmlab_now_ns();
        pmlab_reset_latency(ctx);
        compute_s = merge_s = work_ns = 0;
        rounds = node_allocs = 0;
        do {
            if (one_round(&s, tree, &r) != 0)
                goto out;
            if (r.result_keys != expect) {
                pmlab_fail(ctx, "%s result holds %zu keys, expected %zu", op, r.result_keys,
                           expect);
                goto out;
            }
            compute_s += r.compute_s;
            merge_s += r.merge_s;
            work_ns += r.work_ns;
            node_allocs += r.node_allocs;
            rounds++;
        } while (pmlab_now_ns() - start < budget); /* at least one round per phase */
    }
    unsigned depth = 0;
    while ((1u << depth) < s.K)
        depth++;
    pmlab_report_ops(ctx, rounds * (s.K - 1), merge_s);
    pmlab_report_counters(ctx, 0, 0, 0);
    /* the common `clones` column carries K (as in `memory`); its clone_rate is not a rate */
    pmlab_report_metric(ctx, PMLAB_M_CLONES, (double)K);
    size_t nodes = 0, bytes = 0;
    pm_map_footprint(s.base, &nodes, &bytes);
    pmlab_report_metric(ctx, PMLAB_M_MAP_BYTES, (double)bytes);
    pmlab_set_str(ctx, "method", method);
    pmlab_set_str(ctx, "op", op);
    pmlab_set_str(ctx, "placement", place);
    pmlab_set_num(ctx, "delta", (double)delta);
    pmlab_set_num(ctx, "base_keys", (double)base_n);
    pmlab_set_num(ctx, "result_keys", (double)r.result_keys);
    pmlab_set_num(ctx, "expected_keys", (double)expect);
    pmlab_set_num(ctx, "rounds", (double)rounds);
    pmlab_set_num(ctx, "joins", (double)(s.K - 1));
    pmlab_set_num(ctx, "merge_depth", tree ? (double)depth : (double)(s.K - 1));
    pmlab_set_num(ctx, "merge_ms", merge_s * 1e3 / (double)rounds);
    pmlab_set_num(ctx, "merge_work_ms", work_ns / 1e6 / (double)rounds);
    pmlab_set_num(ctx, "compute_ms", compute_s * 1e3 / (double)rounds);
    pmlab_set_num(ctx, "merge_node_allocs", (double)node_allocs / (double)rounds);
    rc = 0;
out:
    for (unsigned c = 0; s.cl && c < s.K; c++)
        pm_map_free(s.cl[c]);
    free(s.cl);
    free(arena);
    free((void *)s.add);
    free(s.alen);
    pm_map_free(s.base);
    pmx_keys_free(&k);
    return rc;
}

static const pmlab_param merge_params[] = {
    {"clones", PMLAB_PARAM_INT_LIST, "4,16,64", "K clones of the base (swept, >= 2)"},
    {"delta", PMLAB_PARAM_INT_LIST, "10,1000", "unique keys each clone adds (swept)"},
    {"method", PMLAB_PARAM_STR_LIST, "sequential,tree",
     "sequential fold on one thread, or tree-reduce on the T workers (swept)"},
    {"op", PMLAB_PARAM_STR_LIST, "join", "join (union) or meet (intersection) (swept)"},
    {"placement", PMLAB_PARAM_STR, "scattered",
     "scattered: added keys extend random base keys; own: under a prefix of their own"},
    {NULL, 0, NULL, NULL}};

static const pmlab_column merge_cols[] = {
    {"method", PMLAB_COL_STR, "sequential or tree"},
    {"op", PMLAB_COL_STR, "join or meet"},
    {"placement", PMLAB_COL_STR, "scattered or own"},
    {"delta", PMLAB_COL_NUM, "keys added per clone"},
    {"base_keys", PMLAB_COL_NUM, "n, keys of the base map"},
    {"result_keys", PMLAB_COL_NUM, "keys of the merged map (last round)"},
    {"expected_keys", PMLAB_COL_NUM, "join: n + K*delta; meet: n (checked every round)"},
    {"rounds", PMLAB_COL_NUM, "clone+compute+merge rounds measured"},
    {"joins", PMLAB_COL_NUM, "joins per merge (K-1)"},
    {"merge_depth", PMLAB_COL_NUM, "joins on the critical path: K-1 or ceil(log2 K)"},
    {"merge_ms", PMLAB_COL_NUM, "wall time of the merge phase per round (critical path)"},
    {"merge_work_ms", PMLAB_COL_NUM, "sum of the joins' latencies per round (work)"},
    {"compute_ms", PMLAB_COL_NUM, "wall time of the compute phase (clone + add) per round"},
    {"merge_node_allocs", PMLAB_COL_NUM, "nodes allocated by the merge phase per round"},
    {NULL, 0, NULL}};

static const pmlab_experiment merge_exp = {
    .name = "merge",
    .description = "pattern B: K clones add delta keys; sequential fold-join vs tree-reduce",
    .axes = PMLAB_AXIS_THREADS | PMLAB_AXIS_KEYS | PMLAB_AXIS_SIZE,
    .defaults = "--threads 2 --keys ints --size 100000 --duration-ms 300 --warmup-ms 30 "
                "--trials 1",
    .params = merge_params,
    .columns = merge_cols,
    .run = merge_run,
    .smoke_args = "--threads 2 --size 2000 --param clones=2,5 --param delta=0,10 --param "
                  "op=join,meet --duration-ms 20 --warmup-ms 0",
};

void pmlab_register_merge(pmlab_registry *r);
void pmlab_register_merge(pmlab_registry *r)
{
    pmlab_register_experiment(r, &merge_exp);
}
