/* cni_exec.h: runs one CNI plugin executable (internal to app/cni).
 *
 * posix_spawn (glibc: clone(CLONE_VM|CLONE_VFORK), safe in a process with gRPC threads), no
 * shell; the child gets exactly envp, stdin_data on fd 0 (a socket, so a plugin that exits
 * without reading cannot SIGPIPE us), pipes on fds 1 and 2, no other inherited fd, default signal
 * dispositions, an empty signal mask and its own process group (killed as a whole on timeout).
 */
#ifndef BERTH_CNI_EXEC_H
#define BERTH_CNI_EXEC_H

#include <stddef.h>

#include "berth/err.h"

struct cni_exec_result {
	int exit_code; /* 0..255, or 128+signal when killed by a signal */
	char *out;     /* NEW, NUL-terminated stdout (at most 4 MiB kept) */
	size_t out_len;
	char *errout; /* NEW, NUL-terminated start of stderr (at most 8 KiB kept) */
};

/* Runs path with argv {path} and envp, feeding stdin_data, until it exits or timeout_ms pass.
 * 0: it ran and exited (any exit code; *res filled, free with cni_exec_result_free).
 * -1: it could not be spawned (BERTH_E_INTERNAL) or overran (BERTH_E_TIMEOUT; killed, reaped). */
int cni_exec(const char *path, char *const envp[], const char *stdin_data, size_t stdin_len,
	     int timeout_ms, struct cni_exec_result *res, berth_err *err);

void cni_exec_result_free(struct cni_exec_result *res);

#endif
