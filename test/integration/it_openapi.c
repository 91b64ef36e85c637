/* it_openapi.c: issue #11, Berth's responses against its OpenAPI document, on the real stack through
 * nginx with client certificates. The document is fetched from GET /openapi.json (and must be the
 * one in the tree); every response of the main routes (a bot's container, stop/start, snapshots and
 * rollback, skills, the tools gateway, exec, files, MCP connections, the older /container routes)
 * and of their common errors is checked against the schema the document gives for that route and
 * status (test/lib/bt_schema.h): an undocumented status, a body the document does not describe, or
 * a body that breaks its schema fails the test. */
#define _GNU_SOURCE
#include "it_tools_common.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bt_schema.h"

#ifndef BERTH_OPENAPI_DOC
#error "BERTH_OPENAPI_DOC (the document in the source tree) must be defined"
#endif

static json_t *doc; /* the served document, per test (Check forks each) */

static void load_doc(void)
{
	bt_response r;
	json_error_t jerr;
	json_t *file;

	ck_assert_int_eq(bt_request("GET", "/openapi.json", NULL, NULL, bt_admin(), &r), 200);
	doc = bt_json(&r);
	file = json_load_file(BERTH_OPENAPI_DOC, JSON_REJECT_DUPLICATES, &jerr);
	ck_assert_msg(file != NULL, "%s: %s", BERTH_OPENAPI_DOC, jerr.text);
	ck_assert_msg(json_equal(doc, file), "GET /openapi.json is not %s", BERTH_OPENAPI_DOC);
	json_decref(file);
	bt_response_free(&r);
}

static void drop_doc(void)
{
	json_decref(doc);
	doc = NULL;
}

/* The document gives content of media type ct for this response. */
static bool documents_media(const char *method, const char *pattern, long status, const char *ct)
{
	char key[512], m[16], code[16];
	const json_t *resp;
	size_t i;

	ck_assert_int_eq(bt_schema_path_key(pattern, key, sizeof key), 0);
	for (i = 0; method[i] && i + 1 < sizeof m; i++)
		m[i] = (char)(method[i] | 0x20);
	m[i] = '\0';
	snprintf(code, sizeof code, "%ld", status);
	resp = json_object_get(
		json_object_get(
			json_object_get(json_object_get(json_object_get(doc, "paths"), key), m),
			"responses"),
		code);
	return json_object_get(json_object_get(resp, "content"), ct) != NULL;
}

/* Asserts the status, then holds the response against the document: a JSON body against the
 * schema of (method, pattern, status), another body's media type as documented, no body as a
 * response without content. Returns the parsed JSON body (NEW) or NULL. Frees r. */
static json_t *check(const char *method, const char *pattern, bt_response *r, long want)
{
	char why[1024], *ct;
	json_t *body = NULL;

	ck_assert_msg(r->status == want, "%s %s: %ld (want %ld) %.400s", method, pattern, r->status,
		      want, r->body);
	ct = bt_header(r, "Content-Type");
	if (r->body_len > 0 && ct && strncmp(ct, "application/json", 16) == 0) {
		body = bt_json(r);
		ck_assert_msg(bt_schema_check_response(doc, method, pattern, want, body, why,
						       sizeof why) == 0,
			      "%s\n  body: %.600s", why, r->body);
	} else if (r->body_len > 0) {
		ck_assert_msg(ct && documents_media(method, pattern, want, ct),
			      "%s %s %ld: a %s body is not documented", method, pattern, want,
			      ct ? ct : "(no type)");
	} else {
		ck_assert_msg(bt_schema_check_response(doc, method, pattern, want, NULL, why,
						       sizeof why) == 0,
			      "%s", why);
	}
	free(ct);
	bt_response_free(r);
	return body;
}

/* One request (JSON body or NULL) on a concrete path, checked against the route's pattern. */
static json_t *call(const char *method, const char *pattern, const char *path, const char *body,
		    bt_identity id, long want)
{
	bt_response r;

	bt_request(method, path, body, body ? "application/json" : NULL, id, &r);
	return check(method, pattern, &r, want);
}

/* call on /bots/<bot><suffix>, checked against the pattern "/bots/:bot_id<route>". */
static json_t *bot_at(const char *method, const char *bot_id, const char *suffix, const char *route,
		      const char *body, bt_identity id, long want)
{
	char *path = it_fmt("/bots/%s%s", bot_id, suffix),
	     *pattern = it_fmt("/bots/:bot_id%s", route);
	json_t *j = call(method, pattern, path, body, id, want);

	free(path);
	free(pattern);
	return j;
}

