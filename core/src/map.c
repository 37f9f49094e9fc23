/* map.c — the public map API: life cycle, point operations, prefix operations. Mutations go
 * through the engine in edit.c; reads chase plain pointers and touch no reference count. */
#include "node_internal.h"

const char *pm_strerror(pm_status s)
{
    switch (s) {
    case PM_OK:
        return "ok";
    case PM_ENOTFOUND:
        return "not found";
    case PM_EINVAL:
        return "invalid argument";
    case PM_ENOMEM:
        return "out of memory";
    case PM_ECONFLICT:
        return "conflicts with a live zipper or transaction";
    case PM_EBUSY:
        return "object in use";
    case PM_EIO:
        return "i/o error";
    case PM_ECORRUPT:
        return "corrupt input";
    case PM_EVERSION:
        return "unsupported format version";
    }
    return "unknown status";
}

static int bad_key(const uint8_t *key, size_t len)
{
    return (!key && len) || len > PM_MAX_KEY;
}

/* ---- life cycle ------------------------------------------------------------------------------ */
pm_status pm_map_new(const pm_val_ops *ops, pm_map **out)
{
    if (!out)
        return PM_EINVAL;
    pm_map *m = pm_alloc_aux(sizeof *m);
    if (!m)
        return PM_ENOMEM;
    memset(m, 0, sizeof *m);
    if (ops) {
        m->ops = *ops;
        m->has_ops = 1;
    }
    *out = m;
    return PM_OK;
}

void pm_map_free(pm_map *m)
{
    if (!m)
        return;
    if (m->has_root_val)
        pm_val_drop(pm_map_ops(m), m->root_val);
    pm_release(m->root, pm_map_ops(m));
    if (!m->in_slot)
        pm_free_aux(m);
}

/* c := a new reference to m's contents: one increment on the root, the empty-key value cloned. */
static void clone_into(pm_map *c, const pm_map *m)
{
    if (c->root)
        pm_ref(c->root);
    if (c->has_root_val)
        c->root_val = pm_val_clone(pm_map_ops(m), m->root_val);
}

pm_status pm_map_clone(const pm_map *m, pm_map **out)
{
    if (!m || !out)
        return PM_EINVAL;
    pm_map *c = pm_alloc_aux(sizeof *c);
    if (!c)
        return PM_ENOMEM;
    pm_map_copy_head(c, m);
    clone_into(c, m);
    *out = c;
    return PM_OK;
}

pm_status pm_map_clone_at(const pm_map *m, pm_map_slot *slot, pm_map **out)
{
    if (!m || !slot || !out || (const void *)slot == (const void *)m)
        return PM_EINVAL;
    pm_map *c = (pm_map *)(void *)slot;
    *c = *m;
    c->in_slot = 1;
    clone_into(c, m);
    *out = c;
    return PM_OK;
}

/* ---- lookups --------------------------------------------------------------------------------- */
/* The hot loop: a switch on the link tag, a first-byte filter and memcmp for line slots, a
 * popcount rank for dense nodes. No function pointer, no reference count. */
/* visits (NULL in every hot path, where the counting compiles away): nodes visited by kind,
 * [0] line, [1] branch, for pm_debug_path_nodes. */
__attribute__((always_inline)) static inline const uint64_t *
lookup_counted(const pm_map *m, const uint8_t *key, size_t len, size_t *visits)
{
    if (len == 0)
        return m->has_root_val ? &m->root_val : NULL;
    pm_link cur = m->root;
    for (;;) {
        if (visits && cur)
            visits[pm_tag(cur) == PM_TAG_LINE ? 0 : 1]++;
        switch (pm_tag(cur)) {
        case PM_TAG_LINE: {
            const pm_line *n = pm_ptr(cur);
            const uint8_t *k = n->key;
            unsigned i = 0;
            for (;;) {
                size_t kl = n->len[i];
                if (k[0] == key[0]) {
                    if (pm_line_is_child(n, i)) {
                        if (len > kl && pm_bytes_eq(k, key, kl)) {
                            cur = (pm_link)n->pay[i];
                            key += kl;
                            len -= kl;
                            break;
                        }
                        return NULL;
                    }
                    if (len == kl && pm_bytes_eq(k, key, kl))
                        return &n->pay[i];
                }
                if (++i >= n->n)
                    return NULL;
                k += kl;
            }
            break;
        }
        case PM_TAG_DENSE: {
            /* The two forms are written out so each tests its form once (the accessors in
             * node_internal.h do the same work one question at a time). */
            const pm_dense *d = pm_ptr(cur);
            unsigned b = key[0];
            if (pm_dense_is_small(d)) {
                const pm_small *sm = pm_dense_sm(d);
                const uint64_t *w = (const uint64_t *)(sm + 1);
                int i = pm_dense_slot(d, b);
                if (i < 0)
                    return NULL;
                if (len == 1) {
                    uint64_t vb = sm->vbits;
                    if (!((vb >> i) & 1))
                        return NULL;
                    return &w[pm_dense_cap(d) - 1 -
                              (unsigned)__builtin_popcountll(vb & ((1ull << i) - 1))];
                }
                cur = (pm_link)w[i];
            } else {
                if (!pm_bit(d->mask, b))
                    return NULL;
                unsigned i = pm_rank(d->mask, b);
                if (len == 1) {
                    const uint64_t *vm = pm_dense_vmask(d);
                    if (!pm_bit(vm, b))
                        return NULL;
                    return &((const uint64_t *)(d + 1))[pm_dense_cap(d) - 1 - pm_rank(vm, b)];
                }
                cur = (pm_link)((const uint64_t *)(d + 1))[i];
            }
            key++;
            len--;
            break;
        }
        default:
            return NULL;
        }
    }
}

