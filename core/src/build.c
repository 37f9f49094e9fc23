/* build.c — turns up to PM_BUILD_MAX sorted items into nodes (line nodes with prefix
 * compression, chains for long keys, a dense node when three or more first bytes differ).
 *
 * The same code runs twice: in the pool's counting mode (records block sizes, writes to scratch)
 * and then for real. Its control flow depends only on the items, never on memory it wrote, so
 * both runs take the same blocks in the same order. Recursion is bounded by the item count (each
 * nested call gets fewer items or items that diverge at once); long keys are a loop. */
#include "node_internal.h"

static int item_cmp(const pm_item *a, const pm_item *b)
{
    size_t m = a->len < b->len ? a->len : b->len;
    int c = m ? memcmp(a->key, b->key, m) : 0;
    if (c)
        return c;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    return a->is_child - b->is_child;
}

void pm_items_sort(pm_item *it, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        pm_item x = it[i];
        size_t j = i;
        while (j > 0 && item_cmp(&it[j - 1], &x) > 0) {
            it[j] = it[j - 1];
            j--;
        }
        it[j] = x;
    }
}

static void *take(pm_pool *pool, size_t size, int *fail)
{
    if (pool->counting) {
        if (pm_pool_request(pool, size))
            *fail = 1;
        assert(size <= sizeof pool->scratch);
        return pool->scratch;
    }
    return pm_pool_take(pool, size);
}

/* A line block of `size` bytes. The exclusive block `*reuse` is taken when it has exactly that
 * size (a bigger one would waste its tail for the node's life); either way the first line taken
 * ends the offer. In counting mode *reuse is the node the real run will rebuild (or a copy of
 * it, which has the same size), so both runs decide alike. */
static pm_line *take_line(pm_pool *pool, pm_line **reuse, size_t size, int *fail)
{
    pm_line *r = *reuse;
    *reuse = NULL;
    if (r && pm_line_size(r) == size)
        return pool->counting ? (pm_line *)(void *)pool->scratch : r;
    return take(pool, size, fail);
}

static size_t common_prefix(const pm_item *it, size_t n)
{
    size_t cp = it[0].len;
    for (size_t i = 1; i < n; i++) {
        size_t j = 0, m = cp < it[i].len ? cp : it[i].len;
        while (j < m && it[i].key[j] == it[0].key[j])
            j++;
        cp = j;
    }
    return cp;
}

static void strip(pm_item *dst, const pm_item *src, size_t n, size_t k)
{
    for (size_t i = 0; i < n; i++) {
        dst[i] = src[i];
        dst[i].key += k;
        dst[i].len -= k;
    }
}

enum { G_SINGLE, G_PAIR, G_VALSPLIT, G_PREFIX };
typedef struct group {
    size_t a, b; /* items [a, b) */
    int mode;
    size_t klen; /* slot key length */
    int nslots;
} group;

static void classify(const pm_item *it, group *g)
{
    size_t cnt = g->b - g->a;
    const pm_item *x = &it[g->a];
    if (cnt == 1) {
        g->mode = G_SINGLE;
        g->klen = x->len;
        g->nslots = 1;
    } else if (cnt == 2 && x[0].len == x[1].len && memcmp(x[0].key, x[1].key, x[0].len) == 0) {
        g->mode = G_PAIR; /* value at K and child at K */
        g->klen = x[0].len;
        g->nslots = 2;
    } else {
        size_t cp = common_prefix(x, cnt);
        g->klen = cp;
        if (x[0].len == cp) {
            g->mode = G_VALSPLIT; /* value at cp, child at cp holding the others */
            g->nslots = 2;
        } else {
            g->mode = G_PREFIX; /* child at cp holding all */
            g->nslots = 1;
        }
    }
}

static int build_rec(pm_pool *pool, pm_item *it, size_t n, pm_link *out, pm_line *reuse);

/* In counting mode node memory is shared scratch that nested calls overwrite: nothing is read
 * back from it, so slot/entry writes are skipped there. */
