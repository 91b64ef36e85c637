/* limits.c: a bot's resource-limit overrides (include/berth/store_limits.h). */
#include "store_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "berth/store_limits.h"

static const struct store_stmt S_GET = {
	STMT_LIMITS_GET,
	"limits_get",
	"SELECT coalesce(cpu_quota_us, -1), coalesce(cpu_period_us, -1), coalesce(memory_bytes, -1), "
	"coalesce(pids, -1) FROM container_limits WHERE bot_id = $1::uuid",
	1,
	true,
};
static const struct store_stmt S_PUT = {
	STMT_LIMITS_PUT,
	"limits_put",
	"INSERT INTO container_limits (bot_id, cpu_quota_us, cpu_period_us, memory_bytes, pids) "
	"VALUES ($1::uuid, $2::bigint, $3::bigint, $4::bigint, $5::bigint) "
	"ON CONFLICT (bot_id) DO UPDATE SET cpu_quota_us = EXCLUDED.cpu_quota_us, "
	"cpu_period_us = EXCLUDED.cpu_period_us, memory_bytes = EXCLUDED.memory_bytes, pids = EXCLUDED.pids, "
	"updated_at = now()",
	5,
	false,
};

static int64_t column(const PGresult *res, int col)
{
	return (int64_t)strtoll(PQgetvalue(res, 0, col), NULL, 10);
}

int store_limits_get(berth_store *store, const char *bot_id, struct store_limits *out,
		     berth_err *err)
{
	const char *values[1] = { bot_id };
	PGresult *res;
	uint64_t tag;

	*out = (struct store_limits){ STORE_LIMIT_DEFAULT, STORE_LIMIT_DEFAULT, STORE_LIMIT_DEFAULT,
				      STORE_LIMIT_DEFAULT };
	if (store_check_uuid(bot_id, "bot id", err) < 0)
		return -1;
	/* No row is an answer too (the defaults): cached like a row. */
	if (store_cache_get(store, S_GET.id, values, 1, out, sizeof *out, &tag))
		return 0;
	if (!(res = store_exec(store, &S_GET, values, err)))
		return berth_err_prefix(err, "limits");
	if (PQntuples(res) == 1) {
		out->cpu_quota_us = column(res, 0);
		out->cpu_period_us = column(res, 1);
		out->memory_bytes = column(res, 2);
		out->pids = column(res, 3);
	}
	PQclear(res);
	store_cache_put(store, S_GET.id, values, 1, out, sizeof *out, tag);
	return 0;
}

/* The text of v, or NULL (SQL NULL) for STORE_LIMIT_DEFAULT. */
static const char *value_of(int64_t v, char *buf, size_t cap)
{
	if (v == STORE_LIMIT_DEFAULT)
		return NULL;
	snprintf(buf, cap, "%" PRId64, v);
	return buf;
}

int store_limits_put(berth_store *store, const char *bot_id, const struct store_limits *in,
		     berth_err *err)
{
	char q[24], p[24], m[24], n[24];
	const char *values[5];

	if (store_check_uuid(bot_id, "bot id", err) < 0)
		return -1;
	values[0] = bot_id;
	values[1] = value_of(in->cpu_quota_us, q, sizeof q);
	values[2] = value_of(in->cpu_period_us, p, sizeof p);
	values[3] = value_of(in->memory_bytes, m, sizeof m);
	values[4] = value_of(in->pids, n, sizeof n);
	return store_run(store, &S_PUT, values, NULL, "limits", err);
}
