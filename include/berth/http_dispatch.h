/* http_dispatch.h: one request from params to response, the route and the handler API of
 * berth-fcgi (app/http/dispatch.c). Requests: http_request.h; responses: http_response.h;
 * authentication: http_auth.h; the route table: http_routes.h.
 *
 * A handler gets a request that is already routed, authenticated and (for bot-scoped routes)
 * authorized, and fills the response:
 *
 *     static int get_thing(struct http_req *req, struct http_resp *resp)
 *     {
 *         berth_err err;
 *         berth_store *st = worker_store(req->ctx, &err);
 *         if (!st)
 *             return http_resp_err(resp, &err);
 *         ...
 *         return http_resp_json(resp, 200, json_pack("{s:s}", "bot_id", req->bot->id));
 *     }
 *
 * Routes live in one table (app/http/routes.c, http_routes[]). Ownership: everything reachable
 * from a struct http_req is BORROWED by the handler and lives until the response is written.
 * Response bodies are owned by the struct http_resp (http_resp_json STEALS its json_t).
 */
#ifndef BERTH_HTTP_DISPATCH_H
#define BERTH_HTTP_DISPATCH_H

#include <stddef.h>

#include "berth/http_auth.h"
#include "berth/http_request.h"

struct worker_ctx;   /* http_context.h: lazy store/containerd connections + config of this worker */
struct authz_policy; /* authz.h: who may act on a bot */
struct http_resp;    /* http_response.h */

typedef int (*http_handler)(struct http_req *req, struct http_resp *resp);

enum http_auth { HTTP_AUTH_NONE = 0, HTTP_AUTH_USER };

struct http_route {
	const char *method; /* first two members: see http_router.h */
	const char *pattern;
	http_handler handler;
	enum http_auth auth;
	/* Non-NULL for bot-scoped routes (pattern has :bot_id): the dispatcher checks the id
	 * (400 invalid_bot_id), loads the bot (404 "bot not found"), decides with authz_decide
	 * (403 "bot access denied") and sets req->bot before calling the handler. */
	const struct authz_policy *bot_policy;
};

/* What one worker serves requests with. */
struct http_server {
	const struct http_route *routes;
	size_t n_routes;
	struct worker_ctx *ctx; /* handed to handlers as req->ctx */
	long max_body_bytes;
	int request_timeout_ms;
	http_identity_lookup identify; /* normally http_identity_from_store */
	/* NULL, or used instead of identify on bot routes with a canonical :bot_id (arg identify_arg) */
	http_identity_bot_lookup identify_bot;
	void *identify_arg;
};

/* One request, from params and a body reader to a response, in this order: request id;
 * declared Content-Length over max_body_bytes (413, on any path, nothing read); path (400
 * invalid_path); routing (404 not_found, 405 method_not_allowed + Allow); query (400
 * invalid_query); authentication for HTTP_AUTH_USER routes (401 client_certificate_required,
 * unknown_identity, user_inactive; 503 database_unavailable); body read (413/400); bot access for
 * routes with a bot_policy (400/404/403/503); the handler (a handler that sets no response gives
 * 500). Never fails: resp always ends up holding a response. req is filled for the caller's access log and must be released with
 * http_req_release after the response is written. */
void http_handle(const struct http_server *srv, char *const *params, http_body_reader reader,
		 void *reader_arg, struct http_req *req, struct http_resp *resp);
void http_req_release(struct http_req *req);

/* The access log line of a handled request (status, duration_ms, route, request id, bot id). */
void http_log_access(const struct http_req *req, const struct http_resp *resp);

#endif
