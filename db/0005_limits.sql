-- Per-bot resource limits (issue #11). A row holds the bot's own overrides; a NULL column means the
-- configured default ([limits] of berth.conf) applies. The limits belong to the bot, like its
-- snapshots: every spec Berth builds for the bot's container (create, rebuild, rollback) and every
-- live change (Tasks.Update) comes from them, so they outlive a container's delete and re-create.
CREATE TABLE container_limits (
	bot_id uuid PRIMARY KEY REFERENCES bots (id) ON DELETE CASCADE,
	-- CFS bandwidth: quota per period, both microseconds, both set or both NULL
	cpu_quota_us bigint CHECK (cpu_quota_us >= 1000),
	cpu_period_us bigint CHECK (cpu_period_us BETWEEN 1000 AND 1000000),
	-- memory limit in bytes (swap is off: memory+swap equals it unless [limits] allow_swap)
	memory_bytes bigint CHECK (memory_bytes > 0),
	pids bigint CHECK (pids > 0),
	updated_at timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT container_limits_cpu_pair CHECK ((cpu_quota_us IS NULL) = (cpu_period_us IS NULL))
);
