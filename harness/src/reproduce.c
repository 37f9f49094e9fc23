/* `pmlab reproduce`: runs a registered suite into one folder and renders the suite report
 * (report.md, report.html, alerts.json). The folder records what ran in suite.json (suite, mode,
 * command lines, times, claims files, outcome, adaptive reruns) and suite.csv (one line per run
 * of the suite: state, exit status, seconds, rows, trials), so that `pmlab report DIR`
 * re-renders the same report from the folder and `pmlab reproduce --resume DIR` continues it.
 *
 * Run states (suite.csv `state`):
 *   ran          the run completed (exit 0, or 1 when some rows failed)
 *   partial      interrupted inside the run: its results.csv holds the rows that finished;
 *                --resume continues it with `pmlab run --resume`
 *   not-started  the suite was interrupted before the run started
 *   pending      the suite has not reached the run yet (a suite killed without SIGINT leaves it)
 *   not-built    the experiment is not registered in this pmlab
 *   not-in-mode  the run belongs to another mode (--quick / default / --full)
 *
 * `--plan` prints every run of a mode with its configuration count, trials and an estimate of
 * its time (configurations x trials x (duration + warm-up + PMLAB_CHILD_OVERHEAD_S)), without
 * running anything. In default mode, the runs whose claims are inconclusive for a reason that
 * more trials can fix are re-run with more trials (`--resume RUN_DIR --trials N`) within
 * --max-trials and the mode's time budget. docs/harness.md ("pmlab reproduce") documents all
 * of it. */
