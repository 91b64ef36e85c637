/* stdio.c: the records of bots' stdio MCP sessions (see include/berth/store_stdio.h). */
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

#include "berth/store_stdio.h"

#define STDIO_COLUMNS                                                                                                  \
	"id::text, bot_id::text, name, command, cwd, state, closed_reason, " STORE_TIME("created_at") ", " STORE_TIME( \
		"last_used_at") ", " STORE_TIME("closed_at") ", "                                                      \
							     "created_at < now() - interval '" STORE_STDIO_SETTLE      \
							     "'"

static const struct store_stmt S_INSERT = {
	STMT_STDIO_INSERT,
	"stdio_insert",
	"INSERT INTO mcp_stdio_sessions (id, bot_id, name, command, args, cwd) "
	"VALUES ($1::uuid, $2::uuid, $3, $4, $5::jsonb, $6)",
	6,
	false,
};
static const struct store_stmt S_PRUNE = {
	STMT_STDIO_PRUNE,
	"stdio_prune",
	"DELETE FROM mcp_stdio_sessions WHERE bot_id = $1::uuid AND state = 'closed' "
	"AND closed_at < now() - interval '" STORE_STDIO_KEEP_CLOSED "'",
	1,
	false,
};
static const struct store_stmt S_GET = {
	STMT_STDIO_GET,
	"stdio_get",
	"SELECT " STDIO_COLUMNS
	" FROM mcp_stdio_sessions WHERE bot_id = $1::uuid AND id = $2::uuid",
	2,
	true,
};
static const struct store_stmt S_LIST = {
	STMT_STDIO_LIST,
	"stdio_list",
	"SELECT " STDIO_COLUMNS
	" FROM mcp_stdio_sessions WHERE bot_id = $1::uuid AND (state = 'active' "
	"OR closed_at >= now() - interval '" STORE_STDIO_KEEP_CLOSED "') ORDER BY created_at, id",
	1,
	true,
};
static const struct store_stmt S_USE = {
	STMT_STDIO_USE,
	"stdio_use",
	"UPDATE mcp_stdio_sessions SET last_used_at = CASE WHEN state = 'active' THEN now() ELSE "
	"last_used_at END WHERE bot_id = $1::uuid AND id = $2::uuid RETURNING state",
	2,
	false,
};
static const struct store_stmt S_CLOSE = {
	STMT_STDIO_CLOSE,
	"stdio_close",
	"UPDATE mcp_stdio_sessions SET state = 'closed', closed_reason = left($3, 1000), closed_at = now() "
	"WHERE bot_id = $1::uuid AND id = $2::uuid AND state = 'active'",
	3,
	false,
};
static const struct store_stmt S_DELETE = {
	STMT_STDIO_DELETE,
	"stdio_delete",
	"DELETE FROM mcp_stdio_sessions WHERE bot_id = $1::uuid AND id = $2::uuid",
	2,
	false,
};

static const struct store_stmt S_CONNECTIONS = {
	STMT_STDIO_CONNECTIONS,
	"stdio_connections",
	"SELECT id::text, name, config::text FROM mcp_connections WHERE bot_id = $1::uuid AND type = 'stdio' "
	"AND is_active AND octet_length(name) < 256 AND octet_length(config::text) < 8192 ORDER BY name, id",
	1,
	true,
};

static int fill_session(const PGresult *res, int row, void *item, berth_err *err)
{
	struct store_stdio_session *s = item;

	if (store_copy(s->id, sizeof s->id, res, row, 0, err) != 0 ||
	    store_copy(s->bot_id, sizeof s->bot_id, res, row, 1, err) != 0 ||
	    store_copy(s->name, sizeof s->name, res, row, 2, err) != 0 ||
	    store_copy(s->command, sizeof s->command, res, row, 3, err) != 0 ||
	    store_copy(s->cwd, sizeof s->cwd, res, row, 4, err) != 0 ||
	    store_copy(s->state, sizeof s->state, res, row, 5, err) != 0 ||
	    store_copy(s->closed_reason, sizeof s->closed_reason, res, row, 6, err) != 0 ||
	    store_copy(s->created_at, sizeof s->created_at, res, row, 7, err) != 0 ||
	    store_copy(s->last_used_at, sizeof s->last_used_at, res, row, 8, err) != 0 ||
	    store_copy(s->closed_at, sizeof s->closed_at, res, row, 9, err) != 0)
		return -1;
	s->settled = store_bool(res, row, 10);
	return 0;
}

static int check_ids(const char *bot_id, const char *id, const char *what, berth_err *err)
{
	if (store_check_uuid(bot_id, "bot id", err) != 0 ||
	    store_check_uuid(id, "connection id", err) != 0)
		return berth_err_prefix(err, "%s", what);
	return 0;
}

