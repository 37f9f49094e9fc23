/* pmlab command line: dispatch, options, validation, help and list. */
#define _GNU_SOURCE
#include "child.h"
#include "cli.h"
#include "compare.h"
#include "db.h"
#include "registry.h"
#include "reproduce.h"
#include "submit.h"
#include "sweep.h"
#include "tools.h"

#include <stdlib.h>
#include <string.h>

static const char *const help_text =
    "usage: pmlab COMMAND [options]\n"
    "\n"
    "commands:\n"
    "  (pmlab help COMMAND, or pmlab COMMAND --help, shows a command's options and defaults)\n";

/* ---- the commands: one table, the only list of them --------------------------------------------
 * Dispatch, `pmlab --help`, `pmlab help CMD` and `pmlab CMD --help` all read it. Each entry's
 * help is printed as "usage: pmlab NAME SYNOPSIS", the summary, then the details. */
typedef struct {
    const char *name;
    const char *synopsis;             /* after "pmlab NAME" */
    const char *summary;              /* one line */
    const char *details;              /* options and notes, or NULL */
    int (*fn)(int argc, char **argv); /* argv[0] is the first argument after NAME */
} pmlab_command;

static int run_cmd(int argc, char **argv);
static int list_cmd(int argc, char **argv);
static int help_cmd(int argc, char **argv);
static int reproduce_cmd(int argc, char **argv);
static int conform_cmd(int argc, char **argv);

