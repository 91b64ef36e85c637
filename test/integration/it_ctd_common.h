/* it_ctd_common.h: fixtures shared by the containerd client's integration tests (static functions,
 * included by each test program). Environment: BERTH_CONTAINERD_SOCKET,
 * BERTH_CONTAINERD_NAMESPACE, BERTH_BOT_IMAGE. Connections are made inside each test (Check
 * forks per test; gRPC state must not cross fork). */
#ifndef IT_CTD_COMMON_H
#define IT_CTD_COMMON_H

#include <check.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "berth/ctd_conn.h"
#include "berth/ctd_containers.h"
#include "berth/ctd_content.h"
#include "berth/ctd_images.h"
#include "berth/ctd_snapshots.h"
#include "berth/ctd_tasks.h"
#include "berth/ctd_types.h"

#define SNAPSHOTTER "overlayfs"

static inline const char *env_or_die(const char *name)
{
	const char *v = getenv(name);
	if (!v || !*v) {
		fprintf(stderr, "%s is not set (run under test/run-integration)\n", name);
		exit(77);
	}
	return v;
}

static inline ctd_conn *test_conn(void)
{
	berth_err err;
	ctd_conn *c = ctd_conn_new(env_or_die("BERTH_CONTAINERD_SOCKET"),
				   env_or_die("BERTH_CONTAINERD_NAMESPACE"), 20000, &err);
	ck_assert_msg(c != NULL, "ctd_conn_new: %s", err.msg);
	return c;
}

/* A fresh id usable as a containerd id (and a unique ingest ref). */
static inline void test_id(char *buf, size_t cap, const char *prefix)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(buf, cap, "%s-%d-%ld%09ld", prefix, (int)getpid(), (long)ts.tv_sec, ts.tv_nsec);
}

static inline void sha256_digest(const void *data, size_t len, char out[72])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	ck_assert(EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) == 1);
	strcpy(out, "sha256:");
	for (unsigned i = 0; i < mdlen; i++)
		sprintf(out + 7 + 2 * i, "%02x", md[i]);
}

static inline json_t *read_json_blob(ctd_conn *c, const char *digest)
{
	berth_err err;
	uint8_t *data = NULL;
	size_t len = 0;
	ck_assert_msg(ctd_content_read_all(c, digest, 4 << 20, &data, &len, &err) == 0,
		      "read %s: %s", digest, err.msg);
	json_t *j = json_loadb((const char *)data, len, 0, NULL);
	free(data);
	ck_assert_ptr_nonnull(j);
	return j;
}

/* The image's top chain ID (its unpacked snapshot) and manifest digest. The test image's target
 * is a manifest (mkimage.sh / ctr export of one platform). */
static inline void image_chain(ctd_conn *c, char chain[72], char manifest[72])
{
	berth_err err;
	ctd_image *img = NULL;
	ck_assert_msg(ctd_image_get(c, env_or_die("BERTH_BOT_IMAGE"), &img, &err) == 0, "%s",
		      err.msg);
	snprintf(manifest, 72, "%s", img->target.digest);
	ctd_image_free(img);
	json_t *m = read_json_blob(c, manifest);
	const char *cfg = json_string_value(
		json_object_get(json_object_get(m, "config"), "digest"));
	ck_assert_ptr_nonnull(cfg);
	json_t *config = read_json_blob(c, cfg);
	json_t *diffs = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
	ck_assert(json_array_size(diffs) > 0);
	snprintf(chain, 72, "%s", json_string_value(json_array_get(diffs, 0)));
	for (size_t i = 1; i < json_array_size(diffs); i++) {
		char buf[160];
		snprintf(buf, sizeof(buf), "%s %s", chain,
			 json_string_value(json_array_get(diffs, i)));
		sha256_digest(buf, strlen(buf), chain);
	}
	json_decref(config);
	json_decref(m);
}

