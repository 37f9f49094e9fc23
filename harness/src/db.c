/* The campaign database: run folders (meta.json, results.csv, alerts.json) and reproduce folders
 * (suite.json, suite.csv, verdicts.csv and their run folders) imported into one SQLite file.
 *
 * The schema is written once, here, as data (the tables below, the common results.csv columns of
 * registry.c, and the views); `pmlab db schema` prints the CREATE statements it generates and a
 * test checks that docs/database.md holds them. A run's id is a hash of its meta.json and
 * results.csv, so importing a folder again finds its id and adds nothing; one transaction per
 * import, so a failed import leaves the database as it was. docs/database.md. */
#define _GNU_SOURCE
#include "db.h"
#include "registry.h"

#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* PRAGMA user_version of a database this pmlab writes: raise it when the schema changes */
#define DB_SCHEMA_VERSION 1

/* ---- the schema ---------------------------------------------------------------------------- */
typedef struct {
    const char *name, *type, *doc;
} db_col;

typedef struct {
    const char *name, *doc;
    const db_col *cols; /* NULL-terminated by name; rows' are built from common_cols */
    const char *constraint;
} db_table;

/* runs: one row per run folder. A column whose name is a meta.json key takes that key's value
 * (a JSON string as TEXT, a number as INTEGER or REAL, true/false as 1/0, an object or array
 * as its JSON text); the others are set by the importer. */
static const db_col run_cols[] = {
    {"run_id", "TEXT PRIMARY KEY",
     "fnv1a64 of meta.json and results.csv: the same folder gives the same id"},
    {"path", "TEXT NOT NULL", "absolute path of the folder when it was imported"},
    {"folder", "TEXT NOT NULL", "the folder's name (NN-experiment inside a suite)"},
    {"experiment", "TEXT", "meta.json experiment"},
    {"hostname", "TEXT", "meta.json hostname: the machine (NULL when not recorded)"},
    {"cpu_model", "TEXT", "meta.json cpu_model"},
    {"online_cpus", "INTEGER", "meta.json online_cpus"},
    {"physical_cpus", "INTEGER", "meta.json physical_cpus"},
    {"topology", "TEXT", "meta.json topology as JSON text (NULL when not recorded)"},
    {"git_sha", "TEXT", "meta.json git_sha"},
    {"git_dirty", "INTEGER", "meta.json git_dirty (1: uncommitted changes)"},
    {"compiler", "TEXT", "meta.json compiler"},
    {"build_type", "TEXT", "meta.json build_type"},
    {"cflags", "TEXT", "meta.json cflags"},
    {"kernel", "TEXT", "meta.json kernel"},
    {"libc", "TEXT", "meta.json libc"},
    {"library_versions_build", "TEXT", "meta.json: liburcu, ck, jemalloc at build time"},
    {"packages_runtime", "TEXT", "meta.json: the Debian packages at run time"},
    {"binary", "TEXT", "meta.json binary: hash of the pmlab executable"},
    {"signature", "TEXT", "meta.json signature: parameters, duration, warm-up, seed, pinning"},
    {"command_line", "TEXT", "meta.json command_line"},
    {"start_utc", "TEXT", "meta.json start_utc"},
    {"end_utc", "TEXT", "meta.json end_utc"},
    {"settings", "TEXT", "JSON object of the sweep settings of meta.json"},
    {"columns", "TEXT NOT NULL", "JSON array: results.csv's header, in order"},
    {"meta", "TEXT NOT NULL", "the whole meta.json"},
    {NULL, NULL, NULL}};

/* the meta.json keys gathered into runs.settings */
static const char *const settings_keys[] = {
    "shard",      "trials",           "max_trials", "trial_order", "seed",
    "pin",        "threads",          "allocators", "keys",        "configurations",
    "timeout_ms", "alert_thresholds", "resumed",    "interrupted", "merged_from",
    NULL};

static const db_col alert_cols[] = {
    {"run_id", "TEXT NOT NULL REFERENCES runs(run_id)", NULL},
    {"alert", "TEXT NOT NULL", "alerts.json id (A1, A2, ...)"},
    {"name", "TEXT", NULL},
    {"metric", "TEXT", NULL},
    {"unit", "TEXT", NULL},
    {"value", "REAL", "the value that decided it (NULL: no row reported the metric)"},
    {"threshold", "REAL", NULL},
    {"evaluated", "INTEGER", "1 when some row reported the metric"},
    {"fired", "INTEGER", "1 when the alert fired"},
    {"decided_by", "TEXT", NULL},
    {"remedy", "TEXT", NULL},
    {NULL, NULL, NULL}};

static const db_col suite_cols[] = {
    {"suite_id", "TEXT PRIMARY KEY", "fnv1a64 of suite.json, suite.csv and verdicts.csv"},
    {"path", "TEXT NOT NULL", "absolute path of the folder when it was imported"},
    {"suite", "TEXT", "suite.json suite"},
    {"mode", "TEXT", "suite.json mode (quick, default, full)"},
    {"state", "TEXT", "suite.json state (complete, interrupted, ...)"},
    {"command_line", "TEXT", "suite.json command_line"},
    {"start_utc", "TEXT", "suite.json start_utc"},
    {"end_utc", "TEXT", "suite.json end_utc"},
    {"suite_json", "TEXT NOT NULL", "the whole suite.json"},
    {NULL, NULL, NULL}};

static const db_col suite_run_cols[] = {
    {"suite_id", "TEXT NOT NULL REFERENCES suites(suite_id)", NULL},
    {"folder", "TEXT NOT NULL", "suite.csv folder"},
    {"run_id", "TEXT REFERENCES runs(run_id)", "NULL when the run left no results.csv"},
    {"experiment", "TEXT", "suite.csv experiment"},
    {"role", "TEXT", "suite.csv role: what the claims call the run"},
    {"state", "TEXT", "suite.csv state (ran, partial, not-built, ...)"},
    {NULL, NULL, NULL}};

