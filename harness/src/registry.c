/* Registration of experiments, backends, key sets and suites; common columns; allocators. */
#define _GNU_SOURCE
#include "registry.h"

#include <ctype.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

pmlab_registry g_reg;

const char *const common_cols[] = {
    /* DESIGN §6, fixed order */
    "experiment", "backend", "alloc", "threads", "online_cpus", "oversubscribed", "trial", "keys",
    "size", "ops", "seconds", "ops_per_sec", "p50_ns", "p99_ns", "p999_ns", "max_ns", "retired",
    "freed", "pending_peak", "rss_peak_kb", "status",
    /* contention over the measured window (child.c, sysload.h) */
    "cpu_share", "nivcsw", "helper_cpu", "contended",
    /* the host probe around the trial (sweep.c, probe.h) */
    "probe_ns", "probe_ratio",
    /* added by the harness */
    "p90_ns", "update_pct", "pin", "smt", "seed", "duration_ms", "warmup_ms", "params", "config_id",
    "wall_ms", "query_ops_per_sec", "query_p50_ns", "query_p99_ns", "query_p999_ns",
    "update_p50_ns", "update_p99_ns", "update_p999_ns", "merge_count", "merge_p99_ns",
    "merge_max_ns", "clones", "clone_rate", "map_bytes", "alloc_p999_ns", "alloc_stall_share",
    "pending_bytes_peak", "hw_cycles", "hw_instructions", NULL};

size_t common_ncols(void)
{
    size_t n = 0;
    while (common_cols[n])
        n++;
    return n;
}

static void die_reg(const char *what, const char *name)
{
    fprintf(stderr, "pmlab: registration error: %s '%s'\n", what, name ? name : "(null)");
    exit(70);
}

static bool good_name(const char *s, bool dash)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_' ||
              (dash && (*s == '-' || *s == '.'))))
            return false;
    return true;
}

void pmlab_register_experiment(pmlab_registry *r, const pmlab_experiment *e)
{
    if (!e || !good_name(e->name, true) || !e->run || !e->description)
        die_reg("malformed experiment", e ? e->name : NULL);
    for (size_t i = 0; i < r->nexps; i++)
        if (!strcmp(r->exps[i]->name, e->name))
            die_reg("duplicate experiment", e->name);
    for (const pmlab_param *p = e->params; p && p->name; p++)
        if (!good_name(p->name, false) || !p->def)
            die_reg("malformed parameter", p->name);
    for (const pmlab_column *c = e->columns; c && c->name; c++) {
        if (!good_name(c->name, false))
            die_reg("malformed column", c->name);
        for (size_t i = 0; common_cols[i]; i++)
            if (!strcmp(common_cols[i], c->name))
                die_reg("column clashes with a common column", c->name);
    }
    r->exps = xrealloc(r->exps, (r->nexps + 1) * sizeof *r->exps);
    r->exps[r->nexps++] = e;
}

void pmlab_register_backend(pmlab_registry *r, const char *name, const char *help)
{
    if (!good_name(name, true) || !strcmp(name, "all"))
        die_reg("malformed backend", name);
    if (reg_backend(name))
        return; /* several experiments may register the same backend list */
    r->backends = xrealloc(r->backends, (r->nbackends + 1) * sizeof *r->backends);
    r->backends[r->nbackends++] = (backend_rec){name, help ? help : ""};
}

void pmlab_register_keyset_ex(pmlab_registry *r, const char *name, const char *help,
                              pmlab_keyset_validate_fn validate, pmlab_keyset_count_fn count)
{
    if (name && !strcmp(name, "file")) {
        /* the checker and counter of file:PATH[:lp] specs (the form itself is built in) */
        r->file_keys = (keyset_rec){"file", help ? help : "", validate, count};
        return;
    }
    /* A name ending in ':' ("paths:") is a family: it matches every spec NAME:ARGUMENT. */
    char *base = name ? strdup(name) : NULL;
    size_t nl = base ? strlen(base) : 0;
    if (nl > 1 && base[nl - 1] == ':')
        base[nl - 1] = 0;
    bool ok = good_name(base, true);
    free(base);
    if (!ok)
        die_reg("malformed key set", name);
    for (size_t i = 0; i < r->nkeysets; i++)
        if (!strcmp(r->keysets[i].name, name))
            return;
    r->keysets = xrealloc(r->keysets, (r->nkeysets + 1) * sizeof *r->keysets);
    r->keysets[r->nkeysets++] = (keyset_rec){name, help ? help : "", validate, count};
}

void pmlab_register_keyset(pmlab_registry *r, const char *name, const char *help,
                           pmlab_keyset_validate_fn validate)
{
    if (!name || !strcmp(name, "file"))
        die_reg("malformed key set", name);
    pmlab_register_keyset_ex(r, name, help, validate, NULL);
}

void pmlab_register_suite(pmlab_registry *r, const pmlab_suite *s)
{
    if (!s || !good_name(s->name, true) || !s->runs)
        die_reg("malformed suite", s ? s->name : NULL);
    r->suites = xrealloc(r->suites, (r->nsuites + 1) * sizeof *r->suites);
    r->suites[r->nsuites++] = s;
}

