/* The claims engine (claims.h, docs/report.md "Claims as data"): loads claims files with jansson,
 * evaluates every rule against the run folders of a suite with stats.h, renders the claims table
 * and the docs' rule table. It knows nothing of tries: rules speak of roles, results.csv columns
 * and row filters. */
#define _GNU_SOURCE
#include "claims.h"
#include "probe.h"

#include "stats.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the loaded set -------------------------------------------------------------------------- */
typedef struct {
    char *id, *file, *group;
    json_t *rec;                   /* the claim record (owned reference) */
    double tol_range, tol_scaling; /* the file's named defaults */
} claim;

struct claims_set {
    claim *v;
    size_t n;
};

typedef struct {
    const char *name;
    claims_callback fn;
} cb_rec;
static cb_rec g_cbs[32];
static size_t g_ncbs;

void claims_register_callback(const char *name, claims_callback fn)
{
    for (size_t i = 0; i < g_ncbs; i++)
        if (strcmp(g_cbs[i].name, name) == 0) {
            g_cbs[i].fn = fn;
            return;
        }
    if (g_ncbs < sizeof g_cbs / sizeof g_cbs[0])
        g_cbs[g_ncbs++] = (cb_rec){name, fn};
}

static claims_callback find_cb(const char *name)
{
    for (size_t i = 0; i < g_ncbs; i++)
        if (strcmp(g_cbs[i].name, name) == 0)
            return g_cbs[i].fn;
    return NULL;
}

size_t claims_count(const claims_set *cs)
{
    return cs ? cs->n : 0;
}

void claims_free(claims_set *cs)
{
    if (!cs)
        return;
    for (size_t i = 0; i < cs->n; i++) {
        free(cs->v[i].id);
        free(cs->v[i].file);
        free(cs->v[i].group);
        json_decref(cs->v[i].rec);
    }
    free(cs->v);
    free(cs);
}

/* ---- expressions over the medians of named sets: + - * / ( ) numbers, names, max(), min() ---- */
typedef struct {
    const char *p;
    const char *const *names;
    const double *vals;
    size_t n;
    char err[96];
} expr_st;

static double ex_sum(expr_st *e);

static void ex_ws(expr_st *e)
{
    while (isspace((unsigned char)*e->p))
        e->p++;
}

static double ex_atom(expr_st *e)
{
    ex_ws(e);
    if (*e->p == '(') {
        e->p++;
        double v = ex_sum(e);
        ex_ws(e);
        if (*e->p != ')' && !*e->err)
            snprintf(e->err, sizeof e->err, "')' expected at '%s'", e->p);
        else
            e->p++;
        return v;
    }
    if (*e->p == '-') {
        e->p++;
        return -ex_atom(e);
    }
    if (isdigit((unsigned char)*e->p) || *e->p == '.') {
        char *end;
        double v = strtod(e->p, &end);
        e->p = end;
        return v;
    }
    if (isalpha((unsigned char)*e->p) || *e->p == '_') {
        const char *s = e->p;
        while (isalnum((unsigned char)*e->p) || *e->p == '_')
            e->p++;
        size_t len = (size_t)(e->p - s);
        ex_ws(e);
        if (*e->p == '(' &&
            ((len == 3 && !strncmp(s, "max", 3)) || (len == 3 && !strncmp(s, "min", 3)))) {
            bool mx = s[1] == 'a';
            e->p++;
            double acc = ex_sum(e);
            ex_ws(e);
            while (*e->p == ',') {
                e->p++;
                double v = ex_sum(e);
                acc = mx ? fmax(acc, v) : fmin(acc, v);
                ex_ws(e);
            }
            if (*e->p != ')' && !*e->err)
                snprintf(e->err, sizeof e->err, "')' expected after %.3s(", s);
            else
                e->p++;
            return acc;
        }
        for (size_t i = 0; i < e->n; i++)
            if (strlen(e->names[i]) == len && !strncmp(e->names[i], s, len))
                return e->vals[i];
        if (!*e->err)
            snprintf(e->err, sizeof e->err, "unknown set '%.*s'", (int)len, s);
        return NAN;
    }
    if (!*e->err)
        snprintf(e->err, sizeof e->err, "unexpected '%s'", *e->p ? e->p : "end");
    return NAN;
}

static double ex_prod(expr_st *e)
{
    double v = ex_atom(e);
    for (;;) {
        ex_ws(e);
        if (*e->p == '*') {
            e->p++;
            v *= ex_atom(e);
        } else if (*e->p == '/') {
            e->p++;
            v /= ex_atom(e);
        } else
            return v;
    }
}

static double ex_sum(expr_st *e)
{
    double v = ex_prod(e);
    for (;;) {
        ex_ws(e);
        if (*e->p == '+') {
            e->p++;
            v += ex_prod(e);
        } else if (*e->p == '-') {
            e->p++;
            v -= ex_prod(e);
        } else
            return v;
    }
}

/* evaluates text; err[0] != 0 on a syntax error or an unknown name */
static double expr_eval(const char *text, const char *const *names, const double *vals, size_t n,
                        char *err, size_t errlen)
{
    expr_st e = {.p = text, .names = names, .vals = vals, .n = n};
    double v = ex_sum(&e);
    ex_ws(&e);
    if (!*e.err && *e.p)
        snprintf(e.err, sizeof e.err, "unexpected '%s'", e.p);
    if (err)
        snprintf(err, errlen, "%s", e.err);
    return *e.err ? NAN : v;
}

/* ---- loading and validation ------------------------------------------------------------------ */
static const char *const kinds[] = {"range",      "bound",    "ratio", "scaling", "invariant",
                                    "untestable", "callback", "all",   NULL};

static bool known_kind(const char *k)
{
    for (size_t i = 0; kinds[i]; i++)
        if (!strcmp(kinds[i], k))
            return true;
    return false;
}

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        snprintf(err, errlen, __VA_ARGS__);                                                        \
        return -1;                                                                                 \
    } while (0)

