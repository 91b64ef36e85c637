/* resources.c: a container's resource limits in containerd (include/berth/ctd_resources.h):
 * Tasks.Update on the running task, and the container record's spec (Containers.Get/Update). */
#include <stdlib.h>
#include <string.h>

#include "berth/ctd_containers.h"
#include "berth/ctd_resources.h"
#include "containerd/services/containers/v1/containers.pb-c.h"
#include "containerd/services/tasks/v1/tasks.pb-c.h"
#include "google/protobuf/any.pb-c.h"
#include "google/protobuf/field_mask.pb-c.h"
#include "internal.h"

#define TASKS (&containerd__services__tasks__v1__tasks__descriptor)
#define CONTAINERS (&containerd__services__containers__v1__containers__descriptor)

int ctd_task_update_resources(ctd_conn *c, const char *container_id, const char *resources_json,
			      berth_err *err)
{
	Containerd__Services__Tasks__V1__UpdateTaskRequest req =
		CONTAINERD__SERVICES__TASKS__V1__UPDATE_TASK_REQUEST__INIT;
	Google__Protobuf__Any res = GOOGLE__PROTOBUF__ANY__INIT;

	if (!resources_json)
		return berth_err_set(err, BERTH_E_INVALID, "Tasks.Update: resources required");
	res.type_url = CTD_STR(CTD_RESOURCES_TYPE_URL);
	res.value.data = (uint8_t *)resources_json;
	res.value.len = strlen(resources_json);
	req.container_id = CTD_STR(container_id);
	req.resources = &res;
	return CTD_UNARY(c, TASKS, "Update", &req, NULL, 0, err);
}

int ctd_container_spec(ctd_conn *c, const char *container_id, char **spec_json, berth_err *err)
{
	Containerd__Services__Containers__V1__GetContainerRequest req =
		CONTAINERD__SERVICES__CONTAINERS__V1__GET_CONTAINER_REQUEST__INIT;
	Containerd__Services__Containers__V1__GetContainerResponse *resp = NULL;
	const Google__Protobuf__Any *spec;
	char *out;

	*spec_json = NULL;
	req.id = CTD_STR(container_id);
	if (CTD_UNARY(c, CONTAINERS, "Get", &req, &resp, CTD_IDEMPOTENT, err) != 0)
		return -1;
	spec = resp->container ? resp->container->spec : NULL;
	if (!spec || spec->value.len == 0) {
		ctd_reply_free(resp);
		return berth_err_set(err, BERTH_E_INTERNAL,
				     "Containers.Get: container %s has no spec", container_id);
	}
	if (!(out = malloc(spec->value.len + 1))) {
		ctd_reply_free(resp);
		return ctd_nomem(err, "Containers.Get");
	}
	memcpy(out, spec->value.data, spec->value.len);
	out[spec->value.len] = '\0';
	ctd_reply_free(resp);
	*spec_json = out;
	return 0;
}

int ctd_container_update_spec(ctd_conn *c, const char *container_id, const char *spec_json,
			      berth_err *err)
{
	Containerd__Services__Containers__V1__Container ctr =
		CONTAINERD__SERVICES__CONTAINERS__V1__CONTAINER__INIT;
	Google__Protobuf__FieldMask mask = GOOGLE__PROTOBUF__FIELD_MASK__INIT;
	Containerd__Services__Containers__V1__UpdateContainerRequest req =
		CONTAINERD__SERVICES__CONTAINERS__V1__UPDATE_CONTAINER_REQUEST__INIT;
	Google__Protobuf__Any spec = GOOGLE__PROTOBUF__ANY__INIT;
	char *paths[] = { "spec" };

	if (!spec_json)
		return berth_err_set(err, BERTH_E_INVALID, "Containers.Update: spec required");
	spec.type_url = CTD_STR(CTD_SPEC_TYPE_URL);
	spec.value.data = (uint8_t *)spec_json;
	spec.value.len = strlen(spec_json);
	ctr.id = CTD_STR(container_id);
	ctr.spec = &spec;
	mask.paths = paths;
	mask.n_paths = 1;
	req.container = &ctr;
	req.update_mask = &mask;
	return CTD_UNARY(c, CONTAINERS, "Update", &req, NULL, 0, err);
}
