/* deadline.h: the one monotonic clock, and the one way a call learns how long it may take.
 *
 * A request (or a reconcile action) has one deadline: an absolute CLOCK_MONOTONIC time in
 * milliseconds, 0 meaning none. Every client call (gRPC, CNI plugin, libpq statement, unpack, a
 * stop wait, a lock wait) asks berth_deadline_budget() for its timeout: what is left of the
 * deadline, never more than the call's own cap. Nothing else keeps its own clock.
 */
#ifndef BERTH_DEADLINE_H
#define BERTH_DEADLINE_H

#include <stdbool.h>
#include <stdint.h>

#include "berth/err.h"

/* Absolute CLOCK_MONOTONIC milliseconds; 0 = no deadline. */
typedef int64_t berth_deadline;

/* CLOCK_MONOTONIC in milliseconds: the only clock Berth measures time with. */
int64_t berth_now_ms(void);

/* The deadline ms from now (ms <= 0: none). */
berth_deadline berth_deadline_after(int64_t ms);

/* The earlier of two deadlines (0 = none on either side). */
berth_deadline berth_deadline_min(berth_deadline a, berth_deadline b);

/* Milliseconds left before d (never negative); INT64_MAX when d is 0. */
int64_t berth_deadline_left_ms(berth_deadline d);

bool berth_deadline_passed(berth_deadline d);

/* The timeout of one call: the smaller of cap_ms (<= 0: no cap) and what is left of d. On success
 * *ms is > 0, or -1 when there is neither a deadline nor a cap (unbounded). When d has passed it
 * fails with BERTH_E_TIMEOUT / BERTH_EC_DEADLINE_EXCEEDED, message "<what>: deadline exceeded"
 * marked detail_only (what names an internal call; clients read the code's sentence). */
int berth_deadline_budget(berth_deadline d, int cap_ms, const char *what, int *ms, berth_err *err);

#endif