static const uint64_t *lookup(const pm_map *m, const uint8_t *key, size_t len)
{
    return lookup_counted(m, key, len, NULL);
}

pm_status pm_debug_path_nodes(const pm_map *m, const uint8_t *key, size_t len, size_t *lines,
                              size_t *branches)
{
    if (!m || bad_key(key, len))
        return PM_EINVAL;
    size_t v[2] = {0, 0};
    lookup_counted(m, key, len, v);
    if (lines)
        *lines = v[0];
    if (branches)
        *branches = v[1];
    return PM_OK;
}

pm_status pm_map_get(const pm_map *m, const uint8_t *key, size_t len, uint64_t *out)
{
    if (!m || bad_key(key, len))
        return PM_EINVAL;
    const uint64_t *v = lookup(m, key, len);
    if (!v)
        return PM_ENOTFOUND;
    if (out)
        *out = *v;
    return PM_OK;
}

bool pm_map_contains(const pm_map *m, const uint8_t *key, size_t len)
{
    return m && !bad_key(key, len) && lookup(m, key, len) != NULL;
}

bool pm_map_contains_path(const pm_map *m, const uint8_t *key, size_t len)
{
    if (!m || bad_key(key, len))
        return false;
    pm_focus f;
    pm_seek(m->root, m->has_root_val, m->root_val, key, len, &f);
    return f.has_val || f.link || f.is_virt;
}

bool pm_map_is_empty(const pm_map *m)
{
    return !m || (!m->root && !m->has_root_val);
}

pm_status pm_map_len(const pm_map *m, size_t *out)
{
    if (!m || !out)
        return PM_EINVAL;
    size_t c;
    pm_status s = pm_count_values(m->root, &c);
    if (s)
        return s;
    *out = c + (m->has_root_val ? 1 : 0);
    return PM_OK;
}

/* ---- point mutations ------------------------------------------------------------------------- */
pm_status pm_map_set(pm_map *m, const uint8_t *key, size_t len, uint64_t val, uint64_t *old,
                     bool *had_old)
{
    if (!m || bad_key(key, len))
        return PM_EINVAL;
    pm_op op = {.kind = PM_OP_SET, .val = val};
    pm_status s = pm_edit(m, key, len, &op);
    if (s)
        return s;
    if (had_old)
        *had_old = op.had_old;
    if (op.had_old) {
        if (old)
            *old = op.old;
        else
            pm_val_drop(pm_map_ops(m), op.old);
    }
    return PM_OK;
}

pm_status pm_map_remove(pm_map *m, const uint8_t *key, size_t len, uint64_t *old)
{
    if (!m || bad_key(key, len))
        return PM_EINVAL;
    pm_op op = {.kind = PM_OP_REMOVE_VAL};
    pm_status s = pm_edit(m, key, len, &op);
    if (s)
        return s;
    if (old)
        *old = op.old;
    else
        pm_val_drop(pm_map_ops(m), op.old);
    return PM_OK;
}

/* ---- prefix operations ----------------------------------------------------------------------- */
pm_status pm_map_count_prefix(const pm_map *m, const uint8_t *prefix, size_t plen, size_t *out)
{
    if (!m || !out || bad_key(prefix, plen))
        return PM_EINVAL;
    pm_focus f;
    pm_seek(m->root, m->has_root_val, m->root_val, prefix, plen, &f);
    size_t c;
    pm_status s = pm_count_values(pm_focus_link(&f), &c);
    if (s)
        return s;
    *out = c + (f.has_val ? 1 : 0);
    return PM_OK;
}

