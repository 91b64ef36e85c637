/* test_resolv.c: the bots' resolv.conf (pure build, host-only write) and their directories. */
#define _GNU_SOURCE
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "berth/botdir.h"
#include "berth/resolv.h"

#define UUID "0b7f4d2c-9a51-4e0f-8c3e-2f6a1d9b7e40"

static char *build(const char *host, const char *fallback)
{
	berth_err err;
	char *out = NULL;

	ck_assert_msg(resolv_build(host, fallback, &out, &err) == 0, "%s", err.msg);
	return out;
}

START_TEST(test_drops_loopback_keeps_rest)
{
	char *out = build("# a comment\n"
			  "nameserver 127.0.0.53\n"
			  "nameserver 127.0.0.11\n"
			  "nameserver ::1\n"
			  "nameserver 0.0.0.0\n"
			  "nameserver ::ffff:127.0.0.1\n"
			  "  nameserver\t192.0.2.53  # trailing\n"
			  "nameserver 2001:db8::53\n"
			  "nameserver fe80::1%eth0\n"
			  "search example.test lab.test\n"
			  "domain example.test\n"
			  "options edns0 trust-ad\n"
			  "lookup file bind\n"
			  "nameserver not-an-ip\n",
			  "198.51.100.1");

	ck_assert_ptr_null(strstr(out, "127.0.0"));
	ck_assert_ptr_null(strstr(out, "::1\n"));
	ck_assert_ptr_null(strstr(out, "0.0.0.0"));
	ck_assert_ptr_null(strstr(out, "not-an-ip"));
	ck_assert_ptr_null(strstr(out, "lookup"));
	ck_assert_ptr_null(strstr(out, "a comment"));
	ck_assert_ptr_null(strstr(out, "198.51.100.1")); /* fallback unused */
	ck_assert_ptr_nonnull(strstr(out, "\nnameserver 192.0.2.53\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nnameserver 2001:db8::53\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nnameserver fe80::1%eth0\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nsearch example.test lab.test\n"));
	ck_assert_ptr_nonnull(strstr(out, "\ndomain example.test\n"));
	ck_assert_ptr_nonnull(strstr(out, "\noptions edns0 trust-ad\n"));
	ck_assert(out[0] == '#');
	free(out);
}
END_TEST

START_TEST(test_fallback_used)
{
	char *out = build("nameserver 127.0.0.53\noptions edns0\nsearch lan\n",
			  " 192.0.2.1,  2001:db8::1 127.0.0.1 ");

	ck_assert_ptr_nonnull(strstr(out, "\nnameserver 192.0.2.1\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nnameserver 2001:db8::1\n"));
	ck_assert_ptr_null(strstr(out, "127.0.0.1"));
	ck_assert_ptr_nonnull(strstr(out, "\noptions edns0\n"));
	ck_assert_ptr_nonnull(strstr(out, "fallback_nameservers"));
	free(out);
}
END_TEST

START_TEST(test_no_nameserver_documented)
{
	char *out = build("nameserver 127.0.0.53\nsearch lan\n", "");

	ck_assert_ptr_null(strstr(out, "\nnameserver"));
	ck_assert_ptr_nonnull(strstr(out, "names none"));
	ck_assert_ptr_nonnull(strstr(out, "\nsearch lan\n"));
	free(out);
	out = build(NULL, NULL);
	ck_assert_ptr_null(strstr(out, "\nnameserver"));
	ck_assert(out[0] == '#');
	free(out);
}
END_TEST

START_TEST(test_bad_fallback)
{
	berth_err err;
	char *out = (char *)1;

	ck_assert_int_eq(resolv_build("", "8.8.8.8 dns.example", &out, &err), -1);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(err.kind, BERTH_E_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, "dns.example"));
}
END_TEST

static char base[64];

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(p);
}

