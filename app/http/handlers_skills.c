/* handlers_skills.c: /bots/:bot_id/container/skills. Skills live in the bot's data dir on the host
 * and need no container (reference §10); the work is the domain's (skills_bot_* in
 * include/berth/skills.h). */
#include <jansson.h>

#include "berth/http_bot_handlers.h"
#include "berth/skills.h"
#include "berth/store.h"
#include "berth/worker.h"

int http_skills_list(struct http_req *req, struct http_resp *resp)
{
	json_t *out = NULL;
	berth_err err;

	if (skills_bot_list(worker_config(req->ctx), req->bot->id, &out, &err) < 0)
		return http_resp_err(resp, &err);
	return http_resp_json(resp, 200, out);
}

int http_skills_upsert(struct http_req *req, struct http_resp *resp)
{
	json_t *body = NULL;
	berth_err err;

	if (http_req_json(req, &body, resp) < 0)
		return -1;
	if (skills_bot_upsert(worker_config(req->ctx), req->bot->id, body, &err) < 0)
		return http_resp_err(resp, &err);
	return http_resp_json(resp, 200, json_pack("{s:b}", "ok", 1));
}

int http_skills_delete(struct http_req *req, struct http_resp *resp)
{
	json_t *body = NULL;
	berth_err err;

	if (http_req_json(req, &body, resp) < 0)
		return -1;
	if (skills_bot_delete(worker_config(req->ctx), req->bot->id, body, &err) < 0)
		return http_resp_err(resp, &err);
	return http_resp_json(resp, 200, json_pack("{s:b}", "ok", 1));
}
