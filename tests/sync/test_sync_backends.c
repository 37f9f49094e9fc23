/* tests/sync/test_sync_backends.c — every backend on dummy objects (no core needed): lookup by
 * name, retire/barrier accounting, a cell under concurrent updates with an invariant oracle (read
 * through the inlined read side, the table's three calls and its fused read_begin), and
 * the stalled-reader accounting test. Each test runs once per backend. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdatomic.h>

#include "sync_test_util.h"

/* ---- dummy objects ----------------------------------------------------------------------------
 */

#define DOBJ_LIVE 0x11FE11FE11FE11FEull
#define DOBJ_DEAD 0xDEADDEADDEADDEADull
#define DOBJ_SUM  1000000ull

typedef struct dobj {
    uint64_t a, b; /* invariant: a + b == DOBJ_SUM */
    uint64_t magic;
} dobj;

static _Atomic(uint64_t) g_allocs, g_frees;

static dobj *dobj_new(uint64_t a)
{
    dobj *o = malloc(sizeof *o);
    assert_non_null(o);
    o->a = a;
    o->b = DOBJ_SUM - a;
    o->magic = DOBJ_LIVE;
    atomic_fetch_add(&g_allocs, 1);
    return o;
}

static void dobj_free(void *obj, void *ctx)
{
    (void)ctx;
    dobj *o = obj;
    o->magic = DOBJ_DEAD;
    free(o);
    atomic_fetch_add(&g_frees, 1);
}

static pm_status dobj_next(void *arg, void *cur, void **next)
{
    (void)arg;
    const dobj *c = cur;
    if (c->magic != DOBJ_LIVE)
        return PM_EINVAL; /* would be a use-after-free: fail loudly */
    dobj *n = malloc(sizeof *n);
    if (n == NULL)
        return PM_ENOMEM;
    n->a = c->a + 1;
    n->b = c->b - 1;
    n->magic = DOBJ_LIVE;
    atomic_fetch_add(&g_allocs, 1);
    *next = n;
    return PM_OK;
}

static int dobj_bad(const dobj *o)
{
    /* read twice: a read section must see one stable object */
    uint64_t a1 = o->a, b1 = o->b, m1 = o->magic;
    uint64_t a2 = o->a, b2 = o->b, m2 = o->magic;
    return m1 != DOBJ_LIVE || m2 != DOBJ_LIVE || a1 + b1 != DOBJ_SUM || a1 != a2 || b1 != b2;
}

/* ---- lookup ------------------------------------------------------------------------------------
 */

static void test_lookup(void **state)
{
    (void)state;
    assert_int_equal(PM_SYNC_NBACKENDS, 12);
    const char *names[] = {"urcu-memb", "urcu-qsbr", "urcu-bp", "epoch", "refcount", "hp",
                           "rwlock",    "leaky",     "debra",   "ibr",   "he",       "hyaline"};
    for (size_t i = 0; i < 12; i++) {
        const pm_sync_backend *be = pm_sync_backend_by_name(names[i]);
        assert_non_null(be);
        assert_string_equal(be->name, names[i]);
        assert_ptr_equal(pm_sync_backends[i], be);
        assert_non_null(sync_inline_for(be));
    }
    assert_null(pm_sync_backend_by_name("rcu"));
    assert_null(pm_sync_backend_by_name(""));
    assert_null(pm_sync_backend_by_name(NULL));
    assert_ptr_equal(pm_sync_backend_by_name("epoch"), &pm_sync_backend_epoch);
}

/* ---- retire / barrier accounting ---------------------------------------------------------------
 */

