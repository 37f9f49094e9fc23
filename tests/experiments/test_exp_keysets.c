/* Key sets against experiments, and the honest peers comparison (issue 15):
 * - every experiment with a keys axis accepts every key set of the one list (keys.c, read with
 *   pmx_keyset_name; families need an argument and are left out): it runs with its smoke options,
 *   one backend and one trial on each key set, exits 0, and gives rows ok (or not-comparable, for
 *   a peer that cannot hold the set), at least one ok;
 * - peers on ints: JudySL refuses every key (0 bytes), so its rows are not-comparable, never ok,
 *   and the run still exits 0 and lists them apart from failed rows; JudyHS holds the same keys
 *   and its lookups find them;
 * - the JudyHS peer itself: keys with 0 bytes, prefixes of each other and the empty key are
 *   stored and found with their values; absent keys are not found.
 * No timing assertions.
 * Usage: test_exp_keysets PMLAB */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "exp_test_util.h"

#include "common/keys.h"
#include "peers/peer.h"

static const char *g_pmlab;
static char g_tmp[256];

static bool not_comparable(const char *status)
{
    return !strncmp(status, "not-comparable", 14);
}

/* The first line after `header` in `pmlab list`, first word: e.g. the first backend. */
static char *first_listed(const char *header)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "'%s' list", g_pmlab);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[512], *out = NULL;
    bool in = false;
    while (fgets(line, sizeof line, p)) {
        if (!strncmp(line, header, strlen(header))) {
            in = true;
            continue;
        }
        if (in && !out && line[0] == ' ') {
            char w[128];
            if (sscanf(line, " %127s", w) == 1)
                out = strdup(w);
        }
    }
    pclose(p);
    return out;
}

/* "words,kb,...": the key sets of the one list that take no argument */
static void all_keysets(char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = 0;
    const char *name;
    for (size_t i = 0; (name = pmx_keyset_name(i, NULL, NULL)); i++) {
        if (!strcmp(name, "file") || name[strlen(name) - 1] == ':')
            continue;
        used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? "," : "", name);
        assert_true(used < n);
    }
}

/* Removes every "OPT VALUE" pair from args; the last VALUE goes to val (may be NULL). */
static void strip_opt(char *args, const char *opt, char *val, size_t vlen)
{
    char *p;
    size_t ol = strlen(opt);
    while ((p = strstr(args, opt)) && p[ol] == ' ') {
        char *v = p + ol + 1, *end = strchr(v, ' ');
        size_t n = end ? (size_t)(end - v) : strlen(v);
        if (val)
            snprintf(val, vlen, "%.*s", (int)n, v);
        if (end)
            memmove(p, end + 1, strlen(end + 1) + 1);
        else
            *p = 0;
    }
}

