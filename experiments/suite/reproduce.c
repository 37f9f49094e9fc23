/* The `claims` suite of `pmlab reproduce` (issue 7): the runs that test the claim groups of
 * reference/claims.md, per mode (--quick, default, --full), and the report hook that computes the
 * claims table from the run folders. Every verdict follows an explicit rule written next to it
 * (and in docs/report.md); nothing here hard-codes a measured figure or a verdict. Figures are
 * medians over the ok trials of a configuration, with the min-max spread. */
#define _GNU_SOURCE
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pmlab/experiment.h"

#define Q PMLAB_SUITE_QUICK
#define D PMLAB_SUITE_DEFAULT
#define F PMLAB_SUITE_FULL

/* role of each run (parallel to claims_runs): the hook finds its data by role */
static const char *const roles[] = {
    "clone",  "clone",    "clone",  "clone-mt", "clone-mt",   "read",    "read",
    "read",   "write",    "write",  "write",    "batch1",     "batchN",  "batch1",
    "batchN", "memory",   "memory", "memory",   "atomics",    "atomics", "hybrid",
    "hybrid", "stall",    "stall",  "peers",    "peers",      "peers",   "alloc",
    "alloc",  "dispatch", "merge",  "merge",    "zipperhead", "algebra", NULL};

static const pmlab_suite_run claims_runs[] = {
    /* clone cost C005, C025, C180 */
    {"clone", "--param sizes=1000,100000 --duration-ms 60 --warmup-ms 10 --trials 3", Q},
    {"clone", "--param sizes=1000,10000,100000,1000000 --duration-ms 200 --warmup-ms 30 --trials 5",
     D},
    {"clone",
     "--param sizes=0,100,1000,10000,100000,1000000,10000000 --duration-ms 500 --warmup-ms 50 "
     "--trials 7",
     F},
    /* clones on one shared map vs pins C026 */
    {"clone-mt",
     "--threads auto --backends urcu-memb --param method=clone,pin --duration-ms 60 --warmup-ms 10 "
     "--trials 1",
     Q},
    {"clone-mt",
     "--threads auto --backends urcu-memb,epoch,refcount --param method=clone,snapshot,pin "
     "--duration-ms 250 --warmup-ms 50 --trials 3",
     D | F},
    /* read scaling C040-C042, C146 (rwlock readers), A1 */
    {"read",
     "--threads auto --backends urcu-qsbr,urcu-memb,epoch,rwlock,leaky --size 20000 "
     "--duration-ms 80 --warmup-ms 20 --trials 1",
     Q},
    {"read",
     "--threads auto --backends all --size 100000 --duration-ms 300 --warmup-ms 60 --trials 3", D},
    {"read",
     "--threads 1,2,4,8,16,32,64,128 --backends all --size 2000000 --keys ints --duration-ms 1000 "
     "--trials 5",
     F},
    /* write scaling per allocator C051-C054, C182 */
    {"write",
     "--threads auto --allocs glibc,jemalloc --size 50000 --duration-ms 100 --warmup-ms 20 "
     "--trials 1",
     Q},
    {"write",
     "--threads auto --allocs glibc,jemalloc --size 200000 --duration-ms 300 --warmup-ms 50 "
     "--trials 3",
     D},
    {"write",
     "--threads 1,2,4,8,16,32,64,128 --allocs glibc,jemalloc,tcmalloc,mimalloc --size 2000000 "
     "--param partitions=256 --duration-ms 1000 --trials 5",
     F},
    /* batching C063: one commit per key vs one per batch (live-map transactions) */
    {"write",
     "--threads 1 --size 4000 --param method=txn --param batch=1 --duration-ms 80 --warmup-ms 10 "
     "--trials 1",
     Q},
    {"write",
     "--threads 1 --size 4000 --param method=txn --param batch=1000 --duration-ms 80 "
     "--warmup-ms 10 --trials 1",
     Q},
    {"write",
     "--threads 1 --size 20000 --param method=txn --param batch=1 --duration-ms 300 "
     "--warmup-ms 50 --trials 3",
     D | F},
    {"write",
     "--threads 1 --size 20000 --param method=txn --param batch=1000 --duration-ms 300 "
     "--warmup-ms 50 --trials 3",
     D | F},
    /* memory per node/path C018-C021, C116, C124; sharing C059, C121, C126 */
    {"memory", "--size 20000 --param clones=0,1,10 --trials 1", Q},
    {"memory", "--param clones=0,1,10 --trials 3", D},
    {"memory", "--param clones=0,1,10,100 --trials 3", F},
    /* atomic costs C030, C031 */
    {"atomics",
     "--threads auto --param variant=fetch_add.relaxed,fetch_add.acq_rel,fetch_add.seq_cst,"
     "fetch_sub.release,load.relaxed,load.acquire --duration-ms 30 --warmup-ms 5 --trials 1",
     Q},
    {"atomics", "--threads auto --duration-ms 100 --warmup-ms 20 --trials 3", D | F},
    /* pattern D consistency C075-C078, C010 (writers block readers) */
    {"hybrid", "--threads online --backends all --duration-ms 120 --warmup-ms 20 --trials 1", Q},
    {"hybrid", "--threads online --backends all --duration-ms 500 --warmup-ms 100 --trials 3",
     D | F},
    /* reclamation backlog over time (I8.1, A5) */
    {"stall", "--backends all --param stall_ms=150 --duration-ms 300 --trials 1", Q},
    {"stall", "--backends all --param stall_ms=500 --duration-ms 1000 --trials 1", D | F},
    /* the comparison table of T08 §6: C080-C082, C010, C146; bytes per key vs peers */
    {"peers", "--threads auto --size 20000 --duration-ms 60 --warmup-ms 10 --trials 1", Q},
    {"peers", "--threads auto --size 100000 --duration-ms 250 --warmup-ms 50 --trials 3", D},
    {"peers", "--threads 1,2,4,8,16,32,64,128 --size 1000000 --duration-ms 1000 --trials 5", F},
    /* allocator comparison, A4 */
    {"alloc", "--threads online --size 20000 --duration-ms 80 --warmup-ms 10 --trials 1", Q},
    {"alloc", "--threads online --size 100000 --duration-ms 300 --warmup-ms 50 --trials 3", D | F},
    /* dispatch cost (DESIGN §4 goal, not a claim of claims.md) */
    {"dispatch", "--backends urcu-memb,epoch,hp,rwlock --duration-ms 200 --trials 3", D | F},
    /* merge and tree-reduce C060-C062, A3 (experiment written with core's join) */
    {"merge", "--trials 1 --duration-ms 200", Q},
    {"merge", "--trials 3", D | F},
    /* ZipperHead conflict rules C065-C070 */
    {"zipperhead", "--trials 1", Q | D | F},
    /* algebra (C152-C164; not part of the claims table yet) */
    {"algebra", "--trials 1", D | F},
    {NULL, NULL, 0}};

/* ---- data access ------------------------------------------------------------------------------
 */
typedef struct {
    pmlab_table *t;
    char why[200]; /* when t is NULL: "not run: ..." */
    char folder[64];
} src;

static const char *const *g_dirs;

static void src_load(src *s, const char *role)
{
    memset(s, 0, sizeof *s);
    snprintf(s->why, sizeof s->why, "not run: no run of this role in this mode");
    for (size_t i = 0; claims_runs[i].experiment; i++) {
        if (strcmp(roles[i], role) != 0 || !g_dirs[i])
            continue;
        const char *slash = strrchr(g_dirs[i], '/');
        snprintf(s->folder, sizeof s->folder, "%s", slash ? slash + 1 : g_dirs[i]);
        char p[1024];
        snprintf(p, sizeof p, "%s/results.csv", g_dirs[i]);
        s->t = pmlab_table_read(p);
        if (s->t)
            return;
        snprintf(p, sizeof p, "%s/not-run.txt", g_dirs[i]);
        FILE *f = fopen(p, "r");
        char line[160] = "";
        if (f) {
            if (fgets(line, sizeof line, f))
                line[strcspn(line, ":\n")] = 0;
            fclose(f);
        }
        snprintf(s->why, sizeof s->why, "not run: %s",
                 *line ? line : "the run left no results.csv");
        return;
    }
}

static void src_free(src *s)
{
    pmlab_table_free(s->t);
    s->t = NULL;
}

/* a row matches "col=val;col=val" (columns of results.csv) and has status ok */
static int row_match(const pmlab_table *t, size_t r, const char *filter)
{
    if (strcmp(pmlab_table_get(t, r, "status"), "ok") != 0)
        return 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", filter ? filter : "");
    for (char *save = NULL, *kv = strtok_r(buf, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq)
            continue;
        *eq = 0;
        if (strcmp(pmlab_table_get(t, r, kv), eq + 1) != 0)
            return 0;
    }
    return 1;
}

typedef struct {
    double med, lo, hi;
    size_t n;
} agg;

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static agg agg_col(const pmlab_table *t, const char *filter, const char *col)
{
    agg a = {NAN, NAN, NAN, 0};
    size_t n = pmlab_table_nrows(t);
    double *v = calloc(n + 1, sizeof *v);
    for (size_t r = 0; r < n; r++) {
        if (!row_match(t, r, filter))
            continue;
        const char *c = pmlab_table_get(t, r, col);
        char *end;
        double d = strtod(c, &end);
        if (*c && !*end && isfinite(d))
            v[a.n++] = d;
    }
    if (a.n) {
        qsort(v, a.n, sizeof *v, cmpd);
        a.med = a.n % 2 ? v[a.n / 2] : (v[a.n / 2 - 1] + v[a.n / 2]) / 2;
        a.lo = v[0];
        a.hi = v[a.n - 1];
    }
    free(v);
    return a;
}

/* distinct numeric values of col among matching ok rows, ascending; returns the count */
static size_t distinct_num(const pmlab_table *t, const char *filter, const char *col, double *out,
                           size_t cap)
{
    size_t k = 0;
    for (size_t r = 0; r < pmlab_table_nrows(t); r++) {
        if (!row_match(t, r, filter))
            continue;
        const char *c = pmlab_table_get(t, r, col);
        if (!*c)
            continue;
        double d = atof(c);
        size_t i = 0;
        while (i < k && out[i] != d)
            i++;
        if (i == k && k < cap)
            out[k++] = d;
    }
    qsort(out, k, sizeof *out, cmpd);
    return k;
}

static size_t distinct_str(const pmlab_table *t, const char *filter, const char *col,
                           const char **out, size_t cap)
{
    size_t k = 0;
    for (size_t r = 0; r < pmlab_table_nrows(t); r++) {
        if (!row_match(t, r, filter))
            continue;
        const char *c = pmlab_table_get(t, r, col);
        size_t i = 0;
        while (i < k && strcmp(out[i], c) != 0)
            i++;
        if (i == k && k < cap)
            out[k++] = c;
    }
    return k;
}

