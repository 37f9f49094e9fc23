/* zipperhead — E-ZH: what the ZipperHead's path check costs and whether its conflict rule is the
 * byte-prefix rule (claims C009, C058, C066-C070, C073). One thread. `live` (swept) zippers are
 * kept live on prefix-free paths "\x01z<NNNNNN>/" (bystanders, of kind `live_kind`) while:
 *   kind=write|read  batches of 8 zippers are acquired (pm_zh_write_zipper / pm_zh_read_zipper
 *                    on the prefix-free paths "q/<NNNNN>/", which hold keys) and then released:
 *                    ns_per_create / ns_per_release, per zipper, timing only the head's calls
 *                    (the registry is two byte tries: O(path), whatever the live count);
 *   kind=unchecked   the floor without a head: pm_wz_new / pm_wz_free on 8 clones of the same map
 *                    (no check, no tracking; `live` has no effect on it);
 *   kind=matrix      the conflict matrix: zipper A is acquired, then B is requested, both checked
 *                    against a brute-force oracle over everything live (bystanders included):
 *                    B (or A) conflicts iff some live zipper's path is a byte-prefix of its path
 *                    or has it as a prefix, and one of the two is a writer. A refusal must also
 *                    name a zipper that really conflicts. pair=all runs every ordered pair of a
 *                    16-path set x the four kind pairs, the named cases (C066-C069) and the
 *                    partition_0..15 / partition_<i>/ sequences (C067); pair=NAME runs one named
 *                    case and reports it in path_a, path_b, kind_a, kind_b, outcome, expected.
 * Any disagreement with the oracle counts in oracle_mismatches and fails the row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/exp.h"
#include "pathmap_zipper.h"

enum { BATCH = 8, PATHMAX = 32 };

typedef struct {
    uint8_t p[PATHMAX];
    size_t len;
    bool w;
} zpath;

typedef struct {
    pm_zh *h;
    zpath *live; /* everything live: the oracle's view */
    size_t nlive, cap;
    void **z; /* the zippers, parallel to live */
    uint64_t requests, mismatches;
} zenv;

static bool overlap(const uint8_t *p, size_t pl, const uint8_t *q, size_t ql)
{
    size_t n = pl < ql ? pl : ql; /* an empty path may be NULL (pm_conflict) */
    return n == 0 || memcmp(p, q, n) == 0;
}

/* the brute-force oracle: does a request (p, w) conflict with anything live? */
static bool oracle(const zenv *e, const uint8_t *p, size_t pl, bool w)
{
    for (size_t i = 0; i < e->nlive; i++)
        if ((w || e->live[i].w) && overlap(p, pl, e->live[i].p, e->live[i].len))
            return true;
    return false;
}

/* Requests a zipper, checks the answer against the oracle; returns 1 acquired (pushed on the
 * live list), 0 refused, -1 on an error other than a conflict. *expected gets the oracle's
 * answer (1 = acquire). */
static int request(zenv *e, const uint8_t *p, size_t pl, bool w, int *expected)
{
    bool conflict = oracle(e, p, pl, w);
    if (expected)
        *expected = !conflict;
    if (e->nlive == e->cap) {
        size_t nc = e->cap ? e->cap * 2 : 64;
        zpath *l = realloc(e->live, nc * sizeof *l);
        if (l)
            e->live = l;
        void **z = realloc(e->z, nc * sizeof *z);
        if (z)
            e->z = z;
        if (!l || !z)
            return -1;
        e->cap = nc;
    }
    pm_conflict c = {0};
    pm_status st;
    void *z = NULL;
    if (w) {
        pm_wz *wz = NULL;
        st = pm_zh_write_zipper(e->h, p, pl, &wz, &c);
        z = wz;
    } else {
        pm_rz *rz = NULL;
        st = pm_zh_read_zipper(e->h, p, pl, &rz, &c);
        z = rz;
    }
    e->requests++;
    if (st != PM_OK && st != PM_ECONFLICT)
        return -1;
    if ((st == PM_ECONFLICT) != conflict)
        e->mismatches++;
    if (st == PM_ECONFLICT) {
        /* the reported zipper must be live and really conflict */
        bool named = false;
        for (size_t i = 0; i < e->nlive && !named; i++)
            named = e->live[i].w == c.is_write && e->live[i].len == c.len &&
                    (c.len == 0 || memcmp(e->live[i].p, c.path, c.len) == 0) && (w || c.is_write) &&
                    overlap(p, pl, c.path, c.len);
        if (!named)
            e->mismatches++;
        return 0;
    }
    zpath *l = &e->live[e->nlive];
    memcpy(l->p, p, pl);
    l->len = pl;
    l->w = w;
    e->z[e->nlive++] = z;
    return 1;
}

