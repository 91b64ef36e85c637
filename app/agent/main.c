/* main.c: berth-agent, the bot container's PID 1. Parses its arguments, bootstraps the data
 * directory from the image's template, listens on the agent socket, optionally starts the init
 * command, and then supervises: reaps zombies, forwards SIGTERM/SIGINT to the process groups of
 * its children, and exits within AGENT_STOP_GRACE_MS of the signal. */
#include "agent.h"

#include "berth/deadline.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct opts {
	const char *socket_path;
	const char *data_dir;
	const char *template_dir;
	const char *init_command;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: berth-agent serve [--socket PATH] [--data DIR] [--template DIR] "
		   "[--init-command CMD]\n"
		   "       berth-agent stdio [--data DIR]   (MCP on stdin/stdout)\n"
		   "       berth-agent --version\n"
		   "defaults: --socket " AGENT_SOCKET_PATH " --data " AGENT_DATA_DIR
		   " --template " AGENT_TEMPLATE_DIR "\n");
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	int i;

	*o = (struct opts){ AGENT_SOCKET_PATH, AGENT_DATA_DIR, AGENT_TEMPLATE_DIR, NULL };
	if (argc < 2 || strcmp(argv[1], "serve"))
		return -1;
	for (i = 2; i < argc; i++) {
		const char **slot = NULL;

		if (!strcmp(argv[i], "--socket"))
			slot = &o->socket_path;
		else if (!strcmp(argv[i], "--data"))
			slot = &o->data_dir;
		else if (!strcmp(argv[i], "--template"))
			slot = &o->template_dir;
		else if (!strcmp(argv[i], "--init-command"))
			slot = &o->init_command;
		if (!slot || i + 1 >= argc || !argv[i + 1][0])
			return -1;
		*slot = argv[++i];
	}
	if (o->data_dir[0] != '/')
		return -1;
	return 0;
}

static struct child *start_init_command(const char *command)
{
	char *argv[] = { "/bin/sh", "-c", (char *)command, NULL };
	struct child_spec spec = {
		.argv = argv, .stdin_fd = -1, .stdout_fd = STDOUT_FILENO, .stderr_fd = STDERR_FILENO
	};
	berth_err err;
	struct child *c;

	berth_err_clear(&err);
	c = agent_child_spawn(&spec, &err);
	if (!c)
		agent_log("error", "init command: %s", err.msg);
	else
		agent_log("info", "init command started (pid %d)", (int)agent_child_pid(c));
	return c;
}

static void log_init_exit(struct child *c, int status)
{
	if (WIFEXITED(status))
		agent_log("info", "init command exited with status %d", WEXITSTATUS(status));
	else
		agent_log("info", "init command killed by signal %d", WTERMSIG(status));
	(void)c;
}

static int read_signal(int sfd)
{
	struct signalfd_siginfo si;
	ssize_t n = read(sfd, &si, sizeof si);

	return n == (ssize_t)sizeof si ? (int)si.ssi_signo : 0;
}

/* After SIGTERM/SIGINT: children get the signal, then AGENT_STOP_GRACE_MS to go, then SIGKILL. */
static void shut_down(int sfd, int sig, struct child *init)
{
	int64_t deadline = berth_now_ms() + AGENT_STOP_GRACE_MS;
	int status;

	agent_log("info", "signal %d: stopping", sig);
	agent_children_signal_all(sig);
	for (;;) {
		struct pollfd p = { .fd = sfd, .events = POLLIN };
		int64_t left = deadline - berth_now_ms();
		int s;

		agent_children_reap();
		if (init && agent_child_exited(init, &status)) {
			log_init_exit(init, status);
			agent_child_release(init);
			init = NULL;
		}
		if (agent_children_alive() == 0 || left <= 0)
			break;
		if (poll(&p, 1, left > 100 ? 100 : (int)left) > 0) {
			s = read_signal(sfd);
			if (s == SIGTERM || s == SIGINT)
				break; /* asked twice: no more grace */
		}
	}
	if (agent_children_signal_all(SIGKILL) > 0)
		agent_log("warn", "children still running after the grace period: killed");
	agent_children_reap();
}

