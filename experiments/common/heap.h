/* heap.h — heap bytes in use, read from whichever allocator is active in this process, so peers
 * and PathMap are measured the same way under the same allocator. */
#ifndef PMX_HEAP_H
#define PMX_HEAP_H

#include <stdint.h>

/** Bytes currently allocated by the program, or -1 when the active allocator gives no figure.
 * glibc: mallinfo2() (in-use chunks + mmapped); jemalloc: mallctl "stats.allocated" after an
 * "epoch" refresh; tcmalloc: "generic.current_allocated_bytes". *source names the method. */
int64_t pmx_heap_bytes(const char **source);

#endif
