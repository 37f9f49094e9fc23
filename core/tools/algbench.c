/* algbench.c — timings of the algebra (medians of --runs runs, one line per figure).
 *
 *   pm_algbench [--runs R] [--seed S]
 *
 * Keys are synthetic knowledge-base paths (spaces/<s>/facts/<domain>/entity-<id>/<attr>).
 *   join-disjoint-interleaved  two 100k-key maps with even / odd entity ids (pm_map_join)
 *   join-disjoint-blocks       two 100k-key maps with ids [0,100k) / [100k,200k)
 *   join-clone-N               a map of N keys joined with its own clone: pm_map_join (one
 *                              handle) and pm_map_join_into (no allocation), ns per call
 *   restrict-100k-by-100       a 100k-key map restricted by 100 prefixes spaces/<s>/facts/<d>/
 * Allocation counts (pm_debug_alloc_count) are printed next to the times. */
#define _POSIX_C_SOURCE 200809L
#include <pathmap.h>
#include <pathmap_debug.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *domains[] = {"geography", "biology",   "physics",    "history",
                                "music",     "chemistry", "sports",     "politics",
                                "economy",   "art",       "medicine",   "law",
                                "language",  "film",      "literature", "astronomy"};
static const char *attrs[] = {"name", "population", "birth_date", "location", "category", "parent"};

static uint64_t rng_state = 42;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

static size_t kb_key(char *buf, size_t cap, size_t id)
{
    uint64_t r = rnd();
    return (size_t)snprintf(buf, cap, "spaces/%05u/facts/%s/entity-%07zu/%s", (unsigned)(r % 16),
                            domains[(r >> 8) % 16], id, attrs[(r >> 16) % 6]);
}

static pm_map *build(size_t n, size_t first, size_t step)
{
    pm_map *m;
    char k[128];
    if (pm_map_new(NULL, &m))
        exit(1);
    for (size_t i = 0; i < n; i++) {
        size_t len = kb_key(k, sizeof k, first + i * step);
        if (pm_map_set(m, (const uint8_t *)k, len, i, NULL, NULL))
            exit(1);
    }
    return m;
}

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

static void time_join(const char *name, pm_map *a, pm_map *b, int runs)
{
    double t[64];
    uint64_t allocs = 0;
    size_t len = 0;
    for (int r = 0; r < runs; r++) {
        pm_map *out;
        uint64_t a0 = pm_debug_alloc_count();
        double t0 = now_ns();
        if (pm_map_join(a, b, &out, NULL))
            exit(1);
        t[r] = now_ns() - t0;
        allocs = pm_debug_alloc_count() - a0;
        pm_map_len(out, &len);
        pm_map_free(out);
    }
    printf("%-28s median %10.3f ms  (runs %d, result %zu keys, %llu allocations)\n", name,
           median(t, runs) / 1e6, runs, len, (unsigned long long)allocs);
}

static void time_clone_join(size_t n, int runs)
{
    pm_map *a = build(n, 0, 1), *c;
    if (pm_map_clone(a, &c))
        exit(1);
    const int iters = 100000;
    double t1[64], t2[64];
    uint64_t al1 = 0, al2 = 0;
    for (int r = 0; r < runs; r++) {
        uint64_t a0 = pm_debug_alloc_count();
        double t0 = now_ns();
        for (int i = 0; i < iters; i++) {
            pm_map *out;
            if (pm_map_join(a, c, &out, NULL))
                exit(1);
            pm_map_free(out);
        }
        t1[r] = (now_ns() - t0) / iters;
        al1 = (pm_debug_alloc_count() - a0) / iters;
        a0 = pm_debug_alloc_count();
        t0 = now_ns();
        for (int i = 0; i < iters; i++)
            if (pm_map_join_into(a, c, NULL))
                exit(1);
        t2[r] = (now_ns() - t0) / iters;
        al2 = pm_debug_alloc_count() - a0;
    }
    printf("join-clone-%-17zu pm_map_join median %7.1f ns (%llu alloc/call: the handle); "
           "pm_map_join_into median %7.1f ns (%llu allocations in %d calls)\n",
           n, median(t1, runs), (unsigned long long)al1, median(t2, runs), (unsigned long long)al2,
           iters);
    pm_map_free(c);
    pm_map_free(a);
}

int main(int argc, char **argv)
{
    int runs = 7;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            rng_state = strtoull(argv[++i], NULL, 10) | 1;
        else {
            fprintf(stderr, "usage: %s [--runs R] [--seed S]\n", argv[0]);
            return 2;
        }
    }
    if (runs < 1 || runs > 64)
        runs = 7;
    pm_map *a = build(100000, 0, 2), *b = build(100000, 1, 2);
    time_join("join-disjoint-interleaved", a, b, runs);
    pm_map_free(a);
    pm_map_free(b);
    a = build(100000, 0, 1);
    b = build(100000, 100000, 1);
    time_join("join-disjoint-blocks", a, b, runs);
    pm_map_free(b);

    time_clone_join(1000, runs);
    time_clone_join(1000000, runs);

    /* restrict a (100k keys) by 100 distinct spaces/<s>/facts/<d>/ prefixes */
    pm_map *p;
    if (pm_map_new(NULL, &p))
        return 1;
    char k[128];
    for (unsigned i = 0; i < 100; i++) {
        unsigned s = i % 16, d = (i * 7 + i / 16) % 16;
        int len = snprintf(k, sizeof k, "spaces/%05u/facts/%s/", s, domains[d]);
        if (pm_map_set(p, (const uint8_t *)k, (size_t)len, 1, NULL, NULL))
            return 1;
    }
    size_t np;
    pm_map_len(p, &np);
    double t[64];
    size_t len = 0;
    for (int r = 0; r < runs; r++) {
        pm_map *out;
        double t0 = now_ns();
        if (pm_map_restrict(a, p, &out, NULL))
            return 1;
        t[r] = now_ns() - t0;
        pm_map_len(out, &len);
        pm_map_free(out);
    }
    printf("%-28s median %10.3f ms  (runs %d, %zu prefixes, result %zu keys)\n",
           "restrict-100k-by-100", median(t, runs) / 1e6, runs, np, len);
    pm_map_free(p);
    pm_map_free(a);
    return 0;
}
