/* http_events_cursor.h: the opaque cursor of the events routes (http; pure, no I/O).
 *
 * A cursor names a position in the event stream (berth/store_events.h: created_at in microseconds
 * and the event id). Clients get it as "next" and pass it back as ?since=; they must not read it.
 * Today it is "e1" + 16 lowercase hex digits (the microseconds, two's complement) + the 32 hex
 * digits of the id: 50 characters of [0-9a-z], safe in a URL as they are. Decoding refuses
 * anything else (length, prefix, alphabet, upper case), so a bad cursor is a 400, never a query.
 */
#ifndef BERTH_HTTP_EVENTS_CURSOR_H
#define BERTH_HTTP_EVENTS_CURSOR_H

#include <stddef.h>

#include "berth/err.h"
#include "berth/store_events.h"

#define HTTP_EVENTS_CURSOR_LEN 50

/* Writes the cursor of pos into buf (at least HTTP_EVENTS_CURSOR_LEN + 1 bytes). -1 (INVALID)
 * when pos->id is not a canonical UUID or buf is too small. */
int http_events_cursor_encode(const struct store_event_pos *pos, char *buf, size_t size,
			      berth_err *err);
/* Reads a cursor. INVALID "invalid cursor" for anything http_events_cursor_encode does not make. */
int http_events_cursor_decode(const char *text, struct store_event_pos *pos, berth_err *err);

/* The ?limit= of an events route: NULL or "" is def; else a decimal 1 .. max without sign, blanks
 * or leading zeros beyond "0"-free digits. INVALID "limit must be 1..<max>" otherwise. */
int http_events_limit(const char *text, int def, int max, int *out, berth_err *err);

#endif
