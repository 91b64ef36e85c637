/* botctr_lifecycle.c: create, get, start, stop and delete of a bot's container. */
#include "botctr_internal.h"

#include <stdio.h>
#include <string.h>

#include "berth/botctr_lifecycle.h"
#include "berth/botctr_op.h"
#include "berth/ctd_conn.h"
#include "berth/ctd_containers.h"
#include "berth/ctd_snapshots.h"
#include "berth/ctd_tasks.h"
#include "berth/ctd_types.h"
#include "berth/log.h"
#include "berth/reconcile.h"
#include "berth/store_conn.h"
#include "berth/store_containers.h"
#include "berth/store_observed.h"
#include "berth/store_snapshots.h"
#include "berth/store_reconcile.h"

/* Upserts the bot's row from the container as containerd has it (its image and snapshotter, which
 * may differ from today's configuration or request). */
static int record_container(struct botctr_op *op, berth_err *err)
{
	const struct berth_config *cfg = op->env->cfg;
	ctd_container *reply = NULL;
	char host_path[STORE_PATH_SIZE];
	int rc;

	if (botctr_container_load(op, &reply, err) < 0)
		return botctr_fault(err), berth_err_prefix(err, "record container");
	struct store_container_new row = {
		.bot_id = op->bot_id,
		.container_id = op->ctr_id,
		.image = reply->image[0] ? reply->image : cfg->bot_image,
		.snapshotter = reply->snapshotter,
		.namespace_ = ctd_conn_namespace(op->env->ctd),
		.node = cfg->node,
		.host_path = host_path,
		.container_path = cfg->data_mount,
	};

	snprintf(host_path, sizeof host_path, "%s/bots/%s", cfg->data_root, op->bot_id);
	rc = store_container_upsert(op->env->store, &row, NULL, err);
	ctd_container_free(reply);
	return rc < 0 ? berth_err_prefix(err, "record container") : 0;
}

/* Task running + network applied + outcome recorded. *ip gets the address. */
static int run_and_connect(struct botctr_op *op, char *ip, size_t ip_cap, berth_err *err)
{
	uint32_t pid = 0;
	berth_err db;

	if (botctr_task_ensure(op, &pid, err) < 0) {
		botctr_record_error(op, "task did not start", err);
		return -1;
	}
	if (botctr_net_apply(op, pid, ip, ip_cap, err) < 0) {
		/* The task keeps running (the original's choice), but the failure is not hidden, and the
		 * row names no address the failed setup does not hold. */
		if (store_container_set_ip(op->env->store, op->bot_id, NULL, &db) < 0 &&
		    db.kind != BERTH_E_NOT_FOUND)
			blog(BLOG_WARN, "bot %s: clearing its recorded IP: %s", op->bot_id, db.msg);
		botctr_record_error(op, "network setup failed", err);
		return -1;
	}
	if (store_container_mark_running(op->env->store, op->bot_id, ip, &db) < 0)
		return *err = db, berth_err_prefix(err, "record running");
	return 0;
}

int botctr_create(const struct botctr_env *env, const char *bot_id, const char *snapshotter_in,
		  json_t **out, berth_err *err)
{
	return botctr_create_with_policy(env, bot_id, snapshotter_in, NULL, out, err);
}

int botctr_create_with_policy(const struct botctr_env *env, const char *bot_id,
			      const char *snapshotter_in, const char *restart_policy, json_t **out,
			      berth_err *err)
{
	struct botctr_op op;
	struct store_container row;
	const char *snapshotter;
	char ip[64] = "";
	bool built = false, row_found;
	int rc = -1;

	if (botctr_snapshotter_check(snapshotter_in, err) < 0 ||
	    reconcile_policy_check(restart_policy, err) < 0 ||
	    botctr_op_begin(&op, env, bot_id, err) < 0)
		return -1;
	/* An existing container keeps its snapshotter: naming another one cannot move it. */
	row_found = store_container_get(env->store, bot_id, &row, err) == 0;
	if (!row_found && err->kind != BERTH_E_NOT_FOUND)
		goto done;
	snapshotter = row_found && row.snapshotter[0] ? row.snapshotter
						      : botctr_snapshotter(env, snapshotter_in);
	if (botctr_container_ensure(&op, snapshotter, &built, err) < 0) {
		botctr_record_error(&op, "create", err);
		goto done;
	}
	/* The row now says what containerd has (an existing container keeps its image and snapshotter). */
	if (record_container(&op, err) < 0 ||
	    store_container_get(env->store, bot_id, &row, err) < 0)
		goto done;
	if (restart_policy &&
	    store_reconcile_set_policy(env->store, bot_id, restart_policy, err) < 0)
		goto done;
	if (store_container_set_desired(env->store, bot_id, "running", err) < 0)
		goto done;
	if (built)
		botctr_event(
			&op, "create",
			json_pack("{s:s,s:s}", "image", row.image, "snapshotter", row.snapshotter));
	if (run_and_connect(&op, ip, sizeof ip, err) < 0)
		goto done;
	botctr_event(&op, "start", json_pack("{s:s}", "ip", ip));
	*out = json_pack("{s:s,s:s,s:s,s:b,s:s}", "container_id", op.ctr_id, "image", row.image,
			 "snapshotter", row.snapshotter, "started", 1, "ip", ip);
	rc = *out ? 0 : berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
done:
	botctr_record_timeout(&op, "create", rc, err, true);
	botctr_op_end(&op);
	return rc;
}

