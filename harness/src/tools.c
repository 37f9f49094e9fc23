/* pmlab merge, compare and report (reproduce: reproduce.c). */
#define _GNU_SOURCE
#include "pmlab_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- merge ---------------------------------------------------------------------------------- */
int cmd_merge(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("merge: usage: pmlab merge OUT DIR...");
    const char *out = argv[0];
    char err[512];
    struct stat st;
    char *outcsv = xasprintf("%s/results.csv", out);
    if (stat(outcsv, &st) == 0) {
        free(outcsv);
        return usage_error("merge: output folder '%s' already holds results.csv", out);
    }
    if (check_writable_dir(out, err, sizeof err)) {
        free(outcsv);
        return usage_error("unwritable output folder '%s': %s", out, err);
    }
    csv_table *t = xcalloc((size_t)argc, sizeof *t);
    char *first_meta = NULL, *exp0 = NULL, *sig0 = NULL, *bin0 = NULL;
    int rc = 0;
    int n = argc - 1;
    for (int i = 0; i < n && !rc; i++) {
        const char *dir = argv[i + 1];
        char *p = xasprintf("%s/results.csv", dir);
        char *mp = xasprintf("%s/meta.json", dir);
        char *meta = slurp(mp, NULL);
        if (csv_read(p, &t[i]) != 0 || !meta)
            rc = usage_error("merge: '%s' is not a pmlab run folder (results.csv, meta.json)", dir);
        char *exp = json_get_str(meta, "experiment"), *sig = json_get_str(meta, "signature");
        char *bin = json_get_str(meta, "binary");
        if (!rc && i == 0) {
            exp0 = exp ? exp : xstrdup("");
            sig0 = sig ? sig : xstrdup("");
            bin0 = bin ? bin : xstrdup("");
            first_meta = meta;
            exp = sig = bin = NULL;
            meta = NULL;
        } else if (!rc) {
            if (!exp || strcmp(exp, exp0) != 0)
                rc = usage_error("merge: '%s' holds experiment '%s', not '%s'", dir,
                                 exp ? exp : "?", exp0);
            else if (!sig || strcmp(sig, sig0) != 0)
                rc = usage_error("merge: '%s' was run with other parameters (%s) than '%s' (%s)",
                                 dir, sig ? sig : "?", argv[1], sig0);
            else if (!bin || strcmp(bin, bin0) != 0)
                rc = usage_error("merge: '%s' was made by another pmlab binary (%s, not %s)", dir,
                                 bin ? bin : "?", bin0);
            else if (t[i].cols.n != t[0].cols.n)
                rc = usage_error("merge: '%s' has other columns than '%s'", dir, argv[1]);
        }
        free(exp);
        free(sig);
        free(bin);
        free(meta);
        free(p);
        free(mp);
    }
    if (!rc && mkdir_p(out) != 0)
        rc = usage_error("merge: cannot create '%s': %s", out, strerror(errno));
    if (!rc) {
        FILE *f = fopen(outcsv, "w");
        strvec seen = {0};
        size_t dup = 0;
        for (size_t c = 0; f && c < t[0].cols.n; c++) {
            if (c)
                fputc(',', f);
            csv_field(f, t[0].cols.v[c]);
        }
        if (f)
            fputc('\n', f);
        for (int i = 0; f && i < n; i++)
            for (size_t r = 0; r < t[i].nrows; r++) {
                char *key =
                    xasprintf("%s#%s", csv_get(&t[i], r, "config_id"), csv_get(&t[i], r, "trial"));
                if (sv_has(&seen, key)) {
                    dup++;
                    free(key);
                    continue;
                }
                sv_push(&seen, key);
                free(key);
                for (size_t c = 0; c < t[i].rows[r].n; c++) {
                    if (c)
                        fputc(',', f);
                    csv_field(f, t[i].rows[r].v[c]);
                }
                fputc('\n', f);
            }
        if (f)
            fclose(f);
        if (dup)
            fprintf(stderr,
                    "pmlab: merge: %zu duplicate rows (same configuration and trial) "
                    "kept once\n",
                    dup);
        /* meta.json: the first folder's, plus where it came from */
        char *mp = xasprintf("%s/meta.json", out);
        FILE *m = fopen(mp, "w");
        if (m) {
            char *close = strrchr(first_meta, '}');
            if (close)
                *close = 0;
            size_t l = strlen(first_meta);
            while (l && (first_meta[l - 1] == '\n' || first_meta[l - 1] == ' '))
                first_meta[--l] = 0;
            fprintf(m, "%s,\n  \"merged_from\": [", first_meta);
            for (int i = 0; i < n; i++) {
                if (i)
                    fputs(", ", m);
                json_str(m, argv[i + 1]);
            }
            fprintf(m, "]\n}\n");
            fclose(m);
        }
        free(mp);
        sv_free(&seen);
        report_render(out, false, NULL);
        fprintf(stderr, "pmlab: merged %d folders into %s/\n", n, out);
    }
    for (int i = 0; i < n; i++)
        csv_free(&t[i]);
    free(t);
    free(first_meta);
    free(exp0);
    free(sig0);
    free(bin0);
    free(outcsv);
    return rc;
}

