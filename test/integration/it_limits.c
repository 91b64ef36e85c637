/* it_limits.c: issue #11, a bot container's resource limits and usage, for real on the stack:
 * limits in the create body, shown by GET, changed live by PATCH (observed in the container's
 * cgroup files on the host and through ctr), kept across stop/start and rollback; out-of-range
 * values are 400 and change nothing; a memory hog is OOM-killed and counted, a fork bomb (200
 * sleepers, and the real recursive one) stops at the pids limit while the agent (PID 1) keeps
 * answering, a CPU spinner gets no more than its quota (usage_usec over wall time from GET
 * .../stats); a stopped bot's stats are 409 container_not_running. Hogs are bounded (small
 * limits, timeouts): the machine is shared. */
#define _GNU_SOURCE
#include "it_container_common.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The container's cgroup file on the host (cgroupfs driver, cgroupsPath /<ns>/<id>): v1 reads
 * v1_ctl/v1_file, a unified host v2_file. NEW, trailing newline removed; NULL when unreadable. */
static char *cgroup_read(const char *ctr_id, const char *v1_ctl, const char *v1_file,
			 const char *v2_file)
{
	const char *ns = bt_env("BERTH_CONTAINERD_NAMESPACE");
	char *path;
	if (access("/sys/fs/cgroup/memory", F_OK) == 0)
		path = it_fmt("/sys/fs/cgroup/%s/%s/%s/%s", v1_ctl, ns, ctr_id, v1_file);
	else
		path = it_fmt("/sys/fs/cgroup/%s/%s/%s", ns, ctr_id, v2_file);
	char *text = it_read_file(path);
	free(path);
	if (text) {
		size_t n = strlen(text);
		while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
			text[--n] = '\0';
	}
	return text;
}

static void expect_cgroup(const char *ctr_id, const char *v1_ctl, const char *v1_file,
			  const char *v2_file, const char *want)
{
	char *got = cgroup_read(ctr_id, v1_ctl, v1_file, v2_file);
	ck_assert_msg(got && strcmp(got, want) == 0, "%s of %s is '%s', want '%s'", v1_file, ctr_id,
		      got ? got : "(unreadable)", want);
	free(got);
}

static void expect_memory_limit(const char *ctr_id, const char *bytes)
{
	expect_cgroup(ctr_id, "memory", "memory.limit_in_bytes", "memory.max", bytes);
	/* swap off: memory+swap is the same limit (v2: no swap at all) */
	if (access("/sys/fs/cgroup/memory", F_OK) == 0)
		expect_cgroup(ctr_id, "memory", "memory.memsw.limit_in_bytes", "", bytes);
	else
		expect_cgroup(ctr_id, "", "", "memory.swap.max", "0");
}

static void expect_pids_limit(const char *ctr_id, const char *n)
{
	expect_cgroup(ctr_id, "pids", "pids.max", "pids.max", n);
}

static void expect_cpu_quota(const char *ctr_id, const char *quota)
{
	if (access("/sys/fs/cgroup/memory", F_OK) == 0) {
		expect_cgroup(ctr_id, "cpu", "cpu.cfs_quota_us", "", quota);
	} else {
		char *want = it_fmt("%s 100000", quota);
		expect_cgroup(ctr_id, "", "", "cpu.max", want);
		free(want);
	}
}

/* The spec containerd has for the container (ctr container info): linux.resources.<group>.<key>. */
static json_int_t spec_resource(const char *ctr_id, const char *group, const char *key)
{
	json_t *info = it_ctr_info(ctr_id);
	json_t *v = json_object_get(
		json_object_get(
			json_object_get(json_object_get(json_object_get(info, "Spec"), "linux"),
					"resources"),
			group),
		key);
	ck_assert_msg(json_is_integer(v), "ctr container info: no linux.resources.%s.%s", group,
		      key);
	json_int_t n = json_integer_value(v);
	json_decref(info);
	return n;
}

static json_t *stats(const char *bot_id, bt_identity id)
{
	return it_api_expect("GET", bot_id, "/stats", NULL, id, 200);
}

static json_int_t num(const json_t *obj, const char *group, const char *key)
{
	json_t *v = json_object_get(json_object_get(obj, group), key);
	ck_assert_msg(json_is_integer(v), "%s.%s is not an integer", group, key);
	return json_integer_value(v);
}

/* POST /bots/<bot>/container/exec {"command":..., "timeout_s":...}: the HTTP status, *res (may be
 * NULL) the parsed answer. */
