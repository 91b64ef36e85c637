/* events.c: lifecycle events of a bot's container (see include/berth/store_events.h). */
#include "berth/store_conn.h"
#include "berth/store_events.h"
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct store_stmt S_ADD = {
	STMT_EVENT_ADD,
	"event_add",
	"INSERT INTO lifecycle_events (bot_id, container_id, event_type, payload) "
	"VALUES ($1::uuid, nullif($2, ''), $3, $4::jsonb)",
	4,
	false,
};
static const struct store_stmt S_LIST = {
	STMT_EVENT_LIST,
	"event_list",
	"SELECT e.id::text, e.bot_id::text, coalesce(e.container_id, ''), e.event_type, e.payload::text, " STORE_TIME(
		"e.created_at") " FROM lifecycle_events e WHERE e.bot_id = $1::uuid "
				"ORDER BY e.created_at DESC, e.id LIMIT $2::integer",
	2,
	true,
};

int store_event_fill(const PGresult *res, int row, void *item, berth_err *err)
{
	struct store_event *e = item;

	if (store_copy(e->id, sizeof e->id, res, row, 0, err) != 0 ||
	    store_copy(e->bot_id, sizeof e->bot_id, res, row, 1, err) != 0 ||
	    store_copy(e->container_id, sizeof e->container_id, res, row, 2, err) != 0 ||
	    store_copy(e->event_type, sizeof e->event_type, res, row, 3, err) != 0 ||
	    store_copy(e->created_at, sizeof e->created_at, res, row, 5, err) != 0)
		return -1;
	if (!(e->payload = strdup(PQgetvalue(res, row, 4))))
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	return 0;
}

int store_event_add(berth_store *store, const char *bot_id, const char *container_id,
		    const char *event_type, const char *payload_json, berth_err *err)
{
	const char *values[4] = { bot_id, container_id ? container_id : "", event_type,
				  payload_json ? payload_json : "{}" };

	if (store_check_uuid(bot_id, "bot id", err) != 0 ||
	    store_check_text(event_type, "event type", err) != 0)
		return berth_err_prefix(err, "add event");
	if (store_run(store, &S_ADD, values, NULL, "add event", err) != 0) {
		if (err && err->kind == BERTH_E_NOT_FOUND)
			return berth_err_set(err, BERTH_E_NOT_FOUND, "add event: bot %s not found",
					     bot_id);
		return -1;
	}
	return 0;
}

void store_event_list_free(struct store_event_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->count; i++)
		free(list->items[i].payload);
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

int store_event_list(berth_store *store, const char *bot_id, int limit,
		     struct store_event_list *out, berth_err *err)
{
	char limit_text[16];
	const char *values[2] = { bot_id, limit_text };
	PGresult *res;
	int n;

	out->items = NULL;
	out->count = 0;
	if (store_check_uuid(bot_id, "bot id", err) != 0)
		return berth_err_prefix(err, "list events");
	snprintf(limit_text, sizeof limit_text, "%d", limit > 0 ? limit : 100);
	/* Not store_fetch_list: a failing row must free the payloads of the rows before it. */
	if (!(res = store_exec(store, &S_LIST, values, err)))
		return berth_err_prefix(err, "list events");
	n = PQntuples(res);
	if (n > 0 && !(out->items = calloc((size_t)n, sizeof *out->items))) {
		PQclear(res);
		return berth_err_set(err, BERTH_E_INTERNAL, "list events: out of memory");
	}
	for (int i = 0; i < n; i++) {
		if (store_event_fill(res, i, &out->items[i], err) != 0) {
			PQclear(res);
			store_event_list_free(out);
			return berth_err_prefix(err, "list events");
		}
		out->count++;
	}
	PQclear(res);
	return 0;
}
