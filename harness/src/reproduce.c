/* `pmlab reproduce`: runs a registered suite into one folder and renders the suite report
 * (report.md, report.html, alerts.json). The folder records what ran in suite.json (suite, mode,
 * command line, times) and suite.csv (one line per run of the suite: state, exit status,
 * seconds, rows), so that `pmlab report DIR` re-renders the same report from the folder. */
#define _GNU_SOURCE
#include "reproduce.h"
#include "alerts.h"
#include "html.h"
#include "registry.h"
#include "report.h"
#include "sweep.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *mode_name(unsigned mode)
{
    return mode == PMLAB_SUITE_QUICK ? "quick" : mode == PMLAB_SUITE_FULL ? "full" : "default";
}

static void split_args(const char *s, strvec *out)
{
    char *copy = xstrdup(s ? s : "");
    for (char *t = strtok(copy, " \t"); t; t = strtok(NULL, " \t"))
        sv_push(out, t);
    free(copy);
}

bool suite_folder(const char *dir)
{
    char *p = xasprintf("%s/suite.json", dir);
    struct stat st;
    bool ok = stat(p, &st) == 0;
    free(p);
    return ok;
}

typedef struct {
    const char *state; /* ran | not-built | not-in-mode | interrupted */
    int exit_code;
    double seconds;
    size_t rows, rows_ok;
} run_rec;

static void count_rows(const char *run_dir, size_t *rows, size_t *ok)
{
    *rows = *ok = 0;
    char *p = xasprintf("%s/results.csv", run_dir);
    csv_table t;
    if (csv_read(p, &t) == 0) {
        *rows = t.nrows;
        for (size_t r = 0; r < t.nrows; r++)
            *ok += !strcmp(csv_get(&t, r, "status"), "ok");
        csv_free(&t);
    }
    free(p);
}

