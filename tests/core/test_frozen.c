/* The frozen form (pathmap_frozen.h): map -> frozen -> every lookup, prefix count, iteration and
 * read-zipper move equal to the map (random maps, the empty map, the empty key, 64 KiB keys, a
 * chain 131,073 nodes deep); write -> read / mmap -> the same; several threads and a forked
 * process reading one image; fault injection on every allocation of the freezer, open,
 * iterators and zippers (the map unchanged, nothing leaked: ASan/LSan); corrupt images (every
 * truncation, every byte changed with and without a repaired checksum, hand-made bad nodes)
 * give PM_ECORRUPT / PM_EVERSION or, when still valid, an image every call reads safely.
 *
 * `core_frozen deep` runs only the deep chain (ctest runs it under `ulimit -s 256`). */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../core/src/frozen_internal.h"
#include "pathmap_frozen.h"
#include "pathmap_zipper.h"
#include "util.h"

static uint64_t rs = 88172645463325252ull;
static uint64_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}

/* ---- reference comparisons ------------------------------------------------------------------- */
typedef struct kv {
    uint8_t *k;
    size_t len;
    uint64_t v;
} kv;
typedef struct kvs {
    kv *e;
    size_t n, cap;
} kvs;
static int collect(void *c, const uint8_t *k, size_t len, uint64_t v)
{
    kvs *s = c;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->e = realloc(s->e, s->cap * sizeof *s->e);
    }
    s->e[s->n].k = malloc(len + 1);
    if (len)
        memcpy(s->e[s->n].k, k, len);
    s->e[s->n].len = len;
    s->e[s->n++].v = v;
    return 0;
}
static void kvs_free(kvs *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->e[i].k);
    free(s->e);
    memset(s, 0, sizeof *s);
}
static void kvs_equal(const kvs *a, const kvs *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        assert_int_equal(a->e[i].len, b->e[i].len);
        if (a->e[i].len)
            assert_memory_equal(a->e[i].k, b->e[i].k, a->e[i].len);
        assert_int_equal(a->e[i].v, b->e[i].v);
    }
}

/* Iteration under prefix equal on both sides. */
static void check_iter(const pm_map *m, const pm_frozen *fz, const uint8_t *p, size_t pl)
{
    kvs a = {0}, b = {0};
    assert_int_equal(pm_map_foreach(m, p, pl, collect, &a), PM_OK);
    assert_int_equal(pm_frozen_foreach(fz, p, pl, collect, &b), PM_OK);
    kvs_equal(&a, &b);
    /* the iterator keeps returning PM_ENOTFOUND after the end */
    pm_frozen_iter *it;
    assert_int_equal(pm_frozen_iter_new(fz, p, pl, &it), PM_OK);
    size_t n = 0;
    while (pm_frozen_iter_next(it, NULL, NULL, NULL) == PM_OK)
        n++;
    assert_int_equal(n, a.n);
    assert_int_equal(pm_frozen_iter_next(it, NULL, NULL, NULL), PM_ENOTFOUND);
    pm_frozen_iter_free(it);
    kvs_free(&a);
    kvs_free(&b);
}

/* One probe key: get, contains, contains_path and count_prefix agree. */
static void check_key(const pm_map *m, const pm_frozen *fz, const uint8_t *k, size_t len)
{
    uint64_t a = 0, b = 0;
    pm_status sa = pm_map_get(m, k, len, &a), sb = pm_frozen_get(fz, k, len, &b);
    assert_int_equal(sa, sb);
    if (sa == PM_OK)
        assert_int_equal(a, b);
    assert_int_equal(pm_map_contains(m, k, len), pm_frozen_contains(fz, k, len));
    assert_int_equal(pm_map_contains_path(m, k, len), pm_frozen_contains_path(fz, k, len));
    size_t ca = 0, cb = 0;
    assert_int_equal(pm_map_count_prefix(m, k, len, &ca), PM_OK);
    assert_int_equal(pm_frozen_count_prefix(fz, k, len, &cb), PM_OK);
    assert_int_equal(ca, cb);
}

