/* Alerts (DESIGN §7): the default rules, threshold overrides, evaluation over a results table
 * and alerts.json. */
#define _GNU_SOURCE
#include "alerts.h"
#include "group.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const alert_rule default_rules[] = {
    {"A1", "query latency p99", "query_p99_ns", "query_p99_ns / 1e6", "ms",
     "check map size, consider indexing", 100},
    {"A2", "clone rate", "clone_rate", "clone_rate", "clones/s",
     "batch updates: clone once per batch, not per update", 1000},
    {"A3", "merge latency (max)", "merge_max_ns", "merge_max_ns / 1e6", "ms",
     "use a parallel tree-reduce instead of a sequential fold", 1000},
    {"A4", "allocator stall share", "alloc_stall_share", "alloc_stall_share", "fraction",
     "try jemalloc (--allocs jemalloc): writers spend this share of their time in malloc/free",
     0.25},
    {"A5", "reclamation backlog (bytes)", "pending_bytes_peak", "pending_bytes_peak", "bytes",
     "a reader holds grace periods back: shorten read sections, announce quiescent states, "
     "or use a bounded scheme (hp, refcount)",
     67108864},
    {"A5n", "reclamation backlog (nodes)", "pending_peak", "pending_peak", "nodes",
     "a reader holds grace periods back: shorten read sections, announce quiescent states, "
     "or use a bounded scheme (hp, refcount)",
     1000000},
    {"A6", "oversubscription", "threads", "threads / online_cpus", "threads per online CPU",
     "use at most online_cpus threads; oversubscribed figures measure the scheduler", 1},
};
#define NRULES (sizeof default_rules / sizeof default_rules[0])

static int set_threshold(alert_rule *r, size_t n, const char *kv, char *err, size_t errlen)
{
    char *s = xstrdup(kv);
    char *eq = strchr(s, '=');
    int rc = 0;
    if (!eq) {
        snprintf(err, errlen, "bad alert threshold '%s': expected NAME=VALUE", kv);
        free(s);
        return -1;
    }
    *eq = 0;
    char *name = s, *val = eq + 1;
    while (isspace((unsigned char)*name))
        name++;
    for (char *e = name + strlen(name); e > name && isspace((unsigned char)e[-1]);)
        *--e = 0;
    while (isspace((unsigned char)*val))
        val++;
    for (char *e = val + strlen(val); e > val && isspace((unsigned char)e[-1]);)
        *--e = 0;
    size_t i = 0;
    while (i < n && strcasecmp(r[i].id, name) != 0 && strcmp(r[i].key, name) != 0)
        i++;
    double d;
    if (i == n) {
        snprintf(err, errlen, "unknown alert '%s' (A1..A6, A5n)", name);
        rc = -1;
    } else if (!parse_double(val, &d) || d < 0 || isnan(d)) {
        snprintf(err, errlen, "bad threshold '%s' for alert %s", val, name);
        rc = -1;
    } else
        r[i].threshold = d;
    free(s);
    return rc;
}

int alerts_load(alert_rule **rules, size_t *n, const strvec *overrides, const char *file, char *err,
                size_t errlen)
{
    alert_rule *r = xmalloc(sizeof default_rules);
    memcpy(r, default_rules, sizeof default_rules);
    *rules = r;
    *n = NRULES;
    if (file) {
        char *text = slurp(file, NULL);
        if (!text) {
            snprintf(err, errlen, "unreadable alerts file '%s': %s", file, strerror(errno));
            return -1;
        }
        int rc = 0;
        for (char *line = strtok(text, "\n"); line && !rc; line = strtok(NULL, "\n")) {
            char *hash = strchr(line, '#');
            if (hash)
                *hash = 0;
            bool blank = true;
            for (char *c = line; *c; c++)
                blank &= isspace((unsigned char)*c) != 0;
            if (!blank && set_threshold(r, NRULES, line, err, errlen)) {
                size_t l = strlen(err);
                snprintf(err + l, errlen - l, " in alerts file '%s'", file);
                rc = -1;
            }
        }
        free(text);
        if (rc)
            return rc;
    }
    for (size_t i = 0; overrides && i < overrides->n; i++)
        if (set_threshold(r, NRULES, overrides->v[i], err, errlen))
            return -1;
    return 0;
}

