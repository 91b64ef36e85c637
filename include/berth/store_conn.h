/* store_conn.h: the PostgreSQL store's connection (app/store/conn.c) and what every store module
 * shares: field sizes, the berth_store handle, errors and ownership. The store (app/store/, the
 * store_*.h headers) is the only module that speaks SQL.
 *
 * One berth_store holds one libpq connection (one per FastCGI worker, reconciler or berthctl run).
 * It connects lazily, on the first call, and every statement is prepared once per connection
 * (PQprepare) and run with parameters (PQexecPrepared); no SQL is ever built from input.
 *
 * Connection failures: when the connection is lost (the server restarted, the socket broke), the
 * store drops it and reconnects on the next call, preparing its statements again. Only reads (and
 * try-locks) are retried once on a fresh connection, so a restart between two calls is invisible
 * to readers; a write is never run twice (its reply may have been lost after the commit): it fails
 * UNAVAILABLE and the caller decides. While the database cannot be reached every call fails at once
 * with BERTH_E_UNAVAILABLE / BERTH_EC_DATABASE and the message "database unavailable: <libpq
 * message>". Messages that carry the server's or libpq's text are detail_only (berth/err.h).
 * statement_timeout is set on every new connection.
 *
 * A connection lost while a bot lock is held (store_bot_lock) is not silently replaced: the server
 * released the lock, so from then on every call fails at once with BERTH_E_UNAVAILABLE "database
 * connection lost while holding the bot lock; operation aborted" (nothing is retried), until
 * store_bot_unlock has been called for each lock level held; that unlock reports the loss
 * (UNAVAILABLE) and the next call connects again.
 *
 * Errors (berth_err kinds):
 *   BERTH_E_NOT_FOUND       a named row does not exist (also: a referenced user/bot is missing)
 *   BERTH_E_ALREADY_EXISTS  a unique constraint (duplicate username, identity, member, snapshot name)
 *   BERTH_E_INVALID         a value the schema refuses (not a canonical UUID, unknown role or state,
 *                           a name too long, a bad IP address)
 *   BERTH_E_TIMEOUT         statement_timeout passed, or store_bot_lock's wait ended
 *   BERTH_E_UNAVAILABLE     the database cannot be reached, or asks for a retry (SQLSTATE class 40:
 *                           serialization failure, deadlock; class 53: insufficient resources),
 *                           or the connection was lost under a bot lock (see above)
 *   BERTH_E_INTERNAL        anything else
 *
 * Ownership: every result is written into caller-owned structs of fixed-size, NUL-terminated
 * fields (the schema bounds every column to fit them, so nothing is truncated silently), or into
 * a caller-owned list whose items the store allocates: free it with the matching *_list_free.
 * String arguments are borrowed for the duration of the call. A berth_store is used by one thread.
 *
 * Ids are canonical UUID strings (lowercase 8-4-4-4-12); an argument that is not one fails with
 * BERTH_E_INVALID before any SQL runs. Times are RFC 3339 in UTC with microseconds
 * ("2026-11-23T00:00:00.123456Z"); a time that is not set (NULL in the database) is "".
 */
#ifndef BERTH_STORE_CONN_H
#define BERTH_STORE_CONN_H

#include "berth/deadline.h"
#include "berth/err.h"

/* Field sizes, including the terminating NUL. The schema (the migrations in db/) enforces the same bounds. */
#define STORE_ID_SIZE 37	/* canonical UUID */
#define STORE_NAME_SIZE 256	/* usernames, display names, snapshot names, node names */
#define STORE_TIME_SIZE 40	/* RFC 3339 with microseconds */
#define STORE_STATE_SIZE 16	/* status / role / state words */
#define STORE_CTR_ID_SIZE 256	/* containerd container id */
#define STORE_IMAGE_SIZE 1024	/* image reference */
#define STORE_PATH_SIZE 1024	/* host and container paths */
#define STORE_IP_SIZE 64	/* IPv4 or IPv6 address text */
#define STORE_ERROR_SIZE 1024	/* last_error (longer messages are cut to fit when written) */
#define STORE_SUBJECT_SIZE 2048 /* channel_identities.channel_subject_id (X.509 subject DN) */

typedef struct berth_store berth_store;

/* Creates a store; does not connect (the first call does). conninfo is copied.
 * statement_timeout_ms <= 0 leaves the server's default. Returns NULL only on allocation failure. */
berth_store *store_open(const char *conninfo, int statement_timeout_ms, berth_err *err);
/* Every following statement (and connect) must end by deadline (berth/deadline.h; 0: none):
 * its timeout is what is left of it, never more than statement_timeout + 1 s. A statement whose
 * reply does not come in time fails with BERTH_E_TIMEOUT / BERTH_EC_DEADLINE_EXCEEDED and the
 * connection is dropped (its state is unknown; under a bot lock that counts as a lost lock). */
void store_set_deadline(berth_store *store, berth_deadline deadline);
/* Closes the connection (releasing any advisory lock it held) and frees the store. NULL is fine. */
void store_close(berth_store *store);
/* Connects if needed and runs a trivial query: 0 when the database answers. */
int store_ping(berth_store *store, berth_err *err);

#endif
