/* `pmlab compare` on synthetic run folders whose trials and spread the test chooses (no
 * measurement, so nothing here depends on how noisy the machine is): identical distributions
 * flag nothing, a clear shift is flagged, a one-trial side is inconclusive, contended trials are
 * left out and counted, many configurations are decided as a family (Holm), --by pairs
 * configurations within a run, settings that differ are warned about, and --fail-above sets the
 * exit status. */
#include "harness_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

typedef struct {
    const char *backend, *threads, *id;
    const double *ops; /* per trial */
    size_t n;
    const int *contended; /* per trial, NULL: none; -1: the run has no contended column */
} cfg;

typedef struct {
    const char *binary, *duration_ms;
    bool no_contended_col;
} settings;

static const settings same = {"fnv1a64:1111", "200", false};

/* writes DIR/results.csv and DIR/meta.json */
static const char *make_run(const char *name, const cfg *c, size_t nc, const settings *s)
{
    static char dirs[32][512]; /* tu_path's buffers are reused: keep the folder names here */
    static size_t ndirs;
    char *dir = dirs[ndirs++ % 32];
    snprintf(dir, sizeof dirs[0], "%s", tu_path(name));
    mkdir(dir, 0755);
    char p[600];
    snprintf(p, sizeof p, "%s/results.csv", dir);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fprintf(f,
            "experiment,backend,alloc,threads,online_cpus,oversubscribed,trial,keys,size,"
            "update_pct,params,config_id,pin,duration_ms,warmup_ms,ops_per_sec,p99_ns,status%s\n",
            s->no_contended_col ? "" : ",cpu_share,nivcsw,contended");
    for (size_t i = 0; i < nc; i++)
        for (size_t t = 0; t < c[i].n; t++) {
            int ct = c[i].contended ? c[i].contended[t] : 0;
            fprintf(f, "synth,%s,glibc,%s,2,0,%zu,-,1000,0,work=5,%s,on,%s,50,%.6f,%.0f,ok",
                    c[i].backend, c[i].threads, t, c[i].id, s->duration_ms, c[i].ops[t],
                    1e9 / c[i].ops[t]);
            if (!s->no_contended_col)
                fprintf(f, ",%s,%d,%d", ct ? "0.40" : "0.99", ct ? 50 : 0, ct);
            fputc('\n', f);
        }
    fclose(f);
    snprintf(p, sizeof p, "%s/meta.json", dir);
    f = fopen(p, "w");
    assert_non_null(f);
    fprintf(f,
            "{\n  \"experiment\": \"synth\",\n  \"binary\": \"%s\",\n  \"git_sha\": \"abc\",\n"
            "  \"build_type\": \"Release\",\n  \"pin\": \"on\"\n}\n",
            s->binary);
    fclose(f);
    return dir;
}

static int compare(const char *a, const char *b, const char *o1, const char *o2, const char *o3,
                   const char *o4)
{
    const char *args[10] = {"compare", a};
    size_t n = 2;
    if (b)
        args[n++] = b;
    const char *opt[4] = {o1, o2, o3, o4};
    for (int i = 0; i < 4 && opt[i]; i++)
        args[n++] = opt[i];
    args[n] = NULL;
    return tu_run(args);
}

static bool out_has(const char *needle)
{
    return tu_contains(tu_path("stdout.txt"), needle);
}

static bool err_has(const char *needle)
{
    return tu_contains(tu_path("stderr.txt"), needle);
}

/* 8 trials around `centre` with a +-spread, in a scrambled order */
static void trials(double *v, double centre, double spread)
{
    static const double u[8] = {0.3, -0.9, 0.6, -0.2, 1.0, -0.6, 0.0, -1.0};
    for (int i = 0; i < 8; i++)
        v[i] = centre * (1 + spread * u[i]);
}

