/* zio.c — zlib streams over read/write callbacks (io_internal.h): the inflating reader with its
 * expansion limit, the deflating writer, and the stdio adapters. */
#include "io_internal.h"

#include <errno.h>

/* zlib allocates through mem.c, so fault injection reaches inflateInit/deflateInit. */
static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    if (size && items > SIZE_MAX / size)
        return Z_NULL;
    return pm_alloc_aux((size_t)items * size);
}
static void z_free(voidpf opaque, voidpf p)
{
    (void)opaque;
    pm_free_aux(p);
}

/* ---- reader ---------------------------------------------------------------------------------- */
pm_status pm_zin_new(pm_read_fn rd, void *rctx, const pm_read_limits *lim, pm_zin **out)
{
    pm_zin *z = pm_alloc_aux(sizeof *z);
    if (!z)
        return PM_ENOMEM;
    memset(&z->zs, 0, sizeof z->zs);
    z->zs.zalloc = z_alloc;
    z->zs.zfree = z_free;
    z->zinit = z->eof = z->stream_end = z->crc_on = 0;
    z->crc = (uint32_t)crc32(0L, Z_NULL, 0);
    z->rd = rd;
    z->rctx = rctx;
    z->in_total = z->out_total = 0;
    z->max_ratio = lim && lim->max_ratio ? lim->max_ratio : PM_IO_DEFAULT_MAX_RATIO;
    z->floor = lim && lim->floor ? lim->floor : PM_IO_DEFAULT_FLOOR;
    z->opos = z->oend = 0;
    int r = inflateInit(&z->zs);
    if (r != Z_OK) {
        pm_free_aux(z);
        return r == Z_MEM_ERROR ? PM_ENOMEM : PM_EINVAL;
    }
    z->zinit = 1;
    z->zs.next_in = z->in;
    z->zs.avail_in = 0;
    *out = z;
    return PM_OK;
}

void pm_zin_free(pm_zin *z)
{
    if (!z)
        return;
    if (z->zinit)
        inflateEnd(&z->zs);
    pm_free_aux(z);
}

/* Refills the compressed buffer when it is empty. PM_OK (possibly at EOF), PM_EIO. */
static pm_status refill(pm_zin *z)
{
    if (z->zs.avail_in || z->eof)
        return PM_OK;
    size_t n = z->rd(z->rctx, z->in, PM_IO_CHUNK);
    if (n == (size_t)-1 || n > PM_IO_CHUNK)
        return PM_EIO;
    if (n == 0)
        z->eof = 1;
    z->zs.next_in = z->in;
    z->zs.avail_in = (uInt)n;
    return PM_OK;
}

static void consumed(pm_zin *z, const uint8_t *from, size_t n)
{
    z->in_total += n;
    if (z->crc_on && n)
        z->crc = (uint32_t)crc32(z->crc, from, (uInt)n);
}

pm_status pm_zin_raw(pm_zin *z, void *dst, size_t n)
{
    uint8_t *d = dst;
    while (n) {
        pm_status s = refill(z);
        if (s)
            return s;
        if (z->zs.avail_in == 0)
            return PM_ECORRUPT; /* the input ended inside the header */
        size_t k = z->zs.avail_in < n ? z->zs.avail_in : n;
        memcpy(d, z->zs.next_in, k);
        consumed(z, z->zs.next_in, k);
        z->zs.next_in += k;
        z->zs.avail_in -= (uInt)k;
        d += k;
        n -= k;
    }
    return PM_OK;
}

/* out_total > floor + max_ratio * in_total, without overflow. */
static int over_limit(const pm_zin *z)
{
    if (z->max_ratio == UINT64_MAX || z->out_total <= z->floor)
        return 0;
    uint64_t extra = z->out_total - z->floor;
    return extra / z->max_ratio > z->in_total ||
           (extra / z->max_ratio == z->in_total && extra % z->max_ratio);
}

