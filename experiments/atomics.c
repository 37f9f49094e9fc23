/* atomics — E-ATOMIC: the cost of C11 atomic operations per memory order, each thread on its own
 * cache line ("own") or every thread on one shared line ("shared"), vs threads (claims C025,
 * C030, C031, C033). Pure C11 <stdatomic.h>; nothing of PathMap. One configuration per
 * (variant, placement, threads); a variant is OP.ORDER. */
#include <stdalign.h>
#include <stdatomic.h>
#include <string.h>

#include "pmlab/experiment.h"

enum { OP_FETCH_ADD, OP_FETCH_SUB, OP_LOAD, OP_STORE, OP_CAS };
static const char *const op_names[] = {"fetch_add", "fetch_sub", "load", "store", "cas", NULL};
static const char *const order_names[] = {"relaxed", "acquire", "release",
                                          "acq_rel", "seq_cst", NULL};
static const memory_order orders[] = {memory_order_relaxed, memory_order_acquire,
                                      memory_order_release, memory_order_acq_rel,
                                      memory_order_seq_cst};

enum { MAX_THREADS = 256, BLOCK = 1024 };

typedef struct {
    alignas(128) _Atomic uint64_t word;
} line;

typedef struct {
    pmlab_ctx *ctx;
    int op, order;
    bool shared;
    line *lines; /* [0] shared, [1 + idx] own */
    _Atomic uint64_t ops;
    _Atomic uint64_t sink;
} atomics_state;

/* One block of BLOCK operations with a compile-time memory order, so the compiler emits exactly
 * the instruction for that order (no dynamic-order fallback to seq_cst). */
#define BLOCK_FN(ORD)                                                                              \
    static uint64_t block_##ORD(int op, _Atomic uint64_t *w)                                       \
    {                                                                                              \
        uint64_t acc = 0;                                                                          \
        switch (op) {                                                                              \
        case OP_FETCH_ADD:                                                                         \
            for (int i = 0; i < BLOCK; i++)                                                        \
                acc += atomic_fetch_add_explicit(w, 1, ORD);                                       \
            break;                                                                                 \
        case OP_FETCH_SUB:                                                                         \
            for (int i = 0; i < BLOCK; i++)                                                        \
                acc += atomic_fetch_sub_explicit(w, 1, ORD);                                       \
            break;                                                                                 \
        case OP_LOAD:                                                                              \
            for (int i = 0; i < BLOCK; i++)                                                        \
                acc += atomic_load_explicit(w, LOAD_ORDER(ORD));                                   \
            break;                                                                                 \
        case OP_STORE:                                                                             \
            for (int i = 0; i < BLOCK; i++)                                                        \
                atomic_store_explicit(w, (uint64_t)i, STORE_ORDER(ORD));                           \
            break;                                                                                 \
        default: {                                                                                 \
            uint64_t e = atomic_load_explicit(w, memory_order_relaxed);                            \
            for (int i = 0; i < BLOCK; i++)                                                        \
                acc += atomic_compare_exchange_strong_explicit(w, &e, e + 1, ORD,                  \
                                                               memory_order_relaxed);              \
        }                                                                                          \
        }                                                                                          \
        return acc;                                                                                \
    }
/* orders a load or a store cannot have never reach these (the variant list refuses them) */
#define LOAD_ORDER(o)                                                                              \
    ((o) == memory_order_release || (o) == memory_order_acq_rel ? memory_order_relaxed : (o))
#define STORE_ORDER(o)                                                                             \
    ((o) == memory_order_acquire || (o) == memory_order_acq_rel ? memory_order_relaxed : (o))
BLOCK_FN(memory_order_relaxed)
BLOCK_FN(memory_order_acquire)
BLOCK_FN(memory_order_release)
BLOCK_FN(memory_order_acq_rel)
BLOCK_FN(memory_order_seq_cst)

static void atomics_worker(void *arg, unsigned idx)
{
    atomics_state *s = arg;
    _Atomic uint64_t *w = s->shared ? &s->lines[0].word : &s->lines[1 + idx].word;
    uint64_t n = 0, acc = 0;
    while (!pmlab_stop(s->ctx)) {
        switch (s->order) {
        case 0:
            acc += block_memory_order_relaxed(s->op, w);
            break;
        case 1:
            acc += block_memory_order_acquire(s->op, w);
            break;
        case 2:
            acc += block_memory_order_release(s->op, w);
            break;
        case 3:
            acc += block_memory_order_acq_rel(s->op, w);
            break;
        default:
            acc += block_memory_order_seq_cst(s->op, w);
        }
        n += BLOCK;
    }
    atomic_fetch_add(&s->ops, n);
    atomic_fetch_add_explicit(&s->sink, acc, memory_order_relaxed);
}

