/* ck_hs_peer.c — Concurrency Kit's ck_hs in SPMC mode: one writer, any number of readers.
 * Readers sit in ck_epoch sections; the table arrays ck_hs retires on growth and the entries a
 * replacement unlinks are freed through ck_epoch_call once no reader can hold them. */
#define _POSIX_C_SOURCE 200809L
#include "entry.h"
#include "peer.h"

#include <ck_epoch.h>
#include <ck_hs.h>
#include <pthread.h>
#include <stddef.h>

typedef struct hs_thread {
    ck_epoch_record_t rec;
    struct hs_thread *next;
} hs_thread;

typedef struct hs_peer {
    ck_hs_t hs;
    ck_epoch_t epoch;
    pthread_mutex_t lock; /* guards `threads` (registration only) */
    hs_thread *threads;
} hs_peer;

/* Every block handed to ck_hs carries an epoch entry in front of it, so a deferred free needs no
 * extra allocation. */
typedef struct hs_block {
    ck_epoch_entry_t entry;
    max_align_t data[];
} hs_block;

/* ck_malloc has no context argument: the writer's record is passed through this thread-local. */
static _Thread_local ck_epoch_record_t *tl_writer;

static ck_epoch_entry_t *entry_header(void *data);

static void block_free_cb(ck_epoch_entry_t *e)
{
    free(e); /* entry is the block's first member */
}

static void *hs_malloc(size_t n)
{
    hs_block *b = malloc(sizeof *b + n);
    return b ? b->data : NULL;
}

static void hs_free(void *p, size_t n, bool defer)
{
    (void)n;
    if (!p)
        return;
    if (defer && tl_writer)
        ck_epoch_call(tl_writer, entry_header(p), block_free_cb);
    else
        free(entry_header(p));
}

/* Stored entries get the same header: a replaced entry is retired with ck_epoch_call. */
static pmx_entry *hs_entry_new(const uint8_t *key, size_t len, uint64_t val)
{
    hs_block *b = malloc(sizeof *b + sizeof(pmx_entry) + len);
    if (!b)
        return NULL;
    pmx_entry *e = (pmx_entry *)b->data;
    if (len)
        memcpy(e->bytes, key, len);
    e->p = e->bytes;
    e->len = (uint32_t)len;
    e->val = val;
    return e;
}

static ck_epoch_entry_t *entry_header(void *data)
{
    return &((hs_block *)((char *)data - offsetof(hs_block, data)))->entry;
}

static struct ck_malloc hs_allocator = {.malloc = hs_malloc, .free = hs_free};

static unsigned long hs_hash(const void *k, unsigned long seed)
{
    const pmx_entry *e = k;
    return (unsigned long)(pmx_hash_bytes(e->p, e->len) ^ seed);
}

static bool hs_compare(const void *a, const void *b)
{
    return pmx_entry_eq(a, b);
}

static void *hsp_create(size_t expected)
{
    hs_peer *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    ck_epoch_init(&h->epoch);
    pthread_mutex_init(&h->lock, NULL);
    if (!ck_hs_init(&h->hs, CK_HS_MODE_OBJECT | CK_HS_MODE_SPMC, hs_hash, hs_compare, &hs_allocator,
                    expected ? expected : 64, 0x5eed)) {
        pthread_mutex_destroy(&h->lock);
        free(h);
        return NULL;
    }
    return h;
}

static void *hsp_thread_enter(void *inst)
{
    hs_peer *h = inst;
    hs_thread *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    ck_epoch_register(&h->epoch, &t->rec, NULL);
    pthread_mutex_lock(&h->lock);
    t->next = h->threads;
    h->threads = t;
    pthread_mutex_unlock(&h->lock);
    return t;
}

static void hsp_thread_exit(void *inst, void *tctx)
{
    (void)inst;
    hs_thread *t = tctx;
    ck_epoch_barrier(&t->rec); /* run this thread's pending frees */
    ck_epoch_unregister(&t->rec);
}

static void hsp_destroy(void *inst)
{
    hs_peer *h = inst;
    ck_hs_iterator_t it = CK_HS_ITERATOR_INITIALIZER;
    void *obj;
    while (ck_hs_next(&h->hs, &it, &obj))
        free(entry_header(obj));
    tl_writer = NULL; /* no reader is left: free at once */
    ck_hs_destroy(&h->hs);
    for (hs_thread *t = h->threads, *n; t; t = n) {
        n = t->next;
        free(t);
    }
    pthread_mutex_destroy(&h->lock);
    free(h);
}

static int hsp_insert(void *inst, void *tctx, const uint8_t *key, size_t len, uint64_t val)
{
    hs_peer *h = inst;
    hs_thread *t = tctx;
    pmx_entry *e = hs_entry_new(key, len, val);
    if (!e)
        return -1;
    tl_writer = &t->rec;
    void *prev = NULL;
    unsigned long hash = CK_HS_HASH(&h->hs, hs_hash, e);
    bool ok = ck_hs_set(&h->hs, hash, e, &prev);
    if (!ok) {
        free(entry_header(e));
        return -1;
    }
    if (prev) /* a reader may still be reading it: free after a grace period */
        ck_epoch_call(&t->rec, entry_header(prev), block_free_cb);
    ck_epoch_poll(&t->rec);
    return prev ? 1 : 0;
}

static bool hsp_lookup(void *inst, void *tctx, const uint8_t *key, size_t len, uint64_t *val)
{
    hs_peer *h = inst;
    hs_thread *t = tctx;
    pmx_entry probe = {.p = key, .len = (uint32_t)len};
    ck_epoch_begin(&t->rec, NULL);
    const pmx_entry *e = ck_hs_get(&h->hs, CK_HS_HASH(&h->hs, hs_hash, &probe), &probe);
    if (e)
        *val = e->val;
    ck_epoch_end(&t->rec, NULL);
    return e != NULL;
}

const pmx_peer_ops pmx_peer_ck_hs = {
    .name = "ck_hs",
    .about = "Concurrency Kit ck_hs (SPMC): one writer, readers in ck_epoch sections",
    .nul_free_keys = false,
    .multi_writer = false,
    .create = hsp_create,
    .destroy = hsp_destroy,
    .thread_enter = hsp_thread_enter,
    .thread_exit = hsp_thread_exit,
    .insert = hsp_insert,
    .lookup = hsp_lookup,
};
