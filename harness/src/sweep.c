/* `pmlab run`: option parsing and validation, the configuration list, child processes with a
 * timeout, row-by-row results, resume, shards and SIGINT. */
#define _GNU_SOURCE
#include "sweep.h"
#include "alerts.h"
#include "group.h"
#include "meta.h"
#include "probe.h"
#include "registry.h"
#include "report.h"
#include "sysload.h"
#include "topo.h"

#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static volatile sig_atomic_t g_interrupted;
double g_suite_eta_after;

static void on_signal(int sig)
{
    (void)sig;
    g_interrupted = 1;
}

/* ---- options ------------------------------------------------------------------------------- */
typedef struct {
    const char *name;
    size_t off; /* offset of a const char * in opts */
} optdef;

#define O(field) offsetof(opts, field)
static const optdef optdefs[] = {{"backends", O(backends)},
                                 {"threads", O(threads)},
                                 {"allocs", O(allocs)},
                                 {"keys", O(keys)},
                                 {"size", O(size)},
                                 {"duration-ms", O(duration_ms)},
                                 {"warmup-ms", O(warmup_ms)},
                                 {"trials", O(trials)},
                                 {"update", O(update)},
                                 {"pin", O(pin)},
                                 {"seed", O(seed)},
                                 {"out", O(out)},
                                 {"shard", O(shard)},
                                 {"timeout-ms", O(timeout_ms)},
                                 {"alerts-file", O(alerts_file)},
                                 {"max-trials", O(max_trials)},
                                 {"configs", O(configs)},
                                 {NULL, 0}};

static const char **opt_slot(opts *o, const optdef *d)
{
    return (const char **)(void *)((char *)o + d->off);
}

/* Parses argv into o (values point into argv). Returns 0 or exit status 2 after one message. */
static int parse_opts(int argc, char **argv, opts *o)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0)
            return usage_error("unexpected argument '%s'", a);
        const char *name = a + 2, *val = NULL;
        char nbuf[64];
        const char *eq = strchr(name, '=');
        if (eq) {
            size_t n = (size_t)(eq - name);
            if (n >= sizeof nbuf)
                return usage_error("unknown option '%s'", a);
            memcpy(nbuf, name, n);
            nbuf[n] = 0;
            name = nbuf;
            val = eq + 1;
        }
        if (!strcmp(name, "quiet") && !val) {
            o->quiet = true;
            continue;
        }
        if (!strcmp(name, "resume")) {
            o->resume = true;
            if (val)
                o->out = val;
            else if (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0)
                o->out = argv[++i];
            continue;
        }
        if (!val) {
            if (i + 1 >= argc)
                return usage_error("option '--%s' needs a value", name);
            val = argv[++i];
        }
        if (!strcmp(name, "param")) {
            sv_push(&o->params, val);
            continue;
        }
        if (!strcmp(name, "alert")) {
            sv_push(&o->alerts, val);
            continue;
        }
        const optdef *d = optdefs;
        while (d->name && strcmp(d->name, name) != 0)
            d++;
        if (!d->name)
            return usage_error("unknown option '--%s' (pmlab --help)", name);
        *opt_slot(o, d) = val;
    }
    return 0;
}

/* ---- validated sweep ---------------------------------------------------------------------- */
typedef struct {
    const pmlab_experiment *e;
    strvec backends, allocs, params, libs;
    uint64_t *threads;
    size_t nthreads;
    const char *keys;
    uint64_t size, duration, warmup, trials, max_trials, update, seed, timeout_ms;
    topo_pin pin;     /* --pin: the policy and its CPU order (topo.h) */
    strvec only;      /* --configs: the config_ids that may get trials (empty: all) */
    unsigned allowed; /* PUs of the machine's topology (the affinity mask's CPUs) */
    bool quiet, resume;
    unsigned shard_k, shard_n;
    char *params_str, *signature, *out, *keys_buf;
    char *threads_note; /* "--threads auto -> 1,2,4 (...)" when a keyword was expanded */
    char *size_note;    /* the experiment's default --size was above the key set's key count */
    /* PMLAB_PARAM_*_LIST parameters are swept: one "combo" per element of the cartesian
     * product, each with its own NAME=VALUE list and params string (params_str keeps the lists) */
    size_t ncombo;
    strvec *combo_params;
    strvec combo_str;
    alert_rule *rules;
    size_t nrules;
} sweep;

static void sweep_free(sweep *s)
{
    sv_free(&s->backends);
    sv_free(&s->allocs);
    sv_free(&s->params);
    sv_free(&s->libs);
    free(s->threads);
    free(s->params_str);
    for (size_t i = 0; i < s->ncombo; i++)
        sv_free(&s->combo_params[i]);
    free(s->combo_params);
    sv_free(&s->combo_str);
    free(s->signature);
    free(s->out);
    free(s->keys_buf);
    free(s->threads_note);
    free(s->size_note);
    free(s->rules);
    topo_pin_free(&s->pin);
    sv_free(&s->only);
}

static const char *ptype_name(pmlab_param_type t)
{
    return t == PMLAB_PARAM_INT        ? "an integer"
           : t == PMLAB_PARAM_INT_LIST ? "a comma list of integers"
           : t == PMLAB_PARAM_STR_LIST ? "a comma list of non-empty strings"
           : t == PMLAB_PARAM_DOUBLE   ? "a number"
           : t == PMLAB_PARAM_BOOL     ? "on or off"
                                       : "a string";
}

/* Expands the PMLAB_PARAM_*_LIST parameters of s->params into s->combo_* (the first declared
 * list parameter varies slowest). Without list parameters there is one combo: s->params. */
static void build_combos(sweep *s, const pmlab_experiment *e)
{
    size_t np = s->params.n;
    strvec *vals = xcalloc(np ? np : 1, sizeof *vals);
    size_t n = 1, i = 0;
    for (const pmlab_param *p = e->params; p && p->name && i < np; p++, i++) {
        const char *v = strchr(s->params.v[i], '=') + 1;
        if (p->type == PMLAB_PARAM_INT_LIST || p->type == PMLAB_PARAM_STR_LIST)
            sv_split(&vals[i], v, ',');
        else
            sv_push(&vals[i], v);
        n *= vals[i].n;
    }
    s->ncombo = n;
    s->combo_params = xcalloc(n, sizeof *s->combo_params);
    for (size_t c = 0; c < n; c++) {
        size_t rest = c, stride = n;
        sbuf ps = {0};
        sb_add(&ps, "");
        i = 0;
        for (const pmlab_param *p = e->params; p && p->name && i < np; p++, i++) {
            stride /= vals[i].n;
            const char *v = vals[i].v[rest / stride];
            rest %= stride;
            char *kv = xasprintf("%s=%s", p->name, v);
            sv_push(&s->combo_params[c], kv);
            sb_printf(&ps, "%s%s", ps.len ? ";" : "", kv);
            free(kv);
        }
        sv_push(&s->combo_str, ps.s);
        free(ps.s);
    }
    for (i = 0; i < np; i++)
        sv_free(&vals[i]);
    free(vals);
}

