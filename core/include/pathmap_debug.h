/* pathmap_debug.h — hooks for tests and experiments. Compiled into every build; free when unset. */
#ifndef PATHMAP_DEBUG_H
#define PATHMAP_DEBUG_H

#include "pathmap.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Makes the k-th node/handle/stack allocation from now fail (k >= 1); k = 0 disarms the hook.
 * The hook fires once and disarms itself. Process-wide. */
void pm_debug_fail_alloc_at(uint64_t k);
/** Allocations made by the library so far (nodes, handles, iterator and walk stacks). */
uint64_t pm_debug_alloc_count(void);
/** Where nodes come from: "slab" (size-class slabs, the default) or "malloc" (one malloc block per
 *  node: PM_NODE_ALLOC=malloc in the environment, read once at the first node allocation). */
const char *pm_debug_node_alloc(void);
/** Sets the reference count of m's root node (tests of saturation). PM_EINVAL on an empty map. */
pm_status pm_debug_set_root_refcount(pm_map *m, uint32_t count);
/** Reads the reference count of m's root node (0 for an empty map). */
uint32_t pm_debug_root_refcount(const pm_map *m);
/** The saturation value: a count that reaches it stays there and the node is never freed. */
uint32_t pm_debug_refcount_max(void);
/** Checks the structural invariants of every node reachable from m; PM_EINVAL if one is broken. */
pm_status pm_debug_validate(const pm_map *m);
/** Nodes a lookup of key visits, by kind: line nodes in *lines, branch nodes in *branches
 * (either may be NULL). For studies of the lookup path; PM_EINVAL on bad arguments. */
pm_status pm_debug_path_nodes(const pm_map *m, const uint8_t *key, size_t len, size_t *lines,
                              size_t *branches);

#ifdef __cplusplus
}
#endif
#endif
