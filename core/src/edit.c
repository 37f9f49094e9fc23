/* edit.c — the one mutation engine behind set, remove, remove_prefix and graft.
 *
 * Phase 1 (nothing changes): descend along the key recording the path; decide for every node on
 * it whether it must be copied (its count is not 1 at an acquire load, or an ancestor is being
 * copied, which raises its count); plan the change at the end of the path and run the builder in
 * counting mode. Every block the change needs is then allocated at once (pm_pool_fill); a failure
 * frees them and returns PM_ENOMEM with the map untouched.
 * Phase 2 (cannot fail): copy the planned nodes top-down relinking each copy into its (already
 * private) parent and dropping one reference to the original, apply the change at the end of the
 * path, then prune emptied nodes bottom-up.
 *
 * A node is written only when this handle owns it exclusively (count 1 at the check, every
 * ancestor exclusive): counts are never lowered temporarily, and a node reachable from any other
 * handle is never written. */
#include "node_internal.h"

typedef struct level {
    pm_link node;
    uint32_t idx; /* line: child slot taken; dense: byte */
    uint8_t copy; /* shared: phase 2 copies it */
    uint8_t move; /* branch node: phase 2 gives it a new block of capacity nc, form small */
    uint8_t small;
    uint16_t nc;
} level;

typedef struct path {
    level *v;
    size_t n, cap;
    level inl[32];
} path;

static int path_push(path *p, pm_link node, unsigned idx)
{
    if (p->n == p->cap) {
        size_t nc = p->cap * 2;
        level *nv;
        if (p->v == p->inl) {
            nv = pm_alloc_aux(nc * sizeof *nv);
            if (nv)
                memcpy(nv, p->v, p->n * sizeof *nv);
        } else {
            nv = pm_realloc_aux(p->v, nc * sizeof *nv);
        }
        if (!nv)
            return -1;
        p->v = nv;
        p->cap = nc;
    }
    p->v[p->n].node = node;
    p->v[p->n].idx = idx;
    p->v[p->n].copy = 0;
    p->n++;
    return 0;
}

/* ---- planning at a line node --------------------------------------------------------------- */
typedef struct lplan {
    pm_item items[PM_BUILD_MAX];
    size_t n;
    int replace_slot; /* SET on an existing value: written in place, nothing built */
    pm_item removed[2];
    size_t nremoved;
} lplan;

/* gval: the graft's value as it enters the map (graft_value; phase 1 passes op->g_val, which is
 * only counted, never stored). */
static pm_status line_plan(const pm_line *t, const uint8_t *rest, size_t len, const pm_op *op,
                           uint64_t gval, lplan *p)
{
    int vslot = -1;
    pm_item slot[2];
    p->n = p->nremoved = 0;
    p->replace_slot = -1;
    for (unsigned i = 0; i < t->n; i++) {
        slot[i].key = t->key + pm_line_off(t, i);
        slot[i].len = t->len[i];
        slot[i].is_child = pm_line_is_child(t, i);
        slot[i].pay = t->pay[i];
        if (!slot[i].is_child && slot[i].len == len && memcmp(slot[i].key, rest, len) == 0)
            vslot = (int)i;
    }
    switch (op->kind) {
    case PM_OP_SET:
        if (vslot >= 0) {
            p->replace_slot = vslot;
            return PM_OK;
        }
        for (unsigned i = 0; i < t->n; i++)
            p->items[p->n++] = slot[i];
        p->items[p->n++] = (pm_item){rest, len, 0, op->val};
        break;
    case PM_OP_REMOVE_VAL:
        if (vslot < 0)
            return PM_ENOTFOUND;
        for (unsigned i = 0; i < t->n; i++) {
            if ((int)i == vslot)
                p->removed[p->nremoved++] = slot[i];
            else
                p->items[p->n++] = slot[i];
        }
        break;
    default:
        for (unsigned i = 0; i < t->n; i++) {
            if (slot[i].len >= len && memcmp(slot[i].key, rest, len) == 0)
                p->removed[p->nremoved++] = slot[i];
            else
                p->items[p->n++] = slot[i];
        }
        if (op->kind == PM_OP_GRAFT) {
            if (op->g_has_val)
                p->items[p->n++] = (pm_item){rest, len, 0, gval};
            if (op->g_link)
                p->items[p->n++] = (pm_item){rest, len, 1, (uint64_t)op->g_link};
        }
        break;
    }
    pm_items_sort(p->items, p->n);
    return PM_OK;
}

