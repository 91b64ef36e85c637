/* http_handlers_metrics.h: GET /metrics (http). Requests are recorded by http_metrics.h.
 *
 * GET /metrics (admins only, else 403 admin_required) answers 200 with the Prometheus text format
 * 0.0.4 (berth/metrics_text.h): the shared table's families, labelled with the route table's
 * method and pattern (never a raw path), plus berth_bots{container_status} from one store query
 * at scrape time (left out, and logged, when the database cannot answer: the counters still
 * come). A process without a table (metrics_table_create not called) serves the families empty.
 */
#ifndef BERTH_HTTP_HANDLERS_METRICS_H
#define BERTH_HTTP_HANDLERS_METRICS_H

struct http_req;  /* http_request.h */
struct http_resp; /* http_response.h */

int http_get_metrics(struct http_req *req, struct http_resp *resp);

#endif
