/* The `.paths` format (pathmap_io.h): round trips map -> paths -> map; the framing and order of
 * what the writer produces, checked with zlib's one-shot uncompress; files made by an
 * independent encoder (compress2 of length-prefixed paths) with 0-byte and 64 KiB paths and
 * paths across the reader's 64 KiB chunk boundaries, read through callbacks of every chunk size;
 * corrupt, truncated and hostile input (a length beyond PM_MAX_KEY, trailing bytes, bit flips,
 * a zip bomb) leaving the map unchanged; failing callbacks; owned values; and fault injection on
 * every allocation of the reader and the writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "io_util.h"

/* ---- helpers --------------------------------------------------------------------------------- */
static void fill_words(pm_map *m, model *md, int n, uint64_t v)
{
    char k[96];
    uint64_t old;
    for (int i = 0; i < n; i++) {
        int len = snprintf(k, sizeof k, "spaces/%d/facts/%x/e%d", i % 11,
                           (unsigned)(i * 2654435761u) >> 20, i);
        if (md)
            model_set(md, (const uint8_t *)k, (size_t)len, v, &old);
        assert_int_equal(set_s(m, k, v), PM_OK);
    }
}

/* The (length, bytes) records of decompressed .paths content, as a model with value v. */
static void parse_records(const uint8_t *b, size_t n, uint64_t v, model *out)
{
    memset(out, 0, sizeof *out);
    size_t pos = 0;
    while (pos < n) {
        assert_true(n - pos >= 4);
        uint32_t len = (uint32_t)b[pos] | (uint32_t)b[pos + 1] << 8 | (uint32_t)b[pos + 2] << 16 |
                       (uint32_t)b[pos + 3] << 24;
        pos += 4;
        assert_true(n - pos >= len);
        model_insert_at(out, out->n, mkey_new(b + pos, len), v);
        pos += len;
    }
}

/* Encodes paths (an array of (bytes, len)) the independent way into out. */
typedef struct rawpath {
    const uint8_t *b;
    size_t len;
} rawpath;
static void encode_paths(const rawpath *p, size_t n, int level, mbuf *out)
{
    mbuf raw = {0};
    for (size_t i = 0; i < n; i++) {
        mb_put_le32(&raw, (uint32_t)p[i].len);
        mb_put(&raw, p[i].b, p[i].len);
    }
    zcompress(raw.b, raw.n, level, out);
    mb_free(&raw);
}

static void model_of_paths(const rawpath *p, size_t n, const uint8_t *pre, size_t plen, uint64_t v,
                           model *md)
{
    memset(md, 0, sizeof *md);
    uint8_t *k = malloc(plen + PM_MAX_KEY + 1);
    uint64_t old;
    for (size_t i = 0; i < n; i++) {
        if (plen)
            memcpy(k, pre, plen);
        memcpy(k + plen, p[i].b, p[i].len);
        model_set(md, k, plen + p[i].len, v, &old);
    }
    free(k);
}

/* Reads file (through chunk-sized reads) into a new map and checks it against md. */
static void read_expect(const mbuf *file, size_t chunk, const model *md, size_t npaths)
{
    pm_map *m;
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    mbuf src = mb_src(file->b, file->n, chunk);
    size_t count = 0;
    assert_int_equal(pm_map_read_paths(m, mb_read, &src, NULL, 0, 5, NULL, NULL, &count), PM_OK);
    assert_int_equal(count, npaths);
    assert_map_is(m, md);
    pm_map_free(m);
}

