/* The one statistics module of pmlab (stats.h, docs/statistics.md): medians, order-statistic
 * median intervals, a deterministic percentile bootstrap over trials, and the decision of an
 * interval against a threshold. Depends on libc and libm only. */
#include "stats.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* median of a sorted array of n >= 1 values */
static double sorted_median(const double *s, size_t n)
{
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
}

/* copies the finite values of v into a new sorted array; *m gets their count */
static double *sorted_finite(const double *v, size_t n, size_t *m)
{
    double *s = malloc((n ? n : 1) * sizeof *s);
    size_t k = 0;
    if (!s) {
        *m = 0;
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i]))
            s[k++] = v[i];
    qsort(s, k, sizeof *s, cmp_double);
    *m = k;
    return s;
}

st_summary st_summarize(const double *v, size_t n)
{
    st_summary r = {NAN, NAN, NAN, 0};
    size_t m;
    double *s = sorted_finite(v, n, &m);
    if (s && m) {
        r.med = sorted_median(s, m);
        r.lo = s[0];
        r.hi = s[m - 1];
        r.n = m;
    }
    free(s);
    return r;
}

double st_median(const double *v, size_t n)
{
    return st_summarize(v, n).med;
}

/* P(X <= j) for X ~ Binomial(n, 1/2) */
static double binom_half_cdf(size_t n, size_t j)
{
    if (j >= n)
        return 1.0;
    double sum = 0, ln2n = (double)n * log(2.0);
    for (size_t i = 0; i <= j; i++)
        sum +=
            exp(lgamma((double)n + 1) - lgamma((double)i + 1) - lgamma((double)(n - i) + 1) - ln2n);
    return sum > 1.0 ? 1.0 : sum;
}

double st_order_coverage(size_t n, size_t k)
{
    if (k < 1 || 2 * k > n + 1)
        return 0.0;
    /* [x(k), x(n-k+1)] misses the median when fewer than k values lie below it or fewer than k
     * above it: 1 - 2 P(B <= k-1) */
    double c = 1.0 - 2.0 * binom_half_cdf(n, k - 1);
    return c < 0 ? 0 : c;
}

static st_interval iv_fail(double est, double conf, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static st_interval iv_fail(double est, double conf, const char *fmt, ...)
{
    st_interval iv = {est, NAN, NAN, conf, false, ""};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(iv.why, sizeof iv.why, fmt, ap);
    va_end(ap);
    return iv;
}

static bool conf_valid(double conf)
{
    return conf > 0.0 && conf < 1.0;
}

st_interval st_median_ci(const double *v, size_t n, double conf)
{
    size_t m;
    double *s = sorted_finite(v, n, &m);
    double est = s && m ? sorted_median(s, m) : NAN;
    st_interval iv;
    if (!conf_valid(conf)) {
        iv = iv_fail(est, conf, "confidence must lie strictly between 0 and 1");
    } else if (m == 0 || st_order_coverage(m, 1) < conf) {
        size_t need = 1;
        while (need < 64 && st_order_coverage(need, 1) < conf)
            need++;
        iv = iv_fail(est, conf, "an order-statistic median interval needs >= %zu values, have %zu",
                     need, m);
    } else {
        size_t k = 1;
        while (st_order_coverage(m, k + 1) >= conf)
            k++;
        iv = (st_interval){est, s[k - 1], s[m - k], conf, true, ""};
    }
    free(s);
    return iv;
}

/* ---- PRNG: xoshiro256** (Blackman & Vigna), state filled by splitmix64 ---- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

void st_rng_seed(st_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t st_rng_next(st_rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

/* uniform in [0, n), unbiased (rejection of the short top range) */
static size_t rng_below(st_rng *r, size_t n)
{
    uint64_t lim = UINT64_MAX - UINT64_MAX % n, x;
    do
        x = st_rng_next(r);
    while (x >= lim);
    return (size_t)(x % n);
}

uint64_t st_seed_of(const char *text)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (const unsigned char *p = (const unsigned char *)(text ? text : ""); *p; p++) {
        h ^= *p;
        h *= UINT64_C(1099511628211);
    }
    return h;
}

/* linear interpolation between order statistics (Hyndman & Fan type 7) of sorted s[0..n) */
static double quantile_sorted(const double *s, size_t n, double p)
{
    double h = (double)(n - 1) * p;
    size_t i = (size_t)floor(h);
    if (i + 1 >= n)
        return s[n - 1];
    double lo = s[i], hi = s[i + 1];
    if (lo == hi)
        return lo;
    return lo + (h - (double)i) * (hi - lo);
}

