/* Plots of a run folder (gnuplot templates in plots/), the table and plot helpers that suite
 * report hooks use (pmlab/experiment.h). Everything here is derived from results.csv, hist/ and
 * series/: re-rendering a folder gives the same data files and the same report text. */
#define _GNU_SOURCE
#include "plots.h"
#include "group.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef PMLAB_SOURCE_DIR
#define PMLAB_SOURCE_DIR "."
#endif
#ifndef PMLAB_PLOTS_DIR
#define PMLAB_PLOTS_DIR PMLAB_SOURCE_DIR "/plots"
#endif

const char *plots_dir(void)
{
    const char *e = getenv("PMLAB_PLOTS_DIR");
    return e && *e ? e : PMLAB_PLOTS_DIR;
}

unsigned pmlab_online_cpus(void)
{
    return online_cpus();
}

/* ---- tables for suite hooks ------------------------------------------------------------------ */
struct pmlab_table {
    csv_table t;
};

pmlab_table *pmlab_table_read(const char *csv_path)
{
    pmlab_table *t = xcalloc(1, sizeof *t);
    if (csv_read(csv_path, &t->t) != 0) {
        free(t);
        return NULL;
    }
    return t;
}

size_t pmlab_table_nrows(const pmlab_table *t)
{
    return t ? t->t.nrows : 0;
}

bool pmlab_table_has(const pmlab_table *t, const char *column)
{
    return t && csv_col(&t->t, column) >= 0;
}

const char *pmlab_table_get(const pmlab_table *t, size_t row, const char *column)
{
    if (!t || row >= t->t.nrows)
        return "";
    return csv_get(&t->t, row, column);
}

void pmlab_table_free(pmlab_table *t)
{
    if (!t)
        return;
    csv_free(&t->t);
    free(t);
}

/* ---- gnuplot -------------------------------------------------------------------------------- */
static int gnuplot_state; /* 0 unknown, 1 present, -1 missing */

static bool file_nonempty(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && st.st_size > 0;
}

int pmlab_plot(const char *tmpl, const char *vars, const char *outbase, char *why, size_t whylen)
{
    if (why && whylen)
        why[0] = 0;
    char *tp = xasprintf("%s/%s.gp", plots_dir(), tmpl);
    if (access(tp, R_OK) != 0) {
        if (why)
            snprintf(why, whylen, "template %s not found", tp);
        free(tp);
        return -1;
    }
    if (!gnuplot_state)
        gnuplot_state = system("command -v gnuplot >/dev/null 2>&1") == 0 ? 1 : -1;
    if (gnuplot_state < 0) {
        if (why)
            snprintf(why, whylen, "gnuplot not installed");
        free(tp);
        return -1;
    }
    char *log = xasprintf("%s.gnuplot.log", outbase);
    /* loadpath: templates `load 'styles.gp'` (the shared line styles) from the same folder */
    char *cmd =
        xasprintf("gnuplot -e \"set loadpath '%s'; %s%soutbase='%s'\" '%s' >'%s' 2>&1", plots_dir(),
                  vars ? vars : "", vars && *vars ? "; " : "", outbase, tp, log);
    int rc = system(cmd);
    char *png = xasprintf("%s.png", outbase), *svg = xasprintf("%s.svg", outbase);
    int out = 0;
    if (rc != 0 || !file_nonempty(png) || !file_nonempty(svg)) {
        if (why)
            snprintf(why, whylen, "gnuplot failed on %s.gp (see %s)", tmpl, log);
        out = -1;
    } else
        unlink(log);
    free(png);
    free(svg);
    free(cmd);
    free(log);
    free(tp);
    return out;
}

/* ---- series labels -------------------------------------------------------------------------- */
/* value of NAME in a params string "a=1;b=2" (malloc'ed, "" when absent) */
static char *param_value(const char *params, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = params; p && *p;) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > nl && !strncmp(p, name, nl) && p[nl] == '=')
            return strndup(p + nl + 1, len - nl - 1);
        p = end ? end + 1 : NULL;
    }
    return xstrdup("");
}

typedef struct {
    strvec varying; /* parameter names whose value differs between rows */
    bool show_backend, show_alloc;
} labeler;

