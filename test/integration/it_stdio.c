/* it_stdio.c: stdio MCP sessions held by the bot's agent (issue #10) on the real stack, through
 * nginx: create/relay/list/messages/delete with the original's messages, ids of every JSON type,
 * the agent's own stdio mode, hostile servers (missing command, exits at once, never answers,
 * invalid JSON, a 100 MiB line, crash), the per-bot limit (429), a stopped bot, and persistence:
 * the session survives kill -9 of every worker, a SIGHUP reload and a berth-fcgi restart, and ends
 * with the container (404 "mcp connection closed").
 * The test MCP server is test/agent/mcp-testsrv (static), copied into the bot's data directory. */
#define _GNU_SOURCE
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "it_tools_common.h"

#define SRV_IN_CTR "/data/mcp-testsrv"

/* Copies the test server into the bot's data directory (mounted at /data). */
static void install_testsrv(const char *bot_id)
{
	char src[4096], dst[4096], buf[65536];
	snprintf(src, sizeof src, "%s/test/agent/mcp-testsrv", bt_env("BERTH_BUILDDIR"));
	snprintf(dst, sizeof dst, "%s/bots/%s/mcp-testsrv", bt_env("BERTH_DATA_ROOT"), bot_id);
	int in = open(src, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(in >= 0, "open %s (make check builds it)", src);
	int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	ck_assert_msg(out >= 0, "create %s", dst);
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0)
		ck_assert_int_eq(write(out, buf, (size_t)n), n);
	ck_assert_int_eq(n, 0);
	close(in);
	ck_assert_int_eq(close(out), 0);
	ck_assert_int_eq(chmod(dst, 0755), 0);
}

static long req(const char *method, const char *bot_id, const char *suffix, const char *body,
		bt_identity id, bt_response *r)
{
	char path[512];
	snprintf(path, sizeof path, "/bots/%s/mcp-stdio%s", bot_id, suffix ? suffix : "");
	return bt_request(method, path, body, body ? "application/json" : NULL, id, r);
}

/* POST /mcp-stdio with body; asserts 200; returns the body (NEW). */
static json_t *create(const char *bot_id, bt_identity id, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT);
	bt_response r;
	long st = req("POST", bot_id, NULL, text, id, &r);
	ck_assert_msg(st == 200, "create: %ld %s", st, r.body);
	json_t *out = bt_json(&r);
	bt_response_free(&r);
	free(text);
	json_decref(body);
	ck_assert_ptr_nonnull(json_string_value(json_object_get(out, "connection_id")));
	return out;
}

static char *create_srv(const char *bot_id, bt_identity id, const char *const *args)
{
	json_t *body = json_pack("{s:s, s:s, s:[]}", "name", "test", "command", SRV_IN_CTR, "args");
	for (size_t i = 0; args && args[i]; i++)
		json_array_append_new(json_object_get(body, "args"), json_string(args[i]));
	json_t *out = create(bot_id, id, body);
	char *cid = strdup(json_string_value(json_object_get(out, "connection_id")));
	json_decref(out);
	return cid;
}

/* POST the message (NEW, stolen) to the relay; fills *r and returns the status. */
static long relay(const char *bot_id, const char *cid, json_t *msg, bt_identity id, bt_response *r)
{
	char suffix[128], *text = json_dumps(msg, JSON_COMPACT | JSON_ENCODE_ANY);
	snprintf(suffix, sizeof suffix, "/%s", cid);
	long st = req("POST", bot_id, suffix, text, id, r);
	free(text);
	json_decref(msg);
	return st;
}

static json_t *tool_call(const char *name, json_t *id, json_t *args)
{
	return json_pack("{s:s, s:o, s:s, s:{s:s, s:o}}", "jsonrpc", "2.0", "id", id, "method",
			 "tools/call", "params", "name", name, "arguments",
			 args ? args : json_object());
}

