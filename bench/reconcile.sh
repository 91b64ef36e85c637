#!/bin/bash
# bench/reconcile.sh: issue #8's benchmark of berth-reconcile, in one run on one stack:
#  1. recovery: BENCH_N bots lost at once (every task and shim of the namespace killed by pid, then
#     containerd restarted: drill 1) until all run again, against BENCH_N create+starts through the
#     API run with the same parallelism ([reconcile] parallel); the ratio recovery / creates
#     (goal <= 1.5);
#  2. steady state: the reconciler's CPU time (with its CNI plugin children's) per full relist (every
#     bot adopted, its network checked) for each size of BENCH_SIZES bots, measured over BENCH_RELISTS relist periods
#     (default: enough to span 60 s, which includes every bot's full CNI CHECK); the
#     cost per bot should stay flat (linear growth);
#     (A /24 subnet holds 253 bots: with the stack's default one, keep the sizes below that.)
#  3. event-to-row latency of task exits: the task's process killed behind Berth's back (SIGKILL by
#     kill(2), bash's builtin, the start time read just before from $EPOCHREALTIME: no process is
#     started in between) until the row records the exit (last_exit_at, the database's clock on the
#     same host), p50 and p99 over BENCH_EXITS kills.
#
#   bench/reconcile.sh [STACK_DIR]
#
# STACK_DIR: a running stack to reuse; without it a test-profile stack is started in a temporary
# directory (BERTH_STACK_BRIDGE/SUBNET/NAMESPACE are honoured) and stopped afterwards. Build
# directory: $BERTH_BUILDDIR, else <checkout>/_build (use a build WITHOUT sanitizers for figures).
# Knobs: BENCH_N (default 100), BENCH_SIZES ("100 300"), BENCH_RELISTS (60 s worth), BENCH_EXITS (20).
# The bots it makes are deleted at the end.
set -euo pipefail

SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export BERTH_BUILDDIR=${BERTH_BUILDDIR:-$SRCDIR/_build}
STACK_SH=$SRCDIR/scripts/stack.sh
N=${BENCH_N:-100}
SIZES=${BENCH_SIZES:-100 300}
EXITS=${BENCH_EXITS:-20}

. "$SRCDIR/bench/lib.sh"

[ "$(id -u)" -eq 0 ] || die "run as root"
for tool in curl ctr openssl psql; do command -v $tool >/dev/null || die "$tool is not installed"; done


now_ms() { date +%s%3N; }
api() { # METHOD PATH -> HTTP status
	curl -s -o /dev/null -w '%{http_code}' --max-time 120 --cacert "$BERTH_CA" --cert "$BERTH_ADMIN_CERT" \
		--key "$BERTH_ADMIN_KEY" -X "$1" "$BERTH_URL$2"
}
export -f api
export BERTH_CA BERTH_ADMIN_CERT BERTH_ADMIN_KEY BERTH_URL
sql() { "$STACK_SH" psql "$STACK" -Atq -c "$1"; }
running_tasks() { "$STACK_SH" ctr "$STACK" task ls 2>/dev/null | awk '$3 == "RUNNING"' | grep -c '^mcp-' || true; }

new_bots() { # COUNT: bots owned by the admin, appended to BOTS
	local i id
	for ((i = 0; i < $1; i++)); do
		id=$("$STACK_SH" berthctl "$STACK" bot create "bench-rc-$$-${#BOTS[@]}" --owner admin --type personal 2>/dev/null | tail -n1)
		BOTS+=("$id")
	done
}

# POST /bots/<id>/container for the given bots, PARALLEL at a time; fails unless all answer 200.
create_all() {
	printf '%s\n' "$@" | xargs -P "$PARALLEL" -I{} bash -c '[ "$(api POST /bots/{}/container)" = 200 ]' ||
		die "a create failed"
}