#define _GNU_SOURCE
#include "reproduce.h"
#include "db.h"
#include "alerts.h"
#include "group.h"
#include "claims.h"
#include "html.h"
#include "meta.h"
#include "registry.h"
#include "report.h"
#include "sweep.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The plan's time model: a trial costs its duration + warm-up plus PMLAB_CHILD_OVERHEAD_S
 * (fork + exec of the child, start-up, the parent's bookkeeping), and a run costs
 * PMLAB_RUN_OVERHEAD_S more (its report and plots). Measured on the 2-core reference machine
 * (debug build) with `pmlab run selftest --threads 1 --duration-ms 1 --warmup-ms 0 --trials N`:
 * 0.95 s for N = 1 and 2.4 s for N = 40, i.e. ~0.04 s per child and ~0.9 s per run. Children that
 * build a large key set before timing cost more; while a suite runs, its ETA scales the
 * remaining estimates by how long the finished runs took against theirs. */
#define PMLAB_CHILD_OVERHEAD_S 0.04
#define PMLAB_RUN_OVERHEAD_S   1.0
/* --plan's per-shard estimate adds this for Slurm to start a shard's job: 3 s from submission to
 * the task's start on the one-node cluster of scripts/slurm-local (harness_slurm's submit.json
 * `submitted_utc` against the shards' slurm-cpus.txt `start_utc`). A busy cluster's queue wait
 * comes on top. */
#define PMLAB_SHARD_OVERHEAD_S 3.0
/* --plan's shard counts unless --shards LIST */
#define PMLAB_PLAN_SHARDS "1,4,16"
/* Default mode's wall-clock budget (the issue's "default run stays within 10 minutes"): an
 * adaptive rerun starts only when the time spent so far plus its plan estimate fits. */
#define PMLAB_DEFAULT_BUDGET_S 600.0
/* Default --max-trials: trials per configuration an adaptive rerun may reach. */
#define PMLAB_SUITE_MAX_TRIALS 9u
/* Trials an adaptive rerun adds each round: 3 -> 5 gives a ratio of two configurations its
 * rank interval (4 and 4 is the least, docs/statistics.md) at two fifths of a 3-trial step's cost.
 */
#define PMLAB_RERUN_STEP 2u
/* Rounds of adaptive reruns at most (each round re-evaluates the claims). */
#define PMLAB_RERUN_ROUNDS 4

/* a JSON string's text, "" when absent or not a string */
static const char *jstr(const json_t *v)
{
    const char *s = json_string_value(v);
    return s ? s : "";
}

static const char *mode_name(unsigned mode)
{
    return mode == PMLAB_SUITE_QUICK ? "quick" : mode == PMLAB_SUITE_FULL ? "full" : "default";
}

static unsigned mode_from_name(const char *s)
{
    return s && !strcmp(s, "quick")  ? PMLAB_SUITE_QUICK
           : s && !strcmp(s, "full") ? PMLAB_SUITE_FULL
                                     : PMLAB_SUITE_DEFAULT;
}

static void split_args(const char *s, strvec *out)
{
    char *copy = xstrdup(s ? s : "");
    for (char *t = strtok(copy, " \t"); t; t = strtok(NULL, " \t"))
        sv_push(out, t);
    free(copy);
}

/* the run's options, with --trials replaced by `trials` (0: kept), then --resume DIR and
 * --quiet when asked */
static void run_args(const pmlab_suite_run *r, unsigned trials, const char *resume_dir, bool quiet,
                     strvec *out)
{
    strvec a = {0};
    split_args(r->args, &a);
    for (size_t i = 0; i < a.n; i++) {
        if (trials && !strcmp(a.v[i], "--trials") && i + 1 < a.n) {
            i++;
            continue;
        }
        if (trials && !strncmp(a.v[i], "--trials=", 9))
            continue;
        sv_push(out, a.v[i]);
    }
    sv_free(&a);
    if (trials) {
        char b[16];
        snprintf(b, sizeof b, "%u", trials);
        sv_push(out, "--trials");
        sv_push(out, b);
    }
    if (resume_dir) {
        sv_push(out, "--resume");
        sv_push(out, resume_dir);
    }
    if (quiet)
        sv_push(out, "--quiet");
}

bool suite_folder(const char *dir)
{
    char *p = xasprintf("%s/suite.json", dir);
    struct stat st;
    bool ok = stat(p, &st) == 0;
    free(p);
    return ok;
}

static bool file_exists(const char *dir, const char *name)
{
    char *p = xasprintf("%s/%s", dir, name);
    struct stat st;
    bool ok = stat(p, &st) == 0;
    free(p);
    return ok;
}

static void fmt_dur(char *b, size_t n, double s)
{
    if (s < 0)
        s = 0;
    if (s < 90)
        snprintf(b, n, "%.0fs", s);
    else if (s < 5400)
        snprintf(b, n, "%ldm%02lds", (long)(s + 0.5) / 60, (long)(s + 0.5) % 60);
    else
        snprintf(b, n, "%.1fh", s / 3600);
}

/* ---- suite state ---------------------------------------------------------------------------- */
typedef enum {
    RS_NOT_IN_MODE,
    RS_NOT_BUILT,
    RS_PENDING,
    RS_NOT_STARTED,
    RS_PARTIAL,
    RS_RAN
} run_state;
static const char *const state_names[] = {"not-in-mode", "not-built", "pending",
                                          "not-started", "partial",   "ran"};

typedef struct {
    run_state state;
    int exit_code;
    double seconds; /* over the run, its resumptions and its reruns */
    size_t rows, rows_ok;
    unsigned trials; /* trials per configuration asked of the run (0: unknown) */
    unsigned reruns;
    bool planned;    /* sweep_plan answered */
    size_t nconfigs; /* from the plan */
    double spt;      /* seconds per trial from the plan (duration + warm-up) */
} run_rec;

typedef struct {
    size_t index; /* 1-based run index */
    unsigned from, to;
    char *why;
    char *outcome; /* "ran" | "interrupted" | "failed (exit N)" | "skipped: ..." */
    double estimate, seconds;
    size_t configs, of; /* configurations re-run, of the run's; 0 = all */
} rerun_rec;

typedef struct {
    const pmlab_suite *suite;
    unsigned mode;
    char *dir;
    strvec cmdlines; /* the first session's, then one per --resume */
    char start[32], end[32];
    strvec claims_files; /* the --claims FILEs, absolute */
    unsigned max_trials;
    double budget;
    size_t nruns;
    run_rec *rr;
    char **run_dirs; /* NULL for runs not in this mode */
    rerun_rec *reruns;
    size_t nreruns;
    double scale;        /* time taken / plan estimate over the runs finished this session */
    const char *outcome; /* running | complete | interrupted */
    char *note;          /* what ran, when interrupted */
} suite_state;

static void st_free(suite_state *st)
{
    for (size_t i = 0; i < st->nruns; i++)
        free(st->run_dirs[i]);
    free(st->run_dirs);
    free(st->rr);
    for (size_t i = 0; i < st->nreruns; i++) {
        free(st->reruns[i].why);
        free(st->reruns[i].outcome);
    }
    free(st->reruns);
    sv_free(&st->cmdlines);
    sv_free(&st->claims_files);
    free(st->dir);
    free(st->note);
}

static size_t suite_nruns(const pmlab_suite *s)
{
    size_t n = 0;
    while (s && s->runs[n].experiment)
        n++;
    return n;
}

static const char *run_role(const pmlab_suite *s, size_t i)
{
    return s->runs[i].role ? s->runs[i].role : "";
}

static char *run_folder_name(const pmlab_suite *s, size_t i)
{
    return xasprintf("%02zu-%s", i + 1, s->runs[i].experiment);
}

static void plan_runs(suite_state *st)
{
    for (size_t i = 0; i < st->nruns; i++) {
        run_rec *r = &st->rr[i];
        if (r->state == RS_NOT_IN_MODE || r->state == RS_NOT_BUILT || r->planned)
            continue;
        strvec a = {0};
        split_args(st->suite->runs[i].args, &a);
        unsigned trials = 0;
        if (sweep_plan(st->suite->runs[i].experiment, (int)a.n, a.v, &r->nconfigs, &trials,
                       &r->spt) == 0) {
            r->planned = true;
            if (!r->trials)
                r->trials = trials;
        }
        sv_free(&a);
    }
}

static double plan_estimate(size_t nconfigs, unsigned trials, double spt)
{
    return (double)nconfigs * trials * (spt + PMLAB_CHILD_OVERHEAD_S) + PMLAB_RUN_OVERHEAD_S;
}

static double run_estimate(const run_rec *r)
{
    return r->planned ? plan_estimate(r->nconfigs, r->trials, r->spt) : 0;
}

static void write_suite_files(const suite_state *st)
{
    char *p = xasprintf("%s/suite.json", st->dir);
    char *tmp = xasprintf("%s/.suite.json.tmp", st->dir);
    FILE *f = fopen(tmp, "w");
    if (f) {
        fprintf(f, "{\n  \"suite\": ");
        json_str(f, st->suite->name);
        fprintf(f, ",\n  \"mode\": \"%s\",\n  \"command_line\": ", mode_name(st->mode));
        json_str(f, st->cmdlines.n ? st->cmdlines.v[0] : "");
        fprintf(f, ",\n  \"resumed_by\": [");
        for (size_t i = 1; i < st->cmdlines.n; i++) {
            fprintf(f, "%s", i > 1 ? ", " : "");
            json_str(f, st->cmdlines.v[i]);
        }
        fprintf(f, "],\n  \"start_utc\": ");
        json_str(f, st->start);
        fprintf(f, ",\n  \"end_utc\": ");
        json_str(f, st->end);
        fprintf(f, ",\n  \"online_cpus\": %u,\n  \"runs\": %zu,\n  \"state\": \"%s\"",
                online_cpus(), st->nruns, st->outcome);
        fprintf(f, ",\n  \"interrupted\": ");
        json_str(f, st->note ? st->note : "");
        fprintf(f, ",\n  \"claims_files\": [");
        for (size_t i = 0; i < st->claims_files.n; i++) {
            fprintf(f, "%s", i ? ", " : "");
            json_str(f, st->claims_files.v[i]);
        }
        fprintf(f, "],\n  \"max_trials\": %u,\n  \"budget_seconds\": %.0f,\n  \"reruns\": [",
                st->max_trials, st->budget);
        for (size_t i = 0; i < st->nreruns; i++) {
            const rerun_rec *x = &st->reruns[i];
            char *folder = run_folder_name(st->suite, x->index - 1);
            fprintf(f, "%s\n    {\"index\": %zu, \"folder\": ", i ? "," : "", x->index);
            json_str(f, folder);
            fprintf(f, ", \"role\": ");
            json_str(f, run_role(st->suite, x->index - 1));
            fprintf(f, ", \"from_trials\": %u, \"to_trials\": %u, \"why\": ", x->from, x->to);
            json_str(f, x->why);
            fprintf(f, ", \"outcome\": ");
            json_str(f, x->outcome);
            fprintf(f, ", \"estimate_seconds\": %.1f, \"seconds\": %.1f", x->estimate, x->seconds);
            if (x->configs)
                fprintf(f, ", \"configurations\": %zu, \"of\": %zu", x->configs, x->of);
            fprintf(f, "}");
            free(folder);
        }
        fprintf(f, "%s]\n}\n", st->nreruns ? "\n  " : "");
        fclose(f);
        rename(tmp, p);
    }
    free(tmp);
    free(p);
    p = xasprintf("%s/suite.csv", st->dir);
    tmp = xasprintf("%s/.suite.csv.tmp", st->dir);
    f = fopen(tmp, "w");
    if (f) {
        fprintf(f, "index,experiment,args,folder,role,state,exit,seconds,rows,rows_ok,trials,"
                   "reruns,estimate_seconds\n");
        for (size_t i = 0; i < st->nruns; i++) {
            const run_rec *r = &st->rr[i];
            char *folder = run_folder_name(st->suite, i);
            fprintf(f, "%zu,", i + 1);
            csv_field(f, st->suite->runs[i].experiment);
            fputc(',', f);
            csv_field(f, st->suite->runs[i].args ? st->suite->runs[i].args : "");
            fputc(',', f);
            csv_field(f, folder);
            fputc(',', f);
            csv_field(f, run_role(st->suite, i));
            fprintf(f, ",%s,%d,%.1f,%zu,%zu,%u,%u,%.1f\n", state_names[r->state], r->exit_code,
                    r->seconds, r->rows, r->rows_ok, r->trials, r->reruns, run_estimate(r));
            free(folder);
        }
        fclose(f);
        rename(tmp, p);
    }
    free(tmp);
    free(p);
}

static void count_rows(const char *run_dir, size_t *rows, size_t *ok)
{
    *rows = *ok = 0;
    char *p = xasprintf("%s/results.csv", run_dir);
    csv_table t;
    if (csv_read(p, &t) == 0) {
        *rows = t.nrows;
        for (size_t r = 0; r < t.nrows; r++)
            *ok += !strcmp(csv_get(&t, r, "status"), "ok");
        csv_free(&t);
    }
    free(p);
}

static void write_not_run(const char *run_dir, const char *why)
{
    mkdir_p(run_dir);
    char *p = xasprintf("%s/not-run.txt", run_dir);
    FILE *f = fopen(p, "w");
    if (f) {
        fprintf(f, "%s\n", why);
        fclose(f);
    }
    free(p);
}

static void remove_not_run(const char *run_dir)
{
    char *p = xasprintf("%s/not-run.txt", run_dir);
    unlink(p);
    free(p);
}

/* ---- claims --------------------------------------------------------------------------------- */
/* the suite's catalogue (relative to the source tree unless absolute), then the --claims files */
static void claims_paths(const pmlab_suite *s, const strvec *extra, strvec *out)
{
    if (s && s->claims_file && *s->claims_file) {
        if (s->claims_file[0] == '/') {
            sv_push(out, s->claims_file);
        } else {
            char *p = xasprintf("%s/%s", PMLAB_SOURCE_DIR, s->claims_file);
            sv_push(out, p);
            free(p);
        }
    }
    for (size_t i = 0; extra && i < extra->n; i++)
        sv_push(out, extra->v[i]);
}

static claims_set *claims_open(const pmlab_suite *s, const strvec *extra, char *err, size_t n)
{
    strvec files = {0};
    claims_paths(s, extra, &files);
    claims_set *cs = NULL;
    *err = 0;
    if (files.n)
        cs = claims_load((const char *const *)files.v, files.n, err, n);
    else
        snprintf(err, n, "suite '%s' names no claims file", s ? s->name : "?");
    sv_free(&files);
    return cs;
}

/* The claims section rendered into memory: the report puts the tally in its header. */
typedef struct {
    char *text;
    char *csv; /* verdicts.csv */
    claims_tally tally;
    bool have;
    strvec roles_more;
} claims_out;

static void claims_eval(const claims_set *cs, const suite_state *st, claims_out *co)
{
    memset(co, 0, sizeof *co);
    if (!cs)
        return;
    size_t len = 0, clen = 0;
    FILE *m = open_memstream(&co->text, &len);
    FILE *c = open_memstream(&co->csv, &clen);
    if (!m || !c) {
        if (m)
            fclose(m);
        if (c)
            fclose(c);
        return;
    }
    claims_render_csv(cs, st->suite, (const char *const *)st->run_dirs, m, &co->tally,
                      &co->roles_more, c);
    fclose(m);
    fclose(c);
    co->have = true;
}

static void claims_out_free(claims_out *co)
{
    free(co->text);
    free(co->csv);
    sv_free(&co->roles_more);
}

/* The inconclusive claim rows of the rendered section that name a run folder: "C040
 * (inconclusive: interval [..] straddles ...)"; joined with "; ". Empty when none mention it. */
static char *inconclusive_rows(const char *text, const char *folder)
{
    sbuf b = {0};
    sb_add(&b, "");
    for (const char *l = text; l && *l;) {
        const char *eol = strchr(l, '\n');
        size_t n = eol ? (size_t)(eol - l) : strlen(l);
        char *line = strndup(l, n);
        const char *inc = strstr(line, "inconclusive");
        if (!strncmp(line, "| ", 2) && inc && strstr(line, folder)) {
            const char *id = line + 2;
            size_t idn = strcspn(id, " |");
            size_t rn = strcspn(inc, "|*");
            while (rn && inc[rn - 1] == ' ')
                rn--;
            sb_printf(&b, "%s%.*s %.*s", b.len ? "; " : "", (int)idn, id, (int)rn, inc);
        }
        free(line);
        l = eol ? eol + 1 : NULL;
    }
    return b.s;
}

/* ---- signals -------------------------------------------------------------------------------- */
static volatile sig_atomic_t g_suite_stop;

static void on_suite_signal(int sig)
{
    (void)sig;
    g_suite_stop = 1;
}

/* ---- running -------------------------------------------------------------------------------- */
static size_t count_state(const suite_state *st, run_state s)
{
    size_t n = 0;
    for (size_t i = 0; i < st->nruns; i++)
        n += st->rr[i].state == s;
    return n;
}

static size_t selected_runs(const suite_state *st)
{
    size_t n = 0;
    for (size_t i = 0; i < st->nruns; i++)
        n += st->rr[i].state != RS_NOT_IN_MODE;
    return n;
}

/* position of run i among the runs of this mode, 1-based */
static size_t mode_pos(const suite_state *st, size_t i)
{
    size_t k = 0;
    for (size_t j = 0; j <= i; j++)
        k += st->rr[j].state != RS_NOT_IN_MODE;
    return k;
}

/* Remaining time: the plan estimates of the runs not finished, scaled by how long the runs
 * finished in this session took against their own estimates. */
static double eta_after(const suite_state *st, size_t from, double scale)
{
    double s = 0;
    for (size_t i = from; i < st->nruns; i++) {
        const run_rec *r = &st->rr[i];
        if (r->state == RS_PENDING || r->state == RS_NOT_STARTED || r->state == RS_PARTIAL)
            s += run_estimate(r);
    }
    return s * scale;
}

static void set_interrupted(suite_state *st, size_t during, const char *when)
{
    for (size_t i = 0; i < st->nruns; i++)
        if (st->rr[i].state == RS_PENDING) {
            st->rr[i].state = RS_NOT_STARTED;
            write_not_run(st->run_dirs[i], "not run: interrupted before it started (continue with "
                                           "pmlab reproduce --resume DIR)");
        }
    size_t nsel = selected_runs(st), done = count_state(st, RS_RAN),
           part = count_state(st, RS_PARTIAL), ns = count_state(st, RS_NOT_STARTED);
    free(st->note);
    st->note = xasprintf("interrupted %s run %zu of %zu (%s): %zu run%s complete, %zu partial, "
                         "%zu not started; resume with pmlab reproduce --resume %s",
                         when, mode_pos(st, during), nsel, st->suite->runs[during].experiment, done,
                         done == 1 ? "" : "s", part, ns, st->dir);
    st->outcome = "interrupted";
}

static int run_one(suite_state *st, size_t i, unsigned trials, const char *configs, bool resume,
                   bool quiet, const char *cmdline, double *secs)
{
    strvec a = {0};
    run_args(&st->suite->runs[i], trials, resume ? st->run_dirs[i] : NULL, quiet, &a);
    if (configs) { /* an adaptive rerun of some configurations (pmlab run --configs) */
        sv_push(&a, "--configs");
        sv_push(&a, configs);
    }
    uint64_t t0 = pmlab_now_ns();
    int x =
        cmd_run_ex(st->suite->runs[i].experiment, (int)a.n, a.v, cmdline, st->run_dirs[i], false);
    sv_free(&a);
    *secs = (double)(pmlab_now_ns() - t0) / 1e9;
    st->rr[i].seconds += *secs;
    count_rows(st->run_dirs[i], &st->rr[i].rows, &st->rr[i].rows_ok);
    return x;
}

/* Runs every pending / not-started / partial run in order. Returns true when interrupted. */
static bool run_pending(suite_state *st, bool quiet, const char *cmdline, size_t *failed)
{
    uint64_t t_suite = pmlab_now_ns();
    double est_done = 0, took_done = 0;
    size_t nsel = selected_runs(st);
    for (size_t i = 0; i < st->nruns; i++) {
        run_rec *r = &st->rr[i];
        if (r->state != RS_PENDING && r->state != RS_NOT_STARTED && r->state != RS_PARTIAL)
            continue;
        if (g_suite_stop) { /* the signal came between runs */
            bool any = false;
            size_t last = i;
            for (size_t j = 0; j < i; j++)
                if (st->rr[j].state == RS_RAN) {
                    last = j;
                    any = true;
                }
            set_interrupted(st, last, any ? "after" : "before");
            return true;
        }
        const pmlab_suite_run *sr = &st->suite->runs[i];
        /* a partial run, or one that was running when the suite was killed: continue its rows */
        bool resume = file_exists(st->run_dirs[i], "results.csv") &&
                      file_exists(st->run_dirs[i], "meta.json");
        remove_not_run(st->run_dirs[i]);
        double scale = est_done > 0 && took_done > 0 ? took_done / est_done : 1.0;
        double el = (double)(pmlab_now_ns() - t_suite) / 1e9;
        if (!quiet) {
            char e1[32], e2[32], e3[32];
            fmt_dur(e1, sizeof e1, el);
            fmt_dur(e2, sizeof e2, run_estimate(r) * scale);
            fmt_dur(e3, sizeof e3, eta_after(st, i, scale));
            fprintf(stderr,
                    "pmlab reproduce: [%zu/%zu] %s %s%s (elapsed %s; this run ~%s, suite ~%s "
                    "left)\n",
                    mode_pos(st, i), nsel, sr->experiment, sr->args ? sr->args : "",
                    resume ? " [resumed]" : "", e1, e2, e3);
        }
        g_suite_eta_after = eta_after(st, i + 1, scale);
        st->rr[i].state = RS_PARTIAL; /* until it returns: what a killed suite leaves */
        write_suite_files(st);
        double secs = 0;
        int x = run_one(st, i, 0, NULL, resume, quiet, cmdline, &secs);
        g_suite_eta_after = 0;
        bool stopped = x == 130 || (g_suite_stop && x == PMLAB_EXIT_USAGE);
        if (stopped) {
            r->state = file_exists(st->run_dirs[i], "results.csv") ? RS_PARTIAL : RS_NOT_STARTED;
            if (r->state == RS_NOT_STARTED)
                write_not_run(st->run_dirs[i], "not run: interrupted before it started");
            r->exit_code = 130;
        } else {
            r->state = RS_RAN;
            r->exit_code = x;
            if (x != 0)
                (*failed)++;
            if (!resume && r->planned) {
                est_done += run_estimate(r);
                took_done += secs;
                st->scale = took_done / est_done;
            }
        }
        if (!quiet || (x != 0 && x != 130))
            fprintf(stderr, "pmlab reproduce: [%zu/%zu] %s: %s in %.1fs, %zu/%zu rows ok%s\n",
                    mode_pos(st, i), nsel, sr->experiment,
                    stopped  ? "interrupted"
                    : x == 0 ? "done"
                    : x == 1 ? "done, some rows FAILED"
                             : "FAILED",
                    secs, r->rows_ok, r->rows,
                    !stopped && x != 0 ? " (continuing; see the run's report.md and logs/)" : "");
        if (stopped) {
            set_interrupted(st, i, r->state == RS_PARTIAL ? "during" : "before");
            write_suite_files(st);
            return true;
        }
        write_suite_files(st);
    }
    return false;
}

/* a run an adaptive rerun could extend: the configurations its undecided claims rest on (a
 * comma list of config_ids; NULL = every configuration) and the plan estimate (the sort key) */
typedef struct {
    size_t i;
    const char *role;
    char *configs;
    size_t nconfigs;
    double est;
} rerun_cand;

/* the config_ids claims_eval listed for role ("ROLE<TAB>ID" entries), as a comma list or NULL */
static char *role_configs(const strvec *more, const char *role, size_t *n)
{
    sbuf b = {0};
    size_t rl = strlen(role);
    *n = 0;
    for (size_t k = 0; k < more->n; k++)
        if (!strncmp(more->v[k], role, rl) && more->v[k][rl] == '\t') {
            sb_printf(&b, "%s%s", *n ? "," : "", more->v[k] + rl + 1);
            (*n)++;
        }
    return b.s;
}

static int cmp_cand(const void *a, const void *b)
{
    const rerun_cand *x = a, *y = b;
    if (x->est != y->est)
        return x->est < y->est ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* Adaptive reruns (default mode): re-evaluate the claims, re-run the runs of the roles whose
 * claims are inconclusive for a reason more trials can fix, until they decide, reach
 * max_trials, or the budget is spent. Returns true when interrupted. */
static bool adaptive_reruns(suite_state *st, const claims_set *cs, bool quiet, const char *cmdline,
                            double spent)
{
    /* the final report re-renders every run folder */
    double reserve = (double)selected_runs(st) * PMLAB_RUN_OVERHEAD_S;
    for (int round = 0; round < PMLAB_RERUN_ROUNDS; round++) {
        claims_out co;
        claims_eval(cs, st, &co);
        bool any = false;
        /* the candidates, cheapest first: within the budget, as many claims as possible get
         * their trials (a write run costs seconds, clone-mt minutes) */
        rerun_cand *cand = xcalloc(st->nruns ? st->nruns : 1, sizeof *cand);
        size_t ncand = 0;
        for (size_t k = 0; k < co.roles_more.n; k++)
            for (size_t i = 0; i < st->nruns && !strchr(co.roles_more.v[k], '\t'); i++)
                if (st->rr[i].state == RS_RAN &&
                    !strcmp(run_role(st->suite, i), co.roles_more.v[k])) {
                    rerun_cand *x = &cand[ncand++];
                    const run_rec *r = &st->rr[i];
                    *x = (rerun_cand){i, co.roles_more.v[k], NULL, 0, 0};
                    x->configs = role_configs(&co.roles_more, x->role, &x->nconfigs);
                    if (x->nconfigs >= r->nconfigs) { /* all of them: no list */
                        free(x->configs);
                        x->configs = NULL;
                        x->nconfigs = 0;
                    }
                    x->est = r->planned ? plan_estimate(x->nconfigs ? x->nconfigs : r->nconfigs,
                                                        r->trials ? r->trials : 1, r->spt)
                                        : 0;
                }
        qsort(cand, ncand, sizeof *cand, cmp_cand);
        for (size_t c = 0; c < ncand; c++) {
            const char *role = cand[c].role;
            {
                size_t i = cand[c].i;
                run_rec *r = &st->rr[i];
                char *folder = run_folder_name(st->suite, i);
                char *why = inconclusive_rows(co.text, folder);
                if (!*why) {
                    free(why);
                    why = xasprintf("claims on role '%s' inconclusive", role);
                }
                free(folder);
                unsigned to = r->trials + PMLAB_RERUN_STEP;
                if (to > st->max_trials)
                    to = st->max_trials;
                /* the plan's estimate for the configurations it re-runs, scaled by how the
                 * suite's runs compared with theirs */
                size_t ncfg = cand[c].nconfigs ? cand[c].nconfigs : r->nconfigs;
                double est = r->planned ? plan_estimate(ncfg, to - r->trials, r->spt) *
                                              (st->scale > 1 ? st->scale : 1)
                                        : 0;
                const char *skip = NULL;
                char skipb[160];
                if (!r->planned || !r->trials)
                    skip = "skipped: no plan for this run";
                else if (r->trials >= st->max_trials) {
                    snprintf(skipb, sizeof skipb, "skipped: already at --max-trials %u",
                             st->max_trials);
                    skip = skipb;
                } else if (spent + est + reserve > st->budget) {
                    snprintf(skipb, sizeof skipb,
                             "skipped: ~%.0fs more would pass the %.0fs budget (%.0fs spent, "
                             "%.0fs kept for the final report)",
                             est, st->budget, spent, reserve);
                    skip = skipb;
                }
                /* one skip record per run and reason */
                if (skip) {
                    bool seen = false;
                    for (size_t j = 0; j < st->nreruns && !seen; j++)
                        seen = st->reruns[j].index == i + 1 && st->reruns[j].from == r->trials &&
                               !strncmp(st->reruns[j].outcome, "skipped", 7);
                    if (!seen) {
                        st->reruns = xrealloc(st->reruns, (st->nreruns + 1) * sizeof *st->reruns);
                        st->reruns[st->nreruns++] = (rerun_rec){
                            i + 1, r->trials,        to,         why, xstrdup(skip), est,
                            0,     cand[c].nconfigs, r->nconfigs};
                        write_suite_files(st);
                    } else {
                        free(why);
                    }
                    continue;
                }
                if (g_suite_stop) {
                    free(why);
                    break;
                }
                if (!quiet)
                    fprintf(stderr,
                            "pmlab reproduce: re-running %s (%s) with %u more trial(s) (%u -> %u, "
                            "~%.0fs): %s\n",
                            st->suite->runs[i].experiment, role, to - r->trials, r->trials, to, est,
                            why);
                double secs = 0;
                int x = run_one(st, i, to, cand[c].configs, true, quiet, cmdline, &secs);
                spent += secs;
                st->reruns = xrealloc(st->reruns, (st->nreruns + 1) * sizeof *st->reruns);
                st->reruns[st->nreruns++] = (rerun_rec){i + 1,
                                                        r->trials,
                                                        to,
                                                        why,
                                                        x == 130 ? xstrdup("interrupted")
                                                        : x <= 1 ? xstrdup("ran")
                                                                 : xasprintf("failed (exit %d)", x),
                                                        est,
                                                        secs,
                                                        cand[c].nconfigs,
                                                        r->nconfigs};
                if (x == 130 || g_suite_stop) {
                    free(st->note);
                    st->note = xasprintf("interrupted during an adaptive rerun of run %zu (%s): "
                                         "every run of the suite is complete; resume with pmlab "
                                         "reproduce --resume %s",
                                         mode_pos(st, i), st->suite->runs[i].experiment, st->dir);
                    st->outcome = "interrupted";
                    write_suite_files(st);
                    for (size_t c2 = 0; c2 < ncand; c2++)
                        free(cand[c2].configs);
                    free(cand);
                    claims_out_free(&co);
                    return true;
                }
                if (x <= 1) {
                    r->trials = to;
                    r->reruns++;
                    any = true;
                }
                write_suite_files(st);
            }
        }
        for (size_t c = 0; c < ncand; c++)
            free(cand[c].configs);
        free(cand);
        claims_out_free(&co);
        if (!any)
            break;
    }
    return false;
}

/* ---- --plan --------------------------------------------------------------------------------- */
/* The estimate of the largest shard when every run of the mode is split into `shards` shards
 * (pmlab submit run ... --shards N): sweep_plan of shard 1/N, the largest slice of every run,
 * through the same time model, plus PMLAB_SHARD_OVERHEAD_S. */
static int plan_shard(const pmlab_suite *s, unsigned mode, unsigned shards, size_t *ncfg,
                      double *est)
{
    *ncfg = 0;
    *est = PMLAB_SHARD_OVERHEAD_S;
    for (size_t i = 0; s->runs[i].experiment; i++) {
        const pmlab_suite_run *r = &s->runs[i];
        if (!(r->modes & mode) || !reg_experiment(r->experiment))
            continue;
        strvec a = {0};
        split_args(r->args, &a);
        char sh[32];
        snprintf(sh, sizeof sh, "1/%u", shards);
        sv_push(&a, "--shard");
        sv_push(&a, sh);
        size_t nc = 0;
        unsigned tr = 0;
        double spt = 0;
        int rc = sweep_plan(r->experiment, (int)a.n, a.v, &nc, &tr, &spt);
        sv_free(&a);
        if (rc)
            return rc;
        if (nc) {
            *ncfg += nc;
            *est += plan_estimate(nc, tr, spt);
        }
    }
    return 0;
}

static int print_plan(const pmlab_suite *s, unsigned mode, const char *shard_list, double budget)
{
    size_t n = suite_nruns(s), nsel = 0, ncfg = 0, ntr = 0;
    double total = 0;
    for (size_t i = 0; i < n; i++)
        nsel += (s->runs[i].modes & mode) != 0;
    printf("suite '%s', %s mode: %zu of the suite's %zu runs (nothing is run)\n\n", s->name,
           mode_name(mode), nsel, n);
    printf("%3s  %-12s %-12s %7s %6s %9s  %s\n", "#", "experiment", "role", "configs", "trials",
           "estimate", "options");
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        const pmlab_suite_run *r = &s->runs[i];
        if (!(r->modes & mode))
            continue;
        if (!reg_experiment(r->experiment)) {
            printf("%3zu  %-12s %-12s %7s %6s %9s  %s\n", i + 1, r->experiment,
                   r->role ? r->role : "-", "-", "-", "not built", r->args ? r->args : "");
            continue;
        }
        strvec a = {0};
        split_args(r->args, &a);
        size_t nc = 0;
        unsigned tr = 0;
        double spt = 0;
        fflush(stdout);
        if (sweep_plan(r->experiment, (int)a.n, a.v, &nc, &tr, &spt) != 0) {
            fprintf(stderr, "pmlab reproduce: suite '%s' run %zu (%s %s) is invalid\n", s->name,
                    i + 1, r->experiment, r->args ? r->args : "");
            printf("%3zu  %-12s %-12s %7s %6s %9s  %s\n", i + 1, r->experiment,
                   r->role ? r->role : "-", "-", "-", "INVALID", r->args ? r->args : "");
            rc = PMLAB_EXIT_USAGE;
            sv_free(&a);
            continue;
        }
        sv_free(&a);
        double est = plan_estimate(nc, tr, spt);
        char e[32];
        fmt_dur(e, sizeof e, est);
        printf("%3zu  %-12s %-12s %7zu %6u %9s  %s\n", i + 1, r->experiment,
               r->role ? r->role : "-", nc, tr, e, r->args ? r->args : "");
        ncfg += nc;
        ntr += nc * tr;
        total += est;
    }
    char e[32];
    fmt_dur(e, sizeof e, total);
    printf("\ntotal: %zu runs, %zu configurations, %zu trials, estimated %s "
           "(per run: configurations x trials x (duration + warm-up + %.2fs per child) + %.1fs "
           "for its report)%s\n",
           nsel, ncfg, ntr, e, PMLAB_CHILD_OVERHEAD_S, PMLAB_RUN_OVERHEAD_S,
           mode == PMLAB_SUITE_DEFAULT ? "; adaptive reruns may add time up to the budget" : "");
    if (mode == PMLAB_SUITE_DEFAULT)
        printf("budget: %.0fs for the whole default suite, adaptive reruns included\n", budget);
    if (rc)
        return rc;
    strvec sl = {0};
    sv_split(&sl, shard_list ? shard_list : PMLAB_PLAN_SHARDS, ',');
    printf("\ngrid: %zu configurations, %zu trials. On N machines, each run split into N "
           "shards\n(`pmlab submit run ... --shards N`; a run with fewer configurations gets "
           "one shard per\nconfiguration), the largest shard holds and takes (+%.0fs for Slurm "
           "to start it):\n",
           ncfg, ntr, PMLAB_SHARD_OVERHEAD_S);
    printf("%8s %16s %10s\n", "shards", "largest shard", "estimate");
    for (size_t i = 0; i < sl.n; i++) {
        uint64_t cnt = 0;
        parse_u64(sl.v[i], &cnt);
        size_t nc;
        double est;
        fflush(stdout);
        if (plan_shard(s, mode, (unsigned)cnt, &nc, &est) != 0) {
            rc = PMLAB_EXIT_USAGE;
            break;
        }
        char e2[32], cf[48];
        fmt_dur(e2, sizeof e2, est);
        snprintf(cf, sizeof cf, "%zu configs", nc);
        printf("%8llu %16s %10s\n", (unsigned long long)cnt, cf, e2);
    }
    sv_free(&sl);
    return rc;
}

/* ---- the command ---------------------------------------------------------------------------- */
static const char reproduce_usage[] =
    "usage: pmlab reproduce [--quick|--full] [--out DIR] [--suite NAME] [--claims FILE]...\n"
    "                       [--max-trials M] [--budget S] [--quiet] [--db DB]\n"
    "       pmlab reproduce --plan [--quick|--full] [--suite NAME] [--shards LIST]\n"
    "       pmlab reproduce --resume DIR [--quiet] [--db DB]\n"
    "  --plan         print the runs of the mode, their configurations, trials and estimated\n"
    "                 time, and run nothing; then the grid size and the estimate of the\n"
    "                 largest shard per shard count (--shards LIST, default 1,4,16)\n"
    "  --resume DIR   continue an interrupted suite: complete runs are kept, a partial run\n"
    "                 resumes (pmlab run --resume), the rest run\n"
    "  --claims FILE  add the claims of FILE (JSON, docs/report.md) to the report (repeatable)\n"
    "  --max-trials M adaptive reruns (default mode) stop at M trials per configuration\n"
    "                 (default 9)\n"
    "  --budget S     seconds the default mode may spend, adaptive reruns included (600)\n"
    "  --db DB        import the suite folder into the campaign database DB when it is done\n";

static const pmlab_suite *find_suite(const char *name)
{
    for (size_t i = 0; name && i < g_reg.nsuites; i++)
        if (!strcmp(g_reg.suites[i]->name, name))
            return g_reg.suites[i];
    return NULL;
}

/* reads suite.json / suite.csv of an existing suite folder into st (resume) */
static int load_suite_folder(const char *dir, suite_state *st, char *err, size_t errlen)
{
    char *sp = xasprintf("%s/suite.json", dir), *cp = xasprintf("%s/suite.csv", dir);
    json_error_t je;
    json_t *j = json_load_file(sp, 0, &je);
    csv_table t;
    memset(&t, 0, sizeof t);
    int crc = csv_read(cp, &t);
    free(sp);
    free(cp);
    int rc = -1;
    if (!j || crc != 0) {
        snprintf(err, errlen, "'%s' is not a suite folder (suite.json, suite.csv)", dir);
        goto out;
    }
    const char *name = json_string_value(json_object_get(j, "suite"));
    st->suite = find_suite(name);
    if (!st->suite) {
        snprintf(err, errlen, "'%s': suite '%s' is not registered in this pmlab", dir,
                 name ? name : "?");
        goto out;
    }
    st->mode = mode_from_name(json_string_value(json_object_get(j, "mode")));
    st->nruns = suite_nruns(st->suite);
    if (t.nrows != st->nruns) {
        snprintf(err, errlen, "'%s': it has %zu runs, suite '%s' now has %zu", dir, t.nrows,
                 st->suite->name, st->nruns);
        goto out;
    }
    const char *s = json_string_value(json_object_get(j, "command_line"));
    sv_push(&st->cmdlines, s ? s : "");
    json_t *rb = json_object_get(j, "resumed_by");
    for (size_t i = 0; i < json_array_size(rb); i++)
        sv_push(&st->cmdlines, jstr(json_array_get(rb, i)));
    s = json_string_value(json_object_get(j, "start_utc"));
    snprintf(st->start, sizeof st->start, "%s", s ? s : "");
    json_t *cf = json_object_get(j, "claims_files");
    for (size_t i = 0; i < json_array_size(cf); i++)
        sv_push(&st->claims_files, jstr(json_array_get(cf, i)));
    json_t *mt = json_object_get(j, "max_trials");
    st->max_trials =
        json_is_integer(mt) ? (unsigned)json_integer_value(mt) : PMLAB_SUITE_MAX_TRIALS;
    json_t *bs = json_object_get(j, "budget_seconds");
    st->budget = json_is_number(bs) ? json_number_value(bs) : PMLAB_DEFAULT_BUDGET_S;
    json_t *rr = json_object_get(j, "reruns");
    for (size_t i = 0; i < json_array_size(rr); i++) {
        json_t *x = json_array_get(rr, i);
        st->reruns = xrealloc(st->reruns, (st->nreruns + 1) * sizeof *st->reruns);
        st->reruns[st->nreruns++] =
            (rerun_rec){(size_t)json_integer_value(json_object_get(x, "index")),
                        (unsigned)json_integer_value(json_object_get(x, "from_trials")),
                        (unsigned)json_integer_value(json_object_get(x, "to_trials")),
                        xstrdup(jstr(json_object_get(x, "why"))),
                        xstrdup(jstr(json_object_get(x, "outcome"))),
                        json_number_value(json_object_get(x, "estimate_seconds")),
                        json_number_value(json_object_get(x, "seconds")),
                        (size_t)json_integer_value(json_object_get(x, "configurations")),
                        (size_t)json_integer_value(json_object_get(x, "of"))};
    }
    st->dir = xstrdup(dir);
    st->rr = xcalloc(st->nruns + 1, sizeof *st->rr);
    st->run_dirs = xcalloc(st->nruns + 1, sizeof *st->run_dirs);
    for (size_t i = 0; i < st->nruns; i++) {
        const pmlab_suite_run *r = &st->suite->runs[i];
        if (strcmp(csv_get(&t, i, "experiment"), r->experiment) != 0 ||
            strcmp(csv_get(&t, i, "args"), r->args ? r->args : "") != 0) {
            snprintf(err, errlen, "'%s': run %zu was '%s %s', suite '%s' now says '%s %s'", dir,
                     i + 1, csv_get(&t, i, "experiment"), csv_get(&t, i, "args"), st->suite->name,
                     r->experiment, r->args ? r->args : "");
            goto out;
        }
        run_rec *x = &st->rr[i];
        const char *stn = csv_get(&t, i, "state");
        x->state = RS_PENDING;
        for (size_t k = 0; k < sizeof state_names / sizeof state_names[0]; k++)
            if (!strcmp(stn, state_names[k]))
                x->state = (run_state)k;
        if (x->state != RS_NOT_IN_MODE)
            st->run_dirs[i] = xasprintf("%s/%s", dir, csv_get(&t, i, "folder"));
        if (!strcmp(stn, "interrupted")) /* folders from before the partial state */
            x->state = file_exists(st->run_dirs[i], "results.csv") ? RS_PARTIAL : RS_NOT_STARTED;
        x->exit_code = atoi(csv_get(&t, i, "exit"));
        x->seconds = atof(csv_get(&t, i, "seconds"));
        x->rows = (size_t)atol(csv_get(&t, i, "rows"));
        x->rows_ok = (size_t)atol(csv_get(&t, i, "rows_ok"));
        x->trials = (unsigned)atol(csv_get(&t, i, "trials"));
        x->reruns = (unsigned)atol(csv_get(&t, i, "reruns"));
        if (x->state == RS_NOT_BUILT && reg_experiment(r->experiment))
            x->state = RS_PENDING; /* built since */
    }
    rc = 0;
out:
    if (j)
        json_decref(j);
    if (!crc)
        csv_free(&t);
    return rc;
}

int cmd_reproduce(int argc, char **argv, const char *cmdline)
{
    unsigned mode = PMLAB_SUITE_DEFAULT;
    const char *out = NULL, *suite_name = NULL, *resume = NULL, *db = NULL;
    bool quiet = false, plan = false, mode_given = false;
    const char *shard_list = NULL; /* --plan's shard counts */
    unsigned max_trials = 0;
    double budget = 0; /* --budget S: the default mode's wall-clock budget, 0 = the default */
    strvec extra = {0};
    int rc = 0;
    for (int i = 0; i < argc && !rc; i++) {
        const char *a = argv[i];
        const char *v = NULL;
#define OPTV(name)                                                                                 \
    ((!strcmp(a, name) && i + 1 < argc && (v = argv[++i])) ||                                      \
     (!strncmp(a, name "=", sizeof name) && (v = a + sizeof name)))
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(reproduce_usage, stdout);
            sv_free(&extra);
            return 0;
        } else if (!strcmp(a, "--quick")) {
            mode = PMLAB_SUITE_QUICK;
            mode_given = true;
        } else if (!strcmp(a, "--full")) {
            mode = PMLAB_SUITE_FULL;
            mode_given = true;
        } else if (!strcmp(a, "--default")) {
            mode = PMLAB_SUITE_DEFAULT;
            mode_given = true;
        } else if (!strcmp(a, "--quiet"))
            quiet = true;
        else if (!strcmp(a, "--plan"))
            plan = true;
        else if (OPTV("--shards")) {
            strvec sl = {0};
            uint64_t n = 0;
            bool ok = sv_split(&sl, v, ',') == 0 && sl.n > 0 && sl.n <= 64;
            for (size_t k = 0; ok && k < sl.n; k++)
                ok = parse_u64(sl.v[k], &n) && n >= 1 && n <= 100000;
            sv_free(&sl);
            if (!ok)
                rc = usage_error("bad --shards value '%s': expected shard counts 1..100000, "
                                 "e.g. 1,4,16",
                                 v);
            shard_list = v;
        } else if (OPTV("--out"))
            out = v;
        else if (OPTV("--suite"))
            suite_name = v;
        else if (OPTV("--resume"))
            resume = v;
        else if (OPTV("--db"))
            db = v;
        else if (OPTV("--claims")) {
            char *abs = realpath(v, NULL);
            if (!abs)
                rc = usage_error("--claims '%s': %s", v, strerror(errno));
            else
                sv_push(&extra, abs);
            free(abs);
        } else if (OPTV("--max-trials")) {
            uint64_t m;
            if (!parse_u64(v, &m) || m < 1 || m > 1000)
                rc = usage_error("--max-trials '%s': expected a whole number 1..1000", v);
            max_trials = (unsigned)m;
        } else if (OPTV("--budget")) {
            uint64_t b;
            if (!parse_u64(v, &b) || b < 1 || b > 86400)
                rc = usage_error("--budget '%s': expected whole seconds 1..86400", v);
            budget = (double)b;
        } else
            rc = usage_error("reproduce: unexpected argument '%s' (pmlab reproduce --help)", a);
#undef OPTV
    }
    if (!rc && shard_list && !plan)
        rc = usage_error("reproduce: --shards goes with --plan (the estimate per shard count; "
                         "pmlab submit runs shards)");
    if (!rc && budget > 0 && mode_given && mode != PMLAB_SUITE_DEFAULT)
        rc = usage_error("reproduce: --budget is the default mode's (--quick and --full do no "
                         "adaptive reruns)");
    if (!rc && resume &&
        (out || suite_name || extra.n || mode_given || plan || max_trials || budget > 0))
        rc = usage_error("reproduce --resume DIR takes only --quiet: the suite, mode, claims "
                         "files and budget are those recorded in DIR/suite.json");
    if (!rc && db && !plan)
        rc = db_check_path("--db", db);
    if (rc) {
        sv_free(&extra);
        return rc;
    }

    suite_state st;
    memset(&st, 0, sizeof st);
    st.outcome = "running";
    char err[768];
    if (resume) {
        if (load_suite_folder(resume, &st, err, sizeof err)) {
            st_free(&st);
            sv_free(&extra);
            return usage_error("reproduce --resume: %s", err);
        }
    } else {
        const pmlab_suite *suite = NULL;
        if (suite_name) {
            suite = find_suite(suite_name);
            if (!suite) {
                sv_free(&extra);
                return usage_error("unknown suite '%s' (pmlab list shows them)", suite_name);
            }
        } else {
            /* the first suite registered by experiments/ (the built-in one comes first) */
            for (size_t i = 0; i < g_reg.nsuites && !suite; i++)
                if (strcmp(g_reg.suites[i]->name, "selftest") != 0)
                    suite = g_reg.suites[i];
            if (!suite) {
                fprintf(stderr, "pmlab reproduce: no suite is registered by experiments/ yet; "
                                "using the built-in 'selftest' suite (harness check only, "
                                "no claims)\n");
                suite = g_reg.suites[0];
            }
        }
        if (plan) {
            sv_free(&extra);
            return print_plan(suite, mode, shard_list,
                              budget > 0 ? budget : PMLAB_DEFAULT_BUDGET_S);
        }
        st.suite = suite;
        st.mode = mode;
        st.max_trials = max_trials ? max_trials : PMLAB_SUITE_MAX_TRIALS;
        st.budget = mode != PMLAB_SUITE_DEFAULT ? 0 : budget > 0 ? budget : PMLAB_DEFAULT_BUDGET_S;
        st.claims_files = extra;
        memset(&extra, 0, sizeof extra);
        sv_push(&st.cmdlines, cmdline);
    }
    const pmlab_suite *suite = st.suite;

    /* the claims: loaded and checked against the suite's roles before any work */
    claims_set *cs = NULL;
    if ((suite->claims_file && *suite->claims_file) || st.claims_files.n) {
        cs = claims_open(suite, &st.claims_files, err, sizeof err);
        if (cs && claims_check_roles(cs, suite, err, sizeof err) != 0) {
            claims_free(cs);
            cs = NULL;
        }
        if (!cs) {
            st_free(&st);
            return usage_error("claims: %s", err);
        }
    }

    if (!resume) {
        char stamp[32];
        utc_stamp(stamp, sizeof stamp, true);
        st.dir = out ? xstrdup(out) : xasprintf("results/%s-reproduce", stamp);
        if (check_writable_dir(st.dir, err, sizeof err)) {
            rc = usage_error("unwritable output folder '%s': %s", st.dir, err);
            goto done;
        }
        if (suite_folder(st.dir)) {
            rc = usage_error("output folder '%s' already holds a suite run (suite.json); choose "
                             "another --out, or continue it with --resume %s",
                             st.dir, st.dir);
            goto done;
        }
        st.nruns = suite_nruns(suite);
        st.run_dirs = xcalloc(st.nruns + 1, sizeof *st.run_dirs);
        st.rr = xcalloc(st.nruns + 1, sizeof *st.rr);
        for (size_t i = 0; i < st.nruns; i++) {
            const pmlab_suite_run *r = &suite->runs[i];
            st.rr[i].state = RS_NOT_IN_MODE;
            if (!(r->modes & mode))
                continue;
            char *f = run_folder_name(suite, i);
            st.run_dirs[i] = xasprintf("%s/%s", st.dir, f);
            free(f);
            st.rr[i].state = reg_experiment(r->experiment) ? RS_PENDING : RS_NOT_BUILT;
        }
    } else {
        sv_push(&st.cmdlines, cmdline);
    }
    /* validate every run still to do before starting any */
    for (size_t i = 0; i < st.nruns && !rc; i++) {
        run_rec *r = &st.rr[i];
        if (r->state != RS_PENDING && r->state != RS_NOT_STARTED && r->state != RS_PARTIAL)
            continue;
        /* a run with rows (partial, or running when the suite was killed) is validated as it
         * will run: resumed, against its recorded sweep */
        bool part =
            file_exists(st.run_dirs[i], "results.csv") && file_exists(st.run_dirs[i], "meta.json");
        strvec a = {0};
        run_args(&suite->runs[i], 0, part ? st.run_dirs[i] : NULL, quiet, &a);
        rc = cmd_run_ex(suite->runs[i].experiment, (int)a.n, a.v, cmdline, st.run_dirs[i], true);
        sv_free(&a);
        if (rc)
            fprintf(stderr, "pmlab reproduce: suite '%s' run %zu (%s %s) is invalid\n", suite->name,
                    i + 1, suite->runs[i].experiment,
                    suite->runs[i].args ? suite->runs[i].args : "");
    }
    if (rc)
        goto done;
    plan_runs(&st);
    if (mkdir_p(st.dir) != 0) {
        rc = usage_error("cannot create '%s': %s", st.dir, strerror(errno));
        goto done;
    }
    if (!resume)
        utc_stamp(st.start, sizeof st.start, false);
    st.end[0] = 0;
    for (size_t i = 0; i < st.nruns; i++)
        if (st.rr[i].state == RS_NOT_BUILT)
            write_not_run(st.run_dirs[i], "not run: experiment not built (it is not registered "
                                          "in this pmlab; pmlab list shows the experiments)");

    double spent_before = 0;
    for (size_t i = 0; i < st.nruns; i++)
        spent_before += st.rr[i].seconds;
    {
        size_t nsel = selected_runs(&st), todo = 0;
        double est = 0;
        for (size_t i = 0; i < st.nruns; i++)
            if (st.rr[i].state == RS_PENDING || st.rr[i].state == RS_NOT_STARTED ||
                st.rr[i].state == RS_PARTIAL) {
                todo++;
                est += run_estimate(&st.rr[i]);
            }
        char e[32];
        fmt_dur(e, sizeof e, est);
        if (!quiet && !resume)
            fprintf(stderr, "pmlab reproduce: suite '%s' (%s mode): %zu runs, ~%s -> %s/\n",
                    suite->name, mode_name(st.mode), nsel, e, st.dir);
        else if (!quiet || resume)
            fprintf(stderr,
                    "pmlab reproduce: resuming suite '%s' (%s mode) in %s/: %zu run%s complete "
                    "kept, %zu partial to resume, %zu to run, ~%s\n",
                    suite->name, mode_name(st.mode), st.dir, count_state(&st, RS_RAN),
                    count_state(&st, RS_RAN) == 1 ? "" : "s", count_state(&st, RS_PARTIAL),
                    todo - count_state(&st, RS_PARTIAL), e);
    }
    st.outcome = "running";
    free(st.note);
    st.note = NULL;
    write_suite_files(&st);

    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_suite_signal;
    sigemptyset(&sa.sa_mask);
    g_suite_stop = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    uint64_t t0 = pmlab_now_ns();
    size_t failed = 0;
    bool interrupted = run_pending(&st, quiet, cmdline, &failed);
    if (!interrupted && cs && st.mode == PMLAB_SUITE_DEFAULT && st.budget > 0)
        interrupted = adaptive_reruns(&st, cs, quiet, cmdline,
                                      spent_before + (double)(pmlab_now_ns() - t0) / 1e9);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (!interrupted)
        st.outcome = "complete";
    utc_stamp(st.end, sizeof st.end, false);
    write_suite_files(&st);
    suite_report(st.dir);
    double took = (double)(pmlab_now_ns() - t0) / 1e9;
    if (interrupted)
        fprintf(stderr,
                "pmlab reproduce: %s (this session %.0fs); report of what ran in "
                "%s/report.md\n",
                st.note, took, st.dir);
    else
        fprintf(stderr,
                "pmlab reproduce: %zu runs in %.0fs%s; report in %s/report.md (and "
                "report.html)\n",
                selected_runs(&st), took,
                failed ? " (some runs had failed rows: see the report)" : "", st.dir);
    rc = interrupted ? 130 : failed ? 1 : 0;
    if (db && !interrupted) {
        const char *dirs[] = {st.dir};
        int irc = db_import(db, dirs, 1, quiet);
        rc = rc ? rc : irc;
    }
done:
    if (cs)
        claims_free(cs);
    st_free(&st);
    sv_free(&extra);
    return rc;
}

