/* sync/eracell.c — the era machinery shared by ibr, he and hyaline (see eracell.h), and the
 * retire-list reclamation of ibr and he.
 *
 * Eras. The domain's clock starts at 1. A writer reads it (relaxed) before the seq_cst CAS that
 * publishes a record and stores it as the record's birth: a reader that gets the record loaded
 * the cell with acquire (reading from that CAS), so its later clock load returns at least the
 * birth (read-read coherence through happens-before). Right after a successful CAS the writer
 * does fetch_add(clock, 1, release) and takes the value it read as the retire era of the record
 * it unpublished. Every change of the clock is such a release RMW, so a reader whose acquire
 * clock load returns any value written at or after it synchronises with it and then sees the
 * CAS: a reader that still got the old record read only smaller clock values before its cell
 * load. Hence for every reader holding record r: (era it published before its cell load) <=
 * r.retire and (era it read after the cell load, equal to it) >= r.birth.
 *
 * Scans (ibr, he). A thread's retired records go to its own list; every PM_SYNC_ERA_THRESHOLD
 * of them it runs a seq_cst fence and frees each record whose [birth, retire] no slot covers:
 * ibr checks the interval [lo, hi] (birth <= hi && retire >= lo), he the single era hi (birth
 * <= hi <= retire). The fence pairs with the reader's seq_cst exchange on its slot before its
 * seq_cst cell load, against our seq_cst unpublishing CAS before this fence (store buffering is
 * forbidden): either the reader's cell load saw the new record, or our slot load sees its
 * reservation or a later store of the slot. A later store is either a wider upper end (still
 * covering), or the clearing at exit, or a next section's reservation, both of them release
 * stores read by our acquire loads: then everything the reader did in the section that held r
 * happens before our free. Slots are never unlinked or freed before the domain, so scanning
 * them without a lock is safe; unregistered threads' slots are parked, cleared, and reused by
 * the next thread that registers (with the retire list they still hold). */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "eracell.h"

void pm_sync_era_domain_init(pm_sync_era_domain *d, const pm_sync_backend *be, int interval)
{
    pm_sync_base_init(&d->base, be);
    atomic_init(&d->clock, 1);
    atomic_init(&d->slots, NULL);
    d->interval = interval;
}

void pm_sync_era_slot_push(pm_sync_era_domain *d, pm_sync_era_slot *s)
{
    void *head = atomic_load_explicit(&d->slots, memory_order_relaxed);
    do {
        s->next_all = head;
        /* seq_cst: a retirer whose seq_cst fence precedes this push in the total order did not
         * see the slot, and then this thread's cell loads (after the push) see that retirer's
         * unpublishing CAS, so it can never hold what the retirer frees; release: the slot's
         * initial contents are visible to traversers (acquire loads of the head) */
    } while (!atomic_compare_exchange_weak_explicit(&d->slots, &head, (void *)s,
                                                    memory_order_seq_cst, memory_order_relaxed));
}

/* ---- cells of version records -------------------------------------------------------------- */

static pm_sync_era_rec *rec_new(pm_sync_domain *d, void *obj, pm_sync_free_fn *fn, void *ctx)
{
    pm_sync_era_rec *r = malloc(sizeof *r);
    if (r == NULL)
        return NULL;
    r->obj = obj;
    r->birth = 0;
    r->retire = 0;
    r->next = NULL;
    r->fn = fn;
    r->ctx = ctx;
    r->dom = d;
    return r;
}

void pm_sync_era_rec_free(pm_sync_era_rec *r)
{
    pm_sync_domain *d = r->dom;
    r->fn(r->obj, r->ctx);
    free(r);
    /* last access to d: release pairs with the acquire load in stats()/barrier() */
    atomic_fetch_add_explicit(&d->freed, 1, memory_order_acq_rel);
}

