/* zipperhead.c — hands out read and write zippers on paths of one map, refusing overlaps.
 *
 * Conflict rule: a new write zipper conflicts with every live zipper whose path is a prefix of
 * its path or has its path as a prefix; a new read zipper conflicts only with live write zippers
 * under the same rule. The live zippers are a list checked under the head's mutex
 * (O(live zippers x path length) per request).
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
    pm_free_aux(h->cbuf);
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

static int related(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
    size_t m = al < bl ? al : bl;
    return m == 0 || memcmp(a, b, m) == 0;
}

/* Called with the lock held. PM_OK, PM_ECONFLICT (with *c filled) or PM_ENOMEM. */
static pm_status check(pm_zh *h, const uint8_t *path, size_t len, int is_write, pm_conflict *c)
{
    for (pm_zh_entry *e = h->live; e; e = e->next) {
        if (!is_write && !e->is_write)
            continue;
        if (!related(path, len, e->path, e->len))
            continue;
        if (c) {
            if (e->len > h->ccap) {
                uint8_t *nb = pm_realloc_aux(h->cbuf, e->len);
                if (!nb)
                    return PM_ENOMEM;
                h->cbuf = nb;
                h->ccap = e->len;
            }
            if (e->len)
                memcpy(h->cbuf, e->path, e->len);
            c->is_write = e->is_write != 0;
            c->path = h->cbuf;
            c->len = e->len;
        }
        return PM_ECONFLICT;
    }
    return PM_OK;
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

static void entry_link(pm_zh *h, pm_zh_entry *e)
{
    e->prev = NULL;
    e->next = h->live;
    if (h->live)
        h->live->prev = e;
    h->live = e;
    h->nlive++;
}

static void entry_unlink(pm_zh *h, pm_zh_entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        h->live = e->next;
    if (e->next)
        e->next->prev = e->prev;
    h->nlive--;
    pm_free_aux(e->path);
    e->path = NULL;
}

pm_status pm_zh_read_zipper(pm_zh *h, const uint8_t *path, size_t len, pm_rz **out, pm_conflict *c)
{
    if (!h || !out || bad_key(path, len))
        return PM_EINVAL;
    pthread_mutex_lock(&h->lock);
    pm_status s = check(h, path, len, 0, c);
    pm_rz *z = NULL;
    pm_map *own = NULL;
    if (s)
        goto out;
    s = PM_ENOMEM;
    if (!(z = pm_alloc_aux(sizeof *z)))
        goto out;
    memset(z, 0, sizeof *z);
    if (entry_init(&z->he, h, path, len, 0))
        goto fail;
    if (pm_map_subtrie(h->m, path, len, &own))
        goto fail;
    if (pm_zc_init(&z->c, own, NULL, 0))
        goto fail;
    z->own = own;
    entry_link(h, &z->he);
    *out = z;
    s = PM_OK;
    goto out;
fail:
    pm_map_free(own);
    pm_free_aux(z->he.path);
    pm_free_aux(z);
out:
    pthread_mutex_unlock(&h->lock);
    return s;
}

pm_status pm_zh_write_zipper(pm_zh *h, const uint8_t *path, size_t len, pm_wz **out, pm_conflict *c)
{
    if (!h || !out || bad_key(path, len))
        return PM_EINVAL;
    pthread_mutex_lock(&h->lock);
    pm_status s = check(h, path, len, 1, c);
    pm_wz *z = NULL;
    pm_map *own = NULL;
    if (s)
        goto out;
    s = PM_ENOMEM;
    if (!(z = pm_alloc_aux(sizeof *z)))
        goto out;
    memset(z, 0, sizeof *z);
    if (entry_init(&z->he, h, path, len, 1))
        goto fail;
    if (pm_map_subtrie(h->m, path, len, &own))
        goto fail;
    if (pm_zc_init(&z->c, own, NULL, 0))
        goto fail;
    if (!pm_map_is_empty(own)) {
        /* detach: remove everything at and below path from the head's map */
        pm_op op = {.kind = PM_OP_GRAFT};
        if ((s = pm_edit(h->m, path, len, &op)) != PM_OK)
            goto fail;
    }
    z->target = own;
    entry_link(h, &z->he);
    *out = z;
    s = PM_OK;
    goto out;
fail:
    pm_zc_fini(&z->c);
    pm_map_free(own);
    pm_free_aux(z->he.path);
    pm_free_aux(z);
out:
    pthread_mutex_unlock(&h->lock);
    return s;
}

void pm_zh_release_rz(pm_zh *h, pm_rz *z)
{
    if (!h || !z)
        return;
    pthread_mutex_lock(&h->lock);
    entry_unlink(h, &z->he);
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
        /* graft back: the engine takes over own's root reference and clones its value */
        pm_op op = {.kind = PM_OP_GRAFT,
                    .g_has_val = own->has_root_val,
                    .g_val = own->root_val,
                    .g_link = own->root};
        pm_status s = pm_edit(h->m, z->he.path, z->he.len, &op);
        if (s) {
            pthread_mutex_unlock(&h->lock);
            return s;
        }
        own->root = 0;
    }
    entry_unlink(h, &z->he);
    pthread_mutex_unlock(&h->lock);
    pm_map_free(own); /* drops own's value (the head's map holds a clone) */
    pm_zc_fini(&z->c);
    pm_free_aux(z);
    return PM_OK;
}
