/* err.h: the one error value every Berth layer returns.
 *
 * A function that can fail returns int (0 = success, -1 = failure) and fills a caller-owned
 * berth_err. The kind says what class of failure it was (so the HTTP layer can choose a status
 * without knowing the cause); the message says what happened, with the context added by each layer
 * on the way up (berth_err_prefix). A berth_err is plain data on the caller's stack: nothing to free.
 * Every function here accepts err == NULL and then does nothing.
 */
#ifndef BERTH_ERR_H
#define BERTH_ERR_H

#include <stddef.h>

typedef enum berth_errkind {
	BERTH_OK = 0,
	BERTH_E_INVALID,         /* the caller's input is wrong */
	BERTH_E_NOT_FOUND,       /* what was named does not exist */
	BERTH_E_ALREADY_EXISTS,  /* what was to be created exists */
	BERTH_E_PRECONDITION,    /* the target is in a state that forbids the operation */
	BERTH_E_UNAVAILABLE,     /* a dependency (database, containerd, ...) cannot be reached */
	BERTH_E_TIMEOUT,         /* a deadline passed */
	BERTH_E_UNAUTHENTICATED, /* no usable identity */
	BERTH_E_PERMISSION,      /* identity known, access denied */
	BERTH_E_TOO_LARGE,       /* input beyond a configured bound */
	BERTH_E_UNSUPPORTED,     /* e.g. a media type the route does not take */
	BERTH_E_INTERNAL,        /* anything else */
} berth_errkind;

#define BERTH_ERR_MSG_MAX 512

typedef struct berth_err {
	berth_errkind kind;
	char msg[BERTH_ERR_MSG_MAX];
} berth_err;

/* Sets kind and message (printf format; truncated to fit). Always returns -1 so that a failing
 * function can end with `return berth_err_set(err, ...)`. */
int berth_err_set(berth_err *err, berth_errkind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepends "<context>: " to the message, keeping the kind. Returns -1. */
int berth_err_prefix(berth_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void berth_err_clear(berth_err *err);

/* A stable lowercase code for the kind ("not_found", "unavailable", ...), for JSON error bodies
 * and logs. Never NULL. */
const char *berth_errkind_code(berth_errkind kind);

#endif
