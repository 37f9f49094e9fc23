/* The util layer of the pmlab harness (not for experiments): memory, strings, parsing, files,
 * JSON and CSV helpers, and the command-line error. Every harness module may include it; it
 * includes no other harness header. Each higher module has its own header (harness/README.md
 * lists the layers; a test checks the includes against them). */
#ifndef PMLAB_INT_H
#define PMLAB_INT_H

#include "pmlab/experiment.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PMLAB_EXIT_USAGE 2

/* ---- memory / strings ---- */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

typedef struct {
    char *s;
    size_t len, cap;
} sbuf;
void sb_add(sbuf *b, const char *s);
void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_free(sbuf *b);

typedef struct {
    char **v;
    size_t n, cap;
} strvec;
void sv_push(strvec *sv, const char *s); /* copies */
void sv_free(strvec *sv);
bool sv_has(const strvec *sv, const char *s);
int sv_split(strvec *out, const char *s, char sep); /* -1 on an empty element */

/* strict parsing: whole string, decimal, no sign */
bool parse_u64(const char *s, uint64_t *out);
bool parse_i64(const char *s, long long *out);
bool parse_double(const char *s, double *out);
bool parse_bool(const char *s, bool *out);

uint64_t fnv1a(const void *p, size_t n, uint64_t h);
#define FNV_INIT UINT64_C(14695981039346656037)

char *slurp(const char *path, size_t *len); /* NULL on error */
int mkdir_p(const char *path);
int check_writable_dir(const char *path, char *err, size_t errlen);
void utc_stamp(char *buf, size_t n, bool compact);
unsigned online_cpus(void);
char *run_cmd_line(const char *cmd); /* first line of a command's stdout, or NULL */

/* ---- JSON ---- */
void json_str(FILE *f, const char *s);
char *json_quote(const char *s);                       /* malloc'ed JSON string literal */
char *json_get_str(const char *text, const char *key); /* top-level "key": "..." or NULL */

/* ---- CSV ---- */
void csv_field(FILE *f, const char *s);
int csv_split(const char *line, strvec *out);
typedef struct {
    strvec cols;
    size_t nrows;
    strvec *rows;
} csv_table;
int csv_read(const char *path, csv_table *t); /* -1 if missing; a trailing partial line dropped */
void csv_free(csv_table *t);
int csv_col(const csv_table *t, const char *name);                     /* -1 if absent */
const char *csv_get(const csv_table *t, size_t row, const char *name); /* "" if absent */

/* ---- command-line errors ---- */
/* prints "pmlab: <message>" to stderr and returns PMLAB_EXIT_USAGE (bad input, before any work) */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern const char *g_argv0; /* argv[0] of this pmlab process (children re-execute it) */
extern char *g_cmdline;     /* the command line, shell-quoted (cli.c sets it) */

/* the generated registration function's type (main.c passes it to pmlab_main) */
typedef void (*pmlab_register_fn)(pmlab_registry *r);

#endif
