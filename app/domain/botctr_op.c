/* botctr_op.c: the building blocks of the bot container operations: the per-bot lock, building the
 * container, running and stopping its task, its network, and recording outcomes. */
#include "botctr_internal.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "berth/botctr_limits.h"
#include "berth/botctr_op.h"
#include "berth/botdir.h"
#include "berth/ctd_conn.h"
#include "berth/ctd_containers.h"
#include "berth/ctd_leases.h"
#include "berth/ctd_snapshots.h"
#include "berth/ctd_tasks.h"
#include "berth/ctd_types.h"
#include "berth/deadline.h"
#include "berth/image_json.h"
#include "berth/image_resolve.h"
#include "berth/log.h"
#include "berth/oci_spec.h"
#include "berth/resolv.h"
#include "berth/store_containers.h"
#include "berth/store_events.h"
#include "berth/store_locks.h"

/* Upper bound on waiting for another operation on the same bot. */
#define LOCK_WAIT_MAX_MS 60000
/* After SIGKILL, how long to wait for the task to be reaped. */
#define KILL_WAIT_MS 5000
#define LEASE_EXPIRE_S 3600

void botctr_container_id(const char *bot_id, char out[BOTCTR_ID_MAX])
{
	snprintf(out, BOTCTR_ID_MAX, "mcp-%s", bot_id);
}

void botctr_op_init(struct botctr_op *op, const struct botctr_env *env, const char *bot_id)
{
	memset(op, 0, sizeof *op);
	op->env = env;
	op->bot_id = bot_id;
	botctr_container_id(bot_id, op->ctr_id);
}

int botctr_op_begin_wait(struct botctr_op *op, const struct botctr_env *env, const char *bot_id,
			 int wait_ms, berth_err *err)
{
	botctr_op_init(op, env, bot_id);
	if (store_bot_lock(env->store, bot_id, wait_ms, err) < 0) {
		if (berth_err_is(err, BERTH_EC_BUSY))
			berth_err_setc(err, BERTH_E_TIMEOUT, BERTH_EC_BUSY,
				       "another operation on this bot is still running");
		return -1;
	}
	op->locked = true;
	return 0;
}

int botctr_op_begin(struct botctr_op *op, const struct botctr_env *env, const char *bot_id,
		    berth_err *err)
{
	int wait_ms = LOCK_WAIT_MAX_MS;

	/* The lock wait gets at most half of the time left, so that the operation keeps the other
	 * half and the request's deadline (and the worker's backstop behind it) does not cut it off
	 * half-way. */
	if (env->deadline_ms > 0) {
		int64_t half = berth_deadline_left_ms(env->deadline_ms) / 2;
		if (half < wait_ms)
			wait_ms = half > 0 ? (int)half : 1;
	}
	return botctr_op_begin_wait(op, env, bot_id, wait_ms, err);
}

void botctr_op_end(struct botctr_op *op)
{
	berth_err err;

	if (!op->locked)
		return;
	op->locked = false;
	if (store_bot_unlock(op->env->store, op->bot_id, &err) < 0)
		blog(BLOG_WARN, "releasing the lock of bot %s: %s", op->bot_id, err.msg);
}

int botctr_snapshotter_check(const char *given, berth_err *err)
{
	size_t n = given ? strlen(given) : 0;

	if (n == 0)
		return 0;
	if (n > 64)
		goto invalid;
	for (size_t i = 0; i < n; i++)
		if (!((given[i] >= 'a' && given[i] <= 'z') ||
		      (given[i] >= '0' && given[i] <= '9') || given[i] == '_' || given[i] == '-' ||
		      given[i] == '.'))
			goto invalid;
	return 0;
invalid:
	return berth_err_setc(err, BERTH_E_INVALID, BERTH_EC_INVALID_SNAPSHOTTER,
			      "invalid snapshotter name");
}

const char *botctr_snapshotter(const struct botctr_env *env, const char *given)
{
	return given && *given ? given : env->cfg->snapshotter;
}

void botctr_unique(char *out, size_t cap, const char *prefix)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(out, cap, "%s-%lld%09ld-%d", prefix, (long long)ts.tv_sec, ts.tv_nsec,
		 (int)getpid());
}

void botctr_format_time(int64_t seconds, int32_t nanos, char *out, size_t cap)
{
	struct tm tm;
	time_t t = (time_t)seconds;

	if (seconds == 0 && nanos == 0) {
		snprintf(out, cap, "%s", "");
		return;
	}
	gmtime_r(&t, &tm);
	snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%09dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)nanos);
}

