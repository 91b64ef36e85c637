/* Unit tests of the OCI runtime spec builder (app/image/oci_spec.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "berth/oci_spec.h"

static json_t *image_config(void)
{
	return json_pack("{s:{s:[s,s], s:[s], s:[s,s], s:s, s:s}, s:{s:s,s:[s]}}", "config", "Env",
			 "PATH=/bin", "LANG=C", "Entrypoint", "/bin/sh", "Cmd", "-c", "echo hi",
			 "WorkingDir", "/data", "User", "1000:1001", "rootfs", "type", "layers",
			 "diff_ids", "sha256:00");
}

static int array_has_string(const json_t *arr, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) if (json_is_string(v) &&
					  strcmp(json_string_value(v), s) == 0) return 1;
	return 0;
}

static const char *str_at(const json_t *root, const char *path)
{
	const json_t *v = json_object_get(root, path);
	return json_string_value(v);
}

START_TEST(defaults_match_containerd)
{
	berth_err err = { 0 };
	const char *const args[] = { "/bin/sleep", "60", NULL };
	struct oci_spec_opts o = { .id = "c1", .ns = "ns1", .args = args };
	json_t *spec = oci_spec_build(NULL, &o, &err);
	json_t *process, *linux_, *caps, *mounts, *devices;

	ck_assert_msg(spec != NULL, "%s", err.msg);
	ck_assert_str_eq(str_at(spec, "ociVersion"), "1.0.2-dev");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(spec, "root"), "path")),
			 "rootfs");
	process = json_object_get(spec, "process");
	ck_assert(json_is_false(json_object_get(process, "terminal")));
	ck_assert(json_is_true(json_object_get(process, "noNewPrivileges")));
	ck_assert_str_eq(str_at(process, "cwd"), "/");
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_object_get(process, "user"), "uid")), 0);
	caps = json_object_get(process, "capabilities");
	ck_assert_int_eq(json_array_size(json_object_get(caps, "bounding")), 14);
	ck_assert_int_eq(json_array_size(json_object_get(caps, "effective")), 14);
	ck_assert_int_eq(json_array_size(json_object_get(caps, "permitted")), 14);
	ck_assert(json_object_get(caps, "inheritable") == NULL);
	ck_assert(array_has_string(json_object_get(caps, "bounding"), "CAP_NET_BIND_SERVICE"));
	ck_assert(!array_has_string(json_object_get(caps, "bounding"), "CAP_SYS_ADMIN"));
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(process, "rlimits"), 0), "type")),
			 "RLIMIT_NOFILE");
	ck_assert_int_eq(json_integer_value(json_object_get(
				 json_array_get(json_object_get(process, "rlimits"), 0), "hard")),
			 1024);
	/* no image Env: containerd's default PATH */
	ck_assert(array_has_string(json_object_get(process, "env"), OCI_DEFAULT_PATH_ENV));
	ck_assert_int_eq(json_array_size(json_object_get(process, "args")), 2);

	mounts = json_object_get(spec, "mounts");
	ck_assert_int_eq(json_array_size(mounts), 7);
	ck_assert_str_eq(str_at(json_array_get(mounts, 0), "destination"), "/proc");
	ck_assert_str_eq(str_at(json_array_get(mounts, 6), "destination"), "/run");
	ck_assert_str_eq(str_at(json_array_get(mounts, 3), "source"), "shm");

	linux_ = json_object_get(spec, "linux");
	ck_assert_str_eq(str_at(linux_, "cgroupsPath"), "/ns1/c1");
	ck_assert_int_eq(json_array_size(json_object_get(linux_, "namespaces")), 5);
	ck_assert_str_eq(str_at(json_array_get(json_object_get(linux_, "namespaces"), 4), "type"),
			 "network");
	ck_assert_int_eq(json_array_size(json_object_get(linux_, "maskedPaths")), 10);
	ck_assert_int_eq(json_array_size(json_object_get(linux_, "readonlyPaths")), 5);
	devices = json_object_get(json_object_get(linux_, "resources"), "devices");
	ck_assert_int_eq(json_array_size(devices), 10);
	ck_assert(json_is_false(json_object_get(json_array_get(devices, 0), "allow")));
	ck_assert_str_eq(str_at(json_array_get(devices, 0), "access"), "rwm");
	ck_assert(json_object_get(json_array_get(devices, 8), "minor") ==
		  NULL); /* pts: any minor */
	ck_assert(json_object_get(spec, "hostname") == NULL);
	ck_assert(json_object_get(spec, "annotations") == NULL);
	json_decref(spec);
}
END_TEST