/* null for "", else the string. */
static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

/* The reconciler's view of the row: restart policy, last exit, backoff, observed_at. */
static int add_reconcile_state(const struct store_reconcile_row *st, json_t *body, berth_err *err)
{
	int rc = 0;

	rc |= json_object_set_new(body, "restart_policy", json_string(st->restart_policy));
	rc |= json_object_set_new(body, "last_exit_code",
				  st->has_exit_code ? json_integer(st->last_exit_code)
						    : json_null());
	rc |= json_object_set_new(body, "last_exit_at", str_or_null(st->last_exit_at));
	rc |= json_object_set_new(body, "oom_killed", json_boolean(st->oom_killed));
	rc |= json_object_set_new(
		body, "next_attempt_at",
		str_or_null(strcmp(st->status, "backoff") == 0 ? st->next_attempt_at : ""));
	rc |= json_object_set_new(body, "observed_at", str_or_null(st->observed_at));
	return rc ? berth_err_set(err, BERTH_E_INTERNAL, "out of memory") : 0;
}

/* No row: a container Berth made for this bot may still exist (row lost); containerd says. */
static int get_without_row(struct botctr_op *op, json_t **out, berth_err *err)
{
	ctd_container *reply = NULL;
	ctd_task_info info;
	const char *task_status = "absent";

	memset(&info, 0, sizeof info);
	if (ctd_task_get(op->env->ctd, op->ctr_id, NULL, &info, err) == 0)
		task_status = ctd_task_status_name(info.status);
	else if (err->kind != BERTH_E_NOT_FOUND)
		return berth_err_prefix(err, "task status");
	if (botctr_container_load(op, &reply, err) < 0) {
		if (err->kind == BERTH_E_NOT_FOUND || err->kind == BERTH_E_PRECONDITION)
			return berth_err_set(err, BERTH_E_NOT_FOUND, "container not found for bot");
		return -1;
	}
	*out = json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:s,s:s}", "container_id", op->ctr_id, "image",
			 reply->image, "status", "unknown", "namespace",
			 ctd_conn_namespace(op->env->ctd), "container_path", "", "task_running",
			 info.status == CTD_TASK_RUNNING, "task_status", task_status, "observed_by",
			 "containerd");
	ctd_container_free(reply);
	return *out ? 0 : berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
}

int botctr_get(const struct botctr_env *env, const char *bot_id, json_t **out, berth_err *err)
{
	struct botctr_op op;
	struct store_observed obs;
	const struct store_container *row = &obs.row;
	const char *task_status, *observed_by;
	bool running;
	json_t *body;

	/* A read: no lock. */
	botctr_op_init(&op, env, bot_id);
	if (store_container_observe(env->store, bot_id, &obs, err) < 0)
		return err->kind == BERTH_E_NOT_FOUND ? get_without_row(&op, out, err) : -1;
	if (obs.trusted) {
		/* The reconciler follows containerd and saw the task as the row says: no need to ask. */
		task_status = obs.task_status;
		running = strcmp(task_status, "running") == 0;
		observed_by = "reconciler";
	} else {
		ctd_task_info info;

		memset(&info, 0, sizeof info);
		task_status = "absent";
		if (ctd_task_get(env->ctd, op.ctr_id, NULL, &info, err) == 0)
			task_status = ctd_task_status_name(info.status);
		else if (err->kind != BERTH_E_NOT_FOUND)
			return berth_err_prefix(err, "task status");
		running = info.status == CTD_TASK_RUNNING;
		observed_by = "containerd";
	}
	body = json_pack(
		"{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s,s:o,s:o,s:i,s:s,s:s,s:o,s:o,s:s}",
		"container_id", row->container_id, "image", row->image, "status", row->status,
		"desired_state", row->desired_state, "namespace", row->namespace_, "node",
		row->node, "snapshotter", row->snapshotter, "container_path", row->container_path,
		"task_running", running, "task_status", task_status, "ip",
		str_or_null(running ? row->ip_address : ""), "last_error",
		str_or_null(row->last_error), "restart_count", row->restart_count, "created_at",
		row->created_at, "updated_at", row->updated_at, "last_started_at",
		str_or_null(row->last_started_at), "last_stopped_at",
		str_or_null(row->last_stopped_at), "observed_by", observed_by);
	if (!body)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	if ((row->host_path[0] &&
	     json_object_set_new(body, "host_path", json_string(row->host_path)) < 0) ||
	    add_reconcile_state(&obs.st, body, err) < 0) {
		json_decref(body);
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	}
	*out = body;
	return 0;
}

