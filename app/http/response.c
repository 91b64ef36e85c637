/* response.c: building responses and their CGI head (see include/berth/http_response.h). */
#include "berth/http_response.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "berth/log.h"
#include "berth/strbuf.h"
#include "berth/utf8.h"

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

int http_resp_json(struct http_resp *resp, int status, json_t *body)
{
	char *text;

	clear_body(resp);
	/* NULL is what a handler passes when building its body failed (json_pack: out of memory,
	 * or text that is not UTF-8): never answer that with a success. */
	if (!body)
		return http_resp_error(resp, 500, "internal", "could not build the response");
	/* 15 significant digits: a real such as 0.3 CPUs reads "0.3", not "0.29999999999999999". */
	text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY |
					JSON_REAL_PRECISION(15));
	json_decref(body);
	if (!text)
		return set_oom(resp);
	resp->status = status;
	resp->body = text;
	resp->body_len = strlen(text);
	return outcome(status);
}

/* The message is made valid UTF-8 first (it may echo input, or end in a character vsnprintf
 * cut: berth/utf8.h), so that only a real allocation failure ends in the fixed out-of-memory body. */
static int error_body(struct http_resp *resp, int status, const char *code, const char *message)
{
	struct strbuf clean = STRBUF_INIT;
	json_t *body = json_object();
	int failed;

	if (message)
		utf8_clean(&clean, message, strlen(message), SIZE_MAX);
	if (!clean.ok || !body) {
		free(clean.s);
		json_decref(body);
		return set_oom(resp);
	}
	failed = json_object_set_new(body, "message", json_string(clean.s ? clean.s : "")) ||
		 json_object_set_new(body, "code", json_string(code));
	free(clean.s);
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
	int status = http_status_for_kind(kind);

	/* The full message once, in the log (the log context carries the request id); the client
	 * reads Berth's own sentence when the message holds driver or host text. */
	if (err && (err->detail_only || status >= 500))
		blog(status >= 500 ? BLOG_WARN : BLOG_INFO, "error %s: %s", berth_err_code_str(err),
		     err->msg[0] ? err->msg : "(no message)");
	return error_body(resp, status, err ? berth_err_code_str(err) : "internal",
			  berth_err_public_msg(err));
}

int http_resp_bytes(struct http_resp *resp, int status, const char *content_type, char *data,
		    size_t len)
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
			resp->content_type ? resp->content_type : "application/json",
			resp->body_len);
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
