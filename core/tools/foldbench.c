/* foldbench.c — costs of folds, equality and hashing on shared structure (pathmap_fold.h).
 *
 *   pm_foldbench [--keys FILE | --kb N] [--clones K] [--pct P] [--runs R] [--seed S]
 *
 * Keys: one per line from FILE (e.g. /usr/share/dict/words), or N synthetic knowledge-base paths
 * (spaces/<s>/facts/<domain>/entity-<id>/<attr>, about 50 bytes). Prints one line per figure,
 * medians of R runs (min-max):
 *   fold-1          pm_map_fold of the base map, no cache (callbacks = positions)
 *   fold-K-nocache  pm_map_fold_many of K clones, each with P % of its keys given new values
 *   fold-K-cache    the same with PM_FOLD_CACHE (callbacks, cache hits)
 *   equal-clone     pm_map_equal(base, clone of base), ns per call
 *   equal-rebuilt   pm_map_equal(base, the same keys inserted again into a new map)
 *   hash-cold       pm_map_hash of a freshly built map (no node hash cached yet)
 *   hash-warm       pm_map_hash again (root hash cached)
 *   hash-clone-edit pm_map_hash of a clone after P % edits, the base's hashes warm
 * The fold callback sums counts and values (16-byte result). */
#define _POSIX_C_SOURCE 200809L
#include <pathmap.h>
#include <pathmap_fold.h>

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

static uint64_t rng_state = 1;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

typedef struct keys {
    char **k;
    size_t *len;
    size_t n;
} keys;

static void add_key(keys *ks, const char *s, size_t len, size_t *cap)
{
    if (ks->n == *cap) {
        *cap = *cap ? *cap * 2 : 1024;
        ks->k = realloc(ks->k, *cap * sizeof *ks->k);
        ks->len = realloc(ks->len, *cap * sizeof *ks->len);
        if (!ks->k || !ks->len)
            exit(1);
    }
    ks->k[ks->n] = malloc(len + 1);
    memcpy(ks->k[ks->n], s, len);
    ks->len[ks->n++] = len;
}

static int load_keys(keys *ks, const char *file, size_t kb)
{
    size_t cap = 0;
    memset(ks, 0, sizeof *ks);
    if (!file) {
        char b[128];
        for (size_t i = 0; i < kb; i++) {
            uint64_t r = rnd();
            int n = snprintf(b, sizeof b, "spaces/%05u/facts/%s/entity-%07zu/%s",
                             (unsigned)(r % 16), domains[(r >> 8) % 16], i, attrs[(r >> 16) % 12]);
            add_key(ks, b, (size_t)n, &cap);
        }
        return 0;
    }
    FILE *f = fopen(file, "r");
    if (!f) {
        fprintf(stderr, "pm_foldbench: cannot open %s\n", file);
        return -1;
    }
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    while ((len = getline(&line, &lcap, f)) >= 0) {
        if (len && line[len - 1] == '\n')
            len--;
        if ((size_t)len <= PM_MAX_KEY)
            add_key(ks, line, (size_t)len, &cap);
    }
    free(line);
    fclose(f);
    return 0;
}

