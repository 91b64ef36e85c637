/* mcpconn.c: a bot's MCP connections (see include/berth/store_mcpconn.h). */
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/store_mcpconn.h"

#define MCPCONN_COLUMNS                                                                            \
	"c.id::text, c.bot_id::text, c.name, c.type, c.config::text, c.is_active, " STORE_TIME(    \
		"c.created_at") ", " STORE_TIME("c.updated_at")

static const struct store_stmt S_LIST = {
	STMT_MCPCONN_LIST,
	"mcpconn_list",
	"SELECT " MCPCONN_COLUMNS " FROM mcp_connections c WHERE c.bot_id = $1::uuid "
	"ORDER BY c.created_at DESC, c.name",
	1,
	true,
};
static const struct store_stmt S_GET = {
	STMT_MCPCONN_GET,
	"mcpconn_get",
	"SELECT " MCPCONN_COLUMNS
	" FROM mcp_connections c WHERE c.bot_id = $1::uuid AND c.id = $2::uuid",
	2,
	true,
};
/* The count bound and the insert are one statement; two concurrent creates may each see one
 * slot left (read committed), so the bound can be passed by the few requests racing for the last
 * slot, never by more. */
static const struct store_stmt S_CREATE = {
	STMT_MCPCONN_CREATE,
	"mcpconn_create",
	"WITH c AS (INSERT INTO mcp_connections (bot_id, name, type, config, is_active) "
	"SELECT $1::uuid, $2, $3, $4::jsonb, $5::boolean "
	"WHERE (SELECT count(*) FROM mcp_connections WHERE bot_id = $1::uuid) < $6::int RETURNING *) "
	"SELECT " MCPCONN_COLUMNS " FROM c",
	6,
	false,
};
static const struct store_stmt S_UPDATE = {
	STMT_MCPCONN_UPDATE,
	"mcpconn_update",
	"WITH c AS (UPDATE mcp_connections SET name = $3, type = $4, config = $5::jsonb, is_active = $6::boolean, "
	"updated_at = now() WHERE bot_id = $1::uuid AND id = $2::uuid RETURNING *) "
	"SELECT " MCPCONN_COLUMNS " FROM c",
	6,
	false,
};
static const struct store_stmt S_DELETE = {
	STMT_MCPCONN_DELETE,
	"mcpconn_delete",
	"DELETE FROM mcp_connections WHERE bot_id = $1::uuid AND id = $2::uuid",
	2,
	false,
};
static const struct store_stmt S_DELETE_MANY = {
	STMT_MCPCONN_DELETE_MANY,
	"mcpconn_delete_many",
	"WITH want AS (SELECT DISTINCT (jsonb_array_elements_text($2::jsonb))::uuid AS id), "
	"found AS (SELECT count(*) AS n FROM mcp_connections WHERE bot_id = $1::uuid AND id IN (SELECT id FROM want)) "
	"DELETE FROM mcp_connections WHERE bot_id = $1::uuid AND id IN (SELECT id FROM want) "
	"AND (SELECT n FROM found) = (SELECT count(*) FROM want)",
	2,
	false,
};
static const struct store_stmt S_IMPORT = {
	STMT_MCPCONN_IMPORT,
	"mcpconn_import",
	"WITH e AS (SELECT key AS name, value->>'type' AS type, value->'config' AS config FROM jsonb_each($2::jsonb)), "
	"fits AS (SELECT (SELECT count(*) FROM mcp_connections WHERE bot_id = $1::uuid) + "
	"(SELECT count(*) FROM e WHERE e.name NOT IN (SELECT name FROM mcp_connections WHERE bot_id = $1::uuid)) "
	"<= $3::int AS ok), "
	"c AS (INSERT INTO mcp_connections (bot_id, name, type, config) "
	"SELECT $1::uuid, e.name, e.type, e.config FROM e WHERE (SELECT ok FROM fits) "
	"ON CONFLICT (bot_id, name) DO UPDATE SET type = EXCLUDED.type, config = EXCLUDED.config, "
	"updated_at = now() RETURNING *) "
	"SELECT " MCPCONN_COLUMNS " FROM c ORDER BY c.name",
	3,
	false,
};

void store_mcpconn_clear(struct store_mcpconn *conn)
{
	if (!conn)
		return;
	free(conn->config);
	conn->config = NULL;
}

