/* wzipper.c — the write zipper: a position stack over its target map plus writes at the focus.
 *
 * Every write is one call of the mutation engine (pm_edit) on the target at origin + focus path,
 * so copy-on-write, pruning and all-or-nothing failure are the engine's. A write marks the
 * position stack stale; it is rebuilt (O(depth), no allocation) before the next read or move. */
#include "zipper_internal.h"

static int bad_key(const uint8_t *key, size_t len)
{
    return (!key && len) || len > PM_MAX_KEY;
}

static inline void sync_(pm_wz *z)
{
    if (z->dirty) {
        pm_zc_rebuild(&z->c);
        z->dirty = 0;
    }
}

static inline const pm_val_ops *ops_(const pm_wz *z)
{
    return pm_map_ops(z->target);
}

pm_status pm_wz_new(pm_map *m, const uint8_t *path, size_t len, pm_wz **out)
{
    if (!m || !out || bad_key(path, len))
        return PM_EINVAL;
    pm_wz *z = pm_alloc_aux_line(sizeof *z);
    if (!z)
        return PM_ENOMEM;
    memset(z, 0, sizeof *z);
    if (pm_zc_init(&z->c, m, path, len)) {
        pm_free_aux(z);
        return PM_ENOMEM;
    }
    z->target = m;
    *out = z;
    return PM_OK;
}

pm_status pm_wz_free(pm_wz *z)
{
    if (!z)
        return PM_OK;
    if (z->he.head)
        return pm_zh_release_wz(z->he.head, z);
    pm_zc_fini(&z->c);
    pm_free_aux(z);
    return PM_OK;
}

/* ---- moves and inspection ------------------------------------------------------------------- */
pm_status pm_wz_descend(pm_wz *z, const uint8_t *key, size_t len)
{
    sync_(z);
    return pm_zc_descend(&z->c, key, len);
}

pm_status pm_wz_descend_byte(pm_wz *z, uint8_t b)
{
    return pm_wz_descend(z, &b, 1);
}

bool pm_wz_ascend(pm_wz *z, size_t n)
{
    return pm_zc_ascend(&z->c, n);
}

void pm_wz_reset(pm_wz *z)
{
    z->c.len = 0;
}

const uint8_t *pm_wz_path(const pm_wz *z, size_t *len)
{
    if (len)
        *len = z->c.len;
    return z->c.path + z->c.olen;
}

bool pm_wz_exists(pm_wz *z)
{
    sync_(z);
    return pm_zpos_exists(pm_zc_focus(&z->c));
}

pm_status pm_wz_val(pm_wz *z, uint64_t *out)
{
    sync_(z);
    const pm_zpos *f = pm_zc_focus(&z->c);
    if (!f->has_val)
        return PM_ENOTFOUND;
    if (out)
        *out = f->val;
    return PM_OK;
}

void pm_wz_child_mask(pm_wz *z, uint64_t mask[4])
{
    sync_(z);
    pm_zc_child_mask(&z->c, mask);
}

unsigned pm_wz_child_count(pm_wz *z)
{
    uint64_t m[4];
    pm_wz_child_mask(z, m);
    return (unsigned)(__builtin_popcountll(m[0]) + __builtin_popcountll(m[1]) +
                      __builtin_popcountll(m[2]) + __builtin_popcountll(m[3]));
}

pm_status pm_wz_next_sibling(pm_wz *z)
{
    sync_(z);
    return pm_zc_sibling(&z->c, 1);
}

pm_status pm_wz_prev_sibling(pm_wz *z)
{
    sync_(z);
    return pm_zc_sibling(&z->c, 0);
}

pm_status pm_wz_next_val(pm_wz *z)
{
    sync_(z);
    return pm_zc_next_val(&z->c);
}

pm_status pm_wz_first_k_path(pm_wz *z, size_t k)
{
    sync_(z);
    return pm_zc_k_path(&z->c, k, 1);
}

pm_status pm_wz_next_k_path(pm_wz *z, size_t k)
{
    sync_(z);
    return pm_zc_k_path(&z->c, k, 0);
}

pm_status pm_wz_val_count(pm_wz *z, size_t *out)
{
    if (!out)
        return PM_EINVAL;
    sync_(z);
    return pm_zpos_count(pm_zc_focus(&z->c), out);
}

/* ---- writes ---------------------------------------------------------------------------------- */
static pm_status edit(pm_wz *z, pm_op *op)
{
    pm_status s = pm_edit(z->target, z->c.path, z->c.olen + z->c.len, op);
    if (s == PM_OK)
        z->dirty = 1;
    return s;
}

/* Replaces the focus value and subtrie by (has_val ? val : none, link); link is a counted
 * reference given to the map (released on failure), val is cloned. */
static pm_status graft(pm_wz *z, int has_val, uint64_t val, pm_link link)
{
    pm_op op = {.kind = PM_OP_GRAFT, .g_has_val = has_val, .g_val = val, .g_link = link};
    pm_status s = edit(z, &op);
    if (s && link)
        pm_release(link, ops_(z));
    return s;
}

static pm_status graft_pos(pm_wz *z, const pm_zpos *p)
{
    void *blk = NULL;
    if (pm_zpos_needs_block(p) && !(blk = pm_alloc_node(sizeof(pm_line))))
        return PM_ENOMEM;
    return graft(z, p->has_val, p->val, pm_zpos_take(p, blk, ops_(z)));
}