/* ---- the suite report ----------------------------------------------------------------------- */
static void md_cell(FILE *md, const char *s)
{
    for (; s && *s; s++)
        fputc(*s == '|' ? '/' : *s == '\n' ? ' ' : *s, md);
}

/* a top-level number of a JSON text, or -1 when absent or not a number */
static double meta_num(const char *meta, const char *key)
{
    json_error_t je;
    json_t *j = meta ? json_loads(meta, 0, &je) : NULL;
    json_t *v = j ? json_object_get(j, key) : NULL;
    double x = json_is_number(v) ? json_number_value(v) : -1;
    if (j)
        json_decref(j);
    return x;
}

static void env_section(FILE *md, const char *meta, const char *smeta)
{
    fprintf(md, "## Environment\n\n| key | value |\n|---|---|\n");
    static const char *const keys[] = {"cpu_model",       "kernel",      "libc",
                                       "compiler",        "build_type",  "cflags",
                                       "git_sha",         "hw_counters", "library_versions_build",
                                       "packages_runtime"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char *v = json_get_str(meta, keys[i]);
        if (v) {
            fprintf(md, "| %s | ", keys[i]);
            md_cell(md, v);
            fprintf(md, " |\n");
        }
        free(v);
    }
    double on = meta_num(meta, "online_cpus"), ph = meta_num(meta, "physical_cpus");
    if (on <= 0)
        on = meta_num(smeta, "online_cpus");
    unsigned onl = on > 0 ? (unsigned)on : 0;
    /* physical cores: shown only when a run's meta.json records a plausible count (older
     * folders recorded 0 when /proc/cpuinfo had no "core id") */
    fprintf(md, "| online CPUs | %s%u |\n", onl ? "" : "unknown ", onl);
    if (ph > 0)
        fprintf(md, "| physical cores | %.0f |\n", ph);
    else
        fprintf(md, "| physical cores | not recorded |\n");
    char *topo = meta_topology_text(meta);
    if (topo) {
        fprintf(md, "| topology | ");
        md_cell(md, topo);
        fprintf(md, " |\n");
    }
    free(topo);
    fprintf(md, "| git_dirty | %s |\n",
            meta && strstr(meta, "\"git_dirty\": true") ? "yes (uncommitted changes)" : "no");
    char *s = json_get_str(smeta, "start_utc"), *e = json_get_str(smeta, "end_utc");
    fprintf(md, "| suite start / end (UTC) | %s / %s |\n", s ? s : "?", e && *e ? e : "?");
    free(s);
    free(e);
    sbuf th = {0};
    sb_add(&th, "");
    for (unsigned p = 1; onl && p <= 2 * onl; p *= 2)
        sb_printf(&th, "%s%u", th.len ? "," : "", p);
    fprintf(md,
            "\nThread lists: `--threads auto` = powers of two up to 2 x the online CPUs (here "
            "%s); `online` = %u. Configurations with threads > %u online CPUs are "
            "**oversubscribed**: marked `*` in tables and shaded in plots; their figures "
            "measure the scheduler too.\n\n",
            th.s, onl, onl);
    sb_free(&th);
}

