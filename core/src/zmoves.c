/* zmoves.c — the richer zipper moves (issue 18): descend_until, ascend_until(_branch),
 * to_next_step, descend_first_byte / descend_indexed_branch, fork, and the write zipper's
 * insert_prefix / remove_prefix.
 *
 * The moves are zmoves_tmpl.h over the zippers' position stack (pm_zcore): a read zipper's moves
 * touch no reference count and allocate only when the stack grows. A write zipper first rebuilds a
 * stale stack (after a write), as its other moves do.
 *
 * ZipperHead: a zipper cannot ascend above its origin, and a head's zipper has its origin at the
 * path it was registered on, so none of these moves leaves that path; insert_prefix writes below
 * the focus only, and remove_prefix at most up to the origin (a larger n is refused with
 * PM_ECONFLICT for a head's writer, PM_EINVAL for a plain one). A fork reads what its parent
 * reads (the parent's map, or the private subtrie a head gave it) and so stays inside the
 * parent's registered path. */
#include "zipper_internal.h"

static inline void zc_push(pm_zcore *z, unsigned b)
{
    z->path[z->olen + z->len] = (uint8_t)b;
    pm_zpos_step(&z->st[z->len], b, &z->st[z->len + 1]);
    z->len++;
}

#define ZT_T                pm_zcore
#define ZT_POS              pm_zpos
#define ZT_LEN(z)           ((z)->len)
#define ZT_AT(z, i)         (&(z)->st[i])
#define ZT_BYTE(z, i)       ((z)->path[(z)->olen + (i)])
#define ZT_STEP(z, p, b, q) pm_zpos_step(p, b, q)
#define ZT_MASK(p, m)       pm_zpos_mask(p, m)
#define ZT_HASVAL(p)        ((p)->has_val)
#define ZT_RESERVE(z, n)    pm_zc_reserve(z, n)
#define ZT_PUSH(z, b)       zc_push(z, b)
#include "zmoves_tmpl.h"

static inline void wsync(pm_wz *z)
{
    if (z->dirty) {
        pm_zc_rebuild(&z->c);
        z->dirty = 0;
    }
}

/* ---- read zipper ----------------------------------------------------------------------------- */
pm_status pm_rz_descend_until(pm_rz *z)
{
    return zt_descend_until(&z->c);
}

bool pm_rz_ascend_until(pm_rz *z)
{
    return zt_ascend_until(&z->c, 0);
}

bool pm_rz_ascend_until_branch(pm_rz *z)
{
    return zt_ascend_until(&z->c, 1);
}

pm_status pm_rz_to_next_step(pm_rz *z)
{
    return zt_to_next_step(&z->c);
}

pm_status pm_rz_descend_first_byte(pm_rz *z)
{
    return zt_descend_indexed(&z->c, 0);
}

pm_status pm_rz_descend_indexed_branch(pm_rz *z, unsigned idx)
{
    return zt_descend_indexed(&z->c, idx);
}

/* A new read zipper whose origin is the position f: it shares what f points into (no count). */
static pm_status fork_at(const pm_zpos *f, pm_rz **out)
{
    if (!out)
        return PM_EINVAL;
    pm_rz *r = pm_alloc_aux_line(sizeof *r);
    if (!r)
        return PM_ENOMEM;
    memset(r, 0, sizeof *r);
    if (pm_zc_init_pos(&r->c, f)) {
        pm_free_aux(r);
        return PM_ENOMEM;
    }
    *out = r;
    return PM_OK;
}

pm_status pm_rz_fork(const pm_rz *z, pm_rz **out)
{
    if (!z)
        return PM_EINVAL;
    return fork_at(pm_zc_focus(&z->c), out);
}

/* ---- write zipper: moves --------------------------------------------------------------------- */
pm_status pm_wz_descend_until(pm_wz *z)
{
    wsync(z);
    return zt_descend_until(&z->c);
}

bool pm_wz_ascend_until(pm_wz *z)
{
    wsync(z);
    return zt_ascend_until(&z->c, 0);
}

bool pm_wz_ascend_until_branch(pm_wz *z)
{
    wsync(z);
    return zt_ascend_until(&z->c, 1);
}

pm_status pm_wz_to_next_step(pm_wz *z)
{
    wsync(z);
    return zt_to_next_step(&z->c);
}

pm_status pm_wz_descend_first_byte(pm_wz *z)
{
    wsync(z);
    return zt_descend_indexed(&z->c, 0);
}

pm_status pm_wz_descend_indexed_branch(pm_wz *z, unsigned idx)
{
    wsync(z);
    return zt_descend_indexed(&z->c, idx);
}

pm_status pm_wz_fork(pm_wz *z, pm_rz **out)
{
    if (!z)
        return PM_EINVAL;
    wsync(z);
    return fork_at(pm_zc_focus(&z->c), out);
}

/* ---- write zipper: insert_prefix / remove_prefix --------------------------------------------- */

/* A map handle on the stack (never freed as memory: in_slot), empty, with z's hooks. */
static void temp_map(pm_map *t, const pm_wz *z)
{
    pm_map_copy_head(t, z->target);
    t->root = 0;
    t->has_root_val = 0;
    t->root_val = 0;
    t->in_slot = 1;
}