static const pmlab_command commands[] = {
    {"run", "EXPERIMENT [options]", "one sweep; each configuration x trial runs in a child process",
     "options (default in brackets; an experiment may change defaults, see pmlab help "
     "EXPERIMENT):\n"
     "  --backends LIST|all   backends to sweep (experiments with a backend axis) [all]\n"
     "  --threads LIST        thread counts, e.g. 1,2,4, or auto (powers of two up to 2x the\n"
     "                        online CPUs), auto:N, online [1]; an experiment may need at\n"
     "                        least N threads (min threads in pmlab help EXPERIMENT)\n"
     "  --allocs LIST         glibc,jemalloc,tcmalloc,mimalloc (LD_PRELOADed per child) [glibc]\n"
     "  --keys SET            a registered key set or file:PATH[:lp] [experiment's]\n"
     "  --size N              number of keys / map size [100000]\n"
     "  --duration-ms N       measured time per trial [1000]\n"
     "  --warmup-ms N         warm-up before measuring [200]\n"
     "  --trials N            clean trials per configuration [3]\n"
     "  --max-trials N        re-run a contended trial (as a new trial) until --trials clean\n"
     "                        trials exist or N trials ran for the configuration [--trials:\n"
     "                        no re-runs]\n"
     "  --configs ID,...      only these configurations (config_id of results.csv) get trials;\n"
     "                        with --resume, the others keep theirs (pmlab reproduce's\n"
     "                        adaptive reruns) [all]\n"
     "  --update PCT          share of updates in mixed workloads, 0..100 [0]\n"
     "  --pin POLICY          compact (fill one package's cores, SMT siblings last), scatter\n"
     "                        (round robin over packages, siblings last), none, or a list of\n"
     "                        CPU numbers, e.g. 0,2; on = compact, off = none; workers beyond\n"
     "                        the list wrap around (pmlab topo shows the plan) [compact]\n"
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
     "  --db DB               import the folder into the campaign database DB afterwards\n"
     "                        (docs/database.md)\n"
     "\n"
     "pmlab run EXPERIMENT --help shows the experiment's parameters, axes and defaults.\n"
     "exit status: 0 all rows ok, 1 some row failed (crash, timeout, error), 2 bad input,\n"
     "130 interrupted (finished rows are kept; resume with --resume).\n"
     "docs/harness.md describes the output folder and the alert rules.\n",
     run_cmd},
    {"list", "[--names|--smoke]", "experiments, backends, allocators, key sets, suites",
     "  --names               only the experiment names, one a line\n"
     "  --smoke               one line per experiment: NAME, a tab and its smoke-test options;\n"
     "                        NAME alone when it declares none (tests/experiments reads this)\n",
     list_cmd},
    {"help", "[COMMAND|EXPERIMENT]",
     "this overview, a command's options, or an experiment's parameters, axes and defaults", NULL,
     help_cmd},
    {"reproduce", "[--quick|--default|--full] [options]",
     "run the registered suite (the claims) into one folder, with one report",
     "  --quick|--default|--full  which runs of the suite and how long [--default]\n"
     "  --out DIR             suite folder [results/<UTC-timestamp>-reproduce/]\n"
     "  --suite NAME          a suite of pmlab list [the first registered by experiments/]\n"
     "  --claims FILE         also judge the claims of FILE (repeatable; docs/report.md)\n"
     "  --plan                print the runs, the configuration count and the estimated time\n"
     "                        per mode, the grid size and the largest shard's estimated time\n"
     "                        per shard count; run nothing\n"
     "  --shards LIST         with --plan: the shard counts to estimate [1,4,16]\n"
     "  --resume DIR          continue the interrupted suite in DIR\n"
     "  --max-trials N        trial budget per configuration for re-running inconclusive or\n"
     "                        contended ones (default mode only) [9]\n"
     "  --budget S            wall-clock seconds the default mode may spend, adaptive reruns\n"
     "                        included; more seconds decide more claims [600]\n"
     "  --quiet               no progress on stderr\n"
     "  --db DB               import the suite folder (its runs, alerts and verdicts) into\n"
     "                        the campaign database DB when the suite is done\n"
     "\n"
     "docs/report.md explains the report and its verdicts.\n",
     reproduce_cmd},
    {"report", "DIR", "re-render alerts.json, report.md, report.html and plots from DIR's data",
     "DIR is a run folder (results.csv, meta.json) or a reproduce folder (suite.json); the text\n"
     "depends only on the folder's data.\n",
     cmd_report},
    {"compare",
     "DIR_A DIR_B [--conf C] [--correction holm|none] [--min-change PCT] [--fail-above PCT] "
     "[--by PARAM[=VA,VB]] [--db DB]",
     "per-configuration ratios of medians (B/A) with an interval; flags what changed",
     "  --conf C              confidence of the ratio's interval and the rank test [0.95]\n"
     "  --correction holm|none  holm: 'changed' keeps its confidence over all the\n"
     "                        configurations compared (Holm's step-down); none: each on its own\n"
     "                        [holm]\n"
     "  --min-change PCT      flag only when the interval lies wholly outside 1 +- PCT % [0]\n"
     "  --fail-above PCT      exit 1 when a configuration changed by more than PCT % (its whole\n"
     "                        interval outside 1 +- PCT %)\n"
     "  --by PARAM[=VA,VB]    pair configurations that differ only in PARAM (a column such as\n"
     "                        backend, alloc, threads, keys, or an experiment parameter): A's\n"
     "                        PARAM=VA against B's PARAM=VB; without values, the two values\n"
     "                        PARAM takes. pmlab compare DIR --by PARAM compares within DIR\n"
     "  --db DB               A and B are runs of the campaign database DB (a run id, a\n"
     "                        unique prefix of one, or a folder's path as imported)\n"
     "\n"
     "Per configuration: the median ops/s of the clean trials (status ok, not contended) of A\n"
     "and B, the rank interval for B/A and a rank test. 'changed' needs both to exclude no\n"
     "change, the rank test over the whole family (Holm); fewer than 3 clean trials on a side:\n"
     "'inconclusive'. Two reproduce folders are\n"
     "compared run by run. docs/statistics.md gives the rule.\n",
     cmd_compare},
    {"conform", "NAME [options]",
     "the conformance suite of reclamation backend NAME (the experiment `conform`)",
     "Runs `pmlab run conform --backends NAME --trials 1 [options]`: the experiment registered\n"
     "as `conform` checks the backend (docs/adding-a-backend.md lists the checks); one row, ok\n"
     "or naming the first failure; the child's log holds one line per check. Options are\n"
     "those of run, e.g. --param checks=oracle,stall-1. Exit status 0 when NAME conforms.\n",
     conform_cmd},
    {"merge", "OUT DIR... [--db DB]", "combine the folders of a sharded sweep into OUT",
     "The folders must share experiment, signature and pmlab binary; a configuration x trial\n"
     "present twice is kept once.\n"
     "  --db DB               import OUT into the campaign database DB afterwards\n",
     cmd_merge},
    {"submit",
     "run EXPERIMENT [run options] --shards N [--out DIR] [--partition P] [--time T] "
     "[--no-exclusive] [--dry-run] | --resubmit DIR K [--dry-run]",
     "run a sweep's shards as a Slurm job array, then merge them in a dependent job",
     "  --shards N            one array task per shard: task K runs `pmlab run EXPERIMENT ...\n"
     "                        --shard K/N --out DIR/shard-K` (1 <= N <= configurations)\n"
     "  --out DIR             submission folder, on a file system the nodes share\n"
     "                        [results/<UTC-timestamp>-submit-<experiment>/]\n"
     "  --partition P         Slurm partition [the cluster's default]\n"
     "  --time T              time limit per task, Slurm's form (MIN, H:M:S, D-H:M:S) [the\n"
     "                        partition's]\n"
     "  --no-exclusive        share nodes with other jobs [each task gets a whole node]\n"
     "  --dry-run             print the two sbatch scripts and the sbatch commands; write and\n"
     "                        submit nothing\n"
     "  --resubmit DIR K      submit failed shard K of DIR again, alone, with a new merge job\n"
     "\n"
     "Writes DIR/shard.sbatch (the array; each task records the CPUs it was given in\n"
     "DIR/shard-K/slurm-cpus.txt), DIR/merge.sbatch (submitted with --dependency=afterok on the\n"
     "array: pmlab merge DIR/merged DIR/shard-*, then pmlab report) and DIR/submit.json (the job\n"
     "ids). Uses sbatch (and squeue/sacct in status). docs/cluster.md is the recipe.\n",
     cmd_submit},
    {"status", "DIR", "the shards and the merge job of a pmlab submit folder",
     "One line per shard: done, running, pending or failed, from the shard's own marker\n"
     "(DIR/shard-K/shard.exit) first, then from squeue, then sacct. Exit status: 0 every shard\n"
     "done and merged, 1 a shard or the merge failed, 3 still pending or running.\n",
     cmd_status},
    {"db", "import DB DIR... | query DB SQL [--csv] | schema",
     "the campaign database: run and reproduce folders in one SQLite file",
     "  import DB DIR...      import run folders and reproduce folders into DB (created when\n"
     "                        missing); a folder imported before adds nothing; one\n"
     "                        transaction: on an error DB is left as it was\n"
     "  query DB SQL          run SQL on DB and print the result as an aligned table; with\n"
     "                        median(X), an aggregate plain sqlite3 does not have\n"
     "  --csv                 (query) print CSV instead\n"
     "  schema                print the CREATE statements of the tables and views\n"
     "\n"
     "--db DB on run, reproduce and merge imports their folder when it is written;\n"
     "pmlab compare --db DB RUN_A RUN_B compares two imported runs. docs/database.md.\n",
     cmd_db},
    {"topo", "[--pin POLICY] [--threads N] [--topology DESC|FILE.xml]",
     "the machine's topology (hwloc) and where --pin POLICY puts N workers; runs nothing",
     "  --pin POLICY          compact, scatter, none (on, off) or a CPU list, as in run [compact]\n"
     "  --threads N           workers to place [the PU count]\n"
     "  --topology DESC       plan on a synthetic topology (\"pack:2 core:8 pu:2\") or an lstopo\n"
     "                        XML file instead of this machine (a testing aid: run always uses\n"
     "                        this machine)\n"
     "\n"
     "Prints the counts, caches, CPUs and hwloc's description, then worker,cpu,core,package,\n"
     "sibling per worker (core and package: hwloc logical indexes; sibling 1 = second PU of\n"
     "the core). docs/harness.md, \"Pinning\".\n",
     cmd_topo},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const pmlab_command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(commands[i].name, name))
            return &commands[i];
    return NULL;
}

