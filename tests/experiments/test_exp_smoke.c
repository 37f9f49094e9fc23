/* Every experiment registered in the built pmlab, run with its declared smoke options
 * (pmlab_experiment.smoke_args, read through `pmlab list --smoke`): small sizes, 1-2 threads,
 * short durations. An experiment that declares none fails its case by name, so a new experiment is
 * smoke-tested without an edit here. Each row must pass a schema check: the required columns
 * exist, every numeric cell is finite, ops > 0, status ok. Also: the memory experiment's figures
 * equal the core's own accounting for the same map (within 1 %); the zipperhead matrix agrees
 * with the prefix oracle and gives the expected answers for the claims' cases; algebra's identity
 * short-cut allocates nothing; merge's result is the union. No timing assertions.
 * Usage: test_exp_smoke PMLAB */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "exp_test_util.h"

#include "common/exp.h"

static const char *g_pmlab;
static char g_tmp[256];

static const char *const common_cols[] = {
    "experiment",   "backend",     "alloc",   "threads", "online_cpus", "oversubscribed",
    "trial",        "keys",        "size",    "ops",     "seconds",     "ops_per_sec",
    "p50_ns",       "p99_ns",      "p999_ns", "max_ns",  "retired",     "freed",
    "pending_peak", "rss_peak_kb", "status",  NULL};

/* Optional, per experiment: columns that must exist and be filled in its smoke rows. An
 * experiment without an entry gets the common checks only; an entry naming no registered
 * experiment fails (expectations_match_registry). */
typedef struct {
    const char *name;
    const char *cols[9]; /* NULL-terminated */
} expect;

static const expect expects[] = {
    {"atomics", {"op", "order", "placement", "ns_per_op"}},
    {"clone",
     {"method", "ns_per_clone", "allocs_per_clone", "ns_per_drop", "node_allocs_per_clone"}},
    {"memory",
     {"bytes_per_key", "nodes_per_key", "clones", "modified_pct", "sharing_factor", "mem_source"}},
    {"peers", {"structure", "op", "bytes_per_key", "mem_source"}},
    {"read", {"hit_ratio", "query"}},
    {"dispatch", {"variant", "ns_per_op"}},
    {"hybrid", {"pending_peak", "invariant_violations", "commits"}},
    {"stall", {"pending_peak", "invariant_violations", "variant", "memory", "declared"}},
    {"conform", {"checks_failed", "first_failure"}},
    {"clone-mt", {"method", "ns_per_clone"}},
    {"write", {"method", "partitions", "ns_per_insert"}},
    {"merge",
     {"method", "op", "merge_ms", "merge_work_ms", "clones", "delta", "result_keys",
      "expected_keys"}},
    {"zipperhead", {"kind", "live", "live_kind", "ns_per_create", "ns_per_release", "creates"}},
    {"algebra",
     {"op", "layout", "overlap_pct", "ns_per_op", "allocs", "result_keys", "identity",
      "self_allocs"}},
    {"alloc", {"workload"}},
    {"example", {"hit_ratio"}},
};
#define NEXPECTS (sizeof expects / sizeof expects[0])

/* Extra runs of an experiment beyond its smoke options: code paths the smoke options skip. */
typedef struct {
    const char *label;
    const char *experiment;
    const char *args;
    const char *cols[9]; /* NULL-terminated */
} variant;

static const variant variants[] = {
    {"read-prefix",
     "read",
     "--backends urcu-qsbr,refcount --threads 1 --size 2000 --duration-ms 30 --warmup-ms 0 "
     "--param query=prefix --param miss_pct=10",
     {"hit_ratio", "query"}},
    {"zipperhead-matrix",
     "zipperhead",
     "--param kind=matrix --param live=0,20 --param "
     "pair=all,p1_p10,root_reader_writer,reader_reader",
     {"pair", "path_a", "path_b", "kind_a", "kind_b", "outcome", "expected", "oracle_mismatches"}},
};
#define NVARIANTS (sizeof variants / sizeof variants[0])

/* One smoke case: a registered experiment with its smoke_args (args NULL: none declared), or a
 * variant. */