int store_stdio_insert(berth_store *store, const char *id, const char *bot_id, const char *name,
		       const char *command, const char *args_json, const char *cwd, berth_err *err)
{
	const char *values[6] = {
		id, bot_id, name ? name : "", command, args_json ? args_json : "[]", cwd ? cwd : ""
	};
	const char *prune[1] = { bot_id };

	if (check_ids(bot_id, id, "insert stdio session", err) != 0)
		return -1;
	if (store_check_text(command, "command", err) != 0)
		return berth_err_prefix(err, "insert stdio session");
	if (strlen(values[2]) >= STORE_STDIO_NAME_SIZE ||
	    strlen(command) >= STORE_STDIO_COMMAND_SIZE || strlen(values[5]) >= STORE_PATH_SIZE)
		return berth_err_set(err, BERTH_E_INVALID,
				     "name, command or cwd is too long (at most %d, %d, %d bytes)",
				     STORE_STDIO_NAME_SIZE - 1, STORE_STDIO_COMMAND_SIZE - 1,
				     STORE_PATH_SIZE - 1);
	if (store_run(store, &S_PRUNE, prune, NULL, "prune stdio sessions", err) != 0)
		return -1;
	if (store_run(store, &S_INSERT, values, NULL, "insert stdio session", err) != 0) {
		if (err && err->kind == BERTH_E_NOT_FOUND) /* foreign key: the bot */
			return berth_err_set(err, BERTH_E_NOT_FOUND,
					     "insert stdio session: bot %s not found", bot_id);
		return -1;
	}
	return 0;
}

int store_stdio_get(berth_store *store, const char *bot_id, const char *id,
		    struct store_stdio_session *out, berth_err *err)
{
	const char *values[2] = { bot_id, id };

	if (check_ids(bot_id, id, "get stdio session", err) != 0)
		return -1;
	return store_fetch_one(store, &S_GET, values, out, fill_session, "get stdio session",
			       "stdio session", err);
}

int store_stdio_list(berth_store *store, const char *bot_id, struct store_stdio_list *out,
		     berth_err *err)
{
	void *items;
	int rc = store_fetch_bot_list(store, &S_LIST, bot_id, sizeof *out->items, fill_session,
				      &items, &out->count, "list stdio sessions", err);

	out->items = items; /* NULL on failure */
	return rc;
}

void store_stdio_list_free(struct store_stdio_list *list)
{
	if (!list)
		return;
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

static int fill_state(const PGresult *res, int row, void *item, berth_err *err)
{
	return store_copy(item, STORE_STATE_SIZE, res, row, 0, err);
}

int store_stdio_use(berth_store *store, const char *bot_id, const char *id,
		    char state[STORE_STATE_SIZE], berth_err *err)
{
	const char *values[2] = { bot_id, id };

	if (check_ids(bot_id, id, "use stdio session", err) != 0)
		return -1;
	return store_fetch_one(store, &S_USE, values, state, fill_state, "use stdio session",
			       "stdio session", err);
}

int store_stdio_close(berth_store *store, const char *bot_id, const char *id, const char *reason,
		      berth_err *err)
{
	const char *values[3] = { bot_id, id, reason ? reason : "" };

	if (check_ids(bot_id, id, "close stdio session", err) != 0)
		return -1;
	return store_run(store, &S_CLOSE, values, NULL, "close stdio session", err);
}

int store_stdio_delete(berth_store *store, const char *bot_id, const char *id, berth_err *err)
{
	const char *values[2] = { bot_id, id };

	if (check_ids(bot_id, id, "delete stdio session", err) != 0)
		return -1;
	return store_run(store, &S_DELETE, values, NULL, "delete stdio session", err);
}

static int fill_connection(const PGresult *res, int row, void *item, berth_err *err)
{
	struct store_stdio_connection *c = item;

	if (store_copy(c->id, sizeof c->id, res, row, 0, err) != 0 ||
	    store_copy(c->name, sizeof c->name, res, row, 1, err) != 0 ||
	    store_copy(c->config, sizeof c->config, res, row, 2, err) != 0)
		return -1;
	return 0;
}

int store_stdio_connections(berth_store *store, const char *bot_id,
			    struct store_stdio_connection_list *out, berth_err *err)
{
	void *items;
	int rc = store_fetch_bot_list(store, &S_CONNECTIONS, bot_id, sizeof *out->items,
				      fill_connection, &items, &out->count,
				      "list stdio connections", err);

	out->items = items; /* NULL on failure */
	return rc;
}

void store_stdio_connection_list_free(struct store_stdio_connection_list *list)
{
	if (!list)
		return;
	free(list->items);
	list->items = NULL;
	list->count = 0;
}
