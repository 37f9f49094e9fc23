/* algebra.c — join, meet, subtract, restrict and drop_head on subtries, for whole maps and for
 * write-zipper foci.
 *
 * One walk over pairs of positions (pm_zpos, so it works inside compressed keys), driven by an
 * explicit stack. It runs twice:
 *   DRY  reads only: decides whether the result is identical to input a or b (stops as soon as
 *        neither is possible). Identity results are returned by pointer: nothing is built.
 *   EDIT builds the result R with the one mutation engine (pm_edit): join/meet/subtract start R
 *        as a counted reference to a (so R's first edit on each path copies it: a is never
 *        written) and graft / set / remove where the inputs differ; restrict starts R empty and
 *        grafts a's subtries at b's value paths.
 * Pointer-equal subtries (same node below both positions) are never walked: join and meet keep
 * them, subtract removes them. Every step that can fail works on R only, so a failure releases
 * R and leaves the inputs unchanged. */
#include "zipper_internal.h"

enum { DRY = 0, EDIT = 1 };

typedef struct aframe {
    pm_zpos a, b;
    size_t depth;
    unsigned byte; /* key[depth - 1] */
} aframe;

typedef struct actx {
    pm_alg_op op;
    const pm_val_ops *ops;
    int mode;
    int ident_a, ident_b;
    pm_map r; /* EDIT: the result; keys relative to the walk's root */
    uint8_t *key;
    size_t kcap;
    aframe *st;
    size_t n, cap;
    aframe st_inl[16]; /* small walks allocate nothing */
    uint8_t key_inl[128];
} actx;

/* Grows an array that starts in inline storage. */
static void *grow_arr(void *v, const void *inl, size_t used, size_t nbytes)
{
    if (v != inl)
        return pm_realloc_aux(v, nbytes);
    void *nv = pm_alloc_aux(nbytes);
    if (nv && used)
        memcpy(nv, v, used);
    return nv;
}

static pm_alg val_op(const actx *c, uint64_t a, uint64_t b, uint64_t *out)
{
    const pm_val_ops *o = c->ops;
    switch (c->op) {
    case PM_JOIN:
        return o && o->join ? o->join(o->ctx, a, b, out) : PM_ALG_IDENTITY;
    case PM_MEET:
        return o && o->meet ? o->meet(o->ctx, a, b, out) : PM_ALG_IDENTITY;
    default:
        if (o && o->subtract)
            return o->subtract(o->ctx, a, b, out);
        return a == b ? PM_ALG_NONE : PM_ALG_IDENTITY;
    }
}

static int push(actx *c, const pm_zpos *a, const pm_zpos *b, size_t depth, unsigned byte)
{
    if (c->n == c->cap) {
        size_t nc = c->cap * 2;
        aframe *ns = grow_arr(c->st, c->st_inl, c->n * sizeof *ns, nc * sizeof *ns);
        if (!ns)
            return -1;
        c->st = ns;
        c->cap = nc;
    }
    c->st[c->n++] = (aframe){*a, *b, depth, byte};
    return 0;
}

static int key_room(actx *c, size_t need)
{
    if (need <= c->kcap)
        return 0;
    size_t nc = c->kcap;
    while (nc < need)
        nc *= 2;
    uint8_t *nk = grow_arr(c->key, c->key_inl, c->kcap, nc);
    if (!nk)
        return -1;
    c->key = nk;
    c->kcap = nc;
    return 0;
}

/* ---- edits on R (keys: c->key[0, d)) ----------------------------------------------------------
 */
/* val is owned by us: it goes to R, or is dropped on failure. */
static pm_status ed_set(actx *c, size_t d, uint64_t val)
{
    pm_op op = {.kind = PM_OP_SET, .val = val};
    pm_status s = pm_edit(&c->r, c->key, d, &op);
    if (s) {
        pm_val_drop(c->ops, val);
        return s;
    }
    if (op.had_old)
        pm_val_drop(c->ops, op.old);
    return PM_OK;
}

