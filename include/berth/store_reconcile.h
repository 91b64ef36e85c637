/* store_reconcile.h: the container row as berth-reconcile reads and writes it (app/store/reconcile.c):
 * the restart policy, the last exit of the task, the restart backoff and when the row was last
 * observed (db/0002_reconcile.sql). Same rules as berth/store_conn.h (errors, ids, times, ownership:
 * results go into caller-owned structs; lists are freed with store_reconcile_list_free).
 *
 * Every change of a container's desired state (store_container_set_desired) sends NOTIFY on
 * STORE_RECONCILE_CHANNEL with the bot id as payload, in the same statement, so that no worker can
 * forget it; it also clears the backoff: an explicit start or stop begins afresh.
 */
#ifndef BERTH_STORE_RECONCILE_H
#define BERTH_STORE_RECONCILE_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "berth/err.h"
#include "berth/store_conn.h"

#define STORE_RECONCILE_CHANNEL "berth_reconcile"
/* "always", "never", "on-failure" or "on-failure:N" (N 1..9999), NUL included. */
#define STORE_POLICY_SIZE 24

struct store_reconcile_row {
	char bot_id[STORE_ID_SIZE];
	char container_id[STORE_CTR_ID_SIZE];
	char status[STORE_STATE_SIZE];	      /* created | running | stopped | error | backoff */
	char desired_state[STORE_STATE_SIZE]; /* running | stopped */
	char restart_policy[STORE_POLICY_SIZE];
	char snapshotter[STORE_NAME_SIZE];
	char ip_address[STORE_IP_SIZE]; /* "" when none */
	int restart_count;		/* restarts by the reconciler, ever */
	int backoff_restarts;		/* restarts in a row without a long enough run between */
	bool has_exit_code;		/* last_exit_code is known */
	int last_exit_code;
	bool oom_killed;		       /* the last exit was an OOM kill */
	char last_exit_at[STORE_TIME_SIZE];    /* "" if none */
	char next_attempt_at[STORE_TIME_SIZE]; /* "" unless status is backoff */
	long long next_attempt_in_ms;	   /* next_attempt_at - now (database clock); <= 0: due */
	long long running_for_ms;	   /* now - last_started_at; -1 when never started */
	char observed_at[STORE_TIME_SIZE]; /* "" if never */
};

struct store_reconcile_list {
	struct store_reconcile_row *items; /* owned by the list */
	size_t count;
};
void store_reconcile_list_free(struct store_reconcile_list *list);

/* NOT_FOUND when the bot has no container row. */
int store_reconcile_get(berth_store *store, const char *bot_id, struct store_reconcile_row *out,
			berth_err *err);
/* Every row of the node, ordered by bot id. */
int store_reconcile_list(berth_store *store, const char *node, struct store_reconcile_list *out,
			 berth_err *err);

/* Sets the restart policy (INVALID when the schema refuses it; NOT_FOUND without a row). */
int store_reconcile_set_policy(berth_store *store, const char *bot_id, const char *policy,
			       berth_err *err);

/* The task exited (or is gone). exit_code < 0: unknown. The exit counts as an OOM kill when an OOM
 * was recorded (store_reconcile_mark_oom) since the task last started. */
struct store_exit {
	int exit_code;
	const char *
		task_status; /* the task as observed: "stopped" (exited, not deleted), "absent", NULL unknown */
};
/* Records the exit and waits: status backoff, next_attempt_at = now + delay_ms, ip cleared.
 * exit NULL: a failed restart attempt, the recorded exit stays. */
int store_reconcile_mark_backoff(berth_store *store, const char *bot_id,
				 const struct store_exit *exit, long long delay_ms, berth_err *err);
/* Records the exit and gives up (the policy says no restart): status stopped, ip cleared,
 * last_stopped_at = now; the desired state stays as the user set it. */
int store_reconcile_mark_exited(berth_store *store, const char *bot_id,
				const struct store_exit *exit, berth_err *err);
/* A restart attempt begins: restart_count and backoff_restarts + 1, next_attempt_at cleared. */
int store_reconcile_count_attempt(berth_store *store, const char *bot_id, berth_err *err);
/* The task has run long enough: backoff_restarts = 0. */
int store_reconcile_reset_backoff(berth_store *store, const char *bot_id, berth_err *err);
/* containerd reported an OOM kill in the container: last_oom_at = now. */
int store_reconcile_mark_oom(berth_store *store, const char *bot_id, berth_err *err);
/* Whether some session holds the node's reconciler lock (store_node_try_lock): an active
 * berth-reconcile for that node. */
int store_reconcile_node_held(berth_store *store, const char *node, bool *held, berth_err *err);
/* observed_at = now, task_status = the task as containerd has it ("running", "stopped", "absent";
 * NULL: unknown): the reconciler saw containerd agree with the row's status. */
int store_reconcile_observed(berth_store *store, const char *bot_id, const char *task_status,
			     berth_err *err);

/* What a reconciler did since it last wrote (db/0006_reconcile_counts.sql): deltas added to the
 * node's counters; last_relist_ms < 0: no relist since (the row keeps its value). */
struct store_reconcile_counts {
	int64_t relists, passes, adopts, restarts, stops, orphans;
	int64_t last_relist_ms;
};

/* The reconciler's heartbeat (db/0004_observed.sql): while some session holds the node lock,
 * nodes.reconciler_alive_until = now + ttl_ms and reconciler_relist_ms = relist_ms (the row is
 * made when missing), and the counts (NULL: none) are added to the node's counters in the same
 * statement; *held false: nobody holds the lock, nothing was written (the counts neither). _clear:
 * the node's rows are no longer vouched for (the reconciler stops, or lost its event stream); the
 * counts (NULL: none) are added too. */
int store_reconcile_heartbeat(berth_store *store, const char *node, int ttl_ms, int relist_ms,
			      const struct store_reconcile_counts *counts, bool *held,
			      berth_err *err);
int store_reconcile_heartbeat_clear(berth_store *store, const char *node,
				    const struct store_reconcile_counts *counts, berth_err *err);

#endif
