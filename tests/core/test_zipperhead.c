/* ZipperHead: conflicts against a brute-force prefix oracle over random path sets (with release
 * and re-acquire) and among 5,000 live zippers, contents after writers are released, allocation
 * failures in creations, releases and conflict reports among many live zippers (nothing
 * changes), a failing release that is retried, and parallel construction: one writer thread per
 * partition, no lock on the hot path, result equal to the sequential build (run under
 * ThreadSanitizer in the tsan build). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>

#include "pathmap_zipper.h"
#include "zmodel.h"

#define NSLOT 24

typedef struct slot {
    int live, is_write;
    uint8_t path[8];
    size_t len;
    pm_rz *rz;
    pm_wz *wz;
} slot;

static int related(const slot *s, const uint8_t *p, size_t len)
{
    size_t m = s->len < len ? s->len : len;
    return m == 0 || memcmp(s->path, p, m) == 0;
}

static void test_conflicts(void **state)
{
    (void)state;
    rng r = {0x1234567};
    for (int round = 0; round < 40; round++) {
        model mm;
        gen_model(&r, &mm, 50, 12);
        pm_map *m = map_of(&mm);
        pm_zh *h;
        assert_int_equal(pm_zh_new(m, &h), PM_OK);
        slot sl[NSLOT];
        memset(sl, 0, sizeof sl);
        size_t nlive = 0;
        for (int step = 0; step < 400; step++) {
            slot *s = &sl[rndn(&r, NSLOT)];
            if (s->live) {
                if (s->is_write) {
                    if (rndn(&r, 2))
                        assert_int_equal(pm_wz_set_val(s->wz, ov_make(7), NULL, NULL), PM_OK);
                    assert_int_equal(pm_zh_release_wz(h, s->wz), PM_OK);
                } else {
                    pm_zh_release_rz(h, s->rz);
                }
                s->live = 0;
                nlive--;
                continue;
            }
            uint8_t p[8];
            size_t len = rndn(&r, 4);
            for (size_t i = 0; i < len; i++)
                p[i] = (uint8_t) "abc"[rndn(&r, 3)];
            int is_write = (int)rndn(&r, 2);
            int expect = 0; /* brute-force oracle */
            for (int i = 0; i < NSLOT; i++)
                if (sl[i].live && (is_write || sl[i].is_write) && related(&sl[i], p, len))
                    expect = 1;
            pm_conflict c;
            memset(&c, 0, sizeof c);
            pm_status st = is_write ? pm_zh_write_zipper(h, p, len, &s->wz, &c)
                                    : pm_zh_read_zipper(h, p, len, &s->rz, &c);
            if (expect) {
                assert_int_equal(st, PM_ECONFLICT);
                /* the reported zipper is live and really conflicts */
                int found = 0;
                for (int i = 0; i < NSLOT; i++)
                    if (sl[i].live && sl[i].len == c.len &&
                        (c.len == 0 || !memcmp(sl[i].path, c.path, c.len)) &&
                        sl[i].is_write == (int)c.is_write && (is_write || c.is_write) &&
                        related(&sl[i], p, len))
                        found = 1;
                assert_true(found);
                continue;
            }
            assert_int_equal(st, PM_OK);
            s->live = 1;
            s->is_write = is_write;
            memcpy(s->path, p, len);
            s->len = len;
            nlive++;
            assert_int_equal(pm_zh_live(h), nlive);
            if (!is_write) { /* a reader sees the map below its path */
                size_t cnt, lo, hi;
                assert_int_equal(pm_rz_val_count(s->rz, &cnt), PM_OK);
                model_range(&mm, p, len, &lo, &hi);
                assert_int_equal(cnt, hi - lo);
            } else {
                size_t cnt, lo, hi;
                assert_int_equal(pm_wz_val_count(s->wz, &cnt), PM_OK);
                model_range(&mm, p, len, &lo, &hi);
                assert_int_equal(cnt, hi - lo);
                uint64_t old;
                model_set(&mm, p, len, 7, &old);
                assert_int_equal(pm_wz_set_val(s->wz, ov_make(7), NULL, NULL), PM_OK);
            }
        }
        assert_int_equal(pm_zh_free(h) == PM_EBUSY, nlive > 0);
        for (int i = 0; i < NSLOT; i++) {
            if (!sl[i].live)
                continue;
            if (sl[i].is_write)
                assert_int_equal(pm_wz_free(sl[i].wz), PM_OK);
            else
                pm_rz_free(sl[i].rz);
        }
        assert_int_equal(pm_zh_free(h), PM_OK);
        assert_true(map_equals(m, &mm));
        assert_int_equal(pm_debug_validate(m), PM_OK);
        pm_map_free(m);
        model_free(&mm);
    }
    pm_mem_stats s;
    pm_mem_stats_get(&s);
    assert_int_equal(s.live_nodes, 0);
}

