/* handlers_limits.c: PATCH /bots/:bot_id/container (resource limits, live) and
 * GET /bots/:bot_id/container/stats; the helpers the create and get routes use for "limits".
 * The work is the domain's (berth/botctr_limits.h, berth/botctr_stats.h). */
#include "handlers_bot_common.h"

#include <string.h>

#include "berth/botctr_limits.h"
#include "berth/botctr_stats.h"
#include "berth/http_context.h"
#include "berth/http_handlers_limits.h"
#include "berth/http_request.h"
#include "berth/http_response.h"
#include "berth/store_bots.h"

int body_limits(struct http_req *req, const json_t *body, struct botctr_limits_patch *patch,
		struct http_resp *resp)
{
	struct botctr_limit_bounds bounds;
	berth_err err;

	memset(patch, 0, sizeof *patch);
	if (!body)
		return 0;
	if (!json_is_object(body))
		return http_resp_error(resp, 400, "invalid_body",
				       "request body must be a JSON object");
	botctr_limit_bounds_of(worker_config(req->ctx), &bounds);
	if (botctr_limits_parse(json_object_get(body, "limits"), &bounds, patch, &err) < 0)
		return http_resp_err(resp, &err);
	return 0;
}

int body_limits_apply(const struct botctr_env *env, const char *bot_id,
		      const struct botctr_limits_patch *patch, struct http_resp *resp)
{
	berth_err err;

	if (botctr_limits_patch_empty(patch))
		return 0;
	if (botctr_limits_update(env, bot_id, patch, false, NULL, &err) < 0)
		return http_resp_err(resp, &err);
	return 0;
}

int add_limits(const struct botctr_env *env, const char *bot_id, json_t *out,
	       struct http_resp *resp)
{
	struct botctr_limits lim;
	json_t *j = NULL;
	berth_err err;

	if (botctr_limits_get(env, bot_id, &lim, &j, &err) < 0) {
		json_decref(out);
		return http_resp_err(resp, &err);
	}
	if (json_object_set_new(out, "limits", j) != 0) {
		json_decref(out);
		return http_resp_error(resp, 500, "internal", "out of memory");
	}
	return 0;
}

int http_container_patch(struct http_req *req, struct http_resp *resp)
{
	struct botctr_limits_patch patch;
	struct botctr_env env;
	json_t *body = NULL, *out = NULL;
	const char *key;
	json_t *v;
	berth_err err;

	if (http_req_json(req, &body, resp) < 0)
		return -1;
	if (!body || !json_is_object(body))
		return http_resp_error(resp, 400, "invalid_body",
				       "request body must be a JSON object with \"limits\"");
	json_object_foreach(body, key, v)
	{
		if (strcmp(key, "limits") != 0)
			return http_resp_error(
				resp, 400, "invalid_body",
				"only \"limits\" can be changed here (unknown member %.64s)", key);
	}
	if (!json_object_get(body, "limits"))
		return http_resp_error(resp, 400, "invalid_body",
				       "request body must be a JSON object with \"limits\"");
	if (body_limits(req, body, &patch, resp) < 0 || bot_env_for(req, &env, resp) < 0)
		return -1;
	if (botctr_limits_update(&env, req->bot->id, &patch, true, &out, &err) < 0)
		return http_resp_err(resp, &err);
	return http_resp_json(resp, 200, out);
}

int http_container_stats(struct http_req *req, struct http_resp *resp)
{
	struct botctr_env env;
	json_t *out = NULL;
	berth_err err;

	if (bot_env_for(req, &env, resp) < 0)
		return -1;
	if (botctr_stats(&env, req->bot->id, &out, &err) < 0)
		return http_resp_err(resp, &err);
	return http_resp_json(resp, 200, out);
}
