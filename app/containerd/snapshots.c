/* snapshots.c: Snapshots service. */
#include "containerd/services/snapshots/v1/snapshots.pb-c.h"
#include "internal.h"

#define SVC (&containerd__services__snapshots__v1__snapshots__descriptor)

/* Prepare, View and Mounts replies all have mounts = 1, so they share one layout. */
static void take_mounts(ctd_mounts *out, ProtobufCMessage *reply, size_t n,
			Containerd__Types__Mount **mounts)
{
	out->owner = reply;
	out->n = n;
	out->mounts = mounts;
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
		take_mounts(out, &resp->base, resp->n_mounts, resp->mounts);
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
		take_mounts(out, &resp->base, resp->n_mounts, resp->mounts);
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
	take_mounts(out, &resp->base, resp->n_mounts, resp->mounts);
	return 0;
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
		      ctd_snapshot_stat_reply **out, berth_err *err)
{
	Containerd__Services__Snapshots__V1__StatSnapshotRequest req =
		CONTAINERD__SERVICES__SNAPSHOTS__V1__STAT_SNAPSHOT_REQUEST__INIT;
	req.snapshotter = CTD_STR(snapshotter);
	req.key = CTD_STR(key);
	return CTD_UNARY(c, SVC, "Stat", &req, out, CTD_IDEMPOTENT, err);
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
		int rc = lc->fn(r->info[i], lc->ud, err);
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

int ctd_snapshot_usage(ctd_conn *c, const char *snapshotter, const char *key, int64_t *size,
		       int64_t *inodes, berth_err *err)
{
	Containerd__Services__Snapshots__V1__UsageRequest req =
		CONTAINERD__SERVICES__SNAPSHOTS__V1__USAGE_REQUEST__INIT;
	Containerd__Services__Snapshots__V1__UsageResponse *resp = NULL;
	req.snapshotter = CTD_STR(snapshotter);
	req.key = CTD_STR(key);
	if (CTD_UNARY(c, SVC, "Usage", &req, &resp, CTD_IDEMPOTENT, err) != 0)
		return -1;
	if (size)
		*size = resp->size;
	if (inodes)
		*inodes = resp->inodes;
	ctd_reply_free(resp);
	return 0;
}