/* A read that must fail with `want` and leave a pre-filled map exactly as it was. */
static void read_fails(const uint8_t *b, size_t n, size_t chunk, pm_status want,
                       const pm_read_limits *lim)
{
    pm_map *m;
    model before;
    assert_int_equal(pm_map_new(ov_ops(), &m), PM_OK);
    fill_words(m, NULL, 50, 3);
    assert_int_equal(dump(m, &before), 0);
    size_t fn0, fb0, fn1, fb1;
    assert_int_equal(pm_map_footprint(m, &fn0, &fb0), PM_OK);
    long long cells = owned_live();
    mbuf src = mb_src(b, n, chunk);
    size_t count = 12345;
    pm_status s = pm_map_read_paths_ex(m, mb_read, &src, (const uint8_t *)"spaces/1/", 9, 7, NULL,
                                       NULL, lim, &count);
    if (s != want)
        fail_msg("read: status %d (%s), wanted %d", (int)s, pm_strerror(s), (int)want);
    assert_int_equal(count, 12345);
    assert_map_is(m, &before);
    assert_int_equal(pm_map_footprint(m, &fn1, &fb1), PM_OK);
    assert_int_equal(fn0, fn1);
    assert_int_equal(fb0, fb1);
    assert_int_equal(owned_live(), cells);
    model_free(&before);
    pm_map_free(m);
}

/* ---- round trips ----------------------------------------------------------------------------- */
static void test_roundtrip(void **state)
{
    (void)state;
    pm_map *m, *r;
    model md = {0};
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    fill_words(m, &md, 3000, 9);
    uint64_t old;
    model_set(&md, NULL, 0, 9, &old); /* the empty key: a path of 0 bytes */
    assert_int_equal(pm_map_set(m, NULL, 0, 9, NULL, NULL), PM_OK);
    mbuf out = {0};
    size_t wrote = 0, got = 0;
    assert_int_equal(pm_map_write_paths(m, NULL, 0, mb_write, &out, &wrote), PM_OK);
    assert_int_equal(wrote, md.n);
    assert_int_equal(pm_map_new(NULL, &r), PM_OK);
    mbuf src = mb_src(out.b, out.n, 0);
    assert_int_equal(pm_map_read_paths(r, mb_read, &src, NULL, 0, 9, NULL, NULL, &got), PM_OK);
    assert_int_equal(got, md.n);
    assert_map_is(r, &md);

    /* Under a prefix: written stripped, read back under another prefix. */
    mbuf sub = {0};
    assert_int_equal(pm_map_write_paths(m, (const uint8_t *)"spaces/3/", 9, mb_write, &sub, &wrote),
                     PM_OK);
    size_t lo, hi;
    model_range(&md, (const uint8_t *)"spaces/3/", 9, &lo, &hi);
    assert_int_equal(wrote, hi - lo);
    pm_map *q;
    assert_int_equal(pm_map_new(NULL, &q), PM_OK);
    src = mb_src(sub.b, sub.n, 0);
    assert_int_equal(
        pm_map_read_paths(q, mb_read, &src, (const uint8_t *)"x/", 2, 1, NULL, NULL, &got), PM_OK);
    assert_int_equal(got, hi - lo);
    pm_map *back;
    assert_int_equal(pm_map_subtrie(q, (const uint8_t *)"x/", 2, &back), PM_OK);
    pm_map *orig;
    assert_int_equal(pm_map_subtrie(m, (const uint8_t *)"spaces/3/", 9, &orig), PM_OK);
    model a, b;
    assert_int_equal(dump(back, &a), 0);
    assert_int_equal(dump(orig, &b), 0);
    assert_int_equal(a.n, b.n);
    for (size_t i = 0; i < a.n; i++)
        assert_int_equal(key_cmp(a.e[i].k->b, a.e[i].k->len, b.e[i].k->b, b.e[i].k->len), 0);
    model_free(&a);
    model_free(&b);
    pm_map_free(back);
    pm_map_free(orig);
    pm_map_free(q);

    /* An empty map: a valid stream of no path. */
    pm_map *e;
    assert_int_equal(pm_map_new(NULL, &e), PM_OK);
    mbuf eo = {0};
    assert_int_equal(pm_map_write_paths(e, NULL, 0, mb_write, &eo, &wrote), PM_OK);
    assert_int_equal(wrote, 0);
    src = mb_src(eo.b, eo.n, 0);
    assert_int_equal(pm_map_read_paths(e, mb_read, &src, NULL, 0, 1, NULL, NULL, &got), PM_OK);
    assert_int_equal(got, 0);
    assert_true(pm_map_is_empty(e));
    pm_map_free(e);
    mb_free(&eo);

    mb_free(&sub);
    mb_free(&out);
    model_free(&md);
    pm_map_free(r);
    pm_map_free(m);
}

