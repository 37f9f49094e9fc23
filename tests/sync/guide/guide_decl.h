/* tests/sync/guide/guide_decl.h — force-included (-include) when tests/sync builds the guide's
 * example backend outside the shipped list: the declaration that PM_SYNC_BACKENDS would make if
 * the example's one line were in the list (docs/adding-a-backend.md). */
#include "pmsync/sync.h"
extern const pm_sync_backend pm_sync_backend_mutex;
