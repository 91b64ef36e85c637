/* botstdio_fed.h: a bot's active stdio MCP connections (table mcp_connections, type stdio; spec
 * §11.4) federated into its tools gateway (POST /bots/:bot_id/tools). Unlike the original, which
 * started a fresh exec for every tools/list and tools/call, each connection is served by one
 * long-lived session held by the bot's agent (botstdio.h), keyed by the connection's id: started
 * on first use from the connection's config {command, args, env, cwd}, started again after it
 * ended (its process, idle close, the container).
 *
 * Tools are named "<sanitized name>.<tool>" (the name lowercased; characters other than a-z 0-9 _ -
 * become '_'; '.', '_' and '-' trimmed at both ends; "" becomes "mcp"), described
 * "[<name>] <description>"; a name already taken gets "_2", "_3", ... with its dots made '_'.
 * Connections are taken by name then id. The federated list is cached for BOTSTDIO_FED_CACHE_MS
 * per worker. A connection that fails (cannot start, does not answer) is left out and logged.
 * Calls to the agent use the ids "federated-stdio-tools-list" and "federated-stdio-tools-call-<n>"
 * (unique per worker: one session serves concurrent calls).
 *
 * Ownership: request BORROWED; *reply NEW; reply of botstdio_fed_extend_list is modified in place.
 */
#ifndef BERTH_BOTSTDIO_FED_H
#define BERTH_BOTSTDIO_FED_H

#include <jansson.h>

#include "berth/botctr_op.h"
#include "berth/err.h"

#define BOTSTDIO_FED_CACHE_MS 5000

/* When request is a tools/call of a federated tool (a name with a '.' or ending in _<n>; others
 * are never looked up), calls it in its connection's session:
 * *reply = {jsonrpc, id, result} or {..., error}; else *reply = NULL (not federated: the caller
 * asks the agent's own tools). -1 (err as botstdio.h / bottools.h) when the bot's agent cannot be
 * reached. */
int botstdio_fed_call(const struct botctr_env *env, const char *bot_id, const json_t *request,
		      json_t **reply, berth_err *err);

/* When request is tools/list and reply (the agent's own tools) is its last page (no nextCursor),
 * appends the federated tools to reply's result.tools. Failures are logged, never fatal. */
void botstdio_fed_extend_list(const struct botctr_env *env, const char *bot_id,
			      const json_t *request, json_t *reply);

/* Ends the session of connection connection_id (for its DELETE or deactivation; else it lasts
 * until its idle close) and forgets the cached federation of the bot. A session that is not held,
 * or a container that is not running, is not an error. */
int botstdio_fed_close(const struct botctr_env *env, const char *bot_id, const char *connection_id,
		       berth_err *err);

/* The federated name of connection name's tool (without the clash suffix), into out (size
 * bytes); for tests. */
void botstdio_fed_name(const char *connection_name, const char *tool, char *out, size_t size);

#endif
