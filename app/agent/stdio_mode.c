/* stdio_mode.c: `berth-agent stdio`: the agent's MCP methods and tools on its own stdin/stdout,
 * one JSON-RPC message a line (the MCP stdio transport), for any image that wants the file tools
 * as a stdio MCP server. Lines are bounded by AGENT_MAX_LINE as on the socket; a longer one gets
 * the same -32600 error and ends the loop. */
#include "agent.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STDIO_MODE_CHUNK 65536

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static int reply_line(int fd, char *reply, size_t len)
{
	int rc = write_all(fd, reply, len) < 0 || write_all(fd, "\n", 1) < 0 ? -1 : 0;

	free(reply);
	return rc;
}

void agent_stdio_mode_serve(int in_fd, int out_fd)
{
	char *buf = NULL, *reply, *nl;
	size_t cap = 0, len = 0, scanned = 0, reply_len;
	ssize_t n;

	for (;;) {
		nl = len > scanned ? memchr(buf + scanned, '\n', len - scanned) : NULL;
		if (nl) {
			size_t line_len = (size_t)(nl - buf);

			agent_rpc_handle_line(buf, line_len, &reply, &reply_len);
			if (reply && reply_line(out_fd, reply, reply_len) < 0)
				break;
			memmove(buf, nl + 1, len - line_len - 1);
			len -= line_len + 1;
			scanned = 0;
			continue;
		}
		scanned = len;
		if (len >= AGENT_MAX_LINE) {
			reply = agent_rpc_error_line(
				NULL, AGENT_RPC_INVALID_REQUEST,
				"message line longer than the limit (AGENT_MAX_LINE bytes)",
				&reply_len);
			if (reply)
				(void)reply_line(out_fd, reply, reply_len);
			break;
		}
		if (agent_rpc_line_reserve(&buf, &cap, len, STDIO_MODE_CHUNK) < 0) {
			agent_log("error", "stdio mode: out of memory");
			break;
		}
		n = read(in_fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	free(buf);
}
