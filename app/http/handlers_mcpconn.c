/* handlers_mcpconn.c: /bots/:bot_id/mcp and /bots/:bot_id/mcp-ops. HTTP only: the body is parsed
 * here (http_req_json), everything else is the domain's (include/berth/mcpconn.h). Bodies carry
 * the owner's secrets (env, headers): nothing here logs them. */
#include <jansson.h>

#include "berth/http_handlers_mcpconn.h"
#include "berth/botstdio_fed.h"
#include "berth/log.h"
#include "berth/mcpconn.h"
#include "handlers_bot_common.h"
#include "berth/store_bots.h"
#include "berth/http_context.h"
#include "berth/http_request.h"
#include "berth/http_response.h"

/* A connection deleted or changed ends the agent-held session federating it (its next use starts
 * one with the new config); a failure to end it is logged, never the request's (the session then
 * ends at its idle close). */
static void end_federated_session(struct http_req *req, const char *connection_id)
{
	struct botctr_env env;
	struct http_resp ignored;
	berth_err err;

	http_resp_init(&ignored);
	if (bot_env_for(req, &env, &ignored) < 0) {
		http_resp_free(&ignored);
		blog(BLOG_WARN,
		     "mcp connection %s: its federated session was not ended (no environment)",
		     connection_id);
		return;
	}
	if (botstdio_fed_close(&env, req->bot->id, connection_id, &err) < 0)
		blog(BLOG_WARN, "mcp connection %s: ending its federated session failed: %s",
		     connection_id, err.msg);
}

enum mcpconn_op {
	OP_LIST,
	OP_CREATE,
	OP_GET,
	OP_UPDATE,
	OP_DELETE,
	OP_IMPORT,
	OP_EXPORT,
	OP_BATCH_DELETE
};

static int mcpconn_route(struct http_req *req, struct http_resp *resp, enum mcpconn_op op)
{
	const char *bot_id = req->bot->id, *id = http_req_param(req, "id");
	json_t *body = NULL, *out = NULL;
	berth_store *store;
	berth_err err;
	long deleted;
	int rc;

	if ((op == OP_CREATE || op == OP_UPDATE || op == OP_IMPORT || op == OP_BATCH_DELETE) &&
	    http_req_json(req, &body, resp) < 0)
		return -1;
	store = worker_store(req->ctx, &err);
	if (!store)
		return http_resp_err(resp, &err);
	switch (op) {
	case OP_LIST: rc = mcpconn_list(store, bot_id, &out, &err); break;
	case OP_CREATE: rc = mcpconn_create(store, bot_id, body, &out, &err); break;
	case OP_GET: rc = mcpconn_get(store, bot_id, id, &out, &err); break;
	case OP_UPDATE: rc = mcpconn_update(store, bot_id, id, body, &out, &err); break;
	case OP_DELETE: rc = mcpconn_delete(store, bot_id, id, &err); break;
	case OP_IMPORT: rc = mcpconn_import(store, bot_id, body, &out, &err); break;
	case OP_EXPORT: rc = mcpconn_export(store, bot_id, &out, &err); break;
	default: rc = mcpconn_batch_delete(store, bot_id, body, &deleted, &err); break;
	}
	if (rc < 0)
		return http_resp_err(resp, &err);
	if (op == OP_DELETE || op == OP_UPDATE) {
		end_federated_session(req, id);
	} else if (op == OP_BATCH_DELETE) {
		json_t *v;
		size_t i;

		json_array_foreach(json_object_get(body, "ids"), i, v) if (json_is_string(v))
			end_federated_session(req, json_string_value(v));
	}
	if (op == OP_DELETE || op == OP_BATCH_DELETE)
		return http_resp_empty(resp, 204);
	return http_resp_json(resp, op == OP_CREATE ? 201 : 200, out);
}

int http_mcpconn_list(struct http_req *req, struct http_resp *resp)
{
	return mcpconn_route(req, resp, OP_LIST);
}

int http_mcpconn_create(struct http_req *req, struct http_resp *resp)
{
	return mcpconn_route(req, resp, OP_CREATE);
}

int http_mcpconn_get(struct http_req *req, struct http_resp *resp)
{
	return mcpconn_route(req, resp, OP_GET);
}

int http_mcpconn_update(struct http_req *req, struct http_resp *resp)
{
	return mcpconn_route(req, resp, OP_UPDATE);
}

int http_mcpconn_delete(struct http_req *req, struct http_resp *resp)
{
	return mcpconn_route(req, resp, OP_DELETE);
}

int http_mcpconn_import(struct http_req *req, struct http_resp *resp)
{
	return mcpconn_route(req, resp, OP_IMPORT);
}

int http_mcpconn_export(struct http_req *req, struct http_resp *resp)
{
	return mcpconn_route(req, resp, OP_EXPORT);
}

int http_mcpconn_batch_delete(struct http_req *req, struct http_resp *resp)
{
	return mcpconn_route(req, resp, OP_BATCH_DELETE);
}
