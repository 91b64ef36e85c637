/* botctr_snapshot.h: snapshots of a bot's container and rollback (app/domain/botctr_snapshot.c).
 * Locking, ownership and failures: berth/botctr_op.h.
 */
#ifndef BERTH_BOTCTR_SNAPSHOT_H
#define BERTH_BOTCTR_SNAPSHOT_H

#include <jansson.h>

#include "berth/botctr_op.h"
#include "berth/err.h"

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
int botctr_rollback(const struct botctr_env *env, const char *bot_id, const char *name,
		    json_t **out, berth_err *err);

#endif
