/* tests/sync/test_sync_live.c — the live map on every backend: the snapshot-isolation oracle
 * (with stability, visibility, aborts never seen, snapshots), no lost commits (the final map is
 * the sequential replay), conflicts, fault injection on begin/commit, the stalled reader, and
 * reclamation accounting (retired == freed, live nodes back to their starting count). */
#define _GNU_SOURCE
#include <sched.h>
#include <stdatomic.h>

#include "pathmap_debug.h"
#include "pmsync/live.h"
#include "sync_test_util.h"

enum { NKEYS = 8, WRITERS = 2, READERS = 2, COMMITS = 300, READS = 1500 };
#define PAIR_SUM   1000000u
#define ABORT_MARK 777777u

/* ---- keys ------------------------------------------------------------------------------------ */

static size_t wpath(int w, uint8_t *buf) /* "w0/", "w1/", ...: prefix-free */
{
    buf[0] = 'w';
    buf[1] = (uint8_t)('0' + w);
    buf[2] = '/';
    return 3;
}

static size_t key_k(int w, int j, uint8_t *buf, bool absolute)
{
    size_t n = absolute ? wpath(w, buf) : 0;
    buf[n++] = 'k';
    buf[n++] = (uint8_t)('0' + j);
    return n;
}

static size_t key_named(int w, const char *name, uint8_t *buf, bool absolute)
{
    size_t n = absolute ? wpath(w, buf) : 0;
    size_t l = strlen(name);
    memcpy(buf + n, name, l);
    return n + l;
}

static size_t key_log(int w, uint64_t i, uint8_t *buf, bool absolute)
{
    size_t n = absolute ? wpath(w, buf) : 0;
    memcpy(buf + n, "log/", 4);
    n += 4;
    for (int b = 3; b >= 0; b--) /* big-endian: iteration order = commit order */
        buf[n++] = (uint8_t)(i >> (8 * b));
    return n;
}

/** Writes commit number i of writer w into map m (relative keys when it is the private map). */
static pm_status write_commit(pm_map *m, int w, uint64_t i, bool absolute)
{
    uint8_t k[32];
    pm_status st = PM_OK;
    for (int j = 0; j < NKEYS && st == PM_OK; j++)
        st = pm_map_set(m, k, key_k(w, j, k, absolute), i, NULL, NULL);
    if (st == PM_OK)
        st = pm_map_set(m, k, key_named(w, "p", k, absolute), i, NULL, NULL);
    if (st == PM_OK)
        st = pm_map_set(m, k, key_named(w, "q", k, absolute), PAIR_SUM - i, NULL, NULL);
    if (st == PM_OK)
        st = pm_map_set(m, k, key_log(w, i, k, absolute), i, NULL, NULL);
    return st;
}

/** Checks writer w's invariants in version m; returns its commit number, or -1 if broken. */
static int64_t check_writer(const pm_map *m, int w)
{
    uint8_t k[32];
    uint64_t v0 = 0, v;
    bool has0 = pm_map_get(m, k, key_k(w, 0, k, true), &v0) == PM_OK;
    for (int j = 1; j < NKEYS; j++) {
        bool has = pm_map_get(m, k, key_k(w, j, k, true), &v) == PM_OK;
        if (has != has0 || (has && v != v0))
            return -1; /* a torn batch */
    }
    uint64_t p = 0, q = 0;
    bool hp = pm_map_get(m, k, key_named(w, "p", k, true), &p) == PM_OK;
    bool hq = pm_map_get(m, k, key_named(w, "q", k, true), &q) == PM_OK;
    if (hp != has0 || hq != has0)
        return -1;
    if (!has0)
        return 0;
    if (p != v0 || p + q != PAIR_SUM || v0 == ABORT_MARK)
        return -1;
    size_t logs = 0;
    uint8_t pre[8];
    size_t pl = key_named(w, "log/", pre, true);
    if (pm_map_count_prefix(m, pre, pl, &logs) != PM_OK || logs != v0)
        return -1; /* a lost or phantom commit */
    return (int64_t)v0;
}

/* ---- fixtures ---------------------------------------------------------------------------------
 */

