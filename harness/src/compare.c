/* `pmlab compare A B`: per configuration, the exact rank interval for the ratio B/A over the
 * clean trials (stats.c); "changed" only when the interval excludes 1 (and
 * the --min-change band) and the rank test rejects over the family of configurations compared
 * (Holm). Too few clean trials give "inconclusive". Warns when the runs differ in
 * settings outside the configuration. Method: docs/statistics.md. */
#define _GNU_SOURCE
#include "compare.h"
#include "db.h"
#include "group.h"
#include "reproduce.h"
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    double conf, min_change, fail_above; /* percentages; fail_above < 0: off */
    const char *by, *va, *vb;            /* --by PARAM=VA,VB */
    bool only_flagged;
    bool holm; /* --correction holm (default) or none */
} cmp_opts;

typedef struct {
    size_t configs, tested, changed, inconclusive, failing, contended_a, contended_b;
} cmp_totals;

/* the columns that, with params, make a configuration (sweep.c hashes the same into config_id) */
static const char *const cfg_cols[] = {"experiment", "backend", "alloc",      "threads",
                                       "keys",       "size",    "update_pct", NULL};

static bool is_cfg_col(const char *name)
{
    for (size_t i = 0; cfg_cols[i]; i++)
        if (!strcmp(cfg_cols[i], name))
            return true;
    return false;
}

/* the value of PARAM in row r (a configuration column or an experiment parameter), or NULL */
static char *by_value(const csv_table *t, size_t r, const char *by)
{
    if (is_cfg_col(by))
        return csv_col(t, by) >= 0 ? xstrdup(csv_get(t, r, by)) : NULL;
    size_t vl;
    const char *v = param_in(csv_get(t, r, "params"), by, strlen(by), &vl);
    return v ? xasprintf("%.*s", (int)vl, v) : NULL;
}

/* the configuration of row r with PARAM left out */
static char *key_without(const csv_table *t, size_t r, const char *by)
{
    sbuf b = {0};
    sb_add(&b, "");
    for (size_t i = 0; cfg_cols[i]; i++)
        if (strcmp(cfg_cols[i], by) != 0)
            sb_printf(&b, "%s=%s|", cfg_cols[i], csv_get(t, r, cfg_cols[i]));
    const char *params = csv_get(t, r, "params");
    size_t nl = strlen(by);
    for (const char *p = params; p && *p;) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (!(len > nl && !strncmp(p, by, nl) && p[nl] == '='))
            sb_printf(&b, "%.*s;", (int)len, p);
        p = end ? end + 1 : NULL;
    }
    return b.s;
}

static size_t count_contended(const csv_table *t, const char *id)
{
    size_t n = 0;
    for (size_t r = 0; r < t->nrows; r++)
        n += !strcmp(csv_get(t, r, "config_id"), id) && row_ok(t, r) && row_contended(t, r);
    return n;
}

static void trials_cell(char *buf, size_t n, size_t clean, size_t contended)
{
    if (contended)
        snprintf(buf, n, "%zu+%zuc", clean, contended);
    else
        snprintf(buf, n, "%zu", clean);
}

static void print_header(const cmp_opts *o)
{
    char ivh[32];
    snprintf(ivh, sizeof ivh, "%g%% interval", o->conf * 100);
    printf("%-56s %11s %6s %11s %6s %7s %-19s %7s  %s\n", "configuration (B vs A)", "A ops/s",
           "A n", "B ops/s", "B n", "B/A", ivh, "p99 B/A", "verdict");
}

/* One compared configuration, kept until every configuration of the comparison is known: the
 * decision "changed" is made over the family (Holm), so nothing is printed before the end. */
typedef struct {
    char *label, *why; /* why: the interval's reason when there is none */
    size_t na, nb, ca, cb;
    double ma, mb, p99ratio, p; /* p: exact rank test, 1 when not computed */
    st_interval iv;
    bool tested; /* enough clean trials on both sides: a hypothesis of the family */
    bool changed;
} cmp_row;

