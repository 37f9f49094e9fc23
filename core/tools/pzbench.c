/* pzbench.c — the product zipper against the concatenation map it stands for (issue 18).
 *
 *   pm_pzbench [--runs R] [--kb N] [--small S] [--words PATH]
 *
 * M1 is `words` (PATH, default /usr/share/dict/words, one key per line) or `kb` (N synthetic
 * knowledge-base paths spaces/<s>/facts/<domain>/entity-<id>/<attr>, as pm_algbench makes them);
 * every key ends with ':' so that each one is a leaf (a product boundary). M2 is a small map of S
 * keys <domain>/<attr>. For each M1 the tool reports, as medians over R runs (min-max):
 *   product   pm_pz_new over (M1, M2) and a pm_pz_next_val walk over every value
 *   graft     building the concatenation map C by grafting M2 under every key of M1 (M2's nodes
 *             shared by count, one pm_map_graft + one pm_map_set per key), then a pm_rz_next_val
 *             walk of C
 *   set       building C by setting every concatenated key (nothing shared), then the same walk
 * with node bytes (pm_map_footprint of C; the product zipper allocates no node) and library
 * allocations (pm_debug_alloc_count). The three walks must see the same values (count, summed
 * path lengths, xor of values), or the tool exits with status 1. */
#define _POSIX_C_SOURCE 200809L
#include <pathmap.h>
#include <pathmap_debug.h>
#include <pathmap_product.h>
#include <pathmap_zipper.h>

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

/* "(min-max)" in ms; call after median(), which sorts v */
static const char *range_ms(const double *v, int n, char *buf, size_t sz)
{
    snprintf(buf, sz, "(%.2f-%.2f)", v[0] / 1e6, v[n - 1] / 1e6);
    return buf;
}

static void must(pm_status s, const char *what)
{
    if (s != PM_OK) {
        fprintf(stderr, "pm_pzbench: %s: %s\n", what, pm_strerror(s));
        exit(1);
    }
}

static pm_map *load_words(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "pm_pzbench: cannot read %s\n", path);
        exit(1);
    }
    pm_map *m;
    must(pm_map_new(NULL, &m), "new");
    char line[512];
    uint64_t i = 0;
    while (fgets(line, sizeof line - 1, f)) {
        size_t len = strcspn(line, "\r\n");
        if (!len)
            continue;
        line[len++] = ':';
        must(pm_map_set(m, (const uint8_t *)line, len, i++, NULL, NULL), "set");
    }
    fclose(f);
    return m;
}

static pm_map *make_kb(size_t n)
{
    pm_map *m;
    must(pm_map_new(NULL, &m), "new");
    char k[128];
    for (size_t i = 0; i < n; i++) {
        uint64_t r = rnd();
        int len = snprintf(k, sizeof k, "spaces/%05u/facts/%s/entity-%07zu/%s:", (unsigned)(r % 16),
                           domains[(r >> 8) % 16], i, attrs[(r >> 16) % 6]);
        must(pm_map_set(m, (const uint8_t *)k, (size_t)len, i, NULL, NULL), "set");
    }
    return m;
}

static pm_map *make_small(size_t n)
{
    pm_map *m;
    must(pm_map_new(NULL, &m), "new");
    char k[64];
    for (size_t i = 0; i < n; i++) {
        int len = snprintf(k, sizeof k, "%s/%s", domains[i % 16], attrs[i / 16 % 6]);
        must(pm_map_set(m, (const uint8_t *)k, (size_t)len, 1000 + i, NULL, NULL), "set");
    }
    return m;
}

typedef struct sum {
    size_t count, lens;
    uint64_t x;
} sum;

static int same(const sum *a, const sum *b)
{
    return a->count == b->count && a->lens == b->lens && a->x == b->x;
}

static sum walk_rz(const pm_map *c)
{
    pm_rz *z;
    must(pm_rz_new(c, NULL, 0, &z), "rz_new");
    sum s = {0, 0, 0};
    pm_status st;
    while ((st = pm_rz_next_val(z)) == PM_OK) {
        size_t len;
        uint64_t v;
        pm_rz_path(z, &len);
        pm_rz_val(z, &v);
        s.count++;
        s.lens += len;
        s.x ^= v * 0x9E3779B97F4A7C15ull + len;
    }
    must(st == PM_ENOTFOUND ? PM_OK : st, "rz walk");
    pm_rz_free(z);
    return s;
}

static sum walk_pz(const pm_map *a, const pm_map *b)
{
    const pm_map *f[2] = {a, b};
    pm_pz *z;
    must(pm_pz_new(f, 2, &z), "pz_new");
    sum s = {0, 0, 0};
    pm_status st;
    while ((st = pm_pz_next_val(z)) == PM_OK) {
        size_t len;
        uint64_t v;
        pm_pz_path(z, &len);
        pm_pz_val(z, &v);
        s.count++;
        s.lens += len;
        s.x ^= v * 0x9E3779B97F4A7C15ull + len;
    }
    must(st == PM_ENOTFOUND ? PM_OK : st, "pz walk");
    pm_pz_free(z);
    return s;
}

typedef struct cb {
    pm_map *c;
    const pm_map *small;
    int graft;
    uint8_t buf[1024];
} cb;