/* releases the most recently acquired zipper */
static int release_last(zenv *e)
{
    size_t i = --e->nlive;
    if (e->live[i].w)
        return pm_zh_release_wz(e->h, e->z[i]) == PM_OK ? 0 : -1;
    pm_zh_release_rz(e->h, e->z[i]);
    return 0;
}

/* ---- the matrix -------------------------------------------------------------------------------
 */
static const char *const path_set[] = {
    "",           "a",    "a/",  "a/b",         "a/b/c",        "a/c",         "ab",
    "b",          "c/d",  "x/y", "partition_1", "partition_10", "partition_2", "updates_0/",
    "updates_1/", "\xff", NULL};

typedef struct {
    const char *name, *a;
    char ka;
    const char *b;
    char kb;
    const char *claim;
} zcase;

static const zcase cases[] = {
    {"ab_then_a", "a/b", 'w', "a", 'w', "C066 Err"},
    {"abc_ab", "a/b/c", 'w', "a/b", 'w', "C066 Err"},
    {"ab_cd", "a/b", 'w', "c/d", 'w', "C066 Ok"},
    {"ab_xy", "a/b", 'w', "x/y", 'w', "C066 Ok"},
    {"ab_ac", "a/b", 'w', "a/c", 'w', "siblings: Ok"},
    {"equal_ww", "a/b", 'w', "a/b", 'w', "equal paths: Err"},
    {"empty_ww", "", 'w', "x/y", 'w', "empty path: Err"},
    {"empty_empty", "", 'w', "", 'w', "Err"},
    {"p1_p10", "partition_1", 'w', "partition_10", 'w', "C067: Err (byte prefix)"},
    {"p1s_p10s", "partition_1/", 'w', "partition_10/", 'w', "separator: Ok"},
    {"root_reader_writer", "", 'r', "updates_0/", 'w', "C068: Err"},
    {"writer_root_reader", "updates_0/", 'w', "", 'r', "C068: Err"},
    {"reader_reader", "a/b", 'r', "a/b", 'r', "C069: Ok"},
    {"root_reader_reader", "", 'r', "updates_0/", 'r', "C069: Ok"},
    {"reader_writer_disjoint", "a/b", 'r', "c/d", 'w', "Ok"},
    {NULL, NULL, 0, NULL, 0, NULL}};

/* A then B. *ob / *eb: B's outcome and the oracle's (1 Ok, 0 Err), or 2 when A itself was
 * refused (by a bystander; B is then requested without A). Returns -1 on a non-conflict error. */
static int run_pair(zenv *e, const char *a, size_t al, bool wa, const char *b, size_t bl, bool wb,
                    int *ob, int *eb)
{
    int ea = 0;
    int ra = request(e, (const uint8_t *)a, al, wa, &ea);
    if (ra < 0)
        return -1;
    if (ra == 0) {
        int rb = request(e, (const uint8_t *)b, bl, wb, NULL);
        if (rb < 0 || (rb == 1 && release_last(e) != 0))
            return -1;
        *ob = *eb = 2;
        return 0;
    }
    int rb = request(e, (const uint8_t *)b, bl, wb, eb);
    if (rb < 0)
        return -1;
    *ob = rb;
    if (rb == 1 && release_last(e) != 0)
        return -1;
    if (ra == 1 && release_last(e) != 0)
        return -1;
    return 0;
}

/* C067: writers name_0 .. name_15 acquired in order; index of the first refusal or -1 */
static int first_err(zenv *e, const char *fmt)
{
    int first = -1;
    unsigned got = 0;
    for (unsigned i = 0; i < 16; i++) {
        char p[PATHMAX];
        int n = snprintf(p, sizeof p, fmt, i);
        int r = request(e, (const uint8_t *)p, (size_t)n, true, NULL);
        if (r < 0)
            return -2;
        if (r == 0 && first < 0)
            first = (int)i;
        got += r == 1;
    }
    while (got--)
        if (release_last(e) != 0)
            return -2;
    return first;
}