int botctr_container_load(struct botctr_op *op, ctd_container **out, berth_err *err)
{
	ctd_container *reply = NULL;
	const char *owner;

	if (ctd_container_get(op->env->ctd, op->ctr_id, &reply, err) < 0)
		return -1;
	owner = ctd_label_get(reply->labels, reply->n_labels, BOTCTR_LABEL_BOT);
	if (!owner || strcmp(owner, op->bot_id) != 0) {
		ctd_container_free(reply);
		return berth_err_set(
			err, BERTH_E_PRECONDITION,
			"container %s exists but was not created by Berth for this bot",
			op->ctr_id);
	}
	*out = reply;
	return 0;
}

int botctr_init_args(const struct berth_config *cfg, const char *argv[BOTCTR_INIT_ARGS_MAX])
{
	size_t n = 0;

	argv[n++] = BOTCTR_AGENT_PATH;
	argv[n++] = "serve";
	argv[n++] = "--socket";
	argv[n++] = BOTCTR_AGENT_DIR "/" BOTDIR_AGENT_SOCKET;
	argv[n++] = "--data";
	argv[n++] = cfg->data_mount;
	argv[n++] = "--template";
	argv[n++] = BOTCTR_TEMPLATE_DIR;
	if (cfg->init_command && cfg->init_command[0]) {
		argv[n++] = "--init-command";
		argv[n++] = cfg->init_command;
	}
	argv[n] = NULL;
	return (int)n;
}

int botctr_lease_begin(struct botctr_op *op, char *lease_id, size_t cap, berth_err *err)
{
	botctr_unique(lease_id, cap, "berth");
	if (ctd_lease_create(op->env->ctd, lease_id, LEASE_EXPIRE_S, NULL, 0, err) < 0)
		return berth_err_prefix(err, "lease");
	if (ctd_conn_set_lease(op->env->ctd, lease_id) < 0) {
		berth_err ignored;
		if (ctd_lease_delete(op->env->ctd, lease_id, false, &ignored) < 0)
			blog(BLOG_WARN, "deleting lease %s: %s (it expires by itself)", lease_id,
			     ignored.msg);
		return berth_err_set(err, BERTH_E_INTERNAL, "lease: out of memory");
	}
	return 0;
}

void botctr_lease_end(struct botctr_op *op, const char *lease_id)
{
	berth_err err;

	(void)ctd_conn_set_lease(op->env->ctd, NULL); /* clearing allocates nothing: cannot fail */
	if (ctd_lease_delete(op->env->ctd, lease_id, false, &err) < 0)
		blog(BLOG_WARN, "deleting lease %s: %s (it expires by itself)", lease_id, err.msg);
}

int botctr_prepare_rootfs(struct botctr_op *op, const char *snapshotter, const char *parent,
			  berth_err *err)
{
	ctd_mounts mounts = { 0, NULL, NULL };
	char stamp[40];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	{
		const ctd_label labels[] = { { "containerd.io/gc.root", stamp },
					     { BOTCTR_LABEL_SNAP_BOT, op->bot_id } };
		if (ctd_snapshot_prepare(op->env->ctd, snapshotter, op->ctr_id, parent, labels, 2,
					 &mounts, err) < 0)
			return berth_err_prefix(err, "rootfs snapshot");
	}
	ctd_mounts_free(&mounts);
	return 0;
}

