/* fuzz_load — libFuzzer target: the full-format loader (pm_map_load). Byte 0: value mode
 * (fuzz.h). Byte 1: bit 0 "wrap": the rest is a record body, wrapped here into a file with the
 * right header, zlib stream, count and crc32 (so the record parser is reached; the expected map
 * comes from an independent parse of docs/formats.md's records and must match exactly); bit 1 the
 * codec flag (values are byte strings, decoded by hashing); bits 2-4 the read chunk size.
 * Without wrap the rest is the file itself: it must fail cleanly or, if it loads, save and load
 * back to the same map. No node and no owned cell may be left at the end (fz_end). */
#include "fuzz.h"
#include "fuzz_io.h"
#include "pathmap_io.h"

#include <zlib.h>

static uint64_t hash(const uint8_t *b, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h & 0xFFFF;
}
static pm_status dec(void *ctx, const uint8_t *buf, size_t len, uint64_t *out)
{
    (void)ctx;
    *out = ov_make(hash(buf, len));
    return PM_OK;
}
static pm_status enc(void *ctx, uint64_t v, uint8_t *buf, size_t cap, size_t *len)
{
    (void)ctx;
    (void)cap;
    uint64_t p = ov_get(v); /* re-encoded as 2 bytes whose hash is not p: only the keys compare */
    buf[0] = (uint8_t)p;
    buf[1] = (uint8_t)(p >> 8);
    *len = 2;
    return PM_OK;
}
static const pm_val_codec codec = {enc, dec, NULL};

static const size_t chunks[8] = {1, 2, 7, 16, 100, 1000, 4096, 65536};

static int varint(const uint8_t *b, size_t n, size_t *pos, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned sh = 0; sh < 70; sh += 7) {
        if (*pos >= n)
            return -1;
        uint8_t x = b[(*pos)++];
        if (sh == 63 && x > 1)
            return -1;
        v |= (uint64_t)(x & 0x7F) << sh;
        if (!(x & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

/* Independent parse of a record body: the number of records, or -1 if invalid. */
static long parse(const uint8_t *b, size_t n, int coded, model *md)
{
    uint8_t *key = malloc(PM_MAX_KEY);
    FZ_CHECK(key);
    size_t pos = 0, klen = 0;
    long cnt = 0;
    while (pos < n) {
        uint64_t shared, slen, v;
        if (varint(b, n, &pos, &shared) || varint(b, n, &pos, &slen) || shared > klen ||
            slen > PM_MAX_KEY - shared || n - pos < slen)
            goto bad;
        if (cnt) { /* strictly ascending */
            if (slen == 0)
                goto bad;
            if (shared < klen && b[pos] <= key[shared])
                goto bad;
        }
        memcpy(key + shared, b + pos, (size_t)slen);
        pos += (size_t)slen;
        klen = (size_t)(shared + slen);
        if (coded) {
            uint64_t vl;
            if (varint(b, n, &pos, &vl) || vl > PM_MAX_VAL_BYTES || n - pos < vl)
                goto bad;
            v = hash(b + pos, (size_t)vl);
            pos += (size_t)vl;
        } else if (varint(b, n, &pos, &v)) {
            goto bad;
        }
        model_insert_at(md, md->n, mkey_new(key, klen), v);
        cnt++;
    }
    free(key);
    return cnt;
bad:
    free(key);
    return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz f = {data, size};
    fz_run run;
    fz_begin(&f, &run);
    uint8_t ctl = fz_byte(&f);
    int wrap = ctl & 1, coded = (ctl >> 1) & 1;
    size_t chunk = chunks[(ctl >> 2) & 7];
    /* Raw uint64 values cannot be owned cells: owned mode always uses the codec. */
    if (owned_mode)
        coded = 1;

    uint8_t *file = (uint8_t *)f.p;
    size_t fn = f.n;
    uint8_t *built = NULL;
    model want = {0};
    long cnt = 0;
    if (wrap) {
        cnt = parse(f.p, f.n, coded, &want);
        uLongf zcap = compressBound((uLong)f.n);
        built = malloc(16 + zcap + 12);
        FZ_CHECK(built);
        static const uint8_t magic[8] = {0x89, 'P', 'M', 'A', 'P', '\r', '\n', 0x1A};
        memcpy(built, magic, 8);
        memset(built + 8, 0, 8);
        built[8] = 1;
        built[12] = (uint8_t)coded;
        FZ_CHECK(compress2(built + 16, &zcap, f.p, (uLong)f.n, 1) == Z_OK);
        size_t at = 16 + zcap;
        uint64_t c = cnt < 0 ? 0 : (uint64_t)cnt;
        for (int i = 0; i < 8; i++)
            built[at + (size_t)i] = (uint8_t)(c >> (8 * i));
        uint32_t crc = (uint32_t)crc32(0, built, (uInt)(at + 8));
        for (int i = 0; i < 4; i++)
            built[at + 8 + (size_t)i] = (uint8_t)(crc >> (8 * i));
        file = built;
        fn = at + 12;
    }
    pm_load_opts lo = {coded ? &codec : NULL, {0, 0}};
    src s = {file, fn, 0, chunk};
    pm_map *m = NULL;
    pm_status st = pm_map_load(rd, &s, ov_ops(), &lo, &m);
    if (wrap) {
        FZ_CHECK(cnt < 0 ? st == PM_ECORRUPT : st == PM_OK);
        if (st == PM_OK)
            fz_check_map(m, &want);
    } else {
        FZ_CHECK(st == PM_OK || st == PM_ECORRUPT || st == PM_EVERSION || st == PM_EINVAL);
    }
    if (st != PM_OK) {
        FZ_CHECK(m == NULL);
    } else { /* save and load back: the same keys */
        sink out = {0};
        pm_save_opts so = {(int)(ctl >> 5), coded ? &codec : NULL};
        FZ_CHECK(pm_map_save(m, wr, &out, &so, NULL) == PM_OK);
        pm_map *r = NULL;
        src s2 = {out.b, out.n, 0, 65536};
        FZ_CHECK(pm_map_load(rd, &s2, ov_ops(), &lo, &r) == PM_OK);
        size_t ml, rl;
        FZ_CHECK(pm_map_len(m, &ml) == PM_OK && pm_map_len(r, &rl) == PM_OK && ml == rl);
        pm_map_free(r);
        free(out.b);
    }
    pm_map_free(m);
    model_free(&want);
    free(built);
    fz_end(&run);
    return 0;
}
