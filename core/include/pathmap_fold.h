/* pathmap_fold.h — folds over a map (catamorphism), building a map from a seed (anamorphism),
 * equality and a structural hash.
 *
 * Both morphisms work on the *byte trie* a map stands for: a position is any path that is a prefix
 * of some key (plus the fold's origin); it may hold a value and has children, one per next byte.
 * The node layout (compressed keys, branch forms, sharing) never shows: two maps with the same
 * entries give the same fold results and the same hash. Explicit stacks only (no recursion per
 * depth); every call that can fail returns a status and changes nothing on failure.
 * See docs/core.md ("Folds and builders", "Equality and hashing").
 */
#ifndef PATHMAP_FOLD_H
#define PATHMAP_FOLD_H

#include "pathmap.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- catamorphism ------------------------------------------------------------------------------
 * The callback runs once per position, children before parents (post-order, ascending bytes),
 * and turns the position's value and its children's results into the position's result: a blob
 * of result_size bytes (1..PM_FOLD_MAX_RESULT) written to *out. */
#define PM_FOLD_MAX_RESULT ((size_t)4096)

typedef struct pm_fold_step {
    const uint8_t *path; /* the position's full key (prefix included); valid during the call */
    size_t path_len;
    bool has_val;
    uint64_t val;         /* borrowed: the fold never clones or drops values */
    size_t n;             /* number of children, 0..256 */
    const uint8_t *bytes; /* their bytes, ascending */
    const void *results;  /* child i's result at (const char *)results + i * result_size */
} pm_fold_step;

/* PM_OK to go on; any other status stops the fold, which returns it. */
typedef pm_status (*pm_fold_fn)(void *ctx, const pm_fold_step *step, void *out);

/** Flags. PM_FOLD_CACHE: results are cached by node identity (and the value at the position),
 * so a subtrie reached twice — shared by clones, grafted twice, folded again in the same
 * pm_map_fold_many call — runs the callback once. The callback must then not depend on
 * step->path (a cached result is reused at another path) and must be a function of its inputs. */
#define PM_FOLD_CACHE 1u

typedef struct pm_fold_stats {
    size_t calls;  /* callback calls */
    size_t hits;   /* results taken from the cache instead of folding a subtrie */
    size_t cached; /* results stored in the cache */
} pm_fold_stats;

/** Folds the subtrie of m at prefix (plen may be 0: the whole map) into *out (result_size
 * bytes). A prefix that is no position still gets one call (no value, no children). *stats (may
 * be NULL) gets the counts. Reads m only (no reference count is touched); m must not change
 * during the call. O(positions) without the cache; with it, O(positions not below a cached
 * node) plus a hash lookup per node boundary. PM_EINVAL: NULL arguments, result_size 0 or above
 * PM_FOLD_MAX_RESULT, plen above PM_MAX_KEY. */
pm_status pm_map_fold(const pm_map *m, const uint8_t *prefix, size_t plen, size_t result_size,
                      unsigned flags, pm_fold_fn fn, void *ctx, void *out, pm_fold_stats *stats);

/** Folds k maps at the same prefix with one cache (when flags has PM_FOLD_CACHE): map i's result
 * goes to (char *)outs + i * result_size. K clones that share most nodes cost about one fold of
 * the shared part plus the positions they do not share. On failure no output is written. */
pm_status pm_map_fold_many(const pm_map *const *maps, size_t k, const uint8_t *prefix, size_t plen,
                           size_t result_size, unsigned flags, pm_fold_fn fn, void *ctx, void *outs,
                           pm_fold_stats *stats);

/* ---- anamorphism -------------------------------------------------------------------------------
 * pm_map_unfold grows a map from a seed: the callback runs once per position, parents before
 * children (pre-order, ascending bytes), with the position's seed and path; it may give the
 * position a value (pm_unfold_set_val) and name its children, each with a seed
 * (pm_unfold_add_child, bytes strictly ascending). Seeds are blobs of seed_size bytes (0 is
 * allowed), copied by the builder. */
typedef struct pm_unfold_step pm_unfold_step;

typedef pm_status (*pm_unfold_fn)(void *ctx, const void *seed, const uint8_t *path, size_t len,
                                  pm_unfold_step *step);

/** Gives the position a value, owned by the builder from now on: it ends in the map, or is
 * dropped (ops->drop) if the unfold fails. At most once per position (PM_EINVAL: dropped). */
pm_status pm_unfold_set_val(pm_unfold_step *step, uint64_t val);
/** Names a child (byte greater than the previous child's) with its seed (seed_size bytes,
 * copied). PM_EINVAL when bytes are not ascending or the child's path would exceed PM_MAX_KEY;
 * PM_ENOMEM. Any failure here also fails the whole unfold. */
pm_status pm_unfold_add_child(pm_unfold_step *step, uint8_t byte, const void *seed);

/** Builds a new map (hooks ops, may be NULL) from seed. All or nothing: on any failure (the
 * callback's status, PM_ENOMEM, PM_EINVAL) *out is untouched and every value handed over so far
 * is dropped. Cost: the callbacks plus one insertion per value (O(key length) each). */
pm_status pm_map_unfold(const pm_val_ops *ops, const void *seed, size_t seed_size, pm_unfold_fn fn,
                        void *ctx, pm_map **out);

/* ---- equality and hashing ----------------------------------------------------------------------
 * Values compare as 64-bit words unless a pm_val_cmp says otherwise (owned payloads: compare and
 * hash what the words point to). */
typedef struct pm_val_cmp {
    bool (*eq)(void *ctx, uint64_t a, uint64_t b); /* NULL: a == b */
    uint64_t (*hash)(void *ctx, uint64_t v);       /* NULL: v itself */
    void *ctx;
} pm_val_cmp;

/** *out = whether a and b hold the same keys with equal values (cmp may be NULL). Subtries that
 * are the same nodes in both are not walked, so a map and its clone compare in O(1); with word
 * values (no cmp->eq), two branch nodes whose cached hashes differ are unequal at once. Touches no
 * reference count. O(positions where the two differ in identity), explicit stack. */
pm_status pm_map_equal(const pm_map *a, const pm_map *b, const pm_val_cmp *cmp, bool *out);

/** 64-bit structural hash of m's entries: equal maps get equal hashes whatever their node layout
 * or history; changing one value (with cmp NULL: any bit of it) always changes it. With word
 * values (no cmp->hash) the hash of the subtrie below each branch node is cached in the node,
 * so hashing again after a few edits — or hashing a clone — costs the edited paths. */
pm_status pm_map_hash(const pm_map *m, const pm_val_cmp *cmp, uint64_t *out);

#ifdef __cplusplus
}
#endif
#endif /* PATHMAP_FOLD_H */
