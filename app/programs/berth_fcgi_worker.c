/* berth_fcgi_worker.c: one pre-forked worker (see worker_loop in include/berth/server.h).
 *
 * The listening socket is non-blocking and shared by all workers. A worker waits in poll() on it
 * and on a self-pipe its signal handler writes to, so a worker idle in "accept" still stops at
 * once on SIGTERM; when another worker wins the race for a connection, FCGX_Accept_r fails with
 * EAGAIN and the worker simply waits again. The stop flag is checked only between requests: a
 * request in progress always finishes.
 *
 * Every request runs under a backstop timer (ITIMER_REAL, request_timeout_ms plus a margin).
 * SIGALRM keeps its default action, so a worker stuck far past a deadline dies and the master
 * replaces it (and logs why).
 */
#define _GNU_SOURCE /* pipe2 */
#include "berth/server.h"

#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <unistd.h>

#include "berth/http.h"
#include "berth/http_fcgi.h"
#include "berth/log.h"
#include "berth/worker.h"

/* libfcgi 2.4 has no prototype for this in its headers. */
void OS_LibShutdown(void);

#define BACKSTOP_MARGIN_MS 5000

static volatile sig_atomic_t stop_requested;
static int wake_pipe[2] = { -1, -1 };

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
	if (sigaction(SIGALRM, &sa, NULL) < 0 || sigaction(SIGCHLD, &sa, NULL) < 0)
		return -1;
	return 0;
}

static void arm_backstop(int ms)
{
	struct itimerval it = { .it_interval = { 0, 0 },
				.it_value = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

/* Waits until fd is readable (1) or a stop was requested (0). -1 on a poll error. */
static int wait_readable(int fd)
{
	struct pollfd pfd[2] = { { .fd = fd, .events = POLLIN }, { .fd = wake_pipe[0], .events = POLLIN } };

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
		.routes = http_routes, .n_routes = http_routes_count,
		.max_body_bytes = cfg->max_body_bytes, .request_timeout_ms = cfg->request_timeout_ms,
		.identify = http_identity_from_store,
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
		accepted = FCGX_Accept_r(&req);
		if (accepted < 0) {
			if (accepted == -EAGAIN || accepted == -EWOULDBLOCK || accepted == -EINTR)
				continue; /* another worker took the connection */
			/* EMFILE, ENOMEM, ...: exit and let the master replace us (with backoff) */
			blog(BLOG_ERROR, "worker: accept failed: %s", strerror(-accepted));
			goto out;
		}
		arm_backstop(cfg->request_timeout_ms + BACKSTOP_MARGIN_MS);
		http_serve_fcgi(&srv, &req);
		FCGX_Finish_r(&req);
		arm_backstop(0);
		served++;
	}
	rc = 0;
	blog_fields(BLOG_INFO, "worker exiting", json_pack("{s:s, s:I}", "reason", why, "requests",
							   (json_int_t)served));
out:
	FCGX_Free(&req, req.ipcFd >= 0);
	OS_LibShutdown();
	worker_ctx_free(srv.ctx);
	close(wake_pipe[0]);
	close(wake_pipe[1]);
	return rc;
}
