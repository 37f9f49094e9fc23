/* topo.c: the placement plans of --pin on this machine's topology and on synthetic multi-package
 * SMT topologies built by hwloc from a description. Plans only: no thread is pinned. */
#define _GNU_SOURCE
#include "topo.h"

#include <hwloc.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

static topo *load(const char *desc)
{
    topo *t = NULL;
    char err[512] = "";
    if (topo_load(desc, &t, err, sizeof err) != 0)
        fail_msg("topo_load(%s): %s", desc ? desc : "machine", err);
    return t;
}

static topo_pin pin(const topo *t, const char *spec)
{
    topo_pin p;
    char err[512] = "";
    if (topo_pin_parse(t, spec, &p, err, sizeof err) != 0)
        fail_msg("--pin %s: %s", spec, err);
    return p;
}

/* the plan of n workers under spec (caller frees) */
static topo_slot *plan(const topo *t, const char *spec, unsigned n)
{
    topo_pin p = pin(t, spec);
    topo_slot *s = calloc(n, sizeof *s);
    assert_int_equal(topo_plan(t, &p, n, s), 0);
    topo_pin_free(&p);
    return s;
}

static bool all_distinct_cpus(const topo_slot *s, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = i + 1; j < n; j++)
            if (s[i].cpu == s[j].cpu)
                return false;
    return true;
}

static bool all_distinct_cores(const topo_slot *s, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = i + 1; j < n; j++)
            if (s[i].core == s[j].core)
                return false;
    return true;
}

/* This machine, whatever it is: the PUs are the CPUs of the affinity mask; compact and scatter
 * give distinct allowed CPUs up to the PU count and wrap beyond it; a list is checked. */
static void test_machine(void **state)
{
    (void)state;
    cpu_set_t set;
    assert_int_equal(sched_getaffinity(0, sizeof set, &set), 0);
    topo *t = load(NULL);
    topo_info in;
    topo_describe(t, &in);
    assert_int_equal(in.pus, (unsigned)CPU_COUNT(&set));
    assert_true(in.cores >= 1 && in.cores <= in.pus);
    assert_true(in.packages >= 1 && in.packages <= in.cores);
    assert_string_equal(in.source, "machine");
    assert_true(in.summary[0] != 0);
    static const char *const policies[] = {"compact", "scatter", "on", NULL};
    for (const char *const *pol = policies; *pol; pol++) {
        unsigned n = 2 * in.pus + 1;
        topo_slot *s = plan(t, *pol, n);
        assert_true(all_distinct_cpus(s, in.pus));
        for (unsigned i = 0; i < n; i++) {
            assert_true(s[i].cpu >= 0 && s[i].cpu < CPU_SETSIZE);
            assert_true(CPU_ISSET(s[i].cpu, &set));
            if (i >= in.pus) /* wraps around */
                assert_int_equal(s[i].cpu, s[i - in.pus].cpu);
        }
        /* workers up to the core count take one PU of distinct cores */
        assert_true(all_distinct_cores(s, in.cores));
        assert_false(topo_plan_smt(s, in.cores));
        free(s);
    }
    /* a list of the allowed CPUs is taken as given; a CPU outside the mask is refused */
    int first = -1, last = -1;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &set)) {
            if (first < 0)
                first = c;
            last = c;
        }
    char spec[64];
    snprintf(spec, sizeof spec, "%d,%d", last, first);
    topo_slot *s = plan(t, spec, 3);
    assert_int_equal(s[0].cpu, last);
    assert_int_equal(s[1].cpu, first);
    assert_int_equal(s[2].cpu, last);
    free(s);
    topo_pin p;
    char err[512] = "";
    assert_int_equal(topo_pin_parse(t, "99999", &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "99999"));
    static const char *const bad[] = {"", "maybe", "0,,1", "1-2", "-1", ",", NULL};
    for (const char *const *b = bad; *b; b++) {
        err[0] = 0;
        assert_int_equal(topo_pin_parse(t, *b, &p, err, sizeof err), -1);
        assert_non_null(strstr(err, "--pin"));
    }
    /* none pins nothing */
    s = plan(t, "off", 4);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(s[i].cpu, -1);
    assert_false(topo_plan_smt(s, 4));
    free(s);
    topo_free(t);
}

/* two packages of 4 cores of 2 PUs: compact fills package 0's cores, then package 1's, then
 * the siblings; scatter alternates packages */
