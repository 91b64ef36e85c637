/* bottools.h: a bot's tools, served by the agent in its container (the MCP relay of the domain).
 *
 * The request is one JSON-RPC 2.0 request object for the agent (tools/list, tools/call; see
 * include/berth/agent_wire.h for the tools). It is forwarded over the bot's agent socket
 * (<state_root>/bots/<uuid>/agent/agent.sock, through app/agentc) and the agent's reply, a
 * JSON object, comes back as it is; the agent runs inside the container, which the bot controls, so
 * the reply is the bot's word: checked to be one JSON object, never trusted for anything else.
 *
 * An exec call's timeout_s is filled in (the agent's default when absent) and clamped to
 * [agent] exec_timeout_max_s and to what is left of the request's deadline, so that the agent
 * answers before the request ends.
 *
 * When the agent cannot be reached, the bot's state says why (err, kind chosen for HTTP):
 *   BERTH_E_NOT_FOUND     the bot has no container: "container not found for bot" (the original's)
 *   BERTH_E_PRECONDITION  the container's task is not running: a message that says to start it
 *                         with POST /bots/<id>/container/start
 *   BERTH_E_UNAVAILABLE   (code BERTH_EC_AGENT) the task runs but its agent socket is missing,
 *                         replaced or refused: a message that says to restart the container
 *   BERTH_E_TIMEOUT       (code BERTH_EC_AGENT) the agent did not answer in time
 *   others                store/containerd failures, and a reply that is not one JSON object
 * All messages are client-safe (host paths only in detail-only errors).
 *
 * Ownership: env and request are borrowed; *reply is NEW.
 */
#ifndef BERTH_BOTTOOLS_H
#define BERTH_BOTTOOLS_H

#include <jansson.h>
#include <stdbool.h>

#include "berth/botctr_op.h"
#include "berth/err.h"
#include "berth/jsonscan.h"

/* Forwards request to the bot's agent and returns its reply. With start_if_stopped, a bot whose
 * container is not running is started first (botctr_start: the older version's fs proxy did), and
 * the call waits for the new agent's socket. */
int bottools_call(const struct botctr_env *env, const char *bot_id, const json_t *request,
		  bool start_if_stopped, json_t **reply, berth_err *err);

/* bottools_call with the agent's reply as its text: *reply (NEW, free(); *reply_len bytes, NUL-
 * terminated) is checked to be one JSON object (berth/jsonscan.h, then the JSON parser for what
 * that refuses), for a caller that relays it without decoding it. The check's scan is not done
 * twice: the first max_members top-level members it found go to members (spans into *reply) and
 * their count to *n_members; 0 when only the parser accepted the reply (members NULL: max 0). */
int bottools_call_raw(const struct botctr_env *env, const char *bot_id, const json_t *request,
		      bool start_if_stopped, char **reply, size_t *reply_len,
		      struct jsonscan_member *members, size_t max_members, size_t *n_members,
		      berth_err *err);

/* As bottools_call (never starting the container), with the call's cap set to cap_ms instead of
 * [agent] call_timeout_ms: for a request that waits on purpose (a stdio session's relay). */
int bottools_call_capped(const struct botctr_env *env, const char *bot_id, const json_t *request,
			 int cap_ms, json_t **reply, berth_err *err);

/* One tools/call of the named tool with arguments (borrowed; NULL for {}), for the plain HTTP
 * routes: *result is the NEW CallToolResult object ({content, structuredContent, isError}).
 * A JSON-RPC error reply of the agent becomes BERTH_E_INVALID (-32602 invalid params) or
 * BERTH_E_INTERNAL with its message. */
int bottools_call_tool(const struct botctr_env *env, const char *bot_id, const char *tool,
		       const json_t *arguments, json_t **result, berth_err *err);

/* The "result" of a JSON-RPC reply of the agent (reply borrowed): NEW, or NULL with
 * BERTH_E_INTERNAL (code BERTH_EC_AGENT) when the reply has none or it is not an object. */
json_t *bottools_reply_result(const json_t *reply, berth_err *err);

#endif