/* The read zipper state equal on both sides. */
static void check_z(pm_rz *a, pm_frz *b)
{
    size_t la, lb;
    const uint8_t *pa = pm_rz_path(a, &la), *pb = pm_frz_path(b, &lb);
    assert_int_equal(la, lb);
    if (la)
        assert_memory_equal(pa, pb, la);
    assert_int_equal(pm_rz_exists(a), pm_frz_exists(b));
    uint64_t va = 0, vb = 0;
    pm_status sa = pm_rz_val(a, &va), sb = pm_frz_val(b, &vb);
    assert_int_equal(sa, sb);
    if (sa == PM_OK)
        assert_int_equal(va, vb);
    uint64_t ma[4], mb[4];
    pm_rz_child_mask(a, ma);
    pm_frz_child_mask(b, mb);
    assert_memory_equal(ma, mb, sizeof ma);
    assert_int_equal(pm_rz_child_count(a), pm_frz_child_count(b));
    size_t ca = 0, cb = 0;
    assert_int_equal(pm_rz_val_count(a, &ca), PM_OK);
    assert_int_equal(pm_frz_val_count(b, &cb), PM_OK);
    assert_int_equal(ca, cb);
}

/* Random zipper moves applied to a map's read zipper and the frozen one in lockstep. */
static void check_zippers(const pm_map *m, const pm_frozen *fz, const kvs *keys, int steps)
{
    uint8_t origin[64];
    size_t olen = 0;
    if (keys->n && rnd() % 3) {
        const kv *e = &keys->e[rnd() % keys->n];
        olen = e->len ? rnd() % (e->len < 64 ? e->len + 1 : 64) : 0;
        memcpy(origin, e->k, olen);
    } else if (rnd() % 2) {
        olen = rnd() % 3;
        for (size_t i = 0; i < olen; i++)
            origin[i] = (uint8_t)("ab\0"[rnd() % 3]);
    }
    pm_rz *a;
    pm_frz *b;
    assert_int_equal(pm_rz_new(m, origin, olen, &a), PM_OK);
    assert_int_equal(pm_frz_new(fz, origin, olen, &b), PM_OK);
    check_z(a, b);
    for (int s = 0; s < steps; s++) {
        unsigned op = (unsigned)(rnd() % 10);
        pm_status sa = PM_OK, sb = PM_OK;
        switch (op) {
        case 0:
        case 1: { /* descend a byte, usually an existing child */
            uint64_t mk[4];
            pm_rz_child_mask(a, mk);
            unsigned c = (unsigned)(rnd() % 256);
            if (rnd() % 4) {
                for (unsigned i = 0; i < 256; i++)
                    if ((mk[((c + i) & 255) >> 6] >> ((c + i) & 63)) & 1) {
                        c = (c + i) & 255;
                        break;
                    }
            }
            sa = pm_rz_descend_byte(a, (uint8_t)c);
            sb = pm_frz_descend_byte(b, (uint8_t)c);
            break;
        }
        case 2: { /* descend the rest of a key */
            if (!keys->n)
                break;
            const kv *e = &keys->e[rnd() % keys->n];
            size_t from = e->len ? rnd() % (e->len + 1) : 0, n = e->len - from;
            n = n > 50 ? 50 : n;
            sa = pm_rz_descend(a, e->k + from, n);
            sb = pm_frz_descend(b, e->k + from, n);
            break;
        }
        case 3: {
            size_t n = rnd() % 4;
            assert_int_equal(pm_rz_ascend(a, n), pm_frz_ascend(b, n));
            break;
        }
        case 4:
            if (rnd() % 4 == 0) {
                pm_rz_reset(a);
                pm_frz_reset(b);
            }
            break;
        case 5:
            sa = pm_rz_next_sibling(a);
            sb = pm_frz_next_sibling(b);
            break;
        case 6:
            sa = pm_rz_prev_sibling(a);
            sb = pm_frz_prev_sibling(b);
            break;
        default:
            sa = pm_rz_next_val(a);
            sb = pm_frz_next_val(b);
            break;
        }
        assert_int_equal(sa, sb);
        check_z(a, b);
    }
    pm_rz_free(a);
    pm_frz_free(b);
}

/* Everything equal: header totals, every key and variants of it, prefixes, iteration under
 * every key's prefixes (a sample on big maps), zipper walks. */