typedef struct {
    char *name;     /* case label */
    char *exp_args; /* "EXPERIMENT OPTIONS" for et_run, NULL when the experiment declares none */
    const char *const *cols; /* required experiment columns, NULL-terminated, may be NULL */
} smoke;

static smoke *g_smokes;
static size_t g_nsmokes;
static char **g_registered; /* experiment names, in `pmlab list --smoke` order */
static size_t g_nregistered;

static void check_rows(const smoke *s, const char *dir)
{
    char path[1024];
    assert_true((size_t)snprintf(path, sizeof path, "%s/results.csv", dir) < sizeof path);
    et_csv t;
    assert_int_equal(et_read(path, &t), 0);
    assert_true(t.nrows > 0);
    for (const char *const *c = common_cols; *c; c++)
        if (et_col(&t, *c) < 0)
            fail_msg("%s: missing common column %s", s->name, *c);
    for (size_t i = 0; s->cols && s->cols[i]; i++)
        if (et_col(&t, s->cols[i]) < 0)
            fail_msg("%s: missing column %s", s->name, s->cols[i]);
    for (size_t r = 0; r < t.nrows; r++) {
        const char *st = et_get(&t, r, "status");
        if (strcmp(st, "ok") != 0)
            fail_msg("%s row %zu: status %s (params %s)", s->name, r, st, et_get(&t, r, "params"));
        for (size_t c = 0; c < t.ncols; c++) {
            const char *v = t.rows[r][c];
            if (!strcasecmp(v, "nan") || !strcasecmp(v, "-nan") || !strcasecmp(v, "inf") ||
                !strcasecmp(v, "-inf"))
                fail_msg("%s row %zu: column %s is %s", s->name, r, t.cols[c], v);
            char *end;
            double d = strtod(v, &end);
            if (*v && !*end && !isfinite(d))
                fail_msg("%s row %zu: column %s not finite", s->name, r, t.cols[c]);
        }
        if (strtod(et_get(&t, r, "ops"), NULL) <= 0)
            fail_msg("%s row %zu: no operations", s->name, r);
        for (size_t i = 0; s->cols && s->cols[i]; i++)
            if (!*et_get(&t, r, s->cols[i]) && strcmp(s->cols[i], "bytes_per_key") &&
                strcmp(s->cols[i], "pending_peak"))
                fail_msg("%s row %zu: column %s empty", s->name, r, s->cols[i]);
    }
    et_free(&t);
}

static void test_smoke(void **state)
{
    const smoke *s = *state;
    if (!s->exp_args)
        fail_msg("experiment %s declares no smoke_args in its pmlab_experiment registration "
                 "(harness/include/pmlab/experiment.h): it cannot be smoke-tested",
                 s->name);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s", g_tmp, s->name);
    int rc = et_run(g_pmlab, dir, s->exp_args);
    if (rc != 0) {
        char cmd[1200];
        snprintf(cmd, sizeof cmd, "cat '%s.log'; cat '%s/results.csv'", dir, dir);
        if (system(cmd)) {
        }
        fail_msg("%s: pmlab exited %d", s->name, rc);
    }
    check_rows(s, dir);
}

