/* The whole request path through the real libfcgi: FastCGI records (with the 4-byte name-value
 * length encoding for values over 127 bytes) are written to a unix socket, accepted with
 * FCGX_Accept_r in this process and served by http_serve_fcgi with a test route table and a fake
 * identity lookup (no database). */
#include <check.h>
#include <fcgiapp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "berth/authz.h"
#include "berth/http_auth.h"
#include "berth/http_dispatch.h"
#include "berth/http_fcgi.h"
#include "berth/http_request.h"
#include "berth/http_response.h"
#include "berth/log.h"

#define FCGI_BEGIN_REQUEST 1
#define FCGI_END_REQUEST 3
#define FCGI_PARAMS 4
#define FCGI_STDIN 5
#define FCGI_STDOUT 6

/* ---- a minimal FastCGI client ---- */

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static void buf_put(struct buf *b, const void *data, size_t len)
{
	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2 + 64;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

static void put_len(struct buf *b, size_t n)
{
	if (n < 128) {
		unsigned char c = (unsigned char)n;
		buf_put(b, &c, 1);
	} else {
		unsigned char c[4] = { (unsigned char)(0x80 | (n >> 24)), (unsigned char)(n >> 16),
				       (unsigned char)(n >> 8), (unsigned char)n };
		buf_put(b, c, 4);
	}
}

static void record(struct buf *out, int type, const void *content, size_t len)
{
	unsigned char h[8] = {
		1, (unsigned char)type, 0, 1, (unsigned char)(len >> 8), (unsigned char)len, 0, 0
	};

	buf_put(out, h, 8);
	if (len)
		buf_put(out, content, len);
}

/* A stream (PARAMS or STDIN): content in records of at most 65535 bytes, then an empty one. */
static void stream(struct buf *out, int type, const unsigned char *data, size_t len)
{
	while (len > 0) {
		size_t n = len > 65535 ? 65535 : len;
		record(out, type, data, n);
		data += n;
		len -= n;
	}
	record(out, type, NULL, 0);
}

static struct buf build_request(char *const *params, const char *body, size_t body_len)
{
	unsigned char begin[8] = { 0, 1 /* RESPONDER */, 0 /* no keep-conn */, 0, 0, 0, 0, 0 };
	struct buf out = { 0 }, pairs = { 0 };

	record(&out, FCGI_BEGIN_REQUEST, begin, sizeof begin);
	for (size_t i = 0; params[i]; i++) {
		const char *eq = strchr(params[i], '=');
		size_t nlen = (size_t)(eq - params[i]), vlen = strlen(eq + 1);
		put_len(&pairs, nlen);
		put_len(&pairs, vlen);
		buf_put(&pairs, params[i], nlen);
		buf_put(&pairs, eq + 1, vlen);
	}
	stream(&out, FCGI_PARAMS, pairs.p, pairs.len);
	stream(&out, FCGI_STDIN, (const unsigned char *)body, body_len);
	free(pairs.p);
	return out;
}

/* ---- the server side ---- */

static int listen_fd = -1;
static char sock_path[108];
static int handler_calls;

static int fake_identify(void *arg, const char *subject, struct http_caller *caller, berth_err *err)
{
	(void)arg;
	if (strcmp(subject, "CN=down") == 0)
		return berth_err_set(err, BERTH_E_UNAVAILABLE, "database unavailable: test");
	if (strncmp(subject, "CN=alice,", 9) != 0)
		return berth_err_set(err, BERTH_E_UNAUTHENTICATED, "unknown identity");
	memset(caller, 0, sizeof *caller);
	caller->authenticated = true;
	strcpy(caller->user_id, "11111111-2222-4333-8444-555555555555");
	strcpy(caller->username, "alice");
	return 0;
}

static int h_echo(struct http_req *req, struct http_resp *resp)
{
	json_t *body;

	handler_calls++;
	if (http_req_json(req, &body, resp) < 0)
		return -1;
	return http_resp_json(
		resp, 200,
		json_pack("{s:s, s:s, s:s, s:O*, s:s?, s:s, s:b}", "user", req->caller.username,
			  "route", req->route, "request_id", req->request_id, "body", body, "q",
			  http_req_query(req, "q"), "dn", http_req_fcgi(req, "SSL_CLIENT_S_DN"),
			  "deadline_set", req->deadline_ms > req->start_ms));
}

static int h_item(struct http_req *req, struct http_resp *resp)
{
	handler_calls++;
	return http_resp_json(resp, 200, json_pack("{s:s}", "id", http_req_param(req, "id")));
}

static int h_nothing(struct http_req *req, struct http_resp *resp)
{
	(void)req;
	(void)resp;
	handler_calls++;
	return 0; /* forgot to answer */
}

static int h_gone(struct http_req *req, struct http_resp *resp)
{
	(void)req;
	handler_calls++;
	return http_resp_empty(resp, 204);
}

static const struct http_route test_routes[] = {
	{ "POST", "/echo", h_echo, HTTP_AUTH_USER, NULL },
	{ "GET", "/items/:id", h_item, HTTP_AUTH_NONE, NULL },
	{ "DELETE", "/items/:id", h_gone, HTTP_AUTH_NONE, NULL },
	{ "GET", "/broken", h_nothing, HTTP_AUTH_NONE, NULL },
	{ "GET", "/bots/:bot_id", h_item, HTTP_AUTH_USER, &AUTHZ_OWNER_OR_ADMIN },
};

static const struct http_server test_server = {
	.routes = test_routes,
	.n_routes = sizeof test_routes / sizeof test_routes[0],
	.ctx = NULL,
	.max_body_bytes = 1000,
	.request_timeout_ms = 5000,
	.identify = fake_identify,
};

static void setup(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(sock_path, sizeof sock_path, "/tmp/berth-test-fcgi-%d.sock", (int)getpid());
	unlink(sock_path);
	strcpy(sa.sun_path, sock_path);
	listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(listen_fd, 0);
	ck_assert_int_eq(bind(listen_fd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(listen(listen_fd, 8), 0);
	ck_assert_int_eq(FCGX_Init(), 0);
	blog_init("test", BLOG_ERROR, 2);
}

static void teardown(void)
{
	close(listen_fd);
	unlink(sock_path);
}

struct reply {
	int status;
	char head[4096];
	json_t *json;
	char raw[65536];
};

/* Sends one request, serves it in this process, and parses the reply. */
static void roundtrip(char *const *params, const char *body, size_t body_len, struct reply *rep)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct buf req = build_request(params, body, body_len);
	FCGX_Request fr;
	size_t raw_len = 0, off = 0;
	int cfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ssize_t n;
	char *sep;

	strcpy(sa.sun_path, sock_path);
	ck_assert_int_eq(connect(cfd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(write(cfd, req.p, req.len), (ssize_t)req.len);
	shutdown(cfd, SHUT_WR);
	free(req.p);

	ck_assert_int_eq(FCGX_InitRequest(&fr, listen_fd, 0), 0);
	ck_assert_int_ge(FCGX_Accept_r(&fr), 0);
	http_serve_fcgi(&test_server, &fr);
	FCGX_Finish_r(&fr);

	/* Collect STDOUT records until END_REQUEST. */
	unsigned char all[131072];
	size_t all_len = 0;
	while ((n = read(cfd, all + all_len, sizeof all - all_len)) > 0)
		all_len += (size_t)n;
	close(cfd);
	memset(rep, 0, sizeof *rep);
	while (off + 8 <= all_len) {
		int type = all[off + 1];
		size_t clen = (size_t)all[off + 4] << 8 | all[off + 5];
		size_t plen = all[off + 6];
		if (type == FCGI_STDOUT) {
			ck_assert_uint_lt(raw_len + clen, sizeof rep->raw);
			memcpy(rep->raw + raw_len, all + off + 8, clen);
			raw_len += clen;
		}
		off += 8 + clen + plen;
	}
	rep->raw[raw_len] = '\0';
	sep = strstr(rep->raw, "\r\n\r\n");
	ck_assert_ptr_nonnull(sep);
	memcpy(rep->head, rep->raw, (size_t)(sep - rep->raw) + 2);
	ck_assert_int_eq(sscanf(rep->raw, "Status: %d", &rep->status), 1);
	if (sep[4])
		rep->json = json_loads(sep + 4, 0, NULL);
}

static const char *code_of(const struct reply *rep)
{
	return json_string_value(json_object_get(rep->json, "code"));
}

static char *long_dn(void)
{
	static char dn[1200];
	size_t off = (size_t)snprintf(dn, sizeof dn, "CN=alice,OU=");

	while (off < sizeof dn - 1)
		dn[off++] = 'x';
	dn[sizeof dn - 1] = '\0';
	return dn;
}

START_TEST(test_long_params_reach_the_handler)
{
	char dn_param[1300];
	char *params[] = { "REQUEST_METHOD=POST",
			   "REQUEST_URI=/echo?q=a%20b",
			   "CONTENT_TYPE=application/json",
			   "CONTENT_LENGTH=7",
			   "SSL_CLIENT_VERIFY=SUCCESS",
			   dn_param,
			   "REQUEST_ID=0123456789abcdef0123456789abcdef",
			   NULL };
	struct reply rep;

	snprintf(dn_param, sizeof dn_param, "SSL_CLIENT_S_DN=%s", long_dn());
	roundtrip(params, "{\"x\":1}", 7, &rep);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_str_eq(json_string_value(json_object_get(rep.json, "user")), "alice");
	ck_assert_str_eq(json_string_value(json_object_get(rep.json, "dn")), long_dn());
	ck_assert_str_eq(json_string_value(json_object_get(rep.json, "q")), "a b");
	ck_assert_str_eq(json_string_value(json_object_get(rep.json, "route")), "/echo");
	ck_assert_str_eq(json_string_value(json_object_get(rep.json, "request_id")),
			 "0123456789abcdef0123456789abcdef");
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_object_get(rep.json, "body"), "x")), 1);
	ck_assert(json_is_true(json_object_get(rep.json, "deadline_set")));
	ck_assert_ptr_nonnull(
		strstr(rep.head, "X-Request-Id: 0123456789abcdef0123456789abcdef\r\n"));
	ck_assert_ptr_nonnull(strstr(rep.head, "Content-Type: application/json\r\n"));
	json_decref(rep.json);
}
END_TEST

START_TEST(test_forged_headers_do_not_authenticate)
{
	char *params[] = { "REQUEST_METHOD=POST",
			   "REQUEST_URI=/echo",
			   "HTTP_SSL_CLIENT_VERIFY=SUCCESS",
			   "HTTP_SSL_CLIENT_S_DN=CN=alice,O=x",
			   "HTTP_X_CLIENT_DN=CN=alice,O=x",
			   NULL };
	char *unknown[] = { "REQUEST_METHOD=POST",
			    "REQUEST_URI=/echo",
			    "SSL_CLIENT_VERIFY=SUCCESS",
			    "SSL_CLIENT_S_DN=CN=mallory,O=x",
			    "HTTP_SSL_CLIENT_S_DN=CN=alice,O=x",
			    NULL };
	char *down[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/echo", "SSL_CLIENT_VERIFY=SUCCESS",
			 "SSL_CLIENT_S_DN=CN=down", NULL };
	struct reply rep;

	handler_calls = 0;
	roundtrip(params, "", 0, &rep);
	ck_assert_int_eq(rep.status, 401);
	ck_assert_str_eq(code_of(&rep), "client_certificate_required");
	json_decref(rep.json);
	roundtrip(unknown, "", 0, &rep);
	ck_assert_int_eq(rep.status, 401);
	ck_assert_str_eq(code_of(&rep), "unknown_identity");
	json_decref(rep.json);
	roundtrip(down, "", 0, &rep);
	ck_assert_int_eq(rep.status, 503);
	ck_assert_str_eq(code_of(&rep), "database_unavailable");
	json_decref(rep.json);
	ck_assert_int_eq(handler_calls, 0);
}
END_TEST

START_TEST(test_routing_errors)
{
	char *missing[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/nope", NULL };
	char *wrong_method[] = { "REQUEST_METHOD=PUT", "REQUEST_URI=/items/7", NULL };
	char *bad_path[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/items/%zz", NULL };
	char *bad_query[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/items/7?a=%", NULL };
	char *item[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/items/a%20b?x=1", NULL };
	char *gone[] = { "REQUEST_METHOD=DELETE", "DOCUMENT_URI=/items/7", NULL };
	char *broken[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/broken", NULL };
	struct reply rep;

	roundtrip(missing, "", 0, &rep);
	ck_assert_int_eq(rep.status, 404);
	ck_assert_str_eq(code_of(&rep), "not_found");
	json_decref(rep.json);

	roundtrip(wrong_method, "", 0, &rep);
	ck_assert_int_eq(rep.status, 405);
	ck_assert_str_eq(code_of(&rep), "method_not_allowed");
	ck_assert_ptr_nonnull(strstr(rep.head, "Allow: GET, HEAD, DELETE\r\n"));
	json_decref(rep.json);

	roundtrip(bad_path, "", 0, &rep);
	ck_assert_int_eq(rep.status, 400);
	ck_assert_str_eq(code_of(&rep), "invalid_path");
	json_decref(rep.json);

	roundtrip(bad_query, "", 0, &rep);
	ck_assert_int_eq(rep.status, 400);
	ck_assert_str_eq(code_of(&rep), "invalid_query");
	json_decref(rep.json);

	roundtrip(item, "", 0, &rep);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_str_eq(json_string_value(json_object_get(rep.json, "id")), "a b");
	json_decref(rep.json);

	roundtrip(gone, "", 0, &rep);
	ck_assert_int_eq(rep.status, 204);
	ck_assert_ptr_null(rep.json);
	ck_assert_ptr_null(strstr(rep.head, "Content-Type"));

	roundtrip(broken, "", 0, &rep);
	ck_assert_int_eq(rep.status, 500);
	ck_assert_str_eq(code_of(&rep), "internal");
	json_decref(rep.json);
}
END_TEST

/* HEAD of a GET route: the GET's status and headers, Content-Length of the GET's body, no body;
 * HEAD of a path without a GET route is 405 (no body either). */
START_TEST(test_head_answers_like_get_without_body)
{
	char *get[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/items/seven", NULL };
	char *head[] = { "REQUEST_METHOD=HEAD", "REQUEST_URI=/items/seven", NULL };
	char *head_post_only[] = { "REQUEST_METHOD=HEAD", "REQUEST_URI=/echo", NULL };
	char *head_missing[] = { "REQUEST_METHOD=HEAD", "REQUEST_URI=/nope", NULL };
	char get_length[64];
	const char *cl;
	struct reply rep;

	roundtrip(get, "", 0, &rep);
	ck_assert_int_eq(rep.status, 200);
	cl = strstr(rep.head, "Content-Length: ");
	ck_assert_ptr_nonnull(cl);
	snprintf(get_length, sizeof get_length, "%.*s", (int)strcspn(cl, "\r"), cl);
	ck_assert_str_ne(get_length, "Content-Length: 0");
	json_decref(rep.json);

	handler_calls = 0;
	roundtrip(head, "", 0, &rep);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_int_eq(handler_calls, 1);
	ck_assert_ptr_nonnull(strstr(rep.head, get_length));
	ck_assert_ptr_nonnull(strstr(rep.head, "Content-Type: application/json\r\n"));
	ck_assert_str_eq(strstr(rep.raw, "\r\n\r\n") + 4, ""); /* no body */

	roundtrip(head_post_only, "", 0, &rep);
	ck_assert_int_eq(rep.status, 405);
	ck_assert_ptr_nonnull(strstr(rep.head, "Allow: POST\r\n"));
	ck_assert_str_eq(strstr(rep.raw, "\r\n\r\n") + 4, "");

	roundtrip(head_missing, "", 0, &rep);
	ck_assert_int_eq(rep.status, 404);
	ck_assert_str_eq(strstr(rep.raw, "\r\n\r\n") + 4, "");
}
END_TEST

/* Bytes that are not UTF-8 in a param echoed by an error message keep the error what it is. */
START_TEST(test_invalid_utf8_in_echoed_params)
{
	char *method[] = { "REQUEST_METHOD=G\xffT", "REQUEST_URI=/items/7", NULL };
	char *media_type[] = { "REQUEST_METHOD=POST",
			       "REQUEST_URI=/echo",
			       "CONTENT_TYPE=text/\xff",
			       "CONTENT_LENGTH=2",
			       "SSL_CLIENT_VERIFY=SUCCESS",
			       "SSL_CLIENT_S_DN=CN=alice,O=x",
			       NULL };
	struct reply rep;

	roundtrip(method, "", 0, &rep);
	ck_assert_int_eq(rep.status, 405);
	ck_assert_str_eq(code_of(&rep), "method_not_allowed");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(rep.json, "message")),
				     "method G\xef\xbf\xbdT "));
	json_decref(rep.json);

	roundtrip(media_type, "{}", 2, &rep);
	ck_assert_int_eq(rep.status, 415);
	ck_assert_str_eq(code_of(&rep), "unsupported_media_type");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(rep.json, "message")),
				     "'text/\xef\xbf\xbd'"));
	json_decref(rep.json);
}
END_TEST

START_TEST(test_body_rules_end_to_end)
{
	char *too_large[] = { "REQUEST_METHOD=POST",
			      "REQUEST_URI=/echo",
			      "CONTENT_TYPE=application/json",
			      "CONTENT_LENGTH=5000",
			      "SSL_CLIENT_VERIFY=SUCCESS",
			      "SSL_CLIENT_S_DN=CN=alice,O=x",
			      NULL };
	char *not_json[] = { "REQUEST_METHOD=POST",
			     "REQUEST_URI=/echo",
			     "CONTENT_TYPE=text/plain",
			     "CONTENT_LENGTH=2",
			     "SSL_CLIENT_VERIFY=SUCCESS",
			     "SSL_CLIENT_S_DN=CN=alice,O=x",
			     NULL };
	char *malformed[] = { "REQUEST_METHOD=POST",
			      "REQUEST_URI=/echo",
			      "CONTENT_TYPE=application/json",
			      "CONTENT_LENGTH=5",
			      "SSL_CLIENT_VERIFY=SUCCESS",
			      "SSL_CLIENT_S_DN=CN=alice,O=x",
			      NULL };
	char *empty[] = { "REQUEST_METHOD=POST",
			  "REQUEST_URI=/echo",
			  "CONTENT_LENGTH=0",
			  "SSL_CLIENT_VERIFY=SUCCESS",
			  "SSL_CLIENT_S_DN=CN=alice,O=x",
			  NULL };
	char *too_large_anywhere[] = { "REQUEST_METHOD=PUT", "REQUEST_URI=/nowhere",
				       "CONTENT_LENGTH=999999", NULL };
	char big[5000];
	struct reply rep;

	memset(big, ' ', sizeof big);
	handler_calls = 0;
	roundtrip(too_large, big, sizeof big, &rep);
	ck_assert_int_eq(rep.status, 413);
	ck_assert_str_eq(code_of(&rep), "body_too_large");
	json_decref(rep.json);
	ck_assert_int_eq(handler_calls, 0);

	/* the bound holds before routing, without reading the body */
	roundtrip(too_large_anywhere, "x", 1, &rep);
	ck_assert_int_eq(rep.status, 413);
	ck_assert_str_eq(code_of(&rep), "body_too_large");
	json_decref(rep.json);

	roundtrip(not_json, "hi", 2, &rep);
	ck_assert_int_eq(rep.status, 415);
	ck_assert_str_eq(code_of(&rep), "unsupported_media_type");
	json_decref(rep.json);

	roundtrip(malformed, "{\"a\":", 5, &rep);
	ck_assert_int_eq(rep.status, 400);
	ck_assert_str_eq(code_of(&rep), "invalid_json");
	json_decref(rep.json);

	roundtrip(empty, "", 0, &rep);
	ck_assert_int_eq(rep.status, 200);
	ck_assert(json_is_null(json_object_get(rep.json, "body")) ||
		  !json_object_get(rep.json, "body"));
	json_decref(rep.json);
}
END_TEST

START_TEST(test_bot_id_must_be_canonical)
{
	static const char *ids[] = { "not-a-uuid",
				     "0F8FAD5B-D9CB-469F-A165-70867728950E",
				     "{0f8fad5b-d9cb-469f-a165-70867728950e}",
				     "0f8fad5bd9cb469fa16570867728950e",
				     "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e",
				     "%20" };
	char uri[200];
	char *params[] = { "REQUEST_METHOD=GET", uri, "SSL_CLIENT_VERIFY=SUCCESS",
			   "SSL_CLIENT_S_DN=CN=alice,O=x", NULL };
	struct reply rep;

	handler_calls = 0;
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		snprintf(uri, sizeof uri, "REQUEST_URI=/bots/%s", ids[i]);
		roundtrip(params, "", 0, &rep);
		ck_assert_msg(rep.status == 400, "%s gave %d", ids[i], rep.status);
		ck_assert_str_eq(code_of(&rep), "invalid_bot_id");
		json_decref(rep.json);
	}
	ck_assert_int_eq(handler_calls, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("http_fcgi");
	TCase *tc = tcase_create("fcgi");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_long_params_reach_the_handler);
	tcase_add_test(tc, test_forged_headers_do_not_authenticate);
	tcase_add_test(tc, test_routing_errors);
	tcase_add_test(tc, test_head_answers_like_get_without_body);
	tcase_add_test(tc, test_invalid_utf8_in_echoed_params);
	tcase_add_test(tc, test_body_rules_end_to_end);
	tcase_add_test(tc, test_bot_id_must_be_canonical);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