/* Relays a call; asserts 200 and returns the reply (NEW). */
static json_t *call_ok(const char *bot_id, const char *cid, json_t *msg, bt_identity id)
{
	bt_response r;
	long st = relay(bot_id, cid, msg, id, &r);
	ck_assert_msg(st == 200, "relay: %ld %s", st, r.body);
	json_t *out = bt_json(&r);
	bt_response_free(&r);
	return out;
}

static const char *text_of(json_t *reply)
{
	const char *t = json_string_value(json_object_get(
		json_array_get(json_object_get(json_object_get(reply, "result"), "content"), 0),
		"text"));
	ck_assert_msg(t != NULL, "no text content in the reply");
	return t;
}

static const char *error_message(json_t *reply)
{
	const char *m = json_string_value(
		json_object_get(json_object_get(reply, "error"), "message"));
	return m ? m : "";
}

static void echo_ok(const char *bot_id, const char *cid, bt_identity id, const char *text)
{
	json_t *reply = call_ok(
		bot_id, cid, tool_call("echo", json_integer(1), json_pack("{s:s}", "text", text)),
		id);
	ck_assert_str_eq(text_of(reply), text);
	json_decref(reply);
}

/* The message of a Berth error body (asserting its shape). NEW. */
static char *err_text(const bt_response *r)
{
	bt_expect_error(r);
	json_t *body = bt_json(r);
	char *m = strdup(json_string_value(json_object_get(body, "message")));
	json_decref(body);
	return m;
}

/* Asserts status want and, when msg, the error message. */
static void expect(long st, bt_response *r, long want, const char *msg)
{
	ck_assert_msg(st == want, "want %ld, got %ld %s", want, st, r->body);
	if (msg) {
		char *m = err_text(r);
		ck_assert_str_eq(m, msg);
		free(m);
	}
	bt_response_free(r);
}

static void relay_expect(const char *bot_id, const char *cid, bt_identity id, long want,
			 const char *msg)
{
	bt_response r;
	long st = relay(bot_id, cid, tool_call("echo", json_integer(1), NULL), id, &r);
	expect(st, &r, want, msg);
}

static json_t *list(const char *bot_id, bt_identity id)
{
	bt_response r;
	long st = req("GET", bot_id, NULL, NULL, id, &r);
	ck_assert_msg(st == 200, "list: %ld %s", st, r.body);
	json_t *out = bt_json(&r);
	bt_response_free(&r);
	return out;
}

static json_t *listed(json_t *l, const char *cid)
{
	json_t *s;
	size_t i;
	json_array_foreach(json_object_get(l, "sessions"), i,
			   s) if (!strcmp(json_string_value(json_object_get(s, "connection_id")),
					  cid)) return s;
	return NULL;
}

static void delete_ok(const char *bot_id, const char *cid, bt_identity id)
{
	char suffix[128];
	bt_response r;
	snprintf(suffix, sizeof suffix, "/%s", cid);
	long st = req("DELETE", bot_id, suffix, NULL, id, &r);
	expect(st, &r, 204, NULL);
}

