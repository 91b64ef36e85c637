/* The OpenAPI document (openapi/berth.openapi.json, as embedded in berth-fcgi) against the router:
 * every route of http_routes[] is in the document with its auth and its dispatcher errors, and the
 * document has no path or method the router lacks; every error response is Berth's error body;
 * the code enum holds every code of include/berth/err.h and of the HTTP layer; GET and HEAD
 * /openapi.json serve it; and the schema check of the tests (test/lib/bt_schema.h) holds. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/authz.h"
#include "berth/err.h"
#include "berth/http_dispatch.h"
#include "berth/http_request.h"
#include "berth/http_response.h"
#include "berth/http_routes.h"
#include "berth/http_openapi.h"
#include "bt_schema.h"

static json_t *doc;

static void setup(void)
{
	json_error_t jerr;

	doc = json_loadb(http_openapi_json, http_openapi_json_len, JSON_REJECT_DUPLICATES, &jerr);
	ck_assert_msg(doc != NULL, "the embedded document is not JSON: %s (line %d)", jerr.text,
		      jerr.line);
}

static void teardown(void)
{
	json_decref(doc);
}

static const char *const methods[] = { "get",	  "put",  "post",  "delete",
				       "options", "head", "patch", "trace" };

static void lower(const char *in, char *out, size_t n)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < n; i++)
		out[i] = (char)(in[i] >= 'A' && in[i] <= 'Z' ? in[i] - 'A' + 'a' : in[i]);
	out[i] = '\0';
}

static const json_t *operation(const char *method, const char *pattern)
{
	char key[512], m[16];

	ck_assert_int_eq(bt_schema_path_key(pattern, key, sizeof key), 0);
	lower(method, m, sizeof m);
	return json_object_get(json_object_get(json_object_get(doc, "paths"), key), m);
}

/* Appends one finding to a list, so one run names every difference. */
static void note(char *list, size_t n, const char *fmt, const char *a, const char *b)
{
	size_t used = strlen(list);

	if (used + 1 < n)
		snprintf(list + used, n - used, fmt, a, b);
}

START_TEST(test_every_route_is_documented)
{
	char missing[8192] = "";

	for (size_t i = 0; i < http_routes_count; i++) {
		const struct http_route *r = &http_routes[i];
		const json_t *op = operation(r->method, r->pattern), *responses;
		const char *auth;

		if (!op) {
			note(missing, sizeof missing,
			     "\n  %s %s is in app/http/routes.c, not in the document", r->method,
			     r->pattern);
			continue;
		}
		auth = json_string_value(json_object_get(op, "x-berth-auth"));
		if (!auth || strcmp(auth, r->auth == HTTP_AUTH_USER ? "user" : "none") != 0)
			note(missing, sizeof missing,
			     "\n  %s %s: x-berth-auth differs from the route's auth", r->method,
			     r->pattern);
		responses = json_object_get(op, "responses");
		if (r->auth == HTTP_AUTH_USER &&
		    (!json_object_get(responses, "401") || !json_object_get(responses, "503")))
			note(missing, sizeof missing,
			     "\n  %s %s: a user route must document 401 and 503", r->method,
			     r->pattern);
		if (r->bot_policy &&
		    (!json_object_get(responses, "400") || !json_object_get(responses, "403") ||
		     !json_object_get(responses, "404")))
			note(missing, sizeof missing,
			     "\n  %s %s: a bot route must document 400, 403 and 404", r->method,
			     r->pattern);
	}
	ck_assert_msg(missing[0] == '\0', "routes and document differ:%s", missing);
}
END_TEST

START_TEST(test_document_has_nothing_else)
{
	char extra[8192] = "";
	const char *key;
	const json_t *item;

	json_object_foreach(json_object_get(doc, "paths"), key, item)
	{
		const char *m;
		const json_t *op;

		json_object_foreach((json_t *)item, m, op)
		{
			bool is_method = false, found = false;
			for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
				is_method = is_method || strcmp(m, methods[i]) == 0;
			if (!is_method)
				continue; /* parameters, summary, ... */
			for (size_t i = 0; i < http_routes_count && !found; i++) {
				char k[512], lm[16];
				ck_assert_int_eq(
					bt_schema_path_key(http_routes[i].pattern, k, sizeof k), 0);
				lower(http_routes[i].method, lm, sizeof lm);
				found = strcmp(k, key) == 0 && strcmp(lm, m) == 0;
			}
			if (!found)
				note(extra, sizeof extra,
				     "\n  %s %s is in the document, not in the router", m, key);
		}
	}
	ck_assert_msg(extra[0] == '\0',
		      "the document has routes the router lacks (HEAD is implied by GET):%s",
		      extra);
}
END_TEST

