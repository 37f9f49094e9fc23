/* pmsync/all.h — every backend's inline read side, for code that instantiates one hot loop per
 * backend:
 *
 *     #define HOT(id, name)                                                                      \
 *         static uint64_t hot_##id(pm_sync_thread *t, pm_sync_cell *c, ...)                     \
 *         {                                                                                  \
 *             pm_sync_##id##_read_enter(t);                                                  \
 *             const pm_map *m = pm_sync_##id##_deref(t, c);                                  \
 *             ... pm_map_get(m, ...) ...                                                     \
 *             pm_sync_##id##_read_exit(t);                                                   \
 *             pm_sync_##id##_quiescent(t);                                                   \
 *         }
 *     PM_SYNC_BACKENDS(HOT)
 *
 * pm_sync_<id>_{read_enter,deref,read_begin,read_exit,quiescent} exist for every id of
 * PM_SYNC_BACKENDS (read_begin = read_enter + deref). */
#ifndef PMSYNC_ALL_H
#define PMSYNC_ALL_H

#include "pmsync/sync.h"

#include "pmsync/debra.h"
#include "pmsync/epoch.h"
#include "pmsync/he.h"
#include "pmsync/hyaline.h"
#include "pmsync/ibr.h"
#include "pmsync/hp.h"
#include "pmsync/leaky.h"
#include "pmsync/refcount.h"
#include "pmsync/rwlock.h"
#include "pmsync/urcu_bp.h"
#include "pmsync/urcu_memb.h"
#include "pmsync/urcu_qsbr.h"

#endif
