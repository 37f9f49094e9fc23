/* sync/internal.h — shared by the backend implementations; not installed. */
#ifndef PMSYNC_INTERNAL_H
#define PMSYNC_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "pmsync/sync.h"

/** Every backend's domain starts with this. */
struct pm_sync_domain {
    const pm_sync_backend *be;
    _Atomic(uint64_t) retired;
    _Atomic(uint64_t) freed;
    _Atomic(uint64_t) peak;
    _Atomic(uint64_t) gps;
    pthread_mutex_t lock;   /* registration, parked records, barrier snapshots */
    pm_sync_thread *live;   /* registered handles (under lock) */
    pm_sync_thread *parked; /* unregistered handles kept for reuse (epoch, hp) */
    char tsan_sync;         /* TSan synchronisation object of the domain */
};

/** A retired object waiting to be freed. Allocated before the object is unpublished, so that a
 * successful compare-and-swap never has to fail afterwards. */
typedef struct pm_sync_node {
    /* backend bookkeeping (struct rcu_head / ck_epoch_entry_t / ck_hp_hazard_t / list link) */
    _Alignas(void *) unsigned char link[4 * sizeof(void *)];
    void *obj;
    pm_sync_free_fn *fn;
    void *ctx;
    pm_sync_domain *dom;
} pm_sync_node;

void pm_sync_base_init(pm_sync_domain *d, const pm_sync_backend *be);
void pm_sync_base_fini(pm_sync_domain *d);
/** Counts one retirement and updates the peak of pending. */
void pm_sync_count_retired(pm_sync_domain *d);
/** Frees a node's object (TSan acquire first), counts it, frees the node. */
void pm_sync_node_run(pm_sync_node *n);
pm_sync_node *pm_sync_node_new(pm_sync_domain *d, void *obj, pm_sync_free_fn *fn, void *ctx);
void pm_sync_base_stats(pm_sync_domain *d, pm_sync_stats *out);
/** Allocates a zeroed handle and links it into d->live (under d->lock). */
pm_sync_thread *pm_sync_thread_alloc(pm_sync_domain *d, size_t size);
/** Unlinks t from d->live (caller holds d->lock). */
void pm_sync_thread_unlink(pm_sync_domain *d, pm_sync_thread *t);
/* Parking (epoch, hp: ck records cannot be released while they hold pending objects). */
/** Moves a parked handle back to d->live and returns it, or NULL if none is parked. */
pm_sync_thread *pm_sync_unpark(pm_sync_domain *d);
/** Moves t from d->live to the parked list. */
void pm_sync_park(pm_sync_domain *d, pm_sync_thread *t);
/** Frees every parked handle and its ck record (domain teardown, after the barrier). */
void pm_sync_free_parked(pm_sync_domain *d);

#define PM_SYNC_UNUSED(x) ((void)(x))

#endif
