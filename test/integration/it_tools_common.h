/* it_tools_common.h: what the issue #9 integration tests (it_tools_*.c) share: MCP requests on
 * POST /bots/:bot_id/tools through nginx, tool calls, and a running bot to call them on.
 * Failure policy and ownership as it_container_common.h. */
#ifndef BERTH_IT_TOOLS_COMMON_H
#define BERTH_IT_TOOLS_COMMON_H

#include <stdbool.h>

#include "it_container_common.h"

/* The Accept header an MCP client sends. */
#define IT_MCP_ACCEPT "Accept: application/json, text/event-stream"

/* POST body to /bots/<bot>/tools as id. headers: NULL for the usual MCP client headers
 * (Accept as above), else the complete list of extra header lines; content_type NULL: none. */
long it_mcp_post(const char *bot_id, const char *body, const char *content_type,
		 const char *const *headers, bt_identity id, bt_response *r);

/* One JSON-RPC request (method, params: a NEW json or NULL, stolen); asserts HTTP 200 and a
 * JSON-RPC reply with "result"; returns the result (NEW). */
json_t *it_mcp_request(const char *bot_id, bt_identity id, const char *method, json_t *params);

/* tools/call name with args (NEW, stolen); asserts HTTP 200 and a result. *is_error gets isError;
 * returns structuredContent (NEW; for an error result {"error": msg}). */
json_t *it_tool(const char *bot_id, bt_identity id, const char *name, json_t *args, bool *is_error);
/* it_tool asserting success. */
json_t *it_tool_ok(const char *bot_id, bt_identity id, const char *name, json_t *args);
/* it_tool asserting an error result; returns its message (NEW). */
char *it_tool_err(const char *bot_id, bt_identity id, const char *name, json_t *args);

/* A fresh owned bot with its container created and running. */
it_owned_bot it_running_bot(const char *type, int allow_guest);

#endif
