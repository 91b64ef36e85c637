/* it_container_concurrency.c: issue #4 §2, §7: every mutating operation on one bot holds the bot's
 * lock: twenty concurrent creates yield one container and twenty successes; concurrent mixed
 * operations leave containerd, the IPAM leases and the database agreeing. Concurrency comes from
 * forked children (the test process holds no gRPC state), released together through a pipe. */
#define _GNU_SOURCE
#include "it_container_common.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int count_lines_with(const char *text, const char *word)
{
	int n = 0;
	for (const char *p = text; (p = strstr(p, word)) != NULL; p += strlen(word))
		n++;
	return n;
}

START_TEST(twenty_concurrent_creates_make_one_container)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	struct it_op ops[20];
	long statuses[20];
	for (int i = 0; i < 20; i++)
		ops[i] = (struct it_op){ "POST", "", "" };
	long long t0 = bt_now_ms();
	it_run_concurrently(b.bot_id, b.owner.ident, ops, 20, statuses);
	fprintf(stderr, "it_container_concurrency: 20 concurrent creates answered in %lld ms\n",
		bt_now_ms() - t0);
	for (int i = 0; i < 20; i++)
		ck_assert_msg(statuses[i] == 200, "create %d answered %ld", i, statuses[i]);

	char *out = NULL;
	ck_assert_int_eq(bt_ctr(&out, "container", "ls", "-q", NULL), 0);
	ck_assert_int_eq(count_lines_with(out, b.ctr_id), 1);
	free(out);
	ck_assert_int_eq(bt_ctr(&out, "task", "ls", NULL), 0);
	ck_assert_int_eq(count_lines_with(out, b.ctr_id), 1);
	free(out);
	char *st = it_ctr_task_status(b.ctr_id);
	ck_assert_str_eq(st, "RUNNING");
	free(st);
	ck_assert_int_eq(it_ipam_leases(b.ctr_id), 1);
	char *sql = it_fmt(
		"SELECT (SELECT count(*) FROM containers WHERE bot_id = '%s') || ' ' || "
		"(SELECT count(*) FROM lifecycle_events WHERE bot_id = '%s' AND event_type = 'create') || ' ' || "
		"(SELECT count(*) FROM lifecycle_events WHERE bot_id = '%s' AND event_type = 'error')",
		b.bot_id, b.bot_id, b.bot_id);
	char *counts = bt_sql(sql);
	ck_assert_msg(strcmp(counts, "1 1 0") == 0,
		      "rows, create events, error events: %s (want 1 1 0)", counts);
	free(counts);
	free(sql);
	json_t *g = it_api_expect("GET", b.bot_id, "", NULL, b.owner.ident, 200);
	ck_assert_str_eq(it_str(g, "status"), "running");
	char *eth0 = it_exec_ok(
		b.ctr_id,
		"ip -4 -o addr show dev eth0 | sed -n 's/.* inet \\([0-9.]*\\)\\/.*/\\1/p'");
	ck_assert_str_eq(it_str(g, "ip"), eth0);
	free(eth0);
	json_decref(g);
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(concurrent_mixed_operations_stay_consistent)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	json_decref(it_create(b.bot_id, b.owner.ident));
	struct it_op ops[16];
	long statuses[16];
	for (int i = 0; i < 16; i++) {
		switch (i % 4) {
		case 0: ops[i] = (struct it_op){ "POST", "/stop", "" }; break;
		case 1: ops[i] = (struct it_op){ "POST", "/start", "" }; break;
		case 2: ops[i] = (struct it_op){ "POST", "", "" }; break;
		default:
			ops[i] = (struct it_op){ "POST", "/snapshots", "" };
			snprintf(ops[i].body, sizeof ops[i].body, "{\"snapshot_name\":\"c%d\"}", i);
			break;
		}
	}
	it_run_concurrently(b.bot_id, b.owner.ident, ops, 16, statuses);
	for (int i = 0; i < 16; i++)
		ck_assert_msg(statuses[i] == 200, "op %d (%s container%s) answered %ld", i,
			      ops[i].method, ops[i].suffix, statuses[i]);
	/* Whatever order they ran in, the API, ctr and the leases agree. */
	json_t *g = it_api_expect("GET", b.bot_id, "", NULL, b.owner.ident, 200);
	bool running = json_is_true(json_object_get(g, "task_running"));
	char *st = it_ctr_task_status(b.ctr_id);
	ck_assert_msg((strcmp(st, "RUNNING") == 0) == running, "API task_running %d, ctr '%s'",
		      running, st);
	ck_assert_str_eq(it_str(g, "status"), running ? "running" : "stopped");
	ck_assert_int_eq(it_ipam_leases(b.ctr_id), running ? 1 : 0);
	ck_assert_msg(json_is_null(json_object_get(g, "last_error")), "last_error: %s",
		      it_str(g, "last_error"));
	free(st);
	json_decref(g);
	json_t *l = it_api_expect("GET", b.bot_id, "/snapshots", NULL, b.owner.ident, 200);
	ck_assert_int_eq(json_array_size(json_object_get(l, "snapshots")), 1 + 4);
	json_decref(l);
	/* And it still works. */
	json_decref(it_api_expect("POST", b.bot_id, "/start", NULL, b.owner.ident, 200));
	json_decref(it_api_expect("POST", b.bot_id, "/snapshots/rollback",
				  "{\"snapshot_name\":\"c3\"}", b.owner.ident, 200));
	it_owned_bot_done(&b);
	ck_assert_int_eq(it_ipam_leases(b.ctr_id), 0);
}
END_TEST

START_TEST(concurrent_creates_and_deletes_leave_no_orphans)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	struct it_op ops[12];
	long statuses[12];
	for (int i = 0; i < 12; i++)
		ops[i] = (i % 2) ? (struct it_op){ "DELETE", "", "" }
				 : (struct it_op){ "POST", "", "" };
	it_run_concurrently(b.bot_id, b.owner.ident, ops, 12, statuses);
	for (int i = 0; i < 12; i++)
		ck_assert_msg(statuses[i] == (i % 2 ? 204 : 200), "op %d answered %ld", i,
			      statuses[i]);
	/* Either there is one running container with its row and lease, or nothing at all. */
	bool exists = it_ctr_container_exists(b.ctr_id);
	char *sql = it_fmt("SELECT count(*) FROM containers WHERE bot_id = '%s'", b.bot_id);
	char *rows = bt_sql(sql);
	ck_assert_str_eq(rows, exists ? "1" : "0");
	ck_assert_int_eq(it_ipam_leases(b.ctr_id), exists ? 1 : 0);
	free(rows);
	free(sql);
	it_owned_bot_done(&b);
	ck_assert(!it_ctr_container_exists(b.ctr_id));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("container_concurrency");
	TCase *tc = tcase_create("concurrency");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, twenty_concurrent_creates_make_one_container);
	tcase_add_test(tc, concurrent_mixed_operations_stay_consistent);
	tcase_add_test(tc, concurrent_creates_and_deletes_leave_no_orphans);
	suite_add_tcase(s, tc);
	return it_run_suite(s);
}
