/* botctr.h: a bot's container, its lifecycle and its snapshots (the domain of issue #4).
 *
 * One bot has at most one container, id "mcp-<canonical uuid>", label mcp.bot_id=<uuid>, running
 * the configured bot image with the bot's data dir bind-mounted read-write at the data mount and a
 * host-built resolv.conf read-only at /etc/resolv.conf. The database row (containers) records the
 * desired state and the observed outcome of every operation; containerd is asked, never assumed.
 *
 * Every mutating operation takes the bot's advisory lock in the store first, so two workers (or a
 * worker and the reconciler) never interleave operations on one bot. Every function takes a bot id
 * that the caller has already checked to be a canonical UUID and authorized.
 *
 * Ownership: struct botctr_env is borrowed for the duration of a call. json_t ** outputs are NEW
 * references owned by the caller. Failures fill err (kind chosen for the HTTP mapping) and leave the
 * database telling the truth (status error + last_error when the container is left broken).
 */
#ifndef BERTH_BOTCTR_H
#define BERTH_BOTCTR_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "berth/agent_wire.h"
#include "berth/config.h"
#include "berth/deadline.h"
#include "berth/err.h"
#include "berth/store.h"

/* The containerd connection (berth/ctd.h); declared here so that callers of the domain (the HTTP
 * handlers) see nothing of containerd's protobuf types. */
typedef struct ctd_conn ctd_conn;

struct botctr_env {
	const struct berth_config *cfg;
	berth_store *store;
	ctd_conn *ctd;
	/* The work's deadline (berth/deadline.h; 0 = none beyond the clients' own): bounds the lock
	 * wait, the stop wait and every CNI plugin run. The store and containerd connections carry the
	 * request's deadline themselves (worker_begin_request). An operation that runs out of time
	 * stops at its next call, records that (status error, last_error, an "error" event) and fails
	 * with BERTH_E_TIMEOUT / BERTH_EC_DEADLINE_EXCEEDED. */
	berth_deadline deadline_ms;
};

/* Creates the container when absent (never touching an existing one or its snapshot), starts its
 * task when not running, applies the network and records the outcome. snapshotter: NULL or "" for
 * the configured one. *out: {"container_id","image","snapshotter","started","ip"}. */
int botctr_create(const struct botctr_env *env, const char *bot_id, const char *snapshotter,
		  json_t **out, berth_err *err);

/* botctr_create that also records the bot's restart policy (berth/reconcile.h) before its task
 * starts; NULL keeps the row's ("always" for a new one). INVALID / BERTH_EC_INVALID_RESTART_POLICY
 * for a value reconcile_policy_check refuses. */
int botctr_create_with_policy(const struct botctr_env *env, const char *bot_id, const char *snapshotter,
			      const char *restart_policy, json_t **out, berth_err *err);

/* {"container_id","image","status","namespace","host_path","container_path","task_running","ip",
 *  "last_error","created_at","updated_at",...}: the row plus the live state of THIS container's task.
 * NOT_FOUND when the bot has no container. */
int botctr_get(const struct botctr_env *env, const char *bot_id, json_t **out, berth_err *err);

/* Rebuilds a missing container (data dir intact), replaces a dead task, re-applies the network.
 * *started is true only if the task runs afterwards. NOT_FOUND when the bot never had a container. */
int botctr_start(const struct botctr_env *env, const char *bot_id, bool *started, berth_err *err);

/* SIGTERM, wait stop_timeout_s, SIGKILL; deletes the task and releases the network. Stopping a
 * stopped bot succeeds. NOT_FOUND when the bot has no container. */
int botctr_stop(const struct botctr_env *env, const char *bot_id, berth_err *err);

/* Releases the network, stops and deletes the task, deletes the container, its rootfs snapshot and
 * its database row; the host data dir is kept, and so are the bot's snapshots (they belong to the
 * bot: a container created again can be rolled back to them) unless purge_snapshots, which removes
 * them too (in containerd and their rows). *existed tells whether there was anything to delete
 * (deleting nothing succeeds). */
