/* zmoves_tmpl.h — the zipper moves of issue 18 written once over an abstract position stack.
 *
 * Included (once per translation unit) by zmoves.c, over the read/write zippers' pm_zcore, and by
 * product.c, over the product zipper's stack. The includer defines:
 *   ZT_T               the stack type
 *   ZT_POS             its position type
 *   ZT_LEN(z)          the focus depth (an lvalue; positions 0..len are valid)
 *   ZT_AT(z, i)        pointer to the position at depth i
 *   ZT_BYTE(z, i)      the path byte leading from depth i to depth i + 1
 *   ZT_STEP(z, p, b, q) q := the position one byte b below p (no allocation)
 *   ZT_MASK(p, m)      the 256-bit child mask of position p
 *   ZT_HASVAL(p)       true if a value is stored exactly at p
 *   ZT_RESERVE(z, n)   room for n more bytes below the focus: 0, or -1 (nothing changed)
 *   ZT_PUSH(z, b)      descends one byte (room reserved)
 * and ZT_WITH_ITER to also get descend / siblings / next_val / k-paths (the read zippers have
 * their own in zcore.c).
 *
 * Every function allocates only through ZT_RESERVE, and always before the focus changes, or
 * restores the focus depth after a failed reserve (pushes write only beyond the old focus), so
 * PM_ENOMEM leaves the focus where it was. No recursion. */

static inline unsigned zt_popc(const uint64_t m[4])
{
    return (unsigned)(__builtin_popcountll(m[0]) + __builtin_popcountll(m[1]) +
                      __builtin_popcountll(m[2]) + __builtin_popcountll(m[3]));
}

/* The idx-th set bit of m in ascending order, or 256. */
static inline unsigned zt_nth_bit(const uint64_t m[4], unsigned idx)
{
    for (unsigned w = 0; w < 4; w++) {
        unsigned c = (unsigned)__builtin_popcountll(m[w]);
        if (idx < c) {
            uint64_t x = m[w];
            while (idx--)
                x &= x - 1;
            return w * 64 + (unsigned)__builtin_ctzll(x);
        }
        idx -= c;
    }
    return 256;
}

static inline unsigned zt_first_child(const ZT_POS *p)
{
    uint64_t m[4];
    ZT_MASK(p, m);
    return pm_next_bit(m, 0);
}

/* Descends while the focus has exactly one child, stopping after a step that reaches a value. */
static pm_status zt_descend_until(ZT_T *z)
{
    size_t start = ZT_LEN(z);
    for (;;) {
        uint64_t m[4];
        ZT_MASK(ZT_AT(z, ZT_LEN(z)), m);
        if (zt_popc(m) != 1)
            break;
        if (ZT_RESERVE(z, 1)) {
            ZT_LEN(z) = start;
            return PM_ENOMEM;
        }
        ZT_PUSH(z, pm_next_bit(m, 0));
        if (ZT_HASVAL(ZT_AT(z, ZT_LEN(z))))
            break;
    }
    return ZT_LEN(z) > start ? PM_OK : PM_ENOTFOUND;
}

/* Ascends at least one byte, then on to the first position with more than one child (or a
 * value, unless branch_only), or the origin. False (nothing moved) at the origin. */
static bool zt_ascend_until(ZT_T *z, int branch_only)
{
    if (ZT_LEN(z) == 0)
        return false;
    do {
        ZT_LEN(z)--;
        const ZT_POS *p = ZT_AT(z, ZT_LEN(z));
        uint64_t m[4];
        ZT_MASK(p, m);
        if (zt_popc(m) > 1 || (!branch_only && ZT_HASVAL(p)))
            break;
    } while (ZT_LEN(z) > 0);
    return true;
}

/* One step of a depth-first pre-order walk over existing positions: the first child, else the
 * next sibling of the focus or of its nearest ancestor that has one. At the end the focus is at
 * the origin and the result is PM_ENOTFOUND. */
static pm_status zt_to_next_step(ZT_T *z)
{
    unsigned b = zt_first_child(ZT_AT(z, ZT_LEN(z)));
    if (b < 256) {
        if (ZT_RESERVE(z, 1))
            return PM_ENOMEM;
        ZT_PUSH(z, b);
        return PM_OK;
    }
    for (size_t k = ZT_LEN(z); k > 0; k--) {
        uint64_t m[4];
        unsigned last = ZT_BYTE(z, k - 1);
        ZT_MASK(ZT_AT(z, k - 1), m);
        unsigned nb = last < 255 ? pm_next_bit(m, last + 1) : 256;
        if (nb < 256) {
            ZT_LEN(z) = k - 1;
            ZT_PUSH(z, nb); /* depth k existed: room is there */
            return PM_OK;
        }
    }
    ZT_LEN(z) = 0;
    return PM_ENOTFOUND;
}

/* Descends into the idx-th child (ascending byte order). PM_ENOTFOUND: no such child. */
static pm_status zt_descend_indexed(ZT_T *z, unsigned idx)
{
    uint64_t m[4];
    ZT_MASK(ZT_AT(z, ZT_LEN(z)), m);
    unsigned b = zt_nth_bit(m, idx);
    if (b >= 256)
        return PM_ENOTFOUND;
    if (ZT_RESERVE(z, 1))
        return PM_ENOMEM;
    ZT_PUSH(z, b);
    return PM_OK;
}

