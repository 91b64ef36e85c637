/* ctd_tasks.h: containerd's Tasks service: tasks, their processes, metrics
 * (app/containerd/tasks.c).
 * Errors, ownership and connections: berth/ctd_conn.h.
 */
#ifndef BERTH_CTD_TASKS_H
#define BERTH_CTD_TASKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "berth/ctd_conn.h"
#include "berth/ctd_types.h"
#include "berth/err.h"

/* Any type URLs of OCI runtime-spec JSON (the Any's value is the JSON bytes, not protobuf). */
#define CTD_PROCESS_TYPE_URL "types.containerd.io/opencontainers/runtime-spec/1/Process"

/* How a process ended. status is containerd's exit_status: the exit code, or 128 + signal. */
typedef struct ctd_exit {
	uint32_t status;
	int64_t exited_at_ns; /* UNIX time in ns; 0 if unknown */
} ctd_exit;

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

#endif
