/* harness/src/claims.h -- the claims engine (issue 12 item 4).
 *
 * A claims file (JSON, read with jansson) holds the project's claims catalogue: one record per
 * claim with its id, its statement in the project's words, the roles of the suite runs it needs
 * and a rule (kind + parameters). The engine knows nothing of the experiments: rules speak of
 * results.csv columns, row filters "col=val" and run roles. Every statistical rule decides from
 * an interval computed by stats.h over the clean trials (status=ok, contended!=1): holds when
 * the whole interval is on the holding side, does not hold when all of it is on the failing
 * side, inconclusive otherwise (with the reason). docs/report.md documents the format. */
#ifndef PMLAB_CLAIMS_H
#define PMLAB_CLAIMS_H

#include "pmlab_int.h"

#include <stdio.h>

typedef struct claims_set claims_set;

/* Loads and validates the claims files in order (later files add claims; a repeated id is an
 * error). Relative paths are used as given. NULL on error with one line in err naming the file
 * and, where known, the claim id and the bad field. */
claims_set *claims_load(const char *const *files, size_t nfiles, char *err, size_t errlen);
void claims_free(claims_set *cs);

/* 0 when every role that a claim names is the role of a run of s; else -1 with one line in err
 * ("FILE: claim ID: unknown role 'R'"). Call before any run. */
int claims_check_roles(const claims_set *cs, const pmlab_suite *s, char *err, size_t errlen);

typedef struct {
    size_t holds, nots, inconclusive, untestable, notrun;
} claims_tally;

/* Evaluates every claim against the run folders (run_dirs[i] is the folder of s->runs[i], or
 * NULL when the run was not part of this mode) and writes the claims table to md. tally (may be
 * NULL) receives the counts for the report header. roles_more (may be NULL) receives the roles
 * whose claims were inconclusive for a reason that more trials can fix (too few clean trials,
 * contended trials, a straddling interval), each role once, and after it "ROLE<TAB>CONFIG_ID"
 * for every configuration such a claim's quantity rests on (a rerun may add trials to those
 * only). Deterministic: the same folders give the same text. */
void claims_render(const claims_set *cs, const pmlab_suite *s, const char *const *run_dirs,
                   FILE *md, claims_tally *tally, strvec *roles_more);
/* claims_render that also writes the verdicts as CSV to csv (when not NULL): a header line
 * `claim,group,verdict,figure_stated,measured,estimate,lo,hi,reason`, then one line per claim
 * from the same evaluation as the table (verdict in plain words; estimate, lo and hi: the
 * quantity of the part that decided it and its interval, empty when none was computed). */
void claims_render_csv(const claims_set *cs, const pmlab_suite *s, const char *const *run_dirs,
                       FILE *md, claims_tally *tally, strvec *roles_more, FILE *csv);

/* Writes the rule table of docs/report.md (one row per claim: id, statement, figure stated,
 * rule) generated from the claims file, so the docs cannot drift from it. */
void claims_markdown(const claims_set *cs, FILE *out);

/* Number of claims loaded. */
size_t claims_count(const claims_set *cs);

/* ---- callbacks for irregular claims --------------------------------------------------------
 * A rule {"kind": "callback", "name": N} calls the function registered under N. It gets the rule
 * object (a json_t *, passed as const void * to keep jansson out of this header) and a context
 * for reading runs by role; it appends what it measured to `measured`, writes the reason and
 * returns the verdict. Registered from experiments/ (experiments/suite/reproduce.c) at start-up,
 * before any claims file is loaded (claims_load refuses an unknown callback name). Data rules
 * are the default; a callback is for a claim no rule kind expresses. */
typedef enum {
    CLAIM_HOLDS = 0,
    CLAIM_FAILS,
    CLAIM_INCONCLUSIVE,
    CLAIM_UNTESTABLE,
    CLAIM_NOTRUN
} claim_verdict;
typedef struct claims_ctx claims_ctx;
/* The results table of the run with that role, or NULL when it did not run (*why says why). */
const csv_table *claims_ctx_table(const claims_ctx *cx, const char *role, const char **why);
/* The clean values (status ok, contended != 1) of col over the rows of role that match filter
 * ("col=val;col=val", may be NULL); *out is malloc'ed (caller frees), *contended (may be NULL)
 * counts the ok rows left out as contended. Returns the count; 0 and *out NULL when the run did
 * not happen or a filter column is absent. */
size_t claims_ctx_values(const claims_ctx *cx, const char *role, const char *filter,
                         const char *col, double **out, size_t *contended);
typedef claim_verdict (*claims_callback)(const claims_ctx *cx, const void *rule, sbuf *measured,
                                         char *reason, size_t reasonlen);
void claims_register_callback(const char *name, claims_callback fn);

#endif
