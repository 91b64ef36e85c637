/* locks.c: advisory locks (per bot, per node) and LISTEN/NOTIFY (see include/berth/store_locks.h). */
#include "store_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "berth/deadline.h"
#include "berth/store_conn.h"
#include "berth/store_locks.h"

static const struct store_stmt S_BOT_TRY_LOCK = {
	STMT_BOT_TRY_LOCK, "bot_try_lock", "SELECT pg_try_advisory_lock($1::bigint)", 1, true,
};
static const struct store_stmt S_BOT_UNLOCK = {
	STMT_BOT_UNLOCK, "bot_unlock", "SELECT pg_advisory_unlock($1::bigint)", 1, false,
};
static const struct store_stmt S_NODE_TRY_LOCK = {
	STMT_NODE_TRY_LOCK,
	"node_try_lock",
	"SELECT pg_try_advisory_lock(" NODE_LOCK_CLASS ", hashtext($1))",
	1,
	true,
};
static const struct store_stmt S_NODE_UNLOCK = {
	STMT_NODE_UNLOCK,
	"node_unlock",
	"SELECT pg_advisory_unlock(" NODE_LOCK_CLASS ", hashtext($1))",
	1,
	false,
};
static const struct store_stmt S_NOTIFY = {
	STMT_NOTIFY, "notify", "SELECT pg_notify($1, $2)", 2, false,
};

/* The lock key of a bot: the first 8 bytes of its UUID as a signed 64-bit number, in decimal. */
static void bot_lock_key(const char *bot_id, char out[24])
{
	uint64_t key = 0;
	int digits = 0;

	for (const char *p = bot_id; *p && digits < 16; p++) {
		if (*p == '-')
			continue;
		key = key << 4 | (uint64_t)(*p <= '9' ? *p - '0' : *p - 'a' + 10);
		digits++;
	}
	snprintf(out, 24, "%" PRId64, (int64_t)key);
}

/* Runs a statement returning one boolean. */
static int query_bool(berth_store *store, const struct store_stmt *stmt, const char *arg, bool *out,
		      const char *what, berth_err *err)
{
	const char *values[1] = { arg };
	PGresult *res = store_exec(store, stmt, values, err);

	if (!res)
		return berth_err_prefix(err, "%s", what);
	*out = PQntuples(res) == 1 && store_bool(res, 0, 0);
	PQclear(res);
	return 0;
}

