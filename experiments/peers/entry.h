/* entry.h — the stored record shared by the hash-table peers: the key bytes are copied into the
 * record (so a peer's memory includes its keys, as PathMap's does); a lookup probe is the same
 * struct with `p` pointing at the caller's bytes. Private to experiments/peers. */
#ifndef PMX_PEER_ENTRY_H
#define PMX_PEER_ENTRY_H

#include "../common/keys.h"
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct pmx_entry {
    const uint8_t *p; /* key bytes: bytes[] for stored entries, the caller's for probes */
    uint32_t len;
    uint64_t val;
    uint8_t bytes[];
} pmx_entry;

static inline pmx_entry *pmx_entry_new(const uint8_t *key, size_t len, uint64_t val)
{
    pmx_entry *e = malloc(sizeof *e + len);
    if (!e)
        return NULL;
    if (len)
        memcpy(e->bytes, key, len);
    e->p = e->bytes;
    e->len = (uint32_t)len;
    e->val = val;
    return e;
}

static inline bool pmx_entry_eq(const pmx_entry *a, const pmx_entry *b)
{
    return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

#endif
