/* zipperhead.c — hands out read and write zippers on paths of one map, refusing overlaps.
 *
 * Conflict rule: a new write zipper conflicts with every live zipper whose path is a prefix of
 * its path or has its path as a prefix; a new read zipper conflicts only with live write zippers
 * under the same rule.
 *
 * Registry. The live zippers' paths are kept in two tries (readers, writers) with one node per
 * path byte; a node counts the zippers registered at its path (`here`) and at or below it
 * (`total`), and a node whose total drops to 0 is unlinked, so every linked node leads to a
 * registered path. Children are found by (parent, byte) in one hash table. A request walks its
 * path once per trie it must check: a registered node on the way is a zipper at a prefix, a node
 * at the path's end is a zipper at or below it (followed down any child to name one). Creation
 * and release therefore cost O(path length) (expected, hashing), whatever the number of live
 * zippers; naming a conflict below the path adds the depth of the named zipper. Many readers on
 * one path share a node (counted). Unlinked nodes are kept for reuse (at most the number linked
 * + 64); the bucket array keeps its peak size until pm_zh_free.
 *
 * Locking. Every registry access (and every edit of the head's map) happens with the head's
 * mutex held, which orders creations and releases made from different threads; nothing in the
 * registry is read without it and no atomics are involved. Zippers never touch the registry.
 *
 * Failure atomicity. A creation reserves everything the registration needs (spare nodes, bucket
 * room) before its only other fallible step that changes the head (the detach edit); the
 * registration itself cannot fail, so PM_ENOMEM leaves the registry's contents and the map
 * unchanged (spare nodes or a larger bucket array may remain). A release never allocates for the
 * registry; a writer's release does its fallible graft first.
 *
 * Physical exclusivity. A write zipper at p gets a private map: the subtrie at p is taken out of
 * the head's map (pm_map_subtrie: +1 on the node at p, or one new node when p ends inside a
 * compressed key) and then removed from it (one engine edit, which copies shared path nodes and
 * prunes). The writer works on that private map with no lock; the head's map no longer links its
 * nodes, so creations and releases (which edit the head's map under the mutex) never write a node
 * a writer can write. Nodes the two still share (a subtrie grafted in two places, a clone made
 * before the head) have counts >= 2, so both sides copy them instead of writing them and only
 * touch their counts, atomically. Release grafts the private map back at p (one engine edit,
 * one reference moved). A read zipper holds a counted reference to its subtrie (a private map
 * made by pm_map_subtrie), so nothing it reads can be written while it lives. */
#include "zipper_internal.h"

static int bad_key(const uint8_t *key, size_t len)
{
    return (!key && len) || len > PM_MAX_KEY;
}

pm_status pm_zh_new(pm_map *m, pm_zh **out)
{
    if (!m || !out)
        return PM_EINVAL;
    pm_zh *h = pm_alloc_aux(sizeof *h);
    if (!h)
        return PM_ENOMEM;
    memset(h, 0, sizeof *h);
    if (pthread_mutex_init(&h->lock, NULL)) {
        pm_free_aux(h);
        return PM_ENOMEM;
    }
    h->m = m;
    *out = h;
    return PM_OK;
}

pm_status pm_zh_free(pm_zh *h)
{
    if (!h)
        return PM_OK;
    pthread_mutex_lock(&h->lock);
    size_t live = h->nlive;
    pthread_mutex_unlock(&h->lock);
    if (live)
        return PM_EBUSY;
    pthread_mutex_destroy(&h->lock);
    /* no zipper is live, so no node is linked: every node is spare */
    while (h->spare) {
        pm_zh_node *n = h->spare;
        h->spare = n->hnext;
        pm_free_aux(n);
    }
    pm_free_aux(h->buckets);
    pm_free_aux(h);
    return PM_OK;
}

size_t pm_zh_live(pm_zh *h)
{
    pthread_mutex_lock(&h->lock);
    size_t n = h->nlive;
    pthread_mutex_unlock(&h->lock);
    return n;
}

/* ---- the registry ---------------------------------------------------------------------------
 * Everything here runs with h->lock held. */
enum { SPARE_KEEP = 64 }; /* spare nodes kept beyond the number linked */

static size_t slot_of(const pm_zh *h, const pm_zh_node *parent, unsigned b)
{
    uint64_t x = ((uint64_t)(uintptr_t)parent << 8 | b) * UINT64_C(0x9E3779B97F4A7C15);
    return (size_t)(x >> h->bshift);
}