START_TEST(create_relay_list_delete)
{
	it_owned_bot b = it_running_bot("personal", 0);
	bt_identity me = b.owner.ident;
	bt_response r;
	install_testsrv(b.bot_id);

	expect(req("POST", b.bot_id, NULL, "{}", me, &r), &r, 400, "command is required");
	expect(req("POST", b.bot_id, NULL, "{\"command\":\"  \"}", me, &r), &r, 400,
	       "command is required");
	expect(req("POST", b.bot_id, NULL, "{\"command\":\"x\",\"args\":\"no\"}", me, &r), &r, 400,
	       NULL);

	json_t *out = create(b.bot_id, me,
			     json_pack("{s:s, s:s, s:{s:s}}", "name", "t", "command", SRV_IN_CTR,
				       "env", "TESTSRV_X", "from-env"));
	const char *cid = json_string_value(json_object_get(out, "connection_id"));
	char url[256];
	snprintf(url, sizeof url, "/bots/%s/mcp-stdio/%s", b.bot_id, cid);
	ck_assert_str_eq(json_string_value(json_object_get(out, "url")), url);
	json_t *tools = json_object_get(out, "tools");
	ck_assert_int_eq(json_array_size(tools), 10);
	ck_assert_str_eq(json_string_value(json_array_get(tools, 0)), "ask"); /* sorted */
	ck_assert_str_eq(json_string_value(json_array_get(tools, 9)), "stats");

	/* ids of every JSON type come back as sent */
	const char *ids[] = { "1", "\"1\"", "-7", "2.5", "null", "\"\"", "true", "{\"k\":[1]}" };
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		json_t *id = bt_json_parse(ids[i]);
		json_t *reply = call_ok(
			b.bot_id, cid,
			tool_call("echo", json_incref(id), json_pack("{s:s}", "text", ids[i])), me);
		ck_assert_msg(json_equal(json_object_get(reply, "id"), id), "id %s", ids[i]);
		ck_assert_str_eq(text_of(reply), ids[i]);
		json_decref(reply);
		json_decref(id);
	}
	json_t *reply = call_ok(
		b.bot_id, cid,
		tool_call("env", json_integer(2), json_pack("{s:s}", "name", "TESTSRV_X")), me);
	ck_assert_str_eq(text_of(reply), "from-env");
	json_decref(reply);
	reply = call_ok(b.bot_id, cid, tool_call("cwd", json_integer(3), NULL), me);
	ck_assert_str_eq(text_of(reply), "/data");
	json_decref(reply);

	/* the original's relay rules */
	long st = relay(
		b.bot_id, cid,
		json_pack("{s:s, s:s}", "jsonrpc", "2.0", "method", "notifications/cancelled"), me,
		&r);
	ck_assert_msg(st == 202 && r.body_len == 0, "notification: %ld %s", st, r.body);
	bt_response_free(&r);
	reply = call_ok(
		b.bot_id, cid,
		json_pack("{s:s, s:i, s:s}", "jsonrpc", "1.0", "id", 4, "method", "tools/list"),
		me);
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_object_get(reply, "error"), "code")),
		-32600);
	ck_assert_str_eq(error_message(reply), "invalid jsonrpc version");
	json_decref(reply);
	reply = call_ok(b.bot_id, cid,
			json_pack("{s:s, s:i, s:s}", "jsonrpc", "2.0", "id", 5, "method", " "), me);
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_object_get(reply, "error"), "code")),
		-32601);
	json_decref(reply);
	reply = call_ok(b.bot_id, cid,
			json_pack("{s:s, s:s}", "jsonrpc", "2.0", "method", "tools/list"), me);
	ck_assert_str_eq(error_message(reply), "missing request id");
	json_decref(reply);
	reply = call_ok(
		b.bot_id, cid,
		json_pack("{s:s, s:i, s:s}", "jsonrpc", "2.0", "id", 6, "method", "no/such"), me);
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_object_get(reply, "error"), "code")),
		-32601);
	json_decref(reply);

	/* server-to-client messages are kept for the client */
	st = relay(b.bot_id, cid, tool_call("ask", json_string("a"), NULL), me, &r);
	ck_assert_int_eq(st, 200);
	char *queued = bt_header(&r, "Berth-MCP-Queued");
	ck_assert_ptr_nonnull(queued);
	ck_assert_str_eq(queued, "2");
	free(queued);
	bt_response_free(&r);
	char suffix[128];
	snprintf(suffix, sizeof suffix, "/%s/messages", cid);
	ck_assert_int_eq(req("GET", b.bot_id, suffix, NULL, me, &r), 200);
	json_t *msgs = bt_json(&r);
	bt_response_free(&r);
	ck_assert_int_eq(json_array_size(json_object_get(msgs, "messages")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(msgs, "messages"), 0), "method")),
			 "roots/list");
	json_decref(msgs);
	st = relay(b.bot_id, cid,
		   json_pack("{s:s, s:s, s:{s:[]}}", "jsonrpc", "2.0", "id", "srv-1", "result",
			     "roots"),
		   me, &r);
	expect(st, &r, 202, NULL);
	reply = call_ok(b.bot_id, cid, tool_call("stats", json_integer(7), NULL), me);
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_object_get(reply, "result"), "responses")),
		1);
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_object_get(reply, "result"), "initialize")),
		1);
	json_decref(reply);

	/* list */
	json_t *l = list(b.bot_id, me);
	json_t *s = listed(l, cid);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(json_string_value(json_object_get(s, "state")), "active");
	ck_assert_str_eq(json_string_value(json_object_get(s, "mcp_state")), "ready");
	ck_assert_str_eq(json_string_value(json_object_get(s, "command")), SRV_IN_CTR);
	json_decref(l);

	/* others see nothing; unknown ids are "not found" */
	bt_user other = bt_user_new("stdio-other", 0);
	ck_assert_int_eq(
		relay(b.bot_id, cid, tool_call("echo", json_integer(1), NULL), other.ident, &r),
		403);
	bt_response_free(&r);
	bt_user_free(&other);
	relay_expect(b.bot_id, "00000000-0000-4000-8000-000000000000", me, 404,
		     "mcp connection not found");
	relay_expect(b.bot_id, "not-a-uuid", me, 404, "mcp connection not found");

	/* the agent's own stdio mode serves the file tools */
	json_t *agent = create(b.bot_id, me,
			       json_pack("{s:s, s:s, s:[s]}", "name", "files", "command",
					 "/.berth/berth-agent", "args", "stdio"));
	ck_assert_int_gt(json_array_size(json_object_get(agent, "tools")), 0);
	const char *acid = json_string_value(json_object_get(agent, "connection_id"));
	reply = call_ok(b.bot_id, acid,
			tool_call("write", json_integer(1),
				  json_pack("{s:s, s:s}", "path", "via.txt", "content", "hi")),
			me);
	ck_assert(json_is_false(json_object_get(json_object_get(reply, "result"), "isError")));
	json_decref(reply);
	char *got = it_exec_ok(b.ctr_id, "cat /data/via.txt");
	ck_assert_str_eq(got, "hi");
	free(got);

	/* DELETE ends the process */
	char *pid_before = it_exec_ok(
		b.ctr_id, "grep -l 'mcp-tests[r]v' /proc/[0-9]*/cmdline 2>/dev/null | wc -l");
	ck_assert_str_eq(pid_before, "1");
	free(pid_before);
	delete_ok(b.bot_id, cid, me);
	delete_ok(b.bot_id, cid, me); /* again: already closed */
	relay_expect(b.bot_id, cid, me, 404, "mcp connection closed");
	char *left = it_exec_ok(b.ctr_id,
				"grep -l 'mcp-tests[r]v' /proc/[0-9]*/cmdline 2>/dev/null | wc -l");
	ck_assert_str_eq(left, "0");
	free(left);
	l = list(b.bot_id, me);
	ck_assert_str_eq(json_string_value(json_object_get(listed(l, cid), "state")), "closed");
	json_decref(l);
	json_decref(agent);
	json_decref(out);
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(hostile_servers)
{
	it_owned_bot b = it_running_bot("personal", 0);
	bt_identity me = b.owner.ident;
	bt_response r;
	install_testsrv(b.bot_id);

	/* a command that does not exist: the start fails */
	long st = req("POST", b.bot_id, NULL, "{\"command\":\"/no/such/server\"}", me, &r);
	ck_assert_msg(st == 500 && strstr(r.body, "No such file"), "%ld %s", st, r.body);
	bt_response_free(&r);
	json_t *l = list(b.bot_id, me);
	ck_assert_int_eq(json_array_size(json_object_get(l, "sessions")), 0); /* no record left */
	json_decref(l);

	/* exits at once: no tools, then closed */
	json_t *body = json_pack("{s:s, s:[s, s]}", "command", SRV_IN_CTR, "args", "--exit", "0");
	json_t *out = create(b.bot_id, me, body);
	ck_assert_ptr_null(json_object_get(out, "tools"));
	relay_expect(b.bot_id, json_string_value(json_object_get(out, "connection_id")), me, 404,
		     "mcp connection closed");
	json_decref(out);

	/* crash during a call: the call fails with the reason, then the session is closed */
	char *cid = create_srv(b.bot_id, me, NULL);
	json_t *reply = call_ok(b.bot_id, cid, tool_call("crash", json_integer(1), NULL), me);
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_object_get(reply, "error"), "code")),
		-32603);
	ck_assert_msg(strstr(error_message(reply), "exited with status 3"), "%s",
		      error_message(reply));
	json_decref(reply);
	relay_expect(b.bot_id, cid, me, 404, "mcp connection closed");
	free(cid);

	/* invalid JSON and a 100 MiB line close the session with a clear error */
	cid = create_srv(b.bot_id, me, NULL);
	reply = call_ok(b.bot_id, cid, tool_call("garbage", json_integer(1), NULL), me);
	ck_assert_msg(strstr(error_message(reply), "not JSON"), "%s", error_message(reply));
	json_decref(reply);
	relay_expect(b.bot_id, cid, me, 404, "mcp connection closed");
	l = list(b.bot_id, me);
	ck_assert_ptr_nonnull(strstr(
		json_string_value(json_object_get(listed(l, cid), "closed_reason")), "not JSON"));
	json_decref(l);
	free(cid);
	cid = create_srv(b.bot_id, me, NULL);
	reply = call_ok(b.bot_id, cid,
			tool_call("flood", json_integer(1),
				  json_pack("{s:I}", "bytes", (json_int_t)100 << 20)),
			me);
	ck_assert_msg(strstr(error_message(reply), "longer than"), "%s", error_message(reply));
	json_decref(reply);
	relay_expect(b.bot_id, cid, me, 404, "mcp connection closed");
	free(cid);

	/* never answers: the probe gives up within 8 s, a call times out, the session stays */
	long long t0 = bt_now_ms();
	out = create(b.bot_id, me,
		     json_pack("{s:s, s:[s]}", "command", SRV_IN_CTR, "args", "--silent"));
	ck_assert_int_lt(bt_now_ms() - t0, 12000);
	ck_assert_ptr_null(json_object_get(out, "tools"));
	cid = strdup(json_string_value(json_object_get(out, "connection_id")));
	json_decref(out);
	reply = call_ok(b.bot_id, cid, tool_call("echo", json_integer(1), NULL), me);
	ck_assert_msg(strstr(error_message(reply), "did not answer"), "%s", error_message(reply));
	json_decref(reply);
	delete_ok(b.bot_id, cid, me);
	free(cid);
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(limit_and_stopped_bot)
{
	it_owned_bot b = it_running_bot("personal", 0);
	bt_identity me = b.owner.ident;
	bt_response r;
	char *cids[16];
	install_testsrv(b.bot_id);
	for (int i = 0; i < 16; i++)
		cids[i] = create_srv(b.bot_id, me, NULL);
	long st = req("POST", b.bot_id, NULL, "{\"command\":\"" SRV_IN_CTR "\"}", me, &r);
	ck_assert_msg(st == 429, "17th session: %ld %s", st, r.body);
	bt_response_free(&r);
	delete_ok(b.bot_id, cids[0], me);
	free(create_srv(b.bot_id, me, NULL)); /* room again */

	/* a stopped bot: its sessions end with the container, and a new one says how to start it */
	char *cid = strdup(cids[1]);
	for (int i = 0; i < 16; i++)
		free(cids[i]);
	json_decref(it_api_expect("POST", b.bot_id, "/stop", NULL, me, 200));
	relay_expect(b.bot_id, cid, me, 404, "mcp connection closed");
	st = req("POST", b.bot_id, NULL, "{\"command\":\"" SRV_IN_CTR "\"}", me, &r);
	ck_assert_msg(st == 409 && strstr(r.body, "/container/start"), "%ld %s", st, r.body);
	bt_response_free(&r);
	json_t *l = list(b.bot_id, me);
	json_t *s;
	size_t i;
	json_array_foreach(json_object_get(l, "sessions"), i, s)
		ck_assert_str_eq(json_string_value(json_object_get(s, "state")), "closed");
	json_decref(l);
	/* started again: the old session stays closed */
	json_decref(it_api_expect("POST", b.bot_id, "/start", NULL, me, 200));
	relay_expect(b.bot_id, cid, me, 404, "mcp connection closed");
	free(cid);
	it_owned_bot_done(&b);
}
END_TEST

