/* The paths:FILE key set (experiments/common/keys.c over pathmap_io.h) and its registration as a
 * key-set family in pmlab (harness/src/registry.c): a .paths file written by the core is read
 * back in file order, deduplicated, limited by size and split into partitions; a corrupt or
 * missing file is refused with a reason; pmlab lists the family, accepts `--keys paths:FILE`
 * for a run, and refuses a missing file and a --size above the file's keys before any work. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/keys.h"
#include <pathmap.h>
#include <pathmap_io.h>

static const char *g_pmlab;
static char g_dir[256];

static void write_file(const char *path, int n)
{
    pm_map *m;
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    char k[64];
    for (int i = 0; i < n; i++) {
        int len = snprintf(k, sizeof k, "key/%05d", i);
        assert_int_equal(pm_map_set(m, (const uint8_t *)k, (size_t)len, 1, NULL, NULL), PM_OK);
    }
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(pm_map_write_paths_file(m, NULL, 0, f, NULL), PM_OK);
    fclose(f);
    pm_map_free(m);
}

static void test_keyset(void **state)
{
    (void)state;
    char path[300], spec[320], err[512];
    snprintf(path, sizeof path, "%s/k.paths", g_dir);
    write_file(path, 500);
    snprintf(spec, sizeof spec, "paths:%s", path);
    assert_int_equal(pmx_keys_check(spec, err, sizeof err), 0);
    uint64_t count = 0;
    assert_int_equal(pmx_keys_count(spec, 1000, &count, err, sizeof err), 0);
    assert_int_equal(count, 500);
    assert_int_equal(pmx_keys_count(spec, 100, &count, err, sizeof err), 0);
    assert_int_equal(count, 100);
    pmx_keys ks;
    assert_int_equal(pmx_keys_make(spec, 300, 1, 1, &ks, err, sizeof err), 0);
    assert_int_equal(ks.n, 300);
    for (size_t i = 0; i < ks.n; i++) { /* file order = iteration order */
        char want[64];
        int len = snprintf(want, sizeof want, "key/%05zu", i);
        assert_int_equal(ks.keys[i].len, (uint32_t)len);
        assert_memory_equal(ks.keys[i].bytes, want, (size_t)len);
    }
    pmx_keys_free(&ks);
    assert_int_equal(pmx_keys_make(spec, 1000, 4, 1, &ks, err, sizeof err), 0);
    assert_int_equal(ks.n, 500);
    assert_int_equal(ks.parts, 4);
    pmx_keys_free(&ks);
    /* corrupt and missing files: refused with the reason */
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, 10, SEEK_SET);
    fputc(0x55, f);
    fputc(0xAA, f);
    fclose(f);
    err[0] = 0;
    assert_int_not_equal(pmx_keys_count(spec, 1000, &count, err, sizeof err), 0);
    assert_non_null(strstr(err, "corrupt"));
    assert_int_not_equal(pmx_keys_make(spec, 10, 1, 1, &ks, err, sizeof err), 0);
    assert_int_not_equal(pmx_keys_check("paths:/nonexistent/x.paths", err, sizeof err), 0);
}

static int sh(const char *cmd)
{
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void test_pmlab(void **state)
{
    (void)state;
    char path[300], cmd[2048];
    snprintf(path, sizeof path, "%s/p.paths", g_dir);
    write_file(path, 3000);
    snprintf(cmd, sizeof cmd, "'%s' list | grep -q '^  paths:FILE '", g_pmlab);
    assert_int_equal(sh(cmd), 0);
    snprintf(cmd, sizeof cmd,
             "'%s' run example --keys paths:%s --size 2000 --threads 1 --duration-ms 20 "
             "--warmup-ms 0 --trials 1 --out '%s/run' >'%s/run.log' 2>&1",
             g_pmlab, path, g_dir, g_dir);
    if (sh(cmd) != 0) {
        snprintf(cmd, sizeof cmd, "cat '%s/run.log'", g_dir);
        (void)sh(cmd);
        fail_msg("pmlab run with --keys paths:FILE failed");
    }
    /* refused before any work (exit 2): a missing file, a --size above the file's 3000 keys */
    snprintf(cmd, sizeof cmd,
             "'%s' run example --keys paths:%s/none.paths --out '%s/r2' >/dev/null 2>&1", g_pmlab,
             g_dir, g_dir);
    assert_int_equal(sh(cmd), 2);
    snprintf(cmd, sizeof cmd,
             "'%s' run example --keys paths:%s --size 5000 --out '%s/r3' >/dev/null 2>&1", g_pmlab,
             path, g_dir);
    assert_int_equal(sh(cmd), 2);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PMLAB\n", argv[0]);
        return 2;
    }
    g_pmlab = argv[1];
    snprintf(g_dir, sizeof g_dir, "/tmp/pm_keys_paths.XXXXXX");
    if (!mkdtemp(g_dir))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keyset),
        cmocka_unit_test(test_pmlab),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    if (system(cmd)) {
    }
    return rc;
}
