/* image_import.h: import an OCI image archive into containerd (app/image/import.c).
 * Ownership: berth/image_json.h.
 */
#ifndef BERTH_IMAGE_IMPORT_H
#define BERTH_IMAGE_IMPORT_H

#include "berth/ctd_conn.h"
#include "berth/err.h"
#include "berth/image_json.h"

struct image_import_opts {
	const char *name;	 /* NULL: names from index.json; else the one image is named this */
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