static void alerts_section(FILE *md, const char *dir, const csv_table *runs)
{
    char *ap = xasprintf("%s/alerts.json", dir);
    FILE *aj = fopen(ap, "w");
    free(ap);
    if (aj)
        fprintf(aj, "[");
    size_t nfired = 0, nevaluated = 0, nj = 0;
    sbuf fired = {0}, failed = {0};
    sb_add(&fired, "");
    sb_add(&failed, "");
    for (size_t r = 0; r < runs->nrows; r++) {
        const char *stn = csv_get(runs, r, "state");
        if (strcmp(stn, "ran") != 0 && strcmp(stn, "partial") != 0)
            continue;
        const char *folder = csv_get(runs, r, "folder");
        char *rp = xasprintf("%s/%s/results.csv", dir, folder);
        char *mp = xasprintf("%s/%s/meta.json", dir, folder);
        csv_table t;
        if (csv_read(rp, &t) == 0) {
            char *meta = slurp(mp, NULL);
            char *thr = json_get_str(meta, "alert_thresholds");
            strvec ov = {0};
            if (thr && *thr)
                sv_split(&ov, thr, ';');
            alert_rule *rules;
            size_t nrules;
            char e2[256];
            if (alerts_load(&rules, &nrules, &ov, NULL, e2, sizeof e2))
                alerts_load(&rules, &nrules, NULL, NULL, e2, sizeof e2);
            alert_eval *ev = xcalloc(nrules + 1, sizeof *ev);
            alerts_eval(&t, rules, nrules, ev);
            for (size_t i = 0; i < nrules; i++) {
                if (aj) {
                    fprintf(aj, "%s\n  {\"run\": ", nj++ ? "," : "");
                    json_str(aj, folder);
                    fprintf(aj, ", \"id\": \"%s\", \"name\": ", rules[i].id);
                    json_str(aj, rules[i].name);
                    fprintf(aj, ", \"metric\": ");
                    json_str(aj, rules[i].metric);
                    if (ev[i].have)
                        fprintf(aj, ", \"value\": %.17g", ev[i].value);
                    else
                        fprintf(aj, ", \"value\": null");
                    fprintf(aj,
                            ", \"threshold\": %.17g, \"evaluated\": %s, \"fired\": %s, "
                            "\"decided_by\": ",
                            rules[i].threshold, ev[i].have ? "true" : "false",
                            ev[i].fired ? "true" : "false");
                    json_str(aj, ev[i].have ? ev[i].decided_by : "no row reported this metric");
                    fprintf(aj, ", \"remedy\": ");
                    json_str(aj, rules[i].remedy);
                    fprintf(aj, "}");
                }
                nevaluated += ev[i].have;
                if (ev[i].fired) {
                    nfired++;
                    sb_printf(&fired, "| %s | %s: %s | %.4g %s | %.4g | %s | %s |\n", folder,
                              rules[i].id, rules[i].name, ev[i].value, rules[i].unit,
                              rules[i].threshold, ev[i].decided_by, rules[i].remedy);
                }
            }
            for (size_t row = 0; row < t.nrows; row++) {
                const char *st = csv_get(&t, row, "status");
                if (!status_failed(st))
                    continue; /* ok, or not comparable (the run's own report lists those) */
                char *lp = xasprintf("%s/%s/logs/%s-t%s.log", dir, folder,
                                     csv_get(&t, row, "config_id"), csv_get(&t, row, "trial"));
                struct stat lst;
                const char *b = csv_get(&t, row, "backend");
                sb_printf(&failed, "- %s: %s%s%s alloc=%s threads=%s params=`%s` trial %s: `",
                          folder, csv_get(&t, row, "experiment"), strcmp(b, "-") ? " " : "",
                          strcmp(b, "-") ? b : "", csv_get(&t, row, "alloc"),
                          csv_get(&t, row, "threads"), csv_get(&t, row, "params"),
                          csv_get(&t, row, "trial"));
                for (const char *c = st; *c; c++)
                    sb_printf(&failed, "%c", *c == '`' ? '\'' : *c);
                sb_printf(&failed, "`");
                if (stat(lp, &lst) == 0)
                    sb_printf(&failed, " (stderr: %s/logs/%s-t%s.log)", folder,
                              csv_get(&t, row, "config_id"), csv_get(&t, row, "trial"));
                sb_printf(&failed, "\n");
                free(lp);
            }
            free(ev);
            free(rules);
            sv_free(&ov);
            free(thr);
            free(meta);
            csv_free(&t);
        }
        free(rp);
        free(mp);
    }
    if (aj) {
        fprintf(aj, "\n]\n");
        fclose(aj);
    }
    fprintf(md,
            "## Alerts\n\n%zu alert evaluations had data over the runs (alerts.json holds "
            "every rule of every run, fired or not); %zu fired.\n\n",
            nevaluated, nfired);
    if (nfired)
        fprintf(md,
                "| run | alert | value | threshold | decided by | remedy |\n"
                "|---|---|---|---|---|---|\n%s\n",
                fired.s);
    if (failed.len)
        fprintf(md, "## Failed rows\n\n%s\n", failed.s);
    sb_free(&fired);
    sb_free(&failed);
}

