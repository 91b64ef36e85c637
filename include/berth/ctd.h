/* ctd.h: the containerd client (gRPC C core + protobuf-c), one thin function per operation.
 *
 * It knows containerd's API and nothing of bots. Every function takes plain C arguments; strings
 * passed in are BORROWED for the duration of the call. Functions return 0 on success and -1 on
 * failure with err filled: the kind comes from the gRPC status (NOT_FOUND -> BERTH_E_NOT_FOUND,
 * ALREADY_EXISTS -> BERTH_E_ALREADY_EXISTS, FAILED_PRECONDITION -> BERTH_E_PRECONDITION,
 * UNAVAILABLE -> BERTH_E_UNAVAILABLE, INVALID_ARGUMENT -> BERTH_E_INVALID, anything else ->
 * BERTH_E_INTERNAL), the sub-code is BERTH_EC_CONTAINERD and the message is containerd's text
 * prefixed with the method ("Tasks.Get: ..."), marked detail_only (it names sockets and host
 * paths). A call that ran out of time (DEADLINE_EXCEEDED, or UNKNOWN at its deadline, which is how
 * containerd answers when its own copy of the deadline fires first) fails with BERTH_E_TIMEOUT /
 * BERTH_EC_DEADLINE_EXCEEDED. The raw gRPC status code of the last call is ctd_conn_last_status().
 *
 * Results are Berth's own records (below; containerd's protobuf types stay inside app/containerd):
 * NEW, freed with their *_free function. Callbacks of streaming calls get BORROWED records, valid
 * only during the callback.
 *
 * Connections: one ctd_conn per process or per thread, created AFTER fork and never used across
 * fork (gRPC state does not survive fork). A connection holds one channel and one completion queue;
 * after containerd restarts, the channel is re-created on UNAVAILABLE and idempotent calls (Get,
 * List, Stat, Version, Mounts, Read, Info, Usage, Wait) are retried once.
 */
#ifndef BERTH_CTD_H
#define BERTH_CTD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "berth/deadline.h"
#include "berth/err.h"

/* Any type URLs of OCI runtime-spec JSON (the Any's value is the JSON bytes, not protobuf). */
#define CTD_SPEC_TYPE_URL "types.containerd.io/opencontainers/runtime-spec/1/Spec"
#define CTD_PROCESS_TYPE_URL "types.containerd.io/opencontainers/runtime-spec/1/Process"
#define CTD_RUNTIME_RUNC_V2 "io.containerd.runc.v2"
/* Label containerd reads as a lease's expiry (RFC 3339). */
#define CTD_LABEL_GC_EXPIRE "containerd.io/gc.expire"

/* A label, or any map<string,string> entry. In arguments: borrowed strings, and in an update
 * value NULL deletes. In the records below: owned by the record. */
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

/* A blob in the content store (Content.Info). */
typedef struct ctd_blob_info {
	const char *digest;
	int64_t size;
	const ctd_label *labels;
	size_t n_labels;
	ctd_time created_at;
	ctd_time updated_at;
	void *owner_;
} ctd_blob_info;
void ctd_blob_info_free(ctd_blob_info *info);

/* A blob Diff.Diff wrote: its descriptor (strings owned). */
typedef struct ctd_blob {
	ctd_descriptor desc;
	void *owner_;
} ctd_blob;
void ctd_blob_free(ctd_blob *blob);

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

/* How a process ended. status is containerd's exit_status: the exit code, or 128 + signal. */
typedef struct ctd_exit {
	uint32_t status;
	int64_t exited_at_ns; /* UNIX time in ns; 0 if unknown */
} ctd_exit;

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

/* ---- connection ---------------------------------------------------------------------------- */

typedef struct ctd_conn ctd_conn;

/* A connection to the containerd socket at socket_path (a file path, not a URI) for namespace ns.
 * default_timeout_ms is the deadline of every call that has no explicit one (> 0). Calls
 * grpc_init() the first time. The channel connects lazily: an absent socket shows as
 * BERTH_E_UNAVAILABLE on the first call, not here. NULL on failure (err filled). */