static int check_u64(const char *opt, const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
    if (!parse_u64(v, out) || *out < lo || *out > hi)
        return usage_error("bad --%s value '%s': expected an integer in %llu..%llu", opt, v,
                           (unsigned long long)lo, (unsigned long long)hi);
    return 0;
}

static int check_keys(const char *spec)
{
    char err[256] = "";
    if (!strncmp(spec, "file:", 5)) {
        char *path = xstrdup(spec + 5);
        size_t n = strlen(path);
        if (n > 3 && !strcmp(path + n - 3, ":lp"))
            path[n - 3] = 0;
        struct stat st;
        int fd = *path ? open(path, O_RDONLY) : -1;
        int rc = 0;
        if (fd < 0)
            rc = usage_error("unreadable key set '%s': %s", spec,
                             *path ? strerror(errno) : "empty path");
        else if (fstat(fd, &st) || !S_ISREG(st.st_mode))
            rc = usage_error("unreadable key set '%s': not a regular file", spec);
        if (fd >= 0)
            close(fd);
        free(path);
        return rc;
    }
    const keyset_rec *k = reg_keyset(spec);
    if (!k)
        return usage_error("unknown key set '%s' (pmlab list shows them)", spec);
    if (k->validate && k->validate(spec, err, sizeof err) != 0)
        return usage_error("unusable key set '%s': %s", spec, err);
    return 0;
}

/* The key-set record that counts the keys of spec (a named set or the file: form), or NULL. */
static const keyset_rec *keyset_counter(const char *spec)
{
    const keyset_rec *k = strncmp(spec, "file:", 5) ? reg_keyset(spec) : &g_reg.file_keys;
    return k && k->count ? k : NULL;
}

/* Refuses a key set that holds no key and a --size above its key count (before any work). A
 * --size that came from the experiment's defaults is lowered to the key count instead, noted in
 * s->size_note, so that the size column records the keys the run really uses. */
static int check_key_count(const pmlab_experiment *e, const char *spec, bool size_given, sweep *s)
{
    const keyset_rec *k = keyset_counter(spec);
    if (!k)
        return 0;
    if (k->validate && !strncmp(spec, "file:", 5)) {
        char err[256] = "";
        if (k->validate(spec, err, sizeof err) != 0)
            return usage_error("unusable key set '%s': %s", spec, err);
    }
    bool sized = (e->axes & PMLAB_AXIS_SIZE) && s->size > 0;
    uint64_t want = sized ? s->size : 1, have = 0;
    char err[512] = "";
    if (k->count(spec, want, &have, err, sizeof err) != 0)
        return usage_error("unusable key set '%s': %s", spec, err[0] ? err : "cannot count keys");
    if (have == 0)
        return usage_error("key set '%s' holds no key", spec);
    if (!sized || have == PMLAB_KEYS_UNBOUNDED || have >= want)
        return 0;
    if (size_given)
        return usage_error("bad --size value '%llu': key set '%s' holds only %llu distinct keys",
                           (unsigned long long)want, spec, (unsigned long long)have);
    s->size_note = xasprintf("--size %llu (experiment default) is above the %llu keys of '%s': "
                             "size %llu",
                             (unsigned long long)want, (unsigned long long)have, spec,
                             (unsigned long long)have);
    s->size = have;
    return 0;
}

static bool backend_allowed(const pmlab_experiment *e, const char *b)
{
    if (!e->backends)
        return reg_backend(b) != NULL;
    for (const char *const *p = e->backends; *p; p++)
        if (!strcmp(*p, b))
            return true;
    return false;
}

static int refuse_axis(const pmlab_experiment *e, unsigned axis, const char *opt, const char *v)
{
    if (v && !(e->axes & axis))
        return usage_error("experiment '%s' has no %s axis (--%s %s)", e->name, opt, opt, v);
    return 0;
}

