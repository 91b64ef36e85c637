/* test_agent_stdio.c: the agent's stdio MCP sessions (agent_wire.h "stdio MCP sessions") on the
 * host, with test/agent/mcp-testsrv as the stdio server: relay and auto-initialize, ids of every
 * JSON type, server-to-client messages kept, crash, exit at once, missing command, silence
 * (timeout, other connections not delayed), invalid JSON and a huge line, limits, idle close, a
 * child that ignores SIGTERM, and `berth-agent stdio` itself as the server. */
#define _GNU_SOURCE
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth/agent_wire.h"
#include "harness.h"

static struct agent ag;
static char srv[4096];

static void start(void)
{
	const char *b = getenv("BERTH_MCP_TESTSRV");

	snprintf(srv, sizeof srv, "%s", b && b[0] ? b : "test/agent/mcp-testsrv");
	if (srv[0] != '/') {
		char *abs = realpath(srv, NULL);

		ck_assert_ptr_nonnull(abs);
		snprintf(srv, sizeof srv, "%s", abs);
		free(abs);
	}
	agent_prepare(&ag);
	agent_start(&ag, NULL, NULL);
}

static void stop(void)
{
	agent_stop(&ag);
	agent_cleanup(&ag);
}

/* stdio/start of the test server with extra args (NULL-terminated); returns the reply. */
static json_t *start_srv(struct conn *c, const char *id, const char *const *args, json_t *more)
{
	json_t *p = json_pack("{s:s, s:s, s:s, s:[]}", "id", id, "name", "test", "command", srv,
			      "args");
	for (size_t i = 0; args && args[i]; i++)
		json_array_append_new(json_object_get(p, "args"), json_string(args[i]));
	if (more)
		json_object_update(p, more);
	json_decref(more);
	return rpc(c, "stdio/start", p);
}

static void start_ok(struct conn *c, const char *id, const char *const *args, json_t *more)
{
	json_t *r = start_srv(c, id, args, more);
	ck_assert_msg(json_object_get(r, "result") != NULL, "start failed: %s",
		      json_string_value(json_object_get(json_object_get(r, "error"), "message")));
	json_decref(r);
}

/* stdio/call of msg (stolen) with timeout_ms; returns the whole reply. */
static json_t *relay(struct conn *c, const char *id, json_t *msg, int timeout_ms)
{
	json_t *p = json_pack("{s:s, s:o}", "id", id, "message", msg);
	if (timeout_ms)
		json_object_set_new(p, "timeout_ms", json_integer(timeout_ms));
	return rpc(c, "stdio/call", p);
}

static int err_code(json_t *r)
{
	return (int)json_integer_value(json_object_get(json_object_get(r, "error"), "code"));
}

static const char *err_msg(json_t *r)
{
	const char *m = json_string_value(json_object_get(json_object_get(r, "error"), "message"));
	return m ? m : "";
}

/* The child's response of a successful relay (borrowed from r). */
static json_t *response(json_t *r)
{
	json_t *resp = json_object_get(json_object_get(r, "result"), "response");
	ck_assert_msg(resp != NULL, "no response: %s", err_msg(r));
	return resp;
}

static json_t *tool_call(const char *name, json_t *id, json_t *args)
{
	return json_pack("{s:s, s:o, s:s, s:{s:s, s:o}}", "jsonrpc", "2.0", "id", id, "method",
			 "tools/call", "params", "name", name, "arguments",
			 args ? args : json_object());
}

static json_t *stats(struct conn *c, const char *id)
{
	json_t *r = relay(c, id, tool_call("stats", json_string("st"), NULL), 0);
	json_t *res = json_incref(json_object_get(response(r), "result"));
	json_decref(r);
	return res;
}

static json_t *session_info(struct conn *c, const char *id)
{
	json_t *r = rpc(c, "stdio/list", NULL), *s, *found = NULL;
	size_t i;
	json_array_foreach(json_object_get(json_object_get(r, "result"), "sessions"), i,
			   s) if (!strcmp(json_string_value(json_object_get(s, "id")), id))
		found = json_incref(s);
	json_decref(r);
	return found;
}