static const char *jstr(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* a set object (or the rule itself) names role (default: the claim's first role) and col */
static int check_set(const json_t *set, const json_t *rule, const json_t *roles, const char *where,
                     char *err, size_t errlen)
{
    const char *role = jstr(set, "role") ? jstr(set, "role") : jstr(rule, "role");
    if (!role && json_array_size(roles))
        role = json_string_value(json_array_get(roles, 0));
    if (!role)
        FAIL("%s: no role (give \"role\" or the claim's \"roles\")", where);
    bool listed = false;
    for (size_t i = 0; i < json_array_size(roles); i++)
        listed |= !strcmp(json_string_value(json_array_get(roles, i)), role);
    if (!listed)
        FAIL("%s: role '%s' is not in the claim's \"roles\"", where, role);
    if (!jstr(set, "col") && !jstr(rule, "col"))
        FAIL("%s: no \"col\"", where);
    const json_t *f = json_object_get(set, "filter");
    if (f && !json_is_string(f))
        FAIL("%s: \"filter\" must be a string \"col=val;col=val\"", where);
    return 0;
}

static int check_threshold(const json_t *r, const char *kind, const char *where, char *err,
                           size_t errlen)
{
    const json_t *st = json_object_get(r, "stated");
    if (json_is_array(st)) {
        if (json_array_size(st) != 2 || !json_is_number(json_array_get(st, 0)) ||
            !json_is_number(json_array_get(st, 1)))
            FAIL("%s: \"stated\" must be [lo, hi] (numbers)", where);
        if (!strcmp(kind, "bound"))
            FAIL("%s: a bound states one number and \"op\"; use kind range for [lo, hi]", where);
    } else if (json_is_number(st)) {
        if (!strcmp(kind, "range"))
            FAIL("%s: a range states [lo, hi]", where);
        const char *op = jstr(r, "op");
        if (!op || (strcmp(op, ">=") && strcmp(op, "<=")))
            FAIL("%s: \"op\" must be \">=\" or \"<=\"", where);
    } else
        FAIL("%s: \"stated\" (the figure) is missing or not a number / [lo, hi]", where);
    const json_t *tol = json_object_get(r, "tol");
    if (tol && !json_is_number(tol) &&
        !(json_is_string(tol) &&
          (!strcmp(json_string_value(tol), "range") || !strcmp(json_string_value(tol), "scaling"))))
        FAIL("%s: \"tol\" must be a number or the name of a default (range, scaling)", where);
    return 0;
}

static int check_rule(const json_t *r, const json_t *roles, const char *where, int depth, char *err,
                      size_t errlen)
{
    if (!json_is_object(r))
        FAIL("%s: the rule must be an object", where);
    const char *kind = jstr(r, "kind");
    if (!kind || !known_kind(kind))
        FAIL("%s: unknown rule kind '%s' (range, bound, ratio, scaling, invariant, untestable, "
             "callback, all)",
             where, kind ? kind : "(missing)");
    if (!strcmp(kind, "range") || !strcmp(kind, "bound") || !strcmp(kind, "ratio")) {
        if (check_threshold(r, kind, where, err, errlen))
            return -1;
        const json_t *sets = json_object_get(r, "sets");
        if (!strcmp(kind, "ratio")) {
            if (!json_is_object(json_object_get(r, "num")) ||
                !json_is_object(json_object_get(r, "den")))
                FAIL("%s: a ratio needs \"num\" and \"den\" sets", where);
            if (check_set(json_object_get(r, "num"), r, roles, where, err, errlen) ||
                check_set(json_object_get(r, "den"), r, roles, where, err, errlen))
                return -1;
        } else if (sets) {
            if (!json_is_object(sets) || !json_object_size(sets))
                FAIL("%s: \"sets\" must be an object of named sets", where);
            const char *k;
            json_t *v;
            const char *names[16];
            double ones[16];
            size_t n = 0;
            json_object_foreach((json_t *)sets, k, v)
            {
                if (n == 16)
                    FAIL("%s: at most 16 sets", where);
                if (check_set(v, r, roles, where, err, errlen))
                    return -1;
                names[n] = k;
                ones[n++] = 1;
            }
            const char *ex = jstr(r, "expr");
            if (!ex)
                FAIL("%s: \"sets\" needs an \"expr\"", where);
            char e2[96];
            expr_eval(ex, names, ones, n, e2, sizeof e2);
            if (*e2)
                FAIL("%s: expr \"%s\": %s", where, ex, e2);
        } else if (check_set(r, r, roles, where, err, errlen))
            return -1;
        const json_t *th = json_object_get(r, "threads");
        if (th && !json_is_integer(th) &&
            !(json_is_string(th) && !strcmp(json_string_value(th), "max")))
            FAIL("%s: \"threads\" must be \"max\" or a thread count", where);
    } else if (!strcmp(kind, "scaling")) {
        if (check_set(r, r, roles, where, err, errlen))
            return -1;
        if (!jstr(r, "series_col") || !json_is_array(json_object_get(r, "series")))
            FAIL("%s: scaling needs \"series_col\" and \"series\" [values]", where);
        const json_t *st = json_object_get(r, "stated");
        if (json_is_object(st)) {
            const char *k;
            json_t *v;
            json_object_foreach((json_t *)st, k, v)
            {
                char *end;
                long t = strtol(k, &end, 10);
                if (*end || t < 1 || !json_is_number(v))
                    FAIL("%s: \"stated\" must map thread counts to speedups, got \"%s\"", where, k);
            }
        } else if (!(json_is_string(st) && !strcmp(json_string_value(st), "linear")))
            FAIL("%s: scaling \"stated\" must be {\"T\": speedup, ...} or \"linear\"", where);
    } else if (!strcmp(kind, "invariant")) {
        if (check_set(r, r, roles, where, err, errlen))
            return -1;
        const char *op = jstr(r, "op");
        static const char *const ops[] = {"==", "<=", ">=", "<", ">", "has_item", NULL};
        bool ok = false;
        for (size_t i = 0; op && ops[i]; i++)
            ok |= !strcmp(op, ops[i]);
        if (!ok)
            FAIL("%s: invariant \"op\" must be one of == <= >= < > has_item", where);
        const json_t *v = json_object_get(r, "value");
        if (!strcmp(op, "has_item") ? !json_is_string(v) : !json_is_number(v))
            FAIL("%s: invariant \"value\" must be %s", where,
                 !strcmp(op, "has_item") ? "a string \"name=value\"" : "a number");
    } else if (!strcmp(kind, "untestable")) {
        if (!jstr(r, "reason"))
            FAIL("%s: untestable needs a \"reason\"", where);
    } else if (!strcmp(kind, "callback")) {
        const char *name = jstr(r, "name");
        if (!name || !find_cb(name))
            FAIL("%s: unknown callback '%s' (callbacks are registered by the suite's C code)",
                 where, name ? name : "(missing)");
        if (jstr(r, "role") && check_set(r, r, roles, where, err, errlen))
            return -1;
    } else { /* all */
        const json_t *rs = json_object_get(r, "rules");
        if (!json_is_array(rs) || !json_array_size(rs))
            FAIL("%s: \"all\" needs a non-empty \"rules\" array", where);
        if (depth > 0)
            FAIL("%s: \"all\" rules do not nest", where);
        for (size_t i = 0; i < json_array_size(rs); i++) {
            const json_t *sub = json_array_get(rs, i);
            char w2[300];
            snprintf(w2, sizeof w2, "%s: rules[%zu]", where, i);
            if (!jstr(sub, "label"))
                FAIL("%s: a sub-rule needs a \"label\"", w2);
            if (check_rule(sub, roles, w2, depth + 1, err, errlen))
                return -1;
        }
    }
    return 0;
}

static int load_one(claims_set *cs, const char *file, char *err, size_t errlen)
{
    json_error_t je;
    json_t *root = json_load_file(file, 0, &je);
    if (!root)
        FAIL("%s:%d: %s", file, je.line, je.text);
    int rc = -1;
    double tr = 1.25, ts = 0.9;
    const json_t *tol = json_object_get(root, "tolerances");
    const json_t *cl = json_object_get(root, "claims");
    if (!json_is_object(root) || !json_is_array(cl)) {
        snprintf(err, errlen, "%s: expected an object with a \"claims\" array", file);
        goto out;
    }
    if (tol) {
        const json_t *a = json_object_get(tol, "range"), *b = json_object_get(tol, "scaling");
        if (!json_is_object(tol) || (a && !json_is_number(a)) || (b && !json_is_number(b))) {
            snprintf(err, errlen, "%s: \"tolerances\" must map range/scaling to numbers", file);
            goto out;
        }
        if (a)
            tr = json_number_value(a);
        if (b)
            ts = json_number_value(b);
    } else if (cs->n) {
        tr = cs->v[0].tol_range; /* a researcher's file inherits the catalogue's defaults */
        ts = cs->v[0].tol_scaling;
    }
    const char *group = jstr(root, "group");
    for (size_t i = 0; i < json_array_size(cl); i++) {
        json_t *c = json_array_get(cl, i);
        const char *id = jstr(c, "id");
        if (!id || !*id) {
            snprintf(err, errlen, "%s: claims[%zu]: no \"id\"", file, i);
            goto out;
        }
        char where[200];
        snprintf(where, sizeof where, "%s: claim %s", file, id);
        for (size_t j = 0; j < cs->n; j++)
            if (!strcmp(cs->v[j].id, id)) {
                snprintf(err, errlen, "%s: id already defined in %s", where, cs->v[j].file);
                goto out;
            }
        if (!jstr(c, "statement")) {
            snprintf(err, errlen, "%s: no \"statement\"", where);
            goto out;
        }
        const json_t *roles = json_object_get(c, "roles");
        if (!json_is_array(roles)) {
            snprintf(err, errlen, "%s: \"roles\" must be an array of run roles", where);
            goto out;
        }
        for (size_t k = 0; k < json_array_size(roles); k++)
            if (!json_is_string(json_array_get(roles, k))) {
                snprintf(err, errlen, "%s: \"roles\" must hold strings", where);
                goto out;
            }
        char w2[260];
        snprintf(w2, sizeof w2, "%s: rule", where);
        if (check_rule(json_object_get(c, "rule"), roles, w2, 0, err, errlen))
            goto out;
        const json_t *show = json_object_get(c, "show");
        for (size_t k = 0; show && k < json_array_size(show); k++) {
            const json_t *s = json_array_get(show, k);
            snprintf(w2, sizeof w2, "%s: show[%zu]", where, k);
            if (!jstr(s, "label")) {
                snprintf(err, errlen, "%s: no \"label\"", w2);
                goto out;
            }
            if (check_set(s, s, roles, w2, err, errlen))
                goto out;
        }
        cs->v = xrealloc(cs->v, (cs->n + 1) * sizeof *cs->v);
        const char *g = jstr(c, "group") ? jstr(c, "group") : group;
        char *gdef = xasprintf("Claims of %s", file);
        cs->v[cs->n++] =
            (claim){xstrdup(id), xstrdup(file), xstrdup(g ? g : gdef), json_incref(c), tr, ts};
        free(gdef);
    }
    rc = 0;
out:
    json_decref(root);
    return rc;
}

claims_set *claims_load(const char *const *files, size_t nfiles, char *err, size_t errlen)
{
    claims_set *cs = xcalloc(1, sizeof *cs);
    for (size_t i = 0; i < nfiles; i++)
        if (load_one(cs, files[i], err, errlen)) {
            claims_free(cs);
            return NULL;
        }
    return cs;
}

static void collect_roles(const json_t *c, strvec *out)
{
    const json_t *roles = json_object_get(c, "roles");
    for (size_t i = 0; i < json_array_size(roles); i++) {
        const char *r = json_string_value(json_array_get(roles, i));
        if (!sv_has(out, r))
            sv_push(out, r);
    }
}

int claims_check_roles(const claims_set *cs, const pmlab_suite *s, char *err, size_t errlen)
{
    for (size_t i = 0; i < cs->n; i++) {
        strvec rs = {0};
        collect_roles(cs->v[i].rec, &rs);
        for (size_t k = 0; k < rs.n; k++) {
            bool found = false;
            for (size_t j = 0; s->runs && s->runs[j].experiment && !found; j++)
                found = s->runs[j].role && !strcmp(s->runs[j].role, rs.v[k]);
            if (!found) {
                snprintf(err, errlen, "%s: claim %s: unknown role '%s' (suite %s has no such run)",
                         cs->v[i].file, cs->v[i].id, rs.v[k], s->name);
                sv_free(&rs);
                return -1;
            }
        }
        sv_free(&rs);
    }
    return 0;
}

/* ---- evaluation context -----------------------------------------------------------------------
 */
typedef struct {
    char *role;
    csv_table t;
    bool ok;
    char why[200];
    char folder[128];
} role_data;

struct claims_ctx {
    const pmlab_suite *s;
    const char *const *dirs;
    role_data *rd;
    size_t nrd;
    strvec *more;
    const json_t *params; /* the current callback's rule */
};

static role_data *ctx_role(claims_ctx *cx, const char *role)
{
    for (size_t i = 0; i < cx->nrd; i++)
        if (!strcmp(cx->rd[i].role, role))
            return &cx->rd[i];
    cx->rd = xrealloc(cx->rd, (cx->nrd + 1) * sizeof *cx->rd);
    role_data *r = &cx->rd[cx->nrd++];
    memset(r, 0, sizeof *r);
    r->role = xstrdup(role);
    snprintf(r->why, sizeof r->why, "not run: no run of role %s in this mode", role);
    for (size_t i = 0; cx->s->runs[i].experiment; i++) {
        if (!cx->s->runs[i].role || strcmp(cx->s->runs[i].role, role) || !cx->dirs[i])
            continue;
        const char *slash = strrchr(cx->dirs[i], '/');
        snprintf(r->folder, sizeof r->folder, "%s", slash ? slash + 1 : cx->dirs[i]);
        char *p = xasprintf("%s/results.csv", cx->dirs[i]);
        r->ok = csv_read(p, &r->t) == 0;
        free(p);
        if (r->ok)
            break;
        p = xasprintf("%s/not-run.txt", cx->dirs[i]);
        FILE *f = fopen(p, "r");
        free(p);
        char line[160] = "";
        if (f) {
            if (fgets(line, sizeof line, f))
                line[strcspn(line, ":\n")] = 0;
            fclose(f);
        }
        snprintf(r->why, sizeof r->why, "not run: %s",
                 *line ? line : "the run left no results.csv");
        break;
    }
    return r;
}

const csv_table *claims_ctx_table(const claims_ctx *cx, const char *role, const char **why)
{
    role_data *r = ctx_role((claims_ctx *)cx, role);
    if (why)
        *why = r->why;
    return r->ok ? &r->t : NULL;
}

static unsigned table_online(const csv_table *t)
{
    for (size_t r = 0; r < t->nrows; r++) {
        int v = atoi(csv_get(t, r, "online_cpus"));
        if (v > 0)
            return (unsigned)v;
    }
    return online_cpus();
}

static void more_role(claims_ctx *cx, const char *role)
{
    if (cx->more && !sv_has(cx->more, role))
        sv_push(cx->more, role);
}

/* more_role, and "ROLE<TAB>CONFIG_ID" for each configuration the undecided quantity rests on,
 * so that a rerun can add trials to those configurations only */
static void more_configs(claims_ctx *cx, const char *role, const strvec *ids)
{
    more_role(cx, role);
    for (size_t j = 0; cx->more && j < ids->n; j++) {
        char *e = xasprintf("%s\t%s", role, ids->v[j]);
        if (!sv_has(cx->more, e))
            sv_push(cx->more, e);
        free(e);
    }
}

/* ---- one evaluation result --------------------------------------------------------------------
 */
typedef struct {
    claim_verdict v;
    sbuf measured; /* figure, interval, n, configuration, folder */
    sbuf reason;
    bool have_iv;       /* est/lo/hi hold the deciding quantity (verdicts.csv) */
    double est, lo, hi; /* lo, hi NAN when there was no interval */
} res;

static void res_free(res *r)
{
    sb_free(&r->measured);
    sb_free(&r->reason);
}

/* A filter "col=val;col=val" with @T (the rule's thread count) substituted; @max = the largest
 * value of that column among the role's ok rows matching the other terms. */
typedef struct {
    strvec cols, vals;
} filt;

static void filt_free(filt *f)
{
    sv_free(&f->cols);
    sv_free(&f->vals);
}

static bool row_matches(const csv_table *t, size_t r, const filt *f, size_t skip)
{
    for (size_t i = 0; i < f->cols.n; i++) {
        if (i == skip)
            continue;
        const char *c = csv_get(t, r, f->cols.v[i]);
        if (strcmp(c, f->vals.v[i])) {
            char *e1, *e2;
            double a = strtod(c, &e1), b = strtod(f->vals.v[i], &e2);
            if (!*c || *e1 || *e2 || a != b) /* numeric equality: threads=2 matches 2.0 */
                return false;
        }
    }
    return true;
}

static bool row_ok(const csv_table *t, size_t r)
{
    return !strcmp(csv_get(t, r, "status"), "ok");
}

/* parses and resolves; returns 0, or 1 (untestable; reason in why), -1 bad */
static int filt_make(filt *f, const char *text, const csv_table *t, long T, char *why, size_t wl)
{
    memset(f, 0, sizeof *f);
    strvec parts = {0};
    if (text && *text && sv_split(&parts, text, ';') < 0) {
        snprintf(why, wl, "bad filter '%s'", text);
        return 1;
    }
    for (size_t i = 0; i < parts.n; i++) {
        char *eq = strchr(parts.v[i], '=');
        if (!eq) {
            snprintf(why, wl, "bad filter term '%s' (want col=val)", parts.v[i]);
            sv_free(&parts);
            return 1;
        }
        *eq = 0;
        if (csv_col(t, parts.v[i]) < 0) {
            snprintf(why, wl, "the rows lack column %s", parts.v[i]);
            sv_free(&parts);
            return 1;
        }
        sv_push(&f->cols, parts.v[i]);
        if (!strcmp(eq + 1, "@T")) {
            char b[32];
            snprintf(b, sizeof b, "%ld", T);
            sv_push(&f->vals, b);
        } else
            sv_push(&f->vals, eq + 1);
    }
    sv_free(&parts);
    for (size_t i = 0; i < f->cols.n; i++) {
        if (strcmp(f->vals.v[i], "@max"))
            continue;
        double best = NAN;
        for (size_t r = 0; r < t->nrows; r++) {
            if (!row_ok(t, r) || !row_matches(t, r, f, i))
                continue;
            char *end;
            const char *c = csv_get(t, r, f->cols.v[i]);
            double d = strtod(c, &end);
            if (*c && !*end && (isnan(best) || d > best))
                best = d;
        }
        char b[32];
        snprintf(b, sizeof b, "%.17g", best);
        free(f->vals.v[i]);
        f->vals.v[i] = xstrdup(b);
    }
    unsigned on = table_online(t);
    for (size_t i = 0; i < f->cols.n; i++)
        if (!strcmp(f->cols.v[i], "threads")) {
            long n = atol(f->vals.v[i]);
            if (n > (long)on) {
                snprintf(why, wl, "needs %ld cores, machine has %u", n, on);
                return 1;
            }
        }
    return 0;
}

static void filt_text(const filt *f, sbuf *b)
{
    for (size_t i = 0; i < f->cols.n; i++)
        sb_printf(b, "%s%s=%s", i ? "," : "", f->cols.v[i], f->vals.v[i]);
}

/* clean values of col over the ok rows matching f: status ok, contended != 1 */
typedef struct {
    double *v;
    size_t n, ok, contended, failed;
    size_t probe_slow; /* of the contended: those whose host probe ran slow (probe.h) */
    bool has_contended_col;
    strvec ids; /* the config_ids of the rows the filter matched */
} sample;

static void sample_load(sample *s, const csv_table *t, const filt *f, const char *col)
{
    memset(s, 0, sizeof *s);
    s->v = xcalloc(t->nrows + 1, sizeof *s->v);
    s->has_contended_col = csv_col(t, "contended") >= 0;
    for (size_t r = 0; r < t->nrows; r++) {
        if (!row_matches(t, r, f, (size_t)-1))
            continue;
        if (!sv_has(&s->ids, csv_get(t, r, "config_id")))
            sv_push(&s->ids, csv_get(t, r, "config_id"));
        if (!row_ok(t, r)) {
            s->failed++;
            continue;
        }
        const char *c = csv_get(t, r, col);
        char *end;
        double d = strtod(c, &end);
        if (!*c || *end || !isfinite(d))
            continue;
        s->ok++;
        if (!strcmp(csv_get(t, r, "contended"), "1")) {
            double pr;
            s->contended++;
            s->probe_slow +=
                parse_double(csv_get(t, r, "probe_ratio"), &pr) && pr > PMLAB_PROBE_SLOW;
            continue;
        }
        s->v[s->n++] = d;
    }
}

size_t claims_ctx_values(const claims_ctx *cx, const char *role, const char *filter,
                         const char *col, double **out, size_t *contended)
{
    *out = NULL;
    if (contended)
        *contended = 0;
    const csv_table *t = claims_ctx_table(cx, role, NULL);
    filt f;
    char why[200];
    if (!t)
        return 0;
    if (filt_make(&f, filter, t, 0, why, sizeof why)) {
        filt_free(&f);
        return 0;
    }
    sample s;
    sample_load(&s, t, &f, col);
    filt_free(&f);
    sv_free(&s.ids);
    *out = s.v;
    if (contended)
        *contended = s.contended;
    return s.n;
}

/* ---- statistical rules ------------------------------------------------------------------------
 */
typedef struct {
    const char *expr;
    const char *names[16];
} stat_arg;

static double stat_fn(const double *meds, size_t k, void *arg)
{
    const stat_arg *a = arg;
    return expr_eval(a->expr, a->names, meds, k, NULL, 0);
}

static const char *rule_get(const json_t *set, const json_t *rule, const char *key)
{
    const char *v = jstr(set, key);
    return v ? v : jstr(rule, key);
}

static const char *set_role(const json_t *set, const json_t *rule, const json_t *roles)
{
    const char *r = rule_get(set, rule, "role");
    return r ? r : json_string_value(json_array_get(roles, 0));
}

static double tol_of(const json_t *r, const claim *c, double dflt)
{
    const json_t *t = json_object_get(r, "tol");
    if (json_is_number(t))
        return json_number_value(t);
    if (json_is_string(t))
        return !strcmp(json_string_value(t), "range") ? c->tol_range : c->tol_scaling;
    return dflt;
}

/* the decision threshold(s) of a range/bound/ratio rule: lo/hi (range) or thr/dir */
typedef struct {
    bool range;
    double lo, hi, thr, tol;
    int dir;
} thresh;

static thresh thresh_of(const json_t *r, const claim *c)
{
    thresh t = {0};
    const json_t *st = json_object_get(r, "stated");
    if (json_is_array(st)) {
        t.range = true;
        t.tol = tol_of(r, c, c->tol_range);
        t.lo = json_number_value(json_array_get(st, 0)) / t.tol;
        t.hi = json_number_value(json_array_get(st, 1)) * t.tol;
    } else {
        t.tol = tol_of(r, c, 1.0);
        t.thr = json_number_value(st) * t.tol;
        t.dir = !strcmp(jstr(r, "op"), ">=") ? 1 : -1;
    }
    return t;
}

static void fmt_iv(sbuf *b, const st_interval *iv, const char *unit0)
{
    char unit[64];
    snprintf(unit, sizeof unit, "%s%s", *unit0 && strcmp(unit0, "x") ? " " : "", unit0);
    if (iv->ok)
        sb_printf(b, "%.3g%s (95%% CI %.3g-%.3g)", iv->est, unit, iv->lo, iv->hi);
    else if (isfinite(iv->est))
        sb_printf(b, "%.3g%s (no interval)", iv->est, unit);
    else
        sb_printf(b, "no data");
}

/* Evaluates one quantity (named sets + expr) at thread count T and decides it against th. */
static void eval_quantity(claims_ctx *cx, const claim *c, const json_t *r, const char *label,
                          long T, const char *each_col, const char *each_val, const thresh *th,
                          res *out)
{
    const json_t *roles = json_object_get(c->rec, "roles");
    const char *unit =
        jstr(r, "unit") ? jstr(r, "unit") : (!strcmp(jstr(r, "kind"), "ratio") ? "x" : "");
    stat_arg arg = {0};
    const json_t *setv[16];
    size_t k = 0;
    const json_t *sets = json_object_get(r, "sets");
    if (!strcmp(jstr(r, "kind"), "ratio")) {
        arg.names[0] = "num";
        arg.names[1] = "den";
        setv[0] = json_object_get(r, "num");
        setv[1] = json_object_get(r, "den");
        arg.expr = "num / den";
        k = 2;
    } else if (sets) {
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)sets, key, v)
        {
            arg.names[k] = key;
            setv[k++] = v;
        }
        arg.expr = jstr(r, "expr");
    } else {
        arg.names[0] = "x";
        setv[0] = r;
        arg.expr = "x";
        k = 1;
    }
    sample smp[16];
    st_sample grp[16];
    filt fl[16];
    size_t loaded = 0;
    claim_verdict v = CLAIM_HOLDS;
    char why[320] = "";
    sbuf conf = {0};
    size_t contended = 0, probe_slow = 0, okn = 0, minclean = SIZE_MAX;
    const char *folder = "";
    bool no_cont_col = false;
    for (size_t i = 0; i < k; i++) {
        const char *role = set_role(setv[i], r, roles);
        const csv_table *t = claims_ctx_table(cx, role, &folder);
        role_data *rd = ctx_role(cx, role);
        if (!t) {
            v = CLAIM_NOTRUN;
            snprintf(why, sizeof why, "%s", rd->why);
            break;
        }
        folder = rd->folder;
        const char *col = rule_get(setv[i], r, "col");
        if (csv_col(t, col) < 0) {
            v = CLAIM_UNTESTABLE;
            snprintf(why, sizeof why, "the %s rows lack column %s", role, col);
            break;
        }
        const char *ft = rule_get(setv[i], r, "filter");
        char *full = each_col ? xasprintf("%s%s%s=%s", ft ? ft : "", ft && *ft ? ";" : "", each_col,
                                          each_val)
                              : xstrdup(ft ? ft : "");
        int fr = filt_make(&fl[i], full, t, T, why, sizeof why);
        free(full);
        if (fr) {
            filt_free(&fl[i]);
            v = CLAIM_UNTESTABLE;
            break;
        }
        sample_load(&smp[i], t, &fl[i], col);
        loaded = i + 1;
        grp[i] = (st_sample){smp[i].v, smp[i].n};
        contended += smp[i].contended;
        probe_slow += smp[i].probe_slow;
        okn += smp[i].ok;
        no_cont_col |= !smp[i].has_contended_col;
        if (smp[i].n < minclean)
            minclean = smp[i].n;
        if (k > 1)
            sb_printf(&conf, "%s%s: ", i ? "; " : "", arg.names[i]);
        sb_printf(&conf, "%s ", col);
        filt_text(&fl[i], &conf);
        if (k > 1) {
            st_summary su = st_summarize(smp[i].v, smp[i].n);
            sb_printf(&conf, " median %.4g", su.med);
        }
        sb_printf(&conf, " (n=%zu clean", smp[i].n);
        if (smp[i].contended)
            sb_printf(&conf, ", %zu contended left out", smp[i].contended);
        if (smp[i].failed)
            sb_printf(&conf, ", %zu failed", smp[i].failed);
        sb_printf(&conf, ", `%s`)", rd->folder);
        if (!smp[i].ok) {
            v = CLAIM_INCONCLUSIVE;
            snprintf(why, sizeof why, "no ok trials of %s where %s", role,
                     ft && *ft ? ft : "(all rows)");
        }
    }
    if (label)
        sb_printf(&out->measured, "%s: ", label);
    if (each_col)
        sb_printf(&out->measured, "%s=%s: ", each_col, each_val);
    if (v == CLAIM_HOLDS) {
        char seedtxt[256];
        snprintf(seedtxt, sizeof seedtxt, "%s/%s/%s/%ld", c->id, label ? label : "",
                 each_val ? each_val : "", T);
        /* a ratio of two configurations (the ratio and scaling kinds): the exact rank interval;
         * any other function of medians: the bootstrap (docs/statistics.md) */
        bool two = k == 2 && !strcmp(arg.expr, "num / den");
        st_interval iv = two ? st_ratio_rank_ci(grp[0], grp[1], ST_CONF)
                             : st_bootstrap(grp, k, stat_fn, &arg, ST_CONF, ST_BOOT_B, ST_MIN_CLEAN,
                                            st_seed_of(seedtxt));
        fmt_iv(&out->measured, &iv, unit);
        if (isfinite(iv.est)) {
            out->have_iv = true;
            out->est = iv.est;
            out->lo = iv.ok ? iv.lo : NAN;
            out->hi = iv.ok ? iv.hi : NAN;
        }
        sb_printf(&out->measured, " from %s", conf.s ? conf.s : "");
        if (no_cont_col)
            sb_add(&out->measured, " (run predates contention detection)");
        if (!iv.ok) {
            v = CLAIM_INCONCLUSIVE;
            char cw[160] = "";
            if (contended && probe_slow)
                snprintf(cw, sizeof cw,
                         "%zu of %zu trials contended (cpu_share below the contention threshold, "
                         "or the host probe slow: %zu); ",
                         contended, okn, probe_slow);
            else if (contended)
                snprintf(cw, sizeof cw,
                         "%zu of %zu trials contended (cpu_share below the contention "
                         "threshold); ",
                         contended, okn);
            if (minclean < ST_MIN_CLEAN)
                snprintf(why, sizeof why, "%stoo few clean trials (n=%zu, need %d)", cw, minclean,
                         ST_MIN_CLEAN);
            else
                snprintf(why, sizeof why, "%s%s", cw, iv.why);
            for (size_t i = 0; i < k; i++)
                more_configs(cx, set_role(setv[i], r, roles), &smp[i].ids);
        } else {
            st_side sd =
                th->range ? st_decide_range(&iv, th->lo, th->hi) : st_decide(&iv, th->thr, th->dir);
            if (sd == ST_HOLDS)
                v = CLAIM_HOLDS;
            else if (sd == ST_FAILS)
                v = CLAIM_FAILS;
            else {
                v = CLAIM_INCONCLUSIVE;
                if (th->range)
                    snprintf(why, sizeof why,
                             "interval [%.3g, %.3g] straddles the range bound %.3g-%.3g", iv.lo,
                             iv.hi, th->lo, th->hi);
                else
                    snprintf(why, sizeof why, "interval [%.3g, %.3g] straddles the threshold %.3g",
                             iv.lo, iv.hi, th->thr);
                for (size_t i = 0; i < k; i++)
                    more_configs(cx, set_role(setv[i], r, roles), &smp[i].ids);
            }
            if (v != CLAIM_INCONCLUSIVE) {
                bool hold = v == CLAIM_HOLDS;
                if (th->range)
                    snprintf(why, sizeof why, "interval [%.3g, %.3g] %s %.3g-%.3g", iv.lo, iv.hi,
                             hold ? "inside" : "outside", th->lo, th->hi);
                else
                    snprintf(why, sizeof why, "interval [%.3g, %.3g] %s %.3g", iv.lo, iv.hi,
                             th->dir > 0 ? (hold ? ">=" : "<") : (hold ? "<=" : ">"), th->thr);
            }
        }
    } else if (conf.s)
        sb_printf(&out->measured, "%s", conf.s);
    else
        sb_add(&out->measured, "-");
    out->v = v;
    sb_add(&out->reason, why);
    for (size_t i = 0; i < loaded; i++) {
        free(smp[i].v);
        sv_free(&smp[i].ids);
        filt_free(&fl[i]);
    }
    sb_free(&conf);
}

