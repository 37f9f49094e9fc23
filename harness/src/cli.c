/* pmlab command line: dispatch, options, validation, help and list. */
#define _GNU_SOURCE
#include "child.h"
#include "cli.h"
#include "compare.h"
#include "registry.h"
#include "reproduce.h"
#include "sweep.h"
#include "tools.h"

#include <stdlib.h>
#include <string.h>

static const char *const help_text =
    "usage: pmlab COMMAND [options]\n"
    "\n"
    "commands:\n"
    "  list                          experiments, backends, allocators, key sets, suites\n"
    "  run EXPERIMENT [options]      one sweep; each configuration x trial in a child process\n"
    "  help EXPERIMENT               an experiment's parameters, axes and defaults\n"
    "  reproduce [--quick|--full] [--out DIR] [--suite NAME] [--quiet]\n"
    "                                run the registered suite into one folder\n"
    "  report DIR                    re-render alerts.json, report.md and plots from DIR's data\n"
    "  compare DIR_A DIR_B [--fail-above PCT] [--min-change PCT]\n"
    "                                per-configuration ratios of medians (B/A), flags changes\n"
    "                                beyond both runs' min-max spread (run folders or two\n"
    "                                reproduce folders)\n"
    "  merge OUT DIR...              combine the folders of a sharded sweep into OUT\n"
    "\n"
    "options of run (default in brackets; an experiment may change defaults, see help EXP):\n"
    "  --backends LIST|all   backends to sweep (experiments with a backend axis) [all]\n"
    "  --threads LIST        thread counts, e.g. 1,2,4, or auto (powers of two up to 2x the\n"
    "                        online CPUs), auto:N, online [1]\n"
    "  --allocs LIST         glibc,jemalloc,tcmalloc,mimalloc (LD_PRELOADed per child) [glibc]\n"
    "  --keys SET            a registered key set or file:PATH[:lp] [experiment's]\n"
    "  --size N              number of keys / map size [100000]\n"
    "  --duration-ms N       measured time per trial [1000]\n"
    "  --warmup-ms N         warm-up before measuring [200]\n"
    "  --trials N            trials per configuration [3]\n"
    "  --update PCT          share of updates in mixed workloads, 0..100 [0]\n"
    "  --pin on|off          pin worker threads round-robin to online CPUs [on]\n"
    "  --seed N              base seed; a trial uses seed+trial [1]\n"
    "  --out DIR             output folder [results/<UTC-timestamp>-<experiment>/]\n"
    "  --resume [DIR]        continue the sweep in DIR (or --out DIR): recorded rows skipped\n"
    "  --shard K/N           run only the K-th of N slices of the configurations [1/1]\n"
    "  --param NAME=VALUE    experiment parameter (repeatable) [see help EXPERIMENT]\n"
    "  --timeout-ms N        kill a child after N ms [experiment's, else 120000+4*(warm-up+"
    "duration)]\n"
    "  --alert NAME=VALUE    alert threshold override, e.g. A1=50 (repeatable)\n"
    "  --alerts-file F       'NAME = VALUE' lines of thresholds ('#' comments)\n"
    "  --quiet               no progress on stderr\n"
    "\n"
    "exit status: 0 all rows ok, 1 some row failed (crash, timeout, error), 2 bad input,\n"
    "130 interrupted (finished rows are kept; resume with --resume).\n"
    "docs/harness.md describes the output folder and the alert rules.\n";

static void print_axes(unsigned axes)
{
    static const char *names[] = {"backends", "allocs", "threads", "keys", "size", "update"};
    const char *sep = "";
    for (int i = 0; i < 6; i++)
        if (axes & (1u << i)) {
            printf("%s%s", sep, names[i]);
            sep = ", ";
        }
    if (!*sep)
        printf("(none)");
}

static const char *ptype(pmlab_param_type t)
{
    return t == PMLAB_PARAM_INT        ? "int"
           : t == PMLAB_PARAM_INT_LIST ? "ints"
           : t == PMLAB_PARAM_STR_LIST ? "names"
           : t == PMLAB_PARAM_DOUBLE   ? "number"
           : t == PMLAB_PARAM_BOOL     ? "on|off"
                                       : "string";
}

