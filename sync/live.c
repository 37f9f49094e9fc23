/* sync/live.c — the live map (pmsync/live.h): versions published in a backend cell, write
 * transactions on exclusive paths, commits by graft + CAS, replaced versions retired through the
 * backend. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <stdatomic.h>

#include "pmsync/live.h"

struct pm_live_txn {
    pm_live *lm;
    pm_sync_thread *t;
    pm_map *priv; /* the private map: entries under path, keys relative to it */
    uint8_t *path;
    size_t plen;
    uint64_t builds;           /* build attempts of the current commit */
    pm_live_txn *next, **prev; /* the conflict tracker's list */
};

struct pm_live {
    pm_sync_cell cell;
    pm_sync_domain *dom;
    pthread_mutex_t lock; /* the conflict tracker */
    pm_live_txn *open;
    _Atomic(uint64_t) commits, retries, conflicts, aborts;
};

static void live_free_version(void *obj, void *ctx)
{
    (void)ctx;
    pm_map_free(obj);
}

pm_status pm_live_new(pm_sync_domain *d, pm_map *initial, pm_live **out)
{
    if (d == NULL || out == NULL)
        return PM_EINVAL;
    pm_live *lm = calloc(1, sizeof *lm);
    if (lm == NULL)
        return PM_ENOMEM;
    pm_map *v = initial;
    if (v == NULL) {
        pm_status st = pm_map_new(NULL, &v);
        if (st != PM_OK) {
            free(lm);
            return st;
        }
    }
    pm_status st = pm_sync_cell_init(d, &lm->cell, v, live_free_version, NULL);
    if (st != PM_OK) {
        if (initial == NULL)
            pm_map_free(v);
        free(lm);
        return st;
    }
    lm->dom = d;
    pthread_mutex_init(&lm->lock, NULL);
    *out = lm;
    return PM_OK;
}

void pm_live_free(pm_live *lm)
{
    if (lm == NULL)
        return;
    pm_sync_cell_fini(lm->dom, &lm->cell);
    pthread_mutex_destroy(&lm->lock);
    free(lm);
}

pm_sync_domain *pm_live_domain(const pm_live *lm)
{
    return lm->dom;
}

pm_sync_cell *pm_live_cell(pm_live *lm)
{
    return &lm->cell;
}

/* ---- reads ----------------------------------------------------------------------------------- */

const pm_map *pm_live_read_begin(pm_live *lm, pm_sync_thread *t)
{
    return pm_sync_read_begin(t, &lm->cell); /* enter + deref (acquire): one table call */
}

void pm_live_read_end(pm_live *lm, pm_sync_thread *t)
{
    (void)lm;
    pm_sync_read_exit(t);
}

pm_status pm_live_get(pm_live *lm, pm_sync_thread *t, const uint8_t *key, size_t len, uint64_t *out)
{
    const pm_map *v = pm_live_read_begin(lm, t);
    pm_status st = pm_map_get(v, key, len, out);
    pm_live_read_end(lm, t);
    return st;
}

pm_status pm_live_snapshot(pm_live *lm, pm_sync_thread *t, pm_map **out)
{
    if (out == NULL)
        return PM_EINVAL;
    const pm_map *v = pm_live_read_begin(lm, t);
    /* inside the section: v cannot be freed (and its root decremented) while we count it */
    pm_status st = pm_map_clone(v, out);
    pm_live_read_end(lm, t);
    return st;
}

/* ---- the conflict tracker ------------------------------------------------------------------- */

static bool paths_overlap(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen; /* one is a prefix of the other (empty, equal incl.) */
    return n == 0 || memcmp(a, b, n) == 0;
}