int botctr_delete(const struct botctr_env *env, const char *bot_id, bool purge_snapshots, bool *existed,
		  berth_err *err);

/* Takes a snapshot of the container's root filesystem WITHOUT stopping or disturbing the running
 * task (diff of the live snapshot against its parent, applied onto a new committed snapshot).
 * name: NULL/"" for a default unique to this call: "mcp-<uuid>-<YYYYMMDDhhmmss><mmm>-<6 random hex>"
 * (the original's "mcp-<uuid>-<YYYYMMDDhhmmss>", which collided within one second, then milliseconds
 * and a random suffix). *out: {"container_id",
 * "snapshot_name","snapshotter","parent","created_at"}. */
int botctr_snapshot_create(const struct botctr_env *env, const char *bot_id, const char *name,
			   json_t **out, berth_err *err);

/* {"snapshotter","snapshots":[...]}: the container's active snapshot and the snapshots Berth made
 * for this bot; never other bots' snapshots nor image layers. A live snapshot containerd does not
 * have is listed as {"name","kind":"Unknown","created_at":"","missing":true,...}; any other failure
 * to read it fails the listing. */
int botctr_snapshot_list(const struct botctr_env *env, const char *bot_id, const char *snapshotter,
			 json_t **out, berth_err *err);

/* Recreates the container from the named snapshot of THIS bot and starts it (data dir untouched).
 * NOT_FOUND for a name this bot does not have. *out: {"container_id","snapshot_name","started","ip"}. */
int botctr_rollback(const struct botctr_env *env, const char *bot_id, const char *name, json_t **out,
		    berth_err *err);

/* The skills routes of a bot (berth/skills.h: bodies, results and errors). The list reads the
 * existing data dir and creates nothing (no data dir: no skills); upsert and delete prepare the
 * bot's directories and hold the bot's lock (the one every container operation takes), so that
 * concurrent upserts never pass the count limit together. env->ctd is not used (may be NULL).
 * body is BORROWED, *out NEW. */
int botctr_skills_list(const struct botctr_env *env, const char *bot_id, json_t **out, berth_err *err);
int botctr_skills_upsert(const struct botctr_env *env, const char *bot_id, const json_t *body, berth_err *err);
int botctr_skills_delete(const struct botctr_env *env, const char *bot_id, const json_t *body, berth_err *err);
/* A snapshotter a caller named (NULL or "": the configured one) must be a plugin name: at most 64
 * bytes of [a-z0-9_.-]; else BERTH_E_INVALID / BERTH_EC_INVALID_SNAPSHOTTER. Every operation that
 * takes a snapshotter checks it with this, so that every route does. */
int botctr_snapshotter_check(const char *given, berth_err *err);

/* The container id of a bot: "mcp-<uuid>". out must hold BOTCTR_ID_MAX bytes. */
#define BOTCTR_ID_MAX 48
void botctr_container_id(const char *bot_id, char out[BOTCTR_ID_MAX]);

/* Where the agent lives in every bot container: berth-agent (config [agent] binary) bind-mounted
 * read-only, and the bot's agent dir (<state_root>/bots/<uuid>/agent, botdir.h) read-write. */
#define BOTCTR_AGENT_PATH AGENT_BIN_PATH
#define BOTCTR_AGENT_DIR AGENT_RUN_DIR
#define BOTCTR_TEMPLATE_DIR AGENT_TEMPLATE_DIR

/* The first process of a bot container, berth-agent as PID 1:
 *   /.berth/berth-agent serve --socket /run/berth/agent.sock --data <data_mount>
 *       --template /opt/bot-template [--init-command <init_command>]
 * Fills argv (NULL-terminated; strings borrowed from cfg or static) and returns its length. */
#define BOTCTR_INIT_ARGS_MAX 12
int botctr_init_args(const struct berth_config *cfg, const char *argv[BOTCTR_INIT_ARGS_MAX]);

#endif
