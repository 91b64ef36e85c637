/* handlers_container.c: /bots/:bot_id/container and its start, stop and snapshot routes. The work
 * is the domain's (include/berth/botctr_lifecycle.h, botctr_snapshot.h); these map HTTP to it and back. */
#include "handlers_bot_common.h"

#include <string.h>

#include "berth/botctr_lifecycle.h"
#include "berth/botctr_limits.h"
#include "berth/botctr_op.h"
#include "berth/botctr_snapshot.h"
#include "berth/http_context.h"
#include "berth/http_handlers_container.h"
#include "berth/http_request.h"
#include "berth/http_response.h"
#include "berth/store_bots.h"

int bot_env_for(struct http_req *req, struct botctr_env *env, struct http_resp *resp)
{
	berth_err err;

	env->cfg = worker_config(req->ctx);
	env->deadline_ms = worker_work_deadline(req->ctx);
	env->agents = worker_agents(req->ctx);
	env->store = worker_store(req->ctx, &err);
	if (!env->store)
		return http_resp_err(resp, &err);
	env->ctd = worker_ctd(req->ctx, &err);
	if (!env->ctd)
		return http_resp_err(resp, &err);
	return 0;
}

int body_string(const json_t *body, const char *field, const char **out, struct http_resp *resp)
{
	const json_t *v;

	*out = NULL;
	if (!body)
		return 0;
	if (!json_is_object(body))
		return http_resp_error(resp, 400, "invalid_body",
				       "request body must be a JSON object");
	v = json_object_get(body, field);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return http_resp_error(resp, 400, "invalid_body", "%s must be a string", field);
	*out = json_string_value(v);
	return 0;
}

int http_container_create(struct http_req *req, struct http_resp *resp)
{
	struct botctr_limits_patch limits;
	struct botctr_env env;
	json_t *body = NULL, *out = NULL;
	const char *snapshotter, *restart_policy;
	berth_err err;

	if (http_req_json(req, &body, resp) < 0 ||
	    body_string(body, "snapshotter", &snapshotter, resp) < 0 ||
	    body_string(body, "restart_policy", &restart_policy, resp) < 0 ||
	    body_limits(req, body, &limits, resp) < 0 || bot_env_for(req, &env, resp) < 0)
		return -1;
	/* The bot's own limits first: the container is built (or its next task made) with them. */
	if (body_limits_apply(&env, req->bot->id, &limits, resp) < 0)
		return -1;
	if (botctr_create_with_policy(&env, req->bot->id, snapshotter, restart_policy, &out, &err) <
	    0)
		return http_resp_err(resp, &err);
	if (add_limits(&env, req->bot->id, out, resp) < 0)
		return -1;
	return http_resp_json(resp, 200, out);
}

int http_container_get(struct http_req *req, struct http_resp *resp)
{
	struct botctr_env env;
	json_t *out = NULL;
	berth_err err;

	if (bot_env_for(req, &env, resp) < 0)
		return -1;
	if (botctr_get(&env, req->bot->id, &out, &err) < 0)
		return http_resp_err(resp, &err);
	if (add_limits(&env, req->bot->id, out, resp) < 0)
		return -1;
	return http_resp_json(resp, 200, out);
}

/* ?purge_snapshots=true|false (absent: false): whether the bot's snapshots go with the container. */
static int purge_arg(const char *value, bool *purge, struct http_resp *resp)
{
	*purge = value && strcmp(value, "true") == 0;
	if (value && !*purge && strcmp(value, "false") != 0)
		return http_resp_error(resp, 400, "invalid_argument",
				       "purge_snapshots must be true or false");
	return 0;
}

int http_container_delete(struct http_req *req, struct http_resp *resp)
{
	struct botctr_env env;
	bool existed, purge;
	berth_err err;

	if (purge_arg(http_req_query(req, "purge_snapshots"), &purge, resp) < 0 ||
	    bot_env_for(req, &env, resp) < 0)
		return -1;
	if (botctr_delete(&env, req->bot->id, purge, &existed, &err) < 0)
		return http_resp_err(resp, &err);
	return http_resp_empty(resp, 204);
}

int http_container_start(struct http_req *req, struct http_resp *resp)
{
	struct botctr_env env;
	bool started;
	berth_err err;

	if (bot_env_for(req, &env, resp) < 0)
		return -1;
	if (botctr_start(&env, req->bot->id, &started, &err) < 0)
		return http_resp_err(resp, &err);
	return http_resp_json(resp, 200, json_pack("{s:b}", "started", started));
}

int http_container_stop(struct http_req *req, struct http_resp *resp)
{
	struct botctr_env env;
	berth_err err;

	if (bot_env_for(req, &env, resp) < 0)
		return -1;
	if (botctr_stop(&env, req->bot->id, &err) < 0)
		return http_resp_err(resp, &err);
	return http_resp_json(resp, 200, json_pack("{s:b}", "stopped", 1));
}

int http_snapshot_create(struct http_req *req, struct http_resp *resp)
{
	struct botctr_env env;
	json_t *body = NULL, *out = NULL;
	const char *name;
	berth_err err;

	if (http_req_json(req, &body, resp) < 0 ||
	    body_string(body, "snapshot_name", &name, resp) < 0 || bot_env_for(req, &env, resp) < 0)
		return -1;
	if (botctr_snapshot_create(&env, req->bot->id, name, &out, &err) < 0)
		return http_resp_err(resp, &err);
	return http_resp_json(resp, 200, out);
}

int http_snapshot_list(struct http_req *req, struct http_resp *resp)
{
	struct botctr_env env;
	const char *snapshotter = http_req_query(req, "snapshotter");
	json_t *out = NULL;
	berth_err err;

	if (bot_env_for(req, &env, resp) < 0)
		return -1;
	if (botctr_snapshot_list(&env, req->bot->id, snapshotter, &out, &err) < 0)
		return http_resp_err(resp, &err);
	return http_resp_json(resp, 200, out);
}

int http_snapshot_rollback(struct http_req *req, struct http_resp *resp)
{
	struct botctr_env env;
	json_t *body = NULL, *out = NULL;
	const char *name;
	berth_err err;

	if (http_req_json(req, &body, resp) < 0 ||
	    body_string(body, "snapshot_name", &name, resp) < 0)
		return -1;
	if (!name || !*name)
		return http_resp_error(resp, 400, "invalid_argument", "snapshot_name is required");
	if (bot_env_for(req, &env, resp) < 0)
		return -1;
	if (botctr_rollback(&env, req->bot->id, name, &out, &err) < 0)
		return http_resp_err(resp, &err);
	return http_resp_json(resp, 200, out);
}