static void test_identical_flags_nothing(void **state)
{
    (void)state;
    double a1[8], a2[8], b1[8], b2[8];
    trials(a1, 1e6, 0.3);
    trials(a2, 4e5, 0.3);
    for (int i = 0; i < 8; i++) { /* the same values in another order */
        b1[i] = a1[(i * 3) % 8];
        b2[i] = a2[(i * 5) % 8];
    }
    cfg ca[] = {{"leaky", "1", "c1", a1, 8, NULL}, {"leaky", "2", "c2", a2, 8, NULL}};
    cfg cb[] = {{"leaky", "1", "c1", b1, 8, NULL}, {"leaky", "2", "c2", b2, 8, NULL}};
    const char *A = make_run("same-a", ca, 2, &same), *B = make_run("same-b", cb, 2, &same);
    assert_int_equal(compare(A, B, NULL, NULL, NULL, NULL), 0);
    assert_true(out_has("2 configurations compared at 95% confidence: 0 changed, 0 inconclusive"));
    assert_true(out_has("no change detected"));
    assert_false(out_has("changed: "));
    assert_false(out_has("warning:")); /* identical settings */
    assert_true(out_has("["));         /* the interval is printed */
    /* a wide spread and a strict --fail-above still flag nothing */
    assert_int_equal(compare(A, B, "--fail-above", "0", "--conf", "0.99"), 0);
    assert_true(out_has("at 99% confidence: 0 changed"));
}

static void test_clear_shift(void **state)
{
    (void)state;
    double a[8], b[8], c[8], d[8];
    trials(a, 1e6, 0.05);
    trials(b, 2e6, 0.05); /* twice as fast */
    trials(c, 1e6, 0.05);
    trials(d, 5e5, 0.05); /* half */
    cfg ca[] = {{"leaky", "1", "c1", a, 8, NULL}, {"leaky", "2", "c2", c, 8, NULL}};
    cfg cb[] = {{"leaky", "1", "c1", b, 8, NULL}, {"leaky", "2", "c2", d, 8, NULL}};
    const char *A = make_run("shift-a", ca, 2, &same), *B = make_run("shift-b", cb, 2, &same);
    assert_int_equal(compare(A, B, NULL, NULL, NULL, NULL), 0);
    assert_true(out_has("changed: FASTER"));
    assert_true(out_has("changed: SLOWER"));
    assert_true(out_has("2 configurations compared at 95% confidence: 2 changed"));
    /* --fail-above: exit 1 only when the whole interval is beyond the percentage */
    assert_int_equal(compare(A, B, "--fail-above", "30", NULL, NULL), 1);
    assert_true(out_has("(beyond --fail-above)"));
    assert_true(err_has("changed by more than 30 %"));
    assert_int_equal(compare(A, B, "--fail-above", "150", NULL, NULL), 0);
    /* --min-change: a 2x change is beyond 40 %, so still flagged */
    assert_int_equal(compare(A, B, "--min-change", "40", NULL, NULL), 0);
    assert_true(out_has("2 changed by more than 40 %"));
    /* but not beyond 120 % */
    assert_int_equal(compare(A, B, "--min-change", "120", NULL, NULL), 0);
    assert_true(out_has("0 changed by more than 120 %"));
}

static void test_one_trial_inconclusive(void **state)
{
    (void)state;
    double a[8], b[8];
    trials(a, 1e6, 0.05);
    trials(b, 3e6, 0.05);
    cfg ca[] = {{"leaky", "1", "c1", a, 1, NULL}};
    cfg cb[] = {{"leaky", "1", "c1", b, 5, NULL}};
    const char *A = make_run("one-a", ca, 1, &same), *B = make_run("one-b", cb, 1, &same);
    assert_int_equal(compare(A, B, "--fail-above", "10", NULL, NULL), 0);
    assert_true(out_has("inconclusive (n=1/5)"));
    assert_true(out_has("needs >= 3 clean trials per side, have 1"));
    assert_true(out_has("0 changed, 1 inconclusive"));
}

