/* store_users.h: users and their identities (app/store/users.c).
 * Errors, ownership, ids and times: berth/store_conn.h.
 */
#ifndef BERTH_STORE_USERS_H
#define BERTH_STORE_USERS_H

#include <stdbool.h>
#include <stddef.h>

#include "berth/err.h"
#include "berth/store_conn.h"

struct store_user {
	char id[STORE_ID_SIZE];
	char username[STORE_NAME_SIZE];
	bool is_admin; /* users.role = 'admin' */
	bool is_active;
	char created_at[STORE_TIME_SIZE];
};

struct store_user_list {
	struct store_user *items; /* owned by the list */
	size_t count;
};
void store_user_list_free(struct store_user_list *list);

/* ALREADY_EXISTS if the username is taken; INVALID if it is empty or too long. */
int store_user_create(berth_store *store, const char *username, bool is_admin,
		      struct store_user *out, berth_err *err);
int store_user_get(berth_store *store, const char *user_id, struct store_user *out, berth_err *err);
int store_user_by_name(berth_store *store, const char *username, struct store_user *out,
		       berth_err *err);
/* All users, ordered by username. */
int store_user_list(berth_store *store, struct store_user_list *out, berth_err *err);
/* The user bound to (channel_type, subject), e.g. ("x509", "<subject DN>"). NOT_FOUND if none
 * (also when the identity exists but is bound to no user). */
int store_user_by_identity(berth_store *store, const char *channel_type, const char *subject,
			   struct store_user *out, berth_err *err);
/* Binds an identity to a user. ALREADY_EXISTS if (channel_type, subject) is bound already;
 * NOT_FOUND if the user does not exist. */
int store_identity_add(berth_store *store, const char *user_id, const char *channel_type,
		       const char *subject, berth_err *err);

#endif
