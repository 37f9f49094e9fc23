/* Output folder: meta.json, alerts.json, report.md, plots, and the stdout summary. */
#define _GNU_SOURCE
#include "pmlab_int.h"

#include <ctype.h>
#include <errno.h>
#include <gnu/libc-version.h>
#include <linux/perf_event.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef PMLAB_SOURCE_DIR
#define PMLAB_SOURCE_DIR "."
#endif
#ifndef PMLAB_PLOTS_DIR
#define PMLAB_PLOTS_DIR PMLAB_SOURCE_DIR "/plots"
#endif
#ifndef PMLAB_COMPILER
#define PMLAB_COMPILER "unknown"
#endif
#ifndef PMLAB_CFLAGS
#define PMLAB_CFLAGS ""
#endif
#ifndef PMLAB_BUILD_TYPE
#define PMLAB_BUILD_TYPE ""
#endif
#ifndef PMLAB_LIBVERSIONS
#define PMLAB_LIBVERSIONS ""
#endif

/* ---- meta.json ------------------------------------------------------------------------------ */
char *binary_hash(void)
{
    size_t len;
    char *b = slurp("/proc/self/exe", &len);
    if (!b)
        return xstrdup("unknown");
    char *h = xasprintf("fnv1a64:%016llx", (unsigned long long)fnv1a(b, len, FNV_INIT));
    free(b);
    return h;
}

static char *cpu_model(unsigned *physical)
{
    char *text = slurp("/proc/cpuinfo", NULL);
    char *model = NULL;
    strvec cores = {0};
    char phys[64] = "0";
    if (text) {
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
            char *colon = strchr(line, ':');
            if (!colon)
                continue;
            const char *v = colon + 1;
            while (*v == ' ')
                v++;
            if (!model && !strncmp(line, "model name", 10))
                model = xstrdup(v);
            else if (!strncmp(line, "physical id", 11))
                snprintf(phys, sizeof phys, "%s", v);
            else if (!strncmp(line, "core id", 7)) {
                char *k = xasprintf("%s/%s", phys, v);
                if (!sv_has(&cores, k))
                    sv_push(&cores, k);
                free(k);
            }
        }
        free(text);
    }
    *physical = cores.n ? (unsigned)cores.n : online_cpus();
    sv_free(&cores);
    return model ? model : xstrdup("unknown");
}

static char *hw_counters_status(void)
{
    struct perf_event_attr a;
    memset(&a, 0, sizeof a);
    a.type = PERF_TYPE_HARDWARE;
    a.size = sizeof a;
    a.config = PERF_COUNT_HW_CPU_CYCLES;
    a.disabled = 1;
    a.exclude_kernel = 1;
    a.exclude_hv = 1;
    int fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
    if (fd >= 0) {
        close(fd);
        return xstrdup("available: hw_cycles, hw_instructions per row (whole child run)");
    }
    int e = errno;
    char *par = slurp("/proc/sys/kernel/perf_event_paranoid", NULL);
    if (par)
        par[strcspn(par, "\n")] = 0;
    char *s = xasprintf("unavailable: perf_event_open: %s (kernel.perf_event_paranoid=%s)",
                        strerror(e), par ? par : "?");
    free(par);
    return s;
}

