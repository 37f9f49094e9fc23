/* pathmap.h — PathMap: a byte-keyed persistent trie map with O(1) clone.
 *
 * Keys ("paths") are byte strings of 0..PM_MAX_KEY bytes; the empty key is a valid key.
 * Values are 64-bit words. Nodes are shared between clones by per-node atomic reference counts
 * and copied on write, so a clone costs one atomic increment and a small handle (allocated, or
 * placed in caller storage by pm_map_clone_at).
 *
 * Threads: a pm_map handle is not internally synchronised. Concurrent calls that take a
 * `const pm_map *` are safe with each other; a mutating call needs exclusive use of its handle.
 * Different handles (clones) may be used and mutated on different threads at the same time:
 * copy-on-write keeps them isolated.
 *
 * Errors are values: every call that can fail returns a pm_status and, on failure, leaves every
 * map it was given exactly as it was (memory exhaustion is PM_ENOMEM, never an abort).
 */
#ifndef PATHMAP_H
#define PATHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Longest key accepted, in bytes (64 KiB). Longer keys get PM_EINVAL. */
#define PM_MAX_KEY ((size_t)65536)

typedef enum pm_status {
    PM_OK = 0,
    PM_ENOTFOUND = 1, /* no such key / no more items */
    PM_EINVAL = 2,    /* bad argument: NULL where not allowed, key longer than PM_MAX_KEY, ... */
    PM_ENOMEM = 3,    /* an allocation failed; nothing was changed */
    PM_ECONFLICT = 4, /* a zipper or transaction overlaps a live one */
    PM_EBUSY = 5,     /* the object is in use (e.g. live zippers) */
    PM_EIO = 6,       /* a read or write callback, or the file, failed */
    PM_ECORRUPT = 7,  /* input is not valid: garbage, truncated, a length beyond PM_MAX_KEY, ... */
    PM_EVERSION = 8,  /* a file of a format version this library does not read */
} pm_status;

/** A static, human-readable description of a status ("out of memory", ...). */
const char *pm_strerror(pm_status s);

/** Result of an algebraic operation relative to its inputs. */
typedef enum pm_alg {
    PM_ALG_ELEMENT = 0,  /* a new result, different from both inputs */
    PM_ALG_IDENTITY = 1, /* the result is identical to an input (reused by pointer) */
    PM_ALG_NONE = 2,     /* the result is empty */
} pm_alg;

/** Optional value hooks for owned payloads. A NULL table (or NULL member) means plain integers:
 * clone copies, drop does nothing, join and meet keep the left value, subtract removes equal
 * values. clone is called when a node holding the value is copied; drop when a value leaves the
 * last map that holds it. */
typedef struct pm_val_ops {
    uint64_t (*clone)(void *ctx, uint64_t v);
    void (*drop)(void *ctx, uint64_t v);
    pm_alg (*join)(void *ctx, uint64_t a, uint64_t b, uint64_t *out);
    pm_alg (*meet)(void *ctx, uint64_t a, uint64_t b, uint64_t *out);
    pm_alg (*subtract)(void *ctx, uint64_t a, uint64_t b, uint64_t *out);
    void *ctx;
} pm_val_ops;

typedef struct pm_map pm_map;

/* ---- life cycle ------------------------------------------------------------------------------ */

/** New empty map. `ops` may be NULL; it is copied. Allocates only the handle. */
pm_status pm_map_new(const pm_val_ops *ops, pm_map **out);
/** Frees the handle and drops its reference to the root (nodes no other map shares are freed).
 * NULL is ignored. Never recurses per node depth. A map made by pm_map_clone_at is released the
 * same way; its slot's memory stays the caller's. */
void pm_map_free(pm_map *m);
/** O(1) clone: one atomic increment on the root and a new handle. The two maps are independent. */
pm_status pm_map_clone(const pm_map *m, pm_map **out);

/** Caller-provided storage for one map handle: lets a clone allocate nothing (pm_map_clone_at).
 * Opaque; PM_MAP_SLOT_SIZE bytes, aligned for pointers and 64-bit words (PM_MAP_SLOT_ALIGN).
 * A slot holds at most one live map at a time and must not move while it does. */
#define PM_MAP_SLOT_SIZE  72
#define PM_MAP_SLOT_ALIGN 8
typedef union pm_map_slot {
    uint64_t words_[PM_MAP_SLOT_SIZE / 8];
    void *ptr_;
    void (*fn_)(void);
} pm_map_slot;

