/* Unit tests of the events routes' cursor and limit (app/http/events_cursor.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "berth/http_events_cursor.h"

START_TEST(test_round_trip)
{
	const int64_t times[] = { 0, 1, 1765148400123456, INT64_MAX, -1, INT64_MIN };
	char buf[HTTP_EVENTS_CURSOR_LEN + 1];
	struct store_event_pos in, out;
	berth_err err;

	strcpy(in.id, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
	for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
		in.created_us = times[i];
		ck_assert_int_eq(http_events_cursor_encode(&in, buf, sizeof buf, &err), 0);
		ck_assert_uint_eq(strlen(buf), HTTP_EVENTS_CURSOR_LEN);
		ck_assert(buf[0] == 'e' && buf[1] == '1');
		ck_assert_uint_eq(strspn(buf, "0123456789abcdef"),
				  HTTP_EVENTS_CURSOR_LEN); /* URL-safe */
		ck_assert_int_eq(http_events_cursor_decode(buf, &out, &err), 0);
		ck_assert(out.created_us == in.created_us);
		ck_assert_str_eq(out.id, in.id);
	}
	in.created_us = 1765148400123456;
	ck_assert_int_eq(http_events_cursor_encode(&in, buf, sizeof buf, &err), 0);
	ck_assert_str_eq(buf, "e100064564a35d7e400f1e2d3c4b5a69788796a5b4c3d2e1f0");
}
END_TEST

START_TEST(test_encode_refuses)
{
	struct store_event_pos in = { 1, "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0" };
	char buf[HTTP_EVENTS_CURSOR_LEN + 1];
	berth_err err;

	ck_assert_int_eq(http_events_cursor_encode(&in, buf, sizeof buf, &err),
			 -1); /* not canonical */
	strcpy(in.id, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
	ck_assert_int_eq(http_events_cursor_encode(&in, buf, sizeof buf - 1, &err),
			 -1); /* too small */
	ck_assert_int_eq(err.kind, BERTH_E_INVALID);
}
END_TEST

START_TEST(test_decode_refuses)
{
	const char *bad[] = {
		"",
		"e1",
		"x10006458a5b6e6a400f1e2d3c4b5a69788796a5b4c3d2e1f0",  /* prefix */
		"e20006458a5b6e6a400f1e2d3c4b5a69788796a5b4c3d2e1f0",  /* version */
		"e10006458A5B6E6A400f1e2d3c4b5a69788796a5b4c3d2e1f0",  /* upper case */
		"e10006458a5b6e6a400f1e2d3c4b5a69788796a5b4c3d2e1f",   /* short */
		"e10006458a5b6e6a400f1e2d3c4b5a69788796a5b4c3d2e1f00", /* long */
		"e10006458a5b6e6a400f1e2d3c4b5a69788796a5b4c3d2e1g0",  /* alphabet */
		"e10006458a5b6e6a40-f1e2d3c4b5a69788796a5b4c3d2e1f0",  /* a dash */
		"e1 006458a5b6e6a400f1e2d3c4b5a69788796a5b4c3d2e1f0",  /* a blank */
		"e10006458a5b6e6a400f1e2d3c4b5a69788796a5b4c3d2e1f\n",
		"' OR 1=1 --",
	};
	struct store_event_pos out;
	berth_err err;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(http_events_cursor_decode(bad[i], &out, &err) == -1, "accepted '%s'",
			      bad[i]);
		ck_assert_int_eq(err.kind, BERTH_E_INVALID);
		ck_assert_str_eq(err.msg, "invalid cursor");
	}
	ck_assert_int_eq(http_events_cursor_decode(NULL, &out, &err), -1);
}
END_TEST

START_TEST(test_limit)
{
	const char *bad[] = { "0",  "-1",  "+5",  "1001",	 "01", " 5",
			      "5 ", "1e3", "abc", "99999999999", "5x" };
	berth_err err;
	int v = -1;

	ck_assert_int_eq(http_events_limit(NULL, 100, 1000, &v, &err), 0);
	ck_assert_int_eq(v, 100);
	ck_assert_int_eq(http_events_limit("", 100, 1000, &v, &err), 0);
	ck_assert_int_eq(v, 100);
	ck_assert_int_eq(http_events_limit("1", 100, 1000, &v, &err), 0);
	ck_assert_int_eq(v, 1);
	ck_assert_int_eq(http_events_limit("1000", 100, 1000, &v, &err), 0);
	ck_assert_int_eq(v, 1000);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(http_events_limit(bad[i], 100, 1000, &v, &err) == -1, "accepted '%s'",
			      bad[i]);
		ck_assert_str_eq(err.msg, "limit must be 1..1000");
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("events_cursor");
	TCase *tc = tcase_create("pure");
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_encode_refuses);
	tcase_add_test(tc, test_decode_refuses);
	tcase_add_test(tc, test_limit);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