static int workers_of(int master, int *pids)
{
	return bt_children(master, pids, 64);
}

START_TEST(survives_workers_reload_restart)
{
	it_owned_bot b = it_running_bot("personal", 0);
	bt_identity me = b.owner.ident;
	install_testsrv(b.bot_id);
	char *cid = create_srv(b.bot_id, me, NULL);
	echo_ok(b.bot_id, cid, me, "before");

	/* kill -9 every worker (the creator among them) */
	int master = bt_stack_pid("fcgi"), pids[64];
	int n = workers_of(master, pids);
	ck_assert_int_gt(n, 0);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(kill(pids[i], SIGKILL), 0);
	long long deadline = bt_now_ms() + 10000;
	while (workers_of(master, pids) < n && bt_now_ms() < deadline)
		bt_sleep_ms(100);
	echo_ok(b.bot_id, cid, me, "after kill");

	/* SIGHUP reload */
	ck_assert_int_eq(kill(master, SIGHUP), 0);
	bt_sleep_ms(1000);
	echo_ok(b.bot_id, cid, me, "after reload");

	/* berth-fcgi restart */
	ck_assert_int_eq(bt_stack("restart", "fcgi"), 0);
	ck_assert_int_ne(bt_stack_pid("fcgi"), master);
	echo_ok(b.bot_id, cid, me, "after restart");
	json_t *reply = call_ok(b.bot_id, cid, tool_call("stats", json_integer(9), NULL), me);
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_object_get(reply, "result"), "initialize")),
		1);
	json_decref(reply);

	/* ends with the container */
	json_decref(it_api_expect("POST", b.bot_id, "/stop", NULL, me, 200));
	relay_expect(b.bot_id, cid, me, 404, "mcp connection closed");
	free(cid);
	it_owned_bot_done(&b);
}
END_TEST

