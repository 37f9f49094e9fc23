/* node_internal.h — the node layer shared by every core file: node layouts, tagged links,
 * reference counts, allocation, copy/release, the builder that turns a small sorted item list
 * into nodes, the allocation pool used for all-or-nothing mutations, and the explicit walk stack.
 *
 * Private to core/. See docs/core.md for the byte-level layout and the rules.
 */
#ifndef PM_NODE_INTERNAL_H
#define PM_NODE_INTERNAL_H

#include "pathmap.h"
#include "pathmap_debug.h"

#include <assert.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- tagged links ----------------------------------------------------------------------------
 * A link is one machine word: the node address with the node kind in the low 3 bits (nodes are
 * at least 8-byte aligned: slab blocks are multiples of 8 bytes, malloc blocks 16-aligned; see
 * mem.c). 0 is "no node". */
typedef uintptr_t pm_link;

enum { PM_TAG_NONE = 0, PM_TAG_LINE = 1, PM_TAG_DENSE = 2 };
#define PM_TAG_MASK ((uintptr_t)7)

static inline unsigned pm_tag(pm_link l)
{
    return (unsigned)(l & PM_TAG_MASK);
}
static inline void *pm_ptr(pm_link l)
{
    return (void *)(l & ~PM_TAG_MASK);
}
static inline pm_link pm_mklink(const void *p, unsigned tag)
{
    return (pm_link)p | (pm_link)tag;
}

/* ---- node layouts ----------------------------------------------------------------------------
 * Line node: at most 64 bytes (one cache line). Its allocation holds the header, both payloads
 * and only the key bytes it uses: 24 + key bytes rounded up to 8, at least 32 (see
 * pm_line_size_for); the struct below is the largest size.
 *   0  rc     _Atomic uint32_t   reference count (every heap node starts with it)
 *   4  n      uint8_t            slots used (1 or 2; 0 only transiently)
 *   5  kinds  uint8_t            bit i (0, 1) set: slot i holds a child link, else a value;
 *                                bits 4..6: allocation size / 8 (4..7), 0 = 64 bytes
 *   6  len[2] uint8_t            key length of slot 0 and slot 1 (>= 1 each)
 *   8  pay[2] uint64_t           slot payload: a value or a tagged child link
 *  24  key[40] uint8_t           slot 0's key bytes, then slot 1's
 * Invariants: the two slots' keys differ in their first byte and are in ascending order, except
 * the pair (value at K, child at K) with equal keys, value first. A child slot's key is never a
 * proper prefix of the other slot's key. */
#define PM_LINE_KEYS 40
typedef struct pm_line {
    _Atomic uint32_t rc;
    uint8_t n;
    uint8_t kinds;
    uint8_t len[2];
    uint64_t pay[2];
    uint8_t key[PM_LINE_KEYS];
} pm_line;

/* Branch node ("dense"): a node that consumes one key byte and has one entry per next byte. An
 * entry holds a value, a child or both; a node has at least one entry. Two encodings of the set
 * of bytes, chosen when the node gets a new block (built, copied or moved): "small" for at most
 * PM_SMALL_MAX entries, "full" otherwise (a full node that shrinks in place stays full).
 *
 * Full form, 80 + 8 * cap bytes (72 + 8 * cap with PM_DENSE_HASH=0: no hash, words at 40):
 *   0  rc        _Atomic uint32_t
 *   4  capf      uint16_t          words in w[] (1..512); bit 15 clear
 *   6  n         uint16_t          entries (= popcount(mask))
 *   8  mask[4]   uint64_t          bit b: byte b has an entry
 *  40  hash      _Atomic uint64_t  cached subtrie hash, 0 = unknown (see below)
 *  48  w[cap]    uint64_t          see below
 *  48+8cap vmask[4] uint64_t       bit b: byte b's entry holds a value (a subset of mask)
 * Small form, 32 + 8 * cap bytes (24 + 8 * cap with PM_DENSE_HASH=0):
 *   0  rc        _Atomic uint32_t
 *   4  capf      uint16_t          words (1..PM_SMALL_MAX * 2) | PM_DENSE_SMALL
 *   6  n         uint16_t          entries (1..PM_SMALL_MAX)
 *   8  key[8]    uint8_t           the entries' bytes, ascending (lanes >= n unused)
 *  16  vbits     uint64_t          bit i: entry i holds a value
 *  24  hash      _Atomic uint64_t  as in the full form
 *  32  w[cap]    uint64_t
 * Words, both forms: w[0..n) each entry's child link (0 if none), in byte order; the values in
 * w[cap-nv..cap) in descending byte order (value of rank r at w[cap-1-r]; nv = number of values);
 * the words between are free. Both arrays grow towards the middle, so inserts in ascending byte
 * order move no word. A lookup that goes down reads the byte set and one child word; a value
 * costs one more rank. */
