/* store.h: the PostgreSQL store (libpq). The only module that speaks SQL.
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
#ifndef BERTH_STORE_H
#define BERTH_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "berth/deadline.h"
#include "berth/err.h"

/* Field sizes, including the terminating NUL. The schema (the migrations in db/) enforces the same bounds. */
#define STORE_ID_SIZE 37        /* canonical UUID */
#define STORE_NAME_SIZE 256     /* usernames, display names, snapshot names, node names */
#define STORE_TIME_SIZE 40      /* RFC 3339 with microseconds */
#define STORE_STATE_SIZE 16     /* status / role / state words */
#define STORE_CTR_ID_SIZE 256   /* containerd container id */
#define STORE_IMAGE_SIZE 1024   /* image reference */
#define STORE_PATH_SIZE 1024    /* host and container paths */
#define STORE_IP_SIZE 64        /* IPv4 or IPv6 address text */
#define STORE_ERROR_SIZE 1024   /* last_error (longer messages are cut to fit when written) */
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

/* ---- users and identities ---------------------------------------------------------------- */

struct store_user {
	char id[STORE_ID_SIZE];
	char username[STORE_NAME_SIZE];
	bool is_admin;  /* users.role = 'admin' */
	bool is_active;
	char created_at[STORE_TIME_SIZE];
};

struct store_user_list {
	struct store_user *items; /* owned by the list */
	size_t count;
};
void store_user_list_free(struct store_user_list *list);

/* ALREADY_EXISTS if the username is taken; INVALID if it is empty or too long. */
int store_user_create(berth_store *store, const char *username, bool is_admin, struct store_user *out,
		      berth_err *err);
int store_user_get(berth_store *store, const char *user_id, struct store_user *out, berth_err *err);
int store_user_by_name(berth_store *store, const char *username, struct store_user *out, berth_err *err);
/* All users, ordered by username. */
int store_user_list(berth_store *store, struct store_user_list *out, berth_err *err);
/* The user bound to (channel_type, subject), e.g. ("x509", "<subject DN>"). NOT_FOUND if none
 * (also when the identity exists but is bound to no user). */
int store_user_by_identity(berth_store *store, const char *channel_type, const char *subject,
			   struct store_user *out, berth_err *err);
/* Binds an identity to a user. ALREADY_EXISTS if (channel_type, subject) is bound already;
 * NOT_FOUND if the user does not exist. */
int store_identity_add(berth_store *store, const char *user_id, const char *channel_type,
		       const char *subject, berth_err *err);

/* ---- bots and members -------------------------------------------------------------------- */

struct store_bot {
	char id[STORE_ID_SIZE];
	char owner_user_id[STORE_ID_SIZE];
	bool is_public;   /* bots.type = 'public' (else 'personal') */
	bool allow_guest;
	bool is_active;
	char status[STORE_STATE_SIZE]; /* creating | ready | deleting */
	char display_name[STORE_NAME_SIZE];
	char created_at[STORE_TIME_SIZE];
	char updated_at[STORE_TIME_SIZE];
};

struct store_bot_list {
	struct store_bot *items; /* owned by the list */
	size_t count;
};
void store_bot_list_free(struct store_bot_list *list);

struct store_bot_new {
	const char *id;            /* NULL: the database picks a random UUID */
	const char *owner_user_id; /* required */
	const char *display_name;  /* NULL or "": none */
	bool is_public;
	bool allow_guest;
};

/* Status 'ready'. ALREADY_EXISTS if the id is taken; NOT_FOUND if the owner does not exist. */
int store_bot_create(berth_store *store, const struct store_bot_new *in, struct store_bot *out, berth_err *err);
int store_bot_get(berth_store *store, const char *bot_id, struct store_bot *out, berth_err *err);
/* owner_user_id NULL: every bot; else the bots that user owns. Ordered by created_at, id. */
int store_bot_list(berth_store *store, const char *owner_user_id, struct store_bot_list *out, berth_err *err);
/* True when a bot_members row exists for (bot, user), whatever its role. */
int store_bot_is_member(berth_store *store, const char *bot_id, const char *user_id, bool *out, berth_err *err);
/* role: "owner", "admin" or "member" (NULL: "member"). ALREADY_EXISTS if the user is a member
 * already; NOT_FOUND if the bot or user does not exist; INVALID for another role. */
int store_member_add(berth_store *store, const char *bot_id, const char *user_id, const char *role,
		     berth_err *err);

/* ---- containers (exactly one row per bot) ------------------------------------------------ */