static const db_col verdict_cols[] = {
    {"suite_id", "TEXT NOT NULL REFERENCES suites(suite_id)", NULL},
    {"claim", "TEXT NOT NULL", "verdicts.csv claim: the claim id"},
    {"claim_group", "TEXT", "verdicts.csv group"},
    {"verdict", "TEXT", "holds, does not hold, inconclusive, not testable here, not run"},
    {"figure_stated", "TEXT", "the figure the claim states"},
    {"measured", "TEXT", "what was measured, as the report shows it"},
    {"estimate", "REAL", "the deciding quantity (NULL when none was computed)"},
    {"lo", "REAL", "its interval's lower end"},
    {"hi", "REAL", "its interval's upper end"},
    {"reason", "TEXT", NULL},
    {NULL, NULL, NULL}};

static const db_table tables[] = {
    {"runs", "one row per run folder", run_cols, NULL},
    {"rows",
     "results.csv, one row per line: the common columns as columns (empty cells NULL), an "
     "experiment's own columns in extra",
     NULL, "PRIMARY KEY (run_id, row_no)"},
    {"alerts", "alerts.json of each run: every rule, fired or not", alert_cols,
     "PRIMARY KEY (run_id, alert)"},
    {"suites", "one row per reproduce folder", suite_cols, NULL},
    {"suite_runs", "suite.csv: the runs of a suite", suite_run_cols,
     "PRIMARY KEY (suite_id, folder)"},
    {"verdicts", "verdicts.csv: the claims table of a suite", verdict_cols,
     "PRIMARY KEY (suite_id, claim)"},
};
#define NTABLES (sizeof tables / sizeof tables[0])

/* the views: the common questions as one-liners (docs/database.md has examples) */
static const char *const views[] = {
    "-- one row per (run, configuration, trial); clean = status ok and not contended, the trials\n"
    "-- every statistic of pmlab uses; machine = hostname, else the CPU model\n"
    "CREATE VIEW IF NOT EXISTS trials AS\n"
    "SELECT r.run_id, coalesce(u.hostname, u.cpu_model) AS machine, u.cpu_model, u.git_sha,\n"
    "       r.experiment, r.backend, r.alloc, r.threads, r.keys, r.size, r.update_pct, r.params,\n"
    "       r.config_id, r.trial, r.ops_per_sec, r.p99_ns, r.status, r.contended,\n"
    "       r.oversubscribed, (r.status = 'ok' AND coalesce(r.contended, 0) <> 1) AS clean\n"
    "FROM rows r JOIN runs u USING (run_id);\n",
    "-- per run and configuration: the median ops/s of the clean trials and their count\n"
    "CREATE VIEW IF NOT EXISTS config_medians AS\n"
    "WITH c AS (\n"
    "  SELECT *, row_number() OVER (PARTITION BY run_id, config_id ORDER BY ops_per_sec) AS k,\n"
    "         count(*) OVER (PARTITION BY run_id, config_id) AS n\n"
    "  FROM trials WHERE clean)\n"
    "SELECT run_id, machine, git_sha, experiment, backend, alloc, threads, keys, size,\n"
    "       update_pct, params, config_id, n, avg(ops_per_sec) AS median_ops_per_sec\n"
    "FROM c WHERE k IN ((n + 1) / 2, (n + 2) / 2)\n"
    "GROUP BY run_id, config_id;\n",
};
#define NVIEWS (sizeof views / sizeof views[0])

/* The declared types of the common results.csv columns in rows: the text columns, the counts
 * (INTEGER), and every other common column REAL (a new common column is REAL until named here).
 * SQLite converts by these affinities: "987654" in a REAL column is stored 987654.0, "1.5" in an
 * INTEGER column stays 1.5 (REAL). A name here that is not a common column stops the program
 * (every test of the database fails), so the lists cannot drift from registry.c. */
static const char *const rows_text_cols[] = {"experiment", "backend", "alloc",     "keys", "status",
                                             "pin",        "params",  "config_id", NULL};
static const char *const rows_int_cols[] = {"threads",
                                            "online_cpus",
                                            "oversubscribed",
                                            "trial",
                                            "size",
                                            "ops",
                                            "retired",
                                            "freed",
                                            "pending_peak",
                                            "rss_peak_kb",
                                            "nivcsw",
                                            "contended",
                                            "update_pct",
                                            "seed",
                                            "duration_ms",
                                            "warmup_ms",
                                            "merge_count",
                                            "clones",
                                            "map_bytes",
                                            "pending_bytes_peak",
                                            "hw_cycles",
                                            "hw_instructions",
                                            NULL};

static bool in_list(const char *const *l, const char *name)
{
    for (size_t i = 0; l[i]; i++)
        if (!strcmp(l[i], name))
            return true;
    return false;
}

static const char *rows_col_type(const char *name)
{
    return in_list(rows_text_cols, name)  ? "TEXT"
           : in_list(rows_int_cols, name) ? "INTEGER"
                                          : "REAL";
}

static void check_type_lists(void)
{
    const char *const *lists[] = {rows_text_cols, rows_int_cols};
    for (size_t l = 0; l < 2; l++)
        for (size_t i = 0; lists[l][i]; i++)
            if (!in_list(common_cols, lists[l][i])) {
                fprintf(stderr,
                        "pmlab: db.c types column '%s', which is no common column of "
                        "registry.c\n",
                        lists[l][i]);
                abort();
            }
}

static void col_line(sbuf *b, const char *name, const char *type, const char *doc, bool last)
{
    sb_printf(b, "  %s%s%s%s", name, *type ? " " : "", type, last ? "" : ",");
    if (doc)
        sb_printf(b, " -- %s", doc);
    sb_add(b, "\n");
}

