/* Router: patterns with :params, 404, 405 + Allow, trailing-slash policy, path decoding. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "berth/http_router.h"

struct test_route {
	const char *method;
	const char *pattern;
	int id;
};

static const struct test_route routes[] = {
	{ "GET", "/health", 1 },
	{ "GET", "/bots/:bot_id/container", 2 },
	{ "POST", "/bots/:bot_id/container", 3 },
	{ "DELETE", "/bots/:bot_id/container", 4 },
	{ "POST", "/bots/:bot_id/container/snapshots/rollback", 5 },
	{ "POST", "/bots/:bot_id/mcp-stdio/:connection_id", 6 },
	{ "GET", "/", 7 },
	{ "GET", "/bots/:bot_id/container", 8 }, /* shadowed duplicate: first wins */
};
#define N_ROUTES (sizeof routes / sizeof routes[0])

static void match(const char *method, const char *raw, struct http_match *m, struct http_path *p)
{
	berth_err err;

	ck_assert_int_eq(http_path_parse(raw, p, &err), 0);
	http_route_match(routes, N_ROUTES, sizeof routes[0], method, p, m);
}

START_TEST(test_literal_and_params)
{
	struct http_match m;
	struct http_path p;

	match("GET", "/health", &m, &p);
	ck_assert_int_eq(m.kind, HTTP_MATCH_FOUND);
	ck_assert_int_eq(routes[m.route_index].id, 1);
	ck_assert_uint_eq(m.n_params, 0);
	http_path_free(&p);

	match("POST", "/bots/0f8fad5b-d9cb-469f-a165-70867728950e/container/snapshots/rollback", &m,
	      &p);
	ck_assert_int_eq(m.kind, HTTP_MATCH_FOUND);
	ck_assert_int_eq(routes[m.route_index].id, 5);
	ck_assert_str_eq(http_match_param(&m, "bot_id"), "0f8fad5b-d9cb-469f-a165-70867728950e");
	ck_assert_ptr_null(http_match_param(&m, "bot"));
	ck_assert_ptr_null(http_match_param(&m, "bot_id_x"));
	http_path_free(&p);

	match("POST", "/bots/abc/mcp-stdio/conn-1", &m, &p);
	ck_assert_int_eq(m.kind, HTTP_MATCH_FOUND);
	ck_assert_str_eq(http_match_param(&m, "bot_id"), "abc");
	ck_assert_str_eq(http_match_param(&m, "connection_id"), "conn-1");
	http_path_free(&p);

	match("GET", "/bots/x/container", &m, &p);
	ck_assert_int_eq(routes[m.route_index].id, 2); /* table order */
	http_path_free(&p);

	match("GET", "/", &m, &p);
	ck_assert_int_eq(m.kind, HTTP_MATCH_FOUND);
	ck_assert_int_eq(routes[m.route_index].id, 7);
	http_path_free(&p);
}
END_TEST

/* HEAD is answered by the GET route of the path (first in table order, as GET itself). */
START_TEST(test_head_matches_get)
{
	struct http_match m;
	struct http_path p;

	match("HEAD", "/health", &m, &p);
	ck_assert_int_eq(m.kind, HTTP_MATCH_FOUND);
	ck_assert_int_eq(routes[m.route_index].id, 1);
	http_path_free(&p);

	match("HEAD", "/bots/abc/container", &m, &p);
	ck_assert_int_eq(m.kind, HTTP_MATCH_FOUND);
	ck_assert_int_eq(routes[m.route_index].id, 2);
	ck_assert_str_eq(http_match_param(&m, "bot_id"), "abc");
	http_path_free(&p);

	match("HEAD", "/nope", &m, &p);
	ck_assert_int_eq(m.kind, HTTP_MATCH_NOT_FOUND);
	http_path_free(&p);
}
END_TEST

START_TEST(test_not_found)
{
	static const char *paths[] = {
		"/nope",
		"/health/extra",
		"/bots",
		"/bots/x",
		"/bots/x/container/unknown",
		"/HEALTH",
		"/bots//container",
		"/bots/x/mcp-stdio",
	};
	struct http_match m;
	struct http_path p;

	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		match("GET", paths[i], &m, &p);
		ck_assert_msg(m.kind == HTTP_MATCH_NOT_FOUND, "%s should be 404", paths[i]);
		http_path_free(&p);
	}
}
END_TEST

