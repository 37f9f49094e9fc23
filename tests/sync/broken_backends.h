/* tests/sync/broken_backends.h — TEST ONLY backends with one deliberate bug each. */
#ifndef SYNC_BROKEN_BACKENDS_H
#define SYNC_BROKEN_BACKENDS_H
#include "pmsync/sync.h"
/** NULL-terminated: broken-free-early, broken-leak, broken-no-grace, broken-no-protection. */
const pm_sync_backend *const *sync_broken_backends(void);
#endif
