/* exp.h — small helpers shared by the experiments (core only; nothing here knows sync/). */
#ifndef PMX_EXP_H
#define PMX_EXP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pathmap.h"
#include "pmlab/experiment.h"

#include "heap.h"
#include "keys.h"

/** Builds the configuration's key set (cfg->keys, cfg->size, cfg->seed) split into `parts`
 * partitions. On failure marks the row failed (pmlab_fail) and returns -1. */
int pmx_load_keys(const pmlab_config *cfg, pmlab_ctx *ctx, unsigned parts, pmx_keys *out);

/** The value stored for key i of a key set (never 0, so a zero read is a detectable error). */
static inline uint64_t pmx_val(size_t i)
{
    return (uint64_t)i * 2654435761u + 1;
}

/** Inserts keys[from..to) of k into m with values pmx_val(i), each key's first `skip` bytes
 * dropped (to build a partition's map relative to its prefix). PM_OK or the first error. */
pm_status pmx_insert_range(pm_map *m, const pmx_keys *k, size_t from, size_t to, size_t skip);

/** A new map holding every key of k (values pmx_val(i)); NULL and pmlab_fail on error. */
pm_map *pmx_build_map(const pmx_keys *k, pmlab_ctx *ctx);

/** Bytes of live PathMap nodes in the process (core accounting, pm_mem_stats_get). */
uint64_t pmx_core_live_bytes(void);

/** Thread-local allocation timing (experiments/common/allocwrap.c). pmlab links with
 * -Wl,--wrap=malloc,free,calloc,realloc, so every allocation made by code linked into pmlab (the
 * core, sync/, the experiments; not shared libraries) passes through a wrapper. While a thread
 * has timing on, one call in `sample` is timed with the monotonic clock (recorded in `hist`, may
 * be NULL) and counts for `sample` calls: the estimate of the thread's time inside allocation
 * calls. */
void pmx_alloc_timing_on(pmlab_hist *hist, unsigned sample);
/** Stops timing on this thread; returns the estimated nanoseconds inside allocation calls since
 * pmx_alloc_timing_on and (if calls is non-NULL) the number of calls seen. */
uint64_t pmx_alloc_timing_off(uint64_t *calls);
/** Parses a comma list of names; returns the index of `name` in `list` or -1. */
int pmx_index_of(const char *const *list, const char *name);

/* The `nodes` parameter of the experiments that compare allocators (write, alloc): "slab" (the
 * library's size-class slabs, its default) or "malloc" (every node its own block from the
 * allocator under test: PM_NODE_ALLOC=malloc, docs/core.md "Node slabs"). Sets the switch
 * before the child's first node allocation; 0, or 1 after pmlab_fail on another value. */
int pmx_node_alloc(const pmlab_config *cfg, pmlab_ctx *ctx);
/* clang-format off */
#define PMX_NODES_PARAM(def)                                                                       \
    {"nodes", PMLAB_PARAM_STR, def, "where the map's nodes come from: slab (the library's slabs) " \
     "or malloc (one block each from the allocator under test, as the Rust crate does)"}
#define PMX_NODES_COLUMN                                                                           \
    {"node_alloc", PMLAB_COL_STR, "where the map's nodes came from: slab or malloc"}
/* clang-format on */

/** Builds a map of all keys of k with `threads` writers: writer w inserts the keys whose first byte
 * b has b % threads == w into a private map; the private maps' first-byte subtries are then
 * grafted into one map (one O(1) graft per first byte). The empty key goes to writer 0.
 * *build_s (may be NULL) gets the parallel phase's seconds, *graft_s the grafts'. NULL and
 * pmlab_fail on error. */
pm_map *pmx_build_parallel_firstbyte(const pmx_keys *k, unsigned threads, pmlab_ctx *ctx,
                                     double *build_s, double *graft_s);

#endif