/* The registration function comes from the program (main.c: the built-in selftest, then the
 * generated list), so that the registry calls no experiment code. */
void reg_init(pmlab_register_fn generated)
{
    memset(&g_reg, 0, sizeof g_reg);
    if (generated)
        generated(&g_reg);
}

void reg_free(void)
{
    free(g_reg.exps);
    free(g_reg.backends);
    free(g_reg.keysets);
    free(g_reg.suites);
    memset(&g_reg, 0, sizeof g_reg);
}

const pmlab_experiment *reg_experiment(const char *name)
{
    for (size_t i = 0; i < g_reg.nexps; i++)
        if (!strcmp(g_reg.exps[i]->name, name))
            return g_reg.exps[i];
    return NULL;
}

const backend_rec *reg_backend(const char *name)
{
    for (size_t i = 0; i < g_reg.nbackends; i++)
        if (!strcmp(g_reg.backends[i].name, name))
            return &g_reg.backends[i];
    return NULL;
}

const keyset_rec *reg_keyset(const char *name)
{
    for (size_t i = 0; i < g_reg.nkeysets; i++) {
        const char *k = g_reg.keysets[i].name;
        size_t kl = strlen(k);
        if (!strcmp(k, name))
            return &g_reg.keysets[i];
        /* a family NAME: matches NAME:ARGUMENT with a non-empty argument */
        if (kl && k[kl - 1] == ':' && !strncmp(k, name, kl) && name[kl])
            return &g_reg.keysets[i];
    }
    return NULL;
}

/* ---- allocators ------------------------------------------------------------------------------ */
const char *const alloc_names[] = {"glibc", "jemalloc", "tcmalloc", "mimalloc", NULL};

bool alloc_known(const char *name)
{
    for (size_t i = 0; alloc_names[i]; i++)
        if (!strcmp(alloc_names[i], name))
            return true;
    return false;
}

static const char *const jemalloc_libs[] = {"libjemalloc.so.2", "libjemalloc.so", NULL};
static const char *const tcmalloc_libs[] = {"libtcmalloc_minimal.so.4", "libtcmalloc.so.4",
                                            "libtcmalloc_minimal.so", NULL};
static const char *const mimalloc_libs[] = {"libmimalloc.so.2", "libmimalloc.so", NULL};

/* Test-only/override: PMLAB_LIB_JEMALLOC, PMLAB_LIB_TCMALLOC, PMLAB_LIB_MIMALLOC. */
char *alloc_library(const char *name)
{
    const char *const *libs;
    const char *env;
    if (!strcmp(name, "jemalloc"))
        libs = jemalloc_libs, env = "PMLAB_LIB_JEMALLOC";
    else if (!strcmp(name, "tcmalloc"))
        libs = tcmalloc_libs, env = "PMLAB_LIB_TCMALLOC";
    else if (!strcmp(name, "mimalloc"))
        libs = mimalloc_libs, env = "PMLAB_LIB_MIMALLOC";
    else
        return NULL;
    const char *ov = getenv(env);
    if (ov && *ov)
        return access(ov, R_OK) == 0 ? xstrdup(ov) : NULL;
    static const char *const dirs[] = {"/usr/lib/x86_64-linux-gnu",
                                       "/usr/lib/aarch64-linux-gnu",
                                       "/lib/x86_64-linux-gnu",
                                       "/usr/lib64",
                                       "/usr/lib",
                                       "/usr/local/lib",
                                       NULL};
    for (size_t d = 0; dirs[d]; d++)
        for (size_t l = 0; libs[l]; l++) {
            char *p = xasprintf("%s/%s", dirs[d], libs[l]);
            if (access(p, R_OK) == 0)
                return p;
            free(p);
        }
    /* fall back to the loader cache */
    for (size_t l = 0; libs[l]; l++) {
        char *cmd = xasprintf("{ ldconfig -p || /sbin/ldconfig -p; } 2>/dev/null | "
                              "awk '$1 == \"%s\" { print $NF; exit }'",
                              libs[l]);
        char *p = run_cmd_line(cmd);
        free(cmd);
        if (p && *p && access(p, R_OK) == 0)
            return p;
        free(p);
    }
    return NULL;
}

static const char *object_of(void *sym)
{
    Dl_info info;
    if (!sym || !dladdr(sym, &info) || !info.dli_fname)
        return NULL;
    return info.dli_fname;
}

/* The active allocator is the one whose marker symbol lives in the same object as the malloc
 * the program calls; none of them: glibc (or the sanitizer's interposed malloc). */
const char *alloc_detect(char *detail, size_t n)
{
    static const struct {
        const char *alloc, *sym;
    } markers[] = {{"jemalloc", "mallctl"},
                   {"tcmalloc", "MallocExtension_GetNumericProperty"},
                   {"tcmalloc", "tc_malloc"},
                   {"mimalloc", "mi_version"}};
    void *m = dlsym(RTLD_DEFAULT, "malloc");
    const char *mobj = object_of(m);
    snprintf(detail, n, "malloc from %s", mobj ? mobj : "?");
    for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++) {
        const char *o = object_of(dlsym(RTLD_DEFAULT, markers[i].sym));
        if (o && mobj && !strcmp(o, mobj))
            return markers[i].alloc;
    }
    return "glibc";
}