/* Items for a fresh subtrie at key (SET, or GRAFT of a non-empty source; gval as for
 * line_plan). */
static size_t fresh_items(const uint8_t *key, size_t len, const pm_op *op, uint64_t gval,
                          pm_item *it)
{
    size_t n = 0;
    if (op->kind == PM_OP_SET) {
        it[n++] = (pm_item){key, len, 0, op->val};
    } else if (op->kind == PM_OP_GRAFT) {
        if (op->g_has_val)
            it[n++] = (pm_item){key, len, 0, gval};
        if (op->g_link)
            it[n++] = (pm_item){key, len, 1, (uint64_t)op->g_link};
    }
    return n;
}

static pm_link *child_loc(pm_link x, unsigned idx)
{
    if (pm_tag(x) == PM_TAG_LINE)
        return (pm_link *)&((pm_line *)pm_ptr(x))->pay[idx];
    return pm_dense_childp(pm_ptr(x), idx);
}

/* The ownership rule for a graft's value, decided here and nowhere else: the value at the root of
 * a grafted subtrie lives in a node (or the handle) of this map, not in the grafted node, so the
 * map needs a value of its own. It gets op->g_val itself when the caller gives it up (g_move),
 * else a clone. Called exactly once per successful graft that carries a value, after the last
 * step that can fail; the subtrie below (g_link) is shared by a counted reference and needs no
 * clone (its values belong to its nodes). */
static uint64_t graft_value(const pm_val_ops *ops, const pm_op *op)
{
    return op->g_move ? op->g_val : pm_val_clone(ops, op->g_val);
}

/* Level i's node was emptied and freed: unlink it from its parent, and so on upward. */
static void prune(pm_map *m, path *p, size_t i)
{
    for (;;) {
        if (i == 0) {
            m->root = 0;
            return;
        }
        i--;
        pm_link x = p->v[i].node;
        unsigned idx = p->v[i].idx;
        if (pm_tag(x) == PM_TAG_LINE) {
            pm_line *l = pm_ptr(x);
            pm_line_erase(l, idx);
            if (l->n)
                return;
        } else {
            pm_dense *d = pm_ptr(x);
            *pm_dense_childp(d, idx) = 0;
            if (pm_dense_has_val(d, idx))
                return;
            pm_dense_erase(d, idx);
            if (d->n)
                return;
        }
        pm_free_shell(x);
    }
}

/* ---- the empty key: the handle's root value and root link ----------------------------------- */
static pm_status edit_root(pm_map *m, pm_op *op)
{
    const pm_val_ops *ops = pm_map_ops(m);
    switch (op->kind) {
    case PM_OP_SET:
        op->had_old = m->has_root_val;
        op->old = m->root_val;
        m->root_val = op->val;
        m->has_root_val = 1;
        return PM_OK;
    case PM_OP_REMOVE_VAL:
        if (!m->has_root_val)
            return PM_ENOTFOUND;
        op->had_old = 1;
        op->old = m->root_val;
        m->has_root_val = 0;
        m->root_val = 0;
        return PM_OK;
    case PM_OP_REMOVE_ALL: {
        size_t c = 0;
        pm_status s = pm_count_values(m->root, &c);
        if (s)
            return s;
        op->removed = c + (m->has_root_val ? 1 : 0);
        if (m->has_root_val)
            pm_val_drop(ops, m->root_val);
        pm_release(m->root, ops);
        m->root = 0;
        m->has_root_val = 0;
        m->root_val = 0;
        return PM_OK;
    }
    case PM_OP_GRAFT: {
        uint64_t nv = op->g_has_val ? graft_value(ops, op) : 0;
        if (m->has_root_val)
            pm_val_drop(ops, m->root_val);
        m->has_root_val = op->g_has_val;
        m->root_val = nv;
        pm_release(m->root, ops);
        m->root = op->g_link;
        return PM_OK;
    }
    }
    return PM_EINVAL;
}

enum { T_EMPTY, T_LINE, T_DENSE };

/* The block branch node x moves to: returns 0 if it stays where it is, else 1 with the new
 * capacity and form. A copy is exact: the words x uses plus the `need` free words the change at
 * the terminal takes; its form fits the entry count after the change (`add` new entries). An
 * exclusive node moves when it lacks the words (it grows, pm_dense_grow) or is small and would
 * exceed PM_SMALL_MAX entries. Phase 1 and phase 2 call this on the same nodes and agree. */
