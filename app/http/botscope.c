/* botscope.c: access to one bot named in the path (see http_bot_access in include/berth/http_botscope.h). */
#include "berth/http_botscope.h"
#include "berth/http_context.h"
#include "berth/http_request.h"
#include "berth/http_response.h"

#include "berth/authz.h"
#include "berth/log.h"
#include "berth/store_bots.h"
#include "berth/store_conn.h"

int http_bot_access(struct http_req *req, const char *bot_id, const struct authz_policy *policy,
		    struct store_bot **bot_out, struct http_resp *resp)
{
	struct authz_caller caller = { req->caller.user_id, req->caller.is_admin };
	berth_store *store;
	berth_err err;

	if (!bot_id || !berth_uuid_is_canonical(bot_id))
		return http_resp_error(resp, 400, "invalid_bot_id",
				       "bot id must be a canonical UUID (lowercase 8-4-4-4-12)");
	blog_ctx_set_bot(bot_id);
	if (!req->caller.authenticated)
		return http_resp_error(resp, 401, "unauthenticated", "authentication required");
	if (req->bot_looked_up_ && bot_out == &req->bot_) {
		/* The route's bot, read with the identity (dispatch.c): req->bot_ is that row (NULL:
		 * none), owned by req whatever the decision. */
		req->bot_looked_up_ = false;
		if (authz_bot_access_known(&caller, *bot_out, req->bot_member_, policy, &err) == 0)
			return 0;
	} else {
		*bot_out = NULL;
		store = worker_store(req->ctx, &err);
		if (store && authz_bot_access(store, &caller, bot_id, policy, bot_out, &err) == 0)
			return 0;
	}
	if (err.kind == BERTH_E_NOT_FOUND)
		return http_resp_error(resp, 404, "bot_not_found", "bot not found");
	if (err.kind == BERTH_E_PERMISSION)
		return http_resp_error(resp, 403, "bot_access_denied", "bot access denied");
	return http_resp_err(resp, &err);
}