/* combining several parts: any not-run -> not run; any untestable -> untestable; any fails ->
 * fails; any inconclusive -> inconclusive; else holds */
static int rank(claim_verdict v)
{
    switch (v) {
    case CLAIM_NOTRUN:
        return 4;
    case CLAIM_FAILS:
        return 3;
    case CLAIM_UNTESTABLE:
        return 2;
    case CLAIM_INCONCLUSIVE:
        return 1;
    default:
        return 0;
    }
}

static void combine(res *acc, bool first, res *part)
{
    if (!first)
        sb_add(&acc->measured, "; ");
    sb_add(&acc->measured, part->measured.s ? part->measured.s : "");
    /* the quantity of the part that decides the verdict (the first one that has one) */
    if (part->have_iv && (!acc->have_iv || first || rank(part->v) > rank(acc->v))) {
        acc->have_iv = true;
        acc->est = part->est;
        acc->lo = part->lo;
        acc->hi = part->hi;
    }
    if (first || rank(part->v) > rank(acc->v)) {
        acc->v = part->v;
        free(acc->reason.s);
        acc->reason = (sbuf){0};
        sb_add(&acc->reason, part->reason.s ? part->reason.s : "");
    } else if (part->v == acc->v && part->reason.s && *part->reason.s &&
               (!acc->reason.s || !strstr(acc->reason.s, part->reason.s))) {
        sb_add(&acc->reason, "; ");
        sb_add(&acc->reason, part->reason.s);
    }
    res_free(part);
}