static pm_zh_node *child_of(const pm_zh *h, const pm_zh_node *parent, unsigned b)
{
    if (!h->nbuckets)
        return NULL;
    for (pm_zh_node *n = h->buckets[slot_of(h, parent, b)]; n; n = n->hnext)
        if (n->parent == parent && n->byte == b)
            return n;
    return NULL;
}

/* The deepest node of trie r on path: *depth bytes of path matched. */
static pm_zh_node *deepest(const pm_zh *h, pm_zh_node *r, const uint8_t *path, size_t len,
                           size_t *depth)
{
    size_t d = 0;
    for (pm_zh_node *c; d < len && (c = child_of(h, r, path[d])); d++)
        r = c;
    *depth = d;
    return r;
}

/* The conflict path's storage: one buffer per calling thread (a pthread key whose destructor
 * frees it at thread exit), so a refusal's pm_conflict.path stays valid on the thread that got it
 * whatever other threads do with the head; it is overwritten only by that thread's next refusal.
 * A buffer per head would be rewritten by another thread's refusal while the first still reads
 * it (issue 14). */
typedef struct pm_cbuf {
    size_t cap;
    uint8_t b[];
} pm_cbuf;
static pthread_key_t cbuf_key;
static pthread_once_t cbuf_once = PTHREAD_ONCE_INIT;
static int cbuf_key_ok;

static void cbuf_free(void *p)
{
    pm_free_aux(p);
}
static void cbuf_init(void)
{
    cbuf_key_ok = pthread_key_create(&cbuf_key, cbuf_free) == 0;
}

/* The calling thread's buffer with room for n bytes, or NULL (out of memory). */
static uint8_t *cbuf_get(size_t n)
{
    pthread_once(&cbuf_once, cbuf_init);
    if (!cbuf_key_ok)
        return NULL;
    pm_cbuf *c = pthread_getspecific(cbuf_key);
    if (c && c->cap >= n)
        return c->b;
    size_t cap = n < 64 ? 64 : n;
    pm_cbuf *nc = c ? pm_realloc_aux(c, sizeof *nc + cap) : pm_alloc_aux(sizeof *nc + cap);
    if (!nc)
        return NULL;
    nc->cap = cap;
    if (pthread_setspecific(cbuf_key, nc)) { /* only possible for a thread's first buffer */
        pm_free_aux(nc);
        return NULL;
    }
    return nc->b;
}

/* Describes the zipper registered at `at` (in trie `kind`) in *c: its path is path[0, len) and
 * then the bytes from `from` (the node at path[0, len)) down to `at`. */
static pm_status describe(pm_conflict *c, int kind, const uint8_t *path, size_t len,
                          const pm_zh_node *from, const pm_zh_node *at, size_t extra)
{
    if (!c)
        return PM_ECONFLICT;
    size_t n = len + extra;
    uint8_t *buf = cbuf_get(n);
    if (!buf)
        return PM_ENOMEM;
    if (len)
        memcpy(buf, path, len);
    for (size_t i = n; at != from; at = at->parent)
        buf[--i] = at->byte;
    c->is_write = kind != 0;
    c->path = buf;
    c->len = n;
    return PM_ECONFLICT;
}

/* PM_OK when no zipper in trie `kind` has a path that is a prefix of path or has path as a
 * prefix (*deep / *depth: the trie's deepest node on path, as deepest()); else PM_ECONFLICT
 * (*c describes one) or PM_ENOMEM. O(len + the depth of the one described). */
static pm_status check_kind(pm_zh *h, int kind, const uint8_t *path, size_t len, pm_conflict *c,
                            pm_zh_node **deep, size_t *depth)
{
    pm_zh_node *n = &h->roots[kind], *next;
    for (size_t i = 0;; i++) {
        if (n->here) /* registered at path[0, i) */
            return describe(c, kind, path, i, n, n, 0);
        if (i == len)
            break;
        if (!(next = child_of(h, n, path[i]))) {
            *deep = n;
            *depth = i;
            return PM_OK;
        }
        n = next;
    }
    if (!n->total) { /* only an empty root */
        *deep = n;
        *depth = 0;
        return PM_OK;
    }
    /* registered strictly below path: every linked non-root node has total > 0, so any
     * child leads to one */
    pm_zh_node *at = n;
    size_t extra = 0;
    for (; !at->here; extra++)
        at = at->child;
    return describe(c, kind, path, len, n, at, extra);
}

/* A new write zipper conflicts with both kinds, a new read zipper only with writers. On PM_OK,
 * *n / *d: the deepest node on path in the trie the new zipper joins, and its depth. */
