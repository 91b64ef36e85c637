/* http_handlers_events.h: the lifecycle events routes (http_handler contract of berth/http_dispatch.h).
 *
 * Both page oldest first and answer at once (no long-poll: a client polls with the last "next"):
 *   200 {"events": [{"id","bot_id","container_id" (null when none),"event_type","payload" (JSON),
 *        "created_at"}...], "next": <cursor or null>, "has_more": bool}
 * ?since=<cursor> starts after the event the cursor names (http_events_cursor.h), ?limit= is
 * 1..1000 (default 100); "next" is the cursor of the last event returned, or the since given when
 * the page is empty (null when none was). 400 invalid_cursor / invalid_limit for bad values.
 */
#ifndef BERTH_HTTP_HANDLERS_EVENTS_H
#define BERTH_HTTP_HANDLERS_EVENTS_H

struct http_req;  /* http_request.h */
struct http_resp; /* http_response.h */

#define HTTP_EVENTS_LIMIT_DEFAULT 100
#define HTTP_EVENTS_LIMIT_MAX 1000

/* GET /bots/:bot_id/container/events: the bot's events (bot policy: owner or admin). */
int http_bot_events(struct http_req *req, struct http_resp *resp);
/* GET /events: every bot's events; admins only (403 admin_required). */
int http_all_events(struct http_req *req, struct http_resp *resp);

#endif