static unsigned put_slot(const pm_pool *pool, pm_line *l, const uint8_t *key, size_t klen,
                         int is_child, uint64_t pay)
{
    if (pool->counting)
        return 0;
    unsigned j = l->n++;
    unsigned off = j ? l->len[0] : 0;
    memcpy(l->key + off, key, klen);
    l->len[j] = (uint8_t)klen;
    l->pay[j] = pay;
    if (is_child)
        l->kinds |= (uint8_t)(1u << j);
    return j;
}

/* A fresh line node for slots holding key_bytes key bytes in all. */
static pm_line *new_line(pm_pool *pool, pm_line **reuse, size_t key_bytes, int *fail)
{
    size_t size = pm_line_size_for(key_bytes);
    pm_line *l = take_line(pool, reuse, size, fail);
    memset(l, 0, size);
    atomic_init(&l->rc, 1);
    pm_line_set_size(l, size);
    return l;
}

/* A child slot with key[0..k] whose child holds items stripped by k. */
static int child_slot(pm_pool *pool, pm_line *l, const pm_item *it, size_t n, size_t k)
{
    pm_item sub[PM_BUILD_MAX];
    unsigned j = put_slot(pool, l, it[0].key, k, 1, 0);
    strip(sub, it, n, k);
    pm_link c = 0;
    int r = build_rec(pool, sub, n, &c, NULL);
    if (!pool->counting)
        l->pay[j] = (uint64_t)c;
    return r;
}

static int build_dense(pm_pool *pool, pm_item *it, group *gs, size_t g, pm_link *out)
{
    int fail = 0;
    unsigned words = (unsigned)g; /* one child word per entry, one per value */
    for (size_t j = 0; j < g; j++)
        for (size_t i = gs[j].a; i < gs[j].b; i++)
            words += it[i].len == 1 && !it[i].is_child;
    int small = pm_dense_small_for((unsigned)g);
    pm_dense *d = take(pool, pm_dense_bytes(small, words), &fail);
    memset(d, 0, pm_dense_bytes(small, words));
    atomic_init(&d->rc, 1);
    d->capf = (uint16_t)(words | (small ? PM_DENSE_SMALL : 0));
    for (size_t j = 0; j < g; j++) {
        unsigned b = it[gs[j].a].key[0];
        pm_item sub[PM_BUILD_MAX];
        size_t cnt = gs[j].b - gs[j].a, m = 0;
        int has_val = 0;
        uint64_t val = 0;
        pm_link child = 0;
        strip(sub, &it[gs[j].a], cnt, 1);
        for (size_t i = 0; i < cnt; i++) {
            if (sub[i].len == 0) {
                if (sub[i].is_child)
                    child = (pm_link)sub[i].pay;
                else {
                    has_val = 1;
                    val = sub[i].pay;
                }
            } else {
                sub[m++] = sub[i];
            }
        }
        if (m) {
            assert(!child);
            if (build_rec(pool, sub, m, &child, NULL))
                fail = 1;
        }
        if (!pool->counting)
            pm_dense_insert(d, b, child, has_val, val);
    }
    *out = pm_mklink(d, PM_TAG_DENSE);
    return fail ? -1 : 0;
}

