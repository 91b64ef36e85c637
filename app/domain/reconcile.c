/* reconcile.c: one reconcile pass over one bot, and the relist of a node (include/berth/reconcile.h). */
#include "botctr_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "berth/botctr_lifecycle.h"
#include "berth/ctd_containers.h"
#include "berth/ctd_tasks.h"
#include "berth/log.h"
#include "berth/reconcile.h"
#include "berth/store_containers.h"
#include "berth/store_events.h"
#include "berth/store_reconcile.h"
#include "berth/uuid.h"

/* When the reconciler first reported a container as an orphan (UNIX seconds). Berth's own label:
 * never one of containerd's (containerd.io/restart.* would make containerd a second controller). */
#define RECONCILE_LABEL_ORPHAN "berth.orphan-since"
/* A containerd filter that matches every container carrying Berth's bot label. */
#define FILTER_OURS "labels.\"" BOTCTR_LABEL_BOT "\""

enum policy_kind { POLICY_ALWAYS, POLICY_NEVER, POLICY_ON_FAILURE };

struct policy {
	enum policy_kind kind;
	int max_restarts; /* on-failure:N; 0 = no bound */
};

static int policy_parse(const char *text, struct policy *out)
{
	const char *p;
	int n = 0;

	out->max_restarts = 0;
	if (strcmp(text, "always") == 0) {
		out->kind = POLICY_ALWAYS;
		return 0;
	}
	if (strcmp(text, "never") == 0) {
		out->kind = POLICY_NEVER;
		return 0;
	}
	if (strncmp(text, "on-failure", 10) != 0)
		return -1;
	out->kind = POLICY_ON_FAILURE;
	p = text + 10;
	if (*p == '\0')
		return 0;
	if (*p++ != ':' || *p < '1' || *p > '9')
		return -1;
	for (int digits = 0; *p; p++, digits++) {
		if (*p < '0' || *p > '9' || digits == 4)
			return -1;
		n = n * 10 + (*p - '0');
	}
	out->max_restarts = n;
	return 0;
}

int reconcile_policy_check(const char *policy, berth_err *err)
{
	struct policy parsed;

	if (!policy || policy_parse(policy, &parsed) == 0)
		return 0;
	return berth_err_setc(
		err, BERTH_E_INVALID, BERTH_EC_INVALID_RESTART_POLICY,
		"restart_policy must be always, never, on-failure or on-failure:N (N 1..9999)");
}

bool reconcile_bot_of_container(const char *container_id, char out[STORE_ID_SIZE])
{
	if (strncmp(container_id, "mcp-", 4) != 0 ||
	    strlen(container_id + 4) != STORE_ID_SIZE - 1 ||
	    !berth_uuid_is_canonical(container_id + 4))
		return false;
	memcpy(out, container_id + 4, STORE_ID_SIZE);
	return true;
}

/* The delay before restart number `restarts` + 1 of a streak: initial, doubled each time, capped. */
static long long backoff_delay_ms(const struct berth_config *cfg, int restarts)
{
	long long delay = cfg->reconcile_backoff_initial_ms;

	for (int i = 0; i < restarts && delay < cfg->reconcile_backoff_max_ms; i++)
		delay *= 2;
	return delay < cfg->reconcile_backoff_max_ms ? delay : cfg->reconcile_backoff_max_ms;
}

/* Whether the policy restarts after this exit (exit_code < 0: unknown, counted as a failure). */
static bool policy_restarts(const struct store_reconcile_row *row, int exit_code)
{
	struct policy p;

	if (policy_parse(row->restart_policy, &p) < 0) {
		blog(BLOG_WARN, "bot %s: unknown restart policy '%s', treated as always",
		     row->bot_id, row->restart_policy);
		return true;
	}
	switch (p.kind) {
	case POLICY_NEVER: return false;
	case POLICY_ON_FAILURE:
		return exit_code != 0 &&
		       (p.max_restarts == 0 || row->backoff_restarts < p.max_restarts);
	case POLICY_ALWAYS: break;
	}
	return true;
}

/* No running task: records what containerd has (a stopped task, none, or something else: unknown)
 * as observed now, so that reads can trust the row (berth/store_observed.h). */
static int observe_idle(struct botctr_op *op, berth_err *err)
{
	ctd_task_info info;
	const char *task = "absent";

	if (ctd_task_get(op->env->ctd, op->ctr_id, NULL, &info, err) == 0)
		task = info.status == CTD_TASK_STOPPED ? "stopped" : NULL;
	else if (err->kind != BERTH_E_NOT_FOUND)
		return -1;
	return store_reconcile_observed(op->env->store, op->bot_id, task, err);
}

