/* `pmlab reproduce` as a suite runner (issue 12 item 7, the suite parts of items 3, 4, 8): --plan
 * against the real mode definitions, a suite interrupted by SIGINT then resumed, a --claims file
 * plumbed through to its own report row, bad --claims refused before any work, and adaptive
 * reruns in default mode. It runs the built-in three-run `selftest` suite (short, no trie), so it
 * is registered in every preset. No timing assertions: the interrupt waits for the first run to be
 * recorded, and every check holds wherever the signal lands after that. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

static const char *g_pmlab;
static char g_tmp[512];

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    size_t got = fread(b, 1, (size_t)n, f);
    b[got] = 0;
    fclose(f);
    return b;
}

static char *pathf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *pathf(const char *fmt, ...)
{
    static char bufs[8][1024];
    static int k;
    char *b = bufs[k++ % 8];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, 1024, fmt, ap);
    va_end(ap);
    return b;
}

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static bool exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static void write_file(const char *p, const char *text)
{
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++)
        n += *s == '\n';
    return n;
}

/* a path kept beyond the next pathf calls (freed by the caller) */
#define KEEP(...) strdup(pathf(__VA_ARGS__))

/* ---- suite.csv ---- */
typedef struct {
    int index;
    char folder[64], state[32], role[32];
    unsigned trials;
} srow;

/* splits one CSV line (quoted fields allowed, no embedded newlines) */
static int csv_fields(char *line, char **f, int max)
{
    int n = 0;
    char *p = line;
    while (n < max) {
        if (*p == '"') {
            char *w = ++p;
            f[n++] = w;
            for (; *p; p++) {
                if (*p == '"' && p[1] == '"') {
                    *w++ = '"';
                    p++;
                } else if (*p == '"') {
                    p++;
                    break;
                } else
                    *w++ = *p;
            }
            *w = 0;
            if (*p == ',')
                p++;
            else
                break;
        } else {
            f[n++] = p;
            char *c = strchr(p, ',');
            if (!c)
                break;
            *c = 0;
            p = c + 1;
        }
    }
    return n;
}

static int col_of(char **hdr, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(hdr[i], name))
            return i;
    fail_msg("column %s missing", name);
    return -1;
}

static size_t read_suite_csv(const char *dir, srow *rows, size_t max)
{
    char *t = slurp(pathf("%s/suite.csv", dir));
    assert_non_null(t);
    char *save = NULL, *hdr[32], *f[32];
    char *line = strtok_r(t, "\n", &save);
    assert_non_null(line);
    char *hcopy = strdup(line);
    int nh = csv_fields(hcopy, hdr, 32);
    int ci = col_of(hdr, nh, "index"), cf = col_of(hdr, nh, "folder"),
        cs = col_of(hdr, nh, "state"), cr = col_of(hdr, nh, "role"), ct = col_of(hdr, nh, "trials");
    size_t n = 0;
    while ((line = strtok_r(NULL, "\n", &save)) && n < max) {
        int nf = csv_fields(line, f, 32);
        assert_true(nf == nh);
        rows[n].index = atoi(f[ci]);
        snprintf(rows[n].folder, sizeof rows[n].folder, "%s", f[cf]);
        snprintf(rows[n].state, sizeof rows[n].state, "%s", f[cs]);
        snprintf(rows[n].role, sizeof rows[n].role, "%s", f[cr]);
        rows[n].trials = (unsigned)atoi(f[ct]);
        n++;
    }
    free(hcopy);
    free(t);
    return n;
}

/* results.csv of a run: the set of (config_id, trial) keys, checked unique; distinct configs */
static size_t run_keys(const char *run_dir, char keys[][96], size_t max, size_t *nconfigs)
{
    char *t = slurp(pathf("%s/results.csv", run_dir));
    assert_non_null(t);
    char *save = NULL, *hdr[256], *f[256];
    char *line = strtok_r(t, "\n", &save);
    char *hcopy = strdup(line);
    int nh = csv_fields(hcopy, hdr, 256);
    int cc = col_of(hdr, nh, "config_id"), ct = col_of(hdr, nh, "trial");
    size_t n = 0;
    char cfgs[64][64];
    size_t ncf = 0;
    while ((line = strtok_r(NULL, "\n", &save)) && n < max) {
        int nf = csv_fields(line, f, 256);
        assert_true(nf > cc && nf > ct);
        snprintf(keys[n], 96, "%s#%s", f[cc], f[ct]);
        for (size_t j = 0; j < n; j++)
            if (!strcmp(keys[j], keys[n]))
                fail_msg("%s: trial %s recorded twice (ran twice)", run_dir, keys[n]);
        n++;
        bool seen = false;
        for (size_t j = 0; j < ncf && !seen; j++)
            seen = !strcmp(cfgs[j], f[cc]);
        if (!seen && ncf < 64)
            snprintf(cfgs[ncf++], 64, "%s", f[cc]);
    }
    *nconfigs = ncf;
    free(hcopy);
    free(t);
    return n;
}

