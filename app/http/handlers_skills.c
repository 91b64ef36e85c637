/* handlers_skills.c: /bots/:bot_id/container/skills. Skills live in the bot's data dir on the host
 * and need no container (reference §10); the domain module keeps every path beneath that dir. */
#include <jansson.h>

#include "berth/botdir.h"
#include "berth/http_bot_handlers.h"
#include "berth/skills.h"
#include "berth/store.h"
#include "berth/worker.h"

enum skills_op { SKILLS_LIST, SKILLS_UPSERT, SKILLS_DELETE };

static int skills_route(struct http_req *req, struct http_resp *resp, enum skills_op op)
{
	const struct berth_config *cfg = worker_config(req->ctx);
	const struct skills_limits limits = { cfg->skills_max_count, cfg->skill_max_bytes };
	struct botdir dir = { NULL, NULL, -1, -1, NULL };
	json_t *body = NULL, *out = NULL;
	berth_err err;
	int rc;

	if (op != SKILLS_LIST && http_req_json(req, &body, resp) < 0)
		return -1;
	if (botdir_prepare(cfg->data_root, cfg->state_root, req->bot->id, &dir, &err) < 0)
		return http_resp_err(resp, &err);
	switch (op) {
	case SKILLS_LIST:
		rc = skills_list(dir.data_fd, &limits, &out, &err);
		break;
	case SKILLS_UPSERT:
		rc = skills_upsert(dir.data_fd, body, &limits, &err);
		break;
	default:
		rc = skills_delete(dir.data_fd, body, &limits, &err);
		break;
	}
	botdir_release(&dir);
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
