/* archive.c: reading OCI image archives (oci-layout, index.json, blobs/sha256/<hex>) with
 * libarchive in one streaming pass (see include/berth/image_archive.h and archive_walk.h). */
#include "berth/image_archive.h"
#include "berth/image_json.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "archive_walk.h"

#define LAYOUT_MAX 4096
#define INDEX_MAX (20u << 20)
#define BLOB_DIR "blobs/sha256/"

/* Reads the current entry (size bytes) into a NEW NUL-terminated buffer. */
static int read_entry(struct archive *a, const char *what, int64_t size, size_t max, char **out,
		      size_t *len, berth_err *err)
{
	size_t got = 0;
	char *buf;

	if (size < 0 || (uint64_t)size > max)
		return berth_err_set(err, BERTH_E_TOO_LARGE, "%s: %lld bytes, at most %zu allowed",
				     what, (long long)size, max);
	buf = malloc((size_t)size + 1);
	if (!buf)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	while (got < (size_t)size) {
		la_ssize_t n = archive_read_data(a, buf + got, (size_t)size - got);

		if (n <= 0) {
			free(buf);
			return berth_err_set(err, BERTH_E_INVALID, "%s: %s", what,
					     n < 0 ? archive_error_string(a) : "truncated");
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

static int check_layout(const char *text, size_t len, berth_err *err)
{
	json_t *doc = json_loadb(text, len, 0, NULL);
	const char *version = json_string_value(json_object_get(doc, "imageLayoutVersion"));
	int ok = version && strcmp(version, "1.0.0") == 0;

	json_decref(doc);
	if (!doc)
		return berth_err_set(err, BERTH_E_INVALID, "oci-layout is not JSON");
	if (!ok)
		return berth_err_set(err, BERTH_E_UNSUPPORTED, "unsupported OCI layout version");
	return 0;
}

/* The entry's name without leading "./" and "/". */
static const char *clean_name(const char *name)
{
	for (;;) {
		if (name[0] == '.' && name[1] == '/')
			name += 2;
		else if (name[0] == '/')
			name++;
		else
			return name;
	}
}

/* True if name is exactly blobs/sha256/<64 lowercase hex> (nothing after it: "<hex>.partial" or
 * "<hex>/x" is not a blob); digest gets "sha256:<hex>". */
static int blob_digest(const char *name, char digest[IMAGE_DIGEST_SIZE])
{
	const char *hex;

	if (strncmp(name, BLOB_DIR, strlen(BLOB_DIR)) != 0)
		return 0;
	hex = name + strlen(BLOB_DIR);
	if (strlen(hex) != IMAGE_DIGEST_SIZE - 1 - strlen("sha256:"))
		return 0;
	memcpy(digest, "sha256:", strlen("sha256:"));
	memcpy(digest + strlen("sha256:"), hex, strlen(hex) + 1);
	return image_digest_valid(digest);
}

static int walk_entries(struct archive *a, struct archive_walk *w, berth_err *err)
{
	struct archive_entry *e;
	int have_layout = 0, have_docker_manifest = 0, r;

	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *pathname = archive_entry_pathname(e);
		const char *name = clean_name(pathname ? pathname : "");
		int64_t size = archive_entry_size(e);
		char digest[IMAGE_DIGEST_SIZE];

		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		if (strcmp(name, "oci-layout") == 0) {
			char *text;
			size_t len;

			if (read_entry(a, name, size, LAYOUT_MAX, &text, &len, err) != 0)
				return -1;
			r = check_layout(text, len, err);
			free(text);
			if (r != 0)
				return -1;
			have_layout = 1;
		} else if (strcmp(name, "index.json") == 0) {
			free(w->index);
			w->index = NULL;
			if (read_entry(a, name, size, INDEX_MAX, &w->index, &w->index_len, err) !=
			    0)
				return -1;
		} else if (strcmp(name, "manifest.json") == 0) {
			have_docker_manifest = 1;
		} else if (blob_digest(name, digest)) {
			w->n_blobs++;
			if (w->on_blob && w->on_blob(a, digest, size, w->ud, err) != 0)
				return -1;
		}
	}
	if (r != ARCHIVE_EOF)
		return berth_err_set(err, BERTH_E_INVALID, "%s", archive_error_string(a));
	if (!have_layout && have_docker_manifest)
		return berth_err_set(
			err, BERTH_E_UNSUPPORTED,
			"a docker-archive (manifest.json without "
			"oci-layout) is not supported: use an OCI archive (ctr images export)");
	if (!have_layout)
		return berth_err_set(err, BERTH_E_INVALID,
				     "not an OCI image archive (no oci-layout)");
	if (!w->index)
		return berth_err_set(err, BERTH_E_INVALID, "OCI archive without index.json");
	return 0;
}

int archive_walk(const char *path, struct archive_walk *w, berth_err *err)
{
	struct archive *a = archive_read_new();
	int rc = -1;

	if (!a)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	/* ARCHIVE_WARN only means an external decompressor is missing: still usable. */
	if (archive_read_support_filter_all(a) < ARCHIVE_WARN ||
	    archive_read_support_format_tar(a) != ARCHIVE_OK) {
		berth_err_set(err, BERTH_E_INTERNAL, "libarchive: %s", archive_error_string(a));
		goto done;
	}
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
		berth_err_set(err, archive_errno(a) == ENOENT ? BERTH_E_NOT_FOUND : BERTH_E_INVALID,
			      "%s", archive_error_string(a));
		goto done;
	}
	rc = walk_entries(a, w, err);
done:
	archive_read_free(a);
	if (rc != 0) {
		free(w->index);
		w->index = NULL;
		berth_err_prefix(err, "archive %s", path);
	}
	return rc;
}

int image_archive_inspect(const char *path, struct image_archive_list *images, size_t *n_blobs,
			  berth_err *err)
{
	struct archive_walk w = { 0 };
	int rc;

	if (archive_walk(path, &w, err) != 0)
		return -1;
	rc = image_archive_parse_index(w.index, w.index_len, images, err);
	free(w.index);
	if (rc != 0)
		return berth_err_prefix(err, "archive %s", path);
	if (n_blobs)
		*n_blobs = w.n_blobs;
	return 0;
}
