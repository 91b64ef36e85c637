/* ctd_content.h: containerd's Content service: blobs (app/containerd/content.c).
 * Errors, ownership and connections: berth/ctd_conn.h.
 */
#ifndef BERTH_CTD_CONTENT_H
#define BERTH_CTD_CONTENT_H

#include <stddef.h>
#include <stdint.h>

#include "berth/ctd_conn.h"
#include "berth/ctd_types.h"
#include "berth/err.h"

/* A blob in the content store (Content.Info). */
typedef struct ctd_blob_info {
	const char *digest;
	int64_t size;
	const ctd_label *labels;
	size_t n_labels;
	ctd_time created_at;
	ctd_time updated_at;
	void *owner_;
} ctd_blob_info;
void ctd_blob_info_free(ctd_blob_info *info);

int ctd_content_info(ctd_conn *c, const char *digest, ctd_blob_info **out, berth_err *err);
/* Streams the blob from offset (size 0: to the end). fn gets each chunk (borrowed) and returns 0
 * to go on, 1 to stop (read returns 0), -1 to stop with an error it put in err. */
typedef int (*ctd_read_fn)(const uint8_t *data, size_t len, int64_t offset, void *ud,
			   berth_err *err);
int ctd_content_read(ctd_conn *c, const char *digest, int64_t offset, int64_t size, ctd_read_fn fn,
		     void *ud, berth_err *err);
/* Reads a whole blob of at most max bytes into a NEW buffer (free()); *len gets its size; the
 * buffer is NUL-terminated for convenience. BERTH_E_TOO_LARGE beyond max. */
int ctd_content_read_all(ctd_conn *c, const char *digest, size_t max, uint8_t **data, size_t *len,
			 berth_err *err);

/* Where Content.Write takes its bytes. read fills buf with up to cap bytes, sets *got (0 = end)
 * and returns 0, or -1 with err filled. seek (may be NULL) repositions to offset, used to resume an
 * ingest another writer left half done; without it such an ingest is aborted and restarted. */
typedef struct ctd_content_source {
	int (*read)(void *ud, uint8_t *buf, size_t cap, size_t *got, berth_err *err);
	int (*seek)(void *ud, int64_t offset, berth_err *err);
	void *ud;
} ctd_content_source;

/* Writes a blob of total bytes with digest expected under ingest ref (unique per blob, e.g. the
 * digest), in 1 MiB chunks, and commits it with labels; containerd checks size and digest and
 * the committed digest is checked again here. BERTH_E_ALREADY_EXISTS if the blob is already in
 * the store (callers usually treat that as success). Work under a lease or give the blob a GC
 * reference label, or GC may remove it. */
int ctd_content_write(ctd_conn *c, const char *ref, const char *expected, int64_t total,
		      const ctd_label *labels, size_t n_labels, const ctd_content_source *src,
		      berth_err *err);
/* Same, from memory. */
int ctd_content_write_buf(ctd_conn *c, const char *ref, const char *expected, const void *data,
			  size_t len, const ctd_label *labels, size_t n_labels, berth_err *err);
/* Sets (value != NULL) or removes (value == NULL) labels of a blob; others stay. */
int ctd_content_update_labels(ctd_conn *c, const char *digest, const ctd_label *labels,
			      size_t n_labels, berth_err *err);
int ctd_content_delete(ctd_conn *c, const char *digest, berth_err *err);
/* Drops a half-written ingest (e.g. left by a killed writer). */
int ctd_content_abort(ctd_conn *c, const char *ref, berth_err *err);

#endif
