/* deadline.c: the monotonic clock and call budgets (see include/berth/deadline.h). */
#include "berth/deadline.h"

#include <time.h>

int64_t berth_now_ms(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail on Linux with a valid pointer. */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

berth_deadline berth_deadline_after(int64_t ms)
{
	return ms > 0 ? berth_now_ms() + ms : 0;
}

berth_deadline berth_deadline_min(berth_deadline a, berth_deadline b)
{
	if (a <= 0)
		return b > 0 ? b : 0;
	if (b <= 0)
		return a;
	return a < b ? a : b;
}

int64_t berth_deadline_left_ms(berth_deadline d)
{
	int64_t left;

	if (d <= 0)
		return INT64_MAX;
	left = d - berth_now_ms();
	return left > 0 ? left : 0;
}

bool berth_deadline_passed(berth_deadline d)
{
	return d > 0 && berth_now_ms() >= d;
}

int berth_deadline_budget(berth_deadline d, int cap_ms, const char *what, int *ms, berth_err *err)
{
	int64_t left;

	if (d <= 0) {
		*ms = cap_ms > 0 ? cap_ms : -1;
		return 0;
	}
	left = d - berth_now_ms();
	if (left <= 0) {
		*ms = 0;
		/* what names an internal call: detail for the log, the client reads the code's sentence */
		return berth_err_driver(err, BERTH_E_TIMEOUT, BERTH_EC_DEADLINE_EXCEEDED,
					"%s: deadline exceeded", what ? what : "call");
	}
	if (cap_ms > 0 && left > cap_ms)
		left = cap_ms;
	*ms = left > INT32_MAX ? INT32_MAX : (int)left;
	return 0;
}
