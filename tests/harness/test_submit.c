/* pmlab submit and status without a cluster: bad options (exit 2, one line, no folder), the
 * scripts of --dry-run (and the shard script run by hand as Slurm would run task 1, from a folder
 * whose name needs quoting), and reproduce --plan's estimate per shard count. The real Slurm
 * run is test_slurm.sh; merge's refusals are checked here too, so they are tested where Slurm
 * cannot start. */
#include "harness_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static void expect_bad(const char *const *args, const char *needle, const char *dir)
{
    int rc = tu_run(args);
    char *err = tu_slurp(tu_path("stderr.txt"));
    if (rc != 2 || !err || !strstr(err, needle))
        fprintf(stderr, "case '%s': rc=%d stderr=%s\n", needle, rc, err ? err : "(none)");
    assert_int_equal(rc, 2);
    assert_non_null(err);
    assert_non_null(strstr(err, needle));
    int lines = 0;
    for (const char *c = err; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 1);
    free(err);
    if (dir)
        assert_false(tu_exists(dir));
}

#define STUDY "--threads", "1,2", "--duration-ms", "5", "--warmup-ms", "0", "--trials", "1"
#define BAD(needle, ...)                                                                           \
    do {                                                                                           \
        const char *a_[] = {__VA_ARGS__, NULL};                                                    \
        expect_bad(a_, needle, tu_path("sub-bad"));                                                \
    } while (0)
#define OUTB "--out", tu_path("sub-bad")

static void test_bad_options(void **state)
{
    (void)state;
    BAD("missing --shards", "submit", "run", "selftest", STUDY, OUTB);
    BAD("'0'", "submit", "run", "selftest", STUDY, "--shards", "0", OUTB);
    BAD("'x'", "submit", "run", "selftest", STUDY, "--shards", "x", OUTB);
    BAD("only 2 configurations", "submit", "run", "selftest", STUDY, "--shards", "3", OUTB);
    BAD("'1:2:3:4'", "submit", "run", "selftest", STUDY, "--shards", "2", "--time", "1:2:3:4",
        OUTB);
    BAD("'a b'", "submit", "run", "selftest", STUDY, "--shards", "2", "--partition", "a b", OUTB);
    BAD("--shard", "submit", "run", "selftest", STUDY, "--shards", "2", "--shard", "1/2", OUTB);
    BAD("--resume", "submit", "run", "selftest", STUDY, "--shards", "2", "--resume", OUTB);
    BAD("nosuch", "submit", "run", "nosuch", "--shards", "2", OUTB);
    BAD("'0'", "submit", "run", "selftest", "--threads", "0", "--shards", "1", OUTB);
    BAD("reproduce", "submit", "reproduce", "--shards", "2", OUTB);
    BAD("no submission", "status", tu_path("nosuch"));
    BAD("no submission", "submit", "--resubmit", tu_path("nosuch"), "1");
    BAD("--plan", "reproduce", "--shards", "4");
    BAD("'0,4'", "reproduce", "--plan", "--suite", "selftest", "--shards", "0,4");
}

/* the text between "# ---- .../NAME ----\n" and the next "\n# ---- " of a dry run */
static char *script_of(const char *out, const char *name)
{
    char head[64];
    snprintf(head, sizeof head, "/%s ----\n", name);
    const char *b = strstr(out, head);
    assert_non_null(b);
    b += strlen(head);
    const char *e = strstr(b, "\n# ---- ");
    assert_non_null(e);
    return strndup(b, (size_t)(e - b) + 1);
}

