/* product.c — the product zipper (pathmap_product.h): a position stack like pm_zcore whose
 * positions also carry the factor they are in. Crossing a product boundary is part of one byte's
 * step (settle below), so every move of zmoves_tmpl.h works unchanged and costs what it costs on
 * a read zipper; ascending just pops. Nothing is built and no reference count is touched. */
#include "pathmap_product.h"
#include "zipper_internal.h"

typedef struct pm_pzpos {
    pm_zpos p;  /* the position in factor f; has_val/val: the product's value there */
    uint32_t f; /* factor index */
} pm_pzpos;

struct pm_pz {
    const pm_map **maps;
    size_t k;
    uint8_t *path;
    size_t pcap, len;
    pm_pzpos *st; /* st[i]: the position after i bytes */
    size_t scap;
};

/* At a leaf of factor f (a value, nothing below) the walk enters factor f+1's root, keeping the
 * leaf's value; it goes on through roots that are leaves themselves (only an empty-key value) and
 * stops at an empty map. */
static void settle(const pm_pz *z, pm_pzpos *o)
{
    while (o->p.node == 0 && o->p.has_val && o->f + 1 < z->k) {
        const pm_map *m = z->maps[++o->f];
        pm_zpos r;
        pm_zpos_root(m, &r);
        o->p.node = r.node;
        o->p.off = 0;
        o->p.slot = 0;
        if (r.node || !r.has_val)
            break;
    }
}

static void pz_step(const pm_pz *z, const pm_pzpos *p, unsigned b, pm_pzpos *o)
{
    pm_zpos_step(&p->p, b, &o->p);
    o->f = p->f;
    settle(z, o);
}

static int pz_reserve(pm_pz *z, size_t extra)
{
    size_t need = z->len + extra;
    if (need < z->len)
        return -1;
    if (need > z->pcap) {
        size_t nc = z->pcap ? z->pcap : 64;
        while (nc < need)
            nc *= 2;
        uint8_t *np = pm_realloc_aux(z->path, nc);
        if (!np)
            return -1;
        z->path = np;
        z->pcap = nc;
    }
    if (need + 1 > z->scap) {
        size_t nc = z->scap ? z->scap : 16;
        while (nc < need + 1)
            nc *= 2;
        pm_pzpos *ns = pm_realloc_aux(z->st, nc * sizeof *ns);
        if (!ns)
            return -1;
        z->st = ns;
        z->scap = nc;
    }
    return 0;
}

static inline void pz_push(pm_pz *z, unsigned b)
{
    z->path[z->len] = (uint8_t)b;
    pz_step(z, &z->st[z->len], b, &z->st[z->len + 1]);
    z->len++;
}

#define ZT_T                pm_pz
#define ZT_POS              pm_pzpos
#define ZT_LEN(z)           ((z)->len)
#define ZT_AT(z, i)         (&(z)->st[i])
#define ZT_BYTE(z, i)       ((z)->path[i])
#define ZT_STEP(z, p, b, q) pz_step(z, p, b, q)
#define ZT_MASK(x, mm)      pm_zpos_mask(&(x)->p, mm)
#define ZT_HASVAL(x)        ((x)->p.has_val)
#define ZT_RESERVE(z, n)    pz_reserve(z, n)
#define ZT_PUSH(z, b)       pz_push(z, b)
#define ZT_WITH_ITER
#include "zmoves_tmpl.h"

pm_status pm_pz_new(const pm_map *const *maps, size_t k, pm_pz **out)
{
    if (!maps || !k || !out || k > UINT32_MAX)
        return PM_EINVAL;
    for (size_t i = 0; i < k; i++)
        if (!maps[i])
            return PM_EINVAL;
    pm_pz *z = pm_alloc_aux_line(sizeof *z);
    if (!z)
        return PM_ENOMEM;
    memset(z, 0, sizeof *z);
    z->maps = pm_alloc_aux(k * sizeof *z->maps);
    if (!z->maps || pz_reserve(z, 16)) {
        pm_pz_free(z);
        return PM_ENOMEM;
    }
    memcpy(z->maps, maps, k * sizeof *maps);
    z->k = k;
    pm_zpos_root(maps[0], &z->st[0].p);
    z->st[0].f = 0;
    settle(z, &z->st[0]);
    *out = z;
    return PM_OK;
}

