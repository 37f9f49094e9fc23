/* savefile.c — the full save format (keys and values), version 1; layout in docs/formats.md:
 *   header   8-byte magic, u32 version, u32 flags                    (raw, 16 bytes)
 *   body     zlib stream of records, keys front-coded in iteration order
 *   trailer  u64 record count, u32 crc32 of every byte before it     (raw, 12 bytes)
 * Loading builds a new map and hands it out only when every check passed (all or nothing). */
#include "io_internal.h"

static const uint8_t save_magic[8] = {0x89, 'P', 'M', 'A', 'P', '\r', '\n', 0x1A};
#define F_CODEC 1u /* values are byte strings made by a pm_val_codec */
#define F_KNOWN F_CODEC

/* ---- varints (LEB128, at most 10 bytes for a uint64) ----------------------------------------- */
static size_t put_varint(uint8_t *b, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        b[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    b[n++] = (uint8_t)v;
    return n;
}

static inline pm_status get_byte(pm_zin *z, uint8_t *b)
{
    if (z->opos < z->oend) {
        *b = z->out[z->opos++];
        return PM_OK;
    }
    return pm_zin_read(z, b, 1);
}

static pm_status get_varint(pm_zin *z, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 70; shift += 7) {
        uint8_t b;
        pm_status s = get_byte(z, &b);
        if (s)
            return s;
        if (shift == 63 && b > 1)
            return PM_ECORRUPT; /* beyond 64 bits */
        v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return PM_OK;
        }
    }
    return PM_ECORRUPT;
}

/* ---- saving ---------------------------------------------------------------------------------- */
pm_status pm_map_save(const pm_map *m, pm_write_fn wr, void *wctx, const pm_save_opts *opts,
                      size_t *count)
{
    int level = opts ? opts->level : -1;
    const pm_val_codec *codec = opts ? opts->codec : NULL;
    if (level == -1)
        level = PM_SAVE_DEFAULT_LEVEL;
    if (!m || !wr || level < 0 || level > 9 || (codec && !codec->encode))
        return PM_EINVAL;
    pm_iter *it = NULL;
    pm_zout *z = NULL;
    uint8_t *prev = NULL, *vbuf = NULL;
    pm_status s = pm_iter_new(m, NULL, 0, &it);
    if (s)
        return s;
    s = PM_ENOMEM;
    if (!(prev = pm_alloc_aux(PM_MAX_KEY)))
        goto out;
    if (codec && !(vbuf = pm_alloc_aux(PM_MAX_VAL_BYTES)))
        goto out;
    if ((s = pm_zout_new(wr, wctx, level, &z)) != PM_OK)
        goto out;
    z->crc_on = 1;
    uint8_t hdr[16];
    memcpy(hdr, save_magic, 8);
    pm_le32(hdr + 8, PM_SAVE_VERSION);
    pm_le32(hdr + 12, codec ? F_CODEC : 0);
    if ((s = pm_zout_raw(z, hdr, sizeof hdr)) != PM_OK)
        goto out;
    size_t n = 0, plen = 0;
    const uint8_t *k;
    size_t kl;
    uint64_t v;
    while ((s = pm_iter_next(it, &k, &kl, &v)) == PM_OK) {
        if (kl > PM_MAX_KEY) {
            s = PM_EINVAL;
            goto out;
        }
        size_t shared = 0, lim = kl < plen ? kl : plen;
        while (shared < lim && prev[shared] == k[shared])
            shared++;
        uint8_t rec[30];
        size_t rl = put_varint(rec, shared);
        rl += put_varint(rec + rl, kl - shared);
        if ((s = pm_zout_put(z, rec, rl)) != PM_OK ||
            (kl > shared && (s = pm_zout_put(z, k + shared, kl - shared)) != PM_OK))
            goto out; /* (k may be NULL for the empty key) */
        if (codec) {
            size_t vl = 0;
            if ((s = codec->encode(codec->ctx, v, vbuf, PM_MAX_VAL_BYTES, &vl)) != PM_OK)
                goto out;
            if (vl > PM_MAX_VAL_BYTES) {
                s = PM_EINVAL;
                goto out;
            }
            rl = put_varint(rec, vl);
            if ((s = pm_zout_put(z, rec, rl)) != PM_OK || (s = pm_zout_put(z, vbuf, vl)) != PM_OK)
                goto out;
        } else {
            rl = put_varint(rec, v);
            if ((s = pm_zout_put(z, rec, rl)) != PM_OK)
                goto out;
        }
        if (kl > shared)
            memcpy(prev + shared, k + shared, kl - shared);
        plen = kl;
        n++;
    }
    if (s != PM_ENOTFOUND)
        goto out;
    if ((s = pm_zout_finish(z)) != PM_OK)
        goto out;
    uint8_t tr[12];
    pm_le64(tr, (uint64_t)n);
    if ((s = pm_zout_raw(z, tr, 8)) != PM_OK)
        goto out;
    pm_le32(tr + 8, z->crc);
    if ((s = pm_zout_raw(z, tr + 8, 4)) != PM_OK)
        goto out;
    if (count)
        *count = n;
out:
    pm_zout_free(z);
    pm_free_aux(vbuf);
    pm_free_aux(prev);
    pm_iter_free(it);
    return s;
}