/* bot_at whose route is the suffix without its query (no :params after the bot's id). */
static json_t *bot(const char *method, const char *bot_id, const char *suffix, const char *body,
		   bt_identity id, long want)
{
	char *route = it_fmt("%.*s", (int)strcspn(suffix, "?"), suffix);
	json_t *j = bot_at(method, bot_id, suffix, route, body, id, want);

	free(route);
	return j;
}

/* An MCP message to the tools gateway, checked. */
static json_t *mcp(const char *bot_id, const char *body, const char *const *headers, bt_identity id,
		   long want)
{
	bt_response r;

	it_mcp_post(bot_id, body, "application/json", headers, id, &r);
	return check("POST", "/bots/:bot_id/tools", &r, want);
}

START_TEST(service_routes)
{
	bt_user u = bt_user_new("oa-svc", 0);
	bt_user stranger = bt_cert_new("oa-nobody", "/O=Berth Test/CN=oa-nobody");
	bt_response r;

	load_doc();
	json_decref(call("GET", "/health", "/health", NULL, u.ident, 200));
	json_decref(call("GET", "/ready", "/ready", NULL, u.ident, 200));
	json_decref(call("GET", "/me", "/me", NULL, u.ident, 200));
	json_decref(call("GET", "/openapi.json", "/openapi.json", NULL, u.ident, 200));
	json_decref(call("GET", "/openapi.json", "/openapi.json?x=%zz", NULL, u.ident,
			 400));						   /* invalid_query */
	json_decref(call("GET", "/me", "/me", NULL, stranger.ident, 401)); /* unknown_identity */
	/* HEAD of the document: the GET's headers, no body. */
	ck_assert_int_eq(bt_request("HEAD", "/openapi.json", NULL, NULL, u.ident, &r), 200);
	ck_assert_uint_eq(r.body_len, 0);
	bt_response_free(&r);
	bt_user_free(&stranger);
	bt_user_free(&u);
	drop_doc();
}
END_TEST

START_TEST(container_snapshots_skills)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	bt_user other = bt_user_new("oa-other", 0);
	bt_identity o = b.owner.ident;
	json_t *j;

	load_doc();
	json_decref(bot("GET", b.bot_id, "/container", NULL, o, 404));
	json_decref(bot("GET", b.bot_id, "/container", NULL, other.ident, 403));
	json_decref(
		call("GET", "/bots/:bot_id/container", "/bots/not-a-uuid/container", NULL, o, 400));
	json_decref(call("GET", "/bots/:bot_id/container",
			 "/bots/00000000-0000-4000-8000-000000000000/container", NULL, o, 404));
	json_decref(bot("POST", b.bot_id, "/container", "{\"snapshotter\": 7}", o, 400));
	json_decref(bot("POST", b.bot_id, "/container", "not json", o, 400));
	json_decref(bot("POST", b.bot_id, "/container", NULL, o, 200));
	j = bot("GET", b.bot_id, "/container", NULL, o, 200);
	ck_assert(json_is_true(json_object_get(j, "task_running")));
	json_decref(j);
	json_decref(bot("POST", b.bot_id, "/container/stop", NULL, o, 200));
	json_decref(bot("GET", b.bot_id, "/container", NULL, o, 200));
	json_decref(bot("POST", b.bot_id, "/container/start", NULL, o, 200));
	json_decref(bot("POST", b.bot_id, "/container/snapshots", "{\"snapshot_name\":\"oa-one\"}",
			o, 200));
	json_decref(bot("POST", b.bot_id, "/container/snapshots", NULL, o, 200));
	json_decref(bot("POST", b.bot_id, "/container/snapshots", "{\"snapshot_name\":\"oa-one\"}",
			o, 409));
	j = bot("GET", b.bot_id, "/container/snapshots", NULL, o, 200);
	ck_assert_int_ge(json_array_size(json_object_get(j, "snapshots")), 2);
	json_decref(j);
	json_decref(
		bot("GET", b.bot_id, "/container/snapshots?snapshotter=bad%20name", NULL, o, 400));
	json_decref(bot("POST", b.bot_id, "/container/snapshots/rollback",
			"{\"snapshot_name\":\"oa-one\"}", o, 200));
	json_decref(bot("POST", b.bot_id, "/container/snapshots/rollback",
			"{\"snapshot_name\":\"oa-none\"}", o, 404));
	json_decref(bot("POST", b.bot_id, "/container/snapshots/rollback", "{}", o, 400));

	json_decref(bot(
		"POST", b.bot_id, "/container/skills",
		"{\"skills\":[{\"name\":\"oa-skill\",\"description\":\"d\",\"content\":\"---\\nname: oa-skill\\n---\\nbody\"}]}",
		o, 200));
	j = bot("GET", b.bot_id, "/container/skills", NULL, o, 200);
	ck_assert_int_eq(json_array_size(json_object_get(j, "skills")), 1);
	json_decref(j);
	json_decref(bot("POST", b.bot_id, "/container/skills", "{\"skills\":[{\"name\":\"../x\"}]}",
			o, 400));
	json_decref(
		bot("DELETE", b.bot_id, "/container/skills", "{\"names\":[\"oa-skill\"]}", o, 200));

	json_decref(bot("DELETE", b.bot_id, "/container?purge_snapshots=maybe", NULL, o, 400));
	json_decref(bot("DELETE", b.bot_id, "/container?purge_snapshots=true", NULL, o, 204));
	json_decref(bot("POST", b.bot_id, "/container/start", NULL, o, 404));
	free(b.bot_id);
	b.bot_id = NULL; /* deleted above */
	it_owned_bot_done(&b);
	bt_user_free(&other);
	drop_doc();
}
END_TEST

