/* cni_exec.c: spawning one CNI plugin with a deadline (see cni_exec.h). */
#define _GNU_SOURCE /* posix_spawn_file_actions_addclosefrom_np, pipe2 */
#include "cni_exec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "berth/deadline.h"

#define OUT_MAX (4u << 20)
#define ERR_MAX 8192u

/* Appends what fd has to *buf (bounded by max, the rest is drained and dropped).
 * Returns 1 at EOF, 0 when more may come, -1 on error. */
static int drain(int fd, char **buf, size_t *len, size_t *cap, size_t max)
{
	char tmp[8192];
	ssize_t r = read(fd, tmp, sizeof tmp);

	if (r < 0)
		return (errno == EINTR || errno == EAGAIN) ? 0 : -1;
	if (r == 0)
		return 1;
	if (*len < max) {
		size_t keep = (size_t)r;

		if (keep > max - *len)
			keep = max - *len;
		if (*len + keep + 1 > *cap) {
			size_t ncap = (*len + keep + 1) * 2;
			char *nb = realloc(*buf, ncap);
			if (!nb)
				return -1;
			*buf = nb;
			*cap = ncap;
		}
		memcpy(*buf + *len, tmp, keep);
		*len += keep;
		(*buf)[*len] = '\0';
	}
	return 0;
}