static long agent_exec(const char *bot_id, bt_identity id, const char *command, int timeout_s,
		       json_t **res)
{
	json_t *body = json_pack("{s:s,s:i}", "command", command, "timeout_s", timeout_s);
	char *text = json_dumps(body, JSON_COMPACT);
	char *path = it_fmt("/bots/%s/container/exec", bot_id);
	bt_response r;
	long s = bt_request("POST", path, text, "application/json", id, &r);
	if (res)
		*res = s == 200 ? bt_json(&r) : NULL;
	bt_response_free(&r);
	free(path);
	free(text);
	json_decref(body);
	return s;
}

static json_t *create_with(const char *bot_id, bt_identity id, const char *limits)
{
	char *body = it_fmt("{\"limits\":%s}", limits);
	json_t *j = it_api_expect("POST", bot_id, "", body, id, 200);
	free(body);
	ck_assert_msg(json_is_true(json_object_get(j, "started")), "create: started is not true");
	return j;
}

START_TEST(create_get_patch_live_and_kept)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	bt_identity owner = b.owner.ident;

	json_t *c = create_with(b.bot_id, owner,
				"{\"cpus\":0.5,\"memory_bytes\":134217728,\"pids\":200}");
	json_t *l = json_object_get(c, "limits");
	ck_assert_msg(json_is_object(l), "create answered no limits");
	ck_assert_int_eq(json_integer_value(json_object_get(l, "cpu_quota_us")), 50000);
	ck_assert_int_eq(json_integer_value(json_object_get(l, "cpu_period_us")), 100000);
	ck_assert_int_eq(json_integer_value(json_object_get(l, "memory_bytes")), 134217728);
	ck_assert_int_eq(json_integer_value(json_object_get(l, "pids")), 200);
	ck_assert(json_is_false(json_object_get(l, "memory_swap")));
	ck_assert_int_eq(json_array_size(json_object_get(l, "defaults")), 0);
	json_decref(c);
	/* A real reads as written: 0.3 CPUs is "0.3" on the wire. */
	bt_response r;
	ck_assert_int_eq(it_api("PATCH", b.bot_id, "", "{\"limits\":{\"cpus\":0.3}}", owner, &r),
			 200);
	ck_assert_msg(strstr(r.body, "\"cpus\":0.3,"), "cpus as answered: %s", r.body);
	bt_response_free(&r);
	ck_assert_int_eq(it_api("PATCH", b.bot_id, "", "{\"limits\":{\"cpus\":0.5}}", owner, &r),
			 200);
	bt_response_free(&r);
	expect_memory_limit(b.ctr_id, "134217728");
	expect_pids_limit(b.ctr_id, "200");
	expect_cpu_quota(b.ctr_id, "50000");

	/* GET shows them. */
	json_t *g = it_api_expect("GET", b.bot_id, "", NULL, owner, 200);
	l = json_object_get(g, "limits");
	ck_assert(json_real_value(json_object_get(l, "cpus")) > 0.49 &&
		  json_real_value(json_object_get(l, "cpus")) < 0.51);
	json_decref(g);

	/* PATCH: live, same task (no restart), cgroup and spec changed. */
	int pid = it_ctr_task_pid(b.ctr_id);
	json_t *p = it_api_expect(
		"PATCH", b.bot_id, "",
		"{\"limits\":{\"memory_bytes\":100663296,\"pids\":150,\"cpu_quota_us\":30000}}",
		owner, 200);
	ck_assert(json_is_true(json_object_get(p, "applied_live")));
	json_decref(p);
	ck_assert_int_eq(it_ctr_task_pid(b.ctr_id), pid);
	expect_memory_limit(b.ctr_id, "100663296");
	expect_pids_limit(b.ctr_id, "150");
	expect_cpu_quota(b.ctr_id, "30000");
	ck_assert_int_eq(spec_resource(b.ctr_id, "memory", "limit"), 100663296);
	ck_assert_int_eq(spec_resource(b.ctr_id, "memory", "swap"), 100663296);
	ck_assert_int_eq(spec_resource(b.ctr_id, "pids", "limit"), 150);
	ck_assert_int_eq(spec_resource(b.ctr_id, "cpu", "quota"), 30000);
	/* The stats route sees the same limits from containerd's metrics. */
	json_t *s = stats(b.bot_id, owner);
	ck_assert_int_eq(num(s, "memory", "limit_bytes"), 100663296);
	ck_assert_int_eq(num(s, "pids", "limit"), 150);
	ck_assert_msg(num(s, "pids", "current") >= 1, "no process counted");
	ck_assert_msg(num(s, "memory", "usage_bytes") > 0, "no memory use");
	ck_assert_msg(json_is_integer(json_object_get(json_object_get(s, "network"), "rx_bytes")),
		      "no network rx");
	json_decref(s);

	/* Kept across stop and start (a new task from the record's spec). */
	json_decref(it_api_expect("POST", b.bot_id, "/stop", NULL, owner, 200));
	it_api_expect_error("GET", b.bot_id, "/stats", NULL, owner, 409);
	json_decref(it_api_expect("POST", b.bot_id, "/start", NULL, owner, 200));
	ck_assert_int_ne(it_ctr_task_pid(b.ctr_id), pid);
	expect_memory_limit(b.ctr_id, "100663296");
	expect_pids_limit(b.ctr_id, "150");
	expect_cpu_quota(b.ctr_id, "30000");

	/* Kept across a rollback (the container is rebuilt from a snapshot), and a PATCH made after
	 * the snapshot wins: the limits are the bot's, not the snapshot's. */
	json_t *snap = it_api_expect("POST", b.bot_id, "/snapshots",
				     "{\"snapshot_name\":\"lim-snap\"}", owner, 200);
	json_decref(snap);
	json_decref(
		it_api_expect("PATCH", b.bot_id, "", "{\"limits\":{\"pids\":120}}", owner, 200));
	json_decref(it_api_expect("POST", b.bot_id, "/snapshots/rollback",
				  "{\"snapshot_name\":\"lim-snap\"}", owner, 200));
	expect_memory_limit(b.ctr_id, "100663296");
	expect_pids_limit(b.ctr_id, "120");
	expect_cpu_quota(b.ctr_id, "30000");

	/* null: back to the configured default (1024 pids in the stack's defaults). */
	p = it_api_expect("PATCH", b.bot_id, "", "{\"limits\":{\"pids\":null}}", owner, 200);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(p, "limits"), "pids")),
			 1024);
	json_decref(p);
	expect_pids_limit(b.ctr_id, "1024");

	/* A lifecycle event records each change. */
	char *sql = it_fmt(
		"SELECT count(*) FROM lifecycle_events WHERE bot_id = '%s' AND event_type = 'limits'",
		b.bot_id);
	char *n = bt_sql(sql);
	ck_assert_msg(atoi(n) >= 4, "limits events: %s", n);
	free(n);
	free(sql);
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(out_of_range_is_400_and_changes_nothing)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	bt_identity owner = b.owner.ident;
	static const struct {
		const char *limits, *field, *bound;
	} bad[] = {
		{ "{\"pids\":5}", "limits.pids", "between 16 and" },
		{ "{\"pids\":\"many\"}", "limits.pids", "integer" },
		{ "{\"cpus\":1000}", "limits.cpus", "between 0.01 and" },
		{ "{\"cpus\":0}", "limits.cpus", "between 0.01 and" },
		{ "{\"memory_bytes\":1024}", "limits.memory_bytes", "between 6291456 and" },
		{ "{\"memory_bytes\":1e12}", "limits.memory_bytes", "integer" },
		{ "{\"cpu_quota_us\":999}", "limits.cpu_quota_us", "between 1000 and" },
		{ "{\"cpu_period_us\":50000}", "limits.cpu_period_us", "needs" },
		{ "{\"cpus\":1,\"cpu_quota_us\":1000}", "limits.cpus", "mutually exclusive" },
		{ "{\"swap\":true}", "unknown member swap", "known:" },
		{ "[1]", "limits", "object" },
	};

	/* A create with bad limits makes nothing. */
	bt_response r;
	ck_assert_int_eq(it_api("POST", b.bot_id, "", "{\"limits\":{\"pids\":1}}", owner, &r), 400);
	bt_response_free(&r);
	ck_assert(!it_ctr_container_exists(b.ctr_id));
	it_api_expect_error("PATCH", b.bot_id, "", "{\"limits\":{\"pids\":100}}", owner, 404);

	json_decref(create_with(b.bot_id, owner, "{\"pids\":300}"));
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *body = it_fmt("{\"limits\":%s}", bad[i].limits);
		long st = it_api("PATCH", b.bot_id, "", body, owner, &r);
		ck_assert_msg(st == 400, "%s: %ld %s", body, st, r.body);
		json_t *e = bt_json(&r);
		ck_assert_str_eq(it_str(e, "code"), "invalid_limits");
		ck_assert_msg(strstr(it_str(e, "message"), bad[i].field) &&
				      strstr(it_str(e, "message"), bad[i].bound),
			      "%s: message '%s' names not %s / %s", body, it_str(e, "message"),
			      bad[i].field, bad[i].bound);
		json_decref(e);
		bt_response_free(&r);
		free(body);
	}
	/* Other members than limits, no body: 400. */
	ck_assert_int_eq(it_api("PATCH", b.bot_id, "", "{\"image\":\"x\"}", owner, &r), 400);
	bt_response_free(&r);
	ck_assert_int_eq(it_api("PATCH", b.bot_id, "", NULL, owner, &r), 400);
	bt_response_free(&r);
	/* Nothing changed. */
	expect_pids_limit(b.ctr_id, "300");
	json_t *g = it_api_expect("GET", b.bot_id, "", NULL, owner, 200);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(g, "limits"), "pids")),
			 300);
	json_decref(g);
	/* Another user's bot: 403 as on the other routes, and nothing changes. */
	it_owned_bot other = it_owned_bot_new("personal", 0);
	it_api_expect_error("PATCH", b.bot_id, "", "{\"limits\":{\"pids\":100}}", other.owner.ident,
			    403);
	expect_pids_limit(b.ctr_id, "300");
	it_owned_bot_done(&other);
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(refused_live_change_and_stopped_patch)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	bt_identity owner = b.owner.ident;

	json_decref(create_with(b.bot_id, owner, "{\"memory_bytes\":134217728}"));
	if (access("/sys/fs/cgroup/memory", F_OK) == 0) {
		/* 40 MiB in tmpfs is charged to the container and cannot be reclaimed without swap: cgroup
		 * v1 refuses a 16 MiB limit (EBUSY). The PATCH is 409 and nothing changes. */
		json_t *res = NULL;
		ck_assert_int_eq(
			agent_exec(b.bot_id, owner,
				   "head -c 41943040 /dev/zero > /dev/shm/ballast && echo ok", 20,
				   &res),
			200);
		ck_assert_str_eq(it_str(res, "stdout"), "ok\n");
		json_decref(res);
		bt_response r;
		long st = it_api("PATCH", b.bot_id, "", "{\"limits\":{\"memory_bytes\":16777216}}",
				 owner, &r);
		ck_assert_msg(st == 409, "PATCH below the usage: %ld %s", st, r.body);
		json_t *e = bt_json(&r);
		ck_assert_str_eq(it_str(e, "code"), "invalid_limits");
		json_decref(e);
		bt_response_free(&r);
		expect_memory_limit(b.ctr_id, "134217728");
		ck_assert_int_eq(spec_resource(b.ctr_id, "memory", "limit"), 134217728);
		json_t *g = it_api_expect("GET", b.bot_id, "", NULL, owner, 200);
		ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(g, "limits"),
								    "memory_bytes")),
				 134217728);
		json_decref(g);
	} else {
		bt_skip_note(
			__func__,
			"cgroup v2 host: memory.max below the usage OOM-kills instead of refusing");
	}

	/* A stopped bot: stored and written into the spec, applied by the next start. */
	json_decref(it_api_expect("POST", b.bot_id, "/stop", NULL, owner, 200));
	json_t *p = it_api_expect("PATCH", b.bot_id, "",
				  "{\"limits\":{\"memory_bytes\":67108864,\"pids\":64}}", owner,
				  200);
	ck_assert(json_is_false(json_object_get(p, "applied_live")));
	json_decref(p);
	ck_assert_int_eq(spec_resource(b.ctr_id, "memory", "limit"), 67108864);
	json_decref(it_api_expect("POST", b.bot_id, "/start", NULL, owner, 200));
	expect_memory_limit(b.ctr_id, "67108864");
	expect_pids_limit(b.ctr_id, "64");
	/* Deleted and created again without limits in the body: the bot keeps its own. */
	bt_response r;
	ck_assert_int_eq(it_api("DELETE", b.bot_id, "", NULL, owner, &r), 204);
	bt_response_free(&r);
	json_decref(it_create(b.bot_id, owner));
	expect_memory_limit(b.ctr_id, "67108864");
	expect_pids_limit(b.ctr_id, "64");
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(memory_hog_is_oom_killed_and_counted)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	bt_identity owner = b.owner.ident;

	json_decref(create_with(b.bot_id, owner, "{\"memory_bytes\":33554432}"));
	int pid = it_ctr_task_pid(b.ctr_id);
	json_t *s = stats(b.bot_id, owner);
	json_int_t oom_before = json_is_integer(
					json_object_get(json_object_get(s, "memory"), "oom_kills"))
					? num(s, "memory", "oom_kills")
					: -1;
	json_decref(s);

	/* dd allocates its 96 MiB block and touches it: three times the limit, no swap to escape to. */
	json_t *res = NULL;
	long st = agent_exec(b.bot_id, owner, "dd if=/dev/zero of=/dev/null bs=96M count=1", 30,
			     &res);
	ck_assert_int_eq(st, 200);
	ck_assert_msg(json_integer_value(json_object_get(res, "exit_code")) == 137 &&
			      json_integer_value(json_object_get(res, "signal")) == 9,
		      "the hog was not SIGKILLed: %s", json_dumps(res, JSON_COMPACT));
	json_decref(res);

	s = stats(b.bot_id, owner);
	char *mem = json_dumps(json_object_get(s, "memory"), JSON_COMPACT);
	fprintf(stderr, "it_limits: memory after the hog: %s\n", mem);
	free(mem);
	/* Both cgroup versions report the OOM kills on the kernels Berth runs on (v1: oom_control's
	 * oom_kill since 4.13). */
	ck_assert_msg(oom_before >= 0, "oom_kills not reported");
	ck_assert_msg(num(s, "memory", "oom_kills") > oom_before, "oom_kills did not grow");
	ck_assert_msg(!json_is_integer(
			      json_object_get(json_object_get(s, "memory"), "max_usage_bytes")) ||
			      num(s, "memory", "max_usage_bytes") <= 33554432,
		      "peak above the limit");
	json_decref(s);
	/* Recorded as such: the reconciler turns containerd's /tasks/oom into an "oom" lifecycle event
	 * (and last_oom_at); the stats route only counts. */
	char *sql = it_fmt(
		"SELECT count(*) FROM lifecycle_events WHERE bot_id = '%s' AND event_type = 'oom'",
		b.bot_id);
	long long deadline = bt_now_ms() + 15000;
	char *ev = NULL;
	for (;;) {
		free(ev);
		ev = bt_sql(sql);
		if (atoi(ev) >= 1 || bt_now_ms() > deadline)
			break;
		bt_sleep_ms(250);
	}
	ck_assert_msg(atoi(ev) >= 1, "no oom event recorded (%s)", ev);
	free(ev);
	free(sql);
	sql = it_fmt("SELECT last_oom_at IS NOT NULL FROM containers WHERE bot_id = '%s'",
		     b.bot_id);
	ev = bt_sql(sql);
	ck_assert_msg(ev[0] == 't', "last_oom_at not set: %s", ev);
	free(ev);
	free(sql);
	/* The agent (PID 1) survived: same task, and it still runs commands. */
	ck_assert_int_eq(it_ctr_task_pid(b.ctr_id), pid);
	ck_assert_int_eq(agent_exec(b.bot_id, owner, "echo alive", 10, &res), 200);
	ck_assert_str_eq(it_str(res, "stdout"), "alive\n");
	json_decref(res);
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(fork_bomb_stops_at_pids_limit)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	bt_identity owner = b.owner.ident;

	json_decref(create_with(b.bot_id, owner, "{\"pids\":32}"));
	int pid = it_ctr_task_pid(b.ctr_id);
	/* 200 short-lived sleepers: the forks beyond the limit fail; the sleepers end after 8 s. */
	json_t *res = NULL;
	long st = agent_exec(
		b.bot_id, owner,
		"i=0; while [ $i -lt 200 ]; do sleep 8 >/dev/null 2>&1 & i=$((i+1)); done 2>/dev/null; echo done",
		20, &res);
	ck_assert_msg(st == 200, "exec of the bomb: %ld", st);
	json_decref(res);

	json_t *s = stats(b.bot_id, owner);
	json_int_t current = num(s, "pids", "current");
	ck_assert_int_eq(num(s, "pids", "limit"), 32);
	ck_assert_msg(current <= 32 && current >= 28, "pids.current %lld while the bomb runs",
		      (long long)current);
	json_decref(s);
	expect_pids_limit(b.ctr_id, "32");
	/* The agent answers while the pids are exhausted (its own request handling forks nothing);
	 * a command it cannot fork for fails as a result, not as a dead agent. */
	bt_response r;
	char *path = it_fmt("/bots/%s/container/exec", b.bot_id);
	st = bt_request("POST", path, "{\"command\":\"echo squeezed\",\"timeout_s\":5}",
			"application/json", owner, &r);
	ck_assert_msg(st == 200 || (st >= 400 && st < 500) || st == 502,
		      "agent during the bomb: %ld %s", st, r.body);
	bt_response_free(&r);
	free(path);
	/* After the sleepers end, it runs commands again; still the same PID 1. */
	long long deadline = bt_now_ms() + 20000;
	for (;;) {
		st = agent_exec(b.bot_id, owner, "echo alive", 5, &res);
		if (st == 200 && strcmp(it_str(res, "stdout"), "alive\n") == 0)
			break;
		json_decref(res);
		res = NULL;
		ck_assert_msg(bt_now_ms() < deadline, "the agent did not recover: %ld", st);
		bt_sleep_ms(500);
	}
	json_decref(res);
	ck_assert_int_eq(it_ctr_task_pid(b.ctr_id), pid);
	it_owned_bot_done(&b);
}
END_TEST