pm_status pm_live_txn_begin(pm_live *lm, pm_sync_thread *t, const uint8_t *path, size_t plen,
                            pm_live_txn **out)
{
    if (lm == NULL || t == NULL || out == NULL || (path == NULL && plen > 0) || plen > PM_MAX_KEY)
        return PM_EINVAL;
    pm_live_txn *tx = calloc(1, sizeof *tx);
    if (tx == NULL)
        return PM_ENOMEM;
    tx->path = malloc(plen > 0 ? plen : 1);
    if (tx->path == NULL) {
        free(tx);
        return PM_ENOMEM;
    }
    if (plen > 0)
        memcpy(tx->path, path, plen);
    tx->plen = plen;
    tx->lm = lm;
    tx->t = t;

    pthread_mutex_lock(&lm->lock);
    for (pm_live_txn *o = lm->open; o != NULL; o = o->next) {
        if (paths_overlap(o->path, o->plen, path, plen)) {
            pthread_mutex_unlock(&lm->lock);
            atomic_fetch_add_explicit(&lm->conflicts, 1, memory_order_relaxed);
            free(tx->path);
            free(tx);
            return PM_ECONFLICT;
        }
    }
    tx->next = lm->open;
    tx->prev = &lm->open;
    if (lm->open != NULL)
        lm->open->prev = &tx->next;
    lm->open = tx;
    pthread_mutex_unlock(&lm->lock);

    /* the private map: counted references to the published subtrie, taken while the version
     * cannot be freed */
    const pm_map *v = pm_live_read_begin(lm, t);
    pm_status st = pm_map_subtrie(v, tx->path, plen, &tx->priv);
    pm_live_read_end(lm, t);
    if (st != PM_OK) {
        pthread_mutex_lock(&lm->lock);
        *tx->prev = tx->next;
        if (tx->next != NULL)
            tx->next->prev = tx->prev;
        pthread_mutex_unlock(&lm->lock);
        free(tx->path);
        free(tx);
        return st;
    }
    *out = tx;
    return PM_OK;
}

pm_map *pm_live_txn_map(pm_live_txn *tx)
{
    return tx->priv;
}

static void txn_close(pm_live_txn *tx)
{
    pm_live *lm = tx->lm;
    pthread_mutex_lock(&lm->lock);
    *tx->prev = tx->next;
    if (tx->next != NULL)
        tx->next->prev = tx->prev;
    pthread_mutex_unlock(&lm->lock);
    pm_map_free(tx->priv); /* its nodes live on in the new version, or die here (abort) */
    free(tx->path);
    free(tx);
}

/* Called by the backend's update loop with `cur` protected (inside the writer's read section, or
 * under the write lock for rwlock, or pinned for refcount/hp). */
static pm_status commit_build(void *arg, void *cur, void **next)
{
    pm_live_txn *tx = arg;
    tx->builds++;
    pm_map *nv;
    pm_status st = pm_map_clone(cur, &nv); /* root +1: cur's nodes are now shared, never written */
    if (st != PM_OK)
        return st;
    /* path copying above the graft point; the private map's nodes are shared (one count) */
    st = pm_map_graft(nv, tx->path, tx->plen, tx->priv);
    if (st != PM_OK) {
        pm_map_free(nv);
        return st;
    }
    *next = nv;
    return PM_OK;
}

pm_status pm_live_txn_commit(pm_live_txn *tx)
{
    if (tx == NULL)
        return PM_EINVAL;
    pm_live *lm = tx->lm;
    tx->builds = 0;
    /* build + CAS(acq_rel) + retire of the replaced version through the backend */
    pm_status st = pm_sync_update(tx->t, &lm->cell, commit_build, tx);
    if (tx->builds > 1)
        atomic_fetch_add_explicit(&lm->retries, tx->builds - 1, memory_order_relaxed);
    if (st != PM_OK)
        return st;
    atomic_fetch_add_explicit(&lm->commits, 1, memory_order_relaxed);
    txn_close(tx);
    return PM_OK;
}

void pm_live_txn_abort(pm_live_txn *tx)
{
    if (tx == NULL)
        return;
    atomic_fetch_add_explicit(&tx->lm->aborts, 1, memory_order_relaxed);
    txn_close(tx);
}

void pm_live_stats_get(const pm_live *lm, pm_live_stats *out)
{
    pm_live *m = (pm_live *)lm;
    out->commits = atomic_load_explicit(&m->commits, memory_order_relaxed);
    out->retries = atomic_load_explicit(&m->retries, memory_order_relaxed);
    out->conflicts = atomic_load_explicit(&m->conflicts, memory_order_relaxed);
    out->aborts = atomic_load_explicit(&m->aborts, memory_order_relaxed);
}
