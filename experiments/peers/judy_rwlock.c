/* judysl_rwlock.c — JudySL (libjudy) under a pthread rwlock. JudySL keys are NUL-terminated
 * strings, so keys containing a 0 byte are refused. */
#define _POSIX_C_SOURCE 200809L
#include "peer.h"

#include <Judy.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct judy_peer {
    pthread_rwlock_t lock;
    Pvoid_t array;
} judy_peer;

enum { STACK_KEY = 512 };

static void *jp_create(size_t expected)
{
    (void)expected;
    judy_peer *j = calloc(1, sizeof *j);
    if (j && pthread_rwlock_init(&j->lock, NULL) != 0) {
        free(j);
        return NULL;
    }
    return j;
}

static void jp_destroy(void *inst)
{
    judy_peer *j = inst;
    JudySLFreeArray(&j->array, PJE0);
    pthread_rwlock_destroy(&j->lock);
    free(j);
}

static void *jp_thread_enter(void *inst)
{
    return inst;
}

static void jp_thread_exit(void *inst, void *tctx)
{
    (void)inst;
    (void)tctx;
}

/* Copies key into a NUL-terminated buffer (buf if it fits, else the heap); NULL if the key holds
 * a 0 byte or memory is short. */
static uint8_t *cstr(const uint8_t *key, size_t len, uint8_t *buf)
{
    if (len && memchr(key, 0, len))
        return NULL;
    uint8_t *s = len < STACK_KEY ? buf : malloc(len + 1);
    if (s) {
        if (len)
            memcpy(s, key, len);
        s[len] = 0;
    }
    return s;
}

static int jp_insert(void *inst, void *tctx, const uint8_t *key, size_t len, uint64_t val)
{
    (void)tctx;
    judy_peer *j = inst;
    uint8_t buf[STACK_KEY];
    uint8_t *s = cstr(key, len, buf);
    if (!s)
        return -1;
    pthread_rwlock_wrlock(&j->lock);
    PWord_t slot = (PWord_t)JudySLIns(&j->array, s, PJE0);
    int rc = -1;
    if (slot && slot != PJERR) {
        rc = *slot != 0;
        *slot = (Word_t)val + 1; /* 0 marks a fresh slot */
    }
    pthread_rwlock_unlock(&j->lock);
    if (s != buf)
        free(s);
    return rc;
}

static bool jp_lookup(void *inst, void *tctx, const uint8_t *key, size_t len, uint64_t *val)
{
    (void)tctx;
    judy_peer *j = inst;
    uint8_t buf[STACK_KEY];
    uint8_t *s = cstr(key, len, buf);
    if (!s)
        return false;
    pthread_rwlock_rdlock(&j->lock);
    PWord_t slot = (PWord_t)JudySLGet(j->array, s, PJE0);
    bool hit = slot && slot != PJERR;
    if (hit)
        *val = (uint64_t)*slot - 1;
    pthread_rwlock_unlock(&j->lock);
    if (s != buf)
        free(s);
    return hit;
}

const pmx_peer_ops pmx_peer_judysl_rwlock = {
    .name = "judysl-rwlock",
    .about = "JudySL (libjudy) under a pthread rwlock; keys without 0 bytes",
    .nul_free_keys = true,
    .multi_writer = true,
    .create = jp_create,
    .destroy = jp_destroy,
    .thread_enter = jp_thread_enter,
    .thread_exit = jp_thread_exit,
    .insert = jp_insert,
    .lookup = jp_lookup,
};
