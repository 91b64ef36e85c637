/* handlers_compat.c: the older version's /container routes (reference §5); which containers a
 * caller may see is the domain's (include/berth/compat.h). */
#include "handlers_bot_common.h"

#include <stdlib.h>
#include <string.h>

#include "berth/authz.h"
#include "berth/botctr_lifecycle.h"
#include "berth/botctr_op.h"
#include "berth/botctr_snapshot.h"
#include "berth/bottools.h"
#include "berth/compat.h"
#include "berth/http_context.h"
#include "berth/http_handlers_compat.h"
#include "berth/http_request.h"
#include "berth/http_response.h"
#include "berth/log.h"
#include "berth/store_conn.h"

/* The bot of the container the caller names, authorized (include/berth/compat.h); resp holds
 * the error otherwise. */
static int authorize_container(struct http_req *req, const char *container_id, char *bot_id,
			       struct http_resp *resp)
{
	const struct authz_caller caller = { req->caller.user_id, req->caller.is_admin };
	berth_store *store;
	berth_err err;

	store = worker_store(req->ctx, &err);
	if (!store || compat_container_bot(store, &caller, container_id, bot_id, &err) < 0)
		return http_resp_err(resp, &err);
	blog_ctx_set_bot(bot_id);
	return 0;
}

int http_compat_container_list(struct http_req *req, struct http_resp *resp)
{
	const struct authz_caller caller = { req->caller.user_id, req->caller.is_admin };
	berth_store *store;
	berth_err err;
	json_t *out;

	store = worker_store(req->ctx, &err);
	if (!store || compat_container_list(store, &caller, &out, &err) < 0)
		return http_resp_err(resp, &err);
	return http_resp_json(resp, 200, out);
}

int http_compat_container_delete(struct http_req *req, struct http_resp *resp)
{
	struct botctr_env env;
	char bot_id[STORE_ID_SIZE];
	bool existed;
	berth_err err;

	if (authorize_container(req, http_req_param(req, "id"), bot_id, resp) < 0 ||
	    bot_env_for(req, &env, resp) < 0)
		return -1;
	if (botctr_delete(&env, bot_id, false, &existed, &err) < 0)
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

	if (http_req_json(req, &body, resp) < 0 ||
	    body_string(body, "container_id", &container_id, resp) < 0 ||
	    body_string(body, "snapshot_name", &name, resp) < 0 ||
	    authorize_container(req, container_id, bot_id, resp) < 0 ||
	    bot_env_for(req, &env, resp) < 0)
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
		return http_resp_error(resp, 400, "invalid_body",
				       "request body must be a JSON-RPC request object");
	id = json_object_get(body, "id");
	jsonrpc = json_object_get(body, "jsonrpc");
	if (jsonrpc && !(json_is_string(jsonrpc) && strcmp(json_string_value(jsonrpc), "2.0") == 0))
		return http_resp_json(resp, 200,
				      json_pack("{s:s,s:O,s:{s:i,s:s}}", "jsonrpc", "2.0", "id",
						id ? (json_t *)id : json_null(), "error", "code",
						-32600, "message", "invalid jsonrpc version"));
	if (authorize_container(req, http_req_param(req, "id"), bot_id, resp) < 0)
		return -1;
	method = json_string_value(json_object_get(body, "method"));
	if (!method || (strcmp(method, "tools/list") != 0 && strcmp(method, "tools/call") != 0))
		return http_resp_json(resp, 200,
				      json_pack("{s:s,s:O,s:{s:i,s:s}}", "jsonrpc", "2.0", "id",
						id ? (json_t *)id : json_null(), "error", "code",
						-32601, "message", "method not found"));
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
			if (is_delete && json_is_object(args) &&
			    !json_object_get(args, "recursive"))
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

int http_compat_container_create(struct http_req *req, struct http_resp *resp)
{
	const struct authz_caller caller = { req->caller.user_id, req->caller.is_admin };
	struct botctr_env env;
	json_t *body = NULL, *out = NULL;
	const char *container_id, *image, *snapshotter;
	berth_err err;

	if (http_req_json(req, &body, resp) < 0 ||
	    body_string(body, "container_id", &container_id, resp) < 0 ||
	    body_string(body, "image", &image, resp) < 0 ||
	    body_string(body, "snapshotter", &snapshotter, resp) < 0 ||
	    bot_env_for(req, &env, resp) < 0)
		return -1;
	if (compat_container_create(&env, &caller, container_id, image, snapshotter, &out, &err) <
	    0)
		return http_resp_err(resp, &err);
	return http_resp_json(resp, 200, out);
}

enum compat_skills_op { COMPAT_SKILLS_LIST, COMPAT_SKILLS_UPSERT, COMPAT_SKILLS_DELETE };

/* The older skills routes: the container named by ?container_id= (else the caller's only one),
 * then the skills domain as the bot routes use it (no containerd connection needed). */
static int compat_skills_route(struct http_req *req, struct http_resp *resp,
			       enum compat_skills_op op)
{
	const struct authz_caller caller = { req->caller.user_id, req->caller.is_admin };
	struct botctr_env env = { .cfg = worker_config(req->ctx), .deadline_ms = req->deadline_ms };
	char bot_id[STORE_ID_SIZE];
	json_t *body = NULL, *out = NULL;
	berth_err err;
	int rc;

	if (op != COMPAT_SKILLS_LIST && http_req_json(req, &body, resp) < 0)
		return -1;
	env.store = worker_store(req->ctx, &err);
	if (!env.store ||
	    compat_skills_target(env.store, &caller, http_req_query(req, "container_id"), bot_id,
				 &err) < 0)
		return http_resp_err(resp, &err);
	blog_ctx_set_bot(bot_id);
	if (op == COMPAT_SKILLS_LIST)
		rc = compat_skills_list(&env, bot_id, &out, &err);
	else if (op == COMPAT_SKILLS_UPSERT)
		rc = compat_skills_upsert(&env, bot_id, body, &err);
	else
		rc = compat_skills_delete(&env, bot_id, body, &err);
	if (rc < 0)
		return http_resp_err(resp, &err);
	return http_resp_json(resp, 200,
			      op == COMPAT_SKILLS_LIST ? out : json_pack("{s:b}", "ok", 1));
}

int http_compat_skills_list(struct http_req *req, struct http_resp *resp)
{
	return compat_skills_route(req, resp, COMPAT_SKILLS_LIST);
}

int http_compat_skills_upsert(struct http_req *req, struct http_resp *resp)
{
	return compat_skills_route(req, resp, COMPAT_SKILLS_UPSERT);
}

int http_compat_skills_delete(struct http_req *req, struct http_resp *resp)
{
	return compat_skills_route(req, resp, COMPAT_SKILLS_DELETE);
}
