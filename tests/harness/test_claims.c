/* The claims engine (harness/src/claims.c) on synthetic trial sets: every rule kind gets a clear
 * pass, a clear fail, an interval that straddles its threshold (inconclusive) and contended trials
 * that are left out and said; claims added by a researcher's file show up as their own rows;
 * malformed files are refused with one precise line; docs/report.md's rule table equals the one
 * generated from experiments/suite/claims.json.
 *
 * usage: test_claims SOURCE_DIR             run the tests
 *        test_claims SOURCE_DIR --markdown  print the generated rule table (to update the docs) */
#define _GNU_SOURCE
#include "claims.h"
#include "registry.h"
#include "stats.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

void pmlab_register_suite_claims(pmlab_registry *r);

static const char *g_src;
static char g_tmp[256];

/* ---- synthetic runs ----------------------------------------------------------------------------
 */
/* roles a and b; runs[2] has a role that is never run in this "mode" */
static const pmlab_suite_run t_runs[] = {{"fake", "", PMLAB_SUITE_QUICK, "a"},
                                         {"fake", "", PMLAB_SUITE_QUICK, "b"},
                                         {"fake", "", PMLAB_SUITE_FULL, "never"},
                                         {NULL, NULL, 0, NULL}};
static const pmlab_suite t_suite = {.name = "t", .runs = t_runs};

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* a run folder <tmp>/<name> with results.csv = header + rows */
static char *run_folder(const char *name, const char *csv)
{
    char *d = xasprintf("%s/%s", g_tmp, name);
    mkdir(d, 0755);
    char *p = xasprintf("%s/results.csv", d);
    write_file(p, csv);
    free(p);
    return d;
}

static char *claims_file(const char *name, const char *json)
{
    char *p = xasprintf("%s/%s.json", g_tmp, name);
    write_file(p, json);
    return p;
}

/* renders one claims text against runs a (and b) and returns the markdown */
/* the roles among claims_render's roles_more (the other entries are "ROLE<TAB>CONFIG_ID") */
static size_t roles_in(const strvec *more)
{
    size_t n = 0;
    for (size_t i = 0; i < more->n; i++)
        n += strchr(more->v[i], '\t') == NULL;
    return n;
}

static char *render(const char *json, const char *csv_a, const char *csv_b, claims_tally *tl,
                    strvec *more)
{
    static int seq;
    char name[32];
    snprintf(name, sizeof name, "c%d", seq);
    char *f = claims_file(name, json);
    char err[512] = "";
    const char *files[] = {f};
    claims_set *cs = claims_load(files, 1, err, sizeof err);
    if (!cs)
        fail_msg("load failed: %s", err);
    assert_int_equal(claims_check_roles(cs, &t_suite, err, sizeof err), 0);
    snprintf(name, sizeof name, "ra%d", seq);
    char *da = csv_a ? run_folder(name, csv_a) : NULL;
    snprintf(name, sizeof name, "rb%d", seq++);
    char *db = csv_b ? run_folder(name, csv_b) : NULL;
    const char *dirs[] = {da, db, NULL};
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    claims_render(cs, &t_suite, dirs, m, tl, more);
    fclose(m);
    claims_free(cs);
    free(f);
    free(da);
    free(db);
    return buf;
}

/* the verdict cell of claim id's row */
static const char *row_of(const char *md, const char *id, char *out, size_t outlen)
{
    char key[64];
    snprintf(key, sizeof key, "\n| %s |", id);
    const char *p = strstr(md, key);
    if (!p)
        return NULL;
    size_t n = strcspn(p + 1, "\n");
    snprintf(out, outlen, "%.*s", (int)n, p + 1);
    return out;
}

#define ASSERT_ROW(md, id, needle)                                                                 \
    do {                                                                                           \
        char row_[4096];                                                                           \
        if (!row_of(md, id, row_, sizeof row_))                                                    \
            fail_msg("no row %s in:\n%s", id, md);                                                 \
        if (!strstr(row_, needle))                                                                 \
            fail_msg("row %s lacks \"%s\":\n%s", id, needle, row_);                                \
    } while (0)