void store_mcpconn_list_free(struct store_mcpconn_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->count; i++)
		store_mcpconn_clear(&list->items[i]);
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

/* One row into *out (its config NEW). */
static int fill_conn(const PGresult *res, int row, struct store_mcpconn *out, berth_err *err)
{
	memset(out, 0, sizeof *out);
	if (store_copy(out->id, sizeof out->id, res, row, 0, err) != 0 ||
	    store_copy(out->bot_id, sizeof out->bot_id, res, row, 1, err) != 0 ||
	    store_copy(out->name, sizeof out->name, res, row, 2, err) != 0 ||
	    store_copy(out->type, sizeof out->type, res, row, 3, err) != 0 ||
	    store_copy(out->created_at, sizeof out->created_at, res, row, 6, err) != 0 ||
	    store_copy(out->updated_at, sizeof out->updated_at, res, row, 7, err) != 0)
		return -1;
	out->config = strdup(PQgetisnull(res, row, 4) ? "{}" : PQgetvalue(res, row, 4));
	if (!out->config)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	out->is_active = store_bool(res, row, 5);
	return 0;
}

/* Every row of res into a NEW list. */
static int fill_list(const PGresult *res, struct store_mcpconn_list *out, berth_err *err)
{
	int n = PQntuples(res);

	out->items = NULL;
	out->count = 0;
	if (n == 0)
		return 0;
	out->items = calloc((size_t)n, sizeof *out->items);
	if (!out->items)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	for (int i = 0; i < n; i++) {
		if (fill_conn(res, i, &out->items[i], err) != 0) {
			store_mcpconn_list_free(out);
			return -1;
		}
		out->count++;
	}
	return 0;
}

/* Runs stmt and takes its first row: NOT_FOUND "mcp connection not found" when none. */
static int fetch_one(berth_store *store, const struct store_stmt *stmt, const char *const *values,
		     struct store_mcpconn *out, const char *what, berth_err *err)
{
	PGresult *res = store_exec(store, stmt, values, err);
	int rc;

	memset(out, 0, sizeof *out);
	if (!res)
		return berth_err_prefix(err, "%s", what);
	if (PQntuples(res) == 0)
		rc = berth_err_set(err, BERTH_E_NOT_FOUND, "mcp connection not found");
	else if ((rc = fill_conn(res, 0, out, err)) != 0)
		berth_err_prefix(err, "%s", what);
	PQclear(res);
	return rc;
}

static int check_ids(const char *bot_id, const char *id, const char *what, berth_err *err)
{
	if (store_check_uuid(bot_id, "bot id", err) != 0 ||
	    (id && store_check_uuid(id, "connection id", err) != 0))
		return berth_err_prefix(err, "%s", what);
	return 0;
}

static int check_new(const struct store_mcpconn_new *in, const char *what, berth_err *err)
{
	if (store_check_text(in->name, "name", err) != 0 ||
	    store_check_text(in->type, "type", err) != 0 ||
	    store_check_text(in->config, "config", err) != 0)
		return berth_err_prefix(err, "%s", what);
	return 0;
}

int store_mcpconn_list(berth_store *store, const char *bot_id, struct store_mcpconn_list *out,
		       berth_err *err)
{
	const char *values[1] = { bot_id };
	PGresult *res;
	int rc;

	out->items = NULL;
	out->count = 0;
	if (check_ids(bot_id, NULL, "list mcp connections", err) != 0)
		return -1;
	res = store_exec(store, &S_LIST, values, err);
	if (!res)
		return berth_err_prefix(err, "list mcp connections");
	rc = fill_list(res, out, err);
	PQclear(res);
	return rc;
}

int store_mcpconn_get(berth_store *store, const char *bot_id, const char *id,
		      struct store_mcpconn *out, berth_err *err)
{
	const char *values[2] = { bot_id, id };

	memset(out, 0, sizeof *out);
	if (check_ids(bot_id, id, "get mcp connection", err) != 0)
		return -1;
	return fetch_one(store, &S_GET, values, out, "get mcp connection", err);
}

