/* store_access.h: who is calling and the bot they call on, in one query (the store's part of
 * authenticating a request on a bot route: one database round trip instead of two or three).
 *
 * Ownership: strings are borrowed; out is the caller's.
 */
#ifndef BERTH_STORE_ACCESS_H
#define BERTH_STORE_ACCESS_H

#include <stdbool.h>

#include "berth/err.h"
#include "berth/store_bots.h"
#include "berth/store_conn.h"
#include "berth/store_users.h"

struct store_access {
	struct store_user user; /* the user bound to the identity */
	bool bot_found;		/* whether bot bot_id exists; bot and caller_is_member only then */
	struct store_bot bot;
	bool caller_is_member; /* a bot_members row exists for (bot, user), whatever its role */
};

/* The user bound to (channel_type, subject), as store_user_by_identity (BERTH_E_NOT_FOUND when
 * the identity is unknown), and the bot bot_id (a canonical UUID, else BERTH_E_INVALID) as
 * store_bot_get and store_bot_is_member would read it, in the same snapshot. */
int store_access_get(berth_store *store, const char *channel_type, const char *subject,
		     const char *bot_id, struct store_access *out, berth_err *err);

#endif
