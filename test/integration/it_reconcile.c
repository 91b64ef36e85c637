/* it_reconcile.c: issue #8, berth-reconcile's fault drills on the real stack (the stack runs it as
 * the service `reconcile`; the test profile relists every 3 s, backs off from 500 ms to 4 s):
 *   2  `ctr t kill -s KILL` behind Berth's back, and kill -9 of the bot's agent (its PID 1) from the
 *      host: restarted within 2 s;
 *   3  the task and the container removed behind its back: rebuilt from its live snapshot (a rootfs
 *      marker survives), or from the image when the snapshot went too; /data intact throughout;
 *   8  a bot whose first process ends at once: the backoff grows and is capped, restart_count counts,
 *      GET shows "backoff" with next_attempt_at; "never" leaves it stopped; a bad policy is 400;
 *   9  an API stop during a pass stays stopped; 20 concurrent API starts with reconciler passes:
 *      one task, no error;
 *   7  kill -9 of the active reconciler with a standby running: the standby takes over within 5 s;
 *   5  containerd restarted with live bots: no task restarted (same pids);
 *   6  PostgreSQL restarted: the reconciler reconnects, relocks, relists and acts again;
 *   1  every task and shim of the namespace killed and containerd restarted: 20 bots run again
 *      within 15 s;
 *   4  the bridge deleted: host -> container connectivity back within one relist period.
 * Drill 8 needs a first process that ends at once: the suite sets [bots] init_command to a command
 * that stops the agent (kill -TERM 1) when the bot's /data holds CRASH_MARKER, and restores the
 * stack's berth.conf at the end. Figures are printed on stderr. */
#define _GNU_SOURCE
#include "it_container_common.h"

#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CRASH_MARKER ".it-reconcile-crash"
#define RELIST_PERIOD_MS 3000
#define BACKOFF_MAX_MS 4000

static char *conf_original;

static char *conf_path(void)
{
	return it_fmt("%s/berth.conf", bt_env("BERTH_STACK"));
}

static void restart_services(void)
{
	ck_assert_int_eq(bt_stack("restart", "fcgi"), 0);
	ck_assert_int_eq(bt_stack("restart", "reconcile"), 0);
}

static void suite_setup(void)
{
	char *path = conf_path();
	conf_original = it_read_file(path);
	ck_assert_msg(conf_original, "cannot read %s", path);
	const char *key = "\ninit_command =";
	const char *p = strstr(conf_original, key);
	ck_assert_msg(p, "no init_command line in %s", path);
	const char *eol = strchr(p + 1, '\n');
	char *text = it_fmt("%.*s\ninit_command = if [ -e /data/" CRASH_MARKER
			    " ]; then kill -TERM 1; fi%s",
			    (int)(p - conf_original), conf_original, eol ? eol : "\n");
	it_write_file(path, text);
	free(text);
	free(path);
	restart_services();
}

static void suite_teardown(void)
{
	/* Whatever a test left: the stack's own reconciler runs, the standby does not. */
	(void)bt_stack("stop-service", "reconcile2");
	(void)bt_stack("start-service", "reconcile");
	(void)bt_stack("start-service", "postgres");
	(void)bt_stack("start-service", "containerd");
	if (conf_original) {
		char *path = conf_path();
		it_write_file(path, conf_original);
		free(path);
		free(conf_original);
		conf_original = NULL;
		restart_services();
	}
}

/* ---- observations ---- */

/* The pid of the container's RUNNING task, 0 when it has none running. */
static int running_pid(const char *ctr_id)
{
	char *st = it_ctr_task_status(ctr_id);
	bool running = strcmp(st, "RUNNING") == 0;
	free(st);
	return running ? it_ctr_task_pid(ctr_id) : 0;
}

/* Waits until the container runs a task whose pid is not old_pid; returns the ms it took, -1 on
 * timeout. */
static long long wait_restarted(const char *ctr_id, int old_pid, int timeout_ms)
{
	long long t0 = bt_now_ms();
	while (bt_now_ms() - t0 <= timeout_ms) {
		int pid = running_pid(ctr_id);
		if (pid && pid != old_pid)
			return bt_now_ms() - t0;
		bt_sleep_ms(50);
	}
	return -1;
}

