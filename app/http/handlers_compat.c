/* handlers_compat.c: the older version's /container routes (reference §5), with the authorization
 * the original lacked (§18.3): a container answers only when Berth created it (it has a containers
 * row) and the caller is an admin or the owner of its bot. */
#include "handlers_bot_common.h"

#include <stdlib.h>
#include <string.h>

#include "berth/authz.h"
#include "berth/bottools.h"
#include "berth/http_bot_handlers.h"
#include "berth/store.h"
#include "berth/worker.h"

/* Finds the row of a Berth container by its containerd id and authorizes the caller on its bot.
 * Unknown ids and containers of bots the caller may not see are both 404, so that ids cannot be
 * probed. On success *bot_id gets the bot (cap STORE_ID_SIZE). */
static int authorize_container(struct http_req *req, const char *container_id, char *bot_id,
			       struct http_resp *resp)
{
	struct store_container row;
	struct store_bot *bot = NULL;
	berth_store *store;
	berth_err err;

	if (!container_id || !*container_id)
		return http_resp_error(resp, 400, "invalid_argument", "container_id is required");
	store = worker_store(req->ctx, &err);
	if (!store)
		return http_resp_err(resp, &err);
	if (store_container_get_by_container_id(store, container_id, &row, &err) < 0) {
		if (err.kind == BERTH_E_NOT_FOUND || err.kind == BERTH_E_INVALID)
			return http_resp_error(resp, 404, "not_found", "container not found");
		return http_resp_err(resp, &err);
	}
	if (http_bot_access(req, row.bot_id, &AUTHZ_OWNER_OR_ADMIN, &bot, resp) < 0) {
		if (resp->status == 403)
			return http_resp_error(resp, 404, "not_found", "container not found");
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

int http_compat_container_list(struct http_req *req, struct http_resp *resp)
{
	struct store_container_list rows = { NULL, 0 };
	berth_store *store;
	berth_err err;
	json_t *list;

	store = worker_store(req->ctx, &err);
	if (!store)
		return http_resp_err(resp, &err);
	if (store_container_list(store, req->caller.is_admin ? NULL : req->caller.user_id, &rows, &err) < 0)
		return http_resp_err(resp, &err);
	/* Sorted by id, as the original. (An empty list has no items array: qsort needs one.) */
	if (rows.count > 1)
		qsort(rows.items, rows.count, sizeof rows.items[0], by_container_id);
	list = json_array();
	for (size_t i = 0; list && i < rows.count; i++) {
		const struct store_container *c = &rows.items[i];
		json_t *item = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:{s:s}}", "id", c->container_id, "bot_id",
					 c->bot_id, "image", c->image, "snapshotter", c->snapshotter, "status",
					 c->status, "created_at", c->created_at, "updated_at", c->updated_at,
					 "labels", "mcp.bot_id", c->bot_id);
		if (!item || json_array_append_new(list, item) < 0) {
			json_decref(list);
			list = NULL;
		}
	}
	store_container_list_free(&rows);
	if (!list)
		return http_resp_error(resp, 500, "internal", "out of memory");
	return http_resp_json(resp, 200, json_pack("{s:o}", "containers", list));
}

int http_compat_container_delete(struct http_req *req, struct http_resp *resp)
{
	struct botctr_env env;
	char bot_id[STORE_ID_SIZE];
	bool existed;
	berth_err err;

	if (authorize_container(req, http_req_param(req, "id"), bot_id, resp) < 0 || bot_env_for(req, &env, resp) < 0)
		return -1;
	if (botctr_delete(&env, bot_id, &existed, &err) < 0)
		return http_resp_err(resp, &err);
	return http_resp_empty(resp, 204);
}

int http_compat_snapshot_create(struct http_req *req, struct http_resp *resp)
{
	struct botctr_env env;
	char bot_id[STORE_ID_SIZE];
	json_t *body = NULL, *out = NULL;
	const char *container_id, *name;
	berth_err err;

	if (http_req_json(req, &body, resp) < 0 || body_string(body, "container_id", &container_id, resp) < 0 ||
	    body_string(body, "snapshot_name", &name, resp) < 0 ||
	    authorize_container(req, container_id, bot_id, resp) < 0 || bot_env_for(req, &env, resp) < 0)
		return -1;
	if (botctr_snapshot_create(&env, bot_id, name, &out, &err) < 0)
		return http_resp_err(resp, &err);
	return http_resp_json(resp, 200, out);
}