#define PM_SMALL_MAX    8u
#define PM_DENSE_SMALL  0x8000u
#define PM_DENSE_MAXCAP 512u
/* PM_DENSE_HASH (default 1): both forms end their header with `hash`, the structural hash of the
 * subtrie below the node (equal.c), 0 = not known: 8 bytes more per branch node. Build with
 * -DPM_DENSE_HASH=0 to measure without it (pm_map_hash then recomputes every time). */
#ifndef PM_DENSE_HASH
#define PM_DENSE_HASH 1
#endif
typedef struct pm_dense {
    _Atomic uint32_t rc;
    uint16_t capf;
    uint16_t n;
    uint64_t mask[4]; /* full form only: never touch it on a small node (may be past its end) */
#if PM_DENSE_HASH
    _Atomic uint64_t hash; /* full form at offset 40 (pm_dense_hash_get) */
#endif
} pm_dense;
typedef struct pm_small {
    _Atomic uint32_t rc;
    uint16_t capf;
    uint16_t n;
    uint8_t key[8];
    uint64_t vbits;
#if PM_DENSE_HASH
    _Atomic uint64_t hash; /* small form at offset 24 */
#endif
} pm_small;

_Static_assert(sizeof(pm_line) == 64, "a line node is at most one cache line");
_Static_assert(offsetof(pm_line, rc) == 0 && offsetof(pm_dense, rc) == 0, "rc at offset 0");
_Static_assert(offsetof(pm_line, pay) == 8 && offsetof(pm_line, key) == 24, "line layout");
_Static_assert(sizeof(pm_dense) == 40 + 8 * PM_DENSE_HASH &&
                   sizeof(pm_small) == 24 + 8 * PM_DENSE_HASH,
               "branch layouts");
_Static_assert(offsetof(pm_small, capf) == offsetof(pm_dense, capf) &&
                   offsetof(pm_small, n) == offsetof(pm_dense, n),
               "both forms share the header");
_Static_assert(sizeof(pm_link) == 8, "links are 8 bytes");

static inline size_t pm_dense_bytes(int small, unsigned cap)
{
    return small ? sizeof(pm_small) + (size_t)cap * 8 : sizeof(pm_dense) + ((size_t)cap + 4) * 8;
}
/* The form a node with n entries gets when it is given a new block. */
static inline int pm_dense_small_for(unsigned n)
{
    return n <= PM_SMALL_MAX;
}
/* Capacity for a node that needs `want` words and has `cap`: a quarter more while the node is
 * small (little slack where most nodes are: kb paths' branch nodes have 3-16 entries), half as
 * much again from 32 words on (fewer moves of the big nodes, whose moves cost the most: ints
 * keys build 256-entry nodes). Copies, which are exact-fit, carry no slack. */
static inline unsigned pm_dense_grow(unsigned cap, unsigned want)
{
    unsigned c = cap + (cap < 32 ? cap >> 2 : cap >> 1) + 1;
    if (c < want)
        c = want;
    return c > PM_DENSE_MAXCAP ? PM_DENSE_MAXCAP : c;
}

static inline int pm_bit(const uint64_t m[4], unsigned b)
{
    return (int)((m[b >> 6] >> (b & 63)) & 1);
}
static inline void pm_bit_set(uint64_t m[4], unsigned b)
{
    m[b >> 6] |= (uint64_t)1 << (b & 63);
}
static inline void pm_bit_clear(uint64_t m[4], unsigned b)
{
    m[b >> 6] &= ~((uint64_t)1 << (b & 63));
}
/* Equality of two short byte strings (inline keys are <= 40 bytes): 8 bytes at a time, never
 * reading past either end. Inlined in lookups instead of a call to memcmp through the PLT. */