START_TEST(image_config_merged)
{
	berth_err err = { 0 };
	json_t *img = image_config();
	struct oci_spec_opts o = { .id = "c1", .ns = "default" };
	json_t *spec = oci_spec_build(img, &o, &err);
	json_t *process, *args, *user;

	ck_assert_msg(spec != NULL, "%s", err.msg);
	process = json_object_get(spec, "process");
	args = json_object_get(process, "args");
	ck_assert_int_eq(json_array_size(args), 3);
	ck_assert_str_eq(json_string_value(json_array_get(args, 0)), "/bin/sh");
	ck_assert_str_eq(json_string_value(json_array_get(args, 2)), "echo hi");
	ck_assert_str_eq(str_at(process, "cwd"), "/data");
	ck_assert(array_has_string(json_object_get(process, "env"), "PATH=/bin"));
	ck_assert(!array_has_string(json_object_get(process, "env"), OCI_DEFAULT_PATH_ENV));
	user = json_object_get(process, "user");
	ck_assert_int_eq(json_integer_value(json_object_get(user, "uid")), 1000);
	ck_assert_int_eq(json_integer_value(json_object_get(user, "gid")), 1001);
	ck_assert_int_eq(
		json_integer_value(json_array_get(json_object_get(user, "additionalGids"), 0)),
		1001);
	json_decref(spec);
	json_decref(img);
}
END_TEST

START_TEST(caller_overrides_image)
{
	berth_err err = { 0 };
	json_t *img = image_config();
	const char *const args[] = { "/bin/busybox", "sleep", "5", NULL };
	const char *const cmd[] = { "-c", "true", NULL };
	const char *const env[] = { "LANG=en_US.UTF-8", "BOT=1", NULL };
	struct oci_spec_opts o = { .id = "c1",
				   .ns = "default",
				   .args = args,
				   .env = env,
				   .cwd = "/tmp",
				   .user = "0",
				   .hostname = "bot" };
	json_t *spec = oci_spec_build(img, &o, &err), *process, *penv;

	ck_assert_msg(spec != NULL, "%s", err.msg);
	process = json_object_get(spec, "process");
	/* args replace Entrypoint and Cmd */
	ck_assert_int_eq(json_array_size(json_object_get(process, "args")), 3);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(process, "args"), 0)),
			 "/bin/busybox");
	/* env merged by key, order kept, new keys appended */
	penv = json_object_get(process, "env");
	ck_assert_int_eq(json_array_size(penv), 3);
	ck_assert_str_eq(json_string_value(json_array_get(penv, 1)), "LANG=en_US.UTF-8");
	ck_assert_str_eq(json_string_value(json_array_get(penv, 2)), "BOT=1");
	ck_assert_str_eq(str_at(process, "cwd"), "/tmp");
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_object_get(process, "user"), "uid")), 0);
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_object_get(process, "user"), "gid")), 0);
	ck_assert_str_eq(str_at(spec, "hostname"), "bot");
	json_decref(spec);

	/* cmd replaces only Cmd; the Entrypoint stays in front (containerd's WithImageConfigArgs) */
	o.args = NULL;
	o.cmd = cmd;
	spec = oci_spec_build(img, &o, &err);
	ck_assert_msg(spec != NULL, "%s", err.msg);
	process = json_object_get(spec, "process");
	ck_assert_int_eq(json_array_size(json_object_get(process, "args")), 3);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(process, "args"), 0)),
			 "/bin/sh");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(process, "args"), 2)),
			 "true");
	json_decref(spec);
	json_decref(img);
}
END_TEST