static void check_all(const pm_map *m, const pm_frozen *fz)
{
    kvs keys = {0};
    assert_int_equal(pm_map_foreach(m, NULL, 0, collect, &keys), PM_OK);
    assert_int_equal(pm_frozen_len(fz), keys.n);
    check_iter(m, fz, NULL, 0);
    check_key(m, fz, NULL, 0);
    uint8_t buf[512];
    for (size_t i = 0; i < keys.n; i++) {
        const kv *e = &keys.e[i];
        check_key(m, fz, e->k, e->len);
        if (e->len && e->len < sizeof buf) { /* a miss next to it, an extension, a prefix */
            memcpy(buf, e->k, e->len);
            buf[e->len - 1] ^= 1;
            check_key(m, fz, buf, e->len);
            buf[e->len - 1] ^= 1;
            buf[e->len] = (uint8_t)rnd();
            check_key(m, fz, buf, e->len + 1);
            check_key(m, fz, buf, e->len - 1);
        }
    }
    size_t samples = keys.n < 200 ? keys.n : 200;
    for (size_t s = 0; s < samples; s++) {
        const kv *e = &keys.e[keys.n < 200 ? s : rnd() % keys.n];
        size_t step = e->len > 64 ? e->len / 16 : 1;
        for (size_t l = 0; l <= e->len; l += step) {
            check_key(m, fz, e->k, l);
            if (s < 40 && l)
                check_iter(m, fz, e->k, l);
        }
    }
    for (int z = 0; z < 8; z++)
        check_zippers(m, fz, &keys, 300);
    kvs_free(&keys);
}

/* ---- maps ------------------------------------------------------------------------------------ */
static pm_map *random_map(size_t n, int alpha, size_t maxlen)
{
    static const uint8_t al[] = {'a', 'b', 'c', 0x00, 0xFF, '/', 'x', 'y'};
    pm_map *m;
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    uint8_t k[400];
    for (size_t i = 0; i < n; i++) {
        size_t len = rnd() % (maxlen + 1);
        if (rnd() % 50 == 0)
            len = 40 + rnd() % 300;
        for (size_t j = 0; j < len; j++)
            k[j] = alpha ? al[rnd() % (unsigned)alpha] : (uint8_t)rnd();
        assert_int_equal(pm_map_set(m, k, len, rnd() >> (rnd() % 64), NULL, NULL), PM_OK);
    }
    return m;
}

static pm_frozen *freeze(const pm_map *m)
{
    pm_frozen *fz;
    assert_int_equal(pm_frozen_build(m, &fz), PM_OK);
    return fz;
}

static void test_random(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 2, 3, 10, 50, 300, 2000, 20000};
    static const int alphas[] = {2, 3, 5, 8, 0};
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++)
        for (size_t ai = 0; ai < sizeof alphas / sizeof *alphas; ai++) {
            pm_map *m = random_map(sizes[si], alphas[ai], alphas[ai] == 0 ? 6 : 14);
            pm_frozen *fz = freeze(m);
            check_all(m, fz);
            pm_frozen_free(fz);
            pm_map_free(m);
        }
}

static void test_edges(void **state)
{
    (void)state;
    pm_map *m;
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    pm_frozen *fz = freeze(m); /* empty */
    assert_int_equal(pm_frozen_len(fz), 0);
    assert_int_equal(pm_frozen_size(fz), PM_FZ_HDR);
    assert_false(pm_frozen_contains_path(fz, NULL, 0));
    check_all(m, fz);
    pm_frozen_free(fz);
    assert_int_equal(pm_map_set(m, NULL, 0, 5, NULL, NULL), PM_OK); /* the empty key alone */
    fz = freeze(m);
    uint64_t v;
    assert_int_equal(pm_frozen_get(fz, NULL, 0, &v), PM_OK);
    assert_int_equal(v, 5);
    check_all(m, fz);
    pm_frozen_free(fz);
    static const char *const ks[] = {"a", "ab", "abc", "abd", "b", "ba", "\xff", "\xff\xff"};
    for (size_t i = 0; i < sizeof ks / sizeof *ks; i++) {
        assert_int_equal(set_s(m, ks[i], i), PM_OK);
        fz = freeze(m);
        check_all(m, fz);
        pm_frozen_free(fz);
    }
    /* 17+ children (mask form), values of every width */
    for (unsigned c = 0; c < 256; c += 3) {
        uint8_t k[2] = {'m', (uint8_t)c};
        assert_int_equal(pm_map_set(m, k, 2, (uint64_t)1 << (c % 64), NULL, NULL), PM_OK);
    }
    fz = freeze(m);
    check_all(m, fz);
    pm_frozen_free(fz);
    /* bad arguments */
    assert_int_equal(pm_frozen_build(NULL, &fz), PM_EINVAL);
    assert_int_equal(pm_frozen_build(m, NULL), PM_EINVAL);
    fz = freeze(m);
    assert_int_equal(pm_frozen_get(NULL, NULL, 0, &v), PM_EINVAL);
    assert_int_equal(pm_frozen_get(fz, NULL, 3, &v), PM_EINVAL);
    assert_int_equal(pm_frozen_get(fz, (const uint8_t *)"a", PM_MAX_KEY + 1, &v), PM_EINVAL);
    assert_int_equal(pm_frozen_open(NULL, 5, &fz), PM_EINVAL);
    pm_frozen_free(fz);
    pm_frozen_free(NULL);
    pm_map_free(m);
}