/* All the tools of /bots/<bot>/tools (every page). NEW array. */
static json_t *gateway_tools(const char *bot_id, bt_identity id)
{
	json_t *all = json_array(), *params = NULL;
	for (int page = 0; page < 20; page++) {
		json_t *res = it_mcp_request(bot_id, id, "tools/list", params);
		json_array_extend(all, json_object_get(res, "tools"));
		const char *next = json_string_value(json_object_get(res, "nextCursor"));
		params = next ? json_pack("{s:s}", "cursor", next) : NULL;
		json_decref(res);
		if (!params)
			return all;
	}
	ck_abort_msg("tools/list does not end");
	return NULL;
}

static json_t *tool_named(json_t *tools, const char *name)
{
	json_t *t;
	size_t i;
	json_array_foreach(tools, i, t) if (!strcmp(json_string_value(json_object_get(t, "name")),
						    name)) return t;
	return NULL;
}

/* mcp_connections of type stdio federated into /tools, each served by one long-lived session. */
START_TEST(connections_federated_into_tools)
{
	it_owned_bot b = it_running_bot("personal", 0);
	bt_identity me = b.owner.ident;
	char sql[1024];
	install_testsrv(b.bot_id);
	const char *names[] = { "Test Srv!", "test_srv." }; /* both sanitize to test_srv */
	for (int i = 0; i < 2; i++) {
		snprintf(
			sql, sizeof sql,
			"INSERT INTO mcp_connections (bot_id, name, type, config) VALUES ('%s', '%s', 'stdio', "
			"'{\"command\":\"" SRV_IN_CTR "\",\"env\":{\"TESTSRV_X\":\"conn%d\"}}')",
			b.bot_id, names[i], i);
		free(bt_sql(sql));
	}
	snprintf(
		sql, sizeof sql,
		"INSERT INTO mcp_connections (bot_id, name, type, config, is_active) VALUES ('%s', 'off', 'stdio', "
		"'{\"command\":\"" SRV_IN_CTR "\"}', false)",
		b.bot_id);
	free(bt_sql(sql));

	json_t *tools = gateway_tools(b.bot_id, me);
	json_t *first = tool_named(tools, "test_srv.echo"),
	       *second = tool_named(tools, "test_srv_echo_2");
	ck_assert_ptr_nonnull(first);
	ck_assert_ptr_nonnull(second);
	ck_assert_ptr_nonnull(tool_named(tools, "read")); /* the agent's own are still there */
	ck_assert_ptr_null(tool_named(tools, "off.echo"));
	const char *d1 = json_string_value(json_object_get(first, "description"));
	const char *d2 = json_string_value(json_object_get(second, "description"));
	ck_assert_msg(
		(!strcmp(d1, "[Test Srv!] test tool") && !strcmp(d2, "[test_srv.] test tool")) ||
			(!strcmp(d2, "[Test Srv!] test tool") &&
			 !strcmp(d1, "[test_srv.] test tool")),
		"%s / %s", d1, d2);
	json_decref(tools);

	/* calls reach the connection's own session, the same one each time */
	json_t *res = it_mcp_request(b.bot_id, me, "tools/call",
				     json_pack("{s:s,s:{s:s}}", "name", "test_srv.env", "arguments",
					       "name", "TESTSRV_X"));
	const char *env = json_string_value(
		json_object_get(json_array_get(json_object_get(res, "content"), 0), "text"));
	ck_assert_msg(!strcmp(env, "conn0") || !strcmp(env, "conn1"), "%s", env);
	json_decref(res);
	for (int i = 0; i < 2; i++) {
		res = it_mcp_request(
			b.bot_id, me, "tools/call",
			json_pack("{s:s,s:{}}", "name", "test_srv.stats", "arguments"));
		ck_assert_int_eq(json_integer_value(json_object_get(res, "initialize")), 1);
		json_decref(res);
	}
	/* the session ends with the container and comes back after its start */
	json_decref(it_api_expect("POST", b.bot_id, "/stop", NULL, me, 200));
	json_decref(it_api_expect("POST", b.bot_id, "/start", NULL, me, 200));
	bt_sleep_ms(5200); /* the gateway's cache */
	res = it_mcp_request(
		b.bot_id, me, "tools/call",
		json_pack("{s:s,s:{s:s}}", "name", "test_srv_echo_2", "arguments", "text", "back"));
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(res, "content"), 0), "text")),
			 "back");
	json_decref(res);
	it_owned_bot_done(&b);
}
END_TEST