/* desired stopped: no task, no network, row stopped. */
static int converge_stopped(struct botctr_op *op, const struct store_reconcile_row *row,
			    enum reconcile_action *acted, berth_err *err)
{
	uint32_t pid = 0;
	ctd_task_info info;
	bool has_task;

	if (botctr_task_running_pid(op, &pid, err) < 0)
		return -1;
	has_task = pid != 0 || ctd_task_get(op->env->ctd, op->ctr_id, NULL, &info, err) == 0;
	if (!has_task && err->kind != BERTH_E_NOT_FOUND)
		return -1;
	if (!has_task && strcmp(row->status, "stopped") == 0)
		return store_reconcile_observed(op->env->store, op->bot_id, "absent", err);
	botctr_net_release(op, pid);
	*acted = RECONCILE_ACTED_STOP;
	if (botctr_task_stop(op, op->env->cfg->stop_timeout_s, err) < 0) {
		botctr_record_error(op, "stop", err);
		return -1;
	}
	if (store_container_mark_stopped(op->env->store, op->bot_id, err) < 0 ||
	    store_reconcile_observed(op->env->store, op->bot_id, "absent", err) < 0)
		return -1;
	blog(BLOG_INFO, "bot %s: stopped (desired stopped, was %s)", op->bot_id, row->status);
	botctr_event(op, "stop", json_pack("{s:s}", "by", "reconciler"));
	return 0;
}

/* desired running and the task runs: adopt it; re-apply the network when lost. *exited: the task
 * ended meanwhile (its network is gone with it): nothing recorded, the caller handles the exit. */
static int adopt(struct botctr_op *op, const struct store_reconcile_row *row, uint32_t pid,
		 bool *exited, enum reconcile_action *acted, berth_err *err)
{
	char ip[64] = "";
	uint32_t still = 0;
	berth_err again;

	*exited = false;
	if (botctr_net_verify(op, pid, RECONCILE_NET_FULL_CHECK_S, ip, sizeof ip, err) < 0) {
		if (botctr_task_running_pid(op, &still, &again) == 0 && still != pid) {
			*exited = true;
			return 0;
		}
		botctr_record_error(op, "network check failed", err);
		return -1;
	}
	if (strcmp(row->status, "running") != 0 || strcmp(row->ip_address, ip) != 0) {
		if (store_container_mark_running(op->env->store, op->bot_id, ip, err) < 0)
			return -1;
		*acted = RECONCILE_ACTED_ADOPT;
		blog(BLOG_INFO, "bot %s: task %u adopted (row said %s, ip %s)", op->bot_id, pid,
		     row->status, ip);
		botctr_event(
			op, "adopt",
			json_pack("{s:s,s:i,s:s}", "was", row->status, "pid", (int)pid, "ip", ip));
	}
	if (row->backoff_restarts > 0 &&
	    row->running_for_ms >= (long long)op->env->cfg->reconcile_backoff_reset_s * 1000 &&
	    store_reconcile_reset_backoff(op->env->store, op->bot_id, err) < 0)
		return -1;
	return store_reconcile_observed(op->env->store, op->bot_id, "running", err);
}

/* A restart attempt, as botctr_start does it (desired state untouched). */
static int restart(struct botctr_op *op, const struct store_reconcile_row *row,
		   long long *retry_in_ms, enum reconcile_action *acted, berth_err *err)
{
	bool started = false;
	berth_err db;

	if (store_reconcile_count_attempt(op->env->store, op->bot_id, err) < 0)
		return -1;
	if (botctr_bring_up(op, false, &started, err) == 0) {
		if (started) {
			*acted = RECONCILE_ACTED_RESTART;
			blog(BLOG_INFO, "bot %s: restarted (restart %d)", op->bot_id,
			     row->restart_count + 1);
			botctr_event(op, "restart",
				     json_pack("{s:i}", "restart_count", row->restart_count + 1));
			return store_reconcile_observed(op->env->store, op->bot_id, "running", err);
		}
		berth_err_set(err, BERTH_E_INTERNAL, "the task exited at once");
	}
	/* Failed, or the task died at once: wait longer before the next attempt. */
	*retry_in_ms = backoff_delay_ms(op->env->cfg, row->backoff_restarts + 1);
	if (store_reconcile_mark_backoff(op->env->store, op->bot_id, NULL, *retry_in_ms, &db) < 0) {
		*err = db;
		return -1;
	}
	blog(BLOG_WARN, "bot %s: restart failed: %s; next attempt in %lld ms", op->bot_id, err->msg,
	     *retry_in_ms);
	botctr_event(op, "restart_failed",
		     json_pack("{s:i,s:I}", "restart_count", row->restart_count + 1, "backoff_ms",
			       (json_int_t)*retry_in_ms));
	return 0;
}