typedef struct {
    cmp_row *v;
    size_t n, cap;
} cmp_rows;

/* Measures one pair, A's configuration ida in ta against B's idb in tb, into rows. */
static void compare_pair(const csv_table *ta, const char *ida, const csv_table *tb, const char *idb,
                         const char *label, const cmp_opts *o, cmp_rows *rows)
{
    size_t npa, npb;
    cmp_row r = {.label = xstrdup(label), .p = 1, .p99ratio = NAN};
    double *va = group_clean_values(ta, ida, "ops_per_sec", &r.na);
    double *vb = group_clean_values(tb, idb, "ops_per_sec", &r.nb);
    double *pa = group_clean_values(ta, ida, "p99_ns", &npa);
    double *pb = group_clean_values(tb, idb, "p99_ns", &npb);
    r.ca = count_contended(ta, ida);
    r.cb = count_contended(tb, idb);
    /* the same exact rank interval the claims engine gives a ratio of two configurations */
    r.iv = st_ratio_rank_ci((st_sample){vb, r.nb}, (st_sample){va, r.na}, o->conf);
    r.ma = st_median(va, r.na);
    r.mb = st_median(vb, r.nb);
    if (npa && npb && st_median(pa, npa) > 0)
        r.p99ratio = st_median(pb, npb) / st_median(pa, npa);
    r.tested = r.iv.ok;
    if (r.iv.ok) /* the interval says by how much; the exact rank test's p-value enters the
                  * family's correction (Holm), which keeps "changed" at the stated level */
        r.p = st_rank_p((st_sample){va, r.na}, (st_sample){vb, r.nb});
    else
        r.why = xstrdup(r.iv.why[0] ? r.iv.why : "no interval");
    if (rows->n == rows->cap) {
        rows->cap = rows->cap ? 2 * rows->cap : 64;
        rows->v = xrealloc(rows->v, rows->cap * sizeof *rows->v);
    }
    rows->v[rows->n++] = r;
    free(va);
    free(vb);
    free(pa);
    free(pb);
}

static int by_p(const void *x, const void *y)
{
    double a = (*(cmp_row *const *)x)->p, b = (*(cmp_row *const *)y)->p;
    return (a > b) - (a < b);
}

/* Holm's step-down over the m tested configurations (unless --correction none): the k-th smallest
 * p-value (k = 0, 1, ...) rejects "same distribution" while p < alpha / (m - k); the first that
 * does not stops it. The chance that any configuration of two same-settings runs is called
 * changed stays <= alpha, where a per-configuration test at 95 % flags about 5 % of them (17 of
 * a default suite's 348). Returns the threshold the smallest p had to pass. */
static double holm(cmp_rows *rows, const cmp_opts *o, size_t *m_out)
{
    double alpha = 1 - o->conf;
    size_t m = 0;
    for (size_t i = 0; i < rows->n; i++)
        m += rows->v[i].tested;
    *m_out = m;
    cmp_row **by = xcalloc(m + 1, sizeof *by);
    for (size_t i = 0, k = 0; i < rows->n; i++)
        if (rows->v[i].tested)
            by[k++] = &rows->v[i];
    qsort(by, m, sizeof *by, by_p);
    for (size_t k = 0; k < m; k++) {
        double thr = o->holm ? alpha / (double)(m - k) : alpha;
        if (!(by[k]->p < thr)) {
            if (o->holm)
                break;
            continue;
        }
        by[k]->changed = true;
    }
    free(by);
    return o->holm && m ? alpha / (double)m : alpha;
}

/* Decides and prints every row; "changed" needs the interval beyond 1 (and the --min-change band)
 * and the rank test's rejection over the family. */
