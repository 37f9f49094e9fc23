/* alloc — the write (pattern C) and hybrid (pattern D) workloads under glibc, jemalloc,
 * tcmalloc and mimalloc (each child gets its allocator by LD_PRELOAD; claims C014, C052-C054,
 * C101, C182). Rows carry the A4 metric alloc_stall_share = writer time inside allocation calls
 * / writer time (one call in 16 is timed through the --wrap'ed malloc family) and alloc_p999_ns.
 * Fixed settings: write = zipperhead (write's default), 16 partitions; hybrid = 1 writer, batch 8,
 * backend urcu-memb. */
#include <string.h>

#include "common/exp.h"
#include "common/workloads.h"

static int alloc_run(const pmlab_config *cfg, pmlab_ctx *ctx)
{
    if (pmx_node_alloc(cfg, ctx))
        return 1;
    const char *w = pmlab_param_str(cfg, "workload");
    pmlab_set_str(ctx, "workload", w);
    if (!strcmp(w, "write")) {
        pmx_write_opts o = {
            .partitions = 16, .batch = 1000, .method = "zipperhead", .alloc_sample = 16};
        return pmx_write_workload(cfg, ctx, &o);
    }
    if (!strcmp(w, "hybrid")) {
        if (cfg->threads < 2) {
            pmlab_fail(ctx, "hybrid needs --threads >= 2 (1 writer + readers)");
            return 1;
        }
        pmlab_config c2 = *cfg;
        c2.backend = "urcu-memb";
        pmx_hybrid_opts o = {.writers = 1, .batch = 8, .check_every = 16, .alloc_sample = 16};
        return pmx_hybrid_workload(&c2, ctx, &o);
    }
    pmlab_fail(ctx, "workload must be write or hybrid, not '%s'", w);
    return 1;
}

static const pmlab_param alloc_params[] = {
    {"workload", PMLAB_PARAM_STR_LIST, "write,hybrid", "write and/or hybrid (swept)"},
    PMX_NODES_PARAM("malloc"),
    {NULL, 0, NULL, NULL}};

/* the union of the two workloads' columns */
static const pmlab_column alloc_cols[] = {
    {"workload", PMLAB_COL_STR, "write or hybrid"},
    {"method", PMLAB_COL_STR, "write: zipperhead"},
    {"partitions", PMLAB_COL_NUM, "write: partitions"},
    {"batch", PMLAB_COL_NUM, "keys per transaction"},
    {"nkeys", PMLAB_COL_NUM, "write: keys per build"},
    {"ns_per_insert", PMLAB_COL_NUM, "write: build seconds / keys"},
    {"commits", PMLAB_COL_NUM, "transactions committed"},
    {"zh_create_ns", PMLAB_COL_NUM, "write: ns per checked write-zipper creation"},
    {"zh_release_ns", PMLAB_COL_NUM, "write: ns per release (graft back)"},
    {"invariant_violations", PMLAB_COL_NUM, "hybrid: oracle failures"},
    {"commits_per_sec", PMLAB_COL_NUM, "hybrid: commits / seconds"},
    {"cas_retries", PMLAB_COL_NUM, "hybrid: lost CAS races"},
    {"oracle_checks", PMLAB_COL_NUM, "hybrid: oracle checks"},
    {"writers", PMLAB_COL_NUM, "hybrid: writer threads"},
    {"readers", PMLAB_COL_NUM, "hybrid: reader threads"},
    PMX_NODES_COLUMN,
    {NULL, 0, NULL}};

static const pmlab_experiment alloc_exp = {
    .name = "alloc",
    .description = "write and hybrid workloads under glibc, jemalloc, tcmalloc, mimalloc (A4)",
    .axes = PMLAB_AXIS_THREADS | PMLAB_AXIS_KEYS | PMLAB_AXIS_SIZE | PMLAB_AXIS_ALLOCS,
    .defaults = "--threads 2 --allocs glibc,jemalloc,tcmalloc,mimalloc --keys ints --size 100000 "
                "--duration-ms 300 --warmup-ms 50 --trials 1",
    .params = alloc_params,
    .columns = alloc_cols,
    .run = alloc_run,
    .min_threads = 2, /* the hybrid workload: 1 writer + readers */
    .smoke_args = "--allocs glibc --threads 2 --size 5000 --duration-ms 30 --warmup-ms 0",
};

void pmlab_register_alloc(pmlab_registry *r);
void pmlab_register_alloc(pmlab_registry *r)
{
    pmlab_register_experiment(r, &alloc_exp);
}
