/* berthctl_db.c: the database commands of berthctl (migrate, user, identity, bot, member). */
#include <stdio.h>
#include <string.h>

#include "berth/store_bots.h"
#include "berth/store_conn.h"
#include "berth/store_migrate.h"
#include "berth/store_users.h"
#include "berth/uuid.h"
#include "berthctl.h"

#define NOPTS(a) (sizeof(a) / sizeof((a)[0]))

/* The store of the configured database; statement_timeout_ms < 0 takes the configured one. */
static berth_store *open_store(const struct berth_config *cfg, int statement_timeout_ms,
			       berth_err *err)
{
	return store_open(cfg->db_conninfo,
			  statement_timeout_ms < 0 ? cfg->db_statement_timeout_ms
						   : statement_timeout_ms,
			  err);
}

/* USER: a canonical user id, else a user name. */
static int resolve_user(berth_store *store, const char *user, struct store_user *out,
			berth_err *err)
{
	int rc = berth_uuid_is_canonical(user) ? store_user_get(store, user, out, err)
					       : store_user_by_name(store, user, out, err);

	if (rc != 0 && err && err->kind == BERTH_E_NOT_FOUND)
		berth_err_set(err, BERTH_E_NOT_FOUND, "user '%s' not found", user);
	return rc;
}

static int usage_error(const char *command, berth_err *err)
{
	berth_err_prefix(err, "%s", command);
	return berthctl_fail(err, 1);
}

int berthctl_cmd_migrate(const struct berth_config *cfg, int argc, char **argv)
{
	berth_err err = { 0 };
	berth_store *store;
	int applied = 0, version = 0, latest = 0;
	int rc = BERTHCTL_FAILED;

	if (berthctl_parse(argc, argv, NULL, 0, NULL, 0, 0, &err) != 0)
		return usage_error("migrate", &err);
	/* no statement_timeout: a migration may rewrite a large table */
	if (!(store = open_store(cfg, 0, &err)))
		return berthctl_fail(&err, 0);
	if (store_migrate(store, &applied, &err) != 0 ||
	    store_schema_version(store, &version, &latest, &err) != 0) {
		berthctl_fail(&err, 0);
		goto out;
	}
	printf("schema version %d (%d migration%s applied now)\n", version, applied,
	       applied == 1 ? "" : "s");
	rc = BERTHCTL_OK;
out:
	store_close(store);
	return rc;
}

static int user_create(berth_store *store, int argc, char **argv)
{
	berth_err err = { 0 };
	bool admin = false;
	const struct berthctl_opt opts[] = { { "admin", NULL, &admin } };
	const char *pos[1];
	struct store_user user;

	if (berthctl_parse(argc, argv, opts, NOPTS(opts), pos, 1, 1, &err) != 0)
		return usage_error("user create", &err);
	if (store_user_create(store, pos[0], admin, &user, &err) != 0)
		return berthctl_fail(&err, 0);
	printf("%s\n", user.id);
	return BERTHCTL_OK;
}

static int user_list(berth_store *store, int argc, char **argv)
{
	berth_err err = { 0 };
	struct store_user_list list;

	if (berthctl_parse(argc, argv, NULL, 0, NULL, 0, 0, &err) != 0)
		return usage_error("user list", &err);
	if (store_user_list(store, &list, &err) != 0)
		return berthctl_fail(&err, 0);
	for (size_t i = 0; i < list.count; i++)
		printf("%s\t%s\t%s\t%s\n", list.items[i].id, list.items[i].username,
		       list.items[i].is_admin ? "admin" : "member",
		       list.items[i].is_active ? "active" : "inactive");
	store_user_list_free(&list);
	return BERTHCTL_OK;
}

int berthctl_cmd_user(const struct berth_config *cfg, int argc, char **argv)
{
	berth_err err = { 0 };
	berth_store *store;
	int rc;

	if (argc < 1 || (strcmp(argv[0], "create") != 0 && strcmp(argv[0], "list") != 0)) {
		berth_err_set(&err, BERTH_E_INVALID, "user: expected 'create' or 'list'");
		return berthctl_fail(&err, 1);
	}
	if (!(store = open_store(cfg, -1, &err)))
		return berthctl_fail(&err, 0);
	rc = strcmp(argv[0], "create") == 0 ? user_create(store, argc - 1, argv + 1)
					    : user_list(store, argc - 1, argv + 1);
	store_close(store);
	return rc;
}

int berthctl_cmd_identity(const struct berth_config *cfg, int argc, char **argv)
{
	berth_err err = { 0 };
	const char *pos[3];
	berth_store *store;
	struct store_user user;
	int rc = BERTHCTL_FAILED;

	if (argc < 1 || strcmp(argv[0], "add") != 0) {
		berth_err_set(&err, BERTH_E_INVALID, "identity: expected 'add'");
		return berthctl_fail(&err, 1);
	}
	if (berthctl_parse(argc - 1, argv + 1, NULL, 0, pos, 3, 3, &err) != 0)
		return usage_error("identity add", &err);
	if (!(store = open_store(cfg, -1, &err)))
		return berthctl_fail(&err, 0);
	if (resolve_user(store, pos[0], &user, &err) != 0 ||
	    store_identity_add(store, user.id, pos[1], pos[2], &err) != 0) {
		berthctl_fail(&err, 0);
		goto out;
	}
	printf("%s\n", user.id);
	rc = BERTHCTL_OK;
out:
	store_close(store);
	return rc;
}

