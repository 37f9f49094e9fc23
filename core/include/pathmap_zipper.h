/* pathmap_zipper.h — zippers (cursors) over a PathMap and the ZipperHead that hands them out.
 *
 * A read zipper (pm_rz) is a cursor on a path of a map. It moves byte by byte (also inside
 * prefix-compressed keys), reports the value and the children at its focus and iterates values
 * and fixed-length paths in depth-first order (a key before its extensions, ascending bytes).
 * It chases plain pointers: it never changes a reference count, and it allocates only when its
 * path buffer / position stack must grow.
 *
 * A write zipper (pm_wz) moves the same way and changes the map at its focus: values, whole
 * branches, grafts (O(1): one reference count), and the algebra of a read zipper's subtrie into
 * the focus. Only nodes on the focus path are copied on the first write after a clone.
 *
 * Paths: a zipper is created at an origin path; its focus path (pm_*_path) is relative to that
 * origin and it cannot ascend above it. The focus may move onto a path that does not exist
 * (descend returns PM_ENOTFOUND then); writing there creates it.
 *
 * Borrowing: a zipper made by pm_rz_new / pm_wz_new borrows its map. While it lives the map
 * must not be changed by anything else (a write zipper's own writes excepted; a read zipper over
 * a map a write zipper changes is invalid after the write). Zippers made by a ZipperHead own
 * what they read (see pm_zh_*). A zipper must be used by one thread at a time; it may be moved
 * to another thread.
 *
 * Errors: every call that can fail returns a pm_status and, on failure, changes nothing
 * (PM_ENOMEM leaves the focus and every map as they were).
 */
#ifndef PATHMAP_ZIPPER_H
#define PATHMAP_ZIPPER_H

#include "pathmap.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pm_rz pm_rz;
typedef struct pm_wz pm_wz;
typedef struct pm_zh pm_zh;

/* ---- read zipper ----------------------------------------------------------------------------- */

/** New read zipper on m with its origin at path. The path need not exist. m is borrowed. */
pm_status pm_rz_new(const pm_map *m, const uint8_t *path, size_t len, pm_rz **out);
/** Frees a zipper made by pm_rz_new; a zipper made by a ZipperHead is released (pm_zh_release_rz).
 * NULL is ignored. */
void pm_rz_free(pm_rz *z);
/** Moves the focus down by the len bytes of key. PM_OK if the new focus path exists in the map,
 * PM_ENOTFOUND if it does not (the focus moved anyway), PM_ENOMEM (focus unchanged). */
pm_status pm_rz_descend(pm_rz *z, const uint8_t *key, size_t len);
pm_status pm_rz_descend_byte(pm_rz *z, uint8_t b);
/** Moves the focus up by n bytes; true if it could, false if it stopped at the origin. */
bool pm_rz_ascend(pm_rz *z, size_t n);
/** Focus back to the origin. */
void pm_rz_reset(pm_rz *z);
/** The focus path relative to the origin (borrowed until the next move); *len its length. */
const uint8_t *pm_rz_path(const pm_rz *z, size_t *len);
/** True if the focus path exists (holds a value or has something below). */
bool pm_rz_exists(const pm_rz *z);
/** Value at the focus: PM_OK and *out, or PM_ENOTFOUND. */
pm_status pm_rz_val(const pm_rz *z, uint64_t *out);
/** The bytes that extend the focus path to an existing path, as a 256-bit mask
 * (bit b of mask[b >> 6] at position b & 63). */
void pm_rz_child_mask(const pm_rz *z, uint64_t mask[4]);
unsigned pm_rz_child_count(const pm_rz *z);
/** Replaces the last byte of the focus path by the next (previous) existing sibling byte.
 * PM_ENOTFOUND (focus unchanged) if there is none or the focus is at the origin. */
