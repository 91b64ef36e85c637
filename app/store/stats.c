/* stats.c: counts for operators (see include/berth/store_stats.h). */
#include "store_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "berth/store_stats.h"

static const struct store_stmt S_BOT_STATUS = {
	STMT_BOT_STATUS_COUNTS,
	"bot_status_counts",
	"SELECT coalesce(c.status, 'none'), count(*)::text FROM bots b "
	"LEFT JOIN containers c ON c.bot_id = b.id GROUP BY 1 ORDER BY 1",
	0,
	true,
};

static const struct store_stmt S_NODE_RECONCILE = {
	STMT_NODE_RECONCILE_COUNTS,
	"node_reconcile_counts",
	"SELECT name, (coalesce(reconciler_alive_until > clock_timestamp(), false))::text, "
	"reconcile_relists::text, reconcile_passes::text, reconcile_adopts::text, "
	"reconcile_restarts::text, reconcile_stops::text, reconcile_orphans::text, "
	"coalesce(reconcile_last_relist_ms, -1)::text FROM nodes ORDER BY name",
	0,
	true,
};

static int parse_count(const char *text, int64_t *out, berth_err *err)
{
	char *end;

	errno = 0;
	*out = (int64_t)strtoll(text, &end, 10);
	if (errno || end == text || *end)
		return berth_err_set(err, BERTH_E_INTERNAL, "bad count '%s'", text);
	return 0;
}

int store_bot_status_counts(berth_store *store,
			    struct store_status_count out[STORE_STATUS_COUNT_MAX], size_t *n,
			    berth_err *err)
{
	PGresult *res;
	int rows;

	*n = 0;
	if (!(res = store_exec(store, &S_BOT_STATUS, NULL, err)))
		return berth_err_prefix(err, "count bots");
	rows = PQntuples(res);
	for (int i = 0; i < rows && i < STORE_STATUS_COUNT_MAX; i++) {
		if (store_copy(out[i].status, sizeof out[i].status, res, i, 0, err) != 0 ||
		    parse_count(PQgetvalue(res, i, 1), &out[i].count, err) != 0)
			goto fail;
		(*n)++;
	}
	PQclear(res);
	return 0;
fail:
	PQclear(res);
	*n = 0;
	return berth_err_prefix(err, "count bots");
}

int store_node_reconcile_counts(berth_store *store,
				struct store_node_reconcile out[STORE_NODE_RECONCILE_MAX],
				size_t *n, berth_err *err)
{
	PGresult *res;
	int rows;

	*n = 0;
	if (!(res = store_exec(store, &S_NODE_RECONCILE, NULL, err)))
		return berth_err_prefix(err, "count reconciler work");
	rows = PQntuples(res);
	for (int i = 0; i < rows && i < STORE_NODE_RECONCILE_MAX; i++) {
		struct store_node_reconcile *o = &out[i];
		if (store_copy(o->node, sizeof o->node, res, i, 0, err) != 0)
			goto fail;
		o->active = strcmp(PQgetvalue(res, i, 1), "true") == 0;
		if (parse_count(PQgetvalue(res, i, 2), &o->relists, err) != 0 ||
		    parse_count(PQgetvalue(res, i, 3), &o->passes, err) != 0 ||
		    parse_count(PQgetvalue(res, i, 4), &o->adopts, err) != 0 ||
		    parse_count(PQgetvalue(res, i, 5), &o->restarts, err) != 0 ||
		    parse_count(PQgetvalue(res, i, 6), &o->stops, err) != 0 ||
		    parse_count(PQgetvalue(res, i, 7), &o->orphans, err) != 0 ||
		    parse_count(PQgetvalue(res, i, 8), &o->last_relist_ms, err) != 0)
			goto fail;
		(*n)++;
	}
	PQclear(res);
	return 0;
fail:
	PQclear(res);
	*n = 0;
	return berth_err_prefix(err, "count reconciler work");
}