/* The CREATE statements, in order: tables, then views. */
static void schema_sql(sbuf *b)
{
    sb_add(b, "");
    for (size_t t = 0; t < NTABLES; t++) {
        const db_table *tb = &tables[t];
        sb_printf(b, "-- %s\nCREATE TABLE IF NOT EXISTS %s (\n", tb->doc, tb->name);
        bool con = tb->constraint != NULL;
        if (tb->cols) {
            for (const db_col *c = tb->cols; c->name; c++) {
                sbuf d = {0};
                sb_add(&d, c->doc ? c->doc : "");
                for (size_t k = 0; !strcmp(c->name, "settings") && settings_keys[k]; k++)
                    sb_printf(&d, "%s%s", k ? ", " : ": ", settings_keys[k]);
                col_line(b, c->name, c->type, c->doc ? d.s : NULL, !con && !c[1].name);
                sb_free(&d);
            }
        } else { /* rows */
            col_line(b, "run_id", "TEXT NOT NULL REFERENCES runs(run_id)", NULL, false);
            col_line(b, "row_no", "INTEGER NOT NULL", "0-based line of results.csv", false);
            check_type_lists();
            for (size_t i = 0; common_cols[i]; i++)
                col_line(b, common_cols[i], rows_col_type(common_cols[i]), NULL, false);
            col_line(b, "extra", "TEXT",
                     "JSON object: the experiment's own columns (empty cells left out)", !con);
        }
        if (con)
            sb_printf(b, "  %s\n", tb->constraint);
        sb_add(b, ");\n\n");
    }
    for (size_t v = 0; v < NVIEWS; v++)
        sb_printf(b, "%s%s", views[v], v + 1 < NVIEWS ? "\n" : "");
}

/* ---- helpers --------------------------------------------------------------------------------- */
static bool has_file(const char *dir, const char *name)
{
    char *p = xasprintf("%s/%s", dir, name);
    struct stat st;
    bool r = stat(p, &st) == 0 && S_ISREG(st.st_mode);
    free(p);
    return r;
}

static char *read_in(const char *dir, const char *name, size_t *len)
{
    char *p = xasprintf("%s/%s", dir, name);
    char *t = slurp(p, len);
    free(p);
    return t;
}

static char *hex_id(uint64_t h)
{
    return xasprintf("%016llx", (unsigned long long)h);
}

/* value kinds of a CSV column: the narrowest that holds every non-empty cell */
enum { K_NULL, K_INT, K_REAL, K_TEXT };

static int cell_kind(const char *s)
{
    long long i;
    double d;
    if (!*s)
        return K_NULL;
    if (parse_i64(s, &i) || (s[0] == '-' && parse_i64(s + 1, &i)))
        return K_INT;
    if (parse_double(s, &d) || (s[0] == '-' && parse_double(s + 1, &d)))
        return K_REAL;
    return K_TEXT;
}

static double cell_real(const char *s)
{
    return strtod(s, NULL);
}

/* binds s as kind k (K_NULL: the cell's own kind never narrower than the column) */
static void bind_cell(sqlite3_stmt *st, int idx, const char *s, int k)
{
    if (!*s)
        sqlite3_bind_null(st, idx);
    else if (k == K_INT)
        sqlite3_bind_int64(st, idx, strtoll(s, NULL, 10));
    else if (k == K_REAL)
        sqlite3_bind_double(st, idx, cell_real(s));
    else
        sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT);
}

/* binds a JSON value: string TEXT, integer INTEGER, real REAL, bool 0/1, null or absent NULL,
 * object/array its JSON text */
static void bind_json(sqlite3_stmt *st, int idx, const json_t *v)
{
    if (!v || json_is_null(v))
        sqlite3_bind_null(st, idx);
    else if (json_is_string(v))
        sqlite3_bind_text(st, idx, json_string_value(v), -1, SQLITE_TRANSIENT);
    else if (json_is_integer(v))
        sqlite3_bind_int64(st, idx, (sqlite3_int64)json_integer_value(v));
    else if (json_is_real(v))
        sqlite3_bind_double(st, idx, json_real_value(v));
    else if (json_is_boolean(v))
        sqlite3_bind_int(st, idx, json_is_true(v));
    else {
        char *t = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
        sqlite3_bind_text(st, idx, t ? t : "", -1, SQLITE_TRANSIENT);
        free(t);
    }
}

typedef struct {
    sqlite3 *db;
    char err[600];
    size_t runs_new, runs_kept, rows, suites_new, suites_kept;
} importer;

static int sql_fail(importer *im, const char *what)
{
    snprintf(im->err, sizeof im->err, "%s: %s", what, sqlite3_errmsg(im->db));
    return -1;
}