/* memory's bytes agree with pm_map_footprint / pm_mem_stats of the same map built here */
static void test_memory_accounting(void **state)
{
    (void)state;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/memory-acct", g_tmp);
    assert_int_equal(
        et_run(g_pmlab, dir, "memory --keys kb --size 3000 --seed 7 --param clones=0 --trials 1"),
        0);
    char path[600];
    snprintf(path, sizeof path, "%s/results.csv", dir);
    et_csv t;
    assert_int_equal(et_read(path, &t), 0);
    assert_int_equal(t.nrows, 1);
    double base = strtod(et_get(&t, 0, "base_bytes"), NULL);
    double live = strtod(et_get(&t, 0, "base_live_bytes"), NULL);
    double bpk = strtod(et_get(&t, 0, "bytes_per_key"), NULL);
    double npk = strtod(et_get(&t, 0, "nodes_per_key"), NULL);
    double nkeys = strtod(et_get(&t, 0, "nkeys"), NULL);
    double sf = strtod(et_get(&t, 0, "sharing_factor"), NULL);
    et_free(&t);

    pmx_keys k;
    char err[256];
    assert_int_equal(pmx_keys_make("kb", 3000, 1, 7, &k, err, sizeof err), 0); /* trial 0: seed */
    pm_mem_stats s0, s1;
    pm_mem_stats_get(&s0);
    pm_map *m = NULL;
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    assert_int_equal(pmx_insert_range(m, &k, 0, k.n, 0), PM_OK);
    pm_mem_stats_get(&s1);
    size_t nodes = 0, bytes = 0;
    assert_int_equal(pm_map_footprint(m, &nodes, &bytes), PM_OK);
    assert_true(nkeys == (double)k.n);
    assert_true(fabs(base - (double)bytes) <= 0.01 * (double)bytes);
    assert_true(fabs(live - (double)(s1.live_bytes - s0.live_bytes)) <= 0.01 * live);
    assert_true(fabs(bpk * nkeys - (double)bytes) <= 0.01 * (double)bytes);
    assert_true(fabs(npk * nkeys - (double)nodes) <= 0.01 * (double)nodes);
    assert_true(fabs(sf - 1.0) <= 0.01); /* no clones: all bytes are the base's */
    pm_map_free(m);
    pmx_keys_free(&k);
}

/* Runs ARGS into DIR and reads its results.csv (every row status ok). */
static void run_table(const char *name, const char *args, et_csv *t)
{
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/%s", g_tmp, name);
    assert_int_equal(et_run(g_pmlab, dir, args), 0);
    snprintf(path, sizeof path, "%s/results.csv", dir);
    assert_int_equal(et_read(path, t), 0);
    assert_true(t->nrows > 0);
}

static double num(const et_csv *t, size_t r, const char *col)
{
    const char *v = et_get(t, r, col);
    if (!v || !*v)
        fail_msg("column %s empty in row %zu", col, r);
    return strtod(v, NULL);
}

/* zipperhead: the matrix agrees with the oracle; the claims' cases give the byte-prefix answers */
static void test_zipperhead_matrix(void **state)
{
    (void)state;
    et_csv t;
    run_table("zh-matrix",
              "zipperhead --param kind=matrix --param live=0 --param "
              "pair=all,p1_p10,p1s_p10s,reader_reader,writer_root_reader",
              &t);
    assert_int_equal(t.nrows, 5);
    for (size_t r = 0; r < t.nrows; r++) {
        assert_true(num(&t, r, "oracle_mismatches") == 0);
        const char *pair = et_get(&t, r, "pair"), *out = et_get(&t, r, "outcome");
        if (!strcmp(pair, "all")) {
            assert_true(num(&t, r, "partition_first_err") == 10); /* C067 */
            assert_true(num(&t, r, "slash_first_err") == -1);
            assert_string_equal(out, et_get(&t, r, "expected"));
            const char *cases = et_get(&t, r, "cases");
            const char *want[] = {"ab_then_a=Err",
                                  "abc_ab=Err",
                                  "ab_cd=Ok",
                                  "ab_xy=Ok",
                                  "equal_ww=Err",
                                  "empty_ww=Err",
                                  "root_reader_writer=Err",
                                  "writer_root_reader=Err",
                                  "reader_reader=Ok",
                                  NULL};
            for (const char **w = want; *w; w++)
                if (!strstr(cases, *w))
                    fail_msg("cases lacks %s: %s", *w, cases);
            assert_null(strstr(cases, "(!)"));
        } else if (!strcmp(pair, "p1_p10") || !strcmp(pair, "writer_root_reader")) {
            assert_string_equal(out, "Err");
        } else {
            assert_string_equal(out, "Ok");
        }
    }
    et_free(&t);
}

/* algebra: an op with the map's own clone is the identity and allocates nothing in place; with
 * 100 % overlap the result is reported as an identity too (found by the walk) */
