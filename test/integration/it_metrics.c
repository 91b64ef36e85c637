/* it_metrics.c: GET /metrics and the events routes (issue #11) on the real stack, through nginx
 * with real client certificates.
 *
 * /metrics is checked as Prometheus would read it: promtool (Prometheus's own linter, Debian's
 * prometheus package) must accept the exposition, and the values are read with the Prometheus
 * Python client's text parser (python3-prometheus-client), never with ad-hoc string matching.
 * Counts are compared as differences between two scrapes, so that what other programs did on the
 * same stack does not matter. Requests come from several threads at once (nginx spreads them over
 * the workers; the test checks in berth-fcgi's log that more than one worker served them), and
 * every worker is killed and a SIGHUP reload made between two scrapes: nothing is lost.
 * The reconciler's counts (berth_reconcile_*, written into the nodes row by berth-reconcile's
 * heartbeat) grow over time, and a task killed behind Berth's back counts as a restart.
 */
#define _GNU_SOURCE /* asprintf */
#include "it_container_common.h"

#include <check.h>
#include <pthread.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- reading /metrics ---- */

/* Prints the samples of an exposition (file argv[1]) as one JSON array of [name, {labels}, value]. */
static const char PARSE_PY[] =
	"import json, sys\n"
	"from prometheus_client.parser import text_string_to_metric_families\n"
	"text = open(sys.argv[1]).read()\n"
	"out = []\n"
	"for fam in text_string_to_metric_families(text):\n"
	"    for s in fam.samples:\n"
	"        out.append([s.name, s.labels, s.value])\n"
	"print(json.dumps(out))\n";

struct scrape {
	json_t *samples; /* [[name, {labels}, value], ...] */
};