/* Runs the official TypeScript SDK client (test/integration/mcp_sdk_stdio.cjs) against url as the
 * bot's owner: it lists the tools and calls tool with {text: "through the sdk"}; asserts the echo
 * and that the listing has tool. */
static void sdk_lists_and_calls(const char *script, const it_owned_bot *b, const char *url,
				const char *tool)
{
	const char *node = getenv("BERTH_NODE22");
	char *argv[] = { (char *)(node && node[0] ? node : "node"),
			 (char *)script,
			 (char *)url,
			 (char *)bt_env("BERTH_CA"),
			 b->owner.cert_path,
			 b->owner.key_path,
			 (char *)tool,
			 NULL };
	char *out = NULL, *err = NULL;
	int rc = bt_run(argv, &out, &err, 120);
	ck_assert_msg(rc == 0, "sdk client on %s: %d %s %s", url, rc, out ? out : "",
		      err ? err : "");
	json_t *got = bt_json_parse(out);
	ck_assert_str_eq(json_string_value(json_object_get(got, "echo")), "through the sdk");
	json_t *t;
	size_t i;
	bool listed = false;
	json_array_foreach(json_object_get(got, "tools"), i, t)
		listed |= !strcmp(json_string_value(t), tool);
	ck_assert_msg(listed, "%s is not in the sdk's listing of %s", tool, url);
	json_decref(got);
	free(out);
	free(err);
}