static int exec(importer *im, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(im->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(im->err, sizeof im->err, "%s", msg ? msg : sqlite3_errmsg(im->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static sqlite3_stmt *prep(importer *im, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(im->db, sql, -1, &st, NULL) != SQLITE_OK) {
        sql_fail(im, "prepare");
        return NULL;
    }
    return st;
}

/* "INSERT OR IGNORE INTO t (c1, ...) VALUES (?, ...)" over cols */
static char *insert_sql(const char *table, const db_col *cols)
{
    sbuf b = {0};
    size_t n = 0;
    sb_printf(&b, "INSERT OR IGNORE INTO %s (", table);
    for (const db_col *c = cols; c->name; c++, n++)
        sb_printf(&b, "%s%s", n ? ", " : "", c->name);
    sb_add(&b, ") VALUES (");
    for (size_t i = 0; i < n; i++)
        sb_add(&b, i ? ", ?" : "?");
    sb_add(&b, ")");
    return b.s;
}

static int step_done(importer *im, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
        sql_fail(im, what);
        return -1;
    }
    return 0;
}

/* ---- one run folder ------------------------------------------------------------------------ */
static int import_alerts(importer *im, const char *dir, const char *run_id)
{
    if (!has_file(dir, "alerts.json"))
        return 0;
    char *p = xasprintf("%s/alerts.json", dir);
    json_error_t je;
    json_t *a = json_load_file(p, 0, &je);
    free(p);
    if (!json_is_array(a)) {
        snprintf(im->err, sizeof im->err, "'%s/alerts.json' is not a JSON array (line %d: %s)", dir,
                 je.line, je.text);
        json_decref(a);
        return -1;
    }
    char *sql = insert_sql("alerts", alert_cols);
    sqlite3_stmt *st = prep(im, sql);
    free(sql);
    int rc = st ? 0 : -1;
    static const char *const keys[] = {"id",        "name",      "metric", "unit",       "value",
                                       "threshold", "evaluated", "fired",  "decided_by", "remedy"};
    for (size_t i = 0; !rc && i < json_array_size(a); i++) {
        json_t *o = json_array_get(a, i);
        if (!json_is_string(json_object_get(o, "id"))) {
            snprintf(im->err, sizeof im->err, "'%s/alerts.json': entry %zu has no id", dir, i);
            rc = -1;
            break;
        }
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, run_id, -1, SQLITE_TRANSIENT);
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            bind_json(st, (int)k + 2, json_object_get(o, keys[k]));
        rc = step_done(im, st, "insert alert");
    }
    sqlite3_finalize(st);
    json_decref(a);
    return rc;
}

/* Imports DIR (results.csv, meta.json); *id_out (may be NULL) gets the run id. */
static int import_run(importer *im, const char *dir, char **id_out)
{
    size_t mlen = 0, clen = 0;
    char *meta = read_in(dir, "meta.json", &mlen), *csv = read_in(dir, "results.csv", &clen);
    char *mp = xasprintf("%s/meta.json", dir), *cp = xasprintf("%s/results.csv", dir);
    json_error_t je;
    json_t *mj = NULL;
    csv_table t;
    bool have_t = false;
    int rc = 0;
    char *id = NULL, *abs = NULL;
    sqlite3_stmt *st = NULL;
    if (!meta || !csv) {
        snprintf(im->err, sizeof im->err, "'%s' is not a run folder: no %s", dir,
                 !meta ? "meta.json" : "results.csv");
        rc = -1;
    }
    if (!rc)
        mj = json_loads(meta, 0, &je);
    if (!rc && !json_is_object(mj)) {
        snprintf(im->err, sizeof im->err, "'%s' is not a JSON object (line %d: %s)", mp, je.line,
                 je.text);
        rc = -1;
    }
    if (!rc && csv_read(cp, &t) != 0) {
        snprintf(im->err, sizeof im->err, "'%s' has no header line", cp);
        rc = -1;
    } else if (!rc)
        have_t = true;
    for (size_t r = 0; !rc && r < t.nrows; r++)
        if (t.rows[r].n != t.cols.n) {
            snprintf(im->err, sizeof im->err, "'%s' line %zu has %zu fields, the header %zu", cp,
                     r + 2, t.rows[r].n, t.cols.n);
            rc = -1;
        }
    if (!rc && (csv_col(&t, "experiment") < 0 || csv_col(&t, "config_id") < 0)) {
        snprintf(im->err, sizeof im->err,
                 "'%s' is not a pmlab results.csv (no experiment or "
                 "config_id column)",
                 cp);
        rc = -1;
    }
    if (!rc) {
        uint64_t h = fnv1a(meta, mlen, FNV_INIT);
        h = fnv1a("\n", 1, h);
        h = fnv1a(csv, clen, h);
        id = hex_id(h);
        abs = realpath(dir, NULL);
    }
    /* runs */
    if (!rc) {
        char *sql = insert_sql("runs", run_cols);
        st = prep(im, sql);
        free(sql);
        rc = st ? 0 : -1;
    }
    if (!rc) {
        json_t *settings = json_object(), *cols = json_array();
        for (size_t i = 0; settings_keys[i]; i++) {
            json_t *v = json_object_get(mj, settings_keys[i]);
            if (v)
                json_object_set(settings, settings_keys[i], v);
        }
        for (size_t c = 0; c < t.cols.n; c++)
            json_array_append_new(cols, json_string(t.cols.v[c]));
        char *base = xstrdup(abs ? abs : dir), *b = basename(base);
        int i = 1;
        for (const db_col *c = run_cols; c->name; c++, i++) {
            if (!strcmp(c->name, "run_id"))
                sqlite3_bind_text(st, i, id, -1, SQLITE_TRANSIENT);
            else if (!strcmp(c->name, "path"))
                sqlite3_bind_text(st, i, abs ? abs : dir, -1, SQLITE_TRANSIENT);
            else if (!strcmp(c->name, "folder"))
                sqlite3_bind_text(st, i, b, -1, SQLITE_TRANSIENT);
            else if (!strcmp(c->name, "settings"))
                bind_json(st, i, settings);
            else if (!strcmp(c->name, "columns"))
                bind_json(st, i, cols);
            else if (!strcmp(c->name, "meta"))
                sqlite3_bind_text(st, i, meta, -1, SQLITE_TRANSIENT);
            else
                bind_json(st, i, json_object_get(mj, c->name));
        }
        free(base);
        json_decref(settings);
        json_decref(cols);
        rc = step_done(im, st, "insert run");
    }
    sqlite3_finalize(st);
    st = NULL;
    bool fresh = !rc && sqlite3_changes(im->db) > 0;
    if (!rc && !fresh)
        im->runs_kept++;
    /* rows: the common columns by name, the rest into extra */
    if (fresh) {
        im->runs_new++;
        size_t nc = common_ncols();
        int *kind = xcalloc(t.cols.n + 1, sizeof *kind);
        int *slot = xcalloc(t.cols.n + 1, sizeof *slot); /* parameter index, 0: extra */
        for (size_t c = 0; c < t.cols.n; c++) {
            for (size_t r = 0; r < t.nrows; r++) {
                int k = cell_kind(t.rows[r].v[c]);
                if (k > kind[c])
                    kind[c] = k;
            }
            for (size_t j = 0; j < nc; j++)
                if (!strcmp(common_cols[j], t.cols.v[c]))
                    slot[c] = (int)j + 3;
        }
        sbuf q = {0};
        sb_add(&q, "INSERT INTO rows (run_id, row_no");
        for (size_t j = 0; j < nc; j++)
            sb_printf(&q, ", %s", common_cols[j]);
        sb_add(&q, ", extra) VALUES (?, ?");
        for (size_t j = 0; j <= nc; j++)
            sb_add(&q, ", ?");
        sb_add(&q, ")");
        st = prep(im, q.s);
        sb_free(&q);
        rc = st ? 0 : -1;
        for (size_t r = 0; !rc && r < t.nrows; r++) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(st, 2, (sqlite3_int64)r);
            json_t *extra = json_object();
            for (size_t c = 0; c < t.cols.n; c++) {
                const char *v = t.rows[r].v[c];
                if (slot[c]) /* the column's affinity types it */
                    bind_cell(st, slot[c], v, K_TEXT);
                else if (*v)
                    json_object_set_new(extra, t.cols.v[c],
                                        kind[c] == K_INT    ? json_integer(strtoll(v, NULL, 10))
                                        : kind[c] == K_REAL ? json_real(cell_real(v))
                                                            : json_string(v));
            }
            bind_json(st, (int)nc + 3, extra);
            json_decref(extra);
            rc = step_done(im, st, "insert row");
            im->rows += !rc;
        }
        free(kind);
        free(slot);
        sqlite3_finalize(st);
        if (!rc)
            rc = import_alerts(im, dir, id);
    }
    if (!rc && id_out)
        *id_out = xstrdup(id);
    if (have_t)
        csv_free(&t);
    json_decref(mj);
    free(meta);
    free(csv);
    free(mp);
    free(cp);
    free(id);
    free(abs);
    return rc;
}

