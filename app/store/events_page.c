/* events_page.c: lifecycle events, oldest first, by keyset (see include/berth/store_events.h). */
#include "store_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/store_events.h"

/* $2 NULL: from the first event. The position is rebuilt exactly from integer microseconds. */
#define PAGE_COLUMNS                                                                                                   \
	"SELECT e.id::text, e.bot_id::text, coalesce(e.container_id, ''), e.event_type, e.payload::text, " STORE_TIME( \
		"e.created_at") ", (extract(epoch FROM e.created_at) * 1000000)::bigint::text "                        \
				"FROM lifecycle_events e "
#define PAGE_AFTER                                                                                 \
	"($2::bigint IS NULL OR (e.created_at, e.id) > "                                           \
	"('epoch'::timestamptz + $2::bigint * interval '1 microsecond', $3::uuid)) "               \
	"ORDER BY e.created_at, e.id LIMIT $4::integer"

static const struct store_stmt S_PAGE_BOT = {
	STMT_EVENT_PAGE_BOT,
	"event_page_bot",
	PAGE_COLUMNS "WHERE e.bot_id = $1::uuid AND " PAGE_AFTER,
	4,
	true,
};
static const struct store_stmt S_PAGE_ALL = {
	STMT_EVENT_PAGE_ALL,
	"event_page_all",
	PAGE_COLUMNS "WHERE $1::text IS NULL AND " PAGE_AFTER,
	4,
	true,
};

void store_event_page_free(struct store_event_page *page)
{
	if (!page)
		return;
	for (size_t i = 0; i < page->count; i++)
		free(page->items[i].ev.payload);
	free(page->items);
	page->items = NULL;
	page->count = 0;
	page->more = false;
}

static int fill_row(const PGresult *res, int row, struct store_event_row *r, berth_err *err)
{
	struct store_event *e = &r->ev;
	const char *us = PQgetvalue(res, row, 6);
	char *end;

	if (store_event_fill(res, row, e, err) != 0)
		return -1;
	errno = 0;
	r->pos.created_us = (int64_t)strtoll(us, &end, 10);
	if (errno || end == us || *end) {
		free(e->payload); /* the caller frees only the rows that were filled */
		e->payload = NULL;
		return berth_err_set(err, BERTH_E_INTERNAL, "event %s: bad time '%s'", e->id, us);
	}
	memcpy(r->pos.id, e->id, sizeof r->pos.id);
	return 0;
}

int store_event_page(berth_store *store, const char *bot_id, const struct store_event_pos *after,
		     int limit, struct store_event_page *out, berth_err *err)
{
	char after_us[24], limit_text[16];
	const char *values[4] = { bot_id, NULL, NULL, limit_text };
	PGresult *res = NULL;
	int n;

	memset(out, 0, sizeof *out);
	if (limit < 1 || limit > STORE_EVENT_PAGE_MAX)
		return berth_err_set(err, BERTH_E_INVALID, "list events: limit must be 1..%d",
				     STORE_EVENT_PAGE_MAX);
	if (bot_id && store_check_uuid(bot_id, "bot id", err) != 0)
		goto fail;
	if (after) {
		if (store_check_uuid(after->id, "event id", err) != 0)
			goto fail;
		snprintf(after_us, sizeof after_us, "%" PRId64, after->created_us);
		values[1] = after_us;
		values[2] = after->id;
	}
	/* one more than asked: tells whether there is a next page */
	snprintf(limit_text, sizeof limit_text, "%d", limit + 1);
	if (!(res = store_exec(store, bot_id ? &S_PAGE_BOT : &S_PAGE_ALL, values, err)))
		goto fail;
	n = PQntuples(res);
	out->more = n > limit;
	if (n > limit)
		n = limit;
	if (n > 0 && !(out->items = calloc((size_t)n, sizeof *out->items))) {
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		goto fail;
	}
	for (int i = 0; i < n; i++) {
		if (fill_row(res, i, &out->items[i], err) != 0)
			goto fail;
		out->count++;
	}
	PQclear(res);
	return 0;
fail:
	PQclear(res);
	store_event_page_free(out);
	return berth_err_prefix(err, "list events");
}
