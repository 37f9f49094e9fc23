/* sync/tools/dispatch_cost.c — what the read side costs per point lookup, inlined or called
 * through the backend table (a measurement program, not a test).
 *
 * Per backend, the same lookup loop four ways, each a separate function so that a profiler can
 * tell them apart:
 *   dc_inline_<id>    pm_sync_<id>_read_enter / _deref / _read_exit, inlined
 *   dc_indirect_<id>  pm_sync_read_enter / pm_sync_deref / pm_sync_read_exit (3 table calls)
 *   dc_fused_<id>     pm_sync_read_begin / pm_sync_read_exit (2 table calls)
 *   dc_bare           pm_map_get on the version, no read section (the floor; backend-independent)
 * The loop body is the one of the `dispatch` experiment (experiments/read.c): one read section per
 * pm_map_get, a quiescent state every 64 lookups. Every variant looks up the same keys in the same
 * shuffled order, so pm_map_get executes the same instructions in each.
 *
 * Natively it prints ns per lookup (median of --trials, variants interleaved). Its main use is
 * exact instruction counts: run one trial under callgrind and divide each dc_* function's
 * inclusive cost by --lookups (sync/tools/dispatch_cost.sh does both):
 *   valgrind --tool=callgrind --callgrind-out-file=/tmp/dc.out \
 *       build/release/bin/pm_dispatch_cost --trials 1 --lookups 200000
 *   callgrind_annotate --inclusive=yes /tmp/dc.out | grep dc_
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pmsync/live.h"
#include "keyset.h"

#define QS_EVERY 64u

static volatile uint64_t sink;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* noipa: no inlining, cloning or identical-code folding, so each variant keeps its own symbol */
#define DC_FN __attribute__((noipa))

#define DC_LOOP(NAME, ENTER_DEREF, EXIT, QS)                                                       \
    DC_FN static uint64_t NAME(pm_sync_thread *t, pm_sync_cell *cell, const keyset *ks,            \
                               uint64_t n)                                                         \
    {                                                                                              \
        uint64_t hits = 0, acc = 0;                                                                \
        size_t j = 0;                                                                              \
        for (uint64_t i = 0; i < n; i++) {                                                         \
            size_t k = ks->order[j];                                                               \
            if (++j == ks->n)                                                                      \
                j = 0;                                                                             \
            uint64_t val = 0;                                                                      \
            const pm_map *v = (const pm_map *)ENTER_DEREF(t, cell);                                \
            hits += pm_map_get(v, (const uint8_t *)ks->key[k], ks->len[k], &val) == PM_OK;         \
            acc += val;                                                                            \
            EXIT(t);                                                                               \
            if ((i + 1) % QS_EVERY == 0)                                                           \
                QS(t);                                                                             \
        }                                                                                          \
        sink += acc;                                                                               \
        return hits;                                                                               \
    }

#define DC_SEQ(enter, deref) (enter(t), deref(t, cell))

#define DC_INDIRECT_ENTER_DEREF(t, c) (pm_sync_read_enter(t), pm_sync_deref(t, c))

