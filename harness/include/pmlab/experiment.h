/* pmlab experiment API: the only header an experiment needs from the harness.
 *
 * The harness knows nothing of tries. An experiment is a record (pmlab_experiment) handed to
 * pmlab_register_experiment() from a registration function that the build calls (see the CMake
 * function pmlab_add_experiment() in harness/CMakeLists.txt and docs/harness.md). The same
 * registration function may also register backend names, key sets and suites, so that pmlab can
 * validate --backends / --keys and run `pmlab reproduce` without knowing what they mean.
 *
 * Each configuration x trial runs in its own child process; the run function is called once in
 * that child and reports through the pmlab_ctx. Everything reported ends up in one row of
 * results.csv (docs/harness.md lists the columns).
 */
#ifndef PMLAB_EXPERIMENT_H
#define PMLAB_EXPERIMENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PMLAB_API_VERSION 1

/* ---- log-linear latency histogram (HdrHistogram-style) -------------------------------------
 * Values are unsigned 64-bit (nanoseconds by convention). Values below 2^(SUB_BITS+1) are exact;
 * above, each power of two is split into 2^SUB_BITS linear buckets, so any reported value is
 * within a relative error of 2^-(SUB_BITS+1) (0.4 %) of a recorded value. Histograms merge by
 * adding counts. A histogram is not thread-safe: use one per thread and merge. */
#define PMLAB_HIST_SUB_BITS 7
typedef struct pmlab_hist pmlab_hist;

pmlab_hist *pmlab_hist_new(void); /* NULL on out-of-memory */
void pmlab_hist_free(pmlab_hist *h);
void pmlab_hist_reset(pmlab_hist *h);
void pmlab_hist_record(pmlab_hist *h, uint64_t value);
void pmlab_hist_record_n(pmlab_hist *h, uint64_t value, uint64_t count);
void pmlab_hist_merge(pmlab_hist *dst, const pmlab_hist *src);
uint64_t pmlab_hist_count(const pmlab_hist *h);
uint64_t pmlab_hist_min(const pmlab_hist *h); /* exact; 0 when empty */
uint64_t pmlab_hist_max(const pmlab_hist *h); /* exact; 0 when empty */
double pmlab_hist_sum(const pmlab_hist *h);   /* exact sum of recorded values */
/* Nearest-rank percentile, pct in [0, 100]: the value of rank ceil(pct/100 * count), within the
 * relative error above (max for pct 100). 0 when empty. */
uint64_t pmlab_hist_percentile(const pmlab_hist *h, double pct);

/* ---- time ---------------------------------------------------------------------------------- */
uint64_t pmlab_now_ns(void); /* CLOCK_MONOTONIC in nanoseconds */

/* ---- what an experiment declares ------------------------------------------------------------ */

/* Common axes an experiment uses. Options for an axis the experiment does not use are refused
 * (exit 2); the axis column then holds "-" (backend, keys) or the harness default. */
enum {
    PMLAB_AXIS_BACKENDS = 1u << 0, /* --backends LIST|all; one configuration per backend      */
    PMLAB_AXIS_ALLOCS = 1u << 1,   /* --allocs LIST; the harness LD_PRELOADs each allocator     */
    PMLAB_AXIS_THREADS = 1u << 2,  /* --threads LIST; one configuration per thread count       */
    PMLAB_AXIS_KEYS = 1u << 3,     /* --keys SET                                                */
    PMLAB_AXIS_SIZE = 1u << 4,     /* --size N                                                  */
    PMLAB_AXIS_UPDATE = 1u << 5,   /* --update PCT                                              */
};

typedef enum {
    PMLAB_PARAM_STR = 0, /* any string                                     */
    PMLAB_PARAM_INT,     /* signed 64-bit decimal integer, checked by pmlab */
    PMLAB_PARAM_DOUBLE,  /* floating point number, checked by pmlab        */
    PMLAB_PARAM_BOOL,    /* on|off|true|false|1|0                          */
    /* comma list of signed 64-bit integers: pmlab sweeps it like an axis (one configuration per
     * value, outermost; several list parameters give their cartesian product); the child sees
     * one value, read with pmlab_param_int(). */
    PMLAB_PARAM_INT_LIST,
    PMLAB_PARAM_STR_LIST, /* comma list of strings, swept the same way; read with pmlab_param_str */
} pmlab_param_type;

