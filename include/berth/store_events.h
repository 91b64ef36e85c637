/* store_events.h: paging through lifecycle events, oldest first (clients: the store).
 *
 * Keyset paging on (created_at, id): a page holds the events strictly after a position, so a
 * client that passes the last event's position of one page gets the next page, and later events
 * once they are recorded (a cursor never goes stale). Events are ordered by created_at (the
 * database clock when the row was written) then id; an event committed late with an earlier
 * created_at than a position already returned is not seen by a cursor past it.
 *
 * Ownership: the page's items are allocated by the store; free with store_event_page_free.
 * Arguments are borrowed for the call. Errors as store.h (bot_id not a canonical UUID: INVALID).
 */
#ifndef BERTH_STORE_EVENTS_H
#define BERTH_STORE_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "berth/err.h"
#include "berth/store.h"

/* Where a page starts: after the event at (created_us, id). */
struct store_event_pos {
	int64_t created_us;      /* created_at in microseconds since the Unix epoch */
	char id[STORE_ID_SIZE];  /* canonical UUID */
};

struct store_event_row {
	struct store_event ev;   /* payload owned by the page */
	struct store_event_pos pos;
};

struct store_event_page {
	struct store_event_row *items; /* owned by the page; oldest first */
	size_t count;
	bool more;                     /* events exist after the last item */
};
void store_event_page_free(struct store_event_page *page);

/* At most limit (1 .. STORE_EVENT_PAGE_MAX) events after *after (NULL: from the first), of bot_id
 * (NULL: of every bot). INVALID for a limit out of range. */
#define STORE_EVENT_PAGE_MAX 1000
int store_event_page(berth_store *store, const char *bot_id, const struct store_event_pos *after, int limit,
		     struct store_event_page *out, berth_err *err);

#endif
