/* fuzz_map — libFuzzer target: the map API and the algebra against the sorted-array model.
 * Three maps (each with its model); opcodes set, remove, get/contains/count, remove_prefix,
 * copy_prefix, subtrie, graft (also of a map into itself), clone, clone_at, alg and alg_into
 * (join, meet, subtract, restrict) and drop_head. Both value modes (fuzz.h). */
#include "fuzz.h"

#define NM 3

typedef struct st {
    pm_map *m[NM];
    model md[NM];
    pm_map_slot slot;
    int slot_used; /* m[NM-1] lives in slot */
} st;

static void replace(st *s, unsigned i, pm_map *nm, model *nmd)
{
    if (s->slot_used && i == NM - 1)
        s->slot_used = 0; /* pm_map_free leaves the slot's memory alone */
    pm_map_free(s->m[i]);
    model_free(&s->md[i]);
    s->m[i] = nm;
    s->md[i] = *nmd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz f = {data, size};
    fz_run run;
    fz_begin(&f, &run);
    st s;
    memset(&s, 0, sizeof s);
    for (unsigned i = 0; i < NM; i++)
        FZ_CHECK(pm_map_new(ov_ops(), &s.m[i]) == PM_OK);
    uint8_t k[FZ_KEYMAX];
    size_t steps = 0;
    while (f.n && steps++ < 400) {
        uint8_t op = fz_byte(&f);
        uint8_t sel = fz_byte(&f);
        unsigned a = sel % NM, b = (sel / NM) % NM, c = (sel / 9) % NM;
        pm_map *ma = s.m[a];
        model *mda = &s.md[a];
        size_t len = fz_key(&f, k);
        uint64_t old, mold;
        bool had;
        size_t at, lo, hi, n;
        switch (op % 16) {
        case 0:
        case 1: { /* set */
            if (mda->n > 400)
                break;
            uint64_t v = fz_payload(&f);
            int mh = model_set(mda, k, len, v, &mold);
            FZ_CHECK(pm_map_set(ma, k, len, ov_make(v), &old, &had) == PM_OK);
            FZ_CHECK(had == mh);
            if (mh) {
                FZ_CHECK(ov_get(old) == mold);
                ov_release(old);
            }
            break;
        }
        case 2: { /* remove (value handed back, or dropped by the map) */
            int mh = model_remove(mda, k, len, &mold);
            if (sel & 0x80) {
                FZ_CHECK(pm_map_remove(ma, k, len, NULL) == (mh ? PM_OK : PM_ENOTFOUND));
            } else {
                FZ_CHECK(pm_map_remove(ma, k, len, &old) == (mh ? PM_OK : PM_ENOTFOUND));
                if (mh) {
                    FZ_CHECK(ov_get(old) == mold);
                    ov_release(old);
                }
            }
            break;
        }
        case 3: { /* reads */
            int mh = model_find(mda, k, len, &at);
            FZ_CHECK(pm_map_get(ma, k, len, &old) == (mh ? PM_OK : PM_ENOTFOUND));
            if (mh)
                FZ_CHECK(ov_get(old) == mda->e[at].v);
            FZ_CHECK(pm_map_contains(ma, k, len) == mh);
            model_range(mda, k, len, &lo, &hi);
            FZ_CHECK(pm_map_contains_path(ma, k, len) == (lo < hi));
            FZ_CHECK(pm_map_count_prefix(ma, k, len, &n) == PM_OK && n == hi - lo);
            break;
        }
        case 4: { /* remove_prefix */
            size_t mr = model_remove_prefix(mda, k, len);
            FZ_CHECK(pm_map_remove_prefix(ma, k, len, &n) == PM_OK && n == mr);
            break;
        }
        case 5:
        case 6: { /* copy_prefix / subtrie into map b */
            if (b == NM - 1 && s.slot_used)
                break;
            pm_map *r;
            model mr;
            int strip = op % 16 == 6;
            FZ_CHECK((strip ? pm_map_subtrie(ma, k, len, &r)
                            : pm_map_copy_prefix(ma, k, len, &r)) == PM_OK);
            model_extract(&mr, mda, k, len, strip);
            fz_check_map(r, &mr);
            replace(&s, b, r, &mr);
            break;
        }
        case 7:
        case 8: { /* graft map b at k of map a (b == a: a map into itself) */
            if (fz_longest(&s.md[b]) + len > FZ_LONGEST || mda->n + s.md[b].n > 600)
                break;
            model src;
            model_copy(&src, &s.md[b]);
            FZ_CHECK(pm_map_graft(ma, k, len, s.m[b]) == PM_OK);
            model_graft(mda, k, len, &src);
            model_free(&src);
            break;
        }
        case 9: { /* clone a into b (heap handle or caller slot) */
            if (a == b)
                break;
            pm_map *r;
            model mr;
            int into_slot = b == NM - 1 && (sel & 0x80) && !(a == NM - 1 && s.slot_used);
            if (into_slot) { /* the slot may hold b itself: free b first, then reuse it */
                model_copy(&mr, mda);
                pm_map_free(s.m[b]);
                model_free(&s.md[b]);
                FZ_CHECK(pm_map_clone_at(ma, &s.slot, &r) == PM_OK);
                s.m[b] = r;
                s.md[b] = mr;
                s.slot_used = 1;
            } else {
                FZ_CHECK(pm_map_clone(ma, &r) == PM_OK);
                model_copy(&mr, mda);
                replace(&s, b, r, &mr);
            }
            break;
        }
        case 10:
        case 11:
        case 12: { /* alg a OP b into c */
            if (c == NM - 1 && s.slot_used)
                break;
            pm_alg_op aop = (pm_alg_op)((sel >> 6) & 3);
            pm_map *r;
            pm_alg res;
            model mr;
            FZ_CHECK(pm_map_alg(aop, ma, s.m[b], &r, &res) == PM_OK);
            m_alg((int)aop, mda, &s.md[b], &mr);
            fz_check_map(r, &mr);
            FZ_CHECK((res == PM_ALG_NONE) == (mr.n == 0));
            replace(&s, c, r, &mr);
            break;
        }
        case 13: { /* alg_into a := a OP b */
            pm_alg_op aop = (pm_alg_op)((sel >> 6) & 3);
            model mr;
            FZ_CHECK(pm_map_alg_into(aop, ma, s.m[b], NULL) == PM_OK);
            m_alg((int)aop, mda, &s.md[b], &mr);
            model_free(mda);
            *mda = mr;
            fz_check_map(ma, mda);
            break;
        }
        case 14: { /* drop_head into c */
            if (c == NM - 1 && s.slot_used)
                break;
            size_t dn = (sel >> 6) + (len & 1);
            pm_map *r;
            model mr;
            FZ_CHECK(pm_map_drop_head(ma, dn, &r, NULL) == PM_OK);
            m_drop_head(mda, dn, &mr);
            if (dn == 0) {
                model_free(&mr);
                model_copy(&mr, mda);
            }
            fz_check_map(r, &mr);
            replace(&s, c, r, &mr);
            break;
        }
        default:
            fz_check_map(ma, mda);
            break;
        }
    }
    for (unsigned i = 0; i < NM; i++) {
        fz_check_map(s.m[i], &s.md[i]);
        pm_map_free(s.m[i]);
        model_free(&s.md[i]);
    }
    fz_end(&run);
    return 0;
}
