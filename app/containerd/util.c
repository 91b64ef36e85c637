/* util.c: pure helpers of the containerd client (status mapping, maps, mounts, filters). */
#include <stdlib.h>
#include <string.h>

#include <grpc/status.h>

#include "berth/ctd_types.h"
#include "containerd/types/task/task.pb-c.h"
#include "internal.h"

void ctd_reply_free(void *reply)
{
	if (reply)
		protobuf_c_message_free_unpacked(reply, NULL);
}

berth_errkind ctd_status_kind(int grpc_code)
{
	switch (grpc_code) {
	case GRPC_STATUS_OK: return BERTH_OK;
	case GRPC_STATUS_NOT_FOUND: return BERTH_E_NOT_FOUND;
	case GRPC_STATUS_ALREADY_EXISTS: return BERTH_E_ALREADY_EXISTS;
	case GRPC_STATUS_FAILED_PRECONDITION: return BERTH_E_PRECONDITION;
	case GRPC_STATUS_UNAVAILABLE: return BERTH_E_UNAVAILABLE;
	case GRPC_STATUS_DEADLINE_EXCEEDED: return BERTH_E_TIMEOUT;
	case GRPC_STATUS_INVALID_ARGUMENT: return BERTH_E_INVALID;
	default: return BERTH_E_INTERNAL;
	}
}

/* Every map<string,string> entry message has key = 1 and value = 2 (both strings). */
static int entry_offsets(const ProtobufCMessageDescriptor *d, unsigned *koff, unsigned *voff)
{
	const ProtobufCFieldDescriptor *k = protobuf_c_message_descriptor_get_field(d, 1);
	const ProtobufCFieldDescriptor *v = protobuf_c_message_descriptor_get_field(d, 2);
	if (!k || !v || k->type != PROTOBUF_C_TYPE_STRING || v->type != PROTOBUF_C_TYPE_STRING)
		return -1;
	*koff = k->offset;
	*voff = v->offset;
	return 0;
}

const char *ctd_map_get(size_t n_entries, ProtobufCMessage *const *entries, const char *key)
{
	for (size_t i = 0; i < n_entries; i++) {
		unsigned koff, voff;
		if (!entries[i] || entry_offsets(entries[i]->descriptor, &koff, &voff) != 0)
			continue;
		const char *k = *(char *const *)((const char *)entries[i] + koff);
		if (k && strcmp(k, key) == 0)
			return *(char *const *)((const char *)entries[i] + voff);
	}
	return NULL;
}

int ctd_map_build(const ProtobufCMessageDescriptor *entry_desc, const ctd_label *labels,
		  size_t n_labels, ProtobufCMessage ***entries_out, size_t *n_out)
{
	unsigned koff, voff;
	*entries_out = NULL;
	*n_out = 0;
	if (entry_offsets(entry_desc, &koff, &voff) != 0)
		return -1;
	if (n_labels == 0)
		return 0;
	ProtobufCMessage **v = calloc(n_labels, sizeof(*v));
	if (!v)
		return -1;
	size_t n = 0;
	for (size_t i = 0; i < n_labels; i++) {
		if (!labels[i].value)
			continue;
		ProtobufCMessage *e = malloc(entry_desc->sizeof_message);
		if (!e) {
			ctd_map_free(v, n);
			return -1;
		}
		protobuf_c_message_init(entry_desc, e);
		*(const char **)((char *)e + koff) = labels[i].key;
		*(const char **)((char *)e + voff) = labels[i].value;
		v[n++] = e;
	}
	*entries_out = v;
	*n_out = n;
	return 0;
}

void ctd_map_free(ProtobufCMessage **entries, size_t n)
{
	if (!entries)
		return;
	for (size_t i = 0; i < n; i++)
		free(entries[i]); /* strings are borrowed */
	free(entries);
}

const char *ctd_label_get(const ctd_label *labels, size_t n_labels, const char *key)
{
	for (size_t i = 0; i < n_labels; i++)
		if (labels[i].key && strcmp(labels[i].key, key) == 0)
			return labels[i].value;
	return NULL;
}

int ctd_labels_of_map(size_t n_entries, ProtobufCMessage *const *entries, const ctd_label **out,
		      size_t *n_out)
{
	ctd_label *v = NULL;
	size_t n = 0;

	*out = NULL;
	*n_out = 0;
	if (n_entries == 0)
		return 0;
	v = calloc(n_entries, sizeof(*v));
	if (!v)
		return -1;
	for (size_t i = 0; i < n_entries; i++) {
		unsigned koff, voff;
		if (!entries[i] || entry_offsets(entries[i]->descriptor, &koff, &voff) != 0)
			continue;
		v[n].key = *(char *const *)((const char *)entries[i] + koff);
		v[n].value = *(char *const *)((const char *)entries[i] + voff);
		n++;
	}
	*out = v;
	*n_out = n;
	return 0;
}