pm_status pm_rz_next_sibling(pm_rz *z);
pm_status pm_rz_prev_sibling(pm_rz *z);
/** Moves to the next value after the focus in depth-first pre-order (below the origin):
 * PM_OK; PM_ENOTFOUND at the end (the focus is then reset to the origin); PM_ENOMEM (unchanged).
 * From the origin, repeated calls visit every value below it (not the origin's own value). */
pm_status pm_rz_next_val(pm_rz *z);
/** Moves to the first path exactly k bytes below the focus (depth-first order): PM_OK, or
 * PM_ENOTFOUND (none; focus unchanged). pm_rz_next_k_path moves from such a path to the next one
 * of the same k-byte parent level; at the end it returns PM_ENOTFOUND with the focus k bytes up
 * (where first_k_path started). */
pm_status pm_rz_first_k_path(pm_rz *z, size_t k);
pm_status pm_rz_next_k_path(pm_rz *z, size_t k);
/** Number of values at and below the focus (explicit stack). */
pm_status pm_rz_val_count(const pm_rz *z, size_t *out);

/* ---- write zipper ---------------------------------------------------------------------------- */

/** New write zipper on m with its origin at path. m is borrowed and must not be used otherwise
 * while the zipper lives. */
pm_status pm_wz_new(pm_map *m, const uint8_t *path, size_t len, pm_wz **out);
/** Frees a zipper made by pm_wz_new (always PM_OK). For a zipper made by a ZipperHead this is
 * pm_zh_release_wz (which can return PM_ENOMEM; the zipper then stays live). NULL: PM_OK. */
pm_status pm_wz_free(pm_wz *z);

/* Moves and inspection: as for pm_rz_*. */
pm_status pm_wz_descend(pm_wz *z, const uint8_t *key, size_t len);
pm_status pm_wz_descend_byte(pm_wz *z, uint8_t b);
bool pm_wz_ascend(pm_wz *z, size_t n);
void pm_wz_reset(pm_wz *z);
const uint8_t *pm_wz_path(const pm_wz *z, size_t *len);
bool pm_wz_exists(pm_wz *z);
pm_status pm_wz_val(pm_wz *z, uint64_t *out);
void pm_wz_child_mask(pm_wz *z, uint64_t mask[4]);
unsigned pm_wz_child_count(pm_wz *z);
pm_status pm_wz_next_sibling(pm_wz *z);
pm_status pm_wz_prev_sibling(pm_wz *z);
pm_status pm_wz_next_val(pm_wz *z);
pm_status pm_wz_first_k_path(pm_wz *z, size_t k);
pm_status pm_wz_next_k_path(pm_wz *z, size_t k);
pm_status pm_wz_val_count(pm_wz *z, size_t *out);

/** Sets the value at the focus (as pm_map_set: the previous value goes to *old or is dropped). */
pm_status pm_wz_set_val(pm_wz *z, uint64_t val, uint64_t *old, bool *had_old);
/** Removes the value at the focus (to *old, or dropped); PM_ENOTFOUND if none. Prunes. */
pm_status pm_wz_remove_val(pm_wz *z, uint64_t *old);
/** Removes everything below the focus; the focus value stays. Prunes. */
pm_status pm_wz_remove_branches(pm_wz *z);
/** Replaces the focus value and everything below it by src's focus value and subtrie, shared
 * (one reference count; a focus inside a compressed key costs one small node). src may read the
 * zipper's own map; it is invalid after the write. */
pm_status pm_wz_graft(pm_wz *z, const pm_rz *src);
/** The same with a whole map (its empty-key value lands on the focus); src is not changed. */
pm_status pm_wz_graft_map(pm_wz *z, const pm_map *src);
/** Moves the focus value and everything below it into a new map (keys relative to the focus)
 * and removes them from this one. */
pm_status pm_wz_take_map(pm_wz *z, pm_map **out);
/** focus := focus OP src's focus (values included), see pm_alg_op. *res (may be NULL) says
 * whether the focus changed: PM_ALG_IDENTITY (unchanged, or now src's subtrie by pointer),
 * PM_ALG_ELEMENT (new content), PM_ALG_NONE (now empty). */
