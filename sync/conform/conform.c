/* sync/conform/conform.c — the conformance suite (pmsync/conform.h).
 *
 * Test objects come from a pool owned by the check: "freeing" one marks it dead (an atomic
 * store, so that a premature free is a finding of the check, never a data race or a crash under
 * the sanitizers) and counts the free on the object; the pool's memory is released after the
 * domain is gone. Every object must end up freed exactly once. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pmsync/all.h"
#include "pmsync/conform.h"

#define OBJ_LIVE 0x11FE11FE11FE11FEull
#define OBJ_DEAD 0xDEADDEADDEADDEADull
#define OBJ_SUM  1000000000ull

const char *const pm_sync_conform_checks[] = {
    "table", "accounting", "barrier", "oracle", "stall-1", "stall-4", "exit", "threads-64", NULL};

/* ---- objects -------------------------------------------------------------------------------- */

typedef struct cobj {
    uint64_t a, b;           /* a + b == OBJ_SUM; a is the version number */
    _Atomic(uint64_t) magic; /* OBJ_LIVE until freed */
    _Atomic(unsigned) frees; /* how often the backend freed it */
} cobj;

typedef struct pool {
    cobj *objs;
    size_t cap;
    _Atomic(size_t) used;
} pool;

static int pool_init(pool *p, size_t cap)
{
    p->objs = calloc(cap, sizeof *p->objs);
    p->cap = cap;
    atomic_init(&p->used, 0);
    return p->objs ? 0 : -1;
}

static cobj *obj_new(pool *p, uint64_t a)
{
    size_t i = atomic_fetch_add_explicit(&p->used, 1, memory_order_relaxed);
    if (i >= p->cap)
        return NULL;
    cobj *o = &p->objs[i];
    o->a = a;
    o->b = OBJ_SUM - a;
    atomic_store_explicit(&o->magic, OBJ_LIVE, memory_order_relaxed);
    return o; /* published by the backend's release (cell update) or never read by a reader */
}

static void obj_free(void *obj, void *ctx)
{
    (void)ctx;
    cobj *o = obj;
    atomic_store_explicit(&o->magic, OBJ_DEAD, memory_order_relaxed);
    atomic_fetch_add_explicit(&o->frees, 1, memory_order_relaxed);
}

static int obj_bad(const cobj *o)
{
    /* read twice: one read section sees one stable, live object */
    uint64_t m1 = atomic_load_explicit(&((cobj *)o)->magic, memory_order_relaxed);
    uint64_t a1 = o->a, b1 = o->b, a2 = o->a, b2 = o->b;
    uint64_t m2 = atomic_load_explicit(&((cobj *)o)->magic, memory_order_relaxed);
    if (m1 != OBJ_LIVE || m2 != OBJ_LIVE)
        return 1; /* freed */
    if (a1 + b1 != OBJ_SUM)
        return 2; /* torn */
    if (a1 != a2 || b1 != b2)
        return 3; /* unstable */
    return 0;
}

static pm_status obj_next(void *arg, void *cur, void **next)
{
    pool *p = arg;
    const cobj *c = cur;
    if (atomic_load_explicit(&((cobj *)c)->magic, memory_order_relaxed) != OBJ_LIVE)
        return PM_EINVAL; /* the writer's own protected object was freed */
    cobj *n = obj_new(p, c->a + 1);
    if (n == NULL)
        return PM_ENOMEM;
    *next = n;
    return PM_OK;
}

/* ---- the run's context ------------------------------------------------------------------------
 */

typedef struct run {
    const pm_sync_backend *be;
    const pm_sync_conform_opts *o;
    char *first;
    size_t firstlen;
    int failed;        /* checks failed */
    const char *check; /* the current check */
    int check_failed;
    _Atomic(int) done; /* watchdog: the current check finished */
} run;