/* rows "threads,backend,status,contended,online_cpus,v" */
static char *rows(const char *backend, int threads, const double *v, size_t n, size_t ncontended,
                  bool header)
{
    sbuf b = {0};
    if (header)
        sb_add(&b, "threads,backend,status,contended,online_cpus,v\n");
    for (size_t i = 0; i < n; i++)
        sb_printf(&b, "%d,%s,ok,%d,2,%.17g\n", threads, backend, i < ncontended ? 1 : 0, v[i]);
    return b.s;
}

static const double TIGHT10[] = {10, 10.1, 9.9, 10.05, 9.95};
static const double TIGHT20[] = {20, 20.2, 19.8, 20.1, 19.9};
static const double WIDE[] = {5, 6, 10, 14, 15};

static char *one(const double *v, size_t ncont)
{
    return rows("x", 1, v, 5, ncont, true);
}

/* ---- range ---- */
static void test_range(void **state)
{
    (void)state;
    const char *j = "{\"claims\": [{\"id\": \"R1\", \"statement\": \"v is {stated}\", \"roles\": "
                    "[\"a\"], \"rule\": {\"kind\": \"range\", \"col\": \"v\", \"stated\": [8, "
                    "12], \"tol\": 1, \"unit\": \"ns\"}}]}";
    claims_tally tl;
    strvec more = {0};
    char *c = one(TIGHT10, 0), *md = render(j, c, NULL, &tl, &more);
    ASSERT_ROW(md, "R1", "**holds**");
    ASSERT_ROW(md, "R1", "v is 8-12 ns"); /* statement rendered from the rule's figure */
    assert_int_equal(tl.holds, 1);
    assert_int_equal(more.n, 0);
    free(md);
    free(c);
    c = one(TIGHT20, 0);
    md = render(j, c, NULL, &tl, NULL);
    ASSERT_ROW(md, "R1", "**does not hold**");
    assert_int_equal(tl.nots, 1);
    free(md);
    free(c);
    c = one(WIDE, 0);
    md = render(j, c, NULL, &tl, &more);
    ASSERT_ROW(md, "R1", "inconclusive: interval [");
    ASSERT_ROW(md, "R1", "straddles");
    assert_int_equal(tl.inconclusive, 1);
    assert_int_equal(roles_in(&more), 1);
    assert_string_equal(more.v[0], "a");
    assert_true(more.n == 2 && !strncmp(more.v[1], "a\t", 2)); /* and its one configuration */
    free(md);
    free(c);
    /* 3 of 5 contended: left out, 2 clean trials are too few, and the row says why */
    c = one(TIGHT10, 3);
    md = render(j, c, NULL, &tl, NULL);
    ASSERT_ROW(md, "R1", "inconclusive: 3 of 5 trials contended");
    ASSERT_ROW(md, "R1", "too few clean trials (n=2, need 3)");
    ASSERT_ROW(md, "R1", "3 contended left out");
    free(md);
    free(c);
    /* contended trials that leave enough clean ones: still decided, and said */
    const double v7[] = {10, 10.1, 9.9, 10.05, 9.95, 30, 30};
    c = rows("x", 1, v7 + 5, 2, 2, true);
    char *c2 = rows("x", 1, v7, 5, 0, false);
    char *all = xasprintf("%s%s", c, c2);
    md = render(j, all, NULL, &tl, NULL);
    ASSERT_ROW(md, "R1", "**holds**");
    ASSERT_ROW(md, "R1", "2 contended left out");
    free(md);
    free(c);
    free(c2);
    free(all);
    /* --quick: one trial gives inconclusive */
    c = rows("x", 1, TIGHT10, 1, 0, true);
    md = render(j, c, NULL, &tl, NULL);
    ASSERT_ROW(md, "R1", "inconclusive: too few clean trials (n=1, need 3)");
    free(md);
    free(c);
    sv_free(&more);
}