/* desired running, no running task. */
static int converge_exited(struct botctr_op *op, const struct store_reconcile_row *row,
			   long long *retry_in_ms, enum reconcile_action *acted, berth_err *err)
{
	struct store_exit exit = { .exit_code = -1, .task_status = NULL };
	ctd_task_info info;
	int restarts = row->backoff_restarts;

	if (strcmp(row->status, "stopped") == 0)
		return observe_idle(
			op,
			err); /* the restart policy gave up, or nothing ever ran it: a user starts it */
	if (strcmp(row->status, "backoff") == 0) {
		if (row->next_attempt_in_ms > 0) {
			*retry_in_ms = row->next_attempt_in_ms;
			return observe_idle(op, err);
		}
		return restart(op, row, retry_in_ms, acted, err);
	}
	/* running, created or error: the task ended since the last look (or an operation failed). */
	if (ctd_task_get(op->env->ctd, op->ctr_id, NULL, &info, err) == 0) {
		if (info.status == CTD_TASK_STOPPED) {
			exit.exit_code = (int)info.exit_status;
			exit.task_status = "stopped";
		}
	} else if (err->kind != BERTH_E_NOT_FOUND) {
		return -1;
	} else {
		exit.task_status = "absent";
	}
	if (!policy_restarts(row, exit.exit_code)) {
		if (store_reconcile_mark_exited(op->env->store, op->bot_id, &exit, err) < 0)
			return -1;
		botctr_net_release(op, 0);
		blog(BLOG_INFO, "bot %s: task exited (code %d); restart policy %s: left stopped",
		     op->bot_id, exit.exit_code, row->restart_policy);
		botctr_event(op, "exit",
			     json_pack("{s:i,s:s,s:b}", "exit_code", exit.exit_code,
				       "restart_policy", row->restart_policy, "restart", 0));
		return 0;
	}
	if (row->running_for_ms >= (long long)op->env->cfg->reconcile_backoff_reset_s * 1000)
		restarts = 0; /* it ran long enough: the backoff starts over */
	if (restarts != row->backoff_restarts &&
	    store_reconcile_reset_backoff(op->env->store, op->bot_id, err) < 0)
		return -1;
	*retry_in_ms = backoff_delay_ms(op->env->cfg, restarts);
	if (store_reconcile_mark_backoff(op->env->store, op->bot_id, &exit, *retry_in_ms, err) < 0)
		return -1;
	botctr_net_release(op, 0);
	blog(BLOG_INFO, "bot %s: task exited (code %d, was %s); restart in %lld ms", op->bot_id,
	     exit.exit_code, row->status, *retry_in_ms);
	botctr_event(op, "exit",
		     json_pack("{s:i,s:s,s:b,s:I}", "exit_code", exit.exit_code, "restart_policy",
			       row->restart_policy, "restart", 1, "backoff_ms",
			       (json_int_t)*retry_in_ms));
	return 0;
}

/* No row: a container of ours is an orphan. Reported once (the label below records when), removed
 * once the configured grace has passed since then. */
static int converge_orphan(struct botctr_op *op, enum reconcile_action *acted, berth_err *err)
{
	ctd_container *ctr = NULL;
	const char *reported;
	long long now = (long long)time(NULL), since;
	int remove_after_s = op->env->cfg->reconcile_orphan_remove_after_s;
	bool existed = false;
	berth_err ev;

	if (botctr_container_load(op, &ctr, err) < 0)
		return err->kind == BERTH_E_NOT_FOUND || err->kind == BERTH_E_PRECONDITION ? 0 : -1;
	reported = ctd_label_get(ctr->labels, ctr->n_labels, RECONCILE_LABEL_ORPHAN);
	since = reported ? strtoll(reported, NULL, 10) : now;
	ctd_container_free(ctr);
	if (!reported) {
		char value[24];
		ctd_label label = { RECONCILE_LABEL_ORPHAN, value };

		snprintf(value, sizeof value, "%lld", now);
		if (ctd_container_update_labels(op->env->ctd, op->ctr_id, &label, 1, err) < 0)
			return botctr_fault(err), berth_err_prefix(err, "label orphan");
		*acted = RECONCILE_ACTED_ORPHAN;
		blog(BLOG_WARN, "container %s: orphan (Berth's label, no database row)%s",
		     op->ctr_id,
		     remove_after_s > 0 ? ""
					: "; left alone ([reconcile] orphan_remove_after_s = 0)");
		if (store_event_add(op->env->store, op->bot_id, op->ctr_id, "orphan", NULL, &ev) <
			    0 &&
		    ev.kind != BERTH_E_NOT_FOUND)
			blog(BLOG_WARN, "recording event orphan: %s", ev.msg);
	}
	if (remove_after_s <= 0 || now - since < remove_after_s)
		return 0;
	/* Nested under this pass's lock: the same session takes it again. */
	if (botctr_delete(op->env, op->bot_id, false, &existed, err) < 0)
		return berth_err_prefix(err, "remove orphan");
	*acted = RECONCILE_ACTED_ORPHAN;
	blog(BLOG_WARN, "container %s: orphan removed, %lld s after it was first reported",
	     op->ctr_id, now - since);
	return 0;
}