static unsigned table_online(const pmlab_table *t)
{
    for (size_t r = 0; r < pmlab_table_nrows(t); r++) {
        int v = atoi(pmlab_table_get(t, r, "online_cpus"));
        if (v > 0)
            return (unsigned)v;
    }
    return 0;
}

/* ---- formatting -------------------------------------------------------------------------------
 */
typedef struct {
    char *s;
    size_t len, cap;
} str;

static void sp(str *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sp(str *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *x = NULL;
    int n = vasprintf(&x, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (b->len + (size_t)n + 1 > b->cap) {
        b->cap = (b->len + (size_t)n + 1) * 2;
        b->s = realloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, x, (size_t)n + 1);
    b->len += (size_t)n;
    free(x);
}

static const char *ss(const str *b)
{
    return b->s ? b->s : "";
}

static void fmt_agg(str *b, agg a, const char *unit)
{
    if (!a.n) {
        sp(b, "no data");
        return;
    }
    if (a.n == 1 || a.lo == a.hi)
        sp(b, "%.3g%s (n=%zu)", a.med, unit, a.n);
    else
        sp(b, "%.3g%s (%.3g-%.3g, n=%zu)", a.med, unit, a.lo, a.hi, a.n);
}

typedef enum { V_HOLDS, V_NOT, V_UNTESTABLE, V_NOTRUN } verdict;

typedef struct {
    size_t holds, nots, untestable, notrun;
} tally;
static tally g_tally;

static void claim_row(FILE *md, const char *id, const char *stated, const str *measured, verdict v,
                      const char *reason)
{
    const char *vs = v == V_HOLDS ? "**holds**" : v == V_NOT ? "**does not hold**" : "";
    str vb = {0};
    if (v == V_UNTESTABLE)
        sp(&vb, "not testable here: %s", reason);
    else if (v == V_NOTRUN)
        sp(&vb, "%s", reason);
    else
        sp(&vb, "%s: %s", vs, reason);
    fprintf(md, "| %s | %s | %s | %s |\n", id, stated, ss(measured), ss(&vb));
    free(vb.s);
    switch (v) {
    case V_HOLDS:
        g_tally.holds++;
        break;
    case V_NOT:
        g_tally.nots++;
        break;
    case V_UNTESTABLE:
        g_tally.untestable++;
        break;
    default:
        g_tally.notrun++;
    }
}

static void notrun_row(FILE *md, const char *id, const char *stated, const src *s)
{
    str m = {0};
    sp(&m, "-");
    claim_row(md, id, stated, &m, V_NOTRUN, s->why);
    free(m.s);
}

static void table_head(FILE *md, const char *title, const char *intro)
{
    fprintf(md,
            "### %s\n\n%s\n\n| claim | figure stated | measured here (median, min-max, "
            "configuration) | verdict: reason |\n|---|---|---|---|\n",
            title, intro);
}

/* range rule: measured within [lo / 1.25, hi * 1.25] */
static int in_range(double v, double lo, double hi)
{
    return isfinite(v) && v >= lo / 1.25 && v <= hi * 1.25;
}

/* speedup of series `filter` at T (median ops/s at T / median at 1) */
static double speedup_at(const pmlab_table *t, const char *filter, double T, agg *at)
{
    char f1[256], fT[256];
    snprintf(f1, sizeof f1, "%s%sthreads=1", filter, *filter ? ";" : "");
    snprintf(fT, sizeof fT, "%s%sthreads=%g", filter, *filter ? ";" : "", T);
    agg a1 = agg_col(t, f1, "ops_per_sec"), aT = agg_col(t, fT, "ops_per_sec");
    if (at)
        *at = aT;
    if (!a1.n || !aT.n || !(a1.med > 0))
        return NAN;
    return aT.med / a1.med;
}

static double max_testable_threads(const pmlab_table *t, const char *filter, unsigned online)
{
    double th[64];
    size_t n = distinct_num(t, filter, "threads", th, 64);
    double best = 0;
    for (size_t i = 0; i < n; i++)
        if (th[i] <= online && th[i] > best)
            best = th[i];
    return best;
}

/* ---- claim groups -----------------------------------------------------------------------------
 */
/* One clone method's rows of the `clone` run, per map size. */
typedef struct {
    const char *name; /* "slot" / "heap" */
    const char *call; /* the API call it times */
    char filter[32];  /* row filter: "method=NAME", or "" for a run without the column */
    size_t ns;        /* sizes with data */
    double sizes[32];
    double mx, mn; /* largest / smallest per-size median ns/clone */
    int in;        /* every per-size median in 3.2-12.5 ns */
    agg la, na;    /* library / node allocations per clone */
    str text;      /* "1000 keys: 7.9 ns (..); ..." */
} clone_method;

static void clone_method_load(const pmlab_table *t, clone_method *c, const char *name,
                              const char *call, int has_col)
{
    memset(c, 0, sizeof *c);
    c->name = name;
    c->call = call;
    snprintf(c->filter, sizeof c->filter, has_col ? "method=%s" : "", name);
    c->ns = distinct_num(t, c->filter, "map_keys", c->sizes, 32);
    c->mx = -INFINITY;
    c->mn = INFINITY;
    c->in = 1;
    for (size_t i = 0; i < c->ns; i++) {
        char f[96];
        snprintf(f, sizeof f, "%s%smap_keys=%.0f", c->filter, *c->filter ? ";" : "", c->sizes[i]);
        agg a = agg_col(t, f, "ns_per_clone");
        sp(&c->text, "%s%.0f keys: ", i ? "; " : "", c->sizes[i]);
        fmt_agg(&c->text, a, " ns");
        if (a.n) {
            c->mx = fmax(c->mx, a.med);
            c->mn = fmin(c->mn, a.med);
            c->in &= in_range(a.med, 4, 10);
        }
    }
    c->la = agg_col(t, c->filter, "allocs_per_clone");
    c->na = agg_col(t, c->filter, "node_allocs_per_clone");
}

static void group_clone(FILE *md)
{
    src s, m;
    src_load(&s, "clone");
    src_load(&m, "clone-mt");
    table_head(md, "Clone cost (C005, C025, C026)",
               "`clone` times batches of 256 clones + `pm_map_free` per map size, per method: "
               "`slot` = `pm_map_clone_at` into caller storage (no allocation), `heap` = "
               "`pm_map_clone` (allocates the handle). The verdicts of C005 and C025 use the "
               "method that meets the design's \"zero allocations\" (slot) when the run has it; "
               "the other is reported beside it. `clone-mt` has T threads clone the same live "
               "version (one refcount line) or pin it in a read section instead.");
    if (!s.t) {
        notrun_row(md, "C005", "clone is O(1) in time and space", &s);
        notrun_row(md, "C025", "clone 5-10 ns (Arc) / 4-8 ns (slim)", &s);
    } else {
        /* a run made before the method parameter existed has heap rows only */
        int has_col = pmlab_table_has(s.t, "method");
        clone_method cm[2];
        clone_method_load(s.t, &cm[0], "slot", "pm_map_clone_at", has_col);
        clone_method_load(s.t, &cm[1], "heap", "pm_map_clone", has_col);
        if (!has_col)
            cm[0].ns = 0;
        /* the verdict method: the first with data and zero library allocations per clone,
         * else the first with data */
        int v = -1;
        for (int i = 0; i < 2 && v < 0; i++)
            if (cm[i].ns && cm[i].la.n && cm[i].la.hi == 0)
                v = i;
        for (int i = 0; i < 2 && v < 0; i++)
            if (cm[i].ns)
                v = i;
        if (v < 0)
            v = 1;
        const clone_method *cv = &cm[v], *co = &cm[1 - v];
        str m5 = {0}, m25 = {0};
        for (int k = 0; k < 2; k++) {
            const clone_method *c = k ? co : cv;
            if (!c->ns)
                continue;
            sp(&m5,
               "%s%s (`%s`): ns/clone %s; max/min of the medians %.3f; allocations per clone: "
               "max %.3g, of them nodes max %.3g",
               k ? "; beside it, " : "", c->name, c->call, ss(&c->text), c->mx / c->mn, c->la.hi,
               c->na.hi);
            sp(&m25, "%s%s (`%s`, allocations per clone %.3g): %s", k ? "; beside it, " : "",
               c->name, c->call, c->la.hi, ss(&c->text));
        }
        sp(&m5, "; 1 thread, `%s`", s.folder);
        const char *stated5 = "clone is O(1) in time and space (I2.1, I2.2)";
        if (cv->ns < 2 || cv->sizes[cv->ns - 1] < 100 * (cv->sizes[0] > 0 ? cv->sizes[0] : 1))
            claim_row(md, "C005", stated5, &m5, V_UNTESTABLE,
                      "needs map sizes spanning at least two decades");
        else {
            int ok = cv->mx / cv->mn <= 1.2 && cv->na.n && cv->na.hi == 0;
            char r[240];
            snprintf(r, sizeof r,
                     "rule, on %s: max/min of ns/clone across sizes <= 1.2 (here %.3f) and 0 "
                     "node allocations per clone (here max %.3g)",
                     cv->name, cv->mx / cv->mn, cv->na.hi);
            claim_row(md, "C005", stated5, &m5, ok ? V_HOLDS : V_NOT, r);
        }
        char r25[200];
        snprintf(r25, sizeof r25,
                 "rule, on %s: the median ns/clone at every size lies in 4-10 ns widened by "
                 "25 %% (3.2-12.5 ns)",
                 cv->name);
        claim_row(md, "C025", "clone costs 5-10 ns (Arc) / 4-8 ns (slim)", &m25,
                  cv->ns && cv->in ? V_HOLDS : V_NOT, r25);
        for (int i = 0; i < 2; i++)
            free(cm[i].text.s);
        free(m5.s);
        free(m25.s);
    }
    if (!m.t)
        notrun_row(md, "C026", "clones scale linearly with threads", &m);
    else {
        unsigned on = table_online(m.t);
        const char *be[8];
        size_t nb = distinct_str(m.t, "method=clone", "backend", be, 8);
        char f[128];
        snprintf(f, sizeof f, "method=clone;backend=%s", nb ? be[0] : "-");
        double T = max_testable_threads(m.t, f, on);
        str mm = {0};
        agg aT;
        double spd = T >= 2 ? speedup_at(m.t, f, T, &aT) : NAN;
        sp(&mm, "method=clone: speedup %.2fx at %g threads (clones/s ", spd, T);
        fmt_agg(&mm, aT, "");
        sp(&mm, ")");
        char fp[128];
        snprintf(fp, sizeof fp, "method=pin;backend=%s", nb ? be[0] : "-");
        double spp = T >= 2 ? speedup_at(m.t, fp, T, NULL) : NAN;
        if (isfinite(spp))
            sp(&mm, "; method=pin (read-section pin, %s): %.2fx", nb ? be[0] : "-", spp);
        sp(&mm, "; `%s`", m.folder);
        if (T < 2) {
            char r[120];
            snprintf(r, sizeof r, "needs 2 cores, machine has %u", on);
            claim_row(md, "C026", "clones scale linearly with threads (\"perfect\")", &mm,
                      V_UNTESTABLE, r);
        } else {
            char r[200];
            snprintf(r, sizeof r,
                     "rule: speedup at T = %g (the most threads not oversubscribed) >= 0.9 T; "
                     "here %.2f vs %.2f",
                     T, spd, 0.9 * T);
            claim_row(md, "C026", "clones scale linearly with threads (\"perfect\")", &mm,
                      spd >= 0.9 * T ? V_HOLDS : V_NOT, r);
        }
        free(mm.s);
    }
    fprintf(md, "\n");
    src_free(&s);
    src_free(&m);
}

/* stated scaling table: claim holds if, at every stated T <= online with data, each series'
 * speedup >= 0.9 x the stated figure */
static void scaling_claim(FILE *md, const char *id, const char *stated, const pmlab_table *t,
                          const char *const *series, size_t nseries, const char *key,
                          const double *Ts, const double *fig, size_t nT, const char *folder)
{
    unsigned on = table_online(t);
    str m = {0};
    int ok = 1, tested = 0;
    double need = 0;
    for (size_t k = 0; k < nT; k++) {
        if (Ts[k] <= 1)
            continue;
        if (Ts[k] > on) {
            need = fmax(need, Ts[k]);
            continue;
        }
        for (size_t i = 0; i < nseries; i++) {
            char f[128];
            snprintf(f, sizeof f, "%s=%s", key, series[i]);
            double spd = speedup_at(t, f, Ts[k], NULL);
            if (!isfinite(spd))
                continue;
            tested++;
            sp(&m, "%s%s %.2fx@%gT", m.len ? ", " : "", series[i], spd, Ts[k]);
            if (spd < 0.9 * fig[k])
                ok = 0;
        }
    }
    if (!tested)
        sp(&m, "no stated T <= %u online CPUs was measured", on);
    sp(&m, "; `%s`", folder);
    char r[300];
    if (!tested) {
        snprintf(r, sizeof r, "needs %g cores, machine has %u", need ? need : Ts[nT - 1], on);
        claim_row(md, id, stated, &m, V_UNTESTABLE, r);
    } else {
        int off = snprintf(r, sizeof r,
                           "rule: speedup >= 0.9 x the stated figure at every stated T <= %u "
                           "online CPUs",
                           on);
        if (need > 0)
            snprintf(r + off, sizeof r - (size_t)off,
                     "; larger T not testable here: needs %g cores, machine has %u", need, on);
        claim_row(md, id, stated, &m, ok ? V_HOLDS : V_NOT, r);
    }
    free(m.s);
}

static const char *const lockfree_be[] = {"urcu-qsbr", "urcu-memb", "epoch", "leaky"};

static void group_read(FILE *md)
{
    src s;
    src_load(&s, "read");
    table_head(md, "Read scaling, pattern A (C040-C042)",
               "`read`: point lookups on a live map nobody writes, one read section per lookup; "
               "speedup = median ops/s at T / median at 1 thread, efficiency = speedup / T. The "
               "claims' figures are read against the backends whose read side takes no lock "
               "(urcu-qsbr, urcu-memb, epoch, leaky).");
    if (!s.t) {
        notrun_row(md, "C040", "read speedup 1/2/4/8/16 T: 1.00/1.95/3.80/7.20/13.5x", &s);
        notrun_row(md, "C041", "32 threads: 24.1x", &s);
        notrun_row(md, "C042", "reads scale linearly until bandwidth / hardware threads saturate",
                   &s);
        fprintf(md, "\n");
        return;
    }
    const char *be[8];
    size_t nb = 0;
    for (size_t i = 0; i < 4; i++) {
        char f[64];
        snprintf(f, sizeof f, "backend=%s", lockfree_be[i]);
        if (agg_col(s.t, f, "ops_per_sec").n)
            be[nb++] = lockfree_be[i];
    }
    static const double T40[] = {1, 2, 4, 8, 16}, F40[] = {1.00, 1.95, 3.80, 7.20, 13.5};
    scaling_claim(md, "C040", "read speedup at 1/2/4/8/16 threads: 1.00/1.95/3.80/7.20/13.5x", s.t,
                  be, nb, "backend", T40, F40, 5, s.folder);
    static const double T41[] = {32}, F41[] = {24.1};
    scaling_claim(md, "C041", "32 threads reach 24.1x (efficiency 75 %)", s.t, be, nb, "backend",
                  T41, F41, 1, s.folder);
    unsigned on = table_online(s.t);
    str m = {0};
    int ok = 1, any = 0;
    for (size_t i = 0; i < nb; i++) {
        char f[64];
        snprintf(f, sizeof f, "backend=%s", be[i]);
        double spd = speedup_at(s.t, f, on, NULL);
        double sp2 = speedup_at(s.t, f, 2.0 * on, NULL);
        if (!isfinite(spd))
            continue;
        any = 1;
        sp(&m, "%s%s eff %.2f@%uT", m.len ? ", " : "", be[i], spd / on, on);
        if (spd / on < 0.8)
            ok = 0;
        if (isfinite(sp2)) {
            sp(&m, " (%.2fx@%uT*)", sp2, 2 * on);
            if (sp2 > 1.15 * spd)
                ok = 0;
        }
    }
    sp(&m, "; * oversubscribed; `%s`", s.folder);
    if (!any || on < 2) {
        char r[100];
        snprintf(r, sizeof r, "needs 2 cores, machine has %u", on);
        claim_row(md, "C042",
                  "reads scale linearly until memory bandwidth / hardware threads "
                  "saturate; no lock contention",
                  &m, V_UNTESTABLE, r);
    } else
        claim_row(md, "C042",
                  "reads scale linearly until memory bandwidth / hardware threads saturate; no "
                  "lock contention",
                  &m, ok ? V_HOLDS : V_NOT,
                  "rule: efficiency >= 0.8 at T = online CPUs for every lock-free backend, and "
                  "(where measured) no more than 15 % gain at 2x online (the knee is the core "
                  "count); the map-size-vs-LLC part is not varied here");
    free(m.s);
    fprintf(md, "\n");
    src_free(&s);
}

static void group_write(FILE *md)
{
    src s, b1, bn, al;
    src_load(&s, "write");
    src_load(&b1, "batch1");
    src_load(&bn, "batchN");
    src_load(&al, "alloc");
    table_head(md, "Write scaling per allocator (C051-C054) and batching (C063)",
               "`write`: T writers build prefix-disjoint partitions (one ZipperHead write zipper "
               "each), per allocator "
               "(`LD_PRELOAD`, verified in the child); speedup = median keys/s at T / at 1.");
    if (!s.t) {
        notrun_row(md, "C051", "jemalloc: 1.0/1.8/3.2/5.6x at 1/2/4/8 threads", &s);
        notrun_row(md, "C052", "glibc: 1.0/1.4/2.1/2.8x at 1/2/4/8 threads", &s);
        notrun_row(md, "C053", "jemalloc gives 2-3x better scaling (2.0x at 8 threads)", &s);
        notrun_row(md, "C054", "the allocator is the bottleneck beyond ~8 writers", &s);
    } else {
        static const double T[] = {1, 2, 4, 8};
        static const double FJ[] = {1.0, 1.8, 3.2, 5.6}, FG[] = {1.0, 1.4, 2.1, 2.8};
        const char *je[] = {"jemalloc"}, *gl[] = {"glibc"};
        scaling_claim(md, "C051",
                      "ZipperHead parallel insert, jemalloc: 1.0/1.8/3.2/5.6x at 1/2/4/8 T", s.t,
                      je, 1, "alloc", T, FJ, 4, s.folder);
        scaling_claim(md, "C052", "the same with glibc malloc: 1.0/1.4/2.1/2.8x", s.t, gl, 1,
                      "alloc", T, FG, 4, s.folder);
        unsigned on = table_online(s.t);
        double Tm = max_testable_threads(s.t, "alloc=glibc", on);
        double sj = speedup_at(s.t, "alloc=jemalloc", Tm, NULL),
               sg = speedup_at(s.t, "alloc=glibc", Tm, NULL);
        str m = {0};
        sp(&m,
           "speedup at %gT: jemalloc %.2fx, glibc %.2fx, ratio %.2f (the T08 tables imply "
           "%.2f at 2T); `%s`",
           Tm, sj, sg, sj / sg, 1.8 / 1.4, s.folder);
        double T8 = max_testable_threads(s.t, "alloc=glibc", on >= 8 ? 8 : on);
        if (on < 8 || T8 < 8) {
            char r[100];
            snprintf(r, sizeof r, "needs 8 cores, machine has %u", on);
            claim_row(md, "C053", "jemalloc gives 2-3x better scaling (tables: 2.0x at 8 threads)",
                      &m, V_UNTESTABLE, r);
        } else {
            double r8 = speedup_at(s.t, "alloc=jemalloc", 8, NULL) /
                        speedup_at(s.t, "alloc=glibc", 8, NULL);
            char r[160];
            snprintf(r, sizeof r,
                     "rule: speedup(jemalloc)/speedup(glibc) at 8 threads >= 2.0 x 0.9; "
                     "here %.2f",
                     r8);
            claim_row(md, "C053", "jemalloc gives 2-3x better scaling (tables: 2.0x at 8 threads)",
                      &m, r8 >= 1.8 ? V_HOLDS : V_NOT, r);
        }
        free(m.s);
        str m4 = {0};
        char fg[64], fj[64];
        snprintf(fg, sizeof fg, "alloc=glibc;threads=%g", Tm);
        snprintf(fj, sizeof fj, "alloc=jemalloc;threads=%g", Tm);
        sp(&m4, "allocation share of writer time at %gT: glibc ", Tm);
        fmt_agg(&m4, agg_col(s.t, fg, "alloc_stall_share"), "");
        sp(&m4, ", jemalloc ");
        fmt_agg(&m4, agg_col(s.t, fj, "alloc_stall_share"), "");
        sp(&m4, "; `%s`", s.folder);
        char r[100];
        snprintf(r, sizeof r, "needs 16 cores (writers beyond ~8), machine has %u", on);
        if (on >= 16) {
            double s8 = speedup_at(s.t, "alloc=jemalloc", 8, NULL),
                   s16 = speedup_at(s.t, "alloc=jemalloc", 16, NULL);
            claim_row(md, "C054", "the allocator becomes the bottleneck beyond ~8 writers", &m4,
                      isfinite(s16) && s16 < 1.5 * s8 ? V_HOLDS : V_NOT,
                      "rule: jemalloc speedup from 8 to 16 writers < 1.5x (a knee at ~8)");
        } else
            claim_row(md, "C054", "the allocator becomes the bottleneck beyond ~8 writers", &m4,
                      V_UNTESTABLE, r);
        free(m4.s);
    }
    if (!b1.t || !bn.t)
        notrun_row(md, "C063",
                   "batching N updates into one clone/commit cuts overhead O(N) -> O(1)",
                   b1.t ? &bn : &b1);
    else {
        agg a1 = agg_col(b1.t, "", "ns_per_insert"), an = agg_col(bn.t, "", "ns_per_insert");
        const char *bs = pmlab_table_get(bn.t, 0, "batch");
        str m = {0};
        sp(&m, "ns per key, one commit per key: ");
        fmt_agg(&m, a1, " ns");
        sp(&m, "; one commit per %s keys: ", bs);
        fmt_agg(&m, an, " ns");
        sp(&m, "; ratio %.2f; live-map transactions, 1 thread, `%s`, `%s`", a1.med / an.med,
           b1.folder, bn.folder);
        claim_row(md, "C063", "batching N updates into one clone/commit cuts overhead O(N) -> O(1)",
                  &m, a1.n && an.n && a1.med / an.med >= 2 ? V_HOLDS : V_NOT,
                  "rule: ns/key with one commit per key >= 2x ns/key with one commit per batch");
        free(m.s);
    }
    fprintf(md, "\n");
    src_free(&s);
    src_free(&b1);
    src_free(&bn);
    src_free(&al);
}

static void group_memory(FILE *md)
{
    src s;
    src_load(&s, "memory");
    table_head(md, "Memory per node and per path (C018-C021, C116, C124)",
               "`memory`: a map of the key set (clones = 0 rows), bytes from the core's own "
               "accounting (`pm_map_footprint`: whole nodes, header + entries + inline key "
               "bytes).");
    if (!s.t) {
        notrun_row(md, "C018", "Arc layout: 40 B/node", &s);
        notrun_row(md, "C019", "slim layout: 16 B/node", &s);
        notrun_row(md, "C020", "pointer packing 58+6 bits vs 45+19 bits", &s);
        notrun_row(md, "C021", "1M nodes: 40 MB (Arc) vs 16 MB (slim)", &s);
        notrun_row(md, "C116", "nodes ~ N.L / sharing factor (1.5-3 for natural language)", &s);
        notrun_row(md, "C124", "overhead ~20 B per node", &s);
        fprintf(md, "\n");
        return;
    }
    agg bpn = agg_col(s.t, "clones=0", "bytes_per_node"),
        bpk = agg_col(s.t, "clones=0", "bytes_per_key"),
        npk = agg_col(s.t, "clones=0", "nodes_per_key"), nk = agg_col(s.t, "clones=0", "nkeys"),
        kb = agg_col(s.t, "clones=0", "key_bytes");
    const char *keys = pmlab_table_get(s.t, 0, "keys");
    str base = {0};
    sp(&base, "%.0f keys of `%s` (mean %.1f B/key): %.1f B/node, %.1f B/key, %.3f nodes/key; `%s`",
       nk.med, keys, kb.med / nk.med, bpn.med, bpk.med, npk.med, s.folder);
    claim_row(md, "C018", "Arc layout: 16-B pointer + 24-B metadata = 40 B/node", &base,
              V_UNTESTABLE,
              "this testbed builds one node layout (8-B tagged links, 4-B refcount in the node); "
              "no Arc (RC-fat) layout exists to measure");
    int ok19 = bpn.n && bpn.med <= 16 * 1.25;
    char r[300];
    snprintf(r, sizeof r,
             "rule: measured bytes per node <= 16 B x 1.25; here %.1f B: a node also stores its "
             "entries and key bytes, which the figure leaves out",
             bpn.med);
    claim_row(md, "C019", "slim layout: 8-B pointer + 8-B header = 16 B/node", &base,
              ok19 ? V_HOLDS : V_NOT, r);
    claim_row(md, "C020", "pointer packing: 58-bit pointer + 6-bit tag, and 45 + 19 bits", &base,
              V_UNTESTABLE,
              "a statement about bit budgets that no measurement decides (links here are 8-B "
              "tagged pointers)");
    str m21 = {0};
    sp(&m21, "%.1f MB per million nodes; %s", bpn.med, ss(&base));
    snprintf(r, sizeof r, "rule: MB per million nodes <= 16 x 1.25 (slim figure); here %.1f MB",
             bpn.med);
    claim_row(md, "C021", "1M nodes: 40 MB (Arc) vs 16 MB (slim)", &m21,
              bpn.n && bpn.med <= 20 ? V_HOLDS : V_NOT, r);
    free(m21.s);
    double L = kb.med / nk.med;
    double lo = L / 3, hi = L / 1.5;
    snprintf(r, sizeof r,
             "rule: nodes/key within L/3..L/1.5 (sharing factor 3..1.5, L = %.1f B) widened by "
             "25 %%, i.e. %.2f-%.2f; here %.3f (path compression stores many key bytes per node)",
             L, lo / 1.25, hi * 1.25, npk.med);
    claim_row(md, "C116", "node count ~ N.L / sharing factor; 1.5-3 for natural-language keys",
              &base, in_range(npk.med, lo, hi) ? V_HOLDS : V_NOT, r);
    snprintf(r, sizeof r, "rule: measured bytes per node <= 20 B x 1.25; here %.1f B", bpn.med);
    claim_row(md, "C124", "overhead per node ~ 4-B refcount + ~16-B metadata = 20 B", &base,
              bpn.n && bpn.med <= 25 ? V_HOLDS : V_NOT, r);
    free(base.s);
    fprintf(md, "\n");

    table_head(md, "Structural sharing (C059, C121, C126)",
               "`memory`: K clones of the base each overwrite f % of the keys (random keys, "
               "path copies); sharing factor = live bytes of base + K clones / bytes of the base "
               "(deep copies: K + 1).");
    double Ks[16];
    size_t nK = distinct_num(s.t, "", "clones", Ks, 16);
    double Kmax = nK ? Ks[nK - 1] : 0;
    char f[64];
    snprintf(f, sizeof f, "clones=%g", Kmax >= 10 ? 10.0 : Kmax);
    agg sf10 = agg_col(s.t, f, "sharing_factor");
    const char *pct = pmlab_table_get(s.t, 0, "modified_pct");
    str m59 = {0};
    sp(&m59, "K=%s, f=%s %%: sharing factor ", f + 7, pct);
    fmt_agg(&m59, sf10, "");
    sp(&m59, " (deep copies: %.0f); `%s`", (Kmax >= 10 ? 10.0 : Kmax) + 1, s.folder);
    if (Kmax < 10)
        claim_row(md, "C059", "10 clones x 1 % modified need 1.1x the base (1.1M vs 10M nodes)",
                  &m59, V_UNTESTABLE, "needs a run with K >= 10 clones");
    else {
        snprintf(r, sizeof r,
                 "rule: sharing factor at K = 10 <= 1.1 x 1.1; here %.3f "
                 "(path copying also copies each modified key's ancestors)",
                 sf10.med);
        claim_row(md, "C059", "10 clones x 1 % modified need 1.1x the base (1.1M vs 10M nodes)",
                  &m59, sf10.n && sf10.med <= 1.21 ? V_HOLDS : V_NOT, r);
    }
    free(m59.s);
    agg s1 = agg_col(s.t, "clones=1", "sharing_factor");
    str m121 = {0};
    sp(&m121, "extra bytes over the base: K=1 %.3f, K=%g %.3f (x base); `%s`", s1.med - 1,
       Kmax >= 10 ? 10.0 : Kmax, sf10.med - 1, s.folder);
    if (!s1.n || Kmax < 2)
        claim_row(md, "C121", "space for m instances x k mutations: O(n + mk) vs O(mn) deep", &m121,
                  V_UNTESTABLE, "needs runs with K = 1 and K >= 2 clones");
    else {
        double K = Kmax >= 10 ? 10.0 : Kmax;
        double growth = (sf10.med - 1) / (s1.med - 1);
        snprintf(r, sizeof r,
                 "rule: extra(K)/extra(1) within K/2..2K (linear in m.k, here %.2f for K = %g) "
                 "and sharing factor <= (K + 1)/2 (far below deep copies)",
                 growth, K);
        int ok = growth >= K / 2 && growth <= 2 * K && sf10.med <= (K + 1) / 2;
        claim_row(md, "C121", "space for m instances x k mutations: O(n + mk) vs O(mn) deep", &m121,
                  ok ? V_HOLDS : V_NOT, r);
    }
    free(m121.s);
    if (!pmlab_table_has(s.t, "root_insert_nodes"))
        claim_row(md, "C126", "inserting a root-level key into a clone copies only the root",
                  &(str){0}, V_UNTESTABLE, "the memory rows lack root_insert_nodes");
    else {
        agg rn = agg_col(s.t, "clones=0", "root_insert_nodes"),
            dn = agg_col(s.t, "clones=0", "deep_write_nodes"),
            dl = agg_col(s.t, "clones=0", "deep_write_key_len");
        str m = {0};
        sp(&m,
           "nodes allocated in a fresh clone: new root-level key %.0f; overwrite of the "
           "longest key (%.0f B) %.0f; `%s`",
           rn.med, dl.med, dn.med, s.folder);
        snprintf(r, sizeof r,
                 "rule: a new root-level key allocates <= 2 nodes (the root copy and at most one "
                 "node for the key); here %.0f (deeper keys copy their path: %.0f nodes)",
                 rn.med, dn.med);
        claim_row(md, "C126", "inserting a root-level key into a clone copies only the root", &m,
                  rn.n && rn.med <= 2 ? V_HOLDS : V_NOT, r);
        free(m.s);
    }
    fprintf(md, "\n");
    src_free(&s);
}

static void group_atomics(FILE *md)
{
    src s;
    src_load(&s, "atomics");
    table_head(md, "Atomic costs (C030, C031)",
               "`atomics`: C11 atomics with the order as a compile-time constant, one thread on "
               "its own cache line (`placement=own`, threads = 1); ns per operation.");
    if (!s.t) {
        notrun_row(md, "C030", "Relaxed ~1 cycle, Acq/Rel 5-10, SeqCst 20-50 cycles", &s);
        notrun_row(md, "C031",
                   "fetch_add(Relaxed) 2-5 ns, fetch_sub(Release) 2-5 ns, "
                   "load(Acquire) 5-10 ns",
                   &s);
        fprintf(md, "\n");
        return;
    }
    agg fr = agg_col(s.t, "op=fetch_add;order=relaxed;placement=own;threads=1", "ns_per_op"),
        fa = agg_col(s.t, "op=fetch_add;order=acq_rel;placement=own;threads=1", "ns_per_op"),
        fs = agg_col(s.t, "op=fetch_add;order=seq_cst;placement=own;threads=1", "ns_per_op"),
        sr = agg_col(s.t, "op=fetch_sub;order=release;placement=own;threads=1", "ns_per_op"),
        la = agg_col(s.t, "op=load;order=acquire;placement=own;threads=1", "ns_per_op"),
        lr = agg_col(s.t, "op=load;order=relaxed;placement=own;threads=1", "ns_per_op"),
        sh = agg_col(s.t, "op=fetch_add;order=relaxed;placement=shared;threads=2", "ns_per_op");
    str m = {0};
    sp(&m, "fetch_add relaxed ");
    fmt_agg(&m, fr, " ns");
    sp(&m, ", acq_rel ");
    fmt_agg(&m, fa, " ns");
    sp(&m, ", seq_cst ");
    fmt_agg(&m, fs, " ns");
    sp(&m, "; load relaxed ");
    fmt_agg(&m, lr, " ns");
    sp(&m, ", acquire ");
    fmt_agg(&m, la, " ns");
    if (sh.n)
        sp(&m, "; fetch_add on one shared line at 2T: %.3g ns", sh.med);
    sp(&m, "; `%s`", s.folder);
    char r[300];
    double ratio = fs.med / fr.med;
    snprintf(r, sizeof r,
             "rule: the claim implies seq_cst RMW >= 20x relaxed; it holds if fetch_add seq_cst "
             ">= 2x relaxed (lenient); here %.2fx",
             ratio);
    claim_row(md, "C030",
              "Relaxed ~1 cycle, Release/Acquire 5-10, SeqCst 20-50 cycles; "
              "Rel/Acq saves 10-40 cycles over SeqCst",
              &m, fr.n && fs.n && ratio >= 2 ? V_HOLDS : V_NOT, r);
    int ok = in_range(fr.med, 2, 5) && in_range(sr.med, 2, 5) && in_range(la.med, 5, 10);
    str m31 = {0};
    sp(&m31, "fetch_add relaxed %.3g ns, fetch_sub release %.3g ns, load acquire %.3g ns; `%s`",
       fr.med, sr.med, la.med, s.folder);
    claim_row(md, "C031",
              "fetch_add(Relaxed) 2-5 ns, fetch_sub(Release) 2-5 ns, load(Acquire) "
              "5-10 ns",
              &m31, ok ? V_HOLDS : V_NOT,
              "rule: each figure within its stated range widened by 25 % (an acquire load on "
              "x86-64 is a plain load)");
    free(m.s);
    free(m31.s);
    fprintf(md, "\n");
    src_free(&s);
}

static double ns_per_op(agg a)
{
    return a.n && a.med > 0 ? 1e9 / a.med : NAN;
}

static void group_compare(FILE *md)
{
    src p, rd, hy;
    src_load(&p, "peers");
    src_load(&rd, "read");
    src_load(&hy, "hybrid");
    table_head(md, "Comparison with an rwlock-guarded map (C010, C146, C080-C082)",
               "`peers`: the same words keys on pathmap (readers share one immutable map) and "
               "the other structures; `ghash-rwlock` is the RwLock<HashMap> stand-in. `read` "
               "with backend rwlock and `hybrid` (1 writer) give the trie behind an rwlock.");
    /* C010 from hybrid */
    if (!hy.t)
        notrun_row(md, "C010", "RwLock-guarded map: heavy contention; writers block readers", &hy);
    else {
        agg rw = agg_col(hy.t, "backend=rwlock", "ops_per_sec"),
            rwp = agg_col(hy.t, "backend=rwlock", "query_p99_ns");
        agg ot = agg_col(hy.t, "backend=urcu-memb", "ops_per_sec"),
            otp = agg_col(hy.t, "backend=urcu-memb", "query_p99_ns");
        str m = {0};
        sp(&m, "hybrid (R readers + 1 writer): reads/s rwlock ");
        fmt_agg(&m, rw, "");
        sp(&m, " vs urcu-memb ");
        fmt_agg(&m, ot, "");
        sp(&m, "; read p99 %.3g vs %.3g ns; `%s`", rwp.med, otp.med, hy.folder);
        if (!rw.n || !ot.n)
            claim_row(md, "C010", "RwLock-guarded map: heavy contention; writers block readers", &m,
                      V_UNTESTABLE, "needs hybrid rows for rwlock and urcu-memb");
        else {
            int ok = rw.med <= 0.5 * ot.med && rwp.med >= 2 * otp.med;
            claim_row(md, "C010", "RwLock-guarded map: heavy contention; writers block readers", &m,
                      ok ? V_HOLDS : V_NOT,
                      "rule: with a writer, rwlock read throughput <= 0.5x urcu-memb's and its "
                      "read p99 >= 2x");
        }
        free(m.s);
    }
    /* C146 from read */
    if (!rd.t)
        notrun_row(md, "C146", "an RwLock around the map: no contention between readers", &rd);
    else {
        unsigned on = table_online(rd.t);
        double T = max_testable_threads(rd.t, "backend=rwlock", on);
        double sr = T >= 2 ? speedup_at(rd.t, "backend=rwlock", T, NULL) : NAN;
        double sl = T >= 2 ? speedup_at(rd.t, "backend=leaky", T, NULL) : NAN;
        str m = {0};
        sp(&m, "read-only lookups, efficiency at %gT: rwlock %.2f, leaky (no read side) %.2f", T,
           sr / T, sl / T);
        if (p.t) {
            double sg = speedup_at(p.t, "structure=ghash-rwlock;op=lookup", T, NULL),
                   sc = speedup_at(p.t, "structure=ck_hs;op=lookup", T, NULL);
            if (isfinite(sg))
                sp(&m, "; peers: ghash-rwlock %.2f, ck_hs %.2f", sg / T, sc / T);
        }
        sp(&m, "; `%s`", rd.folder);
        if (T < 2) {
            char r[100];
            snprintf(r, sizeof r, "needs 2 cores, machine has %u", on);
            claim_row(md, "C146", "an RwLock around the map: no contention between readers", &m,
                      V_UNTESTABLE, r);
        } else
            claim_row(md, "C146", "an RwLock around the map: no contention between readers", &m,
                      sr >= 0.9 * sl ? V_HOLDS : V_NOT,
                      "rule: rwlock read speedup >= 0.9x leaky's at the same T (read-locking "
                      "writes a shared counter line)");
        free(m.s);
    }
    if (!p.t) {
        notrun_row(md, "C080", "read latency: RwLock<HashMap> 50-100 ns vs PathMap 5-10 ns", &p);
        notrun_row(md, "C081", "write latency: RwLock 100-200 ns vs COW 50-100 ns", &p);
        notrun_row(md, "C082", "PathMap 5-10x faster for reads, similar for writes", &p);
    } else {
        double gl = ns_per_op(
                   agg_col(p.t, "structure=ghash-rwlock;op=lookup;threads=1", "ops_per_sec")),
               pl = ns_per_op(agg_col(p.t, "structure=pathmap;op=lookup;threads=1", "ops_per_sec")),
               gi = ns_per_op(
                   agg_col(p.t, "structure=ghash-rwlock;op=insert;threads=1", "ops_per_sec")),
               pi = ns_per_op(agg_col(p.t, "structure=pathmap;op=insert;threads=1", "ops_per_sec"));
        str m = {0};
        sp(&m, "1 thread, ns per lookup: ghash-rwlock %.0f, pathmap %.0f; `%s`", gl, pl, p.folder);
        claim_row(md, "C080", "read latency: RwLock<HashMap> 50-100 ns vs PathMap 5-10 ns", &m,
                  in_range(gl, 50, 100) && in_range(pl, 5, 10) ? V_HOLDS : V_NOT,
                  "rule: both figures within their stated ranges widened by 25 %");
        free(m.s);
        str m2 = {0};
        sp(&m2,
           "1 thread, ns per insert (build from empty): ghash-rwlock %.0f, pathmap %.0f; "
           "`%s`",
           gi, pi, p.folder);
        claim_row(md, "C081", "write latency: RwLock 100-200 ns vs COW 50-100 ns", &m2,
                  in_range(gi, 100, 200) && in_range(pi, 50, 100) ? V_HOLDS : V_NOT,
                  "rule: both figures within their stated ranges widened by 25 %");
        free(m2.s);
        str m3 = {0};
        sp(&m3, "read speed ratio (rwlock ns / pathmap ns) %.2f, write ratio %.2f; `%s`", gl / pl,
           gi / pi, p.folder);
        claim_row(md, "C082", "PathMap is 5-10x faster for reads and similar for writes", &m3,
                  in_range(gl / pl, 5, 10) && gi / pi >= 0.5 && gi / pi <= 2 ? V_HOLDS : V_NOT,
                  "rule: read ratio within 5-10 widened by 25 % and write ratio within 0.5-2");
        free(m3.s);
    }
    fprintf(md, "\n");
    /* the comparison table of the analysis (T08 §6.1) with every structure measured */
    if (p.t) {
        unsigned on = table_online(p.t);
        const char *st[16];
        size_t n = distinct_str(p.t, "", "structure", st, 16);
        fprintf(md,
                "**Comparison table (T08 §6.1, measured)** — `%s`, keys `%s`, allocator glibc; "
                "ns/op at 1 thread = 1e9 / median ops/s; Mops/s at %u threads (online CPUs); "
                "bytes/key = heap delta of one build (%s).\n\n"
                "| structure | lookup ns/op (1T) | lookup Mops/s (%uT) | insert ns/key (1T) | "
                "insert Mkeys/s (%uT) | bytes/key |\n|---|---|---|---|---|---|\n",
                p.folder, pmlab_table_get(p.t, 0, "keys"), on,
                pmlab_table_get(p.t, 0, "mem_source"), on, on);
        for (size_t i = 0; i < n; i++) {
            char f[128];
            snprintf(f, sizeof f, "structure=%s;op=lookup;threads=1", st[i]);
            double l1 = ns_per_op(agg_col(p.t, f, "ops_per_sec"));
            snprintf(f, sizeof f, "structure=%s;op=lookup;threads=%u", st[i], on);
            agg lT = agg_col(p.t, f, "ops_per_sec");
            snprintf(f, sizeof f, "structure=%s;op=insert;threads=1", st[i]);
            double i1 = ns_per_op(agg_col(p.t, f, "ops_per_sec"));
            snprintf(f, sizeof f, "structure=%s;op=insert;threads=%u", st[i], on);
            agg iT = agg_col(p.t, f, "ops_per_sec");
            snprintf(f, sizeof f, "structure=%s;op=insert;threads=1", st[i]);
            agg bk = agg_col(p.t, f, "bytes_per_key");
            fprintf(md, "| %s | %.0f | %.3g | %.0f | %.3g | %.1f |\n", st[i], l1, lT.med / 1e6, i1,
                    iT.med / 1e6, bk.med);
        }
        fprintf(md, "| RwLock<HashMap> (stated) | 50-100 | - | 100-200 | - | - |\n"
                    "| PathMap (stated) | 5-10 | - | 50-100 | - | - |\n\n");
    }
    src_free(&p);
    src_free(&rd);
    src_free(&hy);
}

static void group_merge(FILE *md)
{
    src s;
    src_load(&s, "merge");
    table_head(md, "Merge and tree-reduce (C060-C062)",
               "`merge` (pattern B): K clones add delta keys each; sequential fold-join vs "
               "parallel tree-reduce (columns `method` = sequential|tree, `merge_ms`).");
    const char *ids[] = {"C060", "C061", "C062"};
    const char *stated[] = {"merge cost O(N x K) for K maps of size N",
                            "parallel tree-reduce turns merge time O(N) into O(log N)",
                            "the compute phase needs no synchronization and scales linearly"};
    if (!s.t) {
        for (int i = 0; i < 3; i++)
            notrun_row(md, ids[i], stated[i], &s);
    } else if (!pmlab_table_has(s.t, "method") || !pmlab_table_has(s.t, "merge_ms")) {
        str m = {0};
        sp(&m, "`%s`", s.folder);
        for (int i = 0; i < 3; i++)
            claim_row(md, ids[i], stated[i], &m, V_UNTESTABLE,
                      "the merge rows lack the columns method and merge_ms that the rule reads");
        free(m.s);
    } else {
        agg sq = agg_col(s.t, "method=sequential", "merge_ms"),
            tr = agg_col(s.t, "method=tree", "merge_ms");
        unsigned on = table_online(s.t);
        str m = {0};
        sp(&m, "merge wall ms: sequential ");
        fmt_agg(&m, sq, "");
        sp(&m, ", tree ");
        fmt_agg(&m, tr, "");
        if (pmlab_table_has(s.t, "merge_work_ms")) {
            agg sw = agg_col(s.t, "method=sequential", "merge_work_ms"),
                tw = agg_col(s.t, "method=tree", "merge_work_ms");
            sp(&m, "; work (CPU ms summed over joins): sequential ");
            fmt_agg(&m, sw, "");
            sp(&m, ", tree ");
            fmt_agg(&m, tw, "");
        }
        sp(&m, "; `%s`", s.folder);
        claim_row(md, "C060", stated[0], &m, V_UNTESTABLE,
                  "an upper bound; the rule needs merge_ms across N and K (not in this run)");
        char r[200];
        snprintf(r, sizeof r,
                 "rule: tree-reduce wall time <= sequential / 2 (total work is unchanged, only "
                 "the critical path can shrink; %u cores)",
                 on);
        claim_row(md, "C061", stated[1], &m,
                  sq.n && tr.n ? (tr.med <= sq.med / 2 ? V_HOLDS : V_NOT) : V_UNTESTABLE,
                  sq.n && tr.n ? r : "needs rows of both methods");
        claim_row(md, "C062", stated[2], &m, V_UNTESTABLE,
                  "the rule needs a compute-phase speedup column (not in this run)");
        free(m.s);
    }
    fprintf(md, "\n");
    src_free(&s);
}

/* The `cases` column of the live=0 matrix row: "name=Ok;name=Err;..." -> the outcome of name. */
static const char *zh_case(const pmlab_table *t, const char *name, char *out, size_t outlen)
{
    snprintf(out, outlen, "-");
    for (size_t r = 0; r < pmlab_table_nrows(t); r++) {
        if (!row_match(t, r, "kind=matrix;live=0"))
            continue;
        const char *c = pmlab_table_get(t, r, "cases");
        size_t nl = strlen(name);
        for (const char *p = c; p && *p; p = strchr(p, ';') ? strchr(p, ';') + 1 : NULL) {
            if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
                size_t k = strcspn(p + nl + 1, ";");
                snprintf(out, outlen, "%.*s", (int)k, p + nl + 1);
                return out;
            }
        }
    }
    return out;
}

/* ns per creation of `kind` at the smallest and the largest live count measured */
static void zh_cost(const pmlab_table *t, const char *kind, double *at0, double *atmax,
                    double *maxlive)
{
    *at0 = *atmax = NAN;
    *maxlive = -1;
    for (size_t r = 0; r < pmlab_table_nrows(t); r++) {
        char f[64];
        snprintf(f, sizeof f, "kind=%s", kind);
        if (!row_match(t, r, f))
            continue;
        double live = atof(pmlab_table_get(t, r, "live"));
        double ns = atof(pmlab_table_get(t, r, "ns_per_create"));
        if (live == 0)
            *at0 = ns;
        if (live > *maxlive) {
            *maxlive = live;
            *atmax = ns;
        }
    }
}

static void zh_claim(FILE *md, int i, const char *id, const char *stated, const pmlab_table *t,
                     str *m)
{
    char a[32], b[32];
    if (i == 0) {
        claim_row(md, id, stated, m, V_UNTESTABLE,
                  "a crossover between patterns B and C needs a pattern-comparison experiment "
                  "(batch sweep of clone-modify-swap vs ZipperHead), which this testbed does not "
                  "run yet");
    } else if (i == 1 && pmlab_table_has(t, "oracle_mismatches")) {
        agg x = agg_col(t, "", "oracle_mismatches");
        sp(m, "; oracle mismatches: max %.0f; a/b then a: %s; a/b/c vs a/b: %s; a/b vs c/d: %s",
           x.hi, zh_case(t, "ab_then_a", a, sizeof a), zh_case(t, "abc_ab", b, sizeof b),
           zh_case(t, "ab_cd", (char[32]){0}, 32));
        claim_row(md, id, stated, m, x.n && x.hi == 0 ? V_HOLDS : V_NOT,
                  "rule: 0 mismatches between ZipperHead and the brute-force prefix oracle");
    } else if (i == 2 && pmlab_table_has(t, "partition_first_err")) {
        agg x = agg_col(t, "kind=matrix;live=0", "partition_first_err");
        agg y = agg_col(t, "kind=matrix;live=0", "slash_first_err");
        sp(m,
           "; writers partition_0, partition_1, ...: first refused at %.0f; with "
           "partition_<i>/: %s",
           x.med, y.med < 0 ? "none refused" : "refused");
        claim_row(md, id, stated, m, x.n ? (x.med < 0 ? V_HOLDS : V_NOT) : V_UNTESTABLE,
                  "rule: holds if no writer partition_<i> is refused (here partition_1 is a "
                  "byte-prefix of partition_10)");
    } else if (i == 3 && pmlab_table_has(t, "cases")) {
        zh_case(t, "root_reader_writer", a, sizeof a);
        zh_case(t, "writer_root_reader", b, sizeof b);
        sp(m, "; reader at the root then a writer: %s; writer then a root reader: %s", a, b);
        claim_row(md, id, stated, m,
                  strcmp(a, "-") == 0
                      ? V_UNTESTABLE
                      : (strcmp(a, "Ok") == 0 && strcmp(b, "Ok") == 0 ? V_HOLDS : V_NOT),
                  "rule: holds if both orders are granted (ZipperHead refuses a writer whose path "
                  "overlaps a live reader's, as the original's tracker does)");
    } else if (i == 4 && pmlab_table_has(t, "cases")) {
        zh_case(t, "reader_reader", a, sizeof a);
        zh_case(t, "root_reader_reader", b, sizeof b);
        sp(m, "; two readers on one path: %s; a root reader and another reader: %s", a, b);
        claim_row(md, id, stated, m,
                  strcmp(a, "-") == 0
                      ? V_UNTESTABLE
                      : (strcmp(a, "Ok") == 0 && strcmp(b, "Ok") == 0 ? V_HOLDS : V_NOT),
                  "rule: holds if overlapping readers are both granted");
    } else if (i == 5 && pmlab_table_has(t, "ns_per_create")) {
        double c0, cmax, lmax, u0, umax, ulmax;
        zh_cost(t, "write", &c0, &cmax, &lmax);
        zh_cost(t, "unchecked", &u0, &umax, &ulmax);
        sp(m,
           "; ns per write-zipper creation: %.0f with 0 live, %.0f with %.0f live; unchecked "
           "(pm_wz_new, no head): %.0f and %.0f",
           c0, cmax, lmax, u0, umax);
        agg mm = agg_col(t, "", "oracle_mismatches");
        sp(m, "; oracle mismatches: %.0f", mm.n ? mm.hi : NAN);
        bool ok = c0 > 0 && u0 > 0 && mm.n && mm.hi == 0 && umax <= cmax && ulmax == lmax;
        claim_row(md, id, stated, m,
                  isnan(c0) || isnan(u0) || !mm.n ? V_UNTESTABLE
                  : ok                            ? V_HOLDS
                                                  : V_NOT,
                  "rule: holds if the checked API's answers agree with the brute-force oracle "
                  "over every live zipper (0 mismatches) and unchecked creation costs no more "
                  "than checked at the largest live count (it skips the check). How the check "
                  "scales is reported, not judged: this registry is O(path), not a scan");
    } else {
        claim_row(md, id, stated, m, V_UNTESTABLE,
                  "the zipperhead rows lack the column this rule reads (docs/report.md)");
    }
}

static void group_zipperhead(FILE *md)
{
    src s;
    src_load(&s, "zipperhead");
    table_head(md, "ZipperHead conflict rules (C065-C070)",
               "`zipperhead`: conflict matrix of write/read zipper requests against a "
               "brute-force prefix oracle, and acquisition cost vs live zippers.");
    const char *ids[] = {"C065", "C066", "C067", "C068", "C069", "C070"};
    const char *stated[] = {
        "small batches -> clone-modify-swap (B); large -> ZipperHead (C)",
        "two write paths overlap iff one is a byte-prefix of the other; overlap -> error",
        "partition_{id} naming gives exclusive paths",
        "a root reader can coexist with writers at updates_i/",
        "readers may overlap each other",
        "checked creation checks every outstanding zipper; unchecked skips it"};
    for (int i = 0; i < 6; i++) {
        if (!s.t) {
            notrun_row(md, ids[i], stated[i], &s);
            continue;
        }
        str m = {0};
        sp(&m, "`%s`", s.folder);
        zh_claim(md, i, ids[i], stated[i], s.t, &m);
        free(m.s);
    }
    fprintf(md, "\n");
    src_free(&s);
}

static void group_alerts(FILE *md)
{
    src c, w, rd, hy, al;
    src_load(&c, "clone");
    src_load(&w, "write");
    src_load(&rd, "read");
    src_load(&hy, "hybrid");
    src_load(&al, "alloc");
    src mg;
    src_load(&mg, "merge");
    table_head(md, "Alert thresholds as claims (C178-C182)",
               "The alert rules of docs/harness.md evaluated on this suite's rows (alerts.json "
               "of each run and of the suite).");
    /* C178 */
    {
        const src *ss_[] = {&w, &al};
        agg best = {NAN, NAN, NAN, 0};
        for (int i = 0; i < 2; i++)
            if (ss_[i]->t) {
                agg a = agg_col(ss_[i]->t, "", "alloc_stall_share");
                if (a.n && (!best.n || a.hi > best.hi))
                    best = a;
            }
        str m = {0};
        if (best.n)
            sp(&m,
               "A4 was evaluated on alloc_stall_share (writer time inside allocation "
               "calls), max %.3g; none of the six metrics measures the allocator",
               best.hi);
        else
            sp(&m, "no row reported alloc_stall_share");
        if (best.n)
            claim_row(md, "C178",
                      "six metrics (query latency, throughput, update latency, clone count, merge "
                      "latency, map bytes) suffice to monitor a KB",
                      &m, V_NOT,
                      "rule: does not hold if an alert of A1-A4 could only be evaluated on a "
                      "metric outside the six (here A4)");
        else
            claim_row(md, "C178",
                      "six metrics (query latency, throughput, update latency, clone count, merge "
                      "latency, map bytes) suffice to monitor a KB",
                      &m, V_UNTESTABLE, "no writer rows with the allocator metric");
        free(m.s);
    }
    /* C179 */
    {
        double mx = -1;
        const char *where = "";
        const src *ss_[] = {&rd, &hy};
        for (int i = 0; i < 2; i++)
            if (ss_[i]->t) {
                agg a = agg_col(ss_[i]->t, "", "query_p99_ns");
                if (a.n && a.hi > mx) {
                    mx = a.hi;
                    where = ss_[i]->folder;
                }
            }
        str m = {0};
        if (mx < 0) {
            sp(&m, "-");
            claim_row(md, "C179",
                      "A1: query p99 > 100 ms means the map is too big / needs an index", &m,
                      V_UNTESTABLE, "no query latency rows");
        } else {
            sp(&m, "worst query p99 over the read and hybrid rows: %.3g ms (`%s`)", mx / 1e6,
               where);
            claim_row(md, "C179",
                      "A1: query p99 > 100 ms means the map is too big / needs an index", &m,
                      mx / 1e6 < 100 ? V_HOLDS : V_NOT,
                      "rule (as a guard): A1 stays silent on healthy point-lookup workloads (worst "
                      "p99 < 100 ms); the map size at which it would fire is not reached here");
        }
        free(m.s);
    }
    /* C180 */
    if (!c.t)
        notrun_row(md, "C180", "A2: clone rate > 1000/s means updates should be batched", &c);
    else {
        /* pm_map_clone (method heap; a run without the method column has only those rows) */
        const char *hf = pmlab_table_has(c.t, "method") ? "method=heap" : "";
        agg ac = agg_col(c.t, hf, "ns_per_clone"), ad = agg_col(c.t, hf, "ns_per_drop");
        double ns = ac.med + ad.med;
        double share = 1000.0 * ns / 1e9;
        str m = {0};
        sp(&m,
           "clone + drop %.3g ns (`pm_map_clone`): 1000 clones/s cost %.2g %% of one CPU; "
           "clones reach 5 %% of a CPU at %.3g clones/s; `%s`",
           ns, share * 100, 0.05e9 / ns, c.folder);
        claim_row(md, "C180", "A2: clone rate > 1000/s means updates should be batched", &m,
                  share >= 0.01 ? V_HOLDS : V_NOT,
                  "rule: holds if 1000 clones/s (clone + drop) cost >= 1 % of one CPU, i.e. the "
                  "threshold sits where clones start to matter");
        free(m.s);
    }
    /* C181 */
    if (!mg.t)
        notrun_row(md, "C181", "A3: merge latency > 1 s -> use a parallel tree-reduce", &mg);
    else {
        agg a = agg_col(mg.t, "", "merge_max_ns");
        str m = {0};
        sp(&m, "worst merge %.3g ms; `%s`", a.hi / 1e6, mg.folder);
        claim_row(md, "C181", "A3: merge latency > 1 s -> use a parallel tree-reduce", &m,
                  V_UNTESTABLE,
                  "needs merges taking > 1 s and idle cores (rule in docs/report.md)");
        free(m.s);
    }
    /* C182 */
    if (!w.t)
        notrun_row(md, "C182", "A4: allocator stalls -> enable jemalloc", &w);
    else {
        unsigned on = table_online(w.t);
        double T = max_testable_threads(w.t, "alloc=glibc", on);
        char fg[64], fj[64];
        snprintf(fg, sizeof fg, "alloc=glibc;threads=%g", T);
        snprintf(fj, sizeof fj, "alloc=jemalloc;threads=%g", T);
        agg g = agg_col(w.t, fg, "ops_per_sec"), j = agg_col(w.t, fj, "ops_per_sec");
        agg gs = agg_col(w.t, fg, "alloc_stall_share"), js = agg_col(w.t, fj, "alloc_stall_share");
        str m = {0};
        sp(&m,
           "write at %gT: jemalloc/glibc throughput %.2f; allocation share glibc %.3g, "
           "jemalloc %.3g; `%s`",
           T, j.med / g.med, gs.med, js.med, w.folder);
        if (!g.n || !j.n)
            claim_row(md, "C182", "A4: allocator stalls -> enable jemalloc", &m, V_UNTESTABLE,
                      "needs write rows under glibc and jemalloc");
        else
            claim_row(md, "C182", "A4: allocator stalls -> enable jemalloc", &m,
                      j.med >= 1.05 * g.med ? V_HOLDS : V_NOT,
                      "rule: the remedy helps if jemalloc's write throughput at the most threads "
                      "not oversubscribed is >= 1.05x glibc's");
        free(m.s);
    }
    fprintf(md, "\n");
    src_free(&c);
    src_free(&w);
    src_free(&rd);
    src_free(&hy);
    src_free(&al);
    src_free(&mg);
}

static void group_hybrid(FILE *md)
{
    src h, st;
    src_load(&h, "hybrid");
    src_load(&st, "stall");
    table_head(md, "Pattern D consistency (C075-C078) and reclamation under a stalled reader",
               "`hybrid`: readers check a multi-key invariant written in one commit, stability "
               "of repeated reads and monotonic versions, per backend; `stall`: one reader stays "
               "in a read section while a writer commits.");
    if (!h.t) {
        notrun_row(md, "C075", "a reader sees a consistent snapshot: possibly stale, never torn",
                   &h);
        notrun_row(md, "C076", "existing readers never see later updates; new readers see them",
                   &h);
        notrun_row(md, "C077", "snapshot isolation: no torn reads, no races", &h);
        notrun_row(md, "C078", "reads scale as in A, writes as in C; best case readers >> writers",
                   &h);
    } else {
        size_t nrows = pmlab_table_nrows(h.t), bad = 0, nok = 0;
        for (size_t r = 0; r < nrows; r++) {
            const char *s = pmlab_table_get(h.t, r, "status");
            if (!strncmp(s, "invariant-violated", 18))
                bad++;
            nok += !strcmp(s, "ok");
        }
        agg v = agg_col(h.t, "", "invariant_violations"), oc = agg_col(h.t, "", "oracle_checks");
        const char *be[16];
        size_t nb = distinct_str(h.t, "", "backend", be, 16);
        str m = {0};
        sp(&m,
           "%zu backends, %zu/%zu rows ok, %zu rows invariant-violated, violations max %.0f, "
           "oracle checks per row %.3g-%.3g; `%s`",
           nb, nok, nrows, bad, v.n ? v.hi : 0, oc.lo, oc.hi, h.folder);
        int ok = bad == 0 && v.n && v.hi == 0 && oc.n && oc.lo > 0;
        claim_row(md, "C075",
                  "a reader sees a consistent snapshot as of its creation: possibly "
                  "stale, never torn",
                  &m, ok ? V_HOLDS : V_NOT,
                  "rule: 0 oracle violations (torn pairs) on every backend, every row checked");
        claim_row(md, "C076",
                  "existing readers never see later updates; new readers see them immediately", &m,
                  ok ? V_HOLDS : V_NOT,
                  "rule: 0 violations of the stability (repeated reads agree) and monotonic "
                  "version checks; definition chosen: a reader sees exactly one committed "
                  "version, never older than one it saw before");
        claim_row(md, "C077", "snapshot isolation: no torn reads, writers exclusive, no races", &m,
                  ok ? V_HOLDS : V_NOT,
                  "rule: as C075 (races: the tsan preset of `make test` runs the same oracle)");
        unsigned on = table_online(h.t);
        char r[100];
        snprintf(r, sizeof r, "needs 64 cores (R:W = 63:1), machine has %u", on);
        if (on >= 64)
            claim_row(md, "C078", "reads scale as in A; best case readers >> writers", &m,
                      V_UNTESTABLE, "the rule needs an R:W sweep (not in this suite)");
        else
            claim_row(md, "C078", "reads scale as in A; best case readers >> writers", &m,
                      V_UNTESTABLE, r);
        free(m.s);
    }
    if (!st.t)
        notrun_row(md, "I8.1",
                   "a stalled reader: deferred backends (RCU/epoch) grow, hp/refcount stay bounded",
                   &st);
    else {
        const char *grow[] = {"urcu-memb", "urcu-qsbr", "urcu-bp", "epoch"};
        const char *bounded[] = {"hp", "refcount"};
        double gmin = INFINITY, bmax = 0;
        str m = {0};
        sp(&m, "pending bytes peak:");
        for (int i = 0; i < 4; i++) {
            char f[64];
            snprintf(f, sizeof f, "backend=%s", grow[i]);
            agg a = agg_col(st.t, f, "pending_bytes_peak");
            if (a.n) {
                gmin = fmin(gmin, a.med);
                sp(&m, " %s %.3g MB", grow[i], a.med / 1e6);
            }
        }
        for (int i = 0; i < 2; i++) {
            char f[64];
            snprintf(f, sizeof f, "backend=%s", bounded[i]);
            agg a = agg_col(st.t, f, "pending_bytes_peak");
            if (a.n) {
                bmax = fmax(bmax, a.med);
                sp(&m, " %s %.3g MB", bounded[i], a.med / 1e6);
            }
        }
        sp(&m, "; `%s`", st.folder);
        claim_row(md, "I8.1",
                  "a stalled reader: deferred backends (RCU/epoch) grow, hp/refcount stay bounded",
                  &m, isfinite(gmin) && bmax <= 0.1 * gmin ? V_HOLDS : V_NOT,
                  "rule: the largest hp/refcount peak <= 0.1x the smallest RCU/epoch peak");
        free(m.s);
    }
    fprintf(md, "\n");
    src_free(&h);
    src_free(&st);
}

/* ---- suite plots --------------------------------------------------------------------------------
 */
static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && st.st_size > 0;
}