st_interval st_bootstrap(const st_sample *groups, size_t k, st_stat_fn f, void *arg, double conf,
                         unsigned B, size_t min_n, uint64_t seed)
{
    if (k == 0 || !f)
        return iv_fail(NAN, conf, "no groups to compare");
    if (min_n < 1)
        min_n = 1;
    double *meds = calloc(k, sizeof *meds);
    double **sorted = calloc(k, sizeof *sorted);
    size_t *ns = calloc(k, sizeof *ns), maxn = 0;
    st_interval iv = {NAN, NAN, NAN, conf, false, ""};
    double *boot = NULL, *draw = NULL;
    if (!meds || !sorted || !ns)
        goto out;
    size_t short_g = k, short_n = 0;
    for (size_t j = 0; j < k; j++) {
        sorted[j] = sorted_finite(groups[j].v, groups[j].n, &ns[j]);
        if (!sorted[j])
            goto out;
        meds[j] = ns[j] ? sorted_median(sorted[j], ns[j]) : NAN;
        if (ns[j] < min_n && short_g == k) {
            short_g = j;
            short_n = ns[j];
        }
        if (ns[j] > maxn)
            maxn = ns[j];
    }
    bool all_medians = true;
    for (size_t j = 0; j < k; j++)
        all_medians = all_medians && ns[j] > 0;
    iv.est = all_medians ? f(meds, k, arg) : NAN;
    if (!conf_valid(conf)) {
        snprintf(iv.why, sizeof iv.why, "confidence must lie strictly between 0 and 1");
        goto out;
    }
    if (short_g < k) {
        snprintf(iv.why, sizeof iv.why, "needs >= %zu clean trials per side, have %zu", min_n,
                 short_n);
        goto out;
    }
    if (!isfinite(iv.est)) {
        snprintf(iv.why, sizeof iv.why, "the statistic is undefined for the observed medians");
        goto out;
    }
    if (B < 2) {
        snprintf(iv.why, sizeof iv.why, "needs >= 2 bootstrap resamples, have %u", B);
        goto out;
    }
    boot = malloc((size_t)B * sizeof *boot);
    draw = malloc(maxn * sizeof *draw);
    if (!boot || !draw)
        goto out;
    st_rng r;
    st_rng_seed(&r, seed);
    double *bm = malloc(k * sizeof *bm);
    if (!bm)
        goto out;
    size_t undefined = 0;
    for (unsigned b = 0; b < B; b++) {
        for (size_t j = 0; j < k; j++) {
            for (size_t i = 0; i < ns[j]; i++)
                draw[i] = sorted[j][rng_below(&r, ns[j])];
            qsort(draw, ns[j], sizeof *draw, cmp_double);
            bm[j] = sorted_median(draw, ns[j]);
        }
        boot[b] = f(bm, k, arg);
        if (isnan(boot[b]))
            undefined++;
    }
    free(bm);
    if (undefined) {
        snprintf(iv.why, sizeof iv.why, "the statistic is undefined in %zu of %u resamples",
                 undefined, B);
        goto out;
    }
    qsort(boot, B, sizeof *boot, cmp_double);
    iv.lo = quantile_sorted(boot, B, (1.0 - conf) / 2.0);
    iv.hi = quantile_sorted(boot, B, (1.0 + conf) / 2.0);
    iv.ok = true;
out:
    if (!iv.ok && !iv.why[0])
        snprintf(iv.why, sizeof iv.why, "out of memory");
    if (sorted)
        for (size_t j = 0; j < k; j++)
            free(sorted[j]);
    free(sorted);
    free(meds);
    free(ns);
    free(boot);
    free(draw);
    return iv;
}

static double ratio_fn(const double *meds, size_t k, void *arg)
{
    (void)arg;
    return k == 2 ? meds[0] / meds[1] : NAN;
}

st_interval st_ratio_ci(st_sample a, st_sample b, double conf, unsigned B, size_t min_n,
                        uint64_t seed)
{
    st_sample g[2] = {a, b};
    return st_bootstrap(g, 2, ratio_fn, NULL, conf, B, min_n, seed);
}

st_side st_decide(const st_interval *iv, double thr, int dir)
{
    if (!iv || !iv->ok || isnan(iv->lo) || isnan(iv->hi))
        return ST_NO_INTERVAL;
    if (dir >= 0) {
        if (iv->lo >= thr)
            return ST_HOLDS;
        if (iv->hi < thr)
            return ST_FAILS;
    } else {
        if (iv->hi <= thr)
            return ST_HOLDS;
        if (iv->lo > thr)
            return ST_FAILS;
    }
    return ST_STRADDLES;
}

