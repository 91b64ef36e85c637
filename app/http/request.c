/* request.c: request accessors, the deadline, and the body rules (see include/berth/http_request.h). */
#include "berth/http_params.h"
#include "berth/http_request.h"
#include "berth/http_response.h"
#include "berth/http_router.h"

#include <stdlib.h>
#include <string.h>

#include "berth/deadline.h"

int http_req_remaining_ms(const struct http_req *req)
{
	int64_t left = req->deadline_ms - berth_now_ms();

	if (left <= 0)
		return 0;
	return left > INT32_MAX ? INT32_MAX : (int)left;
}

const char *http_req_param(const struct http_req *req, const char *name)
{
	return http_match_param(&req->match_, name);
}

const char *http_req_query(const struct http_req *req, const char *name)
{
	return http_query_get(&req->query_, name);
}

const char *http_req_fcgi(const struct http_req *req, const char *name)
{
	return http_param(req->params, name);
}

/* Reads up to limit bytes into a growing buffer (the body length is not known in advance, or
 * is, and then limit is that length). *got < limit only at the end of the body. */
static int read_upto(http_body_reader reader, void *arg, size_t limit, char **out, size_t *got)
{
	size_t cap = limit < 4096 ? limit : 4096;
	size_t used = 0;
	char *buf = malloc(cap + 1);

	if (!buf)
		return -1;
	while (used < limit) {
		long n;

		if (used == cap) {
			size_t ncap = cap * 2 > limit ? limit : cap * 2;
			char *nbuf = realloc(buf, ncap + 1);
			if (!nbuf)
				goto fail;
			buf = nbuf;
			cap = ncap;
		}
		n = reader(arg, buf + used, cap - used);
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		used += (size_t)n;
	}
	buf[used] = '\0';
	*out = buf;
	*got = used;
	return 0;
fail:
	free(buf);
	return -1;
}

int http_body_read(const char *content_length, long max_bytes, http_body_reader reader, void *arg,
		   char **out, size_t *len, struct http_resp *resp)
{
	berth_err err;
	bool present;
	long declared;
	size_t limit, got;
	char *buf;

	*out = NULL;
	*len = 0;
	if (http_content_length(content_length, &present, &declared, &err) < 0) {
		resp->close_connection = true;
		return http_resp_error(resp, 400, "invalid_content_length", "%s", err.msg);
	}
	if (present && declared > max_bytes) {
		resp->close_connection = true;
		return http_resp_error(resp, 413, "body_too_large",
				       "request body of %ld bytes exceeds the limit of %ld bytes",
				       declared, max_bytes);
	}
	/* Without a declared length, one byte more than allowed tells an oversized body. */
	limit = present ? (size_t)declared : (size_t)max_bytes + 1;
	if (read_upto(reader, arg, limit, &buf, &got) < 0) {
		resp->close_connection = true;
		return http_resp_error(resp, 400, "body_read_failed",
				       "could not read the request body");
	}
	if (!present && got > (size_t)max_bytes) {
		free(buf);
		resp->close_connection = true;
		return http_resp_error(resp, 413, "body_too_large",
				       "request body exceeds the limit of %ld bytes", max_bytes);
	}
	if (present && got < (size_t)declared) {
		free(buf);
		resp->close_connection = true;
		return http_resp_error(resp, 400, "body_incomplete",
				       "request body has %zu of the %ld bytes announced", got,
				       declared);
	}
	*out = buf;
	*len = got;
	return 0;
}

int http_json_parse_body(const char *content_type, const char *body, size_t len, json_t **out,
			 struct http_resp *resp)
{
	json_error_t jerr;
	json_t *value;

	*out = NULL;
	if (len == 0)
		return 0;
	if (!http_media_type_is_json(content_type))
		return http_resp_error(
			resp, 415, "unsupported_media_type",
			"unsupported media type '%s': the body must be application/json",
			content_type && *content_type ? content_type : "(none)");
	value = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!value)
		return http_resp_error(resp, 400, "invalid_json",
				       "invalid JSON body: %s (line %d, column %d)", jerr.text,
				       jerr.line, jerr.column);
	*out = value;
	return 0;
}

int http_req_json(struct http_req *req, json_t **out, struct http_resp *resp)
{
	if (!req->json_parsed_) {
		if (http_json_parse_body(req->content_type, req->body, req->body_len, &req->json_,
					 resp) < 0) {
			*out = NULL;
			return -1;
		}
		req->json_parsed_ = true;
	}
	*out = req->json_;
	return 0;
}