static json_t *get_container(const it_owned_bot *b)
{
	return it_api_expect("GET", b->bot_id, "", NULL, b->owner.ident, 200);
}

static long long json_int(const json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

static char *sql_for_bot(const char *fmt, const char *bot_id)
{
	char *sql = it_fmt(fmt, bot_id);
	char *out = bt_sql(sql);
	free(sql);
	return out;
}

static void kill_task(const char *ctr_id)
{
	char *out = NULL;
	int rc = bt_ctr(&out, "task", "kill", "-s", "KILL", ctr_id, NULL);
	ck_assert_msg(rc == 0, "ctr task kill %s: %d %s", ctr_id, rc, out ? out : "");
	free(out);
}

static void write_marker(const char *bot_id, bool present)
{
	char *dir = it_data_dir(bot_id);
	char *path = it_fmt("%s/%s", dir, CRASH_MARKER);
	if (present)
		it_write_file(path, "crash\n");
	else
		ck_assert_msg(unlink(path) == 0, "unlink %s", path);
	free(path);
	free(dir);
}

/* The "reconciler" member of GET /ready. NEW. */
static char *ready_reconciler(void)
{
	bt_response r;
	long st = bt_request("GET", "/ready", NULL, NULL, bt_admin(), &r);
	ck_assert_msg(st == 200, "GET /ready: %ld %s", st, r.body);
	json_t *j = bt_json(&r);
	char *state = it_fmt("%s", it_str(j, "reconciler"));
	json_decref(j);
	bt_response_free(&r);
	return state;
}

/* ---- drill 2: a task killed behind Berth's back, the agent killed ---- */

START_TEST(killed_task_restarted)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	json_decref(it_create(b.bot_id, b.owner.ident));
	int pid = running_pid(b.ctr_id);
	ck_assert_int_gt(pid, 0);

	kill_task(b.ctr_id);
	long long ms = wait_restarted(b.ctr_id, pid, 10000);
	fprintf(stderr, "it_reconcile: ctr t kill -s KILL -> running again in %lld ms\n", ms);
	ck_assert_msg(ms >= 0 && ms <= 2000, "not restarted within 2 s (%lld ms)", ms);

	/* the agent, PID 1 of the bot, killed from the host */
	pid = running_pid(b.ctr_id);
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ms = wait_restarted(b.ctr_id, pid, 10000);
	fprintf(stderr, "it_reconcile: kill -9 of the agent -> running again in %lld ms\n", ms);
	ck_assert_msg(ms >= 0 && ms <= 2000,
		      "not restarted within 2 s after the agent's death (%lld ms)", ms);

	/* the row and GET tell it: running, counted, the exit recorded */
	bt_sleep_ms(300);
	json_t *g = get_container(&b);
	ck_assert_str_eq(it_str(g, "status"), "running");
	ck_assert_str_eq(it_str(g, "restart_policy"), "always");
	ck_assert_int_ge(json_int(g, "restart_count"), 2);
	ck_assert_int_eq(json_int(g, "last_exit_code"), 137);
	ck_assert_msg(it_str(g, "last_exit_at")[0], "no last_exit_at");
	ck_assert_msg(json_is_null(json_object_get(g, "last_error")), "last_error set");
	ck_assert_msg(it_str(g, "ip")[0], "no ip after the restart");
	ck_assert_msg(it_str(g, "observed_at")[0], "no observed_at");
	json_decref(g);
	char *state = ready_reconciler();
	ck_assert_str_eq(state, "active");
	free(state);
	it_owned_bot_done(&b);
}
END_TEST

/* ---- drill 3: the container removed behind Berth's back ---- */

/* GETs until observed_by is want (at most timeout_ms); returns that answer. */
static json_t *wait_observed_by(const it_owned_bot *b, const char *want, int timeout_ms)
{
	long long deadline = bt_now_ms() + timeout_ms;
	for (;;) {
		json_t *g = get_container(b);
		if (strcmp(it_str(g, "observed_by"), want) == 0)
			return g;
		ck_assert_msg(bt_now_ms() < deadline,
			      "GET still observed by %s after %d ms (want %s)",
			      it_str(g, "observed_by"), timeout_ms, want);
		json_decref(g);
		bt_sleep_ms(50);
	}
}

