/* Folds, the builder, equality and the structural hash (pathmap_fold.h) against the reference
 * model, in integer and owned value modes:
 *   - pm_map_fold / pm_map_fold_many against a direct computation on the model (counts, sums,
 *     positions, a digest, a path-dependent sum), with and without the cache; call counts show a
 *     subtrie grafted twice, and K clones, are folded once with the cache;
 *   - pm_map_unfold rebuilding the model's map from ranges of the model, and its failures;
 *   - pm_map_equal and pm_map_hash against the model's own hash, for maps built in different
 *     orders, through clones and edits, and after every operation of a random sequence (the
 *     cached node hashes must follow copy-on-write); a one-bit value change changes the hash;
 *   - fault injection on every allocation of each new call;
 *   - a 64 KiB key and a 100,000-level chain. ctest runs this binary under `ulimit -s 256`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>

#include "pathmap_fold.h"
#include "util.h"

/* ---- helpers -----------------------------------------------------------------------------------
 */
static uint64_t rng;
static uint64_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545F4914F6CDD1Dull;
}

/* Random keys over a small alphabet (shared prefixes, branch points), sometimes long (chains of
 * line nodes) and sometimes over all bytes (full branch nodes). */
static size_t rand_key(uint8_t *k)
{
    size_t len = rnd() % 9;
    uint64_t kind = rnd() % 16;
    if (kind == 0)
        len = 40 + rnd() % 60;
    for (size_t i = 0; i < len; i++)
        k[i] = kind == 1 ? (uint8_t)rnd() : (uint8_t)('a' + rnd() % 4);
    return len;
}

static void expect_live_zero(void)
{
    pm_mem_stats s;
    pm_mem_stats_get(&s);
    assert_int_equal(s.live_nodes, 0);
}

/* map and model with n random entries (payload = random) */
static void rand_map(pm_map **m, model *md, size_t n)
{
    uint8_t k[128];
    assert_int_equal(pm_map_new(ov_ops(), m), PM_OK);
    memset(md, 0, sizeof *md);
    for (size_t i = 0; i < n; i++) {
        size_t len = rand_key(k);
        uint64_t p = rnd() >> 8, old;
        uint64_t v = ov_make(p);
        assert_int_equal(pm_map_set(*m, k, len, v, NULL, NULL), PM_OK);
        model_set(md, k, len, p, &old);
    }
}

/* Owned cells compared and hashed by payload. */
static bool cmp_eq(void *ctx, uint64_t a, uint64_t b)
{
    (void)ctx;
    return owned_payload(a) == owned_payload(b);
}
static uint64_t cmp_hash(void *ctx, uint64_t v)
{
    (void)ctx;
    return owned_payload(v);
}
static const pm_val_cmp owned_cmp = {cmp_eq, cmp_hash, NULL};
static const pm_val_cmp *vcmp(void)
{
    return owned_mode ? &owned_cmp : NULL;
}

/* ---- the structural hash, computed on the model (docs/core.md, "Equality and hashing") ------- */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 32;
    x *= 0xD6E8FEB86659FD93ull;
    x ^= x >> 32;
    x *= 0xD6E8FEB86659FD93ull;
    x ^= x >> 32;
    return x;
}
#define HK_B0 0x9E3779B97F4A7C15ull
#define HK_C  0x2545F4914F6CDD1Dull
#define HK_V  0xD1B54A32D192ED03ull
#define HK_N  0x8CB92BA72F3D8DD7ull

/* Entries [lo, hi) share their first d bytes and are at least d long. Recursion per key byte is
 * fine here: the model's keys are short. */
static uint64_t model_hash_rec(const model *m, size_t lo, size_t hi, size_t d)
{
    int has = lo < hi && m->e[lo].k->len == d;
    uint64_t b = HK_B0;
    size_t i = lo + (size_t)has;
    while (i < hi) {
        uint8_t c = m->e[i].k->b[d];
        size_t j = i;
        while (j < hi && m->e[j].k->b[d] == c)
            j++;
        b = mix(mix(b ^ (HK_C + c)) + model_hash_rec(m, i, j, d + 1));
        i = j;
    }
    return mix(b ^ (has ? mix(m->e[lo].v ^ HK_V) : HK_N));
}
static uint64_t model_hash(const model *m)
{
    return model_hash_rec(m, 0, m->n, 0);
}

/* ---- the fold used by the tests ----------------------------------------------------------------
 */
typedef struct fres {
    uint64_t count, sum, positions, digest, pathsum;
} fres;

typedef struct fctx {
    size_t calls;
    size_t plen;
    int fail_at; /* > 0: the fail_at-th call returns PM_EINVAL */
    int bad;
} fctx;

