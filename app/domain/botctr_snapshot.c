/* botctr_snapshot.c: snapshots of a bot container's root filesystem, and rollback to one.
 *
 * Taking a snapshot never touches the running task: committing the container's active snapshot
 * would consume its key and break every later start (the original's defect, reference §3.6).
 * Instead the changes of the live snapshot against its parent are computed by containerd's differ
 * (which mounts the live snapshot read-only), applied onto a fresh snapshot of the same parent, and
 * that one is committed under a name of the bot's own. */
#include "botctr_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "berth/botctr_op.h"
#include "berth/botctr_snapshot.h"
#include "berth/botdir.h"
#include "berth/ctd_conn.h"
#include "berth/ctd_containers.h"
#include "berth/ctd_content.h"
#include "berth/ctd_diff.h"
#include "berth/ctd_snapshots.h"
#include "berth/ctd_types.h"
#include "berth/image_json.h"
#include "berth/image_resolve.h"
#include "berth/log.h"
#include "berth/store_conn.h"
#include "berth/store_containers.h"
#include "berth/store_snapshots.h"
#include "berth/uuid.h"

#define SNAP_NAME_MAX 128

/* Names: [A-Za-z0-9][A-Za-z0-9._-]*, at most SNAP_NAME_MAX bytes. */
static int snapshot_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > SNAP_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return 0;
	}
	return 1;
}

static void runtime_name(const char *bot_id, const char *name, char *out, size_t cap)
{
	snprintf(out, cap, "berth/%s/%s", bot_id, name);
}

/* The Berth name of a committed snapshot of this bot, "" when it is not one (an image layer). */
static void berth_name_of(struct botctr_op *op, const char *snapshotter, const char *runtime,
			  char *out, size_t cap)
{
	struct store_snapshot snap;
	berth_err err;

	out[0] = '\0';
	if (runtime[0] &&
	    store_snapshot_get_by_runtime_name(op->env->store, snapshotter, runtime, &snap, &err) ==
		    0 &&
	    strcmp(snap.bot_id, op->bot_id) == 0)
		snprintf(out, cap, "%s", snap.name);
}

/* Diff of the live snapshot `key` against `parent`, applied and committed as `runtime`. */
static int commit_copy(struct botctr_op *op, const char *snapshotter, const char *key,
		       const char *parent, const char *runtime, const char *name, berth_err *err)
{
	ctd_conn *ctd = op->env->ctd;
	ctd_mounts lower = { 0, NULL, NULL }, upper = { 0, NULL, NULL }, work = { 0, NULL, NULL };
	ctd_blob *diff = NULL;
	char view_key[160], work_key[160], applied[80], stamp[40];
	bool have_view = false, have_work = false;
	berth_err cleanup;
	int rc = -1;

	botctr_unique(view_key, sizeof view_key, "berth-view");
	botctr_unique(work_key, sizeof work_key, "berth-snap");
	if (ctd_snapshot_view(ctd, snapshotter, view_key, parent, NULL, 0, &lower, err) < 0) {
		berth_err_prefix(err, "view of the parent");
		goto fail;
	}
	have_view = true;
	if (ctd_snapshot_mounts(ctd, snapshotter, key, &upper, err) < 0) {
		berth_err_prefix(err, "mounts of the live snapshot");
		goto fail;
	}
	if (ctd_diff_diff(ctd, &lower, &upper, NULL, NULL, NULL, 0, &diff, err) < 0) {
		berth_err_prefix(err, "diff");
		goto fail;
	}
	if (ctd_snapshot_prepare(ctd, snapshotter, work_key, parent, NULL, 0, &work, err) < 0) {
		berth_err_prefix(err, "prepare");
		goto fail;
	}
	have_work = true;
	{
		if (ctd_diff_apply(ctd, &diff->desc, &work, applied, sizeof applied, err) < 0) {
			berth_err_prefix(err, "apply");
			goto fail;
		}
	}
	{
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	{
		/* gc.root keeps the snapshot although no container or image refers to it. */
		const ctd_label labels[] = {
			{ BOTCTR_LABEL_SNAP_BOT, op->bot_id },
			{ BOTCTR_LABEL_SNAP_NAME, name },
			{ "containerd.io/gc.root", stamp },
		};
		if (ctd_snapshot_commit(ctd, snapshotter, runtime, work_key, labels, 3, err) < 0) {
			berth_err_prefix(err, "commit");
			goto fail;
		}
	}
	have_work = false; /* the commit consumed it */
	rc = 0;
fail:
	if (have_work && ctd_snapshot_remove(ctd, snapshotter, work_key, &cleanup) < 0)
		blog(BLOG_WARN, "removing %s: %s", work_key, cleanup.msg);
	if (have_view && ctd_snapshot_remove(ctd, snapshotter, view_key, &cleanup) < 0)
		blog(BLOG_WARN, "removing %s: %s", view_key, cleanup.msg);
	/* The layer blob is only a vehicle; without a reference the lease's end frees it anyway. */
	if (diff && ctd_content_delete(ctd, diff->desc.digest, &cleanup) < 0 &&
	    cleanup.kind != BERTH_E_NOT_FOUND)
		blog(BLOG_DEBUG, "deleting diff blob %s: %s", diff->desc.digest, cleanup.msg);
	ctd_blob_free(diff);
	ctd_mounts_free(&work);
	ctd_mounts_free(&upper);
	ctd_mounts_free(&lower);
	return rc;
}

/* "mcp-<uuid>-<YYYYMMDDhhmmss><mmm>-<6 hex>": the original's prefix, then milliseconds and a random
 * suffix, so that two unnamed snapshots in one second (or one millisecond) do not collide. */
static void default_name(const char *bot_id, char *out, size_t cap)
{
	struct timespec now;
	struct tm tm;
	char stamp[16], random[BERTH_UUID_LEN + 1];

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tm);
	berth_uuid_generate(random); /* version 4: its first 6 hex digits are random */
	snprintf(out, cap, "mcp-%s-%s%03ld-%.6s", bot_id, stamp, now.tv_nsec / 1000000L, random);
}