static char *write_temp(const char *text)
{
	char *path = strdup("/tmp/it_metrics.XXXXXX");
	ck_assert(path != NULL);
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	size_t len = strlen(text);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

static struct scrape scrape_now(void)
{
	bt_response r;
	struct scrape s;
	char *out = NULL, *err = NULL, *cmd;

	ck_assert_int_eq(bt_request("GET", "/metrics", NULL, NULL, bt_admin(), &r), 200);
	char *ct = bt_header(&r, "Content-Type");
	ck_assert_msg(ct && strncmp(ct, "text/plain; version=0.0.4", 25) == 0, "Content-Type %s",
		      ct ? ct : "(none)");
	free(ct);
	char *path = write_temp(r.body);
	bt_response_free(&r);

	ck_assert(asprintf(&cmd, "promtool check metrics < '%s'", path) > 0);
	char *lint[] = { "sh", "-c", cmd, NULL };
	int rc = bt_run(lint, &out, &err, 60);
	ck_assert_msg(rc == 0, "promtool check metrics: exit %d: %s%s", rc, out ? out : "",
		      err ? err : "");
	free(out);
	free(err);
	free(cmd);

	char *parse[] = { "/usr/bin/python3", "-c", (char *)PARSE_PY, path, NULL };
	out = err = NULL;
	rc = bt_run(parse, &out, &err, 60);
	ck_assert_msg(rc == 0, "the Prometheus parser refused the exposition: %s", err ? err : "");
	s.samples = bt_json_parse(out);
	ck_assert(json_is_array(s.samples));
	free(out);
	free(err);
	unlink(path);
	free(path);
	return s;
}

static void scrape_free(struct scrape *s)
{
	json_decref(s->samples);
}

/* The value of sample name whose labels include every pair of the NULL-terminated list (0 when
 * there is none). Aborts when more than one sample matches. */
static double value(const struct scrape *s, const char *name, ...)
{
	size_t i;
	json_t *sample;
	double found = 0;
	int matches = 0;

	json_array_foreach(s->samples, i, sample)
	{
		json_t *labels = json_array_get(sample, 1);
		va_list ap;
		const char *k;
		int ok = strcmp(json_string_value(json_array_get(sample, 0)), name) == 0;

		va_start(ap, name);
		while (ok && (k = va_arg(ap, const char *)) != NULL) {
			const char *v = va_arg(ap, const char *);
			const char *have = json_string_value(json_object_get(labels, k));
			ok = have && strcmp(have, v) == 0;
		}
		va_end(ap);
		if (ok) {
			found = json_number_value(json_array_get(sample, 2));
			matches++;
		}
	}
	ck_assert_msg(matches <= 1, "%d samples of %s match", matches, name);
	return found;
}

/* Sum of every sample called name with label k = v (k NULL: all). */
static double sum(const struct scrape *s, const char *name, const char *k, const char *v)
{
	size_t i;
	json_t *sample;
	double total = 0;

	json_array_foreach(s->samples, i, sample)
	{
		const char *have = k ? json_string_value(
					       json_object_get(json_array_get(sample, 1), k))
				     : NULL;
		if (strcmp(json_string_value(json_array_get(sample, 0)), name) == 0 &&
		    (!k || (have && !strcmp(have, v))))
			total += json_number_value(json_array_get(sample, 2));
	}
	return total;
}

static double req_count(const struct scrape *s, const char *method, const char *route,
			const char *code)
{
	return value(s, "berth_http_requests_total", "method", method, "route", route, "code", code,
		     NULL);
}

/* ---- load from several threads ---- */

struct load {
	const char *method, *path;
	bt_identity id;
	int n;
	long want;
	int bad;
};

static void *load_main(void *arg)
{
	struct load *l = arg;

	for (int i = 0; i < l->n; i++) {
		bt_response r;
		if (bt_request(l->method, l->path, NULL, NULL, l->id, &r) != l->want)
			l->bad++;
		bt_response_free(&r);
	}
	return NULL;
}

/* threads x n requests of method path with id, each expected to answer want. */
static void load_run(const char *method, const char *path, bt_identity id, int threads, int n,
		     long want)
{
	pthread_t t[16];
	struct load l[16];

	ck_assert_int_le(threads, 16);
	for (int i = 0; i < threads; i++) {
		l[i] = (struct load){ method, path, id, n, want, 0 };
		ck_assert_int_eq(pthread_create(&t[i], NULL, load_main, &l[i]), 0);
	}
	for (int i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		ck_assert_msg(l[i].bad == 0, "%d of %s %s did not answer %ld", l[i].bad, method,
			      path, want);
	}
}

/* ---- workers ---- */

static int config_workers(void)
{
	FILE *f = fopen(bt_env("BERTH_CONFIG"), "re");
	char line[512];
	int n = -1;

	ck_assert(f != NULL);
	while (fgets(line, sizeof line, f))
		if (sscanf(line, " workers = %d", &n) == 1)
			break;
	fclose(f);
	ck_assert_int_gt(n, 0);
	return n;
}

static void wait_workers(int master, int want)
{
	long long deadline = bt_now_ms() + 20000;
	int pids[256], n;

	while ((n = bt_children(master, pids, 256)) != want && bt_now_ms() < deadline)
		bt_sleep_ms(100);
	ck_assert_msg(n == want, "berth-fcgi has %d workers, want %d", n, want);
}

static long log_size(void)
{
	char *path;
	struct stat st;

	ck_assert(asprintf(&path, "%s/logs/berth-fcgi.log", bt_env("BERTH_STACK")) > 0);
	long size = stat(path, &st) == 0 ? (long)st.st_size : 0;
	free(path);
	return size;
}

/* Distinct pids of berth-fcgi's access-log lines for route after byte offset from. */
static int workers_that_served(long from, const char *route)
{
	char *path, line[8192];
	int pids[64], n = 0;

	ck_assert(asprintf(&path, "%s/logs/berth-fcgi.log", bt_env("BERTH_STACK")) > 0);
	FILE *f = fopen(path, "re");
	ck_assert(f != NULL);
	free(path);
	ck_assert_int_eq(fseek(f, from, SEEK_SET), 0);
	while (fgets(line, sizeof line, f)) {
		json_t *j = json_loads(line, 0, NULL);
		const char *msg = json_string_value(json_object_get(j, "msg"));
		const char *r = json_string_value(json_object_get(j, "route"));
		int pid = (int)json_integer_value(json_object_get(j, "pid"));
		if (msg && r && !strcmp(msg, "request") && !strcmp(r, route) && pid > 0) {
			int seen = 0;
			for (int i = 0; i < n; i++)
				seen |= pids[i] == pid;
			if (!seen && n < 64)
				pids[n++] = pid;
		}
		json_decref(j);
	}
	fclose(f);
	return n;
}

/* ---- /metrics ---- */

START_TEST(metrics_count_every_request_across_workers_kills_and_reloads)
{
	bt_user member = bt_user_new("metm", 0);
	int master = bt_stack_pid("fcgi"), workers = config_workers();
	char *missing_bot, *bot_path;

	wait_workers(master, workers);
	missing_bot = bt_unique("x");
	ck_assert(asprintf(&bot_path, "/bots/%s/container/events",
			   "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0") > 0);
	free(missing_bot);

	struct scrape s0 = scrape_now();
	long from = log_size();

	/* Phase 1: in parallel, so that several workers serve them. */
	load_run("GET", "/me", bt_admin(), 4, 10, 200);	      /* 40 x 200 */
	load_run("GET", "/me", member.ident, 2, 5, 200);      /* 10 x 200 */
	load_run("GET", "/metrics", member.ident, 3, 1, 403); /* 3 x 403 */
	load_run("GET", bot_path, bt_admin(), 2, 2, 404);     /* 4 x 404: no such bot */
	load_run("GET", "/no/such/route", bt_admin(), 1, 2, 404);
	load_run("POST", "/health", bt_admin(), 1, 1, 405);
	ck_assert_msg(workers < 2 || workers_that_served(from, "/me") >= 2,
		      "one worker served every GET /me: the test shows no aggregation");

	/* Every worker dies (SIGKILL), one at a time; then a reload replaces them all again. */
	for (int k = 0; k < workers; k++) {
		int pids[256];
		int n = bt_children(master, pids, 256);
		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(kill(pids[0], SIGKILL), 0);
		bt_sleep_ms(300);
		wait_workers(master, workers);
	}
	/* Phase 2: served by the replacements. */
	load_run("GET", "/me", bt_admin(), 2, 5, 200); /* 10 x 200 */

	struct scrape s1 = scrape_now();
	ck_assert_int_eq(kill(master, SIGHUP), 0);
	bt_sleep_ms(1500);
	wait_workers(master, workers);
	load_run("GET", "/me", member.ident, 1, 5, 200); /* 5 x 200, by the new generation */
	struct scrape s2 = scrape_now();

	ck_assert_msg(bt_stack_pid("fcgi") == master, "the master was replaced");
	/* requests by route pattern and status (the first scrape's own request is counted in s1) */
	ck_assert_double_eq(
		req_count(&s1, "GET", "/me", "200") - req_count(&s0, "GET", "/me", "200"), 60);
	ck_assert_double_eq(req_count(&s1, "GET", "/metrics", "403") -
				    req_count(&s0, "GET", "/metrics", "403"),
			    3);
	ck_assert_double_eq(req_count(&s1, "GET", "/metrics", "200") -
				    req_count(&s0, "GET", "/metrics", "200"),
			    1);
	ck_assert_double_eq(req_count(&s1, "GET", "/bots/:bot_id/container/events", "404") -
				    req_count(&s0, "GET", "/bots/:bot_id/container/events", "404"),
			    4);
	ck_assert_double_eq(
		req_count(&s1, "", "unmatched", "404") - req_count(&s0, "", "unmatched", "404"), 2);
	ck_assert_double_eq(
		req_count(&s1, "", "unmatched", "405") - req_count(&s0, "", "unmatched", "405"), 1);
	/* never a raw path as a label */
	ck_assert_double_eq(sum(&s1, "berth_http_requests_total", "route", bot_path), 0);
	ck_assert_double_eq(sum(&s1, "berth_http_requests_total", "route", "/no/such/route"), 0);
	/* the histogram agrees with the counter */
	ck_assert_double_eq(value(&s1, "berth_http_request_duration_seconds_count", "method", "GET",
				  "route", "/me", NULL) -
				    value(&s0, "berth_http_request_duration_seconds_count",
					  "method", "GET", "route", "/me", NULL),
			    60);
	ck_assert_double_eq(value(&s1, "berth_http_request_duration_seconds_bucket", "method",
				  "GET", "route", "/me", "le", "+Inf", NULL),
			    value(&s1, "berth_http_request_duration_seconds_count", "method", "GET",
				  "route", "/me", NULL));
	ck_assert(value(&s1, "berth_http_request_duration_seconds_sum", "method", "GET", "route",
			"/me", NULL) > 0);
	/* worker exits: the kills as crashes */
	ck_assert_double_eq(
		value(&s1, "berth_worker_restarts_total", "cause", "crashed", NULL) -
			value(&s0, "berth_worker_restarts_total", "cause", "crashed", NULL),
		workers);
	/* database statements are counted: the new workers looked their first callers up (the
	 * read cache answers most lookups after that; berth/store_cache.h) */
	ck_assert(value(&s1, "berth_dependency_call_duration_seconds_count", "dependency",
			"database", NULL) -
			  value(&s0, "berth_dependency_call_duration_seconds_count", "dependency",
				"database", NULL) >
		  0);
	/* bots by container status, read at scrape time */
	char *bots = bt_sql("SELECT count(*) FROM bots");
	ck_assert_double_eq(sum(&s1, "berth_bots", NULL, NULL), atof(bots));
	free(bots);

	/* The reload kept the counts and retired the old generation. */
	ck_assert_double_eq(
		req_count(&s2, "GET", "/me", "200") - req_count(&s1, "GET", "/me", "200"), 5);
	ck_assert_double_eq(req_count(&s2, "GET", "/metrics", "200") -
				    req_count(&s1, "GET", "/metrics", "200"),
			    1);
	ck_assert_double_eq(
		value(&s2, "berth_worker_restarts_total", "cause", "retired", NULL) -
			value(&s1, "berth_worker_restarts_total", "cause", "retired", NULL),
		workers);

	scrape_free(&s0);
	scrape_free(&s1);
	scrape_free(&s2);
	free(bot_path);
	bt_user_free(&member);
}
END_TEST

/* ---- the reconciler's counts ---- */

#define NODE "local"

/* Whether the scrape has a sample called name for the node. */
static bool has_node_sample(const struct scrape *s, const char *name)
{
	size_t i;
	json_t *sample;

	json_array_foreach(s->samples, i, sample)
	{
		const char *node = json_string_value(
			json_object_get(json_array_get(sample, 1), "node"));
		if (strcmp(json_string_value(json_array_get(sample, 0)), name) == 0 && node &&
		    strcmp(node, NODE) == 0)
			return true;
	}
	return false;
}

static double relists(const struct scrape *s)
{
	return value(s, "berth_reconcile_passes_total", "node", NODE, "kind", "relist", NULL);
}

static double restarts(const struct scrape *s)
{
	return value(s, "berth_reconcile_actions_total", "node", NODE, "action", "restart", NULL);
}

START_TEST(metrics_count_reconcile_passes_and_actions)
{
	struct scrape before = scrape_now();
	const char *actions[] = { "adopt", "restart", "stop", "orphan" };

	ck_assert_msg(has_node_sample(&before, "berth_reconcile_active"),
		      "no berth_reconcile_active");
	ck_assert_double_eq(value(&before, "berth_reconcile_active", "node", NODE, NULL), 1);
	ck_assert(has_node_sample(&before, "berth_reconcile_passes_total"));
	for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
		ck_assert_double_ge(value(&before, "berth_reconcile_actions_total", "node", NODE,
					  "action", actions[i], NULL),
				    0);
	ck_assert_msg(has_node_sample(&before, "berth_reconcile_last_relist_seconds"),
		      "no berth_reconcile_last_relist_seconds (the reconciler relists at once)");
	ck_assert_double_ge(
		value(&before, "berth_reconcile_last_relist_seconds", "node", NODE, NULL), 0);

	/* a task killed behind Berth's back: restarted, and counted once the heartbeat wrote it */
	it_owned_bot b = it_owned_bot_new("personal", 0);
	json_decref(it_create(b.bot_id, b.owner.ident));
	int pid = it_ctr_task_pid(b.ctr_id);
	ck_assert_int_gt(pid, 0);
	char *out = NULL;
	int rc = bt_ctr(&out, "task", "kill", "-s", "KILL", b.ctr_id, NULL);
	ck_assert_msg(rc == 0, "ctr task kill %s: %d %s", b.ctr_id, rc, out ? out : "");
	free(out);

	/* passes grow over time: the next periodic relist ([reconcile] interval_s) and the bot's */
	long long t0 = bt_now_ms();
	struct scrape after = scrape_now();
	while ((relists(&after) <= relists(&before) || restarts(&after) <= restarts(&before)) &&
	       bt_now_ms() - t0 < 60000) {
		scrape_free(&after);
		bt_sleep_ms(500);
		after = scrape_now();
	}
	fprintf(stderr,
		"it_metrics: reconciler relists %.0f -> %.0f, bot passes %.0f -> %.0f, restarts "
		"%.0f -> %.0f in %lld ms\n",
		relists(&before), relists(&after),
		value(&before, "berth_reconcile_passes_total", "node", NODE, "kind", "bot", NULL),
		value(&after, "berth_reconcile_passes_total", "node", NODE, "kind", "bot", NULL),
		restarts(&before), restarts(&after), bt_now_ms() - t0);
	ck_assert_double_gt(relists(&after), relists(&before));
	ck_assert_double_gt(restarts(&after), restarts(&before));
	ck_assert_double_gt(
		value(&after, "berth_reconcile_passes_total", "node", NODE, "kind", "bot", NULL),
		value(&before, "berth_reconcile_passes_total", "node", NODE, "kind", "bot", NULL));
	ck_assert_double_eq(value(&after, "berth_reconcile_active", "node", NODE, NULL), 1);
	/* counters never go down */
	for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
		ck_assert_double_ge(value(&after, "berth_reconcile_actions_total", "node", NODE,
					  "action", actions[i], NULL),
				    value(&before, "berth_reconcile_actions_total", "node", NODE,
					  "action", actions[i], NULL));
	scrape_free(&before);
	scrape_free(&after);
	it_owned_bot_done(&b);
}
END_TEST

/* A restart of berth-reconcile resets nothing: the counts live in the nodes row. */
START_TEST(metrics_reconcile_counts_survive_a_restart)
{
	struct scrape before = scrape_now();
	double bot_passes = value(&before, "berth_reconcile_passes_total", "node", NODE, "kind",
				  "bot", NULL);

	ck_assert_int_eq(bt_stack("restart", "reconcile"), 0);
	long long t0 = bt_now_ms();
	struct scrape after = scrape_now();
	while ((value(&after, "berth_reconcile_active", "node", NODE, NULL) != 1 ||
		relists(&after) <= relists(&before)) &&
	       bt_now_ms() - t0 < 30000) {
		scrape_free(&after);
		bt_sleep_ms(250);
		after = scrape_now();
	}
	ck_assert_double_eq(value(&after, "berth_reconcile_active", "node", NODE, NULL), 1);
	ck_assert_double_gt(relists(&after), relists(&before));
	ck_assert_double_ge(
		value(&after, "berth_reconcile_passes_total", "node", NODE, "kind", "bot", NULL),
		bot_passes);
	ck_assert_double_ge(restarts(&after), restarts(&before));
	scrape_free(&before);
	scrape_free(&after);
}
END_TEST

START_TEST(metrics_need_an_admin)
{
	bt_user member = bt_user_new("metn", 0);
	bt_response r;

	ck_assert_int_eq(bt_request("GET", "/metrics", NULL, NULL, member.ident, &r), 403);
	ck_assert_str_eq(bt_expect_error(&r), "admin_required");
	ck_assert_ptr_null(strstr(r.body, "berth_http_requests_total"));
	bt_response_free(&r);
	ck_assert_int_eq(bt_request("GET", "/metrics", NULL, NULL, BT_NO_IDENTITY, &r),
			 400); /* nginx */
	bt_response_free(&r);
	bt_user_free(&member);
}
END_TEST

/* ---- events ---- */

static void add_event(const char *bot_id, const char *type, const char *created_at, int n)
{
	char *sql;

	ck_assert(
		asprintf(
			&sql,
			"INSERT INTO lifecycle_events (bot_id, container_id, event_type, payload, created_at) "
			"VALUES ('%s', 'mcp-%s', '%s', '{\"n\": %d}', '%s')",
			bot_id, bot_id, type, n, created_at) > 0);
	free(bt_sql(sql));
	free(sql);
}

/* The bot's event ids, oldest first, as the database orders them. NEW, one id a line. */
static char *expected_ids(const char *bot_id)
{
	char *sql;

	ck_assert(
		asprintf(
			&sql,
			"SELECT id FROM lifecycle_events WHERE bot_id = '%s' ORDER BY created_at, id",
			bot_id) > 0);
	char *out = bt_sql(sql);
	free(sql);
	return out;
}

/* GET path with id; asserts status; returns the body (NEW) for 200. */
static json_t *get_json(const char *path, bt_identity id, long want)
{
	bt_response r;
	long s = bt_request("GET", path, NULL, NULL, id, &r);

	ck_assert_msg(s == want, "GET %s: %ld, want %ld: %s", path, s, want, r.body);
	json_t *j = bt_json(&r);
	bt_response_free(&r);
	return j;
}

static const char *error_code(json_t *j)
{
	return json_string_value(json_object_get(j, "code"));
}

START_TEST(events_page_oldest_first_with_a_cursor)
{
	bt_user owner = bt_user_new("evo", 0), other = bt_user_new("evx", 0);
	char *bot = bt_bot_new(owner.name, "personal", 0),
	     *theirs = bt_bot_new(other.name, "personal", 0);
	char *path, *ids, got[8192] = "";
	const char *next = NULL;
	json_t *j;

	/* seven events: two share a time (the id decides), one is written out of order */
	add_event(bot, "create", "2026-01-01T00:00:01.000001Z", 1);
	add_event(bot, "start", "2026-01-01T00:00:02Z", 2);
	add_event(bot, "exit", "2026-01-01T00:00:03Z", 3);
	add_event(bot, "exit", "2026-01-01T00:00:03Z", 4);
	add_event(bot, "restart", "2026-01-01T00:00:05Z", 5);
	add_event(bot, "snapshot", "2026-01-01T00:00:04Z", 6);
	add_event(bot, "stop", "2026-01-01T00:00:06Z", 7);
	add_event(theirs, "create", "2026-01-01T00:00:01.5Z", 1);
	ids = expected_ids(bot);

	/* pages of 3: 3 + 3 + 1, has_more until the last */
	for (int page = 0; page < 3; page++) {
		if (next)
			ck_assert(asprintf(&path, "/bots/%s/container/events?limit=3&since=%s", bot,
					   next) > 0);
		else
			ck_assert(asprintf(&path, "/bots/%s/container/events?limit=3", bot) > 0);
		j = get_json(path, owner.ident, 200);
		free(path);
		json_t *events = json_object_get(j, "events");
		ck_assert_uint_eq(json_array_size(events), page < 2 ? 3 : 1);
		ck_assert(json_is_true(json_object_get(j, "has_more")) == (page < 2));
		size_t i;
		json_t *e;
		json_array_foreach(events, i, e)
		{
			ck_assert_str_eq(json_string_value(json_object_get(e, "bot_id")), bot);
			ck_assert(json_is_object(json_object_get(e, "payload")));
			ck_assert(json_is_string(json_object_get(e, "container_id")));
			ck_assert(json_is_string(json_object_get(e, "created_at")));
			if (got[0])
				strcat(got, "\n");
			strcat(got, json_string_value(json_object_get(e, "id")));
		}
		static char cursor[128];
		snprintf(cursor, sizeof cursor, "%s",
			 json_string_value(json_object_get(j, "next")));
		next = cursor;
		json_decref(j);
	}
	ck_assert_str_eq(got, ids);

	/* past the end: empty, the same cursor back; a new event then shows up */
	ck_assert(asprintf(&path, "/bots/%s/container/events?since=%s", bot, next) > 0);
	j = get_json(path, owner.ident, 200);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "events")), 0);
	ck_assert_str_eq(json_string_value(json_object_get(j, "next")), next);
	ck_assert(json_is_false(json_object_get(j, "has_more")));
	json_decref(j);
	add_event(bot, "start", "2026-01-01T00:00:07Z", 8);
	j = get_json(path, owner.ident, 200);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "events")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(j, "events"), 0), "event_type")),
			 "start");
	json_decref(j);
	free(path);

	/* the admin too; another user's bot 403; a bot that does not exist 404; a bad id 400 */
	ck_assert(asprintf(&path, "/bots/%s/container/events", bot) > 0);
	j = get_json(path, bt_admin(), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "events")), 8);
	ck_assert(json_is_false(json_object_get(j, "has_more")));
	json_decref(j);
	j = get_json(path, other.ident, 403);
	ck_assert_str_eq(error_code(j), "bot_access_denied");
	json_decref(j);
	free(path);
	ck_assert(asprintf(&path, "/bots/%s/container/events", theirs) > 0);
	j = get_json(path, owner.ident, 403);
	json_decref(j);
	free(path);
	j = get_json("/bots/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/container/events", bt_admin(),
		     404);
	json_decref(j);
	j = get_json("/bots/not-a-uuid/container/events", bt_admin(), 400);
	json_decref(j);

	free(ids);
	free(bot);
	free(theirs);
	bt_user_free(&owner);
	bt_user_free(&other);
}
END_TEST

