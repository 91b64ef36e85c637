/* test_limits.c: the pure rules of a bot container's resource limits (include/berth/botctr_limits.h)
 * and the net/dev parser of the stats route (include/berth/botctr_stats.h). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "berth/botctr_limits.h"
#include "berth/botctr_stats.h"
#include "berth/config.h"

static const struct botctr_limit_bounds B = { 2, (int64_t)8 << 30, 4096 };

static json_t *J(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &e);
	ck_assert_msg(j, "bad test JSON %s: %s", text, e.text);
	return j;
}

static struct botctr_limits_patch ok(const char *text)
{
	struct botctr_limits_patch p;
	berth_err err = { 0 };
	json_t *j = J(text);
	ck_assert_msg(botctr_limits_parse(j, &B, &p, &err) == 0, "%s refused: %s", text, err.msg);
	json_decref(j);
	return p;
}

/* Refused with BERTH_E_INVALID / invalid_limits and a message holding want. */
static void bad(const char *text, const char *want)
{
	struct botctr_limits_patch p;
	berth_err err = { 0 };
	json_t *j = J(text);
	ck_assert_msg(botctr_limits_parse(j, &B, &p, &err) < 0, "%s accepted", text);
	ck_assert_int_eq(err.kind, BERTH_E_INVALID);
	ck_assert_int_eq(err.code, BERTH_EC_INVALID_LIMITS);
	ck_assert_str_eq(berth_err_code_str(&err), "invalid_limits");
	ck_assert_msg(strstr(err.msg, want), "%s: message '%s' lacks '%s'", text, err.msg, want);
	json_decref(j);
}

START_TEST(parse_values)
{
	struct botctr_limits_patch p = ok("{\"cpus\":0.5,\"memory_bytes\":268435456,\"pids\":64}");
	ck_assert_int_eq(p.cpu, BOTCTR_LIMIT_SET);
	ck_assert_int_eq(p.cpu_quota_us, 50000);
	ck_assert_int_eq(p.cpu_period_us, 100000);
	ck_assert_int_eq(p.memory, BOTCTR_LIMIT_SET);
	ck_assert_int_eq(p.memory_bytes, 268435456);
	ck_assert_int_eq(p.pids, BOTCTR_LIMIT_SET);
	ck_assert_int_eq(p.pids_max, 64);

	p = ok("{\"cpus\":2,\"cpu_period_us\":50000}"); /* integer cpus, own period */
	ck_assert_int_eq(p.cpu_quota_us, 100000);
	ck_assert_int_eq(p.cpu_period_us, 50000);
	p = ok("{\"cpu_quota_us\":25000}");
	ck_assert_int_eq(p.cpu_quota_us, 25000);
	ck_assert_int_eq(p.cpu_period_us, 100000);
	ck_assert_int_eq(p.memory, BOTCTR_LIMIT_KEEP);
	p = ok("{\"cpu_quota_us\":1000,\"cpu_period_us\":1000}");
	ck_assert_int_eq(p.cpu_quota_us, 1000);
	p = ok("{\"cpus\":0.01}"); /* the smallest share: 1 ms per 100 ms */
	ck_assert_int_eq(p.cpu_quota_us, 1000);
	p = ok("{\"cpus\":null,\"memory_bytes\":null,\"pids\":null}");
	ck_assert_int_eq(p.cpu, BOTCTR_LIMIT_RESET);
	ck_assert_int_eq(p.memory, BOTCTR_LIMIT_RESET);
	ck_assert_int_eq(p.pids, BOTCTR_LIMIT_RESET);
	ck_assert(!botctr_limits_patch_empty(&p));
	p = ok("{\"cpu_quota_us\":null}");
	ck_assert_int_eq(p.cpu, BOTCTR_LIMIT_RESET);
	p = ok("{}");
	ck_assert(botctr_limits_patch_empty(&p));
	p = ok("null");
	ck_assert(botctr_limits_patch_empty(&p));
	p = ok("{\"memory_bytes\":6291456,\"pids\":16}"); /* the minima */
	ck_assert_int_eq(p.memory_bytes, 6291456);
	p = ok("{\"memory_bytes\":8589934592,\"pids\":4096,\"cpus\":2}"); /* the maxima */
	ck_assert_int_eq(p.pids_max, 4096);
}
END_TEST