/* A release whose graft-back cannot allocate fails cleanly; the writer stays usable. */
static void test_release_enomem(void **state)
{
    (void)state;
    pm_map *m;
    assert_int_equal(pm_map_new(ov_ops(), &m), PM_OK);
    /* long keys: grafting back does not fit in the line node the detach left */
    const char *k1 = "abcdeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeefgh";
    set_s(m, k1, 1);
    set_s(m, "abcdxyzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", 2);
    pm_zh *h;
    assert_int_equal(pm_zh_new(m, &h), PM_OK);
    pm_wz *w;
    assert_int_equal(pm_zh_write_zipper(h, (const uint8_t *)k1, 25, &w, NULL), PM_OK);
    assert_false(pm_map_contains(m, (const uint8_t *)k1, strlen(k1))); /* detached */
    assert_int_equal(pm_wz_descend(w, (const uint8_t *)"q", 1), PM_ENOTFOUND);
    assert_int_equal(pm_wz_set_val(w, ov_make(3), NULL, NULL), PM_OK);
    int failed = 0;
    for (uint64_t k = 1; k < 10; k++) {
        pm_debug_fail_alloc_at(k);
        pm_status s = pm_zh_release_wz(h, w);
        pm_debug_fail_alloc_at(0);
        if (s == PM_OK)
            break;
        assert_int_equal(s, PM_ENOMEM);
        failed++;
        assert_int_equal(pm_zh_live(h), 1);
        assert_int_equal(pm_wz_set_val(w, ov_make(3), NULL, NULL), PM_OK); /* still usable */
    }
    assert_true(failed > 0);
    assert_int_equal(pm_zh_live(h), 0);
    uint64_t v;
    assert_int_equal(pm_map_get(m, (const uint8_t *)k1, strlen(k1), &v), PM_OK);
    assert_int_equal(ov_get(v), 1);
    uint8_t kq[26];
    memcpy(kq, k1, 25);
    kq[25] = 'q';
    assert_int_equal(pm_map_get(m, kq, 26, &v), PM_OK);
    assert_int_equal(ov_get(v), 3);
    assert_int_equal(pm_debug_validate(m), PM_OK);
    assert_int_equal(pm_zh_free(h), PM_OK);
    pm_map_free(m);
}

/* ---- many live zippers ------------------------------------------------------------------------
 * MANY bystanders on the disjoint paths "m/<NNNN>/" (one in three a reader, every sixth path with
 * two readers), each with a key below it; requests around them are checked against a
 * brute-force oracle over everything live. */
#define MANY  5000
#define ZPMAX 1100

typedef struct zrec {
    uint8_t p[ZPMAX];
    size_t len;
    int w;
    pm_rz *rz;
    pm_wz *wz;
} zrec;

typedef struct zset {
    zrec *r;
    size_t n, cap;
} zset;

static int overlaps(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
    size_t m = al < bl ? al : bl;
    return m == 0 || memcmp(a, b, m) == 0;
}

static int zs_oracle(const zset *s, const uint8_t *p, size_t len, int w)
{
    for (size_t i = 0; i < s->n; i++)
        if ((w || s->r[i].w) && overlaps(s->r[i].p, s->r[i].len, p, len))
            return 1;
    return 0;
}

/* c names a live zipper that really conflicts with (p, w) */
static int zs_named(const zset *s, const uint8_t *p, size_t len, int w, const pm_conflict *c)
{
    for (size_t i = 0; i < s->n; i++) {
        const zrec *r = &s->r[i];
        if (r->w == (int)c->is_write && r->len == c->len &&
            (c->len == 0 || !memcmp(r->p, c->path, c->len)) && (w || r->w) &&
            overlaps(r->p, r->len, p, len))
            return 1;
    }
    return 0;
}

