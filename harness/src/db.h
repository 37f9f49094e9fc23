/* The campaign database (db.c): run and suite folders imported into SQLite, queried with SQL,
 * and runs materialized back into folders for `pmlab compare --db`. docs/database.md. */
#ifndef PMLAB_DB_H
#define PMLAB_DB_H
#include "pmlab_int.h"

/* `pmlab db import|query|schema ...` */
int cmd_db(int argc, char **argv);

/* Checks a --db DB value before any work: DB is an SQLite database, or does not exist in an
 * existing writable directory. 0, or usage_error's status (one line on stderr). opt names the
 * option in the message ("--db"). */
int db_check_path(const char *opt, const char *db);

/* Takes `--db DB` / `--db=DB` out of argv[from..argc): every other argument goes to rest (in
 * order; *n of them), the value to *db (NULL when absent). 0, or usage_error's status when --db
 * has no value. The path itself is checked by db_check_path. */
int db_take_option(int argc, char **argv, int from, const char **db, char **rest, int *n);

/* Imports run and suite folders into DB in one transaction; on failure prints one line, leaves
 * DB as it was and returns 1. Prints one summary line to stderr unless quiet. */
int db_import(const char *db, const char *const *dirs, size_t ndirs, bool quiet);

/* Writes run REF of DB (a run id, a unique prefix of one, or a path as recorded) as a folder
 * (results.csv, meta.json) under parent; *out gets the folder (malloc'ed). 0, or
 * usage_error's status when REF names no run or several. */
int db_materialize(const char *db, const char *ref, const char *parent, char **out);

#endif