/* The official TypeScript SDK client (Streamable HTTP) through the relay URL, and through the
 * bot's tools gateway to a federated stdio connection: needs a directory BERTH_MCP_SDK_DIR whose
 * node_modules holds @modelcontextprotocol/sdk and undici, and node 22 (BERTH_NODE22, else node
 * on PATH); test/run-integration installs both (test/mcp-sdk/). */
START_TEST(sdk_client_talks_to_session)
{
	const char *sdk = getenv("BERTH_MCP_SDK_DIR");
	char probe[4096], modules[4096], script[4096], url[1024], sql[1024];
	if (!sdk || !sdk[0])
		bt_skip("BERTH_MCP_SDK_DIR is not set (a directory whose node_modules has @modelcontextprotocol/sdk "
			"and undici)");
	snprintf(probe, sizeof probe, "%s/node_modules/@modelcontextprotocol/sdk/package.json",
		 sdk);
	if (access(probe, R_OK) != 0)
		bt_skip("no @modelcontextprotocol/sdk under %s/node_modules", sdk);
	snprintf(modules, sizeof modules, "%s/node_modules", sdk);
	snprintf(script, sizeof script, "%s/test/integration/mcp_sdk_stdio.cjs",
		 bt_env("BERTH_SRCDIR"));
	ck_assert_int_eq(setenv("NODE_PATH", modules, 1), 0);

	it_owned_bot b = it_running_bot("personal", 0);
	install_testsrv(b.bot_id);
	char *cid = create_srv(b.bot_id, b.owner.ident, NULL);
	snprintf(url, sizeof url, "%s/bots/%s/mcp-stdio/%s", bt_env("BERTH_URL"), b.bot_id, cid);
	sdk_lists_and_calls(script, &b, url, "echo");

	/* the same server as an mcp connection, federated into the tools gateway */
	snprintf(
		sql, sizeof sql,
		"INSERT INTO mcp_connections (bot_id, name, type, config) VALUES ('%s', 'sdkfed', 'stdio', "
		"'{\"command\":\"" SRV_IN_CTR "\"}')",
		b.bot_id);
	free(bt_sql(sql));
	snprintf(url, sizeof url, "%s/bots/%s/tools", bt_env("BERTH_URL"), b.bot_id);
	sdk_lists_and_calls(script, &b, url, "sdkfed.echo");
	free(cid);
	it_owned_bot_done(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stdio");
	TCase *tc = tcase_create("stdio");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, create_relay_list_delete);
	tcase_add_test(tc, hostile_servers);
	tcase_add_test(tc, limit_and_stopped_bot);
	tcase_add_test(tc, survives_workers_reload_restart);
	tcase_add_test(tc, sdk_client_talks_to_session);
	tcase_add_test(tc, connections_federated_into_tools);
	suite_add_tcase(s, tc);
	return it_run_suite(s);
}
