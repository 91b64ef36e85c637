/* botctr_limits.h: a bot container's resource limits (issue #11): CPU, memory (swap off), pids.
 *
 * Where they come from: [limits] of berth.conf gives every bot's defaults and the bounds; a bot may
 * have its own value for each of the three (stored by the store, berth/store_limits.h); the
 * effective limits are the bot's own where set, else the defaults. Every spec Berth builds for the
 * bot's container (create, rebuild, rollback) carries the effective limits, and a new task is
 * always created from a spec that has them (botctr_limits_sync), so they are kept across stop and
 * start, rebuilds and rollbacks; a change applies live to a running task (Tasks.Update).
 *
 * The request body ("limits" of POST and PATCH /bots/:bot_id/container), every member optional:
 *   "cpus":          number, CPUs (0.01 .. max), as quota = cpus * period (period 100000 or
 *                    "cpu_period_us")
 *   "cpu_quota_us":  integer, the CFS quota (1000 .. max_cpus * period) ...
 *   "cpu_period_us": integer, ... per period (1000 .. 1000000); only with cpus or cpu_quota_us
 *   "memory_bytes":  integer (6 MiB .. max); swap is off (memory+swap = memory) unless allow_swap
 *   "pids":          integer (16 .. max)
 * null for a member puts the bot back on the default; an absent member keeps what the bot has.
 * "cpus" and "cpu_quota_us" together, an unknown member, a wrong type or a value out of bounds is
 * BERTH_E_INVALID / BERTH_EC_INVALID_LIMITS with a message naming the field ("limits.pids") and
 * the bound, and changes nothing.
 *
 * Ownership: arguments are borrowed; json_t ** outputs are NEW references; strings returned are
 * NEW (free()).
 */
#ifndef BERTH_BOTCTR_LIMITS_H
#define BERTH_BOTCTR_LIMITS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "berth/botctr_op.h"
#include "berth/config.h"
#include "berth/err.h"
#include "berth/store_limits.h"

/* Effective limits; 0 = no limit. */
struct botctr_limits {
	int64_t cpu_quota_us; /* 0: no CPU limit (period still set) */
	int64_t cpu_period_us;
	int64_t memory_bytes;
	int64_t pids;
	bool allow_swap; /* false: memory.swap = memory_bytes (no swap) */
};

/* The bounds a bot's own values must keep, from [limits] with the host's CPUs and memory. */
struct botctr_limit_bounds {
	int max_cpus;
	int64_t max_memory_bytes;
	int64_t max_pids;
};
void botctr_limit_bounds_of(const struct berth_config *cfg, struct botctr_limit_bounds *out);

/* What a request asks for, per group: keep, set to a value, or back to the default. */
enum botctr_limit_change { BOTCTR_LIMIT_KEEP = 0, BOTCTR_LIMIT_SET, BOTCTR_LIMIT_RESET };
struct botctr_limits_patch {
	enum botctr_limit_change cpu, memory, pids;
	int64_t cpu_quota_us, cpu_period_us, memory_bytes, pids_max;
};

/* Parses and checks a "limits" object (pure). limits NULL or JSON null: an empty patch. */
int botctr_limits_parse(const json_t *limits, const struct botctr_limit_bounds *bounds,
			struct botctr_limits_patch *out, berth_err *err);
/* True when the patch changes nothing. */
bool botctr_limits_patch_empty(const struct botctr_limits_patch *p);
/* Applies a patch to a bot's stored values (pure). */
void botctr_limits_merge(struct store_limits *stored, const struct botctr_limits_patch *p);
/* The effective limits of stored values under cfg's defaults (pure). */
void botctr_limits_effective(const struct berth_config *cfg, const struct store_limits *stored,
			     struct botctr_limits *out);
/* {"cpus": 0.5|null, "cpu_quota_us": 50000|null, "cpu_period_us": 100000, "memory_bytes": n|null,
 *  "memory_swap": false, "pids": n|null, "defaults": ["memory_bytes", ...]}: the effective limits
 * (null: no limit) and which of "cpu", "memory_bytes", "pids" come from the defaults. NEW. */
json_t *botctr_limits_json(const struct botctr_limits *eff, const struct store_limits *stored);
/* The OCI linux.resources members of eff ({"cpu":{...},"memory":{...},"pids":{...}}; a group with
 * no limit is reset to "none": quota -1, memory -1, pids -1 (unlimited for runc)). NEW. */
json_t *botctr_limits_resources(const struct botctr_limits *eff);

/* Sets linux.resources cpu, memory and pids of an OCI spec (borrowed, modified in place; its other
 * resources, e.g. devices, stay) to eff. *changed (may be NULL) tells whether anything differed. */
int botctr_limits_spec_apply(json_t *spec, const struct botctr_limits *eff, bool *changed,
			     berth_err *err);

/* ---- operations (under the bot's lock) ------------------------------------------------------ */

/* The bot's effective limits as stored now (*out), and, when json is not NULL, their JSON (NEW). */
int botctr_limits_get(const struct botctr_env *env, const char *bot_id, struct botctr_limits *out,
		      json_t **json, berth_err *err);

/* Changes the bot's limits by patch (already parsed): stored, then applied to the running task
 * (Tasks.Update, no restart) and written into the container record's spec. need_container:
 * NOT_FOUND when the bot has no container (PATCH); otherwise a bot without one just gets them
 * stored (POST, before the container is made). When the running task refuses them (e.g. a memory
 * limit below its current usage) nothing is changed and the error is BERTH_E_PRECONDITION.
 * *out (may be NULL): {"limits": <botctr_limits_json>, "applied_live": bool}. */
int botctr_limits_update(const struct botctr_env *env, const char *bot_id,
			 const struct botctr_limits_patch *patch, bool need_container, json_t **out,
			 berth_err *err);

#endif
