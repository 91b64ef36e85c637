/* botstdio.c: a bot's stdio MCP sessions, held by its agent (see include/berth/botstdio.h). */
#include "berth/botstdio.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/agent_wire.h"
#include "berth/bottools.h"
#include "berth/deadline.h"
#include "berth/log.h"
#include "berth/store_stdio.h"
#include "berth/uuid.h"

#include "botstdio_internal.h"

#define AGENT_SLACK_MS BOTSTDIO_AGENT_SLACK_MS
#define CLOSE_CAP_MS (AGENT_STDIO_CLOSE_GRACE_MS + 5000)
#define LIST_CAP_MS 5000

#define REASON_CONTAINER "the session ended with its container"

int botstdio_agent_method(const struct botctr_env *env, const char *bot_id, const char *method,
			  json_t *params, int cap_ms, struct botstdio_agent_reply *r,
			  berth_err *err)
{
	json_t *request, *reply = NULL, *error;
	int rc = -1;

	memset(r, 0, sizeof *r);
	request = params ? json_pack("{s:s,s:s,s:s,s:o}", "jsonrpc", "2.0", "id", "berth-stdio",
				     "method", method, "params", params)
			 : NULL;
	if (!request)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	if (bottools_call_capped(env, bot_id, request, cap_ms, &reply, err) < 0)
		goto done;
	error = json_object_get(reply, "error");
	if (error) {
		const char *msg = json_string_value(json_object_get(error, "message"));

		r->code = (int)json_integer_value(json_object_get(error, "code"));
		if (r->code == 0)
			r->code = AGENT_RPC_INTERNAL_ERROR;
		snprintf(r->message, sizeof r->message, "%s",
			 msg ? msg : "the bot's agent returned an error");
		rc = 0;
		goto done;
	}
	r->result = bottools_reply_result(reply, err);
	if (!r->result)
		goto done;
	rc = 0;
done:
	json_decref(reply);
	json_decref(request);
	return rc;
}

/* The bot's container is gone or stopped: what bottools says when nobody serves the socket. */
static bool container_down(const berth_err *e)
{
	return e->kind == BERTH_E_NOT_FOUND || e->kind == BERTH_E_PRECONDITION;
}

/* Marks the record closed (logged on failure: the caller's answer does not depend on it). */
static void mark_closed(const struct botctr_env *env, const char *bot_id, const char *id,
			const char *reason)
{
	berth_err e;

	if (store_stdio_close(env->store, bot_id, id, reason, &e) < 0)
		blog(BLOG_WARN, "bot %s: stdio session %s: marking it closed: %s", bot_id, id,
		     e.msg);
}

static int closed_err(berth_err *err)
{
	return berth_err_setc(err, BERTH_E_NOT_FOUND, BERTH_EC_MCP_CLOSED, "mcp connection closed");
}

/* The active record of id (its state only with use), or NOT_FOUND "mcp connection not found" /
 * MCP_CLOSED. use: also record that it is used now (the relay), in the same statement. */
static int active_record(const struct botctr_env *env, const char *bot_id, const char *id, bool use,
			 struct store_stdio_session *rec, berth_err *err)
{
	if (!berth_uuid_is_canonical(id))
		return berth_err_set(err, BERTH_E_NOT_FOUND, "mcp connection not found");
	if ((use ? store_stdio_use(env->store, bot_id, id, rec->state, err)
		 : store_stdio_get(env->store, bot_id, id, rec, err)) < 0) {
		if (err->kind == BERTH_E_NOT_FOUND)
			berth_err_set(err, BERTH_E_NOT_FOUND, "mcp connection not found");
		return -1;
	}
	if (strcmp(rec->state, "active") != 0)
		return closed_err(err);
	return 0;
}

/* An agent error about a session that the record says is active: it ended (UNKNOWN: with its
 * container, which restarted; CLOSED: its process or limits). Marks it closed; fills err. */
