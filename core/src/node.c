/* node.c — node-level primitives: sizes, release (iterative, allocation-free), copy, entry
 * insertion/removal, the allocation pool and the walk stack. */
#include "node_internal.h"

size_t pm_node_size(pm_link l)
{
    if (pm_tag(l) == PM_TAG_LINE)
        return pm_line_size(pm_ptr(l));
    return pm_dense_size(((const pm_dense *)pm_ptr(l))->cap);
}

void pm_free_shell(pm_link l)
{
    pm_free_node(pm_ptr(l), pm_node_size(l));
}

/* ---- release -----------------------------------------------------------------------------------
 * Dead nodes (count reached zero: they are ours) form the work list. The list is threaded
 * through the dead nodes' own memory, in bytes a dead node no longer needs once its values are
 * dropped: the first 8 bytes of a line node's key area (offset 24; every line node has them, see
 * PM_LINE_MIN) and a dense node's value mask (after its words). So release never allocates and
 * never recurses. */
#define LINE_NEXT_OFF 24

static inline void *next_at(pm_link dead)
{
    if (pm_tag(dead) == PM_TAG_LINE)
        return (char *)pm_ptr(dead) + LINE_NEXT_OFF;
    return pm_dense_vmask(pm_ptr(dead));
}
static inline void set_next(pm_link dead, pm_link next)
{
    memcpy(next_at(dead), &next, sizeof next);
}
static inline pm_link get_next(pm_link dead)
{
    pm_link next;
    memcpy(&next, next_at(dead), sizeof next);
    return next;
}

/* -1 with acq_rel ordering: the release half makes our earlier writes to the node visible to
 * whoever frees it; the acquire half lets the thread that takes the count from 1 to 0 see every
 * other thread's writes before it touches the node. (A release CAS plus a standalone acquire
 * fence is equivalent, but ThreadSanitizer does not model standalone fences; on x86 the locked
 * CAS costs the same either way.) A CAS loop (not fetch_sub) so a count that some other thread
 * saturated in the meantime is never decremented. Returns 1 if the node is dead. */
static inline int rc_dec(pm_link l)
{
    _Atomic uint32_t *rc = pm_rcp(l);
    uint32_t v = atomic_load_explicit(rc, memory_order_relaxed);
    do {
        if (v >= PM_RC_STICKY)
            return 0;
    } while (!atomic_compare_exchange_weak_explicit(rc, &v, v - 1, memory_order_acq_rel,
                                                    memory_order_relaxed));
    return v == 1;
}

/* Node l just died: drop its values now (so their bytes are free) and push it. */
static void kill(pm_link l, pm_link *head, const pm_val_ops *ops)
{
    if (ops && ops->drop) {
        if (pm_tag(l) == PM_TAG_LINE) {
            pm_line *n = pm_ptr(l);
            for (unsigned i = 0; i < n->n; i++)
                if (!pm_line_is_child(n, i))
                    pm_val_drop(ops, n->pay[i]);
        } else {
            pm_dense *d = pm_ptr(l);
            for (unsigned i = d->cap - pm_dense_nvals(d); i < d->cap; i++)
                pm_val_drop(ops, d->w[i]);
        }
    }
    set_next(l, *head);
    *head = l;
}

void pm_release(pm_link l, const pm_val_ops *ops)
{
    if (!l || !rc_dec(l))
        return;
    pm_link head = 0;
    kill(l, &head, ops);
    while (head) {
        pm_link x = head;
        head = get_next(x);
        if (pm_tag(x) == PM_TAG_LINE) {
            pm_line *n = pm_ptr(x);
            for (unsigned i = 0; i < n->n; i++)
                if (pm_line_is_child(n, i) && rc_dec((pm_link)n->pay[i]))
                    kill((pm_link)n->pay[i], &head, ops);
        } else {
            pm_dense *d = pm_ptr(x);
            const pm_link *kid = pm_dense_kids(d);
            for (unsigned i = 0; i < d->n; i++)
                if (kid[i] && rc_dec(kid[i]))
                    kill(kid[i], &head, ops);
        }
        pm_free_shell(x);
    }
}