static zrec *zs_push(zset *s)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 1024;
        s->r = realloc(s->r, s->cap * sizeof *s->r);
        assert_non_null(s->r);
    }
    zrec *r = &s->r[s->n++];
    memset(r, 0, sizeof *r);
    return r;
}

static void mset(model *mm, const uint8_t *k, size_t len, uint64_t v)
{
    uint64_t old;
    model_set(mm, k, len, v, &old);
}

static pm_status zs_request(pm_zh *h, zrec *r, pm_conflict *c)
{
    return r->w ? pm_zh_write_zipper(h, r->p, r->len, &r->wz, c)
                : pm_zh_read_zipper(h, r->p, r->len, &r->rz, c);
}

static void zs_release(pm_zh *h, zrec *r)
{
    if (r->w)
        assert_int_equal(pm_zh_release_wz(h, r->wz), PM_OK);
    else
        pm_zh_release_rz(h, r->rz);
}

/* releases s->r[i] and moves the last record into its place */
static void zs_drop(pm_zh *h, zset *s, size_t i)
{
    zs_release(h, &s->r[i]);
    s->r[i] = s->r[--s->n];
}

static size_t fmt_path(uint8_t *p, const char *pre, unsigned i)
{
    return (size_t)snprintf((char *)p, ZPMAX, "%s%04u/", pre, i);
}

static void many_setup(pm_map **m, model *mm, pm_zh **h, zset *s)
{
    memset(mm, 0, sizeof *mm);
    memset(s, 0, sizeof *s);
    assert_int_equal(pm_map_new(ov_ops(), m), PM_OK);
    uint8_t k[ZPMAX];
    for (unsigned i = 0; i < MANY + 100; i++) {
        size_t n = fmt_path(k, i < MANY ? "m/" : "k/", i);
        k[n++] = 'v';
        assert_int_equal(pm_map_set(*m, k, n, ov_make(i), NULL, NULL), PM_OK);
        mset(mm, k, n, i);
    }
    assert_int_equal(pm_zh_new(*m, h), PM_OK);
    for (unsigned i = 0; i < MANY; i++)
        for (unsigned j = 0; j < (i % 6 == 0 ? 2u : 1u); j++) {
            zrec *r = zs_push(s);
            r->len = fmt_path(r->p, "m/", i);
            r->w = i % 3 != 0;
            assert_int_equal(zs_request(*h, r, NULL), PM_OK);
        }
    assert_int_equal(pm_zh_live(*h), s->n);
}

static void many_teardown(pm_map *m, model *mm, pm_zh *h, zset *s)
{
    while (s->n)
        zs_drop(h, s, s->n - 1);
    assert_int_equal(pm_zh_live(h), 0);
    assert_int_equal(pm_zh_free(h), PM_OK);
    assert_true(map_equals(m, mm));
    assert_int_equal(pm_debug_validate(m), PM_OK);
    pm_map_free(m);
    model_free(mm);
    free(s->r);
}

/* A random request near the live paths: a live path or a fresh one, truncated, extended,
 * changed in its last byte or kept. */
static void gen_request(rng *r, const zset *s, zrec *q)
{
    memset(q, 0, sizeof *q);
    if (s->n && rndn(r, 2)) {
        const zrec *b = &s->r[rndn(r, s->n)];
        memcpy(q->p, b->p, b->len);
        q->len = b->len;
    } else {
        q->len = fmt_path(q->p, rndn(r, 4) ? "m/" : "k/", (unsigned)rndn(r, MANY + 100));
    }
    switch (rndn(r, 4)) {
    case 0:
        q->len = rndn(r, q->len + 1);
        break;
    case 1:
        for (size_t n = 1 + rndn(r, 2); n--;)
            q->p[q->len++] = (uint8_t) "v/0"[rndn(r, 3)];
        break;
    case 2:
        if (q->len)
            q->p[q->len - 1] = (uint8_t) "/0v"[rndn(r, 3)];
        break;
    default:
        break;
    }
    q->w = (int)rndn(r, 2);
}