/* ---- compare -------------------------------------------------------------------------------- */
typedef struct {
    double med, lo, hi, p99;
    size_t n;
    bool have;
} stats;

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static stats config_stats(const csv_table *t, const char *id)
{
    stats s = {0};
    double *v = xcalloc(t->nrows + 1, sizeof *v), *p = xcalloc(t->nrows + 1, sizeof *p);
    size_t np = 0;
    for (size_t r = 0; r < t->nrows; r++) {
        double d;
        if (strcmp(csv_get(t, r, "config_id"), id) || strcmp(csv_get(t, r, "status"), "ok"))
            continue;
        if (parse_double(csv_get(t, r, "ops_per_sec"), &d))
            v[s.n++] = d;
        if (parse_double(csv_get(t, r, "p99_ns"), &d))
            p[np++] = d;
    }
    if (s.n) {
        qsort(v, s.n, sizeof *v, cmpd);
        s.med = s.n % 2 ? v[s.n / 2] : (v[s.n / 2 - 1] + v[s.n / 2]) / 2;
        s.lo = v[0];
        s.hi = v[s.n - 1];
        s.have = true;
    }
    if (np) {
        qsort(p, np, sizeof *p, cmpd);
        s.p99 = np % 2 ? p[np / 2] : (p[np / 2 - 1] + p[np / 2]) / 2;
    }
    free(v);
    free(p);
    return s;
}

typedef struct {
    size_t configs, flagged, failing;
} cmp_totals;

/* Compares the configurations of two results tables. A configuration is flagged when the
 * min-max ranges of its ok trials in A and B do not overlap (the change exceeds both runs'
 * measured spread) and the ratio of the medians differs from 1 by more than min_change %.
 * only_flagged prints just the flagged lines (suite comparisons: a short table). */
static void compare_tables(const csv_table *ta, const csv_table *tb, const char *prefix,
                           double fail_above, double min_change, bool only_flagged, cmp_totals *tot)
{
    strvec ids = {0};
    for (int side = 0; side < 2; side++) {
        const csv_table *t = side ? tb : ta;
        for (size_t r = 0; r < t->nrows; r++) {
            const char *id = csv_get(t, r, "config_id");
            if (sv_has(&ids, id))
                continue;
            sv_push(&ids, id);
            char d[400];
            const char *bk = csv_get(t, r, "backend");
            const char *pr = csv_get(t, r, "params");
            snprintf(d, sizeof d, "%s%s%s%s alloc=%s threads=%s%s%s%s", prefix,
                     csv_get(t, r, "experiment"), strcmp(bk, "-") ? " backend=" : "",
                     strcmp(bk, "-") ? bk : "", csv_get(t, r, "alloc"), csv_get(t, r, "threads"),
                     !strcmp(csv_get(t, r, "oversubscribed"), "1") ? "*" : "", *pr ? " " : "", pr);
            stats sa = config_stats(ta, id), sb = config_stats(tb, id);
            if (!sa.have || !sb.have) {
                if (!only_flagged)
                    printf("%-60s %12s %12s %8s %8s  %s\n", d, sa.have ? "ok" : "-",
                           sb.have ? "ok" : "-", "-", "-",
                           !sa.have && !sb.have ? "no ok rows"
                           : !sa.have           ? "only in B"
                                                : "only in A");
                continue;
            }
            tot->configs++;
            double ratio = sa.med > 0 ? sb.med / sa.med : NAN;
            double pr99 = sa.p99 > 0 ? sb.p99 / sa.p99 : NAN;
            bool changed =
                (sb.lo > sa.hi || sb.hi < sa.lo) && !(fabs(ratio - 1) * 100 <= min_change);
            const char *flag = "";
            if (changed) {
                tot->flagged++;
                flag = ratio > 1 ? "FASTER" : "SLOWER";
                if (fail_above >= 0 && fabs(ratio - 1) * 100 > fail_above) {
                    tot->failing++;
                    flag =
                        ratio > 1 ? "FASTER (beyond --fail-above)" : "SLOWER (beyond --fail-above)";
                }
            }
            if (!only_flagged || changed)
                printf("%-60s %12.4g %12.4g %8.3f %8.3f  %s\n", d, sa.med, sb.med, ratio, pr99,
                       flag);
        }
    }
    sv_free(&ids);
}

static int suite_run_folders(const char *dir, strvec *out)
{
    char *p = xasprintf("%s/suite.csv", dir);
    csv_table t;
    int rc = csv_read(p, &t);
    free(p);
    if (rc)
        return -1;
    for (size_t r = 0; r < t.nrows; r++)
        if (!strcmp(csv_get(&t, r, "state"), "ran"))
            sv_push(out, csv_get(&t, r, "folder"));
    csv_free(&t);
    return 0;
}

