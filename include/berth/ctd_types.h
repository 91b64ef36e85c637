/* ctd_types.h: the containerd client's plain types and pure helpers (app/containerd/util.c):
 * labels, times, descriptors, task states, mounts, filters, status mapping.
 * Errors, ownership and connections: berth/ctd_conn.h.
 */
#ifndef BERTH_CTD_TYPES_H
#define BERTH_CTD_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "berth/err.h"

/* A label, or any map<string,string> entry. In arguments: borrowed strings, and in an update
 * value NULL deletes. In the records (ctd_*.h): owned by the record. */
typedef struct ctd_label {
	const char *key;
	const char *value;
} ctd_label;

/* The value of key among labels, or NULL. Borrowed. */
const char *ctd_label_get(const ctd_label *labels, size_t n_labels, const char *key);

/* A point in time as containerd reports it (UNIX seconds and nanoseconds); all zero: unknown. */
typedef struct ctd_time {
	int64_t seconds;
	int32_t nanos;
} ctd_time;

/* A content descriptor; borrowed strings. */
typedef struct ctd_descriptor {
	const char *media_type;
	const char *digest;
	int64_t size;
} ctd_descriptor;

/* Records that containerd returns are NEW (one allocation per call result, with the strings it
 * points to) and freed with their own *_free function, which takes NULL. The hidden `owner_` field
 * is the client's business. */

/* The status of a task or process. */
typedef enum ctd_task_status {
	CTD_TASK_UNKNOWN = 0,
	CTD_TASK_CREATED,
	CTD_TASK_RUNNING,
	CTD_TASK_STOPPED,
	CTD_TASK_PAUSED, /* also containerd's PAUSING */
} ctd_task_status;
/* "created", "running", "stopped", "paused", "unknown". */
const char *ctd_task_status_name(ctd_task_status s);

/* A set of mounts as Snapshots.Prepare/View/Mounts return them and Tasks.Create/Diff.Apply/
 * Diff.Diff take them. From ctd_snapshot_*: it owns its array and strings (free with
 * ctd_mounts_free). A caller may also fill mounts/n itself with owner_ NULL (then ctd_mounts_free
 * does nothing). */
typedef struct ctd_mount {
	const char *type;
	const char *source;
	const char *target;
	const char *const *options;
	size_t n_options;
} ctd_mount;
typedef struct ctd_mounts {
	size_t n;
	ctd_mount *mounts;
	void *owner_;
} ctd_mounts;
void ctd_mounts_free(ctd_mounts *m);

/* Builds a containerd filter `labels."<key>"==<value>` (quoted, escaped) into buf.
 * -1 with BERTH_E_INVALID if it does not fit. */
int ctd_filter_label(char *buf, size_t cap, const char *key, const char *value, berth_err *err);

/* Maps a gRPC status code to a berth_err kind (pure). */
berth_errkind ctd_status_kind(int grpc_code);

#endif
