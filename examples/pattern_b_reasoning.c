/* pattern_b_reasoning — Pattern B: each reasoning thread takes an O(1) clone of a shared base
 * KB, adds its own conclusions without any synchronisation (copy-on-write keeps the clones and
 * the base isolated), and the main thread merges the results with core's algebra: pm_map_join
 * (union: every conclusion of any thread) and pm_map_meet (intersection: conclusions every
 * thread reached). Both reuse the subtries the clones still share with the base by pointer
 * (the base facts are never walked), and a join of a map with its own clone is an identity
 * (PM_ALG_IDENTITY: nothing built). `pmlab run merge` measures the same fold against a parallel
 * tree-reduce.
 * Usage: pattern_b_reasoning [threads=4] [base_facts=2000] */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "pathmap.h"

typedef struct {
    pm_map *m; /* the thread's clone */
    unsigned id;
    pm_status st;
} reasoner;

static unsigned nbase;

static void *reason(void *arg)
{
    reasoner *r = arg;
    char key[64];
    /* "derive": every thread concludes shared/<k> for k % 2 == 0, and own/<id>/<k> */
    for (unsigned k = 0; k < nbase && r->st == PM_OK; k += 2) {
        int n = snprintf(key, sizeof key, "concl/shared/%05u", k);
        r->st = pm_map_set(r->m, (const uint8_t *)key, (size_t)n, k, NULL, NULL);
        n = snprintf(key, sizeof key, "concl/own/%02u/%05u", r->id, k);
        if (r->st == PM_OK)
            r->st = pm_map_set(r->m, (const uint8_t *)key, (size_t)n, k, NULL, NULL);
    }
    return NULL;
}

/* acc := acc OP m (a new map; the old acc is freed) */
static int fold(pm_map **acc, const pm_map *m, pm_alg_op op)
{
    pm_map *out = NULL;
    if (pm_map_alg(op, *acc, m, &out, NULL) != PM_OK)
        return 0;
    pm_map_free(*acc);
    *acc = out;
    return 1;
}

int main(int argc, char **argv)
{
    unsigned nt = argc > 1 ? (unsigned)atoi(argv[1]) : 4;
    nbase = argc > 2 ? (unsigned)atoi(argv[2]) : 2000;
    if (nt < 1 || nt > 32)
        return 2;
    pm_map *base = NULL;
    char key[64];
    if (pm_map_new(NULL, &base) != PM_OK)
        return 1;
    for (unsigned k = 0; k < nbase; k++) {
        int n = snprintf(key, sizeof key, "facts/f%05u", k);
        if (pm_map_set(base, (const uint8_t *)key, (size_t)n, k, NULL, NULL) != PM_OK)
            return 1;
    }
    reasoner r[32];
    pthread_t th[32];
    for (unsigned i = 0; i < nt; i++) {
        r[i] = (reasoner){.id = i};
        if (pm_map_clone(base, &r[i].m) != PM_OK) /* O(1): the root's count + a handle */
            return 1;
        pthread_create(&th[i], NULL, reason, &r[i]);
    }
    int ok = 1;
    pm_map *joined = NULL, *met = NULL;
    for (unsigned i = 0; i < nt; i++) {
        pthread_join(th[i], NULL);
        size_t len = 0;
        pm_map_len(r[i].m, &len);
        printf("thread %u: %zu keys (%s)\n", i, len, pm_strerror(r[i].st));
        ok &= r[i].st == PM_OK;
    }
    /* join: fold the clones into (a clone of) the first; meet: fold the intersections */
    if (pm_map_clone(r[0].m, &joined) != PM_OK || pm_map_clone(r[0].m, &met) != PM_OK)
        return 1;
    for (unsigned i = 1; i < nt; i++) {
        ok &= fold(&joined, r[i].m, PM_JOIN);
        ok &= fold(&met, r[i].m, PM_MEET);
    }
    /* the identity short-cut: a map joined with its own clone is returned as is */
    pm_map *same = NULL, *self = NULL;
    pm_alg res = PM_ALG_ELEMENT;
    if (pm_map_clone(joined, &same) != PM_OK || pm_map_join(joined, same, &self, &res) != PM_OK)
        return 1;
    printf("join of the result with its own clone: %s\n",
           res == PM_ALG_IDENTITY ? "identity (nothing built)" : "a new map");
    ok &= res == PM_ALG_IDENTITY;
    pm_map_free(self);
    pm_map_free(same);
    size_t base_len = 0, j = 0, m = 0, shared = 0;
    pm_map_len(base, &base_len);
    pm_map_len(joined, &j);
    pm_map_len(met, &m);
    pm_map_count_prefix(met, (const uint8_t *)"concl/shared/", 13, &shared);
    size_t half = (nbase + 1) / 2;
    printf("base unchanged: %zu keys; join: %zu keys (expected %zu); meet: %zu keys, %zu "
           "shared conclusions (expected %zu)\n",
           base_len, j, nbase + half + nt * half, m, shared, half);
    ok &= base_len == nbase && j == nbase + half + nt * half;
    ok &= nt == 1 ? m == j : (m == nbase + half && shared == half);
    pm_map_free(joined);
    pm_map_free(met);
    for (unsigned i = 0; i < nt; i++)
        pm_map_free(r[i].m);
    pm_map_free(base);
    printf("%s\n", ok ? "OK" : "FAILED");
    return ok ? 0 : 1;
}
