/* it_mcp_conn.c: issue #10, a bot's MCP connections (reference §11.4) through nginx with client
 * certificates: /bots/:bot_id/mcp CRUD and /bots/:bot_id/mcp-ops import/export/batch-delete, their
 * shapes and status codes, owner/admin only, other bots' ids 404, and bad input changing nothing
 * (observed in PostgreSQL with psql, independently of Berth). */
#define _GNU_SOURCE
#include "it_container_common.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* method path body as id; asserts the status (and Berth's error shape for errors); returns the
 * parsed body (NULL when empty). */
static json_t *call(const char *method, const char *path, const char *body, bt_identity id,
		    long want)
{
	bt_response r;
	long s = bt_request(method, path, body, body ? "application/json" : NULL, id, &r);
	ck_assert_msg(s == want, "%s %s: %ld (want %ld) %.400s", method, path, s, want, r.body);
	json_t *j = NULL;
	if (s >= 400)
		bt_expect_error(&r);
	else if (r.body_len)
		j = bt_json(&r);
	bt_response_free(&r);
	return j;
}

/* As call, returning the error's "code" (NEW) for an error status. */
static char *call_code(const char *method, const char *path, const char *body, bt_identity id,
		       long want)
{
	bt_response r;
	long s = bt_request(method, path, body, body ? "application/json" : NULL, id, &r);
	ck_assert_msg(s == want, "%s %s: %ld (want %ld) %.400s", method, path, s, want, r.body);
	char *code = strdup(bt_expect_error(&r));
	bt_response_free(&r);
	return code;
}

static char *mcp_path(const char *bot_id, const char *suffix)
{
	return it_fmt("/bots/%s/mcp%s", bot_id, suffix);
}

/* The bot's rows as psql prints them: "name|type|config|is_active" lines by name (NEW). */
static char *rows_of(const char *bot_id)
{
	char *sql = it_fmt(
		"SELECT coalesce(string_agg(name || '|' || type || '|' || config::text || '|' || is_active, "
		"E'\\n' ORDER BY name), '') FROM mcp_connections WHERE bot_id = '%s'",
		bot_id);
	char *out = bt_sql(sql);
	free(sql);
	return out;
}

