/* mcpconn_ops.c: the operations of the /bots/:bot_id/mcp and /mcp-ops routes (see
 * include/berth/mcpconn.h): the request is checked whole (mcpconn.c) before the store changes
 * anything, and every change is one statement, so a refused request changes nothing. */
#include "berth/mcpconn.h"

#include <stdlib.h>

static int out_of_memory(berth_err *err)
{
	return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
}

/* {"items":[rows...]} (NEW) of a list, which it frees. */
static int items_of(struct store_mcpconn_list *rows, json_t **out, berth_err *err)
{
	json_t *items = json_array();

	for (size_t i = 0; items && i < rows->count; i++)
		if (json_array_append_new(items, mcpconn_to_json(&rows->items[i])) < 0) {
			json_decref(items);
			items = NULL;
		}
	store_mcpconn_list_free(rows);
	*out = items ? json_pack("{s:o}", "items", items) : NULL;
	return *out ? 0 : out_of_memory(err);
}

/* The JSON (NEW) of one row, which it clears. */
static int one_of(struct store_mcpconn *row, json_t **out, berth_err *err)
{
	*out = mcpconn_to_json(row);
	store_mcpconn_clear(row);
	return *out ? 0 : out_of_memory(err);
}

int mcpconn_list(berth_store *store, const char *bot_id, json_t **out, berth_err *err)
{
	struct store_mcpconn_list rows;

	*out = NULL;
	if (store_mcpconn_list(store, bot_id, &rows, err) < 0)
		return -1;
	return items_of(&rows, out, err);
}

int mcpconn_get(berth_store *store, const char *bot_id, const char *id, json_t **out,
		berth_err *err)
{
	struct store_mcpconn row;

	*out = NULL;
	if (mcpconn_id_check(id, err) < 0 || store_mcpconn_get(store, bot_id, id, &row, err) < 0)
		return -1;
	return one_of(&row, out, err);
}

/* The config of a parsed spec as text (NEW) for the store. */
static char *config_text(const struct mcpconn_spec *spec, berth_err *err)
{
	char *text = json_dumps(spec->config, JSON_COMPACT);

	if (!text)
		out_of_memory(err);
	return text;
}

int mcpconn_create(berth_store *store, const char *bot_id, const json_t *body, json_t **out,
		   berth_err *err)
{
	struct mcpconn_spec spec;
	struct store_mcpconn row;
	char *config = NULL;
	int rc = -1;

	*out = NULL;
	if (mcpconn_parse_upsert(body, &spec, err) < 0)
		return -1;
	if (!(config = config_text(&spec, err)))
		goto done;
	{
		const struct store_mcpconn_new in = { spec.name, spec.type, config,
						      spec.is_active };
		if (store_mcpconn_create(store, bot_id, &in, MCPCONN_MAX_PER_BOT, &row, err) < 0)
			goto done;
	}
	rc = one_of(&row, out, err);
done:
	free(config);
	mcpconn_spec_clear(&spec);
	return rc;
}

int mcpconn_update(berth_store *store, const char *bot_id, const char *id, const json_t *body,
		   json_t **out, berth_err *err)
{
	struct mcpconn_spec spec;
	struct store_mcpconn row;
	char *config = NULL;
	int rc = -1;

	*out = NULL;
	if (mcpconn_id_check(id, err) < 0 || mcpconn_parse_upsert(body, &spec, err) < 0)
		return -1;
	if (!(config = config_text(&spec, err)))
		goto done;
	{
		const struct store_mcpconn_new in = { spec.name, spec.type, config,
						      spec.is_active };
		if (store_mcpconn_update(store, bot_id, id, &in, &row, err) < 0)
			goto done;
	}
	rc = one_of(&row, out, err);
done:
	free(config);
	mcpconn_spec_clear(&spec);
	return rc;
}

int mcpconn_delete(berth_store *store, const char *bot_id, const char *id, berth_err *err)
{
	if (mcpconn_id_check(id, err) < 0)
		return -1;
	return store_mcpconn_delete(store, bot_id, id, err);
}

int mcpconn_import(berth_store *store, const char *bot_id, const json_t *body, json_t **out,
		   berth_err *err)
{
	struct store_mcpconn_list rows;
	json_t *entries = NULL;
	char *text = NULL;
	size_t count;
	int rc = -1;

	*out = NULL;
	if (mcpconn_parse_import(body, &entries, &count, err) < 0)
		return -1;
	if (!(text = json_dumps(entries, JSON_COMPACT))) {
		out_of_memory(err);
		goto done;
	}
	if (store_mcpconn_import(store, bot_id, text, count, MCPCONN_MAX_PER_BOT, &rows, err) < 0)
		goto done;
	rc = items_of(&rows, out, err);
done:
	free(text);
	json_decref(entries);
	return rc;
}

int mcpconn_export(berth_store *store, const char *bot_id, json_t **out, berth_err *err)
{
	struct store_mcpconn_list rows;
	json_t *servers;

	*out = NULL;
	if (store_mcpconn_list(store, bot_id, &rows, err) < 0)
		return -1;
	servers = json_object();
	for (size_t i = 0; servers && i < rows.count; i++)
		if (json_object_set_new(servers, rows.items[i].name,
					mcpconn_export_entry(&rows.items[i])) < 0) {
			json_decref(servers);
			servers = NULL;
		}
	store_mcpconn_list_free(&rows);
	*out = servers ? json_pack("{s:o}", "mcpServers", servers) : NULL;
	return *out ? 0 : out_of_memory(err);
}

int mcpconn_batch_delete(berth_store *store, const char *bot_id, const json_t *body, long *deleted,
			 berth_err *err)
{
	json_t *ids = NULL;
	char *text = NULL;
	int rc = -1;

	*deleted = 0;
	if (mcpconn_parse_ids(body, &ids, err) < 0)
		return -1;
	if (!(text = json_dumps(ids, JSON_COMPACT))) {
		out_of_memory(err);
		goto done;
	}
	if (store_mcpconn_delete_many(store, bot_id, text, deleted, err) < 0)
		goto done;
	if (*deleted != (long)json_array_size(ids)) {
		berth_err_set(err, BERTH_E_NOT_FOUND,
			      "mcp connection not found: not every id is one of this bot's "
			      "connections (nothing was deleted)");
		goto done;
	}
	rc = 0;
done:
	free(text);
	json_decref(ids);
	return rc;
}
