/* Machine load around a run (meta.json) and the contention rule of results.csv.
 *
 * Contention: every worker thread started by pmlab_run_workers / pmlab_run_timed (or, for an
 * experiment that starts no worker, the child's main thread) measures its CPU time
 * (CLOCK_THREAD_CPUTIME_ID), its wait for a CPU (/proc/thread-self/schedstat run_delay) and its
 * involuntary context switches (getrusage RUSAGE_THREAD). A row is `contended` when it is not
 * oversubscribed and its cpu_share, with its wait credited with the CPU time of the process's
 * other threads (helper_cpu, child.c), is below PMLAB_CONTENDED_SHARE (docs/harness.md,
 * "Contention" gives the measurements behind the value). */
#ifndef PMLAB_SYSLOAD_H
#define PMLAB_SYSLOAD_H

#include <stdbool.h>
#include <stdint.h>

/* A trial whose least-served thread got less than this share of the time it was runnable. */
#define PMLAB_CONTENDED_SHARE 0.85
/* Windows shorter than this (the longest thread's runnable time) leave cpu_share blank: one
 * scheduler time slice would decide the figure. */
#define PMLAB_CONTENTION_MIN_WINDOW_MS 10

typedef struct {
    bool have_loadavg, have_stat;
    double loadavg[3];
    uint64_t total, idle, iowait, steal; /* /proc/stat "cpu" line, clock ticks */
} sysload_snap;

void sysload_take(sysload_snap *s);
/* A meta.json fragment (no leading or trailing comma): "sysload": {...} with the load averages
 * at start and end and the /proc/stat tick deltas between them; end may be NULL (run started,
 * not finished). malloc'ed. */
char *sysload_json(const sysload_snap *start, const sysload_snap *end);

#endif