pm_status pm_map_remove_prefix(pm_map *m, const uint8_t *prefix, size_t plen, size_t *removed)
{
    if (!m || bad_key(prefix, plen))
        return PM_EINVAL;
    pm_op op = {.kind = PM_OP_REMOVE_ALL};
    pm_status s = pm_edit(m, prefix, plen, &op);
    if (s)
        return s;
    if (removed)
        *removed = op.removed;
    return PM_OK;
}

/* A real link for the focus: +1 on a real node, or the virtual node copied into `blk`. */
static pm_link focus_take(pm_focus *f, void *blk, const pm_val_ops *ops)
{
    if (f->is_virt)
        return pm_node_copy(pm_focus_link(f), blk, ops);
    if (f->link)
        pm_ref(f->link);
    return f->link;
}

pm_status pm_map_subtrie(const pm_map *m, const uint8_t *prefix, size_t plen, pm_map **out)
{
    if (!m || !out || bad_key(prefix, plen))
        return PM_EINVAL;
    pm_focus f;
    pm_seek(m->root, m->has_root_val, m->root_val, prefix, plen, &f);
    pm_map *r = pm_alloc_aux(sizeof *r);
    if (!r)
        return PM_ENOMEM;
    void *blk = NULL;
    if (f.is_virt && !(blk = pm_alloc_node(sizeof(pm_line)))) {
        pm_free_aux(r);
        return PM_ENOMEM;
    }
    pm_map_copy_head(r, m);
    r->root = focus_take(&f, blk, pm_map_ops(m));
    r->has_root_val = f.has_val;
    r->root_val = f.has_val ? pm_val_clone(pm_map_ops(m), f.val) : 0;
    *out = r;
    return PM_OK;
}

pm_status pm_map_copy_prefix(const pm_map *m, const uint8_t *prefix, size_t plen, pm_map **out)
{
    if (!m || !out || bad_key(prefix, plen))
        return PM_EINVAL;
    if (plen == 0)
        return pm_map_clone(m, out);
    const pm_val_ops *ops = pm_map_ops(m);
    pm_focus f;
    pm_seek(m->root, m->has_root_val, m->root_val, prefix, plen, &f);
    pm_item it[2];
    size_t n = 0;
    if (f.has_val)
        it[n++] = (pm_item){prefix, plen, 0, 0};
    if (f.link || f.is_virt)
        it[n++] = (pm_item){prefix, plen, 1, 0};
    pm_map *r = pm_alloc_aux(sizeof *r);
    if (!r)
        return PM_ENOMEM;
    pm_map_copy_head(r, m);
    r->root = 0;
    r->has_root_val = 0;
    r->root_val = 0;
    if (n) {
        void *blk = NULL;
        pm_pool pool;
        pm_pool_init(&pool);
        pm_link dummy;
        if ((f.is_virt && !(blk = pm_alloc_node(sizeof(pm_line)))) ||
            pm_build(&pool, it, n, &dummy, NULL) || pm_pool_fill(&pool)) {
            if (blk)
                pm_free_node(blk, sizeof(pm_line));
            pm_pool_fini(&pool);
            pm_free_aux(r);
            return PM_ENOMEM;
        }
        for (size_t i = 0; i < n; i++)
            it[i].pay =
                it[i].is_child ? (uint64_t)focus_take(&f, blk, ops) : pm_val_clone(ops, f.val);
        pm_build(&pool, it, n, &r->root, NULL);
        pm_pool_fini(&pool);
    }
    *out = r;
    return PM_OK;
}

pm_status pm_map_graft(pm_map *dst, const uint8_t *prefix, size_t plen, const pm_map *src)
{
    if (!dst || !src || bad_key(prefix, plen))
        return PM_EINVAL;
    pm_op op = {.kind = PM_OP_GRAFT,
                .g_has_val = src->has_root_val,
                .g_val = src->root_val,
                .g_link = src->root};
    /* Take the reference first: when dst shares nodes with src (or is src), the raised count
     * makes the engine copy them instead of writing into the grafted subtrie. */
    if (op.g_link)
        pm_ref(op.g_link);
    pm_status s = pm_edit(dst, prefix, plen, &op);
    if (s && op.g_link)
        pm_release(op.g_link, pm_map_ops(dst)); /* src still holds it: only a decrement */
    return s;
}

/* ---- debug hooks on the root ----------------------------------------------------------------- */
pm_status pm_debug_set_root_refcount(pm_map *m, uint32_t count)
{
    if (!m || !m->root || count == 0)
        return PM_EINVAL;
    atomic_store_explicit(pm_rcp(m->root), count, memory_order_relaxed);
    return PM_OK;
}

uint32_t pm_debug_root_refcount(const pm_map *m)
{
    if (!m || !m->root)
        return 0;
    return atomic_load_explicit(pm_rcp(m->root), memory_order_relaxed);
}

uint32_t pm_debug_refcount_max(void)
{
    return PM_RC_STICKY;
}
