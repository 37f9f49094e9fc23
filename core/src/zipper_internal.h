/* zipper_internal.h — positions in a trie (pm_zpos), the position stack shared by read and
 * write zippers (pm_zcore), the zipper objects and the algebra's internal entry points.
 *
 * Private to core/. See docs/core.md ("Zippers", "ZipperHead", "Algebra").
 */
#ifndef PM_ZIPPER_INTERNAL_H
#define PM_ZIPPER_INTERNAL_H

#include "node_internal.h"
#include "pathmap_zipper.h"

#include <pthread.h>

/* ---- positions (zpos.c) ----------------------------------------------------------------------
 * A position is a key position in a trie: at a node boundary (off == 0: `node` is the subtrie
 * below, 0 if none) or inside line node `node`'s slot `slot` after `off` key bytes (0 < off <
 * len; if the slot is the value half of a (value, child) pair with equal keys, both are
 * covered). has_val/val: the value stored exactly at the position (never inside a key). A
 * position that does not exist has node == 0 and no value. Positions are plain reads. */
typedef struct pm_zpos {
    pm_link node;
    uint32_t off;
    uint8_t slot;
    uint8_t has_val;
    uint64_t val;
} pm_zpos;

void pm_zpos_root(const pm_map *m, pm_zpos *p);
/* The position one byte b below p. */
void pm_zpos_step(const pm_zpos *p, unsigned b, pm_zpos *o);
void pm_zpos_mask(const pm_zpos *p, uint64_t m[4]);
static inline int pm_zpos_exists(const pm_zpos *p)
{
    return p->node != 0 || p->has_val;
}
/* Same subtrie below (pointer-equal), values not compared. */
static inline int pm_zpos_same_below(const pm_zpos *a, const pm_zpos *b)
{
    return a->node == b->node && a->off == b->off && (a->off == 0 || a->slot == b->slot);
}
/* The subtrie below an inside position as a virtual line node (count 0, never linked). */
void pm_zpos_virt(const pm_zpos *p, pm_line *v);
/* A counted link to the subtrie below p: +1 on a real node, or (inside a key) a copy of the
 * virtual node into blk (a fresh line-sized block). */
pm_link pm_zpos_take(const pm_zpos *p, void *blk, const pm_val_ops *ops);
static inline int pm_zpos_needs_block(const pm_zpos *p)
{
    return p->off != 0;
}
/* Values at and below p. */
pm_status pm_zpos_count(const pm_zpos *p, size_t *out);
/* Largest byte < below with its bit set in m, or 256. */
unsigned pm_prev_bit(const uint64_t m[4], unsigned below);

/* ---- the position stack (zcore.c) ------------------------------------------------------------
 * path[0, olen) is the origin, path[olen, olen + len) the focus path relative to it; st[i] is
 * the position after origin + i bytes (st[0] the origin, st[len] the focus). */
typedef struct pm_zcore {
    const pm_map *map; /* the map positions are rebuilt from (NULL: fixed st[0]) */
    uint8_t *path;
    size_t pcap, olen, len;
    pm_zpos *st;
    size_t scap; /* positions allocated */
} pm_zcore;

pm_status pm_zc_init(pm_zcore *z, const pm_map *m, const uint8_t *origin, size_t olen);
/* A core over a fixed root position (no map, no origin). */
pm_status pm_zc_init_pos(pm_zcore *z, const pm_zpos *root);
void pm_zc_fini(pm_zcore *z);
/* Recomputes st[0..len] from the map (after the map changed). Never fails. */
void pm_zc_rebuild(pm_zcore *z);
int pm_zc_reserve(pm_zcore *z, size_t extra); /* room for extra more bytes; 0 or -1 */
pm_status pm_zc_descend(pm_zcore *z, const uint8_t *key, size_t n);
bool pm_zc_ascend(pm_zcore *z, size_t n);
pm_status pm_zc_sibling(pm_zcore *z, int next);
pm_status pm_zc_next_val(pm_zcore *z);
pm_status pm_zc_k_path(pm_zcore *z, size_t k, int first);
void pm_zc_child_mask(const pm_zcore *z, uint64_t mask[4]);
static inline const pm_zpos *pm_zc_focus(const pm_zcore *z)
{
    return &z->st[z->len];
}

/* ---- zipper objects -------------------------------------------------------------------------- */
/* Registry of a head's live zippers (zipperhead.c): one trie per kind (readers, writers) with
 * one node per byte of every registered path. Nodes are found by (parent, byte) in a hash table
 * shared by both tries; `here` counts the zippers registered at exactly the node's path, `total`
 * those at or below it (a non-root node with total 0 is unlinked at once). Under the head's
 * mutex only. */
typedef struct pm_zh_node {
    struct pm_zh_node *parent;      /* NULL: a root (the empty path) */
    struct pm_zh_node *child;       /* first child; every child has total > 0 */
    struct pm_zh_node *next, *prev; /* siblings */
    struct pm_zh_node *hnext;       /* hash chain, or the spare list */
    size_t here, total;
    uint8_t byte; /* last byte of the node's path */
} pm_zh_node;

/* Membership of a zipper in its head's registry; path is the zipper's path in the head's map. */
typedef struct pm_zh_entry {
    pm_zh *head;
    pm_zh_node *node; /* the registry node at path */
    int is_write;
    uint8_t *path;
    size_t len;
} pm_zh_entry;

struct pm_rz {
    pm_zcore c;
    pm_map *own; /* head zippers: the counted subtrie read (c.map == own) */
    pm_zh_entry he;
};

struct pm_wz {
    pm_zcore c;
    pm_map *target; /* the map written: the user's map, or the private subtrie of a head zipper */
    int dirty;      /* c.st is stale after a write: rebuilt before the next read */
    pm_zh_entry he;
};

struct pm_zh {
    pm_map *m;
    pthread_mutex_t lock; /* guards everything below (and the map's edits) */
    size_t nlive;         /* live zippers */
    pm_zh_node roots[2];  /* the registry's tries: [0] readers, [1] writers */
    pm_zh_node **buckets; /* (parent, byte) -> node, chained through hnext */
    size_t nbuckets;      /* 0 or a power of two >= nnodes */
    unsigned bshift;      /* 64 - log2(nbuckets) */
    size_t nnodes;        /* non-root nodes linked */
    pm_zh_node *spare;    /* unlinked nodes kept for reuse, chained through hnext */
    size_t nspare;
};

/* ---- algebra (algebra.c) ---------------------------------------------------------------------
 * Result of an operation on two positions. ident >= 0: the result is input 0 (a) or 1 (b),
 * nothing was taken. ident < 0: (has_val, val, link) is a new counted subtrie owned by the
 * caller (link 0 and no value: empty). */
typedef struct pm_subtrie {
    int ident;
    int has_val;
    uint64_t val;
    pm_link link;
} pm_subtrie;
pm_status pm_alg_pos(pm_alg_op op, const pm_val_ops *ops, const pm_zpos *a, const pm_zpos *b,
                     pm_subtrie *out);
/* Join of the subtries strictly below the positions n bytes below a (n >= 1); a value-less
 * result. ident 0 is never returned. */
pm_status pm_drop_head_pos(const pm_val_ops *ops, const pm_zpos *a, size_t n, pm_subtrie *out);
void pm_subtrie_release(pm_subtrie *s, const pm_val_ops *ops);

#endif
