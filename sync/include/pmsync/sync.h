/* pmsync/sync.h — the reclamation-backend interface of pathmap-lab.
 *
 * A backend protects objects that readers reach through a published pointer (a "cell") and frees
 * the objects writers unpublish once no reader can hold them any more. Everything off the read
 * path goes through `pm_sync_backend`, a table of function pointers; the read side (enter, deref,
 * exit) is also available as static-inline functions, one header per backend
 * (pmsync/<backend>.h, all of them via pmsync/all.h), so that hot loops are instantiated per
 * backend with PM_SYNC_BACKENDS() and the read side is inlined.
 *
 * Usage (one thread):
 *     pm_sync_domain *d;  pm_sync_domain_new(be, &d);
 *     pm_sync_thread *t;  pm_sync_register(d, &t);
 *     pm_sync_read_enter(t); obj = pm_sync_deref(t, &cell); ...read obj...; pm_sync_read_exit(t);
 *     obj = pm_sync_read_begin(t, &cell); ...read obj...; pm_sync_read_exit(t);  // the same
 *     pm_sync_update(t, &cell, build_next_version, arg);  // CAS loop; the old object is retired
 *     pm_sync_unregister(t);
 *     pm_sync_domain_free(d);                               // barrier, then frees what is left
 *
 * Rules (all backends):
 *  - every call that takes a pm_sync_thread is made by the thread that registered it;
 *  - read sections do not nest, and a read section derefs at most ONE cell (refcount and hp pin
 *    exactly one object per thread; ibr, he and hyaline publish one era per section);
 *  - update(), retire() and barrier() are called outside read sections;
 *  - urcu-qsbr: a registered thread must call pm_sync_quiescent() regularly outside read sections
 *    (or unregister), otherwise grace periods stall; it is a no-op for every other backend;
 *  - barrier() frees every object retired before the call by the calling thread, by threads that
 *    have unregistered, and (urcu-*) by anyone; objects still retired by other live threads of
 *    epoch/hp/debra/ibr/he/hyaline are freed by those threads' own polls, scans or batches (or
 *    their unregister + a later barrier);
 *  - a thread that exits while still registered (outside a read section) is unregistered at its
 *    exit (pm_sync_register() arranges it with a thread-specific destructor), as if it had called
 *    pm_sync_unregister() last.
 * The conformance suite (pmsync/conform.h, `pmlab conform NAME`) checks these rules and the
 * flags below for every backend; docs/adding-a-backend.md walks through adding one.
 */
#ifndef PMSYNC_SYNC_H
#define PMSYNC_SYNC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pathmap.h" /* pm_status */

