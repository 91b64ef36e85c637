/* http_metrics.h: recording each request in berth-fcgi's shared metrics table (http).
 * GET /metrics, which reads the table, is http_handlers_metrics.h. */
#ifndef BERTH_HTTP_METRICS_H
#define BERTH_HTTP_METRICS_H

#include <stdint.h>

#include "berth/http_dispatch.h"
#include "berth/http_request.h"
#include "berth/http_response.h"

/* Records one handled request in the shared table (berth/metrics.h): its route's slot in
 * srv->routes (the unmatched slot when it matched none), its status (0 counts as 500) and us, the
 * microseconds from params to the response written. A HEAD request counts under the GET route it
 * matched. Cheap: two relaxed atomic adds and a histogram bucket; nothing without a table. */
void http_metrics_record(const struct http_server *srv, const struct http_req *req,
			 const struct http_resp *resp, uint64_t us);

#endif