/* Requests q and checks the answer against the oracle; returns the status. */
static pm_status checked_request(pm_zh *h, const zset *s, zrec *q)
{
    int expect = zs_oracle(s, q->p, q->len, q->w);
    pm_conflict c;
    memset(&c, 0, sizeof c);
    pm_status st = zs_request(h, q, &c);
    if (expect) {
        assert_int_equal(st, PM_ECONFLICT);
        assert_true(zs_named(s, q->p, q->len, q->w, &c));
    } else {
        assert_int_equal(st, PM_OK);
    }
    return st;
}

static void test_many_live(void **state)
{
    (void)state;
    rng r = {0x5eed5eed};
    pm_map *m;
    model mm;
    pm_zh *h;
    zset s;
    many_setup(&m, &mm, &h, &s);
    size_t granted = 0, refused = 0;
    for (int step = 0; step < 6000; step++) {
        if (s.n && rndn(&r, 4) == 0) {
            zs_drop(h, &s, rndn(&r, s.n));
            continue;
        }
        zrec q;
        gen_request(&r, &s, &q);
        if (checked_request(h, &s, &q) != PM_OK) {
            refused++;
            continue;
        }
        granted++;
        if (s.n < MANY + 2000 && rndn(&r, 2)) {
            if (q.w && rndn(&r, 2)) {
                assert_int_equal(pm_wz_set_val(q.wz, ov_make(9), NULL, NULL), PM_OK);
                mset(&mm, q.p, q.len, 9);
            }
            *zs_push(&s) = q;
        } else {
            zs_release(h, &q);
        }
        if (step % 500 == 0)
            assert_int_equal(pm_zh_live(h), s.n);
    }
    assert_true(granted > 100 && refused > 100);
    many_teardown(m, &mm, h, &s);
}

/* Requests on path, a few of its prefixes and the root, each kind, against the oracle. */
static void probe(pm_zh *h, const zset *s, const uint8_t *p, size_t len)
{
    for (int w = 0; w < 2; w++) {
        zrec q;
        memset(&q, 0, sizeof q);
        memcpy(q.p, p, len);
        /* the path, its three longest proper prefixes and the root */
        size_t lens[5] = {len, len - (len > 0), len - (len > 1) * 2, len - (len > 2) * 3, 0};
        for (int i = 0; i < 5; i++) {
            q.len = lens[i];
            q.w = w;
            if (checked_request(h, s, &q) == PM_OK)
                zs_release(h, &q);
        }
    }
}

/* Allocation failures at every point of creations and releases among MANY live zippers leave
 * the head unchanged: same live count, same map, same answers (probed against the oracle). */
