/* reconcile.c: the container row as berth-reconcile sees it: restart policy, last exit, restart
 * backoff, observation time. See include/berth/store_reconcile.h. */
#include "store_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/store_reconcile.h"

static const struct store_stmt S_GET = {
	STMT_RECONCILE_GET,
	"reconcile_get",
	"SELECT " STORE_RECONCILE_COLUMNS " FROM containers c WHERE c.bot_id = $1::uuid",
	1,
	true,
};
static const struct store_stmt S_LIST = {
	STMT_RECONCILE_LIST,
	"reconcile_list",
	"SELECT " STORE_RECONCILE_COLUMNS " FROM containers c WHERE c.node = $1 ORDER BY c.bot_id",
	1,
	true,
};
static const struct store_stmt S_SET_POLICY = {
	STMT_RECONCILE_SET_POLICY,
	"reconcile_set_policy",
	"UPDATE containers SET restart_policy = $2, updated_at = now() WHERE bot_id = $1::uuid",
	2,
	false,
};
/* The last exit was an OOM kill when containerd reported one since the task started. */
#define OOM_SINCE_START "coalesce(last_oom_at >= coalesce(last_started_at, '-infinity'), false)"
/* $2 exit code ('' unknown), $3 record the exit, $4 delay in ms, $5 the task as observed ('' unknown). */
static const struct store_stmt S_MARK_BACKOFF = {
	STMT_RECONCILE_MARK_BACKOFF,
	"reconcile_mark_backoff",
	"UPDATE containers SET status = 'backoff', ip_address = NULL, "
	"last_exit_code = CASE WHEN $3::boolean THEN nullif($2, '')::integer ELSE last_exit_code END, "
	"last_exit_at = CASE WHEN $3::boolean THEN now() ELSE last_exit_at END, "
	"oom_killed = CASE WHEN $3::boolean THEN " OOM_SINCE_START " ELSE oom_killed END, "
	"next_attempt_at = clock_timestamp() + $4::bigint * interval '1 millisecond', "
	"task_status = CASE WHEN $3::boolean THEN nullif($5, '') ELSE NULL END, "
	"observed_at = now(), updated_at = now() WHERE bot_id = $1::uuid",
	5,
	false,
};
static const struct store_stmt S_MARK_EXITED = {
	STMT_RECONCILE_MARK_EXITED,
	"reconcile_mark_exited",
	"UPDATE containers SET status = 'stopped', ip_address = NULL, last_exit_code = nullif($2, '')::integer, "
	"last_exit_at = now(), oom_killed = " OOM_SINCE_START
	", next_attempt_at = NULL, last_stopped_at = now(), "
	"task_status = nullif($3, ''), observed_at = now(), updated_at = now() WHERE bot_id = $1::uuid",
	3,
	false,
};
static const struct store_stmt S_MARK_OOM = {
	STMT_RECONCILE_MARK_OOM,
	"reconcile_mark_oom",
	"UPDATE containers SET last_oom_at = now(), updated_at = now() WHERE bot_id = $1::uuid",
	1,
	false,
};
static const struct store_stmt S_COUNT_ATTEMPT = {
	STMT_RECONCILE_COUNT_ATTEMPT,
	"reconcile_count_attempt",
	"UPDATE containers SET restart_count = restart_count + 1, backoff_restarts = backoff_restarts + 1, "
	"next_attempt_at = NULL, updated_at = now() WHERE bot_id = $1::uuid",
	1,
	false,
};
static const struct store_stmt S_RESET_BACKOFF = {
	STMT_RECONCILE_RESET_BACKOFF,
	"reconcile_reset_backoff",
	"UPDATE containers SET backoff_restarts = 0, updated_at = now() WHERE bot_id = $1::uuid",
	1,
	false,
};
static const struct store_stmt S_OBSERVED = {
	STMT_RECONCILE_OBSERVED,
	"reconcile_observed",
	"UPDATE containers SET observed_at = now(), task_status = nullif($2, '') WHERE bot_id = $1::uuid",
	2,
	false,
};

