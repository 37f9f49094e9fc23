/* meta.json's physical_cpus: distinct (package, core) pairs of a sysfs cpu directory. The test
 * builds a fake topology (two hyperthreads of one core, a second core, a second package, an
 * offline CPU without topology, and directories that are not CPUs). */
#define _GNU_SOURCE
#include "meta.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <cmocka.h>

static char root[256];

static void put(const char *cpu, const char *file, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", root, cpu);
    mkdir(p, 0755);
    if (!file)
        return;
    snprintf(p, sizeof p, "%s/%s/topology", root, cpu);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/%s/topology/%s", root, cpu, file);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_physical_cores(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/pmlab-meta-XXXXXX");
    assert_non_null(mkdtemp(root));
    const char *cpus[][3] = {{"cpu0", "0\n", "0\n"},
                             {"cpu1", "0\n", "0\n"}, /* siblings */
                             {"cpu2", "0\n", "1\n"},
                             {"cpu3", "1\n", "0\n"}, /* package 1 */
                             {"cpu10", "1\n", "1\n"}};
    for (size_t i = 0; i < sizeof cpus / sizeof cpus[0]; i++) {
        put(cpus[i][0], "physical_package_id", cpus[i][1]);
        put(cpus[i][0], "core_id", cpus[i][2]);
    }
    put("cpu4", NULL, NULL);        /* offline: no topology */
    put("cpufreq", NULL, NULL);     /* not a CPU */
    put("cpuidle", NULL, NULL);     /* not a CPU */
    put("cpu5x", "core_id", "9\n"); /* not a CPU either */
    assert_int_equal(meta_physical_cores(root), 4);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(meta_physical_cores(root), 0); /* unreadable: 0, the caller falls back */
    /* this machine: at least one core when sysfs is there */
    struct stat st;
    if (stat("/sys/devices/system/cpu/cpu0/topology/core_id", &st) == 0)
        assert_true(meta_physical_cores("/sys/devices/system/cpu") >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_physical_cores)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