START_TEST(parse_refusals_name_field_and_bound)
{
	bad("[]", "limits must be an object");
	bad("\"1\"", "limits must be an object");
	bad("{\"cpu\":1}", "unknown member cpu");
	bad("{\"swap\":0}", "known: cpus, cpu_quota_us, cpu_period_us, memory_bytes, pids");
	bad("{\"cpus\":0}", "limits.cpus must be between 0.01 and 2");
	bad("{\"cpus\":2.5}", "limits.cpus must be between 0.01 and 2");
	bad("{\"cpus\":-1}", "limits.cpus must be between");
	bad("{\"cpus\":\"1\"}", "limits.cpus must be a number");
	bad("{\"cpus\":true}", "limits.cpus must be a number");
	bad("{\"cpus\":0.01,\"cpu_period_us\":1000}",
	    "limits.cpus times limits.cpu_period_us must be at least 1000");
	bad("{\"cpus\":1,\"cpu_quota_us\":1000}",
	    "limits.cpus and limits.cpu_quota_us are mutually exclusive");
	bad("{\"cpus\":null,\"cpu_quota_us\":null}", "mutually exclusive");
	bad("{\"cpu_quota_us\":999}", "limits.cpu_quota_us must be between 1000 and 200000");
	bad("{\"cpu_quota_us\":200001}", "limits.cpu_quota_us must be between 1000 and 200000");
	bad("{\"cpu_quota_us\":2001,\"cpu_period_us\":1000}",
	    "limits.cpu_quota_us must be between 1000 and 2000");
	bad("{\"cpu_quota_us\":1.5}", "limits.cpu_quota_us must be an integer");
	bad("{\"cpu_period_us\":999,\"cpus\":1}",
	    "limits.cpu_period_us must be between 1000 and 1000000");
	bad("{\"cpu_period_us\":1000001,\"cpus\":1}",
	    "limits.cpu_period_us must be between 1000 and 1000000");
	bad("{\"cpu_period_us\":100000}",
	    "limits.cpu_period_us needs limits.cpus or limits.cpu_quota_us");
	bad("{\"cpu_period_us\":null}", "limits.cpu_period_us cannot be null");
	bad("{\"cpus\":null,\"cpu_period_us\":100000}", "limits.cpu_period_us needs");
	bad("{\"memory_bytes\":6291455}",
	    "limits.memory_bytes must be between 6291456 and 8589934592");
	bad("{\"memory_bytes\":8589934593}",
	    "limits.memory_bytes must be between 6291456 and 8589934592");
	bad("{\"memory_bytes\":-1}", "limits.memory_bytes must be between");
	bad("{\"memory_bytes\":1e9}", "limits.memory_bytes must be an integer");
	bad("{\"memory_bytes\":\"1G\"}", "limits.memory_bytes must be an integer");
	bad("{\"pids\":15}", "limits.pids must be between 16 and 4096");
	bad("{\"pids\":4097}", "limits.pids must be between 16 and 4096");
	bad("{\"pids\":0}", "limits.pids must be between 16 and 4096");
	bad("{\"pids\":[1]}", "limits.pids must be an integer");
	/* the first bad field is named even when others are fine */
	bad("{\"cpus\":0.5,\"pids\":1}", "limits.pids");
}
END_TEST

static struct berth_config cfg_defaults(void)
{
	struct berth_config c;
	memset(&c, 0, sizeof c);
	c.limit_cpu_quota_us = 100000;
	c.limit_cpu_period_us = 100000;
	c.limit_memory_bytes = 1073741824;
	c.limit_pids = 1024;
	c.limit_max_pids = 32768;
	return c;
}

