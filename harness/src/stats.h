/* harness/src/stats.h -- the one statistics module of pmlab (issue 12). Contract agreed between
 * the helpers; the `stats` branch implements it in harness/src/stats.c (no other module sorts
 * or takes medians of its own). Everything is deterministic: a fixed seed gives the same
 * interval, so `pmlab report DIR` re-renders byte for byte. */
#ifndef PMLAB_STATS_H
#define PMLAB_STATS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* median / min / max of n values (n may be 0: all NAN). v is not modified. */
typedef struct {
    double med, lo, hi;
    size_t n;
} st_summary;
st_summary st_summarize(const double *v, size_t n);
double st_median(const double *v, size_t n); /* NAN when n == 0 */

/* A two-sided confidence interval for a quantity. ok=false when the data cannot give an
 * interval at the requested confidence (then why says so, e.g. "needs >= 3 clean trials per
 * side, have 1"); est is still the point estimate when it can be computed. */
typedef struct {
    double est, lo, hi;
    double conf; /* e.g. 0.95 */
    bool ok;
    char why[96];
} st_interval;

/* Distribution-free (order-statistic, binomial) interval for the median of n iid values: the
 * narrowest symmetric pair x(k), x(n-k+1) with coverage >= conf. ok=false when n is too small
 * for conf (n < 6 at 0.95). */
st_interval st_median_ci(const double *v, size_t n, double conf);

/* A sample: one group of trial values (e.g. the clean ops/s trials of one configuration). */
typedef struct {
    const double *v;
    size_t n;
} st_sample;

/* Percentile bootstrap over trials for a statistic of several groups' medians:
 * each of B resamples draws every group with replacement (its own size), takes each group's
 * median, and evaluates f(meds, k, arg); the interval is the (1-conf)/2 and (1+conf)/2
 * quantiles of the B values; est = f(observed medians). ok=false (why set) when any group has
 * fewer than min_n values, or f returns a non-finite value for the observed medians.
 * Deterministic given seed (use st_seed_of(text) to derive it from the claim/config id). */
typedef double (*st_stat_fn)(const double *meds, size_t k, void *arg);
st_interval st_bootstrap(const st_sample *groups, size_t k, st_stat_fn f, void *arg, double conf,
                         unsigned B, size_t min_n, uint64_t seed);
/* Convenience: ratio of medians a/b (speedup, x-vs-leaky, B/A in compare). */
st_interval st_ratio_ci(st_sample a, st_sample b, double conf, unsigned B, size_t min_n,
                        uint64_t seed);
uint64_t st_seed_of(const char *text); /* FNV-1a of text */

/* Exact distribution-free interval for the ratio of two configurations (speedup, x-vs-leaky,
 * B/A in compare), from the rank-sum (Wilcoxon-Mann-Whitney) distribution: under a scale-shift
 * model (log num and log den differ by a constant; the shapes are the same) the sorted pairwise
 * log-ratios D = log x_i - log y_j give [exp D(k), exp D(mn+1-k)] with coverage
 * 1 - 2 P(U <= k-1) >= conf, exact for na*nb <= ST_RANK_EXACT_PAIRS (normal approximation
 * above). est is the ratio of medians. ok=false when the sizes cannot reach conf (3 and 3 reach
 * 90 %, 4 and 4 reach 97.1 %), a side has fewer than ST_MIN_CLEAN values, or a value is <= 0. No
 * resampling: the same data give the same interval. */
st_interval st_ratio_rank_ci(st_sample num, st_sample den, double conf);

/* Where an interval lies against a threshold. dir=+1: holding side is >= thr; dir=-1: <= thr.
 * ST_ABOVE_OK means the whole interval is on the holding side, ST_FAILS wholly on the failing
 * side, ST_STRADDLES otherwise (also when !iv.ok: ST_NO_INTERVAL). */
typedef enum { ST_HOLDS = 0, ST_FAILS, ST_STRADDLES, ST_NO_INTERVAL } st_side;
st_side st_decide(const st_interval *iv, double thr, int dir);
/* For a closed range [lo, hi]: holds when the interval is inside, fails when disjoint. */
st_side st_decide_range(const st_interval *iv, double lo, double hi);
const char *st_side_name(st_side s); /* "holds", "fails", "straddles", "no interval" */

/* Additions beyond the agreed contract (used by tests, compare and the docs):
 * coverage of the order-statistic interval [x(k), x(n-k+1)] (1-based k) for the median of n iid
 * values, i.e. P(k <= Binomial(n, 1/2) <= n-k); 0 when k is out of range. */
double st_order_coverage(size_t n, size_t k);

/* Two-sided Wilcoxon-Mann-Whitney rank-sum test of "a and b come from one distribution":
 * exact for small samples (na * nb <= 900; ties counted as half and resolved conservatively),
 * normal approximation with tie correction above. 1 when a side is empty. */
double st_rank_p(st_sample a, st_sample b);
/* the smallest p-value st_rank_p can give for sizes na, nb (complete separation):
 * 2 / C(na + nb, na); e.g. 0.1 for 3 vs 3, 0.029 for 4 vs 4 */
double st_rank_min_p(size_t na, size_t nb);

/* The bootstrap's pseudo-random generator (xoshiro256** seeded through splitmix64), exposed so
 * tests can pin its sequence. */
typedef struct {
    uint64_t s[4];
} st_rng;
void st_rng_seed(st_rng *r, uint64_t seed);
uint64_t st_rng_next(st_rng *r);

/* Defaults used everywhere (documented in docs/statistics.md): */
#define ST_CONF             0.95
#define ST_BOOT_B           2000
#define ST_RANK_EXACT_PAIRS 2500 /* exact U distribution up to this many pairs */
#define ST_MIN_CLEAN        3 /* fewer clean trials per side -> inconclusive "too few clean trials" */

#endif
