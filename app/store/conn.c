/* conn.c: the store's one libpq connection: lazy connect, prepared statements, reconnect after a
 * lost connection, SQLSTATE -> berth_err mapping (see include/berth/store_conn.h). */
#include "store_internal.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/log.h"
#include "berth/metrics.h"
#include "berth/store_conn.h"

/* The client's bound on one statement is the server's statement_timeout plus this, so that the
 * server's own error (57014) normally arrives first; the request's deadline can only shorten it. */
#define STATEMENT_CAP_MARGIN_MS 1000
/* Bound on opening a connection (libpq's connect_timeout, seconds), before the deadline's. */
#define CONNECT_TIMEOUT_S 5

static const struct store_stmt S_SET_STATEMENT_TIMEOUT = {
	STMT_SET_STATEMENT_TIMEOUT,
	"set_statement_timeout",
	"SELECT set_config('statement_timeout', $1, false)",
	1,
	true,
};

static const struct store_stmt S_PING = { STMT_PING, "ping", "SELECT 1", 0, true };

/* libpq messages end with a newline and may span lines; keep the first line. */
static void first_line(char *dst, size_t size, const char *msg)
{
	size_t n;

	if (!msg)
		msg = "";
	n = strcspn(msg, "\n");
	if (n >= size)
		n = size - 1;
	memcpy(dst, msg, n);
	dst[n] = '\0';
}

void store_disconnect(berth_store *store)
{
	if (!store->conn)
		return;
	PQfinish(store->conn);
	store->conn = NULL;
	memset(store->prepared, 0, sizeof store->prepared);
	if (store->held_bot_locks > 0) {
		blog(BLOG_WARN,
		     "database connection lost while holding %d bot lock level(s); the server released "
		     "them: store calls fail until they are unlocked",
		     store->held_bot_locks);
		store->lost_bot_locks += store->held_bot_locks;
		store->held_bot_locks = 0;
	}
}

int store_check_lock_lost(const berth_store *store, berth_err *err)
{
	if (store->lost_bot_locks > 0)
		return berth_err_setc(
			err, BERTH_E_UNAVAILABLE, BERTH_EC_LOCK_LOST,
			"database connection lost while holding the bot lock; operation aborted");
	return 0;
}

/* libpq's text names hosts, users and sockets: detail for the log, never for a client. */
static int unavailable(berth_err *err, const char *msg)
{
	char line[BERTH_ERR_MSG_MAX];

	first_line(line, sizeof line, msg);
	return berth_err_driver(err, BERTH_E_UNAVAILABLE, BERTH_EC_DATABASE,
				"database unavailable: %s", line[0] ? line : "connection lost");
}

static bool result_ok(const PGresult *res)
{
	ExecStatusType st;

	if (!res)
		return false;
	st = PQresultStatus(res);
	return st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
}

/* Waits for every result of the query just sent, within what is left of the store's deadline
 * (never more than the statement's cap). Returns the first failed result, else the last one, or
 * NULL with err set: the libpq error when the connection broke (result_ok of NULL is false, so
 * callers treat it as lost), BERTH_E_TIMEOUT / BERTH_EC_DEADLINE_EXCEEDED when the time ran out.
 * Then the connection is dropped, its state being unknown: no PQcancel, which blocks without a
 * bound when the server is frozen; the server's statement_timeout ends a statement still running
 * there. *timed_out tells the two NULL cases apart. */
