/* agentc_internal.h: the steps of one agent call, shared by agentc.c (one connection per call)
 * and agentc_pool.c (connections kept per socket). Private to app/agentc. Errors as agentc.h. */
#ifndef BERTH_AGENTC_INTERNAL_H
#define BERTH_AGENTC_INTERNAL_H

#include <stddef.h>
#include <sys/stat.h>

#include "berth/deadline.h"
#include "berth/err.h"

/* Milliseconds left before end (0 = none: -1), at least 1 while not passed. */
int agentc_left_ms(berth_deadline end);

/* Checks the request (no newline) and turns deadline and cap_ms into the call's end (0: none). */
int agentc_begin(const char *request, size_t len, berth_deadline deadline, int cap_ms,
		 berth_deadline *end, berth_err *err);

/* request and its newline: NEW (free()), NULL when out of memory. */
char *agentc_request_line(const char *request, size_t len);

/* Opens the socket beneath dir_path with O_PATH|O_NOFOLLOW and checks it is a socket: *fd_out is
 * NEW (close()); *st_out (when not NULL) its fstat, whose st_dev/st_ino name the socket. */
int agentc_open_socket(const char *dir_path, const char *socket_name, int *fd_out,
		       struct stat *st_out, berth_err *err);

/* Connects to the socket path_fd names (through /proc/self/fd) by end; *sock_out NEW, non-blocking. */
int agentc_connect(int path_fd, berth_deadline end, const char *dir_path, int *sock_out,
		   berth_err *err);

/* Sends len bytes by end; *sent (when not NULL) is increased by what the socket took. */
int agentc_send_all(int sock, const char *data, size_t len, berth_deadline end, size_t *sent,
		    berth_err *err);

/* Reads one line (without its newline, at most max bytes) by end into *out (NEW); *got (when not
 * NULL) is increased by every byte received, also on failure. */
int agentc_read_line(int sock, size_t max, berth_deadline end, char **out, size_t *out_len,
		     size_t *got, berth_err *err);

#endif
