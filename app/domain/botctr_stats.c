/* botctr_stats.c: a bot container's resource usage (include/berth/botctr_stats.h). */
#include "botctr_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth/botctr_limits.h"
#include "berth/botctr_stats.h"
#include "berth/ctd_metrics.h"
#include "berth/ctd_tasks.h"
#include "berth/store_containers.h"

/* /proc/<pid>/net/dev is one line per interface: a bot cannot make many (no CAP_NET_ADMIN), but
 * the read is bounded anyway. */
#define NETDEV_MAX 65536

int botctr_netdev_parse(const char *text, json_t **ifaces, uint64_t *rx_bytes, uint64_t *tx_bytes,
			berth_err *err)
{
	const char *line = text;
	json_t *list = json_array();
	int n = 0;

	*ifaces = NULL;
	*rx_bytes = *tx_bytes = 0;
	if (!list)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	/* Two header lines, then "<name>: <16 numbers>". */
	for (; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL, n++) {
		char name[64];
		unsigned long long v[16];
		const char *colon;
		size_t len;

		if (n < 2)
			continue;
		if (*line == '\n')
			continue;
		colon = strchr(line, ':');
		if (!colon || (strchr(line, '\n') && colon > strchr(line, '\n')))
			goto invalid;
		while (*line == ' ')
			line++;
		len = (size_t)(colon - line);
		if (len == 0 || len >= sizeof name)
			goto invalid;
		memcpy(name, line, len);
		name[len] = '\0';
		if (sscanf(colon + 1,
			   "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9],
			   &v[10], &v[11], &v[12], &v[13], &v[14], &v[15]) != 16)
			goto invalid;
		if (strcmp(name, "lo") == 0)
			continue;
		*rx_bytes += v[0];
		*tx_bytes += v[8];
		if (json_array_append_new(list,
					  json_pack("{s:s,s:I,s:I,s:I,s:I}", "name", name,
						    "rx_bytes", (json_int_t)v[0], "rx_packets",
						    (json_int_t)v[1], "tx_bytes", (json_int_t)v[8],
						    "tx_packets", (json_int_t)v[9])) != 0) {
			json_decref(list);
			return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		}
	}
	if (n < 2)
		goto invalid;
	*ifaces = list;
	return 0;
invalid:
	json_decref(list);
	*rx_bytes = *tx_bytes = 0;
	return berth_err_set(err, BERTH_E_INVALID, "net/dev: unexpected format");
}

/* The network namespace's counters of the container's task with this pid. The process directory
 * is opened first and the task checked again afterwards: a pid that ended (and might be reused
 * by another process) never gives another namespace's counters; it is NOT_FOUND. */
