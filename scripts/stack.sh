#!/bin/bash
# stack.sh: the one harness that brings up a whole Berth stack under one directory and takes it
# down again. Used by the run command (scripts/berth-dev), by test/run-integration and by the bench.
#
#   stack.sh start DIR              create (first time) and start everything; safe to repeat
#   stack.sh stop DIR               stop everything it started, by pid; leaves no process, mount,
#                                   shim, task or bridge behind
#   stack.sh status DIR             one line per service; exit 0 when all run
#   stack.sh env DIR                export lines of the test contract variables (BERTH_URL, ...)
#   stack.sh pid DIR SERVICE        pid of the service's main process
#   stack.sh kill DIR SERVICE       SIGKILL to the service's main process (a crash, for tests)
#   stack.sh stop-service DIR SERVICE / start-service DIR SERVICE / restart DIR SERVICE
#   stack.sh issue-cert DIR NAME SUBJECT
#                                   client certificate DIR/pki/NAME.crt/.key signed by the stack
#                                   CA; SUBJECT in OpenSSL form "/O=x/CN=y"; prints the subject DN
#                                   as nginx passes it (RFC 2253, "CN=y,O=x")
#   stack.sh berthctl DIR ARGS...   berthctl -c DIR/berth.conf ARGS...
#   stack.sh ctr DIR ARGS...        ctr against the stack's containerd and namespace
#   stack.sh psql DIR ARGS...       psql on the stack's database
# SERVICE is postgres | containerd | fcgi | reconcile | nginx ("stack.sh pid SERVICE DIR" is accepted
# too), or reconcile2: a second berth-reconcile (the hot standby of the fault drills), started only by
# start-service and stopped with the stack.
#
# Environment (read at the first start of DIR and recorded in DIR/stack.env):
#   BERTH_BUILDDIR          build directory with berth-fcgi, berthctl (or app/...), berth-bot.tar,
#                           berth-agent
#                           (default: <checkout>/_build)
#   BERTH_STACK_PROFILE     test (default) or dev: chooses the defaults below
#   BERTH_STACK_BRIDGE      CNI bridge            (test: berthtest0, dev: berth0)
#   BERTH_STACK_SUBNET      CNI subnet            (test: 10.88.214.0/24, dev: 10.88.213.0/24)
#                           A bridge belongs to one running stack at a time: its owner is recorded
#                           in /run/lock/berth-bridge-<bridge> (under flock); a start refuses while
#                           another live stack owns it, and only the owner's stop deletes it.
#   BERTH_STACK_NAMESPACE   containerd namespace  (test: berth-test, dev: berth)
#   BERTH_STACK_WORKERS     berth-fcgi workers    (default 4)
#   BERTH_STACK_PORT        nginx HTTPS port on 127.0.0.1 (default: a free port)
#   BERTH_STACK_TIMEOUT     seconds to wait for each service to become ready (default 30)
set -euo pipefail

SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PGBIN=/usr/lib/postgresql/15/bin
SERVICES=(postgres containerd fcgi reconcile nginx)
PG_PORT=5432 # names the socket file only: listen_addresses is empty
BRIDGE_LOCK_DIR=/run/lock
# Variables the Berth programs read as config overrides: services started here take their settings
# from DIR/berth.conf alone, whatever the caller's environment says.
CONFIG_ENV=(BERTH_CONFIG BERTH_DATABASE BERTH_CONTAINERD_SOCKET BERTH_CONTAINERD_NAMESPACE
	BERTH_FCGI_SOCKET BERTH_WORKERS BERTH_LOG_LEVEL BERTH_REQUEST_TIMEOUT_MS)

say() { printf 'stack: %s\n' "$*" >&2; }
die() { printf 'stack: error: %s\n' "$*" >&2; exit 1; }

usage() {
	sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

# ---- paths and recorded parameters ----

set_paths() {
	DIR=$1
	RUN=$DIR/run
	LOGS=$DIR/logs
	PKI=$DIR/pki
	PGDATA=$DIR/pg/data
	PGSOCK=$DIR/pg/run
	CTD_SOCK=$RUN/containerd.sock
	FCGI_SOCK=$RUN/fcgi/berth.sock
	CONF=$DIR/berth.conf
	ENVFILE=$DIR/stack.env
	CTD_CONFIG=$DIR/containerd/config.toml
}

# The containerd socket as recorded in the stack's containerd config: containerd passes exactly
# that spelling to its shims (-address), whatever spelling of DIR this invocation got.
recorded_ctd_sock() {
	[ -f "$CTD_CONFIG" ] || return 1
	awk '/^\[/ { section = $0 } section == "[grpc]" && $1 == "address" {
		v = $0; sub(/^[^"]*"/, "", v); sub(/".*$/, "", v); print v; exit }' "$CTD_CONFIG"
}

load_env() {
	[ -f "$ENVFILE" ] || die "$DIR is not a Berth stack directory (no stack.env); run: $0 start $DIR"
	# shellcheck disable=SC1090
	. "$ENVFILE"
	BUILDDIR=${BERTH_BUILDDIR_OVERRIDE:-$STACK_BUILDDIR}
	local sock
	sock=$(recorded_ctd_sock) && [ -n "$sock" ] && CTD_SOCK=$sock
	return 0
}

# A program of the build: BUILDDIR/NAME, else BUILDDIR/app/NAME (prints the first path if neither).
build_bin() {
	if [ ! -x "$BUILDDIR/$1" ] && [ -x "$BUILDDIR/app/$1" ]; then echo "$BUILDDIR/app/$1"; else echo "$BUILDDIR/$1"; fi
}
berthctl_bin() { build_bin berthctl; }
fcgi_bin() { build_bin berth-fcgi; }
reconcile_bin() { build_bin berth-reconcile; }

# ---- process helpers ----

exe_name() { # SERVICE -> the executable's file name
	case $1 in
	postgres) echo postgres ;;
	containerd) echo containerd ;;
	fcgi) echo berth-fcgi ;;
	reconcile | reconcile2) echo berth-reconcile ;;
	nginx) echo nginx ;;
	esac
}