/** O(1) clone into caller storage: one atomic increment on the root, no allocation, cannot fail
 * with PM_ENOMEM. *out points into *slot and is an ordinary map (every call works on it, including
 * pm_map_clone of it). pm_map_free(*out) drops its references and leaves the slot's memory to
 * the caller (reusable afterwards). PM_EINVAL if an argument is NULL or slot is m's own storage. */
pm_status pm_map_clone_at(const pm_map *m, pm_map_slot *slot, pm_map **out);

/* ---- point operations (key may be NULL when len == 0) ---------------------------------------- */

/** Sets key -> val. If the key had a value, *had_old = true and *old = previous value (either
 * pointer may be NULL). Copies at most the nodes on the key's path. val is owned by the map from
 * now on; the previous value is handed to the caller through *old, or dropped (ops->drop) when
 * old is NULL. */
pm_status pm_map_set(pm_map *m, const uint8_t *key, size_t len, uint64_t val, uint64_t *old,
                     bool *had_old);
/** Looks key up; PM_ENOTFOUND if absent. Touches no reference count. */
pm_status pm_map_get(const pm_map *m, const uint8_t *key, size_t len, uint64_t *out);
/** Removes key (its value goes to *old if non-NULL, else it is dropped through ops->drop);
 * PM_ENOTFOUND if absent. Empty nodes are pruned. */
pm_status pm_map_remove(pm_map *m, const uint8_t *key, size_t len, uint64_t *old);
/** True if key holds a value. */
bool pm_map_contains(const pm_map *m, const uint8_t *key, size_t len);
/** True if some key has `key` as a prefix (or equals it). */
bool pm_map_contains_path(const pm_map *m, const uint8_t *key, size_t len);
/** True if the map holds no value. O(1). */
bool pm_map_is_empty(const pm_map *m);
/** Number of values, by an explicit-stack walk (no recursion). */
pm_status pm_map_len(const pm_map *m, size_t *out);

/* ---- prefix operations ----------------------------------------------------------------------- */

/** Number of values whose key starts with prefix (the prefix itself included). */
pm_status pm_map_count_prefix(const pm_map *m, const uint8_t *prefix, size_t plen, size_t *out);
/** Removes every value whose key starts with prefix; *removed (may be NULL) gets their number. */
pm_status pm_map_remove_prefix(pm_map *m, const uint8_t *prefix, size_t plen, size_t *removed);
/** New map holding exactly the entries of m whose key starts with prefix (keys unchanged).
 * Shares m's nodes: O(plen). */
pm_status pm_map_copy_prefix(const pm_map *m, const uint8_t *prefix, size_t plen, pm_map **out);
/** New map holding the entries of m below prefix with the prefix stripped from their keys
 * (the value at prefix itself becomes the empty key's value). Shares nodes: O(plen). */
pm_status pm_map_subtrie(const pm_map *m, const uint8_t *prefix, size_t plen, pm_map **out);
/** Replaces everything at and below prefix in dst by src's entries placed under prefix
 * (src's empty-key value lands on prefix: dst gets a clone of it). Shares src's nodes (one
 * reference count); src is not changed. Copies only the nodes on prefix's path in dst. dst == src
 * is allowed. Keys created this way may exceed PM_MAX_KEY; such keys are reached by iteration and
 * prefix operations only. dst's value hooks are used for the grafted values. */
pm_status pm_map_graft(pm_map *dst, const uint8_t *prefix, size_t plen, const pm_map *src);

/* ---- algebra ----------------------------------------------------------------------------------
 * Path-level set operations with value lattices (pm_val_ops; NULL = integers: join and meet keep
 * the left value, subtract removes equal values). Values are combined through the LEFT operand's
 * hooks; both maps should use the same ones. A hook's result: PM_ALG_IDENTITY = keep the left
 * value, PM_ALG_ELEMENT = *out is a new owned value, PM_ALG_NONE = no value.
 *   PM_JOIN      a path in either map; values where both have one are joined
 *   PM_MEET      a path in both maps; values met
 *   PM_SUBTRACT  a's paths; a value is removed where b has one and subtract gives NONE; a subtrie
 *                that is pointer-equal in both is removed whole
 *   PM_RESTRICT  the paths of a that have a prefix which is a value path of b (b's empty-key
 *                value keeps everything)
 * Unchanged and pointer-equal subtries are reused by pointer without being walked; *res (may be
 * NULL) says PM_ALG_IDENTITY when the result is one of the inputs (reused whole), PM_ALG_NONE
 * when it is empty, PM_ALG_ELEMENT otherwise. Explicit stacks; failures leave inputs unchanged. */
