-- 0004_observed: what lets GET /bots/:id/container answer from the row alone (issue #8, "Observed
-- state that reads can trust"):
--   nodes.reconciler_alive_until: the active berth-reconcile of the node, while it holds the node
--     lock and follows containerd's events, pushes this forward (a heartbeat on its own
--     connection); it clears it when it stops or loses the lock or the event stream. NULL or past:
--     nobody keeps the node's rows true.
--   nodes.reconciler_relist_ms: that reconciler's relist period; a row observed longer ago than
--     three periods is stale.
--   containers.task_status: the task's state as last observed when the status was written
--     ('running', 'stopped': exited, not deleted, 'absent': no task); NULL when unknown.
-- Applied by `berthctl migrate` inside one transaction; never edit an applied migration, add one.

ALTER TABLE nodes
	ADD COLUMN reconciler_alive_until timestamptz,
	ADD COLUMN reconciler_relist_ms integer CHECK (reconciler_relist_ms > 0);

ALTER TABLE containers
	ADD COLUMN task_status text CHECK (task_status IN ('running', 'stopped', 'absent'));
