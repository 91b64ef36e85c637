#!/bin/bash
# bench/api.sh: issue #4 §8. In one run, on one stack:
#  1. create+start of a bot container through the API (POST /bots/:id/container through nginx with
#     a client certificate: authorization, DB, lock, containerd, CNI), a fresh bot each iteration,
#     deleted between iterations; against the baseline `ctr run -d` of the same image with the same
#     two bind mounts, plus a direct CNI ADD (loopback, then the bridge plugin of the stack's
#     conflist, as Berth runs them) into that task's netns. Median and p90 over BENCH_N
#     iterations, and the ratio baseline/API (goal >= 0.8, i.e. API <= 1.25 x baseline).
#  2. GET /bots/:id/container (DB row + live task state from containerd) under load with wrk:
#     requests/s and p99.
#
#   bench/api.sh [STACK_DIR]
#
# STACK_DIR: a running stack to reuse; without it a test-profile stack is started in a temporary
# directory (BERTH_STACK_BRIDGE/SUBNET/NAMESPACE are honoured) and stopped afterwards. Build
# directory: $BERTH_BUILDDIR, else <checkout>/_build (use a build WITHOUT sanitizers for figures).
# Knobs: BENCH_N (iterations, default 15), BENCH_DURATION (wrk seconds, 8), BENCH_CONNECTIONS (16),
# BENCH_THREADS (1).
#
# !!! BENCH-ONLY LISTENER !!! wrk cannot present a client certificate, so for part 2 this script
# adds a PLAIN-HTTP listener on 127.0.0.1 to the stack's nginx that passes the fixed params
# SSL_CLIENT_VERIFY=SUCCESS and SSL_CLIENT_S_DN=<the admin's DN> for GET /bots/...: anyone on this
# host who reaches that port is the admin. It is removed when the bench ends. Never put such a
# listener in a real configuration.
set -euo pipefail

SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export BERTH_BUILDDIR=${BERTH_BUILDDIR:-$SRCDIR/_build}
STACK_SH=$SRCDIR/scripts/stack.sh
N=${BENCH_N:-15}
DURATION=${BENCH_DURATION:-8}
CONNS=${BENCH_CONNECTIONS:-16}
THREADS=${BENCH_THREADS:-1}
NETCONF=$BERTH_BUILDDIR/bench/api-netconf

. "$SRCDIR/bench/lib.sh"

[ "$(id -u)" -eq 0 ] || die "run as root"
for tool in wrk curl ctr openssl; do command -v $tool >/dev/null || die "$tool is not installed"; done
[ -x "$NETCONF" ] || die "$NETCONF is not built (make in $BERTH_BUILDDIR)"

bench_stack_open "$@"
WORK=$(mktemp -d /tmp/berth-api-bench.XXXXXX)
BOTS=()          # bots whose container may exist (deleted at the end)
BASE_IDS=()      # baseline containers that may exist
CNI_ADDED=()     # "id pid" of baseline containers with a CNI ADD not yet deleted

now_ns() { date +%s%N; }

api() { # METHOD PATH -> prints "STATUS SECONDS"; body in $WORK/body
	curl -s -o "$WORK/body" -w '%{http_code} %{time_total}\n' --max-time 120 \
		--cacert "$BERTH_CA" --cert "$BERTH_ADMIN_CERT" --key "$BERTH_ADMIN_KEY" \
		-X "$1" "$BERTH_URL$2"
}

# CNI: runs PLUGIN with COMMAND for container ID in netns NETNS, config on stdin.
cni() { # COMMAND PLUGIN ID NETNS IFNAME CONFIG
	CNI_COMMAND=$1 CNI_CONTAINERID=$3 CNI_NETNS=$4 CNI_IFNAME=$5 CNI_PATH=$CNI_BIN \
		"$CNI_BIN/$2" <<<"$6"
}

