/* metrics_text.c: Prometheus text exposition (see include/berth/metrics_text.h). */
#include "berth/metrics_text.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void metrics_text_family(struct strbuf *out, const char *name, const char *type, const char *help)
{
	strbuf_str(out, "# HELP ");
	strbuf_str(out, name);
	strbuf_str(out, " ");
	strbuf_str(out, help);
	strbuf_str(out, "\n# TYPE ");
	strbuf_str(out, name);
	strbuf_str(out, " ");
	strbuf_str(out, type);
	strbuf_str(out, "\n");
}

void metrics_text_escape(struct strbuf *out, const char *value)
{
	for (const char *p = value; *p; p++) {
		size_t run = strcspn(p, "\\\"\n");

		strbuf_add(out, p, run);
		p += run;
		if (!*p)
			break;
		strbuf_str(out, *p == '\\' ? "\\\\" : *p == '"' ? "\\\"" : "\\n");
	}
}

static void labels_text(struct strbuf *out, const char *const *labels, const char *le)
{
	bool any = false;

	if ((!labels || !labels[0]) && !le)
		return;
	strbuf_str(out, "{");
	for (size_t i = 0; labels && labels[i] && labels[i + 1]; i += 2) {
		if (any)
			strbuf_str(out, ",");
		strbuf_str(out, labels[i]);
		strbuf_str(out, "=\"");
		metrics_text_escape(out, labels[i + 1]);
		strbuf_str(out, "\"");
		any = true;
	}
	if (le) {
		if (any)
			strbuf_str(out, ",");
		strbuf_str(out, "le=\"");
		strbuf_str(out, le);
		strbuf_str(out, "\"");
	}
	strbuf_str(out, "}");
}

static void value_line(struct strbuf *out, const char *text)
{
	strbuf_str(out, " ");
	strbuf_str(out, text);
	strbuf_str(out, "\n");
}

/* Microseconds as seconds, exactly ("0.0025", "12"). */
static void seconds_text(char *buf, size_t size, uint64_t us)
{
	uint64_t frac = us % 1000000u;
	int len = snprintf(buf, size, "%" PRIu64, us / 1000000u);

	if (frac && len > 0 && (size_t)len < size) {
		char *end;

		snprintf(buf + len, size - (size_t)len, ".%06" PRIu64, frac);
		end = buf + strlen(buf);
		while (end[-1] == '0')
			*--end = '\0';
	}
}

void metrics_text_sample(struct strbuf *out, const char *name, const char *const *labels,
			 uint64_t value)
{
	char num[24];

	snprintf(num, sizeof num, "%" PRIu64, value);
	strbuf_str(out, name);
	labels_text(out, labels, NULL);
	value_line(out, num);
}

void metrics_text_sample_seconds(struct strbuf *out, const char *name, const char *const *labels,
				 uint64_t us)
{
	char num[32];

	seconds_text(num, sizeof num, us);
	strbuf_str(out, name);
	labels_text(out, labels, NULL);
	value_line(out, num);
}

void metrics_text_hist(struct strbuf *out, const char *name, const char *const *labels,
		       const struct metrics_hist *h)
{
	char line_name[128], le[32], num[40];
	uint64_t cumulative = 0;

	snprintf(line_name, sizeof line_name, "%s_bucket", name);
	for (size_t b = 0; b <= METRICS_BUCKETS; b++) {
		cumulative += h->bucket[b];
		if (b < METRICS_BUCKETS)
			seconds_text(le, sizeof le, metrics_bucket_le_us[b]);
		else
			snprintf(le, sizeof le, "+Inf");
		strbuf_str(out, line_name);
		labels_text(out, labels, le);
		snprintf(num, sizeof num, "%" PRIu64, cumulative);
		value_line(out, num);
	}
	snprintf(line_name, sizeof line_name, "%s_sum", name);
	strbuf_str(out, line_name);
	labels_text(out, labels, NULL);
	seconds_text(num, sizeof num, h->sum_us);
	value_line(out, num);
	snprintf(line_name, sizeof line_name, "%s_count", name);
	metrics_text_sample(out, line_name, labels, cumulative);
}

