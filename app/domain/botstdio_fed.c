/* botstdio_fed.c: stdio MCP connections federated into the tools gateway (see
 * include/berth/botstdio_fed.h). */
#define _GNU_SOURCE /* asprintf */
#include "berth/botstdio_fed.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth/agent_wire.h"
#include "berth/deadline.h"
#include "berth/log.h"
#include "berth/store_stdio.h"

#include "botstdio_internal.h"

#define FED_LIST_TIMEOUT_MS 8000
#define FED_CACHE_BOTS 8
#define FED_NAME_MAX 256

/* Where a federated tool goes. */
struct fed_route {
	char *name; /* the federated name */
	char *tool; /* the connection's own tool name */
	struct store_stdio_connection conn;
};

struct fed_cache {
	char bot_id[40];
	int64_t at; /* berth_now_ms() of the fill; 0: empty */
	json_t *tools;
	struct fed_route *routes;
	size_t count;
};

/* Per worker process (a worker serves one request at a time). */
static struct fed_cache cache[FED_CACHE_BOTS];
static unsigned long call_counter;

void botstdio_fed_name(const char *connection_name, const char *tool, char *out, size_t size)
{
	char san[FED_NAME_MAX];
	size_t n = 0, start = 0, end;
	const char *p;

	for (p = connection_name; *p && n + 1 < sizeof san; p++) {
		char c = (char)tolower((unsigned char)*p);

		if (((unsigned char)c & 0xC0) == 0x80)
			continue; /* a UTF-8 character is one character: its lead byte made the '_' */
		san[n++] = (isalnum((unsigned char)c) && !(c & 0x80)) || c == '_' || c == '-' ? c
											      : '_';
	}
	san[n] = '\0';
	end = n;
	while (start < end && strchr("._-", san[start]))
		start++;
	while (end > start && strchr("._-", san[end - 1]))
		end--;
	san[end] = '\0';
	snprintf(out, size, "%s.%s", end > start ? san + start : "mcp", tool);
}

static void cache_clear(struct fed_cache *c)
{
	size_t i;

	for (i = 0; i < c->count; i++) {
		free(c->routes[i].name);
		free(c->routes[i].tool);
	}
	free(c->routes);
	json_decref(c->tools);
	memset(c, 0, sizeof *c);
}

/* Calls message (BORROWED) in the connection's session, starting it first when the agent does not
 * hold it open. *response NEW: the child's reply. 1 when the agent refused (logged), -1 on err. */
static int session_call(const struct botctr_env *env, const char *bot_id,
			const struct store_stdio_connection *conn, json_t *message, int timeout_ms,
			json_t **response, berth_err *err)
{
	struct botstdio_agent_reply r = { 0 };
	json_t *config, *params;
	int attempt;

	*response = NULL;
	for (attempt = 0; attempt < 2; attempt++) {
		params = json_pack("{s:s,s:O,s:i}", "id", conn->id, "message", message,
				   "timeout_ms", timeout_ms);
		if (botstdio_agent_method(env, bot_id, "stdio/call", params,
					  timeout_ms + BOTSTDIO_AGENT_SLACK_MS, &r, err) < 0)
			return -1;
		if (r.code == 0) {
			*response = json_incref(json_object_get(r.result, "response"));
			json_decref(r.result);
			if (!*response) {
				blog(BLOG_WARN, "bot %s: stdio connection %s: no response", bot_id,
				     conn->name);
				return 1;
			}
			return 0;
		}
		if (attempt > 0 ||
		    (r.code != AGENT_RPC_STDIO_UNKNOWN && r.code != AGENT_RPC_STDIO_CLOSED)) {
			blog(BLOG_WARN, "bot %s: stdio connection %s: %s", bot_id, conn->name,
			     r.message);
			return 1;
		}
		/* Not held (first use, or it ended): start it from the connection's config. */
		config = json_loads(conn->config, 0, NULL);
		params = json_is_object(config)
				 ? json_pack("{s:s,s:s,s:O?,s:O?,s:O?,s:O?,s:i,s:i}", "id",
					     conn->id, "name", conn->name, "command",
					     json_object_get(config, "command"), "args",
					     json_object_get(config, "args"), "env",
					     json_object_get(config, "env"), "cwd",
					     json_object_get(config, "cwd"), "idle_timeout_s",
					     env->cfg->agent_stdio_idle_timeout_s, "max_sessions",
					     env->cfg->agent_stdio_max_sessions)
				 : NULL;
		json_decref(config);
		if (!params) {
			blog(BLOG_WARN, "bot %s: stdio connection %s: its config is not an object",
			     bot_id, conn->name);
			return 1;
		}
		if (json_is_null(json_object_get(params, "cwd")) || !json_object_get(params, "cwd"))
			json_object_set_new(params, "cwd", json_string(env->cfg->data_mount));
		if (botstdio_agent_method(env, bot_id, "stdio/start", params,
					  env->cfg->agent_call_timeout_ms, &r, err) < 0)
			return -1;
		json_decref(r.result);
		/* Another worker may have started it meanwhile: the call is tried again either way. */
		if (r.code && r.code != AGENT_RPC_INVALID_PARAMS) {
			blog(BLOG_WARN, "bot %s: stdio connection %s: start: %s", bot_id,
			     conn->name, r.message);
			return 1;
		}
	}
	return 1;
}