/* Resolve defaults and validate everything. Returns 0 or 2 (message printed). */
static int build_sweep(const pmlab_experiment *e, opts *u, sweep *s)
{
    int rc;
    memset(s, 0, sizeof *s);
    s->e = e;
    if ((rc = refuse_axis(e, PMLAB_AXIS_BACKENDS, "backends", u->backends)) ||
        (rc = refuse_axis(e, PMLAB_AXIS_ALLOCS, "allocs", u->allocs)) ||
        (rc = refuse_axis(e, PMLAB_AXIS_THREADS, "threads", u->threads)) ||
        (rc = refuse_axis(e, PMLAB_AXIS_KEYS, "keys", u->keys)) ||
        (rc = refuse_axis(e, PMLAB_AXIS_SIZE, "size", u->size)) ||
        (rc = refuse_axis(e, PMLAB_AXIS_UPDATE, "update", u->update)))
        return rc;
    /* experiment defaults under the user's options */
    opts d = {0};
    strvec dargs = {0};
    if (e->defaults) {
        char *copy = xstrdup(e->defaults);
        for (char *t = strtok(copy, " \t"); t; t = strtok(NULL, " \t"))
            sv_push(&dargs, t);
        free(copy);
        if (parse_opts((int)dargs.n, dargs.v, &d)) {
            sv_free(&dargs);
            sv_free(&d.params);
            sv_free(&d.alerts);
            return usage_error("experiment '%s' has malformed defaults", e->name);
        }
    }
    bool size_given = u->size != NULL;
    for (const optdef *od = optdefs; od->name; od++)
        if (!*opt_slot(u, od) && *opt_slot(&d, od))
            *opt_slot(u, od) = *opt_slot(&d, od);
    /* the defaults' strings live in dargs until the end of this function: copy what we keep */
    rc = 0;
    const char *backends = u->backends ? u->backends : "all";
    const char *threads = u->threads ? u->threads : "1";
    const char *allocs = u->allocs ? u->allocs : "glibc";
    uint64_t v;

    if (e->axes & PMLAB_AXIS_BACKENDS) {
        if (!strcmp(backends, "all")) {
            if (e->backends)
                for (const char *const *p = e->backends; *p; p++)
                    sv_push(&s->backends, *p);
            else
                for (size_t i = 0; i < g_reg.nbackends; i++)
                    sv_push(&s->backends, g_reg.backends[i].name);
            if (!s->backends.n)
                rc = usage_error("--backends all: no backend is registered for '%s'", e->name);
        } else if (sv_split(&s->backends, backends, ',') < 0) {
            rc = usage_error("bad --backends value '%s': empty element", backends);
        } else {
            for (size_t i = 0; i < s->backends.n && !rc; i++)
                if (!backend_allowed(e, s->backends.v[i]))
                    rc = usage_error("unknown backend '%s' (pmlab list shows them)",
                                     s->backends.v[i]);
        }
    } else {
        sv_push(&s->backends, "-");
    }
    char *threads_exp = NULL;
    if (!rc &&
        (!strcmp(threads, "auto") || !strncmp(threads, "auto:", 5) || !strcmp(threads, "online"))) {
        /* auto: powers of two up to 2x the online CPUs; auto:N: powers of two up to N;
         * online: the online CPU count */
        unsigned on = online_cpus();
        uint64_t cap = 2 * (uint64_t)on;
        if (!strncmp(threads, "auto:", 5) &&
            (!parse_u64(threads + 5, &cap) || cap < 1 || cap > 4096))
            rc = usage_error("bad --threads value '%s': expected auto, auto:N (N 1..4096) or "
                             "online",
                             threads);
        sbuf tb = {0};
        sb_add(&tb, "");
        if (!strcmp(threads, "online"))
            sb_printf(&tb, "%u", on);
        else
            for (uint64_t p = 1; p <= cap; p *= 2)
                sb_printf(&tb, "%s%llu", tb.len ? "," : "", (unsigned long long)p);
        threads_exp = tb.s;
        s->threads_note =
            xasprintf("--threads %s -> %s (%u online CPUs%s)", threads, threads_exp, on,
                      !strcmp(threads, "auto") ? "; powers of two up to 2x online" : "");
        threads = threads_exp;
    }
    if (!rc) {
        strvec t = {0};
        if (sv_split(&t, threads, ',') < 0)
            rc = usage_error("bad --threads value '%s': empty element", threads);
        s->threads = xcalloc(t.n + 1, sizeof *s->threads);
        for (size_t i = 0; i < t.n && !rc; i++) {
            if (!parse_u64(t.v[i], &v) || v < 1 || v > 4096)
                rc = usage_error("bad --threads value '%s': '%s' is not a thread count 1..4096",
                                 threads, t.v[i]);
            else if (v < e->min_threads)
                rc = usage_error("bad --threads value '%s': experiment '%s' needs at least %u "
                                 "threads, not %llu",
                                 threads, e->name, e->min_threads, (unsigned long long)v);
            else
                s->threads[s->nthreads++] = v;
        }
        sv_free(&t);
    }
    free(threads_exp);
    if (!rc) {
        if (sv_split(&s->allocs, allocs, ',') < 0)
            rc = usage_error("bad --allocs value '%s': empty element", allocs);
        for (size_t i = 0; i < s->allocs.n && !rc; i++) {
            const char *a = s->allocs.v[i];
            if (!alloc_known(a)) {
                rc = usage_error("unknown allocator '%s' (glibc, jemalloc, tcmalloc, mimalloc)", a);
                break;
            }
            char *lib = alloc_library(a);
            if (strcmp(a, "glibc") != 0 && !lib)
                rc = usage_error("allocator '%s': its shared library was not found", a);
            sv_push(&s->libs, lib ? lib : "");
            free(lib);
        }
    }
    if (!rc && (e->axes & PMLAB_AXIS_KEYS)) {
        if (!u->keys)
            rc = usage_error("experiment '%s' needs --keys SET", e->name);
        else
            rc = check_keys(u->keys);
    }
    s->keys = "-";
    if (!rc && u->size)
        rc = check_u64("size", u->size, 1, UINT64_MAX, &s->size);
    else
        s->size = (e->axes & PMLAB_AXIS_SIZE) ? 100000 : 0;
    if (!rc)
        rc = check_u64("duration-ms", u->duration_ms ? u->duration_ms : "1000", 1, 86400000,
                       &s->duration);
    if (!rc)
        rc = check_u64("warmup-ms", u->warmup_ms ? u->warmup_ms : "200", 0, 86400000, &s->warmup);
    if (!rc)
        rc = check_u64("trials", u->trials ? u->trials : "3", 1, 1000, &s->trials);
    if (!rc && u->configs && sv_split(&s->only, u->configs, ',') != 0)
        rc = usage_error("bad --configs value '%s': expected a comma list of config_ids",
                         u->configs);
    if (!rc && u->max_trials)
        rc = check_u64("max-trials", u->max_trials, s->trials, 1000, &s->max_trials);
    else if (!rc) /* default: no re-runs, a sweep's row count stays --trials per configuration */
        s->max_trials = s->trials;
    if (!rc && (e->axes & PMLAB_AXIS_KEYS))
        rc = check_key_count(e, u->keys, size_given, s);
    if (!rc)
        rc = check_u64("update", u->update ? u->update : "0", 0, 100, &s->update);
    if (!rc)
        rc = check_u64("seed", u->seed ? u->seed : "1", 0, UINT64_MAX, &s->seed);
    if (!rc) { /* --pin against this machine's topology (hwloc), restricted to the mask */
        char terr[512] = "";
        const topo *t = topo_machine(terr, sizeof terr);
        if (!t)
            rc = usage_error("cannot read this machine's topology: %s", terr);
        else if (topo_pin_parse(t, u->pin ? u->pin : "compact", &s->pin, terr, sizeof terr))
            rc = usage_error("%s", terr);
        else {
            topo_info ti;
            topo_describe(t, &ti);
            s->allowed = ti.pus;
        }
    }
    if (!rc && u->timeout_ms)
        rc = check_u64("timeout-ms", u->timeout_ms, 1, UINT64_MAX, &s->timeout_ms);
    else
        s->timeout_ms = e->timeout_ms ? e->timeout_ms : 120000 + 4 * (s->warmup + s->duration);
    s->shard_k = s->shard_n = 1;
    if (!rc && u->shard) {
        unsigned long long k, n;
        char tail;
        if (sscanf(u->shard, "%llu/%llu%c", &k, &n, &tail) != 2 || n < 1 || k < 1 || k > n ||
            n > 100000 || u->shard[0] < '0' || u->shard[0] > '9')
            rc = usage_error("bad --shard value '%s': expected K/N with 1 <= K <= N", u->shard);
        s->shard_k = (unsigned)k;
        s->shard_n = (unsigned)n;
    }
    /* parameters: every declared one, user's value or default, type-checked */
    for (size_t i = 0; i < u->params.n && !rc; i++) {
        const char *pv = u->params.v[i];
        const char *eq = strchr(pv, '=');
        if (!eq || eq == pv) {
            rc = usage_error("bad --param '%s': expected NAME=VALUE", pv);
            break;
        }
        bool found = false;
        for (const pmlab_param *p = e->params; p && p->name; p++)
            if (strlen(p->name) == (size_t)(eq - pv) && !strncmp(p->name, pv, (size_t)(eq - pv)))
                found = true;
        if (!found)
            rc = usage_error("unknown parameter '%.*s' for experiment '%s' (pmlab help %s)",
                             (int)(eq - pv), pv, e->name, e->name);
    }
    sbuf ps = {0};
    sb_add(&ps, "");
    for (const pmlab_param *p = e->params; p && p->name && !rc; p++) {
        const char *val = p->def;
        size_t nl = strlen(p->name);
        for (size_t i = 0; i < u->params.n; i++)
            if (!strncmp(u->params.v[i], p->name, nl) && u->params.v[i][nl] == '=')
                val = u->params.v[i] + nl + 1;
        long long iv;
        double dv;
        bool bv;
        bool list_ok = true;
        if (p->type == PMLAB_PARAM_INT_LIST || p->type == PMLAB_PARAM_STR_LIST) {
            strvec lv = {0};
            list_ok = sv_split(&lv, val, ',') == 0 && lv.n > 0;
            for (size_t i = 0; list_ok && i < lv.n && p->type == PMLAB_PARAM_INT_LIST; i++)
                list_ok = parse_i64(lv.v[i], &iv);
            sv_free(&lv);
        }
        if (!list_ok || (p->type == PMLAB_PARAM_INT && !parse_i64(val, &iv)) ||
            (p->type == PMLAB_PARAM_DOUBLE && !parse_double(val, &dv)) ||
            (p->type == PMLAB_PARAM_BOOL && !parse_bool(val, &bv))) {
            rc = usage_error("bad value '%s' for parameter '%s' (expected %s)", val, p->name,
                             ptype_name(p->type));
            break;
        }
        char *kv = xasprintf("%s=%s", p->name, val);
        sv_push(&s->params, kv);
        sb_printf(&ps, "%s%s", ps.len ? ";" : "", kv);
        free(kv);
    }
    s->params_str = ps.s;
    if (!rc)
        build_combos(s, e);
    if (!rc) {
        char err[256] = "";
        if (alerts_load(&s->rules, &s->nrules, &u->alerts, u->alerts_file, err, sizeof err))
            rc = usage_error("%s", err);
    }
    if (!rc && (e->axes & PMLAB_AXIS_KEYS))
        s->keys = u->keys;
    s->keys_buf = xstrdup(s->keys); /* u->keys may point into dargs */
    s->keys = s->keys_buf;
    s->signature = xasprintf("experiment=%s;params=%s;duration_ms=%llu;warmup_ms=%llu;seed=%llu;"
                             "pin=%s",
                             e->name, s->params_str, (unsigned long long)s->duration,
                             (unsigned long long)s->warmup, (unsigned long long)s->seed,
                             s->pin.name ? s->pin.name : "");
    s->quiet = u->quiet;
    s->resume = u->resume;
    if (!rc && u->out)
        s->out = xstrdup(u->out);
    sv_free(&dargs);
    sv_free(&d.params);
    sv_free(&d.alerts);
    return rc;
}

