/* store_limits.h: a bot's resource-limit overrides in PostgreSQL (table container_limits,
 * db/0005_limits.sql). Part of the store (berth/store_conn.h: connection, errors and UUID rules
 * apply).
 *
 * Each value is the bot's own choice, or STORE_LIMIT_DEFAULT (SQL NULL) when the configured default
 * applies; the store keeps them as given (the domain checks them: berth/botctr_limits.h). The CPU
 * quota and period are set together or not at all (the schema refuses one without the other).
 * Plain data: nothing to free.
 */
#ifndef BERTH_STORE_LIMITS_H
#define BERTH_STORE_LIMITS_H

#include <stdint.h>

#include "berth/err.h"
#include "berth/store_conn.h"

#define STORE_LIMIT_DEFAULT ((int64_t)-1)

struct store_limits {
	int64_t cpu_quota_us; /* with cpu_period_us, or both STORE_LIMIT_DEFAULT */
	int64_t cpu_period_us;
	int64_t memory_bytes;
	int64_t pids;
};

/* The bot's overrides; every field STORE_LIMIT_DEFAULT when it has none (no row: no error). */
int store_limits_get(berth_store *store, const char *bot_id, struct store_limits *out,
		     berth_err *err);
/* Replaces the bot's overrides with in (all STORE_LIMIT_DEFAULT leaves a row of NULLs). NOT_FOUND
 * if the bot does not exist; INVALID for a value the schema refuses. */
int store_limits_put(berth_store *store, const char *bot_id, const struct store_limits *in,
		     berth_err *err);

#endif
