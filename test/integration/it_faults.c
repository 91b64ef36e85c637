/* it_faults.c: issue #7 §1 and §2 on the real stack, with real faults: one deadline per request
 * honoured by every call, and error bodies that carry Berth's message and code, never a driver's.
 *
 * - containerd frozen (SIGSTOP) during a create, a stop and a snapshot: each answers within the
 *   request's deadline + 1 s with a JSON 504 deadline_exceeded, no worker dies, and after SIGCONT
 *   the bot converges and the row (psql) tells the truth;
 * - the PostgreSQL backends of berth-fcgi frozen: same bound, no worker dies, all answer after;
 * - bodies during a containerd outage, a PostgreSQL outage, a CNI failure and an unpack failure
 *   hold no libpq, gRPC or CNI text, no socket or host path.
 * The suite runs berth-fcgi with a short request_timeout_ms (the stack's berth.conf, restored at
 * the end) and always SIGCONTs what it froze, whatever a test's outcome.
 */
#define _GNU_SOURCE
#include "it_container_common.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define REQUEST_TIMEOUT_MS 3000
/* What "answers within deadline + 1 s" allows, measured at the client (TLS and nginx included). */
#define ANSWER_BOUND_MS (REQUEST_TIMEOUT_MS + 1000)
#define MAX_WORKERS 64

static char *conf_original; /* the stack's berth.conf before the suite */

static char *conf_path(void)
{
	return it_fmt("%s/berth.conf", bt_env("BERTH_STACK"));
}

/* Sets [server] request_timeout_ms in the stack's berth.conf (the file's other lines kept). */
static void write_timeout_conf(const char *original, int timeout_ms)
{
	char *path = conf_path();
	const char *key = "request_timeout_ms";
	const char *p = strstr(original, key);
	ck_assert_msg(p && (p == original || p[-1] == '\n'), "no %s line in %s", key, path);
	const char *eol = strchr(p, '\n');
	char *text = it_fmt("%.*s%s = %d%s", (int)(p - original), original, key, timeout_ms,
			    eol ? eol : "\n");
	it_write_file(path, text);
	free(text);
	free(path);
}

static void restart_fcgi(void)
{
	ck_assert_int_eq(bt_stack("restart", "fcgi"), 0);
}

static void suite_setup(void)
{
	char *path = conf_path();
	conf_original = it_read_file(path);
	ck_assert_msg(conf_original, "cannot read %s", path);
	free(path);
	write_timeout_conf(conf_original, REQUEST_TIMEOUT_MS);
	restart_fcgi();
	/* These tests read the row right after a fault, before anything converges it: the reconciler
	 * (which would, e.g. mark running a task an interrupted stop left running) is off meanwhile. */
	ck_assert_int_eq(bt_stack("stop-service", "reconcile"), 0);
}

/* SIGCONT to containerd and to every PostgreSQL process: harmless when nothing is stopped. */
static void thaw_everything(void)
{
	int pids[256];
	int pg = bt_stack_pid("postgres");
	int n = bt_children(pg, pids, 256);

	(void)kill(bt_stack_pid("containerd"), SIGCONT);
	(void)kill(pg, SIGCONT);
	for (int i = 0; i < n; i++)
		(void)kill(pids[i], SIGCONT);
}

static void suite_teardown(void)
{
	thaw_everything();
	if (conf_original) {
		char *path = conf_path();
		it_write_file(path, conf_original);
		free(path);
		free(conf_original);
		conf_original = NULL;
		restart_fcgi();
	}
	(void)bt_stack("start-service", "reconcile");
}

/* ---- observations ---- */

typedef struct workers {
	int n;
	int pids[MAX_WORKERS];
} workers;

static workers workers_now(void)
{
	workers w;
	w.n = bt_children(bt_stack_pid("fcgi"), w.pids, MAX_WORKERS);
	ck_assert_int_gt(w.n, 0);
	return w;
}