START_TEST(relay_initializes_and_matches_ids)
{
	struct conn *c = conn_open(&ag);
	start_ok(c, "s1", NULL, NULL);
	json_t *r = relay(
		c, "s1",
		json_pack("{s:s, s:i, s:s}", "jsonrpc", "2.0", "id", 7, "method", "tools/list"), 0);
	json_t *resp = response(r);
	ck_assert_int_eq(json_integer_value(json_object_get(resp, "id")), 7);
	ck_assert_int_eq(json_array_size(json_object_get(json_object_get(resp, "result"), "tools")),
			 10);
	json_decref(r);
	json_t *st = stats(c, "s1");
	ck_assert_int_eq(json_integer_value(json_object_get(st, "initialize")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(st, "initialized")), 1);
	json_decref(st);
	/* ids of every JSON type come back as they were sent */
	const char *ids[] = { "1",     "\"1\"", "-3", "1.5", "null", "true", "{\"a\":[1,\"x\"]}",
			      "[1,2]", "\"\"" };
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		json_t *id = json_loads(ids[i], JSON_DECODE_ANY, NULL);
		ck_assert_ptr_nonnull(id);
		r = relay(c, "s1",
			  tool_call("echo", json_incref(id), json_pack("{s:s}", "text", ids[i])),
			  0);
		resp = response(r);
		ck_assert_msg(json_equal(json_object_get(resp, "id"), id), "id %s", ids[i]);
		ck_assert_str_eq(
			json_string_value(json_object_get(
				json_array_get(
					json_object_get(json_object_get(resp, "result"), "content"),
					0),
				"text")),
			ids[i]);
		json_decref(r);
		json_decref(id);
	}
	/* a notification is accepted; a call without id is "missing request id" */
	r = relay(c, "s1",
		  json_pack("{s:s, s:s}", "jsonrpc", "2.0", "method", "notifications/cancelled"),
		  0);
	ck_assert(json_is_true(json_object_get(json_object_get(r, "result"), "accepted")));
	json_decref(r);
	r = relay(c, "s1", json_pack("{s:s, s:s}", "jsonrpc", "2.0", "method", "tools/list"), 0);
	ck_assert_str_eq(json_string_value(
				 json_object_get(json_object_get(response(r), "error"), "message")),
			 "missing request id");
	json_decref(r);
	/* the child's error reply is normalised */
	r = relay(c, "s1",
		  json_pack("{s:s, s:i, s:s}", "jsonrpc", "2.0", "id", 9, "method", "no/such"), 0);
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_object_get(response(r), "error"), "code")),
		-32601);
	json_decref(r);
	json_t *info = session_info(c, "s1");
	ck_assert_str_eq(json_string_value(json_object_get(info, "state")), "ready");
	ck_assert(json_is_true(json_object_get(info, "open")));
	pid_t pid = (pid_t)json_integer_value(json_object_get(info, "pid"));
	json_decref(info);
	ck_assert_int_eq(kill(pid, 0), 0);
	r = rpc(c, "stdio/close", json_pack("{s:s}", "id", "s1"));
	ck_assert(json_is_true(json_object_get(json_object_get(r, "result"), "closed")));
	json_decref(r);
	ck_assert_int_ne(kill(pid, 0), 0); /* reaped: gone */
	r = relay(c, "s1", tool_call("echo", json_integer(1), NULL), 0);
	ck_assert_int_eq(err_code(r), AGENT_RPC_STDIO_CLOSED);
	json_decref(r);
	start_ok(c, "s1", NULL, NULL); /* a closed session's id may be started again */
	r = relay(c, "s1", tool_call("echo", json_integer(1), NULL), 0);
	response(r);
	json_decref(r);
	r = relay(c, "nope", tool_call("echo", json_integer(1), NULL), 0);
	ck_assert_int_eq(err_code(r), AGENT_RPC_STDIO_UNKNOWN);
	json_decref(r);
	conn_close(c);
}
END_TEST