static void test_pack2_core4_pu2(void **state)
{
    (void)state;
    topo *t = load("pack:2 core:4 pu:2");
    topo_info in;
    topo_describe(t, &in);
    assert_int_equal(in.packages, 2);
    assert_int_equal(in.cores, 8);
    assert_int_equal(in.pus, 16);
    assert_int_equal(in.numa_nodes, 1);
    assert_string_equal(in.allowed, "0-15");

    topo_slot *s = plan(t, "compact", 4);
    assert_true(all_distinct_cores(s, 4));
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(s[i].package, 0);
        assert_int_equal(s[i].sibling, 0);
    }
    assert_false(topo_plan_smt(s, 4));
    free(s);

    s = plan(t, "compact", 8);
    assert_true(all_distinct_cores(s, 8));
    for (unsigned i = 0; i < 8; i++) {
        assert_int_equal(s[i].package, i < 4 ? 0 : 1);
        assert_int_equal(s[i].core, i); /* core by core */
        assert_int_equal(s[i].sibling, 0);
    }
    assert_false(topo_plan_smt(s, 8));
    free(s);

    /* T > cores: the siblings come last, in the same core order; smt */
    s = plan(t, "compact", 16);
    assert_true(all_distinct_cpus(s, 16));
    for (unsigned i = 8; i < 16; i++) {
        assert_int_equal(s[i].sibling, 1);
        assert_int_equal(s[i].core, s[i - 8].core);
    }
    assert_true(topo_plan_smt(s, 9));
    free(s);

    s = plan(t, "scatter", 2);
    assert_int_equal(s[0].package, 0);
    assert_int_equal(s[1].package, 1);
    free(s);
    s = plan(t, "scatter", 8);
    assert_true(all_distinct_cores(s, 8));
    for (unsigned i = 0; i < 8; i++) {
        assert_int_equal(s[i].package, i % 2);
        assert_int_equal(s[i].sibling, 0);
    }
    assert_false(topo_plan_smt(s, 8));
    free(s);
    s = plan(t, "scatter", 9);
    assert_int_equal(s[8].sibling, 1);
    assert_int_equal(s[8].package, 0);
    assert_true(topo_plan_smt(s, 9));
    free(s);

    /* a list: PU numbers of the synthetic machine; 0 and 1 are siblings of core 0 */
    s = plan(t, "0,1", 2);
    assert_int_equal(s[0].core, s[1].core);
    assert_true(topo_plan_smt(s, 2));
    free(s);
    s = plan(t, "0,2", 2);
    assert_false(topo_plan_smt(s, 2));
    free(s);
    topo_pin p;
    char err[512] = "";
    assert_int_equal(topo_pin_parse(t, "3,16", &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "16"));
    topo_free(t);
}

/* the size the issue names: 2 packages x 8 cores x 2 PUs */
static void test_pack2_core8_pu2(void **state)
{
    (void)state;
    topo *t = load("pack:2 core:8 pu:2");
    topo_slot *s = plan(t, "compact", 8);
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(s[i].package, 0);
    assert_true(all_distinct_cores(s, 8));
    free(s);
    s = plan(t, "scatter", 16);
    unsigned per[2] = {0, 0};
    for (unsigned i = 0; i < 16; i++)
        per[s[i].package]++;
    assert_int_equal(per[0], 8);
    assert_int_equal(per[1], 8);
    assert_true(all_distinct_cores(s, 16));
    assert_false(topo_plan_smt(s, 16));
    free(s);
    s = plan(t, "scatter", 17);
    assert_true(topo_plan_smt(s, 17));
    free(s);
    topo_free(t);
}

/* like this machine: one package, 2 cores, no SMT; a third worker shares worker 0's PU, which is
 * oversubscription, not smt */
static void test_pack1_core2_pu1(void **state)
{
    (void)state;
    topo *t = load("pack:1 core:2 pu:1");
    topo_info in;
    topo_describe(t, &in);
    assert_int_equal(in.packages, 1);
    assert_int_equal(in.cores, 2);
    assert_int_equal(in.pus, 2);
    static const char *const policies[] = {"compact", "scatter", NULL};
    for (const char *const *pol = policies; *pol; pol++) {
        topo_slot *s = plan(t, *pol, 3);
        assert_true(all_distinct_cores(s, 2));
        assert_int_equal(s[2].cpu, s[0].cpu);
        assert_false(topo_plan_smt(s, 3));
        free(s);
    }
    topo_free(t);
}

/* caches from a description; the summary is a description that loads the same machine again;
 * an XML export loads too; a bad description is refused */
