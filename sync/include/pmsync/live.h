/* pmsync/live.h — the live map: a PathMap shared by readers and writers, on any backend.
 *
 * A version is a pm_map handle; the live map publishes the current one in a backend cell.
 *  - read:     enter a read section, deref the cell (acquire), query that version, leave.
 *              Reads touch no refcount. One version per section: snapshot isolation.
 *  - snapshot: pm_map_clone() of the current version inside a read section (root +1): an O(1)
 *              counted clone usable anywhere, freed with pm_map_free().
 *  - write:    a transaction on an exclusive path. begin() registers the path (overlap with a
 *              live transaction's path — one a prefix of the other, equal or empty included —
 *              is PM_ECONFLICT) and hands out a private map = pm_map_subtrie(current, path)
 *              (keys relative to path). The writer changes it freely: every published node it
 *              reaches has a reference count >= 2, so core copies it (published nodes are never
 *              written). commit() grafts the private map into a clone of the current version
 *              and publishes it with a CAS (retried on a newer version: disjoint paths make the
 *              re-graft exact); the replaced version is retired through the backend, whose
 *              deferred pm_map_free() releases exactly the nodes no version shares any more.
 *
 * Threads: every call takes the caller's pm_sync_thread (registered with the live map's domain);
 * a transaction is used by the thread that began it. */
#ifndef PMSYNC_LIVE_H
#define PMSYNC_LIVE_H

#include "pathmap.h"
#include "pmsync/all.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pm_live pm_live;
typedef struct pm_live_txn pm_live_txn;

/** A live map on domain d holding `initial` (taken over on success; NULL: an empty map). */
pm_status pm_live_new(pm_sync_domain *d, pm_map *initial, pm_live **out);
/** Frees the live map and its current version at once. No thread may be using it and no
 * transaction may be open; versions retired earlier are freed by the domain (barrier/free). */
void pm_live_free(pm_live *lm);
pm_sync_domain *pm_live_domain(const pm_live *lm);
/** The cell holding the current version, for per-backend inlined loops:
 *     pm_sync_<id>_read_enter(t); const pm_map *v = pm_sync_<id>_deref(t, cell); ...;
 *     pm_sync_<id>_read_exit(t);
 * or the pm_live_get_<id>() functions below. */
pm_sync_cell *pm_live_cell(pm_live *lm);

/* ---- reads ----------------------------------------------------------------------------------- */

/** Enters a read section and returns the current version (valid until pm_live_read_end). */
const pm_map *pm_live_read_begin(pm_live *lm, pm_sync_thread *t);
void pm_live_read_end(pm_live *lm, pm_sync_thread *t);
/** One point lookup in its own read section. */
pm_status pm_live_get(pm_live *lm, pm_sync_thread *t, const uint8_t *key, size_t len,
                      uint64_t *out);
/** *out = an O(1) counted clone of the current version (free it with pm_map_free). */
pm_status pm_live_snapshot(pm_live *lm, pm_sync_thread *t, pm_map **out);

/* ---- write transactions ---------------------------------------------------------------------- */

/** Opens a transaction on `path` (PM_ECONFLICT if it overlaps an open one; PM_ENOMEM). */
pm_status pm_live_txn_begin(pm_live *lm, pm_sync_thread *t, const uint8_t *path, size_t plen,
                            pm_live_txn **out);
/** The transaction's private map: the entries under path, keys relative to path. */
pm_map *pm_live_txn_map(pm_live_txn *tx);
/** Publishes the transaction. PM_OK: done, tx is freed. An error (PM_ENOMEM): nothing was
 * published and tx stays open (commit again, or abort). */
pm_status pm_live_txn_commit(pm_live_txn *tx);
/** Throws the transaction's work away and frees tx. */
void pm_live_txn_abort(pm_live_txn *tx);

typedef struct pm_live_stats {
    uint64_t commits;   /* successful commits */
    uint64_t retries;   /* lost CAS races (re-grafts) */
    uint64_t conflicts; /* begins refused with PM_ECONFLICT */
    uint64_t aborts;
} pm_live_stats;
void pm_live_stats_get(const pm_live *lm, pm_live_stats *out);

/* ---- inlined point lookups, one per backend: pm_live_get_<id>(t, cell, key, len, out) ----------
 */
#define PM_LIVE_DEFINE_GET_(id, name)                                                              \
    static inline pm_status pm_live_get_##id(pm_sync_thread *t, pm_sync_cell *cell,                \
                                             const uint8_t *key, size_t len, uint64_t *out)        \
    {                                                                                              \
        pm_sync_##id##_read_enter(t);                                                              \
        const pm_map *v = (const pm_map *)pm_sync_##id##_deref(t, cell);                           \
        pm_status st = pm_map_get(v, key, len, out);                                               \
        pm_sync_##id##_read_exit(t);                                                               \
        return st;                                                                                 \
    }
PM_SYNC_BACKENDS(PM_LIVE_DEFINE_GET_)
#undef PM_LIVE_DEFINE_GET_

#ifdef __cplusplus
}
#endif
#endif