static void labeler_init(labeler *L, const csv_table *t)
{
    memset(L, 0, sizeof *L);
    strvec names = {0}, backends = {0}, allocs = {0};
    for (size_t r = 0; r < t->nrows; r++) {
        const char *b = csv_get(t, r, "backend"), *a = csv_get(t, r, "alloc");
        if (!sv_has(&backends, b))
            sv_push(&backends, b);
        if (!sv_has(&allocs, a))
            sv_push(&allocs, a);
        strvec kv = {0};
        sv_split(&kv, csv_get(t, r, "params"), ';');
        for (size_t i = 0; i < kv.n; i++) {
            char *eq = strchr(kv.v[i], '=');
            if (eq) {
                *eq = 0;
                if (!sv_has(&names, kv.v[i]))
                    sv_push(&names, kv.v[i]);
            }
        }
        sv_free(&kv);
    }
    for (size_t i = 0; i < names.n; i++) {
        char *v0 = NULL;
        bool varies = false;
        for (size_t r = 0; r < t->nrows && !varies; r++) {
            char *v = param_value(csv_get(t, r, "params"), names.v[i]);
            if (!v0)
                v0 = v;
            else {
                varies = strcmp(v, v0) != 0;
                free(v);
            }
        }
        free(v0);
        if (varies)
            sv_push(&L->varying, names.v[i]);
    }
    L->show_backend = !(backends.n == 1 && (!strcmp(backends.v[0], "-") || !*backends.v[0]));
    L->show_alloc = allocs.n > 1 || (!L->show_backend && L->varying.n == 0);
    sv_free(&names);
    sv_free(&backends);
    sv_free(&allocs);
}

/* label of a row's series (no spaces: gnuplot's word() splits titles on blanks) */
static char *row_label(const labeler *L, const csv_table *t, size_t r)
{
    sbuf b = {0};
    sb_add(&b, "");
    if (L->show_backend)
        sb_printf(&b, "%s", csv_get(t, r, "backend"));
    if (L->show_alloc)
        sb_printf(&b, "%s%s", b.len ? "/" : "", csv_get(t, r, "alloc"));
    for (size_t i = 0; i < L->varying.n; i++) {
        char *v = param_value(csv_get(t, r, "params"), L->varying.v[i]);
        sb_printf(&b, "%s%s", b.len ? "/" : "", v);
        free(v);
    }
    if (!b.len)
        sb_add(&b, "all");
    for (char *c = b.s; *c; c++)
        if (*c == ' ' || *c == '\t' || *c == '\'' || *c == '"')
            *c = '_';
    return b.s;
}

static int cmp_thr(const void *a, const void *b, void *arg)
{
    const csv_table *t = arg;
    const cfg_group *x = a, *y = b;
    long tx = atol(csv_get(t, x->first, "threads")), ty = atol(csv_get(t, y->first, "threads"));
    return tx < ty ? -1 : tx > ty;
}

/* first trial of a configuration that has a file DIR/sub/<id>-t<k>.csv */
static char *trial_file(const char *dir, const char *sub, const csv_table *t, const cfg_group *g)
{
    for (size_t r = g->first; r < t->nrows; r++) {
        if (strcmp(csv_get(t, r, "config_id"), g->id) != 0)
            continue;
        char *p = xasprintf("%s/%s/%s-t%s.csv", dir, sub, g->id, csv_get(t, r, "trial"));
        if (file_nonempty(p))
            return p;
        free(p);
    }
    return NULL;
}

static void esc_title(sbuf *b, const char *s)
{
    for (; *s; s++)
        sb_printf(b, "%c", *s == '\'' || *s == '"' ? '_' : *s);
}

static void plot_line(FILE *md, const char *name, const char *sentence)
{
    if (md)
        fprintf(md, "![%s](plots/%s.png)\n\n%s ([svg](plots/%s.svg))\n\n", name, name, sentence,
                name);
}

