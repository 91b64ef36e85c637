#!/bin/sh
# layers-check.sh: the layers of design.md §3, as `make check` enforces them (no services needed).
#
#   support < clients (containerd, cni, store, image) < domain < http < programs
#
# 1. containerd's protobuf stays in app/containerd: no other file includes a generated *.pb-c.h or
#    the client's private call layer (ctd_call.h).
# 2. No file includes the header of a layer above its own.
# Every header of include/berth must be given a layer below: a new one fails until it is.
# Exit 0 when all holds, 1 (with one line per violation) when not.
set -u
top=${srcdir:-.}/
[ -d "${top}app" ] || top=$(dirname "$0")/../
cd "$top" || exit 99

# The layer of a public header: 1 support, 2 clients, 3 domain, 4 http, 5 programs.
header_layer() {
	case $1 in
	err.h | deadline.h | log.h | config.h | safefs.h | strbuf.h | utf8.h | uuid.h | base64.h | agent_wire.h | jsonscan.h | metrics.h | metrics_text.h) echo 1 ;;
	ctd_*.h | cni.h | store_*.h | image_*.h | oci_spec.h | agentc.h | agentc_pool.h) echo 2 ;;
	authz.h | botctr_*.h | botdir.h | resolv.h | skills.h | compat.h | bottools.h | mcpconn.h | botstdio.h | botstdio_fed.h | reconcile.h) echo 3 ;;
	http_*.h) echo 4 ;;
	*) echo 0 ;;
	esac
}

# The layer of a source file by its directory; a public header by its own layer.
file_layer() {
	case $1 in
	app/support/*) echo 1 ;;
	app/containerd/* | app/cni/* | app/store/* | app/image/* | app/agentc/*) echo 2 ;;
	app/domain/*) echo 3 ;;
	app/http/*) echo 4 ;;
	app/programs/* | app/agent/*) echo 5 ;;
	include/berth/*) header_layer "${1#include/berth/}" ;;
	*) echo 0 ;; # tests and benches may use any layer
	esac
}

layer_name() {
	case $1 in
	1) echo support ;; 2) echo clients ;; 3) echo domain ;; 4) echo http ;; 5) echo programs ;;
	esac
}

fail=0
bad() {
	echo "layers-check: $*"
	fail=1
}

for h in include/berth/*.h; do
	[ "$(header_layer "${h#include/berth/}")" = 0 ] &&
		bad "$h has no layer: add it to header_layer in test/layers-check.sh"
done

# 1. protobuf and the call layer stay inside app/containerd. test_ctd_util is the client's
# white-box unit test (the proto subset's wire contract needs the descriptors).
for f in $(find app include test bench -name '*.[ch]' | sort); do
	case $f in app/containerd/* | test/unit/test_ctd_util.c) continue ;; esac
	grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"][^>"]*\(\.pb-c\.h\|ctd_call\.h\)[>"]' "$f" |
		while IFS= read -r line; do
			echo "layers-check: $f:$line: protobuf/call layer outside app/containerd"
		done | grep . && fail=1
done

# 2. No include of a higher layer's header.
for f in $(find app include -name '*.[ch]' | sort); do
	mine=$(file_layer "$f")
	[ "$mine" = 0 ] && continue
	for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"berth\/\([^"]*\)".*/\1/p' "$f"); do
		theirs=$(header_layer "$inc")
		[ "$theirs" -gt "$mine" ] &&
			bad "$f ($(layer_name "$mine")) includes berth/$inc ($(layer_name "$theirs"))"
	done
done

exit $fail
