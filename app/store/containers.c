/* containers.c: the one container row of each bot: what Berth asked for (desired state) and what it
 * last observed (status, ip, errors, timestamps). See include/berth/store_containers.h. */
#include "berth/store_conn.h"
#include "berth/store_containers.h"
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

#include "berth/store_reconcile.h"

static const struct store_stmt S_NODE_ENSURE = {
	STMT_NODE_ENSURE,
	"node_ensure",
	"INSERT INTO nodes (name) VALUES ($1) ON CONFLICT (name) DO NOTHING",
	1,
	false,
};
static const struct store_stmt S_UPSERT = {
	STMT_CONTAINER_UPSERT,
	"container_upsert",
	"WITH c AS (INSERT INTO containers (bot_id, container_id, container_name, image, snapshotter, namespace, "
	"node, host_path, container_path) VALUES ($1::uuid, $2, $2, $3, $4, $5, $6, $7, $8) "
	"ON CONFLICT (bot_id) DO UPDATE SET container_id = EXCLUDED.container_id, "
	"container_name = EXCLUDED.container_name, image = EXCLUDED.image, snapshotter = EXCLUDED.snapshotter, "
	"namespace = EXCLUDED.namespace, node = EXCLUDED.node, host_path = EXCLUDED.host_path, "
	"container_path = EXCLUDED.container_path, updated_at = now() RETURNING *) "
	"SELECT " STORE_CONTAINER_COLUMNS " FROM c",
	8,
	false,
};
static const struct store_stmt S_GET = {
	STMT_CONTAINER_GET,
	"container_get",
	"SELECT " STORE_CONTAINER_COLUMNS " FROM containers c WHERE c.bot_id = $1::uuid",
	1,
	true,
};
static const struct store_stmt S_GET_BY_CID = {
	STMT_CONTAINER_GET_BY_CID,
	"container_get_by_cid",
	"SELECT " STORE_CONTAINER_COLUMNS " FROM containers c WHERE c.container_id = $1",
	1,
	true,
};
static const struct store_stmt S_LIST = {
	STMT_CONTAINER_LIST,
	"container_list",
	"SELECT " STORE_CONTAINER_COLUMNS " FROM containers c ORDER BY c.created_at, c.id",
	0,
	true,
};
static const struct store_stmt S_LIST_BY_OWNER = {
	STMT_CONTAINER_LIST_BY_OWNER,
	"container_list_by_owner",
	"SELECT " STORE_CONTAINER_COLUMNS " FROM containers c JOIN bots b ON b.id = c.bot_id "
	"WHERE b.owner_user_id = $1::uuid ORDER BY c.created_at, c.id",
	1,
	true,
};
static const struct store_stmt S_LIST_BY_NODE = {
	STMT_CONTAINER_LIST_BY_NODE,
	"container_list_by_node",
	"SELECT " STORE_CONTAINER_COLUMNS
	" FROM containers c WHERE c.node = $1 ORDER BY c.created_at, c.id",
	1,
	true,
};
static const struct store_stmt S_MARK_RUNNING = {
	STMT_CONTAINER_MARK_RUNNING,
	"container_mark_running",
	"UPDATE containers SET status = 'running', ip_address = nullif($2, '')::inet, last_error = NULL, "
	"task_status = 'running', last_started_at = now(), updated_at = now() WHERE bot_id = $1::uuid",
	2,
	false,
};
static const struct store_stmt S_MARK_STOPPED = {
	STMT_CONTAINER_MARK_STOPPED,
	"container_mark_stopped",
	"UPDATE containers SET status = 'stopped', ip_address = NULL, last_error = NULL, last_stopped_at = now(), "
	"task_status = 'absent', updated_at = now() WHERE bot_id = $1::uuid",
	1,
	false,
};
static const struct store_stmt S_MARK_ERROR = {
	STMT_CONTAINER_MARK_ERROR,
	"container_mark_error",
	"UPDATE containers SET status = 'error', last_error = $2, task_status = NULL, updated_at = now() "
	"WHERE bot_id = $1::uuid",
	2,
	false,
};
static const struct store_stmt S_SET_IP = {
	STMT_CONTAINER_SET_IP,
	"container_set_ip",
	"UPDATE containers SET ip_address = nullif($2, '')::inet, updated_at = now() WHERE bot_id = $1::uuid",
	2,
	false,
};
static const struct store_stmt S_SET_DESIRED = {
	STMT_CONTAINER_SET_DESIRED,
	"container_set_desired",
	/* NOTIFY in the same statement (delivered at commit), so that no writer forgets the reconciler;
	 * an explicit change of the desired state begins afresh: no backoff is carried over. */
	"WITH u AS (UPDATE containers SET desired_state = $2, backoff_restarts = 0, next_attempt_at = NULL, "
	"updated_at = now() "
	"WHERE bot_id = $1::uuid RETURNING bot_id) "
	"SELECT pg_notify('" STORE_RECONCILE_CHANNEL "', u.bot_id::text) FROM u",
	2,
	false,
};
static const struct store_stmt S_COUNT_RESTART = {
	STMT_CONTAINER_COUNT_RESTART,
	"container_count_restart",
	"UPDATE containers SET restart_count = restart_count + 1, updated_at = now() WHERE bot_id = $1::uuid",
	1,
	false,
};
static const struct store_stmt S_DELETE = {
	STMT_CONTAINER_DELETE,
	"container_delete",
	"DELETE FROM containers WHERE bot_id = $1::uuid",
	1,
	false,
};