static inline int pm_bytes_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (; n >= 8; a += 8, b += 8, n -= 8) {
        uint64_t x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        if (x != y)
            return 0;
    }
    if (n >= 4) {
        uint32_t x, y;
        memcpy(&x, a, 4);
        memcpy(&y, b, 4);
        if (x != y)
            return 0;
        a += 4, b += 4, n -= 4;
    }
    for (; n; a++, b++, n--)
        if (*a != *b)
            return 0;
    return 1;
}
/* Rank of byte b: entries for bytes below b. */
static inline unsigned pm_rank(const uint64_t m[4], unsigned b)
{
    unsigned w = b >> 6, r = 0;
    for (unsigned i = 0; i < w; i++)
        r += (unsigned)__builtin_popcountll(m[i]);
    return r + (unsigned)__builtin_popcountll(m[w] & (((uint64_t)1 << (b & 63)) - 1));
}
/* Smallest byte >= from with its bit set in m, or 256. */
static inline unsigned pm_next_bit(const uint64_t m[4], unsigned from)
{
    while (from < 256) {
        uint64_t w = m[from >> 6] & (~(uint64_t)0 << (from & 63));
        if (w)
            return (from & ~63u) + (unsigned)__builtin_ctzll(w);
        from = (from & ~63u) + 64;
    }
    return 256;
}

/* ---- branch-node accessors (both forms) ------------------------------------------------------ */
static inline int pm_dense_is_small(const pm_dense *d)
{
    return (d->capf & PM_DENSE_SMALL) != 0;
}
static inline unsigned pm_dense_cap(const pm_dense *d)
{
    return d->capf & ~PM_DENSE_SMALL;
}
static inline uint64_t *pm_dense_words(const pm_dense *d)
{
    return (uint64_t *)(uintptr_t)((const char *)d +
                                   (pm_dense_is_small(d) ? sizeof(pm_small) : sizeof(pm_dense)));
}
static inline pm_small *pm_dense_sm(const pm_dense *d)
{
    return (pm_small *)(uintptr_t)d;
}
/* Full form only. */
static inline uint64_t *pm_dense_vmask(const pm_dense *d)
{
    return pm_dense_words(d) + pm_dense_cap(d);
}
/* Index of byte b's entry among the entries (its child word), or -1. Small form: all eight key
 * lanes are compared at once; the lowest lane equal to b is found exactly (the borrow of the
 * zero-byte test only spreads upwards), and lanes >= n are cut off by the final check. */
