/* pmsync/conform.h — the conformance suite every reclamation backend must pass.
 *
 * It runs a backend through the rules of pmsync/sync.h on small test objects that are never
 * really freed while the suite runs (a free marks the object dead and counts it; the memory goes
 * at the end), so a backend that frees too early is caught by a check, not by a crash:
 *
 *   table        the table is complete; the flags are coherent (BOUNDED <=> pending_bound)
 *   accounting   retire + barrier by one thread: retired == freed (unless NEVER_FREES), every
 *                object freed exactly once after teardown (leaks and double frees are named)
 *   barrier      barrier(d, NULL) frees what threads that unregistered retired
 *   oracle       writers and readers on one cell: snapshot isolation (an object's two fields
 *                agree), stability (read twice, equal), versions never go back, visibility (a
 *                section begun after an update returned sees it), no lost update
 *   stall-1      one reader stalls in a section while a writer updates: its object stays intact;
 *                pending grows (DEFERRED, NEVER_FREES) or stays <= pending_bound (BOUNDED)
 *   stall-4      the same with four stalled readers
 *   exit         a thread exits without unregistering: grace periods still end, its retirements
 *                are freed by the next barrier, nothing leaks
 *   threads-64   the oracle with 64 threads (on however many cores there are)
 *
 * Run it with `pmlab conform NAME` (the experiment `conform`) or the ctest label `conform`
 * (tests/sync: one test per backend of PM_SYNC_BACKENDS, under debug, asan and tsan). */
#ifndef PMSYNC_CONFORM_H
#define PMSYNC_CONFORM_H

#include <stddef.h>
#include <stdio.h>

#include "pmsync/sync.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pm_sync_conform_opts {
    FILE *log;           /* one line per check ("ok"/"FAIL <check>: why"); NULL: silent */
    const char *only;    /* comma-separated check names to run; NULL or "": all */
    unsigned watchdog_s; /* a check that takes longer fails and ends the process [120] */
} pm_sync_conform_opts;

/** The checks, in the order they run (NULL-terminated). */
extern const char *const pm_sync_conform_checks[];

/** Runs the suite on `be` (o may be NULL). Returns the number of failed checks, 0 when the
 * backend conforms; the first failure's "check: reason" goes to first (may be NULL). A check
 * that hangs ends the process with exit status 3 after printing why (to o->log, or stderr). */
int pm_sync_conform(const pm_sync_backend *be, const pm_sync_conform_opts *o, char *first,
                    size_t firstlen);

#ifdef __cplusplus
}
#endif
#endif /* PMSYNC_CONFORM_H */