static int read_netdev(struct botctr_op *op, uint32_t pid, json_t **ifaces, uint64_t *rx,
		       uint64_t *tx, berth_err *err)
{
	char path[64], *buf = NULL;
	ctd_task_info again;
	size_t got = 0;
	ssize_t r;
	int dirfd, fd = -1, rc = -1;

	snprintf(path, sizeof path, "/proc/%" PRIu32, pid);
	if ((dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return berth_err_driver(err, errno == ENOENT ? BERTH_E_NOT_FOUND : BERTH_E_INTERNAL,
					BERTH_EC_NONE, "%s: %s", path, strerror(errno));
	if (ctd_task_get(op->env->ctd, op->ctr_id, NULL, &again, err) < 0) {
		berth_err_prefix(err, "task status");
		goto out;
	}
	if (again.pid != pid || again.status != CTD_TASK_RUNNING) {
		berth_err_set(err, BERTH_E_NOT_FOUND, "the task ended");
		goto out;
	}
	if ((fd = openat(dirfd, "net/dev", O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		berth_err_driver(err,
				 errno == ENOENT || errno == ESRCH ? BERTH_E_NOT_FOUND
								   : BERTH_E_INTERNAL,
				 BERTH_EC_NONE, "%s/net/dev: %s", path, strerror(errno));
		goto out;
	}
	if (!(buf = malloc(NETDEV_MAX + 1))) {
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		goto out;
	}
	while (got < NETDEV_MAX && (r = read(fd, buf + got, NETDEV_MAX - got)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			berth_err_driver(err, errno == ESRCH ? BERTH_E_NOT_FOUND : BERTH_E_INTERNAL,
					 BERTH_EC_NONE, "%s/net/dev: %s", path, strerror(errno));
			goto out;
		}
		got += (size_t)r;
	}
	buf[got] = '\0';
	rc = botctr_netdev_parse(buf, ifaces, rx, tx, err);
	if (rc < 0)
		err->kind = BERTH_E_INTERNAL;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	close(dirfd);
	return rc;
}

static json_t *limit_or_null(uint64_t v)
{
	return v == CTD_UNLIMITED ? json_null() : json_integer((json_int_t)v);
}

static json_t *stats_json(const ctd_cgroup_stats *s)
{
	char at[48];

	botctr_format_time(s->timestamp.seconds, s->timestamp.nanos, at, sizeof at);
	return json_pack(
		"{s:i,s:s,s:{s:I,s:I,s:I,s:I,s:I,s:I},s:{s:I,s:o,s:o,s:o,s:I,s:o},s:{s:I,s:o}}",
		"cgroup_version", s->cgroup_version, "read_at", at, "cpu", "usage_usec",
		(json_int_t)s->cpu_usage_usec, "user_usec", (json_int_t)s->cpu_user_usec,
		"system_usec", (json_int_t)s->cpu_system_usec, "nr_periods",
		(json_int_t)s->cpu_nr_periods, "nr_throttled", (json_int_t)s->cpu_nr_throttled,
		"throttled_usec", (json_int_t)s->cpu_throttled_usec, "memory", "usage_bytes",
		(json_int_t)s->mem_usage, "limit_bytes", limit_or_null(s->mem_limit),
		"max_usage_bytes",
		s->mem_max_usage_known ? json_integer((json_int_t)s->mem_max_usage) : json_null(),
		"swap_limit_bytes", limit_or_null(s->mem_swap_limit), "failcnt",
		(json_int_t)s->mem_failcnt, "oom_kills",
		s->oom_kills_known ? json_integer((json_int_t)s->oom_kills) : json_null(), "pids",
		"current", (json_int_t)s->pids_current, "limit", limit_or_null(s->pids_limit));
}

int botctr_stats(const struct botctr_env *env, const char *bot_id, json_t **out, berth_err *err)
{
	struct botctr_op op;
	struct store_container row;
	struct botctr_limits lim;
	ctd_container *reply = NULL;
	ctd_cgroup_stats s;
	ctd_task_info info;
	json_t *body = NULL, *ifaces = NULL, *limits = NULL;
	uint64_t rx = 0, tx = 0;

	*out = NULL;
	/* A read: no lock. */
	botctr_op_init(&op, env, bot_id);
	if (store_container_get(env->store, bot_id, &row, err) < 0) {
		if (err->kind != BERTH_E_NOT_FOUND)
			return -1;
		if (botctr_container_load(&op, &reply, err) < 0) {
			if (err->kind == BERTH_E_NOT_FOUND || err->kind == BERTH_E_PRECONDITION)
				return berth_err_set(err, BERTH_E_NOT_FOUND,
						     "container not found for bot");
			return -1;
		}
		ctd_container_free(reply);
	}
	if (ctd_task_get(env->ctd, op.ctr_id, NULL, &info, err) < 0) {
		if (err->kind != BERTH_E_NOT_FOUND)
			return berth_err_prefix(err, "task status");
		info.status = CTD_TASK_STOPPED;
	}
	if (info.status != CTD_TASK_RUNNING && info.status != CTD_TASK_PAUSED)
		return berth_err_setc(err, BERTH_E_PRECONDITION, BERTH_EC_NOT_RUNNING,
				      "the bot's container is not running: no usage to report");
	if (ctd_task_stats(env->ctd, op.ctr_id, &s, err) < 0) {
		if (err->kind == BERTH_E_NOT_FOUND) /* it stopped meanwhile */
			return berth_err_setc(
				err, BERTH_E_PRECONDITION, BERTH_EC_NOT_RUNNING,
				"the bot's container is not running: no usage to report");
		botctr_fault(err);
		return berth_err_prefix(err, "metrics");
	}
	if (read_netdev(&op, info.pid, &ifaces, &rx, &tx, err) < 0) {
		if (err->kind == BERTH_E_NOT_FOUND)
			return berth_err_setc(
				err, BERTH_E_PRECONDITION, BERTH_EC_NOT_RUNNING,
				"the bot's container is not running: no usage to report");
		return berth_err_prefix(err, "network counters");
	}
	if (botctr_limits_get(env, bot_id, &lim, &limits, err) < 0) {
		json_decref(ifaces);
		return -1;
	}
	if (!(body = stats_json(&s)) ||
	    json_object_set_new(body, "container_id", json_string(op.ctr_id)) != 0 ||
	    json_object_set_new(body, "network",
				json_pack("{s:I,s:I,s:O}", "rx_bytes", (json_int_t)rx, "tx_bytes",
					  (json_int_t)tx, "interfaces", ifaces)) != 0 ||
	    json_object_set(body, "limits", limits) != 0) {
		json_decref(body);
		json_decref(ifaces);
		json_decref(limits);
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	}
	json_decref(ifaces);
	json_decref(limits);
	*out = body;
	return 0;
}
