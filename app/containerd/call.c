/* call.c: the connection and the generic call layer (unary, server stream, bidi) over gRPC core.
 *
 * Invariants measured on this machine (shared/notes/containerd-from-c.md):
 *  - RECV_INITIAL_METADATA is always in the first receive batch, or RECV_MESSAGE may never complete;
 *  - 16 MiB message limits (containerd's own);
 *  - a local subchannel pool, so re-creating the channel really makes a new connection;
 *  - GRPC_ARG_MIN_RECONNECT_BACKOFF_MS is also the minimum connect timeout: keep it >= 5 s;
 *  - after UNAVAILABLE the channel is destroyed and re-created (reconnects in ~50 ms instead of
 *    staying ~3 s in TRANSIENT_FAILURE), and idempotent calls are retried once.
 * Completion-queue waits are sliced so that ctd_conn_cancel can end unbounded calls. A cancel is
 * a flag on the connection: set by ctd_conn_cancel, acted on by the call in progress (or the next
 * one), and cleared when that call ends, so it never reaches a later call.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

#include "berth/ctd_conn.h"
#include "berth/ctd_types.h"
#include "berth/deadline.h"
#include "ctd_call.h"
#include "berth/metrics.h"

#define MSG_LIMIT (16 * 1024 * 1024)
#define POLL_SLICE_MS 200
/* containerd derives its own context deadline from the grpc-timeout we send and may notice it
 * first, answering UNKNOWN: within this much of the call's deadline that is the deadline. */
#define DEADLINE_SLACK_MS 250

struct ctd_conn {
	char *target; /* "unix:<path>" */
	char *ns;
	char *lease;
	int default_timeout_ms;
	int timeout_ms;
	berth_deadline deadline; /* bounds every call (0: none) */
	int last_status;
	atomic_int cancel; /* a ctd_conn_cancel not yet used up by a call */
	grpc_channel *ch;
	grpc_completion_queue *cq;
};

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static int grpc_ready;

static void ensure_grpc_init(void)
{
	pthread_mutex_lock(&init_lock);
	if (!grpc_ready) {
		grpc_init();
		grpc_ready = 1;
	}
	pthread_mutex_unlock(&init_lock);
}

void ctd_shutdown(void)
{
	pthread_mutex_lock(&init_lock);
	if (grpc_ready) {
		grpc_shutdown_blocking();
		grpc_ready = 0;
	}
	pthread_mutex_unlock(&init_lock);
}

static grpc_arg int_arg(const char *key, int value)
{
	grpc_arg a;
	a.type = GRPC_ARG_INTEGER;
	a.key = (char *)key;
	a.value.integer = value;
	return a;
}

static int channel_open(ctd_conn *c, berth_err *err)
{
	grpc_arg args[] = {
		int_arg(GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, MSG_LIMIT),
		int_arg(GRPC_ARG_MAX_SEND_MESSAGE_LENGTH, MSG_LIMIT),
		int_arg(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100),
		int_arg(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000),
		int_arg(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 5000),
		int_arg(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1),
	};
	grpc_channel_args cargs = { sizeof(args) / sizeof(args[0]), args };
	grpc_channel_credentials *creds = grpc_insecure_credentials_create();
	if (!creds)
		return berth_err_setc(err, BERTH_E_INTERNAL, BERTH_EC_CONTAINERD,
				      "containerd: no insecure credentials");
	c->ch = grpc_channel_create(c->target, creds, &cargs);
	grpc_channel_credentials_release(creds);
	if (!c->ch)
		return berth_err_driver(err, BERTH_E_INTERNAL, BERTH_EC_CONTAINERD,
					"containerd: cannot create channel to %s", c->target);
	return 0;
}

/* After UNAVAILABLE: a fresh channel connects at once instead of waiting out the backoff. */
static void channel_reset(ctd_conn *c)
{
	grpc_channel_destroy(c->ch);
	c->ch = NULL;
	berth_err ignored;
	if (channel_open(c, &ignored) != 0)
		c->ch = NULL; /* retried on the next call */
}

