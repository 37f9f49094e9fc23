/* ghash_rwlock.c — GLib GHashTable under a pthread rwlock: the "RwLock around a HashMap" baseline
 * of the performance analysis. */
#define _POSIX_C_SOURCE 200809L
#include "entry.h"
#include "peer.h"

#include <glib.h>
#include <pthread.h>

typedef struct ghash_peer {
    pthread_rwlock_t lock;
    GHashTable *table;
} ghash_peer;

static guint gh_hash(gconstpointer k)
{
    const pmx_entry *e = k;
    return (guint)pmx_hash_bytes(e->p, e->len);
}

static gboolean gh_equal(gconstpointer a, gconstpointer b)
{
    return pmx_entry_eq(a, b);
}

static void *gh_create(size_t expected)
{
    (void)expected;
    ghash_peer *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    if (pthread_rwlock_init(&g->lock, NULL) != 0) {
        free(g);
        return NULL;
    }
    /* The entry is both key and value (a set), freed with the table. */
    g->table = g_hash_table_new_full(gh_hash, gh_equal, free, NULL);
    return g;
}

static void gh_destroy(void *inst)
{
    ghash_peer *g = inst;
    g_hash_table_destroy(g->table);
    pthread_rwlock_destroy(&g->lock);
    free(g);
}

static void *gh_thread_enter(void *inst)
{
    return inst;
}

static void gh_thread_exit(void *inst, void *tctx)
{
    (void)inst;
    (void)tctx;
}

static int gh_insert(void *inst, void *tctx, const uint8_t *key, size_t len, uint64_t val)
{
    (void)tctx;
    ghash_peer *g = inst;
    pmx_entry probe = {.p = key, .len = (uint32_t)len};
    pthread_rwlock_wrlock(&g->lock);
    pmx_entry *old = g_hash_table_lookup(g->table, &probe);
    int rc = 1;
    if (old) {
        old->val = val;
    } else {
        pmx_entry *e = pmx_entry_new(key, len, val);
        rc = e ? 0 : -1;
        if (e)
            g_hash_table_add(g->table, e);
    }
    pthread_rwlock_unlock(&g->lock);
    return rc;
}

static bool gh_lookup(void *inst, void *tctx, const uint8_t *key, size_t len, uint64_t *val)
{
    (void)tctx;
    ghash_peer *g = inst;
    pmx_entry probe = {.p = key, .len = (uint32_t)len};
    pthread_rwlock_rdlock(&g->lock);
    const pmx_entry *e = g_hash_table_lookup(g->table, &probe);
    if (e)
        *val = e->val;
    pthread_rwlock_unlock(&g->lock);
    return e != NULL;
}

const pmx_peer_ops pmx_peer_ghash_rwlock = {
    .name = "ghash-rwlock",
    .about = "GLib GHashTable under a pthread rwlock (RwLock<HashMap> of the analysis)",
    .nul_free_keys = false,
    .multi_writer = true,
    .create = gh_create,
    .destroy = gh_destroy,
    .thread_enter = gh_thread_enter,
    .thread_exit = gh_thread_exit,
    .insert = gh_insert,
    .lookup = gh_lookup,
};