static void test_algebra_identity(void **state)
{
    (void)state;
    et_csv t;
    run_table("alg-identity",
              "algebra --param sizes=3000 --param overlap=100 --param op=join,meet,restrict "
              "--duration-ms 5 --warmup-ms 0",
              &t);
    for (size_t r = 0; r < t.nrows; r++) {
        assert_true(num(&t, r, "self_allocs") == 0);
        assert_true(num(&t, r, "self_lib_allocs") == 0);
        assert_string_equal(et_get(&t, r, "self_result"), "identity");
        assert_true(num(&t, r, "identity") == 1);
        assert_true(num(&t, r, "result_keys") == 3000);
    }
    et_free(&t);
}

/* clone: both methods by default; pm_map_clone allocates the handle and nothing else,
 * pm_map_clone_at (slot) allocates nothing */
static void test_clone_methods(void **state)
{
    (void)state;
    et_csv t;
    run_table("clone-methods",
              "clone --keys ints --param sizes=0,2000 --duration-ms 5 --warmup-ms 0 --trials 1",
              &t);
    assert_int_equal(t.nrows, 4);
    size_t nslot = 0;
    for (size_t r = 0; r < t.nrows; r++) {
        int slot = !strcmp(et_get(&t, r, "method"), "slot");
        if (!slot)
            assert_string_equal(et_get(&t, r, "method"), "heap");
        nslot += (size_t)slot;
        assert_true(num(&t, r, "allocs_per_clone") == (slot ? 0 : 1));
        assert_true(num(&t, r, "node_allocs_per_clone") == 0);
    }
    assert_int_equal(nslot, 2);
    et_free(&t);
}

/* merge: join = union (n + K*delta keys), meet = the base, with both methods */
static void test_merge_union(void **state)
{
    (void)state;
    et_csv t;
    run_table("merge-union",
              "merge --threads 2 --keys kb --size 1500 --param clones=3,8 --param delta=7 "
              "--param op=join,meet --param placement=own --duration-ms 5 --warmup-ms 0",
              &t);
    assert_int_equal(t.nrows, 8);
    for (size_t r = 0; r < t.nrows; r++) {
        double n = num(&t, r, "base_keys"), K = num(&t, r, "clones");
        double want = !strcmp(et_get(&t, r, "op"), "join") ? n + K * 7 : n;
        assert_true(num(&t, r, "result_keys") == want);
        assert_true(num(&t, r, "merge_depth") ==
                    (!strcmp(et_get(&t, r, "method"), "tree") ? (K == 3 ? 2 : 3) : K - 1));
    }
    et_free(&t);
}

/* every experiment named in expects[] and variants[] is registered: the tables cannot drift */
static void test_expectations_match_registry(void **state)
{
    (void)state;
    assert_true(g_nregistered > 0);
    for (size_t i = 0; i < NEXPECTS + NVARIANTS; i++) {
        const char *name = i < NEXPECTS ? expects[i].name : variants[i - NEXPECTS].experiment;
        bool found = false;
        for (size_t j = 0; j < g_nregistered && !found; j++)
            found = !strcmp(g_registered[j], name);
        if (!found)
            fail_msg("test_exp_smoke.c names experiment '%s', which pmlab does not register", name);
    }
}

/* `pmlab help NAME` and `pmlab run NAME --help` describe every registered experiment, also one
 * whose name is a command too (merge) */
static void test_help_of_every_experiment(void **state)
{
    (void)state;
    for (size_t i = 0; i < g_nregistered; i++) {
        for (int form = 0; form < 2; form++) {
            char cmd[1200], path[600];
            snprintf(path, sizeof path, "%s/help-%s.txt", g_tmp, g_registered[i]);
            snprintf(cmd, sizeof cmd,
                     form ? "'%s' run '%s' --help > '%s'" : "'%s' help '%s' > '%s'", g_pmlab,
                     g_registered[i], path);
            int rc = system(cmd);
            if (!WIFEXITED(rc) || WEXITSTATUS(rc) != 0)
                fail_msg("%s for experiment %s failed", form ? "run --help" : "help",
                         g_registered[i]);
            FILE *f = fopen(path, "r");
            assert_non_null(f);
            char line[512], want[128];
            snprintf(want, sizeof want, "%s - ", g_registered[i]);
            bool found = false;
            while (!found && fgets(line, sizeof line, f))
                found = !strncmp(line, want, strlen(want));
            fclose(f);
            if (!found)
                fail_msg("pmlab %s %s does not describe the experiment",
                         form ? "run --help" : "help", g_registered[i]);
        }
    }
}