ctd_conn *ctd_conn_new(const char *socket_path, const char *ns, int default_timeout_ms,
		       berth_err *err)
{
	if (!socket_path || !*socket_path || !ns || !*ns || default_timeout_ms <= 0) {
		berth_err_set(
			err, BERTH_E_INVALID,
			"containerd: socket path, namespace and a positive timeout are required");
		return NULL;
	}
	ctd_conn *c = calloc(1, sizeof(*c));
	if (!c)
		goto nomem;
	size_t tlen = strlen(socket_path) + sizeof("unix:");
	c->target = malloc(tlen);
	c->ns = strdup(ns);
	if (!c->target || !c->ns)
		goto nomem;
	snprintf(c->target, tlen, "unix:%s", socket_path);
	c->default_timeout_ms = default_timeout_ms;
	c->timeout_ms = default_timeout_ms;
	atomic_init(&c->cancel, 0);
	ensure_grpc_init();
	c->cq = grpc_completion_queue_create_for_pluck(NULL);
	if (!c->cq) {
		berth_err_set(err, BERTH_E_INTERNAL, "containerd: cannot create completion queue");
		goto fail;
	}
	if (channel_open(c, err) != 0)
		goto fail;
	return c;
nomem:
	berth_err_set(err, BERTH_E_INTERNAL, "containerd: out of memory");
fail:
	ctd_conn_free(c);
	return NULL;
}

void ctd_conn_free(ctd_conn *c)
{
	if (!c)
		return;
	if (c->ch)
		grpc_channel_destroy(c->ch);
	if (c->cq) {
		grpc_completion_queue_shutdown(c->cq);
		grpc_completion_queue_destroy(c->cq);
	}
	free(c->target);
	free(c->ns);
	free(c->lease);
	free(c);
}

int ctd_conn_set_lease(ctd_conn *c, const char *lease_id)
{
	char *copy = NULL;
	if (lease_id && !(copy = strdup(lease_id)))
		return -1;
	free(c->lease);
	c->lease = copy;
	return 0;
}

int ctd_conn_set_timeout(ctd_conn *c, int timeout_ms)
{
	int old = c->timeout_ms;
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : c->default_timeout_ms;
	return old;
}

void ctd_conn_set_deadline(ctd_conn *c, berth_deadline deadline)
{
	c->deadline = deadline;
}

berth_deadline ctd_conn_deadline(const ctd_conn *c)
{
	return c->deadline;
}

void ctd_conn_cancel(ctd_conn *c)
{
	atomic_store(&c->cancel, 1);
}

int ctd_conn_last_status(const ctd_conn *c)
{
	return c->last_status;
}

const char *ctd_conn_namespace(const ctd_conn *c)
{
	return c->ns;
}

/* ---- one call ------------------------------------------------------------------------------- */

struct call {
	ctd_conn *c;
	grpc_call *gc;
	char name[96]; /* "Tasks.Get", for messages */
	grpc_metadata md[2];
	size_t n_md;
	grpc_metadata_array init_md;
	grpc_metadata_array trail_md;
	grpc_status_code status;
	grpc_slice details;
	const char *error_string;
	int status_read;
	int cancelled;
	int first_batch_done;
	int64_t deadline_ms; /* monotonic end of this call; 0 = none */
};

static const ProtobufCMethodDescriptor *find_method(const ProtobufCServiceDescriptor *svc,
						    const char *method, berth_err *err)
{
	const ProtobufCMethodDescriptor *m = protobuf_c_service_descriptor_get_method_by_name(
		svc, method);
	if (!m)
		berth_err_set(err, BERTH_E_INTERNAL, "%s.%s: no such method", svc->short_name,
			      method);
	return m;
}

/* The call's timeout: its own (0: the connection's; < 0: none), never past the connection's
 * deadline. Fails with BERTH_E_TIMEOUT / BERTH_EC_DEADLINE_EXCEEDED when that has passed. */
