/* util.h — helpers shared by the core tests (test code, header-only). */
#ifndef PM_TEST_UTIL_H
#define PM_TEST_UTIL_H

#include "model.h"
#include "owned.h"
#include "pathmap.h"
#include "pathmap_debug.h"

#include <stdio.h>

/* Sets k to a value with payload v (a cell in owned mode, released if the set fails). */
static inline int set_s(pm_map *m, const char *k, uint64_t v)
{
    uint64_t x = ov_make(v);
    pm_status s = pm_map_set(m, (const uint8_t *)k, strlen(k), x, NULL, NULL);
    if (s)
        ov_release(x);
    return s;
}

static int dump_cb(void *c, const uint8_t *k, size_t len, uint64_t v)
{
    model *m = c;
    model_insert_at(m, m->n, mkey_new(k, len), ov_get(v)); /* payloads in owned mode */
    return 0;
}

/* Map contents as a model (in iteration order; owned cells as their payloads, owned.h). Returns
 * non-zero on failure. */
static inline int dump(const pm_map *map, model *out)
{
    memset(out, 0, sizeof *out);
    return pm_map_foreach(map, NULL, 0, dump_cb, out) != PM_OK;
}

static inline int model_equal(const model *a, const model *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->e[i].v != b->e[i].v ||
            key_cmp(a->e[i].k->b, a->e[i].k->len, b->e[i].k->b, b->e[i].k->len) != 0)
            return 0;
    return 1;
}

/* Every pair in iteration order must be strictly ascending. */
static inline int model_sorted(const model *a)
{
    for (size_t i = 1; i < a->n; i++)
        if (key_cmp(a->e[i - 1].k->b, a->e[i - 1].k->len, a->e[i].k->b, a->e[i].k->len) >= 0)
            return 0;
    return 1;
}

#endif