static int dense_target(pm_link x, int copy, unsigned need, unsigned add, unsigned *cap, int *small)
{
    if (!copy && !need && !add)
        return 0; /* the common case: an exclusive node above the change */
    const pm_dense *d = pm_ptr(x);
    unsigned used = pm_dense_used(d), n = d->n + add;
    *small = pm_dense_small_for(n);
    if (copy) {
        *cap = used + need;
        return 1;
    }
    if (pm_dense_cap(d) - used >= need && !(pm_dense_is_small(d) && n > PM_SMALL_MAX))
        return 0;
    *cap = pm_dense_grow(pm_dense_cap(d), used + need);
    if (*small && *cap > 2 * PM_SMALL_MAX)
        *cap = 2 * PM_SMALL_MAX; /* >= used + need: at most n entries and n values */
    return 1;
}

pm_status pm_edit(pm_map *m, const uint8_t *key, size_t len, pm_op *op)
{
    const pm_val_ops *ops = pm_map_ops(m);
    op->had_old = 0;
    op->removed = 0;
    if (len == 0)
        return edit_root(m, op);

    path p;
    p.v = p.inl;
    p.n = 0;
    p.cap = sizeof p.inl / sizeof p.inl[0];
    pm_pool pool;
    pm_pool_init(&pool);
    pm_status st = PM_OK;
    lplan lp;
    pm_item fresh[2];
    size_t nfresh = 0;
    unsigned dneed = 0, dnew = 0; /* branch terminal: free words / entries the change adds */

    /* ---- phase 1: descend -------------------------------------------------------------------- */
    pm_link cur = m->root;
    const uint8_t *rest = key;
    size_t L = len;
    int term;
    for (;;) {
        if (!cur) {
            term = T_EMPTY;
            break;
        }
        if (pm_tag(cur) == PM_TAG_LINE) {
            const pm_line *n = pm_ptr(cur);
            int down = -1;
            for (unsigned i = 0; i < n->n; i++) {
                size_t kl = n->len[i];
                if (pm_line_is_child(n, i) && L > kl &&
                    memcmp(n->key + pm_line_off(n, i), rest, kl) == 0) {
                    down = (int)i;
                    break;
                }
            }
            if (path_push(&p, cur, down < 0 ? 0 : (unsigned)down))
                goto nomem;
            if (down < 0) {
                term = T_LINE;
                break;
            }
            cur = (pm_link)n->pay[down];
            rest += n->len[down];
            L -= n->len[down];
        } else {
            const pm_dense *d = pm_ptr(cur);
            unsigned b = rest[0];
            if (path_push(&p, cur, b))
                goto nomem;
            int slot = L > 1 ? pm_dense_slot(d, b) : -1;
            pm_link c = slot >= 0 ? (pm_link)pm_dense_words(d)[slot] : 0;
            if (c) {
                cur = c;
                rest++;
                L--;
                continue;
            }
            term = T_DENSE;
            break;
        }
    }

    /* ---- phase 1: plan the change at the end of the path ------------------------------------ */
    int build = 0;
    pm_line *reuse = NULL;
    if (term == T_EMPTY) {
        if (op->kind == PM_OP_REMOVE_VAL) {
            st = PM_ENOTFOUND;
            goto out;
        }
        nfresh = fresh_items(rest, L, op, op->g_val, fresh);
        if (!nfresh)
            goto out; /* remove_prefix / empty graft on nothing */
        build = 1;
    } else if (term == T_LINE) {
        const pm_line *t = pm_ptr(p.v[p.n - 1].node);
        st = line_plan(t, rest, L, op, op->g_val, &lp);
        if (st)
            goto out;
        if ((op->kind == PM_OP_REMOVE_ALL && !lp.nremoved) ||
            (op->kind == PM_OP_GRAFT && !lp.nremoved && !op->g_has_val && !op->g_link))
            goto out;
        if (op->kind == PM_OP_REMOVE_ALL)
            for (size_t i = 0; i < lp.nremoved; i++) {
                size_t c = 1;
                if (lp.removed[i].is_child &&
                    pm_count_values((pm_link)lp.removed[i].pay, &c) != PM_OK)
                    goto nomem;
                op->removed += c;
            }
        if (lp.replace_slot < 0 && lp.n) {
            build = 1;
            reuse = (pm_line *)pm_ptr(p.v[p.n - 1].node); /* only a marker in counting mode */
        }
    } else {
        const pm_dense *d = pm_ptr(p.v[p.n - 1].node);
        unsigned b = rest[0];
        int slot = pm_dense_slot(d, b), present = slot >= 0;
        int hasv = present && pm_dense_has_val_at(d, slot, b);
        dnew = !present; /* every path below that does not leave inserts an entry */
        if (L == 1) {
            switch (op->kind) {
            case PM_OP_SET:
                dneed = present ? !hasv : 2;
                break;
            case PM_OP_REMOVE_VAL:
                if (!hasv) {
                    st = PM_ENOTFOUND;
                    goto out;
                }
                break;
            case PM_OP_REMOVE_ALL: {
                if (!present)
                    goto out;
                size_t c = 0;
                if (pm_count_values(pm_dense_child(d, b), &c) != PM_OK)
                    goto nomem;
                op->removed = c + (size_t)hasv;
                break;
            }
            case PM_OP_GRAFT:
                if (!present && !op->g_has_val && !op->g_link)
                    goto out;
                dneed = present ? (op->g_has_val && !hasv) : 1u + (op->g_has_val != 0);
                break;
            }
        } else {
            if (op->kind == PM_OP_REMOVE_VAL) {
                st = PM_ENOTFOUND;
                goto out;
            }
            nfresh = fresh_items(rest + 1, L - 1, op, op->g_val, fresh);
            if (!nfresh)
                goto out;
            build = 1;
            dneed = !present;
        }
    }

    /* ---- phase 1: which nodes are copied; reserve every block -------------------------------- */
    for (size_t i = 0; i < p.n; i++) {
        pm_link x = p.v[i].node;
        p.v[i].copy = (i > 0 && p.v[i - 1].copy) || !pm_is_unique(x);
        int last = i + 1 == p.n;
        unsigned nc = 0;
        int sm = 0, mv = pm_tag(x) == PM_TAG_DENSE &&
                         dense_target(x, p.v[i].copy, last ? dneed : 0, last ? dnew : 0, &nc, &sm);
        p.v[i].move = (uint8_t)mv;
        p.v[i].small = (uint8_t)sm;
        p.v[i].nc = (uint16_t)nc;
        if (p.v[i].copy || mv) {
            size_t sz = pm_tag(x) == PM_TAG_LINE ? pm_line_size(pm_ptr(x)) : pm_dense_bytes(sm, nc);
            if (pm_pool_request(&pool, sz))
                goto nomem;
        }
    }
    if (build) {
        pm_link dummy;
        int r = term == T_LINE ? pm_build(&pool, lp.items, lp.n, &dummy, reuse)
                               : pm_build(&pool, fresh, nfresh, &dummy, NULL);
        if (r)
            goto nomem;
    }
    if (pm_pool_fill(&pool))
        goto nomem;

    /* ---- phase 2: copy the path (cannot fail from here on) ----------------------------------- */
    /* the graft's value, placed by the plan below (every branch of "apply" stores it) */
    uint64_t gv = op->kind == PM_OP_GRAFT && op->g_has_val ? graft_value(ops, op) : 0;
    pm_link *where = &m->root;
    for (size_t i = 0; i < p.n; i++) {
        pm_link x = p.v[i].node;
        int last = i + 1 == p.n;
        unsigned nc = p.v[i].nc; /* decided in phase 1, on the same node */
        int sm = p.v[i].small, mv = p.v[i].move;
        if (p.v[i].copy) {
            pm_link y;
            if (pm_tag(x) == PM_TAG_LINE)
                y = pm_node_copy(x, pm_pool_take(&pool, pm_line_size(pm_ptr(x))), ops);
            else
                y = pm_dense_copy(x, pm_pool_take(&pool, pm_dense_bytes(sm, nc)), nc, sm, ops);
            *where = y;
            pm_release(x, ops);
            x = y;
        } else if (mv) {
            pm_link y = pm_dense_move(x, pm_pool_take(&pool, pm_dense_bytes(sm, nc)), nc, sm);
            *where = y;
            x = y;
        }
        p.v[i].node = x;
        if (pm_tag(x) == PM_TAG_DENSE) /* its subtrie changes: forget its cached hash */
            pm_dense_hash_clear(pm_ptr(x));
        if (!last)
            where = child_loc(x, p.v[i].idx);
    }

    /* ---- phase 2: apply ---------------------------------------------------------------------- */
    if (term == T_EMPTY) {
        pm_link out = 0;
        fresh_items(rest, L, op, gv, fresh);
        pm_build(&pool, fresh, nfresh, &out, NULL);
        m->root = out;
    } else if (term == T_LINE) {
        pm_link tl = p.v[p.n - 1].node;
        pm_line *t = pm_ptr(tl);
        pm_line tmp; /* items point into this copy while t is rebuilt */
        memcpy(&tmp, t, pm_line_size(t));
        line_plan(&tmp, rest, L, op, gv, &lp);
        if (lp.replace_slot >= 0) {
            op->had_old = 1;
            op->old = t->pay[lp.replace_slot];
            t->pay[lp.replace_slot] = op->val;
            goto out;
        }
        if (lp.n) {
            pm_link out = 0;
            pm_build(&pool, lp.items, lp.n, &out, t);
            *where = out;
            if (pm_ptr(out) != (void *)t)
                pm_free_shell(tl);
        } else {
            pm_free_shell(tl);
            prune(m, &p, p.n - 1);
        }
        for (size_t i = 0; i < lp.nremoved; i++) {
            if (lp.removed[i].is_child) {
                pm_release((pm_link)lp.removed[i].pay, ops);
            } else if (op->kind == PM_OP_REMOVE_VAL) {
                op->had_old = 1;
                op->old = lp.removed[i].pay;
            } else {
                pm_val_drop(ops, lp.removed[i].pay);
            }
        }
    } else {
        pm_link dl = p.v[p.n - 1].node;
        pm_dense *d = pm_ptr(dl);
        unsigned b = rest[0];
        int present = pm_dense_has(d, b);
        int hasv = present && pm_dense_has_val(d, b);
        int emptied = 0;
        if (L > 1) {
            pm_link out = 0;
            fresh_items(rest + 1, L - 1, op, gv, fresh);
            pm_build(&pool, fresh, nfresh, &out, NULL);
            if (present)
                *pm_dense_childp(d, b) = out; /* the entry had no child, or we had gone down */
            else
                pm_dense_insert(d, b, out, 0, 0);
        } else {
            switch (op->kind) {
            case PM_OP_SET:
                if (!present) {
                    pm_dense_insert(d, b, 0, 1, op->val);
                } else if (hasv) {
                    uint64_t *vp = pm_dense_valp(d, b);
                    op->had_old = 1;
                    op->old = *vp;
                    *vp = op->val;
                } else {
                    pm_dense_set_val(d, b, op->val);
                }
                break;
            case PM_OP_REMOVE_VAL:
                op->had_old = 1;
                op->old = pm_dense_val(d, b);
                pm_dense_clear_val(d, b);
                if (!pm_dense_child(d, b)) {
                    pm_dense_erase(d, b);
                    emptied = d->n == 0;
                }
                break;
            case PM_OP_REMOVE_ALL:
            case PM_OP_GRAFT: {
                int nv = op->kind == PM_OP_GRAFT && op->g_has_val;
                pm_link nl = op->kind == PM_OP_GRAFT ? op->g_link : 0;
                uint64_t v = gv;
                if (present) {
                    if (hasv)
                        pm_val_drop(ops, pm_dense_val(d, b));
                    pm_release(pm_dense_child(d, b), ops);
                    if (!nv && !nl) {
                        pm_dense_erase(d, b);
                        emptied = d->n == 0;
                    } else {
                        *pm_dense_childp(d, b) = nl;
                        if (nv && hasv)
                            *pm_dense_valp(d, b) = v;
                        else if (nv)
                            pm_dense_set_val(d, b, v);
                        else if (hasv)
                            pm_dense_clear_val(d, b);
                    }
                } else {
                    pm_dense_insert(d, b, nl, nv, v);
                }
                break;
            }
            }
        }
        if (emptied) {
            pm_free_shell(dl);
            prune(m, &p, p.n - 1);
        }
    }
    goto out;

nomem:
    st = PM_ENOMEM;
out:
    assert(st != PM_OK || pool.counting || pool.next == pool.n);
    pm_pool_fini(&pool);
    if (p.v != p.inl)
        pm_free_aux(p.v);
    return st;
}