typedef enum pm_alg_op { PM_JOIN = 0, PM_MEET = 1, PM_SUBTRACT = 2, PM_RESTRICT = 3 } pm_alg_op;

/** *out := a OP b, a new map (with a's hooks). An identity result costs one handle. */
pm_status pm_map_alg(pm_alg_op op, const pm_map *a, const pm_map *b, pm_map **out, pm_alg *res);
/** dst := dst OP src in place. An identity result allocates nothing (e.g. joining a clone). */
pm_status pm_map_alg_into(pm_alg_op op, pm_map *dst, const pm_map *src, pm_alg *res);
/** *out := m with the first n bytes of every key stripped and the resulting maps joined (values
 * at keys of length 1..n are discarded; the empty key's value stays). */
pm_status pm_map_drop_head(const pm_map *m, size_t n, pm_map **out, pm_alg *res);

static inline pm_status pm_map_join(const pm_map *a, const pm_map *b, pm_map **out, pm_alg *res)
{
    return pm_map_alg(PM_JOIN, a, b, out, res);
}
static inline pm_status pm_map_meet(const pm_map *a, const pm_map *b, pm_map **out, pm_alg *res)
{
    return pm_map_alg(PM_MEET, a, b, out, res);
}
static inline pm_status pm_map_subtract(const pm_map *a, const pm_map *b, pm_map **out, pm_alg *res)
{
    return pm_map_alg(PM_SUBTRACT, a, b, out, res);
}
static inline pm_status pm_map_restrict(const pm_map *a, const pm_map *b, pm_map **out, pm_alg *res)
{
    return pm_map_alg(PM_RESTRICT, a, b, out, res);
}
static inline pm_status pm_map_join_into(pm_map *dst, const pm_map *src, pm_alg *res)
{
    return pm_map_alg_into(PM_JOIN, dst, src, res);
}
static inline pm_status pm_map_meet_into(pm_map *dst, const pm_map *src, pm_alg *res)
{
    return pm_map_alg_into(PM_MEET, dst, src, res);
}

/* ---- iteration: depth-first, ascending bytes, a key before its extensions -------------------- */

typedef struct pm_iter pm_iter;

/** Iterator over the entries whose key starts with prefix (plen may be 0: everything). The map
 * must not be mutated while the iterator lives (clone it first if it must). */
pm_status pm_iter_new(const pm_map *m, const uint8_t *prefix, size_t plen, pm_iter **out);
/** Next entry: PM_OK with *key and *len (borrowed until the next call) and *val;
 * PM_ENOTFOUND at the end; PM_ENOMEM if its stack could not grow (the iterator stays valid;
 * call again to retry). */
pm_status pm_iter_next(pm_iter *it, const uint8_t **key, size_t *len, uint64_t *val);
void pm_iter_free(pm_iter *it);

/** Calls fn for every entry under prefix in iteration order; stops early (returning PM_OK) when
 * fn returns non-zero. */
pm_status pm_map_foreach(const pm_map *m, const uint8_t *prefix, size_t plen,
                         int (*fn)(void *ctx, const uint8_t *key, size_t len, uint64_t val),
                         void *ctx);

/* ---- memory accounting ----------------------------------------------------------------------- */

/** Process-wide node accounting (per-thread counters summed on demand; exact once the threads
 * that changed maps have finished their calls). */
typedef struct pm_mem_stats {
    uint64_t live_nodes; /* nodes allocated and not yet freed */
    uint64_t live_bytes; /* bytes of those nodes, as requested from malloc */
    uint64_t allocs;     /* node allocations ever made */
    uint64_t frees;      /* node frees ever made */
} pm_mem_stats;
void pm_mem_stats_get(pm_mem_stats *out);

/** Distinct nodes reachable from m and their bytes (each shared node counted once), by walking. */
pm_status pm_map_footprint(const pm_map *m, size_t *nodes, size_t *bytes);

#ifdef __cplusplus
}
#endif
#endif /* PATHMAP_H */