#define DC_LOOPS(id, name)                                                                         \
    static inline void *dc_inline_ed_##id(pm_sync_thread *t, pm_sync_cell *cell)                   \
    {                                                                                              \
        return DC_SEQ(pm_sync_##id##_read_enter, pm_sync_##id##_deref);                            \
    }                                                                                              \
    DC_LOOP(dc_inline_##id, dc_inline_ed_##id, pm_sync_##id##_read_exit, pm_sync_##id##_quiescent) \
    DC_LOOP(dc_indirect_##id, DC_INDIRECT_ENTER_DEREF, pm_sync_read_exit, pm_sync_quiescent)       \
    DC_LOOP(dc_fused_##id, pm_sync_read_begin, pm_sync_read_exit, pm_sync_quiescent)
PM_SYNC_BACKENDS(DC_LOOPS)

/* bare: the version loaded once by the caller and passed as the "cell" */
#define DC_BARE_ED(t, c) ((void)(t), (void *)(c))
#define DC_NOTHING(t)    ((void)(t))
DC_LOOP(dc_bare, DC_BARE_ED, DC_NOTHING, DC_NOTHING)

typedef uint64_t dc_loop_fn(pm_sync_thread *t, pm_sync_cell *cell, const keyset *ks, uint64_t n);
enum { V_INLINE, V_INDIRECT, V_FUSED, V_BARE, NVARIANTS };
static const char *const variant_name[NVARIANTS] = {"inline", "indirect", "fused", "bare"};

typedef struct dc_row {
    const pm_sync_backend *be;
    dc_loop_fn *fn[V_BARE]; /* inline, indirect, fused */
} dc_row;
#define DC_ROW(id, name) {&pm_sync_backend_##id, {dc_inline_##id, dc_indirect_##id, dc_fused_##id}},
static const dc_row rows[] = {PM_SYNC_BACKENDS(DC_ROW)};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
    const char *file = "/usr/share/dict/words", *only = NULL;
    size_t nkeys = 100000;
    uint64_t lookups = 1000000;
    int trials = 5;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--words") == 0)
            file = argv[i + 1];
        else if (strcmp(argv[i], "--keys") == 0)
            nkeys = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--lookups") == 0)
            lookups = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--trials") == 0)
            trials = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--backend") == 0)
            only = argv[i + 1];
        else {
            fprintf(stderr,
                    "usage: %s [--words FILE] [--keys N] [--lookups N] [--trials N] "
                    "[--backend NAME]\n",
                    argv[0]);
            return 2;
        }
    }
    if (argc % 2 == 0) {
        fprintf(stderr, "%s: option %s needs a value\n", argv[0], argv[argc - 1]);
        return 2;
    }
    if (trials < 1 || trials > 101 || lookups == 0) {
        fprintf(stderr, "%s: --trials must be 1..101 and --lookups > 0\n", argv[0]);
        return 2;
    }
    if (only != NULL && pm_sync_backend_by_name(only) == NULL) {
        fprintf(stderr, "%s: unknown backend '%s'\n", argv[0], only);
        return 2;
    }
    keyset ks;
    if (keys_load(file, nkeys, &ks) != 0 || ks.n == 0) {
        fprintf(stderr, "cannot read %s\n", file);
        return 2;
    }
    pm_map *base;
    if (pm_map_new(NULL, &base) != PM_OK)
        return 1;
    for (size_t i = 0; i < ks.n; i++)
        if (pm_map_set(base, (const uint8_t *)ks.key[i], ks.len[i], i, NULL, NULL) != PM_OK)
            return 1;

    printf("# %zu keys from %s; %llu lookups per run, median of %d interleaved runs\n", ks.n, file,
           (unsigned long long)lookups, trials);
    printf("# instructions per lookup: run under callgrind with --trials 1 and divide each dc_* "
           "function's inclusive cost by %llu (sync/tools/dispatch_cost.sh)\n",
           (unsigned long long)lookups);
    printf("%-10s %10s %10s %10s %10s %12s %12s\n", "backend", "inline_ns", "indirect_ns",
           "fused_ns", "bare_ns", "indirect_pct", "fused_pct");
    for (size_t b = 0; b < sizeof rows / sizeof rows[0]; b++) {
        const dc_row *r = &rows[b];
        if (only != NULL && strcmp(only, r->be->name) != 0)
            continue;
        pm_sync_domain *d;
        pm_live *lm;
        pm_map *init;
        pm_sync_thread *t;
        if (pm_sync_domain_new(r->be, &d) != PM_OK || pm_map_clone(base, &init) != PM_OK ||
            pm_live_new(d, init, &lm) != PM_OK || pm_sync_register(d, &t) != PM_OK)
            return 1;
        pm_sync_cell *cell = pm_live_cell(lm);
        double ns[NVARIANTS][101];
        uint64_t hits[NVARIANTS] = {0};
        for (int tr = 0; tr < trials; tr++) {
            for (int k = 0; k < NVARIANTS; k++) {
                int v = (k + tr) % NVARIANTS; /* rotate the order: no variant always runs first */
                double t0 = now_ns();
                if (v == V_BARE) {
                    /* nothing writes the map: the version stays valid outside a section */
                    pm_map *cur = (pm_map *)pm_live_read_begin(lm, t);
                    pm_live_read_end(lm, t);
                    t0 = now_ns();
                    hits[v] = dc_bare(t, (pm_sync_cell *)(void *)cur, &ks, lookups);
                } else {
                    hits[v] = r->fn[v](t, cell, &ks, lookups);
                }
                ns[v][tr] = (now_ns() - t0) / (double)lookups;
                pm_sync_quiescent(t);
            }
        }
        for (int v = 1; v < NVARIANTS; v++)
            if (hits[v] != hits[V_INLINE]) {
                fprintf(stderr, "%s: %s found %llu keys, inline %llu\n", r->be->name,
                        variant_name[v], (unsigned long long)hits[v],
                        (unsigned long long)hits[V_INLINE]);
                return 1;
            }
        double m[NVARIANTS];
        for (int v = 0; v < NVARIANTS; v++)
            m[v] = median(ns[v], trials);
        printf("%-10s %10.1f %10.1f %10.1f %10.1f %12.1f %12.1f\n", r->be->name, m[V_INLINE],
               m[V_INDIRECT], m[V_FUSED], m[V_BARE], 100 * (m[V_INDIRECT] / m[V_INLINE] - 1),
               100 * (m[V_FUSED] / m[V_INLINE] - 1));
        pm_sync_unregister(t);
        pm_live_free(lm);
        pm_sync_domain_free(d);
    }
    pm_map_free(base);
    keys_free(&ks);
    return 0;
}
