#!/bin/bash
# bench/http.sh: in one run, measures with wrk (loopback only) Berth's authenticated route that
# reads the database (GET /me) against a hello-world FastCGI responder (bench/hello-fcgi, same
# number of workers, fixed JSON) behind the SAME nginx, and prints requests/s, p99 and the ratio
# (goal: Berth / hello >= 0.6).
#
#   bench/http.sh [STACK_DIR]
#
# STACK_DIR: a running stack to reuse (e.g. /var/lib/berth-dev); without it a test-profile stack
# is started in a temporary directory and stopped afterwards. Build directory: $BERTH_BUILDDIR,
# else <checkout>/_build. Knobs: BENCH_DURATION (s, default 8), BENCH_CONNECTIONS (32),
# BENCH_THREADS (1).
#
# !!! BENCH-ONLY LISTENER !!! wrk cannot present a client certificate, so for the duration of the
# bench this script adds a PLAIN-HTTP listener on 127.0.0.1 to the stack's nginx that passes the
# fixed params SSL_CLIENT_VERIFY=SUCCESS and SSL_CLIENT_S_DN=<the admin's DN>: anyone on this host
# who reaches that port is the admin. It is removed when the bench ends. Never put such a listener
# in a real configuration (nginx.conf.example has none).
set -euo pipefail

SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export BERTH_BUILDDIR=${BERTH_BUILDDIR:-$SRCDIR/_build}
STACK_SH=$SRCDIR/scripts/stack.sh
DURATION=${BENCH_DURATION:-8}
CONNS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-1}
HELLO=$BERTH_BUILDDIR/bench/hello-fcgi

say() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root"
command -v wrk >/dev/null || die "wrk is not installed (scripts/install-deps.sh)"
[ -x "$HELLO" ] || die "$HELLO is not built (make in $BERTH_BUILDDIR)"