START_TEST(merge_and_effective)
{
	struct berth_config c = cfg_defaults();
	struct store_limits s = { STORE_LIMIT_DEFAULT, STORE_LIMIT_DEFAULT, STORE_LIMIT_DEFAULT,
				  STORE_LIMIT_DEFAULT };
	struct botctr_limits e;

	botctr_limits_effective(&c, &s, &e);
	ck_assert_int_eq(e.cpu_quota_us, 100000);
	ck_assert_int_eq(e.memory_bytes, 1073741824);
	ck_assert_int_eq(e.pids, 1024);
	ck_assert(!e.allow_swap);

	struct botctr_limits_patch p = ok("{\"cpus\":0.25,\"pids\":50}");
	botctr_limits_merge(&s, &p);
	ck_assert_int_eq(s.cpu_quota_us, 25000);
	ck_assert_int_eq(s.memory_bytes, STORE_LIMIT_DEFAULT);
	botctr_limits_effective(&c, &s, &e);
	ck_assert_int_eq(e.cpu_quota_us, 25000);
	ck_assert_int_eq(e.pids, 50);
	ck_assert_int_eq(e.memory_bytes, 1073741824);

	json_t *j = botctr_limits_json(&e, &s);
	ck_assert(json_real_value(json_object_get(j, "cpus")) > 0.249 &&
		  json_real_value(json_object_get(j, "cpus")) < 0.251);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "pids")), 50);
	ck_assert(json_is_false(json_object_get(j, "memory_swap")));
	json_t *d = json_object_get(j, "defaults");
	ck_assert_int_eq(json_array_size(d), 1);
	ck_assert_str_eq(json_string_value(json_array_get(d, 0)), "memory_bytes");
	json_decref(j);

	/* a later patch that keeps cpu leaves it; null puts a field back on the default */
	p = ok("{\"pids\":null,\"memory_bytes\":67108864}");
	botctr_limits_merge(&s, &p);
	ck_assert_int_eq(s.cpu_quota_us, 25000);
	ck_assert_int_eq(s.pids, STORE_LIMIT_DEFAULT);
	ck_assert_int_eq(s.memory_bytes, 67108864);
	p = ok("{\"cpu_quota_us\":null}");
	botctr_limits_merge(&s, &p);
	ck_assert_int_eq(s.cpu_quota_us, STORE_LIMIT_DEFAULT);
	ck_assert_int_eq(s.cpu_period_us, STORE_LIMIT_DEFAULT);

	/* defaults of 0 mean no limit: null in the JSON */
	c.limit_cpu_quota_us = 0;
	c.limit_pids = 0;
	c.limit_allow_swap = 1;
	botctr_limits_effective(&c, &s, &e);
	j = botctr_limits_json(&e, &s);
	ck_assert(json_is_null(json_object_get(j, "cpus")));
	ck_assert(json_is_null(json_object_get(j, "cpu_quota_us")));
	ck_assert(json_is_null(json_object_get(j, "pids")));
	ck_assert(json_is_true(json_object_get(j, "memory_swap")));
	json_decref(j);
}
END_TEST