static void test_dry_run(void **state)
{
    (void)state;
    /* a folder name with a space and a quote: every use in the scripts is quoted */
    char dir[600];
    snprintf(dir, sizeof dir, "%s", tu_path("it's a dir"));
    const char *a[] = {"submit", "run",    "selftest",  STUDY,       "--shards",
                       "2",      "--out",  dir,         "--dry-run", "--partition",
                       "batch",  "--time", "0-1:00:00", NULL};
    assert_int_equal(tu_run(a), 0);
    assert_false(tu_exists(dir)); /* a dry run writes nothing */
    char *out = tu_slurp(tu_path("stdout.txt"));
    assert_non_null(out);
    char *shard = script_of(out, "shard.sbatch"), *merge = script_of(out, "merge.sbatch");
    assert_non_null(strstr(shard, "#SBATCH --array=1-2\n"));
    assert_non_null(strstr(shard, "#SBATCH --exclusive\n"));
    assert_non_null(strstr(shard, "#SBATCH --partition=batch\n"));
    assert_non_null(strstr(shard, "#SBATCH --time=0-1:00:00\n"));
    assert_non_null(strstr(shard, "'selftest' '--threads' '1,2'"));
    assert_non_null(strstr(shard, "--shard \"$k/2\""));
    assert_non_null(strstr(shard, "it'\\''s a dir"));
    assert_non_null(strstr(merge, "#SBATCH --kill-on-invalid-dep=yes\n"));
    assert_non_null(strstr(merge, " merge \"$dir/merged\" \"$@\""));
    assert_null(strstr(merge, "--exclusive"));
    assert_non_null(strstr(out, "'--dependency=afterok:ARRAY_JOB_ID'"));

    /* the shard script, run as Slurm runs task 1 of the array: shard 1 of 2 into dir/shard-1,
     * its CPUs and its exit status recorded */
    char cmd[2048];
    char *sp = tu_path("shard.sh");
    FILE *f = fopen(sp, "w");
    assert_non_null(f);
    fputs(shard, f);
    fclose(f);
    snprintf(cmd, sizeof cmd,
             "mkdir -p \"%s\" && cd \"%s\" && SLURM_ARRAY_TASK_ID=1 sh %s >%s 2>&1", dir, dir, sp,
             tu_path("shard.log"));
    assert_int_equal(system(cmd), 0);
    char p[1024];
    snprintf(p, sizeof p, "%s/shard-1/shard.exit", dir);
    char *ex = tu_slurp(p);
    assert_non_null(ex);
    assert_string_equal(ex, "0\n");
    snprintf(p, sizeof p, "%s/shard-1/slurm-cpus.txt", dir);
    char *cpus = tu_slurp(p);
    assert_non_null(cpus);
    assert_non_null(strstr(cpus, "\naffinity="));
    snprintf(p, sizeof p, "%s/shard-1/meta.json", dir);
    char *meta = tu_slurp(p);
    assert_non_null(meta);
    assert_non_null(strstr(meta, "\"shard\": \"1/2\""));
    free(meta);
    free(cpus);
    free(ex);

    /* --no-exclusive: no #SBATCH --exclusive */
    const char *b[] = {"submit",         "run",       "selftest", STUDY,
                       "--shards",       "1",         "--out",    tu_path("sub-x"),
                       "--no-exclusive", "--dry-run", NULL};
    assert_int_equal(tu_run(b), 0);
    char *out2 = tu_slurp(tu_path("stdout.txt"));
    assert_non_null(out2);
    assert_null(strstr(out2, "--exclusive"));
    assert_non_null(strstr(out2, "#SBATCH --array=1-1\n"));
    free(out2);
    free(shard);
    free(merge);
    free(out);
}

/* the selftest suite (default mode): runs of 2, 1 and 1 configurations; split in two, the
 * largest shard holds 1 + 1 + 1 */
static void test_plan_shards(void **state)
{
    (void)state;
    const char *a[] = {"reproduce", "--plan", "--suite", "selftest", "--shards", "1,2", NULL};
    assert_int_equal(tu_run(a), 0);
    char *out = tu_slurp(tu_path("stdout.txt"));
    assert_non_null(out);
    assert_non_null(strstr(out, "grid: 4 configurations, 14 trials."));
    assert_non_null(strstr(out, "\n       1        4 configs "));
    assert_non_null(strstr(out, "\n       2        3 configs "));
    free(out);
    const char *d[] = {"reproduce", "--plan", "--suite", "selftest", NULL};
    assert_int_equal(tu_run(d), 0);
    out = tu_slurp(tu_path("stdout.txt"));
    assert_non_null(out);
    assert_non_null(strstr(out, "\n      16 "));
    free(out);
}