static bool is_help_flag(const char *a)
{
    return !strcmp(a, "--help") || !strcmp(a, "-h");
}

static void print_overview(void)
{
    fputs(help_text, stdout);
    for (size_t i = 0; i < NCOMMANDS; i++)
        printf("  %s %s\n      %s\n", commands[i].name, commands[i].synopsis, commands[i].summary);
    printf("\npmlab help EXPERIMENT shows an experiment's parameters, axes and defaults.\n");
}

static void print_command_help(const pmlab_command *c)
{
    printf("usage: pmlab %s %s\n%s\n", c->name, c->synopsis, c->summary);
    if (c->details)
        printf("\n%s", c->details);
}

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
    if (e->min_threads > 1)
        printf("min threads: %u (a smaller --threads is refused)\n", e->min_threads);
    printf("smoke test: %s\n", e->smoke_args ? e->smoke_args : "(none declared)");
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

static int list_cmd(int argc, char **argv)
{
    if (argc > 1)
        return usage_error("list: unexpected argument '%s' (pmlab list --help)", argv[1]);
    if (argc == 1 && !strcmp(argv[0], "--names")) {
        for (size_t i = 0; i < g_reg.nexps; i++)
            printf("%s\n", g_reg.exps[i]->name);
        return 0;
    }
    if (argc == 1 && !strcmp(argv[0], "--smoke")) {
        for (size_t i = 0; i < g_reg.nexps; i++) {
            const pmlab_experiment *e = g_reg.exps[i];
            if (e->smoke_args)
                printf("%s\t%s\n", e->name, e->smoke_args);
            else
                printf("%s\n", e->name);
        }
        return 0;
    }
    if (argc == 1)
        return usage_error("list: unknown option '%s' (pmlab list --help)", argv[0]);
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
    for (size_t i = 0; i < g_reg.nkeysets; i++) {
        const char *n = g_reg.keysets[i].name;
        int fam = n[strlen(n) - 1] == ':'; /* a family NAME:ARG (registry.c) */
        char shown[64];
        snprintf(shown, sizeof shown, "%s%s", n, fam ? "FILE" : "");
        printf("  %-14s %s\n", shown, g_reg.keysets[i].help);
    }
    printf("  %-14s %s\n", "file:PATH[:lp]",
           "one key per line, or length-prefixed binary with :lp (docs/harness.md)");
    printf("suites (pmlab reproduce --suite NAME):\n");
    for (size_t i = 0; i < g_reg.nsuites; i++)
        printf("  %-14s %s\n", g_reg.suites[i]->name,
               g_reg.suites[i]->description ? g_reg.suites[i]->description : "");
    return 0;
}

