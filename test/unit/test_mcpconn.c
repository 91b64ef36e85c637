/* test_mcpconn.c: the pure rules of a bot's MCP connections (include/berth/mcpconn.h): names,
 * type inference, field checks, the mcpServers import format, batch ids and the JSON shapes. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "berth/mcpconn.h"

static json_t *J(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, JSON_ALLOW_NUL, &e); /* the domain checks NULs too */
	ck_assert_msg(j, "bad test JSON %s: %s", text, e.text);
	return j;
}

/* Parses an upsert body: 0 and the spec, or -1 and err. */
static int upsert(const char *text, struct mcpconn_spec *spec, berth_err *err)
{
	json_t *body = J(text);
	int rc = mcpconn_parse_upsert(body, spec, err);
	json_decref(body);
	return rc;
}

static void expect_type(const char *text, const char *type)
{
	struct mcpconn_spec spec;
	berth_err err = { 0 };
	ck_assert_msg(upsert(text, &spec, &err) == 0, "%s refused: %s", text, err.msg);
	ck_assert_str_eq(spec.type, type);
	mcpconn_spec_clear(&spec);
}

/* Refused with BERTH_E_INVALID and a message holding want. */
static void expect_invalid(const char *text, const char *want)
{
	struct mcpconn_spec spec;
	berth_err err = { 0 };
	ck_assert_msg(upsert(text, &spec, &err) < 0, "%s accepted", text);
	ck_assert_int_eq(err.kind, BERTH_E_INVALID);
	ck_assert_msg(strstr(err.msg, want), "%s: message \"%s\" lacks \"%s\"", text, err.msg,
		      want);
	ck_assert_ptr_null(spec.config);
}

START_TEST(names)
{
	char out[MCPCONN_NAME_MAX + 1];
	berth_err err = { 0 };
	char big[MCPCONN_NAME_MAX + 2];

	ck_assert_int_eq(mcpconn_name_check("github", out, &err), 0);
	ck_assert_str_eq(out, "github");
	ck_assert_int_eq(mcpconn_name_check("  my server-1.x_y \t", out, &err), 0);
	ck_assert_str_eq(out, "my server-1.x_y");
	ck_assert_int_eq(mcpconn_name_check("", out, &err), -1);
	ck_assert_str_eq(err.msg, "name is required");
	ck_assert_int_eq(mcpconn_name_check("   ", out, &err), -1);
	ck_assert_int_eq(mcpconn_name_check(NULL, out, &err), -1);
	ck_assert_int_eq(mcpconn_name_check("a/b", out, &err), -1);
	ck_assert_int_eq(mcpconn_name_check("a\nb", out, &err), -1);
	ck_assert_int_eq(mcpconn_name_check("caf\xc3\xa9", out, &err), -1);
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ck_assert_int_eq(mcpconn_name_check(big, out, &err), -1);
	big[MCPCONN_NAME_MAX] = '\0';
	ck_assert_int_eq(mcpconn_name_check(big, out, &err), 0);
}
END_TEST

