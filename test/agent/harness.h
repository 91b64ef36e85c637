/* harness.h: starts berth-agent on the host as an ordinary process (a temp dir for its socket,
 * data and template directories) and speaks JSON-RPC to it over its socket, as the host does. */
#ifndef BERTH_TEST_AGENT_HARNESS_H
#define BERTH_TEST_AGENT_HARNESS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct agent {
	pid_t pid;
	char dir[64];	/* the temp dir holding all below */
	char data[128]; /* --data */
	char tpl[128];	/* --template */
	char sock[128]; /* --socket */
	char log[128];	/* its stderr */
};

/* The agent binary under test: $BERTH_AGENT_BIN, else test/agent/berth-agent-dyn (the
 * sanitized build) relative to the build directory. */
const char *agent_bin(void);
/* mkdtemp + data and template dirs, nothing started. */
void agent_prepare(struct agent *a);
/* Starts `bin serve --socket --data --template [extra...]` (extra NULL-terminated, may be NULL)
 * under `wrapper` (NULL: none; else argv prefix such as unshare) and waits for its socket. */
void agent_start(struct agent *a, const char *const *wrapper, const char *const *extra);
/* SIGTERM, waits (at most 10 s), returns its wait status. */
int agent_stop(struct agent *a); /* the temp dir stays: agent_cleanup() */
void agent_cleanup(struct agent *a);

/* A connection to the agent. */
struct conn {
	int fd;
	char *buf;
	size_t len, cap;
};
struct conn *conn_open(const struct agent *a);
void conn_close(struct conn *c);
/* Sends raw bytes. */
void conn_send(struct conn *c, const char *data, size_t len);
/* The next line (without '\n'), NULL on EOF. NEW. Waits at most timeout_ms (fails the test). */
char *conn_line(struct conn *c, int timeout_ms);
/* Sends a request {jsonrpc, id, method, params (stolen, may be NULL)} and returns the response.
 * NEW. */
json_t *rpc(struct conn *c, const char *method, json_t *params);
/* tools/call name with args (stolen); returns result (NEW) and checks its shape: isError as
 * expected, text content equal to the JSON of structuredContent on success. */
json_t *tool(struct conn *c, const char *name, json_t *args, bool expect_error);
/* structuredContent of tool() (NEW). */
json_t *tool_ok(struct conn *c, const char *name, json_t *args);
/* The error text of a failing tool call (NEW malloc'd). */
char *tool_err(struct conn *c, const char *name, json_t *args);

/* Files in the agent's data dir. */
char *data_path(const struct agent *a, const char *rel); /* NEW */
void put_file(const char *path, const void *data, size_t len);
char *get_file(const char *path, size_t *len); /* NEW, NULL when missing */

long long now_ms(void);
/* Idle RSS of pid in KiB (VmRSS of /proc/pid/status). */
long rss_kib(pid_t pid);

#endif