int cmd_compare(int argc, char **argv)
{
    const char *a = NULL, *b = NULL;
    double fail_above = -1, min_change = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--fail-above")) {
            if (i + 1 >= argc || !parse_double(argv[i + 1], &fail_above) || fail_above < 0)
                return usage_error("bad --fail-above value '%s': expected a percentage",
                                   i + 1 < argc ? argv[i + 1] : "");
            i++;
        } else if (!strcmp(argv[i], "--min-change")) {
            if (i + 1 >= argc || !parse_double(argv[i + 1], &min_change) || min_change < 0)
                return usage_error("bad --min-change value '%s': expected a percentage",
                                   i + 1 < argc ? argv[i + 1] : "");
            i++;
        } else if (!a)
            a = argv[i];
        else if (!b)
            b = argv[i];
        else
            return usage_error("compare: unexpected argument '%s'", argv[i]);
    }
    if (!a || !b)
        return usage_error("compare: usage: pmlab compare DIR_A DIR_B [--fail-above PCT] "
                           "[--min-change PCT]");
    cmp_totals tot = {0};
    bool sa = suite_folder(a), sb = suite_folder(b);
    if (sa || sb) {
        if (!(sa && sb))
            return usage_error("compare: '%s' is a reproduce folder but '%s' is not", sa ? a : b,
                               sa ? b : a);
        strvec fa = {0}, fb = {0};
        suite_run_folders(a, &fa);
        suite_run_folders(b, &fb);
        printf("changed configurations only (B vs A; * = oversubscribed):\n");
        printf("%-60s %12s %12s %8s %8s  %s\n", "configuration", "A ops/s", "B ops/s", "B/A",
               "p99 B/A", "flag");
        size_t runs = 0;
        for (size_t i = 0; i < fa.n; i++) {
            /* the same folder name, else the first folder of B with the same experiment */
            const char *match = NULL;
            for (size_t j = 0; j < fb.n && !match; j++)
                if (!strcmp(fa.v[i], fb.v[j]))
                    match = fb.v[j];
            const char *ea = strchr(fa.v[i], '-');
            for (size_t j = 0; j < fb.n && !match && ea; j++) {
                const char *eb = strchr(fb.v[j], '-');
                if (eb && !strcmp(ea, eb))
                    match = fb.v[j];
            }
            if (!match) {
                printf("%-60s only in A\n", fa.v[i]);
                continue;
            }
            char *pa = xasprintf("%s/%s/results.csv", a, fa.v[i]);
            char *pb = xasprintf("%s/%s/results.csv", b, match);
            csv_table ta, tb;
            int ra = csv_read(pa, &ta), rb = csv_read(pb, &tb);
            if (!ra && !rb) {
                char *prefix = xasprintf("%s: ", fa.v[i]);
                compare_tables(&ta, &tb, prefix, fail_above, min_change, true, &tot);
                free(prefix);
                runs++;
            }
            if (!ra)
                csv_free(&ta);
            if (!rb)
                csv_free(&tb);
            free(pa);
            free(pb);
        }
        printf("%zu runs, %zu configurations, %zu changed beyond both runs' min-max spread", runs,
               tot.configs, tot.flagged);
        sv_free(&fa);
        sv_free(&fb);
    } else {
        csv_table ta, tb;
        char *pa = xasprintf("%s/results.csv", a), *pb = xasprintf("%s/results.csv", b);
        int ra = csv_read(pa, &ta), rb = csv_read(pb, &tb);
        free(pa);
        free(pb);
        if (ra || rb) {
            if (!ra)
                csv_free(&ta);
            if (!rb)
                csv_free(&tb);
            return usage_error("compare: '%s' holds no results.csv", ra ? a : b);
        }
        printf("%-60s %12s %12s %8s %8s  %s\n", "configuration (B vs A)", "A ops/s", "B ops/s",
               "B/A", "p99 B/A", "flag");
        compare_tables(&ta, &tb, "", fail_above, min_change, false, &tot);
        printf("%zu configurations, %zu changed beyond both runs' min-max spread", tot.configs,
               tot.flagged);
        csv_free(&ta);
        csv_free(&tb);
    }
    if (min_change > 0)
        printf(" and by more than %g %%", min_change);
    printf("\n");
    if (tot.failing)
        fprintf(stderr,
                "pmlab: compare: %zu configuration(s) changed by more than %g %% "
                "(--fail-above)\n",
                tot.failing, fail_above);
    return tot.failing ? 1 : 0;
}

/* ---- report --------------------------------------------------------------------------------- */
int cmd_report(int argc, char **argv)
{
    if (argc != 1)
        return usage_error("report: usage: pmlab report DIR");
    if (suite_folder(argv[0])) {
        int rc = suite_report(argv[0]);
        if (!rc)
            fprintf(stderr,
                    "pmlab: re-rendered the suite report %s/report.md (and .html), "
                    "alerts.json, and every run folder\n",
                    argv[0]);
        return rc;
    }
    int rc = report_render(argv[0], true, stdout);
    if (!rc)
        fprintf(stderr, "pmlab: re-rendered %s/report.md, alerts.json and plots\n", argv[0]);
    return rc;
}
