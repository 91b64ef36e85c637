/* test_botstdio_fed.c: the names of federated stdio connection tools (the original's sanitising,
 * spec §11.4). */
#include <check.h>
#include <stdlib.h>

#include "berth/botstdio_fed.h"

static void name_is(const char *connection, const char *tool, const char *want)
{
	char got[512];

	botstdio_fed_name(connection, tool, got, sizeof got);
	ck_assert_str_eq(got, want);
}

START_TEST(sanitising)
{
	name_is("github", "search", "github.search");
	name_is("My Tools!", "echo", "my_tools.echo");
	name_is("  -._x_.-  ", "t", "x.t");
	name_is("a.b", "t", "a_b.t");
	name_is("Zürich", "t", "z_rich.t"); /* a non-ASCII character becomes one '_' */
	name_is("", "t", "mcp.t");
	name_is("...", "t", "mcp.t");
	name_is("UPPER-case_9", "t", "upper-case_9.t");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("botstdio_fed");
	TCase *tc = tcase_create("names");
	tcase_add_test(tc, sanitising);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