/* ---- configurations ------------------------------------------------------------------------ */
typedef struct {
    const char *backend, *alloc, *lib;
    unsigned threads;
    size_t combo; /* index into sweep.combo_* (swept list parameters) */
    char id[17];
} config;

static size_t build_configs(const sweep *s, config **out)
{
    size_t n = s->ncombo * s->allocs.n * s->backends.n * s->nthreads, k = 0, idx = 0;
    config *c = xcalloc(n, sizeof *c);
    for (size_t pc = 0; pc < s->ncombo; pc++)
        for (size_t a = 0; a < s->allocs.n; a++)
            for (size_t b = 0; b < s->backends.n; b++)
                for (size_t t = 0; t < s->nthreads; t++, idx++) {
                    if (idx % s->shard_n != s->shard_k - 1)
                        continue;
                    config *x = &c[k++];
                    x->alloc = s->allocs.v[a];
                    x->lib = s->libs.v[a];
                    x->backend = s->backends.v[b];
                    x->threads = (unsigned)s->threads[t];
                    x->combo = pc;
                    char *canon =
                        xasprintf("%s|%s|%s|%u|%s|%llu|%llu|%s", s->e->name, x->backend, x->alloc,
                                  x->threads, s->keys, (unsigned long long)s->size,
                                  (unsigned long long)s->update, s->combo_str.v[pc]);
                    snprintf(x->id, sizeof x->id, "%016llx",
                             (unsigned long long)fnv1a(canon, strlen(canon), FNV_INIT));
                    free(canon);
                }
    *out = c;
    return k;
}

/* ---- one child ----------------------------------------------------------------------------- */
static const char *signame(int sig)
{
    switch (sig) {
    case SIGSEGV:
        return "SIGSEGV";
    case SIGABRT:
        return "SIGABRT";
    case SIGBUS:
        return "SIGBUS";
    case SIGFPE:
        return "SIGFPE";
    case SIGILL:
        return "SIGILL";
    case SIGKILL:
        return "SIGKILL";
    case SIGTERM:
        return "SIGTERM";
    case SIGINT:
        return "SIGINT";
    case SIGTRAP:
        return "SIGTRAP";
    case SIGSYS:
        return "SIGSYS";
    case SIGPIPE:
        return "SIGPIPE";
    default:
        return NULL;
    }
}

static char **child_env(const char *lib)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = xcalloc(n + 3, sizeof *env);
    size_t k = 0;
    const char *old_preload = NULL, *old_asan = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!strncmp(environ[i], "LD_PRELOAD=", 11))
            old_preload = environ[i] + 11;
        else if (!strncmp(environ[i], "ASAN_OPTIONS=", 13))
            old_asan = environ[i] + 13;
        else
            env[k++] = xstrdup(environ[i]);
    }
    if (lib && *lib)
        env[k++] = old_preload && *old_preload ? xasprintf("LD_PRELOAD=%s:%s", lib, old_preload)
                                               : xasprintf("LD_PRELOAD=%s", lib);
    else if (old_preload)
        env[k++] = xasprintf("LD_PRELOAD=%s", old_preload);
#ifdef PM_SANITIZE_ADDRESS
    /* a preloaded allocator comes before the ASan runtime in the library list */
    env[k++] = xasprintf("ASAN_OPTIONS=%s%sverify_asan_link_order=0", old_asan ? old_asan : "",
                         old_asan && *old_asan ? ":" : "");
#else
    if (old_asan)
        env[k++] = xasprintf("ASAN_OPTIONS=%s", old_asan);
#endif
    env[k] = NULL;
    return env;
}

static void free_strv(char **v)
{
    for (size_t i = 0; v[i]; i++)
        free(v[i]);
    free(v);
}

typedef struct {
    char *status;
    strvec keys, vals; /* name=value from the child */
    long rss_kb;
    double wall_ms;
    char *log; /* relative path of the kept stderr log, or NULL */
} child_out;

static void child_out_free(child_out *c)
{
    free(c->status);
    free(c->log);
    sv_free(&c->keys);
    sv_free(&c->vals);
}

