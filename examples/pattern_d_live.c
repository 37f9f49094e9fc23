/* pattern_d_live — Pattern D: readers keep querying a live map while a writer commits.
 * The writer commits transactions that move "amount" between two accounts under
 * "updates/": every committed version has checking + savings == 1000. Readers each take one
 * version per read section and must always see that sum (snapshot isolation: possibly stale,
 * never torn). A reader that starts after the last commit sees it (visibility).
 * Usage: pattern_d_live [readers=2] [commits=2000] [backend=epoch] */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "pathmap.h"
#include "pmsync/live.h"

static pm_live *lm;
static atomic_bool done;

static uint64_t get(const pm_map *v, const char *k, size_t n)
{
    uint64_t x = 0;
    pm_map_get(v, (const uint8_t *)k, n, &x);
    return x;
}

typedef struct {
    unsigned long reads, torn;
} reader_out;

static void *reader(void *arg)
{
    reader_out *o = arg;
    pm_sync_thread *t = NULL;
    if (pm_sync_register(pm_live_domain(lm), &t) != PM_OK)
        return NULL;
    while (!atomic_load(&done)) {
        const pm_map *v = pm_live_read_begin(lm, t); /* one version for the whole section */
        uint64_t c = get(v, "updates/checking", 16), s = get(v, "updates/savings", 15);
        pm_live_read_end(lm, t);
        o->torn += c + s != 1000;
        o->reads++;
        pm_sync_quiescent(t);
    }
    pm_sync_unregister(t);
    return NULL;
}

static pm_status transfer(pm_sync_thread *t, uint64_t to_savings)
{
    pm_live_txn *tx = NULL;
    pm_status st = pm_live_txn_begin(lm, t, (const uint8_t *)"updates/", 8, &tx);
    if (st != PM_OK)
        return st;
    pm_map *m = pm_live_txn_map(tx); /* keys relative to "updates/" */
    st = pm_map_set(m, (const uint8_t *)"checking", 8, 1000 - to_savings, NULL, NULL);
    if (st == PM_OK)
        st = pm_map_set(m, (const uint8_t *)"savings", 7, to_savings, NULL, NULL);
    if (st == PM_OK)
        st = pm_live_txn_commit(tx);
    if (st != PM_OK)
        pm_live_txn_abort(tx);
    return st;
}

int main(int argc, char **argv)
{
    unsigned nr = argc > 1 ? (unsigned)atoi(argv[1]) : 2;
    unsigned commits = argc > 2 ? (unsigned)atoi(argv[2]) : 2000;
    const pm_sync_backend *be = pm_sync_backend_by_name(argc > 3 ? argv[3] : "epoch");
    if (!be || nr < 1 || nr > 32)
        return 2;
    pm_sync_domain *d = NULL;
    pm_sync_thread *w = NULL;
    if (pm_sync_domain_new(be, &d) != PM_OK || pm_live_new(d, NULL, &lm) != PM_OK ||
        pm_sync_register(d, &w) != PM_OK || transfer(w, 0) != PM_OK)
        return 1;
    reader_out out[32] = {{0}};
    pthread_t th[32];
    for (unsigned i = 0; i < nr; i++)
        pthread_create(&th[i], NULL, reader, &out[i]);
    int ok = 1;
    for (unsigned i = 1; i <= commits; i++)
        ok &= transfer(w, i % 1001) == PM_OK;
    atomic_store(&done, true);
    unsigned long torn = 0;
    for (unsigned i = 0; i < nr; i++) {
        pthread_join(th[i], NULL);
        printf("reader %u: %lu reads, %lu torn\n", i, out[i].reads, out[i].torn);
        torn += out[i].torn;
    }
    /* visibility: a read section that starts now sees the last commit */
    const pm_map *v = pm_live_read_begin(lm, w);
    uint64_t s = get(v, "updates/savings", 15);
    pm_live_read_end(lm, w);
    pm_sync_stats ss;
    pm_sync_unregister(w);
    pm_live_free(lm);
    pm_sync_barrier(d, NULL);
    pm_sync_stats_get(d, &ss);
    printf("backend %s: %u commits, last savings %llu (expected %u), retired %llu, freed %llu\n",
           be->name, commits, (unsigned long long)s, commits % 1001, (unsigned long long)ss.retired,
           (unsigned long long)ss.freed);
    pm_sync_domain_free(d);
    ok &= torn == 0 && s == commits % 1001;
    printf("%s\n", ok ? "OK" : "FAILED");
    return ok ? 0 : 1;
}
