/* diff.c: Diff service (apply a layer to mounts; compute a layer from two mount sets). */
#include <stdio.h>

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
	req.n_mounts = mounts->n;
	req.mounts = mounts->mounts;
	if (CTD_UNARY(c, SVC, "Apply", &req, &resp, 0, err) != 0)
		return -1;
	int rc = 0;
	if (!resp->applied || !resp->applied->digest[0])
		rc = berth_err_set(err, BERTH_E_INTERNAL, "Diff.Apply: no applied digest");
	else if ((size_t)snprintf(applied, cap, "%s", resp->applied->digest) >= cap)
		rc = berth_err_set(err, BERTH_E_INVALID, "Diff.Apply: digest buffer too small");
	ctd_reply_free(resp);
	return rc;
}

int ctd_diff_diff(ctd_conn *c, const ctd_mounts *lower, const ctd_mounts *upper,
		  const char *media_type, const char *ref, const ctd_label *labels, size_t n_labels,
		  ctd_diff_reply **out, berth_err *err)
{
	Containerd__Services__Diff__V1__DiffRequest req =
		CONTAINERD__SERVICES__DIFF__V1__DIFF_REQUEST__INIT;
	req.n_left = lower->n;
	req.left = lower->mounts;
	req.n_right = upper->n;
	req.right = upper->mounts;
	req.media_type = CTD_STR(media_type ? media_type : OCI_LAYER_TAR);
	req.ref = CTD_STR(ref);
	if (CTD_MAP_BUILD(&containerd__services__diff__v1__diff_request__labels_entry__descriptor,
			  labels, n_labels, req.labels, req.n_labels) != 0)
		return ctd_nomem(err, "Diff.Diff");
	int rc = CTD_UNARY(c, SVC, "Diff", &req, out, 0, err);
	CTD_MAP_FREE(req.labels, req.n_labels);
	return rc;
}