static void test_many_live_enomem(void **state)
{
    (void)state;
    pm_map *m;
    model mm;
    pm_zh *h;
    zset s;
    many_setup(&m, &mm, &h, &s);
    /* requests: fresh writers with and without content, a reader sharing a path with two live
     * readers, a fresh reader, writers and readers on long paths (over a thousand registry nodes
     * each, enough to grow the bucket array; some with a key below), writers branching off deep
     * in those, and requests on prefixes of them (refused, naming a long path) */
    enum { NREQ = 16 };
    zrec reqs[NREQ];
    memset(reqs, 0, sizeof reqs);
    reqs[0].len = fmt_path(reqs[0].p, "k/", MANY + 1);
    reqs[0].w = 1;
    reqs[1].len = fmt_path(reqs[1].p, "m/", MANY + 50); /* no key below */
    reqs[1].w = 1;
    reqs[2].len = fmt_path(reqs[2].p, "m/", 0); /* two readers there */
    reqs[3].len = fmt_path(reqs[3].p, "k/", MANY + 2);
    for (int i = 4; i < 10; i++) {
        reqs[i].len = fmt_path(reqs[i].p, "k/", MANY + (unsigned)i);
        while (reqs[i].len < ZPMAX - 20 - (size_t)i)
            reqs[i].p[reqs[i].len++] = (uint8_t)('a' + i);
        reqs[i].w = i != 5 && i != 7;
        if (i < 7) { /* a key below */
            uint8_t k[ZPMAX];
            memcpy(k, reqs[i].p, reqs[i].len);
            k[reqs[i].len] = 'v';
            assert_int_equal(pm_map_set(m, k, reqs[i].len + 1, ov_make(7), NULL, NULL), PM_OK);
            mset(&mm, k, reqs[i].len + 1, 7);
        }
    }
    for (int i = 10; i < 14; i++) { /* a sibling branch deep inside a long path: no conflict */
        reqs[i] = reqs[i - 6];
        reqs[i].len -= 1 + (size_t)i;
        reqs[i].p[reqs[i].len++] = 'z';
        reqs[i].w = 1;
    }
    reqs[14] = reqs[4]; /* the first conflict named: its path needs room */
    reqs[14].len = 500;
    reqs[15] = reqs[6];
    reqs[15].len = 300;
    reqs[15].w = 0;
    size_t cfail = 0, rfail = 0;
    for (int i = 0; i < NREQ; i++) {
        zrec *q = &reqs[i];
        model before;
        assert_int_equal(dump(m, &before), 0);
        size_t live = pm_zh_live(h);
        pm_status st;
        for (uint64_t k = 1;; k++) {
            pm_conflict c;
            pm_debug_fail_alloc_at(k);
            st = zs_request(h, q, &c);
            pm_debug_fail_alloc_at(0);
            if (st != PM_ENOMEM)
                break;
            cfail++;
            assert_int_equal(pm_zh_live(h), live);
            model now;
            assert_int_equal(dump(m, &now), 0);
            assert_true(model_equal(&now, &before));
            model_free(&now);
        }
        model_free(&before);
        assert_int_equal(st, zs_oracle(&s, q->p, q->len, q->w) ? PM_ECONFLICT : PM_OK);
        if (st == PM_OK)
            *zs_push(&s) = *q;
        assert_int_equal(pm_zh_live(h), s.n);
    }
    /* nothing half-registered: requests on those paths and their prefixes answer as the oracle
     * (probes made above would have refilled the spare nodes the failures need) */
    for (int i = 0; i < NREQ; i++)
        probe(h, &s, reqs[i].p, reqs[i].len);
    /* the registry answers as the oracle after all those failures */
    rng r = {0xfa11};
    for (int step = 0; step < 1000; step++) {
        zrec q;
        gen_request(&r, &s, &q);
        if (checked_request(h, &s, &q) == PM_OK)
            zs_release(h, &q);
    }
    /* releases: the requests granted above, then bystanders (every twentieth) */
    for (size_t i = s.n; i-- > 0;) {
        zrec *z = &s.r[i];
        if (i < MANY && i % 20)
            continue;
        if (!z->w) { /* a reader's release allocates nothing */
            uint64_t a = pm_debug_alloc_count();
            pm_debug_fail_alloc_at(1);
            pm_zh_release_rz(h, z->rz);
            pm_debug_fail_alloc_at(0);
            assert_int_equal(pm_debug_alloc_count(), a);
            s.r[i] = s.r[--s.n];
            continue;
        }
        pm_status st;
        for (uint64_t k = 1;; k++) {
            pm_debug_fail_alloc_at(k);
            st = pm_zh_release_wz(h, z->wz);
            pm_debug_fail_alloc_at(0);
            if (st != PM_ENOMEM)
                break;
            rfail++;
            assert_int_equal(pm_zh_live(h), s.n);
            pm_conflict c; /* still registered: a request on its path names it */
            memset(&c, 0, sizeof c);
            pm_rz *rz;
            assert_int_equal(pm_zh_read_zipper(h, z->p, z->len, &rz, &c), PM_ECONFLICT);
            assert_true(c.is_write && c.len == z->len && !memcmp(c.path, z->p, z->len));
            assert_int_equal(pm_wz_set_val(z->wz, ov_make(11), NULL, NULL),
                             PM_OK); /* still usable */
            mset(&mm, z->p, z->len, 11);
        }
        assert_int_equal(st, PM_OK);
        uint8_t p[ZPMAX];
        size_t len = z->len;
        memcpy(p, z->p, len);
        s.r[i] = s.r[--s.n];
        assert_int_equal(pm_zh_live(h), s.n);
        probe(h, &s, p, len);
    }
    assert_true(cfail > 0 && rfail > 0);
    many_teardown(m, &mm, h, &s);
}

/* Creations that each add one registry node, with an allocation failure at every point: some
 * land on the growth of the registry's hash table (at 64 and 128 nodes). */