static pm_status ed_remove_val(actx *c, size_t d)
{
    pm_op op = {.kind = PM_OP_REMOVE_VAL};
    pm_status s = pm_edit(&c->r, c->key, d, &op);
    if (s == PM_OK)
        pm_val_drop(c->ops, op.old);
    return s == PM_ENOTFOUND ? PM_OK : s;
}

/* Replaces everything at and below key[0, d) by (has_val ? val : none, link). link is a counted
 * reference given to R (released on failure); val is cloned. */
static pm_status ed_graft(actx *c, size_t d, int has_val, uint64_t val, pm_link link)
{
    pm_op op = {.kind = PM_OP_GRAFT, .g_has_val = has_val, .g_val = val, .g_link = link};
    pm_status s = pm_edit(&c->r, c->key, d, &op);
    if (s && link)
        pm_release(link, c->ops);
    return s;
}

/* Grafts the subtrie at position p (value included) at key[0, d). */
static pm_status ed_graft_pos(actx *c, size_t d, const pm_zpos *p)
{
    void *blk = NULL;
    if (pm_zpos_needs_block(p) && !(blk = pm_alloc_node(sizeof(pm_line))))
        return PM_ENOMEM;
    return ed_graft(c, d, p->has_val, p->val, pm_zpos_take(p, blk, c->ops));
}

/* ---- one pair ---------------------------------------------------------------------------------
 */
static pm_status values(actx *c, const pm_zpos *a, const pm_zpos *b, size_t d, int *res_has,
                        uint64_t *res_val, int *owned)
{
    int edit = c->mode == EDIT;
    *res_has = a->has_val;
    *res_val = a->val;
    *owned = 0;
    if (a->has_val && b->has_val) {
        uint64_t out = 0;
        pm_alg r = val_op(c, a->val, b->val, &out);
        if (r == PM_ALG_IDENTITY) {
            if (a->val != b->val)
                c->ident_b = 0;
            return PM_OK;
        }
        c->ident_a = 0;
        if (r == PM_ALG_NONE) {
            c->ident_b = 0;
            *res_has = 0;
            return edit && c->op != PM_SUBTRACT ? ed_remove_val(c, d) : PM_OK;
        }
        if (out != b->val)
            c->ident_b = 0;
        if (!edit) {
            pm_val_drop(c->ops, out);
            return PM_OK;
        }
        *res_val = out;
        *owned = 1;
        return PM_OK;
    }
    if (b->has_val) { /* b only */
        if (c->op == PM_JOIN) {
            c->ident_a = 0;
            *res_has = 1;
            *res_val = edit ? pm_val_clone(c->ops, b->val) : b->val;
            *owned = edit;
        } else if (c->op == PM_MEET) {
            c->ident_b = 0;
        }
        return PM_OK;
    }
    if (a->has_val) { /* a only */
        if (c->op == PM_JOIN)
            c->ident_b = 0;
        if (c->op == PM_MEET) {
            c->ident_a = 0;
            *res_has = 0;
            return edit ? ed_remove_val(c, d) : PM_OK;
        }
    }
    return PM_OK;
}

