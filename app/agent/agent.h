/* agent.h: the modules of berth-agent, the bot container's PID 1 and MCP server. The wire
 * contract (what the host sees) is include/berth/agent_wire.h; this header is the program's
 * inside. The agent is its own static program: it links only app/support's err and deadline
 * modules and jansson.
 *
 * Ownership follows jansson: "new" results belong to the caller, "borrowed" ones do not.
 */
#ifndef BERTH_AGENT_AGENT_H
#define BERTH_AGENT_AGENT_H

#include "config.h" /* _GNU_SOURCE: first, before any system header */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <jansson.h>

#include "berth/agent_wire.h"
#include "berth/err.h"

/* ---- log.c: one JSON object per line on stderr ---- */
void agent_log(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- paths.c ---- */
/* The data directory (--data), set once at start before any thread. BORROWED. */
extern const char *agent_data_dir;
/* The absolute path a tool argument names: relative ones are joined to the data directory, ""
 * and "." are the data directory; "." segments and repeated slashes are removed ("..", resolved
 * by the kernel, is kept). NEW (free). Fails (BERTH_E_INVALID) on a NUL byte or a path longer
 * than PATH_MAX. */
char *agent_path_resolve(const char *arg, size_t arg_len, berth_err *err);

/* ---- text.c: UTF-8 and base64 ---- */
/* Length of the longest prefix of s that is valid UTF-8 (no surrogates, no overlongs). */
size_t utf8_valid_prefix(const char *s, size_t len);
bool utf8_valid(const char *s, size_t len);
/* A JSON string of s with every invalid byte replaced by U+FFFD. NEW (NULL: out of memory).
 * *replaced (may be NULL) tells whether anything was replaced. */
json_t *json_string_lossy(const char *s, size_t len, bool *replaced);
/* base64 (RFC 4648, padded). NEW malloc'd, NUL-terminated; NULL on out of memory. */
char *base64_encode(const unsigned char *data, size_t len, size_t *out_len);
/* Decodes base64 (padding optional, no whitespace). NEW malloc'd; -1 on a bad character. */
int base64_decode(const char *text, size_t len, unsigned char **out, size_t *out_len);

/* ---- fileio.c ---- */
/* Reads at most limit bytes at offset of the regular file path (opened without blocking on
 * FIFOs). *data NEW malloc'd (NUL-terminated, *len bytes), *size = the file's size, *more = the
 * file goes on after what was read. */
int file_read_range(const char *path, uint64_t offset, size_t limit, char **data, size_t *len,
		    uint64_t *size, bool *more, berth_err *err);
/* The whole regular file, at most max bytes (beyond: BERTH_E_TOO_LARGE). *mode = its mode. */
int file_read_all(const char *path, size_t max, char **data, size_t *len, mode_t *mode,
		  berth_err *err);
/* Writes data to path: created with mode 0644 when absent (parents created 0755 when
 * make_parents), else truncated in place (mode, owner, links kept). Regular files only. */
int file_write(const char *path, const void *data, size_t len, bool make_parents, berth_err *err);
/* mkdir -p of path (0755). *created = the last component was made. */
int dir_make_parents(const char *path, bool *created, berth_err *err);
/* Fills err from errno for operation what on path. Returns -1. */
int agent_err_errno(berth_err *err, int errnum, const char *what, const char *path);

/* ---- children.c: every process the agent starts, and PID 1's reaping ---- */
struct child_spec {
	char *const *argv;		    /* argv[0] is searched in PATH when it has no '/' */
	char *const *envp;		    /* NULL: the agent's environment */
	const char *work_dir;		    /* NULL: inherit */
	int stdin_fd, stdout_fd, stderr_fd; /* -1: /dev/null */
};
struct child;
/* Starts a child in a new process group (pgid = pid), signals unblocked and default. The child
 * is registered so that the reaper hands its status to agent_child_wait(). NEW: release with
 * agent_child_release() after it has been waited. */
struct child *agent_child_spawn(const struct child_spec *spec, berth_err *err);
pid_t agent_child_pid(const struct child *c);
/* An fd that becomes readable when the child has exited (for poll). BORROWED. */
int agent_child_exit_fd(const struct child *c);
/* True (and *status, a wait status) when the child has exited. */
bool agent_child_exited(struct child *c, int *status);
/* SIGKILLs the child's whole process group until it is empty. */
void agent_child_kill_group(struct child *c);
void agent_child_release(struct child *c);
/* Reaps every zombie (WNOHANG), delivering registered children's statuses. Called by the main
 * loop on SIGCHLD. */
void agent_children_reap(void);
/* Sends sig to the process group of every registered child. Returns how many are still alive. */
int agent_children_signal_all(int sig);
int agent_children_alive(void);
/* Blocks the signals the main loop handles (call before any thread); the mask children get is
 * reset by agent_child_spawn. */
void agent_signals_block(void);
/* Frees a NULL-terminated array of strings and the strings (NULL: nothing). */
void agent_strv_free(char **v);
/* Appends at envp[*n] a copy of each of the first base entries of the agent's environment whose
 * name none of envp[0..*n) sets, and advances *n. envp (calloc'ed, so NULL-terminated) must have
 * room for base more entries and the NULL. -1 when out of memory: what was appended stays in envp
 * for the caller to free with agent_strv_free(). */
int agent_env_inherit(char **envp, size_t *n, size_t base);

/* ---- bootstrap.c ---- */
/* Copies every entry of template_dir absent from data_dir (cp -a). A missing template directory
 * is not an error; a failed entry is logged and the others are still copied. */
int agent_bootstrap(const char *template_dir, const char *data_dir, berth_err *err);

/* ---- server.c: the socket and its connections ---- */
int agent_server_listen(const char *socket_path, berth_err *err); /* the listening fd */
/* Accepts one connection on the listening fd and serves it on a thread of its own. */
void agent_server_accept(int listen_fd);

/* ---- rpc.c: one JSON-RPC message in, at most one response out ---- */
/* Handles one line (without its '\n'). *reply NEW (NULL: nothing to send, a notification). */
void agent_rpc_handle_line(const char *line, size_t len, char **reply, size_t *reply_len);
/* A JSON-RPC error response line. NEW. */
char *agent_rpc_error_line(json_t *id, int code, const char *message, size_t *len);
/* Makes room to read more of a message line into *buf (len bytes held, *cap allocated plus a
 * byte for a terminator): when fewer than chunk / 2 bytes are free, doubles *cap (the first time
 * to chunk), never past AGENT_MAX_LINE. -1 when out of memory (*buf and *cap unchanged). */
int agent_rpc_line_reserve(char **buf, size_t *cap, size_t len, size_t chunk);

/* ---- stdio.c: stdio MCP sessions (agent_wire.h); JSON-RPC methods like rpc.c's: params
 * BORROWED, result NEW, or NULL and *error NEW ({code, message}). ---- */
json_t *agent_stdio_start(json_t *params, json_t **error);
json_t *agent_stdio_call(json_t *params, json_t **error);
json_t *agent_stdio_messages(json_t *params, json_t **error);
json_t *agent_stdio_list(json_t *params, json_t **error);
json_t *agent_stdio_close(json_t *params, json_t **error);

/* ---- stdio_mode.c: `berth-agent stdio`, the MCP methods on stdin/stdout ---- */
/* Serves lines from in_fd, answers on out_fd, until EOF; then returns. */
void agent_stdio_mode_serve(int in_fd, int out_fd);

/* ---- tools.c: the tool table ---- */
struct agent_tool {
	const char *name;
	const char *title;
	const char *description;
	const char *input_schema;  /* JSON text */
	const char *output_schema; /* JSON text, NULL when the shape varies */
	bool read_only;
	bool destructive;
	/* args BORROWED; *result NEW on success. */
	int (*run)(json_t *args, json_t **result, berth_err *err);
};
const struct agent_tool *agent_tools(size_t *count);
const struct agent_tool *agent_tool_find(const char *name);

/* Argument helpers (args BORROWED). A missing optional argument leaves *out unchanged. */
int arg_string(json_t *args, const char *key, bool required, const char **out, size_t *len,
	       berth_err *err);
int arg_path(json_t *args, const char *key, bool required, char **out, berth_err *err); /* NEW */
int arg_bool(json_t *args, const char *key, bool *out, berth_err *err);
int arg_uint(json_t *args, const char *key, uint64_t max, uint64_t *out, berth_err *err);

/* The tools, one file each group. */
int tool_read(json_t *args, json_t **result, berth_err *err);
int tool_read_base64(json_t *args, json_t **result, berth_err *err);
int tool_write(json_t *args, json_t **result, berth_err *err);
int tool_list(json_t *args, json_t **result, berth_err *err);
int tool_stat(json_t *args, json_t **result, berth_err *err);
int tool_delete(json_t *args, json_t **result, berth_err *err);
int tool_mkdir(json_t *args, json_t **result, berth_err *err);
int tool_rename(json_t *args, json_t **result, berth_err *err);
int tool_edit(json_t *args, json_t **result, berth_err *err);
int tool_apply_patch(json_t *args, json_t **result, berth_err *err);
int tool_grep(json_t *args, json_t **result, berth_err *err);
int tool_exec(json_t *args, json_t **result, berth_err *err);

/* tool_list.c, shared with grep: the names in the directory dir_fd (not . and ..), sorted by
 * strcmp. NEW array of NEW strings (*count of them). */
char **dir_read_names(int dir_fd, size_t *count, berth_err *err);

/* Shared by list, stat and grep: the entry fields of st (type, size, mode, mtime). */
const char *file_type_name(mode_t mode);
int entry_add_stat(json_t *obj, const struct stat *st);
/* Sets key to the (lossy) JSON string of name; adds "invalid_utf8":true when bytes were replaced. */
int json_set_name(json_t *obj, const char *key, const char *name, size_t len);

/* edit's matching, exposed for its unit test. */
/* The fuzzy normalisation of s (NEW malloc'd, *out_len). */
char *edit_fuzzy_normalize(const char *s, size_t len, size_t *out_len);

#endif