/* ---- copy / move -----------------------------------------------------------------------------
 * Copies dense node s's header, children, values and value mask into block with capacity newcap
 * (everything but the count: another thread may be changing the source's count right now, a
 * clone of a shared node, so it is never read as plain memory). No reference is taken. */
static pm_link pm_dense_move_words(const pm_dense *s, void *block, unsigned newcap, unsigned nv)
{
    pm_dense *d = block;
    assert(newcap >= s->n + nv && newcap <= PM_DENSE_MAXCAP);
    memcpy((char *)d + sizeof d->rc, (const char *)s + sizeof s->rc,
           offsetof(pm_dense, w) - sizeof d->rc + s->n * sizeof s->w[0]);
    atomic_init(&d->rc, 1);
    d->cap = (uint16_t)newcap;
    memcpy(&d->w[newcap - nv], &s->w[s->cap - nv], nv * sizeof s->w[0]);
    memcpy(pm_dense_vmask(d), pm_dense_vmask_c(s), 4 * sizeof s->w[0]);
    return pm_mklink(d, PM_TAG_DENSE);
}

pm_link pm_node_copy(pm_link l, void *block, unsigned newcap, const pm_val_ops *ops)
{
    if (pm_tag(l) == PM_TAG_LINE) {
        const pm_line *s = pm_ptr(l);
        pm_line *d = block;
        /* Everything but the count: another thread may be changing the source's count right
         * now (a clone of a shared node), so the count is never read as plain memory. */
        memcpy((char *)d + sizeof d->rc, (const char *)s + sizeof s->rc,
               pm_line_size(s) - sizeof d->rc);
        atomic_init(&d->rc, 1);
        for (unsigned i = 0; i < d->n; i++) {
            if (pm_line_is_child(d, i))
                pm_ref((pm_link)d->pay[i]);
            else
                d->pay[i] = pm_val_clone(ops, d->pay[i]);
        }
        return pm_mklink(d, PM_TAG_LINE);
    }
    const pm_dense *s = pm_ptr(l);
    unsigned nv = pm_dense_nvals(s);
    if (!newcap)
        newcap = s->n + nv;
    pm_link y = pm_dense_move_words(s, block, newcap, nv);
    pm_dense *d = block;
    for (unsigned i = 0; i < d->n; i++)
        if (d->w[i])
            pm_ref((pm_link)d->w[i]);
    for (unsigned i = newcap - nv; i < newcap; i++)
        d->w[i] = pm_val_clone(ops, d->w[i]);
    return y;
}

pm_link pm_dense_move(pm_link l, void *block, unsigned newcap)
{
    const pm_dense *s = pm_ptr(l);
    pm_link y = pm_dense_move_words(s, block, newcap, pm_dense_nvals(s));
    pm_free_shell(l);
    return y;
}

/* Free words of d sit between its children and its values. */
static inline unsigned free_words(const pm_dense *d, unsigned nv)
{
    return d->cap - d->n - nv;
}

void pm_dense_insert(pm_dense *d, unsigned b, pm_link child, int has_val, uint64_t val)
{
    assert(!pm_bit(d->mask, b) && free_words(d, pm_dense_nvals(d)) >= 1u + (has_val != 0));
    unsigned r = pm_rank(d->mask, b);
    memmove(&d->w[r + 1], &d->w[r], (d->n - r) * sizeof d->w[0]);
    d->w[r] = (uint64_t)child;
    pm_bit_set(d->mask, b);
    d->n++;
    if (has_val)
        pm_dense_set_val(d, b, val);
}

void pm_dense_erase(pm_dense *d, unsigned b)
{
    assert(pm_bit(d->mask, b));
    if (pm_dense_has_val(d, b))
        pm_dense_clear_val(d, b);
    unsigned r = pm_rank(d->mask, b);
    memmove(&d->w[r], &d->w[r + 1], (d->n - r - 1) * sizeof d->w[0]);
    pm_bit_clear(d->mask, b);
    d->n--;
}