char *alerts_thresholds_string(const alert_rule *rules, size_t n)
{
    sbuf b = {0};
    sb_add(&b, "");
    for (size_t i = 0; i < n; i++)
        sb_printf(&b, "%s%s=%.17g", i ? ";" : "", rules[i].id, rules[i].threshold);
    return b.s;
}

void alerts_eval(const csv_table *t, const alert_rule *rules, size_t n, alert_eval *out)
{
    for (size_t i = 0; i < n; i++) {
        const alert_rule *a = &rules[i];
        bool have = false;
        double best = 0;
        size_t best_row = 0;
        bool a6 = !strcmp(a->id, "A6");
        for (size_t r = 0; r < t->nrows; r++) {
            if (!a6 && strcmp(csv_get(t, r, "status"), "ok") != 0)
                continue;
            const char *v = csv_get(t, r, a->key);
            double d;
            if (!*v || !parse_double(v, &d))
                continue;
            if (!strcmp(a->id, "A1") || !strcmp(a->id, "A3"))
                d /= 1e6;
            if (a6) {
                double on;
                if (!parse_double(csv_get(t, r, "online_cpus"), &on) || on <= 0)
                    continue;
                d /= on;
            }
            if (!have || d > best) {
                best = d;
                best_row = r;
                have = true;
            }
        }
        out[i].have = have;
        out[i].value = best;
        out[i].fired = have && best > a->threshold;
        out[i].decided_by[0] = 0;
        if (have)
            row_desc(t, best_row, out[i].decided_by, sizeof out[i].decided_by);
    }
}

int alerts_write(const char *dir, const csv_table *t, const alert_rule *rules, size_t n, FILE *md)
{
    char *path = xasprintf("%s/alerts.json", dir);
    FILE *f = fopen(path, "w");
    free(path);
    int fired_n = 0;
    alert_eval *ev = xcalloc(n + 1, sizeof *ev);
    alerts_eval(t, rules, n, ev);
    if (f)
        fprintf(f, "[\n");
    if (md)
        fprintf(md, "## Alerts\n\n| id | rule | value | threshold | fired | decided by | remedy "
                    "|\n|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < n; i++) {
        const alert_rule *a = &rules[i];
        bool have = ev[i].have, fired = ev[i].fired;
        double best = ev[i].value;
        const char *desc = ev[i].decided_by;
        fired_n += fired;
        if (f) {
            fprintf(f, "  {\"id\": \"%s\", \"name\": ", a->id);
            json_str(f, a->name);
            fprintf(f, ", \"metric\": ");
            json_str(f, a->metric);
            fprintf(f, ", \"unit\": ");
            json_str(f, a->unit);
            if (have)
                fprintf(f, ", \"value\": %.17g", best);
            else
                fprintf(f, ", \"value\": null");
            fprintf(f, ", \"threshold\": %.17g, \"evaluated\": %s, \"fired\": %s, \"decided_by\": ",
                    a->threshold, have ? "true" : "false", fired ? "true" : "false");
            json_str(f, have ? desc : "no row reported this metric");
            fprintf(f, ", \"remedy\": ");
            json_str(f, a->remedy);
            fprintf(f, "}%s\n", i + 1 < n ? "," : "");
        }
        if (md) {
            char val[64];
            if (have)
                snprintf(val, sizeof val, "%.4g %s", best, a->unit);
            else
                snprintf(val, sizeof val, "no data");
            fprintf(md, "| %s | %s > threshold | %s | %.4g | %s | %s | %s |\n", a->id, a->name, val,
                    a->threshold, fired ? "**FIRED**" : "no", have ? desc : "-",
                    fired ? a->remedy : "-");
        }
    }
    if (f) {
        fprintf(f, "]\n");
        fclose(f);
    }
    if (md)
        fprintf(md, "\n");
    free(ev);
    return fired_n;
}