/* Issue #8, observed state that reads can trust: with the reconciler active, GET answers from the
 * row (observed_by reconciler, with observed_at), even with containerd frozen; a task killed behind
 * Berth's back shows within a bounded time; with the reconciler stopped, GET asks containerd. */
START_TEST(reads_trust_the_row)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	json_decref(it_create(b.bot_id, b.owner.ident));
	json_t *g = wait_observed_by(&b, "reconciler", 3 * RELIST_PERIOD_MS);
	ck_assert(json_is_true(json_object_get(g, "task_running")));
	ck_assert_str_eq(it_str(g, "task_status"), "running");
	ck_assert_str_eq(it_str(g, "status"), "running");
	ck_assert(json_is_string(json_object_get(g, "ip")));
	ck_assert(json_is_string(json_object_get(g, "observed_at")));
	json_decref(g);

	/* containerd frozen: the answer comes from the row, quickly. */
	int ctd = bt_stack_pid("containerd");
	ck_assert_int_eq(kill(ctd, SIGSTOP), 0);
	bt_response r;
	long long t0 = bt_now_ms();
	long s = it_api("GET", b.bot_id, "", NULL, b.owner.ident, &r);
	long long took = bt_now_ms() - t0;
	(void)kill(ctd, SIGCONT);
	ck_assert_msg(s == 200, "GET with containerd frozen: %ld %.300s", s, r.body);
	g = bt_json(&r);
	bt_response_free(&r);
	ck_assert_str_eq(it_str(g, "observed_by"), "reconciler");
	ck_assert(json_is_true(json_object_get(g, "task_running")));
	json_decref(g);
	fprintf(stderr, "it_reconcile: GET with containerd frozen answered in %lld ms\n", took);
	ck_assert_msg(took < 1000, "GET with containerd frozen took %lld ms", took);

	/* Killed behind Berth's back: the row follows the exit event. */
	kill_task(b.ctr_id);
	t0 = bt_now_ms();
	long long seen = -1;
	while (bt_now_ms() - t0 < 2000) {
		g = get_container(&b);
		bool running = json_is_true(json_object_get(g, "task_running"));
		json_decref(g);
		if (!running) {
			seen = bt_now_ms() - t0;
			break;
		}
		bt_sleep_ms(5);
	}
	fprintf(stderr, "it_reconcile: killed task shown by GET after %lld ms\n", seen);
	ck_assert_msg(seen >= 0, "GET still says running 2 s after the kill");

	/* The reconciler stopped: GET asks containerd, and says so. */
	ck_assert_int_eq(bt_stack("stop-service", "reconcile"), 0);
	g = get_container(&b);
	ck_assert_str_eq(it_str(g, "observed_by"), "containerd");
	char *st = it_ctr_task_status(b.ctr_id);
	ck_assert_msg(json_is_true(json_object_get(g, "task_running")) ==
			      (strcmp(st, "RUNNING") == 0),
		      "GET task_running vs ctr '%s'", st);
	free(st);
	json_decref(g);
	ck_assert_int_eq(bt_stack("start-service", "reconcile"), 0);
	json_decref(wait_observed_by(&b, "reconciler", 3 * RELIST_PERIOD_MS + 2000));
	it_owned_bot_done(&b);
}
END_TEST

static void remove_behind_back(const char *ctr_id, bool keep_snapshot)
{
	char *out = NULL;
	/* The reconciler must not restart the task between its kill and the container's removal. */
	ck_assert_int_eq(bt_stack("stop-service", "reconcile"), 0);
	kill_task(ctr_id);
	for (int i = 0; i < 50 && running_pid(ctr_id); i++)
		bt_sleep_ms(100);
	int rc = bt_ctr(&out, "task", "rm", "-f", ctr_id, NULL);
	ck_assert_msg(rc == 0, "ctr task rm: %d %s", rc, out ? out : "");
	free(out);
	out = NULL;
	rc = keep_snapshot ? bt_ctr(&out, "container", "rm", "--keep-snapshot", ctr_id, NULL)
			   : bt_ctr(&out, "container", "rm", ctr_id, NULL);
	ck_assert_msg(rc == 0, "ctr container rm: %d %s", rc, out ? out : "");
	free(out);
	ck_assert(!it_ctr_container_exists(ctr_id));
	ck_assert_int_eq(bt_stack("start-service", "reconcile"), 0);
}

