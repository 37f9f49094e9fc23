/* The sexpr key set (experiments/common/keys.c): synthetic knowledge-base expressions in MeTTa's
 * path byte encoding. The same seed gives the same bytes and another seed other bytes; every key
 * parses as exactly one expression (pmx_sexpr_valid, checked here against hand-made encodings
 * first), is 16..270 bytes long and distinct; with partitions every key starts with its
 * partition's prefix and no partition prefix extends another. Also: sexpr is in the one list of
 * key sets (pmx_keyset_name) and every listed name is accepted by pmx_keys_check. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/keys.h"

#define V(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})

static void test_validator(void **state)
{
    (void)state;
    /* (= $x $x): arity 3, symbol '=', a new variable, a reference to it */
    assert_true(pmx_sexpr_valid(V(0x03, 0xC1, '=', 0xC0, 0x80)));
    assert_true(pmx_sexpr_valid(V(0x00)));                             /* () */
    assert_true(pmx_sexpr_valid(V(0xC2, 'a', 'b')));                   /* a symbol alone */
    assert_true(pmx_sexpr_valid(V(0x02, 0xC0, 0xC0)));                 /* ($a $b) */
    assert_true(pmx_sexpr_valid(V(0x02, 0x01, 0xC1, 'f', 0xC1, 'x'))); /* ((f) x) */
    assert_false(pmx_sexpr_valid(NULL, 0));                            /* nothing */
    assert_false(pmx_sexpr_valid(V(0x03, 0xC1, '=', 0xC0)));           /* a child missing */
    assert_false(pmx_sexpr_valid(V(0x01, 0xC1, 'x', 0xC1, 'y')));      /* bytes left over */
    assert_false(pmx_sexpr_valid(V(0x02, 0xC0, 0x81)));                /* 2nd variable unknown */
    assert_false(pmx_sexpr_valid(V(0x01, 0x80)));                      /* no variable yet */
    assert_false(pmx_sexpr_valid(V(0xC3, 'a', 'b')));                  /* symbol cut short */
    assert_false(pmx_sexpr_valid(V(0x41)));                            /* 0x40..0x7F: no tag */
}

static int cmp_key(const void *a, const void *b)
{
    const pmx_key *x = a, *y = b;
    uint32_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->bytes, y->bytes, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static void check_set(const pmx_keys *k)
{
    for (size_t i = 0; i < k->n; i++) {
        const pmx_key *key = &k->keys[i];
        if (!pmx_sexpr_valid(key->bytes, key->len))
            fail_msg("key %zu (%u bytes) is not one expression", i, key->len);
        assert_in_range(key->len, 16, 270);
        uint32_t pl = k->partition_prefix_len[key->part];
        assert_true(key->len >= pl);
        assert_memory_equal(key->bytes, k->partition_prefix[key->part], pl);
    }
    pmx_key *s = malloc(k->n * sizeof *s);
    assert_non_null(s);
    memcpy(s, k->keys, k->n * sizeof *s);
    qsort(s, k->n, sizeof *s, cmp_key);
    for (size_t i = 1; i < k->n; i++)
        if (cmp_key(&s[i - 1], &s[i]) == 0)
            fail_msg("a key occurs twice");
    free(s);
}

static void test_deterministic_valid(void **state)
{
    (void)state;
    pmx_keys a, b, c;
    char err[256];
    assert_int_equal(pmx_keys_make("sexpr", 20000, 1, 42, &a, err, sizeof err), 0);
    assert_int_equal(pmx_keys_make("sexpr", 20000, 1, 42, &b, err, sizeof err), 0);
    assert_int_equal(pmx_keys_make("sexpr", 20000, 1, 43, &c, err, sizeof err), 0);
    assert_int_equal(a.n, 20000);
    assert_int_equal(b.n, a.n);
    assert_int_equal(a.total_bytes, b.total_bytes);
    size_t same = 0;
    for (size_t i = 0; i < a.n; i++) {
        assert_int_equal(a.keys[i].len, b.keys[i].len);
        assert_memory_equal(a.keys[i].bytes, b.keys[i].bytes, a.keys[i].len);
        same += c.keys[i].len == a.keys[i].len &&
                !memcmp(c.keys[i].bytes, a.keys[i].bytes, a.keys[i].len);
    }
    assert_true(same < a.n / 10); /* another seed: other keys */
    check_set(&a);
    check_set(&c);
    /* prefix-stable in size: a smaller set is the start of a larger one */
    pmx_keys d;
    assert_int_equal(pmx_keys_make("sexpr", 500, 1, 42, &d, err, sizeof err), 0);
    assert_int_equal(d.n, 500);
    for (size_t i = 0; i < d.n; i++) {
        assert_int_equal(d.keys[i].len, a.keys[i].len);
        assert_memory_equal(d.keys[i].bytes, a.keys[i].bytes, a.keys[i].len);
    }
    pmx_keys_free(&a);
    pmx_keys_free(&b);
    pmx_keys_free(&c);
    pmx_keys_free(&d);
}

static void test_partitions(void **state)
{
    (void)state;
    pmx_keys k;
    char err[256];
    assert_int_equal(pmx_keys_make("sexpr", 6000, 7, 5, &k, err, sizeof err), 0);
    assert_int_equal(k.n, 6000);
    assert_int_equal(k.parts, 7);
    check_set(&k);
    for (unsigned p = 0; p < k.parts; p++) {
        assert_true(k.part_at[p + 1] > k.part_at[p]); /* every partition holds keys */
        for (unsigned q = 0; q < k.parts; q++) {
            uint32_t lp = k.partition_prefix_len[p], lq = k.partition_prefix_len[q];
            if (p != q && lp <= lq)
                assert_memory_not_equal(k.partition_prefix[p], k.partition_prefix[q], lp);
        }
    }
    pmx_keys_free(&k);
}

/* sexpr is in the one list, and every name of the list is a key set pmx_keys_check accepts */
static void test_listed(void **state)
{
    (void)state;
    const char *name, *help;
    bool generated, found = false;
    for (size_t i = 0; (name = pmx_keyset_name(i, &help, &generated)); i++) {
        char err[256] = "";
        assert_non_null(help);
        found |= !strcmp(name, "sexpr") && generated;
        if (!strcmp(name, "file") || name[strlen(name) - 1] == ':')
            continue; /* families need an argument */
        if (pmx_keys_check(name, err, sizeof err) != 0)
            fail_msg("listed key set %s refused: %s", name, err);
    }
    assert_true(found);
    char err[512] = "";
    assert_int_not_equal(pmx_keys_check("sexpr2", err, sizeof err), 0);
    assert_non_null(strstr(err, "sexpr")); /* the message lists the names */
    uint64_t count = 0;
    assert_int_equal(pmx_keys_count("sexpr", 10, &count, err, sizeof err), 0);
    assert_true(count == UINT64_MAX); /* generated: no bound */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validator),
        cmocka_unit_test(test_deterministic_valid),
        cmocka_unit_test(test_partitions),
        cmocka_unit_test(test_listed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
