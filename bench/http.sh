#!/bin/bash
# bench/http.sh: in one run, measures with wrk (loopback only) Berth's authenticated routes that
# read the database (GET /me, and GET /bots/<id>/container of a running bot, answered from its row
# while berth-reconcile vouches for it; both through the workers' read cache, and without it) against a hello-world FastCGI responder (bench/hello-fcgi,
# same number of workers, fixed JSON) behind the SAME nginx, and prints requests/s, p99 and the
# ratios (goal: Berth / hello >= 0.6 for both). The bot it makes is deleted at the end.
#
#   bench/http.sh [STACK_DIR]
#
# STACK_DIR: a running stack to reuse (e.g. /var/lib/berth-dev); without it a test-profile stack
# is started in a temporary directory and stopped afterwards. Build directory: $BERTH_BUILDDIR,
# else <checkout>/_build. Knobs: BENCH_DURATION (s, default 8), BENCH_CONNECTIONS (32),
# BENCH_THREADS (1), BENCH_CACHE_OFF (1: also measure both routes with [database] read_cache_ms = 0,
# every read a query; 0: skip), BENCH_METRICS_OFF (1: also measure GET /me with [metrics] record = 0, the
# workers recording nothing, against record = 1, in BENCH_ROUNDS (3) alternating rounds, to show
# what recording each request costs; 0: skip those runs).
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

. "$SRCDIR/bench/lib.sh"

[ "$(id -u)" -eq 0 ] || die "run as root"
command -v wrk >/dev/null || die "wrk is not installed (scripts/install-deps.sh)"
[ -x "$HELLO" ] || die "$HELLO is not built (make in $BERTH_BUILDDIR)"

bench_stack_open "$@"
HELLO_SOCK=$STACK/run/fcgi/hello.sock
HELLO_PID=
CONFIG_SAVED=
BOT=

# Reloads berth-fcgi (SIGHUP) and waits until its new workers answer.
fcgi_reload() {
	local pid
	pid=$("$STACK_SH" pid "$STACK" fcgi) || die "berth-fcgi is not running"
	kill -HUP "$pid"
	sleep 2 # new workers start, the old ones drain
}

config_restore() {
	if [ -n "$CONFIG_SAVED" ]; then
		cp "$CONFIG_SAVED" "$BERTH_CONFIG" && rm -f "$CONFIG_SAVED"
		CONFIG_SAVED=
		fcgi_reload
		say "configuration restored"
	fi
}

api() { # METHOD PATH -> HTTP status
	curl -s -o /dev/null -w '%{http_code}' --max-time 120 --cacert "$BERTH_CA" --cert "$BERTH_ADMIN_CERT" \
		--key "$BERTH_ADMIN_KEY" -X "$1" "$BERTH_URL$2"
}

