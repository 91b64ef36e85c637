/* reconcile.h: one reconcile pass over one bot (app/domain/reconcile.c), the work berth-reconcile
 * does for every hint it gets (containerd event, NOTIFY, relist).
 *
 * A pass takes the bot's advisory lock (the one every API operation takes; it waits at most
 * RECONCILE_LOCK_WAIT_MS and asks to be retried when the bot stays busy), reads the row and
 * containerd, and converges:
 *   desired running, task running: adopted as it is (never restarted); the network is checked
 *       (CNI CHECK at least every RECONCILE_NET_FULL_CHECK_S, its host side in-process between
 *       two; re-ADD when lost, which recreates a deleted bridge) and the row corrected.
 *   desired running, task gone or exited: the exit is recorded (code, time) and, as the restart
 *       policy says, the bot waits in status "backoff" (initial delay doubling up to the maximum,
 *       back to the initial one after a run of [reconcile] backoff_reset_s) and is then restarted
 *       the way botctr_start does it (container rebuilt from its live snapshot or the image, data
 *       dir untouched), or stays stopped ("never", "on-failure" after exit 0 or N restarts).
 *   desired stopped: task stopped and deleted, network released, row stopped.
 *   no row: a container of ours in containerd is an orphan: logged and recorded as an event (if
 *       the bot still exists) once, when it is first seen (the label berth.orphan-since records
 *       when); deleted once [reconcile] orphan_remove_after_s (0: never) have passed since.
 * The desired state is never written here: what a user asked for through the API stays.
 *
 * Ownership: env is borrowed; the pass uses env->store and env->ctd (the caller's, one per thread)
 * and env->deadline_ms bounds it.
 */
#ifndef BERTH_RECONCILE_H
#define BERTH_RECONCILE_H

#include <stdbool.h>

#include "berth/botctr_op.h"
#include "berth/err.h"
#include "berth/store_conn.h"

#define RECONCILE_LOCK_WAIT_MS 1000
/* A running task's network gets the full CNI CHECK (plugins run, the namespace and IPAM looked
 * at) at least this often; between two, a pass verifies its host side in-process (the bridge and
 * the veth still there with their addresses: a deleted bridge is seen at the next pass), so that
 * a relist costs the same per bot whatever the number of bots (host-local's CHECK reads every
 * lease of the network). */
#define RECONCILE_NET_FULL_CHECK_S 60
/* When the bot was busy (an API call holds its lock): try again this much later. */
#define RECONCILE_BUSY_RETRY_MS 500

/* NULL or a restart policy: "always", "never", "on-failure" or "on-failure:N" (N 1..9999);
 * else INVALID / BERTH_EC_INVALID_RESTART_POLICY. */
int reconcile_policy_check(const char *policy, berth_err *err);

/* What a pass did, for the counters of GET /metrics (db/0006_reconcile_counts.sql): nothing to
 * change, a running task adopted (its row corrected), a task restarted, a task stopped (desired
 * stopped), an orphan container reported or removed. */
enum reconcile_action {
	RECONCILE_ACTED_NONE,
	RECONCILE_ACTED_ADOPT,
	RECONCILE_ACTED_RESTART,
	RECONCILE_ACTED_STOP,
	RECONCILE_ACTED_ORPHAN,
};

/* One pass over the bot (a canonical UUID). *retry_in_ms: -1 when nothing is pending, else how
 * long until the bot needs another pass (its backoff ends, or it was busy); *acted: what it did
 * (set even when it fails after acting). Failures are recorded on the row where the bot is
 * concerned and returned for the caller to log. */
int reconcile_bot(const struct botctr_env *env, const char *bot_id, long long *retry_in_ms,
		  enum reconcile_action *acted, berth_err *err);

/* containerd reported an OOM kill in the bot's container: recorded (an "oom" event; the exit that
 * follows is recorded as an OOM kill: GET shows oom_killed). No row: nothing to record. */
int reconcile_record_oom(const struct botctr_env *env, const char *bot_id, berth_err *err);

/* Calls fn for every bot of this node that a pass should look at: every row of the node and every
 * container of ours (mcp.bot_id label) in containerd's namespace, each once. */
typedef void (*reconcile_bot_fn)(const char *bot_id, void *ud);
int reconcile_relist(const struct botctr_env *env, reconcile_bot_fn fn, void *ud, berth_err *err);

/* The bot id of a Berth container id ("mcp-<canonical uuid>") into out; false for any other id. */
bool reconcile_bot_of_container(const char *container_id, char out[STORE_ID_SIZE]);

#endif
