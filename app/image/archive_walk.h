/* archive_walk.h: internal to app/image: one streaming pass over an OCI image archive. */
#ifndef BERTH_IMAGE_ARCHIVE_WALK_H
#define BERTH_IMAGE_ARCHIVE_WALK_H

#include <archive.h>
#include <stddef.h>
#include <stdint.h>

#include "berth/err.h"

/* Called for each blobs/sha256/<hex> entry; the entry's data can be read from a (unread data is
 * skipped). Returns 0, or -1 with err set to stop the walk. */
typedef int (*archive_blob_fn)(struct archive *a, const char *digest, int64_t size, void *ud,
			       berth_err *err);

struct archive_walk {
	archive_blob_fn on_blob; /* NULL: blobs are only counted */
	void *ud;
	char *index; /* index.json text: NEW after a successful walk (free()) */
	size_t index_len;
	size_t n_blobs;
};

/* Walks the archive at path once: checks oci-layout, keeps index.json, hands every blob to
 * w->on_blob. Docker archives are refused (BERTH_E_UNSUPPORTED). On failure w->index is NULL. */
int archive_walk(const char *path, struct archive_walk *w, berth_err *err);

#endif