static pm_status check(pm_zh *h, const uint8_t *path, size_t len, int is_write, pm_conflict *c,
                       pm_zh_node **n, size_t *d)
{
    pm_zh_node *rn;
    size_t rd;
    pm_status s = check_kind(h, 1, path, len, c, n, d);
    if (s == PM_OK && is_write)
        s = check_kind(h, 0, path, len, c, &rn, &rd);
    else if (s == PM_OK)
        *n = deepest(h, &h->roots[0], path, len, d);
    return s;
}

/* Makes room to link k more nodes: k spare nodes and buckets for nnodes + k. On failure the
 * registry's contents are unchanged (what was allocated stays spare). */
static int reserve(pm_zh *h, size_t k)
{
    while (h->nspare < k) {
        pm_zh_node *n = pm_alloc_aux(sizeof *n);
        if (!n)
            return -1;
        n->hnext = h->spare;
        h->spare = n;
        h->nspare++;
    }
    size_t need = h->nnodes + k;
    if (need <= h->nbuckets)
        return 0;
    size_t nb = h->nbuckets ? h->nbuckets : 64;
    unsigned shift = h->nbuckets ? h->bshift : 58;
    while (nb < need) {
        nb *= 2;
        shift--;
    }
    pm_zh_node **b = pm_alloc_aux(nb * sizeof *b);
    if (!b)
        return -1;
    memset(b, 0, nb * sizeof *b);
    pm_zh_node **old = h->buckets;
    size_t on = h->nbuckets;
    h->buckets = b;
    h->nbuckets = nb;
    h->bshift = shift;
    for (size_t i = 0; i < on; i++)
        for (pm_zh_node *n = old[i], *nx; n; n = nx) {
            nx = n->hnext;
            size_t j = slot_of(h, n->parent, n->byte);
            n->hnext = b[j];
            b[j] = n;
        }
    pm_free_aux(old);
    return 0;
}

/* Registers a zipper at path in the trie whose deepest node on path is n, at depth d; the room
 * was reserved (reserve(h, len - d)). Never fails. */
static pm_zh_node *enter(pm_zh *h, pm_zh_node *n, size_t d, const uint8_t *path, size_t len)
{
    for (; d < len; d++) {
        pm_zh_node *c = h->spare;
        h->spare = c->hnext;
        h->nspare--;
        c->parent = n;
        c->child = NULL;
        c->prev = NULL;
        c->next = n->child;
        if (n->child)
            n->child->prev = c;
        n->child = c;
        c->here = c->total = 0;
        c->byte = path[d];
        size_t j = slot_of(h, n, c->byte);
        c->hnext = h->buckets[j];
        h->buckets[j] = c;
        h->nnodes++;
        n = c;
    }
    n->here++;
    for (pm_zh_node *a = n; a; a = a->parent)
        a->total++;
    return n;
}

/* Unregisters one zipper at n, unlinking the nodes left with nothing at or below them. Never
 * allocates. */
static void leave(pm_zh *h, pm_zh_node *n)
{
    n->here--;
    for (pm_zh_node *p; n; n = p) {
        p = n->parent;
        if (--n->total || !p)
            continue;
        if (n->prev)
            n->prev->next = n->next;
        else
            p->child = n->next;
        if (n->next)
            n->next->prev = n->prev;
        pm_zh_node **pp = &h->buckets[slot_of(h, p, n->byte)];
        while (*pp != n)
            pp = &(*pp)->hnext;
        *pp = n->hnext;
        h->nnodes--;
        n->hnext = h->spare;
        h->spare = n;
        h->nspare++;
    }
    while (h->nspare > h->nnodes + SPARE_KEEP) {
        pm_zh_node *s = h->spare;
        h->spare = s->hnext;
        h->nspare--;
        pm_free_aux(s);
    }
}

static int entry_init(pm_zh_entry *e, pm_zh *h, const uint8_t *path, size_t len, int is_write)
{
    e->path = pm_alloc_aux(len ? len : 1);
    if (!e->path)
        return -1;
    if (len)
        memcpy(e->path, path, len);
    e->len = len;
    e->is_write = is_write;
    e->head = h;
    return 0;
}

/* The part of a creation both kinds share, with the head locked and the check passed (n, d: where
 * the path leaves the registry's trie): the zipper's entry, its private subtrie *own, its core
 * and the registry's room, then (writers) the detach, then the registration. The detach is the
 * last step that can fail, so on failure nothing changed: the head's map and registry are as they
 * were and the pieces made here are freed (the zipper block itself is the caller's). */
