/* Unit tests of the shared counter table (metrics.c: slots, buckets, sharing across fork) and of
 * the Prometheus text writer (metrics_text.c: escaping, cumulative histograms, families). */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth/metrics.h"
#include "berth/metrics_text.h"

static const struct metrics_route_label routes[] = {
	{ "GET", "/me" },
	{ "GET", "/bots/:bot_id/container" },
};

static char *write_all(void)
{
	struct strbuf b = STRBUF_INIT;

	metrics_text_write_table(&b, routes, 2);
	ck_assert(b.ok);
	return b.s;
}

START_TEST(test_no_table_records_nothing)
{
	ck_assert(!metrics_table_present());
	ck_assert(!metrics_recording());
	metrics_observe_request(0, 200, 10);
	metrics_observe_dep(METRICS_DEP_DATABASE, 10, BERTH_OK);
	metrics_count_exit(METRICS_EXIT_CRASHED);
	ck_assert_uint_eq(metrics_read_request_count(0, metrics_code_slot(200)), 0);
	ck_assert_uint_eq(metrics_routes(), 0);
}
END_TEST

START_TEST(test_code_slots)
{
	ck_assert_str_eq(metrics_code_label(metrics_code_slot(200)), "200");
	ck_assert_str_eq(metrics_code_label(metrics_code_slot(504)), "504");
	ck_assert_str_eq(metrics_code_label(metrics_code_slot(418)), "4xx");
	ck_assert_str_eq(metrics_code_label(metrics_code_slot(599)), "5xx");
	ck_assert_str_eq(metrics_code_label(metrics_code_slot(103)), "1xx");
	ck_assert_str_eq(metrics_code_label(metrics_code_slot(0)), "5xx");
	ck_assert_str_eq(metrics_code_label(metrics_code_slot(1000)), "5xx");
	ck_assert_ptr_null(metrics_code_label(METRICS_CODE_SLOTS));
}
END_TEST