/* A tools/call through POST /bots/<bot>/tools (the MCP gateway): the HTTP status; *body NEW. */
static long tool_call(const char *bot_id, bt_identity id, const char *name, const char *args_json,
		      char **body)
{
	static const char *const headers[] = { "Accept: application/json, text/event-stream",
					       NULL };
	char *req = it_fmt(
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"%s\","
		"\"arguments\":%s}}",
		name, args_json);
	char *path = it_fmt("/bots/%s/tools", bot_id);
	bt_response r;
	long s = bt_request_ex("POST", path, req, strlen(req), "application/json", headers, id, &r);
	*body = strdup(r.body ? r.body : "");
	bt_response_free(&r);
	free(path);
	free(req);
	return s;
}

START_TEST(real_fork_bomb_is_contained)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	bt_identity owner = b.owner.ident;

	/* The recursive bomb under 24 pids and 0.2 CPU (the machine is shared), in the foreground of
	 * an exec: busybox sh gives up a shell whose fork fails, so the tree grows to the limit and then
	 * dies out; the exec's timeout bounds it anyway. */
	json_decref(create_with(b.bot_id, owner, "{\"pids\":24,\"cpus\":0.2}"));
	int pid = it_ctr_task_pid(b.ctr_id);
	json_t *res = NULL;
	long st = agent_exec(
		b.bot_id, owner,
		"sh -c 'b() { b | b & wait; }; b' </dev/null >/dev/null 2>&1; echo over", 20, &res);
	ck_assert_msg(st == 200, "exec of the bomb: %ld", st);
	json_decref(res);
	/* The cgroup's own files: the peak is the limit, and forks were refused there. */
	if (access("/sys/fs/cgroup/memory", F_OK) == 0) {
		expect_cgroup(b.ctr_id, "pids", "pids.peak", "", "24");
		char *events = cgroup_read(b.ctr_id, "pids", "pids.events", "pids.events");
		ck_assert_msg(events && strncmp(events, "max ", 4) == 0 && atol(events + 4) > 0,
			      "pids.events: %s", events ? events : "(unreadable)");
		fprintf(stderr,
			"it_limits: recursive fork bomb under pids=24: peak 24, forks refused: %s\n",
			events + 4);
		free(events);
	}
	json_t *s = stats(b.bot_id, owner);
	ck_assert_int_le(num(s, "pids", "current"), 24);
	ck_assert_int_eq(num(s, "pids", "limit"), 24);
	json_decref(s);
	/* The agent, the same PID 1, answers: a tool call, and an exec again. */
	char *body = NULL;
	st = tool_call(b.bot_id, owner, "write",
		       "{\"path\":\"alive.txt\",\"content\":\"still here\"}", &body);
	ck_assert_msg(st == 200 && !strstr(body, "\"isError\":true"),
		      "write after the bomb: %ld %s", st, body);
	free(body);
	st = tool_call(b.bot_id, owner, "read", "{\"path\":\"alive.txt\"}", &body);
	ck_assert_msg(st == 200 && strstr(body, "still here"), "read after the bomb: %ld %s", st,
		      body);
	free(body);
	long long deadline = bt_now_ms() + 20000;
	for (;;) {
		st = agent_exec(b.bot_id, owner, "echo alive", 5, &res);
		if (st == 200 && strcmp(it_str(res, "stdout"), "alive\n") == 0)
			break;
		json_decref(res);
		res = NULL;
		ck_assert_msg(bt_now_ms() < deadline, "the agent did not recover: %ld", st);
		bt_sleep_ms(500);
	}
	json_decref(res);
	ck_assert_int_eq(it_ctr_task_pid(b.ctr_id), pid);
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(cpu_spinner_gets_its_quota)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	bt_identity owner = b.owner.ident;

	json_decref(create_with(b.bot_id, owner, "{\"cpus\":0.2}"));
	expect_cpu_quota(b.ctr_id, "20000");
	/* A spinner that stops by itself after 8 s (busybox timeout). */
	json_t *res = NULL;
	ck_assert_int_eq(
		agent_exec(b.bot_id, owner,
			   "timeout 8 sh -c 'while :; do :; done' >/dev/null 2>&1 & echo started",
			   10, &res),
		200);
	json_decref(res);
	bt_sleep_ms(1000);
	json_t *s0 = stats(b.bot_id, owner);
	long long t0 = bt_now_ms();
	bt_sleep_ms(4000);
	json_t *s1 = stats(b.bot_id, owner);
	long long t1 = bt_now_ms();
	double used_us = (double)(num(s1, "cpu", "usage_usec") - num(s0, "cpu", "usage_usec"));
	double wall_us = (double)(t1 - t0) * 1000.0;
	double share = used_us / wall_us;
	json_int_t throttled = num(s1, "cpu", "nr_throttled") - num(s0, "cpu", "nr_throttled");
	fprintf(stderr,
		"it_limits: CPU spinner under cpus=0.2: %.0f us of CPU over %.0f us of wall time = %.3f CPU "
		"(quota 0.200), %lld throttled periods\n",
		used_us, wall_us, share, (long long)throttled);
	ck_assert_msg(share <= 0.2 * 1.10 + 0.01, "the spinner used %.3f CPU, above its 0.2 quota",
		      share);
	ck_assert_msg(share >= 0.1, "the spinner barely ran (%.3f CPU): the measure is void",
		      share);
	ck_assert_msg(throttled > 0, "no throttled period");
	json_decref(s0);
	json_decref(s1);
	/* Raised live to 0.5 CPU: the same spinner gets more. */
	ck_assert_int_eq(
		agent_exec(b.bot_id, owner,
			   "timeout 6 sh -c 'while :; do :; done' >/dev/null 2>&1 & echo started",
			   10, &res),
		200);
	json_decref(res);
	json_decref(
		it_api_expect("PATCH", b.bot_id, "", "{\"limits\":{\"cpus\":0.5}}", owner, 200));
	expect_cpu_quota(b.ctr_id, "50000");
	bt_sleep_ms(500);
	s0 = stats(b.bot_id, owner);
	t0 = bt_now_ms();
	bt_sleep_ms(3000);
	s1 = stats(b.bot_id, owner);
	t1 = bt_now_ms();
	share = (double)(num(s1, "cpu", "usage_usec") - num(s0, "cpu", "usage_usec")) /
		((double)(t1 - t0) * 1000.0);
	fprintf(stderr, "it_limits: CPU spinner under cpus=0.5: %.3f CPU\n", share);
	ck_assert_msg(share <= 0.5 * 1.10 + 0.01, "the spinner used %.3f CPU, above its 0.5 quota",
		      share);
	ck_assert_msg(share >= 0.3, "the spinner got %.3f CPU after the raise", share);
	json_decref(s0);
	json_decref(s1);
	it_owned_bot_done(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("limits");
	TCase *tc = tcase_create("limits");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, create_get_patch_live_and_kept);
	tcase_add_test(tc, out_of_range_is_400_and_changes_nothing);
	tcase_add_test(tc, refused_live_change_and_stopped_patch);
	tcase_add_test(tc, memory_hog_is_oom_killed_and_counted);
	tcase_add_test(tc, fork_bomb_stops_at_pids_limit);
	tcase_add_test(tc, real_fork_bomb_is_contained);
	tcase_add_test(tc, cpu_spinner_gets_its_quota);
	suite_add_tcase(s, tc);
	return it_run_suite(s);
}
