/* http_handlers_tools.h: the bot's tools over MCP Streamable HTTP (issue #9)
 * (app/http/handlers_tools.c).
 * Each follows the http_handler contract of include/berth/http_dispatch.h; bot-scoped ones get
 * req->bot already authorized by the route's policy (app/http/routes.c).
 */
#ifndef BERTH_HTTP_HANDLERS_TOOLS_H
#define BERTH_HTTP_HANDLERS_TOOLS_H

struct http_req;  /* http_request.h */
struct http_resp; /* http_response.h */

/* The bot's tools (issue #9): MCP Streamable HTTP, and the plain routes for scripts. */
int http_tools_post(struct http_req *req, struct http_resp *resp); /* POST /bots/:bot_id/tools */

#endif
