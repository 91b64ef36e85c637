/* bt_openapi.h: every response of the stack held against Berth's OpenAPI document
 * ($BERTH_SRCDIR/openapi/berth.openapi.json, the document berth-fcgi embeds and serves; loaded once
 * per process), through the schema check of bt_schema.h. bt_request_ex calls it for each response,
 * so every integration test's responses are checked.
 *
 * A response is checked when the document has an operation for its method and path (matched as
 * bt_schema_route_of): its status must be documented for that operation, and its body must be
 * what the document says (a JSON body valid against the schema, another body of a documented
 * media type, no body where no content is documented). Not checked: requests that got no
 * response, HEAD, paths or methods the document lacks (a test's deliberately wrong route:
 * test/unit/test_openapi keeps the document equal to the route table), and nginx's own HTML pages
 * (a missing certificate, a gateway error while berth-fcgi is down). BERTH_OPENAPI_CHECK=0 turns
 * the check off; without BERTH_SRCDIR there is no document and nothing is checked.
 *
 * Failure policy: a mismatch fails the current Check test (ck_abort_msg). Nothing to free.
 */
#ifndef BERTH_TEST_BT_OPENAPI_H
#define BERTH_TEST_BT_OPENAPI_H

#include "bt.h"

/* path: as requested (a query after '?' is ignored). */
void bt_openapi_check(const char *method, const char *path, const bt_response *r);

#endif
