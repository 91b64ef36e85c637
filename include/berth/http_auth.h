/* http_auth.h: who the caller is, from the verified client certificate (app/http/auth.c). */
#ifndef BERTH_HTTP_AUTH_H
#define BERTH_HTTP_AUTH_H

#include <stdbool.h>

#include "berth/err.h"
#include "berth/uuid.h"

struct store_bot; /* store_bots.h */

struct http_caller {
	bool authenticated;
	char user_id[BERTH_UUID_LEN + 1];
	char username[256];
	bool is_admin;
};

/* The verified client-certificate subject from the params nginx sets: SSL_CLIENT_VERIFY must
 * appear exactly once and equal "SUCCESS", SSL_CLIENT_S_DN exactly once and be non-empty.
 * HTTP_* params (client headers) are never consulted. *subject is BORROWED from params.
 * Failure: BERTH_E_UNAUTHENTICATED. */
int http_auth_subject(char *const *params, const char **subject, berth_err *err);

/* Looks up a verified subject (channel_type "x509") and fills *caller. Failure kinds:
 * UNAUTHENTICATED (unknown identity or inactive user), UNAVAILABLE (store unreachable). */
typedef int (*http_identity_lookup)(void *arg, const char *subject, struct http_caller *caller,
				    berth_err *err);

/* The lookup berth-fcgi uses: arg is a struct worker_ctx *, store_user_by_identity. */
int http_identity_from_store(void *arg, const char *subject, struct http_caller *caller,
			     berth_err *err);

/* http_identity_lookup and the bot of a bot route (bot_id canonical) in one lookup: *bot NEW (free();
 * NULL when there is no such bot), *is_member whether the caller is its member. Fails as
 * http_identity_lookup. http_identity_bot_from_store is berth-fcgi's (store_access_get). */
typedef int (*http_identity_bot_lookup)(void *arg, const char *subject, const char *bot_id,
					struct http_caller *caller, struct store_bot **bot,
					bool *is_member, berth_err *err);
int http_identity_bot_from_store(void *arg, const char *subject, const char *bot_id,
				 struct http_caller *caller, struct store_bot **bot,
				 bool *is_member, berth_err *err);

/* The error code of a failed identity lookup: database_unavailable (UNAVAILABLE),
 * user_inactive (BERTH_EC_USER_INACTIVE), unknown_identity (other UNAUTHENTICATED), else
 * berth_err_code_str (e.g. deadline_exceeded). Decided by kind and sub-code, never by text. */
const char *http_auth_failure_code(const berth_err *err);

#endif
