/* registry.c — what every experiment shares: the backend names (from sync/'s X-macro list) and
 * the key sets, registered with pmlab so that --backends, --keys and --size (against the key
 * set's key count) are validated up front. */
#include "common/keys.h"
#include "pmlab/experiment.h"
#include "pmsync/sync.h"

void pmlab_register_pmx_common(pmlab_registry *r);

void pmlab_register_pmx_common(pmlab_registry *r)
{
    for (size_t i = 0; i < PM_SYNC_NBACKENDS; i++)
        pmlab_register_backend(r, pm_sync_backends[i]->name, pm_sync_backends[i]->summary);
    const char *name, *help;
    for (size_t i = 0; (name = pmx_keyset_name(i, &help, NULL)); i++) /* keys.c's one list */
        pmlab_register_keyset_ex(r, name, help, pmx_keys_check, pmx_keys_count);
}
