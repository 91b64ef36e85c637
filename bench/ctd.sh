#!/bin/bash
# bench/ctd.sh: runs bench/ctd-bench (the containerd client library against ctr: create+start vs
# `ctr run -d`, exec of true vs `ctr task exec`; medians, p90, ratios) on ONE containerd with the
# bot image, and prints its table.
#
#   bench/ctd.sh [ITERATIONS]          (default 20)
#
# Without BERTH_CONTAINERD_SOCKET a private containerd is started in a temporary directory and
# stopped (by pid) afterwards, with its shims; with it, that containerd is used, in namespace
# $BERTH_CONTAINERD_NAMESPACE (default berth-bench). Build directory: $BERTH_BUILDDIR, else
# <checkout>/_build; it must hold bench/ctd-bench and berth-bot.tar (make).
set -euo pipefail

SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILDDIR=${BERTH_BUILDDIR:-$SRCDIR/_build}
BENCH=$BUILDDIR/bench/ctd-bench
ARCHIVE=$BUILDDIR/berth-bot.tar
ITERATIONS=${1:-20}
NAMESPACE=${BERTH_CONTAINERD_NAMESPACE:-berth-bench}

die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root"
[ -x "$BENCH" ] || die "$BENCH is not built (make in $BUILDDIR)"
[ -f "$ARCHIVE" ] || die "$ARCHIVE is not built (make in $BUILDDIR)"
command -v ctr >/dev/null || die "ctr is not installed (containerd)"

DIR=
CTD_PID=
cleanup() {
	set +e
	[ -n "$CTD_PID" ] || return 0
	# Shims of this containerd name its socket on their command line.
	for p in $(pgrep -f "containerd-shim-runc-v2 .*-address $DIR/containerd.sock"); do
		kill -9 "$p" 2>/dev/null
	done
	kill "$CTD_PID" 2>/dev/null
	(sleep 10; kill -9 "$CTD_PID" 2>/dev/null) &
	local watchdog=$!
	wait "$CTD_PID" 2>/dev/null
	kill "$watchdog" 2>/dev/null
	# overlay mounts left by killed tasks, deepest first
	grep -o " $DIR/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
	rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

if [ -n "${BERTH_CONTAINERD_SOCKET:-}" ]; then
	SOCKET=$BERTH_CONTAINERD_SOCKET
else
	DIR=$(mktemp -d /tmp/berth-ctd-bench.XXXXXX)
	SOCKET=$DIR/containerd.sock
	cat >"$DIR/config.toml" <<TOML
version = 2
root = "$DIR/root"
state = "$DIR/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$SOCKET"
[ttrpc]
  address = "$SOCKET.ttrpc"
TOML
	containerd --config "$DIR/config.toml" >"$DIR/containerd.log" 2>&1 &
	CTD_PID=$!
	for _ in $(seq 100); do
		ctr --address "$SOCKET" version >/dev/null 2>&1 && break
		kill -0 "$CTD_PID" 2>/dev/null || { tail -20 "$DIR/containerd.log" >&2; die "containerd exited"; }
		sleep 0.1
	done
	ctr --address "$SOCKET" version >/dev/null 2>&1 || die "containerd did not come up"
fi

"$BENCH" -a "$SOCKET" -n "$NAMESPACE" -f "$ARCHIVE" -N "$ITERATIONS"
