/* `pmlab submit` and `pmlab status`: a sharded `pmlab run` as a Slurm job array.
 *
 * submit writes into DIR two sbatch scripts and submits them with Slurm's own tools:
 *   shard.sbatch  a job array, one task per shard; task K runs
 *                 `pmlab run EXPERIMENT ... --shard K/N --out DIR/shard-K` (or --resume, when the
 *                 folder already holds rows), records the CPUs Slurm gave it in
 *                 DIR/shard-K/slurm-cpus.txt and its exit status in DIR/shard-K/shard.exit;
 *   merge.sbatch  submitted with --dependency=afterok:ARRAY (and --kill-on-invalid-dep, so a
 *                 failed shard cancels it): `pmlab merge DIR/merged DIR/shard-1 ...`, then
 *                 `pmlab report DIR/merged`; its exit status goes to DIR/merge.exit.
 * DIR/submit.json records the experiment, the run options and the job ids. status reads the
 * shards' markers first, then asks squeue (every state Slurm still remembers), then sacct (which
 * needs an accounting database). `submit --resubmit DIR K` submits task K again, alone, and a new
 * merge job depending on it. No scheduling of our own: Slurm runs, orders and cancels the jobs.
 * docs/cluster.md is the recipe. */
#define _GNU_SOURCE
#include "submit.h"
#include "sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* exit status of `pmlab status` while shards or the merge are pending or running */
#define PMLAB_EXIT_IN_PROGRESS 3

char *shell_quote(const char *s)
{
    sbuf b = {0};
    sb_add(&b, "'");
    for (const char *c = s; *c; c++) {
        if (*c == '\'')
            sb_add(&b, "'\\''");
        else
            sb_printf(&b, "%c", *c);
    }
    sb_add(&b, "'");
    return b.s;
}

/* Runs argv (PATH lookup, no shell); its stdout into *out (malloc'ed, may be NULL on failure),
 * its stderr to ours unless quiet. Returns the exit status, or -1 when it could not run. */
