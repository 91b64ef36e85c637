/* Integration tests of images and specs on the stack's containerd (issue #3 §3-§5): an archive
 * imported by Berth runs under `ctr run`; an archive written by `ctr images export` imports in
 * Berth; a container created with the spec builder shows the expected spec and labels in
 * `ctr c info` and runs; two processes unpacking the same image at once both succeed.
 *
 * ctr is the independent observer. Check forks each test: every containerd connection is made
 * inside the test (gRPC state must not cross fork). */
#include <check.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth/config.h"
#include "berth/ctd_conn.h"
#include "berth/ctd_containers.h"
#include "berth/ctd_content.h"
#include "berth/ctd_exec.h"
#include "berth/ctd_images.h"
#include "berth/ctd_leases.h"
#include "berth/ctd_snapshots.h"
#include "berth/ctd_tasks.h"
#include "berth/ctd_types.h"
#include "berth/image_import.h"
#include "berth/image_json.h"
#include "berth/image_resolve.h"
#include "berth/oci_spec.h"
#include "bt.h"

static ctd_conn *connect_ctd(void)
{
	berth_err err = { 0 };
	ctd_conn *c = ctd_conn_new(bt_env("BERTH_CONTAINERD_SOCKET"),
				   bt_env("BERTH_CONTAINERD_NAMESPACE"), 60000, &err);

	ck_assert_msg(c != NULL, "ctd_conn_new: %s", err.msg);
	return c;
}

/* The snapshotter of the stack's configuration. NEW string. */
static char *snapshotter(void)
{
	struct berth_config cfg;
	berth_err err = { 0 };
	char *s;

	ck_assert_msg(berth_config_load(bt_env("BERTH_CONFIG"), &cfg, &err) == 0, "%s", err.msg);
	s = strdup(cfg.snapshotter);
	berth_config_free(&cfg);
	ck_assert(s != NULL);
	return s;
}

static char *path_join(const char *dir, const char *name)
{
	size_t len = strlen(dir) + strlen(name) + 2;
	char *p = malloc(len);

	ck_assert(p != NULL);
	snprintf(p, len, "%s/%s", dir, name);
	return p;
}

static char *make_tmpdir(void)
{
	char tmpl[] = "/tmp/berth-it-image.XXXXXX";
	char *d = mkdtemp(tmpl);

	ck_assert(d != NULL);
	return strdup(d);
}

static void remove_tree(const char *dir)
{
	char *const argv[] = { "rm", "-rf", (char *)dir, NULL };

	ck_assert_int_eq(bt_run(argv, NULL, NULL, 60), 0);
}

/* Builds a two-layer image archive at out named name with scripts/mkimage.sh: the bot image's
 * layer plus an uncompressed layer holding /etc/berth-test.txt = marker and a whiteout of
 * /opt/bot-template/SOUL.md. The marker makes the second layer (and its chain ID) unique. */
static void make_two_layer_archive(const char *workdir, const char *out, const char *name,
				   const char *marker)
{
	char *extra = path_join(workdir, "extra");
	char *etc = path_join(extra, "etc");
	char *tmpl_dir, *file, *wh, *script;
	char *errout = NULL;
	FILE *f;

	ck_assert_int_eq(mkdir(extra, 0755), 0);
	ck_assert_int_eq(mkdir(etc, 0755), 0);
	file = path_join(etc, "berth-test.txt");
	f = fopen(file, "w");
	ck_assert(f != NULL);
	ck_assert(fprintf(f, "%s\n", marker) > 0);
	ck_assert_int_eq(fclose(f), 0);
	tmpl_dir = path_join(extra, "opt");
	ck_assert_int_eq(mkdir(tmpl_dir, 0755), 0);
	free(tmpl_dir);
	tmpl_dir = path_join(extra, "opt/bot-template");
	ck_assert_int_eq(mkdir(tmpl_dir, 0755), 0);
	wh = path_join(tmpl_dir, ".wh.SOUL.md");
	f = fopen(wh, "w");
	ck_assert(f != NULL);
	ck_assert_int_eq(fclose(f), 0);

	script = path_join(bt_env("BERTH_SRCDIR"), "scripts/mkimage.sh");
	ck_assert_int_eq(setenv("MKIMAGE_EXTRA_LAYER", extra, 1), 0);
	{
		char *const argv[] = { "sh", script, (char *)out, (char *)name, NULL };
		int rc = bt_run(argv, NULL, &errout, 120);

		ck_assert_msg(rc == 0, "mkimage.sh failed (%d): %s", rc, errout ? errout : "");
	}
	ck_assert_int_eq(unsetenv("MKIMAGE_EXTRA_LAYER"), 0);
	free(errout);
	free(script);
	free(wh);
	free(tmpl_dir);
	free(file);
	free(etc);
	free(extra);
}