/* pg_locks shows a two-int advisory key as classid = key 1, objid = key 2 (as an unsigned oid). */
static const struct store_stmt S_NODE_HELD = {
	STMT_RECONCILE_NODE_HELD,
	"reconcile_node_held",
	"SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2 "
	"AND classid = " NODE_LOCK_CLASS
	"::bigint::oid AND objid = (hashtext($1)::bigint & 4294967295)::oid)",
	1,
	true,
};

int store_reconcile_fill(const PGresult *res, int row, int col0, struct store_reconcile_row *r,
			 berth_err *err)
{
	char exit_code[16];
	struct {
		char *dst;
		size_t size;
		int col;
	} fields[] = {
		{ r->bot_id, sizeof r->bot_id, 0 },
		{ r->container_id, sizeof r->container_id, 1 },
		{ r->status, sizeof r->status, 2 },
		{ r->desired_state, sizeof r->desired_state, 3 },
		{ r->restart_policy, sizeof r->restart_policy, 4 },
		{ r->snapshotter, sizeof r->snapshotter, 5 },
		{ r->ip_address, sizeof r->ip_address, 6 },
		{ exit_code, sizeof exit_code, 9 },
		{ r->last_exit_at, sizeof r->last_exit_at, 11 },
		{ r->next_attempt_at, sizeof r->next_attempt_at, 12 },
		{ r->observed_at, sizeof r->observed_at, 15 },
	};

	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (store_copy(fields[i].dst, fields[i].size, res, row, col0 + fields[i].col,
			       err) != 0)
			return -1;
	r->restart_count = atoi(PQgetvalue(res, row, col0 + 7));
	r->backoff_restarts = atoi(PQgetvalue(res, row, col0 + 8));
	r->has_exit_code = exit_code[0] != '\0';
	r->last_exit_code = r->has_exit_code ? atoi(exit_code) : 0;
	r->oom_killed = store_bool(res, row, col0 + 10);
	r->next_attempt_in_ms = strtoll(PQgetvalue(res, row, col0 + 13), NULL, 10);
	r->running_for_ms = strtoll(PQgetvalue(res, row, col0 + 14), NULL, 10);
	return 0;
}

/* The heartbeat holds only while some session holds the node lock (the one that writes it, or a
 * standby that took over): a reconciler whose lock is gone cannot vouch for the rows. */
static const struct store_stmt S_HEARTBEAT = {
	STMT_RECONCILE_HEARTBEAT,
	"reconcile_heartbeat",
	"INSERT INTO nodes (name, reconciler_alive_until, reconciler_relist_ms, reconcile_relists, "
	"reconcile_passes, reconcile_adopts, reconcile_restarts, reconcile_stops, reconcile_orphans, "
	"reconcile_last_relist_ms) "
	"SELECT $1, clock_timestamp() + $2::integer * interval '1 millisecond', $3::integer, "
	"$4::bigint, $5::bigint, $6::bigint, $7::bigint, $8::bigint, $9::bigint, $10::integer "
	"WHERE EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2 "
	"AND classid = " NODE_LOCK_CLASS
	"::bigint::oid AND objid = (hashtext($1)::bigint & 4294967295)::oid) "
	"ON CONFLICT (name) DO UPDATE SET reconciler_alive_until = EXCLUDED.reconciler_alive_until, "
	"reconciler_relist_ms = EXCLUDED.reconciler_relist_ms, "
	"reconcile_relists = nodes.reconcile_relists + EXCLUDED.reconcile_relists, "
	"reconcile_passes = nodes.reconcile_passes + EXCLUDED.reconcile_passes, "
	"reconcile_adopts = nodes.reconcile_adopts + EXCLUDED.reconcile_adopts, "
	"reconcile_restarts = nodes.reconcile_restarts + EXCLUDED.reconcile_restarts, "
	"reconcile_stops = nodes.reconcile_stops + EXCLUDED.reconcile_stops, "
	"reconcile_orphans = nodes.reconcile_orphans + EXCLUDED.reconcile_orphans, "
	"reconcile_last_relist_ms = coalesce(EXCLUDED.reconcile_last_relist_ms, "
	"nodes.reconcile_last_relist_ms)",
	10,
	false,
};
static const struct store_stmt S_HEARTBEAT_CLEAR = {
	STMT_RECONCILE_HEARTBEAT_CLEAR,
	"reconcile_heartbeat_clear",
	"UPDATE nodes SET reconciler_alive_until = NULL, "
	"reconcile_relists = reconcile_relists + $2::bigint, "
	"reconcile_passes = reconcile_passes + $3::bigint, "
	"reconcile_adopts = reconcile_adopts + $4::bigint, "
	"reconcile_restarts = reconcile_restarts + $5::bigint, "
	"reconcile_stops = reconcile_stops + $6::bigint, "
	"reconcile_orphans = reconcile_orphans + $7::bigint, "
	"reconcile_last_relist_ms = coalesce($8::integer, reconcile_last_relist_ms) WHERE name = $1",
	8,
	false,
};

