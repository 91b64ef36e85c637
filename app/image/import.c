/* import.c: importing an OCI image archive into containerd's content and image stores, then
 * unpacking it (see include/berth/image_import.h). */
#include "berth/image_import.h"
#include "berth/image_json.h"
#include "berth/image_resolve.h"

#include <archive.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "archive_walk.h"
#include "berth/ctd_conn.h"
#include "berth/ctd_content.h"
#include "berth/ctd_images.h"
#include "berth/ctd_leases.h"
#include "berth/ctd_types.h"
#include "berth/log.h"

#define MANIFEST_MAX (4u << 20)
#define IMPORT_LEASE_EXPIRE_S 3600
#define LABEL_GC_CONTENT "containerd.io/gc.ref.content."
#define LABEL_KEY_MAX 64

/* The current archive entry as a Content.Write source. It can only move forward: enough to resume
 * an ingest, or to skip a blob whose bytes containerd already has (offset == total). */
struct blob_reader {
	struct archive *a;
	int64_t pos;
};

static int archive_source_read(void *ud, uint8_t *buf, size_t cap, size_t *got, berth_err *err)
{
	struct blob_reader *r = ud;
	la_ssize_t n = archive_read_data(r->a, buf, cap);

	if (n < 0)
		return berth_err_set(err, BERTH_E_INVALID, "reading the archive: %s",
				     archive_error_string(r->a));
	r->pos += n;
	*got = (size_t)n;
	return 0;
}

static int archive_source_seek(void *ud, int64_t offset, berth_err *err)
{
	struct blob_reader *r = ud;
	uint8_t buf[1 << 14];

	if (offset < r->pos)
		return berth_err_set(err, BERTH_E_INVALID, "cannot seek back in the archive");
	while (r->pos < offset) {
		size_t want = (size_t)(offset - r->pos) < sizeof buf ? (size_t)(offset - r->pos)
								     : sizeof buf;
		size_t got = 0;

		if (archive_source_read(r, buf, want, &got, err) != 0)
			return -1;
		if (got == 0)
			return berth_err_set(err, BERTH_E_INVALID,
					     "archive entry shorter than its size");
	}
	return 0;
}

static int import_blob(struct archive *a, const char *digest, int64_t size, void *ud,
		       berth_err *err)
{
	ctd_conn *c = ud;
	struct blob_reader reader = { a, 0 };
	ctd_content_source src = { .read = archive_source_read,
				   .seek = archive_source_seek,
				   .ud = &reader };
	char ref[IMAGE_DIGEST_SIZE + 16];

	snprintf(ref, sizeof ref, "berth-import-%s", digest);
	if (ctd_content_write(c, ref, digest, size, NULL, 0, &src, err) == 0)
		return 0;
	if (err && err->kind == BERTH_E_ALREADY_EXISTS)
		return 0; /* the write also put the existing blob under our lease */
	return berth_err_prefix(err, "blob %s", digest);
}

/* Sets the GC reference labels of an index or manifest blob to its children, as containerd's
 * images.SetChildrenLabels does, and descends into the children of an index. */
static int label_children(ctd_conn *c, const ctd_descriptor *d, int depth, berth_err *err)
{
	int kind = image_media_kind(d->media_type);
	const json_t *children, *child;
	ctd_label *labels = NULL;
	char(*keys)[LABEL_KEY_MAX] = NULL;
	size_t n = 0, i;
	json_t *doc;
	int rc = -1;

	if (kind == 0)
		return 0; /* a config or layer: no children */
	if (depth > 2)
		return berth_err_set(err, BERTH_E_UNSUPPORTED, "index nesting too deep at %s",
				     d->digest);
	{
		uint8_t *data = NULL;
		size_t len = 0;

		if (ctd_content_read_all(c, d->digest, MANIFEST_MAX, &data, &len, err) != 0)
			return -1;
		doc = json_loadb((const char *)data, len, 0, NULL);
		free(data);
	}
	if (!doc)
		return berth_err_set(err, BERTH_E_INVALID, "blob %s is not JSON", d->digest);
	children = json_object_get(doc, kind == 1 ? "manifests" : "layers");
	if (!json_is_array(children)) {
		berth_err_set(err, BERTH_E_INVALID, "blob %s has no %s", d->digest,
			      kind == 1 ? "manifests" : "layers");
		goto done;
	}
	labels = calloc(json_array_size(children) + 2, sizeof *labels);
	keys = calloc(json_array_size(children) + 2, sizeof *keys);
	if (!labels || !keys) {
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		goto done;
	}
	if (kind == 2) {
		ctd_descriptor cfg;

		if (image_descriptor_parse(json_object_get(doc, "config"), &cfg, err) != 0)
			goto done;
		snprintf(keys[n], LABEL_KEY_MAX, LABEL_GC_CONTENT "config");
		labels[n].key = keys[n];
		labels[n++].value = cfg.digest;
	}
	json_array_foreach(children, i, child)
	{
		ctd_descriptor cd;

		if (image_descriptor_parse(child, &cd, err) != 0)
			goto done;
		snprintf(keys[n], LABEL_KEY_MAX, LABEL_GC_CONTENT "%s.%zu", kind == 1 ? "m" : "l",
			 i);
		labels[n].key = keys[n];
		labels[n++].value = cd.digest;
		if (kind != 1 || label_children(c, &cd, depth + 1, err) == 0)
			continue;
		/* An export of one platform lists the others without their blobs: skip those. */
		if (err && err->kind != BERTH_E_NOT_FOUND)
			goto done;
	}
	rc = ctd_content_update_labels(c, d->digest, labels, n, err);
done:
	free(labels);
	free(keys);
	json_decref(doc);
	return rc;
}

