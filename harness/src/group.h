/* Rows of a results table grouped by configuration, with the statistics of stats.h over the
 * clean trials (status ok and contended != 1), and the labels a configuration is shown by. */
#ifndef PMLAB_GROUP_H
#define PMLAB_GROUP_H
#include "pmlab_int.h"

/* rows grouped by config_id, in order of first appearance. med/lo/hi: ops_per_sec
 * median/min/max over the clean trials (over the ok trials, with tp_contended set, when every
 * ok trial was contended); p99: the median p99 over the same trials. */
typedef struct {
    const char *id;
    size_t first;
    size_t nrows, nok, nclean, ncontended;
    double med, lo, hi, p99;
    bool has_tp, has_p99, tp_contended;
    char status[160];
} cfg_group;
size_t group_rows(const csv_table *t, cfg_group **out);

/* a row is a clean trial: status ok and not flagged contended (a table without the contended
 * column predates contention detection: its ok rows are clean) */
bool row_ok(const csv_table *t, size_t r);
/* a status that is a failure: neither ok nor not-comparable[:text] (pmlab_not_comparable: the
 * row measured nothing comparable; left out of the figures like a failure, but not one) */
#define STATUS_NOT_COMPARABLE "not-comparable"
bool status_failed(const char *status);
bool row_contended(const csv_table *t, size_t r);
bool row_clean(const csv_table *t, size_t r);
/* the ops_per_sec values of the clean trials of configuration id (malloc'ed, *n values) */
double *group_clean_values(const csv_table *t, const char *id, const char *col, size_t *n);

/* "experiment backend=.. alloc=.. threads=.. trial=.." of one row */
void row_desc(const csv_table *t, size_t r, char *buf, size_t n);
/* "experiment backend=.. alloc=.. threads=.. keys=.. P=V" of a configuration: the parameters
 * whose value varies between the rows of t are shown */
void config_desc(const csv_table *t, size_t r, char *buf, size_t n);
/* the value of parameter name in a params cell "a=1;b=x" (length in *vl), or NULL */
const char *param_in(const char *params, const char *name, size_t nl, size_t *vl);

#endif
