/* store_internal.h: what the store's files share (connection, prepared statements, row copying).
 * Not part of the interface: only app/store/ includes it. */
#ifndef BERTH_STORE_INTERNAL_H
#define BERTH_STORE_INTERNAL_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "berth/deadline.h"
#include "berth/err.h"
#include "berth/store_conn.h"

/* Every prepared statement has an id: the store remembers per connection which are prepared. */
enum store_stmt_id {
	STMT_PING,
	STMT_SET_STATEMENT_TIMEOUT,
	STMT_USER_CREATE,
	STMT_USER_GET,
	STMT_USER_BY_NAME,
	STMT_USER_LIST,
	STMT_USER_BY_IDENTITY,
	STMT_IDENTITY_ADD,
	STMT_BOT_CREATE,
	STMT_BOT_CREATE_WITH_ID,
	STMT_BOT_GET,
	STMT_BOT_LIST,
	STMT_BOT_LIST_BY_OWNER,
	STMT_BOT_IS_MEMBER,
	STMT_MEMBER_ADD,
	STMT_NODE_ENSURE,
	STMT_CONTAINER_UPSERT,
	STMT_CONTAINER_GET,
	STMT_CONTAINER_GET_BY_CID,
	STMT_CONTAINER_LIST,
	STMT_CONTAINER_LIST_BY_OWNER,
	STMT_CONTAINER_LIST_BY_NODE,
	STMT_CONTAINER_MARK_RUNNING,
	STMT_CONTAINER_MARK_STOPPED,
	STMT_CONTAINER_MARK_ERROR,
	STMT_CONTAINER_SET_IP,
	STMT_CONTAINER_SET_DESIRED,
	STMT_CONTAINER_COUNT_RESTART,
	STMT_CONTAINER_DELETE,
	STMT_RECONCILE_GET,
	STMT_RECONCILE_LIST,
	STMT_RECONCILE_SET_POLICY,
	STMT_RECONCILE_MARK_BACKOFF,
	STMT_RECONCILE_MARK_EXITED,
	STMT_RECONCILE_COUNT_ATTEMPT,
	STMT_RECONCILE_RESET_BACKOFF,
	STMT_RECONCILE_MARK_OOM,
	STMT_RECONCILE_OBSERVED,
	STMT_RECONCILE_NODE_HELD,
	STMT_RECONCILE_HEARTBEAT,
	STMT_RECONCILE_HEARTBEAT_CLEAR,
	STMT_CONTAINER_OBSERVE,
	STMT_SNAPSHOT_INSERT,
	STMT_SNAPSHOT_LIST,
	STMT_SNAPSHOT_GET,
	STMT_SNAPSHOT_GET_BY_RUNTIME,
	STMT_SNAPSHOT_DELETE,
	STMT_EVENT_ADD,
	STMT_EVENT_LIST,
	STMT_BOT_TRY_LOCK,
	STMT_BOT_UNLOCK,
	STMT_NODE_TRY_LOCK,
	STMT_NODE_UNLOCK,
	STMT_NOTIFY,
	STMT_ACCESS_GET,
	STMT_MIGRATIONS_LOCK,
	STMT_MIGRATION_APPLIED,
	STMT_MIGRATION_RECORD,
	STMT_SCHEMA_TABLE_EXISTS,
	STMT_SCHEMA_VERSION,
	/* mcpconn.c */
	STMT_MCPCONN_LIST,
	STMT_MCPCONN_GET,
	STMT_MCPCONN_CREATE,
	STMT_MCPCONN_UPDATE,
	STMT_MCPCONN_DELETE,
	STMT_MCPCONN_DELETE_MANY,
	STMT_MCPCONN_IMPORT,
	STMT_STDIO_INSERT,
	STMT_STDIO_PRUNE,
	STMT_STDIO_GET,
	STMT_STDIO_LIST,
	STMT_STDIO_USE,
	STMT_STDIO_CLOSE,
	STMT_STDIO_DELETE,
	STMT_STDIO_CONNECTIONS,
	/* events_page.c, stats.c */
	STMT_EVENT_PAGE_BOT,
	STMT_EVENT_PAGE_ALL,
	STMT_BOT_STATUS_COUNTS,
	STMT_NODE_RECONCILE_COUNTS,
	/* limits.c */
	STMT_LIMITS_GET,
	STMT_LIMITS_PUT,
	STMT_COUNT
};