static int deadline_for(struct call *k, int timeout_ms, gpr_timespec *out, berth_err *err)
{
	int cap = timeout_ms < 0 ? 0 : timeout_ms == 0 ? k->c->timeout_ms : timeout_ms;
	int ms;

	if (berth_deadline_budget(k->c->deadline, cap, k->name, &ms, err) != 0) {
		k->c->last_status = GRPC_STATUS_DEADLINE_EXCEEDED;
		return -1;
	}
	if (ms < 0) {
		*out = gpr_inf_future(GPR_CLOCK_MONOTONIC);
		return 0;
	}
	k->deadline_ms = berth_now_ms() + ms;
	*out = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(ms, GPR_TIMESPAN));
	return 0;
}

static int call_begin(struct call *k, ctd_conn *c, const ProtobufCServiceDescriptor *svc,
		      const char *method, int timeout_ms, berth_err *err)
{
	memset(k, 0, sizeof(*k));
	k->c = c;
	snprintf(k->name, sizeof(k->name), "%s.%s", svc->short_name, method);
	grpc_metadata_array_init(&k->init_md);
	grpc_metadata_array_init(&k->trail_md);
	k->details = grpc_empty_slice();
	if (!c->ch && channel_open(c, err) != 0)
		return berth_err_prefix(err, "%s", k->name);
	k->md[0].key = grpc_slice_from_static_string("containerd-namespace");
	k->md[0].value = grpc_slice_from_copied_string(c->ns);
	k->n_md = 1;
	if (c->lease) {
		k->md[1].key = grpc_slice_from_static_string("containerd-lease");
		k->md[1].value = grpc_slice_from_copied_string(c->lease);
		k->n_md = 2;
	}
	char path[256];
	int plen = snprintf(path, sizeof(path), "/%s/%s", svc->name, method);
	if (plen < 0 || (size_t)plen >= sizeof(path))
		return berth_err_setc(err, BERTH_E_INTERNAL, BERTH_EC_CONTAINERD,
				      "%s: method path too long", k->name);
	gpr_timespec deadline;
	if (deadline_for(k, timeout_ms, &deadline, err) != 0)
		return -1;
	grpc_slice spath = grpc_slice_from_copied_string(path);
	k->gc = grpc_channel_create_call(c->ch, NULL, GRPC_PROPAGATE_DEFAULTS, c->cq, spath, NULL,
					 deadline, NULL);
	grpc_slice_unref(spath);
	if (!k->gc)
		return berth_err_setc(err, BERTH_E_INTERNAL, BERTH_EC_CONTAINERD,
				      "%s: cannot create call", k->name);
	return 0;
}

static void call_end(struct call *k)
{
	/* The cancel (if any) was meant for this call, which is over: it must not hit the next one. */
	atomic_store(&k->c->cancel, 0);
	if (k->gc)
		grpc_call_unref(k->gc);
	for (size_t i = 0; i < k->n_md; i++) {
		grpc_slice_unref(k->md[i].key);
		grpc_slice_unref(k->md[i].value);
	}
	grpc_metadata_array_destroy(&k->init_md);
	grpc_metadata_array_destroy(&k->trail_md);
	grpc_slice_unref(k->details);
	gpr_free((void *)k->error_string);
	k->gc = NULL;
	k->n_md = 0;
	k->error_string = NULL;
}

/* Runs a batch and waits for it, in slices so that a ctd_conn_cancel (pending before the batch
 * or arriving during it) is honoured. Returns the batch's success flag (1/0), or -1 if the batch
 * could not start. */
static int run_batch(struct call *k, const grpc_op *ops, size_t n)
{
	void *tag = (void *)ops;
	if (grpc_call_start_batch(k->gc, ops, n, tag, NULL) != GRPC_CALL_OK)
		return -1;
	for (;;) {
		if (!k->cancelled && atomic_load(&k->c->cancel)) {
			k->cancelled = 1;
			grpc_call_cancel(k->gc, NULL);
		}
		gpr_timespec t = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
					      gpr_time_from_millis(POLL_SLICE_MS, GPR_TIMESPAN));
		grpc_event ev = grpc_completion_queue_pluck(k->c->cq, tag, t, NULL);
		if (ev.type == GRPC_OP_COMPLETE)
			return ev.success ? 1 : 0;
		if (ev.type == GRPC_QUEUE_SHUTDOWN)
			return -1;
	}
}