/* `berth-agent stdio`: a thread serves stdin/stdout (a tools/call exec there waits on the
 * reaper), this thread reaps and ends the program at EOF or on SIGTERM/SIGINT. */
static int done_pipe[2] = { -1, -1 };

static void *stdio_thread(void *arg)
{
	(void)arg;
	agent_stdio_mode_serve(STDIN_FILENO, STDOUT_FILENO);
	if (write(done_pipe[1], "x", 1) < 0)
		agent_log("error", "stdio mode: %s", strerror(errno));
	return NULL;
}

static int run_stdio_mode(int argc, char **argv)
{
	pthread_t thread;
	sigset_t set;
	int sfd, rc, i;

	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--data") || i + 1 >= argc || argv[i + 1][0] != '/') {
			usage(stderr);
			return 2;
		}
		agent_data_dir = argv[++i];
	}
	agent_signals_block();
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0 || pipe2(done_pipe, O_CLOEXEC) < 0) {
		agent_log("error", "stdio mode: %s", strerror(errno));
		return 1;
	}
	if (getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		agent_log("warn", "PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	rc = pthread_create(&thread, NULL, stdio_thread, NULL);
	if (rc != 0) {
		agent_log("error", "stdio mode: pthread_create: %s", strerror(rc));
		return 1;
	}
	for (;;) {
		struct pollfd p[2] = { { .fd = sfd, .events = POLLIN },
				       { .fd = done_pipe[0], .events = POLLIN } };
		int sig;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return 1;
		if (p[1].revents)
			break;
		while ((sig = read_signal(sfd)) != 0) {
			if (sig == SIGCHLD)
				agent_children_reap();
			else
				goto out;
		}
	}
	pthread_join(thread, NULL);
out:
	agent_children_signal_all(SIGKILL);
	agent_children_reap();
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct child *init = NULL;
	sigset_t set;
	berth_err err;
	int listen_fd, sfd, status;

	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("%s %s\n", AGENT_SERVER_NAME, PACKAGE_VERSION);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "stdio"))
		return run_stdio_mode(argc, argv);
	if (parse_args(argc, argv, &o) < 0) {
		usage(stderr);
		return 2;
	}
	agent_data_dir = o.data_dir;
	berth_err_clear(&err);
	agent_signals_block();
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		agent_log("error", "signalfd: %s", strerror(errno));
		return 1;
	}
	/* Not PID 1 (tests, or under another init): orphans still come to the agent. */
	if (getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		agent_log("warn", "PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	umask(022);

	if (agent_bootstrap(o.template_dir, o.data_dir, &err) < 0)
		agent_log("error", "bootstrap: %s", err.msg);
	listen_fd = agent_server_listen(o.socket_path, &err);
	if (listen_fd < 0) {
		agent_log("error", "%s", err.msg);
		return 1;
	}
	agent_log("info", "serving on %s (data %s)", o.socket_path, o.data_dir);
	if (o.init_command)
		init = start_init_command(o.init_command);

	for (;;) {
		struct pollfd p[2] = { { .fd = sfd, .events = POLLIN },
				       { .fd = listen_fd, .events = POLLIN } };
		int sig;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			agent_log("error", "poll: %s", strerror(errno));
			return 1;
		}
		if (p[1].revents & POLLIN)
			agent_server_accept(listen_fd);
		if (!(p[0].revents & POLLIN))
			continue;
		while ((sig = read_signal(sfd)) != 0) {
			if (sig == SIGCHLD) {
				agent_children_reap();
				if (init && agent_child_exited(init, &status)) {
					log_init_exit(init, status);
					agent_child_release(init);
					init = NULL;
				}
			} else if (sig == SIGTERM || sig == SIGINT) {
				close(listen_fd);
				unlink(o.socket_path);
				shut_down(sfd, sig, init);
				agent_log("info", "stopped");
				return 0;
			}
			/* SIGHUP: nothing to reload. */
		}
	}
}
