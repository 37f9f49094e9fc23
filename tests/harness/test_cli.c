/* CLI tests: every kind of bad input gets exit 2, one stderr line naming the value, no child
 * and no results folder. Plus list/help. */
#include "harness_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static void expect_bad(const char *const *args, const char *needle)
{
    char *out = tu_path("out-bad");
    int rc = tu_run(args);
    char *err = tu_slurp(tu_path("stderr.txt"));
    if (rc != 2 || !err || !strstr(err, needle))
        fprintf(stderr, "case '%s': rc=%d stderr=%s\n", needle, rc, err ? err : "(none)");
    assert_int_equal(rc, 2);
    assert_non_null(err);
    assert_non_null(strstr(err, needle));
    int lines = 0; /* exactly one line */
    for (const char *c = err; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 1);
    free(err);
    assert_false(tu_exists(out));
    assert_false(tu_exists(tu_path("results")));
}

#define BAD(needle, ...)                                                                           \
    do {                                                                                           \
        const char *a_[] = {__VA_ARGS__, NULL};                                                    \
        expect_bad(a_, needle);                                                                    \
    } while (0)

#define OUT "--out", tu_path("out-bad")

static void test_bad_inputs(void **state)
{
    (void)state;
    BAD("nosuch", "run", "nosuch", OUT);
    BAD("nope", "run", "fake-ok", "--backends", "fake-a,nope", OUT);
    BAD("fake-a,,fake-b", "run", "fake-ok", "--backends", "fake-a,,fake-b", OUT);
    BAD("hoard", "run", "fake-ok", "--allocs", "glibc,hoard", OUT);
    BAD("nokeys", "run", "fake-ok", "--keys", "nokeys", OUT);
    BAD("fake-broken", "run", "fake-ok", "--keys", "fake-broken", OUT);
    BAD("bogus", "run", "fake-ok", "--param", "bogus=1", OUT);
    BAD("abc", "run", "fake-ok", "--param", "sleep_ms=abc", OUT);
    BAD("noequals", "run", "fake-ok", "--param", "noequals", OUT);
    BAD("1,,2", "run", "fake-ok", "--threads", "1,,2", OUT);
    BAD("'0'", "run", "fake-ok", "--threads", "0", OUT);
    BAD("-3", "run", "fake-ok", "--threads", "-3", OUT);
    BAD("abc", "run", "fake-ok", "--size", "abc", OUT);
    BAD("-5", "run", "fake-ok", "--size", "-5", OUT);
    BAD("101", "run", "fake-ok", "--update", "101", OUT);
    BAD("x", "run", "fake-ok", "--trials", "x", OUT);
    BAD("maybe", "run", "fake-ok", "--pin", "maybe", OUT);
    BAD("0,,1", "run", "fake-ok", "--pin", "0,,1", OUT);
    if (sysconf(_SC_NPROCESSORS_CONF) < 99) /* CPU 99 is not one this process may run on */
        BAD("99", "run", "fake-ok", "--pin", "99", OUT);
    BAD("pack:x", "topo", "--topology", "pack:x");
    BAD("nope", "topo", "--pin", "nope");
    BAD("3/2", "run", "fake-ok", "--shard", "3/2", OUT);
    BAD("0/2", "run", "fake-ok", "--shard", "0/2", OUT);
    BAD("--bogus", "run", "fake-ok", "--bogus", "1", OUT);
    BAD("A9", "run", "fake-ok", "--alert", "A9=1", OUT);
    BAD("fake-a", "run", "fake-faults", "--backends", "fake-a", OUT);
    BAD("/nonexistent/keys.txt", "run", "fake-ok", "--keys", "file:/nonexistent/keys.txt", OUT);
    BAD("/nonexistent/k.bin:lp", "run", "fake-ok", "--keys", "file:/nonexistent/k.bin:lp", OUT);
    BAD("/nonexistent/alerts.conf", "run", "fake-ok", "--alerts-file", "/nonexistent/alerts.conf",
        OUT);
    /* unwritable output: a path below a regular file */
    FILE *f = fopen(tu_path("afile"), "w");
    assert_non_null(f);
    fclose(f);
    BAD(tu_path("afile/sub"), "run", "fake-ok", "--out", tu_path("afile/sub"));
    /* default output folder (results/ in cwd) is not created on bad input either */
    BAD("nope", "run", "fake-ok", "--backends", "nope");
    BAD("zzz", "compare", "zzz", tu_path("nothing"));
    BAD("zzz", "report", "zzz");
}

