/* The host probe: a fixed amount of work timed on each CPU a trial uses, just before and just
 * after the trial, so that a trial run while the host was slow (a noisy neighbour, a throttled
 * or shared physical core: slowdowns that the guest's own CPU accounting, cpu_share and
 * /proc/stat steal, do not see) is flagged instead of decided on. docs/harness.md, "The host
 * probe", gives the method and the measurements behind the threshold. */
#ifndef PMLAB_PROBE_H
#define PMLAB_PROBE_H

#include <stddef.h>

/* A trial is contended when its slowest probe took this many times the fastest probe this
 * process has seen on the same CPU. */
#define PMLAB_PROBE_SLOW 1.25
/* Dependent loads per probe (a random cycle through PMLAB_PROBE_BYTES): about 1-2 ms here. */
#define PMLAB_PROBE_LOADS 12000u
#define PMLAB_PROBE_BYTES (8u << 20)

typedef struct {
    double ns;    /* the slowest probe: ns per load; NAN when no CPU could be probed */
    double ratio; /* ns against the fastest probe of that CPU so far (>= 1); NAN likewise */
} probe_result;

/* Probes each of cpus[0..n-1] once (the calling thread is pinned to each in turn and its
 * affinity restored afterwards) and returns the slowest. A probe that lost its CPU while
 * running (thread CPU time under 90 % of its wall time) is retried once; that loss is
 * contention, which cpu_share already measures. Not thread-safe: the sweep's one thread. */
probe_result probe_cpus(const int *cpus, size_t n);

/* The CPUs an unpinned trial of `threads` workers is probed on: the first min(threads, allowed)
 * CPUs of the process's affinity mask (a pinned trial is probed on its --pin plan's CPUs,
 * sweep.c). Returns the count written to out (at most cap). */
size_t probe_trial_cpus(unsigned threads, int *out, size_t cap);

/* The worse of two results (the before and after probes of one trial). */
probe_result probe_worse(probe_result a, probe_result b);

#endif