int botctr_snapshot_create(const struct botctr_env *env, const char *bot_id, const char *name_in,
			   json_t **out, berth_err *err)
{
	struct botctr_op op;
	struct store_container row;
	struct store_snapshot existing, made;
	ctd_container *reply = NULL;
	ctd_snapshot_info *stat = NULL;
	char name[SNAP_NAME_MAX + 64], runtime[STORE_CTR_ID_SIZE], parent_name[STORE_NAME_SIZE];
	char lease[96];
	const char *snapshotter, *key, *parent;
	bool leased = false;
	int rc = -1;

	if (name_in && *name_in) {
		if (!snapshot_name_valid(name_in))
			return berth_err_set(
				err, BERTH_E_INVALID,
				"invalid snapshot name: use 1 to %d letters, digits, '.', '_' or '-', "
				"starting with a letter or digit",
				SNAP_NAME_MAX);
		snprintf(name, sizeof name, "%s", name_in);
	} else {
		default_name(bot_id, name, sizeof name);
	}
	if (botctr_op_begin(&op, env, bot_id, err) < 0)
		return -1;
	if (store_container_get(env->store, bot_id, &row, err) < 0) {
		if (err->kind == BERTH_E_NOT_FOUND)
			berth_err_set(err, BERTH_E_NOT_FOUND, "container not found for bot");
		goto done;
	}
	if (botctr_container_load(&op, &reply, err) < 0) {
		if (err->kind == BERTH_E_NOT_FOUND)
			berth_err_set(err, BERTH_E_NOT_FOUND, "container not found");
		goto done;
	}
	if (store_snapshot_get(env->store, bot_id, name, &existing, err) == 0) {
		berth_err_set(err, BERTH_E_ALREADY_EXISTS, "snapshot %s already exists", name);
		goto done;
	} else if (err->kind != BERTH_E_NOT_FOUND) {
		goto done;
	}
	snapshotter = reply->snapshotter;
	key = reply->snapshot_key;
	if (ctd_snapshot_stat(env->ctd, snapshotter, key, &stat, err) < 0) {
		botctr_fault(err);
		berth_err_prefix(err, "live snapshot");
		goto done;
	}
	parent = stat->parent;
	runtime_name(bot_id, name, runtime, sizeof runtime);
	/* No row has this name, so a committed snapshot of that name was left by an operation cut off
	 * between commit and record: it is nobody's, and would only block the name. Only its absence
	 * lets the snapshot go on; any other failure is reported. */
	if (ctd_snapshot_remove(env->ctd, snapshotter, runtime, err) == 0) {
		blog(BLOG_WARN, "bot %s: removed unrecorded snapshot %s left by an earlier failure",
		     bot_id, runtime);
	} else if (err->kind == BERTH_E_PRECONDITION) {
		/* containerd keeps it (a container was built on it): the name stays taken. */
		blog(BLOG_WARN, "bot %s: unrecorded snapshot %s cannot be removed: %s", bot_id,
		     runtime, err->msg);
		berth_err_set(err, BERTH_E_ALREADY_EXISTS,
			      "snapshot %s already exists (unrecorded, and in use in containerd)",
			      name);
		goto done;
	} else if (err->kind != BERTH_E_NOT_FOUND) {
		botctr_fault(err);
		berth_err_prefix(err, "removing the unrecorded snapshot %s", runtime);
		goto done;
	}
	if (botctr_lease_begin(&op, lease, sizeof lease, err) < 0) {
		botctr_fault(err);
		goto done;
	}
	leased = true;
	if (commit_copy(&op, snapshotter, key, parent, runtime, name, err) < 0) {
		botctr_fault(err);
		berth_err_prefix(err, "snapshot %s", name);
		goto done;
	}
	berth_name_of(&op, snapshotter, parent, parent_name, sizeof parent_name);
	{
		const struct store_snapshot_new in = {
			.bot_id = bot_id,
			.name = name,
			.container_id = op.ctr_id,
			.parent = parent_name[0] ? parent_name : NULL,
			.snapshotter = snapshotter,
			.runtime_snapshot_name = runtime,
			.source = "manual",
		};
		if (store_snapshot_insert(env->store, &in, &made, err) < 0) {
			berth_err rm;
			if (ctd_snapshot_remove(env->ctd, snapshotter, runtime, &rm) < 0)
				blog(BLOG_WARN, "removing unrecorded snapshot %s: %s", runtime,
				     rm.msg);
			goto done;
		}
	}
	botctr_event(&op, "snapshot_create",
		     json_pack("{s:s,s:s}", "snapshot_name", name, "runtime_name", runtime));
	*out = json_pack("{s:s,s:s,s:s,s:o,s:s}", "container_id", op.ctr_id, "snapshot_name", name,
			 "snapshotter", snapshotter, "parent",
			 parent_name[0] ? json_string(parent_name) : json_null(), "created_at",
			 made.created_at);
	rc = *out ? 0 : berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
done:
	if (leased)
		botctr_lease_end(&op, lease);
	ctd_snapshot_info_free(stat);
	ctd_container_free(reply);
	botctr_record_timeout(&op, "snapshot", rc, err, false);
	botctr_op_end(&op);
	return rc;
}

