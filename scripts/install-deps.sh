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
	# the harness and the bench
	openssl curl ca-certificates iproute2 procps util-linux wrk valgrind
	# it_metrics lints GET /metrics with promtool and reads it with the Prometheus client's parser
	prometheus python3-prometheus-client
)

missing=()
for p in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#PACKAGES[@]} packages are installed"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages (${missing[*]}); run as root" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${PACKAGES[@]}" </dev/null