START_TEST(events_limits_and_bad_cursors)
{
	bt_user owner = bt_user_new("evl", 0);
	char *bot = bt_bot_new(owner.name, "personal", 0), *sql, *path;
	json_t *j;
	const char *bad_limits[] = { "0", "-1", "1001", "abc", "1.5", "01", "" };
	const char *bad_cursors[] = { "abc", "e1",
				      "e100064564a35d7e400f1e2d3c4b5a69788796a5b4c3d2e1fX",
				      "E100064564A35D7E400F1E2D3C4B5A69788796A5B4C3D2E1F0",
				      "%27%20OR%201%3D1" };

	/* 1005 events: the default page is 100, the largest 1000 */
	ck_assert(
		asprintf(
			&sql,
			"INSERT INTO lifecycle_events (bot_id, event_type, created_at) SELECT '%s', 'tick', "
			"timestamptz '2026-02-01T00:00:00Z' + g * interval '1 millisecond' FROM generate_series(1, 1005) g",
			bot) > 0);
	free(bt_sql(sql));
	free(sql);
	ck_assert(asprintf(&path, "/bots/%s/container/events", bot) > 0);
	j = get_json(path, owner.ident, 200);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "events")), 100);
	ck_assert(json_is_true(json_object_get(j, "has_more")));
	ck_assert(json_is_null(
		json_object_get(json_array_get(json_object_get(j, "events"), 0), "container_id")));
	json_decref(j);
	free(path);
	ck_assert(asprintf(&path, "/bots/%s/container/events?limit=1000", bot) > 0);
	j = get_json(path, owner.ident, 200);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "events")), 1000);
	ck_assert(json_is_true(json_object_get(j, "has_more")));
	char *last = strdup(json_string_value(json_object_get(j, "next")));
	json_decref(j);
	free(path);
	ck_assert(asprintf(&path, "/bots/%s/container/events?limit=1000&since=%s", bot, last) > 0);
	j = get_json(path, owner.ident, 200);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "events")), 5);
	ck_assert(json_is_false(json_object_get(j, "has_more")));
	json_decref(j);
	free(path);
	free(last);

	for (size_t i = 0; i < sizeof bad_limits / sizeof bad_limits[0]; i++) {
		ck_assert(asprintf(&path, "/bots/%s/container/events?limit=%s", bot,
				   bad_limits[i]) > 0);
		if (!bad_limits[i][0]) { /* an empty limit is the default */
			j = get_json(path, owner.ident, 200);
		} else {
			j = get_json(path, owner.ident, 400);
			ck_assert_str_eq(error_code(j), "invalid_limit");
		}
		json_decref(j);
		free(path);
	}
	for (size_t i = 0; i < sizeof bad_cursors / sizeof bad_cursors[0]; i++) {
		ck_assert(asprintf(&path, "/bots/%s/container/events?since=%s", bot,
				   bad_cursors[i]) > 0);
		j = get_json(path, owner.ident, 400);
		ck_assert_str_eq(error_code(j), "invalid_cursor");
		json_decref(j);
		free(path);
		ck_assert(asprintf(&path, "/events?since=%s", bad_cursors[i]) > 0);
		j = get_json(path, bt_admin(), 400);
		ck_assert_str_eq(error_code(j), "invalid_cursor");
		json_decref(j);
		free(path);
	}
	free(bot);
	bt_user_free(&owner);
}
END_TEST