/* ---- bound (and each) ---- */
static void test_bound(void **state)
{
    (void)state;
    const char *j = "{\"tolerances\": {\"range\": 1.25}, \"claims\": [{\"id\": \"B1\", "
                    "\"statement\": \"s\", \"roles\": [\"a\"], \"rule\": {\"kind\": \"bound\", "
                    "\"col\": \"v\", \"op\": \"<=\", \"stated\": 12, \"tol\": \"range\"}}]}";
    claims_tally tl;
    char *c = one(TIGHT10, 0), *md = render(j, c, NULL, &tl, NULL);
    ASSERT_ROW(md, "B1", "**holds**");
    ASSERT_ROW(md, "B1", "<= 12"); /* the stated figure, not the widened threshold */
    free(md);
    free(c);
    c = one(TIGHT20, 0);
    md = render(j, c, NULL, &tl, NULL);
    ASSERT_ROW(md, "B1", "**does not hold**: interval [");
    ASSERT_ROW(md, "B1", "] > 15"); /* 12 x 1.25 */
    free(md);
    free(c);
    const double w[] = {10, 12, 15, 17, 20};
    c = rows("x", 1, w, 5, 0, true);
    md = render(j, c, NULL, &tl, NULL);
    ASSERT_ROW(md, "B1", "straddles the threshold 15");
    free(md);
    free(c);
    c = one(TIGHT10, 4);
    md = render(j, c, NULL, &tl, NULL);
    ASSERT_ROW(md, "B1", "inconclusive: 4 of 5 trials contended");
    free(md);
    free(c);
    /* each: one decision per distinct value of a column; one bad group fails the claim */
    const char *je = "{\"claims\": [{\"id\": \"E1\", \"statement\": \"s\", \"roles\": [\"a\"], "
                     "\"rule\": {\"kind\": \"bound\", \"col\": \"v\", \"op\": \"<=\", "
                     "\"stated\": 12, \"each\": \"backend\"}}]}";
    char *p1 = rows("x", 1, TIGHT10, 5, 0, true), *p2 = rows("y", 1, TIGHT20, 5, 0, false);
    char *both = xasprintf("%s%s", p1, p2);
    md = render(je, both, NULL, &tl, NULL);
    ASSERT_ROW(md, "E1", "**does not hold**");
    ASSERT_ROW(md, "E1", "backend=x");
    ASSERT_ROW(md, "E1", "backend=y");
    free(md);
    free(p1);
    free(p2);
    free(both);
}

/* ---- ratio across two roles, and a threads=@T filter ---- */
static void test_ratio(void **state)
{
    (void)state;
    const char *j = "{\"claims\": [{\"id\": \"Q1\", \"statement\": \"a is {stated} b\", "
                    "\"roles\": [\"a\", \"b\"], \"rule\": {\"kind\": \"ratio\", \"col\": \"v\", "
                    "\"op\": \">=\", \"stated\": 1.5, \"num\": {\"role\": \"b\"}, \"den\": "
                    "{\"role\": \"a\"}}}]}";
    claims_tally tl;
    strvec more = {0};
    char *a = one(TIGHT10, 0), *b = one(TIGHT20, 0);
    char *md = render(j, a, b, &tl, NULL);
    ASSERT_ROW(md, "Q1", "**holds**");
    ASSERT_ROW(md, "Q1", "a is >= 1.5x b");
    free(md);
    md = render(j, b, a, &tl, NULL);
    ASSERT_ROW(md, "Q1", "**does not hold**");
    free(md);
    free(b);
    const double w[] = {10, 12, 15, 19, 22};
    b = rows("x", 1, w, 5, 0, true);
    md = render(j, a, b, &tl, &more);
    ASSERT_ROW(md, "Q1", "straddles the threshold 1.5");
    assert_int_equal(roles_in(&more), 2); /* both roles can be rerun */
    assert_int_equal(more.n, 4);           /* each with the configuration the ratio used */
    free(md);
    free(b);
    b = one(TIGHT20, 3);
    md = render(j, a, b, &tl, NULL);
    ASSERT_ROW(md, "Q1", "3 of 10 trials contended");
    ASSERT_ROW(md, "Q1", "too few clean trials (n=2, need 3)");
    free(md);
    free(b);
    /* role b not run in this mode */
    md = render(j, a, NULL, &tl, NULL);
    ASSERT_ROW(md, "Q1", "not run: no run of role b in this mode");
    assert_int_equal(tl.notrun, 1);
    free(md);
    free(a);
    sv_free(&more);
}

