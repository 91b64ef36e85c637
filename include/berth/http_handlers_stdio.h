/* http_handlers_stdio.h: the stdio MCP session routes (issue #10; the original's, spec §11.1) of
 * the route table, for a bot's owner and admins. Each follows the http_handler contract of
 * include/berth/http.h; the domain is include/berth/botstdio.h.
 *   POST   /bots/:bot_id/mcp-stdio                    {name, command, args, env, cwd}
 *          -> 200 {connection_id, url, tools?}; 400 "command is required"; 404 "container not
 *          found for bot"; 409 the bot is stopped (says how to start it); 429 over
 *          [agent] stdio_max_sessions; 500 the command cannot be started.
 *   POST   /bots/:bot_id/mcp-stdio/:connection_id     one JSON-RPC message, the original's relay:
 *          200 the reply (errors as JSON-RPC errors: -32600 "invalid jsonrpc version", -32601
 *          "method not found", -32603 a failed call); 202 a notification (or a response to a
 *          server-to-client request); 404 "mcp connection not found" / "mcp connection closed".
 *          A reply carries Berth-MCP-Queued: N when N server-to-client messages wait.
 *   GET    /bots/:bot_id/mcp-stdio/:connection_id/messages -> 200 {messages, dropped}
 *   GET    /bots/:bot_id/mcp-stdio                    -> 200 {sessions:[...]}
 *   DELETE /bots/:bot_id/mcp-stdio/:connection_id     -> 204
 */
#ifndef BERTH_HTTP_HANDLERS_STDIO_H
#define BERTH_HTTP_HANDLERS_STDIO_H

struct http_req;  /* http_request.h */
struct http_resp; /* http_response.h */

int http_stdio_create(struct http_req *req, struct http_resp *resp);
int http_stdio_relay(struct http_req *req, struct http_resp *resp);
int http_stdio_messages(struct http_req *req, struct http_resp *resp);
int http_stdio_list(struct http_req *req, struct http_resp *resp);
int http_stdio_delete(struct http_req *req, struct http_resp *resp);

#endif