/* ---- one suite folder ---------------------------------------------------------------------- */
static int import_suite(importer *im, const char *dir)
{
    size_t l1 = 0, l2 = 0, l3 = 0;
    char *sj = read_in(dir, "suite.json", &l1), *sc = read_in(dir, "suite.csv", &l2);
    char *vc = read_in(dir, "verdicts.csv", &l3);
    char *cp = xasprintf("%s/suite.csv", dir), *vp = xasprintf("%s/verdicts.csv", dir);
    json_error_t je;
    json_t *j = NULL;
    csv_table runs, ver;
    bool have_runs = false, have_ver = false;
    int rc = 0;
    char *id = NULL, *abs = realpath(dir, NULL);
    sqlite3_stmt *st = NULL;
    if (!sj || !sc) {
        snprintf(im->err, sizeof im->err, "'%s' is not a suite folder: no %s", dir,
                 !sj ? "suite.json" : "suite.csv");
        rc = -1;
    }
    if (!rc)
        j = json_loads(sj, 0, &je);
    if (!rc && !json_is_object(j)) {
        snprintf(im->err, sizeof im->err, "'%s/suite.json' is not a JSON object (line %d: %s)", dir,
                 je.line, je.text);
        rc = -1;
    }
    if (!rc && (csv_read(cp, &runs) != 0 || csv_col(&runs, "folder") < 0)) {
        snprintf(im->err, sizeof im->err, "'%s' has no folder column", cp);
        rc = -1;
    } else if (!rc)
        have_runs = true;
    if (!rc && vc) {
        if (csv_read(vp, &ver) != 0 || csv_col(&ver, "claim") < 0) {
            snprintf(im->err, sizeof im->err, "'%s' has no claim column", vp);
            rc = -1;
        } else
            have_ver = true;
    }
    if (!rc) {
        uint64_t h = fnv1a(sj, l1, FNV_INIT);
        h = fnv1a(sc, l2, fnv1a("\n", 1, h));
        if (vc)
            h = fnv1a(vc, l3, fnv1a("\n", 1, h));
        id = hex_id(h);
        char *sql = insert_sql("suites", suite_cols);
        st = prep(im, sql);
        free(sql);
        rc = st ? 0 : -1;
    }
    if (!rc) {
        int i = 1;
        for (const db_col *c = suite_cols; c->name; c++, i++) {
            if (!strcmp(c->name, "suite_id"))
                sqlite3_bind_text(st, i, id, -1, SQLITE_TRANSIENT);
            else if (!strcmp(c->name, "path"))
                sqlite3_bind_text(st, i, abs ? abs : dir, -1, SQLITE_TRANSIENT);
            else if (!strcmp(c->name, "suite_json"))
                sqlite3_bind_text(st, i, sj, -1, SQLITE_TRANSIENT);
            else
                bind_json(st, i, json_object_get(j, c->name));
        }
        rc = step_done(im, st, "insert suite");
    }
    sqlite3_finalize(st);
    st = NULL;
    bool fresh = !rc && sqlite3_changes(im->db) > 0;
    if (!rc && !fresh)
        im->suites_kept++;
    if (fresh) {
        im->suites_new++;
        char *sql = insert_sql("suite_runs", suite_run_cols);
        st = prep(im, sql);
        free(sql);
        rc = st ? 0 : -1;
        for (size_t r = 0; !rc && r < runs.nrows; r++) {
            const char *folder = csv_get(&runs, r, "folder");
            char *rd = xasprintf("%s/%s", dir, folder);
            char *run_id = NULL;
            if (has_file(rd, "results.csv"))
                rc = import_run(im, rd, &run_id);
            free(rd);
            if (rc)
                break;
            sqlite3_reset(st);
            sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 2, folder, -1, SQLITE_TRANSIENT);
            if (run_id)
                sqlite3_bind_text(st, 3, run_id, -1, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(st, 3);
            free(run_id);
            sqlite3_bind_text(st, 4, csv_get(&runs, r, "experiment"), -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 5, csv_get(&runs, r, "role"), -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 6, csv_get(&runs, r, "state"), -1, SQLITE_TRANSIENT);
            rc = step_done(im, st, "insert suite run");
        }
        sqlite3_finalize(st);
        st = NULL;
    }
    if (fresh && !rc && have_ver) {
        char *sql = insert_sql("verdicts", verdict_cols);
        st = prep(im, sql);
        free(sql);
        rc = st ? 0 : -1;
        static const char *const vcols[] = {"claim",    "group",    "verdict", "figure_stated",
                                            "measured", "estimate", "lo",      "hi",
                                            "reason"};
        for (size_t r = 0; !rc && r < ver.nrows; r++) {
            sqlite3_reset(st);
            sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
            for (size_t k = 0; k < sizeof vcols / sizeof vcols[0]; k++) {
                const char *v = csv_get(&ver, r, vcols[k]);
                bind_cell(st, (int)k + 2, v, k >= 5 && k <= 7 ? K_REAL : K_TEXT);
            }
            rc = step_done(im, st, "insert verdict");
        }
        sqlite3_finalize(st);
    }
    if (have_runs)
        csv_free(&runs);
    if (have_ver)
        csv_free(&ver);
    json_decref(j);
    free(sj);
    free(sc);
    free(vc);
    free(cp);
    free(vp);
    free(id);
    free(abs);
    return rc;
}