struct store_stmt {
	enum store_stmt_id id;
	const char *name; /* server-side statement name */
	const char *sql;
	int nparams;
	/* A read (or a try-lock, whose result died with the lost session): may run once more on a
	 * fresh connection when the old one went stale between calls. Never a write: the lost
	 * reply may have followed a commit. */
	bool retry_safe;
};

#define STORE_MAX_LISTEN 8

/* Class of the two-int advisory keys of node locks ("BRTH"); bot locks use one bigint key. */
#define NODE_LOCK_CLASS "1112691784"

struct berth_store {
	char *conninfo;
	int statement_timeout_ms;
	berth_deadline deadline; /* of the caller's request: bounds every statement (0: none) */
	PGconn *conn;
	bool prepared[STMT_COUNT];
	int held_bot_locks; /* bot lock levels this session holds */
	/* Bot lock levels that were held when the connection was lost (the server released them):
	 * while > 0 every call fails, so that work meant to run under the lock stops; each
	 * store_bot_unlock takes one away. */
	int lost_bot_locks;
	char listen[STORE_MAX_LISTEN][64];
	size_t listen_count;
	struct store_cache *cache; /* NULL: reads are not cached (berth/store_cache.h) */
};

/* cache.c: the read cache's entries and generations (berth/store_cache.h). */
struct store_cache;
void store_cache_free(struct store_cache *cache);
/* A statement that may have written ran (or may have: its reply was lost). */
void store_cache_note_write(berth_store *store);
/* stmt ran (or may have): store_cache_note_write unless it is a read or writes only what the
 * cache does not read. */
void store_cache_note_statement(berth_store *store, const struct store_stmt *stmt);
/* A new connection: notifications may have been missed. */
void store_cache_note_connect(berth_store *store);
/* A request begins: the next lookup reads the socket for notifications. */
void store_cache_request_begins(berth_store *store);
/* Copies a live entry for stmt with these values into out (size bytes): true on a hit. Sets *tag
 * to the generation a result fetched now must be stored with. false when the cache is off. */
bool store_cache_get(berth_store *store, enum store_stmt_id stmt, const char *const *values, int n,
		     void *out, size_t size, uint64_t *tag);
/* Keeps a copy of item (a flat struct of size bytes) unless the generation moved past tag. */
void store_cache_put(berth_store *store, enum store_stmt_id stmt, const char *const *values, int n,
		     const void *item, size_t size, uint64_t tag);

/* Connects when there is no usable connection. UNAVAILABLE on failure. */
int store_connect(berth_store *store, berth_err *err);

/* Drops the connection (a lost one, or one in an unknown state); the next call reconnects,
 * unless bot locks were held: they become lost_bot_locks. */
void store_disconnect(berth_store *store);

/* UNAVAILABLE "database connection lost while holding the bot lock; operation aborted" when
 * lost_bot_locks > 0 (returns -1), else 0. */
int store_check_lock_lost(const berth_store *store, berth_err *err);

/* Runs a prepared statement (preparing it on this connection first if needed). Returns a result
 * of status PGRES_TUPLES_OK or PGRES_COMMAND_OK that the caller PQclear()s, or NULL with err set
 * (kind from the SQLSTATE; UNAVAILABLE with the connection dropped when it was lost). values may
 * hold NULL for SQL NULL. */
PGresult *store_exec(berth_store *store, const struct store_stmt *stmt, const char *const *values,
		     berth_err *err);

/* Runs a simple-protocol statement with no parameters (migrations, transaction control: text from
 * the program, never from input). Same result rules as store_exec. */
PGresult *store_exec_simple(berth_store *store, const char *sql, berth_err *err);

/* Maps a failed result to err (with "context: " in front of the server's message). Returns -1. */
int store_result_error(berth_store *store, const PGresult *res, berth_err *err);

/* Copies a text column into a fixed-size field; NULL becomes "". INTERNAL if it does not fit. */
int store_copy(char *dst, size_t size, const PGresult *res, int row, int col, berth_err *err);
bool store_bool(const PGresult *res, int row, int col);

/* Fills one item from row `row` of res. */
typedef int (*store_row_fn)(const PGresult *res, int row, void *item, berth_err *err);

/* Runs stmt and fills *item from its first row: NOT_FOUND "<what>: <missing> not found" if none.
 * Errors are prefixed with what. */