static grpc_op op_send_md(struct call *k)
{
	grpc_op op;
	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_SEND_INITIAL_METADATA;
	op.data.send_initial_metadata.count = k->n_md;
	op.data.send_initial_metadata.metadata = k->md;
	return op;
}

static grpc_op op_plain(grpc_op_type type)
{
	grpc_op op;
	memset(&op, 0, sizeof(op));
	op.op = type;
	return op;
}

static grpc_op op_send_msg(grpc_byte_buffer *bb)
{
	grpc_op op = op_plain(GRPC_OP_SEND_MESSAGE);
	op.data.send_message.send_message = bb;
	return op;
}

static grpc_op op_recv_md(struct call *k)
{
	grpc_op op = op_plain(GRPC_OP_RECV_INITIAL_METADATA);
	op.data.recv_initial_metadata.recv_initial_metadata = &k->init_md;
	return op;
}

static grpc_op op_recv_msg(grpc_byte_buffer **bb)
{
	grpc_op op = op_plain(GRPC_OP_RECV_MESSAGE);
	op.data.recv_message.recv_message = bb;
	return op;
}

static grpc_op op_recv_status(struct call *k)
{
	grpc_op op = op_plain(GRPC_OP_RECV_STATUS_ON_CLIENT);
	op.data.recv_status_on_client.trailing_metadata = &k->trail_md;
	op.data.recv_status_on_client.status = &k->status;
	op.data.recv_status_on_client.status_details = &k->details;
	op.data.recv_status_on_client.error_string = &k->error_string;
	return op;
}

static grpc_byte_buffer *pack(const ProtobufCMessage *msg)
{
	size_t len = protobuf_c_message_get_packed_size(msg);
	grpc_slice s = grpc_slice_malloc(len);
	protobuf_c_message_pack(msg, GRPC_SLICE_START_PTR(s));
	grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&s, 1);
	grpc_slice_unref(s);
	return bb;
}

static ProtobufCMessage *unpack(const ProtobufCMessageDescriptor *d, grpc_byte_buffer *bb)
{
	grpc_byte_buffer_reader r;
	if (!grpc_byte_buffer_reader_init(&r, bb))
		return NULL;
	grpc_slice s = grpc_byte_buffer_reader_readall(&r);
	ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, GRPC_SLICE_LENGTH(s),
							GRPC_SLICE_START_PTR(s));
	grpc_slice_unref(s);
	grpc_byte_buffer_reader_destroy(&r);
	return m;
}

/* Reads the call's status if not read yet. */
static void read_status(struct call *k)
{
	if (k->status_read)
		return;
	grpc_op op = op_recv_status(k);
	if (run_batch(k, &op, 1) != 1) {
		k->status = GRPC_STATUS_INTERNAL;
	}
	k->status_read = 1;
}

/* True when the call failed because its deadline passed: DEADLINE_EXCEEDED, or UNKNOWN at (or
 * within DEADLINE_SLACK_MS of) the deadline, when containerd's own context noticed it first. */
static bool out_of_time(const struct call *k)
{
	if (k->status == GRPC_STATUS_DEADLINE_EXCEEDED)
		return true;
	return k->status == GRPC_STATUS_UNKNOWN && k->deadline_ms > 0 &&
	       berth_now_ms() + DEADLINE_SLACK_MS >= k->deadline_ms;
}

/* Turns the call's status into the return value: 0 for OK, else -1 with err filled. Records the
 * raw code, and re-creates the channel after UNAVAILABLE. containerd's text names sockets and host
 * paths: the message is detail for the log (berth_err_driver). */
