/* err.h: the one error value every Berth layer returns.
 *
 * A function that can fail returns int (0 = success, -1 = failure) and fills a caller-owned
 * berth_err. Three things travel in it:
 * - kind: the class of failure, which chooses the HTTP status without knowing the cause;
 * - code: a stable sub-code (as jansson's json_error_code) that callers DECIDE on. Nothing may
 *   decide by matching message text: a message can echo a name a bot chose.
 * - msg: what happened, with the context each layer adds on the way up (berth_err_prefix).
 *   When detail_only is set the message holds driver or host text (libpq, gRPC, CNI output, host
 *   paths): it goes to the log with the request id and never to a client, who gets
 *   berth_err_public_msg() instead.
 * A berth_err is plain data on the caller's stack: nothing to free. Every function here accepts
 * err == NULL and then does nothing.
 */
#ifndef BERTH_ERR_H
#define BERTH_ERR_H

#include <stdbool.h>
#include <stddef.h>

typedef enum berth_errkind {
	BERTH_OK = 0,
	BERTH_E_INVALID,	 /* the caller's input is wrong */
	BERTH_E_NOT_FOUND,	 /* what was named does not exist */
	BERTH_E_ALREADY_EXISTS,	 /* what was to be created exists */
	BERTH_E_PRECONDITION,	 /* the target is in a state that forbids the operation */
	BERTH_E_UNAVAILABLE,	 /* a dependency (database, containerd, ...) cannot be reached */
	BERTH_E_TIMEOUT,	 /* a deadline passed */
	BERTH_E_UNAUTHENTICATED, /* no usable identity */
	BERTH_E_PERMISSION,	 /* identity known, access denied */
	BERTH_E_TOO_LARGE,	 /* input beyond a configured bound */
	BERTH_E_UNSUPPORTED,	 /* e.g. a media type the route does not take */
	BERTH_E_INTERNAL,	 /* anything else */
} berth_errkind;

/* Sub-codes. Append only; each has a stable name (berth_errcode_name) that clients may see as the
 * JSON "code". BERTH_EC_NONE: the kind says all there is. */
typedef enum berth_errcode {
	BERTH_EC_NONE = 0,
	/* time */
	BERTH_EC_DEADLINE_EXCEEDED, /* the request's (or operation's) deadline passed */
	BERTH_EC_BUSY,		    /* another operation holds the lock and did not end in time */
	/* which dependency failed (detail in the log) */
	BERTH_EC_DATABASE,   /* PostgreSQL */
	BERTH_EC_CONTAINERD, /* containerd */
	BERTH_EC_NETWORK,    /* a CNI plugin */
	BERTH_EC_IMAGE,	     /* the bot image: missing, unreadable, unpack failed */
	BERTH_EC_AGENT,	     /* the in-container agent */
	/* filesystem rules (safefs) */
	BERTH_EC_SYMLINK,	/* a path component is a symbolic link */
	BERTH_EC_NOT_DIRECTORY, /* a path component is not a directory */
	BERTH_EC_NOT_REGULAR,	/* the file is not a regular file */
	/* specific outcomes callers branch on */
	BERTH_EC_PARENT_MISSING, /* a snapshot's parent does not exist */
	BERTH_EC_IP_IN_USE,	 /* IPAM: the container already holds an address */
	BERTH_EC_USER_INACTIVE,	 /* the identity's user is disabled */
	BERTH_EC_UNKNOWN_IDENTITY,
	BERTH_EC_LOCK_LOST, /* the connection that held a lock was lost */
	/* input rules */
	BERTH_EC_INVALID_SNAPSHOTTER, /* not a snapshotter name ([a-z0-9_.-], at most 64 bytes) */
	BERTH_EC_IMAGE_NOT_ALLOWED, /* a caller named an image other than the configured bot image */
	/* stdio MCP sessions (botstdio) */
	BERTH_EC_MCP_CLOSED,		 /* the session has ended (its process, its container) */
	BERTH_EC_MCP_LIMIT,		 /* the bot holds as many sessions as it may */
	BERTH_EC_INVALID_RESTART_POLICY, /* not always, never, on-failure or on-failure:N (N 1..9999) */
	BERTH_EC_INVALID_LIMITS, /* resource limits of the wrong type, unknown or out of bounds */
	BERTH_EC_NOT_RUNNING,	 /* the operation needs the container's task running */
	BERTH_EC__COUNT
} berth_errcode;

#define BERTH_ERR_MSG_MAX 512

typedef struct berth_err {
	berth_errkind kind;
	berth_errcode code;
	bool detail_only; /* msg is for the log only (driver/host text) */
	char msg[BERTH_ERR_MSG_MAX];
} berth_err;

/* Sets kind and a client-safe message (printf format; truncated to fit); code NONE. Always
 * returns -1 so that a failing function can end with `return berth_err_set(err, ...)`. */
int berth_err_set(berth_err *err, berth_errkind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* As berth_err_set, with a sub-code. */
int berth_err_setc(berth_err *err, berth_errkind kind, berth_errcode code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* As berth_err_setc, for a message that carries driver or host text: marked detail_only. */
int berth_err_driver(berth_err *err, berth_errkind kind, berth_errcode code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Prepends "<context>: " to the message, keeping kind, code and detail_only. Returns -1. */
int berth_err_prefix(berth_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Replaces kind and code, keeping the message (for a layer that knows better what a failure
 * means to its caller). Returns -1. */
int berth_err_recode(berth_err *err, berth_errkind kind, berth_errcode code);

void berth_err_clear(berth_err *err);

/* True when err is set and carries code. */
bool berth_err_is(const berth_err *err, berth_errcode code);

/* A stable lowercase code for the kind ("not_found", "unavailable", ...). Never NULL. */
const char *berth_errkind_code(berth_errkind kind);

/* A stable lowercase name for the sub-code ("deadline_exceeded", ...); NULL for BERTH_EC_NONE. */
const char *berth_errcode_name(berth_errcode code);

/* The JSON "code" of an error: its sub-code's name, else its kind's code. Never NULL. */
const char *berth_err_code_str(const berth_err *err);

/* What a client may read: msg unless detail_only, else Berth's own sentence for the code/kind
 * ("the database is unavailable", ...). BORROWED from err or static. Never NULL. */
const char *berth_err_public_msg(const berth_err *err);

#endif
