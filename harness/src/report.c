/* report.md of a run folder (environment, results, alerts, plots, failed rows), report.html,
 * and the stdout summary. */
#define _GNU_SOURCE
#include "report.h"
#include "alerts.h"
#include "group.h"
#include "html.h"
#include "meta.h"
#include "plots.h"

#include <stdlib.h>
#include <string.h>

/* One line on contended trials: how many the figures left out, or that the run predates the
 * contended column. Returns false when there is nothing to say. */
static bool contention_note(const csv_table *t, const cfg_group *g, size_t ng, char *buf, size_t n)
{
    if (csv_col(t, "contended") < 0) {
        snprintf(buf, n,
                 "contention: not recorded (the run predates contention detection; every "
                 "ok trial counts as clean)");
        return true;
    }
    size_t nok = 0, nc = 0, nfrom = 0;
    for (size_t i = 0; i < ng; i++) {
        nok += g[i].nok;
        nc += g[i].ncontended;
        nfrom += g[i].tp_contended;
    }
    if (!nc)
        return false;
    int l = snprintf(buf, n,
                     "contention: %zu of %zu ok trials were contended (another process took CPU "
                     "time from a worker, or the host probe ran slow around the trial); figures "
                     "use the clean trials",
                     nc, nok);
    if (nfrom && l > 0 && (size_t)l < n)
        snprintf(buf + l, n - (size_t)l,
                 ", except %zu configuration(s) with no clean trial (marked)", nfrom);
    return true;
}

void summary_print(const csv_table *t, FILE *out)
{
    cfg_group *g;
    size_t ng = group_rows(t, &g);
    fprintf(out, "%-52s %14s %25s %12s  %s\n", "configuration", "median ops/s", "min-max", "p99 ns",
            "status");
    bool over = false;
    for (size_t i = 0; i < ng; i++) {
        char d[200], mm[64] = "-", med[32] = "-", p99[32] = "-";
        config_desc(t, g[i].first, d, sizeof d);
        bool o = !strcmp(csv_get(t, g[i].first, "oversubscribed"), "1");
        over |= o;
        if (o)
            strncat(d, " *", sizeof d - strlen(d) - 1);
        if (g[i].has_tp) {
            snprintf(med, sizeof med, "%.4g", g[i].med);
            snprintf(mm, sizeof mm, "%.4g-%.4g", g[i].lo, g[i].hi);
        }
        if (g[i].has_p99)
            snprintf(p99, sizeof p99, "%.0f", g[i].p99);
        fprintf(out, "%-52s %14s %25s %12s  %s\n", d, med, mm, p99, g[i].status);
    }
    if (over)
        fprintf(out, "* oversubscribed: threads > the CPUs pmlab may run on (topology PUs)\n");
    char note[256];
    if (csv_col(t, "contended") >= 0 && contention_note(t, g, ng, note, sizeof note))
        fprintf(out, "%s\n", note);
    free(g);
}

