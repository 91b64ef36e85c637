/* context.c: a worker's lazily opened connections (see include/berth/worker.h). */
#include "berth/worker.h"

#include <stdlib.h>

#include "berth/ctd.h"
#include "berth/log.h"
#include "berth/store.h"

struct worker_ctx {
	const struct berth_config *cfg;
	berth_store *store;
	ctd_conn *ctd;
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
	store_close(ctx->store);
	if (ctx->ctd) {
		ctd_conn_free(ctx->ctd);
		ctd_shutdown();
	}
	free(ctx);
}

const struct berth_config *worker_config(const struct worker_ctx *ctx)
{
	return ctx->cfg;
}

berth_store *worker_store(struct worker_ctx *ctx, berth_err *err)
{
	if (!ctx->store) {
		ctx->store = store_open(ctx->cfg->db_conninfo, ctx->cfg->db_statement_timeout_ms, err);
		if (!ctx->store) {
			berth_err_prefix(err, "database unavailable");
			if (err)
				err->kind = BERTH_E_UNAVAILABLE;
			return NULL;
		}
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
			if (err)
				err->kind = BERTH_E_UNAVAILABLE;
			return NULL;
		}
		blog(BLOG_DEBUG, "containerd connection created");
	}
	return ctx->ctd;
}
