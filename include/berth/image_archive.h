/* image_archive.h: an OCI image archive read without containerd (app/image/archive.c).
 * Ownership: berth/image_json.h.
 */
#ifndef BERTH_IMAGE_ARCHIVE_H
#define BERTH_IMAGE_ARCHIVE_H

#include <stddef.h>

#include "berth/err.h"
#include "berth/image_json.h"

/* Reads an OCI image archive (the tar `ctr images export` writes: oci-layout, index.json,
 * blobs/sha256/<hex>; plain or compressed, whatever libarchive reads) WITHOUT containerd: checks
 * the layout version and lists the images of index.json and the number of blobs.
 * Docker-archive tars (manifest.json without oci-layout) are refused with BERTH_E_UNSUPPORTED. */
int image_archive_inspect(const char *path, struct image_archive_list *images, size_t *n_blobs,
			  berth_err *err);

#endif
