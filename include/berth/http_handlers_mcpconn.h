/* http_handlers_mcpconn.h: the routes of a bot's MCP connections (issue #10, reference §11.4).
 * Each follows the http_handler contract of include/berth/http_dispatch.h and gets req->bot already
 * authorized (admins and the bot's owner); the rules are the domain's (include/berth/mcpconn.h). */
#ifndef BERTH_HTTP_HANDLERS_MCPCONN_H
#define BERTH_HTTP_HANDLERS_MCPCONN_H

struct http_req;  /* http_request.h */
struct http_resp; /* http_response.h */

/* /bots/:bot_id/mcp */
int http_mcpconn_list(struct http_req *req, struct http_resp *resp);   /* GET: {"items":[...]} */
int http_mcpconn_create(struct http_req *req, struct http_resp *resp); /* POST: 201 connection */
/* /bots/:bot_id/mcp/:id */
int http_mcpconn_get(struct http_req *req, struct http_resp *resp);    /* GET */
int http_mcpconn_update(struct http_req *req, struct http_resp *resp); /* PUT */
int http_mcpconn_delete(struct http_req *req, struct http_resp *resp); /* DELETE: 204 */
/* /bots/:bot_id/mcp-ops */
int http_mcpconn_import(struct http_req *req,
			struct http_resp *resp); /* PUT .../import: {"items"} */
int http_mcpconn_export(struct http_req *req, struct http_resp *resp); /* GET .../export */
int http_mcpconn_batch_delete(struct http_req *req,
			      struct http_resp *resp); /* POST .../batch-delete: 204 */

#endif