static void finish(cmp_rows *rows, const cmp_opts *o, cmp_totals *tot)
{
    size_t m;
    double thr0 = holm(rows, o, &m);
    double alpha = 1 - o->conf, mc = o->min_change / 100;
    tot->tested = m;
    print_header(o);
    for (size_t i = 0; i < rows->n; i++) {
        cmp_row *r = &rows->v[i];
        const st_interval *iv = &r->iv;
        char verdict[256];
        bool flagged = false;
        tot->configs++;
        tot->contended_a += r->ca;
        tot->contended_b += r->cb;
        if (!iv->ok) {
            tot->inconclusive++;
            snprintf(verdict, sizeof verdict, "inconclusive (n=%zu/%zu): %s", r->na, r->nb, r->why);
            flagged = true;
        } else {
            bool excludes1 = iv->lo > 1 || iv->hi < 1;
            bool beyond = st_decide_range(iv, 1 - mc, 1 + mc) == ST_FAILS;
            if (excludes1 && beyond && !r->changed) {
                tot->inconclusive++;
                flagged = true;
                double minp = st_rank_min_p(r->na, r->nb);
                size_t need = 2;
                while (st_rank_min_p(need, need) >= alpha)
                    need++;
                if (minp >= alpha)
                    snprintf(verdict, sizeof verdict,
                             "inconclusive (n=%zu/%zu): too few clean trials to show a change at "
                             "%g%% (rank test p >= %.2g); need >= %zu per side",
                             r->na, r->nb, o->conf * 100, minp, need);
                else if (r->p >= alpha)
                    snprintf(verdict, sizeof verdict,
                             "inconclusive (n=%zu/%zu): the interval excludes 1 but the rank test "
                             "does not (p = %.2g)",
                             r->na, r->nb, r->p);
                else {
                    size_t need_f = 2;
                    while (st_rank_min_p(need_f, need_f) >= thr0 && need_f < 1000)
                        need_f++;
                    snprintf(verdict, sizeof verdict,
                             "inconclusive (n=%zu/%zu): rank test p = %.2g, too weak over the %zu "
                             "configurations compared (Holm: the smallest p must be < %.2g; "
                             ">= %zu trials per side can reach it)",
                             r->na, r->nb, r->p, m, thr0, need_f);
                }
            } else if (excludes1 && beyond) {
                tot->changed++;
                flagged = true;
                const char *dir = iv->lo > 1 ? "FASTER" : "SLOWER";
                double f = o->fail_above / 100;
                if (o->fail_above >= 0 && st_decide_range(iv, 1 - f, 1 + f) == ST_FAILS) {
                    tot->failing++;
                    snprintf(verdict, sizeof verdict, "changed: %s (beyond --fail-above)", dir);
                } else
                    snprintf(verdict, sizeof verdict, "changed: %s", dir);
            } else if (excludes1)
                snprintf(verdict, sizeof verdict, "within --min-change %g %%", o->min_change);
            else
                snprintf(verdict, sizeof verdict, "no change detected");
        }
        if (!o->only_flagged || flagged) {
            char sa[32] = "-", sb[32] = "-", rr[16] = "-", ivs[40] = "-", p99[16] = "-", tna[24],
                 tnb[24];
            if (r->na)
                snprintf(sa, sizeof sa, "%.4g", r->ma);
            if (r->nb)
                snprintf(sb, sizeof sb, "%.4g", r->mb);
            if (isfinite(iv->est))
                snprintf(rr, sizeof rr, "%.3f", iv->est);
            if (iv->ok)
                snprintf(ivs, sizeof ivs, "[%.3f, %.3f]", iv->lo, iv->hi);
            if (isfinite(r->p99ratio))
                snprintf(p99, sizeof p99, "%.3f", r->p99ratio);
            trials_cell(tna, sizeof tna, r->na, r->ca);
            trials_cell(tnb, sizeof tnb, r->nb, r->cb);
            printf("%-56s %11s %6s %11s %6s %7s %-19s %7s  %s\n", r->label, sa, tna, sb, tnb, rr,
                   ivs, p99, verdict);
        }
        free(r->label);
        free(r->why);
    }
    free(rows->v);
    rows->v = NULL;
    rows->n = rows->cap = 0;
}

