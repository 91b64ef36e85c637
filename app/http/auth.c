/* auth.c: who is calling, from the client certificate nginx verified (see include/berth/http_auth.h).
 *
 * Identity comes only from the params nginx itself sets (SSL_CLIENT_VERIFY, SSL_CLIENT_S_DN).
 * Client headers arrive as HTTP_* params and are never read here.
 */
#include "berth/http_auth.h"
#include "berth/http_context.h"
#include "berth/http_params.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/http_context.h"
#include "berth/store_access.h"
#include "berth/store_conn.h"
#include "berth/store_users.h"

#define X509_CHANNEL "x509"

int http_auth_subject(char *const *params, const char **subject, berth_err *err)
{
	const char *verify;
	const char *dn;

	*subject = NULL;
	/* nginx sets each once; a repeated param means a configuration we cannot trust. */
	if (http_param_count(params, "SSL_CLIENT_VERIFY") != 1 ||
	    http_param_count(params, "SSL_CLIENT_S_DN") > 1)
		return berth_err_set(err, BERTH_E_UNAUTHENTICATED, "client certificate required");
	verify = http_param(params, "SSL_CLIENT_VERIFY");
	if (strcmp(verify, "SUCCESS") != 0)
		return berth_err_set(err, BERTH_E_UNAUTHENTICATED, "client certificate required");
	dn = http_param(params, "SSL_CLIENT_S_DN");
	if (!dn || !*dn)
		return berth_err_set(err, BERTH_E_UNAUTHENTICATED,
				     "client certificate has no subject");
	*subject = dn;
	return 0;
}

int http_identity_from_store(void *arg, const char *subject, struct http_caller *caller,
			     berth_err *err)
{
	struct worker_ctx *ctx = arg;
	struct store_user user;
	berth_store *store = worker_store(ctx, err);

	if (!store)
		return -1;
	if (store_user_by_identity(store, X509_CHANNEL, subject, &user, err) < 0) {
		if (err && err->kind == BERTH_E_NOT_FOUND)
			return berth_err_setc(err, BERTH_E_UNAUTHENTICATED,
					      BERTH_EC_UNKNOWN_IDENTITY, "unknown identity");
		return -1;
	}
	if (!user.is_active)
		return berth_err_setc(err, BERTH_E_UNAUTHENTICATED, BERTH_EC_USER_INACTIVE,
				      "user is not active");
	memset(caller, 0, sizeof *caller);
	caller->authenticated = true;
	snprintf(caller->user_id, sizeof caller->user_id, "%s", user.id);
	snprintf(caller->username, sizeof caller->username, "%s", user.username);
	caller->is_admin = user.is_admin;
	return 0;
}

int http_identity_bot_from_store(void *arg, const char *subject, const char *bot_id,
				 struct http_caller *caller, struct store_bot **bot,
				 bool *is_member, berth_err *err)
{
	struct worker_ctx *ctx = arg;
	struct store_access *access = NULL;
	berth_store *store = worker_store(ctx, err);

	*bot = NULL;
	*is_member = false;
	if (!store)
		return -1;
	access = malloc(sizeof *access);
	if (!access)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	if (store_access_get(store, X509_CHANNEL, subject, bot_id, access, err) < 0) {
		if (err && err->kind == BERTH_E_NOT_FOUND)
			berth_err_setc(err, BERTH_E_UNAUTHENTICATED, BERTH_EC_UNKNOWN_IDENTITY,
				       "unknown identity");
		goto fail;
	}
	if (!access->user.is_active) {
		berth_err_setc(err, BERTH_E_UNAUTHENTICATED, BERTH_EC_USER_INACTIVE,
			       "user is not active");
		goto fail;
	}
	memset(caller, 0, sizeof *caller);
	caller->authenticated = true;
	snprintf(caller->user_id, sizeof caller->user_id, "%s", access->user.id);
	snprintf(caller->username, sizeof caller->username, "%s", access->user.username);
	caller->is_admin = access->user.is_admin;
	if (access->bot_found) {
		*bot = malloc(sizeof **bot);
		if (!*bot) {
			berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
			goto fail;
		}
		**bot = access->bot;
		*is_member = access->caller_is_member;
	}
	free(access);
	return 0;
fail:
	free(access);
	return -1;
}

const char *http_auth_failure_code(const berth_err *err)
{
	switch (err->kind) {
	case BERTH_E_UNAVAILABLE: return "database_unavailable";
	case BERTH_E_UNAUTHENTICATED:
		return berth_err_is(err, BERTH_EC_USER_INACTIVE) ? "user_inactive"
								 : "unknown_identity";
	default: return berth_err_code_str(err);
	}
}