void pm_pz_free(pm_pz *z)
{
    if (!z)
        return;
    pm_free_aux(z->maps);
    pm_free_aux(z->path);
    pm_free_aux(z->st);
    pm_free_aux(z);
}

size_t pm_pz_factor_count(const pm_pz *z)
{
    return z->k;
}

size_t pm_pz_focus_factor(const pm_pz *z)
{
    return z->st[z->len].f;
}

pm_status pm_pz_factor_start(const pm_pz *z, size_t i, size_t *off)
{
    if (!off)
        return PM_EINVAL;
    if (i >= z->k || z->st[z->len].f < i)
        return PM_ENOTFOUND;
    size_t lo = 0, hi = z->len; /* the first depth whose factor is >= i (factors never drop) */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->st[mid].f >= i)
            hi = mid;
        else
            lo = mid + 1;
    }
    *off = lo;
    return PM_OK;
}

pm_status pm_pz_descend(pm_pz *z, const uint8_t *key, size_t len)
{
    return zt_descend(z, key, len);
}

pm_status pm_pz_descend_byte(pm_pz *z, uint8_t b)
{
    return zt_descend(z, &b, 1);
}

bool pm_pz_ascend(pm_pz *z, size_t n)
{
    if (n > z->len) {
        z->len = 0;
        return false;
    }
    z->len -= n;
    return true;
}

void pm_pz_reset(pm_pz *z)
{
    z->len = 0;
}

const uint8_t *pm_pz_path(const pm_pz *z, size_t *len)
{
    if (len)
        *len = z->len;
    return z->path;
}

bool pm_pz_exists(const pm_pz *z)
{
    return pm_zpos_exists(&z->st[z->len].p);
}

pm_status pm_pz_val(const pm_pz *z, uint64_t *out)
{
    const pm_zpos *f = &z->st[z->len].p;
    if (!f->has_val)
        return PM_ENOTFOUND;
    if (out)
        *out = f->val;
    return PM_OK;
}

void pm_pz_child_mask(const pm_pz *z, uint64_t mask[4])
{
    pm_zpos_mask(&z->st[z->len].p, mask);
}

unsigned pm_pz_child_count(const pm_pz *z)
{
    uint64_t m[4];
    pm_zpos_mask(&z->st[z->len].p, m);
    return zt_popc(m);
}

pm_status pm_pz_next_sibling(pm_pz *z)
{
    return zt_sibling(z, 1);
}

pm_status pm_pz_prev_sibling(pm_pz *z)
{
    return zt_sibling(z, 0);
}

pm_status pm_pz_next_val(pm_pz *z)
{
    return zt_next_val(z);
}

pm_status pm_pz_first_k_path(pm_pz *z, size_t k)
{
    return zt_k_path(z, k, 1);
}

pm_status pm_pz_next_k_path(pm_pz *z, size_t k)
{
    return zt_k_path(z, k, 0);
}

pm_status pm_pz_descend_until(pm_pz *z)
{
    return zt_descend_until(z);
}

bool pm_pz_ascend_until(pm_pz *z)
{
    return zt_ascend_until(z, 0);
}

bool pm_pz_ascend_until_branch(pm_pz *z)
{
    return zt_ascend_until(z, 1);
}

pm_status pm_pz_to_next_step(pm_pz *z)
{
    return zt_to_next_step(z);
}

pm_status pm_pz_descend_first_byte(pm_pz *z)
{
    return zt_descend_indexed(z, 0);
}

pm_status pm_pz_descend_indexed_branch(pm_pz *z, unsigned idx)
{
    return zt_descend_indexed(z, idx);
}