START_TEST(tools_exec_files_compat)
{
	it_owned_bot b = it_running_bot("personal", 0);
	bt_identity o = b.owner.ident;
	const char *const bad_accept[] = { "Accept: text/plain", NULL };
	char *p;
	json_t *j;
	bt_response r;

	load_doc();
	/* the MCP gateway */
	json_decref(mcp(
		b.bot_id,
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\"}}",
		NULL, o, 200));
	j = mcp(b.bot_id, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}", NULL, o, 200);
	ck_assert(json_is_array(json_object_get(json_object_get(j, "result"), "tools")));
	json_decref(j);
	json_decref(mcp(b.bot_id, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"no/such\"}", NULL, o,
			200));
	json_decref(mcp(b.bot_id, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
			NULL, o, 202));
	json_decref(mcp(b.bot_id, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"ping\"}", bad_accept,
			o, 406));
	json_decref(mcp(b.bot_id, "[1,2]", NULL, o, 400));

	/* exec and files */
	j = bot("POST", b.bot_id, "/container/exec", "{\"command\":\"echo oa\"}", o, 200);
	ck_assert_str_eq(it_str(j, "stdout"), "oa\n");
	json_decref(j);
	json_decref(bot("POST", b.bot_id, "/container/exec", "[]", o, 400));
	p = it_fmt("/bots/%s/container/files?path=oa/f.txt", b.bot_id);
	bt_request_ex("PUT", p, "hello", 5, "application/octet-stream", NULL, o, &r);
	json_decref(check("PUT", "/bots/:bot_id/container/files", &r, 200));
	bt_request("GET", p, NULL, NULL, o, &r);
	ck_assert_str_eq(r.body, "hello");
	json_decref(check("GET", "/bots/:bot_id/container/files", &r, 200));
	free(p);
	json_decref(
		bot("GET", b.bot_id, "/container/files/list?path=oa&recursive=true", NULL, o, 200));
	json_decref(
		bot("GET", b.bot_id, "/container/files?path=oa", NULL, o, 400)); /* a directory */
	json_decref(bot("GET", b.bot_id, "/container/files", NULL, o, 400));
	json_decref(bot("GET", b.bot_id, "/container/files?path=oa/none", NULL, o, 404));
	json_decref(
		bot("DELETE", b.bot_id, "/container/files?path=oa&recursive=true", NULL, o, 204));

	/* the older /container routes on the same bot */
	j = call("GET", "/container/list", "/container/list", NULL, o, 200);
	ck_assert_int_eq(json_array_size(json_object_get(j, "containers")), 1);
	json_decref(j);
	p = it_fmt("{\"container_id\":\"%s\"}", b.ctr_id);
	json_decref(call("POST", "/container", "/container", p, o, 200));
	free(p);
	json_decref(call("POST", "/container", "/container",
			 "{\"image\":\"docker.io/library/other:1\"}", o, 403));
	p = it_fmt("/container/skills?container_id=%s", b.ctr_id);
	json_decref(call("POST", "/container/skills", p,
			 "{\"skills\":[{\"name\":\"oa-old\",\"content\":\"x\"}]}", o, 200));
	json_decref(call("GET", "/container/skills", p, NULL, o, 200));
	json_decref(call("DELETE", "/container/skills", p, "{\"names\":[\"oa-old\"]}", o, 200));
	free(p);
	json_decref(call("GET", "/container/skills", "/container/skills?container_id=mcp-nope",
			 NULL, o, 404));
	p = it_fmt("{\"container_id\":\"%s\",\"snapshot_name\":\"oa-old-snap\"}", b.ctr_id);
	json_decref(call("POST", "/container/snapshots", "/container/snapshots", p, o, 200));
	free(p);
	p = it_fmt("/container/snapshots?container_id=%s", b.ctr_id);
	json_decref(call("GET", "/container/snapshots", p, NULL, o, 200));
	free(p);
	p = it_fmt("/container/fs/%s", b.ctr_id);
	j = call("POST", "/container/fs/:id", p,
		 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}", o, 200);
	ck_assert_ptr_nonnull(json_object_get(j, "result"));
	json_decref(j);
	json_decref(call("POST", "/container/fs/:id", p,
			 "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"tools/list\"}", o, 200));
	free(p);
	p = it_fmt("/container/%s", b.ctr_id);
	json_decref(call("DELETE", "/container/:id", p, NULL, o, 204));
	free(p);
	it_owned_bot_done(&b);
	drop_doc();
}
END_TEST