START_TEST(crud_and_shapes)
{
	it_owned_bot a = it_owned_bot_new("personal", 0);
	bt_identity o = a.owner.ident;
	char *list = mcp_path(a.bot_id, "");

	json_t *l = call("GET", list, NULL, o, 200);
	ck_assert(json_is_array(json_object_get(l, "items")));
	ck_assert_int_eq(json_array_size(json_object_get(l, "items")), 0);
	json_decref(l);

	json_t *fs = call(
		"POST", list,
		"{\"name\":\"fs\",\"command\":\"/.berth/berth-agent\",\"args\":[\"stdio\"],"
		"\"env\":{\"TOKEN\":\"s3cr3t-env\"},\"cwd\":\"/data\"}",
		o, 201);
	ck_assert_str_eq(it_str(fs, "name"), "fs");
	ck_assert_str_eq(it_str(fs, "type"), "stdio");
	ck_assert_str_eq(it_str(fs, "bot_id"), a.bot_id);
	ck_assert(json_is_true(json_object_get(fs, "is_active")));
	ck_assert_str_eq(it_str(json_object_get(fs, "config"), "command"), "/.berth/berth-agent");
	ck_assert_str_eq(it_str(json_object_get(json_object_get(fs, "config"), "env"), "TOKEN"),
			 "s3cr3t-env");
	ck_assert(strlen(it_str(fs, "id")) == 36 && *it_str(fs, "created_at") &&
		  *it_str(fs, "updated_at"));
	json_t *web = call(
		"POST", list,
		"{\"name\":\"web\",\"url\":\"https://mcp.example/sse\",\"transport\":\"sse\","
		"\"headers\":{\"Authorization\":\"Bearer s3cr3t-header\"},\"is_active\":false}",
		o, 201);
	ck_assert_str_eq(it_str(web, "type"), "sse");
	ck_assert(json_is_false(json_object_get(web, "is_active")));
	json_t *api = call("POST", list, "{\"name\":\"api\",\"url\":\"http://10.0.0.1:8080/mcp\"}",
			   o, 201);
	ck_assert_str_eq(it_str(api, "type"), "http");

	/* List: every one, newest first. */
	l = call("GET", list, NULL, o, 200);
	json_t *items = json_object_get(l, "items");
	ck_assert_int_eq(json_array_size(items), 3);
	ck_assert_str_eq(it_str(json_array_get(items, 0), "name"), "api");
	ck_assert_str_eq(it_str(json_array_get(items, 2), "name"), "fs");
	json_decref(l);

	/* Get, put, and the 409s of a taken name. */
	char *item = mcp_path(a.bot_id, "/");
	char *fs_path = it_fmt("%s%s", item, it_str(fs, "id"));
	json_t *g = call("GET", fs_path, NULL, o, 200);
	ck_assert(json_equal(g, fs));
	json_decref(g);
	char *code = call_code("POST", list, "{\"name\":\"fs\",\"url\":\"http://h\"}", o, 409);
	free(code);
	code = call_code("PUT", fs_path, "{\"name\":\"web\",\"command\":\"x\"}", o, 409);
	free(code);
	json_t *u = call("PUT", fs_path,
			 "{\"name\":\"files\",\"url\":\"https://h/mcp\",\"is_active\":false}", o,
			 200);
	ck_assert_str_eq(it_str(u, "id"), it_str(fs, "id"));
	ck_assert_str_eq(it_str(u, "name"), "files");
	ck_assert_str_eq(it_str(u, "type"), "http");
	ck_assert(json_is_false(json_object_get(u, "is_active")));
	ck_assert_ptr_null(json_object_get(json_object_get(u, "config"), "command"));
	ck_assert_str_eq(it_str(u, "created_at"), it_str(fs, "created_at"));
	json_decref(u);

	/* Unknown and malformed ids. */
	char *nope = it_fmt("%s%s", item, "00000000-0000-4000-8000-000000000000");
	json_decref(call("GET", nope, NULL, o, 404));
	json_decref(call("PUT", nope, "{\"name\":\"x\",\"command\":\"x\"}", o, 404));
	json_decref(call("DELETE", nope, NULL, o, 404));
	char *bad = it_fmt("%s%s", item, "not-a-uuid");
	json_decref(call("GET", bad, NULL, o, 400));
	json_decref(call("DELETE", bad, NULL, o, 400));
	free(bad);
	bad = it_fmt("%s%s", item, "AAAAAAAA-0000-4000-8000-000000000000");
	json_decref(call("GET", bad, NULL, o, 400));
	free(bad);

	/* Delete: 204, then 404. */
	json_decref(call("DELETE", fs_path, NULL, o, 204));
	json_decref(call("DELETE", fs_path, NULL, o, 404));
	json_decref(call("GET", fs_path, NULL, o, 404));
	char *rows = rows_of(a.bot_id);
	ck_assert_msg(strstr(rows, "api|http|") && strstr(rows, "web|sse|") &&
			      !strstr(rows, "files"),
		      "%s", rows);
	free(rows);

	/* The secrets never reached the log. */
	char *log = it_fmt("%s/logs/berth-fcgi.log", bt_env("BERTH_STACK"));
	char *text = it_read_file(log);
	ck_assert_msg(text, "cannot read %s", log);
	ck_assert_msg(!strstr(text, "s3cr3t"), "a secret of env or headers is in the log");
	free(text);
	free(log);

	free(nope);
	free(fs_path);
	free(item);
	free(list);
	json_decref(fs);
	json_decref(web);
	json_decref(api);
	it_owned_bot_done(&a);
}
END_TEST

