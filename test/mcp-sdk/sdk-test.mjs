// sdk-test.mjs: the official MCP TypeScript SDK client (Client + StreamableHTTPClientTransport)
// against POST /bots/:bot_id/tools through nginx, with the stack's TLS client certificate (issue #9).
// Run by test/integration/it_tools_sdk, which installs node 22 and the SDK (pinned in
// package.json/package-lock.json here) and makes a running bot. It runs initialize, tools/list
// (every page) and every tool, and checks each result against the container's files as
// `ctr task exec` (the independent observer) sees them. The SDK validates each structuredContent
// against the tool's outputSchema itself.
//
//   node sdk-test.mjs URL CA CERT KEY BOT_ID CTR_ID STACK_SH STACK_DIR
//
// Output: one "PASS: name" or "FAIL: name: why" line per check, then a Check-style summary line
// ("NN%: Checks: N, Failures: F, Errors: E") that test/tally counts; exit 0 when all passed.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Agent, fetch as undiciFetch } from 'undici';

const [url, caPath, certPath, keyPath, botId, ctrId, stackSh, stackDir] = process.argv.slice(2);
if (!stackDir) {
	console.error('usage: node sdk-test.mjs URL CA CERT KEY BOT_ID CTR_ID STACK_SH STACK_DIR');
	process.exit(2);
}

// The client certificate on every request: undici's fetch with a dispatcher that presents it.
const dispatcher = new Agent({
	connect: { ca: readFileSync(caPath), cert: readFileSync(certPath), key: readFileSync(keyPath) },
});
const tlsFetch = (input, init) => undiciFetch(input, { ...init, dispatcher });

let checks = 0, failures = 0, errors = 0, execSeq = 0;
function pass(name) { checks++; console.log(`PASS: ${name}`); }
function fail(name, why) { checks++; failures++; console.log(`FAIL: ${name}: ${why}`); }
function check(name, cond, why) { if (cond) pass(name); else fail(name, why); }