START_TEST(removed_container_rebuilt)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	json_decref(it_create(b.bot_id, b.owner.ident));
	free(it_exec_ok(
		b.ctr_id,
		"echo rootfs-kept > /etc/it-rootfs-marker && echo data-kept > /data/it-data-marker"));

	remove_behind_back(b.ctr_id, true);
	long long ms = wait_restarted(b.ctr_id, 0, 15000);
	fprintf(stderr,
		"it_reconcile: container removed (snapshot kept) -> rebuilt and running in %lld ms\n",
		ms);
	ck_assert_msg(ms >= 0, "not rebuilt");
	char *out = it_exec_ok(b.ctr_id, "cat /etc/it-rootfs-marker /data/it-data-marker");
	ck_assert_str_eq(out, "rootfs-kept\ndata-kept");
	free(out);

	/* the snapshot gone too (ctr's default): rebuilt from the image, /data intact */
	remove_behind_back(b.ctr_id, false);
	ms = wait_restarted(b.ctr_id, 0, 15000);
	fprintf(stderr,
		"it_reconcile: container and snapshot removed -> rebuilt from the image in %lld ms\n",
		ms);
	ck_assert_msg(ms >= 0, "not rebuilt from the image");
	out = it_exec_ok(
		b.ctr_id,
		"cat /data/it-data-marker; test -e /etc/it-rootfs-marker && echo stale || true");
	ck_assert_str_eq(out, "data-kept");
	free(out);
	it_owned_bot_done(&b);
}
END_TEST

/* ---- drill 8: restart policy and backoff ---- */

START_TEST(backoff_grows_and_caps)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	json_decref(it_create(b.bot_id, b.owner.ident));
	write_marker(b.bot_id, true);
	kill_task(b.ctr_id);

	/* GET shows the wait while it lasts */
	bool saw_backoff = false;
	long long t0 = bt_now_ms();
	while (!saw_backoff && bt_now_ms() - t0 < 10000) {
		json_t *g = get_container(&b);
		saw_backoff = strcmp(it_str(g, "status"), "backoff") == 0 &&
			      it_str(g, "next_attempt_at")[0];
		json_decref(g);
		bt_sleep_ms(50);
	}
	ck_assert_msg(saw_backoff, "GET never showed status backoff with next_attempt_at");

	/* the delays double up to the cap: 500, 1000, 2000, 4000, 4000 */
	char *delays = NULL;
	t0 = bt_now_ms();
	for (;;) {
		free(delays);
		delays = sql_for_bot(
			"SELECT string_agg(payload->>'backoff_ms', ',' ORDER BY created_at) FROM lifecycle_events "
			"WHERE bot_id = '%s' AND payload ? 'backoff_ms'",
			b.bot_id);
		if (strstr(delays, "4000,4000") || bt_now_ms() - t0 > 25000)
			break;
		bt_sleep_ms(500);
	}
	fprintf(stderr, "it_reconcile: backoff delays (ms): %s\n", delays);
	ck_assert_msg(strstr(delays, "4000,4000"), "the backoff did not reach its cap twice: %s",
		      delays);
	long prev = 0;
	for (char *p = delays; *p;) {
		long d = strtol(p, &p, 10);
		ck_assert_msg(d >= prev && d <= BACKOFF_MAX_MS,
			      "delays not growing up to the cap: %s", delays);
		prev = d;
		if (*p == ',')
			p++;
	}
	free(delays);
	json_t *g = get_container(&b);
	ck_assert_int_ge(json_int(g, "restart_count"), 4);
	json_decref(g);

	/* the cause gone, it runs again by itself */
	write_marker(b.bot_id, false);
	ck_assert_msg(wait_restarted(b.ctr_id, 0, BACKOFF_MAX_MS + 5000) >= 0, "not running again");
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(policy_never_and_bad_policy)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	it_api_expect_error("POST", b.bot_id, "", "{\"restart_policy\":\"sometimes\"}",
			    b.owner.ident, 400);
	it_api_expect_error("POST", b.bot_id, "", "{\"restart_policy\":\"on-failure:0\"}",
			    b.owner.ident, 400);
	json_decref(it_api_expect("POST", b.bot_id, "", "{\"restart_policy\":\"never\"}",
				  b.owner.ident, 200));
	json_t *g = get_container(&b);
	ck_assert_str_eq(it_str(g, "restart_policy"), "never");
	json_decref(g);

	kill_task(b.ctr_id);
	bt_sleep_ms(RELIST_PERIOD_MS + 1000);
	ck_assert_int_eq(running_pid(b.ctr_id), 0);
	g = get_container(&b);
	ck_assert_str_eq(it_str(g, "status"), "stopped");
	ck_assert_str_eq(it_str(g, "desired_state"), "running");
	ck_assert_int_eq(json_int(g, "restart_count"), 0);
	ck_assert_int_eq(json_int(g, "last_exit_code"), 137);
	json_decref(g);
	/* an API start still starts it */
	json_decref(it_api_expect("POST", b.bot_id, "/start", NULL, b.owner.ident, 200));
	ck_assert_int_gt(running_pid(b.ctr_id), 0);
	it_owned_bot_done(&b);
}
END_TEST