/* ---- --plan: rows "  #  experiment role configs trials estimate options" ---- */
typedef struct {
    int index;
    char exp[64];
    long configs, trials;
} prow;

static size_t parse_plan(const char *out, prow *rows, size_t max, size_t *in_mode, size_t *defined)
{
    const char *h = strstr(out, " runs (nothing is run)");
    assert_non_null(h);
    const char *of = strstr(out, " of the suite's ");
    assert_non_null(of);
    const char *m = of;
    while (m > out && m[-1] != ' ')
        m--;
    *in_mode = (size_t)atol(m);
    *defined = (size_t)atol(of + strlen(" of the suite's "));
    size_t n = 0;
    for (const char *l = out; l && *l && n < max;) {
        const char *eol = strchr(l, '\n');
        char line[1024];
        size_t len = eol ? (size_t)(eol - l) : strlen(l);
        snprintf(line, sizeof line, "%.*s", (int)(len < 1023 ? len : 1023), l);
        int idx;
        char exp[64], role[64], cfg[32], tr[32];
        if (sscanf(line, "%d %63s %63s %31s %31s", &idx, exp, role, cfg, tr) == 5 && idx > 0) {
            rows[n].index = idx;
            snprintf(rows[n].exp, sizeof rows[n].exp, "%s", exp);
            rows[n].configs = strcmp(cfg, "-") ? atol(cfg) : -1;
            rows[n].trials = strcmp(tr, "-") ? atol(tr) : -1;
            n++;
        }
        l = eol ? eol + 1 : NULL;
    }
    return n;
}

/* every mode's plan lists each of its runs once with a configuration count; the three modes
 * together cover every run of the suite; nothing is created */
static void check_plans(const char *suite_opt)
{
    char cwd[1024];
    assert_non_null(getcwd(cwd, sizeof cwd));
    char *dir = KEEP("%s/plan-cwd", g_tmp);
    assert_int_equal(run("rm -rf '%s' && mkdir -p '%s'", dir, dir), 0);
    assert_int_equal(chdir(dir), 0);
    free(dir);
    static const char *const modes[] = {"--quick", "", "--full"};
    bool covered[256] = {0};
    size_t defined = 0;
    for (size_t m = 0; m < 3; m++) {
        char *outp = KEEP("%s/plan.out", g_tmp), *errp = KEEP("%s/plan.err", g_tmp);
        int rc = run("'%s' reproduce --plan %s %s --out planned >'%s' 2>'%s'", g_pmlab, modes[m],
                     suite_opt, outp, errp);
        char *out = slurp(outp), *err = slurp(errp);
        if (rc != 0)
            fprintf(stderr, "reproduce --plan %s %s: exit %d\n%s%s", modes[m], suite_opt, rc, out,
                    err);
        assert_int_equal(rc, 0);
        prow rows[256];
        size_t in_mode = 0;
        size_t n = parse_plan(out, rows, 256, &in_mode, &defined);
        assert_true(defined > 0 && defined < 256);
        assert_int_equal(n, in_mode);
        assert_true(n > 0);
        for (size_t i = 0; i < n; i++) {
            assert_true(rows[i].index >= 1 && (size_t)rows[i].index <= defined);
            assert_false(i && rows[i].index <= rows[i - 1].index); /* each once, in order */
            covered[rows[i].index] = true;
            /* a configuration count and trials, or "not built" (then both are "-") */
            if (rows[i].configs < 0)
                assert_non_null(strstr(out, "not built"));
            else
                assert_true(rows[i].configs >= 1 && rows[i].trials >= 1);
        }
        assert_non_null(strstr(out, "\ntotal: "));
        assert_non_null(strstr(out, "estimated "));
        free(out);
        free(err);
        free(outp);
        free(errp);
    }
    for (size_t i = 1; i <= defined; i++)
        if (!covered[i])
            fail_msg("run %zu of the suite is in no mode's plan", i);
    /* nothing was created: not the --out folder, not a default results/ folder */
    assert_false(exists("planned"));
    assert_false(exists("results"));
    assert_int_equal(chdir(cwd), 0);
}