START_TEST(test_trailing_slash_is_another_path)
{
	struct http_match m;
	struct http_path p;

	match("GET", "/health/", &m, &p);
	ck_assert_int_eq(m.kind, HTTP_MATCH_NOT_FOUND);
	http_path_free(&p);
	match("GET", "/bots/x/container/", &m, &p);
	ck_assert_int_eq(m.kind, HTTP_MATCH_NOT_FOUND);
	http_path_free(&p);
}
END_TEST

START_TEST(test_method_not_allowed)
{
	struct http_match m;
	struct http_path p;

	match("PUT", "/bots/x/container", &m, &p);
	ck_assert_int_eq(m.kind, HTTP_MATCH_METHOD_NOT_ALLOWED);
	ck_assert_str_eq(m.allow,
			 "GET, HEAD, POST, DELETE"); /* no duplicate GET from the shadowed route */
	http_path_free(&p);

	match("POST", "/health", &m, &p);
	ck_assert_int_eq(m.kind, HTTP_MATCH_METHOD_NOT_ALLOWED);
	ck_assert_str_eq(m.allow, "GET, HEAD");
	http_path_free(&p);

	/* a POST-only path: HEAD is not allowed there */
	match("HEAD", "/bots/x/container/snapshots/rollback", &m, &p);
	ck_assert_int_eq(m.kind, HTTP_MATCH_METHOD_NOT_ALLOWED);
	ck_assert_str_eq(m.allow, "POST");
	http_path_free(&p);

	match("get", "/health", &m, &p); /* methods are case-sensitive */
	ck_assert_int_eq(m.kind, HTTP_MATCH_METHOD_NOT_ALLOWED);
	http_path_free(&p);
}
END_TEST

START_TEST(test_segments_are_decoded_after_split)
{
	struct http_match m;
	struct http_path p;

	/* %2F stays inside the segment: one parameter "a/b", not two segments */
	match("GET", "/bots/a%2Fb/container", &m, &p);
	ck_assert_int_eq(m.kind, HTTP_MATCH_FOUND);
	ck_assert_str_eq(http_match_param(&m, "bot_id"), "a/b");
	http_path_free(&p);

	match("GET", "/%68ealth", &m, &p);
	ck_assert_int_eq(m.kind, HTTP_MATCH_FOUND);
	ck_assert_int_eq(routes[m.route_index].id, 1);
	http_path_free(&p);

	/* '+' is not a space in a path */
	match("GET", "/bots/a+b/container", &m, &p);
	ck_assert_str_eq(http_match_param(&m, "bot_id"), "a+b");
	http_path_free(&p);
}
END_TEST

START_TEST(test_bad_paths)
{
	struct http_path p;
	berth_err err;
	char *long_path;

	ck_assert_int_eq(http_path_parse("health", &p, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_INVALID);
	ck_assert_int_eq(http_path_parse("/bots/%zz/container", &p, &err), -1);
	ck_assert_int_eq(http_path_parse("/bots/%0/container", &p, &err), -1);
	ck_assert_int_eq(http_path_parse("/bots/%00/container", &p, &err), -1);
	ck_assert_int_eq(http_path_parse("/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q", &p, &err), -1);
	ck_assert_int_eq(http_path_parse(NULL, &p, &err), -1);

	long_path = malloc(HTTP_PATH_MAX_BYTES + 2);
	memset(long_path, 'a', HTTP_PATH_MAX_BYTES + 1);
	long_path[0] = '/';
	long_path[HTTP_PATH_MAX_BYTES + 1] = '\0';
	ck_assert_int_eq(http_path_parse(long_path, &p, &err), -1);
	free(long_path);
}
END_TEST

Suite *router_suite(void)
{
	Suite *s = suite_create("router");
	TCase *tc = tcase_create("match");

	tcase_add_test(tc, test_literal_and_params);
	tcase_add_test(tc, test_not_found);
	tcase_add_test(tc, test_trailing_slash_is_another_path);
	tcase_add_test(tc, test_method_not_allowed);
	tcase_add_test(tc, test_head_matches_get);
	tcase_add_test(tc, test_segments_are_decoded_after_split);
	tcase_add_test(tc, test_bad_paths);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(router_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
