/* The campaign database (harness/src/db.c, docs/database.md) through the pmlab-test command:
 * run folders of short `selftest` sweeps are imported, a second import changes nothing (row
 * counts and `sqlite3 DB .dump`), values are typed, the views and median() answer, compare
 * between two imported runs prints what compare between the two folders prints, a corrupt or
 * missing folder leaves the database as it was, a reproduce folder brings its verdicts, merge,
 * run and reproduce write into a database with --db, bad input exits 2 before any folder
 * exists, and docs/database.md holds the schema that `pmlab db schema` prints.
 *
 * usage: test_db PMLAB-TEST SOURCE_DIR */
#include "harness_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static const char *g_src;

static int run_args(const char *a0, ...)
{
    const char *args[40];
    size_t n = 0;
    va_list ap;
    va_start(ap, a0);
    for (const char *a = a0; a && n < 39; a = va_arg(ap, const char *))
        args[n++] = a;
    va_end(ap);
    args[n] = NULL;
    return tu_run(args);
}
#define RUN(...) run_args(__VA_ARGS__, (const char *)NULL)

static char *out_text(void)
{
    char *t = tu_slurp(tu_path("stdout.txt"));
    assert_non_null(t);
    return t;
}

/* the first result cell of `pmlab db query DB SQL --csv` (the line after the header) */
static char *query1(const char *db, const char *sql)
{
    assert_int_equal(RUN("db", "query", db, sql, "--csv"), 0);
    char *t = out_text(), *nl = strchr(t, '\n');
    assert_non_null(nl);
    char *v = strdup(nl + 1);
    v[strcspn(v, "\n")] = 0;
    free(t);
    return v;
}

static long query_long(const char *db, const char *sql)
{
    char *v = query1(db, sql);
    long r = strtol(v, NULL, 10);
    free(v);
    return r;
}

/* `sqlite3 DB .dump` as text (the plain sqlite3 CLI reads the same file) */
static char *dump(const char *db)
{
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "sqlite3 '%s' .dump > '%s'", db, tu_path("dump.sql"));
    assert_int_equal(system(cmd), 0);
    char *t = tu_slurp(tu_path("dump.sql"));
    assert_non_null(t);
    return t;
}

/* two dumps are the same text; on a difference, shows where */
static void same_dump(const char *a, const char *b)
{
    size_t i = 0;
    while (a[i] && a[i] == b[i])
        i++;
    if (a[i] != b[i]) {
        size_t from = i > 200 ? i - 200 : 0;
        fprintf(stderr, "dumps differ at byte %zu:\n--- before\n%.400s\n--- after\n%.400s\n", i,
                a + from, b + from);
        fail();
    }
}

static void selftest_run(const char *name)
{
    if (tu_exists(tu_path(name)))
        return;
    assert_int_equal(RUN("run", "selftest", "--threads", "1,2", "--duration-ms", "10",
                         "--warmup-ms", "0", "--trials", "3", "--quiet", "--out", name),
                     0);
}

static void test_import_idempotent_typed(void **state)
{
    (void)state;
    selftest_run("r1");
    char db[512];
    snprintf(db, sizeof db, "%s", tu_path("a.db"));
    assert_int_equal(RUN("db", "import", db, "r1"), 0);
    int lines = tu_count_lines(tu_path("r1/results.csv"));
    assert_int_equal(query_long(db, "SELECT count(*) FROM runs"), 1);
    assert_int_equal(query_long(db, "SELECT count(*) FROM rows"), lines - 1);
    assert_true(query_long(db, "SELECT count(*) FROM alerts") >= 6);
    /* the run's meta.json fields */
    char *v = query1(db, "SELECT experiment || '|' || online_cpus || '|' || typeof(online_cpus) "
                         "|| '|' || (meta LIKE '{%') || '|' || json_extract(settings, '$.trials') "
                         "FROM runs");
    assert_string_equal(v, "selftest|2|integer|1|3");
    free(v);
    /* typed values: integers, reals, text; an experiment column in extra */
    v = query1(db, "SELECT typeof(threads) || '|' || typeof(ops_per_sec) || '|' || "
                   "typeof(backend) || '|' || typeof(json_extract(extra, '$.checksum')) FROM rows "
                   "LIMIT 1");
    assert_string_equal(v, "integer|real|text|integer");
    free(v);
    char *d1 = dump(db);
    assert_int_equal(RUN("db", "import", db, "r1"), 0);
    char *d2 = dump(db);
    same_dump(d1, d2);
    assert_int_equal(query_long(db, "SELECT count(*) FROM rows"), lines - 1);
    free(d1);
    free(d2);
}