/* The bot has a container (row or a container of ours in containerd)? NOT_FOUND if neither.
 * *row_found tells whether the row exists (it is filled then). */
static int find_container(struct botctr_op *op, struct store_container *row, bool *row_found,
			  bool *ctr_found, berth_err *err)
{
	ctd_container *reply = NULL;

	*row_found = *ctr_found = false;
	if (store_container_get(op->env->store, op->bot_id, row, err) == 0)
		*row_found = true;
	else if (err->kind != BERTH_E_NOT_FOUND)
		return -1;
	if (botctr_container_load(op, &reply, err) == 0) {
		*ctr_found = true;
		ctd_container_free(reply);
	} else if (err->kind != BERTH_E_NOT_FOUND) {
		return -1;
	}
	if (!*row_found && !*ctr_found)
		return berth_err_set(err, BERTH_E_NOT_FOUND, "container not found for bot");
	return 0;
}

int botctr_bring_up(struct botctr_op *op, bool set_desired, bool *started, berth_err *err)
{
	const struct botctr_env *env = op->env;
	struct store_container row;
	bool row_found, ctr_found, built = false;
	const char *snapshotter;
	char ip[64] = "";
	uint32_t pid;

	*started = false;
	if (find_container(op, &row, &row_found, &ctr_found, err) < 0)
		return -1;
	snapshotter = botctr_snapshotter(env, row_found ? row.snapshotter : NULL);
	if (!ctr_found)
		blog(BLOG_WARN, "container %s missing in containerd: rebuilding it (data dir kept)",
		     op->ctr_id);
	if (botctr_container_ensure(op, snapshotter, &built, err) < 0) {
		botctr_record_error(op, "rebuild", err);
		return -1;
	}
	if (!row_found && record_container(op, err) < 0)
		return -1;
	if (set_desired && store_container_set_desired(env->store, op->bot_id, "running", err) < 0)
		return -1;
	if (built)
		botctr_event(op, "rebuild", json_pack("{s:s}", "image", env->cfg->bot_image));
	if (run_and_connect(op, ip, sizeof ip, err) < 0)
		return -1;
	if (botctr_task_running_pid(op, &pid, err) < 0)
		return -1;
	*started = pid != 0;
	botctr_event(op, "start", json_pack("{s:s,s:b}", "ip", ip, "started", *started));
	return 0;
}

int botctr_start(const struct botctr_env *env, const char *bot_id, bool *started, berth_err *err)
{
	struct botctr_op op;
	int rc;

	*started = false;
	if (botctr_op_begin(&op, env, bot_id, err) < 0)
		return -1;
	rc = botctr_bring_up(&op, true, started, err);
	botctr_record_timeout(&op, "start", rc, err, true);
	botctr_op_end(&op);
	return rc;
}

int botctr_stop(const struct botctr_env *env, const char *bot_id, berth_err *err)
{
	struct botctr_op op;
	struct store_container row;
	bool row_found, ctr_found;
	uint32_t pid = 0;
	int rc = -1;

	if (botctr_op_begin(&op, env, bot_id, err) < 0)
		return -1;
	if (find_container(&op, &row, &row_found, &ctr_found, err) < 0)
		goto done;
	if (row_found && store_container_set_desired(env->store, bot_id, "stopped", err) < 0)
		goto done;
	if (botctr_task_running_pid(&op, &pid, err) < 0)
		goto done;
	botctr_net_release(&op, pid);
	if (botctr_task_stop(&op, env->cfg->stop_timeout_s, err) < 0) {
		botctr_record_error(&op, "stop", err);
		goto done;
	}
	if (row_found && store_container_mark_stopped(env->store, bot_id, err) < 0)
		goto done;
	botctr_event(&op, "stop", NULL);
	rc = 0;
done:
	botctr_record_timeout(&op, "stop", rc, err, true);
	botctr_op_end(&op);
	return rc;
}

/* Removes the snapshots Berth made for the bot, in containerd and their rows. Newest first: a
 * snapshot taken after a rollback is the child of the one rolled back to, and containerd refuses to
 * remove a parent before its children. A snapshot that cannot be removed keeps its row (so it stays
 * visible) and is logged; it does not fail the delete. *removed counts the rows deleted. */
