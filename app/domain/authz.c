/* authz.c: the bot access decision (see include/berth/authz.h). */
#include "berth/authz.h"
#include "berth/store_bots.h"
#include "berth/store_conn.h"

#include <stdlib.h>
#include <string.h>

const struct authz_policy AUTHZ_OWNER_OR_ADMIN = { .allow_public_member = false,
						   .allow_guest = false };
const struct authz_policy AUTHZ_WITH_GUEST = { .allow_public_member = true, .allow_guest = true };

enum authz_decision authz_decide(const struct authz_caller *caller, const struct authz_bot *bot,
				 const struct authz_policy *policy)
{
	if (!caller || !caller->user_id || !bot)
		return AUTHZ_DENY;
	if (caller->is_admin)
		return AUTHZ_ALLOW_ADMIN;
	if (bot->owner_user_id && strcmp(bot->owner_user_id, caller->user_id) == 0)
		return AUTHZ_ALLOW_OWNER;
	if (!bot->is_public || !policy)
		return AUTHZ_DENY;
	if (policy->allow_public_member && bot->caller_is_member)
		return AUTHZ_ALLOW_MEMBER;
	if (policy->allow_guest && bot->allow_guest)
		return AUTHZ_ALLOW_GUEST;
	return AUTHZ_DENY;
}

int authz_bot_access(berth_store *store, const struct authz_caller *caller, const char *bot_id,
		     const struct authz_policy *policy, struct store_bot **bot_out, berth_err *err)
{
	struct authz_bot facts;
	struct store_bot *bot;

	*bot_out = NULL;
	bot = malloc(sizeof *bot);
	if (!bot)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	if (store_bot_get(store, bot_id, bot, err) < 0)
		goto fail;
	facts.owner_user_id = bot->owner_user_id;
	facts.is_public = bot->is_public;
	facts.allow_guest = bot->allow_guest;
	facts.caller_is_member = false;
	/* Membership matters only for a public bot, to a non-owner, under a policy that allows it. */
	if (policy->allow_public_member && bot->is_public && !caller->is_admin &&
	    authz_decide(caller, &facts, policy) == AUTHZ_DENY &&
	    store_bot_is_member(store, bot_id, caller->user_id, &facts.caller_is_member, err) < 0)
		goto fail;
	if (authz_decide(caller, &facts, policy) == AUTHZ_DENY) {
		berth_err_set(err, BERTH_E_PERMISSION, "bot access denied");
		goto fail;
	}
	*bot_out = bot;
	return 0;
fail:
	free(bot);
	return -1;
}

int authz_bot_access_known(const struct authz_caller *caller, const struct store_bot *bot,
			   bool caller_is_member, const struct authz_policy *policy, berth_err *err)
{
	struct authz_bot facts;

	if (!bot)
		return berth_err_set(err, BERTH_E_NOT_FOUND, "bot not found");
	facts.owner_user_id = bot->owner_user_id;
	facts.is_public = bot->is_public;
	facts.allow_guest = bot->allow_guest;
	facts.caller_is_member = caller_is_member;
	if (authz_decide(caller, &facts, policy) == AUTHZ_DENY)
		return berth_err_set(err, BERTH_E_PERMISSION, "bot access denied");
	return 0;
}