START_TEST(queue_bounded_and_counted)
{
	struct conn *c = conn_open(&ag);
	start_ok(c, "q1", NULL, NULL);
	json_t *r = relay(c, "q1",
			  tool_call("notify", json_integer(1),
				    json_pack("{s:i}", "count", AGENT_STDIO_QUEUE_MAX + 44)),
			  0);
	response(r);
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_object_get(r, "result"), "queued")),
		AGENT_STDIO_QUEUE_MAX);
	json_decref(r);
	r = rpc(c, "stdio/messages", json_pack("{s:s, s:i}", "id", "q1", "max", 10));
	ck_assert_int_eq(json_array_size(json_object_get(json_object_get(r, "result"), "messages")),
			 10);
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_object_get(r, "result"), "dropped")), 44);
	/* oldest first */
	ck_assert_int_eq(
		json_integer_value(json_object_get(
			json_object_get(json_array_get(json_object_get(json_object_get(r, "result"),
								       "messages"),
						       0),
					"params"),
			"progress")),
		0);
	json_decref(r);
	r = rpc(c, "stdio/messages", json_pack("{s:s}", "id", "q1"));
	ck_assert_int_eq(json_array_size(json_object_get(json_object_get(r, "result"), "messages")),
			 AGENT_STDIO_QUEUE_MAX - 10);
	json_decref(r);
	conn_close(c);
}
END_TEST

/* Callers that arrive together on a fresh session share one handshake. */
START_TEST(concurrent_callers_one_handshake)
{
	struct conn *c = conn_open(&ag), *cs[8];
	start_ok(c, "h1", NULL, NULL);
	for (int i = 0; i < 8; i++) {
		cs[i] = conn_open(&ag);
		json_t *p = json_pack("{s:s, s:o}", "id", "h1", "message",
				      tool_call("echo", json_integer(i), NULL));
		json_t *req = json_pack("{s:s, s:i, s:s, s:o}", "jsonrpc", "2.0", "id", 1000 + i,
					"method", "stdio/call", "params", p);
		char *text = json_dumps(req, JSON_COMPACT);
		conn_send(cs[i], text, strlen(text));
		conn_send(cs[i], "\n", 1);
		free(text);
		json_decref(req);
	}
	for (int i = 0; i < 8; i++) {
		char *line = conn_line(cs[i], 10000);
		ck_assert_ptr_nonnull(line);
		json_t *r = json_loads(line, 0, NULL);
		free(line);
		ck_assert_int_eq(json_integer_value(json_object_get(response(r), "id")), i);
		json_decref(r);
		conn_close(cs[i]);
	}
	json_t *st = stats(c, "h1");
	ck_assert_int_eq(json_integer_value(json_object_get(st, "initialize")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(st, "initialized")), 1);
	json_decref(st);
	conn_close(c);
}
END_TEST

START_TEST(explicit_initialize_not_repeated)
{
	struct conn *c = conn_open(&ag);
	start_ok(c, "s2", NULL, NULL);
	json_t *r = relay(c, "s2",
			  json_pack("{s:s, s:s, s:s, s:{}}", "jsonrpc", "2.0", "id", "i", "method",
				    "initialize", "params"),
			  0);
	ck_assert_str_eq(
		json_string_value(json_object_get(
			json_object_get(json_object_get(response(r), "result"), "serverInfo"),
			"name")),
		"mcp-testsrv");
	json_decref(r);
	json_t *info = session_info(c, "s2");
	ck_assert_str_eq(json_string_value(json_object_get(info, "state")), "initialized");
	json_decref(info);
	json_t *st = stats(c, "s2"); /* sends notifications/initialized only */
	ck_assert_int_eq(json_integer_value(json_object_get(st, "initialize")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(st, "initialized")), 1);
	json_decref(st);
	conn_close(c);
}
END_TEST

START_TEST(init_error_retried)
{
	struct conn *c = conn_open(&ag);
	const char *args[] = { "--init-error", NULL };
	start_ok(c, "s3", args, NULL);
	for (int i = 0; i < 2; i++) {
		json_t *r = relay(c, "s3", tool_call("echo", json_integer(1), NULL), 0);
		json_t *e = json_object_get(response(r), "error");
		ck_assert_int_eq(json_integer_value(json_object_get(e, "code")), -32099);
		ck_assert_str_eq(json_string_value(json_object_get(e, "message")), "init refused");
		ck_assert_int_eq(json_integer_value(json_object_get(response(r), "id")), 1);
		json_decref(r);
	}
	json_t *info = session_info(c, "s3");
	ck_assert_str_eq(json_string_value(json_object_get(info, "state")), "none");
	json_decref(info);
	conn_close(c);
}
END_TEST

