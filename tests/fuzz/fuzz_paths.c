/* fuzz_paths — libFuzzer target: the `.paths` reader (pm_map_read_paths, pm_paths_foreach).
 * Byte 0: value mode (fuzz.h). Byte 1: bit 0 "wrap": the rest is the decompressed content and is
 * compressed here first (so the framing parser sees valid zlib; the expected result is then
 * computed by an independent parse and must match exactly); bits 1-3 the read chunk size; bit 4
 * a prefix. Without wrap the rest is the file itself: any status but OK or ECORRUPT fails, a
 * failure must leave the pre-filled map as it was, a success must round-trip through the writer.
 * At the end no node and no owned cell may be left (fz_end). */
#include "fuzz.h"
#include "fuzz_io.h"
#include "pathmap_io.h"

#include <zlib.h>

static const size_t chunks[8] = {1, 2, 3, 5, 64, 1000, 4096, 65536};
static const uint8_t prefix[] = "pre/";

static int count_cb(void *ctx, const uint8_t *p, size_t len)
{
    (void)p;
    (void)len;
    ++*(size_t *)ctx;
    return 0;
}

/* Independent parse of decompressed content: -1 if the framing is invalid, else the number of
 * paths, each inserted into md (under pre) with value v. */
static long parse(const uint8_t *b, size_t n, const uint8_t *pre, size_t plen, uint64_t v,
                  model *md)
{
    size_t pos = 0;
    long cnt = 0;
    uint8_t *k = malloc(plen + PM_MAX_KEY + 1);
    FZ_CHECK(k);
    memcpy(k, pre, plen);
    while (pos < n) {
        if (n - pos < 4) {
            cnt = -1;
            break;
        }
        uint32_t len = (uint32_t)b[pos] | (uint32_t)b[pos + 1] << 8 | (uint32_t)b[pos + 2] << 16 |
                       (uint32_t)b[pos + 3] << 24;
        pos += 4;
        if (len > PM_MAX_KEY || n - pos < len) {
            cnt = -1;
            break;
        }
        if (plen + len > PM_MAX_KEY) {
            cnt = -2; /* a valid file, but too long with the prefix */
            break;
        }
        memcpy(k + plen, b + pos, len);
        uint64_t old;
        model_set(md, k, plen + len, v, &old);
        pos += len;
        cnt++;
    }
    free(k);
    return cnt;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz f = {data, size};
    fz_run run;
    fz_begin(&f, &run);
    uint8_t ctl = fz_byte(&f);
    int wrap = ctl & 1;
    size_t chunk = chunks[(ctl >> 1) & 7];
    size_t plen = (ctl & 0x10) ? 4 : 0;

    uint8_t *file = (uint8_t *)f.p;
    size_t fn = f.n;
    uint8_t *zbuf = NULL;
    if (wrap) {
        uLongf cap = compressBound((uLong)f.n);
        zbuf = malloc(cap);
        FZ_CHECK(zbuf && compress2(zbuf, &cap, f.p, (uLong)f.n, 7) == Z_OK);
        file = zbuf;
        fn = cap;
    }

    pm_map *m;
    FZ_CHECK(pm_map_new(ov_ops(), &m) == PM_OK);
    model before = {0};
    const char *pre_keys[] = {"pre/a", "pre/", "a", "pre/ab"};
    for (size_t i = 0; i < 4; i++) {
        uint64_t old;
        model_set(&before, (const uint8_t *)pre_keys[i], strlen(pre_keys[i]), i, &old);
        FZ_CHECK(pm_map_set(m, (const uint8_t *)pre_keys[i], strlen(pre_keys[i]), ov_make(i), NULL,
                            NULL) == PM_OK);
    }
    uint64_t cell = ov_make(7);
    src s = {file, fn, 0, chunk};
    size_t count = 0;
    pm_status st = pm_map_read_paths(m, rd, &s, prefix, plen, cell, NULL, NULL, &count);
    ov_release(cell);

    /* pm_paths_foreach agrees on validity and count */
    size_t fcount = 0, seen = 0;
    src s2 = {file, fn, 0, chunk};
    pm_status fst = pm_paths_foreach(rd, &s2, NULL, count_cb, &seen, &fcount);
    FZ_CHECK(st == PM_EINVAL ? (fst == PM_OK || fst == PM_ECORRUPT) : fst == st);
    if (st == PM_OK)
        FZ_CHECK(fcount == count && seen == count);

    if (wrap) {
        model want;
        model_copy(&want, &before);
        long cnt = parse(f.p, f.n, prefix, plen, 7, &want);
        FZ_CHECK(st == (cnt == -1 ? PM_ECORRUPT : cnt == -2 ? PM_EINVAL : PM_OK));
        if (st == PM_OK) {
            FZ_CHECK((long)count == cnt);
            fz_check_map(m, &want);
        }
        model_free(&want);
    } else {
        FZ_CHECK(st == PM_OK || st == PM_ECORRUPT || (plen && st == PM_EINVAL));
    }
    if (st != PM_OK) {
        fz_check_map(m, &before);
    } else { /* round trip through the writer */
        sink out = {0};
        size_t wn = 0, rn = 0;
        FZ_CHECK(pm_map_write_paths(m, NULL, 0, wr, &out, &wn) == PM_OK);
        pm_map *r;
        FZ_CHECK(pm_map_new(NULL, &r) == PM_OK);
        src s3 = {out.b, out.n, 0, 65536};
        FZ_CHECK(pm_map_read_paths(r, rd, &s3, NULL, 0, 1, NULL, NULL, &rn) == PM_OK);
        FZ_CHECK(rn == wn);
        size_t ml, rl;
        FZ_CHECK(pm_map_len(m, &ml) == PM_OK && pm_map_len(r, &rl) == PM_OK && ml == rl);
        pm_map_free(r);
        free(out.b);
    }
    model_free(&before);
    pm_map_free(m);
    free(zbuf);
    fz_end(&run);
    return 0;
}
