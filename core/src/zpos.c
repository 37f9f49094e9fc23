/* zpos.c — key positions in a trie: one byte down, the child mask, the subtrie below as a
 * counted link. Works inside prefix-compressed keys. Reads only (take excepted: one +1). */
#include "zipper_internal.h"

unsigned pm_prev_bit(const uint64_t m[4], unsigned below)
{
    while (below > 0) {
        unsigned top = below - 1;
        uint64_t w = m[top >> 6] & (~(uint64_t)0 >> (63 - (top & 63)));
        if (w)
            return (top & ~63u) + 63u - (unsigned)__builtin_clzll(w);
        below = top & ~63u;
    }
    return 256;
}

void pm_zpos_root(const pm_map *m, pm_zpos *p)
{
    p->node = m->root;
    p->off = 0;
    p->slot = 0;
    p->has_val = (uint8_t)(m->has_root_val != 0);
    p->val = m->root_val;
}

/* The end of line slot s (and of its pair partner): value and child there. */
static void slot_end(const pm_line *l, unsigned s, pm_zpos *o)
{
    if (pm_line_is_child(l, s)) {
        o->node = (pm_link)l->pay[s];
        return;
    }
    o->has_val = 1;
    o->val = l->pay[s];
    if (s + 1 < l->n && l->len[s + 1] == l->len[s] && pm_line_is_child(l, s + 1) &&
        l->key[l->len[0]] == l->key[pm_line_off(l, s)])
        o->node = (pm_link)l->pay[s + 1];
}

void pm_zpos_step(const pm_zpos *p, unsigned b, pm_zpos *o)
{
    pm_link x = p->node;
    uint32_t off = p->off;
    unsigned slot = p->slot;
    o->node = 0;
    o->off = 0;
    o->slot = 0;
    o->has_val = 0;
    o->val = 0;
    if (!x)
        return;
    if (pm_tag(x) == PM_TAG_DENSE) {
        const pm_dense *d = pm_ptr(x);
        int i = pm_dense_slot(d, b);
        if (i < 0)
            return;
        o->has_val = (uint8_t)pm_dense_has_val_at(d, i, b);
        o->val = o->has_val ? *pm_dense_valp_at(d, i, b) : 0;
        o->node = (pm_link)pm_dense_words(d)[i];
        return;
    }
    const pm_line *l = pm_ptr(x);
    if (off == 0) {
        unsigned s = 0;
        while (s < l->n && l->key[pm_line_off(l, s)] != b)
            s++;
        if (s == l->n)
            return;
        slot = s;
    } else if (l->key[pm_line_off(l, slot) + off] != b) {
        return;
    }
    if (off + 1 == l->len[slot]) {
        slot_end(l, slot, o);
        return;
    }
    o->node = x;
    o->slot = (uint8_t)slot;
    o->off = off + 1;
}

void pm_zpos_mask(const pm_zpos *p, uint64_t m[4])
{
    m[0] = m[1] = m[2] = m[3] = 0;
    if (!p->node)
        return;
    if (pm_tag(p->node) == PM_TAG_DENSE) {
        pm_dense_mask(pm_ptr(p->node), m);
        return;
    }
    const pm_line *l = pm_ptr(p->node);
    if (p->off) {
        pm_bit_set(m, l->key[pm_line_off(l, p->slot) + p->off]);
        return;
    }
    for (unsigned i = 0; i < l->n; i++)
        pm_bit_set(m, l->key[pm_line_off(l, i)]);
}

void pm_zpos_virt(const pm_zpos *p, pm_line *v)
{
    const pm_line *l = pm_ptr(p->node);
    unsigned s = p->slot, off = p->off;
    memset(v, 0, sizeof *v);
    unsigned last = s;
    if (!pm_line_is_child(l, s) && s + 1 < l->n && l->len[s + 1] == l->len[s] &&
        pm_line_is_child(l, s + 1) && l->key[l->len[0]] == l->key[pm_line_off(l, s)])
        last = s + 1;
    for (unsigned i = s; i <= last; i++) {
        unsigned j = v->n++, kl = l->len[i] - off;
        memcpy(v->key + (j ? v->len[0] : 0), l->key + pm_line_off(l, i) + off, kl);
        v->len[j] = (uint8_t)kl;
        v->pay[j] = l->pay[i];
        if (pm_line_is_child(l, i))
            v->kinds |= (uint8_t)(1u << j);
    }
    atomic_init(&v->rc, 0);
}

pm_link pm_zpos_take(const pm_zpos *p, void *blk, const pm_val_ops *ops)
{
    if (p->off) {
        pm_line v;
        pm_zpos_virt(p, &v);
        return pm_node_copy(pm_mklink(&v, PM_TAG_LINE), blk, ops);
    }
    if (p->node)
        pm_ref(p->node);
    return p->node;
}

pm_status pm_zpos_count(const pm_zpos *p, size_t *out)
{
    size_t c = 0;
    pm_status s;
    if (p->off) {
        pm_line v;
        pm_zpos_virt(p, &v);
        s = pm_count_values(pm_mklink(&v, PM_TAG_LINE), &c);
    } else {
        s = pm_count_values(p->node, &c);
    }
    if (s)
        return s;
    *out = c + (p->has_val ? 1 : 0);
    return PM_OK;
}
