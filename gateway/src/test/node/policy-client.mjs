// An SDK client with a bearer token: lists the tools it may see and calls one, reporting the
// result or the JSON-RPC error as the SDK surfaces it. Prints one JSON line:
// {"tools": [names], "call": {"ok": true, "text": ...} | {"ok": false, "code": n, "message": s, "data": {...}}}
// Usage: node policy-client.mjs <url> --token T --call TOOL [--args JSON]
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

function parseArgs(argv) {
  const opts = { url: undefined, token: undefined, call: undefined, args: '{}' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--token') opts.token = argv[++i];
    else if (a === '--call') opts.call = argv[++i];
    else if (a === '--args') opts.args = argv[++i];
    else if (!opts.url) opts.url = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  if (!opts.url || !opts.call) throw new Error('usage: node policy-client.mjs <url> --token T --call TOOL [--args JSON]');
  return opts;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const headers = opts.token ? { Authorization: `Bearer ${opts.token}` } : {};
  const transport = new StreamableHTTPClientTransport(new URL(opts.url), { requestInit: { headers } });
  const client = new Client({ name: 'policy-client', version: '1.0.0' });
  await client.connect(transport);
  const tools = (await client.listTools()).tools.map((t) => t.name);
  let call;
  try {
    const result = await client.callTool({ name: opts.call, arguments: JSON.parse(opts.args) });
    call = { ok: !result.isError, text: (result.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('\n') };
  } catch (err) {
    call = { ok: false, code: err?.code, message: String(err?.message ?? err), data: err?.data };
  }
  await client.close();
  process.stdout.write(`${JSON.stringify({ tools, call })}\n`);
}

main().then(() => process.exit(0), (err) => {
  process.stderr.write(`policy-client: ${err?.stack ?? err}\n`);
  process.exit(1);
});
