# bench/lib.sh: what the benches share (sourced by bench/http.sh and bench/api.sh).
# Expects STACK_SH to be set by the caller.

say() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

# bench_stack_open [STACK_DIR]: the stack to measure, given or a new temporary one
# (sets STACK and STARTED_STACK).
bench_stack_open() {
	STARTED_STACK=0
	if [ $# -ge 1 ]; then
		STACK=$(cd "$1" && pwd)
	else
		STACK=$(mktemp -d /tmp/berth-bench.XXXXXX)
		STARTED_STACK=1
	fi
}

# Starts the stack when the bench made it, checks it runs and loads its description (the test
# contract variables, BERTH_SOCK: berth-fcgi's socket, ADMIN_DN: the admin's subject DN).
bench_stack_start() {
	if [ "$STARTED_STACK" = 1 ]; then
		say "starting a stack in $STACK"
		BERTH_STACK_PROFILE=test "$STACK_SH" start "$STACK"
	fi
	"$STACK_SH" status "$STACK" >/dev/null || die "the stack in $STACK is not fully running"
	eval "$("$STACK_SH" env "$STACK")"
	BERTH_SOCK=$(sed -n 's/^fcgi_socket *= *//p' "$BERTH_CONFIG")
	ADMIN_DN=$(openssl x509 -in "$BERTH_ADMIN_CERT" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
}

# Stops and removes the stack when the bench made it.
bench_stack_close() {
	if [ "$STARTED_STACK" = 1 ]; then
		"$STACK_SH" stop "$STACK"
		rm -rf "$STACK"
	fi
}

nginx_reload() {
	local pid
	pid=$("$STACK_SH" pid "$STACK" nginx) || die "nginx is not running"
	kill -HUP "$pid"
	sleep 1 # nginx starts new workers and retires the old ones
}

bench_free_port() {
	local i p
	for ((i = 0; i < 100; i++)); do
		p=$((20000 + RANDOM % 40000))
		[ -z "$(ss -Hltn "( sport = :$p )")" ] && { echo $p; return 0; }
	done
	die "no free port"
}

# bench_listener_add NAME LOCATION... : a BENCH-ONLY plain-HTTP server on 127.0.0.1 (BENCH_PORT)
# whose locations pass the TLS server's FastCGI params with the admin's identity fixed. wrk cannot
# present a client certificate, hence this device; whoever reaches the port is the admin, so it
# exists only while the bench runs (bench_listener_remove) and never in a real configuration.
# Each LOCATION is "MATCH SOCKET [DIRECTIVE]", e.g. "= /me $BERTH_SOCK" or
# "/bots/ $BERTH_SOCK limit_except GET { deny all; }".
bench_listener_add() {
	local name=$1 loc match sock extra dn
	shift
	BENCH_CONF=$STACK/nginx/conf.d/$name.conf
	BENCH_PARAMS=$STACK/nginx/conf.d/$name-params
	BENCH_PORT=$(bench_free_port)
	grep -v 'SSL_CLIENT_' "$STACK/nginx/fastcgi_params" >"$BENCH_PARAMS"
	dn=${ADMIN_DN//\\/\\\\}
	dn=${dn//\"/\\\"}
	{
		echo "# !!! BENCH-ONLY plain-HTTP listener written by bench/$name: whoever reaches it is the admin."
		echo "# Removed when the bench ends. Never in a real configuration."
		echo "server {"
		echo "    listen 127.0.0.1:$BENCH_PORT;"
		echo "    access_log off;"
		for loc in "$@"; do
			read -r match sock extra <<<"$loc"
			case $match in =) read -r _ match sock extra <<<"$loc"; match="= $match" ;; esac
			echo "    location $match {"
			[ -n "$extra" ] && echo "        $extra"
			echo "        fastcgi_pass unix:$sock;"
			echo "        fastcgi_keep_conn off;"
			echo "        include $BENCH_PARAMS;"
			echo "        fastcgi_param SSL_CLIENT_VERIFY SUCCESS;"
			echo "        fastcgi_param SSL_CLIENT_S_DN \"$dn\";"
			echo "        fastcgi_param SSL_CLIENT_FINGERPRINT \"\";"
			echo "    }"
		done
		echo "}"
	} >"$BENCH_CONF"
	nginx_reload
	say "bench-only plain-HTTP listener on 127.0.0.1:$BENCH_PORT (removed at the end)"
}

bench_listener_remove() {
	if [ -n "${BENCH_CONF:-}" ] && [ -f "$BENCH_CONF" ]; then
		rm -f "$BENCH_CONF" "$BENCH_PARAMS"
		nginx_reload
		say "bench-only listener removed"
	fi
}