struct store_container {
	char id[STORE_ID_SIZE];                  /* row id */
	char bot_id[STORE_ID_SIZE];
	char container_id[STORE_CTR_ID_SIZE];    /* containerd id, "mcp-<bot uuid>" */
	char container_name[STORE_CTR_ID_SIZE];
	char image[STORE_IMAGE_SIZE];
	char snapshotter[STORE_NAME_SIZE];       /* "" = containerd's default */
	char namespace_[STORE_NAME_SIZE];        /* containerd namespace */
	char node[STORE_NAME_SIZE];
	char status[STORE_STATE_SIZE];           /* observed: created | running | stopped | error */
	char desired_state[STORE_STATE_SIZE];    /* running | stopped */
	bool auto_start;
	char host_path[STORE_PATH_SIZE];         /* bot data dir on the host ("" if unknown) */
	char container_path[STORE_PATH_SIZE];    /* where it is mounted ("/data") */
	char ip_address[STORE_IP_SIZE];          /* "" when the network is not set up */
	char last_error[STORE_ERROR_SIZE];       /* "" when none */
	int restart_count;
	char created_at[STORE_TIME_SIZE];
	char updated_at[STORE_TIME_SIZE];
	char last_started_at[STORE_TIME_SIZE];   /* "" if never */
	char last_stopped_at[STORE_TIME_SIZE];   /* "" if never */
};

struct store_container_list {
	struct store_container *items; /* owned by the list */
	size_t count;
};
void store_container_list_free(struct store_container_list *list);

struct store_container_new {
	const char *bot_id;         /* required */
	const char *container_id;   /* required; also the container_name */
	const char *image;          /* required */
	const char *snapshotter;    /* NULL: "" */
	const char *namespace_;     /* required */
	const char *node;           /* required; created in `nodes` when missing */
	const char *host_path;      /* NULL: none */
	const char *container_path; /* required */
};

/* Inserts the bot's row (status 'created', desired 'running') or, when it exists, updates the
 * columns above and keeps status, ip, timestamps and last_error (the caller then records what it
 * observed). NOT_FOUND if the bot does not exist. out may be NULL. */
int store_container_upsert(berth_store *store, const struct store_container_new *in, struct store_container *out,
			   berth_err *err);
int store_container_get(berth_store *store, const char *bot_id, struct store_container *out, berth_err *err);
/* By containerd container id (the compatibility routes). NOT_FOUND if no row. */
int store_container_get_by_container_id(berth_store *store, const char *container_id, struct store_container *out,
					berth_err *err);
/* owner_user_id NULL: every row; else the rows of the bots that user owns. Ordered by created_at, id. */
int store_container_list(berth_store *store, const char *owner_user_id, struct store_container_list *out,
			 berth_err *err);
/* The rows of one node (the reconciler's view). */
int store_container_list_by_node(berth_store *store, const char *node, struct store_container_list *out,
				 berth_err *err);

/* Observed-status transitions; each sets updated_at and fails NOT_FOUND when the bot has no row.
 * running: ip_address (NULL or "": none), last_started_at = now(), last_error cleared.
 * stopped: ip_address cleared (the network was released), last_stopped_at = now(), last_error
 *          cleared (the operation that got there succeeded).
 * error:   last_error = message (cut to STORE_ERROR_SIZE - 1 bytes at a character boundary). */
int store_container_mark_running(berth_store *store, const char *bot_id, const char *ip_address, berth_err *err);
int store_container_mark_stopped(berth_store *store, const char *bot_id, berth_err *err);
int store_container_mark_error(berth_store *store, const char *bot_id, const char *message, berth_err *err);
/* Sets ip_address only (network re-applied, or released: NULL). */
int store_container_set_ip(berth_store *store, const char *bot_id, const char *ip_address, berth_err *err);
/* desired: "running" or "stopped". */
int store_container_set_desired(berth_store *store, const char *bot_id, const char *desired, berth_err *err);
/* restart_count += 1 (the reconciler restarted a dead task). */
int store_container_count_restart(berth_store *store, const char *bot_id, berth_err *err);
/* Deletes the bot's row; *deleted (may be NULL) tells whether there was one. Deleting nothing is
 * not an error. Snapshots and lifecycle events of the bot are kept (they belong to the bot). */
int store_container_delete(berth_store *store, const char *bot_id, bool *deleted, berth_err *err);

/* ---- snapshots ----------------------------------------------------------------------------- */

struct store_snapshot {
	char id[STORE_ID_SIZE];
	char bot_id[STORE_ID_SIZE];
	char name[STORE_NAME_SIZE];                  /* Berth's name, unique per bot */
	char display_name[STORE_NAME_SIZE];          /* "" if none */
	char container_id[STORE_CTR_ID_SIZE];        /* container it was taken from ("" if unknown) */
	char parent[STORE_NAME_SIZE];                /* name of the parent snapshot of the same bot, or "" */
	char snapshotter[STORE_NAME_SIZE];
	char runtime_snapshot_name[STORE_CTR_ID_SIZE]; /* containerd's committed snapshot name */
	char source[STORE_STATE_SIZE];               /* manual | rollback | system */
	char created_at[STORE_TIME_SIZE];
};

