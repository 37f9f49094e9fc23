/* pattern_c_construction — Pattern C: one writer per partition builds one shared map in
 * parallel through a ZipperHead (pathmap_zipper.h). The head hands out one write zipper per
 * partition path; each zipper owns its partition's subtrie, so the writer threads insert with
 * no lock, and releasing a zipper grafts its subtrie back into the map. Paths must be
 * prefix-free ("src/1/" vs "src/10/": the trailing '/' keeps them disjoint; "src/1" would be a
 * byte-prefix of "src/10"). An overlapping request is refused with PM_ECONFLICT, which the
 * program shows and handles. `pmlab run write` and `pmlab run zipperhead` measure the same.
 * Usage: pattern_c_construction [writers=4] [keys_per_writer=5000] */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathmap.h"
#include "pathmap_zipper.h"

typedef struct {
    pm_wz *z; /* this writer's zipper: origin src/<id>/ */
    unsigned id, nkeys;
    pm_status st;
} writer;

static void *write_partition(void *arg)
{
    writer *w = arg;
    char key[32];
    for (unsigned i = 0; i < w->nkeys && w->st == PM_OK; i++) {
        int n = snprintf(key, sizeof key, "fact%06u", i); /* relative to the zipper's origin */
        pm_wz_reset(w->z);
        pm_status st = pm_wz_descend(w->z, (const uint8_t *)key, (size_t)n);
        if (st == PM_OK || st == PM_ENOTFOUND) /* a path that does not exist yet is fine */
            st = pm_wz_set_val(w->z, i, NULL, NULL);
        w->st = st;
    }
    return NULL;
}

static void show_conflict(const char *what, pm_status st, const pm_conflict *c)
{
    printf("%s: %s", what, pm_strerror(st));
    if (st == PM_ECONFLICT)
        printf(" (overlaps the live %s zipper at \"%.*s\")", c->is_write ? "write" : "read",
               (int)c->len, (const char *)c->path);
    printf("\n");
}

int main(int argc, char **argv)
{
    unsigned nw = argc > 1 ? (unsigned)atoi(argv[1]) : 4;
    unsigned nk = argc > 2 ? (unsigned)atoi(argv[2]) : 5000;
    if (nw < 1 || nw > 64)
        return 2;
    pm_map *m = NULL;
    pm_zh *h = NULL;
    if (pm_map_new(NULL, &m) != PM_OK ||
        pm_map_set(m, (const uint8_t *)"meta/v", 6, 1, NULL, NULL) != PM_OK ||
        pm_zh_new(m, &h) != PM_OK)
        return 1;

    writer w[64];
    char path[32];
    int ok = 1;
    for (unsigned i = 0; i < nw; i++) { /* creation: checked against every live zipper */
        int plen = snprintf(path, sizeof path, "src/%u/", i);
        w[i] = (writer){.id = i, .nkeys = nk};
        pm_conflict c;
        pm_status st = pm_zh_write_zipper(h, (const uint8_t *)path, (size_t)plen, &w[i].z, &c);
        if (st != PM_OK) {
            show_conflict(path, st, &c);
            return 1;
        }
    }

    /* the conflict rule: a writer on "src/" overlaps every "src/<i>/"; so does a reader at the
     * root. Both are refused and nothing changes; the program goes on without them. */
    pm_conflict c;
    pm_wz *bad = NULL;
    pm_status st = pm_zh_write_zipper(h, (const uint8_t *)"src/", 4, &bad, &c);
    show_conflict("write zipper on src/ while src/<i>/ are live", st, &c);
    ok &= st == PM_ECONFLICT;
    pm_rz *root = NULL;
    st = pm_zh_read_zipper(h, NULL, 0, &root, &c);
    show_conflict("read zipper at the root while writers are live", st, &c);
    ok &= st == PM_ECONFLICT;
    pm_rz *meta = NULL; /* a reader on a disjoint path is fine */
    st = pm_zh_read_zipper(h, (const uint8_t *)"meta/", 5, &meta, &c);
    show_conflict("read zipper on meta/", st, &c);
    ok &= st == PM_OK;
    if (st == PM_OK)
        pm_zh_release_rz(h, meta);

    pthread_t th[64];
    for (unsigned i = 0; i < nw; i++) /* the zippers move to the writer threads */
        pthread_create(&th[i], NULL, write_partition, &w[i]);
    for (unsigned i = 0; i < nw; i++) {
        pthread_join(th[i], NULL);
        printf("writer %u: %s\n", i, pm_strerror(w[i].st));
        ok &= w[i].st == PM_OK;
    }
    for (unsigned i = 0; i < nw; i++) { /* release = graft back; PM_ENOMEM keeps it live */
        pm_status rs;
        int tries = 0;
        while ((rs = pm_zh_release_wz(h, w[i].z)) == PM_ENOMEM && ++tries < 3) {
        }
        ok &= rs == PM_OK;
    }
    printf("live zippers after release: %zu\n", pm_zh_live(h));
    ok &= pm_zh_free(h) == PM_OK;

    size_t total = 0, part = 0;
    pm_map_len(m, &total);
    pm_map_count_prefix(m, (const uint8_t *)"src/1/", 6, &part);
    printf("map: %zu keys (expected %u), src/1/: %zu\n", total, nw * nk + 1, part);
    ok &= total == (size_t)nw * nk + 1 && (nw < 2 || part == nk);
    pm_map_free(m);
    printf("%s\n", ok ? "OK" : "FAILED");
    return ok ? 0 : 1;
}