baseline_remove() { # ID
	local id=$1 pid=${2:-}
	cni DEL bridge "$id" "${pid:+/proc/$pid/ns/net}" eth0 "$BRIDGE_CONF" >/dev/null 2>&1 || true
	"$STACK_SH" ctr "$STACK" task kill -s KILL "$id" >/dev/null 2>&1 || true
	for ((k = 0; k < 50; k++)); do
		"$STACK_SH" ctr "$STACK" task rm "$id" >/dev/null 2>&1 && break
		"$STACK_SH" ctr "$STACK" task ls -q 2>/dev/null | grep -qxF "$id" || break
		sleep 0.1
	done
	"$STACK_SH" ctr "$STACK" container rm "$id" >/dev/null 2>&1 || true
}

cleanup() {
	set +e
	bench_listener_remove
	for b in "${BOTS[@]}"; do api DELETE "/bots/$b/container" >/dev/null; done
	for entry in "${CNI_ADDED[@]}"; do baseline_remove $entry; done
	for id in "${BASE_IDS[@]}"; do baseline_remove "$id"; done
	rm -rf "$WORK"
	bench_stack_close
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_stack_start
CNI_BIN=$(sed -n 's/^bin_dir *= *//p' "$BERTH_CONFIG")
CTD_STATE=$(sed -n 's/^state *= *"\(.*\)"/\1/p' "$STACK/containerd/config.toml")
CONFLIST=$(find "$BERTH_CNI_CONF_DIR" -maxdepth 1 \( -name '*.conflist' -o -name '*.conf' -o -name '*.json' \) | sort | head -n1)
[ -n "$CONFLIST" ] || die "no CNI configuration in $BERTH_CNI_CONF_DIR"
BRIDGE_CONF=$("$NETCONF" "$CONFLIST" 0)
LOOPBACK_CONF='{"cniVersion":"1.0.0","name":"loopback","type":"loopback"}'
WORKERS=$(sed -n 's/^workers *= *\([0-9]*\).*/\1/p' "$BERTH_CONFIG")

# ---- 1. create+start ----

# A bot for the API side, owned by the admin (created outside the timing).
new_bot() { "$STACK_SH" berthctl "$STACK" bot create "bench-$RANDOM$RANDOM" --owner admin | grep -oE '[0-9a-f-]{36}' | head -n1; }

# Median and p90 of the numbers in FILE (milliseconds).
stats() { # FILE -> "MEDIAN P90"
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		i = int(NR * 0.9 + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR
		printf "%.1f %.1f\n", m, v[i] }'
}

say "warming up (image unpacked once, first containers on each side)"
b=$(new_bot)
BOTS+=("$b")
read -r code _ < <(api POST "/bots/$b/container")
[ "$code" = 200 ] || die "POST /bots/$b/container answered $code: $(cat "$WORK/body")"
read -r code _ < <(api DELETE "/bots/$b/container")
[ "$code" = 204 ] || die "DELETE answered $code"
mkdir -p "$WORK/base-data" "$WORK/base-state"
printf 'nameserver 10.255.255.53\n' >"$WORK/base-state/resolv.conf"
CMD='trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done'

baseline_once() { # ID -> prints milliseconds
	local id=$1 t0 t1 pid pidfile
	pidfile=$CTD_STATE/io.containerd.runtime.v2.task/$BERTH_CONTAINERD_NAMESPACE/$id/init.pid
	t0=$(now_ns)
	"$STACK_SH" ctr "$STACK" run -d \
		--mount "type=bind,src=$WORK/base-data,dst=/data,options=rbind:rw" \
		--mount "type=bind,src=$WORK/base-state/resolv.conf,dst=/etc/resolv.conf,options=rbind:ro" \
		"$BERTH_BOT_IMAGE" "$id" /bin/sh -c "$CMD" >/dev/null
	pid=$(cat "$pidfile")
	cni ADD loopback "$id" "/proc/$pid/ns/net" lo "$LOOPBACK_CONF" >/dev/null
	cni ADD bridge "$id" "/proc/$pid/ns/net" eth0 "$BRIDGE_CONF" >"$WORK/cni-result"
	t1=$(now_ns)
	grep -q '"ips"' "$WORK/cni-result" || die "the bridge plugin gave no address: $(cat "$WORK/cni-result")"
	CNI_ADDED+=("$id $pid")
	echo $(((t1 - t0) / 1000000))
	cni DEL bridge "$id" "/proc/$pid/ns/net" eth0 "$BRIDGE_CONF" >/dev/null
	unset 'CNI_ADDED[-1]'
	baseline_remove "$id" "$pid"
}
BASE_IDS+=("bench-base-warm")
baseline_once bench-base-warm >/dev/null

: >"$WORK/api-ms"
: >"$WORK/base-ms"
say "measuring $N iterations of each, alternating"
for ((i = 1; i <= N; i++)); do
	b=$(new_bot)
	BOTS+=("$b")
	read -r code secs < <(api POST "/bots/$b/container")
	[ "$code" = 200 ] || die "POST /bots/$b/container answered $code: $(cat "$WORK/body")"
	grep -q '"started":true' "$WORK/body" || die "create did not start the task: $(cat "$WORK/body")"
	awk -v s="$secs" 'BEGIN { printf "%.1f\n", s * 1000 }' >>"$WORK/api-ms"
	read -r code _ < <(api DELETE "/bots/$b/container")
	[ "$code" = 204 ] || die "DELETE answered $code"

	id="bench-base-$i-$$"
	BASE_IDS+=("$id")
	baseline_once "$id" >>"$WORK/base-ms"
done
read -r api_med api_p90 < <(stats "$WORK/api-ms")
read -r base_med base_p90 < <(stats "$WORK/base-ms")
ratio=$(awk -v a="$api_med" -v b="$base_med" 'BEGIN { printf "%.2f", b / a }')
verdict=$(awk -v r="$ratio" 'BEGIN { print (r >= 0.8) ? "meets" : "BELOW" }')
say "API create+start ms: $(tr '\n' ' ' <"$WORK/api-ms")"
say "ctr run -d + CNI ADD ms: $(tr '\n' ' ' <"$WORK/base-ms")"

# ---- 2. GET container under load ----

b=$(new_bot)
BOTS+=("$b")
read -r code _ < <(api POST "/bots/$b/container")
[ "$code" = 200 ] || die "POST /bots/$b/container answered $code"
bench_listener_add api.sh "/bots/ $BERTH_SOCK limit_except GET { deny all; }"
PORT=$BENCH_PORT
URL="http://127.0.0.1:$PORT/bots/$b/container"
code=$(curl -s -o "$WORK/body" -w '%{http_code}' --max-time 5 "$URL")
[ "$code" = 200 ] || die "GET through the bench listener answers $code: $(cat "$WORK/body")"
grep -q '"task_running":true' "$WORK/body" || die "GET does not report a running task: $(cat "$WORK/body")"

wrk -t1 -c"$CONNS" -d2s "$URL" >/dev/null # warm-up
out=$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency "$URL")
echo "$out" | sed 's#^#  [GET container] #' >&2
echo "$out" | grep -qE 'Non-2xx|Socket errors' && die "errors while measuring GET container (see above)"
get_rps=$(echo "$out" | awk '/^Requests\/sec:/ { printf "%.0f", $2 }')
p99=$(echo "$out" | awk '$1 == "99%" { print $2 }')
case $p99 in
*us) get_p99=$(awk -v p="${p99%us}" 'BEGIN { printf "%.2f", p / 1000 }') ;;
*ms) get_p99=${p99%ms} ;;
*s) get_p99=$(awk -v p="${p99%s}" 'BEGIN { printf "%.2f", p * 1000 }') ;;
*) die "cannot read p99 from wrk ($p99)" ;;
esac

printf '\n%-44s %10s %10s\n' "create+start ($N iterations)" "median ms" "p90 ms"
printf '%-44s %10s %10s\n' "API POST /bots/:id/container (nginx, TLS)" "$api_med" "$api_p90"
printf '%-44s %10s %10s\n' "ctr run -d + CNI ADD (loopback, bridge)" "$base_med" "$base_p90"
printf 'ratio baseline/API: %s (%s the goal 0.8)\n' "$ratio" "$verdict"
printf '\n%-44s %10s %10s\n' "GET /bots/:id/container ($WORKERS workers, -c$CONNS)" "requests/s" "p99 ms"
printf '%-44s %10s %10s\n' "berth" "$get_rps" "$get_p99"