static void fail(run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(run *r, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (r->check_failed++ == 0)
        r->failed++;
    if (r->o && r->o->log) {
        fprintf(r->o->log, "conform %s: FAIL %s: %s\n", r->be->name, r->check, msg);
        fflush(r->o->log);
    }
    if (r->first && r->firstlen && r->first[0] == 0)
        snprintf(r->first, r->firstlen, "%s: %s", r->check, msg);
}

/* ---- the inline read side of the listed backends (the table's for any other) -------------- */

typedef void *(*enter_deref_fn)(pm_sync_thread *t, pm_sync_cell *c);
typedef void (*exit_fn)(pm_sync_thread *t);
#define CONF_INLINE(id, name)                                                                      \
    static void *conf_enter_deref_##id(pm_sync_thread *t, pm_sync_cell *c)                         \
    {                                                                                              \
        pm_sync_##id##_read_enter(t);                                                              \
        return pm_sync_##id##_deref(t, c);                                                         \
    }                                                                                              \
    static void conf_exit_##id(pm_sync_thread *t)                                                  \
    {                                                                                              \
        pm_sync_##id##_read_exit(t);                                                               \
        pm_sync_##id##_quiescent(t);                                                               \
    }
PM_SYNC_BACKENDS(CONF_INLINE)

static void *table_enter_deref(pm_sync_thread *t, pm_sync_cell *c)
{
    pm_sync_read_enter(t);
    return pm_sync_deref(t, c);
}

static void table_exit(pm_sync_thread *t)
{
    pm_sync_read_exit(t);
    pm_sync_quiescent(t);
}

static const struct {
    const pm_sync_backend *be;
    enter_deref_fn enter_deref;
    exit_fn exit;
} inline_table[] = {
#define CONF_ROW(id, name) {&pm_sync_backend_##id, conf_enter_deref_##id, conf_exit_##id},
    PM_SYNC_BACKENDS(CONF_ROW)
#undef CONF_ROW
};

static void inline_for(const pm_sync_backend *be, enter_deref_fn *ed, exit_fn *ex)
{
    *ed = table_enter_deref;
    *ex = table_exit;
    for (size_t i = 0; i < sizeof inline_table / sizeof inline_table[0]; i++)
        if (inline_table[i].be == be) {
            *ed = inline_table[i].enter_deref;
            *ex = inline_table[i].exit;
        }
}

/* ---- shared steps -----------------------------------------------------------------------------
 */

/* The backend under test (the suite runs one backend at a time: not reentrant). */
static const pm_sync_backend *g_be;

/* pm_sync_register, then the handle dispatches through the backend under test even when that
 * backend reuses another's domain (a test backend that replaces a few entries of a listed one). */
static pm_status conf_register(pm_sync_domain *d, pm_sync_thread **t)
{
    pm_status st = pm_sync_register(d, t);
    if (st == PM_OK)
        (*t)->backend = g_be;
    return st;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static uint64_t bound_of(const pm_sync_backend *be, unsigned threads)
{
    return be->pending_bound ? be->pending_bound(threads) : UINT64_MAX;
}

/* After the domain is gone: every object the pool handed out was freed exactly once. */
static void check_freed_once(run *r, pool *p)
{
    size_t used = atomic_load(&p->used);
    if (used > p->cap) {
        fail(r, "the check's object pool overflowed (%zu > %zu): a test bug", used, p->cap);
        used = p->cap;
    }
    size_t never = 0, twice = 0;
    for (size_t i = 0; i < used; i++) {
        unsigned f = atomic_load(&p->objs[i].frees);
        never += f == 0;
        twice += f > 1;
    }
    if (never)
        fail(r,
             "leak: %zu of %zu objects were never freed, even after domain_free (retired == "
             "freed must hold after teardown)",
             never, used);
    if (twice)
        fail(r, "double free: %zu of %zu objects were freed more than once", twice, used);
}

static void check_drained(run *r, pm_sync_domain *d, const char *when)
{
    pm_sync_stats st;
    pm_sync_stats_get(d, &st);
    if (r->be->flags & PM_SYNC_F_NEVER_FREES)
        return;
    if (st.pending != 0 || st.freed != st.retired)
        fail(r,
             "%s: %llu of %llu retired objects still pending (freed %llu): a grace period never "
             "ended (a backend that frees nothing before teardown must declare "
             "PM_SYNC_F_NEVER_FREES)",
             when, (unsigned long long)st.pending, (unsigned long long)st.retired,
             (unsigned long long)st.freed);
}

/* ---- table --------------------------------------------------------------------------------------
 */

static void check_table(run *r)
{
    const pm_sync_backend *be = r->be;
    if (!be->name || !*be->name ||
        strspn(be->name, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(be->name))
        fail(r, "name must be [a-z0-9-]+");
    if (!be->summary || !*be->summary)
        fail(r, "no summary (pmlab list shows it)");
    const void *fns[] = {(const void *)be->domain_new,
                         (const void *)be->domain_free,
                         (const void *)be->thread_register,
                         (const void *)be->thread_unregister,
                         (const void *)be->read_enter,
                         (const void *)be->deref,
                         (const void *)be->read_exit,
                         (const void *)be->quiescent,
                         (const void *)be->read_begin,
                         (const void *)be->cell_init,
                         (const void *)be->cell_fini,
                         (const void *)be->update,
                         (const void *)be->retire,
                         (const void *)be->barrier,
                         (const void *)be->stats};
    static const char *const fnames[] = {
        "domain_new", "domain_free", "thread_register", "thread_unregister", "read_enter",
        "deref",      "read_exit",   "quiescent",       "read_begin",        "cell_init",
        "cell_fini",  "update",      "retire",          "barrier",           "stats"};
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
        if (!fns[i])
            fail(r, "the table has no .%s", fnames[i]);
    unsigned f = be->flags;
    if ((f & PM_SYNC_F_BOUNDED) && !be->pending_bound)
        fail(r, "declares PM_SYNC_F_BOUNDED but states no bound: set .pending_bound");
    if (!(f & PM_SYNC_F_BOUNDED) && be->pending_bound)
        fail(r, "has a .pending_bound but does not declare PM_SYNC_F_BOUNDED");
    if ((f & PM_SYNC_F_NEVER_FREES) && (f & (PM_SYNC_F_BOUNDED | PM_SYNC_F_DEFERRED)))
        fail(r, "PM_SYNC_F_NEVER_FREES excludes PM_SYNC_F_BOUNDED and PM_SYNC_F_DEFERRED");
    if (!(f &
          (PM_SYNC_F_DEFERRED | PM_SYNC_F_BOUNDED | PM_SYNC_F_NEVER_FREES | PM_SYNC_F_EXCLUSIVE)))
        fail(r, "declares none of DEFERRED, BOUNDED, NEVER_FREES, EXCLUSIVE: the stalled-reader "
                "checks cannot know what to expect");
    const pm_sync_backend *same = pm_sync_backend_by_name(be->name);
    if (same && same != be)
        fail(r, "its name is that of the listed backend %s", same->name);
}

/* ---- accounting ----------------------------------------------------------------------------- */

enum { ACC_RETIRES = 100, ACC_UPDATES = 50 };

static void check_accounting(run *r)
{
    const pm_sync_backend *be = r->be;
    pool p;
    if (pool_init(&p, ACC_RETIRES + ACC_UPDATES + 8)) {
        fail(r, "out of memory");
        return;
    }
    pm_sync_domain *d = NULL;
    pm_sync_thread *t = NULL;
    pm_sync_cell c;
    if (pm_sync_domain_new(be, &d) != PM_OK || conf_register(d, &t) != PM_OK) {
        fail(r, "domain_new or register failed");
        goto out;
    }
    for (int i = 0; i < ACC_RETIRES; i++) {
        if (pm_sync_retire(t, obj_new(&p, (uint64_t)i), obj_free, &p) != PM_OK) {
            fail(r, "retire failed");
            break;
        }
        pm_sync_quiescent(t);
    }
    pm_sync_barrier(d, t); /* the caller's own retirements */
    pm_sync_stats s;
    pm_sync_stats_get(d, &s);
    if (s.retired != ACC_RETIRES)
        fail(r, "stats: retired %llu after %d retire calls", (unsigned long long)s.retired,
             ACC_RETIRES);
    if (s.pending != s.retired - s.freed)
        fail(r, "stats: pending %llu != retired %llu - freed %llu", (unsigned long long)s.pending,
             (unsigned long long)s.retired, (unsigned long long)s.freed);
    if (s.peak_pending < 1 || s.peak_pending > ACC_RETIRES)
        fail(r, "stats: peak_pending %llu outside [1, %d]", (unsigned long long)s.peak_pending,
             ACC_RETIRES);
    if (be->flags & PM_SYNC_F_NEVER_FREES) {
        if (s.freed != 0)
            fail(r, "declares PM_SYNC_F_NEVER_FREES but freed %llu objects before teardown",
                 (unsigned long long)s.freed);
    } else {
        check_drained(r, d, "barrier(d, t) after its own retirements");
    }
    /* updates of a cell, then the same accounting */
    if (pm_sync_cell_init(d, &c, obj_new(&p, 0), obj_free, &p) != PM_OK) {
        fail(r, "cell_init failed");
        goto unreg;
    }
    for (int i = 0; i < ACC_UPDATES; i++) {
        if (pm_sync_update(t, &c, obj_next, &p) != PM_OK) {
            fail(r, "update failed");
            break;
        }
        pm_sync_quiescent(t);
    }
    pm_sync_barrier(d, t);
    pm_sync_stats_get(d, &s);
    if (s.retired != ACC_RETIRES + ACC_UPDATES)
        fail(r, "stats: retired %llu after %d retires and %d updates",
             (unsigned long long)s.retired, ACC_RETIRES, ACC_UPDATES);
    check_drained(r, d, "barrier(d, t) after its own updates");
    pm_sync_cell_fini(d, &c);
unreg:
    pm_sync_unregister(t);
out:
    if (d)
        pm_sync_domain_free(d);
    check_freed_once(r, &p);
    free(p.objs);
}

/* ---- barrier: retirements of threads that unregistered ----------------------------------------
 */

typedef struct bar_arg {
    pm_sync_domain *d;
    pool *p;
    _Atomic(int) err;
} bar_arg;

static void *retire_and_leave(void *arg)
{
    bar_arg *b = arg;
    pm_sync_thread *t;
    if (conf_register(b->d, &t) != PM_OK) {
        atomic_store(&b->err, 1);
        return NULL;
    }
    for (int i = 0; i < 50; i++) {
        if (pm_sync_retire(t, obj_new(b->p, (uint64_t)i), obj_free, b->p) != PM_OK)
            atomic_store(&b->err, 1);
        pm_sync_quiescent(t);
    }
    pm_sync_unregister(t);
    return NULL;
}

static void check_barrier(run *r)
{
    pool p;
    if (pool_init(&p, 2 * 50 + 8)) {
        fail(r, "out of memory");
        return;
    }
    bar_arg b = {.p = &p};
    if (pm_sync_domain_new(r->be, &b.d) != PM_OK) {
        fail(r, "domain_new failed");
        free(p.objs);
        return;
    }
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, retire_and_leave, &b);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    if (atomic_load(&b.err))
        fail(r, "register or retire failed");
    pm_sync_barrier(b.d, NULL);
    pm_sync_stats s;
    pm_sync_stats_get(b.d, &s);
    if (s.retired != 100)
        fail(r, "stats: retired %llu after 100 retire calls", (unsigned long long)s.retired);
    check_drained(r, b.d, "barrier(d, NULL) after the retiring threads unregistered");
    pm_sync_domain_free(b.d);
    check_freed_once(r, &p);
    free(p.objs);
}

/* ---- the oracle: writers and readers on one cell -------------------------------------------- */

typedef struct oracle {
    run *r;
    pm_sync_domain *d;
    pm_sync_cell cell;
    pool *p;
    unsigned updates, reads;
    _Atomic(int) ready, go;
    _Atomic(uint64_t) visible; /* highest version whose update() has returned */
    _Atomic(uint64_t) freed_seen, torn, unstable, regress, invisible, errors;
} oracle;

static void gate(oracle *o)
{
    atomic_fetch_add(&o->ready, 1);
    while (!atomic_load(&o->go))
        sched_yield();
}

typedef struct {
    pool *p;
    uint64_t built; /* the version of the last next object built (the published one on success) */
} wbuild;

static pm_status obj_next_w(void *arg, void *cur, void **next)
{
    wbuild *w = arg;
    pm_status st = obj_next(w->p, cur, next);
    if (st == PM_OK)
        w->built = ((const cobj *)*next)->a;
    return st;
}

static void *oracle_writer(void *arg)
{
    oracle *o = arg;
    pm_sync_thread *t;
    if (conf_register(o->d, &t) != PM_OK) {
        atomic_fetch_add(&o->errors, 1);
        gate(o);
        return NULL;
    }
    gate(o);
    wbuild w = {o->p, 0};
    for (unsigned i = 0; i < o->updates; i++) {
        if (pm_sync_update(t, &o->cell, obj_next_w, &w) != PM_OK) {
            atomic_fetch_add(&o->errors, 1);
            break;
        }
        /* release: pairs with the readers' acquire load of `visible` before their section */
        uint64_t v = atomic_load_explicit(&o->visible, memory_order_relaxed);
        while (v < w.built &&
               !atomic_compare_exchange_weak_explicit(&o->visible, &v, w.built,
                                                      memory_order_release, memory_order_relaxed)) {
        }
        pm_sync_quiescent(t);
    }
    pm_sync_unregister(t);
    return NULL;
}

static void *oracle_reader(void *arg)
{
    oracle *o = arg;
    enter_deref_fn ed;
    exit_fn ex;
    inline_for(o->r->be, &ed, &ex);
    pm_sync_thread *t;
    if (conf_register(o->d, &t) != PM_OK) {
        atomic_fetch_add(&o->errors, 1);
        gate(o);
        return NULL;
    }
    gate(o);
    uint64_t last = 0;
    for (unsigned i = 0; i < o->reads; i++) {
        uint64_t vis = atomic_load_explicit(&o->visible, memory_order_acquire);
        const cobj *ob;
        switch (i % 3) {
        case 0:
            ob = ed(t, &o->cell); /* inlined read side (listed backends) */
            break;
        case 1:
            ob = table_enter_deref(t, &o->cell); /* the table's enter + deref */
            break;
        default:
            ob = pm_sync_read_begin(t, &o->cell); /* the table's fused read_begin */
            break;
        }
        int bad = obj_bad(ob);
        uint64_t a = ob->a;
        if (i % 3 == 0)
            ex(t);
        else
            table_exit(t);
        if (bad == 1)
            atomic_fetch_add(&o->freed_seen, 1);
        else if (bad == 2)
            atomic_fetch_add(&o->torn, 1);
        else if (bad == 3)
            atomic_fetch_add(&o->unstable, 1);
        if (!bad) {
            if (a < last)
                atomic_fetch_add(&o->regress, 1);
            if (a < vis)
                atomic_fetch_add(&o->invisible, 1);
            last = a;
        }
    }
    pm_sync_unregister(t);
    return NULL;
}

static void oracle_run(run *r, unsigned writers, unsigned readers, unsigned updates, unsigned reads)
{
    pool p;
    /* a writer that loses a race builds again: at most one loss per update of another writer */
    if (pool_init(&p, (size_t)writers * updates * writers + 16)) {
        fail(r, "out of memory");
        return;
    }
    oracle *o = calloc(1, sizeof *o);
    pthread_t *th = calloc(writers + readers, sizeof *th);
    if (!o || !th) {
        fail(r, "out of memory");
        goto out;
    }
    o->r = r;
    o->p = &p;
    o->updates = updates;
    o->reads = reads;
    if (pm_sync_domain_new(r->be, &o->d) != PM_OK ||
        pm_sync_cell_init(o->d, &o->cell, obj_new(&p, 0), obj_free, &p) != PM_OK) {
        fail(r, "domain_new or cell_init failed");
        if (o->d)
            pm_sync_domain_free(o->d);
        goto out;
    }
    unsigned n = 0;
    for (unsigned i = 0; i < writers + readers; i++)
        if (pthread_create(&th[n], NULL, i < writers ? oracle_writer : oracle_reader, o) == 0)
            n++;
    while (atomic_load(&o->ready) < (int)n)
        sched_yield();
    atomic_store(&o->go, 1);
    for (unsigned i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    if (n != writers + readers)
        fail(r, "could start only %u of %u threads", n, writers + readers);
    if (atomic_load(&o->errors))
        fail(r, "%llu register/update calls failed", (unsigned long long)atomic_load(&o->errors));
    if (atomic_load(&o->freed_seen))
        fail(r,
             "use after free: %llu read sections saw their object already freed (frees too "
             "early, or readers take no protection)",
             (unsigned long long)atomic_load(&o->freed_seen));
    if (atomic_load(&o->torn))
        fail(r, "snapshot isolation: %llu read sections saw a torn object",
             (unsigned long long)atomic_load(&o->torn));
    if (atomic_load(&o->unstable))
        fail(r, "stability: %llu read sections read one object twice and got two values",
             (unsigned long long)atomic_load(&o->unstable));
    if (atomic_load(&o->regress))
        fail(r, "%llu read sections saw an older version than an earlier section of the thread",
             (unsigned long long)atomic_load(&o->regress));
    if (atomic_load(&o->invisible))
        fail(r, "visibility: %llu read sections begun after an update had returned did not see it",
             (unsigned long long)atomic_load(&o->invisible));
    /* no lost update: each successful CAS built on the version it replaced */
    pm_sync_thread *t;
    if (conf_register(o->d, &t) == PM_OK) {
        const cobj *fin = table_enter_deref(t, &o->cell);
        uint64_t a = fin->a;
        table_exit(t);
        if (a != (uint64_t)writers * updates)
            fail(r, "lost update: the final version is %llu after %u x %u updates",
                 (unsigned long long)a, writers, updates);
        pm_sync_barrier(o->d, t);
        pm_sync_unregister(t);
    }
    pm_sync_barrier(o->d, NULL);
    check_drained(r, o->d, "barrier after every writer unregistered");
    pm_sync_cell_fini(o->d, &o->cell);
    pm_sync_domain_free(o->d);
    check_freed_once(r, &p);
out:
    free(th);
    free(o);
    free(p.objs);
}

static void check_oracle(run *r)
{
    oracle_run(r, 2, 2, 3000, 12000);
}

static void check_threads64(run *r)
{
    oracle_run(r, 4, 60, 200, 400);
}

/* ---- stalled readers ----------------------------------------------------------------------------
 */

typedef struct stall {
    pm_sync_domain *d;
    pm_sync_cell cell;
    _Atomic(int) inside, check, checked, leave, err, freed_seen;
} stall;

static void *stall_reader(void *arg)
{
    stall *s = arg;
    pm_sync_thread *t;
    if (conf_register(s->d, &t) != PM_OK) {
        atomic_store(&s->err, 1);
        atomic_fetch_add(&s->inside, 1);
        atomic_fetch_add(&s->checked, 1);
        return NULL;
    }
    const cobj *o = table_enter_deref(t, &s->cell);
    atomic_fetch_add(&s->inside, 1);
    while (!atomic_load(&s->check))
        sched_yield();
    if (obj_bad(o)) /* after every update, the object this section holds is still intact */
        atomic_fetch_add(&s->freed_seen, 1);
    atomic_fetch_add(&s->checked, 1);
    while (!atomic_load(&s->leave))
        sched_yield();
    table_exit(t);
    pm_sync_unregister(t);
    return NULL;
}

static void check_stall(run *r, unsigned nstalled)
{
    const pm_sync_backend *be = r->be;
    if (be->flags & PM_SYNC_F_EXCLUSIVE) {
        if (r->o && r->o->log)
            fprintf(r->o->log,
                    "conform %s: (stall-%u: skipped, writers exclude readers: nothing pends)\n",
                    be->name, nstalled);
        return;
    }
    unsigned threads = nstalled + 1;
    uint64_t bound = bound_of(be, threads);
    /* enough updates that growth shows even above a stated bound */
    uint64_t updates = 200;
    if ((be->flags & PM_SYNC_F_BOUNDED) && bound < 100000 && 2 * bound + 50 > updates)
        updates = 2 * bound + 50;
    pool p;
    stall *s = calloc(1, sizeof *s);
    if (!s || pool_init(&p, updates + 8)) {
        fail(r, "out of memory");
        free(s);
        return;
    }
    pm_sync_thread *w = NULL;
    if (pm_sync_domain_new(be, &s->d) != PM_OK ||
        pm_sync_cell_init(s->d, &s->cell, obj_new(&p, 0), obj_free, &p) != PM_OK ||
        conf_register(s->d, &w) != PM_OK) {
        fail(r, "domain_new, cell_init or register failed");
        goto out;
    }
    pthread_t th[8];
    for (unsigned i = 0; i < nstalled; i++)
        pthread_create(&th[i], NULL, stall_reader, s);
    while (atomic_load(&s->inside) < (int)nstalled)
        sched_yield();
    pm_sync_stats st0, st;
    pm_sync_stats_get(s->d, &st0);
    for (uint64_t i = 0; i < updates; i++) {
        if (pm_sync_update(w, &s->cell, obj_next, &p) != PM_OK) {
            fail(r, "update failed while readers stall");
            break;
        }
        pm_sync_quiescent(w);
    }
    pm_sync_stats_get(s->d, &st);
    atomic_store(&s->check, 1);
    while (atomic_load(&s->checked) < (int)nstalled)
        sched_yield();
    if (atomic_load(&s->err))
        fail(r, "a stalled reader could not register");
    if (atomic_load(&s->freed_seen))
        fail(r,
             "use after free: %d of %u stalled readers found the object their read section holds "
             "freed after %llu updates (frees too early, or readers take no protection)",
             atomic_load(&s->freed_seen), nstalled, (unsigned long long)updates);
    uint64_t grew = st.retired - st0.retired;
    if (grew != updates)
        fail(r, "stats: retired grew by %llu over %llu updates", (unsigned long long)grew,
             (unsigned long long)updates);
    if (be->flags & PM_SYNC_F_BOUNDED) {
        if (st.pending > bound || st.peak_pending > bound)
            fail(r,
                 "declares PM_SYNC_F_BOUNDED with pending_bound(%u) = %llu, but pending is %llu "
                 "(peak %llu) after %llu updates under %u stalled readers",
                 threads, (unsigned long long)bound, (unsigned long long)st.pending,
                 (unsigned long long)st.peak_pending, (unsigned long long)updates, nstalled);
    } else if (be->flags & (PM_SYNC_F_DEFERRED | PM_SYNC_F_NEVER_FREES)) {
        /* nothing retired while a reader sits in a section may be freed */
        if (st.pending < updates)
            fail(r,
                 "pending is %llu after %llu updates under %u stalled readers: a deferred scheme "
                 "freed versions retired during a read section (declare PM_SYNC_F_BOUNDED with a "
                 "bound if that is by design)",
                 (unsigned long long)st.pending, (unsigned long long)updates, nstalled);
    }
    atomic_store(&s->leave, 1);
    for (unsigned i = 0; i < nstalled; i++)
        pthread_join(th[i], NULL);
    pm_sync_barrier(s->d, w);
    check_drained(r, s->d, "barrier(d, t) once the stalled readers left");
out:
    if (w)
        pm_sync_unregister(w);
    if (s->d) {
        if (atomic_load(&s->cell.word))
            pm_sync_cell_fini(s->d, &s->cell);
        pm_sync_domain_free(s->d);
        check_freed_once(r, &p);
    }
    free(p.objs);
    free(s);
}

static void check_stall1(run *r)
{
    check_stall(r, 1);
}

static void check_stall4(run *r)
{
    check_stall(r, 4);
}

/* ---- a thread that exits without unregistering --------------------------------------------------
 */

typedef struct exit_arg {
    pm_sync_domain *d;
    pm_sync_cell *cell;
    pool *p;
    _Atomic(int) err;
} exit_arg;

static void *exit_registered(void *arg)
{
    exit_arg *e = arg;
    pm_sync_thread *t;
    if (conf_register(e->d, &t) != PM_OK) {
        atomic_store(&e->err, 1);
        return NULL;
    }
    const cobj *o = table_enter_deref(t, e->cell);
    if (obj_bad(o))
        atomic_store(&e->err, 2);
    table_exit(t);
    for (int i = 0; i < 10; i++)
        if (pm_sync_retire(t, obj_new(e->p, (uint64_t)i), obj_free, e->p) != PM_OK)
            atomic_store(&e->err, 1);
    for (int i = 0; i < 5; i++)
        if (pm_sync_update(t, e->cell, obj_next, e->p) != PM_OK)
            atomic_store(&e->err, 1);
    return NULL; /* no pm_sync_unregister(t) */
}

static void check_exit(run *r)
{
    pool p;
    if (pool_init(&p, 64)) {
        fail(r, "out of memory");
        return;
    }
    pm_sync_domain *d = NULL;
    pm_sync_cell c;
    pm_sync_thread *w = NULL;
    if (pm_sync_domain_new(r->be, &d) != PM_OK ||
        pm_sync_cell_init(d, &c, obj_new(&p, 0), obj_free, &p) != PM_OK ||
        conf_register(d, &w) != PM_OK) {
        fail(r, "domain_new, cell_init or register failed");
        if (d)
            pm_sync_domain_free(d);
        free(p.objs);
        return;
    }
    exit_arg e = {.d = d, .cell = &c, .p = &p};
    pthread_t th;
    pthread_create(&th, NULL, exit_registered, &e);
    pthread_join(th, NULL);
    if (atomic_load(&e.err))
        fail(r, "the exiting thread's register, read, retire or update failed");
    /* grace periods still end (the watchdog fails the check otherwise) */
    for (int i = 0; i < 20; i++) {
        if (pm_sync_update(w, &c, obj_next, &p) != PM_OK)
            fail(r, "update failed after a thread exited without unregistering");
        pm_sync_quiescent(w);
    }
    pm_sync_barrier(d, w);
    check_drained(r, d, "barrier(d, t) after a thread exited without unregistering");
    pm_sync_unregister(w);
    pm_sync_cell_fini(d, &c);
    pm_sync_domain_free(d);
    check_freed_once(r, &p);
    free(p.objs);
}

/* ---- driver ------------------------------------------------------------------------------------
 */

typedef void check_fn(run *r);
static check_fn *const check_fns[] = {check_table,  check_accounting, check_barrier,
                                      check_oracle, check_stall1,     check_stall4,
                                      check_exit,   check_threads64};

typedef struct watch {
    run *r;
    unsigned seconds;
} watch;

static void *watchdog(void *arg)
{
    watch *w = arg;
    for (unsigned i = 0; i < w->seconds * 10; i++) {
        if (atomic_load(&w->r->done))
            return NULL;
        sleep_ms(100);
    }
    FILE *log = w->r->o && w->r->o->log ? w->r->o->log : stderr;
    fprintf(log,
            "conform %s: FAIL %s: did not finish within %u s (a grace period that never ends, "
            "or a barrier or update that waits forever)\n",
            w->r->be->name, w->r->check, w->seconds);
    fflush(log);
    _exit(3);
}

/* `name` is an element of the comma-separated `list` */
static int listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, name, n) == 0)
            return 1;
        p += len + (p[len] == ',');
    }
    return 0;
}

