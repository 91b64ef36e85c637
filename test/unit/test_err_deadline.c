/* Unit tests of the error value (err.c: sub-codes, detail-only messages, public text) and of the
 * deadline helper (deadline.c: the one clock and every call's budget). */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "berth/deadline.h"
#include "berth/err.h"

START_TEST(test_setc_and_is)
{
	berth_err err;

	berth_err_clear(&err);
	ck_assert(!berth_err_is(&err, BERTH_EC_NONE)); /* a cleared error is no error */
	ck_assert_int_eq(
		berth_err_setc(&err, BERTH_E_NOT_FOUND, BERTH_EC_PARENT_MISSING, "parent %s", "x"),
		-1);
	ck_assert(berth_err_is(&err, BERTH_EC_PARENT_MISSING));
	ck_assert(!berth_err_is(&err, BERTH_EC_SYMLINK));
	ck_assert(!err.detail_only);
	ck_assert_str_eq(err.msg, "parent x");
	ck_assert_str_eq(berth_err_code_str(&err), "parent_missing");
	/* a plain set clears the code */
	berth_err_set(&err, BERTH_E_NOT_FOUND, "gone");
	ck_assert(!berth_err_is(&err, BERTH_EC_PARENT_MISSING));
	ck_assert_str_eq(berth_err_code_str(&err), "not_found");
	ck_assert(!berth_err_is(NULL, BERTH_EC_NONE));
	ck_assert_int_eq(berth_err_setc(NULL, BERTH_E_INTERNAL, BERTH_EC_BUSY, "x"), -1);
}
END_TEST

START_TEST(test_driver_text_stays_detail)
{
	berth_err err;

	berth_err_driver(
		&err, BERTH_E_UNAVAILABLE, BERTH_EC_DATABASE,
		"database unavailable: connection to server on socket \"/run/postgresql/.s.PGSQL.5432\" failed");
	berth_err_prefix(&err, "lock bot");
	ck_assert(err.detail_only); /* the prefix keeps it */
	ck_assert_ptr_nonnull(strstr(err.msg, "lock bot: database unavailable"));
	ck_assert_str_eq(berth_err_public_msg(&err), "the database is unavailable");
	ck_assert_str_eq(berth_err_code_str(&err), "database_unavailable");
	/* a recode keeps the message and its detail flag */
	berth_err_recode(&err, BERTH_E_TIMEOUT, BERTH_EC_DEADLINE_EXCEEDED);
	ck_assert(err.detail_only);
	ck_assert_str_eq(berth_err_code_str(&err), "deadline_exceeded");
	ck_assert_ptr_null(strstr(berth_err_public_msg(&err), "/run/"));
	/* detail without a code: the kind's sentence */
	berth_err_driver(&err, BERTH_E_ALREADY_EXISTS, BERTH_EC_NONE,
			 "duplicate key value violates \"x_pkey\"");
	ck_assert_str_eq(berth_err_public_msg(&err), "already exists");
	ck_assert_str_eq(berth_err_code_str(&err), "already_exists");
	/* a message Berth wrote is the client's */
	berth_err_set(&err, BERTH_E_INVALID, "snapshot name must be 1..64 characters");
	ck_assert_str_eq(berth_err_public_msg(&err), "snapshot name must be 1..64 characters");
}
END_TEST

START_TEST(test_every_code_named)
{
	for (int c = 1; c < BERTH_EC__COUNT; c++) {
		berth_err err;
		const char *name = berth_errcode_name((berth_errcode)c);

		ck_assert_msg(name && *name, "code %d has no name", c);
		for (int d = 1; d < c; d++)
			ck_assert_str_ne(name, berth_errcode_name((berth_errcode)d));
		berth_err_driver(&err, BERTH_E_INTERNAL, (berth_errcode)c, "secret /var/lib/x");
		ck_assert_ptr_null(strstr(berth_err_public_msg(&err), "secret"));
	}
	ck_assert_ptr_null(berth_errcode_name(BERTH_EC_NONE));
	ck_assert_ptr_null(berth_errcode_name(BERTH_EC__COUNT));
	ck_assert_str_eq(berth_err_code_str(NULL), "internal");
	ck_assert_str_eq(berth_err_public_msg(NULL), "internal error");
}
END_TEST

