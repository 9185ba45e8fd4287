#!/usr/bin/env node
// Portcullis test peer: a real MCP client (SDK Client + StreamableHTTPClientTransport)
// meant to talk to @modelcontextprotocol/server-everything, directly or through
// the gateway.
//
// Usage: node sdk-client.mjs <url> [--duration S] [--steps N] [--no-terminate]
//   <url>           e.g. http://127.0.0.1:3001/mcp
//   --duration S    seconds for the long-running tool (default 2)
//   --steps N       progress steps for the long-running tool (default 4)
//   --no-terminate  do not end the session with DELETE at the end
//
// It connects, lists tools, calls `echo` with "hello portcullis", then calls the
// long-running tool (trigger-long-running-operation, or the older
// longRunningOperation) with a progress callback, and finally terminates the
// session (HTTP DELETE; a 405 answer is accepted).
//
// stdout: "SESSION <id>" once connected, then as the last line one JSON object:
//   {"serverName", "sessionId", "protocolVersion", "tools": [names], "echo": text,
//    "progress": [{"progress", "total", "atMs"}], "resultAtMs", "longRunningResult": text}
// atMs / resultAtMs are milliseconds since the long-running call was sent.
// Any failure: message on stderr, exit code 1.

import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const LONG_RUNNING_NAMES = ['trigger-long-running-operation', 'longRunningOperation'];

function parseArgs(argv) {
  const opts = { url: undefined, duration: 2, steps: 4, terminate: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--duration') opts.duration = Number(argv[++i]);
    else if (a === '--steps') opts.steps = Number(argv[++i]);
    else if (a === '--no-terminate') opts.terminate = false;
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else if (opts.url === undefined) opts.url = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  if (!opts.url) throw new Error('usage: node sdk-client.mjs <url> [--duration S] [--steps N] [--no-terminate]');
  if (!(opts.duration > 0) || !(Number.isInteger(opts.steps) && opts.steps > 0)) {
    throw new Error('--duration must be > 0 and --steps a positive integer');
  }
  return opts;
}

function textOf(result, what) {
  if (result.isError) {
    throw new Error(`${what} returned isError: ${JSON.stringify(result.content)}`);
  }
  const texts = (result.content ?? []).filter((c) => c.type === 'text').map((c) => c.text);
  if (texts.length === 0) throw new Error(`${what} returned no text content: ${JSON.stringify(result)}`);
  return texts.join('\n');
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const client = new Client({ name: 'portcullis-sdk-client', version: '1.0.0' }, { capabilities: {} });
  client.onerror = (err) => process.stderr.write(`client error: ${err?.message ?? err}\n`);
  const transport = new StreamableHTTPClientTransport(new URL(opts.url));

  await client.connect(transport);
  const sessionId = transport.sessionId;
  process.stdout.write(`SESSION ${sessionId ?? '(none)'}\n`);
  const server = client.getServerVersion();

  const { tools } = await client.listTools();
  const toolNames = tools.map((t) => t.name);

  if (!toolNames.includes('echo')) throw new Error(`server has no echo tool; tools: ${toolNames.join(', ')}`);
  const echo = textOf(await client.callTool({ name: 'echo', arguments: { message: 'hello portcullis' } }), 'echo');

  const longName = LONG_RUNNING_NAMES.find((n) => toolNames.includes(n));
  if (!longName) throw new Error(`server has no long-running tool (${LONG_RUNNING_NAMES.join(' / ')})`);
  const progress = [];
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const longResult = await client.callTool(
    { name: longName, arguments: { duration: opts.duration, steps: opts.steps } },
    undefined,
    {
      onprogress: (p) => progress.push({ progress: p.progress, total: p.total, atMs: elapsed() }),
      timeout: Math.max(60000, opts.duration * 1000 * 3),
      resetTimeoutOnProgress: true,
    },
  );
  const resultAtMs = elapsed();
  const longRunningResult = textOf(longResult, longName);

  if (opts.terminate) await transport.terminateSession();
  await client.close();

  process.stdout.write(`${JSON.stringify({
    serverName: server?.name,
    sessionId: sessionId ?? null,
    protocolVersion: transport.protocolVersion ?? null,
    tools: toolNames,
    echo,
    progress,
    resultAtMs,
    longRunningResult,
  })}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`sdk-client: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
