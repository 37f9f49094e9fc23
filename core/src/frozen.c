/* frozen.c — the frozen form (pathmap_frozen.h): building an image from a map in one pass,
 * validating images, lookups, prefix counts, iteration and read zippers over them.
 *
 * Image (docs/formats.md, "Frozen form"): a 64-byte header, then the nodes in post-order (every
 * node after its children, children in ascending byte order), so a subtree is one contiguous
 * run of bytes that ends with its root node. A node is byte-aligned:
 *   h          1 byte: bits 0-1 kind (leaf, list, mask), bit 2 has value, bits 3-4 width code wc
 *              (offsets and count are 1 << wc bytes), bits 5-7 prefix length (7: more follows)
 *   [varint]   prefix length - 7, LEB128, when bits 5-7 are 7
 *   prefix     the compressed path bytes before the node's branch point Q
 *   [value]    8 bytes, the value at Q
 *   count      values at and below the node (not in leaves: a leaf's count is 1)
 *   list:      n - 1 (1 byte), the n child bytes ascending      (n <= PM_FZ_LIST_MAX)
 *   mask:      32 bytes, bit b = child byte b                    (n >  PM_FZ_LIST_MAX)
 *   offsets    n words of 1 << wc bytes: node position - child position (children lie before)
 * Nothing else is stored: no pointer, no absolute address, so the bytes mean the same at any
 * address. Every read of an image happens after pm_fz_validate() accepted it. */
#define _POSIX_C_SOURCE 200809L
#include "frozen_internal.h"
#include "node_internal.h"
#include "pathmap_frozen.h"

#include <errno.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- little-endian loads and stores ---------------------------------------------------------- */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define FZ_SWAP16(x) __builtin_bswap16(x)
#define FZ_SWAP32(x) __builtin_bswap32(x)
#define FZ_SWAP64(x) __builtin_bswap64(x)
#else
#define FZ_SWAP16(x) (x)
#define FZ_SWAP32(x) (x)
#define FZ_SWAP64(x) (x)
#endif

