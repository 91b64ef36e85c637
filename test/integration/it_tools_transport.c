/* it_tools_transport.c: issue #9, POST /bots/:bot_id/tools as MCP Streamable HTTP (2025-11-25
 * transport, stateless JSON mode) and who may use it: the transport's status codes with JSON-RPC
 * error bodies, version negotiation, notifications 202, no session id; the original's
 * authorization (owner, admin, public-bot member, guest where allowed); a stopped bot's and a
 * missing container's answers; the plain routes and the older /container/fs proxy. */
#define _GNU_SOURCE
#include "it_tools_common.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char PING[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}";

/* A JSON-RPC error reply with that HTTP status and error code; id null. */
static void expect_rpc_error(const bt_response *r, long status, int code, const char *what)
{
	ck_assert_msg(r->status == status, "%s: %ld (want %ld) %.300s", what, r->status, status,
		      r->body);
	json_t *j = bt_json(r);
	ck_assert_msg(strcmp(it_str(j, "jsonrpc"), "2.0") == 0, "%s: jsonrpc", what);
	json_t *e = json_object_get(j, "error");
	ck_assert_msg(json_integer_value(json_object_get(e, "code")) == code, "%s: code %s", what,
		      r->body);
	ck_assert_msg(json_string_length(json_object_get(e, "message")) > 0, "%s: message", what);
	json_decref(j);
}

