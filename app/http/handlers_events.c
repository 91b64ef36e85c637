/* handlers_events.c: GET /bots/:bot_id/container/events and GET /events (see
 * include/berth/http_handlers_events.h). Each request runs one bounded store query and answers. */
#include "berth/http_handlers_events.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "berth/http_context.h"
#include "berth/http_events_cursor.h"
#include "berth/http_request.h"
#include "berth/http_response.h"
#include "berth/log.h"
#include "berth/store_bots.h"
#include "berth/store_events.h"

static json_t *event_json(const struct store_event *e)
{
	json_error_t jerr;
	json_t *payload = json_loads(e->payload ? e->payload : "{}", JSON_DECODE_ANY, &jerr);

	if (!payload) /* the column is jsonb: this does not happen, but never send a broken body */
		payload = json_object();
	return json_pack(
		"{s:s, s:s, s:o, s:s, s:o, s:s}", "id", e->id, "bot_id", e->bot_id, "container_id",
		e->container_id[0] ? json_string(e->container_id) : json_null(), "event_type",
		e->event_type, "payload", payload, "created_at", e->created_at);
}

static int events_page(struct http_req *req, struct http_resp *resp, const char *bot_id)
{
	const char *since = http_req_query(req, "since");
	struct store_event_page page = { 0 };
	struct store_event_pos after;
	char next[HTTP_EVENTS_CURSOR_LEN + 1];
	json_t *events = NULL, *body;
	berth_store *store;
	berth_err err;
	int limit;

	if (since && *since && http_events_cursor_decode(since, &after, &err) < 0)
		return http_resp_error(resp, 400, "invalid_cursor", "since: %s", err.msg);
	if (http_events_limit(http_req_query(req, "limit"), HTTP_EVENTS_LIMIT_DEFAULT,
			      HTTP_EVENTS_LIMIT_MAX, &limit, &err) < 0)
		return http_resp_error(resp, 400, "invalid_limit", "%s", err.msg);
	if (!(store = worker_store(req->ctx, &err)))
		return http_resp_err(resp, &err);
	if (store_event_page(store, bot_id, since && *since ? &after : NULL, limit, &page, &err) <
	    0)
		return http_resp_err(resp, &err);
	if (!(events = json_array()))
		goto oom;
	for (size_t i = 0; i < page.count; i++)
		if (json_array_append_new(events, event_json(&page.items[i].ev)) < 0)
			goto oom;
	if (page.count > 0) {
		if (http_events_cursor_encode(&page.items[page.count - 1].pos, next, sizeof next,
					      &err) < 0) {
			blog(BLOG_ERROR, "events: %s", err.msg);
			goto oom;
		}
	} else if (since && *since) {
		snprintf(next, sizeof next, "%s",
			 since); /* decoded above: exactly the cursor length */
	} else {
		next[0] = '\0';
	}
	body = json_pack("{s:o, s:o, s:b}", "events", events, "next",
			 next[0] ? json_string(next) : json_null(), "has_more", page.more);
	store_event_page_free(&page);
	return http_resp_json(resp, 200, body); /* NULL (out of memory) becomes a 500 */
oom:
	json_decref(events);
	store_event_page_free(&page);
	return http_resp_error(resp, 500, "internal", "internal error");
}

int http_bot_events(struct http_req *req, struct http_resp *resp)
{
	return events_page(req, resp, req->bot->id);
}

int http_all_events(struct http_req *req, struct http_resp *resp)
{
	if (!req->caller.is_admin)
		return http_resp_error(resp, 403, "admin_required",
				       "only admins may read every bot's events");
	return events_page(req, resp, NULL);
}