/* Compares the configurations of two results tables (the same table with --by); prefix names
 * the run in suite comparisons. */
static void compare_tables(const csv_table *ta, const csv_table *tb, const char *prefix,
                           const cmp_opts *o, cmp_rows *rows)
{
    cfg_group *ga, *gb;
    size_t nga = group_rows(ta, &ga), ngb = group_rows(tb, &gb);
    bool *used_b = xcalloc(ngb + 1, sizeof *used_b);
    for (size_t i = 0; i < nga; i++) {
        char d[300], label[400];
        config_desc(ta, ga[i].first, d, sizeof d);
        const char *over = !strcmp(csv_get(ta, ga[i].first, "oversubscribed"), "1") ? " *" : "";
        size_t match = ngb;
        if (o->by) {
            char *v = by_value(ta, ga[i].first, o->by);
            bool on_a = v && !strcmp(v, o->va);
            free(v);
            if (!on_a)
                continue;
            char *ka = key_without(ta, ga[i].first, o->by);
            for (size_t j = 0; j < ngb && match == ngb; j++) {
                char *w = by_value(tb, gb[j].first, o->by),
                     *kb = key_without(tb, gb[j].first, o->by);
                if (w && !strcmp(w, o->vb) && !strcmp(ka, kb))
                    match = j;
                free(w);
                free(kb);
            }
            free(ka);
            snprintf(label, sizeof label, "%s%s%s: %s=%s -> %s", prefix, d, over, o->by, o->va,
                     o->vb);
        } else {
            for (size_t j = 0; j < ngb && match == ngb; j++)
                if (!strcmp(ga[i].id, gb[j].id))
                    match = j;
            snprintf(label, sizeof label, "%s%s%s", prefix, d, over);
        }
        if (match == ngb) {
            if (!o->only_flagged)
                printf("%-56s only in A\n", label);
            continue;
        }
        used_b[match] = true;
        compare_pair(ta, ga[i].id, tb, gb[match].id, label, o, rows);
    }
    for (size_t j = 0; j < ngb && !o->by && !o->only_flagged; j++)
        if (!used_b[j]) {
            char d[300];
            config_desc(tb, gb[j].first, d, sizeof d);
            printf("%s%-56s only in B\n", prefix, d);
        }
    free(used_b);
    free(ga);
    free(gb);
}

/* ---- settings outside the configuration --------------------------------------------------- */
static const char *const meta_keys[] = {"binary",   "git_sha",    "build_type", "cflags",
                                        "compiler", "cpu_model",  "kernel",     "libc",
                                        "pin",      "allocators", NULL};
static const char *const row_keys[] = {"duration_ms", "warmup_ms", "pin", NULL};

static char *distinct_values(const csv_table *t, const char *col)
{
    strvec v = {0};
    for (size_t r = 0; r < t->nrows; r++)
        if (!sv_has(&v, csv_get(t, r, col)))
            sv_push(&v, csv_get(t, r, col));
    sbuf b = {0};
    sb_add(&b, "");
    for (size_t i = 0; i < v.n; i++)
        sb_printf(&b, "%s%s", i ? "," : "", v.v[i]);
    sv_free(&v);
    return b.s;
}