ctd_conn *ctd_conn_new(const char *socket_path, const char *ns, int default_timeout_ms,
		       berth_err *err);
/* NULL is fine. */
void ctd_conn_free(ctd_conn *c);
/* Sends `containerd-lease: <lease_id>` with every following call; NULL clears. Copied. */
int ctd_conn_set_lease(ctd_conn *c, const char *lease_id);
/* Sets the deadline of following calls (ms > 0; 0 restores the default) and returns the previous
 * value, so that `int old = ctd_conn_set_timeout(c, 60000); ...; ctd_conn_set_timeout(c, old);`. */
int ctd_conn_set_timeout(ctd_conn *c, int timeout_ms);
/* Bounds every following call on c by deadline (berth/deadline.h; 0: none): a call's timeout is
 * what is left of it, never more than the call's own; a call made after it has passed fails at
 * once with BERTH_E_TIMEOUT / BERTH_EC_DEADLINE_EXCEEDED. Set per request by its owner. */
void ctd_conn_set_deadline(ctd_conn *c, berth_deadline deadline);
berth_deadline ctd_conn_deadline(const ctd_conn *c);
/* Makes the call in progress on c end soon with BERTH_E_TIMEOUT "<Service>.<Method>: cancelled"
 * (streams too: a cancelled Content.Read or Snapshots.List never passes for complete; only an
 * events subscription ends with 0). When no call is in progress, the cancel waits for the next
 * call on c, so that a cancel racing with the start of a call is not lost. Either way the cancel
 * is used up when that one call ends (whether it saw it or finished first): it never reaches a
 * call after it. A caller that loops over calls keeps its own stop flag, sets it before
 * cancelling and checks it between calls. A function of this header that makes several calls
 * (ctd_exec_wait, ctd_content_write) fails with the cancelled call's error; its clean-up calls
 * are not cancelled. Async-signal-safe and callable from another thread: the only function here
 * that may be. */
void ctd_conn_cancel(ctd_conn *c);
/* The grpc_status_code of the last call on c (0 = OK), for callers that need the raw code. */
int ctd_conn_last_status(const ctd_conn *c);
/* The namespace c was made for (borrowed). */
const char *ctd_conn_namespace(const ctd_conn *c);
/* For tools and tests: after every ctd_conn is freed, shut gRPC down completely
 * (grpc_shutdown_blocking), e.g. before fork() or at exit. A later ctd_conn_new initialises again. */
void ctd_shutdown(void);

/* ---- helpers --------------------------------------------------------------------------------- */

/* Builds a containerd filter `labels."<key>"==<value>` (quoted, escaped) into buf.
 * -1 with BERTH_E_INVALID if it does not fit. */
int ctd_filter_label(char *buf, size_t cap, const char *key, const char *value, berth_err *err);

/* Maps a gRPC status code to a berth_err kind (pure). */
berth_errkind ctd_status_kind(int grpc_code);

/* ---- version --------------------------------------------------------------------------- */

/* Writes containerd's version ("1.6.20~ds1") into version (truncated to cap). */
int ctd_version(ctd_conn *c, char *version, size_t cap, berth_err *err);

/* ---- containers -------------------------------------------------------------------------------- */