/* ---- scaling: T above online CPUs is not testable, never used ---- */
static void test_scaling(void **state)
{
    (void)state;
    const char *j = "{\"claims\": [{\"id\": \"S1\", \"statement\": \"speedup {stated}\", "
                    "\"roles\": [\"a\"], \"rule\": {\"kind\": \"scaling\", \"col\": \"v\", "
                    "\"series_col\": \"backend\", \"series\": [\"x\", \"absent\"], \"stated\": "
                    "{\"2\": 1.9, \"4\": 3.8}}}]}";
    static const double one_t[] = {100, 101, 99, 100.5, 99.5};
    static const double good[] = {200, 202, 198, 201, 199};
    static const double bad[] = {110, 111, 109, 110.5, 109.5};
    static const double noisy[] = {150, 160, 172, 190, 200};
    /* the oversubscribed point (4 threads on 2 CPUs) would fail; it must not be used */
    static const double over[] = {10, 10, 10, 10, 10};
    claims_tally tl;
    const double *cases[] = {good, bad, noisy, good};
    const char *expect[] = {"**holds**", "**does not hold**", "straddles",
                            "4 of 10 trials contended"};
    for (int k = 0; k < 4; k++) {
        char *h = rows("x", 1, one_t, 5, 0, true),
             *t2 = rows("x", 2, cases[k], 5, k == 3 ? 4 : 0, false),
             *t4 = rows("x", 4, over, 5, 0, false);
        char *csv = xasprintf("%s%s%s", h, t2, t4);
        char *md = render(j, csv, NULL, &tl, NULL);
        ASSERT_ROW(md, "S1", expect[k]);
        ASSERT_ROW(md, "S1", "needs 4 cores, machine has 2");
        free(md);
        free(h);
        free(t2);
        free(t4);
        free(csv);
    }
    /* only T above the machine: not testable */
    const char *j32 = "{\"claims\": [{\"id\": \"S2\", \"statement\": \"s\", \"roles\": [\"a\"], "
                      "\"rule\": {\"kind\": \"scaling\", \"col\": \"v\", \"series_col\": "
                      "\"backend\", \"series\": [\"x\"], \"stated\": {\"32\": 24.1}}}]}";
    char *h = rows("x", 1, one_t, 5, 0, true);
    char *md = render(j32, h, NULL, &tl, NULL);
    ASSERT_ROW(md, "S2", "not testable here: needs 32 cores, machine has 2");
    assert_int_equal(tl.untestable, 1);
    free(md);
    /* linear at the most threads not oversubscribed, with a 1-thread-only run: needs 2 cores */
    const char *jl = "{\"claims\": [{\"id\": \"S3\", \"statement\": \"s\", \"roles\": [\"a\"], "
                     "\"rule\": {\"kind\": \"scaling\", \"col\": \"v\", \"series_col\": "
                     "\"backend\", \"series\": [\"x\"], \"stated\": \"linear\"}}]}";
    md = render(jl, h, NULL, &tl, NULL);
    ASSERT_ROW(md, "S3", "not testable here: needs 2 cores");
    free(md);
    free(h);
}

