/* ctd_containers.h: containerd's Containers service (app/containerd/containers.c).
 * Errors, ownership and connections: berth/ctd_conn.h.
 */
#ifndef BERTH_CTD_CONTAINERS_H
#define BERTH_CTD_CONTAINERS_H

#include <stddef.h>

#include "berth/ctd_conn.h"
#include "berth/ctd_types.h"
#include "berth/err.h"

/* Any type URLs of OCI runtime-spec JSON (the Any's value is the JSON bytes, not protobuf). */
#define CTD_SPEC_TYPE_URL "types.containerd.io/opencontainers/runtime-spec/1/Spec"
#define CTD_RUNTIME_RUNC_V2 "io.containerd.runc.v2"

/* A container record (Containers.Get/List). */
typedef struct ctd_container {
	const char *id;
	const char *image;
	const char *runtime;
	const char *snapshotter;
	const char *snapshot_key;
	const ctd_label *labels;
	size_t n_labels;
	ctd_time created_at;
	ctd_time updated_at;
	void *owner_;
} ctd_container;
void ctd_container_free(ctd_container *ctr);

typedef struct ctd_containers {
	size_t n;
	ctd_container *items; /* items[i] belong to the list (never ctd_container_free them) */
	void *owner_;
} ctd_containers;
void ctd_containers_free(ctd_containers *list);

typedef struct ctd_container_opts {
	const char *id;
	const char *image; /* image name recorded on the container (may be NULL) */
	const ctd_label *labels;
	size_t n_labels;
	const char *runtime;	  /* NULL: io.containerd.runc.v2 */
	const char *spec_json;	  /* the OCI runtime spec as JSON (NUL-terminated) */
	const char *snapshotter;  /* e.g. "overlayfs" */
	const char *snapshot_key; /* the rootfs snapshot's key (usually the id) */
} ctd_container_opts;

int ctd_container_create(ctd_conn *c, const ctd_container_opts *o, berth_err *err);
int ctd_container_get(ctd_conn *c, const char *id, ctd_container **out, berth_err *err);
/* filters: containerd filter strings (may be NULL/0 for all). */
int ctd_container_list(ctd_conn *c, const char *const *filters, size_t n_filters,
		       ctd_containers **out, berth_err *err);
int ctd_container_list_by_label(ctd_conn *c, const char *key, const char *value,
				ctd_containers **out, berth_err *err);
/* Sets (value != NULL) or removes (value == NULL) each label; other labels stay. */
int ctd_container_update_labels(ctd_conn *c, const char *id, const ctd_label *labels,
				size_t n_labels, berth_err *err);
/* Deletes the container record. Refuses with BERTH_E_PRECONDITION while the container has a task
 * (containerd 1.6 itself would delete it and orphan the shim). Remove the snapshot FIRST. */
int ctd_container_delete(ctd_conn *c, const char *id, berth_err *err);

#endif