static void test_plan(void **state)
{
    (void)state;
    check_plans("");                 /* the suite experiments/ registers (the real modes) */
    check_plans("--suite selftest"); /* the built-in one */
}

static const char claims_json[] =
    "{\"format\": \"pmlab-claims/1\",\n"
    " \"claims\": [\n"
    "  {\"id\": \"T900\", \"statement\": \"the heavy self-test loop runs at least {stated} "
    "ops/s\",\n"
    "   \"roles\": [\"heavy\"],\n"
    "   \"rule\": {\"kind\": \"bound\", \"col\": \"ops_per_sec\", \"op\": \">=\", \"stated\": 1}}\n"
    " ]}\n";

static const char *state_word(const char *md, const char *folder)
{
    /* the runs-table row of a folder: "| N | experiment | `opts` | role | STATE | ..." */
    static char buf[256];
    const char *p = md;
    char needle[96];
    snprintf(needle, sizeof needle, "| %s |\n", folder);
    const char *hit = strstr(p, needle);
    if (!hit) {
        snprintf(needle, sizeof needle, "[%s](%s/report.md) |\n", folder, folder);
        hit = strstr(p, needle);
    }
    assert_non_null(hit);
    const char *bol = hit;
    while (bol > md && bol[-1] != '\n')
        bol--;
    snprintf(buf, sizeof buf, "%.*s", (int)(hit - bol), bol);
    return buf;
}

