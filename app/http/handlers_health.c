/* handlers_health.c: GET /health, GET /ready, GET /me. */
#include "berth/http_context.h"
#include "berth/http_handlers_health.h"
#include "berth/http_request.h"
#include "berth/http_response.h"

#include "berth/ctd_conn.h"
#include "berth/ctd_version.h"
#include "berth/log.h"
#include "berth/http_context.h"
#include "berth/store_conn.h"
#include "berth/store_reconcile.h"

/* A readiness probe must answer well before nginx gives up on it. */
#define READY_CHECK_MAX_MS 3000

int http_get_health(struct http_req *req, struct http_resp *resp)
{
	(void)req;
	return http_resp_json(resp, 200, json_pack("{s:s}", "status", "ok"));
}

static int check_budget(const struct http_req *req)
{
	int left = http_req_remaining_ms(req);

	if (left <= 0)
		return 1; /* the deadline passed: fail fast */
	return left < READY_CHECK_MAX_MS ? left : READY_CHECK_MAX_MS;
}

/* Whether this node's berth-reconcile is active (holds the node lock): "active", "absent", or
 * "unknown" when the database cannot tell. It does not decide readiness (the API works without it),
 * but without it nothing converges and observed_at grows stale: the probe says so. */
static const char *reconciler_state(berth_store *store, const struct berth_config *cfg)
{
	berth_err err;
	bool held = false;

	if (store_reconcile_node_held(store, cfg->node, &held, &err) < 0) {
		blog(BLOG_WARN, "ready: %s", err.msg);
		return "unknown";
	}
	if (!held)
		blog(BLOG_WARN, "ready: no active berth-reconcile for node %s", cfg->node);
	return held ? "active" : "absent";
}

/* GET /ready answers any certificate holder: it says which dependency is down, never the
 * driver's text (libpq and gRPC messages name hosts, users and socket paths); that is logged. */
int http_get_ready(struct http_req *req, struct http_resp *resp)
{
	char version[64] = "";
	bool db_ok = true, ctd_ok = true;
	berth_store *store;
	ctd_conn *ctd;
	berth_err err;
	json_t *body;

	store = worker_store(req->ctx, &err);
	if (!store || store_ping(store, &err) < 0) {
		blog(BLOG_WARN, "ready: %s", err.msg);
		db_ok = false;
	}
	ctd = worker_ctd(req->ctx, &err);
	if (ctd) {
		int old = ctd_conn_set_timeout(ctd, check_budget(req));
		int rc = ctd_version(ctd, version, sizeof version, &err);

		ctd_conn_set_timeout(ctd, old);
		if (rc < 0)
			ctd = NULL;
	}
	if (!ctd) {
		blog(BLOG_WARN, "ready: %s", err.msg);
		ctd_ok = false;
	}
	if (db_ok && ctd_ok)
		return http_resp_json(resp, 200,
				      json_pack("{s:s, s:s, s:s, s:s, s:s}", "status", "ok",
						"database", "ok", "containerd", "ok",
						"containerd_version", version, "reconciler",
						reconciler_state(store, worker_config(req->ctx))));
	body = json_pack("{s:s, s:s, s:s, s:s, s:s}", "status", "unavailable", "database",
			 db_ok ? "ok" : "unavailable", "containerd", ctd_ok ? "ok" : "unavailable",
			 "code", "not_ready", "message",
			 !db_ok && !ctd_ok ? "not ready: database and containerd unavailable"
			 : !db_ok	   ? "not ready: database unavailable"
					   : "not ready: containerd unavailable");
	if (http_resp_json(resp, 503, body) < 0 && resp->status == 503)
		resp->code = "not_ready";
	return -1;
}

int http_get_me(struct http_req *req, struct http_resp *resp)
{
	return http_resp_json(resp, 200,
			      json_pack("{s:s, s:s, s:s}", "user_id", req->caller.user_id,
					"username", req->caller.username, "role",
					req->caller.is_admin ? "admin" : "member"));
}
