/* it_tools_common.c: see it_tools_common.h. */
#define _GNU_SOURCE
#include "it_tools_common.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long it_mcp_post(const char *bot_id, const char *body, const char *content_type,
		 const char *const *headers, bt_identity id, bt_response *r)
{
	static const char *const usual[] = { IT_MCP_ACCEPT, NULL };
	char *path = it_fmt("/bots/%s/tools", bot_id);
	long s = bt_request_ex("POST", path, body, body ? strlen(body) : 0, content_type,
			       headers ? headers : usual, id, r);

	free(path);
	return s;
}

json_t *it_mcp_request(const char *bot_id, bt_identity id, const char *method, json_t *params)
{
	json_t *req = json_pack("{s:s,s:i,s:s}", "jsonrpc", "2.0", "id", 7, "method", method);
	bt_response r;
	char *text;

	if (params)
		json_object_set_new(req, "params", params);
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	long s = it_mcp_post(bot_id, text, "application/json", NULL, id, &r);
	free(text);
	ck_assert_msg(s == 200, "%s: %ld %.500s", method, s, r.body);
	json_t *reply = bt_json(&r);
	bt_response_free(&r);
	ck_assert_msg(json_integer_value(json_object_get(reply, "id")) == 7, "reply id");
	json_t *result = json_incref(json_object_get(reply, "result"));
	ck_assert_msg(result != NULL, "%s: no result: %s", method, json_dumps(reply, JSON_COMPACT));
	json_decref(reply);
	return result;
}

json_t *it_tool(const char *bot_id, bt_identity id, const char *name, json_t *args, bool *is_error)
{
	json_t *result = it_mcp_request(
		bot_id, id, "tools/call",
		json_pack("{s:s,s:o}", "name", name, "arguments", args ? args : json_object()));
	json_t *sc = json_incref(json_object_get(result, "structuredContent"));

	*is_error = json_is_true(json_object_get(result, "isError"));
	/* The JSON text block says the same as structuredContent. */
	const char *text = json_string_value(
		json_object_get(json_array_get(json_object_get(result, "content"), 0), "text"));
	ck_assert_msg(text != NULL, "%s: no text content", name);
	if (!*is_error) {
		json_t *parsed = json_loads(text, JSON_ALLOW_NUL, NULL);
		ck_assert_msg(parsed && json_equal(parsed, sc),
			      "%s: text block differs from structuredContent", name);
		json_decref(parsed);
	}
	if (!sc)
		sc = json_pack("{s:s}", "error", text);
	json_decref(result);
	return sc;
}

json_t *it_tool_ok(const char *bot_id, bt_identity id, const char *name, json_t *args)
{
	bool is_error;
	json_t *sc = it_tool(bot_id, id, name, args, &is_error);

	ck_assert_msg(!is_error, "%s failed: %s", name, json_dumps(sc, JSON_COMPACT));
	return sc;
}

char *it_tool_err(const char *bot_id, bt_identity id, const char *name, json_t *args)
{
	bool is_error;
	json_t *sc = it_tool(bot_id, id, name, args, &is_error);

	ck_assert_msg(is_error, "%s succeeded: %s", name, json_dumps(sc, JSON_COMPACT));
	char *msg = strdup(it_str(sc, "error"));
	json_decref(sc);
	return msg;
}

it_owned_bot it_running_bot(const char *type, int allow_guest)
{
	it_owned_bot b = it_owned_bot_new(type, allow_guest);
	json_decref(it_create(b.bot_id, b.owner.ident));
	return b;
}