static inline uint64_t le64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return FZ_SWAP64(v);
}
static inline uint32_t le32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return FZ_SWAP32(v);
}
/* A word of 1 << wc bytes. */
static inline uint64_t ldw(const uint8_t *p, unsigned wc)
{
    switch (wc) {
    case 0:
        return p[0];
    case 1: {
        uint16_t v;
        memcpy(&v, p, 2);
        return FZ_SWAP16(v);
    }
    case 2:
        return le32(p);
    default:
        return le64(p);
    }
}
static inline void stw(uint8_t *p, unsigned nbytes, uint64_t v)
{
    for (unsigned i = 0; i < nbytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline void load_mask(const uint8_t *p, uint64_t m[4])
{
    for (int i = 0; i < 4; i++)
        m[i] = le64(p + 8 * i);
}

uint64_t pm_fz_checksum(const uint8_t *img, size_t size)
{
    const uint64_t k = 0x9E3779B97F4A7C15ull;
    uint64_t h = k ^ (uint64_t)size;
    for (size_t i = 0; i < PM_FZ_OFF_CHECKSUM && i + 8 <= size; i += 8) {
        h = (h ^ le64(img + i)) * k;
        h ^= h >> 29;
    }
    size_t i = PM_FZ_HDR;
    for (; i + 8 <= size; i += 8) {
        h = (h ^ le64(img + i)) * k;
        h ^= h >> 29;
    }
    uint64_t t = 0;
    for (unsigned s = 0; i < size; i++, s += 8)
        t |= (uint64_t)img[i] << s;
    h = (h ^ t) * k;
    return h ^ (h >> 32);
}

/* ---- nodes (trusted: only on validated images) ----------------------------------------------- */
typedef struct fzn {
    const uint8_t *pre; /* prefix bytes */
    size_t plen;
    const uint8_t *valp; /* the value's 8 bytes, or NULL */
    unsigned kind, wc, n;
    uint64_t count;
    const uint8_t *sel;  /* list: the n child bytes; mask: the 32-byte mask */
    const uint8_t *offs; /* n offsets of 1 << wc bytes */
} fzn;

static inline size_t varint_get(const uint8_t **pp)
{
    const uint8_t *p = *pp;
    size_t v = 0;
    unsigned s = 0;
    for (;;) {
        uint8_t c = *p++;
        v |= (size_t)(c & 0x7F) << s;
        if (!(c & 0x80))
            break;
        s += 7;
    }
    *pp = p;
    return v;
}
static size_t varint_len(size_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static inline void fz_node(const uint8_t *p, fzn *d)
{
    unsigned h = *p++;
    size_t pl = h >> 5;
    if (pl == 7)
        pl += varint_get(&p);
    d->pre = p;
    d->plen = pl;
    p += pl;
    d->valp = (h & 4) ? p : NULL;
    if (h & 4)
        p += 8;
    d->kind = h & 3;
    d->wc = (h >> 3) & 3;
    if (d->kind == PM_FZ_LEAF) {
        d->n = 0;
        d->count = 1;
        d->sel = d->offs = p;
        return;
    }
    d->count = ldw(p, d->wc);
    p += 1u << d->wc;
    if (d->kind == PM_FZ_LIST) {
        d->n = (unsigned)p[0] + 1;
        d->sel = p + 1;
        p += 1 + d->n;
    } else {
        uint64_t m[4];
        load_mask(p, m);
        d->n = (unsigned)(__builtin_popcountll(m[0]) + __builtin_popcountll(m[1]) +
                          __builtin_popcountll(m[2]) + __builtin_popcountll(m[3]));
        d->sel = p;
        p += 32;
    }
    d->offs = p;
}

/* Index of child byte b, or -1. */
static inline int fzn_find(const fzn *d, unsigned b)
{
    if (d->kind == PM_FZ_LIST) {
        for (unsigned i = 0; i < d->n; i++)
            if (d->sel[i] >= b)
                return d->sel[i] == b ? (int)i : -1;
        return -1;
    }
    if (d->kind == PM_FZ_LEAF)
        return -1;
    uint64_t m[4];
    load_mask(d->sel, m);
    return pm_bit(m, b) ? (int)pm_rank(m, b) : -1;
}
/* Smallest child byte >= from, or 256. */
static unsigned fzn_next(const fzn *d, unsigned from)
{
    if (d->kind == PM_FZ_LIST) {
        for (unsigned i = 0; i < d->n; i++)
            if (d->sel[i] >= from)
                return d->sel[i];
        return 256;
    }
    if (d->kind == PM_FZ_LEAF || from > 255)
        return 256;
    uint64_t m[4];
    load_mask(d->sel, m);
    return pm_next_bit(m, from);
}
static void fzn_mask(const fzn *d, uint64_t m[4])
{
    m[0] = m[1] = m[2] = m[3] = 0;
    if (d->kind == PM_FZ_LIST)
        for (unsigned i = 0; i < d->n; i++)
            pm_bit_set(m, d->sel[i]);
    else if (d->kind == PM_FZ_MASK)
        load_mask(d->sel, m);
}
static inline uint64_t fzn_child(uint64_t pos, const fzn *d, unsigned i)
{
    return pos - ldw(d->offs + ((size_t)i << d->wc), d->wc);
}

/* ---- the handle ------------------------------------------------------------------------------ */
enum { FZ_HEAP, FZ_BORROWED, FZ_MAPPED };
struct pm_frozen {
    const uint8_t *base;
    size_t size;
    uint64_t root, nvals;
    size_t maxkey, maxdepth;
    int how;
};

static int bad_key(const uint8_t *key, size_t len)
{
    return (!key && len) || len > PM_MAX_KEY;
}

/* ---- validation -------------------------------------------------------------------------------
 * Every node is decoded with bounds [pos, hi) and must end exactly at hi. Children are visited
 * last to first: the last child must end where its parent starts, each other child where the
 * subtree of the next one starts, and the first child's subtree start is the parent's subtree
 * start; the root's subtree must start right after the header and the root end at the image end.
 * So the subtrees tile the image: every byte belongs to one node, no node is reachable twice and
 * positions fall strictly along every edge (no cycle). Counts, the header's totals, list order,
 * canonical kinds and prefix lengths are checked on the way. */
typedef struct vframe {
    uint64_t pos, hi, nexthi, cnt;
    size_t kd;     /* key length at the node's start */
    uint64_t hmax; /* height of the tallest child subtree so far */
    long next;     /* index of the next child to visit (counting down), -1: done */
} vframe;

/* Checks the node at pos against [pos, hi); 0 if it is well formed and ends exactly at hi. */
static int check_node(const uint8_t *b, uint64_t pos, uint64_t hi, unsigned *n_out)
{
    if (pos >= hi)
        return -1;
    const uint8_t *p = b + pos, *end = b + hi;
    unsigned h = *p++;
    unsigned kind = h & 3, wc = (h >> 3) & 3;
    size_t w = (size_t)1 << wc;
    if (kind == 3)
        return -1;
    size_t pl = h >> 5;
    if (pl == 7) {
        size_t v = 0;
        unsigned s = 0;
        for (;;) {
            if (p == end || s > 56)
                return -1;
            uint8_t c = *p++;
            v |= (size_t)(c & 0x7F) << s;
            if (!(c & 0x80))
                break;
            s += 7;
        }
        if (v > (size_t)(end - p))
            return -1;
        pl += v;
    }
    if (pl > (size_t)(end - p))
        return -1;
    p += pl;
    int hv = (h >> 2) & 1;
    if (hv) {
        if ((size_t)(end - p) < 8)
            return -1;
        p += 8;
    }
    unsigned n = 0;
    if (kind == PM_FZ_LEAF) {
        if (!hv || wc != 0) /* a leaf without a value would be an empty path */
            return -1;
    } else {
        if ((size_t)(end - p) < w)
            return -1;
        p += w;
        if (kind == PM_FZ_LIST) {
            if (p == end)
                return -1;
            n = (unsigned)p[0] + 1;
            p++;
            if (n > PM_FZ_LIST_MAX || (size_t)(end - p) < n)
                return -1;
            for (unsigned i = 1; i < n; i++)
                if (p[i] <= p[i - 1])
                    return -1;
            p += n;
        } else {
            if ((size_t)(end - p) < 32)
                return -1;
            uint64_t m[4];
            load_mask(p, m);
            n = (unsigned)(__builtin_popcountll(m[0]) + __builtin_popcountll(m[1]) +
                           __builtin_popcountll(m[2]) + __builtin_popcountll(m[3]));
            if (n <= PM_FZ_LIST_MAX)
                return -1;
            p += 32;
        }
        if (n == 1 && !hv) /* would have been compressed into the child's prefix */
            return -1;
        if ((size_t)(end - p) / w < n)
            return -1;
        p += (size_t)n * w;
    }
    if (p != end)
        return -1;
    *n_out = n;
    return 0;
}

static pm_status validate(const uint8_t *b, size_t size, pm_frozen *info)
{
    if (!b || size < PM_FZ_HDR || memcmp(b, PM_FZ_MAGIC, 8) != 0)
        return PM_ECORRUPT;
    if (le32(b + PM_FZ_OFF_VERSION) != PM_FROZEN_VERSION)
        return PM_EVERSION;
    uint64_t fsize = le64(b + PM_FZ_OFF_SIZE), root = le64(b + PM_FZ_OFF_ROOT);
    uint64_t nvals = le64(b + PM_FZ_OFF_VALUES), maxkey = le64(b + PM_FZ_OFF_MAXKEY);
    uint64_t maxdepth = le64(b + PM_FZ_OFF_MAXDEPTH);
    if (le32(b + PM_FZ_OFF_HDRSIZE) != PM_FZ_HDR || fsize != size ||
        le64(b + PM_FZ_OFF_CHECKSUM) != pm_fz_checksum(b, size))
        return PM_ECORRUPT;
    info->base = b;
    info->size = size;
    info->root = root;
    info->nvals = nvals;
    if (root == 0) {
        if (size != PM_FZ_HDR || nvals || maxkey || maxdepth)
            return PM_ECORRUPT;
        info->maxkey = info->maxdepth = 0;
        return PM_OK;
    }
    if (root < PM_FZ_HDR || root >= size)
        return PM_ECORRUPT;
    vframe inl[64], *st = inl;
    size_t n = 0, cap = 64;
    uint64_t gotkey = 0, gotdepth = 0;
    pm_status rc = PM_ECORRUPT;
    unsigned nc;
    if (check_node(b, root, size, &nc))
        goto out;
    st[n++] = (vframe){root, size, root, 0, 0, 0, (long)nc - 1};
    while (n) {
        vframe *f = &st[n - 1];
        fzn d;
        fz_node(b + f->pos, &d);
        if (f->next >= 0) {
            uint64_t off = ldw(d.offs + ((size_t)f->next << d.wc), d.wc);
            f->next--;
            if (off == 0 || off > f->pos - PM_FZ_HDR)
                goto out;
            uint64_t c = f->pos - off;
            if (c >= f->nexthi || check_node(b, c, f->nexthi, &nc))
                goto out;
            if (d.plen + 1 > SIZE_MAX - f->kd)
                goto out;
            if (n == cap) {
                size_t ncap = cap * 2;
                vframe *ns = pm_realloc_aux(st == inl ? NULL : st, ncap * sizeof *ns);
                if (!ns) {
                    rc = PM_ENOMEM;
                    goto out;
                }
                if (st == inl)
                    memcpy(ns, inl, sizeof inl);
                st = ns;
                cap = ncap;
                f = &st[n - 1];
            }
            st[n] = (vframe){c, f->nexthi, c, 0, f->kd + d.plen + 1, 0, (long)nc - 1};
            n++;
            continue;
        }
        /* all children done: f->nexthi is the subtree's first byte */
        uint64_t cnt = f->cnt + (d.valp ? 1 : 0);
        if (cnt != d.count || cnt > size)
            goto out;
        size_t q = f->kd + d.plen;
        if (d.valp && q > gotkey)
            gotkey = q;
        uint64_t height = f->hmax + 1, lo = f->nexthi;
        if (height > gotdepth)
            gotdepth = height;
        n--;
        if (n) {
            vframe *p = &st[n - 1];
            p->nexthi = lo;
            p->cnt += cnt;
            if (p->cnt > size)
                goto out;
            if (height > p->hmax)
                p->hmax = height;
        } else if (lo != PM_FZ_HDR || cnt != nvals) {
            goto out;
        }
    }
    if (gotkey != maxkey || gotdepth != maxdepth)
        goto out;
    info->maxkey = (size_t)maxkey;
    info->maxdepth = (size_t)maxdepth;
    rc = PM_OK;
out:
    if (st != inl)
        pm_free_aux(st);
    return rc;
}

/* ---- building ---------------------------------------------------------------------------------
 * From the map's values in iteration order (sorted, a key before its extensions). Open nodes are
 * the branch points along the previous key; a new key sharing l bytes with it closes (emits)
 * every open node that starts after byte l, splits the node whose compressed path holds byte l
 * when l falls inside it, and opens a node for its own tail. Emitting a node appends it after
 * its children, which were emitted before it: post-order, one pass, no recursion. */
typedef struct bframe {
    size_t P, Q; /* node starts at key length P (after its edge byte), branches at Q */
    uint64_t val;
    int has_val;
    size_t cbase; /* its closed children: ch[cbase..nc) */
} bframe;
typedef struct bchild {
    uint64_t pos, count, height;
    uint8_t byte;
} bchild;
typedef struct builder {
    uint8_t *out;
    size_t len, cap;
    bframe *fr;
    size_t nf, fcap;
    bchild *ch;
    size_t nc, ccap;
    uint8_t *prev; /* the previous key */
    size_t plen, pcap;
    uint64_t maxkey;
} builder;

/* Grows the buffer whose pointer is at pp (any object pointer type; read and written with
 * memcpy, so no pointer type is punned) to hold need elements, doubling. */
static int grow(void *pp, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 16;
    while (nc < need) {
        if (nc > SIZE_MAX / 2 / elem)
            return -1;
        nc *= 2;
    }
    void *old;
    memcpy(&old, pp, sizeof old);
    void *np = pm_realloc_aux(old, nc * elem);
    if (!np)
        return -1;
    memcpy(pp, &np, sizeof np);
    *cap = nc;
    return 0;
}

/* Emits the node of frame f (its children are ch[f->cbase..nc)) and replaces the children by
 * one entry for it (edge byte `byte`; not for the root). */
static int emit(builder *b, const bframe *f, int is_root, uint8_t byte, uint64_t *root_out,
                uint64_t *height_out)
{
    size_t n = b->nc - f->cbase, pl = f->Q - f->P;
    const bchild *c = b->ch + f->cbase;
    uint64_t pos = b->len, count = f->has_val ? 1 : 0, height = 0;
    for (size_t i = 0; i < n; i++) {
        count += c[i].count;
        if (c[i].height > height)
            height = c[i].height;
    }
    height++;
    unsigned kind = n == 0 ? PM_FZ_LEAF : n <= PM_FZ_LIST_MAX ? PM_FZ_LIST : PM_FZ_MASK, wc = 0;
    if (n) {
        uint64_t big = pos - c[0].pos > count ? pos - c[0].pos : count;
        wc = big < 0x100 ? 0 : big < 0x10000 ? 1 : big <= 0xFFFFFFFFu ? 2 : 3;
    }
    size_t w = (size_t)1 << wc;
    size_t sz = 1 + (pl >= 7 ? varint_len(pl - 7) : 0) + pl + (f->has_val ? 8 : 0);
    if (n)
        sz += w + (kind == PM_FZ_LIST ? 1 + n : 32) + n * w;
    if (grow(&b->out, &b->cap, b->len + sz, 1))
        return -1;
    uint8_t *p = b->out + b->len;
    *p++ = (uint8_t)(kind | (f->has_val ? 4u : 0u) | wc << 3 | (pl >= 7 ? 7u : (unsigned)pl) << 5);
    if (pl >= 7)
        for (size_t v = pl - 7;; v >>= 7) {
            *p++ = (uint8_t)((v & 0x7F) | (v >= 0x80 ? 0x80 : 0));
            if (v < 0x80)
                break;
        }
    memcpy(p, b->prev + f->P, pl);
    p += pl;
    if (f->has_val) {
        stw(p, 8, f->val);
        p += 8;
    }
    if (n) {
        stw(p, (unsigned)w, count);
        p += w;
        if (kind == PM_FZ_LIST) {
            *p++ = (uint8_t)(n - 1);
            for (size_t i = 0; i < n; i++)
                *p++ = c[i].byte;
        } else {
            memset(p, 0, 32);
            for (size_t i = 0; i < n; i++)
                p[c[i].byte >> 3] |= (uint8_t)(1u << (c[i].byte & 7));
            p += 32;
        }
        for (size_t i = 0; i < n; i++, p += w)
            stw(p, (unsigned)w, pos - c[i].pos);
    }
    b->len += sz;
    b->nc = f->cbase;
    if (is_root) {
        *root_out = pos;
        *height_out = height;
        return 0;
    }
    if (grow(&b->ch, &b->ccap, b->nc + 1, sizeof *b->ch))
        return -1;
    b->ch[b->nc++] = (bchild){pos, count, height, byte};
    return 0;
}

static int close_top(builder *b)
{
    bframe f = b->fr[--b->nf];
    return emit(b, &f, 0, b->prev[f.P - 1], NULL, NULL);
}

/* same: leading bytes known equal to the previous key's (pm_iter_next_same), so a long shared
 * prefix is not compared again for every key. */
static int add_key(builder *b, const uint8_t *k, size_t len, uint64_t v, size_t same)
{
    size_t l = 0;
    if (b->nf) {
        size_t m = len < b->plen ? len : b->plen;
        l = same < m ? same : m;
        while (l < m && k[l] == b->prev[l])
            l++;
        while (b->fr[b->nf - 1].P > l)
            if (close_top(b))
                return -1;
        bframe *t = &b->fr[b->nf - 1];
        if (t->Q > l) { /* l falls inside t's path: its part below l becomes a child */
            bframe low = {l + 1, t->Q, t->val, t->has_val, t->cbase};
            t->Q = l;
            t->has_val = 0;
            if (emit(b, &low, 0, b->prev[l], NULL, NULL))
                return -1;
        }
        l++; /* the new node starts after its edge byte k[l] */
    }
    if (grow(&b->fr, &b->fcap, b->nf + 1, sizeof *b->fr) || grow(&b->prev, &b->pcap, len + 1, 1))
        return -1;
    b->fr[b->nf++] = (bframe){l, len, v, 1, b->nc};
    if (len > (l ? l - 1 : 0))
        memcpy(b->prev + (l ? l - 1 : 0), k + (l ? l - 1 : 0), len - (l ? l - 1 : 0));
    b->plen = len;
    if (len > b->maxkey)
        b->maxkey = len;
    return 0;
}

static void builder_fini(builder *b)
{
    pm_free_aux(b->out);
    pm_free_aux(b->fr);
    pm_free_aux(b->ch);
    pm_free_aux(b->prev);
}

static void put_header(uint8_t *o, size_t size, uint64_t root, uint64_t nvals, uint64_t maxkey,
                       uint64_t maxdepth)
{
    memset(o, 0, PM_FZ_HDR);
    memcpy(o, PM_FZ_MAGIC, 8);
    stw(o + PM_FZ_OFF_VERSION, 4, PM_FROZEN_VERSION);
    stw(o + PM_FZ_OFF_HDRSIZE, 4, PM_FZ_HDR);
    stw(o + PM_FZ_OFF_SIZE, 8, size);
    stw(o + PM_FZ_OFF_ROOT, 8, root);
    stw(o + PM_FZ_OFF_VALUES, 8, nvals);
    stw(o + PM_FZ_OFF_MAXKEY, 8, maxkey);
    stw(o + PM_FZ_OFF_MAXDEPTH, 8, maxdepth);
    stw(o + PM_FZ_OFF_CHECKSUM, 8, pm_fz_checksum(o, size));
}

pm_status pm_frozen_build(const pm_map *m, pm_frozen **out)
{
    if (!m || !out)
        return PM_EINVAL;
    pm_frozen *fz = pm_alloc_aux(sizeof *fz);
    if (!fz)
        return PM_ENOMEM;
    builder b;
    memset(&b, 0, sizeof b);
    pm_iter *it = NULL;
    pm_status s = pm_iter_new(m, NULL, 0, &it);
    if (s)
        goto fail;
    s = PM_ENOMEM;
    if (grow(&b.out, &b.cap, 4096, 1))
        goto fail;
    b.len = PM_FZ_HDR;
    uint64_t nvals = 0, root = 0, depth = 0;
    for (;;) {
        const uint8_t *k;
        size_t kl;
        uint64_t v;
        size_t same;
        pm_status st = pm_iter_next_same(it, &k, &kl, &v, &same);
        if (st == PM_ENOTFOUND)
            break;
        if (st) {
            s = st;
            goto fail;
        }
        if (add_key(&b, k, kl, v, same))
            goto fail;
        nvals++;
    }
    pm_iter_free(it);
    it = NULL;
    while (b.nf > 1)
        if (close_top(&b))
            goto fail;
    if (b.nf) {
        bframe f = b.fr[0];
        b.nf = 0;
        if (emit(&b, &f, 1, 0, &root, &depth))
            goto fail;
    } else {
        b.len = PM_FZ_HDR;
    }
    put_header(b.out, b.len, root, nvals, b.maxkey, depth);
    uint8_t *img = b.out;
    if (b.cap > b.len) { /* exact fit; a failed shrink keeps the larger block */
        uint8_t *shrunk = pm_realloc_aux(b.out, b.len);
        if (shrunk)
            img = shrunk;
    }
    b.out = NULL;
    builder_fini(&b);
    *fz = (pm_frozen){img, b.len, root, nvals, (size_t)b.maxkey, (size_t)depth, FZ_HEAP};
    *out = fz;
    return PM_OK;
fail:
    pm_iter_free(it);
    builder_fini(&b);
    pm_free_aux(fz);
    return s;
}

/* ---- opening, writing, closing -----------------------------------------------------------------
 */
static pm_status open_common(const uint8_t *buf, size_t len, int how, pm_frozen **out)
{
    pm_frozen *fz = pm_alloc_aux(sizeof *fz);
    if (!fz)
        return PM_ENOMEM;
    pm_status s = validate(buf, len, fz);
    if (s) {
        pm_free_aux(fz);
        return s;
    }
    fz->how = how;
    *out = fz;
    return PM_OK;
}

pm_status pm_frozen_open(const void *buf, size_t len, pm_frozen **out)
{
    if (!out || (!buf && len))
        return PM_EINVAL;
    return open_common(buf, len, FZ_BORROWED, out);
}

pm_status pm_frozen_open_fd(int fd, pm_frozen **out)
{
    if (fd < 0 || !out)
        return PM_EINVAL;
    struct stat sb;
    if (fstat(fd, &sb) != 0)
        return PM_EIO;
    if (sb.st_size < (off_t)PM_FZ_HDR)
        return PM_ECORRUPT;
    size_t len = (size_t)sb.st_size;
    if ((off_t)len != sb.st_size)
        return PM_ENOMEM;
    void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return PM_EIO;
    pm_status s = open_common(p, len, FZ_MAPPED, out);
    if (s)
        munmap(p, len);
    return s;
}

pm_status pm_frozen_read(FILE *f, pm_frozen **out)
{
    if (!f || !out)
        return PM_EINVAL;
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (grow(&buf, &cap, len + 65536, 1)) {
            pm_free_aux(buf);
            return PM_ENOMEM;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        pm_free_aux(buf);
        return PM_EIO;
    }
    pm_status s = open_common(buf, len, FZ_HEAP, out);
    if (s)
        pm_free_aux(buf);
    return s;
}

pm_status pm_frozen_write(const pm_frozen *fz, FILE *f)
{
    if (!fz || !f)
        return PM_EINVAL;
    return fwrite(fz->base, 1, fz->size, f) == fz->size ? PM_OK : PM_EIO;
}

pm_status pm_frozen_write_fd(const pm_frozen *fz, int fd)
{
    if (!fz || fd < 0)
        return PM_EINVAL;
    const uint8_t *p = fz->base;
    size_t left = fz->size;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return PM_EIO;
        p += w;
        left -= (size_t)w;
    }
    return PM_OK;
}

void pm_frozen_free(pm_frozen *fz)
{
    if (!fz)
        return;
    if (fz->how == FZ_HEAP)
        pm_free_aux((void *)(uintptr_t)fz->base);
    else if (fz->how == FZ_MAPPED)
        munmap((void *)(uintptr_t)fz->base, fz->size);
    pm_free_aux(fz);
}

const void *pm_frozen_data(const pm_frozen *fz, size_t *len)
{
    if (len)
        *len = fz ? fz->size : 0;
    return fz ? fz->base : NULL;
}

size_t pm_frozen_size(const pm_frozen *fz)
{
    return fz ? fz->size : 0;
}

size_t pm_frozen_len(const pm_frozen *fz)
{
    return fz ? (size_t)fz->nvals : 0;
}

/* ---- lookups -----------------------------------------------------------------------------------
 */
/* The hot loop: decode the header byte, compare the prefix, pick the child. */
static inline const uint8_t *lookup(const pm_frozen *fz, const uint8_t *key, size_t len)
{
    if (!fz->root)
        return NULL;
    const uint8_t *p = fz->base + fz->root;
    for (;;) {
        unsigned h = *p;
        const uint8_t *q = p + 1;
        size_t pl = h >> 5;
        if (pl == 7)
            pl += varint_get(&q);
        if (pl) {
            if (len < pl || !pm_bytes_eq(q, key, pl))
                return NULL;
            q += pl;
            key += pl;
            len -= pl;
        }
        if (len == 0)
            return (h & 4) ? q : NULL;
        unsigned kind = h & 3, wc = (h >> 3) & 3;
        if (kind == PM_FZ_LEAF)
            return NULL;
        q += ((h & 4) ? 8 : 0) + ((size_t)1 << wc);
        unsigned c = key[0], i;
        if (kind == PM_FZ_LIST) {
            unsigned n = (unsigned)q[0] + 1;
            const uint8_t *ks = q + 1;
            for (i = 0; i < n && ks[i] < c; i++)
                ;
            if (i == n || ks[i] != c)
                return NULL;
            q = ks + n;
        } else {
            uint64_t m[4];
            load_mask(q, m);
            if (!pm_bit(m, c))
                return NULL;
            i = pm_rank(m, c);
            q += 32;
        }
        p -= ldw(q + ((size_t)i << wc), wc);
        key++;
        len--;
    }
}

pm_status pm_frozen_get(const pm_frozen *fz, const uint8_t *key, size_t len, uint64_t *out)
{
    if (!fz || bad_key(key, len))
        return PM_EINVAL;
    const uint8_t *v = lookup(fz, key, len);
    if (!v)
        return PM_ENOTFOUND;
    if (out)
        *out = le64(v);
    return PM_OK;
}

bool pm_frozen_contains(const pm_frozen *fz, const uint8_t *key, size_t len)
{
    return fz && !bad_key(key, len) && lookup(fz, key, len) != NULL;
}

/* Follows key: 1 with the node holding its end and the prefix bytes of it consumed, 0 if the
 * path does not exist. */
static int seek(const pm_frozen *fz, const uint8_t *key, size_t len, uint64_t *npos, fzn *nd)
{
    if (!fz->root)
        return 0;
    uint64_t pos = fz->root;
    for (;;) {
        fz_node(fz->base + pos, nd);
        size_t m = nd->plen < len ? nd->plen : len;
        if (m && !pm_bytes_eq(nd->pre, key, m))
            return 0;
        if (len <= nd->plen) {
            *npos = pos;
            return 1;
        }
        key += nd->plen;
        len -= nd->plen;
        int i = fzn_find(nd, key[0]);
        if (i < 0)
            return 0;
        pos = fzn_child(pos, nd, (unsigned)i);
        key++;
        len--;
    }
}

bool pm_frozen_contains_path(const pm_frozen *fz, const uint8_t *key, size_t len)
{
    uint64_t pos;
    fzn d;
    return fz && !bad_key(key, len) && seek(fz, key, len, &pos, &d);
}

pm_status pm_frozen_count_prefix(const pm_frozen *fz, const uint8_t *prefix, size_t plen,
                                 size_t *out)
{
    if (!fz || !out || bad_key(prefix, plen))
        return PM_EINVAL;
    uint64_t pos;
    fzn d;
    *out = seek(fz, prefix, plen, &pos, &d) ? (size_t)d.count : 0;
    return PM_OK;
}

/* ---- read zipper --------------------------------------------------------------------------------
 * The path buffer holds origin + focus; st[] the nodes along the longest existing prefix of it
 * (elen bytes): st[i].d is the key length at which node i starts (after its edge byte). */
typedef struct zfr {
    uint64_t pos;
    size_t d;
} zfr;
struct pm_frz {
    const pm_frozen *fz;
    uint8_t *path;
    size_t len, cap, olen, elen;
    zfr *st;
    size_t n, scap;
};

/* Room for `extra` more path bytes and the nodes they can enter. */
static int zreserve(pm_frz *z, size_t extra)
{
    if (extra > SIZE_MAX - z->len)
        return -1;
    if (grow(&z->path, &z->cap, z->len + extra, 1))
        return -1;
    size_t fneed = extra > z->fz->maxdepth ? z->fz->maxdepth : extra;
    fneed += z->n;
    if (fneed > z->fz->maxdepth)
        fneed = z->fz->maxdepth;
    return grow(&z->st, &z->scap, fneed, sizeof *z->st);
}

/* Extends the existing prefix as far as the path goes (room reserved). */
static void zwalk(pm_frz *z)
{
    if (!z->n)
        return;
    const uint8_t *b = z->fz->base;
    while (z->elen < z->len) {
        zfr *t = &z->st[z->n - 1];
        fzn d;
        fz_node(b + t->pos, &d);
        size_t off = z->elen - t->d;
        while (off < d.plen && z->elen < z->len) {
            if (z->path[z->elen] != d.pre[off])
                return;
            off++;
            z->elen++;
        }
        if (z->elen == z->len)
            return;
        int i = fzn_find(&d, z->path[z->elen]);
        if (i < 0)
            return;
        z->st[z->n++] = (zfr){fzn_child(t->pos, &d, (unsigned)i), z->elen + 1};
        z->elen++;
    }
}

static int zinit(pm_frz *z, const pm_frozen *fz, const uint8_t *path, size_t len, size_t pcap,
                 size_t fcap)
{
    memset(z, 0, sizeof *z);
    z->fz = fz;
    if (grow(&z->path, &z->cap, pcap > 64 ? pcap : 64, 1) ||
        (fz->root && grow(&z->st, &z->scap, fcap ? fcap : 1, sizeof *z->st)))
        return -1;
    if (len)
        memcpy(z->path, path, len);
    z->len = z->olen = len;
    if (fz->root) {
        z->st[0] = (zfr){fz->root, 0};
        z->n = 1;
        if (zreserve(z, 0))
            return -1;
        /* frames for the origin's path: reserve as the walk can enter one node per byte */
        size_t need = len + 1 < fz->maxdepth ? len + 1 : fz->maxdepth;
        if (grow(&z->st, &z->scap, need, sizeof *z->st))
            return -1;
        zwalk(z);
    }
    return 0;
}

static void zfini(pm_frz *z)
{
    pm_free_aux(z->path);
    pm_free_aux(z->st);
}

pm_status pm_frz_new(const pm_frozen *fz, const uint8_t *path, size_t len, pm_frz **out)
{
    if (!fz || !out || bad_key(path, len))
        return PM_EINVAL;
    pm_frz *z = pm_alloc_aux(sizeof *z);
    if (!z)
        return PM_ENOMEM;
    if (zinit(z, fz, path, len, len + 16, 8)) {
        zfini(z);
        pm_free_aux(z);
        return PM_ENOMEM;
    }
    *out = z;
    return PM_OK;
}

void pm_frz_free(pm_frz *z)
{
    if (!z)
        return;
    zfini(z);
    pm_free_aux(z);
}

pm_status pm_frz_descend(pm_frz *z, const uint8_t *key, size_t len)
{
    if (!z || (!key && len))
        return PM_EINVAL;
    if (zreserve(z, len))
        return PM_ENOMEM;
    if (len)
        memcpy(z->path + z->len, key, len);
    int walk = z->elen == z->len;
    z->len += len;
    if (walk)
        zwalk(z);
    return z->n && z->elen == z->len ? PM_OK : PM_ENOTFOUND;
}

pm_status pm_frz_descend_byte(pm_frz *z, uint8_t b)
{
    return pm_frz_descend(z, &b, 1);
}

bool pm_frz_ascend(pm_frz *z, size_t n)
{
    if (!z)
        return false;
    bool all = n <= z->len - z->olen;
    if (!all)
        n = z->len - z->olen;
    z->len -= n;
    if (z->elen > z->len) {
        z->elen = z->len;
        while (z->n > 1 && z->st[z->n - 1].d > z->elen)
            z->n--;
    }
    return all;
}

void pm_frz_reset(pm_frz *z)
{
    if (z)
        pm_frz_ascend(z, z->len - z->olen);
}

const uint8_t *pm_frz_path(const pm_frz *z, size_t *len)
{
    if (len)
        *len = z ? z->len - z->olen : 0;
    return z ? z->path + z->olen : NULL;
}

/* The node holding the focus and the prefix bytes of it consumed; 0 if the focus does not
 * exist. */
static int zfocus(const pm_frz *z, fzn *d, size_t *off)
{
    if (!z || !z->n || z->elen != z->len)
        return 0;
    const zfr *t = &z->st[z->n - 1];
    fz_node(z->fz->base + t->pos, d);
    *off = z->len - t->d;
    return 1;
}

bool pm_frz_exists(const pm_frz *z)
{
    return z && z->n && z->elen == z->len;
}

pm_status pm_frz_val(const pm_frz *z, uint64_t *out)
{
    fzn d;
    size_t off;
    if (!zfocus(z, &d, &off) || off != d.plen || !d.valp)
        return PM_ENOTFOUND;
    if (out)
        *out = le64(d.valp);
    return PM_OK;
}

void pm_frz_child_mask(const pm_frz *z, uint64_t mask[4])
{
    fzn d;
    size_t off;
    mask[0] = mask[1] = mask[2] = mask[3] = 0;
    if (!zfocus(z, &d, &off))
        return;
    if (off < d.plen)
        pm_bit_set(mask, d.pre[off]);
    else
        fzn_mask(&d, mask);
}

unsigned pm_frz_child_count(const pm_frz *z)
{
    uint64_t m[4];
    pm_frz_child_mask(z, m);
    return (unsigned)(__builtin_popcountll(m[0]) + __builtin_popcountll(m[1]) +
                      __builtin_popcountll(m[2]) + __builtin_popcountll(m[3]));
}

static pm_status sibling(pm_frz *z, int next)
{
    if (!z)
        return PM_EINVAL;
    if (z->len == z->olen)
        return PM_ENOTFOUND;
    if (zreserve(z, 1))
        return PM_ENOMEM;
    uint8_t b = z->path[z->len - 1];
    pm_frz_ascend(z, 1);
    uint64_t m[4];
    pm_frz_child_mask(z, m);
    unsigned nb = 256;
    if (next)
        nb = b < 255 ? pm_next_bit(m, (unsigned)b + 1) : 256;
    else
        for (unsigned c = b; c-- > 0;)
            if (pm_bit(m, c)) {
                nb = c;
                break;
            }
    pm_frz_descend_byte(z, nb < 256 ? (uint8_t)nb : b); /* room reserved: cannot fail */
    return nb < 256 ? PM_OK : PM_ENOTFOUND;
}

pm_status pm_frz_next_sibling(pm_frz *z)
{
    return sibling(z, 1);
}

pm_status pm_frz_prev_sibling(pm_frz *z)
{
    return sibling(z, 0);
}

/* Moves to the smallest key after the focus path (below the origin) that holds a value, in
 * whole nodes: down through first children, up to the next sibling. Room for the longest key
 * and the deepest path is reserved first, so nothing fails once the focus starts moving. */
static pm_status next_val(pm_frz *z)
{
    const pm_frozen *fz = z->fz;
    if (!z->n || z->elen < z->olen) {
        pm_frz_reset(z);
        return PM_ENOTFOUND;
    }
    size_t want = fz->maxkey + 1 > z->len ? fz->maxkey + 1 : z->len;
    if (grow(&z->path, &z->cap, want, 1) || grow(&z->st, &z->scap, fz->maxdepth, sizeof *z->st))
        return PM_ENOMEM;
    unsigned minb = 0;
    if (z->elen < z->len) {
        minb = (unsigned)z->path[z->elen] + 1;
        z->len = z->elen;
    }
    const uint8_t *base = fz->base;
    for (;;) {
        zfr *t = &z->st[z->n - 1];
        fzn d;
        fz_node(base + t->pos, &d);
        size_t off = z->len - t->d;
        unsigned c;
        if (off < d.plen)
            c = d.pre[off] >= minb ? d.pre[off] : 256;
        else
            c = fzn_next(&d, minb);
        if (c < 256) {
            if (off < d.plen) {
                memcpy(z->path + z->len, d.pre + off, d.plen - off);
                z->len += d.plen - off;
            } else {
                uint64_t cp = fzn_child(t->pos, &d, (unsigned)fzn_find(&d, c));
                z->st[z->n++] = (zfr){cp, z->len + 1};
                z->path[z->len++] = (uint8_t)c;
                fz_node(base + cp, &d);
                memcpy(z->path + z->len, d.pre, d.plen);
                z->len += d.plen;
            }
            z->elen = z->len;
            if (d.valp)
                return PM_OK;
            minb = 0;
            continue;
        }
        if (t->d == 0 || t->d - 1 < z->olen) {
            z->elen = z->len;
            pm_frz_reset(z);
            return PM_ENOTFOUND;
        }
        minb = (unsigned)z->path[t->d - 1] + 1;
        z->len = z->elen = t->d - 1;
        z->n--;
    }
}

pm_status pm_frz_next_val(pm_frz *z)
{
    if (!z)
        return PM_EINVAL;
    return next_val(z);
}

pm_status pm_frz_val_count(const pm_frz *z, size_t *out)
{
    if (!z || !out)
        return PM_EINVAL;
    fzn d;
    size_t off;
    *out = zfocus(z, &d, &off) ? (size_t)d.count : 0;
    return PM_OK;
}

/* ---- iteration: a zipper at the prefix, its own value first, then next_val ------------------ */
struct pm_frozen_iter {
    pm_frz z;
    int started, done;
};

pm_status pm_frozen_iter_new(const pm_frozen *fz, const uint8_t *prefix, size_t plen,
                             pm_frozen_iter **out)
{
    if (!fz || !out || bad_key(prefix, plen))
        return PM_EINVAL;
    pm_frozen_iter *it = pm_alloc_aux(sizeof *it);
    if (!it)
        return PM_ENOMEM;
    size_t pcap = (plen > fz->maxkey ? plen : fz->maxkey) + 1;
    if (zinit(&it->z, fz, prefix, plen, pcap, fz->maxdepth)) {
        zfini(&it->z);
        pm_free_aux(it);
        return PM_ENOMEM;
    }
    it->started = it->done = 0;
    *out = it;
    return PM_OK;
}

pm_status pm_frozen_iter_next(pm_frozen_iter *it, const uint8_t **key, size_t *len, uint64_t *val)
{
    if (!it)
        return PM_EINVAL;
    if (it->done)
        return PM_ENOTFOUND;
    uint64_t v;
    if (!it->started) {
        it->started = 1;
        if (pm_frz_val(&it->z, &v) != PM_OK && next_val(&it->z) != PM_OK) {
            it->done = 1;
            return PM_ENOTFOUND;
        }
    } else if (next_val(&it->z) != PM_OK) {
        it->done = 1;
        return PM_ENOTFOUND;
    }
    pm_frz_val(&it->z, &v);
    if (key)
        *key = it->z.path;
    if (len)
        *len = it->z.len;
    if (val)
        *val = v;
    return PM_OK;
}

void pm_frozen_iter_free(pm_frozen_iter *it)
{
    if (!it)
        return;
    zfini(&it->z);
    pm_free_aux(it);
}

pm_status pm_frozen_foreach(const pm_frozen *fz, const uint8_t *prefix, size_t plen,
                            int (*fn)(void *ctx, const uint8_t *key, size_t len, uint64_t val),
                            void *ctx)
{
    if (!fn)
        return PM_EINVAL;
    pm_frozen_iter *it;
    pm_status s = pm_frozen_iter_new(fz, prefix, plen, &it);
    if (s)
        return s;
    const uint8_t *k;
    size_t kl;
    uint64_t v;
    while (pm_frozen_iter_next(it, &k, &kl, &v) == PM_OK)
        if (fn(ctx, k, kl, v))
            break;
    pm_frozen_iter_free(it);
    return PM_OK;
}
