/* response.c: building responses and their CGI head (see include/berth/http.h). */
#include "berth/http.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What is sent when even building an error response runs out of memory. */
static const char OOM_BODY[] = "{\"message\":\"out of memory\",\"code\":\"internal\"}";

void http_resp_init(struct http_resp *resp)
{
	memset(resp, 0, sizeof *resp);
}

static void clear_body(struct http_resp *resp)
{
	if (resp->body != OOM_BODY)
		free(resp->body);
	resp->body = NULL;
	resp->body_len = 0;
	resp->code = NULL;
	resp->content_type = NULL;
}

void http_resp_free(struct http_resp *resp)
{
	clear_body(resp);
	for (size_t i = 0; i < resp->n_headers; i++) {
		free(resp->header_name[i]);
		free(resp->header_value[i]);
	}
	http_resp_init(resp);
}

static int outcome(int status)
{
	return status < 400 ? 0 : -1;
}

static int set_oom(struct http_resp *resp)
{
	clear_body(resp);
	resp->status = 500;
	resp->body = (char *)OOM_BODY;
	resp->body_len = sizeof OOM_BODY - 1;
	resp->code = "internal";
	return -1;
}

/* Length of the well-formed UTF-8 sequence (RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF) at s, or 0 when the byte at s does not start one. */
static size_t utf8_sequence_length(const unsigned char *s)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xBF; /* bounds of the second byte */
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		if (c == 0xE0)
			lo = 0xA0; /* overlong */
		else if (c == 0xED)
			hi = 0x9F; /* surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		if (c == 0xF0)
			lo = 0x90; /* overlong */
		else if (c == 0xF4)
			hi = 0x8F; /* above U+10FFFF */
	} else {
		return 0;
	}
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0; /* also stops at the terminating NUL */
	return len;
}

/* Copies text into out (out_size >= 1) as valid UTF-8: every byte that does not belong to a
 * well-formed sequence (a stray byte from input, or a character cut by truncation) becomes '?'.
 * The result is never longer than the input: strlen(text) + 1 bytes always hold it. */
static void utf8_sanitize(const char *text, char *out, size_t out_size)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t used = 0;

	while (*s && used + 1 < out_size) {
		size_t len = utf8_sequence_length(s);

		if (len == 0) {
			out[used++] = '?';
			s++;
			continue;
		}
		if (used + len >= out_size)
			break; /* a character that does not fit is left out whole */
		memcpy(out + used, s, len);
		used += len;
		s += len;
	}
	out[used] = '\0';
}

int http_resp_json(struct http_resp *resp, int status, json_t *body)
{
	char *text;

	clear_body(resp);
	/* NULL is what a handler passes when building its body failed (json_pack: out of memory,
	 * or text that is not UTF-8): never answer that with a success. */
	if (!body)
		return http_resp_error(resp, 500, "internal", "could not build the response");
	text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	json_decref(body);
	if (!text)
		return set_oom(resp);
	resp->status = status;
	resp->body = text;
	resp->body_len = strlen(text);
	return outcome(status);
}

/* The message is made valid UTF-8 first (it may echo input, or end in a character vsnprintf
 * cut), so that only a real allocation failure ends in the fixed out-of-memory body. */
static int error_body(struct http_resp *resp, int status, const char *code, const char *message)
{
	size_t size = (message ? strlen(message) : 0) + 1;
	char *clean = malloc(size);
	json_t *body = json_object();
	int failed;

	if (!clean || !body) {
		free(clean);
		json_decref(body);
		return set_oom(resp);
	}
	utf8_sanitize(message ? message : "", clean, size);
	failed = json_object_set_new(body, "message", json_string(clean)) ||
		 json_object_set_new(body, "code", json_string(code));
	free(clean);
	if (failed) {
		json_decref(body);
		return set_oom(resp);
	}
	http_resp_json(resp, status, body);
	if (resp->status == status)
		resp->code = code;
	return -1;
}

int http_resp_error(struct http_resp *resp, int status, const char *code, const char *fmt, ...)
{
	char message[BERTH_ERR_MSG_MAX + 256];
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(message, sizeof message, fmt, ap) < 0)
		message[0] = '\0';
	va_end(ap);
	return error_body(resp, status, code, message);
}

int http_resp_err(struct http_resp *resp, const berth_err *err)
{
	berth_errkind kind = err && err->kind != BERTH_OK ? err->kind : BERTH_E_INTERNAL;

	return error_body(resp, http_status_for_kind(kind), berth_errkind_code(kind),
			  err && err->msg[0] ? err->msg : "internal error");
}

int http_resp_bytes(struct http_resp *resp, int status, const char *content_type, char *data, size_t len)
{
	clear_body(resp);
	if (!data)
		return set_oom(resp);
	resp->status = status;
	resp->body = data;
	resp->body_len = len;
	resp->content_type = content_type;
	return outcome(status);
}

int http_resp_empty(struct http_resp *resp, int status)
{
	clear_body(resp);
	resp->status = status;
	return outcome(status);
}

static bool header_text_ok(const char *s, bool is_name)
{
	if (!s || (is_name && !*s))
		return false;
	for (; *s; s++) {
		if (*s == '\r' || *s == '\n')
			return false;
		if (is_name && (*s == ':' || *s == ' '))
			return false;
	}
	return true;
}

int http_resp_header(struct http_resp *resp, const char *name, const char *value)
{
	char *n, *v;

	if (resp->n_headers == HTTP_RESP_MAX_HEADERS || !header_text_ok(name, true) ||
	    !header_text_ok(value, false))
		return -1;
	n = strdup(name);
	v = strdup(value);
	if (!n || !v) {
		free(n);
		free(v);
		return -1;
	}
	resp->header_name[resp->n_headers] = n;
	resp->header_value[resp->n_headers] = v;
	resp->n_headers++;
	return 0;
}

int http_status_for_kind(berth_errkind kind)
{
	switch (kind) {
	case BERTH_OK: return 200;
	case BERTH_E_INVALID: return 400;
	case BERTH_E_NOT_FOUND: return 404;
	case BERTH_E_ALREADY_EXISTS: return 409;
	case BERTH_E_PRECONDITION: return 409;
	case BERTH_E_UNAVAILABLE: return 503;
	case BERTH_E_TIMEOUT: return 504;
	case BERTH_E_UNAUTHENTICATED: return 401;
	case BERTH_E_PERMISSION: return 403;
	case BERTH_E_TOO_LARGE: return 413;
	case BERTH_E_UNSUPPORTED: return 415;
	case BERTH_E_INTERNAL: return 500;
	}
	return 500;
}

const char *http_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	}
	return "Unknown";
}

char *http_resp_head(const struct http_resp *resp, const char *request_id)
{
	char *head = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&head, &size);
	int status = resp->status ? resp->status : 500;

	if (!f)
		return NULL;
	fprintf(f, "Status: %d %s\r\n", status, http_status_text(status));
	if (resp->body)
		fprintf(f, "Content-Type: %s\r\nContent-Length: %zu\r\n",
			resp->content_type ? resp->content_type : "application/json", resp->body_len);
	else if (status != 204 && status != 304)
		fputs("Content-Length: 0\r\n", f);
	if (request_id && header_text_ok(request_id, false) && *request_id)
		fprintf(f, "X-Request-Id: %s\r\n", request_id);
	for (size_t i = 0; i < resp->n_headers; i++)
		fprintf(f, "%s: %s\r\n", resp->header_name[i], resp->header_value[i]);
	fputs("\r\n", f);
	if (fclose(f) != 0) {
		free(head);
		return NULL;
	}
	return head;
}
