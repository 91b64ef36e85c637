/* berth_fcgi_master.c: the supervisor (see server_master_run in berth_fcgi_master.h).
 *
 * Signals are blocked and read from a signalfd, so all work happens in the main loop. The master
 * holds no gRPC and no libpq state, which is what makes fork() safe here.
 *
 *  - a worker that dies is replaced; when workers die abnormally more than STORM_DEATHS times
 *    within STORM_WINDOW_MS, respawning is delayed, the delay doubling up to BACKOFF_MAX_MS;
 *  - a worker that exits 0 on its own (max_requests reached) is replaced at once;
 *  - SIGTERM/SIGINT: the socket file is removed (a new instance can bind at once), workers get
 *    SIGTERM and finish their request; after graceful_timeout_ms the rest get SIGKILL;
 *  - SIGHUP: the config is read again (an invalid one is logged and ignored), workers of the new
 *    generation are started, and old ones get SIGTERM and drain only as new ones are running: at
 *    any time, old workers keep serving as long as fewer new ones run than configured (say,
 *    when fork fails). The listening socket stays open throughout, so connections queue instead
 *    of failing.
 */
#include "berth/deadline.h"
#include "berth_fcgi_listen.h"
#include "berth_fcgi_master.h"
#include "berth_fcgi_worker.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "berth/deadline.h"
#include "berth/log.h"
#include "berth/metrics.h"

#define STORM_WINDOW_MS 10000
#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 10000

struct child {
	pid_t pid;
	unsigned generation;
	bool stopping;	       /* told to finish (SIGTERM sent) */
	bool killed;	       /* SIGKILL sent */
	int64_t stop_deadline; /* when stopping: SIGKILL after this */
	int64_t started_ms;
};

struct master {
	const char *config_path;
	struct berth_config cfg;
	struct server_listener *listener;
	pid_t pid;
	int sigfd;
	struct child *children;
	size_t n_children, cap_children;
	unsigned generation;
	bool shutting_down;
	int64_t shutdown_deadline;
	/* crash storm control */
	int64_t window_start;
	int window_deaths;
	int64_t last_death;
	int backoff_ms;
	int64_t next_spawn;
};

static int storm_deaths(const struct master *m)
{
	return m->cfg.workers < 3 ? 3 : m->cfg.workers;
}

static size_t live_current(const struct master *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_children; i++)
		if (!m->children[i].stopping && m->children[i].generation == m->generation)
			n++;
	return n;
}

/* Runs in the new child: becomes a worker and never returns. */
static void become_worker(struct master *m)
{
	sigset_t none;
	int rc;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	close(m->sigfd);
	free(m->children);
	m->children = NULL;
	rc = worker_loop(&m->cfg, m->listener->fd, m->pid);
	berth_config_free(&m->cfg);
	exit(rc);
}