static void kill_and_reap(pid_t pid)
{
	(void)kill(-pid, SIGKILL); /* its process group: helpers it started die too */
	(void)kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

int cni_exec(const char *path, char *const envp[], const char *stdin_data, size_t stdin_len,
	     int timeout_ms, struct cni_exec_result *res, berth_err *err)
{
	int in_sv[2] = { -1, -1 }, out_p[2] = { -1, -1 }, err_p[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char *argv[] = { (char *)path, NULL };
	size_t out_cap = 0, err_cap = 0, err_len = 0, written = 0;
	long long deadline = berth_now_ms() + timeout_ms;
	int fa_ok = 0, attr_ok = 0, out_eof = 0, err_eof = 0, status = 0, rc;
	pid_t pid = -1;
	sigset_t sigs;

	memset(res, 0, sizeof *res);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in_sv) != 0 ||
	    pipe2(out_p, O_CLOEXEC) != 0 || pipe2(err_p, O_CLOEXEC) != 0) {
		berth_err_set(err, BERTH_E_INTERNAL, "cni: pipes: %s", strerror(errno));
		goto fail;
	}
	if ((rc = posix_spawn_file_actions_init(&fa)) != 0)
		goto spawn_fail;
	fa_ok = 1;
	if ((rc = posix_spawn_file_actions_adddup2(&fa, in_sv[1], 0)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&fa, out_p[1], 1)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&fa, err_p[1], 2)) != 0 ||
	    (rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) != 0)
		goto spawn_fail;
	if ((rc = posix_spawnattr_init(&attr)) != 0)
		goto spawn_fail;
	attr_ok = 1;
	sigemptyset(&sigs);
	if ((rc = posix_spawnattr_setsigmask(&attr, &sigs)) != 0)
		goto spawn_fail;
	sigaddset(&sigs, SIGPIPE);
	sigaddset(&sigs, SIGCHLD);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGQUIT);
	sigaddset(&sigs, SIGUSR1);
	sigaddset(&sigs, SIGUSR2);
	sigaddset(&sigs, SIGALRM);
	if ((rc = posix_spawnattr_setsigdefault(&attr, &sigs)) != 0 ||
	    (rc = posix_spawnattr_setpgroup(&attr, 0)) != 0 ||
	    (rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
							  POSIX_SPAWN_SETPGROUP)) != 0)
		goto spawn_fail;
	rc = posix_spawn(&pid, path, &fa, &attr, argv, envp);
	if (rc != 0) {
		pid = -1;
		goto spawn_fail;
	}
	close(in_sv[1]);
	close(out_p[1]);
	close(err_p[1]);
	in_sv[1] = out_p[1] = err_p[1] = -1;
	if (stdin_len == 0) {
		close(in_sv[0]);
		in_sv[0] = -1;
	}

	while (!out_eof || !err_eof || in_sv[0] >= 0) {
		struct pollfd pf[3];
		int n = 0, iin = -1, iout = -1, ierr = -1;
		long long left = deadline - berth_now_ms();

		if (left <= 0)
			goto timeout;
		if (in_sv[0] >= 0) {
			iin = n;
			pf[n++] = (struct pollfd){ .fd = in_sv[0], .events = POLLOUT };
		}
		if (!out_eof) {
			iout = n;
			pf[n++] = (struct pollfd){ .fd = out_p[0], .events = POLLIN };
		}
		if (!err_eof) {
			ierr = n;
			pf[n++] = (struct pollfd){ .fd = err_p[0], .events = POLLIN };
		}
		if (poll(pf, (nfds_t)n, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			berth_err_set(err, BERTH_E_INTERNAL, "cni: poll: %s", strerror(errno));
			goto kill_fail;
		}
		if (iin >= 0 && pf[iin].revents) {
			ssize_t w = send(in_sv[0], stdin_data + written, stdin_len - written,
					 MSG_NOSIGNAL | MSG_DONTWAIT);
			if (w > 0)
				written += (size_t)w;
			/* done, or the plugin stopped reading: it gets EOF either way */
			if (written == stdin_len || (w < 0 && errno != EAGAIN && errno != EINTR)) {
				close(in_sv[0]);
				in_sv[0] = -1;
			}
		}
		if (iout >= 0 && pf[iout].revents) {
			int d = drain(out_p[0], &res->out, &res->out_len, &out_cap, OUT_MAX);
			if (d < 0) {
				berth_err_set(err, BERTH_E_INTERNAL,
					      "cni: reading plugin output failed");
				goto kill_fail;
			}
			out_eof = d;
		}
		if (ierr >= 0 && pf[ierr].revents) {
			int d = drain(err_p[0], &res->errout, &err_len, &err_cap, ERR_MAX);
			if (d < 0) {
				berth_err_set(err, BERTH_E_INTERNAL,
					      "cni: reading plugin output failed");
				goto kill_fail;
			}
			err_eof = d;
		}
	}
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			berth_err_set(err, BERTH_E_INTERNAL, "cni: waitpid: %s", strerror(errno));
			pid = -1;
			goto fail;
		}
		if (berth_now_ms() >= deadline)
			goto timeout;
		usleep(2000);
	}
	res->exit_code = WIFEXITED(status)     ? WEXITSTATUS(status)
			 : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
					       : 255;
	close(out_p[0]);
	close(err_p[0]);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (!res->out && !(res->out = strdup(""))) {
		cni_exec_result_free(res);
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	}
	if (!res->errout && !(res->errout = strdup(""))) {
		cni_exec_result_free(res);
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	}
	return 0;

timeout:
	berth_err_set(err, BERTH_E_TIMEOUT, "timed out after %d ms (killed)", timeout_ms);
kill_fail:
	kill_and_reap(pid);
	pid = -1;
	goto fail;
spawn_fail:
	berth_err_set(err, BERTH_E_INTERNAL, "cannot run %s: %s", path, strerror(rc));
fail:
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	if (attr_ok)
		posix_spawnattr_destroy(&attr);
	for (int i = 0; i < 2; i++) {
		if (in_sv[i] >= 0)
			close(in_sv[i]);
		if (out_p[i] >= 0)
			close(out_p[i]);
		if (err_p[i] >= 0)
			close(err_p[i]);
	}
	cni_exec_result_free(res);
	return -1;
}

void cni_exec_result_free(struct cni_exec_result *res)
{
	free(res->out);
	free(res->errout);
	res->out = res->errout = NULL;
	res->out_len = 0;
}