static void embed(FILE *md, const char *dir, const char *folder, const char *name,
                  const char *sentence)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s/plots/%s.png", dir, folder, name);
    if (!*folder || !exists(p))
        return;
    fprintf(md, "![%s: %s](%s/plots/%s.png)\n\n%s ([svg](%s/plots/%s.svg))\n\n", folder, name,
            folder, name, sentence, folder, name);
}

static void suite_plots(FILE *md, const char *dir)
{
    char pdir[1024], why[600];
    snprintf(pdir, sizeof pdir, "%s/plots", dir);
    mkdir(pdir, 0755);
    fprintf(md, "## Plots\n\n");
    src c, p, al, rd, w, cm, st, hy;
    src_load(&c, "clone");
    src_load(&p, "peers");
    src_load(&al, "alloc");
    src_load(&rd, "read");
    src_load(&w, "write");
    src_load(&cm, "clone-mt");
    src_load(&st, "stall");
    src_load(&hy, "hybrid");
    /* clone ns vs map size */
    if (c.t) {
        char dat[1100], ob[1100];
        snprintf(dat, sizeof dat, "%s/clone_size.dat", pdir);
        snprintf(ob, sizeof ob, "%s/clone_size", pdir);
        FILE *f = fopen(dat, "w");
        /* the pm_map_clone rows (method heap), as the plot's legend says */
        const char *hf = pmlab_table_has(c.t, "method") ? "method=heap;" : "";
        double sizes[32];
        size_t ns = distinct_num(c.t, hf, "map_keys", sizes, 32);
        for (size_t i = 0; f && i < ns; i++) {
            char fl[64];
            snprintf(fl, sizeof fl, "%smap_keys=%.0f", hf, sizes[i]);
            agg a = agg_col(c.t, fl, "ns_per_clone"), d = agg_col(c.t, fl, "ns_per_drop");
            fprintf(f, "%.0f %.6g %.6g %.6g %.6g %.6g %.6g\n", sizes[i] < 1 ? 1 : sizes[i], a.med,
                    a.lo, a.hi, d.med, d.lo, d.hi);
        }
        if (f)
            fclose(f);
        char vars[1400];
        snprintf(vars, sizeof vars,
                 "datafile='%s'; ttl='clone cost vs map size (%s, 1 thread; flat = O(1))'", dat,
                 c.folder);
        if (ns && pmlab_plot("clone_size", vars, ob, why, sizeof why) == 0)
            fprintf(md,
                    "![clone ns vs map size](plots/clone_size.png)\n\nClone and drop cost "
                    "against map size (log x): a flat line is O(1) clone (C005); the "
                    "median of the trials with min-max bars. ([svg](plots/clone_size.svg))\n\n");
        else
            fprintf(md, "Clone-size plot not rendered: %s.\n\n", ns ? why : "no data");
    }
    embed(md, dir, rd.folder, "throughput",
          "Read throughput vs threads per backend (pattern A, C040-C042); shaded: "
          "oversubscribed.");
    embed(md, dir, rd.folder, "speedup",
          "Read speedup with the ideal line, and efficiency: how far each backend's read side "
          "is from linear scaling.");
    embed(md, dir, rd.folder, "latency_cdf",
          "Lookup latency CDF per backend (sampled lookups, first trial) at the most threads "
          "that are not oversubscribed.");
    embed(md, dir, w.folder, "speedup",
          "Write speedup per allocator (C051-C053): glibc vs jemalloc on disjoint partitions.");
    embed(md, dir, cm.folder, "throughput",
          "Clones/s of T threads on one version (method=clone: one refcount line) vs pins in a "
          "read section (C026).");
    embed(md, dir, hy.folder, "latency_cdf",
          "Pattern D: read latency per backend while a writer commits (rwlock readers wait for "
          "the writer: C010).");
    embed(md, dir, st.folder, "series-pending_bytes",
          "Pending reclamation (bytes retired but not yet freed) over time while one reader "
          "stalls in a read section: RCU/epoch grow until the reader leaves, hp/refcount stay "
          "flat, leaky never frees.");
    /* bytes per key: pathmap vs peers */
    if (p.t) {
        char dat[1100], ob[1100];
        snprintf(dat, sizeof dat, "%s/bytes_per_key.dat", pdir);
        snprintf(ob, sizeof ob, "%s/bytes_per_key", pdir);
        FILE *f = fopen(dat, "w");
        const char *stv[16];
        size_t n = distinct_str(p.t, "op=insert;threads=1", "structure", stv, 16);
        if (f) {
            fprintf(f, "structure heap_bytes_per_key\n");
            for (size_t i = 0; i < n; i++) {
                char fl[128];
                snprintf(fl, sizeof fl, "structure=%s;op=insert;threads=1", stv[i]);
                fprintf(f, "%s %.6g\n", stv[i], agg_col(p.t, fl, "bytes_per_key").med);
            }
            agg core = agg_col(p.t, "structure=pathmap;op=insert;threads=1", "core_bytes_per_key");
            if (core.n)
                fprintf(f, "pathmap(core-accounting) %.6g\n", core.med);
            fclose(f);
        }
        char vars[1400];
        snprintf(vars, sizeof vars,
                 "datafile='%s'; ncols=1; ttl='bytes per key, keys %s (%s; %s)'; "
                 "ylab='bytes per key'",
                 dat, pmlab_table_get(p.t, 0, "keys"), pmlab_table_get(p.t, 0, "mem_source"),
                 p.folder);
        if (n && pmlab_plot("bars", vars, ob, why, sizeof why) == 0)
            fprintf(md, "![bytes per key](plots/bytes_per_key.png)\n\nHeap bytes per key of one "
                        "build, pathmap vs the peers, all under the same allocator (glibc "
                        "`mallinfo2`), plus pathmap's own node accounting. "
                        "([svg](plots/bytes_per_key.svg))\n\n");
        else
            fprintf(md, "Bytes-per-key plot not rendered: %s.\n\n", n ? why : "no data");
    }
    /* allocator comparison */
    if (al.t) {
        char dat[1100], ob[1100];
        snprintf(dat, sizeof dat, "%s/allocators.dat", pdir);
        snprintf(ob, sizeof ob, "%s/allocators", pdir);
        const char *wl[8], *allocs[8];
        size_t nw = distinct_str(al.t, "", "workload", wl, 8);
        size_t na = distinct_str(al.t, "", "alloc", allocs, 8);
        FILE *f = fopen(dat, "w");
        if (f) {
            fprintf(f, "workload");
            for (size_t a = 0; a < na; a++)
                fprintf(f, " %s", allocs[a]);
            fprintf(f, "\n");
            for (size_t i = 0; i < nw; i++) {
                fprintf(f, "%s", wl[i]);
                for (size_t a = 0; a < na; a++) {
                    char fl[128];
                    snprintf(fl, sizeof fl, "workload=%s;alloc=%s", wl[i], allocs[a]);
                    agg x = agg_col(al.t, fl, "ops_per_sec");
                    fprintf(f, " %.6g", x.n ? x.med / 1e6 : 0.0);
                }
                fprintf(f, "\n");
            }
            fclose(f);
        }
        char vars[1400];
        snprintf(vars, sizeof vars,
                 "datafile='%s'; ncols=%zu; ttl='allocator comparison at %s threads (%s)'; "
                 "ylab='million operations per second (median)'",
                 dat, na, pmlab_table_get(al.t, 0, "threads"), al.folder);
        if (nw && na && pmlab_plot("bars", vars, ob, why, sizeof why) == 0)
            fprintf(md, "![allocator comparison](plots/allocators.png)\n\nThe write workload "
                        "(ZipperHead, 16 partitions) and the hybrid workload under each allocator "
                        "(LD_PRELOAD, verified in the child): median ops/s. "
                        "([svg](plots/allocators.svg))\n\n");
        else
            fprintf(md, "Allocator plot not rendered: %s.\n\n", nw ? why : "no data");
    }
    src_free(&c);
    src_free(&p);
    src_free(&al);
    src_free(&rd);
    src_free(&w);
    src_free(&cm);
    src_free(&st);
    src_free(&hy);
}

