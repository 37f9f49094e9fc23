/* sync/urcu_memb.c — backend `urcu-memb`: liburcu's default (memory-barrier/membarrier) flavour. */
#define _GNU_SOURCE
#include "pmsync/urcu_memb.h" /* defines _LGPL_SOURCE, includes <urcu/urcu-memb.h> */

#define PMU_ID             urcu_memb
#define PMU_NAME           "urcu-memb"
#define PMU_SUMMARY        "liburcu memb flavour: inlined read lock, call_rcu reclamation"
#define PMU_FLAGS          PM_SYNC_F_DEFERRED
#define PMU_REGISTER()     urcu_memb_register_thread()
#define PMU_UNREGISTER()   urcu_memb_unregister_thread()
#define PMU_CALL_RCU(h, f) urcu_memb_call_rcu((h), (f))
#define PMU_BARRIER()      urcu_memb_barrier()

#include "urcu_impl.h"
