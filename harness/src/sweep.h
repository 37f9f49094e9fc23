/* `pmlab run`: one sweep of an experiment (sweep.c). */
#ifndef PMLAB_SWEEP_H
#define PMLAB_SWEEP_H
#include "pmlab_int.h"

typedef struct {
    const char *backends, *threads, *allocs, *keys, *size, *duration_ms, *warmup_ms, *trials,
        *update, *pin, *seed, *out, *shard, *timeout_ms, *alerts_file;
    bool resume, quiet;
    strvec params; /* NAME=VALUE */
    strvec alerts; /* NAME=VALUE */
} opts;

int cmd_run(const char *exp, int argc, char **argv, const char *cmdline, const char *forced_out,
            bool quiet_default);
int cmd_run_ex(const char *exp, int argc, char **argv, const char *cmdline, const char *forced_out,
               bool validate_only);

#endif