static void runs_table(FILE *md, const csv_table *runs, const char *dir)
{
    fprintf(md, "## Runs\n\nEach run is a normal run folder (results.csv, meta.json, "
                "alerts.json, report.md, plots/, logs/ with the stderr of failed or noisy "
                "children). Trials: per configuration, after adaptive reruns.\n\n"
                "| # | experiment | options | role | state | rows ok | trials | seconds | folder "
                "|\n|---|---|---|---|---|---|---|---|---|\n");
    for (size_t r = 0; r < runs->nrows; r++) {
        const char *st = csv_get(runs, r, "state");
        if (!strcmp(st, "not-in-mode"))
            continue;
        const char *ex = csv_get(runs, r, "exit");
        const char *folder = csv_get(runs, r, "folder");
        char *rd = xasprintf("%s/%s", dir, folder);
        /* old folders: "interrupted" meant either; the data decides */
        if (!strcmp(st, "interrupted"))
            st = file_exists(rd, "results.csv") ? "partial" : "not-started";
        bool data = !strcmp(st, "ran") || !strcmp(st, "partial");
        fprintf(md, "| %s | %s | `", csv_get(runs, r, "index"), csv_get(runs, r, "experiment"));
        md_cell(md, csv_get(runs, r, "args"));
        fprintf(md, "` | %s | ", *csv_get(runs, r, "role") ? csv_get(runs, r, "role") : "-");
        if (!strcmp(st, "ran"))
            fprintf(md, "%s",
                    !strcmp(ex, "0")   ? "ok"
                    : !strcmp(ex, "1") ? "ran, some rows failed"
                                       : "failed");
        else if (!strcmp(st, "partial"))
            fprintf(md, "partial: stopped during the run (its finished rows are used)");
        else if (!strcmp(st, "not-started"))
            fprintf(md, "not run: interrupted before it started");
        else if (!strcmp(st, "pending"))
            fprintf(md, "not run: the suite stopped before it");
        else if (!strcmp(st, "not-built"))
            fprintf(md, "not run: experiment not built");
        else
            fprintf(md, "not run: %s", st);
        fprintf(md, " | %s/%s | %s | %s | ", data ? csv_get(runs, r, "rows_ok") : "-",
                data ? csv_get(runs, r, "rows") : "-",
                data && *csv_get(runs, r, "trials") ? csv_get(runs, r, "trials") : "-",
                data ? csv_get(runs, r, "seconds") : "-");
        if (data)
            fprintf(md, "[%s](%s/report.md) |\n", folder, folder);
        else
            fprintf(md, "%s |\n", folder);
        free(rd);
    }
    fprintf(md, "\n");
}

