/* store_bots.h: bots and their members (app/store/bots.c).
 * Errors, ownership, ids and times: berth/store_conn.h.
 */
#ifndef BERTH_STORE_BOTS_H
#define BERTH_STORE_BOTS_H

#include <stdbool.h>
#include <stddef.h>

#include "berth/err.h"
#include "berth/store_conn.h"

struct store_bot {
	char id[STORE_ID_SIZE];
	char owner_user_id[STORE_ID_SIZE];
	bool is_public; /* bots.type = 'public' (else 'personal') */
	bool allow_guest;
	bool is_active;
	char status[STORE_STATE_SIZE]; /* creating | ready | deleting */
	char display_name[STORE_NAME_SIZE];
	char created_at[STORE_TIME_SIZE];
	char updated_at[STORE_TIME_SIZE];
};

struct store_bot_list {
	struct store_bot *items; /* owned by the list */
	size_t count;
};
void store_bot_list_free(struct store_bot_list *list);

struct store_bot_new {
	const char *id;		   /* NULL: the database picks a random UUID */
	const char *owner_user_id; /* required */
	const char *display_name;  /* NULL or "": none */
	bool is_public;
	bool allow_guest;
};

/* Status 'ready'. ALREADY_EXISTS if the id is taken; NOT_FOUND if the owner does not exist. */
int store_bot_create(berth_store *store, const struct store_bot_new *in, struct store_bot *out,
		     berth_err *err);
int store_bot_get(berth_store *store, const char *bot_id, struct store_bot *out, berth_err *err);
/* owner_user_id NULL: every bot; else the bots that user owns. Ordered by created_at, id. */
int store_bot_list(berth_store *store, const char *owner_user_id, struct store_bot_list *out,
		   berth_err *err);
/* True when a bot_members row exists for (bot, user), whatever its role. */
int store_bot_is_member(berth_store *store, const char *bot_id, const char *user_id, bool *out,
			berth_err *err);
/* role: "owner", "admin" or "member" (NULL: "member"). ALREADY_EXISTS if the user is a member
 * already; NOT_FOUND if the bot or user does not exist; INVALID for another role. */
int store_member_add(berth_store *store, const char *bot_id, const char *user_id, const char *role,
		     berth_err *err);

#endif
