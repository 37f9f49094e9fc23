/* mem.c — the one place the library allocates: the node slabs, the fault-injection hook, the
 * allocation counter and the per-thread node accounting summed on demand by pm_mem_stats_get(). */
#include "node_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- node slabs --------------------------------------------------------------------------------
 * Nodes of at most PM_SLAB_MAX (504) bytes come from size-class slabs instead of one malloc block
 * each: glibc adds 8 bytes of header and rounds every block to 16 (14.6 B per key on words, where
 * most nodes are 32-64 bytes); a slab block costs its size and nothing more. Bigger nodes (full
 * branch nodes of more than ~50 entries) and every auxiliary block still go to malloc.
 *
 * Design (every node size is a multiple of 8, so class = size / 8 and blocks stay 8-aligned,
 * enough for the 3 tag bits of a link):
 *  - each thread has, per class, a LIFO free list threaded through the free blocks (word 0 =
 *    next block) and a bump region carved from a PM_SLAB_CHUNK-byte malloc chunk it owns;
 *  - alloc pops the thread's list, else takes a batch from the global depot, else splits a free
 *    block of a larger class of the thread's that has a surplus, else carves;
 *  - free pushes on the freeing thread's list, whatever thread allocated the block (frees come
 *    from reclamation threads and from any thread that drops a last reference); when a list
 *    reaches 2 * PM_SLAB_BATCH blocks, PM_SLAB_BATCH of them go to the depot as one batch;
 *  - the depot is a mutex-protected stack of batches per class (word 1 of a batch's first block
 *    = next batch, word 2 = its block count); a thread that exits gives its lists and the rest of
 *    its bump region to the depot (the key destructor of the accounting, fold_thread).
 * Only the owning thread touches its lists and region; blocks change threads only through the
 * depot's mutex, and a block freed on another thread was handed over by the reference count's
 * acq_rel drop (node.c): every access is ordered, and ThreadSanitizer sees it. Chunks are kept
 * for the life of the process (linked from `chunks`), like a malloc arena's memory.
 *
 * The switch: PM_NODE_ALLOC=malloc in the environment (read once, at the first node allocation)
 * makes every node a malloc block, as before, so that the alloc experiment compares malloc
 * implementations underneath the map. Under ASan free blocks are poisoned, so a use after free of
 * a slab node is reported as for a malloc block (without a quarantine: reuse is LIFO). */
#if PM_SANITIZE_ADDRESS
#include <sanitizer/asan_interface.h>
#define SLAB_POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define SLAB_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define SLAB_POISON(p, n)   ((void)(p), (void)(n))
#define SLAB_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define PM_SLAB_MAX     504u /* largest slab node (classes < 64: one bit each in a word) */
#define PM_SLAB_MIN     32u  /* smallest node (PM_LINE_MIN); a free block holds 3 words */
#define PM_SLAB_CLASSES (PM_SLAB_MAX / 8 + 1)
_Static_assert(PM_SLAB_CLASSES <= 64, "one bit per class in pm_slab_tc.rich and depot_has");
#define PM_SLAB_CHUNK ((size_t)64 * 1024)
#define PM_SLAB_BATCH 64u
/* A larger class is split only while it holds at least this many free blocks. Splitting any
 * free block left 2,087 idle 48-byte remainders on words inserted in order (heap 39.70 B/key
 * against 38.44 without splitting); from 8 up to 32 the figure is the same: words 38.44, kb
 * keys in random order 45.89 (core count 45.29). */
#define PM_SLAB_SPLIT_MIN 16u
_Static_assert(PM_SLAB_BATCH >= PM_SLAB_SPLIT_MIN, "a spill leaves the class rich");

typedef struct pm_slab_tc {
    void *head[PM_SLAB_CLASSES];
    uint32_t n[PM_SLAB_CLASSES];
    uint64_t rich; /* bit c: n[c] >= PM_SLAB_SPLIT_MIN (a class that may be split) */
    char *bump;
    size_t left;
} pm_slab_tc;

/* Per-thread counters. Only the owning thread writes them (relaxed load + relaxed store, no
 * locked read-modify-write on the hot path); pm_mem_stats_get() reads them with relaxed loads,
 * so a sum is exact once the threads that changed maps have finished their calls. live_* may
 * wrap per thread (a node freed on another thread than the one that allocated it); the sum is
 * computed modulo 2^64 and is exact. */
typedef struct pm_tcount {
    _Atomic uint64_t node_allocs, node_frees, bytes_alloc, bytes_freed, all_allocs;
    struct pm_tcount *next, *prev;
    int registered;
    pm_slab_tc slab; /* only the owning thread touches it */
} pm_tcount;

