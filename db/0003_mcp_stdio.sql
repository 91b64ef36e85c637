-- 0003_mcp_stdio: the records of the stdio MCP sessions that bots' agents hold (issue #10), so that
-- any worker finds a session by its id and knows whose it is. The process itself lives in the
-- bot's container (berth-agent); a record says active until a worker learns that the session
-- ended (closed by DELETE, by the agent, or with the container), then closed with the reason.
-- env is never stored (it may hold secrets). Numbered 0003: 0002 comes from another branch.

CREATE TABLE mcp_stdio_sessions (
	id uuid PRIMARY KEY,
	bot_id uuid NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
	name text NOT NULL DEFAULT '' CHECK (length(name) < 256),
	command text NOT NULL CHECK (length(command) BETWEEN 1 AND 1023),
	args jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(args) = 'array'),
	cwd text NOT NULL DEFAULT '' CHECK (length(cwd) < 1024),
	state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'closed')),
	closed_reason text NOT NULL DEFAULT '' CHECK (length(closed_reason) < 1024),
	created_at timestamptz NOT NULL DEFAULT now(),
	last_used_at timestamptz NOT NULL DEFAULT now(),
	closed_at timestamptz
);

CREATE INDEX mcp_stdio_sessions_bot_created_idx ON mcp_stdio_sessions (bot_id, created_at);
