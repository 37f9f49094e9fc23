/* fuzz_zh — libFuzzer target: a ZipperHead on map M against the model and a brute-force
 * conflict oracle. Up to 8 live zippers; creations (refusals checked against the oracle, the
 * conflict named checked to be a live zipper of the right kind at a related path), releases,
 * writes through writers (set, remove, graft_map, algebra with a side map S, take_map,
 * remove_branches, drop_head), reads through readers, and a full release + check of M. Both value
 * modes (fuzz.h). Single-threaded: the threaded cases are tests/core/test_zipperhead.c's. */
#include "fuzz.h"
#include "pathmap_zipper.h"

#define NSL  8
#define PMAX 48

typedef struct slot {
    int live, is_write;
    uint8_t p[PMAX];
    size_t len;
    pm_rz *rz;
    pm_wz *wz;
} slot;

typedef struct st {
    pm_map *m, *s;
    model mm, ms;
    pm_zh *h;
    slot sl[NSL];
} st;

static int related(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
    size_t n = al < bl ? al : bl;
    return n == 0 || !memcmp(a, b, n);
}

static void release(st *s, slot *z)
{
    if (z->is_write)
        FZ_CHECK(pm_zh_release_wz(s->h, z->wz) == PM_OK);
    else
        pm_zh_release_rz(s->h, z->rz);
    z->live = 0;
}

