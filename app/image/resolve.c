/* resolve.c: image resolve and unpack on containerd (see include/berth/image_resolve.h; notes §3-§4). */
#include "berth/image_json.h"
#include "berth/image_resolve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "berth/ctd_conn.h"
#include "berth/ctd_content.h"
#include "berth/ctd_diff.h"
#include "berth/ctd_images.h"
#include "berth/ctd_leases.h"
#include "berth/ctd_snapshots.h"
#include "berth/ctd_types.h"
#include "berth/log.h"

#define MANIFEST_MAX (4u << 20) /* manifests and indexes are small; refuse anything absurd */
#define CONFIG_MAX (16u << 20)
#define UNPACK_LEASE_EXPIRE_S 3600
/* Diff.Apply of a large layer takes far longer than a normal call's deadline (15 s in workers). */
#define APPLY_TIMEOUT_MS (10 * 60 * 1000)
#define LABEL_SNAPSHOT_REF "containerd.io/snapshot.ref"
#define LABEL_UNCOMPRESSED "containerd.io/uncompressed"
#define LABEL_GC_SNAPSHOT_PREFIX "containerd.io/gc.ref.snapshot."

static const char *const platform_os = "linux";
static const char *const platform_arch = "amd64";

/* A fault in what containerd holds (a blob that is missing or not JSON, an unsupported or
 * inconsistent manifest, a layer that applies to another diff ID) is the operator's problem, never
 * the caller's input: BERTH_E_INTERNAL, so that it does not surface as a client error (400/404/415)
 * of whoever asked for a container. Only containerd being away or slow keeps its kind. Returns -1. */
static int stored_fault(berth_err *err)
{
	if (err && err->kind != BERTH_E_UNAVAILABLE && err->kind != BERTH_E_TIMEOUT)
		err->kind = BERTH_E_INTERNAL;
	return -1;
}

/* Reads a JSON blob from the content store. NEW reference or NULL with err set. */
static json_t *read_json_blob(ctd_conn *c, const char *digest, size_t max, berth_err *err)
{
	uint8_t *data = NULL;
	size_t len = 0;
	json_error_t jerr;
	json_t *doc;

	if (ctd_content_read_all(c, digest, max, &data, &len, err) != 0)
		return NULL;
	doc = json_loadb((const char *)data, len, 0, &jerr);
	free(data);
	if (!doc)
		berth_err_set(err, BERTH_E_INTERNAL, "blob %s is not JSON: %s", digest, jerr.text);
	return doc;
}

/* Follows target down to a single-image manifest: NEW reference, its digest copied to out_digest. */
static json_t *load_manifest(ctd_conn *c, const ctd_descriptor *target, char *out_digest,
			     berth_err *err)
{
	json_t *doc = read_json_blob(c, target->digest, MANIFEST_MAX, err), *manifest;
	const json_t *chosen;
	ctd_descriptor d;

	if (!doc)
		return NULL;
	switch (image_media_kind(target->media_type)) {
	case 2: snprintf(out_digest, IMAGE_DIGEST_SIZE, "%s", target->digest); return doc;
	case 1:
		chosen = image_index_select(doc, platform_os, platform_arch, err);
		if (!chosen || image_descriptor_parse(chosen, &d, err) != 0)
			break;
		if (image_media_kind(d.media_type) != 2) {
			berth_err_set(err, BERTH_E_INTERNAL, "nested index %s is not supported",
				      d.digest);
			break;
		}
		manifest = load_manifest(c, &d, out_digest, err);
		json_decref(doc);
		return manifest;
	default:
		berth_err_set(err, BERTH_E_INTERNAL, "unsupported image media type %s",
			      target->media_type);
	}
	json_decref(doc);
	return NULL;
}

