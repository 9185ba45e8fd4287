#!/usr/bin/env node
// Portcullis test peer: an MCP server over stdio (the SDK's low-level Server) whose lists come in
// pages, so the gateway's own cursors can be tested across backends.
//
// Usage: node paging-server.mjs [--tools N] [--resources N] [--page N]
//   tools page-tool-00 .. page-tool-(N-1) (default 25), each answering "page-tool-XX ok";
//   resources paged://item/00 .. (default 12), each reading as "item XX"; pages of --page (default 10).
// A cursor is the index of the page's first item as a decimal string; any other cursor is -32602.

import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  CallToolRequestSchema, ListToolsRequestSchema, ListResourcesRequestSchema, ReadResourceRequestSchema, McpError, ErrorCode,
} from '@modelcontextprotocol/sdk/types.js';

const opts = { tools: 25, resources: 12, page: 10 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const key = argv[i].replace(/^--/, '');
  if (!(key in opts)) throw new Error(`unknown option ${argv[i]}`);
  opts[key] = Number(argv[++i]);
}

const pad = (n) => String(n).padStart(2, '0');
const tools = Array.from({ length: opts.tools }, (_, i) => ({
  name: `page-tool-${pad(i)}`,
  description: `tool ${i} of a paged list`,
  inputSchema: { type: 'object', properties: {} },
  annotations: { readOnlyHint: true },
}));
const resources = Array.from({ length: opts.resources }, (_, i) => ({ uri: `paged://item/${pad(i)}`, name: `item-${pad(i)}` }));

function page(items, cursor) {
  const start = cursor === undefined ? 0 : Number(cursor);
  if (cursor !== undefined && (!/^[0-9]+$/.test(cursor) || start >= items.length)) {
    throw new McpError(ErrorCode.InvalidParams, `bad cursor ${cursor}`);
  }
  const end = Math.min(items.length, start + opts.page);
  return { items: items.slice(start, end), nextCursor: end < items.length ? String(end) : undefined };
}

const server = new Server({ name: 'paging-server', version: '1.0.0' }, { capabilities: { tools: {}, resources: {} } });
server.setRequestHandler(ListToolsRequestSchema, (req) => {
  const p = page(tools, req.params?.cursor);
  return { tools: p.items, ...(p.nextCursor ? { nextCursor: p.nextCursor } : {}) };
});
server.setRequestHandler(CallToolRequestSchema, (req) => {
  if (!tools.some((t) => t.name === req.params.name)) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${req.params.name}`);
  return { content: [{ type: 'text', text: `${req.params.name} ok` }] };
});
server.setRequestHandler(ListResourcesRequestSchema, (req) => {
  const p = page(resources, req.params?.cursor);
  return { resources: p.items, ...(p.nextCursor ? { nextCursor: p.nextCursor } : {}) };
});
server.setRequestHandler(ReadResourceRequestSchema, (req) => {
  const r = resources.find((x) => x.uri === req.params.uri);
  if (!r) throw new McpError(-32002, `Resource not found: ${req.params.uri}`);
  return { contents: [{ uri: r.uri, mimeType: 'text/plain', text: `item ${r.uri.slice(-2)}` }] };
});
await server.connect(new StdioServerTransport());