static inline int pm_dense_slot(const pm_dense *d, unsigned b)
{
    if (pm_dense_is_small(d)) {
        const pm_small *s = pm_dense_sm(d);
        uint64_t x;
        memcpy(&x, s->key, 8);
        x ^= 0x0101010101010101ull * (uint64_t)b;
        uint64_t z = (x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull;
        if (!z)
            return -1;
        unsigned i = (unsigned)__builtin_ctzll(z) >> 3;
        return i < s->n ? (int)i : -1;
    }
    return pm_bit(d->mask, b) ? (int)pm_rank(d->mask, b) : -1;
}
static inline int pm_dense_has(const pm_dense *d, unsigned b)
{
    return pm_dense_slot(d, b) >= 0;
}
static inline unsigned pm_dense_nvals(const pm_dense *d)
{
    if (pm_dense_is_small(d))
        return (unsigned)__builtin_popcountll(pm_dense_sm(d)->vbits);
    const uint64_t *v = pm_dense_vmask(d);
    return (unsigned)(__builtin_popcountll(v[0]) + __builtin_popcountll(v[1]) +
                      __builtin_popcountll(v[2]) + __builtin_popcountll(v[3]));
}
/* Words in use: one child word per entry plus one per value. */
static inline unsigned pm_dense_used(const pm_dense *d)
{
    return d->n + pm_dense_nvals(d);
}
/* Entry i (byte b) holds a value. */
static inline int pm_dense_has_val_at(const pm_dense *d, int i, unsigned b)
{
    if (pm_dense_is_small(d))
        return (int)((pm_dense_sm(d)->vbits >> i) & 1);
    return pm_bit(pm_dense_vmask(d), b);
}
static inline int pm_dense_has_val(const pm_dense *d, unsigned b)
{
    int i = pm_dense_slot(d, b);
    return i >= 0 && pm_dense_has_val_at(d, i, b);
}
/* Rank of entry i's value among the values (entry i must hold one). */
static inline unsigned pm_dense_vrank(const pm_dense *d, int i, unsigned b)
{
    if (pm_dense_is_small(d))
        return (unsigned)__builtin_popcountll(pm_dense_sm(d)->vbits & ((1ull << i) - 1));
    return pm_rank(pm_dense_vmask(d), b);
}
static inline uint64_t *pm_dense_valp_at(const pm_dense *d, int i, unsigned b)
{
    return pm_dense_words(d) + pm_dense_cap(d) - 1 - pm_dense_vrank(d, i, b);
}
/* Byte b must have an entry (child: 0 = none) / hold a value. */
static inline pm_link pm_dense_child(const pm_dense *d, unsigned b)
{
    return (pm_link)pm_dense_words(d)[pm_dense_slot(d, b)];
}
static inline pm_link *pm_dense_childp(pm_dense *d, unsigned b)
{
    return (pm_link *)&pm_dense_words(d)[pm_dense_slot(d, b)];
}
static inline uint64_t *pm_dense_valp(pm_dense *d, unsigned b)
{
    return pm_dense_valp_at(d, pm_dense_slot(d, b), b);
}
static inline uint64_t pm_dense_val(const pm_dense *d, unsigned b)
{
    return *pm_dense_valp_at(d, pm_dense_slot(d, b), b);
}
/* Smallest byte >= from with an entry, or 256. */
static inline unsigned pm_dense_next(const pm_dense *d, unsigned from)
{
    if (pm_dense_is_small(d)) {
        const pm_small *s = pm_dense_sm(d);
        for (unsigned i = 0; i < s->n; i++)
            if (s->key[i] >= from)
                return s->key[i];
        return 256;
    }
    return pm_next_bit(d->mask, from);
}
/* The set of bytes with an entry as a 256-bit mask. */
static inline void pm_dense_mask(const pm_dense *d, uint64_t m[4])
{
    if (pm_dense_is_small(d)) {
        const pm_small *s = pm_dense_sm(d);
        m[0] = m[1] = m[2] = m[3] = 0;
        for (unsigned i = 0; i < s->n; i++)
            pm_bit_set(m, s->key[i]);
        return;
    }
    memcpy(m, d->mask, 4 * sizeof m[0]);
}

/* ---- the cached subtrie hash of a branch node (equal.c) ----------------------------------------
 * The hash is a function of the entries below the node, so it stays right as long as they do.
 * Nodes reachable from more than one handle are never written (copy-on-write), so the only
 * writes that change a node's entries are pm_edit's in-place writes on an exclusively owned path,
 * and pm_edit clears the hash of every branch node on the path it edits (an in-place write below
 * a node changes that node's subtrie too; every ancestor of an in-place write is on the path and
 * owned). Copies and moves start with 0. Any other code that writes a node in place must clear
 * the hash of it and of every branch node above it in the same way.
 * Relaxed atomics: readers of a shared node may store the same value concurrently (a benign,
 * idempotent race made explicit); an owner's clear needs no ordering because no other thread
 * reaches an exclusively owned node, and publication of a version orders everything before it. */
static inline void pm_dense_hash_clear(pm_dense *d)
{
#if PM_DENSE_HASH
    _Atomic uint64_t *h = pm_dense_is_small(d) ? &pm_dense_sm(d)->hash : &d->hash;
    atomic_store_explicit(h, 0, memory_order_relaxed);
#else
    (void)d;
#endif
}
static inline uint64_t pm_dense_hash_get(const pm_dense *d)
{
#if PM_DENSE_HASH
    pm_dense *w = (pm_dense *)(uintptr_t)d;
    return atomic_load_explicit(pm_dense_is_small(d) ? &pm_dense_sm(d)->hash : &w->hash,
                                memory_order_relaxed);
#else
    (void)d;
    return 0;
#endif
}
static inline void pm_dense_hash_put(const pm_dense *d, uint64_t h)
{
#if PM_DENSE_HASH
    pm_dense *w = (pm_dense *)(uintptr_t)d;
    atomic_store_explicit(pm_dense_is_small(d) ? &pm_dense_sm(d)->hash : &w->hash, h,
                          memory_order_relaxed);
#else
    (void)d;
    (void)h;
#endif
}

/* Line sizes: 32, 40, 48, 56 or 64 bytes. The size lives in the node (kinds bits 4..6) so that
 * release and copy know it; 0 there means the full struct (any line built on the stack, such as
 * a virtual one, is a full struct). Minimum 32: release threads its work list through bytes
 * 24..31 of a dead node. */
#define PM_LINE_KIND_BITS 0x03u
#define PM_LINE_MIN       32u
static inline size_t pm_line_size_for(size_t key_bytes)
{
    size_t s = (24 + key_bytes + 7) & ~(size_t)7;
    return s < PM_LINE_MIN ? PM_LINE_MIN : s;
}
static inline size_t pm_line_size(const pm_line *l)
{
    unsigned c = (l->kinds >> 4) & 7u;
    return c ? (size_t)c * 8 : sizeof(pm_line);
}
static inline void pm_line_set_size(pm_line *l, size_t size)
{
    assert(size >= PM_LINE_MIN && size <= sizeof(pm_line) && size % 8 == 0);
    unsigned c = size < sizeof(pm_line) ? (unsigned)(size / 8) : 0;
    l->kinds = (uint8_t)((l->kinds & PM_LINE_KIND_BITS) | (c << 4));
}

static inline unsigned pm_line_off(const pm_line *l, unsigned i)
{
    return i ? l->len[0] : 0;
}
static inline int pm_line_is_child(const pm_line *l, unsigned i)
{
    return (l->kinds >> i) & 1;
}
static inline unsigned pm_line_used(const pm_line *l)
{
    return l->n == 2 ? (unsigned)l->len[0] + l->len[1] : (l->n ? l->len[0] : 0);
}

/* ---- reference counts ------------------------------------------------------------------------
 * A count at or above PM_RC_STICKY is saturated: it never changes again and the node is never
 * freed (a bounded leak, never a use-after-free). */
#define PM_RC_STICKY 0x7FFFFFFFu

static inline _Atomic uint32_t *pm_rcp(pm_link l)
{
    return (_Atomic uint32_t *)pm_ptr(l);
}
/* +1. Relaxed: taking a new reference needs no ordering, the caller already holds one (as in
 * every reference-counting scheme). A saturated count is left alone; two racing increments from
 * STICKY-1 can overshoot by the number of racing threads, which stays sticky. */
static inline void pm_ref(pm_link l)
{
    _Atomic uint32_t *rc = pm_rcp(l);
    if (atomic_load_explicit(rc, memory_order_relaxed) >= PM_RC_STICKY)
        return;
    atomic_fetch_add_explicit(rc, 1, memory_order_relaxed);
}
/* Ownership test for copy-on-write: acquire, so that every write another thread made to the node
 * before dropping its reference (release) happens-before our in-place mutation. */
static inline int pm_is_unique(pm_link l)
{
    return atomic_load_explicit(pm_rcp(l), memory_order_acquire) == 1;
}

/* ---- allocation and accounting (mem.c) ------------------------------------------------------- */
/* Every library allocation goes through these. Node allocations are accounted as nodes;
 * auxiliary ones (handles, stacks, pools) only in pm_debug_alloc_count. */
void *pm_alloc_node(size_t size);
void pm_free_node(void *p, size_t size);
void *pm_alloc_aux(size_t size);
/* An auxiliary block followed by PM_CACHE_LINE bytes of slack, for objects that one thread writes
 * while other threads write their neighbours (zippers handed to writer threads, which would
 * otherwise share lines: false sharing). Two such blocks never share a line. Freed by
 * pm_free_aux. */
#define PM_CACHE_LINE 64
void *pm_alloc_aux_line(size_t size);
void *pm_realloc_aux(void *p, size_t size); /* NULL on failure, p unchanged */
void pm_free_aux(void *p);

/* ---- value hooks ----------------------------------------------------------------------------- */
static inline uint64_t pm_val_clone(const pm_val_ops *ops, uint64_t v)
{
    return (ops && ops->clone) ? ops->clone(ops->ctx, v) : v;
}
static inline void pm_val_drop(const pm_val_ops *ops, uint64_t v)
{
    if (ops && ops->drop)
        ops->drop(ops->ctx, v);
}

/* ---- node operations (node.c) ---------------------------------------------------------------- */
size_t pm_node_size(pm_link l);
/* Drops one reference; when it was the last, frees the node and, iteratively and without
 * allocating, every descendant whose count drops to zero (values dropped through ops). */
void pm_release(pm_link l, const pm_val_ops *ops);
/* Frees the memory of a node whose children and values were moved elsewhere. */
void pm_free_shell(pm_link l);
/* Copies line node l into block (a fresh allocation of pm_node_size(l)): count 1, every child
 * +1, every value cloned. Returns the new tagged link. */
pm_link pm_node_copy(pm_link l, void *block, const pm_val_ops *ops);
/* The same for a branch node, into block = pm_dense_bytes(small, newcap) with newcap >=
 * pm_dense_used() (small only when n <= PM_SMALL_MAX). */
pm_link pm_dense_copy(pm_link l, void *block, unsigned newcap, int small, const pm_val_ops *ops);
/* Moves exclusive branch node l into block (likewise) and frees l's memory. */
pm_link pm_dense_move(pm_link l, void *block, unsigned newcap, int small);
/* In-place entry and value changes; each needs the free words it adds (insert: 1, +1 with a
 * value; set_val: 1); insert into a small node also needs n < PM_SMALL_MAX. */
void pm_dense_insert(pm_dense *d, unsigned b, pm_link child, int has_val, uint64_t val);
void pm_dense_erase(pm_dense *d, unsigned b);                 /* the entry and its value */
void pm_dense_set_val(pm_dense *d, unsigned b, uint64_t val); /* b has an entry, no value yet */
void pm_dense_clear_val(pm_dense *d, unsigned b);             /* b holds a value */
void pm_line_erase(pm_line *l, unsigned slot);

/* ---- allocation pool: reserve every block a mutation needs before changing anything
 * -------------- Phase 1 runs the mutation's planning code in counting mode: each pm_pool_take()
 * records a block size and returns scratch memory. pm_pool_fill() then allocates every recorded
 * block (on failure it frees what it got and the mutation returns PM_ENOMEM untouched). Phase 2
 * runs the same code with counting off and takes the blocks in the same order. */
typedef struct pm_pool {
    int counting;
    size_t n, cap, next;
    uint32_t *size;
    void **blk;
    uint32_t size_inline[16];
    void *blk_inline[16];
    alignas(16) unsigned char scratch[256];
} pm_pool;
void pm_pool_init(pm_pool *p);
int pm_pool_request(pm_pool *p, size_t size); /* counting mode; 0 on success, -1 on ENOMEM */
void *pm_pool_take(pm_pool *p, size_t size);
pm_status pm_pool_fill(pm_pool *p); /* leaves counting mode */
void pm_pool_fini(pm_pool *p);      /* frees blocks not taken */

/* ---- the builder --------------------------------------------------------------------------------
 * Items are (key, kind, payload) triples, sorted (shorter key first when one is a prefix of the
 * other; value before child for equal keys), with no child item whose key is a proper prefix of
 * another item's key. pm_build() stores nodes for them in *out, taking line/dense blocks from the
 * pool; `reuse` (may be NULL) is an exclusive line block the top node may be built in. Items'
 * payloads are moved, not referenced. At most PM_BUILD_MAX items. Returns 0, or -1 if counting
 * mode could not record a request (ENOMEM). */
#define PM_BUILD_MAX 4
typedef struct pm_item {
    const uint8_t *key;
    size_t len;
    int is_child;
    uint64_t pay;
} pm_item;
int pm_build(pm_pool *pool, pm_item *items, size_t n, pm_link *out, pm_line *reuse);
void pm_items_sort(pm_item *items, size_t n);

/* ---- explicit stack of links (walks) --------------------------------------------------------- */
typedef struct pm_stack {
    pm_link *v;
    size_t n, cap;
    pm_link inl[32];
} pm_stack;
static inline void pm_stack_init(pm_stack *s)
{
    s->v = s->inl;
    s->n = 0;
    s->cap = 32;
}
int pm_stack_grow(pm_stack *s); /* 0 or -1 */
static inline int pm_stack_push(pm_stack *s, pm_link l)
{
    if (s->n == s->cap && pm_stack_grow(s))
        return -1;
    s->v[s->n++] = l;
    return 0;
}
static inline void pm_stack_fini(pm_stack *s)
{
    if (s->v != s->inl)
        pm_free_aux(s->v);
}

/* Number of values in the subtrie at l (explicit stack). PM_ENOMEM if the stack cannot grow. */
pm_status pm_count_values(pm_link l, size_t *out);

/* pm_iter_next that also gives, in *same, a count of leading key bytes that no step has
 * rewritten since the previous entry (0 before the first): the new key and the previous one
 * agree on their first min(*same, both lengths) bytes. Lets a consumer of sorted keys find
 * common prefixes without comparing them from byte 0 (iter.c; used by the freezer). */
pm_status pm_iter_next_same(pm_iter *it, const uint8_t **key, size_t *len, uint64_t *val,
                            size_t *same);

/* ---- seeking a position ------------------------------------------------------------------------
 * The content at a key position: an optional value plus the subtrie below it. When the position
 * falls inside a line slot's compressed key, the subtrie is a "virtual" line node held in `virt`
 * (count 0, never linked or counted) that presents the slots' key tails. */
typedef struct pm_focus {
    int has_val;
    uint64_t val;
    pm_link link; /* real node, or a link to virt when is_virt */
    int is_virt;
    pm_line virt;
} pm_focus;
void pm_seek(pm_link root, int root_has_val, uint64_t root_val, const uint8_t *key, size_t len,
             pm_focus *f);
static inline pm_link pm_focus_link(pm_focus *f)
{
    return f->is_virt ? pm_mklink(&f->virt, PM_TAG_LINE) : f->link;
}

/* ---- the map handle -------------------------------------------------------------------------- */
/* 72 bytes on LP64: the copied value-ops table (48) leaves no room to shrink to one 64-byte line
 * while root, root_val and the flags stay in the handle. */
struct pm_map {
    pm_link root;
    uint64_t root_val;
    int has_root_val;
    uint8_t has_ops;
    uint8_t in_slot; /* storage is a caller's pm_map_slot (pm_map_clone_at): not freed */
    pm_val_ops ops;
};
_Static_assert(sizeof(struct pm_map) <= sizeof(pm_map_slot), "pm_map_slot too small");
_Static_assert(_Alignof(struct pm_map) <= _Alignof(pm_map_slot), "pm_map_slot underaligned");
_Static_assert(sizeof(pm_map_slot) == PM_MAP_SLOT_SIZE, "PM_MAP_SLOT_SIZE");
_Static_assert(_Alignof(pm_map_slot) >= PM_MAP_SLOT_ALIGN, "PM_MAP_SLOT_ALIGN");
static inline const pm_val_ops *pm_map_ops(const pm_map *m)
{
    return m->has_ops ? &m->ops : NULL;
}
/* Starts a new heap handle r from m's header (hooks and all); r is never slot storage. Every
 * handle made by copying another goes through here, so a slot map's flag is never inherited. */
static inline void pm_map_copy_head(pm_map *r, const pm_map *m)
{
    *r = *m;
    r->in_slot = 0;
}

/* ---- the mutation engine (edit.c) ------------------------------------------------------------ */
typedef enum pm_op_kind {
    PM_OP_SET,        /* value at key := val */
    PM_OP_REMOVE_VAL, /* remove the value at key (PM_ENOTFOUND if none) */
    PM_OP_REMOVE_ALL, /* remove the value at key and everything below */
    PM_OP_GRAFT,      /* replace everything at and below key by (g_val?, g_link) */
} pm_op_kind;
typedef struct pm_op {
    pm_op_kind kind;
    uint64_t val;
    int g_has_val;
    uint64_t g_val; /* on success the map gets a clone (or g_val itself with g_move) */
    int g_move;     /* the caller gives g_val up on success (it keeps it on failure) */
    pm_link g_link; /* the caller already holds the reference given to the map */
    int had_old;    /* out: SET / REMOVE_VAL */
    uint64_t old;   /* out: ownership passes to the caller */
    size_t removed; /* out: REMOVE_ALL */
} pm_op;
pm_status pm_edit(pm_map *m, const uint8_t *key, size_t len, pm_op *op);

#endif