static void test_views_and_median(void **state)
{
    (void)state;
    selftest_run("r1");
    char db[512];
    snprintf(db, sizeof db, "%s", tu_path("m.db"));
    assert_int_equal(RUN("db", "import", db, "r1"), 0);
    assert_int_equal(query_long(db, "SELECT count(*) FROM trials"),
                     tu_count_lines(tu_path("r1/results.csv")) - 1);
    /* median() of pmlab db query against the window-function form of docs/database.md */
    char *a = query1(db, "SELECT median(ops_per_sec) FROM trials WHERE threads = 1");
    char *b = query1(db, "WITH t AS (SELECT ops_per_sec, row_number() OVER (ORDER BY "
                         "ops_per_sec) AS k, count(*) OVER () AS n FROM trials WHERE threads = 1) "
                         "SELECT avg(ops_per_sec) FROM t WHERE k IN ((n + 1) / 2, (n + 2) / 2)");
    assert_string_equal(a, b);
    free(a);
    free(b);
    /* an aligned table has a header and a rule */
    assert_int_equal(RUN("db", "query", db, "SELECT threads, count(*) AS n FROM trials GROUP BY 1"),
                     0);
    char *t = out_text();
    assert_non_null(strstr(t, "threads  n\n-------  -\n"));
    free(t);
}

static void test_compare_db_equals_folders(void **state)
{
    (void)state;
    selftest_run("r1");
    selftest_run("r2");
    char db[512];
    snprintf(db, sizeof db, "%s", tu_path("c.db"));
    assert_int_equal(RUN("db", "import", db, "r1", "r2"), 0);
    assert_int_equal(RUN("compare", "r1", "r2"), 0);
    char *folders = out_text();
    char *ida = query1(db, "SELECT run_id FROM runs WHERE folder = 'r1'");
    char *idb = query1(db, "SELECT run_id FROM runs WHERE folder = 'r2'");
    ida[6] = 0; /* a unique prefix */
    assert_int_equal(RUN("compare", "--db", db, ida, tu_path("r2")), 0);
    char *fromdb = out_text();
    assert_string_equal(folders, fromdb);
    assert_non_null(strstr(fromdb, "configurations compared at 95% confidence"));
    /* the temporary folders are gone; an unknown run is bad input */
    assert_int_equal(RUN("compare", "--db", db, idb, "ffffffffffff"), 2);
    assert_true(tu_contains(tu_path("stderr.txt"), "no run 'ffffffffffff'"));
    free(folders);
    free(fromdb);
    free(ida);
    free(idb);
}