static void test_long_keys(void **state)
{
    (void)state;
    pm_map *m;
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    uint8_t *k = malloc(PM_MAX_KEY);
    for (size_t i = 0; i < PM_MAX_KEY; i++)
        k[i] = (uint8_t)(i * 7 + (i >> 8));
    assert_int_equal(pm_map_set(m, k, PM_MAX_KEY, 1, NULL, NULL), PM_OK);
    assert_int_equal(pm_map_set(m, k, PM_MAX_KEY / 2, 2, NULL, NULL), PM_OK);
    assert_int_equal(pm_map_set(m, k, 7, 3, NULL, NULL), PM_OK);
    k[40000] ^= 0x55;
    assert_int_equal(pm_map_set(m, k, PM_MAX_KEY, 4, NULL, NULL), PM_OK);
    pm_frozen *fz = freeze(m);
    uint64_t v;
    assert_int_equal(pm_frozen_get(fz, k, PM_MAX_KEY, &v), PM_OK);
    assert_int_equal(v, 4);
    size_t n;
    /* the two 64 KiB keys share the first 40,000 bytes; the 32 KiB and 7-byte keys are shorter */
    assert_int_equal(pm_frozen_count_prefix(fz, k, 40000, &n), PM_OK);
    assert_int_equal(n, 2);
    assert_int_equal(pm_frozen_count_prefix(fz, k, 7, &n), PM_OK);
    assert_int_equal(n, 4);
    check_all(m, fz);
    pm_frozen_free(fz);
    free(k);
    pm_map_free(m);
}

/* values at every prefix of a^131072 (test_deep.c's doubling graft): 131,073 nodes deep */
static void test_deep_chain(void **state)
{
    (void)state;
    static uint8_t a[131072];
    memset(a, 'a', sizeof a);
    pm_map *m;
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    pm_map_set(m, NULL, 0, 1, NULL, NULL);
    pm_map_set(m, a, 1, 2, NULL, NULL);
    size_t L = 1;
    while (2 * L <= sizeof a) {
        assert_int_equal(pm_map_graft(m, a, L, m), PM_OK);
        L *= 2;
    }
    pm_frozen *fz = freeze(m);
    assert_int_equal(pm_frozen_len(fz), L + 1);
    size_t n;
    assert_int_equal(pm_frozen_count_prefix(fz, a, PM_MAX_KEY, &n), PM_OK);
    assert_int_equal(n, L + 1 - PM_MAX_KEY);
    uint64_t v, w;
    for (size_t l = 0; l <= PM_MAX_KEY; l += 4099) {
        assert_int_equal(pm_frozen_get(fz, a, l, &v), PM_OK);
        assert_int_equal(pm_map_get(m, a, l, &w), PM_OK);
        assert_int_equal(v, w);
    }
    /* reopen from its bytes: validation walks the whole depth */
    size_t len;
    const void *img = pm_frozen_data(fz, &len);
    pm_frozen *fz2;
    assert_int_equal(pm_frozen_open(img, len, &fz2), PM_OK);
    pm_frozen_iter *it;
    assert_int_equal(pm_frozen_iter_new(fz2, NULL, 0, &it), PM_OK);
    const uint8_t *k;
    size_t kl, expect = 0;
    while (pm_frozen_iter_next(it, &k, &kl, &v) == PM_OK) {
        assert_int_equal(kl, expect);
        expect++;
    }
    assert_int_equal(expect, L + 1);
    pm_frozen_iter_free(it);
    pm_frz *z;
    assert_int_equal(pm_frz_new(fz2, a, 60000, &z), PM_OK);
    assert_true(pm_frz_exists(z));
    assert_int_equal(pm_frz_val_count(z, &n), PM_OK);
    assert_int_equal(n, L + 1 - 60000);
    assert_true(pm_frz_ascend(z, 0));
    pm_frz_free(z);
    pm_frozen_free(fz2);
    pm_frozen_free(fz);
    pm_map_free(m);
}

