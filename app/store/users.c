/* users.c: users and their channel identities (see include/berth/store_users.h). */
#include "berth/store_conn.h"
#include "berth/store_users.h"
#include "store_internal.h"

#include <stdlib.h>

#define USER_COLUMNS                                                                               \
	"u.id::text, u.username, u.role = 'admin', u.is_active, " STORE_TIME("u.created_at")

static const struct store_stmt S_USER_CREATE = {
	STMT_USER_CREATE,
	"user_create",
	"WITH u AS (INSERT INTO users (username, role) VALUES ($1, $2::user_role) RETURNING *) "
	"SELECT " USER_COLUMNS " FROM u",
	2,
	false,
};
static const struct store_stmt S_USER_GET = {
	STMT_USER_GET, "user_get", "SELECT " USER_COLUMNS " FROM users u WHERE u.id = $1::uuid", 1,
	true,
};
static const struct store_stmt S_USER_BY_NAME = {
	STMT_USER_BY_NAME,
	"user_by_name",
	"SELECT " USER_COLUMNS " FROM users u WHERE u.username = $1",
	1,
	true,
};
static const struct store_stmt S_USER_LIST = {
	STMT_USER_LIST, "user_list", "SELECT " USER_COLUMNS " FROM users u ORDER BY u.username", 0,
	true,
};
static const struct store_stmt S_USER_BY_IDENTITY = {
	STMT_USER_BY_IDENTITY,
	"user_by_identity",
	"SELECT " USER_COLUMNS " FROM channel_identities ci JOIN users u ON u.id = ci.user_id "
	"WHERE ci.channel_type = $1 AND ci.channel_subject_id = $2",
	2,
	true,
};
static const struct store_stmt S_IDENTITY_ADD = {
	STMT_IDENTITY_ADD,
	"identity_add",
	"INSERT INTO channel_identities (user_id, channel_type, channel_subject_id) VALUES ($1::uuid, $2, $3)",
	3,
	false,
};

static int fill_user(const PGresult *res, int row, void *item, berth_err *err)
{
	struct store_user *out = item;

	if (store_copy(out->id, sizeof out->id, res, row, 0, err) != 0 ||
	    store_copy(out->username, sizeof out->username, res, row, 1, err) != 0 ||
	    store_copy(out->created_at, sizeof out->created_at, res, row, 4, err) != 0)
		return -1;
	out->is_admin = store_bool(res, row, 2);
	out->is_active = store_bool(res, row, 3);
	return 0;
}

int store_user_create(berth_store *store, const char *username, bool is_admin,
		      struct store_user *out, berth_err *err)
{
	const char *values[2] = { username, is_admin ? "admin" : "member" };
	struct store_user ignored;

	if (store_check_text(username, "username", err) != 0)
		return berth_err_prefix(err, "create user");
	if (store_fetch_one(store, &S_USER_CREATE, values, out ? out : &ignored, fill_user,
			    "create user", "user", err) != 0) {
		if (err && err->kind == BERTH_E_ALREADY_EXISTS)
			berth_err_set(err, BERTH_E_ALREADY_EXISTS,
				      "create user: username '%s' is taken", username);
		return -1;
	}
	return 0;
}

int store_user_get(berth_store *store, const char *user_id, struct store_user *out, berth_err *err)
{
	const char *values[1] = { user_id };

	if (store_check_uuid(user_id, "user id", err) != 0)
		return -1;
	return store_fetch_one(store, &S_USER_GET, values, out, fill_user, "get user", "user", err);
}

int store_user_by_name(berth_store *store, const char *username, struct store_user *out,
		       berth_err *err)
{
	const char *values[1] = { username };

	if (store_check_text(username, "username", err) != 0)
		return -1;
	return store_fetch_one(store, &S_USER_BY_NAME, values, out, fill_user, "get user by name",
			       "user", err);
}

int store_user_by_identity(berth_store *store, const char *channel_type, const char *subject,
			   struct store_user *out, berth_err *err)
{
	const char *values[2] = { channel_type, subject };

	if (store_check_text(channel_type, "channel type", err) != 0 ||
	    store_check_text(subject, "subject", err) != 0)
		return berth_err_prefix(err, "user by identity");
	return store_fetch_one_cached(store, &S_USER_BY_IDENTITY, values, out, sizeof *out,
				      fill_user, "user by identity", "identity", err);
}

int store_user_list(berth_store *store, struct store_user_list *out, berth_err *err)
{
	void *items;

	if (store_fetch_list(store, &S_USER_LIST, NULL, sizeof *out->items, fill_user, &items,
			     &out->count, "list users", err) != 0)
		return -1;
	out->items = items;
	return 0;
}

void store_user_list_free(struct store_user_list *list)
{
	if (!list)
		return;
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

int store_identity_add(berth_store *store, const char *user_id, const char *channel_type,
		       const char *subject, berth_err *err)
{
	const char *values[3] = { user_id, channel_type, subject };
	PGresult *res;

	if (store_check_uuid(user_id, "user id", err) != 0 ||
	    store_check_text(channel_type, "channel type", err) != 0 ||
	    store_check_text(subject, "subject", err) != 0)
		return berth_err_prefix(err, "add identity");
	res = store_exec(store, &S_IDENTITY_ADD, values, err);
	if (!res) {
		if (err && err->kind == BERTH_E_ALREADY_EXISTS)
			return berth_err_set(err, BERTH_E_ALREADY_EXISTS,
					     "add identity: %s identity is bound already",
					     channel_type);
		if (err && err->kind == BERTH_E_NOT_FOUND)
			return berth_err_set(err, BERTH_E_NOT_FOUND,
					     "add identity: user not found");
		return berth_err_prefix(err, "add identity");
	}
	PQclear(res);
	return 0;
}
