/* keys.c — key sets and lookup streams (see keys.h). */
#define _POSIX_C_SOURCE 200809L
#include "keys.h"

#include "pathmap_io.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WORDS_PATH "/usr/share/dict/words"

uint64_t pmx_hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = 0x243F6A8885A308D3ull ^ (n * 0x9E3779B97F4A7C15ull);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xFF51AFD7ED558CCDull;
        h ^= h >> 32;
        p += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, p, n);
    h = (h ^ w ^ ((uint64_t)n << 56)) * 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 29;
    return h * 0x9E3779B97F4A7C15ull ^ (h >> 32);
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- a growable list of raw keys, deduplicated by an open-addressing set ----------------------
 */

typedef struct raw {
    uint8_t *buf; /* concatenated key bytes */
    size_t len, cap;
    size_t *off; /* key i = buf[off[i] .. off[i+1]) */
    uint32_t *part;
    size_t n, ncap;
    size_t *slot; /* hash set of key indices + 1 (0 = empty) */
    size_t slots;
} raw;

static const uint8_t *raw_key(const raw *r, size_t i, size_t *len)
{
    *len = r->off[i + 1] - r->off[i];
    return r->buf + r->off[i];
}

static int raw_grow_set(raw *r)
{
    size_t ns = r->slots ? r->slots * 2 : 1024;
    size_t *s = calloc(ns, sizeof *s);
    if (!s)
        return -1;
    for (size_t i = 0; i < r->n; i++) {
        size_t len;
        const uint8_t *k = raw_key(r, i, &len);
        size_t h = pmx_hash_bytes(k, len) & (ns - 1);
        while (s[h])
            h = (h + 1) & (ns - 1);
        s[h] = i + 1;
    }
    free(r->slot);
    r->slot = s;
    r->slots = ns;
    return 0;
}

static bool raw_contains(const raw *r, const uint8_t *k, size_t len)
{
    if (!r->slots)
        return false;
    size_t h = pmx_hash_bytes(k, len) & (r->slots - 1);
    while (r->slot[h]) {
        size_t l;
        const uint8_t *o = raw_key(r, r->slot[h] - 1, &l);
        if (l == len && memcmp(o, k, len) == 0)
            return true;
        h = (h + 1) & (r->slots - 1);
    }
    return false;
}

/* Adds a key (prefix ++ body) unless present. Returns 1 added, 0 duplicate, -1 out of memory. */
static int raw_add(raw *r, const uint8_t *pre, size_t plen, const uint8_t *body, size_t blen,
                   uint32_t part)
{
    size_t len = plen + blen;
    if (r->len + len > r->cap) {
        size_t nc = r->cap ? r->cap : 1 << 16;
        while (nc < r->len + len)
            nc *= 2;
        uint8_t *nb = realloc(r->buf, nc);
        if (!nb)
            return -1;
        r->buf = nb;
        r->cap = nc;
    }
    uint8_t *dst = r->buf + r->len;
    if (plen)
        memcpy(dst, pre, plen);
    memcpy(dst + plen, body, blen);
    if (raw_contains(r, dst, len))
        return 0;
    if (r->n + 2 > r->ncap) {
        size_t nc = r->ncap ? r->ncap * 2 : 1024;
        size_t *no = realloc(r->off, nc * sizeof *no);
        if (!no)
            return -1;
        r->off = no;
        uint32_t *np = realloc(r->part, nc * sizeof *np);
        if (!np)
            return -1;
        r->part = np;
        r->ncap = nc;
    }
    if ((r->n + 1) * 2 > r->slots && raw_grow_set(r) != 0)
        return -1;
    if (r->n == 0)
        r->off[0] = 0;
    r->off[r->n + 1] = r->len + len;
    r->part[r->n] = part;
    size_t h = pmx_hash_bytes(dst, len) & (r->slots - 1);
    while (r->slot[h])
        h = (h + 1) & (r->slots - 1);
    r->slot[h] = r->n + 1;
    r->n++;
    r->len += len;
    return 1;
}

static void raw_free(raw *r)
{
    free(r->buf);
    free(r->off);
    free(r->part);
    free(r->slot);
    memset(r, 0, sizeof *r);
}

/* ---- sources ----------------------------------------------------------------------------------
 */

typedef enum {
    SRC_WORDS,
    SRC_KB,
    SRC_INTS,
    SRC_RANDOM,
    SRC_SEXPR,
    SRC_FILE,
    SRC_FILE_LP,
    SRC_PATHS
} src_kind;

