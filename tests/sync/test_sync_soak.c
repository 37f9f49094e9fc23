/* tests/sync/test_sync_soak.c — the live-map oracle with owned values, for a chosen duration, on
 * every backend (issue 14; `make soak` runs it long under TSan and then ASan, ctest briefly).
 *
 * Values are heap cells (tests/core/owned.h): clone copies a cell, drop frees it, both counted
 * atomically. Writers commit transactions on their own path w<i>/ (a batch k0..k7 = i, a pair
 * p = i, q = SUM - i, a log entry per commit, every third commit also a value at the path itself,
 * which the commit's graft puts into a parent node of the new version: the graft point of issue
 * 14); every tenth transaction is aborted. Readers check each version they see (no torn batch,
 * the pair sums, the log count equals the batch value, no aborted value, stable within a section,
 * never older than a commit that returned before the read, never going back) and take snapshots.
 * At the end: the final map is the replay of each writer's last commit, retired == freed, no node
 * left, and every cell made was freed exactly once (clones + new - drops = 0).
 *
 * PM_SOAK_SECONDS (default 0.3) is the writing time per backend. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

#include "../core/owned.h"
#include "pathmap_debug.h"
#include "pmsync/live.h"
#include "sync_test_util.h"

enum { NKEYS = 8, WRITERS = 2, READERS = 2 };
#define PAIR_SUM   1000000u
#define ABORT_MARK 777777u

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double soak_seconds(void)
{
    const char *e = getenv("PM_SOAK_SECONDS");
    return e && *e ? strtod(e, NULL) : 0.3;
}

static size_t wpath(int w, uint8_t *buf)
{
    buf[0] = 'w';
    buf[1] = (uint8_t)('0' + w);
    buf[2] = '/';
    return 3;
}

/* key `name` (+ j) below writer w's path, absolute or relative to it */
static size_t key(int w, const char *name, int j, uint8_t *buf, bool absolute)
{
    size_t n = absolute ? wpath(w, buf) : 0, l = strlen(name);
    memcpy(buf + n, name, l);
    n += l;
    if (j >= 0)
        buf[n++] = (uint8_t)('0' + j);
    return n;
}

static size_t key_log(int w, uint64_t i, uint8_t *buf, bool absolute)
{
    size_t n = key(w, "log/", -1, buf, absolute);
    for (int b = 3; b >= 0; b--)
        buf[n++] = (uint8_t)(i >> (8 * b));
    return n;
}

static pm_status put(pm_map *m, const uint8_t *k, size_t len, uint64_t payload)
{
    uint64_t v = owned_new(payload);
    pm_status st = pm_map_set(m, k, len, v, NULL, NULL);
    if (st)
        owned_drop(NULL, v);
    return st;
}

/* Commit number i of writer w into its private map (keys relative to w's path). */
static pm_status write_commit(pm_map *m, int w, uint64_t i)
{
    uint8_t k[32];
    pm_status st = PM_OK;
    for (int j = 0; j < NKEYS && st == PM_OK; j++)
        st = put(m, k, key(w, "k", j, k, false), i);
    if (st == PM_OK)
        st = put(m, k, key(w, "p", -1, k, false), i);
    if (st == PM_OK)
        st = put(m, k, key(w, "q", -1, k, false), PAIR_SUM - i);
    if (st == PM_OK)
        st = put(m, k, key_log(w, i, k, false), i);
    if (st == PM_OK && i % 3 == 0)
        st = put(m, NULL, 0, i); /* the value at the path itself: the graft's root value */
    return st;
}

static int get(const pm_map *m, const uint8_t *k, size_t len, uint64_t *payload)
{
    uint64_t v;
    if (pm_map_get(m, k, len, &v) != PM_OK)
        return 0;
    *payload = owned_payload(v);
    return 1;
}