START_TEST(oci_resources_and_spec)
{
	struct botctr_limits e = { 50000, 100000, 134217728, 64, false };
	json_t *r = botctr_limits_resources(&e);
	json_t *want = J(
		"{\"cpu\":{\"quota\":50000,\"period\":100000},\"memory\":{\"limit\":134217728,"
		"\"swap\":134217728},\"pids\":{\"limit\":64}}");
	ck_assert(json_equal(r, want));
	json_decref(r);
	json_decref(want);

	struct botctr_limits none = { 0, 100000, 0, 0, false };
	r = botctr_limits_resources(&none);
	want = J(
		"{\"cpu\":{\"quota\":-1,\"period\":100000},\"memory\":{\"limit\":-1,\"swap\":-1},\"pids\":{\"limit\":-1}}");
	ck_assert(json_equal(r, want));
	json_decref(r);
	json_decref(want);

	struct botctr_limits swap = { 0, 100000, 134217728, 0, true };
	r = botctr_limits_resources(&swap);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r, "memory"), "swap")),
			 -1);
	json_decref(r);

	/* The spec's other resources (devices) stay; a second apply changes nothing. */
	json_t *spec = J(
		"{\"linux\":{\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]}}}");
	bool changed = false;
	berth_err err = { 0 };
	ck_assert_int_eq(botctr_limits_spec_apply(spec, &e, &changed, &err), 0);
	ck_assert(changed);
	json_t *res = json_object_get(json_object_get(spec, "linux"), "resources");
	ck_assert_int_eq(json_array_size(json_object_get(res, "devices")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(res, "pids"), "limit")),
			 64);
	ck_assert_int_eq(botctr_limits_spec_apply(spec, &e, &changed, &err), 0);
	ck_assert(!changed);
	e.pids = 65;
	ck_assert_int_eq(botctr_limits_spec_apply(spec, &e, &changed, &err), 0);
	ck_assert(changed);
	json_decref(spec);

	spec = J("{\"linux\":{}}"); /* no resources yet */
	ck_assert_int_eq(botctr_limits_spec_apply(spec, &e, NULL, &err), 0);
	json_decref(spec);
	spec = J("{\"process\":{}}");
	ck_assert_int_eq(botctr_limits_spec_apply(spec, &e, NULL, &err), -1);
	json_decref(spec);
}
END_TEST

START_TEST(bounds_from_config)
{
	struct berth_config c = cfg_defaults();
	struct botctr_limit_bounds b;
	botctr_limit_bounds_of(&c, &b);
	ck_assert_int_ge(b.max_cpus, 1);
	ck_assert_int_gt(b.max_memory_bytes, CONFIG_MEMORY_MIN_BYTES);
	ck_assert_int_eq(b.max_pids, 32768);
	c.limit_max_cpus = 3;
	c.limit_max_memory_bytes = 1L << 30;
	botctr_limit_bounds_of(&c, &b);
	ck_assert_int_eq(b.max_cpus, 3);
	ck_assert_int_eq(b.max_memory_bytes, 1L << 30);
}
END_TEST

START_TEST(netdev)
{
	const char *text =
		"Inter-|   Receive                                                |  Transmit\n"
		" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
		"    lo:     120       2    0    0    0     0          0         0      120       2    0    0    0     0       0          0\n"
		"  eth0:    5000      40    0    0    0     0          0         0     3000      30    0    0    0     0       0          0\n"
		"  eth1:       7       1    0    0    0     0          0         0       11       1    0    0    0     0       0          0\n";
	json_t *ifaces = NULL;
	uint64_t rx, tx;
	berth_err err = { 0 };
	ck_assert_int_eq(botctr_netdev_parse(text, &ifaces, &rx, &tx, &err), 0);
	ck_assert_uint_eq(rx, 5007);
	ck_assert_uint_eq(tx, 3011);
	ck_assert_int_eq(json_array_size(ifaces), 2); /* lo is not the bot's traffic */
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(ifaces, 0), "name")),
			 "eth0");
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_array_get(ifaces, 0), "tx_packets")), 30);
	json_decref(ifaces);

	/* only headers: no interface but lo */
	ck_assert_int_eq(botctr_netdev_parse("a\nb\n", &ifaces, &rx, &tx, &err), 0);
	ck_assert_int_eq(json_array_size(ifaces), 0);
	json_decref(ifaces);
	ck_assert_int_eq(botctr_netdev_parse("", &ifaces, &rx, &tx, &err), -1);
	ck_assert_int_eq(botctr_netdev_parse("a\nb\neth0 1 2 3\n", &ifaces, &rx, &tx, &err), -1);
	ck_assert_int_eq(botctr_netdev_parse("a\nb\neth0: 1 2 3\n", &ifaces, &rx, &tx, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_INVALID);
	ck_assert_ptr_null(ifaces);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("limits");
	TCase *tc = tcase_create("pure");
	tcase_add_test(tc, parse_values);
	tcase_add_test(tc, parse_refusals_name_field_and_bound);
	tcase_add_test(tc, merge_and_effective);
	tcase_add_test(tc, oci_resources_and_spec);
	tcase_add_test(tc, bounds_from_config);
	tcase_add_test(tc, netdev);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
