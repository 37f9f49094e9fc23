/* tests/sync/broken_backends.c — TEST ONLY: backends with one deliberate bug each, never in the
 * shipped list. The conformance suite must fail every one of them with a message that names the
 * bug (tests/sync/CMakeLists.txt checks the message). Each reuses a listed backend's domain and
 * replaces a few entries of its table; the suite's handles dispatch through the broken table. */
#include <stdlib.h>

#include "broken_backends.h"
#include "internal.h"
#include "pmsync/hp.h"
#include "pmsync/leaky.h"
#include "ptrcell.h"

/* ---- frees too early: a replaced version is freed at once, readers take nothing ------------- */
static void now_enter(pm_sync_thread *t)
{
    pm_sync_leaky_read_enter(t);
}
static void *now_deref(pm_sync_thread *t, pm_sync_cell *c)
{
    return pm_sync_leaky_deref(t, c);
}
static void now_exit(pm_sync_thread *t)
{
    pm_sync_leaky_read_exit(t);
}
static void free_now(pm_sync_thread *t, pm_sync_node *n)
{
    (void)t;
    pm_sync_node_run(n); /* BUG (on purpose): no grace period */
}
static const pm_sync_ptr_ops free_now_ops = {now_enter, now_deref, now_exit, free_now};
static pm_status free_now_update(pm_sync_thread *t, pm_sync_cell *c, pm_sync_build_fn *build,
                                 void *arg)
{
    return pm_sync_ptr_update(&free_now_ops, t, c, build, arg);
}
static pm_status free_now_retire(pm_sync_thread *t, void *obj, pm_sync_free_fn *fn, void *ctx)
{
    return pm_sync_ptr_retire(&free_now_ops, t, obj, fn, ctx);
}
static uint64_t one_per_thread(unsigned threads)
{
    return threads;
}

/* ---- leaks: counts a retired object freed without freeing it -------------------------------- */
static void drop(pm_sync_thread *t, pm_sync_node *n)
{
    atomic_fetch_add_explicit(&t->dom->freed, 1, memory_order_relaxed); /* BUG: obj never freed */
    free(n);
}
static const pm_sync_ptr_ops drop_ops = {now_enter, now_deref, now_exit, drop};
static pm_status drop_update(pm_sync_thread *t, pm_sync_cell *c, pm_sync_build_fn *build, void *arg)
{
    return pm_sync_ptr_update(&drop_ops, t, c, build, arg);
}
static pm_status drop_retire(pm_sync_thread *t, void *obj, pm_sync_free_fn *fn, void *ctx)
{
    return pm_sync_ptr_retire(&drop_ops, t, obj, fn, ctx);
}

/* ---- readers take no protection: hp's writer side, a read side that publishes no hazard ----- */
static void bare_enter(pm_sync_thread *t)
{
    PM_SYNC_DEPTH_ENTER(t);
    (void)t;
}
static void *bare_deref(pm_sync_thread *t, pm_sync_cell *c)
{
    (void)t;
    return (void *)atomic_load_explicit(&c->word, memory_order_acquire); /* BUG: no hazard */
}
static void *bare_begin(pm_sync_thread *t, pm_sync_cell *c)
{
    bare_enter(t);
    return bare_deref(t, c);
}
static void bare_exit(pm_sync_thread *t)
{
    PM_SYNC_DEPTH_EXIT(t);
    (void)t;
}

static pm_sync_backend b_free_early, b_leak, b_no_grace, b_no_protection;
static const pm_sync_backend *all[5];

const pm_sync_backend *const *sync_broken_backends(void)
{
    if (all[0])
        return all;
    b_free_early = pm_sync_backend_leaky;
    b_free_early.name = "broken-free-early";
    b_free_early.summary = "TEST ONLY: frees a replaced version at once";
    b_free_early.flags = PM_SYNC_F_BOUNDED;
    b_free_early.pending_bound = one_per_thread;
    b_free_early.update = free_now_update;
    b_free_early.retire = free_now_retire;

    b_leak = pm_sync_backend_leaky;
    b_leak.name = "broken-leak";
    b_leak.summary = "TEST ONLY: counts retired objects freed but never frees them";
    b_leak.flags = PM_SYNC_F_BOUNDED;
    b_leak.pending_bound = one_per_thread;
    b_leak.update = drop_update;
    b_leak.retire = drop_retire;

    b_no_grace = pm_sync_backend_leaky;
    b_no_grace.name = "broken-no-grace";
    b_no_grace.summary = "TEST ONLY: claims to be deferred, but no grace period ever ends";
    b_no_grace.flags = PM_SYNC_F_DEFERRED; /* BUG: leaky's behaviour, not declared NEVER_FREES */

    b_no_protection = pm_sync_backend_hp;
    b_no_protection.name = "broken-no-protection";
    b_no_protection.summary = "TEST ONLY: hp whose readers publish no hazard";
    b_no_protection.read_enter = bare_enter;
    b_no_protection.deref = bare_deref;
    b_no_protection.read_begin = bare_begin;
    b_no_protection.read_exit = bare_exit;

    all[0] = &b_free_early;
    all[1] = &b_leak;
    all[2] = &b_no_grace;
    all[3] = &b_no_protection;
    all[4] = NULL;
    return all;
}
