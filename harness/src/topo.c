/* The machine's topology from hwloc, and the placement plans of --pin (topo.h). */
#define _GNU_SOURCE
#include "topo.h"

#include <hwloc.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int os;                          /* PU os_index */
    unsigned core, package, sibling; /* core, package: logical indexes; sibling: rank in core */
    unsigned core_rank;              /* rank of its core inside its package */
} pu_rec;

struct topo {
    hwloc_topology_t h;
    char source[300];
    unsigned npus;
    pu_rec *pu;   /* in hwloc's logical PU order */
    int *compact; /* OS CPU numbers in compact order */
    int *scatter; /* ... in scatter order */
};

static const pu_rec *find_pu(const topo *t, int os)
{
    for (unsigned i = 0; i < t->npus; i++)
        if (t->pu[i].os == os)
            return &t->pu[i];
    return NULL;
}

/* compact: every core's first PU, package by package and core by core, then the second PUs */
static int cmp_compact(const void *a, const void *b)
{
    const pu_rec *x = a, *y = b;
    if (x->sibling != y->sibling)
        return x->sibling < y->sibling ? -1 : 1;
    if (x->core != y->core)
        return x->core < y->core ? -1 : 1;
    return 0;
}

/* scatter: round robin over the packages (first core of each package, then the second ...),
 * first PUs of every core before any sibling */
static int cmp_scatter(const void *a, const void *b)
{
    const pu_rec *x = a, *y = b;
    if (x->sibling != y->sibling)
        return x->sibling < y->sibling ? -1 : 1;
    if (x->core_rank != y->core_rank)
        return x->core_rank < y->core_rank ? -1 : 1;
    if (x->package != y->package)
        return x->package < y->package ? -1 : 1;
    return 0;
}

static void build_orders(topo *t)
{
    unsigned n = t->npus, ncores = (unsigned)hwloc_get_nbobjs_by_type(t->h, HWLOC_OBJ_CORE);
    t->pu = xcalloc(n ? n : 1, sizeof *t->pu);
    unsigned *core_rank_next = xcalloc((size_t)n + 1, sizeof *core_rank_next); /* per package */
    int last_core = -1;
    unsigned last_rank = 0, sib = 0;
    for (unsigned i = 0; i < n; i++) {
        hwloc_obj_t pu = hwloc_get_obj_by_type(t->h, HWLOC_OBJ_PU, i);
        hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(t->h, HWLOC_OBJ_CORE, pu);
        hwloc_obj_t pkg = hwloc_get_ancestor_obj_by_type(t->h, HWLOC_OBJ_PACKAGE, pu);
        pu_rec *r = &t->pu[i];
        r->os = (int)pu->os_index;
        /* a PU without a Core object is a core of its own */
        r->core = core ? core->logical_index : ncores + pu->logical_index;
        r->package = pkg ? pkg->logical_index : 0;
        if (r->package > n)
            r->package = n;
        if ((int)r->core != last_core) {
            last_core = (int)r->core;
            last_rank = core_rank_next[r->package]++;
            sib = 0;
        } else {
            sib++;
        }
        r->core_rank = last_rank;
        r->sibling = sib;
    }
    free(core_rank_next);
    pu_rec *tmp = xcalloc(n ? n : 1, sizeof *tmp);
    t->compact = xcalloc(n ? n : 1, sizeof *t->compact);
    t->scatter = xcalloc(n ? n : 1, sizeof *t->scatter);
    memcpy(tmp, t->pu, n * sizeof *tmp);
    qsort(tmp, n, sizeof *tmp, cmp_compact); /* ties keep hwloc's order: sort keys are unique */
    for (unsigned i = 0; i < n; i++)
        t->compact[i] = tmp[i].os;
    memcpy(tmp, t->pu, n * sizeof *tmp);
    qsort(tmp, n, sizeof *tmp, cmp_scatter);
    for (unsigned i = 0; i < n; i++)
        t->scatter[i] = tmp[i].os;
    free(tmp);
}

