/* keyset.h — the word list the sync/ measurement tools look up: keys from a file (one per line),
 * in file order, plus a fixed shuffled lookup order (xorshift, the same every run). */
#ifndef PMSYNC_TOOLS_KEYSET_H
#define PMSYNC_TOOLS_KEYSET_H
#include <stddef.h>

typedef struct keyset {
    char **key;
    size_t *len;
    size_t n;
    size_t *order; /* a fixed shuffle of 0..n-1 */
} keyset;

/** Loads up to `want` lines of `file`; 0, or -1 if the file cannot be read or memory runs out
 * (then *ks holds what was loaded and keys_free() releases it). */
int keys_load(const char *file, size_t want, keyset *ks);
void keys_free(keyset *ks);
#endif
