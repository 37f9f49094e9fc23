/* Helpers for the experiment tests: run a pmlab program on an experiment, read results.csv. */
#ifndef EXP_TEST_UTIL_H
#define EXP_TEST_UTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
    char **cols;
    size_t ncols;
    char ***rows; /* rows[r][c] */
    size_t nrows;
} et_csv;

/* Splits one CSV line (RFC 4180 quoting, no embedded newlines) into malloc'ed fields. */
static inline size_t et_split(const char *line, char ***out)
{
    size_t n = 0, cap = 16;
    char **f = malloc(cap * sizeof *f);
    const char *p = line;
    for (;;) {
        char *buf = malloc(strlen(p) + 1);
        size_t k = 0;
        if (*p == '"') {
            p++;
            while (*p && !(*p == '"' && p[1] != '"')) {
                if (*p == '"')
                    p++;
                buf[k++] = *p++;
            }
            if (*p == '"')
                p++;
        } else {
            while (*p && *p != ',' && *p != '\n' && *p != '\r')
                buf[k++] = *p++;
        }
        buf[k] = 0;
        if (n == cap)
            f = realloc(f, (cap *= 2) * sizeof *f);
        f[n++] = buf;
        if (*p != ',')
            break;
        p++;
    }
    *out = f;
    return n;
}

static inline int et_read(const char *path, et_csv *t)
{
    memset(t, 0, sizeof *t);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    if (getline(&line, &cap, f) < 0) {
        fclose(f);
        free(line);
        return -1;
    }
    t->ncols = et_split(line, &t->cols);
    while (getline(&line, &cap, f) > 0) {
        char **r;
        size_t n = et_split(line, &r);
        t->rows = realloc(t->rows, (t->nrows + 1) * sizeof *t->rows);
        if (n < t->ncols) { /* pad a short row: it fails the checks, never crashes them */
            r = realloc(r, t->ncols * sizeof *r);
            for (; n < t->ncols; n++)
                r[n] = strdup("");
        }
        t->rows[t->nrows++] = r;
    }
    free(line);
    fclose(f);
    return 0;
}

static inline int et_col(const et_csv *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (!strcmp(t->cols[i], name))
            return (int)i;
    return -1;
}

static inline const char *et_get(const et_csv *t, size_t row, const char *name)
{
    int c = et_col(t, name);
    return c < 0 ? NULL : t->rows[row][c];
}

static inline void et_free(et_csv *t)
{
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++)
            free(t->rows[r][c]);
        free(t->rows[r]);
    }
    for (size_t c = 0; c < t->ncols; c++)
        free(t->cols[c]);
    free(t->rows);
    free(t->cols);
    memset(t, 0, sizeof *t);
}

/* Runs `pmlab run ARGS --out DIR --quiet` (ARGS: one string, split on spaces); returns the exit
 * status. Output goes to DIR.log. */
static inline int et_run(const char *pmlab, const char *dir, const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && '%s' run %s --out '%s' --quiet > '%s.log' 2>&1", dir,
             pmlab, args, dir, dir);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

#endif