int topo_load(const char *desc, topo **out, char *err, size_t errlen)
{
    hwloc_topology_t h;
    if (hwloc_topology_init(&h) != 0) {
        snprintf(err, errlen, "hwloc_topology_init failed");
        return -1;
    }
    topo *t = xcalloc(1, sizeof *t);
    int rc = 0;
    size_t dl = desc ? strlen(desc) : 0;
    if (!dl) {
        snprintf(t->source, sizeof t->source, "machine");
        rc = hwloc_topology_set_flags(h, HWLOC_TOPOLOGY_FLAG_IS_THISSYSTEM |
                                             HWLOC_TOPOLOGY_FLAG_RESTRICT_TO_CPUBINDING);
    } else if (dl > 4 && !strcmp(desc + dl - 4, ".xml")) {
        snprintf(t->source, sizeof t->source, "xml: %s", desc);
        rc = hwloc_topology_set_xml(h, desc);
        if (rc)
            snprintf(err, errlen, "unreadable topology XML '%s'", desc);
    } else {
        snprintf(t->source, sizeof t->source, "synthetic: %s", desc);
        rc = hwloc_topology_set_synthetic(h, desc);
        if (rc)
            snprintf(err, errlen, "bad synthetic topology '%s' (e.g. \"pack:2 core:8 pu:2\")",
                     desc);
    }
    if (!rc) /* hwloc drops instruction caches by default; meta.json lists them */
        hwloc_topology_set_icache_types_filter(h, HWLOC_TYPE_FILTER_KEEP_ALL);
    if (!rc && hwloc_topology_load(h) != 0) {
        snprintf(err, errlen, "hwloc could not load the topology (%s)", t->source);
        rc = -1;
    }
    int npus = rc ? 0 : hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_PU);
    if (!rc && npus <= 0) {
        snprintf(err, errlen, "the topology (%s) has no processing unit", t->source);
        rc = -1;
    }
    if (rc) {
        if (!err[0])
            snprintf(err, errlen, "hwloc refused the topology (%s)", t->source);
        hwloc_topology_destroy(h);
        free(t);
        return -1;
    }
    t->h = h;
    t->npus = (unsigned)npus;
    build_orders(t);
    *out = t;
    return 0;
}

void topo_free(topo *t)
{
    if (!t)
        return;
    hwloc_topology_destroy(t->h);
    free(t->pu);
    free(t->compact);
    free(t->scatter);
    free(t);
}

const topo *topo_machine(char *err, size_t errlen)
{
    static topo *machine;
    if (!machine && topo_load(NULL, &machine, err, errlen) != 0)
        machine = NULL;
    return machine;
}

static unsigned count_type(const topo *t, hwloc_obj_type_t ty)
{
    int n = hwloc_get_nbobjs_by_type(t->h, ty);
    return n > 0 ? (unsigned)n : 0;
}

void topo_describe(const topo *t, topo_info *info)
{
    memset(info, 0, sizeof *info);
    info->pus = t->npus;
    info->cores = count_type(t, HWLOC_OBJ_CORE);
    if (!info->cores)
        info->cores = t->npus;
    info->packages = count_type(t, HWLOC_OBJ_PACKAGE);
    if (!info->packages)
        info->packages = 1;
    info->numa_nodes = count_type(t, HWLOC_OBJ_NUMANODE);
    static const hwloc_obj_type_t caches[] = {
        HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L1ICACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L2ICACHE,
        HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L3ICACHE, HWLOC_OBJ_L4CACHE, HWLOC_OBJ_L5CACHE};
    for (size_t i = 0; i < sizeof caches / sizeof caches[0]; i++) {
        hwloc_obj_t o = hwloc_get_obj_by_type(t->h, caches[i], 0);
        if (!o || !o->attr || info->ncaches >= TOPO_MAX_CACHES)
            continue;
        topo_cache *c = &info->caches[info->ncaches++];
        c->level = o->attr->cache.depth;
        c->type = o->attr->cache.type == HWLOC_OBJ_CACHE_DATA          ? "data"
                  : o->attr->cache.type == HWLOC_OBJ_CACHE_INSTRUCTION ? "instruction"
                                                                       : "unified";
        c->count = count_type(t, caches[i]);
        c->size = o->attr->cache.size;
    }
    if (hwloc_topology_export_synthetic(t->h, info->summary, sizeof info->summary, 0) < 0)
        /* an asymmetric topology (e.g. an affinity mask that takes part of a package) has no
         * synthetic description */
        snprintf(info->summary, sizeof info->summary,
                 "Package:%u Core:%u PU:%u (asymmetric: totals, not a synthetic description)",
                 info->packages, info->cores, info->pus);
    hwloc_obj_t root = hwloc_get_root_obj(t->h);
    if (hwloc_bitmap_list_snprintf(info->allowed, sizeof info->allowed, root->cpuset) < 0)
        info->allowed[0] = 0;
    snprintf(info->source, sizeof info->source, "%s", t->source);
}

char *topo_json(const topo_info *in)
{
    sbuf b = {0};
    char *src = json_quote(in->source), *sum = json_quote(in->summary),
         *al = json_quote(in->allowed);
    sb_printf(&b,
              "{\"source\": %s, \"packages\": %u, \"cores\": %u, \"pus\": %u, "
              "\"numa_nodes\": %u, \"caches\": [",
              src, in->packages, in->cores, in->pus, in->numa_nodes);
    for (size_t i = 0; i < in->ncaches; i++)
        sb_printf(&b, "%s{\"level\": %u, \"type\": \"%s\", \"count\": %u, \"size\": %llu}",
                  i ? ", " : "", in->caches[i].level, in->caches[i].type, in->caches[i].count,
                  (unsigned long long)in->caches[i].size);
    sb_printf(&b, "], \"allowed_cpus\": %s, \"summary\": %s}", al, sum);
    free(src);
    free(sum);
    free(al);
    return b.s;
}