typedef struct pmlab_param {
    const char *name; /* [a-z0-9_]+ ; set with --param NAME=VALUE */
    pmlab_param_type type;
    const char *def; /* default value (string form), never NULL */
    const char *help;
} pmlab_param;

typedef enum { PMLAB_COL_NUM = 0, PMLAB_COL_STR } pmlab_column_type;

/* An experiment-specific results.csv column, declared up front (header is stable). */
typedef struct pmlab_column {
    const char *name; /* [a-z0-9_]+, must not clash with a common column */
    pmlab_column_type type;
    const char *help;
} pmlab_column;

/* The configuration of one child run. Strings are never NULL ("-" for an unused axis). */
typedef struct pmlab_config {
    const char *experiment;
    const char *backend; /* a registered backend name, or "-" */
    const char *alloc;   /* glibc | jemalloc | tcmalloc | mimalloc (verified active) */
    unsigned threads;    /* >= 1 */
    unsigned online_cpus;
    bool oversubscribed; /* threads > the CPUs of the affinity mask (<= online_cpus) */
    const char *keys;    /* key-set spec as given: a registered name or file:PATH[:lp], or "-" */
    uint64_t size;
    uint64_t duration_ms;
    uint64_t warmup_ms;
    uint64_t seed; /* --seed + trial: differs between trials, reproducible */
    unsigned update_pct;
    bool pin;       /* --pin is not none: workers are pinned to the parent's plan */
    unsigned trial; /* 0-based */
    size_t nparams; /* every declared parameter, defaults applied, in declaration order */
    const char *const *param_names;
    const char *const *param_values;
} pmlab_config;

const char *pmlab_param_str(const pmlab_config *cfg, const char *name); /* NULL if undeclared */
long long pmlab_param_int(const pmlab_config *cfg, const char *name);   /* 0 if undeclared */
double pmlab_param_double(const pmlab_config *cfg, const char *name);
bool pmlab_param_bool(const pmlab_config *cfg, const char *name);

typedef struct pmlab_ctx pmlab_ctx;

/* Called once per child. Return 0; a non-zero return without a status set becomes
 * "error:run returned N". */
typedef int (*pmlab_run_fn)(const pmlab_config *cfg, pmlab_ctx *ctx);

typedef struct pmlab_experiment {
    const char *name;        /* CLI name, [a-z0-9-]+ */
    const char *description; /* one line */
    unsigned axes;           /* PMLAB_AXIS_* */
    /* Default common options, in CLI syntax, applied before the user's:
     * e.g. "--threads 1,2 --backends all --keys words --size 100000". NULL: harness defaults. */
    const char *defaults;
    const char *const *backends; /* NULL-terminated subset of registered backends; NULL = all */
    const pmlab_param *params;   /* terminated by {NULL}; may be NULL */
    const pmlab_column *columns; /* terminated by {NULL}; may be NULL */
    pmlab_run_fn run;
    unsigned timeout_ms; /* per child; 0 = harness default (see docs/harness.md) */
    /* Smallest thread count the run function accepts (0 or 1: any). pmlab refuses a --threads
     * list with a smaller element before any work starts (exit 2). */
    unsigned min_threads;
    /* Options in CLI syntax for the smoke test (tests/experiments enumerates the registry and
     * runs every experiment with these, small and fast), e.g. "--size 2000 --duration-ms 20".
     * NULL: the experiment is not smoke-tested, and the smoke test fails to say so. */
    const char *smoke_args;
} pmlab_experiment;

/* ---- reporting from the run function --------------------------------------------------------
 * All pmlab_* reporting calls below are safe from any thread unless said otherwise. */

/* Total measured operations and the measured wall-clock seconds (without warm-up). */
void pmlab_report_ops(pmlab_ctx *ctx, uint64_t ops, double seconds);

/* Latency histograms, one per (thread index, kind); index < 4096. The harness merges all
 * threads of a kind. PMLAB_LAT_OP feeds p50_ns..max_ns; the others feed the metric columns
 * and alerts (docs/harness.md). Only thread `thread` may record into its histogram. */
typedef enum {
    PMLAB_LAT_OP = 0, /* the experiment's main operation                      */
    PMLAB_LAT_QUERY,  /* query (read) latency          -> query_* , alert A1 */
    PMLAB_LAT_UPDATE, /* update (write/commit) latency -> update_*          */
    PMLAB_LAT_MERGE,  /* merge (join/fold) latency     -> merge_*, alert A3  */
    PMLAB_LAT_ALLOC,  /* one allocation call's latency -> alloc_*, alert A4  */
    PMLAB_LAT__COUNT
} pmlab_lat;
pmlab_hist *pmlab_latency(pmlab_ctx *ctx, unsigned thread, pmlab_lat kind);
void pmlab_reset_latency(pmlab_ctx *ctx); /* clear all (e.g. after warm-up); no thread recording */