static void test_three_trials_cannot_show_a_change(void **state)
{
    (void)state;
    /* 3 vs 3 trials, ranges apart (a 2x shift): 3 vs 3 cannot show a change at 95 % (the
     * rank interval's best coverage is 90 %, the smallest rank-test p is 0.1) -> inconclusive */
    double a[8], b[8];
    trials(a, 1e6, 0.05);
    trials(b, 2e6, 0.05);
    cfg ca[] = {{"leaky", "1", "c1", a, 3, NULL}};
    cfg cb[] = {{"leaky", "1", "c1", b, 3, NULL}};
    const char *A = make_run("three-a", ca, 1, &same), *B = make_run("three-b", cb, 1, &same);
    assert_int_equal(compare(A, B, "--fail-above", "10", NULL, NULL), 0);
    assert_true(out_has("inconclusive (n=3/3): too few clean trials for a 95% rank interval"));
    assert_true(out_has("needs 4 and 4"));
    assert_true(out_has("0 changed, 1 inconclusive"));
    /* at 0.80 confidence the same data show it */
    assert_int_equal(compare(A, B, "--conf", "0.8", NULL, NULL), 0);
    assert_true(out_has("changed: FASTER"));
    /* 4 vs 4 apart: changed at 95 % */
    cfg ca4[] = {{"leaky", "1", "c1", a, 4, NULL}};
    cfg cb4[] = {{"leaky", "1", "c1", b, 4, NULL}};
    A = make_run("four-a", ca4, 1, &same);
    B = make_run("four-b", cb4, 1, &same);
    assert_int_equal(compare(A, B, NULL, NULL, NULL, NULL), 0);
    assert_true(out_has("changed: FASTER"));
}

/* Many configurations: each 4 vs 4 apart has rank p = 0.029, "changed" on its own at 95 %, but
 * 40 such tests would flag 2 by chance alone, so Holm keeps all 40 inconclusive; a 12 vs 12
 * separation (p ~ 7e-7) still passes over the family. --correction none decides each alone. */
static void test_family_correction(void **state)
{
    (void)state;
    enum { NC = 41 };
    static double a[NC][12], b[NC][12];
    static char ids[NC][8], thr[NC][8];
    cfg ca[NC], cb[NC];
    for (int i = 0; i < NC; i++) {
        for (int t = 0; t < 12; t++) {
            a[i][t] = 1e6 * (1 + 0.01 * t);
            b[i][t] = 1.3e6 * (1 + 0.01 * t);
        }
        snprintf(ids[i], sizeof ids[i], "f%d", i);
        snprintf(thr[i], sizeof thr[i], "%d", i + 1);
        size_t n = i == NC - 1 ? 12 : 4;
        ca[i] = (cfg){"leaky", thr[i], ids[i], a[i], n, NULL};
        cb[i] = (cfg){"leaky", thr[i], ids[i], b[i], n, NULL};
    }
    const char *A = make_run("fam-a", ca, NC, &same), *B = make_run("fam-b", cb, NC, &same);
    assert_int_equal(compare(A, B, NULL, NULL, NULL, NULL), 0);
    assert_true(out_has("41 configurations compared at 95% confidence: 1 changed, 40 inconclusive "
                        "(Holm over the 41"));
    assert_true(out_has("too weak over the 41 configurations compared"));
    assert_true(out_has("changed: FASTER"));
    assert_int_equal(compare(A, B, "--correction", "none", NULL, NULL), 0);
    assert_true(out_has("41 changed, 0 inconclusive (each configuration at 95%"));
    assert_int_equal(compare(A, B, "--correction", "bonferroni", NULL, NULL), 2);
    assert_true(err_has("bad --correction value 'bonferroni'"));
}

