/* snapshots.c: Snapshots service. */
#include <stdlib.h>
#include <string.h>

#include "berth/ctd_conn.h"
#include "berth/ctd_snapshots.h"
#include "berth/ctd_types.h"
#include "containerd/services/snapshots/v1/snapshots.pb-c.h"
#include "internal.h"

#define SVC (&containerd__services__snapshots__v1__snapshots__descriptor)

typedef Containerd__Services__Snapshots__V1__Info pb_info;

/* Fills dst from src (strings borrowed from src). -1 on allocation failure. */
static int info_of(ctd_snapshot_info *dst, const pb_info *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->name = src->name;
	dst->parent = src->parent;
	switch (src->kind) {
	case CONTAINERD__SERVICES__SNAPSHOTS__V1__KIND__VIEW: dst->kind = CTD_SNAPSHOT_VIEW; break;
	case CONTAINERD__SERVICES__SNAPSHOTS__V1__KIND__ACTIVE:
		dst->kind = CTD_SNAPSHOT_ACTIVE;
		break;
	case CONTAINERD__SERVICES__SNAPSHOTS__V1__KIND__COMMITTED:
		dst->kind = CTD_SNAPSHOT_COMMITTED;
		break;
	default: dst->kind = CTD_SNAPSHOT_UNKNOWN;
	}
	dst->created_at = ctd_time_of(src->created_at);
	dst->updated_at = ctd_time_of(src->updated_at);
	return CTD_LABELS_OF(src->labels, src->n_labels, &dst->labels, &dst->n_labels);
}

void ctd_snapshot_info_free(ctd_snapshot_info *info)
{
	if (!info)
		return;
	free((void *)info->labels);
	ctd_reply_free(info->owner_);
	free(info);
}

int ctd_snapshot_prepare(ctd_conn *c, const char *snapshotter, const char *key, const char *parent,
			 const ctd_label *labels, size_t n_labels, ctd_mounts *out, berth_err *err)
{
	Containerd__Services__Snapshots__V1__PrepareSnapshotRequest req =
		CONTAINERD__SERVICES__SNAPSHOTS__V1__PREPARE_SNAPSHOT_REQUEST__INIT;
	Containerd__Services__Snapshots__V1__PrepareSnapshotResponse *resp = NULL;
	req.snapshotter = CTD_STR(snapshotter);
	req.key = CTD_STR(key);
	req.parent = CTD_STR(parent);
	if (CTD_MAP_BUILD(
		    &containerd__services__snapshots__v1__prepare_snapshot_request__labels_entry__descriptor,
		    labels, n_labels, req.labels, req.n_labels) != 0)
		return ctd_nomem(err, "Snapshots.Prepare");
	int rc = CTD_UNARY(c, SVC, "Prepare", &req, &resp, 0, err);
	CTD_MAP_FREE(req.labels, req.n_labels);
	if (rc == 0)
		rc = ctd_mounts_take(out, &resp->base, resp->n_mounts, resp->mounts, err);
	return rc;
}

int ctd_snapshot_view(ctd_conn *c, const char *snapshotter, const char *key, const char *parent,
		      const ctd_label *labels, size_t n_labels, ctd_mounts *out, berth_err *err)
{
	Containerd__Services__Snapshots__V1__ViewSnapshotRequest req =
		CONTAINERD__SERVICES__SNAPSHOTS__V1__VIEW_SNAPSHOT_REQUEST__INIT;
	Containerd__Services__Snapshots__V1__ViewSnapshotResponse *resp = NULL;
	req.snapshotter = CTD_STR(snapshotter);
	req.key = CTD_STR(key);
	req.parent = CTD_STR(parent);
	if (CTD_MAP_BUILD(
		    &containerd__services__snapshots__v1__view_snapshot_request__labels_entry__descriptor,
		    labels, n_labels, req.labels, req.n_labels) != 0)
		return ctd_nomem(err, "Snapshots.View");
	int rc = CTD_UNARY(c, SVC, "View", &req, &resp, 0, err);
	CTD_MAP_FREE(req.labels, req.n_labels);
	if (rc == 0)
		rc = ctd_mounts_take(out, &resp->base, resp->n_mounts, resp->mounts, err);
	return rc;
}

