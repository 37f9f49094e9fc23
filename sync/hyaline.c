/* sync/hyaline.c — backend `hyaline`: Hyaline-1S (Nikolaev & Ravindran, PLDI 2021): one slot
 * per thread, reference-counted batches, birth eras for robustness.
 *
 * Published versions are version records with birth and retire eras (pmsync/era.h; the cells,
 * the update loop and the era clock are eracell.c's). A retiring thread collects its records in
 * a local batch; every PM_SYNC_HY_BATCH records it hands the batch out:
 *
 *   1. a seq_cst fence (after the seq_cst CASes that unpublished the records), then a snapshot
 *      of the slot list; one list node per slot is allocated with the batch;
 *   2. for each slot: if its head is inactive, or its access era is older than the batch's
 *      oldest birth era, skip it; otherwise CAS a node onto its head (release) and count it;
 *   3. add the count to the batch's reference count (acq_rel); a result of 0 frees the batch.
 *
 * A reader's exit swaps its head to inactive and, for each node it took, decrements that
 * batch's count (acq_rel); the decrement that brings it to 0 frees the batch. Decrements may
 * come before step 3 (the count goes negative) but cannot reach 0 before it, so exactly one
 * party frees each batch, after every reader it was inserted for has left.
 *
 * Why skipping is safe. A reader R holding record r activated its slot and (now or in an earlier
 * section) published an access era e >= r.birth, both by seq_cst exchanges before its seq_cst
 * cell load, which returned r before the unpublishing CAS. That CAS precedes our fence in the
 * total order, and store buffering is forbidden, so our loads of R's head and era see those
 * exchanges or later values: the era only grows (>= e >= r.birth >= the batch's oldest birth),
 * and a later head is either a node inserted by another retirer (still active: we insert), or
 * R's exit (an acq_rel exchange our acquire load synchronises with: R's reads happen before),
 * or a later activation after that exit (likewise). So a batch holding r is inserted into R's
 * slot while R may still read r, and freed only after R's exit. The inserted node's list link
 * is written before the release CAS and read after R's acquire exchange.
 *
 * Robustness: a stalled reader's access era stays put, and every batch made of records born
 * after that era skips its slot: it holds back only the batches retired while it could read
 * them (at most a batch or two), so pending stays bounded (PM_SYNC_F_BOUNDED). Readers write
 * shared memory: their slot head is the CAS target of every retirer, and leaving a section
 * decrements the counts of batches shared by every reader they were inserted for
 * (PM_SYNC_F_READER_WRITES); the last reader to leave frees the batch on its own thread. */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "eracell.h"
#include "pmsync/hyaline.h"

/** Retired records per batch. */
#define PM_SYNC_HY_BATCH 8u

typedef struct hy_batch hy_batch;
typedef struct hy_node {
    struct hy_node *next; /* the slot's list, written before the inserting CAS */
    hy_batch *batch;
} hy_node;

struct hy_batch {
    _Atomic(int64_t) nref;
    pm_sync_era_rec *recs;
    pm_sync_hyaline_slot *owner; /* whose outstanding count to drop */
    hy_node nodes[];             /* one per slot in the snapshot */
};

static void hy_batch_free(hy_batch *b)
{
    pm_sync_hyaline_slot *owner = b->owner;
    pm_sync_era_rec *r = b->recs;
    free(b);
    while (r != NULL) {
        pm_sync_era_rec *next = r->next;
        pm_sync_era_rec_free(r);
        r = next;
    }
    /* release: pairs with barrier()'s acquire load; the slot outlives every batch (slots are
     * freed with the domain, after barrier() saw every count at 0) */
    atomic_fetch_sub_explicit(&owner->outstanding, 1, memory_order_release);
}

void pm_sync_hyaline_drain_(uintptr_t h)
{
    hy_node *n = (hy_node *)h;
    while (n != NULL) {
        hy_node *next = n->next; /* before the decrement: it may free the node's batch */
        hy_batch *b = n->batch;
        /* acq_rel: our reads happen before the free; the freer sees every reader's release */
        if (atomic_fetch_sub_explicit(&b->nref, 1, memory_order_acq_rel) == 1)
            hy_batch_free(b);
        n = next;
    }
}