pm_status pm_map_save_file(const pm_map *m, FILE *f, const pm_save_opts *opts, size_t *count)
{
    if (!f)
        return PM_EINVAL;
    size_t n;
    pm_status s = pm_map_save(m, pm_io_file_write, f, opts, &n);
    if (s == PM_OK && fflush(f) != 0)
        s = PM_EIO;
    if (s == PM_OK && count)
        *count = n;
    return s;
}

/* ---- loading --------------------------------------------------------------------------------- */
/* Reads the records into map; *n gets their number. */
static pm_status load_records(pm_zin *z, pm_map *map, const pm_val_codec *codec, uint8_t *key,
                              uint8_t *vbuf, uint64_t *n)
{
    const pm_val_ops *ops = pm_map_ops(map);
    size_t klen = 0;
    uint64_t recs = 0;
    for (;;) {
        if (z->opos == z->oend) {
            pm_status s = pm_zin_more(z);
            if (s == PM_ENOTFOUND)
                break; /* the stream ended between two records */
            if (s)
                return s;
        }
        uint64_t shared, slen;
        pm_status s = get_varint(z, &shared);
        if (s == PM_OK)
            s = get_varint(z, &slen);
        if (s)
            return s;
        if (shared > klen || slen > PM_MAX_KEY - shared)
            return PM_ECORRUPT;
        /* Strictly ascending: after the first record, the new key differs from the previous
         * one right after the shared bytes, by a greater byte, or extends it. */
        int have_old = recs && shared < klen;
        uint8_t old = have_old ? key[shared] : 0;
        if ((s = pm_zin_read(z, key + shared, (size_t)slen)) != PM_OK)
            return s;
        if (recs && (slen == 0 || (have_old && key[shared] <= old)))
            return PM_ECORRUPT;
        klen = (size_t)(shared + slen);
        uint64_t v;
        if (codec) {
            uint64_t vl;
            if ((s = get_varint(z, &vl)) != PM_OK)
                return s;
            if (vl > PM_MAX_VAL_BYTES)
                return PM_ECORRUPT;
            if ((s = pm_zin_read(z, vbuf, (size_t)vl)) != PM_OK)
                return s;
            if ((s = codec->decode(codec->ctx, vbuf, (size_t)vl, &v)) != PM_OK)
                return s;
        } else if ((s = get_varint(z, &v)) != PM_OK) {
            return s;
        }
        if ((s = pm_map_set(map, key, klen, v, NULL, NULL)) != PM_OK) {
            pm_val_drop(ops, v);
            return s;
        }
        recs++;
    }
    *n = recs;
    return PM_OK;
}

pm_status pm_map_load(pm_read_fn rd, void *rctx, const pm_val_ops *ops, const pm_load_opts *opts,
                      pm_map **out)
{
    const pm_val_codec *codec = opts ? opts->codec : NULL;
    if (!rd || !out || (codec && !codec->decode))
        return PM_EINVAL;
    pm_zin *z = NULL;
    uint8_t *key = NULL, *vbuf = NULL;
    pm_map *map = NULL;
    pm_status s = pm_zin_new(rd, rctx, opts ? &opts->limits : NULL, &z);
    if (s)
        return s;
    z->crc_on = 1;
    uint8_t hdr[16];
    if ((s = pm_zin_raw(z, hdr, sizeof hdr)) != PM_OK)
        goto out;
    if (memcmp(hdr, save_magic, 8) != 0) {
        s = PM_ECORRUPT;
        goto out;
    }
    uint32_t version = pm_get_le32(hdr + 8), flags = pm_get_le32(hdr + 12);
    if (version != PM_SAVE_VERSION || (flags & ~F_KNOWN)) {
        s = PM_EVERSION;
        goto out;
    }
    if (!(flags & F_CODEC) != !codec) {
        s = PM_EINVAL; /* a codec is needed exactly for files saved with one */
        goto out;
    }
    s = PM_ENOMEM;
    if (!(key = pm_alloc_aux(PM_MAX_KEY)))
        goto out;
    if (codec && !(vbuf = pm_alloc_aux(PM_MAX_VAL_BYTES)))
        goto out;
    if ((s = pm_map_new(ops, &map)) != PM_OK)
        goto out;
    uint64_t n = 0;
    if ((s = load_records(z, map, codec, key, vbuf, &n)) != PM_OK)
        goto out;
    uint8_t tr[12];
    if ((s = pm_zin_raw(z, tr, 8)) != PM_OK)
        goto out;
    z->crc_on = 0;
    uint32_t crc = z->crc;
    if ((s = pm_zin_raw(z, tr + 8, 4)) != PM_OK)
        goto out;
    if (pm_get_le64(tr) != n || pm_get_le32(tr + 8) != crc) {
        s = PM_ECORRUPT;
        goto out;
    }
    if ((s = pm_zin_expect_eof(z)) != PM_OK)
        goto out;
    *out = map;
    map = NULL;
out:
    pm_map_free(map);
    pm_free_aux(vbuf);
    pm_free_aux(key);
    pm_zin_free(z);
    return s;
}

pm_status pm_map_load_file(FILE *f, const pm_val_ops *ops, const pm_load_opts *opts, pm_map **out)
{
    if (!f)
        return PM_EINVAL;
    return pm_map_load(pm_io_file_read, f, ops, opts, out);
}