/* ---- drill 9: the API and the reconciler on one bot ---- */

START_TEST(api_stop_during_pass_stays_stopped)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	json_decref(it_create(b.bot_id, b.owner.ident));
	/* the exit starts a pass (and a backoff); the stop lands in the middle of it */
	kill_task(b.ctr_id);
	json_decref(it_api_expect("POST", b.bot_id, "/stop", NULL, b.owner.ident, 200));
	bt_sleep_ms(RELIST_PERIOD_MS + 1500);
	ck_assert_int_eq(running_pid(b.ctr_id), 0);
	json_t *g = get_container(&b);
	ck_assert_str_eq(it_str(g, "status"), "stopped");
	ck_assert_str_eq(it_str(g, "desired_state"), "stopped");
	json_decref(g);
	ck_assert_int_eq(it_ipam_leases(b.ctr_id), 0);
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(concurrent_starts_and_passes)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	json_decref(it_create(b.bot_id, b.owner.ident));
	struct it_op ops[20];
	long statuses[20];
	for (int i = 0; i < 20; i++)
		ops[i] = (struct it_op){ "POST", "/start", "" };
	/* every start NOTIFYs the reconciler: its passes run among them */
	kill_task(b.ctr_id);
	it_run_concurrently(b.bot_id, b.owner.ident, ops, 20, statuses);
	for (int i = 0; i < 20; i++)
		ck_assert_msg(statuses[i] == 200, "start %d answered %ld", i, statuses[i]);
	bt_sleep_ms(1500);
	char *out = NULL;
	ck_assert_int_eq(bt_ctr(&out, "task", "ls", NULL), 0);
	int tasks = 0;
	for (char *p = out; (p = strstr(p, b.ctr_id)); p++)
		tasks++;
	free(out);
	ck_assert_int_eq(tasks, 1);
	ck_assert_int_gt(running_pid(b.ctr_id), 0);
	json_t *g = get_container(&b);
	ck_assert_str_eq(it_str(g, "status"), "running");
	ck_assert_msg(json_is_null(json_object_get(g, "last_error")), "last_error: %s",
		      it_str(g, "last_error"));
	json_decref(g);
	char *errors = sql_for_bot(
		"SELECT count(*) FROM lifecycle_events WHERE bot_id = '%s' AND event_type = 'error'",
		b.bot_id);
	ck_assert_str_eq(errors, "0");
	free(errors);
	ck_assert_int_eq(it_ipam_leases(b.ctr_id), 1);
	it_owned_bot_done(&b);
}
END_TEST

