/* snapshots.c: the snapshots Berth made for a bot, with their parent (see include/berth/store_snapshots.h). */
#include "berth/store_conn.h"
#include "berth/store_snapshots.h"
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

#define SNAPSHOT_COLUMNS(parent_name)                                                                                  \
	"s.id::text, s.bot_id::text, s.name, coalesce(s.display_name, ''), coalesce(s.container_id, ''), " parent_name \
	", s.snapshotter, s.runtime_snapshot_name, s.source, " STORE_TIME("s.created_at")

static const struct store_stmt S_INSERT = {
	STMT_SNAPSHOT_INSERT,
	"snapshot_insert",
	"WITH p AS (SELECT id FROM snapshots WHERE bot_id = $1::uuid AND name = $5::text), "
	"s AS (INSERT INTO snapshots (bot_id, name, display_name, container_id, parent_snapshot_id, snapshotter, "
	"runtime_snapshot_name, source) SELECT $1::uuid, $2, nullif($3, ''), nullif($4, ''), (SELECT id FROM p), "
	"$6, $7, $8 WHERE $5::text IS NULL OR EXISTS (SELECT 1 FROM p) RETURNING *) "
	"SELECT " SNAPSHOT_COLUMNS("coalesce($5::text, '')") " FROM s",
	8,
	false,
};
#define SNAPSHOT_FROM " FROM snapshots s LEFT JOIN snapshots p ON p.id = s.parent_snapshot_id "
static const struct store_stmt S_LIST = {
	STMT_SNAPSHOT_LIST,
	"snapshot_list",
	"SELECT " SNAPSHOT_COLUMNS("coalesce(p.name, '')") SNAPSHOT_FROM
	"WHERE s.bot_id = $1::uuid ORDER BY s.created_at, s.name",
	1,
	true,
};
static const struct store_stmt S_GET = {
	STMT_SNAPSHOT_GET,
	"snapshot_get",
	"SELECT " SNAPSHOT_COLUMNS("coalesce(p.name, '')") SNAPSHOT_FROM
	"WHERE s.bot_id = $1::uuid AND s.name = $2",
	2,
	true,
};
static const struct store_stmt S_GET_BY_RUNTIME = {
	STMT_SNAPSHOT_GET_BY_RUNTIME,
	"snapshot_get_by_runtime",
	"SELECT " SNAPSHOT_COLUMNS("coalesce(p.name, '')") SNAPSHOT_FROM
	"WHERE s.snapshotter = $1 AND s.runtime_snapshot_name = $2",
	2,
	true,
};
static const struct store_stmt S_DELETE = {
	STMT_SNAPSHOT_DELETE,
	"snapshot_delete",
	"DELETE FROM snapshots WHERE bot_id = $1::uuid AND name = $2",
	2,
	false,
};

static int fill_snapshot(const PGresult *res, int row, void *item, berth_err *err)
{
	struct store_snapshot *s = item;

	if (store_copy(s->id, sizeof s->id, res, row, 0, err) != 0 ||
	    store_copy(s->bot_id, sizeof s->bot_id, res, row, 1, err) != 0 ||
	    store_copy(s->name, sizeof s->name, res, row, 2, err) != 0 ||
	    store_copy(s->display_name, sizeof s->display_name, res, row, 3, err) != 0 ||
	    store_copy(s->container_id, sizeof s->container_id, res, row, 4, err) != 0 ||
	    store_copy(s->parent, sizeof s->parent, res, row, 5, err) != 0 ||
	    store_copy(s->snapshotter, sizeof s->snapshotter, res, row, 6, err) != 0 ||
	    store_copy(s->runtime_snapshot_name, sizeof s->runtime_snapshot_name, res, row, 7,
		       err) != 0 ||
	    store_copy(s->source, sizeof s->source, res, row, 8, err) != 0 ||
	    store_copy(s->created_at, sizeof s->created_at, res, row, 9, err) != 0)
		return -1;
	return 0;
}