static void test_every_experiment_every_keyset(void **state)
{
    (void)state;
    char keysets[256];
    all_keysets(keysets, sizeof keysets);
    assert_non_null(strstr(keysets, "sexpr"));
    char *backend = first_listed("backends:");
    assert_non_null(backend);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "'%s' list --smoke", g_pmlab);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[2048];
    size_t nexp = 0;
    while (fgets(line, sizeof line, p)) {
        line[strcspn(line, "\r\n")] = 0;
        char *tab = strchr(line, '\t');
        if (!tab)
            continue; /* no smoke options: the smoke test fails it already */
        *tab = 0;
        const char *name = line;
        /* the axes line of `pmlab help NAME` says whether it takes --keys */
        char *hcmd = NULL;
        assert_true(asprintf(&hcmd, "'%s' help '%s' | grep -q '^axes:.*keys'", g_pmlab, name) > 0);
        int hrc = system(hcmd);
        free(hcmd);
        if (!WIFEXITED(hrc) || WEXITSTATUS(hrc) != 0)
            continue;
        char args[2048];
        snprintf(args, sizeof args, "%s", tab + 1);
        /* the key set the smoke test runs it on (its smoke options', else its default) is
         * covered there; one thread count (the largest: min_threads) and one backend here */
        char smoke_keys[64] = "", threads[64] = "";
        strip_opt(args, "--keys", smoke_keys, sizeof smoke_keys);
        if (!*smoke_keys) {
            char *dcmd = NULL, dl[512] = "";
            assert_true(asprintf(&dcmd, "'%s' help '%s' | grep '^defaults:'", g_pmlab, name) > 0);
            FILE *d = popen(dcmd, "r");
            free(dcmd);
            if (d && fgets(dl, sizeof dl, d))
                strip_opt(dl, "--keys", smoke_keys, sizeof smoke_keys);
            if (d)
                pclose(d);
        }
        strip_opt(args, "--trials", NULL, 0);
        strip_opt(args, "--threads", threads, sizeof threads);
        bool backends = strstr(args, "--backends") != NULL;
        strip_opt(args, "--backends", NULL, 0);
        const char *t_last = strrchr(threads, ',') ? strrchr(threads, ',') + 1 : threads;
        char ks[256];
        snprintf(ks, sizeof ks, "%s", keysets);
        for (char *save = NULL, *k = strtok_r(ks, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
            if (!strcmp(k, smoke_keys))
                continue;
            char *run = NULL, *dir = NULL, *path = NULL;
            assert_true(asprintf(&run, "%s %s --keys %s --trials 1%s%s%s%s", name, args, k,
                                 backends ? " --backends " : "", backends ? backend : "",
                                 *t_last ? " --threads " : "", t_last) > 0);
            assert_true(asprintf(&dir, "%s/keysets-%s-%s", g_tmp, name, k) > 0);
            int rc = et_run(g_pmlab, dir, run);
            free(run);
            if (rc != 0) {
                char *c2 = NULL;
                if (asprintf(&c2, "cat '%s.log'", dir) > 0)
                    (void)!system(c2);
                fail_msg("%s with --keys %s: pmlab exited %d", name, k, rc);
            }
            assert_true(asprintf(&path, "%s/results.csv", dir) > 0);
            free(dir);
            et_csv t;
            assert_int_equal(et_read(path, &t), 0);
            free(path);
            size_t ok = 0; /* every row ok or not comparable, at least one ok */
            for (size_t r = 0; r < t.nrows; r++) {
                const char *st = et_get(&t, r, "status");
                if (strcmp(st, "ok") != 0 && !not_comparable(st))
                    fail_msg("%s --keys %s: row %zu status %s", name, k, r, st);
                ok += !strcmp(st, "ok");
            }
            if (!ok)
                fail_msg("%s --keys %s: no ok row", name, k);
            et_free(&t);
        }
        nexp++;
    }
    pclose(p);
    free(backend);
    assert_true(nexp >= 5); /* read, peers, memory, ... take --keys */
}