static void reruns_section(FILE *md, json_t *sj)
{
    json_t *rr = json_object_get(sj, "reruns");
    if (!json_array_size(rr))
        return;
    json_t *mt = json_object_get(sj, "max_trials"), *bs = json_object_get(sj, "budget_seconds");
    fprintf(md,
            "## Adaptive reruns\n\nRuns whose claims were inconclusive for a reason more trials "
            "can fix (a straddling interval, too few clean trials, contended trials) were re-run "
            "with more trials in the same folder (`pmlab run --resume`), up to --max-trials %lld "
            "and within the %.0fs budget of the mode.\n\n",
            (long long)json_integer_value(mt), json_number_value(bs));
    for (size_t i = 0; i < json_array_size(rr); i++) {
        json_t *x = json_array_get(rr, i);
        const char *outcome = jstr(json_object_get(x, "outcome"));
        const char *role = jstr(json_object_get(x, "role"));
        const char *folder = jstr(json_object_get(x, "folder"));
        long long from = json_integer_value(json_object_get(x, "from_trials")),
                  to = json_integer_value(json_object_get(x, "to_trials"));
        fprintf(md, "- ");
        if (!strncmp(outcome, "skipped", 7))
            fprintf(md, "did not re-run %s (%s) at %lld trials, %s", role, folder, from,
                    outcome + 9);
        else {
            long long nc = json_integer_value(json_object_get(x, "configurations")),
                      of = json_integer_value(json_object_get(x, "of"));
            char part[64] = "";
            if (nc > 0)
                snprintf(part, sizeof part, " for %lld of its %lld configurations", nc, of);
            fprintf(md, "re-ran %s (%s) with %lld more trial%s (%lld -> %lld)%s in %.0fs%s%s", role,
                    folder, to - from, to - from == 1 ? "" : "s", from, to, part,
                    json_number_value(json_object_get(x, "seconds")),
                    strcmp(outcome, "ran") ? ": " : "", strcmp(outcome, "ran") ? outcome : "");
        }
        fprintf(md, ": ");
        md_cell(md, json_string_value(json_object_get(x, "why")));
        fprintf(md, "\n");
    }
    fprintf(md, "\n");
}