START_TEST(all_events_for_admins_only)
{
	bt_user member = bt_user_new("eva", 0);
	char *a = bt_bot_new(member.name, "personal", 0), *b = bt_bot_new(member.name, "public", 0);
	char *path, *want, *sql, got[4096] = "";
	const char *next = NULL;
	json_t *j;
	int pages = 0, more = 1;

	add_event(a, "create", "2030-05-01T00:00:01Z", 1);
	add_event(b, "create", "2030-05-01T00:00:02Z", 2);
	add_event(a, "start", "2030-05-01T00:00:03Z", 3);
	ck_assert(
		asprintf(
			&sql,
			"SELECT id FROM lifecycle_events WHERE bot_id IN ('%s', '%s') ORDER BY created_at, id",
			a, b) > 0);
	want = bt_sql(sql);
	free(sql);

	j = get_json("/events", member.ident, 403);
	ck_assert_str_eq(error_code(j), "admin_required");
	json_decref(j);

	/* every bot's events, oldest first: page through it all and keep ours */
	while (more) {
		static char cursor[128];
		if (next)
			ck_assert(asprintf(&path, "/events?limit=1000&since=%s", next) > 0);
		else
			ck_assert(asprintf(&path, "/events?limit=1000") > 0);
		j = get_json(path, bt_admin(), 200);
		free(path);
		size_t i;
		json_t *e;
		json_array_foreach(json_object_get(j, "events"), i, e)
		{
			const char *bot = json_string_value(json_object_get(e, "bot_id"));
			if (!strcmp(bot, a) || !strcmp(bot, b)) {
				if (got[0])
					strcat(got, "\n");
				strcat(got, json_string_value(json_object_get(e, "id")));
			}
		}
		more = json_is_true(json_object_get(j, "has_more"));
		if (json_is_string(json_object_get(j, "next"))) {
			snprintf(cursor, sizeof cursor, "%s",
				 json_string_value(json_object_get(j, "next")));
			next = cursor;
		}
		json_decref(j);
		ck_assert_int_lt(++pages, 1000);
	}
	ck_assert_str_eq(got, want);

	free(want);
	free(a);
	free(b);
	bt_user_free(&member);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("metrics");
	TCase *ev = tcase_create("events");
	tcase_set_timeout(ev, 120);
	tcase_add_test(ev, events_page_oldest_first_with_a_cursor);
	tcase_add_test(ev, events_limits_and_bad_cursors);
	tcase_add_test(ev, all_events_for_admins_only);
	suite_add_tcase(s, ev);
	TCase *m = tcase_create("metrics");
	tcase_set_timeout(m, 300);
	tcase_add_test(m, metrics_need_an_admin);
	tcase_add_test(m, metrics_count_every_request_across_workers_kills_and_reloads);
	tcase_add_test(m, metrics_count_reconcile_passes_and_actions);
	tcase_add_test(m, metrics_reconcile_counts_survive_a_restart);
	suite_add_tcase(s, m);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
