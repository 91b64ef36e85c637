-- 0002_reconcile: what berth-reconcile needs on each container row: the bot's restart policy, the
-- last exit of its task (code, time, OOM kill), the exponential backoff between restarts (the
-- consecutive restarts so far and when the next one is due; status 'backoff' while it waits), and
-- when the reconciler last observed the container.
-- Applied by `berthctl migrate` inside one transaction; never edit an applied migration, add one.

ALTER TABLE containers
	ADD COLUMN restart_policy text NOT NULL DEFAULT 'always'
		CHECK (restart_policy ~ '^(always|never|on-failure(:[1-9][0-9]{0,3})?)$'),
	ADD COLUMN last_exit_code integer,
	ADD COLUMN last_exit_at timestamptz,
	ADD COLUMN oom_killed boolean NOT NULL DEFAULT false,
	ADD COLUMN last_oom_at timestamptz,
	ADD COLUMN backoff_restarts integer NOT NULL DEFAULT 0,
	ADD COLUMN next_attempt_at timestamptz,
	ADD COLUMN observed_at timestamptz;

ALTER TABLE containers DROP CONSTRAINT containers_status_check;
ALTER TABLE containers ADD CONSTRAINT containers_status_check
	CHECK (status IN ('created', 'running', 'stopped', 'error', 'backoff'));
