/* content.c: Content service (blob info, labels, streaming read and write). */
#include <stdlib.h>
#include <string.h>

#include "berth/ctd_conn.h"
#include "berth/ctd_content.h"
#include "berth/ctd_types.h"
#include "containerd/services/content/v1/content.pb-c.h"
#include "google/protobuf/field_mask.pb-c.h"
#include "internal.h"

#define SVC (&containerd__services__content__v1__content__descriptor)
#define CHUNK (1024 * 1024)

typedef Containerd__Services__Content__V1__WriteContentRequest write_req;
typedef Containerd__Services__Content__V1__WriteContentResponse write_resp;

void ctd_blob_info_free(ctd_blob_info *info)
{
	if (!info)
		return;
	free((void *)info->labels);
	ctd_reply_free(info->owner_);
	free(info);
}

int ctd_content_info(ctd_conn *c, const char *digest, ctd_blob_info **out, berth_err *err)
{
	Containerd__Services__Content__V1__InfoRequest req =
		CONTAINERD__SERVICES__CONTENT__V1__INFO_REQUEST__INIT;
	Containerd__Services__Content__V1__InfoResponse *resp = NULL;
	ctd_blob_info *info;
	req.digest = CTD_STR(digest);
	*out = NULL;
	if (CTD_UNARY(c, SVC, "Info", &req, &resp, CTD_IDEMPOTENT, err) != 0)
		return -1;
	if (!resp->info) {
		ctd_reply_free(resp);
		return berth_err_set(err, BERTH_E_INTERNAL, "Content.Info: reply without info");
	}
	info = calloc(1, sizeof(*info));
	if (!info || CTD_LABELS_OF(resp->info->labels, resp->info->n_labels, &info->labels,
				   &info->n_labels) != 0) {
		free(info);
		ctd_reply_free(resp);
		return ctd_nomem(err, "Content.Info");
	}
	info->digest = resp->info->digest;
	info->size = resp->info->size;
	info->created_at = ctd_time_of(resp->info->created_at);
	info->updated_at = ctd_time_of(resp->info->updated_at);
	info->owner_ = resp;
	*out = info;
	return 0;
}

struct read_ctx {
	ctd_read_fn fn;
	void *ud;
};

static int read_msg(const ProtobufCMessage *msg, void *ud, berth_err *err)
{
	const Containerd__Services__Content__V1__ReadContentResponse *r = (const void *)msg;
	struct read_ctx *rc = ud;
	return rc->fn(r->data.data, r->data.len, r->offset, rc->ud, err);
}

int ctd_content_read(ctd_conn *c, const char *digest, int64_t offset, int64_t size, ctd_read_fn fn,
		     void *ud, berth_err *err)
{
	Containerd__Services__Content__V1__ReadContentRequest req =
		CONTAINERD__SERVICES__CONTENT__V1__READ_CONTENT_REQUEST__INIT;
	struct read_ctx rc = { fn, ud };
	req.digest = CTD_STR(digest);
	req.offset = offset;
	req.size = size;
	return ctd_call_server_stream(c, SVC, "Read", &req.base, read_msg, &rc, 0, CTD_IDEMPOTENT,
				      err);
}

struct buf_ctx {
	uint8_t *data;
	size_t len;
	size_t max;
};