/* the thread count of a rule: "max" = most threads not oversubscribed in the data (>= 2) */
static int rule_threads(claims_ctx *cx, const claim *c, const json_t *r, long *T, res *out)
{
    *T = 0;
    const json_t *th = json_object_get(r, "threads");
    if (!th)
        return 0;
    const json_t *roles = json_object_get(c->rec, "roles");
    const json_t *first = json_object_get(r, "num");
    if (!first && json_object_get(r, "sets")) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)json_object_get(r, "sets"), k, v)
        {
            first = v;
            break;
        }
    }
    const char *role = set_role(first ? first : r, r, roles);
    const csv_table *t = claims_ctx_table(cx, role, NULL);
    if (!t) {
        out->v = CLAIM_NOTRUN;
        sb_add(&out->reason, ctx_role(cx, role)->why);
        sb_add(&out->measured, "-");
        return 1;
    }
    unsigned on = table_online(t);
    if (json_is_integer(th)) {
        *T = (long)json_integer_value(th);
        return 0;
    }
    for (size_t i = 0; i < t->nrows; i++) {
        long n = atol(csv_get(t, i, "threads"));
        if (row_ok(t, i) && n <= (long)on && n > *T)
            *T = n;
    }
    if (*T < 2) {
        out->v = CLAIM_UNTESTABLE;
        sb_printf(&out->reason, "needs 2 cores, machine has %u", on);
        sb_printf(&out->measured, "`%s`", ctx_role(cx, role)->folder);
        return 1;
    }
    return 0;
}

