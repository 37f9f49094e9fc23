/* node.c — node-level primitives: sizes, release (iterative, allocation-free), copy, entry
 * insertion/removal, the allocation pool and the walk stack. */
#include "node_internal.h"

size_t pm_node_size(pm_link l)
{
    if (pm_tag(l) == PM_TAG_LINE)
        return pm_line_size(pm_ptr(l));
    const pm_dense *d = pm_ptr(l);
    return pm_dense_bytes(pm_dense_is_small(d), pm_dense_cap(d));
}

void pm_free_shell(pm_link l)
{
    pm_free_node(pm_ptr(l), pm_node_size(l));
}

/* ---- release -----------------------------------------------------------------------------------
 * Dead nodes (count reached zero: they are ours) form the work list. The list is threaded
 * through the dead nodes' own memory, in bytes a dead node no longer needs once its values are
 * dropped: the first 8 bytes of a line node's key area (offset 24; every line node has them, see
 * PM_LINE_MIN), a small branch node's key bytes (offset 8) and a full one's value mask (after
 * its words). So release never allocates and never recurses. */
#define LINE_NEXT_OFF 24

static inline void *next_at(pm_link dead)
{
    if (pm_tag(dead) == PM_TAG_LINE)
        return (char *)pm_ptr(dead) + LINE_NEXT_OFF;
    const pm_dense *d = pm_ptr(dead);
    if (pm_dense_is_small(d))
        return pm_dense_sm(d)->key;
    return pm_dense_vmask(d);
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
            const pm_dense *d = pm_ptr(l);
            const uint64_t *w = pm_dense_words(d);
            for (unsigned i = pm_dense_cap(d) - pm_dense_nvals(d); i < pm_dense_cap(d); i++)
                pm_val_drop(ops, w[i]);
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
            const pm_link *kid = (const pm_link *)pm_dense_words(d);
            for (unsigned i = 0; i < d->n; i++)
                if (kid[i] && rc_dec(kid[i]))
                    kill(kid[i], &head, ops);
        }
        pm_free_shell(x);
    }
}

/* ---- copy / move -----------------------------------------------------------------------------
 * Writes branch node s into block in the given form and capacity: header, children, values and
 * the byte set (re-encoded when the form changes; both forms keep entries and values in byte
 * order, so the word arrays copy as they are). Everything but the count is copied: another
 * thread may be changing the source's count right now (a clone of a shared node), so it is never
 * read as plain memory. No reference is taken. */
static pm_link dense_write(const pm_dense *s, void *block, unsigned newcap, int small)
{
    pm_dense *d = block;
    unsigned n = s->n, nv = pm_dense_nvals(s), scap = pm_dense_cap(s);
    assert(newcap >= n + nv && newcap <= PM_DENSE_MAXCAP && (!small || n <= PM_SMALL_MAX));
    atomic_init(&d->rc, 1);
    d->capf = (uint16_t)(newcap | (small ? PM_DENSE_SMALL : 0));
    d->n = (uint16_t)n;
    pm_dense_hash_clear(d); /* never copied: readers may be storing the source's right now */
    uint64_t *dw = pm_dense_words(d);
    const uint64_t *sw = pm_dense_words(s);
    memcpy(dw, sw, n * sizeof *dw);
    memcpy(dw + newcap - nv, sw + scap - nv, nv * sizeof *dw);
    if (small == pm_dense_is_small(s)) { /* same form: the byte set copies as it is */
        if (small) {
            memcpy(pm_dense_sm(d)->key, pm_dense_sm(s)->key, sizeof pm_dense_sm(s)->key);
            pm_dense_sm(d)->vbits = pm_dense_sm(s)->vbits;
        } else {
            memcpy(d->mask, s->mask, sizeof d->mask);
            memcpy(pm_dense_vmask(d), pm_dense_vmask(s), sizeof d->mask);
        }
    } else if (small) {
        pm_small *ds = pm_dense_sm(d);
        memset(ds->key, 0, sizeof ds->key);
        ds->vbits = 0;
        unsigned i = 0;
        for (unsigned b = pm_dense_next(s, 0); b < 256; b = pm_dense_next(s, b + 1), i++) {
            ds->key[i] = (uint8_t)b;
            if (pm_dense_has_val_at(s, (int)i, b))
                ds->vbits |= 1ull << i;
        }
    } else {
        uint64_t *vm = pm_dense_vmask(d);
        pm_dense_mask(s, d->mask);
        memset(vm, 0, 4 * sizeof *vm);
        unsigned i = 0;
        for (unsigned b = pm_next_bit(d->mask, 0); b < 256; b = pm_next_bit(d->mask, b + 1), i++)
            if (pm_dense_has_val_at(s, (int)i, b))
                pm_bit_set(vm, b);
    }
    return pm_mklink(d, PM_TAG_DENSE);
}

