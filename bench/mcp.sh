#!/usr/bin/env bash
# bench/mcp.sh [STACK_DIR] [N]: the tools gateway (issue #9) against exec through ctr, in one run.
#   read of a 4 KiB file through POST /bots/:id/tools (nginx, TLS with the client certificate,
#   keep-alive) vs `ctr task exec cat` of the same file: p50 ratio (goal >= 30);
#   the same read vs GET /me on the same connection: the agent hop's cost (goal <= 50% more);
#   exec of `true` through /tools vs `ctr task exec true`: p50 ratio (goal >= 5);
#   the agent's RSS (PID 1 of the bot's container) idle and its peak under that load;
#   a stdio MCP session's relay (issue #10): tools/call of the test server's echo through
#   POST /bots/:id/mcp-stdio/:connection_id vs GET /me: p50 ratio (goal <= 2).
# Use a build without sanitizers (BERTH_BUILDDIR=<plain build> at the stack's first start).
# The HTTPS client is python3's http.client (one kept-alive TLS connection, like an MCP client).
set -euo pipefail
SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACK_SH=$SRCDIR/scripts/stack.sh
# shellcheck source=bench/lib.sh
. "$SRCDIR/bench/lib.sh"
N=${2:-300}
N_CTR=${BENCH_CTR_N:-40}

if [ $# -ge 1 ]; then bench_stack_open "$1"; else bench_stack_open; fi
trap bench_stack_close EXIT
bench_stack_start

user=bench-mcp-$$
"$STACK_SH" berthctl "$STACK" user create "$user" >/dev/null
bot=$("$STACK_SH" berthctl "$STACK" bot create "$user-bot" --owner "$user" | tail -1)
ctr_id=mcp-$bot
say "bot $bot"
curl_admin() { curl -sSk --cert "$BERTH_ADMIN_CERT" --key "$BERTH_ADMIN_KEY" --cacert "$BERTH_CA" "$@"; }
curl_admin -X POST "$BERTH_URL/bots/$bot/container" >/dev/null
CTR=(ctr --address "$BERTH_CONTAINERD_SOCKET" -n "$BERTH_CONTAINERD_NAMESPACE")
"${CTR[@]}" task exec --exec-id bench-prep "$ctr_id" /bin/sh -c 'head -c 4096 /dev/urandom | base64 -w 0 | head -c 4096 > /data/bench4k.txt'
# The stdio echo server of the tests (test/agent/mcp-testsrv, static) in the bot's /data.
eval "$("$STACK_SH" env "$STACK")"
testsrv=$BERTH_BUILDDIR/test/agent/mcp-testsrv
[ -x "$testsrv" ] || make -s -C "$BERTH_BUILDDIR" test/agent/mcp-testsrv >/dev/null || die "cannot build $testsrv"
install -m 0755 "$testsrv" "$BERTH_DATA_ROOT/bots/$bot/mcp-testsrv"
session=$(curl_admin -X POST -H 'Content-Type: application/json' \
	--data '{"name":"bench","command":"/data/mcp-testsrv"}' "$BERTH_URL/bots/$bot/mcp-stdio" |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["connection_id"])') || die "no stdio session"
pid=$("${CTR[@]}" task ls | awk -v id="$ctr_id" '$1 == id { print $2 }')
rss() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$pid/status"; }
rss_idle=$(rss VmRSS)

p50_ctr() { # CMD... -> p50 ms of N_CTR ctr task exec runs
	local i t0 t1
	for ((i = 0; i < N_CTR; i++)); do
		t0=$(date +%s%N)
		"${CTR[@]}" task exec --exec-id "bench-$$-$i" "$ctr_id" "$@" >/dev/null
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000))
	done | sort -n | awk '{ a[NR] = $1 } END { printf "%.3f\n", a[int((NR + 1) / 2)] / 1000 }'
}
say "ctr task exec ($N_CTR runs each)"
ctr_cat=$(p50_ctr cat /data/bench4k.txt)
ctr_true=$(p50_ctr true)

say "HTTPS keep-alive ($N requests each)"
read -r me_p50 read_p50 exec_p50 relay_p50 < <(python3 - "$BERTH_URL" "$BERTH_CA" "$BERTH_ADMIN_CERT" "$BERTH_ADMIN_KEY" "$bot" "$N" "$session" <<'PY'
import http.client, json, ssl, statistics, sys, time, urllib.parse
url, ca, cert, key, bot, n, session = sys.argv[1:8]
n = int(n)
u = urllib.parse.urlparse(url)
ctx = ssl.create_default_context(cafile=ca)
ctx.load_cert_chain(cert, key)
conn = http.client.HTTPSConnection(u.hostname, u.port, context=ctx)
hdr = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
def call(name, args):
    return json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": args}})
def p50(method, path, body, check):
    times = []
    for i in range(n + 20):
        t0 = time.perf_counter()
        conn.request(method, path, body=body, headers=hdr if body else {})
        r = conn.getresponse()
        data = r.read()
        t = time.perf_counter() - t0
        if r.status != 200 or not check(data):
            sys.exit("bench: unexpected reply %d %.200r" % (r.status, data))
        if i >= 20:
            times.append(t * 1000)
    return statistics.median(times)
me = p50("GET", "/me", None, lambda d: True)
rd = p50("POST", "/bots/%s/tools" % bot, call("read", {"path": "bench4k.txt"}),
         lambda d: len(json.loads(d)["result"]["structuredContent"]["content"]) == 4096)
ex = p50("POST", "/bots/%s/tools" % bot, call("exec", {"argv": ["true"]}),
         lambda d: json.loads(d)["result"]["structuredContent"]["exit_code"] == 0)
rl = p50("POST", "/bots/%s/mcp-stdio/%s" % (bot, session), call("echo", {"text": "bench"}),
         lambda d: json.loads(d)["result"]["content"][0]["text"] == "bench")
print("%.3f %.3f %.3f %.3f" % (me, rd, ex, rl))
PY
)
rss_peak=$(rss VmHWM)
rss_after=$(rss VmRSS)
curl_admin -X DELETE "$BERTH_URL/bots/$bot/container" >/dev/null

awk -v me="$me_p50" -v rd="$read_p50" -v ex="$exec_p50" -v rl="$relay_p50" -v cc="$ctr_cat" -v ct="$ctr_true" \
	-v ri="$rss_idle" -v rp="$rss_peak" -v ra="$rss_after" 'BEGIN {
	printf "read 4 KiB via /tools   p50 %8.3f ms | ctr task exec cat  p50 %8.3f ms | ratio %6.1fx (goal >= 30)\n", rd, cc, cc / rd
	printf "read 4 KiB via /tools   p50 %8.3f ms | GET /me            p50 %8.3f ms | hop   %+6.0f%% (goal <= +50%%)\n", rd, me, (rd / me - 1) * 100
	printf "exec true via /tools    p50 %8.3f ms | ctr task exec true p50 %8.3f ms | ratio %6.1fx (goal >= 5)\n", ex, ct, ct / ex
	printf "stdio relay echo        p50 %8.3f ms | GET /me            p50 %8.3f ms | ratio %6.2fx (goal <= 2)\n", rl, me, rl / me
	printf "agent RSS: idle %d KiB, peak under load %d KiB, after load %d KiB (goal idle <= 2048)\n", ri, rp, ra
}'
