/* The full save format (pathmap_io.h, docs/formats.md): round trips map -> file -> map with
 * keys and values at every compression level; the byte layout checked against the document
 * (magic, version, flags, a zlib body of front-coded records, count, crc32) with zlib's
 * one-shot functions; files built by hand for every rejection (version, flags, order,
 * duplicates, lengths, varints, count, checksum, truncation, trailing bytes, bit flips); value
 * codecs with owned values; and fault injection on every allocation of save and load. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "io_util.h"

static const uint8_t magic[8] = {0x89, 'P', 'M', 'A', 'P', '\r', '\n', 0x1A};

static void put_varint(mbuf *m, uint64_t v)
{
    while (v >= 0x80) {
        uint8_t b = (uint8_t)(v | 0x80);
        mb_put(m, &b, 1);
        v >>= 7;
    }
    uint8_t b = (uint8_t)v;
    mb_put(m, &b, 1);
}
static uint64_t get_varint(const uint8_t *b, size_t *pos)
{
    uint64_t v = 0;
    for (unsigned sh = 0;; sh += 7) {
        uint8_t x = b[(*pos)++];
        v |= (uint64_t)(x & 0x7F) << sh;
        if (!(x & 0x80))
            return v;
    }
}

/* A whole file around an uncompressed body: header, compress2(body), count, crc32. */
static void wrap(const mbuf *body, uint32_t version, uint32_t flags, uint64_t count, mbuf *out)
{
    memset(out, 0, sizeof *out);
    mb_put(out, magic, 8);
    mb_put_le32(out, version);
    mb_put_le32(out, flags);
    mbuf z;
    zcompress(body->b, body->n, 6, &z);
    mb_put(out, z.b, z.n);
    mb_free(&z);
    mb_put_le32(out, (uint32_t)count);
    mb_put_le32(out, (uint32_t)(count >> 32));
    mb_put_le32(out, (uint32_t)crc32(0, out->b, (uInt)out->n));
}

static void record(mbuf *body, size_t shared, const char *suffix, size_t slen, uint64_t v)
{
    put_varint(body, shared);
    put_varint(body, slen);
    mb_put(body, suffix, slen);
    put_varint(body, v);
}

static void fill(pm_map *m, model *md, int n)
{
    char k[96];
    uint64_t old;
    for (int i = 0; i < n; i++) {
        int len =
            snprintf(k, sizeof k, "kb/%d/%x/attr%d", i % 13, (unsigned)(i * 40503u) >> 4, i % 7);
        uint64_t v = (uint64_t)i * 0x9E3779B97F4A7C15ull;
        model_set(md, (const uint8_t *)k, (size_t)len, v, &old);
        assert_int_equal(set_s(m, k, v), PM_OK);
    }
}

static pm_status load_bytes(const uint8_t *b, size_t n, size_t chunk, const pm_val_ops *ops,
                            const pm_load_opts *o, pm_map **out)
{
    mbuf src = mb_src(b, n, chunk);
    return pm_map_load(mb_read, &src, ops, o, out);
}

