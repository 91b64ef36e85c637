/* botctr_stats.h: a bot container's resource usage (GET /bots/:bot_id/container/stats, issue #11).
 *
 * CPU, memory and pids come from containerd (Tasks.Metrics: the task's cgroup, v1 or v2,
 * berth/ctd_metrics.h); network bytes from the container's network namespace as the host's kernel
 * shows it (/proc/<task pid>/net/dev, read by the host: nothing the bot runs is asked). A read, so
 * no lock; it records what it observed of the OOM killer (botctr_oom_observe). Ownership: *out is a NEW reference.
 */
#ifndef BERTH_BOTCTR_STATS_H
#define BERTH_BOTCTR_STATS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "berth/botctr_op.h"
#include "berth/err.h"

/* {"container_id","cgroup_version","read_at",
 *  "cpu":{"usage_usec","user_usec","system_usec","nr_periods","nr_throttled","throttled_usec"},
 *  "memory":{"usage_bytes","limit_bytes"|null,"max_usage_bytes"|null,"swap_limit_bytes"|null,
 *            "failcnt","oom_kills"|null},
 *  "pids":{"current","limit"|null},
 *  "network":{"rx_bytes","tx_bytes","interfaces":[{"name","rx_bytes","tx_bytes",...}]},
 *  "limits":<botctr_limits_json>}
 * (null: no limit, or not reported by this cgroup version). NOT_FOUND when the bot has no
 * container; BERTH_E_PRECONDITION / BERTH_EC_NOT_RUNNING (409) when its task is not running (a
 * stopped container uses nothing: there are no numbers to give). */
int botctr_stats(const struct botctr_env *env, const char *bot_id, json_t **out, berth_err *err);

/* Records what the OOM killer did in the bot's task with task_pid: when its cgroup's oom_kills
 * counter shows kills not recorded yet, an "oom" lifecycle event {"oom_kills","new","task_pid",
 * "memory_limit_bytes"} is added (once per kill, whatever the number of concurrent observers).
 * botctr_stats calls it on every read; a task-exit or /tasks/oom handler (the reconciler) may too.
 * *new_kills (may be NULL) gets the number just recorded. */
int botctr_oom_observe(const struct botctr_env *env, const char *bot_id, uint32_t task_pid, uint64_t oom_kills,
		       uint64_t memory_limit_bytes, int64_t *new_kills, berth_err *err);

/* Parses the text of /proc/<pid>/net/dev (pure): the interfaces but "lo" as
 * [{"name","rx_bytes","rx_packets","tx_bytes","tx_packets"}] (NEW) and their sums. BERTH_E_INVALID
 * when the text is not that file's format. */
int botctr_netdev_parse(const char *text, json_t **ifaces, uint64_t *rx_bytes, uint64_t *tx_bytes,
			berth_err *err);

#endif