/* No worker died (or was replaced) since before. */
static void assert_same_workers(const workers *before)
{
	workers after = workers_now();
	ck_assert_int_eq(after.n, before->n);
	for (int i = 0; i < before->n; i++) {
		bool found = false;
		for (int j = 0; j < after.n; j++)
			found = found || after.pids[j] == before->pids[i];
		ck_assert_msg(found, "worker %d is gone", before->pids[i]);
	}
	char *log_path = it_fmt("%s/logs/berth-fcgi.log", bt_env("BERTH_STACK"));
	char *log = it_read_file(log_path);
	ck_assert_msg(log, "cannot read %s", log_path);
	ck_assert_msg(!strstr(log, "worker backstop"), "a worker's backstop fired");
	free(log);
	free(log_path);
}

/* Text that must never reach a client: driver messages, sockets, host paths. */
static const char *const leaks[] = {
	"/tmp/",	"/run/",
	"/usr/",	"/var/",
	".sock",	"unix:",
	"PGSQL",	"connection to server",
	"rpc error",	"Tasks.",
	"Containers.",	"Snapshots.",
	"Images.",	"Content.",
	"Diff.",	"Leases.",
	"No such file", "failed to connect",
	"host-local",	"cni ",
	"cni-",		"plugin",
	"user=",	"dbname",
	"sha256:",	"context deadline",
	"libpq",	"server closed",
};

/* An error body of Berth's shape with no leak; returns its code (BORROWED until the next call). */
static const char *assert_clean_error(const bt_response *resp)
{
	const char *code = bt_expect_error(resp);
	for (size_t i = 0; i < sizeof leaks / sizeof leaks[0]; i++)
		ck_assert_msg(!strstr(resp->body, leaks[i]), "body leaks \"%s\": %s", leaks[i],
			      resp->body);
	ck_assert_msg(!strstr(resp->body, bt_env("BERTH_STACK")), "body names the stack dir: %s",
		      resp->body);
	return code;
}

/* The answer of a request made while something is frozen: in time, JSON, 504 deadline_exceeded. */
static void assert_deadline_answer(const bt_response *resp, long long elapsed_ms)
{
	ck_assert_msg(resp->status != 0, "no answer: %s", resp->error);
	ck_assert_msg(elapsed_ms <= ANSWER_BOUND_MS, "answered after %lld ms (bound %d ms)",
		      elapsed_ms, ANSWER_BOUND_MS);
	ck_assert_msg(resp->status == 504 || resp->status == 503, "status %ld: %s", resp->status,
		      resp->body);
	const char *code = assert_clean_error(resp);
	if (resp->status == 504)
		ck_assert_str_eq(code, "deadline_exceeded");
}

static char *sql1(const char *fmt, const char *arg)
{
	char *sql = it_fmt(fmt, arg);
	char *out = bt_sql(sql);
	free(sql);
	return out;
}

static char *row_status(const char *bot_id)
{
	return sql1("SELECT status FROM containers WHERE bot_id = '%s'", bot_id);
}

static int deadline_events(const char *bot_id)
{
	char *n = sql1(
		"SELECT count(*) FROM lifecycle_events WHERE bot_id = '%s' AND event_type = 'error' "
		"AND payload->>'error' LIKE '%%deadline%%'",
		bot_id);
	int v = atoi(n);
	free(n);
	return v;
}

/* The request made with containerd stopped (SIGSTOP), thawed right after the answer. */
static long frozen_ctd_request(const char *method, const char *bot_id, const char *suffix,
			       const char *body, bt_identity id, bt_response *resp)
{
	int ctd = bt_stack_pid("containerd");
	ck_assert_int_eq(kill(ctd, SIGSTOP), 0);
	long long t0 = bt_now_ms();
	long status = it_api(method, bot_id, suffix, body, id, resp);
	long long elapsed = bt_now_ms() - t0;
	(void)kill(ctd, SIGCONT);
	assert_deadline_answer(resp, elapsed);
	return status;
}

/* ---- containerd frozen ---- */

