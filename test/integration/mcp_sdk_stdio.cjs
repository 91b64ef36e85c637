// mcp_sdk_stdio.cjs: the official MCP TypeScript SDK client (Streamable HTTP transport) talking to
// a stdio session through its relay URL, or to a bot's tools gateway with a federated stdio
// connection, with the test's client certificate (it_stdio.c runs it).
//   node mcp_sdk_stdio.cjs URL CA CERT KEY [TOOL]   (NODE_PATH: a node_modules with
//                                                    @modelcontextprotocol/sdk and undici)
// Lists the tools (every page) and calls TOOL (default echo) with {text: "through the sdk"}.
// Prints one JSON line {tools:[names], echo:text} and exits 0, or prints the error and exits 1.
'use strict';
const fs = require('node:fs');
const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
const { StreamableHTTPClientTransport } = require('@modelcontextprotocol/sdk/client/streamableHttp.js');
const { Agent, fetch } = require('undici');

async function main() {
	const [url, ca, cert, key, tool = 'echo'] = process.argv.slice(2);
	const dispatcher = new Agent({
		connect: { ca: fs.readFileSync(ca), cert: fs.readFileSync(cert), key: fs.readFileSync(key) },
	});
	const transport = new StreamableHTTPClientTransport(new URL(url), {
		fetch: (u, init) => fetch(u, { ...init, dispatcher }),
	});
	const client = new Client({ name: 'berth-it-stdio', version: '1.0.0' });
	await client.connect(transport);
	const names = [];
	let cursor;
	do {
		const page = await client.listTools(cursor ? { cursor } : undefined);
		names.push(...page.tools.map((t) => t.name));
		cursor = page.nextCursor;
	} while (cursor);
	const res = await client.callTool({ name: tool, arguments: { text: 'through the sdk' } });
	if (res.isError) throw new Error(`${tool}: ${JSON.stringify(res.content)}`);
	console.log(JSON.stringify({ tools: names, echo: res.content[0].text }));
	await client.close();
	await dispatcher.close();
}

main().then(
	() => process.exit(0),
	(e) => {
		console.log(String(e && e.stack ? e.stack : e));
		process.exit(1);
	},
);