static void test_registry_growth_enomem(void **state)
{
    (void)state;
    pm_map *m;
    assert_int_equal(pm_map_new(ov_ops(), &m), PM_OK);
    for (unsigned i = 0; i < 256; i += 3) {
        uint8_t k[2] = {(uint8_t)i, 'v'};
        assert_int_equal(pm_map_set(m, k, 2, ov_make(i), NULL, NULL), PM_OK);
    }
    pm_zh *h;
    assert_int_equal(pm_zh_new(m, &h), PM_OK);
    zset s;
    memset(&s, 0, sizeof s);
    size_t fails = 0;
    for (unsigned i = 0; i < 200; i++) {
        zrec q;
        memset(&q, 0, sizeof q);
        q.p[0] = (uint8_t)i;
        q.len = 1;
        q.w = i % 4 != 0;
        pm_status st;
        for (uint64_t k = 1;; k++) {
            pm_debug_fail_alloc_at(k);
            st = zs_request(h, &q, NULL);
            pm_debug_fail_alloc_at(0);
            if (st != PM_ENOMEM)
                break;
            fails++;
            assert_int_equal(pm_zh_live(h), s.n);
        }
        assert_int_equal(st, PM_OK);
        *zs_push(&s) = q;
        probe(h, &s, q.p, 1);
    }
    assert_true(fails > 0);
    for (unsigned i = 0; i < 256; i++) { /* every path answers as the oracle */
        zrec q;
        memset(&q, 0, sizeof q);
        q.p[0] = (uint8_t)i;
        q.p[1] = 'v';
        for (q.len = 1; q.len <= 2; q.len++)
            for (q.w = 0; q.w < 2; q.w++)
                if (checked_request(h, &s, &q) == PM_OK)
                    zs_release(h, &q);
    }
    while (s.n)
        zs_drop(h, &s, s.n - 1);
    assert_int_equal(pm_zh_free(h), PM_OK);
    assert_int_equal(pm_debug_validate(m), PM_OK);
    size_t n;
    assert_int_equal(pm_map_len(m, &n), PM_OK);
    assert_int_equal(n, 86);
    pm_map_free(m);
    free(s.r);
}

/* Naming a conflict may need room for its path; failing that is PM_ENOMEM, nothing changed.
 * Without a pm_conflict nothing is allocated. */
static void test_conflict_name_enomem(void **state)
{
    (void)state;
    pm_map *m;
    assert_int_equal(pm_map_new(ov_ops(), &m), PM_OK);
    pm_zh *h;
    assert_int_equal(pm_zh_new(m, &h), PM_OK);
    uint8_t p[3000]; /* longer than any conflict path named before on this thread: must grow */
    memset(p, 'x', sizeof p);
    pm_wz *w;
    assert_int_equal(pm_zh_write_zipper(h, p, sizeof p, &w, NULL), PM_OK);
    pm_conflict c;
    pm_rz *rz;
    pm_debug_fail_alloc_at(1);
    assert_int_equal(pm_zh_read_zipper(h, p, 2, &rz, NULL), PM_ECONFLICT);
    assert_int_equal(pm_zh_read_zipper(h, p, 2, &rz, &c), PM_ENOMEM);
    pm_debug_fail_alloc_at(0);
    assert_int_equal(pm_zh_live(h), 1);
    assert_int_equal(pm_zh_read_zipper(h, p, 2, &rz, &c), PM_ECONFLICT);
    assert_true(c.is_write && c.len == sizeof p && !memcmp(c.path, p, sizeof p));
    assert_int_equal(pm_zh_release_wz(h, w), PM_OK);
    assert_int_equal(pm_zh_read_zipper(h, p, 2, &rz, &c), PM_OK);
    pm_zh_release_rz(h, rz);
    assert_int_equal(pm_zh_free(h), PM_OK);
    pm_map_free(m);
}

/* ---- conflict paths read on several threads -------------------------------------------------
 * Each thread asks for write zippers under the live writer of its own partition (refused) and
 * reads the conflict path it got while the other threads' refusals name other paths, and also
 * creates and releases a zipper of its own. A per-head buffer made the path another thread's
 * (TSan: a race in describe(); the content check fails too). */
#define CT_THREADS 4
#define CT_ROUNDS  3000

typedef struct ct_arg {
    pm_zh *h;
    unsigned t;
    int bad;
} ct_arg;

