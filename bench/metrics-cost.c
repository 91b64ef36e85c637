/* metrics-cost: what recording one request in the shared metrics table costs, measured alone
 * (bench/http.sh prints it next to GET /me's throughput, whose run-to-run noise on a busy machine
 * is far larger than this cost).
 *
 *   metrics-cost [N]
 *
 * Times N (default 5000000) recordings exactly as a worker makes them per request (two clock reads
 * and metrics_observe_request, as app/http/fcgi.c does) against N empty iterations, with the
 * table shared by a second process recording at the same time (contended cache lines, as with
 * several workers). Prints "ns_per_request <float>".
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth/metrics.h"

static volatile uint64_t sink;

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 5000000;
	berth_err err;
	uint64_t t0, t1, t2;
	pid_t other;

	if (n < 1 || metrics_table_create(40, &err) < 0) {
		fprintf(stderr, "metrics-cost: %s\n", n < 1 ? "N must be > 0" : err.msg);
		return 1;
	}
	other = fork();
	if (other == 0) {
		for (;;)
			metrics_observe_request(3, 200, 700);
	}
	t0 = metrics_now_us();
	for (long i = 0; i < n; i++)
		sink += (uint64_t)i;
	t1 = metrics_now_us();
	for (long i = 0; i < n; i++) {
		uint64_t start = metrics_now_us();
		sink += (uint64_t)i;
		metrics_observe_request(3, 200, metrics_now_us() - start);
	}
	t2 = metrics_now_us();
	if (other > 0) {
		kill(other, SIGKILL);
		waitpid(other, NULL, 0);
	}
	printf("ns_per_request %.1f\n",
	       ((double)(t2 - t1) - (double)(t1 - t0)) * 1000.0 / (double)n);
	metrics_table_destroy();
	return 0;
}