static int cmd_help(const char *name)
{
    const pmlab_experiment *e = reg_experiment(name);
    if (!e)
        return usage_error("unknown experiment '%s' (pmlab list shows them)", name);
    printf("%s - %s\n\naxes: ", e->name, e->description);
    print_axes(e->axes);
    printf("\ndefaults: %s\n", e->defaults ? e->defaults : "(harness defaults)");
    if (e->backends) {
        printf("backends:");
        for (const char *const *b = e->backends; *b; b++)
            printf(" %s", *b);
        printf("\n");
    }
    printf("\nparameters (--param NAME=VALUE):\n");
    if (!e->params || !e->params[0].name)
        printf("  (none)\n");
    for (const pmlab_param *p = e->params; p && p->name; p++)
        printf("  %-18s %-7s [%s]  %s\n", p->name, ptype(p->type), p->def, p->help ? p->help : "");
    printf("\nexperiment columns in results.csv:\n");
    if (!e->columns || !e->columns[0].name)
        printf("  (none)\n");
    for (const pmlab_column *c = e->columns; c && c->name; c++)
        printf("  %-18s %-7s %s\n", c->name, c->type == PMLAB_COL_NUM ? "number" : "string",
               c->help ? c->help : "");
    return 0;
}

static int cmd_list(void)
{
    printf("experiments:\n");
    for (size_t i = 0; i < g_reg.nexps; i++)
        printf("  %-14s %s\n", g_reg.exps[i]->name, g_reg.exps[i]->description);
    printf("backends:\n");
    if (!g_reg.nbackends)
        printf("  (none registered)\n");
    for (size_t i = 0; i < g_reg.nbackends; i++)
        printf("  %-14s %s\n", g_reg.backends[i].name, g_reg.backends[i].help);
    printf("allocators (--allocs; each child gets LD_PRELOAD):\n");
    for (size_t i = 0; alloc_names[i]; i++) {
        char *lib = alloc_library(alloc_names[i]);
        printf("  %-14s %s\n", alloc_names[i],
               !strcmp(alloc_names[i], "glibc") ? "the C library's malloc (no preload)"
               : lib                            ? lib
                                                : "library not found");
        free(lib);
    }
    printf("key sets (--keys):\n");
    for (size_t i = 0; i < g_reg.nkeysets; i++)
        printf("  %-14s %s\n", g_reg.keysets[i].name, g_reg.keysets[i].help);
    printf("  %-14s %s\n", "file:PATH[:lp]",
           "one key per line, or length-prefixed binary with :lp (docs/harness.md)");
    printf("suites (pmlab reproduce --suite NAME):\n");
    for (size_t i = 0; i < g_reg.nsuites; i++)
        printf("  %-14s %s\n", g_reg.suites[i]->name,
               g_reg.suites[i]->description ? g_reg.suites[i]->description : "");
    return 0;
}

int pmlab_main(int argc, char **argv, pmlab_register_fn generated)
{
    reg_init(generated);
    g_argv0 = argv[0];
    sbuf cl = {0};
    sb_add(&cl, "");
    for (int i = 0; i < argc; i++) {
        if (i)
            sb_add(&cl, " ");
        sb_add(&cl, argv[i]);
    }
    g_cmdline = cl.s;
    int rc;
    const char *cmd = argc > 1 ? argv[1] : "--help";
    if (!strcmp(cmd, "__child"))
        rc = cmd_child(argc - 2, argv + 2);
    else if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || (!strcmp(cmd, "help") && argc == 2)) {
        fputs(help_text, stdout);
        rc = 0;
    } else if (!strcmp(cmd, "help"))
        rc = cmd_help(argv[2]);
    else if (!strcmp(cmd, "list"))
        rc = cmd_list();
    else if (!strcmp(cmd, "run")) {
        if (argc < 3 || argv[2][0] == '-')
            rc = usage_error("run: missing EXPERIMENT (pmlab list shows them)");
        else if (argc > 3 && (!strcmp(argv[3], "--help") || !strcmp(argv[3], "-h")))
            rc = cmd_help(argv[2]);
        else
            rc = cmd_run(argv[2], argc - 3, argv + 3, g_cmdline, NULL, false);
    } else if (!strcmp(cmd, "merge"))
        rc = cmd_merge(argc - 2, argv + 2);
    else if (!strcmp(cmd, "compare"))
        rc = cmd_compare(argc - 2, argv + 2);
    else if (!strcmp(cmd, "report"))
        rc = cmd_report(argc - 2, argv + 2);
    else if (!strcmp(cmd, "reproduce"))
        rc = cmd_reproduce(argc - 2, argv + 2, g_cmdline);
    else
        rc = usage_error("unknown command '%s' (pmlab --help)", cmd);
    fflush(stdout);
    free(g_cmdline);
    reg_free();
    return rc;
}
