/* containers.c: Containers service (container records). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/ctd_conn.h"
#include "berth/ctd_containers.h"
#include "berth/ctd_tasks.h"
#include "berth/ctd_types.h"
#include "containerd/services/containers/v1/containers.pb-c.h"
#include "google/protobuf/any.pb-c.h"
#include "google/protobuf/field_mask.pb-c.h"
#include "internal.h"

#define SVC (&containerd__services__containers__v1__containers__descriptor)

int ctd_nomem(berth_err *err, const char *what)
{
	return berth_err_set(err, BERTH_E_INTERNAL, "%s: out of memory", what);
}

int ctd_label_paths(const ctd_label *labels, size_t n, char ***paths_out, berth_err *err)
{
	*paths_out = NULL;
	if (n == 0)
		return 0;
	char **paths = calloc(n, sizeof(*paths));
	if (!paths)
		return ctd_nomem(err, "label update");
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(labels[i].key) + sizeof("labels.");
		if (!(paths[i] = malloc(len))) {
			ctd_paths_free(paths, i);
			return ctd_nomem(err, "label update");
		}
		snprintf(paths[i], len, "labels.%s", labels[i].key);
	}
	*paths_out = paths;
	return 0;
}

void ctd_paths_free(char **paths, size_t n)
{
	if (!paths)
		return;
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

int ctd_container_create(ctd_conn *c, const ctd_container_opts *o, berth_err *err)
{
	Containerd__Services__Containers__V1__Container ctr =
		CONTAINERD__SERVICES__CONTAINERS__V1__CONTAINER__INIT;
	Containerd__Services__Containers__V1__Container__Runtime rt =
		CONTAINERD__SERVICES__CONTAINERS__V1__CONTAINER__RUNTIME__INIT;
	Google__Protobuf__Any spec = GOOGLE__PROTOBUF__ANY__INIT;
	Containerd__Services__Containers__V1__CreateContainerRequest req =
		CONTAINERD__SERVICES__CONTAINERS__V1__CREATE_CONTAINER_REQUEST__INIT;
	if (!o->id || !o->spec_json)
		return berth_err_set(err, BERTH_E_INVALID,
				     "Containers.Create: id and spec required");
	rt.name = CTD_STR(o->runtime ? o->runtime : CTD_RUNTIME_RUNC_V2);
	spec.type_url = CTD_STR(CTD_SPEC_TYPE_URL);
	spec.value.data = (uint8_t *)o->spec_json;
	spec.value.len = strlen(o->spec_json);
	ctr.id = CTD_STR(o->id);
	ctr.image = CTD_STR(o->image);
	ctr.runtime = &rt;
	ctr.spec = &spec;
	ctr.snapshotter = CTD_STR(o->snapshotter);
	ctr.snapshot_key = CTD_STR(o->snapshot_key);
	if (CTD_MAP_BUILD(
		    &containerd__services__containers__v1__container__labels_entry__descriptor,
		    o->labels, o->n_labels, ctr.labels, ctr.n_labels) != 0)
		return ctd_nomem(err, "Containers.Create");
	req.container = &ctr;
	int rc = CTD_UNARY(c, SVC, "Create", &req, NULL, 0, err);
	CTD_MAP_FREE(ctr.labels, ctr.n_labels);
	return rc;
}

typedef Containerd__Services__Containers__V1__Container pb_container;

/* Fills dst from src (strings borrowed from src). -1 on allocation failure. */
static int container_of(ctd_container *dst, const pb_container *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->id = src->id;
	dst->image = src->image;
	dst->runtime = src->runtime ? src->runtime->name : "";
	dst->snapshotter = src->snapshotter;
	dst->snapshot_key = src->snapshot_key;
	dst->created_at = ctd_time_of(src->created_at);
	dst->updated_at = ctd_time_of(src->updated_at);
	return CTD_LABELS_OF(src->labels, src->n_labels, &dst->labels, &dst->n_labels);
}

void ctd_container_free(ctd_container *ctr)
{
	if (!ctr)
		return;
	free((void *)ctr->labels);
	ctd_reply_free(ctr->owner_);
	free(ctr);
}

void ctd_containers_free(ctd_containers *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->n; i++)
		free((void *)list->items[i].labels);
	free(list->items);
	ctd_reply_free(list->owner_);
	free(list);
}

