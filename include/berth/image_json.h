/* image_json.h: the OCI image documents, pure (app/image/image_json.c): media types, digests,
 * chain IDs, indexes, manifests and configs, an archive's index.json, and the records the image
 * modules fill. The image client on containerd: image_resolve.h (resolve, unpack into a
 * snapshotter), image_archive.h (read an archive), image_import.h (import one).
 *
 * Ownership: strings passed in are borrowed. A struct image_info filled by image_resolve owns all
 * it points to; release it with image_info_free. Functions return 0, or -1 with err filled.
 *
 * Everything here is pure (no containerd): unit tests call it directly.
 */
#ifndef BERTH_IMAGE_JSON_H
#define BERTH_IMAGE_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "berth/ctd_types.h"
#include "berth/err.h"

/* Media types (OCI and Docker schema 2). */
#define IMAGE_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define IMAGE_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define IMAGE_MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define IMAGE_MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define IMAGE_MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define IMAGE_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define IMAGE_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define IMAGE_MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"

/* Annotations naming an image in an OCI layout's index.json. */
#define IMAGE_ANNOTATION_NAME "io.containerd.image.name"
#define IMAGE_ANNOTATION_REF "org.opencontainers.image.ref.name"

/* "sha256:" + 64 hex digits + NUL. */
#define IMAGE_DIGEST_SIZE 72

/* True for "sha256:<64 lowercase hex>" (the only algorithm Berth handles). */
int image_digest_valid(const char *digest);

/* Chain IDs of a layer stack (OCI image spec): chain[0] = diff[0],
 * chain[i] = sha256(chain[i-1] + " " + diff[i]). out is a caller array of n IMAGE_DIGEST_SIZE
 * buffers. -1 (BERTH_E_INVALID) if a diff ID is not a valid sha256 digest. */
int image_chain_ids(const char *const *diff_ids, size_t n, char (*out)[IMAGE_DIGEST_SIZE],
		    berth_err *err);

/* 1 if media_type is an index / manifest list, 2 if a single-image manifest, 0 otherwise. */
int image_media_kind(const char *media_type);

/* From an index (OCI index or Docker manifest list, parsed JSON), the descriptor of the manifest
 * for os/arch (e.g. "linux", "amd64"); an entry without a platform matches when it is the only
 * entry. Returns a BORROWED descriptor object of index, or NULL with BERTH_E_NOT_FOUND /
 * BERTH_E_INVALID. */
const json_t *image_index_select(const json_t *index, const char *os, const char *arch,
				 berth_err *err);

/* A descriptor's fields, checked: mediaType string, digest valid, size >= 0. Strings BORROWED
 * from desc. */
int image_descriptor_parse(const json_t *desc, ctd_descriptor *out, berth_err *err);

struct image_layer {
	char *media_type;
	char digest[IMAGE_DIGEST_SIZE]; /* blob digest (compressed as stored) */
	int64_t size;
	char diff_id[IMAGE_DIGEST_SIZE];  /* digest of the uncompressed tar */
	char chain_id[IMAGE_DIGEST_SIZE]; /* snapshot name of the stack up to this layer */
};

struct image_info {
	char *name;
	char manifest_digest[IMAGE_DIGEST_SIZE];
	char config_digest[IMAGE_DIGEST_SIZE];
	json_t *config; /* the image config document (owned; pass to oci_spec_build) */
	size_t n_layers;
	struct image_layer *layers;
	const char *top_chain_id; /* points into layers[n-1].chain_id; "" for no layers */
};

/* The layers of a single-image manifest (parsed JSON) with their diff IDs from its config document
 * and the chain IDs: fills out->layers, n_layers and top_chain_id (release with image_info_free,
 * also after failure). Counts that differ, a bad descriptor or diff ID are BERTH_E_INVALID or
 * BERTH_E_INTERNAL. Pure; image_resolve uses it on the blobs it reads. */
int image_layers_parse(const json_t *manifest, const json_t *config, struct image_info *out,
		       berth_err *err);
void image_info_free(struct image_info *info);

/* One image named by an archive's index.json. Strings owned by the list. */
struct image_archive_entry {
	char *name;	  /* io.containerd.image.name, else ref.name when it is a full reference
	                        (contains '/'); NULL when neither names the image */
	char *media_type; /* of the target (manifest or index) */
	char digest[IMAGE_DIGEST_SIZE];
	int64_t size;
};

struct image_archive_list {
	size_t n;
	struct image_archive_entry *entries;
};
void image_archive_list_free(struct image_archive_list *l);

/* Parses the text of an OCI layout's index.json into the images it names. Entries without a
 * usable name get name NULL. (Pure; used by the importer and by tests.) */
int image_archive_parse_index(const char *json_text, size_t len, struct image_archive_list *out,
			      berth_err *err);

#endif