static void test_interrupt_and_resume(void **state)
{
    (void)state;
    char *dir = KEEP("%s/interrupted", g_tmp);
    char *cf = KEEP("%s/mine.json", g_tmp);
    write_file(cf, claims_json);
    char *logp = KEEP("%s/interrupted.log", g_tmp);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        execl(g_pmlab, g_pmlab, "reproduce", "--suite", "selftest", "--quick", "--quiet",
              "--claims", cf, "--out", dir, (char *)NULL);
        _exit(127);
    }
    /* wait until the suite records its first run complete, then interrupt it */
    bool first_done = false;
    int status = 0;
    bool exited = false;
    for (int i = 0; i < 120000 && !first_done; i++) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            exited = true;
            break;
        }
        char *csv = slurp(pathf("%s/suite.csv", dir));
        first_done = csv && strstr(csv, ",ran,");
        free(csv);
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    assert_false(exited);
    assert_true(first_done);
    assert_int_equal(kill(pid, SIGINT), 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 130);

    /* the message names what ran, as suite.csv records it */
    srow rows[8];
    size_t n = read_suite_csv(dir, rows, 8);
    assert_int_equal(n, 3);
    size_t ran = 0, partial = 0, notstarted = 0;
    for (size_t i = 0; i < n; i++) {
        ran += !strcmp(rows[i].state, "ran");
        partial += !strcmp(rows[i].state, "partial");
        notstarted += !strcmp(rows[i].state, "not-started");
    }
    assert_int_equal(ran + partial + notstarted, 3);
    assert_true(ran >= 1);
    assert_int_equal(rows[0].state[0], 'r'); /* run 1 complete */
    assert_true(partial <= 1);
    char *log = slurp(logp);
    assert_non_null(log);
    char want[256];
    snprintf(want, sizeof want, "%zu run%s complete, %zu partial, %zu not started", ran,
             ran == 1 ? "" : "s", partial, notstarted);
    if (!strstr(log, want))
        fprintf(stderr, "expected '%s' in:\n%s\n", want, log);
    assert_non_null(strstr(log, want));
    assert_non_null(strstr(log, partial ? "interrupted during run " : "interrupted after run "));
    assert_non_null(strstr(log, " of 3 (selftest)"));
    assert_non_null(strstr(log, pathf("resume with pmlab reproduce --resume %s", dir)));
    assert_null(strstr(log, "INTERRUPTED after"));
    free(log);

    /* the report shows each run as it is: complete, partial (its data used), or not started */
    char *md = slurp(pathf("%s/report.md", dir));
    assert_non_null(md);
    assert_non_null(strstr(md, "**This suite was interrupted during run ") ||
                    strstr(md, "**This suite was interrupted after run "));
    for (size_t i = 0; i < n; i++) {
        const char *row = state_word(md, rows[i].folder);
        if (!strcmp(rows[i].state, "partial")) {
            assert_non_null(strstr(row, "partial"));
            assert_null(strstr(row, "not run"));
            assert_true(exists(pathf("%s/%s/results.csv", dir, rows[i].folder)));
        } else if (!strcmp(rows[i].state, "not-started")) {
            assert_non_null(strstr(row, "not run: interrupted before it started"));
            assert_false(exists(pathf("%s/%s/results.csv", dir, rows[i].folder)));
        } else {
            assert_non_null(strstr(row, "| ok |"));
        }
    }
    /* the --claims claim is its own row, counted in the header */
    assert_non_null(strstr(md, "\n| T900 "));
    assert_non_null(strstr(md, "\n**Verdicts: "));
    /* a re-render gives the same report (the runs table and claims agree after an interrupt) */
    assert_int_equal(run("'%s' report '%s' >/dev/null 2>&1", g_pmlab, dir), 0);
    char *md2 = slurp(pathf("%s/report.md", dir));
    assert_string_equal(md, md2);
    free(md2);
    free(md);

    /* keep what finished before the resume */
    char *before[3] = {0};
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].state, "not-started") != 0)
            before[i] = slurp(pathf("%s/%s/results.csv", dir, rows[i].folder));

    /* --resume takes nothing but --quiet; a folder that is not a suite is refused */
    assert_int_equal(run("'%s' reproduce --resume '%s' --quick >/dev/null 2>&1", g_pmlab, dir), 2);
    assert_int_equal(
        run("'%s' reproduce --resume '%s/%s' >/dev/null 2>&1", g_pmlab, dir, rows[0].folder), 2);
    int rc = run("'%s' reproduce --resume '%s' --quiet >'%s.resume' 2>&1", g_pmlab, dir, logp);
    if (rc != 0) {
        char *o = slurp(pathf("%s.resume", logp));
        fprintf(stderr, "resume exit %d:\n%s\n", rc, o ? o : "");
        free(o);
    }
    assert_int_equal(rc, 0);

    /* complete: every run ran once; the runs complete before are untouched; the partial one
     * kept its rows and added the rest; nothing is recorded twice */
    srow after[8];
    assert_int_equal(read_suite_csv(dir, after, 8), 3);
    char plan_out[4096] = "";
    {
        char *pp = pathf("%s/plan-selftest.out", g_tmp);
        assert_int_equal(
            run("'%s' reproduce --plan --quick --suite selftest >'%s' 2>&1", g_pmlab, pp), 0);
        char *t = slurp(pp);
        snprintf(plan_out, sizeof plan_out, "%s", t);
        free(t);
    }
    prow plan[8];
    size_t in_mode, defined;
    assert_int_equal(parse_plan(plan_out, plan, 8, &in_mode, &defined), 3);
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(after[i].state, "ran");
        char *now = slurp(pathf("%s/%s/results.csv", dir, after[i].folder));
        assert_non_null(now);
        if (!strcmp(rows[i].state, "ran"))
            assert_string_equal(before[i], now);
        else if (before[i])
            assert_true(!strncmp(before[i], now, strlen(before[i])));
        free(now);
        free(before[i]);
        static char keys[512][96];
        size_t ncf = 0;
        size_t nk = run_keys(pathf("%s/%s", dir, after[i].folder), keys, 512, &ncf);
        /* the plan's configuration count is what the sweep ran; every trial is there */
        assert_int_equal((long)ncf, plan[i].configs);
        assert_true(nk >= (size_t)(plan[i].configs * plan[i].trials));
    }
    char *sj = slurp(pathf("%s/suite.json", dir));
    assert_non_null(sj);
    assert_non_null(strstr(sj, "\"state\": \"complete\""));
    assert_non_null(strstr(sj, "\"resumed_by\": [\""));
    assert_non_null(strstr(sj, "mine.json\"]"));   /* the --claims file, recorded */
    assert_non_null(strstr(sj, "\"reruns\": []")); /* --quick re-runs nothing */
    free(sj);
    md = slurp(pathf("%s/report.md", dir));
    assert_null(strstr(md, "not run: interrupted"));
    assert_null(strstr(md, "This suite was interrupted"));
    assert_non_null(strstr(md, "\n| T900 "));
    free(md);
    free(dir);
    free(cf);
    free(logp);
}

