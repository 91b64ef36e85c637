/* events_cursor.c: the events routes' cursor and limit (see include/berth/http_events_cursor.h). */
#include "berth/http_events_cursor.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "berth/uuid.h"

static const char hex[] = "0123456789abcdef";

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int http_events_cursor_encode(const struct store_event_pos *pos, char *buf, size_t size,
			      berth_err *err)
{
	uint64_t us = (uint64_t)pos->created_us;
	size_t out = 0;

	if (size < HTTP_EVENTS_CURSOR_LEN + 1 || !berth_uuid_is_canonical(pos->id))
		return berth_err_set(err, BERTH_E_INVALID, "cannot make a cursor");
	buf[out++] = 'e';
	buf[out++] = '1';
	for (int shift = 60; shift >= 0; shift -= 4)
		buf[out++] = hex[(us >> shift) & 0xf];
	for (const char *p = pos->id; *p; p++)
		if (*p != '-')
			buf[out++] = *p;
	buf[out] = '\0';
	return 0;
}

int http_events_cursor_decode(const char *text, struct store_event_pos *pos, berth_err *err)
{
	uint64_t us = 0;
	size_t out = 0;

	if (!text || strlen(text) != HTTP_EVENTS_CURSOR_LEN || text[0] != 'e' || text[1] != '1')
		goto bad;
	for (size_t i = 2; i < 18; i++) {
		int v = hex_value(text[i]);
		if (v < 0)
			goto bad;
		us = us << 4 | (uint64_t)v;
	}
	for (size_t i = 18; i < HTTP_EVENTS_CURSOR_LEN; i++) {
		if (hex_value(text[i]) < 0)
			goto bad;
		if (i == 18 + 8 || i == 18 + 12 || i == 18 + 16 || i == 18 + 20)
			pos->id[out++] = '-';
		pos->id[out++] = text[i];
	}
	pos->id[out] = '\0';
	pos->created_us = (int64_t)us;
	return 0;
bad:
	return berth_err_set(err, BERTH_E_INVALID, "invalid cursor");
}

int http_events_limit(const char *text, int def, int max, int *out, berth_err *err)
{
	long v = 0;
	size_t len;

	if (!text || !*text) {
		*out = def;
		return 0;
	}
	len = strlen(text);
	if (len > 9 || text[0] == '0' || strspn(text, "0123456789") != len)
		goto bad;
	for (size_t i = 0; i < len; i++)
		v = v * 10 + (text[i] - '0');
	if (v < 1 || v > max)
		goto bad;
	*out = (int)v;
	return 0;
bad:
	return berth_err_set(err, BERTH_E_INVALID, "limit must be 1..%d", max);
}