static const char *outcome_name(int o)
{
    return o == 1 ? "Ok" : o == 0 ? "Err" : "A-refused";
}

static void show_path(char *out, size_t cap, const char *p)
{
    if (!*p) {
        snprintf(out, cap, "<empty>");
        return;
    }
    size_t o = 0;
    for (; *p && o + 5 < cap; p++)
        o += (size_t)snprintf(out + o, cap - o,
                              (unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f ? "\\x%02x"
                                                                                    : "%c",
                              (unsigned char)*p);
}

static int matrix(const pmlab_config *cfg, pmlab_ctx *ctx, zenv *e, const char *pair)
{
    (void)cfg;
    uint64_t t0 = pmlab_now_ns();
    e->requests = e->mismatches = 0;
    unsigned ok = 0, err = 0, eok = 0, eerr = 0, arefused = 0;
    char summary[2048] = "";
    size_t so = 0;
    bool all = !strcmp(pair, "all");
    const zcase *one = NULL;
    for (const zcase *c = cases; c->name; c++)
        if (!strcmp(c->name, pair))
            one = c;
    if (!all && !one) {
        pmlab_fail(ctx, "unknown pair '%s' (all or a case name: docs/experiments.md)", pair);
        return 1;
    }
    if (all)
        for (size_t i = 0; path_set[i]; i++)
            for (size_t j = 0; path_set[j]; j++)
                for (int kk = 0; kk < 4; kk++) {
                    int ob = 0, eb = 0;
                    if (run_pair(e, path_set[i], strlen(path_set[i]), kk & 1, path_set[j],
                                 strlen(path_set[j]), kk & 2, &ob, &eb) != 0)
                        goto oom;
                    ok += ob == 1;
                    err += ob == 0;
                    eok += eb == 1;
                    eerr += eb == 0;
                    arefused += ob == 2;
                }
    for (const zcase *c = cases; c->name; c++) {
        if (!all && c != one)
            continue;
        int ob = 0, eb = 0;
        if (run_pair(e, c->a, strlen(c->a), c->ka == 'w', c->b, strlen(c->b), c->kb == 'w', &ob,
                     &eb) != 0)
            goto oom;
        if (all) {
            so += (size_t)snprintf(summary + so, sizeof summary - so, "%s%s=%s%s", so ? ";" : "",
                                   c->name, outcome_name(ob), ob == eb ? "" : "(!)");
        } else {
            char pa[64], pb[64];
            show_path(pa, sizeof pa, c->a);
            show_path(pb, sizeof pb, c->b);
            pmlab_set_str(ctx, "path_a", pa);
            pmlab_set_str(ctx, "path_b", pb);
            pmlab_set_str(ctx, "kind_a", c->ka == 'w' ? "write" : "read");
            pmlab_set_str(ctx, "kind_b", c->kb == 'w' ? "write" : "read");
            pmlab_set_str(ctx, "outcome", outcome_name(ob));
            pmlab_set_str(ctx, "expected", outcome_name(eb));
            pmlab_set_str(ctx, "claim", c->claim);
            ok += ob == 1;
            err += ob == 0;
            arefused += ob == 2;
        }
    }
    if (all) {
        int fe = first_err(e, "partition_%u"), fs = first_err(e, "partition_%u/");
        if (fe == -2 || fs == -2)
            goto oom;
        char o[64], x[64];
        snprintf(o, sizeof o, "Ok=%u Err=%u A-refused=%u", ok, err, arefused);
        snprintf(x, sizeof x, "Ok=%u Err=%u A-refused=%u", eok, eerr, arefused);
        pmlab_set_str(ctx, "path_a", "*");
        pmlab_set_str(ctx, "path_b", "*");
        pmlab_set_str(ctx, "kind_a", "*");
        pmlab_set_str(ctx, "kind_b", "*");
        pmlab_set_str(ctx, "outcome", o);
        pmlab_set_str(ctx, "expected", x);
        pmlab_set_str(ctx, "cases", summary);
        pmlab_set_num(ctx, "partition_first_err", fe);
        pmlab_set_num(ctx, "slash_first_err", fs);
    }
    double secs = (double)(pmlab_now_ns() - t0) / 1e9;
    pmlab_report_ops(ctx, e->requests, secs);
    pmlab_set_num(ctx, "pairs", all ? (double)(ok + err + arefused) : 1);
    pmlab_set_num(ctx, "ok_pairs", ok);
    pmlab_set_num(ctx, "err_pairs", err);
    pmlab_set_num(ctx, "a_refused_pairs", arefused);
    pmlab_set_num(ctx, "oracle_mismatches", (double)e->mismatches);
    pmlab_set_str(ctx, "pair", pair);
    if (e->mismatches)
        pmlab_fail(ctx, "%llu ZipperHead answers disagree with the prefix oracle",
                   (unsigned long long)e->mismatches);
    return e->mismatches ? 1 : 0;
oom:
    pmlab_fail(ctx, "zipper request failed (out of memory)");
    return 1;
}

/* ---- creation cost ----------------------------------------------------------------------------
 */
static int cost(const pmlab_config *cfg, pmlab_ctx *ctx, zenv *e, pm_map *m, const char *kind)
{
    bool unchecked = !strcmp(kind, "unchecked"), w = !strcmp(kind, "write");
    uint8_t qp[BATCH][PATHMAX];
    size_t ql[BATCH];
    for (unsigned j = 0; j < BATCH; j++)
        ql[j] = (size_t)snprintf((char *)qp[j], PATHMAX, "q/%05u/", j);
    pm_map *cl[BATCH] = {0};
    pm_wz *uz[BATCH];
    if (unchecked)
        for (unsigned j = 0; j < BATCH; j++)
            if (pm_map_clone(m, &cl[j]) != PM_OK)
                goto oom;
    uint64_t creates = 0, create_ns = 0, release_ns = 0;
    pmlab_hist *h = pmlab_latency(ctx, 0, PMLAB_LAT_OP);
    for (int phase = 0; phase < 2; phase++) {
        uint64_t budget = (phase == 0 ? cfg->warmup_ms : cfg->duration_ms) * 1000000u;
        uint64_t start = pmlab_now_ns();
        pmlab_reset_latency(ctx);
        creates = create_ns = release_ns = 0;
        do {
            uint64_t t0 = pmlab_now_ns(), t1, t2;
            if (unchecked) {
                for (unsigned j = 0; j < BATCH; j++)
                    if (pm_wz_new(cl[j], qp[j], ql[j], &uz[j]) != PM_OK)
                        goto oom;
                t1 = pmlab_now_ns();
                for (unsigned j = 0; j < BATCH; j++)
                    pm_wz_free(uz[j]);
            } else {
                /* Only the head's calls are timed; the answers are checked against the oracle
                 * afterwards (its scan of everything live would otherwise dominate). The batch's
                 * paths are prefix-free against each other and the bystanders, so every request
                 * must be granted. */
                pm_status st[BATCH], rel = PM_OK;
                pm_wz *wz[BATCH] = {0};
                pm_rz *rz[BATCH] = {0};
                pm_conflict c;
                for (unsigned j = 0; j < BATCH; j++)
                    st[j] = w ? pm_zh_write_zipper(e->h, qp[j], ql[j], &wz[j], &c)
                              : pm_zh_read_zipper(e->h, qp[j], ql[j], &rz[j], &c);
                t1 = pmlab_now_ns();
                for (unsigned j = 0; j < BATCH; j++)
                    if (st[j] == PM_OK && w && pm_zh_release_wz(e->h, wz[j]) != PM_OK)
                        rel = PM_ENOMEM;
                    else if (st[j] == PM_OK && !w)
                        pm_zh_release_rz(e->h, rz[j]);
                t2 = pmlab_now_ns();
                if (rel != PM_OK)
                    goto oom;
                for (unsigned j = 0; j < BATCH; j++) {
                    e->requests++;
                    if (oracle(e, qp[j], ql[j], w) != (st[j] == PM_ECONFLICT))
                        e->mismatches++;
                    if (st[j] != PM_OK && st[j] != PM_ECONFLICT)
                        goto oom;
                }
                create_ns += t1 - t0;
                release_ns += t2 - t1;
                creates += BATCH;
                pmlab_hist_record(h, (t1 - t0) / BATCH);
                continue;
            }
            t2 = pmlab_now_ns();
            create_ns += t1 - t0;
            release_ns += t2 - t1;
            creates += BATCH;
            pmlab_hist_record(h, (t1 - t0) / BATCH);
        } while (pmlab_now_ns() - start < budget);
    }
    for (unsigned j = 0; j < BATCH; j++)
        pm_map_free(cl[j]);
    pmlab_report_ops(ctx, creates, (double)(create_ns + release_ns) / 1e9);
    pmlab_set_num(ctx, "ns_per_create", (double)create_ns / (double)creates);
    pmlab_set_num(ctx, "ns_per_release", (double)release_ns / (double)creates);
    pmlab_set_num(ctx, "creates", (double)creates);
    if (e->mismatches) {
        pmlab_fail(ctx, "a zipper request was refused by mistake");
        return 1;
    }
    return 0;
oom:
    for (unsigned j = 0; j < BATCH; j++)
        pm_map_free(cl[j]);
    pmlab_fail(ctx, "zipper request failed (out of memory, or refused by mistake)");
    return 1;
}

static int zh_run(const pmlab_config *cfg, pmlab_ctx *ctx)
{
    const char *kind = pmlab_param_str(cfg, "kind"), *pair = pmlab_param_str(cfg, "pair");
    const char *lk = pmlab_param_str(cfg, "live_kind");
    long long live = pmlab_param_int(cfg, "live");
    static const char *const kinds[] = {"write", "read", "unchecked", "matrix", NULL};
    if (pmx_index_of(kinds, kind) < 0 || live < 0 || live > 1000000 ||
        (strcmp(lk, "write") && strcmp(lk, "read"))) {
        pmlab_fail(ctx, "kind must be write|read|unchecked|matrix, live 0..1e6, live_kind "
                        "write|read");
        return 1;
    }
    /* the head's map: a few keys below every path used, so detaching and grafting back move
     * real subtries */
    pm_map *m = NULL;
    zenv e = {0};
    int rc = 1;
    char key[64];
    size_t before = 0, after = 0;
    if (pm_map_new(NULL, &m) != PM_OK)
        goto oom;
    for (size_t i = 0; path_set[i]; i++)
        for (unsigned v = 0; v < 4; v++) {
            int n = snprintf(key, sizeof key, "%sv%u", path_set[i], v);
            if (pm_map_set(m, (const uint8_t *)key, (size_t)n, v + 1, NULL, NULL) != PM_OK)
                goto oom;
        }
    for (unsigned j = 0; j < BATCH; j++)
        for (unsigned v = 0; v < 4; v++) {
            int n = snprintf(key, sizeof key, "q/%05u/v%u", j, v);
            if (pm_map_set(m, (const uint8_t *)key, (size_t)n, v + 1, NULL, NULL) != PM_OK)
                goto oom;
        }
    for (long long i = 0; i < live; i++) {
        int n = snprintf(key, sizeof key, "\x01z%06lld/v", i);
        if (pm_map_set(m, (const uint8_t *)key, (size_t)n, 1, NULL, NULL) != PM_OK)
            goto oom;
    }
    pm_map_len(m, &before);
    if (pm_zh_new(m, &e.h) != PM_OK)
        goto oom;
    for (long long i = 0; i < live; i++) {
        int n = snprintf(key, sizeof key, "\x01z%06lld/", i);
        if (request(&e, (const uint8_t *)key, (size_t)n, !strcmp(lk, "write"), NULL) != 1)
            goto oom;
    }
    e.mismatches = 0;
    if (!strcmp(kind, "matrix"))
        rc = matrix(cfg, ctx, &e, pair);
    else
        rc = cost(cfg, ctx, &e, m, kind);
    pmlab_report_counters(ctx, 0, 0, 0);
    pmlab_set_num(ctx, "live", (double)live);
    pmlab_set_str(ctx, "kind", kind);
    pmlab_set_str(ctx, "live_kind", lk);
    while (e.nlive)
        if (release_last(&e) != 0)
            goto oom;
    if (pm_zh_free(e.h) != PM_OK) {
        pmlab_fail(ctx, "pm_zh_free refused: zippers still live");
        rc = 1;
    }
    e.h = NULL;
    pm_map_len(m, &after);
    if (after != before) {
        pmlab_fail(ctx, "the map holds %zu keys after the run, %zu before", after, before);
        rc = 1;
    }
    pmlab_set_num(ctx, "map_keys", (double)after);
    goto out;
oom:
    pmlab_fail(ctx, "out of memory, or a bystander zipper was refused");
    rc = 1;
out:
    while (e.h && e.nlive && release_last(&e) == 0) {
    }
    if (e.h)
        pm_zh_free(e.h);
    pm_map_free(m);
    free(e.live);
    free(e.z);
    return rc;
}

static const pmlab_param zh_params[] = {
    {"kind", PMLAB_PARAM_STR_LIST, "write,read,unchecked,matrix",
     "write|read: ns per ZipperHead zipper; unchecked: pm_wz_new floor; matrix: conflict "
     "matrix vs oracle (swept)"},
    {"live", PMLAB_PARAM_INT_LIST, "0,10,100,1000,10000", "bystander zippers kept live (swept)"},
    {"live_kind", PMLAB_PARAM_STR, "write", "kind of the bystanders: write|read"},
    {"pair", PMLAB_PARAM_STR_LIST, "all",
     "kind=matrix: all, or case names (ab_then_a, abc_ab, ab_cd, ab_xy, ab_ac, equal_ww, "
     "empty_ww, empty_empty, p1_p10, p1s_p10s, root_reader_writer, writer_root_reader, "
     "reader_reader, root_reader_reader, reader_writer_disjoint) (swept)"},
    {NULL, 0, NULL, NULL}};

static const pmlab_column zh_cols[] = {
    {"kind", PMLAB_COL_STR, "write, read, unchecked or matrix"},
    {"live", PMLAB_COL_NUM, "bystander zippers live during the measurement"},
    {"live_kind", PMLAB_COL_STR, "their kind"},
    {"ns_per_create", PMLAB_COL_NUM, "ns per zipper creation (batches of 8: live + 0..7)"},
    {"ns_per_release", PMLAB_COL_NUM, "ns per release (pm_zh_release_* / pm_wz_free)"},
    {"creates", PMLAB_COL_NUM, "zippers created in the measured time"},
    {"pair", PMLAB_COL_STR, "matrix: all or the case name"},
    {"path_a", PMLAB_COL_STR, "path of the zipper acquired first (\"*\" for all)"},
    {"path_b", PMLAB_COL_STR, "path of the zipper requested second"},
    {"kind_a", PMLAB_COL_STR, "write or read"},
    {"kind_b", PMLAB_COL_STR, "write or read"},
    {"outcome", PMLAB_COL_STR,
     "B's request: Ok, Err, or A-refused when A was refused by a bystander (all: counts)"},
    {"expected", PMLAB_COL_STR, "the prefix oracle's answer (all: counts)"},
    {"claim", PMLAB_COL_STR, "what the case checks"},
    {"cases", PMLAB_COL_STR, "all: every named case as name=Ok|Err ((!) = oracle disagrees)"},
    {"pairs", PMLAB_COL_NUM, "pairs evaluated"},
    {"ok_pairs", PMLAB_COL_NUM, "pairs where B was granted"},
    {"err_pairs", PMLAB_COL_NUM, "pairs where B was refused"},
    {"a_refused_pairs", PMLAB_COL_NUM,
     "pairs whose first zipper a bystander refused (only with live > 0: every path overlaps the "
     "empty path)"},
    {"oracle_mismatches", PMLAB_COL_NUM,
     "answers (or named conflicting zippers) that disagree with the oracle: 0"},
    {"partition_first_err", PMLAB_COL_NUM,
     "writers partition_0..15 in order: first refused index (C067: 10), -1 none"},
    {"slash_first_err", PMLAB_COL_NUM, "the same with partition_<i>/: -1 expected"},
    {"map_keys", PMLAB_COL_NUM, "keys of the head's map after every zipper was released"},
    {NULL, 0, NULL}};

static const pmlab_experiment zh_exp = {
    .name = "zipperhead",
    .description = "ZipperHead: zipper creation cost vs live zippers; conflict matrix vs oracle",
    .axes = 0,
    .defaults = "--duration-ms 150 --warmup-ms 20 --trials 1",
    .params = zh_params,
    .columns = zh_cols,
    .run = zh_run,
    .smoke_args =
        "--param kind=write,read,unchecked --param live=0,50 --duration-ms 20 --warmup-ms 0",
};

void pmlab_register_zipperhead(pmlab_registry *r);
void pmlab_register_zipperhead(pmlab_registry *r)
{
    pmlab_register_experiment(r, &zh_exp);
}