int ctd_snapshot_mounts(ctd_conn *c, const char *snapshotter, const char *key, ctd_mounts *out,
			berth_err *err)
{
	Containerd__Services__Snapshots__V1__MountsRequest req =
		CONTAINERD__SERVICES__SNAPSHOTS__V1__MOUNTS_REQUEST__INIT;
	Containerd__Services__Snapshots__V1__MountsResponse *resp = NULL;
	req.snapshotter = CTD_STR(snapshotter);
	req.key = CTD_STR(key);
	if (CTD_UNARY(c, SVC, "Mounts", &req, &resp, CTD_IDEMPOTENT, err) != 0)
		return -1;
	return ctd_mounts_take(out, &resp->base, resp->n_mounts, resp->mounts, err);
}

int ctd_snapshot_commit(ctd_conn *c, const char *snapshotter, const char *name, const char *key,
			const ctd_label *labels, size_t n_labels, berth_err *err)
{
	Containerd__Services__Snapshots__V1__CommitSnapshotRequest req =
		CONTAINERD__SERVICES__SNAPSHOTS__V1__COMMIT_SNAPSHOT_REQUEST__INIT;
	req.snapshotter = CTD_STR(snapshotter);
	req.name = CTD_STR(name);
	req.key = CTD_STR(key);
	if (CTD_MAP_BUILD(
		    &containerd__services__snapshots__v1__commit_snapshot_request__labels_entry__descriptor,
		    labels, n_labels, req.labels, req.n_labels) != 0)
		return ctd_nomem(err, "Snapshots.Commit");
	int rc = CTD_UNARY(c, SVC, "Commit", &req, NULL, 0, err);
	CTD_MAP_FREE(req.labels, req.n_labels);
	return rc;
}

int ctd_snapshot_remove(ctd_conn *c, const char *snapshotter, const char *key, berth_err *err)
{
	Containerd__Services__Snapshots__V1__RemoveSnapshotRequest req =
		CONTAINERD__SERVICES__SNAPSHOTS__V1__REMOVE_SNAPSHOT_REQUEST__INIT;
	req.snapshotter = CTD_STR(snapshotter);
	req.key = CTD_STR(key);
	return CTD_UNARY(c, SVC, "Remove", &req, NULL, 0, err);
}

int ctd_snapshot_stat(ctd_conn *c, const char *snapshotter, const char *key,
		      ctd_snapshot_info **out, berth_err *err)
{
	Containerd__Services__Snapshots__V1__StatSnapshotRequest req =
		CONTAINERD__SERVICES__SNAPSHOTS__V1__STAT_SNAPSHOT_REQUEST__INIT;
	Containerd__Services__Snapshots__V1__StatSnapshotResponse *resp = NULL;
	ctd_snapshot_info *info;
	req.snapshotter = CTD_STR(snapshotter);
	req.key = CTD_STR(key);
	if (out)
		*out = NULL;
	if (CTD_UNARY(c, SVC, "Stat", &req, &resp, CTD_IDEMPOTENT, err) != 0)
		return -1;
	if (!out) {
		ctd_reply_free(resp);
		return 0;
	}
	if (!resp->info) {
		ctd_reply_free(resp);
		return berth_err_set(err, BERTH_E_INTERNAL, "Snapshots.Stat: reply without info");
	}
	info = malloc(sizeof(*info));
	if (!info || info_of(info, resp->info) != 0) {
		free(info);
		ctd_reply_free(resp);
		return ctd_nomem(err, "Snapshots.Stat");
	}
	info->owner_ = resp;
	*out = info;
	return 0;
}

struct list_ctx {
	ctd_snapshot_fn fn;
	void *ud;
};

static int list_msg(const ProtobufCMessage *msg, void *ud, berth_err *err)
{
	const Containerd__Services__Snapshots__V1__ListSnapshotsResponse *r = (const void *)msg;
	struct list_ctx *lc = ud;
	for (size_t i = 0; i < r->n_info; i++) {
		ctd_snapshot_info info;
		int rc;
		if (info_of(&info, r->info[i]) != 0)
			return ctd_nomem(err, "Snapshots.List");
		rc = lc->fn(&info, lc->ud, err);
		free((void *)info.labels);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int ctd_snapshot_list(ctd_conn *c, const char *snapshotter, const char *const *filters,
		      size_t n_filters, ctd_snapshot_fn fn, void *ud, berth_err *err)
{
	Containerd__Services__Snapshots__V1__ListSnapshotsRequest req =
		CONTAINERD__SERVICES__SNAPSHOTS__V1__LIST_SNAPSHOTS_REQUEST__INIT;
	struct list_ctx lc = { fn, ud };
	req.snapshotter = CTD_STR(snapshotter);
	req.n_filters = n_filters;
	req.filters = (char **)filters;
	return ctd_call_server_stream(c, SVC, "List", &req.base, list_msg, &lc, 0, CTD_IDEMPOTENT,
				      err);
}
