/* http_params.h: FastCGI parameters, query strings and percent-decoding. Pure: no I/O.
 *
 * FastCGI parameters arrive as an envp-style array of "NAME=value" strings (libfcgi's
 * FCGX_Request.envp; values of any length, including subject DNs far beyond 127 bytes). Lookups
 * compare the whole name, so HTTP_SSL_CLIENT_S_DN (a client header) never matches SSL_CLIENT_S_DN.
 * Returned strings are BORROWED from the array.
 */
#ifndef BERTH_HTTP_PARAMS_H
#define BERTH_HTTP_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

#include "berth/err.h"

/* The value of the first parameter called name, or NULL. envp may be NULL. */
const char *http_param(char *const *envp, const char *name);

/* How many parameters are called name. */
size_t http_param_count(char *const *envp, const char *name);

/* Decodes %XX escapes (and '+' as space when plus_is_space) of src[0..len) into dst, which must
 * have room for len + 1 bytes; dst is NUL-terminated. Fails (BERTH_E_INVALID) on a malformed escape
 * or an escaped NUL. dst may equal src (in-place). Returns the decoded length, or -1. */
long http_percent_decode(const char *src, size_t len, char *dst, bool plus_is_space,
			 berth_err *err);

/* A parsed query string ("a=1&b=x%20y"): names and values decoded, in order, first one wins on
 * lookup. Everything is owned by the struct (http_query_free). */
#define HTTP_QUERY_MAX 32
struct http_query {
	size_t count;
	char *name[HTTP_QUERY_MAX];
	char *value[HTTP_QUERY_MAX]; /* "" for "flag" and "flag=" */
};

/* Parses qs (NULL or "" gives an empty query). More than HTTP_QUERY_MAX pairs or a malformed escape
 * is BERTH_E_INVALID. On failure q holds nothing to free. */
int http_query_parse(const char *qs, struct http_query *q, berth_err *err);
const char *http_query_get(const struct http_query *q, const char *name); /* borrowed or NULL */
void http_query_free(struct http_query *q);

/* CONTENT_LENGTH: NULL or "" -> *present = false. Otherwise only decimal digits (no sign, no
 * spaces, fits in long) are accepted; anything else is BERTH_E_INVALID. */
int http_content_length(const char *value, bool *present, long *out, berth_err *err);

/* True if the Content-Type names JSON: application/json or application/<x>+json, case-insensitive,
 * parameters (";charset=utf-8") allowed. NULL or "" is false. */
bool http_media_type_is_json(const char *content_type);

#endif
