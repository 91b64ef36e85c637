/* context.c: a worker's lazily opened connections (see include/berth/http_context.h). */
#include "berth/http_context.h"

#include <stdlib.h>

#include "berth/agentc_pool.h"
#include "berth/ctd_conn.h"
#include "berth/log.h"
#include "berth/store_cache.h"
#include "berth/store_conn.h"

/* The time kept back from a request's work for recording its outcome: a tenth of the request
 * timeout, between RESERVE_MIN_MS and RESERVE_MAX_MS. */
#define RESERVE_MIN_MS 200
#define RESERVE_MAX_MS 2000
/* Kept agent connections: a worker serves one request at a time, so one per recently used bot;
 * each holds a thread of that bot's agent while idle, hence the bound and the idle limit. */
#define AGENT_POOL_CONNS 16
#define AGENT_POOL_IDLE_MS 60000

struct worker_ctx {
	const struct berth_config *cfg;
	berth_store *store;
	ctd_conn *ctd;
	agentc_pool *agents;
	berth_deadline deadline;      /* the request's */
	berth_deadline work_deadline; /* its work's */
};

struct worker_ctx *worker_ctx_new(const struct berth_config *cfg)
{
	struct worker_ctx *ctx = calloc(1, sizeof *ctx);

	if (ctx)
		ctx->cfg = cfg;
	return ctx;
}

void worker_ctx_free(struct worker_ctx *ctx)
{
	if (!ctx)
		return;
	agentc_pool_free(ctx->agents);
	store_close(ctx->store);
	if (ctx->ctd) {
		ctd_conn_free(ctx->ctd);
		ctd_shutdown();
	}
	free(ctx);
}

void worker_begin_request(struct worker_ctx *ctx, berth_deadline deadline)
{
	int64_t reserve = ctx->cfg->request_timeout_ms / 10;

	if (reserve < RESERVE_MIN_MS)
		reserve = RESERVE_MIN_MS;
	if (reserve > RESERVE_MAX_MS)
		reserve = RESERVE_MAX_MS;
	ctx->deadline = deadline;
	ctx->work_deadline = deadline > 0 ? deadline - reserve : 0;
	if (ctx->store)
		store_set_deadline(ctx->store, ctx->deadline);
	if (ctx->ctd)
		ctd_conn_set_deadline(ctx->ctd, ctx->work_deadline);
}

berth_deadline worker_work_deadline(const struct worker_ctx *ctx)
{
	return ctx->work_deadline;
}

const struct berth_config *worker_config(const struct worker_ctx *ctx)
{
	return ctx->cfg;
}

berth_store *worker_store(struct worker_ctx *ctx, berth_err *err)
{
	if (!ctx->store) {
		ctx->store = store_open(ctx->cfg->db_conninfo, ctx->cfg->db_statement_timeout_ms,
					err);
		if (!ctx->store) {
			berth_err_prefix(err, "database unavailable");
			berth_err_recode(err, BERTH_E_UNAVAILABLE, BERTH_EC_DATABASE);
			return NULL;
		}
		store_set_deadline(ctx->store, ctx->deadline);
		berth_err cache_err = { 0 };
		if (ctx->cfg->db_read_cache_ms > 0 &&
		    store_cache_enable(ctx->store, ctx->cfg->db_read_cache_ms, &cache_err) < 0)
			blog(BLOG_WARN, "worker: no read cache: %s", cache_err.msg);
	}
	return ctx->store;
}

struct ctd_conn *worker_ctd(struct worker_ctx *ctx, berth_err *err)
{
	if (!ctx->ctd) {
		ctx->ctd = ctd_conn_new(ctx->cfg->ctd_socket, ctx->cfg->ctd_namespace,
					ctx->cfg->ctd_timeout_ms, err);
		if (!ctx->ctd) {
			berth_err_prefix(err, "containerd unavailable");
			berth_err_recode(err, BERTH_E_UNAVAILABLE, BERTH_EC_CONTAINERD);
			return NULL;
		}
		ctd_conn_set_deadline(ctx->ctd, ctx->work_deadline);
		blog(BLOG_DEBUG, "containerd connection created");
	}
	return ctx->ctd;
}

struct agentc_pool *worker_agents(struct worker_ctx *ctx)
{
	if (!ctx->agents) {
		ctx->agents = agentc_pool_new(AGENT_POOL_CONNS, AGENT_POOL_IDLE_MS);
		if (!ctx->agents)
			blog(BLOG_WARN,
			     "worker: no agent connection pool (out of memory): connecting per call");
	}
	return ctx->agents;
}
