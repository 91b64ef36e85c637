/* agent_wire.h: the contract between berth-agent (the bot container's PID 1, app/agent/) and the
 * host that starts it and talks to it (the agent client and the MCP gateway). Constants only: the
 * agent and the host share no code, only this page.
 *
 * Binary: `make` builds `berth-agent` at the top of the build directory (installed in
 * $(pkglibexecdir)), a static executable that needs nothing from the image (no libc, no shell).
 *
 * Container: the host bind-mounts the binary read-only at AGENT_BIN_PATH and the per-bot host
 * directory <state_root>/bots/<uuid>/agent/ read-write at AGENT_RUN_DIR, and runs as the process:
 *     /.berth/berth-agent serve --socket /run/berth/agent.sock --data /data
 *                              --template /opt/bot-template [--init-command CMD]
 * (--socket, --data and --template default to the values below; `berth-agent --version` prints
 * the version.) At start the agent
 *   1. copies each entry of the template directory (dot files too) into the data directory when
 *      no entry of that name (not even a dangling symlink) is there, like `cp -a` (modes, owners,
 *      times, symlinks as symlinks); a missing template directory is not an error;
 *   2. unlinks a stale socket, binds a fresh one (mode 0600), listens;
 *   3. with --init-command, runs `/bin/sh -c CMD` as a child in its own process group; when it
 *      exits, its status is logged and the agent keeps serving (it is not restarted).
 * As PID 1 (and as a child subreaper when it is not PID 1) it reaps every zombie. On SIGTERM or
 * SIGINT it stops accepting, forwards the signal to the process group of every child it started
 * (the init command, running execs), waits for them at most AGENT_STOP_GRACE_MS, SIGKILLs the
 * groups left, and exits 0; a second SIGTERM/SIGINT SIGKILLs at once. Logs go to stderr, one JSON
 * object per line.
 *
 * Wire: a unix stream socket; JSON-RPC 2.0, one message per line terminated by '\n'; every line,
 * in both directions, is at most AGENT_MAX_LINE bytes with its '\n'. Many connections at once (a
 * thread each, at most AGENT_MAX_CONNECTIONS; one more gets a -32000 error line and is closed);
 * requests on one connection are answered in order. Errors:
 *   -32700 a line that is not JSON (the connection stays open: the next line is the next message);
 *   -32600 not a JSON-RPC 2.0 request (an array, no "method", a bad "id"), and a line longer than
 *          AGENT_MAX_LINE: that error (id null) is sent and the connection is closed;
 *   -32601 unknown method; -32602 invalid params (including tools/call of an unknown tool name and
 *          a bad tools/list cursor); -32603 internal error.
 * A message without "id" is a notification (notifications/initialized, notifications/cancelled,
 * anything else): never answered. A message with "result" or "error" and no "method" is ignored.
 * JSON strings may carry \u0000 (file contents); a NUL in a path, name or argv is an invalid
 * argument.
 *
 * MCP (the agent is an MCP server, like the stdio transport):
 *   initialize: result {protocolVersion, capabilities:{tools:{listChanged:false}},
 *               serverInfo:{name:"berth-agent", version}}; protocolVersion echoes the requested
 *               one when it is one of AGENT_MCP_VERSIONS, else AGENT_MCP_VERSION_LATEST.
 *               (The agent keeps no session: initialize is optional before the other methods.)
 *   ping: {}.
 *   tools/list: {tools:[{name, title, description, inputSchema, outputSchema?, annotations}],
 *               nextCursor?}, AGENT_TOOLS_PAGE_SIZE tools a page; params.cursor is the opaque
 *               nextCursor of the previous page.
 *   tools/call: params {name, arguments}. Result {content:[{type:"text",text:<the JSON text of
 *               structuredContent>}], structuredContent:<result object>, isError:false}; a tool
 *               failure (bad argument, missing file, ...) is {content:[{type:"text",text:msg}],
 *               structuredContent:{error:msg}, isError:true}. A result whose line would exceed
 *               AGENT_MAX_LINE becomes such an error (read less: offset/limit).
 *
 * Tools. Paths are the container's: a relative path resolves against --data, an absolute one is
 * used as is ("" and "." are the data directory). Symlinks are followed except where a tool says
 * otherwise. File names that are not valid UTF-8 are reported with each bad byte replaced by
 * U+FFFD and "invalid_utf8":true on the entry. Results always carry "path", the absolute path used.
 *   read {path, offset?=0 (bytes), limit?=AGENT_READ_MAX (bytes, <= AGENT_READ_MAX)}
 *        -> {path, content, size, offset, truncated}: regular files only, contents exact (never
 *        trimmed); a UTF-8 sequence cut by the limit is left for the next read (truncated=true);
 *        content that is not valid UTF-8 is an error that says to use read_base64.
 *   read_base64 {path, offset?, limit?} -> {path, data, mime_type, size, offset, truncated}
 *        (mime_type from the extension, else from the magic bytes, else text/plain for UTF-8,
 *        else application/octet-stream).
 *   write {path, content, encoding?="utf8"|"base64"} -> {path, bytes_written}: creates missing
 *        parent directories (0755), creates the file 0644 or truncates it (mode kept); regular
 *        files only.
 *   list {path?=".", recursive?=false} -> {path, entries:[{path (relative to the listed
 *        directory), name, type, size, mode, mtime}], truncated}: at most AGENT_LIST_MAX entries,
 *        sorted by name per directory, depth first; symlinks are listed, never followed.
 *        type: file|dir|symlink|fifo|socket|char|block|other; mode: permission bits (integer);
 *        mtime: RFC 3339 UTC.
 *   stat {path} -> {path, type, size, mode, mtime, uid, gid, nlink, link_target?} (lstat: a
 *        symlink is described, with its target).
 *   edit {path, old_text, new_text} -> {path, replacements:1, fuzzy}: the original's rules: BOM
 *        stripped and restored, line endings normalised to LF and CRLF restored when the file's
 *        first line ending was CRLF; exact match first, else a match after the fuzzy
 *        normalisation (trailing whitespace per line, smart quotes, Unicode dashes, exotic spaces;
 *        a fuzzy match rewrites the whole file in that normalised form); the count of matches in
 *        the normalised text must be 1; a replacement that changes nothing is an error.
 *   apply_patch {path, patch} -> {path, hunks}: a unified diff of one file, hunks applied by line
 *        number with exact context, all of them or none (the file is only written when every
 *        hunk applies); mode kept. A missing file is created when every hunk starts at -0,0.
 *   exec {command (string) | argv (array of strings), work_dir?=--data, env?{NAME:value},
 *        stdin?, timeout_s?=AGENT_EXEC_TIMEOUT_DEFAULT (1..AGENT_EXEC_TIMEOUT_MAX)}
 *        -> {exit_code, signal, stdout, stderr, stdout_truncated, stderr_truncated, timed_out,
 *        duration_ms}: command runs as `/bin/sh -c command` when /bin/sh exists, else it is split
 *        into words (blanks, '…' and "…" quotes, backslash) and run directly; argv runs directly
 *        (argv[0] searched in PATH). The child gets its own process group; on timeout the whole
 *        group is SIGKILLed (timed_out=true). stdout and stderr are kept up to AGENT_EXEC_OUTPUT_MAX
 *        bytes each (the rest is read and dropped); bytes that are not valid UTF-8 are replaced
 *        by U+FFFD. exit_code is the exit status, or 128+N when killed by signal N (signal=N, else
 *        null). After the child exits, output from processes it left behind is read for at most
 *        AGENT_EXEC_DRAIN_MS more.
 *   delete {path, recursive?=false} -> {path, deleted:true}: a symlink is removed, not followed;
 *        a directory needs recursive (which never crosses a mount point); "/" is refused.
 *   mkdir {path, parents?=true} -> {path, created}.
 *   rename {source, destination} -> {source, destination}: fails if the destination exists
 *        (renameat2 RENAME_NOREPLACE).
 *   grep {pattern, path?=".", recursive?=true, fixed_string?=false, ignore_case?=false,
 *        max_matches?=AGENT_GREP_MAX} -> {path, matches:[{path, line, text}], truncated,
 *        files_scanned}: pattern is a POSIX extended regex unless fixed_string; files that contain
 *        a NUL byte or are larger than AGENT_READ_MAX are skipped; symlinks met while walking are
 *        not followed; text is the line (at most AGENT_GREP_LINE_MAX bytes, invalid UTF-8
 *        replaced).
 *
 * stdio MCP sessions (the agent, not a worker, holds them: they outlive every host process and end
 * with the container). A session is a child process started by the agent (no shell) whose stdin
 * and stdout carry newline-delimited JSON-RPC; its stderr is logged as lines of at most
 * AGENT_STDIO_STDERR_LINE bytes (at most AGENT_STDIO_STDERR_PER_MIN lines a minute per session,
 * the rest counted). Sessions are served by one event-driven I/O thread (epoll), and a call by
 * its connection's thread (it writes the message and reads the session's stdout until the reply,
 * no handoff between threads), so a child that never reads or never answers delays nobody but
 * its own callers.
 *   stdio/start {id (1..64 of [A-Za-z0-9_-], chosen by the host), name?, command, args?[],
 *        env?{K:V} (merged over the agent's environment, blank keys skipped), cwd?=--data,
 *        idle_timeout_s?=AGENT_STDIO_IDLE_DEFAULT_S (0: never), max_sessions?=AGENT_STDIO_MAX}
 *        -> {id, pid, state:"none"}. Errors: AGENT_RPC_STDIO_LIMIT when max_sessions (capped at
 *        AGENT_STDIO_MAX) sessions are open; AGENT_RPC_STDIO_START when the command cannot be
 *        started (message "start <command>: <errno text>"); -32602 for bad params or an id in use
 *        (by an open or closing session, or a start in progress; a closed session's id may be
 *        started again, which forgets the closed one).
 *   stdio/call {id, message (one JSON-RPC object), timeout_ms?=AGENT_STDIO_CALL_TIMEOUT_MS
 *        (1..AGENT_STDIO_CALL_TIMEOUT_MAX_MS)} relays message with the original's semantics:
 *        - a notification (no id, method "notifications/..."), or a response of the client to a
 *          server-to-client request (no method; result or error; an id) is written to the child:
 *          -> {accepted:true}; notifications/initialized marks the session ready;
 *        - any other message is a call (no id: error "missing request id"): unless it is
 *          initialize, the session is initialized first (state machine none -> initializing ->
 *          initialized -> ready: initialize with id "init-1" and AGENT_STDIO_INIT_PARAMS, then
 *          notifications/initialized; an error reply to it is the call's error and the state goes
 *          back to none; concurrent callers wait for the handshake in flight); an explicit
 *          initialize is forwarded as is and its success sets initialized. The call waits for
 *          the child's reply whose id has the same JSON encoding (1 and "1" differ) ->
 *          {response:{jsonrpc:"2.0", id, result} | {..., error:{code, message}}} (the child's
 *          error code, else -32603; its message, else "internal error").
 *        The result also carries queued: how many server-to-client messages wait (stdio/messages).
 *        Errors: AGENT_RPC_STDIO_UNKNOWN (no such session); AGENT_RPC_STDIO_CLOSED (closed before
 *        the call; the message says why, e.g. "stdio session closed: the server exited with
 *        status 3"); AGENT_RPC_STDIO_ENDED (it closed while the call waited: same message);
 *        AGENT_RPC_STDIO_TIMEOUT (no reply in time; the pending id is forgotten, a
 *        late reply is dropped); -32602 for a bad message, a call id already pending, a message
 *        longer than AGENT_STDIO_MAX_LINE or a full input queue.
 *   stdio/messages {id, max?=AGENT_STDIO_QUEUE_MAX} -> {messages:[...], dropped}: takes (oldest
 *        first) what the child sent that answers no call: its requests (sampling, roots, ...) and
 *        notifications, kept in a queue of at most AGENT_STDIO_QUEUE_MAX messages and
 *        AGENT_STDIO_QUEUE_BYTES bytes; beyond it new ones are counted in dropped (and logged),
 *        never silently lost. A response for them goes back through stdio/call.
 *   stdio/list {} -> {sessions:[{id, name, command, pid, state, open, created_ms, last_used_ms,
 *        queued, dropped, closed_reason?}]}: the open ones, then the last AGENT_STDIO_TOMBSTONES
 *        closed ones (open:false, with closed_reason). *_ms are Unix epoch milliseconds.
 *   stdio/close {id} -> {id, closed:true}: stdin closed, SIGTERM to the child's process group,
 *        SIGKILL after AGENT_STDIO_CLOSE_GRACE_MS, reaped; answers once it is reaped.
 * A session is also closed (same steps, a reason kept) when its child exits or closes stdout,
 * writes a line longer than AGENT_STDIO_MAX_LINE or a line that is not JSON, or is idle (no call,
 * no messages fetched) for its idle_timeout_s. Pending calls then fail with AGENT_RPC_STDIO_CLOSED.
 *
 * stdio mode: `berth-agent stdio [--data DIR]` serves the same MCP methods and file tools on its
 * own stdin/stdout (one message a line) instead of a socket: an MCP stdio server in any image.
 */
