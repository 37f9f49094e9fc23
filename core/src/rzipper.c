/* rzipper.c — the public read zipper: a pm_zcore over a borrowed map (or, for a ZipperHead's
 * reader, over the counted subtrie it owns). Touches no reference count. */
#include "zipper_internal.h"

static int bad_key(const uint8_t *key, size_t len)
{
    return (!key && len) || len > PM_MAX_KEY;
}

pm_status pm_rz_new(const pm_map *m, const uint8_t *path, size_t len, pm_rz **out)
{
    if (!m || !out || bad_key(path, len))
        return PM_EINVAL;
    pm_rz *z = pm_alloc_aux_line(sizeof *z);
    if (!z)
        return PM_ENOMEM;
    memset(z, 0, sizeof *z);
    if (pm_zc_init(&z->c, m, path, len)) {
        pm_free_aux(z);
        return PM_ENOMEM;
    }
    *out = z;
    return PM_OK;
}

void pm_rz_free(pm_rz *z)
{
    if (!z)
        return;
    if (z->he.head) {
        pm_zh_release_rz(z->he.head, z);
        return;
    }
    pm_zc_fini(&z->c);
    pm_free_aux(z);
}

pm_status pm_rz_descend(pm_rz *z, const uint8_t *key, size_t len)
{
    return pm_zc_descend(&z->c, key, len);
}

pm_status pm_rz_descend_byte(pm_rz *z, uint8_t b)
{
    return pm_zc_descend(&z->c, &b, 1);
}

bool pm_rz_ascend(pm_rz *z, size_t n)
{
    return pm_zc_ascend(&z->c, n);
}

void pm_rz_reset(pm_rz *z)
{
    z->c.len = 0;
}

const uint8_t *pm_rz_path(const pm_rz *z, size_t *len)
{
    if (len)
        *len = z->c.len;
    return z->c.path + z->c.olen;
}

bool pm_rz_exists(const pm_rz *z)
{
    return pm_zpos_exists(pm_zc_focus(&z->c));
}

pm_status pm_rz_val(const pm_rz *z, uint64_t *out)
{
    const pm_zpos *f = pm_zc_focus(&z->c);
    if (!f->has_val)
        return PM_ENOTFOUND;
    if (out)
        *out = f->val;
    return PM_OK;
}

void pm_rz_child_mask(const pm_rz *z, uint64_t mask[4])
{
    pm_zc_child_mask(&z->c, mask);
}

unsigned pm_rz_child_count(const pm_rz *z)
{
    uint64_t m[4];
    pm_zc_child_mask(&z->c, m);
    return (unsigned)(__builtin_popcountll(m[0]) + __builtin_popcountll(m[1]) +
                      __builtin_popcountll(m[2]) + __builtin_popcountll(m[3]));
}

pm_status pm_rz_next_sibling(pm_rz *z)
{
    return pm_zc_sibling(&z->c, 1);
}

pm_status pm_rz_prev_sibling(pm_rz *z)
{
    return pm_zc_sibling(&z->c, 0);
}

pm_status pm_rz_next_val(pm_rz *z)
{
    return pm_zc_next_val(&z->c);
}

pm_status pm_rz_first_k_path(pm_rz *z, size_t k)
{
    return pm_zc_k_path(&z->c, k, 1);
}

pm_status pm_rz_next_k_path(pm_rz *z, size_t k)
{
    return pm_zc_k_path(&z->c, k, 0);
}

pm_status pm_rz_val_count(const pm_rz *z, size_t *out)
{
    if (!out)
        return PM_EINVAL;
    return pm_zpos_count(pm_zc_focus(&z->c), out);
}
