/* workloads.h — the write (pattern C) and hybrid (pattern D) workloads, callable with explicit
 * options so that `alloc` can run them under every allocator with fixed settings. */
#ifndef PMX_WORKLOADS_H
#define PMX_WORKLOADS_H

#include "pmlab/experiment.h"

typedef struct pmx_write_opts {
    unsigned partitions;   /* prefix-disjoint partitions (writer w takes w, w+T, ...) */
    unsigned batch;        /* keys per transaction / commit (method txn) */
    const char *method;    /* "graft": private map per partition + graft; "txn": live-map txns */
    unsigned alloc_sample; /* time one allocation call in this many (A4) */
} pmx_write_opts;
int pmx_write_workload(const pmlab_config *cfg, pmlab_ctx *ctx, const pmx_write_opts *o);

typedef struct pmx_hybrid_opts {
    unsigned writers;      /* of cfg->threads; the rest read */
    unsigned batch;        /* invariant pairs rewritten per commit */
    unsigned check_every;  /* lookups between two oracle checks (per reader) */
    unsigned alloc_sample; /* time one allocation call in this many (A4) */
} pmx_hybrid_opts;
int pmx_hybrid_workload(const pmlab_config *cfg, pmlab_ctx *ctx, const pmx_hybrid_opts *o);

#endif