#ifndef BERTH_AGENT_WIRE_H
#define BERTH_AGENT_WIRE_H

/* Paths inside the container. */
#define AGENT_BIN_PATH "/.berth/berth-agent"
#define AGENT_RUN_DIR "/run/berth"
#define AGENT_SOCKET_NAME "agent.sock"
#define AGENT_SOCKET_PATH AGENT_RUN_DIR "/" AGENT_SOCKET_NAME
#define AGENT_DATA_DIR "/data"
#define AGENT_TEMPLATE_DIR "/opt/bot-template"

/* Wire bounds. */
#define AGENT_MAX_LINE (64u * 1024 * 1024)
#define AGENT_MAX_CONNECTIONS 64

/* MCP. */
#define AGENT_SERVER_NAME "berth-agent"
#define AGENT_MCP_VERSION_LATEST "2025-11-25"
#define AGENT_MCP_VERSIONS                                                                         \
	{                                                                                          \
		"2025-11-25", "2025-06-18", "2025-03-26"                                           \
	}
#define AGENT_TOOLS_PAGE_SIZE 10
#define AGENT_TOOL_NAME_PATTERN "^[A-Za-z0-9_.-]{1,64}$"

/* JSON-RPC error codes. */
#define AGENT_RPC_PARSE_ERROR (-32700)
#define AGENT_RPC_INVALID_REQUEST (-32600)
#define AGENT_RPC_METHOD_NOT_FOUND (-32601)
#define AGENT_RPC_INVALID_PARAMS (-32602)
#define AGENT_RPC_INTERNAL_ERROR (-32603)
#define AGENT_RPC_BUSY (-32000)