/* Builds and creates the container; the caller checked it is absent. */
static int container_build(struct botctr_op *op, const char *snapshotter, berth_err *err)
{
	const struct berth_config *cfg = op->env->cfg;
	ctd_conn *ctd = op->env->ctd;
	struct botdir dir = { NULL, NULL, -1, -1, NULL };
	struct image_info img;
	char *resolv_path = NULL, *spec_text = NULL;
	const char *args[BOTCTR_INIT_ARGS_MAX];
	struct stat agent_st;
	json_t *spec = NULL;
	char lease[96];
	bool leased = false, prepared = false;
	int rc = -1;

	memset(&img, 0, sizeof img);
	if (botdir_prepare(cfg->data_root, cfg->state_root, op->bot_id, &dir, err) < 0) {
		berth_err_prefix(err, "bot directories");
		goto fail;
	}
	if (resolv_prepare_for_bot(cfg->host_resolv_conf, cfg->fallback_nameservers, dir.state_path,
				   &resolv_path, err) < 0) {
		botctr_fault(err);
		berth_err_prefix(err, "resolv.conf");
		goto fail;
	}
	if (image_ensure(ctd, cfg->bot_image, snapshotter, &img, err) < 0) {
		/* The bot image is the operator's business: a client never caused its absence. */
		if (err->kind == BERTH_E_NOT_FOUND)
			berth_err_setc(err, BERTH_E_INTERNAL, BERTH_EC_IMAGE,
				       "the bot image %s is not in containerd "
				       "(an operator imports it with `berthctl image import`)",
				       cfg->bot_image);
		else if (
			err->kind != BERTH_E_UNAVAILABLE && err->kind != BERTH_E_TIMEOUT &&
			err->kind !=
				BERTH_E_INVALID) /* INVALID: containerd refused the request's snapshotter */
			err->kind = BERTH_E_INTERNAL;
		/* An unpack failure names digests, snapshot keys and containerd's text: detail. The
		 * snapshotter is the request's own (validated) choice: the client may read it. */
		if (err->kind == BERTH_E_INVALID)
			berth_err_setc(err, BERTH_E_INVALID, BERTH_EC_IMAGE,
				       "the bot image cannot be unpacked with snapshotter %s",
				       snapshotter);
		else if (!berth_err_is(err, BERTH_EC_DEADLINE_EXCEEDED) &&
			 err->kind != BERTH_E_UNAVAILABLE && err->code != BERTH_EC_IMAGE) {
			berth_err_recode(err, err->kind, BERTH_EC_IMAGE);
			err->detail_only = true;
		}
		berth_err_prefix(err, "image %s", cfg->bot_image);
		goto fail;
	}
	if (botctr_lease_begin(op, lease, sizeof lease, err) < 0) {
		botctr_fault(err);
		goto fail;
	}
	leased = true;

	/* An existing rootfs snapshot under the container's key (left by a container record that was
	 * lost) is kept: it holds the bot's root filesystem changes. Never remove it here. */
	if (ctd_snapshot_stat(ctd, snapshotter, op->ctr_id, NULL, err) == 0) {
		blog(BLOG_INFO, "container %s: reusing its existing rootfs snapshot", op->ctr_id);
	} else if (err->kind == BERTH_E_NOT_FOUND) {
		if (botctr_prepare_rootfs(op, snapshotter, img.top_chain_id, err) < 0) {
			botctr_fault(err);
			goto fail;
		}
		prepared = true;
	} else {
		botctr_fault(err);
		goto fail;
	}

	/* runc would fail the start with an obscure message: say what is missing. */
	errno = 0;
	if (stat(cfg->agent_binary, &agent_st) != 0 || !S_ISREG(agent_st.st_mode)) {
		berth_err_driver(err, BERTH_E_INTERNAL, BERTH_EC_AGENT, "[agent] binary %s: %s",
				 cfg->agent_binary, errno ? strerror(errno) : "not a regular file");
		goto fail;
	}
	botctr_init_args(cfg, args);
	{
		const char *const ro_bind[] = { "rbind", "ro", "nosuid", "nodev", NULL };
		const char *const agent_dir_bind[] = { "rbind", "rw",	  "nosuid",
						       "nodev", "noexec", NULL };
		const struct oci_mount mounts[] = {
			{ cfg->data_mount, "bind", dir.data_path, NULL, 0 },
			{ "/etc/resolv.conf", "bind", resolv_path, NULL, 1 },
			{ BOTCTR_AGENT_PATH, "bind", cfg->agent_binary, ro_bind, 1 },
			{ BOTCTR_AGENT_DIR, "bind", dir.agent_path, agent_dir_bind, 0 },
		};
		struct oci_spec_opts opts = {
			.id = op->ctr_id,
			.ns = ctd_conn_namespace(ctd),
			.hostname = op->ctr_id,
			.args = args,
			.mounts = mounts,
			.n_mounts = sizeof mounts / sizeof mounts[0],
		};
		spec = oci_spec_build(img.config, &opts, err);
	}
	if (!spec) {
		botctr_fault(err);
		berth_err_prefix(err, "runtime spec");
		goto fail;
	}
	/* The bot's resource limits, as stored (they outlive the container). */
	{
		struct botctr_limits lim;
		if (botctr_limits_get(op->env, op->bot_id, &lim, NULL, err) < 0 ||
		    botctr_limits_spec_apply(spec, &lim, NULL, err) < 0) {
			botctr_fault(err);
			berth_err_prefix(err, "limits");
			goto fail;
		}
	}
	spec_text = json_dumps(spec, JSON_COMPACT);
	if (!spec_text) {
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		goto fail;
	}
	{
		const ctd_label labels[] = { { BOTCTR_LABEL_BOT, op->bot_id } };
		const ctd_container_opts copts = {
			.id = op->ctr_id,
			.image = cfg->bot_image,
			.labels = labels,
			.n_labels = 1,
			.spec_json = spec_text,
			.snapshotter = snapshotter,
			.snapshot_key = op->ctr_id,
		};
		if (ctd_container_create(ctd, &copts, err) < 0) {
			/* Someone else made it meanwhile: the snapshot is theirs now, never remove it. */
			if (err->kind == BERTH_E_ALREADY_EXISTS) {
				ctd_container *theirs = NULL;
				prepared = false;
				if (botctr_container_load(op, &theirs, err) == 0) {
					ctd_container_free(theirs);
					rc = 0;
					goto fail;
				}
			}
			botctr_fault(err);
			berth_err_prefix(err, "create container");
			goto fail;
		}
	}
	blog(BLOG_INFO, "container %s created from %s (snapshotter %s)", op->ctr_id, cfg->bot_image,
	     snapshotter);
	rc = 0;
fail:
	if (rc < 0 && prepared) {
		berth_err rm;
		if (ctd_snapshot_remove(ctd, snapshotter, op->ctr_id, &rm) < 0)
			blog(BLOG_WARN, "removing snapshot %s after a failed create: %s",
			     op->ctr_id, rm.msg);
	}
	if (leased)
		botctr_lease_end(op, lease);
	free(spec_text);
	json_decref(spec);
	free(resolv_path);
	image_info_free(&img);
	botdir_release(&dir);
	return rc;
}

