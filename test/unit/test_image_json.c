/* Unit tests of the pure image helpers: digests, chain IDs, index selection, descriptors,
 * index.json parsing (app/image/image_json.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "berth/ctd_types.h"
#include "berth/image_json.h"

#define DA "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DB "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define DC "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

START_TEST(digest_validation)
{
	ck_assert(image_digest_valid(DA));
	ck_assert(!image_digest_valid(NULL));
	ck_assert(!image_digest_valid("sha256:abc"));
	ck_assert(!image_digest_valid(
		"sha512:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	ck_assert(!image_digest_valid(
		"sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
	ck_assert(!image_digest_valid(DA "0"));
	ck_assert(!image_digest_valid(
		"sha256:../../../../etc/passwdaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}
END_TEST

START_TEST(chain_ids)
{
	const char *const diffs[] = { DA, DB, DC };
	char out[3][IMAGE_DIGEST_SIZE];
	const char *const bad[] = { DA, "sha256:nothex" };
	berth_err err = { 0 };

	ck_assert_int_eq(image_chain_ids(diffs, 3, out, &err), 0);
	/* chain[0] = diff[0]; chain[i] = sha256(chain[i-1] + " " + diff[i]) (computed independently) */
	ck_assert_str_eq(out[0], DA);
	ck_assert_str_eq(out[1],
			 "sha256:ccd722928bd92476ba1745586fed6e45a102504185ad88cd89e01ff116fd146c");
	ck_assert_str_eq(out[2],
			 "sha256:c1377126441fb2f5ec2c21ae2a60255331d639e830f0ee1b40a36e52d4c40588");
	ck_assert_int_eq(image_chain_ids(bad, 2, out, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_INVALID);
	ck_assert_int_eq(image_chain_ids(diffs, 0, out, &err), 0);
}
END_TEST

START_TEST(media_kinds)
{
	ck_assert_int_eq(image_media_kind(IMAGE_MT_OCI_INDEX), 1);
	ck_assert_int_eq(image_media_kind(IMAGE_MT_DOCKER_LIST), 1);
	ck_assert_int_eq(image_media_kind(IMAGE_MT_OCI_MANIFEST), 2);
	ck_assert_int_eq(image_media_kind(IMAGE_MT_DOCKER_MANIFEST), 2);
	ck_assert_int_eq(image_media_kind(IMAGE_MT_OCI_CONFIG), 0);
	ck_assert_int_eq(image_media_kind(NULL), 0);
}
END_TEST

START_TEST(index_selection)
{
	berth_err err = { 0 };
	json_t *index = json_pack(
		"{s:[{s:s,s:s,s:i,s:{s:s,s:s,s:s}},{s:s,s:s,s:i,s:{s:s,s:s}},{s:s,s:s,s:i,s:{s:s,s:s}}]}",
		"manifests", "mediaType", IMAGE_MT_OCI_MANIFEST, "digest", DA, "size", 10,
		"platform", "os", "linux", "architecture", "arm64", "variant", "v8", "mediaType",
		IMAGE_MT_OCI_MANIFEST, "digest", DB, "size", 11, "platform", "os", "windows",
		"architecture", "amd64", "mediaType", IMAGE_MT_OCI_MANIFEST, "digest", DC, "size",
		12, "platform", "os", "linux", "architecture", "amd64");
	json_t *single = json_pack("{s:[{s:s,s:s,s:i}]}", "manifests", "mediaType",
				   IMAGE_MT_OCI_MANIFEST, "digest", DA, "size", 1);
	json_t *two_bare = json_pack("{s:[{s:s,s:s,s:i},{s:s,s:s,s:i}]}", "manifests", "mediaType",
				     IMAGE_MT_OCI_MANIFEST, "digest", DA, "size", 1, "mediaType",
				     IMAGE_MT_OCI_MANIFEST, "digest", DB, "size", 1);
	const json_t *d;
	ctd_descriptor desc;

	d = image_index_select(index, "linux", "amd64", &err);
	ck_assert_msg(d != NULL, "%s", err.msg);
	ck_assert_int_eq(image_descriptor_parse(d, &desc, &err), 0);
	ck_assert_str_eq(desc.digest, DC);
	ck_assert_int_eq(desc.size, 12);
	ck_assert_str_eq(desc.media_type, IMAGE_MT_OCI_MANIFEST);
	ck_assert(image_index_select(index, "linux", "s390x", &err) == NULL);
	ck_assert_int_eq(err.kind, BERTH_E_NOT_FOUND);
	/* a lone entry without platform matches; several do not */
	d = image_index_select(single, "linux", "amd64", &err);
	ck_assert(d != NULL);
	ck_assert(image_index_select(two_bare, "linux", "amd64", &err) == NULL);
	ck_assert(image_index_select(json_object_get(index, "manifests"), "linux", "amd64", &err) ==
		  NULL);
	ck_assert_int_eq(err.kind, BERTH_E_INVALID);
	json_decref(index);
	json_decref(single);
	json_decref(two_bare);
}
END_TEST