static pm_status edit_at(pm_wz *z, size_t abslen, pm_op *op)
{
    pm_status s = pm_edit(z->target, z->c.path, abslen, op);
    if (s == PM_OK)
        z->dirty = 1;
    return s;
}

/* Every path focus‖k (k non-empty) becomes focus‖prefix‖k; the focus value stays; the focus does
 * not move. Two engine edits: the first builds prefix → (the subtrie below the focus) in a
 * private handle, the second grafts it at the focus; the map changes only in the second. */
pm_status pm_wz_insert_prefix(pm_wz *z, const uint8_t *prefix, size_t len)
{
    if (!z || (!prefix && len) || len > PM_MAX_KEY)
        return PM_EINVAL;
    if (len == 0)
        return PM_OK;
    wsync(z);
    pm_zpos f = *pm_zc_focus(&z->c);
    if (!f.node)
        return PM_ENOTFOUND;
    const pm_val_ops *ops = pm_map_ops(z->target);
    void *blk = NULL;
    if (pm_zpos_needs_block(&f) && !(blk = pm_alloc_node(sizeof(pm_line))))
        return PM_ENOMEM;
    pm_map t;
    temp_map(&t, z);
    pm_link below = pm_zpos_take(&f, blk, ops);
    pm_op op = {.kind = PM_OP_GRAFT, .g_link = below};
    pm_status s = pm_edit(&t, prefix, len, &op);
    if (s) {
        pm_release(below, ops);
        return s;
    }
    /* the focus keeps its value: the engine stores a clone and drops the old one */
    pm_op g = {.kind = PM_OP_GRAFT, .g_has_val = f.has_val, .g_val = f.val, .g_link = t.root};
    s = edit_at(z, z->c.olen + z->c.len, &g);
    if (s) {
        pm_map_free(&t);
        return s;
    }
    return PM_OK;
}

/* With A the path n bytes above the focus P: every path P‖k (k may be empty) becomes A‖k, joined
 * into what A holds once everything at and below P has left it (existing content is the join's
 * left operand). The focus moves to A. Built privately (A's subtrie minus P, joined with P's
 * subtrie), then one graft at A. */
pm_status pm_wz_remove_prefix(pm_wz *z, size_t n)
{
    if (!z)
        return PM_EINVAL;
    if (n > z->c.len)
        return z->he.head ? PM_ECONFLICT : PM_EINVAL;
    if (n == 0)
        return PM_OK;
    wsync(z);
    const pm_val_ops *ops = pm_map_ops(z->target);
    size_t alen = z->c.olen + z->c.len - n;
    pm_zpos a = z->c.st[z->c.len - n], p = *pm_zc_focus(&z->c);
    if (!pm_zpos_exists(&p)) { /* nothing to move */
        z->c.len -= n;
        return PM_OK;
    }
    /* r := A's subtrie (counted) with its value borrowed (never dropped through r) */
    void *blk = NULL;
    if (pm_zpos_needs_block(&a) && !(blk = pm_alloc_node(sizeof(pm_line))))
        return PM_ENOMEM;
    pm_map r;
    temp_map(&r, z);
    r.root = pm_zpos_take(&a, blk, ops);
    r.has_root_val = a.has_val;
    r.root_val = a.val;
    pm_op cut = {.kind = PM_OP_GRAFT}; /* removes everything at and below A‖X in r */
    pm_status s = pm_edit(&r, z->c.path + alen, n, &cut);
    pm_subtrie j = {.ident = 0};
    if (s == PM_OK) {
        pm_zpos ra;
        pm_zpos_root(&r, &ra);
        s = pm_alg_pos(PM_JOIN, ops, &ra, &p, &j);
    }
    pm_op g = {.kind = PM_OP_GRAFT};
    if (s == PM_OK) {
        if (j.ident == 0) { /* r itself: its root reference moves, its value is cloned */
            g.g_has_val = r.has_root_val;
            g.g_val = r.root_val;
            g.g_link = r.root;
        } else if (j.ident == 1) { /* P's subtrie unchanged */
            void *pb = NULL;
            if (pm_zpos_needs_block(&p) && !(pb = pm_alloc_node(sizeof(pm_line)))) {
                s = PM_ENOMEM;
            } else {
                g.g_has_val = p.has_val;
                g.g_val = p.val;
                g.g_link = pm_zpos_take(&p, pb, ops);
            }
        } else { /* a new subtrie: ours, value included */
            g.g_has_val = j.has_val;
            g.g_val = j.val;
            g.g_move = 1;
            g.g_link = j.link;
        }
    }
    if (s == PM_OK) {
        s = edit_at(z, alen, &g);
        if (s == PM_OK && j.ident == 0)
            r.root = 0;
        else if (s && j.ident == 1)
            pm_release(g.g_link, ops);
        else if (s && j.ident < 0)
            pm_subtrie_release(&j, ops);
    }
    r.has_root_val = 0; /* borrowed */
    pm_map_free(&r);
    if (s == PM_OK)
        z->c.len -= n;
    return s;
}