struct store_snapshot_list {
	struct store_snapshot *items; /* owned by the list */
	size_t count;
};
void store_snapshot_list_free(struct store_snapshot_list *list);

struct store_snapshot_new {
	const char *bot_id;                /* required */
	const char *name;                  /* required, unique per bot */
	const char *display_name;          /* NULL: none */
	const char *container_id;          /* NULL: none */
	const char *parent;                /* NULL: none; else the name of a snapshot of the same bot */
	const char *snapshotter;           /* required */
	const char *runtime_snapshot_name; /* required, unique per snapshotter */
	const char *source;                /* NULL: "manual" */
};

/* ALREADY_EXISTS for a duplicate (bot, name) or (snapshotter, runtime name); NOT_FOUND if the bot
 * or the named parent does not exist. out may be NULL. */
int store_snapshot_insert(berth_store *store, const struct store_snapshot_new *in, struct store_snapshot *out,
			  berth_err *err);
/* This bot's snapshots, ordered by created_at, then name. */
int store_snapshot_list(berth_store *store, const char *bot_id, struct store_snapshot_list *out, berth_err *err);
/* NOT_FOUND if this bot has no snapshot of that name (whatever other bots have). */
int store_snapshot_get(berth_store *store, const char *bot_id, const char *name, struct store_snapshot *out,
		       berth_err *err);
/* By containerd's name (snapshotter, runtime_snapshot_name): who owns a committed snapshot. */
int store_snapshot_get_by_runtime_name(berth_store *store, const char *snapshotter, const char *runtime_name,
				       struct store_snapshot *out, berth_err *err);
/* Deletes one snapshot row (children keep existing, their parent becomes ""). Deleting nothing is
 * not an error; *deleted (may be NULL) tells. */
int store_snapshot_delete(berth_store *store, const char *bot_id, const char *name, bool *deleted, berth_err *err);

/* ---- lifecycle events ---------------------------------------------------------------------- */

struct store_event {
	char id[STORE_ID_SIZE];
	char bot_id[STORE_ID_SIZE];
	char container_id[STORE_CTR_ID_SIZE];
	char event_type[STORE_NAME_SIZE];
	char *payload; /* JSON text, owned by the list (freed by store_event_list_free) */
	char created_at[STORE_TIME_SIZE];
};

struct store_event_list {
	struct store_event *items; /* owned by the list */
	size_t count;
};
void store_event_list_free(struct store_event_list *list);

/* payload: JSON text (NULL: "{}"); INVALID if it is not JSON. container_id may be NULL.
 * NOT_FOUND if the bot does not exist. */
int store_event_add(berth_store *store, const char *bot_id, const char *container_id, const char *event_type,
		    const char *payload_json, berth_err *err);
/* The bot's newest events first, at most limit (limit <= 0: 100). */
int store_event_list(berth_store *store, const char *bot_id, int limit, struct store_event_list *out,
		     berth_err *err);

/* ---- locks and notifications --------------------------------------------------------------- */

/* Takes the bot's session-level advisory lock on this store's connection, waiting at most
 * timeout_ms (TIMEOUT when another session keeps it). The key is the first 8 bytes of the bot's
 * UUID as a bigint (a name space apart from store_node_try_lock's two-int keys). Locks nest like
 * PostgreSQL's: every successful lock needs one unlock. If the connection is lost while the lock
 * is held, the server releases it: the store logs that and fails every call until it is unlocked
 * (see "Connection failures" above). */
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
int store_wait_notification(berth_store *store, int timeout_ms, struct store_notification *out, bool *got,
			    berth_err *err);

/* ---- schema migrations ---------------------------------------------------------------------- */

/* One migration: a numbered SQL file of db/ (embedded into the program at build time). */
struct store_migration {
	int version;      /* from the file name: 0001_init.sql -> 1 */
	const char *name; /* "0001_init.sql" */
	const char *sql;
};

/* The embedded migrations, ordered by version (static data: nothing to free). */
const struct store_migration *store_migrations(size_t *count);

/* Parses "NNNN_word.sql" into its version (> 0). -1 for any other name. */
int store_migration_version(const char *file_name);

/* Applies every embedded migration not yet recorded in schema_migrations, in order, each in its
 * own transaction, under a transaction-level advisory lock so two concurrent runs apply each
 * migration once. *applied (may be NULL) = how many were applied by this call. */
int store_migrate(berth_store *store, int *applied, berth_err *err);
/* Highest applied version (0: none, or no schema_migrations table) and the highest embedded one. */
int store_schema_version(berth_store *store, int *applied_version, int *latest_version, berth_err *err);

#endif
