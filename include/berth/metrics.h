/* metrics.h: berth-fcgi's counters, shared by the master and every pre-forked worker (support).
 *
 * The table is one anonymous shared mapping (mmap MAP_SHARED|MAP_ANONYMOUS) that the master makes
 * once, before it forks any worker, the way php-fpm keeps its scoreboard: every worker inherits
 * the same pages, so a scrape served by any worker reads what all of them recorded, and what a
 * worker recorded stays when it dies, is recycled or is replaced by a SIGHUP reload (the table
 * belongs to the master and lives as long as it does: a reload keeps the counts; only a restart of
 * the master starts them at zero, which Prometheus sees as a counter reset).
 *
 * Every counter is a 64-bit integer updated with a relaxed atomic add (__atomic builtins), so
 * recording takes no lock and a worker killed in the middle of an update leaves no lock held; a
 * reader sees each counter whole, though not all counters of one instant (a histogram's _count is
 * computed from its buckets when written, so the two always agree).
 *
 * Layout (fixed when the table is made): one slot per route of the route table (plus one for
 * requests that matched no route) x status code (METRICS_CODES known codes, others by class) and a
 * latency histogram per route; per dependency (database, containerd) a latency histogram and
 * errors by berth_errkind; worker restarts by cause.
 *
 * This module knows no HTTP and no client: layers above call it (the http layer per request, the
 * store and containerd clients per call, the master per worker exit). Without a table (unit tests,
 * berthctl, before metrics_table_create) every observe call does nothing. Recording of requests
 * and dependency calls can be switched off per process (metrics_set_recording; [metrics] record).
 */
#ifndef BERTH_METRICS_H
#define BERTH_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "berth/err.h"

/* Upper bounds of the latency buckets in microseconds (Prometheus "le" in seconds); the last
 * bucket, +Inf, is implicit. */
#define METRICS_BUCKETS 12
extern const uint64_t metrics_bucket_le_us[METRICS_BUCKETS];

/* Status codes counted under their own label; any other is counted as "<class>xx". */
#define METRICS_CODES 27
#define METRICS_CODE_SLOTS (METRICS_CODES + 5)

/* At most this many routes (the route table is fixed; a larger one fails metrics_table_create). */
#define METRICS_MAX_ROUTES 256

enum metrics_dep { METRICS_DEP_DATABASE = 0, METRICS_DEP_CONTAINERD, METRICS_DEP__COUNT };

/* Why the master saw a worker exit. */
enum metrics_exit_cause {
	METRICS_EXIT_RECYCLED = 0, /* exit 0 on its own (max_requests) */
	METRICS_EXIT_RETIRED,	   /* told to stop (reload or shutdown) and finished */
	METRICS_EXIT_CRASHED,	   /* killed by a signal it was not sent by the master */
	METRICS_EXIT_BACKSTOP,	   /* its request backstop fired (SIGALRM) */
	METRICS_EXIT_FAILED,	   /* exited with a non-zero status */
	METRICS_EXIT_KILLED,	   /* SIGKILLed after the graceful timeout */
	METRICS_EXIT__COUNT
};

/* Makes this process's table for n_routes routes (plus the unmatched slot), zeroed. Call once, in
 * the master before fork. INVALID if n_routes > METRICS_MAX_ROUTES; INTERNAL if mmap fails.
 * A second call replaces nothing and fails (INVALID). */
int metrics_table_create(size_t n_routes, berth_err *err);
/* Unmaps the table (the master, at exit; a worker never needs to). */
void metrics_table_destroy(void);
/* True when this process has a table. */
bool metrics_table_present(void);

/* Per process: record requests and dependency calls (default on). Worker exits are always
 * recorded. */
void metrics_set_recording(bool on);
/* True when a table exists and recording is on: the observe calls below do something. */
bool metrics_recording(void);

/* Monotonic microseconds (for durations given to the observe calls). */
uint64_t metrics_now_us(void);

/* A request answered with status that took us microseconds. route: index in the route table, or
 * any value >= the table's n_routes for "matched no route". */
void metrics_observe_request(size_t route, int status, uint64_t us);
/* A call to a dependency; failed is BERTH_OK for success, else the failure's kind. */
void metrics_observe_dep(enum metrics_dep dep, uint64_t us, berth_errkind failed);
/* A worker exit seen by the master. */
void metrics_count_exit(enum metrics_exit_cause cause);

/* ---- reading (for the exposition) ---- */

/* The slot of a status code and its label ("200", ..., "4xx"); code_label NULL past the slots. */
size_t metrics_code_slot(int status);
const char *metrics_code_label(size_t slot);
const char *metrics_dep_name(enum metrics_dep dep);
const char *metrics_exit_cause_name(enum metrics_exit_cause cause);

/* A copy of one histogram: counts per bucket (not cumulative; [METRICS_BUCKETS] is +Inf), the
 * sum in microseconds. */
struct metrics_hist {
	uint64_t bucket[METRICS_BUCKETS + 1];
	uint64_t sum_us;
};
uint64_t metrics_hist_count(const struct metrics_hist *h);

/* Routes of the table (0 without one). The unmatched slot is index metrics_routes(). */
size_t metrics_routes(void);
/* Reads (atomically per counter) what was recorded. Out-of-range indexes read as zero. */
uint64_t metrics_read_request_count(size_t route, size_t code_slot);
void metrics_read_request_hist(size_t route, struct metrics_hist *out);
void metrics_read_dep_hist(enum metrics_dep dep, struct metrics_hist *out);
uint64_t metrics_read_dep_errors(enum metrics_dep dep, berth_errkind kind);
uint64_t metrics_read_exits(enum metrics_exit_cause cause);

#endif