static int collect(const uint8_t *data, size_t len, int64_t offset, void *ud, berth_err *err)
{
	struct buf_ctx *b = ud;
	(void)offset;
	if (len > b->max - b->len)
		return berth_err_set(err, BERTH_E_TOO_LARGE,
				     "Content.Read: blob larger than %zu bytes", b->max);
	uint8_t *n = realloc(b->data, b->len + len + 1);
	if (!n)
		return ctd_nomem(err, "Content.Read");
	memcpy(n + b->len, data, len);
	b->data = n;
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int ctd_content_read_all(ctd_conn *c, const char *digest, size_t max, uint8_t **data, size_t *len,
			 berth_err *err)
{
	struct buf_ctx b = { NULL, 0, max };
	/* A retried stream restarts from the beginning. */
	if (ctd_content_read(c, digest, 0, 0, collect, &b, err) != 0) {
		free(b.data);
		return -1;
	}
	if (!b.data && !(b.data = calloc(1, 1)))
		return ctd_nomem(err, "Content.Read");
	*data = b.data;
	*len = b.len;
	return 0;
}

/* Opens the Write stream and sends STAT; *offset gets how much of ref is already ingested. */
static ctd_bidi *write_open(ctd_conn *c, const char *ref, const char *expected, int64_t total,
			    int64_t *offset, berth_err *err)
{
	ctd_bidi *b = ctd_bidi_open(c, SVC, "Write", 0, err);
	if (!b)
		return NULL;
	write_req req = CONTAINERD__SERVICES__CONTENT__V1__WRITE_CONTENT_REQUEST__INIT;
	write_resp *resp = NULL;
	req.action = CONTAINERD__SERVICES__CONTENT__V1__WRITE_ACTION__STAT;
	req.ref = CTD_STR(ref);
	req.total = total;
	req.expected = CTD_STR(expected);
	if (ctd_bidi_exchange(b, &req.base, (ProtobufCMessage **)&resp, err) != 0) {
		ctd_bidi_close(b, 1, NULL);
		return NULL;
	}
	*offset = resp->offset;
	ctd_reply_free(resp);
	return b;
}

int ctd_content_write(ctd_conn *c, const char *ref, const char *expected, int64_t total,
		      const ctd_label *labels, size_t n_labels, const ctd_content_source *src,
		      berth_err *err)
{
	int64_t offset = 0;
	uint8_t *buf = NULL;
	write_req req = CONTAINERD__SERVICES__CONTENT__V1__WRITE_CONTENT_REQUEST__INIT;
	write_resp *resp = NULL;
	if (!ref || !*ref || !expected || !*expected || total < 0)
		return berth_err_set(err, BERTH_E_INVALID,
				     "Content.Write: ref, expected digest and size required");
	ctd_bidi *b = write_open(c, ref, expected, total, &offset, err);
	if (!b)
		return -1;
	/* An ingest already holding every byte (another writer got that far) only needs its commit. */
	bool complete = offset > 0 && offset == total;
	if (offset > 0 && !complete &&
	    (!src->seek || offset > total || src->seek(src->ud, offset, err) != 0)) {
		/* A half-done ingest we cannot resume: drop it and start over. */
		ctd_bidi_close(b, 1, NULL);
		if (ctd_content_abort(c, ref, err) != 0 ||
		    !(b = write_open(c, ref, expected, total, &offset, err)))
			return -1;
		if (offset != 0) {
			ctd_bidi_close(b, 1, NULL);
			return berth_err_set(err, BERTH_E_PRECONDITION,
					     "Content.Write: ingest %s is busy", ref);
		}
	}
	if (!(buf = malloc(CHUNK))) {
		ctd_nomem(err, "Content.Write");
		goto fail;
	}
	req.ref = CTD_STR(ref);
	while (!complete) {
		size_t got = 0;
		if (src->read(src->ud, buf, CHUNK, &got, err) != 0)
			goto fail;
		if (got == 0)
			break;
		if ((int64_t)got > total - offset) {
			berth_err_set(err, BERTH_E_INVALID, "Content.Write: more than %lld bytes",
				      (long long)total);
			goto fail;
		}
		req.action = CONTAINERD__SERVICES__CONTENT__V1__WRITE_ACTION__WRITE;
		req.offset = offset;
		req.data.data = buf;
		req.data.len = got;
		if (ctd_bidi_exchange(b, &req.base, (ProtobufCMessage **)&resp, err) != 0)
			goto fail;
		offset += (int64_t)got;
		int64_t server_offset = resp->offset;
		ctd_reply_free(resp);
		resp = NULL;
		if (server_offset != offset) {
			berth_err_set(err, BERTH_E_INTERNAL,
				      "Content.Write: server at %lld, we at %lld",
				      (long long)server_offset, (long long)offset);
			goto fail;
		}
	}
	if (offset != total) {
		berth_err_set(err, BERTH_E_INVALID, "Content.Write: got %lld bytes, expected %lld",
			      (long long)offset, (long long)total);
		goto fail;
	}
	req.action = CONTAINERD__SERVICES__CONTENT__V1__WRITE_ACTION__COMMIT;
	req.offset = offset;
	req.total = total;
	req.expected = CTD_STR(expected);
	req.data.data = NULL;
	req.data.len = 0;
	if (CTD_MAP_BUILD(
		    &containerd__services__content__v1__write_content_request__labels_entry__descriptor,
		    labels, n_labels, req.labels, req.n_labels) != 0) {
		ctd_nomem(err, "Content.Write");
		goto fail;
	}
	int rc = ctd_bidi_exchange(b, &req.base, (ProtobufCMessage **)&resp, err);
	CTD_MAP_FREE(req.labels, req.n_labels);
	if (rc != 0)
		goto fail;
	if (strcmp(resp->digest, expected) != 0) {
		berth_err_set(err, BERTH_E_INTERNAL, "Content.Write: committed %s, expected %s",
			      resp->digest, expected);
		goto fail;
	}
	ctd_reply_free(resp);
	free(buf);
	return ctd_bidi_close(b, 0, err);
fail:
	ctd_reply_free(resp);
	free(buf);
	ctd_bidi_close(b, 1, NULL);
	return -1;
}

struct mem_src {
	const uint8_t *data;
	size_t len;
	size_t pos;
};

static int mem_read(void *ud, uint8_t *buf, size_t cap, size_t *got, berth_err *err)
{
	struct mem_src *m = ud;
	(void)err;
	size_t n = m->len - m->pos < cap ? m->len - m->pos : cap;
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	*got = n;
	return 0;
}

static int mem_seek(void *ud, int64_t offset, berth_err *err)
{
	struct mem_src *m = ud;
	if (offset < 0 || (uint64_t)offset > m->len)
		return berth_err_set(err, BERTH_E_INVALID, "seek beyond the data");
	m->pos = (size_t)offset;
	return 0;
}

int ctd_content_write_buf(ctd_conn *c, const char *ref, const char *expected, const void *data,
			  size_t len, const ctd_label *labels, size_t n_labels, berth_err *err)
{
	struct mem_src m = { data, len, 0 };
	ctd_content_source src = { mem_read, mem_seek, &m };
	return ctd_content_write(c, ref, expected, (int64_t)len, labels, n_labels, &src, err);
}

int ctd_content_update_labels(ctd_conn *c, const char *digest, const ctd_label *labels,
			      size_t n_labels, berth_err *err)
{
	Containerd__Services__Content__V1__Info info =
		CONTAINERD__SERVICES__CONTENT__V1__INFO__INIT;
	Google__Protobuf__FieldMask mask = GOOGLE__PROTOBUF__FIELD_MASK__INIT;
	Containerd__Services__Content__V1__UpdateRequest req =
		CONTAINERD__SERVICES__CONTENT__V1__UPDATE_REQUEST__INIT;
	if (n_labels == 0)
		return 0;
	info.digest = CTD_STR(digest);
	if (CTD_MAP_BUILD(&containerd__services__content__v1__info__labels_entry__descriptor,
			  labels, n_labels, info.labels, info.n_labels) != 0)
		return ctd_nomem(err, "Content.Update");
	int rc = ctd_label_paths(labels, n_labels, &mask.paths, err);
	if (rc == 0) {
		mask.n_paths = n_labels;
		req.info = &info;
		req.update_mask = &mask;
		rc = CTD_UNARY(c, SVC, "Update", &req, NULL, 0, err);
	}
	ctd_paths_free(mask.paths, mask.n_paths);
	CTD_MAP_FREE(info.labels, info.n_labels);
	return rc;
}

int ctd_content_delete(ctd_conn *c, const char *digest, berth_err *err)
{
	Containerd__Services__Content__V1__DeleteContentRequest req =
		CONTAINERD__SERVICES__CONTENT__V1__DELETE_CONTENT_REQUEST__INIT;
	req.digest = CTD_STR(digest);
	return CTD_UNARY(c, SVC, "Delete", &req, NULL, 0, err);
}

int ctd_content_abort(ctd_conn *c, const char *ref, berth_err *err)
{
	Containerd__Services__Content__V1__AbortRequest req =
		CONTAINERD__SERVICES__CONTENT__V1__ABORT_REQUEST__INIT;
	req.ref = CTD_STR(ref);
	return CTD_UNARY(c, SVC, "Abort", &req, NULL, 0, err);
}