START_TEST(server_requests_kept)
{
	struct conn *c = conn_open(&ag);
	start_ok(c, "s4", NULL, NULL);
	json_t *r = relay(c, "s4", tool_call("ask", json_string("a"), NULL), 0);
	response(r);
	json_decref(r);
	r = rpc(c, "stdio/messages", json_pack("{s:s}", "id", "s4"));
	json_t *msgs = json_object_get(json_object_get(r, "result"), "messages");
	ck_assert_int_eq(json_array_size(msgs), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(msgs, 0), "method")),
			 "roots/list");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(msgs, 0), "id")),
			 "srv-1");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(msgs, 1), "method")),
			 "notifications/message");
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_object_get(r, "result"), "dropped")), 0);
	json_decref(r);
	r = rpc(c, "stdio/messages", json_pack("{s:s}", "id", "s4"));
	ck_assert_int_eq(json_array_size(json_object_get(json_object_get(r, "result"), "messages")),
			 0);
	json_decref(r);
	/* the client's answer goes back to the server */
	r = relay(c, "s4",
		  json_pack("{s:s, s:s, s:{s:[]}}", "jsonrpc", "2.0", "id", "srv-1", "result",
			    "roots"),
		  0);
	ck_assert(json_is_true(json_object_get(json_object_get(r, "result"), "accepted")));
	json_decref(r);
	json_t *st = stats(c, "s4");
	ck_assert_int_eq(json_integer_value(json_object_get(st, "responses")), 1);
	ck_assert_str_eq(
		json_string_value(json_object_get(json_object_get(st, "last_response"), "id")),
		"srv-1");
	json_decref(st);
	conn_close(c);
}
END_TEST

START_TEST(crash_and_exit_close)
{
	struct conn *c = conn_open(&ag);
	start_ok(c, "s5", NULL, NULL);
	json_t *r = relay(c, "s5", tool_call("crash", json_integer(1), NULL), 0);
	ck_assert_int_eq(err_code(r), AGENT_RPC_STDIO_ENDED);
	ck_assert_msg(strstr(err_msg(r), "exited with status 3"), "%s", err_msg(r));
	json_decref(r);
	const char *args[] = { "--exit", "0", NULL };
	start_ok(c, "s6", args, NULL);
	r = relay(c, "s6", tool_call("echo", json_integer(1), NULL), 5000);
	ck_assert(err_code(r) == AGENT_RPC_STDIO_CLOSED || err_code(r) == AGENT_RPC_STDIO_ENDED);
	json_decref(r);
	json_t *info = session_info(c, "s6");
	ck_assert(json_is_false(json_object_get(info, "open")));
	ck_assert_ptr_nonnull(json_string_value(json_object_get(info, "closed_reason")));
	json_decref(info);
	/* a command that does not exist */
	json_t *p = json_pack("{s:s, s:s}", "id", "s7", "command", "/no/such/server");
	r = rpc(c, "stdio/start", p);
	ck_assert_int_eq(err_code(r), AGENT_RPC_STDIO_START);
	ck_assert_msg(strstr(err_msg(r), "No such file"), "%s", err_msg(r));
	json_decref(r);
	p = json_pack("{s:s, s:s, s:s}", "id", "s8", "command", srv, "cwd", "/no/such/dir");
	r = rpc(c, "stdio/start", p);
	ck_assert_int_eq(err_code(r), AGENT_RPC_STDIO_START);
	json_decref(r);
	conn_close(c);
}
END_TEST

START_TEST(silent_times_out_without_blocking)
{
	struct conn *c = conn_open(&ag), *c2 = conn_open(&ag);
	const char *args[] = { "--silent", NULL };
	start_ok(c, "s9", args, NULL);
	/* the relay waits on c while c2 is served */
	json_t *p = json_pack("{s:s, s:o, s:i}", "id", "s9", "message",
			      tool_call("echo", json_integer(1), NULL), "timeout_ms", 1500);
	char *text = NULL;
	json_t *req = json_pack("{s:s, s:i, s:s, s:o}", "jsonrpc", "2.0", "id", 99, "method",
				"stdio/call", "params", p);
	text = json_dumps(req, JSON_COMPACT);
	conn_send(c, text, strlen(text));
	conn_send(c, "\n", 1);
	free(text);
	json_decref(req);
	long long t0 = now_ms();
	json_t *r = rpc(c2, "ping", NULL);
	ck_assert_int_lt(now_ms() - t0, 500);
	json_decref(r);
	char *line = conn_line(c, 10000);
	ck_assert_ptr_nonnull(line);
	r = json_loads(line, 0, NULL);
	free(line);
	ck_assert_int_eq(err_code(r), AGENT_RPC_STDIO_TIMEOUT);
	ck_assert_int_ge(now_ms() - t0, 1400);
	json_decref(r);
	/* the session is still there */
	json_t *info = session_info(c2, "s9");
	ck_assert(json_is_true(json_object_get(info, "open")));
	json_decref(info);
	conn_close(c);
	conn_close(c2);
}
END_TEST

