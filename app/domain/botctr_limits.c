/* botctr_limits.c: the rules of a bot container's resource limits (include/berth/botctr_limits.h):
 * parsing and bounds of a request's "limits", defaults, effective values and their JSON. Pure. */
#include "berth/botctr_limits.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_PERIOD_US 100000
#define MIN_CPUS 0.01

void botctr_limit_bounds_of(const struct berth_config *cfg, struct botctr_limit_bounds *out)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);

	out->max_cpus = cfg->limit_max_cpus > 0 ? cfg->limit_max_cpus : (cpus > 0 ? (int)cpus : 1);
	out->max_memory_bytes = cfg->limit_max_memory_bytes > 0
					? cfg->limit_max_memory_bytes
					: (pages > 0 && page > 0 ? (int64_t)pages * page
								 : (int64_t)1 << 40);
	out->max_pids = cfg->limit_max_pids;
}

static int invalid(berth_err *err, const char *fmt, const char *field, const char *rest)
{
	return berth_err_setc(err, BERTH_E_INVALID, BERTH_EC_INVALID_LIMITS, fmt, field, rest);
}

/* An integer member within [min, max]: *set false when absent, *reset when null. */
static int int_member(const json_t *limits, const char *name, int64_t min, int64_t max,
		      int64_t *out, bool *set, bool *reset, berth_err *err)
{
	const json_t *v = json_object_get(limits, name);

	*set = *reset = false;
	if (!v)
		return 0;
	if (json_is_null(v)) {
		*reset = true;
		return 0;
	}
	if (!json_is_integer(v))
		return invalid(err, "limits.%s must be an integer%s", name, "");
	if (json_integer_value(v) < min || json_integer_value(v) > max)
		return berth_err_setc(err, BERTH_E_INVALID, BERTH_EC_INVALID_LIMITS,
				      "limits.%s must be between %lld and %lld", name,
				      (long long)min, (long long)max);
	*out = json_integer_value(v);
	*set = true;
	return 0;
}

/* cpu_period_us given without cpus or cpu_quota_us to apply it to. */
static int period_alone(berth_err *err)
{
	return invalid(err, "limits.%s needs limits.cpus or limits.cpu_quota_us%s", "cpu_period_us",
		       "");
}

/* cpus or cpu_quota_us is null: the CPU limit is reset, which takes no cpu_period_us. */
static int cpu_reset(bool period_set, struct botctr_limits_patch *out, berth_err *err)
{
	if (period_set)
		return period_alone(err);
	out->cpu = BOTCTR_LIMIT_RESET;
	return 0;
}

static int parse_cpu(const json_t *limits, const struct botctr_limit_bounds *b,
		     struct botctr_limits_patch *out, berth_err *err)
{
	const json_t *cpus = json_object_get(limits, "cpus");
	bool quota_set, quota_reset, period_set, period_reset;
	int64_t quota = 0, period = DEFAULT_PERIOD_US;

	if (int_member(limits, "cpu_period_us", CONFIG_CPU_PERIOD_MIN_US, CONFIG_CPU_PERIOD_MAX_US,
		       &period, &period_set, &period_reset, err) < 0)
		return -1;
	if (period_reset)
		return invalid(err, "limits.%s cannot be null%s", "cpu_period_us",
			       ": set cpus or cpu_quota_us to null");
	if (!period_set)
		period = DEFAULT_PERIOD_US;
	if (cpus && json_object_get(limits, "cpu_quota_us"))
		return invalid(err, "limits.%s and limits.cpu_quota_us are mutually exclusive%s",
			       "cpus", "");
	if (cpus) {
		double v;
		if (json_is_null(cpus))
			return cpu_reset(period_set, out, err);
		if (!json_is_number(cpus))
			return invalid(err, "limits.%s must be a number%s", "cpus", "");
		v = json_number_value(cpus);
		if (!(v >= MIN_CPUS && v <= b->max_cpus))
			return berth_err_setc(err, BERTH_E_INVALID, BERTH_EC_INVALID_LIMITS,
					      "limits.cpus must be between %.2f and %d", MIN_CPUS,
					      b->max_cpus);
		quota = (int64_t)llround(v * (double)period);
		if (quota < CONFIG_CPU_QUOTA_MIN_US)
			return berth_err_setc(
				err, BERTH_E_INVALID, BERTH_EC_INVALID_LIMITS,
				"limits.cpus times limits.cpu_period_us must be at least %ld us",
				CONFIG_CPU_QUOTA_MIN_US);
	} else {
		if (int_member(limits, "cpu_quota_us", CONFIG_CPU_QUOTA_MIN_US,
			       (int64_t)b->max_cpus * period, &quota, &quota_set, &quota_reset,
			       err) < 0)
			return -1;
		if (quota_reset)
			return cpu_reset(period_set, out, err);
		if (!quota_set)
			return period_set ? period_alone(err) : 0;
	}
	out->cpu = BOTCTR_LIMIT_SET;
	out->cpu_quota_us = quota;
	out->cpu_period_us = period;
	return 0;
}

