/* io_internal.h — zlib streams over the read/write callbacks of pathmap_io.h, shared by paths.c
 * and savefile.c. Private to core. Every buffer and every zlib allocation goes through mem.c, so
 * the fault-injection hook reaches them. */
#ifndef PM_IO_INTERNAL_H
#define PM_IO_INTERNAL_H

#include "node_internal.h"
#include "pathmap_io.h"

#include <zlib.h>

#define PM_IO_CHUNK ((size_t)1 << 16) /* compressed and decompressed buffer sizes */

/* ---- inflating reader ------------------------------------------------------------------------ */
typedef struct pm_zin {
    z_stream zs;
    int zinit;      /* inflateInit succeeded: inflateEnd owed */
    int eof;        /* rd returned 0 */
    int stream_end; /* inflate returned Z_STREAM_END */
    int crc_on;     /* fold every consumed compressed byte into crc */
    uint32_t crc;
    pm_read_fn rd;
    void *rctx;
    uint64_t in_total;  /* bytes consumed (raw reads and inflate) */
    uint64_t out_total; /* decompressed bytes produced */
    uint64_t max_ratio, floor;
    size_t opos, oend; /* unread decompressed bytes: out[opos..oend) */
    uint8_t in[PM_IO_CHUNK];
    uint8_t out[PM_IO_CHUNK];
} pm_zin;

/* New reader (allocated; NULL lim = defaults). PM_ENOMEM. */
pm_status pm_zin_new(pm_read_fn rd, void *rctx, const pm_read_limits *lim, pm_zin **out);
void pm_zin_free(pm_zin *z);
/* Reads exactly n bytes that precede the zlib stream (a header). PM_ECORRUPT if the input ends. */
pm_status pm_zin_raw(pm_zin *z, void *dst, size_t n);
/* Decompressed bytes: makes z->out[opos..oend) non-empty. PM_ENOTFOUND at the clean end of the
 * stream; PM_ECORRUPT, PM_EIO, PM_ENOMEM. Only when opos == oend. */
pm_status pm_zin_more(pm_zin *z);
/* Exactly n decompressed bytes into dst; the stream ending first is PM_ECORRUPT. */
static inline pm_status pm_zin_read(pm_zin *z, void *dst, size_t n)
{
    uint8_t *d = dst;
    while (n) {
        if (z->opos == z->oend) {
            pm_status s = pm_zin_more(z);
            if (s)
                return s == PM_ENOTFOUND ? PM_ECORRUPT : s;
        }
        size_t k = z->oend - z->opos;
        if (k > n)
            k = n;
        memcpy(d, z->out + z->opos, k);
        z->opos += k;
        d += k;
        n -= k;
    }
    return PM_OK;
}
/* After the stream's end: PM_OK if the input ends too (anything more is PM_ECORRUPT). */
pm_status pm_zin_expect_eof(pm_zin *z);

/* ---- deflating writer ------------------------------------------------------------------------ */
typedef struct pm_zout {
    z_stream zs;
    int zinit;
    int crc_on;
    uint32_t crc;
    pm_write_fn wr;
    void *wctx;
    size_t ilen; /* staged uncompressed bytes in in[0..ilen) */
    uint8_t in[PM_IO_CHUNK];
    uint8_t out[PM_IO_CHUNK];
} pm_zout;

pm_status pm_zout_new(pm_write_fn wr, void *wctx, int level, pm_zout **out);
void pm_zout_free(pm_zout *z);
/* Writes bytes outside the zlib stream (header before it, trailer after pm_zout_finish). */
pm_status pm_zout_raw(pm_zout *z, const void *buf, size_t n);
/* Deflates the staged bytes with flush (Z_NO_FLUSH or Z_FINISH) and writes what comes out. */
pm_status pm_zout_drain(pm_zout *z, int flush);
/* Compresses n bytes (staged; deflated when the stage fills). */
static inline pm_status pm_zout_put(pm_zout *z, const void *buf, size_t n)
{
    const uint8_t *b = buf;
    while (n) {
        if (z->ilen == PM_IO_CHUNK) {
            pm_status s = pm_zout_drain(z, Z_NO_FLUSH);
            if (s)
                return s;
        }
        size_t k = PM_IO_CHUNK - z->ilen;
        if (k > n)
            k = n;
        memcpy(z->in + z->ilen, b, k);
        z->ilen += k;
        b += k;
        n -= k;
    }
    return PM_OK;
}
/* Compresses what is staged and ends the zlib stream. */
static inline pm_status pm_zout_finish(pm_zout *z)
{
    return pm_zout_drain(z, Z_FINISH);
}

/* ---- stdio adapters -------------------------------------------------------------------------- */
size_t pm_io_file_read(void *ctx, void *buf, size_t cap);
int pm_io_file_write(void *ctx, const void *buf, size_t len);

static inline void pm_le32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
    b[2] = (uint8_t)(v >> 16);
    b[3] = (uint8_t)(v >> 24);
}
static inline uint32_t pm_get_le32(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}
static inline void pm_le64(uint8_t *b, uint64_t v)
{
    pm_le32(b, (uint32_t)v);
    pm_le32(b + 4, (uint32_t)(v >> 32));
}
static inline uint64_t pm_get_le64(const uint8_t *b)
{
    return (uint64_t)pm_get_le32(b) | (uint64_t)pm_get_le32(b + 4) << 32;
}

/* Commits a successful load: m takes work's contents, work takes m's old contents (and is then
 * freed by the caller, which releases them). */
static inline void pm_map_swap_contents(pm_map *m, pm_map *work)
{
    pm_link r = m->root;
    uint64_t v = m->root_val;
    int h = m->has_root_val;
    m->root = work->root;
    m->root_val = work->root_val;
    m->has_root_val = work->has_root_val;
    work->root = r;
    work->root_val = v;
    work->has_root_val = h;
}

#endif