START_TEST(type_inference)
{
	struct mcpconn_spec spec;
	berth_err err = { 0 };

	expect_type("{\"name\":\"a\",\"command\":\"npx\"}", "stdio");
	expect_type("{\"name\":\"a\",\"command\":\"npx\",\"type\":\"stdio\"}", "stdio");
	expect_type("{\"name\":\"a\",\"url\":\"https://x.example/mcp\"}", "http");
	expect_type("{\"name\":\"a\",\"url\":\"http://x\",\"transport\":\"sse\"}", "sse");
	expect_type("{\"name\":\"a\",\"url\":\"http://x\",\"transport\":\" SSE \"}", "sse");
	expect_type("{\"name\":\"a\",\"url\":\"http://x\",\"transport\":\"streamable-http\"}",
		    "http");
	expect_type("{\"name\":\"a\",\"url\":\"http://x\",\"transport\":\"\"}", "http");
	expect_type("{\"name\":\"a\",\"url\":\"HTTP://x:8080/p?q#f\",\"type\":\"sse\"}", "sse");
	expect_type("{\"name\":\"a\",\"url\":\"http://x\",\"command\":null}", "http");

	/* The config holds what the type uses, trimmed; empty args/env are left out. */
	ck_assert_int_eq(
		upsert("{\"name\":\" n \",\"command\":\" npx \",\"args\":[\"-y\",\"srv\"],\"env\":{\"K\":\"v\"},"
		       "\"cwd\":\"/data\",\"is_active\":false}",
		       &spec, &err),
		0);
	ck_assert_str_eq(spec.name, "n");
	ck_assert(!spec.is_active);
	char *c = json_dumps(spec.config, JSON_COMPACT | JSON_SORT_KEYS);
	ck_assert_str_eq(
		c,
		"{\"args\":[\"-y\",\"srv\"],\"command\":\"npx\",\"cwd\":\"/data\",\"env\":{\"K\":\"v\"}}");
	free(c);
	mcpconn_spec_clear(&spec);
	ck_assert_int_eq(
		upsert("{\"name\":\"n\",\"url\":\"https://h/\",\"headers\":{\"Authorization\":\"Bearer s\"},"
		       "\"transport\":\"sse\",\"args\":null}",
		       &spec, &err),
		0);
	ck_assert(spec.is_active);
	c = json_dumps(spec.config, JSON_COMPACT | JSON_SORT_KEYS);
	ck_assert_str_eq(c,
			 "{\"headers\":{\"Authorization\":\"Bearer s\"},\"url\":\"https://h/\"}");
	free(c);
	mcpconn_spec_clear(&spec);
	ck_assert_int_eq(
		upsert("{\"name\":\"n\",\"command\":\"x\",\"args\":[],\"env\":{}}", &spec, &err),
		0);
	c = json_dumps(spec.config, JSON_COMPACT | JSON_SORT_KEYS);
	ck_assert_str_eq(c, "{\"command\":\"x\"}");
	free(c);
	mcpconn_spec_clear(&spec);
}
END_TEST

