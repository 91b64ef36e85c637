/* jsonscan.h: whether text is exactly one JSON object (RFC 8259), checked in one pass without
 * building it, and where its top-level members are. For relaying a JSON object that someone else
 * wrote (a bot's agent) without decoding and encoding it again.
 *
 * Accepted: one object with optional whitespace around it, nesting at most JSONSCAN_MAX_DEPTH,
 * strings of well-formed UTF-8 (berth/utf8.h) with no raw control characters and valid escapes
 * (\u0000 allowed; a \u escape of a surrogate only as a high-low pair). Anything else is refused,
 * including what a more lenient parser might take: a refusal is "not known to be fine", and the
 * caller decodes the text the slow way.
 *
 * Ownership: every span points into the text handed in (BORROWED).
 */
#ifndef BERTH_JSONSCAN_H
#define BERTH_JSONSCAN_H

#include <stddef.h>

#define JSONSCAN_MAX_DEPTH 256

/* One top-level member: the key's raw text between its quotes (escapes not decoded) and the raw
 * text of its value. */
struct jsonscan_member {
	const char *key;
	size_t key_len;
	const char *value;
	size_t value_len;
};

/* 0 when s[0, n) is one JSON object as above, else -1. The first max members (in order) go to
 * members (NULL when max is 0); *n_members (when not NULL) gets the number of all of them. */
int jsonscan_object(const char *s, size_t n, struct jsonscan_member *members, size_t max,
		    size_t *n_members);

#endif
