/* handlers_skills.c: /bots/:bot_id/container/skills. Skills live in the bot's data dir on the host
 * and need no container (reference §10); the domain keeps every path beneath that dir. */
#include <jansson.h>

#include "berth/botctr_op.h"
#include "berth/botctr_skills.h"
#include "berth/http_context.h"
#include "berth/http_handlers_skills.h"
#include "berth/http_request.h"
#include "berth/http_response.h"
#include "berth/store_bots.h"

enum skills_op { SKILLS_LIST, SKILLS_UPSERT, SKILLS_DELETE };

static int skills_route(struct http_req *req, struct http_resp *resp, enum skills_op op)
{
	/* No containerd connection: skills work while containerd is down. */
	struct botctr_env env = { .cfg = worker_config(req->ctx), .deadline_ms = req->deadline_ms };
	json_t *body = NULL, *out = NULL;
	berth_err err;
	int rc;

	if (op != SKILLS_LIST && http_req_json(req, &body, resp) < 0)
		return -1;
	env.store = worker_store(req->ctx, &err);
	if (!env.store)
		return http_resp_err(resp, &err);
	switch (op) {
	case SKILLS_LIST: rc = botctr_skills_list(&env, req->bot->id, &out, &err); break;
	case SKILLS_UPSERT: rc = botctr_skills_upsert(&env, req->bot->id, body, &err); break;
	default: rc = botctr_skills_delete(&env, req->bot->id, body, &err); break;
	}
	if (rc < 0)
		return http_resp_err(resp, &err);
	return http_resp_json(resp, 200, op == SKILLS_LIST ? out : json_pack("{s:b}", "ok", 1));
}

int http_skills_list(struct http_req *req, struct http_resp *resp)
{
	return skills_route(req, resp, SKILLS_LIST);
}

int http_skills_upsert(struct http_req *req, struct http_resp *resp)
{
	return skills_route(req, resp, SKILLS_UPSERT);
}

int http_skills_delete(struct http_req *req, struct http_resp *resp)
{
	return skills_route(req, resp, SKILLS_DELETE);
}