typedef struct fixture {
    const pm_sync_backend *be;
    pm_sync_domain *d;
    pm_live *lm;
    pm_mem_stats mem0;
} fixture;

static void fixture_open(fixture *f, const pm_sync_backend *be)
{
    memset(f, 0, sizeof *f);
    f->be = be;
    pm_mem_stats_get(&f->mem0);
    assert_int_equal(pm_sync_domain_new(be, &f->d), PM_OK);
    assert_int_equal(pm_live_new(f->d, NULL, &f->lm), PM_OK);
}

/** Teardown and the accounting checks: retired == freed (leaky: swept by domain_free), and the
 * process's live node count back where it started. */
static void fixture_close(fixture *f, uint64_t expect_retired)
{
    pm_live_stats ls;
    pm_live_stats_get(f->lm, &ls);
    pm_live_free(f->lm);
    pm_sync_barrier(f->d, NULL);
    pm_sync_stats s;
    pm_sync_stats_get(f->d, &s);
    assert_int_equal(s.retired, expect_retired);
    assert_int_equal(ls.commits, expect_retired);
    if (!(f->be->flags & PM_SYNC_F_NEVER_FREES)) {
        assert_int_equal(s.freed, s.retired);
        assert_int_equal(s.pending, 0);
    }
    pm_sync_domain_free(f->d);
    pm_mem_stats m;
    pm_mem_stats_get(&m);
    assert_int_equal(m.live_nodes, f->mem0.live_nodes);
    assert_int_equal(m.live_bytes, f->mem0.live_bytes);
}

/* ---- the snapshot-isolation oracle ------------------------------------------------------------
 */

typedef struct oracle {
    fixture f;
    sync_gate gate;
    _Atomic(uint64_t) committed[WRITERS];
    _Atomic(uint64_t) torn, stale, unstable, regressed, snap_bad, errors;
} oracle;

typedef struct worker {
    oracle *o;
    int id;
} worker;

static void *writer_main(void *arg)
{
    worker *wk = arg;
    oracle *o = wk->o;
    uint8_t path[4];
    size_t plen = wpath(wk->id, path);
    pm_sync_thread *t;
    if (pm_sync_register(o->f.d, &t) != PM_OK) {
        atomic_fetch_add(&o->errors, 1);
        return NULL;
    }
    gate_arrive_and_wait(&o->gate);
    for (uint64_t i = 1; i <= COMMITS; i++) {
        pm_live_txn *tx;
        if (i % 10 == 0) { /* an aborted transaction must never be seen */
            if (pm_live_txn_begin(o->f.lm, t, path, plen, &tx) != PM_OK ||
                write_commit(pm_live_txn_map(tx), wk->id, ABORT_MARK, false) != PM_OK) {
                atomic_fetch_add(&o->errors, 1);
                break;
            }
            pm_live_txn_abort(tx);
        }
        if (pm_live_txn_begin(o->f.lm, t, path, plen, &tx) != PM_OK ||
            write_commit(pm_live_txn_map(tx), wk->id, i, false) != PM_OK ||
            pm_live_txn_commit(tx) != PM_OK) {
            atomic_fetch_add(&o->errors, 1);
            break;
        }
        atomic_store_explicit(&o->committed[wk->id], i, memory_order_release);
        pm_sync_quiescent(t);
    }
    pm_sync_unregister(t);
    return NULL;
}

static void check_version(oracle *o, const pm_map *m, int64_t *seen)
{
    for (int w = 0; w < WRITERS; w++) {
        seen[w] = check_writer(m, w);
        if (seen[w] < 0)
            atomic_fetch_add(&o->torn, 1);
    }
}