static void run_child(const sweep *s, const config *c, unsigned trial, const char *dir,
                      child_out *res)
{
    memset(res, 0, sizeof *res);
    char *result = xasprintf("%s/.tmp/%s-t%u.result", dir, c->id, trial);
    char *series = xasprintf("%s/series/%s-t%u.csv", dir, c->id, trial);
    char *hist = xasprintf("%s/hist/%s-t%u.csv", dir, c->id, trial);
    char *logp = xasprintf("%s/logs/%s-t%u.log", dir, c->id, trial);
    unlink(result);
    strvec av = {0};
    char num[32];
    sv_push(&av, g_argv0);
    sv_push(&av, "__child");
#define ARG(k, v)                                                                                  \
    do {                                                                                           \
        sv_push(&av, k);                                                                           \
        sv_push(&av, v);                                                                           \
    } while (0)
#define ARGU(k, v)                                                                                 \
    do {                                                                                           \
        snprintf(num, sizeof num, "%llu", (unsigned long long)(v));                                \
        ARG(k, num);                                                                               \
    } while (0)
    ARG("--result", result);
    ARG("--series", series);
    ARG("--hist", hist);
    ARG("--experiment", s->e->name);
    ARG("--backend", c->backend);
    ARG("--alloc", c->alloc);
    ARG("--keys", s->keys);
    ARGU("--threads", c->threads);
    ARGU("--size", s->size);
    ARGU("--duration-ms", s->duration);
    ARGU("--warmup-ms", s->warmup);
    ARGU("--update", s->update);
    ARGU("--pin", s->pin.policy != TOPO_PIN_NONE);
    char *cpus = topo_pin_cpus(&s->pin); /* the plan's CPU order: worker i takes the i mod n-th */
    if (*cpus)
        ARG("--cpus", cpus);
    free(cpus);
    ARGU("--seed", s->seed + trial);
    ARGU("--trial", trial);
    for (size_t i = 0; i < s->combo_params[c->combo].n; i++)
        ARG("--param", s->combo_params[c->combo].v[i]);
    sv_push(&av, "");
    free(av.v[av.n - 1]);
    av.v[av.n - 1] = NULL;
    char **env = child_env(c->lib);

    uint64_t t0 = pmlab_now_ns();
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        /* the child's stderr goes to logs/<config_id>-t<trial>.log (kept when non-empty or
         * when the row failed) */
        int lfd = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (lfd >= 0) {
            dup2(lfd, 2);
            close(lfd);
        }
        execve("/proc/self/exe", av.v, env);
        _exit(127);
    }
    int st = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    bool timed_out = false, killed = false;
    if (pid < 0) {
        res->status = xasprintf("error:fork failed: %s", strerror(errno));
    } else {
        setpgid(pid, pid);
        for (;;) {
            pid_t w = wait4(pid, &st, WNOHANG, &ru);
            if (w == pid)
                break;
            if (w < 0 && errno != EINTR) {
                res->status = xasprintf("error:wait failed: %s", strerror(errno));
                break;
            }
            uint64_t el = (pmlab_now_ns() - t0) / 1000000u;
            if (!killed && (g_interrupted || el >= s->timeout_ms)) {
                timed_out = !g_interrupted;
                kill(-pid, SIGKILL);
                kill(pid, SIGKILL);
                killed = true;
            }
            struct timespec ts = {0, 2000000};
            nanosleep(&ts, NULL);
        }
    }
    res->wall_ms = (double)(pmlab_now_ns() - t0) / 1e6;
    res->rss_kb = ru.ru_maxrss;
    if (!res->status) {
        if (killed && !timed_out)
            res->status = xstrdup("interrupted");
        else if (timed_out)
            res->status = xstrdup("timeout");
        else if (WIFSIGNALED(st)) {
            const char *n = signame(WTERMSIG(st));
            res->status = n ? xasprintf("crashed:%s", n) : xasprintf("crashed:SIG%d", WTERMSIG(st));
        } else if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
            res->status = xasprintf("exit:%d", WEXITSTATUS(st));
    }
    if (!res->status) {
        char *text = slurp(result, NULL);
        if (!text)
            res->status = xstrdup("error:child wrote no result");
        else {
            for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
                char *eq = strchr(line, '=');
                if (!eq)
                    continue;
                *eq = 0;
                if (!strcmp(line, "status"))
                    res->status = xstrdup(eq + 1);
                else {
                    sv_push(&res->keys, line);
                    sv_push(&res->vals, eq + 1);
                }
            }
            free(text);
            if (!res->status)
                res->status = xstrdup("error:child result has no status");
        }
    }
    unlink(result);
    struct stat sst;
    if (stat(series, &sst) == 0 && sst.st_size == 0)
        unlink(series);
    if (stat(logp, &sst) == 0 && sst.st_size == 0 && res->status && !strcmp(res->status, "ok"))
        unlink(logp);
    else if (stat(logp, &sst) == 0)
        res->log = xasprintf("logs/%s-t%u.log", c->id, trial);
    free(result);
    free(series);
    free(hist);
    free(logp);
    sv_free(&av);
    free_strv(env);
}

/* ---- results.csv ---------------------------------------------------------------------------- */
static void header_cols(const pmlab_experiment *e, strvec *cols)
{
    for (size_t i = 0; common_cols[i]; i++)
        sv_push(cols, common_cols[i]);
    for (const pmlab_column *c = e->columns; c && c->name; c++)
        sv_push(cols, c->name);
}

static void write_row(FILE *f, const strvec *cols, const strvec *vals)
{
    for (size_t i = 0; i < cols->n; i++) {
        if (i)
            fputc(',', f);
        csv_field(f, vals->v[i]);
    }
    fputc('\n', f);
    fflush(f);
    fsync(fileno(f));
}

static void set_val(strvec *vals, const strvec *cols, const char *name, const char *v)
{
    for (size_t i = 0; i < cols->n; i++)
        if (!strcmp(cols->v[i], name)) {
            free(vals->v[i]);
            vals->v[i] = xstrdup(v);
            return;
        }
}

static void fill_row(strvec *vals, const strvec *cols, const sweep *s, const config *c,
                     unsigned trial, const child_out *r)
{
    sv_free(vals);
    for (size_t i = 0; i < cols->n; i++)
        sv_push(vals, "");
    char b[64];
    unsigned online = online_cpus();
    const topo *t = topo_machine(b, sizeof b);
    topo_slot *plan = xcalloc(c->threads, sizeof *plan);
    bool have_plan =
        s->pin.policy != TOPO_PIN_NONE && t && topo_plan(t, &s->pin, c->threads, plan) == 0;
#define SETS(k, v) set_val(vals, cols, k, v)
#define SETU(k, v)                                                                                 \
    do {                                                                                           \
        snprintf(b, sizeof b, "%llu", (unsigned long long)(v));                                    \
        SETS(k, b);                                                                                \
    } while (0)
    SETS("experiment", s->e->name);
    SETS("backend", c->backend);
    SETS("alloc", c->alloc);
    SETU("threads", c->threads);
    SETU("online_cpus", online);
    SETU("oversubscribed", c->threads > s->allowed);
    SETU("trial", trial);
    SETS("keys", s->keys);
    SETU("size", s->size);
    SETU("update_pct", s->update);
    SETS("pin", s->pin.name);
    if (have_plan) /* blank under none: the OS places the workers */
        SETU("smt", topo_plan_smt(plan, c->threads));
    free(plan);
    SETU("seed", s->seed + trial);
    SETU("duration_ms", s->duration);
    SETU("warmup_ms", s->warmup);
    SETS("params", s->combo_str.v[c->combo]);
    SETS("config_id", c->id);
    snprintf(b, sizeof b, "%.1f", r->wall_ms);
    SETS("wall_ms", b);
    if (r->rss_kb > 0)
        SETU("rss_peak_kb", (unsigned long long)r->rss_kb);
    SETS("contended", "0"); /* a failed child measured nothing: not contended */
    for (size_t i = 0; i < r->keys.n; i++) {
        const char *k = r->keys.v[i];
        if (!strncmp(k, "x.", 2))
            SETS(k + 2, r->vals.v[i]);
        else if (strcmp(k, "rss_peak_kb") != 0 || r->rss_kb <= 0)
            SETS(k, r->vals.v[i]);
    }
    SETS("status", r->status);
}