STARTED_STACK=0
if [ $# -ge 1 ]; then
	STACK=$(cd "$1" && pwd)
else
	STACK=$(mktemp -d /tmp/berth-bench.XXXXXX)
	STARTED_STACK=1
fi
BENCH_CONF=$STACK/nginx/conf.d/bench.conf
HELLO_SOCK=$STACK/run/fcgi/hello.sock
HELLO_PID=

nginx_reload() {
	local pid
	pid=$("$STACK_SH" pid "$STACK" nginx) || die "nginx is not running"
	kill -HUP "$pid"
	sleep 1 # nginx starts new workers and retires the old ones
}

cleanup() {
	set +e
	if [ -f "$BENCH_CONF" ]; then
		rm -f "$BENCH_CONF" "$STACK/nginx/conf.d/bench-params"
		nginx_reload
		say "bench-only listener removed"
	fi
	if [ -n "$HELLO_PID" ]; then
		kill -TERM "$HELLO_PID" 2>/dev/null
		wait "$HELLO_PID" 2>/dev/null
	fi
	if [ $STARTED_STACK = 1 ]; then
		"$STACK_SH" stop "$STACK"
		rm -rf "$STACK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ $STARTED_STACK = 1 ]; then
	say "starting a stack in $STACK"
	BERTH_STACK_PROFILE=test "$STACK_SH" start "$STACK"
fi
"$STACK_SH" status "$STACK" >/dev/null || die "the stack in $STACK is not fully running"
eval "$("$STACK_SH" env "$STACK")"
WORKERS=$(sed -n 's/^workers *= *\([0-9]*\).*/\1/p' "$BERTH_CONFIG")
BERTH_SOCK=$(sed -n 's/^fcgi_socket *= *//p' "$BERTH_CONFIG")
ADMIN_DN=$(openssl x509 -in "$BERTH_ADMIN_CERT" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')

say "starting hello-fcgi with $WORKERS workers"
setsid "$HELLO" "$HELLO_SOCK" "$WORKERS" >>"$STACK/logs/hello-fcgi.log" 2>&1 </dev/null &
HELLO_PID=$!
for ((i = 0; i < 50; i++)); do [ -S "$HELLO_SOCK" ] && break; sleep 0.1; done
[ -S "$HELLO_SOCK" ] || die "hello-fcgi did not create $HELLO_SOCK"

PORT=$(for ((i = 0; i < 100; i++)); do
	p=$((20000 + RANDOM % 40000))
	[ -z "$(ss -Hltn "( sport = :$p )")" ] && { echo $p; break; }
done)
[ -n "$PORT" ] || die "no free port"

# The same params as the TLS server, except the identity, which is fixed.
grep -v 'SSL_CLIENT_' "$STACK/nginx/fastcgi_params" >"$STACK/nginx/conf.d/bench-params"
dn_escaped=${ADMIN_DN//\\/\\\\}
dn_escaped=${dn_escaped//\"/\\\"}
cat >"$BENCH_CONF" <<EOF
# !!! BENCH-ONLY plain-HTTP listener written by bench/http.sh: whoever reaches it is the admin.
# Removed when the bench ends. Never in a real configuration.
server {
    listen 127.0.0.1:$PORT;
    access_log off;
    location = /me {
        fastcgi_pass unix:$BERTH_SOCK;
        fastcgi_keep_conn off;
        include $STACK/nginx/conf.d/bench-params;
        fastcgi_param SSL_CLIENT_VERIFY SUCCESS;
        fastcgi_param SSL_CLIENT_S_DN "$dn_escaped";
        fastcgi_param SSL_CLIENT_FINGERPRINT "";
    }
    location = /hello {
        fastcgi_pass unix:$HELLO_SOCK;
        fastcgi_keep_conn off;
        include $STACK/nginx/conf.d/bench-params;
        fastcgi_param SSL_CLIENT_VERIFY SUCCESS;
        fastcgi_param SSL_CLIENT_S_DN "$dn_escaped";
        fastcgi_param SSL_CLIENT_FINGERPRINT "";
    }
}
EOF
# The bench listener logs nothing; the TLS server's access log is not on this path.
nginx_reload
say "bench-only plain-HTTP listener on 127.0.0.1:$PORT (removed at the end)"

for path in /me /hello; do
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$PORT$path")
	[ "$code" = 200 ] || die "GET $path through the bench listener answers $code (logs: $STACK/logs)"
done

# Runs wrk on PATH; prints "RPS P99_MS" and fails on any non-2xx answer or socket error.
measure() {
	local out rps p99 unit
	wrk -t1 -c"$CONNS" -d2s "http://127.0.0.1:$PORT$1" >/dev/null # warm-up
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency "http://127.0.0.1:$PORT$1")
	echo "$out" | sed "s#^#  [$1] #" >&2
	if echo "$out" | grep -qE 'Non-2xx|Socket errors'; then
		die "errors while measuring $1 (see above)"
	fi
	rps=$(echo "$out" | awk '/^Requests\/sec:/ { print $2 }')
	p99=$(echo "$out" | awk '$1 == "99%" { print $2 }')
	case $p99 in
	*us) unit=0.001 p99=${p99%us} ;;
	*ms) unit=1 p99=${p99%ms} ;;
	*s) unit=1000 p99=${p99%s} ;;
	*) die "cannot read p99 from wrk ($p99)" ;;
	esac
	awk -v r="$rps" -v p="$p99" -v u="$unit" 'BEGIN { printf "%.0f %.2f\n", r, p * u }'
}

say "measuring GET /me (Berth: certificate identity -> user lookup in PostgreSQL) for ${DURATION}s"
read -r me_rps me_p99 < <(measure /me)
say "measuring GET /hello (hello-fcgi) for ${DURATION}s"
read -r hello_rps hello_p99 < <(measure /hello)
[ -n "${me_rps:-}" ] && [ -n "${hello_rps:-}" ] || die "measuring failed"

ratio=$(awk -v a="$me_rps" -v b="$hello_rps" 'BEGIN { printf "%.2f", a / b }')
verdict=$(awk -v r="$ratio" 'BEGIN { print (r >= 0.6) ? "meets" : "BELOW" }')
printf '\n%-28s %12s %10s\n' "route ($WORKERS workers, -c$CONNS)" "requests/s" "p99 ms"
printf '%-28s %12s %10s\n' "berth GET /me" "$me_rps" "$me_p99"
printf '%-28s %12s %10s\n' "hello-fcgi" "$hello_rps" "$hello_p99"
printf 'ratio berth/hello: %s (%s the goal 0.6)\n' "$ratio" "$verdict"