static void test_contended_left_out(void **state)
{
    (void)state;
    double a[8], b[8];
    trials(a, 1e6, 0.05);
    trials(b, 1e6, 0.05);
    b[5] = b[6] = b[7] = 1e5; /* contended trials, ten times slower */
    static const int ct[8] = {0, 0, 0, 0, 0, 1, 1, 1};
    cfg ca[] = {{"leaky", "1", "c1", a, 8, NULL}};
    cfg cb[] = {{"leaky", "1", "c1", b, 8, ct}};
    const char *A = make_run("cont-a", ca, 1, &same), *B = make_run("cont-b", cb, 1, &same);
    assert_int_equal(compare(A, B, NULL, NULL, NULL, NULL), 0);
    assert_true(out_has("5+3c"));
    assert_true(out_has("no change detected"));
    assert_true(out_has("contended trials left out: 0 in A, 3 in B"));
    /* with only 2 clean trials left: inconclusive, not changed */
    cfg cc[] = {{"leaky", "1", "c1", b + 3, 5, ct + 3}};
    const char *C = make_run("cont-c", cc, 1, &same);
    assert_int_equal(compare(A, C, NULL, NULL, NULL, NULL), 0);
    assert_true(out_has("inconclusive (n=8/2)"));
    assert_true(out_has("2+3c"));
    /* a run that predates the contended column: every ok row is clean */
    settings old = same;
    old.no_contended_col = true;
    const char *D = make_run("cont-old", cb, 1, &old);
    assert_int_equal(compare(A, D, NULL, NULL, NULL, NULL), 0);
    assert_true(out_has("1 configurations compared at 95% confidence: 0 changed, 0 inconclusive"));
    assert_false(out_has("contended trials left out:"));
}

/* the run report and summary use the clean trials and say how many were contended */
static void test_report_uses_clean_trials(void **state)
{
    (void)state;
    double v[6] = {100, 110, 120, 5, 6, 7};
    static const int ct[6] = {0, 0, 0, 1, 1, 1};
    double w[3] = {50, 60, 70};
    static const int all[3] = {1, 1, 1};
    cfg c[] = {{"leaky", "1", "c1", v, 6, ct}, {"leaky", "2", "c2", w, 3, all}};
    const char *R = make_run("report", c, 2, &same);
    const char *args[] = {"report", R, NULL};
    assert_int_equal(tu_run(args), 0);
    /* median of 100, 110, 120 (not of all six): 110, range 100-120 */
    assert_true(out_has("110 "));
    assert_true(out_has("100-120"));
    assert_true(out_has("3/6 contended"));
    assert_true(out_has("3/3 contended (figures from them)"));
    assert_true(out_has("contention: 6 of 9 ok trials were contended"));
    char p[600];
    snprintf(p, sizeof p, "%s/report.md", R);
    assert_true(tu_contains(p, "Median of the clean trials"));
    assert_true(tu_contains(p, "| 110 | 100-120 |"));
    /* a run without the column says contention was not recorded */
    settings old = same;
    old.no_contended_col = true;
    const char *O = make_run("report-old", c, 1, &old);
    const char *args2[] = {"report", O, NULL};
    assert_int_equal(tu_run(args2), 0);
    snprintf(p, sizeof p, "%s/report.md", O);
    assert_true(tu_contains(p, "contention: not recorded"));
    assert_true(tu_contains(p, "| 53.5 | 5-120 |")); /* all six: (7 + 100) / 2 */
}

static void test_by_pairs(void **state)
{
    (void)state;
    double l1[8], l2[8], h1[8], h2[8];
    trials(l1, 1e6, 0.05);
    trials(l2, 2e6, 0.05);
    trials(h1, 5e5, 0.05); /* hp at 1 thread: half of leaky */
    trials(h2, 2e6, 0.10); /* hp at 2 threads: the same centre */
    cfg c[] = {{"leaky", "1", "l1", l1, 8, NULL},
               {"leaky", "2", "l2", l2, 8, NULL},
               {"hp", "1", "h1", h1, 8, NULL},
               {"hp", "2", "h2", h2, 8, NULL}};
    const char *R = make_run("by", c, 4, &same);
    assert_int_equal(compare(R, NULL, "--by", "backend=leaky,hp", NULL, NULL), 0);
    assert_true(out_has("pairs: backend=leaky in"));
    assert_true(out_has("threads=1: backend=leaky -> hp"));
    assert_true(out_has("changed: SLOWER"));
    assert_true(out_has("2 configurations compared at 95% confidence: 1 changed, 0 inconclusive"));
    /* the two values found by themselves */
    assert_int_equal(compare(R, NULL, "--by", "backend", NULL, NULL), 0);
    assert_true(out_has("1 changed"));
    /* the other way round: hp -> leaky is FASTER */
    assert_int_equal(compare(R, NULL, "--by", "backend=hp,leaky", NULL, NULL), 0);
    assert_true(out_has("changed: FASTER"));
    /* pairing by threads: leaky 1 -> 2 doubles, hp 1 -> 2 quadruples */
    assert_int_equal(compare(R, NULL, "--by", "threads=1,2", NULL, NULL), 0);
    assert_true(out_has("2 changed"));
    /* between two runs: A's leaky against B's hp */
    assert_int_equal(compare(R, R, "--by", "backend=leaky,hp", NULL, NULL), 0);
    assert_true(out_has("1 changed"));
    /* bad --by values: refused with exit 2 and one line */
    assert_int_equal(compare(R, NULL, "--by", "backend=leaky,nope", NULL, NULL), 2);
    assert_true(err_has("bad --by value 'backend=nope'"));
    assert_int_equal(compare(R, NULL, "--by", "colour", NULL, NULL), 2);
    assert_true(err_has("bad --by value 'colour'"));
    assert_int_equal(compare(R, NULL, "--by", "backend=leaky", NULL, NULL), 2);
    assert_int_equal(compare(R, NULL, NULL, NULL, NULL, NULL), 2); /* one folder needs --by */
}

