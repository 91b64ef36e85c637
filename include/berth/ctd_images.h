/* ctd_images.h: containerd's Images service (app/containerd/images.c).
 * Errors, ownership and connections: berth/ctd_conn.h.
 */
#ifndef BERTH_CTD_IMAGES_H
#define BERTH_CTD_IMAGES_H

#include <stdbool.h>
#include <stddef.h>

#include "berth/ctd_conn.h"
#include "berth/ctd_types.h"
#include "berth/err.h"

/* An image record (Images.Get/List). */
typedef struct ctd_image {
	const char *name;
	ctd_descriptor target; /* digest "" when the record has none */
	const ctd_label *labels;
	size_t n_labels;
	ctd_time created_at;
	ctd_time updated_at;
	void *owner_;
} ctd_image;
void ctd_image_free(ctd_image *img);

typedef struct ctd_images {
	size_t n;
	ctd_image *items; /* belong to the list */
	void *owner_;
} ctd_images;
void ctd_images_free(ctd_images *list);

int ctd_image_get(ctd_conn *c, const char *name, ctd_image **out, berth_err *err);
int ctd_image_list(ctd_conn *c, const char *const *filters, size_t n_filters, ctd_images **out,
		   berth_err *err);
int ctd_image_create(ctd_conn *c, const char *name, const ctd_descriptor *target,
		     const ctd_label *labels, size_t n_labels, berth_err *err);
/* Replaces the target of an existing image (e.g. a re-import) and sets (value != NULL) or removes
 * (value == NULL) each of labels; the image's other labels (e.g. another tool's) stay: the update
 * sends the field mask "target", "labels.<key>"... */
int ctd_image_update(ctd_conn *c, const char *name, const ctd_descriptor *target,
		     const ctd_label *labels, size_t n_labels, berth_err *err);
/* sync: garbage collection runs before the reply. */
int ctd_image_delete(ctd_conn *c, const char *name, bool sync, berth_err *err);

#endif
