/* store_events.h: a bot's lifecycle events (app/store/events.c).
 * Errors, ownership, ids and times: berth/store_conn.h.
 */
#ifndef BERTH_STORE_EVENTS_H
#define BERTH_STORE_EVENTS_H

#include <stddef.h>

#include "berth/err.h"
#include "berth/store_conn.h"

struct store_event {
	char id[STORE_ID_SIZE];
	char bot_id[STORE_ID_SIZE];
	char container_id[STORE_CTR_ID_SIZE];
	char event_type[STORE_NAME_SIZE];
	char *payload; /* JSON text, owned by the list (freed by store_event_list_free) */
	char created_at[STORE_TIME_SIZE];
};

struct store_event_list {
	struct store_event *items; /* owned by the list */
	size_t count;
};
void store_event_list_free(struct store_event_list *list);

/* payload: JSON text (NULL: "{}"); INVALID if it is not JSON. container_id may be NULL.
 * NOT_FOUND if the bot does not exist. */
int store_event_add(berth_store *store, const char *bot_id, const char *container_id, const char *event_type,
		    const char *payload_json, berth_err *err);
/* The bot's newest events first, at most limit (limit <= 0: 100). */
int store_event_list(berth_store *store, const char *bot_id, int limit, struct store_event_list *out,
		     berth_err *err);

#endif
