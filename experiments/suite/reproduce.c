/* The `claims` suite of `pmlab reproduce` (issue 7, issue 12): the runs that test the claims of
 * the catalogue experiments/suite/claims.json, per mode (--quick, default, --full), each with the
 * role by which claims name it; the suite's own plots and comparison table (the report hook);
 * and the C callbacks of the few claims no rule kind of the claims engine expresses
 * (harness/src/claims.c, docs/report.md). Every claim's statement, figure and rule lives in the
 * catalogue, nowhere else. */
#define _GNU_SOURCE
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "claims.h"
#include "common/keys.h"
#include "pmlab/experiment.h"
#include "pmsync/sync.h"
#include "stats.h"

#define Q PMLAB_SUITE_QUICK
#define D PMLAB_SUITE_DEFAULT
#define F PMLAB_SUITE_FULL

/* The runs name backends by flag (`--backends @deferred`: pmlab_register_suite_claims expands it
 * from PM_SYNC_BACKENDS and the flags), or take them all: a new backend is measured without
 * editing this file. */
static pmlab_suite_run base_runs[] = {
    /* clone cost C005, C025, C180 */
    {"clone", "--param sizes=1000,100000 --duration-ms 60 --warmup-ms 10 --trials 3", Q, "clone"},
    {"clone", "--param sizes=1000,10000,100000,1000000 --duration-ms 200 --warmup-ms 30 --trials 5",
     D, "clone"},
    {"clone",
     "--param sizes=0,100,1000,10000,100000,1000000,10000000 --duration-ms 500 --warmup-ms 50 "
     "--trials 7",
     F, "clone"},
    /* clones on one shared map vs pins C026 */
    {"clone-mt",
     "--threads auto --backends @deferred --param method=clone,pin --duration-ms 60 --warmup-ms 10 "
     "--trials 1",
     Q, "clone-mt"},
    {"clone-mt",
     "--threads auto --backends all --param method=clone,snapshot,pin --duration-ms 150 "
     "--warmup-ms 30 --trials 3",
     D | F, "clone-mt"},
    /* read scaling C040-C042, C146 (rwlock readers), A1 */
    {"read",
     "--threads auto --backends all --size 20000 --duration-ms 80 --warmup-ms 20 --trials 1", Q,
     "read"},
    {"read",
     "--threads auto --backends all --size 100000 --duration-ms 300 --warmup-ms 60 --trials 4", D,
     "read"},
    {"read",
     "--threads 1,2,4,8,16,32,64,128 --backends all --size 2000000 --keys ints --duration-ms 1000 "
     "--trials 5",
     F, "read"},
    /* write scaling per allocator C051-C054, C182: every node from the allocator under test
     * (nodes=malloc, as the Rust crate allocates them), not from the library's slabs */
    {"write",
     "--threads auto --allocs glibc,jemalloc --size 50000 --param nodes=malloc --duration-ms 100 "
     "--warmup-ms 20 --trials 1",
     Q, "write"},
    {"write",
     "--threads auto --allocs glibc,jemalloc --size 200000 --param nodes=malloc --duration-ms 300 "
     "--warmup-ms 50 --trials 4",
     D, "write"},
    {"write",
     "--threads 1,2,4,8,16,32,64,128 --allocs glibc,jemalloc,tcmalloc,mimalloc --size 2000000 "
     "--param partitions=256 --param nodes=malloc --duration-ms 1000 --trials 5",
     F, "write"},
    /* batching C063: one commit per key vs one per batch (live-map transactions) */
    {"write",
     "--threads 1 --size 4000 --param method=txn --param batch=1 --duration-ms 80 --warmup-ms 10 "
     "--trials 1",
     Q, "batch1"},
    {"write",
     "--threads 1 --size 4000 --param method=txn --param batch=1000 --duration-ms 80 "
     "--warmup-ms 10 --trials 1",
     Q, "batchN"},
    {"write",
     "--threads 1 --size 20000 --param method=txn --param batch=1 --duration-ms 300 "
     "--warmup-ms 50 --trials 3",
     D | F, "batch1"},
    {"write",
     "--threads 1 --size 20000 --param method=txn --param batch=1000 --duration-ms 300 "
     "--warmup-ms 50 --trials 3",
     D | F, "batchN"},
    /* memory per node/path C018-C021, C116, C124; sharing C059, C121, C126 */
    {"memory", "--size 20000 --param clones=0,1,10 --trials 1", Q, "memory"},
    {"memory", "--param clones=0,1,10 --trials 3", D, "memory"},
    {"memory", "--param clones=0,1,10,100 --trials 3", F, "memory"},
    /* atomic costs C030, C031 */
    {"atomics",
     "--threads auto --param variant=fetch_add.relaxed,fetch_add.acq_rel,fetch_add.seq_cst,"
     "fetch_sub.release,load.relaxed,load.acquire --duration-ms 30 --warmup-ms 5 --trials 1",
     Q, "atomics"},
    {"atomics", "--threads auto --duration-ms 50 --warmup-ms 10 --trials 3", D | F, "atomics"},
    /* pattern D consistency C075-C078, C010 (writers block readers) */
    {"hybrid", "--threads online --backends all --duration-ms 120 --warmup-ms 20 --trials 1", Q,
     "hybrid"},
    {"hybrid", "--threads online --backends all --duration-ms 500 --warmup-ms 100 --trials 3",
     D | F, "hybrid"},
    /* reclamation backlog over time (I8.1, A5) */
    {"stall", "--backends all --param stall_ms=150 --duration-ms 300 --trials 1", Q, "stall"},
    {"stall", "--backends all --param stall_ms=500 --duration-ms 1000 --trials 3", D | F, "stall"},
    /* several stalled readers, and one preempted while oversubscribed (the schemes table) */
    {"stall",
     "--backends all --param variant=several,preempted --param stall_ms=150 --duration-ms 300 "
     "--trials 1",
     Q, "stall-variants"},
    {"stall",
     "--backends all --param variant=several,preempted --param stall_ms=500 --duration-ms 1000 "
     "--trials 3",
     D | F, "stall-variants"},
    /* the comparison table of T08 §6: C080-C082, C010, C146; bytes per key vs peers */
    {"peers", "--threads auto --size 20000 --duration-ms 60 --warmup-ms 10 --trials 1", Q, "peers"},
    {"peers", "--threads auto --size 100000 --duration-ms 250 --warmup-ms 50 --trials 3", D,
     "peers"},
    {"peers",
     "--threads 1,2,4,8,16,32,64,128 --size 1000000 --keys ints --duration-ms 1000 --trials 5", F,
     "peers"},
    /* allocator comparison, A4 */
    {"alloc", "--threads online --size 20000 --duration-ms 80 --warmup-ms 10 --trials 1", Q,
     "alloc"},
    {"alloc", "--threads online --size 100000 --duration-ms 300 --warmup-ms 50 --trials 3", D | F,
     "alloc"},
    /* dispatch cost (DESIGN §4 goal, not a claim of claims.md) */
    {"dispatch", "--backends all --duration-ms 120 --trials 3", D | F, "dispatch"},
    /* merge and tree-reduce C060-C062, A3 (experiment written with core's join) */
    {"merge", "--trials 1 --duration-ms 200", Q, "merge"},
    {"merge", "--trials 3", D | F, "merge"},
    /* ZipperHead conflict rules C065-C070 */
    {"zipperhead", "--trials 1", Q, "zipperhead"},
    {"zipperhead", "--trials 3", D | F, "zipperhead"},
    /* algebra (C152-C164; not part of the claims table yet) */
    {"algebra", "--trials 1", D | F, "algebra"},
    {NULL, NULL, 0, NULL}};

