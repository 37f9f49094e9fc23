/* Helpers for the pmlab CLI tests: run pmlab-test as a subprocess, inspect its folders. */
#ifndef HARNESS_TEST_UTIL_H
#define HARNESS_TEST_UTIL_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *g_pmlab;    /* path of pmlab-test */
static const char *g_notalloc; /* path of a shared library that is not an allocator */
static char g_tmp[256];        /* per-test-program scratch folder */

static inline void tu_setup(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PMLAB-TEST [NOTALLOC.so]\n", argv[0]);
        exit(2);
    }
    g_pmlab = argv[1];
    g_notalloc = argc > 2 ? argv[2] : "";
    snprintf(g_tmp, sizeof g_tmp, "/tmp/pmlab-test-XXXXXX");
    if (!mkdtemp(g_tmp)) {
        perror("mkdtemp");
        exit(2);
    }
}

static inline void tu_cleanup(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup of %s failed\n", g_tmp);
}

static inline char *tu_path(const char *name)
{
    static char buf[8][512];
    static int i;
    char *b = buf[i++ % 8];
    snprintf(b, 512, "%s/%s", g_tmp, name);
    return b;
}

/* Start pmlab-test with args (NULL-terminated) in cwd; stdout/stderr to files in g_tmp. */
static inline pid_t tu_spawn(const char *cwd, const char *env_kv, const char *const *args)
{
    const char *argv[64];
    size_t n = 0;
    argv[n++] = g_pmlab;
    for (size_t i = 0; args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        if (cwd && chdir(cwd) != 0)
            _exit(126);
        int o = open(tu_path("stdout.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(tu_path("stderr.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(o, 1);
        dup2(e, 2);
        if (env_kv)
            putenv((char *)env_kv);
        execv(g_pmlab, (char *const *)argv);
        _exit(127);
    }
    return pid;
}

static inline int tu_wait(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static inline int tu_run_env(const char *env_kv, const char *const *args)
{
    return tu_wait(tu_spawn(g_tmp, env_kv, args));
}

static inline int tu_run(const char *const *args)
{
    return tu_run_env(NULL, args);
}

static inline char *tu_slurp(const char *path)
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

static inline bool tu_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static inline int tu_count_lines(const char *path)
{
    char *t = tu_slurp(path);
    if (!t)
        return -1;
    int n = 0;
    for (char *c = t; *c; c++)
        n += *c == '\n';
    free(t);
    return n;
}

/* Field `k` (0-based) of one CSV line, RFC 4180 quoting undone ("a,b" and "" escapes), into
 * out. Returns false if the line has fewer fields. */
static inline bool tu_csv_field(const char *line, int k, char *out, size_t outlen)
{
    size_t o = 0;
    int f = 0;
    bool q = false;
    for (const char *c = line;; c++) {
        if (!q && (*c == ',' || *c == 0)) {
            if (f == k) {
                out[o < outlen ? o : outlen - 1] = 0;
                return true;
            }
            if (*c == 0)
                return false;
            f++;
            continue;
        }
        if (*c == 0)
            return false;
        if (*c == '"') {
            if (q && c[1] == '"')
                c++; /* an escaped quote */
            else {
                q = !q;
                continue;
            }
        }
        if (f == k && o + 1 < outlen)
            out[o++] = *c;
    }
}

/* Value of column `col` in data row `row` (0-based) of a results.csv (fields may be quoted; no
 * field holds a newline). Returns a static buffer, reused by the next call, or NULL. */
static inline const char *tu_csv_cell(const char *path, int row, const char *col)
{
    static char out[1024];
    char name[256];
    char *t = tu_slurp(path);
    if (!t)
        return NULL;
    char *save = NULL, *line = strtok_r(t, "\n", &save);
    int ci = -1;
    for (int i = 0; line && tu_csv_field(line, i, name, sizeof name); i++)
        if (!strcmp(name, col)) {
            ci = i;
            break;
        }
    const char *res = NULL;
    for (int r = 0; ci >= 0 && (line = strtok_r(NULL, "\n", &save)); r++) {
        if (r != row)
            continue;
        if (tu_csv_field(line, ci, out, sizeof out))
            res = out;
        break;
    }
    free(t);
    return res;
}

static inline bool tu_contains(const char *path, const char *needle)
{
    char *t = tu_slurp(path);
    bool r = t && strstr(t, needle);
    free(t);
    return r;
}

/* "fired": true/false of alert `id` in DIR/alerts.json; -1 if absent */
static inline int tu_alert_fired(const char *dir, const char *id)
{
    char p[600], pat[64];
    snprintf(p, sizeof p, "%s/alerts.json", dir);
    snprintf(pat, sizeof pat, "{\"id\": \"%s\",", id);
    char *t = tu_slurp(p);
    if (!t)
        return -1;
    char *l = strstr(t, pat);
    int r = -1;
    if (l) {
        char *end = strchr(l, '\n');
        if (end)
            *end = 0;
        r = strstr(l, "\"fired\": true") ? 1 : strstr(l, "\"fired\": false") ? 0 : -1;
    }
    free(t);
    return r;
}

#endif
