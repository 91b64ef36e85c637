/* handlers_health.c: GET /health, GET /ready, GET /me. */
#include "berth/http_handlers.h"

#include <stdio.h>
#include <string.h>

#include "berth/ctd.h"
#include "berth/store.h"
#include "berth/worker.h"

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

static bool ok_ctd(const char *state)
{
	return strcmp(state, "ok") == 0;
}

int http_get_ready(struct http_req *req, struct http_resp *resp)
{
	char db_state[BERTH_ERR_MSG_MAX + 32] = "ok";
	char ctd_state[BERTH_ERR_MSG_MAX + 32] = "ok";
	char version[64] = "";
	bool ok = true;
	berth_store *store;
	ctd_conn *ctd;
	berth_err err;
	json_t *body;

	store = worker_store(req->ctx, &err);
	if (!store || store_ping(store, &err) < 0) {
		snprintf(db_state, sizeof db_state, "unavailable: %s",
			 http_unavailable_detail(err.msg, "database unavailable"));
		ok = false;
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
		snprintf(ctd_state, sizeof ctd_state, "unavailable: %s",
			 http_unavailable_detail(err.msg, "containerd unavailable"));
		ok = false;
	}
	if (ok)
		return http_resp_json(resp, 200,
				      json_pack("{s:s, s:s, s:s, s:s}", "status", "ok", "database", "ok",
						"containerd", "ok", "containerd_version", version));
	body = json_pack("{s:s, s:s, s:s, s:s, s:s}", "status", "unavailable", "database", db_state,
			 "containerd", ctd_state, "code", "not_ready", "message", "");
	if (body) {
		char message[2 * sizeof db_state + 64];

		bool db_ok = strcmp(db_state, "ok") == 0;

		snprintf(message, sizeof message, "not ready: %s%s%s%s%s", db_ok ? "" : "database ",
			 db_ok ? "" : db_state, db_ok || ok_ctd(ctd_state) ? "" : "; ",
			 ok_ctd(ctd_state) ? "" : "containerd ", ok_ctd(ctd_state) ? "" : ctd_state);
		json_object_set_new(body, "message", json_string(message));
	}
	http_resp_json(resp, 503, body);
	resp->code = "not_ready";
	return -1;
}

int http_get_me(struct http_req *req, struct http_resp *resp)
{
	return http_resp_json(resp, 200,
			      json_pack("{s:s, s:s, s:s}", "user_id", req->caller.user_id, "username",
					req->caller.username, "role",
					req->caller.is_admin ? "admin" : "member"));
}
