/* fuzz_zipper — libFuzzer target: a write zipper on map M and read zippers on a second map S
 * (and on M itself, as a graft source), against the model. Moves (descend, ascend, reset) and
 * every write at the focus: set, remove, remove_branches, graft (from S, from M itself),
 * graft_map, take_map (the taken map may become S), algebra with a read zipper or a map
 * (join, meet, subtract, restrict) and drop_head. Both value modes (fuzz.h). */
#include "fuzz.h"
#include "pathmap_zipper.h"

#define PMAX 400

typedef struct st {
    pm_map *m, *s;
    model mm, ms;
    pm_wz *wz;
    uint8_t p[PMAX]; /* origin ‖ focus path */
    size_t olen, plen;
} st;

static void open_wz(st *s, const uint8_t *o, size_t olen)
{
    FZ_CHECK(pm_wz_new(s->m, o, olen, &s->wz) == PM_OK);
    if (olen)
        memcpy(s->p, o, olen);
    s->olen = s->plen = olen;
}

/* The focus against the model: exists, value, child mask, value count. */
static void check_focus(st *s)
{
    size_t lo, hi, n = 0, at;
    uint64_t v, mask[4], mmask[4];
    FZ_CHECK(pm_wz_exists(s->wz) == m_exists(&s->mm, s->p, s->plen));
    int mh = model_find(&s->mm, s->p, s->plen, &at);
    FZ_CHECK(pm_wz_val(s->wz, &v) == (mh ? PM_OK : PM_ENOTFOUND));
    if (mh)
        FZ_CHECK(ov_get(v) == s->mm.e[at].v);
    pm_wz_child_mask(s->wz, mask);
    m_mask(&s->mm, s->p, s->plen, mmask);
    FZ_CHECK(!memcmp(mask, mmask, sizeof mask));
    model_range(&s->mm, s->p, s->plen, &lo, &hi);
    FZ_CHECK(pm_wz_val_count(s->wz, &n) == PM_OK && n == hi - lo);
}

/* model: everything at and below the focus := sub (consumed). */
static void m_set_focus(st *s, model *sub)
{
    model_graft(&s->mm, s->p, s->plen, sub);
    model_free(sub);
}

