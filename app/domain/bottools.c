/* bottools.c: the MCP relay to a bot's agent (see include/berth/bottools.h). */
#include "berth/bottools.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "berth/agentc.h"
#include "berth/agentc_pool.h"
#include "berth/botctr_lifecycle.h"
#include "berth/botctr_op.h"
#include "berth/botdir.h"
#include "berth/ctd_tasks.h"
#include "berth/ctd_types.h"
#include "berth/deadline.h"
#include "berth/jsonscan.h"
#include "berth/log.h"
#include "berth/store_containers.h"

/* The agent's exec default (agent_wire.h AGENT_EXEC_TIMEOUT_DEFAULT) and how long after the
 * timeout its reply may take (output drain, kill, reply). */
#define EXEC_TIMEOUT_DEFAULT_S 60
#define EXEC_REPLY_SLACK_MS 3000
/* How long a freshly started container's agent gets to bind its socket. */
#define AGENT_STARTUP_WAIT_MS 2000

/* The request as it goes to the agent: an exec's timeout_s set within the bounds. NEW. The
 * second return is the cap of the call. */
static json_t *bounded_request(const struct botctr_env *env, const json_t *request, int *cap_ms)
{
	const struct berth_config *cfg = env->cfg;
	const json_t *params = json_object_get(request, "params");
	const json_t *name = json_object_get(params, "name");
	json_t *copy, *cparams, *args;
	json_int_t timeout_s = EXEC_TIMEOUT_DEFAULT_S, limit_s = cfg->agent_exec_timeout_max_s;
	int64_t left_ms;

	*cap_ms = cfg->agent_call_timeout_ms;
	const char *method = json_string_value(json_object_get(request, "method"));

	if (!json_is_string(name) || strcmp(json_string_value(name), "exec") != 0 || !method ||
	    strcmp(method, "tools/call") != 0)
		return json_incref((json_t *)request);
	copy = json_copy((json_t *)request);
	cparams = json_copy((json_t *)params);
	args = json_object_get(params, "arguments");
	args = json_is_object(args) ? json_copy(args) : json_object();
	if (!copy || !cparams || !args || json_object_set_new(cparams, "arguments", args) < 0 ||
	    json_object_set_new(copy, "params", cparams) < 0) {
		json_decref(copy);
		return NULL;
	}
	if (json_is_integer(json_object_get(args, "timeout_s")))
		timeout_s = json_integer_value(json_object_get(args, "timeout_s"));
	/* The agent must answer while the request still runs. */
	left_ms = env->deadline_ms ? berth_deadline_left_ms(env->deadline_ms) - EXEC_REPLY_SLACK_MS
				   : INT64_MAX;
	if (left_ms / 1000 < limit_s)
		limit_s = left_ms / 1000 < 1 ? 1 : left_ms / 1000;
	if (timeout_s > limit_s)
		timeout_s = limit_s;
	/* Below 1 the agent refuses it: let it say so. */
	if (json_is_integer(json_object_get(args, "timeout_s")) ||
	    json_object_get(args, "timeout_s") == NULL)
		json_object_set_new(args, "timeout_s", json_integer(timeout_s));
	*cap_ms += (int)(timeout_s * 1000) + EXEC_REPLY_SLACK_MS;
	return copy;
}

/* Why the agent of the bot cannot be reached, told by the bot's state: fills err. */
static void diagnose(const struct botctr_env *env, const char *bot_id, const berth_err *cause,
		     berth_err *err)
{
	struct store_container row;
	char ctr_id[BOTCTR_ID_MAX];
	ctd_task_info info;

	bool task_found;

	if (store_container_get(env->store, bot_id, &row, err) < 0) {
		if (err->kind == BERTH_E_NOT_FOUND)
			berth_err_set(err, BERTH_E_NOT_FOUND, "container not found for bot");
		return;
	}
	botctr_container_id(bot_id, ctr_id);
	task_found = ctd_task_get(env->ctd, ctr_id, NULL, &info, err) == 0;
	if (!task_found && err->kind != BERTH_E_NOT_FOUND)
		return;
	if (!task_found || info.status != CTD_TASK_RUNNING) {
		berth_err_set(
			err, BERTH_E_PRECONDITION,
			"the bot's container is not running: start it with POST /bots/%s/container/start",
			bot_id);
		return;
	}
	blog(BLOG_WARN, "bot %s: its container runs but its agent cannot be reached: %s", bot_id,
	     cause->msg);
	berth_err_setc(
		err, BERTH_E_UNAVAILABLE, BERTH_EC_AGENT,
		"the bot's agent cannot be reached (its socket in /run/berth is missing, replaced or "
		"not served): restart the container with POST /bots/%s/container/stop, then "
		"POST /bots/%s/container/start",
		bot_id, bot_id);
}

