/* Small utilities: memory, strings, parsing, files, CSV and JSON helpers. */
#define _GNU_SOURCE
#include "pmlab_int.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void oom(void)
{
    fputs("pmlab: out of memory\n", stderr);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *xcalloc(size_t n, size_t m)
{
    void *p = calloc(n ? n : 1, m ? m : 1);
    if (!p)
        oom();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        oom();
    return p;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = xmalloc(n);
    memcpy(d, s, n);
    return d;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

static void sb_reserve(sbuf *b, size_t extra)
{
    if (b->len + extra + 1 > b->cap) {
        size_t c = b->cap ? b->cap * 2 : 64;
        while (c < b->len + extra + 1)
            c *= 2;
        b->s = xrealloc(b->s, c);
        b->cap = c;
    }
}

void sb_add(sbuf *b, const char *s)
{
    size_t n = strlen(s);
    sb_reserve(b, n);
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    sb_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sb_free(sbuf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

void sv_push(strvec *sv, const char *s)
{
    if (sv->n == sv->cap) {
        sv->cap = sv->cap ? sv->cap * 2 : 8;
        sv->v = xrealloc(sv->v, sv->cap * sizeof *sv->v);
    }
    sv->v[sv->n++] = xstrdup(s);
}

void sv_free(strvec *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    sv->v = NULL;
    sv->n = sv->cap = 0;
}

bool sv_has(const strvec *sv, const char *s)
{
    for (size_t i = 0; i < sv->n; i++)
        if (strcmp(sv->v[i], s) == 0)
            return true;
    return false;
}

int sv_split(strvec *out, const char *s, char sep)
{
    const char *p = s;
    for (;;) {
        const char *e = strchr(p, sep);
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 0)
            return -1;
        char *t = xmalloc(n + 1);
        memcpy(t, p, n);
        t[n] = 0;
        sv_push(out, t);
        free(t);
        if (!e)
            return 0;
        p = e + 1;
    }
}

bool parse_u64(const char *s, uint64_t *out)
{
    if (!s || !isdigit((unsigned char)s[0]))
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

bool parse_i64(const char *s, long long *out)
{
    if (!s || !*s || isspace((unsigned char)s[0]))
        return false;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

bool parse_double(const char *s, double *out)
{
    if (!s || !*s || isspace((unsigned char)s[0]))
        return false;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

bool parse_bool(const char *s, bool *out)
{
    if (!strcmp(s, "on") || !strcmp(s, "true") || !strcmp(s, "1") || !strcmp(s, "yes")) {
        *out = true;
        return true;
    }
    if (!strcmp(s, "off") || !strcmp(s, "false") || !strcmp(s, "0") || !strcmp(s, "no")) {
        *out = false;
        return true;
    }
    return false;
}

uint64_t fnv1a(const void *p, size_t n, uint64_t h)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) {
        h ^= c[i];
        h *= UINT64_C(1099511628211);
    }
    return h;
}

char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    sbuf b = {0};
    char buf[65536];
    size_t n;
    sb_add(&b, "");
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        sb_reserve(&b, n);
        memcpy(b.s + b.len, buf, n);
        b.len += n;
        b.s[b.len] = 0;
    }
    fclose(f);
    if (len)
        *len = b.len;
    return b.s;
}

int mkdir_p(const char *path)
{
    char *p = xstrdup(path);
    for (char *s = p + 1; *s; s++) {
        if (*s == '/') {
            *s = 0;
            if (mkdir(p, 0777) && errno != EEXIST) {
                free(p);
                return -1;
            }
            *s = '/';
        }
    }
    int rc = mkdir(p, 0777);
    free(p);
    return (rc && errno != EEXIST) ? -1 : 0;
}

/* The nearest existing ancestor must be a directory in which we can create a file. Creates a
 * probe file there and removes it; creates no directory. */
int check_writable_dir(const char *path, char *err, size_t errlen)
{
    char *p = xstrdup(path);
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        p[--n] = 0;
    struct stat st;
    for (;;) {
        if (stat(p, &st) == 0)
            break;
        if (errno != ENOENT) {
            snprintf(err, errlen, "%s", strerror(errno));
            free(p);
            return -1;
        }
        char *slash = strrchr(p, '/');
        if (!slash) {
            strcpy(p, ".");
            continue;
        }
        if (slash == p)
            slash[1] = 0;
        else
            *slash = 0;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s is not a directory", p);
        free(p);
        return -1;
    }
    char *probe = xasprintf("%s/.pmlab-probe-XXXXXX", p);
    int fd = mkstemp(probe);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create files in %s: %s", p, strerror(errno));
        free(probe);
        free(p);
        return -1;
    }
    close(fd);
    unlink(probe);
    free(probe);
    free(p);
    return 0;
}

void utc_stamp(char *buf, size_t n, bool compact)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    strftime(buf, n, compact ? "%Y%m%dT%H%M%SZ" : "%Y-%m-%dT%H:%M:%SZ", &tm);
}

