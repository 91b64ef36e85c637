/* it_container_lifecycle.c: issue #4 §2, §3, §7: create, get, start, stop and delete of a bot's
 * container through nginx on the real stack, with ctr, the IPAM lease files and the database as
 * independent observers; the data dir across stop/start and delete/create; the network; the
 * resolv.conf source; tasks and containers removed behind Berth's back. */
#define _GNU_SOURCE
#include "it_container_common.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Polls ctr until the task's status is want ("" = no task), at most timeout_ms. */
static void wait_task_status(const char *ctr_id, const char *want, int timeout_ms)
{
	long long deadline = bt_now_ms() + timeout_ms;
	for (;;) {
		char *st = it_ctr_task_status(ctr_id);
		bool ok = strcmp(st, want) == 0;
		if (ok || bt_now_ms() > deadline) {
			ck_assert_msg(ok, "task of %s is '%s', want '%s'", ctr_id, st, want);
			free(st);
			return;
		}
		free(st);
		bt_sleep_ms(100);
	}
}

static char *sql_scalar(const char *fmt, const char *arg)
{
	char *sql = it_fmt(fmt, arg);
	char *out = bt_sql(sql);
	free(sql);
	return out;
}

/* The inet address of eth0 inside the container (busybox ip). */
static char *eth0_address(const char *ctr_id)
{
	char *out = it_exec_ok(
		ctr_id,
		"ip -4 -o addr show dev eth0 | sed -n 's/.* inet \\([0-9.]*\\)\\/.*/\\1/p'");
	size_t n = strlen(out);
	while (n && (out[n - 1] == '\n' || out[n - 1] == ' '))
		out[--n] = '\0';
	return out;
}