/* prints one warning line per setting in which the runs differ; returns how many */
static size_t settings_warn(const char *a, const char *b, const csv_table *ta, const csv_table *tb,
                            const char *prefix)
{
    char *pa = xasprintf("%s/meta.json", a), *pb = xasprintf("%s/meta.json", b);
    char *ma = slurp(pa, NULL), *mb = slurp(pb, NULL);
    size_t n = 0;
    if (!ma || !mb) {
        printf("warning: %s%s has no meta.json: the build and machine settings are not compared\n",
               prefix, !ma ? a : b);
        n++;
    }
    for (size_t i = 0; ma && mb && meta_keys[i]; i++) {
        char *x = json_get_str(ma, meta_keys[i]), *y = json_get_str(mb, meta_keys[i]);
        if ((x || y) && (!x || !y || strcmp(x, y) != 0)) {
            printf("warning: %sthe runs differ in %s (A: %s; B: %s)\n", prefix, meta_keys[i],
                   x ? x : "not recorded", y ? y : "not recorded");
            n++;
        }
        free(x);
        free(y);
    }
    for (size_t i = 0; row_keys[i]; i++) {
        char *x = distinct_values(ta, row_keys[i]), *y = distinct_values(tb, row_keys[i]);
        if (strcmp(x, y) != 0) {
            printf("warning: %sthe runs differ in %s (A: %s; B: %s)\n", prefix, row_keys[i],
                   *x ? x : "-", *y ? y : "-");
            n++;
        }
        free(x);
        free(y);
    }
    free(ma);
    free(mb);
    free(pa);
    free(pb);
    return n;
}

/* ---- --by: the two values -------------------------------------------------------------------- */
static int resolve_by(const csv_table *ta, const csv_table *tb, cmp_opts *o, char **owned)
{
    strvec vals = {0};
    bool known = is_cfg_col(o->by);
    for (int side = 0; side < 2; side++) {
        const csv_table *t = side ? tb : ta;
        for (size_t r = 0; r < t->nrows; r++) {
            char *v = by_value(t, r, o->by);
            if (v) {
                known = true;
                if (!sv_has(&vals, v))
                    sv_push(&vals, v);
            }
            free(v);
        }
    }
    int rc = 0;
    if (!known)
        rc = usage_error("bad --by value '%s': neither a configuration column (backend, alloc, "
                         "threads, keys, size, update_pct) nor a parameter of these runs",
                         o->by);
    else if (o->va) {
        for (int k = 0; k < 2 && !rc; k++) {
            const char *v = k ? o->vb : o->va;
            if (!sv_has(&vals, v))
                rc = usage_error("bad --by value '%s=%s': no configuration has it", o->by, v);
        }
    } else if (vals.n != 2) {
        sbuf b = {0};
        sb_add(&b, "");
        for (size_t i = 0; i < vals.n; i++)
            sb_printf(&b, "%s%s", i ? ", " : "", vals.v[i]);
        rc = usage_error("bad --by value '%s': the runs have %zu values of it (%s); name two: "
                         "--by %s=VA,VB",
                         o->by, vals.n, b.s, o->by);
        sb_free(&b);
    } else {
        *owned = xasprintf("%s", vals.v[0]);
        owned[1] = xasprintf("%s", vals.v[1]);
        o->va = owned[0];
        o->vb = owned[1];
    }
    sv_free(&vals);
    return rc;
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

static int read_results(const char *dir, csv_table *t)
{
    char *p = xasprintf("%s/results.csv", dir);
    int rc = csv_read(p, t);
    free(p);
    return rc;
}

static int compare_suites(const char *a, const char *b, cmp_opts *o, cmp_totals *tot)
{
    strvec fa = {0}, fb = {0};
    suite_run_folders(a, &fa);
    suite_run_folders(b, &fb);
    o->only_flagged = true;
    cmp_rows rows = {0};
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
            printf("%-56s only in A\n", fa.v[i]);
            continue;
        }
        char *da = xasprintf("%s/%s", a, fa.v[i]), *db = xasprintf("%s/%s", b, match);
        csv_table ta, tb;
        int ra = read_results(da, &ta), rb = read_results(db, &tb);
        if (!ra && !rb) {
            char *prefix = xasprintf("%s: ", fa.v[i]);
            settings_warn(da, db, &ta, &tb, prefix);
            compare_tables(&ta, &tb, prefix, o, &rows);
            free(prefix);
            runs++;
        }
        if (!ra)
            csv_free(&ta);
        if (!rb)
            csv_free(&tb);
        free(da);
        free(db);
    }
    printf("changed or inconclusive configurations only (B vs A; * = oversubscribed; n = clean "
           "trials, +Nc contended):\n");
    finish(&rows, o, tot);
    printf("%zu runs, ", runs);
    sv_free(&fa);
    sv_free(&fb);
    return 0;
}

