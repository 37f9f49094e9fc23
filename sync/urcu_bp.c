/* sync/urcu_bp.c — backend `urcu-bp`: liburcu's bulletproof flavour (no registration needed). */
#define _GNU_SOURCE
#include "pmsync/urcu_bp.h" /* defines _LGPL_SOURCE, includes <urcu/urcu-bp.h> */

#define PMU_ID             urcu_bp
#define PMU_NAME           "urcu-bp"
#define PMU_SUMMARY        "liburcu bulletproof flavour: slower reads, no registration"
#define PMU_FLAGS          PM_SYNC_F_DEFERRED
#define PMU_REGISTER()     urcu_bp_register_thread()
#define PMU_UNREGISTER()   urcu_bp_unregister_thread()
#define PMU_CALL_RCU(h, f) urcu_bp_call_rcu((h), (f))
#define PMU_BARRIER()      urcu_bp_barrier()

#include "urcu_impl.h"
