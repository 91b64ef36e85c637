/* berth_fcgi_backstop.h: a worker's last resort against a request that runs far past its
 * deadline (berth_fcgi_backstop.c). Private to app/programs/.
 *
 * Every call a request makes is bounded by the request's deadline; the backstop is for what
 * escapes that (a peer that connects and never sends its params, a call that ignores its
 * deadline). A watchdog thread looks at the request in progress a few times a second; when one has
 * run longer than the limit, it logs what it interrupted (request id, route, bot) and the worker
 * dies by SIGALRM, so that the master logs and counts the cause and replaces it.
 *
 * Marking a request costs two clock reads and two atomic stores, no system call: the former
 * per-request interval timer cost two setitimer(2) calls on every request.
 */
#ifndef BERTH_BERTH_FCGI_BACKSTOP_H
#define BERTH_BERTH_FCGI_BACKSTOP_H

#include <stdint.h>

/* Starts the watchdog with limit_ms (> 0). Call once per worker process, after fork. Returns 0,
 * or -1 with errno set. */
int backstop_start(int64_t limit_ms);
/* Stops and joins the watchdog (no-op if it was not started). */
void backstop_stop(void);

/* The calling worker's request begins / ends. */
void backstop_request_begin(void);
void backstop_request_end(void);

#endif
