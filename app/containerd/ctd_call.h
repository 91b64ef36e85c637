/* ctd_call.h: the generic call layer under the ctd_*.h headers (gRPC C core + protobuf-c service descriptors).
 *
 * Private to app/containerd (its per-service modules): outside it, containerd is only the ctd_*.h headers' plain
 * functions and records, so that no other layer sees protobuf. The method path is "/" + svc->name + "/" + method; the request must be
 * of the method's input type. Every call sends `containerd-namespace` (and `containerd-lease` when
 * set) and has a deadline. Errors are mapped as ctd_conn.h describes, prefixed "<Service>.<Method>: ".
 */
#ifndef BERTH_CTD_CALL_H
#define BERTH_CTD_CALL_H

#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "berth/ctd_conn.h"
#include "berth/err.h"

enum ctd_call_flags {
	/* Safe to send twice: retried once on a fresh channel after UNAVAILABLE. */
	CTD_IDEMPOTENT = 1,
	/* Server streams: a ctd_conn_cancel ends the call with 0 instead of BERTH_E_TIMEOUT
	 * "cancelled". Only for streams without an end of their own (events subscriptions), whose
	 * callers stop them by cancelling; a cancelled read must never pass for complete. */
	CTD_CANCEL_ENDS_OK = 2,
};

/* timeout_ms: > 0 a deadline, 0 the connection's timeout, < 0 none (ended only by
 * ctd_conn_cancel); never past the connection's deadline (ctd_conn_set_deadline). Every call can
 * be cancelled; see ctd_conn_cancel for a cancel's lifetime. */

/* Unary call. *resp (may be NULL to discard the reply) is NEW: protobuf_c_message_free_unpacked. */
int ctd_call_unary(ctd_conn *c, const ProtobufCServiceDescriptor *svc, const char *method,
		   const ProtobufCMessage *req, ProtobufCMessage **resp, int timeout_ms, int flags,
		   berth_err *err);

/* Server-streaming call: fn gets each reply (borrowed) and returns 0 to go on, 1 to stop (the call
 * then returns 0), -1 to stop with an error it put in err. A ctd_conn_cancel ends it with
 * BERTH_E_TIMEOUT "cancelled", or with 0 under CTD_CANCEL_ENDS_OK. */
typedef int (*ctd_stream_fn)(const ProtobufCMessage *msg, void *ud, berth_err *err);
int ctd_call_server_stream(ctd_conn *c, const ProtobufCServiceDescriptor *svc, const char *method,
			   const ProtobufCMessage *req, ctd_stream_fn fn, void *ud, int timeout_ms,
			   int flags, berth_err *err);

/* Bidirectional call in lock-step: the caller sends one request and receives one reply at a time.
 * Only Content.Write uses it. */
typedef struct ctd_bidi ctd_bidi;
ctd_bidi *ctd_bidi_open(ctd_conn *c, const ProtobufCServiceDescriptor *svc, const char *method,
			int timeout_ms, berth_err *err);
/* Sends req and receives the reply (NEW, *resp). On a server error the call's status is read and
 * returned as the error. */
int ctd_bidi_exchange(ctd_bidi *b, const ProtobufCMessage *req, ProtobufCMessage **resp,
		      berth_err *err);
/* Half-closes, drains the remaining replies and reads the status; frees b. Returns the status
 * (0 if OK). With abandon set it cancels instead and always returns 0. */
int ctd_bidi_close(ctd_bidi *b, int abandon, berth_err *err);

#endif
