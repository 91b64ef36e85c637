#!/bin/bash
# Installs the Debian 12 packages Berth needs to build, run and test. The one list of packages,
# shared by the run command (scripts/berth-dev run) and the test command (scripts/berth-dev test).
# Idempotent: when every package is installed already it does nothing (no network).
set -euo pipefail

PACKAGES=(
	# build
	build-essential autoconf automake pkg-config
	libfcgi-dev libpq-dev libjansson-dev libprotobuf-c-dev protobuf-c-compiler libprotobuf-dev
	protobuf-compiler libgrpc-dev check libsubunit-dev libyaml-dev libinih-dev uuid-dev
	libarchive-dev libssl-dev libcurl4-openssl-dev
	# the stack
	containerd runc containernetworking-plugins postgresql-15 nginx-light busybox-static
	golang-github-containerd-containerd-dev
	# the fuzz harnesses (test/run-fuzz): clang and its libFuzzer runtime
	clang libclang-rt-14-dev
	# the house style check (test/format-check.sh)
	clang-format
	# the harness and the bench
	openssl curl ca-certificates iproute2 procps util-linux wrk valgrind
	# the MCP SDK client test (test/integration/it_tools_sdk): npm installs node 22 and the SDK
	npm
	# it_metrics lints GET /metrics with promtool and reads it with the Prometheus client's parser
	prometheus python3-prometheus-client
)
# Packages whose command may come from elsewhere (a nodejs from another repository ships its own
# npm and conflicts with Debian's): the command on PATH satisfies them.
declare -A BY_COMMAND=([npm]=npm)
wanted=()
for p in "${PACKAGES[@]}"; do
	if [ -n "${BY_COMMAND[$p]:-}" ] && command -v "${BY_COMMAND[$p]}" >/dev/null 2>&1; then
		continue
	fi
	wanted+=("$p")
done

missing=()
for p in "${wanted[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#wanted[@]} packages are installed"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages (${missing[*]}); run as root" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${wanted[@]}" </dev/null