static uint64_t fnv(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static uint64_t digest_leaf(int has, uint64_t p)
{
    return has ? mix(p ^ 0x51ED) : 0x1234;
}
static uint64_t digest_child(uint64_t d, uint8_t b, uint64_t c)
{
    return mix(d + b * 0x9E37ull + c);
}

static pm_status fold_cb(void *ctx, const pm_fold_step *s, void *out)
{
    fctx *c = ctx;
    c->calls++;
    if (c->fail_at && (int)c->calls == c->fail_at)
        return PM_EINVAL;
    if (s->path_len < c->plen || s->n > 256)
        c->bad = 1;
    fres r = {0, 0, 1, 0, 0};
    uint64_t p = s->has_val ? ov_get(s->val) : 0;
    if (s->has_val) {
        r.count = 1;
        r.sum = p;
        r.pathsum = fnv(s->path, s->path_len) * (p + 1);
    }
    r.digest = digest_leaf(s->has_val, p);
    for (size_t i = 0; i < s->n; i++) {
        fres x;
        memcpy(&x, (const char *)s->results + i * sizeof x, sizeof x);
        if (i && s->bytes[i] <= s->bytes[i - 1])
            c->bad = 1;
        r.count += x.count;
        r.sum += x.sum;
        r.positions += x.positions;
        r.pathsum += x.pathsum;
        r.digest = digest_child(r.digest, s->bytes[i], x.digest);
    }
    memcpy(out, &r, sizeof r);
    return PM_OK;
}

static uint64_t model_digest_rec(const model *m, size_t lo, size_t hi, size_t d)
{
    int has = lo < hi && m->e[lo].k->len == d;
    uint64_t r = digest_leaf(has, has ? m->e[lo].v : 0);
    size_t i = lo + (size_t)has;
    while (i < hi) {
        uint8_t c = m->e[i].k->b[d];
        size_t j = i;
        while (j < hi && m->e[j].k->b[d] == c)
            j++;
        r = digest_child(r, c, model_digest_rec(m, i, j, d + 1));
        i = j;
    }
    return r;
}

/* The fold's expected result at prefix, computed on the model directly. */
static fres model_fold(const model *m, const uint8_t *p, size_t plen)
{
    size_t lo, hi;
    model_range(m, p, plen, &lo, &hi);
    fres r = {0, 0, 1, 0, 0};
    for (size_t i = lo; i < hi; i++) {
        const mkey *k = m->e[i].k;
        r.count++;
        r.sum += m->e[i].v;
        r.pathsum += fnv(k->b, k->len) * (m->e[i].v + 1);
        /* distinct prefixes of length > plen: every key adds those past the common prefix with
         * the previous key (keys in trie order) */
        size_t common = plen;
        if (i > lo) {
            const mkey *q = m->e[i - 1].k;
            while (common < q->len && common < k->len && q->b[common] == k->b[common])
                common++;
        }
        r.positions += k->len - common;
    }
    r.digest = model_digest_rec(m, lo, hi, plen);
    return r;
}

static void check_fold(const pm_map *m, const model *md, const uint8_t *p, size_t plen)
{
    fres want = model_fold(md, p, plen), got;
    for (unsigned flags = 0; flags <= PM_FOLD_CACHE; flags++) {
        fctx c = {0, plen, 0, 0};
        pm_fold_stats st;
        long long clones = owned_clones(), drops = owned_drops();
        assert_int_equal(pm_map_fold(m, p, plen, sizeof got, flags, fold_cb, &c, &got, &st), PM_OK);
        assert_int_equal(owned_clones(), clones); /* folds take no ownership */
        assert_int_equal(owned_drops(), drops);
        assert_false(c.bad);
        assert_int_equal(got.count, want.count);
        assert_int_equal(got.sum, want.sum);
        assert_int_equal(got.positions, want.positions);
        assert_int_equal(got.digest, want.digest);
        assert_int_equal(st.calls, c.calls);
        if (!flags) {
            assert_int_equal(got.pathsum, want.pathsum); /* path-dependent: no cache */
            assert_int_equal(st.calls, want.positions);  /* one call per position */
            assert_int_equal(st.hits, 0);
        } else {
            assert_int_equal(st.calls + st.hits >= 1, 1);
        }
    }
}

/* ---- fold against the model ---------------------------------------------------------------- */
/* Runs body with integer values, then with owned heap cells; every cell must be gone after. */
static void in_both_modes(void (*body)(void))
{
    owned_mode = 0;
    body();
    owned_mode = 1;
    body();
    owned_mode = 0;
    assert_int_equal(owned_live(), 0);
}

static void fold_model_body(void)
{
    for (uint64_t seed = 1; seed <= 12; seed++) {
        rng = seed * 0x9E3779B97F4A7C15ull;
        pm_map *m;
        model md;
        rand_map(&m, &md, seed * 40);
        check_fold(m, &md, NULL, 0);
        /* prefixes: keys of the map, cut anywhere (inside compressed keys too), and absent ones */
        for (size_t i = 0; i < md.n; i += 1 + md.n / 10) {
            const mkey *k = md.e[i].k;
            for (size_t cut = 0; cut <= k->len; cut += 1 + k->len / 4)
                check_fold(m, &md, k->b, cut);
        }
        check_fold(m, &md, (const uint8_t *)"zzz", 3);
        pm_map *e;
        model em = {0};
        assert_int_equal(pm_map_new(ov_ops(), &e), PM_OK);
        check_fold(e, &em, NULL, 0); /* the empty map: one call */
        pm_map_free(e);
        pm_map_free(m);
        model_free(&md);
    }
    expect_live_zero();
}

static void test_fold_model(void **state)
{
    (void)state;
    in_both_modes(fold_model_body);
}

/* ---- caching: a subtrie grafted twice; K clones ------------------------------------------------
 */
static size_t fold_calls(const pm_map *const *ms, size_t k, const uint8_t *p, size_t plen,
                         unsigned flags, fres *out, pm_fold_stats *st)
{
    fctx c = {0, plen, 0, 0};
    assert_int_equal(pm_map_fold_many(ms, k, p, plen, sizeof(fres), flags, fold_cb, &c, out, st),
                     PM_OK);
    assert_false(c.bad);
    assert_int_equal(st->calls, c.calls);
    return st->calls;
}

static void fold_cache_body(void)
{
    rng = 77;
    pm_map *s, *m;
    model sm, mm;
    rand_map(&s, &sm, 300);
    if (pm_map_remove(s, NULL, 0, NULL) == PM_OK) { /* no value at the graft point: see below */
        uint64_t old;
        model_remove(&sm, NULL, 0, &old);
    }
    rand_map(&m, &mm, 200);
    const uint8_t *l = (const uint8_t *)"left/", *r = (const uint8_t *)"right/";
    assert_int_equal(pm_map_graft(m, l, 5, s), PM_OK);
    assert_int_equal(pm_map_graft(m, r, 6, s), PM_OK);
    model_graft(&mm, l, 5, &sm);
    model_graft(&mm, r, 6, &sm);
    check_fold(m, &mm, NULL, 0);
    fres a, b;
    pm_fold_stats su, sc, ss;
    size_t pos_s = fold_calls((const pm_map *const *)&s, 1, NULL, 0, 0, &a, &ss);
    size_t uncached = fold_calls((const pm_map *const *)&m, 1, NULL, 0, 0, &a, &su);
    size_t cached = fold_calls((const pm_map *const *)&m, 1, NULL, 0, PM_FOLD_CACHE, &b, &sc);
    assert_memory_equal(&a.digest, &b.digest, sizeof a.digest);
    assert_int_equal(a.count, b.count);
    /* the second copy of s is one cache hit instead of a fold of its positions: the node at
     * "right/" is s's root node, with no value at the position in either place */
    assert_int_equal(cached, uncached - pos_s);
    assert_int_equal(sc.hits, 1);
    print_message("  grafted twice: %zu calls uncached, %zu cached (%zu hits)\n", uncached, cached,
                  sc.hits);

    /* K clones of a base, each with 1 % of its keys given new values */
    enum { K = 10 };
    pm_map *base, *cl[K + 1];
    model bm, cm[K + 1];
    rand_map(&base, &bm, 2000);
    cl[0] = base;
    model_copy(&cm[0], &bm);
    for (int i = 1; i <= K; i++) {
        assert_int_equal(pm_map_clone(base, &cl[i]), PM_OK);
        model_copy(&cm[i], &bm);
        for (size_t e = 0; e < bm.n / 100 + 1; e++) {
            const mkey *k = bm.e[rnd() % bm.n].k;
            uint64_t p = rnd() >> 8, old;
            assert_int_equal(pm_map_set(cl[i], k->b, k->len, ov_make(p), NULL, NULL), PM_OK);
            model_set(&cm[i], k->b, k->len, p, &old);
        }
    }
    fres outs[K + 1];
    size_t all_u = fold_calls((const pm_map *const *)cl, K + 1, NULL, 0, 0, outs, &su);
    for (int i = 0; i <= K; i++) {
        fres want = model_fold(&cm[i], NULL, 0);
        assert_int_equal(outs[i].digest, want.digest);
        assert_int_equal(outs[i].sum, want.sum);
    }
    size_t all_c = fold_calls((const pm_map *const *)cl, K + 1, NULL, 0, PM_FOLD_CACHE, outs, &sc);
    size_t base_c = fold_calls((const pm_map *const *)cl, 1, NULL, 0, PM_FOLD_CACHE, outs, &ss);
    size_t extra = 0;
    for (int i = 1; i <= K; i++) {
        fres want = model_fold(&cm[i], NULL, 0);
        assert_int_equal(outs[i].digest, want.digest);
        const pm_map *pair[2] = {base, cl[i]};
        fres po[2];
        pm_fold_stats sp;
        extra += fold_calls(pair, 2, NULL, 0, PM_FOLD_CACHE, po, &sp) - base_c;
    }
    /* one shared cache: the base once, then only what each clone does not share */
    assert_int_equal(all_c, base_c + extra);
    assert_true(all_c * 2 < all_u);
    print_message("  %d clones x 1%%: %zu calls uncached, %zu cached (%zu hits)\n", K, all_u, all_c,
                  sc.hits);
    for (int i = 0; i <= K; i++) {
        pm_map_free(cl[i]);
        model_free(&cm[i]);
    }
    model_free(&bm);
    pm_map_free(s);
    pm_map_free(m);
    model_free(&sm);
    model_free(&mm);
    expect_live_zero();
}

static void test_fold_cache(void **state)
{
    (void)state;
    in_both_modes(fold_cache_body);
}

static void test_fold_errors(void **state)
{
    (void)state;
    pm_map *m;
    model md;
    rng = 5;
    rand_map(&m, &md, 100);
    fres out, sentinel;
    memset(&sentinel, 0xAB, sizeof sentinel);
    for (int at = 1; at <= 5; at++) {
        fctx c = {0, 0, at, 0};
        out = sentinel;
        assert_int_equal(
            pm_map_fold(m, NULL, 0, sizeof out, PM_FOLD_CACHE, fold_cb, &c, &out, NULL), PM_EINVAL);
        assert_memory_equal(&out, &sentinel, sizeof out);
    }
    fctx c = {0};
    assert_int_equal(pm_map_fold(m, NULL, 0, 0, 0, fold_cb, &c, &out, NULL), PM_EINVAL);
    assert_int_equal(pm_map_fold(m, NULL, 0, PM_FOLD_MAX_RESULT + 1, 0, fold_cb, &c, &out, NULL),
                     PM_EINVAL);
    assert_int_equal(pm_map_fold(m, NULL, 3, sizeof out, 0, fold_cb, &c, &out, NULL), PM_EINVAL);
    assert_int_equal(pm_map_fold(NULL, NULL, 0, sizeof out, 0, fold_cb, &c, &out, NULL), PM_EINVAL);
    assert_int_equal(pm_map_fold(m, NULL, 0, sizeof out, 0, NULL, &c, &out, NULL), PM_EINVAL);
    pm_map_free(m);
    model_free(&md);
}

/* ---- the builder --------------------------------------------------------------------------------
 * Seed: a range of the model whose keys share their first `depth` bytes (the callback's path). */
typedef struct useed {
    size_t lo, hi;
} useed;
typedef struct uctx {
    const model *m;
    size_t calls;
    int fail_at;  /* the fail_at-th call returns PM_ECONFLICT */
    int misorder; /* the misorder-th call names its children in descending order */
    int twice_at; /* the twice_at-th call with a value sets it twice */
} uctx;

static pm_status unfold_cb(void *ctx, const void *seed, const uint8_t *path, size_t len,
                           pm_unfold_step *st)
{
    uctx *u = ctx;
    const model *m = u->m;
    useed s;
    memcpy(&s, seed, sizeof s);
    u->calls++;
    if (s.lo < s.hi && len) /* the path is the range's common prefix */
        assert_memory_equal(path, m->e[s.lo].k->b, len);
    int has = s.lo < s.hi && m->e[s.lo].k->len == len;
    pm_status r;
    if (has) {
        if ((r = pm_unfold_set_val(st, ov_make(m->e[s.lo].v))) != PM_OK)
            return r;
        if (u->twice_at && (int)u->calls >= u->twice_at)
            return pm_unfold_set_val(st, ov_make(1));
    }
    useed kids[256];
    uint8_t kb[256];
    size_t nk = 0, i = s.lo + (size_t)has;
    while (i < s.hi) {
        uint8_t c = m->e[i].k->b[len];
        size_t j = i;
        while (j < s.hi && m->e[j].k->b[len] == c)
            j++;
        kids[nk] = (useed){i, j};
        kb[nk++] = c;
        i = j;
    }
    int desc = u->misorder && (int)u->calls == u->misorder && nk > 1;
    for (size_t x = 0; x < nk; x++) {
        size_t y = desc ? nk - 1 - x : x;
        if ((r = pm_unfold_add_child(st, kb[y], &kids[y])) != PM_OK)
            return r;
    }
    if (u->fail_at && (int)u->calls == u->fail_at)
        return PM_ECONFLICT;
    return PM_OK;
}

static void unfold_body(void)
{
    for (uint64_t seed = 1; seed <= 8; seed++) {
        rng = seed * 31;
        pm_map *m, *b;
        model md, got;
        rand_map(&m, &md, seed * 60);
        useed root = {0, md.n};
        uctx u = {&md, 0, 0, 0, 0};
        assert_int_equal(pm_map_unfold(ov_ops(), &root, sizeof root, unfold_cb, &u, &b), PM_OK);
        assert_int_equal(dump(b, &got), 0);
        assert_true(model_equal(&got, &md));
        assert_int_equal(u.calls, model_fold(&md, NULL, 0).positions);
        assert_int_equal(pm_debug_validate(b), PM_OK);
        bool eq;
        assert_int_equal(pm_map_equal(m, b, vcmp(), &eq), PM_OK);
        assert_true(eq);
        model_free(&got);
        pm_map_free(b);
        /* failures: nothing built, every value handed over dropped (owned_live) */
        long long cells = owned_live();
        pm_map *none = NULL;
        for (int at = 1; at <= 3; at++) {
            uctx f1 = {&md, 0, at, 0, 0};
            assert_int_equal(pm_map_unfold(ov_ops(), &root, sizeof root, unfold_cb, &f1, &none),
                             PM_ECONFLICT);
            uctx f2 = {&md, 0, 0, at, 0};
            pm_status s2 = pm_map_unfold(ov_ops(), &root, sizeof root, unfold_cb, &f2, &none);
            if (s2 != PM_OK)
                assert_int_equal(s2, PM_EINVAL);
            else
                pm_map_free(none), none = NULL;
            uctx f3 = {&md, 0, 0, 0, at};
            assert_int_equal(pm_map_unfold(ov_ops(), &root, sizeof root, unfold_cb, &f3, &none),
                             md.n ? PM_EINVAL : PM_OK);
            if (!md.n)
                pm_map_free(none), none = NULL;
            assert_null(none);
            assert_int_equal(owned_live(), cells);
        }
        pm_map_free(m);
        model_free(&md);
    }
    expect_live_zero();
}

static void test_unfold(void **state)
{
    (void)state;
    in_both_modes(unfold_body);
}

/* An unfold that never stops is refused at PM_MAX_KEY. */
static pm_status endless_cb(void *ctx, const void *seed, const uint8_t *path, size_t len,
                            pm_unfold_step *st)
{
    (void)ctx;
    (void)seed;
    (void)path;
    if (len % 1000 == 0)
        pm_unfold_set_val(st, ov_make(len));
    return pm_unfold_add_child(st, 'x', NULL);
}

static void test_unfold_endless(void **state)
{
    (void)state;
    pm_map *m = NULL;
    assert_int_equal(pm_map_unfold(NULL, NULL, 0, endless_cb, NULL, &m), PM_EINVAL);
    assert_null(m);
    expect_live_zero();
}

/* ---- equality and hashing ------------------------------------------------------------------- */
static void check_eq_hash(const pm_map *a, const model *am, const pm_map *b, const model *bm)
{
    bool eq;
    uint64_t ha, hb;
    assert_int_equal(pm_map_equal(a, b, vcmp(), &eq), PM_OK);
    assert_int_equal(eq, model_equal(am, bm));
    assert_int_equal(pm_map_hash(a, vcmp(), &ha), PM_OK);
    assert_int_equal(pm_map_hash(b, vcmp(), &hb), PM_OK);
    assert_int_equal(ha, model_hash(am));
    assert_int_equal(hb, model_hash(bm));
    if (eq)
        assert_int_equal(ha, hb);
    if (!owned_mode) { /* word values: the node cache, used a second time, agrees */
        uint64_t h2;
        assert_int_equal(pm_map_hash(a, NULL, &h2), PM_OK);
        assert_int_equal(h2, ha);
        assert_int_equal(pm_map_equal(a, b, NULL, &eq), PM_OK);
        assert_int_equal(eq, model_equal(am, bm));
    }
}

/* The same entries inserted in another order, with detours (keys added then removed). */
static void rebuild_shuffled(const model *md, pm_map **out, size_t seed)
{
    size_t n = md->n;
    size_t *ord = malloc((n + 1) * sizeof *ord);
    for (size_t i = 0; i < n; i++)
        ord[i] = i;
    rng = seed;
    for (size_t i = n; i > 1; i--) {
        size_t j = rnd() % i, t = ord[i - 1];
        ord[i - 1] = ord[j];
        ord[j] = t;
    }
    assert_int_equal(pm_map_new(ov_ops(), out), PM_OK);
    uint8_t k[128];
    for (size_t i = 0; i < n; i++) {
        const ment *e = &md->e[ord[i]];
        if (i % 3 == 0) { /* a detour: extra keys that make nodes grow, removed again */
            size_t len = rand_key(k);
            size_t at;
            if (!model_find(md, k, len, &at)) {
                assert_int_equal(pm_map_set(*out, k, len, ov_make(9), NULL, NULL), PM_OK);
                assert_int_equal(pm_map_remove(*out, k, len, NULL), PM_OK);
            }
        }
        assert_int_equal(pm_map_set(*out, e->k->b, e->k->len, ov_make(e->v), NULL, NULL), PM_OK);
    }
    free(ord);
}

static void eq_hash_body(void)
{
    for (uint64_t seed = 1; seed <= 10; seed++) {
        rng = seed * 1000003;
        pm_map *a, *b, *c;
        model am;
        rand_map(&a, &am, seed * 50);
        rebuild_shuffled(&am, &b, seed);
        check_eq_hash(a, &am, b, &am);
        /* a clone: equal, O(1) */
        assert_int_equal(pm_map_clone(a, &c), PM_OK);
        check_eq_hash(a, &am, c, &am);
        /* one-bit changes of one value in the clone: unequal, another hash */
        if (am.n) {
            model cm;
            model_copy(&cm, &am);
            for (int t = 0; t < 8; t++) {
                size_t i = rnd() % am.n;
                const mkey *k = am.e[i].k;
                uint64_t old, p = cm.e[i].v ^ (1ull << (rnd() % 56));
                assert_int_equal(pm_map_set(c, k->b, k->len, ov_make(p), NULL, NULL), PM_OK);
                model_set(&cm, k->b, k->len, p, &old);
                check_eq_hash(a, &am, c, &cm);
                uint64_t ha, hc;
                pm_map_hash(a, vcmp(), &ha);
                pm_map_hash(c, vcmp(), &hc);
                assert_int_not_equal(ha, hc);
                /* and back: equal again, whatever the layout the edits left */
                assert_int_equal(pm_map_set(c, k->b, k->len, ov_make(am.e[i].v), NULL, NULL),
                                 PM_OK);
                model_set(&cm, k->b, k->len, am.e[i].v, &old);
                check_eq_hash(a, &am, c, &cm);
            }
            /* a key removed, a key added */
            uint64_t old;
            const mkey *k = am.e[rnd() % am.n].k;
            assert_int_equal(pm_map_remove(c, k->b, k->len, NULL), PM_OK);
            model_remove(&cm, k->b, k->len, &old);
            check_eq_hash(a, &am, c, &cm);
            model_free(&cm);
        }
        pm_map_free(a);
        pm_map_free(b);
        pm_map_free(c);
        model_free(&am);
    }
    expect_live_zero();
}

static void test_equal_hash(void **state)
{
    (void)state;
    in_both_modes(eq_hash_body);
}

/* Random operations on two clones with the hash checked after each: the hashes cached in branch
 * nodes must follow every in-place edit, copy and graft (word values: the cache is on). */
static void test_hash_cow(void **state)
{
    (void)state;
    owned_mode = 0;
    for (uint64_t seed = 1; seed <= 6; seed++) {
        rng = seed * 7919;
        pm_map *m[2];
        model md[2];
        rand_map(&m[0], &md[0], 300);
        uint64_t h;
        assert_int_equal(pm_map_hash(m[0], NULL, &h), PM_OK); /* warm every node's cache */
        assert_int_equal(pm_map_clone(m[0], &m[1]), PM_OK);
        model_copy(&md[1], &md[0]);
        uint8_t k[128];
        for (int op = 0; op < 400; op++) {
            int w = (int)(rnd() % 2);
            size_t len = rand_key(k);
            uint64_t old, p = rnd() >> 8;
            unsigned kind = (unsigned)(rnd() % 6);
            if (kind >= 4 && md[0].n + md[1].n > 2000)
                kind = 0; /* grafts and joins double the maps: keep them small */
            switch (kind) {
            case 0:
            case 1:
                assert_int_equal(pm_map_set(m[w], k, len, p, NULL, NULL), PM_OK);
                model_set(&md[w], k, len, p, &old);
                break;
            case 2:
                if (md[w].n) {
                    const mkey *x = md[w].e[rnd() % md[w].n].k;
                    assert_int_equal(pm_map_remove(m[w], x->b, x->len, NULL), PM_OK);
                    mkey *keep = (mkey *)x; /* grafts make keys of any length */
                    keep->rc++;
                    model_remove(&md[w], keep->b, keep->len, &old);
                    mkey_unref(keep);
                }
                break;
            case 3:
                if (len > 2)
                    len = 2;
                assert_int_equal(pm_map_remove_prefix(m[w], k, len, NULL), PM_OK);
                model_remove_prefix(&md[w], k, len);
                break;
            case 4: { /* graft the other map's subtrie here */
                pm_map *sub;
                model sm;
                size_t pl = len > 1 ? 1 : len;
                assert_int_equal(pm_map_subtrie(m[1 - w], k, pl, &sub), PM_OK);
                model_extract(&sm, &md[1 - w], k, pl, 1);
                assert_int_equal(pm_map_graft(m[w], k, len, sub), PM_OK);
                model_graft(&md[w], k, len, &sm);
                pm_map_free(sub);
                model_free(&sm);
                break;
            }
            default: { /* join the other in */
                assert_int_equal(pm_map_join_into(m[w], m[1 - w], NULL), PM_OK);
                for (size_t i = 0; i < md[1 - w].n; i++) {
                    size_t at;
                    const ment *e = &md[1 - w].e[i];
                    if (!model_find(&md[w], e->k->b, e->k->len, &at))
                        model_set(&md[w], e->k->b, e->k->len, e->v, &old);
                }
                break;
            }
            }
            for (int i = 0; i < 2; i++) {
                assert_int_equal(pm_map_hash(m[i], NULL, &h), PM_OK);
                assert_int_equal(h, model_hash(&md[i]));
            }
            bool eq;
            assert_int_equal(pm_map_equal(m[0], m[1], NULL, &eq), PM_OK);
            assert_int_equal(eq, model_equal(&md[0], &md[1]));
        }
        for (int i = 0; i < 2; i++) {
            pm_map_free(m[i]);
            model_free(&md[i]);
        }
    }
    expect_live_zero();
}

/* ---- threads: readers storing node hashes while a writer edits its clone --------------------
 * Several threads hash and compare one shared map (each stores the same hashes into the shared
 * branch nodes: relaxed atomics) while another thread edits its own clone (copies the shared
 * path, clears hashes only in nodes it owns). Under TSan this checks the cache's orderings. */
typedef struct tharg {
    const pm_map *shared;
    pm_map *own; /* the writer's clone, or NULL for a reader */
    uint64_t want;
    int bad;
} tharg;

static void *th_main(void *p)
{
    tharg *a = p;
    for (int r = 0; r < 30; r++) {
        uint64_t h;
        bool eq;
        if (a->own) {
            uint8_t k[3] = {(uint8_t)('a' + r % 4), (uint8_t)r, 'w'};
            if (pm_map_set(a->own, k, 3, (uint64_t)r, NULL, NULL) || pm_map_hash(a->own, NULL, &h))
                a->bad = 1;
            continue;
        }
        if (pm_map_hash(a->shared, NULL, &h) || h != a->want)
            a->bad = 1;
        if (pm_map_equal(a->shared, a->shared, NULL, &eq) || !eq)
            a->bad = 1;
    }
    return NULL;
}

static void test_hash_threads(void **state)
{
    (void)state;
    owned_mode = 0;
    for (int round = 0; round < 4; round++) {
        rng = 4242 + (uint64_t)round;
        pm_map *m, *w;
        model md;
        rand_map(&m, &md, 3000);
        assert_int_equal(pm_map_clone(m, &w), PM_OK);
        tharg a[4];
        pthread_t t[4];
        for (int i = 0; i < 4; i++) {
            a[i] = (tharg){m, i == 3 ? w : NULL, model_hash(&md), 0};
            assert_int_equal(pthread_create(&t[i], NULL, th_main, &a[i]), 0);
        }
        for (int i = 0; i < 4; i++) {
            pthread_join(t[i], NULL);
            assert_false(a[i].bad);
        }
        uint64_t h;
        assert_int_equal(pm_map_hash(m, NULL, &h), PM_OK);
        assert_int_equal(h, model_hash(&md));
        pm_map_free(w);
        pm_map_free(m);
        model_free(&md);
    }
    expect_live_zero();
}

/* ---- fault injection ------------------------------------------------------------------------
 * Every allocation of each call fails in turn: PM_ENOMEM, outputs untouched, maps unchanged,
 * no cell cloned or dropped, nothing leaked (ASan). Each scenario must fail at least once. */
typedef struct ffx {
    pm_map *a, *b;
    model am;
    pm_map *out;
    uint64_t h;
    bool eq;
    fres r[3];
} ffx;

static void f_setup(ffx *f)
{
    /* wide (the equality stack grows), deep (fold and hash stacks grow), shared (cache) */
    uint8_t k[200];
    rng = 99;
    memset(f, 0, sizeof *f);
    assert_int_equal(pm_map_new(ov_ops(), &f->a), PM_OK);
    for (int i = 0; i < 300; i++) {
        k[0] = (uint8_t)(i % 50);
        k[1] = (uint8_t)(i / 50);
        size_t len = 2 + (i % 7 == 0 ? 150 : rnd() % 5);
        for (size_t j = 2; j < len; j++)
            k[j] = (uint8_t)('a' + rnd() % 3);
        uint64_t old;
        assert_int_equal(pm_map_set(f->a, k, len, ov_make((uint64_t)i), NULL, NULL), PM_OK);
        model_set(&f->am, k, len, (uint64_t)i, &old);
    }
    assert_int_equal(pm_map_clone(f->a, &f->b), PM_OK);
    k[0] = 7;
    assert_int_equal(pm_map_set(f->b, k, 1, ov_make(1), NULL, NULL), PM_OK);
}

static pm_status fa_fold(ffx *f)
{
    fctx c = {0};
    return pm_map_fold(f->a, NULL, 0, sizeof(fres), 0, fold_cb, &c, f->r, NULL);
}
static pm_status fa_fold_cached(ffx *f)
{
    fctx c = {0};
    return pm_map_fold(f->a, NULL, 0, sizeof(fres), PM_FOLD_CACHE, fold_cb, &c, f->r, NULL);
}
static pm_status fa_fold_many(ffx *f)
{
    fctx c = {0};
    const pm_map *ms[3] = {f->a, f->b, f->a};
    return pm_map_fold_many(ms, 3, NULL, 0, sizeof(fres), PM_FOLD_CACHE, fold_cb, &c, f->r, NULL);
}
static pm_status fa_unfold(ffx *f)
{
    useed root = {0, f->am.n};
    uctx u = {&f->am, 0, 0, 0, 0};
    return pm_map_unfold(ov_ops(), &root, sizeof root, unfold_cb, &u, &f->out);
}
static pm_status fa_equal(ffx *f)
{
    return pm_map_equal(f->a, f->b, vcmp(), &f->eq);
}
static pm_status fa_hash(ffx *f)
{
    return pm_map_hash(f->a, vcmp(), &f->h);
}

static void fault_run(const char *name, pm_status (*act)(ffx *))
{
    uint64_t k;
    for (k = 1;; k++) {
        ffx f;
        f_setup(&f);
        model d0, d1;
        assert_int_equal(dump(f.a, &d0), 0);
        long long cells = owned_live();
        pm_mem_stats s0, s1;
        pm_mem_stats_get(&s0);
        ffx before = f;
        pm_debug_fail_alloc_at(k);
        pm_status st = act(&f);
        pm_debug_fail_alloc_at(0);
        if (st != PM_OK) {
            if (st != PM_ENOMEM)
                fail_msg("%s k=%llu: status %d", name, (unsigned long long)k, (int)st);
            assert_int_equal(owned_live(), cells);
            pm_mem_stats_get(&s1);
            assert_int_equal(s1.live_nodes, s0.live_nodes);
            assert_null(f.out);
            assert_int_equal(f.h, before.h);
            assert_int_equal(f.eq, before.eq);
            assert_memory_equal(f.r, before.r, sizeof f.r);
            assert_int_equal(dump(f.a, &d1), 0);
            assert_true(model_equal(&d0, &d1));
            model_free(&d1);
        } else if (k == 1) {
            fail_msg("scenario %s made no allocation", name);
        }
        model_free(&d0);
        model_free(&f.am);
        pm_map_free(f.out);
        pm_map_free(f.a);
        pm_map_free(f.b);
        if (st == PM_OK)
            break;
    }
    expect_live_zero();
    print_message("  %-16s %llu allocation(s) failed in turn\n", name, (unsigned long long)k - 1);
}

static void fault_body(void)
{
    fault_run("fold", fa_fold);
    fault_run("fold cached", fa_fold_cached);
    fault_run("fold_many", fa_fold_many);
    fault_run("unfold", fa_unfold);
    fault_run("equal", fa_equal);
    fault_run("hash", fa_hash);
}

static void test_fault(void **state)
{
    (void)state;
    in_both_modes(fault_body);
}

/* ---- deep: a 64 KiB key and a 100,000-level chain under a 256 KiB stack ---------------------- */
static uint8_t deepkey[PM_MAX_KEY];

static pm_status chain_cb(void *ctx, const void *seed, const uint8_t *path, size_t len,
                          pm_unfold_step *st)
{
    (void)seed;
    (void)path;
    size_t depth = *(const size_t *)ctx;
    if (len == depth || len % 10000 == 0)
        pm_unfold_set_val(st, len + 1);
    if (len < depth)
        return pm_unfold_add_child(st, 'a', NULL);
    return PM_OK;
}

static void deep_check(pm_map *m, size_t positions)
{
    fres r;
    fctx c = {0};
    pm_fold_stats st;
    for (unsigned flags = 0; flags <= PM_FOLD_CACHE; flags++) {
        assert_int_equal(pm_map_fold(m, NULL, 0, sizeof r, flags, fold_cb, &c, &r, &st), PM_OK);
        assert_int_equal(r.positions, positions);
        assert_int_equal(st.calls, positions);
    }
    pm_map *c2;
    uint64_t h1, h2, h3;
    bool eq;
    assert_int_equal(pm_map_clone(m, &c2), PM_OK);
    assert_int_equal(pm_map_hash(m, NULL, &h1), PM_OK);
    assert_int_equal(pm_map_hash(c2, NULL, &h2), PM_OK);
    assert_int_equal(h1, h2);
    assert_int_equal(pm_map_equal(m, c2, NULL, &eq), PM_OK);
    assert_true(eq);
    /* the deepest value changed in the clone (path copy all the way down) */
    model d;
    assert_int_equal(dump(m, &d), 0);
    const mkey *last = d.e[0].k; /* the deepest key a set accepts */
    for (size_t i = 0; i < d.n; i++)
        if (d.e[i].k->len <= PM_MAX_KEY)
            last = d.e[i].k;
    assert_int_equal(pm_map_set(c2, last->b, last->len, 12345, NULL, NULL), PM_OK);
    assert_int_equal(pm_map_equal(m, c2, NULL, &eq), PM_OK);
    assert_false(eq);
    assert_int_equal(pm_map_hash(c2, NULL, &h3), PM_OK);
    assert_int_not_equal(h1, h3);
    assert_int_equal(pm_map_hash(m, NULL, &h2), PM_OK);
    assert_int_equal(h1, h2);
    pm_map_free(c2);
    model_free(&d);
}

static void test_deep(void **state)
{
    (void)state;
    owned_mode = 0;
    for (size_t i = 0; i < PM_MAX_KEY; i++)
        deepkey[i] = (uint8_t)(i * 7 + (i >> 8));
    pm_map *m;
    assert_int_equal(pm_map_new(NULL, &m), PM_OK);
    assert_int_equal(pm_map_set(m, deepkey, PM_MAX_KEY, 42, NULL, NULL), PM_OK);
    assert_int_equal(pm_map_set(m, deepkey, PM_MAX_KEY / 2, 21, NULL, NULL), PM_OK);
    deep_check(m, PM_MAX_KEY + 1);
    pm_map_free(m);

    /* The builder stops at PM_MAX_KEY (a 100,000-level chain is refused, nothing leaks); a
     * grafted chain may be deeper. A 60,000-level chain from the builder must equal the grafted
     * one, and a 100,000-level grafted chain is folded, hashed and compared below. */
    size_t depth = 100000;
    pm_map *u, *g, *piece;
    assert_int_equal(pm_map_unfold(NULL, NULL, 0, chain_cb, &depth, &u), PM_EINVAL);
    expect_live_zero();
    depth = 60000;
    assert_int_equal(pm_map_unfold(NULL, NULL, 0, chain_cb, &depth, &u), PM_OK);
    size_t n;
    assert_int_equal(pm_map_len(u, &n), PM_OK);
    assert_int_equal(n, depth / 10000 + 1);
    static uint8_t as[100000];
    memset(as, 'a', sizeof as);
    assert_int_equal(pm_map_new(NULL, &g), PM_OK);
    const size_t step = 10000;
    for (size_t base = depth; base > 0; base -= step) { /* pieces of 10,000 levels */
        assert_int_equal(pm_map_new(NULL, &piece), PM_OK);
        assert_int_equal(pm_map_set(piece, NULL, 0, base - step + 1, NULL, NULL), PM_OK);
        if (base == depth)
            assert_int_equal(pm_map_set(piece, as, step, depth + 1, NULL, NULL), PM_OK);
        else
            assert_int_equal(pm_map_graft(piece, as, step, g), PM_OK);
        pm_map_free(g);
        g = piece;
    }
    bool eq;
    uint64_t hu, hg;
    assert_int_equal(pm_map_equal(u, g, NULL, &eq), PM_OK);
    assert_true(eq);
    assert_int_equal(pm_map_hash(u, NULL, &hu), PM_OK);
    assert_int_equal(pm_map_hash(g, NULL, &hg), PM_OK);
    assert_int_equal(hu, hg);
    deep_check(u, depth + 1);
    pm_map_free(u);
    pm_map_free(g);
    /* 100,000 levels by grafting: fold, hash and equality without recursion per level */
    depth = 100000;
    g = NULL;
    assert_int_equal(pm_map_new(NULL, &g), PM_OK);
    for (size_t base = depth; base > 0; base -= step) {
        assert_int_equal(pm_map_new(NULL, &piece), PM_OK);
        assert_int_equal(pm_map_set(piece, NULL, 0, base - step + 1, NULL, NULL), PM_OK);
        if (base == depth)
            assert_int_equal(pm_map_set(piece, as, step, depth + 1, NULL, NULL), PM_OK);
        else
            assert_int_equal(pm_map_graft(piece, as, step, g), PM_OK);
        pm_map_free(g);
        g = piece;
    }
    deep_check(g, depth + 1);
    pm_map_free(g);
    expect_live_zero();
}

/* An argument runs only the tests matching it (cmocka's filter). */
int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold_model),     cmocka_unit_test(test_fold_cache),
        cmocka_unit_test(test_fold_errors),    cmocka_unit_test(test_unfold),
        cmocka_unit_test(test_unfold_endless), cmocka_unit_test(test_equal_hash),
        cmocka_unit_test(test_hash_cow),       cmocka_unit_test(test_hash_threads),
        cmocka_unit_test(test_fault),          cmocka_unit_test(test_deep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