#ifdef __cplusplus
extern "C" {
#endif

/* ---- ThreadSanitizer annotations (no-ops unless built with -fsanitize=thread) --------------- */
#if defined(PM_SANITIZE_THREAD) || defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define PM_SYNC_TSAN_RELEASE(addr) __tsan_release((void *)(addr))
#define PM_SYNC_TSAN_ACQUIRE(addr) __tsan_acquire((void *)(addr))
#else
#define PM_SYNC_TSAN_RELEASE(addr) ((void)(addr))
#define PM_SYNC_TSAN_ACQUIRE(addr) ((void)(addr))
#endif

/* ---- debug checks of read-section nesting (compiled out with NDEBUG) ------------------------- */
#include <assert.h>
#ifdef NDEBUG
#define PM_SYNC_DEPTH_ENTER(t) ((void)0)
#define PM_SYNC_DEPTH_EXIT(t)  ((void)0)
#define PM_SYNC_DEPTH_NONE(t)  ((void)0)
#else
#define PM_SYNC_DEPTH_ENTER(t) (assert((t)->depth == 0), (void)((t)->depth = 1))
#define PM_SYNC_DEPTH_EXIT(t)  (assert((t)->depth == 1), (void)((t)->depth = 0))
#define PM_SYNC_DEPTH_NONE(t)  assert((t)->depth == 0)
#endif

/* ---- the list of backends: X(ident, "cli-name") --------------------------------------------- */
#define PM_SYNC_BACKENDS(X)                                                                        \
    X(urcu_memb, "urcu-memb")                                                                      \
    X(urcu_qsbr, "urcu-qsbr")                                                                      \
    X(urcu_bp, "urcu-bp")                                                                          \
    X(epoch, "epoch")                                                                              \
    X(refcount, "refcount")                                                                        \
    X(hp, "hp")                                                                                    \
    X(rwlock, "rwlock")                                                                            \
    X(leaky, "leaky")                                                                              \
    X(debra, "debra")                                                                              \
    X(ibr, "ibr")                                                                                  \
    X(he, "he")                                                                                    \
    X(hyaline, "hyaline")

#define PM_SYNC_COUNT_ONE_(id, name) +1
/** Number of backends. */
#define PM_SYNC_NBACKENDS (0 PM_SYNC_BACKENDS(PM_SYNC_COUNT_ONE_))

typedef struct pm_sync_backend pm_sync_backend;
typedef struct pm_sync_domain pm_sync_domain;
typedef struct pm_sync_thread pm_sync_thread;

/** Frees a retired object; called exactly once per retired object, on any thread. */
typedef void pm_sync_free_fn(void *obj, void *ctx);

/** Builds the next version from the current one (called by update() while `cur` is protected;
 * may be called again with a newer `cur` after a lost race). Returns PM_OK with *next set, or an
 * error that update() returns unchanged (nothing is published). */
typedef pm_status pm_sync_build_fn(void *arg, void *cur, void **next);

/** A published pointer. Readers get its object with deref() inside a read section; writers
 * replace it with update(). For every backend but refcount `word` holds the object pointer
 * itself; refcount packs a version record and an outer reader count into it (see
 * docs/backends.md). Touch it only through the backend. */
typedef struct pm_sync_cell {
    _Atomic(uintptr_t) word;
    pm_sync_free_fn *free_fn; /* how this cell's objects are freed */
    void *free_ctx;
} pm_sync_cell;

/** Reclamation statistics of a domain (exact once its threads are quiet). */
typedef struct pm_sync_stats {
    uint64_t retired;       /* objects handed to the backend for freeing */
    uint64_t freed;         /* of those, freed so far */
    uint64_t pending;       /* retired - freed */
    uint64_t peak_pending;  /* highest pending seen at a retire */
    uint64_t grace_periods; /* urcu: grace periods observed; epoch, debra: epoch advances; hp,
                               ibr, he: scans; hyaline: batches handed out; rwlock: write-lock
                               acquisitions; refcount, leaky: 0 (no grace period: refcount
                               frees at the last release) */
} pm_sync_stats;

/** Backend properties (flags). */
enum {
    /** Frees wait for a grace period / epoch: an object retired while a reader sits in a read
     * section is not freed before that section ends, whatever the reader holds, so a stalled
     * reader makes pending grow without bound (urcu-*, epoch, debra). Never with BOUNDED. */
    PM_SYNC_F_DEFERRED = 1u << 0,
    PM_SYNC_F_NEEDS_QS = 1u << 1,  /* threads must announce quiescent states (urcu-qsbr) */
    PM_SYNC_F_EXCLUSIVE = 1u << 2, /* writers exclude readers (rwlock) */
    /** Pending stays bounded under a stalled reader while writers go on: a reader holds back
     * only what it may actually be reading (the pinned version, the version named by its
     * hazard, or the versions alive during its reserved eras), plus a per-thread batch or
     * scan threshold (refcount, hp, ibr, he, hyaline). */
    PM_SYNC_F_BOUNDED = 1u << 3,
    PM_SYNC_F_NEVER_FREES = 1u << 4, /* frees nothing before domain_free (leaky) */
    /** Readers write memory that other threads write too, beyond a record of their own that
     * only scanners read: the cell word (refcount), the lock word (rwlock), their slot head
     * that retirers CAS onto and the counts of shared batches (hyaline). */
    PM_SYNC_F_READER_WRITES = 1u << 5,
};

/** Per-thread, per-domain handle. Its fields are read by the inline read side of the backend
 * headers; treat them as private. */
struct pm_sync_thread {
    pm_sync_domain *dom;
    const pm_sync_backend *backend;
    void *rec; /* epoch: ck_epoch_record_t *; hp: ck_hp_record_t *; rwlock: pthread_rwlock_t *;
                  debra, ibr, he, hyaline: the thread's record or slot (pmsync/<backend>.h) */
    void *pin; /* refcount: the pinned version record */
    void *tsan_sync;      /* the domain's TSan synchronisation object */
    unsigned depth;       /* 1 inside a read section (debug checks) */
    pm_sync_thread *next; /* domain's list of parked / live handles */
    pm_sync_thread *mine; /* the registering thread's other handles (unregistered at its exit) */
};

/** The backend table. */
struct pm_sync_backend {
    const char *name;    /* CLI name, e.g. "urcu-memb" */
    const char *summary; /* one line for `pmlab list` */
    unsigned flags;      /* PM_SYNC_F_* */
    /** PM_SYNC_F_BOUNDED backends: the most objects that can be pending (retired, not yet freed)
     * at any instant while at most `threads` threads are registered, however long any of them
     * stays in a read section. NULL for every other backend. The conformance suite checks pending
     * and peak_pending against it under one and several stalled readers. */
    uint64_t (*pending_bound)(unsigned threads);

    pm_status (*domain_new)(pm_sync_domain **out);
    /** Requires every thread unregistered and every cell finalised; frees everything pending
     * (leaky: the teardown sweep), then the domain. */
    void (*domain_free)(pm_sync_domain *d);
    pm_status (*thread_register)(pm_sync_domain *d, pm_sync_thread **out);
    void (*thread_unregister)(pm_sync_thread *t);

    /* the read side, out of line (generic code; the dispatch experiment). Each entry runs the
     * backend's static-inline read side directly: one indirect call per operation. */
    void (*read_enter)(pm_sync_thread *t);
    void *(*deref)(pm_sync_thread *t, pm_sync_cell *c);
    void (*read_exit)(pm_sync_thread *t);
    void (*quiescent)(pm_sync_thread *t);
    /** read_enter then deref of `c`, in one call: the read section's object. A section begun
     * this way ends with read_exit and derefs no other cell. */
    void *(*read_begin)(pm_sync_thread *t, pm_sync_cell *c);

    /** Publishes `obj` as the cell's first object; `fn(obj, ctx)` frees the cell's objects.
     * PM_ENOMEM leaves the cell unset. */
    pm_status (*cell_init)(pm_sync_domain *d, pm_sync_cell *c, void *obj, pm_sync_free_fn *fn,
                           void *ctx);
    /** Frees the cell's current object at once (no reader may be using the cell any more). */
    void (*cell_fini)(pm_sync_domain *d, pm_sync_cell *c);
    /** Replaces the cell's object: build(arg, cur, &next) then a compare-and-swap, repeated
     * while other writers win; on success `cur` is retired through the backend. Errors
     * (PM_ENOMEM, or build's) leave the cell unchanged. */
    pm_status (*update)(pm_sync_thread *t, pm_sync_cell *c, pm_sync_build_fn *build, void *arg);
    /** Defers fn(obj, ctx) until no reader can hold obj. obj must not be reachable through a
     * cell any more. refcount: frees at once (its readers only hold cell versions). PM_ENOMEM:
     * nothing happened, the caller still owns obj. */
    pm_status (*retire)(pm_sync_thread *t, void *obj, pm_sync_free_fn *fn, void *ctx);
    /** Waits until the objects retired before the call (see the rules above) are freed. `t` may
     * be NULL when the caller is not registered. Not inside a read section. */
    void (*barrier)(pm_sync_domain *d, pm_sync_thread *t);
    void (*stats)(pm_sync_domain *d, pm_sync_stats *out);
};

/* ---- the backends ---------------------------------------------------------------------------- */
#define PM_SYNC_DECLARE_(id, name) extern const pm_sync_backend pm_sync_backend_##id;
PM_SYNC_BACKENDS(PM_SYNC_DECLARE_)
#undef PM_SYNC_DECLARE_

/** All backends, in PM_SYNC_BACKENDS order. */
extern const pm_sync_backend *const pm_sync_backends[PM_SYNC_NBACKENDS];
/** The backend called `name` ("urcu-memb", "epoch", ...), or NULL. */
const pm_sync_backend *pm_sync_backend_by_name(const char *name);

/* ---- generic calls (dispatch through the table) ------------------------------------------------
 */
pm_status pm_sync_domain_new(const pm_sync_backend *be, pm_sync_domain **out);
void pm_sync_domain_free(pm_sync_domain *d);
const pm_sync_backend *pm_sync_domain_backend(const pm_sync_domain *d);
pm_status pm_sync_register(pm_sync_domain *d, pm_sync_thread **out);
void pm_sync_unregister(pm_sync_thread *t);

/* The generic read side is inline: one indirect call through the thread's table per operation,
 * not a call to a wrapper that then makes the indirect call (docs/backends.md, "Dispatch through
 * the table"). */
static inline void pm_sync_read_enter(pm_sync_thread *t)
{
    t->backend->read_enter(t);
}

static inline void *pm_sync_deref(pm_sync_thread *t, pm_sync_cell *c)
{
    return t->backend->deref(t, c);
}

/** pm_sync_read_enter(t) then pm_sync_deref(t, c) in one indirect call; end the section with
 * pm_sync_read_exit(t). */
static inline void *pm_sync_read_begin(pm_sync_thread *t, pm_sync_cell *c)
{
    return t->backend->read_begin(t, c);
}

static inline void pm_sync_read_exit(pm_sync_thread *t)
{
    t->backend->read_exit(t);
}

static inline void pm_sync_quiescent(pm_sync_thread *t)
{
    t->backend->quiescent(t);
}

pm_status pm_sync_cell_init(pm_sync_domain *d, pm_sync_cell *c, void *obj, pm_sync_free_fn *fn,
                            void *ctx);
void pm_sync_cell_fini(pm_sync_domain *d, pm_sync_cell *c);
pm_status pm_sync_update(pm_sync_thread *t, pm_sync_cell *c, pm_sync_build_fn *build, void *arg);
pm_status pm_sync_retire(pm_sync_thread *t, void *obj, pm_sync_free_fn *fn, void *ctx);
void pm_sync_barrier(pm_sync_domain *d, pm_sync_thread *t);
void pm_sync_stats_get(pm_sync_domain *d, pm_sync_stats *out);

#ifdef __cplusplus
}
#endif
#endif /* PMSYNC_SYNC_H */