void pm_dense_set_val(pm_dense *d, unsigned b, uint64_t val)
{
    uint64_t *vm = pm_dense_vmask(d);
    unsigned nv = pm_dense_nvals(d), base = d->cap - nv, r = pm_rank(vm, b);
    assert(pm_bit(d->mask, b) && !pm_bit(vm, b) && free_words(d, nv) >= 1);
    /* values of lower rank move down one word to open slot base - 1 + r */
    memmove(&d->w[base - 1], &d->w[base], r * sizeof d->w[0]);
    d->w[base - 1 + r] = val;
    pm_bit_set(vm, b);
}

void pm_dense_clear_val(pm_dense *d, unsigned b)
{
    uint64_t *vm = pm_dense_vmask(d);
    unsigned nv = pm_dense_nvals(d), base = d->cap - nv, r = pm_rank(vm, b);
    assert(pm_bit(vm, b));
    memmove(&d->w[base + 1], &d->w[base], r * sizeof d->w[0]);
    d->w[base] = 0;
    pm_bit_clear(vm, b);
}

void pm_line_erase(pm_line *l, unsigned slot)
{
    assert(slot < l->n);
    if (slot == 0 && l->n == 2) {
        memmove(l->key, l->key + l->len[0], l->len[1]);
        l->len[0] = l->len[1];
        l->pay[0] = l->pay[1];
        l->kinds = (uint8_t)((l->kinds & ~PM_LINE_KIND_BITS) | ((l->kinds >> 1) & 1));
    } else {
        l->kinds &= (uint8_t) ~(1u << slot);
    }
    l->n--;
    l->len[1] = 0;
    l->pay[1] = 0;
}

/* ---- pool ------------------------------------------------------------------------------------ */
void pm_pool_init(pm_pool *p)
{
    p->counting = 1;
    p->n = p->next = 0;
    p->cap = 16;
    p->size = p->size_inline;
    p->blk = p->blk_inline;
}

int pm_pool_request(pm_pool *p, size_t size)
{
    if (p->n == p->cap) {
        size_t nc = p->cap * 2;
        uint32_t *ns = pm_alloc_aux(nc * sizeof *ns);
        void **nb = ns ? pm_alloc_aux(nc * sizeof *nb) : NULL;
        if (!nb) {
            pm_free_aux(ns);
            return -1;
        }
        memcpy(ns, p->size, p->n * sizeof *ns);
        if (p->size != p->size_inline) {
            pm_free_aux(p->size);
            pm_free_aux(p->blk);
        }
        p->size = ns;
        p->blk = nb;
        p->cap = nc;
    }
    p->size[p->n++] = (uint32_t)size;
    return 0;
}

pm_status pm_pool_fill(pm_pool *p)
{
    p->counting = 0;
    for (size_t i = 0; i < p->n; i++) {
        p->blk[i] = pm_alloc_node(p->size[i]);
        if (!p->blk[i]) {
            while (i--)
                pm_free_node(p->blk[i], p->size[i]);
            p->n = 0;
            return PM_ENOMEM;
        }
    }
    return PM_OK;
}

void *pm_pool_take(pm_pool *p, size_t size)
{
    assert(!p->counting);
    assert(p->next < p->n && p->size[p->next] == size);
    (void)size;
    return p->blk[p->next++];
}

void pm_pool_fini(pm_pool *p)
{
    if (!p->counting)
        for (size_t i = p->next; i < p->n; i++)
            pm_free_node(p->blk[i], p->size[i]);
    if (p->size != p->size_inline) {
        pm_free_aux(p->size);
        pm_free_aux(p->blk);
    }
    p->n = p->next = 0;
}