int image_resolve(ctd_conn *c, const char *name, struct image_info *out, berth_err *err)
{
	ctd_image *reply = NULL;
	json_t *manifest = NULL;
	ctd_descriptor target, config;
	int rc = -1;

	memset(out, 0, sizeof *out);
	out->top_chain_id = "";
	if (!name || !*name)
		return berth_err_set(err, BERTH_E_INVALID, "image name is empty");
	if (ctd_image_get(c, name, &reply, err) != 0) {
		/* NOT_FOUND: no such image (the one caller-facing failure); anything else is stored */
		if (err && err->kind != BERTH_E_NOT_FOUND)
			stored_fault(err);
		goto done;
	}
	if (!reply->target.digest[0]) {
		berth_err_set(err, BERTH_E_INTERNAL, "image has no target");
		goto done;
	}
	target = reply->target;
	if (!image_digest_valid(target.digest)) {
		berth_err_set(err, BERTH_E_INTERNAL, "image target digest %s is not sha256",
			      target.digest);
		goto done;
	}
	out->name = strdup(name);
	if (!out->name) {
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		goto done;
	}
	manifest = load_manifest(c, &target, out->manifest_digest, err);
	if (!manifest)
		goto done;
	if (image_descriptor_parse(json_object_get(manifest, "config"), &config, err) != 0) {
		berth_err_prefix(err, "manifest config");
		goto done;
	}
	snprintf(out->config_digest, sizeof out->config_digest, "%s", config.digest);
	out->config = read_json_blob(c, config.digest, CONFIG_MAX, err);
	if (!out->config || image_layers_parse(manifest, out->config, out, err) != 0)
		goto done;
	rc = 0;
done:
	if (rc != 0 && reply)
		stored_fault(err); /* the image exists: what follows from it is stored data */
	if (rc != 0)
		berth_err_prefix(err, "resolve image %s", name ? name : "");
	json_decref(manifest);
	ctd_image_free(reply);
	return rc;
}

