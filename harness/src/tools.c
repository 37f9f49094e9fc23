/* pmlab merge, compare, report and reproduce. */
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

int cmd_compare(int argc, char **argv)
{
    const char *a = NULL, *b = NULL;
    double fail_above = -1;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--fail-above")) {
            if (i + 1 >= argc || !parse_double(argv[i + 1], &fail_above) || fail_above < 0)
                return usage_error("bad --fail-above value '%s': expected a percentage",
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
        return usage_error("compare: usage: pmlab compare DIR_A DIR_B [--fail-above PCT]");
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
    printf("%-50s %12s %12s %8s %8s  %s\n", "configuration (B vs A)", "A ops/s", "B ops/s", "B/A",
           "p99 B/A", "flag");
    strvec ids = {0};
    int worst_fail = 0;
    size_t flagged = 0;
    for (int side = 0; side < 2; side++) {
        const csv_table *t = side ? &tb : &ta;
        for (size_t r = 0; r < t->nrows; r++) {
            const char *id = csv_get(t, r, "config_id");
            if (sv_has(&ids, id))
                continue;
            sv_push(&ids, id);
            char d[200];
            const char *bk = csv_get(t, r, "backend");
            snprintf(d, sizeof d, "%s%s%s alloc=%s threads=%s", csv_get(t, r, "experiment"),
                     strcmp(bk, "-") ? " backend=" : "", strcmp(bk, "-") ? bk : "",
                     csv_get(t, r, "alloc"), csv_get(t, r, "threads"));
            stats sa = config_stats(&ta, id), sb = config_stats(&tb, id);
            if (!sa.have || !sb.have) {
                printf("%-50s %12s %12s %8s %8s  %s\n", d, sa.have ? "ok" : "-",
                       sb.have ? "ok" : "-", "-", "-",
                       !sa.have && !sb.have ? "no ok rows"
                       : !sa.have           ? "only in B"
                                            : "only in A");
                continue;
            }
            double ratio = sa.med > 0 ? sb.med / sa.med : NAN;
            double pr = sa.p99 > 0 ? sb.p99 / sa.p99 : NAN;
            /* beyond both runs' spread: the min-max ranges do not overlap */
            bool changed = sb.lo > sa.hi || sb.hi < sa.lo;
            const char *flag = "";
            if (changed) {
                flagged++;
                flag = ratio > 1 ? "FASTER" : "SLOWER";
                if (fail_above >= 0 && ratio < 1 - fail_above / 100.0)
                    worst_fail = 1;
            }
            printf("%-50s %12.4g %12.4g %8.3f %8.3f  %s\n", d, sa.med, sb.med, ratio, pr, flag);
        }
    }
    printf("%zu configurations, %zu changed beyond both runs' min-max spread\n", ids.n, flagged);
    if (worst_fail)
        fprintf(stderr,
                "pmlab: compare: a configuration is slower by more than %g %% "
                "(--fail-above)\n",
                fail_above);
    sv_free(&ids);
    csv_free(&ta);
    csv_free(&tb);
    return worst_fail;
}

/* ---- report --------------------------------------------------------------------------------- */
int cmd_report(int argc, char **argv)
{
    if (argc != 1)
        return usage_error("report: usage: pmlab report DIR");
    int rc = report_render(argv[0], true, stdout);
    if (!rc)
        fprintf(stderr, "pmlab: re-rendered %s/report.md, alerts.json and plots\n", argv[0]);
    return rc;
}

/* ---- reproduce ------------------------------------------------------------------------------ */
static void split_args(const char *s, strvec *out)
{
    char *copy = xstrdup(s ? s : "");
    for (char *t = strtok(copy, " \t"); t; t = strtok(NULL, " \t"))
        sv_push(out, t);
    free(copy);
}

int cmd_reproduce(int argc, char **argv, const char *cmdline)
{
    unsigned mode = PMLAB_SUITE_DEFAULT;
    const char *out = NULL, *suite_name = NULL;
    bool quiet = false;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            mode = PMLAB_SUITE_QUICK;
        else if (!strcmp(argv[i], "--full"))
            mode = PMLAB_SUITE_FULL;
        else if (!strcmp(argv[i], "--quiet"))
            quiet = true;
        else if (!strcmp(argv[i], "--out") && i + 1 < argc)
            out = argv[++i];
        else if (!strcmp(argv[i], "--suite") && i + 1 < argc)
            suite_name = argv[++i];
        else
            return usage_error("reproduce: unexpected argument '%s'", argv[i]);
    }
    const pmlab_suite *suite = NULL;
    if (suite_name) {
        for (size_t i = 0; i < g_reg.nsuites; i++)
            if (!strcmp(g_reg.suites[i]->name, suite_name))
                suite = g_reg.suites[i];
        if (!suite)
            return usage_error("unknown suite '%s' (pmlab list shows them)", suite_name);
    } else {
        /* the first suite registered by experiments/ (the built-in one comes first) */
        for (size_t i = 0; i < g_reg.nsuites && !suite; i++)
            if (strcmp(g_reg.suites[i]->name, "selftest") != 0)
                suite = g_reg.suites[i];
        if (!suite) {
            fprintf(stderr, "pmlab reproduce: no suite is registered by experiments/ yet; "
                            "running the built-in 'selftest' suite (harness check only, "
                            "no claims)\n");
            suite = g_reg.suites[0];
        }
    }
    char stamp[32];
    utc_stamp(stamp, sizeof stamp, true);
    char *dir = out ? xstrdup(out) : xasprintf("results/%s-reproduce", stamp);
    char err[512];
    if (check_writable_dir(dir, err, sizeof err)) {
        int rc = usage_error("unwritable output folder '%s': %s", dir, err);
        free(dir);
        return rc;
    }
    size_t nruns = 0;
    while (suite->runs[nruns].experiment)
        nruns++;
    char **run_dirs = xcalloc(nruns + 1, sizeof *run_dirs);
    /* validate every run before starting any */
    int rc = 0;
    for (size_t i = 0; i < nruns && !rc; i++) {
        const pmlab_suite_run *r = &suite->runs[i];
        if (!(r->modes & mode))
            continue;
        run_dirs[i] = xasprintf("%s/%02zu-%s", dir, i + 1, r->experiment);
        strvec a = {0};
        split_args(r->args, &a);
        if (quiet)
            sv_push(&a, "--quiet");
        rc = cmd_run_ex(r->experiment, (int)a.n, a.v, cmdline, run_dirs[i], true);
        sv_free(&a);
        if (rc)
            fprintf(stderr, "pmlab reproduce: suite '%s' run %zu (%s %s) is invalid\n", suite->name,
                    i + 1, r->experiment, r->args ? r->args : "");
    }
    int worst = 0;
    for (size_t i = 0; i < nruns && !rc; i++) {
        if (!run_dirs[i])
            continue;
        const pmlab_suite_run *r = &suite->runs[i];
        strvec a = {0};
        split_args(r->args, &a);
        if (quiet)
            sv_push(&a, "--quiet");
        if (!quiet)
            fprintf(stderr, "pmlab reproduce: run %zu/%zu: %s %s\n", i + 1, nruns, r->experiment,
                    r->args ? r->args : "");
        int x = cmd_run_ex(r->experiment, (int)a.n, a.v, cmdline, run_dirs[i], false);
        sv_free(&a);
        if (x > worst)
            worst = x;
        if (x == 130 || x == PMLAB_EXIT_USAGE)
            break;
    }
    if (!rc) {
        char *mdp = xasprintf("%s/report.md", dir);
        FILE *md = fopen(mdp, "w");
        if (md) {
            fprintf(md,
                    "# pmlab reproduce: suite %s (%s)\n\n%s\n\n| # | run | folder |\n"
                    "|---|---|---|\n",
                    suite->name,
                    mode == PMLAB_SUITE_QUICK  ? "quick"
                    : mode == PMLAB_SUITE_FULL ? "full"
                                               : "default",
                    suite->description ? suite->description : "");
            for (size_t i = 0; i < nruns; i++)
                if (run_dirs[i])
                    fprintf(md, "| %zu | `%s %s` | [%s](%s/report.md) |\n", i + 1,
                            suite->runs[i].experiment,
                            suite->runs[i].args ? suite->runs[i].args : "",
                            strrchr(run_dirs[i], '/') + 1, strrchr(run_dirs[i], '/') + 1);
            fprintf(md, "\n");
            if (suite->report)
                suite->report(dir, (const char *const *)run_dirs, md);
            else
                fprintf(md, "No claims table: suite '%s' registers no report hook.\n", suite->name);
            fclose(md);
        }
        free(mdp);
        fprintf(stderr, "pmlab reproduce: report in %s/report.md\n", dir);
    }
    for (size_t i = 0; i < nruns; i++)
        free(run_dirs[i]);
    free(run_dirs);
    free(dir);
    return rc ? rc : worst;
}