static int spawn_worker(struct master *m)
{
	pid_t pid;

	if (m->n_children == m->cap_children) {
		size_t cap = m->cap_children ? m->cap_children * 2 : 8;
		struct child *c = realloc(m->children, cap * sizeof *c);
		if (!c) {
			blog(BLOG_ERROR, "out of memory starting a worker");
			return -1;
		}
		m->children = c;
		m->cap_children = cap;
	}
	pid = fork();
	if (pid < 0) {
		blog(BLOG_ERROR, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0)
		become_worker(m);
	m->children[m->n_children++] = (struct child){
		.pid = pid,
		.generation = m->generation,
		.started_ms = berth_now_ms(),
	};
	blog_fields(
		BLOG_INFO, "worker started",
		json_pack("{s:i, s:i}", "worker_pid", (int)pid, "generation", (int)m->generation));
	return 0;
}

static void ensure_workers(struct master *m)
{
	if (m->shutting_down || berth_now_ms() < m->next_spawn)
		return;
	while (live_current(m) < (size_t)m->cfg.workers) {
		if (spawn_worker(m) < 0) {
			m->backoff_ms = m->backoff_ms ? m->backoff_ms : BACKOFF_MIN_MS;
			m->next_spawn = berth_now_ms() + m->backoff_ms;
			return;
		}
	}
}

static void stop_child(struct child *c, int64_t deadline)
{
	if (c->stopping)
		return; /* already told */
	c->stopping = true;
	c->stop_deadline = deadline;
	if (kill(c->pid, SIGTERM) < 0 && errno != ESRCH)
		blog(BLOG_WARN, "kill %d: %s", (int)c->pid, strerror(errno));
}

/* Tells old-generation workers to drain, as many as are no longer needed: old and new workers
 * still serving together stay at cfg.workers while fewer new ones than that run. */
static void retire_old_workers(struct master *m)
{
	size_t live_new = live_current(m), serving_old = 0, keep;
	int64_t deadline = berth_now_ms() + m->cfg.graceful_timeout_ms;

	keep = live_new >= (size_t)m->cfg.workers ? 0 : (size_t)m->cfg.workers - live_new;
	for (size_t i = 0; i < m->n_children; i++)
		if (m->children[i].generation != m->generation && !m->children[i].stopping)
			serving_old++;
	for (size_t i = 0; i < m->n_children && serving_old > keep; i++) {
		struct child *c = &m->children[i];

		if (c->generation != m->generation && !c->stopping) {
			stop_child(c, deadline);
			serving_old--;
		}
	}
}

static void note_abnormal_death(struct master *m)
{
	int64_t now = berth_now_ms();

	if (now - m->last_death > STORM_WINDOW_MS)
		m->backoff_ms = 0; /* quiet long enough: forget the storm */
	if (now - m->window_start > STORM_WINDOW_MS) {
		m->window_start = now;
		m->window_deaths = 0;
	}
	m->last_death = now;
	if (++m->window_deaths <= storm_deaths(m))
		return;
	m->backoff_ms = m->backoff_ms ? m->backoff_ms * 2 : BACKOFF_MIN_MS;
	if (m->backoff_ms > BACKOFF_MAX_MS)
		m->backoff_ms = BACKOFF_MAX_MS;
	m->next_spawn = now + m->backoff_ms;
	blog_fields(BLOG_WARN, "workers are crashing: delaying respawn",
		    json_pack("{s:i, s:i, s:i}", "deaths", m->window_deaths, "window_ms",
			      STORM_WINDOW_MS, "delay_ms", m->backoff_ms));
}

static void reap(struct master *m)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		size_t i;
		json_t *f;
		bool abnormal;

		for (i = 0; i < m->n_children && m->children[i].pid != pid; i++)
			;
		if (i == m->n_children)
			continue; /* not a worker of ours */
		struct child c = m->children[i];
		m->children[i] = m->children[--m->n_children];

		f = json_pack("{s:i, s:i, s:I}", "worker_pid", (int)pid, "generation",
			      (int)c.generation, "uptime_ms",
			      (json_int_t)(berth_now_ms() - c.started_ms));
		if (WIFSIGNALED(status)) {
			json_object_set_new(f, "signal", json_integer(WTERMSIG(status)));
			json_object_set_new(f, "signal_name",
					    json_string(strsignal(WTERMSIG(status))));
		} else {
			json_object_set_new(f, "exit_status", json_integer(WEXITSTATUS(status)));
		}
		abnormal = WIFSIGNALED(status) || WEXITSTATUS(status) != 0;
		if (c.stopping && !abnormal) {
			metrics_count_exit(METRICS_EXIT_RETIRED);
			blog_fields(BLOG_INFO, "worker stopped", f);
		} else if (!abnormal) {
			metrics_count_exit(METRICS_EXIT_RECYCLED);
			blog_fields(BLOG_INFO, "worker exited (recycled)", f);
		} else if (c.stopping && c.killed) {
			metrics_count_exit(METRICS_EXIT_KILLED);
			blog_fields(BLOG_WARN, "worker killed after the graceful timeout", f);
		} else {
			bool backstop = WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM;

			metrics_count_exit(backstop		 ? METRICS_EXIT_BACKSTOP
					   : WIFSIGNALED(status) ? METRICS_EXIT_CRASHED
								 : METRICS_EXIT_FAILED);
			if (backstop)
				json_object_set_new(
					f, "reason",
					json_string("request ran far past its deadline"));
			blog_fields(BLOG_ERROR, "worker died", f);
			if (!c.stopping)
				note_abnormal_death(m);
		}
	}
}

static void kill_overdue(struct master *m)
{
	int64_t now = berth_now_ms();

	for (size_t i = 0; i < m->n_children; i++) {
		struct child *c = &m->children[i];
		if (c->stopping && !c->killed && c->stop_deadline && now >= c->stop_deadline) {
			blog_fields(BLOG_WARN, "worker did not finish in time: killing it",
				    json_pack("{s:i}", "worker_pid", (int)c->pid));
			kill(c->pid, SIGKILL);
			c->killed = true;
		}
	}
}

static void begin_shutdown(struct master *m, int signo)
{
	int64_t deadline = berth_now_ms() + m->cfg.graceful_timeout_ms;

	if (m->shutting_down)
		return;
	blog(BLOG_INFO, "%s: stopping; in-flight requests get %d ms", strsignal(signo),
	     m->cfg.graceful_timeout_ms);
	m->shutting_down = true;
	m->shutdown_deadline = deadline;
	/* Stop accepting: remove the socket file now, so that a new instance can bind at once. */
	server_listener_close(m->listener, true);
	for (size_t i = 0; i < m->n_children; i++)
		stop_child(&m->children[i], deadline);
}