pm_status pm_sync_era_cell_init(pm_sync_domain *dom, pm_sync_cell *c, void *obj,
                                pm_sync_free_fn *fn, void *ctx)
{
    pm_sync_era_domain *d = (pm_sync_era_domain *)dom;
    if (obj == NULL)
        return PM_EINVAL;
    pm_sync_era_rec *r = rec_new(dom, obj, fn, ctx);
    if (r == NULL)
        return PM_ENOMEM;
    r->birth = atomic_load_explicit(&d->clock, memory_order_relaxed);
    c->free_fn = fn;
    c->free_ctx = ctx;
    /* release: the record and the object are visible to readers that acquire the word */
    atomic_store_explicit(&c->word, (uintptr_t)r, memory_order_release);
    return PM_OK;
}

void pm_sync_era_cell_fini(pm_sync_domain *d, pm_sync_cell *c)
{
    PM_SYNC_UNUSED(d);
    pm_sync_era_rec *r =
        (pm_sync_era_rec *)atomic_exchange_explicit(&c->word, 0, memory_order_acq_rel);
    if (r != NULL) {
        r->fn(r->obj, r->ctx);
        free(r);
    }
}

pm_status pm_sync_era_update(const pm_sync_era_ops *ops, pm_sync_thread *t, pm_sync_cell *c,
                             pm_sync_build_fn *build, void *arg)
{
    pm_sync_era_domain *d = (pm_sync_era_domain *)t->dom;
    pm_sync_era_rec *n = rec_new(t->dom, NULL, c->free_fn, c->free_ctx);
    if (n == NULL)
        return PM_ENOMEM;
    for (;;) {
        pm_sync_era_rec *cur = ops->protect(t, c);
        void *next = NULL;
        pm_status st = build(arg, cur->obj, &next);
        if (st != PM_OK || next == cur->obj || next == NULL) {
            ops->exit(t);
            free(n);
            return st != PM_OK ? st : (next == NULL ? PM_EINVAL : PM_OK);
        }
        n->obj = next;
        /* relaxed: sequenced before the release CAS that publishes n (see the file comment) */
        n->birth = atomic_load_explicit(&d->clock, memory_order_relaxed);
        uintptr_t expected = (uintptr_t)cur;
        /* seq_cst: release publishes n and next's contents to acquire cell loads; acquire: we
         * saw cur completely; seq_cst: the scanners' and readers' store-buffering argument. Our
         * own reservation still covers cur here, so it cannot have been freed and reused: no
         * ABA on the word. */
        bool won = atomic_compare_exchange_strong_explicit(
            &c->word, &expected, (uintptr_t)n, memory_order_seq_cst, memory_order_relaxed);
        ops->exit(t);
        if (won) {
            /* release: pairs with the readers' acquire clock loads (file comment) */
            cur->retire = atomic_fetch_add_explicit(&d->clock, 1, memory_order_release);
            pm_sync_count_retired(t->dom);
            ops->retire_rec(t, cur);
            return PM_OK;
        }
        /* another writer won: next was never published, free it now and rebuild */
        c->free_fn(next, c->free_ctx);
    }
}

pm_status pm_sync_era_retire(const pm_sync_era_ops *ops, pm_sync_thread *t, void *obj,
                             pm_sync_free_fn *fn, void *ctx)
{
    pm_sync_era_domain *d = (pm_sync_era_domain *)t->dom;
    pm_sync_era_rec *r = rec_new(t->dom, obj, fn, ctx);
    if (r == NULL)
        return PM_ENOMEM;
    /* birth unknown: 0 covers every era. The caller unlinked obj before this call; as after a
     * publishing CAS, the release increment makes a reader that reads the new era (acquire)
     * see the unlinking, so only readers that reserved eras <= the old value can reach obj. */
    r->retire = atomic_fetch_add_explicit(&d->clock, 1, memory_order_release);
    pm_sync_count_retired(t->dom);
    ops->retire_rec(t, r);
    return PM_OK;
}

/* ---- ibr and he: slots, retire lists, scans ------------------------------------------------- */

static pm_sync_era_slot *slot_of(pm_sync_thread *t)
{
    return (pm_sync_era_slot *)t->rec;
}

