/* http_handlers_limits.h: a bot container's resource limits and usage routes (issue #11)
 * (app/http/handlers_limits.c). Each follows the http_handler contract of
 * include/berth/http_dispatch.h and gets req->bot already authorized (admins and the bot's
 * owner). Rules and shapes: berth/botctr_limits.h, berth/botctr_stats.h.
 */
#ifndef BERTH_HTTP_HANDLERS_LIMITS_H
#define BERTH_HTTP_HANDLERS_LIMITS_H

struct http_req;  /* http_request.h */
struct http_resp; /* http_response.h */

/* PATCH /bots/:bot_id/container {"limits":{...}}: 200 {"limits":{...},"applied_live":bool};
 * 400 invalid_limits (naming the field and the bound; nothing changed), 404 without a container,
 * 409 when the running task refuses them. */
int http_container_patch(struct http_req *req, struct http_resp *resp);
/* GET /bots/:bot_id/container/stats: 200 usage; 409 container_not_running when the task does not
 * run. */
int http_container_stats(struct http_req *req, struct http_resp *resp);

#endif