static bool same_string(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static void reload(struct master *m)
{
	struct berth_config fresh;
	enum blog_level level;
	berth_err err;

	if (m->shutting_down)
		return;
	if (berth_config_load(m->config_path, &fresh, &err) < 0) {
		blog(BLOG_ERROR, "reload: invalid configuration, keeping the running one: %s",
		     err.msg);
		return;
	}
	if (server_listener_check_peers(m->listener, &fresh, &err) < 0) {
		blog(BLOG_ERROR, "reload: invalid configuration, keeping the running one: %s",
		     err.msg);
		berth_config_free(&fresh);
		return;
	}
	if (!same_string(fresh.fcgi_socket, m->cfg.fcgi_socket) ||
	    !same_string(fresh.fcgi_listen, m->cfg.fcgi_listen))
		blog(BLOG_WARN, "reload: the listener cannot change without a restart; still on %s",
		     m->listener->where);
	if (m->listener->is_unix && fresh.fcgi_socket_mode != m->cfg.fcgi_socket_mode &&
	    chmod(m->listener->path, (mode_t)fresh.fcgi_socket_mode) < 0)
		blog(BLOG_WARN, "reload: chmod %s: %s", m->listener->path, strerror(errno));
	if (blog_level_parse(fresh.log_level, &level) == 0)
		blog_set_level(level);
	berth_config_free(&m->cfg);
	m->cfg = fresh;
	m->generation++;
	m->backoff_ms = 0;
	m->next_spawn = 0;
	m->window_deaths = 0;
	blog_fields(BLOG_INFO, "reload: starting workers with the new configuration",
		    json_pack("{s:i, s:i}", "generation", (int)m->generation, "workers",
			      m->cfg.workers));

	/* New workers first; old ones drain as their replacements run. */
	ensure_workers(m);
	retire_old_workers(m);
}

static int poll_timeout(const struct master *m)
{
	int64_t now = berth_now_ms(), next = -1;

	if (!m->shutting_down && live_current(m) < (size_t)m->cfg.workers)
		next = m->next_spawn;
	for (size_t i = 0; i < m->n_children; i++)
		if (m->children[i].stopping && !m->children[i].killed &&
		    m->children[i].stop_deadline &&
		    (next < 0 || m->children[i].stop_deadline < next))
			next = m->children[i].stop_deadline;
	if (next < 0)
		return -1;
	if (next <= now)
		return 0;
	return next - now > 60000 ? 60000 : (int)(next - now);
}

static int write_pid_file(const char *path)
{
	char text[32];
	int fd, len;

	if (!path || !*path)
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		blog(BLOG_ERROR, "pid file %s: %s", path, strerror(errno));
		return -1;
	}
	len = snprintf(text, sizeof text, "%d\n", (int)getpid());
	if (write(fd, text, (size_t)len) != len) {
		blog(BLOG_ERROR, "pid file %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int server_master_run(const char *config_path, struct berth_config *cfg, struct server_listener *l)
{
	struct master m = {
		.config_path = config_path,
		.cfg = *cfg,
		.listener = l,
		.pid = getpid(),
		.sigfd = -1,
	};
	char *pid_file = m.cfg.pid_file && *m.cfg.pid_file ? strdup(m.cfg.pid_file) : NULL;
	sigset_t set;
	int rc = 1;

	memset(cfg, 0, sizeof *cfg); /* taken over */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 ||
	    (m.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		blog(BLOG_ERROR, "signalfd: %s", strerror(errno));
		goto out;
	}
	if (write_pid_file(pid_file) < 0)
		goto out;
	blog_fields(BLOG_INFO, "berth-fcgi master running",
		    json_pack("{s:s, s:i}", "listen", l->where, "workers", m.cfg.workers));

	for (;;) {
		struct pollfd pfd = { .fd = m.sigfd, .events = POLLIN };
		struct signalfd_siginfo si;

		ensure_workers(&m);
		if (!m.shutting_down)
			retire_old_workers(&m);
		if (m.shutting_down && m.n_children == 0)
			break;
		if (poll(&pfd, 1, poll_timeout(&m)) < 0 && errno != EINTR) {
			blog(BLOG_ERROR, "poll: %s", strerror(errno));
			goto out;
		}
		while (read(m.sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
			switch (si.ssi_signo) {
			case SIGCHLD: reap(&m); break;
			case SIGTERM:
			case SIGINT:
			case SIGQUIT: begin_shutdown(&m, (int)si.ssi_signo); break;
			case SIGHUP: reload(&m); break;
			}
		}
		reap(&m); /* SIGCHLDs coalesce; also catches a death between two reads */
		kill_overdue(&m);
	}
	blog(BLOG_INFO, "berth-fcgi stopped");
	rc = 0;
out:
	if (m.shutting_down == false) {
		/* fatal master error: take the workers down with us */
		for (size_t i = 0; i < m.n_children; i++)
			kill(m.children[i].pid, SIGTERM);
	}
	server_listener_close(l, true);
	if (pid_file)
		unlink(pid_file);
	free(pid_file);
	if (m.sigfd >= 0)
		close(m.sigfd);
	free(m.children);
	berth_config_free(&m.cfg);
	return rc;
}