/* ---- invariant: exact, only rows that ran ---- */
static void test_invariant(void **state)
{
    (void)state;
    const char *j = "{\"claims\": [{\"id\": \"I1\", \"statement\": \"s\", \"roles\": [\"a\"], "
                    "\"rule\": {\"kind\": \"invariant\", \"col\": \"m\", \"op\": \"==\", "
                    "\"value\": 0, \"fail_status\": \"invariant-violated\"}}, {\"id\": \"I2\", "
                    "\"statement\": \"s\", \"roles\": [\"a\"], \"rule\": {\"kind\": "
                    "\"invariant\", \"col\": \"cases\", \"op\": \"has_item\", \"value\": "
                    "\"x=Ok\"}}]}";
    claims_tally tl;
    char *md = render(j,
                      "status,contended,m,cases\nok,0,0,x=Ok;y=Err\nok,1,0,x=Ok\n"
                      "crashed:SIGSEGV,0,7,\n",
                      NULL, &tl, NULL);
    ASSERT_ROW(md, "I1", "**holds**"); /* the crashed row did not run: its 7 is not used */
    ASSERT_ROW(md, "I2", "**holds**");
    free(md);
    md = render(j, "status,contended,m,cases\nok,0,0,x=Err\nok,0,2,x=Ok\n", NULL, &tl, NULL);
    ASSERT_ROW(md, "I1", "**does not hold**: 1 of 2 rows violate it");
    ASSERT_ROW(md, "I2", "**does not hold**");
    free(md);
    md = render(j, "status,contended,m,cases\ninvariant-violated,0,0,y=Ok\n", NULL, &tl, NULL);
    ASSERT_ROW(md, "I1", "**does not hold**");
    free(md);
    md = render(j, "status,contended,m,cases\nok,0,0,y=Ok\n", NULL, &tl, NULL);
    ASSERT_ROW(md, "I2", "not testable here: the a rows do not report x");
    free(md);
    md = render(j, "status,contended,other\nok,0,0\n", NULL, &tl, NULL);
    ASSERT_ROW(md, "I1", "not testable here: the a rows lack column m");
    free(md);
}

/* ---- untestable, callback, all, expressions, show ---- */
static claim_verdict cb_test(const claims_ctx *cx, const void *rule, sbuf *m, char *reason,
                             size_t rl)
{
    (void)rule;
    double *v = NULL;
    size_t n = claims_ctx_values(cx, "a", "backend=x", "v", &v, NULL);
    sb_printf(m, "callback saw %zu values", n);
    free(v);
    snprintf(reason, rl, "test callback");
    return n >= 5 ? CLAIM_HOLDS : CLAIM_FAILS;
}

