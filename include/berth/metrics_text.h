/* metrics_text.h: the Prometheus text exposition format, version 0.0.4 (support).
 *
 * Writes the counters of berth/metrics.h, and any other family a caller adds, as
 *
 *     # HELP <name> <help>
 *     # TYPE <name> counter|gauge|histogram
 *     <name>{<label>="<value>",...} <value>
 *
 * Label values are escaped as the format requires (backslash, double quote and line feed);
 * names and label names are the caller's constants. Histograms are written cumulatively with
 * "le" in seconds, a +Inf bucket, _sum (seconds) and _count (equal to the +Inf bucket).
 * Output goes to a caller-owned struct strbuf (berth/strbuf.h): check its ok flag at the end.
 */
#ifndef BERTH_METRICS_TEXT_H
#define BERTH_METRICS_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "berth/metrics.h"
#include "berth/strbuf.h"

/* The content type of the format. */
#define METRICS_TEXT_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* The labels of one route of the table (BORROWED strings). */
struct metrics_route_label {
	const char *method;
	const char *pattern;
};

/* "# HELP" and "# TYPE" lines. help must not hold a line feed or a backslash. */
void metrics_text_family(struct strbuf *out, const char *name, const char *type, const char *help);
/* One sample: labels is NULL or a NULL-terminated list of name, value pairs. */
void metrics_text_sample(struct strbuf *out, const char *name, const char *const *labels,
			 uint64_t value);
/* One sample whose value is us microseconds written as seconds ("0.0025", "12"). */
void metrics_text_sample_seconds(struct strbuf *out, const char *name, const char *const *labels,
				 uint64_t us);

/* A label value with \\, \" and \n escaped (nothing else changes). */
void metrics_text_escape(struct strbuf *out, const char *value);
/* One histogram's samples (<name>_bucket, _sum, _count) with the given labels (as above). */
void metrics_text_hist(struct strbuf *out, const char *name, const char *const *labels,
		       const struct metrics_hist *h);

/* Every family of this process's table (metrics_routes() routes: routes[] must hold that many
 * labels; n_routes is checked and a mismatch writes the routes it has labels for):
 *   berth_http_requests_total{method,route,code}       requests answered (routes with any)
 *   berth_http_request_duration_seconds{method,route}  latency from params to the response written
 *   berth_worker_restarts_total{cause}                 worker exits seen by the master
 *   berth_dependency_call_duration_seconds{dependency} database statements, containerd calls
 *   berth_dependency_errors_total{dependency,kind}     the failed ones, by berth_errkind code
 * Requests that matched no route carry method="" and route="unmatched". */
void metrics_text_write_table(struct strbuf *out, const struct metrics_route_label *routes,
			      size_t n_routes);

#endif
