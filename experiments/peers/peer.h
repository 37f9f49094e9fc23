/* peer.h — the data structures a user would otherwise pick, behind one small interface, so the
 * `peers` experiment (and extra rows of `read`/`write`) run them with the same keys, the same
 * operation mix, the same harness and the same allocator as PathMap.
 *
 *   judysl-rwlock  JudySL (libjudy) under a pthread rwlock; keys must not contain a 0 byte
 *   judyhs-rwlock  JudyHS (libjudy, length-counted keys) under the same rwlock wrapper; any bytes
 *   ck_hs          Concurrency Kit ck_hs in SPMC mode: one writer, readers protected by ck_epoch
 *   cds_lfht       liburcu's RCU lock-free hash table (urcu-memb flavour), lookups in read sections
 *   ghash-rwlock   GLib GHashTable under a pthread rwlock (the analysis's "RwLock<HashMap>")
 *
 * A peer that refuses a key (insert returns -1 for it) cannot hold the key set: the experiments
 * report such a row as not comparable (pmlab_not_comparable), never as a measurement.
 *
 * Memory is not reported by the peers themselves: experiments measure heap bytes around a build
 * with pmx_heap_bytes() (heap.h), under the same allocator for every structure.
 */
#ifndef PMX_PEER_H
#define PMX_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pmx_peer_ops {
    const char *name;   /* the `structure` column */
    const char *about;  /* one line: what it is and how it synchronises */
    bool nul_free_keys; /* true: keys containing a 0 byte are refused (JudySL) */
    bool multi_writer;  /* false: callers must serialise insert (one writer thread) */
    void *(*create)(size_t expected_keys); /* NULL when out of memory */
    void (*destroy)(void *inst);           /* after every thread has left */
    void *(*thread_enter)(void *inst);     /* per-thread context; NULL on failure */
    void (*thread_exit)(void *inst, void *tctx);
    /* 0 inserted, 1 replaced an existing value, -1 out of memory or refused key */
    int (*insert)(void *inst, void *tctx, const uint8_t *key, size_t len, uint64_t val);
    bool (*lookup)(void *inst, void *tctx, const uint8_t *key, size_t len, uint64_t *val);
} pmx_peer_ops;

extern const pmx_peer_ops pmx_peer_judysl_rwlock;
extern const pmx_peer_ops pmx_peer_judyhs_rwlock;
extern const pmx_peer_ops pmx_peer_ck_hs;
extern const pmx_peer_ops pmx_peer_cds_lfht;
extern const pmx_peer_ops pmx_peer_ghash_rwlock;

/** Every peer, NULL-terminated, in a fixed order: the one list (the peers experiment's
 * `structure` parameter and its documentation derive from it). */
extern const pmx_peer_ops *const pmx_peers[];
const pmx_peer_ops *pmx_peer_by_name(const char *name);

#endif