/* The counts as statement parameters: values[0..6) the deltas (negative ones as 0), values[6] the
 * last relist duration or NULL. */
struct counts_text {
	char num[7][24];
};

static void counts_values(const struct store_reconcile_counts *c, struct counts_text *t,
			  const char *values[7])
{
	static const struct store_reconcile_counts none = { 0, 0, 0, 0, 0, 0, -1 };
	int64_t v[7];

	if (!c)
		c = &none;
	v[0] = c->relists;
	v[1] = c->passes;
	v[2] = c->adopts;
	v[3] = c->restarts;
	v[4] = c->stops;
	v[5] = c->orphans;
	v[6] = c->last_relist_ms > INT32_MAX ? INT32_MAX : c->last_relist_ms;
	for (int i = 0; i < 7; i++) {
		snprintf(t->num[i], sizeof t->num[i], "%" PRId64, v[i] < 0 ? 0 : v[i]);
		values[i] = t->num[i];
	}
	if (c->last_relist_ms < 0)
		values[6] = NULL;
}

static int fill_row(const PGresult *res, int row, void *item, berth_err *err)
{
	return store_reconcile_fill(res, row, 0, item, err);
}

int store_reconcile_get(berth_store *store, const char *bot_id, struct store_reconcile_row *out,
			berth_err *err)
{
	const char *values[1] = { bot_id };

	if (store_check_uuid(bot_id, "bot id", err) != 0)
		return berth_err_prefix(err, "get container state");
	return store_fetch_one(store, &S_GET, values, out, fill_row, "get container state",
			       "container", err);
}

int store_reconcile_list(berth_store *store, const char *node, struct store_reconcile_list *out,
			 berth_err *err)
{
	const char *values[1] = { node };
	void *items;

	out->items = NULL;
	out->count = 0;
	if (store_check_text(node, "node", err) != 0)
		return berth_err_prefix(err, "list container states");
	if (store_fetch_list(store, &S_LIST, values, sizeof *out->items, fill_row, &items,
			     &out->count, "list container states", err) != 0)
		return -1;
	out->items = items;
	return 0;
}