static const char *kind_name(ctd_snapshot_kind kind)
{
	switch (kind) {
	case CTD_SNAPSHOT_VIEW: return "View";
	case CTD_SNAPSHOT_ACTIVE: return "Active";
	case CTD_SNAPSHOT_COMMITTED: return "Committed";
	default: return "Unknown";
	}
}

static void info_time(ctd_time ts, char *out, size_t cap)
{
	botctr_format_time(ts.seconds, ts.nanos, out, cap);
}

/* One listed snapshot, from containerd's info; name is Berth's name. NEW object. */
static json_t *snapshot_entry(struct botctr_op *op, const char *snapshotter, const char *name,
			      const ctd_snapshot_info *info, const char *source)
{
	char created[48], updated[48], parent[STORE_NAME_SIZE];
	json_t *e;

	info_time(info->created_at, created, sizeof created);
	info_time(info->updated_at, updated, sizeof updated);
	berth_name_of(op, snapshotter, info->parent, parent, sizeof parent);
	e = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "snapshotter", snapshotter, "name", name, "kind",
		      kind_name(info->kind), "created_at", created, "updated_at", updated, "source",
		      source);
	if (e && parent[0])
		json_object_set_new(e, "parent", json_string(parent));
	return e;
}

static int by_created_then_name(const void *a, const void *b)
{
	const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
	int c = strcmp(json_string_value(json_object_get(x, "created_at")),
		       json_string_value(json_object_get(y, "created_at")));
	return c ? c
		 : strcmp(json_string_value(json_object_get(x, "name")),
			  json_string_value(json_object_get(y, "name")));
}