int botctr_limits_parse(const json_t *limits, const struct botctr_limit_bounds *b,
			struct botctr_limits_patch *out, berth_err *err)
{
	static const char *const known[] = { "cpus", "cpu_quota_us", "cpu_period_us",
					     "memory_bytes", "pids" };
	const char *key;
	const json_t *v;
	bool set, reset;

	memset(out, 0, sizeof *out);
	if (!limits || json_is_null(limits))
		return 0;
	if (!json_is_object(limits))
		return invalid(err, "%s must be an object%s", "limits", "");
	json_object_foreach((json_t *)limits, key, v)
	{
		size_t i;
		for (i = 0; i < sizeof known / sizeof known[0]; i++)
			if (strcmp(key, known[i]) == 0)
				break;
		if (i == sizeof known / sizeof known[0])
			return invalid(
				err, "limits: unknown member %.64s%s", key,
				" (known: cpus, cpu_quota_us, cpu_period_us, memory_bytes, pids)");
	}
	if (parse_cpu(limits, b, out, err) < 0)
		return -1;
	if (int_member(limits, "memory_bytes", CONFIG_MEMORY_MIN_BYTES, b->max_memory_bytes,
		       &out->memory_bytes, &set, &reset, err) < 0)
		return -1;
	out->memory = set ? BOTCTR_LIMIT_SET : reset ? BOTCTR_LIMIT_RESET : BOTCTR_LIMIT_KEEP;
	if (int_member(limits, "pids", CONFIG_PIDS_MIN, b->max_pids, &out->pids_max, &set, &reset,
		       err) < 0)
		return -1;
	out->pids = set ? BOTCTR_LIMIT_SET : reset ? BOTCTR_LIMIT_RESET : BOTCTR_LIMIT_KEEP;
	return 0;
}

bool botctr_limits_patch_empty(const struct botctr_limits_patch *p)
{
	return p->cpu == BOTCTR_LIMIT_KEEP && p->memory == BOTCTR_LIMIT_KEEP &&
	       p->pids == BOTCTR_LIMIT_KEEP;
}

void botctr_limits_merge(struct store_limits *s, const struct botctr_limits_patch *p)
{
	if (p->cpu == BOTCTR_LIMIT_SET) {
		s->cpu_quota_us = p->cpu_quota_us;
		s->cpu_period_us = p->cpu_period_us;
	} else if (p->cpu == BOTCTR_LIMIT_RESET) {
		s->cpu_quota_us = s->cpu_period_us = STORE_LIMIT_DEFAULT;
	}
	if (p->memory != BOTCTR_LIMIT_KEEP)
		s->memory_bytes = p->memory == BOTCTR_LIMIT_SET ? p->memory_bytes
								: STORE_LIMIT_DEFAULT;
	if (p->pids != BOTCTR_LIMIT_KEEP)
		s->pids = p->pids == BOTCTR_LIMIT_SET ? p->pids_max : STORE_LIMIT_DEFAULT;
}

void botctr_limits_effective(const struct berth_config *cfg, const struct store_limits *s,
			     struct botctr_limits *out)
{
	bool own_cpu = s->cpu_quota_us != STORE_LIMIT_DEFAULT &&
		       s->cpu_period_us != STORE_LIMIT_DEFAULT;