int store_fetch_one(berth_store *store, const struct store_stmt *stmt, const char *const *values,
		    void *item, store_row_fn fill, const char *what, const char *missing,
		    berth_err *err);
/* store_fetch_one through the read cache: a hit runs nothing; a found row is kept (item is a
 * flat struct of item_size bytes), a NOT_FOUND never is. */
int store_fetch_one_cached(berth_store *store, const struct store_stmt *stmt,
			   const char *const *values, void *item, size_t item_size,
			   store_row_fn fill, const char *what, const char *missing,
			   berth_err *err);
/* Runs stmt and fills a new calloc'ed array of item_size items, one per row (*items NULL when
 * none). On failure nothing is left to free. */
int store_fetch_list(berth_store *store, const struct store_stmt *stmt, const char *const *values,
		     size_t item_size, store_row_fn fill, void **items, size_t *count,
		     const char *what, berth_err *err);
/* store_fetch_list of a statement whose one parameter is bot_id, checked to be a UUID first
 * (INVALID, prefixed with what). */
int store_fetch_bot_list(berth_store *store, const struct store_stmt *stmt, const char *bot_id,
			 size_t item_size, store_row_fn fill, void **items, size_t *count,
			 const char *what, berth_err *err);
/* Runs a statement whose result is not needed; *rows (may be NULL) = rows affected. */
int store_run(berth_store *store, const struct store_stmt *stmt, const char *const *values,
	      long *rows, const char *what, berth_err *err);

/* INVALID unless s is a canonical UUID; what names the argument in the message. */
int store_check_uuid(const char *s, const char *what, berth_err *err);
/* INVALID when s is NULL or empty. */
int store_check_text(const char *s, const char *what, berth_err *err);

/* The columns of a containers row (table alias c) as store_container_fill reads them, and those of
 * the reconciler's view of it (store_reconcile_fill); each fill reads its columns from col0 on. */
#define STORE_CONTAINER_NCOLS 20
#define STORE_RECONCILE_NCOLS 16
struct store_container;
struct store_reconcile_row;
int store_container_fill(const PGresult *res, int row, int col0, struct store_container *out,
			 berth_err *err);
int store_reconcile_fill(const PGresult *res, int row, int col0, struct store_reconcile_row *out,
			 berth_err *err);
/* A lifecycle_events row as events.c and events_page.c select it (id, bot_id, container_id,
 * event_type, payload, created_at in columns 0 to 5) into item, a struct store_event: payload NEW
 * (free() it; NULL on failure). A store_row_fn. */
int store_event_fill(const PGresult *res, int row, void *item, berth_err *err);

/* SQL that formats a timestamptz column as RFC 3339 UTC with microseconds, "" for NULL. */
#define STORE_TIME(col)                                                                            \
	"coalesce(to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), '')"

#define STORE_CONTAINER_COLUMNS                                                                               \
	"c.id::text, c.bot_id::text, c.container_id, c.container_name, c.image, c.snapshotter, c.namespace, " \
	"c.node, c.status, c.desired_state, c.auto_start, coalesce(c.host_path, ''), c.container_path, "      \
	"coalesce(host(c.ip_address), ''), coalesce(c.last_error, ''), c.restart_count, " STORE_TIME(         \
		"c.created_at") ", " STORE_TIME("c.updated_at") ", " STORE_TIME("c.last_started_at") ", " STORE_TIME("c.last_stopped_at")
/* Durations are computed by the database, against its own clock, so that every reconciler and
 * worker agrees on "due" whatever their clocks say. */
#define STORE_RECONCILE_COLUMNS                                                                                                                    \
	"c.bot_id::text, c.container_id, c.status, c.desired_state, c.restart_policy, c.snapshotter, "                                             \
	"coalesce(host(c.ip_address), ''), c.restart_count, c.backoff_restarts, "                                                                  \
	"coalesce(c.last_exit_code::text, ''), c.oom_killed, " STORE_TIME("c.last_exit_at") ", " STORE_TIME(                                       \
		"c.next_attempt_at") ", "                                                                                                          \
				     "coalesce(floor(extract(epoch FROM c.next_attempt_at - clock_timestamp()) * 1000)::bigint, 0), "              \
				     "coalesce(floor(extract(epoch FROM clock_timestamp() - c.last_started_at) * 1000)::bigint, -1), " STORE_TIME( \
					     "c.observed_at")

#endif
