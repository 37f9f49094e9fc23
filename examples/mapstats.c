/* mapstats.c — memory per key and clone cost of a PathMap.
 *
 *   mapstats [--keys FILE | --kb N] [--seed S] [--clone-sizes N,N,...] [--iters N] [--runs R]
 *
 * Loads keys from FILE (one per line) or generates N synthetic knowledge-base paths of about 50
 * bytes (spaces/<id>/facts/<domain>/<entity>/<attr>), then prints the number of values, nodes
 * and bytes (from pm_mem_stats and from pm_map_footprint), nodes/key and bytes/key. Then, for
 * each size in --clone-sizes, builds a synthetic map of that size and times pm_map_clone +
 * pm_map_free over --iters iterations, --runs times, printing the median ns per clone+free. */
#define _POSIX_C_SOURCE 200809L
#include <pathmap.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *domains[] = {"geography", "biology",   "physics",    "history",
                                "music",     "chemistry", "sports",     "politics",
                                "economy",   "art",       "medicine",   "law",
                                "language",  "film",      "literature", "astronomy"};
static const char *attrs[] = {"name",     "population", "birth_date", "location",
                              "category", "parent",     "label",      "weight",
                              "height",   "created",    "source",     "confidence"};

static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

/* The i-th synthetic path (deterministic from the seed). */
static size_t kb_key(char *buf, size_t cap, size_t i)
{
    uint64_t r = rnd();
    int n = snprintf(buf, cap, "spaces/%05u/facts/%s/entity-%07zu/%s", (unsigned)(r % 16),
                     domains[(r >> 8) % 16], i, attrs[(r >> 16) % 12]);
    return (size_t)n;
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

static pm_map *build_kb(size_t n, uint64_t seed, size_t *keybytes)
{
    pm_map *m;
    char k[128];
    rng_state = seed * 0x9E3779B97F4A7C15ull + 1;
    if (pm_map_new(NULL, &m) != PM_OK)
        return NULL;
    *keybytes = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = kb_key(k, sizeof k, i);
        *keybytes += len;
        if (pm_map_set(m, (const uint8_t *)k, len, i, NULL, NULL) != PM_OK) {
            pm_map_free(m);
            return NULL;
        }
    }
    return m;
}

static pm_map *load_file(const char *path, size_t *keybytes)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "mapstats: cannot open %s\n", path);
        return NULL;
    }
    pm_map *m;
    if (pm_map_new(NULL, &m) != PM_OK) {
        fclose(f);
        return NULL;
    }
    char *line = NULL;
    size_t cap = 0, i = 0;
    ssize_t len;
    *keybytes = 0;
    while ((len = getline(&line, &cap, f)) >= 0) {
        if (len && line[len - 1] == '\n')
            len--;
        if ((size_t)len > PM_MAX_KEY)
            continue;
        *keybytes += (size_t)len;
        pm_map_set(m, (const uint8_t *)line, (size_t)len, i++, NULL, NULL);
    }
    free(line);
    fclose(f);
    return m;
}

static void report(const char *what, pm_map *m, const pm_mem_stats *before, size_t keybytes)
{
    pm_mem_stats after;
    size_t n = 0, fnodes = 0, fbytes = 0;
    pm_mem_stats_get(&after);
    pm_map_len(m, &n);
    pm_map_footprint(m, &fnodes, &fbytes);
    uint64_t ln = after.live_nodes - before->live_nodes, lb = after.live_bytes - before->live_bytes;
    printf("keyset: %s\n", what);
    printf("values: %zu (avg key %.1f bytes)\n", n, n ? (double)keybytes / (double)n : 0.0);
    printf("nodes (mem_stats): %llu   bytes (mem_stats): %llu\n", (unsigned long long)ln,
           (unsigned long long)lb);
    printf("nodes (footprint): %zu   bytes (footprint): %zu\n", fnodes, fbytes);
    printf("nodes/key: %.3f   bytes/key: %.2f\n", n ? (double)fnodes / (double)n : 0.0,
           n ? (double)fbytes / (double)n : 0.0);
}

int main(int argc, char **argv)
{
    const char *file = NULL;
    size_t kb = 100000, iters = 1000000, runs = 7;
    uint64_t seed = 1;
    char sizes[256] = "1000,1000000";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--keys") && i + 1 < argc)
            file = argv[++i];
        else if (!strcmp(argv[i], "--kb") && i + 1 < argc)
            kb = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--clone-sizes") && i + 1 < argc)
            snprintf(sizes, sizeof sizes, "%s", argv[++i]);
        else if (!strcmp(argv[i], "--iters") && i + 1 < argc)
            iters = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = strtoull(argv[++i], NULL, 10);
        else {
            fprintf(stderr,
                    "usage: mapstats [--keys FILE | --kb N] [--seed S] [--clone-sizes N,N,...] "
                    "[--iters N] [--runs R]\n");
            return 2;
        }
    }
    if (runs == 0 || runs > 99)
        runs = 7;

    pm_mem_stats before;
    pm_mem_stats_get(&before);
    size_t keybytes = 0;
    pm_map *m = file ? load_file(file, &keybytes) : build_kb(kb, seed, &keybytes);
    if (!m)
        return 1;
    char what[300];
    if (file)
        snprintf(what, sizeof what, "file %s", file);
    else
        snprintf(what, sizeof what, "kb (synthetic paths, seed %llu)", (unsigned long long)seed);
    report(what, m, &before, keybytes);
    pm_map_free(m);

    if (!*sizes || !strcmp(sizes, "0"))
        return 0;
    for (char *tok = strtok(sizes, ","); tok; tok = strtok(NULL, ",")) {
        size_t n = strtoull(tok, NULL, 10), kbytes;
        pm_map *base = build_kb(n, seed, &kbytes);
        if (!base)
            return 1;
        double t[99];
        for (size_t r = 0; r < runs; r++) {
            double t0 = now_ns();
            for (size_t i = 0; i < iters; i++) {
                pm_map *c;
                if (pm_map_clone(base, &c) != PM_OK)
                    return 1;
                pm_map_free(c);
            }
            t[r] = (now_ns() - t0) / (double)iters;
        }
        qsort(t, runs, sizeof t[0], cmp_double);
        printf("clone+free: size %zu  median %.2f ns  (min %.2f, max %.2f; %zu runs x %zu)\n", n,
               t[runs / 2], t[0], t[runs - 1], runs, iters);
        pm_map_free(base);
    }
    return 0;
}