START_TEST(create_while_containerd_frozen)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	workers before = workers_now();
	bt_response resp;

	ck_assert_int_eq(frozen_ctd_request("POST", b.bot_id, "", NULL, b.owner.ident, &resp), 504);
	bt_response_free(&resp);
	assert_same_workers(&before);
	/* the failure is on record: an error event that says the time ran out */
	ck_assert_int_ge(deadline_events(b.bot_id), 1);
	/* and the bot converges: the next create builds and starts it, the row says running */
	json_decref(it_create(b.bot_id, b.owner.ident));
	char *st = row_status(b.bot_id);
	ck_assert_str_eq(st, "running");
	free(st);
	assert_same_workers(&before);
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(stop_while_containerd_frozen)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	bt_response resp;

	json_decref(it_create(b.bot_id, b.owner.ident));
	workers before = workers_now();
	ck_assert_int_eq(frozen_ctd_request("POST", b.bot_id, "/stop", NULL, b.owner.ident, &resp),
			 504);
	bt_response_free(&resp);
	assert_same_workers(&before);
	/* the row tells the truth: the stop did not finish, and says why */
	char *st = row_status(b.bot_id);
	char *last = sql1("SELECT last_error FROM containers WHERE bot_id = '%s'", b.bot_id);
	ck_assert_str_eq(st, "error");
	ck_assert_msg(strstr(last, "stop") && strstr(last, "deadline"), "last_error: %s", last);
	for (size_t i = 0; i < sizeof leaks / sizeof leaks[0]; i++)
		ck_assert_msg(!strstr(last, leaks[i]), "last_error leaks \"%s\": %s", leaks[i],
			      last);
	free(st);
	free(last);
	/* converges: get answers, the stop is done again, then the bot starts */
	json_decref(it_api_expect("GET", b.bot_id, "", NULL, b.owner.ident, 200));
	json_decref(it_api_expect("POST", b.bot_id, "/stop", NULL, b.owner.ident, 200));
	st = row_status(b.bot_id);
	ck_assert_str_eq(st, "stopped");
	free(st);
	json_decref(it_api_expect("POST", b.bot_id, "/start", NULL, b.owner.ident, 200));
	st = row_status(b.bot_id);
	ck_assert_str_eq(st, "running");
	free(st);
	assert_same_workers(&before);
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(snapshot_while_containerd_frozen)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	bt_response resp;

	json_decref(it_create(b.bot_id, b.owner.ident));
	workers before = workers_now();
	ck_assert_int_eq(frozen_ctd_request("POST", b.bot_id, "/snapshots",
					    "{\"snapshot_name\":\"frozen\"}", b.owner.ident, &resp),
			 504);
	bt_response_free(&resp);
	assert_same_workers(&before);
	/* a snapshot leaves the container as it was: the row still says running; the event records it */
	char *st = row_status(b.bot_id);
	ck_assert_str_eq(st, "running");
	free(st);
	ck_assert_int_ge(deadline_events(b.bot_id), 1);
	/* a snapshot row exists only for a snapshot that was made */
	char *rows = sql1("SELECT count(*) FROM snapshots WHERE bot_id = '%s' AND name = 'frozen'",
			  b.bot_id);
	ck_assert_msg(strcmp(rows, "0") == 0,
		      "a snapshot the timed-out request did not finish is recorded");
	free(rows);
	/* converges: the next snapshot is taken and listed */
	json_decref(it_api_expect("POST", b.bot_id, "/snapshots", "{\"snapshot_name\":\"after\"}",
				  b.owner.ident, 200));
	json_t *list = it_api_expect("GET", b.bot_id, "/snapshots", NULL, b.owner.ident, 200);
	char *text = json_dumps(list, 0);
	ck_assert_msg(strstr(text, "\"after\""), "snapshot missing from %s", text);
	free(text);
	json_decref(list);
	assert_same_workers(&before);
	it_owned_bot_done(&b);
}
END_TEST

