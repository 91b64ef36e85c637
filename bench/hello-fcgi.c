/* hello-fcgi: the baseline of bench/http.sh. A hello-world FastCGI responder with the same process
 * shape as berth-fcgi (a master that forks N workers, each in an FCGX_Accept_r loop on one shared
 * unix socket) answering fixed JSON, so that the bench measures what Berth adds on top of
 * nginx + FastCGI.
 *
 *   hello-fcgi SOCKET WORKERS      runs in the foreground; SIGTERM/SIGINT stops the workers too
 */
#include <errno.h>
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_WORKERS 256

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static int serve(int listen_fd)
{
	static const char body[] = "{\"message\":\"hello\",\"status\":\"ok\"}\n";
	char response[256];
	/* libfcgi's own printf knows no %zu: the fixed response is formatted once, here. */
	int len = snprintf(
		response, sizeof response,
		"Status: 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
		sizeof body - 1, body);
	if (len < 0 || (size_t)len >= sizeof response)
		return 1;
	FCGX_Request req;
	if (FCGX_InitRequest(&req, listen_fd, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&req) >= 0) {
		FCGX_PutStr(response, len, req.out);
		FCGX_Finish_r(&req);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: hello-fcgi SOCKET WORKERS\n");
		return 2;
	}
	int workers = atoi(argv[2]);
	if (workers < 1 || workers > MAX_WORKERS) {
		fprintf(stderr, "hello-fcgi: WORKERS must be 1..%d\n", MAX_WORKERS);
		return 2;
	}
	if (FCGX_Init() != 0) {
		fprintf(stderr, "hello-fcgi: FCGX_Init failed\n");
		return 1;
	}
	unlink(argv[1]);
	int fd = FCGX_OpenSocket(argv[1], 128);
	if (fd < 0) {
		fprintf(stderr, "hello-fcgi: cannot listen on %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	/* The socket's directory is the gate (as for berth-fcgi in the stack). */
	if (chmod(argv[1], 0666) != 0) {
		fprintf(stderr, "hello-fcgi: chmod %s: %s\n", argv[1], strerror(errno));
		return 1;
	}

	pid_t pids[MAX_WORKERS];
	for (int i = 0; i < workers; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			fprintf(stderr, "hello-fcgi: fork: %s\n", strerror(errno));
			return 1;
		}
		if (pids[i] == 0)
			_exit(serve(fd));
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	while (!stopping) {
		int status;
		pid_t dead = wait(&status);
		if (dead < 0 && errno == ECHILD)
			break;
		if (dead > 0 && !stopping)
			fprintf(stderr, "hello-fcgi: worker %d ended\n", (int)dead);
	}
	for (int i = 0; i < workers; i++)
		kill(pids[i], SIGTERM);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	unlink(argv[1]);
	return 0;
}