delete_bots() {
	[ ${#BOTS[@]} -gt 0 ] || return 0
	printf '%s\n' "${BOTS[@]}" | xargs -P "$PARALLEL" -I{} bash -c 'api DELETE "/bots/{}/container?purge_snapshots=true" >/dev/null'
	BOTS=()
}

our_shims() { # pids of the shims of this stack's containerd and namespace
	local p cmd
	for p in /proc/[0-9]*; do
		cmd=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || continue
		case $cmd in
		*containerd-shim*"-namespace $BERTH_CONTAINERD_NAMESPACE "*"-address $BERTH_CONTAINERD_SOCKET "*) echo "${p#/proc/}" ;;
		esac
	done
}

bench_stack_open "$@"
BOTS=()
cleanup() {
	set +e
	delete_bots
	bench_stack_close
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bench_stack_start
PARALLEL=$(sed -n 's/^parallel *= *\([0-9]*\).*/\1/p' "$BERTH_CONFIG")
INTERVAL=$(sed -n 's/^interval_s *= *\([0-9]*\).*/\1/p' "$BERTH_CONFIG")
# Enough relists to span 60 s: each bot's full CNI CHECK (every 60 s; in-process checks between)
# falls inside the window, so the figure includes its share.
RELISTS=${BENCH_RELISTS:-$((60 / INTERVAL + 1 > 3 ? 60 / INTERVAL + 1 : 3))}

# ---- 1. recovery against creates ----
say "recovery: $N bots, parallelism $PARALLEL"
new_bots "$N"
t0=$(now_ms)
create_all "${BOTS[@]}"
create_ms=$(($(now_ms) - t0))
say "$N create+starts through the API: $create_ms ms"

pids=$("$STACK_SH" ctr "$STACK" task ls 2>/dev/null | awk '$1 ~ /^mcp-/ && $3 == "RUNNING" { print $2 }')
# shellcheck disable=SC2086
kill -KILL $pids $(our_shims) 2>/dev/null || true
t0=$(now_ms)
"$STACK_SH" restart "$STACK" containerd >/dev/null
ctd_back_ms=$(($(now_ms) - t0)) # containerd's own stop and start (it serves again): not Berth's
# Polled slowly (each look starts ctr, whose CPU the recovery would share); the end is read from
# the rows: when the last bot was recorded running again (task started, network attached), the
# same point at which a create's 200 answers.
while [ "$(running_tasks)" -lt "$N" ]; do
	[ $(($(now_ms) - t0)) -lt 600000 ] || die "the bots did not all run again within 10 minutes"
	sleep 0.5
done
polled_ms=$(($(now_ms) - t0))
in_list=$(printf "'%s'," "${BOTS[@]}")
recovery_ms=$(($(sql "SELECT (extract(epoch FROM max(last_started_at)) * 1000)::bigint FROM containers
	WHERE bot_id IN (${in_list%,})") - t0))
say "$N bots lost at once: all running again after $recovery_ms ms by their rows ($polled_ms ms when polling saw it; containerd served again after $ctd_back_ms ms)"
delete_bots

# ---- 2. CPU per relist ----
rc_pid=$("$STACK_SH" pid "$STACK" reconcile)
# Its own CPU and its waited-for children's (the CNI plugins it runs to check every bot's network).
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15 + $16 + $17) * 1000 / hz) }' "/proc/$rc_pid/stat"; }
relist_lines=()
for size in $SIZES; do
	new_bots "$size"
	create_all "${BOTS[@]}"
	sleep "$((INTERVAL + 1))" # the creates' NOTIFY passes are done
	c0=$(cpu_ms)
	sleep "$((INTERVAL * RELISTS))"
	per=$((($(cpu_ms) - c0) / RELISTS))
	relist_lines+=("relist of $size bots: $per ms CPU ($(awk -v a="$per" -v b="$size" 'BEGIN { printf "%.2f", a / b }') ms per bot)")
	say "${relist_lines[-1]}"
	delete_bots
done

# ---- 3. event-to-row latency ----
new_bots 1
create_all "${BOTS[0]}"
ctr_id=mcp-${BOTS[0]}
lat=()
for ((i = 0; i < EXITS; i++)); do
	before=$(sql "SELECT coalesce(last_exit_at::text, '') FROM containers WHERE bot_id = '${BOTS[0]}'")
	task_pid=$("$STACK_SH" ctr "$STACK" task ls 2>/dev/null | awk -v id="$ctr_id" '$1 == id && $3 == "RUNNING" { print $2 }')
	[ -n "$task_pid" ] || die "no running task of $ctr_id"
	t0_us=${EPOCHREALTIME/./}
	kill -KILL "$task_pid"
	t0=$((t0_us / 1000))
	while [ "$(sql "SELECT coalesce(last_exit_at::text, '') FROM containers WHERE bot_id = '${BOTS[0]}'")" = "$before" ]; do
		[ $(($(now_ms) - t0)) -lt 30000 ] || die "no exit recorded within 30 s"
	done
	lat+=($(sql "SELECT (extract(epoch FROM last_exit_at) * 1000000)::bigint FROM containers WHERE bot_id = '${BOTS[0]}'"))
	lat[-1]=$(((lat[-1] - t0_us) / 1000))
	# running again before the next kill
	while [ "$(running_tasks)" -lt 1 ]; do sleep 0.1; done
done
sorted=($(printf '%s\n' "${lat[@]}" | sort -n))
p50=${sorted[$((EXITS / 2))]}
p99=${sorted[$(((EXITS * 99 + 99) / 100 - 1))]}

echo
echo "berth-reconcile bench ($N bots, parallelism $PARALLEL, relist every $INTERVAL s)"
printf '  recovery of %d bots lost at once: %d ms; %d create+starts: %d ms; ratio %s (goal <= 1.5)\n' \
	"$N" "$recovery_ms" "$N" "$create_ms" "$(awk -v a="$recovery_ms" -v b="$create_ms" 'BEGIN { printf "%.2f", a / b }')"
printf '    of which containerd stopping and starting again: %d ms; after it serves: %d ms (ratio %s)\n' \
	"$ctd_back_ms" "$((recovery_ms - ctd_back_ms))" "$(awk -v a="$((recovery_ms - ctd_back_ms))" -v b="$create_ms" 'BEGIN { printf "%.2f", a / b }')"
for l in "${relist_lines[@]}"; do echo "  $l"; done
echo "  task exit -> row: p50 $p50 ms, p99 $p99 ms over $EXITS kills (kill(2) of the task's process to last_exit_at)"