static void test_readable_file_keys_ok(void **state)
{
    (void)state;
    FILE *f = fopen(tu_path("keys.txt"), "w");
    assert_non_null(f);
    fputs("alpha\nbeta\n", f);
    fclose(f);
    char keys[600];
    snprintf(keys, sizeof keys, "file:%s", tu_path("keys.txt"));
    const char *a[] = {"run",     "fake-ok",  "--keys", keys,    "--backends",
                       "fake-a",  "--trials", "1",      "--out", tu_path("out-file-keys"),
                       "--quiet", NULL};
    assert_int_equal(tu_run(a), 0);
    assert_int_equal(tu_count_lines(tu_path("out-file-keys/results.csv")), 2);
}

static void test_list_and_help(void **state)
{
    (void)state;
    const char *a[] = {"list", NULL};
    assert_int_equal(tu_run(a), 0);
    const char *out = tu_path("stdout.txt");
    assert_true(tu_contains(out, "selftest"));
    assert_true(tu_contains(out, "fake-faults"));
    assert_true(tu_contains(out, "fake-a"));
    assert_true(tu_contains(out, "jemalloc"));
    assert_true(tu_contains(out, "fake-keys"));
    const char *h[] = {"run", "--help", NULL};
    assert_int_equal(tu_run(h), 0);
    static const char *const opts[] = {"--backends", "--threads",     "--allocs",     "--keys",
                                       "--size",     "--duration-ms", "--warmup-ms",  "--trials",
                                       "--update",   "--pin",         "--seed",       "--out",
                                       "--resume",   "--shard",       "--param",      "--quiet",
                                       "--alert",    "--alerts-file", "--timeout-ms", NULL};
    for (size_t i = 0; opts[i]; i++)
        assert_true(tu_contains(out, opts[i]));
    const char *he[] = {"help", "fake-ok", NULL};
    assert_int_equal(tu_run(he), 0);
    assert_true(tu_contains(out, "sleep_ms"));
    assert_true(tu_contains(out, "[0]"));
    const char *hb[] = {"help", "nosuch", NULL};
    assert_int_equal(tu_run(hb), 2);
}

/* The commands pmlab must have; each answers --help, -h and `help CMD` with exit 0 and its usage
 * line on stdout, nothing on stderr. The overview (`pmlab --help`) lists every command, and every
 * command it lists answers too (the overview is cli.c's command table). */
static void expect_usage(const char *const *args, const char *cmd)
{
    assert_int_equal(tu_run(args), 0);
    char want[64];
    snprintf(want, sizeof want, "usage: pmlab %s", cmd);
    char *out = tu_slurp(tu_path("stdout.txt"));
    char *err = tu_slurp(tu_path("stderr.txt"));
    assert_non_null(out);
    if (strncmp(out, want, strlen(want)) != 0 || (err && *err))
        fail_msg("pmlab %s %s: stdout '%.60s' stderr '%s'", args[0], args[1], out, err ? err : "");
    free(out);
    free(err);
}

static void test_subcommand_help(void **state)
{
    (void)state;
    static const char *const required[] = {"run",     "list",  "reproduce", "report",
                                           "compare", "merge", "help",      NULL};
    const char *o[] = {"--help", NULL};
    assert_int_equal(tu_run(o), 0);
    char *overview = tu_slurp(tu_path("stdout.txt"));
    assert_non_null(overview);
    for (size_t i = 0; required[i]; i++) {
        char line[64];
        snprintf(line, sizeof line, "\n  %s ", required[i]);
        if (!strstr(overview, line))
            fail_msg("pmlab --help does not list command %s", required[i]);
    }
    /* every command line of the overview: "  NAME SYNOPSIS" under "commands:" */
    size_t checked = 0;
    const char *p = strstr(overview, "commands:\n");
    assert_non_null(p);
    for (p = strchr(p, '\n') + 1; *p == ' '; p = strchr(p, '\n') + 1) {
        char cmd[32];
        if (p[2] != ' ' && sscanf(p, " %31[a-z]", cmd) == 1) {
            const char *a1[] = {cmd, "--help", NULL};
            const char *a2[] = {cmd, "-h", NULL};
            const char *a3[] = {"help", cmd, NULL};
            expect_usage(a1, cmd);
            expect_usage(a2, cmd);
            expect_usage(a3, cmd);
            checked++;
        }
    }
    free(overview);
    assert_true(checked >= 7);
    /* --help after other arguments still answers (and does no work) */
    const char *late[] = {"compare", "x", "y", "--help", NULL};
    expect_usage(late, "compare");
    const char *hu[] = {"help", "nosuch-command", NULL};
    assert_int_equal(tu_run(hu), 2);
    const char *lu[] = {"list", "--bogus", NULL};
    assert_int_equal(tu_run(lu), 2);
}

