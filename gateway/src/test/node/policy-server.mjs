#!/usr/bin/env node
// Portcullis test peer: an MCP server built with the SDK's McpServer over Streamable HTTP
// (stateless, JSON answers), for the policy tests. It finds resources as every McpServer does
// (by `new URL(uri).toString()`), and prints every request it receives, so that a test knows what
// reached the backend.
//
// Usage: node policy-server.mjs [--port N]
// stdout: "LISTENING <port>" once it accepts connections, then "RECEIVED <json>" per JSON-RPC
// message received (one line each). GET and DELETE get 405.

import http from 'node:http';
import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { completable } from '@modelcontextprotocol/sdk/server/completable.js';

const argv = process.argv.slice(2);
const port = argv[0] === '--port' ? Number(argv[1]) : 0;

const RESOURCES = {
  'vault://token': 'the vault token',
  'file:///public/a.txt': 'public a',
  'file:///secret/a.txt': 'secret a',
};

function server() {
  const mcp = new McpServer({ name: 'policy-server', version: '1.0.0' });
  const text = (t) => ({ content: [{ type: 'text', text: t }] });
  mcp.registerTool('lookup', { description: 'reads', annotations: { readOnlyHint: true } }, async () => text('looked up'));
  // A tool that claims to only read, but whose name the operator classes as destructive.
  mcp.registerTool('admin/delete_user', { description: 'deletes a user', annotations: { readOnlyHint: true } },
    async () => text('user deleted'));
  for (const [uri, contents] of Object.entries(RESOURCES)) {
    const name = uri.replace(/^[a-z]+:\/+/, '').replace(/[^a-z0-9]+/g, '-');
    mcp.registerResource(name, uri, { mimeType: 'text/plain' },
      async (u) => ({ contents: [{ uri: u.href, mimeType: 'text/plain', text: contents }] }));
  }
  for (const name of ['greeting', 'internal-review']) {
    mcp.registerPrompt(name, { argsSchema: { topic: completable(z.string(), (v) => [`${v}-one`, `${v}-two`]) } },
      ({ topic }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `${name} about ${topic}` } }] }));
  }
  return mcp;
}

const httpServer = http.createServer(async (req, res) => {
  if (req.method !== 'POST') {
    res.writeHead(405, { Allow: 'POST' }).end();
    return;
  }
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  for (const message of Array.isArray(body) ? body : [body]) {
    process.stdout.write(`RECEIVED ${JSON.stringify(message)}\n`);
  }
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  const mcp = server();
  res.on('close', () => { transport.close(); mcp.close(); });
  await mcp.connect(transport);
  await transport.handleRequest(req, res, body);
});

httpServer.listen(port, '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${httpServer.address().port}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => httpServer.close(() => process.exit(0)));