int pm_sync_conform(const pm_sync_backend *be, const pm_sync_conform_opts *o, char *first,
                    size_t firstlen)
{
    if (first && firstlen)
        first[0] = 0;
    if (!be)
        return -1;
    run r = {.be = be, .o = o, .first = first, .firstlen = firstlen};
    g_be = be;
    unsigned wd = o && o->watchdog_s ? o->watchdog_s : 120;
    int ran = 0;
    for (size_t i = 0; pm_sync_conform_checks[i]; i++) {
        if (o && o->only && *o->only && !listed(o->only, pm_sync_conform_checks[i]))
            continue;
        r.check = pm_sync_conform_checks[i];
        r.check_failed = 0;
        atomic_store(&r.done, 0);
        watch w = {&r, wd};
        pthread_t wt;
        int have_wd = pthread_create(&wt, NULL, watchdog, &w) == 0;
        check_fns[i](&r);
        atomic_store(&r.done, 1);
        if (have_wd)
            pthread_join(wt, NULL);
        ran++;
        if (!r.check_failed && o && o->log) {
            fprintf(o->log, "conform %s: ok   %s\n", be->name, r.check);
            fflush(o->log);
        }
    }
    if (o && o->log)
        fprintf(o->log, "conform %s: %d checks, %d failed\n", be->name, ran, r.failed);
    return r.failed;
}
