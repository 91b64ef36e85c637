/* store_cache.h: a worker's read cache of the statements every request runs (app/store/cache.c).
 *
 * What is cached: the caller's identity (store_user_by_identity), the caller with a bot
 * (store_access_get), a bot's observed container row (store_container_observe) and its limits
 * (store_limits_get), each for at most ttl_ms; a NOT_FOUND answer, or a bot that does not exist,
 * never is (what is added is seen at once). Entries are plain copies of the result structs.
 *
 * When an entry stops being used:
 *   - a write through any store of the process family that shares the write epoch (the workers of
 *     one berth-fcgi: store_cache_share before they fork), or through this store, empties every
 *     such cache before the next lookup: a statement that may change what the cache reads bumps
 *     the shared epoch once it has run (not a read, nor one that writes only locks,
 *     notifications, events, snapshots or stdio session records), so whatever a worker's API
 *     call changed, the next request sees, whichever worker serves it;
 *   - a change committed by another process (berth-reconcile, berthctl, another host) is
 *     announced by the database itself (db/0007_cache_notify.sql: NOTIFY berth_cache from the
 *     tables these reads use); the store LISTENs and drains the notifications at the start of each
 *     request (store_set_deadline), without a round trip;
 *   - a new connection (notifications may have been missed) empties the cache;
 *   - ttl_ms bounds all of the above.
 * An entry is tagged with the generation seen before its query ran, so a result that raced a
 * write is never kept past it.
 */
#ifndef BERTH_STORE_CACHE_H
#define BERTH_STORE_CACHE_H

#include "berth/err.h"
#include "berth/store_conn.h"

/* The channel the database notifies on (db/0007_cache_notify.sql). */
#define STORE_CACHE_CHANNEL "berth_cache"

/* Maps the write epoch shared with the processes forked after this call (MAP_SHARED). Call once,
 * in the parent, before forking the workers. Returns 0, or -1 with errno set. */
int store_cache_share(void);

/* Turns the cache on for this store with entries kept at most ttl_ms (> 0), and LISTENs on
 * STORE_CACHE_CHANNEL (at once when connected, else on the first connection). On failure the
 * store keeps working uncached. */
int store_cache_enable(berth_store *store, int ttl_ms, berth_err *err);

#endif
