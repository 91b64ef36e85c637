/* limits.c: a bot's resource-limit overrides (include/berth/store_limits.h). */
#include "store_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "berth/store_limits.h"

static const struct store_stmt S_GET = {
	STMT_LIMITS_GET, "limits_get",
	"SELECT coalesce(cpu_quota_us, -1), coalesce(cpu_period_us, -1), coalesce(memory_bytes, -1), "
	"coalesce(pids, -1) FROM container_limits WHERE bot_id = $1::uuid",
	1, true,
};
static const struct store_stmt S_PUT = {
	STMT_LIMITS_PUT, "limits_put",
	"INSERT INTO container_limits (bot_id, cpu_quota_us, cpu_period_us, memory_bytes, pids) "
	"VALUES ($1::uuid, $2::bigint, $3::bigint, $4::bigint, $5::bigint) "
	"ON CONFLICT (bot_id) DO UPDATE SET cpu_quota_us = EXCLUDED.cpu_quota_us, "
	"cpu_period_us = EXCLUDED.cpu_period_us, memory_bytes = EXCLUDED.memory_bytes, pids = EXCLUDED.pids, "
	"updated_at = now()",
	5, false,
};

static int64_t column(const PGresult *res, int col)
{
	return (int64_t)strtoll(PQgetvalue(res, 0, col), NULL, 10);
}

int store_limits_get(berth_store *store, const char *bot_id, struct store_limits *out, berth_err *err)
{
	const char *values[1] = { bot_id };
	PGresult *res;

	*out = (struct store_limits){ STORE_LIMIT_DEFAULT, STORE_LIMIT_DEFAULT, STORE_LIMIT_DEFAULT,
				      STORE_LIMIT_DEFAULT };
	if (store_check_uuid(bot_id, "bot id", err) < 0)
		return -1;
	if (!(res = store_exec(store, &S_GET, values, err)))
		return berth_err_prefix(err, "limits");
	if (PQntuples(res) == 1) {
		out->cpu_quota_us = column(res, 0);
		out->cpu_period_us = column(res, 1);
		out->memory_bytes = column(res, 2);
		out->pids = column(res, 3);
	}
	PQclear(res);
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

int store_limits_put(berth_store *store, const char *bot_id, const struct store_limits *in, berth_err *err)
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

/* The previous row is locked first, so that of two concurrent observers the second sees the first's
 * count and records nothing. */
static const struct store_stmt S_OOM = {
	STMT_OOM_OBSERVE, "oom_observe",
	"WITH prev AS (SELECT task_pid, oom_kills FROM container_oom WHERE bot_id = $1::uuid FOR UPDATE), "
	"up AS (INSERT INTO container_oom (bot_id, task_pid, oom_kills) VALUES ($1::uuid, $2::bigint, $3::bigint) "
	"ON CONFLICT (bot_id) DO UPDATE SET task_pid = EXCLUDED.task_pid, oom_kills = EXCLUDED.oom_kills, "
	"updated_at = now() WHERE container_oom.task_pid <> EXCLUDED.task_pid "
	"OR container_oom.oom_kills < EXCLUDED.oom_kills RETURNING 1) "
	"SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM up) THEN 0 "
	"WHEN NOT EXISTS (SELECT 1 FROM prev) OR (SELECT task_pid FROM prev) <> $2::bigint THEN $3::bigint "
	"ELSE $3::bigint - (SELECT oom_kills FROM prev) END",
	3, false,
};

int store_oom_observe(berth_store *store, const char *bot_id, int64_t task_pid, int64_t oom_kills,
		      int64_t *new_kills, berth_err *err)
{
	char pid[24], kills[24];
	const char *values[3] = { bot_id, pid, kills };
	PGresult *res;

	*new_kills = 0;
	if (store_check_uuid(bot_id, "bot id", err) < 0)
		return -1;
	if (task_pid < 0 || oom_kills < 0)
		return berth_err_set(err, BERTH_E_INVALID, "oom: negative pid or count");
	snprintf(pid, sizeof pid, "%" PRId64, task_pid);
	snprintf(kills, sizeof kills, "%" PRId64, oom_kills);
	if (!(res = store_exec(store, &S_OOM, values, err)))
		return berth_err_prefix(err, "oom");
	if (PQntuples(res) == 1)
		*new_kills = column(res, 0);
	PQclear(res);
	return 0;
}