static int session_gone(const struct botctr_env *env, const char *bot_id, const char *id,
			const struct botstdio_agent_reply *r, berth_err *err)
{
	mark_closed(env, bot_id, id,
		    r->code == AGENT_RPC_STDIO_UNKNOWN ? REASON_CONTAINER : r->message);
	return closed_err(err);
}

/* ---- create ---- */

static char *trimmed(const char *s)
{
	size_t n;

	if (!s)
		s = "";
	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	return strndup(s, n);
}

static int check_spec(const struct botstdio_spec *spec, berth_err *err)
{
	const char *key;
	json_t *v;
	size_t i;

	if (spec->args && !json_is_array(spec->args))
		return berth_err_set(err, BERTH_E_INVALID, "args must be an array of strings");
	json_array_foreach(spec->args, i, v)
	{
		if (!json_is_string(v) || memchr(json_string_value(v), '\0', json_string_length(v)))
			return berth_err_set(err, BERTH_E_INVALID,
					     "args must be an array of strings");
	}
	if (spec->env && !json_is_object(spec->env))
		return berth_err_set(err, BERTH_E_INVALID, "env must be an object of strings");
	json_object_foreach((json_t *)spec->env, key, v)
	{
		if (!json_is_string(v) || strchr(key, '='))
			return berth_err_set(
				err, BERTH_E_INVALID,
				"env must be an object of strings (names without '=')");
	}
	return 0;
}

/* The probe: tools/list within BOTSTDIO_PROBE_MS; the sorted non-blank names, NULL on failure. */
static int cmp_names(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a),
		      json_string_value(*(json_t *const *)b));
}

static json_t *probe_tools(const struct botctr_env *env, const char *bot_id, const char *id)
{
	json_t *params, *tools, *t, *names = NULL, **sorted = NULL;
	struct botstdio_agent_reply r;
	berth_err e;
	size_t i, n = 0;

	params = json_pack("{s:s,s:{s:s,s:s,s:s},s:i}", "id", id, "message", "jsonrpc", "2.0", "id",
			   "probe-tools", "method", "tools/list", "timeout_ms", BOTSTDIO_PROBE_MS);
	if (botstdio_agent_method(env, bot_id, "stdio/call", params,
				  BOTSTDIO_PROBE_MS + AGENT_SLACK_MS, &r, &e) < 0) {
		blog(BLOG_WARN, "bot %s: stdio session %s: probe tools/list: %s", bot_id, id,
		     e.msg);
		return NULL;
	}
	if (r.code) {
		blog(BLOG_WARN, "bot %s: stdio session %s: probe tools/list: %s", bot_id, id,
		     r.message);
		return NULL;
	}
	tools = json_object_get(json_object_get(json_object_get(r.result, "response"), "result"),
				"tools");
	if (!json_is_array(tools)) {
		blog(BLOG_WARN, "bot %s: stdio session %s: probe tools/list: no tools in the reply",
		     bot_id, id);
		goto done;
	}
	sorted = calloc(json_array_size(tools) + 1, sizeof *sorted);
	if (!sorted)
		goto done;
	json_array_foreach(tools, i, t)
	{
		json_t *name = json_object_get(t, "name");
		const char *s = json_string_value(name);

		while (s && isspace((unsigned char)*s))
			s++;
		if (s && *s)
			sorted[n++] = name;
	}
	qsort(sorted, n, sizeof *sorted, cmp_names);
	names = json_array();
	for (i = 0; names && i < n; i++) {
		if (json_array_append(names, sorted[i]) < 0) {
			json_decref(names);
			names = NULL;
		}
	}
done:
	free(sorted);
	json_decref(r.result);
	return names;
}

