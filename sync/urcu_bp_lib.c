/* sync/urcu_bp_lib.c — urcu-bp's read lock through liburcu's exported (non-inline) functions.
 * Used by pmsync/urcu_bp.h only in the address/undefined-sanitizer build: liburcu 0.13 allocates
 * bp reader records with less than the 128-byte alignment their type declares, which UBSan
 * reports inside liburcu's inlined header code. No _LGPL_SOURCE here on purpose. */
#include <urcu/urcu-bp.h>

void pm_sync_urcu_bp_lock_lib_(void);
void pm_sync_urcu_bp_unlock_lib_(void);

void pm_sync_urcu_bp_lock_lib_(void)
{
    urcu_bp_read_lock();
}

void pm_sync_urcu_bp_unlock_lib_(void)
{
    urcu_bp_read_unlock();
}