START_TEST(test_prefix_truncates)
{
	berth_err err;
	char long_msg[BERTH_ERR_MSG_MAX * 2];

	memset(long_msg, 'a', sizeof long_msg - 1);
	long_msg[sizeof long_msg - 1] = '\0';
	berth_err_setc(&err, BERTH_E_INTERNAL, BERTH_EC_CONTAINERD, "%s", long_msg);
	ck_assert_uint_eq(strlen(err.msg), BERTH_ERR_MSG_MAX - 1);
	berth_err_prefix(&err, "ctx");
	ck_assert_uint_eq(strlen(err.msg), BERTH_ERR_MSG_MAX - 1);
	ck_assert(strncmp(err.msg, "ctx: aaa", 8) == 0);
	ck_assert(berth_err_is(&err, BERTH_EC_CONTAINERD));
}
END_TEST

START_TEST(test_clock_monotonic)
{
	int64_t a = berth_now_ms(), b;
	struct timespec ts = { 0, 20 * 1000000 };

	nanosleep(&ts, NULL);
	b = berth_now_ms();
	ck_assert_int_ge(b - a, 19);
	ck_assert_int_lt(b - a, 2000);
}
END_TEST

START_TEST(test_budget)
{
	berth_err err;
	int ms = 0;
	berth_deadline d;

	/* neither deadline nor cap: unbounded */
	ck_assert_int_eq(berth_deadline_budget(0, 0, "x", &ms, &err), 0);
	ck_assert_int_eq(ms, -1);
	/* a cap alone */
	ck_assert_int_eq(berth_deadline_budget(0, 1500, "x", &ms, &err), 0);
	ck_assert_int_eq(ms, 1500);
	/* the deadline is nearer than the cap */
	d = berth_deadline_after(300);
	ck_assert_int_eq(berth_deadline_budget(d, 15000, "x", &ms, &err), 0);
	ck_assert_int_gt(ms, 250);
	ck_assert_int_le(ms, 300);
	/* the cap is nearer than the deadline */
	d = berth_deadline_after(60000);
	ck_assert_int_eq(berth_deadline_budget(d, 1000, "x", &ms, &err), 0);
	ck_assert_int_eq(ms, 1000);
	/* no cap: what is left */
	ck_assert_int_eq(berth_deadline_budget(d, 0, "x", &ms, &err), 0);
	ck_assert_int_gt(ms, 59000);
	/* passed */
	d = berth_now_ms() - 1;
	ck_assert_int_eq(berth_deadline_budget(d, 1000, "Tasks.Get", &ms, &err), -1);
	ck_assert_int_eq(ms, 0);
	ck_assert_int_eq(err.kind, BERTH_E_TIMEOUT);
	ck_assert(berth_err_is(&err, BERTH_EC_DEADLINE_EXCEEDED));
	ck_assert_str_eq(err.msg, "Tasks.Get: deadline exceeded");
	ck_assert(err.detail_only);
	ck_assert_str_eq(berth_err_public_msg(&err),
			 "the operation did not finish before the request's deadline");
	ck_assert(berth_deadline_passed(d));
	ck_assert(!berth_deadline_passed(0));
	ck_assert_int_eq(berth_deadline_left_ms(d), 0);
	ck_assert_int_eq(berth_deadline_left_ms(0), INT64_MAX);
}
END_TEST

START_TEST(test_deadline_min_after)
{
	ck_assert_int_eq(berth_deadline_min(0, 0), 0);
	ck_assert_int_eq(berth_deadline_min(0, 5), 5);
	ck_assert_int_eq(berth_deadline_min(7, 0), 7);
	ck_assert_int_eq(berth_deadline_min(7, 5), 5);
	ck_assert_int_eq(berth_deadline_after(0), 0);
	ck_assert_int_eq(berth_deadline_after(-3), 0);
	ck_assert_int_ge(berth_deadline_after(10), berth_now_ms());
}
END_TEST

int main(void)
{
	Suite *s = suite_create("err_deadline");
	TCase *tc = tcase_create("pure");
	tcase_add_test(tc, test_setc_and_is);
	tcase_add_test(tc, test_driver_text_stays_detail);
	tcase_add_test(tc, test_every_code_named);
	tcase_add_test(tc, test_prefix_truncates);
	tcase_add_test(tc, test_clock_monotonic);
	tcase_add_test(tc, test_budget);
	tcase_add_test(tc, test_deadline_min_after);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