pm_status pm_wz_alg(pm_wz *z, pm_alg_op op, const pm_rz *src, pm_alg *res);
/** The same with a whole map as the right operand. */
pm_status pm_wz_alg_map(pm_wz *z, pm_alg_op op, const pm_map *src, pm_alg *res);
/** Strips the first n bytes of every path below the focus and joins the resulting subtries
 * (values at depth 1..n below the focus are discarded; the focus value stays). */
pm_status pm_wz_drop_head(pm_wz *z, size_t n, pm_alg *res);

static inline pm_status pm_wz_join(pm_wz *z, const pm_rz *src, pm_alg *res)
{
    return pm_wz_alg(z, PM_JOIN, src, res);
}
static inline pm_status pm_wz_meet(pm_wz *z, const pm_rz *src, pm_alg *res)
{
    return pm_wz_alg(z, PM_MEET, src, res);
}
static inline pm_status pm_wz_subtract(pm_wz *z, const pm_rz *src, pm_alg *res)
{
    return pm_wz_alg(z, PM_SUBTRACT, src, res);
}
static inline pm_status pm_wz_restrict(pm_wz *z, const pm_rz *src, pm_alg *res)
{
    return pm_wz_alg(z, PM_RESTRICT, src, res);
}

/* ---- ZipperHead ------------------------------------------------------------------------------
 * A head owns access to a map and hands out zippers on paths. A write zipper is refused
 * (PM_ECONFLICT) when any live zipper's path is a prefix of its path or has its path as a
 * prefix (equal and empty paths included); a read zipper is refused only by live write zippers
 * under the same rule. A refused request changes nothing and describes one conflicting zipper.
 *
 * Threads: every pm_zh_* call takes the head's mutex, so creation and release may be called
 * from any thread. The zippers handed out may be moved to other threads and used in parallel
 * with no lock: a write zipper works on a private subtrie detached from the map at creation and
 * grafted back on release; a read zipper holds a counted reference to its subtrie. Only
 * pm_zh_free must not race with other calls on the head. While the head lives, the map must be
 * accessed only through it (its contents below live write zippers are detached). */
typedef struct pm_conflict {
    bool is_write;       /* the conflicting zipper is a write zipper */
    const uint8_t *path; /* its path, in storage of the calling thread: valid on that thread
                          * until its next refused request (any head) or its exit */
    size_t len;
} pm_conflict;

/** New head on m (borrowed until pm_zh_free). */
pm_status pm_zh_new(pm_map *m, pm_zh **out);
/** Frees the head; PM_EBUSY (nothing freed) while zippers it made are live. NULL: PM_OK. */
pm_status pm_zh_free(pm_zh *h);
/** Read zipper with its origin at path (counted reference, one small node if the path ends
 * inside a compressed key). PM_ECONFLICT: *c (may be NULL) gets a conflicting writer. */
pm_status pm_zh_read_zipper(pm_zh *h, const uint8_t *path, size_t len, pm_rz **out, pm_conflict *c);
/** Write zipper with its origin at path: the subtrie at path is detached from the map into the
 * zipper (O(path length)). PM_ECONFLICT: *c (may be NULL) gets a conflicting zipper. */
pm_status pm_zh_write_zipper(pm_zh *h, const uint8_t *path, size_t len, pm_wz **out,
                             pm_conflict *c);
/** Releases a read zipper (never fails). */
void pm_zh_release_rz(pm_zh *h, pm_rz *z);
/** Grafts the write zipper's subtrie back at its path (pruning if it is empty), frees its path
 * for reuse and frees it. PM_ENOMEM: nothing changed, the zipper stays live (retry later). */
pm_status pm_zh_release_wz(pm_zh *h, pm_wz *z);
/** Number of live zippers made by h. */
size_t pm_zh_live(pm_zh *h);

/* ---- more moves, fork, insert_prefix / remove_prefix (core/src/zmoves.c) -----------------------
 * As in the Rust crate's ZipperMoving / ZipperIteration / ZipperForking (differences in
 * docs/core.md, "More zipper moves"). None moves the focus above the origin, so a ZipperHead's
 * zippers stay inside their registered path. */

