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
    pmlab_register_keyset_ex(r, "words",
                             "/usr/share/dict/words (Debian wamerican), one key per line",
                             pmx_keys_check, pmx_keys_count);
    pmlab_register_keyset_ex(
        r, "kb", "synthetic KB paths spaces/<id>/facts/<domain>/<entity>/<attr> (~50 B; unbounded)",
        pmx_keys_check, pmx_keys_count);
    pmlab_register_keyset_ex(
        r, "ints", "Rust benches' keys: 1-byte partition prefix + trimmed LE integer (unbounded)",
        pmx_keys_check, pmx_keys_count);
    pmlab_register_keyset_ex(r, "random", "uniform random bytes, lengths 3..20 (seeded; unbounded)",
                             pmx_keys_check, pmx_keys_count);
    pmlab_register_keyset_ex(r, "file", "file:PATH[:lp]", pmx_keys_check, pmx_keys_count);
    pmlab_register_keyset_ex(r, "paths:",
                             "a .paths file (the Rust PathMap crate's format: zlib stream of "
                             "length-prefixed paths), paths in file order",
                             pmx_keys_check, pmx_keys_count);
}
