/* test_slab.c — node memory from the size-class slabs (mem.c): the PM_NODE_ALLOC switch, maps
 * freed on other threads than the ones that built them, threads that exit with free blocks
 * cached, and the accounting back at its start afterwards. Registered twice: as is (slabs) and
 * with PM_NODE_ALLOC=malloc (one malloc block per node); each run checks that it got the mode its
 * environment asks for. Races in the slabs show up under the tsan preset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "pathmap.h"
#include "pathmap_debug.h"

#define THREADS 4
#define KEYS    3000
#define ROUNDS  3

/* Keys of many lengths, so that many size classes (line and branch nodes) are used. */
static size_t key_of(unsigned t, unsigned i, uint8_t *buf)
{
    return (size_t)snprintf((char *)buf, 64, "t%u/%u/%.*s%u", t, i % 97, (int)(i % 23),
                            "abcdefghijklmnopqrstuvwxyz", i);
}

static pm_map *build(unsigned t)
{
    pm_map *m = NULL;
    if (pm_map_new(NULL, &m) != PM_OK)
        return NULL;
    uint8_t k[64];
    for (unsigned i = 0; i < KEYS; i++)
        if (pm_map_set(m, k, key_of(t, i, k), i + 1, NULL, NULL) != PM_OK) {
            pm_map_free(m);
            return NULL;
        }
    return m;
}

static int check(const pm_map *m, unsigned t)
{
    uint8_t k[64];
    for (unsigned i = 0; i < KEYS; i++) {
        uint64_t v = 0;
        if (pm_map_get(m, k, key_of(t, i, k), &v) != PM_OK || v != i + 1)
            return 0;
    }
    return pm_debug_validate(m) == PM_OK;
}

typedef struct job {
    unsigned t;
    pm_map *in;  /* a map built by another thread: checked, modified, freed here */
    pm_map *out; /* a map built here, for another thread to free */
    int ok;
} job;

static void *worker(void *arg)
{
    job *j = arg;
    j->ok = 1;
    if (j->in) {
        j->ok = check(j->in, (j->t + THREADS - 1) % THREADS);
        /* Copy-on-write of a map built elsewhere, then frees of both on this thread. */
        pm_map *c = NULL;
        if (pm_map_clone(j->in, &c) != PM_OK ||
            pm_map_set(c, (const uint8_t *)"t0/x", 4, 7, NULL, NULL) != PM_OK)
            j->ok = 0;
        pm_map_free(c);
        pm_map_free(j->in);
    }
    j->out = build(j->t);
    if (!j->out || !check(j->out, j->t))
        j->ok = 0;
    return NULL;
}

static void test_mode(void **state)
{
    (void)state;
    const char *e = getenv("PM_NODE_ALLOC");
    const char *want = (e && !strcmp(e, "malloc")) ? "malloc" : "slab";
    pm_map *m = build(0);
    assert_non_null(m);
    assert_string_equal(pm_debug_node_alloc(), want);
    pm_map_free(m);
}

/* Each round, thread t frees the map thread t-1 built in the round before (so every node is
 * freed on another thread than the one that allocated it) and builds a new one; the threads of
 * a round exit with blocks cached, which the next round's threads must get back. */
static void test_cross_thread(void **state)
{
    (void)state;
    pm_mem_stats s0, s1;
    pm_mem_stats_get(&s0);
    pm_map *prev[THREADS] = {0};
    for (unsigned r = 0; r < ROUNDS; r++) {
        job j[THREADS];
        pthread_t th[THREADS];
        for (unsigned t = 0; t < THREADS; t++) {
            j[t] = (job){.t = t, .in = prev[(t + THREADS - 1) % THREADS]};
            assert_int_equal(pthread_create(&th[t], NULL, worker, &j[t]), 0);
        }
        for (unsigned t = 0; t < THREADS; t++) {
            assert_int_equal(pthread_join(th[t], NULL), 0);
            assert_true(j[t].ok);
            prev[t] = j[t].out;
        }
    }
    for (unsigned t = 0; t < THREADS; t++) {
        assert_true(check(prev[t], t));
        pm_map_free(prev[t]);
    }
    pm_mem_stats_get(&s1);
    assert_int_equal(s1.live_nodes, s0.live_nodes);
    assert_int_equal(s1.live_bytes, s0.live_bytes);
}

/* Fault injection still fails a node allocation whatever its source, all or nothing. */
static void test_fault(void **state)
{
    (void)state;
    pm_map *m = build(1);
    assert_non_null(m);
    for (uint64_t k = 1; k <= 8; k++) {
        pm_debug_fail_alloc_at(k);
        pm_status st = pm_map_set(m, (const uint8_t *)"t1/new/key/zzz", 14, 9, NULL, NULL);
        pm_debug_fail_alloc_at(0);
        uint64_t v = 0;
        if (st == PM_ENOMEM)
            assert_int_equal(pm_map_get(m, (const uint8_t *)"t1/new/key/zzz", 14, &v),
                             PM_ENOTFOUND);
        else {
            assert_int_equal(st, PM_OK);
            assert_int_equal(pm_map_remove(m, (const uint8_t *)"t1/new/key/zzz", 14, NULL), PM_OK);
        }
        assert_true(check(m, 1));
    }
    pm_map_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mode),
        cmocka_unit_test(test_cross_thread),
        cmocka_unit_test(test_fault),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