static void test_corrupt_and_missing_leave_db(void **state)
{
    (void)state;
    selftest_run("r1");
    selftest_run("r2");
    char db[512];
    snprintf(db, sizeof db, "%s", tu_path("x.db"));
    assert_int_equal(RUN("db", "import", db, "r1"), 0);
    char *before = dump(db);
    /* a folder whose meta.json is not JSON, imported after a good new one: nothing is added */
    mkdir(tu_path("bad"), 0755);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s' && printf '{\"experiment\": ' > '%s'",
             tu_path("r1/results.csv"), tu_path("bad/results.csv"), tu_path("bad/meta.json"));
    assert_int_equal(system(cmd), 0);
    assert_int_equal(RUN("db", "import", db, "r2", "bad"), 1);
    assert_true(tu_contains(tu_path("stderr.txt"), "bad/meta.json"));
    assert_true(tu_contains(tu_path("stderr.txt"), "unchanged"));
    char *after = dump(db);
    same_dump(before, after);
    free(after);
    /* a results.csv line with a field too few */
    snprintf(cmd, sizeof cmd,
             "cp '%s' '%s' && printf 'selftest,-,glibc\\n' >> '%s' && cp '%s' '%s'",
             tu_path("r1/results.csv"), tu_path("bad/results.csv"), tu_path("bad/results.csv"),
             tu_path("r1/meta.json"), tu_path("bad/meta.json"));
    assert_int_equal(system(cmd), 0);
    assert_int_equal(RUN("db", "import", db, "r2", "bad"), 1);
    after = dump(db);
    same_dump(before, after);
    free(after);
    /* a missing folder, a folder that is no run: bad input, nothing done */
    assert_int_equal(RUN("db", "import", db, "r2", "nosuch"), 2);
    assert_int_equal(tu_count_lines(tu_path("stderr.txt")), 1);
    assert_int_equal(RUN("db", "import", db, "r2", "r1/plots"), 2);
    after = dump(db);
    same_dump(before, after);
    free(after);
    /* a database of another schema version is refused, not mixed */
    char *ver = query1(db, "PRAGMA user_version");
    assert_string_equal(ver, "1");
    free(ver);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s' && sqlite3 '%s' 'PRAGMA user_version = 99'", db,
             tu_path("old.db"), tu_path("old.db"));
    assert_int_equal(system(cmd), 0);
    assert_int_equal(RUN("db", "import", tu_path("old.db"), "r2"), 1);
    assert_true(tu_contains(tu_path("stderr.txt"), "schema version 99"));
    /* a failed import into a new database leaves no file */
    assert_int_equal(RUN("db", "import", tu_path("new.db"), "bad"), 1);
    assert_false(tu_exists(tu_path("new.db")));
    free(before);
}

static void test_suite_verdicts_and_db_options(void **state)
{
    (void)state;
    char db[512];
    snprintf(db, sizeof db, "%s", tu_path("s.db"));
    char cl[512];
    snprintf(cl, sizeof cl, "%s", tu_path("claims.json"));
    FILE *f = fopen(cl, "w");
    assert_non_null(f);
    fputs("{\"format\": \"pmlab-claims/1\", \"claims\": [\n"
          " {\"id\": \"T1\", \"group\": \"g\", \"statement\": \"answer is {stated}\", \"roles\": "
          "[\"ok\"], \"rule\": {\"kind\": \"range\", \"col\": \"answer\", \"stated\": [40, 44]}},\n"
          " {\"id\": \"T2\", \"group\": \"g\", \"statement\": \"ops/s <= {stated}\", \"roles\": "
          "[\"ok\"], \"rule\": {\"kind\": \"bound\", \"col\": \"ops_per_sec\", \"op\": \"<=\", "
          "\"stated\": 1}}]}\n",
          f);
    fclose(f);
    assert_int_equal(RUN("reproduce", "--suite", "fake-suite", "--quick", "--out", "s1", "--claims",
                         cl, "--quiet", "--db", db),
                     0);
    assert_true(tu_exists(tu_path("s1/verdicts.csv")));
    char *v = query1(db, "SELECT group_concat(claim || '=' || verdict || '@' || estimate, ';') "
                         "FROM (SELECT * FROM verdicts ORDER BY claim)");
    assert_string_equal(v, "T1=holds@42.0;T2=does not hold@1501000.0");
    free(v);
    assert_int_equal(query_long(db, "SELECT count(*) FROM suite_runs WHERE run_id IS NOT NULL"), 1);
    assert_int_equal(query_long(db, "SELECT count(*) FROM runs"), 1);
    char *d1 = dump(db);
    assert_int_equal(RUN("db", "import", db, "s1"), 0);
    char *d2 = dump(db);
    same_dump(d1, d2);
    free(d1);
    free(d2);

    /* run --db and merge --db: two shards and their merge are three runs */
    assert_int_equal(RUN("run", "fake-ok", "--threads", "1,2", "--trials", "1", "--shard", "1/2",
                         "--quiet", "--out", "sh1", "--db", db),
                     0);
    assert_int_equal(RUN("run", "fake-ok", "--threads", "1,2", "--trials", "1", "--shard", "2/2",
                         "--quiet", "--out", "sh2", "--db", db),
                     0);
    assert_int_equal(RUN("merge", "merged", "sh1", "sh2", "--db", db), 0);
    assert_int_equal(query_long(db, "SELECT count(*) FROM runs"), 4);
    assert_int_equal(query_long(db, "SELECT count(*) FROM runs WHERE folder = 'merged' AND "
                                    "json_array_length(settings, '$.merged_from') = 2"),
                     1);
}