static void describe(char *buf, size_t n, const sweep *s, const config *c, unsigned trial)
{
    snprintf(buf, n, "%s%s%s alloc=%s threads=%u%s%s%s trial=%u", s->e->name,
             strcmp(c->backend, "-") ? " backend=" : "", strcmp(c->backend, "-") ? c->backend : "",
             c->alloc, c->threads, c->threads > s->allowed ? " (oversubscribed)" : "",
             s->ncombo > 1 ? " " : "", s->ncombo > 1 ? s->combo_str.v[c->combo] : "", trial);
}

static char *default_out(const char *exp)
{
    char stamp[32];
    utc_stamp(stamp, sizeof stamp, true);
    char *base = xasprintf("results/%s-%s", stamp, exp);
    char *p = xstrdup(base);
    struct stat st;
    for (int i = 2; stat(p, &st) == 0; i++) {
        free(p);
        p = xasprintf("%s-%d", base, i);
    }
    free(base);
    return p;
}

/* Truncate a trailing partial line (a row cut by a crash of the parent). */
static void drop_partial_line(const char *path)
{
    size_t len;
    char *t = slurp(path, &len);
    if (!t)
        return;
    if (len && t[len - 1] != '\n') {
        char *nl = strrchr(t, '\n');
        if (truncate(path, nl ? (off_t)(nl - t + 1) : 0) != 0)
            perror("pmlab: truncate");
    }
    free(t);
}

int cmd_run(const char *expname, int argc, char **argv, const char *cmdline, const char *forced_out,
            bool quiet_default)
{
    (void)quiet_default;
    return cmd_run_ex(expname, argc, argv, cmdline, forced_out, false);
}

/* ---- the trials of each configuration ----------------------------------------------------------
 * Per configuration: which trial numbers are recorded, how many, and how many of them are clean
 * (contended != 1; a failed row counts as clean: re-running it would fail again). A
 * configuration wants another trial while clean < --trials and recorded < --max-trials. */
typedef struct {
    bool *used; /* trial number -> recorded */
    size_t cap;
    unsigned ran, clean;
    bool frozen; /* not among --configs: wants no trial */
} trial_book;

static void book_mark(trial_book *b, unsigned t, bool contended)
{
    if (t >= b->cap) {
        size_t n = (size_t)t + 1 > 2 * b->cap ? (size_t)t + 1 : 2 * b->cap;
        b->used = xrealloc(b->used, n * sizeof *b->used);
        memset(b->used + b->cap, 0, (n - b->cap) * sizeof *b->used);
        b->cap = n;
    }
    if (b->used[t])
        return; /* a row recorded twice (merged folders) counts once */
    b->used[t] = true;
    b->ran++;
    if (!contended)
        b->clean++;
}

static trial_book *book_init(const sweep *s, const config *cfgs, size_t ncfg, const csv_table *old)
{
    trial_book *book = xcalloc(ncfg ? ncfg : 1, sizeof *book);
    for (size_t r = 0; r < old->nrows; r++) {
        const char *id = csv_get(old, r, "config_id");
        uint64_t t;
        if (!parse_u64(csv_get(old, r, "trial"), &t) || t >= 1000000)
            continue;
        for (size_t i = 0; i < ncfg; i++)
            if (!strcmp(cfgs[i].id, id)) {
                book_mark(&book[i], (unsigned)t, !strcmp(csv_get(old, r, "contended"), "1"));
                break;
            }
    }
    for (size_t i = 0; i < ncfg; i++)
        book[i].frozen = s->only.n && !sv_has(&s->only, cfgs[i].id);
    return book;
}

static unsigned book_wants(const sweep *s, const trial_book *b)
{
    if (b->frozen || b->clean >= s->trials || b->ran >= s->max_trials)
        return 0;
    uint64_t need = s->trials - b->clean, room = s->max_trials - b->ran;
    return (unsigned)(need < room ? need : room);
}

static size_t book_remaining(const sweep *s, const trial_book *book, size_t ncfg)
{
    size_t n = 0;
    for (size_t i = 0; i < ncfg; i++)
        n += book_wants(s, &book[i]);
    return n;
}

static unsigned book_next_trial(const trial_book *b)
{
    unsigned t = 0;
    while (t < b->cap && b->used[t])
        t++;
    return t;
}

static void book_free(trial_book *book, size_t ncfg)
{
    for (size_t i = 0; i < ncfg; i++)
        free(book[i].used);
    free(book);
}

static const char *child_value(const child_out *r, const char *key)
{
    for (size_t j = 0; j < r->keys.n; j++)
        if (!strcmp(r->keys.v[j], key))
            return r->vals.v[j];
    return "";
}

static void set_child_value(child_out *r, const char *key, const char *val)
{
    for (size_t j = 0; j < r->keys.n; j++)
        if (!strcmp(r->keys.v[j], key)) {
            free(r->vals.v[j]);
            r->vals.v[j] = xstrdup(val);
            return;
        }
    sv_push(&r->keys, key);
    sv_push(&r->vals, val);
}

/* The distinct CPUs a trial's workers run on: the --pin plan's first workers (worker i takes
 * cpu[i mod n]), or under --pin none the first of the affinity mask (probe.h) */
static size_t trial_cpus(const sweep *s, unsigned threads, int *out, size_t cap)
{
    if (s->pin.policy == TOPO_PIN_NONE || !s->pin.n)
        return probe_trial_cpus(threads, out, cap);
    size_t k = 0;
    for (unsigned w = 0; w < threads && w < s->pin.n && k < cap; w++) {
        int c = s->pin.cpu[w];
        bool seen = false;
        for (size_t j = 0; j < k; j++)
            seen |= out[j] == c;
        if (!seen)
            out[k++] = c;
    }
    return k;
}

/* TEST-ONLY hook: pmlab-test's fake experiments (tests/harness/fake_experiments.c) define it to
 * force a trial's probe_ratio (a value >= 0), so that tests do not depend on the machine's load
 * and the probe's rule can be tested. The pmlab program does not define it (weak: NULL). */
extern double pmlab_test_only_probe_ratio(const char *experiment, const char *params,
                                          unsigned trial) __attribute__((weak));

/* The probe's columns, and `contended` = 1 for an ok trial that is not oversubscribed when the
 * host was slow around it (probe_ratio above PMLAB_PROBE_SLOW) */
static void record_probe(const sweep *s, const config *c, unsigned trial, child_out *r,
                         probe_result pb)
{
    char b[32];
    bool oversubscribed = c->threads > online_cpus();
    if (pmlab_test_only_probe_ratio) {
        double forced = pmlab_test_only_probe_ratio(s->e->name, s->combo_str.v[c->combo], trial);
        if (forced >= 0)
            pb.ratio = forced;
    }
    if (isnan(pb.ns))
        return;
    snprintf(b, sizeof b, "%.1f", pb.ns);
    set_child_value(r, "probe_ns", b);
    snprintf(b, sizeof b, "%.3f", pb.ratio);
    set_child_value(r, "probe_ratio", b);
    if (!oversubscribed && r->status && !strcmp(r->status, "ok") && pb.ratio > PMLAB_PROBE_SLOW)
        set_child_value(r, "contended", "1");
}

