/* internal.h: shared bits of the containerd client's per-service modules (not a public header). */
#ifndef BERTH_CTD_INTERNAL_H
#define BERTH_CTD_INTERNAL_H

#include "berth/ctd.h"
#include "berth/ctd_call.h"

/* protobuf-c request fields are char *; requests only borrow the caller's strings. */
#define CTD_STR(s) ((char *)((s) ? (s) : ""))

/* Fills err with an out-of-memory error for what; returns -1. */
int ctd_nomem(berth_err *err, const char *what);

/* Builds a map<string,string> field (entries and count) from labels, typed for the field. */
#define CTD_MAP_BUILD(entry_desc, labels, n_labels, field, n_field)                               \
	ctd_map_build((entry_desc), (labels), (n_labels), (ProtobufCMessage ***)&(field), &(n_field))
#define CTD_MAP_FREE(field, n_field) ctd_map_free((ProtobufCMessage **)(field), (n_field))

/* Unary call with the connection's deadline. */
#define CTD_UNARY(c, svc, method, req, resp, flags, err)                                          \
	ctd_call_unary((c), (svc), (method), (const ProtobufCMessage *)(req),                     \
		       (ProtobufCMessage **)(resp), 0, (flags), (err))

/* Field-mask paths "labels.<key>" for a label update; NEW array of NEW strings (ctd_paths_free). */
int ctd_label_paths(const ctd_label *labels, size_t n, char ***paths_out, berth_err *err);
void ctd_paths_free(char **paths, size_t n);

#endif