static void test_retire_barrier(void **state)
{
    const pm_sync_backend *be = *state;
    uint64_t a0 = atomic_load(&g_allocs), f0 = atomic_load(&g_frees);
    pm_sync_domain *d;
    assert_int_equal(pm_sync_domain_new(be, &d), PM_OK);
    pm_sync_thread *t;
    assert_int_equal(pm_sync_register(d, &t), PM_OK);
    enum { N = 100 };
    for (int i = 0; i < N; i++) {
        assert_int_equal(pm_sync_retire(t, dobj_new((uint64_t)i), dobj_free, NULL), PM_OK);
        pm_sync_quiescent(t);
    }
    pm_sync_barrier(d, t); /* the caller's own retirements */
    pm_sync_stats s;
    pm_sync_stats_get(d, &s);
    assert_int_equal(s.retired, N);
    if (be->flags & PM_SYNC_F_NEVER_FREES) {
        assert_int_equal(s.freed, 0);
        assert_int_equal(s.pending, N);
    } else {
        assert_int_equal(s.freed, N);
        assert_int_equal(s.pending, 0);
    }
    assert_true(s.peak_pending >= 1 && s.peak_pending <= N);
    pm_sync_unregister(t);
    pm_sync_domain_free(d); /* leaky: the teardown sweep */
    assert_int_equal(atomic_load(&g_allocs) - a0, N);
    assert_int_equal(atomic_load(&g_frees) - f0, N);
}

/* Retirements by a thread that then unregisters are freed by a barrier from an unregistered
 * caller (the teardown path). */
static void *retire_and_leave(void *arg)
{
    pm_sync_domain *d = arg;
    pm_sync_thread *t;
    if (pm_sync_register(d, &t) != PM_OK)
        return (void *)1;
    for (int i = 0; i < 50; i++) {
        if (pm_sync_retire(t, dobj_new((uint64_t)i), dobj_free, NULL) != PM_OK)
            return (void *)1;
    }
    pm_sync_unregister(t);
    return NULL;
}

static void test_barrier_after_unregister(void **state)
{
    const pm_sync_backend *be = *state;
    pm_sync_domain *d;
    assert_int_equal(pm_sync_domain_new(be, &d), PM_OK);
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, retire_and_leave, d), 0);
    for (int i = 0; i < 2; i++) {
        void *rv;
        pthread_join(th[i], &rv);
        assert_null(rv);
    }
    pm_sync_barrier(d, NULL);
    pm_sync_stats s;
    pm_sync_stats_get(d, &s);
    assert_int_equal(s.retired, 100);
    if (!(be->flags & PM_SYNC_F_NEVER_FREES))
        assert_int_equal(s.freed, 100);
    pm_sync_domain_free(d);
}

/* ---- a cell under concurrent updates: the oracle ------------------------------------------------
 */

enum { ORACLE_WRITERS = 2, ORACLE_READERS = 2, ORACLE_UPDATES = 3000, ORACLE_READS = 12000 };

typedef struct oracle {
    const pm_sync_backend *be;
    pm_sync_domain *d;
    pm_sync_cell cell;
    sync_gate gate;
    _Atomic(uint64_t) violations;
    _Atomic(uint64_t) regressions;
} oracle;

static void *oracle_writer(void *arg)
{
    oracle *o = arg;
    pm_sync_thread *t;
    if (pm_sync_register(o->d, &t) != PM_OK)
        return (void *)1;
    gate_arrive_and_wait(&o->gate);
    void *rv = NULL;
    for (int i = 0; i < ORACLE_UPDATES; i++) {
        if (pm_sync_update(t, &o->cell, dobj_next, NULL) != PM_OK) {
            rv = (void *)1;
            break;
        }
        pm_sync_quiescent(t);
    }
    pm_sync_unregister(t);
    return rv;
}

static void *oracle_reader(void *arg)
{
    oracle *o = arg;
    const sync_inline_ops *in = sync_inline_for(o->be);
    pm_sync_thread *t;
    if (pm_sync_register(o->d, &t) != PM_OK)
        return (void *)1;
    gate_arrive_and_wait(&o->gate);
    uint64_t last = 0;
    for (int i = 0; i < ORACLE_READS; i++) {
        const dobj *ob;
        if (i % 3 == 2) { /* through the table's fused op: read_begin = enter + deref */
            ob = pm_sync_read_begin(t, &o->cell);
            if (dobj_bad(ob))
                atomic_fetch_add(&o->violations, 1);
            uint64_t a = ob->a;
            pm_sync_read_exit(t);
            pm_sync_quiescent(t);
            if (a < last)
                atomic_fetch_add(&o->regressions, 1);
            last = a;
        } else if (i & 1) { /* inlined read side */
            ob = in->enter_deref(t, &o->cell);
            if (dobj_bad(ob))
                atomic_fetch_add(&o->violations, 1);
            uint64_t a = ob->a;
            in->exit(t);
            if (a < last) /* versions only move forward */
                atomic_fetch_add(&o->regressions, 1);
            last = a;
        } else { /* through the table */
            pm_sync_read_enter(t);
            ob = pm_sync_deref(t, &o->cell);
            if (dobj_bad(ob))
                atomic_fetch_add(&o->violations, 1);
            uint64_t a = ob->a;
            pm_sync_read_exit(t);
            pm_sync_quiescent(t);
            if (a < last)
                atomic_fetch_add(&o->regressions, 1);
            last = a;
        }
    }
    pm_sync_unregister(t);
    return NULL;
}

