# store: the PostgreSQL client (libpq, prepared statements) and the embedded schema migrations.
noinst_LIBRARIES += app/store/libberth_store.a
app_store_libberth_store_a_SOURCES = \
	include/berth/store_conn.h \
	include/berth/store_bots.h \
	include/berth/store_containers.h \
	include/berth/store_events.h \
	include/berth/store_locks.h \
	include/berth/store_migrate.h \
	include/berth/store_snapshots.h \
	include/berth/store_users.h \
	include/berth/store_mcpconn.h \
	include/berth/store_access.h \
	include/berth/store_stdio.h \
	include/berth/store_observed.h \
	include/berth/store_cache.h \
	app/store/store_internal.h \
	app/store/conn.c \
	app/store/cache.c \
	app/store/rows.c \
	app/store/users.c \
	app/store/bots.c \
	app/store/containers.c \
	app/store/snapshots.c \
	app/store/stdio.c \
	app/store/events.c \
	app/store/locks.c \
	app/store/mcpconn.c \
	app/store/access.c \
	app/store/limits.c \
	app/store/events_page.c \
	app/store/stats.c \
	app/store/reconcile.c \
	app/store/observed.c \
	app/store/migrate.c
nodist_app_store_libberth_store_a_SOURCES = app/store/migrations_gen.c

# db/ is the one source of the schema: every db/NNNN_name.sql, listed here, is embedded into the
# programs (test_store_migrations checks that this list and db/ agree).
STORE_MIGRATIONS = \
	$(top_srcdir)/db/0001_init.sql \
	$(top_srcdir)/db/0002_reconcile.sql \
	$(top_srcdir)/db/0003_mcp_stdio.sql \
	$(top_srcdir)/db/0004_observed.sql \
	$(top_srcdir)/db/0005_limits.sql \
	$(top_srcdir)/db/0006_reconcile_counts.sql \
	$(top_srcdir)/db/0007_cache_notify.sql
EXTRA_DIST += db app/store/embed-migrations.sh
# Installed for reference only (berthctl migrate applies the embedded copies).
migrationsdir = $(pkgdatadir)/migrations
migrations_DATA = $(STORE_MIGRATIONS)
BUILT_SOURCES += app/store/migrations_gen.c
CLEANFILES += app/store/migrations_gen.c
app/store/migrations_gen.c: $(STORE_MIGRATIONS) $(top_srcdir)/app/store/embed-migrations.sh
	$(AM_V_GEN)$(MKDIR_P) app/store && $(SHELL) $(top_srcdir)/app/store/embed-migrations.sh $@ $(STORE_MIGRATIONS)

# Unit: the embedded migrations (order, names, agreement with db/).
check_PROGRAMS += test/unit/test_store_migrations
TESTS += test/unit/test_store_migrations
test_unit_test_store_migrations_CPPFLAGS = $(AM_CPPFLAGS) -DBERTH_DB_DIR='"$(abs_top_srcdir)/db"'

# Integration: every store function against the stack's PostgreSQL (BERTH_DATABASE), constraint
# mapping, the per-bot lock, reconnect after a PostgreSQL restart, migrate idempotence.
check_PROGRAMS += test/integration/it_store
INTEGRATION_TESTS += test/integration/it_store
