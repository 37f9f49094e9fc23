/* judy_rwlock.c — libJudy's two byte-string maps under one pthread rwlock wrapper:
 *   judysl-rwlock  JudySL: keys are NUL-terminated strings, so keys containing a 0 byte are refused
 *   judyhs-rwlock  JudyHS: length-counted keys (any bytes), a hash of JudyL trees by length; it
 *                  holds every key JudySL cannot (no ordered iteration, which no experiment uses)
 */
#define _POSIX_C_SOURCE 200809L
#include "peer.h"

#include <Judy.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct judy_peer {
    pthread_rwlock_t lock;
    Pvoid_t array;
    bool hs; /* JudyHS (else JudySL) */
} judy_peer;

enum { STACK_KEY = 512 };

static judy_peer *jp_new(bool hs)
{
    judy_peer *j = calloc(1, sizeof *j);
    if (j && pthread_rwlock_init(&j->lock, NULL) != 0) {
        free(j);
        return NULL;
    }
    if (j)
        j->hs = hs;
    return j;
}

static void *jp_create(size_t expected)
{
    (void)expected;
    return jp_new(false);
}

static void *jhs_create(size_t expected)
{
    (void)expected;
    return jp_new(true);
}

static void jp_destroy(void *inst)
{
    judy_peer *j = inst;
    if (j->hs)
        JudyHSFreeArray(&j->array, PJE0);
    else
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

/* JudyHS takes the key as is (void *: it does not write through it) */
static int jhs_insert(void *inst, void *tctx, const uint8_t *key, size_t len, uint64_t val)
{
    (void)tctx;
    judy_peer *j = inst;
    pthread_rwlock_wrlock(&j->lock);
    PWord_t slot = (PWord_t)JudyHSIns(&j->array, (void *)(uintptr_t)key, (Word_t)len, PJE0);
    int rc = -1;
    if (slot && slot != PJERR) {
        rc = *slot != 0;
        *slot = (Word_t)val + 1; /* 0 marks a fresh slot */
    }
    pthread_rwlock_unlock(&j->lock);
    return rc;
}

static bool jhs_lookup(void *inst, void *tctx, const uint8_t *key, size_t len, uint64_t *val)
{
    (void)tctx;
    judy_peer *j = inst;
    pthread_rwlock_rdlock(&j->lock);
    PWord_t slot = (PWord_t)JudyHSGet(j->array, (void *)(uintptr_t)key, (Word_t)len);
    bool hit = slot && slot != PJERR;
    if (hit)
        *val = (uint64_t)*slot - 1;
    pthread_rwlock_unlock(&j->lock);
    return hit;
}

const pmx_peer_ops pmx_peer_judyhs_rwlock = {
    .name = "judyhs-rwlock",
    .about = "JudyHS (libjudy, length-counted keys) under a pthread rwlock; any bytes",
    .nul_free_keys = false,
    .multi_writer = true,
    .create = jhs_create,
    .destroy = jp_destroy,
    .thread_enter = jp_thread_enter,
    .thread_exit = jp_thread_exit,
    .insert = jhs_insert,
    .lookup = jhs_lookup,
};

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
