/* sync/debra.c — backend `debra`: DEBRA (Brown, PODC 2015), an epoch scheme of the project's own
 * (not Concurrency Kit's), with per-thread limbo bags and announcements.
 *
 * State. A global epoch (starts at 1). Each thread has a record in a push-only list: its
 * announcement (epoch << 1 | active bit), the epoch it last saw, and three limbo bags indexed by
 * epoch % 3. Read side: pmsync/debra.h.
 *
 * Retire (after the unpublishing CAS of the shared update loop, ptrcell.c): a seq_cst fence,
 * then g = the global epoch (seq_cst load); the object goes to the bag of epoch g.
 *
 * Advance. A thread with limbo objects checks one announcement per read section (round robin
 * over the records, seq_cst loads); once every record was seen quiescent or announcing the
 * current epoch e, it CASes the epoch from e to e + 1 (seq_cst). barrier() checks all at once.
 *
 * Free. When a thread sees the epoch reach e (entering a read section, or retiring), it frees
 * its bags of epochs <= e - 2.
 *
 * Why that is safe. Let R hold object O, unpublished by a CAS, retired with epoch g. R announced
 * epoch e_R (read with a seq_cst load, then a seq_cst exchange) before its seq_cst cell load,
 * which read the value before the CAS. The retirer's seq_cst fence is sequenced after the CAS,
 * so R's cell load precedes that fence in the total order S (otherwise the load would see the
 * CAS, C11 7.17.3), and the retirer's epoch load follows the fence: it reads the epoch at least
 * as new as R's, so e_R <= g. An advance to g + 2 needs an advance from g + 1, made by a thread
 * that read the epoch g + 1 — later in S than the retirer's load of g — and then loaded R's
 * announcement (seq_cst): it sees R's exchange or a later store. While R is in that section its
 * announcement is {e_R <= g, active}, which forbids the advance from g + 1. So the epoch reaches
 * g + 2 only after R's section ended, and the advancer read R's quiescent announcement (a
 * release store) or a later exchange of R (a release RMW): R's reads happen before the advance
 * (a seq_cst RMW, so release), which happens before the owner's seq_cst (so acquire) load of the
 * epoch and its free. All of it is C11 atomics: ThreadSanitizer checks debra without
 * annotations.
 *
 * Stalled reader: its announcement pins the epoch at e_R + 1 at most, so nothing retired after
 * it entered is freed: pending grows (PM_SYNC_F_DEFERRED). Unregistered threads' records are
 * parked (quiescent, with their bags) and reused; barrier() empties the bags of the caller and
 * of parked records. */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "pmsync/debra.h"
#include "ptrcell.h"

typedef struct debra_domain {
    pm_sync_domain base;
    _Alignas(64) _Atomic(uint64_t) epoch;
    _Alignas(64) _Atomic(pm_sync_debra_rec *) recs; /* pushed only (seq_cst) */
} debra_domain;

static pm_sync_node **node_next(pm_sync_node *n)
{
    return (pm_sync_node **)(void *)n->link;
}

void pm_sync_debra_rotate_(pm_sync_debra_rec *r, uint64_t e)
{
    for (int i = 0; i < 3; i++) {
        if (r->bag[i] == NULL || r->bag_epoch[i] + 2 > e)
            continue;
        pm_sync_node *n = r->bag[i];
        r->bag[i] = NULL;
        while (n != NULL) {
            pm_sync_node *next = *node_next(n);
            pm_sync_node_run(n);
            r->limbo--;
            n = next;
        }
    }
    r->seen = e;
    r->cursor = NULL; /* a new round of checks for the new epoch */
}

/** May the epoch advance from e as far as record c is concerned? */
static int debra_allows(pm_sync_debra_rec *c, uint64_t e)
{
    /* seq_cst: see the file comment (the advancer's load of R's announcement) */
    uint64_t a = atomic_load_explicit(&c->announce, memory_order_seq_cst);
    return !(a & 1u) || (a >> 1) == e;
}