START_TEST(invalid_fields)
{
	expect_invalid("[]", "request body must be a JSON object");
	expect_invalid("{\"command\":\"x\"}", "name is required");
	expect_invalid("{\"name\":5,\"command\":\"x\"}", "name must be a string");
	expect_invalid("{\"name\":\"a\"}", "command or url is required");
	expect_invalid("{\"name\":\"a\",\"command\":\"x\",\"url\":\"http://h\"}",
		       "mutually exclusive");
	expect_invalid("{\"name\":\"a\",\"command\":\"  \"}", "command must not be empty");
	expect_invalid("{\"name\":\"a\",\"command\":5}", "command must be a string");
	expect_invalid("{\"name\":\"a\",\"command\":\"a\\nb\"}",
		       "command must not hold control characters");
	expect_invalid("{\"name\":\"a\",\"command\":\"x\",\"args\":\"-y\"}",
		       "args must be an array");
	expect_invalid("{\"name\":\"a\",\"command\":\"x\",\"args\":[\"ok\",1]}",
		       "args[1] must be a string");
	expect_invalid("{\"name\":\"a\",\"command\":\"x\",\"args\":[\"a\\u0000b\"]}",
		       "args[0] must not hold NUL");
	expect_invalid("{\"name\":\"a\",\"command\":\"x\",\"env\":[]}", "env must be an object");
	expect_invalid("{\"name\":\"a\",\"command\":\"x\",\"env\":{\"1A\":\"v\"}}",
		       "env: a variable name");
	expect_invalid("{\"name\":\"a\",\"command\":\"x\",\"env\":{\"A-B\":\"v\"}}",
		       "env: a variable name");
	expect_invalid("{\"name\":\"a\",\"command\":\"x\",\"env\":{\"TOKEN\":5}}",
		       "env.TOKEN must be a string");
	expect_invalid("{\"name\":\"a\",\"command\":\"x\",\"cwd\":\"data\"}",
		       "cwd must be an absolute path");
	expect_invalid("{\"name\":\"a\",\"command\":\"x\",\"headers\":{}}",
		       "headers is only for url connections");
	expect_invalid("{\"name\":\"a\",\"command\":\"x\",\"transport\":\"sse\"}",
		       "transport is only for url");
	expect_invalid("{\"name\":\"a\",\"command\":\"x\",\"type\":\"http\"}",
		       "does not fit a command");
	expect_invalid("{\"name\":\"a\",\"url\":\"http://h\",\"env\":{}}",
		       "env is only for command");
	expect_invalid("{\"name\":\"a\",\"url\":\"http://h\",\"cwd\":\"/\"}",
		       "cwd is only for command");
	expect_invalid("{\"name\":\"a\",\"url\":\"http://h\",\"type\":\"stdio\"}",
		       "type stdio needs a command");
	expect_invalid(
		"{\"name\":\"a\",\"url\":\"http://h\",\"type\":\"http\",\"transport\":\"sse\"}",
		"disagree");
	expect_invalid("{\"name\":\"a\",\"url\":\"http://h\",\"transport\":\"ws\"}",
		       "transport must be");
	expect_invalid("{\"name\":\"a\",\"url\":\"http://h\",\"type\":\"grpc\"}", "type must be");
	expect_invalid("{\"name\":\"a\",\"url\":\"ftp://h/x\"}",
		       "url must be an http:// or https:// URL");
	expect_invalid("{\"name\":\"a\",\"url\":\"file:///etc/passwd\"}",
		       "url must be an http:// or https:// URL");
	expect_invalid("{\"name\":\"a\",\"url\":\"javascript:alert(1)\"}",
		       "url must be an http:// or https:// URL");
	expect_invalid("{\"name\":\"a\",\"url\":\"http://\"}",
		       "url must be an http:// or https:// URL");
	expect_invalid("{\"name\":\"a\",\"url\":\"http:///path\"}", "url must name a host");
	expect_invalid("{\"name\":\"a\",\"url\":\"https://a b/\"}", "url must be printable ASCII");
	expect_invalid("{\"name\":\"a\",\"url\":\"https://h\\u00e9/\"}",
		       "url must be printable ASCII");
	expect_invalid("{\"name\":\"a\",\"url\":5}", "url must be a string");
	expect_invalid("{\"name\":\"a\",\"url\":\"http://h\",\"headers\":{\"Bad Name\":\"v\"}}",
		       "headers: a header name");
	expect_invalid("{\"name\":\"a\",\"url\":\"http://h\",\"headers\":{\"X\":[\"v\"]}}",
		       "headers.X must be a string");
	expect_invalid("{\"name\":\"a\",\"url\":\"http://h\",\"is_active\":\"yes\"}",
		       "is_active must be a boolean");
	expect_invalid("{\"name\":\"a\",\"url\":\"http://h\",\"disabled\":true}",
		       "unknown field disabled");
}
END_TEST

/* Secrets: an error about env or headers names the field and key, never the value. */
START_TEST(secrets_stay_out_of_messages)
{
	struct mcpconn_spec spec;
	berth_err err = { 0 };

	ck_assert_int_eq(
		upsert("{\"name\":\"a\",\"url\":\"http://h\",\"headers\":{\"Authorization\":"
		       "\"Bearer SECRET-TOKEN\\r\\nX: y\"}}",
		       &spec, &err),
		-1);
	ck_assert_msg(strstr(err.msg, "headers.Authorization") && !strstr(err.msg, "SECRET"), "%s",
		      err.msg);
	ck_assert_int_eq(
		upsert("{\"name\":\"a\",\"command\":\"x\",\"env\":{\"API_KEY\":\"SECRET\\u0000\"}}",
		       &spec, &err),
		-1);
	ck_assert_msg(strstr(err.msg, "env.API_KEY") && !strstr(err.msg, "SECRET"), "%s", err.msg);
}
END_TEST