static pm_status pair(actx *c, const aframe *f)
{
    const pm_zpos *a = &f->a, *b = &f->b;
    size_t d = f->depth;
    int edit = c->mode == EDIT;
    pm_status s;
    uint64_t ma[4], mb[4];

    if (c->op == PM_RESTRICT) {
        if (b->has_val)
            return edit ? ed_graft_pos(c, d, a) : PM_OK;
        if (a->has_val)
            c->ident_a = 0;
        if (pm_zpos_same_below(a, b)) { /* every value path below is its own prefix: keep */
            if (!edit || !a->node)
                return PM_OK;
            pm_zpos below = *a;
            below.has_val = 0;
            return ed_graft_pos(c, d, &below);
        }
        if (!c->ident_a && !edit)
            return PM_OK;
        pm_zpos_mask(a, ma);
        pm_zpos_mask(b, mb);
        for (unsigned w = 0; w < 4; w++)
            if (ma[w] & ~mb[w])
                c->ident_a = 0;
        if (!c->ident_a && !edit)
            return PM_OK;
        for (unsigned x = pm_prev_bit(ma, 256); x < 256; x = pm_prev_bit(ma, x))
            if (pm_bit(mb, x)) {
                pm_zpos ca, cb;
                pm_zpos_step(a, x, &ca);
                pm_zpos_step(b, x, &cb);
                if (push(c, &ca, &cb, d + 1, x))
                    return PM_ENOMEM;
            }
        return PM_OK;
    }

    int res_has, owned;
    uint64_t res_val;
    s = values(c, a, b, d, &res_has, &res_val, &owned);
    if (s)
        return s;
    int same = pm_zpos_same_below(a, b);
    if (c->op == PM_SUBTRACT && same && a->node) {
        c->ident_a = 0;
        if (!edit)
            return PM_OK;
        s = ed_graft(c, d, res_has, res_val, 0); /* the value as decided, nothing below */
        if (owned)
            pm_val_drop(c->ops, res_val);
        return s;
    }
    if (owned) {
        s = ed_set(c, d, res_val);
        if (s)
            return s;
    } else if (edit && c->op == PM_SUBTRACT && a->has_val && !res_has) {
        s = ed_remove_val(c, d);
        if (s)
            return s;
    }
    if (same)
        return PM_OK;
    if (!edit && !c->ident_a && (!c->ident_b || c->op == PM_SUBTRACT))
        return PM_OK;

    pm_zpos_mask(a, ma);
    pm_zpos_mask(b, mb);
    for (unsigned w = 0; w < 4; w++) {
        if (ma[w] & ~mb[w]) {
            if (c->op == PM_JOIN)
                c->ident_b = 0;
            if (c->op == PM_MEET)
                c->ident_a = 0;
        }
        if (mb[w] & ~ma[w]) {
            if (c->op == PM_JOIN)
                c->ident_a = 0;
            if (c->op == PM_MEET)
                c->ident_b = 0;
        }
    }
    if (!edit && !c->ident_a && (!c->ident_b || c->op == PM_SUBTRACT))
        return PM_OK;
    if (key_room(c, d + 1))
        return PM_ENOMEM;
    uint64_t un[4];
    for (unsigned w = 0; w < 4; w++)
        un[w] = ma[w] | mb[w];
    for (unsigned x = pm_prev_bit(un, 256); x < 256; x = pm_prev_bit(un, x)) {
        int ia = pm_bit(ma, x), ib = pm_bit(mb, x);
        if (ia && ib) {
            pm_zpos ca, cb;
            pm_zpos_step(a, x, &ca);
            pm_zpos_step(b, x, &cb);
            if (push(c, &ca, &cb, d + 1, x))
                return PM_ENOMEM;
        } else if (edit && ib && c->op == PM_JOIN) {
            pm_zpos cb;
            pm_zpos_step(b, x, &cb);
            c->key[d] = (uint8_t)x;
            if ((s = ed_graft_pos(c, d + 1, &cb)))
                return s;
        } else if (edit && ia && c->op == PM_MEET) {
            c->key[d] = (uint8_t)x;
            if ((s = ed_graft(c, d + 1, 0, 0, 0)))
                return s;
        }
    }
    return PM_OK;
}

static pm_status walk(actx *c, const pm_zpos *a, const pm_zpos *b)
{
    c->n = 0;
    c->ident_a = 1;
    c->ident_b = c->op == PM_JOIN || c->op == PM_MEET;
    if (push(c, a, b, 0, 0))
        return PM_ENOMEM;
    while (c->n) {
        aframe f = c->st[--c->n];
        if (f.depth) {
            if (key_room(c, f.depth))
                return PM_ENOMEM;
            c->key[f.depth - 1] = (uint8_t)f.byte;
        }
        pm_status s = pair(c, &f);
        if (s)
            return s;
        if (c->mode == DRY && !c->ident_a && !c->ident_b)
            return PM_OK;
    }
    return PM_OK;
}

void pm_subtrie_release(pm_subtrie *s, const pm_val_ops *ops)
{
    if (s->ident >= 0)
        return;
    if (s->has_val)
        pm_val_drop(ops, s->val);
    pm_release(s->link, ops);
    s->has_val = 0;
    s->link = 0;
}