/* What the writer produces: a zlib stream (header 78 DA: levels 7..9) whose content is exactly
 * the (u32 LE length, bytes) records of the values in iteration order. */
static void test_framing(void **state)
{
    (void)state;
    pm_map *m;
    model md = {0};
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    fill_words(m, &md, 500, 1);
    uint8_t big[70000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7 + (i >> 9));
    uint64_t old;
    model_set(&md, big, PM_MAX_KEY, 1, &old);
    assert_int_equal(pm_map_set(m, big, PM_MAX_KEY, 1, NULL, NULL), PM_OK);
    mbuf out = {0};
    assert_int_equal(pm_map_write_paths(m, NULL, 0, mb_write, &out, NULL), PM_OK);
    assert_true(out.n > 2);
    assert_int_equal(out.b[0], 0x78);
    assert_int_equal(out.b[1], 0xDA);
    mbuf raw;
    zuncompress(out.b, out.n, 8u << 20, &raw);
    model got;
    parse_records(raw.b, raw.n, 1, &got);
    assert_true(model_equal(&got, &md)); /* same paths, same order */
    model_free(&got);
    mb_free(&raw);
    mb_free(&out);
    model_free(&md);
    pm_map_free(m);
}

/* ---- the independent encoder ----------------------------------------------------------------- */
static void test_independent(void **state)
{
    (void)state;
    static uint8_t big[PM_MAX_KEY];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 131 + (i >> 8) * 17);
    /* 0-byte paths (twice: the same key), a 64 KiB path, its 64 KiB - 1 prefix, short paths. */
    rawpath p[] = {{(const uint8_t *)"", 0},      {big, PM_MAX_KEY},
                   {big, PM_MAX_KEY - 1},         {(const uint8_t *)"abc", 3},
                   {(const uint8_t *)"", 0},      {(const uint8_t *)"ab", 2},
                   {(const uint8_t *)"\0\xff", 2}};
    size_t np = sizeof p / sizeof p[0];
    model md;
    model_of_paths(p, np, NULL, 0, 5, &md);
    const size_t chunks[] = {0, 1, 3, 4, 4095, 65536, 65537};
    for (int level = 0; level <= 9; level += 3) {
        mbuf f;
        encode_paths(p, np, level, &f);
        for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++)
            if (chunks[c] != 1 || level == 6) /* byte-at-a-time once */
                read_expect(&f, chunks[c], &md, np);
        mb_free(&f);
    }
    model_free(&md);

    /* Chunk boundaries: the reader decompresses 64 KiB at a time. A first path of filler length
     * puts the second record's 4-byte length at every offset around 65536, and its bytes
     * across the boundary; stored blocks (level 0) and compressed ones. */
    for (size_t d = 0; d <= 9; d++) {
        size_t filler = 65536 - 4 - 4 - 2 + d; /* second length at 65536 - 6 + d */
        rawpath q[] = {{big, filler}, {(const uint8_t *)"boundary-path", 13}, {big + 1, 9}};
        model mq;
        model_of_paths(q, 3, NULL, 0, 5, &mq);
        for (int level = 0; level <= 9; level += 9) {
            mbuf f;
            encode_paths(q, 3, level, &f);
            read_expect(&f, 0, &mq, 3);
            read_expect(&f, 1000, &mq, 3);
            mb_free(&f);
        }
        model_free(&mq);
    }
}

/* vf gives each path its value; a prefix is prepended; keys already in the map stay, and a key
 * the file also holds gets the new value. */