static void *reader_main(void *arg)
{
    worker *wk = arg;
    oracle *o = wk->o;
    pm_sync_thread *t;
    if (pm_sync_register(o->f.d, &t) != PM_OK) {
        atomic_fetch_add(&o->errors, 1);
        return NULL;
    }
    gate_arrive_and_wait(&o->gate);
    int64_t last[WRITERS] = {0};
    for (int r = 0; r < READS; r++) {
        uint64_t floor[WRITERS];
        for (int w = 0; w < WRITERS; w++) /* commits that returned before this read started */
            floor[w] = atomic_load_explicit(&o->committed[w], memory_order_acquire);
        int64_t a[WRITERS], b[WRITERS];
        const pm_map *m = pm_live_read_begin(o->f.lm, t);
        check_version(o, m, a);
        sched_yield();          /* let writers commit in between */
        check_version(o, m, b); /* stability: the same section sees the same version */
        pm_live_read_end(o->f.lm, t);
        pm_sync_quiescent(t);
        for (int w = 0; w < WRITERS; w++) {
            if (a[w] != b[w])
                atomic_fetch_add(&o->unstable, 1);
            if (a[w] >= 0 && (uint64_t)a[w] < floor[w])
                atomic_fetch_add(&o->stale, 1); /* visibility */
            if (a[w] < last[w])
                atomic_fetch_add(&o->regressed, 1);
            last[w] = a[w];
        }
        if (r % 8 == 0) { /* a snapshot, checked outside any read section */
            pm_map *snap;
            if (pm_live_snapshot(o->f.lm, t, &snap) != PM_OK) {
                atomic_fetch_add(&o->errors, 1);
                break;
            }
            int64_t s[WRITERS];
            for (int w = 0; w < WRITERS; w++) {
                s[w] = check_writer(snap, w);
                if (s[w] < 0 || s[w] < last[w])
                    atomic_fetch_add(&o->snap_bad, 1);
            }
            pm_map_free(snap);
        }
    }
    pm_sync_unregister(t);
    return NULL;
}

/** The final map must equal the sequential replay of every writer's commits. */
static void assert_replay(pm_live *lm, pm_sync_domain *d)
{
    pm_map *ref;
    assert_int_equal(pm_map_new(NULL, &ref), PM_OK);
    for (int w = 0; w < WRITERS; w++)
        for (uint64_t i = 1; i <= COMMITS; i++)
            assert_int_equal(write_commit(ref, w, i, true), PM_OK);
    pm_sync_thread *t;
    assert_int_equal(pm_sync_register(d, &t), PM_OK);
    pm_map *fin;
    assert_int_equal(pm_live_snapshot(lm, t, &fin), PM_OK);
    pm_sync_quiescent(t);
    pm_sync_unregister(t);
    size_t n1, n2;
    assert_int_equal(pm_map_len(fin, &n1), PM_OK);
    assert_int_equal(pm_map_len(ref, &n2), PM_OK);
    assert_int_equal(n1, n2);
    assert_int_equal(n1, (size_t)WRITERS * (NKEYS + 2 + COMMITS));
    pm_iter *it;
    assert_int_equal(pm_iter_new(ref, NULL, 0, &it), PM_OK);
    const uint8_t *k;
    size_t kl;
    uint64_t v, got;
    while (pm_iter_next(it, &k, &kl, &v) == PM_OK) {
        assert_int_equal(pm_map_get(fin, k, kl, &got), PM_OK);
        assert_int_equal(got, v);
    }
    pm_iter_free(it);
    assert_int_equal(pm_debug_validate(fin), PM_OK);
    pm_map_free(fin);
    pm_map_free(ref);
}