/* ---- the hook
 * ------------------------------------------------------------------------------------ */
static void claims_report(const char *dir, const char *const *run_dirs, FILE *md)
{
    g_dirs = run_dirs;
    memset(&g_tally, 0, sizeof g_tally);
    /* the claims table goes to a buffer first so the summary can precede it */
    char *buf = NULL;
    size_t blen = 0;
    FILE *m = open_memstream(&buf, &blen);
    if (!m)
        return;
    group_clone(m);
    group_read(m);
    group_write(m);
    group_memory(m);
    group_atomics(m);
    group_compare(m);
    group_merge(m);
    group_zipperhead(m);
    group_hybrid(m);
    group_alerts(m);
    fclose(m);
    fprintf(md,
            "## Claims\n\nEach row: the claim of reference/claims.md, the figure it states, what "
            "this run measured (median over the ok trials, min-max, configuration and run "
            "folder) and the verdict with the rule that decided it (docs/report.md lists every "
            "rule). Verdicts: %zu hold, %zu do not hold, %zu not testable here, %zu not run.\n\n",
            g_tally.holds, g_tally.nots, g_tally.untestable, g_tally.notrun);
    fwrite(buf, 1, blen, md);
    free(buf);
    suite_plots(md, dir);
}

static const pmlab_suite claims_suite = {
    .name = "claims",
    .description = "Tests the claim groups of reference/claims.md (clone cost, read scaling, "
                   "write scaling per allocator, memory, structural sharing, atomics, rwlock "
                   "comparison, merge, batching, alert thresholds, ZipperHead rules, pattern D "
                   "consistency) on this machine.",
    .runs = claims_runs,
    .report = claims_report,
};

void pmlab_register_suite_claims(pmlab_registry *r);
void pmlab_register_suite_claims(pmlab_registry *r)
{
    _Static_assert(sizeof roles / sizeof roles[0] == sizeof claims_runs / sizeof claims_runs[0],
                   "one role per run");
    pmlab_register_suite(r, &claims_suite);
}