cleanup() {
	set +e
	config_restore
	[ -n "$BOT" ] && api DELETE "/bots/$BOT/container?purge_snapshots=true" >/dev/null
	bench_listener_remove
	if [ -n "$HELLO_PID" ]; then
		kill -TERM "$HELLO_PID" 2>/dev/null
		wait "$HELLO_PID" 2>/dev/null
	fi
	bench_stack_close
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_stack_start
WORKERS=$(sed -n 's/^workers *= *\([0-9]*\).*/\1/p' "$BERTH_CONFIG")

say "starting hello-fcgi with $WORKERS workers"
setsid "$HELLO" "$HELLO_SOCK" "$WORKERS" >>"$STACK/logs/hello-fcgi.log" 2>&1 </dev/null &
HELLO_PID=$!
for ((i = 0; i < 50; i++)); do [ -S "$HELLO_SOCK" ] && break; sleep 0.1; done
[ -S "$HELLO_SOCK" ] || die "hello-fcgi did not create $HELLO_SOCK"

say "creating a bot with a running container"
BOT=$("$STACK_SH" berthctl "$STACK" bot create "bench-http-$$" --owner admin --type personal 2>/dev/null | tail -n1)
[ -n "$BOT" ] || die "cannot create a bot"
[ "$(api POST "/bots/$BOT/container")" = 200 ] || die "cannot create the bot's container"
CTR_PATH=/bots/$BOT/container

bench_listener_add http.sh "= /me $BERTH_SOCK" "= $CTR_PATH $BERTH_SOCK" "= /hello $HELLO_SOCK"
PORT=$BENCH_PORT

# The reconciler vouches for the row once it has observed it (its next pass, a relist at most).
for ((i = 0; i < 150; i++)); do
	by=$(curl -s --max-time 5 "http://127.0.0.1:$PORT$CTR_PATH" | sed -n 's/.*"observed_by": *"\([a-z]*\)".*/\1/p')
	[ "$by" = reconciler ] && break
	sleep 0.2
done
say "GET $CTR_PATH answers with observed_by: ${by:-none}"

for path in /me "$CTR_PATH" /hello; do
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
say "measuring GET /bots/:id/container (observed by: ${by:-none}) for ${DURATION}s"
read -r ctr_rps ctr_p99 < <(measure "$CTR_PATH")
say "measuring GET /hello (hello-fcgi) for ${DURATION}s"
read -r hello_rps hello_p99 < <(measure /hello)
[ -n "${me_rps:-}" ] && [ -n "${ctr_rps:-}" ] && [ -n "${hello_rps:-}" ] || die "measuring failed"

# The same reads with the workers' read cache off: a query per read on every request (what the
# cache saves; berth/store_cache.h).
nocache_me= nocache_ctr=
if [ "${BENCH_CACHE_OFF:-1}" = 1 ]; then
	CONFIG_SAVED=$(mktemp "$STACK/berth.conf.bench.XXXXXX")
	cp "$BERTH_CONFIG" "$CONFIG_SAVED"
	{ cat "$CONFIG_SAVED"; printf '\n[database]\nread_cache_ms = 0\n'; } >"$BERTH_CONFIG"
	fcgi_reload
	say "measuring GET /me with [database] read_cache_ms = 0 for ${DURATION}s"
	read -r nocache_me nocache_me_p99 < <(measure /me)
	say "measuring GET $CTR_PATH with [database] read_cache_ms = 0 for ${DURATION}s"
	read -r nocache_ctr nocache_ctr_p99 < <(measure "$CTR_PATH")
	config_restore
fi

# Recording on against off, in alternating rounds (the machine's other load drifts; a median of
# alternating runs is fairer than one run of each).
off_rps= on_med=
if [ "${BENCH_METRICS_OFF:-1}" = 1 ]; then
	ROUNDS=${BENCH_ROUNDS:-3}
	CONFIG_SAVED=$(mktemp "$STACK/berth.conf.bench.XXXXXX")
	cp "$BERTH_CONFIG" "$CONFIG_SAVED"
	on_list=() off_list=() off_p99s=()
	# Odd rounds measure without recording first, even rounds with it first: neither always
	# runs right after the other.
	for ((round = 1; round <= ROUNDS * 2; round++)); do
		if (((round + (round + 1) / 2) % 2 == 0)); then
			say "run $round/$((ROUNDS * 2)): GET /me with [metrics] record = 0 (no recording) for ${DURATION}s"
			{ cat "$CONFIG_SAVED"; printf '\n[metrics]\nrecord = 0\n'; } >"$BERTH_CONFIG"
			fcgi_reload
			read -r rps p99 < <(measure /me)
			off_list+=("$rps") off_p99s+=("$p99")
		else
			say "run $round/$((ROUNDS * 2)): GET /me with [metrics] record = 1 for ${DURATION}s"
			cp "$CONFIG_SAVED" "$BERTH_CONFIG"
			fcgi_reload
			read -r rps p99 < <(measure /me)
			on_list+=("$rps")
		fi
	done
	config_restore
	median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
	off_rps=$(median "${off_list[@]}")
	off_p99=$(median "${off_p99s[@]}")
	on_med=$(median "${on_list[@]}")
	say "GET /me requests/s with recording: ${on_list[*]}; without: ${off_list[*]}"
fi

ratio=$(awk -v a="$me_rps" -v b="$hello_rps" 'BEGIN { printf "%.2f", a / b }')
verdict=$(awk -v r="$ratio" 'BEGIN { print (r >= 0.6) ? "meets" : "BELOW" }')
ctr_ratio=$(awk -v a="$ctr_rps" -v b="$hello_rps" 'BEGIN { printf "%.2f", a / b }')
ctr_verdict=$(awk -v r="$ctr_ratio" 'BEGIN { print (r >= 0.6) ? "meets" : "BELOW" }')
printf '\n%-28s %12s %10s\n' "route ($WORKERS workers, -c$CONNS)" "requests/s" "p99 ms"
printf '%-28s %12s %10s\n' "berth GET /me" "$me_rps" "$me_p99"
printf '%-28s %12s %10s\n' "berth GET container" "$ctr_rps" "$ctr_p99"
[ -n "$nocache_me" ] && printf '%-28s %12s %10s\n' "berth GET /me, no cache" "$nocache_me" "$nocache_me_p99"
[ -n "$nocache_ctr" ] && printf '%-28s %12s %10s\n' "berth GET container, no cache" "$nocache_ctr" "$nocache_ctr_p99"
[ -n "$off_rps" ] && printf '%-28s %12s %10s\n' "berth GET /me, no metrics" "$off_rps" "$off_p99" # median
printf '%-28s %12s %10s\n' "hello-fcgi" "$hello_rps" "$hello_p99"
printf 'ratio berth/hello: %s (%s the goal 0.6)\n' "$ratio" "$verdict"
printf 'ratio GET container/hello: %s (%s the goal 0.6; observed_by %s)\n' "$ctr_ratio" "$ctr_verdict" "${by:-none}"
if [ -n "$off_rps" ]; then
	cost=$(awk -v on="$on_med" -v off="$off_rps" 'BEGIN { printf "%.1f", (off - on) * 100 / off }')
	printf 'metrics recording (median of %s alternating runs): GET /me %s requests/s with, %s without: %s%% of throughput (goal <= 2%%)\n' \
		"$ROUNDS" "$on_med" "$off_rps" "$cost"
fi
# The cost measured alone, as a share of GET /me's throughput: at me_rps requests/s, recording
# takes ns x me_rps of CPU time per second; counted as if all of it came out of one core's second
# (an upper bound: the machine has more), that is the share of requests lost.
if [ -x "$BERTH_BUILDDIR/bench/metrics-cost" ]; then
	ns=$("$BERTH_BUILDDIR/bench/metrics-cost" | awk '$1 == "ns_per_request" { print $2 }')
	share=$(awk -v ns="$ns" -v r="$me_rps" 'BEGIN { printf "%.3f", ns * r / 1e9 * 100 }')
	printf 'metrics recording alone: %s ns per request = at most %s%% of GET /me at %s requests/s (goal <= 2%%)\n' \
		"$ns" "$share" "$me_rps"
fi