static void test_peers_refused_not_comparable(void **state)
{
    (void)state;
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/peers-ints", g_tmp);
    assert_int_equal(
        et_run(g_pmlab, dir,
               "peers --keys ints --threads 1 --size 3000 --duration-ms 20 "
               "--warmup-ms 0 --trials 1 --param "
               "structure=judysl-rwlock,judyhs-rwlock,pathmap --param op=insert,lookup"),
        0); /* not comparable is no failure */
    snprintf(path, sizeof path, "%s/results.csv", dir);
    et_csv t;
    assert_int_equal(et_read(path, &t), 0);
    assert_int_equal(t.nrows, 6);
    size_t sl = 0, hs_lookup = 0;
    for (size_t r = 0; r < t.nrows; r++) {
        const char *s = et_get(&t, r, "structure"), *st = et_get(&t, r, "status");
        if (!strcmp(s, "judysl-rwlock")) {
            sl++;
            if (!not_comparable(st))
                fail_msg("judysl-rwlock on ints: status %s, not not-comparable", st);
            assert_non_null(strstr(st, "refused 3000 of 3000"));
            assert_true(strtod(et_get(&t, r, "refused"), NULL) == 3000);
        } else {
            assert_string_equal(st, "ok");
            assert_true(strtod(et_get(&t, r, "refused"), NULL) == 0);
            assert_true(strtod(et_get(&t, r, "nkeys"), NULL) == 3000);
            if (!strcmp(et_get(&t, r, "op"), "lookup")) {
                assert_true(strtod(et_get(&t, r, "hit_ratio"), NULL) == 1.0);
                hs_lookup += !strcmp(s, "judyhs-rwlock");
            }
            assert_true(*et_get(&t, r, "bytes_per_key")); /* measured, under mem_source */
            assert_true(*et_get(&t, r, "mem_source"));
        }
    }
    assert_int_equal(sl, 2);
    assert_int_equal(hs_lookup, 1);
    et_free(&t);
    /* the run's report lists them apart from failed rows */
    snprintf(path, sizeof path, "%s/report.md", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[1024];
    bool nc = false, failed = false;
    while (fgets(line, sizeof line, f)) {
        nc |= !strncmp(line, "## Not comparable rows", 22);
        failed |= !strncmp(line, "## Failed rows", 14);
    }
    fclose(f);
    assert_true(nc);
    assert_false(failed);
}

static void test_judyhs_holds_any_bytes(void **state)
{
    (void)state;
    const pmx_peer_ops *hs = pmx_peer_by_name("judyhs-rwlock");
    assert_non_null(hs);
    assert_false(hs->nul_free_keys);
    pmx_keys k;
    char err[256];
    assert_int_equal(pmx_keys_make("ints", 5000, 4, 1, &k, err, sizeof err), 0);
    void *inst = hs->create(k.n);
    assert_non_null(inst);
    void *t = hs->thread_enter(inst);
    assert_non_null(t);
    for (size_t i = 0; i < k.n; i++)
        assert_int_equal(hs->insert(inst, t, k.keys[i].bytes, k.keys[i].len, i * 7 + 1), 0);
    assert_int_equal(hs->insert(inst, t, (const uint8_t *)"", 0, 99), 0);        /* the empty key */
    assert_int_equal(hs->insert(inst, t, k.keys[0].bytes, k.keys[0].len, 1), 1); /* replaced */
    for (size_t i = 0; i < k.n; i++) {
        uint64_t v = 0;
        assert_true(hs->lookup(inst, t, k.keys[i].bytes, k.keys[i].len, &v));
        assert_int_equal(v, i ? i * 7 + 1 : 1);
    }
    uint64_t v = 0;
    assert_true(hs->lookup(inst, t, (const uint8_t *)"", 0, &v));
    assert_int_equal(v, 99);
    const uint8_t absent[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x01};
    assert_false(hs->lookup(inst, t, absent, sizeof absent, &v));
    hs->thread_exit(inst, t);
    hs->destroy(inst);
    /* JudySL refuses the same keys: every ints key holds a 0 byte or is one */
    const pmx_peer_ops *sl = pmx_peer_by_name("judysl-rwlock");
    assert_non_null(sl);
    inst = sl->create(k.n);
    t = sl->thread_enter(inst);
    assert_int_equal(sl->insert(inst, t, k.keys[0].bytes, k.keys[0].len, 1), -1);
    sl->thread_exit(inst, t);
    sl->destroy(inst);
    pmx_keys_free(&k);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PMLAB\n", argv[0]);
        return 2;
    }
    g_pmlab = argv[1];
    snprintf(g_tmp, sizeof g_tmp, "/tmp/pmx-keysets-XXXXXX");
    if (!mkdtemp(g_tmp))
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_judyhs_holds_any_bytes),
        cmocka_unit_test(test_peers_refused_not_comparable),
        cmocka_unit_test(test_every_experiment_every_keyset),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (rc == 0) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_tmp);
        (void)!system(cmd);
    }
    return rc;
}
