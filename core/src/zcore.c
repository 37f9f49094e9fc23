/* zcore.c — the position stack behind read and write zippers: descend, ascend, siblings, the
 * next value in depth-first pre-order and k-path iteration. One position per path byte, so
 * every move is O(1) per byte, also inside compressed keys. Allocation happens only when the
 * stack or the path buffer grows, and always before anything changes. */
#include "zipper_internal.h"

static int grow(pm_zcore *z, size_t bytes)
{
    size_t need = z->olen + bytes;
    if (need > z->pcap) {
        size_t nc = z->pcap ? z->pcap : 64;
        while (nc < need)
            nc *= 2;
        /* a fresh buffer gets cache lines of its own: zippers are made on one thread and
         * handed to others, so neighbouring buffers would be written by different threads */
        uint8_t *np = z->path ? pm_realloc_aux(z->path, nc) : pm_alloc_aux_line(nc);
        if (!np)
            return -1;
        z->path = np;
        z->pcap = nc;
    }
    if (bytes + 1 > z->scap) {
        size_t nc = z->scap ? z->scap : 16;
        while (nc < bytes + 1)
            nc *= 2;
        pm_zpos *ns =
            z->st ? pm_realloc_aux(z->st, nc * sizeof *ns) : pm_alloc_aux_line(nc * sizeof *ns);
        if (!ns)
            return -1;
        z->st = ns;
        z->scap = nc;
    }
    return 0;
}

int pm_zc_reserve(pm_zcore *z, size_t extra)
{
    return grow(z, z->len + extra);
}

pm_status pm_zc_init(pm_zcore *z, const pm_map *m, const uint8_t *origin, size_t olen)
{
    memset(z, 0, sizeof *z);
    z->map = m;
    z->olen = olen;
    if (grow(z, 16)) {
        pm_zc_fini(z);
        return PM_ENOMEM;
    }
    if (olen)
        memcpy(z->path, origin, olen);
    pm_zc_rebuild(z);
    return PM_OK;
}

pm_status pm_zc_init_pos(pm_zcore *z, const pm_zpos *root)
{
    memset(z, 0, sizeof *z);
    if (grow(z, 16)) {
        pm_zc_fini(z);
        return PM_ENOMEM;
    }
    z->st[0] = *root;
    return PM_OK;
}

void pm_zc_fini(pm_zcore *z)
{
    pm_free_aux(z->path);
    pm_free_aux(z->st);
    z->path = NULL;
    z->st = NULL;
}

void pm_zc_rebuild(pm_zcore *z)
{
    if (!z->map)
        return;
    pm_zpos p;
    pm_zpos_root(z->map, &p);
    for (size_t i = 0; i < z->olen; i++) {
        pm_zpos q;
        pm_zpos_step(&p, z->path[i], &q);
        p = q;
    }
    z->st[0] = p;
    for (size_t i = 0; i < z->len; i++)
        pm_zpos_step(&z->st[i], z->path[z->olen + i], &z->st[i + 1]);
}

static inline void push(pm_zcore *z, unsigned b)
{
    z->path[z->olen + z->len] = (uint8_t)b;
    pm_zpos_step(&z->st[z->len], b, &z->st[z->len + 1]);
    z->len++;
}

pm_status pm_zc_descend(pm_zcore *z, const uint8_t *key, size_t n)
{
    if (!key && n)
        return PM_EINVAL;
    if (pm_zc_reserve(z, n))
        return PM_ENOMEM;
    for (size_t i = 0; i < n; i++)
        push(z, key[i]);
    return pm_zpos_exists(pm_zc_focus(z)) ? PM_OK : PM_ENOTFOUND;
}

bool pm_zc_ascend(pm_zcore *z, size_t n)
{
    if (n > z->len) {
        z->len = 0;
        return false;
    }
    z->len -= n;
    return true;
}

