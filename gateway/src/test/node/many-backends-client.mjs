#!/usr/bin/env node
// Portcullis test peer: a real MCP client (the SDK's Client over Streamable HTTP) that drives a
// gateway fronting several backends and reports what it saw.
//
// Usage: node many-backends-client.mjs <url> <actions.json>
//   actions.json: a JSON array run in order; each action is one of
//     {"do": "listAll", "what": "tools"|"prompts"|"resources"|"resourceTemplates"}
//         every page, following nextCursor; reports {names | uris, pages}
//     {"do": "call", "name": "...", "arguments": {...}}     reports {isError, text}
//     {"do": "read", "uri": "..."}                          reports {texts: [...]} or {error}
//     {"do": "getPrompt", "name": "...", "arguments": {...}} reports {messages: n} or {error}
//     {"do": "waitForToolsChanged", "timeoutMs": N}         waits for notifications/tools/list_changed
//         (returns at once if one already came); reports {toolsChanged: count so far}
//     {"do": "subscribe", "uri": "..."}                     resources/subscribe; reports {subscribed: uri}
//     {"do": "waitForResourceUpdated", "timeoutMs": N}      waits for notifications/resources/updated
//         (returns at once if one already came); reports {updated: [uris so far]}
//     {"do": "touch", "path": "..."}                        creates (or truncates) the file; reports {touched: path}
//     {"do": "waitForFile", "path": "...", "timeoutMs": N}  waits until the file exists (polls every 20 ms,
//         default timeout 30000); reports {waitedMs} or, after the timeout, {error}
//         touch + waitForFile let a test act between two actions (say, restart a backend):
//         the script touches one file, the test sees it, acts, then creates the file the script waits for.
// stdout: "SESSION <id>" once connected, then as the last line a JSON array with one report per action.
// A failing call is reported ({"error": {code, message}}), not thrown; anything else failing exits 1.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceUpdatedNotificationSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

const [url, actionsFile] = process.argv.slice(2);
if (!url || !actionsFile) throw new Error('usage: node many-backends-client.mjs <url> <actions.json>');
const actions = JSON.parse(readFileSync(actionsFile, 'utf8'));

const client = new Client({ name: 'portcullis-many-backends', version: '1.0.0' }, { capabilities: {} });
let toolsChanged = 0;
const toolsChangedWaiters = [];
client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
  toolsChanged++;
  toolsChangedWaiters.splice(0).forEach((w) => w());
});
const updated = [];
const updatedWaiters = [];
client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
  updated.push(n.params.uri);
  updatedWaiters.splice(0).forEach((w) => w());
});
const transport = new StreamableHTTPClientTransport(new URL(url));
await client.connect(transport);
process.stdout.write(`SESSION ${transport.sessionId}\n`);

const errorOf = (e) => ({ error: { code: e?.code ?? null, message: String(e?.message ?? e) } });
const texts = (content) => (content ?? []).filter((c) => c.type === 'text').map((c) => c.text);

async function listAll(what) {
  const method = { tools: 'listTools', prompts: 'listPrompts', resources: 'listResources', resourceTemplates: 'listResourceTemplates' }[what];
  const key = { tools: 'name', prompts: 'name', resources: 'uri', resourceTemplates: 'uriTemplate' }[what];
  const items = [];
  let cursor;
  let pages = 0;
  do {
    const result = await client[method](cursor ? { cursor } : undefined);
    pages++;
    items.push(...result[what].map((i) => i[key]));
    cursor = result.nextCursor;
  } while (cursor && pages < 50);
  return { items, pages };
}

const reports = [];
for (const a of actions) {
  try {
    if (a.do === 'listAll') reports.push(await listAll(a.what));
    else if (a.do === 'call') {
      const r = await client.callTool({ name: a.name, arguments: a.arguments ?? {} });
      reports.push({ isError: Boolean(r.isError), text: texts(r.content).join('\n') });
    } else if (a.do === 'read') {
      const r = await client.readResource({ uri: a.uri });
      reports.push({ texts: r.contents.map((c) => c.text ?? `(blob ${c.blob?.length})`) });
    } else if (a.do === 'getPrompt') {
      const r = await client.getPrompt({ name: a.name, arguments: a.arguments ?? {} });
      reports.push({ messages: r.messages.length });
    } else if (a.do === 'waitForToolsChanged') {
      if (toolsChanged === 0) {
        await new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no tools/list_changed in time')), a.timeoutMs ?? 30000);
          toolsChangedWaiters.push(() => { clearTimeout(timer); resolve(); });
        });
      }
      reports.push({ toolsChanged });
    } else if (a.do === 'subscribe') {
      await client.subscribeResource({ uri: a.uri });
      reports.push({ subscribed: a.uri });
    } else if (a.do === 'waitForResourceUpdated') {
      if (updated.length === 0) {
        await new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no resources/updated in time')), a.timeoutMs ?? 30000);
          updatedWaiters.push(() => { clearTimeout(timer); resolve(); });
        });
      }
      reports.push({ updated: [...updated] });
    } else if (a.do === 'touch') {
      writeFileSync(a.path, '');
      reports.push({ touched: a.path });
    } else if (a.do === 'waitForFile') {
      const started = Date.now();
      const timeoutMs = a.timeoutMs ?? 30000;
      while (!existsSync(a.path)) {
        if (Date.now() - started > timeoutMs) throw new Error(`no file ${a.path} within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      reports.push({ waitedMs: Date.now() - started });
    } else throw new Error(`unknown action ${JSON.stringify(a)}`);
  } catch (e) {
    reports.push(errorOf(e));
  }
}
await transport.terminateSession().catch(() => {});
await client.close();
process.stdout.write(`${JSON.stringify(reports)}\n`);
process.exit(0);
