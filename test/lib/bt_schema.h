/* bt_schema.h: a small JSON Schema (2020-12 subset) check for the tests, to hold Berth's responses
 * against the OpenAPI document (openapi/berth.openapi.json).
 *
 * Keywords checked: $ref (local "#/..." pointers into the document), type (a name or a list),
 * enum, const, properties, required, additionalProperties (boolean or schema), items, anyOf,
 * oneOf, allOf, minLength, minimum, minItems, maxItems, pattern (POSIX extended regex).
 * Annotations (description, default, format, title, contentMediaType, examples) are ignored;
 * any other keyword is reported as unsupported, so a schema is never half-checked in silence.
 *
 * Pure: no I/O. Ownership: everything is BORROWED; why (may be NULL) receives a message.
 */
#ifndef BERTH_TEST_BT_SCHEMA_H
#define BERTH_TEST_BT_SCHEMA_H

#include <stddef.h>

#include <jansson.h>

/* 0 when instance is valid against schema (resolving $ref in doc), else -1 and why says where
 * ("$.containers[0].id: ...") and what. */
int bt_schema_validate(const json_t *doc, const json_t *schema, const json_t *instance, char *why,
		       size_t why_len);

/* Every keyword of schema and of its subschemas (properties, additionalProperties, items, anyOf,
 * oneOf, allOf) is one this check knows: 0, else -1 and why names the first other one. */
int bt_schema_keywords_check(const json_t *schema, char *why, size_t why_len);

/* The document's path key of a router pattern: "/bots/:bot_id/mcp/:id" -> "/bots/{bot_id}/mcp/{id}".
 * Writes at most out_len bytes (NUL included); -1 when it does not fit. */
int bt_schema_path_key(const char *pattern, char *out, size_t out_len);

/* The document's path key (BORROWED from doc) of the operation that serves method (any case) on a
 * concrete request path (no query): segments match a literal segment, or any non-empty segment
 * for "{param}"; a path matching several keys takes the one with the most literal segments first
 * (as the route table lists literal routes before parameter ones). NULL when none has method. */
const char *bt_schema_route_of(const json_t *doc, const char *method, const char *path);

/* The response of operation method (any case) on pattern (router form with :param, or the
 * document's form) for status, checked against the document: the operation and the status must
 * be documented; a body (body non-NULL) must be documented as application/json and valid against
 * its schema; no body (body NULL) is valid only when the response documents no content. */
int bt_schema_check_response(const json_t *doc, const char *method, const char *pattern,
			     long status, const json_t *body, char *why, size_t why_len);

#endif
