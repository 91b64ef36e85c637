/* http_metrics_handlers.h: GET /metrics and the per-request recording (http).
 *
 * GET /metrics (admins only, else 403 admin_required) answers 200 with the Prometheus text format
 * 0.0.4 (berth/metrics_text.h): the shared table's families, labelled with the route table's
 * method and pattern (never a raw path), plus berth_bots{container_status} from one store query
 * at scrape time (left out, and logged, when the database cannot answer: the counters still
 * come). A process without a table (metrics_table_create not called) serves the families empty.
 */
#ifndef BERTH_HTTP_METRICS_HANDLERS_H
#define BERTH_HTTP_METRICS_HANDLERS_H

#include <stdint.h>

#include "berth/http.h"

int http_get_metrics(struct http_req *req, struct http_resp *resp);

/* Records one handled request in the shared table (berth/metrics.h): its route's slot in
 * srv->routes (the unmatched slot when it matched none), its status (0 counts as 500) and us, the
 * microseconds from params to the response written. A HEAD request counts under the GET route it
 * matched. Cheap: a few relaxed atomic adds. */
void http_metrics_record(const struct http_server *srv, const struct http_req *req, const struct http_resp *resp,
			 uint64_t us);

#endif