/* A minimal runnable OCI spec: the image's busybox, namespaces, /proc, /dev, /sys. NEW string. */
static inline char *test_spec_json(const char *id, const char *const *args)
{
	json_t *jargs = json_array();
	for (size_t i = 0; args[i]; i++)
		json_array_append_new(jargs, json_string(args[i]));
	char cgroup[160];
	snprintf(cgroup, sizeof(cgroup), "/%s/%s", env_or_die("BERTH_CONTAINERD_NAMESPACE"), id);
	json_t *spec = json_pack(
		"{s:s, s:{s:b, s:{s:i, s:i}, s:o, s:[s], s:s, s:b}, s:{s:s, s:b}, s:s,"
		" s:[{s:s,s:s,s:s,s:[s,s,s]}, {s:s,s:s,s:s,s:[s,s,s,s]}, {s:s,s:s,s:s,s:[s,s,s,s]}],"
		" s:{s:[{s:s},{s:s},{s:s},{s:s},{s:s}], s:s}}",
		"ociVersion", "1.0.2-dev", "process", "terminal", 0, "user", "uid", 0, "gid", 0,
		"args", jargs, "env",
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "cwd", "/",
		"noNewPrivileges", 1, "root", "path", "rootfs", "readonly", 0, "hostname", "h-ctd",
		"mounts", "destination", "/proc", "type", "proc", "source", "proc", "options",
		"nosuid", "noexec", "nodev", "destination", "/dev", "type", "tmpfs", "source",
		"tmpfs", "options", "nosuid", "strictatime", "mode=755", "size=65536k",
		"destination", "/sys", "type", "sysfs", "source", "sysfs", "options", "nosuid",
		"noexec", "nodev", "ro", "linux", "namespaces", "type", "pid", "type", "ipc",
		"type", "uts", "type", "mount", "type", "network", "cgroupsPath", cgroup);
	ck_assert_ptr_nonnull(spec);
	char *s = json_dumps(spec, JSON_COMPACT);
	json_decref(spec);
	return s;
}

/* The OCI Process JSON of an exec: sh -c script. NEW string. */
static inline char *test_process_json(const char *script)
{
	json_t *p = json_pack("{s:b, s:{s:i, s:i}, s:[s,s,s], s:[s], s:s}", "terminal", 0, "user",
			      "uid", 0, "gid", 0, "args", "/bin/sh", "-c", script, "env",
			      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			      "cwd", "/");
	ck_assert_ptr_nonnull(p);
	char *s = json_dumps(p, JSON_COMPACT);
	json_decref(p);
	return s;
}

/* Container record + rootfs snapshot (key = id) on the image, in the safe order: record first. */
static inline void test_container_up(ctd_conn *c, const char *id, const char *const *args,
				     const ctd_label *labels, size_t n_labels, ctd_mounts *rootfs)
{
	berth_err err;
	char chain[72], manifest[72];
	image_chain(c, chain, manifest);
	char *spec = test_spec_json(id, args);
	ctd_container_opts o = { .id = id,
				 .image = env_or_die("BERTH_BOT_IMAGE"),
				 .labels = labels,
				 .n_labels = n_labels,
				 .spec_json = spec,
				 .snapshotter = SNAPSHOTTER,
				 .snapshot_key = id };
	ck_assert_msg(ctd_container_create(c, &o, &err) == 0, "create: %s", err.msg);
	free(spec);
	ck_assert_msg(ctd_snapshot_prepare(c, SNAPSHOTTER, id, chain, NULL, 0, rootfs, &err) == 0,
		      "prepare: %s", err.msg);
}

/* Best-effort teardown in the safe order: kill, wait, delete task, snapshot, record. */
static inline void test_container_down(ctd_conn *c, const char *id)
{
	berth_err err;
	if (ctd_task_kill(c, id, NULL, 9, true, &err) == 0)
		ctd_task_wait(c, id, NULL, 10000, NULL, &err);
	ctd_task_delete(c, id, NULL, &err);
	ctd_snapshot_remove(c, SNAPSHOTTER, id, &err);
	ctd_container_delete(c, id, &err);
}

#endif