static void test_other_kinds(void **state)
{
    (void)state;
    claims_register_callback("test_cb", cb_test);
    const char *j =
        "{\"claims\": ["
        "{\"id\": \"U1\", \"statement\": \"s\", \"roles\": [], \"rule\": {\"kind\": "
        "\"untestable\", \"reason\": \"no such layout\"}},"
        "{\"id\": \"U2\", \"statement\": \"s\", \"roles\": [\"a\"], \"rule\": {\"kind\": "
        "\"untestable\", \"needs_cores\": 64, \"reason\": \"x\"}},"
        "{\"id\": \"K1\", \"statement\": \"s\", \"roles\": [\"a\"], \"rule\": {\"kind\": "
        "\"callback\", \"name\": \"test_cb\"}},"
        "{\"id\": \"A1\", \"statement\": \"low {low} and high {high}\", \"roles\": [\"a\"], "
        "\"rule\": {\"kind\": \"all\", \"rules\": ["
        " {\"label\": \"low\", \"kind\": \"bound\", \"col\": \"v\", \"op\": \">=\", \"stated\": 5},"
        " {\"label\": \"high\", \"kind\": \"bound\", \"col\": \"v\", \"op\": \"<=\", "
        "\"stated\": 11}]}, \"show\": [{\"label\": \"also\", \"col\": \"v\"}]},"
        "{\"id\": \"X1\", \"statement\": \"s\", \"roles\": [\"a\"], \"rule\": {\"kind\": "
        "\"range\", \"stated\": [80, 100], \"tol\": 1, \"sets\": {\"p\": {\"col\": \"v\"}, "
        "\"q\": {\"col\": \"v\"}}, \"expr\": \"(max(p, q) * 10 - min(p, q)) / (1 + 0)\"}}"
        "]}";
    claims_tally tl;
    char *c = one(TIGHT10, 0), *md = render(j, c, NULL, &tl, NULL);
    ASSERT_ROW(md, "U1", "not testable here: no such layout");
    ASSERT_ROW(md, "U2", "not testable here: needs 64 cores, machine has 2");
    ASSERT_ROW(md, "K1", "**holds**: test callback");
    ASSERT_ROW(md, "K1", "callback saw 5 values");
    ASSERT_ROW(md, "A1", "**holds**");
    ASSERT_ROW(md, "A1", "low >= 5 and high <= 11");
    ASSERT_ROW(md, "A1", "also 10");
    ASSERT_ROW(md, "X1", "**holds**"); /* about 10*10 - 10 = 90 */
    free(md);
    free(c);
    c = one(TIGHT20, 0);
    md = render(j, c, NULL, &tl, NULL);
    ASSERT_ROW(md, "A1", "**does not hold**"); /* one part fails -> the claim fails */
    free(md);
    free(c);
    c = one(WIDE, 0);
    md = render(j, c, NULL, &tl, NULL);
    ASSERT_ROW(md, "A1", "inconclusive"); /* one part straddles, none fails */
    free(md);
    free(c);
    /* not run: the callback's run is missing -> K1 fails per its own logic, U2 is not run */
    md = render(j, NULL, NULL, &tl, NULL);
    ASSERT_ROW(md, "U2", "not run: no run of role a");
    ASSERT_ROW(md, "A1", "not run");
    free(md);
    /* the header counts every verdict */
    c = one(TIGHT10, 0);
    md = render(j, c, NULL, &tl, NULL);
    assert_int_equal(tl.holds, 3);
    assert_int_equal(tl.untestable, 2);
    assert_non_null(strstr(md, "Verdicts: 3 hold, 0 do not hold, 0 inconclusive, 2 not "
                               "testable here, 0 not run."));
    free(md);
    free(c);
}

/* ---- malformed files are refused with one line naming file and claim ---- */
static void expect_refused(const char *json, const char *needle)
{
    char *f = claims_file("bad", json);
    char err[512] = "";
    const char *files[] = {f};
    claims_set *cs = claims_load(files, 1, err, sizeof err);
    if (cs)
        fail_msg("accepted: %s", json);
    if (!strstr(err, needle) || !strstr(err, f) || strchr(err, '\n'))
        fail_msg("message \"%s\" lacks \"%s\" or the file", err, needle);
    free(f);
}