/* ---- drill 7: the standby takes over ---- */

START_TEST(standby_takes_over)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	json_decref(it_create(b.bot_id, b.owner.ident));
	ck_assert_int_eq(bt_stack("start-service", "reconcile2"), 0);
	bt_sleep_ms(1000); /* it found the lock taken: standby */

	ck_assert_int_eq(bt_stack("kill", "reconcile"), 0);
	long long t0 = bt_now_ms();
	int pid = running_pid(b.ctr_id);
	kill_task(b.ctr_id);
	long long ms = wait_restarted(b.ctr_id, pid, 15000);
	long long takeover = ms >= 0 ? bt_now_ms() - t0 : -1;
	fprintf(stderr,
		"it_reconcile: active reconciler killed -> the standby restarted a killed task %lld ms later\n",
		takeover);
	/* takeover (< 5 s) + the first backoff (500 ms) + the restart itself */
	ck_assert_msg(ms >= 0 && takeover <= 6500,
		      "the standby did not take over in time (%lld ms)", takeover);

	/* none at all: /ready says so */
	ck_assert_int_eq(bt_stack("stop-service", "reconcile2"), 0);
	char *state = ready_reconciler();
	ck_assert_str_eq(state, "absent");
	free(state);
	ck_assert_int_eq(bt_stack("start-service", "reconcile2"), 0);

	/* back to one reconciler, the stack's own */
	ck_assert_int_eq(bt_stack("start-service", "reconcile"), 0);
	ck_assert_int_eq(bt_stack("stop-service", "reconcile2"), 0);
	pid = running_pid(b.ctr_id);
	kill_task(b.ctr_id);
	ck_assert_msg(wait_restarted(b.ctr_id, pid, 8000) >= 0,
		      "the stack's reconciler did not take over again");
	it_owned_bot_done(&b);
}
END_TEST

/* ---- drill 5: containerd restarted, live tasks adopted ---- */

START_TEST(containerd_restart_keeps_tasks)
{
	it_owned_bot a = it_owned_bot_new("personal", 0), b = it_owned_bot_new("personal", 0);
	json_decref(it_create(a.bot_id, a.owner.ident));
	json_decref(it_create(b.bot_id, b.owner.ident));
	int pa = running_pid(a.ctr_id), pb = running_pid(b.ctr_id);
	ck_assert(pa > 0 && pb > 0);
	ck_assert_int_eq(bt_stack("restart", "containerd"), 0);
	bt_sleep_ms(RELIST_PERIOD_MS + 2000); /* the event stream came back, a relist ran */
	ck_assert_int_eq(running_pid(a.ctr_id), pa);
	ck_assert_int_eq(running_pid(b.ctr_id), pb);
	/* and the reconciler follows events again */
	kill_task(a.ctr_id);
	ck_assert_msg(wait_restarted(a.ctr_id, pa, 5000) >= 0,
		      "no restart after containerd's restart");
	it_owned_bot_done(&a);
	it_owned_bot_done(&b);
}
END_TEST

/* ---- drill 6: PostgreSQL restarted ---- */

#define PG_BOTS 4 /* as many as the reconciler's workers: each one's connection must come back */

