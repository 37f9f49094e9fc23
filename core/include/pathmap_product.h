/* pathmap_product.h — the product zipper: maps M1 … Mk walked as one trie, building nothing.
 *
 * A path of the product is a path of M1 that ends at a leaf value (a value with nothing below it
 * in M1), followed by a path of M2, and so on; the last factor's paths end anywhere. At such a
 * leaf the walk continues at the root of the next map (a "product boundary"): the position then
 * has the next map's root children and keeps the earlier map's value (the next map's empty-key
 * value is not visible there). A value of Mi that has children in Mi is not a boundary: the path
 * continues in Mi only, as in the Rust crate's ProductZipper. With prefix-free keys (every value a
 * leaf) the product is exactly the set of concatenations p1‖p2‖…‖pk. If Mi+1 holds only its
 * empty-key value, the walk goes straight on into Mi+2; if Mi+1 is empty, the leaf stays a leaf.
 *
 * The zipper moves like a read zipper (pathmap_zipper.h): one position per focus byte, plain
 * pointer reads, no reference count, allocation only when its buffers grow (PM_ENOMEM leaves the
 * focus unchanged). The maps are borrowed: none may change while the zipper lives. One thread at
 * a time; it may move between threads.
 */
#ifndef PATHMAP_PRODUCT_H
#define PATHMAP_PRODUCT_H

#include "pathmap.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pm_pz pm_pz;

/** New product zipper over maps[0..k) (k >= 1; the array is copied, the maps are borrowed),
 * focused on the empty path. */
pm_status pm_pz_new(const pm_map *const *maps, size_t k, pm_pz **out);
/** NULL is ignored. */
void pm_pz_free(pm_pz *z);

/** k. */
size_t pm_pz_factor_count(const pm_pz *z);
/** The factor the focus is in: 0 in M1, i after crossing i product boundaries. */
size_t pm_pz_focus_factor(const pm_pz *z);
/** Where factor i's part of the focus path starts (offset into pm_pz_path; 0 for i == 0):
 * PM_OK, or PM_ENOTFOUND if the focus has not reached factor i. O(log depth). */
pm_status pm_pz_factor_start(const pm_pz *z, size_t i, size_t *off);

/* Moves and inspection, with the read zipper's meanings (pm_rz_*). */
pm_status pm_pz_descend(pm_pz *z, const uint8_t *key, size_t len);
pm_status pm_pz_descend_byte(pm_pz *z, uint8_t b);
bool pm_pz_ascend(pm_pz *z, size_t n);
void pm_pz_reset(pm_pz *z);
const uint8_t *pm_pz_path(const pm_pz *z, size_t *len);
bool pm_pz_exists(const pm_pz *z);
pm_status pm_pz_val(const pm_pz *z, uint64_t *out);
void pm_pz_child_mask(const pm_pz *z, uint64_t mask[4]);
unsigned pm_pz_child_count(const pm_pz *z);
pm_status pm_pz_next_sibling(pm_pz *z);
pm_status pm_pz_prev_sibling(pm_pz *z);
/** Next value in depth-first pre-order below the origin; PM_ENOTFOUND at the end (focus reset).
 * Values at product boundaries are values of the product: check pm_pz_focus_factor to keep only
 * complete paths. */
pm_status pm_pz_next_val(pm_pz *z);
pm_status pm_pz_first_k_path(pm_pz *z, size_t k);
pm_status pm_pz_next_k_path(pm_pz *z, size_t k);
pm_status pm_pz_descend_until(pm_pz *z);
bool pm_pz_ascend_until(pm_pz *z);
bool pm_pz_ascend_until_branch(pm_pz *z);
pm_status pm_pz_to_next_step(pm_pz *z);
pm_status pm_pz_descend_first_byte(pm_pz *z);
pm_status pm_pz_descend_indexed_branch(pm_pz *z, unsigned idx);

#ifdef __cplusplus
}
#endif
#endif /* PATHMAP_PRODUCT_H */
