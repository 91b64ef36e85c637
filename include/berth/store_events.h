/* store_events.h: a bot's lifecycle events (app/store/events.c: add and newest-first list;
 * app/store/events_page.c: paging oldest first). Errors, ownership, ids and times:
 * berth/store_conn.h.
 */
#ifndef BERTH_STORE_EVENTS_H
#define BERTH_STORE_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
int store_event_add(berth_store *store, const char *bot_id, const char *container_id,
		    const char *event_type, const char *payload_json, berth_err *err);
/* The bot's newest events first, at most limit (limit <= 0: 100). */
int store_event_list(berth_store *store, const char *bot_id, int limit,
		     struct store_event_list *out, berth_err *err);

/* ---- paging, oldest first (events_page.c) ----
 *
 * Keyset paging on (created_at, id): a page holds the events strictly after a position, so a
 * client that passes the last event's position of one page gets the next page, and later events
 * once they are recorded (a position never goes stale). Events are ordered by created_at (the
 * database clock when the row was written) then id; an event committed late with an earlier
 * created_at than a position already returned is not seen by a cursor past it. The page's items
 * are allocated by the store: free with store_event_page_free. bot_id not a canonical UUID: INVALID.
 */

/* Where a page starts: after the event at (created_us, id). */
struct store_event_pos {
	int64_t created_us;	/* created_at in microseconds since the Unix epoch */
	char id[STORE_ID_SIZE]; /* canonical UUID */
};

struct store_event_row {
	struct store_event ev; /* payload owned by the page */
	struct store_event_pos pos;
};

struct store_event_page {
	struct store_event_row *items; /* owned by the page; oldest first */
	size_t count;
	bool more; /* events exist after the last item */
};
void store_event_page_free(struct store_event_page *page);

/* At most limit (1 .. STORE_EVENT_PAGE_MAX) events after *after (NULL: from the first), of bot_id
 * (NULL: of every bot). INVALID for a limit out of range. */
#define STORE_EVENT_PAGE_MAX 1000
int store_event_page(berth_store *store, const char *bot_id, const struct store_event_pos *after,
		     int limit, struct store_event_page *out, berth_err *err);

#endif