/** Hands the local batch out (steps 1-3). 0: no memory for the batch (it stays local). */
static int hy_flush(pm_sync_era_domain *d, pm_sync_hyaline_slot *s)
{
    if (s->nbatch == 0)
        return 1;
    /* step 1: after our unpublishing CASes, before reading any slot (file comment) */
    atomic_thread_fence(memory_order_seq_cst);
    pm_sync_hyaline_slot *head = atomic_load_explicit(&d->slots, memory_order_acquire);
    size_t n = 0;
    for (pm_sync_hyaline_slot *x = head; x != NULL; x = x->next_all)
        n++;
    hy_batch *b = malloc(sizeof *b + n * sizeof(hy_node));
    if (b == NULL)
        return 0;
    atomic_init(&b->nref, 0);
    b->recs = s->batch;
    b->owner = s;
    uint64_t min_birth = s->min_birth;
    s->batch = NULL;
    s->nbatch = 0;
    s->min_birth = UINT64_MAX;
    atomic_fetch_add_explicit(&s->outstanding, 1, memory_order_relaxed);

    /* step 2: the same n slots (the list only grows at its head) */
    int64_t inserts = 0;
    size_t i = 0;
    for (pm_sync_hyaline_slot *x = head; i < n; x = x->next_all, i++) {
        hy_node *node = &b->nodes[i];
        node->batch = b;
        uintptr_t h = atomic_load_explicit(&x->head, memory_order_acquire);
        for (;;) {
            if (h == PM_SYNC_HY_INACTIVE)
                break;
            if (atomic_load_explicit(&x->era, memory_order_acquire) < min_birth)
                break; /* it read the clock before any of these records was born */
            node->next = (hy_node *)h;
            /* release: the node is complete for the owner's acquire exchange at exit; acquire
             * on failure: the new head's node is complete before we link to it */
            if (atomic_compare_exchange_weak_explicit(&x->head, &h, (uintptr_t)node,
                                                      memory_order_release, memory_order_acquire)) {
                inserts++;
                break;
            }
        }
    }
    /* step 3 (acq_rel: as the readers' decrements) */
    if (atomic_fetch_add_explicit(&b->nref, inserts, memory_order_acq_rel) + inserts == 0)
        hy_batch_free(b);
    atomic_fetch_add_explicit(&d->base.gps, 1, memory_order_relaxed);
    return 1;
}

static void hy_retire_rec(pm_sync_thread *t, pm_sync_era_rec *r)
{
    pm_sync_hyaline_slot *s = t->rec;
    r->next = s->batch;
    s->batch = r;
    if (r->birth < s->min_birth)
        s->min_birth = r->birth;
    if (++s->nbatch >= PM_SYNC_HY_BATCH)
        (void)hy_flush((pm_sync_era_domain *)t->dom, s); /* no memory: retried at the next */
}

static void hy_enter(pm_sync_thread *t)
{
    pm_sync_hyaline_read_enter(t);
}
static void *hy_deref(pm_sync_thread *t, pm_sync_cell *c)
{
    return pm_sync_hyaline_deref(t, c);
}
static void *hy_begin(pm_sync_thread *t, pm_sync_cell *c)
{
    return pm_sync_hyaline_read_begin(t, c);
}
static void hy_exit(pm_sync_thread *t)
{
    pm_sync_hyaline_read_exit(t);
}
static void hy_quiescent(pm_sync_thread *t)
{
    pm_sync_hyaline_quiescent(t);
}

/* the writer's window: the reader's protection, returning the record (deref's loop) */
static pm_sync_era_rec *hy_protect(pm_sync_thread *t, pm_sync_cell *c)
{
    pm_sync_hyaline_read_enter(t);
    pm_sync_hyaline_slot *s = t->rec;
    uint64_t e = atomic_load_explicit(&s->era, memory_order_relaxed);
    for (;;) {
        /* orderings: as in pm_sync_hyaline_deref */
        pm_sync_era_rec *r =
            (pm_sync_era_rec *)atomic_load_explicit(&c->word, memory_order_seq_cst);
        uint64_t now = atomic_load_explicit(s->clock, memory_order_acquire);
        if (now == e)
            return r;
        e = now;
        (void)atomic_exchange_explicit(&s->era, e, memory_order_seq_cst);
    }
}

static const pm_sync_era_ops hy_ops = {hy_protect, hy_exit, hy_retire_rec};

static pm_status hy_domain_new(pm_sync_domain **out)
{
    pm_sync_era_domain *d = aligned_alloc(64, (sizeof *d + 63) / 64 * 64);
    if (d == NULL)
        return PM_ENOMEM;
    pm_sync_era_domain_init(d, &pm_sync_backend_hyaline, 0);
    *out = &d->base;
    return PM_OK;
}

