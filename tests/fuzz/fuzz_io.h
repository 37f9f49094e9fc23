/* fuzz_io.h — in-memory read/write callbacks (pathmap_io.h) shared by the file-reading fuzz
 * targets (fuzz_paths, fuzz_load): a read source that hands out at most `chunk` bytes per call,
 * and a growable sink. Test code, header-only. */
#ifndef PM_FUZZ_IO_H
#define PM_FUZZ_IO_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct src {
    const uint8_t *b;
    size_t n, pos, chunk;
} src;
static size_t rd(void *ctx, void *buf, size_t cap)
{
    src *s = ctx;
    size_t k = s->n - s->pos;
    if (k > cap)
        k = cap;
    if (k > s->chunk)
        k = s->chunk;
    if (k)
        memcpy(buf, s->b + s->pos, k);
    s->pos += k;
    return k;
}
typedef struct sink {
    uint8_t *b;
    size_t n, cap;
} sink;
static int wr(void *ctx, const void *buf, size_t len)
{
    sink *s = ctx;
    if (s->n + len > s->cap) {
        size_t nc = s->cap ? s->cap : 4096;
        while (nc < s->n + len)
            nc *= 2;
        uint8_t *nb = realloc(s->b, nc);
        if (!nb)
            return -1;
        s->b = nb;
        s->cap = nc;
    }
    if (len)
        memcpy(s->b + s->n, buf, len);
    s->n += len;
    return 0;
}

#endif