void meta_write(const char *dir, const char *experiment, const char *signature, const char *cmdline,
                const char *start, const char *end, const char *extra_json)
{
    static char *sha, *dirty, *model, *hw, *bin, *pkgs;
    static unsigned physical;
    if (!sha) {
        sha = run_cmd_line("git -C '" PMLAB_SOURCE_DIR "' rev-parse HEAD 2>/dev/null");
        if (!sha)
            sha = xstrdup("unknown");
        dirty = run_cmd_line("git -C '" PMLAB_SOURCE_DIR "' status --porcelain "
                             "--untracked-files=no 2>/dev/null | wc -l");
        model = cpu_model(&physical);
        hw = hw_counters_status();
        bin = binary_hash();
        pkgs = run_cmd_line("dpkg-query -W -f='${Package}=${Version} ' libjemalloc2 "
                            "libtcmalloc-minimal4 libmimalloc2.0 liburcu8 libck0 libc6 "
                            "2>/dev/null; true");
    }
    struct utsname u;
    uname(&u);
    char *path = xasprintf("%s/meta.json", dir);
    char *tmp = xasprintf("%s/.meta.json.tmp", dir);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "pmlab: cannot write %s: %s\n", tmp, strerror(errno));
        free(path);
        free(tmp);
        return;
    }
    fprintf(f, "{\n  \"pmlab_api\": %d,\n  \"experiment\": ", PMLAB_API_VERSION);
    json_str(f, experiment);
    fprintf(f, ",\n  \"signature\": ");
    json_str(f, signature);
    fprintf(f, ",\n  \"command_line\": ");
    json_str(f, cmdline);
    fprintf(f, ",\n  \"start_utc\": ");
    json_str(f, start);
    fprintf(f, ",\n  \"end_utc\": ");
    json_str(f, end);
    fprintf(f, ",\n  \"git_sha\": ");
    json_str(f, sha);
    fprintf(f, ",\n  \"git_dirty\": %s", dirty && strcmp(dirty, "0") ? "true" : "false");
    fprintf(f, ",\n  \"binary\": ");
    json_str(f, bin);
    fprintf(f, ",\n  \"compiler\": ");
    json_str(f, PMLAB_COMPILER);
    fprintf(f, ",\n  \"build_type\": ");
    json_str(f, PMLAB_BUILD_TYPE);
    fprintf(f, ",\n  \"cflags\": ");
    json_str(f, PMLAB_CFLAGS);
    fprintf(f, ",\n  \"cpu_model\": ");
    json_str(f, model);
    fprintf(f, ",\n  \"online_cpus\": %u,\n  \"physical_cpus\": %u", online_cpus(), physical);
    char *kernel = xasprintf("%s %s %s", u.sysname, u.release, u.machine);
    fprintf(f, ",\n  \"kernel\": ");
    json_str(f, kernel);
    free(kernel);
    char *libc = xasprintf("glibc %s", gnu_get_libc_version());
    fprintf(f, ",\n  \"libc\": ");
    json_str(f, libc);
    free(libc);
    fprintf(f, ",\n  \"library_versions_build\": ");
    json_str(f, PMLAB_LIBVERSIONS);
    fprintf(f, ",\n  \"packages_runtime\": ");
    json_str(f, pkgs ? pkgs : "unknown (no dpkg)");
    fprintf(f, ",\n  \"allocator_libraries\": {");
    for (size_t i = 0; alloc_names[i]; i++) {
        char *lib = alloc_library(alloc_names[i]);
        fprintf(f, "%s\"%s\": ", i ? ", " : "", alloc_names[i]);
        json_str(f, !strcmp(alloc_names[i], "glibc") ? "libc" : lib ? lib : "not found");
        free(lib);
    }
    fprintf(f, "},\n  \"pinning\": \"worker i pinned to the i mod n-th CPU of the affinity mask "
               "when pin=on\"");
    fprintf(f, ",\n  \"hw_counters\": ");
    json_str(f, hw);
    if (extra_json && *extra_json)
        fprintf(f, ",\n  %s", extra_json);
    fprintf(f, "\n}\n");
    fclose(f);
    if (rename(tmp, path) != 0)
        fprintf(stderr, "pmlab: cannot write %s: %s\n", path, strerror(errno));
    free(path);
    free(tmp);
}

/* ---- alerts --------------------------------------------------------------------------------- */
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

