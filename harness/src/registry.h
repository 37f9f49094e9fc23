/* The registry layer: registered experiments, backends, key sets and suites, the common
 * results.csv columns, and the allocators pmlab can preload. */
#ifndef PMLAB_REGISTRY_H
#define PMLAB_REGISTRY_H
#include "pmlab_int.h"

typedef struct {
    const char *name, *help;
    pmlab_keyset_validate_fn validate;
    pmlab_keyset_count_fn count; /* may be NULL */
} keyset_rec;
typedef struct {
    const char *name, *help;
} backend_rec;
struct pmlab_registry {
    const pmlab_experiment **exps;
    size_t nexps;
    backend_rec *backends;
    size_t nbackends;
    keyset_rec *keysets;
    size_t nkeysets;
    const pmlab_suite **suites;
    size_t nsuites;
    keyset_rec file_keys; /* checker/counter of file:PATH specs, from pmlab_register_keyset_ex */
};
extern pmlab_registry g_reg;
void reg_init(pmlab_register_fn generated);
void reg_free(void);
const pmlab_experiment *reg_experiment(const char *name);
const backend_rec *reg_backend(const char *name);
const keyset_rec *reg_keyset(const char *name);

/* ---- common results.csv columns ---- */
extern const char *const common_cols[];
size_t common_ncols(void);

/* ---- allocators ---- */
extern const char *const alloc_names[]; /* NULL-terminated */
bool alloc_known(const char *name);
char *alloc_library(const char *name); /* path to LD_PRELOAD, NULL for glibc or not found */
const char *alloc_detect(char *detail, size_t n); /* name of the active allocator */

#endif