static void release_all_check(st *s)
{
    for (unsigned i = 0; i < NSL; i++)
        if (s->sl[i].live)
            release(s, &s->sl[i]);
    FZ_CHECK(pm_zh_live(s->h) == 0);
    FZ_CHECK(pm_zh_free(s->h) == PM_OK);
    fz_check_map(s->m, &s->mm);
    FZ_CHECK(pm_zh_new(s->m, &s->h) == PM_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz f = {data, size};
    fz_run run;
    fz_begin(&f, &run);
    st s;
    memset(&s, 0, sizeof s);
    FZ_CHECK(pm_map_new(ov_ops(), &s.m) == PM_OK);
    FZ_CHECK(pm_map_new(ov_ops(), &s.s) == PM_OK);
    FZ_CHECK(pm_zh_new(s.m, &s.h) == PM_OK);
    uint8_t k[FZ_KEYMAX], full[PMAX + FZ_KEYMAX];
    size_t steps = 0;
    while (f.n && steps++ < 400) {
        uint8_t op = fz_byte(&f), sel = fz_byte(&f);
        slot *z = &s.sl[sel % NSL];
        size_t len = fz_key(&f, k);
        uint64_t v, mold;
        model sub, a, b;
        size_t fl = 0;
        if (z->live) { /* the zipper's path ‖ k, for the writes and reads below */
            memcpy(full, z->p, z->len);
            memcpy(full + z->len, k, len);
            fl = z->len + len;
        }
        switch (op % 16) {
        case 0:
        case 1:
        case 2: { /* create a writer (0, 1) or a reader (2) in a free slot */
            if (z->live) {
                release(&s, z);
                break;
            }
            if (len > PMAX)
                len = PMAX;
            int w = op % 16 != 2;
            int conflict = 0;
            for (unsigned i = 0; i < NSL; i++)
                if (s.sl[i].live && (w || s.sl[i].is_write) &&
                    related(s.sl[i].p, s.sl[i].len, k, len))
                    conflict = 1;
            pm_conflict c;
            pm_status st = w ? pm_zh_write_zipper(s.h, k, len, &z->wz, &c)
                             : pm_zh_read_zipper(s.h, k, len, &z->rz, &c);
            FZ_CHECK(st == (conflict ? PM_ECONFLICT : PM_OK));
            if (conflict) { /* the one named is live, of its kind, at a related path */
                int found = 0;
                FZ_CHECK(related(c.path, c.len, k, len));
                for (unsigned i = 0; i < NSL; i++)
                    if (s.sl[i].live && s.sl[i].is_write == c.is_write && s.sl[i].len == c.len &&
                        (c.len == 0 || !memcmp(s.sl[i].p, c.path, c.len)))
                        found = 1;
                FZ_CHECK(found && (w || c.is_write));
                break;
            }
            z->live = 1;
            z->is_write = w;
            memcpy(z->p, k, len);
            z->len = len;
            break;
        }
        case 3:
            if (z->live)
                release(&s, z);
            break;
        case 4:
        case 5: { /* writer: set at path ‖ k */
            if (!z->live || !z->is_write)
                break;
            v = fz_payload(&f);
            pm_wz_reset(z->wz);
            pm_wz_descend(z->wz, k, len);
            model_set(&s.mm, full, fl, v, &mold);
            FZ_CHECK(pm_wz_set_val(z->wz, ov_make(v), NULL, NULL) == PM_OK);
            break;
        }
        case 6: { /* writer: remove at path ‖ k */
            if (!z->live || !z->is_write)
                break;
            pm_wz_reset(z->wz);
            pm_wz_descend(z->wz, k, len);
            int mh = model_remove(&s.mm, full, fl, &mold);
            FZ_CHECK(pm_wz_remove_val(z->wz, NULL) == (mh ? PM_OK : PM_ENOTFOUND));
            break;
        }
        case 7: { /* writer: graft_map S at path ‖ k */
            if (!z->live || !z->is_write || s.mm.n + s.ms.n > 600 ||
                fz_longest(&s.ms) + fl > FZ_LONGEST)
                break;
            pm_wz_reset(z->wz);
            pm_wz_descend(z->wz, k, len);
            FZ_CHECK(pm_wz_graft_map(z->wz, s.s) == PM_OK);
            model_copy(&sub, &s.ms);
            model_graft(&s.mm, full, fl, &sub);
            model_free(&sub);
            break;
        }
        case 8: { /* writer: algebra with S at its origin */
            if (!z->live || !z->is_write || s.mm.n + s.ms.n > 600 ||
                fz_longest(&s.ms) + z->len > FZ_LONGEST)
                break;
            pm_alg_op aop = (pm_alg_op)((sel >> 3) & 3);
            pm_wz_reset(z->wz);
            model_extract(&a, &s.mm, z->p, z->len, 1);
            model_copy(&b, &s.ms);
            m_alg((int)aop, &a, &b, &sub);
            FZ_CHECK(pm_wz_alg_map(z->wz, aop, s.s, NULL) == PM_OK);
            model_graft(&s.mm, z->p, z->len, &sub);
            model_free(&a);
            model_free(&b);
            model_free(&sub);
            break;
        }
        case 9: { /* writer: take_map at path ‖ k; the taken map becomes S or is freed */
            if (!z->live || !z->is_write)
                break;
            pm_wz_reset(z->wz);
            pm_wz_descend(z->wz, k, len);
            pm_map *t;
            FZ_CHECK(pm_wz_take_map(z->wz, &t) == PM_OK);
            model_extract(&sub, &s.mm, full, fl, 1);
            model_remove_prefix(&s.mm, full, fl);
            fz_check_map(t, &sub);
            if (sel & 0x80) {
                pm_map_free(s.s);
                model_free(&s.ms);
                s.s = t;
                s.ms = sub;
            } else {
                pm_map_free(t);
                model_free(&sub);
            }
            break;
        }
        case 10: { /* writer: remove_branches or drop_head at its origin */
            if (!z->live || !z->is_write)
                break;
            pm_wz_reset(z->wz);
            model_extract(&a, &s.mm, z->p, z->len, 1);
            if (sel & 0x80) {
                size_t at;
                int mh = model_find(&a, NULL, 0, &at);
                memset(&sub, 0, sizeof sub);
                if (mh)
                    model_set(&sub, NULL, 0, a.e[at].v, &mold);
                FZ_CHECK(pm_wz_remove_branches(z->wz) == PM_OK);
            } else {
                size_t n = 1 + ((sel >> 3) & 1);
                m_drop_head(&a, n, &sub);
                FZ_CHECK(pm_wz_drop_head(z->wz, n, NULL) == PM_OK);
            }
            model_graft(&s.mm, z->p, z->len, &sub);
            model_free(&a);
            model_free(&sub);
            break;
        }
        case 11: { /* reader: the value at path ‖ k */
            if (!z->live || z->is_write)
                break;
            pm_rz_reset(z->rz);
            size_t at;
            int mh = model_find(&s.mm, full, fl, &at);
            FZ_CHECK(pm_rz_descend(z->rz, k, len) ==
                     (m_exists(&s.mm, full, fl) ? PM_OK : PM_ENOTFOUND));
            FZ_CHECK(pm_rz_val(z->rz, &v) == (mh ? PM_OK : PM_ENOTFOUND));
            if (mh)
                FZ_CHECK(ov_get(v) == s.mm.e[at].v);
            break;
        }
        case 12: { /* change S */
            if (s.ms.n < 200) {
                v = fz_payload(&f);
                model_set(&s.ms, k, len, v, &mold);
                FZ_CHECK(pm_map_set(s.s, k, len, ov_make(v), NULL, NULL) == PM_OK);
            }
            break;
        }
        case 13:
            release_all_check(&s);
            break;
        default: /* writer: the value at its focus */
            if (z->live && z->is_write) {
                size_t at;
                pm_wz_reset(z->wz);
                pm_wz_descend(z->wz, k, len);
                int mh = model_find(&s.mm, full, fl, &at);
                FZ_CHECK(pm_wz_val(z->wz, &v) == (mh ? PM_OK : PM_ENOTFOUND));
                if (mh)
                    FZ_CHECK(ov_get(v) == s.mm.e[at].v);
            }
            break;
        }
    }
    release_all_check(&s);
    FZ_CHECK(pm_zh_free(s.h) == PM_OK);
    fz_check_map(s.s, &s.ms);
    pm_map_free(s.m);
    pm_map_free(s.s);
    model_free(&s.mm);
    model_free(&s.ms);
    fz_end(&run);
    return 0;
}
