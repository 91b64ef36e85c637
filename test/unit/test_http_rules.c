/* HTTP rules: error mapping, response building, body limits, JSON body rules, authentication
 * decision from params. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "berth/http_auth.h"
#include "berth/http_request.h"
#include "berth/http_response.h"

#define R "\xef\xbf\xbd" /* U+FFFD */

/* ---- a body reader over memory, handing out at most `step` bytes per call ---- */
struct mem_reader {
	const char *data;
	size_t len, off, step, total_read;
};

static long mem_read(void *arg, char *buf, size_t n)
{
	struct mem_reader *r = arg;
	size_t left = r->len - r->off;

	if (n > r->step)
		n = r->step;
	if (n > left)
		n = left;
	memcpy(buf, r->data + r->off, n);
	r->off += n;
	r->total_read += n;
	return (long)n;
}

static json_t *body_json(const struct http_resp *resp)
{
	json_t *j = json_loadb(resp->body, resp->body_len, 0, NULL);
	ck_assert_ptr_nonnull(j);
	return j;
}

static void assert_error(const struct http_resp *resp, int status, const char *code)
{
	json_t *j = body_json(resp);

	ck_assert_int_eq(resp->status, status);
	ck_assert_str_eq(json_string_value(json_object_get(j, "code")), code);
	ck_assert_ptr_nonnull(json_string_value(json_object_get(j, "message")));
	json_decref(j);
}

START_TEST(test_kind_to_status)
{
	ck_assert_int_eq(http_status_for_kind(BERTH_E_INVALID), 400);
	ck_assert_int_eq(http_status_for_kind(BERTH_E_NOT_FOUND), 404);
	ck_assert_int_eq(http_status_for_kind(BERTH_E_ALREADY_EXISTS), 409);
	ck_assert_int_eq(http_status_for_kind(BERTH_E_PRECONDITION), 409);
	ck_assert_int_eq(http_status_for_kind(BERTH_E_UNAVAILABLE), 503);
	ck_assert_int_eq(http_status_for_kind(BERTH_E_TIMEOUT), 504);
	ck_assert_int_eq(http_status_for_kind(BERTH_E_UNAUTHENTICATED), 401);
	ck_assert_int_eq(http_status_for_kind(BERTH_E_PERMISSION), 403);
	ck_assert_int_eq(http_status_for_kind(BERTH_E_TOO_LARGE), 413);
	ck_assert_int_eq(http_status_for_kind(BERTH_E_UNSUPPORTED), 415);
	ck_assert_int_eq(http_status_for_kind(BERTH_E_INTERNAL), 500);
}
END_TEST

START_TEST(test_resp_err_and_error)
{
	struct http_resp resp;
	berth_err err;

	http_resp_init(&resp);
	berth_err_set(&err, BERTH_E_NOT_FOUND, "container not found");
	ck_assert_int_eq(http_resp_err(&resp, &err), -1);
	assert_error(&resp, 404, "not_found");
	ck_assert_str_eq(resp.code, "not_found");

	berth_err_set(&err, BERTH_E_UNAVAILABLE, "database unavailable: no socket");
	http_resp_err(&resp, &err);
	assert_error(&resp, 503, "unavailable");

	ck_assert_int_eq(http_resp_error(&resp, 400, "invalid_bot_id", "bad id %s", "x\"y"), -1);
	assert_error(&resp, 400, "invalid_bot_id");
	{
		json_t *j = body_json(&resp);
		ck_assert_str_eq(json_string_value(json_object_get(j, "message")), "bad id x\"y");
		json_decref(j);
	}
	ck_assert_int_eq(http_resp_json(&resp, 201, json_pack("{s:i}", "n", 1)), 0);
	ck_assert_int_eq(resp.status, 201);
	ck_assert_str_eq(resp.body, "{\"n\":1}");
	ck_assert_ptr_null(resp.code);
	/* NULL is a body that could not be built (json_pack failed): never a success */
	ck_assert_int_eq(http_resp_json(&resp, 200, NULL), -1);
	assert_error(&resp, 500, "internal");
	ck_assert_str_eq(resp.code, "internal");
	http_resp_free(&resp);
}
END_TEST

static const char *message_of(const struct http_resp *resp, json_t **holder)
{
	*holder = body_json(resp);
	return json_string_value(json_object_get(*holder, "message"));
}

