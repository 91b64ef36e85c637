/* botscope.c: access to one bot named in the path (see http_bot_access in include/berth/http.h). */
#include "berth/http.h"

#include <stdlib.h>

#include "berth/log.h"
#include "berth/store.h"
#include "berth/worker.h"

int http_bot_access(struct http_req *req, const char *bot_id, const struct authz_policy *policy,
		    struct store_bot **bot_out, struct http_resp *resp)
{
	struct authz_caller caller = { req->caller.user_id, req->caller.is_admin };
	struct authz_bot facts;
	struct store_bot *bot = NULL;
	berth_store *store;
	berth_err err;

	*bot_out = NULL;
	if (!bot_id || !berth_uuid_is_canonical(bot_id))
		return http_resp_error(resp, 400, "invalid_bot_id",
				       "bot id must be a canonical UUID (lowercase 8-4-4-4-12)");
	blog_ctx_set_bot(bot_id);
	if (!req->caller.authenticated)
		return http_resp_error(resp, 401, "unauthenticated", "authentication required");
	store = worker_store(req->ctx, &err);
	if (!store)
		goto store_failed;
	bot = malloc(sizeof *bot);
	if (!bot)
		return http_resp_error(resp, 500, "internal", "out of memory");
	if (store_bot_get(store, bot_id, bot, &err) < 0) {
		if (err.kind == BERTH_E_NOT_FOUND) {
			free(bot);
			return http_resp_error(resp, 404, "bot_not_found", "bot not found");
		}
		goto store_failed;
	}
	facts.owner_user_id = bot->owner_user_id;
	facts.is_public = bot->is_public;
	facts.allow_guest = bot->allow_guest;
	facts.caller_is_member = false;
	/* Membership matters only for a public bot, to a non-owner, under a policy that allows it. */
	if (policy->allow_public_member && bot->is_public && !req->caller.is_admin &&
	    authz_decide(&caller, &facts, policy) == AUTHZ_DENY &&
	    store_bot_is_member(store, bot_id, req->caller.user_id, &facts.caller_is_member, &err) < 0)
		goto store_failed;
	if (authz_decide(&caller, &facts, policy) == AUTHZ_DENY) {
		free(bot);
		return http_resp_error(resp, 403, "bot_access_denied", "bot access denied");
	}
	*bot_out = bot;
	return 0;

store_failed:
	free(bot);
	return http_resp_err(resp, &err);
}