# The option and this stack's own file that the service's command line names (start_SERVICE).
service_arg() { # SERVICE -> "OPTION PATH"
	case $1 in
	postgres) echo "-D $PGDATA" ;;
	containerd) echo "--config $CTD_CONFIG" ;;
	fcgi | reconcile | reconcile2) echo "-c $CONF" ;;
	nginx) echo "-c $DIR/nginx/nginx.conf" ;;
	esac
}

# True when the command line of PID passes OPTION with PATH (any spelling of it). Words are split
# on NULs and blanks alike: nginx rewrites its command line into one blank-separated title, and
# stack paths hold no blanks (init_stack refuses them).
cmdline_names() { # PID OPTION PATH
	local line w prev= words=()
	line=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
	read -r -a words <<<"$line"
	for w in "${words[@]}"; do
		if [ "$prev" = "$2" ] && [ "$(realpath -m -- "$w")" = "$(realpath -m -- "$3")" ]; then
			return 0
		fi
		prev=$w
	done
	return 1
}

pid_of() { # SERVICE -> prints the pid if the process runs and is this stack's service (not a reused pid)
	local f=$RUN/$1.pid pid exe arg
	[ -f "$f" ] || return 1
	pid=$(cat "$f")
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
	exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
	exe=${exe% (deleted)} # the program was rebuilt while it ran: still the service
	[ "${exe##*/}" = "$(exe_name "$1")" ] || return 1
	arg=$(service_arg "$1")
	cmdline_names "$pid" "${arg%% *}" "${arg#* }" || return 1
	echo "$pid"
}

group_alive() { kill -0 -- "-$1" 2>/dev/null; }

# Starts a service in its own session (so its process group is its own and the caller's Ctrl-C
# does not reach it), output appended to its log; records its pid. Non-interactive bash has no job
# control, so setsid execs in place and $! is the service itself.
start_bg() { # NAME LOG CMD...
	local name=$1 log=$2
	shift 2
	local unset_args=()
	for v in "${CONFIG_ENV[@]}"; do unset_args+=(-u "$v"); done
	setsid env "${unset_args[@]}" "$@" >>"$log" 2>&1 </dev/null 8>&- 9>&- &
	echo $! >"$RUN/$name.pid"
}

# Stops a process group: SIGNAL to the main pid, then waits up to SECONDS for the whole group to
# go, then SIGKILLs what is left.
stop_group() { # NAME SIGNAL SECONDS
	local name=$1 sig=$2 secs=$3 f=$RUN/$1.pid pid i
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	# A main process that runs but is not the service means a reused pid: not ours to signal.
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && ! pid_of "$name" >/dev/null; then
		rm -f "$f"
		return 0
	fi
	if [ -n "$pid" ] && group_alive "$pid"; then
		kill -s "$sig" "$pid" 2>/dev/null || true
		for ((i = 0; i < secs * 10; i++)); do
			group_alive "$pid" || break
			sleep 0.1
		done
		if group_alive "$pid"; then
			say "$name did not stop within ${secs}s; killing its process group"
			kill -KILL -- "-$pid" 2>/dev/null || true
			for ((i = 0; i < 50; i++)); do
				group_alive "$pid" || break
				sleep 0.1
			done
		fi
	fi
	rm -f "$f"
}

log_tail() { # LOG
	if [ -f "$1" ]; then
		echo "---- last lines of $1 ----" >&2
		tail -n 30 "$1" >&2
		echo "----" >&2
	fi
}