pm_status pm_alg_pos(pm_alg_op op, const pm_val_ops *ops, const pm_zpos *a, const pm_zpos *b,
                     pm_subtrie *out)
{
    memset(out, 0, sizeof *out);
    out->ident = -1;
    int ea = !pm_zpos_exists(a), eb = !pm_zpos_exists(b);
    switch (op) {
    case PM_JOIN:
        if (eb || ea) {
            out->ident = eb ? 0 : 1;
            return PM_OK;
        }
        break;
    case PM_MEET:
    case PM_RESTRICT:
        if (ea || eb) {
            out->ident = ea ? 0 : 1;
            return PM_OK;
        }
        break;
    case PM_SUBTRACT:
        if (ea || eb) {
            out->ident = 0;
            return PM_OK;
        }
        break;
    default:
        return PM_EINVAL;
    }
    actx c;
    memset(&c, 0, offsetof(actx, st_inl));
    c.st = c.st_inl;
    c.cap = sizeof c.st_inl / sizeof c.st_inl[0];
    c.key = c.key_inl;
    c.kcap = sizeof c.key_inl;
    c.op = op;
    c.ops = ops;
    c.mode = DRY;
    pm_status s = walk(&c, a, b);
    if (s == PM_OK && (c.ident_a || c.ident_b)) {
        out->ident = c.ident_a ? 0 : 1;
        goto done;
    }
    if (s)
        goto done;
    c.mode = EDIT;
    if (ops) {
        c.r.ops = *ops;
        c.r.has_ops = 1;
    }
    if (op != PM_RESTRICT) {
        void *blk = NULL;
        if (pm_zpos_needs_block(a) && !(blk = pm_alloc_node(sizeof(pm_line)))) {
            s = PM_ENOMEM;
            goto done;
        }
        c.r.root = pm_zpos_take(a, blk, ops);
        c.r.has_root_val = a->has_val;
        c.r.root_val = a->has_val ? pm_val_clone(ops, a->val) : 0;
    }
    s = walk(&c, a, b);
    if (s) {
        if (c.r.has_root_val)
            pm_val_drop(ops, c.r.root_val);
        pm_release(c.r.root, ops);
        goto done;
    }
    out->has_val = c.r.has_root_val;
    out->val = c.r.root_val;
    out->link = c.r.root;
done:
    if (c.st != c.st_inl)
        pm_free_aux(c.st);
    if (c.key != c.key_inl)
        pm_free_aux(c.key);
    return s;
}

pm_status pm_drop_head_pos(const pm_val_ops *ops, const pm_zpos *a, size_t n, pm_subtrie *out)
{
    pm_zcore z;
    memset(out, 0, sizeof *out);
    out->ident = -1;
    pm_zpos root = *a;
    root.has_val = 0;
    if (pm_zc_init_pos(&z, &root))
        return PM_ENOMEM;
    pm_subtrie acc = {.ident = -1};
    pm_status s = pm_zc_k_path(&z, n, 1);
    while (s == PM_OK) {
        pm_zpos p = *pm_zc_focus(&z);
        p.has_val = 0;
        p.val = 0;
        if (p.node) {
            pm_zpos ap = {.node = acc.link};
            pm_subtrie r;
            s = pm_alg_pos(PM_JOIN, ops, &ap, &p, &r);
            if (s)
                break;
            if (r.ident == 1) {
                void *blk = NULL;
                if (pm_zpos_needs_block(&p) && !(blk = pm_alloc_node(sizeof(pm_line)))) {
                    s = PM_ENOMEM;
                    break;
                }
                pm_release(acc.link, ops);
                acc.link = pm_zpos_take(&p, blk, ops);
            } else if (r.ident < 0) {
                pm_release(acc.link, ops);
                acc.link = r.link;
            }
        }
        s = pm_zc_k_path(&z, n, 0);
    }
    pm_zc_fini(&z);
    if (s != PM_ENOTFOUND) {
        pm_release(acc.link, ops);
        return s;
    }
    out->link = acc.link;
    return PM_OK;
}

/* ---- whole maps -------------------------------------------------------------------------------
 */