pm_status pm_sync_era_register(pm_sync_domain *dom, pm_sync_thread **out)
{
    pm_sync_era_domain *d = (pm_sync_era_domain *)dom;
    pm_sync_thread *t = pm_sync_unpark(dom); /* a parked slot, with what it still has retired */
    if (t != NULL) {
        *out = t;
        return PM_OK;
    }
    size_t ssize = (sizeof(pm_sync_era_slot) + 63) / 64 * 64;
    pm_sync_era_slot *s = aligned_alloc(64, ssize);
    if (s == NULL)
        return PM_ENOMEM;
    memset(s, 0, ssize);
    atomic_init(&s->hi, 0);
    atomic_init(&s->lo, UINT64_MAX);
    s->clock = &d->clock;
    t = pm_sync_thread_alloc(dom, sizeof *t);
    if (t == NULL) {
        free(s);
        return PM_ENOMEM;
    }
    t->rec = s;
    pm_sync_era_slot_push(d, s);
    *out = t;
    return PM_OK;
}

/** Does a reservation cover [birth, retire]? */
static int era_held(pm_sync_era_domain *d, const pm_sync_era_rec *r)
{
    for (pm_sync_era_slot *s = atomic_load_explicit(&d->slots, memory_order_acquire); s != NULL;
         s = s->next_all) {
        /* acquire (both): see the file comment; hi first, then lo (a lower end read after an
         * upper end of the same section is that section's or a later one's) */
        uint64_t hi = atomic_load_explicit(&s->hi, memory_order_acquire);
        if (hi == 0)
            continue;
        uint64_t lo = d->interval ? atomic_load_explicit(&s->lo, memory_order_acquire) : hi;
        if (r->birth <= hi && r->retire >= lo)
            return 1;
    }
    return 0;
}

/** Frees every record of s's list that no reservation covers. */
static void era_scan(pm_sync_era_domain *d, pm_sync_era_slot *s)
{
    if (s->nretired == 0)
        return;
    /* pairs with the readers' seq_cst exchange before their cell load (file comment); our
     * unpublishing CASes are sequenced before it */
    atomic_thread_fence(memory_order_seq_cst);
    pm_sync_era_rec **p = &s->retired;
    while (*p != NULL) {
        pm_sync_era_rec *r = *p;
        if (era_held(d, r)) {
            p = &r->next;
            continue;
        }
        *p = r->next;
        s->nretired--;
        pm_sync_era_rec_free(r);
    }
    atomic_fetch_add_explicit(&d->base.gps, 1, memory_order_relaxed);
}

void pm_sync_era_retire_rec(pm_sync_thread *t, pm_sync_era_rec *r)
{
    pm_sync_era_slot *s = slot_of(t);
    r->next = s->retired;
    s->retired = r;
    if (++s->nretired >= PM_SYNC_ERA_THRESHOLD)
        era_scan((pm_sync_era_domain *)t->dom, s);
}

void pm_sync_era_unregister(pm_sync_thread *t)
{
    pm_sync_domain *dom = t->dom;
    PM_SYNC_DEPTH_NONE(t);
    era_scan((pm_sync_era_domain *)dom, slot_of(t));
    pm_sync_park(dom, t); /* the slot is clear (hi 0, lo none): it holds nothing back */
}

void pm_sync_era_barrier(pm_sync_domain *dom, pm_sync_thread *t)
{
    pm_sync_era_domain *d = (pm_sync_era_domain *)dom;
    if (t != NULL)
        PM_SYNC_DEPTH_NONE(t);
    for (;;) {
        size_t left = 0;
        if (t != NULL) {
            era_scan(d, slot_of(t));
            left += slot_of(t)->nretired;
        }
        /* the lock keeps parked slots from being reused while we scan their lists */
        pthread_mutex_lock(&dom->lock);
        for (pm_sync_thread *p = dom->parked; p != NULL; p = p->next) {
            era_scan(d, slot_of(p));
            left += slot_of(p)->nretired;
        }
        pthread_mutex_unlock(&dom->lock);
        if (left == 0)
            break;
        sched_yield(); /* a reader still covers something: wait for it */
    }
    (void)atomic_load_explicit(&dom->freed, memory_order_acquire);
}

void pm_sync_era_domain_free(pm_sync_domain *dom)
{
    pm_sync_era_barrier(dom, NULL);
    pm_sync_free_parked(dom);
    pm_sync_base_fini(dom);
    free(dom);
}