static void test_malformed(void **state)
{
    (void)state;
    expect_refused("{\"claims\": [", "bad.json:1:");
    expect_refused("{\"claim\": []}", "\"claims\" array");
    expect_refused("{\"claims\": [{\"statement\": \"s\"}]}", "claims[0]: no \"id\"");
    expect_refused("{\"claims\": [{\"id\": \"Z\", \"statement\": \"s\", \"roles\": [\"a\"], "
                   "\"rule\": {\"kind\": \"wobble\"}}]}",
                   "claim Z: rule: unknown rule kind 'wobble'");
    expect_refused("{\"claims\": [{\"id\": \"Z\", \"statement\": \"s\", \"roles\": [\"a\"], "
                   "\"rule\": {\"kind\": \"range\", \"col\": \"v\"}}]}",
                   "claim Z: rule: \"stated\"");
    expect_refused("{\"claims\": [{\"id\": \"Z\", \"statement\": \"s\", \"roles\": [\"a\"], "
                   "\"rule\": {\"kind\": \"bound\", \"col\": \"v\", \"stated\": 3}}]}",
                   "claim Z: rule: \"op\"");
    expect_refused("{\"claims\": [{\"id\": \"Z\", \"statement\": \"s\", \"roles\": [\"a\"], "
                   "\"rule\": {\"kind\": \"range\", \"stated\": [1, 2], \"sets\": {\"p\": "
                   "{\"col\": \"v\"}}, \"expr\": \"p / w\"}}]}",
                   "claim Z: rule: expr \"p / w\": unknown set 'w'");
    expect_refused("{\"claims\": [{\"id\": \"Z\", \"statement\": \"s\", \"roles\": [\"a\"], "
                   "\"rule\": {\"kind\": \"bound\", \"role\": \"b\", \"col\": \"v\", \"op\": "
                   "\"<=\", \"stated\": 1}}]}",
                   "claim Z: rule: role 'b' is not in the claim's \"roles\"");
    expect_refused("{\"claims\": [{\"id\": \"Z\", \"statement\": \"s\", \"roles\": [], \"rule\": "
                   "{\"kind\": \"callback\", \"name\": \"nope\"}}]}",
                   "claim Z: rule: unknown callback 'nope'");
    expect_refused("{\"claims\": [{\"id\": \"Z\", \"statement\": \"s\", \"roles\": [], \"rule\": "
                   "{\"kind\": \"untestable\", \"reason\": \"r\"}}, {\"id\": \"Z\", "
                   "\"statement\": \"s\", \"roles\": [], \"rule\": {\"kind\": \"untestable\", "
                   "\"reason\": \"r\"}}]}",
                   "claim Z: id already defined");
    /* an unknown role loads but is refused against the suite, before any run */
    char *f = claims_file("role", "{\"claims\": [{\"id\": \"W\", \"statement\": \"s\", "
                                  "\"roles\": [\"zzz\"], \"rule\": {\"kind\": \"bound\", "
                                  "\"col\": \"v\", \"op\": \"<=\", \"stated\": 1}}]}");
    char err[512];
    const char *files[] = {f};
    claims_set *cs = claims_load(files, 1, err, sizeof err);
    assert_non_null(cs);
    assert_int_equal(claims_check_roles(cs, &t_suite, err, sizeof err), -1);
    assert_non_null(strstr(err, "claim W: unknown role 'zzz'"));
    assert_non_null(strstr(err, f));
    claims_free(cs);
    free(f);
}

/* ---- the real catalogue: loads, every role exists, a researcher's file adds its own row, and
 * docs/report.md's rule table is the generated one ---- */
static const pmlab_suite *real_suite(void)
{
    static bool done;
    if (!done) {
        pmlab_register_suite_claims(&g_reg);
        done = true;
    }
    for (size_t i = 0; i < g_reg.nsuites; i++)
        if (!strcmp(g_reg.suites[i]->name, "claims"))
            return g_reg.suites[i];
    return NULL;
}