START_TEST(test_error_messages_are_made_valid_utf8)
{
	struct http_resp resp;
	json_t *j;

	http_resp_init(&resp);
	/* input echoed into a message (a Content-Type, a method) keeps its status and code */
	ck_assert_int_eq(http_json_parse_body("text/\xff", "{}", 2, &j, &resp), -1);
	assert_error(&resp, 415, "unsupported_media_type");
	ck_assert_str_eq(
		message_of(&resp, &j),
		"unsupported media type 'text/\xef\xbf\xbd': the body must be application/json");
	json_decref(j);

	http_resp_error(&resp, 405, "method_not_allowed", "method %s is not allowed", "G\xffT");
	assert_error(&resp, 405, "method_not_allowed");
	ck_assert_str_eq(message_of(&resp, &j), "method G\xef\xbf\xbdT is not allowed");
	json_decref(j);

	/* valid multi-byte text is kept; stray continuation bytes, overlong forms, surrogates, code
	 * points above U+10FFFF and bytes that never occur become one U+FFFD per byte (berth/utf8.h) */
	http_resp_error(&resp, 400, "x", "%s", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	ck_assert_str_eq(message_of(&resp, &j), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	json_decref(j);
	http_resp_error(&resp, 400, "x", "%s",
			"a\x80"
			"b\xc0\xaf"
			"c\xed\xa0\x80"
			"d\xf4\x90\x80\x80"
			"e\xfe");
	ck_assert_str_eq(message_of(&resp, &j), "a" R "b" R R "c" R R R "d" R R R R "e" R);
	json_decref(j);

	/* a character cut at the end (truncation by vsnprintf or berth_err) */
	{
		berth_err err;
		char name[BERTH_ERR_MSG_MAX];
		const char *msg;
		size_t len;

		memset(name, 'n', sizeof name);
		name[sizeof name - 1] = '\0';
		memcpy(name + BERTH_ERR_MSG_MAX - 1 - 17,
		       "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac", 15);
		berth_err_set(&err, BERTH_E_NOT_FOUND, "bot %s",
			      name); /* cut in the middle of a euro sign */
		ck_assert_int_eq(http_resp_err(&resp, &err), -1);
		assert_error(&resp, 404, "not_found");
		msg = message_of(&resp, &j);
		len = strlen(msg);
		/* the one byte left of the cut euro sign: U+FFFD */
		ck_assert_uint_eq(len, BERTH_ERR_MSG_MAX - 1 + 2);
		ck_assert_str_eq(msg + len - 6, "\xe2\x82\xac" R);
		json_decref(j);
	}
	http_resp_free(&resp);
}
END_TEST

START_TEST(test_resp_head)
{
	struct http_resp resp;
	char *head;

	http_resp_init(&resp);
	http_resp_empty(&resp, 204);
	head = http_resp_head(&resp, "abc123");
	ck_assert_str_eq(head, "Status: 204 No Content\r\nX-Request-Id: abc123\r\n\r\n");
	free(head);

	http_resp_error(&resp, 405, "method_not_allowed", "no");
	ck_assert_int_eq(http_resp_header(&resp, "Allow", "GET, POST"), 0);
	ck_assert_int_eq(http_resp_header(&resp, "X-Bad", "a\r\nSet-Cookie: x"), -1);
	ck_assert_int_eq(http_resp_header(&resp, "Bad Name", "v"), -1);
	ck_assert_int_eq(http_resp_header(&resp, "", "v"), -1);
	head = http_resp_head(&resp, NULL);
	ck_assert_ptr_nonnull(strstr(head, "Status: 405 Method Not Allowed\r\n"));
	ck_assert_ptr_nonnull(strstr(head, "Content-Type: application/json\r\n"));
	ck_assert_ptr_nonnull(strstr(head, "Allow: GET, POST\r\n"));
	ck_assert_ptr_null(strstr(head, "X-Bad"));
	ck_assert_ptr_null(strstr(head, "X-Request-Id"));
	free(head);
	http_resp_free(&resp);
}
END_TEST

START_TEST(test_body_limits)
{
	static const char data[] = "{\"a\":1}";
	struct mem_reader r = { data, 7, 0, 3, 0 };
	struct http_resp resp;
	char *body;
	size_t len;

	http_resp_init(&resp);
	ck_assert_int_eq(http_body_read("7", 100, mem_read, &r, &body, &len, &resp), 0);
	ck_assert_uint_eq(len, 7);
	ck_assert_str_eq(body, data);
	free(body);

	/* declared over the limit: 413 without reading a byte */
	r = (struct mem_reader){ data, 7, 0, 3, 0 };
	ck_assert_int_eq(http_body_read("101", 100, mem_read, &r, &body, &len, &resp), -1);
	assert_error(&resp, 413, "body_too_large");
	ck_assert_uint_eq(r.total_read, 0);
	ck_assert(resp.close_connection);
	http_resp_free(&resp);

	/* a lying small length: never more than declared is read */
	r = (struct mem_reader){ data, 7, 0, 100, 0 };
	ck_assert_int_eq(http_body_read("3", 100, mem_read, &r, &body, &len, &resp), 0);
	ck_assert_uint_eq(len, 3);
	ck_assert_uint_eq(r.total_read, 3);
	free(body);

	/* shorter than declared */
	r = (struct mem_reader){ data, 7, 0, 100, 0 };
	ck_assert_int_eq(http_body_read("50", 100, mem_read, &r, &body, &len, &resp), -1);
	assert_error(&resp, 400, "body_incomplete");
	http_resp_free(&resp);

	/* undeclared length: up to the limit is fine, one byte more is 413, never more read */
	r = (struct mem_reader){ data, 7, 0, 2, 0 };
	ck_assert_int_eq(http_body_read(NULL, 7, mem_read, &r, &body, &len, &resp), 0);
	ck_assert_uint_eq(len, 7);
	free(body);
	r = (struct mem_reader){ data, 7, 0, 2, 0 };
	ck_assert_int_eq(http_body_read("", 5, mem_read, &r, &body, &len, &resp), -1);
	assert_error(&resp, 413, "body_too_large");
	ck_assert_uint_le(r.total_read, 6);
	http_resp_free(&resp);

	ck_assert_int_eq(http_body_read("12a", 100, mem_read, &r, &body, &len, &resp), -1);
	assert_error(&resp, 400, "invalid_content_length");
	http_resp_free(&resp);

	/* empty */
	r = (struct mem_reader){ data, 0, 0, 2, 0 };
	ck_assert_int_eq(http_body_read("0", 100, mem_read, &r, &body, &len, &resp), 0);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(body, "");
	free(body);
}
END_TEST

START_TEST(test_json_body_rules)
{
	struct http_resp resp;
	json_t *v;

	http_resp_init(&resp);
	ck_assert_int_eq(http_json_parse_body(NULL, "", 0, &v, &resp), 0);
	ck_assert_ptr_null(v);
	ck_assert_int_eq(http_json_parse_body("text/plain", "", 0, &v, &resp),
			 0); /* empty: any type */
	ck_assert_ptr_null(v);

	ck_assert_int_eq(http_json_parse_body("application/json; charset=utf-8", "{\"a\":[1]}", 9,
					      &v, &resp),
			 0);
	ck_assert(json_is_array(json_object_get(v, "a")));
	json_decref(v);

	ck_assert_int_eq(http_json_parse_body("text/plain", "{}", 2, &v, &resp), -1);
	assert_error(&resp, 415, "unsupported_media_type");
	ck_assert_int_eq(http_json_parse_body(NULL, "{}", 2, &v, &resp), -1);
	assert_error(&resp, 415, "unsupported_media_type");

	ck_assert_int_eq(http_json_parse_body("application/json", "{\"a\":\n tru}", 11, &v, &resp),
			 -1);
	assert_error(&resp, 400, "invalid_json");
	{
		json_t *j = body_json(&resp);
		const char *msg = json_string_value(json_object_get(j, "message"));
		ck_assert_ptr_nonnull(strstr(msg, "invalid JSON body: "));
		ck_assert_ptr_nonnull(strstr(msg, "line 2"));
		json_decref(j);
	}
	ck_assert_int_eq(
		http_json_parse_body("application/json", "{\"a\":1,\"a\":2}", 13, &v, &resp), -1);
	assert_error(&resp, 400, "invalid_json");
	http_resp_free(&resp);
}
END_TEST

START_TEST(test_auth_subject)
{
	const char *subject;
	berth_err err;
	char *ok[] = { "SSL_CLIENT_VERIFY=SUCCESS", "SSL_CLIENT_S_DN=CN=alice,O=Berth", NULL };
	char *failed[] = { "SSL_CLIENT_VERIFY=FAILED:certificate has expired",
			   "SSL_CLIENT_S_DN=CN=alice", NULL };
	char *none[] = { "SSL_CLIENT_VERIFY=NONE", NULL };
	char *forged[] = { "HTTP_SSL_CLIENT_VERIFY=SUCCESS", "HTTP_SSL_CLIENT_S_DN=CN=admin",
			   "HTTP_X_CLIENT_DN=CN=admin", NULL };
	char *forged_with_cert[] = { "HTTP_SSL_CLIENT_S_DN=CN=admin", "SSL_CLIENT_VERIFY=SUCCESS",
				     "SSL_CLIENT_S_DN=CN=alice", "HTTP_X_SSL_CLIENT_S_DN=CN=admin",
				     NULL };
	char *doubled[] = { "SSL_CLIENT_VERIFY=SUCCESS", "SSL_CLIENT_VERIFY=SUCCESS",
			    "SSL_CLIENT_S_DN=CN=a", NULL };
	char *no_dn[] = { "SSL_CLIENT_VERIFY=SUCCESS", "SSL_CLIENT_S_DN=", NULL };
	char *lower[] = { "SSL_CLIENT_VERIFY=success", "SSL_CLIENT_S_DN=CN=a", NULL };

	ck_assert_int_eq(http_auth_subject(ok, &subject, &err), 0);
	ck_assert_str_eq(subject, "CN=alice,O=Berth");
	ck_assert_int_eq(http_auth_subject(forged_with_cert, &subject, &err), 0);
	ck_assert_str_eq(subject, "CN=alice");

	ck_assert_int_eq(http_auth_subject(failed, &subject, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_UNAUTHENTICATED);
	ck_assert_ptr_null(subject);
	ck_assert_int_eq(http_auth_subject(none, &subject, &err), -1);
	ck_assert_int_eq(http_auth_subject(forged, &subject, &err), -1);
	ck_assert_int_eq(http_auth_subject(doubled, &subject, &err), -1);
	ck_assert_int_eq(http_auth_subject(no_dn, &subject, &err), -1);
	ck_assert_int_eq(http_auth_subject(lower, &subject, &err), -1);
	ck_assert_int_eq(http_auth_subject(NULL, &subject, &err), -1);
}
END_TEST

START_TEST(test_auth_failure_codes)
{
	berth_err err;

	berth_err_set(&err, BERTH_E_UNAVAILABLE, "database unavailable: x");
	ck_assert_str_eq(http_auth_failure_code(&err), "database_unavailable");
	berth_err_set(&err, BERTH_E_UNAUTHENTICATED, "unknown identity");
	ck_assert_str_eq(http_auth_failure_code(&err), "unknown_identity");
	/* decided by the sub-code: the text alone decides nothing */
	berth_err_set(&err, BERTH_E_UNAUTHENTICATED, "user is not active");
	ck_assert_str_eq(http_auth_failure_code(&err), "unknown_identity");
	berth_err_setc(&err, BERTH_E_UNAUTHENTICATED, BERTH_EC_USER_INACTIVE, "user is not active");
	ck_assert_str_eq(http_auth_failure_code(&err), "user_inactive");
}
END_TEST

/* Driver text (detail_only) never reaches the body: Berth's sentence and the sub-code do. */
START_TEST(test_resp_err_hides_detail)
{
	struct http_resp resp;
	berth_err err;

	http_resp_init(&resp);
	berth_err_driver(
		&err, BERTH_E_UNAVAILABLE, BERTH_EC_CONTAINERD,
		"Tasks.Get: failed to connect to all addresses; last error: unix:/run/containerd/containerd.sock");
	http_resp_err(&resp, &err);
	ck_assert_int_eq(resp.status, 503);
	ck_assert_str_eq(
		resp.body,
		"{\"message\":\"the container runtime failed\",\"code\":\"containerd_error\"}");
	berth_err_setc(&err, BERTH_E_TIMEOUT, BERTH_EC_DEADLINE_EXCEEDED,
		       "Tasks.Get: deadline exceeded");
	err.detail_only = true;
	http_resp_err(&resp, &err);
	ck_assert_int_eq(resp.status, 504);
	ck_assert_ptr_nonnull(strstr(resp.body, "\"code\":\"deadline_exceeded\""));
	ck_assert_ptr_null(strstr(resp.body, "Tasks.Get"));
	http_resp_free(&resp);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("http_rules");
	TCase *tc = tcase_create("rules");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_kind_to_status);
	tcase_add_test(tc, test_resp_err_and_error);
	tcase_add_test(tc, test_error_messages_are_made_valid_utf8);
	tcase_add_test(tc, test_resp_head);
	tcase_add_test(tc, test_body_limits);
	tcase_add_test(tc, test_json_body_rules);
	tcase_add_test(tc, test_auth_subject);
	tcase_add_test(tc, test_auth_failure_codes);
	tcase_add_test(tc, test_resp_err_hides_detail);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