/* ---- the plots of one run folder ------------------------------------------------------------ */
void plots_render_run(const char *dir, const csv_table *t, FILE *md)
{
    cfg_group *g;
    size_t ng = group_rows(t, &g);
    labeler L;
    labeler_init(&L, t);
    unsigned online = 0;
    for (size_t r = 0; r < t->nrows && !online; r++)
        online = (unsigned)atoi(csv_get(t, r, "online_cpus"));
    if (!online)
        online = online_cpus();
    char *pdir = xasprintf("%s/plots", dir);
    mkdir_p(pdir);
    const char *exp = t->nrows ? csv_get(t, 0, "experiment") : "?";
    long maxthr = 1;
    size_t ntrials = 0;
    for (size_t r = 0; r < t->nrows; r++) {
        long th = atol(csv_get(t, r, "threads"));
        if (th > maxthr)
            maxthr = th;
        size_t tr = (size_t)atol(csv_get(t, r, "trial")) + 1;
        if (tr > ntrials)
            ntrials = tr;
    }

    /* series: labels in order of first appearance, groups of each sorted by threads */
    strvec labels = {0};
    char **glabel = xcalloc(ng + 1, sizeof *glabel);
    for (size_t i = 0; i < ng; i++) {
        glabel[i] = row_label(&L, t, g[i].first);
        if (!sv_has(&labels, glabel[i]))
            sv_push(&labels, glabel[i]);
    }
    size_t ns = labels.n;
    cfg_group **sg = xcalloc(ns + 1, sizeof *sg);
    size_t *sn = xcalloc(ns + 1, sizeof *sn);
    for (size_t s = 0; s < ns; s++) {
        sg[s] = xcalloc(ng + 1, sizeof **sg);
        for (size_t i = 0; i < ng; i++)
            if (!strcmp(glabel[i], labels.v[s]))
                sg[s][sn[s]++] = g[i];
        qsort_r(sg[s], sn[s], sizeof **sg, cmp_thr, (void *)t);
    }
    char why[512];
    if (md)
        fprintf(md, "## Plots\n\n");
    bool any = false;

    /* throughput */
    {
        char *dat = xasprintf("%s/throughput.dat", pdir);
        FILE *f = fopen(dat, "w");
        sbuf titles = {0};
        sb_add(&titles, "");
        size_t nb = 0;
        for (size_t s = 0; f && s < ns; s++) {
            fprintf(f, "# %s: threads median min max\n", labels.v[s]);
            for (size_t i = 0; i < sn[s]; i++)
                if (sg[s][i].has_tp)
                    fprintf(f, "%s %.6g %.6g %.6g\n", csv_get(t, sg[s][i].first, "threads"),
                            sg[s][i].med, sg[s][i].lo, sg[s][i].hi);
            fprintf(f, "\n\n");
            sb_printf(&titles, "%s%s", nb ? " " : "", labels.v[s]);
            nb++;
        }
        if (f)
            fclose(f);
        sbuf v = {0};
        sb_printf(&v,
                  "datafile='%s'; online=%u; nblocks=%zu; titles='%s'; maxthr=%ld; "
                  "ttl='%s: throughput vs threads (median of %zu trial(s), bars min-max)'",
                  dat, online, nb, titles.s, maxthr, exp, ntrials);
        char *ob = xasprintf("%s/throughput", pdir);
        if (nb && pmlab_plot("throughput", v.s, ob, why, sizeof why) == 0) {
            char *sent = xasprintf("Throughput (operations per second, median of the trials, bars "
                                   "min-max) against threads, one line per series; the shaded "
                                   "region is oversubscribed (threads > %u online CPUs).",
                                   online);
            plot_line(md, "throughput", sent);
            free(sent);
            any = true;
        } else if (md)
            fprintf(md, "Throughput plot not rendered: %s. Data: plots/throughput.dat.\n\n",
                    nb ? why : "no data");
        free(ob);
        sb_free(&v);
        sb_free(&titles);
        free(dat);
    }

    /* speedup and efficiency (series that have threads = 1 and another count) */
    {
        char *dat = xasprintf("%s/speedup.dat", pdir);
        FILE *f = NULL;
        sbuf titles = {0};
        sb_add(&titles, "");
        size_t nb = 0;
        for (size_t s = 0; s < ns; s++) {
            const cfg_group *one = NULL;
            for (size_t i = 0; i < sn[s]; i++)
                if (!strcmp(csv_get(t, sg[s][i].first, "threads"), "1") && sg[s][i].has_tp &&
                    sg[s][i].med > 0)
                    one = &sg[s][i];
            if (!one || sn[s] < 2)
                continue;
            if (!f && !(f = fopen(dat, "w")))
                break;
            fprintf(f, "# %s: threads speedup speedup_min speedup_max efficiency\n", labels.v[s]);
            for (size_t i = 0; i < sn[s]; i++) {
                if (!sg[s][i].has_tp)
                    continue;
                double th = atof(csv_get(t, sg[s][i].first, "threads"));
                double sp = sg[s][i].med / one->med;
                fprintf(f, "%g %.6g %.6g %.6g %.6g\n", th, sp, sg[s][i].lo / one->med,
                        sg[s][i].hi / one->med, sp / th);
            }
            fprintf(f, "\n\n");
            sb_printf(&titles, "%s%s", nb ? " " : "", labels.v[s]);
            nb++;
        }
        if (f)
            fclose(f);
        if (nb) {
            sbuf v = {0};
            sb_printf(&v,
                      "datafile='%s'; online=%u; nblocks=%zu; titles='%s'; maxthr=%ld; "
                      "ttl='%s: speedup and efficiency vs threads'",
                      dat, online, nb, titles.s, maxthr, exp);
            char *ob = xasprintf("%s/speedup", pdir);
            if (pmlab_plot("speedup", v.s, ob, why, sizeof why) == 0) {
                plot_line(md, "speedup",
                          "Speedup = median ops/s at T threads / median at 1 thread (top, with "
                          "the ideal line y = T) and efficiency = speedup / T (bottom, ideal 1); "
                          "shaded: oversubscribed.");
                any = true;
            } else if (md)
                fprintf(md, "Speedup plot not rendered: %s. Data: plots/speedup.dat.\n\n", why);
            free(ob);
            sb_free(&v);
        } else
            unlink(dat);
        sb_free(&titles);
        free(dat);
    }

    /* latency CDF: per series, the configuration with the most threads <= online CPUs */
    {
        char *dat = xasprintf("%s/latency_cdf.dat", pdir);
        FILE *f = NULL;
        sbuf titles = {0};
        sb_add(&titles, "");
        size_t nb = 0;
        const char *kind_used = NULL;
        for (int pass = 0; pass < 2 && !nb; pass++) {
            const char *kind = pass ? "query" : "op";
            for (size_t s = 0; s < ns; s++) {
                const cfg_group *pick = NULL;
                char *path = NULL;
                for (size_t i = 0; i < sn[s]; i++) {
                    long th = atol(csv_get(t, sg[s][i].first, "threads"));
                    char *p = trial_file(dir, "hist", t, &sg[s][i]);
                    if (!p)
                        continue;
                    if (!pick || th <= (long)online) {
                        free(path);
                        path = p;
                        pick = &sg[s][i];
                    } else
                        free(p);
                }
                if (!path)
                    continue;
                csv_table h;
                bool wrote = false;
                if (csv_read(path, &h) == 0) {
                    for (size_t r = 0; r < h.nrows; r++) {
                        if (strcmp(csv_get(&h, r, "kind"), kind) != 0)
                            continue;
                        if (!f && !(f = fopen(dat, "w")))
                            break;
                        if (!wrote)
                            fprintf(f, "# %s@%sT: value_ns percentile\n", labels.v[s],
                                    csv_get(t, pick->first, "threads"));
                        double v = atof(csv_get(&h, r, "value_ns"));
                        fprintf(f, "%.6g %s\n", v < 1 ? 1 : v, csv_get(&h, r, "pct"));
                        wrote = true;
                    }
                    csv_free(&h);
                }
                free(path);
                if (wrote) {
                    fprintf(f, "\n\n");
                    sb_printf(&titles, "%s%s@%sT", nb ? " " : "", labels.v[s],
                              csv_get(t, pick->first, "threads"));
                    nb++;
                    kind_used = kind;
                }
            }
        }
        if (f)
            fclose(f);
        if (nb) {
            sbuf v = {0};
            sb_printf(&v,
                      "datafile='%s'; nblocks=%zu; titles='%s'; "
                      "ttl='%s: latency CDF (%s latency, one trial per series)'",
                      dat, nb, titles.s, exp, kind_used);
            char *ob = xasprintf("%s/latency_cdf", pdir);
            if (pmlab_plot("latency_cdf", v.s, ob, why, sizeof why) == 0) {
                char *sent = xasprintf(
                    "Latency CDF of the `%s` histogram (percentile ladder of the first trial; "
                    "log x): per series the configuration with the most threads that are not "
                    "oversubscribed (label@T).",
                    kind_used);
                plot_line(md, "latency_cdf", sent);
                free(sent);
                any = true;
            } else if (md)
                fprintf(md, "Latency CDF not rendered: %s. Data: plots/latency_cdf.dat.\n\n", why);
            free(ob);
            sb_free(&v);
        }
        sb_free(&titles);
        free(dat);
    }

    /* time series: one plot per series name, one line per configuration (first trial) */
    {
        strvec names = {0};
        csv_table *st = xcalloc(ng + 1, sizeof *st);
        bool *have = xcalloc(ng + 1, sizeof *have);
        for (size_t i = 0; i < ng; i++) {
            char *p = trial_file(dir, "series", t, &g[i]);
            if (p && csv_read(p, &st[i]) == 0) {
                have[i] = true;
                for (size_t r = 0; r < st[i].nrows; r++)
                    if (!sv_has(&names, csv_get(&st[i], r, "series")))
                        sv_push(&names, csv_get(&st[i], r, "series"));
            }
            free(p);
        }
        for (size_t n = 0; n < names.n; n++) {
            char *dat = xasprintf("%s/series-%s.dat", pdir, names.v[n]);
            FILE *f = fopen(dat, "w");
            sbuf titles = {0};
            sb_add(&titles, "");
            size_t nb = 0;
            for (size_t i = 0; f && i < ng; i++) {
                if (!have[i])
                    continue;
                bool wrote = false;
                for (size_t r = 0; r < st[i].nrows; r++) {
                    if (strcmp(csv_get(&st[i], r, "series"), names.v[n]) != 0)
                        continue;
                    if (!wrote)
                        fprintf(f, "# %s: t_s value\n", glabel[i]);
                    fprintf(f, "%s %s\n", csv_get(&st[i], r, "t_s"), csv_get(&st[i], r, "value"));
                    wrote = true;
                }
                if (wrote) {
                    fprintf(f, "\n\n");
                    sb_printf(&titles, "%s%s", nb ? " " : "", glabel[i]);
                    nb++;
                }
            }
            if (f)
                fclose(f);
            sbuf v = {0}, tt = {0};
            sb_add(&tt, "");
            esc_title(&tt, names.v[n]);
            sb_printf(&v,
                      "datafile='%s'; nblocks=%zu; titles='%s'; ylab='%s'; "
                      "ttl='%s: %s over time (first trial per configuration)'",
                      dat, nb, titles.s, tt.s, exp, tt.s);
            char *base = xasprintf("series-%s", names.v[n]);
            char *ob = xasprintf("%s/%s", pdir, base);
            if (nb && pmlab_plot("series", v.s, ob, why, sizeof why) == 0) {
                char *sent = xasprintf("Time series `%s` sampled by the experiment, one line per "
                                       "configuration (first trial).",
                                       names.v[n]);
                plot_line(md, base, sent);
                free(sent);
                any = true;
            } else if (md)
                fprintf(md, "Series plot %s not rendered: %s.\n\n", names.v[n],
                        nb ? why : "no data");
            free(base);
            free(ob);
            sb_free(&v);
            sb_free(&tt);
            sb_free(&titles);
            free(dat);
        }
        for (size_t i = 0; i < ng; i++)
            if (have[i])
                csv_free(&st[i]);
        free(st);
        free(have);
        sv_free(&names);
    }
    if (md && !any)
        fprintf(md, "(no plot rendered)\n\n");

    for (size_t s = 0; s < ns; s++)
        free(sg[s]);
    free(sg);
    free(sn);
    for (size_t i = 0; i < ng; i++)
        free(glabel[i]);
    free(glabel);
    sv_free(&labels);
    sv_free(&L.varying);
    free(pdir);
    free(g);
}