static int run_capture(char *const argv[], char **out, bool quiet)
{
    *out = NULL;
    int pfd[2];
    if (pipe(pfd) != 0)
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addclose(&fa, pfd[0]);
    posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
    posix_spawn_file_actions_addclose(&fa, pfd[1]);
    if (quiet)
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pfd[1]);
    if (err) {
        close(pfd[0]);
        return -1;
    }
    sbuf b = {0};
    sb_add(&b, "");
    char buf[4096];
    ssize_t n;
    while ((n = read(pfd[0], buf, sizeof buf - 1)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0) {
            buf[n] = 0;
            sb_add(&b, buf);
        }
    close(pfd[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) {
            sb_free(&b);
            return -1;
        }
    *out = b.s;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static bool in_path(const char *prog)
{
    const char *path = getenv("PATH");
    if (!path)
        return false;
    char *copy = xstrdup(path);
    bool found = false;
    for (char *save = NULL, *d = strtok_r(copy, ":", &save); d && !found;
         d = strtok_r(NULL, ":", &save)) {
        char *p = xasprintf("%s/%s", *d ? d : ".", prog);
        found = access(p, X_OK) == 0;
        free(p);
    }
    free(copy);
    return found;
}

/* ---- the submission, as recorded in DIR/submit.json ----------------------------------------- */
typedef struct {
    char *experiment, *dir, *pmlab, *partition, *time;
    unsigned shards;
    bool exclusive;
    strvec run_args;   /* after `pmlab run EXPERIMENT`, without --out/--shard/--resume */
    strvec shard_jobs; /* per shard, the latest Slurm job as ARRAYJOB_TASK ("" before submitting) */
    strvec merge_jobs; /* every merge job submitted, the latest last */
    char *submitted_utc;
} submission;

static void sub_free(submission *s)
{
    free(s->experiment);
    free(s->dir);
    free(s->pmlab);
    free(s->partition);
    free(s->time);
    free(s->submitted_utc);
    sv_free(&s->run_args);
    sv_free(&s->shard_jobs);
    sv_free(&s->merge_jobs);
}

static json_t *sv_json(const strvec *v)
{
    json_t *a = json_array();
    for (size_t i = 0; i < v->n; i++)
        json_array_append_new(a, json_string(v->v[i]));
    return a;
}

static int sub_save(const submission *s)
{
    json_t *j = json_object();
    json_object_set_new(j, "experiment", json_string(s->experiment));
    json_object_set_new(j, "shards", json_integer(s->shards));
    json_object_set_new(j, "run_args", sv_json(&s->run_args));
    json_object_set_new(j, "dir", json_string(s->dir));
    json_object_set_new(j, "pmlab", json_string(s->pmlab));
    json_object_set_new(j, "partition", json_string(s->partition ? s->partition : ""));
    json_object_set_new(j, "time", json_string(s->time ? s->time : ""));
    json_object_set_new(j, "exclusive", json_boolean(s->exclusive));
    json_object_set_new(j, "submitted_utc", json_string(s->submitted_utc));
    json_object_set_new(j, "shard_jobs", sv_json(&s->shard_jobs));
    json_object_set_new(j, "merge_jobs", sv_json(&s->merge_jobs));
    char *p = xasprintf("%s/submit.json", s->dir), *tmp = xasprintf("%s/.submit.json.tmp", s->dir);
    int rc = json_dump_file(j, tmp, JSON_INDENT(2)) == 0 && rename(tmp, p) == 0 ? 0 : -1;
    json_decref(j);
    free(p);
    free(tmp);
    return rc;
}

static char *jdup(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return xstrdup(s ? s : "");
}

static void json_sv(json_t *a, strvec *out)
{
    for (size_t i = 0; i < json_array_size(a); i++) {
        const char *s = json_string_value(json_array_get(a, i));
        sv_push(out, s ? s : "");
    }
}

static int sub_load(const char *dir, submission *s)
{
    memset(s, 0, sizeof *s);
    char *p = xasprintf("%s/submit.json", dir);
    json_error_t je;
    json_t *j = json_load_file(p, 0, &je);
    free(p);
    if (!j)
        return -1;
    s->experiment = jdup(j, "experiment");
    s->dir = jdup(j, "dir");
    s->pmlab = jdup(j, "pmlab");
    s->partition = jdup(j, "partition");
    s->time = jdup(j, "time");
    s->submitted_utc = jdup(j, "submitted_utc");
    s->shards = (unsigned)json_integer_value(json_object_get(j, "shards"));
    s->exclusive = json_is_true(json_object_get(j, "exclusive"));
    json_sv(json_object_get(j, "run_args"), &s->run_args);
    json_sv(json_object_get(j, "shard_jobs"), &s->shard_jobs);
    json_sv(json_object_get(j, "merge_jobs"), &s->merge_jobs);
    json_decref(j);
    if (!s->shards || s->shard_jobs.n != s->shards || !*s->dir) {
        sub_free(s);
        return -1;
    }
    return 0;
}

/* ---- the scripts ---------------------------------------------------------------------------- */
static void sbatch_header(sbuf *b, const submission *s, const char *name)
{
    sb_printf(b, "#SBATCH --job-name=pmlab-%s\n#SBATCH --nodes=1\n", name);
    if (s->partition && *s->partition)
        sb_printf(b, "#SBATCH --partition=%s\n", s->partition);
    if (s->time && *s->time)
        sb_printf(b, "#SBATCH --time=%s\n", s->time);
}

static char *shard_script(const submission *s)
{
    sbuf b = {0};
    char *qdir = shell_quote(s->dir), *qbin = shell_quote(s->pmlab);
    char *qexp = shell_quote(s->experiment);
    sb_printf(&b,
              "#!/bin/sh\n"
              "# written by pmlab submit: task K of this job array runs shard K of %u of\n"
              "# `pmlab run %s` into DIR/shard-K (docs/cluster.md). Resubmit one task with\n"
              "# `pmlab submit --resubmit DIR K`.\n",
              s->shards, s->experiment);
    sbatch_header(&b, s, s->experiment);
    sb_printf(&b, "#SBATCH --array=1-%u\n", s->shards);
    if (s->exclusive)
        sb_add(&b, "#SBATCH --exclusive\n");
    sb_add(&b, "#SBATCH --output=logs/shard-%a.out\n");
    sb_printf(&b,
              "set -u\n"
              "dir=%s\n"
              "k=${SLURM_ARRAY_TASK_ID:?not started as a task of a Slurm job array}\n"
              "out=\"$dir/shard-$k\"\n"
              "mkdir -p \"$out\" || exit 1\n"
              "rm -f \"$out/shard.exit\"\n"
              "# the CPUs this task was given\n"
              "{\n"
              "    echo \"job_id=${SLURM_JOB_ID:-}\"\n"
              "    echo \"array_job_id=${SLURM_ARRAY_JOB_ID:-}\"\n"
              "    echo \"array_task_id=$k\"\n"
              "    echo \"host=$(hostname)\"\n"
              "    echo \"job_nodelist=${SLURM_JOB_NODELIST:-}\"\n"
              "    echo \"job_cpus_per_node=${SLURM_JOB_CPUS_PER_NODE:-}\"\n"
              "    echo \"cpus_on_node=${SLURM_CPUS_ON_NODE:-}\"\n"
              "    echo \"affinity=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "
              "/proc/self/status)\"\n"
              "    echo \"nproc=$(nproc)\"\n"
              "    echo \"start_utc=$(date -u +%%Y-%%m-%%dT%%H:%%M:%%SZ)\"\n"
              "} >\"$out/slurm-cpus.txt\"\n"
              "# a folder with rows from an earlier attempt is resumed, not overwritten\n"
              "if [ -f \"$out/results.csv\" ]; then set -- --resume \"$out\"; "
              "else set -- --out \"$out\"; fi\n"
              "%s run %s",
              qdir, qbin, qexp);
    for (size_t i = 0; i < s->run_args.n; i++) {
        char *q = shell_quote(s->run_args.v[i]);
        sb_printf(&b, " %s", q);
        free(q);
    }
    sb_printf(&b,
              " --shard \"$k/%u\" \"$@\"\n"
              "rc=$?\n"
              "echo \"$rc\" >\"$out/shard.exit\"\n"
              "# 1: the shard ran and some rows failed (recorded as failed rows); merge anyway\n"
              "[ \"$rc\" -le 1 ] && exit 0\n"
              "exit \"$rc\"\n",
              s->shards);
    free(qdir);
    free(qbin);
    free(qexp);
    return b.s;
}

static char *merge_script(const submission *s)
{
    sbuf b = {0};
    char *qdir = shell_quote(s->dir), *qbin = shell_quote(s->pmlab);
    char *name = xasprintf("%s-merge", s->experiment);
    sb_printf(&b,
              "#!/bin/sh\n"
              "# written by pmlab submit: merges the %u shards of DIR into DIR/merged and renders\n"
              "# its report; submitted with --dependency=afterok on the shards' job(s).\n",
              s->shards);
    sbatch_header(&b, s, name);
    sb_add(&b, "#SBATCH --kill-on-invalid-dep=yes\n#SBATCH --output=logs/merge-%j.out\n");
    sb_printf(&b,
              "set -u\n"
              "dir=%s\n"
              "rm -f \"$dir/merge.exit\"\n"
              "rm -rf \"$dir/merged\"\n"
              "set --\n"
              "k=1\n"
              "while [ \"$k\" -le %u ]; do\n"
              "    set -- \"$@\" \"$dir/shard-$k\"\n"
              "    k=$((k + 1))\n"
              "done\n"
              "%s merge \"$dir/merged\" \"$@\" && %s report \"$dir/merged\" >/dev/null\n"
              "rc=$?\n"
              "echo \"$rc\" >\"$dir/merge.exit\"\n"
              "exit \"$rc\"\n",
              qdir, s->shards, qbin, qbin);
    free(qdir);
    free(qbin);
    free(name);
    return b.s;
}

/* sbatch's argv for a script of DIR; dependency and array may be NULL */
static void sbatch_argv(const submission *s, const char *script, const char *array,
                        const char *dependency, strvec *av)
{
    sv_push(av, "sbatch");
    sv_push(av, "--parsable");
    char *a = xasprintf("--chdir=%s", s->dir);
    sv_push(av, a);
    free(a);
    if (array) {
        a = xasprintf("--array=%s", array);
        sv_push(av, a);
        free(a);
    }
    if (dependency) {
        a = xasprintf("--dependency=%s", dependency);
        sv_push(av, a);
        free(a);
    }
    a = xasprintf("%s/%s", s->dir, script);
    sv_push(av, a);
    free(a);
}

static void print_argv(FILE *f, const strvec *av)
{
    for (size_t i = 0; i < av->n; i++) {
        char *q = shell_quote(av->v[i]);
        fprintf(f, "%s%s", i ? " " : "", q);
        free(q);
    }
    fputc('\n', f);
}

/* Submits; the job id (before any ';cluster') into *id. Returns 0, or -1 after a message. */
static int sbatch(const strvec *av, char **id)
{
    char **v = xcalloc(av->n + 1, sizeof *v);
    for (size_t i = 0; i < av->n; i++)
        v[i] = av->v[i];
    char *out;
    int rc = run_capture(v, &out, false);
    free(v);
    *id = NULL;
    if (rc == 0 && out) {
        out[strcspn(out, ";\r\n")] = 0;
        uint64_t n;
        if (parse_u64(out, &n))
            *id = xstrdup(out);
    }
    free(out);
    if (!*id) {
        fprintf(stderr, "pmlab: submit: sbatch %s failed (exit %d)\n", av->v[av->n - 1], rc);
        return -1;
    }
    return 0;
}

static int write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
    char *p = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    int rc = -1;
    if (f) {
        rc = fputs(text, f) < 0 ? -1 : 0;
        rc |= fclose(f);
        chmod(p, mode);
    }
    if (rc)
        fprintf(stderr, "pmlab: cannot write %s: %s\n", p, strerror(errno));
    free(p);
    return rc;
}

/* ---- option checks -------------------------------------------------------------------------- */
static bool all_of(const char *s, const char *set)
{
    return *s && strspn(s, set) == strlen(s);
}

/* Slurm's --time forms: MIN, MIN:SEC, H:M:S, D-H, D-H:M, D-H:M:S, or UNLIMITED/INFINITE */
static bool slurm_time_ok(const char *t)
{
    if (!strcasecmp(t, "unlimited") || !strcasecmp(t, "infinite"))
        return true;
    const char *p = t, *dash = strchr(t, '-');
    if (dash) {
        if (dash == t || strspn(t, "0123456789") != (size_t)(dash - t))
            return false;
        p = dash + 1;
    }
    int fields = 0;
    for (;;) {
        size_t n = strspn(p, "0123456789");
        if (!n)
            return false;
        fields++;
        p += n;
        if (!*p)
            break;
        if (*p != ':')
            return false;
        p++;
    }
    return fields <= 3;
}

static bool is_opt(const char *a, const char *name)
{
    size_t n = strlen(name);
    return !strncmp(a, name, n) && (a[n] == 0 || a[n] == '=');
}

static char *absolute(const char *p)
{
    char *r;
    if (p[0] == '/') {
        r = xstrdup(p);
    } else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd))
            return NULL;
        r = xasprintf("%s/%s", cwd, p);
    }
    size_t n = strlen(r);
    while (n > 1 && r[n - 1] == '/')
        r[--n] = 0;
    return r;
}