/* ---- round trips ----------------------------------------------------------------------------- */
static void test_roundtrip(void **state)
{
    (void)state;
    pm_map *m;
    model md = {0};
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    fill(m, &md, 5000);
    static uint8_t big[PM_MAX_KEY];
    memset(big, 'k', sizeof big);
    uint64_t old;
    const uint64_t special[] = {0, UINT64_MAX, 1ull << 63};
    model_set(&md, NULL, 0, special[0], &old); /* the empty key */
    assert_int_equal(pm_map_set(m, NULL, 0, special[0], NULL, NULL), PM_OK);
    model_set(&md, big, PM_MAX_KEY, special[1], &old);
    assert_int_equal(pm_map_set(m, big, PM_MAX_KEY, special[1], NULL, NULL), PM_OK);
    model_set(&md, big, 100, special[2], &old);
    assert_int_equal(pm_map_set(m, big, 100, special[2], NULL, NULL), PM_OK);
    for (int level = 0; level <= 9; level += 3) {
        mbuf f = {0};
        pm_save_opts o = {level, NULL};
        size_t n = 0;
        assert_int_equal(pm_map_save(m, mb_write, &f, &o, &n), PM_OK);
        assert_int_equal(n, md.n);
        pm_map *r;
        assert_int_equal(load_bytes(f.b, f.n, level == 3 ? 7 : 0, NULL, NULL, &r), PM_OK);
        assert_map_is(r, &md);
        pm_map_free(r);
        mb_free(&f);
    }
    /* stdio, default options */
    FILE *fp = tmpfile();
    assert_non_null(fp);
    assert_int_equal(pm_map_save_file(m, fp, NULL, NULL), PM_OK);
    rewind(fp);
    pm_map *r;
    assert_int_equal(pm_map_load_file(fp, NULL, NULL, &r), PM_OK);
    assert_map_is(r, &md);
    pm_map_free(r);
    fclose(fp);
    /* an empty map */
    pm_map *e;
    assert_int_equal(pm_map_new(NULL, &e), PM_OK);
    mbuf f = {0};
    assert_int_equal(pm_map_save(e, mb_write, &f, NULL, NULL), PM_OK);
    pm_map_free(e);
    assert_int_equal(load_bytes(f.b, f.n, 0, NULL, NULL, &e), PM_OK);
    assert_true(pm_map_is_empty(e));
    pm_map_free(e);
    mb_free(&f);
    /* bad arguments */
    pm_save_opts bad = {10, NULL};
    assert_int_equal(pm_map_save(m, mb_write, &f, &bad, NULL), PM_EINVAL);
    assert_int_equal(pm_map_save(NULL, mb_write, &f, NULL, NULL), PM_EINVAL);
    assert_int_equal(pm_map_load(NULL, NULL, NULL, NULL, &e), PM_EINVAL);
    assert_int_equal(pm_map_load_file(NULL, NULL, NULL, &e), PM_EINVAL);
    model_free(&md);
    pm_map_free(m);
}

/* The layout of docs/formats.md, byte by byte. */
static void test_layout(void **state)
{
    (void)state;
    pm_map *m;
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    assert_int_equal(set_s(m, "ab", 300), PM_OK);
    assert_int_equal(set_s(m, "abc", 1), PM_OK);
    assert_int_equal(set_s(m, "b", 0), PM_OK);
    assert_int_equal(pm_map_set(m, NULL, 0, 5, NULL, NULL), PM_OK);
    mbuf f = {0};
    assert_int_equal(pm_map_save(m, mb_write, &f, NULL, NULL), PM_OK);
    assert_true(f.n > 16 + 12);
    assert_memory_equal(f.b, magic, 8);
    assert_int_equal(f.b[8], 1); /* version 1, little-endian */
    assert_int_equal(f.b[9] | f.b[10] | f.b[11], 0);
    assert_int_equal(f.b[12] | f.b[13] | f.b[14] | f.b[15], 0); /* flags */
    const uint8_t *tr = f.b + f.n - 12;
    assert_int_equal(tr[0], 4); /* count: 4 entries */
    for (int i = 1; i < 8; i++)
        assert_int_equal(tr[i], 0);
    uint32_t crc =
        (uint32_t)tr[8] | (uint32_t)tr[9] << 8 | (uint32_t)tr[10] << 16 | (uint32_t)tr[11] << 24;
    assert_int_equal(crc, (uint32_t)crc32(0, f.b, (uInt)(f.n - 4)));
    mbuf body;
    zuncompress(f.b + 16, f.n - 28, 1024, &body);
    /* records: (shared, suffix length, suffix, value varint) in iteration order */
    size_t pos = 0;
    const struct {
        uint64_t shared;
        const char *suffix;
        uint64_t v;
    } want[] = {{0, "", 5}, {0, "ab", 300}, {2, "c", 1}, {0, "b", 0}};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(get_varint(body.b, &pos), want[i].shared);
        size_t sl = (size_t)get_varint(body.b, &pos);
        assert_int_equal(sl, strlen(want[i].suffix));
        assert_memory_equal(body.b + pos, want[i].suffix, sl);
        pos += sl;
        assert_int_equal(get_varint(body.b, &pos), want[i].v);
    }
    assert_int_equal(pos, body.n);
    /* the same file built by hand from the document loads to the same map */
    mbuf hand = {0}, file;
    record(&hand, 0, "", 0, 5);
    record(&hand, 0, "ab", 2, 300);
    record(&hand, 2, "c", 1, 1);
    record(&hand, 0, "b", 1, 0);
    wrap(&hand, 1, 0, 4, &file);
    pm_map *r;
    assert_int_equal(load_bytes(file.b, file.n, 0, NULL, NULL, &r), PM_OK);
    model a, b;
    assert_int_equal(dump(m, &a), 0);
    assert_int_equal(dump(r, &b), 0);
    assert_true(model_equal(&a, &b));
    model_free(&a);
    model_free(&b);
    pm_map_free(r);
    mb_free(&file);
    mb_free(&hand);
    mb_free(&body);
    mb_free(&f);
    pm_map_free(m);
}