/* Parses and validates a run's options into s (no files touched). 0 or 2 (message printed). */
static int prepare(const char *expname, int argc, char **argv, const char *forced_out, opts *u,
                   sweep *s, const pmlab_experiment **ep)
{
    memset(u, 0, sizeof *u);
    memset(s, 0, sizeof *s);
    const pmlab_experiment *e = reg_experiment(expname);
    *ep = e;
    if (!e)
        return usage_error("unknown experiment '%s' (pmlab list shows them)", expname);
    int rc = parse_opts(argc, argv, u);
    if (!rc && forced_out && !u->out)
        u->out = forced_out;
    if (!rc)
        rc = build_sweep(e, u, s);
    return rc;
}

int sweep_plan(const char *exp, int argc, char **argv, size_t *nconfigs, unsigned *trials,
               double *seconds_per_trial)
{
    opts u;
    sweep s;
    const pmlab_experiment *e;
    int rc = prepare(exp, argc, argv, NULL, &u, &s, &e);
    if (!rc) {
        config *cfgs;
        *nconfigs = build_configs(&s, &cfgs);
        free(cfgs);
        *trials = (unsigned)s.trials;
        *seconds_per_trial = (double)(s.warmup + s.duration) / 1000.0;
    }
    sv_free(&u.params);
    sv_free(&u.alerts);
    sweep_free(&s);
    return rc;
}

static int run_sweep(const char *expname, int argc, char **argv, const char *cmdline,
                     const char *forced_out, bool validate_only, char **out_dir);

int cmd_run_ex(const char *expname, int argc, char **argv, const char *cmdline,
               const char *forced_out, bool validate_only)
{
    return run_sweep(expname, argc, argv, cmdline, forced_out, validate_only, NULL);
}

int cmd_run_into(const char *expname, int argc, char **argv, const char *cmdline, char **out_dir)
{
    return run_sweep(expname, argc, argv, cmdline, NULL, false, out_dir);
}