int store_container_fill(const PGresult *res, int row, int col0, struct store_container *c,
			 berth_err *err)
{
	struct {
		char *dst;
		size_t size;
		int col;
	} fields[] = {
		{ c->id, sizeof c->id, 0 },
		{ c->bot_id, sizeof c->bot_id, 1 },
		{ c->container_id, sizeof c->container_id, 2 },
		{ c->container_name, sizeof c->container_name, 3 },
		{ c->image, sizeof c->image, 4 },
		{ c->snapshotter, sizeof c->snapshotter, 5 },
		{ c->namespace_, sizeof c->namespace_, 6 },
		{ c->node, sizeof c->node, 7 },
		{ c->status, sizeof c->status, 8 },
		{ c->desired_state, sizeof c->desired_state, 9 },
		{ c->host_path, sizeof c->host_path, 11 },
		{ c->container_path, sizeof c->container_path, 12 },
		{ c->ip_address, sizeof c->ip_address, 13 },
		{ c->last_error, sizeof c->last_error, 14 },
		{ c->created_at, sizeof c->created_at, 16 },
		{ c->updated_at, sizeof c->updated_at, 17 },
		{ c->last_started_at, sizeof c->last_started_at, 18 },
		{ c->last_stopped_at, sizeof c->last_stopped_at, 19 },
	};

	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (store_copy(fields[i].dst, fields[i].size, res, row, col0 + fields[i].col,
			       err) != 0)
			return -1;
	c->auto_start = store_bool(res, row, col0 + 10);
	c->restart_count = atoi(PQgetvalue(res, row, col0 + 15));
	return 0;
}

static int fill_container(const PGresult *res, int row, void *item, berth_err *err)
{
	return store_container_fill(res, row, 0, item, err);
}

int store_container_upsert(berth_store *store, const struct store_container_new *in,
			   struct store_container *out, berth_err *err)
{
	const char *node_values[1] = { in->node };
	const char *values[8] = { in->bot_id,	  in->container_id,
				  in->image,	  in->snapshotter ? in->snapshotter : "",
				  in->namespace_, in->node,
				  in->host_path,  in->container_path };
	struct store_container ignored;

	if (store_check_uuid(in->bot_id, "bot id", err) != 0 ||
	    store_check_text(in->container_id, "container id", err) != 0 ||
	    store_check_text(in->image, "image", err) != 0 ||
	    store_check_text(in->namespace_, "namespace", err) != 0 ||
	    store_check_text(in->node, "node", err) != 0 ||
	    store_check_text(in->container_path, "container path", err) != 0)
		return berth_err_prefix(err, "upsert container");
	if (store_run(store, &S_NODE_ENSURE, node_values, NULL, "upsert container: node", err) != 0)
		return -1;
	if (store_fetch_one(store, &S_UPSERT, values, out ? out : &ignored, fill_container,
			    "upsert container", "container", err) != 0) {
		if (err && err->kind == BERTH_E_NOT_FOUND)
			return berth_err_set(err, BERTH_E_NOT_FOUND,
					     "upsert container: bot %s not found", in->bot_id);
		if (err && err->kind == BERTH_E_ALREADY_EXISTS)
			return berth_err_set(
				err, BERTH_E_ALREADY_EXISTS,
				"upsert container: container id %s belongs to another bot",
				in->container_id);
		return -1;
	}
	return 0;
}

int store_container_get(berth_store *store, const char *bot_id, struct store_container *out,
			berth_err *err)
{
	const char *values[1] = { bot_id };

	if (store_check_uuid(bot_id, "bot id", err) != 0)
		return berth_err_prefix(err, "get container");
	return store_fetch_one(store, &S_GET, values, out, fill_container, "get container",
			       "container", err);
}

int store_container_get_by_container_id(berth_store *store, const char *container_id,
					struct store_container *out, berth_err *err)
{
	const char *values[1] = { container_id };