static int resubmit(const char *dir, const char *kstr, bool dry);

int cmd_submit(int argc, char **argv)
{
    if (argc >= 1 && !strcmp(argv[0], "--resubmit")) {
        bool dry = false;
        strvec pos = {0};
        int rc = 0;
        for (int i = 1; i < argc && !rc; i++) {
            if (!strcmp(argv[i], "--dry-run"))
                dry = true;
            else if (argv[i][0] == '-' && argv[i][1] == '-')
                rc = usage_error("submit --resubmit: unknown option '%s'", argv[i]);
            else
                sv_push(&pos, argv[i]);
        }
        if (!rc && pos.n != 2)
            rc = usage_error("submit --resubmit: expected DIR K (%s)", "pmlab submit --help");
        if (!rc)
            rc = resubmit(pos.v[0], pos.v[1], dry);
        sv_free(&pos);
        return rc;
    }
    if (argc == 0)
        return usage_error("submit: missing `run EXPERIMENT` (pmlab submit --help)");
    if (!strcmp(argv[0], "reproduce"))
        return usage_error("submit: 'reproduce' cannot be sharded yet; submit its runs one by "
                           "one with `pmlab submit run` (docs/cluster.md)");
    if (strcmp(argv[0], "run") != 0)
        return usage_error("submit: unknown '%s': expected `run EXPERIMENT` or --resubmit DIR K",
                           argv[0]);
    if (argc < 2 || argv[1][0] == '-')
        return usage_error("submit run: missing EXPERIMENT (pmlab list shows them)");
    submission s;
    memset(&s, 0, sizeof s);
    s.exclusive = true;
    s.experiment = xstrdup(argv[1]);
    const char *out = NULL, *shards = NULL;
    bool dry = false;
    int rc = 0;
    for (int i = 2; i < argc && !rc; i++) {
        const char *a = argv[i], *v = NULL;
#define OPTV(name)                                                                                 \
    ((!strcmp(a, name) && i + 1 < argc && (v = argv[++i])) ||                                      \
     (!strncmp(a, name "=", sizeof name) && (v = a + sizeof name)))
        if (!strcmp(a, "--dry-run"))
            dry = true;
        else if (!strcmp(a, "--no-exclusive"))
            s.exclusive = false;
        else if (OPTV("--shards"))
            shards = v;
        else if (OPTV("--out"))
            out = v;
        else if (OPTV("--partition")) {
            free(s.partition);
            s.partition = xstrdup(v);
        } else if (OPTV("--time")) {
            free(s.time);
            s.time = xstrdup(v);
        } else if (is_opt(a, "--shard") || is_opt(a, "--resume"))
            rc = usage_error("submit: '%s' is submit's to set (each task runs one shard); give "
                             "--shards N",
                             a);
        else if (is_opt(a, "--shards") || is_opt(a, "--out") || is_opt(a, "--partition") ||
                 is_opt(a, "--time"))
            rc = usage_error("option '%s' needs a value", a);
        else
            sv_push(&s.run_args, a);
#undef OPTV
    }
    uint64_t n = 0;
    if (!rc && !shards)
        rc = usage_error("submit: missing --shards N");
    if (!rc && (!parse_u64(shards, &n) || n < 1 || n > 100000))
        rc = usage_error("bad --shards value '%s': expected a whole number 1..100000", shards);
    s.shards = (unsigned)n;
    if (!rc && s.partition &&
        !all_of(s.partition, "abcdefghijklmnopqrstuvwxyz"
                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.,-"))
        rc =
            usage_error("bad --partition value '%s': expected a Slurm partition name", s.partition);
    if (!rc && s.time && !slurm_time_ok(s.time))
        rc =
            usage_error("bad --time value '%s': expected MIN, H:M:S, D-H:M:S or UNLIMITED", s.time);
    /* the run's options, checked exactly as `pmlab run` checks them */
    size_t nconfigs = 0;
    if (!rc) {
        strvec a = {0};
        for (size_t i = 0; i < s.run_args.n; i++)
            sv_push(&a, s.run_args.v[i]);
        unsigned trials;
        double spt;
        rc = sweep_plan(s.experiment, (int)a.n, a.v, &nconfigs, &trials, &spt);
        sv_free(&a);
    }
    if (!rc && s.shards > nconfigs)
        rc = usage_error("bad --shards value '%s': the sweep has only %zu configuration%s", shards,
                         nconfigs, nconfigs == 1 ? "" : "s");
    char stamp[32];
    utc_stamp(stamp, sizeof stamp, true);
    char *rel = out ? xstrdup(out) : xasprintf("results/%s-submit-%s", stamp, s.experiment);
    if (!rc) {
        s.dir = absolute(rel);
        if (!s.dir)
            rc = usage_error("--out '%s': cannot resolve the current directory", rel);
    }
    char err[512];
    if (!rc && check_writable_dir(s.dir, err, sizeof err))
        rc = usage_error("unwritable output folder '%s': %s", rel, err);
    if (!rc) {
        char *p = xasprintf("%s/submit.json", s.dir);
        struct stat st;
        if (stat(p, &st) == 0)
            rc = usage_error("output folder '%s' already holds a submission (pmlab status %s)", rel,
                             rel);
        free(p);
    }
    if (!rc) {
        s.pmlab = realpath("/proc/self/exe", NULL);
        if (!s.pmlab)
            s.pmlab = xstrdup(g_argv0);
    }
    if (!rc && !dry && !in_path("sbatch")) {
        fprintf(stderr, "pmlab: submit: sbatch is not on PATH (Slurm's client; Debian: "
                        "slurm-client); --dry-run prints the scripts\n");
        rc = 1;
    }
    if (rc) {
        free(rel);
        sub_free(&s);
        return rc;
    }
    for (unsigned k = 0; k < s.shards; k++)
        sv_push(&s.shard_jobs, "");
    char *ss = shard_script(&s), *ms = merge_script(&s);
    strvec av1 = {0}, av2 = {0};
    sbatch_argv(&s, "shard.sbatch", NULL, NULL, &av1);
    sbatch_argv(&s, "merge.sbatch", NULL, "afterok:ARRAY_JOB_ID", &av2);
    if (dry) {
        printf("# ---- %s/shard.sbatch ----\n%s\n# ---- %s/merge.sbatch ----\n%s\n", s.dir, ss,
               s.dir, ms);
        printf("# ---- submitted with (nothing was submitted: --dry-run) ----\n");
        print_argv(stdout, &av1);
        print_argv(stdout, &av2);
        goto done;
    }
    char *logs = xasprintf("%s/logs", s.dir);
    if (mkdir_p(logs) != 0) {
        fprintf(stderr, "pmlab: cannot create '%s': %s\n", logs, strerror(errno));
        rc = 1;
    }
    free(logs);
    utc_stamp(stamp, sizeof stamp, false);
    s.submitted_utc = xstrdup(stamp);
    if (!rc)
        rc = write_file(s.dir, "shard.sbatch", ss, 0755) ||
                     write_file(s.dir, "merge.sbatch", ms, 0755)
                 ? 1
                 : 0;
    char *array = NULL, *merge = NULL;
    if (!rc && sbatch(&av1, &array) != 0)
        rc = 1;
    if (!rc) {
        for (unsigned k = 0; k < s.shards; k++) {
            free(s.shard_jobs.v[k]);
            s.shard_jobs.v[k] = xasprintf("%s_%u", array, k + 1);
        }
        sv_free(&av2);
        char *dep = xasprintf("afterok:%s", array);
        sbatch_argv(&s, "merge.sbatch", NULL, dep, &av2);
        free(dep);
        if (sbatch(&av2, &merge) != 0)
            rc = 1;
        else
            sv_push(&s.merge_jobs, merge);
    }
    if (array && sub_save(&s) != 0) {
        fprintf(stderr, "pmlab: cannot write %s/submit.json\n", s.dir);
        rc = 1;
    }
    if (!rc)
        fprintf(stderr,
                "pmlab: submitted %s: job array %s (%u shards), merge job %s -> %s/merged\n"
                "pmlab: follow it with: pmlab status %s\n",
                s.experiment, array, s.shards, merge, rel, rel);
    free(array);
    free(merge);
done:
    free(ss);
    free(ms);
    sv_free(&av1);
    sv_free(&av2);
    free(rel);
    sub_free(&s);
    return rc;
}

/* ---- job states ----------------------------------------------------------------------------- */
typedef enum { JS_UNKNOWN, JS_PENDING, JS_RUNNING, JS_COMPLETED, JS_FAILED } job_state;

static job_state map_state(const char *st)
{
    static const char *const pending[] = {"PENDING",     "REQUEUED",      "REQUEUE_HOLD",
                                          "REQUEUE_FED", "RESV_DEL_HOLD", NULL};
    static const char *const running[] = {"RUNNING",   "COMPLETING", "CONFIGURING", "STAGE_OUT",
                                          "SIGNALING", "RESIZING",   "SUSPENDED",   NULL};
    for (int i = 0; pending[i]; i++)
        if (!strcmp(st, pending[i]))
            return JS_PENDING;
    for (int i = 0; running[i]; i++)
        if (!strcmp(st, running[i]))
            return JS_RUNNING;
    if (!strcmp(st, "COMPLETED"))
        return JS_COMPLETED;
    return *st ? JS_FAILED : JS_UNKNOWN;
}

/* The state of job ID ("123" or "123_4") as Slurm reports it: squeue (which remembers finished
 * jobs for MinJobAge), then sacct (needs accounting). *what gets Slurm's state name and, when
 * pending, its reason. */
static job_state slurm_state(const char *id, char **what)
{
    *what = NULL;
    char *base = xstrdup(id);
    char *us = strchr(base, '_');
    const char *task = us ? us + 1 : NULL;
    if (us)
        *us = 0;
    char *argv[] = {"squeue", "-h", "-r", "--states=all", "-j", base, "-o", "%K|%T|%r", NULL};
    char *out = NULL;
    job_state js = JS_UNKNOWN;
    if (run_capture(argv, &out, true) == 0 && out) {
        for (char *save = NULL, *l = strtok_r(out, "\n", &save); l;
             l = strtok_r(NULL, "\n", &save)) {
            strvec f = {0};
            sv_split(&f, l, '|');
            if (f.n == 3 && (!task || !strcmp(f.v[0], task))) {
                js = map_state(f.v[1]);
                *what = js == JS_PENDING && strcmp(f.v[2], "None") != 0
                            ? xasprintf("%s (%s)", f.v[1], f.v[2])
                            : xstrdup(f.v[1]);
            }
            sv_free(&f);
            if (*what)
                break;
        }
    }
    free(out);
    out = NULL;
    if (!*what) {
        char *sargv[] = {"sacct", "-n", "-X", "-P", "-j", (char *)id, "-o", "State", NULL};
        if (run_capture(sargv, &out, true) == 0 && out && *out) {
            out[strcspn(out, " \n")] = 0;
            js = map_state(out);
            *what = xstrdup(out);
        }
        free(out);
    }
    free(base);
    return js;
}

/* an exit-status marker: the number, or -1 when absent */
static int read_marker(const char *path)
{
    char *t = slurp(path, NULL);
    if (!t)
        return -1;
    long long v;
    t[strcspn(t, "\r\n")] = 0;
    int r = parse_i64(t, &v) && v >= 0 && v < 256 ? (int)v : 255;
    free(t);
    return r;
}

typedef enum { ST_DONE, ST_RUNNING, ST_PENDING, ST_FAILED } unit_state;
static const char *const unit_names[] = {"done", "running", "pending", "failed"};

/* shard k (1-based): its state and a detail line */
static unit_state shard_state_once(const submission *s, unsigned k, char **detail)
{
    char *dir = xasprintf("%s/shard-%u", s->dir, k);
    char *mp = xasprintf("%s/shard.exit", dir);
    int ex = read_marker(mp);
    free(mp);
    unit_state u;
    if (ex >= 0) {
        size_t rows = 0, ok = 0;
        char *cp = xasprintf("%s/results.csv", dir);
        csv_table t;
        if (csv_read(cp, &t) == 0) {
            rows = t.nrows;
            for (size_t r = 0; r < t.nrows; r++)
                ok += !strcmp(csv_get(&t, r, "status"), "ok");
            csv_free(&t);
        }
        free(cp);
        u = ex <= 1 ? ST_DONE : ST_FAILED;
        *detail = xasprintf("pmlab run exit %d, %zu/%zu rows ok", ex, ok, rows);
    } else {
        char *what;
        job_state js = slurm_state(s->shard_jobs.v[k - 1], &what);
        switch (js) {
        case JS_PENDING:
            u = ST_PENDING;
            *detail = xstrdup(what);
            break;
        case JS_RUNNING:
            u = ST_RUNNING;
            *detail = xstrdup(what);
            break;
        case JS_COMPLETED:
            u = ST_FAILED;
            *detail = xasprintf("Slurm says COMPLETED but %s/shard.exit is missing (is DIR on a "
                                "file system the nodes share?)",
                                dir);
            break;
        case JS_FAILED:
            u = ST_FAILED;
            *detail = xasprintf("%s before pmlab run finished", what);
            break;
        default:
            u = ST_FAILED;
            *detail = xstrdup("no shard.exit marker, and Slurm does not know the job any more");
        }
        free(what);
    }
    free(dir);
    return u;
}

static unit_state merge_state_once(const submission *s, char **detail)
{
    char *mp = xasprintf("%s/merge.exit", s->dir);
    int ex = read_marker(mp);
    free(mp);
    if (ex == 0) {
        *detail = xasprintf("%s/merged", s->dir);
        return ST_DONE;
    }
    if (ex > 0) {
        *detail = xasprintf("pmlab merge/report exit %d (see logs/merge-*.out)", ex);
        return ST_FAILED;
    }
    if (!s->merge_jobs.n) {
        *detail = xstrdup("never submitted");
        return ST_FAILED;
    }
    char *what;
    job_state js = slurm_state(s->merge_jobs.v[s->merge_jobs.n - 1], &what);
    unit_state u = js == JS_PENDING ? ST_PENDING : js == JS_RUNNING ? ST_RUNNING : ST_FAILED;
    *detail = js == JS_UNKNOWN ? xstrdup("no merge.exit marker, and Slurm does not know the job")
              : js == JS_COMPLETED ? xstrdup("Slurm says COMPLETED but merge.exit is missing")
                                   : xstrdup(what);
    free(what);
    return u;
}

/* The marker is read before Slurm is asked: a job that ends in between has written its marker by
 * the time Slurm calls it finished, so a "failed" seen that way is read again from the marker. */
static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static unit_state shard_state(const submission *s, unsigned k, char **detail)
{
    char *mp = xasprintf("%s/shard-%u/shard.exit", s->dir, k);
    bool had = exists(mp);
    unit_state u = shard_state_once(s, k, detail);
    if (!had && u == ST_FAILED && exists(mp)) {
        free(*detail);
        u = shard_state_once(s, k, detail);
    }
    free(mp);
    return u;
}

static unit_state merge_state(const submission *s, char **detail)
{
    char *mp = xasprintf("%s/merge.exit", s->dir);
    bool had = exists(mp);
    unit_state u = merge_state_once(s, detail);
    if (!had && u == ST_FAILED && exists(mp)) {
        free(*detail);
        u = merge_state_once(s, detail);
    }
    free(mp);
    return u;
}

int cmd_status(int argc, char **argv)
{
    if (argc != 1 || argv[0][0] == '-')
        return usage_error("status: usage: pmlab status DIR");
    submission s;
    if (sub_load(argv[0], &s) != 0)
        return usage_error("status: '%s' holds no submission (submit.json from pmlab submit)",
                           argv[0]);
    printf("%s: pmlab run %s, %u shards, submitted %s\n", argv[0], s.experiment, s.shards,
           s.submitted_utc);
    printf("%-7s %-8s %-12s %s\n", "shard", "state", "job", "detail");
    size_t count[4] = {0};
    for (unsigned k = 1; k <= s.shards; k++) {
        char *d;
        unit_state u = shard_state(&s, k, &d);
        count[u]++;
        printf("%-7u %-8s %-12s %s\n", k, unit_names[u], s.shard_jobs.v[k - 1], d);
        free(d);
    }
    char *d;
    unit_state m = merge_state(&s, &d);
    printf("%-7s %-8s %-12s %s\n", "merge", unit_names[m],
           s.merge_jobs.n ? s.merge_jobs.v[s.merge_jobs.n - 1] : "-", d);
    free(d);
    printf("shards: %zu done, %zu running, %zu pending, %zu failed; merge %s\n", count[ST_DONE],
           count[ST_RUNNING], count[ST_PENDING], count[ST_FAILED], unit_names[m]);
    if (count[ST_FAILED])
        printf("resubmit a failed shard K alone: pmlab submit --resubmit %s K\n", argv[0]);
    bool all_done = count[ST_DONE] == s.shards && m == ST_DONE;
    sub_free(&s);
    if (count[ST_FAILED] || (m == ST_FAILED && !count[ST_RUNNING] && !count[ST_PENDING]))
        return 1;
    return all_done ? 0 : PMLAB_EXIT_IN_PROGRESS;
}

/* ---- resubmit ------------------------------------------------------------------------------- */
static int resubmit(const char *dir, const char *kstr, bool dry)
{
    submission s;
    if (sub_load(dir, &s) != 0)
        return usage_error("submit --resubmit: '%s' holds no submission (submit.json)", dir);
    uint64_t k;
    if (!parse_u64(kstr, &k) || k < 1 || k > s.shards) {
        sub_free(&s);
        return usage_error("submit --resubmit: bad shard '%s': expected 1..%u", kstr, s.shards);
    }
    char *detail;
    unit_state u = shard_state(&s, (unsigned)k, &detail);
    if (u != ST_FAILED) {
        int rc = usage_error("submit --resubmit: shard %s of '%s' is %s (%s), not failed", kstr,
                             dir, unit_names[u], detail);
        free(detail);
        sub_free(&s);
        return rc;
    }
    free(detail);
    if (!dry && !in_path("sbatch")) {
        sub_free(&s);
        fprintf(stderr, "pmlab: submit: sbatch is not on PATH\n");
        return 1;
    }
    /* the new merge waits for the new task (afterok) and for the other shards' jobs Slurm still
     * runs or holds (afterany: a failed one leaves merge to refuse the missing folder) */
    sbuf dep = {0};
    sb_add(&dep, "afterok:NEW_JOB_ID");
    strvec live = {0};
    for (unsigned i = 1; i <= s.shards; i++) {
        if (i == k)
            continue;
        char *d2;
        unit_state v = shard_state(&s, i, &d2);
        free(d2);
        if (v == ST_PENDING || v == ST_RUNNING) {
            char *base = xstrdup(s.shard_jobs.v[i - 1]);
            base[strcspn(base, "_")] = 0;
            if (!sv_has(&live, base))
                sv_push(&live, base);
            free(base);
        }
    }
    for (size_t i = 0; i < live.n; i++)
        sb_printf(&dep, ",afterany:%s", live.v[i]);
    char kk[16];
    snprintf(kk, sizeof kk, "%u", (unsigned)k);
    strvec av1 = {0}, av2 = {0};
    sbatch_argv(&s, "shard.sbatch", kk, NULL, &av1);
    sbatch_argv(&s, "merge.sbatch", NULL, dep.s, &av2);
    int rc = 0;
    if (dry) {
        printf("# resubmitting shard %s of %s (nothing was submitted: --dry-run)\n", kstr, dir);
        print_argv(stdout, &av1);
        print_argv(stdout, &av2);
    } else {
        /* the failed attempt's marker is kept beside, so status follows the new job */
        char *mp = xasprintf("%s/shard-%s/shard.exit", s.dir, kk);
        char *old = xasprintf("%s/shard-%s/shard.exit.failed", s.dir, kk);
        rename(mp, old);
        free(mp);
        free(old);
        mp = xasprintf("%s/merge.exit", s.dir); /* a failed merge's: the new merge job's follows */
        old = xasprintf("%s/merge.exit.failed", s.dir);
        rename(mp, old);
        free(mp);
        free(old);
        char *job = NULL, *merge = NULL;
        rc = sbatch(&av1, &job) != 0 ? 1 : 0;
        if (!rc) {
            free(s.shard_jobs.v[k - 1]);
            s.shard_jobs.v[k - 1] = xasprintf("%s_%s", job, kk);
            char *d = xstrdup(dep.s);
            char *fixed = xasprintf("afterok:%s%s", job, d + strlen("afterok:NEW_JOB_ID"));
            sv_free(&av2);
            sbatch_argv(&s, "merge.sbatch", NULL, fixed, &av2);
            free(d);
            free(fixed);
            if (sbatch(&av2, &merge) != 0)
                rc = 1;
            else
                sv_push(&s.merge_jobs, merge);
            if (sub_save(&s) != 0)
                rc = 1;
            if (!rc)
                fprintf(stderr, "pmlab: resubmitted shard %s of %s as job %s_%s, merge job %s\n",
                        kk, dir, job, kk, merge);
        }
        free(job);
        free(merge);
    }
    sb_free(&dep);
    sv_free(&live);
    sv_free(&av1);
    sv_free(&av2);
    sub_free(&s);
    return rc;
}
