/* frozen_internal.h — constants of the frozen image (docs/formats.md, "Frozen form") shared by
 * frozen.c and the tests / fuzz target that forge images. Private to core/ and its tests. */
#ifndef PM_FROZEN_INTERNAL_H
#define PM_FROZEN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#define PM_FZ_MAGIC    "PMFROZEN" /* 8 bytes, no terminator in the file */
#define PM_FZ_HDR      64u        /* header bytes; nodes follow */
#define PM_FZ_LIST_MAX 16u        /* a node with at most this many children lists their bytes */

/* Header fields (little-endian), byte offsets. */
enum {
    PM_FZ_OFF_VERSION = 8,   /* u32 */
    PM_FZ_OFF_HDRSIZE = 12,  /* u32, = PM_FZ_HDR */
    PM_FZ_OFF_SIZE = 16,     /* u64, bytes of the whole image */
    PM_FZ_OFF_ROOT = 24,     /* u64, position of the root node (0: empty map) */
    PM_FZ_OFF_VALUES = 32,   /* u64 */
    PM_FZ_OFF_MAXKEY = 40,   /* u64, longest key */
    PM_FZ_OFF_MAXDEPTH = 48, /* u64, nodes on the longest root-to-leaf path */
    PM_FZ_OFF_CHECKSUM = 56, /* u64, pm_fz_checksum() */
};

/* Node kinds (bits 0-1 of a node's first byte). */
enum { PM_FZ_LEAF = 0, PM_FZ_LIST = 1, PM_FZ_MASK = 2 };

/* The checksum stored at PM_FZ_OFF_CHECKSUM: over header bytes 0..55 and bytes 64..size-1. */
uint64_t pm_fz_checksum(const uint8_t *img, size_t size);

#endif
