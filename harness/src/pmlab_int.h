/* Internal interfaces of the pmlab harness (not for experiments). */
#ifndef PMLAB_INT_H
#define PMLAB_INT_H

#include "pmlab/experiment.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PMLAB_EXIT_USAGE 2

/* ---- memory / strings ---- */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

typedef struct {
    char *s;
    size_t len, cap;
} sbuf;
void sb_add(sbuf *b, const char *s);
void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_free(sbuf *b);

typedef struct {
    char **v;
    size_t n, cap;
} strvec;
void sv_push(strvec *sv, const char *s); /* copies */
void sv_free(strvec *sv);
bool sv_has(const strvec *sv, const char *s);
int sv_split(strvec *out, const char *s, char sep); /* -1 on an empty element */

/* strict parsing: whole string, decimal, no sign */
bool parse_u64(const char *s, uint64_t *out);
bool parse_i64(const char *s, long long *out);
bool parse_double(const char *s, double *out);
bool parse_bool(const char *s, bool *out);

uint64_t fnv1a(const void *p, size_t n, uint64_t h);
#define FNV_INIT UINT64_C(14695981039346656037)

char *slurp(const char *path, size_t *len); /* NULL on error */
int mkdir_p(const char *path);
int check_writable_dir(const char *path, char *err, size_t errlen);
void utc_stamp(char *buf, size_t n, bool compact);
unsigned online_cpus(void);
char *run_cmd_line(const char *cmd); /* first line of a command's stdout, or NULL */

/* ---- JSON ---- */
void json_str(FILE *f, const char *s);
char *json_quote(const char *s);                       /* malloc'ed JSON string literal */
char *json_get_str(const char *text, const char *key); /* top-level "key": "..." or NULL */

/* ---- CSV ---- */
void csv_field(FILE *f, const char *s);
int csv_split(const char *line, strvec *out);
typedef struct {
    strvec cols;
    size_t nrows;
    strvec *rows;
} csv_table;
int csv_read(const char *path, csv_table *t); /* -1 if missing; a trailing partial line dropped */
void csv_free(csv_table *t);
int csv_col(const csv_table *t, const char *name);                     /* -1 if absent */
const char *csv_get(const csv_table *t, size_t row, const char *name); /* "" if absent */

/* ---- registry ---- */
typedef struct {
    const char *name, *help;
    pmlab_keyset_validate_fn validate;
    pmlab_keyset_count_fn count; /* may be NULL */
} keyset_rec;
typedef struct {
    const char *name, *help;
} backend_rec;
struct pmlab_registry {
    const pmlab_experiment **exps;
    size_t nexps;
    backend_rec *backends;
    size_t nbackends;
    keyset_rec *keysets;
    size_t nkeysets;
    const pmlab_suite **suites;
    size_t nsuites;
    keyset_rec file_keys; /* checker/counter of file:PATH specs, from pmlab_register_keyset_ex */
};
extern pmlab_registry g_reg;
typedef void (*pmlab_register_fn)(pmlab_registry *r);
void reg_init(pmlab_register_fn generated);
void reg_free(void);
const pmlab_experiment *reg_experiment(const char *name);
const backend_rec *reg_backend(const char *name);
const keyset_rec *reg_keyset(const char *name);
void pmlab_register_builtin(pmlab_registry *r);

/* ---- common results.csv columns ---- */
extern const char *const common_cols[];
size_t common_ncols(void);

/* ---- allocators ---- */
extern const char *const alloc_names[]; /* NULL-terminated */
bool alloc_known(const char *name);
char *alloc_library(const char *name); /* path to LD_PRELOAD, NULL for glibc or not found */
const char *alloc_detect(char *detail, size_t n); /* name of the active allocator */

/* ---- options ---- */
typedef struct {
    const char *backends, *threads, *allocs, *keys, *size, *duration_ms, *warmup_ms, *trials,
        *update, *pin, *seed, *out, *shard, *timeout_ms, *alerts_file, *max_trials;
    bool resume, quiet;
    strvec params; /* NAME=VALUE */
    strvec alerts; /* NAME=VALUE */
} opts;

/* ---- alerts ---- */
typedef struct {
    const char *id, *name, *key, *metric, *unit, *remedy;
    double threshold;
} alert_rule;
int alerts_load(alert_rule **rules, size_t *n, const strvec *overrides, const char *file, char *err,
                size_t errlen);
/* evaluate over a results table, write alerts.json; returns number fired */
int alerts_write(const char *dir, const csv_table *t, const alert_rule *rules, size_t n, FILE *md);
char *alerts_thresholds_string(const alert_rule *rules, size_t n);

/* ---- output ---- */
void meta_write(const char *dir, const char *experiment, const char *signature, const char *cmdline,
                const char *start, const char *end, const char *extra_json);
char *binary_hash(void);
int report_render(const char *dir, bool print_summary, FILE *summary_out);

/* rows grouped by config_id, in order of first appearance; ops_per_sec median/min/max over the
 * ok trials and the median p99 */
typedef struct {
    const char *id;
    size_t first;
    size_t nrows, nok;
    double med, lo, hi, p99;
    bool has_tp, has_p99;
    char status[160];
} cfg_group;
size_t group_rows(const csv_table *t, cfg_group **out);

/* ---- plots (plots.c) ---- */
const char *plots_dir(void);
/* renders the run folder's plots (throughput, speedup, latency CDF, time series) and appends
 * the Plots section to md (may be NULL) */
void plots_render_run(const char *dir, const csv_table *t, FILE *md);

/* ---- alerts evaluated over a table ---- */
typedef struct {
    bool have, fired;
    double value;
    char decided_by[256];
} alert_eval;
void alerts_eval(const csv_table *t, const alert_rule *rules, size_t n, alert_eval *out);

/* ---- report.html (html.c): report.md -> self-contained HTML, images inlined ---- */
int html_render(const char *dir);

/* ---- suites (reproduce.c) ---- */
bool suite_folder(const char *dir); /* DIR holds suite.json */
int suite_report(const char *dir);  /* re-render a suite folder: runs, report.md/.html, alerts */
void summary_print(const csv_table *t, FILE *out);

/* ---- commands ---- */
int cmd_run(const char *exp, int argc, char **argv, const char *cmdline, const char *forced_out,
            bool quiet_default);
int cmd_run_ex(const char *exp, int argc, char **argv, const char *cmdline, const char *forced_out,
               bool validate_only);
int cmd_child(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_reproduce(int argc, char **argv, const char *cmdline);
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int pmlab_main(int argc, char **argv, pmlab_register_fn generated);
extern const char *g_argv0;
extern char *g_cmdline;

#endif
