/* test_safefs.c: safefs never follows a link out of its root (sentinel files outside). */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "berth/safefs.h"

static char base[64];
static char root_path[128], out_path[128];
static int root_fd = -1;

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(p);
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static char *path_in(const char *dir, const char *rel)
{
	static char buf[4][256];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", dir, rel);
	return buf[k];
}

/* The sentinel outside the root is intact and nothing new appeared next to it. */
static void assert_outside_intact(void)
{
	char buf[64] = { 0 };
	FILE *f = fopen(path_in(out_path, "sentinel"), "r");
	struct stat st;

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, sizeof buf, f));
	fclose(f);
	ck_assert_str_eq(buf, "secret");
	ck_assert_int_ne(stat(path_in(out_path, "new"), &st), 0);
	ck_assert_int_ne(stat(path_in(out_path, "sub"), &st), 0);
	ck_assert_int_eq(stat(path_in(out_path, "dir/keep"), &st), 0);
}

static void setup(void)
{
	snprintf(base, sizeof base, "/tmp/berth-safefs-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base));
	snprintf(root_path, sizeof root_path, "%s/root", base);
	snprintf(out_path, sizeof out_path, "%s/outside", base);
	ck_assert_int_eq(mkdir(root_path, 0755), 0);
	ck_assert_int_eq(mkdir(out_path, 0755), 0);
	ck_assert_int_eq(mkdir(path_in(out_path, "dir"), 0755), 0);
	put(path_in(out_path, "sentinel"), "secret");
	put(path_in(out_path, "dir/keep"), "keep");
	/* links planted at several levels */
	ck_assert_int_eq(symlink(out_path, path_in(root_path, "dirlink")), 0);
	ck_assert_int_eq(symlink(path_in(out_path, "sentinel"), path_in(root_path, "filelink")), 0);
	ck_assert_int_eq(mkdir(path_in(root_path, "a"), 0755), 0);
	ck_assert_int_eq(mkdir(path_in(root_path, "a/b"), 0755), 0);
	ck_assert_int_eq(symlink("../../../outside", path_in(root_path, "a/b/up")), 0);
	ck_assert_int_eq(symlink(path_in(out_path, "dir"), path_in(root_path, "a/dirlink")), 0);
	put(path_in(root_path, "a/b/file"), "hello");
	ck_assert_int_eq(safefs_open_root(root_path, &root_fd, NULL), 0);
}

static void teardown(void)
{
	if (root_fd >= 0)
		close(root_fd);
	root_fd = -1;
	nftw(base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

START_TEST(test_open_root_refuses_link)
{
	berth_err err;
	int fd;

	ck_assert_int_eq(safefs_open_root(path_in(root_path, "dirlink"), &fd, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);
	ck_assert_ptr_nonnull(strstr(err.msg, "is a symbolic link"));
	ck_assert_int_eq(safefs_open_root(path_in(root_path, "nope"), &fd, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_NOT_FOUND);
}
END_TEST

START_TEST(test_read_through_links_refused)
{
	const char *paths[] = { "filelink",	   "dirlink/sentinel",
				"a/b/up/sentinel", "../outside/sentinel",
				"/etc/hostname",   "a/../../outside/sentinel" };
	berth_err err;
	size_t len;
	char *data;

	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		ck_assert_int_eq(safefs_read(root_fd, paths[i], 1024, &data, &len, &err), -1);
		ck_assert_ptr_null(data);
		ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);
	}
	ck_assert_int_eq(safefs_read(root_fd, "filelink", 1024, &data, &len, &err), -1);
	ck_assert_str_eq(err.msg, "filelink is a symbolic link");
	ck_assert_int_eq(safefs_read(root_fd, "a/b/up/sentinel", 1024, &data, &len, &err), -1);
	ck_assert_str_eq(err.msg, "a/b/up is a symbolic link");
	ck_assert_int_eq(safefs_read(root_fd, "a/b/file", 1024, &data, &len, &err), 0);
	ck_assert_str_eq(data, "hello");
	ck_assert_uint_eq(len, 5);
	free(data);
	assert_outside_intact();
}
END_TEST

START_TEST(test_read_bounds_and_types)
{
	berth_err err;
	size_t len;
	char *data;

	ck_assert_int_eq(safefs_read(root_fd, "a/b/file", 4, &data, &len, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_TOO_LARGE);
	ck_assert_int_eq(safefs_read(root_fd, "a/b/file", 5, &data, &len, &err), 0);
	free(data);
	ck_assert_int_eq(mkfifo(path_in(root_path, "fifo"), 0600), 0);
	ck_assert_int_eq(safefs_read(root_fd, "fifo", 4, &data, &len, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);
	ck_assert_str_eq(err.msg, "fifo is not a regular file");
	ck_assert_int_eq(safefs_read(root_fd, "a", 4, &data, &len, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);
	ck_assert_int_eq(safefs_read(root_fd, "missing", 4, &data, &len, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_NOT_FOUND);
	ck_assert_int_eq(safefs_read(root_fd, "a/b/file/x", 4, &data, &len, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);
}
END_TEST

START_TEST(test_write_atomic)
{
	struct stat st;
	berth_err err;
	size_t len;
	char *data;

	/* a link at the name is replaced, its target untouched */
	ck_assert_int_eq(safefs_write_atomic(root_fd, "filelink", "mine", 4, 0644, &err), 0);
	ck_assert_int_eq(lstat(path_in(root_path, "filelink"), &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0644);
	ck_assert_int_eq(safefs_read(root_fd, "filelink", 100, &data, &len, &err), 0);
	ck_assert_str_eq(data, "mine");
	free(data);
	/* through a linked directory: refused */
	ck_assert_int_eq(safefs_write_atomic(root_fd, "dirlink/new", "x", 1, 0644, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);
	ck_assert_int_eq(safefs_write_atomic(root_fd, "a/b/up/new", "x", 1, 0644, &err), -1);
	ck_assert_int_eq(safefs_write_atomic(root_fd, "../outside/new", "x", 1, 0644, &err), -1);
	/* onto a directory: refused, nothing left behind */
	ck_assert_int_eq(safefs_write_atomic(root_fd, "a/b", "x", 1, 0644, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);
	/* a normal write, replacing */
	ck_assert_int_eq(safefs_write_atomic(root_fd, "a/b/file", "v2", 2, 0600, &err), 0);
	ck_assert_int_eq(stat(path_in(root_path, "a/b/file"), &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	{
		struct safefs_entry *v;
		size_t n;
		ck_assert_int_eq(safefs_list(root_fd, "a", &v, &n, &err), 0);
		ck_assert_uint_eq(n, 2); /* b, dirlink: no temp file left */
		safefs_entries_free(v, n);
		ck_assert_int_eq(safefs_list(root_fd, "a/b", &v, &n, &err), 0);
		ck_assert_uint_eq(n, 2); /* file, up */
		safefs_entries_free(v, n);
	}
	ck_assert_int_eq(safefs_write_atomic(root_fd, "", "x", 1, 0644, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_INVALID);
	assert_outside_intact();
}
END_TEST

START_TEST(test_mkdirs)
{
	struct stat st;
	berth_err err;
	int fd;

	ck_assert_int_eq(safefs_mkdirs(root_fd, "x/y/z", 0750, &fd, &err), 0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(stat(path_in(root_path, "x/y/z"), &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0750);
	ck_assert_int_eq(safefs_mkdirs(root_fd, "x/y/z", 0700, NULL, &err), 0); /* exists: ok */
	ck_assert_int_eq(safefs_mkdirs(root_fd, "dirlink/sub", 0755, NULL, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);
	ck_assert_str_eq(err.msg, "dirlink is a symbolic link");
	ck_assert_int_eq(safefs_mkdirs(root_fd, "a/b/up/sub", 0755, NULL, &err), -1);
	ck_assert_str_eq(err.msg, "a/b/up is a symbolic link");
	ck_assert_int_eq(safefs_mkdirs(root_fd, "a/b/file/sub", 0755, NULL, &err), -1);
	ck_assert_str_eq(err.msg, "a/b/file is not a directory");
	ck_assert_int_eq(safefs_mkdirs(root_fd, "../outside/sub", 0755, NULL, &err), -1);
	assert_outside_intact();
}
END_TEST

START_TEST(test_list)
{
	struct safefs_entry *v;
	berth_err err;
	size_t n;

	ck_assert_int_eq(safefs_list(root_fd, "", &v, &n, &err), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(v[0].name, "a");
	ck_assert_int_eq(v[0].type, SAFEFS_DIR);
	ck_assert_str_eq(v[1].name, "dirlink");
	ck_assert_int_eq(v[1].type, SAFEFS_LINK);
	ck_assert_str_eq(v[2].name, "filelink");
	ck_assert_int_eq(v[2].type, SAFEFS_LINK);
	safefs_entries_free(v, n);
	ck_assert_int_eq(safefs_list(root_fd, "dirlink", &v, &n, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);
	ck_assert_int_eq(safefs_list(root_fd, "a/dirlink", &v, &n, &err), -1);
	ck_assert_int_eq(safefs_list(root_fd, "a/b/up", &v, &n, &err), -1);
	ck_assert_int_eq(safefs_list(root_fd, "..", &v, &n, &err), -1);
}
END_TEST

START_TEST(test_stat_and_find_link)
{
	enum safefs_type t;
	berth_err err;
	int exists, found;
	char *link;

	ck_assert_int_eq(safefs_stat(root_fd, "dirlink", &exists, &t, &err), 0);
	ck_assert(exists && t == SAFEFS_LINK);
	ck_assert_int_eq(safefs_stat(root_fd, "nope", &exists, &t, &err), 0);
	ck_assert(!exists);
	ck_assert_int_eq(safefs_stat(root_fd, "dirlink/sentinel", &exists, &t, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);
	ck_assert_int_eq(safefs_find_link(root_fd, "a", &found, &link, &err), 0);
	ck_assert(found);
	ck_assert_str_eq(link, "a/b/up");
	free(link);
	ck_assert_int_eq(safefs_find_link(root_fd, "a/b/file", &found, &link, &err), 0);
	ck_assert(!found);
	ck_assert_int_eq(safefs_find_link(root_fd, "filelink", &found, &link, &err), 0);
	ck_assert(found);
	free(link);
	ck_assert_int_eq(safefs_find_link(root_fd, "missing", &found, NULL, &err), 0);
	ck_assert(!found);
}
END_TEST

START_TEST(test_remove_tree_never_follows)
{
	struct stat st;
	berth_err err;

	/* a link at the name: the link goes, its target stays */
	ck_assert_int_eq(safefs_remove_tree(root_fd, "dirlink", &err), 0);
	ck_assert_int_ne(lstat(path_in(root_path, "dirlink"), &st), 0);
	/* a tree with links inside: removed as links */
	ck_assert_int_eq(safefs_remove_tree(root_fd, "a", &err), 0);
	ck_assert_int_ne(lstat(path_in(root_path, "a"), &st), 0);
	/* absent: fine; through a link: refused */
	ck_assert_int_eq(safefs_remove_tree(root_fd, "a", &err), 0);
	ck_assert_int_eq(symlink(out_path, path_in(root_path, "dirlink")), 0);
	ck_assert_int_eq(safefs_remove_tree(root_fd, "dirlink/dir", &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);
	ck_assert_int_eq(safefs_remove_tree(root_fd, "../outside", &err), -1);
	ck_assert_int_eq(safefs_remove_tree(root_fd, "", &err), -1);
	ck_assert_int_eq(safefs_remove_tree(root_fd, "filelink", &err), 0);
	assert_outside_intact();
}
END_TEST

START_TEST(test_remove_tree_depth_bound)
{
	char rel[4096] = "deep";
	berth_err err;

	for (int i = 0; i < 140; i++)
		strcat(rel, "/d");
	ck_assert_int_eq(safefs_mkdirs(root_fd, rel, 0755, NULL, &err), 0);
	ck_assert_int_eq(safefs_remove_tree(root_fd, "deep", &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);
}
END_TEST

/* A fifo or a device at the name is never opened (an open can block or run driver code): inotify
 * reports every real open, an O_PATH open is not one. */
START_TEST(test_read_never_opens_special_files)
{
	const char *names[] = { "fifo", "null" };
	char evbuf[4096];
	berth_err err;
	size_t len;
	char *data;
	int ino;

	ck_assert_int_eq(mkfifo(path_in(root_path, "fifo"), 0600), 0);
	ck_assert_int_eq(mknod(path_in(root_path, "null"), S_IFCHR | 0600, makedev(1, 3)), 0);
	ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	ck_assert_int_ge(ino, 0);
	for (size_t i = 0; i < 2; i++)
		ck_assert_int_ge(inotify_add_watch(ino, path_in(root_path, names[i]), IN_OPEN), 0);
	for (size_t i = 0; i < 2; i++) {
		ck_assert_int_eq(safefs_read(root_fd, names[i], 64, &data, &len, &err), -1);
		ck_assert_ptr_null(data);
		ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);
		ck_assert_ptr_nonnull(strstr(err.msg, "is not a regular file"));
	}
	errno = 0;
	ck_assert_int_eq(read(ino, evbuf, sizeof evbuf), -1);
	ck_assert_int_eq(errno, EAGAIN); /* no IN_OPEN event */
	/* a regular file is opened (and reported) */
	ck_assert_int_ge(inotify_add_watch(ino, path_in(root_path, "a/b/file"), IN_OPEN), 0);
	ck_assert_int_eq(safefs_read(root_fd, "a/b/file", 64, &data, &len, &err), 0);
	free(data);
	ck_assert_int_gt(read(ino, evbuf, sizeof evbuf), 0);
	close(ino);
}
END_TEST

/* Absolute paths fail everywhere (also where a parent is split off); a trailing slash requires a
 * directory. */
START_TEST(test_absolute_and_trailing_slash)
{
	enum safefs_type t;
	struct stat st;
	berth_err err;
	size_t len;
	char *data;
	int fd, exists;

	ck_assert_int_eq(safefs_remove_tree(root_fd, "/a", &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);
	ck_assert_str_eq(err.msg, "/a escapes its root");
	ck_assert_int_eq(stat(path_in(root_path, "a/b/file"), &st), 0);
	ck_assert_int_eq(safefs_write_atomic(root_fd, "/a/b/file", "x", 1, 0644, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);
	ck_assert_int_eq(safefs_stat(root_fd, "/a", &exists, &t, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);
	ck_assert_int_eq(safefs_open(root_fd, "/a", O_RDONLY, 0, &fd, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);

	ck_assert_int_eq(safefs_read(root_fd, "a/b/file/", 64, &data, &len, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);
	ck_assert_ptr_nonnull(strstr(err.msg, "not a directory"));
	ck_assert_int_eq(safefs_open(root_fd, "a/b/file/.", O_RDONLY, 0, &fd, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);
	ck_assert_int_eq(safefs_open(root_fd, "a/b/new/", O_WRONLY | O_CREAT, 0644, &fd, &err), -1);
	ck_assert_int_ne(stat(path_in(root_path, "a/b/new"), &st), 0);
	ck_assert_int_eq(safefs_open(root_fd, "a/b/", O_RDONLY, 0, &fd, &err), 0);
	close(fd);
	ck_assert_int_eq(safefs_open(root_fd, "a/./b/.", O_RDONLY, 0, &fd, &err), 0);
	close(fd);
	ck_assert_int_eq(safefs_read(root_fd, "a/./b/file", 64, &data, &len, &err), 0);
	ck_assert_str_eq(data, "hello");
	free(data);
}
END_TEST

START_TEST(test_list_max)
{
	struct safefs_entry *v;
	berth_err err;
	size_t n;

	ck_assert_int_eq(safefs_mkdirs(root_fd, "many", 0755, NULL, &err), 0);
	for (int i = 0; i < 5; i++) {
		char rel[32];
		snprintf(rel, sizeof rel, "many/f%d", i);
		ck_assert_int_eq(safefs_write_atomic(root_fd, rel, "x", 1, 0644, &err), 0);
	}
	ck_assert_int_eq(safefs_list_max(root_fd, "many", 4, &v, &n, &err), -1);
	ck_assert_ptr_null(v);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(err.kind, BERTH_E_TOO_LARGE);
	ck_assert_str_eq(err.msg, "many has more than 4 entries");
	ck_assert_int_eq(safefs_list_max(root_fd, "many", 5, &v, &n, &err), 0);
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(v[4].name, "f4");
	safefs_entries_free(v, n);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("safefs");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_open_root_refuses_link);
	tcase_add_test(tc, test_read_through_links_refused);
	tcase_add_test(tc, test_read_bounds_and_types);
	tcase_add_test(tc, test_write_atomic);
	tcase_add_test(tc, test_mkdirs);
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_stat_and_find_link);
	tcase_add_test(tc, test_remove_tree_never_follows);
	tcase_add_test(tc, test_remove_tree_depth_bound);
	tcase_add_test(tc, test_read_never_opens_special_files);
	tcase_add_test(tc, test_absolute_and_trailing_slash);
	tcase_add_test(tc, test_list_max);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
