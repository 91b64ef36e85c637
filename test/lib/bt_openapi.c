/* bt_openapi.c: see bt_openapi.h. */
#include "bt_openapi.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bt_schema.h"

static json_t *doc;
static int state; /* 0: not loaded yet; 1: loaded; -1: no document (nothing is checked) */

static const json_t *the_doc(void)
{
	const char *src = getenv("BERTH_SRCDIR"), *onoff = getenv("BERTH_OPENAPI_CHECK");
	json_error_t jerr;
	char path[4096];

	if (state == 0) {
		state = -1;
		if (src && *src && !(onoff && strcmp(onoff, "0") == 0)) {
			snprintf(path, sizeof path, "%s/openapi/berth.openapi.json", src);
			doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
			ck_assert_msg(doc != NULL, "bt_openapi: %s: %s (line %d)", path, jerr.text,
				      jerr.line);
			state = 1;
		}
	}
	return state == 1 ? doc : NULL;
}

void bt_openapi_check(const char *method, const char *path, const bt_response *r)
{
	const json_t *d;
	const char *key;
	char *route, *ct, why[1024];
	json_t *body = NULL;
	json_error_t jerr;
	int rc;

	if (r->status == 0 || strcasecmp(method, "HEAD") == 0 || !(d = the_doc()))
		return;
	route = strndup(path, strcspn(path, "?"));
	ck_assert_msg(route != NULL, "out of memory");
	key = bt_schema_route_of(d, method, route);
	free(route);
	if (!key)
		return;
	ct = bt_header(r, "Content-Type");
	if (ct && strncasecmp(ct, "text/html", 9) == 0) {
		free(ct);
		return; /* nginx's own page, not Berth's */
	}
	if (r->body_len > 0 && ct && strncmp(ct, "application/json", 16) == 0) {
		body = json_loadb(r->body, r->body_len, 0, &jerr);
		ck_assert_msg(body != NULL, "openapi: %s %s %ld: the body is not JSON (%s): %.300s",
			      method, path, r->status, jerr.text, r->body);
		rc = bt_schema_check_response(d, method, key, r->status, body, why, sizeof why);
		json_decref(body);
	} else if (r->body_len > 0) {
		char code[16], lower[16];
		size_t i;
		const json_t *resp;

		snprintf(code, sizeof code, "%ld", r->status);
		for (i = 0; method[i] && i + 1 < sizeof lower; i++)
			lower[i] = (char)(method[i] | 0x20);
		lower[i] = '\0';
		resp = json_object_get(
			json_object_get(
				json_object_get(json_object_get(json_object_get(d, "paths"), key),
						lower),
				"responses"),
			code);
		rc = resp && ct && json_object_get(json_object_get(resp, "content"), ct) ? 0 : -1;
		snprintf(why, sizeof why, "%s %s %ld: a %s body is not documented", method, key,
			 r->status, ct ? ct : "(untyped)");
	} else {
		rc = bt_schema_check_response(d, method, key, r->status, NULL, why, sizeof why);
	}
	free(ct);
	ck_assert_msg(rc == 0,
		      "openapi: the response breaks the document: %s\n  %s %s -> %ld %.500s", why,
		      method, path, r->status, r->body);
}
