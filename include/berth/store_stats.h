/* store_stats.h: counts for operators (clients: the store), e.g. for GET /metrics.
 * Results go into caller-owned fixed arrays; nothing to free. Errors as store_conn.h. */
#ifndef BERTH_STORE_STATS_H
#define BERTH_STORE_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "berth/err.h"
#include "berth/store_conn.h"

/* Bots by the status of their container: "created", "running", "stopped", "error", or "none"
 * for a bot without a container. */
struct store_status_count {
	char status[STORE_STATE_SIZE];
	int64_t count;
};

#define STORE_STATUS_COUNT_MAX 8

/* One query. Fills out[0 .. *n) (at most STORE_STATUS_COUNT_MAX rows, ordered by status). */
int store_bot_status_counts(berth_store *store,
			    struct store_status_count out[STORE_STATUS_COUNT_MAX], size_t *n,
			    berth_err *err);

/* What each node's reconcilers did (db/0006_reconcile_counts.sql), ordered by node name. Counters
 * only grow; active: the node's reconciler_alive_until lies ahead (a reconciler vouches for its
 * rows now); last_relist_ms -1 before any relist. */
struct store_node_reconcile {
	char node[STORE_NAME_SIZE];
	bool active;
	int64_t relists, passes, adopts, restarts, stops, orphans;
	int64_t last_relist_ms;
};

#define STORE_NODE_RECONCILE_MAX 16

/* One query. Fills out[0 .. *n) (at most STORE_NODE_RECONCILE_MAX nodes). */
int store_node_reconcile_counts(berth_store *store,
				struct store_node_reconcile out[STORE_NODE_RECONCILE_MAX],
				size_t *n, berth_err *err);

#endif