START_TEST(create_get_stop_start_delete)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	bt_identity owner = b.owner.ident;

	json_t *c = it_create(b.bot_id, owner);
	ck_assert_str_eq(it_str(c, "container_id"), b.ctr_id);
	ck_assert_str_eq(it_str(c, "image"), bt_env("BERTH_BOT_IMAGE"));
	ck_assert_str_eq(it_str(c, "snapshotter"), "overlayfs");
	ck_assert_msg(it_str(c, "ip")[0] != '\0', "create answered no ip");
	json_decref(c);

	/* ctr confirms what the API says: label, runtime, mounts, task state. */
	json_t *info = it_ctr_info(b.ctr_id);
	ck_assert_str_eq(it_str(json_object_get(info, "Labels"), "mcp.bot_id"), b.bot_id);
	ck_assert_str_eq(it_str(json_object_get(info, "Runtime"), "Name"), "io.containerd.runc.v2");
	ck_assert_str_eq(it_str(info, "Image"), bt_env("BERTH_BOT_IMAGE"));
	ck_assert_str_eq(it_str(info, "SnapshotKey"), b.ctr_id);
	{
		char *data = it_data_dir(b.bot_id), *state = it_state_dir(b.bot_id);
		char *resolv = it_fmt("%s/resolv.conf", state);
		bool data_ok = false, resolv_ok = false;
		size_t i;
		json_t *m;
		json_array_foreach(json_object_get(json_object_get(info, "Spec"), "mounts"), i, m)
		{
			const char *dest = it_str(m, "destination"), *src = it_str(m, "source");
			char *opts = json_dumps(json_object_get(m, "options"), JSON_COMPACT);
			if (strcmp(dest, "/data") == 0) {
				ck_assert_str_eq(src, data);
				ck_assert_msg(strstr(opts, "\"rw\"") && !strstr(opts, "\"ro\""),
					      "/data options %s", opts);
				data_ok = true;
			}
			if (strcmp(dest, "/etc/resolv.conf") == 0) {
				ck_assert_str_eq(src, resolv);
				ck_assert_msg(strstr(opts, "\"ro\"") != NULL,
					      "/etc/resolv.conf options %s", opts);
				resolv_ok = true;
			}
			free(opts);
		}
		ck_assert_msg(data_ok && resolv_ok,
			      "ctr info lacks the /data or /etc/resolv.conf mount");
		free(data);
		free(state);
		free(resolv);
	}
	json_decref(info);
	wait_task_status(b.ctr_id, "RUNNING", 1);

	json_t *g = it_api_expect("GET", b.bot_id, "", NULL, owner, 200);
	ck_assert_str_eq(it_str(g, "container_id"), b.ctr_id);
	ck_assert_str_eq(it_str(g, "status"), "running");
	ck_assert_str_eq(it_str(g, "namespace"), bt_env("BERTH_CONTAINERD_NAMESPACE"));
	ck_assert_str_eq(it_str(g, "container_path"), "/data");
	ck_assert_msg(json_is_true(json_object_get(g, "task_running")),
		      "GET: task_running not true");
	ck_assert_msg(json_is_null(json_object_get(g, "last_error")), "GET: last_error set");
	ck_assert_msg(json_is_string(json_object_get(g, "created_at")) &&
			      json_is_string(json_object_get(g, "updated_at")),
		      "GET: timestamps missing");
	{
		char *data = it_data_dir(b.bot_id);
		ck_assert_str_eq(it_str(g, "host_path"), data);
		free(data);
	}
	json_decref(g);

	json_t *s = it_api_expect("POST", b.bot_id, "/stop", NULL, owner, 200);
	ck_assert_msg(json_is_true(json_object_get(s, "stopped")), "stop: stopped not true");
	json_decref(s);
	{
		char *st = it_ctr_task_status(b.ctr_id);
		ck_assert_msg(strcmp(st, "RUNNING") != 0, "task still RUNNING after stop");
		free(st);
	}
	g = it_api_expect("GET", b.bot_id, "", NULL, owner, 200);
	ck_assert_str_eq(it_str(g, "status"), "stopped");
	ck_assert_msg(json_is_false(json_object_get(g, "task_running")),
		      "GET after stop: task_running not false");
	ck_assert_msg(json_is_null(json_object_get(g, "ip")), "GET after stop: ip not null");
	ck_assert_msg(json_is_string(json_object_get(g, "last_stopped_at")),
		      "GET after stop: no last_stopped_at");
	json_decref(g);

	/* Stopping a stopped bot is 200. */
	json_decref(it_api_expect("POST", b.bot_id, "/stop", NULL, owner, 200));

	json_t *st = it_api_expect("POST", b.bot_id, "/start", NULL, owner, 200);
	ck_assert_msg(json_is_true(json_object_get(st, "started")), "start: started not true");
	json_decref(st);
	wait_task_status(b.ctr_id, "RUNNING", 1);
	g = it_api_expect("GET", b.bot_id, "", NULL, owner, 200);
	ck_assert_str_eq(it_str(g, "status"), "running");
	json_decref(g);

	ck_assert_ptr_null(it_api_expect("DELETE", b.bot_id, "", NULL, owner, 204));
	ck_assert_msg(!it_ctr_container_exists(b.ctr_id),
		      "container still listed by ctr after DELETE");
	{
		char *t = it_ctr_task_status(b.ctr_id);
		ck_assert_str_eq(t, "");
		free(t);
		/* The rootfs snapshot went with the container. */
		char *out = NULL;
		ck_assert_int_eq(bt_ctr(&out, "snapshots", "--snapshotter", "overlayfs", "info",
					b.ctr_id, NULL) == 0,
				 0);
		free(out);
		/* The host data dir is kept. */
		char *data = it_data_dir(b.bot_id);
		struct stat sb;
		ck_assert_msg(stat(data, &sb) == 0 && S_ISDIR(sb.st_mode),
			      "data dir %s gone after DELETE", data);
		free(data);
	}
	it_api_expect_error("GET", b.bot_id, "", NULL, owner, 404);
	/* Deleting what does not exist is 204. */
	ck_assert_ptr_null(it_api_expect("DELETE", b.bot_id, "", NULL, owner, 204));

	/* Every outcome left an event. */
	char *events = sql_scalar(
		"SELECT string_agg(event_type, ',' ORDER BY created_at) FROM lifecycle_events "
		"WHERE bot_id = '%s'",
		b.bot_id);
	ck_assert_msg(strstr(events, "create") && strstr(events, "start") &&
			      strstr(events, "stop") && strstr(events, "delete"),
		      "lifecycle_events: %s", events);
	free(events);
	char *rows = sql_scalar("SELECT count(*) FROM containers WHERE bot_id = '%s'", b.bot_id);
	ck_assert_str_eq(rows, "0");
	free(rows);
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(create_is_idempotent_and_keeps_the_task)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	json_decref(it_create(b.bot_id, b.owner.ident));
	int pid = it_ctr_task_pid(b.ctr_id);
	ck_assert_int_gt(pid, 0);
	free(it_exec_ok(b.ctr_id, "echo root-change > /etc/idem-marker"));
	json_t *c = it_create(b.bot_id, bt_admin());
	ck_assert_str_eq(it_str(c, "container_id"), b.ctr_id);
	json_decref(c);
	ck_assert_int_eq(it_ctr_task_pid(b.ctr_id), pid);
	char *m = it_exec_ok(b.ctr_id, "cat /etc/idem-marker");
	ck_assert_str_eq(m, "root-change");
	free(m);
	ck_assert_int_eq(it_ipam_leases(b.ctr_id), 1);
	/* A different snapshotter in the request cannot move an existing container. */
	c = it_api_expect("POST", b.bot_id, "", "{\"snapshotter\":\"native\"}", b.owner.ident, 200);
	ck_assert_str_eq(it_str(c, "snapshotter"), "overlayfs");
	json_decref(c);
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(data_survives_stop_start_and_delete_create)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	json_decref(it_create(b.bot_id, b.owner.ident));
	/* The bootstrap created the template files in the data mount. */
	char *ls = it_exec_ok(b.ctr_id, "ls -a /data");
	ck_assert_msg(strstr(ls, ".skills") != NULL, "/data: %s", ls);
	free(ls);
	free(it_exec_ok(b.ctr_id, "echo kept-across > /data/marker.txt"));

	json_decref(it_api_expect("POST", b.bot_id, "/stop", NULL, b.owner.ident, 200));
	json_decref(it_api_expect("POST", b.bot_id, "/start", NULL, b.owner.ident, 200));
	char *m = it_exec_ok(b.ctr_id, "cat /data/marker.txt");
	ck_assert_str_eq(m, "kept-across");
	free(m);

	ck_assert_ptr_null(it_api_expect("DELETE", b.bot_id, "", NULL, b.owner.ident, 204));
	char *data = it_data_dir(b.bot_id);
	char *host = it_fmt("%s/marker.txt", data);
	char *text = it_read_file(host);
	ck_assert_msg(text && strcmp(text, "kept-across\n") == 0, "host file after DELETE: %s",
		      text ? text : "(none)");
	free(text);
	json_decref(it_create(b.bot_id, b.owner.ident));
	m = it_exec_ok(b.ctr_id, "cat /data/marker.txt");
	ck_assert_str_eq(m, "kept-across");
	free(m);
	free(host);
	free(data);
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(healthy_bot_stops_quickly)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	json_decref(it_create(b.bot_id, b.owner.ident));
	bt_response r;
	long long t0 = bt_now_ms();
	long s = it_api("POST", b.bot_id, "/stop", NULL, b.owner.ident, &r);
	long long took = bt_now_ms() - t0;
	ck_assert_msg(s == 200, "stop: %ld %.300s", s, r.body);
	bt_response_free(&r);
	fprintf(stderr, "it_container_lifecycle: stop of a healthy bot took %lld ms\n", took);
	ck_assert_msg(took < 3000, "stop took %lld ms (want well under a second; asserting < 3 s)",
		      took);
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(get_reports_this_containers_task)
{
	it_owned_bot b[3];
	for (int i = 0; i < 3; i++) {
		b[i] = it_owned_bot_new("personal", 0);
		json_decref(it_create(b[i].bot_id, b[i].owner.ident));
	}
	json_decref(it_api_expect("POST", b[1].bot_id, "/stop", NULL, b[1].owner.ident, 200));
	for (int i = 0; i < 3; i++) {
		json_t *g = it_api_expect("GET", b[i].bot_id, "", NULL, b[i].owner.ident, 200);
		bool running = json_is_true(json_object_get(g, "task_running"));
		ck_assert_str_eq(it_str(g, "container_id"), b[i].ctr_id);
		ck_assert_msg(running == (i != 1), "bot %d: task_running %d", i, running);
		char *st = it_ctr_task_status(b[i].ctr_id);
		ck_assert_msg((strcmp(st, "RUNNING") == 0) == running,
			      "bot %d: API says %d, ctr says '%s'", i, running, st);
		free(st);
		json_decref(g);
	}
	/* Killed behind Berth's back: GET tells the truth about that container only, at once when it
	 * asks containerd, within a bounded time when it answers from the row the reconciler keeps
	 * (which follows containerd's exit event; it restarts the task only after its backoff). */
	ck_assert_int_eq(bt_ctr(NULL, "task", "kill", "-s", "KILL", b[2].ctr_id, NULL), 0);
	wait_task_status(b[2].ctr_id, "STOPPED", 10000);
	json_t *g;
	long long deadline = bt_now_ms() + 2000;
	for (;;) {
		g = it_api_expect("GET", b[2].bot_id, "", NULL, b[2].owner.ident, 200);
		if (json_is_false(json_object_get(g, "task_running")))
			break;
		ck_assert_msg(strcmp(it_str(g, "observed_by"), "reconciler") == 0 &&
				      bt_now_ms() < deadline,
			      "killed task reported running (observed by %s)",
			      it_str(g, "observed_by"));
		json_decref(g);
		bt_sleep_ms(10);
	}
	json_decref(g);
	g = it_api_expect("GET", b[0].bot_id, "", NULL, b[0].owner.ident, 200);
	ck_assert_msg(json_is_true(json_object_get(g, "task_running")),
		      "bot 0 reported not running");
	json_decref(g);
	for (int i = 0; i < 3; i++)
		it_owned_bot_done(&b[i]);
}
END_TEST