/* Every structure on every key set (issue 15), 1 thread: one peers run per mode and key set of
 * keys.c's list (the families file: and paths: need an argument), role "peers-keys-NAME", added
 * after base_runs at registration so that a new key set is measured without editing this file.
 * --size 100000: words holds about 104k keys. */
#define PEERS_KEYS_ROLE "peers-keys-"
static const struct {
    unsigned modes;
    const char *args; /* %s: the key set */
} peers_keys_runs[] = {
    {Q, "--threads 1 --keys %s --size 20000 --duration-ms 60 --warmup-ms 10 --trials 1"},
    {D, "--threads 1 --keys %s --size 100000 --duration-ms 100 --warmup-ms 20 --trials 3"},
    {F, "--threads 1 --keys %s --size 100000 --duration-ms 500 --warmup-ms 50 --trials 5"},
};

/* base_runs, then the per-key-set peers runs (built by build_runs at registration) */
static pmlab_suite_run *claims_runs = base_runs;

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
        if (!claims_runs[i].role || strcmp(claims_runs[i].role, role) != 0 || !g_dirs[i])
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

typedef st_summary agg;

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* median / min / max of col over the ok rows matching filter (the stats module's summary) */
static agg agg_col(const pmlab_table *t, const char *filter, const char *col)
{
    size_t n = pmlab_table_nrows(t), k = 0;
    double *v = calloc(n + 1, sizeof *v);
    for (size_t r = 0; v && r < n; r++) {
        if (!row_match(t, r, filter))
            continue;
        const char *c = pmlab_table_get(t, r, col);
        char *end;
        double d = strtod(c, &end);
        if (*c && !*end && isfinite(d))
            v[k++] = d;
    }
    agg a = st_summarize(v, k);
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

static double ns_per_op(agg a)
{
    return a.n && a.med > 0 ? 1e9 / a.med : NAN;
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

/* The comparison table of the analysis (T08 section 6.1) with every structure the `peers` run
 * measured: a table, not a claim (C080-C082 decide on the same rows in the claims table). */
static void peers_table(FILE *md)
{
    src p;
    src_load(&p, "peers");
    /* the comparison table of the analysis (T08 §6.1) with every structure measured */
    if (p.t) {
        unsigned on = table_online(p.t);
        const char *st[16];
        size_t n = distinct_str(p.t, "", "structure", st, 16);
        fprintf(md,
                "**Comparison table (T08 §6.1, measured)** — `%s`, keys `%s`, allocator %s; "
                "ns/op at 1 thread = 1e9 / median ops/s; Mops/s at %u threads (online CPUs); "
                "bytes/key = heap delta of one build (%s).\n\n"
                "| structure | lookup ns/op (1T) | lookup Mops/s (%uT) | insert ns/key (1T) | "
                "insert Mkeys/s (%uT) | bytes/key |\n|---|---|---|---|---|---|\n",
                p.folder, pmlab_table_get(p.t, 0, "keys"), pmlab_table_get(p.t, 0, "alloc"), on,
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
}

/* The status of the first row of structure st in t that is not ok (e.g. "not-comparable:...
 * refused 20000 of 20000 keys"), or NULL when every row of it is ok. */
static const char *structure_not_ok(const pmlab_table *t, const char *st)
{
    for (size_t r = 0; r < pmlab_table_nrows(t); r++)
        if (!strcmp(pmlab_table_get(t, r, "structure"), st) &&
            strcmp(pmlab_table_get(t, r, "status"), "ok") != 0)
            return pmlab_table_get(t, r, "status");
    return NULL;
}

/* Issue 15: every structure on every key set at 1 thread (the peers-keys-NAME runs), with
 * pathmap's ratio to JudySL, or to JudyHS where JudySL cannot hold the keys. A structure whose
 * rows are not comparable (it refused keys) is shown as such, never with a figure. */
static void peers_keys_table(FILE *md)
{
    bool header = false;
    for (size_t i = 0; claims_runs[i].experiment; i++) {
        const char *role = claims_runs[i].role;
        if (!role || strncmp(role, PEERS_KEYS_ROLE, strlen(PEERS_KEYS_ROLE)) != 0 || !g_dirs[i])
            continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/results.csv", g_dirs[i]);
        pmlab_table *t = pmlab_table_read(p);
        if (!t)
            continue;
        const char *keys = role + strlen(PEERS_KEYS_ROLE);
        if (!header) {
            fprintf(md,
                    "**Every structure on every key set** (1 thread, median of the clean trials; "
                    "bytes/key = heap delta of one build under the allocator named, all rows of "
                    "one key set under the same one). Ratios are pathmap / JudySL, or pathmap / "
                    "JudyHS where JudySL cannot hold the keys (the issue-15 goals: lookup >= 1, "
                    "insert >= 0.8, bytes/key <= 1).\n\n"
                    "| keys | structure | lookup Mops/s | insert Mkeys/s | heap bytes/key | "
                    "core bytes/key |\n|---|---|---|---|---|---|\n");
            header = true;
        }
        const char *st[16];
        size_t n = distinct_str(t, "", "structure", st, 16);
        /* distinct_str only sees ok rows: add the structures that have none */
        for (size_t r = 0; r < pmlab_table_nrows(t) && n < 16; r++) {
            const char *s2 = pmlab_table_get(t, r, "structure");
            size_t j = 0;
            while (j < n && strcmp(st[j], s2) != 0)
                j++;
            if (j == n && *s2)
                st[n++] = s2;
        }
        const char *judy = NULL;
        for (size_t j = 0; j < n; j++) {
            char f[128];
            snprintf(f, sizeof f, "structure=%s;op=lookup", st[j]);
            agg l = agg_col(t, f, "ops_per_sec");
            snprintf(f, sizeof f, "structure=%s;op=insert", st[j]);
            agg in = agg_col(t, f, "ops_per_sec"), b = agg_col(t, f, "bytes_per_key"),
                c = agg_col(t, f, "core_bytes_per_key");
            const char *bad = structure_not_ok(t, st[j]);
            if (bad && !l.n && !in.n) {
                fprintf(md, "| %s | %s | not comparable: `%s` | | | |\n", keys, st[j], bad);
                continue;
            }
            fprintf(md, "| %s | %s | %.3g | %.3g | ", keys, st[j], l.n ? l.med / 1e6 : NAN,
                    in.n ? in.med / 1e6 : NAN);
            if (b.n) { /* the allocator, then its statistic (mem_source names it too) */
                const char *al = pmlab_table_get(t, 0, "alloc"),
                           *ms = pmlab_table_get(t, 0, "mem_source");
                fprintf(md, "%.1f (%s%s%s)", b.med, strncmp(ms, al, strlen(al)) ? al : "",
                        strncmp(ms, al, strlen(al)) ? ": " : "", ms);
            }
            if (c.n)
                fprintf(md, " | %.1f |\n", c.med);
            else
                fprintf(md, " | |\n");
            if (!judy && !bad && !strncmp(st[j], "judysl", 6))
                judy = st[j];
        }
        for (size_t j = 0; !judy && j < n; j++)
            if (!strncmp(st[j], "judyhs", 6) && !structure_not_ok(t, st[j]))
                judy = st[j];
        if (judy) {
            char f[128];
            double r[3];
            const char *op[3] = {"lookup", "insert", "insert"};
            const char *col[3] = {"ops_per_sec", "ops_per_sec", "bytes_per_key"};
            for (int k = 0; k < 3; k++) {
                snprintf(f, sizeof f, "structure=pathmap;op=%s", op[k]);
                agg a = agg_col(t, f, col[k]);
                snprintf(f, sizeof f, "structure=%s;op=%s", judy, op[k]);
                agg j2 = agg_col(t, f, col[k]);
                r[k] = a.n && j2.n && j2.med > 0 ? a.med / j2.med : NAN;
            }
            fprintf(md, "| %s | **pathmap / %s** | **%.2fx** | **%.2fx** | **%.2fx** | |\n", keys,
                    judy, r[0], r[1], r[2]);
        }
        pmlab_table_free(t);
    }
    if (header)
        fprintf(md, "\n");
}

/* ---- the reclamation schemes side by side -------------------------------------------------------
 * One row per backend that any of the read, hybrid and stall runs measured (in the order the runs
 * list them), each figure the median over the trials with its min-max. Read throughput is relative
 * to leaky's at the same thread count: median / leaky's median, spread from the extremes
 * (min / leaky's max .. max / leaky's min). Derived from the run folders alone. */
static void add_backends(const pmlab_table *t, const char **out, size_t *n, size_t cap)
{
    for (size_t r = 0; t && r < pmlab_table_nrows(t); r++) {
        const char *b = pmlab_table_get(t, r, "backend");
        size_t i = 0;
        while (i < *n && strcmp(out[i], b) != 0)
            i++;
        if (i == *n && *n < cap && *b && strcmp(b, "-") != 0)
            out[(*n)++] = b;
    }
}

static void cell_med(FILE *md, agg a, const char *fmt)
{
    if (!a.n) {
        fprintf(md, " - |");
        return;
    }
    fprintf(md, " ");
    fprintf(md, fmt, a.med);
    if (a.n > 1) {
        fprintf(md, " (");
        fprintf(md, fmt, a.lo);
        fprintf(md, "-");
        fprintf(md, fmt, a.hi);
        fprintf(md, ")");
    }
    fprintf(md, " |");
}

static void cell_rel(FILE *md, agg b, agg l)
{
    if (!b.n || !l.n || l.med <= 0 || l.lo <= 0) {
        fprintf(md, " - |");
        return;
    }
    fprintf(md, " %.2f", b.med / l.med);
    if (b.n > 1 || l.n > 1)
        fprintf(md, " (%.2f-%.2f)", b.lo / l.hi, b.hi / l.lo);
    fprintf(md, " |");
}

/* the `memory` verdicts of a backend's stall rows: "grows", "bounded", "blocked", or a mix */
static void cell_memory(FILE *md, const pmlab_table *t, const char *filter)
{
    const char *v[8];
    size_t n = t ? distinct_str(t, filter, "memory", v, 8) : 0;
    if (!n || !*v[0]) {
        fprintf(md, " - |");
        return;
    }
    fprintf(md, " ");
    for (size_t i = 0; i < n; i++)
        fprintf(md, "%s%s", i ? "/" : "", v[i]);
    fprintf(md, " |");
}

static void schemes_table(FILE *md)
{
    src rd, hy, st, sv;
    src_load(&rd, "read");
    src_load(&hy, "hybrid");
    src_load(&st, "stall");
    src_load(&sv, "stall-variants");
    const char *be[64];
    size_t n = 0;
    add_backends(rd.t, be, &n, 64);
    add_backends(hy.t, be, &n, 64);
    add_backends(st.t, be, &n, 64);
    add_backends(sv.t, be, &n, 64);
    if (n) {
        fprintf(md,
                "**The reclamation schemes side by side** — median over the trials (min-max). "
                "Read: lookups/s relative to `leaky` at the same thread count (`%s`). Commits/s: "
                "the `hybrid` writer while readers read (`%s`). Pending peak: objects retired but "
                "not freed at the peak, under one stalled reader (`%s`) and under several (`%s`). "
                "Memory: what the `stall` rows saw (grows: half or more of what was retired "
                "during the stall still pending at its end; blocked: the writers waited), "
                "under one / several / a preempted stalled reader, beside what the backend "
                "declares.\n\n"
                "| backend | read 1T vs leaky | read 2T vs leaky | commits/s with readers | "
                "pending peak, 1 stalled | pending peak, several stalled | memory: one | "
                "several | preempted | declared |\n"
                "|---|---|---|---|---|---|---|---|---|---|\n",
                rd.t ? rd.folder : rd.why, hy.t ? hy.folder : hy.why, st.t ? st.folder : st.why,
                sv.t ? sv.folder : sv.why);
        for (size_t i = 0; i < n; i++) {
            char f[256], g[256];
            fprintf(md, "| %s |", be[i]);
            for (int th = 1; th <= 2; th++) {
                snprintf(f, sizeof f, "backend=%s;threads=%d", be[i], th);
                snprintf(g, sizeof g, "backend=leaky;threads=%d", th);
                if (rd.t)
                    cell_rel(md, agg_col(rd.t, f, "ops_per_sec"), agg_col(rd.t, g, "ops_per_sec"));
                else
                    fprintf(md, " - |");
            }
            snprintf(f, sizeof f, "backend=%s", be[i]);
            if (hy.t)
                cell_med(md, agg_col(hy.t, f, "commits_per_sec"), "%.3g");
            else
                fprintf(md, " - |");
            /* the one-reader stall rows carry no variant column in older folders */
            snprintf(g, sizeof g, "backend=%s%s", be[i],
                     st.t && pmlab_table_has(st.t, "variant") ? ";variant=one" : "");
            if (st.t)
                cell_med(md, agg_col(st.t, g, "pending_peak"), "%.3g");
            else
                fprintf(md, " - |");
            snprintf(f, sizeof f, "backend=%s;variant=several", be[i]);
            if (sv.t)
                cell_med(md, agg_col(sv.t, f, "pending_peak"), "%.3g");
            else
                fprintf(md, " - |");
            cell_memory(md, st.t, g);
            cell_memory(md, sv.t, f);
            snprintf(f, sizeof f, "backend=%s;variant=preempted", be[i]);
            cell_memory(md, sv.t, f);
            const char *decl = "";
            for (size_t r = 0; st.t && r < pmlab_table_nrows(st.t) && !*decl; r++)
                if (!strcmp(pmlab_table_get(st.t, r, "backend"), be[i]))
                    decl = pmlab_table_get(st.t, r, "declared");
            for (size_t r = 0; sv.t && r < pmlab_table_nrows(sv.t) && !*decl; r++)
                if (!strcmp(pmlab_table_get(sv.t, r, "backend"), be[i]))
                    decl = pmlab_table_get(sv.t, r, "declared");
            fprintf(md, " %s |\n", *decl ? decl : "-");
        }
        fprintf(md, "\n");
    }
    src_free(&rd);
    src_free(&hy);
    src_free(&st);
    src_free(&sv);
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
            fprintf(md,
                    "![bytes per key](plots/bytes_per_key.png)\n\nHeap bytes per key of one "
                    "build, pathmap vs the peers, all under the same allocator (%s: `%s`), plus "
                    "pathmap's own node accounting. ([svg](plots/bytes_per_key.svg))\n\n",
                    pmlab_table_get(p.t, 0, "alloc"), pmlab_table_get(p.t, 0, "mem_source"));
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

/* ---- the hook: the suite's own sections (the claims table is rendered by the claims engine) */
static void claims_report(const char *dir, const char *const *run_dirs, FILE *md)
{
    g_dirs = run_dirs;
    peers_table(md);
    peers_keys_table(md);
    schemes_table(md);
    suite_plots(md, dir);
}

/* ---- callbacks for the irregular claims (named in claims.json) --------------------------------
 * "spread": max/min of the per-value medians of `col` across the distinct values of `across`
 * (C005: ns per clone across map sizes), bootstrap over trials; the values must span two decades.
 */
typedef struct {
    size_t k;
} spread_arg;

static double spread_fn(const double *meds, size_t k, void *arg)
{
    (void)arg;
    double mx = -INFINITY, mn = INFINITY;
    for (size_t i = 0; i < k; i++) {
        mx = fmax(mx, meds[i]);
        mn = fmin(mn, meds[i]);
    }
    return mn > 0 ? mx / mn : NAN;
}

static const char *jget(const void *rule, const char *key)
{
    const json_t *v = json_object_get((const json_t *)rule, key);
    return json_is_string(v) ? json_string_value(v) : "";
}

static claim_verdict cb_spread(const claims_ctx *cx, const void *rule, sbuf *m, char *reason,
                               size_t rl)
{
    const char *role = jget(rule, "role"), *col = jget(rule, "col"), *filter = jget(rule, "filter"),
               *across = jget(rule, "across");
    double limit = json_number_value(json_object_get((const json_t *)rule, "stated"));
    const char *why = "";
    const csv_table *t = claims_ctx_table(cx, role, &why);
    if (!t) {
        snprintf(reason, rl, "%s", why);
        return CLAIM_NOTRUN;
    }
    double vals[32];
    size_t nv = 0;
    for (size_t r = 0; r < t->nrows && nv < 32; r++) {
        const char *c = csv_get(t, r, across);
        if (strcmp(csv_get(t, r, "status"), "ok") || !*c)
            continue;
        double d = atof(c);
        size_t i = 0;
        while (i < nv && vals[i] != d)
            i++;
        if (i == nv)
            vals[nv++] = d;
    }
    qsort(vals, nv, sizeof *vals, cmpd);
    if (nv < 2 || vals[nv - 1] < 100 * (vals[0] > 0 ? vals[0] : 1)) {
        snprintf(reason, rl, "needs %s values spanning at least two decades", across);
        return CLAIM_UNTESTABLE;
    }
    st_sample g[32];
    double *own[32];
    size_t contended = 0, minn = SIZE_MAX;
    for (size_t i = 0; i < nv; i++) {
        char *f = NULL;
        if (asprintf(&f, "%s%s%s=%.17g", filter, *filter ? ";" : "", across, vals[i]) < 0)
            f = NULL;
        size_t c = 0;
        g[i].n = claims_ctx_values(cx, role, f, col, &own[i], &c);
        g[i].v = own[i];
        free(f);
        contended += c;
        minn = g[i].n < minn ? g[i].n : minn;
        st_summary su = st_summarize(g[i].v, g[i].n);
        sb_printf(m, "%s%.0f: %.3g", i ? ", " : "", vals[i], su.med);
    }
    st_interval iv =
        st_bootstrap(g, nv, spread_fn, NULL, ST_CONF, ST_BOOT_B, ST_MIN_CLEAN, st_seed_of(col));
    sb_printf(m, " (medians of `%s` per `%s`, %s); max/min %.3g", col, across, filter, iv.est);
    if (iv.ok)
        sb_printf(m, " (95%% CI %.3g-%.3g)", iv.lo, iv.hi);
    sb_printf(m, ", n >= %zu clean per %s", minn, across);
    if (contended)
        sb_printf(m, ", %zu contended left out", contended);
    for (size_t i = 0; i < nv; i++)
        free(own[i]);
    if (!iv.ok) {
        if (contended && minn < ST_MIN_CLEAN)
            snprintf(reason, rl,
                     "%zu trials contended (cpu_share below the contention threshold); too few "
                     "clean trials (n=%zu, need %d)",
                     contended, minn, ST_MIN_CLEAN);
        else
            snprintf(reason, rl, "too few clean trials (n=%zu, need %d)", minn, ST_MIN_CLEAN);
        return CLAIM_INCONCLUSIVE;
    }
    st_side sd = st_decide(&iv, limit, -1);
    if (sd == ST_HOLDS || sd == ST_FAILS) {
        snprintf(reason, rl, "interval [%.3g, %.3g] %s %g", iv.lo, iv.hi,
                 sd == ST_HOLDS ? "<=" : ">", limit);
        return sd == ST_HOLDS ? CLAIM_HOLDS : CLAIM_FAILS;
    }
    snprintf(reason, rl, "interval [%.3g, %.3g] straddles the threshold %g", iv.lo, iv.hi, limit);
    return CLAIM_INCONCLUSIVE;
}

/* "metric_outside": C178. The alert `alert` (A4) is evaluated on `col`, which is not one of the
 * six metrics of the claim: the claim does not hold whenever a run reports that column. */
static claim_verdict cb_metric_outside(const claims_ctx *cx, const void *rule, sbuf *m,
                                       char *reason, size_t rl)
{
    const char *col = jget(rule, "col"), *alert = jget(rule, "alert");
    static const char *const roles[] = {"write", "alloc"};
    double best = NAN;
    size_t ran = 0;
    for (size_t i = 0; i < 2; i++) {
        const char *why;
        if (!claims_ctx_table(cx, roles[i], &why))
            continue;
        ran++;
        double *v = NULL;
        size_t n = claims_ctx_values(cx, roles[i], NULL, col, &v, NULL);
        for (size_t k = 0; k < n; k++)
            best = isnan(best) || v[k] > best ? v[k] : best;
        free(v);
    }
    if (!ran) {
        snprintf(reason, rl, "not run: no write or alloc run in this mode");
        return CLAIM_NOTRUN;
    }
    if (isnan(best)) {
        sb_printf(m, "no row reported %s", col);
        snprintf(reason, rl, "no writer rows with the allocator metric");
        return CLAIM_UNTESTABLE;
    }
    sb_printf(m,
              "%s was evaluated on %s (writer time inside allocation calls), max %.3g; none of "
              "the six metrics measures the allocator",
              alert, col, best);
    snprintf(reason, rl, "an alert (%s) could only be evaluated on a metric outside the six",
             alert);
    return CLAIM_FAILS;
}

static pmlab_suite claims_suite = {
    .name = "claims",
    .description = "Tests the claims of the catalogue experiments/suite/claims.json (clone cost, "
                   "read scaling, write scaling per allocator, memory, structural sharing, "
                   "atomics, rwlock comparison, merge, batching, alert thresholds, ZipperHead "
                   "rules, pattern D consistency) on this machine.",
    .runs = base_runs, /* build_runs: claims_runs */
    .report = claims_report,
    .claims_file = "experiments/suite/claims.json",
};

/* Backend selectors of the runs' --backends, chosen by the flags of PM_SYNC_BACKENDS:
 * @deferred: the schemes whose readers pin by a read section alone (deferred frees, readers write
 * nothing shared), against which clone-mt sets the contended refcount line of pm_map_clone. */
static const struct {
    const char *token;
    unsigned any, none;
} selectors[] = {
    {"@deferred", PM_SYNC_F_DEFERRED, PM_SYNC_F_READER_WRITES | PM_SYNC_F_EXCLUSIVE},
};

static void expand_selectors(void)
{
    for (size_t i = 0; claims_runs[i].experiment; i++) {
        for (size_t k = 0; k < sizeof selectors / sizeof selectors[0]; k++) {
            const char *at = strstr(claims_runs[i].args, selectors[k].token);
            if (!at)
                continue;
            char names[1024] = "";
            size_t len = 0;
            for (size_t b = 0; b < PM_SYNC_NBACKENDS; b++) {
                unsigned f = pm_sync_backends[b]->flags;
                if ((f & selectors[k].any) && !(f & selectors[k].none))
                    len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", len ? "," : "",
                                            pm_sync_backends[b]->name);
                if (len >= sizeof names)
                    len = sizeof names - 1;
            }
            char *out = NULL; /* lives as long as the registry */
            if (asprintf(&out, "%.*s%s%s", (int)(at - claims_runs[i].args), claims_runs[i].args,
                         len ? names : "all", at + strlen(selectors[k].token)) >= 0)
                claims_runs[i].args = out;
        }
    }
}

/* claims_runs = base_runs + one peers run per mode and key set (peers_keys_runs); on a failed
 * allocation the suite keeps base_runs. */
static void build_runs(void)
{
    size_t nbase = 0, nkeys = 0;
    while (base_runs[nbase].experiment)
        nbase++;
    const char *name;
    for (size_t i = 0; (name = pmx_keyset_name(i, NULL, NULL)); i++)
        nkeys++;
    size_t nmodes = sizeof peers_keys_runs / sizeof peers_keys_runs[0];
    pmlab_suite_run *runs = calloc(nbase + nkeys * nmodes + 1, sizeof *runs);
    if (!runs)
        return;
    memcpy(runs, base_runs, nbase * sizeof *runs);
    size_t n = nbase;
    for (size_t i = 0; (name = pmx_keyset_name(i, NULL, NULL)); i++) {
        if (!strcmp(name, "file") || name[strlen(name) - 1] == ':')
            continue; /* a family: needs an argument */
        for (size_t m = 0; m < nmodes; m++) {
            char *args = NULL, *role = NULL; /* live as long as the registry */
            if (asprintf(&args, peers_keys_runs[m].args, name) < 0)
                continue;
            if (asprintf(&role, PEERS_KEYS_ROLE "%s", name) < 0) {
                free(args);
                continue;
            }
            runs[n++] = (pmlab_suite_run){"peers", args, peers_keys_runs[m].modes, role};
        }
    }
    claims_runs = runs;
    claims_suite.runs = runs;
}

void pmlab_register_suite_claims(pmlab_registry *r);
void pmlab_register_suite_claims(pmlab_registry *r)
{
    build_runs();
    expand_selectors();
    claims_register_callback("spread", cb_spread);
    claims_register_callback("metric_outside", cb_metric_outside);
    pmlab_register_suite(r, &claims_suite);
}