static int remove_bot_snapshots(struct botctr_op *op, int *removed, berth_err *err)
{
	struct store_snapshot_list snaps = { NULL, 0 };

	*removed = 0;
	if (store_snapshot_list(op->env->store, op->bot_id, &snaps, err) < 0)
		return berth_err_prefix(err, "list snapshots");
	for (size_t i = snaps.count; i-- > 0;) {
		const struct store_snapshot *s = &snaps.items[i];
		berth_err e;
		bool deleted = false;

		if (ctd_snapshot_remove(op->env->ctd, s->snapshotter, s->runtime_snapshot_name,
					&e) < 0 &&
		    e.kind != BERTH_E_NOT_FOUND) {
			blog(BLOG_WARN, "bot %s: removing snapshot %s: %s (kept)", op->bot_id,
			     s->name, e.msg);
			continue;
		}
		if (store_snapshot_delete(op->env->store, op->bot_id, s->name, &deleted, &e) < 0) {
			blog(BLOG_WARN, "bot %s: deleting the row of snapshot %s: %s", op->bot_id,
			     s->name, e.msg);
			continue;
		}
		if (deleted)
			(*removed)++;
	}
	store_snapshot_list_free(&snaps);
	return 0;
}

int botctr_delete(const struct botctr_env *env, const char *bot_id, bool purge_snapshots,
		  bool *existed, berth_err *err)
{
	struct botctr_op op;
	ctd_container *reply = NULL;
	bool row_deleted = false;
	uint32_t pid = 0;
	int snaps_removed = 0, rc = -1;

	*existed = false;
	if (botctr_op_begin(&op, env, bot_id, err) < 0)
		return -1;
	if (botctr_container_load(&op, &reply, err) < 0) {
		if (err->kind == BERTH_E_PRECONDITION)
			goto done; /* not ours: never touch it */
		if (err->kind != BERTH_E_NOT_FOUND)
			goto done;
		reply = NULL;
	}
	/* From here a failure leaves a bot that must not come back by itself. */
	if (store_container_set_desired(env->store, bot_id, "stopped", err) < 0 &&
	    err->kind != BERTH_E_NOT_FOUND)
		goto done;
	if (botctr_task_running_pid(&op, &pid, err) < 0)
		goto done;
	botctr_net_release(&op, pid);
	if (reply) {
		*existed = true;
		if (botctr_task_stop(&op, env->cfg->stop_timeout_s, err) < 0)
			goto fail_recorded;
		/* The container first: a container whose snapshot is gone could not run again. */
		if (ctd_container_delete(env->ctd, op.ctr_id, err) < 0 &&
		    err->kind != BERTH_E_NOT_FOUND) {
			botctr_fault(err);
			berth_err_prefix(err, "delete container");
			goto fail_recorded;
		}
		if (ctd_snapshot_remove(env->ctd, reply->snapshotter, reply->snapshot_key, err) <
			    0 &&
		    err->kind != BERTH_E_NOT_FOUND) {
			botctr_fault(err);
			berth_err_prefix(err, "remove rootfs snapshot");
			goto fail_recorded;
		}
	} else {
		/* No container, but its rootfs snapshot may have outlived it (a lost container record, a
		 * rollback stopped half-way): a delete takes it too, and it may hold a snapshot's child. */
		struct store_container row;
		berth_err e;
		const char *snapshotter = botctr_snapshotter(
			env, store_container_get(env->store, bot_id, &row, &e) == 0
				     ? row.snapshotter
				     : NULL);
		if (ctd_snapshot_remove(env->ctd, snapshotter, op.ctr_id, &e) == 0)
			*existed = true;
		else if (e.kind != BERTH_E_NOT_FOUND)
			blog(BLOG_WARN, "container %s: removing its leftover rootfs snapshot: %s",
			     op.ctr_id, e.msg);
	}
	/* The snapshots belong to the bot, not to this container: kept (committed, each a GC root of
	 * its own), a container created again can be rolled back to them. */
	if (purge_snapshots && remove_bot_snapshots(&op, &snaps_removed, err) < 0)
		goto fail_recorded;
	if (store_container_delete(env->store, bot_id, &row_deleted, err) < 0)
		goto fail_recorded;
	if (row_deleted || snaps_removed > 0)
		*existed = true;
	if (*existed)
		botctr_event(&op, "delete", NULL);
	rc = 0;
	goto done;
fail_recorded:
	botctr_record_error(&op, "delete", err);
done:
	ctd_container_free(reply);
	botctr_op_end(&op);
	return rc;
}