/* The one list of key sets: pmlab registers these (experiments/registry.c), parse_spec accepts
 * them, its error message and the tests derive from it. A name ending in ':' is a family
 * NAME:ARGUMENT; "file" is the family file:PATH[:lp] (pmlab's registry spells it without ':'). */
static const struct {
    const char *name;
    src_kind kind;
    bool generated; /* synthesized from the seed: no bound on the key count */
    const char *help;
} keysets[] = {
    {"words", SRC_WORDS, false, "/usr/share/dict/words (Debian wamerican), one key per line"},
    {"kb", SRC_KB, true,
     "synthetic KB paths spaces/<id>/facts/<domain>/<entity>/<attr> (~50 B; unbounded)"},
    {"ints", SRC_INTS, true,
     "Rust benches' keys: 1-byte partition prefix + trimmed LE integer (unbounded)"},
    {"random", SRC_RANDOM, true, "uniform random bytes, lengths 3..20 (seeded; unbounded)"},
    {"sexpr", SRC_SEXPR, true,
     "synthetic KB expressions in MeTTa's path byte encoding, 16..270 B (seeded; unbounded)"},
    {"file", SRC_FILE, false, "file:PATH[:lp]"},
    {"paths:", SRC_PATHS, false,
     "a .paths file (the Rust PathMap crate's format: zlib stream of length-prefixed paths), "
     "paths in file order"},
};
#define NKEYSETS (sizeof keysets / sizeof keysets[0])

const char *pmx_keyset_name(size_t i, const char **help, bool *generated)
{
    if (i >= NKEYSETS)
        return NULL;
    if (help)
        *help = keysets[i].help;
    if (generated)
        *generated = keysets[i].generated;
    return keysets[i].name;
}

static int parse_spec(const char *spec, src_kind *kind, char *path, size_t pathlen, char *err,
                      size_t errlen)
{
    if (!spec || !*spec) {
        set_err(err, errlen, "empty key set name");
        return -1;
    }
    size_t i = 0;
    while (i < NKEYSETS && (keysets[i].kind == SRC_FILE || keysets[i].kind == SRC_PATHS ||
                            strcmp(spec, keysets[i].name) != 0))
        i++;
    if (i < NKEYSETS)
        *kind = keysets[i].kind;
    else if (strncmp(spec, "file:", 5) == 0 || strncmp(spec, "paths:", 6) == 0) {
        int paths = spec[0] == 'p';
        const char *p = spec + (paths ? 6 : 5);
        size_t n = strlen(p);
        *kind = paths ? SRC_PATHS : SRC_FILE;
        if (!paths && n > 3 && strcmp(p + n - 3, ":lp") == 0) {
            *kind = SRC_FILE_LP;
            n -= 3;
        }
        if (n == 0 || n >= pathlen) {
            set_err(err, errlen, "key set '%s': bad file path", spec);
            return -1;
        }
        memcpy(path, p, n);
        path[n] = 0;
    } else {
        char names[256] = "";
        size_t used = 0;
        for (size_t j = 0; j < NKEYSETS && used < sizeof names; j++) {
            const char *nm = keysets[j].kind == SRC_FILE    ? "file:PATH[:lp]"
                             : keysets[j].kind == SRC_PATHS ? "paths:FILE"
                                                            : keysets[j].name;
            int w = snprintf(names + used, sizeof names - used, "%s%s", j ? ", " : "", nm);
            used += w > 0 ? (size_t)w : 0;
        }
        set_err(err, errlen, "unknown key set '%s' (%s)", spec, names);
        return -1;
    }
    if (*kind == SRC_WORDS)
        snprintf(path, pathlen, "%s", WORDS_PATH);
    return 0;
}

int pmx_keys_check(const char *spec, char *err, size_t errlen)
{
    src_kind kind;
    char path[4096];
    if (parse_spec(spec, &kind, path, sizeof path, err, errlen) != 0)
        return -1;
    if (kind == SRC_WORDS || kind == SRC_FILE || kind == SRC_FILE_LP || kind == SRC_PATHS) {
        FILE *f = fopen(path, "rb");
        if (!f) {
            set_err(err, errlen, "key set '%s': cannot read %s: %s", spec, path, strerror(errno));
            return -1;
        }
        fclose(f);
    }
    return 0;
}

/* The partition prefix used by the generic sources when parts > 1: one byte, the partition id. */
static void byte_prefix(unsigned p, unsigned parts, uint8_t *pre, size_t *plen)
{
    *plen = parts > 1 ? 1 : 0;
    pre[0] = (uint8_t)p;
}