START_TEST(mounts_annotations_limits)
{
	berth_err err = { 0 };
	const char *const args[] = { "/bin/sh", NULL };
	const char *const tmpfs_opts[] = { "nosuid", "size=1m", NULL };
	struct oci_mount mounts[] = {
		{ .destination = "/data", .source = "/var/lib/berth/data/bots/x" },
		{ .destination = "/etc/resolv.conf",
		  .source = "/state/resolv.conf",
		  .readonly = 1 },
		{ .destination = "/scratch",
		  .type = "tmpfs",
		  .source = "tmpfs",
		  .options = tmpfs_opts },
	};
	struct oci_annotation ann[] = { { "mcp.bot_id", "abc" } };
	struct oci_spec_opts o = {
		.id = "c1",
		.ns = "default",
		.args = args,
		.mounts = mounts,
		.n_mounts = 3,
		.annotations = ann,
		.n_annotations = 1,
		.limits = { .memory_bytes = 256 << 20, .cpu_millicores = 500, .pids_max = 128 }
	};
	json_t *spec = oci_spec_build(NULL, &o, &err), *m, *res;

	ck_assert_msg(spec != NULL, "%s", err.msg);
	m = json_object_get(spec, "mounts");
	ck_assert_int_eq(json_array_size(m), 10);
	ck_assert_str_eq(str_at(json_array_get(m, 7), "destination"), "/data");
	ck_assert_str_eq(str_at(json_array_get(m, 7), "type"), "bind");
	ck_assert(array_has_string(json_object_get(json_array_get(m, 7), "options"), "rbind"));
	ck_assert(array_has_string(json_object_get(json_array_get(m, 7), "options"), "rw"));
	ck_assert(array_has_string(json_object_get(json_array_get(m, 8), "options"), "ro"));
	ck_assert_str_eq(str_at(json_array_get(m, 9), "type"), "tmpfs");
	ck_assert_int_eq(json_array_size(json_object_get(json_array_get(m, 9), "options")), 2);
	ck_assert_str_eq(str_at(json_object_get(spec, "annotations"), "mcp.bot_id"), "abc");
	res = json_object_get(json_object_get(spec, "linux"), "resources");
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_object_get(res, "memory"), "limit")),
		256 << 20);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(res, "cpu"), "quota")),
			 50000);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(res, "cpu"), "period")),
			 100000);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(res, "pids"), "limit")),
			 128);
	ck_assert_int_eq(json_array_size(json_object_get(res, "devices")), 10);
	json_decref(spec);

	o.limits = (struct oci_limits){ .cpu_quota_us = 20000 };
	spec = oci_spec_build(NULL, &o, &err);
	ck_assert_msg(spec != NULL, "%s", err.msg);
	res = json_object_get(json_object_get(spec, "linux"), "resources");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(res, "cpu"), "quota")),
			 20000);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(res, "cpu"), "period")),
			 100000);
	ck_assert(json_object_get(res, "memory") == NULL);
	json_decref(spec);

	/* the minimum quota is taken; a tiny millicore share rounds up to it */
	o.limits = (struct oci_limits){ .cpu_quota_us = 1000 };
	spec = oci_spec_build(NULL, &o, &err);
	ck_assert_msg(spec != NULL, "%s", err.msg);
	res = json_object_get(json_object_get(spec, "linux"), "resources");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(res, "cpu"), "quota")),
			 1000);
	json_decref(spec);
	o.limits = (struct oci_limits){ .cpu_millicores = 1 };
	spec = oci_spec_build(NULL, &o, &err);
	ck_assert_msg(spec != NULL, "%s", err.msg);
	res = json_object_get(json_object_get(spec, "linux"), "resources");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(res, "cpu"), "quota")),
			 1000);
	json_decref(spec);
}
END_TEST

static void expect_fail(const json_t *img, const struct oci_spec_opts *o, berth_errkind kind)
{
	berth_err err = { 0 };
	json_t *spec = oci_spec_build(img, o, &err);

	ck_assert_msg(spec == NULL, "expected failure");
	ck_assert_int_eq(err.kind, kind);
	ck_assert(err.msg[0] != '\0');
}

START_TEST(invalid_input)
{
	const char *const args[] = { "/bin/sh", NULL };
	const char *const bad_env[] = { "NOEQUALS", NULL };
	struct oci_mount rel = { .destination = "data", .source = "/x" };
	struct oci_mount relsrc = { .destination = "/data", .source = "x" };
	struct oci_spec_opts o = { .id = "c1", .ns = "default", .args = args };
	json_t *bad_img = json_pack("{s:{s:s}}", "config", "Env", "notalist");

	expect_fail(NULL, NULL, BERTH_E_INVALID);
	o.id = NULL;
	expect_fail(NULL, &o, BERTH_E_INVALID);
	o.id = "a/b";
	expect_fail(NULL, &o, BERTH_E_INVALID);
	o.id = "c1";
	o.args = NULL; /* no image, no args */
	expect_fail(NULL, &o, BERTH_E_INVALID);
	o.args = args;
	o.env = bad_env;
	expect_fail(NULL, &o, BERTH_E_INVALID);
	o.env = NULL;
	o.mounts = &rel;
	o.n_mounts = 1;
	expect_fail(NULL, &o, BERTH_E_INVALID);
	o.mounts = &relsrc;
	expect_fail(NULL, &o, BERTH_E_INVALID);
	o.n_mounts = 0;
	o.user = "nobody";
	expect_fail(NULL, &o, BERTH_E_UNSUPPORTED);
	o.user = "12:x";
	expect_fail(NULL, &o, BERTH_E_UNSUPPORTED);
	o.user = NULL;
	o.cwd = "relative";
	expect_fail(NULL, &o, BERTH_E_INVALID);
	o.cwd = NULL;
	o.limits.memory_bytes = -1;
	expect_fail(NULL, &o, BERTH_E_INVALID);
	o.limits = (struct oci_limits){ .cpu_quota_us = 1000, .cpu_millicores = 100 };
	expect_fail(NULL, &o, BERTH_E_INVALID);
	/* runc refuses a CFS quota below 1 ms: refused here, not at task start */
	o.limits = (struct oci_limits){ .cpu_quota_us = 999 };
	expect_fail(NULL, &o, BERTH_E_INVALID);
	o.limits = (struct oci_limits){ .cpu_quota_us = 1, .cpu_period_us = 100000 };
	expect_fail(NULL, &o, BERTH_E_INVALID);
	o.limits = (struct oci_limits){ 0 };
	expect_fail(bad_img, &o, BERTH_E_INVALID);
	json_decref(bad_img);
}
END_TEST