	if (store_check_text(container_id, "container id", err) != 0)
		return berth_err_prefix(err, "get container");
	return store_fetch_one(store, &S_GET_BY_CID, values, out, fill_container, "get container",
			       "container", err);
}

static int list(berth_store *store, const struct store_stmt *stmt, const char *arg,
		struct store_container_list *out, berth_err *err)
{
	const char *values[1] = { arg };
	void *items;

	out->items = NULL;
	out->count = 0;
	if (store_fetch_list(store, stmt, values, sizeof *out->items, fill_container, &items,
			     &out->count, "list containers", err) != 0)
		return -1;
	out->items = items;
	return 0;
}

int store_container_list(berth_store *store, const char *owner_user_id,
			 struct store_container_list *out, berth_err *err)
{
	if (owner_user_id && store_check_uuid(owner_user_id, "owner user id", err) != 0)
		return berth_err_prefix(err, "list containers");
	return list(store, owner_user_id ? &S_LIST_BY_OWNER : &S_LIST, owner_user_id, out, err);
}

int store_container_list_by_node(berth_store *store, const char *node,
				 struct store_container_list *out, berth_err *err)
{
	if (store_check_text(node, "node", err) != 0)
		return berth_err_prefix(err, "list containers");
	return list(store, &S_LIST_BY_NODE, node, out, err);
}

void store_container_list_free(struct store_container_list *list_)
{
	if (!list_)
		return;
	free(list_->items);
	list_->items = NULL;
	list_->count = 0;
}

/* Runs an UPDATE of the bot's row: NOT_FOUND when there is none. */
static int update(berth_store *store, const struct store_stmt *stmt, const char *bot_id,
		  const char *arg, const char *what, berth_err *err)
{
	const char *values[2] = { bot_id, arg };
	long rows = 0;

	if (store_check_uuid(bot_id, "bot id", err) != 0)
		return berth_err_prefix(err, "%s", what);
	if (store_run(store, stmt, values, &rows, what, err) != 0)
		return -1;
	if (rows == 0)
		return berth_err_set(err, BERTH_E_NOT_FOUND, "%s: bot %s has no container", what,
				     bot_id);
	return 0;
}

int store_container_mark_running(berth_store *store, const char *bot_id, const char *ip_address,
				 berth_err *err)
{
	return update(store, &S_MARK_RUNNING, bot_id, ip_address ? ip_address : "",
		      "mark container running", err);
}

int store_container_mark_stopped(berth_store *store, const char *bot_id, berth_err *err)
{
	return update(store, &S_MARK_STOPPED, bot_id, NULL, "mark container stopped", err);
}

/* The longest prefix of s that fits in size - 1 bytes without splitting a UTF-8 character. */
static size_t utf8_prefix(const char *s, size_t size)
{
	size_t n = strlen(s);

	if (n < size)
		return n;
	n = size - 1;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

int store_container_mark_error(berth_store *store, const char *bot_id, const char *message,
			       berth_err *err)
{
	char text[STORE_ERROR_SIZE];
	size_t n;

	if (!message || !message[0])
		message = "unknown error";
	n = utf8_prefix(message, sizeof text);
	memcpy(text, message, n);
	text[n] = '\0';
	return update(store, &S_MARK_ERROR, bot_id, text, "mark container error", err);
}

int store_container_set_ip(berth_store *store, const char *bot_id, const char *ip_address,
			   berth_err *err)
{
	return update(store, &S_SET_IP, bot_id, ip_address ? ip_address : "", "set container ip",
		      err);
}

int store_container_set_desired(berth_store *store, const char *bot_id, const char *desired,
				berth_err *err)
{
	if (!desired || (strcmp(desired, "running") != 0 && strcmp(desired, "stopped") != 0))
		return berth_err_set(err, BERTH_E_INVALID,
				     "set desired state: must be running or stopped");
	return update(store, &S_SET_DESIRED, bot_id, desired, "set desired state", err);
}

int store_container_count_restart(berth_store *store, const char *bot_id, berth_err *err)
{
	return update(store, &S_COUNT_RESTART, bot_id, NULL, "count container restart", err);
}

int store_container_delete(berth_store *store, const char *bot_id, bool *deleted, berth_err *err)
{
	const char *values[1] = { bot_id };
	long rows = 0;

	if (deleted)
		*deleted = false;
	if (store_check_uuid(bot_id, "bot id", err) != 0)
		return berth_err_prefix(err, "delete container");
	if (store_run(store, &S_DELETE, values, &rows, "delete container", err) != 0)
		return -1;
	if (deleted)
		*deleted = rows > 0;
	return 0;
}