static int bot_create(berth_store *store, int argc, char **argv)
{
	berth_err err = { 0 };
	const char *owner = NULL, *id = NULL, *name = NULL, *type = NULL;
	bool is_public = false, allow_guest = false;
	const struct berthctl_opt opts[] = {
		{ "owner", &owner, NULL },	{ "id", &id, NULL },
		{ "name", &name, NULL },	{ "type", &type, NULL },
		{ "public", NULL, &is_public }, { "allow-guest", NULL, &allow_guest },
	};
	const char *pos[1];
	struct store_user user;
	struct store_bot bot;
	struct store_bot_new in;

	if (berthctl_parse(argc, argv, opts, NOPTS(opts), pos, 0, 1, &err) != 0)
		return usage_error("bot create", &err);
	if (!owner) {
		berth_err_set(&err, BERTH_E_INVALID, "bot create: --owner USER is required");
		return berthctl_fail(&err, 1);
	}
	if (pos[0] && name) {
		berth_err_set(&err, BERTH_E_INVALID,
			      "bot create: give the name once (NAME or --name)");
		return berthctl_fail(&err, 1);
	}
	if (type && strcmp(type, "public") != 0 && strcmp(type, "personal") != 0) {
		berth_err_set(&err, BERTH_E_INVALID,
			      "bot create: --type must be personal or public");
		return berthctl_fail(&err, 1);
	}
	if (id && !berth_uuid_is_canonical(id)) {
		berth_err_set(&err, BERTH_E_INVALID,
			      "bot create: --id must be a canonical (lowercase) UUID");
		return berthctl_fail(&err, 1);
	}
	if (resolve_user(store, owner, &user, &err) != 0)
		return berthctl_fail(&err, 0);
	in = (struct store_bot_new){
		.id = id,
		.owner_user_id = user.id,
		.display_name = name ? name : pos[0],
		.is_public = is_public || (type && strcmp(type, "public") == 0),
		.allow_guest = allow_guest,
	};
	if (store_bot_create(store, &in, &bot, &err) != 0)
		return berthctl_fail(&err, 0);
	printf("%s\n", bot.id);
	return BERTHCTL_OK;
}

static int bot_list(berth_store *store, int argc, char **argv)
{
	berth_err err = { 0 };
	const char *owner = NULL;
	const struct berthctl_opt opts[] = { { "owner", &owner, NULL } };
	struct store_user user;
	struct store_bot_list list;

	if (berthctl_parse(argc, argv, opts, NOPTS(opts), NULL, 0, 0, &err) != 0)
		return usage_error("bot list", &err);
	if (owner && resolve_user(store, owner, &user, &err) != 0)
		return berthctl_fail(&err, 0);
	if (store_bot_list(store, owner ? user.id : NULL, &list, &err) != 0)
		return berthctl_fail(&err, 0);
	for (size_t i = 0; i < list.count; i++)
		printf("%s\t%s\t%s\t%s\t%s\n", list.items[i].id, list.items[i].owner_user_id,
		       list.items[i].is_public ? "public" : "personal", list.items[i].status,
		       list.items[i].display_name);
	store_bot_list_free(&list);
	return BERTHCTL_OK;
}

int berthctl_cmd_bot(const struct berth_config *cfg, int argc, char **argv)
{
	berth_err err = { 0 };
	berth_store *store;
	int rc;

	if (argc < 1 || (strcmp(argv[0], "create") != 0 && strcmp(argv[0], "list") != 0)) {
		berth_err_set(&err, BERTH_E_INVALID, "bot: expected 'create' or 'list'");
		return berthctl_fail(&err, 1);
	}
	if (!(store = open_store(cfg, -1, &err)))
		return berthctl_fail(&err, 0);
	rc = strcmp(argv[0], "create") == 0 ? bot_create(store, argc - 1, argv + 1)
					    : bot_list(store, argc - 1, argv + 1);
	store_close(store);
	return rc;
}

int berthctl_cmd_member(const struct berth_config *cfg, int argc, char **argv)
{
	berth_err err = { 0 };
	const char *role = NULL;
	const struct berthctl_opt opts[] = { { "role", &role, NULL } };
	const char *pos[2];
	berth_store *store;
	struct store_user user;
	int rc = BERTHCTL_FAILED;

	if (argc < 1 || strcmp(argv[0], "add") != 0) {
		berth_err_set(&err, BERTH_E_INVALID, "member: expected 'add'");
		return berthctl_fail(&err, 1);
	}
	if (berthctl_parse(argc - 1, argv + 1, opts, NOPTS(opts), pos, 2, 2, &err) != 0)
		return usage_error("member add", &err);
	if (role && strcmp(role, "owner") != 0 && strcmp(role, "admin") != 0 &&
	    strcmp(role, "member") != 0) {
		berth_err_set(&err, BERTH_E_INVALID,
			      "member add: --role must be owner, admin or member");
		return berthctl_fail(&err, 1);
	}
	if (!(store = open_store(cfg, -1, &err)))
		return berthctl_fail(&err, 0);
	if (resolve_user(store, pos[1], &user, &err) != 0 ||
	    store_member_add(store, pos[0], user.id, role, &err) != 0) {
		berthctl_fail(&err, 0);
		goto out;
	}
	rc = BERTHCTL_OK;
out:
	store_close(store);
	return rc;
}