static void test_oracle(void **state)
{
    oracle *o = calloc(1, sizeof *o);
    assert_non_null(o);
    fixture_open(&o->f, *state);
    pthread_t th[WRITERS + READERS];
    worker wk[WRITERS + READERS];
    int n = 0;
    for (int w = 0; w < WRITERS; w++, n++) {
        wk[n] = (worker){o, w};
        assert_int_equal(pthread_create(&th[n], NULL, writer_main, &wk[n]), 0);
    }
    for (int r = 0; r < READERS; r++, n++) {
        wk[n] = (worker){o, r};
        assert_int_equal(pthread_create(&th[n], NULL, reader_main, &wk[n]), 0);
    }
    gate_release_when(&o->gate, n);
    for (int i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(atomic_load(&o->errors), 0);
    assert_int_equal(atomic_load(&o->torn), 0);
    assert_int_equal(atomic_load(&o->unstable), 0);
    assert_int_equal(atomic_load(&o->stale), 0);
    assert_int_equal(atomic_load(&o->regressed), 0);
    assert_int_equal(atomic_load(&o->snap_bad), 0);
    assert_replay(o->f.lm, o->f.d);
    fixture_close(&o->f, (uint64_t)WRITERS * COMMITS);
    free(o);
}

/* ---- conflicts ----------------------------------------------------------------------------------
 */

static pm_status begin(fixture *f, pm_sync_thread *t, const char *path, pm_live_txn **tx)
{
    return pm_live_txn_begin(f->lm, t, (const uint8_t *)path, strlen(path), tx);
}

static void test_conflicts(void **state)
{
    fixture f;
    fixture_open(&f, *state);
    pm_sync_thread *t;
    assert_int_equal(pm_sync_register(f.d, &t), PM_OK);
    pm_live_txn *ab, *ac, *b, *x = NULL;
    assert_int_equal(begin(&f, t, "a/b", &ab), PM_OK);
    assert_int_equal(begin(&f, t, "a/b", &x), PM_ECONFLICT);   /* equal */
    assert_int_equal(begin(&f, t, "a", &x), PM_ECONFLICT);     /* a prefix of it */
    assert_int_equal(begin(&f, t, "a/b/c", &x), PM_ECONFLICT); /* it is a prefix */
    assert_int_equal(begin(&f, t, "", &x), PM_ECONFLICT);      /* empty */
    assert_null(x);
    assert_int_equal(begin(&f, t, "a/c", &ac), PM_OK);
    assert_int_equal(begin(&f, t, "b", &b), PM_OK);
    assert_int_equal(begin(&f, t, "a/", &x), PM_ECONFLICT);
    pm_live_txn_abort(ab);
    assert_int_equal(begin(&f, t, "a", &x), PM_ECONFLICT); /* a/c is still open */
    assert_int_equal(begin(&f, t, "a/b/c", &ab), PM_OK);   /* a/b is closed */
    assert_int_equal(pm_map_set(pm_live_txn_map(ac), (const uint8_t *)"x", 1, 1, NULL, NULL),
                     PM_OK);
    assert_int_equal(pm_live_txn_commit(ac), PM_OK);
    pm_live_txn_abort(ab);
    pm_live_txn_abort(b);
    assert_int_equal(begin(&f, t, "", &x), PM_OK); /* nothing open: the whole map */
    uint64_t v;
    assert_int_equal(pm_map_get(pm_live_txn_map(x), (const uint8_t *)"a/cx", 4, &v), PM_OK);
    assert_int_equal(v, 1);
    pm_live_txn_abort(x);
    pm_live_stats ls;
    pm_live_stats_get(f.lm, &ls);
    assert_int_equal(ls.conflicts, 6);
    assert_int_equal(ls.aborts, 4);
    assert_int_equal(pm_live_get(f.lm, t, (const uint8_t *)"a/cx", 4, &v), PM_OK);
    assert_int_equal(pm_live_get(f.lm, t, (const uint8_t *)"a/b", 3, &v), PM_ENOTFOUND);
    pm_sync_quiescent(t);
    pm_sync_unregister(t);
    fixture_close(&f, 1);
}

/* ---- fault injection: a failed begin or commit changes nothing ----------------------------------
 */

static void test_enomem(void **state)
{
    fixture f;
    fixture_open(&f, *state);
    pm_sync_thread *t;
    assert_int_equal(pm_sync_register(f.d, &t), PM_OK);
    uint8_t path[4];
    size_t plen = wpath(0, path);
    uint64_t commits = 0;
    for (uint64_t round = 1; round <= 3; round++) {
        pm_live_txn *tx = NULL;
        pm_status st;
        uint64_t k = 1;
        for (;; k++) { /* begin: fail the k-th allocation until it succeeds */
            pm_debug_fail_alloc_at(k);
            st = pm_live_txn_begin(f.lm, t, path, plen, &tx);
            pm_debug_fail_alloc_at(0);
            if (st == PM_OK)
                break;
            assert_int_equal(st, PM_ENOMEM);
            assert_true(k < 64);
        }
        assert_int_equal(write_commit(pm_live_txn_map(tx), 0, round, false), PM_OK);
        int failures = 0;
        for (k = 1;; k++) { /* commit: the same */
            pm_debug_fail_alloc_at(k);
            st = pm_live_txn_commit(tx);
            pm_debug_fail_alloc_at(0);
            if (st == PM_OK)
                break;
            failures++;
            assert_int_equal(st, PM_ENOMEM);
            assert_true(k < 256);
            /* unchanged: the previous round's commit is what readers see */
            const pm_map *m = pm_live_read_begin(f.lm, t);
            int64_t seen = check_writer(m, 0);
            pm_live_read_end(f.lm, t);
            pm_sync_quiescent(t);
            assert_int_equal(seen, (int64_t)round - 1);
        }
        assert_true(failures >= 1); /* the hook did reach the commit path */
        commits++;
        const pm_map *m = pm_live_read_begin(f.lm, t);
        int64_t seen = check_writer(m, 0);
        pm_live_read_end(f.lm, t);
        pm_sync_quiescent(t);
        assert_int_equal(seen, (int64_t)round);
    }
    pm_sync_unregister(t);
    fixture_close(&f, commits);
}

/* ---- the stalled reader (an accounting test) ---------------------------------------------------
 */

enum { STALL_COMMITS = 100 };

typedef struct stall {
    fixture f;
    _Atomic(int) inside, check, checked, leave;
    _Atomic(int64_t) first, again;
} stall;

static void *stall_reader(void *arg)
{
    stall *s = arg;
    pm_sync_thread *t;
    if (pm_sync_register(s->f.d, &t) != PM_OK)
        return (void *)1;
    const pm_map *m = pm_live_read_begin(s->f.lm, t);
    atomic_store(&s->first, check_writer(m, 0));
    atomic_store(&s->inside, 1);
    while (!atomic_load(&s->check))
        sched_yield();
    atomic_store(&s->again, check_writer(m, 0)); /* our version survived every commit */
    atomic_store(&s->checked, 1);
    while (!atomic_load(&s->leave))
        sched_yield();
    pm_live_read_end(s->f.lm, t);
    pm_sync_quiescent(t);
    pm_sync_unregister(t);
    return NULL;
}

static void stall_commit(stall *s, pm_sync_thread *w, uint64_t i)
{
    uint8_t path[4];
    size_t plen = wpath(0, path);
    pm_live_txn *tx;
    assert_int_equal(pm_live_txn_begin(s->f.lm, w, path, plen, &tx), PM_OK);
    assert_int_equal(write_commit(pm_live_txn_map(tx), 0, i, false), PM_OK);
    assert_int_equal(pm_live_txn_commit(tx), PM_OK);
    pm_sync_quiescent(w);
}

static void test_stalled_reader(void **state)
{
    const pm_sync_backend *be = *state;
    if (be->flags & PM_SYNC_F_EXCLUSIVE)
        skip(); /* rwlock: a reader in its section blocks every commit */
    stall *s = calloc(1, sizeof *s);
    assert_non_null(s);
    fixture_open(&s->f, be);
    pm_sync_thread *w;
    assert_int_equal(pm_sync_register(s->f.d, &w), PM_OK);
    stall_commit(s, w, 1);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, stall_reader, s), 0);
    while (!atomic_load(&s->inside))
        sched_yield();
    pm_sync_stats st0, st;
    pm_sync_stats_get(s->f.d, &st0);
    for (uint64_t i = 2; i <= STALL_COMMITS + 1; i++)
        stall_commit(s, w, i);
    atomic_store(&s->check, 1);
    while (!atomic_load(&s->checked))
        sched_yield();
    assert_int_equal(atomic_load(&s->first), 1);
    assert_int_equal(atomic_load(&s->again), 1);
    pm_sync_stats_get(s->f.d, &st);
    assert_int_equal(st.retired - st0.retired, STALL_COMMITS);
    if (be->flags & (PM_SYNC_F_DEFERRED | PM_SYNC_F_NEVER_FREES))
        assert_true(st.pending >= STALL_COMMITS); /* grows with the commits */
    else if (be == &pm_sync_backend_refcount)
        assert_true(st.pending <= 1); /* only the pinned version */
    else
        assert_true(st.pending <= 32 && st.peak_pending <= 32); /* hp: hazard + scan threshold */
    atomic_store(&s->leave, 1);
    pthread_join(th, NULL);
    pm_sync_barrier(s->f.d, w);
    pm_sync_stats_get(s->f.d, &st);
    if (!(be->flags & PM_SYNC_F_NEVER_FREES))
        assert_int_equal(st.pending, 0);
    pm_sync_unregister(w);
    fixture_close(&s->f, STALL_COMMITS + 1);
    free(s);
}

