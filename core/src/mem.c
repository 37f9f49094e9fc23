/* mem.c — the one place the library allocates: the fault-injection hook, the allocation counter
 * and the per-thread node accounting summed on demand by pm_mem_stats_get(). */
#include "node_internal.h"

#include <pthread.h>
#include <stdlib.h>

/* Per-thread counters. Only the owning thread writes them (relaxed load + relaxed store, no
 * locked read-modify-write on the hot path); pm_mem_stats_get() reads them with relaxed loads,
 * so a sum is exact once the threads that changed maps have finished their calls. live_* may
 * wrap per thread (a node freed on another thread than the one that allocated it); the sum is
 * computed modulo 2^64 and is exact. */
typedef struct pm_tcount {
    _Atomic uint64_t node_allocs, node_frees, bytes_alloc, bytes_freed, all_allocs;
    struct pm_tcount *next, *prev;
    int registered;
} pm_tcount;

static _Thread_local pm_tcount tls_count;
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static pm_tcount *reg_head;
/* Counters of finished threads, folded in by the key destructor. */
static _Atomic uint64_t dead_node_allocs, dead_node_frees, dead_bytes_alloc, dead_bytes_freed,
    dead_all_allocs;
static pthread_key_t reg_key;
static pthread_once_t reg_once = PTHREAD_ONCE_INIT;

static void fold_thread(void *arg)
{
    pm_tcount *t = arg;
    pthread_mutex_lock(&reg_lock);
    atomic_fetch_add_explicit(&dead_node_allocs, t->node_allocs, memory_order_relaxed);
    atomic_fetch_add_explicit(&dead_node_frees, t->node_frees, memory_order_relaxed);
    atomic_fetch_add_explicit(&dead_bytes_alloc, t->bytes_alloc, memory_order_relaxed);
    atomic_fetch_add_explicit(&dead_bytes_freed, t->bytes_freed, memory_order_relaxed);
    atomic_fetch_add_explicit(&dead_all_allocs, t->all_allocs, memory_order_relaxed);
    if (t->prev)
        t->prev->next = t->next;
    else
        reg_head = t->next;
    if (t->next)
        t->next->prev = t->prev;
    t->registered = 0;
    pthread_mutex_unlock(&reg_lock);
}

static void make_key(void)
{
    (void)pthread_key_create(&reg_key, fold_thread);
}

static pm_tcount *tcount_slow(void)
{
    pm_tcount *t = &tls_count;
    pthread_once(&reg_once, make_key);
    pthread_mutex_lock(&reg_lock);
    t->prev = NULL;
    t->next = reg_head;
    if (reg_head)
        reg_head->prev = t;
    reg_head = t;
    t->registered = 1;
    pthread_mutex_unlock(&reg_lock);
    (void)pthread_setspecific(reg_key, t);
    return t;
}

static inline pm_tcount *tcount(void)
{
    pm_tcount *t = &tls_count;
    if (__builtin_expect(!t->registered, 0))
        return tcount_slow();
    return t;
}

static inline void bump(_Atomic uint64_t *c, uint64_t d)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + d,
                          memory_order_relaxed);
}

/* ---- fault injection ------------------------------------------------------------------------ */
static _Atomic uint64_t fail_countdown; /* 0 = disarmed */

void pm_debug_fail_alloc_at(uint64_t k)
{
    atomic_store_explicit(&fail_countdown, k, memory_order_relaxed);
}

static int should_fail_slow(void)
{
    uint64_t v = atomic_load_explicit(&fail_countdown, memory_order_relaxed);
    while (v != 0) {
        if (atomic_compare_exchange_weak_explicit(&fail_countdown, &v, v - 1, memory_order_relaxed,
                                                  memory_order_relaxed))
            return v == 1;
    }
    return 0;
}

/* One relaxed load and a predictable branch when the hook is unarmed. */
static inline int should_fail(void)
{
    if (__builtin_expect(atomic_load_explicit(&fail_countdown, memory_order_relaxed) == 0, 1))
        return 0;
    return should_fail_slow();
}

void *pm_alloc_node(size_t size)
{
    if (should_fail())
        return NULL;
    void *p = malloc(size);
    if (!p)
        return NULL;
    pm_tcount *t = tcount();
    bump(&t->all_allocs, 1);
    bump(&t->node_allocs, 1);
    bump(&t->bytes_alloc, size);
    return p;
}

void pm_free_node(void *p, size_t size)
{
    pm_tcount *t = tcount();
    bump(&t->node_frees, 1);
    bump(&t->bytes_freed, size);
    free(p);
}

void *pm_alloc_aux(size_t size)
{
    if (should_fail())
        return NULL;
    void *p = malloc(size);
    if (p)
        bump(&tcount()->all_allocs, 1);
    return p;
}

void *pm_alloc_aux_line(size_t size)
{
    if (should_fail())
        return NULL;
    /* A line of slack after the block, not alignment: aligned_alloc costs glibc ~30 ns more per
     * call (zipper creation doubled), and the slack already keeps every later block's bytes off
     * the lines this block uses, as the block before keeps its own off ours. */
    void *p = malloc(size + PM_CACHE_LINE);
    if (p)
        bump(&tcount()->all_allocs, 1);
    return p;
}

void *pm_realloc_aux(void *p, size_t size)
{
    if (should_fail())
        return NULL;
    void *q = realloc(p, size);
    if (q)
        bump(&tcount()->all_allocs, 1);
    return q;
}

void pm_free_aux(void *p)
{
    free(p);
}

/* ---- summing --------------------------------------------------------------------------------- */
static void sum(uint64_t out[5])
{
    pthread_mutex_lock(&reg_lock);
    out[0] = atomic_load_explicit(&dead_node_allocs, memory_order_relaxed);
    out[1] = atomic_load_explicit(&dead_node_frees, memory_order_relaxed);
    out[2] = atomic_load_explicit(&dead_bytes_alloc, memory_order_relaxed);
    out[3] = atomic_load_explicit(&dead_bytes_freed, memory_order_relaxed);
    out[4] = atomic_load_explicit(&dead_all_allocs, memory_order_relaxed);
    for (pm_tcount *t = reg_head; t; t = t->next) {
        out[0] += atomic_load_explicit(&t->node_allocs, memory_order_relaxed);
        out[1] += atomic_load_explicit(&t->node_frees, memory_order_relaxed);
        out[2] += atomic_load_explicit(&t->bytes_alloc, memory_order_relaxed);
        out[3] += atomic_load_explicit(&t->bytes_freed, memory_order_relaxed);
        out[4] += atomic_load_explicit(&t->all_allocs, memory_order_relaxed);
    }
    pthread_mutex_unlock(&reg_lock);
}

void pm_mem_stats_get(pm_mem_stats *out)
{
    uint64_t s[5];
    if (!out)
        return;
    sum(s);
    out->allocs = s[0];
    out->frees = s[1];
    out->live_nodes = s[0] - s[1];
    out->live_bytes = s[2] - s[3];
}

uint64_t pm_debug_alloc_count(void)
{
    uint64_t s[5];
    sum(s);
    return s[4];
}
