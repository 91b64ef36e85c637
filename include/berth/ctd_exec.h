/* ctd_exec.h: one process run to its end in a task, output captured (app/containerd/exec.c).
 * Errors, ownership and connections: berth/ctd_conn.h.
 */
#ifndef BERTH_CTD_EXEC_H
#define BERTH_CTD_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "berth/ctd_conn.h"
#include "berth/err.h"

/* The most ctd_exec_wait keeps of one stream; a larger capture_max is lowered to it. */
#define CTD_EXEC_CAPTURE_LIMIT ((size_t)64 * 1024 * 1024)

/* Exec and wait, with output captured through FIFOs under io_dir: the caller drains them while the
 * process runs, so output beyond capture_max costs no disk space (it is read and dropped). */
typedef struct ctd_exec_opts {
	const char *process_json; /* OCI Process JSON (args, env, cwd, user, ...) */
	const char *io_dir; /* host directory the shim can open; two FIFOs are made and removed */
	int timeout_ms; /* > 0; on expiry the process is SIGKILLed and BERTH_E_TIMEOUT returned */
	size_t capture_max; /* bytes kept of each stream (0: 1 MiB; at most
	                             CTD_EXEC_CAPTURE_LIMIT); the rest is dropped */
} ctd_exec_opts;

typedef struct ctd_exec_result {
	uint32_t exit_status;
	char *out; /* NEW, NUL-terminated (binary data possible: use out_len) */
	size_t out_len;
	char *err; /* NEW */
	size_t err_len;
	bool truncated; /* a stream was longer than capture_max */
} ctd_exec_result;

/* Runs process exec_id in the task: Exec, Start, Wait (deadline) while a thread drains stdout and
 * stderr, DeleteProcess always. When Start or Wait fails for any reason but NOT_FOUND (deadline,
 * cancel, containerd error), the process is SIGKILLed and waited for (bounded) before the
 * DeleteProcess, so it never outlives the call. After the exit, output still buffered is read for
 * at most 1 s (a background child holding stdout open does not hold the call). On success res
 * holds the exit status and output (free with ctd_exec_result_free); a non-zero exit status is
 * still success. On BERTH_E_TIMEOUT res also holds the output so far. */
int ctd_exec_wait(ctd_conn *c, const char *container_id, const char *exec_id,
		  const ctd_exec_opts *o, ctd_exec_result *res, berth_err *err);
void ctd_exec_result_free(ctd_exec_result *res);

#endif