/* ---- rejections ------------------------------------------------------------------------------ */
static void expect(const mbuf *file, pm_status want)
{
    pm_map *r = (pm_map *)(uintptr_t)1; /* must stay untouched */
    long long cells = owned_live();
    pm_status s = load_bytes(file->b, file->n, 0, NULL, NULL, &r);
    if (s != want)
        fail_msg("load: status %d (%s), wanted %d", (int)s, pm_strerror(s), (int)want);
    assert_true(r == (pm_map *)(uintptr_t)1);
    assert_int_equal(owned_live(), cells);
}

static void test_reject(void **state)
{
    (void)state;
    mbuf body = {0}, f;
    record(&body, 0, "a", 1, 1);
    record(&body, 1, "b", 1, 2);
    wrap(&body, 1, 0, 2, &f);
    pm_map *r;
    assert_int_equal(load_bytes(f.b, f.n, 0, NULL, NULL, &r), PM_OK);
    pm_map_free(r);
    mb_free(&f);

    wrap(&body, 2, 0, 2, &f); /* another version */
    expect(&f, PM_EVERSION);
    mb_free(&f);
    wrap(&body, 0, 0, 2, &f);
    expect(&f, PM_EVERSION);
    mb_free(&f);
    wrap(&body, 1, 2, 2, &f); /* an unknown feature flag */
    expect(&f, PM_EVERSION);
    mb_free(&f);
    wrap(&body, 1, 1, 2, &f); /* values need a codec */
    expect(&f, PM_EINVAL);
    mb_free(&f);
    wrap(&body, 1, 0, 3, &f); /* count mismatch */
    expect(&f, PM_ECORRUPT);
    mb_free(&f);

    const struct {
        const char *what;
        size_t s1;
        const char *k1;
        size_t s2;
        const char *k2;
    } bad[] = {
        {"descending", 0, "b", 0, "a"},
        {"duplicate", 0, "a", 1, ""},
        {"duplicate empty", 0, "", 0, ""},
        {"first shares", 1, "a", 0, "b"},
        {"shares more than exists", 0, "a", 2, "b"},
        {"equal byte after shared", 0, "ab", 1, "b"},
        {"lower byte after shared", 0, "ab", 1, "a"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mbuf b2 = {0};
        record(&b2, bad[i].s1, bad[i].k1, strlen(bad[i].k1), 1);
        record(&b2, bad[i].s2, bad[i].k2, strlen(bad[i].k2), 2);
        wrap(&b2, 1, 0, 2, &f);
        print_message("  reject: %s\n", bad[i].what);
        expect(&f, PM_ECORRUPT);
        mb_free(&f);
        mb_free(&b2);
    }
    /* a key beyond PM_MAX_KEY; a varint beyond 64 bits; a record cut short */
    mbuf b3 = {0};
    put_varint(&b3, 0);
    put_varint(&b3, PM_MAX_KEY + 1);
    wrap(&b3, 1, 0, 1, &f);
    expect(&f, PM_ECORRUPT);
    mb_free(&f);
    mb_free(&b3);
    put_varint(&b3, 0);
    put_varint(&b3, 1);
    mb_put(&b3, "a", 1);
    mb_put(&b3, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 10);
    wrap(&b3, 1, 0, 1, &f);
    expect(&f, PM_ECORRUPT);
    mb_free(&f);
    mb_free(&b3);
    put_varint(&b3, 0);
    put_varint(&b3, 5);
    mb_put(&b3, "ab", 2);
    wrap(&b3, 1, 0, 1, &f);
    expect(&f, PM_ECORRUPT);
    mb_free(&f);
    mb_free(&b3);

    /* A real file: every truncation, a trailing byte, a bad magic, every bit flip. */
    pm_map *m;
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    model md = {0};
    fill(m, &md, 40);
    model_free(&md);
    mbuf good = {0};
    assert_int_equal(pm_map_save(m, mb_write, &good, NULL, NULL), PM_OK);
    pm_map_free(m);
    for (size_t cut = 0; cut < good.n; cut++) {
        mbuf t = mb_src(good.b, cut, 0);
        expect(&t, PM_ECORRUPT);
    }
    mbuf t = {0};
    mb_put(&t, good.b, good.n);
    mb_put(&t, "", 1);
    expect(&t, PM_ECORRUPT);
    t.b[0] = 'P';
    t.n--;
    expect(&t, PM_ECORRUPT);
    mb_free(&t);
    for (size_t i = 0; i < good.n * 8; i++) { /* the crc32 covers every byte: nothing loads */
        good.b[i / 8] ^= (uint8_t)(1u << (i % 8));
        pm_map *x = NULL;
        pm_status s = load_bytes(good.b, good.n, 0, NULL, NULL, &x);
        assert_true(s != PM_OK);
        assert_null(x);
        good.b[i / 8] ^= (uint8_t)(1u << (i % 8));
    }
    mb_free(&good);
    mb_free(&body);
}

/* ---- value codecs (owned values) ------------------------------------------------------------- */
static pm_status enc(void *ctx, uint64_t v, uint8_t *buf, size_t cap, size_t *len)
{
    (void)ctx;
    uint64_t p = owned_payload(v);
    size_t n = (size_t)(p % 5) + 8; /* variable length: payload + filler */
    if (n > cap)
        return PM_EINVAL;
    memset(buf, 0xAB, n);
    memcpy(buf, &p, 8);
    *len = n;
    return PM_OK;
}
static int dec_fail_at;
static pm_status dec(void *ctx, const uint8_t *buf, size_t len, uint64_t *out)
{
    (void)ctx;
    if (len < 8 || (dec_fail_at && --dec_fail_at == 0))
        return PM_ECORRUPT;
    uint64_t p;
    memcpy(&p, buf, 8);
    *out = owned_new(p);
    return PM_OK;
}
static const pm_val_codec codec = {enc, dec, NULL};

static void test_codec(void **state)
{
    (void)state;
    owned_mode = 1;
    long long live0 = owned_live();
    pm_map *m;
    model md = {0};
    assert_int_equal(pm_map_new(&owned_ops, &m), PM_OK);
    fill(m, &md, 2000);
    mbuf f = {0};
    pm_save_opts so = {-1, &codec};
    assert_int_equal(pm_map_save(m, mb_write, &f, &so, NULL), PM_OK);
    assert_int_equal(f.b[12], 1); /* the codec flag */
    pm_load_opts lo = {&codec, {0, 0}};
    pm_map *r;
    assert_int_equal(load_bytes(f.b, f.n, 0, &owned_ops, &lo, &r), PM_OK);
    assert_map_is(r, &md);
    pm_map_free(r);
    /* without the codec, or with one for a raw file: PM_EINVAL */
    r = NULL;
    assert_int_equal(load_bytes(f.b, f.n, 0, &owned_ops, NULL, &r), PM_EINVAL);
    assert_null(r);
    /* a failing decode half-way: its status, every value decoded so far dropped */
    long long before = owned_live();
    dec_fail_at = 1000;
    assert_int_equal(load_bytes(f.b, f.n, 0, &owned_ops, &lo, &r), PM_ECORRUPT);
    assert_null(r);
    dec_fail_at = 0;
    assert_int_equal(owned_live(), before);
    mb_free(&f);
    /* raw uint64 values of an owned map, loaded by a map without hooks: the uint64s */
    assert_int_equal(pm_map_save(m, mb_write, &f, NULL, NULL), PM_OK);
    assert_int_equal(load_bytes(f.b, f.n, 0, NULL, &lo, &r), PM_EINVAL);
    assert_int_equal(load_bytes(f.b, f.n, 0, NULL, NULL, &r), PM_OK);
    uint64_t v, w;
    assert_int_equal(pm_map_get(m, md.e[7].k->b, md.e[7].k->len, &v), PM_OK);
    assert_int_equal(pm_map_get(r, md.e[7].k->b, md.e[7].k->len, &w), PM_OK);
    assert_int_equal(v, w);
    pm_map_free(r);
    mb_free(&f);
    model_free(&md);
    pm_map_free(m);
    assert_int_equal(owned_live(), live0);
    owned_mode = 0;
}

/* ---- fault injection ------------------------------------------------------------------------- */
static void test_fault(void **state)
{
    (void)state;
    owned_mode = 1;
    long long live0 = owned_live();
    pm_map *m;
    model md = {0};
    assert_int_equal(pm_map_new(&owned_ops, &m), PM_OK);
    fill(m, &md, 300);
    mbuf good = {0};
    pm_save_opts so = {-1, &codec};
    assert_int_equal(pm_map_save(m, mb_write, &good, &so, NULL), PM_OK);
    uint64_t k;
    for (k = 1;; k++) { /* save */
        mbuf w = {0};
        pm_debug_fail_alloc_at(k);
        pm_status s = pm_map_save(m, mb_write, &w, &so, NULL);
        pm_debug_fail_alloc_at(0);
        mb_free(&w);
        if (s == PM_OK)
            break;
        assert_int_equal(s, PM_ENOMEM);
        assert_map_is(m, &md);
    }
    assert_true(k > 1);
    print_message("  save: %llu allocation(s) failed in turn\n", (unsigned long long)k - 1);
    pm_load_opts lo = {&codec, {0, 0}};
    for (k = 1;; k++) { /* load */
        pm_mem_stats s0, s1;
        pm_mem_stats_get(&s0);
        long long cells = owned_live();
        pm_map *r = NULL;
        pm_debug_fail_alloc_at(k);
        pm_status s = load_bytes(good.b, good.n, 0, &owned_ops, &lo, &r);
        pm_debug_fail_alloc_at(0);
        if (s == PM_OK) {
            assert_map_is(r, &md);
            pm_map_free(r);
            break;
        }
        assert_int_equal(s, PM_ENOMEM);
        assert_null(r);
        pm_mem_stats_get(&s1);
        assert_int_equal(s1.live_nodes, s0.live_nodes);
        assert_int_equal(owned_live(), cells);
    }
    assert_true(k > 1);
    print_message("  load: %llu allocation(s) failed in turn\n", (unsigned long long)k - 1);
    mb_free(&good);
    model_free(&md);
    pm_map_free(m);
    assert_int_equal(owned_live(), live0);
    owned_mode = 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip), cmocka_unit_test(test_layout),
        cmocka_unit_test(test_reject),    cmocka_unit_test(test_codec),
        cmocka_unit_test(test_fault),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
