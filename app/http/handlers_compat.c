/* handlers_compat.c: the older version's /container routes (reference §5); which containers a
 * caller may see is the domain's (include/berth/compat.h). */
#include "handlers_bot_common.h"

#include "berth/compat.h"
#include "berth/http_bot_handlers.h"
#include "berth/log.h"
#include "berth/worker.h"

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

	if (authorize_container(req, http_req_param(req, "id"), bot_id, resp) < 0 || bot_env_for(req, &env, resp) < 0)
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