static _Thread_local pm_tcount tls_count;
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static pm_tcount *reg_head;
/* Counters of finished threads, folded in by the key destructor. */
static _Atomic uint64_t dead_node_allocs, dead_node_frees, dead_bytes_alloc, dead_bytes_freed,
    dead_all_allocs;
static pthread_key_t reg_key;
static pthread_once_t reg_once = PTHREAD_ONCE_INIT;

static void slab_flush(pm_slab_tc *s);

static void fold_thread(void *arg)
{
    pm_tcount *t = arg;
    slab_flush(&t->slab);
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

/* ---- node slabs (see the top of the file) ------------------------------------------------- */
static pthread_mutex_t depot_lock = PTHREAD_MUTEX_INITIALIZER;
static void *depot[PM_SLAB_CLASSES]; /* per class: stack of batches */
/* Bit c: depot[c] is not empty. Written under depot_lock, read without it as a hint, so that a
 * thread whose list is empty takes the lock only when there is a batch to take (a stale bit
 * costs one lock; a missed batch, a carve). */
static _Atomic uint64_t depot_has;
static void *spare;           /* bump regions left by exited threads: word 1 = bytes */
static void *chunks;          /* every chunk, for the life of the process */
static _Atomic int slab_mode; /* 0 = not read yet, 1 = slab, 2 = malloc */

static inline int slab_on(void)
{
    int m = atomic_load_explicit(&slab_mode, memory_order_relaxed);
    if (__builtin_expect(m == 0, 0)) {
        const char *e = getenv("PM_NODE_ALLOC");
        int want = (e && !strcmp(e, "malloc")) ? 2 : 1, expect = 0;
        m = atomic_compare_exchange_strong_explicit(&slab_mode, &expect, want, memory_order_relaxed,
                                                    memory_order_relaxed)
                ? want
                : expect;
    }
    return m == 1;
}

const char *pm_debug_node_alloc(void)
{
    return slab_on() ? "slab" : "malloc";
}

static inline int slab_size(size_t size)
{
    return size >= PM_SLAB_MIN && size <= PM_SLAB_MAX && (size & 7) == 0;
}

/* Word w of a free block (poisoned under ASan except while read or written here). */
static inline void *blk_get(void *b, unsigned w)
{
    void *v;
    char *p = (char *)b + 8 * w;
    SLAB_UNPOISON(p, 8);
    memcpy(&v, p, sizeof v);
    SLAB_POISON(p, 8);
    return v;
}
static inline void blk_set(void *b, unsigned w, void *v)
{
    char *p = (char *)b + 8 * w;
    SLAB_UNPOISON(p, 8);
    memcpy(p, &v, sizeof v);
    SLAB_POISON(p, 8);
}

/* Pushes the chain first..(n blocks) of class c on the depot as one batch. */
static void depot_put(unsigned c, void *first, uint32_t n)
{
    blk_set(first, 2, (void *)(uintptr_t)n);
    pthread_mutex_lock(&depot_lock);
    blk_set(first, 1, depot[c]);
    depot[c] = first;
    atomic_fetch_or_explicit(&depot_has, 1ull << c, memory_order_relaxed);
    pthread_mutex_unlock(&depot_lock);
}

/* The thread's list of class c: push and pop keep n[c] and the `rich` bit. */
static inline void tc_push(pm_slab_tc *s, unsigned c, void *b)
{
    blk_set(b, 0, s->head[c]);
    s->head[c] = b;
    if (++s->n[c] == PM_SLAB_SPLIT_MIN)
        s->rich |= 1ull << c;
}
static inline void *tc_pop(pm_slab_tc *s, unsigned c)
{
    void *b = s->head[c];
    s->head[c] = blk_get(b, 0);
    if (s->n[c]-- == PM_SLAB_SPLIT_MIN)
        s->rich &= ~(1ull << c);
    return b;
}

/* Gives the bump region's rest to the thread's free lists as one block, or drops it if it is
 * too small to be a node (at most PM_SLAB_MIN - 8 bytes per chunk). */
static void bump_retire(pm_slab_tc *s)
{
    if (s->left >= PM_SLAB_MIN && s->left <= PM_SLAB_MAX)
        tc_push(s, (unsigned)(s->left >> 3), s->bump);
    s->bump = NULL;
    s->left = 0;
}

/* A new bump region: an exited thread's rest, else a new chunk. -1 if malloc fails. */
static int bump_refill(pm_slab_tc *s)
{
    pthread_mutex_lock(&depot_lock);
    void *r = spare;
    if (r) {
        spare = blk_get(r, 0);
        pthread_mutex_unlock(&depot_lock);
        bump_retire(s);
        s->bump = r;
        s->left = (size_t)(uintptr_t)blk_get(r, 1);
        return 0;
    }
    pthread_mutex_unlock(&depot_lock);
    char *ch = malloc(PM_SLAB_CHUNK);
    if (!ch)
        return -1;
    bump_retire(s);
    pthread_mutex_lock(&depot_lock);
    memcpy(ch, &chunks, sizeof chunks);
    chunks = ch;
    pthread_mutex_unlock(&depot_lock);
    s->bump = ch + 16; /* keeps malloc's 16-byte alignment */
    s->left = PM_SLAB_CHUNK - 16;
    SLAB_POISON(s->bump, s->left);
    return 0;
}

static void *slab_alloc(pm_slab_tc *s, size_t size)
{
    unsigned c = (unsigned)(size >> 3);
    void *b;
    if (__builtin_expect(s->head[c] != NULL, 1)) {
        b = tc_pop(s, c);
        SLAB_UNPOISON(b, size);
        return b;
    }
    if (atomic_load_explicit(&depot_has, memory_order_relaxed) & (1ull << c)) {
        pthread_mutex_lock(&depot_lock);
        b = depot[c];
        if (b && !(depot[c] = blk_get(b, 1)))
            atomic_fetch_and_explicit(&depot_has, ~(1ull << c), memory_order_relaxed);
        pthread_mutex_unlock(&depot_lock);
        if (b) {
            s->head[c] = blk_get(b, 0);
            s->n[c] = (uint32_t)(uintptr_t)blk_get(b, 2) - 1;
            if (s->n[c] >= PM_SLAB_SPLIT_MIN)
                s->rich |= 1ull << c;
            SLAB_UNPOISON(b, size);
            return b;
        }
    }
    /* A free block of a class at least PM_SLAB_MIN bytes larger is split: the rest becomes a
     * free block of its own class. Nodes that grow leave blocks of sizes that new nodes seldom
     * ask for (a small branch node of 8 entries that becomes a full one frees 96 bytes); without
     * the split they stay idle (4 B per key on kb keys inserted in random order). */
    uint64_t big = c + PM_SLAB_MIN / 8 < 64 ? s->rich & (~0ull << (c + PM_SLAB_MIN / 8)) : 0;
    if (big) { /* only a class with a surplus: a short list is still being reused */
        unsigned k = (unsigned)__builtin_ctzll(big);
        b = tc_pop(s, k);
        tc_push(s, k - c, (char *)b + size);
        SLAB_UNPOISON(b, size);
        return b;
    }
    while (s->left < size) /* a spare region may be smaller than this node */
        if (bump_refill(s))
            return NULL;
    b = s->bump;
    s->bump += size;
    s->left -= size;
    SLAB_UNPOISON(b, size);
    return b;
}

static void slab_free(pm_slab_tc *s, void *p, size_t size)
{
    unsigned c = (unsigned)(size >> 3);
    SLAB_POISON(p, size);
    tc_push(s, c, p);
    if (__builtin_expect(s->n[c] < 2 * PM_SLAB_BATCH, 1))
        return;
    /* The list is long: PM_SLAB_BATCH blocks from its head go to the depot. */
    void *last = p;
    for (unsigned i = 1; i < PM_SLAB_BATCH; i++)
        last = blk_get(last, 0);
    s->head[c] = blk_get(last, 0);
    s->n[c] -= PM_SLAB_BATCH; /* stays >= PM_SLAB_SPLIT_MIN: `rich` unchanged */
    blk_set(last, 0, NULL);
    depot_put(c, p, PM_SLAB_BATCH);
}

/* The thread exits: its lists and the rest of its region go to the depot. */
static void slab_flush(pm_slab_tc *s)
{
    for (unsigned c = 0; c < PM_SLAB_CLASSES; c++) {
        if (s->n[c])
            depot_put(c, s->head[c], s->n[c]);
        s->head[c] = NULL;
        s->n[c] = 0;
    }
    s->rich = 0;
    if (s->left >= PM_SLAB_MIN) {
        blk_set(s->bump, 1, (void *)(uintptr_t)s->left);
        pthread_mutex_lock(&depot_lock);
        blk_set(s->bump, 0, spare);
        spare = s->bump;
        pthread_mutex_unlock(&depot_lock);
    }
    s->bump = NULL;
    s->left = 0;
}

void *pm_alloc_node(size_t size)
{
    if (should_fail())
        return NULL;
    pm_tcount *t = tcount();
    void *p = slab_size(size) && slab_on() ? slab_alloc(&t->slab, size) : malloc(size);
    if (!p)
        return NULL;
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
    if (slab_size(size) && slab_on())
        slab_free(&t->slab, p, size);
    else
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