unsigned online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

char *run_cmd_line(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        return NULL;
    char buf[512];
    char *r = NULL;
    if (fgets(buf, sizeof buf, p)) {
        buf[strcspn(buf, "\r\n")] = 0;
        r = xstrdup(buf);
    }
    while (fgets(buf, sizeof buf, p))
        ;
    if (pclose(p) != 0) {
        free(r);
        return NULL;
    }
    return r;
}

void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(f, "\\%c", *c);
        else if (*c == '\n')
            fputs("\\n", f);
        else if (*c == '\t')
            fputs("\\t", f);
        else if (*c < 0x20)
            fprintf(f, "\\u%04x", *c);
        else
            fputc(*c, f);
    }
    fputc('"', f);
}

char *json_quote(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return xstrdup("\"\"");
    json_str(f, s);
    fclose(f);
    return buf;
}

char *json_get_str(const char *text, const char *key)
{
    if (!text)
        return NULL;
    char *pat = xasprintf("\"%s\": \"", key);
    const char *p = strstr(text, pat);
    size_t pl = strlen(pat);
    free(pat);
    if (!p)
        return NULL;
    p += pl;
    sbuf b = {0};
    sb_add(&b, "");
    for (; *p && *p != '"'; p++) {
        char c[2] = {*p, 0};
        if (*p == '\\' && p[1]) {
            p++;
            c[0] = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
        }
        sb_add(&b, c);
    }
    return b.s;
}

void csv_field(FILE *f, const char *s)
{
    if (!s)
        s = "";
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
    }
    fputc('"', f);
}

int csv_split(const char *line, strvec *out)
{
    sbuf cur = {0};
    sb_add(&cur, "");
    const char *p = line;
    for (;;) {
        cur.len = 0;
        cur.s[0] = 0;
        if (*p == '"') {
            p++;
            for (;;) {
                if (!*p) {
                    sb_free(&cur);
                    return -1;
                }
                if (*p == '"') {
                    if (p[1] == '"') {
                        sb_add(&cur, "\"");
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                char c[2] = {*p++, 0};
                sb_add(&cur, c);
            }
        } else {
            const char *e = p + strcspn(p, ",");
            char *t = xmalloc((size_t)(e - p) + 1);
            memcpy(t, p, (size_t)(e - p));
            t[e - p] = 0;
            sb_add(&cur, t);
            free(t);
            p = e;
        }
        sv_push(out, cur.s);
        if (*p == ',') {
            p++;
            continue;
        }
        break;
    }
    sb_free(&cur);
    return 0;
}

int csv_read(const char *path, csv_table *t)
{
    memset(t, 0, sizeof *t);
    size_t len;
    char *text = slurp(path, &len);
    if (!text)
        return -1;
    char *p = text;
    size_t cap = 0;
    bool header = true;
    while (*p) {
        char *nl = strchr(p, '\n');
        if (!nl)
            break; /* partial last line: not a finished row */
        *nl = 0;
        if (nl > p && nl[-1] == '\r')
            nl[-1] = 0;
        if (*p) {
            if (header) {
                csv_split(p, &t->cols);
                header = false;
            } else {
                if (t->nrows == cap) {
                    cap = cap ? cap * 2 : 16;
                    t->rows = xrealloc(t->rows, cap * sizeof *t->rows);
                }
                memset(&t->rows[t->nrows], 0, sizeof t->rows[0]);
                if (csv_split(p, &t->rows[t->nrows]) == 0)
                    t->nrows++;
                else
                    sv_free(&t->rows[t->nrows]);
            }
        }
        p = nl + 1;
    }
    free(text);
    return header ? -1 : 0;
}

void csv_free(csv_table *t)
{
    sv_free(&t->cols);
    for (size_t i = 0; i < t->nrows; i++)
        sv_free(&t->rows[i]);
    free(t->rows);
    memset(t, 0, sizeof *t);
}

int csv_col(const csv_table *t, const char *name)
{
    for (size_t i = 0; i < t->cols.n; i++)
        if (strcmp(t->cols.v[i], name) == 0)
            return (int)i;
    return -1;
}

const char *csv_get(const csv_table *t, size_t row, const char *name)
{
    int c = csv_col(t, name);
    if (c < 0 || row >= t->nrows || (size_t)c >= t->rows[row].n)
        return "";
    return t->rows[row].v[c];
}

/* ---- command-line errors ---- */
const char *g_argv0 = "pmlab";
char *g_cmdline;

int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("pmlab: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return PMLAB_EXIT_USAGE;
}