static const char *g_src;        /* the source tree (argv[4]) */
static const char *g_real_pmlab; /* the real pmlab (argv[3]): another binary than pmlab-test */

/* merge keeps refusing shards of other parameters or of another binary (what makes a grid of
 * shards from many machines mergeable at all), and merges the matching shards */
static void test_merge_refuses(void **state)
{
    (void)state;
    const char *s1[] = {"run",     "selftest", STUDY,           "--shard", "1/2",
                        "--quiet", "--out",    tu_path("m-s1"), NULL};
    const char *s2[] = {"run",     "selftest", STUDY,           "--shard", "2/2",
                        "--quiet", "--out",    tu_path("m-s2"), NULL};
    const char *p2[] = {"run",         "selftest", "--threads",     "1,2", "--duration-ms", "6",
                        "--warmup-ms", "0",        "--trials",      "1",   "--shard",       "2/2",
                        "--quiet",     "--out",    tu_path("m-p2"), NULL};
    assert_int_equal(tu_run(s1), 0);
    assert_int_equal(tu_run(s2), 0);
    assert_int_equal(tu_run(p2), 0);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "'%s' run selftest --threads 1,2 --duration-ms 5 --warmup-ms 0 --trials 1 --shard "
             "2/2 --quiet --out '%s' >/dev/null 2>&1",
             g_real_pmlab, tu_path("m-b2"));
    assert_int_equal(system(cmd), 0);
    const char *bad_params[] = {"merge", tu_path("m-out1"), tu_path("m-s1"), tu_path("m-p2"), NULL};
    expect_bad(bad_params, "other parameters", NULL);
    assert_false(tu_exists(tu_path("m-out1/results.csv")));
    const char *bad_bin[] = {"merge", tu_path("m-out2"), tu_path("m-s1"), tu_path("m-b2"), NULL};
    expect_bad(bad_bin, "another pmlab binary", NULL);
    assert_false(tu_exists(tu_path("m-out2/results.csv")));
    const char *ok[] = {"merge", tu_path("m-out3"), tu_path("m-s1"), tu_path("m-s2"), NULL};
    assert_int_equal(tu_run(ok), 0);
    char csv[600];
    snprintf(csv, sizeof csv, "%s/results.csv", tu_path("m-out3"));
    assert_int_equal(tu_count_lines(csv) - 1, 2); /* threads 1 and 2, one trial each */
}

/* docs/harness.md's command list names every command of cli.c's table (pmlab --help): a command
 * added to the table without its line in the docs fails here */
static void test_docs_list_commands(void **state)
{
    (void)state;
    const char *o[] = {"--help", NULL};
    assert_int_equal(tu_run(o), 0);
    char *overview = tu_slurp(tu_path("stdout.txt"));
    assert_non_null(overview);
    char path[1024];
    snprintf(path, sizeof path, "%s/docs/harness.md", g_src);
    char *doc = tu_slurp(path);
    assert_non_null(doc);
    char *list = strstr(doc, "## Commands\n");
    assert_non_null(list);
    char *end = strstr(list + 1, "\n## ");
    if (end)
        *end = 0;
    size_t n = 0;
    const char *p = strstr(overview, "commands:\n");
    assert_non_null(p);
    for (p = strchr(p, '\n') + 1; *p == ' '; p = strchr(p, '\n') + 1) {
        char cmd[32], want[48];
        if (p[2] != ' ' && sscanf(p, " %31[a-z]", cmd) == 1) {
            snprintf(want, sizeof want, "\npmlab %s", cmd);
            if (!strstr(list, want))
                fail_msg("docs/harness.md's command list does not name `pmlab %s`", cmd);
            n++;
        }
    }
    assert_true(n >= 9);
    free(doc);
    free(overview);
}

int main(int argc, char **argv)
{
    tu_setup(argc, argv);
    g_real_pmlab = argc > 3 ? argv[3] : "pmlab";
    g_src = argc > 4 ? argv[4] : ".";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_options),   cmocka_unit_test(test_dry_run),
        cmocka_unit_test(test_plan_shards),   cmocka_unit_test(test_docs_list_commands),
        cmocka_unit_test(test_merge_refuses),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    tu_cleanup();
    return rc;
}