/* Tool bounds. */
#define AGENT_READ_MAX (16u * 1024 * 1024)
#define AGENT_LIST_MAX 10000
#define AGENT_GREP_MAX 1000
#define AGENT_GREP_LINE_MAX 1024
#define AGENT_EXEC_TIMEOUT_DEFAULT 60
#define AGENT_EXEC_TIMEOUT_MAX 600
#define AGENT_EXEC_OUTPUT_MAX (1u * 1024 * 1024)
#define AGENT_EXEC_DRAIN_MS 1000

/* stdio sessions. */
#define AGENT_STDIO_MAX 64 /* hard cap of open sessions per agent */
#define AGENT_STDIO_MAX_DEFAULT 16
#define AGENT_STDIO_MAX_LINE (8u * 1024 * 1024)
#define AGENT_STDIO_STDERR_LINE 800 /* fits one agent log line */
#define AGENT_STDIO_STDERR_PER_MIN 600
#define AGENT_STDIO_QUEUE_MAX 256
#define AGENT_STDIO_QUEUE_BYTES (4u * 1024 * 1024)
#define AGENT_STDIO_IDLE_DEFAULT_S 1800
#define AGENT_STDIO_CALL_TIMEOUT_MS 30000
#define AGENT_STDIO_CALL_TIMEOUT_MAX_MS 600000
#define AGENT_STDIO_CLOSE_GRACE_MS 2000
#define AGENT_STDIO_TOMBSTONES 64
#define AGENT_STDIO_ID_MAX 64
#define AGENT_STDIO_INIT_ID "init-1"
#define AGENT_STDIO_INIT_PARAMS                                                                     \
	"{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{\"roots\":{\"listChanged\":false}}," \
	"\"clientInfo\":{\"name\":\"memoh-http-proxy\",\"version\":\"v0\"}}"
/* stdio error codes (JSON-RPC server errors). */
#define AGENT_RPC_STDIO_LIMIT (-32010)
#define AGENT_RPC_STDIO_START (-32011)
#define AGENT_RPC_STDIO_UNKNOWN (-32012)
#define AGENT_RPC_STDIO_CLOSED (-32013)
#define AGENT_RPC_STDIO_TIMEOUT (-32014)
#define AGENT_RPC_STDIO_ENDED (-32015)

/* PID 1: how long children get between the forwarded SIGTERM and SIGKILL. */
#define AGENT_STOP_GRACE_MS 5000

#endif