static int build_rec(pm_pool *pool, pm_item *it, size_t n, pm_link *out, pm_line *reuse)
{
    pm_item buf[PM_BUILD_MAX];
    int fail = 0;
    assert(n >= 1 && n <= PM_BUILD_MAX);
    for (;;) {
        group gs[PM_BUILD_MAX];
        size_t g = 0;
        for (size_t i = 0; i < n; i++) {
            assert(it[i].len >= 1);
            if (i == 0 || it[i].key[0] != it[i - 1].key[0]) {
                if (g)
                    gs[g - 1].b = i;
                gs[g++].a = i;
            }
        }
        gs[g - 1].b = n;
        if (g >= 3)
            return build_dense(pool, it, gs, g, out) || fail ? -1 : 0;

        size_t slots = 0, bytes = 0;
        for (size_t j = 0; j < g; j++) {
            classify(it, &gs[j]);
            slots += (size_t)gs[j].nslots;
            bytes += (size_t)gs[j].nslots * gs[j].klen;
        }
        if (slots <= 2 && bytes <= PM_LINE_KEYS) {
            pm_line *l = new_line(pool, &reuse, bytes, &fail);
            *out = pm_mklink(l, PM_TAG_LINE);
            for (size_t j = 0; j < g; j++) {
                const pm_item *x = &it[gs[j].a];
                size_t cnt = gs[j].b - gs[j].a;
                switch (gs[j].mode) {
                case G_SINGLE:
                    put_slot(pool, l, x->key, x->len, x->is_child, x->pay);
                    break;
                case G_PAIR:
                    put_slot(pool, l, x[0].key, x[0].len, 0, x[0].pay);
                    put_slot(pool, l, x[1].key, x[1].len, 1, x[1].pay);
                    break;
                case G_VALSPLIT:
                    put_slot(pool, l, x[0].key, gs[j].klen, 0, x[0].pay);
                    if (child_slot(pool, l, x + 1, cnt - 1, gs[j].klen))
                        fail = 1;
                    break;
                default:
                    if (child_slot(pool, l, x, cnt, gs[j].klen))
                        fail = 1;
                    break;
                }
            }
            return fail ? -1 : 0;
        }
        if (g == 2) {
            /* Two first bytes that do not fit as they are: give each group one slot, pushing
             * the rest of its keys into a child. A group whose shortest key is one byte long
             * and needs two slots cannot shrink: use a dense node. */
            size_t need[2];
            for (size_t j = 0; j < 2; j++) {
                need[j] =
                    gs[j].mode == G_SINGLE || gs[j].mode == G_PREFIX ? gs[j].klen : gs[j].klen - 1;
                if (need[j] == 0)
                    return build_dense(pool, it, gs, g, out) || fail ? -1 : 0;
            }
            size_t half = PM_LINE_KEYS / 2;
            if (need[0] + need[1] > PM_LINE_KEYS) {
                if (need[0] <= half)
                    need[1] = PM_LINE_KEYS - need[0];
                else if (need[1] <= half)
                    need[0] = PM_LINE_KEYS - need[1];
                else
                    need[0] = need[1] = half;
            }
            pm_line *l = new_line(pool, &reuse, need[0] + need[1], &fail);
            *out = pm_mklink(l, PM_TAG_LINE);
            for (size_t j = 0; j < 2; j++) {
                const pm_item *x = &it[gs[j].a];
                if (gs[j].mode == G_SINGLE && need[j] == x->len)
                    put_slot(pool, l, x->key, x->len, x->is_child, x->pay);
                else if (child_slot(pool, l, x, gs[j].b - gs[j].a, need[j]))
                    fail = 1;
            }
            return fail ? -1 : 0;
        }
        /* One group too long for a line: a chain link with one child slot, then loop. */
        size_t k = gs[0].mode == G_SINGLE || gs[0].mode == G_PREFIX ? gs[0].klen : gs[0].klen - 1;
        if (k > PM_LINE_KEYS)
            k = PM_LINE_KEYS;
        assert(k >= 1);
        pm_line *l = new_line(pool, &reuse, k, &fail);
        *out = pm_mklink(l, PM_TAG_LINE);
        put_slot(pool, l, it[0].key, k, 1, 0);
        out = (pm_link *)&l->pay[0];
        strip(buf, it, n, k);
        it = buf;
    }
}

int pm_build(pm_pool *pool, pm_item *items, size_t n, pm_link *out, pm_line *reuse)
{
    pm_item local[PM_BUILD_MAX];
    assert(n >= 1 && n <= PM_BUILD_MAX);
    memcpy(local, items, n * sizeof *local);
    return build_rec(pool, local, n, out, reuse);
}
