/* The host probe (probe.h): a pointer chase through a random cycle, timed per CPU. */
#define _GNU_SOURCE
#include "probe.h"
#include "pmlab_int.h"

#include <math.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static uint32_t *g_ring;           /* next index of a single random cycle over all slots */
static double g_best[CPU_SETSIZE]; /* fastest ns per load seen on each CPU, 0 = none yet */

static double now_ns(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int ring_init(void)
{
    if (g_ring)
        return 0;
    size_t n = PMLAB_PROBE_BYTES / sizeof *g_ring;
    uint32_t *r = malloc(n * sizeof *r);
    if (!r)
        return -1;
    for (size_t i = 0; i < n; i++)
        r[i] = (uint32_t)i;
    /* Sattolo's shuffle: one cycle through every slot, so the chase visits all of them; a fixed
     * generator (splitmix64 steps) makes every process's ring the same */
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (size_t i = n - 1; i > 0; i--) {
        uint64_t z = (x += 0x9e3779b97f4a7c15u);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
        z ^= z >> 31;
        size_t j = (size_t)(z % i);
        uint32_t t = r[i];
        r[i] = r[j];
        r[j] = t;
    }
    g_ring = r;
    return 0;
}

/* one chase; ns per load, and the share of the wall time the thread had a CPU */
static double chase(double *share)
{
    volatile uint32_t sink;
    uint32_t p = 0;
    double w0 = now_ns(CLOCK_MONOTONIC), c0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
    for (unsigned i = 0; i < PMLAB_PROBE_LOADS; i++)
        p = g_ring[p];
    double c1 = now_ns(CLOCK_THREAD_CPUTIME_ID), w1 = now_ns(CLOCK_MONOTONIC);
    sink = p;
    (void)sink;
    *share = w1 > w0 ? (c1 - c0) / (w1 - w0) : 1;
    return (w1 - w0) / PMLAB_PROBE_LOADS;
}

probe_result probe_worse(probe_result a, probe_result b)
{
    if (isnan(a.ratio) || (!isnan(b.ratio) && b.ratio > a.ratio))
        return b;
    return a;
}

probe_result probe_cpus(const int *cpus, size_t n)
{
    probe_result out = {NAN, NAN};
    cpu_set_t saved, one;
    if (ring_init() != 0 || sched_getaffinity(0, sizeof saved, &saved) != 0)
        return out;
    for (size_t i = 0; i < n; i++) {
        int c = cpus[i];
        if (c < 0 || c >= CPU_SETSIZE)
            continue;
        CPU_ZERO(&one);
        CPU_SET(c, &one);
        if (sched_setaffinity(0, sizeof one, &one) != 0)
            continue;
        double share, ns = chase(&share);
        if (share < 0.9) /* lost the CPU meanwhile: once more */
            ns = chase(&share);
        if (g_best[c] == 0 || ns < g_best[c])
            g_best[c] = ns;
        probe_result r = {ns, ns / g_best[c]};
        out = probe_worse(out, r);
    }
    sched_setaffinity(0, sizeof saved, &saved);
    return out;
}

size_t probe_trial_cpus(unsigned threads, int *out, size_t cap)
{
    cpu_set_t set;
    size_t k = 0;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 0;
    for (int c = 0; c < CPU_SETSIZE && k < cap && k < threads; c++)
        if (CPU_ISSET(c, &set))
            out[k++] = c;
    return k;
}