int botstdio_create(const struct botctr_env *env, const char *bot_id,
		    const struct botstdio_spec *spec, json_t **out, berth_err *err)
{
	char id[BERTH_UUID_LEN + 1], url[256];
	char *command = NULL, *cwd = NULL, *name = NULL, *args_json = NULL;
	json_t *params = NULL, *tools = NULL, *env_obj = NULL;
	struct botstdio_agent_reply r = { 0 };
	bool recorded = false;
	int rc = -1;

	*out = NULL;
	command = trimmed(spec->command);
	cwd = trimmed(spec->cwd);
	name = trimmed(spec->name);
	if (!command || !cwd || !name) {
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		goto fail;
	}
	if (!command[0]) {
		berth_err_set(err, BERTH_E_INVALID, "command is required");
		goto fail;
	}
	if (check_spec(spec, err) < 0)
		goto fail;
	args_json = spec->args ? json_dumps(spec->args, JSON_COMPACT) : strdup("[]");
	env_obj = spec->env ? json_deep_copy(spec->env) : json_object();
	if (!args_json || !env_obj) {
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		goto fail;
	}
	berth_uuid_generate(id);
	/* The record first: a worker killed after the start leaves a record that reads as closed,
	 * never a process no record names. */
	if (store_stdio_insert(env->store, id, bot_id, name, command, args_json, cwd, err) < 0)
		goto fail;
	recorded = true;
	params = json_pack("{s:s,s:s,s:s,s:o,s:o,s:s,s:i,s:i}", "id", id, "name", name, "command",
			   command, "args",
			   spec->args ? json_incref((json_t *)spec->args) : json_array(), "env",
			   env_obj, "cwd", cwd[0] ? cwd : env->cfg->data_mount, "idle_timeout_s",
			   env->cfg->agent_stdio_idle_timeout_s, "max_sessions",
			   env->cfg->agent_stdio_max_sessions);
	env_obj = NULL;
	if (!params) {
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		goto fail;
	}
	if (botstdio_agent_method(env, bot_id, "stdio/start", params,
				  env->cfg->agent_call_timeout_ms, &r, err) < 0)
		goto fail;
	if (r.code == AGENT_RPC_STDIO_LIMIT) {
		berth_err_setc(
			err, BERTH_E_PRECONDITION, BERTH_EC_MCP_LIMIT,
			"too many mcp stdio sessions for this bot (limit %d): DELETE one first",
			env->cfg->agent_stdio_max_sessions);
		goto fail;
	}
	if (r.code == AGENT_RPC_INVALID_PARAMS) {
		berth_err_set(err, BERTH_E_INVALID, "%s", r.message);
		goto fail;
	}
	if (r.code) {
		blog(BLOG_WARN, "bot %s: stdio session %s: %s", bot_id, id, r.message);
		berth_err_set(err, BERTH_E_INTERNAL, "%s", r.message);
		goto fail;
	}
	blog(BLOG_INFO, "bot %s: stdio session %s started (%s)", bot_id, id, command);
	tools = probe_tools(env, bot_id, id);
	snprintf(url, sizeof url, "/bots/%s/mcp-stdio/%s", bot_id, id);
	*out = json_pack("{s:s,s:s}", "connection_id", id, "url", url);
	if (!*out) {
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		goto done;
	}
	if (tools && json_array_size(tools) > 0)
		json_object_set(*out, "tools", tools);
	rc = 0;
	goto done;
fail:
	if (recorded) {
		berth_err e;

		if (store_stdio_delete(env->store, bot_id, id, &e) < 0)
			blog(BLOG_WARN, "bot %s: stdio session %s: removing the record: %s", bot_id,
			     id, e.msg);
	}
done:
	json_decref(r.result);
	json_decref(tools);
	json_decref(env_obj);
	free(args_json);
	free(command);
	free(cwd);
	free(name);
	return rc;
}

/* ---- relay ---- */

/* {jsonrpc, id, error:{code:-32603, message}}: a failed call, answered as the original did. */
static json_t *call_error(const json_t *id, const char *message)
{
	return json_pack("{s:s,s:O,s:{s:i,s:s}}", "jsonrpc", "2.0", "id",
			 id ? (json_t *)id : json_null(), "error", "code", AGENT_RPC_INTERNAL_ERROR,
			 "message", message);
}