static pm_map *build(const keys *ks)
{
    pm_map *m;
    if (pm_map_new(NULL, &m))
        exit(1);
    for (size_t i = 0; i < ks->n; i++)
        if (pm_map_set(m, (const uint8_t *)ks->k[i], ks->len[i], i, NULL, NULL))
            exit(1);
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

typedef struct stat3 {
    double med, lo, hi;
} stat3;
static stat3 summarize(double *t, size_t n)
{
    qsort(t, n, sizeof *t, cmp_double);
    return (stat3){t[n / 2], t[0], t[n - 1]};
}

typedef struct res {
    uint64_t count, sum;
} res;

static pm_status sum_cb(void *ctx, const pm_fold_step *s, void *out)
{
    (void)ctx;
    res r = {s->has_val ? 1u : 0u, s->has_val ? s->val : 0};
    for (size_t i = 0; i < s->n; i++) {
        res c;
        memcpy(&c, (const char *)s->results + i * sizeof c, sizeof c);
        r.count += c.count;
        r.sum += c.sum;
    }
    memcpy(out, &r, sizeof r);
    return PM_OK;
}

static void print_time(const char *name, stat3 t, const char *unit, const char *extra)
{
    if (!strcmp(unit, "ms"))
        printf("%-16s %10.3f ms  (%.3f-%.3f)  %s\n", name, t.med / 1e6, t.lo / 1e6, t.hi / 1e6,
               extra);
    else
        printf("%-16s %10.1f ns  (%.1f-%.1f)  %s\n", name, t.med, t.lo, t.hi, extra);
}

int main(int argc, char **argv)
{
    const char *file = NULL;
    size_t kb = 100000, K = 10, runs = 5;
    double pct = 1.0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--keys") && i + 1 < argc)
            file = argv[++i];
        else if (!strcmp(argv[i], "--kb") && i + 1 < argc)
            kb = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--clones") && i + 1 < argc)
            K = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--pct") && i + 1 < argc)
            pct = strtod(argv[++i], NULL);
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            rng_state = strtoull(argv[++i], NULL, 10) * 0x9E3779B97F4A7C15ull + 1;
        else {
            fprintf(stderr, "usage: pm_foldbench [--keys FILE | --kb N] [--clones K] [--pct P] "
                            "[--runs R] [--seed S]\n");
            return 2;
        }
    }
    if (runs == 0 || runs > 99 || K == 0 || K > 1000 || pct < 0 || pct > 100) {
        fprintf(stderr, "pm_foldbench: bad --runs, --clones or --pct\n");
        return 2;
    }
    keys ks;
    if (load_keys(&ks, file, kb))
        return 2;
    printf("keys: %s, %zu keys; %zu clones x %.2f %% modified; %zu runs\n",
           file ? file : "kb (synthetic)", ks.n, K, pct, runs);
    pm_map *base = build(&ks);
    size_t edits = (size_t)((double)ks.n * pct / 100.0 + 0.5);
    pm_map **cl = malloc(K * sizeof *cl);
    for (size_t i = 0; i < K; i++) {
        if (pm_map_clone(base, &cl[i]))
            return 1;
        for (size_t e = 0; e < edits; e++) {
            size_t j = rnd() % ks.n;
            if (pm_map_set(cl[i], (const uint8_t *)ks.k[j], ks.len[j], rnd(), NULL, NULL))
                return 1;
        }
    }
    double t[99];
    char extra[200];
    pm_fold_stats st = {0};
    res r1, *rk = malloc(K * sizeof *rk);

    for (size_t r = 0; r < runs; r++) {
        double t0 = now_ns();
        if (pm_map_fold(base, NULL, 0, sizeof r1, 0, sum_cb, NULL, &r1, &st))
            return 1;
        t[r] = now_ns() - t0;
    }
    snprintf(extra, sizeof extra, "calls %zu (values %llu)", st.calls,
             (unsigned long long)r1.count);
    print_time("fold-1", summarize(t, runs), "ms", extra);

    for (unsigned flags = 0; flags <= PM_FOLD_CACHE; flags++) {
        for (size_t r = 0; r < runs; r++) {
            double t0 = now_ns();
            if (pm_map_fold_many((const pm_map *const *)cl, K, NULL, 0, sizeof *rk, flags, sum_cb,
                                 NULL, rk, &st))
                return 1;
            t[r] = now_ns() - t0;
        }
        snprintf(extra, sizeof extra, "calls %zu  hits %zu  cached %zu", st.calls, st.hits,
                 st.cached);
        char name[32];
        snprintf(name, sizeof name, "fold-%zu-%s", K, flags ? "cache" : "nocache");
        print_time(name, summarize(t, runs), "ms", extra);
    }

    /* equality: a clone (same root: O(1)) and a map built again from the same keys */
    pm_map *c, *again = build(&ks);
    if (pm_map_clone(base, &c))
        return 1;
    bool eq = false;
    size_t iters = 1000000;
    for (size_t r = 0; r < runs; r++) {
        double t0 = now_ns();
        for (size_t i = 0; i < iters; i++)
            if (pm_map_equal(base, c, NULL, &eq) || !eq)
                return 1;
        t[r] = (now_ns() - t0) / (double)iters;
    }
    print_time("equal-clone", summarize(t, runs), "ns", "per call");
    for (size_t r = 0; r < runs; r++) {
        double t0 = now_ns();
        if (pm_map_equal(base, again, NULL, &eq) || !eq)
            return 1;
        t[r] = now_ns() - t0;
    }
    print_time("equal-rebuilt", summarize(t, runs), "ms", "equal: yes");
    pm_map_free(c);

    /* hashing: cold on fresh builds, then warm, then a clone after edits */
    double tw[99];
    uint64_t h = 0, h2 = 0;
    for (size_t r = 0; r < runs; r++) {
        pm_map *m = build(&ks);
        double t0 = now_ns();
        if (pm_map_hash(m, NULL, &h))
            return 1;
        t[r] = now_ns() - t0;
        t0 = now_ns();
        if (pm_map_hash(m, NULL, &h2) || h2 != h)
            return 1;
        tw[r] = now_ns() - t0;
        pm_map_free(m);
    }
    snprintf(extra, sizeof extra, "hash %016llx", (unsigned long long)h);
    print_time("hash-cold", summarize(t, runs), "ms", extra);
    print_time("hash-warm", summarize(tw, runs), "ns", "");
    if (pm_map_hash(base, NULL, &h) || pm_map_hash(again, NULL, &h2) || h != h2)
        return 1;
    for (size_t r = 0; r < runs; r++) {
        pm_map *e;
        if (pm_map_clone(base, &e))
            return 1;
        for (size_t i = 0; i < edits; i++) {
            size_t j = rnd() % ks.n;
            if (pm_map_set(e, (const uint8_t *)ks.k[j], ks.len[j], rnd(), NULL, NULL))
                return 1;
        }
        double t0 = now_ns();
        if (pm_map_hash(e, NULL, &h2))
            return 1;
        t[r] = now_ns() - t0;
        pm_map_free(e);
    }
    snprintf(extra, sizeof extra, "%zu edits on a warm base", edits);
    print_time("hash-clone-edit", summarize(t, runs), "ms", extra);

    pm_map_free(again);
    for (size_t i = 0; i < K; i++)
        pm_map_free(cl[i]);
    pm_map_free(base);
    for (size_t i = 0; i < ks.n; i++)
        free(ks.k[i]);
    free(ks.k);
    free(ks.len);
    free(cl);
    free(rk);
    return 0;
}