# Waits until CHECK succeeds, the service's process is alive meanwhile. On timeout or death:
# the error and the log tail.
wait_ready() { # NAME LOG CHECK...
	local name=$1 log=$2 i
	shift 2
	local pid
	pid=$(cat "$RUN/$name.pid")
	for ((i = 0; i < STACK_TIMEOUT * 10; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			log_tail "$log"
			die "$name exited during start (log: $log)"
		fi
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.1
	done
	log_tail "$log"
	die "$name not ready after ${STACK_TIMEOUT}s (log: $log)"
}

free_port() {
	local p i
	for ((i = 0; i < 200; i++)); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		if [ -z "$(ss -Hltn "( sport = :$p )" 2>/dev/null)" ]; then
			echo "$p"
			return 0
		fi
	done
	die "no free port found"
}

# ---- first start: layout, PKI, configs ----

init_stack() {
	local profile=${BERTH_STACK_PROFILE:-test} bridge subnet ns
	case $profile in
	test) bridge=berthtest0 subnet=10.88.214.0/24 ns=berth-test ;;
	dev) bridge=berth0 subnet=10.88.213.0/24 ns=berth ;;
	*) die "BERTH_STACK_PROFILE must be test or dev, not $profile" ;;
	esac
	bridge=${BERTH_STACK_BRIDGE:-$bridge}
	subnet=${BERTH_STACK_SUBNET:-$subnet}
	[[ $bridge =~ ^[A-Za-z0-9_.-]{1,15}$ ]] || die "BERTH_STACK_BRIDGE must be an interface name ([A-Za-z0-9_.-], at most 15 characters): $bridge"
	[[ $DIR != *[[:space:]]* ]] || die "the stack directory path must not contain blanks: $DIR"
	local builddir=${BERTH_BUILDDIR:-$SRCDIR/_build}
	builddir=$(cd "$builddir" 2>/dev/null && pwd) || die "build directory ${BERTH_BUILDDIR:-$SRCDIR/_build} does not exist; build first"
	[ ${#DIR} -le 70 ] || die "stack directory path too long for unix sockets (max 70 characters): $DIR"
	# before anything is recorded: a refused first start can be repeated with another bridge
	claim_bridge "$bridge"

	mkdir -p "$DIR"
	# postgres and nginx's workers (www-data) must traverse the stack directory.
	chmod 0711 "$DIR"
	mkdir -p "$RUN" "$LOGS" "$PKI" "$DIR/containerd" "$DIR/cni/conf" "$DIR/cni/ipam" \
		"$DIR/nginx/tmp" "$DIR/nginx/conf.d" "$DIR/data" "$DIR/state"
	chmod 0711 "$RUN"
	chmod 0700 "$PKI" "$DIR/containerd"
	# Only root (berth-fcgi) and nginx's workers may reach the FastCGI socket: the socket itself
	# is 0666, its directory is the gate.
	mkdir -p "$RUN/fcgi"
	chown root:www-data "$RUN/fcgi"
	chmod 0750 "$RUN/fcgi"

	cat >"$ENVFILE" <<EOF
# Written by scripts/stack.sh at the first start of this stack.
STACK_PROFILE=$(printf %q "$profile")
STACK_BUILDDIR=$(printf %q "$builddir")
STACK_BRIDGE=$(printf %q "$bridge")
STACK_SUBNET=$(printf %q "$subnet")
STACK_NAMESPACE=$(printf %q "${BERTH_STACK_NAMESPACE:-$ns}")
STACK_WORKERS=$(printf %q "${BERTH_STACK_WORKERS:-4}")
STACK_PORT=$(printf %q "${BERTH_STACK_PORT:-$(free_port)}")
STACK_TIMEOUT=$(printf %q "${BERTH_STACK_TIMEOUT:-30}")
STACK_IMAGE=docker.io/library/berth-bot:latest
STACK_MAX_BODY=1048576
STACK_REQUEST_TIMEOUT_MS=30000
EOF
	load_env
	init_pki
	write_configs
}

init_pki() {
	[ -f "$PKI/ca.crt" ] && return 0
	say "creating the development CA and certificates in $PKI"
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
		-subj "/O=Berth development/CN=Berth development CA" \
		-keyout "$PKI/ca.key" -out "$PKI/ca.crt" 2>/dev/null
	cat >"$PKI/server.ext" <<EOF
basicConstraints = CA:FALSE
keyUsage = digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
EOF
	cat >"$PKI/client.ext" <<EOF
basicConstraints = CA:FALSE
keyUsage = digitalSignature
extendedKeyUsage = clientAuth
EOF
	sign_cert server "/O=Berth development/CN=localhost" server.ext
	issue_cert admin "/O=Berth development/OU=operators/CN=admin" >/dev/null
}

sign_cert() { # NAME SUBJECT EXTFILE
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "$2" \
		-keyout "$PKI/$1.key" -out "$PKI/$1.csr" 2>/dev/null
	openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" \
		-CAcreateserial -days 825 -extfile "$PKI/$3" -out "$PKI/$1.crt" 2>/dev/null
	rm -f "$PKI/$1.csr"
	chmod 0600 "$PKI/$1.key"
}

issue_cert() { # NAME SUBJECT -> prints the RFC 2253 subject DN
	[[ $1 =~ ^[A-Za-z0-9._-]+$ ]] || die "certificate name must match [A-Za-z0-9._-]+: $1"
	[[ $2 == /* ]] || die "subject must be in OpenSSL form /A=b/C=d: $2"
	sign_cert "$1" "$2" client.ext || die "cannot issue certificate $1 for $2"
	openssl x509 -in "$PKI/$1.crt" -noout -subject -nameopt RFC2253 | sed 's/^subject=//'
}

admin_dn() { openssl x509 -in "$PKI/admin.crt" -noout -subject -nameopt RFC2253 | sed 's/^subject=//'; }

write_configs() {
	# The test stack relists and backs off fast, so that the fault drills end in seconds.
	local STACK_RECONCILE_INTERVAL_S=10 STACK_BACKOFF_INITIAL_MS=1000 STACK_BACKOFF_MAX_MS=300000 STACK_BACKOFF_RESET_S=600
	if [ "$STACK_PROFILE" = test ]; then
		STACK_RECONCILE_INTERVAL_S=3 STACK_BACKOFF_INITIAL_MS=500 STACK_BACKOFF_MAX_MS=4000 STACK_BACKOFF_RESET_S=20
	fi
	# PostgreSQL: a cluster owned by postgres (initdb refuses root), socket in a private dir.
	if [ ! -f "$PGDATA/PG_VERSION" ]; then
		mkdir -p "$PGDATA" "$PGSOCK"
		chown -R postgres:postgres "$DIR/pg"
		chmod 0700 "$PGDATA" "$PGSOCK"
		(cd "$DIR/pg" && setpriv --reuid=postgres --regid=postgres --init-groups \
			"$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --no-locale -N) \
			>"$LOGS/initdb.log" 2>&1 || { log_tail "$LOGS/initdb.log"; die "initdb failed"; }
		local fsync=on
		[ "$STACK_PROFILE" = test ] && fsync=off
		cat >>"$PGDATA/postgresql.conf" <<EOF

# Berth stack (scripts/stack.sh): no TCP, a private socket directory only root and postgres reach.
listen_addresses = ''
port = $PG_PORT
unix_socket_directories = '$PGSOCK'
unix_socket_permissions = 0700
max_connections = 100
fsync = $fsync
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
EOF
	fi
	touch "$LOGS/postgres.log"
	chown postgres:postgres "$LOGS/postgres.log"

	cat >"$DIR/containerd/config.toml" <<EOF
# containerd of a Berth stack (scripts/stack.sh): its own root, state, sockets; no CRI.
version = 2
root = "$DIR/containerd/root"
state = "$DIR/containerd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "$CTD_SOCK"

[ttrpc]
  address = "$CTD_SOCK.ttrpc"

[debug]
  address = ""
  level = "info"

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "$DIR/containerd/opt"
EOF

	# CNI: a bridge of this stack's own with its subnet; the host is the gateway, no masquerading,
	# no default route (bots reach the host, nothing beyond). Leases kept inside the stack.
	cat >"$DIR/cni/conf/10-berth.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "berth-$STACK_PROFILE",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$STACK_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": false,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "$STACK_SUBNET"}]],
        "dataDir": "$DIR/cni/ipam"
      }
    }
  ]
}
EOF
	cat >"$DIR/cni/conf/99-loopback.conf" <<EOF
{"cniVersion": "1.0.0", "name": "loopback", "type": "loopback"}
EOF

	cat >"$CONF" <<EOF
; berth.conf of a Berth stack, written by scripts/stack.sh (keys: conf/berth.conf.example).
[server]
fcgi_socket = $FCGI_SOCK
fcgi_listen =
; The socket's directory ($RUN/fcgi, root:www-data 0750) is the gate.
fcgi_socket_mode = 0666
workers = $STACK_WORKERS
max_requests = 10000
request_timeout_ms = $STACK_REQUEST_TIMEOUT_MS
max_body_bytes = $STACK_MAX_BODY
graceful_timeout_ms = 5000
log_level = info
pid_file =

[database]
conninfo = host=$PGSOCK port=$PG_PORT dbname=berth user=berth connect_timeout=5
statement_timeout_ms = 10000

[containerd]
socket = $CTD_SOCK
namespace = $STACK_NAMESPACE
timeout_ms = 15000

[bots]
image = $STACK_IMAGE
snapshotter = overlayfs
data_root = $DIR/data
state_root = $DIR/state
data_mount = /data
init_command =
stop_timeout_s = 10
host_resolv_conf = /etc/resolv.conf
fallback_nameservers =
node = local

[cni]
bin_dir = /usr/lib/cni
conf_dir = $DIR/cni/conf
timeout_ms = 10000

[skills]
max_count = 256
max_bytes = 1048576

[reconcile]
interval_s = $STACK_RECONCILE_INTERVAL_S
parallel = 4
backoff_initial_ms = $STACK_BACKOFF_INITIAL_MS
backoff_max_ms = $STACK_BACKOFF_MAX_MS
backoff_reset_s = $STACK_BACKOFF_RESET_S
orphan_remove_after_s = 0

[agent]
binary = $BUILDDIR/berth-agent
call_timeout_ms = 30000
exec_timeout_max_s = 600
allowed_origins = https://allowed.example
EOF
	write_nginx_conf
}

write_nginx_conf() {
	local read_timeout=$((STACK_REQUEST_TIMEOUT_MS / 1000 + 10))
	# nginx refuses a larger body itself; up to this size the app decides (413 as JSON).
	local nginx_body=$((STACK_MAX_BODY + 65536))
	cat >"$DIR/nginx/nginx.conf" <<EOF
# nginx of a Berth stack, written by scripts/stack.sh; same shape as nginx.conf.example.
daemon off;
user www-data www-data;
worker_processes 1;
pid $RUN/nginx.master.pid;
error_log $LOGS/nginx-error.log notice;

events {
    worker_connections 1024;
}

http {
    log_format berth '\$remote_addr [\$time_iso8601] "\$request" \$status \$body_bytes_sent '
                     '\$request_time rid=\$request_id verify=\$ssl_client_verify dn="\$ssl_client_s_dn"';
    access_log $LOGS/nginx-access.log berth;
    client_body_temp_path $DIR/nginx/tmp/body;
    fastcgi_temp_path $DIR/nginx/tmp/fastcgi;
    proxy_temp_path $DIR/nginx/tmp/proxy;
    scgi_temp_path $DIR/nginx/tmp/scgi;
    uwsgi_temp_path $DIR/nginx/tmp/uwsgi;
    server_tokens off;

    server {
        listen 127.0.0.1:$STACK_PORT ssl;
        server_name localhost;

        ssl_certificate $PKI/server.crt;
        ssl_certificate_key $PKI/server.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_client_certificate $PKI/ca.crt;
        ssl_verify_client on;
        ssl_verify_depth 1;

        client_max_body_size $nginx_body;
        default_type application/json;

        location / {
            fastcgi_pass unix:$FCGI_SOCK;
            fastcgi_keep_conn off;
            fastcgi_read_timeout ${read_timeout}s;
            fastcgi_send_timeout ${read_timeout}s;
            fastcgi_connect_timeout 5s;
            include $DIR/nginx/fastcgi_params;
        }
    }

    # Bench-only listeners (bench/http.sh) are put here while a bench runs.
    include $DIR/nginx/conf.d/*.conf;
}
EOF
	cat >"$DIR/nginx/fastcgi_params" <<'EOF'
# Standard FastCGI params plus the verified client certificate. Client headers reach the app only
# as HTTP_* params, which it never uses for identity.
fastcgi_param QUERY_STRING       $query_string;
fastcgi_param REQUEST_METHOD     $request_method;
fastcgi_param CONTENT_TYPE       $content_type;
fastcgi_param CONTENT_LENGTH     $content_length;
fastcgi_param SCRIPT_NAME        $fastcgi_script_name;
fastcgi_param REQUEST_URI        $request_uri;
fastcgi_param DOCUMENT_URI       $document_uri;
fastcgi_param DOCUMENT_ROOT      $document_root;
fastcgi_param SERVER_PROTOCOL    $server_protocol;
fastcgi_param REQUEST_SCHEME     $scheme;
fastcgi_param HTTPS              $https if_not_empty;
fastcgi_param GATEWAY_INTERFACE  CGI/1.1;
fastcgi_param SERVER_SOFTWARE    nginx;
fastcgi_param REMOTE_ADDR        $remote_addr;
fastcgi_param REMOTE_PORT        $remote_port;
fastcgi_param SERVER_ADDR        $server_addr;
fastcgi_param SERVER_PORT        $server_port;
fastcgi_param SERVER_NAME        $server_name;
fastcgi_param SSL_CLIENT_VERIFY      $ssl_client_verify;
fastcgi_param SSL_CLIENT_S_DN        $ssl_client_s_dn;
fastcgi_param SSL_CLIENT_FINGERPRINT $ssl_client_fingerprint;
fastcgi_param REQUEST_ID             $request_id;
EOF
}

# ---- services ----

pg_ready() { "$PGBIN/pg_isready" -q -h "$PGSOCK" -p "$PG_PORT" -t 1; }
pg_admin() { psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$PGSOCK" -p "$PG_PORT" -U postgres -d postgres "$@"; }

start_postgres() {
	pid_of postgres >/dev/null && return 0
	start_bg postgres "$LOGS/postgres.log" \
		setpriv --reuid=postgres --regid=postgres --init-groups "$PGBIN/postgres" -D "$PGDATA"
	wait_ready postgres "$LOGS/postgres.log" pg_ready
	if [ -z "$(pg_admin -c "SELECT 1 FROM pg_roles WHERE rolname = 'berth'")" ]; then
		# CREATEDB: integration tests make scratch databases (a fresh schema for migrations).
		pg_admin -c "CREATE ROLE berth LOGIN CREATEDB" >/dev/null
	fi
	if [ -z "$(pg_admin -c "SELECT 1 FROM pg_database WHERE datname = 'berth'")" ]; then
		pg_admin -c "CREATE DATABASE berth OWNER berth" >/dev/null
	fi
}
stop_postgres() { stop_group postgres INT 20; } # SIGINT: fast shutdown

ctd_ready() { ctr --address "$CTD_SOCK" version; }
start_containerd() {
	pid_of containerd >/dev/null && return 0
	start_bg containerd "$LOGS/containerd.log" containerd --config "$DIR/containerd/config.toml"
	wait_ready containerd "$LOGS/containerd.log" ctd_ready
}
stop_containerd() { stop_group containerd TERM 15; }

fcgi_ready() { [ -S "$FCGI_SOCK" ]; }
start_fcgi() {
	pid_of fcgi >/dev/null && return 0
	local bin
	bin=$(fcgi_bin)
	if [ ! -x "$bin" ]; then
		say "SKIPPED berth-fcgi: $bin is not built yet"
		return 0
	fi
	rm -f "$FCGI_SOCK"
	start_bg fcgi "$LOGS/berth-fcgi.log" "$bin" -c "$CONF"
	wait_ready fcgi "$LOGS/berth-fcgi.log" fcgi_ready
}
stop_fcgi() { stop_group fcgi TERM 15; }

# berth-reconcile has no socket to wait for: ready once it runs (wait_ready checks that it lives).
reconcile_ready() { true; }
start_reconcile_service() { # NAME
	pid_of "$1" >/dev/null && return 0
	local bin
	bin=$(reconcile_bin)
	if [ ! -x "$bin" ]; then
		say "SKIPPED berth-reconcile: $bin is not built yet"
		return 0
	fi
	start_bg "$1" "$LOGS/berth-$1.log" "$bin" -c "$CONF"
	wait_ready "$1" "$LOGS/berth-$1.log" reconcile_ready
}
start_reconcile() { start_reconcile_service reconcile; }
stop_reconcile() { stop_group reconcile TERM 15; }
start_reconcile2() { start_reconcile_service reconcile2; }
stop_reconcile2() { stop_group reconcile2 TERM 15; }

nginx_ready() { # nginx answers (400 without a client certificate)
	curl -s -o /dev/null --cacert "$PKI/ca.crt" --max-time 2 "https://127.0.0.1:$STACK_PORT/health"
}
start_nginx() {
	pid_of nginx >/dev/null && return 0
	start_bg nginx "$LOGS/nginx-error.log" nginx -e "$LOGS/nginx-error.log" -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf"
	wait_ready nginx "$LOGS/nginx-error.log" nginx_ready
}
stop_nginx() { stop_group nginx QUIT 10; }

# Tasks in every namespace of the stack's containerd are killed before containerd stops, so that
# no container outlives the stack.
kill_tasks() {
	pid_of containerd >/dev/null || return 0
	local ns id
	for ns in $(timeout 10 ctr --address "$CTD_SOCK" namespaces ls -q 2>/dev/null); do
		for id in $(timeout 10 ctr --address "$CTD_SOCK" -n "$ns" tasks ls -q 2>/dev/null); do
			timeout 10 ctr --address "$CTD_SOCK" -n "$ns" tasks kill -a -s SIGKILL "$id" >/dev/null 2>&1 || true
			timeout 10 ctr --address "$CTD_SOCK" -n "$ns" tasks rm -f "$id" >/dev/null 2>&1 || true
		done
	done
}

# Shims of this stack (their -address names its socket) that outlived containerd, and their children.
kill_shims() {
	local pid args child
	for pid in $(pgrep -f containerd-shim 2>/dev/null || true); do
		args=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
		case " $args " in
		*" -address $CTD_SOCK "*)
			for child in $(pgrep -P "$pid" 2>/dev/null || true); do kill -KILL "$child" 2>/dev/null || true; done
			kill -KILL "$pid" 2>/dev/null || true
			say "killed leftover shim $pid"
			;;
		esac
	done
}

unmount_all() { # every mount under DIR, deepest first
	local m
	for m in $(awk -v d="$DIR/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || say "cannot unmount $m"
	done
}

# ---- bridge ownership ----
# /run/lock/berth-bridge-<bridge> names the stack dir that owns the bridge; it is read and written
# under flock (fd 8), and its content, not the lock, records the owner while the stack runs.

bridge_lock_file() { echo "$BRIDGE_LOCK_DIR/berth-bridge-$1"; }

lock_bridge() { # BRIDGE
	local lock
	lock=$(bridge_lock_file "$1")
	mkdir -p "$BRIDGE_LOCK_DIR"
	exec 8<>"$lock" || die "cannot open $lock"
	flock -w 60 8 || die "cannot lock $lock (held by another stack.sh for 60s)"
}
unlock_bridge() { exec 8>&-; }

# A stack is live while any of its services runs or a stack.sh holds its directory lock (it is
# being started or stopped).
stack_live() { # DIR
	(
		set_paths "$1"
		[ -f "$ENVFILE" ] || exit 1
		if [ -f "$DIR/.lock" ] && ! flock -n "$DIR/.lock" true 2>/dev/null; then exit 0; fi
		for s in "${SERVICES[@]}"; do pid_of "$s" >/dev/null && exit 0; done
		exit 1
	)
}

claim_bridge() { # BRIDGE
	local lock owner
	lock=$(bridge_lock_file "$1")
	lock_bridge "$1"
	owner=$(cat "$lock")
	if [ -n "$owner" ] && [ "$owner" != "$DIR" ] && stack_live "$owner"; then
		unlock_bridge
		die "bridge $1 belongs to the running stack in $owner (recorded in $lock): two stacks on one bridge would hand out the same addresses. Stop that stack ($0 stop $owner), or start this one in a new directory with a bridge and subnet of its own, e.g. BERTH_STACK_BRIDGE=berthx0 BERTH_STACK_SUBNET=10.88.230.0/24"
	fi
	printf '%s\n' "$DIR" >"$lock"
	unlock_bridge
}

# Deletes the bridge when this stack owns it (or nobody is recorded) and no port is left once the
# containers' interfaces are gone (their namespaces go asynchronously: up to 5 s).
remove_bridge() {
	local lock owner i
	lock=$(bridge_lock_file "$STACK_BRIDGE")
	lock_bridge "$STACK_BRIDGE"
	owner=$(cat "$lock")
	if [ -n "$owner" ] && [ "$owner" != "$DIR" ]; then
		say "bridge $STACK_BRIDGE belongs to the stack in $owner; left in place"
		unlock_bridge
		return 0
	fi
	if ip link show "$STACK_BRIDGE" >/dev/null 2>&1; then
		for ((i = 0; i < 50; i++)); do
			[ -z "$(ip -o link show master "$STACK_BRIDGE" 2>/dev/null)" ] && break
			sleep 0.1
		done
		if [ -n "$(ip -o link show master "$STACK_BRIDGE" 2>/dev/null)" ]; then
			say "bridge $STACK_BRIDGE still has ports after 5s; left in place"
		else
			ip link del "$STACK_BRIDGE" 2>/dev/null || say "cannot delete bridge $STACK_BRIDGE"
		fi
	fi
	: >"$lock" # this stack no longer owns it
	unlock_bridge
}

# ---- verbs ----

import_image() {
	local tar=$BUILDDIR/berth-bot.tar
	if ctr --address "$CTD_SOCK" -n "$STACK_NAMESPACE" images ls -q 2>/dev/null | grep -qxF "$STACK_IMAGE"; then
		return 0
	fi
	if [ ! -f "$tar" ]; then
		say "SKIPPED image import: $tar is not built yet"
		return 0
	fi
	say "importing $tar"
	run_berthctl image import "$tar" >>"$LOGS/berthctl.log" 2>&1 ||
		{ log_tail "$LOGS/berthctl.log"; die "berthctl image import failed (log: $LOGS/berthctl.log)"; }
}

run_berthctl() {
	local unset_args=()
	for v in "${CONFIG_ENV[@]}"; do unset_args+=(-u "$v"); done
	env "${unset_args[@]}" "$(berthctl_bin)" -c "$CONF" "$@"
}

provision() { # migrations, the admin user bound to the admin certificate, the bot image
	if [ ! -x "$(berthctl_bin)" ]; then
		say "SKIPPED migrations, admin user and image import: $(berthctl_bin) is not built yet"
		return 0
	fi
	run_berthctl migrate >>"$LOGS/berthctl.log" 2>&1 ||
		{ log_tail "$LOGS/berthctl.log"; die "berthctl migrate failed (log: $LOGS/berthctl.log)"; }
	if [ ! -f "$DIR/admin.created" ]; then
		run_berthctl user create admin --admin >>"$LOGS/berthctl.log" 2>&1 &&
			run_berthctl identity add admin x509 "$(admin_dn)" >>"$LOGS/berthctl.log" 2>&1 ||
			{ log_tail "$LOGS/berthctl.log"; die "cannot create the admin user (log: $LOGS/berthctl.log)"; }
		touch "$DIR/admin.created"
	fi
	import_image
}

cmd_start() {
	mkdir -p "$DIR"
	exec 9>"$DIR/.lock"
	flock -w 120 9 || die "another stack.sh holds $DIR/.lock"
	if [ -f "$ENVFILE" ]; then
		load_env
		claim_bridge "$STACK_BRIDGE"
	else
		init_stack
	fi
	local all=1 s
	for s in "${SERVICES[@]}"; do pid_of "$s" >/dev/null || all=0; done
	if [ $all = 1 ]; then
		say "already running in $DIR"
		return 0
	fi
	say "starting the stack in $DIR"
	start_postgres
	start_containerd
	provision
	start_fcgi
	start_reconcile
	start_nginx
	say "running: $DIR (logs: $LOGS)"
}

cmd_stop() {
	[ -f "$ENVFILE" ] || { say "nothing to stop in $DIR"; return 0; }
	load_env
	exec 9>"$DIR/.lock"
	flock -w 120 9 || die "another stack.sh holds $DIR/.lock"
	stop_nginx
	# The reconcilers first: they would restart the tasks stopped below.
	stop_reconcile2
	stop_reconcile
	stop_fcgi
	kill_tasks
	stop_containerd
	kill_shims
	unmount_all
	stop_postgres
	remove_bridge
	# Tasks were killed without CNI DEL: every lease left is stale.
	find "$DIR/cni/ipam" -mindepth 1 -delete 2>/dev/null || true
	say "stopped the stack in $DIR"
}

cmd_status() {
	load_env
	local s pid rc=0
	for s in "${SERVICES[@]}"; do
		if pid=$(pid_of "$s"); then
			printf '%-10s running (pid %s)\n' "$s" "$pid"
		else
			printf '%-10s stopped\n' "$s"
			rc=3
		fi
	done
	return $rc
}

cmd_env() {
	load_env
	local kv
	for kv in \
		"BERTH_STACK=$DIR" \
		"BERTH_URL=https://127.0.0.1:$STACK_PORT" \
		"BERTH_CA=$PKI/ca.crt" \
		"BERTH_ADMIN_CERT=$PKI/admin.crt" \
		"BERTH_ADMIN_KEY=$PKI/admin.key" \
		"BERTH_CONFIG=$CONF" \
		"BERTH_DATABASE=host=$PGSOCK port=$PG_PORT dbname=berth user=berth connect_timeout=5" \
		"BERTH_CONTAINERD_SOCKET=$CTD_SOCK" \
		"BERTH_CONTAINERD_NAMESPACE=$STACK_NAMESPACE" \
		"BERTH_BOT_IMAGE=$STACK_IMAGE" \
		"BERTH_DATA_ROOT=$DIR/data" \
		"BERTH_STATE_ROOT=$DIR/state" \
		"BERTH_CNI_CONF_DIR=$DIR/cni/conf" \
		"BERTH_SRCDIR=$SRCDIR" \
		"BERTH_BUILDDIR=$BUILDDIR"; do
		printf 'export %s=%q\n' "${kv%%=*}" "${kv#*=}"
	done
}

check_service() {
	case $1 in
	postgres | containerd | fcgi | reconcile | reconcile2 | nginx) ;;
	*) die "unknown service '$1' (postgres | containerd | fcgi | reconcile | reconcile2 | nginx)" ;;
	esac
}

main() {
	[ $# -ge 2 ] || usage
	local verb=$1 dir=$2
	shift 2
	# "VERB SERVICE DIR" is accepted as well as "VERB DIR SERVICE".
	case $verb in
	pid | kill | restart | stop-service | start-service)
		if [ ! -d "$dir" ] && [ $# -ge 1 ] && [ -d "$1" ]; then
			local tmp=$dir
			dir=$1
			set -- "$tmp" "${@:2}"
		fi
		;;
	esac
	[ "$(id -u)" -eq 0 ] || die "must run as root"
	# one spelling per stack (./x, x//, a symlinked parent): pid files, shims and mounts are
	# matched against paths of this spelling
	dir=$(realpath -m -- "$dir")
	set_paths "$dir"
	case $verb in
	start) cmd_start ;;
	stop) cmd_stop ;;
	status) cmd_status ;;
	env) cmd_env ;;
	pid)
		[ $# -eq 1 ] || usage
		load_env
		check_service "$1"
		pid_of "$1" || die "$1 is not running"
		;;
	kill)
		[ $# -eq 1 ] || usage
		load_env
		check_service "$1"
		local pid
		pid=$(pid_of "$1") || die "$1 is not running"
		kill -KILL "$pid"
		;;
	stop-service)
		[ $# -eq 1 ] || usage
		load_env
		check_service "$1"
		"stop_$1"
		;;
	start-service)
		[ $# -eq 1 ] || usage
		load_env
		check_service "$1"
		"start_$1"
		;;
	restart)
		[ $# -eq 1 ] || usage
		load_env
		check_service "$1"
		"stop_$1"
		"start_$1"
		;;
	issue-cert)
		[ $# -eq 2 ] || usage
		load_env
		issue_cert "$1" "$2"
		;;
	berthctl)
		load_env
		run_berthctl "$@"
		;;
	ctr)
		load_env
		exec ctr --address "$CTD_SOCK" -n "$STACK_NAMESPACE" "$@"
		;;
	psql)
		load_env
		exec psql -X -h "$PGSOCK" -p "$PG_PORT" -U berth -d berth "$@"
		;;
	*) usage ;;
	esac
}

main "$@"
