/* FastCGI params (long values, exact names), query strings, Content-Length, media types. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/http_params.h"

/* A subject DN far longer than 127 bytes (the FastCGI one-byte length limit). */
static char *long_dn(size_t len)
{
	char *dn = malloc(len + 1);
	size_t off = (size_t)snprintf(dn, len + 1, "CN=%s,O=Berth", "bot-operator");

	for (; off < len; off++)
		dn[off] = (char)('a' + off % 26);
	dn[len] = '\0';
	return dn;
}

START_TEST(test_param_lookup_exact_names)
{
	char *dn = long_dn(3000);
	char *dn_entry = malloc(strlen(dn) + 32);
	char *envp[6];

	sprintf(dn_entry, "SSL_CLIENT_S_DN=%s", dn);
	envp[0] = "HTTP_SSL_CLIENT_S_DN=CN=forged";
	envp[1] = "SSL_CLIENT_S_DN_X=CN=other";
	envp[2] = dn_entry;
	envp[3] = "EMPTY=";
	envp[4] = "REQUEST_METHOD=GET";
	envp[5] = NULL;

	ck_assert_str_eq(http_param(envp, "SSL_CLIENT_S_DN"), dn);
	ck_assert_uint_eq(strlen(http_param(envp, "SSL_CLIENT_S_DN")), 3000);
	ck_assert_str_eq(http_param(envp, "HTTP_SSL_CLIENT_S_DN"), "CN=forged");
	ck_assert_str_eq(http_param(envp, "EMPTY"), "");
	ck_assert_ptr_null(http_param(envp, "SSL_CLIENT"));
	ck_assert_ptr_null(http_param(envp, "REQUEST"));
	ck_assert_ptr_null(http_param(envp, "MISSING"));
	ck_assert_ptr_null(http_param(NULL, "MISSING"));
	ck_assert_uint_eq(http_param_count(envp, "SSL_CLIENT_S_DN"), 1);
	ck_assert_uint_eq(http_param_count(envp, "NOPE"), 0);
	free(dn_entry);
	free(dn);
}
END_TEST

START_TEST(test_percent_decode)
{
	char buf[64];
	berth_err err;

	ck_assert_int_eq(http_percent_decode("a%20b+c", 7, buf, true, &err), 5);
	ck_assert_str_eq(buf, "a b c");
	ck_assert_int_eq(http_percent_decode("a%20b+c", 7, buf, false, &err), 5);
	ck_assert_str_eq(buf, "a b+c");
	ck_assert_int_eq(http_percent_decode("%e2%82%AC", 9, buf, false, &err), 3);
	ck_assert_str_eq(buf, "\xe2\x82\xac");
	ck_assert_int_eq(http_percent_decode("%", 1, buf, false, &err), -1);
	ck_assert_int_eq(http_percent_decode("%4", 2, buf, false, &err), -1);
	ck_assert_int_eq(http_percent_decode("%g0", 3, buf, false, &err), -1);
	ck_assert_int_eq(http_percent_decode("%00", 3, buf, false, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_INVALID);
}
END_TEST

START_TEST(test_query)
{
	struct http_query q;
	berth_err err;

	ck_assert_int_eq(
		http_query_parse("snapshotter=overlayfs&name=my+snap%21&flag&empty=&&x=1&x=2", &q,
				 &err),
		0);
	ck_assert_str_eq(http_query_get(&q, "snapshotter"), "overlayfs");
	ck_assert_str_eq(http_query_get(&q, "name"), "my snap!");
	ck_assert_str_eq(http_query_get(&q, "flag"), "");
	ck_assert_str_eq(http_query_get(&q, "empty"), "");
	ck_assert_str_eq(http_query_get(&q, "x"), "1");
	ck_assert_ptr_null(http_query_get(&q, "missing"));
	ck_assert_uint_eq(q.count, 6);
	http_query_free(&q);

	ck_assert_int_eq(http_query_parse(NULL, &q, &err), 0);
	ck_assert_uint_eq(q.count, 0);
	ck_assert_int_eq(http_query_parse("", &q, &err), 0);
	ck_assert_int_eq(http_query_parse("a%3Db=c%26d", &q, &err), 0);
	ck_assert_str_eq(http_query_get(&q, "a=b"), "c&d");
	http_query_free(&q);

	ck_assert_int_eq(http_query_parse("a=%zz", &q, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_INVALID);
	ck_assert_int_eq(http_query_parse("a%=1", &q, &err), -1);
}
END_TEST

START_TEST(test_query_bound)
{
	char qs[HTTP_QUERY_MAX * 8 + 16] = "";
	struct http_query q;
	berth_err err;

	for (int i = 0; i <= HTTP_QUERY_MAX; i++)
		sprintf(qs + strlen(qs), "k%d=v&", i);
	ck_assert_int_eq(http_query_parse(qs, &q, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_INVALID);
}
END_TEST

START_TEST(test_content_length)
{
	bool present;
	long n;
	berth_err err;

	ck_assert_int_eq(http_content_length(NULL, &present, &n, &err), 0);
	ck_assert(!present);
	ck_assert_int_eq(http_content_length("", &present, &n, &err), 0);
	ck_assert(!present);
	ck_assert_int_eq(http_content_length("0", &present, &n, &err), 0);
	ck_assert(present);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(http_content_length("4194304", &present, &n, &err), 0);
	ck_assert_int_eq(n, 4194304);
	ck_assert_int_eq(http_content_length("-1", &present, &n, &err), -1);
	ck_assert_int_eq(http_content_length(" 5", &present, &n, &err), -1);
	ck_assert_int_eq(http_content_length("5x", &present, &n, &err), -1);
	ck_assert_int_eq(http_content_length("99999999999999999999999", &present, &n, &err), -1);
}
END_TEST

START_TEST(test_media_type)
{
	ck_assert(http_media_type_is_json("application/json"));
	ck_assert(http_media_type_is_json("Application/JSON; charset=utf-8"));
	ck_assert(http_media_type_is_json(" application/json ;charset=utf-8"));
	ck_assert(http_media_type_is_json("application/merge-patch+json"));
	ck_assert(!http_media_type_is_json("application/jsonx"));
	ck_assert(!http_media_type_is_json("text/json-ish"));
	ck_assert(!http_media_type_is_json("text/plain"));
	ck_assert(!http_media_type_is_json("application/x-www-form-urlencoded"));
	ck_assert(!http_media_type_is_json("application/+json"));
	ck_assert(!http_media_type_is_json(""));
	ck_assert(!http_media_type_is_json(NULL));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("params");
	TCase *tc = tcase_create("params");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_param_lookup_exact_names);
	tcase_add_test(tc, test_percent_decode);
	tcase_add_test(tc, test_query);
	tcase_add_test(tc, test_query_bound);
	tcase_add_test(tc, test_content_length);
	tcase_add_test(tc, test_media_type);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