static int status_result(struct call *k, berth_err *err)
{
	ctd_conn *c = k->c;
	c->last_status = k->status;
	if (k->status == GRPC_STATUS_OK)
		return 0;
	if (k->cancelled)
		return berth_err_set(err, BERTH_E_TIMEOUT, "%s: cancelled", k->name);
	if (out_of_time(k)) {
		c->last_status = GRPC_STATUS_DEADLINE_EXCEEDED;
		return berth_err_driver(err, BERTH_E_TIMEOUT, BERTH_EC_DEADLINE_EXCEEDED,
					"%s: deadline exceeded", k->name);
	}
	if (k->status == GRPC_STATUS_UNAVAILABLE)
		channel_reset(c);
	char msg[BERTH_ERR_MSG_MAX];
	size_t dlen = GRPC_SLICE_LENGTH(k->details);
	if (dlen > 0) {
		if (dlen >= sizeof(msg))
			dlen = sizeof(msg) - 1;
		memcpy(msg, GRPC_SLICE_START_PTR(k->details), dlen);
		msg[dlen] = '\0';
	} else if (k->error_string) {
		snprintf(msg, sizeof(msg), "%s", k->error_string);
	} else {
		snprintf(msg, sizeof(msg), "gRPC status %d", (int)k->status);
	}
	return berth_err_driver(err, ctd_status_kind(k->status), BERTH_EC_CONTAINERD, "%s: %s",
				k->name, msg);
}

/* ---- unary ----------------------------------------------------------------------------------- */

static int unary_once(ctd_conn *c, const ProtobufCServiceDescriptor *svc,
		      const ProtobufCMethodDescriptor *m, const ProtobufCMessage *req,
		      ProtobufCMessage **resp, int timeout_ms, berth_err *err)
{
	struct call k;
	grpc_byte_buffer *sbb = NULL, *rbb = NULL;
	int rc = -1;
	c->last_status = GRPC_STATUS_UNKNOWN;
	if (call_begin(&k, c, svc, m->name, timeout_ms, err) != 0)
		goto out;
	sbb = pack(req);
	grpc_op ops[6] = {
		op_send_md(&k), op_send_msg(sbb),  op_plain(GRPC_OP_SEND_CLOSE_FROM_CLIENT),
		op_recv_md(&k), op_recv_msg(&rbb), op_recv_status(&k),
	};
	if (run_batch(&k, ops, 6) < 0) {
		berth_err_set(err, BERTH_E_INTERNAL, "%s: cannot start call", k.name);
		goto out;
	}
	k.status_read = 1;
	if (status_result(&k, err) != 0)
		goto out;
	ProtobufCMessage *r = rbb ? unpack(m->output, rbb) : NULL;
	if (!r) {
		berth_err_set(err, BERTH_E_INTERNAL, "%s: reply missing or malformed", k.name);
		goto out;
	}
	if (resp)
		*resp = r;
	else
		protobuf_c_message_free_unpacked(r, NULL);
	rc = 0;
out:
	if (sbb)
		grpc_byte_buffer_destroy(sbb);
	if (rbb)
		grpc_byte_buffer_destroy(rbb);
	call_end(&k);
	return rc;
}

static int check_request(const ProtobufCMethodDescriptor *m, const ProtobufCMessage *req,
			 const char *svc_name, berth_err *err)
{
	if (req->descriptor != m->input)
		return berth_err_set(err, BERTH_E_INTERNAL, "%s.%s: request is a %s, not a %s",
				     svc_name, m->name, req->descriptor->name, m->input->name);
	return 0;
}

int ctd_call_unary(ctd_conn *c, const ProtobufCServiceDescriptor *svc, const char *method,
		   const ProtobufCMessage *req, ProtobufCMessage **resp, int timeout_ms, int flags,
		   berth_err *err)
{
	const ProtobufCMethodDescriptor *m = find_method(svc, method, err);
	if (!m || check_request(m, req, svc->short_name, err) != 0)
		return -1;
	uint64_t t0 = metrics_recording() ? metrics_now_us() : 0;
	berth_err local = { 0 };
	berth_err *e = err ? err : &local;
	int rc = unary_once(c, svc, m, req, resp, timeout_ms, e);
	if (rc != 0 && c->last_status == GRPC_STATUS_UNAVAILABLE && (flags & CTD_IDEMPOTENT))
		rc = unary_once(c, svc, m, req, resp, timeout_ms, e);
	if (t0)
		metrics_observe_dep(METRICS_DEP_CONTAINERD, metrics_now_us() - t0,
				    rc == 0 ? BERTH_OK : e->kind);
	return rc;
}