int suite_report(const char *dir)
{
    char *sp = xasprintf("%s/suite.json", dir), *cp = xasprintf("%s/suite.csv", dir);
    char *smeta = slurp(sp, NULL);
    json_error_t je;
    json_t *sj = json_load_file(sp, 0, &je);
    csv_table runs;
    memset(&runs, 0, sizeof runs);
    int crc = csv_read(cp, &runs);
    free(sp);
    free(cp);
    if (!smeta || !sj || crc != 0) {
        free(smeta);
        if (sj)
            json_decref(sj);
        if (!crc)
            csv_free(&runs);
        return usage_error("'%s' is not a suite folder (suite.json, suite.csv)", dir);
    }
    const char *sname = json_string_value(json_object_get(sj, "suite"));
    const char *mode = json_string_value(json_object_get(sj, "mode"));
    const char *cmdline = json_string_value(json_object_get(sj, "command_line"));
    const char *outcome = json_string_value(json_object_get(sj, "state"));
    const char *note = json_string_value(json_object_get(sj, "interrupted"));
    const pmlab_suite *suite = find_suite(sname);
    size_t nreg = suite_nruns(suite);
    /* run_dirs[i]: the folder of suite run i when it is part of this mode (its data, if any,
     * is used; a folder without results.csv holds not-run.txt) */
    suite_state st;
    memset(&st, 0, sizeof st);
    st.suite = suite;
    st.nruns = nreg;
    st.run_dirs = xcalloc(nreg + 1, sizeof *st.run_dirs);
    char *first_meta = NULL, *phys_meta = NULL;
    for (size_t r = 0; r < runs.nrows; r++) {
        size_t idx = (size_t)atol(csv_get(&runs, r, "index"));
        const char *stn = csv_get(&runs, r, "state");
        char *rd = xasprintf("%s/%s", dir, csv_get(&runs, r, "folder"));
        if (strcmp(stn, "not-in-mode") != 0 && file_exists(rd, "results.csv")) {
            /* re-render the run folder from its data */
            report_render(rd, false, NULL);
            char *mp = xasprintf("%s/meta.json", rd);
            char *m = slurp(mp, NULL);
            free(mp);
            if (m && !first_meta)
                first_meta = xstrdup(m);
            if (m && !phys_meta && meta_num(m, "physical_cpus") > 0)
                phys_meta = xstrdup(m);
            free(m);
        }
        if (suite && idx >= 1 && idx <= nreg && strcmp(stn, "not-in-mode") != 0 &&
            !strcmp(suite->runs[idx - 1].experiment, csv_get(&runs, r, "experiment")))
            st.run_dirs[idx - 1] = xstrdup(rd);
        free(rd);
    }
    /* the claims: the suite's catalogue plus the --claims files recorded in suite.json */
    claims_out co;
    memset(&co, 0, sizeof co);
    char err[768] = "";
    bool have_claims = false;
    if (suite) {
        json_t *cf = json_object_get(sj, "claims_files");
        for (size_t i = 0; i < json_array_size(cf); i++)
            sv_push(&st.claims_files, jstr(json_array_get(cf, i)));
        if ((suite->claims_file && *suite->claims_file) || st.claims_files.n) {
            have_claims = true;
            claims_set *cs = claims_open(suite, &st.claims_files, err, sizeof err);
            if (cs) {
                claims_eval(cs, &st, &co);
                claims_free(cs);
            }
        }
    }
    if (co.have) { /* the claims table, machine-readable (pmlab db import reads it) */
        char *vp = xasprintf("%s/verdicts.csv", dir);
        FILE *vf = fopen(vp, "w");
        if (vf) {
            fputs(co.csv ? co.csv : "", vf);
            fclose(vf);
        } else
            fprintf(stderr, "pmlab: cannot write %s: %s\n", vp, strerror(errno));
        free(vp);
    }
    char *mdp = xasprintf("%s/report.md", dir);
    FILE *md = fopen(mdp, "w");
    free(mdp);
    if (!md) {
        fprintf(stderr, "pmlab: cannot write %s/report.md: %s\n", dir, strerror(errno));
    } else {
        fprintf(md, "# pmlab reproduce: suite `%s`, %s mode\n\n", sname ? sname : "?",
                mode ? mode : "?");
        if (co.have)
            fprintf(md,
                    "**Verdicts: %zu hold, %zu do not hold, %zu inconclusive, %zu not testable "
                    "here, %zu not run.**\n\n",
                    co.tally.holds, co.tally.nots, co.tally.inconclusive, co.tally.untestable,
                    co.tally.notrun);
        if (outcome && !strcmp(outcome, "interrupted"))
            fprintf(md, "**This suite was %s.** The figures below use only what ran.\n\n",
                    note && *note ? note : "interrupted");
        else if (outcome && !strcmp(outcome, "running"))
            fprintf(md, "**This suite had not finished** (it is running, or it was killed): the "
                        "figures below use only what ran; `pmlab reproduce --resume DIR` "
                        "continues it.\n\n");
        if (suite && suite->description)
            fprintf(md, "%s\n\n", suite->description);
        env_section(md, phys_meta ? phys_meta : first_meta, smeta);
        runs_table(md, &runs, dir);
        reruns_section(md, sj);
        if (co.have)
            fputs(co.text ? co.text : "", md);
        else if (have_claims)
            fprintf(md, "## Claims\n\nThe claims could not be loaded: %s\n\n", err);
        if (suite && suite->report)
            suite->report(dir, (const char *const *)st.run_dirs, md);
        else if (!suite)
            fprintf(md, "Suite '%s' is not registered in this pmlab: no claims table.\n\n",
                    sname ? sname : "?");
        else if (!have_claims)
            fprintf(md, "No claims table: suite '%s' names no claims file.\n\n", suite->name);
        alerts_section(md, dir, &runs);
        fprintf(md, "## How to reproduce\n\nThis report was produced by:\n\n```sh\n%s\n```\n\n",
                cmdline ? cmdline : "?");
        json_t *rb = json_object_get(sj, "resumed_by");
        if (json_array_size(rb)) {
            fprintf(md, "and continued by:\n\n```sh\n");
            for (size_t i = 0; i < json_array_size(rb); i++)
                fprintf(md, "%s\n", jstr(json_array_get(rb, i)));
            fprintf(md, "```\n\n");
        }
        fprintf(md, "From a checkout (Debian 12, 2 cores or more):\n\n```sh\n"
                    "make reproduce                                  # deps, release build, "
                    "default mode\n"
                    "build/release/bin/pmlab reproduce --plan        # the runs and their "
                    "estimated time\n"
                    "build/release/bin/pmlab reproduce --out DIR     # default (<= 10 min on 2 "
                    "cores)\n"
                    "build/release/bin/pmlab reproduce --quick --out DIR   # smoke (<= 2 min)\n"
                    "build/release/bin/pmlab reproduce --full --out DIR    # whole grid, for "
                    "big machines\n"
                    "build/release/bin/pmlab reproduce --resume DIR  # continue an interrupted "
                    "suite\n"
                    "build/release/bin/pmlab report DIR              # re-render this report "
                    "from DIR's data\n"
                    "build/release/bin/pmlab compare DIR_A DIR_B --fail-above 10   # what "
                    "changed\n```\n\n"
                    "docs/report.md explains how to read this report and every verdict rule.\n");
        fclose(md);
    }
    html_render(dir);
    claims_out_free(&co);
    st_free(&st);
    free(first_meta);
    free(phys_meta);
    free(smeta);
    json_decref(sj);
    csv_free(&runs);
    return 0;
}