START_TEST(ip_is_eth0_and_lease_released_on_stop)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	json_t *c = it_create(b.bot_id, b.owner.ident);
	char *ip = strdup(it_str(c, "ip"));
	json_decref(c);
	char *eth0 = eth0_address(b.ctr_id);
	ck_assert_str_eq(ip, eth0);
	free(eth0);
	ck_assert_int_eq(it_ipam_leases(b.ctr_id), 1);
	{
		char *dir = it_ipam_dir();
		char *lease = it_fmt("%s/%s", dir, ip);
		ck_assert_msg(access(lease, F_OK) == 0, "no lease file %s", lease);
		free(lease);
		free(dir);
	}
	json_t *g = it_api_expect("GET", b.bot_id, "", NULL, b.owner.ident, 200);
	ck_assert_str_eq(it_str(g, "ip"), ip);
	json_decref(g);

	json_decref(it_api_expect("POST", b.bot_id, "/stop", NULL, b.owner.ident, 200));
	ck_assert_msg(it_ipam_leases(b.ctr_id) == 0, "IPAM lease of %s still held after stop",
		      b.ctr_id);
	char *db_ip = sql_scalar(
		"SELECT coalesce(host(ip_address), '') FROM containers WHERE bot_id = '%s'",
		b.bot_id);
	fprintf(stderr, "it_container_lifecycle: ip in the row after stop: '%s'\n", db_ip);
	free(db_ip);

	json_decref(it_api_expect("POST", b.bot_id, "/start", NULL, b.owner.ident, 200));
	ck_assert_int_eq(it_ipam_leases(b.ctr_id), 1);
	g = it_api_expect("GET", b.bot_id, "", NULL, b.owner.ident, 200);
	eth0 = eth0_address(b.ctr_id);
	ck_assert_str_eq(it_str(g, "ip"), eth0);
	free(eth0);
	json_decref(g);

	/* Start on a running bot keeps one lease (re-apply, no second allocation). */
	json_decref(it_api_expect("POST", b.bot_id, "/start", NULL, b.owner.ident, 200));
	ck_assert_int_eq(it_ipam_leases(b.ctr_id), 1);

	ck_assert_ptr_null(it_api_expect("DELETE", b.bot_id, "", NULL, b.owner.ident, 204));
	ck_assert_msg(it_ipam_leases(b.ctr_id) == 0, "IPAM lease of %s still held after delete",
		      b.ctr_id);
	free(ip);
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(resolv_conf_has_no_loopback_and_is_read_only)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	json_decref(it_create(b.bot_id, b.owner.ident));
	char *rc = it_exec_ok(b.ctr_id, "cat /etc/resolv.conf");
	for (char *line = strtok(rc, "\n"); line; line = strtok(NULL, "\n")) {
		char ns[128];
		if (sscanf(line, " nameserver %127s", ns) == 1)
			ck_assert_msg(strncmp(ns, "127.", 4) != 0 && strcmp(ns, "::1") != 0 &&
					      strncmp(ns, "0:0:0:0:0:0:0:1", 15) != 0,
				      "loopback nameserver in the container: %s", line);
	}
	free(rc);
	ck_assert_msg(it_exec(b.ctr_id, "echo nameserver 127.0.0.1 >> /etc/resolv.conf", NULL) != 0,
		      "/etc/resolv.conf is writable inside the container");
	/* The source lives in the host-only state dir, not in the bot's data dir. */
	char *data = it_data_dir(b.bot_id);
	char *in_data = it_fmt("%s/resolv.conf", data);
	ck_assert_msg(access(in_data, F_OK) != 0, "resolv.conf source inside the data dir: %s",
		      in_data);
	free(in_data);
	free(data);
	it_owned_bot_done(&b);
}
END_TEST

