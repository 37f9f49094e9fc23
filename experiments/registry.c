/* registry.c — what every experiment shares: the backend names (from sync/'s X-macro list) and
 * the key sets, registered with pmlab so that --backends and --keys are validated up front. */
#include "common/keys.h"
#include "pmlab/experiment.h"
#include "pmsync/sync.h"

void pmlab_register_pmx_common(pmlab_registry *r);

void pmlab_register_pmx_common(pmlab_registry *r)
{
    for (size_t i = 0; i < PM_SYNC_NBACKENDS; i++)
        pmlab_register_backend(r, pm_sync_backends[i]->name, pm_sync_backends[i]->summary);
    pmlab_register_keyset(r, "words", "/usr/share/dict/words (Debian wamerican), one key per line",
                          pmx_keys_check);
    pmlab_register_keyset(r, "kb",
                          "synthetic KB paths spaces/<id>/facts/<domain>/<entity>/<attr> (~50 B)",
                          pmx_keys_check);
    pmlab_register_keyset(r, "ints",
                          "Rust benches' keys: 1-byte partition prefix + trimmed LE integer",
                          pmx_keys_check);
    pmlab_register_keyset(r, "random", "uniform random bytes, lengths 3..20 (seeded)",
                          pmx_keys_check);
}
