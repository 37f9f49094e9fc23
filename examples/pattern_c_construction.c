/* pattern_c_construction — Pattern C: one writer per partition builds one shared map in
 * parallel. Each writer opens a write transaction on its own exclusive path of a live map
 * (pmsync/live.h: the ZipperHead contract) and commits; paths must be prefix-free ("src/1/" vs
 * "src/10/": the trailing '/' keeps them disjoint). An overlapping request is refused with
 * PM_ECONFLICT, which the program shows and handles.
 * Usage: pattern_c_construction [writers=4] [keys_per_writer=5000] */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathmap.h"
#include "pmsync/live.h"

typedef struct {
    pm_live *lm;
    unsigned id, nkeys;
    pm_status st;
} writer;

static void *write_partition(void *arg)
{
    writer *w = arg;
    pm_sync_thread *t = NULL;
    if ((w->st = pm_sync_register(pm_live_domain(w->lm), &t)) != PM_OK)
        return NULL;
    char path[32], key[32];
    int plen = snprintf(path, sizeof path, "src/%u/", w->id);
    pm_live_txn *tx = NULL;
    w->st = pm_live_txn_begin(w->lm, t, (const uint8_t *)path, (size_t)plen, &tx);
    if (w->st == PM_OK) {
        pm_map *m = pm_live_txn_map(tx); /* keys relative to path */
        for (unsigned i = 0; i < w->nkeys && w->st == PM_OK; i++) {
            int n = snprintf(key, sizeof key, "fact%06u", i);
            w->st = pm_map_set(m, (const uint8_t *)key, (size_t)n, i, NULL, NULL);
        }
        if (w->st == PM_OK)
            w->st = pm_live_txn_commit(tx);
        if (w->st != PM_OK)
            pm_live_txn_abort(tx);
    }
    pm_sync_unregister(t);
    return NULL;
}

int main(int argc, char **argv)
{
    unsigned nw = argc > 1 ? (unsigned)atoi(argv[1]) : 4;
    unsigned nk = argc > 2 ? (unsigned)atoi(argv[2]) : 5000;
    if (nw < 1 || nw > 64)
        return 2;
    pm_sync_domain *d = NULL;
    pm_live *lm = NULL;
    pm_sync_thread *me = NULL;
    if (pm_sync_domain_new(pm_sync_backend_by_name("urcu-memb"), &d) != PM_OK ||
        pm_live_new(d, NULL, &lm) != PM_OK || pm_sync_register(d, &me) != PM_OK)
        return 1;

    /* the conflict rule: a transaction on "src/" overlaps every "src/<i>/" */
    pm_live_txn *a = NULL, *b = NULL;
    pm_live_txn_begin(lm, me, (const uint8_t *)"src/1/", 6, &a);
    pm_status st = pm_live_txn_begin(lm, me, (const uint8_t *)"src/", 4, &b);
    printf("txn on src/ while src/1/ is open: %s\n", pm_strerror(st));
    int ok = st == PM_ECONFLICT;
    pm_live_txn_abort(a); /* handled: give the path back, the writers below take it */

    writer w[64];
    pthread_t th[64];
    for (unsigned i = 0; i < nw; i++) {
        w[i] = (writer){.lm = lm, .id = i, .nkeys = nk};
        pthread_create(&th[i], NULL, write_partition, &w[i]);
    }
    for (unsigned i = 0; i < nw; i++) {
        pthread_join(th[i], NULL);
        printf("writer %u: %s\n", i, pm_strerror(w[i].st));
        ok &= w[i].st == PM_OK;
    }
    const pm_map *v = pm_live_read_begin(lm, me);
    size_t total = 0, part = 0;
    pm_map_len(v, &total);
    pm_map_count_prefix(v, (const uint8_t *)"src/1/", 6, &part);
    pm_live_read_end(lm, me);
    pm_live_stats ls;
    pm_live_stats_get(lm, &ls);
    printf("map: %zu keys (expected %u), src/1/: %zu; commits %llu, re-grafts %llu, conflicts "
           "%llu\n",
           total, nw * nk, part, (unsigned long long)ls.commits, (unsigned long long)ls.retries,
           (unsigned long long)ls.conflicts);
    ok &= total == (size_t)nw * nk && (nw < 2 || part == nk);
    pm_sync_unregister(me);
    pm_live_free(lm);
    pm_sync_domain_free(d);
    printf("%s\n", ok ? "OK" : "FAILED");
    return ok ? 0 : 1;
}
