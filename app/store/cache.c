/* cache.c: a worker's read cache (see include/berth/store_cache.h). */
#define _GNU_SOURCE /* MAP_ANONYMOUS */
#include "berth/store_cache.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "berth/log.h"
#include "berth/store_locks.h"
#include "store_internal.h"

#define CACHE_SLOTS 128
/* Longest key kept: a statement's parameters (an X.509 subject DN, a bot id) with separators. */
#define CACHE_KEY_MAX (STORE_SUBJECT_SIZE + 128)

struct cache_entry {
	enum store_stmt_id stmt;
	uint64_t gen;	   /* the cache's generation when its query began */
	int64_t stored_ms; /* monotonic */
	size_t key_len;
	char *key;  /* "" when the slot is free */
	void *item; /* a copy of the result struct */
	size_t size;
};

struct store_cache {
	int ttl_ms;
	uint64_t gen;	     /* bumped whenever everything cached may be stale */
	uint64_t seen_epoch; /* the shared write epoch as of gen */
	bool drain_pending;  /* read the socket for notifications at the next lookup */
	struct cache_entry slots[CACHE_SLOTS];
};

/* The write epoch of the berth-fcgi process family (NULL in a process that did not share one). */
static _Atomic uint64_t *shared_epoch;

int store_cache_share(void)
{
	void *p;

	if (shared_epoch)
		return 0;
	p = mmap(NULL, sizeof *shared_epoch, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
		 0);
	if (p == MAP_FAILED)
		return -1;
	shared_epoch = p;
	atomic_store(shared_epoch, 1);
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void entry_clear(struct cache_entry *e)
{
	free(e->key);
	free(e->item);
	memset(e, 0, sizeof *e);
}

void store_cache_free(struct store_cache *cache)
{
	if (!cache)
		return;
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		entry_clear(&cache->slots[i]);
	free(cache);
}

int store_cache_enable(berth_store *store, int ttl_ms, berth_err *err)
{
	if (ttl_ms <= 0)
		return berth_err_set(err, BERTH_E_INVALID, "read cache: ttl must be > 0");
	if (!store->cache) {
		store->cache = calloc(1, sizeof *store->cache);
		if (!store->cache)
			return berth_err_set(err, BERTH_E_INTERNAL, "read cache: out of memory");
	}
	store->cache->ttl_ms = ttl_ms;
	store->cache->seen_epoch = shared_epoch ? atomic_load(shared_epoch) : 0;
	/* Not connected yet: the first connection LISTENs on every remembered channel. */
	if (!store->conn && store->listen_count < STORE_MAX_LISTEN) {
		snprintf(store->listen[store->listen_count++], sizeof store->listen[0], "%s",
			 STORE_CACHE_CHANNEL);
		return 0;
	}
	if (store_listen(store, STORE_CACHE_CHANNEL, err) < 0) {
		store_cache_free(store->cache);
		store->cache = NULL;
		return berth_err_prefix(err, "read cache");
	}
	return 0;
}

/* Statements that write only what the cache does not read (locks, notifications, events,
 * snapshots, stdio session records): they leave it as it is. Without them, every relayed stdio
 * message (its use statement) would empty every worker's cache. Any other statement that is not a
 * read empties it. */
static bool leaves_cache(enum store_stmt_id stmt)
{
	switch (stmt) {
	case STMT_BOT_UNLOCK:
	case STMT_NODE_UNLOCK:
	case STMT_NOTIFY:
	case STMT_EVENT_ADD:
	case STMT_SNAPSHOT_INSERT:
	case STMT_SNAPSHOT_DELETE:
	case STMT_STDIO_INSERT:
	case STMT_STDIO_PRUNE:
	case STMT_STDIO_USE:
	case STMT_STDIO_CLOSE:
	case STMT_STDIO_DELETE: return true;
	default: return false;
	}
}

void store_cache_note_statement(berth_store *store, const struct store_stmt *stmt)
{
	if (!stmt->retry_safe && !leaves_cache(stmt->id))
		store_cache_note_write(store);
}

void store_cache_note_write(berth_store *store)
{
	if (shared_epoch)
		atomic_fetch_add(shared_epoch, 1);
	if (store->cache)
		store->cache->gen++;
}

void store_cache_note_connect(berth_store *store)
{
	if (store->cache)
		store->cache->gen++;
}

void store_cache_request_begins(berth_store *store)
{
	if (store->cache)
		store->cache->drain_pending = true;
}

/* Brings gen up to date: the shared epoch, then the database's notifications (reading the socket
 * once per request; what libpq has already parsed costs no system call). */
static void refresh(berth_store *store)
{
	struct store_cache *c = store->cache;
	PGnotify *note;
	bool changed = false;

	if (shared_epoch) {
		uint64_t epoch = atomic_load(shared_epoch);
		if (epoch != c->seen_epoch) {
			c->seen_epoch = epoch;
			changed = true;
		}
	}
	if (!store->conn || PQstatus(store->conn) != CONNECTION_OK) {
		c->gen++; /* nothing is known until the next connection */
		return;
	}
	if (c->drain_pending) {
		c->drain_pending = false;
		if (!PQconsumeInput(store->conn))
			changed = true; /* the query that follows finds out what happened */
	}
	while ((note = PQnotifies(store->conn))) {
		changed = true;
		PQfreemem(note);
	}
	if (changed)
		c->gen++;
}

/* The key of a statement with its parameters: "<id>\x1f<v1>\x1f<v2>..."; 0 when too long. */
static size_t make_key(char *key, enum store_stmt_id stmt, const char *const *values, int n)
{
	size_t len = 0;

	key[len++] = (char)('A' + (int)stmt % 64);
	key[len++] = (char)('A' + (int)stmt / 64);
	for (int i = 0; i < n; i++) {
		size_t vlen = values[i] ? strlen(values[i]) : 0;

		if (len + 1 + vlen + 1 > CACHE_KEY_MAX)
			return 0;
		key[len++] = '\x1f';
		if (vlen)
			memcpy(key + len, values[i], vlen);
		len += vlen;
	}
	key[len] = '\0';
	return len;
}

static struct cache_entry *slot_for(struct store_cache *c, const char *key, size_t len)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 1099511628211ULL;
	}
	return &c->slots[h % CACHE_SLOTS];
}

