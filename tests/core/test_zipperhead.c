/* ZipperHead: conflicts against a brute-force prefix oracle over random path sets (with release
 * and re-acquire), contents after writers are released, a failing release that is retried, and
 * parallel construction: one writer thread per partition, no lock on the hot path, result equal
 * to the sequential build (run under ThreadSanitizer in the tsan build). */
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
                        assert_int_equal(pm_wz_set_val(s->wz, 7, NULL, NULL), PM_OK);
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
                assert_int_equal(pm_wz_set_val(s->wz, 7, NULL, NULL), PM_OK);
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
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
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
    assert_int_equal(pm_wz_set_val(w, 3, NULL, NULL), PM_OK);
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
        assert_int_equal(pm_wz_set_val(w, 3, NULL, NULL), PM_OK); /* still usable */
    }
    assert_true(failed > 0);
    assert_int_equal(pm_zh_live(h), 0);
    uint64_t v;
    assert_int_equal(pm_map_get(m, (const uint8_t *)k1, strlen(k1), &v), PM_OK);
    assert_int_equal(v, 1);
    uint8_t kq[26];
    memcpy(kq, k1, 25);
    kq[25] = 'q';
    assert_int_equal(pm_map_get(m, kq, 26, &v), PM_OK);
    assert_int_equal(v, 3);
    assert_int_equal(pm_debug_validate(m), PM_OK);
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
        if ((s = pm_wz_set_val(j->wz, i, NULL, NULL))) {
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
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    assert_int_equal(pm_map_new(NULL, &seq), PM_OK);
    /* a pre-existing part shared with a clone, so writers copy shared nodes too */
    uint8_t k[64];
    for (unsigned i = 0; i < 2000; i++) {
        unsigned part = i % NPART;
        size_t len = part_key(k, part, NKEYS + i);
        assert_int_equal(pm_map_set(m, k, len, i, NULL, NULL), PM_OK);
        assert_int_equal(pm_map_set(seq, k, len, i, NULL, NULL), PM_OK);
    }
    assert_int_equal(pm_map_clone(m, &base), PM_OK);
    for (unsigned part = 0; part < NPART; part++)
        for (unsigned i = part; i < NKEYS; i += NPART) {
            size_t len = part_key(k, part, i);
            assert_int_equal(pm_map_set(seq, k, len, i, NULL, NULL), PM_OK);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conflicts),
        cmocka_unit_test(test_release_enomem),
        cmocka_unit_test(test_parallel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