static pm_status attach(pm_zh *h, const uint8_t *path, size_t len, int is_write, pm_zh_node *n,
                        size_t d, pm_zh_entry *he, pm_zcore *zc, pm_map **own)
{
    pm_status s = PM_ENOMEM;
    *own = NULL;
    if (entry_init(he, h, path, len, is_write) || pm_map_subtrie(h->m, path, len, own) ||
        pm_zc_init(zc, *own, NULL, 0) || reserve(h, len - d))
        goto fail;
    if (is_write && !pm_map_is_empty(*own)) {
        /* detach: remove everything at and below path from the head's map */
        pm_op op = {.kind = PM_OP_GRAFT};
        if ((s = pm_edit(h->m, path, len, &op)) != PM_OK)
            goto fail;
    }
    he->node = enter(h, n, d, path, len);
    h->nlive++;
    return PM_OK;
fail:
    pm_zc_fini(zc);
    pm_map_free(*own);
    *own = NULL;
    pm_free_aux(he->path);
    he->path = NULL;
    return s;
}

/* Locks the head, checks the request, and makes a zipper block of `size` bytes (zeroed, on cache
 * lines of its own: it is handed to another thread) for attach(). Returns the block, or NULL with
 * *st set (conflict, or out of memory); the lock is held either way. */
static void *begin(pm_zh *h, const uint8_t *path, size_t len, int is_write, pm_conflict *c,
                   size_t size, pm_zh_node **n, size_t *d, pm_status *st)
{
    pthread_mutex_lock(&h->lock);
    if ((*st = check(h, path, len, is_write, c, n, d)) != PM_OK)
        return NULL;
    void *z = pm_alloc_aux_line(size);
    if (!z)
        *st = PM_ENOMEM;
    else
        memset(z, 0, size);
    return z;
}

pm_status pm_zh_read_zipper(pm_zh *h, const uint8_t *path, size_t len, pm_rz **out, pm_conflict *c)
{
    if (!h || !out || bad_key(path, len))
        return PM_EINVAL;
    pm_zh_node *n;
    size_t d;
    pm_status s;
    pm_rz *z = begin(h, path, len, 0, c, sizeof *z, &n, &d, &s);
    if (z && (s = attach(h, path, len, 0, n, d, &z->he, &z->c, &z->own)) != PM_OK)
        pm_free_aux(z);
    else if (z)
        *out = z;
    pthread_mutex_unlock(&h->lock);
    return s;
}

pm_status pm_zh_write_zipper(pm_zh *h, const uint8_t *path, size_t len, pm_wz **out, pm_conflict *c)
{
    if (!h || !out || bad_key(path, len))
        return PM_EINVAL;
    pm_zh_node *n;
    size_t d;
    pm_status s;
    pm_wz *z = begin(h, path, len, 1, c, sizeof *z, &n, &d, &s);
    if (z && (s = attach(h, path, len, 1, n, d, &z->he, &z->c, &z->target)) != PM_OK)
        pm_free_aux(z);
    else if (z)
        *out = z;
    pthread_mutex_unlock(&h->lock);
    return s;
}

/* Called with the lock held; never fails. */
static void entry_remove(pm_zh *h, pm_zh_entry *e)
{
    leave(h, e->node);
    e->node = NULL;
    h->nlive--;
    pm_free_aux(e->path);
    e->path = NULL;
}

void pm_zh_release_rz(pm_zh *h, pm_rz *z)
{
    if (!h || !z)
        return;
    pthread_mutex_lock(&h->lock);
    entry_remove(h, &z->he);
    pthread_mutex_unlock(&h->lock);
    pm_zc_fini(&z->c);
    pm_map_free(z->own);
    pm_free_aux(z);
}

pm_status pm_zh_release_wz(pm_zh *h, pm_wz *z)
{
    if (!h || !z || z->he.head != h)
        return PM_EINVAL;
    pm_map *own = z->target;
    pthread_mutex_lock(&h->lock);
    if (!pm_map_is_empty(own)) {
        /* graft back: own gives its root reference and its value to the head's map (moved,
         * not cloned: own is freed below) */
        pm_op op = {.kind = PM_OP_GRAFT,
                    .g_has_val = own->has_root_val,
                    .g_val = own->root_val,
                    .g_move = 1,
                    .g_link = own->root};
        pm_status s = pm_edit(h->m, z->he.path, z->he.len, &op);
        if (s) {
            pthread_mutex_unlock(&h->lock);
            return s;
        }
        own->root = 0;
        own->has_root_val = 0;
    }
    entry_remove(h, &z->he);
    pthread_mutex_unlock(&h->lock);
    pm_map_free(own); /* only the handle: its contents went to the head's map */
    pm_zc_fini(&z->c);
    pm_free_aux(z);
    return PM_OK;
}