static uint64_t val_by_len(void *ctx, const uint8_t *path, size_t len)
{
    (void)path;
    ++*(int *)ctx;
    return 1000 + len;
}
static void test_values_prefix(void **state)
{
    (void)state;
    rawpath p[] = {
        {(const uint8_t *)"a", 1}, {(const uint8_t *)"bcd", 3}, {(const uint8_t *)"", 0}};
    mbuf f;
    encode_paths(p, 3, 6, &f);
    pm_map *m;
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    assert_int_equal(set_s(m, "pre/a", 1), PM_OK);
    assert_int_equal(set_s(m, "pre", 2), PM_OK);
    assert_int_equal(set_s(m, "other", 3), PM_OK);
    int calls = 0;
    mbuf src = mb_src(f.b, f.n, 0);
    size_t n;
    assert_int_equal(
        pm_map_read_paths(m, mb_read, &src, (const uint8_t *)"pre/", 4, 0, val_by_len, &calls, &n),
        PM_OK);
    assert_int_equal(n, 3);
    assert_int_equal(calls, 3);
    uint64_t v;
    assert_int_equal(pm_map_get(m, (const uint8_t *)"pre/a", 5, &v), PM_OK);
    assert_int_equal(v, 1001);
    assert_int_equal(pm_map_get(m, (const uint8_t *)"pre/bcd", 7, &v), PM_OK);
    assert_int_equal(v, 1003);
    assert_int_equal(pm_map_get(m, (const uint8_t *)"pre/", 4, &v), PM_OK);
    assert_int_equal(v, 1000);
    assert_int_equal(pm_map_get(m, (const uint8_t *)"pre", 3, &v), PM_OK);
    assert_int_equal(v, 2);
    assert_int_equal(pm_map_get(m, (const uint8_t *)"other", 5, &v), PM_OK);
    assert_int_equal(v, 3);
    size_t len;
    assert_int_equal(pm_map_len(m, &len), PM_OK);
    assert_int_equal(len, 5);
    /* prefix + path longer than PM_MAX_KEY: PM_EINVAL, nothing changed. */
    static uint8_t longpre[PM_MAX_KEY];
    memset(longpre, 'p', sizeof longpre);
    src = mb_src(f.b, f.n, 0);
    assert_int_equal(
        pm_map_read_paths(m, mb_read, &src, longpre, PM_MAX_KEY - 1, 0, NULL, NULL, NULL),
        PM_EINVAL);
    assert_int_equal(pm_map_len(m, &len), PM_OK);
    assert_int_equal(len, 5);
    /* Bad arguments. */
    assert_int_equal(pm_map_read_paths(NULL, mb_read, &src, NULL, 0, 0, NULL, NULL, NULL),
                     PM_EINVAL);
    assert_int_equal(pm_map_read_paths(m, NULL, &src, NULL, 0, 0, NULL, NULL, NULL), PM_EINVAL);
    assert_int_equal(pm_map_read_paths(m, mb_read, &src, NULL, 3, 0, NULL, NULL, NULL), PM_EINVAL);
    assert_int_equal(pm_map_write_paths(m, NULL, 0, NULL, NULL, NULL), PM_EINVAL);
    assert_int_equal(pm_map_read_paths_file(m, NULL, NULL, 0, 0, NULL, NULL, NULL), PM_EINVAL);
    assert_int_equal(pm_map_write_paths_file(m, NULL, 0, NULL, NULL), PM_EINVAL);
    mb_free(&f);
    pm_map_free(m);
}

