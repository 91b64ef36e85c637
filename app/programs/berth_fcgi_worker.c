/* berth_fcgi_worker.c: one pre-forked worker (see worker_loop in berth_fcgi_worker.h).
 *
 * The listening socket is non-blocking and shared by all workers. A worker waits for a connection
 * in epoll_pwait() with EPOLLEXCLUSIVE, so that one connection wakes one worker rather than all of
 * them (the thundering herd cost every idle worker a wake-up and a failed accept per request);
 * when another worker still wins the race, FCGX_Accept_r fails with EAGAIN and the worker simply
 * waits again.
 *
 * A request in progress always finishes: the stop signals stay blocked in every thread of the
 * worker, except inside the wait for the next request (epoll_pwait/ppoll unblock them atomically,
 * so a stop signal ends the wait with EINTR and none is lost between a check and the wait), and
 * the stop flag is checked only between requests. Blocking matters, not just SA_RESTART: some
 * calls are never restarted, and one of them is libfcgi's own: after accept() on a unix socket it
 * poll()s for the request's first bytes and, when that poll fails with EINTR, closes the accepted
 * connection unanswered (nginx: 502). Keeping them blocked also costs no system call per request.
 *
 * Every call a request makes is bounded by the request's deadline (berth/deadline.h), so a slow
 * dependency ends in a 504, not in a dead worker. Behind that, every request, from accept to
 * finish, runs under the backstop (berth_fcgi_backstop.h: twice request_timeout_ms plus a margin).
 */
#define _GNU_SOURCE /* ppoll */
#include "berth_fcgi_worker.h"

#include <errno.h>
#include <fcgiapp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "berth/http_auth.h"
#include "berth/http_context.h"
#include "berth/http_dispatch.h"
#include "berth/http_fcgi.h"
#include "berth/http_routes.h"
#include "berth/log.h"
#include "berth/metrics.h"
#include "berth_fcgi_backstop.h"

/* libfcgi 2.4 has no prototype for this in its headers. */
void OS_LibShutdown(void);

#define BACKSTOP_MARGIN_MS 5000

static volatile sig_atomic_t stop_requested;
/* The signal mask while waiting for a request: the stop signals unblocked. */
static sigset_t wait_mask;

static void on_stop_signal(int signo)
{
	(void)signo;
	stop_requested = 1;
}

/* Blocks the stop signals for good (threads made later inherit the mask, so the signals wait for
 * this thread's next wait) and installs their handler. */
static int setup_signals(void)
{
	struct sigaction sa;
	sigset_t stop_signals;

	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGHUP);
	sigaddset(&stop_signals, SIGQUIT);
	if (pthread_sigmask(SIG_BLOCK, &stop_signals, &wait_mask) != 0)
		return -1;
	sigdelset(&wait_mask, SIGTERM);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGHUP);
	sigdelset(&wait_mask, SIGQUIT);
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop_signal;
	sa.sa_flags = SA_RESTART; /* requests in progress carry on undisturbed */
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0 ||
	    sigaction(SIGHUP, &sa, NULL) < 0 || sigaction(SIGQUIT, &sa, NULL) < 0)
		return -1;
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	if (sigaction(SIGPIPE, &sa, NULL) < 0)
		return -1;
	sa.sa_handler = SIG_DFL;
	if (sigaction(SIGCHLD, &sa, NULL) < 0)
		return -1;
	return 0;
}

/* FastCGI peers libfcgi accepts: FCGX_Init reads FCGI_WEB_SERVER_ADDRS, the configured list is
 * the only source (an inherited value is not kept when the list is empty). */
static int set_allowed_peers(const struct berth_config *cfg)
{
	if (cfg->fcgi_allowed_peers && *cfg->fcgi_allowed_peers)
		return setenv("FCGI_WEB_SERVER_ADDRS", cfg->fcgi_allowed_peers, 1);
	return unsetenv("FCGI_WEB_SERVER_ADDRS");
}

/* Waits until the next request can be read: on kept_fd, the connection nginx kept
 * (fastcgi_keep_conn on), when >= 0, else a new connection on the listening socket (epfd).
 * Returns 1 when ready, 0 when a stop was requested, -1 on an error (errno set). */
