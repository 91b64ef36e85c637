/* ctd_diff.h: containerd's Diff service: apply and compute layers (app/containerd/diff.c).
 * Errors, ownership and connections: berth/ctd_conn.h.
 */
#ifndef BERTH_CTD_DIFF_H
#define BERTH_CTD_DIFF_H

#include <stddef.h>

#include "berth/ctd_conn.h"
#include "berth/ctd_types.h"
#include "berth/err.h"

/* A blob Diff.Diff wrote: its descriptor (strings owned). */
typedef struct ctd_blob {
	ctd_descriptor desc;
	void *owner_;
} ctd_blob;
void ctd_blob_free(ctd_blob *blob);

/* Applies layer (a blob in the content store; tar or tar+gzip) onto mounts (an active snapshot's
 * mounts) and writes the applied (uncompressed) digest, the diff ID, into applied (cap >= 72). */
int ctd_diff_apply(ctd_conn *c, const ctd_descriptor *layer, const ctd_mounts *mounts,
		   char *applied, size_t cap, berth_err *err);
/* Computes the changes from lower to upper (e.g. a View of the parent and a running container's
 * snapshot mounts) as a new blob in the content store. media_type NULL: uncompressed OCI layer
 * tar; ref NULL: containerd picks one; labels go on the blob (give it a GC reference or a lease).
 * out: NEW, the blob's descriptor (ctd_blob_free). */
int ctd_diff_diff(ctd_conn *c, const ctd_mounts *lower, const ctd_mounts *upper,
		  const char *media_type, const char *ref, const ctd_label *labels, size_t n_labels,
		  ctd_blob **out, berth_err *err);

#endif