int botstdio_relay(const struct botctr_env *env, const char *bot_id, const char *connection_id,
		   const json_t *message, json_t **response, long *queued, berth_err *err)
{
	struct store_stdio_session rec;
	struct botstdio_agent_reply r = { 0 };
	const json_t *id = json_object_get(message, "id");
	bool is_call = json_is_string(json_object_get(message, "method")) && id;
	int64_t timeout_ms = env->cfg->agent_call_timeout_ms, left;
	json_t *params;
	int rc = -1;

	*response = NULL;
	if (queued)
		*queued = 0;
	if (active_record(env, bot_id, connection_id, true, &rec, err) < 0)
		return -1;
	if (env->deadline_ms) {
		left = berth_deadline_left_ms(env->deadline_ms) - AGENT_SLACK_MS;
		if (left < timeout_ms)
			timeout_ms = left < 1 ? 1 : left;
	}
	if (timeout_ms > AGENT_STDIO_CALL_TIMEOUT_MAX_MS)
		timeout_ms = AGENT_STDIO_CALL_TIMEOUT_MAX_MS;
	params = json_pack("{s:s,s:O,s:I}", "id", connection_id, "message", (json_t *)message,
			   "timeout_ms", (json_int_t)timeout_ms);
	if (botstdio_agent_method(env, bot_id, "stdio/call", params,
				  (int)timeout_ms + AGENT_SLACK_MS, &r, err) < 0) {
		if (container_down(err)) {
			mark_closed(env, bot_id, connection_id, REASON_CONTAINER);
			return closed_err(err);
		}
		return -1;
	}
	switch (r.code) {
	case 0: break;
	case AGENT_RPC_STDIO_UNKNOWN:
	case AGENT_RPC_STDIO_CLOSED: return session_gone(env, bot_id, connection_id, &r, err);
	case AGENT_RPC_STDIO_ENDED:
		mark_closed(env, bot_id, connection_id, r.message);
		/* The call fails, as the pending calls of the original did. */
		__attribute__((fallthrough));
	default:
		if (!is_call) {
			/* A notification that could not be written: the original's 500. */
			berth_err_set(err, BERTH_E_INTERNAL, "%s", r.message);
			goto done;
		}
		*response = call_error(id, r.message);
		rc = *response ? 0 : berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		goto done;
	}
	if (queued)
		*queued = (long)json_integer_value(json_object_get(r.result, "queued"));
	*response = json_incref(json_object_get(r.result, "response"));
	if (!*response && !json_is_true(json_object_get(r.result, "accepted"))) {
		berth_err_setc(err, BERTH_E_INTERNAL, BERTH_EC_AGENT,
			       "the bot's agent sent a malformed stdio reply");
		goto done;
	}
	rc = 0;
done:
	json_decref(r.result);
	return rc;
}

/* ---- messages, list, delete ---- */

int botstdio_messages(const struct botctr_env *env, const char *bot_id, const char *connection_id,
		      json_t **out, berth_err *err)
{
	struct store_stdio_session rec;
	struct botstdio_agent_reply r;

	*out = NULL;
	if (active_record(env, bot_id, connection_id, false, &rec, err) < 0)
		return -1;
	if (botstdio_agent_method(env, bot_id, "stdio/messages",
				  json_pack("{s:s}", "id", connection_id), LIST_CAP_MS, &r,
				  err) < 0) {
		if (container_down(err)) {
			mark_closed(env, bot_id, connection_id, REASON_CONTAINER);
			return closed_err(err);
		}
		return -1;
	}
	if (r.code == AGENT_RPC_STDIO_UNKNOWN)
		return session_gone(env, bot_id, connection_id, &r, err);
	if (r.code)
		return berth_err_set(err, BERTH_E_INTERNAL, "%s", r.message);
	*out = r.result;
	return 0;
}

/* The agent's description of session id in its list (borrowed), NULL when absent. */
static json_t *agent_session(json_t *agent_list, const char *id)
{
	json_t *s;
	size_t i;

	json_array_foreach(json_object_get(agent_list, "sessions"), i,
			   s) if (json_is_string(json_object_get(s, "id")) &&
				  strcmp(json_string_value(json_object_get(s, "id")), id) ==
					  0) return s;
	return NULL;
}