static void eval_rule(claims_ctx *cx, const claim *c, const json_t *r, const char *label, res *out);

static void eval_stat(claims_ctx *cx, const claim *c, const json_t *r, const char *label, res *out)
{
    long T;
    if (rule_threads(cx, c, r, &T, out))
        return;
    thresh th = thresh_of(r, c);
    const char *each = jstr(r, "each");
    if (!each) {
        eval_quantity(cx, c, r, label, T, NULL, NULL, &th, out);
        if (T)
            sb_printf(&out->measured, " at T=%ld", T);
        return;
    }
    /* one decision per distinct value of `each` among the ok rows of the rule's role */
    const json_t *roles = json_object_get(c->rec, "roles");
    const char *role = set_role(r, r, roles);
    const csv_table *t = claims_ctx_table(cx, role, NULL);
    if (!t) {
        out->v = CLAIM_NOTRUN;
        sb_add(&out->reason, ctx_role(cx, role)->why);
        return;
    }
    strvec vals = {0};
    for (size_t i = 0; i < t->nrows; i++)
        if (row_ok(t, i) && *csv_get(t, i, each) && !sv_has(&vals, csv_get(t, i, each)))
            sv_push(&vals, csv_get(t, i, each));
    if (!vals.n) {
        out->v = CLAIM_INCONCLUSIVE;
        sb_printf(&out->reason, "no ok rows with a value of %s", each);
    }
    for (size_t i = 0; i < vals.n; i++) {
        res part = {0};
        eval_quantity(cx, c, r, i ? NULL : label, T, each, vals.v[i], &th, &part);
        combine(out, i == 0, &part);
    }
    sv_free(&vals);
}