int botctr_snapshot_list(const struct botctr_env *env, const char *bot_id,
			 const char *snapshotter_in, json_t **out, berth_err *err)
{
	struct botctr_op op;
	struct store_container row;
	struct store_snapshot_list snaps = { NULL, 0 };
	ctd_container *reply = NULL;
	const char *snapshotter;
	json_t **items = NULL, *list = NULL;
	size_t n = 0;
	int rc = -1;

	if (botctr_snapshotter_check(snapshotter_in, err) < 0)
		return -1;
	botctr_op_init(&op, env, bot_id);
	if (store_container_get(env->store, bot_id, &row, err) < 0) {
		if (err->kind != BERTH_E_NOT_FOUND)
			return -1;
		row.snapshotter[0] = '\0';
	}
	snapshotter = snapshotter_in && *snapshotter_in ? snapshotter_in
							: botctr_snapshotter(env, row.snapshotter);
	if (store_snapshot_list(env->store, bot_id, &snaps, err) < 0)
		return -1;
	items = calloc(snaps.count + 1, sizeof *items);
	if (!items) {
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		goto done;
	}
	/* The container's own live snapshot. A failed stat is reported; a live snapshot containerd no
	 * longer has is listed with what is known ("missing"): rolling back is how the bot recovers. */
	if (botctr_container_load(&op, &reply, err) == 0) {
		const char *key = reply->snapshot_key;
		ctd_snapshot_info *stat = NULL;
		bool same = strcmp(reply->snapshotter, snapshotter) == 0;
		int stat_rc = same ? ctd_snapshot_stat(env->ctd, snapshotter, key, &stat, err) : 0;

		if (!same) {
			/* another snapshotter's listing */
		} else if (stat_rc == 0 && stat) {
			items[n++] = snapshot_entry(&op, snapshotter, key, stat, "container");
		} else if (stat_rc < 0 && err->kind == BERTH_E_NOT_FOUND) {
			blog(BLOG_WARN,
			     "bot %s: the live snapshot %s of its container is missing in containerd",
			     bot_id, key);
			items[n++] = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b}", "snapshotter",
					       snapshotter, "name", key, "kind", "Unknown",
					       "created_at", "", "updated_at", "", "source",
					       "container", "missing", 1);
		} else {
			if (stat_rc == 0)
				berth_err_set(err, BERTH_E_INTERNAL,
					      "Snapshots.Stat replied without info");
			botctr_fault(err);
			berth_err_prefix(err, "live snapshot %s", key);
			ctd_snapshot_info_free(stat);
			goto done;
		}
		ctd_snapshot_info_free(stat);
	} else if (err->kind != BERTH_E_NOT_FOUND && err->kind != BERTH_E_PRECONDITION) {
		goto done;
	}
	/* The snapshots Berth made for this bot, as containerd has them. */
	for (size_t i = 0; i < snaps.count; i++) {
		const struct store_snapshot *s = &snaps.items[i];
		ctd_snapshot_info *stat = NULL;
		if (strcmp(s->snapshotter, snapshotter) != 0)
			continue;
		if (ctd_snapshot_stat(env->ctd, snapshotter, s->runtime_snapshot_name, &stat, err) <
		    0) {
			if (err->kind != BERTH_E_NOT_FOUND)
				goto done;
			blog(BLOG_WARN,
			     "snapshot %s of bot %s is recorded but missing in containerd", s->name,
			     bot_id);
			continue;
		}
		items[n++] = snapshot_entry(&op, snapshotter, s->name, stat, s->source);
		ctd_snapshot_info_free(stat);
	}
	for (size_t i = 0; i < n; i++)
		if (!items[i]) {
			berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
			goto done;
		}
	qsort(items, n, sizeof *items, by_created_then_name);
	list = json_array();
	for (size_t i = 0; list && i < n; i++) {
		json_array_append_new(list, items[i]);
		items[i] = NULL;
	}
	*out = json_pack("{s:s,s:o}", "snapshotter", snapshotter, "snapshots",
			 list ? list : json_array());
	rc = *out ? 0 : berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
done:
	for (size_t i = 0; items && i < n; i++)
		json_decref(items[i]);
	free(items);
	ctd_container_free(reply);
	store_snapshot_list_free(&snaps);
	return rc;
}

