/* test_reconcile_policy.c: the restart policies a bot may have (berth/reconcile.h) and the bot id
 * of a Berth container id. */
#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "berth/reconcile.h"

START_TEST(valid_policies)
{
	const char *ok[] = { NULL,	     "always",		"never",	"on-failure",
			     "on-failure:1", "on-failure:9999", "on-failure:10" };
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		berth_err err = { 0 };
		ck_assert_msg(reconcile_policy_check(ok[i], &err) == 0, "refused '%s'",
			      ok[i] ? ok[i] : "(null)");
	}
}
END_TEST

START_TEST(invalid_policies)
{
	const char *bad[] = { "",
			      "Always",
			      "sometimes",
			      "on-failure:",
			      "on-failure:0",
			      "on-failure:01",
			      "on-failure:10000",
			      "on-failure:1x",
			      "on-failure:-1",
			      "on-failure 3",
			      "always ",
			      "unless-stopped" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		berth_err err = { 0 };
		ck_assert_msg(reconcile_policy_check(bad[i], &err) == -1, "accepted '%s'", bad[i]);
		ck_assert_int_eq(err.kind, BERTH_E_INVALID);
		ck_assert(berth_err_is(&err, BERTH_EC_INVALID_RESTART_POLICY));
	}
}
END_TEST

START_TEST(bot_of_container)
{
	char id[STORE_ID_SIZE];
	ck_assert(reconcile_bot_of_container("mcp-11111111-1111-4111-8111-111111111111", id));
	ck_assert_str_eq(id, "11111111-1111-4111-8111-111111111111");
	ck_assert(!reconcile_bot_of_container("mcp-11111111-1111-4111-8111-11111111111", id));
	ck_assert(!reconcile_bot_of_container("mcp-11111111-1111-4111-8111-1111111111112", id));
	ck_assert(!reconcile_bot_of_container("mcp-11111111-1111-4111-8111-11111111111A", id));
	ck_assert(!reconcile_bot_of_container("xyz-11111111-1111-4111-8111-111111111111", id));
	ck_assert(!reconcile_bot_of_container("", id));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("reconcile_policy");
	TCase *tc = tcase_create("policy");
	tcase_add_test(tc, valid_policies);
	tcase_add_test(tc, invalid_policies);
	tcase_add_test(tc, bot_of_container);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