START_TEST(mcp_connections)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	bt_identity o = b.owner.ident;
	json_t *j;
	char *id, *one, *two, *ids;

	load_doc();
	j = bot("POST", b.bot_id, "/mcp",
		"{\"name\":\"oa-http\",\"url\":\"https://mcp.invalid/x\",\"headers\":{\"X-K\":\"v\"}}",
		o, 201);
	id = strdup(it_str(j, "id"));
	json_decref(j);
	j = bot("POST", b.bot_id, "/mcp",
		"{\"name\":\"oa-stdio\",\"command\":\"srv\",\"args\":[\"-v\"]}", o, 201);
	two = it_fmt("/mcp/%s", it_str(j, "id"));
	json_decref(j);
	json_decref(bot("POST", b.bot_id, "/mcp",
			"{\"name\":\"oa-http\",\"url\":\"https://mcp.invalid/y\"}", o, 409));
	json_decref(
		bot("POST", b.bot_id, "/mcp", "{\"name\":\"oa-bad\",\"url\":\"ftp://x\"}", o, 400));
	json_decref(bot("GET", b.bot_id, "/mcp", NULL, o, 200));
	one = it_fmt("/mcp/%s", id);
	json_decref(bot_at("GET", b.bot_id, one, "/mcp/:id", NULL, o, 200));
	json_decref(bot_at(
		"PUT", b.bot_id, one, "/mcp/:id",
		"{\"name\":\"oa-http\",\"url\":\"https://mcp.invalid/z\",\"transport\":\"sse\"}", o,
		200));
	json_decref(bot("GET", b.bot_id, "/mcp-ops/export", NULL, o, 200));
	j = bot("PUT", b.bot_id, "/mcp-ops/import",
		"{\"mcpServers\":{\"oa-imp\":{\"command\":\"x\"}}}", o, 200);
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 1);
	json_decref(j);
	ids = it_fmt("{\"ids\":[\"%s\"]}", id);
	json_decref(bot("POST", b.bot_id, "/mcp-ops/batch-delete", ids, o, 204));
	json_decref(bot("POST", b.bot_id, "/mcp-ops/batch-delete", ids, o, 404));
	json_decref(bot_at("GET", b.bot_id, one, "/mcp/:id", NULL, o, 404));
	json_decref(bot_at("DELETE", b.bot_id, one, "/mcp/:id", NULL, o, 404));
	json_decref(bot_at("GET", b.bot_id, "/mcp/not-a-uuid", "/mcp/:id", NULL, o, 400));
	json_decref(bot_at("DELETE", b.bot_id, two, "/mcp/:id", NULL, o, 204));
	free(two);
	free(ids);
	free(one);
	free(id);
	free(b.bot_id);
	b.bot_id = NULL; /* no container to delete */
	it_owned_bot_done(&b);
	drop_doc();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("openapi");
	TCase *tc = tcase_create("responses");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, service_routes);
	tcase_add_test(tc, container_snapshots_skills);
	tcase_add_test(tc, tools_exec_files_compat);
	tcase_add_test(tc, mcp_connections);
	suite_add_tcase(s, tc);
	return it_run_suite(s);
}
