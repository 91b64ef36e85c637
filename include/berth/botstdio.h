/* botstdio.h: a bot's stdio MCP sessions (issue #10; the original's POST /bots/:id/mcp-stdio, spec
 * §11.1, with its intended behaviour). The process is started and held by the bot's agent
 * (agent_wire.h "stdio MCP sessions"), so a session outlives the worker that created it, any
 * reload and berth-fcgi's restart, and ends with the container; its record (table
 * mcp_stdio_sessions, store_stdio.h) lets any worker find it. Calls go through bottools (the
 * agent's socket, its diagnosis of a stopped bot).
 *
 * Errors (kind for HTTP; sub-codes to decide on):
 *   BERTH_E_INVALID               bad spec ("command is required", args/env/cwd types, too long)
 *   BERTH_E_NOT_FOUND             "mcp connection not found" (no record for this bot), or
 *                                 "container not found for bot" (create)
 *   BERTH_E_NOT_FOUND + BERTH_EC_MCP_CLOSED   "mcp connection closed": the session has ended (by
 *                                 DELETE, its process, the agent's limits, or its container); the
 *                                 record is marked closed with the reason the first time a
 *                                 worker learns it
 *   BERTH_E_PRECONDITION          the bot's container is not running: the message says to start it
 *                                 with POST /bots/<id>/container/start (create)
 *   BERTH_E_PRECONDITION + BERTH_EC_MCP_LIMIT  the bot holds [agent] stdio_max_sessions sessions
 *   BERTH_E_INTERNAL              the command cannot be started ("start <command>: <reason>"), and
 *                                 store/agent failures (as bottools.h says)
 * Ownership: strings and JSON passed in are BORROWED; *out / *response are NEW.
 */
#ifndef BERTH_BOTSTDIO_H
#define BERTH_BOTSTDIO_H

#include <jansson.h>

#include "berth/botctr_op.h"
#include "berth/err.h"

/* The create body's fields (the original's {name, command, args, env, cwd}); args and env may
 * be NULL; command is trimmed; env's blank keys are skipped. */
struct botstdio_spec {
	const char *name;
	const char *command;
	const json_t *args; /* array of strings */
	const json_t *env;  /* object of strings */
	const char *cwd;    /* "" or NULL: the data mount */
};

/* The probe's budget (the original's): tools/list within this, else tools is omitted. */
#define BOTSTDIO_PROBE_MS 8000

/* Starts a session: *out = {connection_id, url, tools?} (tools: the sorted non-blank names). */
int botstdio_create(const struct botctr_env *env, const char *bot_id,
		    const struct botstdio_spec *spec, json_t **out, berth_err *err);

/* Relays one JSON-RPC message (an object whose jsonrpc and method the caller has checked). A
 * notification or a response to a server-to-client request: *response NULL (accepted). A call:
 * *response is the reply to send ({jsonrpc, id, result|error}); a failed call (timeout, the
 * session ending while it waited, ...) is such a reply with error -32603 and the reason. *queued
 * (may be NULL) = server-to-client messages waiting for GET .../messages. */
int botstdio_relay(const struct botctr_env *env, const char *bot_id, const char *connection_id,
		   const json_t *message, json_t **response, long *queued, berth_err *err);

/* The server-to-client messages the session's process sent: *out = {messages:[...], dropped}. */
int botstdio_messages(const struct botctr_env *env, const char *bot_id, const char *connection_id,
		      json_t **out, berth_err *err);

/* The bot's sessions, reconciled with its agent: *out = [{connection_id, name, command, url,
 * state ("active"|"closed"|"starting": being created), created_at, last_used_at, and while active mcp_state, pid, queued,
 * dropped; once closed closed_at and closed_reason}]. */
int botstdio_list(const struct botctr_env *env, const char *bot_id, json_t **out, berth_err *err);

/* Ends a session (its process is terminated, then killed, and reaped) and marks its record closed.
 * An already closed one is not an error. */
int botstdio_delete(const struct botctr_env *env, const char *bot_id, const char *connection_id,
		    berth_err *err);

#endif