static void test_bad_input(void **state)
{
    (void)state;
    /* --db in a directory that does not exist: exit 2 before any folder */
    assert_int_equal(RUN("run", "selftest", "--out", "never", "--db", "/nonexistent/dir/x.db"), 2);
    assert_false(tu_exists(tu_path("never")));
    assert_true(tu_contains(tu_path("stderr.txt"), "/nonexistent/dir/x.db"));
    assert_int_equal(tu_count_lines(tu_path("stderr.txt")), 1);
    assert_int_equal(RUN("reproduce", "--suite", "fake-suite", "--quick", "--out", "never", "--db",
                         "/nonexistent/dir/x.db"),
                     2);
    assert_false(tu_exists(tu_path("never")));
    assert_int_equal(RUN("merge", "never", "r1", "--db", "/nonexistent/dir/x.db"), 2);
    assert_false(tu_exists(tu_path("never")));
    /* a --db that is not a database */
    selftest_run("r1");
    assert_int_equal(RUN("run", "selftest", "--out", "never", "--db", tu_path("r1/meta.json")), 2);
    assert_false(tu_exists(tu_path("never")));
    /* db: a missing subcommand or argument, a missing database, bad SQL */
    assert_int_equal(RUN("db"), 2);
    assert_int_equal(RUN("db", "frobnicate"), 2);
    assert_int_equal(RUN("db", "import", tu_path("y.db")), 2);
    assert_int_equal(RUN("db", "query", tu_path("nosuch.db"), "SELECT 1"), 2);
    assert_false(tu_exists(tu_path("nosuch.db")));
    assert_int_equal(RUN("db", "import", tu_path("q.db"), "nosuch-folder"), 2);
    assert_false(tu_exists(tu_path("q.db")));
    selftest_run("r1");
    assert_int_equal(RUN("db", "import", tu_path("q.db"), "r1"), 0);
    assert_int_equal(RUN("db", "query", tu_path("q.db"), "SELECT nonsense FROM runs"), 2);
    assert_true(tu_contains(tu_path("stderr.txt"), "nonsense"));
    assert_int_equal(RUN("compare", "--db", tu_path("nosuch.db"), "a", "b"), 2);
}

/* docs/database.md holds the CREATE statements `pmlab db schema` prints, verbatim */
static void test_docs_schema(void **state)
{
    (void)state;
    assert_int_equal(RUN("db", "schema"), 0);
    char *schema = out_text();
    char p[600];
    snprintf(p, sizeof p, "%s/docs/database.md", g_src);
    char *doc = tu_slurp(p);
    assert_non_null(doc);
    if (!strstr(doc, schema)) {
        fprintf(stderr, "docs/database.md lacks the schema of `pmlab db schema`; update it:\n%s",
                schema);
        fail();
    }
    free(schema);
    free(doc);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s PMLAB-TEST SOURCE_DIR\n", argv[0]);
        return 2;
    }
    g_src = argv[2];
    char *args[] = {argv[0], argv[1]};
    tu_setup(2, args);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_import_idempotent_typed),
        cmocka_unit_test(test_views_and_median),
        cmocka_unit_test(test_compare_db_equals_folders),
        cmocka_unit_test(test_corrupt_and_missing_leave_db),
        cmocka_unit_test(test_suite_verdicts_and_db_options),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_docs_schema),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    tu_cleanup();
    return rc;
}
