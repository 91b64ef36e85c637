/* bots.c: bots and their members (see include/berth/store_bots.h). */
#include "berth/store_bots.h"
#include "berth/store_conn.h"
#include "store_internal.h"

#include <stdlib.h>

#define BOT_COLUMNS                                                                                    \
	"b.id::text, b.owner_user_id::text, b.type = 'public', b.allow_guest, b.is_active, b.status, " \
	"coalesce(b.display_name, ''), " STORE_TIME("b.created_at") ", " STORE_TIME(                   \
		"b.updated_at")

static const struct store_stmt S_BOT_CREATE = {
	STMT_BOT_CREATE,
	"bot_create",
	"WITH b AS (INSERT INTO bots (owner_user_id, type, display_name, allow_guest) "
	"VALUES ($1::uuid, $2, nullif($3, ''), $4::boolean) RETURNING *) SELECT " BOT_COLUMNS
	" FROM b",
	4,
	false,
};
static const struct store_stmt S_BOT_CREATE_WITH_ID = {
	STMT_BOT_CREATE_WITH_ID,
	"bot_create_with_id",
	"WITH b AS (INSERT INTO bots (owner_user_id, type, display_name, allow_guest, id) "
	"VALUES ($1::uuid, $2, nullif($3, ''), $4::boolean, $5::uuid) RETURNING *) SELECT " BOT_COLUMNS
	" FROM b",
	5,
	false,
};
static const struct store_stmt S_BOT_GET = {
	STMT_BOT_GET, "bot_get", "SELECT " BOT_COLUMNS " FROM bots b WHERE b.id = $1::uuid", 1,
	true,
};
static const struct store_stmt S_BOT_LIST = {
	STMT_BOT_LIST,
	"bot_list",
	"SELECT " BOT_COLUMNS " FROM bots b ORDER BY b.created_at, b.id",
	0,
	true,
};
static const struct store_stmt S_BOT_LIST_BY_OWNER = {
	STMT_BOT_LIST_BY_OWNER,
	"bot_list_by_owner",
	"SELECT " BOT_COLUMNS
	" FROM bots b WHERE b.owner_user_id = $1::uuid ORDER BY b.created_at, b.id",
	1,
	true,
};
static const struct store_stmt S_BOT_IS_MEMBER = {
	STMT_BOT_IS_MEMBER,
	"bot_is_member",
	"SELECT EXISTS (SELECT 1 FROM bot_members WHERE bot_id = $1::uuid AND user_id = $2::uuid)",
	2,
	true,
};
static const struct store_stmt S_MEMBER_ADD = {
	STMT_MEMBER_ADD,
	"member_add",
	"INSERT INTO bot_members (bot_id, user_id, role) VALUES ($1::uuid, $2::uuid, $3)",
	3,
	false,
};

static int fill_bot(const PGresult *res, int row, void *item, berth_err *err)
{
	struct store_bot *out = item;

	if (store_copy(out->id, sizeof out->id, res, row, 0, err) != 0 ||
	    store_copy(out->owner_user_id, sizeof out->owner_user_id, res, row, 1, err) != 0 ||
	    store_copy(out->status, sizeof out->status, res, row, 5, err) != 0 ||
	    store_copy(out->display_name, sizeof out->display_name, res, row, 6, err) != 0 ||
	    store_copy(out->created_at, sizeof out->created_at, res, row, 7, err) != 0 ||
	    store_copy(out->updated_at, sizeof out->updated_at, res, row, 8, err) != 0)
		return -1;
	out->is_public = store_bool(res, row, 2);
	out->allow_guest = store_bool(res, row, 3);
	out->is_active = store_bool(res, row, 4);
	return 0;
}

int store_bot_create(berth_store *store, const struct store_bot_new *in, struct store_bot *out,
		     berth_err *err)
{
	const char *values[5] = { in->owner_user_id, in->is_public ? "public" : "personal",
				  in->display_name ? in->display_name : "",
				  in->allow_guest ? "true" : "false", in->id };
	struct store_bot ignored;

	if (store_check_uuid(in->owner_user_id, "owner user id", err) != 0 ||
	    (in->id && store_check_uuid(in->id, "bot id", err) != 0))
		return berth_err_prefix(err, "create bot");
	if (store_fetch_one(store, in->id ? &S_BOT_CREATE_WITH_ID : &S_BOT_CREATE, values,
			    out ? out : &ignored, fill_bot, "create bot", "bot", err) != 0) {
		if (err && err->kind == BERTH_E_ALREADY_EXISTS)
			return berth_err_set(err, BERTH_E_ALREADY_EXISTS,
					     "create bot: bot %s exists", in->id ? in->id : "");
		if (err && err->kind == BERTH_E_NOT_FOUND)
			return berth_err_set(err, BERTH_E_NOT_FOUND, "create bot: owner not found");
		return -1;
	}
	return 0;
}

int store_bot_get(berth_store *store, const char *bot_id, struct store_bot *out, berth_err *err)
{
	const char *values[1] = { bot_id };

	if (store_check_uuid(bot_id, "bot id", err) != 0)
		return -1;
	return store_fetch_one(store, &S_BOT_GET, values, out, fill_bot, "get bot", "bot", err);
}

int store_bot_list(berth_store *store, const char *owner_user_id, struct store_bot_list *out,
		   berth_err *err)
{
	const char *values[1] = { owner_user_id };
	void *items;

	out->items = NULL;
	out->count = 0;
	if (owner_user_id && store_check_uuid(owner_user_id, "owner user id", err) != 0)
		return berth_err_prefix(err, "list bots");
	if (store_fetch_list(store, owner_user_id ? &S_BOT_LIST_BY_OWNER : &S_BOT_LIST, values,
			     sizeof *out->items, fill_bot, &items, &out->count, "list bots",
			     err) != 0)
		return -1;
	out->items = items;
	return 0;
}

void store_bot_list_free(struct store_bot_list *list)
{
	if (!list)
		return;
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

int store_bot_is_member(berth_store *store, const char *bot_id, const char *user_id, bool *out,
			berth_err *err)
{
	const char *values[2] = { bot_id, user_id };
	PGresult *res;

	if (store_check_uuid(bot_id, "bot id", err) != 0 ||
	    store_check_uuid(user_id, "user id", err) != 0)
		return berth_err_prefix(err, "bot membership");
	res = store_exec(store, &S_BOT_IS_MEMBER, values, err);
	if (!res)
		return berth_err_prefix(err, "bot membership");
	*out = PQntuples(res) == 1 && store_bool(res, 0, 0);
	PQclear(res);
	return 0;
}

int store_member_add(berth_store *store, const char *bot_id, const char *user_id, const char *role,
		     berth_err *err)
{
	const char *values[3] = { bot_id, user_id, role ? role : "member" };

	if (store_check_uuid(bot_id, "bot id", err) != 0 ||
	    store_check_uuid(user_id, "user id", err) != 0)
		return berth_err_prefix(err, "add member");
	if (store_run(store, &S_MEMBER_ADD, values, NULL, "add member", err) != 0) {
		if (err && err->kind == BERTH_E_ALREADY_EXISTS)
			return berth_err_set(err, BERTH_E_ALREADY_EXISTS,
					     "add member: the user is a member already");
		if (err && err->kind == BERTH_E_NOT_FOUND)
			return berth_err_set(err, BERTH_E_NOT_FOUND,
					     "add member: bot or user not found");
		if (err && err->kind == BERTH_E_INVALID)
			return berth_err_set(err, BERTH_E_INVALID,
					     "add member: role must be owner, admin or member");
		return -1;
	}
	return 0;
}