static void test_cell_oracle(void **state)
{
    const pm_sync_backend *be = *state;
    uint64_t a0 = atomic_load(&g_allocs), f0 = atomic_load(&g_frees);
    oracle o = {.be = be};
    assert_int_equal(pm_sync_domain_new(be, &o.d), PM_OK);
    assert_int_equal(pm_sync_cell_init(o.d, &o.cell, dobj_new(0), dobj_free, NULL), PM_OK);
    pthread_t th[ORACLE_WRITERS + ORACLE_READERS];
    int n = 0;
    for (int i = 0; i < ORACLE_WRITERS; i++)
        assert_int_equal(pthread_create(&th[n++], NULL, oracle_writer, &o), 0);
    for (int i = 0; i < ORACLE_READERS; i++)
        assert_int_equal(pthread_create(&th[n++], NULL, oracle_reader, &o), 0);
    gate_release_when(&o.gate, n);
    for (int i = 0; i < n; i++) {
        void *rv;
        pthread_join(th[i], &rv);
        assert_null(rv);
    }
    assert_int_equal(atomic_load(&o.violations), 0);
    assert_int_equal(atomic_load(&o.regressions), 0);

    /* no lost update: every CAS that succeeded built on the version it replaced */
    pm_sync_thread *t;
    assert_int_equal(pm_sync_register(o.d, &t), PM_OK);
    pm_sync_read_enter(t);
    const dobj *fin = pm_sync_deref(t, &o.cell);
    assert_int_equal(fin->a, (uint64_t)ORACLE_WRITERS * ORACLE_UPDATES);
    pm_sync_read_exit(t);
    pm_sync_quiescent(t);
    pm_sync_unregister(t);

    pm_sync_barrier(o.d, NULL);
    pm_sync_stats s;
    pm_sync_stats_get(o.d, &s);
    assert_int_equal(s.retired, (uint64_t)ORACLE_WRITERS * ORACLE_UPDATES);
    if (!(be->flags & PM_SYNC_F_NEVER_FREES)) {
        assert_int_equal(s.freed, s.retired);
        assert_int_equal(s.pending, 0);
    }
    pm_sync_cell_fini(o.d, &o.cell);
    pm_sync_domain_free(o.d);
    assert_int_equal(atomic_load(&g_allocs) - a0, atomic_load(&g_frees) - f0);
}

/* ---- stalled reader: an accounting test -------------------------------------------------------
 */

enum { STALL_UPDATES = 200 };

typedef struct stall {
    pm_sync_domain *d;
    pm_sync_cell cell;
    _Atomic(int) inside, check, checked, leave, left;
    _Atomic(int) bad;
} stall;

static void *stall_reader(void *arg)
{
    stall *s = arg;
    pm_sync_thread *t;
    if (pm_sync_register(s->d, &t) != PM_OK)
        return (void *)1;
    pm_sync_read_enter(t);
    const dobj *o = pm_sync_deref(t, &s->cell);
    atomic_store(&s->inside, 1);
    while (!atomic_load(&s->check))
        sched_yield();
    if (dobj_bad(o)) /* after all the updates, the version we hold is still intact */
        atomic_store(&s->bad, 1);
    atomic_store(&s->checked, 1);
    while (!atomic_load(&s->leave))
        sched_yield();
    pm_sync_read_exit(t);
    pm_sync_quiescent(t);
    pm_sync_unregister(t);
    atomic_store(&s->left, 1);
    return NULL;
}

