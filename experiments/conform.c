/* conform — the conformance suite of sync/ (pmsync/conform.h) as an experiment, so that
 * `pmlab conform NAME` (the harness forwards it to `pmlab run conform --backends NAME`) runs it
 * on any backend this pmlab knows, a researcher's own included, in a child process of its own.
 * A row is ok when every check passed; otherwise its status names the first failure, and the
 * child's log (logs/ in the run folder) has one line per check. */
#include <string.h>

#include "common/syncx.h"
#include "pmsync/conform.h"

static int conform_run(const pmlab_config *cfg, pmlab_ctx *ctx)
{
    const pm_sync_backend *be = pmx_backend(cfg->backend);
    if (!be) {
        pmlab_fail(ctx, "unknown backend '%s'", cfg->backend);
        return 1;
    }
    const char *only = pmlab_param_str(cfg, "checks");
    pm_sync_conform_opts o = {
        .log = stderr,
        .only = only && strcmp(only, "all") != 0 ? only : NULL,
        .watchdog_s = (unsigned)pmlab_param_int(cfg, "watchdog_s"),
    };
    char first[512];
    uint64_t t0 = pmlab_now_ns();
    int failed = pm_sync_conform(be, &o, first, sizeof first);
    double secs = (double)(pmlab_now_ns() - t0) / 1e9;
    pmlab_set_num(ctx, "checks_failed", failed);
    pmlab_set_str(ctx, "first_failure", failed ? first : "-");
    pmlab_report_ops(ctx, 1, secs);
    if (failed)
        pmlab_invariant_violated(ctx, "%d conformance checks failed; first: %s", failed, first);
    return 0;
}

static const pmlab_param conform_params[] = {
    {"checks", PMLAB_PARAM_STR, "all",
     "comma-separated checks to run (table, accounting, barrier, oracle, stall-1, stall-4, exit, "
     "threads-64), or all"},
    {"watchdog_s", PMLAB_PARAM_INT, "120", "a check that runs longer fails (the child exits)"},
    {NULL, 0, NULL, NULL}};

static const pmlab_column conform_cols[] = {
    {"checks_failed", PMLAB_COL_NUM, "conformance checks that failed (0: the backend conforms)"},
    {"first_failure", PMLAB_COL_STR, "the first failed check and why, or -"},
    {NULL, 0, NULL}};

static const pmlab_experiment conform_exp = {
    .name = "conform",
    .description = "the conformance suite of a reclamation backend (pmlab conform NAME)",
    .axes = PMLAB_AXIS_BACKENDS,
    .defaults = "--trials 1 --duration-ms 1 --warmup-ms 0",
    .params = conform_params,
    .columns = conform_cols,
    .run = conform_run,
    .timeout_ms = 900000,
    .smoke_args = "--backends all --param checks=table,accounting,barrier --trials 1",
};

void pmlab_register_conform(pmlab_registry *r);
void pmlab_register_conform(pmlab_registry *r)
{
    pmlab_register_experiment(r, &conform_exp);
}