#ifdef ZT_WITH_ITER
static pm_status zt_descend(ZT_T *z, const uint8_t *key, size_t n)
{
    if (!key && n)
        return PM_EINVAL;
    if (ZT_RESERVE(z, n))
        return PM_ENOMEM;
    for (size_t i = 0; i < n; i++)
        ZT_PUSH(z, key[i]);
    const ZT_POS *f = ZT_AT(z, ZT_LEN(z));
    uint64_t m[4];
    ZT_MASK(f, m);
    return ZT_HASVAL(f) || zt_popc(m) ? PM_OK : PM_ENOTFOUND;
}

static pm_status zt_sibling(ZT_T *z, int next)
{
    size_t len = ZT_LEN(z);
    if (len == 0)
        return PM_ENOTFOUND;
    uint64_t m[4];
    unsigned b = ZT_BYTE(z, len - 1);
    ZT_MASK(ZT_AT(z, len - 1), m);
    unsigned nb = next ? (b < 255 ? pm_next_bit(m, b + 1) : 256) : pm_prev_bit(m, b);
    if (nb >= 256)
        return PM_ENOTFOUND;
    ZT_LEN(z) = len - 1;
    ZT_PUSH(z, nb);
    return PM_OK;
}

/* The next value in pre-order after the focus. Every leaf holds a value, so from a position with
 * children the first-child chain reaches one: phase 1 finds the turning point and measures the
 * depth read-only, the stack grows once, phase 2 moves. */
static pm_status zt_next_val(ZT_T *z)
{
    size_t base;
    unsigned sib = 256;
    ZT_POS p;
    if (zt_first_child(ZT_AT(z, ZT_LEN(z))) < 256) {
        base = ZT_LEN(z);
        p = *ZT_AT(z, base);
    } else {
        size_t k = ZT_LEN(z);
        for (;;) {
            if (k == 0) {
                ZT_LEN(z) = 0;
                return PM_ENOTFOUND;
            }
            uint64_t m[4];
            unsigned b = ZT_BYTE(z, k - 1);
            ZT_MASK(ZT_AT(z, k - 1), m);
            sib = b < 255 ? pm_next_bit(m, b + 1) : 256;
            if (sib < 256)
                break;
            k--;
        }
        base = k - 1;
        ZT_STEP(z, ZT_AT(z, base), sib, &p);
    }
    size_t extra = sib < 256 ? 1 : 0;
    if (!(sib < 256 && ZT_HASVAL(&p))) {
        for (;;) {
            ZT_POS q;
            ZT_STEP(z, &p, zt_first_child(&p), &q);
            p = q;
            extra++;
            if (ZT_HASVAL(&p))
                break;
        }
    }
    if (base + extra > ZT_LEN(z) && ZT_RESERVE(z, base + extra - ZT_LEN(z)))
        return PM_ENOMEM;
    ZT_LEN(z) = base;
    ZT_PUSH(z, sib < 256 ? sib : zt_first_child(ZT_AT(z, base)));
    while (!ZT_HASVAL(ZT_AT(z, ZT_LEN(z))))
        ZT_PUSH(z, zt_first_child(ZT_AT(z, ZT_LEN(z))));
    return PM_OK;
}

/* first: the first path exactly k bytes below the focus; else the next one at the same depth
 * below the position k bytes up. As pm_zc_k_path. */
static pm_status zt_k_path(ZT_T *z, size_t k, int first)
{
    size_t base, target;
    if (first) {
        if (ZT_RESERVE(z, k))
            return PM_ENOMEM;
        base = ZT_LEN(z);
        if (k == 0) {
            const ZT_POS *f = ZT_AT(z, base);
            return ZT_HASVAL(f) || zt_first_child(f) < 256 ? PM_OK : PM_ENOTFOUND;
        }
    } else {
        if (k > ZT_LEN(z))
            return PM_EINVAL;
        if (k == 0)
            return PM_ENOTFOUND;
        base = ZT_LEN(z) - k;
    }
    target = base + k;
    int backtrack = !first;
    for (;;) {
        if (!backtrack) {
            if (ZT_LEN(z) == target)
                return PM_OK;
            unsigned b = zt_first_child(ZT_AT(z, ZT_LEN(z)));
            if (b < 256) {
                ZT_PUSH(z, b);
                continue;
            }
        }
        backtrack = 0;
        for (;;) {
            if (ZT_LEN(z) == base)
                return PM_ENOTFOUND;
            uint64_t m[4];
            unsigned b = ZT_BYTE(z, ZT_LEN(z) - 1);
            ZT_MASK(ZT_AT(z, ZT_LEN(z) - 1), m);
            unsigned nb = b < 255 ? pm_next_bit(m, b + 1) : 256;
            ZT_LEN(z)--;
            if (nb < 256) {
                ZT_PUSH(z, nb);
                break;
            }
        }
    }
}
#endif
