/* observed.c: a container row with whether reads can trust it (see include/berth/store_observed.h). */
#include "store_internal.h"

#include <stdio.h>
#include <string.h>

#include "berth/store_observed.h"

#define STR(x) #x
#define XSTR(x) STR(x)

/* Against the database's clock, as the heartbeat and observed_at were written. */
#define TRUSTED                                                                                            \
	"coalesce(n.reconciler_alive_until > clock_timestamp() "                                           \
	"AND c.observed_at > clock_timestamp() - n.reconciler_relist_ms * " XSTR(                          \
		STORE_OBSERVED_FRESH_PERIODS) " * interval '1 millisecond' "                               \
					      "AND ((c.status = 'running' AND c.task_status = 'running') " \
					      "OR (c.status IN ('stopped', 'backoff') AND c.task_status IN ('stopped', 'absent'))), false)"

static const struct store_stmt S_OBSERVE = {
	STMT_CONTAINER_OBSERVE,
	"container_observe",
	"SELECT " STORE_CONTAINER_COLUMNS ", " STORE_RECONCILE_COLUMNS ", " TRUSTED
	", coalesce(c.task_status, '') "
	"FROM containers c LEFT JOIN nodes n ON n.name = c.node WHERE c.bot_id = $1::uuid",
	1,
	true,
};

static int fill(const PGresult *res, int row, void *item, berth_err *err)
{
	struct store_observed *o = item;
	int col = STORE_CONTAINER_NCOLS + STORE_RECONCILE_NCOLS;

	if (store_container_fill(res, row, 0, &o->row, err) != 0 ||
	    store_reconcile_fill(res, row, STORE_CONTAINER_NCOLS, &o->st, err) != 0)
		return -1;
	o->trusted = store_bool(res, row, col);
	return store_copy(o->task_status, sizeof o->task_status, res, row, col + 1, err);
}

int store_container_observe(berth_store *store, const char *bot_id, struct store_observed *out,
			    berth_err *err)
{
	const char *values[1] = { bot_id };

	if (store_check_uuid(bot_id, "bot id", err) != 0)
		return berth_err_prefix(err, "observe container");
	return store_fetch_one_cached(store, &S_OBSERVE, values, out, sizeof *out, fill,
				      "observe container", "container", err);
}
