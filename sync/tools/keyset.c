/* keyset.c — see keyset.h. */
#include "keyset.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int keys_load(const char *file, size_t want, keyset *ks)
{
    memset(ks, 0, sizeof *ks);
    FILE *f = fopen(file, "r");
    if (f == NULL)
        return -1;
    ks->key = calloc(want, sizeof *ks->key);
    ks->len = calloc(want, sizeof *ks->len);
    ks->order = calloc(want, sizeof *ks->order);
    if (!ks->key || !ks->len || !ks->order) {
        fclose(f);
        return -1;
    }
    char line[4096];
    while (ks->n < want && fgets(line, sizeof line, f) != NULL) {
        size_t l = strcspn(line, "\n");
        ks->key[ks->n] = malloc(l + 1);
        if (ks->key[ks->n] == NULL) {
            fclose(f);
            return -1;
        }
        memcpy(ks->key[ks->n], line, l);
        ks->len[ks->n] = l;
        ks->n++;
    }
    fclose(f);
    uint64_t x = 88172645463325252ull; /* xorshift: a fixed shuffle */
    for (size_t i = 0; i < ks->n; i++)
        ks->order[i] = i;
    for (size_t i = ks->n; i > 1; i--) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t j = (size_t)(x % i), tmp = ks->order[i - 1];
        ks->order[i - 1] = ks->order[j];
        ks->order[j] = tmp;
    }
    return 0;
}

void keys_free(keyset *ks)
{
    for (size_t i = 0; i < ks->n; i++)
        free(ks->key[i]);
    free(ks->key);
    free(ks->len);
    free(ks->order);
    memset(ks, 0, sizeof *ks);
}
