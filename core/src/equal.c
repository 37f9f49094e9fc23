/* equal.c — equality of two maps and the structural hash, on the byte trie the maps stand for
 * (node layout never matters). Both walk positions (pm_zpos) with explicit stacks and touch no
 * reference count. The hash of the subtrie below a branch node is cached in the node
 * (node_internal.h, "the cached subtrie hash"). */
#include "morph_internal.h"

/* ---- the hash ----------------------------------------------------------------------------------
 * For a position p with value v (or none) and children c_1 < ... < c_k:
 *   B(p) = B0, then for each child i: B = mix(mix(B ^ (KC + c_i)) + H(p c_i))
 *   H(p) = mix(B(p) ^ (p has a value ? mix(h(v) ^ KV) : KN))
 * h(v) = v, or cmp->hash(v). The map's hash is H(empty path). mix is a bijection of 64-bit words,
 * so with everything else fixed H is a bijection of h(v) and of each child's H: changing one
 * value anywhere always changes the map's hash. B(p) depends only on what is below p, which is
 * what a branch node caches (B of the position the node hangs from). */
#define HK_B0 0x9E3779B97F4A7C15ull
#define HK_C  0x2545F4914F6CDD1Dull
#define HK_V  0xD1B54A32D192ED03ull
#define HK_N  0x8CB92BA72F3D8DD7ull

static inline uint64_t mix(uint64_t x)
{
    x ^= x >> 32;
    x *= 0xD6E8FEB86659FD93ull;
    x ^= x >> 32;
    x *= 0xD6E8FEB86659FD93ull;
    x ^= x >> 32;
    return x;
}
static inline uint64_t h_child(uint64_t b, unsigned byte, uint64_t h)
{
    return mix(mix(b ^ (HK_C + byte)) + h);
}
static inline uint64_t h_top(const pm_zpos *p, uint64_t below, const pm_val_cmp *cmp)
{
    uint64_t v = 0;
    if (p->has_val)
        v = (cmp && cmp->hash) ? cmp->hash(cmp->ctx, p->val) : p->val;
    return mix(below ^ (p->has_val ? mix(v ^ HK_V) : HK_N));
}

/* The node cache holds B for positions at a branch node's boundary, word values only. */
static inline const pm_dense *cache_node(const pm_zpos *p)
{
    return p->off == 0 && p->node && pm_tag(p->node) == PM_TAG_DENSE ? pm_ptr(p->node) : NULL;
}

typedef struct hframe {
    pm_zpos pos;
    uint64_t acc;  /* B so far */
    unsigned next; /* next child byte to look at */
} hframe;

pm_status pm_map_hash(const pm_map *m, const pm_val_cmp *cmp, uint64_t *out)
{
    if (!m || !out)
        return PM_EINVAL;
    int cache = !(cmp && cmp->hash);
    hframe inl[32];
    pm_arr st;
    pm_arr_init(&st, inl, 32);
    size_t n = 0;
    uint64_t h = 0;
    pm_zpos root;
    pm_zpos_root(m, &root);
    const pm_dense *cd = cache ? cache_node(&root) : NULL;
    uint64_t cb = cd ? pm_dense_hash_get(cd) : 0;
    if (cb || !root.node) {
        *out = h_top(&root, cb ? cb : HK_B0, cmp);
        return PM_OK;
    }
    hframe *f = st.v;
    f[0] = (hframe){root, HK_B0, 0};
    n = 1;
    while (n) {
        f = (hframe *)st.v + n - 1;
        unsigned b = pm_pos_next(&f->pos, f->next);
        if (b < 256) {
            f->next = b + 1;
            pm_zpos c;
            pm_zpos_step(&f->pos, b, &c);
            cd = cache ? cache_node(&c) : NULL;
            cb = cd ? pm_dense_hash_get(cd) : 0;
            if (cb || !c.node) { /* known below, or a leaf */
                f->acc = h_child(f->acc, b, h_top(&c, cb ? cb : HK_B0, cmp));
                continue;
            }
            if (pm_arr_reserve(&st, n + 1, sizeof(hframe))) {
                pm_arr_fini(&st);
                return PM_ENOMEM;
            }
            ((hframe *)st.v)[n++] = (hframe){c, HK_B0, 0};
            continue;
        }
        /* every child folded in: f->acc is B(f->pos) */
        cd = cache ? cache_node(&f->pos) : NULL;
        if (cd && f->acc)
            pm_dense_hash_put(cd, f->acc);
        h = h_top(&f->pos, f->acc, cmp);
        if (--n) {
            hframe *p = (hframe *)st.v + n - 1;
            p->acc = h_child(p->acc, p->next - 1, h);
        }
    }
    pm_arr_fini(&st);
    *out = h;
    return PM_OK;
}

/* ---- equality ----------------------------------------------------------------------------------
 */
typedef struct epair {
    pm_zpos a, b;
} epair;

static inline int val_eq(const pm_val_cmp *cmp, uint64_t a, uint64_t b)
{
    return (cmp && cmp->eq) ? cmp->eq(cmp->ctx, a, b) : a == b;
}

pm_status pm_map_equal(const pm_map *a, const pm_map *b, const pm_val_cmp *cmp, bool *out)
{
    if (!a || !b || !out)
        return PM_EINVAL;
    int words = !(cmp && cmp->eq);
    epair inl[16];
    pm_arr st;
    pm_arr_init(&st, inl, 16);
    epair *s = st.v;
    pm_zpos_root(a, &s[0].a);
    pm_zpos_root(b, &s[0].b);
    size_t n = 1;
    bool eq = true;
    while (n && eq) {
        epair e = ((epair *)st.v)[--n];
        if (e.a.has_val != e.b.has_val || (e.a.has_val && !val_eq(cmp, e.a.val, e.b.val))) {
            eq = false;
            break;
        }
        if (pm_zpos_same_below(&e.a, &e.b))
            continue; /* the same nodes below: equal without looking */
        if (words) {
            const pm_dense *da = cache_node(&e.a), *db = cache_node(&e.b);
            uint64_t ha = da ? pm_dense_hash_get(da) : 0, hb = db ? pm_dense_hash_get(db) : 0;
            if (ha && hb && ha != hb) {
                eq = false;
                break;
            }
        }
        uint64_t ma[4], mb[4];
        pm_zpos_mask(&e.a, ma);
        pm_zpos_mask(&e.b, mb);
        if (memcmp(ma, mb, sizeof ma) != 0) {
            eq = false;
            break;
        }
        unsigned k = 0;
        for (unsigned i = 0; i < 4; i++)
            k += (unsigned)__builtin_popcountll(ma[i]);
        if (pm_arr_reserve(&st, n + k, sizeof(epair))) {
            pm_arr_fini(&st);
            return PM_ENOMEM;
        }
        s = st.v;
        for (unsigned c = pm_next_bit(ma, 0); c < 256; c = pm_next_bit(ma, c + 1)) {
            pm_zpos_step(&e.a, c, &s[n].a);
            pm_zpos_step(&e.b, c, &s[n].b);
            n++;
        }
    }
    pm_arr_fini(&st);
    *out = eq;
    return PM_OK;
}