// The container as ctr sees it: sh -c script in the running task; stdout as a Buffer.
function ctrSh(script) {
	return execFileSync(stackSh, ['ctr', stackDir, 'task', 'exec', '--exec-id', `sdk-${process.pid}-${execSeq++}`,
		ctrId, '/bin/sh', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
}
function ctrFile(path) { return ctrSh(`cat '${path}'`); }
function ctrExists(path) { return ctrSh(`test -e '${path}' && echo yes || echo no`).toString().trim() === 'yes'; }

async function run() {
	const transport = new StreamableHTTPClientTransport(new URL(`${url}/bots/${botId}/tools`), { fetch: tlsFetch });
	const client = new Client({ name: 'berth-sdk-test', version: '1.0.0' });
	await client.connect(transport); // initialize + notifications/initialized
	const server = client.getServerVersion();
	check('initialize: server info', server && server.name === 'berth-tools-gateway', JSON.stringify(server));
	check('initialize: tools capability', !!client.getServerCapabilities()?.tools,
		JSON.stringify(client.getServerCapabilities()));
	check('initialize: no session id', transport.sessionId === undefined, `session ${transport.sessionId}`);
	await client.ping();
	pass('ping');

	// tools/list, every page.
	const tools = [];
	let cursor, pages = 0;
	do {
		const page = await client.listTools(cursor ? { cursor } : {});
		tools.push(...page.tools);
		cursor = page.nextCursor;
		pages++;
	} while (cursor && pages < 100);
	const names = tools.map((t) => t.name).sort();
	const want = ['apply_patch', 'delete', 'edit', 'exec', 'grep', 'list', 'mkdir', 'read', 'read_base64', 'rename',
		'stat', 'write'];
	check('tools/list: every tool', want.every((n) => names.includes(n)), `got ${names.join(',')} in ${pages} pages`);
	check('tools/list: names match the pattern', names.every((n) => /^[A-Za-z0-9_.-]{1,64}$/.test(n)), names.join(','));
	check('tools/list: input schemas', tools.every((t) => t.inputSchema && t.inputSchema.type === 'object'), 'schema');

	const call = async (name, args) => {
		const r = await client.callTool({ name, arguments: args });
		if (r.isError)
			throw new Error(`${name} failed: ${JSON.stringify(r.content)}`);
		const text = r.content?.find((c) => c.type === 'text');
		if (!text || JSON.stringify(JSON.parse(text.text)) !== JSON.stringify(r.structuredContent))
			throw new Error(`${name}: the text block is not the structuredContent as JSON`);
		return r.structuredContent;
	};
	const step = async (name, fn) => {
		try {
			await fn();
		} catch (e) {
			fail(name, e && e.message ? e.message : String(e));
		}
	};
	const dir = `/data/sdk-${process.pid}`;

	await step('mkdir', async () => {
		const r = await call('mkdir', { path: `${dir}/a/b` });
		check('mkdir', r.created === true && ctrSh(`test -d ${dir}/a/b && echo d`).toString().trim() === 'd',
			JSON.stringify(r));
	});
	const text = 'line one\r\nünïcödé  trailing  \r\nline three\r\n';
	await step('write', async () => {
		const r = await call('write', { path: `${dir}/a/t.txt`, content: text });
		check('write', r.bytes_written === Buffer.byteLength(text) && ctrFile(`${dir}/a/t.txt`).equals(Buffer.from(text)),
			JSON.stringify(r));
	});
	const bin = Buffer.from([0, 1, 2, 255, 254, 10, 13, 0x80, 0x7f]);
	await step('write base64', async () => {
		const r = await call('write', { path: `${dir}/bin.dat`, content: bin.toString('base64'), encoding: 'base64' });
		check('write base64', r.bytes_written === bin.length && ctrFile(`${dir}/bin.dat`).equals(bin), JSON.stringify(r));
	});
	await step('read', async () => {
		ctrSh(`printf 'from ctr\\n%.0s' 1 2 3 > ${dir}/c.txt`);
		const want = ctrFile(`${dir}/c.txt`).toString();
		const r = await call('read', { path: `${dir}/c.txt` });
		check('read', r.content === want && r.size === want.length && r.truncated === false, JSON.stringify(r));
		const part = await call('read', { path: `${dir}/c.txt`, offset: 2, limit: 4 });
		check('read offset/limit', part.content === want.slice(2, 6) && part.truncated === true, JSON.stringify(part));
	});
	await step('read_base64', async () => {
		const r = await call('read_base64', { path: `${dir}/bin.dat` });
		check('read_base64', Buffer.from(r.data, 'base64').equals(ctrFile(`${dir}/bin.dat`)) && typeof r.mime_type === 'string',
			JSON.stringify(r));
	});
	await step('stat', async () => {
		const r = await call('stat', { path: `${dir}/a/t.txt` });
		const size = Number(ctrSh(`wc -c < ${dir}/a/t.txt`).toString().trim());
		check('stat', r.type === 'file' && r.size === size, JSON.stringify(r));
	});
	await step('list', async () => {
		const r = await call('list', { path: dir, recursive: true });
		const seen = r.entries.map((e) => e.path).sort();
		const want = ctrSh(`cd ${dir} && find . -mindepth 1`).toString().trim().split('\n')
			.map((p) => p.slice(2)).sort(); // entries are relative to the listed directory
		check('list', JSON.stringify(seen) === JSON.stringify(want) && r.truncated === false,
			`${seen.join(',')} vs ${want.join(',')}`);
	});
	await step('edit', async () => {
		const r = await call('edit', { path: `${dir}/a/t.txt`, old_text: 'line three', new_text: 'line 3' });
		check('edit', r.replacements === 1 &&
			ctrFile(`${dir}/a/t.txt`).equals(Buffer.from(text.replace('line three', 'line 3'))), JSON.stringify(r));
	});
	await step('apply_patch', async () => {
		ctrSh(`printf 'a\\nb\\nc\\n' > ${dir}/p.txt`);
		const patch = `--- a/p.txt\n+++ b/p.txt\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n`;
		const r = await call('apply_patch', { path: `${dir}/p.txt`, patch });
		check('apply_patch', r.hunks === 1 && ctrFile(`${dir}/p.txt`).toString() === 'a\nB\nc\n', JSON.stringify(r));
	});
	await step('grep', async () => {
		const r = await call('grep', { pattern: 'from ctr', path: dir, fixed_string: true });
		const want = Number(ctrSh(`grep -r -c 'from ctr' ${dir}/c.txt`).toString().trim());
		check('grep', r.matches.length === want && r.matches.every((m) => m.text === 'from ctr'), JSON.stringify(r));
	});
	await step('rename', async () => {
		const r = await call('rename', { source: `${dir}/p.txt`, destination: `${dir}/q.txt` });
		check('rename', r.destination.endsWith('q.txt') && !ctrExists(`${dir}/p.txt`) &&
			ctrFile(`${dir}/q.txt`).toString() === 'a\nB\nc\n', JSON.stringify(r));
		const again = await client.callTool({ name: 'rename', arguments: { source: `${dir}/q.txt`, destination: `${dir}/c.txt` } });
		check('rename onto an existing file is an error result', again.isError === true && ctrExists(`${dir}/q.txt`),
			JSON.stringify(again));
	});
	await step('exec', async () => {
		const r = await call('exec', { command: `cat ${dir}/c.txt | wc -l; echo err >&2; exit 3` });
		check('exec', r.exit_code === 3 && r.stdout.trim() === '3' && r.stderr === 'err\n' && r.timed_out === false,
			JSON.stringify(r));
		const w = await call('exec', { argv: ['/bin/sh', '-c', `cat > ${dir}/stdin.txt`], stdin: 'via stdin' });
		check('exec argv with stdin', w.exit_code === 0 && ctrFile(`${dir}/stdin.txt`).toString() === 'via stdin',
			JSON.stringify(w));
	});
	await step('delete', async () => {
		const r = await call('delete', { path: dir, recursive: true });
		check('delete', r.deleted === true && !ctrExists(dir), JSON.stringify(r));
	});
	await step('missing file is an error result', async () => {
		const r = await client.callTool({ name: 'read', arguments: { path: `${dir}/nope` } });
		check('missing file is an error result', r.isError === true, JSON.stringify(r));
	});
	await client.close();
}

try {
	await run();
} catch (e) {
	errors++;
	checks++;
	console.log(`FAIL: the session: ${e && e.stack ? e.stack : e}`);
}
await dispatcher.close();
const pct = checks ? Math.floor((100 * (checks - failures - errors)) / checks) : 0;
console.log(`${pct}%: Checks: ${checks}, Failures: ${failures}, Errors: ${errors}`);
process.exit(failures + errors === 0 && checks > 0 ? 0 : 1);