/* ---- walk stack ------------------------------------------------------------------------------ */
int pm_stack_grow(pm_stack *s)
{
    size_t nc = s->cap * 2;
    pm_link *nv;
    if (s->v == s->inl) {
        nv = pm_alloc_aux(nc * sizeof *nv);
        if (nv)
            memcpy(nv, s->v, s->n * sizeof *nv);
    } else {
        nv = pm_realloc_aux(s->v, nc * sizeof *nv);
    }
    if (!nv)
        return -1;
    s->v = nv;
    s->cap = nc;
    return 0;
}

pm_status pm_count_values(pm_link l, size_t *out)
{
    size_t c = 0;
    pm_stack s;
    pm_stack_init(&s);
    if (l)
        s.v[s.n++] = l;
    while (s.n) {
        pm_link x = s.v[--s.n];
        if (pm_tag(x) == PM_TAG_LINE) {
            const pm_line *n = pm_ptr(x);
            for (unsigned i = 0; i < n->n; i++) {
                if (!pm_line_is_child(n, i))
                    c++;
                else if (pm_stack_push(&s, (pm_link)n->pay[i]))
                    goto nomem;
            }
        } else {
            const pm_dense *d = pm_ptr(x);
            c += pm_dense_nvals(d);
            for (unsigned i = 0; i < d->n; i++)
                if (d->w[i] && pm_stack_push(&s, (pm_link)d->w[i]))
                    goto nomem;
        }
    }
    pm_stack_fini(&s);
    *out = c;
    return PM_OK;
nomem:
    pm_stack_fini(&s);
    return PM_ENOMEM;
}

/* ---- seek ------------------------------------------------------------------------------------ */
void pm_seek(pm_link root, int root_has_val, uint64_t root_val, const uint8_t *key, size_t len,
             pm_focus *f)
{
    f->has_val = 0;
    f->val = 0;
    f->link = 0;
    f->is_virt = 0;
    if (len == 0) {
        f->has_val = root_has_val;
        f->val = root_val;
        f->link = root;
        return;
    }
    pm_link cur = root;
    while (cur) {
        if (pm_tag(cur) == PM_TAG_LINE) {
            const pm_line *n = pm_ptr(cur);
            pm_link next = 0;
            for (unsigned i = 0; i < n->n; i++) {
                const uint8_t *k = n->key + pm_line_off(n, i);
                size_t kl = n->len[i];
                if (pm_line_is_child(n, i) && len > kl && pm_bytes_eq(k, key, kl)) {
                    next = (pm_link)n->pay[i];
                    key += kl;
                    len -= kl;
                    break;
                }
            }
            if (next) {
                cur = next;
                continue;
            }
            /* terminal: slots whose key starts with the rest */
            pm_line *v = &f->virt;
            v->n = 0;
            v->kinds = 0;
            for (unsigned i = 0; i < n->n; i++) {
                const uint8_t *k = n->key + pm_line_off(n, i);
                size_t kl = n->len[i];
                if (kl < len || !pm_bytes_eq(k, key, len))
                    continue;
                if (kl == len) {
                    if (pm_line_is_child(n, i))
                        f->link = (pm_link)n->pay[i];
                    else {
                        f->has_val = 1;
                        f->val = n->pay[i];
                    }
                    continue;
                }
                unsigned j = v->n++;
                unsigned off = j ? v->len[0] : 0;
                memcpy(v->key + off, k + len, kl - len);
                v->len[j] = (uint8_t)(kl - len);
                v->pay[j] = n->pay[i];
                if (pm_line_is_child(n, i))
                    v->kinds |= (uint8_t)(1u << j);
            }
            if (v->n) {
                atomic_init(&v->rc, 0);
                f->is_virt = 1;
            }
            return;
        }
        const pm_dense *d = pm_ptr(cur);
        unsigned b = key[0];
        if (!pm_bit(d->mask, b))
            return;
        pm_link child = pm_dense_child(d, b);
        if (len == 1) {
            f->has_val = pm_dense_has_val(d, b);
            f->val = f->has_val ? pm_dense_val(d, b) : 0;
            f->link = child;
            return;
        }
        cur = child;
        key++;
        len--;
    }
}