static void eval_scaling(claims_ctx *cx, const claim *c, const json_t *r, const char *label,
                         res *out)
{
    const json_t *roles = json_object_get(c->rec, "roles");
    const char *role = set_role(r, r, roles);
    const csv_table *t = claims_ctx_table(cx, role, NULL);
    role_data *rd = ctx_role(cx, role);
    if (!t) {
        out->v = CLAIM_NOTRUN;
        sb_add(&out->reason, rd->why);
        sb_add(&out->measured, "-");
        return;
    }
    unsigned on = table_online(t);
    double frac = tol_of(r, c, c->tol_scaling);
    const json_t *st = json_object_get(r, "stated");
    long Ts[32];
    double fig[32];
    size_t nT = 0;
    long need = 0;
    if (json_is_object(st)) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)st, k, v)
        {
            if (nT < 32 && atol(k) > 1) {
                Ts[nT] = atol(k);
                fig[nT++] = json_number_value(v);
            }
        }
    } else { /* linear: speedup T at the most threads not oversubscribed */
        long T = 0;
        for (size_t i = 0; i < t->nrows; i++) {
            long n = atol(csv_get(t, i, "threads"));
            if (row_ok(t, i) && n <= (long)on && n > T)
                T = n;
        }
        if (T < 2) {
            out->v = CLAIM_UNTESTABLE;
            sb_printf(&out->reason, "needs 2 cores, machine has %u", on);
            sb_printf(&out->measured, "`%s`", rd->folder);
            return;
        }
        Ts[0] = T;
        fig[0] = (double)T;
        nT = 1;
    }
    const char *scol = jstr(r, "series_col");
    const json_t *series = json_object_get(r, "series");
    const char *ft = jstr(r, "filter");
    bool first = true;
    for (size_t i = 0; i < nT; i++) {
        if (Ts[i] > (long)on) {
            need = Ts[i] > need ? Ts[i] : need;
            continue;
        }
        for (size_t s = 0; s < json_array_size(series); s++) {
            const char *sv = json_string_value(json_array_get(series, s));
            /* a listed series the run did not measure is skipped (e.g. a backend not built) */
            bool present = false;
            for (size_t q = 0; q < t->nrows && !present; q++)
                present = !strcmp(csv_get(t, q, scol), sv);
            if (!present)
                continue;
            json_t *q = json_object();
            json_object_set_new(q, "kind", json_string("ratio"));
            json_object_set_new(q, "unit", json_string("x"));
            char *fn = xasprintf("%s%s%s=%s;threads=%ld", ft ? ft : "", ft && *ft ? ";" : "", scol,
                                 sv, Ts[i]);
            char *fd =
                xasprintf("%s%s%s=%s;threads=1", ft ? ft : "", ft && *ft ? ";" : "", scol, sv);
            json_object_set_new(q, "num", json_pack("{s:s}", "filter", fn));
            json_object_set_new(q, "den", json_pack("{s:s}", "filter", fd));
            json_object_set_new(q, "role", json_string(role));
            json_object_set_new(q, "col", json_string(jstr(r, "col")));
            free(fn);
            free(fd);
            thresh th = {.thr = fig[i] * frac, .dir = 1, .tol = frac};
            res part = {0};
            char lb[96];
            snprintf(lb, sizeof lb, "%s speedup at %ldT", sv, Ts[i]);
            eval_quantity(cx, c, q, lb, 0, NULL, NULL, &th, &part);
            json_decref(q);
            combine(out, first, &part);
            first = false;
        }
    }
    if (first) {
        out->v = CLAIM_UNTESTABLE;
        if (need)
            sb_printf(&out->reason, "needs %ld cores, machine has %u", need, on);
        else
            sb_printf(&out->reason, "none of the series was measured");
        sb_printf(&out->measured, "`%s`", rd->folder);
    } else if (need)
        sb_printf(&out->reason, "; larger T not testable here: needs %ld cores, machine has %u",
                  need, on);
    (void)label;
}

static bool has_item(const char *list, const char *item, bool *named)
{
    size_t kl = strcspn(item, "=");
    *named = false;
    for (const char *p = list; p && *p;) {
        size_t n = strcspn(p, ";");
        if (n > kl && !strncmp(p, item, kl) && p[kl] == '=') {
            *named = true;
            if (n == strlen(item) && !strncmp(p, item, n))
                return true;
        }
        p = p[n] ? p + n + 1 : NULL;
    }
    return false;
}

static void eval_invariant(claims_ctx *cx, const claim *c, const json_t *r, const char *label,
                           res *out)
{
    const json_t *roles = json_object_get(c->rec, "roles");
    const char *role = set_role(r, r, roles);
    const csv_table *t = claims_ctx_table(cx, role, NULL);
    role_data *rd = ctx_role(cx, role);
    if (label)
        sb_printf(&out->measured, "%s: ", label);
    if (!t) {
        out->v = CLAIM_NOTRUN;
        sb_add(&out->reason, rd->why);
        sb_add(&out->measured, "-");
        return;
    }
    const char *col = jstr(r, "col"), *op = jstr(r, "op"), *fs = jstr(r, "fail_status");
    char why[200] = "";
    filt f;
    if (csv_col(t, col) < 0 || filt_make(&f, jstr(r, "filter"), t, 0, why, sizeof why)) {
        out->v = CLAIM_UNTESTABLE;
        if (!*why)
            snprintf(why, sizeof why, "the %s rows lack column %s", role, col);
        else
            filt_free(&f);
        sb_add(&out->reason, why);
        sb_printf(&out->measured, "`%s`", rd->folder);
        return;
    }
    size_t n = 0, bad = 0, badstatus = 0, unnamed = 0, blank = 0;
    double worst = NAN;
    const json_t *val = json_object_get(r, "value");
    for (size_t i = 0; i < t->nrows; i++) {
        if (!row_matches(t, i, &f, (size_t)-1))
            continue;
        const char *st = csv_get(t, i, "status");
        if (fs && !strncmp(st, fs, strlen(fs))) {
            badstatus++;
            continue;
        }
        if (!row_ok(t, i))
            continue; /* only rows that ran */
        const char *cell = csv_get(t, i, col);
        if (!*cell) {
            blank++; /* a row that does not report the column (e.g. another kind of row) */
            continue;
        }
        n++;
        bool okrow;
        if (!strcmp(op, "has_item")) {
            bool named;
            okrow = has_item(cell, json_string_value(val), &named);
            unnamed += !named;
        } else {
            char *end;
            double d = strtod(cell, &end), x = json_number_value(val);
            if (!*cell || *end) {
                okrow = false;
            } else {
                okrow = !strcmp(op, "==")   ? d == x
                        : !strcmp(op, "<=") ? d <= x
                        : !strcmp(op, ">=") ? d >= x
                        : !strcmp(op, "<")  ? d < x
                                            : d > x;
                bool up = op[0] == '<' || op[0] == '=';
                if (isnan(worst) || (up ? d > worst : d < worst))
                    worst = d;
            }
        }
        bad += !okrow;
    }
    filt_free(&f);
    sb_printf(&out->measured, "%zu rows of %s", n, role);
    if (jstr(r, "filter"))
        sb_printf(&out->measured, " where %s", jstr(r, "filter"));
    if (isfinite(worst))
        sb_printf(&out->measured, ", worst %s %.4g", col, worst);
    sb_printf(&out->measured, ", %zu violate %s %s", bad, col, op);
    if (json_is_string(val))
        sb_printf(&out->measured, " %s", json_string_value(val));
    else
        sb_printf(&out->measured, " %.4g", json_number_value(val));
    if (fs)
        sb_printf(&out->measured, ", %zu rows %s", badstatus, fs);
    if (blank)
        sb_printf(&out->measured, "; %zu rows without a value left out", blank);
    sb_printf(&out->measured, " (`%s`)", rd->folder);
    if (!n && !badstatus) {
        out->v = CLAIM_UNTESTABLE;
        sb_printf(&out->reason, "no ok rows of %s%s%s", role, jstr(r, "filter") ? " where " : "",
                  jstr(r, "filter") ? jstr(r, "filter") : "");
    } else if (unnamed == n && n && !badstatus) {
        out->v = CLAIM_UNTESTABLE;
        sb_printf(&out->reason, "the %s rows do not report %.*s", role,
                  (int)strcspn(json_string_value(val), "="), json_string_value(val));
    } else if (bad || badstatus) {
        out->v = CLAIM_FAILS;
        sb_printf(&out->reason, "%zu of %zu rows violate it", bad + badstatus, n + badstatus);
    } else {
        out->v = CLAIM_HOLDS;
        sb_printf(&out->reason,
                  "every one of %zu rows satisfies it (no statistics: an exact "
                  "check)",
                  n);
    }
}

