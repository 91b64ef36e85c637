/* diff.c: Diff service (apply a layer to mounts; compute a layer from two mount sets). */
#include <stdio.h>
#include <stdlib.h>

#include "berth/ctd_conn.h"
#include "berth/ctd_diff.h"
#include "berth/ctd_types.h"
#include "containerd/services/diff/v1/diff.pb-c.h"
#include "internal.h"

#define SVC (&containerd__services__diff__v1__diff__descriptor)
#define OCI_LAYER_TAR "application/vnd.oci.image.layer.v1.tar"

int ctd_diff_apply(ctd_conn *c, const ctd_descriptor *layer, const ctd_mounts *mounts,
		   char *applied, size_t cap, berth_err *err)
{
	Containerd__Services__Diff__V1__ApplyRequest req =
		CONTAINERD__SERVICES__DIFF__V1__APPLY_REQUEST__INIT;
	Containerd__Types__Descriptor desc = CONTAINERD__TYPES__DESCRIPTOR__INIT;
	Containerd__Services__Diff__V1__ApplyResponse *resp = NULL;
	desc.media_type = CTD_STR(layer->media_type);
	desc.digest = CTD_STR(layer->digest);
	desc.size = layer->size;
	req.diff = &desc;
	if (ctd_mounts_proto(mounts, &req.mounts, err) != 0)
		return -1;
	req.n_mounts = req.mounts ? mounts->n : 0;
	int rc = CTD_UNARY(c, SVC, "Apply", &req, &resp, 0, err);
	free(req.mounts);
	if (rc != 0)
		return -1;
	if (!resp->applied || !resp->applied->digest[0])
		rc = berth_err_set(err, BERTH_E_INTERNAL, "Diff.Apply: no applied digest");
	else if ((size_t)snprintf(applied, cap, "%s", resp->applied->digest) >= cap)
		rc = berth_err_set(err, BERTH_E_INVALID, "Diff.Apply: digest buffer too small");
	ctd_reply_free(resp);
	return rc;
}

int ctd_diff_diff(ctd_conn *c, const ctd_mounts *lower, const ctd_mounts *upper,
		  const char *media_type, const char *ref, const ctd_label *labels, size_t n_labels,
		  ctd_blob **out, berth_err *err)
{
	Containerd__Services__Diff__V1__DiffRequest req =
		CONTAINERD__SERVICES__DIFF__V1__DIFF_REQUEST__INIT;
	Containerd__Services__Diff__V1__DiffResponse *resp = NULL;
	ctd_blob *blob;
	int rc = -1;
	*out = NULL;
	req.media_type = CTD_STR(media_type ? media_type : OCI_LAYER_TAR);
	req.ref = CTD_STR(ref);
	if (ctd_mounts_proto(lower, &req.left, err) != 0 ||
	    ctd_mounts_proto(upper, &req.right, err) != 0)
		goto fail;
	req.n_left = req.left ? lower->n : 0;
	req.n_right = req.right ? upper->n : 0;
	if (CTD_MAP_BUILD(&containerd__services__diff__v1__diff_request__labels_entry__descriptor,
			  labels, n_labels, req.labels, req.n_labels) != 0) {
		ctd_nomem(err, "Diff.Diff");
		goto fail;
	}
	rc = CTD_UNARY(c, SVC, "Diff", &req, &resp, 0, err);
	CTD_MAP_FREE(req.labels, req.n_labels);
	if (rc != 0)
		goto fail;
	rc = -1;
	if (!resp->diff || !resp->diff->digest[0]) {
		berth_err_set(err, BERTH_E_INTERNAL, "Diff.Diff: reply without a descriptor");
		goto fail;
	}
	if (!(blob = malloc(sizeof(*blob)))) {
		ctd_nomem(err, "Diff.Diff");
		goto fail;
	}
	blob->desc = (ctd_descriptor){ resp->diff->media_type, resp->diff->digest,
				       resp->diff->size };
	blob->owner_ = resp;
	resp = NULL;
	*out = blob;
	rc = 0;
fail:
	ctd_reply_free(resp);
	free(req.left);
	free(req.right);
	return rc;
}

void ctd_blob_free(ctd_blob *blob)
{
	if (!blob)
		return;
	ctd_reply_free(blob->owner_);
	free(blob);
}