static void test_caches_summary_xml(void **state)
{
    (void)state;
    topo *t = load("pack:1 l3:1(size=8388608) l2:2(size=1048576) core:1 pu:2");
    topo_info in;
    topo_describe(t, &in);
    assert_int_equal(in.cores, 2);
    assert_int_equal(in.pus, 4);
    assert_int_equal(in.ncaches, 2);
    bool l2 = false, l3 = false;
    for (size_t i = 0; i < in.ncaches; i++) {
        if (in.caches[i].level == 2) {
            l2 = true;
            assert_int_equal(in.caches[i].count, 2);
            assert_int_equal(in.caches[i].size, 1048576);
            assert_string_equal(in.caches[i].type, "unified");
        }
        if (in.caches[i].level == 3) {
            l3 = true;
            assert_int_equal(in.caches[i].count, 1);
            assert_int_equal(in.caches[i].size, 8388608);
        }
    }
    assert_true(l2 && l3);
    char *j = topo_json(&in);
    assert_non_null(strstr(j, "\"cores\": 2"));
    assert_non_null(strstr(j, "{\"level\": 3, \"type\": \"unified\", \"count\": 1, \"size\": "
                              "8388608}"));
    free(j);
    topo *again = load(in.summary);
    topo_info in2;
    topo_describe(again, &in2);
    assert_int_equal(in2.pus, in.pus);
    assert_int_equal(in2.cores, in.cores);
    assert_int_equal(in2.ncaches, in.ncaches);
    topo_free(again);
    topo_free(t);

    hwloc_topology_t h;
    assert_int_equal(hwloc_topology_init(&h), 0);
    assert_int_equal(hwloc_topology_set_synthetic(h, "pack:2 core:3 pu:2"), 0);
    assert_int_equal(hwloc_topology_load(h), 0);
    char path[] = "/tmp/pmlab-topo-XXXXXX.xml";
    int fd = mkstemps(path, 4);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(hwloc_topology_export_xml(h, path, 0), 0);
    hwloc_topology_destroy(h);
    t = load(path);
    topo_describe(t, &in);
    assert_int_equal(in.packages, 2);
    assert_int_equal(in.cores, 6);
    assert_int_equal(in.pus, 12);
    topo_free(t);
    unlink(path);

    char err[512] = "";
    topo *bad = (topo *)0x1;
    assert_int_equal(topo_load("pack:x core:2", &bad, err, sizeof err), -1);
    assert_ptr_equal(bad, (topo *)0x1);
    assert_non_null(strstr(err, "pack:x core:2"));
    assert_int_equal(topo_load("/nonexistent/t.xml", &bad, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/t.xml"));
}

static const char *g_srcdir;

/* docs/harness.md's policy table ("## Pinning") has one row per named policy of topo.c, with
 * its alias, plus the LIST row, and no other */
static void test_policies_documented(void **state)
{
    (void)state;
    if (!g_srcdir)
        skip();
    char path[600];
    snprintf(path, sizeof path, "%s/docs/harness.md", g_srcdir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char md[1 << 20];
    size_t n = fread(md, 1, sizeof md - 1, f);
    fclose(f);
    md[n] = 0;
    char *sec = strstr(md, "\n## Pinning\n");
    assert_non_null(sec);
    char *end = strstr(sec + 1, "\n## ");
    if (end)
        *end = 0;
    size_t rows = 0, named = 0;
    for (char *line = strstr(sec, "\n| `"); line; line = strstr(line + 1, "\n| `")) {
        char *bar = strchr(line + 3, '|');
        assert_non_null(bar);
        *bar = 0;
        rows++;
        if (strstr(line, "`LIST`")) {
            *bar = '|';
            continue;
        }
        bool found = false;
        const char *alias;
        for (size_t i = 0; topo_policy_name(i, &alias); i++) {
            char want[64];
            snprintf(want, sizeof want, "| `%s`", topo_policy_name(i, NULL));
            if (!strncmp(line + 1, want, strlen(want))) {
                found = true;
                named++;
                if (alias) {
                    snprintf(want, sizeof want, "`%s`", alias);
                    if (!strstr(line, want))
                        fail_msg("docs/harness.md: the row of %s does not name its alias %s",
                                 topo_policy_name(i, NULL), alias);
                }
            }
        }
        if (!found)
            fail_msg("docs/harness.md documents a policy topo.c does not have: %s", line + 1);
        *bar = '|';
    }
    size_t npol = 0;
    while (topo_policy_name(npol, NULL))
        npol++;
    assert_int_equal(named, npol);
    assert_int_equal(rows, npol + 1);
}

int main(int argc, char **argv)
{
    g_srcdir = argc > 1 ? argv[1] : NULL;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_machine),
        cmocka_unit_test(test_pack2_core4_pu2),
        cmocka_unit_test(test_pack2_core8_pu2),
        cmocka_unit_test(test_pack1_core2_pu1),
        cmocka_unit_test(test_caches_summary_xml),
        cmocka_unit_test(test_policies_documented),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