int botctr_container_ensure(struct botctr_op *op, const char *snapshotter, bool *built,
			    berth_err *err)
{
	ctd_container *reply = NULL;

	if (built)
		*built = false;
	if (botctr_container_load(op, &reply, err) == 0) {
		/* A container whose rootfs snapshot is gone (a delete stopped half-way) cannot run:
		 * it is replaced, as a missing one is. */
		int gone = ctd_snapshot_stat(op->env->ctd, reply->snapshotter, reply->snapshot_key,
					     NULL, err) < 0;
		ctd_container_free(reply);
		if (!gone)
			return 0;
		if (err->kind != BERTH_E_NOT_FOUND)
			return botctr_fault(err);
		blog(BLOG_WARN, "container %s lost its rootfs snapshot: replacing the container",
		     op->ctr_id);
		if (ctd_container_delete(op->env->ctd, op->ctr_id, err) < 0 &&
		    err->kind != BERTH_E_NOT_FOUND)
			return botctr_fault(err);
	} else if (err->kind != BERTH_E_NOT_FOUND) {
		return -1;
	}
	if (container_build(op, snapshotter, err) < 0)
		return -1;
	if (built)
		*built = true;
	return 0;
}

int botctr_task_running_pid(struct botctr_op *op, uint32_t *pid, berth_err *err)
{
	ctd_task_info info;

	*pid = 0;
	if (ctd_task_get(op->env->ctd, op->ctr_id, NULL, &info, err) < 0)
		return err->kind == BERTH_E_NOT_FOUND ? 0 : -1;
	if (info.status == CTD_TASK_RUNNING)
		*pid = info.pid;
	return 0;
}

/* Kills (SIGKILL) and deletes a task that is not running (or must go). */
static int task_remove(struct botctr_op *op, berth_err *err)
{
	ctd_conn *ctd = op->env->ctd;
	berth_err ignored;

	if (ctd_task_kill(ctd, op->ctr_id, NULL, SIGKILL, true, &ignored) == 0)
		(void)ctd_task_wait(ctd, op->ctr_id, NULL, KILL_WAIT_MS, NULL, &ignored);
	if (ctd_task_delete(ctd, op->ctr_id, NULL, err) < 0 && err->kind != BERTH_E_NOT_FOUND)
		return berth_err_prefix(err, "delete task");
	return 0;
}

