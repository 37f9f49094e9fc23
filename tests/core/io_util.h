/* io_util.h — helpers for the save/load tests (test code, header-only): in-memory streams for the
 * read/write callbacks of pathmap_io.h, and an independent `.paths` encoder built on zlib's
 * one-shot compress2 (not on the library's streaming writer). */
#ifndef PM_TEST_IO_UTIL_H
#define PM_TEST_IO_UTIL_H

#include "pathmap_io.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* A growable byte buffer; as a read source it hands out at most `chunk` bytes per call (0 = as
 * many as asked) and fails with (size_t)-1 on call number fail_read (1-based; 0 = never). */
typedef struct mbuf {
    uint8_t *b;
    size_t n, cap, pos;
    size_t chunk;
    unsigned calls, fail_read, fail_write;
} mbuf;

static inline void mb_put(mbuf *m, const void *p, size_t len)
{
    if (m->n + len > m->cap) {
        size_t nc = m->cap ? m->cap : 256;
        while (nc < m->n + len)
            nc *= 2;
        m->b = realloc(m->b, nc);
        assert_non_null(m->b);
        m->cap = nc;
    }
    if (len)
        memcpy(m->b + m->n, p, len);
    m->n += len;
}
static inline void mb_put_le32(mbuf *m, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    mb_put(m, b, 4);
}
static inline void mb_free(mbuf *m)
{
    free(m->b);
    memset(m, 0, sizeof *m);
}
static int mb_write(void *ctx, const void *buf, size_t len)
{
    mbuf *m = ctx;
    if (m->fail_write && ++m->calls == m->fail_write)
        return -1;
    mb_put(m, buf, len);
    return 0;
}
static size_t mb_read(void *ctx, void *buf, size_t cap)
{
    mbuf *m = ctx;
    if (m->fail_read && ++m->calls == m->fail_read)
        return (size_t)-1;
    size_t k = m->n - m->pos;
    if (k > cap)
        k = cap;
    if (m->chunk && k > m->chunk)
        k = m->chunk;
    if (k)
        memcpy(buf, m->b + m->pos, k);
    m->pos += k;
    return k;
}
/* A read source over bytes (not copied). */
static inline mbuf mb_src(const uint8_t *b, size_t n, size_t chunk)
{
    mbuf m = {0};
    m.b = (uint8_t *)b;
    m.n = n;
    m.chunk = chunk;
    return m;
}

/* zlib one-shot compression of raw into a new buffer (level -1..9). */
static inline void zcompress(const uint8_t *raw, size_t n, int level, mbuf *out)
{
    uLongf cap = compressBound((uLong)n);
    memset(out, 0, sizeof *out);
    out->b = malloc(cap ? cap : 1);
    assert_non_null(out->b);
    assert_int_equal(compress2(out->b, &cap, raw, (uLong)n, level), Z_OK);
    out->n = out->cap = cap;
}

/* zlib one-shot decompression (the size must be known to be at most cap). */
static inline void zuncompress(const uint8_t *z, size_t n, size_t cap, mbuf *out)
{
    memset(out, 0, sizeof *out);
    out->b = malloc(cap ? cap : 1);
    assert_non_null(out->b);
    uLongf got = cap;
    assert_int_equal(uncompress(out->b, &got, z, (uLong)n), Z_OK);
    out->n = got;
    out->cap = cap;
}

/* Map contents equal to a model; the model's values are payloads (owned.h). */
static inline void assert_map_is(const pm_map *m, const model *want)
{
    model got;
    assert_int_equal(dump(m, &got), 0);
    assert_int_equal(got.n, want->n);
    assert_true(model_equal(&got, want));
    model_free(&got);
    assert_int_equal(pm_debug_validate(m), PM_OK);
}

#endif
