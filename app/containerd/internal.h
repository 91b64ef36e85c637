/* internal.h: shared bits of the containerd client's per-service modules (not a public header). */
#ifndef BERTH_CTD_INTERNAL_H
#define BERTH_CTD_INTERNAL_H

#include <protobuf-c/protobuf-c.h>

#include "berth/ctd_types.h"
#include "containerd/types/mount.pb-c.h"
#include "ctd_call.h"
#include "google/protobuf/timestamp.pb-c.h"

/* protobuf-c request fields are char *; requests only borrow the caller's strings. */
#define CTD_STR(s) ((char *)((s) ? (s) : ""))

/* Fills err with an out-of-memory error for what; returns -1. */
int ctd_nomem(berth_err *err, const char *what);

/* Looks key up in a map<string,string> field of a message, e.g.
 * ctd_map_get(ctr->n_labels, (ProtobufCMessage **)ctr->labels, "mcp.bot_id"). Borrowed or NULL. */
const char *ctd_map_get(size_t n_entries, ProtobufCMessage *const *entries, const char *key);

/* Builds the entry array of a map<string,string> field whose entry message is entry_desc
 * (any *_LabelsEntry descriptor) from labels; the entries borrow the strings. NEW array: free with
 * ctd_map_free(). Entries with value NULL are skipped. Returns 0, or -1 on allocation failure. */
int ctd_map_build(const ProtobufCMessageDescriptor *entry_desc, const ctd_label *labels,
		  size_t n_labels, ProtobufCMessage ***entries_out, size_t *n_out);
void ctd_map_free(ProtobufCMessage **entries, size_t n);

/* The labels of a map<string,string> field as a NEW array of ctd_label borrowing the entries'
 * strings (free() it). -1 on allocation failure. */
int ctd_labels_of_map(size_t n_entries, ProtobufCMessage *const *entries, const ctd_label **out,
		      size_t *n_out);
#define CTD_LABELS_OF(field, n_field, out, n_out)                                                  \
	ctd_labels_of_map((n_field), (ProtobufCMessage *const *)(field), (out), (n_out))

/* protobuf_c_message_free_unpacked of a reply; NULL is fine. */
void ctd_reply_free(void *reply);

/* A Timestamp as ctd_time (NULL: zero). */
ctd_time ctd_time_of(const Google__Protobuf__Timestamp *ts);

/* Maps containerd's containerd.v1.types.Status value. */
ctd_task_status ctd_task_status_from_proto(int proto_status);

/* Takes a reply's mounts into out (which then owns the reply). -1 (reply freed) on allocation
 * failure. */
int ctd_mounts_take(ctd_mounts *out, ProtobufCMessage *reply, size_t n,
		    Containerd__Types__Mount *const *mounts, berth_err *err);
/* A NEW array of m->n Mount messages borrowing m's strings, for a request (one block: free()).
 * *out NULL when m is NULL or empty. */
int ctd_mounts_proto(const ctd_mounts *m, Containerd__Types__Mount ***out, berth_err *err);

/* Builds a map<string,string> field (entries and count) from labels, typed for the field. */
#define CTD_MAP_BUILD(entry_desc, labels, n_labels, field, n_field)                                \
	ctd_map_build((entry_desc), (labels), (n_labels), (ProtobufCMessage ***)&(field),          \
		      &(n_field))
#define CTD_MAP_FREE(field, n_field) ctd_map_free((ProtobufCMessage **)(field), (n_field))

/* Unary call with the connection's deadline. */
#define CTD_UNARY(c, svc, method, req, resp, flags, err)                                           \
	ctd_call_unary((c), (svc), (method), (const ProtobufCMessage *)(req),                      \
		       (ProtobufCMessage **)(resp), 0, (flags), (err))

/* Field-mask paths "labels.<key>" for a label update; NEW array of NEW strings (ctd_paths_free). */
int ctd_label_paths(const ctd_label *labels, size_t n, char ***paths_out, berth_err *err);
void ctd_paths_free(char **paths, size_t n);

#endif