/* ---- corrupt, truncated, hostile ------------------------------------------------------------- */
static void test_corrupt(void **state)
{
    (void)state;
    rawpath p[] = {{(const uint8_t *)"alpha", 5},
                   {(const uint8_t *)"beta", 4},
                   {(const uint8_t *)"", 0},
                   {(const uint8_t *)"gamma/delta", 11}};
    mbuf f;
    encode_paths(p, 4, 6, &f);
    read_fails(NULL, 0, 0, PM_ECORRUPT, NULL); /* empty input */
    read_fails((const uint8_t *)"not a zlib stream at all", 24, 0, PM_ECORRUPT, NULL); /* garbage */
    for (size_t cut = 1; cut < f.n; cut++) /* every truncation */
        read_fails(f.b, cut, cut % 3 + 1, PM_ECORRUPT, NULL);
    mbuf t = {0}; /* trailing bytes after the stream */
    mb_put(&t, f.b, f.n);
    mb_put(&t, "x", 1);
    read_fails(t.b, t.n, 0, PM_ECORRUPT, NULL);
    mb_free(&t);
    /* every single-bit flip: an error leaves the map as it was; zlib's adler32 catches changed
     * content, but a flip in the padding bits of the last block is ignored by inflate */
    model md;
    model_of_paths(p, 4, NULL, 0, 1, &md);
    size_t ignored = 0;
    for (size_t i = 0; i < f.n * 8; i++) {
        f.b[i / 8] ^= (uint8_t)(1u << (i % 8));
        pm_map *m;
        assert_int_equal(pm_map_new(NULL, &m), PM_OK);
        mbuf src = mb_src(f.b, f.n, 0);
        pm_status s = pm_map_read_paths(m, mb_read, &src, NULL, 0, 1, NULL, NULL, NULL);
        assert_true(s == PM_OK || s == PM_ECORRUPT);
        if (s == PM_OK) {
            assert_map_is(m, &md);
            ignored++;
        } else {
            assert_true(pm_map_is_empty(m));
        }
        pm_map_free(m);
        f.b[i / 8] ^= (uint8_t)(1u << (i % 8));
    }
    assert_true(ignored < 8); /* at most the padding bits of one byte */
    model_free(&md);
    mb_free(&f);

    /* Content errors inside a valid zlib stream. */
    mbuf raw = {0};
    mb_put_le32(&raw, (uint32_t)PM_MAX_KEY + 1); /* a length beyond PM_MAX_KEY */
    static uint8_t zeros[PM_MAX_KEY + 1];
    mb_put(&raw, zeros, sizeof zeros);
    mbuf z;
    zcompress(raw.b, raw.n, 6, &z);
    read_fails(z.b, z.n, 0, PM_ECORRUPT, NULL);
    mb_free(&z);
    mb_free(&raw);
    mb_put_le32(&raw, 0xFFFFFFFFu); /* the largest length */
    zcompress(raw.b, raw.n, 6, &z);
    read_fails(z.b, z.n, 0, PM_ECORRUPT, NULL);
    mb_free(&z);
    mb_free(&raw);
    mb_put_le32(&raw, 3);
    mb_put(&raw, "ab", 2); /* a path shorter than its length */
    zcompress(raw.b, raw.n, 6, &z);
    read_fails(z.b, z.n, 0, PM_ECORRUPT, NULL);
    mb_free(&z);
    mb_free(&raw);
    mb_put_le32(&raw, 1);
    mb_put(&raw, "a", 1);
    mb_put(&raw, "\x02\x00", 2); /* half a length */
    zcompress(raw.b, raw.n, 6, &z);
    read_fails(z.b, z.n, 0, PM_ECORRUPT, NULL);
    mb_free(&z);
    mb_free(&raw);
}

/* A zip bomb: 8 MiB of zero bytes (2 Mi empty paths) compress to ~8 KiB, a ratio near 1000:1.
 * Default limits refuse it; a caller that lifts the limit gets the (one-key) map. */