int reconcile_bot(const struct botctr_env *env, const char *bot_id, long long *retry_in_ms,
		  enum reconcile_action *acted, berth_err *err)
{
	struct botctr_op op;
	struct store_reconcile_row row;
	uint32_t pid = 0;
	int rc = -1;

	*retry_in_ms = -1;
	*acted = RECONCILE_ACTED_NONE;
	if (botctr_op_begin_wait(&op, env, bot_id, RECONCILE_LOCK_WAIT_MS, err) < 0) {
		if (!berth_err_is(err, BERTH_EC_BUSY))
			return -1;
		*retry_in_ms = RECONCILE_BUSY_RETRY_MS;
		return 0;
	}
	if (store_reconcile_get(env->store, bot_id, &row, err) < 0) {
		if (err->kind == BERTH_E_NOT_FOUND)
			rc = converge_orphan(&op, acted, err);
		goto done;
	}
	if (strcmp(row.desired_state, "running") != 0) {
		rc = converge_stopped(&op, &row, acted, err);
		goto done;
	}
	if (botctr_task_running_pid(&op, &pid, err) < 0)
		goto done;
	if (pid) {
		bool exited = false;

		rc = adopt(&op, &row, pid, &exited, acted, err);
		if (rc < 0 || !exited)
			goto done;
	}
	rc = converge_exited(&op, &row, retry_in_ms, acted, err);
done:
	botctr_op_end(&op);
	return rc;
}

int reconcile_record_oom(const struct botctr_env *env, const char *bot_id, berth_err *err)
{
	struct botctr_op op;

	if (store_reconcile_mark_oom(env->store, bot_id, err) < 0)
		return err->kind == BERTH_E_NOT_FOUND ? 0 : -1;
	botctr_op_init(&op, env, bot_id);
	blog(BLOG_WARN, "bot %s: OOM kill in its container", bot_id);
	botctr_event(&op, "oom", NULL);
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int reconcile_relist(const struct botctr_env *env, reconcile_bot_fn fn, void *ud, berth_err *err)
{
	struct store_reconcile_list rows = { NULL, 0 };
	ctd_containers *ctrs = NULL;
	const char *filters[] = { FILTER_OURS };
	const char **ids = NULL;
	int rc = -1;

	if (store_reconcile_list(env->store, env->cfg->node, &rows, err) < 0)
		return berth_err_prefix(err, "relist");
	if (ctd_container_list(env->ctd, filters, 1, &ctrs, err) < 0) {
		berth_err_prefix(err, "relist");
		goto done;
	}
	/* The rows' ids sorted: each container is matched in O(log n), the relist stays linear. */
	if (rows.count > 0 && !(ids = malloc(rows.count * sizeof *ids))) {
		berth_err_set(err, BERTH_E_INTERNAL, "relist: out of memory");
		goto done;
	}
	for (size_t i = 0; i < rows.count; i++) {
		ids[i] = rows.items[i].bot_id;
		fn(rows.items[i].bot_id, ud);
	}
	if (rows.count > 0)
		qsort(ids, rows.count, sizeof *ids, cmp_id);
	for (size_t i = 0; i < ctrs->n; i++) {
		char bot_id[STORE_ID_SIZE];
		const char *key = bot_id;

		if (!reconcile_bot_of_container(ctrs->items[i].id, bot_id))
			continue;
		if (rows.count == 0 || !bsearch(&key, ids, rows.count, sizeof *ids, cmp_id))
			fn(bot_id, ud);
	}
	rc = 0;
done:
	free(ids);
	ctd_containers_free(ctrs);
	store_reconcile_list_free(&rows);
	return rc;
}
