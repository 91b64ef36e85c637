/* tool_edit.c: edit, one replacement of old_text by new_text, with the original's rules: the BOM
 * and the file's line ending (CRLF when its first line ending is CRLF) are taken off and put back;
 * an exact match first, else a match after the fuzzy normalisation, which then rewrites the whole
 * file in normalised form; the normalised old text must occur once; a no-op is an error. */
#include "agent.h"

#include <stdlib.h>
#include <string.h>

#define UTF8_BOM "\xef\xbb\xbf"

static int oom(berth_err *err)
{
	return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
}

/* CRLF and lone CR become LF. NEW malloc'd. */
static char *to_lf(const char *s, size_t len, size_t *out_len)
{
	char *out = malloc(len + 1);
	size_t i, n = 0;

	if (!out)
		return NULL;
	for (i = 0; i < len; i++) {
		if (s[i] == '\r') {
			out[n++] = '\n';
			if (i + 1 < len && s[i + 1] == '\n')
				i++;
		} else {
			out[n++] = s[i];
		}
	}
	out[n] = '\0';
	*out_len = n;
	return out;
}

/* The ASCII byte a fuzzy-normalised character at s becomes, and its length in *seq; 0 when it
 * stays as it is. Smart quotes, Unicode dashes and the minus sign, exotic spaces. */
static char fuzzy_map(const unsigned char *s, size_t len, size_t *seq)
{
	if (len >= 2 && s[0] == 0xc2 && s[1] == 0xa0) { /* U+00A0 */
		*seq = 2;
		return ' ';
	}
	if (len < 3)
		return 0;
	*seq = 3;
	if (s[0] == 0xe2 && s[1] == 0x80) {
		if (s[2] >= 0x98 && s[2] <= 0x9b) /* U+2018..U+201B */
			return '\'';
		if (s[2] >= 0x9c && s[2] <= 0x9f) /* U+201C..U+201F */
			return '"';
		if (s[2] >= 0x90 && s[2] <= 0x95) /* U+2010..U+2015 */
			return '-';
		if ((s[2] >= 0x82 && s[2] <= 0x8a) || s[2] == 0xaf) /* U+2002..U+200A, U+202F */
			return ' ';
		return 0;
	}
	if (s[0] == 0xe2 && s[1] == 0x88 && s[2] == 0x92) /* U+2212 */
		return '-';
	if (s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f) /* U+205F */
		return ' ';
	if (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80) /* U+3000 */
		return ' ';
	return 0;
}