static void eval_untestable(claims_ctx *cx, const claim *c, const json_t *r, res *out)
{
    const json_t *roles = json_object_get(c->rec, "roles");
    const json_t *nc = json_object_get(r, "needs_cores");
    unsigned on = online_cpus();
    for (size_t i = 0; i < json_array_size(roles); i++) {
        const char *role = json_string_value(json_array_get(roles, i));
        const csv_table *t = claims_ctx_table(cx, role, NULL);
        if (!t) {
            out->v = CLAIM_NOTRUN;
            sb_add(&out->reason, ctx_role(cx, role)->why);
            sb_add(&out->measured, "-");
            return;
        }
        if (!i)
            on = table_online(t);
    }
    out->v = CLAIM_UNTESTABLE;
    if (json_is_integer(nc) && on < json_integer_value(nc))
        sb_printf(&out->reason, "needs %lld cores, machine has %u",
                  (long long)json_integer_value(nc), on);
    else
        sb_add(&out->reason, jstr(r, "reason"));
    (void)c;
}

static void eval_rule(claims_ctx *cx, const claim *c, const json_t *r, const char *label, res *out)
{
    const char *kind = jstr(r, "kind");
    if (!strcmp(kind, "range") || !strcmp(kind, "bound") || !strcmp(kind, "ratio"))
        eval_stat(cx, c, r, label, out);
    else if (!strcmp(kind, "scaling"))
        eval_scaling(cx, c, r, label, out);
    else if (!strcmp(kind, "invariant"))
        eval_invariant(cx, c, r, label, out);
    else if (!strcmp(kind, "untestable"))
        eval_untestable(cx, c, r, out);
    else if (!strcmp(kind, "callback")) {
        char reason[300] = "";
        cx->params = r;
        if (label)
            sb_printf(&out->measured, "%s: ", label);
        out->v = find_cb(jstr(r, "name"))(cx, r, &out->measured, reason, sizeof reason);
        sb_add(&out->reason, reason);
    } else {
        const json_t *rs = json_object_get(r, "rules");
        for (size_t i = 0; i < json_array_size(rs); i++) {
            const json_t *sub = json_array_get(rs, i);
            res part = {0};
            eval_rule(cx, c, sub, jstr(sub, "label"), &part);
            combine(out, i == 0, &part);
        }
    }
}

/* ---- the stated figure, rendered from the rule's parameters -----------------------------------
 */
static void fmt_num(sbuf *b, double x)
{
    sb_printf(b, "%g", x);
}

static void stated_figure(const claim *c, const json_t *r, sbuf *b)
{
    const char *kind = jstr(r, "kind");
    const char *unit = jstr(r, "unit") ? jstr(r, "unit") : !strcmp(kind, "ratio") ? "x" : "";
    const json_t *st = json_object_get(r, "stated");
    if (!strcmp(kind, "range") || !strcmp(kind, "bound") || !strcmp(kind, "ratio") ||
        (!strcmp(kind, "callback") && json_is_number(st))) {
        if (json_is_array(st)) {
            fmt_num(b, json_number_value(json_array_get(st, 0)));
            sb_add(b, "-");
            fmt_num(b, json_number_value(json_array_get(st, 1)));
            sb_printf(b, "%s%s", *unit && strcmp(unit, "x") ? " " : "", unit);
        } else {
            sb_printf(b, "%s ", jstr(r, "op"));
            fmt_num(b, json_number_value(st));
            sb_printf(b, "%s%s", *unit && strcmp(unit, "x") ? " " : "", unit);
        }
    } else if (!strcmp(kind, "scaling")) {
        if (json_is_string(st))
            sb_add(b, "linear (speedup T at T threads)");
        else {
            const char *k;
            json_t *v;
            bool first = true;
            json_object_foreach((json_t *)st, k, v)
            {
                sb_printf(b, "%s%gx at %sT", first ? "" : ", ", json_number_value(v), k);
                first = false;
            }
        }
    } else if (!strcmp(kind, "invariant")) {
        const json_t *v = json_object_get(r, "value");
        if (json_is_string(v))
            sb_printf(b, "%s", json_string_value(v));
        else {
            sb_printf(b, "%s %s ", jstr(r, "col"), jstr(r, "op"));
            fmt_num(b, json_number_value(v));
        }
    } else if (!strcmp(kind, "all")) {
        const json_t *rs = json_object_get(r, "rules");
        for (size_t i = 0; i < json_array_size(rs); i++) {
            const json_t *sub = json_array_get(rs, i);
            sb_printf(b, "%s%s: ", i ? "; " : "", jstr(sub, "label"));
            stated_figure(c, sub, b);
        }
    } else if (jstr(r, "stated"))
        sb_add(b, jstr(r, "stated"));
    else
        sb_add(b, "-");
}

/* the statement with {stated} and {label} replaced by the rendered figures */
static void statement(const claim *c, sbuf *b)
{
    const char *s = jstr(c->rec, "statement");
    const json_t *rule = json_object_get(c->rec, "rule");
    while (*s) {
        const char *open = strchr(s, '{'), *close = open ? strchr(open, '}') : NULL;
        if (!open || !close) {
            sb_add(b, s);
            return;
        }
        sb_printf(b, "%.*s", (int)(open - s), s);
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(close - open - 1), open + 1);
        const json_t *target = NULL;
        if (!strcmp(name, "stated"))
            target = rule;
        const json_t *rs = json_object_get(rule, "rules");
        for (size_t i = 0; !target && i < json_array_size(rs); i++)
            if (!strcmp(jstr(json_array_get(rs, i), "label"), name))
                target = json_array_get(rs, i);
        if (target)
            stated_figure(c, target, b);
        else
            sb_printf(b, "{%s}", name);
        s = close + 1;
    }
}

/* how the rule decides, in words (docs table and the report's verdict cell) */
static void rule_words(const claim *c, const json_t *r, sbuf *b)
{
    const char *kind = jstr(r, "kind");
    const json_t *roles = json_object_get(c->rec, "roles");
    if (!strcmp(kind, "range") || !strcmp(kind, "bound") || !strcmp(kind, "ratio")) {
        thresh th = thresh_of(r, c);
        if (!strcmp(kind, "ratio")) {
            const json_t *n = json_object_get(r, "num"), *d = json_object_get(r, "den");
            sb_printf(b, "median `%s` of %s[%s] / median `%s` of %s[%s]", rule_get(n, r, "col"),
                      set_role(n, r, roles),
                      rule_get(n, r, "filter") ? rule_get(n, r, "filter") : "",
                      rule_get(d, r, "col"), set_role(d, r, roles),
                      rule_get(d, r, "filter") ? rule_get(d, r, "filter") : "");
        } else if (json_object_get(r, "sets")) {
            sb_printf(b, "`%s` over the medians of", jstr(r, "expr"));
            const char *k;
            json_t *v;
            const char *sep = "";
            json_object_foreach((json_t *)json_object_get(r, "sets"), k, v)
            {
                sb_printf(b, "%s %s = `%s` of %s[%s]", sep, k, rule_get(v, r, "col"),
                          set_role(v, r, roles),
                          rule_get(v, r, "filter") ? rule_get(v, r, "filter") : "");
                sep = ",";
            }
        } else
            sb_printf(b, "median `%s` of %s[%s]", jstr(r, "col"), set_role(r, r, roles),
                      jstr(r, "filter") ? jstr(r, "filter") : "");
        if (jstr(r, "each"))
            sb_printf(b, " for each `%s`", jstr(r, "each"));
        if (json_object_get(r, "threads"))
            sb_printf(b, " (T = %s)",
                      json_is_string(json_object_get(r, "threads"))
                          ? "most threads not oversubscribed"
                          : "stated");
        if (th.range)
            sb_printf(b, " within [%.4g, %.4g] (stated range widened x%g)", th.lo, th.hi, th.tol);
        else if (th.tol != 1)
            sb_printf(b, " %s %.4g (stated x %g)", jstr(r, "op"), th.thr, th.tol);
        else
            sb_printf(b, " %s %.4g", jstr(r, "op"), th.thr);
    } else if (!strcmp(kind, "scaling")) {
        sb_printf(b,
                  "speedup (median `%s` at T / at 1 thread) of each %s in %s[%s] >= %g x the "
                  "stated figure at every stated T <= online CPUs",
                  jstr(r, "col"), jstr(r, "series_col"), set_role(r, r, roles),
                  jstr(r, "filter") ? jstr(r, "filter") : "", tol_of(r, c, c->tol_scaling));
        if (json_is_string(json_object_get(r, "stated")))
            sb_add(b, " (linear: stated = T at the most threads not oversubscribed)");
    } else if (!strcmp(kind, "invariant")) {
        const json_t *v = json_object_get(r, "value");
        sb_printf(b, "every ok row of %s[%s]: `%s` %s ", set_role(r, r, roles),
                  jstr(r, "filter") ? jstr(r, "filter") : "", jstr(r, "col"), jstr(r, "op"));
        if (json_is_string(v))
            sb_add(b, json_string_value(v));
        else
            fmt_num(b, json_number_value(v));
        if (jstr(r, "fail_status"))
            sb_printf(b, ", and no row `%s`", jstr(r, "fail_status"));
    } else if (!strcmp(kind, "untestable")) {
        if (json_is_integer(json_object_get(r, "needs_cores")))
            sb_printf(b, "not testable below %lld cores: ",
                      (long long)json_integer_value(json_object_get(r, "needs_cores")));
        else
            sb_add(b, "not testable: ");
        sb_add(b, jstr(r, "reason"));
    } else if (!strcmp(kind, "callback")) {
        sb_printf(b, "C callback `%s`", jstr(r, "name"));
        if (jstr(r, "describe"))
            sb_printf(b, ": %s", jstr(r, "describe"));
    } else {
        const json_t *rs = json_object_get(r, "rules");
        sb_add(b, "all of: ");
        for (size_t i = 0; i < json_array_size(rs); i++) {
            const json_t *sub = json_array_get(rs, i);
            sb_printf(b, "%s(%s) ", i ? "; " : "", jstr(sub, "label"));
            rule_words(c, sub, b);
        }
    }
}

