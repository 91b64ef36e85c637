/* request_metrics.c: each request into the shared metrics table (see include/berth/http_metrics.h). */
#include "berth/http_metrics.h"

#include "berth/metrics.h"

void http_metrics_record(const struct http_server *srv, const struct http_req *req,
			 const struct http_resp *resp, uint64_t us)
{
	size_t slot = req->route ? req->match_.route_index : srv->n_routes;

	metrics_observe_request(slot, resp->status ? resp->status : 500, us);
}