static void sleep_ms(long long ms)
{
	struct timespec ts = { .tv_sec = (time_t)(ms / 1000),
			       .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int store_bot_lock(berth_store *store, const char *bot_id, int timeout_ms, berth_err *err)
{
	char key[24];
	long long deadline, pause = 2;
	int wait_ms;

	if (store_check_uuid(bot_id, "bot id", err) != 0)
		return berth_err_prefix(err, "lock bot");
	/* The wait is bounded by the caller's timeout and by the store's deadline, whichever ends first. */
	if (berth_deadline_budget(store->deadline, timeout_ms > 0 ? timeout_ms : 1, "lock bot",
				  &wait_ms, err) != 0)
		return -1;
	deadline = berth_now_ms() + wait_ms;
	bot_lock_key(bot_id, key);
	/* Polling try-lock rather than a blocking pg_advisory_lock: the wait stays bounded by our
	 * deadline whatever statement_timeout is, and a lost connection ends it at once. */
	for (;;) {
		bool acquired = false;
		long long left;

		if (query_bool(store, &S_BOT_TRY_LOCK, key, &acquired, "lock bot", err) != 0)
			return -1;
		if (acquired) {
			store->held_bot_locks++;
			return 0;
		}
		left = deadline - berth_now_ms();
		if (left <= 0)
			return berth_err_setc(err, BERTH_E_TIMEOUT, BERTH_EC_BUSY,
					      "lock bot: bot %s is busy (waited %d ms)", bot_id,
					      wait_ms);
		sleep_ms(pause < left ? pause : left);
		if (pause < 50)
			pause *= 2;
	}
}

int store_bot_unlock(berth_store *store, const char *bot_id, berth_err *err)
{
	char key[24];
	bool released = false;

	if (store_check_uuid(bot_id, "bot id", err) != 0)
		return berth_err_prefix(err, "unlock bot");
	if (store->lost_bot_locks > 0) {
		/* The server released it with the lost connection: nothing to release, but the
		 * caller learns that its work did not run under the lock throughout. */
		store->lost_bot_locks--;
		return berth_err_set(
			err, BERTH_E_UNAVAILABLE,
			"unlock bot: the database connection was lost while holding the lock of %s; "
			"the server had released it",
			bot_id);
	}
	bot_lock_key(bot_id, key);
	if (query_bool(store, &S_BOT_UNLOCK, key, &released, "unlock bot", err) != 0) {
		/* The unlock itself found the connection gone: the server released the lock with it, and
		 * this call accounts for that level (else the store would fail every call from now on). */
		if (store->lost_bot_locks > 0)
			store->lost_bot_locks--;
		return -1;
	}
	if (!released)
		return berth_err_set(err, BERTH_E_PRECONDITION,
				     "unlock bot: this session does not hold the lock of %s",
				     bot_id);
	if (store->held_bot_locks > 0)
		store->held_bot_locks--;
	return 0;
}

int store_node_try_lock(berth_store *store, const char *node, bool *acquired, berth_err *err)
{
	*acquired = false;
	if (store_check_text(node, "node", err) != 0)
		return berth_err_prefix(err, "lock node");
	return query_bool(store, &S_NODE_TRY_LOCK, node, acquired, "lock node", err);
}

int store_node_unlock(berth_store *store, const char *node, berth_err *err)
{
	bool released = false;

	if (store_check_text(node, "node", err) != 0)
		return berth_err_prefix(err, "unlock node");
	if (query_bool(store, &S_NODE_UNLOCK, node, &released, "unlock node", err) != 0)
		return -1;
	if (!released)
		return berth_err_set(err, BERTH_E_PRECONDITION,
				     "unlock node: this session does not hold the lock of %s",
				     node);
	return 0;
}

int store_notify(berth_store *store, const char *channel, const char *payload, berth_err *err)
{
	const char *values[2] = { channel, payload ? payload : "" };

	if (store_check_text(channel, "channel", err) != 0)
		return berth_err_prefix(err, "notify");
	return store_run(store, &S_NOTIFY, values, NULL, "notify", err);
}

static bool valid_channel(const char *channel)
{
	size_t n = channel ? strlen(channel) : 0;

	if (n == 0 || n > 63 || !((channel[0] >= 'a' && channel[0] <= 'z') || channel[0] == '_'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((channel[i] >= 'a' && channel[i] <= 'z') ||
		      (channel[i] >= '0' && channel[i] <= '9') || channel[i] == '_'))
			return false;
	return true;
}

int store_listen(berth_store *store, const char *channel, berth_err *err)
{
	bool was_connected = store->conn && PQstatus(store->conn) == CONNECTION_OK;
	char sql[96];
	PGresult *res;

	if (!valid_channel(channel))
		return berth_err_set(err, BERTH_E_INVALID,
				     "listen: channel must match [a-z_][a-z0-9_]{0,62}");
	for (size_t i = 0; i < store->listen_count; i++)
		if (strcmp(store->listen[i], channel) == 0)
			return store_connect(store, err);
	if (store->listen_count == STORE_MAX_LISTEN)
		return berth_err_set(err, BERTH_E_INVALID, "listen: at most %d channels",
				     STORE_MAX_LISTEN);
	snprintf(store->listen[store->listen_count++], sizeof store->listen[0], "%s", channel);
	/* A new connection LISTENs on every remembered channel; an existing one needs this one. */
	if (store_connect(store, err) != 0)
		return berth_err_prefix(err, "listen");
	if (!was_connected)
		return 0;
	/* The channel is a validated identifier, never input text: quoting it is enough. */
	snprintf(sql, sizeof sql, "LISTEN \"%s\"", channel);
	if (!(res = store_exec_simple(store, sql, err)))
		return berth_err_prefix(err, "listen");
	PQclear(res);
	return 0;
}

static bool take_notification(berth_store *store, struct store_notification *out)
{
	PGnotify *n = PQnotifies(store->conn);

	if (!n)
		return false;
	snprintf(out->channel, sizeof out->channel, "%s", n->relname);
	snprintf(out->payload, sizeof out->payload, "%s", n->extra ? n->extra : "");
	PQfreemem(n);
	return true;
}

int store_wait_notification(berth_store *store, int timeout_ms, struct store_notification *out,
			    bool *got, berth_err *err)
{
	long long deadline = berth_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);

	*got = false;
	if (store_connect(store, err) != 0)
		return berth_err_prefix(err, "wait for notification");
	for (;;) {
		struct pollfd pfd = { .fd = PQsocket(store->conn), .events = POLLIN };
		long long left;
		int rc;

		if (PQconsumeInput(store->conn) == 0) {
			berth_err_driver(err, BERTH_E_UNAVAILABLE, BERTH_EC_DATABASE,
					 "database unavailable: %s", PQerrorMessage(store->conn));
			store_disconnect(store);
			(void)store_check_lock_lost(
				store, err); /* if the lock went with it, that is the error */
			return berth_err_prefix(err, "wait for notification");
		}
		if (take_notification(store, out)) {
			*got = true;
			return 0;
		}
		left = deadline - berth_now_ms();
		if (left <= 0)
			return 0;
		rc = poll(&pfd, 1, (int)left);
		if (rc < 0 && errno != EINTR)
			return berth_err_set(err, BERTH_E_INTERNAL,
					     "wait for notification: poll: %s", strerror(errno));
	}
}