/* the named policies: the one list (docs/harness.md's table is checked against it) */
static const struct {
    const char *name, *alias;
    topo_policy policy;
} policies[] = {{"compact", "on", TOPO_PIN_COMPACT},
                {"scatter", NULL, TOPO_PIN_SCATTER},
                {"none", "off", TOPO_PIN_NONE}};
#define NPOLICIES (sizeof policies / sizeof policies[0])

const char *topo_policy_name(size_t i, const char **alias)
{
    if (i >= NPOLICIES)
        return NULL;
    if (alias)
        *alias = policies[i].alias;
    return policies[i].name;
}

int topo_pin_parse(const topo *t, const char *spec, topo_pin *out, char *err, size_t errlen)
{
    topo_pin p = {0};
    const char *name = NULL;
    for (size_t i = 0; i < NPOLICIES && !name; i++)
        if (!strcmp(spec, policies[i].name) ||
            (policies[i].alias && !strcmp(spec, policies[i].alias))) {
            name = policies[i].name;
            p.policy = policies[i].policy;
        }
    if (!name) {
        name = spec;
        p.policy = TOPO_PIN_LIST;
        if (!*spec || strspn(spec, "0123456789,") != strlen(spec)) {
            sbuf b = {0};
            sb_add(&b, "");
            for (size_t i = 0; i < NPOLICIES; i++)
                sb_printf(&b, "%s%s", policies[i].name, i + 1 < NPOLICIES ? ", " : "");
            for (size_t i = 0; i < NPOLICIES; i++)
                if (policies[i].alias)
                    sb_printf(&b, "; %s = %s", policies[i].alias, policies[i].name);
            snprintf(err, errlen,
                     "bad --pin value '%s': expected %s, or a comma list of CPU numbers", spec,
                     b.s);
            sb_free(&b);
            return -1;
        }
        strvec v = {0};
        if (sv_split(&v, spec, ',') < 0) {
            snprintf(err, errlen, "bad --pin value '%s': empty element", spec);
            sv_free(&v);
            return -1;
        }
        p.cpu = xcalloc(v.n, sizeof *p.cpu);
        for (size_t i = 0; i < v.n; i++) {
            uint64_t c;
            if (!parse_u64(v.v[i], &c) || c > 1u << 20 || !find_pu(t, (int)c)) {
                topo_info ti;
                topo_describe(t, &ti);
                snprintf(err, errlen,
                         "bad --pin value '%s': CPU %s is not one this process may run on (%s)",
                         spec, v.v[i], ti.allowed);
                sv_free(&v);
                free(p.cpu);
                return -1;
            }
            p.cpu[p.n++] = (int)c;
        }
        sv_free(&v);
    }
    if (p.policy == TOPO_PIN_COMPACT || p.policy == TOPO_PIN_SCATTER) {
        p.n = t->npus;
        p.cpu = xcalloc(p.n, sizeof *p.cpu);
        memcpy(p.cpu, p.policy == TOPO_PIN_COMPACT ? t->compact : t->scatter, p.n * sizeof *p.cpu);
    }
    p.name = xstrdup(name);
    *out = p;
    return 0;
}

void topo_pin_free(topo_pin *p)
{
    free(p->cpu);
    free(p->name);
    memset(p, 0, sizeof *p);
}

char *topo_pin_cpus(const topo_pin *p)
{
    sbuf b = {0};
    sb_add(&b, "");
    for (unsigned i = 0; i < p->n; i++)
        sb_printf(&b, "%s%d", i ? "," : "", p->cpu[i]);
    return b.s;
}

int topo_plan(const topo *t, const topo_pin *p, unsigned n, topo_slot *slot)
{
    if (p->policy == TOPO_PIN_NONE || p->n == 0) {
        for (unsigned i = 0; i < n; i++)
            slot[i] = (topo_slot){-1, 0, 0, 0};
        return 0;
    }
    for (unsigned i = 0; i < p->n; i++)
        if (!find_pu(t, p->cpu[i]))
            return -1;
    for (unsigned i = 0; i < n; i++) {
        const pu_rec *r = find_pu(t, p->cpu[i % p->n]);
        slot[i] = (topo_slot){r->os, r->core, r->package, r->sibling};
    }
    return 0;
}

bool topo_plan_smt(const topo_slot *slot, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = i + 1; j < n; j++)
            if (slot[i].cpu >= 0 && slot[j].cpu >= 0 && slot[i].core == slot[j].core &&
                slot[i].cpu != slot[j].cpu)
                return true;
    return false;
}
