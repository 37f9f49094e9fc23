/* sync/tools/measure_backends.c — a small measurement program (not a test): per backend,
 *   - ns per empty read section (enter + exit), and per section that derefs the live map,
 *   - ns per point lookup on a live map of the first N lines of a word list,
 *   - the reclamation counters of a 1-writer / 1-reader run (peak pending, retired, freed).
 * Each figure is the median of --trials runs; read loops announce a quiescent state every 64
 * operations (a no-op except for urcu-qsbr). Build it in Release:
 *   cmake -S . -B /tmp/sync-release -DCMAKE_BUILD_TYPE=Release && cmake --build /tmp/sync-release
 *   /tmp/sync-release/bin/pm_measure_backends [--words FILE] [--keys N] [--trials N]
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pmsync/live.h"
#include "keyset.h"

#define QS_EVERY    64
#define LOOKUP_REPS 3         /* passes over the key set per timed lookup run */
#define SECTIONS    10000000u /* read sections per timed empty/deref run */

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

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

static volatile uint64_t sink;

/* ---- one hot loop per backend, read side inlined ------------------------------------------- */
#define HOT(id, name)                                                                              \
    static double empty_##id(pm_sync_thread *t, uint64_t n)                                        \
    {                                                                                              \
        double t0 = now_ns();                                                                      \
        for (uint64_t i = 0; i < n; i++) {                                                         \
            pm_sync_##id##_read_enter(t);                                                          \
            pm_sync_##id##_read_exit(t);                                                           \
            if (i % QS_EVERY == 0)                                                                 \
                pm_sync_##id##_quiescent(t);                                                       \
        }                                                                                          \
        return (now_ns() - t0) / (double)n;                                                        \
    }                                                                                              \
    static double deref_##id(pm_sync_thread *t, pm_sync_cell *c, uint64_t n)                       \
    {                                                                                              \
        double t0 = now_ns();                                                                      \
        uintptr_t acc = 0;                                                                         \
        for (uint64_t i = 0; i < n; i++) {                                                         \
            pm_sync_##id##_read_enter(t);                                                          \
            acc += (uintptr_t)pm_sync_##id##_deref(t, c);                                          \
            pm_sync_##id##_read_exit(t);                                                           \
            if (i % QS_EVERY == 0)                                                                 \
                pm_sync_##id##_quiescent(t);                                                       \
        }                                                                                          \
        sink += acc;                                                                               \
        return (now_ns() - t0) / (double)n;                                                        \
    }                                                                                              \
    static double lookup_##id(pm_sync_thread *t, pm_sync_cell *c, const keyset *ks)                \
    {                                                                                              \
        double t0 = now_ns();                                                                      \
        uint64_t acc = 0, v = 0;                                                                   \
        for (size_t i = 0; i < ks->n * LOOKUP_REPS; i++) {                                         \
            size_t j = ks->order[i % ks->n];                                                       \
            if (pm_live_get_##id(t, c, (const uint8_t *)ks->key[j], ks->len[j], &v) == PM_OK)      \
                acc += v;                                                                          \
            if (i % QS_EVERY == 0)                                                                 \
                pm_sync_##id##_quiescent(t);                                                       \
        }                                                                                          \
        sink += acc;                                                                               \
        return (now_ns() - t0) / (double)(ks->n * LOOKUP_REPS);                                    \
    }
PM_SYNC_BACKENDS(HOT)

typedef struct hot_fns {
    const pm_sync_backend *be;
    double (*empty)(pm_sync_thread *, uint64_t);
    double (*deref)(pm_sync_thread *, pm_sync_cell *, uint64_t);
    double (*lookup)(pm_sync_thread *, pm_sync_cell *, const keyset *);
} hot_fns;
#define HOT_ROW(id, name) {&pm_sync_backend_##id, empty_##id, deref_##id, lookup_##id},
static const hot_fns hot[] = {PM_SYNC_BACKENDS(HOT_ROW)};

static double lookup_raw(const pm_map *m, const keyset *ks)
{
    double t0 = now_ns();
    uint64_t acc = 0, v = 0;
    for (size_t i = 0; i < ks->n * LOOKUP_REPS; i++) {
        size_t j = ks->order[i % ks->n];
        if (pm_map_get(m, (const uint8_t *)ks->key[j], ks->len[j], &v) == PM_OK)
            acc += v;
    }
    sink += acc;
    return (now_ns() - t0) / (double)(ks->n * LOOKUP_REPS);
}

/* ---- 1 writer / 1 reader: reclamation counters ------------------------------------------------
 */
typedef struct mixed {
    pm_live *lm;
    const keyset *ks;
    uint64_t commits;
    _Atomic(int) writer_done;
    uint64_t reads;
} mixed;

static void *mixed_writer(void *arg)
{
    mixed *mx = arg;
    pm_sync_thread *t;
    if (pm_sync_register(pm_live_domain(mx->lm), &t) != PM_OK)
        abort();
    const uint8_t path[] = {0xff, 'w', '/'};
    for (uint64_t i = 0; i < mx->commits; i++) {
        pm_live_txn *tx;
        if (pm_live_txn_begin(mx->lm, t, path, sizeof path, &tx) != PM_OK)
            abort();
        uint8_t k[2] = {(uint8_t)(i & 0x3f), 'k'};
        if (pm_map_set(pm_live_txn_map(tx), k, sizeof k, i, NULL, NULL) != PM_OK ||
            pm_live_txn_commit(tx) != PM_OK)
            abort();
        pm_sync_quiescent(t);
    }
    pm_sync_unregister(t);
    atomic_store(&mx->writer_done, 1);
    return NULL;
}

static void *mixed_reader(void *arg)
{
    mixed *mx = arg;
    pm_sync_thread *t;
    if (pm_sync_register(pm_live_domain(mx->lm), &t) != PM_OK)
        abort();
    uint64_t v, acc = 0, n = 0;
    while (!atomic_load_explicit(&mx->writer_done, memory_order_relaxed)) {
        size_t j = mx->ks->order[n % mx->ks->n];
        if (pm_live_get(mx->lm, t, (const uint8_t *)mx->ks->key[j], mx->ks->len[j], &v) == PM_OK)
            acc += v;
        if (++n % QS_EVERY == 0)
            pm_sync_quiescent(t);
    }
    sink += acc;
    mx->reads = n;
    pm_sync_unregister(t);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *file = "/usr/share/dict/words";
    size_t nkeys = 100000;
    int trials = 7;
    uint64_t commits = 20000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--words") == 0)
            file = argv[i + 1];
        else if (strcmp(argv[i], "--keys") == 0)
            nkeys = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--trials") == 0)
            trials = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--commits") == 0)
            commits = strtoull(argv[i + 1], NULL, 10);
        else {
            fprintf(stderr, "usage: %s [--words FILE] [--keys N] [--trials N] [--commits N]\n",
                    argv[0]);
            return 2;
        }
    }
    if (trials < 1 || trials > 101)
        trials = 7;
    keyset ks;
    if (keys_load(file, nkeys, &ks) != 0 || ks.n == 0) {
        fprintf(stderr, "cannot read %s\n", file);
        return 2;
    }
    pm_map *base;
    if (pm_map_new(NULL, &base) != PM_OK)
        return 1;
    size_t distinct = 0;
    for (size_t i = 0; i < ks.n; i++) {
        bool had = false;
        if (pm_map_set(base, (const uint8_t *)ks.key[i], ks.len[i], i, NULL, &had) != PM_OK)
            return 1;
        distinct += !had;
    }
    double raw[101];
    for (int r = 0; r < trials; r++)
        raw[r] = lookup_raw(base, &ks);
    printf("# %zu keys (%zu distinct) from %s, median of %d trials (lookups: %d shuffled passes, "
           "sections: %u per trial); quiescent state every %d reads\n",
           ks.n, distinct, file, trials, LOOKUP_REPS, SECTIONS, QS_EVERY);
    printf("# raw_ns: pm_map_get on the same map without any read section, interleaved with the "
           "backend's trials (first run: %.1f ns)\n",
           median(raw, trials));
    printf("# mixed run: 1 writer (%llu commits of one key under its own path) + 1 reader "
           "(pm_live_get until the writer ends)\n",
           (unsigned long long)commits);
    printf("%-10s %9s %9s %10s %8s %13s %8s %8s %8s %8s %8s\n", "backend", "empty_ns", "deref_ns",
           "lookup_ns", "raw_ns", "pending_peak", "retired", "freed", "gps", "reads", "retries");
    for (size_t b = 0; b < PM_SYNC_NBACKENDS; b++) {
        const hot_fns *h = &hot[b];
        pm_sync_domain *d;
        pm_live *lm;
        pm_map *init;
        if (pm_sync_domain_new(h->be, &d) != PM_OK || pm_map_clone(base, &init) != PM_OK ||
            pm_live_new(d, init, &lm) != PM_OK)
            return 1;
        pm_sync_thread *t;
        if (pm_sync_register(d, &t) != PM_OK)
            return 1;
        double e[101], dr[101], l[101], rw[101];
        for (int r = 0; r < trials; r++) { /* raw lookups interleaved: the same machine state */
            e[r] = h->empty(t, SECTIONS);
            dr[r] = h->deref(t, pm_live_cell(lm), SECTIONS);
            l[r] = h->lookup(t, pm_live_cell(lm), &ks);
            rw[r] = lookup_raw(base, &ks);
        }
        pm_sync_unregister(t);

        mixed mx = {.lm = lm, .ks = &ks, .commits = commits};
        pthread_t tw, tr;
        pthread_create(&tr, NULL, mixed_reader, &mx);
        pthread_create(&tw, NULL, mixed_writer, &mx);
        pthread_join(tw, NULL);
        pthread_join(tr, NULL);
        pm_sync_stats s;
        pm_sync_stats_get(d, &s); /* before the teardown barrier */
        pm_live_stats ls;
        pm_live_stats_get(lm, &ls);
        pm_live_free(lm);
        pm_sync_domain_free(d);
        printf("%-10s %9.2f %9.2f %10.1f %8.1f %13llu %8llu %8llu %8llu %8llu %8llu\n", h->be->name,
               median(e, trials), median(dr, trials), median(l, trials), median(rw, trials),
               (unsigned long long)s.peak_pending, (unsigned long long)s.retired,
               (unsigned long long)s.freed, (unsigned long long)s.grace_periods,
               (unsigned long long)mx.reads, (unsigned long long)ls.retries);
    }
    pm_map_free(base);
    keys_free(&ks);
    return 0;
}
