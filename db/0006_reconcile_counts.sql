-- 0006_reconcile_counts: what the node's reconcilers did, for GET /metrics (issue #11, "reconcile
-- passes and actions"). berth-reconcile keeps its counts in memory and adds them here in one
-- statement with each heartbeat (and when it stops), so that berth-fcgi reads them at scrape time
-- from the row, without a listener of its own. Counters only grow: a reconciler's restart or a
-- standby taking over adds to what the row holds, never resets it.
--   reconcile_relists: full relists of the node that succeeded.
--   reconcile_passes: passes over one bot (reconcile_bot), whatever they did.
--   reconcile_adopts / _restarts / _stops / _orphans: the passes that acted: a running task adopted
--     (the row corrected), a task restarted, a task stopped (desired stopped), an orphan container
--     reported or removed.
--   reconcile_last_relist_ms: how long the last relist that succeeded took; NULL before any.
-- Applied by `berthctl migrate` inside one transaction; never edit an applied migration, add one.

ALTER TABLE nodes
	ADD COLUMN reconcile_relists bigint NOT NULL DEFAULT 0 CHECK (reconcile_relists >= 0),
	ADD COLUMN reconcile_passes bigint NOT NULL DEFAULT 0 CHECK (reconcile_passes >= 0),
	ADD COLUMN reconcile_adopts bigint NOT NULL DEFAULT 0 CHECK (reconcile_adopts >= 0),
	ADD COLUMN reconcile_restarts bigint NOT NULL DEFAULT 0 CHECK (reconcile_restarts >= 0),
	ADD COLUMN reconcile_stops bigint NOT NULL DEFAULT 0 CHECK (reconcile_stops >= 0),
	ADD COLUMN reconcile_orphans bigint NOT NULL DEFAULT 0 CHECK (reconcile_orphans >= 0),
	ADD COLUMN reconcile_last_relist_ms integer CHECK (reconcile_last_relist_ms >= 0);