/* ---- inlined lookups and the table agree ----------------------------------------------------- */

#define GET_ROW(id, name) {&pm_sync_backend_##id, pm_live_get_##id},
typedef pm_status (*inline_get_fn)(pm_sync_thread *, pm_sync_cell *, const uint8_t *, size_t,
                                   uint64_t *);
static const struct {
    const pm_sync_backend *be;
    inline_get_fn get;
} get_table[] = {PM_SYNC_BACKENDS(GET_ROW)};

static void test_inline_get(void **state)
{
    const pm_sync_backend *be = *state;
    fixture f;
    fixture_open(&f, be);
    pm_sync_thread *t;
    assert_int_equal(pm_sync_register(f.d, &t), PM_OK);
    pm_live_txn *tx;
    assert_int_equal(pm_live_txn_begin(f.lm, t, (const uint8_t *)"x", 1, &tx), PM_OK);
    assert_int_equal(pm_map_set(pm_live_txn_map(tx), (const uint8_t *)"yz", 2, 42, NULL, NULL),
                     PM_OK);
    assert_int_equal(pm_live_txn_commit(tx), PM_OK);
    inline_get_fn get = NULL;
    for (size_t i = 0; i < PM_SYNC_NBACKENDS; i++)
        if (get_table[i].be == be)
            get = get_table[i].get;
    assert_non_null(get);
    uint64_t v = 0;
    assert_int_equal(get(t, pm_live_cell(f.lm), (const uint8_t *)"xyz", 3, &v), PM_OK);
    assert_int_equal(v, 42);
    pm_sync_quiescent(t);
    assert_int_equal(get(t, pm_live_cell(f.lm), (const uint8_t *)"xy", 2, &v), PM_ENOTFOUND);
    pm_sync_quiescent(t);
    pm_sync_unregister(t);
    fixture_close(&f, 1);
}