int botctr_rollback(const struct botctr_env *env, const char *bot_id, const char *name,
		    json_t **out, berth_err *err)
{
	struct botctr_op op;
	struct store_snapshot snap;
	struct store_container row;
	ctd_container *reply = NULL;
	char lease[96], ip[64] = "", host_path[STORE_PATH_SIZE];
	bool leased = false, row_found;
	uint32_t pid = 0;
	int rc = -1;

	if (!name || !*name)
		return berth_err_set(err, BERTH_E_INVALID, "snapshot_name is required");
	if (!snapshot_name_valid(name))
		return berth_err_set(err, BERTH_E_NOT_FOUND, "snapshot not found");
	if (botctr_op_begin(&op, env, bot_id, err) < 0)
		return -1;
	if (store_snapshot_get(env->store, bot_id, name, &snap, err) < 0) {
		if (err->kind == BERTH_E_NOT_FOUND)
			berth_err_set(err, BERTH_E_NOT_FOUND, "snapshot not found");
		goto done;
	}
	if (ctd_snapshot_stat(env->ctd, snap.snapshotter, snap.runtime_snapshot_name, NULL, err) <
	    0) {
		if (err->kind == BERTH_E_NOT_FOUND)
			berth_err_set(err, BERTH_E_NOT_FOUND,
				      "snapshot %s is recorded but missing in containerd", name);
		goto done;
	}
	row_found = store_container_get(env->store, bot_id, &row, err) == 0;
	if (!row_found && err->kind != BERTH_E_NOT_FOUND)
		goto done;

	/* What the rebuild needs and can be missing (a container of that id that is not Berth's, the
	 * bot image, the bot's data dir) is checked before the old
	 * container is taken down, so that a rollback that cannot finish leaves the bot as it was. */
	if (botctr_container_load(&op, &reply, err) < 0) {
		if (err->kind != BERTH_E_NOT_FOUND)
			goto done;
		reply = NULL;
	}
	{
		struct image_info img;
		memset(&img, 0, sizeof img);
		if (image_resolve(env->ctd, env->cfg->bot_image, &img, err) < 0) {
			image_info_free(&img);
			botctr_fault(err);
			berth_err_prefix(err, "bot image %s", env->cfg->bot_image);
			goto done;
		}
		image_info_free(&img);
	}
	{
		struct botdir dir = { NULL, NULL, -1, -1, NULL };
		if (botdir_prepare(env->cfg->data_root, env->cfg->state_root, bot_id, &dir, err) <
		    0) {
			berth_err_prefix(err, "bot directories");
			goto done;
		}
		botdir_release(&dir);
	}

	/* Take the old container down: network, task, container record, its live snapshot. */
	if (botctr_task_running_pid(&op, &pid, err) < 0)
		goto done;
	botctr_net_release(&op, pid);
	if (botctr_task_stop(&op, env->cfg->stop_timeout_s, err) < 0)
		goto fail_recorded;
	if (reply) {
		if (ctd_container_delete(env->ctd, op.ctr_id, err) < 0 &&
		    err->kind != BERTH_E_NOT_FOUND)
			goto fail_fault;
		if (ctd_snapshot_remove(env->ctd, reply->snapshotter, reply->snapshot_key, err) <
			    0 &&
		    err->kind != BERTH_E_NOT_FOUND)
			goto fail_fault;
	}
	/* The new live snapshot takes the container's key, so a rebuild finds it. */
	if (ctd_snapshot_remove(env->ctd, snap.snapshotter, op.ctr_id, err) < 0 &&
	    err->kind != BERTH_E_NOT_FOUND)
		goto fail_fault;
	/* The new live snapshot is a GC root itself, so the lease need not outlive its Prepare (and
	 * the container build below takes leases of its own). */
	if (botctr_lease_begin(&op, lease, sizeof lease, err) < 0)
		goto fail_fault;
	leased = true;
	if (botctr_prepare_rootfs(&op, snap.snapshotter, snap.runtime_snapshot_name, err) < 0) {
		berth_err_prefix(err, "prepare from %s", name);
		goto fail_fault;
	}
	botctr_lease_end(&op, lease);
	leased = false;
	if (botctr_container_ensure(&op, snap.snapshotter, NULL, err) < 0)
		goto fail_recorded;
	if (!row_found) {
		struct store_container_new in = {
			.bot_id = bot_id,
			.container_id = op.ctr_id,
			.image = env->cfg->bot_image,
			.snapshotter = snap.snapshotter,
			.namespace_ = ctd_conn_namespace(env->ctd),
			.node = env->cfg->node,
			.host_path = host_path,
			.container_path = env->cfg->data_mount,
		};
		snprintf(host_path, sizeof host_path, "%s/bots/%s", env->cfg->data_root, bot_id);
		if (store_container_upsert(env->store, &in, NULL, err) < 0)
			goto done;
	}
	if (store_container_set_desired(env->store, bot_id, "running", err) < 0)
		goto done;
	if (botctr_task_ensure(&op, &pid, err) < 0) {
		berth_err_prefix(err, "start after rollback");
		goto fail_recorded;
	}
	if (botctr_net_apply(&op, pid, ip, sizeof ip, err) < 0)
		goto fail_recorded;
	if (store_container_mark_running(env->store, bot_id, ip, err) < 0)
		goto done;
	botctr_event(&op, "rollback",
		     json_pack("{s:s,s:s}", "snapshot_name", name, "runtime_name",
			       snap.runtime_snapshot_name));
	*out = json_pack("{s:s,s:s,s:b,s:s}", "container_id", op.ctr_id, "snapshot_name", name,
			 "started", 1, "ip", ip);
	rc = *out ? 0 : berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	goto done;
fail_fault:
	botctr_fault(err);
fail_recorded:
	botctr_record_error(&op, "rollback", err);
done:
	if (leased)
		botctr_lease_end(&op, lease);
	ctd_container_free(reply);
	botctr_op_end(&op);
	return rc;
}