START_TEST(test_table_limits)
{
	berth_err err;

	ck_assert_int_eq(metrics_table_create(METRICS_MAX_ROUTES + 1, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_INVALID);
	ck_assert_int_eq(metrics_table_create(2, &err), 0);
	ck_assert_int_eq(metrics_table_create(2, &err), -1); /* once */
	ck_assert_uint_eq(metrics_routes(), 2);
	/* out-of-range routes go to the unmatched slot, out-of-range reads are zero */
	metrics_observe_request(99, 404, 5);
	ck_assert_uint_eq(metrics_read_request_count(2, metrics_code_slot(404)), 1);
	ck_assert_uint_eq(metrics_read_request_count(3, metrics_code_slot(404)), 0);
	metrics_set_recording(false);
	metrics_observe_request(0, 200, 5);
	metrics_observe_dep(METRICS_DEP_CONTAINERD, 5, BERTH_E_TIMEOUT);
	metrics_count_exit(METRICS_EXIT_RECYCLED); /* always counted */
	ck_assert_uint_eq(metrics_read_request_count(0, metrics_code_slot(200)), 0);
	ck_assert_uint_eq(metrics_read_dep_errors(METRICS_DEP_CONTAINERD, BERTH_E_TIMEOUT), 0);
	ck_assert_uint_eq(metrics_read_exits(METRICS_EXIT_RECYCLED), 1);
	metrics_set_recording(true);
	metrics_table_destroy();
	ck_assert(!metrics_table_present());
}
END_TEST

START_TEST(test_buckets)
{
	struct metrics_hist h;
	berth_err err;

	ck_assert_int_eq(metrics_table_create(1, &err), 0);
	metrics_observe_request(0, 200, 0);	   /* le 0.001 */
	metrics_observe_request(0, 200, 1000);	   /* le 0.001: bounds are inclusive */
	metrics_observe_request(0, 200, 1001);	   /* le 0.0025 */
	metrics_observe_request(0, 200, 99000000); /* +Inf */
	metrics_read_request_hist(0, &h);
	ck_assert_uint_eq(h.bucket[0], 2);
	ck_assert_uint_eq(h.bucket[1], 1);
	ck_assert_uint_eq(h.bucket[METRICS_BUCKETS], 1);
	ck_assert_uint_eq(metrics_hist_count(&h), 4);
	ck_assert_uint_eq(h.sum_us, 99002001);
}
END_TEST

/* What a forked child records, the parent reads: the table is shared, and outlives the child. */
START_TEST(test_shared_across_fork)
{
	berth_err err;
	pid_t pid[3];
	int status;

	ck_assert_int_eq(metrics_table_create(2, &err), 0);
	for (int i = 0; i < 3; i++) {
		pid[i] = fork();
		ck_assert_int_ge(pid[i], 0);
		if (pid[i] == 0) {
			for (int n = 0; n < 1000; n++) {
				metrics_observe_request(1, 201, 30000);
				metrics_observe_dep(METRICS_DEP_DATABASE, 100,
						    n % 10 ? BERTH_OK : BERTH_E_UNAVAILABLE);
			}
			_exit(0);
		}
	}
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(waitpid(pid[i], &status, 0), pid[i]);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ck_assert_uint_eq(metrics_read_request_count(1, metrics_code_slot(201)), 3000);
	ck_assert_uint_eq(metrics_read_dep_errors(METRICS_DEP_DATABASE, BERTH_E_UNAVAILABLE), 300);
	metrics_table_destroy();
}
END_TEST

START_TEST(test_escape)
{
	struct strbuf b = STRBUF_INIT;

	metrics_text_escape(&b, "a\\b\"c\nd/é");
	ck_assert(b.ok);
	ck_assert_str_eq(b.s, "a\\\\b\\\"c\\nd/é");
	free(b.s);
}
END_TEST

START_TEST(test_sample_and_family)
{
	struct strbuf b = STRBUF_INIT;
	const char *labels[] = { "route", "/x\"y", "code", "200", NULL };

	metrics_text_family(&b, "m_total", "counter", "Things.");
	metrics_text_sample(&b, "m_total", labels, 18446744073709551615u);
	metrics_text_sample(&b, "g", NULL, 0);
	ck_assert(b.ok);
	ck_assert_str_eq(b.s,
			 "# HELP m_total Things.\n# TYPE m_total counter\n"
			 "m_total{route=\"/x\\\"y\",code=\"200\"} 18446744073709551615\ng 0\n");
	free(b.s);
}
END_TEST

START_TEST(test_sample_seconds)
{
	struct strbuf b = STRBUF_INIT;
	const char *labels[] = { "node", "local", NULL };

	metrics_text_sample_seconds(&b, "s", labels, 2500);
	metrics_text_sample_seconds(&b, "s", NULL, 12000000);
	metrics_text_sample_seconds(&b, "s", NULL, 0);
	metrics_text_sample_seconds(&b, "s", NULL, 1000001);
	ck_assert(b.ok);
	ck_assert_str_eq(b.s, "s{node=\"local\"} 0.0025\ns 12\ns 0\ns 1.000001\n");
	free(b.s);
}
END_TEST

START_TEST(test_histogram_text)
{
	struct metrics_hist h = { { 0 }, 0 };
	struct strbuf b = STRBUF_INIT;
	const char *labels[] = { "dependency", "database", NULL };

	h.bucket[0] = 2;
	h.bucket[2] = 1;
	h.bucket[METRICS_BUCKETS] = 1;
	h.sum_us = 12003500;
	metrics_text_hist(&b, "d_seconds", labels, &h);
	ck_assert(b.ok);
	ck_assert_ptr_nonnull(
		strstr(b.s, "d_seconds_bucket{dependency=\"database\",le=\"0.001\"} 2\n"));
	ck_assert_ptr_nonnull(
		strstr(b.s, "d_seconds_bucket{dependency=\"database\",le=\"0.0025\"} 2\n"));
	ck_assert_ptr_nonnull(
		strstr(b.s, "d_seconds_bucket{dependency=\"database\",le=\"0.005\"} 3\n"));
	ck_assert_ptr_nonnull(
		strstr(b.s, "d_seconds_bucket{dependency=\"database\",le=\"10\"} 3\n"));
	ck_assert_ptr_nonnull(
		strstr(b.s, "d_seconds_bucket{dependency=\"database\",le=\"+Inf\"} 4\n"));
	ck_assert_ptr_nonnull(strstr(b.s, "d_seconds_sum{dependency=\"database\"} 12.0035\n"));
	ck_assert_ptr_nonnull(strstr(b.s, "d_seconds_count{dependency=\"database\"} 4\n"));
	free(b.s);
}
END_TEST

START_TEST(test_table_text)
{
	berth_err err;
	char *text;

	ck_assert_int_eq(metrics_table_create(2, &err), 0);
	metrics_observe_request(0, 200, 500);
	metrics_observe_request(0, 200, 500);
	metrics_observe_request(1, 404, 500);
	metrics_observe_request(7, 405, 500);
	metrics_observe_dep(METRICS_DEP_CONTAINERD, 2000, BERTH_E_NOT_FOUND);
	metrics_count_exit(METRICS_EXIT_CRASHED);
	text = write_all();
	ck_assert_ptr_nonnull(strstr(text, "# TYPE berth_http_requests_total counter\n"));
	ck_assert_ptr_nonnull(strstr(
		text, "berth_http_requests_total{method=\"GET\",route=\"/me\",code=\"200\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(
		text,
		"berth_http_requests_total{method=\"GET\",route=\"/bots/:bot_id/container\",code=\"404\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(
		text,
		"berth_http_requests_total{method=\"\",route=\"unmatched\",code=\"405\"} 1\n"));
	ck_assert_ptr_null(strstr(text, "code=\"201\"")); /* zero counts are left out */
	ck_assert_ptr_nonnull(strstr(
		text,
		"berth_http_request_duration_seconds_count{method=\"GET\",route=\"/me\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(text, "berth_worker_restarts_total{cause=\"crashed\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "berth_worker_restarts_total{cause=\"recycled\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(
		text,
		"berth_dependency_call_duration_seconds_count{dependency=\"containerd\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(
		text, "berth_dependency_call_duration_seconds_count{dependency=\"database\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(
		text,
		"berth_dependency_errors_total{dependency=\"containerd\",kind=\"not_found\"} 1\n"));
	ck_assert(text[strlen(text) - 1] == '\n');
	free(text);
	metrics_table_destroy();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("pure");
	tcase_add_test(tc, test_no_table_records_nothing);
	tcase_add_test(tc, test_code_slots);
	tcase_add_test(tc, test_sample_seconds);
	tcase_add_test(tc, test_table_limits);
	tcase_add_test(tc, test_buckets);
	tcase_add_test(tc, test_shared_across_fork);
	tcase_add_test(tc, test_escape);
	tcase_add_test(tc, test_sample_and_family);
	tcase_add_test(tc, test_histogram_text);
	tcase_add_test(tc, test_table_text);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