/* list --names / --smoke: one experiment a line, from the registry */
static void test_list_machine_readable(void **state)
{
    (void)state;
    const char *n[] = {"list", "--names", NULL};
    assert_int_equal(tu_run(n), 0);
    char *names = tu_slurp(tu_path("stdout.txt"));
    assert_non_null(names);
    assert_non_null(strstr(names, "selftest\n"));
    assert_non_null(strstr(names, "fake-ok\n"));
    assert_null(strstr(names, "backends:"));
    const char *sm[] = {"list", "--smoke", NULL};
    assert_int_equal(tu_run(sm), 0);
    char *smoke = tu_slurp(tu_path("stdout.txt"));
    assert_non_null(smoke);
    /* selftest declares smoke options; the fakes declare none: the name alone */
    assert_non_null(strstr(smoke, "selftest\t--"));
    assert_non_null(strstr(smoke, "\nfake-ok\n"));
    free(names);
    free(smoke);
}

/* --pin: the policy and smt columns, the topology in meta.json and the report; `pmlab topo`
 * prints the plan of a synthetic topology (docs/harness.md, "Pinning") */
static void test_pin_policies(void **state)
{
    (void)state;
    static const char *const pins[][2] = {
        {"compact", "compact"}, {"on", "compact"}, {"scatter", "scatter"}, {"off", "none"}};
    for (size_t i = 0; i < sizeof pins / sizeof pins[0]; i++) {
        char dir[64];
        snprintf(dir, sizeof dir, "out-pin-%s", pins[i][0]);
        const char *a[] = {"run",     "fake-ok",  "--backends", "fake-a", "--threads",
                           "1,2",     "--trials", "1",          "--pin",  pins[i][0],
                           "--quiet", "--out",    tu_path(dir), NULL};
        assert_int_equal(tu_run(a), 0);
        char csv[600], meta[600], md[600];
        snprintf(csv, sizeof csv, "%s/results.csv", tu_path(dir));
        snprintf(meta, sizeof meta, "%s/meta.json", tu_path(dir));
        snprintf(md, sizeof md, "%s/report.md", tu_path(dir));
        for (int r = 0; r < 2; r++) {
            assert_string_equal(tu_csv_cell(csv, r, "pin"), pins[i][1]);
            const char *smt = tu_csv_cell(csv, r, "smt");
            assert_non_null(smt);
            if (!strcmp(pins[i][1], "none"))
                assert_string_equal(smt, ""); /* no plan: the OS places the workers */
            else
                assert_true(!strcmp(smt, "0") || !strcmp(smt, "1"));
        }
        assert_true(tu_contains(meta, "\"topology\": {\"source\": \"machine\""));
        assert_true(tu_contains(meta, "\"pus\": "));
        char want[64];
        snprintf(want, sizeof want, "\"pin\": \"%s\"", pins[i][1]);
        assert_true(tu_contains(meta, want));
        assert_true(tu_contains(md, "| topology | "));
        snprintf(want, sizeof want, "| pin | %s", pins[i][1]);
        assert_true(tu_contains(md, want));
    }
    /* the plan of a synthetic machine: compact T=4 on pack:2 core:4 pu:2 takes the first PU of
     * package 0's four cores; scatter alternates packages */
    const char *t1[] = {"topo", "--topology", "pack:2 core:4 pu:2", "--threads", "4", NULL};
    assert_int_equal(tu_run(t1), 0);
    const char *out = tu_path("stdout.txt");
    assert_true(tu_contains(out, "2 packages, 8 cores, 16 PUs"));
    assert_true(tu_contains(out, "smt 0"));
    assert_true(tu_contains(out, "0,0,0,0,0\n1,2,1,0,0\n2,4,2,0,0\n3,6,3,0,0\n"));
    const char *t2[] = {"topo", "--topology", "pack:2 core:4 pu:2", "--pin", "scatter", "--threads",
                        "9",    NULL};
    assert_int_equal(tu_run(t2), 0);
    assert_true(tu_contains(out, "0,0,0,0,0\n1,8,4,1,0\n2,2,1,0,0\n"));
    assert_true(tu_contains(out, "8,1,0,0,1\n"));
    assert_true(tu_contains(out, "smt 1"));
}

int main(int argc, char **argv)
{
    tu_setup(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_readable_file_keys_ok),
        cmocka_unit_test(test_list_and_help),
        cmocka_unit_test(test_subcommand_help),
        cmocka_unit_test(test_list_machine_readable),
        cmocka_unit_test(test_pin_policies),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    tu_cleanup();
    return rc;
}
