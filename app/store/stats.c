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
		const char *text = PQgetvalue(res, i, 1);
		char *end;

		if (store_copy(out[i].status, sizeof out[i].status, res, i, 0, err) != 0)
			goto fail;
		errno = 0;
		out[i].count = (int64_t)strtoll(text, &end, 10);
		if (errno || end == text || *end) {
			berth_err_set(err, BERTH_E_INTERNAL, "bad count '%s'", text);
			goto fail;
		}
		(*n)++;
	}
	PQclear(res);
	return 0;
fail:
	PQclear(res);
	*n = 0;
	return berth_err_prefix(err, "count bots");
}