static void fs_setup(void)
{
	snprintf(base, sizeof base, "/tmp/berth-resolv-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base));
}

static void fs_teardown(void)
{
	nftw(base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

START_TEST(test_write_replaces_planted_link)
{
	char dir[128], target[128], link[160];
	char *path = NULL;
	struct stat st;
	berth_err err;
	FILE *f;

	snprintf(dir, sizeof dir, "%s/state", base);
	snprintf(target, sizeof target, "%s/host-secret", base);
	snprintf(link, sizeof link, "%s/resolv.conf", dir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	f = fopen(target, "w");
	fputs("secret", f);
	fclose(f);
	ck_assert_int_eq(symlink(target, link), 0);

	ck_assert_int_eq(resolv_write_for_bot(dir, "nameserver 192.0.2.1\n", &path, &err), 0);
	ck_assert_str_eq(path, link);
	free(path);
	ck_assert_int_eq(lstat(link, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0644);
	ck_assert_str_eq(slurp(link), "nameserver 192.0.2.1\n");
	ck_assert_str_eq(slurp(target), "secret");

	/* the bot state dir itself replaced by a link: refused */
	snprintf(link, sizeof link, "%s/state2", base);
	ck_assert_int_eq(symlink(dir, link), 0);
	ck_assert_int_eq(resolv_write_for_bot(link, "x\n", NULL, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);
}
END_TEST

START_TEST(test_prepare_from_host_file)
{
	char dir[128], host[128], *path = NULL;
	berth_err err;
	FILE *f;

	snprintf(dir, sizeof dir, "%s/state", base);
	snprintf(host, sizeof host, "%s/host-resolv.conf", base);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	f = fopen(host, "w");
	fputs("nameserver 127.0.0.53\nnameserver 192.0.2.7\nsearch x\n", f);
	fclose(f);
	ck_assert_msg(resolv_prepare_for_bot(host, "", dir, &path, &err) == 0, "%s", err.msg);
	ck_assert_ptr_nonnull(strstr(slurp(path), "\nnameserver 192.0.2.7\n"));
	ck_assert_ptr_null(strstr(slurp(path), "127.0.0.53"));
	free(path);
	/* a missing host file: the fallback */
	ck_assert_int_eq(
		resolv_prepare_for_bot("/nonexistent/resolv.conf", "192.0.2.9", dir, &path, &err),
		0);
	ck_assert_ptr_nonnull(strstr(slurp(path), "\nnameserver 192.0.2.9\n"));
	free(path);
}
END_TEST

/* A host file over 64 KiB: the line cut at the bound is dropped, never read as a shorter address
 * ("nameserver 192.0.2.77" cut after "192.0.2.7"). Exactly 64 KiB is read whole. */
START_TEST(test_prepare_oversized_host_file)
{
	const char *first = "nameserver 192.0.2.1\n", *cut = "nameserver 192.0.2.77\n";
	char dir[128], host[128], *path = NULL;
	size_t used;
	berth_err err;
	FILE *f;

	snprintf(dir, sizeof dir, "%s/state", base);
	snprintf(host, sizeof host, "%s/host-resolv.conf", base);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	f = fopen(host, "w");
	ck_assert_ptr_nonnull(f);
	fputs(first, f);
	used = strlen(first);
	while (used + 20 < 65536) { /* comment lines up to 20 bytes before the bound */
		size_t n = 65536 - 20 - used > 80 ? 80 : 65536 - 20 - used;
		fputc('#', f);
		for (size_t i = 1; i + 1 < n; i++)
			fputc('x', f);
		fputc('\n', f);
		used += n;
	}
	ck_assert_uint_eq(used, 65536 - 20);
	fputs(cut, f);
	fputs("nameserver 192.0.2.99\n", f);
	fclose(f);
	ck_assert_msg(resolv_prepare_for_bot(host, "", dir, &path, &err) == 0, "%s", err.msg);
	ck_assert_ptr_nonnull(strstr(slurp(path), "\nnameserver 192.0.2.1\n"));
	ck_assert_ptr_null(strstr(slurp(path), "192.0.2.7"));
	ck_assert_ptr_null(strstr(slurp(path), "192.0.2.99"));
	free(path);

	/* exactly 64 KiB, the last line "nameserver 192.0.2.7" without a newline: all of it used */
	ck_assert_int_eq(truncate(host, 65536), 0);
	ck_assert_msg(resolv_prepare_for_bot(host, "", dir, &path, &err) == 0, "%s", err.msg);
	ck_assert_ptr_nonnull(strstr(slurp(path), "\nnameserver 192.0.2.7\n"));
	free(path);
}
END_TEST

START_TEST(test_botdir_prepare)
{
	char data_root[128], state_root[128], p[256];
	struct botdir d;
	struct stat st;
	berth_err err;
	int fd;

	snprintf(data_root, sizeof data_root, "%s/srv/data", base);
	snprintf(state_root, sizeof state_root, "%s/srv/state", base);
	ck_assert_msg(botdir_prepare(data_root, state_root, UUID, &d, &err) == 0, "%s", err.msg);
	snprintf(p, sizeof p, "%s/bots/%s", data_root, UUID);
	ck_assert_str_eq(d.data_path, p);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0755);
	snprintf(p, sizeof p, "%s/bots/%s/.skills", data_root, UUID);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	snprintf(p, sizeof p, "%s/bots/%s", state_root, UUID);
	ck_assert_str_eq(d.state_path, p);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0700);
	ck_assert_int_ge(d.data_fd, 0);
	ck_assert_int_ge(d.state_fd, 0);
	botdir_release(&d);
	botdir_release(&d); /* twice is harmless */

	/* again: idempotent */
	ck_assert_int_eq(botdir_prepare(data_root, state_root, UUID, &d, &err), 0);
	botdir_release(&d);
	ck_assert_int_eq(botdir_open_data(data_root, UUID, &fd, &err), 0);
	close(fd);

	/* a .skills link planted by the bot breaks its skills, never the preparation of its dirs
	 * (the container's build); the link is left as it is */
	snprintf(p, sizeof p, "%s/bots/%s/.skills", data_root, UUID);
	ck_assert_int_eq(rmdir(p), 0);
	ck_assert_int_eq(symlink("/etc", p), 0);
	ck_assert_msg(botdir_prepare(data_root, state_root, UUID, &d, &err) == 0, "%s", err.msg);
	ck_assert_int_ge(d.data_fd, 0);
	botdir_release(&d);
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	/* a file there: the same */
	ck_assert_int_eq(unlink(p), 0);
	{
		FILE *f = fopen(p, "w");
		ck_assert_ptr_nonnull(f);
		fclose(f);
	}
	ck_assert_msg(botdir_prepare(data_root, state_root, UUID, &d, &err) == 0, "%s", err.msg);
	botdir_release(&d);
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
}
END_TEST

START_TEST(test_botdir_refuses_links_and_bad_ids)
{
	char data_root[128], state_root[128], p[256], elsewhere[128];
	struct botdir d;
	struct stat st;
	berth_err err;
	int fd;

	snprintf(data_root, sizeof data_root, "%s/data", base);
	snprintf(state_root, sizeof state_root, "%s/state", base);
	snprintf(elsewhere, sizeof elsewhere, "%s/elsewhere", base);
	ck_assert_int_eq(mkdir(elsewhere, 0755), 0);
	ck_assert_int_eq(mkdir(data_root, 0755), 0);
	snprintf(p, sizeof p, "%s/bots", data_root);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof p, "%s/bots/%s", data_root, UUID);
	ck_assert_int_eq(symlink(elsewhere, p), 0);
	ck_assert_int_eq(botdir_prepare(data_root, state_root, UUID, &d, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);
	ck_assert_ptr_nonnull(strstr(err.msg, "is a symbolic link"));
	snprintf(p, sizeof p, "%s/.skills", elsewhere);
	ck_assert_int_ne(stat(p, &st), 0);
	ck_assert_int_eq(botdir_open_data(data_root, UUID, &fd, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);

	ck_assert_int_eq(botdir_prepare(data_root, state_root,
					"0B7F4D2C-9A51-4E0F-8C3E-2F6A1D9B7E40", &d, &err),
			 -1);
	ck_assert_int_eq(err.kind, BERTH_E_INVALID);
	ck_assert_int_eq(botdir_prepare(data_root, state_root, "../../etc", &d, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_INVALID);
	ck_assert_int_eq(botdir_prepare("relative/data", state_root, UUID, &d, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_INVALID);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("resolv");
	TCase *pure = tcase_create("build");
	TCase *fs = tcase_create("files");

	tcase_add_test(pure, test_drops_loopback_keeps_rest);
	tcase_add_test(pure, test_fallback_used);
	tcase_add_test(pure, test_no_nameserver_documented);
	tcase_add_test(pure, test_bad_fallback);
	tcase_add_checked_fixture(fs, fs_setup, fs_teardown);
	tcase_add_test(fs, test_write_replaces_planted_link);
	tcase_add_test(fs, test_prepare_from_host_file);
	tcase_add_test(fs, test_prepare_oversized_host_file);
	tcase_add_test(fs, test_botdir_prepare);
	tcase_add_test(fs, test_botdir_refuses_links_and_bad_ids);
	suite_add_tcase(s, pure);
	suite_add_tcase(s, fs);
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