/* Writer w's commit number in version m, or -1 if an invariant is broken. */
static int64_t check_writer(const pm_map *m, int w)
{
    uint8_t k[32];
    uint64_t v0 = 0, v = 0, p = 0, q = 0, r = 0;
    int has0 = get(m, k, key(w, "k", 0, k, true), &v0);
    for (int j = 1; j < NKEYS; j++) {
        int has = get(m, k, key(w, "k", j, k, true), &v);
        if (has != has0 || (has && v != v0))
            return -1;
    }
    int hp = get(m, k, key(w, "p", -1, k, true), &p), hq = get(m, k, key(w, "q", -1, k, true), &q);
    if (hp != has0 || hq != has0)
        return -1;
    if (!has0)
        return 0;
    if (p != v0 || p + q != PAIR_SUM || v0 == ABORT_MARK)
        return -1;
    int hr = get(m, k, wpath(w, k), &r); /* the latest commit divisible by 3 wrote it */
    if (hr != (v0 >= 3) || (hr && (r % 3 || r > v0 || v0 - r > 2)))
        return -1;
    size_t logs = 0;
    size_t pl = key(w, "log/", -1, k, true);
    if (pm_map_count_prefix(m, k, pl, &logs) != PM_OK || logs != v0)
        return -1;
    return (int64_t)v0;
}

typedef struct soak {
    pm_live *lm;
    pm_sync_domain *d;
    sync_gate gate;
    double deadline;
    _Atomic(int) writing; /* writers still running */
    _Atomic(uint64_t) committed[WRITERS];
    _Atomic(uint64_t) aborts, reads, snapshots, bad, errors;
} soak;

typedef struct worker {
    soak *s;
    int id;
} worker;

static void *writer_main(void *arg)
{
    worker *wk = arg;
    soak *s = wk->s;
    uint8_t path[4];
    size_t plen = wpath(wk->id, path);
    pm_sync_thread *t;
    if (pm_sync_register(s->d, &t) != PM_OK) {
        atomic_fetch_add(&s->errors, 1);
        atomic_fetch_sub(&s->writing, 1);
        return NULL;
    }
    gate_arrive_and_wait(&s->gate);
    for (uint64_t i = 1; now_s() < s->deadline; i++) {
        pm_live_txn *tx;
        if (i % 10 == 0) {
            if (pm_live_txn_begin(s->lm, t, path, plen, &tx) != PM_OK ||
                write_commit(pm_live_txn_map(tx), wk->id, ABORT_MARK) != PM_OK) {
                atomic_fetch_add(&s->errors, 1);
                break;
            }
            pm_live_txn_abort(tx);
            atomic_fetch_add(&s->aborts, 1);
        }
        if (pm_live_txn_begin(s->lm, t, path, plen, &tx) != PM_OK ||
            write_commit(pm_live_txn_map(tx), wk->id, i) != PM_OK ||
            pm_live_txn_commit(tx) != PM_OK) {
            atomic_fetch_add(&s->errors, 1);
            break;
        }
        atomic_store_explicit(&s->committed[wk->id], i, memory_order_release);
        pm_sync_quiescent(t);
    }
    pm_sync_unregister(t);
    atomic_fetch_sub(&s->writing, 1);
    return NULL;
}

static void *reader_main(void *arg)
{
    worker *wk = arg;
    soak *s = wk->s;
    pm_sync_thread *t;
    if (pm_sync_register(s->d, &t) != PM_OK) {
        atomic_fetch_add(&s->errors, 1);
        return NULL;
    }
    gate_arrive_and_wait(&s->gate);
    int64_t last[WRITERS] = {0};
    for (uint64_t r = 0; atomic_load(&s->writing) > 0; r++) {
        uint64_t floor[WRITERS];
        for (int w = 0; w < WRITERS; w++)
            floor[w] = atomic_load_explicit(&s->committed[w], memory_order_acquire);
        int64_t a[WRITERS], b[WRITERS];
        const pm_map *m = pm_live_read_begin(s->lm, t);
        for (int w = 0; w < WRITERS; w++)
            a[w] = check_writer(m, w);
        sched_yield();
        for (int w = 0; w < WRITERS; w++)
            b[w] = check_writer(m, w);
        pm_live_read_end(s->lm, t);
        pm_sync_quiescent(t);
        atomic_fetch_add(&s->reads, 1);
        for (int w = 0; w < WRITERS; w++) {
            if (a[w] < 0 || a[w] != b[w] || (uint64_t)a[w] < floor[w] || a[w] < last[w])
                atomic_fetch_add(&s->bad, 1);
            last[w] = a[w];
        }
        if (r % 8 == 0) {
            pm_map *snap;
            if (pm_live_snapshot(s->lm, t, &snap) != PM_OK) {
                atomic_fetch_add(&s->errors, 1);
                break;
            }
            for (int w = 0; w < WRITERS; w++) {
                int64_t v = check_writer(snap, w);
                if (v < 0 || v < last[w])
                    atomic_fetch_add(&s->bad, 1);
            }
            pm_map_free(snap);
            atomic_fetch_add(&s->snapshots, 1);
        }
    }
    pm_sync_unregister(t);
    return NULL;
}

