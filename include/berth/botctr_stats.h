/* botctr_stats.h: a bot container's resource usage (GET /bots/:bot_id/container/stats, issue #11).
 *
 * CPU, memory and pids come from containerd (Tasks.Metrics: the task's cgroup, v1 or v2,
 * berth/ctd_metrics.h); network bytes from the container's network namespace as the host's kernel
 * shows it (/proc/<task pid>/net/dev, read by the host: nothing the bot runs is asked). A read, so
 * no lock. OOM kills are counted here (memory.oom_kills); the reconciler records each as an "oom"
 * lifecycle event from containerd's /tasks/oom (berth/reconcile.h). Ownership: *out is a NEW
 * reference.
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

/* Parses the text of /proc/<pid>/net/dev (pure): the interfaces but "lo" as
 * [{"name","rx_bytes","rx_packets","tx_bytes","tx_packets"}] (NEW) and their sums. BERTH_E_INVALID
 * when the text is not that file's format. */
int botctr_netdev_parse(const char *text, json_t **ifaces, uint64_t *rx_bytes, uint64_t *tx_bytes,
			berth_err *err);

#endif