typedef struct ctd_container_opts {
	const char *id;
	const char *image;        /* image name recorded on the container (may be NULL) */
	const ctd_label *labels;
	size_t n_labels;
	const char *runtime;      /* NULL: io.containerd.runc.v2 */
	const char *spec_json;    /* the OCI runtime spec as JSON (NUL-terminated) */
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

/* ---- snapshots -------------------------------------------------------------------------------- */

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

/* ---- tasks -------------------------------------------------------------------------------------- */

/* Stdio of a task or exec. NULL pointer or NULL fields: null IO. A plain path must exist already
 * (regular file or FIFO, the shim opens it O_WRONLY|O_APPEND); "file:///abs" is created by the
 * shim (stdout and stderr then share the file). */
typedef struct ctd_stdio {
	const char *in;
	const char *out;
	const char *err;
	bool terminal;
} ctd_stdio;

int ctd_task_create(ctd_conn *c, const char *container_id, const ctd_mounts *rootfs,
		    const ctd_stdio *io, uint32_t *pid, berth_err *err);
/* exec_id NULL: the task's init process. pid may be NULL. */
int ctd_task_start(ctd_conn *c, const char *container_id, const char *exec_id, uint32_t *pid,
		   berth_err *err);

typedef struct ctd_task_info {
	uint32_t pid;
	ctd_task_status status;
	uint32_t exit_status;
} ctd_task_info;
/* BERTH_E_NOT_FOUND when the container has no task (or no such exec). exec_id may be NULL. */
int ctd_task_get(ctd_conn *c, const char *container_id, const char *exec_id, ctd_task_info *out,
		 berth_err *err);
/* all: signal every process of the task (init only). exec_id may be NULL. */
int ctd_task_kill(ctd_conn *c, const char *container_id, const char *exec_id, uint32_t signal,
		  bool all, berth_err *err);
/* Waits for the task (exec_id NULL) or exec to exit. timeout_ms > 0: BERTH_E_TIMEOUT when it
 * passes; timeout_ms < 0: no deadline (ctd_conn_cancel ends it). out may be NULL. */
int ctd_task_wait(ctd_conn *c, const char *container_id, const char *exec_id, int timeout_ms,
		  ctd_exit *out, berth_err *err);
/* Deletes a stopped task. out may be NULL. */
int ctd_task_delete(ctd_conn *c, const char *container_id, ctd_exit *out, berth_err *err);
/* Adds exec process exec_id with the OCI Process JSON process_json. */
int ctd_task_exec(ctd_conn *c, const char *container_id, const char *exec_id,
		  const char *process_json, const ctd_stdio *io, berth_err *err);
int ctd_task_delete_process(ctd_conn *c, const char *container_id, const char *exec_id,
			    ctd_exit *out, berth_err *err);
/* A task's init process as Tasks.List reports it. */
typedef struct ctd_process {
	const char *container_id;
	const char *id;
	uint32_t pid;
	ctd_task_status status;
	uint32_t exit_status;
} ctd_process;
typedef struct ctd_tasks {
	size_t n;
	ctd_process *items;
	void *owner_;
} ctd_tasks;
void ctd_tasks_free(ctd_tasks *list);
int ctd_task_list(ctd_conn *c, ctd_tasks **out, berth_err *err);

/* Metrics of one container's task: data is containerd's cgroups metrics protobuf (type_url says
 * which), to be decoded by whoever needs it. */
typedef struct ctd_metrics {
	const char *id;
	ctd_time timestamp;
	const char *type_url;
	const uint8_t *data;
	size_t len;
	void *owner_;
} ctd_metrics;
void ctd_metrics_free(ctd_metrics *m);
/* BERTH_E_NOT_FOUND when the container has no task. */
int ctd_task_metrics(ctd_conn *c, const char *container_id, ctd_metrics **out, berth_err *err);

/* The most ctd_exec_wait keeps of one stream; a larger capture_max is lowered to it. */
#define CTD_EXEC_CAPTURE_LIMIT ((size_t)64 * 1024 * 1024)

/* Exec and wait, with output captured through FIFOs under io_dir: the caller drains them while the
 * process runs, so output beyond capture_max costs no disk space (it is read and dropped). */
typedef struct ctd_exec_opts {
	const char *process_json; /* OCI Process JSON (args, env, cwd, user, ...) */
	const char *io_dir;       /* host directory the shim can open; two FIFOs are made and removed */
	int timeout_ms;           /* > 0; on expiry the process is SIGKILLed and BERTH_E_TIMEOUT returned */
	size_t capture_max;       /* bytes kept of each stream (0: 1 MiB; at most
	                             CTD_EXEC_CAPTURE_LIMIT); the rest is dropped */
} ctd_exec_opts;

typedef struct ctd_exec_result {
	uint32_t exit_status;
	char *out;      /* NEW, NUL-terminated (binary data possible: use out_len) */
	size_t out_len;
	char *err;      /* NEW */
	size_t err_len;
	bool truncated; /* a stream was longer than capture_max */
} ctd_exec_result;

/* Runs process exec_id in the task: Exec, Start, Wait (deadline) while a thread drains stdout and
 * stderr, DeleteProcess always. When Start or Wait fails for any reason but NOT_FOUND (deadline,
 * cancel, containerd error), the process is SIGKILLed and waited for (bounded) before the
 * DeleteProcess, so it never outlives the call. After the exit, output still buffered is read for
 * at most 1 s (a background child holding stdout open does not hold the call). On success res
 * holds the exit status and output (free with ctd_exec_result_free); a non-zero exit status is
 * still success. On BERTH_E_TIMEOUT res also holds the output so far. */
int ctd_exec_wait(ctd_conn *c, const char *container_id, const char *exec_id,
		  const ctd_exec_opts *o, ctd_exec_result *res, berth_err *err);
void ctd_exec_result_free(ctd_exec_result *res);

/* ---- images ------------------------------------------------------------------------------------- */

int ctd_image_get(ctd_conn *c, const char *name, ctd_image **out, berth_err *err);
int ctd_image_list(ctd_conn *c, const char *const *filters, size_t n_filters,
		   ctd_images **out, berth_err *err);
int ctd_image_create(ctd_conn *c, const char *name, const ctd_descriptor *target,
		     const ctd_label *labels, size_t n_labels, berth_err *err);
/* Replaces the target of an existing image (e.g. a re-import) and sets (value != NULL) or removes
 * (value == NULL) each of labels; the image's other labels (e.g. another tool's) stay: the update
 * sends the field mask "target", "labels.<key>"... */
int ctd_image_update(ctd_conn *c, const char *name, const ctd_descriptor *target,
		     const ctd_label *labels, size_t n_labels, berth_err *err);
/* sync: garbage collection runs before the reply. */
int ctd_image_delete(ctd_conn *c, const char *name, bool sync, berth_err *err);

/* ---- content ------------------------------------------------------------------------------------ */

int ctd_content_info(ctd_conn *c, const char *digest, ctd_blob_info **out, berth_err *err);
/* Streams the blob from offset (size 0: to the end). fn gets each chunk (borrowed) and returns 0
 * to go on, 1 to stop (read returns 0), -1 to stop with an error it put in err. */
typedef int (*ctd_read_fn)(const uint8_t *data, size_t len, int64_t offset, void *ud,
			   berth_err *err);
int ctd_content_read(ctd_conn *c, const char *digest, int64_t offset, int64_t size, ctd_read_fn fn,
		     void *ud, berth_err *err);
/* Reads a whole blob of at most max bytes into a NEW buffer (free()); *len gets its size; the
 * buffer is NUL-terminated for convenience. BERTH_E_TOO_LARGE beyond max. */
int ctd_content_read_all(ctd_conn *c, const char *digest, size_t max, uint8_t **data, size_t *len,
			 berth_err *err);

/* Where Content.Write takes its bytes. read fills buf with up to cap bytes, sets *got (0 = end)
 * and returns 0, or -1 with err filled. seek (may be NULL) repositions to offset, used to resume an
 * ingest another writer left half done; without it such an ingest is aborted and restarted. */
typedef struct ctd_content_source {
	int (*read)(void *ud, uint8_t *buf, size_t cap, size_t *got, berth_err *err);
	int (*seek)(void *ud, int64_t offset, berth_err *err);
	void *ud;
} ctd_content_source;

/* Writes a blob of total bytes with digest expected under ingest ref (unique per blob, e.g. the
 * digest), in 1 MiB chunks, and commits it with labels; containerd checks size and digest and
 * the committed digest is checked again here. BERTH_E_ALREADY_EXISTS if the blob is already in
 * the store (callers usually treat that as success). Work under a lease or give the blob a GC
 * reference label, or GC may remove it. */
int ctd_content_write(ctd_conn *c, const char *ref, const char *expected, int64_t total,
		      const ctd_label *labels, size_t n_labels, const ctd_content_source *src,
		      berth_err *err);
/* Same, from memory. */
int ctd_content_write_buf(ctd_conn *c, const char *ref, const char *expected, const void *data,
			  size_t len, const ctd_label *labels, size_t n_labels, berth_err *err);
/* Sets (value != NULL) or removes (value == NULL) labels of a blob; others stay. */
int ctd_content_update_labels(ctd_conn *c, const char *digest, const ctd_label *labels,
			      size_t n_labels, berth_err *err);
int ctd_content_delete(ctd_conn *c, const char *digest, berth_err *err);
/* Drops a half-written ingest (e.g. left by a killed writer). */
int ctd_content_abort(ctd_conn *c, const char *ref, berth_err *err);

/* ---- diff --------------------------------------------------------------------------------------- */

/* Applies layer (a blob in the content store; tar or tar+gzip) onto mounts (an active snapshot's
 * mounts) and writes the applied (uncompressed) digest, the diff ID, into applied (cap >= 72). */
int ctd_diff_apply(ctd_conn *c, const ctd_descriptor *layer, const ctd_mounts *mounts,
		   char *applied, size_t cap, berth_err *err);
/* Computes the changes from lower to upper (e.g. a View of the parent and a running container's
 * snapshot mounts) as a new blob in the content store. media_type NULL: uncompressed OCI layer
 * tar; ref NULL: containerd picks one; labels go on the blob (give it a GC reference or a lease).
 * out: NEW, the blob's descriptor (ctd_blob_free). */
int ctd_diff_diff(ctd_conn *c, const ctd_mounts *lower, const ctd_mounts *upper,
		  const char *media_type, const char *ref, const ctd_label *labels, size_t n_labels,
		  ctd_blob **out, berth_err *err);

/* ---- leases ------------------------------------------------------------------------------------- */

/* expire_s > 0 adds the containerd.io/gc.expire label (now + expire_s) so a lease left behind by a
 * crash expires. */
int ctd_lease_create(ctd_conn *c, const char *id, int expire_s, const ctd_label *labels,
		     size_t n_labels, berth_err *err);
/* sync: garbage collection runs before the reply. */
int ctd_lease_delete(ctd_conn *c, const char *id, bool sync, berth_err *err);

/* ---- events ------------------------------------------------------------------------------------- */

/* Subscribes to events matching filters (e.g. `topic=="/tasks/exit"`; several filters are ORed),
 * with no deadline, calling fn per envelope (borrowed). fn returns 0 to go on, 1 to stop (returns
 * 0), -1 to stop with an error. ctd_conn_cancel also stops it and it then returns 0 (the only
 * call that does). containerd sends no
 * acknowledgement: events published before the stream is set up are missed. Use a connection of
 * its own (own thread or process). */
typedef struct ctd_envelope {
	ctd_time timestamp;
	const char *namespace_;
	const char *topic;
	const char *type_url; /* of the event; data holds it, encoded */
	const uint8_t *data;
	size_t len;
} ctd_envelope;
typedef int (*ctd_event_fn)(const ctd_envelope *env, void *ud, berth_err *err);
int ctd_events_subscribe(ctd_conn *c, const char *const *filters, size_t n_filters,
			 ctd_event_fn fn, void *ud, berth_err *err);

/* A task's (or exec's) exit, /tasks/exit. */
typedef struct ctd_task_exit_event {
	const char *container_id;
	const char *id; /* the exec id, or the container id for the init process */
	uint32_t pid;
	uint32_t exit_status;
	ctd_time exited_at;
	void *owner_;
} ctd_task_exit_event;
void ctd_task_exit_event_free(ctd_task_exit_event *ev);
/* Decodes a /tasks/exit envelope's event. NEW (ctd_task_exit_event_free). BERTH_E_INVALID if it
 * is not one. */
int ctd_event_task_exit(const ctd_envelope *env, ctd_task_exit_event **out, berth_err *err);
/* Decodes a /tasks/oom envelope's event: its container id into container_id (cap bytes, cut to
 * fit). BERTH_E_INVALID if it is not one. */
int ctd_event_task_oom(const ctd_envelope *env, char *container_id, size_t cap, berth_err *err);

#endif