static void debra_advance(debra_domain *d, uint64_t e)
{
    /* seq_cst (so release): the checks above happen before any free the new epoch allows */
    if (atomic_compare_exchange_strong_explicit(&d->epoch, &e, e + 1, memory_order_seq_cst,
                                                memory_order_relaxed))
        atomic_fetch_add_explicit(&d->base.gps, 1, memory_order_relaxed);
}

void pm_sync_debra_help_(pm_sync_debra_rec *r, uint64_t e)
{
    debra_domain *d = (debra_domain *)r->dom;
    pm_sync_debra_rec *c = r->cursor;
    if (c == NULL)
        c = atomic_load_explicit(&d->recs, memory_order_acquire);
    if (debra_allows(c, e)) {
        c = c->next_all;
        if (c == NULL)
            debra_advance(d, e); /* every record allowed it; the next round starts afresh */
    }
    r->cursor = c;
}

static void debra_retire_node(pm_sync_thread *t, pm_sync_node *n)
{
    pm_sync_debra_rec *r = t->rec;
    debra_domain *d = (debra_domain *)t->dom;
    /* the unpublishing CAS (or the caller's unlinking) is sequenced before this fence, and the
     * fence before the epoch load: see the file comment */
    atomic_thread_fence(memory_order_seq_cst);
    uint64_t g = atomic_load_explicit(&d->epoch, memory_order_seq_cst);
    if (g != r->seen)
        pm_sync_debra_rotate_(r, g); /* frees bags <= g - 2: bag g % 3 is free or holds g */
    int i = (int)(g % 3);
    if (r->bag[i] == NULL)
        r->bag_epoch[i] = g;
    *node_next(n) = r->bag[i];
    r->bag[i] = n;
    r->limbo++;
}

static void debra_enter(pm_sync_thread *t)
{
    pm_sync_debra_read_enter(t);
}
static void *debra_deref(pm_sync_thread *t, pm_sync_cell *c)
{
    return pm_sync_debra_deref(t, c);
}
static void *debra_begin(pm_sync_thread *t, pm_sync_cell *c)
{
    return pm_sync_debra_read_begin(t, c);
}
static void debra_exit(pm_sync_thread *t)
{
    pm_sync_debra_read_exit(t);
}
static void debra_quiescent(pm_sync_thread *t)
{
    pm_sync_debra_quiescent(t);
}

static const pm_sync_ptr_ops debra_ops = {debra_enter, debra_deref, debra_exit, debra_retire_node};

static pm_status debra_domain_new(pm_sync_domain **out)
{
    debra_domain *d = aligned_alloc(64, (sizeof *d + 63) / 64 * 64);
    if (d == NULL)
        return PM_ENOMEM;
    pm_sync_base_init(&d->base, &pm_sync_backend_debra);
    atomic_init(&d->epoch, 1);
    atomic_init(&d->recs, NULL);
    *out = &d->base;
    return PM_OK;
}

static pm_status debra_register(pm_sync_domain *dom, pm_sync_thread **out)
{
    debra_domain *d = (debra_domain *)dom;
    pm_sync_thread *t = pm_sync_unpark(dom); /* a parked record, with its limbo bags */
    if (t != NULL) {
        *out = t;
        return PM_OK;
    }
    size_t rsize = (sizeof(pm_sync_debra_rec) + 63) / 64 * 64;
    pm_sync_debra_rec *r = aligned_alloc(64, rsize);
    if (r == NULL)
        return PM_ENOMEM;
    memset(r, 0, rsize);
    r->epoch = &d->epoch;
    r->dom = dom;
    r->seen = atomic_load_explicit(&d->epoch, memory_order_relaxed);
    atomic_init(&r->announce, r->seen << 1);
    t = pm_sync_thread_alloc(dom, sizeof *t);
    if (t == NULL) {
        free(r);
        return PM_ENOMEM;
    }
    t->rec = r;
    pm_sync_debra_rec *head = atomic_load_explicit(&d->recs, memory_order_relaxed);
    do {
        r->next_all = head;
        /* seq_cst: an advancer that missed this record (its head load precedes the push in S)
         * read the epoch e it advances from before that, and our first epoch load follows the
         * push: we announce e (which the advance from e allows) or later (then its CAS fails);
         * release: the record's contents reach traversers (acquire loads of the head) */
    } while (!atomic_compare_exchange_weak_explicit(&d->recs, &head, r, memory_order_seq_cst,
                                                    memory_order_relaxed));
    *out = t;
    return PM_OK;
}

