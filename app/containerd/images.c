/* images.c: Images service (image records). */
#include <stdlib.h>

#include "containerd/services/images/v1/images.pb-c.h"
#include "google/protobuf/field_mask.pb-c.h"
#include "internal.h"

#define SVC (&containerd__services__images__v1__images__descriptor)

int ctd_image_get(ctd_conn *c, const char *name, ctd_image_get_reply **out, berth_err *err)
{
	Containerd__Services__Images__V1__GetImageRequest req =
		CONTAINERD__SERVICES__IMAGES__V1__GET_IMAGE_REQUEST__INIT;
	req.name = CTD_STR(name);
	return CTD_UNARY(c, SVC, "Get", &req, out, CTD_IDEMPOTENT, err);
}

int ctd_image_list(ctd_conn *c, const char *const *filters, size_t n_filters,
		   ctd_image_list_reply **out, berth_err *err)
{
	Containerd__Services__Images__V1__ListImagesRequest req =
		CONTAINERD__SERVICES__IMAGES__V1__LIST_IMAGES_REQUEST__INIT;
	req.n_filters = n_filters;
	req.filters = (char **)filters;
	return CTD_UNARY(c, SVC, "List", &req, out, CTD_IDEMPOTENT, err);
}

/* Images.Update with the mask "target" + "labels.<key>" of each given label: without a mask
 * containerd replaces every field, wiping the labels other tools put on the image. */
static int update_masked(ctd_conn *c, Containerd__Services__Images__V1__Image *img,
			 const ctd_label *labels, size_t n_labels, berth_err *err)
{
	Containerd__Services__Images__V1__UpdateImageRequest req =
		CONTAINERD__SERVICES__IMAGES__V1__UPDATE_IMAGE_REQUEST__INIT;
	Google__Protobuf__FieldMask mask = GOOGLE__PROTOBUF__FIELD_MASK__INIT;
	char **label_paths = NULL;
	if (ctd_label_paths(labels, n_labels, &label_paths, err) != 0)
		return -1;
	char **paths = calloc(n_labels + 1, sizeof(*paths));
	if (!paths) {
		ctd_paths_free(label_paths, n_labels);
		return ctd_nomem(err, "Images.Update");
	}
	paths[0] = (char *)"target";
	for (size_t i = 0; i < n_labels; i++)
		paths[i + 1] = label_paths[i];
	mask.n_paths = n_labels + 1;
	mask.paths = paths;
	req.image = img;
	req.update_mask = &mask;
	int rc = CTD_UNARY(c, SVC, "Update", &req, NULL, 0, err);
	free(paths);
	ctd_paths_free(label_paths, n_labels);
	return rc;
}

/* Create and Update send the same Image. */
static int image_call(ctd_conn *c, const char *method, const char *name,
		      const ctd_descriptor *target, const ctd_label *labels, size_t n_labels,
		      berth_err *err)
{
	Containerd__Services__Images__V1__Image img = CONTAINERD__SERVICES__IMAGES__V1__IMAGE__INIT;
	Containerd__Types__Descriptor desc = CONTAINERD__TYPES__DESCRIPTOR__INIT;
	if (!target || !target->digest)
		return berth_err_set(err, BERTH_E_INVALID, "Images.%s: target required", method);
	desc.media_type = CTD_STR(target->media_type);
	desc.digest = CTD_STR(target->digest);
	desc.size = target->size;
	img.name = CTD_STR(name);
	img.target = &desc;
	if (CTD_MAP_BUILD(&containerd__services__images__v1__image__labels_entry__descriptor, labels,
			  n_labels, img.labels, img.n_labels) != 0)
		return ctd_nomem(err, "Images");
	int rc;
	if (method[0] == 'C') {
		Containerd__Services__Images__V1__CreateImageRequest req =
			CONTAINERD__SERVICES__IMAGES__V1__CREATE_IMAGE_REQUEST__INIT;
		req.image = &img;
		rc = CTD_UNARY(c, SVC, method, &req, NULL, 0, err);
	} else {
		rc = update_masked(c, &img, labels, n_labels, err);
	}
	CTD_MAP_FREE(img.labels, img.n_labels);
	return rc;
}

int ctd_image_create(ctd_conn *c, const char *name, const ctd_descriptor *target,
		     const ctd_label *labels, size_t n_labels, berth_err *err)
{
	return image_call(c, "Create", name, target, labels, n_labels, err);
}

int ctd_image_update(ctd_conn *c, const char *name, const ctd_descriptor *target,
		     const ctd_label *labels, size_t n_labels, berth_err *err)
{
	return image_call(c, "Update", name, target, labels, n_labels, err);
}

int ctd_image_delete(ctd_conn *c, const char *name, bool sync, berth_err *err)
{
	Containerd__Services__Images__V1__DeleteImageRequest req =
		CONTAINERD__SERVICES__IMAGES__V1__DELETE_IMAGE_REQUEST__INIT;
	req.name = CTD_STR(name);
	req.sync = sync;
	return CTD_UNARY(c, SVC, "Delete", &req, NULL, 0, err);
}
