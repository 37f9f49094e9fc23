/* keys.h — the key sets shared by every experiment, and lookup streams drawn from them.
 *
 * A key set is named by a spec string (the list is keys.c's `keysets`, read with
 * pmx_keyset_name; pmlab registers it as is):
 *   words        /usr/share/dict/words (Debian wamerican), one key per line, in file order
 *   kb           synthetic knowledge-base paths spaces/<id>/facts/<domain>/<entity>/<attr>,
 *                deterministic from the seed, partition (space) names prefix-free, ~50 bytes
 *   ints         the Rust benches' keys: a one-byte partition prefix, then the little-endian
 *                bytes of i with high zero bytes trimmed (at least one byte)
 *   random       uniform random bytes, lengths 3..20, deterministic from the seed
 *   sexpr        synthetic knowledge-base expressions in MeTTa's path byte encoding (one tag
 *                byte per node, prefix order; pmx_sexpr_valid), 16..270 bytes, deterministic
 *                from the seed (docs/experiments.md has the grammar)
 *   file:PATH    one key per line (a trailing '\r' is dropped, empty lines are skipped)
 *   file:PATH:lp binary keys, each a u32 little-endian length followed by that many bytes
 *   paths:FILE   a .paths file (the Rust PathMap crate's format, pathmap_io.h): its paths in
 *                file order
 * Keys are distinct; a set holds at most `size` keys (fewer when the source has fewer).
 */
#ifndef PMX_KEYS_H
#define PMX_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pmx_key {
    const uint8_t *bytes;
    uint32_t len;
    uint32_t part; /* partition the key belongs to (0..parts-1) */
} pmx_key;

typedef struct pmx_keys {
    pmx_key *keys;
    size_t n;
    unsigned parts;  /* number of partitions */
    size_t *part_at; /* keys of partition p are keys[part_at[p] .. part_at[p+1]) */
    size_t total_bytes;
    uint8_t **partition_prefix; /* the prefix every key of a partition starts with */
    uint32_t *partition_prefix_len;
    char *arena; /* owns every key's bytes */
    size_t arena_len;
} pmx_keys;

/** The i-th key set of the one list (i = 0, 1, ... until NULL): its name ("NAME:" for a family
 * NAME:ARGUMENT; "file" for file:PATH[:lp]), a one-line help, and whether it is generated from
 * the seed (true: no bound on its key count; false: read from a file). help and generated may
 * be NULL. */
const char *pmx_keyset_name(size_t i, const char **help, bool *generated);

/** True when p[0..n) is exactly one expression of the sexpr encoding: tags 0x00..0x3F
 * (expression of that many children), 0xC0 (new variable), 0x80|i (i < variables so far),
 * 0xC0|s + s bytes (symbol); nothing left over. */
bool pmx_sexpr_valid(const uint8_t *p, size_t n);

/** 0 when `spec` names a valid key set; otherwise -1 and a one-line reason in err. Checks that a
 * file: key set is readable, without loading it. */
int pmx_keys_check(const char *spec, char *err, size_t errlen);

/** The number of distinct keys `spec` gives (as pmx_keys_make with one partition), counting at
 * most `limit`: *count = min(keys, limit) for words and file: sets (read and deduplicated, as
 * the run would), UINT64_MAX for the generated sets kb, ints and random (no practical bound).
 * Returns 0, or -1 with err filled (unreadable or malformed file). */
int pmx_keys_count(const char *spec, uint64_t limit, uint64_t *count, char *err, size_t errlen);

/** Builds the key set `spec` with at most `size` keys split into `parts` partitions (>= 1; each
 * partition's keys share a prefix that no other partition's prefix extends, so one writer per
 * partition never conflicts). Returns 0, or -1 with err filled. */
int pmx_keys_make(const char *spec, size_t size, unsigned parts, uint64_t seed, pmx_keys *out,
                  char *err, size_t errlen);
void pmx_keys_free(pmx_keys *k);

/** A stream of lookup probes: hits drawn from the set (uniform, or Zipf with exponent zipf > 0)
 * and misses (keys guaranteed absent) in the ratio miss_pct %. Pre-generated so hot loops do no
 * random-number work. */
typedef struct pmx_probes {
    pmx_key *probe;
    size_t n;
    uint8_t *miss_arena;
} pmx_probes;

int pmx_probes_make(const pmx_keys *k, size_t n, double miss_pct, double zipf, uint64_t seed,
                    pmx_probes *out);
void pmx_probes_free(pmx_probes *p);

/** splitmix64: small deterministic generator for seeds and key synthesis. */
static inline uint64_t pmx_rand_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/** 64-bit hash of a byte string (used by the hash-table peers and to deduplicate keys). */
uint64_t pmx_hash_bytes(const uint8_t *p, size_t n);

#endif