void pm_zc_child_mask(const pm_zcore *z, uint64_t mask[4])
{
    pm_zpos_mask(pm_zc_focus(z), mask);
}

pm_status pm_zc_sibling(pm_zcore *z, int next)
{
    if (z->len == 0)
        return PM_ENOTFOUND;
    uint64_t m[4];
    unsigned b = z->path[z->olen + z->len - 1];
    pm_zpos_mask(&z->st[z->len - 1], m);
    unsigned nb = next ? (b < 255 ? pm_next_bit(m, b + 1) : 256) : pm_prev_bit(m, b);
    if (nb >= 256)
        return PM_ENOTFOUND;
    z->len--;
    push(z, nb);
    return PM_OK;
}

static unsigned first_child(const pm_zpos *p)
{
    uint64_t m[4];
    pm_zpos_mask(p, m);
    return pm_next_bit(m, 0);
}

/* Every existing leaf holds a value (there are no empty nodes), so from an existing position
 * with children the first-child chain always reaches a value: the next value is found without
 * backtracking below the point where the walk turns. Phase 1 finds it read-only and measures
 * the depth; the stack is grown; phase 2 moves. */
pm_status pm_zc_next_val(pm_zcore *z)
{
    size_t base;
    unsigned sib = 256;
    pm_zpos p;
    if (first_child(pm_zc_focus(z)) < 256) {
        base = z->len;
        p = *pm_zc_focus(z);
    } else {
        size_t k = z->len;
        for (;;) {
            if (k == 0) {
                z->len = 0;
                return PM_ENOTFOUND;
            }
            uint64_t m[4];
            unsigned b = z->path[z->olen + k - 1];
            pm_zpos_mask(&z->st[k - 1], m);
            sib = b < 255 ? pm_next_bit(m, b + 1) : 256;
            if (sib < 256)
                break;
            k--;
        }
        base = k - 1;
        pm_zpos_step(&z->st[base], sib, &p);
    }
    /* depth of the value below p (p itself when we moved to a sibling holding a value) */
    size_t extra = sib < 256 ? 1 : 0;
    if (!(sib < 256 && p.has_val)) {
        for (;;) {
            pm_zpos q;
            pm_zpos_step(&p, first_child(&p), &q);
            p = q;
            extra++;
            if (p.has_val)
                break;
        }
    }
    if (base + extra > z->len && grow(z, base + extra))
        return PM_ENOMEM;
    z->len = base;
    push(z, sib < 256 ? sib : first_child(pm_zc_focus(z)));
    while (!pm_zc_focus(z)->has_val)
        push(z, first_child(pm_zc_focus(z)));
    return PM_OK;
}

pm_status pm_zc_k_path(pm_zcore *z, size_t k, int first)
{
    size_t base, target;
    if (first) {
        if (pm_zc_reserve(z, k))
            return PM_ENOMEM;
        base = z->len;
        if (k == 0)
            return pm_zpos_exists(pm_zc_focus(z)) ? PM_OK : PM_ENOTFOUND;
    } else {
        if (k > z->len)
            return PM_EINVAL;
        if (k == 0)
            return PM_ENOTFOUND;
        base = z->len - k;
    }
    target = base + k;
    int backtrack = !first;
    for (;;) {
        if (!backtrack) {
            if (z->len == target)
                return PM_OK;
            unsigned b = first_child(pm_zc_focus(z));
            if (b < 256) {
                push(z, b);
                continue;
            }
        }
        backtrack = 0;
        /* dead end (or asked for the next path): the next sibling at the deepest level */
        for (;;) {
            if (z->len == base)
                return PM_ENOTFOUND;
            uint64_t m[4];
            unsigned b = z->path[z->olen + z->len - 1];
            pm_zpos_mask(&z->st[z->len - 1], m);
            unsigned nb = b < 255 ? pm_next_bit(m, b + 1) : 256;
            z->len--;
            if (nb < 256) {
                push(z, nb);
                break;
            }
        }
    }
}