/* `ctr run --rm IMAGE ID /bin/sh -c CMD`; returns its stdout (NEW). */
static char *ctr_run(const char *image, const char *cmd)
{
	char *id = bt_unique("it-image-run");
	char *out = NULL;
	int rc = bt_ctr(&out, "run", "--rm", image, id, "/bin/sh", "-c", cmd, NULL);

	ck_assert_msg(rc == 0, "ctr run %s failed (%d)", image, rc);
	free(id);
	return out;
}

START_TEST(bot_image_imports_and_runs_under_ctr)
{
	ctd_conn *c = connect_ctd();
	char *snap = snapshotter();
	char *u = bt_unique("bot");
	char name[256], *tar = path_join(bt_env("BERTH_BUILDDIR"), "berth-bot.tar"), *out;
	struct image_import_opts o = { .name = name, .snapshotter = snap };
	struct image_archive_list imported;
	struct image_info info;
	size_t applied = 99;
	berth_err err = { 0 };

	snprintf(name, sizeof name, "berth.test/%s:1", u);
	ck_assert_msg(image_import(c, tar, &o, &imported, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(imported.n, 1);
	ck_assert_str_eq(imported.entries[0].name, name);
	image_archive_list_free(&imported);

	ck_assert_msg(image_resolve(c, name, &info, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(info.n_layers, 1);
	ck_assert_str_eq(info.top_chain_id, info.layers[0].diff_id);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(info.config, "config"),
							   "WorkingDir")),
			 "/data");
	ck_assert_msg(image_unpack(c, &info, snap, &applied, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(applied, 0); /* the import unpacked it already */
	image_info_free(&info);

	/* importing again is fine (the image is updated, the blobs are kept) */
	ck_assert_msg(image_import(c, tar, &o, NULL, &err) == 0, "%s", err.msg);

	out = ctr_run(name, "echo ok; ls /opt/bot-template");
	ck_assert_str_eq(out, "ok\nIDENTITY.md\nSOUL.md\nTOOLS.md");
	free(out);

	/* error paths */
	snprintf(name, sizeof name, "berth.test/%s:absent", u);
	ck_assert_int_eq(image_resolve(c, name, &info, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_NOT_FOUND);
	image_info_free(&info);
	ck_assert_int_eq(image_import(c, "/nonexistent.tar", &o, NULL, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_NOT_FOUND);

	snprintf(name, sizeof name, "berth.test/%s:1", u);
	ck_assert_int_eq(bt_ctr(NULL, "images", "rm", name, NULL), 0);
	ctd_conn_free(c);
	free(tar);
	free(u);
	free(snap);
}
END_TEST

START_TEST(ctr_export_imports_in_berth)
{
	ctd_conn *c = connect_ctd();
	char *snap = snapshotter();
	char *dir = make_tmpdir();
	char *u = bt_unique("two");
	char *built = path_join(dir, "built.tar"), *exported = path_join(dir, "exported.tar");
	char name[256], other[256], cmd[512], *out;
	struct image_import_opts no_unpack = { 0 };
	struct image_archive_list imported;
	struct image_info info;
	size_t applied = 0;
	berth_err err = { 0 };

	snprintf(name, sizeof name, "berth.test/%s:1", u);
	snprintf(other, sizeof other, "berth.test/%s:copy", u);
	make_two_layer_archive(dir, built, name, u);
	/* ctr puts it in the content store only; ctr exports it; Berth imports the export */
	ck_assert_int_eq(bt_ctr(NULL, "images", "import", "--no-unpack", built, NULL), 0);
	ck_assert_int_eq(bt_ctr(NULL, "images", "export", exported, name, NULL), 0);
	ck_assert_int_eq(bt_ctr(NULL, "images", "rm", name, NULL), 0);

	ck_assert_msg(image_import(c, exported, &no_unpack, &imported, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(imported.n, 1);
	ck_assert_str_eq(imported.entries[0].name, name);
	image_archive_list_free(&imported);

	ck_assert_msg(image_resolve(c, name, &info, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(info.n_layers, 2);
	ck_assert_str_eq(info.layers[1].media_type, IMAGE_MT_OCI_LAYER);
	ck_assert_str_eq(info.layers[0].media_type, IMAGE_MT_OCI_LAYER_GZIP);
	ck_assert_msg(image_unpack(c, &info, snap, &applied, &err) == 0, "%s", err.msg);
	ck_assert_msg(applied >= 1, "the unique top layer must have been applied");
	ck_assert_msg(image_unpack(c, &info, snap, &applied, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(applied, 0);
	/* ctr sees Berth's snapshot chain under the chain ID computed here */
	ck_assert_int_eq(
		bt_ctr(&out, "snapshots", "--snapshotter", snap, "info", info.top_chain_id, NULL),
		0);
	ck_assert_msg(strstr(out, info.layers[0].chain_id) != NULL, "parent missing: %s", out);
	free(out);
	image_info_free(&info);

	snprintf(cmd, sizeof cmd, "cat /etc/berth-test.txt; ls /opt/bot-template");
	out = ctr_run(name, cmd);
	snprintf(cmd, sizeof cmd, "%s\nIDENTITY.md\nTOOLS.md", u); /* SOUL.md whited out */
	ck_assert_str_eq(out, cmd);
	free(out);

	/* the same export under another name, unpacked by the import itself */
	no_unpack.name = other;
	no_unpack.snapshotter = snap;
	ck_assert_msg(image_import(c, exported, &no_unpack, NULL, &err) == 0, "%s", err.msg);
	out = ctr_run(other, "cat /etc/berth-test.txt");
	ck_assert_str_eq(out, u);
	free(out);

	ck_assert_int_eq(bt_ctr(NULL, "images", "rm", name, other, NULL), 0);
	remove_tree(dir);
	ctd_conn_free(c);
	free(built);
	free(exported);
	free(u);
	free(dir);
	free(snap);
}
END_TEST

START_TEST(container_spec_and_labels_in_ctr_info)
{
	ctd_conn *c = connect_ctd();
	char *snap = snapshotter();
	const char *image = bt_env("BERTH_BOT_IMAGE");
	const char *ns = bt_env("BERTH_CONTAINERD_NAMESPACE");
	char *id = bt_unique("it-image-spec");
	char *hostdir = make_tmpdir(), *iodir = make_tmpdir();
	const char *const args[] = { "/bin/sleep", "600", NULL };
	const char *const env[] = { "BERTH_TEST=42", NULL };
	struct oci_mount mounts[] = {
		{ .destination = "/mnt/host", .source = hostdir, .readonly = 1 }
	};
	struct oci_annotation ann[] = { { "berth.test/annotation", "yes" } };
	struct oci_spec_opts so = {
		.id = id,
		.ns = ns,
		.hostname = "botty",
		.args = args,
		.env = env,
		.mounts = mounts,
		.n_mounts = 1,
		.annotations = ann,
		.n_annotations = 1,
		.limits = { .memory_bytes = 64 << 20, .cpu_millicores = 500, .pids_max = 64 }
	};
	ctd_label labels[] = { { "mcp.bot_id", "it-image" }, { "berth.test", "spec" } };
	struct image_info info;
	berth_err err = { 0 };
	json_t *spec, *infojson, *jspec, *jmounts, *m;
	char *spec_text, *proc_text, *out = NULL, expect_cg[256];
	ctd_mounts rootfs = { 0 };
	ctd_exec_result res = { 0 };
	size_t i;
	int found_mount = 0;

	ck_assert_msg(image_ensure(c, image, snap, &info, &err) == 0, "%s", err.msg);
	spec = oci_spec_build(info.config, &so, &err);
	ck_assert_msg(spec != NULL, "%s", err.msg);
	spec_text = json_dumps(spec, JSON_COMPACT);
	ck_assert(spec_text != NULL);
	{
		ctd_container_opts co = { .id = id,
					  .image = image,
					  .labels = labels,
					  .n_labels = 2,
					  .spec_json = spec_text,
					  .snapshotter = snap,
					  .snapshot_key = id };

		ck_assert_msg(ctd_container_create(c, &co, &err) == 0, "%s", err.msg);
	}
	ck_assert_msg(
		ctd_snapshot_prepare(c, snap, id, info.top_chain_id, NULL, 0, &rootfs, &err) == 0,
		"%s", err.msg);

	ck_assert_int_eq(bt_ctr(&out, "containers", "info", id, NULL), 0);
	infojson = bt_json_parse(out);
	free(out);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(infojson, "Labels"),
							   "berth.test")),
			 "spec");
	ck_assert_str_eq(json_string_value(json_object_get(infojson, "Image")), image);
	ck_assert_str_eq(json_string_value(json_object_get(infojson, "Snapshotter")), snap);
	ck_assert_str_eq(json_string_value(json_object_get(infojson, "SnapshotKey")), id);
	ck_assert_str_eq(
		json_string_value(json_object_get(json_object_get(infojson, "Runtime"), "Name")),
		CTD_RUNTIME_RUNC_V2);
	jspec = json_object_get(infojson, "Spec");
	ck_assert_msg(json_is_object(jspec), "ctr c info shows no Spec");
	ck_assert_str_eq(json_string_value(json_object_get(jspec, "hostname")), "botty");
	ck_assert_str_eq(json_string_value(json_array_get(
				 json_object_get(json_object_get(jspec, "process"), "args"), 0)),
			 "/bin/sleep");
	snprintf(expect_cg, sizeof expect_cg, "/%s/%s", ns, id);
	ck_assert_str_eq(
		json_string_value(json_object_get(json_object_get(jspec, "linux"), "cgroupsPath")),
		expect_cg);
	ck_assert_int_eq(json_integer_value(json_object_get(
				 json_object_get(json_object_get(json_object_get(jspec, "linux"),
								 "resources"),
						 "memory"),
				 "limit")),
			 64 << 20);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(jspec, "annotations"),
							   "berth.test/annotation")),
			 "yes");
	jmounts = json_object_get(jspec, "mounts");
	json_array_foreach(jmounts, i,
			   m) if (strcmp(json_string_value(json_object_get(m, "destination")),
					 "/mnt/host") == 0) found_mount = 1;
	ck_assert(found_mount);
	json_decref(infojson);

	/* the spec runs: start the task, exec a process built from the spec */
	ck_assert_msg(ctd_task_create(c, id, &rootfs, NULL, NULL, &err) == 0, "%s", err.msg);
	ck_assert_msg(ctd_task_start(c, id, NULL, NULL, &err) == 0, "%s", err.msg);
	{
		const char *const exec_args[] = { "/bin/sh", "-c",
						  "echo $BERTH_TEST; hostname; pwd; "
						  "touch /mnt/host/x 2>/dev/null || echo ro",
						  NULL };
		ctd_exec_opts eo = { .io_dir = iodir, .timeout_ms = 30000 };

		proc_text = oci_spec_process_json(spec, exec_args, NULL, NULL, &err);
		ck_assert_msg(proc_text != NULL, "%s", err.msg);
		eo.process_json = proc_text;
		ck_assert_msg(ctd_exec_wait(c, id, "it-exec", &eo, &res, &err) == 0, "%s", err.msg);
		ck_assert_int_eq(res.exit_status, 0);
		ck_assert_str_eq(res.out, "42\nbotty\n/data\nro\n");
		ctd_exec_result_free(&res);
		free(proc_text);
	}
	ck_assert_msg(ctd_task_kill(c, id, NULL, SIGKILL, true, &err) == 0, "%s", err.msg);
	ck_assert_msg(ctd_task_wait(c, id, NULL, 30000, NULL, &err) == 0, "%s", err.msg);
	ck_assert_msg(ctd_task_delete(c, id, NULL, &err) == 0, "%s", err.msg);
	ck_assert_msg(ctd_snapshot_remove(c, snap, id, &err) == 0, "%s", err.msg);
	ck_assert_msg(ctd_container_delete(c, id, &err) == 0, "%s", err.msg);

	ctd_mounts_free(&rootfs);
	free(spec_text);
	json_decref(spec);
	image_info_free(&info);
	ctd_conn_free(c);
	remove_tree(hostdir);
	remove_tree(iodir);
	free(hostdir);
	free(iodir);
	free(id);
	free(snap);
}
END_TEST

/* A child of the concurrency test: waits on the start pipe, then resolves and unpacks. Exit
 * status: the number of layers it applied, or 100 on failure. Frees snap (its copy of the
 * parent's string) so that the child is clean under valgrind. */
static void unpack_child(int start_fd, const char *name, char *snap)
{
	char go;
	ctd_conn *c;
	struct image_info info;
	size_t applied = 0;
	berth_err err = { 0 };
	int rc;

	if (read(start_fd, &go, 1) < 0)
		_exit(100);
	c = ctd_conn_new(bt_env("BERTH_CONTAINERD_SOCKET"), bt_env("BERTH_CONTAINERD_NAMESPACE"),
			 60000, &err);
	if (!c)
		_exit(100);
	rc = image_resolve(c, name, &info, &err);
	if (rc == 0)
		rc = image_unpack(c, &info, snap, &applied, &err);
	if (rc != 0)
		fprintf(stderr, "unpack child %d: %s\n", (int)getpid(), err.msg);
	image_info_free(&info);
	ctd_conn_free(c);
	ctd_shutdown();
	free(snap);
	_exit(rc == 0 ? (int)applied : 100);
}

START_TEST(concurrent_unpack)
{
	ctd_conn *c = connect_ctd();
	char *snap = snapshotter();
	char *dir = make_tmpdir();
	char *u = bt_unique("conc");
	char *tar = path_join(dir, "image.tar"), name[256], *out;
	struct image_import_opts no_unpack = { 0 };
	struct image_info info;
	berth_err err = { 0 };
	size_t missing = 0;
	int pipefd[2], status[2], total = 0;
	pid_t pids[2];

	snprintf(name, sizeof name, "berth.test/%s:1", u);
	make_two_layer_archive(dir, tar, name, u);
	ck_assert_msg(image_import(c, tar, &no_unpack, NULL, &err) == 0, "%s", err.msg);
	ck_assert_msg(image_resolve(c, name, &info, &err) == 0, "%s", err.msg);
	for (size_t i = 0; i < info.n_layers; i++)
		if (ctd_snapshot_stat(c, snap, info.layers[i].chain_id, NULL, &err) != 0)
			missing++;
	ck_assert_msg(missing >= 1, "the unique layer cannot be unpacked yet");
	/* no gRPC state may cross fork */
	ctd_conn_free(c);
	ctd_shutdown();

	ck_assert_int_eq(pipe(pipefd), 0);
	for (int k = 0; k < 2; k++) {
		pids[k] = fork();
		ck_assert(pids[k] >= 0);
		if (pids[k] == 0) {
			close(pipefd[1]);
			unpack_child(pipefd[0], name, snap);
		}
	}
	close(pipefd[0]);
	close(pipefd[1]); /* both children start now */
	for (int k = 0; k < 2; k++) {
		ck_assert_int_eq(waitpid(pids[k], &status[k], 0), pids[k]);
		ck_assert_msg(WIFEXITED(status[k]) && WEXITSTATUS(status[k]) < 100,
			      "unpack child %d failed (status 0x%x)", k, status[k]);
		total += WEXITSTATUS(status[k]);
	}
	/* every missing layer was applied exactly once overall (the loser reuses the winner's) */
	ck_assert_int_eq(total, (int)missing);

	ck_assert_int_eq(bt_ctr(&out, "snapshots", "--snapshotter", snap, "ls", NULL), 0);
	ck_assert_msg(strstr(out, info.top_chain_id) != NULL, "top snapshot missing: %s", out);
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
		for (size_t i = 0; i < info.n_layers; i++)
			ck_assert_msg(!(strstr(line, "extract-") &&
					strstr(line, info.layers[i].chain_id)),
				      "an extraction snapshot was left behind: %s", line);
	free(out);
	out = ctr_run(name, "cat /etc/berth-test.txt");
	ck_assert_str_eq(out, u);
	free(out);

	ck_assert_int_eq(bt_ctr(NULL, "images", "rm", name, NULL), 0);
	image_info_free(&info);
	remove_tree(dir);
	free(tar);
	free(u);
	free(dir);
	free(snap);
}
END_TEST

/* sha256 of text as "sha256:<hex>" into out. */
static void digest_of(const char *text, size_t len, char out[IMAGE_DIGEST_SIZE])
{
	unsigned char md[32];
	unsigned int md_len = 0;

	ck_assert(EVP_Digest(text, len, md, &md_len, EVP_sha256(), NULL) == 1 && md_len == 32);
	strcpy(out, "sha256:");
	for (unsigned int i = 0; i < md_len; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
}

/* Stores text as a blob (under the connection's lease) and fills d. */
static void put_blob(ctd_conn *c, const char *text, char digest[IMAGE_DIGEST_SIZE],
		     ctd_descriptor *d, const char *media_type)
{
	berth_err err = { 0 };
	char ref[IMAGE_DIGEST_SIZE + 16];
	size_t len = strlen(text);

	digest_of(text, len, digest);
	snprintf(ref, sizeof ref, "it-image-%s", digest + 7);
	ck_assert_msg(ctd_content_write_buf(c, ref, digest, text, len, NULL, 0, &err) == 0 ||
			      err.kind == BERTH_E_ALREADY_EXISTS,
		      "%s", err.msg);
	d->media_type = media_type;
	d->digest = digest;
	d->size = (int64_t)len;
}

/* Creates image name -> target; resolve (and ensure) of it must fail with kind. */
static void expect_stored_fault(ctd_conn *c, const char *snap, const char *prefix, const char *tag,
				const ctd_descriptor *target, berth_errkind kind, int resolves)
{
	char name[256];
	struct image_info info;
	berth_err err = { 0 };

	snprintf(name, sizeof name, "%s:%s", prefix, tag);
	ck_assert_msg(ctd_image_create(c, name, target, NULL, 0, &err) == 0, "%s", err.msg);
	if (resolves) {
		ck_assert_msg(image_resolve(c, name, &info, &err) == 0, "%s: %s", tag, err.msg);
		image_info_free(&info);
	} else {
		ck_assert_int_eq(image_resolve(c, name, &info, &err), -1);
		ck_assert_msg(err.kind == kind, "%s: resolve gave %s (%s)", tag,
			      berth_errkind_code(err.kind), err.msg);
		image_info_free(&info);
	}
	ck_assert_int_eq(image_ensure(c, name, snap, &info, &err), -1);
	ck_assert_msg(err.kind == kind, "%s: ensure gave %s (%s)", tag,
		      berth_errkind_code(err.kind), err.msg);
	image_info_free(&info);
	ck_assert_msg(ctd_image_delete(c, name, false, &err) == 0, "%s", err.msg);
}

/* Faults in what containerd holds are BERTH_E_INTERNAL, never a client error kind; only a missing
 * image record is NOT_FOUND. */
START_TEST(stored_image_faults_are_internal)
{
	ctd_conn *c = connect_ctd();
	char *snap = snapshotter();
	char *u = bt_unique("fault");
	char prefix[128], lease[128], text[4096], name[256];
	char d_junk[IMAGE_DIGEST_SIZE], d_index[IMAGE_DIGEST_SIZE], d_two[IMAGE_DIGEST_SIZE];
	char d_cfg[IMAGE_DIGEST_SIZE], d_man[IMAGE_DIGEST_SIZE], absent[IMAGE_DIGEST_SIZE];
	char fake_diff[IMAGE_DIGEST_SIZE];
	struct image_info bot, info;
	ctd_descriptor d;
	berth_err err = { 0 };
	json_t *cfg;
	char *cfg_text;

	snprintf(prefix, sizeof prefix, "berth.test/%s", u);
	snprintf(lease, sizeof lease, "%s-lease", u);
	ck_assert_msg(ctd_lease_create(c, lease, 600, NULL, 0, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(ctd_conn_set_lease(c, lease), 0);
	ck_assert_msg(image_resolve(c, bt_env("BERTH_BOT_IMAGE"), &bot, &err) == 0, "%s", err.msg);

	/* the target blob is not JSON */
	put_blob(c, "this is not JSON", d_junk, &d, IMAGE_MT_OCI_MANIFEST);
	expect_stored_fault(c, snap, prefix, "junk", &d, BERTH_E_INTERNAL, 0);
	/* the target's media type is not an image's */
	d = (ctd_descriptor){ "application/x-not-an-image", bot.manifest_digest, 1 };
	expect_stored_fault(c, snap, prefix, "mediatype", &d, BERTH_E_INTERNAL, 0);
	/* the target blob is missing */
	digest_of("never stored", 12, absent);
	d = (ctd_descriptor){ IMAGE_MT_OCI_MANIFEST, absent, 12 };
	expect_stored_fault(c, snap, prefix, "noblob", &d, BERTH_E_INTERNAL, 0);
	/* an index without linux/amd64 */
	snprintf(text, sizeof text,
		 "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":"
		 "[{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":10,\"platform\":"
		 "{\"os\":\"linux\",\"architecture\":\"arm64\"}}]}",
		 IMAGE_MT_OCI_INDEX, IMAGE_MT_OCI_MANIFEST, bot.manifest_digest);
	put_blob(c, text, d_index, &d, IMAGE_MT_OCI_INDEX);
	expect_stored_fault(c, snap, prefix, "arm", &d, BERTH_E_INTERNAL, 0);
	/* two layers in the manifest, one diff ID in the config */
	snprintf(text, sizeof text,
		 "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":"
		 "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%lld},\"layers\":["
		 "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%lld},"
		 "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%lld}]}",
		 IMAGE_MT_OCI_MANIFEST, IMAGE_MT_OCI_CONFIG, bot.config_digest, 1LL,
		 bot.layers[0].media_type, bot.layers[0].digest, (long long)bot.layers[0].size,
		 bot.layers[0].media_type, bot.layers[0].digest, (long long)bot.layers[0].size);
	put_blob(c, text, d_two, &d, IMAGE_MT_OCI_MANIFEST);
	expect_stored_fault(c, snap, prefix, "count", &d, BERTH_E_INTERNAL, 0);
	/* a config whose diff ID is not what the layer applies to: resolves, fails to unpack */
	digest_of(u, strlen(u), fake_diff);
	cfg = json_deep_copy(bot.config);
	ck_assert(cfg != NULL);
	ck_assert_int_eq(json_object_set_new(json_object_get(cfg, "rootfs"), "diff_ids",
					     json_pack("[s]", fake_diff)),
			 0);
	cfg_text = json_dumps(cfg, JSON_COMPACT);
	ck_assert(cfg_text != NULL);
	put_blob(c, cfg_text, d_cfg, &d, IMAGE_MT_OCI_CONFIG);
	snprintf(text, sizeof text,
		 "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":"
		 "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%lld},\"layers\":["
		 "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%lld}]}",
		 IMAGE_MT_OCI_MANIFEST, IMAGE_MT_OCI_CONFIG, d_cfg, (long long)strlen(cfg_text),
		 bot.layers[0].media_type, bot.layers[0].digest, (long long)bot.layers[0].size);
	put_blob(c, text, d_man, &d, IMAGE_MT_OCI_MANIFEST);
	expect_stored_fault(c, snap, prefix, "diffid", &d, BERTH_E_INTERNAL, 1);
	ck_assert_int_eq(ctd_snapshot_stat(c, snap, fake_diff, NULL, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_NOT_FOUND);

	/* a missing image stays NOT_FOUND, with this message (the domain maps it) */
	snprintf(name, sizeof name, "%s:absent", prefix);
	ck_assert_int_eq(image_ensure(c, name, snap, &info, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_NOT_FOUND);
	{
		char want[1024];

		snprintf(want, sizeof want, "resolve image %s: Images.Get: image \"%s\": not found",
			 name, name);
		ck_assert_str_eq(err.msg, want);
	}
	image_info_free(&info);
	/* a snapshotter containerd does not have is the caller's choice: INVALID */
	ck_assert_int_eq(image_ensure(c, bt_env("BERTH_BOT_IMAGE"), "nonexistent", &info, &err),
			 -1);
	ck_assert_msg(err.kind == BERTH_E_INVALID, "%s: %s", berth_errkind_code(err.kind), err.msg);
	image_info_free(&info);

	free(cfg_text);
	json_decref(cfg);
	image_info_free(&bot);
	ck_assert_int_eq(ctd_conn_set_lease(c, NULL), 0);
	ck_assert_msg(ctd_lease_delete(c, lease, false, &err) == 0, "%s", err.msg);
	ctd_conn_free(c);

	/* containerd away: UNAVAILABLE, not INTERNAL */
	c = ctd_conn_new("/nonexistent/berth-it.sock", "x", 5000, &err);
	ck_assert(c != NULL);
	ck_assert_int_eq(image_resolve(c, name, &info, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_UNAVAILABLE);
	image_info_free(&info);
	ctd_conn_free(c);
	free(u);
	free(snap);
}
END_TEST

/* A layer whose Diff.Apply takes longer than the connection's deadline still unpacks: the apply
 * runs under a deadline of its own, and the connection's is restored afterwards. */
START_TEST(large_layer_outlasts_the_call_deadline)
{
	ctd_conn *c = connect_ctd();
	char *snap = snapshotter();
	char *dir = make_tmpdir();
	char *u = bt_unique("large");
	char *tar = path_join(dir, "image.tar"), *extra = path_join(dir, "extra"), name[256];
	struct image_import_opts no_unpack = { 0 };
	struct image_info info;
	size_t applied = 0;
	berth_err err = { 0 };
	long long t0;
	char *big;

	snprintf(name, sizeof name, "berth.test/%s:1", u);
	ck_assert_int_eq(mkdir(extra, 0755), 0);
	big = path_join(extra, "big.bin");
	{
		char of[4200];
		char *const argv[] = { "dd", "if=/dev/urandom", of, "bs=1M", "count=256", NULL };

		snprintf(of, sizeof of, "of=%s", big);
		ck_assert_int_eq(bt_run(argv, NULL, NULL, 120), 0);
	}
	ck_assert_int_eq(setenv("MKIMAGE_EXTRA_LAYER", extra, 1), 0);
	{
		char *script = path_join(bt_env("BERTH_SRCDIR"), "scripts/mkimage.sh");
		char *const argv[] = { "sh", script, tar, name, NULL };

		ck_assert_int_eq(bt_run(argv, NULL, NULL, 300), 0);
		free(script);
	}
	ck_assert_int_eq(unsetenv("MKIMAGE_EXTRA_LAYER"), 0);
	ck_assert_msg(image_import(c, tar, &no_unpack, NULL, &err) == 0, "%s", err.msg);
	ctd_conn_free(c);

	c = ctd_conn_new(bt_env("BERTH_CONTAINERD_SOCKET"), bt_env("BERTH_CONTAINERD_NAMESPACE"),
			 250, &err);
	ck_assert(c != NULL);
	ck_assert_msg(image_resolve(c, name, &info, &err) == 0, "%s", err.msg);
	t0 = bt_now_ms();
	ck_assert_msg(image_unpack(c, &info, snap, &applied, &err) == 0, "%s", err.msg);
	fprintf(stderr, "it_image: unpack of a 256 MiB layer took %lld ms (call deadline 250 ms)\n",
		bt_now_ms() - t0);
	ck_assert_int_eq(applied, 1);
	ck_assert_int_eq(ctd_conn_set_timeout(c, 0), 250);
	image_info_free(&info);
	ctd_conn_free(c);

	ck_assert_int_eq(bt_ctr(NULL, "images", "rm", name, NULL), 0);
	remove_tree(dir);
	free(big);
	free(extra);
	free(tar);
	free(u);
	free(dir);
	free(snap);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("it_image");
	TCase *tc = tcase_create("image");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, bot_image_imports_and_runs_under_ctr);
	tcase_add_test(tc, ctr_export_imports_in_berth);
	tcase_add_test(tc, container_spec_and_labels_in_ctr_info);
	tcase_add_test(tc, concurrent_unpack);
	tcase_add_test(tc, stored_image_faults_are_internal);
	tcase_add_test(tc, large_layer_outlasts_the_call_deadline);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
