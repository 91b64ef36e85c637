/* agentc_pool.h: agent calls over kept connections, one pool per berth-fcgi worker (single
 * thread). The wire, the socket checks and the errors are agentc.h's; the pool only keeps the
 * connection of a call that ended well, for the next call to the same socket.
 *
 * The socket directory is the bot's to change, so every call still looks at the socket name
 * (no connect, no agent thread): with a kept connection for it, one fstatat(AT_SYMLINK_NOFOLLOW)
 * of <dir_path>/<socket_name> (no fd; a link at the name is not followed and never matches); a
 * kept connection is used only while the socket at the name is the very inode it was connected
 * to (st_dev, st_ino; that inode was checked as agentc.h says when the connection was made) and
 * the connection has nothing to read (a closed or babbling agent); otherwise it is closed and a
 * new one made to the socket opened and checked as agentc.h says. A kept connection that fails is closed, never kept. A call is sent again on a fresh
 * connection only when the kept one refused it before the socket took any byte of it (the agent
 * cannot have seen it), so a write or an exec never runs twice.
 *
 * At most max_conns connections (the least recently used one goes), none older than idle_ms
 * since its last call (closed at the next call).
 *
 * Ownership: agentc_pool_new is NEW (agentc_pool_free closes every connection); strings are
 * borrowed; *reply is NEW (free()).
 */
#ifndef BERTH_AGENTC_POOL_H
#define BERTH_AGENTC_POOL_H

#include <stddef.h>

#include "berth/agentc.h"

typedef struct agentc_pool agentc_pool;

/* NULL only when out of memory. */
agentc_pool *agentc_pool_new(size_t max_conns, int idle_ms);
/* NULL is fine. */
void agentc_pool_free(agentc_pool *pool);

/* agentc_call through the pool (pool NULL: agentc_call itself). */
int agentc_pool_call(agentc_pool *pool, const char *dir_path, const char *socket_name,
		     const char *request, size_t len, berth_deadline deadline, int cap_ms,
		     size_t max_reply, char **reply, size_t *reply_len, berth_err *err);

#endif
