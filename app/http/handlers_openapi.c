/* handlers_openapi.c: GET /openapi.json, the embedded OpenAPI document (berth/http_openapi.h). */
#include <stdlib.h>
#include <string.h>

#include "berth/http_response.h" /* http_resp_bytes, http_resp_error */
#include "berth/http_openapi.h"

int http_get_openapi(struct http_req *req, struct http_resp *resp)
{
	char *copy;

	(void)req;
	/* http_resp_bytes takes a malloc'd buffer; the document is static. */
	copy = malloc(http_openapi_json_len ? http_openapi_json_len : 1);
	if (!copy)
		return http_resp_error(resp, 500, "internal", "out of memory");
	memcpy(copy, http_openapi_json, http_openapi_json_len);
	return http_resp_bytes(resp, 200, "application/json", copy, http_openapi_json_len);
}
