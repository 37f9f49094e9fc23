/* fuzz.h — shared by the libFuzzer targets (tests/fuzz/README.md): a reader for the byte-coded
 * operation stream, keys and values drawn from it, and the checks against the reference model
 * (tests/core/model.h, zmodel.h). Test code, header-only.
 *
 * Stream: byte 0 selects the value mode (bit 0: owned heap cells, tests/core/owned.h; else
 * integers); then each operation is an opcode byte followed by its operands. A missing byte
 * reads as 0, so every input is a valid program.
 *
 * A failed check prints what failed and aborts: libFuzzer saves the input as a crash file. */
#ifndef PM_FUZZ_H
#define PM_FUZZ_H

#include "model.h"
#include "owned.h"
#include "pathmap.h"
#include "pathmap_debug.h"
#include "zmodel.h"

#include <stdio.h>
#include <stdlib.h>

/* The entry point libFuzzer calls once per input (defined by each target). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHECK(c)                                                                                \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", #c, __FILE__, __LINE__);            \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

typedef struct fz {
    const uint8_t *p;
    size_t n;
} fz;

static inline uint8_t fz_byte(fz *f)
{
    if (!f->n)
        return 0;
    f->n--;
    return *f->p++;
}

/* Keys: mostly short over a small alphabet (so paths share prefixes and meet), sometimes raw
 * bytes, sometimes longer than a line node's inline space (40 bytes). */
#define FZ_KEYMAX 160
static const uint8_t fz_alpha[8] = {'a', 'b', 'c', 'd', 0x00, 0xFF, '/', 'x'};

static inline size_t fz_key(fz *f, uint8_t *k)
{
    uint8_t h = fz_byte(f);
    size_t len = h & 7; /* 0..7 */
    if ((h & 0xC0) == 0xC0)
        len = 8 + (h & 0x3F) * 2; /* 8..134: chains of line nodes */
    int raw = (h & 0x30) == 0x30;
    for (size_t i = 0; i < len; i++) {
        if (len > 8 && i >= 4) { /* long keys: a pattern, a few bytes from the stream */
            k[i] = (uint8_t)('a' + (i % 5 == 4 ? (h >> 3) & 3 : 0));
            continue;
        }
        uint8_t b = fz_byte(f);
        k[i] = raw ? b : fz_alpha[b & 7];
    }
    return len;
}

/* Value payloads: small, so equal values (subtract) are common. */
static inline uint64_t fz_payload(fz *f)
{
    return fz_byte(f) & 15;
}

/* Map contents equal the model (payloads in owned mode), in order; len and the validator. */
typedef struct fz_cmp {
    const model *m;
    size_t i;
    int bad;
} fz_cmp;
static int fz_cmp_cb(void *c, const uint8_t *k, size_t len, uint64_t v)
{
    fz_cmp *f = c;
    if (f->i >= f->m->n) {
        f->bad = 1;
        return 1;
    }
    const ment *e = &f->m->e[f->i++];
    if (e->k->len != len || (len && memcmp(e->k->b, k, len)) || e->v != ov_get(v)) {
        f->bad = 1;
        return 1;
    }
    return 0;
}
static inline void fz_check_map(const pm_map *map, const model *m)
{
    fz_cmp f = {m, 0, 0};
    FZ_CHECK(pm_map_foreach(map, NULL, 0, fz_cmp_cb, &f) == PM_OK);
    FZ_CHECK(!f.bad && f.i == m->n);
    size_t n = 0;
    FZ_CHECK(pm_map_len(map, &n) == PM_OK && n == m->n);
    FZ_CHECK(pm_map_is_empty(map) == (m->n == 0));
    FZ_CHECK(pm_debug_validate(map) == PM_OK);
}

/* Longest key of a model (grafts are skipped when keys would grow past FZ_LONGEST). */
#define FZ_LONGEST 2000
static inline size_t fz_longest(const model *m)
{
    size_t l = 0;
    for (size_t i = 0; i < m->n; i++)
        l = m->e[i].k->len > l ? m->e[i].k->len : l;
    return l;
}

/* Start and end of one input: the mode, and at the end no node and no cell left. */
typedef struct fz_run {
    long long live0;
} fz_run;
static inline void fz_begin(fz *f, fz_run *r)
{
    owned_mode = fz_byte(f) & 1;
    r->live0 = owned_live();
}
static inline void fz_end(fz_run *r)
{
    pm_mem_stats st;
    pm_mem_stats_get(&st);
    FZ_CHECK(st.live_nodes == 0);
    FZ_CHECK(owned_live() == r->live0);
}

#endif
