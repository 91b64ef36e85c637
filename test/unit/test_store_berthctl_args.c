/* Unit: berthctl's option parsing. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "berthctl.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct bot_args {
	const char *owner, *id, *name, *type;
	bool is_public, allow_guest;
	const char *pos[1];
};

static int parse_bot(int argc, char **argv, struct bot_args *a, berth_err *err)
{
	const struct berthctl_opt opts[] = {
		{ "owner", &a->owner, NULL },	   { "id", &a->id, NULL },
		{ "name", &a->name, NULL },	   { "type", &a->type, NULL },
		{ "public", NULL, &a->is_public }, { "allow-guest", NULL, &a->allow_guest },
	};

	*a = (struct bot_args){ 0 };
	return berthctl_parse(argc, argv, opts, N(opts), a->pos, 0, 1, err);
}

START_TEST(options_and_positional)
{
	char *argv[] = {
		"mybot", "--owner", "alice", "--type=public", "--allow-guest", "--id", "x"
	};
	struct bot_args a;
	berth_err err = { 0 };

	ck_assert_int_eq(parse_bot(N(argv), argv, &a, &err), 0);
	ck_assert_str_eq(a.pos[0], "mybot");
	ck_assert_str_eq(a.owner, "alice");
	ck_assert_str_eq(a.type, "public");
	ck_assert_str_eq(a.id, "x");
	ck_assert(a.allow_guest);
	ck_assert(!a.is_public);
	ck_assert_ptr_null(a.name);
}
END_TEST

START_TEST(errors)
{
	struct bot_args a;
	berth_err err = { 0 };
	char *unknown[] = { "--bogus" };
	char *twice[] = { "--owner", "a", "--owner", "b" };
	char *missing_value[] = { "--owner" };
	char *flag_value[] = { "--public=yes" };
	char *too_many[] = { "a", "b" };
	char *short_opt[] = { "-x" };

	ck_assert_int_eq(parse_bot(N(unknown), unknown, &a, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, "--bogus"));
	ck_assert_int_eq(parse_bot(N(twice), twice, &a, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "twice"));
	ck_assert_int_eq(parse_bot(N(missing_value), missing_value, &a, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "needs a value"));
	ck_assert_int_eq(parse_bot(N(flag_value), flag_value, &a, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "takes no value"));
	ck_assert_int_eq(parse_bot(N(too_many), too_many, &a, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "'b'"));
	ck_assert_int_eq(parse_bot(N(short_opt), short_opt, &a, &err), -1);
}
END_TEST

START_TEST(positional_bounds_and_dashdash)
{
	const char *pos[3];
	berth_err err = { 0 };
	char *two[] = { "alice", "x509" };
	char *dn[] = { "alice", "x509", "--", "-CN=odd" };
	char *dash_value[] = { "alice", "x509", "CN=a,O=b" };

	ck_assert_int_eq(berthctl_parse(N(two), two, NULL, 0, pos, 3, 3, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "missing argument"));
	ck_assert_int_eq(berthctl_parse(N(dn), dn, NULL, 0, pos, 3, 3, &err), 0);
	ck_assert_str_eq(pos[2], "-CN=odd");
	ck_assert_int_eq(berthctl_parse(N(dash_value), dash_value, NULL, 0, pos, 3, 3, &err), 0);
	ck_assert_str_eq(pos[0], "alice");
	ck_assert_str_eq(pos[2], "CN=a,O=b");
	ck_assert_int_eq(berthctl_parse(0, NULL, NULL, 0, NULL, 0, 0, &err), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("berthctl_args");
	TCase *tc = tcase_create("parse");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, options_and_positional);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, positional_bounds_and_dashdash);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