/* ---- PostgreSQL frozen ---- */

START_TEST(postgres_backends_frozen)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	bt_response resp;
	int frozen[64], n_frozen = 0, n_deadline = 0;

	/* every worker that serves these opens its connection */
	for (int i = 0; i < 8; i++)
		it_api_expect_error("GET", b.bot_id, "", NULL, b.owner.ident, 404);
	workers before = workers_now();
	{
		char *pids = bt_sql("SELECT string_agg(pid::text, ' ') FROM pg_stat_activity "
				    "WHERE application_name = 'berth' AND pid <> pg_backend_pid()");
		for (char *save = NULL, *tok = strtok_r(pids, " ", &save); tok && n_frozen < 64;
		     tok = strtok_r(NULL, " ", &save))
			frozen[n_frozen++] = atoi(tok);
		free(pids);
	}
	ck_assert_int_gt(n_frozen, 0);
	for (int i = 0; i < n_frozen; i++)
		ck_assert_int_eq(kill(frozen[i], SIGSTOP), 0);
	for (int i = 0; i < 6; i++) {
		long long t0 = bt_now_ms();
		long status = it_api("GET", b.bot_id, "", NULL, b.owner.ident, &resp);
		long long elapsed = bt_now_ms() - t0;
		if (status == 404) { /* a worker with a connection of its own, opened since */
			ck_assert_int_le(elapsed, ANSWER_BOUND_MS);
		} else {
			assert_deadline_answer(&resp, elapsed);
			n_deadline += status == 504;
		}
		bt_response_free(&resp);
	}
	for (int i = 0; i < n_frozen; i++)
		(void)kill(frozen[i], SIGCONT);
	ck_assert_msg(n_deadline > 0, "no request met a frozen backend");
	assert_same_workers(&before);
	/* every worker answers again (it dropped the connection and opens a new one) */
	for (int i = 0; i < 8; i++)
		it_api_expect_error("GET", b.bot_id, "", NULL, b.owner.ident, 404);
	json_decref(it_create(b.bot_id, b.owner.ident));
	char *st = row_status(b.bot_id);
	ck_assert_str_eq(st, "running");
	free(st);
	assert_same_workers(&before);
	it_owned_bot_done(&b);
}
END_TEST

/* ---- bodies during outages ---- */

/* Polls GET /bots/<bot>/container until it answers want (at most 60 s). */
static void wait_answer(const char *bot_id, bt_identity id, long want)
{
	long long end = bt_now_ms() + 60000;
	for (;;) {
		bt_response resp;
		long st = it_api("GET", bot_id, "", NULL, id, &resp);
		bt_response_free(&resp);
		if (st == want)
			return;
		ck_assert_msg(bt_now_ms() < end, "GET answers %ld, want %ld", st, want);
		bt_sleep_ms(200);
	}
}

START_TEST(containerd_outage_body)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	bt_response resp;

	ck_assert_int_eq(bt_stack("stop-service", "containerd"), 0);
	long get = it_api("GET", b.bot_id, "", NULL, b.owner.ident, &resp);
	ck_assert_msg(get == 503, "GET: %ld %s", get, resp.body);
	ck_assert_str_eq(assert_clean_error(&resp), "containerd_error");
	bt_response_free(&resp);
	long create = it_api("POST", b.bot_id, "", NULL, b.owner.ident, &resp);
	ck_assert_msg(create == 503, "create: %ld %s", create, resp.body);
	assert_clean_error(&resp);
	bt_response_free(&resp);
	ck_assert_int_eq(bt_stack("start-service", "containerd"), 0);
	wait_answer(b.bot_id, b.owner.ident, 404);
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(postgres_outage_body)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	bt_response resp;

	ck_assert_int_eq(bt_stack("stop-service", "postgres"), 0);
	long st = it_api("GET", b.bot_id, "", NULL, b.owner.ident, &resp);
	ck_assert_msg(st == 503, "GET: %ld %s", st, resp.body);
	ck_assert_str_eq(assert_clean_error(&resp), "database_unavailable");
	bt_response_free(&resp);
	ck_assert_int_eq(bt_stack("start-service", "postgres"), 0);
	wait_answer(b.bot_id, b.owner.ident, 404);
	it_owned_bot_done(&b);
}
END_TEST