/* Whether a failed call means "nobody serves the socket" (as opposed to a failed conversation). */
static bool unreachable(const berth_err *e)
{
	return e->kind == BERTH_E_NOT_FOUND || e->kind == BERTH_E_PRECONDITION ||
	       e->kind == BERTH_E_UNAVAILABLE;
}

static int call_once(const struct botctr_env *env, const char *dir, const char *line, size_t len,
		     int cap_ms, char **out, size_t *out_len, berth_err *err)
{
	return agentc_pool_call(env->agents, dir, BOTDIR_AGENT_SOCKET, line, len, env->deadline_ms,
				cap_ms, 0, out, out_len, err);
}

/* Retries the call while nobody serves the socket, for at most AGENT_STARTUP_WAIT_MS. */
static int wait_for_agent(const struct botctr_env *env, const char *dir, const char *line,
			  int cap_ms, char **out, size_t *out_len)
{
	int64_t until = berth_now_ms() + AGENT_STARTUP_WAIT_MS;
	berth_err cause;

	for (;;) {
		struct timespec ts = { 0, 20 * 1000000 };

		nanosleep(&ts, NULL);
		if (call_once(env, dir, line, strlen(line), cap_ms, out, out_len, &cause) == 0)
			return 0;
		if (!unreachable(&cause) || berth_now_ms() > until ||
		    berth_deadline_passed(env->deadline_ms)) {
			blog(BLOG_WARN, "agent at %s still unreachable: %s", dir, cause.msg);
			return -1;
		}
	}
}

/* The agent's reply line to request (NEW in *out), unchecked. cap_override_ms > 0 replaces the
 * call's cap ([agent] call_timeout_ms or the tool's own). */
static int relay(const struct botctr_env *env, const char *bot_id, const json_t *request,
		 bool start_if_stopped, int cap_override_ms, char **out, size_t *out_len,
		 berth_err *err)
{
	json_t *sent = NULL;
	char *line = NULL, dir[1024];
	int cap_ms, rc = -1;
	berth_err cause;

	*out = NULL;
	*out_len = 0;
	if ((size_t)snprintf(dir, sizeof dir, "%s/bots/%s/agent", env->cfg->state_root, bot_id) >=
	    sizeof dir)
		return berth_err_set(err, BERTH_E_INTERNAL, "state_root path too long");
	sent = bounded_request(env, request, &cap_ms);
	if (cap_override_ms > 0)
		cap_ms = cap_override_ms;
	line = sent ? json_dumps(sent, JSON_COMPACT) : NULL;
	if (!line) {
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		goto done;
	}
	if (call_once(env, dir, line, strlen(line), cap_ms, out, out_len, &cause) < 0) {
		if (!unreachable(&cause)) {
			blog(BLOG_WARN, "bot %s: agent call failed: %s", bot_id, cause.msg);
			if (cause.kind == BERTH_E_TIMEOUT)
				berth_err_setc(err, BERTH_E_TIMEOUT, BERTH_EC_AGENT,
					       "the bot's agent did not answer in time");
			else if (cause.kind == BERTH_E_TOO_LARGE)
				berth_err_setc(err, BERTH_E_INTERNAL, BERTH_EC_AGENT,
					       "the bot's agent sent a reply that is too large");
			else
				berth_err_setc(err, BERTH_E_UNAVAILABLE, BERTH_EC_AGENT,
					       "the bot's agent ended the call without a reply");
			goto done;
		}
		diagnose(env, bot_id, &cause, err);
		if (err->kind == BERTH_E_PRECONDITION && start_if_stopped) {
			bool started = false;

			if (botctr_start(env, bot_id, &started, err) < 0)
				goto done;
			berth_err_setc(
				err, BERTH_E_UNAVAILABLE, BERTH_EC_AGENT,
				"the bot's agent did not come up after the container started");
		} else if (!(err->kind == BERTH_E_UNAVAILABLE &&
			     berth_err_is(err, BERTH_EC_AGENT))) {
			goto done;
		}
		/* A task that runs (or was just started) whose agent has not bound its socket yet: it
		 * does within milliseconds of the start, so wait a little before saying it is broken. */
		if (wait_for_agent(env, dir, line, cap_ms, out, out_len) < 0)
			goto done;
	}
	rc = 0;
done:
	free(line);
	json_decref(sent);
	return rc;
}

