/* ctd_conn.h: the containerd client's connection (app/containerd/call.c), and how every call of
 * the client behaves. The client (gRPC C core + protobuf-c) is one thin function per operation,
 * one header per containerd service (ctd_<service>.h), plain types in ctd_types.h.
 *
 * It knows containerd's API and nothing of bots. Every function takes plain C arguments; strings
 * passed in are BORROWED for the duration of the call. Functions return 0 on success and -1 on
 * failure with err filled: the kind comes from the gRPC status (NOT_FOUND -> BERTH_E_NOT_FOUND,
 * ALREADY_EXISTS -> BERTH_E_ALREADY_EXISTS, FAILED_PRECONDITION -> BERTH_E_PRECONDITION,
 * UNAVAILABLE -> BERTH_E_UNAVAILABLE, INVALID_ARGUMENT -> BERTH_E_INVALID, anything else ->
 * BERTH_E_INTERNAL), the sub-code is BERTH_EC_CONTAINERD and the message is containerd's text
 * prefixed with the method ("Tasks.Get: ..."), marked detail_only (it names sockets and host
 * paths). A call that ran out of time (DEADLINE_EXCEEDED, or UNKNOWN at its deadline, which is how
 * containerd answers when its own copy of the deadline fires first) fails with BERTH_E_TIMEOUT /
 * BERTH_EC_DEADLINE_EXCEEDED. The raw gRPC status code of the last call is ctd_conn_last_status().
 *
 * Results are Berth's own records (ctd_*.h; containerd's protobuf types stay inside app/containerd):
 * NEW, freed with their *_free function. Callbacks of streaming calls get BORROWED records, valid
 * only during the callback.
 *
 * Connections: one ctd_conn per process or per thread, created AFTER fork and never used across
 * fork (gRPC state does not survive fork). A connection holds one channel and one completion queue;
 * after containerd restarts, the channel is re-created on UNAVAILABLE and idempotent calls (Get,
 * List, Stat, Version, Mounts, Read, Info, Usage, Wait) are retried once.
 */
#ifndef BERTH_CTD_CONN_H
#define BERTH_CTD_CONN_H

#include "berth/deadline.h"
#include "berth/err.h"

typedef struct ctd_conn ctd_conn;

/* A connection to the containerd socket at socket_path (a file path, not a URI) for namespace ns.
 * default_timeout_ms is the deadline of every call that has no explicit one (> 0). Calls
 * grpc_init() the first time. The channel connects lazily: an absent socket shows as
 * BERTH_E_UNAVAILABLE on the first call, not here. NULL on failure (err filled). */
ctd_conn *ctd_conn_new(const char *socket_path, const char *ns, int default_timeout_ms,
		       berth_err *err);
/* NULL is fine. */
void ctd_conn_free(ctd_conn *c);
/* Sends `containerd-lease: <lease_id>` with every following call; NULL clears. Copied. */
int ctd_conn_set_lease(ctd_conn *c, const char *lease_id);
/* Sets the deadline of following calls (ms > 0; 0 restores the default) and returns the previous
 * value, so that `int old = ctd_conn_set_timeout(c, 60000); ...; ctd_conn_set_timeout(c, old);`. */
int ctd_conn_set_timeout(ctd_conn *c, int timeout_ms);
/* Bounds every following call on c by deadline (berth/deadline.h; 0: none): a call's timeout is
 * what is left of it, never more than the call's own; a call made after it has passed fails at
 * once with BERTH_E_TIMEOUT / BERTH_EC_DEADLINE_EXCEEDED. Set per request by its owner. */
void ctd_conn_set_deadline(ctd_conn *c, berth_deadline deadline);
berth_deadline ctd_conn_deadline(const ctd_conn *c);
/* Makes the call in progress on c end soon with BERTH_E_TIMEOUT "<Service>.<Method>: cancelled"
 * (streams too: a cancelled Content.Read or Snapshots.List never passes for complete; only an
 * events subscription ends with 0). When no call is in progress, the cancel waits for the next
 * call on c, so that a cancel racing with the start of a call is not lost. Either way the cancel
 * is used up when that one call ends (whether it saw it or finished first): it never reaches a
 * call after it. A caller that loops over calls keeps its own stop flag, sets it before
 * cancelling and checks it between calls. A function of this header that makes several calls
 * (ctd_exec_wait, ctd_content_write) fails with the cancelled call's error; its clean-up calls
 * are not cancelled. Async-signal-safe and callable from another thread: the only function here
 * that may be. */
void ctd_conn_cancel(ctd_conn *c);
/* The grpc_status_code of the last call on c (0 = OK), for callers that need the raw code. */
int ctd_conn_last_status(const ctd_conn *c);
/* The namespace c was made for (borrowed). */
const char *ctd_conn_namespace(const ctd_conn *c);
/* For tools and tests: after every ctd_conn is freed, shut gRPC down completely
 * (grpc_shutdown_blocking), e.g. before fork() or at exit. A later ctd_conn_new initialises again. */
void ctd_shutdown(void);

#endif
