/* botctr_internal.h: pieces shared by the bot container operations (app/domain/botctr_*.c).
 * Not an interface for other layers: see include/berth/botctr_*.h. */
#ifndef BERTH_BOTCTR_INTERNAL_H
#define BERTH_BOTCTR_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "berth/botctr_op.h"
#include "berth/cni.h"
#include "berth/ctd_containers.h"

/* Label every Berth container carries (the original's), and the labels of Berth's snapshots. */
#define BOTCTR_LABEL_BOT "mcp.bot_id"
#define BOTCTR_LABEL_SNAP_BOT "berth.bot_id"
#define BOTCTR_LABEL_SNAP_NAME "berth.snapshot"
#define BOTCTR_IFNAME "eth0"

/* One operation on one bot, holding the bot's advisory lock while it runs. */
struct botctr_op {
	const struct botctr_env *env;
	const char *bot_id;	    /* borrowed, canonical UUID */
	char ctr_id[BOTCTR_ID_MAX]; /* "mcp-<uuid>" */
	bool locked;
	bool recorded; /* a failure was recorded (botctr_record_error) */
};

/* Fills op for bot_id (env and bot_id borrowed) without taking the lock: for a read, or as
 * the first step of botctr_op_begin_wait. */
void botctr_op_init(struct botctr_op *op, const struct botctr_env *env, const char *bot_id);

/* Takes the bot's lock, waiting at most half of the time left before the env's deadline (and at
 * most a minute): the operation keeps the other half. */
int botctr_op_begin(struct botctr_op *op, const struct botctr_env *env, const char *bot_id,
		    berth_err *err);
/* The same, waiting at most wait_ms for the lock (TIMEOUT / BERTH_EC_BUSY when it stays taken). */
int botctr_op_begin_wait(struct botctr_op *op, const struct botctr_env *env, const char *bot_id,
			 int wait_ms, berth_err *err);
/* Releases the lock (a failure is logged: the session ends the lock anyway). */
void botctr_op_end(struct botctr_op *op);

/* The snapshotter to use: the given one when non-empty, else the configured one. Borrowed. */
const char *botctr_snapshotter(const struct botctr_env *env, const char *given);

/* The container as containerd has it: NEW record in *out (ctd_container_free), NOT_FOUND when absent,
 * PRECONDITION when a container of that id exists but is not this bot's (no mcp.bot_id label
 * naming it): Berth never acts on a container it did not create. */
int botctr_container_load(struct botctr_op *op, ctd_container **out, berth_err *err);

/* Makes sure the container exists, building it when absent: data and state dirs, resolv.conf,
 * image unpacked, rootfs snapshot (an existing snapshot of the container's key is kept: that is
 * how data survives a lost container record), spec, Containers.Create. *built (may be NULL) says
 * whether it was created now. */
int botctr_container_ensure(struct botctr_op *op, const char *snapshotter, bool *built,
			    berth_err *err);

/* Makes sure the container's task runs: a running task is kept, any other is deleted and a new one
 * created and started. *pid gets the task's pid. */
int botctr_task_ensure(struct botctr_op *op, uint32_t *pid, berth_err *err);

/* Makes the container record's spec carry the bot's effective limits (botctr_limits.h) before a
 * task is created from it; no container: nothing to do. */
int botctr_limits_sync(struct botctr_op *op, berth_err *err);

/* The pid of the running task, 0 when there is no running task. -1 only for a containerd error. */
int botctr_task_running_pid(struct botctr_op *op, uint32_t *pid, berth_err *err);

/* The work of botctr_start under the caller's lock: rebuilds a missing container (from its live
 * snapshot when containerd still has it, else from the image; data dir untouched), replaces a dead
 * task, re-applies the network and records the outcome. set_desired: also records desired running
 * (an API start); the reconciler passes false, so that it never changes what a user asked for. */
int botctr_bring_up(struct botctr_op *op, bool set_desired, bool *started, berth_err *err);

/* SIGTERM, wait timeout_s, SIGKILL, wait, delete the task. No task: success. */
int botctr_task_stop(struct botctr_op *op, int timeout_s, berth_err *err);

/* CNI: (re)applies the network to the task with this pid; fills ip (cap >= 64). */
int botctr_net_apply(struct botctr_op *op, uint32_t pid, char *ip, size_t ip_cap, berth_err *err);
/* The same for a task whose network was applied before (the reconciler's adopt): an attachment
 * fully CHECKed (or added) less than quick_check_s seconds ago is verified in-process, without a
 * plugin, when its host side is intact (cni_ensure, berth/cni.h); 0: always the full CHECK. */
int botctr_net_verify(struct botctr_op *op, uint32_t pid, int quick_check_s, char *ip,
		      size_t ip_cap, berth_err *err);
/* CNI DEL (pid 0: the namespace is gone; only IPAM is released) and the recorded IP cleared.
 * Failures are logged, not returned: releasing must never block stopping or deleting. */
void botctr_net_release(struct botctr_op *op, uint32_t pid);

/* Records an event for the bot (payload: a NEW json object, stolen; NULL for {}); failures logged. */
void botctr_event(struct botctr_op *op, const char *type, json_t *payload);
/* A failure of Berth's own work (a containerd, CNI or host step) is a server fault whatever the
 * lower layer's kind: only UNAVAILABLE and TIMEOUT keep theirs (503, 504), the rest becomes
 * INTERNAL (500), so no client sees a 4xx for something it did not cause. Returns -1. */
int botctr_fault(berth_err *err);
/* Records a failure in the database (status error, last_error = err's public message, the
 * detail logged) and an "error" event; failures logged. */
void botctr_record_error(struct botctr_op *op, const char *what, const berth_err *cause);
/* At the end of an operation under the lock that failed with BERTH_EC_DEADLINE_EXCEEDED and has
 * recorded nothing yet: records it, so that the row tells that the operation stopped half-way
 * (mark_status) or, for work that leaves the container as it was (a snapshot), only the event. */
void botctr_record_timeout(struct botctr_op *op, const char *what, int rc, const berth_err *err,
			   bool mark_status);

/* Prepares the container's live rootfs snapshot (key = the container id) from parent. It carries
 * containerd.io/gc.root, so it outlives a lost container record (its data is recovered when the
 * container is rebuilt); Berth removes it explicitly on delete and rollback. */
int botctr_prepare_rootfs(struct botctr_op *op, const char *snapshotter, const char *parent,
			  berth_err *err);

/* A lease for multi-step work (1 h expiry in case of a crash), set on the connection. */
int botctr_lease_begin(struct botctr_op *op, char *lease_id, size_t cap, berth_err *err);
void botctr_lease_end(struct botctr_op *op, const char *lease_id);

/* A name unique to this process and moment, for temporary snapshot keys: "<prefix>-<ns>-<pid>". */
void botctr_unique(char *out, size_t cap, const char *prefix);
/* RFC 3339 UTC with nanoseconds of a protobuf Timestamp (seconds, nanos); "" for none. */
void botctr_format_time(int64_t seconds, int32_t nanos, char *out, size_t cap);

#endif
