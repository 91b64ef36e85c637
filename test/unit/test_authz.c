/* test_authz.c: the bot access decision table (reference §1). */
#include <check.h>
#include <stdbool.h>
#include <stddef.h>

#include "berth/authz.h"

#define OWNER "11111111-1111-4111-8111-111111111111"
#define OTHER "22222222-2222-4222-8222-222222222222"

struct row {
	const char *who;
	bool admin, is_owner, is_public, allow_guest, member;
	enum authz_decision owner_policy; /* container, skills, snapshot routes */
	enum authz_decision guest_policy; /* the tools gateway */
};

static const struct row table[] = {
	/* who              admin  owner  public guest  member  owner/admin routes   tools gateway */
	{ "admin", true, false, false, false, false, AUTHZ_ALLOW_ADMIN, AUTHZ_ALLOW_ADMIN },
	{ "admin+owner", true, true, false, false, false, AUTHZ_ALLOW_ADMIN, AUTHZ_ALLOW_ADMIN },
	{ "owner", false, true, false, false, false, AUTHZ_ALLOW_OWNER, AUTHZ_ALLOW_OWNER },
	{ "owner public", false, true, true, true, false, AUTHZ_ALLOW_OWNER, AUTHZ_ALLOW_OWNER },
	{ "stranger", false, false, false, false, false, AUTHZ_DENY, AUTHZ_DENY },
	{ "stranger public", false, false, true, false, false, AUTHZ_DENY, AUTHZ_DENY },
	{ "member personal", false, false, false, false, true, AUTHZ_DENY, AUTHZ_DENY },
	{ "member public", false, false, true, false, true, AUTHZ_DENY, AUTHZ_ALLOW_MEMBER },
	{ "guest personal", false, false, false, true, false, AUTHZ_DENY, AUTHZ_DENY },
	{ "guest public", false, false, true, true, false, AUTHZ_DENY, AUTHZ_ALLOW_GUEST },
	{ "member+guest", false, false, true, true, true, AUTHZ_DENY, AUTHZ_ALLOW_MEMBER },
};

START_TEST(decision_table)
{
	const struct row *r = &table[_i];
	struct authz_caller caller = { r->is_owner ? OWNER : OTHER, r->admin };
	struct authz_bot bot = { OWNER, r->is_public, r->allow_guest, r->member };

	ck_assert_msg(authz_decide(&caller, &bot, &AUTHZ_OWNER_OR_ADMIN) == r->owner_policy,
		      "%s on an owner/admin route", r->who);
	ck_assert_msg(authz_decide(&caller, &bot, &AUTHZ_WITH_GUEST) == r->guest_policy,
		      "%s on the tools gateway", r->who);
}
END_TEST

START_TEST(missing_facts_deny)
{
	struct authz_caller nobody = { NULL, true };
	struct authz_caller user = { OWNER, false };
	struct authz_bot bot = { OWNER, true, true, true };

	ck_assert_int_eq(authz_decide(&nobody, &bot, &AUTHZ_WITH_GUEST), AUTHZ_DENY);
	ck_assert_int_eq(authz_decide(NULL, &bot, &AUTHZ_WITH_GUEST), AUTHZ_DENY);
	ck_assert_int_eq(authz_decide(&user, NULL, &AUTHZ_WITH_GUEST), AUTHZ_DENY);
	/* owner ids compare as canonical strings: another case is another user */
	{
		struct authz_caller upper = { "11111111-1111-4111-8111-11111111111A", false };
		struct authz_bot b = { "11111111-1111-4111-8111-11111111111a", false, false,
				       false };
		ck_assert_int_eq(authz_decide(&upper, &b, &AUTHZ_OWNER_OR_ADMIN), AUTHZ_DENY);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("authz");
	TCase *tc = tcase_create("authz");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, decision_table, 0, (int)(sizeof table / sizeof table[0]));
	tcase_add_test(tc, missing_facts_deny);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
