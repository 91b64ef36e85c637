/* botctr_limits_ops.c: reading and changing a bot's resource limits, live and in the container
 * record's spec (include/berth/botctr_limits.h), and keeping a new task's spec in step with
 * them. */
#include "botctr_internal.h"

#include <stdlib.h>
#include <string.h>

#include "berth/botctr_limits.h"
#include "berth/ctd_resources.h"
#include "berth/log.h"
#include "berth/store_containers.h"
#include "berth/store_limits.h"

static int effective(const struct botctr_env *env, const char *bot_id, struct store_limits *stored,
		     struct botctr_limits *eff, berth_err *err)
{
	if (store_limits_get(env->store, bot_id, stored, err) < 0)
		return berth_err_prefix(err, "read limits");
	botctr_limits_effective(env->cfg, stored, eff);
	return 0;
}

int botctr_limits_get(const struct botctr_env *env, const char *bot_id, struct botctr_limits *out,
		      json_t **json, berth_err *err)
{
	struct store_limits stored;

	if (effective(env, bot_id, &stored, out, err) < 0)
		return -1;
	if (json && !(*json = botctr_limits_json(out, &stored)))
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	return 0;
}

/* Writes eff into the container record's spec when it differs. No container: nothing to do. */
static int spec_sync(struct botctr_op *op, const struct botctr_limits *eff, berth_err *err)
{
	char *text = NULL, *updated = NULL;
	json_t *spec = NULL;
	json_error_t jerr;
	bool changed = false;
	int rc = -1;

	if (ctd_container_spec(op->env->ctd, op->ctr_id, &text, err) < 0) {
		if (err->kind == BERTH_E_NOT_FOUND)
			return 0;
		return berth_err_prefix(err, "container spec");
	}
	if (!(spec = json_loads(text, 0, &jerr))) {
		berth_err_set(err, BERTH_E_INTERNAL, "container %s: its spec is not JSON: %s",
			      op->ctr_id, jerr.text);
		goto fail;
	}
	if (botctr_limits_spec_apply(spec, eff, &changed, err) < 0)
		goto fail;
	if (changed) {
		if (!(updated = json_dumps(spec, JSON_COMPACT))) {
			berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
			goto fail;
		}
		if (ctd_container_update_spec(op->env->ctd, op->ctr_id, updated, err) < 0) {
			berth_err_prefix(err, "container spec");
			goto fail;
		}
		blog(BLOG_INFO, "container %s: spec updated to the bot's limits", op->ctr_id);
	}
	rc = 0;
fail:
	free(updated);
	json_decref(spec);
	free(text);
	return rc;
}

int botctr_limits_sync(struct botctr_op *op, berth_err *err)
{
	struct store_limits stored;
	struct botctr_limits eff;

	if (effective(op->env, op->bot_id, &stored, &eff, err) < 0)
		return -1;
	return spec_sync(op, &eff, err);
}

/* Tasks.Update of the running task with eff. */
static int apply_live(struct botctr_op *op, const struct botctr_limits *eff, berth_err *err)
{
	json_t *res = botctr_limits_resources(eff);
	char *text = res ? json_dumps(res, JSON_COMPACT) : NULL;
	int rc;

	json_decref(res);
	if (!text)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	rc = ctd_task_update_resources(op->env->ctd, op->ctr_id, text, err);
	free(text);
	return rc;
}

/* containerd/runc refused a value the bounds allow: the running task's state (e.g. its memory use
 * above the new limit) forbids it, which is the caller's 409, not a server fault. */
static void refused(struct botctr_op *op, berth_err *err)
{
	if (err->kind != BERTH_E_INTERNAL)
		return;
	blog(BLOG_WARN, "container %s: the task refused the new limits: %s", op->ctr_id, err->msg);
	berth_err_setc(err, BERTH_E_PRECONDITION, BERTH_EC_INVALID_LIMITS,
		       "the running container refused the new limits (e.g. a memory limit below "
		       "its current usage); nothing was changed");
}

/* The bot has a container: a row, or one of ours in containerd. */
static int has_container(struct botctr_op *op, bool *found, berth_err *err)
{
	struct store_container row;
	ctd_container *reply = NULL;

	*found = false;
	if (store_container_get(op->env->store, op->bot_id, &row, err) == 0) {
		*found = true;
		return 0;
	}
	if (err->kind != BERTH_E_NOT_FOUND)
		return -1;
	if (botctr_container_load(op, &reply, err) == 0) {
		*found = true;
		ctd_container_free(reply);
		return 0;
	}
	return err->kind == BERTH_E_NOT_FOUND ? 0 : -1;
}

int botctr_limits_update(const struct botctr_env *env, const char *bot_id,
			 const struct botctr_limits_patch *patch, bool need_container, json_t **out,
			 berth_err *err)
{
	struct botctr_op op;
	struct store_limits old, now;
	struct botctr_limits eff_old, eff_new;
	bool found, live = false;
	uint32_t pid = 0;
	berth_err undo;
	json_t *limits;
	int rc = -1;

	if (out)
		*out = NULL;
	if (botctr_op_begin(&op, env, bot_id, err) < 0)
		return -1;
	if (has_container(&op, &found, err) < 0)
		goto done;
	if (need_container && !found) {
		berth_err_set(err, BERTH_E_NOT_FOUND, "container not found for bot");
		goto done;
	}
	if (effective(env, bot_id, &old, &eff_old, err) < 0)
		goto done;
	now = old;
	botctr_limits_merge(&now, patch);
	botctr_limits_effective(env->cfg, &now, &eff_new);
	if (store_limits_put(env->store, bot_id, &now, err) < 0) {
		berth_err_prefix(err, "store limits");
		goto done;
	}
	if (found) {
		if (botctr_task_running_pid(&op, &pid, err) < 0) {
			botctr_fault(err);
			goto restore;
		}
		if (pid && apply_live(&op, &eff_new, err) < 0) {
			refused(&op, err);
			goto restore;
		}
		live = pid != 0;
		if (spec_sync(&op, &eff_new, err) < 0) {
			botctr_fault(err);
			if (live && apply_live(&op, &eff_old, &undo) < 0)
				blog(BLOG_WARN, "container %s: restoring the old limits: %s",
				     op.ctr_id, undo.msg);
			goto restore;
		}
	}
	if (!(limits = botctr_limits_json(&eff_new, &now))) {
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		goto done;
	}
	botctr_event(&op, "limits", json_pack("{s:O,s:b}", "limits", limits, "applied_live", live));
	blog(BLOG_INFO, "container %s: limits changed (live: %s)", op.ctr_id, live ? "yes" : "no");
	if (out && !(*out = json_pack("{s:o,s:b}", "limits", limits, "applied_live", live))) {
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		goto done;
	}
	if (!out)
		json_decref(limits);
	rc = 0;
	goto done;
restore:
	if (store_limits_put(env->store, bot_id, &old, &undo) < 0)
		blog(BLOG_ERROR, "bot %s: restoring the stored limits after a failed change: %s",
		     bot_id, undo.msg);
done:
	botctr_op_end(&op);
	return rc;
}