bool store_cache_get(berth_store *store, enum store_stmt_id stmt, const char *const *values, int n,
		     void *out, size_t size, uint64_t *tag)
{
	struct store_cache *c = store->cache;
	char key[CACHE_KEY_MAX];
	struct cache_entry *e;
	size_t len;

	if (!c)
		return false;
	refresh(store);
	*tag = c->gen;
	if (!(len = make_key(key, stmt, values, n)))
		return false;
	e = slot_for(c, key, len);
	if (!e->key || e->stmt != stmt || e->key_len != len || memcmp(e->key, key, len) != 0)
		return false;
	if (e->gen != c->gen || e->size != size || now_ms() - e->stored_ms >= c->ttl_ms) {
		entry_clear(e);
		return false;
	}
	memcpy(out, e->item, size);
	return true;
}

void store_cache_put(berth_store *store, enum store_stmt_id stmt, const char *const *values, int n,
		     const void *item, size_t size, uint64_t tag)
{
	struct store_cache *c = store->cache;
	char key[CACHE_KEY_MAX];
	struct cache_entry *e;
	size_t len;

	/* A generation that moved on while the query ran may have made the result stale. */
	if (!c || tag != c->gen || !(len = make_key(key, stmt, values, n)))
		return;
	e = slot_for(c, key, len);
	entry_clear(e);
	if (!(e->key = malloc(len + 1)) || !(e->item = malloc(size))) {
		entry_clear(e); /* no entry: only the next lookup pays a query */
		return;
	}
	memcpy(e->key, key, len + 1);
	memcpy(e->item, item, size);
	e->key_len = len;
	e->size = size;
	e->stmt = stmt;
	e->gen = tag;
	e->stored_ms = now_ms();
}