static void write_suite_files(const char *dir, const pmlab_suite *s, unsigned mode,
                              const char *cmdline, const char *start, const char *end,
                              const run_rec *rr, size_t nruns)
{
    char *p = xasprintf("%s/suite.json", dir);
    FILE *f = fopen(p, "w");
    if (f) {
        fprintf(f, "{\n  \"suite\": ");
        json_str(f, s->name);
        fprintf(f, ",\n  \"mode\": \"%s\",\n  \"command_line\": ", mode_name(mode));
        json_str(f, cmdline);
        fprintf(f, ",\n  \"start_utc\": ");
        json_str(f, start);
        fprintf(f, ",\n  \"end_utc\": ");
        json_str(f, end);
        fprintf(f, ",\n  \"online_cpus\": %u,\n  \"runs\": %zu\n}\n", online_cpus(), nruns);
        fclose(f);
    }
    free(p);
    p = xasprintf("%s/suite.csv", dir);
    f = fopen(p, "w");
    if (f) {
        fprintf(f, "index,experiment,args,folder,state,exit,seconds,rows,rows_ok\n");
        for (size_t i = 0; i < nruns; i++) {
            char folder[300];
            snprintf(folder, sizeof folder, "%02zu-%s", i + 1, s->runs[i].experiment);
            fprintf(f, "%zu,", i + 1);
            csv_field(f, s->runs[i].experiment);
            fputc(',', f);
            csv_field(f, s->runs[i].args ? s->runs[i].args : "");
            fputc(',', f);
            csv_field(f, folder);
            fprintf(f, ",%s,%d,%.1f,%zu,%zu\n", rr[i].state, rr[i].exit_code, rr[i].seconds,
                    rr[i].rows, rr[i].rows_ok);
        }
        fclose(f);
    }
    free(p);
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
        else if (!strcmp(argv[i], "--default"))
            mode = PMLAB_SUITE_DEFAULT;
        else if (!strcmp(argv[i], "--quiet"))
            quiet = true;
        else if (!strcmp(argv[i], "--out") && i + 1 < argc)
            out = argv[++i];
        else if (!strncmp(argv[i], "--out=", 6))
            out = argv[i] + 6;
        else if (!strcmp(argv[i], "--suite") && i + 1 < argc)
            suite_name = argv[++i];
        else if (!strncmp(argv[i], "--suite=", 8))
            suite_name = argv[i] + 8;
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
    if (suite_folder(dir)) {
        int rc = usage_error("output folder '%s' already holds a suite run (suite.json); choose "
                             "another --out",
                             dir);
        free(dir);
        return rc;
    }
    size_t nruns = 0;
    while (suite->runs[nruns].experiment)
        nruns++;
    char **run_dirs = xcalloc(nruns + 1, sizeof *run_dirs);
    run_rec *rr = xcalloc(nruns + 1, sizeof *rr);
    size_t nsel = 0;
    /* validate every run of this mode before starting any; an experiment that is not
     * registered in this pmlab is reported as "not built", not as an error */
    int rc = 0;
    for (size_t i = 0; i < nruns; i++) {
        const pmlab_suite_run *r = &suite->runs[i];
        rr[i].state = "not-in-mode";
        if (!(r->modes & mode))
            continue;
        nsel++;
        run_dirs[i] = xasprintf("%s/%02zu-%s", dir, i + 1, r->experiment);
        if (!reg_experiment(r->experiment)) {
            rr[i].state = "not-built";
            continue;
        }
        rr[i].state = "ran";
        if (rc)
            continue;
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
    if (rc) {
        for (size_t i = 0; i < nruns; i++)
            free(run_dirs[i]);
        free(run_dirs);
        free(rr);
        free(dir);
        return rc;
    }
    if (mkdir_p(dir) != 0) {
        rc = usage_error("cannot create '%s': %s", dir, strerror(errno));
        free(dir);
        free(run_dirs);
        free(rr);
        return rc;
    }
    char start[32], end[32] = "";
    utc_stamp(start, sizeof start, false);
    if (!quiet)
        fprintf(stderr, "pmlab reproduce: suite '%s' (%s mode): %zu runs -> %s/\n", suite->name,
                mode_name(mode), nsel, dir);
    write_suite_files(dir, suite, mode, cmdline, start, end, rr, nruns);
    uint64_t t_suite = pmlab_now_ns();
    int worst = 0;
    bool interrupted = false;
    size_t k = 0, failed_runs = 0;
    for (size_t i = 0; i < nruns; i++) {
        if (!run_dirs[i])
            continue;
        k++;
        const pmlab_suite_run *r = &suite->runs[i];
        double el = (double)(pmlab_now_ns() - t_suite) / 1e9;
        if (interrupted) {
            rr[i].state = "interrupted";
            continue;
        }
        if (!strcmp(rr[i].state, "not-built")) {
            mkdir_p(run_dirs[i]);
            char *p = xasprintf("%s/not-run.txt", run_dirs[i]);
            FILE *f = fopen(p, "w");
            if (f) {
                fprintf(f,
                        "experiment not built: '%s' is not registered in this pmlab "
                        "(pmlab list shows the experiments)\n",
                        r->experiment);
                fclose(f);
            }
            free(p);
            if (!quiet)
                fprintf(stderr, "pmlab reproduce: [%zu/%zu] %s: not run: experiment not built\n", k,
                        nsel, r->experiment);
            continue;
        }
        strvec a = {0};
        split_args(r->args, &a);
        if (quiet)
            sv_push(&a, "--quiet");
        if (!quiet)
            fprintf(stderr, "pmlab reproduce: [%zu/%zu] %s %s (suite elapsed %.0fs)\n", k, nsel,
                    r->experiment, r->args ? r->args : "", el);
        uint64_t t0 = pmlab_now_ns();
        int x = cmd_run_ex(r->experiment, (int)a.n, a.v, cmdline, run_dirs[i], false);
        sv_free(&a);
        rr[i].exit_code = x;
        rr[i].seconds = (double)(pmlab_now_ns() - t0) / 1e9;
        count_rows(run_dirs[i], &rr[i].rows, &rr[i].rows_ok);
        if (x != 0 && x != 130)
            failed_runs++;
        if (!quiet || x != 0)
            fprintf(stderr, "pmlab reproduce: [%zu/%zu] %s: %s in %.1fs, %zu/%zu rows ok%s\n", k,
                    nsel, r->experiment,
                    x == 0     ? "done"
                    : x == 130 ? "interrupted"
                               : "FAILED",
                    rr[i].seconds, rr[i].rows_ok, rr[i].rows,
                    x != 0 && x != 130 ? " (continuing; see the run's report.md and logs/)" : "");
        if (x > worst && x != 130)
            worst = x;
        if (x == 130) {
            interrupted = true;
            rr[i].state = "interrupted";
        }
        write_suite_files(dir, suite, mode, cmdline, start, end, rr, nruns);
    }
    utc_stamp(end, sizeof end, false);
    write_suite_files(dir, suite, mode, cmdline, start, end, rr, nruns);
    suite_report(dir);
    fprintf(stderr,
            "pmlab reproduce: %s%zu runs in %.0fs%s; report in %s/report.md (and "
            "report.html)\n",
            interrupted ? "INTERRUPTED after " : "", nsel, (double)(pmlab_now_ns() - t_suite) / 1e9,
            failed_runs ? " (some runs had failed rows: see the report)" : "", dir);
    for (size_t i = 0; i < nruns; i++)
        free(run_dirs[i]);
    free(run_dirs);
    free(rr);
    free(dir);
    if (interrupted)
        return 130;
    return worst ? 1 : 0;
}

/* ---- the suite report --------------------------------------------------------------------- */
static void md_cell(FILE *md, const char *s)
{
    for (; s && *s; s++)
        fputc(*s == '|' ? '/' : *s == '\n' ? ' ' : *s, md);
}

static void env_section(FILE *md, const char *meta, const char *smeta)
{
    fprintf(md, "## Environment\n\n| key | value |\n|---|---|\n");
    static const char *const keys[] = {"cpu_model",       "kernel",      "libc",
                                       "compiler",        "build_type",  "cflags",
                                       "git_sha",         "hw_counters", "library_versions_build",
                                       "packages_runtime"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char *v = json_get_str(meta, keys[i]);
        if (v) {
            fprintf(md, "| %s | ", keys[i]);
            md_cell(md, v);
            fprintf(md, " |\n");
        }
        free(v);
    }
    const char *on = meta ? strstr(meta, "\"online_cpus\": ") : NULL;
    const char *ph = meta ? strstr(meta, "\"physical_cpus\": ") : NULL;
    unsigned onl = on ? (unsigned)atoi(on + 15) : 0, phy = ph ? (unsigned)atoi(ph + 17) : 0;
    if (!onl && smeta && (on = strstr(smeta, "\"online_cpus\": ")))
        onl = (unsigned)atoi(on + 15);
    fprintf(md, "| online / physical CPUs | %u / %u |\n", onl, phy);
    fprintf(md, "| git_dirty | %s |\n",
            meta && strstr(meta, "\"git_dirty\": true") ? "yes (uncommitted changes)" : "no");
    char *s = json_get_str(smeta, "start_utc"), *e = json_get_str(smeta, "end_utc");
    fprintf(md, "| suite start / end (UTC) | %s / %s |\n", s ? s : "?", e && *e ? e : "?");
    free(s);
    free(e);
    sbuf th = {0};
    sb_add(&th, "");
    for (unsigned p = 1; onl && p <= 2 * onl; p *= 2)
        sb_printf(&th, "%s%u", th.len ? "," : "", p);
    fprintf(md,
            "\nThread lists: `--threads auto` = powers of two up to 2 x the online CPUs (here "
            "%s); `online` = %u. Configurations with threads > %u online CPUs are "
            "**oversubscribed**: marked `*` in tables and shaded in plots; their figures "
            "measure the scheduler too.\n\n",
            th.s, onl, onl);
    sb_free(&th);
}

int suite_report(const char *dir)
{
    char *sp = xasprintf("%s/suite.json", dir), *cp = xasprintf("%s/suite.csv", dir);
    char *smeta = slurp(sp, NULL);
    csv_table runs;
    memset(&runs, 0, sizeof runs);
    int crc = csv_read(cp, &runs);
    free(sp);
    free(cp);
    if (!smeta || crc != 0) {
        free(smeta);
        if (!crc)
            csv_free(&runs);
        return usage_error("'%s' is not a suite folder (suite.json, suite.csv)", dir);
    }
    char *sname = json_get_str(smeta, "suite"), *mode = json_get_str(smeta, "mode");
    char *cmdline = json_get_str(smeta, "command_line");
    const pmlab_suite *suite = NULL;
    for (size_t i = 0; sname && i < g_reg.nsuites; i++)
        if (!strcmp(g_reg.suites[i]->name, sname))
            suite = g_reg.suites[i];
    size_t nreg = 0;
    while (suite && suite->runs[nreg].experiment)
        nreg++;
    char **run_dirs = xcalloc(nreg + 1, sizeof *run_dirs);
    char *first_meta = NULL;
    for (size_t r = 0; r < runs.nrows; r++) {
        size_t idx = (size_t)atol(csv_get(&runs, r, "index"));
        const char *st = csv_get(&runs, r, "state");
        char *rd = xasprintf("%s/%s", dir, csv_get(&runs, r, "folder"));
        if (!strcmp(st, "ran")) {
            /* re-render the run folder from its data */
            char *rc = xasprintf("%s/results.csv", rd);
            struct stat stt;
            if (stat(rc, &stt) == 0) {
                report_render(rd, false, NULL);
                if (!first_meta) {
                    char *mp = xasprintf("%s/meta.json", rd);
                    first_meta = slurp(mp, NULL);
                    free(mp);
                }
            }
            free(rc);
        }
        if (idx >= 1 && idx <= nreg && strcmp(st, "not-in-mode") != 0 &&
            !strcmp(suite->runs[idx - 1].experiment, csv_get(&runs, r, "experiment")))
            run_dirs[idx - 1] = xstrdup(rd);
        free(rd);
    }
    char *mdp = xasprintf("%s/report.md", dir);
    FILE *md = fopen(mdp, "w");
    free(mdp);
    if (!md) {
        fprintf(stderr, "pmlab: cannot write %s/report.md: %s\n", dir, strerror(errno));
    } else {
        fprintf(md, "# pmlab reproduce: suite `%s`, %s mode\n\n", sname ? sname : "?",
                mode ? mode : "?");
        if (suite && suite->description)
            fprintf(md, "%s\n\n", suite->description);
        env_section(md, first_meta, smeta);
        fprintf(md, "## Runs\n\nEach run is a normal run folder (results.csv, meta.json, "
                    "alerts.json, report.md, plots/, logs/ with the stderr of failed or noisy "
                    "children).\n\n| # | experiment | options | state | rows ok | seconds | "
                    "folder |\n|---|---|---|---|---|---|---|\n");
        for (size_t r = 0; r < runs.nrows; r++) {
            const char *st = csv_get(&runs, r, "state");
            if (!strcmp(st, "not-in-mode"))
                continue;
            const char *ex = csv_get(&runs, r, "exit");
            fprintf(md, "| %s | %s | `", csv_get(&runs, r, "index"),
                    csv_get(&runs, r, "experiment"));
            md_cell(md, csv_get(&runs, r, "args"));
            fprintf(md, "` | ");
            if (!strcmp(st, "ran"))
                fprintf(md, "%s",
                        !strcmp(ex, "0")     ? "ok"
                        : !strcmp(ex, "1")   ? "ran, some rows failed"
                        : !strcmp(ex, "130") ? "interrupted"
                                             : "failed");
            else if (!strcmp(st, "not-built"))
                fprintf(md, "not run: experiment not built");
            else
                fprintf(md, "not run: %s", st);
            fprintf(md, " | %s/%s | %s | ", !strcmp(st, "ran") ? csv_get(&runs, r, "rows_ok") : "-",
                    !strcmp(st, "ran") ? csv_get(&runs, r, "rows") : "-",
                    !strcmp(st, "ran") ? csv_get(&runs, r, "seconds") : "-");
            if (!strcmp(st, "ran"))
                fprintf(md, "[%s](%s/report.md) |\n", csv_get(&runs, r, "folder"),
                        csv_get(&runs, r, "folder"));
            else
                fprintf(md, "%s |\n", csv_get(&runs, r, "folder"));
        }
        fprintf(md, "\n");
        if (suite && suite->report)
            suite->report(dir, (const char *const *)run_dirs, md);
        else if (!suite)
            fprintf(md, "Suite '%s' is not registered in this pmlab: no claims table.\n\n",
                    sname ? sname : "?");
        else
            fprintf(md, "No claims table: suite '%s' registers no report hook.\n\n", suite->name);

        /* alerts of every run, aggregated; alerts.json of the suite */
        char *ap = xasprintf("%s/alerts.json", dir);
        FILE *aj = fopen(ap, "w");
        free(ap);
        if (aj)
            fprintf(aj, "[");
        size_t nfired = 0, nevaluated = 0, nj = 0;
        sbuf fired = {0}, failed = {0};
        sb_add(&fired, "");
        sb_add(&failed, "");
        for (size_t r = 0; r < runs.nrows; r++) {
            if (strcmp(csv_get(&runs, r, "state"), "ran") != 0)
                continue;
            const char *folder = csv_get(&runs, r, "folder");
            char *rp = xasprintf("%s/%s/results.csv", dir, folder);
            char *mp = xasprintf("%s/%s/meta.json", dir, folder);
            csv_table t;
            if (csv_read(rp, &t) == 0) {
                char *meta = slurp(mp, NULL);
                char *thr = json_get_str(meta, "alert_thresholds");
                strvec ov = {0};
                if (thr && *thr)
                    sv_split(&ov, thr, ';');
                alert_rule *rules;
                size_t nrules;
                char e2[256];
                if (alerts_load(&rules, &nrules, &ov, NULL, e2, sizeof e2))
                    alerts_load(&rules, &nrules, NULL, NULL, e2, sizeof e2);
                alert_eval *ev = xcalloc(nrules + 1, sizeof *ev);
                alerts_eval(&t, rules, nrules, ev);
                for (size_t i = 0; i < nrules; i++) {
                    if (aj) {
                        fprintf(aj, "%s\n  {\"run\": ", nj++ ? "," : "");
                        json_str(aj, folder);
                        fprintf(aj, ", \"id\": \"%s\", \"name\": ", rules[i].id);
                        json_str(aj, rules[i].name);
                        fprintf(aj, ", \"metric\": ");
                        json_str(aj, rules[i].metric);
                        if (ev[i].have)
                            fprintf(aj, ", \"value\": %.17g", ev[i].value);
                        else
                            fprintf(aj, ", \"value\": null");
                        fprintf(aj,
                                ", \"threshold\": %.17g, \"evaluated\": %s, \"fired\": %s, "
                                "\"decided_by\": ",
                                rules[i].threshold, ev[i].have ? "true" : "false",
                                ev[i].fired ? "true" : "false");
                        json_str(aj, ev[i].have ? ev[i].decided_by : "no row reported this metric");
                        fprintf(aj, ", \"remedy\": ");
                        json_str(aj, rules[i].remedy);
                        fprintf(aj, "}");
                    }
                    nevaluated += ev[i].have;
                    if (ev[i].fired) {
                        nfired++;
                        sb_printf(&fired, "| %s | %s: %s | %.4g %s | %.4g | %s | %s |\n", folder,
                                  rules[i].id, rules[i].name, ev[i].value, rules[i].unit,
                                  rules[i].threshold, ev[i].decided_by, rules[i].remedy);
                    }
                }
                for (size_t row = 0; row < t.nrows; row++) {
                    const char *st = csv_get(&t, row, "status");
                    if (!strcmp(st, "ok"))
                        continue;
                    char *lp = xasprintf("%s/%s/logs/%s-t%s.log", dir, folder,
                                         csv_get(&t, row, "config_id"), csv_get(&t, row, "trial"));
                    struct stat lst;
                    const char *b = csv_get(&t, row, "backend");
                    sb_printf(&failed, "- %s: %s%s%s alloc=%s threads=%s params=`%s` trial %s: `",
                              folder, csv_get(&t, row, "experiment"), strcmp(b, "-") ? " " : "",
                              strcmp(b, "-") ? b : "", csv_get(&t, row, "alloc"),
                              csv_get(&t, row, "threads"), csv_get(&t, row, "params"),
                              csv_get(&t, row, "trial"));
                    for (const char *c = st; *c; c++)
                        sb_printf(&failed, "%c", *c == '`' ? '\'' : *c);
                    sb_printf(&failed, "`");
                    if (stat(lp, &lst) == 0)
                        sb_printf(&failed, " (stderr: %s/logs/%s-t%s.log)", folder,
                                  csv_get(&t, row, "config_id"), csv_get(&t, row, "trial"));
                    sb_printf(&failed, "\n");
                    free(lp);
                }
                free(ev);
                free(rules);
                sv_free(&ov);
                free(thr);
                free(meta);
                csv_free(&t);
            }
            free(rp);
            free(mp);
        }
        if (aj) {
            fprintf(aj, "\n]\n");
            fclose(aj);
        }
        fprintf(md,
                "## Alerts\n\n%zu alert evaluations had data over the runs (alerts.json holds "
                "every rule of every run, fired or not); %zu fired.\n\n",
                nevaluated, nfired);
        if (nfired)
            fprintf(md,
                    "| run | alert | value | threshold | decided by | remedy |\n"
                    "|---|---|---|---|---|---|\n%s\n",
                    fired.s);
        if (failed.len)
            fprintf(md, "## Failed rows\n\n%s\n", failed.s);
        sb_free(&fired);
        sb_free(&failed);
        fprintf(md, "## How to reproduce\n\nThis report was produced by:\n\n```sh\n%s\n```\n\n",
                cmdline ? cmdline : "?");
        fprintf(md, "From a checkout (Debian 12, 2 cores or more):\n\n```sh\n"
                    "make reproduce                                  # deps, release build, "
                    "default mode\n"
                    "build/release/bin/pmlab reproduce --out DIR     # default (<= 10 min on 2 "
                    "cores)\n"
                    "build/release/bin/pmlab reproduce --quick --out DIR   # smoke (<= 2 min)\n"
                    "build/release/bin/pmlab reproduce --full --out DIR    # whole grid, for "
                    "big machines\n"
                    "build/release/bin/pmlab report DIR              # re-render this report "
                    "from DIR's data\n"
                    "build/release/bin/pmlab compare DIR_A DIR_B --fail-above 10   # what "
                    "changed\n```\n\n"
                    "docs/report.md explains how to read this report and every verdict rule.\n");
        fclose(md);
    }
    html_render(dir);
    for (size_t i = 0; i < nreg; i++)
        free(run_dirs[i]);
    free(run_dirs);
    free(first_meta);
    free(sname);
    free(mode);
    free(cmdline);
    free(smeta);
    csv_free(&runs);
    return 0;
}
