/* params.c: FastCGI params, query strings, percent-decoding (see include/berth/http_params.h). */
#include "berth/http_params.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The value of entry if it is "name=...", else NULL. */
static const char *match_entry(const char *entry, const char *name, size_t name_len)
{
	if (strncmp(entry, name, name_len) == 0 && entry[name_len] == '=')
		return entry + name_len + 1;
	return NULL;
}

const char *http_param(char *const *envp, const char *name)
{
	size_t name_len = strlen(name);

	for (size_t i = 0; envp && envp[i]; i++) {
		const char *value = match_entry(envp[i], name, name_len);
		if (value)
			return value;
	}
	return NULL;
}

size_t http_param_count(char *const *envp, const char *name)
{
	size_t name_len = strlen(name);
	size_t count = 0;

	for (size_t i = 0; envp && envp[i]; i++)
		if (match_entry(envp[i], name, name_len))
			count++;
	return count;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long http_percent_decode(const char *src, size_t len, char *dst, bool plus_is_space, berth_err *err)
{
	size_t out = 0;

	for (size_t i = 0; i < len; i++) {
		char c = src[i];
		if (c == '%') {
			if (len - i < 3)
				return berth_err_set(err, BERTH_E_INVALID,
						     "truncated percent escape");
			int hi = hex_value(src[i + 1]);
			int lo = hex_value(src[i + 2]);
			if (hi < 0 || lo < 0)
				return berth_err_set(err, BERTH_E_INVALID,
						     "malformed percent escape");
			c = (char)(hi * 16 + lo);
			if (c == '\0')
				return berth_err_set(err, BERTH_E_INVALID, "escaped NUL byte");
			i += 2;
		} else if (c == '+' && plus_is_space) {
			c = ' ';
		} else if (c == '\0') {
			return berth_err_set(err, BERTH_E_INVALID, "NUL byte");
		}
		dst[out++] = c;
	}
	dst[out] = '\0';
	return (long)out;
}

/* A new decoded copy of src[0..len), or NULL with err set. */
static char *decode_copy(const char *src, size_t len, berth_err *err)
{
	char *dst = malloc(len + 1);

	if (!dst) {
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		return NULL;
	}
	if (http_percent_decode(src, len, dst, true, err) < 0) {
		free(dst);
		return NULL;
	}
	return dst;
}

int http_query_parse(const char *qs, struct http_query *q, berth_err *err)
{
	const char *p = qs ? qs : "";

	memset(q, 0, sizeof *q);
	while (*p) {
		size_t pair_len = strcspn(p, "&");
		const char *eq = memchr(p, '=', pair_len);
		size_t name_len = eq ? (size_t)(eq - p) : pair_len;

		if (pair_len > 0) {
			if (q->count == HTTP_QUERY_MAX) {
				http_query_free(q);
				return berth_err_set(err, BERTH_E_INVALID,
						     "query string has more than %d parameters",
						     HTTP_QUERY_MAX);
			}
			q->name[q->count] = decode_copy(p, name_len, err);
			if (!q->name[q->count])
				goto fail;
			q->value[q->count] = eq ? decode_copy(eq + 1, pair_len - name_len - 1, err)
						: decode_copy("", 0, err);
			if (!q->value[q->count]) {
				free(q->name[q->count]);
				goto fail;
			}
			q->count++;
		}
		p += pair_len;
		if (*p == '&')
			p++;
	}
	return 0;
fail:
	http_query_free(q);
	return berth_err_prefix(err, "query string");
}

const char *http_query_get(const struct http_query *q, const char *name)
{
	for (size_t i = 0; i < q->count; i++)
		if (strcmp(q->name[i], name) == 0)
			return q->value[i];
	return NULL;
}

void http_query_free(struct http_query *q)
{
	for (size_t i = 0; i < q->count; i++) {
		free(q->name[i]);
		free(q->value[i]);
	}
	memset(q, 0, sizeof *q);
}

int http_content_length(const char *value, bool *present, long *out, berth_err *err)
{
	char *end;
	long n;

	*present = false;
	*out = 0;
	if (!value || !*value)
		return 0;
	if (strspn(value, "0123456789") != strlen(value))
		return berth_err_set(err, BERTH_E_INVALID, "invalid Content-Length");
	errno = 0;
	n = strtol(value, &end, 10);
	if (errno == ERANGE || *end)
		return berth_err_set(err, BERTH_E_INVALID, "invalid Content-Length");
	*present = true;
	*out = n;
	return 0;
}

bool http_media_type_is_json(const char *content_type)
{
	const char *ct = content_type;
	size_t len;

	if (!ct)
		return false;
	ct += strspn(ct, " \t");
	len = strcspn(ct, ";");
	while (len > 0 && (ct[len - 1] == ' ' || ct[len - 1] == '\t'))
		len--;
	if (len == strlen("application/json") && strncasecmp(ct, "application/json", len) == 0)
		return true;
	/* application/<anything>+json (e.g. application/merge-patch+json) */
	if (len > strlen("application/") + strlen("+json") &&
	    strncasecmp(ct, "application/", strlen("application/")) == 0 &&
	    strncasecmp(ct + len - strlen("+json"), "+json", strlen("+json")) == 0 &&
	    memchr(ct, '/', len) == ct + strlen("application/") - 1)
		return true;
	return false;
}