START_TEST(access)
{
	it_owned_bot a = it_owned_bot_new("public", 1), b = it_owned_bot_new("personal", 0);
	bt_user stranger = bt_user_new("stranger", 0), member = bt_user_new("member", 0);
	bt_member_add(a.bot_id, member.name, "admin");
	char *list = mcp_path(a.bot_id, "");
	json_t *c = call("POST", list, "{\"name\":\"c\",\"command\":\"x\"}", a.owner.ident, 201);
	char *item = it_fmt("%s/%s", list, it_str(c, "id"));
	char *imp = it_fmt("/bots/%s/mcp-ops/import", a.bot_id),
	     *exp = it_fmt("/bots/%s/mcp-ops/export", a.bot_id);
	char *bd = it_fmt("/bots/%s/mcp-ops/batch-delete", a.bot_id);
	char *ids = it_fmt("{\"ids\":[\"%s\"]}", it_str(c, "id"));

	/* Not the owner nor an admin (public-bot members and guests included): 403 everywhere. */
	bt_identity others[] = { stranger.ident, member.ident, b.owner.ident };
	for (int i = 0; i < 3; i++) {
		json_decref(call("GET", list, NULL, others[i], 403));
		json_decref(
			call("POST", list, "{\"name\":\"z\",\"command\":\"x\"}", others[i], 403));
		json_decref(call("GET", item, NULL, others[i], 403));
		json_decref(
			call("PUT", item, "{\"name\":\"z\",\"command\":\"x\"}", others[i], 403));
		json_decref(call("DELETE", item, NULL, others[i], 403));
		json_decref(call("PUT", imp, "{\"mcpServers\":{\"z\":{\"command\":\"x\"}}}",
				 others[i], 403));
		json_decref(call("GET", exp, NULL, others[i], 403));
		json_decref(call("POST", bd, ids, others[i], 403));
	}
	/* Unknown certificate: 401; unknown bot: 404; a bot id that is not canonical: 400. */
	bt_user nobody = bt_cert_new("nobody", "/O=Berth test/OU=strangers/CN=mcp-nobody");
	json_decref(call("GET", list, NULL, nobody.ident, 401));
	json_decref(call("GET", "/bots/00000000-0000-4000-8000-000000000000/mcp", NULL, bt_admin(),
			 404));
	json_decref(call("GET", "/bots/not-a-bot/mcp", NULL, bt_admin(), 400));

	/* Bot b's owner names a's connection through b: 404 on every route, a's row untouched. */
	char *via_b = it_fmt("/bots/%s/mcp/%s", b.bot_id, it_str(c, "id"));
	char *bd_b = it_fmt("/bots/%s/mcp-ops/batch-delete", b.bot_id);
	json_decref(call("GET", via_b, NULL, b.owner.ident, 404));
	json_decref(
		call("PUT", via_b, "{\"name\":\"stolen\",\"command\":\"x\"}", b.owner.ident, 404));
	json_decref(call("DELETE", via_b, NULL, b.owner.ident, 404));
	json_decref(call("POST", bd_b, ids, b.owner.ident, 404));
	char *rows = rows_of(a.bot_id);
	ck_assert_str_eq(rows, "c|stdio|{\"command\": \"x\"}|true");
	free(rows);

	/* The admin may do everything. */
	json_t *g = call("GET", item, NULL, bt_admin(), 200);
	ck_assert_str_eq(it_str(g, "name"), "c");
	json_decref(g);
	json_decref(call("GET", exp, NULL, bt_admin(), 200));
	json_decref(call("DELETE", item, NULL, bt_admin(), 204));

	free(via_b);
	free(bd_b);
	free(ids);
	free(bd);
	free(imp);
	free(exp);
	free(item);
	free(list);
	json_decref(c);
	bt_user_free(&nobody);
	bt_user_free(&stranger);
	bt_user_free(&member);
	it_owned_bot_done(&a);
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(import_export_batch)
{
	it_owned_bot a = it_owned_bot_new("personal", 0);
	bt_identity o = a.owner.ident;
	char *imp = it_fmt("/bots/%s/mcp-ops/import", a.bot_id),
	     *exp = it_fmt("/bots/%s/mcp-ops/export", a.bot_id);
	char *bd = it_fmt("/bots/%s/mcp-ops/batch-delete", a.bot_id),
	     *list = mcp_path(a.bot_id, "");

	json_t *r = call(
		"PUT", imp,
		"{\"mcpServers\":{\"fs\":{\"command\":\"npx\",\"args\":[\"-y\",\"@mcp/fs\"],\"env\":{\"K\":\"v\"}},"
		"\"web\":{\"url\":\"https://h/sse\",\"transport\":\"sse\",\"headers\":{\"X-Key\":\"k\"}},"
		"\"api\":{\"url\":\"https://h/mcp\"}}}",
		o, 200);
	json_t *items = json_object_get(r, "items");
	ck_assert_int_eq(json_array_size(items), 3);
	ck_assert_str_eq(it_str(json_array_get(items, 0), "name"), "api");
	ck_assert_str_eq(it_str(json_array_get(items, 2), "type"), "sse");
	json_decref(r);

	/* Deactivate one; importing again updates config and type but keeps is_active. */
	r = call("GET", list, NULL, o, 200);
	const char *fs_id = NULL;
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(r, "items"), i,
			   e) if (strcmp(it_str(e, "name"), "fs") == 0) fs_id = it_str(e, "id");
	ck_assert_ptr_nonnull(fs_id);
	char *fs_path = it_fmt("%s/%s", list, fs_id);
	json_decref(call("PUT", fs_path,
			 "{\"name\":\"fs\",\"command\":\"npx\",\"is_active\":false}", o, 200));
	json_t *r2 = call(
		"PUT", imp,
		"{\"mcpServers\":{\"fs\":{\"url\":\"https://h/fs\"},\"new\":{\"command\":\"y\"}}}",
		o, 200);
	ck_assert_int_eq(json_array_size(json_object_get(r2, "items")), 2);
	json_decref(r2);
	char *rows = rows_of(a.bot_id);
	ck_assert_msg(strstr(rows, "fs|http|{\"url\": \"https://h/fs\"}|false") &&
			      strstr(rows, "new|stdio|") && strstr(rows, "api|http|"),
		      "%s", rows);
	free(rows);
	/* The same id: an import updates in place. */
	json_t *g = call("GET", fs_path, NULL, o, 200);
	ck_assert_str_eq(it_str(g, "type"), "http");
	json_decref(g);

	/* Export: the mcpServers format, sse with its transport. */
	json_t *x = call("GET", exp, NULL, o, 200);
	json_t *servers = json_object_get(x, "mcpServers");
	ck_assert_int_eq(json_object_size(servers), 4);
	ck_assert_str_eq(it_str(json_object_get(servers, "web"), "transport"), "sse");
	ck_assert_str_eq(
		it_str(json_object_get(json_object_get(servers, "web"), "headers"), "X-Key"), "k");
	ck_assert_str_eq(it_str(json_object_get(servers, "new"), "command"), "y");
	/* What export gives, import takes back unchanged. */
	char *again = json_dumps(x, JSON_COMPACT);
	rows = rows_of(a.bot_id);
	json_decref(call("PUT", imp, again, o, 200));
	char *rows2 = rows_of(a.bot_id);
	ck_assert_str_eq(rows, rows2);
	free(rows2);
	free(again);
	json_decref(x);

	/* Bad imports change nothing: one bad entry among good ones, bad shapes, too many. */
	const char *bad_imports[] = {
		"{\"mcpServers\":{\"ok\":{\"command\":\"z\"},\"bad\":{\"url\":\"file:///etc/passwd\"}}}",
		"{\"mcpServers\":{\"fs\":{\"command\":\"z\"},\"fs \":{\"command\":\"w\"}}}",
		"{\"mcpServers\":[]}",
		"{\"mcpServers\":{\"a/b\":{\"command\":\"z\"}}}",
		"not json",
	};
	for (size_t k = 0; k < sizeof bad_imports / sizeof bad_imports[0]; k++)
		json_decref(call("PUT", imp, bad_imports[k], o, 400));
	json_t *many = json_pack("{s:{}}", "mcpServers");
	for (int n = 0; n < 126; n++) {
		char name[16];
		snprintf(name, sizeof name, "m%d", n);
		json_object_set_new(json_object_get(many, "mcpServers"), name,
				    json_pack("{s:s}", "command", "x"));
	}
	char *many_text = json_dumps(many, JSON_COMPACT);
	char *code = call_code("PUT", imp, many_text, o, 413); /* 4 + 126 > 128 */
	free(code);
	free(many_text);
	json_decref(many);
	rows2 = rows_of(a.bot_id);
	ck_assert_str_eq(rows, rows2);
	free(rows2);

	/* Batch delete: all or nothing; a foreign or unknown id deletes nothing (404). */
	it_owned_bot b = it_owned_bot_new("personal", 0);
	char *their_list = mcp_path(b.bot_id, "");
	json_t *theirs = call("POST", their_list, "{\"name\":\"t\",\"command\":\"x\"}",
			      b.owner.ident, 201);
	free(their_list);
	json_decref(r);
	r = call("GET", list, NULL, o, 200);
	char *all = strdup("{\"ids\":[");
	json_array_foreach(json_object_get(r, "items"), i, e)
	{
		char *n = it_fmt("%s%s\"%s\"", all, i ? "," : "", it_str(e, "id"));
		free(all);
		all = n;
	}
	char *with_foreign = it_fmt("%s,\"%s\"]}", all, it_str(theirs, "id"));
	char *with_unknown = it_fmt("%s,\"00000000-0000-4000-8000-000000000000\"]}", all);
	json_decref(call("POST", bd, with_foreign, o, 404));
	json_decref(call("POST", bd, with_unknown, o, 404));
	json_decref(call("POST", bd, "{\"ids\":[]}", o, 400));
	json_decref(call("POST", bd, "{\"ids\":[\"x\"]}", o, 400));
	json_decref(call("POST", bd, NULL, o, 400));
	rows2 = rows_of(a.bot_id);
	ck_assert_str_eq(rows, rows2);
	free(rows2);
	char *mine = it_fmt("%s]}", all);
	json_decref(call("POST", bd, mine, o, 204));
	rows2 = rows_of(a.bot_id);
	ck_assert_str_eq(rows2, "");
	free(rows2);
	char *their_rows = rows_of(b.bot_id);
	ck_assert_msg(strstr(their_rows, "t|stdio|"), "the other bot's connection was touched: %s",
		      their_rows);
	free(their_rows);
	/* An empty import is fine and changes nothing. */
	r2 = call("PUT", imp, "{\"mcpServers\":{}}", o, 200);
	ck_assert_int_eq(json_array_size(json_object_get(r2, "items")), 0);
	json_decref(r2);

	free(mine);
	free(with_foreign);
	free(with_unknown);
	free(all);
	json_decref(r);
	json_decref(theirs);
	free(rows);
	free(fs_path);
	free(imp);
	free(exp);
	free(bd);
	free(list);
	it_owned_bot_done(&a);
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(bad_input_changes_nothing)
{
	it_owned_bot a = it_owned_bot_new("personal", 0);
	bt_identity o = a.owner.ident;
	char *list = mcp_path(a.bot_id, "");
	json_t *c = call("POST", list,
			 "{\"name\":\"keep\",\"url\":\"https://h/mcp\",\"headers\":{\"A\":\"b\"}}",
			 o, 201);
	char *item = it_fmt("%s/%s", list, it_str(c, "id"));
	char *before = rows_of(a.bot_id);

	static const struct {
		const char *body, *code;
	} bad[] = {
		{ "{\"command\":\"x\"}", "invalid_argument" },
		{ "{\"name\":\"\",\"command\":\"x\"}", "invalid_argument" },
		{ "{\"name\":\"a\\u0000b\",\"command\":\"x\"}", "invalid_json" },
		{ "{\"name\":\"a\"}", "invalid_argument" },
		{ "{\"name\":\"a\",\"command\":\"x\",\"url\":\"http://h\"}", "invalid_argument" },
		{ "{\"name\":\"a\",\"url\":\"ftp://h\"}", "invalid_argument" },
		{ "{\"name\":\"a\",\"url\":\"http://h\",\"headers\":{\"X\":\"a\\r\\nB: c\"}}",
		  "invalid_argument" },
		{ "{\"name\":\"a\",\"command\":\"x\",\"env\":{\"1\":\"v\"}}", "invalid_argument" },
		{ "{\"name\":\"a\",\"command\":\"x\",\"is_active\":1}", "invalid_argument" },
		{ "{\"name\":\"a\",\"command\":\"x\",\"extra\":1}", "invalid_argument" },
		{ "[]", "invalid_argument" },
		{ "{\"name\":\"a\",", "invalid_json" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *code = call_code("POST", list, bad[i].body, o, 400);
		ck_assert_msg(strcmp(code, bad[i].code) == 0, "POST %s: code %s", bad[i].body,
			      code);
		free(code);
		code = call_code("PUT", item, bad[i].body, o, 400);
		ck_assert_msg(strcmp(code, bad[i].code) == 0, "PUT %s: code %s", bad[i].body, code);
		free(code);
	}
	/* Not JSON at all: 415. An empty body: 400. */
	bt_response r;
	ck_assert_int_eq(
		bt_request("POST", list, "name=a", "application/x-www-form-urlencoded", o, &r),
		415);
	bt_response_free(&r);
	json_decref(call("POST", list, NULL, o, 400));
	json_decref(call("PUT", item, NULL, o, 400));
	char *after = rows_of(a.bot_id);
	ck_assert_str_eq(before, after);
	free(after);

	/* The per-bot bound: 128 connections, the 129th is 413 and changes nothing. */
	for (int i = 1; i < 128; i++) {
		char *body = it_fmt("{\"name\":\"n%d\",\"command\":\"x\"}", i);
		json_decref(call("POST", list, body, o, 201));
		free(body);
	}
	char *code = call_code("POST", list, "{\"name\":\"over\",\"command\":\"x\"}", o, 413);
	free(code);
	char *sql = it_fmt("SELECT count(*) FROM mcp_connections WHERE bot_id = '%s'", a.bot_id);
	char *n = bt_sql(sql);
	ck_assert_str_eq(n, "128");
	free(n);
	free(sql);

	free(before);
	free(item);
	free(list);
	json_decref(c);
	it_owned_bot_done(&a);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mcp_conn");
	TCase *tc = tcase_create("mcp_conn");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, crud_and_shapes);
	tcase_add_test(tc, access);
	tcase_add_test(tc, import_export_batch);
	tcase_add_test(tc, bad_input_changes_nothing);
	suite_add_tcase(s, tc);
	return it_run_suite(s);
}
