/* Log-linear histogram: values < 2^(S+1) exact, then 2^S linear buckets per power of two. */
#define _POSIX_C_SOURCE 200809L
#include "pmlab/experiment.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S        PMLAB_HIST_SUB_BITS
#define NBUCKETS ((size_t)(64 - S + 1) << S)

struct pmlab_hist {
    uint64_t count, min, max;
    double sum;
    uint64_t b[NBUCKETS];
};

static size_t bucket_of(uint64_t v)
{
    if (v < (UINT64_C(2) << S))
        return (size_t)v;
    unsigned e = 63u - (unsigned)__builtin_clzll(v); /* e >= S+1 */
    unsigned shift = e - S;
    return ((size_t)shift << S) + (size_t)(v >> shift);
}

/* lowest value and width of a bucket */
static void bucket_range(size_t i, uint64_t *lo, uint64_t *width)
{
    if (i < ((size_t)2 << S)) {
        *lo = i;
        *width = 1;
        return;
    }
    size_t shift = (i >> S) - 1;
    uint64_t mant = (uint64_t)(i - (shift << S));
    *lo = mant << shift;
    *width = UINT64_C(1) << shift;
}

pmlab_hist *pmlab_hist_new(void)
{
    pmlab_hist *h = calloc(1, sizeof *h);
    return h;
}

void pmlab_hist_free(pmlab_hist *h)
{
    free(h);
}

void pmlab_hist_reset(pmlab_hist *h)
{
    memset(h, 0, sizeof *h);
}

void pmlab_hist_record_n(pmlab_hist *h, uint64_t v, uint64_t n)
{
    if (n == 0)
        return;
    if (h->count == 0 || v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
    h->count += n;
    h->sum += (double)v * (double)n;
    h->b[bucket_of(v)] += n;
}

void pmlab_hist_record(pmlab_hist *h, uint64_t v)
{
    pmlab_hist_record_n(h, v, 1);
}

void pmlab_hist_merge(pmlab_hist *dst, const pmlab_hist *src)
{
    if (src->count == 0)
        return;
    if (dst->count == 0 || src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
    dst->count += src->count;
    dst->sum += src->sum;
    for (size_t i = 0; i < NBUCKETS; i++)
        dst->b[i] += src->b[i];
}

uint64_t pmlab_hist_count(const pmlab_hist *h)
{
    return h->count;
}
uint64_t pmlab_hist_min(const pmlab_hist *h)
{
    return h->min;
}
uint64_t pmlab_hist_max(const pmlab_hist *h)
{
    return h->max;
}
double pmlab_hist_sum(const pmlab_hist *h)
{
    return h->sum;
}

uint64_t pmlab_hist_percentile(const pmlab_hist *h, double pct)
{
    if (h->count == 0)
        return 0;
    if (pct >= 100.0)
        return h->max;
    if (pct < 0)
        pct = 0;
    uint64_t rank = (uint64_t)ceil(pct / 100.0 * (double)h->count);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < NBUCKETS; i++) {
        seen += h->b[i];
        if (seen >= rank) {
            uint64_t lo, w;
            bucket_range(i, &lo, &w);
            uint64_t v = lo + (w - 1) / 2; /* midpoint: error <= half a bucket */
            if (v < h->min)
                v = h->min;
            if (v > h->max)
                v = h->max;
            return v;
        }
    }
    return h->max;
}

uint64_t pmlab_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
