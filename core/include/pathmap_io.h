/* pathmap_io.h — saving and loading maps: the Rust crate's `.paths` format, and a full-fidelity
 * save format (keys and values). Both stream: no call holds a whole file, compressed or not, in
 * memory. Byte layouts: docs/formats.md. Complexity and memory of each call: docs/core.md.
 *
 * Every reader is all-or-nothing: on any failure (corrupt, truncated or hostile input, a failing
 * callback, memory exhaustion) the map it was given is exactly as before, and the status says why:
 *   PM_EIO       the read/write callback or the FILE failed
 *   PM_ECORRUPT  the input is not valid data of the format (garbage, a truncated stream, a path
 *                longer than PM_MAX_KEY, trailing bytes, a checksum mismatch, an expansion
 *                beyond the limit, see pm_read_limits)
 *   PM_EVERSION  a full-format file of a version (or with features) this library does not read
 *   PM_ENOMEM    an allocation failed
 *   PM_EINVAL    a bad argument, or a prefix + path longer than PM_MAX_KEY
 * Writers leave the map unchanged in every case; on failure the output holds a partial file.
 */
#ifndef PATHMAP_IO_H
#define PATHMAP_IO_H

#include "pathmap.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Reads up to cap bytes into buf. Returns the number of bytes read (1..cap), 0 at the end of
 * the input, (size_t)-1 on error (errno may say why). A short read is not the end. */
typedef size_t (*pm_read_fn)(void *ctx, void *buf, size_t cap);
/** Writes all len bytes of buf. Returns 0 on success, non-zero on error. */
typedef int (*pm_write_fn)(void *ctx, const void *buf, size_t len);
/** The value to store at a path read from a `.paths` file. `path` is the path as in the file
 * (without the prefix it is inserted under); borrowed for the call. The value returned is owned
 * by the map from then on (with pm_val_ops: it is dropped through ops->drop if the load fails). */
typedef uint64_t (*pm_path_val_fn)(void *ctx, const uint8_t *path, size_t len);

/** Bounds on decompression, against zip bombs. A reader fails with PM_ECORRUPT as soon as the
 * decompressed bytes exceed floor + max_ratio * (compressed bytes consumed so far). */
typedef struct pm_read_limits {
    uint64_t max_ratio; /* 0 = PM_IO_DEFAULT_MAX_RATIO; UINT64_MAX = no limit */
    uint64_t floor;     /* 0 = PM_IO_DEFAULT_FLOOR */
} pm_read_limits;
#define PM_IO_DEFAULT_MAX_RATIO 256u
#define PM_IO_DEFAULT_FLOOR     ((uint64_t)1 << 20) /* 1 MiB */

/* ---- the `.paths` format (the Rust PathMap crate's serialize_paths / deserialize_paths) -------
 * A zlib stream (written at compression level 7) whose content is, for every value in iteration
 * order, the path's length as 4 bytes little-endian followed by the path's bytes. Values are not
 * stored. */

/** Writes the paths of the values at and below prefix, with the prefix stripped (the value at
 * prefix itself is a path of 0 bytes), in iteration order, as a `.paths` stream through wr.
 * *count (may be NULL) gets the number of paths written. PM_EINVAL if a stripped path is longer
 * than PM_MAX_KEY (only keys made by graft can be); PM_EIO if wr fails. */
pm_status pm_map_write_paths(const pm_map *m, const uint8_t *prefix, size_t plen, pm_write_fn wr,
                             void *wctx, size_t *count);
/** pm_map_write_paths into a stdio stream (flushed at the end; not closed). */
pm_status pm_map_write_paths_file(const pm_map *m, const uint8_t *prefix, size_t plen, FILE *f,
                                  size_t *count);

/** Reads a `.paths` stream through rd to its end and sets prefix ++ path for every path in it,
 * as pm_map_set would (a value already at such a key is replaced and dropped). The value is
 * vf(vctx, path, len) when vf is non-NULL, else val (with pm_val_ops: a clone of val for every
 * path, val itself stays the caller's). *count (may be NULL) gets the number of paths in the
 * stream (a path present twice counts twice). All or nothing: on failure m is unchanged.
 * The input must end where the zlib stream ends (trailing bytes: PM_ECORRUPT). */