/* The stack's network config (the first conflist of BERTH_CNI_CONF_DIR) with its first plugin
 * replaced by one that does not exist; returns the path, *original gets the text to restore. */
static char *break_cni_conf(char **original)
{
	char *out = NULL;
	char *cmd[] = { "sh", "-c", "ls \"$BERTH_CNI_CONF_DIR\"/*.conflist | head -n 1", NULL };
	ck_assert_int_eq(bt_run(cmd, &out, NULL, 10), 0);
	out[strcspn(out, "\n")] = '\0';
	*original = it_read_file(out);
	ck_assert_msg(*original, "cannot read %s", out);
	json_t *conf = bt_json_parse(*original);
	json_t *first = json_array_get(json_object_get(conf, "plugins"), 0);
	ck_assert_msg(first, "no plugins in %s", out);
	json_object_set_new(first, "type", json_string("berth-no-such-plugin"));
	char *text = json_dumps(conf, JSON_INDENT(2));
	it_write_file(out, text);
	free(text);
	json_decref(conf);
	return out;
}

START_TEST(cni_failure_body)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	bt_response resp;
	char *original;
	char *path = break_cni_conf(&original);

	long st = it_api("POST", b.bot_id, "", NULL, b.owner.ident, &resp);
	it_write_file(path, original); /* restored before any assertion can end the test */
	ck_assert_msg(st == 500, "create with a broken network: %ld %s", st, resp.body);
	ck_assert_str_eq(assert_clean_error(&resp), "network_error");
	bt_response_free(&resp);
	/* the row says what happened, in Berth's words */
	char *last = sql1("SELECT last_error FROM containers WHERE bot_id = '%s'", b.bot_id);
	ck_assert_msg(strstr(last, "network"), "last_error: %s", last);
	for (size_t i = 0; i < sizeof leaks / sizeof leaks[0]; i++)
		ck_assert_msg(!strstr(last, leaks[i]), "last_error leaks \"%s\": %s", leaks[i],
			      last);
	free(last);
	/* converges once the network config is back */
	json_decref(it_api_expect("POST", b.bot_id, "/start", NULL, b.owner.ident, 200));
	char *status = row_status(b.bot_id);
	ck_assert_str_eq(status, "running");
	free(status);
	free(original);
	free(path);
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(unpack_failure_body)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	bt_response resp;

	/* A snapshotter containerd has no plugin for: unpacking the image onto it fails in containerd. */
	long st = it_api("POST", b.bot_id, "", "{\"snapshotter\":\"berth-no-such-snapshotter\"}",
			 b.owner.ident, &resp);
	ck_assert_msg(st >= 400 && st != 504, "create: %ld %s", st, resp.body);
	ck_assert_str_eq(assert_clean_error(&resp), "image_error");
	bt_response_free(&resp);
	/* the configured snapshotter still works */
	json_decref(it_create(b.bot_id, b.owner.ident));
	it_owned_bot_done(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("faults");
	TCase *tc = tcase_create("faults");

	tcase_set_timeout(tc, 240);
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_add_checked_fixture(tc, NULL, thaw_everything);
	tcase_add_test(tc, create_while_containerd_frozen);
	tcase_add_test(tc, stop_while_containerd_frozen);
	tcase_add_test(tc, snapshot_while_containerd_frozen);
	tcase_add_test(tc, postgres_backends_frozen);
	tcase_add_test(tc, containerd_outage_body);
	tcase_add_test(tc, postgres_outage_body);
	tcase_add_test(tc, cni_failure_body);
	tcase_add_test(tc, unpack_failure_body);
	suite_add_tcase(s, tc);
	return it_run_suite(s);
}