/** Descends while the focus has exactly one child, stopping at the first value reached (a value
 * at the starting focus does not stop it) or where the child count is not 1. PM_OK if it moved,
 * PM_ENOTFOUND if not (0 or several children, or a missing path), PM_ENOMEM (focus unchanged).
 * O(bytes descended). */
pm_status pm_rz_descend_until(pm_rz *z);
/** Ascends at least one byte, then on to the nearest position with several children or a value,
 * or to the origin. False (no move) at the origin. O(bytes ascended); never allocates. */
bool pm_rz_ascend_until(pm_rz *z);
/** The same, stopping only at several children (values are passed over) or the origin. */
bool pm_rz_ascend_until_branch(pm_rz *z);
/** One step of a depth-first pre-order walk over every existing position below the origin (values
 * or not): to the first child, else to the next sibling of the focus or of its nearest ancestor
 * that has one. PM_OK; PM_ENOTFOUND when the walk is over (focus back at the origin); PM_ENOMEM
 * (unchanged). O(1) going down, O(bytes ascended) going up. */
pm_status pm_rz_to_next_step(pm_rz *z);
/** Descends to the lowest child byte: PM_OK, PM_ENOTFOUND (no child; unchanged), PM_ENOMEM. */
pm_status pm_rz_descend_first_byte(pm_rz *z);
/** Descends to the idx-th child byte in ascending order (0 = first): PM_OK, PM_ENOTFOUND (idx >=
 * child count; unchanged), PM_ENOMEM. Rust calls it descend_indexed_byte. */
pm_status pm_rz_descend_indexed_branch(pm_rz *z, unsigned idx);
/** A new read zipper with its origin at z's focus, moving independently of z. It reads what z
 * reads, with no reference count: free it (pm_rz_free) before z is freed or released, and before
 * the map it reads changes. O(1): two small buffers. */
pm_status pm_rz_fork(const pm_rz *z, pm_rz **out);

pm_status pm_wz_descend_until(pm_wz *z);
bool pm_wz_ascend_until(pm_wz *z);
bool pm_wz_ascend_until_branch(pm_wz *z);
pm_status pm_wz_to_next_step(pm_wz *z);
pm_status pm_wz_descend_first_byte(pm_wz *z);
pm_status pm_wz_descend_indexed_branch(pm_wz *z, unsigned idx);
/** A read zipper at the write zipper's focus (as pm_rz_fork). It is invalid after z's next write,
 * and must be freed before z is freed or released. */
pm_status pm_wz_fork(pm_wz *z, pm_rz **out);
/** Moves everything below the focus under prefix: every path focus‖k (k non-empty) becomes
 * focus‖prefix‖k. The focus value stays and the focus does not move (so pm_wz_drop_head(z, len),
 * or descending prefix and pm_wz_remove_prefix(z, len), undoes it). PM_ENOTFOUND (nothing
 * changed) if nothing is below the focus; len 0 does nothing. O(focus depth + len) plus one
 * reference count (one small node if the focus is inside a compressed key). */
pm_status pm_wz_insert_prefix(pm_wz *z, const uint8_t *prefix, size_t len);
/** Drops the n bytes above the focus: with A the path n bytes up, every path focus‖k (k may be
 * empty: the focus value moves too) becomes A‖k, joined (pm_alg_op PM_JOIN, the map's join hook)
 * into what remains at A once everything at and below the focus has left; what was at A is the
 * left operand, so with integer values it wins. The focus moves to A. n == 0 does nothing.
 * n > focus depth: PM_EINVAL, or PM_ECONFLICT for a ZipperHead's writer (above its path).
 * O(depth + n) plus the join of the moved subtrie into A (the cost of pm_wz_join). */
pm_status pm_wz_remove_prefix(pm_wz *z, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* PATHMAP_ZIPPER_H */
