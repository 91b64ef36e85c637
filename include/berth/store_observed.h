/* store_observed.h: a bot's container row together with whether it can be trusted without asking
 * containerd (app/store/observed.c; db/0004_observed.sql), for GET /bots/:id/container. Same rules
 * as berth/store_conn.h (errors, ids, times); results go into the caller's struct.
 *
 * The row is trusted when, in the same query:
 *   - the reconciler of the row's node vouches for it: its heartbeat (nodes.reconciler_alive_until,
 *     written while it holds the node lock and follows containerd's events) has not expired;
 *   - the row was observed (observed_at) within three of that reconciler's relist periods;
 *   - the observed task state is known and agrees with the status: status running with a running
 *     task, or status stopped / backoff with a stopped or absent task.
 * Otherwise the caller asks containerd.
 */
#ifndef BERTH_STORE_OBSERVED_H
#define BERTH_STORE_OBSERVED_H

#include <stdbool.h>

#include "berth/err.h"
#include "berth/store_conn.h"
#include "berth/store_containers.h"
#include "berth/store_reconcile.h"

/* How many relist periods an observation stays fresh. */
#define STORE_OBSERVED_FRESH_PERIODS 3

struct store_observed {
	struct store_container row;
	struct store_reconcile_row st;
	bool trusted;
	char task_status[STORE_STATE_SIZE]; /* running | stopped | absent; "" when unknown */
};

/* One query. NOT_FOUND when the bot has no container row. */
int store_container_observe(berth_store *store, const char *bot_id, struct store_observed *out,
			    berth_err *err);

#endif