static int wait_for_request(int epfd, int kept_fd)
{
	while (!stop_requested) {
		int n;

		if (kept_fd >= 0) {
			struct pollfd pfd = { .fd = kept_fd, .events = POLLIN };
			n = ppoll(&pfd, 1, NULL, &wait_mask);
		} else {
			struct epoll_event ev;
			n = epoll_pwait(epfd, &ev, 1, -1, &wait_mask);
		}
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return -1;
	}
	return 0;
}

/* An epoll set with the listening socket, waking one waiting worker per connection. */
static int listen_epoll(int listen_fd)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = listen_fd };
	int epfd = epoll_create1(EPOLL_CLOEXEC);

	if (epfd < 0)
		return -1;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, listen_fd, &ev) < 0) {
		int saved = errno;
		close(epfd);
		errno = saved;
		return -1;
	}
	return epfd;
}

int worker_loop(const struct berth_config *cfg, int listen_fd, pid_t master_pid)
{
	struct http_server srv = {
		.routes = http_routes,
		.n_routes = http_routes_count,
		.max_body_bytes = cfg->max_body_bytes,
		.request_timeout_ms = cfg->request_timeout_ms,
		.identify = http_identity_from_store,
		.identify_bot = http_identity_bot_from_store,
	};
	FCGX_Request req;
	long served = 0;
	int rc = 1, epfd = -1;
	const char *why = "stop requested";

	if (setup_signals() < 0) {
		blog(BLOG_ERROR, "worker: signal setup: %s", strerror(errno));
		return 1;
	}
	/* If the master dies, finish up like on SIGTERM. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != master_pid) {
		blog(BLOG_ERROR, "worker: the master is gone");
		return 1;
	}
	if (set_allowed_peers(cfg) < 0) {
		blog(BLOG_ERROR, "worker: FCGI_WEB_SERVER_ADDRS: %s", strerror(errno));
		return 1;
	}
	epfd = listen_epoll(listen_fd);
	if (epfd < 0) {
		blog(BLOG_ERROR, "worker: epoll on the listening socket: %s", strerror(errno));
		return 1;
	}
	if (backstop_start((int64_t)cfg->request_timeout_ms * 2 + BACKSTOP_MARGIN_MS) < 0) {
		blog(BLOG_ERROR, "worker: backstop watchdog: %s", strerror(errno));
		close(epfd);
		return 1;
	}
	metrics_set_recording(cfg->metrics_record != 0);
	srv.ctx = worker_ctx_new(cfg);
	srv.identify_arg = srv.ctx;
	if (!srv.ctx || FCGX_Init() != 0 || FCGX_InitRequest(&req, listen_fd, 0) != 0) {
		blog(BLOG_ERROR, "worker: initialisation failed");
		worker_ctx_free(srv.ctx);
		backstop_stop();
		close(epfd);
		return 1;
	}

	for (;;) {
		int ready, accepted;

		if (cfg->max_requests > 0 && served >= cfg->max_requests) {
			why = "max_requests reached";
			break;
		}
		/* nginx's fastcgi_keep_conn on keeps the connection: the next request comes on it. */
		ready = wait_for_request(epfd, req.ipcFd);
		if (ready < 0) {
			blog(BLOG_ERROR, "worker: waiting for a request: %s", strerror(errno));
			goto out;
		}
		if (ready == 0)
			break;
		/* From here to the finish the request runs to its end (see the top of this file). */
		backstop_request_begin();
		accepted = FCGX_Accept_r(&req);
		if (accepted < 0) {
			backstop_request_end();
			if (accepted == -EAGAIN || accepted == -EWOULDBLOCK || accepted == -EINTR)
				continue; /* another worker took the connection */
			/* EMFILE, ENOMEM, ...: exit and let the master replace us (with backoff) */
			blog(BLOG_ERROR, "worker: accept failed: %s", strerror(-accepted));
			goto out;
		}
		http_serve_fcgi(&srv, &req);
		FCGX_Finish_r(&req);
		backstop_request_end();
		served++;
	}
	rc = 0;
	blog_fields(BLOG_INFO, "worker exiting",
		    json_pack("{s:s, s:I}", "reason", why, "requests", (json_int_t)served));
out:
	FCGX_Free(&req, req.ipcFd >= 0);
	OS_LibShutdown();
	worker_ctx_free(srv.ctx);
	backstop_stop();
	close(epfd);
	return rc;
}