static PGresult *await_results(berth_store *store, bool *timed_out, berth_err *err)
{
	int cap = store->statement_timeout_ms > 0
			  ? store->statement_timeout_ms + STATEMENT_CAP_MARGIN_MS
			  : 0;
	PGresult *kept = NULL;
	int64_t end;
	int budget;

	*timed_out = false;
	if (berth_deadline_budget(store->deadline, cap, "database statement", &budget, err) != 0)
		goto timeout;
	end = budget > 0 ? berth_now_ms() + budget : 0;
	for (;;) {
		PGresult *r;

		while (PQisBusy(store->conn)) {
			struct pollfd pfd = { .fd = PQsocket(store->conn), .events = POLLIN };
			int wait = -1;

			if (end) {
				int64_t left = end - berth_now_ms();
				if (left <= 0) {
					berth_err_driver(
						err, BERTH_E_TIMEOUT, BERTH_EC_DEADLINE_EXCEEDED,
						"database statement: no reply before the deadline");
					goto timeout;
				}
				wait = (int)left;
			}
			if (poll(&pfd, 1, wait) < 0 && errno != EINTR) {
				unavailable(err, strerror(errno));
				goto fail;
			}
			if (PQconsumeInput(store->conn) == 0)
				break; /* the connection broke: PQgetResult reports it */
		}
		r = PQgetResult(store->conn);
		if (!r)
			break;
		if (kept && !result_ok(kept)) {
			PQclear(r); /* the first failure is the one to report */
		} else {
			PQclear(kept);
			kept = r;
		}
		if (PQstatus(store->conn) == CONNECTION_BAD)
			break;
	}
	if (!kept)
		unavailable(err, PQerrorMessage(store->conn));
	return kept;
timeout:
	*timed_out = true;
	blog(BLOG_WARN, "database: a statement ran out of time: dropping the connection");
	store_disconnect(store);
fail:
	PQclear(kept);
	return NULL;
}

/* Prepares (once per connection) and runs stmt on the current connection. */
static PGresult *run_prepared(berth_store *store, const struct store_stmt *stmt,
			      const char *const *values, bool *timed_out, berth_err *err)
{
	*timed_out = false;
	if (!store->prepared[stmt->id]) {
		PGresult *res;

		if (!PQsendPrepare(store->conn, stmt->name, stmt->sql, stmt->nparams, NULL))
			return NULL;
		res = await_results(store, timed_out, err);
		if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
			return res;
		PQclear(res);
		store->prepared[stmt->id] = true;
	}
	if (!PQsendQueryPrepared(store->conn, stmt->name, stmt->nparams, values, NULL, NULL, 0))
		return NULL;
	return await_results(store, timed_out, err);
}

void store_set_deadline(berth_store *store, berth_deadline deadline)
{
	store->deadline = deadline;
	store_cache_request_begins(store);
}

/* True when the failure means the connection is gone (the next call must reconnect). */
static bool connection_lost(berth_store *store, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (PQstatus(store->conn) != CONNECTION_OK)
		return true;
	if (!state)
		return res == NULL;
	/* class 08: connection exception; 57P01-57P03: server shutting down / restarting */
	return strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
	       strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0;
}

int store_result_error(berth_store *store, const PGresult *res, berth_err *err)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char msg[BERTH_ERR_MSG_MAX];
	berth_errkind kind = BERTH_E_INTERNAL;

	first_line(msg, sizeof msg, primary ? primary : PQerrorMessage(store->conn));
	if (!state)
		return berth_err_driver(err, BERTH_E_INTERNAL, BERTH_EC_DATABASE, "%s",
					msg[0] ? msg : "query failed");
	if (strcmp(state, "23505") == 0)
		kind = BERTH_E_ALREADY_EXISTS; /* unique_violation */
	else if (strcmp(state, "23503") == 0)
		kind = BERTH_E_NOT_FOUND; /* foreign_key_violation: what it refers to is missing */
	else if (strcmp(state, "23514") == 0 || strcmp(state, "23502") == 0 ||
		 strncmp(state, "22", 2) == 0)
		kind = BERTH_E_INVALID; /* check / not null / data exception (bad uuid, inet, json, enum) */
	else if (strcmp(state, "57014") == 0 || strcmp(state, "55P03") == 0)
		kind = BERTH_E_TIMEOUT; /* statement_timeout, lock_timeout */
	else if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0)
		kind = BERTH_E_UNAVAILABLE; /* connection exception, server shutting down */
	else if (strncmp(state, "40", 2) == 0 || strncmp(state, "53", 2) == 0)
		kind = BERTH_E_UNAVAILABLE; /* serialization failure, deadlock; insufficient resources */
	if (kind == BERTH_E_UNAVAILABLE)
		return unavailable(err, msg);
	/* The server's text names constraints and values: the caller says what it means. */
	return berth_err_driver(
		err, kind, kind == BERTH_E_INTERNAL ? BERTH_EC_DATABASE : BERTH_EC_NONE, "%s", msg);
}

