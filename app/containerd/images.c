/* images.c: Images service (image records). */
#include <stdlib.h>
#include <string.h>

#include "berth/ctd_conn.h"
#include "berth/ctd_images.h"
#include "berth/ctd_types.h"
#include "containerd/services/images/v1/images.pb-c.h"
#include "google/protobuf/field_mask.pb-c.h"
#include "internal.h"

#define SVC (&containerd__services__images__v1__images__descriptor)

typedef Containerd__Services__Images__V1__Image pb_image;

/* Fills dst from src (strings borrowed from src). -1 on allocation failure. */
static int image_of(ctd_image *dst, const pb_image *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->name = src->name;
	if (src->target)
		dst->target = (ctd_descriptor){ src->target->media_type, src->target->digest,
						src->target->size };
	else
		dst->target = (ctd_descriptor){ "", "", 0 };
	dst->created_at = ctd_time_of(src->created_at);
	dst->updated_at = ctd_time_of(src->updated_at);
	return CTD_LABELS_OF(src->labels, src->n_labels, &dst->labels, &dst->n_labels);
}

void ctd_image_free(ctd_image *img)
{
	if (!img)
		return;
	free((void *)img->labels);
	ctd_reply_free(img->owner_);
	free(img);
}

void ctd_images_free(ctd_images *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->n; i++)
		free((void *)list->items[i].labels);
	free(list->items);
	ctd_reply_free(list->owner_);
	free(list);
}

int ctd_image_get(ctd_conn *c, const char *name, ctd_image **out, berth_err *err)
{
	Containerd__Services__Images__V1__GetImageRequest req =
		CONTAINERD__SERVICES__IMAGES__V1__GET_IMAGE_REQUEST__INIT;
	Containerd__Services__Images__V1__GetImageResponse *resp = NULL;
	ctd_image *img;
	req.name = CTD_STR(name);
	*out = NULL;
	if (CTD_UNARY(c, SVC, "Get", &req, &resp, CTD_IDEMPOTENT, err) != 0)
		return -1;
	if (!resp->image) {
		ctd_reply_free(resp);
		return berth_err_set(err, BERTH_E_INTERNAL, "Images.Get: reply without image");
	}
	img = malloc(sizeof(*img));
	if (!img || image_of(img, resp->image) != 0) {
		free(img);
		ctd_reply_free(resp);
		return ctd_nomem(err, "Images.Get");
	}
	img->owner_ = resp;
	*out = img;
	return 0;
}

int ctd_image_list(ctd_conn *c, const char *const *filters, size_t n_filters, ctd_images **out,
		   berth_err *err)
{
	Containerd__Services__Images__V1__ListImagesRequest req =
		CONTAINERD__SERVICES__IMAGES__V1__LIST_IMAGES_REQUEST__INIT;
	Containerd__Services__Images__V1__ListImagesResponse *resp = NULL;
	ctd_images *list;
	req.n_filters = n_filters;
	req.filters = (char **)filters;
	*out = NULL;
	if (CTD_UNARY(c, SVC, "List", &req, &resp, CTD_IDEMPOTENT, err) != 0)
		return -1;
	list = calloc(1, sizeof(*list));
	if (!list) {
		ctd_reply_free(resp);
		return ctd_nomem(err, "Images.List");
	}
	list->owner_ = resp;
	if (resp->n_images && !(list->items = calloc(resp->n_images, sizeof(*list->items)))) {
		ctd_images_free(list);
		return ctd_nomem(err, "Images.List");
	}
	for (size_t i = 0; i < resp->n_images; i++) {
		int rc = image_of(&list->items[list->n], resp->images[i]);
		list->n++;
		if (rc != 0) {
			ctd_images_free(list);
			return ctd_nomem(err, "Images.List");
		}
	}
	*out = list;
	return 0;
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
	if (CTD_MAP_BUILD(&containerd__services__images__v1__image__labels_entry__descriptor,
			  labels, n_labels, img.labels, img.n_labels) != 0)
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
