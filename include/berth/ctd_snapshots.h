/* ctd_snapshots.h: containerd's Snapshots service (app/containerd/snapshots.c).
 * Errors, ownership and connections: berth/ctd_conn.h.
 */
#ifndef BERTH_CTD_SNAPSHOTS_H
#define BERTH_CTD_SNAPSHOTS_H

#include <stddef.h>

#include "berth/ctd_conn.h"
#include "berth/ctd_types.h"
#include "berth/err.h"

typedef enum ctd_snapshot_kind {
	CTD_SNAPSHOT_UNKNOWN = 0,
	CTD_SNAPSHOT_VIEW,
	CTD_SNAPSHOT_ACTIVE,
	CTD_SNAPSHOT_COMMITTED,
} ctd_snapshot_kind;

/* A snapshot (Snapshots.Stat/List). parent "" for none. */
typedef struct ctd_snapshot_info {
	const char *name;
	const char *parent;
	ctd_snapshot_kind kind;
	const ctd_label *labels;
	size_t n_labels;
	ctd_time created_at;
	ctd_time updated_at;
	void *owner_;
} ctd_snapshot_info;
void ctd_snapshot_info_free(ctd_snapshot_info *info);

/* parent may be NULL or "" (no parent). out receives the mounts (NEW; ctd_mounts_free). */
int ctd_snapshot_prepare(ctd_conn *c, const char *snapshotter, const char *key, const char *parent,
			 const ctd_label *labels, size_t n_labels, ctd_mounts *out, berth_err *err);
int ctd_snapshot_view(ctd_conn *c, const char *snapshotter, const char *key, const char *parent,
		      const ctd_label *labels, size_t n_labels, ctd_mounts *out, berth_err *err);
int ctd_snapshot_mounts(ctd_conn *c, const char *snapshotter, const char *key, ctd_mounts *out,
			berth_err *err);
/* Commits active snapshot key as name; the key disappears. */
int ctd_snapshot_commit(ctd_conn *c, const char *snapshotter, const char *name, const char *key,
			const ctd_label *labels, size_t n_labels, berth_err *err);
int ctd_snapshot_remove(ctd_conn *c, const char *snapshotter, const char *key, berth_err *err);
/* out may be NULL (existence check). */
int ctd_snapshot_stat(ctd_conn *c, const char *snapshotter, const char *key,
		      ctd_snapshot_info **out, berth_err *err);
/* Calls fn once per snapshot (borrowed info). fn returns 0 to go on, 1 to stop (the list then
 * returns 0), -1 to stop with an error it put in err. */
typedef int (*ctd_snapshot_fn)(const ctd_snapshot_info *info, void *ud, berth_err *err);
int ctd_snapshot_list(ctd_conn *c, const char *snapshotter, const char *const *filters,
		      size_t n_filters, ctd_snapshot_fn fn, void *ud, berth_err *err);

#endif