static void test_bad_claims(void **state)
{
    (void)state;
    char *dir = KEEP("%s/never", g_tmp);
    char *bad_role = KEEP("%s/bad-role.json", g_tmp), *bad_json = KEEP("%s/bad.json", g_tmp),
         *missing = KEEP("%s/missing.json", g_tmp);
    write_file(bad_role, "{\"format\": \"pmlab-claims/1\", \"claims\": [{\"id\": \"T901\", "
                         "\"statement\": \"x\", \"roles\": [\"no-such-role\"], \"rule\": "
                         "{\"kind\": \"bound\", \"col\": \"ops_per_sec\", \"op\": \">=\", "
                         "\"stated\": 1}}]}\n");
    write_file(bad_json, "{\"format\": \"pmlab-claims/1\", \"claims\": [\n");
    const char *files[] = {bad_role, bad_json, missing};
    for (size_t i = 0; i < 3; i++) {
        char *errp = pathf("%s/bad.err", g_tmp);
        int rc = run("'%s' reproduce --suite selftest --quick --claims '%s' --out '%s' 2>'%s'",
                     g_pmlab, files[i], dir, errp);
        assert_int_equal(rc, 2);
        char *err = slurp(errp);
        assert_int_equal(count_lines(err), 1); /* one line naming the problem */
        if (i == 0)
            assert_non_null(strstr(err, "no-such-role"));
        free(err);
        assert_false(exists(dir));
    }
    free(dir);
    free(bad_role);
    free(bad_json);
    free(missing);
}

/* --budget: whole seconds, default mode only; refused with one line before any folder exists */
static void test_bad_budget(void **state)
{
    (void)state;
    char *dir = KEEP("%s/budget", g_tmp);
    const char *bad[] = {"--budget 0", "--budget x", "--quick --budget 60"};
    for (size_t i = 0; i < 3; i++) {
        char *errp = pathf("%s/budget.err", g_tmp);
        int rc =
            run("'%s' reproduce --suite selftest %s --out '%s' 2>'%s'", g_pmlab, bad[i], dir, errp);
        assert_int_equal(rc, 2);
        char *err = slurp(errp);
        assert_int_equal(count_lines(err), 1);
        assert_non_null(strstr(err, "--budget"));
        free(err);
        assert_false(exists(dir));
    }
    free(dir);
}

/* default mode: a claim with too few trials (2 of the 3 a verdict needs) is re-run with more,
 * up to --max-trials, and the rerun is recorded */
static void test_adaptive_rerun(void **state)
{
    (void)state;
    char *dir = KEEP("%s/default", g_tmp);
    char *cf = KEEP("%s/mine.json", g_tmp);
    write_file(cf, claims_json);
    int rc =
        run("'%s' reproduce --suite selftest --quiet --max-trials 5 --budget 900 --claims '%s' "
            "--out '%s' "
            ">'%s.log' 2>&1",
            g_pmlab, cf, dir, dir);
    assert_int_equal(rc, 0);
    srow rows[8];
    assert_int_equal(read_suite_csv(dir, rows, 8), 3);
    assert_string_equal(rows[2].role, "heavy");
    /* 2, re-run to 4 (2 more a round); decided there, or re-run once more to 5 = --max-trials
     * when a trial was contended */
    assert_true(rows[2].trials == 4 || rows[2].trials == 5);
    char *sj = slurp(pathf("%s/suite.json", dir));
    assert_non_null(strstr(sj, "\"index\": 3, \"folder\": \"03-selftest\", \"role\": \"heavy\", "
                               "\"from_trials\": 2, \"to_trials\": 4"));
    assert_non_null(strstr(sj, "T900"));
    assert_non_null(strstr(sj, "\"budget_seconds\": 900")); /* --budget */
    free(sj);
    static char keys[512][96];
    size_t ncf = 0;
    size_t nk = run_keys(pathf("%s/03-selftest", dir), keys, 512, &ncf);
    assert_true(nk >= (size_t)rows[2].trials * ncf);
    char *md = slurp(pathf("%s/report.md", dir));
    assert_non_null(strstr(md, "## Adaptive reruns"));
    assert_non_null(strstr(md, "re-ran heavy (03-selftest) with 2 more trials (2 -> 4)"));
    free(md);
    free(dir);
    free(cf);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PMLAB\n", argv[0]);
        return 2;
    }
    g_pmlab = realpath(argv[1], NULL); /* the plan test changes directory */
    if (!g_pmlab) {
        fprintf(stderr, "%s: %s: %s\n", argv[0], argv[1], strerror(errno));
        return 2;
    }
    const char *tmp = getenv("TMPDIR");
    /* a fresh folder of our own (a pid-named one can collide across pid namespaces) */
    snprintf(g_tmp, sizeof g_tmp, "%s/pmlab-suite-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(g_tmp)) {
        fprintf(stderr, "%s: mkdtemp %s: %s\n", argv[0], g_tmp, strerror(errno));
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan), cmocka_unit_test(test_bad_claims),
        cmocka_unit_test(test_interrupt_and_resume), cmocka_unit_test(test_adaptive_rerun),
        cmocka_unit_test(test_bad_budget)};
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (rc == 0)
        run("rm -rf '%s'", g_tmp);
    free((char *)g_pmlab);
    return rc;
}
