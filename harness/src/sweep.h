/* The sweep of `pmlab run` (sweep.c), as other commands use it. */
#ifndef PMLAB_SWEEP_H
#define PMLAB_SWEEP_H

#include <stddef.h>

#include "pmlab_int.h"

/* the options of `pmlab run`, as given */
typedef struct {
    const char *backends, *threads, *allocs, *keys, *size, *duration_ms, *warmup_ms, *trials,
        *update, *pin, *seed, *out, *shard, *timeout_ms, *alerts_file, *max_trials,
        *configs; /* --configs ID,...: only these configurations get trials */
    bool resume, quiet;
    strvec params; /* NAME=VALUE */
    strvec alerts; /* NAME=VALUE */
} opts;

/* `pmlab run EXPERIMENT ...` into forced_out (NULL: from --out or a timestamped folder);
 * cmd_run_ex with validate_only checks the options and runs nothing */
int cmd_run(const char *exp, int argc, char **argv, const char *cmdline, const char *forced_out,
            bool quiet_default);
int cmd_run_ex(const char *exp, int argc, char **argv, const char *cmdline, const char *forced_out,
               bool validate_only);
/* cmd_run that also returns the folder it wrote (*out_dir, malloc'ed) once the sweep ran
 * (exit status 0, 1 or 130); *out_dir is left alone on bad input */
int cmd_run_into(const char *exp, int argc, char **argv, const char *cmdline, char **out_dir);

/* Expands a run's options (argv: everything after `pmlab run EXPERIMENT`) exactly as `pmlab run`
 * would -- experiment defaults, validation, key-set checks, shards -- without creating a file or
 * starting a child. On success returns 0 with the number of configurations (of this shard), the
 * trials per configuration (--trials; contended trials may add re-runs up to --max-trials) and
 * the measured seconds per trial (warm-up + duration; process start and set-up not included).
 * On bad input prints one line (as pmlab run would) and returns 2. */
int sweep_plan(const char *exp, int argc, char **argv, size_t *nconfigs, unsigned *trials,
               double *seconds_per_trial);

/* Seconds of work a caller has planned after this sweep (`pmlab reproduce`: the suite's runs
 * still to come); the progress line adds it to its ETA. 0 (the default) outside a suite. */
extern double g_suite_eta_after;

#endif
