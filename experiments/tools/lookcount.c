/* lookcount.c — a fixed amount of map work for instruction counting (scripts/callgrind-lookup).
 *
 *   pm_lookcount KEYSET [--size N] [--build 0|1] [--passes P] [--visits] [--stats]
 *
 * Makes the key set (the experiments' specs: words, kb, ints, random, sexpr, file:PATH, ...),
 * inserts every
 * key in set order when --build is 1 (the default), then looks every key up P times (default 0)
 * in set order. Under callgrind the differences between runs give exact instructions per insert
 * (build 1 minus build 0) and per lookup (P passes minus 0 passes), free of machine noise.
 * --visits prints the mean number of line and branch nodes a lookup visits. --stats prints the
 * key set's shape: min/avg/max key length and the mean prefix a key shares with the previous key
 * in sorted (memcmp) order. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/keys.h"
#include <pathmap.h>
#include <pathmap_debug.h>

static int cmp_key(const void *a, const void *b)
{
    const pmx_key *x = a, *y = b;
    uint32_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->bytes, y->bytes, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* min/avg/max length and mean shared prefix with the previous key in sorted order */
static int print_stats(const pmx_keys *ks)
{
    pmx_key *s = malloc(ks->n * sizeof *s);
    if (!s)
        return 1;
    memcpy(s, ks->keys, ks->n * sizeof *s);
    qsort(s, ks->n, sizeof *s, cmp_key);
    uint32_t lo = UINT32_MAX, hi = 0;
    double sum = 0, shared = 0;
    for (size_t i = 0; i < ks->n; i++) {
        lo = s[i].len < lo ? s[i].len : lo;
        hi = s[i].len > hi ? s[i].len : hi;
        sum += s[i].len;
        if (i) {
            uint32_t n = s[i].len < s[i - 1].len ? s[i].len : s[i - 1].len, j = 0;
            while (j < n && s[i].bytes[j] == s[i - 1].bytes[j])
                j++;
            shared += j;
        }
    }
    printf("key length: min %u avg %.1f max %u bytes; shared prefix with the previous sorted key: "
           "avg %.1f bytes\n",
           lo, sum / (double)ks->n, hi, ks->n > 1 ? shared / (double)(ks->n - 1) : 0.0);
    free(s);
    return 0;
}

static int usage(const char *bad)
{
    fprintf(stderr, "pm_lookcount: bad argument '%s'\n", bad);
    fprintf(stderr, "usage: pm_lookcount KEYSET [--size N] [--build 0|1] [--passes P] [--visits] "
                    "[--stats]\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-')
        return usage(argc < 2 ? "(no key set)" : argv[1]);
    const char *spec = argv[1];
    long size = 100000, passes = 0, build = 1;
    int visits = 0, stats = 0;
    for (int i = 2; i < argc; i++) {
        char *end = NULL;
        long *dst = !strcmp(argv[i], "--size")     ? &size
                    : !strcmp(argv[i], "--passes") ? &passes
                    : !strcmp(argv[i], "--build")  ? &build
                                                   : NULL;
        if (!strcmp(argv[i], "--visits") || !strcmp(argv[i], "--stats")) {
            *(argv[i][2] == 'v' ? &visits : &stats) = 1;
            continue;
        }
        if (!dst || i + 1 >= argc)
            return usage(argv[i]);
        *dst = strtol(argv[++i], &end, 10);
        if (!end || *end || *dst < 0 || (dst == &size && *dst == 0))
            return usage(argv[i]);
    }
    pmx_keys ks;
    char err[256];
    if (pmx_keys_make(spec, (size_t)size, 1, 1, &ks, err, sizeof err)) {
        fprintf(stderr, "pm_lookcount: %s\n", err);
        return 2;
    }
    if (stats && print_stats(&ks)) {
        fprintf(stderr, "pm_lookcount: out of memory\n");
        return 1;
    }
    pm_map *m;
    if (pm_map_new(NULL, &m)) {
        fprintf(stderr, "pm_lookcount: out of memory\n");
        return 1;
    }
    for (size_t i = 0; build && i < ks.n; i++)
        if (pm_map_set(m, ks.keys[i].bytes, ks.keys[i].len, i, NULL, NULL)) {
            fprintf(stderr, "pm_lookcount: insert failed\n");
            return 1;
        }
    uint64_t sum = 0, hits = 0;
    for (long p = 0; p < passes; p++)
        for (size_t i = 0; i < ks.n; i++) {
            uint64_t v;
            if (pm_map_get(m, ks.keys[i].bytes, ks.keys[i].len, &v) == PM_OK) {
                sum += v;
                hits++;
            }
        }
    printf("keys %zu build %ld passes %ld hits %llu checksum %llu\n", ks.n, build, passes,
           (unsigned long long)hits, (unsigned long long)sum);
    if (visits && build) {
        size_t lines = 0, branches = 0;
        for (size_t i = 0; i < ks.n; i++) {
            size_t l, b;
            pm_debug_path_nodes(m, ks.keys[i].bytes, ks.keys[i].len, &l, &b);
            lines += l;
            branches += b;
        }
        printf("visits per lookup: %.2f line + %.2f branch = %.2f nodes\n",
               (double)lines / (double)ks.n, (double)branches / (double)ks.n,
               (double)(lines + branches) / (double)ks.n);
    }
    pm_map_free(m);
    pmx_keys_free(&ks);
    return 0;
}
