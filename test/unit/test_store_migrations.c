/* Unit: the migrations embedded from db/ (order, names, same bytes as the files). */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/store_migrate.h"

START_TEST(version_parsing)
{
	ck_assert_int_eq(store_migration_version("0001_init.sql"), 1);
	ck_assert_int_eq(store_migration_version("0012_add_nodes.sql"), 12);
	ck_assert_int_eq(store_migration_version("7_x.sql"), 7);
	ck_assert_int_eq(store_migration_version(NULL), -1);
	ck_assert_int_eq(store_migration_version("init.sql"), -1);
	ck_assert_int_eq(store_migration_version("0001init.sql"), -1);
	ck_assert_int_eq(store_migration_version("0001_.sql"), -1);
	ck_assert_int_eq(store_migration_version("0001_init.txt"), -1);
	ck_assert_int_eq(store_migration_version("0001_init.sql~"), -1);
	ck_assert_int_eq(store_migration_version("0000_zero.sql"), -1);
	ck_assert_int_eq(store_migration_version("0001_a b.sql"), -1);
	ck_assert_int_eq(store_migration_version("0001_Init.sql"), -1);
	ck_assert_int_eq(store_migration_version("999999999999_big.sql"), -1);
}
END_TEST

START_TEST(embedded_in_order)
{
	size_t count = 0;
	const struct store_migration *m = store_migrations(&count);

	ck_assert_uint_ge(count, 1);
	ck_assert_str_eq(m[0].name, "0001_init.sql");
	for (size_t i = 0; i < count; i++) {
		ck_assert_int_eq(store_migration_version(m[i].name), m[i].version);
		ck_assert_ptr_nonnull(m[i].sql);
		ck_assert_uint_gt(strlen(m[i].sql), 0);
		if (i > 0)
			ck_assert_int_gt(m[i].version, m[i - 1].version);
	}
}
END_TEST

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

/* Every .sql file of db/ is embedded with the same bytes: nobody forgot to list a new migration. */
START_TEST(embedded_matches_db_dir)
{
	size_t count = 0, files = 0;
	const struct store_migration *m = store_migrations(&count);
	DIR *dir = opendir(BERTH_DB_DIR);
	struct dirent *e;

	ck_assert_msg(dir != NULL, "cannot open %s", BERTH_DB_DIR);
	while ((e = readdir(dir)) != NULL) {
		size_t len = strlen(e->d_name);
		char path[4096];
		char *text;
		bool found = false;

		if (len < 4 || strcmp(e->d_name + len - 4, ".sql") != 0)
			continue;
		files++;
		ck_assert_msg(store_migration_version(e->d_name) > 0,
			      "db/%s is not named NNNN_name.sql", e->d_name);
		snprintf(path, sizeof path, "%s/%s", BERTH_DB_DIR, e->d_name);
		text = read_file(path);
		for (size_t i = 0; i < count; i++) {
			if (strcmp(m[i].name, e->d_name) == 0) {
				found = true;
				ck_assert_msg(strcmp(m[i].sql, text) == 0,
					      "embedded %s differs from the file", e->d_name);
			}
		}
		ck_assert_msg(
			found,
			"db/%s is not embedded: list it in STORE_MIGRATIONS (app/store/local.mk)",
			e->d_name);
		free(text);
	}
	closedir(dir);
	ck_assert_uint_eq(files, count);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("store_migrations");
	TCase *tc = tcase_create("migrations");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, version_parsing);
	tcase_add_test(tc, embedded_in_order);
	tcase_add_test(tc, embedded_matches_db_dir);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