pm_link pm_node_copy(pm_link l, void *block, const pm_val_ops *ops)
{
    assert(pm_tag(l) == PM_TAG_LINE);
    const pm_line *s = pm_ptr(l);
    pm_line *d = block;
    /* Everything but the count (see dense_write). */
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

pm_link pm_dense_copy(pm_link l, void *block, unsigned newcap, int small, const pm_val_ops *ops)
{
    pm_link y = dense_write(pm_ptr(l), block, newcap, small);
    pm_dense *d = block;
    uint64_t *w = pm_dense_words(d);
    unsigned nv = pm_dense_nvals(d);
    for (unsigned i = 0; i < d->n; i++)
        if (w[i])
            pm_ref((pm_link)w[i]);
    for (unsigned i = newcap - nv; i < newcap; i++)
        w[i] = pm_val_clone(ops, w[i]);
    return y;
}

pm_link pm_dense_move(pm_link l, void *block, unsigned newcap, int small)
{
    pm_link y = dense_write(pm_ptr(l), block, newcap, small);
    pm_free_shell(l);
    return y;
}

/* Free words of d sit between its children and its values. */
static inline unsigned free_words(const pm_dense *d, unsigned nv)
{
    return pm_dense_cap(d) - d->n - nv;
}

/* Where byte b's entry goes (entries below b). */
static unsigned insert_rank(const pm_dense *d, unsigned b)
{
    if (!pm_dense_is_small(d))
        return pm_rank(d->mask, b);
    const pm_small *s = pm_dense_sm(d);
    unsigned r = 0;
    while (r < s->n && s->key[r] < b)
        r++;
    return r;
}

/* Stores val as the value of entry i (byte b), which has none: values of rank >= its rank r
 * (at w[cap-nv .. cap-1-r]) move down one word to open w[cap-1-r]. Appends in byte order move
 * nothing, and skip the call. */
static void put_val(pm_dense *d, int i, unsigned b, uint64_t val)
{
    unsigned nv = pm_dense_nvals(d), cap = pm_dense_cap(d), r = pm_dense_vrank(d, i, b);
    uint64_t *w = pm_dense_words(d);
    assert(free_words(d, nv) >= 1 && !pm_dense_has_val_at(d, i, b));
    if (nv > r)
        memmove(&w[cap - nv - 1], &w[cap - nv], (nv - r) * sizeof *w);
    w[cap - 1 - r] = val;
    if (pm_dense_is_small(d))
        pm_dense_sm(d)->vbits |= 1ull << i;
    else
        pm_bit_set(pm_dense_vmask(d), b);
}

void pm_dense_insert(pm_dense *d, unsigned b, pm_link child, int has_val, uint64_t val)
{
    assert(!pm_dense_has(d, b) && free_words(d, pm_dense_nvals(d)) >= 1u + (has_val != 0));
    unsigned r = insert_rank(d, b);
    uint64_t *w = pm_dense_words(d);
    if (d->n > r)
        memmove(&w[r + 1], &w[r], (d->n - r) * sizeof *w);
    w[r] = (uint64_t)child;
    if (pm_dense_is_small(d)) {
        pm_small *s = pm_dense_sm(d);
        assert(s->n < PM_SMALL_MAX);
        memmove(&s->key[r + 1], &s->key[r], s->n - r);
        s->key[r] = (uint8_t)b;
        uint64_t below = (1ull << r) - 1;
        s->vbits = (s->vbits & below) | ((s->vbits & ~below) << 1);
    } else {
        pm_bit_set(d->mask, b);
    }
    d->n++;
    if (has_val)
        put_val(d, (int)r, b, val);
}

void pm_dense_erase(pm_dense *d, unsigned b)
{
    assert(pm_dense_has(d, b));
    if (pm_dense_has_val(d, b))
        pm_dense_clear_val(d, b);
    unsigned r = (unsigned)pm_dense_slot(d, b);
    uint64_t *w = pm_dense_words(d);
    memmove(&w[r], &w[r + 1], (d->n - r - 1) * sizeof *w);
    if (pm_dense_is_small(d)) {
        pm_small *s = pm_dense_sm(d);
        memmove(&s->key[r], &s->key[r + 1], s->n - r - 1);
        s->key[s->n - 1] = 0;
        uint64_t below = (1ull << r) - 1; /* entry r holds no value any more */
        s->vbits = (s->vbits & below) | ((s->vbits >> 1) & ~below);
    } else {
        pm_bit_clear(d->mask, b);
    }
    d->n--;
}

void pm_dense_set_val(pm_dense *d, unsigned b, uint64_t val)
{
    int i = pm_dense_slot(d, b);
    assert(i >= 0);
    put_val(d, i, b, val);
}

void pm_dense_clear_val(pm_dense *d, unsigned b)
{
    int i = pm_dense_slot(d, b);
    assert(i >= 0 && pm_dense_has_val_at(d, i, b));
    unsigned nv = pm_dense_nvals(d), base = pm_dense_cap(d) - nv, r = pm_dense_vrank(d, i, b);
    uint64_t *w = pm_dense_words(d);
    /* values of rank > r (at w[base .. cap-2-r]) move up one word over rank r's */
    memmove(&w[base + 1], &w[base], (nv - 1 - r) * sizeof *w);
    w[base] = 0;
    if (pm_dense_is_small(d))
        pm_dense_sm(d)->vbits &= ~(1ull << i);
    else
        pm_bit_clear(pm_dense_vmask(d), b);
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
            const uint64_t *w = pm_dense_words(d);
            c += pm_dense_nvals(d);
            for (unsigned i = 0; i < d->n; i++)
                if (w[i] && pm_stack_push(&s, (pm_link)w[i]))
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
        int i = pm_dense_slot(d, b);
        if (i < 0)
            return;
        pm_link child = (pm_link)pm_dense_words(d)[i];
        if (len == 1) {
            f->has_val = pm_dense_has_val_at(d, i, b);
            f->val = f->has_val ? *pm_dense_valp_at(d, i, b) : 0;
            f->link = child;
            return;
        }
        cur = child;
        key++;
        len--;
    }
}