int store_snapshot_insert(berth_store *store, const struct store_snapshot_new *in,
			  struct store_snapshot *out, berth_err *err)
{
	const char *values[8] = { in->bot_id,
				  in->name,
				  in->display_name ? in->display_name : "",
				  in->container_id ? in->container_id : "",
				  in->parent,
				  in->snapshotter,
				  in->runtime_snapshot_name,
				  in->source ? in->source : "manual" };
	struct store_snapshot ignored;
	PGresult *res;
	int rc;

	if (store_check_uuid(in->bot_id, "bot id", err) != 0 ||
	    store_check_text(in->name, "snapshot name", err) != 0 ||
	    store_check_text(in->snapshotter, "snapshotter", err) != 0 ||
	    store_check_text(in->runtime_snapshot_name, "runtime snapshot name", err) != 0)
		return berth_err_prefix(err, "insert snapshot");
	res = store_exec(store, &S_INSERT, values, err);
	if (!res) {
		if (err && err->kind == BERTH_E_ALREADY_EXISTS)
			return berth_err_set(err, BERTH_E_ALREADY_EXISTS,
					     "insert snapshot: snapshot '%s' exists", in->name);
		if (err && err->kind == BERTH_E_NOT_FOUND) /* foreign key: the bot */
			return berth_err_set(err, BERTH_E_NOT_FOUND,
					     "insert snapshot: bot %s not found", in->bot_id);
		return berth_err_prefix(err, "insert snapshot");
	}
	/* No row: the statement found no parent of that name (it inserts nothing then). */
	if (PQntuples(res) == 0)
		rc = berth_err_setc(err, BERTH_E_NOT_FOUND, BERTH_EC_PARENT_MISSING,
				    "insert snapshot: parent snapshot '%s' not found", in->parent);
	else if ((rc = fill_snapshot(res, 0, out ? out : &ignored, err)) != 0)
		berth_err_prefix(err, "insert snapshot");
	PQclear(res);
	return rc;
}

int store_snapshot_list(berth_store *store, const char *bot_id, struct store_snapshot_list *out,
			berth_err *err)
{
	void *items;
	int rc = store_fetch_bot_list(store, &S_LIST, bot_id, sizeof *out->items, fill_snapshot,
				      &items, &out->count, "list snapshots", err);

	out->items = items; /* NULL on failure */
	return rc;
}

void store_snapshot_list_free(struct store_snapshot_list *list)
{
	if (!list)
		return;
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

int store_snapshot_get(berth_store *store, const char *bot_id, const char *name,
		       struct store_snapshot *out, berth_err *err)
{
	const char *values[2] = { bot_id, name };

	if (store_check_uuid(bot_id, "bot id", err) != 0 ||
	    store_check_text(name, "snapshot name", err) != 0)
		return berth_err_prefix(err, "get snapshot");
	return store_fetch_one(store, &S_GET, values, out, fill_snapshot, "get snapshot",
			       "snapshot", err);
}

int store_snapshot_get_by_runtime_name(berth_store *store, const char *snapshotter,
				       const char *runtime_name, struct store_snapshot *out,
				       berth_err *err)
{
	const char *values[2] = { snapshotter, runtime_name };

	if (store_check_text(snapshotter, "snapshotter", err) != 0 ||
	    store_check_text(runtime_name, "runtime snapshot name", err) != 0)
		return berth_err_prefix(err, "get snapshot");
	return store_fetch_one(store, &S_GET_BY_RUNTIME, values, out, fill_snapshot, "get snapshot",
			       "snapshot", err);
}

int store_snapshot_delete(berth_store *store, const char *bot_id, const char *name, bool *deleted,
			  berth_err *err)
{
	const char *values[2] = { bot_id, name };
	long rows = 0;

	if (deleted)
		*deleted = false;
	if (store_check_uuid(bot_id, "bot id", err) != 0 ||
	    store_check_text(name, "snapshot name", err) != 0)
		return berth_err_prefix(err, "delete snapshot");
	if (store_run(store, &S_DELETE, values, &rows, "delete snapshot", err) != 0) {
		if (err &&
		    err->kind == BERTH_E_NOT_FOUND) /* a container version still refers to it */
			err->kind = BERTH_E_PRECONDITION;
		return -1;
	}
	if (deleted)
		*deleted = rows > 0;
	return 0;
}
