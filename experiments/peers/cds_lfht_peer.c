/* cds_lfht_peer.c — liburcu's RCU lock-free resizable hash table (urcu-memb flavour). Lookups run
 * in urcu-memb read sections (inlined with _LGPL_SOURCE); a replaced node is freed by call_rcu.
 * The memb flavour's call_rcu is used only in this file (see DESIGN §4 on call-rcu.h). */
#define _GNU_SOURCE
#define _LGPL_SOURCE
#include "entry.h"
#include "peer.h"

#include <urcu/urcu-memb.h>
#include <urcu/rculfhash.h>

#include "pmsync/sync.h" /* PM_SYNC_TSAN_RELEASE/ACQUIRE: no-ops outside ThreadSanitizer builds */

/* liburcu publishes nodes and hands them to its call_rcu thread with atomics TSan cannot see.
 * As in the sync backends: a writer releases this object after publishing a node and before
 * call_rcu, a reader acquires it after finding a node and releases it before leaving its read
 * section, and the deferred free acquires it. */
static char lf_tsan_sync;

typedef struct lf_node {
    struct cds_lfht_node node;
    struct rcu_head rcu;
    uint64_t val;
    uint32_t len;
    uint8_t key[];
} lf_node;

typedef struct lf_peer {
    struct cds_lfht *ht;
} lf_peer;

static int lf_match(struct cds_lfht_node *node, const void *key)
{
    PM_SYNC_TSAN_ACQUIRE(&lf_tsan_sync); /* liburcu just loaded this node's address */
    const lf_node *n = caa_container_of(node, lf_node, node);
    const pmx_entry *probe = key;
    return n->len == probe->len && memcmp(n->key, probe->p, n->len) == 0;
}

static void lf_free_cb(struct rcu_head *head)
{
    PM_SYNC_TSAN_ACQUIRE(&lf_tsan_sync);
    free(caa_container_of(head, lf_node, rcu));
}

static void *lf_create(size_t expected)
{
    lf_peer *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    unsigned long init = 1;
    while (init < expected && init < (1ul << 24))
        init <<= 1;
    l->ht = cds_lfht_new_flavor(init, 1, 0, CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING,
                                &urcu_memb_flavor, NULL);
    if (!l->ht) {
        free(l);
        return NULL;
    }
    return l;
}

static void lf_destroy(void *inst)
{
    lf_peer *l = inst;
    struct cds_lfht_iter it;
    lf_node *n;
    /* No reader is left (every thread has exited): unlink and free directly. */
    urcu_memb_register_thread();
    urcu_memb_read_lock();
    cds_lfht_for_each_entry(l->ht, &it, n, node)
    {
        PM_SYNC_TSAN_RELEASE(&lf_tsan_sync);
        if (cds_lfht_del(l->ht, &n->node) == 0)
            urcu_memb_call_rcu(&n->rcu, lf_free_cb);
    }
    urcu_memb_read_unlock();
    urcu_memb_barrier();
    urcu_memb_unregister_thread();
    cds_lfht_destroy(l->ht, NULL);
    free(l);
}

static void *lf_thread_enter(void *inst)
{
    urcu_memb_register_thread();
    return inst;
}

static void lf_thread_exit(void *inst, void *tctx)
{
    (void)inst;
    (void)tctx;
    urcu_memb_unregister_thread();
}

static int lf_insert(void *inst, void *tctx, const uint8_t *key, size_t len, uint64_t val)
{
    (void)tctx;
    lf_peer *l = inst;
    lf_node *n = malloc(sizeof *n + len);
    if (!n)
        return -1;
    if (len)
        memcpy(n->key, key, len);
    n->len = (uint32_t)len;
    n->val = val;
    pmx_entry probe = {.p = key, .len = (uint32_t)len};
    cds_lfht_node_init(&n->node);
    unsigned long hash = (unsigned long)pmx_hash_bytes(key, len);
    urcu_memb_read_lock();
    PM_SYNC_TSAN_RELEASE(&lf_tsan_sync);
    struct cds_lfht_node *old = cds_lfht_add_replace(l->ht, hash, lf_match, &probe, &n->node);
    urcu_memb_read_unlock();
    if (old)
        urcu_memb_call_rcu(&caa_container_of(old, lf_node, node)->rcu, lf_free_cb);
    return old != NULL;
}

static bool lf_lookup(void *inst, void *tctx, const uint8_t *key, size_t len, uint64_t *val)
{
    (void)tctx;
    lf_peer *l = inst;
    pmx_entry probe = {.p = key, .len = (uint32_t)len};
    struct cds_lfht_iter it;
    urcu_memb_read_lock();
    cds_lfht_lookup(l->ht, (unsigned long)pmx_hash_bytes(key, len), lf_match, &probe, &it);
    struct cds_lfht_node *node = cds_lfht_iter_get_node(&it);
    PM_SYNC_TSAN_ACQUIRE(&lf_tsan_sync);
    if (node)
        *val = caa_container_of(node, lf_node, node)->val;
    PM_SYNC_TSAN_RELEASE(&lf_tsan_sync);
    urcu_memb_read_unlock();
    return node != NULL;
}

const pmx_peer_ops pmx_peer_cds_lfht = {
    .name = "cds_lfht",
    .about = "liburcu cds_lfht (urcu-memb): lock-free lookups in RCU read sections",
    .nul_free_keys = false,
    .multi_writer = true,
    .create = lf_create,
    .destroy = lf_destroy,
    .thread_enter = lf_thread_enter,
    .thread_exit = lf_thread_exit,
    .insert = lf_insert,
    .lookup = lf_lookup,
};