START_TEST(bounds)
{
	/* 20 args of 4000 bytes: each allowed, the config over MCPCONN_CONFIG_MAX. */
	size_t cap = 20 * 4010 + 64;
	char *text = malloc(cap), *p = text;
	p += sprintf(p, "{\"name\":\"a\",\"command\":\"x\",\"args\":[");
	for (int i = 0; i < 20; i++) {
		*p++ = i ? ',' : ' ';
		*p++ = '"';
		memset(p, 'a', 4000);
		p += 4000;
		*p++ = '"';
	}
	strcpy(p, "]}");
	expect_invalid(text, "config is larger than");
	/* One arg over 4096. */
	p = text + sprintf(text, "{\"name\":\"a\",\"command\":\"x\",\"args\":[\"");
	memset(p, 'b', 4097);
	strcpy(p + 4097, "\"]}");
	expect_invalid(text, "args[0] is longer than 4096 bytes");
	free(text);
	/* 257 args. */
	text = malloc(257 * 4 + 64);
	p = text + sprintf(text, "{\"name\":\"a\",\"command\":\"x\",\"args\":[");
	for (int i = 0; i < 257; i++)
		p += sprintf(p, "%s\"\"", i ? "," : "");
	strcpy(p, "]}");
	expect_invalid(text, "args has more than 256 items");
	free(text);
}
END_TEST

