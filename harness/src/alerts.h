/* alerts.json: the alert rules (DESIGN §7), their thresholds and their evaluation over a
 * results table. */
#ifndef PMLAB_ALERTS_H
#define PMLAB_ALERTS_H
#include "pmlab_int.h"

typedef struct {
    const char *id, *name, *key, *metric, *unit, *remedy;
    double threshold;
} alert_rule;
/* the default rules with overrides (NAME=VALUE, from --alert) and an optional file applied */
int alerts_load(alert_rule **rules, size_t *n, const strvec *overrides, const char *file, char *err,
                size_t errlen);
/* evaluate over a results table, write alerts.json (and the Alerts section to md, may be NULL);
 * returns number fired */
int alerts_write(const char *dir, const csv_table *t, const alert_rule *rules, size_t n, FILE *md);
char *alerts_thresholds_string(const alert_rule *rules, size_t n);

typedef struct {
    bool have, fired;
    double value;
    char decided_by[256];
} alert_eval;
void alerts_eval(const csv_table *t, const alert_rule *rules, size_t n, alert_eval *out);

#endif
