/* authz.c: the bot access decision (see include/berth/authz.h). */
#include "berth/authz.h"

#include <string.h>

const struct authz_policy AUTHZ_OWNER_OR_ADMIN = { .allow_public_member = false, .allow_guest = false };
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