int store_mcpconn_create(berth_store *store, const char *bot_id, const struct store_mcpconn_new *in,
			 int max_per_bot, struct store_mcpconn *out, berth_err *err)
{
	char limit[16];
	const char *values[6] = {
		bot_id, in->name, in->type, in->config, in->is_active ? "true" : "false", limit
	};
	PGresult *res;
	int rc;

	memset(out, 0, sizeof *out);
	if (check_ids(bot_id, NULL, "create mcp connection", err) != 0 ||
	    check_new(in, "create mcp connection", err) != 0)
		return -1;
	snprintf(limit, sizeof limit, "%d", max_per_bot);
	res = store_exec(store, &S_CREATE, values, err);
	if (!res) {
		if (err && err->kind == BERTH_E_ALREADY_EXISTS)
			return berth_err_set(err, BERTH_E_ALREADY_EXISTS,
					     "an mcp connection named %s exists", in->name);
		if (err && err->kind == BERTH_E_NOT_FOUND)
			return berth_err_set(err, BERTH_E_NOT_FOUND, "bot not found");
		return berth_err_prefix(err, "create mcp connection");
	}
	if (PQntuples(res) == 0)
		rc = berth_err_set(err, BERTH_E_TOO_LARGE,
				   "the bot has %d mcp connections, the most it may have",
				   max_per_bot);
	else if ((rc = fill_conn(res, 0, out, err)) != 0)
		berth_err_prefix(err, "create mcp connection");
	PQclear(res);
	return rc;
}

int store_mcpconn_update(berth_store *store, const char *bot_id, const char *id,
			 const struct store_mcpconn_new *in, struct store_mcpconn *out,
			 berth_err *err)
{
	const char *values[6] = { bot_id,   id,		in->name,
				  in->type, in->config, in->is_active ? "true" : "false" };

	memset(out, 0, sizeof *out);
	if (check_ids(bot_id, id, "update mcp connection", err) != 0 ||
	    check_new(in, "update mcp connection", err) != 0)
		return -1;
	if (fetch_one(store, &S_UPDATE, values, out, "update mcp connection", err) == 0)
		return 0;
	if (err && err->kind == BERTH_E_ALREADY_EXISTS)
		return berth_err_set(err, BERTH_E_ALREADY_EXISTS,
				     "an mcp connection named %s exists", in->name);
	return -1;
}

int store_mcpconn_delete(berth_store *store, const char *bot_id, const char *id, berth_err *err)
{
	const char *values[2] = { bot_id, id };
	long rows = 0;

	if (check_ids(bot_id, id, "delete mcp connection", err) != 0 ||
	    store_run(store, &S_DELETE, values, &rows, "delete mcp connection", err) != 0)
		return -1;
	if (rows == 0)
		return berth_err_set(err, BERTH_E_NOT_FOUND, "mcp connection not found");
	return 0;
}

int store_mcpconn_delete_many(berth_store *store, const char *bot_id, const char *ids_json,
			      long *deleted, berth_err *err)
{
	const char *values[2] = { bot_id, ids_json };
	long rows = 0;

	if (deleted)
		*deleted = 0;
	if (check_ids(bot_id, NULL, "delete mcp connections", err) != 0 ||
	    store_check_text(ids_json, "ids", err) != 0 ||
	    store_run(store, &S_DELETE_MANY, values, &rows, "delete mcp connections", err) != 0)
		return -1;
	if (deleted)
		*deleted = rows;
	return 0;
}

int store_mcpconn_import(berth_store *store, const char *bot_id, const char *entries_json,
			 size_t n_entries, int max_per_bot, struct store_mcpconn_list *out,
			 berth_err *err)
{
	char limit[16];
	const char *values[3] = { bot_id, entries_json, limit };
	PGresult *res;
	int rc;

	out->items = NULL;
	out->count = 0;
	if (check_ids(bot_id, NULL, "import mcp connections", err) != 0 ||
	    store_check_text(entries_json, "entries", err) != 0)
		return -1;
	snprintf(limit, sizeof limit, "%d", max_per_bot);
	res = store_exec(store, &S_IMPORT, values, err);
	if (!res) {
		if (err && err->kind == BERTH_E_NOT_FOUND)
			return berth_err_set(err, BERTH_E_NOT_FOUND, "bot not found");
		return berth_err_prefix(err, "import mcp connections");
	}
	if (PQntuples(res) == 0 && n_entries > 0)
		rc = berth_err_set(err, BERTH_E_TOO_LARGE,
				   "the bot would have more than %d mcp connections", max_per_bot);
	else if ((rc = fill_list(res, out, err)) != 0)
		berth_err_prefix(err, "import mcp connections");
	PQclear(res);
	return rc;
}
