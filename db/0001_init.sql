-- 0001_init: the original's tables (users, channel_identities, bots, bot_members, containers,
-- snapshots, container_versions, lifecycle_events, mcp_connections) plus what Berth needs: nodes,
-- one container per bot with desired state apart from observed status, ip_address, last_error,
-- restart_count; snapshots owned by a bot with their source and containerd name.
-- Length checks match the fixed-size fields of include/berth/store.h.
-- Applied by `berthctl migrate` inside one transaction; never edit an applied migration, add one.

CREATE EXTENSION IF NOT EXISTS pgcrypto;

CREATE TYPE user_role AS ENUM ('member', 'admin');

CREATE TABLE users (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	username text NOT NULL CHECK (octet_length(username) BETWEEN 1 AND 255),
	email text,
	password_hash text,
	role user_role NOT NULL DEFAULT 'member',
	display_name text,
	avatar_url text,
	data_root text,
	last_login_at timestamptz,
	is_active boolean NOT NULL DEFAULT true,
	metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT users_email_unique UNIQUE (email),
	CONSTRAINT users_username_unique UNIQUE (username)
);

CREATE TABLE channel_identities (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	user_id uuid REFERENCES users (id) ON DELETE SET NULL,
	channel_type text NOT NULL CHECK (octet_length(channel_type) BETWEEN 1 AND 64),
	channel_subject_id text NOT NULL CHECK (octet_length(channel_subject_id) BETWEEN 1 AND 2047),
	display_name text,
	avatar_url text,
	metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT channel_identities_channel_subject_unique UNIQUE (channel_type, channel_subject_id)
);
CREATE INDEX channel_identities_user_id_idx ON channel_identities (user_id);

CREATE TABLE bots (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	owner_user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	type text NOT NULL CHECK (type IN ('personal', 'public')),
	display_name text CHECK (octet_length(display_name) <= 255),
	avatar_url text,
	is_active boolean NOT NULL DEFAULT true,
	status text NOT NULL DEFAULT 'ready' CHECK (status IN ('creating', 'ready', 'deleting')),
	max_context_load_time integer NOT NULL DEFAULT 1440,
	language text NOT NULL DEFAULT 'auto',
	allow_guest boolean NOT NULL DEFAULT false,
	metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bots_owner_user_id_idx ON bots (owner_user_id);

CREATE TABLE bot_members (
	bot_id uuid NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
	user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	role text NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'admin', 'member')),
	created_at timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT bot_members_unique UNIQUE (bot_id, user_id)
);
CREATE INDEX bot_members_user_id_idx ON bot_members (user_id);

-- containerd nodes; a single-node installation has only 'local'.
CREATE TABLE nodes (
	name text PRIMARY KEY CHECK (octet_length(name) BETWEEN 1 AND 255),
	created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO nodes (name) VALUES ('local');

-- Exactly one container per bot (the original allowed several rows and read the newest).
CREATE TABLE containers (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	bot_id uuid NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
	container_id text NOT NULL CHECK (octet_length(container_id) BETWEEN 1 AND 255),
	container_name text NOT NULL CHECK (octet_length(container_name) BETWEEN 1 AND 255),
	image text NOT NULL CHECK (octet_length(image) BETWEEN 1 AND 1023),
	snapshotter text NOT NULL DEFAULT '' CHECK (octet_length(snapshotter) <= 255),
	-- observed status, as last seen by Berth
	status text NOT NULL DEFAULT 'created' CHECK (status IN ('created', 'running', 'stopped', 'error')),
	-- what the operator asked for; the reconciler converges status towards it
	desired_state text NOT NULL DEFAULT 'running' CHECK (desired_state IN ('running', 'stopped')),
	namespace text NOT NULL DEFAULT 'default' CHECK (octet_length(namespace) BETWEEN 1 AND 255),
	node text NOT NULL DEFAULT 'local' REFERENCES nodes (name),
	auto_start boolean NOT NULL DEFAULT true,
	host_path text CHECK (octet_length(host_path) <= 1023),
	container_path text NOT NULL DEFAULT '/data' CHECK (octet_length(container_path) BETWEEN 1 AND 1023),
	ip_address inet,
	last_error text CHECK (octet_length(last_error) <= 1023),
	restart_count integer NOT NULL DEFAULT 0,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	last_started_at timestamptz,
	last_stopped_at timestamptz,
	CONSTRAINT containers_bot_id_unique UNIQUE (bot_id),
	CONSTRAINT containers_container_id_unique UNIQUE (container_id),
	CONSTRAINT containers_container_name_unique UNIQUE (container_name)
);
CREATE INDEX containers_node_idx ON containers (node);

-- Snapshots Berth made for a bot. They belong to the bot, not to one container row: a container
-- deleted and created again can still be rolled back to them.
CREATE TABLE snapshots (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	bot_id uuid NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
	name text NOT NULL CHECK (octet_length(name) BETWEEN 1 AND 255),
	display_name text CHECK (octet_length(display_name) <= 255),
	container_id text CHECK (octet_length(container_id) <= 255),
	parent_snapshot_id uuid REFERENCES snapshots (id) ON DELETE SET NULL,
	snapshotter text NOT NULL CHECK (octet_length(snapshotter) BETWEEN 1 AND 255),
	runtime_snapshot_name text NOT NULL CHECK (octet_length(runtime_snapshot_name) BETWEEN 1 AND 255),
	source text NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'rollback', 'system')),
	digest text,
	created_at timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT snapshots_bot_name_unique UNIQUE (bot_id, name),
	CONSTRAINT snapshots_runtime_name_unique UNIQUE (snapshotter, runtime_snapshot_name)
);
CREATE INDEX snapshots_parent_idx ON snapshots (parent_snapshot_id);

-- Numbered versions of a bot's container (the original's table; kept for the versioning feature).
CREATE TABLE container_versions (
	id text PRIMARY KEY,
	bot_id uuid NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
	snapshot_id uuid NOT NULL REFERENCES snapshots (id) ON DELETE RESTRICT,
	version integer NOT NULL CHECK (version >= 1),
	created_at timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT container_versions_bot_version_unique UNIQUE (bot_id, version)
);

-- What happened to a bot's container. Kept when the container row is deleted (a delete is an event).
CREATE TABLE lifecycle_events (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	bot_id uuid NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
	container_id text CHECK (octet_length(container_id) <= 255),
	event_type text NOT NULL CHECK (octet_length(event_type) BETWEEN 1 AND 255),
	payload jsonb NOT NULL DEFAULT '{}'::jsonb,
	created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX lifecycle_events_bot_created_idx ON lifecycle_events (bot_id, created_at);
CREATE INDEX lifecycle_events_container_id_idx ON lifecycle_events (container_id);
CREATE INDEX lifecycle_events_event_type_idx ON lifecycle_events (event_type);

CREATE TABLE mcp_connections (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	bot_id uuid NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
	name text NOT NULL,
	type text NOT NULL CHECK (type IN ('stdio', 'http', 'sse')),
	config jsonb NOT NULL DEFAULT '{}'::jsonb,
	is_active boolean NOT NULL DEFAULT true,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT mcp_connections_bot_name_unique UNIQUE (bot_id, name)
);