START_TEST(invalid_json_and_huge_line_close)
{
	struct conn *c = conn_open(&ag);
	start_ok(c, "g1", NULL, NULL);
	json_t *r = relay(c, "g1", tool_call("garbage", json_integer(1), NULL), 5000);
	ck_assert_int_eq(err_code(r), AGENT_RPC_STDIO_ENDED);
	ck_assert_msg(strstr(err_msg(r), "not JSON"), "%s", err_msg(r));
	json_decref(r);
	start_ok(c, "g2", NULL, NULL);
	r = relay(c, "g2",
		  tool_call("flood", json_integer(1),
			    json_pack("{s:I}", "bytes", (json_int_t)100 << 20)),
		  20000);
	ck_assert_int_eq(err_code(r), AGENT_RPC_STDIO_ENDED);
	ck_assert_msg(strstr(err_msg(r), "longer than"), "%s", err_msg(r));
	json_decref(r);
	/* a long but bounded line is fine */
	start_ok(c, "g3", NULL, NULL);
	json_t *st = stats(c, "g3");
	json_decref(st);
	conn_close(c);
}
END_TEST

START_TEST(limits_and_idle)
{
	struct conn *c = conn_open(&ag);
	start_ok(c, "l1", NULL, json_pack("{s:i}", "max_sessions", 2));
	start_ok(c, "l2", NULL, json_pack("{s:i, s:i}", "max_sessions", 2, "idle_timeout_s", 1));
	json_t *r = start_srv(c, "l3", NULL, json_pack("{s:i}", "max_sessions", 2));
	ck_assert_int_eq(err_code(r), AGENT_RPC_STDIO_LIMIT);
	json_decref(r);
	r = start_srv(c, "l1", NULL, NULL);
	ck_assert_int_eq(err_code(r), -32602); /* id in use */
	json_decref(r);
	usleep(2500000);
	json_t *info = session_info(c, "l2");
	ck_assert(json_is_false(json_object_get(info, "open")));
	ck_assert_msg(strstr(json_string_value(json_object_get(info, "closed_reason")), "idle"),
		      "reason");
	json_decref(info);
	start_ok(c, "l3", NULL, json_pack("{s:i}", "max_sessions", 2)); /* room again */
	conn_close(c);
}
END_TEST

START_TEST(close_kills_after_grace)
{
	struct conn *c = conn_open(&ag);
	json_t *p = json_pack("{s:s, s:s, s:[s, s]}", "id", "k1", "command", "/bin/sh", "args",
			      "-c", "trap '' TERM; sleep 100 & sleep 100");
	json_t *r = rpc(c, "stdio/start", p);
	pid_t pid = (pid_t)json_integer_value(json_object_get(json_object_get(r, "result"), "pid"));
	json_decref(r);
	usleep(200000);
	long long t0 = now_ms();
	r = rpc(c, "stdio/close", json_pack("{s:s}", "id", "k1"));
	ck_assert(json_is_true(json_object_get(json_object_get(r, "result"), "closed")));
	json_decref(r);
	ck_assert_int_ge(now_ms() - t0, AGENT_STDIO_CLOSE_GRACE_MS - 100);
	ck_assert_int_ne(kill(-pid, 0), 0); /* the whole group is gone */
	conn_close(c);
}
END_TEST