/* The worked example of docs/formats.md ("Frozen form"), byte for byte. */
static void test_format_example(void **state)
{
    (void)state;
    pm_map *m;
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    assert_int_equal(set_s(m, "a", 1), PM_OK);
    assert_int_equal(set_s(m, "ab", 2), PM_OK);
    assert_int_equal(set_s(m, "b", 3), PM_OK);
    pm_frozen *fz = freeze(m);
    static const uint8_t nodes[] = {0x04, 2,    0,    0,   0,   0,    0,   0, 0, /* 64: leaf "ab" */
                                    0x05, 1,    0,    0,   0,   0,    0,   0, 0, 0x02,
                                    0x00, 'b',  0x09,                            /* 73: "a" */
                                    0x04, 3,    0,    0,   0,   0,    0,   0, 0, /* 86: leaf "b" */
                                    0x01, 0x03, 0x01, 'a', 'b', 0x16, 0x09};     /* 95: root */
    size_t len;
    const uint8_t *img = pm_frozen_data(fz, &len);
    assert_int_equal(len, 102);
    assert_memory_equal(img, PM_FZ_MAGIC, 8);
    assert_memory_equal(img + PM_FZ_HDR, nodes, sizeof nodes);
    static const uint64_t fields[][2] = {{PM_FZ_OFF_SIZE, 102},
                                         {PM_FZ_OFF_ROOT, 95},
                                         {PM_FZ_OFF_VALUES, 3},
                                         {PM_FZ_OFF_MAXKEY, 2},
                                         {PM_FZ_OFF_MAXDEPTH, 3}};
    for (size_t i = 0; i < 5; i++) {
        uint64_t v = 0;
        for (int j = 0; j < 8; j++)
            v |= (uint64_t)img[fields[i][0] + (uint64_t)j] << (8 * j);
        assert_int_equal(v, fields[i][1]);
    }
    assert_int_equal(img[PM_FZ_OFF_VERSION], PM_FROZEN_VERSION);
    assert_int_equal(img[PM_FZ_OFF_HDRSIZE], PM_FZ_HDR);
    pm_frozen_free(fz);
    pm_map_free(m);
}

/* ---- files, threads, processes ------------------------------------------------------------- */
static void test_files(void **state)
{
    (void)state;
    pm_map *m = random_map(3000, 5, 12);
    pm_frozen *fz = freeze(m);
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(pm_frozen_write(fz, f), PM_OK);
    assert_int_equal(fflush(f), 0);
    pm_frozen *mp;
    assert_int_equal(pm_frozen_open_fd(fileno(f), &mp), PM_OK); /* mapped */
    check_all(m, mp);
    rewind(f);
    pm_frozen *rd;
    assert_int_equal(pm_frozen_read(f, &rd), PM_OK); /* read into the heap */
    check_all(m, rd);
    /* a second process maps the same file and answers the same */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        pm_frozen *c;
        int ok = pm_frozen_open_fd(fileno(f), &c) == PM_OK &&
                 pm_frozen_len(c) == pm_frozen_len(fz) && pm_frozen_size(c) == pm_frozen_size(fz);
        _exit(ok ? 0 : 1);
    }
    int ws;
    assert_int_equal(waitpid(pid, &ws, 0), pid);
    assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
    pm_frozen_free(rd);
    pm_frozen_free(mp);
    fclose(f);
    /* write_fd and an empty file */
    f = tmpfile();
    assert_int_equal(pm_frozen_write_fd(fz, fileno(f)), PM_OK);
    rewind(f);
    assert_int_equal(pm_frozen_read(f, &rd), PM_OK);
    size_t la, lb;
    const void *a = pm_frozen_data(fz, &la), *b = pm_frozen_data(rd, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    pm_frozen_free(rd);
    fclose(f);
    f = tmpfile();
    assert_int_equal(pm_frozen_open_fd(fileno(f), &rd), PM_ECORRUPT);
    assert_int_equal(pm_frozen_read(f, &rd), PM_ECORRUPT);
    fclose(f);
    assert_int_equal(pm_frozen_open_fd(-1, &rd), PM_EINVAL);
    pm_frozen_free(fz);
    pm_map_free(m);
}

