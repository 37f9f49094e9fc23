/* The machine's topology (hwloc) and the placement plans of `--pin`. Util layer: it knows
 * threads, CPUs, cores and packages, nothing of experiments. docs/harness.md, "Pinning". */
#ifndef PMLAB_TOPO_H
#define PMLAB_TOPO_H

#include "pmlab_int.h"

typedef struct topo topo;

#define TOPO_MAX_CACHES 12

typedef struct {
    unsigned level;   /* 1, 2, 3 ... */
    const char *type; /* "data", "instruction" or "unified" */
    unsigned count;   /* caches of this level and type */
    uint64_t size;    /* bytes of the first of them */
} topo_cache;

typedef struct {
    unsigned packages, cores, pus, numa_nodes;
    size_t ncaches;
    topo_cache caches[TOPO_MAX_CACHES];
    char summary[1024]; /* hwloc's synthetic description (feeds topo_load again), or counts */
    char allowed[256];  /* the PUs' OS indices as a list, e.g. "0-1" */
    char source[300];   /* "machine", "synthetic: DESC" or "xml: FILE" */
} topo_info;

/* Loads a topology: desc NULL or "" = this machine restricted to the CPUs the process may run
 * on (its affinity mask); a desc ending in ".xml" = an XML file of lstopo; anything else = a
 * synthetic description such as "pack:2 core:8 pu:2" (hwloc_topology_set_synthetic). Returns 0,
 * or -1 with a message in err and *out untouched. */
int topo_load(const char *desc, topo **out, char *err, size_t errlen);
void topo_free(topo *t);
/* This machine's topology (topo_load(NULL)), loaded once per process and kept; NULL with a
 * message in err when hwloc cannot load it. */
const topo *topo_machine(char *err, size_t errlen);
void topo_describe(const topo *t, topo_info *info);

typedef enum { TOPO_PIN_NONE = 0, TOPO_PIN_COMPACT, TOPO_PIN_SCATTER, TOPO_PIN_LIST } topo_policy;

/* A parsed --pin value: the policy and the CPUs worker i takes in turn (cpu[i mod n]). */
typedef struct {
    topo_policy policy;
    unsigned n; /* compact, scatter: every PU in the policy's order; list: as given; none: 0 */
    int *cpu;   /* OS CPU numbers (hwloc PU os_index) */
    char *name; /* "compact", "scatter", "none", or the list as given ("0,1") */
} topo_pin;

/* The i-th named policy ("compact", "scatter", "none") and its alias ("on", NULL, "off") in
 * *alias (may be NULL); NULL past the last */
const char *topo_policy_name(size_t i, const char **alias);

/* Parses a --pin value against t: compact, scatter, none, on (= compact), off (= none), or a
 * comma list of OS CPU numbers, each one of t's PUs. Returns 0, or -1 with a message naming the
 * bad value in err and *out untouched. */
int topo_pin_parse(const topo *t, const char *spec, topo_pin *out, char *err, size_t errlen);
void topo_pin_free(topo_pin *p);
/* "0,1,2": the CPUs of p in order (malloc'ed; "" for none) */
char *topo_pin_cpus(const topo_pin *p);

/* Where one worker runs: the OS CPU number, the core and package (logical indexes, 0-based, in
 * hwloc's order), and the PU's rank inside its core (0 = first PU, 1 = its SMT sibling). Under
 * `none` cpu is -1 and the rest 0. */
typedef struct {
    int cpu;
    unsigned core, package, sibling;
} topo_slot;

/* The placement plan of n workers under p: slot[i] for worker i = 0..n-1 (worker i takes
 * p->cpu[i mod p->n]). Returns 0, or -1 when a CPU of p is not in t (nothing written). */
int topo_plan(const topo *t, const topo_pin *p, unsigned n, topo_slot *slot);
/* true when two workers of a plan run on different PUs of one core (SMT siblings both busy);
 * two workers on the same PU are oversubscription, not SMT */
bool topo_plan_smt(const topo_slot *slot, unsigned n);

/* meta.json's "topology" object: {"source", "packages", "cores", "pus", "numa_nodes",
 * "caches": [{"level", "type", "count", "size"}...], "allowed_cpus", "summary"} (malloc'ed) */
char *topo_json(const topo_info *info);

#endif