START_TEST(postgres_restart_relock_relist)
{
	it_owned_bot bots[PG_BOTS];
	int pids[PG_BOTS];
	for (int i = 0; i < PG_BOTS; i++) {
		bots[i] = it_owned_bot_new("personal", 0);
		json_decref(it_create(bots[i].bot_id, bots[i].owner.ident));
		pids[i] = running_pid(bots[i].ctr_id);
	}
	bt_sleep_ms(RELIST_PERIOD_MS + 500); /* every worker has run a pass on its connection */
	ck_assert_int_eq(bt_stack("restart", "postgres"), 0);
	long long t0 = bt_now_ms();
	for (int i = 0; i < PG_BOTS; i++)
		kill_task(bots[i].ctr_id);
	for (int i = 0; i < PG_BOTS; i++) {
		long long ms = wait_restarted(bots[i].ctr_id, pids[i], 15000);
		ck_assert_msg(ms >= 0, "bot %d: no restart after PostgreSQL's restart", i);
	}
	fprintf(stderr,
		"it_reconcile: PostgreSQL restarted -> %d killed tasks restarted within %lld ms\n",
		PG_BOTS, bt_now_ms() - t0);
	bt_sleep_ms(500);
	/* one restart for one exit: nothing done twice */
	for (int i = 0; i < PG_BOTS; i++) {
		json_t *g = get_container(&bots[i]);
		ck_assert_int_eq(json_int(g, "restart_count"), 1);
		ck_assert_str_eq(it_str(g, "status"), "running");
		json_decref(g);
	}
	char *log_path = it_fmt("%s/logs/berth-reconcile.log", bt_env("BERTH_STACK"));
	char *log = it_read_file(log_path);
	ck_assert_msg(log && strstr(log, "lost the database connection holding the node lock"),
		      "the reconciler did not notice the lost connection");
	free(log);
	free(log_path);
	for (int i = 0; i < PG_BOTS; i++)
		it_owned_bot_done(&bots[i]);
}
END_TEST

/* ---- drill 1: a simulated host reboot ---- */

#define REBOOT_BOTS 20

/* Whether /proc/<pid>/cmdline is a shim of this stack's containerd namespace. */
static bool is_our_shim(const char *pid)
{
	char path[300], buf[4096];
	snprintf(path, sizeof path, "/proc/%s/cmdline", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (!strstr(buf, "containerd-shim"))
		return false;
	bool ns = false, addr = false;
	for (size_t i = 0; i < n; i += strlen(buf + i) + 1) {
		if (strcmp(buf + i, "-namespace") == 0 && i + strlen(buf + i) + 1 < n)
			ns = strcmp(buf + i + strlen(buf + i) + 1,
				    bt_env("BERTH_CONTAINERD_NAMESPACE")) == 0;
		if (strcmp(buf + i, "-address") == 0 && i + strlen(buf + i) + 1 < n)
			addr = strcmp(buf + i + strlen(buf + i) + 1,
				      bt_env("BERTH_CONTAINERD_SOCKET")) == 0;
	}
	return ns && addr;
}

START_TEST(host_reboot_twenty_bots)
{
	it_owned_bot bots[REBOOT_BOTS];
	int pids[REBOOT_BOTS];
	for (int i = 0; i < REBOOT_BOTS; i++) {
		bots[i] = it_owned_bot_new("personal", 0);
		json_decref(it_create(bots[i].bot_id, bots[i].owner.ident));
		pids[i] = running_pid(bots[i].ctr_id);
		ck_assert_int_gt(pids[i], 0);
		char *data = it_data_dir(bots[i].bot_id);
		char *marker = it_fmt("%s/it-reboot-marker", data);
		it_write_file(marker, "kept\n");
		free(marker);
		free(data);
	}
	/* every task and shim of the namespace, by pid, then containerd */
	for (int i = 0; i < REBOOT_BOTS; i++)
		(void)kill(pids[i], SIGKILL);
	DIR *proc = opendir("/proc");
	ck_assert(proc);
	int shims = 0;
	for (struct dirent *e; (e = readdir(proc));)
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9' && is_our_shim(e->d_name)) {
			(void)kill(atoi(e->d_name), SIGKILL);
			shims++;
		}
	closedir(proc);
	fprintf(stderr, "it_reconcile: reboot drill: killed %d tasks and %d shims\n", REBOOT_BOTS,
		shims);
	long long t0 = bt_now_ms();
	ck_assert_int_eq(bt_stack("restart", "containerd"), 0);

	int running = 0;
	while (bt_now_ms() - t0 < 30000) {
		running = 0;
		for (int i = 0; i < REBOOT_BOTS; i++)
			running += running_pid(bots[i].ctr_id) != 0;
		if (running == REBOOT_BOTS)
			break;
		bt_sleep_ms(200);
	}
	long long ms = bt_now_ms() - t0;
	fprintf(stderr,
		"it_reconcile: reboot drill: %d/%d bots running again %lld ms after containerd's restart\n",
		running, REBOOT_BOTS, ms);
	ck_assert_int_eq(running, REBOOT_BOTS);
	ck_assert_msg(ms <= 15000, "20 bots took %lld ms (> 15 s)", ms);
	bt_sleep_ms(500);
	for (int i = 0; i < REBOOT_BOTS; i++) {
		json_t *g = get_container(&bots[i]);
		ck_assert_msg(it_str(g, "ip")[0], "bot %d has no ip", i);
		json_decref(g);
		char *out = it_exec_ok(bots[i].ctr_id, "cat /data/it-reboot-marker");
		ck_assert_str_eq(out, "kept");
		free(out);
		it_owned_bot_done(&bots[i]);
	}
}
END_TEST