static bool name_taken(const struct fed_cache *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->count; i++)
		if (strcmp(c->routes[i].name, name) == 0)
			return true;
	return false;
}

/* Adds the connection's tools (from its tools/list response) to the cache. */
static void add_tools(struct fed_cache *c, const struct store_stdio_connection *conn,
		      json_t *response)
{
	json_t *tools = json_object_get(json_object_get(response, "result"), "tools"), *t;
	size_t i;

	json_array_foreach(tools, i, t)
	{
		const char *tool = json_string_value(json_object_get(t, "name"));
		const char *desc = json_string_value(json_object_get(t, "description"));
		char name[FED_NAME_MAX * 2], *described = NULL;
		struct fed_route *routes;
		json_t *copy;
		int k;

		if (!tool || !tool[0])
			continue;
		botstdio_fed_name(conn->name, tool, name, sizeof name);
		if (name_taken(c, name)) {
			char base[sizeof name];
			char *dot;

			snprintf(base, sizeof base, "%s", name);
			while ((dot = strchr(base, '.')))
				*dot = '_';
			for (k = 2; k < 1000; k++) {
				snprintf(name, sizeof name, "%.400s_%d", base, k);
				if (!name_taken(c, name))
					break;
			}
		}
		routes = realloc(c->routes, (c->count + 1) * sizeof *routes);
		if (!routes)
			return;
		c->routes = routes;
		copy = json_deep_copy(t);
		if (!copy || asprintf(&described, "[%s] %s", conn->name, desc ? desc : "") < 0) {
			json_decref(copy);
			return;
		}
		json_object_set_new(copy, "name", json_string(name));
		json_object_set_new(copy, "description", json_string(described));
		free(described);
		routes[c->count].name = strdup(name);
		routes[c->count].tool = strdup(tool);
		routes[c->count].conn = *conn;
		if (!routes[c->count].name || !routes[c->count].tool ||
		    json_array_append_new(c->tools, copy) < 0) {
			free(routes[c->count].name);
			free(routes[c->count].tool);
			return;
		}
		c->count++;
	}
}

/* The bot's federated tools, from the cache when fresh. NULL when the agent cannot be reached. */
static struct fed_cache *federation(const struct botctr_env *env, const char *bot_id,
				    berth_err *err)
{
	struct store_stdio_connection_list conns = { 0 };
	struct fed_cache *c = NULL;
	int64_t now = berth_now_ms();
	size_t i, oldest = 0;

	for (i = 0; i < FED_CACHE_BOTS; i++) {
		if (cache[i].at && strcmp(cache[i].bot_id, bot_id) == 0) {
			if (now - cache[i].at < BOTSTDIO_FED_CACHE_MS)
				return &cache[i];
			c = &cache[i];
		}
		if (cache[i].at < cache[oldest].at)
			oldest = i;
	}
	if (!c)
		c = &cache[oldest];
	cache_clear(c);
	if (store_stdio_connections(env->store, bot_id, &conns, err) < 0)
		return NULL;
	c->tools = json_array();
	if (!c->tools) {
		store_stdio_connection_list_free(&conns);
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		return NULL;
	}
	snprintf(c->bot_id, sizeof c->bot_id, "%s", bot_id);
	for (i = 0; i < conns.count; i++) {
		json_t *msg = json_pack("{s:s,s:s,s:s}", "jsonrpc", "2.0", "id",
					"federated-stdio-tools-list", "method", "tools/list");
		json_t *response = NULL;
		int rc = msg ? session_call(env, bot_id, &conns.items[i], msg, FED_LIST_TIMEOUT_MS,
					    &response, err)
			     : 1;

		json_decref(msg);
		if (rc < 0) {
			store_stdio_connection_list_free(&conns);
			cache_clear(c);
			return NULL;
		}
		if (rc == 0)
			add_tools(c, &conns.items[i], response);
		json_decref(response);
	}
	store_stdio_connection_list_free(&conns);
	c->at = berth_now_ms();
	return c;
}

