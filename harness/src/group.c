/* Rows of a results table grouped by configuration; the statistics come from stats.c. */
#define _GNU_SOURCE
#include "group.h"
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void row_desc(const csv_table *t, size_t r, char *buf, size_t n)
{
    const char *b = csv_get(t, r, "backend");
    snprintf(buf, n, "%s%s%s alloc=%s threads=%s trial=%s", csv_get(t, r, "experiment"),
             strcmp(b, "-") && *b ? " backend=" : "", strcmp(b, "-") ? b : "",
             csv_get(t, r, "alloc"), csv_get(t, r, "threads"), csv_get(t, r, "trial"));
}

bool row_ok(const csv_table *t, size_t r)
{
    return !strcmp(csv_get(t, r, "status"), "ok");
}

bool status_failed(const char *status)
{
    size_t n = strlen(STATUS_NOT_COMPARABLE);
    return strcmp(status, "ok") != 0 &&
           !(strncmp(status, STATUS_NOT_COMPARABLE, n) == 0 && (!status[n] || status[n] == ':'));
}

bool row_contended(const csv_table *t, size_t r)
{
    return !strcmp(csv_get(t, r, "contended"), "1");
}

bool row_clean(const csv_table *t, size_t r)
{
    return row_ok(t, r) && !row_contended(t, r);
}

double *group_clean_values(const csv_table *t, const char *id, const char *col, size_t *n)
{
    double *v = xcalloc(t->nrows + 1, sizeof *v);
    size_t k = 0;
    double d;
    for (size_t r = 0; r < t->nrows; r++)
        if (!strcmp(csv_get(t, r, "config_id"), id) && row_clean(t, r) &&
            parse_double(csv_get(t, r, col), &d))
            v[k++] = d;
    *n = k;
    return v;
}

size_t group_rows(const csv_table *t, cfg_group **out)
{
    cfg_group *g = xcalloc(t->nrows + 1, sizeof *g);
    size_t ng = 0;
    double *tp = xcalloc(t->nrows + 1, sizeof *tp), *p99 = xcalloc(t->nrows + 1, sizeof *p99);
    double *ctp = xcalloc(t->nrows + 1, sizeof *ctp), *cp99 = xcalloc(t->nrows + 1, sizeof *cp99);
    for (size_t r = 0; r < t->nrows; r++) {
        const char *id = csv_get(t, r, "config_id");
        size_t i = 0;
        while (i < ng && strcmp(g[i].id, id) != 0)
            i++;
        if (i == ng) {
            g[ng].id = id;
            g[ng].first = r;
            ng++;
        }
    }
    for (size_t i = 0; i < ng; i++) {
        /* clean trials, and the contended ok trials (used only when no trial is clean) */
        size_t ntp = 0, np = 0, nctp = 0, ncp = 0;
        const char *bad = NULL;
        for (size_t r = 0; r < t->nrows; r++) {
            if (strcmp(csv_get(t, r, "config_id"), g[i].id) != 0)
                continue;
            g[i].nrows++;
            if (!row_ok(t, r)) {
                if (!bad)
                    bad = csv_get(t, r, "status");
                continue;
            }
            g[i].nok++;
            bool c = row_contended(t, r);
            g[i].ncontended += c;
            g[i].nclean += !c;
            double d;
            if (parse_double(csv_get(t, r, "ops_per_sec"), &d)) {
                if (c)
                    ctp[nctp++] = d;
                else
                    tp[ntp++] = d;
            }
            if (parse_double(csv_get(t, r, "p99_ns"), &d)) {
                if (c)
                    cp99[ncp++] = d;
                else
                    p99[np++] = d;
            }
        }
        if (!ntp && nctp) {
            g[i].tp_contended = true;
            memcpy(tp, ctp, nctp * sizeof *tp);
            ntp = nctp;
            memcpy(p99, cp99, ncp * sizeof *p99);
            np = ncp;
        }
        if (ntp) {
            st_summary s = st_summarize(tp, ntp);
            g[i].has_tp = true;
            g[i].med = s.med;
            g[i].lo = s.lo;
            g[i].hi = s.hi;
        }
        if (np) {
            g[i].has_p99 = true;
            g[i].p99 = st_median(p99, np);
        }
        if (!bad)
            snprintf(g[i].status, sizeof g[i].status, "ok");
        else if (g[i].nok)
            snprintf(g[i].status, sizeof g[i].status, "%zu/%zu ok; %.100s", g[i].nok, g[i].nrows,
                     bad);
        else
            snprintf(g[i].status, sizeof g[i].status, "%.150s", bad);
        if (g[i].ncontended) {
            size_t l = strlen(g[i].status);
            snprintf(g[i].status + l, sizeof g[i].status - l, "; %zu/%zu contended%s",
                     g[i].ncontended, g[i].nok, g[i].tp_contended ? " (figures from them)" : "");
        }
    }
    free(tp);
    free(p99);
    free(ctp);
    free(cp99);
    *out = g;
    return ng;
}

const char *param_in(const char *params, const char *name, size_t nl, size_t *vl)
{
    for (const char *p = params; p && *p;) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            *vl = len - nl - 1;
            return p + nl + 1;
        }
        p = end ? end + 1 : NULL;
    }
    return NULL;
}

/* Appends to buf the parameters of row r whose value differs between rows of t (the swept
 * ones), so configurations that differ only by a parameter get different labels. */
static void append_varying_params(const csv_table *t, size_t r, char *buf, size_t n)
{
    const char *params = csv_get(t, r, "params");
    for (const char *p = params; p && *p;) {
        const char *end = strchr(p, ';'), *eq = strchr(p, '=');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (eq && eq < p + len) {
            size_t nl = (size_t)(eq - p), vl = len - nl - 1, ol;
            bool varies = false;
            for (size_t o = 0; o < t->nrows && !varies; o++) {
                const char *ov = param_in(csv_get(t, o, "params"), p, nl, &ol);
                varies = !ov || ol != vl || strncmp(ov, eq + 1, vl) != 0;
            }
            size_t used = strlen(buf);
            if (varies && used + len + 2 < n)
                snprintf(buf + used, n - used, " %.*s", (int)len, p);
        }
        p = end ? end + 1 : NULL;
    }
}

void config_desc(const csv_table *t, size_t r, char *buf, size_t n)
{
    const char *b = csv_get(t, r, "backend");
    const char *k = csv_get(t, r, "keys");
    snprintf(buf, n, "%s%s%s alloc=%s threads=%s%s%s", csv_get(t, r, "experiment"),
             strcmp(b, "-") && *b ? " backend=" : "", strcmp(b, "-") ? b : "",
             csv_get(t, r, "alloc"), csv_get(t, r, "threads"), strcmp(k, "-") && *k ? " keys=" : "",
             strcmp(k, "-") ? k : "");
    append_varying_params(t, r, buf, n);
}