START_TEST(transport_rules)
{
	it_owned_bot b = it_running_bot("personal", 0);
	bt_response r;
	char *path = it_fmt("/bots/%s/tools", b.bot_id);

	/* GET (the SSE stream) and DELETE (session end) are not offered. */
	ck_assert_int_eq(bt_request("GET", path, NULL, NULL, b.owner.ident, &r), 405);
	bt_response_free(&r);
	ck_assert_int_eq(bt_request("DELETE", path, NULL, NULL, b.owner.ident, &r), 405);
	bt_response_free(&r);

	const char *bad_version[] = { IT_MCP_ACCEPT, "MCP-Protocol-Version: 1999-01-01", NULL };
	it_mcp_post(b.bot_id, PING, "application/json", bad_version, b.owner.ident, &r);
	expect_rpc_error(&r, 400, -32000, "bad MCP-Protocol-Version");
	bt_response_free(&r);
	for (int i = 0; i < 3; i++) {
		static const char *const v[] = { "MCP-Protocol-Version: 2025-11-25",
						 "MCP-Protocol-Version: 2025-06-18",
						 "MCP-Protocol-Version: 2025-03-26" };
		const char *h[] = { IT_MCP_ACCEPT, v[i], NULL };
		ck_assert_int_eq(
			it_mcp_post(b.bot_id, PING, "application/json", h, b.owner.ident, &r), 200);
		bt_response_free(&r);
	}

	const char *json_only[] = { "Accept: application/json", NULL };
	it_mcp_post(b.bot_id, PING, "application/json", json_only, b.owner.ident, &r);
	expect_rpc_error(&r, 406, -32000, "Accept without text/event-stream");
	bt_response_free(&r);
	const char *sse_only[] = { "Accept: text/event-stream", NULL };
	it_mcp_post(b.bot_id, PING, "application/json", sse_only, b.owner.ident, &r);
	expect_rpc_error(&r, 406, -32000, "Accept without application/json");
	bt_response_free(&r);
	const char *html[] = { "Accept: text/html", NULL };
	it_mcp_post(b.bot_id, PING, "application/json", html, b.owner.ident, &r);
	expect_rpc_error(&r, 406, -32000, "Accept text/html");
	bt_response_free(&r);
	const char *any[] = { "Accept: */*", NULL };
	ck_assert_int_eq(it_mcp_post(b.bot_id, PING, "application/json", any, b.owner.ident, &r),
			 200);
	bt_response_free(&r);

	it_mcp_post(b.bot_id, PING, "text/plain", NULL, b.owner.ident, &r);
	expect_rpc_error(&r, 415, -32000, "Content-Type text/plain");
	bt_response_free(&r);
	ck_assert_int_eq(it_mcp_post(b.bot_id, PING, "application/json; charset=utf-8", NULL,
				     b.owner.ident, &r),
			 200);
	bt_response_free(&r);

	/* Browsers: only the configured origins (the stack allows https://allowed.example). */
	const char *evil[] = { IT_MCP_ACCEPT, "Origin: https://evil.example", NULL };
	it_mcp_post(b.bot_id, PING, "application/json", evil, b.owner.ident, &r);
	expect_rpc_error(&r, 403, -32000, "Origin not allowed");
	bt_response_free(&r);
	const char *good[] = { IT_MCP_ACCEPT, "Origin: https://allowed.example", NULL };
	ck_assert_int_eq(it_mcp_post(b.bot_id, PING, "application/json", good, b.owner.ident, &r),
			 200);
	bt_response_free(&r);

	it_mcp_post(b.bot_id, "{\"jsonrpc\":\"2.0\",", "application/json", NULL, b.owner.ident, &r);
	expect_rpc_error(&r, 400, -32700, "malformed JSON");
	bt_response_free(&r);
	it_mcp_post(b.bot_id, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]",
		    "application/json", NULL, b.owner.ident, &r);
	expect_rpc_error(&r, 400, -32600, "batch");
	bt_response_free(&r);
	it_mcp_post(b.bot_id, "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}",
		    "application/json", NULL, b.owner.ident, &r);
	ck_assert_int_eq(r.status, 400);
	bt_response_free(&r);

	/* Notifications and responses: 202, no body. */
	ck_assert_int_eq(
		it_mcp_post(b.bot_id,
			    "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
			    "application/json", NULL, b.owner.ident, &r),
		202);
	ck_assert_int_eq(r.body_len, 0);
	bt_response_free(&r);
	ck_assert_int_eq(it_mcp_post(b.bot_id, "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{}}",
				     "application/json", NULL, b.owner.ident, &r),
			 202);
	bt_response_free(&r);

	/* Unknown method: 200 with -32601. */
	it_mcp_post(b.bot_id, "{\"jsonrpc\":\"2.0\",\"id\":\"u\",\"method\":\"resources/list\"}",
		    "application/json", NULL, b.owner.ident, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "-32601"));
	ck_assert_ptr_nonnull(strstr(r.body, "\"id\":\"u\""));
	bt_response_free(&r);

	/* initialize: a supported version is echoed, another gets the newest; no session id. */
	it_mcp_post(
		b.bot_id,
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-03-26\","
		"\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}",
		"application/json", NULL, b.owner.ident, &r);
	ck_assert_int_eq(r.status, 200);
	char *ct = bt_header(&r, "Content-Type");
	ck_assert_msg(ct && strncmp(ct, "application/json", 16) == 0, "content type %s", ct);
	free(ct);
	ck_assert_ptr_null(bt_header(&r, "Mcp-Session-Id"));
	json_t *j = bt_json(&r);
	ck_assert_str_eq(it_str(json_object_get(j, "result"), "protocolVersion"), "2025-03-26");
	ck_assert(json_is_false(json_object_get(
		json_object_get(json_object_get(json_object_get(j, "result"), "capabilities"),
				"tools"),
		"listChanged")));
	json_decref(j);
	bt_response_free(&r);
	json_t *init = it_mcp_request(b.bot_id, b.owner.ident, "initialize",
				      json_pack("{s:s,s:{},s:{s:s,s:s}}", "protocolVersion",
						"2099-01-01", "capabilities", "clientInfo", "name",
						"t", "version", "1"));
	ck_assert_str_eq(it_str(init, "protocolVersion"), "2025-11-25");
	json_decref(init);

	/* tools/list with cursor pagination covers every tool once. */
	static const char *const expected[] = { "read",	  "write",	 "list",	"edit",
						"exec",	  "stat",	 "delete",	"mkdir",
						"rename", "read_base64", "apply_patch", "grep" };
	json_t *seen = json_object(), *cursor = NULL;
	int pages = 0;
	do {
		json_t *page = it_mcp_request(b.bot_id, b.owner.ident, "tools/list",
					      cursor ? json_pack("{s:O}", "cursor", cursor) : NULL);
		json_decref(cursor);
		json_t *tools = json_object_get(page, "tools"), *t;
		size_t i;
		json_array_foreach(tools, i, t)
		{
			const char *name = it_str(t, "name");
			ck_assert_msg(!json_object_get(seen, name), "tool %s listed twice", name);
			ck_assert_msg(json_is_object(json_object_get(t, "inputSchema")),
				      "tool %s has no inputSchema", name);
			json_object_set_new(seen, name, json_true());
		}
		cursor = json_incref(json_object_get(page, "nextCursor"));
		json_decref(page);
		pages++;
	} while (cursor && pages < 20);
	for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
		ck_assert_msg(json_object_get(seen, expected[i]), "tool %s is not listed",
			      expected[i]);
	json_decref(seen);
	free(path);
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(authorization_matrix)
{
	it_owned_bot pub = it_running_bot("public", 0), guest_bot = it_running_bot("public", 1),
		     priv = it_running_bot("personal", 1);
	bt_user member = bt_user_new("member", 0), stranger = bt_user_new("stranger", 0);
	bt_response r;

	bt_member_add(pub.bot_id, member.name, "member");
	bt_member_add(priv.bot_id, member.name, "member");
	struct {
		const char *bot;
		bt_identity id;
		long want;
		const char *who;
	} cases[] = {
		{ pub.bot_id, pub.owner.ident, 200, "owner" },
		{ pub.bot_id, bt_admin(), 200, "admin" },
		{ pub.bot_id, member.ident, 200, "public-bot member" },
		{ pub.bot_id, stranger.ident, 403, "stranger on a public bot without guests" },
		{ guest_bot.bot_id, stranger.ident, 200,
		  "guest on a public bot that allows guests" },
		{ priv.bot_id, member.ident, 403, "member of a personal bot" },
		{ priv.bot_id, stranger.ident, 403,
		  "stranger on a personal bot (allow_guest set)" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *call =
			"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"stat\","
			"\"arguments\":{\"path\":\"/data\"}}}";
		long s = it_mcp_post(cases[i].bot, call, "application/json", NULL, cases[i].id, &r);
		ck_assert_msg(s == cases[i].want, "%s: %ld (want %ld) %.300s", cases[i].who, s,
			      cases[i].want, r.body);
		if (s == 403)
			ck_assert_str_eq(bt_expect_error(&r), "bot_access_denied");
		bt_response_free(&r);
	}
	/* No certificate: nginx refuses; an unknown bot: 404; a malformed id: 400. */
	ck_assert_int_eq(
		it_mcp_post(pub.bot_id, PING, "application/json", NULL, BT_NO_IDENTITY, &r), 400);
	bt_response_free(&r);
	ck_assert_int_eq(it_mcp_post("00000000-0000-4000-8000-000000000000", PING,
				     "application/json", NULL, bt_admin(), &r),
			 404);
	bt_response_free(&r);
	ck_assert_int_eq(it_mcp_post("not-a-uuid", PING, "application/json", NULL, bt_admin(), &r),
			 400);
	bt_response_free(&r);

	/* The plain routes are the container's: owner and admin only. */
	char *p = it_fmt("/bots/%s/container/files/list?path=/data", pub.bot_id);
	ck_assert_int_eq(bt_request("GET", p, NULL, NULL, member.ident, &r), 403);
	bt_response_free(&r);
	ck_assert_int_eq(bt_request("GET", p, NULL, NULL, pub.owner.ident, &r), 200);
	bt_response_free(&r);
	free(p);
	p = it_fmt("/bots/%s/container/exec", guest_bot.bot_id);
	ck_assert_int_eq(bt_request("POST", p, "{\"command\":\"true\"}", "application/json",
				    stranger.ident, &r),
			 403);
	bt_response_free(&r);
	free(p);

	bt_user_free(&member);
	bt_user_free(&stranger);
	it_owned_bot_done(&pub);
	it_owned_bot_done(&guest_bot);
	it_owned_bot_done(&priv);
}
END_TEST

START_TEST(stopped_and_missing)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	bt_response r;
	const char *call =
		"{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":\"read\","
		"\"arguments\":{\"path\":\"x\"}}}";

	/* No container: the original's 404 message. */
	it_mcp_post(b.bot_id, call, "application/json", NULL, b.owner.ident, &r);
	ck_assert_msg(r.status == 404 && strstr(r.body, "container not found for bot"), "%ld %s",
		      r.status, r.body);
	bt_response_free(&r);

	json_decref(it_create(b.bot_id, b.owner.ident));
	json_decref(it_api_expect("POST", b.bot_id, "/stop", NULL, b.owner.ident, 200));
	/* Stopped: a JSON-RPC error that says how to start it. */
	it_mcp_post(b.bot_id, call, "application/json", NULL, b.owner.ident, &r);
	ck_assert_int_eq(r.status, 200);
	json_t *j = bt_json(&r);
	const char *msg = it_str(json_object_get(j, "error"), "message");
	char *want = it_fmt("POST /bots/%s/container/start", b.bot_id);
	ck_assert_msg(strstr(msg, want), "stopped bot: %s", r.body);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "id")), 9);
	free(want);
	json_decref(j);
	bt_response_free(&r);
	/* initialize and ping need no container. */
	ck_assert_int_eq(it_mcp_post(b.bot_id, PING, "application/json", NULL, b.owner.ident, &r),
			 200);
	bt_response_free(&r);

	/* The older proxy starts a stopped container (its ensureTaskRunning) and maps fs.* names. */
	char *fs = it_fmt("/container/fs/%s", b.ctr_id);
	bt_request(
		"POST", fs,
		"{\"jsonrpc\":\"2.0\",\"id\":\"c1\",\"method\":\"tools/call\",\"params\":{\"name\":\"fs.write\","
		"\"arguments\":{\"path\":\"compat.txt\",\"content\":\"old API\"}}}",
		"application/json", b.owner.ident, &r);
	ck_assert_msg(r.status == 200 && strstr(r.body, "\"id\":\"c1\"") &&
			      strstr(r.body, "\"result\""),
		      "%ld %s", r.status, r.body);
	bt_response_free(&r);
	char *seen = it_exec_ok(b.ctr_id, "cat /data/compat.txt");
	ck_assert_str_eq(seen, "old API");
	free(seen);
	/* Its order of checks: the JSON-RPC version before the container. */
	char *fs_missing = it_fmt("/container/fs/mcp-%s", "00000000-0000-4000-8000-000000000000");
	bt_request("POST", fs_missing, "{\"jsonrpc\":\"1.0\",\"id\":3,\"method\":\"tools/list\"}",
		   "application/json", b.owner.ident, &r);
	ck_assert_msg(r.status == 200 && strstr(r.body, "-32600") &&
			      strstr(r.body, "invalid jsonrpc version"),
		      "%s", r.body);
	bt_response_free(&r);
	bt_request("POST", fs_missing, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}",
		   "application/json", b.owner.ident, &r);
	ck_assert_int_eq(r.status, 404);
	bt_response_free(&r);
	bt_request("POST", fs, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}",
		   "application/json", b.owner.ident, &r);
	ck_assert_msg(r.status == 200 && strstr(r.body, "-32601"), "%s", r.body);
	bt_response_free(&r);
	bt_request("POST", fs, "{not json", "application/json", b.owner.ident, &r);
	ck_assert_int_eq(r.status, 400);
	bt_response_free(&r);
	/* Another user's container is not found. */
	bt_user stranger = bt_user_new("stranger", 0);
	bt_request("POST", fs, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}",
		   "application/json", stranger.ident, &r);
	ck_assert_int_eq(r.status, 404);
	bt_response_free(&r);
	bt_user_free(&stranger);
	free(fs);
	free(fs_missing);
	it_owned_bot_done(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tools_transport");
	TCase *tc = tcase_create("transport");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, transport_rules);
	tcase_add_test(tc, authorization_matrix);
	tcase_add_test(tc, stopped_and_missing);
	suite_add_tcase(s, tc);
	return it_run_suite(s);
}