static void route_labels(const struct metrics_route_label *routes, size_t n, size_t r,
			 const char **method, const char **pattern)
{
	if (r < n) {
		*method = routes[r].method ? routes[r].method : "";
		*pattern = routes[r].pattern ? routes[r].pattern : "";
	} else {
		*method = "";
		*pattern = "unmatched";
	}
}

void metrics_text_write_table(struct strbuf *out, const struct metrics_route_label *routes,
			      size_t n_routes)
{
	size_t n = metrics_routes();
	const char *method, *pattern;
	struct metrics_hist h;

	/* routes without a label are left out; the unmatched slot is always index n */
	if (n_routes > n)
		n_routes = n;

	metrics_text_family(out, "berth_http_requests_total", "counter",
			    "Requests answered, by route pattern and status code (all workers).");
	for (size_t r = 0; r <= n; r++) {
		if (r >= n_routes && r != n)
			continue;
		route_labels(routes, n_routes, r == n ? SIZE_MAX : r, &method, &pattern);
		for (size_t c = 0; c < METRICS_CODE_SLOTS; c++) {
			uint64_t v = metrics_read_request_count(r, c);
			const char *labels[] = { "method", method, "route",
						 pattern,  "code", metrics_code_label(c),
						 NULL };

			if (v)
				metrics_text_sample(out, "berth_http_requests_total", labels, v);
		}
	}
	metrics_text_family(out, "berth_http_request_duration_seconds", "histogram",
			    "Time from the request's params to its response written, by route.");
	for (size_t r = 0; r <= n; r++) {
		if (r >= n_routes && r != n)
			continue;
		metrics_read_request_hist(r, &h);
		if (metrics_hist_count(&h) == 0)
			continue;
		route_labels(routes, n_routes, r == n ? SIZE_MAX : r, &method, &pattern);
		const char *labels[] = { "method", method, "route", pattern, NULL };
		metrics_text_hist(out, "berth_http_request_duration_seconds", labels, &h);
	}
	metrics_text_family(
		out, "berth_worker_restarts_total", "counter",
		"Worker exits seen by the master (each is replaced unless it is stopping), by cause.");
	for (int c = 0; c < METRICS_EXIT__COUNT; c++) {
		const char *labels[] = { "cause",
					 metrics_exit_cause_name((enum metrics_exit_cause)c),
					 NULL };

		metrics_text_sample(out, "berth_worker_restarts_total", labels,
				    metrics_read_exits((enum metrics_exit_cause)c));
	}
	metrics_text_family(out, "berth_dependency_call_duration_seconds", "histogram",
			    "Database statements and containerd calls made by the workers.");
	for (int d = 0; d < METRICS_DEP__COUNT; d++) {
		const char *labels[] = { "dependency", metrics_dep_name((enum metrics_dep)d),
					 NULL };

		metrics_read_dep_hist((enum metrics_dep)d, &h);
		metrics_text_hist(out, "berth_dependency_call_duration_seconds", labels, &h);
	}
	metrics_text_family(out, "berth_dependency_errors_total", "counter",
			    "Failed database statements and containerd calls, by error kind.");
	for (int d = 0; d < METRICS_DEP__COUNT; d++) {
		for (int k = BERTH_E_INVALID; k <= BERTH_E_INTERNAL; k++) {
			uint64_t v = metrics_read_dep_errors((enum metrics_dep)d, (berth_errkind)k);
			const char *labels[] = { "dependency",
						 metrics_dep_name((enum metrics_dep)d), "kind",
						 berth_errkind_code((berth_errkind)k), NULL };

			if (v)
				metrics_text_sample(out, "berth_dependency_errors_total", labels,
						    v);
		}
	}
}
