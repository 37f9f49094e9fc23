/* pattern_a_queries — Pattern A: one read-only knowledge base shared by N query threads.
 * A pm_map that nobody mutates may be read from any number of threads at once through
 * `const pm_map *` calls (pathmap.h): no locks, no reference counts touched.
 * Usage: pattern_a_queries [threads=4] [facts=20000] */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathmap.h"

typedef struct {
    const pm_map *kb;
    unsigned id, nthreads, facts;
    size_t hits, misses, under_prefix;
} query_thread;

static int fact_key(char *buf, size_t cap, unsigned i)
{
    static const char *const domains[] = {"math", "logic", "physics", "biology"};
    return snprintf(buf, cap, "spaces/kb0/facts/%s/f%06u", domains[i % 4], i);
}

static void *run_queries(void *arg)
{
    query_thread *q = arg;
    char key[64];
    for (unsigned i = q->id; i < 2 * q->facts; i += q->nthreads) { /* half are misses */
        int n = fact_key(key, sizeof key, i);
        uint64_t v;
        if (pm_map_get(q->kb, (const uint8_t *)key, (size_t)n, &v) == PM_OK && v == i)
            q->hits++;
        else
            q->misses++;
    }
    size_t c = 0; /* one prefix query: every fact of one domain */
    const char *pre = q->id % 2 ? "spaces/kb0/facts/logic/" : "spaces/kb0/facts/math/";
    pm_map_count_prefix(q->kb, (const uint8_t *)pre, strlen(pre), &c);
    q->under_prefix = c;
    return NULL;
}

int main(int argc, char **argv)
{
    unsigned nthreads = argc > 1 ? (unsigned)atoi(argv[1]) : 4;
    unsigned facts = argc > 2 ? (unsigned)atoi(argv[2]) : 20000;
    if (nthreads < 1 || nthreads > 64 || facts < 4)
        return 2;
    pm_map *kb = NULL;
    if (pm_map_new(NULL, &kb) != PM_OK)
        return 1;
    char key[64];
    for (unsigned i = 0; i < facts; i++) {
        int n = fact_key(key, sizeof key, i);
        if (pm_map_set(kb, (const uint8_t *)key, (size_t)n, i, NULL, NULL) != PM_OK)
            return 1;
    }
    query_thread q[64];
    pthread_t th[64];
    for (unsigned t = 0; t < nthreads; t++) {
        q[t] = (query_thread){.kb = kb, .id = t, .nthreads = nthreads, .facts = facts};
        pthread_create(&th[t], NULL, run_queries, &q[t]);
    }
    size_t hits = 0, misses = 0;
    int ok = 1;
    for (unsigned t = 0; t < nthreads; t++) {
        pthread_join(th[t], NULL);
        printf("thread %u: %zu hits, %zu misses, %zu facts under its domain prefix\n", t, q[t].hits,
               q[t].misses, q[t].under_prefix);
        hits += q[t].hits;
        misses += q[t].misses;
        ok &= q[t].under_prefix == facts / 4 + (facts % 4 > (t % 2 ? 1u : 0u));
    }
    printf("total: %zu hits (expected %u), %zu misses (expected %u)\n", hits, facts, misses, facts);
    ok &= hits == facts && misses == facts;
    pm_map_free(kb);
    printf("%s\n", ok ? "OK" : "FAILED");
    return ok ? 0 : 1;
}