/* A symlink planted where the resolv.conf source goes is replaced, never followed. */
START_TEST(resolv_conf_symlink_is_replaced_not_followed)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	char *state = it_state_dir(b.bot_id);
	char *outside = it_fmt("%s/outside-%s", bt_env("BERTH_STACK"), b.bot_id);
	char *place = it_fmt("%s/resolv.conf", state);
	it_write_file(outside, "sentinel: must not change\n");

	/* First with a state dir made before Berth ever saw the bot. */
	char *mk = it_fmt("mkdir -p '%s'", state);
	char *argv[] = { "/bin/sh", "-c", mk, NULL };
	ck_assert_int_eq(bt_run(argv, NULL, NULL, 30), 0);
	free(mk);
	ck_assert_msg(symlink(outside, place) == 0, "symlink: %s", strerror(errno));
	json_decref(it_create(b.bot_id, b.owner.ident));
	struct stat sb;
	ck_assert_msg(lstat(place, &sb) == 0 && S_ISREG(sb.st_mode),
		      "%s is not a regular file after create", place);
	char *text = it_read_file(outside);
	ck_assert_str_eq(text, "sentinel: must not change\n");
	free(text);

	/* Then on a re-create after delete. */
	ck_assert_ptr_null(it_api_expect("DELETE", b.bot_id, "", NULL, b.owner.ident, 204));
	ck_assert_int_eq(unlink(place), 0);
	ck_assert_msg(symlink(outside, place) == 0, "symlink: %s", strerror(errno));
	json_decref(it_create(b.bot_id, b.owner.ident));
	ck_assert_msg(lstat(place, &sb) == 0 && S_ISREG(sb.st_mode),
		      "%s is not a regular file after re-create", place);
	text = it_read_file(outside);
	ck_assert_str_eq(text, "sentinel: must not change\n");
	free(text);
	char *inside = it_exec_ok(b.ctr_id, "cat /etc/resolv.conf");
	ck_assert_msg(strstr(inside, "sentinel") == NULL,
		      "the container sees the symlink target: %s", inside);
	free(inside);
	unlink(outside);
	free(outside);
	free(place);
	free(state);
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(task_killed_behind_berths_back_is_replaced)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	json_decref(it_create(b.bot_id, b.owner.ident));
	int pid = it_ctr_task_pid(b.ctr_id);
	ck_assert_int_eq(bt_ctr(NULL, "task", "kill", "-s", "KILL", b.ctr_id, NULL), 0);
	wait_task_status(b.ctr_id, "STOPPED", 10000);
	json_t *s = it_api_expect("POST", b.bot_id, "/start", NULL, b.owner.ident, 200);
	ck_assert_msg(json_is_true(json_object_get(s, "started")),
		      "start after kill: started not true");
	json_decref(s);
	wait_task_status(b.ctr_id, "RUNNING", 1);
	ck_assert_int_ne(it_ctr_task_pid(b.ctr_id), pid);
	json_t *g = it_api_expect("GET", b.bot_id, "", NULL, b.owner.ident, 200);
	ck_assert_msg(json_is_true(json_object_get(g, "task_running")),
		      "GET after restart: not running");
	char *eth0 = eth0_address(b.ctr_id);
	ck_assert_str_eq(it_str(g, "ip"), eth0);
	free(eth0);
	json_decref(g);
	ck_assert_int_eq(it_ipam_leases(b.ctr_id), 1);
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(container_deleted_behind_berths_back_is_rebuilt)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	json_decref(it_create(b.bot_id, b.owner.ident));
	free(it_exec_ok(b.ctr_id, "echo survives-rebuild > /data/rebuild.txt"));
	ck_assert_int_eq(bt_ctr(NULL, "task", "kill", "-s", "KILL", b.ctr_id, NULL), 0);
	wait_task_status(b.ctr_id, "STOPPED", 10000);
	ck_assert_int_eq(bt_ctr(NULL, "task", "rm", b.ctr_id, NULL), 0);
	ck_assert_int_eq(bt_ctr(NULL, "container", "rm", b.ctr_id, NULL), 0);
	ck_assert(!it_ctr_container_exists(b.ctr_id));

	json_t *s = it_api_expect("POST", b.bot_id, "/start", NULL, b.owner.ident, 200);
	ck_assert_msg(json_is_true(json_object_get(s, "started")),
		      "start after ctr rm: started not true");
	json_decref(s);
	ck_assert(it_ctr_container_exists(b.ctr_id));
	wait_task_status(b.ctr_id, "RUNNING", 1);
	char *m = it_exec_ok(b.ctr_id, "cat /data/rebuild.txt");
	ck_assert_str_eq(m, "survives-rebuild");
	free(m);
	json_t *info = it_ctr_info(b.ctr_id);
	ck_assert_str_eq(it_str(json_object_get(info, "Labels"), "mcp.bot_id"), b.bot_id);
	json_decref(info);
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(routes_without_a_container)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	it_api_expect_error("GET", b.bot_id, "", NULL, b.owner.ident, 404);
	it_api_expect_error("POST", b.bot_id, "/start", NULL, b.owner.ident, 404);
	it_api_expect_error("POST", b.bot_id, "/stop", NULL, b.owner.ident, 404);
	it_api_expect_error("POST", b.bot_id, "/snapshots", "{\"snapshot_name\":\"s1\"}",
			    b.owner.ident, 404);
	it_api_expect_error("POST", b.bot_id, "/snapshots/rollback", "{\"snapshot_name\":\"s1\"}",
			    b.owner.ident, 404);
	ck_assert_ptr_null(it_api_expect("DELETE", b.bot_id, "", NULL, b.owner.ident, 204));
	/* Nothing was created by these. */
	ck_assert(!it_ctr_container_exists(b.ctr_id));
	char *rows = sql_scalar("SELECT count(*) FROM containers WHERE bot_id = '%s'", b.bot_id);
	ck_assert_str_eq(rows, "0");
	free(rows);
	it_owned_bot_done(&b);
}
END_TEST