st_side st_decide_range(const st_interval *iv, double lo, double hi)
{
    if (!iv || !iv->ok || isnan(iv->lo) || isnan(iv->hi))
        return ST_NO_INTERVAL;
    if (iv->lo >= lo && iv->hi <= hi)
        return ST_HOLDS;
    if (iv->hi < lo || iv->lo > hi)
        return ST_FAILS;
    return ST_STRADDLES;
}

double st_rank_min_p(size_t na, size_t nb)
{
    if (!na || !nb)
        return 1.0;
    /* 2 / C(na + nb, na) */
    double lc = lgamma((double)(na + nb) + 1) - lgamma((double)na + 1) - lgamma((double)nb + 1);
    double p = 2.0 * exp(-lc);
    return p > 1 ? 1 : p;
}

/* The null distribution of the pair count U of two samples of sizes na, nb without ties, as
 * cumulative probabilities cdf[u] = P(U <= u), u = 0..na*nb (malloc'ed; NULL when out of memory).
 * Counts of the arrangements by f(i, j, u) = f(i-1, j, u-j) + f(i, j-1, u). */
static double *rank_null_cdf(size_t na, size_t nb)
{
    size_t umax = na * nb;
    double *f = calloc((nb + 1) * (umax + 1), sizeof *f);
    double *g = calloc((nb + 1) * (umax + 1), sizeof *g);
    double *cdf = malloc((umax + 1) * sizeof *cdf);
    if (!f || !g || !cdf) {
        free(f);
        free(g);
        free(cdf);
        return NULL;
    }
#define F(a, j, u) (a)[(j) * (umax + 1) + (u)]
    for (size_t j = 0; j <= nb; j++)
        F(f, j, 0) = 1; /* i = 0: one arrangement, no pairs */
    for (size_t i = 1; i <= na; i++) {
        memset(g, 0, (nb + 1) * (umax + 1) * sizeof *g);
        for (size_t j = 0; j <= nb; j++)
            for (size_t u = 0; u <= umax; u++) {
                double v = (u >= j ? F(f, j, u - j) : 0) + (j ? F(g, j - 1, u) : 0);
                F(g, j, u) = v;
            }
        double *t = f;
        f = g;
        g = t;
    }
    double total = 0;
    for (size_t u = 0; u <= umax; u++)
        total += F(f, nb, u);
    double run = 0;
    for (size_t u = 0; u <= umax; u++) {
        run += F(f, nb, u);
        cdf[u] = run / total;
    }
#undef F
    free(f);
    free(g);
    return cdf;
}

/* P(U <= u_lo) and P(U >= u_hi) (u_lo, u_hi whole numbers) */
static void rank_exact_tails(size_t na, size_t nb, double u_lo, double u_hi, double *le, double *ge)
{
    size_t umax = na * nb;
    double *cdf = rank_null_cdf(na, nb);
    if (!cdf) {
        *le = *ge = 1.0;
        return;
    }
    *le = u_lo < 0 ? 0 : u_lo >= (double)umax ? 1 : cdf[(size_t)u_lo];
    *ge = u_hi <= 0 ? 1 : u_hi > (double)umax ? 0 : 1 - cdf[(size_t)u_hi - 1];
    free(cdf);
}

/* the largest k (1-based) whose pair-difference interval [D(k), D(mn+1-k)] has coverage
 * 1 - 2 P(U <= k-1) >= conf; 0 when even k = 1 falls short */
static size_t rank_ci_k(size_t na, size_t nb, double conf, double *coverage)
{
    size_t mn = na * nb;
    *coverage = 0;
    if (mn > ST_RANK_EXACT_PAIRS) {
        /* normal approximation of U: mean mn/2, variance mn(na+nb+1)/12; z by bisection */
        double lo = 0, hi = 10;
        for (int it = 0; it < 100; it++) {
            double mid = (lo + hi) / 2;
            if (erfc(mid / sqrt(2.0)) > 1 - conf)
                lo = mid;
            else
                hi = mid;
        }
        double sd = sqrt((double)mn * (double)(na + nb + 1) / 12);
        double kk = floor((double)mn / 2 - hi * sd);
        if (kk < 1)
            return 0;
        *coverage = conf;
        return (size_t)kk;
    }
    double *cdf = rank_null_cdf(na, nb);
    if (!cdf)
        return 0;
    size_t k = 0;
    while (k + 1 <= (mn + 1) / 2 && 1 - 2 * cdf[k] >= conf) {
        *coverage = 1 - 2 * cdf[k];
        k++;
    }
    free(cdf);
    return k;
}