START_TEST(descriptors)
{
	berth_err err = { 0 };
	ctd_descriptor d;
	json_t *ok = json_pack("{s:s,s:s,s:I}", "mediaType", IMAGE_MT_OCI_LAYER_GZIP, "digest", DB,
			       "size", (json_int_t)5000000000LL);
	json_t *no_mt = json_pack("{s:s,s:i}", "digest", DB, "size", 1);
	json_t *bad_digest = json_pack("{s:s,s:s,s:i}", "mediaType", "x", "digest", "md5:00",
				       "size", 1);
	json_t *neg = json_pack("{s:s,s:s,s:i}", "mediaType", "x", "digest", DB, "size", -1);

	ck_assert_int_eq(image_descriptor_parse(ok, &d, &err), 0);
	ck_assert_int_eq(d.size, 5000000000LL);
	ck_assert_int_eq(image_descriptor_parse(no_mt, &d, &err), -1);
	ck_assert_int_eq(image_descriptor_parse(bad_digest, &d, &err), -1);
	ck_assert_int_eq(image_descriptor_parse(neg, &d, &err), -1);
	ck_assert_int_eq(image_descriptor_parse(NULL, &d, &err), -1);
	json_decref(ok);
	json_decref(no_mt);
	json_decref(bad_digest);
	json_decref(neg);
}
END_TEST

START_TEST(index_json_names)
{
	const char *text =
		"{\"schemaVersion\":2,\"manifests\":["
		"{\"mediaType\":\"" IMAGE_MT_OCI_MANIFEST "\",\"digest\":\"" DA "\",\"size\":1,"
		" \"annotations\":{\"io.containerd.image.name\":\"docker.io/library/a:1\","
		"  \"org.opencontainers.image.ref.name\":\"1\"}},"
		"{\"mediaType\":\"" IMAGE_MT_OCI_INDEX "\",\"digest\":\"" DB "\",\"size\":2,"
		" \"annotations\":{\"org.opencontainers.image.ref.name\":\"example.com/b:2\"}},"
		"{\"mediaType\":\"" IMAGE_MT_OCI_MANIFEST "\",\"digest\":\"" DC "\",\"size\":3,"
		" \"annotations\":{\"org.opencontainers.image.ref.name\":\"latest\"}}]}";
	struct image_archive_list l;
	berth_err err = { 0 };

	ck_assert_msg(image_archive_parse_index(text, strlen(text), &l, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(l.n, 3);
	ck_assert_str_eq(l.entries[0].name, "docker.io/library/a:1");
	ck_assert_str_eq(l.entries[0].digest, DA);
	ck_assert_str_eq(l.entries[1].name, "example.com/b:2");
	ck_assert_str_eq(l.entries[1].media_type, IMAGE_MT_OCI_INDEX);
	ck_assert(l.entries[2].name == NULL); /* a bare tag names nothing */
	ck_assert_int_eq(l.entries[2].size, 3);
	image_archive_list_free(&l);

	ck_assert_int_eq(image_archive_parse_index("{", 1, &l, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_INVALID);
	ck_assert_int_eq(image_archive_parse_index("{}", 2, &l, &err), -1);
	ck_assert_int_eq(
		image_archive_parse_index("{\"manifests\":[{\"digest\":\"x\"}]}", 31, &l, &err),
		-1);
	ck_assert_int_eq(l.n, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("image_json");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, digest_validation);
	tcase_add_test(tc, chain_ids);
	tcase_add_test(tc, media_kinds);
	tcase_add_test(tc, index_selection);
	tcase_add_test(tc, descriptors);
	tcase_add_test(tc, index_json_names);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