/* ---- drill 4: the bridge deleted ---- */

static char *bridge_name(void)
{
	char *dir = it_fmt("%s", bt_env("BERTH_CNI_CONF_DIR"));
	char *out = NULL;
	char *script = it_fmt(
		"sed -n 's/.*\"bridge\": *\"\\([^\"]*\\)\".*/\\1/p' %s/*.conflist | head -n1", dir);
	char *argv[] = { "/bin/sh", "-c", script, NULL };
	ck_assert_int_eq(bt_run(argv, &out, NULL, 10), 0);
	size_t n = strlen(out);
	while (n && out[n - 1] == '\n')
		out[--n] = '\0';
	ck_assert_msg(n > 0, "no bridge name in %s", dir);
	free(script);
	free(dir);
	return out;
}

static bool pings(const char *ip)
{
	char *argv[] = { "busybox", "ping", "-c", "1", "-W", "1", (char *)ip, NULL };
	return bt_run(argv, NULL, NULL, 5) == 0;
}

START_TEST(deleted_bridge_restored)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	json_t *c = it_create(b.bot_id, b.owner.ident);
	char *ip = it_fmt("%s", it_str(c, "ip"));
	json_decref(c);
	ck_assert_msg(pings(ip), "no ping to %s before the drill", ip);
	char *bridge = bridge_name();
	char *argv[] = { "ip", "link", "del", bridge, NULL };
	ck_assert_int_eq(bt_run(argv, NULL, NULL, 10), 0);
	long long t0 = bt_now_ms();
	bool back = false;
	/* The network is attached again (host-local may hand out another address): GET names it. */
	while (!back && bt_now_ms() - t0 < 2 * RELIST_PERIOD_MS + 5000) {
		json_t *g = get_container(&b);
		free(ip);
		ip = it_fmt("%s", it_str(g, "ip"));
		json_decref(g);
		back = ip[0] && pings(ip);
		if (!back)
			bt_sleep_ms(200);
	}
	long long ms = bt_now_ms() - t0;
	fprintf(stderr,
		"it_reconcile: bridge %s deleted -> the bot reachable again (%s) after %lld ms\n",
		bridge, ip, ms);
	ck_assert_msg(back, "the bot is not reachable again (%s)", ip);
	ck_assert_msg(ms <= RELIST_PERIOD_MS + 2000, "took %lld ms, more than one relist period",
		      ms);
	free(bridge);
	free(ip);
	it_owned_bot_done(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("reconcile");
	TCase *tc = tcase_create("reconcile");

	tcase_set_timeout(tc, 300);
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_add_test(tc, killed_task_restarted);
	tcase_add_test(tc, reads_trust_the_row);
	tcase_add_test(tc, removed_container_rebuilt);
	tcase_add_test(tc, backoff_grows_and_caps);
	tcase_add_test(tc, policy_never_and_bad_policy);
	tcase_add_test(tc, api_stop_during_pass_stays_stopped);
	tcase_add_test(tc, concurrent_starts_and_passes);
	tcase_add_test(tc, standby_takes_over);
	tcase_add_test(tc, containerd_restart_keeps_tasks);
	tcase_add_test(tc, postgres_restart_relock_relist);
	tcase_add_test(tc, host_reboot_twenty_bots);
	tcase_add_test(tc, deleted_bridge_restored);
	suite_add_tcase(s, tc);
	return it_run_suite(s);
}