int report_render(const char *dir, bool print_summary, FILE *summary_out)
{
    char *csvp = xasprintf("%s/results.csv", dir);
    char *metap = xasprintf("%s/meta.json", dir);
    csv_table t;
    if (csv_read(csvp, &t) != 0) {
        free(csvp);
        free(metap);
        return usage_error("'%s' holds no results.csv", dir);
    }
    char *meta = slurp(metap, NULL);
    char *thr = json_get_str(meta, "alert_thresholds");
    strvec ov = {0};
    if (thr && *thr)
        sv_split(&ov, thr, ';');
    alert_rule *rules;
    size_t nrules;
    char err[256];
    if (alerts_load(&rules, &nrules, &ov, NULL, err, sizeof err))
        fprintf(stderr, "pmlab: %s (meta.json alert_thresholds ignored)\n", err);
    char *mdp = xasprintf("%s/report.md", dir);
    FILE *md = fopen(mdp, "w");
    if (md) {
        char *exp = json_get_str(meta, "experiment");
        fprintf(md, "# pmlab report: %s\n\n", exp ? exp : "?");
        free(exp);
        fprintf(md, "## Environment\n\n| key | value |\n|---|---|\n");
        static const char *const keys[] = {"command_line", "start_utc",
                                           "end_utc",      "git_sha",
                                           "compiler",     "build_type",
                                           "cpu_model",    "kernel",
                                           "libc",         "library_versions_build",
                                           "hw_counters",  "shard",
                                           "signature",    "alert_thresholds"};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            char *v = json_get_str(meta, keys[i]);
            if (v) {
                for (char *c = v; *c; c++)
                    if (*c == '|')
                        *c = '/';
                fprintf(md, "| %s | %s |\n", keys[i], v);
            }
            free(v);
        }
        char *topo = meta_topology_text(meta), *pin = json_get_str(meta, "pin");
        if (topo) {
            for (char *c = topo; *c; c++)
                if (*c == '|')
                    *c = '/';
            fprintf(md, "| topology | %s |\n", topo);
        }
        if (pin) {
            char *cpus = json_get_str(meta, "pin_cpus");
            fprintf(md, "| pin | %s%s%s%s |\n", pin, cpus && *cpus ? " (CPUs in order: " : "",
                    cpus && *cpus ? cpus : "", cpus && *cpus ? ")" : "");
            free(cpus);
        }
        free(topo);
        free(pin);
        fprintf(md, "| online_cpus | %u |\n| git_dirty | %s |\n\n", online_cpus(),
                meta && strstr(meta, "\"git_dirty\": true") ? "yes" : "no");
        fprintf(md, "## Results\n\nMedian of the clean trials (status ok, not contended) with "
                    "min-max; p99 is the median of their p99. `*` marks oversubscribed "
                    "configurations (threads > the CPUs pmlab may run on, the topology's "
                    "PUs).\n\n| configuration | trials | median ops/s | min-max ops/s | p99 ns "
                    "| status |\n|---|---|---|---|---|---|\n");
        cfg_group *g;
        size_t ng = group_rows(&t, &g);
        for (size_t i = 0; i < ng; i++) {
            char d[200];
            config_desc(&t, g[i].first, d, sizeof d);
            bool o = !strcmp(csv_get(&t, g[i].first, "oversubscribed"), "1");
            fprintf(md, "| %s%s | %zu |", d, o ? " *" : "", g[i].nrows);
            if (g[i].has_tp)
                fprintf(md, " %.4g | %.4g-%.4g |", g[i].med, g[i].lo, g[i].hi);
            else
                fprintf(md, " - | - |");
            if (g[i].has_p99)
                fprintf(md, " %.0f |", g[i].p99);
            else
                fprintf(md, " - |");
            fprintf(md, " %s |\n", g[i].status);
        }
        fprintf(md, "\n");
        char note[256];
        if (contention_note(&t, g, ng, note, sizeof note))
            fprintf(md, "%s.\n\n", note);
        free(g);
        alerts_write(dir, &t, rules, nrules, md);
        plots_render_run(dir, &t, md);
        for (int failed = 1; failed >= 0; failed--) {
            size_t nlisted = 0;
            for (size_t r = 0; r < t.nrows; r++) {
                const char *st = csv_get(&t, r, "status");
                if (!strcmp(st, "ok") || status_failed(st) != failed)
                    continue;
                if (!nlisted++)
                    fprintf(md, failed ? "## Failed rows\n\n"
                                       : "## Not comparable rows\n\nLeft out of every figure: "
                                         "the row measured nothing comparable, its status "
                                         "says why.\n\n");
                char d[256];
                row_desc(&t, r, d, sizeof d);
                fprintf(md, "- %s: `%s`\n", d, st);
            }
            if (nlisted)
                fprintf(md, "\n");
        }
        fclose(md);
    } else {
        alerts_write(dir, &t, rules, nrules, NULL);
    }
    if (md)
        html_render(dir);
    if (print_summary && summary_out)
        summary_print(&t, summary_out);
    free(rules);
    sv_free(&ov);
    free(thr);
    free(meta);
    free(mdp);
    free(csvp);
    free(metap);
    csv_free(&t);
    return 0;
}
