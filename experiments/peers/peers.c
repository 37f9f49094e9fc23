/* peers.c — the registry of peer data structures. */
#include "peer.h"

#include <string.h>

const pmx_peer_ops *const pmx_peers[] = {&pmx_peer_judysl_rwlock, &pmx_peer_judyhs_rwlock,
                                         &pmx_peer_ck_hs,         &pmx_peer_cds_lfht,
                                         &pmx_peer_ghash_rwlock,  NULL};

const pmx_peer_ops *pmx_peer_by_name(const char *name)
{
    for (size_t i = 0; pmx_peers[i]; i++)
        if (strcmp(pmx_peers[i]->name, name) == 0)
            return pmx_peers[i];
    return NULL;
}
