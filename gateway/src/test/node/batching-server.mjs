#!/usr/bin/env node
// Portcullis test peer: a 2025-03-26 MCP server over stdio, written by hand because the SDK never
// sends a JSON-RPC batch. It answers every tools/call with one stdout line holding a batch: a
// progress notification (when the call carries a progress token), then the call's result.
//
// Usage: node batching-server.mjs
//   one tool, `batched`, answering "batched <arguments.text>".

import { createInterface } from 'node:readline';

const send = (value) => process.stdout.write(JSON.stringify(value) + '\n');
const result = (id, value) => ({ jsonrpc: '2.0', id, result: value });

createInterface({ input: process.stdin }).on('line', (line) => {
  if (!line.trim()) return;
  const message = JSON.parse(line);
  // Notifications and responses need no answer.
  if (message.id === undefined || message.method === undefined) return;
  switch (message.method) {
    case 'initialize':
      send(result(message.id, {
        protocolVersion: '2025-03-26',
        capabilities: { tools: {} },
        serverInfo: { name: 'batching-server', version: '1.0.0' },
      }));
      break;
    case 'ping':
      send(result(message.id, {}));
      break;
    case 'tools/list':
      send(result(message.id, { tools: [{ name: 'batched', inputSchema: { type: 'object' } }] }));
      break;
    case 'tools/call': {
      const token = message.params?._meta?.progressToken;
      const batch = token === undefined ? [] : [{
        jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress: 1, total: 1 },
      }];
      batch.push(result(message.id, { content: [{ type: 'text', text: `batched ${message.params?.arguments?.text ?? ''}` }] }));
      send(batch);
      break;
    }
    default:
      send({ jsonrpc: '2.0', id: message.id, error: { code: -32601, message: 'Method not found' } });
  }
});