/* A task killed behind Berth's back leaves its IPAM lease: stop, and delete, release it. */
START_TEST(stop_and_delete_after_a_kill_release_the_lease)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	json_decref(it_create(b.bot_id, b.owner.ident));
	ck_assert_int_eq(bt_ctr(NULL, "task", "kill", "-s", "KILL", b.ctr_id, NULL), 0);
	wait_task_status(b.ctr_id, "STOPPED", 10000);
	json_decref(it_api_expect("POST", b.bot_id, "/stop", NULL, b.owner.ident, 200));
	ck_assert_msg(it_ipam_leases(b.ctr_id) == 0, "lease held after stop of a killed task");
	char *st = it_ctr_task_status(b.ctr_id);
	ck_assert_str_eq(st, "");
	free(st);
	json_decref(it_api_expect("POST", b.bot_id, "/start", NULL, b.owner.ident, 200));
	ck_assert_int_eq(bt_ctr(NULL, "task", "kill", "-s", "KILL", b.ctr_id, NULL), 0);
	wait_task_status(b.ctr_id, "STOPPED", 10000);
	ck_assert_ptr_null(it_api_expect("DELETE", b.bot_id, "", NULL, b.owner.ident, 204));
	ck_assert_msg(it_ipam_leases(b.ctr_id) == 0, "lease held after delete of a killed task");
	ck_assert(!it_ctr_container_exists(b.ctr_id));
	it_owned_bot_done(&b);
}
END_TEST