static pm_alg report(const pm_subtrie *s, const pm_map *a, const pm_map *b)
{
    if (s->ident >= 0) {
        const pm_map *m = s->ident ? b : a;
        return pm_map_is_empty(m) ? PM_ALG_NONE : PM_ALG_IDENTITY;
    }
    return s->link || s->has_val ? PM_ALG_ELEMENT : PM_ALG_NONE;
}

pm_status pm_map_alg(pm_alg_op op, const pm_map *a, const pm_map *b, pm_map **out, pm_alg *res)
{
    if (!a || !b || !out || (unsigned)op > PM_RESTRICT)
        return PM_EINVAL;
    const pm_val_ops *ops = pm_map_ops(a);
    pm_map *r = pm_alloc_aux(sizeof *r);
    if (!r)
        return PM_ENOMEM;
    pm_zpos pa, pb;
    pm_zpos_root(a, &pa);
    pm_zpos_root(b, &pb);
    pm_subtrie s;
    pm_status st = pm_alg_pos(op, ops, &pa, &pb, &s);
    if (st) {
        pm_free_aux(r);
        return st;
    }
    pm_map_copy_head(r, a);
    if (s.ident >= 0) {
        const pm_map *src = s.ident ? b : a;
        r->root = src->root;
        if (r->root)
            pm_ref(r->root);
        r->has_root_val = src->has_root_val;
        r->root_val = src->has_root_val ? pm_val_clone(ops, src->root_val) : 0;
    } else {
        r->root = s.link;
        r->has_root_val = s.has_val;
        r->root_val = s.val;
    }
    if (res)
        *res = report(&s, a, b);
    *out = r;
    return PM_OK;
}

pm_status pm_map_alg_into(pm_alg_op op, pm_map *dst, const pm_map *src, pm_alg *res)
{
    if (!dst || !src || (unsigned)op > PM_RESTRICT)
        return PM_EINVAL;
    const pm_val_ops *ops = pm_map_ops(dst);
    pm_zpos pa, pb;
    pm_zpos_root(dst, &pa);
    pm_zpos_root(src, &pb);
    pm_subtrie s;
    pm_status st = pm_alg_pos(op, ops, &pa, &pb, &s);
    if (st)
        return st;
    if (res)
        *res = report(&s, dst, src);
    if (s.ident == 0)
        return PM_OK;
    pm_link nl;
    int nh;
    uint64_t nv;
    if (s.ident == 1) {
        nl = src->root;
        if (nl)
            pm_ref(nl);
        nh = src->has_root_val;
        nv = nh ? pm_val_clone(ops, src->root_val) : 0;
    } else {
        nl = s.link;
        nh = s.has_val;
        nv = s.val;
    }
    if (dst->has_root_val)
        pm_val_drop(ops, dst->root_val);
    pm_release(dst->root, ops);
    dst->root = nl;
    dst->has_root_val = nh;
    dst->root_val = nv;
    return PM_OK;
}

pm_status pm_map_drop_head(const pm_map *m, size_t n, pm_map **out, pm_alg *res)
{
    if (!m || !out)
        return PM_EINVAL;
    if (n == 0) {
        pm_status st = pm_map_clone(m, out);
        if (st == PM_OK && res)
            *res = pm_map_is_empty(m) ? PM_ALG_NONE : PM_ALG_IDENTITY;
        return st;
    }
    const pm_val_ops *ops = pm_map_ops(m);
    pm_map *r = pm_alloc_aux(sizeof *r);
    if (!r)
        return PM_ENOMEM;
    pm_zpos p;
    pm_zpos_root(m, &p);
    pm_subtrie s;
    pm_status st = pm_drop_head_pos(ops, &p, n, &s);
    if (st) {
        pm_free_aux(r);
        return st;
    }
    pm_map_copy_head(r, m);
    r->root = s.link;
    r->root_val = m->has_root_val ? pm_val_clone(ops, m->root_val) : 0;
    if (res)
        *res = pm_map_is_empty(r) ? PM_ALG_NONE : PM_ALG_ELEMENT;
    *out = r;
    return PM_OK;
}