int botctr_task_ensure(struct botctr_op *op, uint32_t *pid, berth_err *err)
{
	ctd_conn *ctd = op->env->ctd;
	ctd_container *reply = NULL;
	ctd_mounts rootfs = { 0, NULL, NULL };
	ctd_task_info info;
	int rc = -1;

	if (ctd_task_get(ctd, op->ctr_id, NULL, &info, err) == 0) {
		if (info.status == CTD_TASK_RUNNING) {
			*pid = info.pid;
			return 0;
		}
		blog(BLOG_INFO, "container %s: replacing its %s task", op->ctr_id,
		     ctd_task_status_name(info.status));
		if (task_remove(op, err) < 0)
			return botctr_fault(err);
	} else if (err->kind != BERTH_E_NOT_FOUND) {
		return -1;
	}
	if (botctr_container_load(op, &reply, err) < 0)
		return -1;
	/* A fresh agent socket for the new task, whatever the bot left in its place. */
	if (botdir_agent_reset(op->env->cfg->state_root, op->bot_id, err) < 0) {
		botctr_fault(err);
		berth_err_prefix(err, "agent dir");
		goto fail;
	}
	/* A new task runs with the bot's limits as stored now, whatever the record was built with. */
	if (botctr_limits_sync(op, err) < 0) {
		botctr_fault(err);
		berth_err_prefix(err, "limits");
		goto fail;
	}
	if (ctd_snapshot_mounts(ctd, reply->snapshotter, reply->snapshot_key, &rootfs, err) < 0) {
		botctr_fault(err);
		berth_err_prefix(err, "rootfs mounts");
		goto fail;
	}
	if (ctd_task_create(ctd, op->ctr_id, &rootfs, NULL, pid, err) < 0) {
		botctr_fault(err);
		berth_err_prefix(err, "create task");
		goto fail;
	}
	if (ctd_task_start(ctd, op->ctr_id, NULL, pid, err) < 0) {
		berth_err cleanup;
		botctr_fault(err);
		berth_err_prefix(err, "start task");
		if (task_remove(op, &cleanup) < 0)
			blog(BLOG_WARN, "container %s: removing the task that did not start: %s",
			     op->ctr_id, cleanup.msg);
		goto fail;
	}
	rc = 0;
fail:
	ctd_mounts_free(&rootfs);
	ctd_container_free(reply);
	return rc;
}

int botctr_task_stop(struct botctr_op *op, int timeout_s, berth_err *err)
{
	ctd_conn *ctd = op->env->ctd;
	ctd_task_info info;
	berth_err werr;

	if (ctd_task_get(ctd, op->ctr_id, NULL, &info, err) < 0)
		return err->kind == BERTH_E_NOT_FOUND ? 0 : -1;
	if (info.status == CTD_TASK_RUNNING || info.status == CTD_TASK_PAUSED) {
		/* SIGTERM to the init process only: it ends the container's pid namespace. */
		if (ctd_task_kill(ctd, op->ctr_id, NULL, SIGTERM, false, err) < 0 &&
		    err->kind != BERTH_E_NOT_FOUND)
			return botctr_fault(err), berth_err_prefix(err, "SIGTERM");
		/* The grace the task gets is stop_timeout_s, but never more than what the request has
		 * left after the SIGKILL step's share (half of the rest): a stop that runs out of time
		 * still ends with SIGKILL and a deleted task when containerd answers. */
		int wait_ms = timeout_s > 0 ? timeout_s * 1000 : 1;
		if (op->env->deadline_ms > 0) {
			int64_t half = berth_deadline_left_ms(op->env->deadline_ms) / 2;
			if (half < wait_ms)
				wait_ms = half > 0 ? (int)half : 1;
		}
		if (ctd_task_wait(ctd, op->ctr_id, NULL, wait_ms, NULL, &werr) < 0) {
			if (berth_err_is(&werr, BERTH_EC_DEADLINE_EXCEEDED) &&
			    berth_deadline_passed(op->env->deadline_ms)) {
				*err = werr;
				return berth_err_prefix(err, "wait after SIGTERM");
			}
			if (werr.kind != BERTH_E_TIMEOUT && werr.kind != BERTH_E_NOT_FOUND) {
				*err = werr;
				return botctr_fault(err),
				       berth_err_prefix(err, "wait after SIGTERM");
			}
			if (werr.kind == BERTH_E_TIMEOUT)
				blog(BLOG_WARN,
				     "container %s did not stop within %d ms of SIGTERM: SIGKILL",
				     op->ctr_id, wait_ms);
		}
	}
	return task_remove(op, err) < 0 ? botctr_fault(err) : 0;
}

static void net_opts(const struct botctr_env *env, struct cni_net_opts *o, char *cache, size_t cap)
{
	snprintf(cache, cap, "%s/cni-cache", env->cfg->state_root);
	o->bin_dir = env->cfg->cni_bin_dir;
	o->conf_dir = env->cfg->cni_conf_dir;
	o->cache_dir = cache;
	o->timeout_ms = env->cfg->cni_timeout_ms;
	o->deadline = env->deadline_ms;
	o->quick_check_s = 0;
}