static int parse_variant(const char *v, int *op, int *order)
{
    const char *dot = strchr(v, '.');
    if (!dot)
        return -1;
    *op = *order = -1;
    for (int i = 0; op_names[i]; i++)
        if (strlen(op_names[i]) == (size_t)(dot - v) && !strncmp(op_names[i], v, dot - v))
            *op = i;
    for (int i = 0; order_names[i]; i++)
        if (!strcmp(order_names[i], dot + 1))
            *order = i;
    if (*op < 0 || *order < 0)
        return -1;
    memory_order o = orders[*order];
    if (*op == OP_LOAD && (o == memory_order_release || o == memory_order_acq_rel))
        return -1;
    if (*op == OP_STORE && (o == memory_order_acquire || o == memory_order_acq_rel))
        return -1;
    return 0;
}

static int atomics_run(const pmlab_config *cfg, pmlab_ctx *ctx)
{
    static line lines[1 + MAX_THREADS];
    atomics_state s = {.ctx = ctx, .lines = lines};
    const char *variant = pmlab_param_str(cfg, "variant");
    const char *placement = pmlab_param_str(cfg, "placement");
    if (parse_variant(variant, &s.op, &s.order) != 0) {
        pmlab_fail(ctx,
                   "bad variant '%s' (OP.ORDER; load: relaxed|acquire|seq_cst, store: "
                   "relaxed|release|seq_cst)",
                   variant);
        return 1;
    }
    if (strcmp(placement, "own") && strcmp(placement, "shared")) {
        pmlab_fail(ctx, "bad placement '%s' (own or shared)", placement);
        return 1;
    }
    if (cfg->threads > MAX_THREADS) {
        pmlab_fail(ctx, "at most %d threads", MAX_THREADS);
        return 1;
    }
    s.shared = !strcmp(placement, "shared");
    if (cfg->warmup_ms)
        pmlab_run_timed(ctx, cfg->threads, atomics_worker, &s, cfg->warmup_ms, NULL);
    atomic_store(&s.ops, 0);
    double secs = 0;
    pmlab_run_timed(ctx, cfg->threads, atomics_worker, &s, cfg->duration_ms, &secs);
    uint64_t ops = atomic_load(&s.ops);
    pmlab_report_ops(ctx, ops, secs);
    pmlab_report_counters(ctx, 0, 0, 0);
    pmlab_set_str(ctx, "op", op_names[s.op]);
    pmlab_set_str(ctx, "order", order_names[s.order]);
    pmlab_set_str(ctx, "placement", placement);
    /* per-thread cost: each thread did ops/threads operations in secs */
    pmlab_set_num(ctx, "ns_per_op", ops ? secs * 1e9 * cfg->threads / (double)ops : 0);
    return 0;
}

static const pmlab_param atomics_params[] = {
    {"variant", PMLAB_PARAM_STR_LIST,
     "fetch_add.relaxed,fetch_add.acquire,fetch_add.release,fetch_add.acq_rel,fetch_add.seq_cst,"
     "fetch_sub.relaxed,fetch_sub.release,fetch_sub.seq_cst,load.relaxed,load.acquire,"
     "load.seq_cst,store.relaxed,store.release,store.seq_cst,cas.relaxed,cas.acq_rel,cas.seq_cst",
     "OP.ORDER list (swept); OP: fetch_add fetch_sub load store cas"},
    {"placement", PMLAB_PARAM_STR_LIST, "own,shared",
     "own: one cache line per thread; shared: all threads on one line (swept)"},
    {NULL, 0, NULL, NULL}};

static const pmlab_column atomics_cols[] = {
    {"op", PMLAB_COL_STR, "fetch_add, fetch_sub, load, store or cas"},
    {"order", PMLAB_COL_STR, "memory order"},
    {"placement", PMLAB_COL_STR, "own or shared cache line"},
    {"ns_per_op", PMLAB_COL_NUM, "wall ns per operation per thread (threads*seconds/ops)"},
    {NULL, 0, NULL}};

static const pmlab_experiment atomics_exp = {
    .name = "atomics",
    .description = "C11 atomics per memory order, own vs one shared cache line, vs threads",
    .axes = PMLAB_AXIS_THREADS,
    .defaults = "--threads 1,2 --duration-ms 100 --warmup-ms 20 --trials 1",
    .params = atomics_params,
    .columns = atomics_cols,
    .run = atomics_run,
    .smoke_args = "--threads 1,2 --duration-ms 20 --warmup-ms 0 --param "
                  "variant=fetch_add.relaxed,load.acquire,store.release,cas.seq_cst --param "
                  "placement=own,shared",
};

void pmlab_register_atomics(pmlab_registry *r);
void pmlab_register_atomics(pmlab_registry *r)
{
    pmlab_register_experiment(r, &atomics_exp);
}
