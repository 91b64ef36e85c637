/* access.c: the caller and the bot of a request in one query (see include/berth/store_access.h). */
#include "berth/store_access.h"

#include <stdint.h>
#include <string.h>

#include "store_internal.h"

/* users.c's USER_COLUMNS and bots.c's BOT_COLUMNS (empty when there is no such bot), then the
 * membership. */
static const struct store_stmt S_ACCESS_GET = {
	STMT_ACCESS_GET,
	"access_get",
	"SELECT u.id::text, u.username, u.role = 'admin', u.is_active, " STORE_TIME(
		"u.created_at") ", "
				"b.id IS NOT NULL, coalesce(b.id::text, ''), coalesce(b.owner_user_id::text, ''), "
				"coalesce(b.type = 'public', false), coalesce(b.allow_guest, false), coalesce(b.is_active, false), "
				"coalesce(b.status, ''), coalesce(b.display_name, ''), " STORE_TIME("b.created_at") ", " STORE_TIME(
					"b.updated_at") ", "
							"EXISTS (SELECT 1 FROM bot_members m WHERE m.bot_id = b.id AND m.user_id = u.id) "
							"FROM channel_identities ci JOIN users u ON u.id = ci.user_id LEFT JOIN bots b ON b.id = $3::uuid "
							"WHERE ci.channel_type = $1 AND ci.channel_subject_id = $2",
	3,
	true,
};

static int fill_access(const PGresult *res, int row, void *item, berth_err *err)
{
	struct store_access *out = item;

	memset(out, 0, sizeof *out);
	if (store_copy(out->user.id, sizeof out->user.id, res, row, 0, err) != 0 ||
	    store_copy(out->user.username, sizeof out->user.username, res, row, 1, err) != 0 ||
	    store_copy(out->user.created_at, sizeof out->user.created_at, res, row, 4, err) != 0)
		return -1;
	out->user.is_admin = store_bool(res, row, 2);
	out->user.is_active = store_bool(res, row, 3);
	out->bot_found = store_bool(res, row, 5);
	if (!out->bot_found)
		return 0;
	if (store_copy(out->bot.id, sizeof out->bot.id, res, row, 6, err) != 0 ||
	    store_copy(out->bot.owner_user_id, sizeof out->bot.owner_user_id, res, row, 7, err) !=
		    0 ||
	    store_copy(out->bot.status, sizeof out->bot.status, res, row, 11, err) != 0 ||
	    store_copy(out->bot.display_name, sizeof out->bot.display_name, res, row, 12, err) !=
		    0 ||
	    store_copy(out->bot.created_at, sizeof out->bot.created_at, res, row, 13, err) != 0 ||
	    store_copy(out->bot.updated_at, sizeof out->bot.updated_at, res, row, 14, err) != 0)
		return -1;
	out->bot.is_public = store_bool(res, row, 8);
	out->bot.allow_guest = store_bool(res, row, 9);
	out->bot.is_active = store_bool(res, row, 10);
	out->caller_is_member = store_bool(res, row, 15);
	return 0;
}

int store_access_get(berth_store *store, const char *channel_type, const char *subject,
		     const char *bot_id, struct store_access *out, berth_err *err)
{
	const char *values[3] = { channel_type, subject, bot_id };
	uint64_t tag;

	if (store_check_text(channel_type, "channel type", err) != 0 ||
	    store_check_text(subject, "subject", err) != 0 ||
	    store_check_uuid(bot_id, "bot id", err) != 0)
		return berth_err_prefix(err, "caller and bot");
	if (store_cache_get(store, S_ACCESS_GET.id, values, 3, out, sizeof *out, &tag))
		return 0;
	if (store_fetch_one(store, &S_ACCESS_GET, values, out, fill_access, "caller and bot",
			    "identity", err) != 0)
		return -1;
	/* Like a NOT_FOUND, a bot that does not exist (yet) is never kept. */
	if (out->bot_found)
		store_cache_put(store, S_ACCESS_GET.id, values, 3, out, sizeof *out, tag);
	return 0;
}
