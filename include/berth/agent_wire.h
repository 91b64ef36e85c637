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
#define AGENT_MCP_VERSIONS { "2025-11-25", "2025-06-18", "2025-03-26" }
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

/* PID 1: how long children get between the forwarded SIGTERM and SIGKILL. */
#define AGENT_STOP_GRACE_MS 5000

#endif