#define ALL_BACKENDS(fn)                                                                           \
    SYNC_TEST_FOR(fn, urcu_memb, "urcu-memb")                                                      \
    SYNC_TEST_FOR(fn, urcu_qsbr, "urcu-qsbr")                                                      \
    SYNC_TEST_FOR(fn, urcu_bp, "urcu-bp")                                                          \
    SYNC_TEST_FOR(fn, epoch, "epoch")                                                              \
    SYNC_TEST_FOR(fn, refcount, "refcount")                                                        \
    SYNC_TEST_FOR(fn, hp, "hp")                                                                    \
    SYNC_TEST_FOR(fn, rwlock, "rwlock")                                                            \
    SYNC_TEST_FOR(fn, leaky, "leaky")                                                              \
    SYNC_TEST_FOR(fn, debra, "debra")                                                              \
    SYNC_TEST_FOR(fn, ibr, "ibr")                                                                  \
    SYNC_TEST_FOR(fn, he, "he")                                                                    \
    SYNC_TEST_FOR(fn, hyaline, "hyaline")

#define LIVE_TESTS(X)                                                                              \
    X(test_inline_get)                                                                             \
    X(test_conflicts)                                                                              \
    X(test_enomem)                                                                                 \
    X(test_stalled_reader)                                                                         \
    X(test_oracle)

int main(void)
{
    sync_test_watchdog(280);
    const struct CMUnitTest tests[] = {LIVE_TESTS(ALL_BACKENDS)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