/* The container record lost but its rootfs snapshot kept (ctr c rm --keep-snapshot): start rebuilds
 * on that snapshot (root filesystem changes survive); DELETE removes the leftover snapshot too. */
START_TEST(lost_container_record_keeps_rootfs_and_delete_cleans_it)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	json_decref(it_create(b.bot_id, b.owner.ident));
	free(it_exec_ok(b.ctr_id, "echo kept-rootfs > /etc/lost-marker"));
	ck_assert_int_eq(bt_ctr(NULL, "task", "kill", "-s", "KILL", b.ctr_id, NULL), 0);
	wait_task_status(b.ctr_id, "STOPPED", 10000);
	ck_assert_int_eq(bt_ctr(NULL, "task", "rm", b.ctr_id, NULL), 0);
	ck_assert_int_eq(bt_ctr(NULL, "container", "rm", "--keep-snapshot", b.ctr_id, NULL), 0);
	json_decref(it_api_expect("POST", b.bot_id, "/start", NULL, b.owner.ident, 200));
	char *m = it_exec_ok(b.ctr_id, "cat /etc/lost-marker");
	ck_assert_str_eq(m, "kept-rootfs");
	free(m);

	ck_assert_int_eq(bt_ctr(NULL, "task", "kill", "-s", "KILL", b.ctr_id, NULL), 0);
	wait_task_status(b.ctr_id, "STOPPED", 10000);
	ck_assert_int_eq(bt_ctr(NULL, "task", "rm", b.ctr_id, NULL), 0);
	ck_assert_int_eq(bt_ctr(NULL, "container", "rm", "--keep-snapshot", b.ctr_id, NULL), 0);
	ck_assert_ptr_null(it_api_expect("DELETE", b.bot_id, "", NULL, b.owner.ident, 204));
	ck_assert_msg(bt_ctr(NULL, "snapshots", "--snapshotter", "overlayfs", "info", b.ctr_id,
			     NULL) != 0,
		      "the rootfs snapshot %s outlived DELETE", b.ctr_id);
	ck_assert_int_eq(it_ipam_leases(b.ctr_id), 0);
	it_owned_bot_done(&b);
}
END_TEST