/* ---- opening ----------------------------------------------------------------------------------
 */
int db_take_option(int argc, char **argv, int from, const char **db, char **rest, int *n)
{
    *db = NULL;
    *n = 0;
    for (int i = from; i < argc; i++) {
        if (!strcmp(argv[i], "--db")) {
            if (i + 1 >= argc)
                return usage_error("--db: missing DB");
            *db = argv[++i];
        } else if (!strncmp(argv[i], "--db=", 5))
            *db = argv[i] + 5;
        else
            rest[(*n)++] = argv[i];
    }
    return 0;
}

int db_check_path(const char *opt, const char *db)
{
    struct stat st;
    if (!*db)
        return usage_error("bad %s value '': expected a database file", opt);
    if (stat(db, &st) == 0) {
        if (!S_ISREG(st.st_mode))
            return usage_error("bad %s value '%s': not a regular file", opt, db);
        sqlite3 *h = NULL;
        int rc = sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(h, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
        sqlite3_close(h);
        if (rc != SQLITE_OK)
            return usage_error("bad %s value '%s': not an SQLite database", opt, db);
        if (access(db, W_OK) != 0)
            return usage_error("bad %s value '%s': not writable: %s", opt, db, strerror(errno));
        return 0;
    }
    char *copy = xstrdup(db), *parent = dirname(copy);
    int rc = 0;
    if (stat(parent, &st) != 0 || !S_ISDIR(st.st_mode))
        rc = usage_error("bad %s value '%s': directory '%s' does not exist", opt, db, parent);
    else if (access(parent, W_OK | X_OK) != 0)
        rc = usage_error("bad %s value '%s': directory '%s' is not writable", opt, db, parent);
    free(copy);
    return rc;
}

static int open_db(importer *im, const char *path, bool create)
{
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path, &im->db, flags, NULL) != SQLITE_OK) {
        snprintf(im->err, sizeof im->err, "cannot open '%s': %s", path,
                 im->db ? sqlite3_errmsg(im->db) : "out of memory");
        return -1;
    }
    sqlite3_busy_timeout(im->db, 30000); /* shards of one campaign may import at once */
    sqlite3_extended_result_codes(im->db, 1);
    return 0;
}

int db_import(const char *db, const char *const *dirs, size_t ndirs, bool quiet)
{
    importer im;
    memset(&im, 0, sizeof im);
    struct stat st;
    bool existed = stat(db, &st) == 0;
    int rc = open_db(&im, db, true);
    if (!rc)
        rc = exec(&im, "BEGIN IMMEDIATE");
    if (!rc) {
        /* a database made by a pmlab with another schema is refused, not mixed */
        sqlite3_stmt *v = prep(&im, "PRAGMA user_version");
        int have = v && sqlite3_step(v) == SQLITE_ROW ? sqlite3_column_int(v, 0) : -1;
        sqlite3_finalize(v);
        sqlite3_stmt *n = prep(&im, "SELECT count(*) FROM sqlite_master");
        int objects = n && sqlite3_step(n) == SQLITE_ROW ? sqlite3_column_int(n, 0) : -1;
        sqlite3_finalize(n);
        if (have < 0 || objects < 0)
            rc = -1;
        else if (objects > 0 && have != DB_SCHEMA_VERSION) {
            snprintf(im.err, sizeof im.err,
                     "'%s' has schema version %d, this pmlab writes version %d (pmlab db schema)",
                     db, have, DB_SCHEMA_VERSION);
            rc = -1;
        }
    }
    if (!rc) {
        sbuf s = {0};
        schema_sql(&s);
        sb_printf(&s, "\nPRAGMA user_version = %d;\n", DB_SCHEMA_VERSION);
        rc = exec(&im, s.s);
        sb_free(&s);
        for (size_t i = 0; !rc && i < ndirs; i++)
            rc = has_file(dirs[i], "suite.json") ? import_suite(&im, dirs[i])
                                                 : import_run(&im, dirs[i], NULL);
        if (!rc)
            rc = exec(&im, "COMMIT");
        if (rc)
            sqlite3_exec(im.db, "ROLLBACK", NULL, NULL, NULL);
    }
    sqlite3_close(im.db);
    if (rc) {
        if (!existed)
            unlink(db);
        fprintf(stderr, "pmlab: db import: %s; %s unchanged\n", im.err, db);
        return 1;
    }
    if (!quiet)
        fprintf(stderr,
                "pmlab: db import: %s: %zu run%s added (%zu rows), %zu already there; %zu suite%s "
                "added, %zu already there\n",
                db, im.runs_new, im.runs_new == 1 ? "" : "s", im.rows, im.runs_kept, im.suites_new,
                im.suites_new == 1 ? "" : "s", im.suites_kept);
    return 0;
}

/* ---- median(): an aggregate for `pmlab db query` ------------------------------------------- */
typedef struct {
    double *v;
    size_t n, cap;
} med_ctx;

static void median_step(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    (void)argc;
    med_ctx *m = sqlite3_aggregate_context(cx, sizeof *m);
    int t = sqlite3_value_numeric_type(argv[0]);
    if (!m || (t != SQLITE_INTEGER && t != SQLITE_FLOAT))
        return;
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 16;
        m->v = xrealloc(m->v, m->cap * sizeof *m->v);
    }
    m->v[m->n++] = sqlite3_value_double(argv[0]);
}

