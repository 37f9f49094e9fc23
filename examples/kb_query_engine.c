/* kb_query_engine — a small knowledge-base engine on a live map. Paths follow the schema
 *   spaces/<id>/facts/<domain>/<entity>   rules/<name>   queries/<name>
 * Query threads run prefix queries ("all facts of domain D in space S") and point lookups
 * while a writer adds facts, one transaction per (space, domain) batch. Every query result is
 * consistent with one committed version: a domain's count only grows, in whole batches.
 * Usage: kb_query_engine [query_threads=2] [batches=200] [backend=urcu-memb] */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathmap.h"
#include "pmsync/live.h"

enum { SPACES = 4, DOMAINS = 3, BATCH = 25 };
static const char *const domains[DOMAINS] = {"math", "logic", "physics"};
static pm_live *lm;
static atomic_bool done;

static int domain_prefix(char *b, size_t cap, unsigned s, unsigned d)
{
    return snprintf(b, cap, "spaces/s%02u/facts/%s/", s, domains[d]);
}

typedef struct {
    unsigned id;
    unsigned long queries, bad;
} qthread;

static void *query_loop(void *arg)
{
    qthread *q = arg;
    pm_sync_thread *t = NULL;
    if (pm_sync_register(pm_live_domain(lm), &t) != PM_OK)
        return NULL;
    size_t last[SPACES][DOMAINS] = {{0}};
    unsigned i = q->id;
    while (!atomic_load(&done)) {
        unsigned s = i % SPACES, d = (i / SPACES) % DOMAINS;
        char pre[64];
        int n = domain_prefix(pre, sizeof pre, s, d);
        const pm_map *v = pm_live_read_begin(lm, t);
        size_t c = 0;
        pm_map_count_prefix(v, (const uint8_t *)pre, (size_t)n, &c);
        uint64_t rule = 0;
        int has_rule = pm_map_get(v, (const uint8_t *)"rules/transitive", 16, &rule) == PM_OK;
        pm_live_read_end(lm, t);
        q->bad += c % BATCH != 0 || c < last[s][d] || !has_rule; /* whole batches, monotonic */
        last[s][d] = c;
        q->queries++;
        i++;
        pm_sync_quiescent(t);
    }
    pm_sync_unregister(t);
    return NULL;
}

static pm_status add_batch(pm_sync_thread *t, unsigned b)
{
    unsigned s = b % SPACES, d = (b / SPACES) % DOMAINS;
    char pre[64], key[32];
    int n = domain_prefix(pre, sizeof pre, s, d);
    pm_live_txn *tx = NULL;
    pm_status st = pm_live_txn_begin(lm, t, (const uint8_t *)pre, (size_t)n, &tx);
    for (unsigned i = 0; st == PM_OK && i < BATCH; i++) {
        int k = snprintf(key, sizeof key, "e%06u", b * BATCH + i);
        st = pm_map_set(pm_live_txn_map(tx), (const uint8_t *)key, (size_t)k, b, NULL, NULL);
    }
    if (st == PM_OK)
        st = pm_live_txn_commit(tx);
    else if (tx)
        pm_live_txn_abort(tx);
    return st;
}

int main(int argc, char **argv)
{
    unsigned nq = argc > 1 ? (unsigned)atoi(argv[1]) : 2;
    unsigned batches = argc > 2 ? (unsigned)atoi(argv[2]) : 200;
    const pm_sync_backend *be = pm_sync_backend_by_name(argc > 3 ? argv[3] : "urcu-memb");
    if (!be || nq < 1 || nq > 16)
        return 2;
    pm_map *init = NULL;
    pm_sync_domain *d = NULL;
    pm_sync_thread *w = NULL;
    if (pm_map_new(NULL, &init) != PM_OK ||
        pm_map_set(init, (const uint8_t *)"rules/transitive", 16, 1, NULL, NULL) != PM_OK ||
        pm_map_set(init, (const uint8_t *)"queries/all-math", 16, 2, NULL, NULL) != PM_OK ||
        pm_sync_domain_new(be, &d) != PM_OK || pm_live_new(d, init, &lm) != PM_OK ||
        pm_sync_register(d, &w) != PM_OK)
        return 1;
    qthread q[16];
    pthread_t th[16];
    for (unsigned i = 0; i < nq; i++) {
        q[i] = (qthread){.id = i};
        pthread_create(&th[i], NULL, query_loop, &q[i]);
    }
    int ok = 1;
    for (unsigned b = 0; b < batches; b++)
        ok &= add_batch(w, b) == PM_OK;
    atomic_store(&done, true);
    for (unsigned i = 0; i < nq; i++) {
        pthread_join(th[i], NULL);
        printf("query thread %u: %lu prefix queries, %lu inconsistent\n", i, q[i].queries,
               q[i].bad);
        ok &= q[i].bad == 0;
    }
    const pm_map *v = pm_live_read_begin(lm, w);
    size_t facts = 0, math = 0;
    pm_map_count_prefix(v, (const uint8_t *)"spaces/", 7, &facts);
    pm_map_count_prefix(v, (const uint8_t *)"spaces/s00/facts/math/", 22, &math);
    pm_live_read_end(lm, w);
    printf("%zu facts (expected %u); spaces/s00/facts/math/: %zu\n", facts, batches * BATCH, math);
    ok &= facts == (size_t)batches * BATCH;
    pm_sync_unregister(w);
    pm_live_free(lm);
    pm_sync_domain_free(d);
    printf("%s\n", ok ? "OK" : "FAILED");
    return ok ? 0 : 1;
}