/* Whether name can be federated: "<prefix>.<tool>", or a clash's "<...>_<n>". The agent's own
 * tool names are neither, so their calls never wait for the federation. */
static bool maybe_federated(const char *name)
{
	const char *end = name + strlen(name), *p = end;

	if (strchr(name, '.'))
		return true;
	while (p > name && isdigit((unsigned char)p[-1]))
		p--;
	return p < end && p > name && p[-1] == '_';
}

int botstdio_fed_call(const struct botctr_env *env, const char *bot_id, const json_t *request,
		      json_t **reply, berth_err *err)
{
	const char *method = json_string_value(json_object_get(request, "method"));
	const json_t *params = json_object_get(request, "params"),
		     *id = json_object_get(request, "id");
	const char *name = json_string_value(json_object_get(params, "name"));
	const struct fed_route *route = NULL;
	json_t *msg, *response = NULL, *args;
	struct fed_cache *c;
	char call_id[64];
	size_t i;
	int rc;

	*reply = NULL;
	if (!method || strcmp(method, "tools/call") != 0 || !name || !maybe_federated(name))
		return 0;
	c = federation(env, bot_id, err);
	if (!c)
		return -1;
	for (i = 0; i < c->count && !route; i++)
		if (strcmp(c->routes[i].name, name) == 0)
			route = &c->routes[i];
	if (!route)
		return 0;
	snprintf(call_id, sizeof call_id, "federated-stdio-tools-call-%ld-%lu", (long)getpid(),
		 ++call_counter);
	args = json_object_get(params, "arguments");
	args = json_is_object(args) ? json_incref(args) : json_object();
	msg = json_pack("{s:s,s:s,s:s,s:{s:s,s:o}}", "jsonrpc", "2.0", "id", call_id, "method",
			"tools/call", "params", "name", route->tool, "arguments", args);
	if (!msg)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	rc = session_call(env, bot_id, &route->conn, msg, env->cfg->agent_call_timeout_ms,
			  &response, err);
	json_decref(msg);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		*reply = json_pack("{s:s,s:O,s:{s:i,s:s}}", "jsonrpc", "2.0", "id",
				   id ? (json_t *)id : json_null(), "error", "code",
				   AGENT_RPC_INTERNAL_ERROR, "message",
				   "the federated MCP connection failed");
	} else {
		if (json_object_set(response, "id", (json_t *)(id ? id : json_null())) < 0)
			json_decref(response), response = NULL;
		*reply = response;
	}
	return *reply ? 0 : berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
}

void botstdio_fed_extend_list(const struct botctr_env *env, const char *bot_id,
			      const json_t *request, json_t *reply)
{
	const char *method = json_string_value(json_object_get(request, "method"));
	json_t *result = json_object_get(reply, "result"),
	       *tools = json_object_get(result, "tools");
	struct fed_cache *c;
	berth_err err;

	if (!method || strcmp(method, "tools/list") != 0 || !json_is_array(tools) ||
	    json_object_get(result, "nextCursor"))
		return;
	c = federation(env, bot_id, &err);
	if (!c) {
		blog(BLOG_WARN, "bot %s: federated tools: %s", bot_id, err.msg);
		return;
	}
	if (json_array_extend(tools, c->tools) < 0)
		blog(BLOG_WARN, "bot %s: federated tools: out of memory", bot_id);
}

int botstdio_fed_close(const struct botctr_env *env, const char *bot_id, const char *connection_id,
		       berth_err *err)
{
	struct botstdio_agent_reply r = { 0 };
	size_t i;
	int rc = 0;

	for (i = 0; i < FED_CACHE_BOTS; i++)
		if (cache[i].at && strcmp(cache[i].bot_id, bot_id) == 0)
			cache_clear(&cache[i]);
	if (botstdio_agent_method(env, bot_id, "stdio/close",
				  json_pack("{s:s}", "id", connection_id),
				  AGENT_STDIO_CLOSE_GRACE_MS + 5000, &r, err) < 0)
		return err->kind == BERTH_E_NOT_FOUND || err->kind == BERTH_E_PRECONDITION ? 0 : -1;
	if (r.code && r.code != AGENT_RPC_STDIO_UNKNOWN)
		rc = berth_err_set(err, BERTH_E_INTERNAL, "%s", r.message);
	json_decref(r.result);
	return rc;
}
