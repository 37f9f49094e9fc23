/* `pmlab reproduce --quick` end to end: every claim group has rows with a verdict, every plot
 * the report shows exists and is a valid PNG with an SVG beside it, report.html references
 * nothing outside itself, alerts.json is valid JSON and `pmlab report DIR` re-renders the same
 * report. No timing assertions. (`pmlab compare` is tested on synthetic rows in tests/harness: a
 * test on measured rows would depend on how noisy the machine is.) */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

static const char *g_pmlab;
static char g_dir[512];

static char *slurp(const char *path, size_t *len)
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
    if (len)
        *len = got;
    return b;
}

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* ---- a small JSON validator ---- */
static const char *js_ws(const char *p)
{
    while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
        p++;
    return p;
}

static const char *js_value(const char *p, int depth);

static const char *js_string(const char *p)
{
    if (*p != '"')
        return NULL;
    for (p++; *p && *p != '"'; p++) {
        if ((unsigned char)*p < 0x20)
            return NULL;
        if (*p == '\\') {
            p++;
            if (!*p || !strchr("\"\\/bfnrtu", *p))
                return NULL;
        }
    }
    return *p == '"' ? p + 1 : NULL;
}

static const char *js_value(const char *p, int depth)
{
    if (depth > 64)
        return NULL;
    p = js_ws(p);
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        bool obj = *p == '{';
        p = js_ws(p + 1);
        if (*p == close)
            return p + 1;
        for (;;) {
            if (obj) {
                p = js_string(js_ws(p));
                if (!p)
                    return NULL;
                p = js_ws(p);
                if (*p++ != ':')
                    return NULL;
            }
            p = js_value(p, depth + 1);
            if (!p)
                return NULL;
            p = js_ws(p);
            if (*p == ',') {
                p++;
                continue;
            }
            return *p == close ? p + 1 : NULL;
        }
    }
    if (*p == '"')
        return js_string(p);
    if (!strncmp(p, "true", 4) || !strncmp(p, "null", 4))
        return p + 4;
    if (!strncmp(p, "false", 5))
        return p + 5;
    char *end;
    strtod(p, &end);
    return end > p ? end : NULL;
}

