/* compat.c: the older version's container listing and per-container authorization (see
 * include/berth/compat.h). */
#include "berth/compat.h"
#include "berth/store_bots.h"
#include "berth/store_conn.h"
#include "berth/store_containers.h"

#include <stdlib.h>
#include <string.h>

int compat_container_bot(berth_store *store, const struct authz_caller *caller,
			 const char *container_id, char *bot_id, berth_err *err)
{
	struct store_container row;
	struct store_bot *bot = NULL;

	if (!container_id || !*container_id)
		return berth_err_set(err, BERTH_E_INVALID, "container_id is required");
	if (store_container_get_by_container_id(store, container_id, &row, err) < 0) {
		if (err->kind == BERTH_E_NOT_FOUND || err->kind == BERTH_E_INVALID)
			return berth_err_set(err, BERTH_E_NOT_FOUND, "container not found");
		return -1;
	}
	if (authz_bot_access(store, caller, row.bot_id, &AUTHZ_OWNER_OR_ADMIN, &bot, err) < 0) {
		if (err->kind == BERTH_E_PERMISSION || err->kind == BERTH_E_NOT_FOUND)
			return berth_err_set(err, BERTH_E_NOT_FOUND, "container not found");
		return -1;
	}
	memcpy(bot_id, bot->id, STORE_ID_SIZE);
	free(bot);
	return 0;
}

static int by_container_id(const void *a, const void *b)
{
	return strcmp(((const struct store_container *)a)->container_id,
		      ((const struct store_container *)b)->container_id);
}

int compat_container_list(berth_store *store, const struct authz_caller *caller, json_t **out,
			  berth_err *err)
{
	struct store_container_list rows = { NULL, 0 };
	json_t *list;

	*out = NULL;
	if (store_container_list(store, caller->is_admin ? NULL : caller->user_id, &rows, err) < 0)
		return -1;
	/* Sorted by id, as the original. (An empty list has no items array: qsort needs one.) */
	if (rows.count > 1)
		qsort(rows.items, rows.count, sizeof rows.items[0], by_container_id);
	list = json_array();
	for (size_t i = 0; list && i < rows.count; i++) {
		const struct store_container *c = &rows.items[i];
		json_t *item = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:{s:s}}", "id",
					 c->container_id, "bot_id", c->bot_id, "image", c->image,
					 "snapshotter", c->snapshotter, "status", c->status,
					 "created_at", c->created_at, "updated_at", c->updated_at,
					 "labels", "mcp.bot_id", c->bot_id);
		if (!item || json_array_append_new(list, item) < 0) {
			json_decref(list);
			list = NULL;
		}
	}
	store_container_list_free(&rows);
	if (list)
		*out = json_pack("{s:o}", "containers", list);
	if (!*out)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	return 0;
}