st_interval st_ratio_rank_ci(st_sample num, st_sample den, double conf)
{
    size_t m, n;
    double *x = sorted_finite(num.v, num.n, &m), *y = sorted_finite(den.v, den.n, &n);
    double est = x && y && m && n ? sorted_median(x, m) / sorted_median(y, n) : NAN;
    st_interval iv;
    bool pos = x && y && m && n && x[0] > 0 && y[0] > 0;
    double cov = 0;
    size_t k = conf_valid(conf) && m && n ? rank_ci_k(m, n, conf, &cov) : 0;
    if (!conf_valid(conf)) {
        iv = iv_fail(est, conf, "confidence must lie strictly between 0 and 1");
    } else if (m && n && !pos) {
        iv = iv_fail(est, conf, "a ratio interval needs values > 0");
    } else if (m < ST_MIN_CLEAN || n < ST_MIN_CLEAN) {
        iv = iv_fail(est, conf, "needs >= %d clean trials per side, have %zu", ST_MIN_CLEAN,
                     m < n ? m : n);
    } else if (k == 0) {
        size_t need = 1;
        while (need < 64 && st_rank_min_p(need, need) > 1 - conf)
            need++;
        iv = iv_fail(est, conf,
                     "too few clean trials for a %.0f%% rank interval (n=%zu and %zu; needs %zu "
                     "and %zu)",
                     conf * 100, m, n, need, need);
    } else {
        size_t mn = m * n;
        double *d = malloc(mn * sizeof *d);
        if (!d) {
            iv = iv_fail(est, conf, "out of memory");
        } else {
            for (size_t i = 0; i < m; i++)
                for (size_t j = 0; j < n; j++)
                    d[i * n + j] = log(x[i]) - log(y[j]);
            qsort(d, mn, sizeof *d, cmp_double);
            iv = (st_interval){est, exp(d[k - 1]), exp(d[mn - k]), conf, true, ""};
            free(d);
        }
    }
    free(x);
    free(y);
    return iv;
}

double st_rank_p(st_sample a, st_sample b)
{
    size_t na, nb;
    double *x = sorted_finite(a.v, a.n, &na), *y = sorted_finite(b.v, b.n, &nb);
    double p = 1.0;
    if (x && y && na && nb) {
        /* U: pairs with x < y, ties counted as half */
        double U = 0;
        for (size_t i = 0; i < na; i++)
            for (size_t j = 0; j < nb; j++)
                U += x[i] < y[j] ? 1.0 : x[i] == y[j] ? 0.5 : 0.0;
        if (na * nb <= 900) {
            double le, ge;
            /* a half-integer U (ties) is rounded away from the tail: conservative */
            rank_exact_tails(na, nb, ceil(U), floor(U), &le, &ge);
            p = 2.0 * (le < ge ? le : ge);
        } else {
            /* normal approximation with the tie correction of the variance */
            double n = (double)(na + nb), mu = (double)na * (double)nb / 2, ties = 0;
            double *all = malloc((na + nb) * sizeof *all);
            if (all) {
                memcpy(all, x, na * sizeof *all);
                memcpy(all + na, y, nb * sizeof *all);
                qsort(all, na + nb, sizeof *all, cmp_double);
                for (size_t i = 0; i < na + nb;) {
                    size_t j = i;
                    while (j < na + nb && all[j] == all[i])
                        j++;
                    double t = (double)(j - i);
                    ties += t * t * t - t;
                    i = j;
                }
                free(all);
            }
            double var = (double)na * (double)nb / 12 * ((n + 1) - ties / (n * (n - 1)));
            double z = var > 0 ? (fabs(U - mu) - 0.5) / sqrt(var) : 0;
            p = z > 0 ? erfc(z / sqrt(2.0)) : 1.0;
        }
    }
    free(x);
    free(y);
    return p > 1 ? 1 : p;
}

const char *st_side_name(st_side s)
{
    switch (s) {
    case ST_HOLDS:
        return "holds";
    case ST_FAILS:
        return "fails";
    case ST_STRADDLES:
        return "straddles";
    case ST_NO_INTERVAL:
        return "no interval";
    }
    return "?";
}