static int add_one(void *ctx, const uint8_t *k, size_t len, uint64_t v)
{
    cb *x = ctx;
    if (x->graft) {
        must(pm_map_graft(x->c, k, len, x->small), "graft");
        must(pm_map_set(x->c, k, len, v, NULL, NULL), "set");
        return 0;
    }
    must(pm_map_set(x->c, k, len, v, NULL, NULL), "set");
    memcpy(x->buf, k, len);
    pm_iter *it;
    must(pm_iter_new(x->small, NULL, 0, &it), "iter");
    const uint8_t *q;
    size_t ql;
    uint64_t w;
    while (pm_iter_next(it, &q, &ql, &w) == PM_OK) {
        if (len + ql > sizeof x->buf)
            exit(1);
        memcpy(x->buf + len, q, ql);
        must(pm_map_set(x->c, x->buf, len + ql, w, NULL, NULL), "set");
    }
    pm_iter_free(it);
    return 0;
}

static pm_map *build_concat(const pm_map *a, const pm_map *b, int graft)
{
    cb *x = malloc(sizeof *x);
    must(pm_map_new(NULL, &x->c), "new");
    x->small = b;
    x->graft = graft;
    must(pm_map_foreach(a, NULL, 0, add_one, x), "foreach");
    pm_map *c = x->c;
    free(x);
    return c;
}

static void bench(const char *name, const pm_map *a, const pm_map *b, int runs)
{
    size_t na, nb;
    pm_map_len(a, &na);
    pm_map_len(b, &nb);
    size_t an, ab, bn, bb;
    pm_map_footprint(a, &an, &ab);
    pm_map_footprint(b, &bn, &bb);
    printf("%s (%zu keys, %zu node bytes) x small (%zu keys, %zu node bytes), %d runs:\n", name, na,
           ab, nb, bb, runs);
    double tp[64], tb[2][64], tw[2][64];
    sum sp = {0, 0, 0}, sc[2];
    uint64_t ap = 0, ac[2] = {0, 0};
    pm_mem_stats m0, m1;
    int64_t pnodes = 0;
    size_t fn[2] = {0, 0}, fb[2] = {0, 0};
    for (int r = 0; r < runs; r++) {
        pm_mem_stats_get(&m0);
        uint64_t a0 = pm_debug_alloc_count();
        double t0 = now_ns();
        sp = walk_pz(a, b);
        tp[r] = now_ns() - t0;
        ap = pm_debug_alloc_count() - a0;
        pm_mem_stats_get(&m1);
        pnodes = (int64_t)(m1.allocs - m0.allocs);
        for (int g = 0; g < 2; g++) {
            a0 = pm_debug_alloc_count();
            t0 = now_ns();
            pm_map *c = build_concat(a, b, g == 0);
            tb[g][r] = now_ns() - t0;
            ac[g] = pm_debug_alloc_count() - a0;
            t0 = now_ns();
            sc[g] = walk_rz(c);
            tw[g][r] = now_ns() - t0;
            pm_map_footprint(c, &fn[g], &fb[g]);
            pm_map_free(c);
            if (!same(&sp, &sc[g])) {
                fprintf(stderr, "pm_pzbench: %s: walks differ (%zu vs %zu values)\n", name,
                        sp.count, sc[g].count);
                exit(1);
            }
        }
    }
    char r1[48], r2[48];
    double mp = median(tp, runs);
    printf("  product zipper: walk %9.2f ms %s over %zu values (%.1f ns/value); %lld node "
           "allocations, %llu library allocations (the zipper's buffers)\n",
           mp / 1e6, range_ms(tp, runs, r1, sizeof r1), sp.count, mp / (double)sp.count,
           (long long)pnodes, (unsigned long long)ap);
    const char *how[2] = {"graft-built C", "set-built C  "};
    for (int g = 0; g < 2; g++) {
        double mb = median(tb[g], runs), mw = median(tw[g], runs);
        printf("  %s: build %9.2f ms %s + walk %9.2f ms %s = %9.2f ms; C: %zu nodes, %zu bytes; "
               "%llu library allocations to build\n",
               how[g], mb / 1e6, range_ms(tb[g], runs, r1, sizeof r1), mw / 1e6,
               range_ms(tw[g], runs, r2, sizeof r2), (mb + mw) / 1e6, fn[g], fb[g],
               (unsigned long long)ac[g]);
    }
}

int main(int argc, char **argv)
{
    int runs = 5;
    size_t kb = 100000, small = 16;
    const char *words = "/usr/share/dict/words";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--kb") && i + 1 < argc)
            kb = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--small") && i + 1 < argc)
            small = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--words") && i + 1 < argc)
            words = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--runs R] [--kb N] [--small S] [--words PATH]\n", argv[0]);
            return 2;
        }
    }
    if (runs < 1 || runs > 64)
        runs = 5;
    if (small < 1 || small > 96)
        small = 16;
    pm_map *b = make_small(small);
    pm_map *a = load_words(words);
    bench("words", a, b, runs);
    pm_map_free(a);
    a = make_kb(kb);
    bench("kb", a, b, runs);
    pm_map_free(a);
    pm_map_free(b);
    return 0;
}
