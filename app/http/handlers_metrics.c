/* handlers_metrics.c: GET /metrics (see include/berth/http_handlers_metrics.h). */
#include "berth/http_handlers_metrics.h"

#include <stdlib.h>

#include "berth/http_context.h"
#include "berth/http_request.h"
#include "berth/http_response.h"
#include "berth/http_routes.h"
#include "berth/log.h"
#include "berth/metrics.h"
#include "berth/metrics_text.h"
#include "berth/store_stats.h"

static void bots_by_status(struct http_req *req, struct strbuf *out)
{
	struct store_status_count counts[STORE_STATUS_COUNT_MAX];
	berth_store *store;
	berth_err err;
	size_t n;

	if (!(store = worker_store(req->ctx, &err)) ||
	    store_bot_status_counts(store, counts, &n, &err) < 0) {
		blog(BLOG_WARN, "metrics: bots by status left out: %s", err.msg);
		return;
	}
	metrics_text_family(
		out, "berth_bots", "gauge",
		"Bots by the status of their container (none: no container), read at scrape time.");
	for (size_t i = 0; i < n; i++) {
		const char *labels[] = { "container_status", counts[i].status, NULL };

		metrics_text_sample(out, "berth_bots", labels,
				    counts[i].count < 0 ? 0 : (uint64_t)counts[i].count);
	}
}

/* The reconcilers' work, as counted in the nodes table (berth/store_stats.h). */
static void reconcile_counts(struct http_req *req, struct strbuf *out)
{
	struct store_node_reconcile nodes[STORE_NODE_RECONCILE_MAX];
	berth_store *store;
	berth_err err;
	size_t n;

	if (!(store = worker_store(req->ctx, &err)) ||
	    store_node_reconcile_counts(store, nodes, &n, &err) < 0) {
		blog(BLOG_WARN, "metrics: reconciler counts left out: %s", err.msg);
		return;
	}
	metrics_text_family(
		out, "berth_reconcile_active", "gauge",
		"1 while an active berth-reconcile vouches for the node (its heartbeat).");
	for (size_t i = 0; i < n; i++) {
		const char *labels[] = { "node", nodes[i].node, NULL };

		metrics_text_sample(out, "berth_reconcile_active", labels, nodes[i].active ? 1 : 0);
	}
	metrics_text_family(out, "berth_reconcile_passes_total", "counter",
			    "Reconciler passes: full relists of the node (kind relist) and passes "
			    "over one bot (kind bot).");
	for (size_t i = 0; i < n; i++) {
		const char *relist[] = { "node", nodes[i].node, "kind", "relist", NULL };
		const char *bot[] = { "node", nodes[i].node, "kind", "bot", NULL };

		metrics_text_sample(out, "berth_reconcile_passes_total", relist,
				    (uint64_t)nodes[i].relists);
		metrics_text_sample(out, "berth_reconcile_passes_total", bot,
				    (uint64_t)nodes[i].passes);
	}
	metrics_text_family(out, "berth_reconcile_actions_total", "counter",
			    "Bot passes that acted: adopt (a running task adopted), restart, stop "
			    "(desired stopped), orphan (reported or removed).");
	for (size_t i = 0; i < n; i++) {
		const struct {
			const char *action;
			int64_t value;
		} acts[] = { { "adopt", nodes[i].adopts },
			     { "restart", nodes[i].restarts },
			     { "stop", nodes[i].stops },
			     { "orphan", nodes[i].orphans } };

		for (size_t a = 0; a < sizeof acts / sizeof acts[0]; a++) {
			const char *labels[] = { "node", nodes[i].node, "action", acts[a].action,
						 NULL };

			metrics_text_sample(out, "berth_reconcile_actions_total", labels,
					    acts[a].value < 0 ? 0 : (uint64_t)acts[a].value);
		}
	}
	metrics_text_family(out, "berth_reconcile_last_relist_seconds", "gauge",
			    "How long the node's last successful relist took (absent before any).");
	for (size_t i = 0; i < n; i++) {
		const char *labels[] = { "node", nodes[i].node, NULL };

		if (nodes[i].last_relist_ms >= 0)
			metrics_text_sample_seconds(out, "berth_reconcile_last_relist_seconds",
						    labels,
						    (uint64_t)nodes[i].last_relist_ms * 1000u);
	}
}

int http_get_metrics(struct http_req *req, struct http_resp *resp)
{
	struct metrics_route_label labels[METRICS_MAX_ROUTES];
	size_t n = http_routes_count < METRICS_MAX_ROUTES ? http_routes_count : METRICS_MAX_ROUTES;
	struct strbuf out = STRBUF_INIT;

	if (!req->caller.is_admin)
		return http_resp_error(resp, 403, "admin_required",
				       "only admins may read the metrics");
	for (size_t i = 0; i < n; i++)
		labels[i] = (struct metrics_route_label){ http_routes[i].method,
							  http_routes[i].pattern };
	metrics_text_write_table(&out, labels, n);
	bots_by_status(req, &out);
	reconcile_counts(req, &out);
	if (!out.ok) {
		free(out.s);
		return http_resp_error(resp, 500, "internal", "out of memory");
	}
	return http_resp_bytes(resp, 200, METRICS_TEXT_CONTENT_TYPE, out.s, out.len);
}
