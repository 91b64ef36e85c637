/* libFuzzer harness: the body rules of app/http/request.c. The input is a request body, read in
 * chunks whose sizes come from its first byte, once with its length declared and once without,
 * under a small limit; what was read goes through the JSON body rules. A failure must be an
 * error response with a JSON body; a success a body of at most the limit. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/http_request.h"
#include "berth/http_response.h"

#define LIMIT 4096

struct source {
	const uint8_t *data;
	size_t size, pos, chunk;
};

static long read_chunk(void *arg, char *buf, size_t n)
{
	struct source *s = arg;
	size_t left = s->size - s->pos;

	if (n > s->chunk)
		n = s->chunk;
	if (n > left)
		n = left;
	memcpy(buf, s->data + s->pos, n);
	s->pos += n;
	return (long)n;
}

static void check_error(const struct http_resp *resp)
{
	json_t *j;

	if (resp->status < 400 || resp->status > 499 || !resp->body)
		abort();
	j = json_loadb(resp->body, resp->body_len, 0, NULL);
	if (!json_is_string(json_object_get(j, "code")) ||
	    !json_is_string(json_object_get(j, "message")))
		abort();
	json_decref(j);
}

static void one(const uint8_t *data, size_t size, const char *declared, size_t chunk)
{
	struct source src = { data, size, 0, chunk ? chunk : 1 };
	struct http_resp resp;
	char *body = NULL;
	size_t len = 0;
	json_t *j = NULL;

	memset(&resp, 0, sizeof resp);
	if (http_body_read(declared, LIMIT, read_chunk, &src, &body, &len, &resp) != 0) {
		check_error(&resp);
		http_resp_free(&resp);
		return;
	}
	if (len > LIMIT || body[len] != '\0')
		abort();
	if (http_json_parse_body("application/json; charset=utf-8", body, len, &j, &resp) != 0)
		check_error(&resp);
	else if (len > 0 && !j)
		abort();
	json_decref(j);
	http_resp_free(&resp);
	free(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char declared[32];
	size_t chunk = size ? (size_t)data[0] * 7 + 1 : 1;

	snprintf(declared, sizeof declared, "%zu", size);
	one(data, size, declared, chunk);
	one(data, size, NULL, chunk);
	return 0;
}