int botctr_net_apply(struct botctr_op *op, uint32_t pid, char *ip, size_t ip_cap, berth_err *err)
{
	return botctr_net_verify(op, pid, 0, ip, ip_cap, err);
}

int botctr_net_verify(struct botctr_op *op, uint32_t pid, int quick_check_s, char *ip,
		      size_t ip_cap, berth_err *err)
{
	struct cni_net_opts o;
	struct cni_result res;
	char cache[PATH_MAX], netns[64];

	net_opts(op->env, &o, cache, sizeof cache);
	o.quick_check_s = quick_check_s;
	snprintf(netns, sizeof netns, "/proc/%u/ns/net", pid);
	if (cni_ensure(&o, op->ctr_id, netns, BOTCTR_IFNAME, &res, err) < 0)
		return botctr_fault(err), berth_err_prefix(err, "network");
	snprintf(ip, ip_cap, "%s", res.ip);
	return 0;
}

void botctr_net_release(struct botctr_op *op, uint32_t pid)
{
	struct cni_net_opts o;
	char cache[PATH_MAX], netns[64] = "";
	berth_err err;

	net_opts(op->env, &o, cache, sizeof cache);
	if (pid)
		snprintf(netns, sizeof netns, "/proc/%u/ns/net", pid);
	if (cni_del(&o, op->ctr_id, netns, BOTCTR_IFNAME, &err) < 0)
		blog(BLOG_WARN, "container %s: releasing the network: %s", op->ctr_id, err.msg);
	/* The address may go to another bot now: the row must not keep naming it. */
	if (store_container_set_ip(op->env->store, op->bot_id, NULL, &err) < 0 &&
	    err.kind != BERTH_E_NOT_FOUND)
		blog(BLOG_WARN, "bot %s: clearing its recorded IP: %s", op->bot_id, err.msg);
}

void botctr_event(struct botctr_op *op, const char *type, json_t *payload)
{
	char *text;
	berth_err err;

	text = payload ? json_dumps(payload, JSON_COMPACT) : NULL;
	json_decref(payload);
	if (store_event_add(op->env->store, op->bot_id, op->ctr_id, type, text, &err) < 0)
		blog(BLOG_WARN, "recording event %s: %s", type, err.msg);
	free(text);
}

int botctr_fault(berth_err *err)
{
	if (err->kind != BERTH_E_UNAVAILABLE && err->kind != BERTH_E_TIMEOUT)
		err->kind = BERTH_E_INTERNAL;
	return -1;
}

void botctr_record_error(struct botctr_op *op, const char *what, const berth_err *cause)
{
	char msg[BERTH_ERR_MSG_MAX + 64];
	berth_err err;

	/* last_error and the event are read by clients: Berth's own words, the detail is logged. */
	op->recorded = true;
	blog(BLOG_ERROR, "container %s: %s: %s", op->ctr_id, what, cause->msg);
	snprintf(msg, sizeof msg, "%s: %s", what, berth_err_public_msg(cause));
	/* The status is what Berth last observed: when containerd could not be reached nothing was
	 * observed (nor done), so the status stays; the event still records the failure. */
	if (cause->kind != BERTH_E_UNAVAILABLE &&
	    store_container_mark_error(op->env->store, op->bot_id, msg, &err) < 0 &&
	    err.kind != BERTH_E_NOT_FOUND)
		blog(BLOG_WARN, "recording the error of bot %s: %s", op->bot_id, err.msg);
	botctr_event(op, "error", json_pack("{s:s}", "error", msg));
}

void botctr_record_timeout(struct botctr_op *op, const char *what, int rc, const berth_err *err,
			   bool mark_status)
{
	char msg[BERTH_ERR_MSG_MAX + 64];

	if (rc == 0 || !op->locked || op->recorded ||
	    !berth_err_is(err, BERTH_EC_DEADLINE_EXCEEDED))
		return;
	if (mark_status) {
		botctr_record_error(op, what, err);
		return;
	}
	op->recorded = true;
	blog(BLOG_ERROR, "container %s: %s: %s", op->ctr_id, what, err->msg);
	snprintf(msg, sizeof msg, "%s: %s", what, berth_err_public_msg(err));
	botctr_event(op, "error", json_pack("{s:s}", "error", msg));
}
