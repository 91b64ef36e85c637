/* children.c: the processes the agent starts, and PID 1's duty to reap every zombie.
 *
 * One reaper (the main loop, on SIGCHLD) calls waitpid(-1): as PID 1 or child subreaper the agent
 * inherits orphans and must reap them too. A registered child's status is handed to its owner
 * (an exec's connection thread) through the registry and an eventfd. Spawning holds the registry
 * lock until the child is registered, and the reaper looks a pid up under the same lock, so a
 * child that exits at once is never taken for an orphan. */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct child {
	struct child *next;
	pid_t pid;
	bool exited;
	int status;
	int exit_fd; /* eventfd, written once on exit */
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct child *registry;

void agent_signals_block(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

struct child *agent_child_spawn(const struct child_spec *spec, berth_err *err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	struct child *c;
	int fds[3] = { spec->stdin_fd, spec->stdout_fd, spec->stderr_fd };
	int i, rc;

	c = calloc(1, sizeof *c);
	if (!c) {
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		return NULL;
	}
	c->exit_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->exit_fd < 0) {
		agent_err_errno(err, errno, "eventfd", "for a child");
		free(c);
		return NULL;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
						POSIX_SPAWN_SETPGROUP);
	for (i = 0; i < 3; i++) {
		if (fds[i] >= 0)
			posix_spawn_file_actions_adddup2(&fa, fds[i], i);
		else
			posix_spawn_file_actions_addopen(&fa, i, "/dev/null",
							 i ? O_WRONLY : O_RDONLY, 0);
	}
	if (spec->work_dir)
		posix_spawn_file_actions_addchdir_np(&fa, spec->work_dir);

	pthread_mutex_lock(&registry_lock);
	rc = posix_spawnp(&c->pid, spec->argv[0], &fa, &attr, spec->argv,
			  spec->envp ? spec->envp : environ);
	if (rc == 0) {
		c->next = registry;
		registry = c;
	}
	pthread_mutex_unlock(&registry_lock);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc != 0) {
		if (rc == ENOENT && spec->work_dir && access(spec->work_dir, F_OK) < 0)
			agent_err_errno(err, ENOENT, "work_dir", spec->work_dir);
		else
			agent_err_errno(err, rc, "exec", spec->argv[0]);
		close(c->exit_fd);
		free(c);
		return NULL;
	}
	return c;
}

pid_t agent_child_pid(const struct child *c)
{
	return c->pid;
}

int agent_child_exit_fd(const struct child *c)
{
	return c->exit_fd;
}

bool agent_child_exited(struct child *c, int *status)
{
	bool done;

	pthread_mutex_lock(&registry_lock);
	done = c->exited;
	if (done && status)
		*status = c->status;
	pthread_mutex_unlock(&registry_lock);
	return done;
}

void agent_child_kill_group(struct child *c)
{
	/* A group member forking while the signal is delivered is caught by the next round. */
	int round;

	for (round = 0; round < 100; round++) {
		if (kill(-c->pid, SIGKILL) < 0 && errno == ESRCH)
			return;
		if (round)
			usleep(1000);
	}
}

void agent_child_release(struct child *c)
{
	struct child **p;

	if (!c)
		return;
	pthread_mutex_lock(&registry_lock);
	for (p = &registry; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	pthread_mutex_unlock(&registry_lock);
	close(c->exit_fd);
	free(c);
}

void agent_children_reap(void)
{
	uint64_t one = 1;
	struct child *c;
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		pthread_mutex_lock(&registry_lock);
		for (c = registry; c; c = c->next) {
			if (c->pid == pid && !c->exited) {
				c->exited = true;
				c->status = status;
				if (write(c->exit_fd, &one, sizeof one) < 0)
					agent_log("error", "child %d: eventfd write: %s", (int)pid,
						  strerror(errno));
				break;
			}
		}
		pthread_mutex_unlock(&registry_lock);
	}
}

int agent_children_signal_all(int sig)
{
	struct child *c;
	int alive = 0;

	pthread_mutex_lock(&registry_lock);
	for (c = registry; c; c = c->next) {
		if (kill(-c->pid, sig) == 0 || !c->exited)
			alive++;
	}
	pthread_mutex_unlock(&registry_lock);
	return alive;
}

int agent_children_alive(void)
{
	return agent_children_signal_all(0);
}

void agent_strv_free(char **v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

int agent_env_inherit(char **envp, size_t *n, size_t base)
{
	size_t extra = *n, i, j;

	for (i = 0; i < base; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t klen = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
		bool overridden = false;

		for (j = 0; j < extra; j++)
			if (!strncmp(envp[j], environ[i], klen) && envp[j][klen] == '=')
				overridden = true;
		if (overridden)
			continue;
		envp[*n] = strdup(environ[i]);
		if (!envp[*n])
			return -1;
		(*n)++;
	}
	return 0;
}
