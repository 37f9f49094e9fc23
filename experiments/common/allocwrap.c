/* allocwrap.c — timing of allocation calls for alert A4 (see exp.h). pmlab is linked with
 * -Wl,--wrap=malloc -Wl,--wrap=free -Wl,--wrap=calloc -Wl,--wrap=realloc: calls to these from
 * objects linked into pmlab land here and go on to the real (possibly LD_PRELOADed) allocator
 * through __real_*. With timing off a call costs one thread-local load more. */
#define _POSIX_C_SOURCE 200809L
#include "exp.h"

#include <stdlib.h>
#include <time.h>

void *__real_malloc(size_t n);
void __real_free(void *p);
void *__real_calloc(size_t n, size_t s);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void __wrap_free(void *p);
void *__wrap_calloc(size_t n, size_t s);
void *__wrap_realloc(void *p, size_t n);

typedef struct {
    unsigned on, sample, left;
    uint64_t ns, calls;
    pmlab_hist *hist;
} alloc_timing;

static _Thread_local alloc_timing at;

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* true when this call is the sampled one */
static inline int sampled(void)
{
    if (!at.on)
        return 0;
    at.calls++;
    if (--at.left)
        return 0;
    at.left = at.sample;
    return 1;
}

static inline void account(uint64_t t0)
{
    uint64_t d = now_ns() - t0;
    at.ns += d * at.sample;
    if (at.hist)
        pmlab_hist_record(at.hist, d);
}

void *__wrap_malloc(size_t n)
{
    if (!sampled())
        return __real_malloc(n);
    uint64_t t0 = now_ns();
    void *p = __real_malloc(n);
    account(t0);
    return p;
}

void __wrap_free(void *p)
{
    if (!sampled()) {
        __real_free(p);
        return;
    }
    uint64_t t0 = now_ns();
    __real_free(p);
    account(t0);
}

void *__wrap_calloc(size_t n, size_t s)
{
    if (!sampled())
        return __real_calloc(n, s);
    uint64_t t0 = now_ns();
    void *p = __real_calloc(n, s);
    account(t0);
    return p;
}

void *__wrap_realloc(void *p, size_t n)
{
    if (!sampled())
        return __real_realloc(p, n);
    uint64_t t0 = now_ns();
    void *q = __real_realloc(p, n);
    account(t0);
    return q;
}

void pmx_alloc_timing_on(pmlab_hist *hist, unsigned sample)
{
    at.sample = sample ? sample : 1;
    at.left = at.sample;
    at.ns = 0;
    at.calls = 0;
    at.hist = hist;
    at.on = 1;
}

uint64_t pmx_alloc_timing_off(uint64_t *calls)
{
    at.on = 0;
    if (calls)
        *calls = at.calls;
    return at.ns;
}