/* ---- server stream ------------------------------------------------------------------------- */

/* Returns 0/-1; *delivered tells whether any message reached fn (then no retry). */
static int stream_once(ctd_conn *c, const ProtobufCServiceDescriptor *svc,
		       const ProtobufCMethodDescriptor *m, const ProtobufCMessage *req,
		       ctd_stream_fn fn, void *ud, int timeout_ms, int flags, int *delivered,
		       berth_err *err)
{
	struct call k;
	grpc_byte_buffer *sbb = NULL;
	int rc = -1, stop = 0;
	c->last_status = GRPC_STATUS_UNKNOWN;
	if (call_begin(&k, c, svc, m->name, timeout_ms, err) != 0)
		goto out;
	sbb = pack(req);
	grpc_op ops[4] = {
		op_send_md(&k),
		op_send_msg(sbb),
		op_plain(GRPC_OP_SEND_CLOSE_FROM_CLIENT),
		op_recv_md(&k),
	};
	if (run_batch(&k, ops, 4) < 0) {
		berth_err_set(err, BERTH_E_INTERNAL, "%s: cannot start call", k.name);
		goto out;
	}
	for (;;) {
		grpc_byte_buffer *rbb = NULL;
		grpc_op op = op_recv_msg(&rbb);
		if (run_batch(&k, &op, 1) != 1 || !rbb)
			break;
		ProtobufCMessage *msg = unpack(m->output, rbb);
		grpc_byte_buffer_destroy(rbb);
		if (!msg) {
			berth_err_set(err, BERTH_E_INTERNAL, "%s: malformed message", k.name);
			stop = -1;
		} else {
			*delivered = 1;
			stop = fn(msg, ud, err);
			protobuf_c_message_free_unpacked(msg, NULL);
		}
		if (stop != 0) {
			grpc_call_cancel(k.gc, NULL);
			break;
		}
	}
	read_status(&k);
	if (stop < 0) {
		c->last_status = k.status;
		goto out;
	}
	if (stop > 0 ||
	    (k.cancelled && k.status == GRPC_STATUS_CANCELLED && (flags & CTD_CANCEL_ENDS_OK))) {
		c->last_status = GRPC_STATUS_OK;
		rc = 0;
		goto out;
	}
	/* A cancelled stream that did not end OK is an error ("cancelled"): its data is partial. */
	rc = status_result(&k, err);
out:
	if (sbb)
		grpc_byte_buffer_destroy(sbb);
	call_end(&k);
	return rc;
}

int ctd_call_server_stream(ctd_conn *c, const ProtobufCServiceDescriptor *svc, const char *method,
			   const ProtobufCMessage *req, ctd_stream_fn fn, void *ud, int timeout_ms,
			   int flags, berth_err *err)
{
	const ProtobufCMethodDescriptor *m = find_method(svc, method, err);
	if (!m || check_request(m, req, svc->short_name, err) != 0)
		return -1;
	/* A subscription that only a cancel ends has no latency worth a histogram: not recorded. */
	uint64_t t0 = metrics_recording() && !(flags & CTD_CANCEL_ENDS_OK) ? metrics_now_us() : 0;
	berth_err local = { 0 };
	berth_err *e = err ? err : &local;
	int delivered = 0;
	int rc = stream_once(c, svc, m, req, fn, ud, timeout_ms, flags, &delivered, e);
	if (rc != 0 && !delivered && c->last_status == GRPC_STATUS_UNAVAILABLE &&
	    (flags & CTD_IDEMPOTENT))
		rc = stream_once(c, svc, m, req, fn, ud, timeout_ms, flags, &delivered, e);
	if (t0)
		metrics_observe_dep(METRICS_DEP_CONTAINERD, metrics_now_us() - t0,
				    rc == 0 ? BERTH_OK : e->kind);
	return rc;
}