static void *ct_thread(void *p)
{
    ct_arg *a = p;
    uint8_t want[40], req[48], own[3] = {'o', (uint8_t)a->t, 0};
    size_t wl = 2 + a->t * 9; /* a path length of its own, to tell the threads' answers apart */
    for (size_t i = 0; i < wl; i++)
        want[i] = (uint8_t)(i ? 'a' + a->t : 'p');
    memcpy(req, want, wl);
    for (unsigned r = 0; r < CT_ROUNDS && !a->bad; r++) {
        req[wl] = (uint8_t)r;
        pm_conflict c;
        pm_wz *w;
        pm_rz *z;
        pm_status s = r & 1 ? pm_zh_write_zipper(a->h, req, wl + 1, &w, &c)
                            : pm_zh_read_zipper(a->h, req, wl + 1, &z, &c);
        if (s != PM_ECONFLICT || !c.is_write || c.len != wl || memcmp(c.path, want, wl) != 0)
            a->bad = 1;
        own[2] = (uint8_t)r;
        if (pm_zh_write_zipper(a->h, own, 3, &w, NULL) != PM_OK ||
            pm_wz_set_val(w, ov_make(r), NULL, NULL) != PM_OK || pm_zh_release_wz(a->h, w) != PM_OK)
            a->bad = 1;
        /* the path read again after this thread's own successful calls */
        if (c.len != wl || memcmp(c.path, want, wl) != 0)
            a->bad = 1;
    }
    return NULL;
}

static void test_conflict_threads(void **state)
{
    (void)state;
    pm_map *m;
    assert_int_equal(pm_map_new(ov_ops(), &m), PM_OK);
    pm_zh *h;
    assert_int_equal(pm_zh_new(m, &h), PM_OK);
    pm_wz *live[CT_THREADS];
    ct_arg arg[CT_THREADS];
    pthread_t th[CT_THREADS];
    for (unsigned t = 0; t < CT_THREADS; t++) {
        uint8_t path[40];
        size_t wl = 2 + t * 9;
        for (size_t i = 0; i < wl; i++)
            path[i] = (uint8_t)(i ? 'a' + t : 'p');
        assert_int_equal(pm_zh_write_zipper(h, path, wl, &live[t], NULL), PM_OK);
        arg[t] = (ct_arg){h, t, 0};
    }
    for (unsigned t = 0; t < CT_THREADS; t++)
        assert_int_equal(pthread_create(&th[t], NULL, ct_thread, &arg[t]), 0);
    for (unsigned t = 0; t < CT_THREADS; t++) {
        pthread_join(th[t], NULL);
        assert_false(arg[t].bad);
    }
    for (unsigned t = 0; t < CT_THREADS; t++)
        assert_int_equal(pm_zh_release_wz(h, live[t]), PM_OK);
    assert_int_equal(pm_zh_free(h), PM_OK);
    pm_map_free(m);
}

static int same_map(const pm_map *a, const pm_map *b)
{
    model x;
    assert_int_equal(dump(a, &x), 0);
    int eq = map_equals(b, &x);
    model_free(&x);
    return eq;
}

/* ---- parallel construction --------------------------------------------------------------------
 */
#define NPART 8
#define NKEYS 100000

static size_t part_key(uint8_t *k, unsigned part, unsigned i)
{
    /* partition byte, then a path with shared structure */
    return (size_t)snprintf((char *)k, 64, "%c/s%u/f%u/e%u/a", 'A' + part, i % 11, i % 7, i);
}

typedef struct job {
    pm_wz *wz;
    unsigned part;
    pm_status st;
} job;

static void *writer(void *arg)
{
    job *j = arg;
    uint8_t k[64];
    j->st = PM_OK;
    for (unsigned i = j->part; i < NKEYS; i += NPART) {
        size_t len = part_key(k, j->part, i);
        pm_wz_reset(j->wz);
        pm_status s = pm_wz_descend(j->wz, k + 1, len - 1);
        if (s != PM_OK && s != PM_ENOTFOUND) {
            j->st = s;
            return NULL;
        }
        if ((s = pm_wz_set_val(j->wz, ov_make(i), NULL, NULL))) {
            j->st = s;
            return NULL;
        }
    }
    return NULL;
}

