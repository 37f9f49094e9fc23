/* iobench.c — save and load times of the core's formats (pathmap_io.h) on a key set.
 *
 *   pm_iobench KEYSET [--size N] [--runs R] [--write-paths FILE]
 *
 * Makes the key set (the experiments' specs: words, kb, ints, random, sexpr, file:PATH,
 * paths:FILE), then R times (default 5) each of: insert every key from memory into a new map in
 * set order, and in iteration (file) order; write the map as `.paths` into memory; read it back
 * into a new map; save it in the full format (level 1) into memory; load it back. Prints the
 * median, min and max of each in milliseconds, the file sizes, and load/insert ratios. Streams go
 * to memory, so the figures exclude the disk. --write-paths also writes the map's `.paths` file (to
 * make inputs for the paths:FILE key set). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/keys.h"
#include <pathmap.h>
#include <pathmap_io.h>

typedef struct buf {
    uint8_t *b;
    size_t n, cap, pos;
} buf;

static int buf_write(void *ctx, const void *p, size_t len)
{
    buf *b = ctx;
    if (b->n + len > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 1 << 20;
        while (nc < b->n + len)
            nc *= 2;
        uint8_t *nb = realloc(b->b, nc);
        if (!nb)
            return -1;
        b->b = nb;
        b->cap = nc;
    }
    memcpy(b->b + b->n, p, len);
    b->n += len;
    return 0;
}
static size_t buf_read(void *ctx, void *p, size_t cap)
{
    buf *b = ctx;
    size_t k = b->n - b->pos < cap ? b->n - b->pos : cap;
    if (k)
        memcpy(p, b->b + b->pos, k);
    b->pos += k;
    return k;
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#define NM 6
static const char *const names[NM] = {"insert_set_order", "insert_file_order", "write_paths",
                                      "read_paths",       "save_full",         "load_full"};

static void die(const char *what, pm_status s)
{
    fprintf(stderr, "pm_iobench: %s: %s\n", what, pm_strerror(s));
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: pm_iobench KEYSET [--size N] [--runs R] [--write-paths FILE]\n");
        return 2;
    }
    const char *spec = argv[1], *wp = NULL;
    long size = 100000, runs = 5;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--size"))
            size = strtol(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--runs"))
            runs = strtol(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--write-paths"))
            wp = argv[i + 1];
        else {
            fprintf(stderr, "pm_iobench: bad argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (size <= 0 || runs <= 0 || runs > 1000) {
        fprintf(stderr, "pm_iobench: --size and --runs must be positive\n");
        return 2;
    }
    pmx_keys ks;
    char err[512];
    if (pmx_keys_make(spec, (size_t)size, 1, 42, &ks, err, sizeof err) != 0) {
        fprintf(stderr, "pm_iobench: %s\n", err);
        return 1;
    }
    /* The keys in iteration order: the order a .paths file holds them. */
    pm_map *ref;
    pm_status s = pm_map_new(NULL, &ref);
    for (size_t i = 0; s == PM_OK && i < ks.n; i++)
        s = pm_map_set(ref, ks.keys[i].bytes, ks.keys[i].len, i, NULL, NULL);
    if (s)
        die("build", s);
    pmx_key *sorted = malloc(ks.n * sizeof *sorted);
    uint8_t *arena = malloc(ks.total_bytes + 1);
    pm_iter *it;
    if (!sorted || !arena || pm_iter_new(ref, NULL, 0, &it) != PM_OK)
        die("sort", PM_ENOMEM);
    const uint8_t *k;
    size_t kl, at = 0, nk = 0;
    while (pm_iter_next(it, &k, &kl, NULL) == PM_OK) {
        memcpy(arena + at, k, kl);
        sorted[nk++] = (pmx_key){arena + at, (uint32_t)kl, 0};
        at += kl;
    }
    pm_iter_free(it);
    if (wp) {
        FILE *f = fopen(wp, "wb");
        size_t n = 0;
        if (!f || (s = pm_map_write_paths_file(ref, NULL, 0, f, &n)) != PM_OK || fclose(f))
            die(wp, f ? s : PM_EIO);
        printf("wrote %s: %zu paths\n", wp, n);
    }

    double *t = calloc((size_t)runs * NM, sizeof *t);
    size_t paths_bytes = 0, full_bytes = 0;
    for (long r = 0; r < runs; r++) {
        double *tr = t + r * NM;
        for (int order = 0; order < 2; order++) {
            const pmx_key *keys = order ? sorted : ks.keys;
            pm_map *m;
            double t0 = now_ms();
            s = pm_map_new(NULL, &m);
            for (size_t i = 0; s == PM_OK && i < nk; i++)
                s = pm_map_set(m, keys[i].bytes, keys[i].len, 1, NULL, NULL);
            tr[order] = now_ms() - t0;
            if (s)
                die("insert", s);
            pm_map_free(m);
        }
        buf pb = {0}, fb = {0};
        double t0 = now_ms();
        if ((s = pm_map_write_paths(ref, NULL, 0, buf_write, &pb, NULL)) != PM_OK)
            die("write_paths", s);
        tr[2] = now_ms() - t0;
        pm_map *m;
        t0 = now_ms();
        if ((s = pm_map_new(NULL, &m)) != PM_OK ||
            (s = pm_map_read_paths(m, buf_read, &pb, NULL, 0, 1, NULL, NULL, NULL)) != PM_OK)
            die("read_paths", s);
        tr[3] = now_ms() - t0;
        pm_map_free(m);
        t0 = now_ms();
        if ((s = pm_map_save(ref, buf_write, &fb, NULL, NULL)) != PM_OK)
            die("save", s);
        tr[4] = now_ms() - t0;
        t0 = now_ms();
        if ((s = pm_map_load(buf_read, &fb, NULL, NULL, &m)) != PM_OK)
            die("load", s);
        tr[5] = now_ms() - t0;
        pm_map_free(m);
        paths_bytes = pb.n;
        full_bytes = fb.n;
        free(pb.b);
        free(fb.b);
    }
    printf("keyset %s: %zu keys, %zu key bytes; .paths %zu bytes, full %zu bytes; %ld runs\n", spec,
           nk, ks.total_bytes, paths_bytes, full_bytes, runs);
    double med[NM];
    double *col = malloc((size_t)runs * sizeof *col);
    for (int j = 0; j < NM; j++) {
        for (long r = 0; r < runs; r++)
            col[r] = t[r * NM + j];
        qsort(col, (size_t)runs, sizeof *col, cmp_d);
        med[j] = runs % 2 ? col[runs / 2] : (col[runs / 2 - 1] + col[runs / 2]) / 2;
        printf("  %-18s median %8.2f ms  (min %8.2f, max %8.2f)  %6.1f ns/key\n", names[j], med[j],
               col[0], col[runs - 1], med[j] * 1e6 / (double)nk);
    }
    printf("  read_paths / insert_file_order = %.2f, read_paths / insert_set_order = %.2f, "
           "load_full / insert_file_order = %.2f\n",
           med[3] / med[1], med[3] / med[0], med[5] / med[1]);
    free(col);
    free(t);
    free(sorted);
    free(arena);
    pm_map_free(ref);
    pmx_keys_free(&ks);
    return 0;
}