/* ---- bidi (lock-step) ----------------------------------------------------------------------- */

struct ctd_bidi {
	struct call k;
	const ProtobufCMethodDescriptor *m;
	int ended; /* the server closed its side; status read */
};

ctd_bidi *ctd_bidi_open(ctd_conn *c, const ProtobufCServiceDescriptor *svc, const char *method,
			int timeout_ms, berth_err *err)
{
	const ProtobufCMethodDescriptor *m = find_method(svc, method, err);
	if (!m)
		return NULL;
	ctd_bidi *b = calloc(1, sizeof(*b));
	if (!b) {
		berth_err_set(err, BERTH_E_INTERNAL, "%s.%s: out of memory", svc->short_name,
			      method);
		return NULL;
	}
	b->m = m;
	c->last_status = GRPC_STATUS_UNKNOWN;
	if (call_begin(&b->k, c, svc, method, timeout_ms, err) != 0) {
		call_end(&b->k);
		free(b);
		return NULL;
	}
	return b;
}

int ctd_bidi_exchange(ctd_bidi *b, const ProtobufCMessage *req, ProtobufCMessage **resp,
		      berth_err *err)
{
	struct call *k = &b->k;
	if (b->ended)
		return berth_err_set(err, BERTH_E_INTERNAL, "%s: stream already ended", k->name);
	if (req->descriptor != b->m->input)
		return berth_err_set(err, BERTH_E_INTERNAL, "%s: request is a %s", k->name,
				     req->descriptor->name);
	grpc_byte_buffer *sbb = pack(req), *rbb = NULL;
	grpc_op ops[4];
	size_t n = 0;
	if (!k->first_batch_done)
		ops[n++] = op_send_md(k);
	ops[n++] = op_send_msg(sbb);
	if (!k->first_batch_done)
		ops[n++] = op_recv_md(k);
	ops[n++] = op_recv_msg(&rbb);
	int ok = run_batch(k, ops, n);
	k->first_batch_done = 1;
	grpc_byte_buffer_destroy(sbb);
	if (ok < 0)
		return berth_err_set(err, BERTH_E_INTERNAL, "%s: cannot start batch", k->name);
	if (!rbb) {
		b->ended = 1;
		read_status(k);
		if (status_result(k, err) == 0)
			berth_err_set(err, BERTH_E_INTERNAL, "%s: stream ended without a reply",
				      k->name);
		return -1;
	}
	ProtobufCMessage *r = unpack(b->m->output, rbb);
	grpc_byte_buffer_destroy(rbb);
	if (!r)
		return berth_err_set(err, BERTH_E_INTERNAL, "%s: malformed reply", k->name);
	*resp = r;
	k->c->last_status = GRPC_STATUS_OK;
	return 0;
}

int ctd_bidi_close(ctd_bidi *b, int abandon, berth_err *err)
{
	struct call *k = &b->k;
	int rc = 0;
	if (!b->ended && k->first_batch_done) {
		int closed = 0;
		if (abandon) {
			grpc_call_cancel(k->gc, NULL);
		} else {
			grpc_op op = op_plain(GRPC_OP_SEND_CLOSE_FROM_CLIENT);
			closed = run_batch(k, &op, 1) == 1;
			if (!closed)
				grpc_call_cancel(k->gc, NULL); /* the stream is broken: end it */
			/* containerd repeats its last reply after our half-close; the status comes
			 * only once every message has been read. */
			while (closed) {
				grpc_byte_buffer *rbb = NULL;
				grpc_op rop = op_recv_msg(&rbb);
				if (run_batch(k, &rop, 1) != 1 || !rbb)
					break;
				grpc_byte_buffer_destroy(rbb);
			}
		}
		read_status(k);
		if (!abandon) {
			rc = status_result(k, err);
			if (rc == 0 && !closed)
				rc = berth_err_set(err, BERTH_E_INTERNAL, "%s: half-close failed",
						   k->name);
		}
	} else if (!k->first_batch_done) {
		grpc_call_cancel(k->gc, NULL);
	}
	call_end(k);
	free(b);
	return rc;
}
