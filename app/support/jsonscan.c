/* jsonscan.c: one-pass check of a JSON object (see include/berth/jsonscan.h). */
#include "berth/jsonscan.h"

#include <stdbool.h>
#include <stdint.h>

#include "berth/utf8.h"

struct scan {
	const unsigned char *p, *end;
};

static void skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int hex4(struct scan *s, uint32_t *v)
{
	*v = 0;
	if (s->end - s->p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		unsigned char c = *s->p++;

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

/* A string, *s->p being its opening quote. */
static int scan_string(struct scan *s)
{
	s->p++;
	while (s->p < s->end) {
		unsigned char c = *s->p;

		if (c == '"') {
			s->p++;
			return 0;
		}
		if (c < 0x20)
			return -1;
		if (c == '\\') {
			uint32_t u, low;

			if (++s->p >= s->end)
				return -1;
			c = *s->p++;
			if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' ||
			    c == 'r' || c == 't')
				continue;
			if (c != 'u' || hex4(s, &u) < 0)
				return -1;
			if (u >= 0xDC00 && u <= 0xDFFF)
				return -1;
			if (u >= 0xD800 && u <= 0xDBFF) {
				if (s->end - s->p < 2 || s->p[0] != '\\' || s->p[1] != 'u')
					return -1;
				s->p += 2;
				if (hex4(s, &low) < 0 || low < 0xDC00 || low > 0xDFFF)
					return -1;
			}
			continue;
		}
		if (c < 0x80) {
			s->p++;
			continue;
		}
		uint32_t cp;
		size_t len = utf8_seq(s->p, (size_t)(s->end - s->p), &cp);

		if (len == 0)
			return -1;
		s->p += len;
	}
	return -1;
}

static bool digit(const struct scan *s)
{
	return s->p < s->end && *s->p >= '0' && *s->p <= '9';
}

static int scan_number(struct scan *s)
{
	if (*s->p == '-')
		s->p++;
	if (!digit(s))
		return -1;
	if (*s->p == '0')
		s->p++;
	else
		while (digit(s))
			s->p++;
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (!digit(s))
			return -1;
		while (digit(s))
			s->p++;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (!digit(s))
			return -1;
		while (digit(s))
			s->p++;
	}
	return 0;
}

static int scan_word(struct scan *s, const char *word, size_t n)
{
	if ((size_t)(s->end - s->p) < n)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (s->p[i] != (unsigned char)word[i])
			return -1;
	s->p += n;
	return 0;
}

static int scan_value(struct scan *s, int depth);

/* After an object's member or an array's element: 0 past the closing bracket close, 1 past a ','
 * and the white space after it (another one follows), -1 on anything else. */
static int scan_next(struct scan *s, unsigned char close)
{
	skip_ws(s);
	if (s->p >= s->end)
		return -1;
	if (*s->p == close) {
		s->p++;
		return 0;
	}
	if (*s->p != ',')
		return -1;
	s->p++;
	skip_ws(s);
	return 1;
}

/* An object, *s->p being its '{'; at depth 0 its members are recorded. */
static int scan_object(struct scan *s, int depth, struct jsonscan_member *members, size_t max,
		       size_t *count)
{
	int rc;

	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		return 0;
	}
	for (;;) {
		const unsigned char *key, *key_end, *value;

		if (s->p >= s->end || *s->p != '"')
			return -1;
		key = s->p;
		if (scan_string(s) < 0)
			return -1;
		key_end = s->p;
		skip_ws(s);
		if (s->p >= s->end || *s->p != ':')
			return -1;
		s->p++;
		skip_ws(s);
		value = s->p;
		if (scan_value(s, depth + 1) < 0)
			return -1;
		if (count) {
			if (*count < max) {
				members[*count].key = (const char *)key + 1;
				members[*count].key_len = (size_t)(key_end - key) - 2;
				members[*count].value = (const char *)value;
				members[*count].value_len = (size_t)(s->p - value);
			}
			(*count)++;
		}
		if ((rc = scan_next(s, '}')) <= 0)
			return rc;
	}
}

static int scan_array(struct scan *s, int depth)
{
	int rc;

	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == ']') {
		s->p++;
		return 0;
	}
	for (;;) {
		if (scan_value(s, depth + 1) < 0)
			return -1;
		if ((rc = scan_next(s, ']')) <= 0)
			return rc;
	}
}

static int scan_value(struct scan *s, int depth)
{
	if (depth > JSONSCAN_MAX_DEPTH || s->p >= s->end)
		return -1;
	switch (*s->p) {
	case '{': return scan_object(s, depth, NULL, 0, NULL);
	case '[': return scan_array(s, depth);
	case '"': return scan_string(s);
	case 't': return scan_word(s, "true", 4);
	case 'f': return scan_word(s, "false", 5);
	case 'n': return scan_word(s, "null", 4);
	default: return scan_number(s);
	}
}

int jsonscan_object(const char *text, size_t n, struct jsonscan_member *members, size_t max,
		    size_t *n_members)
{
	struct scan s = { (const unsigned char *)text, (const unsigned char *)text + n };
	size_t count = 0;

	if (n_members)
		*n_members = 0;
	if (!members)
		max = 0;
	skip_ws(&s);
	if (s.p >= s.end || *s.p != '{' || scan_object(&s, 0, members, max, &count) < 0)
		return -1;
	skip_ws(&s);
	if (s.p != s.end)
		return -1;
	if (n_members)
		*n_members = count;
	return 0;
}
