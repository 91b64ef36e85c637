/* botctr_op.h: what every operation on a bot's container shares (app/domain/botctr_op.c): its
 * environment, the container id, the snapshotter check, the agent's place and first process.
 * The operations: botctr_lifecycle.h, botctr_snapshot.h, botctr_skills.h (the domain of issue #4).
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
#ifndef BERTH_BOTCTR_OP_H
#define BERTH_BOTCTR_OP_H

#include "berth/agent_wire.h"
#include "berth/config.h"
#include "berth/deadline.h"
#include "berth/err.h"
#include "berth/store_conn.h"

/* The containerd connection (berth/ctd_conn.h); declared here so that callers of the domain (the HTTP
 * handlers) see nothing of containerd's protobuf types. */
typedef struct ctd_conn ctd_conn;
struct agentc_pool; /* berth/agentc_pool.h */

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
	/* Kept connections to the bots' agents (bottools.h); NULL: one connection per call. */
	struct agentc_pool *agents;
};

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