/* A $ref into the document, followed; NULL when it does not resolve. */
static const json_t *deref(const json_t *node)
{
	const char *ref = json_string_value(json_object_get(node, "$ref"));
	const char *p;
	char token[128];
	const json_t *at = doc;

	if (!ref)
		return node;
	if (strncmp(ref, "#/", 2) != 0)
		return NULL;
	for (p = ref + 2; at && *p;) {
		size_t n = strcspn(p, "/");
		if (n >= sizeof token)
			return NULL;
		memcpy(token, p, n);
		token[n] = '\0';
		at = json_object_get(at, token);
		p += n + (p[n] == '/');
	}
	return at;
}

static bool names_error_schema(const json_t *schema)
{
	const json_t *sub;
	size_t i;

	if (json_is_string(json_object_get(schema, "$ref")))
		return strcmp(json_string_value(json_object_get(schema, "$ref")),
			      "#/components/schemas/Error") == 0 ||
		       names_error_schema(deref(schema));
	json_array_foreach(json_object_get(schema, "anyOf"), i,
			   sub) if (names_error_schema(sub)) return true;
	json_array_foreach(json_object_get(schema, "allOf"), i,
			   sub) if (names_error_schema(sub)) return true;
	return false;
}

/* Each {name} of a path has a path parameter of that name, and every error response of an
 * operation is Berth's error body (or, for the JSON-RPC routes, may be a JSON-RPC reply). */
START_TEST(test_params_and_error_bodies)
{
	char bad[8192] = "";
	const char *key;
	const json_t *item;

	json_object_foreach(json_object_get(doc, "paths"), key, item)
	{
		const char *m;
		const json_t *op;

		json_object_foreach((json_t *)item, m, op)
		{
			const char *p = key, *status;
			const json_t *resp;

			while ((p = strchr(p, '{')) != NULL) {
				char name[64];
				size_t n = strcspn(p + 1, "}"), i;
				const json_t *param;
				bool found = false;

				snprintf(name, sizeof name, "%.*s", (int)n, p + 1);
				json_array_foreach(json_object_get(op, "parameters"), i, param)
				{
					const json_t *pr = deref(param);
					found = found || (pr &&
							  strcmp(json_string_value(
									 json_object_get(pr, "in")),
								 "path") == 0 &&
							  strcmp(json_string_value(json_object_get(
									 pr, "name")),
								 name) == 0);
				}
				if (!found)
					note(bad, sizeof bad,
					     "\n  %s %s: a path parameter is not declared", m, key);
				p += n + 1;
			}
			json_object_foreach(json_object_get(op, "responses"), status, resp)
			{
				const json_t *r = deref(resp), *schema;
				if (atoi(status) < 400)
					continue;
				schema = json_object_get(
					json_object_get(json_object_get(r, "content"),
							"application/json"),
					"schema");
				if (!r || !names_error_schema(schema))
					note(bad, sizeof bad,
					     "\n  %s %s: an error response is not the Error schema",
					     m, key);
			}
		}
	}
	ck_assert_msg(bad[0] == '\0', "%s", bad);
}
END_TEST

static bool in_enum(const char *code)
{
	const json_t *e = json_object_get(
			     json_object_get(
				     json_object_get(json_object_get(doc, "components"), "schemas"),
				     "ErrorCode"),
			     "enum"),
		     *v;
	size_t i;

	json_array_foreach(e, i, v) if (strcmp(json_string_value(v), code) == 0) return true;
	return false;
}

START_TEST(test_error_codes_are_in_the_enum)
{
	/* The HTTP layer's own codes (app/http: dispatch, bodies, handlers). */
	static const char *const http_codes[] = {
		"body_incomplete",
		"body_read_failed",
		"invalid_body",
		"invalid_bot_id",
		"invalid_content_length",
		"invalid_json",
		"invalid_path",
		"invalid_query",
		"not_a_file",
		"tool_error",
		"client_certificate_required",
		"bot_access_denied",
		"bot_not_found",
		"method_not_allowed",
		"container_not_running",
		"body_too_large",
		"file_too_large",
		"agent_error",
		"not_ready",
		"admin_required",
		"invalid_cursor",
		"invalid_limit",
		"invalid_request",
	};

	for (int k = BERTH_E_INVALID; k <= BERTH_E_INTERNAL; k++)
		ck_assert_msg(in_enum(berth_errkind_code((berth_errkind)k)),
			      "kind code %s is not in ErrorCode",
			      berth_errkind_code((berth_errkind)k));
	for (int c = BERTH_EC_NONE + 1; c < BERTH_EC__COUNT; c++)
		ck_assert_msg(in_enum(berth_errcode_name((berth_errcode)c)),
			      "sub-code %s is not in ErrorCode",
			      berth_errcode_name((berth_errcode)c));
	for (size_t i = 0; i < sizeof http_codes / sizeof http_codes[0]; i++)
		ck_assert_msg(in_enum(http_codes[i]), "HTTP code %s is not in ErrorCode",
			      http_codes[i]);
}
END_TEST