START_TEST(env_cwd_and_stderr)
{
	struct conn *c = conn_open(&ag);
	const char *args[] = { "--stderr", "3", NULL };
	start_ok(c, "e1", args,
		 json_pack("{s:{s:s, s:s}}", "env", "TESTSRV_X", "y", " ", "blank skipped"));
	json_t *r = relay(
		c, "e1", tool_call("env", json_integer(1), json_pack("{s:s}", "name", "TESTSRV_X")),
		0);
	ck_assert_str_eq(
		json_string_value(json_object_get(
			json_array_get(
				json_object_get(json_object_get(response(r), "result"), "content"),
				0),
			"text")),
		"y");
	json_decref(r);
	r = relay(c, "e1", tool_call("cwd", json_integer(2), NULL), 0);
	ck_assert_str_eq(
		json_string_value(json_object_get(
			json_array_get(
				json_object_get(json_object_get(response(r), "result"), "content"),
				0),
			"text")),
		ag.data);
	json_decref(r);
	conn_close(c);
	/* stderr is logged line by line */
	size_t len;
	char *log = get_file(ag.log, &len);
	ck_assert_ptr_nonnull(log);
	ck_assert_ptr_nonnull(strstr(log, "testsrv stderr line 2"));
	free(log);
}
END_TEST

START_TEST(agent_stdio_mode_serves_tools)
{
	struct conn *c = conn_open(&ag);
	char *bin = realpath(agent_bin(), NULL);
	ck_assert_ptr_nonnull(bin);
	json_t *p = json_pack("{s:s, s:s, s:[s, s, s]}", "id", "a1", "command", bin, "args",
			      "stdio", "--data", ag.data);
	free(bin);
	json_t *r = rpc(c, "stdio/start", p);
	ck_assert_ptr_nonnull(json_object_get(r, "result"));
	json_decref(r);
	r = relay(c, "a1",
		  json_pack("{s:s, s:s, s:s}", "jsonrpc", "2.0", "id", "t", "method", "tools/list"),
		  0);
	json_t *tools = json_object_get(json_object_get(response(r), "result"), "tools");
	ck_assert_int_eq(json_array_size(tools), AGENT_TOOLS_PAGE_SIZE);
	json_decref(r);
	r = relay(c, "a1",
		  tool_call("write", json_integer(5),
			    json_pack("{s:s, s:s}", "path", "via-stdio.txt", "content", "hello")),
		  0);
	ck_assert(
		json_is_false(json_object_get(json_object_get(response(r), "result"), "isError")));
	json_decref(r);
	char *path = data_path(&ag, "via-stdio.txt");
	size_t len;
	char *got = get_file(path, &len);
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, "hello");
	free(got);
	free(path);
	r = relay(c, "a1",
		  tool_call("exec", json_integer(6),
			    json_pack("{s:[s, s]}", "argv", "/bin/echo", "hi")),
		  0);
	ck_assert_int_eq(json_integer_value(json_object_get(
				 json_object_get(json_object_get(response(r), "result"),
						 "structuredContent"),
				 "exit_code")),
			 0);
	json_decref(r);
	conn_close(c);
}
END_TEST

START_TEST(stop_ends_sessions)
{
	struct conn *c = conn_open(&ag);
	start_ok(c, "z1", NULL, NULL);
	json_t *info = session_info(c, "z1");
	pid_t pid = (pid_t)json_integer_value(json_object_get(info, "pid"));
	json_decref(info);
	conn_close(c);
	agent_stop(&ag);
	ck_assert_int_ne(kill(pid, 0), 0);
	agent_start(&ag, NULL, NULL); /* for the fixture's stop */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("berth-agent stdio");
	TCase *tc = tcase_create("stdio");
	tcase_add_checked_fixture(tc, start, stop);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, relay_initializes_and_matches_ids);
	tcase_add_test(tc, explicit_initialize_not_repeated);
	tcase_add_test(tc, queue_bounded_and_counted);
	tcase_add_test(tc, concurrent_callers_one_handshake);
	tcase_add_test(tc, init_error_retried);
	tcase_add_test(tc, server_requests_kept);
	tcase_add_test(tc, crash_and_exit_close);
	tcase_add_test(tc, silent_times_out_without_blocking);
	tcase_add_test(tc, invalid_json_and_huge_line_close);
	tcase_add_test(tc, limits_and_idle);
	tcase_add_test(tc, close_kills_after_grace);
	tcase_add_test(tc, env_cwd_and_stderr);
	tcase_add_test(tc, agent_stdio_mode_serves_tools);
	tcase_add_test(tc, stop_ends_sessions);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