void store_reconcile_list_free(struct store_reconcile_list *list)
{
	if (!list)
		return;
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

/* Runs an UPDATE of the bot's row: NOT_FOUND when there is none. */
static int update(berth_store *store, const struct store_stmt *stmt, const char *const *values,
		  const char *what, berth_err *err)
{
	long rows = 0;

	if (store_check_uuid(values[0], "bot id", err) != 0)
		return berth_err_prefix(err, "%s", what);
	if (store_run(store, stmt, values, &rows, what, err) != 0)
		return -1;
	if (rows == 0)
		return berth_err_set(err, BERTH_E_NOT_FOUND, "%s: bot %s has no container", what,
				     values[0]);
	return 0;
}

int store_reconcile_set_policy(berth_store *store, const char *bot_id, const char *policy,
			       berth_err *err)
{
	const char *values[2] = { bot_id, policy };

	if (store_check_text(policy, "restart policy", err) != 0)
		return berth_err_prefix(err, "set restart policy");
	return update(store, &S_SET_POLICY, values, "set restart policy", err);
}

/* The observed task state as the statements take it: "" for unknown. */
static const char *task_text(const char *task_status)
{
	return task_status ? task_status : "";
}

static void exit_code_text(const struct store_exit *exit, char out[16])
{
	if (exit && exit->exit_code >= 0)
		snprintf(out, 16, "%d", exit->exit_code);
	else
		out[0] = '\0';
}

int store_reconcile_mark_backoff(berth_store *store, const char *bot_id,
				 const struct store_exit *exit, long long delay_ms, berth_err *err)
{
	char code[16], delay[24];
	const char *values[5] = { bot_id, code, exit ? "true" : "false", delay,
				  task_text(exit ? exit->task_status : NULL) };

	exit_code_text(exit, code);
	snprintf(delay, sizeof delay, "%lld", delay_ms > 0 ? delay_ms : 0);
	return update(store, &S_MARK_BACKOFF, values, "mark container backoff", err);
}

int store_reconcile_mark_exited(berth_store *store, const char *bot_id,
				const struct store_exit *exit, berth_err *err)
{
	char code[16];
	const char *values[3] = { bot_id, code, task_text(exit ? exit->task_status : NULL) };

	exit_code_text(exit, code);
	return update(store, &S_MARK_EXITED, values, "mark container exited", err);
}

int store_reconcile_count_attempt(berth_store *store, const char *bot_id, berth_err *err)
{
	const char *values[1] = { bot_id };

	return update(store, &S_COUNT_ATTEMPT, values, "count restart attempt", err);
}

int store_reconcile_reset_backoff(berth_store *store, const char *bot_id, berth_err *err)
{
	const char *values[1] = { bot_id };

	return update(store, &S_RESET_BACKOFF, values, "reset restart backoff", err);
}

int store_reconcile_mark_oom(berth_store *store, const char *bot_id, berth_err *err)
{
	const char *values[1] = { bot_id };

	return update(store, &S_MARK_OOM, values, "record OOM kill", err);
}

int store_reconcile_node_held(berth_store *store, const char *node, bool *held, berth_err *err)
{
	const char *values[1] = { node };
	PGresult *res;

	*held = false;
	if (store_check_text(node, "node", err) != 0)
		return berth_err_prefix(err, "reconciler lock");
	if (!(res = store_exec(store, &S_NODE_HELD, values, err)))
		return berth_err_prefix(err, "reconciler lock");
	*held = PQntuples(res) == 1 && store_bool(res, 0, 0);
	PQclear(res);
	return 0;
}

int store_reconcile_observed(berth_store *store, const char *bot_id, const char *task_status,
			     berth_err *err)
{
	const char *values[2] = { bot_id, task_text(task_status) };

	return update(store, &S_OBSERVED, values, "mark container observed", err);
}

int store_reconcile_heartbeat(berth_store *store, const char *node, int ttl_ms, int relist_ms,
			      const struct store_reconcile_counts *counts, bool *held,
			      berth_err *err)
{
	char ttl[16], relist[16];
	struct counts_text text;
	const char *values[10] = { node, ttl, relist };
	long rows = 0;

	*held = false;
	if (store_check_text(node, "node", err) != 0)
		return berth_err_prefix(err, "reconciler heartbeat");
	snprintf(ttl, sizeof ttl, "%d", ttl_ms > 0 ? ttl_ms : 1);
	snprintf(relist, sizeof relist, "%d", relist_ms > 0 ? relist_ms : 1);
	counts_values(counts, &text, values + 3);
	if (store_run(store, &S_HEARTBEAT, values, &rows, "reconciler heartbeat", err) != 0)
		return -1;
	*held = rows > 0;
	return 0;
}

int store_reconcile_heartbeat_clear(berth_store *store, const char *node,
				    const struct store_reconcile_counts *counts, berth_err *err)
{
	struct counts_text text;
	const char *values[8] = { node };

	if (store_check_text(node, "node", err) != 0)
		return berth_err_prefix(err, "clear reconciler heartbeat");
	counts_values(counts, &text, values + 1);
	return store_run(store, &S_HEARTBEAT_CLEAR, values, NULL, "clear reconciler heartbeat",
			 err);
}
