/* http_context.h: what one berth-fcgi worker holds (app/http/context.c): its configuration and,
 * opened lazily on first use after fork, ONE store connection and ONE containerd connection.
 *
 * The master never creates a worker_ctx (it must hold no gRPC or libpq state when it forks).
 * A failed open is not cached: the next call tries again. Once open, reconnection is the
 * client's business (the store reconnects on its next call after a lost connection; the
 * containerd library re-creates its channel).
 */
#ifndef BERTH_HTTP_CONTEXT_H
#define BERTH_HTTP_CONTEXT_H

#include "berth/config.h"
#include "berth/deadline.h"
#include "berth/err.h"

typedef struct berth_store berth_store; /* store_conn.h */
struct ctd_conn;			/* ctd_conn.h */
struct agentc_pool;			/* agentc_pool.h */
struct worker_ctx;

/* cfg is BORROWED and must outlive the context. Returns NULL only when out of memory. */
struct worker_ctx *worker_ctx_new(const struct berth_config *cfg);
/* Closes the connections that were opened. NULL is fine. */
void worker_ctx_free(struct worker_ctx *ctx);

const struct berth_config *worker_config(const struct worker_ctx *ctx);

/* The request now served must be answered by deadline (0: none). Every store statement is
 * bounded by it; the containerd connection and the domain's work (worker_work_deadline) stop a
 * little earlier, so that an operation that ran out of time can still record the truth (status,
 * last_error, event) in the database and answer before the deadline. Applies to the connections
 * open now and to those opened later during the request. */
void worker_begin_request(struct worker_ctx *ctx, berth_deadline deadline);
/* The deadline of the request's work (see worker_begin_request); 0 when none. */
berth_deadline worker_work_deadline(const struct worker_ctx *ctx);

/* The store connection (BORROWED), opened on first use. NULL with err UNAVAILABLE
 * ("database unavailable: ...") when it cannot be opened. */
berth_store *worker_store(struct worker_ctx *ctx, berth_err *err);

/* The containerd connection (BORROWED), created on first use (this is where the worker's
 * grpc_init happens). NULL with err UNAVAILABLE ("containerd unavailable: ...") on failure. */
struct ctd_conn *worker_ctd(struct worker_ctx *ctx, berth_err *err);

/* The worker's kept connections to bots' agents (BORROWED), made on first use; NULL when out of
 * memory (calls then connect each time). */
struct agentc_pool *worker_agents(struct worker_ctx *ctx);

#endif