static void test_parallel(void **state)
{
    (void)state;
    pm_map *m, *seq, *base;
    assert_int_equal(pm_map_new(ov_ops(), &m), PM_OK);
    assert_int_equal(pm_map_new(ov_ops(), &seq), PM_OK);
    /* a pre-existing part shared with a clone, so writers copy shared nodes too */
    uint8_t k[64];
    for (unsigned i = 0; i < 2000; i++) {
        unsigned part = i % NPART;
        size_t len = part_key(k, part, NKEYS + i);
        assert_int_equal(pm_map_set(m, k, len, ov_make(i), NULL, NULL), PM_OK);
        assert_int_equal(pm_map_set(seq, k, len, ov_make(i), NULL, NULL), PM_OK);
    }
    assert_int_equal(pm_map_clone(m, &base), PM_OK);
    for (unsigned part = 0; part < NPART; part++)
        for (unsigned i = part; i < NKEYS; i += NPART) {
            size_t len = part_key(k, part, i);
            assert_int_equal(pm_map_set(seq, k, len, ov_make(i), NULL, NULL), PM_OK);
        }
    pm_zh *h;
    assert_int_equal(pm_zh_new(m, &h), PM_OK);
    job jobs[NPART];
    pthread_t th[NPART];
    for (unsigned p = 0; p < NPART; p++) {
        uint8_t path = (uint8_t)('A' + p);
        jobs[p].part = p;
        assert_int_equal(pm_zh_write_zipper(h, &path, 1, &jobs[p].wz, NULL), PM_OK);
    }
    pm_rz *rz; /* a reader on a disjoint path, used while writers run */
    assert_int_equal(pm_zh_read_zipper(h, (const uint8_t *)"Z", 1, &rz, NULL), PM_OK);
    for (unsigned p = 0; p < NPART; p++)
        assert_int_equal(pthread_create(&th[p], NULL, writer, &jobs[p]), 0);
    for (unsigned p = 0; p < NPART; p++) {
        assert_int_equal(pthread_join(th[p], NULL), 0);
        assert_int_equal(jobs[p].st, PM_OK);
    }
    pm_zh_release_rz(h, rz);
    for (unsigned p = 0; p < NPART; p++)
        assert_int_equal(pm_zh_release_wz(h, jobs[p].wz), PM_OK);
    assert_int_equal(pm_zh_free(h), PM_OK);
    assert_true(same_map(m, seq));
    assert_int_equal(pm_debug_validate(m), PM_OK);
    size_t n;
    assert_int_equal(pm_map_len(base, &n), PM_OK);
    assert_int_equal(n, 2000); /* the clone taken before is untouched */
    pm_map_free(base);
    pm_map_free(seq);
    pm_map_free(m);
}

/* The same with owned values (owned.h): heap cells, clones and drops counted (atomically: the
 * parallel test clones and drops on its writer threads), every cell freed exactly once. */
#define OWNED_VARIANT(t)                                                                           \
    static void t##_owned(void **state)                                                            \
    {                                                                                              \
        long long live0 = owned_live();                                                            \
        owned_mode = 1;                                                                            \
        t(state);                                                                                  \
        owned_mode = 0;                                                                            \
        assert_int_equal(owned_live(), live0);                                                     \
    }
OWNED_VARIANT(test_conflicts)
OWNED_VARIANT(test_release_enomem)
#if defined(PM_SANITIZE_THREAD)
static void test_many_live_enomem_owned(void **state)
{
    (void)state;
    skip(); /* single-threaded fault paths: TSan adds only its slowdown (debug and asan run it) */
}
#else
OWNED_VARIANT(test_many_live_enomem)
#endif
OWNED_VARIANT(test_parallel)

/* An argument runs only the tests matching it (cmocka's filter, e.g. "test_conflict*"). */
int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conflicts),
        cmocka_unit_test(test_conflicts_owned),
        cmocka_unit_test(test_release_enomem),
        cmocka_unit_test(test_release_enomem_owned),
        cmocka_unit_test(test_many_live),
        cmocka_unit_test(test_many_live_enomem),
        cmocka_unit_test(test_many_live_enomem_owned),
        cmocka_unit_test(test_registry_growth_enomem),
        cmocka_unit_test(test_conflict_name_enomem),
        cmocka_unit_test(test_conflict_threads),
        cmocka_unit_test(test_parallel),
        cmocka_unit_test(test_parallel_owned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
