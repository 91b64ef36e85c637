/* store_migrate.h: the embedded schema migrations and their runner (app/store/migrate.c).
 * Errors, ownership, ids and times: berth/store_conn.h.
 */
#ifndef BERTH_STORE_MIGRATE_H
#define BERTH_STORE_MIGRATE_H

#include <stddef.h>

#include "berth/err.h"
#include "berth/store_conn.h"

/* One migration: a numbered SQL file of db/ (embedded into the program at build time). */
struct store_migration {
	int version;	  /* from the file name: 0001_init.sql -> 1 */
	const char *name; /* "0001_init.sql" */
	const char *sql;
};

/* The embedded migrations, ordered by version (static data: nothing to free). */
const struct store_migration *store_migrations(size_t *count);

/* Parses "NNNN_word.sql" into its version (> 0). -1 for any other name. */
int store_migration_version(const char *file_name);

/* Applies every embedded migration not yet recorded in schema_migrations, in order, each in its
 * own transaction, under a transaction-level advisory lock so two concurrent runs apply each
 * migration once. *applied (may be NULL) = how many were applied by this call. */
int store_migrate(berth_store *store, int *applied, berth_err *err);
/* Highest applied version (0: none, or no schema_migrations table) and the highest embedded one. */
int store_schema_version(berth_store *store, int *applied_version, int *latest_version,
			 berth_err *err);

#endif