static void m_focus(st *s, model *out)
{
    model_extract(out, &s->mm, s->p, s->plen, 1);
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
    open_wz(&s, NULL, 0);
    uint8_t k[FZ_KEYMAX];
    size_t steps = 0;
    while (f.n && steps++ < 400) {
        uint8_t op = fz_byte(&f), sel = fz_byte(&f);
        size_t len = fz_key(&f, k);
        uint64_t old, mold;
        bool had;
        model sub, a, b;
        pm_rz *rz;
        switch (op % 20) {
        case 0: /* reopen at another origin (the map checked in between) */
            FZ_CHECK(pm_wz_free(s.wz) == PM_OK);
            fz_check_map(s.m, &s.mm);
            open_wz(&s, k, len);
            break;
        case 1:
        case 2: /* descend */
            if (s.plen + len > PMAX)
                break;
            memcpy(s.p + s.plen, k, len);
            s.plen += len;
            FZ_CHECK(pm_wz_descend(s.wz, k, len) ==
                     (m_exists(&s.mm, s.p, s.plen) ? PM_OK : PM_ENOTFOUND));
            break;
        case 3: { /* ascend */
            size_t n = sel & 7, fl = s.plen - s.olen;
            FZ_CHECK(pm_wz_ascend(s.wz, n) == (n <= fl));
            s.plen -= n <= fl ? n : fl;
            break;
        }
        case 4:
            pm_wz_reset(s.wz);
            s.plen = s.olen;
            break;
        case 5:
        case 6: { /* set_val */
            uint64_t v = fz_payload(&f);
            int mh = model_set(&s.mm, s.p, s.plen, v, &mold);
            FZ_CHECK(pm_wz_set_val(s.wz, ov_make(v), &old, &had) == PM_OK && had == mh);
            if (mh) {
                FZ_CHECK(ov_get(old) == mold);
                ov_release(old);
            }
            break;
        }
        case 7: { /* remove_val */
            int mh = model_remove(&s.mm, s.p, s.plen, &mold);
            FZ_CHECK(pm_wz_remove_val(s.wz, NULL) == (mh ? PM_OK : PM_ENOTFOUND));
            break;
        }
        case 8: { /* remove_branches: the focus value stays */
            size_t at;
            int mh = model_find(&s.mm, s.p, s.plen, &at);
            uint64_t v = mh ? s.mm.e[at].v : 0;
            model_remove_prefix(&s.mm, s.p, s.plen);
            if (mh)
                model_set(&s.mm, s.p, s.plen, v, &mold);
            FZ_CHECK(pm_wz_remove_branches(s.wz) == PM_OK);
            break;
        }
        case 9:
        case 10: { /* graft from a read zipper on S, or on M itself */
            int self = op % 20 == 10;
            const model *src = self ? &s.mm : &s.ms;
            model_extract(&sub, src, k, len, 1);
            if (fz_longest(&sub) + s.plen > FZ_LONGEST || s.mm.n + sub.n > 600) {
                model_free(&sub);
                break;
            }
            FZ_CHECK(pm_rz_new(self ? s.m : s.s, k, len, &rz) == PM_OK);
            FZ_CHECK(pm_wz_graft(s.wz, rz) == PM_OK);
            pm_rz_free(rz);
            m_set_focus(&s, &sub);
            break;
        }
        case 11: /* graft_map S */
            if (fz_longest(&s.ms) + s.plen > FZ_LONGEST || s.mm.n + s.ms.n > 600)
                break;
            model_copy(&sub, &s.ms);
            FZ_CHECK(pm_wz_graft_map(s.wz, s.s) == PM_OK);
            m_set_focus(&s, &sub);
            break;
        case 12: { /* take_map: the taken map becomes S, or is freed */
            pm_map *t;
            m_focus(&s, &sub);
            FZ_CHECK(pm_wz_take_map(s.wz, &t) == PM_OK);
            fz_check_map(t, &sub);
            model_remove_prefix(&s.mm, s.p, s.plen);
            if (sel & 1) {
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
        case 13:
        case 14:
        case 15: { /* algebra at the focus with a read zipper on S, or with S itself */
            pm_alg_op aop = (pm_alg_op)(sel & 3);
            int whole = op % 20 == 15;
            if (whole)
                model_copy(&b, &s.ms);
            else
                model_extract(&b, &s.ms, k, len, 1);
            if (fz_longest(&b) + s.plen > FZ_LONGEST || s.mm.n + b.n > 600) {
                model_free(&b);
                break;
            }
            m_focus(&s, &a);
            m_alg((int)aop, &a, &b, &sub);
            pm_alg res;
            if (whole) {
                FZ_CHECK(pm_wz_alg_map(s.wz, aop, s.s, &res) == PM_OK);
            } else {
                FZ_CHECK(pm_rz_new(s.s, k, len, &rz) == PM_OK);
                FZ_CHECK(pm_wz_alg(s.wz, aop, rz, &res) == PM_OK);
                pm_rz_free(rz);
            }
            FZ_CHECK((res == PM_ALG_NONE) == (sub.n == 0));
            model_free(&a);
            model_free(&b);
            m_set_focus(&s, &sub);
            break;
        }
        case 16: { /* drop_head */
            size_t n = sel & 3;
            m_focus(&s, &a);
            if (n)
                m_drop_head(&a, n, &sub);
            else
                model_copy(&sub, &a);
            model_free(&a);
            FZ_CHECK(pm_wz_drop_head(s.wz, n, NULL) == PM_OK);
            m_set_focus(&s, &sub);
            break;
        }
        case 17: { /* change S (no read zipper on it is live) */
            if (sel & 1) {
                int mh = model_remove(&s.ms, k, len, &mold);
                FZ_CHECK(pm_map_remove(s.s, k, len, NULL) == (mh ? PM_OK : PM_ENOTFOUND));
            } else if (s.ms.n < 300) {
                uint64_t v = fz_payload(&f);
                model_set(&s.ms, k, len, v, &mold);
                FZ_CHECK(pm_map_set(s.s, k, len, ov_make(v), NULL, NULL) == PM_OK);
            }
            break;
        }
        case 18: { /* a read zipper on S: moves against the model */
            FZ_CHECK(pm_rz_new(s.s, k, len, &rz) == PM_OK);
            FZ_CHECK(pm_rz_exists(rz) == m_exists(&s.ms, k, len));
            size_t at;
            int mh = model_find(&s.ms, k, len, &at);
            FZ_CHECK(pm_rz_val(rz, &old) == (mh ? PM_OK : PM_ENOTFOUND));
            if (mh)
                FZ_CHECK(ov_get(old) == s.ms.e[at].v);
            pm_rz_free(rz);
            break;
        }
        default:
            check_focus(&s);
            break;
        }
    }
    check_focus(&s);
    FZ_CHECK(pm_wz_free(s.wz) == PM_OK);
    fz_check_map(s.m, &s.mm);
    fz_check_map(s.s, &s.ms);
    pm_map_free(s.m);
    pm_map_free(s.s);
    model_free(&s.mm);
    model_free(&s.ms);
    fz_end(&run);
    return 0;
}