int ctd_container_get(ctd_conn *c, const char *id, ctd_container **out, berth_err *err)
{
	Containerd__Services__Containers__V1__GetContainerRequest req =
		CONTAINERD__SERVICES__CONTAINERS__V1__GET_CONTAINER_REQUEST__INIT;
	Containerd__Services__Containers__V1__GetContainerResponse *resp = NULL;
	ctd_container *ctr;
	req.id = CTD_STR(id);
	*out = NULL;
	if (CTD_UNARY(c, SVC, "Get", &req, &resp, CTD_IDEMPOTENT, err) != 0)
		return -1;
	if (!resp->container) {
		ctd_reply_free(resp);
		return berth_err_set(err, BERTH_E_INTERNAL,
				     "Containers.Get: reply without container");
	}
	ctr = malloc(sizeof(*ctr));
	if (!ctr || container_of(ctr, resp->container) != 0) {
		free(ctr);
		ctd_reply_free(resp);
		return ctd_nomem(err, "Containers.Get");
	}
	ctr->owner_ = resp;
	*out = ctr;
	return 0;
}

int ctd_container_list(ctd_conn *c, const char *const *filters, size_t n_filters,
		       ctd_containers **out, berth_err *err)
{
	Containerd__Services__Containers__V1__ListContainersRequest req =
		CONTAINERD__SERVICES__CONTAINERS__V1__LIST_CONTAINERS_REQUEST__INIT;
	Containerd__Services__Containers__V1__ListContainersResponse *resp = NULL;
	ctd_containers *list;
	req.n_filters = n_filters;
	req.filters = (char **)filters;
	*out = NULL;
	if (CTD_UNARY(c, SVC, "List", &req, &resp, CTD_IDEMPOTENT, err) != 0)
		return -1;
	list = calloc(1, sizeof(*list));
	if (!list) {
		ctd_reply_free(resp);
		return ctd_nomem(err, "Containers.List");
	}
	list->owner_ = resp;
	if (resp->n_containers &&
	    !(list->items = calloc(resp->n_containers, sizeof(*list->items)))) {
		ctd_containers_free(list);
		return ctd_nomem(err, "Containers.List");
	}
	for (size_t i = 0; i < resp->n_containers; i++) {
		int rc = container_of(&list->items[list->n], resp->containers[i]);
		list->n++;
		if (rc != 0) {
			ctd_containers_free(list);
			return ctd_nomem(err, "Containers.List");
		}
	}
	*out = list;
	return 0;
}

int ctd_container_list_by_label(ctd_conn *c, const char *key, const char *value,
				ctd_containers **out, berth_err *err)
{
	char filter[1024];
	if (ctd_filter_label(filter, sizeof(filter), key, value, err) != 0)
		return berth_err_prefix(err, "Containers.List");
	const char *filters[] = { filter };
	return ctd_container_list(c, filters, 1, out, err);
}

int ctd_container_update_labels(ctd_conn *c, const char *id, const ctd_label *labels,
				size_t n_labels, berth_err *err)
{
	Containerd__Services__Containers__V1__Container ctr =
		CONTAINERD__SERVICES__CONTAINERS__V1__CONTAINER__INIT;
	Google__Protobuf__FieldMask mask = GOOGLE__PROTOBUF__FIELD_MASK__INIT;
	Containerd__Services__Containers__V1__UpdateContainerRequest req =
		CONTAINERD__SERVICES__CONTAINERS__V1__UPDATE_CONTAINER_REQUEST__INIT;
	if (n_labels == 0)
		return 0;
	ctr.id = CTD_STR(id);
	if (CTD_MAP_BUILD(
		    &containerd__services__containers__v1__container__labels_entry__descriptor,
		    labels, n_labels, ctr.labels, ctr.n_labels) != 0)
		return ctd_nomem(err, "Containers.Update");
	int rc = ctd_label_paths(labels, n_labels, &mask.paths, err);
	if (rc == 0) {
		mask.n_paths = n_labels;
		req.container = &ctr;
		req.update_mask = &mask;
		rc = CTD_UNARY(c, SVC, "Update", &req, NULL, 0, err);
	}
	ctd_paths_free(mask.paths, mask.n_paths);
	CTD_MAP_FREE(ctr.labels, ctr.n_labels);
	return rc;
}

int ctd_container_delete(ctd_conn *c, const char *id, berth_err *err)
{
	/* containerd 1.6 deletes a record whose task still runs, orphaning the shim: refuse. */
	ctd_task_info ti;
	berth_err terr;
	if (ctd_task_get(c, id, NULL, &ti, &terr) == 0)
		return berth_err_set(err, BERTH_E_PRECONDITION,
				     "Containers.Delete: container %s still has a task (%s)", id,
				     ctd_task_status_name(ti.status));
	if (terr.kind != BERTH_E_NOT_FOUND) {
		if (err)
			*err = terr;
		return berth_err_prefix(err, "Containers.Delete");
	}
	Containerd__Services__Containers__V1__DeleteContainerRequest req =
		CONTAINERD__SERVICES__CONTAINERS__V1__DELETE_CONTAINER_REQUEST__INIT;
	req.id = CTD_STR(id);
	return CTD_UNARY(c, SVC, "Delete", &req, NULL, 0, err);
}
