/* frozen_queries — load a .paths file, freeze it, answer prefix queries from several threads.
 *
 *   frozen_queries FILE.paths [threads=4] [PREFIX ...]
 *
 * 1. pm_map_read_paths_file (pathmap_io.h) inserts every path of the file into a map (value 1:
 *    .paths files carry no values).
 * 2. pm_frozen_build turns the map into one contiguous image; it is written to a temporary file
 *    and mapped back read-only with pm_frozen_open_fd (what several processes would each do
 *    to share one copy in memory); the map is freed.
 * 3. N threads share the one image through `const pm_frozen *` calls: no lock, no reference
 *    count. Each answers its share of the queries: the number of paths under the prefix
 *    (pm_frozen_count_prefix, O(prefix)) and the first few of them in order (an iterator).
 *    Without PREFIX arguments the queries are the first bytes of the paths (a zipper's child
 *    mask at the root). Answers are printed in query order by the main thread. */
#define _POSIX_C_SOURCE 200809L /* fileno */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathmap.h"
#include "pathmap_frozen.h"
#include "pathmap_io.h"

#define SHOW 3 /* paths listed per query */

typedef struct query {
    uint8_t prefix[256];
    size_t plen;
    size_t count;         /* answer: paths under the prefix */
    char first[SHOW][80]; /* answer: the first paths, printable */
    int nfirst;
} query;

typedef struct worker {
    const pm_frozen *fz;
    query *q;
    size_t nq;
    unsigned id, nthreads;
    int err;
} worker;

static void printable(char *out, size_t cap, const uint8_t *k, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 5 < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, k[i] >= 32 && k[i] < 127 ? "%c" : "\\x%02x", k[i]);
    out[o] = 0;
}

static void *answer(void *arg)
{
    worker *w = arg;
    for (size_t i = w->id; i < w->nq; i += w->nthreads) {
        query *q = &w->q[i];
        if (pm_frozen_count_prefix(w->fz, q->prefix, q->plen, &q->count) != PM_OK) {
            w->err = 1;
            continue;
        }
        pm_frozen_iter *it;
        if (pm_frozen_iter_new(w->fz, q->prefix, q->plen, &it) != PM_OK) {
            w->err = 1;
            continue;
        }
        const uint8_t *k;
        size_t len;
        while (q->nfirst < SHOW && pm_frozen_iter_next(it, &k, &len, NULL) == PM_OK)
            printable(q->first[q->nfirst++], sizeof q->first[0], k, len);
        pm_frozen_iter_free(it);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE.paths [threads=4] [PREFIX ...]\n", argv[0]);
        return 2;
    }
    unsigned nthreads = argc > 2 ? (unsigned)atoi(argv[2]) : 4;
    if (nthreads < 1 || nthreads > 64)
        nthreads = 4;
    FILE *in = fopen(argv[1], "rb");
    if (!in) {
        perror(argv[1]);
        return 1;
    }
    pm_map *m;
    size_t npaths = 0;
    pm_status s = pm_map_new(NULL, &m);
    if (s == PM_OK)
        s = pm_map_read_paths_file(m, in, NULL, 0, 1, NULL, NULL, &npaths);
    fclose(in);
    if (s != PM_OK) {
        fprintf(stderr, "%s: %s\n", argv[1], pm_strerror(s));
        pm_map_free(m);
        return 1;
    }

    /* freeze, save, map back read-only */
    pm_frozen *built, *fz = NULL;
    FILE *img = tmpfile();
    s = img ? pm_frozen_build(m, &built) : PM_EIO;
    if (s == PM_OK) {
        s = pm_frozen_write(built, img);
        if (s == PM_OK && fflush(img) != 0)
            s = PM_EIO;
        if (s == PM_OK)
            s = pm_frozen_open_fd(fileno(img), &fz);
        pm_frozen_free(built);
    }
    size_t map_nodes = 0, map_bytes = 0;
    pm_map_footprint(m, &map_nodes, &map_bytes);
    pm_map_free(m);
    if (img)
        fclose(img); /* the mapping stays valid */
    if (s != PM_OK) {
        fprintf(stderr, "freeze: %s\n", pm_strerror(s));
        return 1;
    }
    printf("%zu paths read, %zu distinct; map %zu bytes, frozen image %zu bytes (mapped)\n", npaths,
           pm_frozen_len(fz), map_bytes, pm_frozen_size(fz));

    /* the queries */
    size_t nq = 0;
    query *q = calloc(argc > 3 ? (size_t)(argc - 3) : 256, sizeof *q);
    if (!q) {
        pm_frozen_free(fz);
        return 1;
    }
    if (argc > 3) {
        for (int i = 3; i < argc; i++, nq++) {
            q[nq].plen = strlen(argv[i]) < sizeof q[nq].prefix ? strlen(argv[i]) : 0;
            memcpy(q[nq].prefix, argv[i], q[nq].plen);
        }
    } else {
        pm_frz *z;
        uint64_t mask[4] = {0, 0, 0, 0};
        if (pm_frz_new(fz, NULL, 0, &z) == PM_OK) {
            pm_frz_child_mask(z, mask);
            pm_frz_free(z);
        }
        for (unsigned b = 0; b < 256; b++)
            if ((mask[b >> 6] >> (b & 63)) & 1) {
                q[nq].prefix[0] = (uint8_t)b;
                q[nq++].plen = 1;
            }
    }

    pthread_t th[64];
    worker w[64];
    int err = 0;
    for (unsigned t = 0; t < nthreads; t++) {
        w[t] = (worker){fz, q, nq, t, nthreads, 0};
        if (pthread_create(&th[t], NULL, answer, &w[t]) != 0) {
            nthreads = t;
            err = 1;
            break;
        }
    }
    for (unsigned t = 0; t < nthreads; t++) {
        pthread_join(th[t], NULL);
        err |= w[t].err;
    }
    size_t total = 0;
    for (size_t i = 0; i < nq; i++) {
        char p[80];
        printable(p, sizeof p, q[i].prefix, q[i].plen);
        printf("%-20s %8zu", p, q[i].count);
        for (int j = 0; j < q[i].nfirst; j++)
            printf("  %s", q[i].first[j]);
        printf("\n");
        total += q[i].count;
    }
    if (argc <= 3 && total != pm_frozen_len(fz) - (pm_frozen_contains(fz, NULL, 0) ? 1 : 0)) {
        fprintf(stderr, "first-byte counts do not add up\n");
        err = 1;
    }
    free(q);
    pm_frozen_free(fz);
    return err;
}