static int create_or_update_image(ctd_conn *c, const char *name, const ctd_descriptor *target,
				  berth_err *err)
{
	if (ctd_image_create(c, name, target, NULL, 0, err) == 0)
		return 0;
	if (err && err->kind != BERTH_E_ALREADY_EXISTS)
		return -1;
	return ctd_image_update(c, name, target, NULL, 0, err);
}

static int unpack_all(ctd_conn *c, const struct image_archive_list *images, const char *snapshotter,
		      berth_err *err)
{
	for (size_t i = 0; i < images->n; i++) {
		struct image_info info;
		size_t applied = 0;
		int rc = image_resolve(c, images->entries[i].name, &info, err);

		if (rc == 0)
			rc = image_unpack(c, &info, snapshotter, &applied, err);
		if (rc == 0)
			blog(BLOG_INFO, "image %s unpacked into %s (%zu of %zu layers applied)",
			     info.name, snapshotter, applied, info.n_layers);
		image_info_free(&info);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* Keeps the entries that have a name (after the override), in *kept. */
static int name_images(struct image_archive_list *all, const char *override,
		       struct image_archive_list *kept, berth_err *err)
{
	kept->n = 0;
	kept->entries = calloc(all->n + 1, sizeof *kept->entries);
	if (!kept->entries)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	if (override) {
		if (all->n != 1)
			return berth_err_set(err, BERTH_E_INVALID,
					     "--name needs an archive with exactly "
					     "one image; this one has %zu",
					     all->n);
		free(all->entries[0].name);
		all->entries[0].name = strdup(override);
		if (!all->entries[0].name)
			return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	}
	for (size_t i = 0; i < all->n; i++) {
		if (!all->entries[i].name) {
			blog(BLOG_WARN, "import: index.json entry %s has no image name; skipped",
			     all->entries[i].digest);
			continue;
		}
		kept->entries[kept->n++] = all->entries[i];
		memset(&all->entries[i], 0, sizeof all->entries[i]);
	}
	if (kept->n == 0)
		return berth_err_set(err, BERTH_E_INVALID,
				     "index.json names no image: give a name");
	return 0;
}

int image_import(ctd_conn *c, const char *path, const struct image_import_opts *o,
		 struct image_archive_list *imported, berth_err *err)
{
	struct archive_walk w = { .on_blob = import_blob, .ud = c };
	struct image_archive_list all = { 0 }, kept = { 0 };
	char lease[64];
	berth_err lease_err;
	struct timespec ts;
	int rc = -1;

	if (imported) {
		imported->n = 0;
		imported->entries = NULL;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(lease, sizeof lease, "berth-import-%lld%09ld", (long long)ts.tv_sec, ts.tv_nsec);
	if (ctd_lease_create(c, lease, IMPORT_LEASE_EXPIRE_S, NULL, 0, err) != 0)
		return berth_err_prefix(err, "import %s", path);
	if (ctd_conn_set_lease(c, lease) != 0) {
		berth_err_set(err, BERTH_E_INTERNAL, "cannot set the lease");
		goto done;
	}
	if (archive_walk(path, &w, err) != 0 ||
	    image_archive_parse_index(w.index, w.index_len, &all, err) != 0 ||
	    name_images(&all, o ? o->name : NULL, &kept, err) != 0)
		goto done;
	for (size_t i = 0; i < kept.n; i++) {
		const struct image_archive_entry *e = &kept.entries[i];
		ctd_descriptor target = { e->media_type, e->digest, e->size };

		if (label_children(c, &target, 0, err) != 0 ||
		    create_or_update_image(c, e->name, &target, err) != 0) {
			berth_err_prefix(err, "image %s", e->name);
			goto done;
		}
	}
	/* The images now reference their blobs; unpacking takes a lease of its own. */
	if (ctd_conn_set_lease(c, NULL) != 0) {
		berth_err_set(err, BERTH_E_INTERNAL, "cannot clear the lease");
		goto done;
	}
	if (o && o->snapshotter && unpack_all(c, &kept, o->snapshotter, err) != 0)
		goto done;
	rc = 0;
done:
	if (ctd_conn_set_lease(c, NULL) != 0)
		blog(BLOG_WARN, "import: cannot clear the lease of the connection");
	if (ctd_lease_delete(c, lease, false, &lease_err) != 0)
		blog(BLOG_WARN, "import: deleting lease %s failed (it expires in %d s): %s", lease,
		     IMPORT_LEASE_EXPIRE_S, lease_err.msg);
	free(w.index);
	image_archive_list_free(&all);
	if (rc == 0 && imported)
		*imported = kept;
	else
		image_archive_list_free(&kept);
	if (rc != 0)
		return berth_err_prefix(err, "import %s", path);
	return 0;
}
