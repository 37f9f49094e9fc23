/* sync/urcu_qsbr.c — backend `urcu-qsbr`: liburcu's quiescent-state-based flavour. */
#define _GNU_SOURCE
#include "pmsync/urcu_qsbr.h" /* defines _LGPL_SOURCE, includes <urcu/urcu-qsbr.h> */

#define PMU_ID             urcu_qsbr
#define PMU_NAME           "urcu-qsbr"
#define PMU_SUMMARY        "liburcu QSBR flavour: free read side, threads announce quiescent states"
#define PMU_FLAGS          (PM_SYNC_F_DEFERRED | PM_SYNC_F_NEEDS_QS)
#define PMU_REGISTER()     urcu_qsbr_register_thread()
#define PMU_UNREGISTER()   urcu_qsbr_unregister_thread()
#define PMU_CALL_RCU(h, f) urcu_qsbr_call_rcu((h), (f))
#define PMU_BARRIER()      urcu_qsbr_barrier()

#include "urcu_impl.h"