static void test_catalogue_and_example(void **state)
{
    (void)state;
    const pmlab_suite *s = real_suite();
    assert_non_null(s);
    char *cat = xasprintf("%s/%s", g_src, s->claims_file);
    char *ex = xasprintf("%s/experiments/suite/examples/my-paper.json", g_src);
    const char *files[] = {cat, ex};
    char err[512] = "";
    claims_set *cs = claims_load(files, 2, err, sizeof err);
    if (!cs)
        fail_msg("%s", err);
    if (claims_check_roles(cs, s, err, sizeof err))
        fail_msg("%s", err);
    /* a read run with epoch at 1 and 2 threads: the example claim decides on it */
    size_t nruns = 0;
    while (s->runs[nruns].experiment)
        nruns++;
    const char **dirs = xcalloc(nruns, sizeof *dirs);
    static const double r1[] = {100, 101, 99, 100.5, 99.5}, r2[] = {196, 198, 195, 197, 199};
    char *h = rows("epoch", 1, r1, 5, 0, true), *t2 = rows("epoch", 2, r2, 5, 0, false);
    char *csv = xasprintf("%s%s", h, t2);
    /* the header names the column ops_per_sec */
    char *fixed = xasprintf("threads,backend,status,contended,online_cpus,ops_per_sec\n%s",
                            strchr(csv, '\n') + 1);
    char *rd = run_folder("05-read", fixed);
    for (size_t i = 0; i < nruns; i++)
        if (!strcmp(s->runs[i].role, "read") && (s->runs[i].modes & PMLAB_SUITE_DEFAULT))
            dirs[i] = rd;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    claims_tally tl;
    claims_render(cs, s, dirs, m, &tl, NULL);
    fclose(m);
    ASSERT_ROW(buf, "PAPER-1", "**holds**");
    assert_non_null(strstr(buf, "### Claims from our paper"));
    ASSERT_ROW(buf, "C040", "speedup at 2T");
    ASSERT_ROW(buf, "C005", "not run");
    assert_int_equal(tl.holds + tl.nots + tl.inconclusive + tl.untestable + tl.notrun,
                     claims_count(cs));
    free(buf);
    free(dirs);
    free(h);
    free(t2);
    free(csv);
    free(fixed);
    free(rd);
    claims_free(cs);
    free(cat);
    free(ex);
}

static char *generated_table(void)
{
    const pmlab_suite *s = real_suite();
    char *cat = xasprintf("%s/%s", g_src, s->claims_file);
    const char *files[] = {cat};
    char err[512];
    claims_set *cs = claims_load(files, 1, err, sizeof err);
    if (!cs) {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    claims_markdown(cs, m);
    fclose(m);
    claims_free(cs);
    free(cat);
    return buf;
}

#define BEGIN_MARK "<!-- claims-table: generated from experiments/suite/claims.json -->\n"
#define END_MARK   "<!-- claims-table end -->\n"

static void test_docs_table(void **state)
{
    (void)state;
    char *p = xasprintf("%s/docs/report.md", g_src);
    char *doc = slurp(p, NULL);
    assert_non_null(doc);
    char *b = strstr(doc, BEGIN_MARK), *e = b ? strstr(b, END_MARK) : NULL;
    if (!b || !e)
        fail_msg("docs/report.md lacks the generated-table markers");
    b += strlen(BEGIN_MARK);
    *e = 0;
    char *gen = generated_table();
    if (strcmp(b, gen))
        fail_msg("docs/report.md's rule table differs from experiments/suite/claims.json; "
                 "regenerate it: build/<preset>/tests/harness/test_claims SOURCE_DIR --markdown");
    free(gen);
    free(doc);
    free(p);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s SOURCE_DIR [--markdown]\n", argv[0]);
        return 2;
    }
    g_src = argv[1];
    if (argc > 2 && !strcmp(argv[2], "--markdown")) {
        char *t = generated_table();
        fputs(t, stdout);
        free(t);
        return 0;
    }
    snprintf(g_tmp, sizeof g_tmp, "/tmp/pmlab-claims-XXXXXX");
    if (!mkdtemp(g_tmp))
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_range),      cmocka_unit_test(test_bound),
        cmocka_unit_test(test_ratio),      cmocka_unit_test(test_scaling),
        cmocka_unit_test(test_invariant),  cmocka_unit_test(test_other_kinds),
        cmocka_unit_test(test_malformed),  cmocka_unit_test(test_catalogue_and_example),
        cmocka_unit_test(test_docs_table),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char *cmd = xasprintf("rm -rf '%s'", g_tmp);
    if (system(cmd) != 0)
        rc = rc ? rc : 1;
    free(cmd);
    return rc;
}