static int dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void median_final(sqlite3_context *cx)
{
    med_ctx *m = sqlite3_aggregate_context(cx, 0);
    if (!m || !m->n) {
        sqlite3_result_null(cx);
        return;
    }
    qsort(m->v, m->n, sizeof *m->v, dcmp);
    /* the same rule as the view config_medians: the mean of the middle two when n is even */
    double r = m->n % 2 ? m->v[m->n / 2] : (m->v[m->n / 2 - 1] + m->v[m->n / 2]) / 2;
    free(m->v);
    sqlite3_result_double(cx, r);
}

/* ---- query ------------------------------------------------------------------------------------
 */
static void print_table(sqlite3_stmt *st, bool csv, int *rc_out)
{
    int nc = sqlite3_column_count(st);
    strvec cells = {0};
    bool *num = xcalloc((size_t)nc + 1, sizeof *num);
    size_t *w = xcalloc((size_t)nc + 1, sizeof *w);
    for (int c = 0; c < nc; c++) {
        sv_push(&cells, sqlite3_column_name(st, c));
        num[c] = true;
    }
    size_t nrows = 0;
    int rc;
    bool any = false;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int c = 0; c < nc; c++) {
            int t = sqlite3_column_type(st, c);
            const unsigned char *v = sqlite3_column_text(st, c);
            sv_push(&cells, v ? (const char *)v : "");
            if (t == SQLITE_TEXT || t == SQLITE_BLOB)
                num[c] = false;
        }
        nrows++;
        any = true;
    }
    if (rc != SQLITE_DONE) {
        *rc_out = usage_error("db query: %s", sqlite3_errmsg(sqlite3_db_handle(st)));
        sv_free(&cells);
        free(num);
        free(w);
        return;
    }
    (void)any;
    for (size_t i = 0; i < cells.n; i++) {
        size_t l = strlen(cells.v[i]);
        if (l > w[i % (size_t)nc])
            w[i % (size_t)nc] = l;
    }
    for (size_t r = 0; r <= nrows; r++) {
        for (int c = 0; c < nc; c++) {
            const char *v = cells.v[r * (size_t)nc + (size_t)c];
            if (csv) {
                if (c)
                    fputc(',', stdout);
                csv_field(stdout, v);
            } else if (num[c] && r > 0)
                printf("%s%*s", c ? "  " : "", (int)w[c], v);
            else if (c + 1 < nc)
                printf("%s%-*s", c ? "  " : "", (int)w[c], v);
            else
                printf("%s%s", c ? "  " : "", v);
        }
        fputc('\n', stdout);
        if (r == 0 && !csv) {
            for (int c = 0; c < nc; c++) {
                printf("%s", c ? "  " : "");
                for (size_t k = 0; k < w[c]; k++)
                    fputc('-', stdout);
            }
            fputc('\n', stdout);
        }
    }
    sv_free(&cells);
    free(num);
    free(w);
}

static int db_query(const char *db, const char *sql, bool csv)
{
    struct stat sst;
    if (stat(db, &sst) != 0)
        return usage_error("db query: no database '%s'", db);
    importer im;
    memset(&im, 0, sizeof im);
    if (open_db(&im, db, false)) {
        sqlite3_close(im.db);
        return usage_error("db query: %s", im.err);
    }
    sqlite3_create_function(im.db, "median", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, NULL,
                            median_step, median_final);
    int rc = 0;
    const char *tail = sql;
    while (!rc && tail && *tail) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(im.db, tail, -1, &st, &tail) != SQLITE_OK) {
            rc = usage_error("db query: %s", sqlite3_errmsg(im.db));
            break;
        }
        if (!st) /* whitespace or a comment */
            break;
        if (sqlite3_column_count(st))
            print_table(st, csv, &rc);
        else if (sqlite3_step(st) != SQLITE_DONE)
            rc = usage_error("db query: %s", sqlite3_errmsg(im.db));
        sqlite3_finalize(st);
    }
    sqlite3_close(im.db);
    return rc;
}

/* ---- materialize ------------------------------------------------------------------------------
 */
static void put_value(FILE *f, sqlite3_stmt *st, int c)
{
    switch (sqlite3_column_type(st, c)) {
    case SQLITE_NULL:
        break;
    case SQLITE_INTEGER:
        fprintf(f, "%lld", (long long)sqlite3_column_int64(st, c));
        break;
    case SQLITE_FLOAT: {
        double d = sqlite3_column_double(st, c);
        char b[40];
        snprintf(b, sizeof b, "%.15g", d);
        if (strtod(b, NULL) != d)
            snprintf(b, sizeof b, "%.17g", d);
        fputs(b, f);
        break;
    }
    default:
        csv_field(f, (const char *)sqlite3_column_text(st, c));
    }
}

static void put_json(FILE *f, const json_t *v)
{
    if (json_is_integer(v))
        fprintf(f, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v)) {
        char b[40];
        double d = json_real_value(v);
        snprintf(b, sizeof b, "%.15g", d);
        if (strtod(b, NULL) != d)
            snprintf(b, sizeof b, "%.17g", d);
        fputs(b, f);
    } else if (json_is_string(v))
        csv_field(f, json_string_value(v));
}

