/* ctd_metrics.h: a task's cgroup statistics from Tasks.Metrics, decoded into Berth's own record.
 *
 * Part of the containerd client (berth/ctd_conn.h: connections, error mapping). containerd
 * 1.6's runc shim answers with io.containerd.cgroups.v1.Metrics on a cgroup v1 (or hybrid) host
 * and io.containerd.cgroups.v2.Metrics on a unified one; both are decoded here (the protobuf
 * stays in app/containerd) into the same plain record. A value the cgroup version does not
 * report is 0 and its *_known flag false.
 */
#ifndef BERTH_CTD_METRICS_H
#define BERTH_CTD_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "berth/ctd_conn.h"
#include "berth/ctd_types.h"
#include "berth/err.h"

/* A limit the kernel reports as "max" (or v1's huge page-aligned LLONG_MAX) is CTD_UNLIMITED. */
#define CTD_UNLIMITED UINT64_MAX

typedef struct ctd_cgroup_stats {
	int cgroup_version; /* 1 or 2 */
	ctd_time timestamp; /* when containerd read them */
	/* cpu */
	uint64_t cpu_usage_usec; /* total CPU time of the cgroup */
	uint64_t cpu_user_usec;
	uint64_t cpu_system_usec;
	uint64_t cpu_nr_periods;   /* CFS enforcement periods elapsed */
	uint64_t cpu_nr_throttled; /* periods in which the quota ran out */
	uint64_t cpu_throttled_usec;
	/* memory (bytes) */
	uint64_t mem_usage;	/* current usage */
	uint64_t mem_limit;	/* CTD_UNLIMITED when none */
	uint64_t mem_max_usage; /* peak usage: v1 only (mem_max_usage_known) */
	bool mem_max_usage_known;
	uint64_t
		mem_swap_limit; /* v1: memory+swap limit; v2: swap alone; CTD_UNLIMITED when none */
	uint64_t mem_failcnt;	/* v1: times the limit was hit; v2: memory.events max */
	uint64_t oom_kills;	/* processes the OOM killer killed in this cgroup */
	bool oom_kills_known;	/* false on kernels (v1) that do not report oom_kill */
	/* pids */
	uint64_t pids_current;
	uint64_t pids_limit; /* CTD_UNLIMITED when none */
} ctd_cgroup_stats;

/* Tasks.Metrics for the container's task, decoded into *out. NOT_FOUND when the container has no
 * task; BERTH_E_UNSUPPORTED for a metrics type other than the two above. */
int ctd_task_stats(ctd_conn *c, const char *container_id, ctd_cgroup_stats *out, berth_err *err);

/* The decoding alone (pure), for tests: type_url and data as ctd_metrics carries them. */
int ctd_cgroup_stats_decode(const char *type_url, const uint8_t *data, size_t len,
			    ctd_cgroup_stats *out, berth_err *err);

#endif
