/* image.h: OCI images on containerd: resolve, unpack into a snapshotter, import an archive.
 *
 * Built on the containerd client (ctd_*.h); knows nothing of bots. Everything containerd's Go client
 * does for these (images.Manifest, image.Unpack, archive.ImportIndex) is done here with plain
 * calls, following shared/notes/containerd-from-c.md §3-§4.
 *
 * Ownership: strings passed in are borrowed. A struct image_info filled by image_resolve owns all it
 * points to; release it with image_info_free. Functions return 0, or -1 with err filled.
 *
 * Pure parts (no containerd) are declared first: unit tests call them directly.
 */
#ifndef BERTH_IMAGE_H
#define BERTH_IMAGE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "berth/ctd_conn.h"
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

/* ---- pure ------------------------------------------------------------------------------------- */

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

/* ---- on containerd ---------------------------------------------------------------------------- */

struct image_layer {
	char *media_type;
	char digest[IMAGE_DIGEST_SIZE];   /* blob digest (compressed as stored) */
	int64_t size;
	char diff_id[IMAGE_DIGEST_SIZE];  /* digest of the uncompressed tar */
	char chain_id[IMAGE_DIGEST_SIZE]; /* snapshot name of the stack up to this layer */
};

struct image_info {
	char *name;
	char manifest_digest[IMAGE_DIGEST_SIZE];
	char config_digest[IMAGE_DIGEST_SIZE];
	json_t *config;                  /* the image config document (owned; pass to oci_spec_build) */
	size_t n_layers;
	struct image_layer *layers;
	const char *top_chain_id;        /* points into layers[n-1].chain_id; "" for no layers */
};

/* The layers of a single-image manifest (parsed JSON) with their diff IDs from its config document
 * and the chain IDs: fills out->layers, n_layers and top_chain_id (release with image_info_free,
 * also after failure). Counts that differ, a bad descriptor or diff ID are BERTH_E_INVALID or
 * BERTH_E_INTERNAL. Pure; image_resolve uses it on the blobs it reads. */
int image_layers_parse(const json_t *manifest, const json_t *config, struct image_info *out,
		       berth_err *err);

/* Error kinds of image_resolve, image_unpack and image_ensure. The data they read comes from
 * containerd, not from their caller, so a fault in it is never a client error:
 *   BERTH_E_NOT_FOUND    only when the image record itself is missing (Images.Get);
 *   BERTH_E_UNAVAILABLE, BERTH_E_TIMEOUT   containerd unreachable or too slow;
 *   BERTH_E_INTERNAL     anything else about stored data or containerd: a missing blob, a blob
 *                        that is not JSON or too large, an image without target, an unsupported
 *                        media type, an index without linux/amd64, a layer/diff-ID count
 *                        mismatch, a layer applying to another diff ID, ...;
 *   BERTH_E_INVALID      only for the caller's own arguments: an empty name, no snapshotter, or
 *                        a snapshotter containerd does not have ("snapshotter not loaded").
 *                        The snapshotter may come from an API request; the image never does.
 * Messages start "resolve image <name>: " or "unpack <name>: ". */

/* Resolves image name in c's namespace: Images.Get -> target; an index picks linux/amd64; the
 * manifest gives config and layers; the config gives diff IDs; chain IDs computed. Fills *out
 * (release with image_info_free, also after failure). */
int image_resolve(ctd_conn *c, const char *name, struct image_info *out, berth_err *err);
void image_info_free(struct image_info *info);

/* Unpacks a resolved image into snapshotter unless already unpacked, under a lease of its own
 * (1 h expiry): per layer Stat (skip if present), Prepare "extract-<ns>-<rand> <chain>", Diff.Apply
 * (under a deadline of 10 min, or the connection's if longer; diff ID checked), Commit with containerd.io/snapshot.ref (ALREADY_EXISTS means another process
 * won: its snapshot is used), Remove of the key on any failure, Content.Update of the layer's
 * containerd.io/uncompressed label; then the config blob gets
 * containerd.io/gc.ref.snapshot.<snapshotter> = top chain ID (the GC root of the snapshot chain).
 * Safe to run concurrently in several processes. Call it on a connection without a lease: the
 * connection's lease is cleared afterwards.
 * *unpacked (may be NULL) gets the number of layers this call applied (0 = all were present). */
int image_unpack(ctd_conn *c, const struct image_info *img, const char *snapshotter,
		 size_t *unpacked, berth_err *err);

/* image_resolve + image_unpack: what a container needs before its rootfs can be prepared. */
int image_ensure(ctd_conn *c, const char *name, const char *snapshotter, struct image_info *out,
		 berth_err *err);

/* ---- archives --------------------------------------------------------------------------------- */

/* One image named by an archive's index.json. Strings owned by the list. */
struct image_archive_entry {
	char *name;          /* io.containerd.image.name, else ref.name when it is a full reference
	                        (contains '/'); NULL when neither names the image */
	char *media_type;    /* of the target (manifest or index) */
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

/* Reads an OCI image archive (the tar `ctr images export` writes: oci-layout, index.json,
 * blobs/sha256/<hex>; plain or compressed, whatever libarchive reads) WITHOUT containerd: checks
 * the layout version and lists the images of index.json and the number of blobs.
 * Docker-archive tars (manifest.json without oci-layout) are refused with BERTH_E_UNSUPPORTED. */
int image_archive_inspect(const char *path, struct image_archive_list *images, size_t *n_blobs,
			  berth_err *err);

struct image_import_opts {
	const char *name;        /* NULL: names from index.json; else the one image is named this */
	const char *snapshotter; /* unpack into it; NULL: do not unpack */
};

/* Imports an OCI image archive under a lease, in one pass over the tar: every blobs/sha256/ entry
 * is written to the content store (digest verified by containerd; blobs already present are kept;
 * blobs no image references are collected once the lease ends), manifests and
 * indexes get the containerd.io/gc.ref.content.* labels that keep their children, each named image
 * is created (or updated when it exists), then unpacked. *imported (may be NULL) gets the list of
 * images created (release with image_archive_list_free). Call it on a connection without a
 * lease: the connection's lease is cleared afterwards. A malformed archive (its tar, layout,
 * index.json, manifests) is BERTH_E_INVALID or BERTH_E_UNSUPPORTED; the unpack after the import
 * fails with image_unpack's kinds. */
int image_import(ctd_conn *c, const char *path, const struct image_import_opts *o,
		 struct image_archive_list *imported, berth_err *err);

#endif