static int run_sweep(const char *expname, int argc, char **argv, const char *cmdline,
                     const char *forced_out, bool validate_only, char **out_dir)
{
    opts u;
    sweep s;
    const pmlab_experiment *e;
    int rc = prepare(expname, argc, argv, forced_out, &u, &s, &e);
    if (!e)
        return rc;
    bool had_out = s.out != NULL;
    if (!rc && !s.out && s.resume)
        rc = usage_error("--resume needs a folder: --resume DIR or --out DIR");
    if (!rc && !s.out)
        s.out = default_out(e->name);
    char *csv_path = s.out ? xasprintf("%s/results.csv", s.out) : NULL;
    char *meta_path = s.out ? xasprintf("%s/meta.json", s.out) : NULL;
    struct stat st;
    char err[512] = "";
    strvec cols = {0}, vals = {0};
    csv_table old = {0}; /* the recorded rows (--resume) */
    char *old_meta = NULL;
    if (!rc) {
        header_cols(e, &cols);
        if (check_writable_dir(s.out, err, sizeof err))
            rc = usage_error("unwritable output folder '%s': %s", s.out, err);
    }
    if (!rc && s.resume) {
        csv_table t;
        if (csv_read(csv_path, &t) != 0) {
            rc = usage_error("--resume '%s': no results.csv to resume", s.out);
        } else {
            bool same = t.cols.n == cols.n;
            for (size_t i = 0; same && i < cols.n; i++)
                same = !strcmp(t.cols.v[i], cols.v[i]);
            old_meta = slurp(meta_path, NULL);
            char *sig = json_get_str(old_meta, "signature");
            if (!same)
                rc = usage_error("--resume '%s': its results.csv has other columns "
                                 "(another experiment, or recorded by an older pmlab?)",
                                 s.out);
            else if (!sig || strcmp(sig, s.signature) != 0)
                rc = usage_error("--resume '%s': recorded sweep differs (%s) from this one (%s)",
                                 s.out, sig ? sig : "no meta.json", s.signature);
            free(sig);
            old = t;
        }
    } else if (!rc && had_out && stat(csv_path, &st) == 0) {
        rc = usage_error("output folder '%s' already holds results.csv (use --resume)", s.out);
    }
    config *cfgs = NULL;
    size_t ncfg = rc ? 0 : build_configs(&s, &cfgs);
    for (size_t j = 0; !rc && j < s.only.n; j++) { /* --configs: configurations of this sweep */
        size_t i = 0;
        while (i < ncfg && strcmp(cfgs[i].id, s.only.v[j]) != 0)
            i++;
        if (i == ncfg)
            rc = usage_error("bad --configs value '%s': not a configuration of this sweep "
                             "(a config_id of its results.csv)",
                             s.only.v[j]);
    }
    if (rc || validate_only) {
        free(cfgs);
        free(csv_path);
        free(meta_path);
        free(old_meta);
        sv_free(&cols);
        csv_free(&old);
        sv_free(&u.params);
        sv_free(&u.alerts);
        sweep_free(&s);
        return rc;
    }

    trial_book *book = book_init(&s, cfgs, ncfg, &old);
    csv_free(&old);
    size_t nconfigs = book_remaining(&s, book, ncfg);

    /* ---- from here on we create files ---- */
    char *tmpdir = xasprintf("%s/.tmp", s.out);
    char *serdir = xasprintf("%s/series", s.out);
    char *histdir = xasprintf("%s/hist", s.out);
    char *logdir = xasprintf("%s/logs", s.out);
    if (mkdir_p(s.out) || mkdir_p(tmpdir) || mkdir_p(serdir) || mkdir_p(histdir) ||
        mkdir_p(logdir)) {
        fprintf(stderr, "pmlab: cannot create '%s': %s\n", s.out, strerror(errno));
        return PMLAB_EXIT_USAGE;
    }
    char start[32], end[32];
    utc_stamp(start, sizeof start, false);
    char *start_keep = old_meta ? json_get_str(old_meta, "start_utc") : NULL;
    char *thr = alerts_thresholds_string(s.rules, s.nrules);
    sbuf axes = {0};
    sb_add(&axes, "");
    for (size_t i = 0; i < s.nthreads; i++)
        sb_printf(&axes, "%s%llu", i ? "," : "", (unsigned long long)s.threads[i]);
    sbuf al = {0};
    sb_add(&al, "");
    for (size_t i = 0; i < s.allocs.n; i++)
        sb_printf(&al, "%s%s", i ? "," : "", s.allocs.v[i]);
    char *allocs_s = al.s;
    char *keys_q = json_quote(s.keys);
    char *pin_cpus = topo_pin_cpus(&s.pin);
    char *extra = xasprintf(
        "\"shard\": \"%u/%u\",\n  \"alert_thresholds\": \"%s\",\n  \"timeout_ms\": %llu,\n  "
        "\"trials\": %llu,\n  \"max_trials\": %llu,\n  \"trial_order\": \"interleaved\",\n  "
        "\"seed\": %llu,\n  \"seeds\": \"seed+trial (%llu..)\",\n  "
        "\"pin\": \"%s\",\n  \"pin_cpus\": \"%s\",\n  \"threads\": \"%s\",\n  "
        "\"allocators\": \"%s\",\n  \"keys\": %s,\n  \"configurations\": %zu,\n  "
        "\"resumed\": %s",
        s.shard_k, s.shard_n, thr, (unsigned long long)s.timeout_ms, (unsigned long long)s.trials,
        (unsigned long long)s.max_trials, (unsigned long long)s.seed, (unsigned long long)s.seed,
        s.pin.name, pin_cpus, axes.s, allocs_s, keys_q, ncfg, s.resume ? "true" : "false");
    free(pin_cpus);
    sb_free(&axes);
    free(allocs_s);
    free(keys_q);
    sysload_snap load0, load1;
    sysload_take(&load0);
    char *load_json = sysload_json(&load0, NULL);
    char *extra1 = xasprintf("%s,\n  %s", extra, load_json);
    free(load_json);
    meta_write(s.out, e->name, s.signature, cmdline, start_keep ? start_keep : start, "", extra1);
    free(extra1);
    bool fresh = stat(csv_path, &st) != 0;
    if (!fresh)
        drop_partial_line(csv_path);
    FILE *csv = fopen(csv_path, "a");
    if (!csv) {
        fprintf(stderr, "pmlab: cannot write '%s': %s\n", csv_path, strerror(errno));
        return PMLAB_EXIT_USAGE;
    }
    if (fresh)
        write_row(csv, &cols, &cols);

    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    g_interrupted = 0;

    if (!s.quiet && s.threads_note)
        fprintf(stderr, "pmlab: %s: %s\n", e->name, s.threads_note);
    if (!s.quiet && s.size_note)
        fprintf(stderr, "pmlab: %s: %s\n", e->name, s.size_note);
    if (!s.quiet) {
        char rerun[96] = "";
        if (s.max_trials > s.trials)
            snprintf(rerun, sizeof rerun, "; a contended trial is re-run, up to %llu trials",
                     (unsigned long long)s.max_trials);
        fprintf(stderr,
                "pmlab: %s: %zu configurations x %llu trials%s, interleaved%s; %zu to run -> %s/\n",
                e->name, ncfg, (unsigned long long)s.trials, s.shard_n > 1 ? " (this shard)" : "",
                rerun, nconfigs, s.out);
    }
    uint64_t t_start = pmlab_now_ns();
    size_t k = 0, failed = 0, written = 0, contended = 0;
    bool any_over = false;
    /* interleaved: one trial of every configuration that wants one, then the next round, so that
     * a drift of the machine hits every configuration of a ratio alike (A B A B) */
    for (bool progress = true; progress && !g_interrupted;) {
        progress = false;
        for (size_t i = 0; i < ncfg && !g_interrupted; i++) {
            if (!book_wants(&s, &book[i]))
                continue;
            unsigned t = book_next_trial(&book[i]);
            child_out r;
            /* the host probe on the trial's CPUs, just before and just after it (probe.h) */
            int pc[64];
            size_t npc = trial_cpus(&s, cfgs[i].threads, pc, 64);
            probe_result pb = probe_cpus(pc, npc);
            run_child(&s, &cfgs[i], t, s.out, &r);
            pb = probe_worse(pb, probe_cpus(pc, npc));
            record_probe(&s, &cfgs[i], t, &r, pb);
            if (g_interrupted && !strcmp(r.status, "interrupted")) {
                child_out_free(&r);
                break; /* not recorded: resume runs it again */
            }
            k++;
            progress = true;
            fill_row(&vals, &cols, &s, &cfgs[i], t, &r);
            write_row(csv, &cols, &vals);
            written++;
            bool cont = !strcmp(child_value(&r, "contended"), "1");
            book_mark(&book[i], t, cont);
            contended += cont;
            if (status_failed(r.status))
                failed++;
            any_over |= cfgs[i].threads > s.allowed;
            if (!s.quiet) {
                char d[256];
                describe(d, sizeof d, &s, &cfgs[i], t);
                size_t n = k + book_remaining(&s, book, ncfg);
                double el = (double)(pmlab_now_ns() - t_start) / 1e9;
                double eta = el / (double)k * (double)(n - k);
                const char *ops = child_value(&r, "ops_per_sec");
                char cbuf[64] = "";
                if (cont)
                    snprintf(cbuf, sizeof cbuf, " | contended (cpu_share %s, host probe %sx)",
                             child_value(&r, "cpu_share"), child_value(&r, "probe_ratio"));
                char sbuf2[64] = ""; /* inside `pmlab reproduce`: the runs still to come */
                if (g_suite_eta_after > 0)
                    snprintf(sbuf2, sizeof sbuf2, " (suite ~%.0fs)", eta + g_suite_eta_after);
                fprintf(stderr, "[%zu/%zu] %s: %s%s%s ops/s%s%s%s | elapsed %.1fs, ~%.1fs left%s\n",
                        k, n, d, r.status, *ops ? " " : "", *ops ? ops : " -", cbuf,
                        r.log ? " | stderr: " : "", r.log ? r.log : "", el, eta, sbuf2);
            }
            child_out_free(&r);
        }
    }
    fclose(csv);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    bool interrupted = g_interrupted != 0;

    utc_stamp(end, sizeof end, false);
    sysload_take(&load1);
    load_json = sysload_json(&load0, &load1);
    char *extra2 = xasprintf("%s,\n  %s,\n  \"interrupted\": %s", extra, load_json,
                             interrupted ? "true" : "false");
    free(load_json);
    meta_write(s.out, e->name, s.signature, cmdline, start_keep ? start_keep : start, end, extra2);
    rmdir(tmpdir);
    rmdir(serdir); /* only if empty */
    rmdir(histdir);
    rmdir(logdir);
    report_render(s.out, true, stdout);
    if (any_over && !s.quiet)
        fprintf(stderr,
                "pmlab: note: some configurations are oversubscribed (threads > %u "
                "CPUs); their figures measure the scheduler too\n",
                s.allowed);
    if (contended && !s.quiet)
        fprintf(stderr,
                "pmlab: note: %zu trial%s contended (a thread got less than %.0f %% of the time "
                "it was runnable: another process used the CPUs); more trials: --resume %s "
                "--max-trials M (M > %llu)\n",
                contended, contended == 1 ? " was" : "s were", 100 * PMLAB_CONTENDED_SHARE, s.out,
                (unsigned long long)s.max_trials);
    if (interrupted)
        fprintf(stderr, "pmlab: interrupted: %zu rows kept in %s/; continue with --resume %s\n",
                written, s.out, s.out);
    else if (!s.quiet)
        fprintf(stderr, "pmlab: results in %s/\n", s.out);

    free(extra);
    free(extra2);
    free(thr);
    free(start_keep);
    free(old_meta);
    free(tmpdir);
    free(serdir);
    free(histdir);
    free(logdir);
    book_free(book, ncfg);
    free(cfgs);
    free(csv_path);
    free(meta_path);
    sv_free(&cols);
    sv_free(&vals);
    sv_free(&u.params);
    sv_free(&u.alerts);
    if (out_dir)
        *out_dir = xstrdup(s.out);
    sweep_free(&s);
    if (interrupted)
        return 130;
    return failed ? 1 : 0;
}