static void test_by_parameter(void **state)
{
    (void)state;
    /* --by an experiment parameter (work=5 in every row): one value only -> refused */
    double a[8];
    trials(a, 1e6, 0.05);
    cfg c[] = {{"leaky", "1", "c1", a, 8, NULL}};
    const char *R = make_run("byparam", c, 1, &same);
    assert_int_equal(compare(R, NULL, "--by", "work", NULL, NULL), 2);
    assert_true(err_has("the runs have 1 values of it (5)"));
}

static void test_settings_differ(void **state)
{
    (void)state;
    double a[8];
    trials(a, 1e6, 0.05);
    cfg c[] = {{"leaky", "1", "c1", a, 8, NULL}};
    settings other = {"fnv1a64:2222", "500", false};
    const char *A = make_run("set-a", c, 1, &same), *B = make_run("set-b", c, 1, &other);
    assert_int_equal(compare(A, B, NULL, NULL, NULL, NULL), 0);
    assert_true(out_has("warning: the runs differ in binary (A: fnv1a64:1111; B: fnv1a64:2222)"));
    assert_true(out_has("warning: the runs differ in duration_ms (A: 200; B: 500)"));
    assert_true(out_has("0 changed"));
}

static void test_bad_input(void **state)
{
    (void)state;
    double a[8];
    trials(a, 1e6, 0.05);
    cfg c[] = {{"leaky", "1", "c1", a, 8, NULL}};
    const char *A = make_run("bad-a", c, 1, &same);
    assert_int_equal(compare(A, A, "--conf", "1.5", NULL, NULL), 2);
    assert_true(err_has("bad --conf value '1.5'"));
    assert_int_equal(compare(A, A, "--fail-above", "x", NULL, NULL), 2);
    assert_int_equal(compare(A, A, "--frobnicate", NULL, NULL, NULL), 2);
    assert_int_equal(compare(A, tu_path("nowhere"), NULL, NULL, NULL, NULL), 2);
    assert_true(err_has("holds no results.csv"));
    assert_int_equal(compare(A, A, "--help", NULL, NULL, NULL), 0);
    assert_true(out_has("usage: pmlab compare"));
}

int main(int argc, char **argv)
{
    tu_setup(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identical_flags_nothing),
        cmocka_unit_test(test_clear_shift),
        cmocka_unit_test(test_one_trial_inconclusive),
        cmocka_unit_test(test_three_trials_cannot_show_a_change),
        cmocka_unit_test(test_family_correction),
        cmocka_unit_test(test_contended_left_out),
        cmocka_unit_test(test_report_uses_clean_trials),
        cmocka_unit_test(test_by_pairs),
        cmocka_unit_test(test_by_parameter),
        cmocka_unit_test(test_settings_differ),
        cmocka_unit_test(test_bad_input),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    tu_cleanup();
    return rc;
}