START_TEST(process_for_exec)
{
	berth_err err = { 0 };
	json_t *img = image_config();
	struct oci_spec_opts o = { .id = "c1", .ns = "default" };
	json_t *spec = oci_spec_build(img, &o, &err), *proc;
	const char *const args[] = { "/bin/true", NULL };
	const char *const env[] = { "X=1", "PATH=/usr/bin", NULL };
	char *text;

	ck_assert_msg(spec != NULL, "%s", err.msg);
	text = oci_spec_process_json(spec, args, env, "/", &err);
	ck_assert_msg(text != NULL, "%s", err.msg);
	proc = json_loads(text, 0, NULL);
	ck_assert(proc != NULL);
	ck_assert_int_eq(json_array_size(json_object_get(proc, "args")), 1);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(proc, "args"), 0)),
			 "/bin/true");
	ck_assert(array_has_string(json_object_get(proc, "env"), "PATH=/usr/bin"));
	ck_assert(array_has_string(json_object_get(proc, "env"), "X=1"));
	ck_assert(!array_has_string(json_object_get(proc, "env"), "PATH=/bin"));
	ck_assert_str_eq(str_at(proc, "cwd"), "/");
	ck_assert(json_object_get(proc, "capabilities") != NULL);
	/* the spec itself is unchanged */
	ck_assert_int_eq(json_array_size(json_object_get(json_object_get(spec, "process"), "args")),
			 3);
	json_decref(proc);
	free(text);

	ck_assert(oci_spec_process_json(spec, NULL, NULL, NULL, &err) == NULL);
	ck_assert_int_eq(err.kind, BERTH_E_INVALID);
	ck_assert(oci_spec_process_json(img, args, NULL, NULL, &err) == NULL);
	json_decref(spec);
	json_decref(img);
}
END_TEST

/* An allocator for jansson that fails the fail_at-th allocation and counts live blocks. */
static long alloc_count, alloc_fail_at, alloc_live;

static void *counting_malloc(size_t n)
{
	void *p;

	if (++alloc_count == alloc_fail_at)
		return NULL;
	p = malloc(n);
	if (p)
		alloc_live++;
	return p;
}

static void counting_free(void *p)
{
	if (p)
		alloc_live--;
	free(p);
}

/* Every allocation failure in oci_spec_build ends in a clean error: nothing leaked (e.g. args
 * when env cannot be allocated). */
START_TEST(out_of_memory_leaks_nothing)
{
	json_t *img = image_config();
	const char *const env[] = { "A=1", NULL };
	struct oci_mount m = { .destination = "/mnt", .source = "/tmp" };
	struct oci_annotation ann = { "k", "v" };
	struct oci_spec_opts o = { .id = "c1",
				   .ns = "ns",
				   .hostname = "h",
				   .env = env,
				   .mounts = &m,
				   .n_mounts = 1,
				   .annotations = &ann,
				   .n_annotations = 1,
				   .limits = { .memory_bytes = 1 << 20, .cpu_millicores = 100 } };
	int succeeded = 0;

	for (alloc_fail_at = 1; alloc_fail_at < 5000 && !succeeded; alloc_fail_at++) {
		berth_err err = { 0 };
		json_t *spec;

		alloc_count = 0;
		alloc_live = 0;
		json_set_alloc_funcs(counting_malloc, counting_free);
		spec = oci_spec_build(img, &o, &err);
		if (spec) {
			succeeded = 1;
			json_decref(spec);
		} else {
			ck_assert_msg(err.msg[0] != '\0', "failure %ld without a message",
				      alloc_fail_at);
		}
		json_set_alloc_funcs(malloc, free);
		ck_assert_msg(alloc_live == 0, "%ld blocks leaked when allocation %ld failed",
			      alloc_live, alloc_fail_at);
	}
	ck_assert(succeeded);
	json_decref(img);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("oci_spec");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, defaults_match_containerd);
	tcase_add_test(tc, image_config_merged);
	tcase_add_test(tc, caller_overrides_image);
	tcase_add_test(tc, mounts_annotations_limits);
	tcase_add_test(tc, invalid_input);
	tcase_add_test(tc, process_for_exec);
	tcase_add_test(tc, out_of_memory_leaks_nothing);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