typedef struct tctx {
    const pm_frozen *fz;
    const kvs *keys;
    int bad;
} tctx;
static void *reader(void *arg)
{
    tctx *t = arg;
    for (int r = 0; r < 3; r++)
        for (size_t i = 0; i < t->keys->n; i++) {
            uint64_t v;
            size_t c;
            const kv *e = &t->keys->e[i];
            if (pm_frozen_get(t->fz, e->k, e->len, &v) != PM_OK || v != e->v ||
                pm_frozen_count_prefix(t->fz, e->k, e->len, &c) != PM_OK || c == 0)
                t->bad = 1;
        }
    return NULL;
}
static void test_threads(void **state)
{
    (void)state;
    pm_map *m = random_map(5000, 4, 10);
    pm_frozen *fz = freeze(m);
    kvs keys = {0};
    assert_int_equal(pm_map_foreach(m, NULL, 0, collect, &keys), PM_OK);
    pthread_t th[4];
    tctx c[4];
    for (int i = 0; i < 4; i++) {
        c[i] = (tctx){fz, &keys, 0};
        assert_int_equal(pthread_create(&th[i], NULL, reader, &c[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_false(c[i].bad);
    }
    kvs_free(&keys);
    pm_frozen_free(fz);
    pm_map_free(m);
}

/* ---- fault injection ----------------------------------------------------------------------- */
static void test_fault(void **state)
{
    (void)state;
    pm_map *m = random_map(400, 4, 12);
    kvs before = {0};
    assert_int_equal(pm_map_foreach(m, NULL, 0, collect, &before), PM_OK);
    size_t fn0, fb0;
    assert_int_equal(pm_map_footprint(m, &fn0, &fb0), PM_OK);
    pm_frozen *ref = freeze(m);
    size_t rlen;
    const void *rimg = pm_frozen_data(ref, &rlen);
    for (int what = 0; what < 5; what++) {
        uint64_t k;
        for (k = 1;; k++) {
            pm_mem_stats s0, s1;
            pm_mem_stats_get(&s0);
            pm_frozen *fz = NULL;
            pm_frozen_iter *it = NULL;
            pm_frz *z = NULL;
            pm_status st;
            pm_debug_fail_alloc_at(k);
            switch (what) {
            case 0:
                st = pm_frozen_build(m, &fz);
                break;
            case 1:
                st = pm_frozen_open(rimg, rlen, &fz);
                break;
            case 2:
                st = pm_frozen_iter_new(ref, (const uint8_t *)"a", 1, &it);
                break;
            case 3:
                st = pm_frz_new(ref, (const uint8_t *)"ab", 2, &z);
                break;
            default: { /* a zipper's first next_val grows its buffers */
                pm_debug_fail_alloc_at(0);
                assert_int_equal(pm_frz_new(ref, NULL, 0, &z), PM_OK);
                pm_debug_fail_alloc_at(k);
                st = pm_frz_next_val(z);
                if (st == PM_ENOMEM) {
                    size_t l;
                    pm_frz_path(z, &l);
                    assert_int_equal(l, 0); /* unchanged */
                }
                pm_frz_free(z);
                z = NULL;
                break;
            }
            }
            pm_debug_fail_alloc_at(0);
            pm_mem_stats_get(&s1);
            assert_int_equal(s0.live_nodes, s1.live_nodes);
            if (st == PM_OK) {
                if (k == 1 && what != 4)
                    fail_msg("scenario %d made no allocation", what);
                if (fz) {
                    size_t l;
                    const void *img = pm_frozen_data(fz, &l);
                    assert_int_equal(l, rlen);
                    assert_memory_equal(img, rimg, l);
                }
                pm_frozen_free(fz);
                pm_frozen_iter_free(it);
                pm_frz_free(z);
                break;
            }
            assert_int_equal(st, PM_ENOMEM);
            assert_null(fz);
            kvs after = {0};
            assert_int_equal(pm_map_foreach(m, NULL, 0, collect, &after), PM_OK);
            kvs_equal(&before, &after);
            kvs_free(&after);
            size_t fn1, fb1;
            assert_int_equal(pm_map_footprint(m, &fn1, &fb1), PM_OK);
            assert_int_equal(fn0, fn1);
            assert_int_equal(fb0, fb1);
        }
        print_message("frozen fault scenario %d: %llu allocations\n", what,
                      (unsigned long long)(k - 1));
    }
    pm_frozen_free(ref);
    kvs_free(&before);
    pm_map_free(m);
}

/* ---- corrupt images ------------------------------------------------------------------------ */
static void fix_checksum(uint8_t *img, size_t len)
{
    if (len < PM_FZ_HDR)
        return;
    uint64_t c = pm_fz_checksum(img, len);
    for (int i = 0; i < 8; i++)
        img[PM_FZ_OFF_CHECKSUM + i] = (uint8_t)(c >> (8 * i));
}

/* An image that opened: every call must stay inside it and agree with itself. */
static void exercise(const pm_frozen *fz)
{
    kvs all = {0};
    assert_int_equal(pm_frozen_foreach(fz, NULL, 0, collect, &all), PM_OK);
    assert_int_equal(all.n, pm_frozen_len(fz));
    size_t c;
    assert_int_equal(pm_frozen_count_prefix(fz, NULL, 0, &c), PM_OK);
    assert_int_equal(c, all.n);
    for (size_t i = 0; i < all.n; i++) {
        uint64_t v;
        assert_int_equal(pm_frozen_get(fz, all.e[i].k, all.e[i].len, &v), PM_OK);
        assert_int_equal(v, all.e[i].v);
        if (i)
            assert_true(key_cmp(all.e[i - 1].k, all.e[i - 1].len, all.e[i].k, all.e[i].len) < 0);
    }
    pm_frz *z;
    assert_int_equal(pm_frz_new(fz, NULL, 0, &z), PM_OK);
    size_t n = 0;
    while (pm_frz_next_val(z) == PM_OK)
        n++;
    assert_int_equal(n + (pm_frozen_contains(fz, NULL, 0) ? 1 : 0), all.n);
    pm_frz_free(z);
    kvs_free(&all);
}

static void test_corrupt(void **state)
{
    (void)state;
    pm_map *m;
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    static const char *const ks[] = {"",     "a",    "abc",  "abd",   "abdx", "b",
                                     "bcde", "bcdf", "zzzz", "zzzzz", "q"};
    for (size_t i = 0; i < sizeof ks / sizeof *ks; i++)
        assert_int_equal(set_s(m, ks[i], 1000 * i + 7), PM_OK);
    for (unsigned c = 0; c < 40; c++) { /* a mask node */
        uint8_t k[2] = {'m', (uint8_t)(c * 5)};
        assert_int_equal(pm_map_set(m, k, 2, c, NULL, NULL), PM_OK);
    }
    pm_frozen *fz = freeze(m);
    size_t len;
    const uint8_t *img = pm_frozen_data(fz, &len);
    uint8_t *b = malloc(len + 1);
    pm_frozen *o;
    /* every truncation, and one byte too many */
    for (size_t l = 0; l < len; l++) {
        memcpy(b, img, l);
        assert_int_equal(pm_frozen_open(b, l, &o), PM_ECORRUPT);
    }
    memcpy(b, img, len);
    b[len] = 0;
    assert_int_equal(pm_frozen_open(b, len + 1, &o), PM_ECORRUPT);
    /* the version */
    b[PM_FZ_OFF_VERSION] = 2;
    assert_int_equal(pm_frozen_open(b, len, &o), PM_EVERSION);
    fix_checksum(b, len);
    assert_int_equal(pm_frozen_open(b, len, &o), PM_EVERSION);
    /* every byte changed: the checksum catches it; with the checksum repaired, the structural
     * checks must catch it or the image must read safely */
    static const uint8_t xs[] = {0x01, 0x02, 0x08, 0x20, 0x80, 0xFF, 0x7F};
    size_t opened = 0, refused = 0;
    for (size_t i = 0; i < len; i++)
        for (size_t x = 0; x < sizeof xs; x++) {
            memcpy(b, img, len);
            b[i] ^= xs[x];
            pm_status s = pm_frozen_open(b, len, &o);
            assert_true(s == PM_ECORRUPT || s == PM_EVERSION);
            if (i >= PM_FZ_HDR) {
                fix_checksum(b, len);
                s = pm_frozen_open(b, len, &o);
                if (s == PM_OK) {
                    exercise(o);
                    pm_frozen_free(o);
                    opened++;
                } else {
                    assert_int_equal(s, PM_ECORRUPT);
                    refused++;
                }
            }
        }
    print_message("frozen corrupt: %zu images refused, %zu still valid (value/prefix bytes)\n",
                  refused, opened);
    assert_true(refused > 0);
    /* hand-made: a child offset that points at its own node (a cycle), and past the start */
    memcpy(b, img, len);
    uint64_t root = 0;
    for (int i = 0; i < 8; i++)
        root |= (uint64_t)img[PM_FZ_OFF_ROOT + i] << (8 * i);
    assert_true(root >= PM_FZ_HDR && root < len);
    size_t w = (size_t)1 << ((img[root] >> 3) & 3); /* the root ends with its last offset */
    memset(b + len - w, 0, w);                      /* 0: the root itself */
    fix_checksum(b, len);
    assert_int_equal(pm_frozen_open(b, len, &o), PM_ECORRUPT);
    memset(b + len - w, 0xFF, w); /* before the first node */
    fix_checksum(b, len);
    assert_int_equal(pm_frozen_open(b, len, &o), PM_ECORRUPT);
    /* garbage */
    for (size_t i = 0; i < len; i++)
        b[i] = (uint8_t)rnd();
    assert_int_equal(pm_frozen_open(b, len, &o), PM_ECORRUPT);
    memcpy(b, PM_FZ_MAGIC, 8);
    assert_true(pm_frozen_open(b, len, &o) != PM_OK);
    free(b);
    pm_frozen_free(fz);
    pm_map_free(m);
}

/* `core_frozen seeds DIR`: writes the fuzz_frozen seed corpus (tests/fuzz/corpus/frozen): a mode
 * byte (1: the target repairs size and checksum; 0: opened as is) and an image. */
static int write_seeds(const char *dir)
{
    static const char *const sets[][8] = {
        {NULL},
        {"", NULL},
        {"a", "ab", "abc", "abd", "b", NULL},
        {"spaces/1/facts/sky", "spaces/1/facts/sea", "spaces/2/x", "spaces/20", NULL},
        {"\x01", "\xff", "\x01\x01\x02", "zz", "zzzzzzzzzzzz", "q", NULL},
    };
    for (size_t si = 0; si <= sizeof sets / sizeof *sets; si++) {
        pm_map *m;
        if (pm_map_new(NULL, &m))
            return 1;
        if (si < sizeof sets / sizeof *sets) {
            for (size_t i = 0; sets[si][i]; i++)
                set_s(m, sets[si][i], (uint64_t)i * 0x10001 + 3);
        } else { /* a mask node and a long prefix */
            for (unsigned c = 0; c < 40; c++) {
                uint8_t k[2] = {'m', (uint8_t)(c * 6)};
                pm_map_set(m, k, 2, c, NULL, NULL);
            }
            uint8_t lk[100];
            memset(lk, 'L', sizeof lk);
            pm_map_set(m, lk, sizeof lk, 9, NULL, NULL);
            pm_map_set(m, lk, 60, 8, NULL, NULL);
        }
        pm_frozen *fz;
        if (pm_frozen_build(m, &fz))
            return 1;
        size_t len;
        const void *img = pm_frozen_data(fz, &len);
        for (int mode = 0; mode < 2; mode++) {
            if (mode == 0 && si != 2)
                continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/seed_%zu_%s", dir, si, mode ? "fix" : "raw");
            FILE *f = fopen(path, "wb");
            if (!f)
                return 1;
            uint8_t mb = (uint8_t)mode;
            fwrite(&mb, 1, 1, f);
            fwrite(img, 1, len, f);
            fclose(f);
        }
        pm_frozen_free(fz);
        pm_map_free(m);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "seeds") == 0)
        return write_seeds(argv[2]);
    const struct CMUnitTest deep[] = {cmocka_unit_test(test_deep_chain)};
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edges),  cmocka_unit_test(test_format_example),
        cmocka_unit_test(test_random), cmocka_unit_test(test_long_keys),
        cmocka_unit_test(test_files),  cmocka_unit_test(test_threads),
        cmocka_unit_test(test_fault),  cmocka_unit_test(test_corrupt),
    };
    if (argc > 1 && strcmp(argv[1], "deep") == 0)
        return cmocka_run_group_tests(deep, NULL, NULL);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