int http_compat_snapshot_list(struct http_req *req, struct http_resp *resp)
{
	struct botctr_env env;
	char bot_id[STORE_ID_SIZE];
	json_t *out = NULL;
	berth_err err;

	if (authorize_container(req, http_req_query(req, "container_id"), bot_id, resp) < 0 ||
	    bot_env_for(req, &env, resp) < 0)
		return -1;
	if (botctr_snapshot_list(&env, bot_id, http_req_query(req, "snapshotter"), &out, &err) < 0)
		return http_resp_err(resp, &err);
	return http_resp_json(resp, 200, out);
}

/* POST /container/fs/:id: the older version's JSON-RPC proxy to the in-container tools (reference
 * §5), in its order of checks: the body (400), the JSON-RPC version (a 200 JSON-RPC error), the
 * container (404), a stopped task started, then tools/list and tools/call relayed (its fs.* tool
 * names map to today's) and any other method a 200 -32601 error. Authentication comes first, as
 * for every Berth route (nginx asks for the client certificate before anything). */
int http_compat_fs(struct http_req *req, struct http_resp *resp)
{
	struct botctr_env env;
	char bot_id[STORE_ID_SIZE];
	json_t *body = NULL, *request = NULL, *reply = NULL;
	const json_t *id, *jsonrpc;
	const char *method;
	berth_err err;
	int rc = -1;

	if (http_req_json(req, &body, resp) < 0)
		return -1;
	if (body && !json_is_object(body))
		return http_resp_error(resp, 400, "invalid_body", "request body must be a JSON-RPC request object");
	id = json_object_get(body, "id");
	jsonrpc = json_object_get(body, "jsonrpc");
	if (jsonrpc && !(json_is_string(jsonrpc) && strcmp(json_string_value(jsonrpc), "2.0") == 0))
		return http_resp_json(resp, 200, json_pack("{s:s,s:O,s:{s:i,s:s}}", "jsonrpc", "2.0", "id",
							  id ? (json_t *)id : json_null(), "error", "code", -32600,
							  "message", "invalid jsonrpc version"));
	if (authorize_container(req, http_req_param(req, "id"), bot_id, resp) < 0)
		return -1;
	method = json_string_value(json_object_get(body, "method"));
	if (!method || (strcmp(method, "tools/list") != 0 && strcmp(method, "tools/call") != 0))
		return http_resp_json(resp, 200, json_pack("{s:s,s:O,s:{s:i,s:s}}", "jsonrpc", "2.0", "id",
							  id ? (json_t *)id : json_null(), "error", "code", -32601,
							  "message", "method not found"));
	request = json_deep_copy(body);
	if (!request || json_object_set_new(request, "jsonrpc", json_string("2.0")) < 0 ||
	    (!id && json_object_set_new(request, "id", json_string("fs")) < 0)) {
		rc = http_resp_error(resp, 500, "internal", "out of memory");
		goto done;
	}
	{
		json_t *params = json_object_get(request, "params");
		const char *name = json_string_value(json_object_get(params, "name"));

		/* The older tools were fs.read, fs.write, ...; fs.delete removed recursively. */
		if (name && strncmp(name, "fs.", 3) == 0) {
			bool is_delete = strcmp(name, "fs.delete") == 0;
			json_t *args = json_object_get(params, "arguments");

			json_object_set_new(params, "name", json_string(name + 3));
			if (is_delete && json_is_object(args) && !json_object_get(args, "recursive"))
				json_object_set_new(args, "recursive", json_true());
		}
	}
	if (bot_env_for(req, &env, resp) < 0)
		goto done;
	if (bottools_call(&env, bot_id, request, true, &reply, &err) < 0) {
		rc = http_resp_err(resp, &err);
		goto done;
	}
	json_object_set(reply, "id", id ? (json_t *)id : json_null());
	rc = http_resp_json(resp, 200, reply);
	reply = NULL;
done:
	json_decref(reply);
	json_decref(request);
	return rc;
}
