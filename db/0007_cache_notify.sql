-- 0007_cache_notify: the workers' read cache (include/berth/store_cache.h) learns of every change
-- another process commits to what it caches: the caller's identity and role (users,
-- channel_identities), a bot and its members (bots, bot_members), a bot's container row and its
-- limits (containers, container_limits). One notification per statement, sent by PostgreSQL at
-- commit (none for a rolled-back one); the payload is empty: a worker empties its whole cache.
-- Applied by `berthctl migrate` inside one transaction; never edit an applied migration, add one.

CREATE FUNCTION berth_cache_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('berth_cache', '');
	RETURN NULL;
END;
$$;

CREATE TRIGGER users_cache_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
	FOR EACH STATEMENT EXECUTE FUNCTION berth_cache_notify();
CREATE TRIGGER channel_identities_cache_notify
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON channel_identities
	FOR EACH STATEMENT EXECUTE FUNCTION berth_cache_notify();
CREATE TRIGGER bots_cache_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON bots
	FOR EACH STATEMENT EXECUTE FUNCTION berth_cache_notify();
CREATE TRIGGER bot_members_cache_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON bot_members
	FOR EACH STATEMENT EXECUTE FUNCTION berth_cache_notify();
CREATE TRIGGER containers_cache_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON containers
	FOR EACH STATEMENT EXECUTE FUNCTION berth_cache_notify();
CREATE TRIGGER container_limits_cache_notify
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON container_limits
	FOR EACH STATEMENT EXECUTE FUNCTION berth_cache_notify();