/* Reclamation counters of the backend (rows: retired, freed, pending_peak). */
void pmlab_report_counters(pmlab_ctx *ctx, uint64_t retired, uint64_t freed, uint64_t pending_peak);

/* Named metrics (set; the last value wins). */
typedef enum {
    PMLAB_M_QUERY_OPS = 0,     /* queries done in the measured seconds -> query_ops_per_sec     */
    PMLAB_M_CLONES,            /* clones done in the measured seconds  -> clones, clone_rate A2 */
    PMLAB_M_MAP_BYTES,         /* map size in bytes (gauge)            -> map_bytes             */
    PMLAB_M_WRITER_NS,         /* total writer busy time, all writers  -> alloc_stall_share A4  */
    PMLAB_M_ALLOC_NS,          /* writer time inside allocation calls (default: sum of the
                                  PMLAB_LAT_ALLOC histograms)           -> alloc_stall_share A4  */
    PMLAB_M_PENDING_BYTES_PEAK /* peak retired-but-not-freed bytes      -> pending_bytes_peak A5 */
} pmlab_metric;
void pmlab_report_metric(pmlab_ctx *ctx, pmlab_metric m, double value);

/* Experiment-specific columns (must be declared in pmlab_experiment.columns; an undeclared
 * name turns the row into status "error:undeclared column NAME"). */
void pmlab_set_num(pmlab_ctx *ctx, const char *column, double value);
void pmlab_set_str(pmlab_ctx *ctx, const char *column, const char *value);

