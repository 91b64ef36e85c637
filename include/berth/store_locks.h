/* store_locks.h: per-bot and per-node advisory locks, notifications (app/store/locks.c).
 * Errors, ownership, ids and times: berth/store_conn.h.
 */
#ifndef BERTH_STORE_LOCKS_H
#define BERTH_STORE_LOCKS_H

#include <stdbool.h>

#include "berth/err.h"
#include "berth/store_conn.h"

/* Takes the bot's session-level advisory lock on this store's connection, waiting at most
 * timeout_ms (TIMEOUT when another session keeps it). The key is the first 8 bytes of the bot's
 * UUID as a bigint (a name space apart from store_node_try_lock's two-int keys). Locks nest like
 * PostgreSQL's: every successful lock needs one unlock. If the connection is lost while the lock
 * is held, the server releases it: the store logs that and fails every call until it is unlocked
 * (see "Connection failures" in berth/store_conn.h). */
int store_bot_lock(berth_store *store, const char *bot_id, int timeout_ms, berth_err *err);
/* Releases one level of the bot's lock. PRECONDITION if this session did not hold it.
 * UNAVAILABLE when the lock level was lost with the connection (then nothing is released, the
 * level is forgotten, and once none is left later calls connect again). */
int store_bot_unlock(berth_store *store, const char *bot_id, berth_err *err);

/* Tries once to take the per-node lock (one active reconciler per node); *acquired says whether it
 * did. Held until store_node_unlock or the end of the connection. */
int store_node_try_lock(berth_store *store, const char *node, bool *acquired, berth_err *err);
int store_node_unlock(berth_store *store, const char *node, berth_err *err);

/* pg_notify(channel, payload). payload may be NULL (""). */
int store_notify(berth_store *store, const char *channel, const char *payload, berth_err *err);
/* LISTEN on channel (a lowercase identifier: [a-z_][a-z0-9_]*, at most 63 bytes); remembered and
 * re-issued after a reconnect. */
int store_listen(berth_store *store, const char *channel, berth_err *err);

struct store_notification {
	char channel[64];
	char payload[STORE_NAME_SIZE * 4]; /* cut to fit */
};
/* Waits at most timeout_ms for one notification on a LISTENed channel. *got says whether one came
 * (false on timeout). */
int store_wait_notification(berth_store *store, int timeout_ms, struct store_notification *out,
			    bool *got, berth_err *err);

#endif
