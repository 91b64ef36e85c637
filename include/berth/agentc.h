/* agentc.h: the client of a bot's in-container agent (berth-agent), over its unix socket.
 *
 * Wire: JSON-RPC 2.0, one message a line (newline-terminated, no newline inside). One connection
 * per call: send one request line, read one reply line. The client knows nothing of bots or MCP:
 * it is handed the directory that holds the socket and moves bytes with bounds and a deadline.
 *
 * The socket directory is bind-mounted into the container, so whatever is in it may have been put
 * there by the bot: the directory is opened O_DIRECTORY|O_NOFOLLOW, the socket with
 * openat(O_PATH|O_NOFOLLOW), checked with fstat to be a socket, and connected through
 * /proc/self/fd/<n>, so a link or a regular file planted at its name is never followed or read.
 *
 * Errors (sub-code BERTH_EC_AGENT; the message names host paths and is detail-only):
 *   BERTH_E_NOT_FOUND    no socket at the name (the agent has not started, or it was removed)
 *   BERTH_E_PRECONDITION something other than a socket is at the name (a link, a file, ...)
 *   BERTH_E_UNAVAILABLE  a socket nobody listens on (the agent is not running)
 *   BERTH_E_TIMEOUT      the deadline (or the call's cap) passed
 *   BERTH_E_TOO_LARGE    the reply line is longer than max_reply
 *   BERTH_E_INTERNAL     the agent closed the connection without a whole reply line, or any
 *                        other system error
 * Strings are borrowed; *reply is NEW (free()).
 */
#ifndef BERTH_AGENTC_H
#define BERTH_AGENTC_H

#include <stddef.h>

#include "berth/deadline.h"
#include "berth/err.h"

/* The agent's limit on one line; replies are read up to this by default. */
#define AGENTC_MAX_LINE (64u << 20)

/* One call: request (len bytes, one JSON text without newline; the newline is added) is sent to
 * the socket socket_name in directory dir_path, and the reply line is read (without its newline)
 * into *reply (NUL-terminated, *reply_len bytes). The whole call must end by the deadline and
 * within cap_ms (berth_deadline_budget). max_reply bounds the reply line (0: AGENTC_MAX_LINE). */
int agentc_call(const char *dir_path, const char *socket_name, const char *request, size_t len,
		berth_deadline deadline, int cap_ms, size_t max_reply, char **reply,
		size_t *reply_len, berth_err *err);

#endif
