/* berth_fcgi_worker.c: one pre-forked worker (see worker_loop in berth_fcgi_worker.h).
 *
 * The listening socket is non-blocking and shared by all workers. A worker waits in poll() on it
 * and on a self-pipe its signal handler writes to, so a worker idle in "accept" still stops at
 * once on SIGTERM; when another worker wins the race for a connection, FCGX_Accept_r fails with
 * EAGAIN and the worker simply waits again.
 *
 * A request in progress always finishes: the stop signals are blocked from FCGX_Accept_r to
 * FCGX_Finish_r and the stop flag is checked only between requests. Blocking matters, not just
 * SA_RESTART: some calls are never restarted, and one of them is libfcgi's own: after accept() on
 * a unix socket it poll()s for the request's first bytes and, when that poll fails with EINTR,
 * closes the accepted connection unanswered (nginx: 502).
 *
 * Every call a request makes is bounded by the request's deadline (berth/deadline.h), so a slow
 * dependency ends in a 504, not in a dead worker. Behind that, every request, from accept to
 * finish, runs under a backstop timer (ITIMER_REAL, twice request_timeout_ms plus a margin): the
 * last resort against a peer that connects and never sends its params or a call that ignores its
 * deadline. When it fires, the worker logs what it interrupted (request id, route, bot) and dies
 * by SIGALRM; the master replaces it (and logs why).
 */
#define _GNU_SOURCE /* pipe2 */
#include "berth_fcgi_worker.h"

#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <unistd.h>

#include "berth/http_auth.h"
#include "berth/http_context.h"
#include "berth/http_dispatch.h"
#include "berth/http_fcgi.h"
#include "berth/http_routes.h"
#include "berth/log.h"
#include "berth/metrics.h"

/* libfcgi 2.4 has no prototype for this in its headers. */
void OS_LibShutdown(void);

#define BACKSTOP_MARGIN_MS 5000

static volatile sig_atomic_t stop_requested;
static int wake_pipe[2] = { -1, -1 };
static sigset_t stop_signals;

static void on_backstop(int signo)
{
	blog_signal_line("worker backstop: the request in progress ran far past its deadline; "
			 "the worker ends and the master replaces it");
	/* Die of the signal itself, so that the master logs the cause: it is delivered again when
	 * this handler returns. */
	signal(signo, SIG_DFL);
	raise(signo);
}

static void on_stop_signal(int signo)
{
	int saved = errno;
	char b = (char)signo;

	stop_requested = 1;
	if (write(wake_pipe[1], &b, 1) < 0) {
		/* the pipe is full: a wake-up is pending anyway */
	}
	errno = saved;
}

static int setup_signals(void)
{
	struct sigaction sa;

	if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGHUP);
	sigaddset(&stop_signals, SIGQUIT);
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
	sa.sa_handler = on_backstop;
	if (sigaction(SIGALRM, &sa, NULL) < 0)
		return -1;
	return 0;
}

/* ms == 0 disarms. */
static void arm_backstop(int64_t ms)
{
	struct itimerval it = { .it_interval = { 0, 0 },
				.it_value = { .tv_sec = (time_t)(ms / 1000),
					      .tv_usec = (suseconds_t)(ms % 1000) * 1000 } };

	if (setitimer(ITIMER_REAL, &it, NULL) < 0)
		blog(BLOG_ERROR, "worker: setitimer: %s (request backstop %s)", strerror(errno),
		     ms ? "not armed" : "still armed");
}

/* While a request is in progress the stop signals stay pending (see the top of this file).
 * Threads the request creates (gRPC's) inherit the mask, so the signal waits for this thread. */
static void block_stop_signals(bool block)
{
	int rc = pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &stop_signals, NULL);

	if (rc != 0)
		blog(BLOG_ERROR, "worker: pthread_sigmask: %s", strerror(rc));
}

/* FastCGI peers libfcgi accepts: FCGX_Init reads FCGI_WEB_SERVER_ADDRS, the configured list is
 * the only source (an inherited value is not kept when the list is empty). */
static int set_allowed_peers(const struct berth_config *cfg)
{
	if (cfg->fcgi_allowed_peers && *cfg->fcgi_allowed_peers)
		return setenv("FCGI_WEB_SERVER_ADDRS", cfg->fcgi_allowed_peers, 1);
	return unsetenv("FCGI_WEB_SERVER_ADDRS");
}

/* Waits until fd is readable (1) or a stop was requested (0). -1 on a poll error. */
static int wait_readable(int fd)
{
	struct pollfd pfd[2] = { { .fd = fd, .events = POLLIN },
				 { .fd = wake_pipe[0], .events = POLLIN } };

	while (!stop_requested) {
		int n = poll(pfd, 2, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (pfd[1].revents) {
			char drain[16];
			while (read(wake_pipe[0], drain, sizeof drain) > 0)
				;
			continue;
		}
		if (pfd[0].revents)
			return 1;
	}
	return 0;
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
	int rc = 1;
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
	metrics_set_recording(cfg->metrics_record != 0);
	srv.ctx = worker_ctx_new(cfg);
	srv.identify_arg = srv.ctx;
	if (!srv.ctx || FCGX_Init() != 0 || FCGX_InitRequest(&req, listen_fd, 0) != 0) {
		blog(BLOG_ERROR, "worker: initialisation failed");
		worker_ctx_free(srv.ctx);
		return 1;
	}

	for (;;) {
		int ready, accepted;

		if (cfg->max_requests > 0 && served >= cfg->max_requests) {
			why = "max_requests reached";
			break;
		}
		/* nginx's fastcgi_keep_conn on keeps the connection: the next request comes on it. */
		ready = wait_readable(req.ipcFd >= 0 ? req.ipcFd : listen_fd);
		if (ready < 0) {
			blog(BLOG_ERROR, "worker: poll: %s", strerror(errno));
			goto out;
		}
		if (ready == 0)
			break;
		/* From here to the finish the request runs to its end (see the top of this file). */
		block_stop_signals(true);
		arm_backstop((int64_t)cfg->request_timeout_ms * 2 + BACKSTOP_MARGIN_MS);
		accepted = FCGX_Accept_r(&req);
		if (accepted < 0) {
			arm_backstop(0);
			block_stop_signals(false);
			if (accepted == -EAGAIN || accepted == -EWOULDBLOCK || accepted == -EINTR)
				continue; /* another worker took the connection */
			/* EMFILE, ENOMEM, ...: exit and let the master replace us (with backoff) */
			blog(BLOG_ERROR, "worker: accept failed: %s", strerror(-accepted));
			goto out;
		}
		http_serve_fcgi(&srv, &req);
		FCGX_Finish_r(&req);
		arm_backstop(0);
		block_stop_signals(false);
		served++;
	}
	rc = 0;
	blog_fields(BLOG_INFO, "worker exiting",
		    json_pack("{s:s, s:I}", "reason", why, "requests", (json_int_t)served));
out:
	FCGX_Free(&req, req.ipcFd >= 0);
	OS_LibShutdown();
	worker_ctx_free(srv.ctx);
	close(wake_pipe[0]);
	close(wake_pipe[1]);
	return rc;
}