int db_materialize(const char *db, const char *ref, const char *parent, char **out)
{
    importer im;
    memset(&im, 0, sizeof im);
    struct stat sst;
    if (stat(db, &sst) != 0)
        return usage_error("compare --db: no database '%s'", db);
    if (open_db(&im, db, false)) {
        sqlite3_close(im.db);
        return usage_error("compare --db: %s", im.err);
    }
    char *abs = realpath(ref, NULL);
    strvec ids = {0};
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(im.db,
                           "SELECT run_id FROM runs WHERE run_id = ?1 OR substr(run_id, 1, "
                           "length(?1)) = ?1 OR path = ?1 OR path = ?2 ORDER BY run_id",
                           -1, &st, NULL) != SQLITE_OK)
        rc = usage_error("compare --db: '%s': %s", db, sqlite3_errmsg(im.db));
    if (!rc) {
        sqlite3_bind_text(st, 1, ref, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, abs ? abs : ref, -1, SQLITE_TRANSIENT);
        while (sqlite3_step(st) == SQLITE_ROW)
            if (!sv_has(&ids, (const char *)sqlite3_column_text(st, 0)))
                sv_push(&ids, (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        st = NULL;
        if (!ids.n || !*ref)
            rc = usage_error("compare --db: no run '%s' in %s (a run id, a unique prefix of one, "
                             "or a path as imported)",
                             ref, db);
        else if (ids.n > 1)
            rc = usage_error("compare --db: '%s' names %zu runs in %s (%s, %s%s): give more of "
                             "the id",
                             ref, ids.n, db, ids.v[0], ids.v[1], ids.n > 2 ? ", ..." : "");
    }
    char *dir = NULL;
    json_t *cols = NULL;
    if (!rc) {
        dir = xasprintf("%s/%s", parent, ids.v[0]);
        mkdir_p(dir);
        sqlite3_prepare_v2(im.db, "SELECT meta, columns FROM runs WHERE run_id = ?", -1, &st, NULL);
        sqlite3_bind_text(st, 1, ids.v[0], -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW) {
            char *mp = xasprintf("%s/meta.json", dir);
            FILE *f = fopen(mp, "w");
            if (f) {
                fputs((const char *)sqlite3_column_text(st, 0), f);
                fclose(f);
            }
            free(mp);
            json_error_t je;
            cols = json_loads((const char *)sqlite3_column_text(st, 1), 0, &je);
        }
        sqlite3_finalize(st);
        st = NULL;
    }
    if (!rc) {
        char *cp = xasprintf("%s/results.csv", dir);
        FILE *f = fopen(cp, "w");
        free(cp);
        if (!f || !json_is_array(cols))
            rc = usage_error("compare --db: cannot write run %s to '%s'", ids.v[0], dir);
        sqlite3_prepare_v2(im.db, "SELECT * FROM rows WHERE run_id = ? ORDER BY row_no", -1, &st,
                           NULL);
        sqlite3_bind_text(st, 1, ids.v[0], -1, SQLITE_TRANSIENT);
        size_t ncol = json_array_size(cols);
        int *at = xcalloc(ncol + 1, sizeof *at); /* result column of each header column, -1 */
        int nres = sqlite3_column_count(st), extra_at = -1;
        for (size_t c = 0; c < ncol; c++) {
            at[c] = -1;
            for (int k = 0; k < nres; k++)
                if (!strcmp(sqlite3_column_name(st, k), json_string_value(json_array_get(cols, c))))
                    at[c] = k;
        }
        for (int k = 0; k < nres; k++)
            if (!strcmp(sqlite3_column_name(st, k), "extra"))
                extra_at = k;
        for (size_t c = 0; f && c < ncol; c++) {
            if (c)
                fputc(',', f);
            csv_field(f, json_string_value(json_array_get(cols, c)));
        }
        if (f)
            fputc('\n', f);
        while (f && sqlite3_step(st) == SQLITE_ROW) {
            json_error_t je;
            const unsigned char *et = extra_at >= 0 ? sqlite3_column_text(st, extra_at) : NULL;
            json_t *ex = et ? json_loads((const char *)et, 0, &je) : NULL;
            for (size_t c = 0; c < ncol; c++) {
                if (c)
                    fputc(',', f);
                if (at[c] >= 0 && at[c] != extra_at)
                    put_value(f, st, at[c]);
                else
                    put_json(f, json_object_get(ex, json_string_value(json_array_get(cols, c))));
            }
            fputc('\n', f);
            json_decref(ex);
        }
        sqlite3_finalize(st);
        free(at);
        if (f)
            fclose(f);
    }
    json_decref(cols);
    sqlite3_close(im.db);
    sv_free(&ids);
    free(abs);
    if (rc)
        free(dir);
    else
        *out = dir;
    return rc;
}

/* ---- pmlab db ----------------------------------------------------------------------------------
 */
static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int cmd_db(int argc, char **argv)
{
    const char *sub = argc ? argv[0] : "";
    if (!strcmp(sub, "schema")) {
        if (argc > 1)
            return usage_error("db schema: unexpected argument '%s'", argv[1]);
        sbuf s = {0};
        schema_sql(&s);
        fputs(s.s, stdout);
        sb_free(&s);
        return 0;
    }
    if (!strcmp(sub, "import")) {
        if (argc < 3)
            return usage_error("db import: usage: pmlab db import DB DIR...");
        int rc = db_check_path("db import DB", argv[1]);
        for (int i = 2; !rc && i < argc; i++) {
            if (!is_dir(argv[i]))
                rc = usage_error("db import: '%s' is not a folder", argv[i]);
            else if (!has_file(argv[i], "suite.json") &&
                     !(has_file(argv[i], "results.csv") && has_file(argv[i], "meta.json")))
                rc = usage_error("db import: '%s' is neither a run folder (results.csv, "
                                 "meta.json) nor a reproduce folder (suite.json)",
                                 argv[i]);
        }
        if (rc)
            return rc;
        return db_import(argv[1], (const char *const *)argv + 2, (size_t)argc - 2, false);
    }
    if (!strcmp(sub, "query")) {
        const char *db = NULL, *sql = NULL;
        bool csv = false;
        for (int i = 1; i < argc; i++) {
            if (!strcmp(argv[i], "--csv"))
                csv = true;
            else if (argv[i][0] == '-' && argv[i][1] == '-')
                return usage_error("db query: unknown option '%s' (pmlab db --help)", argv[i]);
            else if (!db)
                db = argv[i];
            else if (!sql)
                sql = argv[i];
            else
                return usage_error("db query: unexpected argument '%s'", argv[i]);
        }
        if (!db || !sql)
            return usage_error("db query: usage: pmlab db query DB \"SQL\" [--csv]");
        return db_query(db, sql, csv);
    }
    if (!*sub)
        return usage_error("db: missing import, query or schema (pmlab db --help)");
    return usage_error("db: unknown subcommand '%s': expected import, query or schema", sub);
}