pm_status pm_wz_set_val(pm_wz *z, uint64_t val, uint64_t *old, bool *had_old)
{
    pm_op op = {.kind = PM_OP_SET, .val = val};
    pm_status s = edit(z, &op);
    if (s)
        return s;
    if (had_old)
        *had_old = op.had_old;
    if (op.had_old) {
        if (old)
            *old = op.old;
        else
            pm_val_drop(ops_(z), op.old);
    }
    return PM_OK;
}

pm_status pm_wz_remove_val(pm_wz *z, uint64_t *old)
{
    pm_op op = {.kind = PM_OP_REMOVE_VAL};
    pm_status s = edit(z, &op);
    if (s)
        return s;
    if (old)
        *old = op.old;
    else
        pm_val_drop(ops_(z), op.old);
    return PM_OK;
}

pm_status pm_wz_remove_branches(pm_wz *z)
{
    sync_(z);
    const pm_zpos *f = pm_zc_focus(&z->c);
    if (!f->node)
        return PM_OK;
    return graft(z, f->has_val, f->val, 0);
}

pm_status pm_wz_graft(pm_wz *z, const pm_rz *src)
{
    if (!src)
        return PM_EINVAL;
    pm_zpos p = *pm_zc_focus(&src->c);
    return graft_pos(z, &p);
}

pm_status pm_wz_graft_map(pm_wz *z, const pm_map *src)
{
    if (!src)
        return PM_EINVAL;
    if (src->root)
        pm_ref(src->root);
    return graft(z, src->has_root_val, src->root_val, src->root);
}

pm_status pm_wz_take_map(pm_wz *z, pm_map **out)
{
    if (!out)
        return PM_EINVAL;
    sync_(z);
    pm_zpos f = *pm_zc_focus(&z->c);
    pm_map *r = pm_alloc_aux(sizeof *r);
    if (!r)
        return PM_ENOMEM;
    void *blk = NULL;
    if (pm_zpos_needs_block(&f) && !(blk = pm_alloc_node(sizeof(pm_line)))) {
        pm_free_aux(r);
        return PM_ENOMEM;
    }
    pm_map_copy_head(r, z->target);
    r->root = pm_zpos_take(&f, blk, ops_(z));
    r->has_root_val = f.has_val;
    r->root_val = f.has_val ? pm_val_clone(ops_(z), f.val) : 0;
    pm_status s = pm_zpos_exists(&f) ? graft(z, 0, 0, 0) : PM_OK;
    if (s) {
        pm_map_free(r);
        return s;
    }
    *out = r;
    return PM_OK;
}

static pm_alg report_new(const pm_subtrie *s)
{
    return s->link || s->has_val ? PM_ALG_ELEMENT : PM_ALG_NONE;
}

static pm_status alg_pos(pm_wz *z, pm_alg_op op, const pm_zpos *b, pm_alg *res)
{
    if ((unsigned)op > PM_RESTRICT)
        return PM_EINVAL;
    sync_(z);
    pm_zpos a = *pm_zc_focus(&z->c);
    pm_subtrie s;
    pm_status st = pm_alg_pos(op, ops_(z), &a, b, &s);
    if (st)
        return st;
    pm_alg r;
    if (s.ident == 0) {
        r = pm_zpos_exists(&a) ? PM_ALG_IDENTITY : PM_ALG_NONE;
    } else if (s.ident == 1) {
        r = pm_zpos_exists(b) ? PM_ALG_IDENTITY : PM_ALG_NONE;
        st = graft_pos(z, b);
    } else {
        r = report_new(&s);
        pm_op gop = {.kind = PM_OP_GRAFT,
                     .g_has_val = s.has_val,
                     .g_val = s.val,
                     .g_move = 1, /* the result's value is ours: moved into the map */
                     .g_link = s.link};
        st = edit(z, &gop);
        if (st)
            pm_subtrie_release(&s, ops_(z));
    }
    if (st == PM_OK && res)
        *res = r;
    return st;
}

pm_status pm_wz_alg(pm_wz *z, pm_alg_op op, const pm_rz *src, pm_alg *res)
{
    if (!src)
        return PM_EINVAL;
    pm_zpos b = *pm_zc_focus(&src->c);
    return alg_pos(z, op, &b, res);
}

pm_status pm_wz_alg_map(pm_wz *z, pm_alg_op op, const pm_map *src, pm_alg *res)
{
    if (!src)
        return PM_EINVAL;
    pm_zpos b;
    pm_zpos_root(src, &b);
    return alg_pos(z, op, &b, res);
}

pm_status pm_wz_drop_head(pm_wz *z, size_t n, pm_alg *res)
{
    sync_(z);
    pm_zpos a = *pm_zc_focus(&z->c);
    if (n == 0 || !a.node) {
        if (n && a.node == 0 && res)
            *res = a.has_val ? PM_ALG_IDENTITY : PM_ALG_NONE;
        else if (res)
            *res = pm_zpos_exists(&a) ? PM_ALG_IDENTITY : PM_ALG_NONE;
        return PM_OK;
    }
    pm_subtrie s;
    pm_status st = pm_drop_head_pos(ops_(z), &a, n, &s);
    if (st)
        return st;
    st = graft(z, a.has_val, a.val, s.link);
    if (st == PM_OK && res)
        *res = s.link || a.has_val ? PM_ALG_ELEMENT : PM_ALG_NONE;
    return st;
}