static void test_stalled_reader(void **state)
{
    const pm_sync_backend *be = *state;
    if (be->flags & PM_SYNC_F_EXCLUSIVE)
        skip(); /* rwlock: a stalled reader blocks every writer; nothing is ever pending */
    stall s = {0};
    assert_int_equal(pm_sync_domain_new(be, &s.d), PM_OK);
    assert_int_equal(pm_sync_cell_init(s.d, &s.cell, dobj_new(0), dobj_free, NULL), PM_OK);
    pm_sync_thread *w;
    assert_int_equal(pm_sync_register(s.d, &w), PM_OK);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, stall_reader, &s), 0);
    while (!atomic_load(&s.inside))
        sched_yield();

    for (int i = 0; i < STALL_UPDATES; i++) {
        assert_int_equal(pm_sync_update(w, &s.cell, dobj_next, NULL), PM_OK);
        pm_sync_quiescent(w);
    }
    atomic_store(&s.check, 1);
    while (!atomic_load(&s.checked))
        sched_yield();
    assert_int_equal(atomic_load(&s.bad), 0);
    pm_sync_stats st;
    pm_sync_stats_get(s.d, &st);
    assert_int_equal(st.retired, STALL_UPDATES);
    if (be->flags & (PM_SYNC_F_DEFERRED | PM_SYNC_F_NEVER_FREES)) {
        /* nothing retired while a reader sits in a section can be freed */
        assert_true(st.pending >= STALL_UPDATES);
    } else if (be == &pm_sync_backend_refcount) {
        assert_true(st.pending <= 1); /* only the pinned version */
    } else {
        assert_true(be->flags & PM_SYNC_F_BOUNDED); /* hp: the hazard + the scan threshold */
        assert_true(st.pending <= 32);
        assert_true(st.peak_pending <= 32);
    }

    atomic_store(&s.leave, 1);
    pthread_join(th, NULL);
    pm_sync_barrier(s.d, w);
    pm_sync_stats_get(s.d, &st);
    if (!(be->flags & PM_SYNC_F_NEVER_FREES))
        assert_int_equal(st.pending, 0);
    pm_sync_unregister(w);
    pm_sync_cell_fini(s.d, &s.cell);
    pm_sync_domain_free(s.d);
}

/* ---- build failures leave the cell unchanged ------------------------------------------------- */

static pm_status build_fails(void *arg, void *cur, void **next)
{
    (void)arg;
    (void)cur;
    (void)next;
    return PM_ENOMEM;
}

static pm_status build_same(void *arg, void *cur, void **next)
{
    (void)arg;
    *next = cur;
    return PM_OK;
}

static void test_update_errors(void **state)
{
    const pm_sync_backend *be = *state;
    pm_sync_domain *d;
    pm_sync_cell c;
    assert_int_equal(pm_sync_domain_new(be, &d), PM_OK);
    dobj *first = dobj_new(7);
    assert_int_equal(pm_sync_cell_init(d, &c, first, dobj_free, NULL), PM_OK);
    pm_sync_thread *t;
    assert_int_equal(pm_sync_register(d, &t), PM_OK);
    assert_int_equal(pm_sync_update(t, &c, build_fails, NULL), PM_ENOMEM);
    assert_int_equal(pm_sync_update(t, &c, build_same, NULL), PM_OK);
    assert_int_equal(pm_sync_update(NULL, &c, build_same, NULL), PM_EINVAL);
    pm_sync_read_enter(t);
    assert_ptr_equal(pm_sync_deref(t, &c), first);
    pm_sync_read_exit(t);
    pm_sync_quiescent(t);
    pm_sync_stats s;
    pm_sync_stats_get(d, &s);
    assert_int_equal(s.retired, 0);
    pm_sync_unregister(t);
    pm_sync_cell_fini(d, &c);
    pm_sync_domain_free(d);
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

#define BACKEND_TESTS(X)                                                                           \
    X(test_retire_barrier)                                                                         \
    X(test_barrier_after_unregister)                                                               \
    X(test_update_errors)                                                                          \
    X(test_cell_oracle)                                                                            \
    X(test_stalled_reader)

int main(void)
{
    sync_test_watchdog(240);
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_lookup), BACKEND_TESTS(ALL_BACKENDS)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