static void debra_unregister(pm_sync_thread *t)
{
    PM_SYNC_DEPTH_NONE(t);
    pm_sync_park(t->dom, t); /* quiescent: it holds no epoch back; its bags wait for a reuse or a
                                barrier */
}

static void debra_barrier(pm_sync_domain *dom, pm_sync_thread *t)
{
    debra_domain *d = (debra_domain *)dom;
    if (t != NULL)
        PM_SYNC_DEPTH_NONE(t);
    for (;;) {
        uint64_t e = atomic_load_explicit(&d->epoch, memory_order_seq_cst);
        int all = 1;
        for (pm_sync_debra_rec *c = atomic_load_explicit(&d->recs, memory_order_acquire);
             c != NULL && all; c = c->next_all)
            all = debra_allows(c, e);
        if (all)
            debra_advance(d, e);
        e = atomic_load_explicit(&d->epoch, memory_order_seq_cst);
        size_t left = 0;
        if (t != NULL) {
            pm_sync_debra_rotate_(t->rec, e);
            left += ((pm_sync_debra_rec *)t->rec)->limbo;
        }
        /* the lock keeps parked records from being reused while we empty their bags */
        pthread_mutex_lock(&dom->lock);
        for (pm_sync_thread *p = dom->parked; p != NULL; p = p->next) {
            pm_sync_debra_rotate_(p->rec, e);
            left += ((pm_sync_debra_rec *)p->rec)->limbo;
        }
        pthread_mutex_unlock(&dom->lock);
        if (left == 0)
            break;
        if (!all)
            sched_yield(); /* a reader is still in an older epoch: wait for it */
    }
    (void)atomic_load_explicit(&dom->freed, memory_order_acquire);
}

static void debra_domain_free(pm_sync_domain *dom)
{
    debra_barrier(dom, NULL);
    pm_sync_free_parked(dom);
    pm_sync_base_fini(dom);
    free(dom);
}

static pm_status debra_update(pm_sync_thread *t, pm_sync_cell *c, pm_sync_build_fn *build,
                              void *arg)
{
    return pm_sync_ptr_update(&debra_ops, t, c, build, arg);
}

static pm_status debra_retire(pm_sync_thread *t, void *obj, pm_sync_free_fn *fn, void *ctx)
{
    return pm_sync_ptr_retire(&debra_ops, t, obj, fn, ctx);
}

const pm_sync_backend pm_sync_backend_debra = {
    .name = "debra",
    .summary = "DEBRA epochs of our own: announcements, 3 limbo bags per thread, helping advance",
    .flags = PM_SYNC_F_DEFERRED,
    .domain_new = debra_domain_new,
    .domain_free = debra_domain_free,
    .thread_register = debra_register,
    .thread_unregister = debra_unregister,
    .read_enter = debra_enter,
    .deref = debra_deref,
    .read_exit = debra_exit,
    .quiescent = debra_quiescent,
    .read_begin = debra_begin,
    .cell_init = pm_sync_ptr_cell_init,
    .cell_fini = pm_sync_ptr_cell_fini,
    .update = debra_update,
    .retire = debra_retire,
    .barrier = debra_barrier,
    .stats = pm_sync_base_stats,
};