static int set_statement_timeout(berth_store *store, berth_err *err)
{
	char value[32];
	const char *values[1] = { value };
	bool timed_out;
	PGresult *res;
	int rc = 0;

	if (store->statement_timeout_ms <= 0)
		return 0;
	snprintf(value, sizeof value, "%d", store->statement_timeout_ms);
	res = run_prepared(store, &S_SET_STATEMENT_TIMEOUT, values, &timed_out, err);
	if (!res && timed_out)
		return -1;
	if (!result_ok(res))
		rc = store_result_error(store, res, err);
	PQclear(res);
	return rc;
}

/* PQexec within the deadline (await_results). */
static PGresult *exec_simple(berth_store *store, const char *sql, bool *timed_out, berth_err *err)
{
	*timed_out = false;
	if (!PQsendQuery(store->conn, sql))
		return NULL;
	return await_results(store, timed_out, err);
}

static int relisten(berth_store *store, berth_err *err)
{
	for (size_t i = 0; i < store->listen_count; i++) {
		char *ident = PQescapeIdentifier(store->conn, store->listen[i],
						 strlen(store->listen[i]));
		char sql[128];
		PGresult *res;
		bool timed_out;
		int rc = 0;

		if (!ident)
			return unavailable(err, PQerrorMessage(store->conn));
		snprintf(sql, sizeof sql, "LISTEN %s", ident);
		PQfreemem(ident);
		res = exec_simple(store, sql, &timed_out, err);
		if (!res && timed_out)
			return -1;
		if (!result_ok(res))
			rc = store_result_error(store, res, err);
		PQclear(res);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Server notices ("relation ... already exists, skipping") are not errors: debug lines, not stderr. */
static void log_notice(void *arg, const PGresult *res)
{
	char line[BERTH_ERR_MSG_MAX];

	(void)arg;
	first_line(line, sizeof line, PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
	blog(BLOG_DEBUG, "database notice: %s", line);
}

int store_connect(berth_store *store, berth_err *err)
{
	/* connect_timeout comes first so that a value in the conninfo (expanded from "dbname") wins */
	const char *const keys[] = { "connect_timeout", "fallback_application_name", "dbname",
				     NULL };
	char connect_timeout[16];
	const char *const values[] = { connect_timeout, "berth", store->conninfo, NULL };
	int budget;

	if (store_check_lock_lost(store, err) != 0)
		return -1;
	if (store->conn && PQstatus(store->conn) == CONNECTION_OK)
		return 0;
	store_disconnect(store);
	if (store_check_lock_lost(store, err) != 0)
		return -1;
	if (berth_deadline_budget(store->deadline, CONNECT_TIMEOUT_S * 1000, "database connect",
				  &budget, err) != 0)
		return -1;
	/* whole seconds, rounded up; libpq takes 1 as 2 */
	snprintf(connect_timeout, sizeof connect_timeout, "%d", (budget + 999) / 1000);
	store->conn = PQconnectdbParams(keys, values, 1);
	if (!store->conn)
		return berth_err_setc(err, BERTH_E_UNAVAILABLE, BERTH_EC_DATABASE,
				      "database unavailable: out of memory");
	if (PQstatus(store->conn) != CONNECTION_OK) {
		unavailable(err, PQerrorMessage(store->conn));
		store_disconnect(store);
		return -1;
	}
	PQsetNoticeReceiver(store->conn, log_notice, NULL);
	store_cache_note_connect(store);
	if (set_statement_timeout(store, err) != 0 || relisten(store, err) != 0) {
		store_disconnect(store);
		return -1;
	}
	return 0;
}

static PGresult *exec_prepared(berth_store *store, const struct store_stmt *stmt,
			       const char *const *values, berth_err *err)
{
	for (int attempt = 0;; attempt++) {
		bool reused = store->conn && PQstatus(store->conn) == CONNECTION_OK;
		PGresult *res;

		bool timed_out;

		if (store_connect(store, err) != 0)
			return NULL;
		res = run_prepared(store, stmt, values, &timed_out, err);
		if (result_ok(res))
			return res;
		if (!res && timed_out)
			return NULL; /* never run again: the deadline is gone */
		if (!connection_lost(store, res)) {
			store_result_error(store, res, err);
			PQclear(res);
			return NULL;
		}
		/* The connection is gone: report it, or try once on a new one when the old one went
		 * stale between calls and running the statement again is harmless. */
		const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

		unavailable(err, primary && primary[0] ? primary : PQerrorMessage(store->conn));
		PQclear(res);
		store_disconnect(store);
		/* Never retry under a bot lock: the new connection would run without it. */
		if (store_check_lock_lost(store, err) != 0 ||
		    !(reused && stmt->retry_safe && attempt == 0))
			return NULL;
		blog(BLOG_INFO, "database connection lost; reconnecting");
	}
}

/* Every prepared statement is timed and counted (berth/metrics.h): the client calls down into
 * support; it knows nothing of who reads the counters. */
PGresult *store_exec(berth_store *store, const struct store_stmt *stmt, const char *const *values,
		     berth_err *err)
{
	uint64_t t0 = metrics_recording() ? metrics_now_us() : 0;
	berth_err local = { 0 };
	berth_err *e = err ? err : &local;
	PGresult *res = exec_prepared(store, stmt, values, e);

	/* After the statement, committed or not: a write's effect is visible from now on. */
	store_cache_note_statement(store, stmt);
	if (t0)
		metrics_observe_dep(METRICS_DEP_DATABASE, metrics_now_us() - t0,
				    res ? BERTH_OK : e->kind);
	return res;
}

PGresult *store_exec_simple(berth_store *store, const char *sql, berth_err *err)
{
	PGresult *res;
	bool timed_out;

	if (store_connect(store, err) != 0)
		return NULL;
	res = exec_simple(store, sql, &timed_out, err);
	store_cache_note_write(store); /* migrations, COMMIT: anything may have changed */
	if (result_ok(res))
		return res;
	if (!res && timed_out)
		return NULL;
	if (connection_lost(store, res)) {
		unavailable(err, PQerrorMessage(store->conn));
		PQclear(res);
		store_disconnect(store);
		(void)store_check_lock_lost(store,
					    err); /* if the lock went with it, that is the error */
		return NULL;
	}
	store_result_error(store, res, err);
	PQclear(res);
	return NULL;
}

berth_store *store_open(const char *conninfo, int statement_timeout_ms, berth_err *err)
{
	berth_store *store = calloc(1, sizeof *store);

	if (!store || !(store->conninfo = strdup(conninfo ? conninfo : ""))) {
		free(store);
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		return NULL;
	}
	store->deadline = 0;
	store->statement_timeout_ms = statement_timeout_ms;
	return store;
}

void store_close(berth_store *store)
{
	if (!store)
		return;
	if (store->conn)
		PQfinish(store->conn);
	store_cache_free(store->cache);
	free(store->conninfo);
	free(store);
}

int store_ping(berth_store *store, berth_err *err)
{
	PGresult *res = store_exec(store, &S_PING, NULL, err);

	if (!res)
		return -1;
	PQclear(res);
	return 0;
}