pm_status pm_zin_more(pm_zin *z)
{
    z->opos = z->oend = 0;
    if (z->stream_end)
        return PM_ENOTFOUND;
    for (;;) {
        pm_status s = refill(z);
        if (s)
            return s;
        const uint8_t *before = z->zs.next_in;
        z->zs.next_out = z->out;
        z->zs.avail_out = (uInt)PM_IO_CHUNK;
        int r = inflate(&z->zs, Z_NO_FLUSH);
        consumed(z, before, (size_t)(z->zs.next_in - before));
        size_t produced = PM_IO_CHUNK - z->zs.avail_out;
        z->out_total += produced;
        switch (r) {
        case Z_OK:
        case Z_BUF_ERROR: /* no progress possible with this input: more is needed */
            break;
        case Z_STREAM_END:
            z->stream_end = 1;
            break;
        case Z_MEM_ERROR:
            return PM_ENOMEM;
        default: /* Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR */
            return PM_ECORRUPT;
        }
        if (over_limit(z))
            return PM_ECORRUPT;
        if (produced) {
            z->oend = produced;
            return PM_OK;
        }
        if (z->stream_end)
            return PM_ENOTFOUND;
        if (z->zs.avail_in == 0 && z->eof)
            return PM_ECORRUPT; /* the input ended inside the stream */
        if (z->zs.next_in == before && z->zs.avail_in)
            return PM_ECORRUPT; /* input left and no progress: zlib cannot continue */
    }
}

pm_status pm_zin_expect_eof(pm_zin *z)
{
    if (z->zs.avail_in)
        return PM_ECORRUPT;
    pm_status s = refill(z);
    if (s)
        return s;
    return z->zs.avail_in ? PM_ECORRUPT : PM_OK;
}

/* ---- writer ---------------------------------------------------------------------------------- */
pm_status pm_zout_new(pm_write_fn wr, void *wctx, int level, pm_zout **out)
{
    pm_zout *z = pm_alloc_aux(sizeof *z);
    if (!z)
        return PM_ENOMEM;
    memset(&z->zs, 0, sizeof z->zs);
    z->zs.zalloc = z_alloc;
    z->zs.zfree = z_free;
    z->zinit = 0;
    z->crc_on = 0;
    z->crc = (uint32_t)crc32(0L, Z_NULL, 0);
    z->wr = wr;
    z->wctx = wctx;
    z->ilen = 0;
    int r = deflateInit(&z->zs, level);
    if (r != Z_OK) {
        pm_free_aux(z);
        return r == Z_MEM_ERROR ? PM_ENOMEM : PM_EINVAL;
    }
    z->zinit = 1;
    *out = z;
    return PM_OK;
}

void pm_zout_free(pm_zout *z)
{
    if (!z)
        return;
    if (z->zinit)
        deflateEnd(&z->zs);
    pm_free_aux(z);
}

pm_status pm_zout_raw(pm_zout *z, const void *buf, size_t n)
{
    if (!n)
        return PM_OK;
    if (z->crc_on)
        z->crc = (uint32_t)crc32(z->crc, buf, (uInt)n);
    return z->wr(z->wctx, buf, n) ? PM_EIO : PM_OK;
}

pm_status pm_zout_drain(pm_zout *z, int flush)
{
    z->zs.next_in = z->in;
    z->zs.avail_in = (uInt)z->ilen;
    for (;;) {
        z->zs.next_out = z->out;
        z->zs.avail_out = (uInt)PM_IO_CHUNK;
        int r = deflate(&z->zs, flush);
        if (r == Z_STREAM_ERROR)
            return PM_EINVAL;
        pm_status s = pm_zout_raw(z, z->out, PM_IO_CHUNK - z->zs.avail_out);
        if (s)
            return s;
        if (flush == Z_FINISH ? r == Z_STREAM_END : z->zs.avail_out != 0)
            break;
    }
    z->ilen = 0;
    return PM_OK;
}

/* ---- stdio ----------------------------------------------------------------------------------- */
size_t pm_io_file_read(void *ctx, void *buf, size_t cap)
{
    FILE *f = ctx;
    size_t n = fread(buf, 1, cap, f);
    if (n == 0 && ferror(f))
        return (size_t)-1;
    return n;
}

int pm_io_file_write(void *ctx, const void *buf, size_t len)
{
    return fwrite(buf, 1, len, (FILE *)ctx) == len ? 0 : (errno ? errno : -1);
}