static void row_desc(const csv_table *t, size_t r, char *buf, size_t n)
{
    const char *b = csv_get(t, r, "backend");
    snprintf(buf, n, "%s%s%s alloc=%s threads=%s trial=%s", csv_get(t, r, "experiment"),
             strcmp(b, "-") && *b ? " backend=" : "", strcmp(b, "-") ? b : "",
             csv_get(t, r, "alloc"), csv_get(t, r, "threads"), csv_get(t, r, "trial"));
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

/* ---- grouping rows by configuration (struct group in pmlab_int.h) ------------------------- */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median_of(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

size_t group_rows(const csv_table *t, cfg_group **out)
{
    cfg_group *g = xcalloc(t->nrows + 1, sizeof *g);
    size_t ng = 0;
    double *tp = xcalloc(t->nrows + 1, sizeof *tp), *p99 = xcalloc(t->nrows + 1, sizeof *p99);
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
        size_t ntp = 0, np = 0;
        const char *bad = NULL;
        for (size_t r = 0; r < t->nrows; r++) {
            if (strcmp(csv_get(t, r, "config_id"), g[i].id) != 0)
                continue;
            g[i].nrows++;
            const char *st = csv_get(t, r, "status");
            if (strcmp(st, "ok") != 0) {
                if (!bad)
                    bad = st;
                continue;
            }
            g[i].nok++;
            double d;
            if (parse_double(csv_get(t, r, "ops_per_sec"), &d))
                tp[ntp++] = d;
            if (parse_double(csv_get(t, r, "p99_ns"), &d))
                p99[np++] = d;
        }
        if (ntp) {
            g[i].has_tp = true;
            g[i].med = median_of(tp, ntp);
            g[i].lo = tp[0];
            g[i].hi = tp[ntp - 1];
        }
        if (np) {
            g[i].has_p99 = true;
            g[i].p99 = median_of(p99, np);
        }
        if (!bad)
            snprintf(g[i].status, sizeof g[i].status, "ok");
        else if (g[i].nok)
            snprintf(g[i].status, sizeof g[i].status, "%zu/%zu ok; %.100s", g[i].nok, g[i].nrows,
                     bad);
        else
            snprintf(g[i].status, sizeof g[i].status, "%.150s", bad);
    }
    free(tp);
    free(p99);
    *out = g;
    return ng;
}

/* The value of parameter `name` (length nl) in a params cell "a=1;b=x", or NULL. */
static const char *param_in(const char *params, const char *name, size_t nl, size_t *vl)
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

static void config_desc(const csv_table *t, size_t r, char *buf, size_t n)
{
    const char *b = csv_get(t, r, "backend");
    const char *k = csv_get(t, r, "keys");
    snprintf(buf, n, "%s%s%s alloc=%s threads=%s%s%s", csv_get(t, r, "experiment"),
             strcmp(b, "-") && *b ? " backend=" : "", strcmp(b, "-") ? b : "",
             csv_get(t, r, "alloc"), csv_get(t, r, "threads"), strcmp(k, "-") && *k ? " keys=" : "",
             strcmp(k, "-") ? k : "");
    append_varying_params(t, r, buf, n);
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
        fprintf(out, "* oversubscribed: threads > online CPUs\n");
    free(g);
}

/* ---- report.md ------------------------------------------------------------------------------ */
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
        fprintf(md, "| online_cpus | %u |\n| git_dirty | %s |\n\n", online_cpus(),
                meta && strstr(meta, "\"git_dirty\": true") ? "yes" : "no");
        fprintf(md, "## Results\n\nMedian of the trials with min-max; p99 is the median of the "
                    "trials' p99. `*` marks oversubscribed configurations (threads > online "
                    "CPUs).\n\n| configuration | trials | median ops/s | min-max ops/s | p99 ns "
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
        free(g);
        alerts_write(dir, &t, rules, nrules, md);
        plots_render_run(dir, &t, md);
        size_t nfail = 0;
        for (size_t r = 0; r < t.nrows; r++)
            if (strcmp(csv_get(&t, r, "status"), "ok") != 0) {
                if (!nfail++)
                    fprintf(md, "## Failed rows\n\n");
                char d[256];
                row_desc(&t, r, d, sizeof d);
                fprintf(md, "- %s: `%s`\n", d, csv_get(&t, r, "status"));
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
