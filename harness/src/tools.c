/* pmlab merge, report and topo (compare: compare.c; reproduce: reproduce.c). */
#define _GNU_SOURCE
#include "tools.h"
#include "db.h"
#include "meta.h"
#include "report.h"
#include "topo.h"
#include "reproduce.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- merge ---------------------------------------------------------------------------------- */
static int merge_folders(int argc, char **argv);

/* `pmlab merge OUT DIR... [--db DB]`: --db is checked before the merge and OUT imported after */
int cmd_merge(int argc, char **argv)
{
    const char *db;
    char **rest = xcalloc((size_t)argc + 1, sizeof *rest);
    int n, rc = db_take_option(argc, argv, 0, &db, rest, &n);
    if (!rc && db && n >= 2)
        rc = db_check_path("--db", db);
    if (!rc)
        rc = merge_folders(n, rest);
    if (!rc && db) {
        const char *dirs[] = {rest[0]};
        rc = db_import(db, dirs, 1, false);
    }
    free(rest);
    return rc;
}

static int merge_folders(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("merge: usage: pmlab merge OUT DIR... [--db DB]");
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

/* ---- topo ------------------------------------------------------------------------------------ */
int cmd_topo(int argc, char **argv)
{
    const char *pin = "compact", *threads = NULL, *desc = NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], **slot = NULL;
        if (!strcmp(a, "--pin"))
            slot = &pin;
        else if (!strcmp(a, "--threads"))
            slot = &threads;
        else if (!strcmp(a, "--topology"))
            slot = &desc;
        else
            return usage_error("topo: unknown argument '%s' (pmlab topo --help)", a);
        if (i + 1 >= argc)
            return usage_error("topo: option '%s' needs a value", a);
        *slot = argv[++i];
    }
    char err[512] = "";
    topo *own = NULL;
    const topo *t = NULL;
    if (desc && topo_load(desc, &own, err, sizeof err) != 0)
        return usage_error("bad --topology value '%s': %s", desc, err);
    t = own ? own : topo_machine(err, sizeof err);
    if (!t)
        return usage_error("cannot read this machine's topology: %s", err);
    int rc = 0;
    topo_pin p;
    if (topo_pin_parse(t, pin, &p, err, sizeof err) != 0) {
        topo_free(own);
        return usage_error("%s", err);
    }
    topo_info ti;
    topo_describe(t, &ti);
    uint64_t n = ti.pus;
    if (threads && (!parse_u64(threads, &n) || n < 1 || n > 4096)) {
        rc = usage_error("bad --threads value '%s': expected a thread count 1..4096", threads);
    } else {
        char *tj = topo_json(&ti);
        char *wrapped = xasprintf("{\"topology\": %s}", tj);
        char *text = meta_topology_text(wrapped);
        char *cpus = topo_pin_cpus(&p);
        topo_slot *plan = xcalloc((size_t)n, sizeof *plan);
        topo_plan(t, &p, (unsigned)n, plan);
        printf("topology: %s\n%s\n", ti.source, text ? text : "?");
        printf("pin: %s%s%s%s\n", p.name, *cpus ? " (CPUs in order: " : "", cpus, *cpus ? ")" : "");
        printf("workers: %llu; oversubscribed %d; smt %s\n", (unsigned long long)n, n > ti.pus,
               p.policy == TOPO_PIN_NONE          ? "-"
               : topo_plan_smt(plan, (unsigned)n) ? "1"
                                                  : "0");
        printf("worker,cpu,core,package,sibling\n");
        for (unsigned i = 0; i < n; i++)
            if (plan[i].cpu < 0)
                printf("%u,-,-,-,-\n", i);
            else
                printf("%u,%d,%u,%u,%u\n", i, plan[i].cpu, plan[i].core, plan[i].package,
                       plan[i].sibling);
        free(plan);
        free(cpus);
        free(text);
        free(wrapped);
        free(tj);
    }
    topo_pin_free(&p);
    topo_free(own);
    return rc;
}
