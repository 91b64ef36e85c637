/* botctr_lifecycle.h: a bot's container: create, get, start, stop, delete
 * (app/domain/botctr_lifecycle.c).
 * Locking, ownership and failures: berth/botctr_op.h.
 */
#ifndef BERTH_BOTCTR_LIFECYCLE_H
#define BERTH_BOTCTR_LIFECYCLE_H

#include <jansson.h>
#include <stdbool.h>

#include "berth/botctr_op.h"
#include "berth/err.h"

/* Creates the container when absent (never touching an existing one or its snapshot), starts its
 * task when not running, applies the network and records the outcome. snapshotter: NULL or "" for
 * the configured one. *out: {"container_id","image","snapshotter","started","ip"}. */
int botctr_create(const struct botctr_env *env, const char *bot_id, const char *snapshotter,
		  json_t **out, berth_err *err);

/* botctr_create that also records the bot's restart policy (berth/reconcile.h) before its task
 * starts; NULL keeps the row's ("always" for a new one). INVALID / BERTH_EC_INVALID_RESTART_POLICY
 * for a value reconcile_policy_check refuses. */
int botctr_create_with_policy(const struct botctr_env *env, const char *bot_id,
			      const char *snapshotter, const char *restart_policy, json_t **out,
			      berth_err *err);

/* {"container_id","image","status","namespace","host_path","container_path","task_running","ip",
 *  "last_error","created_at","updated_at",...,"observed_at","observed_by"}: the row plus the state of
 * THIS container's task. One query, and no containerd call, when the row can be trusted
 * (berth/store_observed.h: this node's reconciler is active and observed it recently):
 * "observed_by":"reconciler"; otherwise containerd is asked: "observed_by":"containerd".
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
int botctr_delete(const struct botctr_env *env, const char *bot_id, bool purge_snapshots,
		  bool *existed, berth_err *err);

#endif