static long no_body(void *arg, char *buf, size_t n)
{
	(void)arg, (void)buf, (void)n;
	return 0;
}

static int no_identity(void *arg, const char *subject, struct http_caller *caller, berth_err *err)
{
	(void)arg, (void)subject, (void)caller;
	return berth_err_set(err, BERTH_E_UNAUTHENTICATED, "no identities in this test");
}

/* GET /openapi.json through the real route table serves the document; HEAD matches it too. */
START_TEST(test_served_by_the_route_table)
{
	const struct http_server srv = { .routes = http_routes,
					 .n_routes = http_routes_count,
					 .max_body_bytes = 1000,
					 .request_timeout_ms = 5000,
					 .identify = no_identity };
	char *get[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/openapi.json", NULL };
	char *head[] = { "REQUEST_METHOD=HEAD", "REQUEST_URI=/openapi.json", NULL };
	struct http_req req;
	struct http_resp resp;

	http_resp_init(&resp);
	http_handle(&srv, get, no_body, NULL, &req, &resp);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_uint_eq(resp.body_len, http_openapi_json_len);
	ck_assert_int_eq(memcmp(resp.body, http_openapi_json, resp.body_len), 0);
	ck_assert_str_eq(resp.content_type, "application/json");
	http_req_release(&req);
	http_resp_free(&resp);

	http_resp_init(&resp);
	http_handle(&srv, head, no_body, NULL, &req, &resp);
	ck_assert_int_eq(resp.status, 200);
	http_req_release(&req);
	http_resp_free(&resp);
}
END_TEST

/* The schema check the integration tests use, on bodies whose verdict is known. */
START_TEST(test_schema_check)
{
	char why[1024];
	json_t *ok = json_pack("{s:s,s:s}", "message", "bot not found", "code", "bot_not_found");
	json_t *bad_code = json_pack("{s:s,s:s}", "message", "x", "code", "no_such_code");
	json_t *no_msg = json_pack("{s:s}", "code", "not_found");
	json_t *me = json_pack("{s:s,s:s,s:s}", "user_id", "0b6e3f0e-6b7a-4c39-9f3e-1c2d3e4f5a6b",
			       "username", "a", "role", "member");
	json_t *me_extra = json_pack("{s:s,s:s,s:s,s:i}", "user_id",
				     "0b6e3f0e-6b7a-4c39-9f3e-1c2d3e4f5a6b", "username", "a",
				     "role", "member", "x", 1);
	json_t *me_bad_id = json_pack("{s:s,s:s,s:s}", "user_id", "nope", "username", "a", "role",
				      "member");
	json_t *list = json_pack("{s:[{s:s,s:s,s:s,s:s,s:s,s:s,s:s}]}", "snapshots", "snapshotter",
				 "overlayfs", "name", "n", "kind", "Committed", "created_at", "t",
				 "updated_at", "t", "source", "manual", "parent", "p");
	json_t *list_bad = json_pack("{s:s,s:[{s:s}]}", "snapshotter", "overlayfs", "snapshots",
				     "name", "n");
	json_t *rpc = json_pack("{s:s,s:i,s:{s:i,s:s}}", "jsonrpc", "2.0", "id", 1, "error", "code",
				-32000, "message", "m");

	ck_assert_int_eq(bt_schema_check_response(doc, "GET", "/bots/:bot_id/container", 404, ok,
						  why, sizeof why),
			 0);
	ck_assert_int_eq(bt_schema_check_response(doc, "GET", "/bots/:bot_id/container", 404,
						  bad_code, why, sizeof why),
			 -1);
	ck_assert_ptr_nonnull(strstr(why, "no_such_code"));
	ck_assert_int_eq(bt_schema_check_response(doc, "GET", "/bots/:bot_id/container", 404,
						  no_msg, why, sizeof why),
			 -1);
	ck_assert_int_eq(bt_schema_check_response(doc, "GET", "/me", 200, me, why, sizeof why), 0);
	ck_assert_int_eq(
		bt_schema_check_response(doc, "get", "/me", 200, me_extra, why, sizeof why), -1);
	ck_assert_int_eq(
		bt_schema_check_response(doc, "GET", "/me", 200, me_bad_id, why, sizeof why), -1);
	ck_assert_int_eq(bt_schema_check_response(doc, "GET", "/me", 418, me, why, sizeof why), -1);
	ck_assert_int_eq(bt_schema_check_response(doc, "PATCH", "/me", 200, me, why, sizeof why),
			 -1);
	ck_assert_int_eq(bt_schema_check_response(doc, "GET", "/container/snapshots", 200, list,
						  why, sizeof why),
			 -1);
	ck_assert_ptr_nonnull(strstr(why, "snapshotter"));
	ck_assert_int_eq(json_object_set_new(list, "snapshotter", json_string("overlayfs")), 0);
	ck_assert_msg(bt_schema_check_response(doc, "GET", "/container/snapshots", 200, list, why,
					       sizeof why) == 0,
		      "%s", why);
	ck_assert_int_eq(bt_schema_check_response(doc, "GET", "/container/snapshots", 200, list_bad,
						  why, sizeof why),
			 -1);
	ck_assert_int_eq(bt_schema_check_response(doc, "DELETE", "/bots/:bot_id/container", 204,
						  NULL, why, sizeof why),
			 0);
	ck_assert_int_eq(bt_schema_check_response(doc, "DELETE", "/bots/:bot_id/container", 204, ok,
						  why, sizeof why),
			 -1);
	ck_assert_int_eq(bt_schema_check_response(doc, "GET", "/me", 200, NULL, why, sizeof why),
			 -1);
	ck_assert_msg(bt_schema_check_response(doc, "POST", "/bots/:bot_id/tools", 403, rpc, why,
					       sizeof why) == 0,
		      "%s", why);
	ck_assert_msg(bt_schema_check_response(doc, "POST", "/bots/:bot_id/tools", 403, ok, why,
					       sizeof why) == 0,
		      "%s", why);
	ck_assert_int_eq(bt_schema_check_response(doc, "POST", "/bots/:bot_id/tools", 403, me, why,
						  sizeof why),
			 -1);
	/* a concrete path to its operation: literal routes before parameter ones, as in the table */
	ck_assert_str_eq(bt_schema_route_of(doc, "DELETE", "/container/skills"),
			 "/container/skills");
	ck_assert_str_eq(bt_schema_route_of(doc, "DELETE", "/container/mcp-x"), "/container/{id}");
	ck_assert_str_eq(bt_schema_route_of(doc, "get", "/bots/b/mcp/c"),
			 "/bots/{bot_id}/mcp/{id}");
	ck_assert_ptr_null(bt_schema_route_of(doc, "GET", "/container/mcp-x"));
	ck_assert_ptr_null(bt_schema_route_of(doc, "GET", "/bots//container"));
	ck_assert_ptr_null(bt_schema_route_of(doc, "GET", "/bots/b/container/"));
	json_decref(ok);
	json_decref(bad_code);
	json_decref(no_msg);
	json_decref(me);
	json_decref(me_extra);
	json_decref(me_bad_id);
	json_decref(list);
	json_decref(list_bad);
	json_decref(rpc);
}
END_TEST

/* Every schema in the document (components and each "schema" of a parameter, body or response)
 * uses only keywords the check knows, so the response checks never skip part of a schema. */
static void keywords_everywhere(const json_t *node, const char *where, char *bad, size_t n)
{
	const char *key;
	const json_t *v;
	size_t i;
	char why[512];

	if (json_is_array(node)) {
		json_array_foreach(node, i, v) keywords_everywhere(v, where, bad, n);
		return;
	}
	json_object_foreach((json_t *)node, key, v)
	{
		if (strcmp(key, "schema") == 0 && bt_schema_keywords_check(v, why, sizeof why) < 0)
			note(bad, n, "\n  %s: %s", where, why);
		else if (json_is_object(v) || json_is_array(v))
			keywords_everywhere(v, strcmp(where, "paths") == 0 ? key : where, bad, n);
	}
}

START_TEST(test_schemas_use_checked_keywords)
{
	const char *name;
	const json_t *schema;
	char why[512], bad[8192] = "";

	json_object_foreach(json_object_get(json_object_get(doc, "components"), "schemas"), name,
			    schema) if (bt_schema_keywords_check(schema, why, sizeof why) < 0)
		note(bad, sizeof bad, "\n  schema %s: %s", name, why);
	keywords_everywhere(json_object_get(doc, "paths"), "paths", bad, sizeof bad);
	keywords_everywhere(json_object_get(json_object_get(doc, "components"), "parameters"),
			    "parameters", bad, sizeof bad);
	keywords_everywhere(json_object_get(json_object_get(doc, "components"), "responses"),
			    "responses", bad, sizeof bad);
	ck_assert_msg(bad[0] == '\0', "%s", bad);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("openapi");
	TCase *tc = tcase_create("document");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_every_route_is_documented);
	tcase_add_test(tc, test_document_has_nothing_else);
	tcase_add_test(tc, test_params_and_error_bodies);
	tcase_add_test(tc, test_error_codes_are_in_the_enum);
	tcase_add_test(tc, test_served_by_the_route_table);
	tcase_add_test(tc, test_schema_check);
	tcase_add_test(tc, test_schemas_use_checked_keywords);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
