/* Integration: the store against a real, migrated PostgreSQL (BERTH_DATABASE): every function,
 * the mapping of constraint violations, the per-bot advisory lock across two connections,
 * LISTEN/NOTIFY, migrate idempotence (also concurrent, on a fresh database), and reconnecting
 * after PostgreSQL stops and restarts (through scripts/stack.sh when BERTH_STACK is set), and the
 * workers' read cache: hits, what empties it (a write sharing the epoch, the database's
 * notification of another process's commit, the ttl) and what it never keeps (NOT_FOUND). */
#define _GNU_SOURCE /* asprintf */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth/store_access.h"
#include "berth/store_bots.h"
#include "berth/store_cache.h"
#include "berth/store_conn.h"
#include "berth/store_containers.h"
#include "berth/store_events.h"
#include "berth/store_locks.h"
#include "berth/store_migrate.h"
#include "berth/store_snapshots.h"
#include "berth/store_users.h"
#include "berth/uuid.h"
#include "bt.h"

static berth_store *open_store(void)
{
	berth_err err = { 0 };
	berth_store *s = store_open(bt_env("BERTH_DATABASE"), 10000, &err);

	ck_assert_msg(s != NULL, "store_open: %s", err.msg);
	return s;
}

#define OK(call)                                                                                   \
	do {                                                                                       \
		berth_err e_ = { 0 };                                                              \
		berth_err *err = &e_;                                                              \
		ck_assert_msg((call) == 0, "%s failed: %s", #call, e_.msg);                        \
	} while (0)

#define FAILS(want, call)                                                                          \
	do {                                                                                       \
		berth_err e_ = { 0 };                                                              \
		berth_err *err = &e_;                                                              \
		ck_assert_msg((call) == -1, "%s succeeded", #call);                                \
		ck_assert_msg(e_.kind == (want), "%s: kind %s (%s), expected %s", #call,           \
			      berth_errkind_code(e_.kind), e_.msg, berth_errkind_code(want));      \
	} while (0)

static struct store_user new_user(berth_store *s, bool admin)
{
	char *name = bt_unique("it-store-user");
	struct store_user u;

	OK(store_user_create(s, name, admin, &u, err));
	ck_assert_str_eq(u.username, name);
	free(name);
	return u;
}

static struct store_bot new_bot(berth_store *s, const char *owner)
{
	struct store_bot_new in = { .owner_user_id = owner, .display_name = "it bot" };
	struct store_bot b;

	OK(store_bot_create(s, &in, &b, err));
	return b;
}

static bool is_rfc3339(const char *t)
{
	/* 2026-11-23T00:00:00.123456Z */
	return strlen(t) == 27 && t[4] == '-' && t[10] == 'T' && t[19] == '.' && t[26] == 'Z';
}

START_TEST(users_and_identities)
{
	berth_store *s = open_store();
	struct store_user u = new_user(s, true), v = new_user(s, false), got;
	struct store_user_list list;
	char subject[600];
	char long_name[300];
	bool found = false;

	ck_assert(u.is_admin && u.is_active && !v.is_admin);
	ck_assert(berth_uuid_is_canonical(u.id));
	ck_assert(is_rfc3339(u.created_at));
	FAILS(BERTH_E_ALREADY_EXISTS, store_user_create(s, u.username, false, NULL, err));
	FAILS(BERTH_E_INVALID, store_user_create(s, "", false, NULL, err));
	memset(long_name, 'x', 256);
	long_name[256] = '\0';
	FAILS(BERTH_E_INVALID, store_user_create(s, long_name, false, NULL, err));

	OK(store_user_get(s, u.id, &got, err));
	ck_assert_str_eq(got.username, u.username);
	OK(store_user_by_name(s, v.username, &got, err));
	ck_assert_str_eq(got.id, v.id);
	FAILS(BERTH_E_NOT_FOUND, store_user_by_name(s, "it-store-nobody", &got, err));
	FAILS(BERTH_E_NOT_FOUND,
	      store_user_get(s, "00000000-0000-4000-8000-000000000000", &got, err));
	FAILS(BERTH_E_INVALID,
	      store_user_get(s, "00000000-0000-4000-8000-00000000000A", &got, err));
	FAILS(BERTH_E_INVALID, store_user_get(s, "nope", &got, err));

	OK(store_user_list(s, &list, err));
	for (size_t i = 0; i < list.count; i++)
		found |= strcmp(list.items[i].id, v.id) == 0;
	ck_assert(found);
	store_user_list_free(&list);

	/* a subject DN far longer than 127 bytes */
	snprintf(subject, sizeof subject, "CN=%s,OU=%0300d,O=Berth test", u.username, 0);
	OK(store_identity_add(s, u.id, "x509", subject, err));
	OK(store_user_by_identity(s, "x509", subject, &got, err));
	ck_assert_str_eq(got.id, u.id);
	ck_assert(got.is_admin);
	FAILS(BERTH_E_ALREADY_EXISTS, store_identity_add(s, v.id, "x509", subject, err));
	FAILS(BERTH_E_NOT_FOUND, store_user_by_identity(s, "x509", "CN=unknown", &got, err));
	FAILS(BERTH_E_NOT_FOUND, store_user_by_identity(s, "other", subject, &got, err));
	FAILS(BERTH_E_NOT_FOUND,
	      store_identity_add(s, "00000000-0000-4000-8000-000000000000", "x509", "CN=z", err));
	store_close(s);
}
END_TEST

static struct store_user identity_of(berth_store *s, const char *subject)
{
	struct store_user got;

	OK(store_user_by_identity(s, "x509", subject, &got, err));
	return got;
}

/* Another process (psql) deactivates or reactivates the user. */
static void set_active_elsewhere(const char *user_id, bool active)
{
	char *sql, *out;

	ck_assert(asprintf(&sql, "UPDATE users SET is_active = %s WHERE id = '%s'",
			   active ? "true" : "false", user_id) > 0);
	out = bt_sql(sql);
	free(out);
	free(sql);
}

START_TEST(read_cache)
{
	berth_store *writer = open_store(), *cached = open_store(), *short_lived = open_store();
	struct store_user u = new_user(writer, false), owner = new_user(writer, false), got;
	struct store_bot b = new_bot(writer, owner.id);
	struct store_access acc;
	char *subject = bt_unique("CN=it-store-cache");
	bool seen = false;

	OK(store_cache_enable(cached, 60000, err));
	/* Never a NOT_FOUND: an identity added after a miss is found at once. */
	FAILS(BERTH_E_NOT_FOUND, store_user_by_identity(cached, "x509", subject, &got, err));
	OK(store_identity_add(writer, u.id, "x509", subject, err));
	ck_assert(identity_of(cached, subject).is_active);
	/* The notifications of the writes above arrive within milliseconds; a request that begins
	 * after them drains them and caches the identity afresh. */
	usleep(300 * 1000);
	store_set_deadline(cached, 0);
	ck_assert(identity_of(cached, subject).is_active);

	/* A hit runs no query: within one request, another process's commit is not seen ... */
	set_active_elsewhere(u.id, false);
	ck_assert(identity_of(cached, subject).is_active);
	/* ... and the next request drains its notification (delivered right after the commit). */
	for (int i = 0; i < 100 && !seen; i++) {
		store_set_deadline(cached, 0);
		seen = !identity_of(cached, subject).is_active;
		if (!seen)
			usleep(50 * 1000);
	}
	ck_assert_msg(seen, "the notification of another process's commit never emptied the cache");
	set_active_elsewhere(u.id, true);

	/* The ttl bounds an entry even when no request begins. */
	OK(store_cache_enable(short_lived, 100, err));
	ck_assert(identity_of(short_lived, subject).is_active);
	set_active_elsewhere(u.id, false);
	usleep(300 * 1000);
	ck_assert(!identity_of(short_lived, subject).is_active);
	set_active_elsewhere(u.id, true);

	/* A write through any store sharing the epoch (the workers of one berth-fcgi) is seen by the
	 * next lookup, without waiting for a notification. */
	ck_assert_int_eq(store_cache_share(), 0);
	store_set_deadline(cached, 0);
	OK(store_access_get(cached, "x509", subject, b.id, &acc, err));
	ck_assert(acc.bot_found && !acc.caller_is_member);
	OK(store_member_add(writer, b.id, u.id, "member", err));
	OK(store_access_get(cached, "x509", subject, b.id, &acc, err));
	ck_assert(acc.caller_is_member);

	free(subject);
	store_close(short_lived);
	store_close(cached);
	store_close(writer);
}
END_TEST

START_TEST(bots_and_members)
{
	berth_store *s = open_store();
	struct store_user owner = new_user(s, false), other = new_user(s, false);
	char id[BERTH_UUID_LEN + 1];
	struct store_bot_new in = { .owner_user_id = owner.id,
				    .display_name = "pub",
				    .is_public = true,
				    .allow_guest = true };
	struct store_bot b, got;
	struct store_bot_list list;
	bool member = true;

	berth_uuid_generate(id);
	in.id = id;
	OK(store_bot_create(s, &in, &b, err));
	ck_assert_str_eq(b.id, id);
	ck_assert_str_eq(b.owner_user_id, owner.id);
	ck_assert(b.is_public && b.allow_guest && b.is_active);
	ck_assert_str_eq(b.status, "ready");
	ck_assert_str_eq(b.display_name, "pub");
	FAILS(BERTH_E_ALREADY_EXISTS, store_bot_create(s, &in, NULL, err));
	in.id = NULL;
	in.owner_user_id = "00000000-0000-4000-8000-000000000000";
	FAILS(BERTH_E_NOT_FOUND, store_bot_create(s, &in, NULL, err));
	in.id = "ABCDEF00-0000-4000-8000-000000000000";
	in.owner_user_id = owner.id;
	FAILS(BERTH_E_INVALID, store_bot_create(s, &in, NULL, err));

	struct store_bot personal = new_bot(s, owner.id);
	ck_assert(!personal.is_public && !personal.allow_guest);
	OK(store_bot_get(s, id, &got, err));
	ck_assert_str_eq(got.display_name, "pub");
	FAILS(BERTH_E_NOT_FOUND,
	      store_bot_get(s, "00000000-0000-4000-8000-000000000000", &got, err));
	FAILS(BERTH_E_INVALID,
	      store_bot_get(s, "{00000000-0000-4000-8000-000000000000}", &got, err));

	OK(store_bot_list(s, owner.id, &list, err));
	ck_assert_uint_eq(list.count, 2);
	ck_assert_str_eq(list.items[0].id, id); /* ordered by created_at */
	store_bot_list_free(&list);
	OK(store_bot_list(s, other.id, &list, err));
	ck_assert_uint_eq(list.count, 0);
	store_bot_list_free(&list);
	OK(store_bot_list(s, NULL, &list, err));
	ck_assert_uint_ge(list.count, 2);
	store_bot_list_free(&list);

	OK(store_bot_is_member(s, id, other.id, &member, err));
	ck_assert(!member);
	OK(store_member_add(s, id, other.id, NULL, err));
	OK(store_bot_is_member(s, id, other.id, &member, err));
	ck_assert(member);
	FAILS(BERTH_E_ALREADY_EXISTS, store_member_add(s, id, other.id, "admin", err));
	FAILS(BERTH_E_INVALID, store_member_add(s, personal.id, other.id, "guest", err));
	OK(store_member_add(s, personal.id, other.id, "owner", err));
	FAILS(BERTH_E_NOT_FOUND,
	      store_member_add(s, "00000000-0000-4000-8000-000000000000", other.id, NULL, err));
	store_close(s);
}
END_TEST

static struct store_container_new container_in(const char *bot_id, char *cid, size_t cap)
{
	snprintf(cid, cap, "mcp-%s", bot_id);
	return (struct store_container_new){ .bot_id = bot_id,
					     .container_id = cid,
					     .image = "docker.io/library/x:1",
					     .snapshotter = "overlayfs",
					     .namespace_ = "it-store",
					     .node = "local",
					     .host_path = "/var/lib/berth/data/bots/x",
					     .container_path = "/data" };
}

START_TEST(containers)
{
	berth_store *s = open_store();
	struct store_user owner = new_user(s, false), stranger = new_user(s, false);
	struct store_bot b = new_bot(s, owner.id), b2 = new_bot(s, stranger.id);
	char cid[64], cid2[64], long_msg[2100];
	struct store_container_new in = container_in(b.id, cid, sizeof cid),
				   in2 = container_in(b2.id, cid2, sizeof cid2);
	struct store_container c;
	struct store_container_list list;
	bool deleted = false, seen = false;
	char *node = bt_unique("it-store-node");

	FAILS(BERTH_E_NOT_FOUND, store_container_get(s, b.id, &c, err));
	FAILS(BERTH_E_NOT_FOUND, store_container_mark_running(s, b.id, "10.0.0.2", err));
	OK(store_container_upsert(s, &in, &c, err));
	ck_assert_str_eq(c.bot_id, b.id);
	ck_assert_str_eq(c.container_id, cid);
	ck_assert_str_eq(c.container_name, cid);
	ck_assert_str_eq(c.status, "created");
	ck_assert_str_eq(c.desired_state, "running");
	ck_assert_str_eq(c.node, "local");
	ck_assert_str_eq(c.namespace_, "it-store");
	ck_assert_str_eq(c.host_path, "/var/lib/berth/data/bots/x");
	ck_assert_str_eq(c.ip_address, "");
	ck_assert_str_eq(c.last_started_at, "");
	ck_assert(is_rfc3339(c.created_at));

	OK(store_container_mark_running(s, b.id, "10.88.214.7", err));
	in.image = "docker.io/library/x:2";
	OK(store_container_upsert(s, &in, &c, err)); /* an upsert keeps what was observed */
	ck_assert_str_eq(c.image, "docker.io/library/x:2");
	ck_assert_str_eq(c.status, "running");
	ck_assert_str_eq(c.ip_address, "10.88.214.7");
	ck_assert(is_rfc3339(c.last_started_at));
	FAILS(BERTH_E_INVALID, store_container_mark_running(s, b.id, "not-an-ip", err));

	OK(store_container_mark_stopped(s, b.id, err));
	OK(store_container_get(s, b.id, &c, err));
	ck_assert_str_eq(c.status, "stopped");
	ck_assert_str_eq(c.ip_address, "");
	ck_assert(is_rfc3339(c.last_stopped_at));

	/* 2000 bytes of two-byte characters: cut at a character boundary */
	for (int i = 0; i < 1000; i++)
		memcpy(long_msg + 2 * i, "\xc3\xa9", 2);
	long_msg[2000] = '\0';
	OK(store_container_mark_error(s, b.id, long_msg, err));
	OK(store_container_get(s, b.id, &c, err));
	ck_assert_str_eq(c.status, "error");
	ck_assert_uint_eq(strlen(c.last_error), 1022);
	OK(store_container_mark_stopped(s, b.id, err)); /* a success clears last_error */
	OK(store_container_set_desired(s, b.id, "stopped", err));
	FAILS(BERTH_E_INVALID, store_container_set_desired(s, b.id, "paused", err));
	OK(store_container_count_restart(s, b.id, err));
	OK(store_container_count_restart(s, b.id, err));
	OK(store_container_set_ip(s, b.id, "fd00::5", err));
	OK(store_container_get_by_container_id(s, cid, &c, err));
	ck_assert_str_eq(c.last_error, "");
	ck_assert_str_eq(c.desired_state, "stopped");
	ck_assert_int_eq(c.restart_count, 2);
	ck_assert_str_eq(c.ip_address, "fd00::5");
	FAILS(BERTH_E_NOT_FOUND, store_container_get_by_container_id(s, "mcp-nothing", &c, err));

	/* the second bot's row, on a node that does not exist yet */
	in2.node = node;
	OK(store_container_upsert(s, &in2, NULL, err));
	OK(store_container_list(s, owner.id, &list, err));
	ck_assert_uint_eq(list.count, 1);
	ck_assert_str_eq(list.items[0].bot_id, b.id);
	store_container_list_free(&list);
	OK(store_container_list(s, NULL, &list, err));
	for (size_t i = 0; i < list.count; i++)
		seen |= strcmp(list.items[i].bot_id, b2.id) == 0;
	ck_assert(seen);
	store_container_list_free(&list);
	OK(store_container_list_by_node(s, node, &list, err));
	ck_assert_uint_eq(list.count, 1);
	ck_assert_str_eq(list.items[0].container_id, cid2);
	store_container_list_free(&list);

	/* one container id belongs to one bot */
	in2.container_id = cid;
	FAILS(BERTH_E_ALREADY_EXISTS, store_container_upsert(s, &in2, NULL, err));
	in2.bot_id = "00000000-0000-4000-8000-000000000000";
	in2.container_id = "mcp-00000000-0000-4000-8000-000000000000";
	FAILS(BERTH_E_NOT_FOUND, store_container_upsert(s, &in2, NULL, err));

	OK(store_container_delete(s, b.id, &deleted, err));
	ck_assert(deleted);
	OK(store_container_delete(s, b.id, &deleted, err));
	ck_assert(!deleted);
	FAILS(BERTH_E_NOT_FOUND, store_container_get(s, b.id, &c, err));
	FAILS(BERTH_E_NOT_FOUND, store_container_mark_stopped(s, b.id, err));
	free(node);
	store_close(s);
}
END_TEST

START_TEST(snapshots)
{
	berth_store *s = open_store();
	struct store_user owner = new_user(s, false);
	struct store_bot b = new_bot(s, owner.id), b2 = new_bot(s, owner.id);
	char rt1[80], rt2[80];
	struct store_snapshot_new in = { .bot_id = b.id,
					 .name = "v1",
					 .container_id = "mcp-x",
					 .snapshotter = "overlayfs",
					 .runtime_snapshot_name = rt1 };
	struct store_snapshot snap;
	struct store_snapshot_list list;
	bool deleted = false;

	snprintf(rt1, sizeof rt1, "berth-%s-v1", b.id);
	snprintf(rt2, sizeof rt2, "berth-%s-v2", b.id);
	OK(store_snapshot_insert(s, &in, &snap, err));
	ck_assert_str_eq(snap.name, "v1");
	ck_assert_str_eq(snap.parent, "");
	ck_assert_str_eq(snap.source, "manual");
	ck_assert_str_eq(snap.runtime_snapshot_name, rt1);
	FAILS(BERTH_E_ALREADY_EXISTS, store_snapshot_insert(s, &in, NULL, err));
	in.name = "v1-again"; /* same containerd name */
	FAILS(BERTH_E_ALREADY_EXISTS, store_snapshot_insert(s, &in, NULL, err));
	in.name = "v2";
	in.runtime_snapshot_name = rt2;
	in.parent = "missing";
	FAILS(BERTH_E_NOT_FOUND, store_snapshot_insert(s, &in, NULL, err));
	in.parent = "v1";
	in.source = "bogus";
	FAILS(BERTH_E_INVALID, store_snapshot_insert(s, &in, NULL, err));
	in.source = "rollback";
	in.display_name = "second";
	OK(store_snapshot_insert(s, &in, &snap, err));
	ck_assert_str_eq(snap.parent, "v1");
	ck_assert_str_eq(snap.source, "rollback");
	ck_assert_str_eq(snap.display_name, "second");

	OK(store_snapshot_list(s, b.id, &list, err));
	ck_assert_uint_eq(list.count, 2);
	ck_assert_str_eq(list.items[0].name, "v1");
	ck_assert_str_eq(list.items[1].name, "v2");
	ck_assert_str_eq(list.items[1].parent, "v1");
	store_snapshot_list_free(&list);
	OK(store_snapshot_list(s, b2.id, &list, err));
	ck_assert_uint_eq(list.count, 0); /* never another bot's */
	store_snapshot_list_free(&list);

	OK(store_snapshot_get(s, b.id, "v2", &snap, err));
	ck_assert_str_eq(snap.runtime_snapshot_name, rt2);
	FAILS(BERTH_E_NOT_FOUND, store_snapshot_get(s, b2.id, "v2", &snap, err));
	OK(store_snapshot_get_by_runtime_name(s, "overlayfs", rt1, &snap, err));
	ck_assert_str_eq(snap.bot_id, b.id);
	FAILS(BERTH_E_NOT_FOUND, store_snapshot_get_by_runtime_name(s, "native", rt1, &snap, err));

	/* the same Berth name for another bot is fine */
	in.bot_id = b2.id;
	in.name = "v1";
	in.parent = NULL;
	snprintf(rt1, sizeof rt1, "berth-%s-v1", b2.id);
	in.runtime_snapshot_name = rt1;
	OK(store_snapshot_insert(s, &in, NULL, err));

	OK(store_snapshot_delete(s, b.id, "v1", &deleted, err));
	ck_assert(deleted);
	OK(store_snapshot_get(s, b.id, "v2", &snap, err));
	ck_assert_str_eq(snap.parent, "");
	OK(store_snapshot_delete(s, b.id, "v1", &deleted, err));
	ck_assert(!deleted);
	store_close(s);
}
END_TEST

START_TEST(events)
{
	berth_store *s = open_store();
	struct store_user owner = new_user(s, false);
	struct store_bot b = new_bot(s, owner.id);
	struct store_event_list list;

	OK(store_event_add(s, b.id, "mcp-x", "create", "{\"ok\": true}", err));
	OK(store_event_add(s, b.id, NULL, "delete", NULL, err));
	FAILS(BERTH_E_INVALID, store_event_add(s, b.id, NULL, "bad", "{not json", err));
	FAILS(BERTH_E_NOT_FOUND,
	      store_event_add(s, "00000000-0000-4000-8000-000000000000", NULL, "x", NULL, err));
	OK(store_event_list(s, b.id, 0, &list, err));
	ck_assert_uint_eq(list.count, 2);
	ck_assert_str_eq(list.items[0].event_type, "delete"); /* newest first */
	ck_assert_str_eq(list.items[0].payload, "{}");
	ck_assert_str_eq(list.items[0].container_id, "");
	ck_assert_str_eq(list.items[1].payload, "{\"ok\": true}");
	ck_assert_str_eq(list.items[1].container_id, "mcp-x");
	store_event_list_free(&list);
	OK(store_event_list(s, b.id, 1, &list, err));
	ck_assert_uint_eq(list.count, 1);
	store_event_list_free(&list);
	store_close(s);
}
END_TEST

struct unlock_later {
	berth_store *store;
	const char *bot_id;
	int delay_ms;
	int rc;
};

static void *unlock_later(void *arg)
{
	struct unlock_later *u = arg;
	berth_err err = { 0 };

	bt_sleep_ms(u->delay_ms);
	u->rc = store_bot_unlock(u->store, u->bot_id, &err);
	return NULL;
}

START_TEST(bot_lock)
{
	berth_store *a = open_store(), *b = open_store();
	char bot[BERTH_UUID_LEN + 1], other[BERTH_UUID_LEN + 1];
	struct unlock_later later;
	pthread_t thread;
	long long start;

	berth_uuid_generate(bot);
	berth_uuid_generate(other);
	OK(store_bot_lock(a, bot, 1000, err));
	/* the second session waits, then times out */
	start = bt_now_ms();
	FAILS(BERTH_E_TIMEOUT, store_bot_lock(b, bot, 300, err));
	ck_assert_int_ge(bt_now_ms() - start, 280);
	ck_assert_int_lt(bt_now_ms() - start, 3000);
	/* another bot is not blocked */
	OK(store_bot_lock(b, other, 0, err));
	OK(store_bot_unlock(b, other, err));
	/* released while the second one waits: it gets the lock */
	later = (struct unlock_later){ a, bot, 200, -1 };
	ck_assert_int_eq(pthread_create(&thread, NULL, unlock_later, &later), 0);
	start = bt_now_ms();
	OK(store_bot_lock(b, bot, 5000, err));
	ck_assert_int_ge(bt_now_ms() - start, 150);
	pthread_join(thread, NULL);
	ck_assert_int_eq(later.rc, 0);
	FAILS(BERTH_E_TIMEOUT, store_bot_lock(a, bot, 0, err));
	OK(store_bot_unlock(b, bot, err));
	FAILS(BERTH_E_PRECONDITION, store_bot_unlock(b, bot, err));
	/* closing a session releases its lock */
	OK(store_bot_lock(a, bot, 0, err));
	store_close(a);
	OK(store_bot_lock(b, bot, 2000, err));
	store_close(b);
}
END_TEST

START_TEST(node_lock_and_notify)
{
	berth_store *a = open_store(), *b = open_store();
	char *node = bt_unique("it-node");
	bool acquired = false, got = false;
	struct store_notification n;

	OK(store_node_try_lock(a, node, &acquired, err));
	ck_assert(acquired);
	OK(store_node_try_lock(b, node, &acquired, err));
	ck_assert(!acquired);
	OK(store_node_unlock(a, node, err));
	OK(store_node_try_lock(b, node, &acquired, err));
	ck_assert(acquired);
	FAILS(BERTH_E_PRECONDITION, store_node_unlock(a, node, err));

	FAILS(BERTH_E_INVALID, store_listen(b, "Bad-Channel", err));
	OK(store_listen(b, "berth_it_store", err));
	OK(store_wait_notification(b, 50, &n, &got, err));
	ck_assert(!got);
	OK(store_notify(a, "berth_it_store", "bot-1", err));
	OK(store_wait_notification(b, 2000, &n, &got, err));
	ck_assert(got);
	ck_assert_str_eq(n.channel, "berth_it_store");
	ck_assert_str_eq(n.payload, "bot-1");
	free(node);
	store_close(a);
	store_close(b);
}
END_TEST

START_TEST(migrate_idempotent)
{
	berth_store *s = open_store();
	int applied = -1, version = 0, latest = 0;
	size_t count = 0;
	char *out = NULL;

	OK(store_migrate(s, &applied, err));
	ck_assert_int_eq(applied, 0);
	OK(store_migrate(s, &applied, err));
	ck_assert_int_eq(applied, 0);
	OK(store_schema_version(s, &version, &latest, err));
	ck_assert_int_eq(version, latest);
	store_migrations(&count);
	ck_assert_int_eq(latest, store_migrations(&count)[count - 1].version);
	store_close(s);
	if (getenv("BERTH_CONFIG")) {
		ck_assert_int_eq(bt_berthctl(&out, "migrate", NULL), 0);
		ck_assert_ptr_nonnull(strstr(out, "0 migrations applied"));
		free(out);
	}
}
END_TEST

struct migrate_run {
	const char *conninfo;
	int applied;
	int rc;
	berth_err err;
};

static void *migrate_thread(void *arg)
{
	struct migrate_run *m = arg;
	berth_store *s = store_open(m->conninfo, 0, &m->err);

	m->rc = s ? store_migrate(s, &m->applied, &m->err) : -1;
	store_close(s);
	return NULL;
}

/* Two runs at once on an empty database apply every migration exactly once. */
START_TEST(migrate_concurrent_fresh_database)
{
	const char *base = bt_env("BERTH_DATABASE");
	char *db = bt_unique("it_store_db");
	char create[160], drop[160];
	char *conninfo;
	struct migrate_run runs[2];
	pthread_t threads[2];
	size_t count = 0;

	if (strncmp(base, "postgres", 8) == 0) {
		free(db);
		bt_skip("BERTH_DATABASE is a URI: no fresh database to create beside it");
	}
	for (char *p = db; *p; p++)
		if (*p == '-')
			*p = '_';
	snprintf(create, sizeof create, "CREATE DATABASE %s", db);
	snprintf(drop, sizeof drop, "DROP DATABASE %s", db);
	free(bt_sql(create));
	ck_assert_int_ne(asprintf(&conninfo, "%s dbname=%s", base, db), -1);
	for (int i = 0; i < 2; i++) {
		runs[i] = (struct migrate_run){ .conninfo = conninfo, .rc = -1 };
		ck_assert_int_eq(pthread_create(&threads[i], NULL, migrate_thread, &runs[i]), 0);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(threads[i], NULL);
	free(bt_sql(drop));
	ck_assert_msg(runs[0].rc == 0, "first run: %s", runs[0].err.msg);
	ck_assert_msg(runs[1].rc == 0, "second run: %s", runs[1].err.msg);
	store_migrations(&count);
	ck_assert_int_eq(runs[0].applied + runs[1].applied, (int)count);
	free(conninfo);
	free(db);
}
END_TEST

/* PostgreSQL control: the stack's (stack.sh) or, outside the harness, a private cluster in the
 * directory BERTH_IT_PGDIR (data in DIR/data, socket in DIR; pg_ctl as the postgres user). */
static void postgres(const char *verb)
{
	const char *pgdata = getenv("BERTH_IT_PGDIR");
	char cmd[512];

	if (getenv("BERTH_STACK")) {
		const char *stack_verb = strcmp(verb, "stop") == 0    ? "stop-service"
					 : strcmp(verb, "start") == 0 ? "start-service"
								      : "restart";
		ck_assert_int_eq(bt_stack(stack_verb, "postgres"), 0);
		return;
	}
	ck_assert_msg(pgdata != NULL, "set BERTH_STACK or BERTH_IT_PGDIR");
	/* the private cluster of the store brief: socket in the data dir's parent, no TCP */
	snprintf(
		cmd, sizeof cmd,
		"/usr/lib/postgresql/15/bin/pg_ctl -D %s/data -m fast -w -l %s/log -o \"-k %s -c listen_addresses=''\" %s",
		pgdata, pgdata, pgdata, verb);
	{
		char *argv[] = { "su", "postgres", "-c", cmd, NULL };
		ck_assert_int_eq(bt_run(argv, NULL, NULL, 60), 0);
	}
}

START_TEST(reconnect_after_restart)
{
	berth_store *s = open_store();
	struct store_user u = new_user(s, false), got;
	berth_err down = { 0 };
	long long start;

	postgres("restart");
	/* the old connection is gone; a read reconnects and succeeds */
	OK(store_user_get(s, u.id, &got, err));
	OK(store_ping(s, err));

	postgres("stop");
	start = bt_now_ms();
	ck_assert_int_eq(store_ping(s, &down), -1);
	ck_assert_int_eq(down.kind, BERTH_E_UNAVAILABLE);
	ck_assert_msg(strncmp(down.msg, "database unavailable: ", 22) == 0, "message: %s",
		      down.msg);
	ck_assert_int_eq(store_user_get(s, u.id, &got, &down), -1);
	ck_assert_int_eq(down.kind, BERTH_E_UNAVAILABLE);
	ck_assert_int_lt(bt_now_ms() - start, 3000); /* fails fast */
	postgres("start");
	OK(store_user_get(s, u.id, &got, err));
	ck_assert_str_eq(got.username, u.username);
	OK(store_bot_lock(s, u.id, 0, err)); /* statements are prepared again */
	OK(store_bot_unlock(s, u.id, err));
	store_close(s);
}
END_TEST

/* Terminates the backend that holds the advisory lock matching `match` (SQL over pg_locks, fixed
 * text from the test) and waits until it is gone, as an administrator would with
 * pg_terminate_backend. */
static void terminate_lock_holder(const char *match)
{
	char *sql, *pid, *left;
	long long deadline = bt_now_ms() + 10000;

	ck_assert_int_ge(
		asprintf(&sql,
			 "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND %s",
			 match),
		0);
	pid = bt_sql(sql);
	free(sql);
	ck_assert_msg(pid[0] != '\0' && strchr(pid, '\n') == NULL, "lock holders: '%s'", pid);
	ck_assert_int_ge(asprintf(&sql, "SELECT pg_terminate_backend(%s)", pid), 0);
	free(bt_sql(sql));
	free(sql);
	ck_assert_int_ge(
		asprintf(&sql, "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", pid), 0);
	while (strcmp(left = bt_sql(sql), "0") != 0 && bt_now_ms() < deadline) {
		free(left);
		bt_sleep_ms(50);
	}
	ck_assert_str_eq(left, "0");
	free(left);
	free(sql);
	free(pid);
}

/* The backend holding a bot's lock: its key is the first 16 hex digits of the UUID. */
static void terminate_bot_lock_holder(const char *bot_id)
{
	char hex[17], *match;
	size_t n = 0;

	for (const char *p = bot_id; *p && n < 16; p++)
		if (*p != '-')
			hex[n++] = *p;
	hex[n] = '\0';
	ck_assert_int_ge(asprintf(&match,
				  "objsubid = 1 AND lpad(to_hex(classid::bigint), 8, '0') || "
				  "lpad(to_hex(objid::bigint), 8, '0') = '%s'",
				  hex),
			 0);
	terminate_lock_holder(match);
	free(match);
}

#define LOCK_LOST_MSG "database connection lost while holding the bot lock; operation aborted"

/* A connection lost under a bot lock is not silently replaced: calls fail (a read is not retried
 * on a new, unlocked connection) until the lock is unlocked, which reports the loss. */
START_TEST(bot_lock_lost_with_the_connection)
{
	berth_store *a = open_store(), *b = open_store();
	struct store_user u = new_user(a, false), got;
	char bot[BERTH_UUID_LEN + 1];
	berth_err e = { 0 };

	berth_uuid_generate(bot);
	OK(store_bot_lock(a, bot, 0, err));
	terminate_bot_lock_holder(bot);

	/* the call that finds the connection gone: a read, which would otherwise be retried */
	ck_assert_int_eq(store_user_get(a, u.id, &got, &e), -1);
	ck_assert_int_eq(e.kind, BERTH_E_UNAVAILABLE);
	ck_assert_msg(strstr(e.msg, LOCK_LOST_MSG) != NULL, "message: %s", e.msg);
	/* the server released the lock: another session takes it at once */
	OK(store_bot_lock(b, bot, 2000, err));
	/* every later call of the session fails at once, reads, writes and locks alike */
	ck_assert_int_eq(store_user_get(a, u.id, &got, &e), -1);
	ck_assert_int_eq(e.kind, BERTH_E_UNAVAILABLE);
	ck_assert_msg(strstr(e.msg, LOCK_LOST_MSG) != NULL, "message: %s", e.msg);
	FAILS(BERTH_E_UNAVAILABLE, store_ping(a, err));
	FAILS(BERTH_E_UNAVAILABLE, store_event_add(a, bot, NULL, "it", NULL, err));
	FAILS(BERTH_E_UNAVAILABLE, store_bot_lock(a, u.id, 0, err));
	/* the unlock reports the loss and clears it */
	ck_assert_int_eq(store_bot_unlock(a, bot, &e), -1);
	ck_assert_int_eq(e.kind, BERTH_E_UNAVAILABLE);
	ck_assert_msg(strstr(e.msg, "lost") != NULL, "message: %s", e.msg);
	OK(store_user_get(a, u.id, &got, err));
	ck_assert_str_eq(got.username, u.username);
	FAILS(BERTH_E_PRECONDITION, store_bot_unlock(a, bot, err));
	FAILS(BERTH_E_TIMEOUT, store_bot_lock(a, bot, 0, err)); /* b still holds it */
	OK(store_bot_unlock(b, bot, err));
	OK(store_bot_lock(a, bot, 0, err));
	OK(store_bot_unlock(a, bot, err));
	/* the unlock itself finds the connection gone: it reports the loss and accounts for the level,
	 * so the session is usable again (not failing every call for a level nobody will unlock) */
	OK(store_bot_lock(a, bot, 0, err));
	terminate_bot_lock_holder(bot);
	ck_assert_int_eq(store_bot_unlock(a, bot, &e), -1);
	ck_assert_int_eq(e.kind, BERTH_E_UNAVAILABLE);
	OK(store_user_get(a, u.id, &got, err));
	OK(store_bot_lock(a, bot, 0, err));
	OK(store_bot_unlock(a, bot, err));
	store_close(a);
	store_close(b);
}
END_TEST

/* After the connection went stale between calls, a read is retried on a new one; a write is
 * not (its reply may have been lost after the commit). A node lock marks the backend. */
START_TEST(only_reads_are_retried_after_a_lost_connection)
{
	berth_store *s = open_store();
	struct store_user u = new_user(s, false), got;
	char *node = bt_unique("it-retry"), *match;
	char bot[BERTH_UUID_LEN + 1];
	bool acquired = false;

	berth_uuid_generate(bot);
	ck_assert_int_ge(
		asprintf(&match,
			 "classid = 1112691784 AND objsubid = 2 AND objid = hashtext('%s')::oid",
			 node),
		0);
	OK(store_node_try_lock(s, node, &acquired, err));
	ck_assert(acquired);
	terminate_lock_holder(match);
	OK(store_user_get(s, u.id, &got, err));

	OK(store_node_try_lock(s, node, &acquired, err));
	ck_assert(acquired);
	terminate_lock_holder(match);
	/* (retried, this would say NOT_FOUND: the bot has no container row) */
	FAILS(BERTH_E_UNAVAILABLE, store_container_set_desired(s, bot, "stopped", err));
	OK(store_user_get(s, u.id, &got, err));
	free(match);
	free(node);
	store_close(s);
}
END_TEST

int main(void)
{
	Suite *suite = suite_create("store");
	TCase *tc = tcase_create("store");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, users_and_identities);
	tcase_add_test(tc, bots_and_members);
	tcase_add_test(tc, read_cache);
	tcase_add_test(tc, containers);
	tcase_add_test(tc, snapshots);
	tcase_add_test(tc, events);
	tcase_add_test(tc, bot_lock);
	tcase_add_test(tc, bot_lock_lost_with_the_connection);
	tcase_add_test(tc, only_reads_are_retried_after_a_lost_connection);
	tcase_add_test(tc, node_lock_and_notify);
	tcase_add_test(tc, migrate_idempotent);
	tcase_add_test(tc, migrate_concurrent_fresh_database);
	tcase_add_test(tc, reconnect_after_restart);
	suite_add_tcase(suite, tc);
	sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