/* Row status: ok unless one of these is called (the first call wins). */
void pmlab_invariant_violated(pmlab_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void pmlab_fail(pmlab_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The row measured nothing comparable (e.g. the structure refused the key set's keys): status
 * "not-comparable:text". Not a failure (the exit status stays 0), but like a failed row it is
 * left out of every figure: groups, claims, alerts, compare. */
void pmlab_not_comparable(pmlab_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Time-series sample for plots: written to series/<config_id>-t<trial>.csv as
 * series,t_s,value. t_s is seconds since the child started measuring (caller's choice). */
void pmlab_series(pmlab_ctx *ctx, const char *series, double t_s, double value);

/* ---- worker threads ---------------------------------------------------------------------------
 * Spawn n workers fn(arg, idx), idx = 0..n-1, pinned by the --pin plan when cfg->pin,
 * released together by a start barrier; returns when all have returned. *seconds (may be NULL)
 * receives barrier release -> last join. Returns 0 or an errno value. */
typedef void (*pmlab_worker_fn)(void *arg, unsigned idx);
int pmlab_run_workers(pmlab_ctx *ctx, unsigned n, pmlab_worker_fn fn, void *arg, double *seconds);
/* Same, but after `ms` milliseconds the stop flag is raised; workers poll pmlab_stop() and
 * return. The flag is lowered again before the call returns. Typical use: one call with
 * cfg->warmup_ms, pmlab_reset_latency(), one call with cfg->duration_ms. */
int pmlab_run_timed(pmlab_ctx *ctx, unsigned n, pmlab_worker_fn fn, void *arg, uint64_t ms,
                    double *seconds);
const atomic_bool *pmlab_stop_flag(pmlab_ctx *ctx);
bool pmlab_stop(pmlab_ctx *ctx); /* relaxed load of the stop flag */
/* Pin the calling thread where the --pin plan puts worker idx (the (idx mod n)-th CPU of the
 * plan's order, docs/harness.md "Pinning"); no-op under --pin none. */
int pmlab_pin_self(pmlab_ctx *ctx, unsigned idx);

/* ---- registration ------------------------------------------------------------------------------
 * Called from registration functions (void NAME(pmlab_registry *r)) listed by the CMake function
 * pmlab_add_experiment(). Records are referenced, not copied: pass static storage. Errors
 * (duplicate or malformed names) abort pmlab at start-up with a message. */
typedef struct pmlab_registry pmlab_registry;

void pmlab_register_experiment(pmlab_registry *r, const pmlab_experiment *e);
void pmlab_register_backend(pmlab_registry *r, const char *name, const char *help);

/* A named key set. validate (may be NULL) is called in the parent before any child starts
 * with the spec; return 0, or non-zero with a reason in err. The form file:PATH[:lp] is built
 * into pmlab (checked for readability) and needs no registration. */
typedef int (*pmlab_keyset_validate_fn)(const char *spec, char *err, size_t errlen);
void pmlab_register_keyset(pmlab_registry *r, const char *name, const char *help,
                           pmlab_keyset_validate_fn validate);

/* The number of distinct keys the key set `spec` gives, so that pmlab can refuse a --size
 * above it before any work: set *count to that number, or to at least `limit` when the set
 * holds that many (counting may stop there), or to PMLAB_KEYS_UNBOUNDED for a generated set
 * without a practical bound. Return 0, or non-zero with a reason in err (the spec is refused). */
#define PMLAB_KEYS_UNBOUNDED UINT64_MAX
typedef int (*pmlab_keyset_count_fn)(const char *spec, uint64_t limit, uint64_t *count, char *err,
                                     size_t errlen);
/* pmlab_register_keyset with a count function (may be NULL). The name "file" registers the
 * validate and count functions of the built-in file:PATH[:lp] form (not listed as a set). */
void pmlab_register_keyset_ex(pmlab_registry *r, const char *name, const char *help,
                              pmlab_keyset_validate_fn validate, pmlab_keyset_count_fn count);

/* A suite for `pmlab reproduce`: runs, each an experiment and CLI options; which runs apply
 * to --quick / default / --full is chosen by a mask. report (may be NULL) appends
 * suite-specific sections (e.g. the claims table) to DIR/report.md after all runs. */
enum { PMLAB_SUITE_QUICK = 1u << 0, PMLAB_SUITE_DEFAULT = 1u << 1, PMLAB_SUITE_FULL = 1u << 2 };
typedef struct pmlab_suite_run {
    const char *experiment;
    const char *args; /* e.g. "--threads 1,2 --duration-ms 500 --param k=4" */
    unsigned modes;   /* PMLAB_SUITE_* mask */
    /* the name claims use for this run: runs of different modes may share it, one mode runs it
     * at most once (NULL: no claim needs the run) */
    const char *role;
} pmlab_suite_run;
typedef struct pmlab_suite {
    const char *name;
    const char *description;
    const pmlab_suite_run *runs; /* terminated by {NULL} */
    /* dir: the suite folder; run_dirs[i]: folder of runs[i] or NULL if not run in this mode.
     * A folder without results.csv holds not-run.txt with the reason (e.g. "experiment not
     * built": the experiment is not registered in this pmlab). The hook must derive everything
     * from the folders so that `pmlab report DIR` re-renders the same text. */
    void (*report)(const char *dir, const char *const *run_dirs, FILE *report_md);
    /* The claims catalogue (JSON, docs/report.md): path relative to PMLAB_SOURCE_DIR unless
     * absolute; NULL when the suite has no claims. */
    const char *claims_file;
} pmlab_suite;
void pmlab_register_suite(pmlab_registry *r, const pmlab_suite *s);

/* ---- helpers for suite report hooks -------------------------------------------------------------
 * A suite's report hook reads the run folders (results.csv) and may render its own plots from
 * gnuplot templates in plots/ (or $PMLAB_PLOTS_DIR). */
typedef struct pmlab_table pmlab_table;
pmlab_table *pmlab_table_read(const char *csv_path); /* NULL when missing or unreadable */
size_t pmlab_table_nrows(const pmlab_table *t);
bool pmlab_table_has(const pmlab_table *t, const char *column);
/* cell of a row, "" when the column is absent or the row out of range */
const char *pmlab_table_get(const pmlab_table *t, size_t row, const char *column);
void pmlab_table_free(pmlab_table *t);
/* Renders the template plots/<tmpl>.gp with `gnuplot -e "<vars>; outbase='<outbase>'"`; the
 * template writes outbase.png and outbase.svg. Returns 0 when both exist, else -1 with the reason
 * in why (gnuplot missing, template missing, gnuplot failed). */
int pmlab_plot(const char *tmpl, const char *vars, const char *outbase, char *why, size_t whylen);
unsigned pmlab_online_cpus(void); /* sysconf(_SC_NPROCESSORS_ONLN) */

#ifdef __cplusplus
}
#endif
#endif /* PMLAB_EXPERIMENT_H */
