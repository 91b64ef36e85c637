/* ctd_resources.h: a container's resource limits in containerd: changing them on a running task
 * (Tasks.Update) and in the container record's OCI spec (Containers.Get/Update), so that the next
 * task created from the record has them too.
 *
 * Part of the containerd client (berth/ctd_conn.h: connections, error mapping, borrowed arguments).
 * Resources travel as OCI JSON: linux.resources of the runtime spec, the LinuxResources object
 * ({"cpu":{"quota","period"},"memory":{"limit","swap"},"pids":{"limit"}}); the Any of Tasks.Update
 * has type_url CTD_RESOURCES_TYPE_URL and the JSON bytes as value, as containerd's typeurl does.
 */
#ifndef BERTH_CTD_RESOURCES_H
#define BERTH_CTD_RESOURCES_H

#include "berth/ctd_conn.h"
#include "berth/err.h"

#define CTD_RESOURCES_TYPE_URL "types.containerd.io/opencontainers/runtime-spec/1/LinuxResources"

/* Tasks.Update: applies resources_json (a LinuxResources object, borrowed, NUL-terminated) to the
 * container's running task, without a restart. NOT_FOUND when the container has no task;
 * containerd/runc refusing a value (e.g. a memory limit below the current usage) is the mapped
 * gRPC error (usually BERTH_E_INTERNAL / BERTH_EC_CONTAINERD, detail_only). */
int ctd_task_update_resources(ctd_conn *c, const char *container_id, const char *resources_json,
			      berth_err *err);

/* The container record's OCI spec JSON: NEW, NUL-terminated (free()); NOT_FOUND when there is no
 * such container; BERTH_E_INTERNAL when the record carries no spec. */
int ctd_container_spec(ctd_conn *c, const char *container_id, char **spec_json, berth_err *err);

/* Replaces the container record's spec with spec_json (borrowed; Containers.Update with the field
 * mask "spec": labels, image, snapshot and runtime stay). A running task is not touched. */
int ctd_container_update_spec(ctd_conn *c, const char *container_id, const char *spec_json,
			      berth_err *err);

#endif