static const char *const *expected_cols(const char *name)
{
    for (size_t i = 0; i < NEXPECTS; i++)
        if (!strcmp(expects[i].name, name))
            return expects[i].cols;
    return NULL;
}

/* Reads `PMLAB list --smoke`: "NAME\tOPTIONS" per experiment, or "NAME" alone when it declares
 * no smoke options. Returns 0, or -1 when pmlab cannot be run or prints nothing. */
static int load_registry(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "'%s' list --smoke", g_pmlab);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, p)) > 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        if (!len)
            continue;
        char *tab = strchr(line, '\t');
        if (tab)
            *tab = 0;
        g_smokes = realloc(g_smokes, (g_nsmokes + 1) * sizeof *g_smokes);
        g_registered = realloc(g_registered, (g_nregistered + 1) * sizeof *g_registered);
        smoke *s = &g_smokes[g_nsmokes++];
        s->name = strdup(line);
        s->cols = expected_cols(line);
        s->exp_args = NULL;
        if (tab && asprintf(&s->exp_args, "%s %s", line, tab + 1) < 0)
            s->exp_args = NULL;
        g_registered[g_nregistered++] = strdup(line);
    }
    free(line);
    int st = pclose(p);
    if (st != 0 || g_nsmokes == 0) {
        fprintf(stderr, "'%s list --smoke' failed (status %d) or listed no experiment\n", g_pmlab,
                st);
        return -1;
    }
    for (size_t i = 0; i < NVARIANTS; i++) {
        g_smokes = realloc(g_smokes, (g_nsmokes + 1) * sizeof *g_smokes);
        smoke *s = &g_smokes[g_nsmokes++];
        s->name = strdup(variants[i].label);
        s->cols = variants[i].cols;
        if (asprintf(&s->exp_args, "%s %s", variants[i].experiment, variants[i].args) < 0)
            s->exp_args = NULL;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PMLAB\n", argv[0]);
        return 2;
    }
    g_pmlab = argv[1];
    if (load_registry() != 0)
        return 1;
    snprintf(g_tmp, sizeof g_tmp, "/tmp/pmx-test-XXXXXX");
    if (!mkdtemp(g_tmp))
        return 2;
    struct CMUnitTest *tests = calloc(g_nsmokes + 7, sizeof *tests);
    size_t n = 0;
    tests[n++] = (struct CMUnitTest){"expectations_match_registry",
                                     test_expectations_match_registry, NULL, NULL, NULL};
    tests[n++] = (struct CMUnitTest){"help_of_every_experiment", test_help_of_every_experiment,
                                     NULL, NULL, NULL};
    for (size_t i = 0; i < g_nsmokes; i++)
        tests[n++] = (struct CMUnitTest){g_smokes[i].name, test_smoke, NULL, NULL, &g_smokes[i]};
    tests[n++] = (struct CMUnitTest){"memory_accounting", test_memory_accounting, NULL, NULL, NULL};
    tests[n++] = (struct CMUnitTest){"zipperhead_matrix", test_zipperhead_matrix, NULL, NULL, NULL};
    tests[n++] = (struct CMUnitTest){"algebra_identity", test_algebra_identity, NULL, NULL, NULL};
    tests[n++] = (struct CMUnitTest){"merge_union", test_merge_union, NULL, NULL, NULL};
    tests[n++] = (struct CMUnitTest){"clone_methods", test_clone_methods, NULL, NULL, NULL};
    int rc = _cmocka_run_group_tests("experiments_smoke", tests, n, NULL, NULL);
    if (rc == 0) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_tmp);
        if (system(cmd)) {
        }
    }
    for (size_t i = 0; i < g_nsmokes; i++) {
        free(g_smokes[i].name);
        free(g_smokes[i].exp_args);
    }
    for (size_t i = 0; i < g_nregistered; i++)
        free(g_registered[i]);
    free(g_smokes);
    free(g_registered);
    free(tests);
    return rc;
}
