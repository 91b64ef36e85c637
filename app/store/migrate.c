/* migrate.c: applies the embedded db/ migrations in order, each in its own transaction, recorded
 * in schema_migrations, under an advisory lock (see include/berth/store_migrate.h). */
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/log.h"
#include "berth/store_conn.h"
#include "berth/store_migrate.h"

/* app/store/migrations_gen.c, generated from db/ by app/store/embed-migrations.sh */
extern const struct store_migration store_embedded_migrations[];
extern const size_t store_embedded_migration_count;

/* Two-int advisory key of the migration lock: class "BRTH" + 1, apart from node locks. */
static const struct store_stmt S_LOCK = {
	STMT_MIGRATIONS_LOCK,
	"migrations_lock",
	"SELECT pg_advisory_xact_lock(1112691785, 0)",
	0,
	false,
};
static const struct store_stmt S_APPLIED = {
	STMT_MIGRATION_APPLIED,
	"migration_applied",
	"SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1::integer)",
	1,
	false,
};
static const struct store_stmt S_RECORD = {
	STMT_MIGRATION_RECORD,
	"migration_record",
	"INSERT INTO schema_migrations (version, name) VALUES ($1::integer, $2)",
	2,
	false,
};
static const struct store_stmt S_TABLE_EXISTS = {
	STMT_SCHEMA_TABLE_EXISTS,
	"schema_table_exists",
	"SELECT to_regclass('schema_migrations') IS NOT NULL",
	0,
	true,
};
static const struct store_stmt S_VERSION = {
	STMT_SCHEMA_VERSION,
	"schema_version",
	"SELECT coalesce(max(version), 0) FROM schema_migrations",
	0,
	true,
};

static const char CREATE_TABLE[] =
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	"version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())";

const struct store_migration *store_migrations(size_t *count)
{
	*count = store_embedded_migration_count;
	return store_embedded_migrations;
}

int store_migration_version(const char *file_name)
{
	const char *p = file_name;
	long version = 0;
	size_t len;

	if (!p || !(*p >= '0' && *p <= '9'))
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		version = version * 10 + (*p - '0');
		if (version > 99999999)
			return -1;
	}
	if (*p++ != '_')
		return -1;
	len = strlen(p);
	if (len <= 4 || strcmp(p + len - 4, ".sql") != 0)
		return -1;
	for (size_t i = 0; i < len - 4; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '_' ||
		      p[i] == '-'))
			return -1;
	return version > 0 ? (int)version : -1;
}

static int simple(berth_store *store, const char *sql, berth_err *err)
{
	PGresult *res = store_exec_simple(store, sql, err);

	if (!res)
		return -1;
	PQclear(res);
	return 0;
}

/* One migration in one transaction; *applied_now tells whether it ran (else it was recorded). */
static int apply_one(berth_store *store, const struct store_migration *m, bool *applied_now,
		     berth_err *err)
{
	char version[16];
	const char *values[2] = { version, m->name };
	PGresult *res;
	bool done;

	*applied_now = false;
	snprintf(version, sizeof version, "%d", m->version);
	if (simple(store, "BEGIN", err) != 0)
		return -1;
	if (store_run(store, &S_LOCK, NULL, NULL, "lock", err) != 0 ||
	    simple(store, CREATE_TABLE, err) != 0)
		goto fail;
	if (!(res = store_exec(store, &S_APPLIED, values, err)))
		goto fail;
	done = store_bool(res, 0, 0);
	PQclear(res);
	if (!done) {
		if (simple(store, m->sql, err) != 0 ||
		    store_run(store, &S_RECORD, values, NULL, "record", err) != 0)
			goto fail;
	}
	if (simple(store, "COMMIT", err) != 0)
		return -1;
	*applied_now = !done;
	return 0;
fail:
	if (store->conn && PQtransactionStatus(store->conn) != PQTRANS_IDLE) {
		PGresult *rb = PQexec(store->conn, "ROLLBACK");

		PQclear(rb);
	}
	return -1;
}

int store_migrate(berth_store *store, int *applied, berth_err *err)
{
	int count = 0;

	if (applied)
		*applied = 0;
	for (size_t i = 0; i < store_embedded_migration_count; i++) {
		const struct store_migration *m = &store_embedded_migrations[i];
		bool applied_now;

		if (apply_one(store, m, &applied_now, err) != 0)
			return berth_err_prefix(err, "migration %s", m->name);
		if (applied_now) {
			blog(BLOG_INFO, "applied migration %s", m->name);
			count++;
		}
	}
	if (applied)
		*applied = count;
	return 0;
}

int store_schema_version(berth_store *store, int *applied_version, int *latest_version,
			 berth_err *err)
{
	PGresult *res;
	bool exists;

	*applied_version = 0;
	*latest_version =
		store_embedded_migration_count > 0
			? store_embedded_migrations[store_embedded_migration_count - 1].version
			: 0;
	if (!(res = store_exec(store, &S_TABLE_EXISTS, NULL, err)))
		return berth_err_prefix(err, "schema version");
	exists = store_bool(res, 0, 0);
	PQclear(res);
	if (!exists)
		return 0;
	if (!(res = store_exec(store, &S_VERSION, NULL, err)))
		return berth_err_prefix(err, "schema version");
	*applied_version = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return 0;
}
