/* metrics.c: the shared counter table of berth-fcgi (see include/berth/metrics.h). */
#include "berth/metrics.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

const uint64_t metrics_bucket_le_us[METRICS_BUCKETS] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 10000000,
};

static const int known_codes[METRICS_CODES] = {
	200, 201, 202, 204, 206, 301, 302, 304, 400, 401, 403, 404, 405, 406,
	408, 409, 411, 413, 415, 416, 422, 429, 500, 501, 502, 503, 504,
};
static const char *const code_labels[METRICS_CODE_SLOTS] = {
	"200", "201", "202", "204", "206", "301", "302", "304", "400", "401", "403",
	"404", "405", "406", "408", "409", "411", "413", "415", "416", "422", "429",
	"500", "501", "502", "503", "504", "1xx", "2xx", "3xx", "4xx", "5xx",
};

#define KINDS (BERTH_E_INTERNAL + 1)

struct hist {
	uint64_t bucket[METRICS_BUCKETS + 1];
	uint64_t sum_us;
};

struct route_slot {
	uint64_t by_code[METRICS_CODE_SLOTS];
	struct hist latency;
};

struct table {
	size_t n_routes;
	uint64_t exits[METRICS_EXIT__COUNT];
	struct hist dep_latency[METRICS_DEP__COUNT];
	uint64_t dep_errors[METRICS_DEP__COUNT][KINDS];
	struct route_slot routes[]; /* n_routes + 1 (the last: matched no route) */
};

static struct table *table;
static size_t table_bytes;
static bool recording = true;

static void add(uint64_t *counter, uint64_t n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

static uint64_t load(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

int metrics_table_create(size_t n_routes, berth_err *err)
{
	size_t bytes;
	void *p;

	if (table)
		return berth_err_set(err, BERTH_E_INVALID, "metrics: the table exists already");
	if (n_routes > METRICS_MAX_ROUTES)
		return berth_err_set(err, BERTH_E_INVALID, "metrics: %zu routes, at most %d",
				     n_routes, METRICS_MAX_ROUTES);
	bytes = sizeof(struct table) + (n_routes + 1) * sizeof(struct route_slot);
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return berth_err_set(err, BERTH_E_INTERNAL, "metrics: mmap of %zu bytes: %s", bytes,
				     strerror(errno));
	/* Anonymous pages are zero already. */
	table = p;
	table->n_routes = n_routes;
	table_bytes = bytes;
	return 0;
}

void metrics_table_destroy(void)
{
	if (!table)
		return;
	munmap(table, table_bytes);
	table = NULL;
	table_bytes = 0;
}

bool metrics_table_present(void)
{
	return table != NULL;
}

void metrics_set_recording(bool on)
{
	recording = on;
}

bool metrics_recording(void)
{
	return table && recording;
}

uint64_t metrics_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

size_t metrics_code_slot(int status)
{
	for (size_t i = 0; i < METRICS_CODES; i++)
		if (known_codes[i] == status)
			return i;
	if (status >= 100 && status < 600)
		return METRICS_CODES + (size_t)(status / 100 - 1);
	return METRICS_CODES + 4; /* nonsense: a server error */
}

const char *metrics_code_label(size_t slot)
{
	return slot < METRICS_CODE_SLOTS ? code_labels[slot] : NULL;
}

const char *metrics_dep_name(enum metrics_dep dep)
{
	switch (dep) {
	case METRICS_DEP_DATABASE: return "database";
	case METRICS_DEP_CONTAINERD: return "containerd";
	case METRICS_DEP__COUNT: break;
	}
	return "unknown";
}

const char *metrics_exit_cause_name(enum metrics_exit_cause cause)
{
	switch (cause) {
	case METRICS_EXIT_RECYCLED: return "recycled";
	case METRICS_EXIT_RETIRED: return "retired";
	case METRICS_EXIT_CRASHED: return "crashed";
	case METRICS_EXIT_BACKSTOP: return "backstop";
	case METRICS_EXIT_FAILED: return "failed";
	case METRICS_EXIT_KILLED: return "killed";
	case METRICS_EXIT__COUNT: break;
	}
	return "unknown";
}

static void hist_observe(struct hist *h, uint64_t us)
{
	size_t b = 0;

	while (b < METRICS_BUCKETS && us > metrics_bucket_le_us[b])
		b++;
	add(&h->bucket[b], 1);
	add(&h->sum_us, us);
}

static void hist_read(const struct hist *h, struct metrics_hist *out)
{
	for (size_t b = 0; b <= METRICS_BUCKETS; b++)
		out->bucket[b] = load(&h->bucket[b]);
	out->sum_us = load(&h->sum_us);
}

void metrics_observe_request(size_t route, int status, uint64_t us)
{
	struct route_slot *slot;

	if (!table || !recording)
		return;
	slot = &table->routes[route < table->n_routes ? route : table->n_routes];
	add(&slot->by_code[metrics_code_slot(status)], 1);
	hist_observe(&slot->latency, us);
}

void metrics_observe_dep(enum metrics_dep dep, uint64_t us, berth_errkind failed)
{
	if (!table || !recording || (unsigned)dep >= METRICS_DEP__COUNT)
		return;
	hist_observe(&table->dep_latency[dep], us);
	if (failed != BERTH_OK && (unsigned)failed < KINDS)
		add(&table->dep_errors[dep][failed], 1);
}

void metrics_count_exit(enum metrics_exit_cause cause)
{
	if (table && (unsigned)cause < METRICS_EXIT__COUNT)
		add(&table->exits[cause], 1);
}

uint64_t metrics_hist_count(const struct metrics_hist *h)
{
	uint64_t n = 0;

	for (size_t b = 0; b <= METRICS_BUCKETS; b++)
		n += h->bucket[b];
	return n;
}

size_t metrics_routes(void)
{
	return table ? table->n_routes : 0;
}

uint64_t metrics_read_request_count(size_t route, size_t code_slot)
{
	if (!table || route > table->n_routes || code_slot >= METRICS_CODE_SLOTS)
		return 0;
	return load(&table->routes[route].by_code[code_slot]);
}

void metrics_read_request_hist(size_t route, struct metrics_hist *out)
{
	memset(out, 0, sizeof *out);
	if (table && route <= table->n_routes)
		hist_read(&table->routes[route].latency, out);
}

void metrics_read_dep_hist(enum metrics_dep dep, struct metrics_hist *out)
{
	memset(out, 0, sizeof *out);
	if (table && (unsigned)dep < METRICS_DEP__COUNT)
		hist_read(&table->dep_latency[dep], out);
}

uint64_t metrics_read_dep_errors(enum metrics_dep dep, berth_errkind kind)
{
	if (!table || (unsigned)dep >= METRICS_DEP__COUNT || (unsigned)kind >= KINDS)
		return 0;
	return load(&table->dep_errors[dep][kind]);
}

uint64_t metrics_read_exits(enum metrics_exit_cause cause)
{
	if (!table || (unsigned)cause >= METRICS_EXIT__COUNT)
		return 0;
	return load(&table->exits[cause]);
}
