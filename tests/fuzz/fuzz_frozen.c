/* fuzz_frozen — libFuzzer target: the frozen-image validator (pm_frozen_open) and every read of
 * an image it accepts. Input: a mode byte, then the candidate image. Mode bit 0 repairs the
 * header's size and checksum fields before opening, so that mutations reach the structural
 * checks instead of stopping at the checksum; without it the bytes are opened as they are.
 * An image that opens must read consistently: iteration in strictly ascending order, one
 * entry per value the header counts, every iterated key found by get with its value, prefix
 * counts equal to the iterated entries under the prefix, a zipper's next_val visiting the
 * same number of values. ASan/UBSan catch any read outside the image. */
#include "../../core/src/frozen_internal.h"
#include "fuzz.h"
#include "pathmap_frozen.h"

static int keycmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
    size_t m = al < bl ? al : bl;
    int c = m ? memcmp(a, b, m) : 0;
    return c ? c : (al > bl) - (al < bl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    size_t n = size - 1;
    uint8_t *img = malloc(n ? n : 1);
    FZ_CHECK(img != NULL);
    if (n)
        memcpy(img, data + 1, n);
    if ((mode & 1) && n >= PM_FZ_HDR) {
        for (int i = 0; i < 8; i++)
            img[PM_FZ_OFF_SIZE + i] = (uint8_t)((uint64_t)n >> (8 * i));
        uint64_t c = pm_fz_checksum(img, n);
        for (int i = 0; i < 8; i++)
            img[PM_FZ_OFF_CHECKSUM + i] = (uint8_t)(c >> (8 * i));
    }
    pm_frozen *fz = NULL;
    pm_status s = pm_frozen_open(img, n, &fz);
    FZ_CHECK(s == PM_OK || s == PM_ECORRUPT || s == PM_EVERSION);
    if (s == PM_OK) {
        pm_frozen_iter *it;
        FZ_CHECK(pm_frozen_iter_new(fz, NULL, 0, &it) == PM_OK);
        const uint8_t *k;
        size_t kl, count = 0, plen = 0;
        uint64_t v, w;
        uint8_t *prev = NULL;
        while (pm_frozen_iter_next(it, &k, &kl, &v) == PM_OK) {
            FZ_CHECK(pm_frozen_get(fz, k, kl, &w) == PM_OK && w == v);
            if (count)
                FZ_CHECK(keycmp(prev, plen, k, kl) < 0);
            /* the number of values under this key's first byte(s) */
            size_t c = 0;
            FZ_CHECK(pm_frozen_count_prefix(fz, k, kl, &c) == PM_OK && c >= 1);
            FZ_CHECK(pm_frozen_contains_path(fz, k, kl));
            free(prev);
            prev = malloc(kl ? kl : 1);
            FZ_CHECK(prev != NULL);
            if (kl)
                memcpy(prev, k, kl);
            plen = kl;
            count++;
        }
        free(prev);
        pm_frozen_iter_free(it);
        FZ_CHECK(count == pm_frozen_len(fz));
        size_t all = 0;
        FZ_CHECK(pm_frozen_count_prefix(fz, NULL, 0, &all) == PM_OK && all == count);
        pm_frz *z;
        FZ_CHECK(pm_frz_new(fz, NULL, 0, &z) == PM_OK);
        size_t seen = pm_frz_val(z, NULL) == PM_OK ? 1 : 0;
        while (pm_frz_next_val(z) == PM_OK) {
            FZ_CHECK(pm_frz_val(z, &v) == PM_OK);
            uint64_t m[4];
            pm_frz_child_mask(z, m);
            seen++;
        }
        FZ_CHECK(seen == count);
        /* a few moves from the data itself */
        for (size_t i = 0; i < n && i < 64; i++) {
            switch (img[i] & 3) {
            case 0:
                pm_frz_descend_byte(z, img[(i * 7) % n]);
                break;
            case 1:
                pm_frz_ascend(z, img[i] >> 6);
                break;
            case 2:
                pm_frz_next_sibling(z);
                break;
            default:
                pm_frz_prev_sibling(z);
                break;
            }
            size_t c;
            FZ_CHECK(pm_frz_val_count(z, &c) == PM_OK);
            FZ_CHECK(c == 0 || pm_frz_exists(z));
        }
        pm_frz_free(z);
        pm_frozen_free(fz);
    }
    free(img);
    return 0;
}
