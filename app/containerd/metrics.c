/* metrics.c: a task's cgroup statistics (include/berth/ctd_metrics.h): Tasks.Metrics and the
 * decoding of containerd's cgroup v1 and v2 metrics messages into ctd_cgroup_stats. */
#include <string.h>

#include "berth/ctd_metrics.h"
#include "berth/ctd_tasks.h"
#include "cgroups/stats/v1/metrics.pb-c.h"
#include "cgroups/v2/stats/metrics.pb-c.h"
#include "internal.h"

#define V1_TYPE_URL "io.containerd.cgroups.v1.Metrics"
#define V2_TYPE_URL "io.containerd.cgroups.v2.Metrics"

/* cgroup v1 reports "no limit" as the largest page-aligned signed value (9223372036854771712),
 * v2 as UINT64_MAX: anything from 2^62 up is no limit. */
static uint64_t limit_of(uint64_t v)
{
	return v >= ((uint64_t)1 << 62) ? CTD_UNLIMITED : v;
}

/* containerd reports pids.max "max" as 0. */
static uint64_t pids_limit_of(uint64_t v)
{
	return v == 0 ? CTD_UNLIMITED : limit_of(v);
}

static void decode_v1(const Io__Containerd__Cgroups__V1__Metrics *m, ctd_cgroup_stats *out)
{
	out->cgroup_version = 1;
	if (m->cpu && m->cpu->usage) {
		/* v1 CPU times are nanoseconds. */
		out->cpu_usage_usec = m->cpu->usage->total / 1000;
		out->cpu_user_usec = m->cpu->usage->user / 1000;
		out->cpu_system_usec = m->cpu->usage->kernel / 1000;
	}
	if (m->cpu && m->cpu->throttling) {
		out->cpu_nr_periods = m->cpu->throttling->periods;
		out->cpu_nr_throttled = m->cpu->throttling->throttled_periods;
		out->cpu_throttled_usec = m->cpu->throttling->throttled_time / 1000;
	}
	out->mem_limit = CTD_UNLIMITED;
	out->mem_swap_limit = CTD_UNLIMITED;
	if (m->memory && m->memory->usage) {
		out->mem_usage = m->memory->usage->usage;
		out->mem_limit = limit_of(m->memory->usage->limit);
		out->mem_max_usage = m->memory->usage->max;
		out->mem_max_usage_known = true;
		out->mem_failcnt = m->memory->usage->failcnt;
	}
	if (m->memory && m->memory->swap)
		out->mem_swap_limit = limit_of(m->memory->swap->limit);
	if (m->memory_oom_control) {
		out->oom_kills = m->memory_oom_control->oom_kill;
		out->oom_kills_known = true;
	}
	out->pids_limit = CTD_UNLIMITED;
	if (m->pids) {
		out->pids_current = m->pids->current;
		out->pids_limit = pids_limit_of(m->pids->limit);
	}
}

static void decode_v2(const Io__Containerd__Cgroups__V2__Metrics *m, ctd_cgroup_stats *out)
{
	out->cgroup_version = 2;
	if (m->cpu) {
		out->cpu_usage_usec = m->cpu->usage_usec;
		out->cpu_user_usec = m->cpu->user_usec;
		out->cpu_system_usec = m->cpu->system_usec;
		out->cpu_nr_periods = m->cpu->nr_periods;
		out->cpu_nr_throttled = m->cpu->nr_throttled;
		out->cpu_throttled_usec = m->cpu->throttled_usec;
	}
	out->mem_limit = CTD_UNLIMITED;
	out->mem_swap_limit = CTD_UNLIMITED;
	if (m->memory) {
		out->mem_usage = m->memory->usage;
		out->mem_limit = limit_of(m->memory->usage_limit);
		out->mem_swap_limit = limit_of(m->memory->swap_limit);
	}
	if (m->memory_events) {
		out->mem_failcnt = m->memory_events->max;
		out->oom_kills = m->memory_events->oom_kill;
		out->oom_kills_known = true;
	}
	out->pids_limit = CTD_UNLIMITED;
	if (m->pids) {
		out->pids_current = m->pids->current;
		out->pids_limit = pids_limit_of(m->pids->limit);
	}
}

int ctd_cgroup_stats_decode(const char *type_url, const uint8_t *data, size_t len,
			    ctd_cgroup_stats *out, berth_err *err)
{
	const char *name = type_url ? type_url : "";
	const char *slash = strrchr(name, '/');

	memset(out, 0, sizeof *out);
	/* typeurl names a registered proto by its full name, with or without a "host/" prefix. */
	if (slash)
		name = slash + 1;
	if (strcmp(name, V1_TYPE_URL) == 0) {
		Io__Containerd__Cgroups__V1__Metrics *m =
			io__containerd__cgroups__v1__metrics__unpack(NULL, len, data);
		if (!m)
			return berth_err_set(err, BERTH_E_INTERNAL, "Tasks.Metrics: undecodable %s",
					     V1_TYPE_URL);
		decode_v1(m, out);
		io__containerd__cgroups__v1__metrics__free_unpacked(m, NULL);
		return 0;
	}
	if (strcmp(name, V2_TYPE_URL) == 0) {
		Io__Containerd__Cgroups__V2__Metrics *m =
			io__containerd__cgroups__v2__metrics__unpack(NULL, len, data);
		if (!m)
			return berth_err_set(err, BERTH_E_INTERNAL, "Tasks.Metrics: undecodable %s",
					     V2_TYPE_URL);
		decode_v2(m, out);
		io__containerd__cgroups__v2__metrics__free_unpacked(m, NULL);
		return 0;
	}
	return berth_err_set(err, BERTH_E_UNSUPPORTED, "Tasks.Metrics: unknown metrics type %.200s",
			     type_url ? type_url : "");
}

int ctd_task_stats(ctd_conn *c, const char *container_id, ctd_cgroup_stats *out, berth_err *err)
{
	ctd_metrics *m = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	if (ctd_task_metrics(c, container_id, &m, err) != 0)
		return -1;
	rc = ctd_cgroup_stats_decode(m->type_url, m->data, m->len, out, err);
	if (rc == 0)
		out->timestamp = m->timestamp;
	ctd_metrics_free(m);
	return rc;
}