/* sexpr's partition prefix (parts > 1): the start of (pNNN KEY), 0x02 0xC4 'p' and three digits. */
static size_t sexpr_part_prefix(unsigned p, uint8_t *out)
{
    out[0] = 0x02;
    out[1] = 0xC4;
    out[2] = 'p';
    out[3] = (uint8_t)('0' + p / 100 % 10);
    out[4] = (uint8_t)('0' + p / 10 % 10);
    out[5] = (uint8_t)('0' + p % 10);
    return 6;
}

static size_t pmx_file_read(void *ctx, void *buf, size_t cap)
{
    FILE *f = ctx;
    size_t n = fread(buf, 1, cap, f);
    return n == 0 && ferror(f) ? (size_t)-1 : n;
}

static int load_lines(raw *r, const char *path, int lp, size_t size, unsigned parts, char *err,
                      size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_err(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    uint8_t *line = NULL;
    size_t cap = 0, i = 0;
    int rc = 0;
    while (r->n < size) {
        size_t len;
        if (lp) {
            uint8_t hdr[4];
            if (fread(hdr, 1, 4, f) != 4)
                break;
            len =
                (size_t)hdr[0] | (size_t)hdr[1] << 8 | (size_t)hdr[2] << 16 | (size_t)hdr[3] << 24;
            if (len > (1u << 20)) {
                set_err(err, errlen, "%s: key of %zu bytes exceeds 1 MiB (not a :lp file?)", path,
                        len);
                rc = -1;
                break;
            }
            if (len > cap) {
                uint8_t *nl = realloc(line, len + 1);
                if (!nl) {
                    rc = -1;
                    break;
                }
                line = nl;
                cap = len;
            }
            if (fread(line, 1, len, f) != len) {
                set_err(err, errlen, "%s: truncated key", path);
                rc = -1;
                break;
            }
        } else {
            ssize_t got = getline((char **)&line, &cap, f);
            if (got < 0)
                break;
            len = (size_t)got;
            while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                len--;
            if (len == 0)
                continue;
        }
        uint8_t pre[1];
        size_t plen;
        unsigned p = (unsigned)(i++ % parts);
        byte_prefix(p, parts, pre, &plen);
        if (raw_add(r, pre, plen, line, len, p) < 0) {
            set_err(err, errlen, "out of memory loading %s", path);
            rc = -1;
            break;
        }
    }
    free(line);
    fclose(f);
    return rc;
}

/* A .paths file (the Rust PathMap crate's format, read by pathmap_io.h): its paths in file order,
 * deduplicated, until `size` keys; partitions by position as for line files. */
typedef struct paths_load {
    raw *r;
    size_t size, i;
    unsigned parts;
    int oom;
} paths_load;

static int paths_add(void *ctx, const uint8_t *path, size_t len)
{
    paths_load *l = ctx;
    uint8_t pre[1];
    size_t plen;
    unsigned p = (unsigned)(l->i++ % l->parts);
    byte_prefix(p, l->parts, pre, &plen);
    if (raw_add(l->r, pre, plen, path, len, p) < 0) {
        l->oom = 1;
        return 1;
    }
    return l->r->n >= l->size;
}

static int load_paths(raw *r, const char *path, size_t size, unsigned parts, char *err,
                      size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_err(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    paths_load l = {r, size, 0, parts, 0};
    pm_status s = size ? pm_paths_foreach(pmx_file_read, f, NULL, paths_add, &l, NULL) : PM_OK;
    fclose(f);
    if (l.oom || s != PM_OK) {
        set_err(err, errlen, "%s: %s", path, l.oom ? "out of memory" : pm_strerror(s));
        return -1;
    }
    return 0;
}

static const char *const kb_domains[] = {"math",      "logic",   "physics",   "biology",
                                         "chemistry", "history", "geography", "music",
                                         "language",  "law",     "medicine",  "economics"};
static const char *const kb_attrs[] = {"name",       "type",    "definition", "source",
                                       "confidence", "related", "example",    "created",
                                       "updated",    "label",   "parent",     "description"};

static int gen_kb(raw *r, size_t size, unsigned parts, uint64_t seed)
{
    /* spaces/g<part>-s<space>/facts/<domain>/<entity>/<attr>: fixed-width ids keep partition and
     * space names prefix-free. 16 spaces per partition; entities are hex ids. */
    uint64_t s = seed ^ 0x6B62ull;
    size_t tries = 0;
    while (r->n < size && tries++ < size * 4 + 1000) {
        unsigned p = (unsigned)(r->n % parts);
        uint64_t x = pmx_rand_next(&s);
        char key[160];
        int len = snprintf(key, sizeof key, "spaces/g%03u-s%04u/facts/%s/ent-%06llx/%s", p,
                           (unsigned)(x % 16), kb_domains[(x >> 8) % 12],
                           (unsigned long long)((x >> 16) % 0x1000000), kb_attrs[(x >> 40) % 12]);
        if (raw_add(r, NULL, 0, (const uint8_t *)key, (size_t)len, p) < 0)
            return -1;
    }
    return 0;
}

static int gen_ints(raw *r, size_t size, unsigned parts)
{
    size_t per = (size + parts - 1) / parts;
    for (unsigned p = 0; p < parts; p++) {
        for (size_t i = 0; i < per && r->n < size; i++) {
            uint8_t body[8];
            size_t n = 0;
            uint64_t v = i;
            do {
                body[n++] = (uint8_t)v;
                v >>= 8;
            } while (v);
            uint8_t pre = (uint8_t)p;
            if (raw_add(r, &pre, 1, body, n, p) < 0)
                return -1;
        }
    }
    return 0;
}

static int gen_random(raw *r, size_t size, unsigned parts, uint64_t seed)
{
    uint64_t s = seed ^ 0x52414E44ull;
    size_t tries = 0;
    while (r->n < size && tries++ < size * 4 + 1000) {
        uint8_t body[20];
        size_t len = 3 + pmx_rand_next(&s) % 18;
        for (size_t i = 0; i < len; i++)
            body[i] = (uint8_t)pmx_rand_next(&s);
        unsigned p = (unsigned)(r->n % parts);
        uint8_t pre[1];
        size_t plen;
        byte_prefix(p, parts, pre, &plen);
        if (raw_add(r, pre, plen, body, len, p) < 0)
            return -1;
    }
    return 0;
}

/* ---- sexpr: knowledge-base expressions in MeTTa's path byte encoding ----------------------------
 *
 * One tag byte per node, in prefix order: 0x00|a (a <= 63) an expression of a children; 0xC0 a new
 * variable; 0x80|i a reference to the expression's i-th variable (i < the variables so far);
 * 0xC0|s then s bytes a symbol of s bytes (1 <= s <= 63). A key is one expression:
 *   (axiom (= L R))   40 %   L, R terms with variables
 *   (fact (F A...))   25 %   a ground term of arity 2..4 under a Zipf functor
 *   (: S T)           20 %   a Zipf symbol and its type, a symbol or (-> A B [C])
 *   (rule P C)        15 %   two terms with variables
 * A term at depth d (the key is depth 0, its head's argument depth 1) is a compound with
 * probability SX_COMPOUND_PCT - SX_COMPOUND_STEP x d, at most depth SX_MAX_DEPTH: an expression of
 * arity 1..4 whose first child is a Zipf symbol; otherwise a leaf: where variables are allowed a
 * variable SX_VAR_PCT % of the time (a reference to an earlier one half of those times, when any),
 * else a Zipf symbol. Symbols come from a fixed vocabulary of SX_VOCAB pseudo-words, drawn with
 * Zipf exponent SX_ZIPF. Knowledge bases hold many facts about the same things, so a fresh key is
 * followed by 0..2 x SX_GROUP - 1 siblings (uniform, mean SX_GROUP - 1/2): each redraws one term
 * that ends the previous key (chosen uniformly among the terms on its right spine), keeping
 * everything before it. Keys outside SX_MIN_LEN..SX_MAX_LEN bytes are drawn again. With more than
 * one partition every key is wrapped as (pNNN KEY): a valid expression whose partition prefix
 * 0x02 0xC4 'p' d d d no other partition's prefix extends. */
#define SX_VOCAB         4096
#define SX_ZIPF          1.1
#define SX_MAX_DEPTH     6
#define SX_COMPOUND_PCT  72
#define SX_COMPOUND_STEP 10
#define SX_VAR_PCT       30
#define SX_GROUP         3 /* siblings after a fresh key: uniform 0..2 x SX_GROUP - 1 */
#define SX_MIN_LEN       16
#define SX_MAX_LEN       270

typedef struct sx_gen {
    uint64_t s;
    double *cdf;        /* cumulative Zipf weights of the vocabulary, normalised */
    uint8_t (*sym)[16]; /* sym[i][0] = length, then the bytes */
    uint8_t buf[SX_MAX_LEN + 80];
    size_t len;
    unsigned nvars;
    bool over; /* the key grew past SX_MAX_LEN: drawn again */
    /* every term of the key in prefix order: where it starts and ends, the variables before it,
     * its depth and whether it may hold variables (a sibling key redraws one that ends the key) */
    struct {
        uint16_t start, end;
        uint8_t nvars, depth;
        bool vars;
    } term[SX_MAX_LEN];
    unsigned nterms;
} sx_gen;

static void sx_byte(sx_gen *g, uint8_t b)
{
    if (g->len < SX_MAX_LEN)
        g->buf[g->len++] = b;
    else
        g->over = true;
}

static void sx_symbol(sx_gen *g, const uint8_t *p, size_t n)
{
    sx_byte(g, (uint8_t)(0xC0 | n));
    for (size_t i = 0; i < n; i++)
        sx_byte(g, p[i]);
}

static void sx_lit(sx_gen *g, const char *s)
{
    sx_symbol(g, (const uint8_t *)s, strlen(s));
}

static unsigned sx_pct(sx_gen *g)
{
    return (unsigned)(pmx_rand_next(&g->s) % 100);
}

static void sx_zipf_symbol(sx_gen *g)
{
    double u = (double)(pmx_rand_next(&g->s) >> 11) / 9007199254740992.0;
    size_t lo = 0, hi = SX_VOCAB - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (g->cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    sx_symbol(g, g->sym[lo] + 1, g->sym[lo][0]);
}

static void sx_term_body(sx_gen *g, unsigned depth, bool vars);

static void sx_term(sx_gen *g, unsigned depth, bool vars)
{
    unsigned t = g->nterms < SX_MAX_LEN ? g->nterms++ : SX_MAX_LEN;
    if (t < SX_MAX_LEN) {
        g->term[t].start = (uint16_t)g->len;
        g->term[t].nvars = (uint8_t)g->nvars;
        g->term[t].depth = (uint8_t)depth;
        g->term[t].vars = vars;
    }
    sx_term_body(g, depth, vars);
    if (t < SX_MAX_LEN)
        g->term[t].end = (uint16_t)g->len;
}

static void sx_term_body(sx_gen *g, unsigned depth, bool vars)
{
    int compound = SX_COMPOUND_PCT - SX_COMPOUND_STEP * (int)depth;
    if (depth < SX_MAX_DEPTH && (int)sx_pct(g) < compound) {
        unsigned r = sx_pct(g), arity = r < 10 ? 1 : r < 45 ? 2 : r < 80 ? 3 : 4;
        sx_byte(g, (uint8_t)arity);
        sx_zipf_symbol(g);
        for (unsigned i = 1; i < arity; i++)
            sx_term(g, depth + 1, vars);
        return;
    }
    if (vars && sx_pct(g) < SX_VAR_PCT) {
        if (g->nvars && sx_pct(g) < 50) {
            sx_byte(g, (uint8_t)(0x80 | (pmx_rand_next(&g->s) % g->nvars)));
            return;
        }
        if (g->nvars < 64) {
            sx_byte(g, 0xC0);
            g->nvars++;
            return;
        }
    }
    sx_zipf_symbol(g);
}

/* One key into g->buf. */
static void sx_key(sx_gen *g, unsigned part, unsigned parts)
{
    g->len = 0;
    g->nvars = 0;
    g->nterms = 0;
    g->over = false;
    if (parts > 1)
        g->len = sexpr_part_prefix(part, g->buf);
    unsigned kind = sx_pct(g);
    if (kind < 40) { /* (axiom (= L R)) */
        sx_byte(g, 2);
        sx_lit(g, "axiom");
        sx_byte(g, 3);
        sx_lit(g, "=");
        sx_term(g, 2, true);
        sx_term(g, 2, true);
    } else if (kind < 65) { /* (fact (F A...)) */
        sx_byte(g, 2);
        sx_lit(g, "fact");
        unsigned arity = 2 + (unsigned)(pmx_rand_next(&g->s) % 3);
        sx_byte(g, (uint8_t)arity);
        sx_zipf_symbol(g);
        for (unsigned i = 1; i < arity; i++)
            sx_term(g, 2, false);
    } else if (kind < 85) { /* (: S T) */
        sx_byte(g, 3);
        sx_lit(g, ":");
        sx_zipf_symbol(g);
        if (sx_pct(g) < 40) {
            sx_term(g, SX_MAX_DEPTH, false); /* a symbol */
        } else {
            unsigned arity = 3 + (unsigned)(pmx_rand_next(&g->s) % 2);
            sx_byte(g, (uint8_t)arity);
            sx_lit(g, "->");
            for (unsigned i = 1; i < arity; i++)
                sx_term(g, 2, false);
        }
    } else { /* (rule P C) */
        sx_byte(g, 3);
        sx_lit(g, "rule");
        sx_term(g, 1, true);
        sx_term(g, 1, true);
    }
}

/* A sibling of the key in g->buf: one term that ends the key, chosen at random, drawn again. */
static void sx_sibling(sx_gen *g)
{
    unsigned spine[SX_MAX_LEN], n = 0, end = (unsigned)g->len;
    for (unsigned t = 0; t < g->nterms && t < SX_MAX_LEN; t++)
        if (g->term[t].end == end)
            spine[n++] = t;
    if (!n)
        return;
    unsigned t = spine[pmx_rand_next(&g->s) % n];
    g->len = g->term[t].start;
    g->nvars = g->term[t].nvars;
    g->over = false;
    g->nterms = t;
    sx_term(g, g->term[t].depth, g->term[t].vars);
    for (unsigned i = 0; i < n && spine[i] < t; i++) /* the enclosing terms end with it */
        g->term[spine[i]].end = (uint16_t)g->len;
}

/* The vocabulary: pseudo-words of 1..4 syllables; the frequent (low) ranks are the short ones. */
static int sx_vocab(sx_gen *g)
{
    static const char *const syl[] = {"ka", "to", "ri", "ne", "su", "mo", "la", "pi",
                                      "de", "go", "ba", "vi", "ze", "hu", "fo", "cy",
                                      "an", "el", "is", "or", "um", "ex", "qu", "wa"};
    enum { NSYL = sizeof syl / sizeof syl[0] };
    g->cdf = malloc(SX_VOCAB * sizeof *g->cdf);
    g->sym = malloc(SX_VOCAB * sizeof *g->sym);
    if (!g->cdf || !g->sym)
        return -1;
    uint64_t vs = 0x53455850ull; /* fixed: the vocabulary is the same for every seed */
    double sum = 0;
    for (size_t i = 0; i < SX_VOCAB; i++) {
        size_t n = 0, r = i;
        do { /* bijective base-NSYL numbering: distinct ranks, distinct stems */
            const char *sy = syl[r % NSYL];
            g->sym[i][1 + n++] = (uint8_t)sy[0];
            g->sym[i][1 + n++] = (uint8_t)sy[1];
            r /= NSYL;
        } while (r-- > 0);
        unsigned extra = (unsigned)(pmx_rand_next(&vs) % 4); /* 0..3 more letters */
        for (unsigned e = 0; e < extra; e++)
            g->sym[i][1 + n++] = (uint8_t)("nstrlmkdxy"[pmx_rand_next(&vs) % 10]);
        g->sym[i][0] = (uint8_t)n;
        g->cdf[i] = (sum += 1.0 / pow((double)(i + 1), SX_ZIPF));
    }
    for (size_t i = 0; i < SX_VOCAB; i++)
        g->cdf[i] /= sum;
    return 0;
}

static int gen_sexpr(raw *r, size_t size, unsigned parts, uint64_t seed)
{
    sx_gen *g = calloc(1, sizeof *g);
    if (!g || sx_vocab(g) != 0) {
        if (g) {
            free(g->cdf);
            free(g->sym);
        }
        free(g);
        return -1;
    }
    g->s = seed ^ 0x5345585052ull;
    size_t tries = 0, groups = 0;
    unsigned siblings = 0, p = 0;
    int rc = 0;
    while (r->n < size && tries++ < size * 8 + 1000) {
        if (siblings && g->nterms) {
            sx_sibling(g);
            siblings--;
        } else {
            p = (unsigned)(groups++ % parts);
            sx_key(g, p, parts);
            siblings = (unsigned)(pmx_rand_next(&g->s) % (2 * SX_GROUP));
        }
        if (g->over || g->len < SX_MIN_LEN) {
            siblings = 0;
            continue;
        }
        if (raw_add(r, NULL, 0, g->buf, g->len, p) < 0) {
            rc = -1;
            break;
        }
    }
    free(g->cdf);
    free(g->sym);
    free(g);
    return rc;
}

bool pmx_sexpr_valid(const uint8_t *p, size_t n)
{
    size_t i = 0, need = 1; /* nodes still to read */
    unsigned vars = 0;
    while (need) {
        if (i >= n)
            return false;
        uint8_t t = p[i++];
        need--;
        if (t < 0x40) {
            need += t;
        } else if (t < 0x80) {
            return false; /* 0x40..0x7F: no tag */
        } else if (t < 0xC0) {
            if ((unsigned)(t & 0x3F) >= vars)
                return false;
        } else if (t == 0xC0) {
            vars++;
        } else {
            size_t s = t & 0x3F;
            if (n - i < s)
                return false;
            i += s;
        }
    }
    return i == n;
}

int pmx_keys_count(const char *spec, uint64_t limit, uint64_t *count, char *err, size_t errlen)
{
    src_kind kind;
    char path[4096];
    if (parse_spec(spec, &kind, path, sizeof path, err, errlen) != 0)
        return -1;
    bool generated = false;
    for (size_t i = 0; i < NKEYSETS; i++)
        generated |= keysets[i].kind == kind && keysets[i].generated;
    if (generated) {
        *count = UINT64_MAX;
        return 0;
    }
    raw r = {0};
    size_t lim = (size_t)limit;
    if ((uint64_t)lim != limit)
        lim = SIZE_MAX;
    char why[512] = "";
    int rc = kind == SRC_PATHS ? load_paths(&r, path, lim, 1, why, sizeof why)
                               : load_lines(&r, path, kind == SRC_FILE_LP, lim, 1, why, sizeof why);
    if (rc != 0)
        set_err(err, errlen, "%s", why[0] ? why : "out of memory");
    *count = r.n;
    raw_free(&r);
    return rc;
}

/* ---- assembling the key set ---------------------------------------------------------------------
 */

int pmx_keys_make(const char *spec, size_t size, unsigned parts, uint64_t seed, pmx_keys *out,
                  char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    src_kind kind;
    char path[4096];
    if (parts == 0 || parts > 256) {
        set_err(err, errlen, "partitions must be 1..256, not %u", parts);
        return -1;
    }
    if (parse_spec(spec, &kind, path, sizeof path, err, errlen) != 0)
        return -1;
    raw r = {0};
    int rc = 0;
    switch (kind) {
    case SRC_WORDS:
    case SRC_FILE:
        rc = load_lines(&r, path, 0, size, parts, err, errlen);
        break;
    case SRC_FILE_LP:
        rc = load_lines(&r, path, 1, size, parts, err, errlen);
        break;
    case SRC_PATHS:
        rc = load_paths(&r, path, size, parts, err, errlen);
        break;
    case SRC_KB:
        rc = gen_kb(&r, size, parts, seed);
        break;
    case SRC_INTS:
        rc = gen_ints(&r, size, parts);
        break;
    case SRC_RANDOM:
        rc = gen_random(&r, size, parts, seed);
        break;
    case SRC_SEXPR:
        rc = gen_sexpr(&r, size, parts, seed);
        break;
    }
    if (rc != 0) {
        if (err && !err[0])
            set_err(err, errlen, "key set '%s': out of memory", spec);
        raw_free(&r);
        return -1;
    }
    if (r.n == 0) {
        set_err(err, errlen, "key set '%s' is empty", spec);
        raw_free(&r);
        return -1;
    }

    /* Group keys by partition (stable), pointing into one arena. */
    out->keys = calloc(r.n, sizeof *out->keys);
    out->part_at = calloc(parts + 1, sizeof *out->part_at);
    out->partition_prefix = calloc(parts, sizeof *out->partition_prefix);
    out->partition_prefix_len = calloc(parts, sizeof *out->partition_prefix_len);
    out->arena = malloc(r.len + 16 * (size_t)parts + 1);
    if (!out->keys || !out->part_at || !out->partition_prefix || !out->partition_prefix_len ||
        !out->arena) {
        set_err(err, errlen, "key set '%s': out of memory", spec);
        raw_free(&r);
        pmx_keys_free(out);
        return -1;
    }
    memcpy(out->arena, r.buf, r.len);
    for (size_t i = 0; i < r.n; i++)
        out->part_at[r.part[i] + 1]++;
    for (unsigned p = 0; p < parts; p++)
        out->part_at[p + 1] += out->part_at[p];
    size_t *fill = calloc(parts, sizeof *fill);
    if (!fill) {
        raw_free(&r);
        pmx_keys_free(out);
        return -1;
    }
    for (size_t i = 0; i < r.n; i++) {
        uint32_t p = r.part[i];
        pmx_key *k = &out->keys[out->part_at[p] + fill[p]++];
        k->bytes = (const uint8_t *)out->arena + r.off[i];
        k->len = (uint32_t)(r.off[i + 1] - r.off[i]);
        k->part = p;
    }
    free(fill);
    /* Partition prefixes live after the key bytes in the arena. */
    char *pp = out->arena + r.len;
    for (unsigned p = 0; p < parts; p++) {
        int n = 0;
        if (kind == SRC_KB)
            n = sprintf(pp, "spaces/g%03u-", p);
        else if (kind == SRC_SEXPR && parts > 1)
            n = (int)sexpr_part_prefix(p, (uint8_t *)pp);
        else if (parts > 1 || kind == SRC_INTS) {
            pp[0] = (char)p;
            n = 1;
        }
        out->partition_prefix[p] = (uint8_t *)pp;
        out->partition_prefix_len[p] = (uint32_t)n;
        pp += 16;
    }
    out->n = r.n;
    out->parts = parts;
    out->total_bytes = r.len;
    out->arena_len = r.len + 16 * (size_t)parts;
    raw_free(&r);
    return 0;
}

void pmx_keys_free(pmx_keys *k)
{
    free(k->keys);
    free(k->part_at);
    free(k->partition_prefix);
    free(k->partition_prefix_len);
    free(k->arena);
    memset(k, 0, sizeof *k);
}

/* ---- lookup streams ---------------------------------------------------------------------------
 */

int pmx_probes_make(const pmx_keys *k, size_t n, double miss_pct, double zipf, uint64_t seed,
                    pmx_probes *out)
{
    memset(out, 0, sizeof *out);
    uint64_t s = seed ^ 0x50524F42ull;
    out->probe = calloc(n ? n : 1, sizeof *out->probe);
    if (!out->probe)
        return -1;
    size_t nmiss = (size_t)((double)n * miss_pct / 100.0 + 0.5);
    /* A miss is a member key followed by 0xFF 0x00 and four random bytes, checked absent. */
    out->miss_arena = malloc(nmiss ? nmiss * 64 : 1);
    raw member = {0};
    if (!out->miss_arena)
        goto oom;
    if (nmiss) {
        for (size_t i = 0; i < k->n; i++)
            if (raw_add(&member, NULL, 0, k->keys[i].bytes, k->keys[i].len, 0) < 0)
                goto oom;
    }
    double *cdf = NULL;
    size_t *perm = NULL;
    if (zipf > 0) {
        cdf = malloc(k->n * sizeof *cdf);
        perm = malloc(k->n * sizeof *perm);
        if (!cdf || !perm) {
            free(cdf);
            free(perm);
            goto oom;
        }
        double sum = 0;
        for (size_t i = 0; i < k->n; i++)
            cdf[i] = (sum += 1.0 / pow((double)(i + 1), zipf));
        for (size_t i = 0; i < k->n; i++) {
            cdf[i] /= sum;
            perm[i] = i;
        }
        for (size_t i = k->n; i > 1; i--) { /* hot ranks scattered over the key set */
            size_t j = pmx_rand_next(&s) % i, t = perm[i - 1];
            perm[i - 1] = perm[j];
            perm[j] = t;
        }
    }
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        size_t idx;
        if (cdf) {
            double u = (double)(pmx_rand_next(&s) >> 11) / 9007199254740992.0;
            size_t lo = 0, hi = k->n - 1;
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (cdf[mid] < u)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            idx = perm[lo];
        } else {
            idx = pmx_rand_next(&s) % k->n;
        }
        const pmx_key *src = &k->keys[idx];
        bool miss = i < nmiss;
        if (!miss) {
            out->probe[i] = *src;
            continue;
        }
        uint8_t *m = out->miss_arena + used;
        size_t base = src->len < 56 ? src->len : 56;
        for (;;) {
            memcpy(m, src->bytes, base);
            m[base] = 0xFF;
            m[base + 1] = 0x00;
            uint64_t r = pmx_rand_next(&s);
            memcpy(m + base + 2, &r, 4);
            if (!raw_contains(&member, m, base + 6))
                break;
        }
        out->probe[i] = (pmx_key){m, (uint32_t)(base + 6), src->part};
        used += 64;
    }
    /* Interleave misses among hits so a thread's slice sees the configured ratio. */
    for (size_t i = n; i > 1; i--) {
        size_t j = pmx_rand_next(&s) % i;
        pmx_key t = out->probe[i - 1];
        out->probe[i - 1] = out->probe[j];
        out->probe[j] = t;
    }
    free(cdf);
    free(perm);
    raw_free(&member);
    out->n = n;
    return 0;
oom:
    raw_free(&member);
    pmx_probes_free(out);
    return -1;
}

void pmx_probes_free(pmx_probes *p)
{
    free(p->probe);
    free(p->miss_arena);
    memset(p, 0, sizeof *p);
}
