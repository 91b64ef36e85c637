/* authz.h: who may act on a bot (the original's AuthorizeBotAccess, reference §1).
 *
 * authz_decide is the pure decision over facts loaded from the store (no I/O, nothing allocated);
 * authz_bot_access loads those facts for one bot and decides.
 * Access is granted to global admins and to the bot's owner. For a public bot, and only when the
 * route's policy allows it, also to bot members (any role) and, when the bot allows guests, to any
 * authenticated user. Everything else is denied. Every container, skills and snapshot route uses
 * the owner/admin policy; only the tools gateway allows members and guests.
 */
#ifndef BERTH_AUTHZ_H
#define BERTH_AUTHZ_H

#include <stdbool.h>

#include "berth/err.h"
#include "berth/store_bots.h"
#include "berth/store_conn.h"

struct authz_caller {
	const char *user_id; /* canonical UUID */
	bool is_admin;
};

struct authz_bot {
	const char *owner_user_id; /* canonical UUID */
	bool is_public;		   /* bots.type = 'public' */
	bool allow_guest;
	bool caller_is_member; /* a bot_members row exists for (bot, caller) */
};

struct authz_policy {
	bool allow_public_member;
	bool allow_guest;
};

enum authz_decision {
	AUTHZ_DENY = 0,
	AUTHZ_ALLOW_ADMIN,
	AUTHZ_ALLOW_OWNER,
	AUTHZ_ALLOW_MEMBER,
	AUTHZ_ALLOW_GUEST
};

/* The policy of container, skills and snapshot routes: admins and owners only. */
extern const struct authz_policy AUTHZ_OWNER_OR_ADMIN;
/* The policy of the tools gateway: also public-bot members and guests. */
extern const struct authz_policy AUTHZ_WITH_GUEST;

enum authz_decision authz_decide(const struct authz_caller *caller, const struct authz_bot *bot,
				 const struct authz_policy *policy);

/* Whether caller may act on bot bot_id (a canonical UUID) under policy: loads the bot, and its
 * membership when the policy could use it. On success *bot_out is the bot, NEW (free()). Fails with
 * BERTH_E_NOT_FOUND (no such bot), BERTH_E_PERMISSION (denied), or the store's error. */
/* authz_bot_access over facts read already (store_access.h): bot NULL when there is no such bot;
 * caller_is_member as store_bot_is_member says. No I/O; fails as authz_bot_access. */
int authz_bot_access_known(const struct authz_caller *caller, const struct store_bot *bot,
			   bool caller_is_member, const struct authz_policy *policy,
			   berth_err *err);

int authz_bot_access(berth_store *store, const struct authz_caller *caller, const char *bot_id,
		     const struct authz_policy *policy, struct store_bot **bot_out, berth_err *err);

#endif