START_TEST(import_format)
{
	json_t *entries = NULL, *body;
	size_t n;
	berth_err err = { 0 };

	body = J(
		"{\"mcpServers\":{\"fs\":{\"command\":\"npx\",\"args\":[\"-y\",\"@mcp/fs\"]},"
		"\" web \":{\"url\":\"https://h/sse\",\"transport\":\"sse\",\"headers\":{\"X-Key\":\"k\"}},"
		"\"api\":{\"url\":\"https://h/mcp\",\"type\":\"http\"}}}");
	ck_assert_int_eq(mcpconn_parse_import(body, &entries, &n, &err), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(entries, "fs"), "type")),
			 "stdio");
	ck_assert_str_eq(
		json_string_value(json_object_get(json_object_get(entries, "web"), "type")), "sse");
	ck_assert_str_eq(
		json_string_value(json_object_get(json_object_get(entries, "api"), "type")),
		"http");
	ck_assert_ptr_null(json_object_get(
		json_object_get(json_object_get(entries, "web"), "config"), "transport"));
	json_decref(entries);
	json_decref(body);

	body = J("{\"mcpServers\":{}}");
	ck_assert_int_eq(mcpconn_parse_import(body, &entries, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	json_decref(entries);
	json_decref(body);

	static const struct {
		const char *body, *msg;
	} bad[] = {
		{ "{}", "mcpServers is required" },
		{ "{\"mcpServers\":[]}", "mcpServers is required" },
		{ "{\"mcpServers\":{},\"x\":1}", "unknown field x" },
		{ "{\"mcpServers\":{\"a\":{\"command\":\"x\"},\" a\":{\"command\":\"y\"}}}",
		  "mcpServers names a twice" },
		{ "{\"mcpServers\":{\"a/b\":{\"command\":\"x\"}}}",
		  "mcpServers: name may hold only" },
		{ "{\"mcpServers\":{\"\":{\"command\":\"x\"}}}", "mcpServers: name is required" },
		{ "{\"mcpServers\":{\"a\":\"npx\"}}", "mcpServers.a must be a JSON object" },
		{ "{\"mcpServers\":{\"a\":{\"command\":\"x\"},\"b\":{\"url\":\"gopher://h\"}}}",
		  "mcpServers.b: url must be" },
		{ "{\"mcpServers\":{\"a\":{\"name\":\"x\",\"command\":\"x\"}}}",
		  "mcpServers.a: unknown field name" },
		{ "{\"mcpServers\":{\"a\":{\"command\":\"x\",\"is_active\":true}}}",
		  "unknown field is_active" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		body = J(bad[i].body);
		entries = NULL;
		ck_assert_msg(mcpconn_parse_import(body, &entries, &n, &err) < 0, "%s accepted",
			      bad[i].body);
		ck_assert_int_eq(err.kind, BERTH_E_INVALID);
		ck_assert_msg(strstr(err.msg, bad[i].msg), "%s: \"%s\" lacks \"%s\"", bad[i].body,
			      err.msg, bad[i].msg);
		ck_assert_ptr_null(entries);
		json_decref(body);
	}
	/* More servers than a bot may have. */
	body = json_pack("{s:{}}", "mcpServers");
	for (int i = 0; i <= MCPCONN_MAX_PER_BOT; i++) {
		char name[16];
		snprintf(name, sizeof name, "s%d", i);
		json_object_set_new(json_object_get(body, "mcpServers"), name,
				    json_pack("{s:s}", "command", "x"));
	}
	ck_assert_int_eq(mcpconn_parse_import(body, &entries, &n, &err), -1);
	ck_assert_msg(strstr(err.msg, "more than"), "%s", err.msg);
	json_decref(body);
}
END_TEST

START_TEST(batch_ids)
{
	json_t *ids = NULL, *body;
	berth_err err = { 0 };

	body = J(
		"{\"ids\":[\"11111111-1111-4111-8111-111111111111\",\"22222222-2222-4222-8222-222222222222\","
		"\"11111111-1111-4111-8111-111111111111\"]}");
	ck_assert_int_eq(mcpconn_parse_ids(body, &ids, &err), 0);
	ck_assert_uint_eq(json_array_size(ids), 2);
	json_decref(ids);
	json_decref(body);
	static const struct {
		const char *body, *msg;
	} bad[] = {
		{ "{}", "ids is required" },
		{ "{\"ids\":[]}", "ids is required" },
		{ "{\"ids\":\"x\"}", "ids is required" },
		{ "{\"ids\":[5]}", "ids[0] must be a connection id" },
		{ "{\"ids\":[\"11111111-1111-4111-8111-11111111111G\"]}", "ids[0]" },
		{ "{\"ids\":[\"11111111-1111-4111-8111-111111111111\",\"AAAAAAAA-1111-4111-8111-111111111111\"]}",
		  "ids[1]" },
		{ "{\"ids\":[],\"all\":true}", "unknown field all" },
		{ "[1]", "request body must be a JSON object" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		body = J(bad[i].body);
		ck_assert_msg(mcpconn_parse_ids(body, &ids, &err) < 0, "%s accepted", bad[i].body);
		ck_assert_msg(strstr(err.msg, bad[i].msg), "%s: \"%s\" lacks \"%s\"", bad[i].body,
			      err.msg, bad[i].msg);
		json_decref(body);
	}
	ck_assert_int_eq(mcpconn_id_check("11111111-1111-4111-8111-111111111111", &err), 0);
	ck_assert_int_eq(mcpconn_id_check("nope", &err), -1);
	ck_assert_int_eq(mcpconn_id_check(NULL, &err), -1);
}
END_TEST

START_TEST(shapes)
{
	struct store_mcpconn row = { .id = "11111111-1111-4111-8111-111111111111",
				     .bot_id = "22222222-2222-4222-8222-222222222222",
				     .name = "web",
				     .type = "sse",
				     .is_active = true,
				     .created_at = "2026-12-07T00:00:00.000000Z",
				     .updated_at = "2026-12-07T00:00:01.000000Z" };
	row.config = strdup("{\"url\":\"https://h/sse\"}");
	json_t *j = mcpconn_to_json(&row);
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	ck_assert_str_eq(
		s,
		"{\"bot_id\":\"22222222-2222-4222-8222-222222222222\",\"config\":{\"url\":\"https://h/sse\"},"
		"\"created_at\":\"2026-12-07T00:00:00.000000Z\",\"id\":\"11111111-1111-4111-8111-111111111111\","
		"\"is_active\":true,\"name\":\"web\",\"type\":\"sse\",\"updated_at\":\"2026-12-07T00:00:01.000000Z\"}");
	free(s);
	json_decref(j);
	j = mcpconn_export_entry(&row);
	s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	ck_assert_str_eq(s, "{\"transport\":\"sse\",\"url\":\"https://h/sse\"}");
	free(s);
	json_decref(j);
	store_mcpconn_clear(&row);
	ck_assert_ptr_null(row.config);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mcpconn");
	TCase *tc = tcase_create("rules");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, names);
	tcase_add_test(tc, type_inference);
	tcase_add_test(tc, invalid_fields);
	tcase_add_test(tc, secrets_stay_out_of_messages);
	tcase_add_test(tc, bounds);
	tcase_add_test(tc, import_format);
	tcase_add_test(tc, batch_ids);
	tcase_add_test(tc, shapes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
