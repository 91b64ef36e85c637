/* Unit tests of OCI archive reading (app/image/archive.c) without containerd: the bot image the
 * build makes, and small archives written here with libarchive. */
#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth/image_archive.h"
#include "berth/image_json.h"

#define HEX_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DA "sha256:" HEX_A
#define LAYOUT "{\"imageLayoutVersion\":\"1.0.0\"}"
#define INDEX                                                                                      \
	"{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" IMAGE_MT_OCI_MANIFEST "\","        \
	"\"digest\":\"" DA                                                                         \
	"\",\"size\":4,\"annotations\":{\"io.containerd.image.name\":\"x/y:z\"}}]}"

struct file {
	const char *name;
	const char *data;
};

static void write_archive(const char *path, const struct file *files, size_t n, int gzip)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();

	ck_assert(a && e);
	ck_assert_int_eq(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	if (gzip)
		ck_assert_int_eq(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(files[i].data);

		archive_entry_clear(e);
		archive_entry_set_pathname(e, files[i].name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)len);
		ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
		ck_assert_int_eq(archive_write_data(a, files[i].data, len), (la_ssize_t)len);
	}
	archive_entry_free(e);
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

static char tmp_path[64];

static void make_tmp(void)
{
	int fd;

	snprintf(tmp_path, sizeof tmp_path, "/tmp/berth-test-archive.XXXXXX");
	fd = mkstemp(tmp_path);
	ck_assert(fd >= 0);
	close(fd);
}

static void remove_tmp(void)
{
	unlink(tmp_path);
}

START_TEST(bot_image_archive)
{
	const char *dir = getenv("BERTH_BUILDDIR");
	char path[4096];
	struct image_archive_list l;
	size_t n_blobs = 0;
	berth_err err = { 0 };

	snprintf(path, sizeof path, "%s/berth-bot.tar", dir ? dir : ".");
	ck_assert_msg(access(path, R_OK) == 0, "%s missing: run make first", path);
	ck_assert_msg(image_archive_inspect(path, &l, &n_blobs, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(l.n, 1);
	ck_assert_str_eq(l.entries[0].name, "docker.io/library/berth-bot:latest");
	ck_assert_str_eq(l.entries[0].media_type, IMAGE_MT_OCI_MANIFEST);
	ck_assert(image_digest_valid(l.entries[0].digest));
	ck_assert_int_eq(n_blobs, 3); /* manifest, config, layer */
	image_archive_list_free(&l);
}
END_TEST

START_TEST(dot_slash_names_and_gzip)
{
	const struct file files[] = {
		{ "./oci-layout", LAYOUT },	     { "./index.json", INDEX },
		{ "./blobs/sha256/" HEX_A, "abcd" }, { "./blobs/sha256/not-a-digest", "x" },
		{ "./extra.txt", "ignored" },
	};
	struct image_archive_list l;
	size_t n_blobs = 0;
	berth_err err = { 0 };

	write_archive(tmp_path, files, 5, 1);
	ck_assert_msg(image_archive_inspect(tmp_path, &l, &n_blobs, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(l.n, 1);
	ck_assert_str_eq(l.entries[0].name, "x/y:z");
	ck_assert_int_eq(n_blobs, 1);
	image_archive_list_free(&l);
}
END_TEST

static void expect_inspect_fail(const struct file *files, size_t n, berth_errkind kind)
{
	struct image_archive_list l = { 0 };
	berth_err err = { 0 };

	write_archive(tmp_path, files, n, 0);
	ck_assert_int_eq(image_archive_inspect(tmp_path, &l, NULL, &err), -1);
	ck_assert_msg(err.kind == kind, "kind %d: %s", err.kind, err.msg);
	ck_assert(strstr(err.msg, tmp_path) != NULL);
	ck_assert_int_eq(l.n, 0);
}

START_TEST(docker_archive_refused)
{
	const struct file files[] = { { "manifest.json", "[]" }, { "abc/layer.tar", "x" } };

	expect_inspect_fail(files, 2, BERTH_E_UNSUPPORTED);
}
END_TEST

START_TEST(malformed_archives)
{
	const struct file no_layout[] = { { "index.json", INDEX } };
	const struct file bad_version[] = { { "oci-layout", "{\"imageLayoutVersion\":\"9\"}" },
					    { "index.json", INDEX } };
	const struct file no_index[] = { { "oci-layout", LAYOUT } };
	const struct file bad_index[] = { { "oci-layout", LAYOUT },
					  { "index.json", "{\"manifests\":1}" } };
	struct image_archive_list l;
	berth_err err = { 0 };

	expect_inspect_fail(no_layout, 1, BERTH_E_INVALID);
	expect_inspect_fail(bad_version, 2, BERTH_E_UNSUPPORTED);
	expect_inspect_fail(no_index, 1, BERTH_E_INVALID);
	expect_inspect_fail(bad_index, 2, BERTH_E_INVALID);
	ck_assert_int_eq(image_archive_inspect("/nonexistent/berth.tar", &l, NULL, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_NOT_FOUND);
	/* not a tar at all */
	{
		FILE *f = fopen(tmp_path, "w");

		ck_assert(f != NULL);
		ck_assert(fputs("this is not an archive\n", f) >= 0);
		ck_assert_int_eq(fclose(f), 0);
	}
	ck_assert_int_eq(image_archive_inspect(tmp_path, &l, NULL, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_INVALID);
}
END_TEST

/* Only blobs/sha256/<exactly 64 lowercase hex> is a blob: a longer name must not pass for the
 * digest of its first 64 characters. */
START_TEST(blob_names_exact)
{
	const struct file files[] = {
		{ "oci-layout", LAYOUT },
		{ "index.json", INDEX },
		{ "blobs/sha256/" HEX_A, "blob" },
		{ "blobs/sha256/" HEX_A ".partial", "half" },
		{ "blobs/sha256/" HEX_A "/x", "nested" },
		{ "blobs/sha256/" HEX_A "0", "65 hex" },
		{ "blobs/sha256/"
		  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		  "upper" },
		{ "blobs/sha256/aaaa", "short" },
		{ "blobs/sha512/" HEX_A HEX_A, "other algorithm" },
	};
	struct image_archive_list l;
	size_t n_blobs = 99;
	berth_err err = { 0 };

	write_archive(tmp_path, files, sizeof files / sizeof files[0], 0);
	ck_assert_msg(image_archive_inspect(tmp_path, &l, &n_blobs, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(n_blobs, 1);
	image_archive_list_free(&l);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("image_archive");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, make_tmp, remove_tmp);
	tcase_add_test(tc, bot_image_archive);
	tcase_add_test(tc, dot_slash_names_and_gzip);
	tcase_add_test(tc, docker_archive_refused);
	tcase_add_test(tc, malformed_archives);
	tcase_add_test(tc, blob_names_exact);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