static bool is_trailing_space(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

char *edit_fuzzy_normalize(const char *s, size_t len, size_t *out_len)
{
	const unsigned char *u = (const unsigned char *)s;
	char *out = malloc(len + 1); /* every mapping shortens or keeps the text */
	size_t i = 0, n = 0, line_start = 0;

	if (!out)
		return NULL;
	while (i < len) {
		size_t seq = 1;
		char mapped = u[i] >= 0x80 ? fuzzy_map(u + i, len - i, &seq) : 0;

		if (u[i] == '\n') {
			while (n > line_start && is_trailing_space(out[n - 1]))
				n--;
			out[n++] = '\n';
			line_start = n;
			i++;
		} else if (mapped) {
			out[n++] = mapped;
			i += seq;
		} else {
			out[n++] = s[i++];
		}
	}
	while (n > line_start && is_trailing_space(out[n - 1]))
		n--;
	out[n] = '\0';
	*out_len = n;
	return out;
}

/* Non-overlapping occurrences of needle in hay; *first = the offset of the first. */
static size_t count_matches(const char *hay, size_t hay_len, const char *needle, size_t needle_len,
			    size_t *first)
{
	size_t count = 0, at = 0;
	const char *p;

	while (at <= hay_len && (p = memmem(hay + at, hay_len - at, needle, needle_len))) {
		if (count++ == 0)
			*first = (size_t)(p - hay);
		at = (size_t)(p - hay) + needle_len;
	}
	return count;
}

/* text with every LF made CRLF when crlf. NEW malloc'd, bom in front when has_bom. */
static char *restore(const char *text, size_t len, bool crlf, bool has_bom, size_t *out_len)
{
	size_t lf = 0, i, n = 0;
	char *out;

	if (crlf) {
		for (i = 0; i < len; i++)
			lf += text[i] == '\n';
	}
	out = malloc(len + lf + 3 + 1);
	if (!out)
		return NULL;
	if (has_bom) {
		memcpy(out, UTF8_BOM, 3);
		n = 3;
	}
	for (i = 0; i < len; i++) {
		if (crlf && text[i] == '\n')
			out[n++] = '\r';
		out[n++] = text[i];
	}
	out[n] = '\0';
	*out_len = n;
	return out;
}

int tool_edit(json_t *args, json_t **result, berth_err *err)
{
	const char *old_arg = NULL, *new_arg = NULL;
	size_t old_arg_len = 0, new_arg_len = 0, data_len, body_len, content_len, old_len, new_len;
	size_t fuzzy_content_len = 0, fuzzy_old_len = 0, base_len, at = 0, edited_len, final_len;
	char *path = NULL, *data = NULL, *content = NULL, *old_text = NULL, *new_text = NULL;
	char *fuzzy_content = NULL, *fuzzy_old = NULL, *edited = NULL, *final = NULL;
	const char *body, *base, *lf;
	bool has_bom, crlf, fuzzy = false;
	size_t occurrences, fuzzy_at = 0, match_len;
	int rc = -1;

	if (arg_path(args, "path", true, &path, err) < 0)
		return -1;
	if (arg_string(args, "old_text", true, &old_arg, &old_arg_len, err) < 0 ||
	    arg_string(args, "new_text", true, &new_arg, &new_arg_len, err) < 0)
		goto done;
	if (old_arg_len == 0) {
		berth_err_set(err, BERTH_E_INVALID, "old_text must not be empty");
		goto done;
	}
	if (file_read_all(path, AGENT_READ_MAX, &data, &data_len, NULL, err) < 0)
		goto done;
	has_bom = data_len >= 3 && !memcmp(data, UTF8_BOM, 3);
	body = has_bom ? data + 3 : data;
	body_len = has_bom ? data_len - 3 : data_len;
	lf = memchr(body, '\n', body_len);
	crlf = lf && lf > body && lf[-1] == '\r';

	content = to_lf(body, body_len, &content_len);
	old_text = to_lf(old_arg, old_arg_len, &old_len);
	new_text = to_lf(new_arg, new_arg_len, &new_len);
	if (!content || !old_text || !new_text) {
		oom(err);
		goto done;
	}
	fuzzy_content = edit_fuzzy_normalize(content, content_len, &fuzzy_content_len);
	fuzzy_old = edit_fuzzy_normalize(old_text, old_len, &fuzzy_old_len);
	if (!fuzzy_content || !fuzzy_old) {
		oom(err);
		goto done;
	}

	base = content;
	base_len = content_len;
	match_len = old_len;
	if (count_matches(content, content_len, old_text, old_len, &at) == 0) {
		if (fuzzy_old_len == 0 || count_matches(fuzzy_content, fuzzy_content_len, fuzzy_old,
							fuzzy_old_len, &at) == 0) {
			berth_err_set(
				err, BERTH_E_NOT_FOUND,
				"could not find the exact text in %s. The old text must match exactly, "
				"including all whitespace and newlines.",
				path);
			goto done;
		}
		fuzzy = true;
		base = fuzzy_content;
		base_len = fuzzy_content_len;
		match_len = fuzzy_old_len;
	}
	occurrences = fuzzy_old_len == 0 ? 0
					 : count_matches(fuzzy_content, fuzzy_content_len,
							 fuzzy_old, fuzzy_old_len, &fuzzy_at);
	if (occurrences > 1) {
		berth_err_set(
			err, BERTH_E_INVALID,
			"found %zu occurrences of the text in %s. The text must be unique: add more "
			"context to old_text.",
			occurrences, path);
		goto done;
	}

	edited_len = base_len - match_len + new_len;
	edited = malloc(edited_len + 1);
	if (!edited) {
		oom(err);
		goto done;
	}
	memcpy(edited, base, at);
	memcpy(edited + at, new_text, new_len);
	memcpy(edited + at + new_len, base + at + match_len, base_len - at - match_len);
	if (edited_len == base_len && !memcmp(edited, base, base_len)) {
		berth_err_set(err, BERTH_E_INVALID,
			      "no changes made to %s: the replacement produced identical content.",
			      path);
		goto done;
	}
	final = restore(edited, edited_len, crlf, has_bom, &final_len);
	if (!final) {
		oom(err);
		goto done;
	}
	if (file_write(path, final, final_len, false, err) < 0)
		goto done;
	*result = json_pack("{s:o, s:i, s:b}", "path", json_string_lossy(path, strlen(path), NULL),
			    "replacements", 1, "fuzzy", fuzzy);
	if (!*result) {
		oom(err);
		goto done;
	}
	rc = 0;
done:
	free(final);
	free(edited);
	free(fuzzy_old);
	free(fuzzy_content);
	free(new_text);
	free(old_text);
	free(content);
	free(data);
	free(path);
	return rc;
}