static pm_status hy_register(pm_sync_domain *dom, pm_sync_thread **out)
{
    pm_sync_era_domain *d = (pm_sync_era_domain *)dom;
    pm_sync_thread *t = pm_sync_unpark(dom); /* a parked slot, with its local batch */
    if (t != NULL) {
        *out = t;
        return PM_OK;
    }
    size_t ssize = (sizeof(pm_sync_hyaline_slot) + 63) / 64 * 64;
    pm_sync_hyaline_slot *s = aligned_alloc(64, ssize);
    if (s == NULL)
        return PM_ENOMEM;
    memset(s, 0, ssize);
    atomic_init(&s->head, PM_SYNC_HY_INACTIVE);
    atomic_init(&s->era, 0);
    atomic_init(&s->outstanding, 0);
    s->clock = &d->clock;
    s->min_birth = UINT64_MAX;
    s->dom = dom;
    t = pm_sync_thread_alloc(dom, sizeof *t);
    if (t == NULL) {
        free(s);
        return PM_ENOMEM;
    }
    t->rec = s;
    void *head = atomic_load_explicit(&d->slots, memory_order_relaxed);
    do {
        s->next_all = head;
        /* seq_cst and release: as in pm_sync_era_slot_push (eracell.c) */
    } while (!atomic_compare_exchange_weak_explicit(&d->slots, &head, (void *)s,
                                                    memory_order_seq_cst, memory_order_relaxed));
    *out = t;
    return PM_OK;
}

static void hy_unregister(pm_sync_thread *t)
{
    PM_SYNC_DEPTH_NONE(t);
    (void)hy_flush((pm_sync_era_domain *)t->dom, t->rec); /* no memory: barrier() retries */
    pm_sync_park(t->dom, t);                              /* inactive: retirers skip it */
}

static void hy_barrier(pm_sync_domain *dom, pm_sync_thread *t)
{
    pm_sync_era_domain *d = (pm_sync_era_domain *)dom;
    if (t != NULL)
        PM_SYNC_DEPTH_NONE(t);
    for (;;) {
        uint64_t left = 0;
        if (t != NULL) {
            pm_sync_hyaline_slot *s = t->rec;
            (void)hy_flush(d, s);
            /* acquire: pairs with hy_batch_free's release: those frees happened */
            left += s->nbatch + atomic_load_explicit(&s->outstanding, memory_order_acquire);
        }
        /* the lock keeps parked slots from being reused while we flush their batches */
        pthread_mutex_lock(&dom->lock);
        for (pm_sync_thread *p = dom->parked; p != NULL; p = p->next) {
            pm_sync_hyaline_slot *s = p->rec;
            (void)hy_flush(d, s);
            left += s->nbatch + atomic_load_explicit(&s->outstanding, memory_order_acquire);
        }
        pthread_mutex_unlock(&dom->lock);
        if (left == 0)
            break;
        sched_yield(); /* readers still hold batches: wait for them to leave */
    }
    (void)atomic_load_explicit(&dom->freed, memory_order_acquire);
}

static void hy_domain_free(pm_sync_domain *dom)
{
    hy_barrier(dom, NULL);
    pm_sync_free_parked(dom);
    pm_sync_base_fini(dom);
    free(dom);
}

static pm_status hy_update(pm_sync_thread *t, pm_sync_cell *c, pm_sync_build_fn *build, void *arg)
{
    return pm_sync_era_update(&hy_ops, t, c, build, arg);
}

static pm_status hy_retire(pm_sync_thread *t, void *obj, pm_sync_free_fn *fn, void *ctx)
{
    return pm_sync_era_retire(&hy_ops, t, obj, fn, ctx);
}

/* Each thread holds at most one unflushed batch of PM_SYNC_HY_BATCH records. A stalled reader's
 * access era stays put, so only batches whose oldest record was born by then reach its slot: the
 * records alive at that era (the version it read, and one per other writer at most), each
 * dragging at most a whole batch with it. */
static uint64_t hy_pending_bound(unsigned threads)
{
    return (uint64_t)threads * PM_SYNC_HY_BATCH * (threads + 2);
}

const pm_sync_backend pm_sync_backend_hyaline = {
    .name = "hyaline",
    .summary = "Hyaline-1S: per-thread slots, counted batches freed by the last reader to leave",
    .flags = PM_SYNC_F_BOUNDED | PM_SYNC_F_READER_WRITES,
    .pending_bound = hy_pending_bound,
    .domain_new = hy_domain_new,
    .domain_free = hy_domain_free,
    .thread_register = hy_register,
    .thread_unregister = hy_unregister,
    .read_enter = hy_enter,
    .deref = hy_deref,
    .read_exit = hy_exit,
    .quiescent = hy_quiescent,
    .read_begin = hy_begin,
    .cell_init = pm_sync_era_cell_init,
    .cell_fini = pm_sync_era_cell_fini,
    .update = hy_update,
    .retire = hy_retire,
    .barrier = hy_barrier,
    .stats = pm_sync_base_stats,
};
