/* owned.h — owned values for the core tests (test code, header-only).
 *
 * In owned mode a map value is the address of a heap cell {magic, payload}. The hooks
 * (owned_ops) clone a cell by copying it and drop it by poisoning and freeing it; both are
 * counted. A value that reaches a map twice without a clone is dropped twice: ASan reports the
 * second free, and without ASan owned_drop's magic check usually catches it. At teardown
 * owned_live() must be 0: every cell ever made (owned_new + clones) was freed exactly once.
 *
 * Join and meet keep the left value (as with integer values); subtract compares payloads, so a
 * test can run the same operations in integer mode and owned mode against one model: the model
 * holds payloads, the map holds cells, and owned_payload() maps one to the other.
 *
 * The counters are atomic: the ZipperHead and live-map tests clone and drop on several threads.
 */
#ifndef PM_TEST_OWNED_H
#define PM_TEST_OWNED_H

#include "pathmap.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define OWNED_MAGIC 0x0C311C311C311C31ull
#define OWNED_DEAD  0xDEADDEADDEADDEADull

typedef struct owned_cell {
    uint64_t magic;
    uint64_t payload;
} owned_cell;

typedef struct owned_counts {
    _Atomic long long news, clones, drops;
} owned_counts;
static owned_counts owned_n;

static inline void owned_fail(const char *what, uint64_t v)
{
    fprintf(stderr, "owned.h: %s (value 0x%llx)\n", what, (unsigned long long)v);
    abort();
}

static inline uint64_t owned_new(uint64_t payload)
{
    owned_cell *c = malloc(sizeof *c);
    if (!c)
        owned_fail("out of memory", payload);
    c->magic = OWNED_MAGIC;
    c->payload = payload;
    atomic_fetch_add_explicit(&owned_n.news, 1, memory_order_relaxed);
    return (uint64_t)(uintptr_t)c;
}

static inline uint64_t owned_payload(uint64_t v)
{
    const owned_cell *c = (const owned_cell *)(uintptr_t)v;
    if (!c || c->magic != OWNED_MAGIC)
        owned_fail("not a live cell", v);
    return c->payload;
}

static uint64_t owned_clone(void *ctx, uint64_t v)
{
    (void)ctx;
    uint64_t c = owned_new(owned_payload(v));
    atomic_fetch_sub_explicit(&owned_n.news, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&owned_n.clones, 1, memory_order_relaxed);
    return c;
}

static void owned_drop(void *ctx, uint64_t v)
{
    (void)ctx;
    owned_cell *c = (owned_cell *)(uintptr_t)v;
    if (!c || c->magic != OWNED_MAGIC)
        owned_fail("dropped a value that is not a live cell (double drop?)", v);
    c->magic = OWNED_DEAD;
    free(c);
    atomic_fetch_add_explicit(&owned_n.drops, 1, memory_order_relaxed);
}

static pm_alg owned_subtract(void *ctx, uint64_t a, uint64_t b, uint64_t *out)
{
    (void)ctx;
    (void)out;
    return owned_payload(a) == owned_payload(b) ? PM_ALG_NONE : PM_ALG_IDENTITY;
}

/* The hooks of owned mode. */
static const pm_val_ops owned_ops = {
    .clone = owned_clone, .drop = owned_drop, .subtract = owned_subtract};

/* Cells alive now: made (new + clones) minus dropped. */
static inline long long owned_live(void)
{
    return atomic_load(&owned_n.news) + atomic_load(&owned_n.clones) - atomic_load(&owned_n.drops);
}
static inline long long owned_clones(void)
{
    return atomic_load(&owned_n.clones);
}
static inline long long owned_drops(void)
{
    return atomic_load(&owned_n.drops);
}

/* ---- dual mode: one test body, integer values or owned cells ---------------------------------
 * owned_mode selects the mode; ov_ops() is the map's hooks (NULL for integers), ov_make() turns a
 * payload into a value the map will own, ov_get() a stored value back into its payload, and
 * ov_release() disposes of a value handed back to the caller (pm_map_set's *old ...). */
static int owned_mode;

static inline const pm_val_ops *ov_ops(void)
{
    return owned_mode ? &owned_ops : NULL;
}
static inline uint64_t ov_make(uint64_t payload)
{
    return owned_mode ? owned_new(payload) : payload;
}
static inline uint64_t ov_get(uint64_t v)
{
    return owned_mode ? owned_payload(v) : v;
}
static inline void ov_release(uint64_t v)
{
    if (owned_mode)
        owned_drop(NULL, v);
}

#endif
