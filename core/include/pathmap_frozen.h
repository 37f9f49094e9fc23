/* pathmap_frozen.h — the frozen form of a PathMap: an immutable image of a map in one contiguous
 * block, with relative offsets instead of pointers, that can be written to a file and mapped
 * read-only by several threads and processes at once.
 *
 * A frozen map is built from a pm_map in one pass (pm_frozen_build) or opened from bytes made
 * that way: a memory buffer (pm_frozen_open), a file descriptor (mapped read-only,
 * pm_frozen_open_fd) or a stream (read into the heap, pm_frozen_read). Opening validates the whole
 * image first (header, checksum, every node, offset, count and bound, and that the nodes form a
 * tree): bytes that are not a valid image give PM_ECORRUPT (or PM_EVERSION for another format
 * version), never a crash, and once opened no call reads outside the image.
 * The byte layout is documented in docs/formats.md ("Frozen form").
 *
 * Reads: point lookups, prefix counts in O(prefix) (every node stores its subtree's number of
 * values), ordered iteration and read zippers (pm_frz_*, the read-only zipper API of
 * pathmap_zipper.h over a frozen map). Values are the map's uint64_t words, copied as they are
 * (owned values are not cloned: the image holds the words, the map keeps its values).
 *
 * Threads: nothing in a pm_frozen ever changes after it is made, so every call that takes a
 * `const pm_frozen *` may run on any number of threads at once, with no synchronisation and no
 * reference count. An iterator or zipper is used by one thread at a time.
 */
#ifndef PATHMAP_FROZEN_H
#define PATHMAP_FROZEN_H

#include "pathmap.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pm_frozen pm_frozen;
typedef struct pm_frozen_iter pm_frozen_iter;
typedef struct pm_frz pm_frz;

/** Current version of the frozen file format (pm_frozen_open refuses others: PM_EVERSION). */
#define PM_FROZEN_VERSION 1u

/* ---- making, saving, opening, closing -------------------------------------------------------- */

/** Freezes m: one in-order pass over its values with explicit stacks; the image is one heap
 * block of exactly pm_frozen_size() bytes. m is not changed (PM_ENOMEM leaves nothing behind). */
pm_status pm_frozen_build(const pm_map *m, pm_frozen **out);
/** Opens an image in caller memory after validating it (O(size)); the bytes are borrowed and
 * must stay unchanged until pm_frozen_free. Any alignment. PM_ECORRUPT / PM_EVERSION. */
pm_status pm_frozen_open(const void *buf, size_t len, pm_frozen **out);
/** Maps the file open on fd read-only (MAP_SHARED, so processes that map the same file share its
 * pages) and validates it; fd may be closed afterwards. The file must not be changed or
 * truncated while it is mapped. PM_EIO if it cannot be mapped. */
pm_status pm_frozen_open_fd(int fd, pm_frozen **out);
/** Reads an image from a stream (to its end) into one heap block and validates it. PM_EIO on a
 * read error. For files, pm_frozen_open_fd shares memory between processes and this does not. */
pm_status pm_frozen_read(FILE *f, pm_frozen **out);
/** Writes the image (pm_frozen_size() bytes) to a stream / a file descriptor. PM_EIO on error. */
pm_status pm_frozen_write(const pm_frozen *fz, FILE *f);
pm_status pm_frozen_write_fd(const pm_frozen *fz, int fd);
/** Frees the handle and, as it was made, frees the image, unmaps the file or leaves the
 * caller's buffer alone. NULL is ignored. Live iterators and zippers must be freed first. */
void pm_frozen_free(pm_frozen *fz);
/** The image's bytes (*len gets pm_frozen_size()); borrowed until pm_frozen_free. */
const void *pm_frozen_data(const pm_frozen *fz, size_t *len);
/** Bytes of the image (the file size). */
size_t pm_frozen_size(const pm_frozen *fz);
/** Number of values. O(1). */
size_t pm_frozen_len(const pm_frozen *fz);

/* ---- lookups (key may be NULL when len == 0); no allocation -------------------------------- */

/** Value at key: PM_OK and *out (may be NULL), PM_ENOTFOUND, PM_EINVAL (fz NULL, len >
 * PM_MAX_KEY). O(len). */
pm_status pm_frozen_get(const pm_frozen *fz, const uint8_t *key, size_t len, uint64_t *out);
/** True if key holds a value. */
bool pm_frozen_contains(const pm_frozen *fz, const uint8_t *key, size_t len);
/** True if some key has `key` as a prefix (or equals it). */
bool pm_frozen_contains_path(const pm_frozen *fz, const uint8_t *key, size_t len);
/** Number of values whose key starts with prefix (the prefix itself included). O(plen): read
 * from the stored count of the node the prefix ends in. */
pm_status pm_frozen_count_prefix(const pm_frozen *fz, const uint8_t *prefix, size_t plen,
                                 size_t *out);

/* ---- iteration: depth-first, ascending bytes, a key before its extensions (as pm_iter) ------ */

/** Iterator over the values whose key starts with prefix. */
pm_status pm_frozen_iter_new(const pm_frozen *fz, const uint8_t *prefix, size_t plen,
                             pm_frozen_iter **out);
/** Next value: PM_OK with *key and *len (borrowed until the next call) and *val; PM_ENOTFOUND at
 * the end. Never fails otherwise: the iterator reserves its buffers when it is made. */
pm_status pm_frozen_iter_next(pm_frozen_iter *it, const uint8_t **key, size_t *len, uint64_t *val);
void pm_frozen_iter_free(pm_frozen_iter *it);
/** Calls fn for every value under prefix in order; stops early (PM_OK) when fn returns non-zero. */
pm_status pm_frozen_foreach(const pm_frozen *fz, const uint8_t *prefix, size_t plen,
                            int (*fn)(void *ctx, const uint8_t *key, size_t len, uint64_t val),
                            void *ctx);

/* ---- read zipper: the calls of pm_rz_* (pathmap_zipper.h) on a frozen map -----------------
 * Same meaning, same statuses; the focus may move onto paths that do not exist. Every call is
 * O(bytes moved); PM_ENOMEM (only when the path buffer or the node stack must grow) leaves the
 * focus unchanged. */

pm_status pm_frz_new(const pm_frozen *fz, const uint8_t *path, size_t len, pm_frz **out);
void pm_frz_free(pm_frz *z);
pm_status pm_frz_descend(pm_frz *z, const uint8_t *key, size_t len);
pm_status pm_frz_descend_byte(pm_frz *z, uint8_t b);
bool pm_frz_ascend(pm_frz *z, size_t n);
void pm_frz_reset(pm_frz *z);
const uint8_t *pm_frz_path(const pm_frz *z, size_t *len);
bool pm_frz_exists(const pm_frz *z);
pm_status pm_frz_val(const pm_frz *z, uint64_t *out);
void pm_frz_child_mask(const pm_frz *z, uint64_t mask[4]);
unsigned pm_frz_child_count(const pm_frz *z);
pm_status pm_frz_next_sibling(pm_frz *z);
pm_status pm_frz_prev_sibling(pm_frz *z);
pm_status pm_frz_next_val(pm_frz *z);
/** Values at and below the focus: O(1) from the stored count (0 if the focus does not exist). */
pm_status pm_frz_val_count(const pm_frz *z, size_t *out);

#ifdef __cplusplus
}
#endif
#endif /* PATHMAP_FROZEN_H */