int botstdio_list(const struct botctr_env *env, const char *bot_id, json_t **out, berth_err *err)
{
	struct store_stdio_list list = { 0 };
	struct botstdio_agent_reply r = { 0 };
	bool any_active = false, down = false;
	json_t *items = NULL;
	size_t i;
	int rc = -1;

	*out = NULL;
	if (store_stdio_list(env->store, bot_id, &list, err) < 0)
		return -1;
	for (i = 0; i < list.count; i++)
		any_active |= strcmp(list.items[i].state, "active") == 0;
	if (any_active) {
		if (botstdio_agent_method(env, bot_id, "stdio/list", json_object(), LIST_CAP_MS, &r,
					  err) < 0) {
			if (!container_down(err))
				goto done;
			down = true;
		} else if (r.code) {
			berth_err_set(err, BERTH_E_INTERNAL, "%s", r.message);
			goto done;
		}
	}
	items = json_array();
	if (!items) {
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		goto done;
	}
	for (i = 0; i < list.count; i++) {
		struct store_stdio_session *s = &list.items[i];
		json_t *a = NULL, *item;
		char url[256];

		if (strcmp(s->state, "active") == 0) {
			a = down ? NULL : agent_session(r.result, s->id);
			if (!a && !down && !s->settled) {
				/* Still being created by another request: not the agent's yet. */
				snprintf(s->state, sizeof s->state, "starting");
			} else if (!a || !json_is_true(json_object_get(a, "open"))) {
				const char *why = json_string_value(
					json_object_get(a, "closed_reason"));

				snprintf(s->closed_reason, sizeof s->closed_reason, "%s",
					 why ? why : REASON_CONTAINER);
				mark_closed(env, bot_id, s->id, s->closed_reason);
				snprintf(s->state, sizeof s->state, "closed");
				a = NULL;
			}
		}
		snprintf(url, sizeof url, "/bots/%s/mcp-stdio/%s", bot_id, s->id);
		item = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "connection_id", s->id, "name",
				 s->name, "command", s->command, "url", url, "state", s->state,
				 "created_at", s->created_at, "last_used_at", s->last_used_at);
		if (item && a) {
			json_object_set(item, "mcp_state", json_object_get(a, "state"));
			json_object_set(item, "pid", json_object_get(a, "pid"));
			json_object_set(item, "queued", json_object_get(a, "queued"));
			json_object_set(item, "dropped", json_object_get(a, "dropped"));
		} else if (item && strcmp(s->state, "closed") == 0) {
			json_object_set_new(item, "closed_reason", json_string(s->closed_reason));
			if (s->closed_at[0])
				json_object_set_new(item, "closed_at", json_string(s->closed_at));
		}
		if (!item || json_array_append_new(items, item) < 0) {
			berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
			goto done;
		}
	}
	*out = items;
	items = NULL;
	rc = 0;
done:
	json_decref(items);
	json_decref(r.result);
	store_stdio_list_free(&list);
	return rc;
}

int botstdio_delete(const struct botctr_env *env, const char *bot_id, const char *connection_id,
		    berth_err *err)
{
	struct store_stdio_session rec;
	struct botstdio_agent_reply r = { 0 };

	if (active_record(env, bot_id, connection_id, false, &rec, err) < 0)
		return berth_err_is(err, BERTH_EC_MCP_CLOSED) ? 0 : -1;
	if (botstdio_agent_method(env, bot_id, "stdio/close",
				  json_pack("{s:s}", "id", connection_id), CLOSE_CAP_MS, &r,
				  err) < 0) {
		if (!container_down(err))
			return -1;
	} else if (r.code && r.code != AGENT_RPC_STDIO_UNKNOWN) {
		json_decref(r.result);
		return berth_err_set(err, BERTH_E_INTERNAL, "%s", r.message);
	}
	json_decref(r.result);
	if (store_stdio_close(env->store, bot_id, connection_id, "closed by DELETE", err) < 0)
		return -1;
	blog(BLOG_INFO, "bot %s: stdio session %s closed", bot_id, connection_id);
	return 0;
}