/* pmlab help [COMMAND|EXPERIMENT] */
static int help_cmd(int argc, char **argv)
{
    if (argc == 0) {
        print_overview();
        return 0;
    }
    if (is_help_flag(argv[0])) {
        print_command_help(find_command("help"));
        return 0;
    }
    if (argc > 1)
        return usage_error("help: unexpected argument '%s' (pmlab help --help)", argv[1]);
    /* a name can be both (the merge command and the merge experiment): show both */
    const pmlab_command *c = find_command(argv[0]);
    if (c)
        print_command_help(c);
    if (c && !reg_experiment(argv[0]))
        return 0;
    if (c)
        printf("\n---- experiment %s (pmlab run %s --help) ----\n", argv[0], argv[0]);
    return cmd_help(argv[0]);
}

static int run_cmd(int argc, char **argv)
{
    if (argc == 0)
        return usage_error("run: missing EXPERIMENT (pmlab list shows them)");
    if (is_help_flag(argv[0])) {
        print_command_help(find_command("run"));
        return 0;
    }
    if (argv[0][0] == '-')
        return usage_error("run: missing EXPERIMENT before '%s' (pmlab run --help)", argv[0]);
    for (int i = 1; i < argc; i++)
        if (is_help_flag(argv[i])) {
            int rc = cmd_help(argv[0]);
            if (rc == 0)
                printf("\ncommon options: pmlab run --help\n");
            return rc;
        }
    /* --db DB: checked before the sweep, the folder imported after it */
    const char *db;
    char **rest = xcalloc((size_t)argc + 1, sizeof *rest);
    int n, rc = db_take_option(argc, argv, 1, &db, rest, &n);
    bool quiet = false;
    for (int i = 0; i < n; i++)
        quiet = quiet || !strcmp(rest[i], "--quiet");
    if (!rc && db)
        rc = db_check_path("--db", db);
    if (!rc) {
        char *out = NULL;
        rc = cmd_run_into(argv[0], n, rest, g_cmdline, &out);
        if (out && db && (rc == 0 || rc == 1)) {
            const char *dirs[] = {out};
            int irc = db_import(db, dirs, 1, quiet);
            rc = rc ? rc : irc;
        }
        free(out);
    }
    free(rest);
    return rc;
}

/* `pmlab conform NAME ...` = `pmlab run conform --backends NAME --trials 1 ...`: the harness knows
 * only the experiment's name, not what it checks. */
static int conform_cmd(int argc, char **argv)
{
    if (argc == 0 || argv[0][0] == '-')
        return usage_error("conform: missing backend NAME (pmlab list shows the backends)");
    if (!reg_experiment("conform"))
        return usage_error("conform: this pmlab has no experiment 'conform'");
    char **args = xcalloc((size_t)argc + 5, sizeof *args);
    int n = 0;
    args[n++] = "--backends";
    args[n++] = argv[0];
    args[n++] = "--trials";
    args[n++] = "1";
    for (int i = 1; i < argc; i++)
        args[n++] = argv[i];
    int rc = cmd_run("conform", n, args, g_cmdline, NULL, false);
    free(args);
    return rc;
}

static int reproduce_cmd(int argc, char **argv)
{
    return cmd_reproduce(argc, argv, g_cmdline);
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
    const pmlab_command *c = find_command(cmd);
    if (!strcmp(cmd, "__child"))
        rc = cmd_child(argc - 2, argv + 2);
    else if (is_help_flag(cmd)) {
        print_overview();
        rc = 0;
    } else if (!c)
        rc = usage_error("unknown command '%s' (pmlab --help)", cmd);
    else {
        /* `pmlab CMD ... --help`; run (EXPERIMENT --help) and help look for it themselves */
        bool want_help = false;
        if (c->fn != run_cmd && c->fn != help_cmd)
            for (int i = 2; i < argc; i++)
                want_help = want_help || is_help_flag(argv[i]);
        if (want_help) {
            print_command_help(c);
            rc = 0;
        } else
            rc = c->fn(argc - 2, argv + 2);
    }
    fflush(stdout);
    free(g_cmdline);
    reg_free();
    return rc;
}
