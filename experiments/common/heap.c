/* heap.c — allocator statistics through whichever allocator is preloaded (see heap.h). */
#define _GNU_SOURCE
#include "heap.h"

#include <dlfcn.h>
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>

typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);
typedef int (*tc_prop_fn)(const char *, size_t *);

int64_t pmx_heap_bytes(const char **source)
{
    mallctl_fn mallctl = (mallctl_fn)dlsym(RTLD_DEFAULT, "mallctl");
    if (mallctl) {
        uint64_t epoch = 1;
        size_t sz = sizeof epoch;
        mallctl("epoch", &epoch, &sz, &epoch, sz);
        size_t allocated = 0;
        sz = sizeof allocated;
        if (mallctl("stats.allocated", &allocated, &sz, NULL, 0) == 0) {
            if (source)
                *source = "jemalloc stats.allocated";
            return (int64_t)allocated;
        }
    }
    tc_prop_fn tc = (tc_prop_fn)dlsym(RTLD_DEFAULT, "MallocExtension_GetNumericProperty");
    if (tc) {
        size_t v = 0;
        if (tc("generic.current_allocated_bytes", &v)) {
            if (source)
                *source = "tcmalloc generic.current_allocated_bytes";
            return (int64_t)v;
        }
    }
    if (dlsym(RTLD_DEFAULT, "mi_version")) {
        if (source)
            *source = "unavailable under mimalloc";
        return -1;
    }
    struct mallinfo2 mi = mallinfo2();
    if (source)
        *source = "glibc mallinfo2 uordblks+hblkhd";
    return (int64_t)(mi.uordblks + mi.hblkhd);
}