/* "<prefix>-<unix nanos>-<random hex>", unique enough for lease ids and extraction keys. */
static void unique_id(char *buf, size_t cap, const char *prefix)
{
	struct timespec ts;
	uint64_t rnd = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (getrandom(&rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		rnd = ((uint64_t)getpid() << 32) ^ (uint64_t)ts.tv_nsec;
	snprintf(buf, cap, "%s-%lld%09ld-%016llx", prefix, (long long)ts.tv_sec, ts.tv_nsec,
		 (unsigned long long)rnd);
}

/* Diff.Apply under a deadline long enough for a large layer (the connection's own if longer),
 * restored afterwards. */
static int apply_layer(ctd_conn *c, const ctd_descriptor *layer, const ctd_mounts *mounts,
		       char *applied, size_t cap, berth_err *err)
{
	int old_timeout = ctd_conn_set_timeout(c, APPLY_TIMEOUT_MS);
	int rc;

	if (old_timeout > APPLY_TIMEOUT_MS)
		ctd_conn_set_timeout(c, old_timeout);
	rc = ctd_diff_apply(c, layer, mounts, applied, cap, err);
	ctd_conn_set_timeout(c, old_timeout);
	return rc;
}

/* One layer: Prepare, Apply, Commit. Returns 1 if this call applied it, 0 if another process
 * committed it first, -1 on error. The extraction key never outlives this function. */
static int unpack_layer(ctd_conn *c, const struct image_layer *l, const char *parent,
			const char *snapshotter, berth_err *err)
{
	ctd_label ref_label = { LABEL_SNAPSHOT_REF, l->chain_id };
	ctd_descriptor desc = { l->media_type, l->digest, l->size };
	char id[64], key[sizeof id + IMAGE_DIGEST_SIZE + 1], applied[IMAGE_DIGEST_SIZE + 8];
	ctd_mounts mounts = { 0 };
	berth_err cleanup_err;
	int rc = -1;

	unique_id(id, sizeof id, "extract");
	snprintf(key, sizeof key, "%s %s", id, l->chain_id);
	if (ctd_snapshot_prepare(c, snapshotter, key, parent, &ref_label, 1, &mounts, err) != 0) {
		/* containerd refuses the Prepare when the snapshot.ref target exists: another unpacker
		 * committed this layer since our Stat. Use its snapshot, as containerd's unpacker does. */
		if (err && err->kind == BERTH_E_ALREADY_EXISTS &&
		    ctd_snapshot_stat(c, snapshotter, l->chain_id, NULL, &cleanup_err) == 0)
			return 0;
		return -1;
	}
	if (apply_layer(c, &desc, &mounts, applied, sizeof applied, err) != 0)
		goto remove;
	if (strcmp(applied, l->diff_id) != 0) {
		berth_err_set(err, BERTH_E_INTERNAL, "layer %s applied as %s, expected diff ID %s",
			      l->digest, applied, l->diff_id);
		goto remove;
	}
	if (ctd_snapshot_commit(c, snapshotter, l->chain_id, key, &ref_label, 1, err) == 0) {
		ctd_mounts_free(&mounts);
		return 1;
	}
	if (err && err->kind == BERTH_E_ALREADY_EXISTS)
		rc = 0; /* another unpacker committed the same chain first: use its snapshot */
remove:
	if (ctd_snapshot_remove(c, snapshotter, key, &cleanup_err) != 0 &&
	    cleanup_err.kind != BERTH_E_NOT_FOUND)
		blog(BLOG_WARN, "unpack: removing snapshot \"%s\" failed: %s", key,
		     cleanup_err.msg);
	ctd_mounts_free(&mounts);
	return rc;
}

static int label_config(ctd_conn *c, const struct image_info *img, const char *snapshotter,
			berth_err *err)
{
	char key[128];
	ctd_label label = { key, img->top_chain_id };

	if (snprintf(key, sizeof key, "%s%s", LABEL_GC_SNAPSHOT_PREFIX, snapshotter) >=
	    (int)sizeof key)
		return berth_err_set(err, BERTH_E_INVALID, "snapshotter name too long");
	return ctd_content_update_labels(c, img->config_digest, &label, 1, err);
}

static int unpack_failed(const struct image_info *img, berth_err *err)
{
	stored_fault(err);
	return berth_err_prefix(err, "unpack %s", img->name);
}

int image_unpack(ctd_conn *c, const struct image_info *img, const char *snapshotter,
		 size_t *unpacked, berth_err *err)
{
	char lease[64];
	berth_err lease_err;
	size_t applied = 0;
	int rc = -1;

	if (unpacked)
		*unpacked = 0;
	if (!snapshotter || !*snapshotter)
		return berth_err_set(err, BERTH_E_INVALID, "unpack: no snapshotter");
	/* From here every failure concerns stored data or containerd: see stored_fault. */
	if (img->n_layers == 0) {
		berth_err_set(err, BERTH_E_INTERNAL, "image has no layers");
		return unpack_failed(img, err);
	}
	/* Fast path: the top of the chain exists, so every layer below does. */
	if (ctd_snapshot_stat(c, snapshotter, img->top_chain_id, NULL, err) == 0)
		return label_config(c, img, snapshotter, err) == 0 ? 0 : unpack_failed(img, err);
	/* INVALID here is containerd refusing the snapshotter ("snapshotter not loaded"): the
	 * caller's choice, so it keeps its kind. */
	if (err && err->kind == BERTH_E_INVALID)
		return berth_err_prefix(err, "unpack %s", img->name);
	if (err && err->kind != BERTH_E_NOT_FOUND)
		return unpack_failed(img, err);

	unique_id(lease, sizeof lease, "berth-unpack");
	if (ctd_lease_create(c, lease, UNPACK_LEASE_EXPIRE_S, NULL, 0, err) != 0)
		return unpack_failed(img, err);
	if (ctd_conn_set_lease(c, lease) != 0) {
		berth_err_set(err, BERTH_E_INTERNAL, "cannot set the lease");
		goto done;
	}
	for (size_t i = 0; i < img->n_layers; i++) {
		const struct image_layer *l = &img->layers[i];
		const char *parent = i ? img->layers[i - 1].chain_id : "";
		ctd_label uncompressed = { LABEL_UNCOMPRESSED, l->diff_id };
		int r;

		if (ctd_snapshot_stat(c, snapshotter, l->chain_id, NULL, err) == 0)
			continue;
		if (err && err->kind != BERTH_E_NOT_FOUND)
			goto done;
		r = unpack_layer(c, l, parent, snapshotter, err);
		if (r < 0)
			goto done;
		applied += (size_t)r;
		if (ctd_content_update_labels(c, l->digest, &uncompressed, 1, err) != 0)
			goto done;
	}
	if (label_config(c, img, snapshotter, err) != 0)
		goto done;
	rc = 0;
done:
	if (ctd_conn_set_lease(c, NULL) != 0)
		blog(BLOG_WARN, "unpack: cannot clear the lease of the connection");
	if (ctd_lease_delete(c, lease, false, &lease_err) != 0)
		blog(BLOG_WARN, "unpack: deleting lease %s failed (it expires in %d s): %s", lease,
		     UNPACK_LEASE_EXPIRE_S, lease_err.msg);
	if (rc != 0)
		return unpack_failed(img, err);
	if (unpacked)
		*unpacked = applied;
	return 0;
}

int image_ensure(ctd_conn *c, const char *name, const char *snapshotter, struct image_info *out,
		 berth_err *err)
{
	if (image_resolve(c, name, out, err) != 0)
		return -1;
	return image_unpack(c, out, snapshotter, NULL, err);
}
