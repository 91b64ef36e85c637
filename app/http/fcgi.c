/* fcgi.c: one FastCGI request through the HTTP layer (see include/berth/http_fcgi.h). */
#include "berth/http_fcgi.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "berth/http_dispatch.h"
#include "berth/http_request.h"
#include "berth/http_response.h"
#include "berth/http_metrics.h"
#include "berth/log.h"
#include "berth/metrics.h"

static long read_stdin(void *arg, char *buf, size_t n)
{
	FCGX_Stream *in = arg;
	int want = n > INT_MAX ? INT_MAX : (int)n;
	int got = FCGX_GetStr(buf, want, in);

	if (got < want && FCGX_GetError(in) != 0)
		return -1;
	return got;
}

static int write_all(FCGX_Stream *out, const char *buf, size_t len)
{
	while (len > 0) {
		int chunk = len > INT_MAX ? INT_MAX : (int)len;
		if (FCGX_PutStr(buf, chunk, out) != chunk)
			return -1;
		buf += chunk;
		len -= (size_t)chunk;
	}
	return 0;
}

int http_serve_fcgi(const struct http_server *srv, FCGX_Request *r)
{
	struct http_req req;
	struct http_resp resp;
	char *head;
	bool head_only;
	int rc = 0;
	uint64_t t0 = metrics_recording() ? metrics_now_us() : 0;

	http_handle(srv, r->envp, read_stdin, r->in, &req, &resp);
	/* HEAD: the GET's status and headers (Content-Length of its body included), no body */
	head_only = req.method && strcmp(req.method, "HEAD") == 0;
	head = http_resp_head(&resp, req.request_id);
	if (!head || write_all(r->out, head, strlen(head)) < 0 ||
	    (resp.body && !head_only && write_all(r->out, resp.body, resp.body_len) < 0) ||
	    FCGX_FFlush(r->out) < 0) {
		blog(BLOG_WARN, "could not write the response (client gone?)");
		rc = -1;
	}
	free(head);
	if (resp.close_connection)
		r->keepConnection = 0;
	http_log_access(&req, &resp);
	if (t0)
		http_metrics_record(srv, &req, &resp, metrics_now_us() - t0);
	http_req_release(&req);
	http_resp_free(&resp);
	blog_ctx_clear();
	return rc;
}