	out->cpu_quota_us = own_cpu ? s->cpu_quota_us : cfg->limit_cpu_quota_us;
	out->cpu_period_us = own_cpu ? s->cpu_period_us : cfg->limit_cpu_period_us;
	out->memory_bytes = s->memory_bytes != STORE_LIMIT_DEFAULT ? s->memory_bytes
								   : cfg->limit_memory_bytes;
	out->pids = s->pids != STORE_LIMIT_DEFAULT ? s->pids : cfg->limit_pids;
	out->allow_swap = cfg->limit_allow_swap != 0;
}

static json_t *int_or_null(int64_t v)
{
	return v > 0 ? json_integer(v) : json_null();
}

json_t *botctr_limits_json(const struct botctr_limits *eff, const struct store_limits *s)
{
	json_t *defaults = json_array();
	json_t *out;

	if (!defaults)
		return NULL;
	if ((s->cpu_quota_us == STORE_LIMIT_DEFAULT &&
	     json_array_append_new(defaults, json_string("cpu")) != 0) ||
	    (s->memory_bytes == STORE_LIMIT_DEFAULT &&
	     json_array_append_new(defaults, json_string("memory_bytes")) != 0) ||
	    (s->pids == STORE_LIMIT_DEFAULT &&
	     json_array_append_new(defaults, json_string("pids")) != 0)) {
		json_decref(defaults);
		return NULL;
	}
	out = json_pack("{s:o,s:o,s:I,s:o,s:b,s:o,s:o}", "cpus",
			eff->cpu_quota_us > 0 && eff->cpu_period_us > 0
				? json_real((double)eff->cpu_quota_us / (double)eff->cpu_period_us)
				: json_null(),
			"cpu_quota_us", int_or_null(eff->cpu_quota_us), "cpu_period_us",
			(json_int_t)eff->cpu_period_us, "memory_bytes",
			int_or_null(eff->memory_bytes), "memory_swap", eff->allow_swap, "pids",
			int_or_null(eff->pids), "defaults", defaults);
	return out;
}

json_t *botctr_limits_resources(const struct botctr_limits *eff)
{
	json_t *memory;

	if (eff->memory_bytes > 0 && !eff->allow_swap)
		memory = json_pack("{s:I,s:I}", "limit", (json_int_t)eff->memory_bytes, "swap",
				   (json_int_t)eff->memory_bytes);
	else if (eff->memory_bytes > 0)
		memory = json_pack("{s:I,s:I}", "limit", (json_int_t)eff->memory_bytes, "swap",
				   (json_int_t)-1);
	else
		memory = json_pack("{s:I,s:I}", "limit", (json_int_t)-1, "swap", (json_int_t)-1);
	return json_pack("{s:{s:I,s:I},s:o,s:{s:I}}", "cpu", "quota",
			 (json_int_t)(eff->cpu_quota_us > 0 ? eff->cpu_quota_us : -1), "period",
			 (json_int_t)eff->cpu_period_us, "memory", memory, "pids", "limit",
			 (json_int_t)(eff->pids > 0 ? eff->pids : -1));
}

int botctr_limits_spec_apply(json_t *spec, const struct botctr_limits *eff, bool *changed,
			     berth_err *err)
{
	static const char *const groups[] = { "cpu", "memory", "pids" };
	json_t *lnx = json_object_get(spec, "linux"), *res, *want;
	bool differs = false;

	if (changed)
		*changed = false;
	if (!json_is_object(lnx))
		return berth_err_set(err, BERTH_E_INTERNAL, "spec: no linux object");
	res = json_object_get(lnx, "resources");
	if (!res) {
		if (json_object_set_new(lnx, "resources", json_object()) != 0)
			return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		res = json_object_get(lnx, "resources");
	}
	if (!json_is_object(res))
		return berth_err_set(err, BERTH_E_INTERNAL,
				     "spec: linux.resources is not an object");
	if (!(want = botctr_limits_resources(eff)))
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
		json_t *w = json_object_get(want, groups[i]);
		if (json_equal(json_object_get(res, groups[i]), w))
			continue;
		differs = true;
		if (json_object_set(res, groups[i], w) != 0) {
			json_decref(want);
			return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		}
	}
	json_decref(want);
	if (changed)
		*changed = differs;
	return 0;
}