/* removes the folders db_materialize wrote (results.csv, meta.json) and their parent */
static void remove_materialized(const char *parent, char *da, char *db)
{
    char *dirs[2] = {da, db};
    for (int i = 0; i < 2; i++)
        if (dirs[i]) {
            char *p = xasprintf("%s/results.csv", dirs[i]), *m = xasprintf("%s/meta.json", dirs[i]);
            unlink(p);
            unlink(m);
            rmdir(dirs[i]);
            free(p);
            free(m);
            free(dirs[i]);
        }
    if (*parent)
        rmdir(parent);
}

int cmd_compare(int argc, char **argv)
{
    const char *a = NULL, *b = NULL, *db = NULL;
    cmp_opts o = {ST_CONF, 0, -1, NULL, NULL, NULL, false, true};
    char *by_copy = NULL, *owned[2] = {NULL, NULL};
    int rc = 0;
    for (int i = 0; i < argc && !rc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : "";
        if (!strcmp(argv[i], "--fail-above")) {
            if (!parse_double(v, &o.fail_above) || o.fail_above < 0)
                rc = usage_error("bad --fail-above value '%s': expected a percentage", v);
            i++;
        } else if (!strcmp(argv[i], "--min-change")) {
            if (!parse_double(v, &o.min_change) || o.min_change < 0)
                rc = usage_error("bad --min-change value '%s': expected a percentage", v);
            i++;
        } else if (!strcmp(argv[i], "--correction")) {
            if (!strcmp(v, "holm") || !strcmp(v, "none"))
                o.holm = !strcmp(v, "holm");
            else
                rc = usage_error("bad --correction value '%s': expected holm or none", v);
            i++;
        } else if (!strcmp(argv[i], "--conf")) {
            if (!parse_double(v, &o.conf) || !(o.conf > 0 && o.conf < 1))
                rc = usage_error("bad --conf value '%s': expected a confidence in (0, 1), e.g. "
                                 "0.95",
                                 v);
            i++;
        } else if (!strcmp(argv[i], "--by")) {
            free(by_copy);
            by_copy = xstrdup(v);
            char *eq = strchr(by_copy, '='), *comma = eq ? strchr(eq + 1, ',') : NULL;
            o.by = by_copy;
            if (eq) {
                *eq = 0;
                if (!comma || comma == eq + 1 || !comma[1] || strchr(comma + 1, ','))
                    rc = usage_error("bad --by value '%s': expected PARAM or PARAM=VA,VB", v);
                else {
                    *comma = 0;
                    o.va = eq + 1;
                    o.vb = comma + 1;
                }
            }
            if (!rc && !*by_copy)
                rc = usage_error("bad --by value '%s': expected PARAM or PARAM=VA,VB", v);
            i++;
        } else if (!strcmp(argv[i], "--db")) {
            if (!*v)
                rc = usage_error("compare: --db needs a database file");
            db = v;
            i++;
        } else if (argv[i][0] == '-' && argv[i][1])
            rc = usage_error("compare: unknown option '%s' (pmlab compare --help)", argv[i]);
        else if (!a)
            a = argv[i];
        else if (!b)
            b = argv[i];
        else
            rc = usage_error("compare: unexpected argument '%s'", argv[i]);
    }
    if (!rc && (!a || (!b && !o.by)))
        rc = usage_error("compare: usage: pmlab compare DIR_A DIR_B [--conf C] [--correction "
                         "holm|none] [--min-change PCT] [--fail-above PCT] [--by PARAM[=VA,VB]] "
                         "(pmlab compare --help)");
    if (rc) {
        free(by_copy);
        return rc;
    }
    /* --db: each run is written from the database into a temporary folder (results.csv,
     * meta.json) and compared as a folder: one compare engine */
    char tmp[512] = "", *da = NULL, *dbb = NULL;
    if (db) {
        const char *td = getenv("TMPDIR");
        snprintf(tmp, sizeof tmp, "%s/pmlab-compare-XXXXXX", td && *td ? td : "/tmp");
        if (!mkdtemp(tmp)) {
            free(by_copy);
            return usage_error("compare --db: cannot create a folder in '%s'", tmp);
        }
        rc = db_materialize(db, a, tmp, &da);
        if (!rc && b)
            rc = db_materialize(db, b, tmp, &dbb);
        if (!rc) {
            a = da;
            b = dbb;
        }
    }
    if (rc) {
        free(by_copy);
        remove_materialized(tmp, da, dbb);
        return rc;
    }
    if (!b)
        b = a;
    cmp_totals tot = {0};
    bool sa = suite_folder(a), sb = suite_folder(b);
    if (sa || sb) {
        if (!(sa && sb))
            rc = usage_error("compare: '%s' is a reproduce folder but '%s' is not", sa ? a : b,
                             sa ? b : a);
        else if (o.by)
            rc = usage_error("compare: --by pairs configurations of run folders, not of "
                             "reproduce folders ('%s')",
                             a);
        else
            compare_suites(a, b, &o, &tot);
    } else {
        csv_table ta, tb;
        int ra = read_results(a, &ta), rb = read_results(b, &tb);
        if (ra || rb) {
            if (!ra)
                csv_free(&ta);
            if (!rb)
                csv_free(&tb);
            free(by_copy);
            return usage_error("compare: '%s' holds no results.csv", ra ? a : b);
        }
        if (o.by)
            rc = resolve_by(&ta, &tb, &o, owned);
        if (!rc) {
            if (strcmp(a, b) != 0)
                settings_warn(a, b, &ta, &tb, "");
            if (o.by)
                printf("pairs: %s=%s in %s (A) against %s=%s in %s (B)\n", o.by, o.va, a, o.by,
                       o.vb, b);
            printf("n = clean trials (status ok, not contended), +Nc = contended trials left "
                   "out; * = oversubscribed\n");
            cmp_rows rows = {0};
            compare_tables(&ta, &tb, "", &o, &rows);
            finish(&rows, &o, &tot);
        }
        csv_free(&ta);
        csv_free(&tb);
    }
    if (!rc) {
        printf("%zu configurations compared at %g%% confidence: %zu changed", tot.configs,
               o.conf * 100, tot.changed);
        if (o.min_change > 0)
            printf(" by more than %g %%", o.min_change);
        printf(", %zu inconclusive", tot.inconclusive);
        if (o.holm && tot.tested > 1)
            printf(" (Holm over the %zu with enough clean trials for a rank interval)", tot.tested);
        else if (!o.holm)
            printf(" (each configuration at %g%%, no correction for multiple comparisons)",
                   o.conf * 100);
        if (tot.contended_a || tot.contended_b)
            printf("; contended trials left out: %zu in A, %zu in B", tot.contended_a,
                   tot.contended_b);
        printf("\n");
        if (tot.failing)
            fprintf(stderr,
                    "pmlab: compare: %zu configuration(s) changed by more than %g %% "
                    "(--fail-above)\n",
                    tot.failing, o.fail_above);
        rc = tot.failing ? 1 : 0;
    }
    free(by_copy);
    free(owned[0]);
    free(owned[1]);
    remove_materialized(tmp, da, dbb);
    return rc;
}