/* A container whose rootfs snapshot was removed behind Berth's back (or by a delete cut off
 * half-way) cannot run again: start replaces it instead of failing for ever. */
START_TEST(container_without_its_snapshot_is_replaced)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	json_decref(it_create(b.bot_id, b.owner.ident));
	json_decref(it_api_expect("POST", b.bot_id, "/stop", NULL, b.owner.ident, 200));
	ck_assert_int_eq(
		bt_ctr(NULL, "snapshots", "--snapshotter", "overlayfs", "rm", b.ctr_id, NULL), 0);
	json_t *started = it_api_expect("POST", b.bot_id, "/start", NULL, b.owner.ident, 200);
	ck_assert(json_is_true(json_object_get(started, "started")));
	json_decref(started);
	free(it_exec_ok(b.ctr_id, "true"));
	ck_assert_ptr_null(it_api_expect("DELETE", b.bot_id, "", NULL, b.owner.ident, 204));
	it_owned_bot_done(&b);
}
END_TEST

/* containerd goes away and comes back (disruptive: last). While it is away the routes answer a
 * clear 503 and change nothing; the bot's task survives (its shim does) and is found again. */
START_TEST(containerd_outage_is_a_clear_503)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	json_decref(it_create(b.bot_id, b.owner.ident));
	int pid = it_ctr_task_pid(b.ctr_id);
	ck_assert_int_eq(bt_stack("stop-service", "containerd"), 0);
	bt_response get, stop, create;
	/* The reconciler stops vouching for the row once its event stream is gone: from then on GET
	 * asks containerd, which is down. */
	long long until = bt_now_ms() + 2000;
	long s_get;
	while ((s_get = it_api("GET", b.bot_id, "", NULL, b.owner.ident, &get)) == 200 &&
	       bt_now_ms() < until) {
		bt_response_free(&get);
		bt_sleep_ms(20);
	}
	long s_stop = it_api("POST", b.bot_id, "/stop", NULL, b.owner.ident, &stop);
	long s_create = it_api("POST", b.bot_id, "", NULL, b.owner.ident, &create);
	int restarted = bt_stack("start-service", "containerd");
	ck_assert_int_eq(restarted, 0);
	ck_assert_msg(s_get == 503, "GET with containerd down: %ld %.300s", s_get, get.body);
	ck_assert_msg(s_stop == 503, "stop with containerd down: %ld %.300s", s_stop, stop.body);
	ck_assert_msg(s_create == 503, "create with containerd down: %ld %.300s", s_create,
		      create.body);
	bt_expect_error(&get);
	bt_expect_error(&stop);
	bt_expect_error(&create);
	bt_response_free(&get);
	bt_response_free(&stop);
	bt_response_free(&create);

	/* Back: the same task, still running, and the API works again on the workers' connections. */
	long long deadline = bt_now_ms() + 30000;
	json_t *g = NULL;
	for (;;) {
		bt_response r;
		long s = it_api("GET", b.bot_id, "", NULL, b.owner.ident, &r);
		if (s == 200) {
			g = bt_json(&r);
			bt_response_free(&r);
			break;
		}
		bt_response_free(&r);
		ck_assert_msg(bt_now_ms() < deadline,
			      "GET still %ld 30 s after containerd came back", s);
		bt_sleep_ms(200);
	}
	ck_assert_msg(json_is_true(json_object_get(g, "task_running")),
		      "task not running after the outage");
	ck_assert_str_eq(it_str(g, "status"), "running");
	json_decref(g);
	ck_assert_int_eq(it_ctr_task_pid(b.ctr_id), pid);
	json_decref(it_api_expect("POST", b.bot_id, "/stop", NULL, b.owner.ident, 200));
	json_decref(it_api_expect("POST", b.bot_id, "/start", NULL, b.owner.ident, 200));
	it_owned_bot_done(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("container_lifecycle");
	TCase *tc = tcase_create("lifecycle");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, create_get_stop_start_delete);
	tcase_add_test(tc, create_is_idempotent_and_keeps_the_task);
	tcase_add_test(tc, data_survives_stop_start_and_delete_create);
	tcase_add_test(tc, healthy_bot_stops_quickly);
	tcase_add_test(tc, get_reports_this_containers_task);
	tcase_add_test(tc, ip_is_eth0_and_lease_released_on_stop);
	tcase_add_test(tc, resolv_conf_has_no_loopback_and_is_read_only);
	tcase_add_test(tc, resolv_conf_symlink_is_replaced_not_followed);
	tcase_add_test(tc, task_killed_behind_berths_back_is_replaced);
	tcase_add_test(tc, container_deleted_behind_berths_back_is_rebuilt);
	tcase_add_test(tc, stop_and_delete_after_a_kill_release_the_lease);
	tcase_add_test(tc, lost_container_record_keeps_rootfs_and_delete_cleans_it);
	tcase_add_test(tc, routes_without_a_container);
	tcase_add_test(tc, container_without_its_snapshot_is_replaced);
	tcase_add_test(tc, containerd_outage_is_a_clear_503);
	suite_add_tcase(s, tc);
	return it_run_suite(s);
}