static void test_soak(void **state)
{
    const pm_sync_backend *be = *state;
    soak *s = calloc(1, sizeof *s);
    assert_non_null(s);
    long long live0 = owned_live(), clones0 = owned_clones(), drops0 = owned_drops();
    pm_mem_stats mem0;
    pm_mem_stats_get(&mem0);
    assert_int_equal(pm_sync_domain_new(be, &s->d), PM_OK);
    pm_map *initial;
    assert_int_equal(pm_map_new(&owned_ops, &initial), PM_OK);
    assert_int_equal(put(initial, (const uint8_t *)"base", 4, 1), PM_OK);
    assert_int_equal(pm_live_new(s->d, initial, &s->lm), PM_OK);
    pthread_t th[WRITERS + READERS];
    worker wk[WRITERS + READERS];
    int n = 0;
    s->deadline = now_s() + 3600; /* set for real when everyone is at the gate */
    atomic_store(&s->writing, WRITERS);
    for (int w = 0; w < WRITERS; w++, n++) {
        wk[n] = (worker){s, w};
        assert_int_equal(pthread_create(&th[n], NULL, writer_main, &wk[n]), 0);
    }
    for (int r = 0; r < READERS; r++, n++) {
        wk[n] = (worker){s, r};
        assert_int_equal(pthread_create(&th[n], NULL, reader_main, &wk[n]), 0);
    }
    while (atomic_load(&s->gate.ready) < n)
        sched_yield();
    s->deadline = now_s() + soak_seconds(); /* written before the gate opens (seq_cst store) */
    atomic_store(&s->gate.go, 1);
    for (int i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(atomic_load(&s->errors), 0);
    assert_int_equal(atomic_load(&s->bad), 0);

    /* the final version: each writer's last commit, nothing else */
    pm_sync_thread *t;
    assert_int_equal(pm_sync_register(s->d, &t), PM_OK);
    pm_map *fin;
    assert_int_equal(pm_live_snapshot(s->lm, t, &fin), PM_OK);
    pm_sync_quiescent(t);
    pm_sync_unregister(t);
    uint64_t commits = 0;
    size_t expect = 1, len = 0;
    for (int w = 0; w < WRITERS; w++) {
        uint64_t c = atomic_load(&s->committed[w]);
        assert_int_equal(check_writer(fin, w), (int64_t)c);
        commits += c;
        expect += c ? NKEYS + 2 + c + (c >= 3) : 0;
    }
    assert_int_equal(pm_map_len(fin, &len), PM_OK);
    assert_int_equal(len, expect);
    assert_int_equal(pm_debug_validate(fin), PM_OK);
    pm_map_free(fin);

    pm_live_stats ls;
    pm_live_stats_get(s->lm, &ls);
    assert_int_equal(ls.commits, commits);
    pm_live_free(s->lm);
    pm_sync_barrier(s->d, NULL);
    pm_sync_stats st;
    pm_sync_stats_get(s->d, &st);
    assert_int_equal(st.retired, commits);
    if (!(be->flags & PM_SYNC_F_NEVER_FREES))
        assert_int_equal(st.freed, st.retired);
    pm_sync_domain_free(s->d);
    pm_mem_stats mem;
    pm_mem_stats_get(&mem);
    assert_int_equal(mem.live_nodes, mem0.live_nodes);
    assert_int_equal(owned_live(), live0); /* every cell made was freed exactly once */
    printf("soak %-10s %.1f s: %llu commits, %llu aborts, %llu retries, %llu read sections, "
           "%llu snapshots checked; %lld clones, %lld drops, 0 cells and 0 nodes left\n",
           be->name, soak_seconds(), (unsigned long long)commits,
           (unsigned long long)atomic_load(&s->aborts), (unsigned long long)ls.retries,
           (unsigned long long)atomic_load(&s->reads),
           (unsigned long long)atomic_load(&s->snapshots), owned_clones() - clones0,
           owned_drops() - drops0);
    free(s);
}

int main(int argc, char **argv)
{
    double secs = soak_seconds();
    sync_test_watchdog((unsigned)(secs * (double)PM_SYNC_NBACKENDS * 3 + 240));
    static const sync_test_fn per_backend[] = {SYNC_TEST_FN(test_soak)};
    return sync_run_per_backend(argc, argv, NULL, 0, per_backend, 1);
}