pm_status pm_map_read_paths(pm_map *m, pm_read_fn rd, void *rctx, const uint8_t *prefix,
                            size_t plen, uint64_t val, pm_path_val_fn vf, void *vctx,
                            size_t *count);
/** pm_map_read_paths from a stdio stream, read to its end (not closed). */
pm_status pm_map_read_paths_file(pm_map *m, FILE *f, const uint8_t *prefix, size_t plen,
                                 uint64_t val, pm_path_val_fn vf, void *vctx, size_t *count);
/** pm_map_read_paths with explicit decompression limits (NULL = the defaults). */
pm_status pm_map_read_paths_ex(pm_map *m, pm_read_fn rd, void *rctx, const uint8_t *prefix,
                               size_t plen, uint64_t val, pm_path_val_fn vf, void *vctx,
                               const pm_read_limits *lim, size_t *count);

/** Streams the paths of a `.paths` input to fn without building a map: fn(ctx, path, len) for
 * every path in file order (path borrowed for the call); fn returning non-zero stops the read
 * early with PM_OK (the rest of the input is not checked). *count (may be NULL) gets the number of
 * paths passed to fn. On an error fn may already have seen some paths. */
pm_status pm_paths_foreach(pm_read_fn rd, void *rctx, const pm_read_limits *lim,
                           int (*fn)(void *ctx, const uint8_t *path, size_t len), void *ctx,
                           size_t *count);

/* ---- the full format: keys and values, versioned and checksummed (docs/formats.md) ------------
 */

/** Current version of the full format, written by pm_map_save and the only one pm_map_load reads
 * (any other: PM_EVERSION). */
#define PM_SAVE_VERSION 1u
/** Longest encoded value a pm_val_codec may produce, in bytes. */
#define PM_MAX_VAL_BYTES ((size_t)65536)

/** Optional value codec for owned values: the file then stores each value as the bytes encode
 * gave instead of the uint64 itself. encode writes at most cap (= PM_MAX_VAL_BYTES) bytes into buf
 * and sets *len; decode turns bytes back into a value the map owns from then on. A status other
 * than PM_OK aborts the save or the load with that status. */
typedef struct pm_val_codec {
    pm_status (*encode)(void *ctx, uint64_t v, uint8_t *buf, size_t cap, size_t *len);
    pm_status (*decode)(void *ctx, const uint8_t *buf, size_t len, uint64_t *out);
    void *ctx;
} pm_val_codec;

typedef struct pm_save_opts {
    int level;                 /* zlib compression level 0..9; -1 = PM_SAVE_DEFAULT_LEVEL */
    const pm_val_codec *codec; /* NULL: the uint64 values are stored as they are */
} pm_save_opts;
#define PM_SAVE_DEFAULT_LEVEL 1

typedef struct pm_load_opts {
    const pm_val_codec *codec; /* must be given exactly when the file was saved with one */
    pm_read_limits limits;     /* zeros = the defaults */
} pm_load_opts;

/** Saves every key and value of m through wr (opts may be NULL: level 1, raw uint64 values).
 * *count (may be NULL) gets the number of entries. PM_EINVAL if a key is longer than PM_MAX_KEY
 * (only graft makes such keys). Values with pm_val_ops and no codec are saved as the uint64 the map
 * holds (e.g. a pointer value, meaningless in another process). */
pm_status pm_map_save(const pm_map *m, pm_write_fn wr, void *wctx, const pm_save_opts *opts,
                      size_t *count);
pm_status pm_map_save_file(const pm_map *m, FILE *f, const pm_save_opts *opts, size_t *count);

/** Loads a full-format stream into a new map *out with value hooks ops (may be NULL); opts may be
 * NULL. PM_EVERSION for another format version or unknown feature flags, PM_EINVAL when the
 * file's values need a codec and none was given (or one was given and the file has raw values),
 * PM_ECORRUPT for a bad magic, checksum, count, order or truncation. On failure *out is not set
 * and every value already decoded has been dropped (ops->drop). */
pm_status pm_map_load(pm_read_fn rd, void *rctx, const pm_val_ops *ops, const pm_load_opts *opts,
                      pm_map **out);
pm_status pm_map_load_file(FILE *f, const pm_val_ops *ops, const pm_load_opts *opts, pm_map **out);

#ifdef __cplusplus
}
#endif
#endif /* PATHMAP_IO_H */