static void test_reproduce_quick(void **state)
{
    (void)state;
    char p[1024];
    int rc = run("'%s' reproduce --quick --quiet --out '%s' >'%s.out' 2>&1", g_pmlab, g_dir, g_dir);
    if (rc != 0) {
        snprintf(p, sizeof p, "%s.out", g_dir);
        char *o = slurp(p, NULL);
        fprintf(stderr, "pmlab reproduce exit %d:\n%s\n", rc, o ? o : "");
        free(o);
    }
    assert_int_equal(rc, 0);
    snprintf(p, sizeof p, "%s/report.md", g_dir);
    char *md = slurp(p, NULL);
    assert_non_null(md);
    /* every claim group has rows, each with a verdict */
    static const char *const groups[][6] = {
        {"Clone cost", "C005", "C025", "C026", NULL},
        {"Read scaling", "C040", "C041", "C042", NULL},
        {"Write scaling", "C051", "C052", "C053", "C054", "C063"},
        {"Memory per node", "C018", "C019", "C021", "C116", "C124"},
        {"Structural sharing", "C059", "C121", "C126", NULL},
        {"Atomic costs", "C030", "C031", NULL},
        {"rwlock-guarded map", "C010", "C146", "C080", "C081", "C082"},
        {"Merge and tree-reduce", "C060", "C061", "C062", NULL},
        {"ZipperHead conflict rules", "C065", "C066", "C067", "C068", NULL},
        {"Pattern D consistency", "C075", "C076", "C077", "C078", NULL},
        {"Alert thresholds", "C178", "C179", "C180", "C181", "C182"}};
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        char h[128];
        snprintf(h, sizeof h, "### %s", groups[g][0]);
        const char *sec = strstr(md, h);
        if (!sec)
            sec = strstr(md, groups[g][0]);
        if (!sec)
            fprintf(stderr, "missing group %s\n", groups[g][0]);
        assert_non_null(sec);
        for (int i = 1; i < 6 && groups[g][i]; i++) {
            char id[32];
            snprintf(id, sizeof id, "\n| %s ", groups[g][i]); /* "| C040 | statement | ..." */
            const char *row = strstr(md, id);
            if (!row)
                fprintf(stderr, "missing claim row %s\n", groups[g][i]);
            assert_non_null(row);
            const char *eol = strchr(row + 1, '\n');
            char *line = strndup(row + 1, eol ? (size_t)(eol - row - 1) : strlen(row + 1));
            bool verdict = strstr(line, "**holds**") || strstr(line, "**does not hold**") ||
                           strstr(line, "inconclusive: ") || strstr(line, "not testable here: ") ||
                           strstr(line, "not run: ");
            if (!verdict)
                fprintf(stderr, "no verdict: %s\n", line);
            assert_true(verdict);
            free(line);
        }
    }
    /* C005 and C025 judge the zero-allocation clone (how the engine shows the heap clone beside
     * it is tested with the engine, tests/harness/test_claims.c) */
    static const char *const clone_ids[] = {"\n| C005 ", "\n| C025 "};
    for (size_t i = 0; i < 2; i++) {
        const char *row = strstr(md, clone_ids[i]);
        assert_non_null(row);
        const char *eol = strchr(row + 1, '\n');
        char *line = strndup(row + 1, eol ? (size_t)(eol - row - 1) : strlen(row + 1));
        assert_non_null(strstr(line, "method=slot"));
        free(line);
    }
    /* the schemes table: one row per backend `pmlab list` shows, each with the read figure
     * relative to leaky and a memory verdict (the list is the binary's, not a copy here) */
    {
        const char *tab = strstr(md, "**The reclamation schemes side by side**");
        assert_non_null(tab);
        int lrc = run("'%s' list >'%s.list' 2>&1", g_pmlab, g_dir);
        assert_int_equal(lrc, 0);
        snprintf(p, sizeof p, "%s.list", g_dir);
        char *list = slurp(p, NULL);
        assert_non_null(list);
        char *b = strstr(list, "\nbackends:\n");
        assert_non_null(b);
        size_t nb = 0;
        for (char *l = strchr(b + 1, '\n') + 1; l && !strncmp(l, "  ", 2); nb++) {
            char name[64], row[80];
            assert_int_equal(sscanf(l, " %63s", name), 1);
            snprintf(row, sizeof row, "\n| %s | ", name);
            const char *r = strstr(tab, row);
            if (!r)
                fprintf(stderr, "schemes table: no row for backend %s\n", name);
            assert_non_null(r);
            const char *eol = strchr(r + 1, '\n');
            char *line = strndup(r + 1, eol ? (size_t)(eol - r - 1) : strlen(r + 1));
            if (strcmp(name, "leaky") == 0)
                assert_non_null(strstr(line, "| 1.00"));
            assert_true(strstr(line, "grows") || strstr(line, "bounded") ||
                        strstr(line, "blocked"));
            free(line);
            l = strchr(l, '\n');
            l = l ? l + 1 : NULL;
        }
        assert_true(nb >= 2);
        free(list);
    }
    /* the header counts the verdicts */
    assert_non_null(strstr(md, "\n**Verdicts: "));
    /* claims of experiments that are not built say so cleanly */
    assert_non_null(strstr(md, "Runs"));
    /* every image of the report: a PNG, and an SVG beside it */
    size_t nimg = 0;
    for (const char *q = md; (q = strstr(q, "![")) != NULL; q += 2) {
        const char *lp = strstr(q, "](");
        const char *rp = lp ? strchr(lp, ')') : NULL;
        assert_non_null(rp);
        char rel[512];
        snprintf(rel, sizeof rel, "%.*s", (int)(rp - lp - 2), lp + 2);
        snprintf(p, sizeof p, "%s/%s", g_dir, rel);
        size_t len = 0;
        char *png = slurp(p, &len);
        if (!png)
            fprintf(stderr, "missing plot %s\n", p);
        assert_non_null(png);
        assert_true(len > 8 && !memcmp(png, "\x89PNG\r\n\x1a\n", 8));
        free(png);
        size_t n = strlen(p);
        assert_true(n > 4 && !strcmp(p + n - 4, ".png"));
        strcpy(p + n - 4, ".svg");
        char *svg = slurp(p, NULL);
        if (!svg)
            fprintf(stderr, "missing svg %s\n", p);
        assert_non_null(svg);
        assert_non_null(strstr(svg, "<svg"));
        assert_non_null(strstr(svg, "</svg>"));
        free(svg);
        nimg++;
    }
    assert_true(nimg >= 5);
    /* report.html: self-contained */
    snprintf(p, sizeof p, "%s/report.html", g_dir);
    char *html = slurp(p, NULL);
    assert_non_null(html);
    assert_null(strstr(html, "http://"));
    assert_null(strstr(html, "https://"));
    assert_null(strstr(html, "href="));
    for (const char *q = html; (q = strstr(q, "src=")) != NULL; q += 4)
        assert_true(!strncmp(q, "src=\"data:", 10));
    assert_non_null(strstr(html, "data:image/png;base64,"));
    free(html);
    /* alerts.json of the suite and of every run: valid JSON arrays */
    snprintf(p, sizeof p, "%s/alerts.json", g_dir);
    char *aj = slurp(p, NULL);
    assert_non_null(aj);
    const char *end = js_value(aj, 0);
    assert_non_null(end);
    assert_int_equal(*js_ws(end), 0);
    assert_int_equal(*js_ws(aj), '[');
    free(aj);
    snprintf(p, sizeof p, "%s/01-clone/alerts.json", g_dir);
    aj = slurp(p, NULL);
    assert_non_null(aj);
    end = js_value(aj, 0);
    assert_non_null(end);
    free(aj);
    /* pmlab report DIR re-renders the same report (byte-identical) */
    assert_int_equal(run("'%s' report '%s' >/dev/null 2>&1", g_pmlab, g_dir), 0);
    snprintf(p, sizeof p, "%s/report.md", g_dir);
    char *md2 = slurp(p, NULL);
    assert_non_null(md2);
    assert_string_equal(md, md2);
    free(md2);
    free(md);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PMLAB\n", argv[0]);
        return 2;
    }
    g_pmlab = argv[1];
    const char *tmp = getenv("TMPDIR");
    /* a fresh parent folder of our own (a pid-named one can collide across pid namespaces) */
    static char parent[400];
    snprintf(parent, sizeof parent, "%s/pmlab-reproduce-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(parent)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(g_dir, sizeof g_dir, "%s/suite", parent);
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_reproduce_quick)};
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (rc == 0)
        run("rm -rf '%s'", parent);
    return rc;
}