ctd_time ctd_time_of(const Google__Protobuf__Timestamp *ts)
{
	ctd_time t = { 0, 0 };

	if (ts) {
		t.seconds = ts->seconds;
		t.nanos = ts->nanos;
	}
	return t;
}

int ctd_mounts_take(ctd_mounts *out, ProtobufCMessage *reply, size_t n,
		    Containerd__Types__Mount *const *mounts, berth_err *err)
{
	ctd_mount *v = n ? calloc(n, sizeof(*v)) : NULL;

	if (n && !v) {
		ctd_reply_free(reply);
		return ctd_nomem(err, "mounts");
	}
	for (size_t i = 0; i < n; i++) {
		v[i].type = mounts[i]->type;
		v[i].source = mounts[i]->source;
		v[i].target = mounts[i]->target;
		v[i].options = (const char *const *)mounts[i]->options;
		v[i].n_options = mounts[i]->n_options;
	}
	out->n = n;
	out->mounts = v;
	out->owner_ = reply;
	return 0;
}

void ctd_mounts_free(ctd_mounts *m)
{
	if (!m || !m->owner_)
		return;
	free(m->mounts);
	ctd_reply_free(m->owner_);
	m->owner_ = NULL;
	m->mounts = NULL;
	m->n = 0;
}

/* The Mount messages and the pointer array in one block: the pointers first. */
int ctd_mounts_proto(const ctd_mounts *m, Containerd__Types__Mount ***out, berth_err *err)
{
	Containerd__Types__Mount **ptrs;
	Containerd__Types__Mount *msgs;

	*out = NULL;
	if (!m || m->n == 0)
		return 0;
	ptrs = calloc(1, m->n * (sizeof(*ptrs) + sizeof(*msgs)));
	if (!ptrs)
		return ctd_nomem(err, "mounts");
	msgs = (Containerd__Types__Mount *)(ptrs + m->n);
	for (size_t i = 0; i < m->n; i++) {
		containerd__types__mount__init(&msgs[i]);
		msgs[i].type = CTD_STR(m->mounts[i].type);
		msgs[i].source = CTD_STR(m->mounts[i].source);
		msgs[i].target = CTD_STR(m->mounts[i].target);
		msgs[i].n_options = m->mounts[i].n_options;
		msgs[i].options = (char **)m->mounts[i].options;
		ptrs[i] = &msgs[i];
	}
	*out = ptrs;
	return 0;
}

ctd_task_status ctd_task_status_from_proto(int proto_status)
{
	switch (proto_status) {
	case CONTAINERD__V1__TYPES__STATUS__CREATED: return CTD_TASK_CREATED;
	case CONTAINERD__V1__TYPES__STATUS__RUNNING: return CTD_TASK_RUNNING;
	case CONTAINERD__V1__TYPES__STATUS__STOPPED: return CTD_TASK_STOPPED;
	case CONTAINERD__V1__TYPES__STATUS__PAUSED:
	case CONTAINERD__V1__TYPES__STATUS__PAUSING: return CTD_TASK_PAUSED;
	default: return CTD_TASK_UNKNOWN;
	}
}

const char *ctd_task_status_name(ctd_task_status s)
{
	switch (s) {
	case CTD_TASK_CREATED: return "created";
	case CTD_TASK_RUNNING: return "running";
	case CTD_TASK_STOPPED: return "stopped";
	case CTD_TASK_PAUSED: return "paused";
	default: return "unknown";
	}
}

/* Appends s as a double-quoted string with " and \ escaped; -1 if it does not fit. */
static int put_quoted(char *buf, size_t cap, size_t *pos, const char *s)
{
	if (*pos + 1 >= cap)
		return -1;
	buf[(*pos)++] = '"';
	for (; *s; s++) {
		if (*s == '"' || *s == '\\') {
			if (*pos + 1 >= cap)
				return -1;
			buf[(*pos)++] = '\\';
		}
		if (*pos + 1 >= cap)
			return -1;
		buf[(*pos)++] = *s;
	}
	if (*pos + 1 >= cap)
		return -1;
	buf[(*pos)++] = '"';
	buf[*pos] = '\0';
	return 0;
}

int ctd_filter_label(char *buf, size_t cap, const char *key, const char *value, berth_err *err)
{
	static const char prefix[] = "labels.";
	size_t pos = sizeof(prefix) - 1;
	if (cap <= pos)
		return berth_err_set(err, BERTH_E_INVALID, "label filter: buffer too small");
	memcpy(buf, prefix, pos);
	if (put_quoted(buf, cap, &pos, key) != 0 || pos + 2 >= cap)
		return berth_err_set(err, BERTH_E_INVALID, "label filter: too long");
	buf[pos++] = '=';
	buf[pos++] = '=';
	if (put_quoted(buf, cap, &pos, value) != 0)
		return berth_err_set(err, BERTH_E_INVALID, "label filter: too long");
	return 0;
}