static void deflate_zeros(size_t total, mbuf *out)
{
    memset(out, 0, sizeof *out);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit(&zs, 9), Z_OK);
    static uint8_t zero[65536];
    uint8_t buf[65536];
    size_t left = total;
    int flush;
    do {
        size_t k = left < sizeof zero ? left : sizeof zero;
        left -= k;
        flush = left ? Z_NO_FLUSH : Z_FINISH;
        zs.next_in = zero;
        zs.avail_in = (uInt)k;
        do {
            zs.next_out = buf;
            zs.avail_out = sizeof buf;
            assert_true(deflate(&zs, flush) != Z_STREAM_ERROR);
            mb_put(out, buf, sizeof buf - zs.avail_out);
        } while (zs.avail_out == 0);
    } while (flush != Z_FINISH);
    deflateEnd(&zs);
}
static void test_bomb(void **state)
{
    (void)state;
    mbuf b;
    deflate_zeros((size_t)8 << 20, &b);
    assert_true(((size_t)8 << 20) / b.n > PM_IO_DEFAULT_MAX_RATIO); /* a real bomb */
    read_fails(b.b, b.n, 0, PM_ECORRUPT, NULL);
    /* Limits lifted: the same input loads (2 Mi sets of the empty key). */
    pm_map *m;
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    mbuf src = mb_src(b.b, b.n, 0);
    pm_read_limits nolimit = {UINT64_MAX, 0};
    size_t n;
    assert_int_equal(pm_map_read_paths_ex(m, mb_read, &src, NULL, 0, 4, NULL, NULL, &nolimit, &n),
                     PM_OK);
    assert_int_equal(n, (size_t)2 << 20);
    size_t len;
    assert_int_equal(pm_map_len(m, &len), PM_OK);
    assert_int_equal(len, 1);
    pm_map_free(m);
    mb_free(&b);
    /* Tight limits refuse an ordinary file once past the floor. */
    rawpath p[] = {
        {(const uint8_t *)"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 60}};
    mbuf f;
    encode_paths(p, 1, 9, &f);
    pm_read_limits tight = {1, 16};
    read_fails(f.b, f.n, 0, PM_ECORRUPT, &tight);
    mb_free(&f);
}

/* ---- callbacks and stdio --------------------------------------------------------------------- */
static void test_io_errors(void **state)
{
    (void)state;
    pm_map *m;
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    fill_words(m, NULL, 20000, 1);
    mbuf out = {0};
    assert_int_equal(pm_map_write_paths(m, NULL, 0, mb_write, &out, NULL), PM_OK);
    assert_true(out.n > 3 * 4096);
    for (unsigned k = 1; k <= 3; k++) { /* the k-th read fails */
        mbuf src = mb_src(out.b, out.n, 4096);
        src.fail_read = k;
        pm_map *r;
        assert_int_equal(pm_map_new(NULL, &r), PM_OK);
        assert_int_equal(pm_map_read_paths(r, mb_read, &src, NULL, 0, 1, NULL, NULL, NULL), PM_EIO);
        assert_true(pm_map_is_empty(r));
        pm_map_free(r);
    }
    for (unsigned k = 1;; k++) { /* the k-th write fails, until there are fewer writes */
        mbuf w = {0};
        w.fail_write = k;
        pm_status s = pm_map_write_paths(m, NULL, 0, mb_write, &w, NULL);
        mb_free(&w);
        if (s == PM_OK) {
            assert_true(k > 1);
            break;
        }
        assert_int_equal(s, PM_EIO);
    }
    /* stdio: a temporary file, written, rewound, read. */
    FILE *f = tmpfile();
    assert_non_null(f);
    size_t wn, rn;
    assert_int_equal(pm_map_write_paths_file(m, NULL, 0, f, &wn), PM_OK);
    rewind(f);
    pm_map *r;
    assert_int_equal(pm_map_new(NULL, &r), PM_OK);
    assert_int_equal(pm_map_read_paths_file(r, f, NULL, 0, 1, NULL, NULL, &rn), PM_OK);
    assert_int_equal(wn, rn);
    model a, b;
    assert_int_equal(dump(m, &a), 0);
    assert_int_equal(dump(r, &b), 0);
    assert_true(model_equal(&a, &b));
    model_free(&a);
    model_free(&b);
    fclose(f);
    /* A stream opened for writing only: reading it fails with PM_EIO. */
    FILE *wo = fopen("/dev/null", "w");
    assert_non_null(wo);
    assert_int_equal(pm_map_read_paths_file(r, wo, NULL, 0, 1, NULL, NULL, NULL), PM_EIO);
    fclose(wo);
    pm_map_free(r);
    mb_free(&out);
    pm_map_free(m);
}

/* pm_paths_foreach: file order, early stop. */
static int collect(void *ctx, const uint8_t *path, size_t len)
{
    model *md = ctx;
    model_insert_at(md, md->n, mkey_new(path, len), 0);
    return md->n == 3;
}
static void test_foreach(void **state)
{
    (void)state;
    rawpath p[] = {{(const uint8_t *)"z", 1},
                   {(const uint8_t *)"a", 1},
                   {(const uint8_t *)"z", 1},
                   {(const uint8_t *)"m", 1}};
    mbuf f;
    encode_paths(p, 4, 6, &f);
    model md = {0};
    mbuf src = mb_src(f.b, f.n, 0);
    size_t n = 0;
    assert_int_equal(pm_paths_foreach(mb_read, &src, NULL, collect, &md, &n), PM_OK);
    assert_int_equal(n, 3);
    assert_int_equal(md.n, 3);
    assert_int_equal(md.e[0].k->b[0], 'z');
    assert_int_equal(md.e[1].k->b[0], 'a');
    assert_int_equal(md.e[2].k->b[0], 'z');
    model_free(&md);
    mb_free(&f);
}

/* Owned values: the constant is cloned for each path (the caller keeps it), vf's values and
 * every clone are dropped again when the read fails; a replaced value is dropped. */
static uint64_t owned_by_len(void *ctx, const uint8_t *path, size_t len)
{
    (void)ctx;
    (void)path;
    return owned_new(len);
}
static void test_owned(void **state)
{
    (void)state;
    owned_mode = 1;
    long long live0 = owned_live();
    rawpath p[] = {
        {(const uint8_t *)"k1", 2}, {(const uint8_t *)"k22", 3}, {(const uint8_t *)"k1", 2}};
    mbuf f;
    encode_paths(p, 3, 6, &f);
    pm_map *m;
    assert_int_equal(pm_map_new(&owned_ops, &m), PM_OK);
    assert_int_equal(set_s(m, "k1", 77), PM_OK);
    uint64_t c = owned_new(5);
    mbuf src = mb_src(f.b, f.n, 0);
    assert_int_equal(pm_map_read_paths(m, mb_read, &src, NULL, 0, c, NULL, NULL, NULL), PM_OK);
    uint64_t v;
    assert_int_equal(pm_map_get(m, (const uint8_t *)"k1", 2, &v), PM_OK);
    assert_int_equal(owned_payload(v), 5);
    assert_true(v != c);
    assert_int_equal(owned_payload(c), 5); /* still the caller's */
    assert_int_equal(owned_live(), live0 + 3);
    /* a failing read (truncated) with vf: the map and the cells are as before */
    long long before = owned_live();
    src = mb_src(f.b, f.n - 1, 0);
    assert_int_equal(pm_map_read_paths(m, mb_read, &src, NULL, 0, 0, owned_by_len, NULL, NULL),
                     PM_ECORRUPT);
    assert_int_equal(owned_live(), before);
    assert_int_equal(pm_map_get(m, (const uint8_t *)"k22", 3, &v), PM_OK);
    assert_int_equal(owned_payload(v), 5);
    src = mb_src(f.b, f.n, 0);
    assert_int_equal(
        pm_map_read_paths(m, mb_read, &src, (const uint8_t *)"p", 1, 0, owned_by_len, NULL, NULL),
        PM_OK);
    assert_int_equal(pm_map_get(m, (const uint8_t *)"pk22", 4, &v), PM_OK);
    assert_int_equal(owned_payload(v), 3);
    owned_drop(NULL, c);
    pm_map_free(m);
    mb_free(&f);
    assert_int_equal(owned_live(), live0);
    owned_mode = 0;
}

/* ---- fault injection ------------------------------------------------------------------------- */
/* For k = 1, 2, ...: the k-th allocation fails; the read returns PM_ENOMEM and the map (shared
 * with a clone, holding keys the file replaces) is exactly as before, until the read succeeds. */
static void fault_read(int owned)
{
    owned_mode = owned;
    long long live0 = owned_live();
    pm_map *src_map; /* with the mode's hooks: its owned cells are dropped with it */
    assert_int_equal(pm_map_new(ov_ops(), &src_map), PM_OK);
    fill_words(src_map, NULL, 300, 1);
    mbuf f = {0};
    assert_int_equal(pm_map_write_paths(src_map, (const uint8_t *)"spaces/", 7, mb_write, &f, NULL),
                     PM_OK);
    pm_map_free(src_map);
    uint64_t k;
    for (k = 1;; k++) {
        pm_map *m, *other;
        assert_int_equal(pm_map_new(ov_ops(), &m), PM_OK);
        fill_words(m, NULL, 200, 2); /* the same keys as the file's first paths */
        assert_int_equal(pm_map_clone(m, &other), PM_OK);
        model d0;
        assert_int_equal(dump(m, &d0), 0);
        size_t n0, b0, n1, b1;
        assert_int_equal(pm_map_footprint(m, &n0, &b0), PM_OK);
        pm_mem_stats s0, s1;
        pm_mem_stats_get(&s0);
        long long cells = owned_live();
        uint64_t c = ov_make(9);
        mbuf src = mb_src(f.b, f.n, 0);
        pm_debug_fail_alloc_at(k);
        pm_status s =
            pm_map_read_paths(m, mb_read, &src, (const uint8_t *)"spaces/", 7, c, NULL, NULL, NULL);
        pm_debug_fail_alloc_at(0);
        ov_release(c);
        if (s == PM_OK) {
            assert_true(k > 1);
            model_free(&d0);
            pm_map_free(other);
            pm_map_free(m);
            break;
        }
        assert_int_equal(s, PM_ENOMEM);
        assert_int_equal(owned_live(), cells);
        pm_mem_stats_get(&s1);
        assert_int_equal(s1.live_nodes, s0.live_nodes);
        assert_int_equal(s1.live_bytes, s0.live_bytes);
        assert_map_is(m, &d0);
        assert_int_equal(pm_map_footprint(m, &n1, &b1), PM_OK);
        assert_int_equal(n0, n1);
        assert_int_equal(b0, b1);
        model_free(&d0);
        pm_map_free(other);
        pm_map_free(m);
    }
    pm_mem_stats st;
    pm_mem_stats_get(&st);
    assert_int_equal(st.live_nodes, 0);
    assert_int_equal(owned_live(), live0);
    print_message("  read_paths%s: %llu allocation(s) failed in turn\n", owned ? " (owned)" : "",
                  (unsigned long long)k - 1);
    mb_free(&f);
    owned_mode = 0;
}
static void test_fault(void **state)
{
    (void)state;
    fault_read(0);
#if !defined(PM_SANITIZE_THREAD)
    fault_read(1);
#endif
    /* The writer and pm_paths_foreach: PM_ENOMEM until they succeed. */
    pm_map *m;
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    fill_words(m, NULL, 100, 1);
    mbuf good = {0};
    assert_int_equal(pm_map_write_paths(m, NULL, 0, mb_write, &good, NULL), PM_OK);
    uint64_t k;
    for (k = 1;; k++) {
        mbuf w = {0};
        pm_debug_fail_alloc_at(k);
        pm_status s = pm_map_write_paths(m, (const uint8_t *)"spa", 3, mb_write, &w, NULL);
        pm_debug_fail_alloc_at(0);
        mb_free(&w);
        if (s == PM_OK)
            break;
        assert_int_equal(s, PM_ENOMEM);
    }
    assert_true(k > 1);
    for (k = 1;; k++) {
        model md = {0};
        mbuf src = mb_src(good.b, good.n, 0);
        pm_debug_fail_alloc_at(k);
        pm_status s = pm_paths_foreach(mb_read, &src, NULL, collect, &md, NULL);
        pm_debug_fail_alloc_at(0);
        model_free(&md);
        if (s == PM_OK)
            break;
        assert_int_equal(s, PM_ENOMEM);
    }
    assert_true(k > 1);
    mb_free(&good);
    pm_map_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),   cmocka_unit_test(test_framing),
        cmocka_unit_test(test_independent), cmocka_unit_test(test_values_prefix),
        cmocka_unit_test(test_corrupt),     cmocka_unit_test(test_bomb),
        cmocka_unit_test(test_io_errors),   cmocka_unit_test(test_foreach),
        cmocka_unit_test(test_owned),       cmocka_unit_test(test_fault),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