int bottools_call_raw(const struct botctr_env *env, const char *bot_id, const json_t *request,
		      bool start_if_stopped, char **reply, size_t *reply_len,
		      struct jsonscan_member *members, size_t max_members, size_t *n_members,
		      berth_err *err)
{
	*n_members = 0;
	if (relay(env, bot_id, request, start_if_stopped, 0, reply, reply_len, err) < 0)
		return -1;
	if (jsonscan_object(*reply, *reply_len, members, max_members, n_members) == 0)
		return 0;
	*n_members = 0;
	/* Not known to be one JSON object: the parser has the last word. */
	json_t *parsed;
	json_error_t jerr;

	parsed = json_loadb(*reply, *reply_len, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr);
	if (json_is_object(parsed)) {
		json_decref(parsed);
		return 0;
	}
	blog(BLOG_WARN, "bot %s: the agent's reply is not a JSON object: %s", bot_id,
	     parsed ? "another JSON value" : jerr.text);
	json_decref(parsed);
	free(*reply);
	*reply = NULL;
	*reply_len = 0;
	return berth_err_setc(err, BERTH_E_INTERNAL, BERTH_EC_AGENT,
			      "the bot's agent sent a malformed reply");
}

static int call_parsed(const struct botctr_env *env, const char *bot_id, const json_t *request,
		       bool start_if_stopped, int cap_override_ms, json_t **reply, berth_err *err)
{
	char *out = NULL;
	size_t out_len = 0;
	int rc = -1;
	json_error_t jerr;

	*reply = NULL;
	if (relay(env, bot_id, request, start_if_stopped, cap_override_ms, &out, &out_len, err) < 0)
		return -1;
	*reply = json_loadb(out, out_len, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(*reply)) {
		blog(BLOG_WARN, "bot %s: the agent's reply is not a JSON object: %s", bot_id,
		     *reply ? "another JSON value" : jerr.text);
		json_decref(*reply);
		*reply = NULL;
		berth_err_setc(err, BERTH_E_INTERNAL, BERTH_EC_AGENT,
			       "the bot's agent sent a malformed reply");
		goto done;
	}
	rc = 0;
done:
	free(out);
	return rc;
}

int bottools_call(const struct botctr_env *env, const char *bot_id, const json_t *request,
		  bool start_if_stopped, json_t **reply, berth_err *err)
{
	return call_parsed(env, bot_id, request, start_if_stopped, 0, reply, err);
}

int bottools_call_capped(const struct botctr_env *env, const char *bot_id, const json_t *request,
			 int cap_ms, json_t **reply, berth_err *err)
{
	return call_parsed(env, bot_id, request, false, cap_ms, reply, err);
}

int bottools_call_tool(const struct botctr_env *env, const char *bot_id, const char *tool,
		       const json_t *arguments, json_t **result, berth_err *err)
{
	json_t *request, *reply = NULL, *error;
	int rc = -1;

	*result = NULL;
	request = arguments
			  ? json_pack("{s:s,s:s,s:s,s:{s:s,s:O}}", "jsonrpc", "2.0", "id", "berth",
				      "method", "tools/call", "params", "name", tool, "arguments",
				      (json_t *)arguments)
			  : json_pack("{s:s,s:s,s:s,s:{s:s,s:{}}}", "jsonrpc", "2.0", "id", "berth",
				      "method", "tools/call", "params", "name", tool, "arguments");
	if (!request)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	if (bottools_call(env, bot_id, request, false, &reply, err) < 0)
		goto done;
	error = json_object_get(reply, "error");
	if (error) {
		const char *msg = json_string_value(json_object_get(error, "message"));
		json_int_t code = json_integer_value(json_object_get(error, "code"));

		berth_err_set(err,
			      code == -32602 || code == -32600 ? BERTH_E_INVALID : BERTH_E_INTERNAL,
			      "%s", msg ? msg : "the bot's agent returned an error");
		goto done;
	}
	*result = bottools_reply_result(reply, err);
	if (!*result)
		goto done;
	rc = 0;
done:
	json_decref(reply);
	json_decref(request);
	return rc;
}

json_t *bottools_reply_result(const json_t *reply, berth_err *err)
{
	json_t *result = json_object_get(reply, "result");

	if (!json_is_object(result)) {
		berth_err_setc(err, BERTH_E_INTERNAL, BERTH_EC_AGENT,
			       "the bot's agent sent a reply without a result");
		return NULL;
	}
	return json_incref(result);
}