/* markdown cells must not contain a raw '|' or newline */
static void cell(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '|')
            fputs("\\|", f);
        else if (*s == '\n')
            fputc(' ', f);
        else
            fputc(*s, f);
    }
}

void claims_markdown(const claims_set *cs, FILE *out)
{
    fprintf(out, "| claim | statement | figure stated | runs | rule |\n|---|---|---|---|---|\n");
    for (size_t i = 0; i < cs->n; i++) {
        const claim *c = &cs->v[i];
        const json_t *rule = json_object_get(c->rec, "rule");
        sbuf st = {0}, fig = {0}, rw = {0}, ro = {0};
        statement(c, &st);
        stated_figure(c, rule, &fig);
        rule_words(c, rule, &rw);
        const json_t *roles = json_object_get(c->rec, "roles");
        for (size_t k = 0; k < json_array_size(roles); k++)
            sb_printf(&ro, "%s`%s`", k ? ", " : "", json_string_value(json_array_get(roles, k)));
        fprintf(out, "| %s | ", c->id);
        cell(out, st.s);
        fputs(" | ", out);
        cell(out, fig.s);
        fputs(" | ", out);
        cell(out, ro.s ? ro.s : "-");
        fputs(" | ", out);
        cell(out, rw.s);
        fputs(" |\n", out);
        sb_free(&st);
        sb_free(&fig);
        sb_free(&rw);
        sb_free(&ro);
    }
}

static void show_extras(claims_ctx *cx, const claim *c, sbuf *m)
{
    const json_t *show = json_object_get(c->rec, "show");
    const json_t *roles = json_object_get(c->rec, "roles");
    for (size_t k = 0; k < json_array_size(show); k++) {
        const json_t *s = json_array_get(show, k);
        const csv_table *t = claims_ctx_table(cx, set_role(s, s, roles), NULL);
        if (!t)
            continue;
        filt f;
        char why[200];
        if (filt_make(&f, jstr(s, "filter"), t, 0, why, sizeof why)) {
            filt_free(&f);
            continue;
        }
        sample smp;
        sample_load(&smp, t, &f, jstr(s, "col"));
        st_summary su = st_summarize(smp.v, smp.n);
        if (smp.n)
            sb_printf(m, "; %s %.3g%s (median, n=%zu)", jstr(s, "label"), su.med,
                      jstr(s, "unit") ? jstr(s, "unit") : "", smp.n);
        free(smp.v);
        sv_free(&smp.ids);
        filt_free(&f);
    }
}

static const char *verdict_word(claim_verdict v)
{
    switch (v) {
    case CLAIM_HOLDS:
        return "**holds**";
    case CLAIM_FAILS:
        return "**does not hold**";
    case CLAIM_INCONCLUSIVE:
        return "inconclusive";
    case CLAIM_UNTESTABLE:
        return "not testable here";
    default:
        return "not run";
    }
}

/* the verdict without markdown, for verdicts.csv */
static const char *verdict_plain(claim_verdict v)
{
    return v == CLAIM_HOLDS ? "holds" : v == CLAIM_FAILS ? "does not hold" : verdict_word(v);
}

static void csv_num(FILE *f, bool have, double x)
{
    fputc(',', f);
    if (have && isfinite(x))
        fprintf(f, "%.6g", x);
}

void claims_render(const claims_set *cs, const pmlab_suite *s, const char *const *run_dirs,
                   FILE *md, claims_tally *tally, strvec *roles_more)
{
    claims_render_csv(cs, s, run_dirs, md, tally, roles_more, NULL);
}

void claims_render_csv(const claims_set *cs, const pmlab_suite *s, const char *const *run_dirs,
                       FILE *md, claims_tally *tally, strvec *roles_more, FILE *csv)
{
    claims_ctx cx = {.s = s, .dirs = run_dirs, .more = roles_more};
    claims_tally tl = {0};
    char *buf = NULL;
    size_t blen = 0;
    FILE *m = open_memstream(&buf, &blen);
    const char *group = NULL;
    if (csv)
        fputs("claim,group,verdict,figure_stated,measured,estimate,lo,hi,reason\n", csv);
    for (size_t i = 0; m && i < cs->n; i++) {
        const claim *c = &cs->v[i];
        if (!group || strcmp(group, c->group)) {
            group = c->group;
            fprintf(m,
                    "%s### %s\n\n| claim | statement | figure stated | measured here | verdict: "
                    "reason |\n|---|---|---|---|---|\n",
                    i ? "\n" : "", group);
        }
        res r = {0};
        eval_rule(&cx, c, json_object_get(c->rec, "rule"), NULL, &r);
        show_extras(&cx, c, &r.measured);
        sbuf st = {0}, fig = {0};
        statement(c, &st);
        stated_figure(c, json_object_get(c->rec, "rule"), &fig);
        fprintf(m, "| %s | ", c->id);
        cell(m, st.s);
        fputs(" | ", m);
        cell(m, fig.s);
        fputs(" | ", m);
        cell(m, r.measured.s ? r.measured.s : "-");
        fprintf(m, " | %s", verdict_word(r.v));
        if (r.reason.s && *r.reason.s) {
            fputs(": ", m);
            /* "not run: not run: x" -> the role's why already starts with "not run: " */
            const char *why = r.reason.s;
            if (r.v == CLAIM_NOTRUN && !strncmp(why, "not run: ", 9))
                why += 9;
            cell(m, why);
        }
        fputs(" |\n", m);
        if (csv) {
            const char *cols[] = {c->id, c->group, verdict_plain(r.v), fig.s ? fig.s : "",
                                  r.measured.s ? r.measured.s : ""};
            for (size_t k = 0; k < 5; k++) {
                if (k)
                    fputc(',', csv);
                csv_field(csv, cols[k]);
            }
            csv_num(csv, r.have_iv, r.est);
            csv_num(csv, r.have_iv, r.lo);
            csv_num(csv, r.have_iv, r.hi);
            fputc(',', csv);
            csv_field(csv, r.reason.s ? r.reason.s : "");
            fputc('\n', csv);
        }
        sb_free(&st);
        sb_free(&fig);
        switch (r.v) {
        case CLAIM_HOLDS:
            tl.holds++;
            break;
        case CLAIM_FAILS:
            tl.nots++;
            break;
        case CLAIM_INCONCLUSIVE:
            tl.inconclusive++;
            break;
        case CLAIM_UNTESTABLE:
            tl.untestable++;
            break;
        default:
            tl.notrun++;
        }
        res_free(&r);
    }
    if (m)
        fclose(m);
    fprintf(md,
            "## Claims\n\nVerdicts: %zu hold, %zu do not hold, %zu inconclusive, %zu not testable "
            "here, %zu not run.\n\nEach row: the claim (its statement from the claims catalogue), "
            "the figure it states, what this run measured (median and 95 %% interval over the "
            "clean trials: status ok and not contended; the configuration, n, trials left out, "
            "the run folder) and the verdict. A claim **holds** when the whole interval lies on "
            "the holding side of its threshold, **does not hold** when all of it lies on the "
            "failing side, and is **inconclusive** otherwise (docs/report.md, docs/statistics.md)."
            "\n\n",
            tl.holds, tl.nots, tl.inconclusive, tl.untestable, tl.notrun);
    if (buf)
        fwrite(buf, 1, blen, md);
    fputs("\n", md);
    free(buf);
    for (size_t i = 0; i < cx.nrd; i++) {
        free(cx.rd[i].role);
        if (cx.rd[i].ok)
            csv_free(&cx.rd[i].t);
    }
    free(cx.rd);
    if (tally)
        *tally = tl;
}
