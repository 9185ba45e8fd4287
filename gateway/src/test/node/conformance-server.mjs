#!/usr/bin/env node
// Portcullis test peer: a Streamable HTTP MCP server that implements every
// tool, resource, template and prompt the @modelcontextprotocol/conformance
// *server* scenarios look for (conformance 0.1.16), so that the suite can be
// run either directly against it or through the Portcullis gateway.
//
// Usage: node conformance-server.mjs [--port N] [--retry-ms N]
//                                    [--allowed-hosts a,b] [--strict-protocol-header]
//                                    [--verbose]
//   --port N                  TCP port on 127.0.0.1 (default 0 = pick a free one)
//   --retry-ms N              SSE "retry:" value sent in priming events (default 1000)
//   --allowed-hosts a,b       extra host names accepted in Host/Origin (besides
//                             localhost, 127.0.0.1 and [::1])
//   --strict-protocol-header  do NOT upgrade a stale MCP-Protocol-Version header to
//                             the version negotiated for the session (see README)
//   --verbose                 log every HTTP request to stderr
//
// Prints exactly one line "LISTENING <port>" on stdout once it accepts
// connections; everything else goes to stderr. MCP is served at /mcp.

import http from 'node:http';
import zlib from 'node:zlib';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import {
  CreateMessageResultSchema,
  ElicitResultSchema,
  ListToolsRequestSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  LATEST_PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
  isInitializeRequest,
} from '@modelcontextprotocol/sdk/types.js';

// ---------------------------------------------------------------------------
// command line

function parseArgs(argv) {
  const opts = {
    port: 0,
    retryMs: 1000,
    allowedHosts: ['localhost', '127.0.0.1', '[::1]'],
    strictProtocolHeader: false,
    verbose: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`missing value for ${a}`);
      return v;
    };
    if (a === '--port' || a.startsWith('--port=')) opts.port = Number(value());
    else if (a === '--retry-ms' || a.startsWith('--retry-ms=')) opts.retryMs = Number(value());
    else if (a === '--allowed-hosts' || a.startsWith('--allowed-hosts=')) {
      opts.allowedHosts.push(...value().split(',').map((s) => s.trim().toLowerCase()).filter(Boolean));
    } else if (a === '--strict-protocol-header') opts.strictProtocolHeader = true;
    else if (a === '--verbose') opts.verbose = true;
    else if (a === '--help' || a === '-h') {
      process.stderr.write('usage: node conformance-server.mjs [--port N] [--retry-ms N] '
        + '[--allowed-hosts a,b] [--strict-protocol-header] [--verbose]\n');
      process.exit(0);
    } else throw new Error(`unknown argument: ${a}`);
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    throw new Error(`bad --port: ${opts.port}`);
  }
  if (!Number.isFinite(opts.retryMs) || opts.retryMs < 0) throw new Error(`bad --retry-ms: ${opts.retryMs}`);
  return opts;
}

let OPTS;
try {
  OPTS = parseArgs(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`conformance-server: ${e.message}\n`);
  process.exit(2);
}

const log = (...parts) => {
  if (OPTS.verbose) process.stderr.write(`[conformance-server] ${parts.join(' ')}\n`);
};

// ---------------------------------------------------------------------------
// small media fixtures, generated here rather than pasted in

/** A solid-colour PNG of the given size, built by hand (signature + IHDR + IDAT + IEND). */
function makePng(width, height, [r, g, b]) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(typeAndData) >>> 0);
    return Buffer.concat([len, typeAndData, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour RGB
  ihdr[10] = 0; // compression
  ihdr[11] = 0; // filter
  ihdr[12] = 0; // no interlace
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x++) row.set([r, g, b], 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A short mono 16-bit PCM WAV: a 440 Hz tone. */
function makeWav(durationMs = 50, sampleRate = 8000) {
  const samples = Math.round((sampleRate * durationMs) / 1000);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / sampleRate)), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

const RED_PIXEL_PNG = makePng(1, 1, [255, 0, 0]).toString('base64');
const TONE_WAV = makeWav().toString('base64');

// ---------------------------------------------------------------------------
// per-session resumability: an in-memory event store

/**
 * Event ids are "<streamId>.<sequence>", so the stream an id belongs to is
 * always known and replay only ever sends later events of that same stream.
 */
class SessionEventStore {
  constructor(limit = 5000) {
    this.limit = limit;
    this.seq = 0;
    this.events = new Map(); // eventId -> { streamId, seq, message }
  }

  async storeEvent(streamId, message) {
    const seq = ++this.seq;
    const eventId = `${streamId}.${seq}`;
    this.events.set(eventId, { streamId, seq, message });
    while (this.events.size > this.limit) {
      this.events.delete(this.events.keys().next().value);
    }
    return eventId;
  }

  async getStreamIdForEventId(eventId) {
    return this.events.get(eventId)?.streamId;
  }

  async replayEventsAfter(lastEventId, { send }) {
    const last = this.events.get(lastEventId);
    if (!last) throw new Error(`unknown event id ${lastEventId}`);
    for (const [eventId, ev] of this.events) {
      if (ev.streamId !== last.streamId || ev.seq <= last.seq) continue;
      // priming events carry an empty message: nothing to replay
      if (ev.message && Object.keys(ev.message).length === 0) continue;
      await send(eventId, ev.message);
    }
    return last.streamId;
  }
}

// ---------------------------------------------------------------------------
// the MCP server (one McpServer per session)

const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (t) => ({ type: 'text', text: t });

// The SEP-1613 schema must reach the client byte-for-byte; McpServer would
// regenerate it from zod (as draft-07), so tools/list is patched to send this.
const JSON_SCHEMA_2020_12 = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  $defs: {
    address: {
      type: 'object',
      properties: {
        street: { type: 'string' },
        city: { type: 'string' },
      },
    },
  },
  properties: {
    name: { type: 'string' },
    address: { $ref: '#/$defs/address' },
  },
  additionalProperties: false,
};
const RAW_INPUT_SCHEMAS = { json_schema_2020_12_tool: JSON_SCHEMA_2020_12 };

function buildServer(state) {
  const mcp = new McpServer(
    { name: 'portcullis-conformance-fixture', version: '1.0.0' },
    {
      // tools/resources/prompts are declared by McpServer as things get
      // registered (declaring them here would install its tools/list handler
      // before the wrapper below is in place).
      capabilities: { logging: {}, completions: {} },
      instructions: 'Conformance fixture for the Portcullis MCP gateway tests.',
    },
  );
  const server = mcp.server;

  // Wrap the tools/list handler McpServer installs, so tools listed in
  // RAW_INPUT_SCHEMAS are advertised with their hand-written JSON Schema.
  const setRequestHandler = server.setRequestHandler.bind(server);
  server.setRequestHandler = (schema, handler) => {
    if (schema !== ListToolsRequestSchema) return setRequestHandler(schema, handler);
    return setRequestHandler(schema, async (request, extra) => {
      const result = await handler(request, extra);
      return {
        ...result,
        tools: result.tools.map((tool) =>
          RAW_INPUT_SCHEMAS[tool.name] ? { ...tool, inputSchema: RAW_INPUT_SCHEMAS[tool.name] } : tool),
      };
    });
  };

  // logging/setLevel: remember the level; tool log messages honour it.
  setRequestHandler(SetLevelRequestSchema, async (request) => {
    state.logLevel = request.params.level;
    return {};
  });
  const logTo = async (extra, level, data) => {
    if (LOG_LEVELS.indexOf(level) < LOG_LEVELS.indexOf(state.logLevel)) return;
    await extra.sendNotification({
      method: 'notifications/message',
      params: { level, logger: 'conformance-fixture', data },
    });
  };

  // resources/subscribe and unsubscribe (McpServer has no built-in handler).
  setRequestHandler(SubscribeRequestSchema, async (request) => {
    const { uri } = request.params;
    state.subscriptions.add(uri);
    // Announce one change shortly after, on the standalone (GET) stream, so
    // server-initiated notifications get exercised too.
    setTimeout(() => {
      if (state.subscriptions.has(uri)) server.sendResourceUpdated({ uri }).catch(() => {});
    }, 100).unref();
    return {};
  });
  setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    state.subscriptions.delete(request.params.uri);
    return {};
  });

  // ---- tools --------------------------------------------------------------

  mcp.registerTool('test_simple_text', {
    description: 'Returns a fixed text content item',
  }, async () => ({ content: [text('This is a simple text response for testing.')] }));

  mcp.registerTool('test_image_content', {
    description: 'Returns a 1x1 red PNG image content item',
  }, async () => ({ content: [{ type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' }] }));

  mcp.registerTool('test_audio_content', {
    description: 'Returns a short WAV audio content item',
  }, async () => ({ content: [{ type: 'audio', data: TONE_WAV, mimeType: 'audio/wav' }] }));

  mcp.registerTool('test_embedded_resource', {
    description: 'Returns an embedded text resource',
  }, async () => ({
    content: [{
      type: 'resource',
      resource: {
        uri: 'test://embedded-resource',
        mimeType: 'text/plain',
        text: 'This is an embedded resource content.',
      },
    }],
  }));

  mcp.registerTool('test_multiple_content_types', {
    description: 'Returns text, image and embedded resource content together',
  }, async () => ({
    content: [
      text('Multiple content types test:'),
      { type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' },
      {
        type: 'resource',
        resource: {
          uri: 'test://mixed-content-resource',
          mimeType: 'application/json',
          text: JSON.stringify({ test: 'data', value: 123 }),
        },
      },
    ],
  }));

  mcp.registerTool('test_tool_with_logging', {
    description: 'Sends three info log notifications while it runs',
  }, async (extra) => {
    await logTo(extra, 'info', 'Tool execution started');
    await sleep(50);
    await logTo(extra, 'info', 'Tool processing data');
    await sleep(50);
    await logTo(extra, 'info', 'Tool execution completed');
    return { content: [text('Tool with logging executed successfully')] };
  });

  mcp.registerTool('test_error_handling', {
    description: 'Always fails with isError: true',
  }, async () => ({
    isError: true,
    content: [text('This tool intentionally returns an error for testing')],
  }));

  mcp.registerTool('test_tool_with_progress', {
    description: 'Reports progress 0, 50 and 100 of 100 when given a progressToken',
  }, async (extra) => {
    const token = extra._meta?.progressToken;
    for (const [i, progress] of [0, 50, 100].entries()) {
      if (i > 0) await sleep(50);
      if (token !== undefined) {
        await extra.sendNotification({
          method: 'notifications/progress',
          params: { progressToken: token, progress, total: 100, message: `step ${i + 1} of 3` },
        });
      }
    }
    return { content: [text(token !== undefined ? 'Progress reported' : 'Done (no progress token)')] };
  });

  mcp.registerTool('test_sampling', {
    description: 'Asks the client for an LLM completion of the given prompt (sampling/createMessage)',
    inputSchema: { prompt: z.string().describe('The prompt to send to the LLM') },
  }, async ({ prompt }, extra) => {
    if (!server.getClientCapabilities()?.sampling) {
      return { isError: true, content: [text('Client does not support sampling')] };
    }
    const result = await extra.sendRequest({
      method: 'sampling/createMessage',
      params: {
        messages: [{ role: 'user', content: { type: 'text', text: prompt } }],
        maxTokens: 100,
      },
    }, CreateMessageResultSchema);
    const answer = Array.isArray(result.content)
      ? result.content.map((c) => c.text ?? `[${c.type}]`).join('')
      : (result.content.text ?? `[${result.content.type}]`);
    return { content: [text(`LLM response: ${answer}`)] };
  });

  const elicit = async (extra, message, requestedSchema) => {
    if (!server.getClientCapabilities()?.elicitation) {
      return { isError: true, content: [text('Client does not support elicitation')] };
    }
    const result = await extra.sendRequest({
      method: 'elicitation/create',
      params: { message, requestedSchema },
    }, ElicitResultSchema);
    return result;
  };

  mcp.registerTool('test_elicitation', {
    description: 'Asks the client for a username and email (elicitation/create)',
    inputSchema: { message: z.string().describe('The message to show the user') },
  }, async ({ message }, extra) => {
    const r = await elicit(extra, message, {
      type: 'object',
      properties: {
        username: { type: 'string', description: "User's response" },
        email: { type: 'string', description: "User's email address" },
      },
      required: ['username', 'email'],
    });
    if (r.isError) return r;
    return { content: [text(`User response: action=${r.action}, content=${JSON.stringify(r.content ?? {})}`)] };
  });

  mcp.registerTool('test_elicitation_sep1034_defaults', {
    description: 'Elicits a form whose fields all carry default values (SEP-1034)',
  }, async (extra) => {
    const r = await elicit(extra, 'Please review and update the form fields with defaults', {
      type: 'object',
      properties: {
        name: { type: 'string', description: 'User name', default: 'John Doe' },
        age: { type: 'integer', description: 'User age', default: 30 },
        score: { type: 'number', description: 'User score', default: 95.5 },
        status: {
          type: 'string',
          description: 'User status',
          enum: ['active', 'inactive', 'pending'],
          default: 'active',
        },
        verified: { type: 'boolean', description: 'Verification status', default: true },
      },
      required: [],
    });
    if (r.isError) return r;
    return { content: [text(`Elicitation completed: action=${r.action}, content=${JSON.stringify(r.content ?? {})}`)] };
  });

  mcp.registerTool('test_elicitation_sep1330_enums', {
    description: 'Elicits a form using all five enum schema variants (SEP-1330)',
  }, async (extra) => {
    const r = await elicit(extra, 'Please pick from the enum fields', {
      type: 'object',
      properties: {
        untitledSingle: {
          type: 'string',
          description: 'Untitled single-select',
          enum: ['option1', 'option2', 'option3'],
        },
        titledSingle: {
          type: 'string',
          description: 'Titled single-select',
          oneOf: [
            { const: 'value1', title: 'First Option' },
            { const: 'value2', title: 'Second Option' },
            { const: 'value3', title: 'Third Option' },
          ],
        },
        legacyEnum: {
          type: 'string',
          description: 'Legacy titled enum (enumNames)',
          enum: ['opt1', 'opt2', 'opt3'],
          enumNames: ['Option One', 'Option Two', 'Option Three'],
        },
        untitledMulti: {
          type: 'array',
          description: 'Untitled multi-select',
          items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
        },
        titledMulti: {
          type: 'array',
          description: 'Titled multi-select',
          items: {
            anyOf: [
              { const: 'value1', title: 'First Choice' },
              { const: 'value2', title: 'Second Choice' },
              { const: 'value3', title: 'Third Choice' },
            ],
          },
        },
      },
      required: [],
    });
    if (r.isError) return r;
    return { content: [text(`Elicitation completed: action=${r.action}, content=${JSON.stringify(r.content ?? {})}`)] };
  });

  mcp.registerTool('json_schema_2020_12_tool', {
    description: 'Tool whose inputSchema uses JSON Schema 2020-12 ($schema, $defs, additionalProperties)',
    inputSchema: {
      name: z.string().optional(),
      address: z.object({ street: z.string().optional(), city: z.string().optional() }).optional(),
    },
  }, async (args) => ({ content: [text(`json_schema_2020_12_tool called with ${JSON.stringify(args)}`)] }));

  mcp.registerTool('test_reconnection', {
    description: 'Closes its own SSE response stream mid-call; the result arrives after the client '
      + 'reconnects with Last-Event-ID (SEP-1699)',
  }, async (extra) => {
    if (extra.closeSSEStream) {
      extra.closeSSEStream();
      await sleep(300);
      return { content: [text('Reconnection test completed: result delivered after the stream was closed')] };
    }
    // Client did not negotiate resumable streams (protocol < 2025-11-25).
    return { content: [text('Reconnection test completed without closing the stream (not resumable)')] };
  });

  // ---- resources ----------------------------------------------------------

  mcp.registerResource('static-text', 'test://static-text', {
    title: 'Static text',
    description: 'A static text resource',
    mimeType: 'text/plain',
  }, async (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'This is the content of the static text resource.' }],
  }));

  mcp.registerResource('static-binary', 'test://static-binary', {
    title: 'Static binary',
    description: 'A static binary resource (1x1 PNG)',
    mimeType: 'image/png',
  }, async (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'image/png', blob: RED_PIXEL_PNG }],
  }));

  mcp.registerResource('watched-resource', 'test://watched-resource', {
    title: 'Watched resource',
    description: 'A resource clients can subscribe to',
    mimeType: 'text/plain',
  }, async (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'text/plain', text: `Watched resource content at ${new Date().toISOString()}` }],
  }));

  mcp.registerResource('template-data', new ResourceTemplate('test://template/{id}/data', {
    list: undefined,
    complete: { id: (value) => ['1', '2', '3', '123'].filter((v) => v.startsWith(value ?? '')) },
  }), {
    title: 'Template data',
    description: 'Data for a given id (resource template)',
    mimeType: 'application/json',
  }, async (uri, { id }) => ({
    contents: [{
      uri: uri.href,
      mimeType: 'application/json',
      text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }),
    }],
  }));

  server.registerCapabilities({ resources: { subscribe: true, listChanged: true } });

  // ---- prompts ------------------------------------------------------------

  mcp.registerPrompt('test_simple_prompt', {
    title: 'Simple prompt',
    description: 'A prompt without arguments',
  }, async () => ({
    messages: [{ role: 'user', content: text('This is a simple prompt for testing.') }],
  }));

  const ARG1_SUGGESTIONS = ['paris', 'park', 'party', 'test', 'testValue1'];
  mcp.registerPrompt('test_prompt_with_arguments', {
    title: 'Prompt with arguments',
    description: 'A prompt with two required arguments (arg1 supports completion)',
    argsSchema: {
      arg1: completable(z.string().describe('First test argument'),
        (value) => ARG1_SUGGESTIONS.filter((s) => s.startsWith(value ?? ''))),
      arg2: z.string().describe('Second test argument'),
    },
  }, async ({ arg1, arg2 }) => ({
    messages: [{ role: 'user', content: text(`Prompt with arguments: arg1='${arg1}', arg2='${arg2}'`) }],
  }));

  mcp.registerPrompt('test_prompt_with_embedded_resource', {
    title: 'Prompt with embedded resource',
    description: 'A prompt embedding the resource named by resourceUri',
    argsSchema: { resourceUri: z.string().describe('URI of the resource to embed') },
  }, async ({ resourceUri }) => ({
    messages: [
      {
        role: 'user',
        content: {
          type: 'resource',
          resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' },
        },
      },
      { role: 'user', content: text('Please process the embedded resource above.') },
    ],
  }));

  mcp.registerPrompt('test_prompt_with_image', {
    title: 'Prompt with image',
    description: 'A prompt containing an image',
  }, async () => ({
    messages: [
      { role: 'user', content: { type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' } },
      { role: 'user', content: text('Please analyze the image above.') },
    ],
  }));

  return mcp;
}

// ---------------------------------------------------------------------------
// HTTP: DNS-rebinding guard, session routing, body parsing

const sessions = new Map(); // sessionId -> { transport, mcp, state }
const MAX_BODY = 4 * 1024 * 1024;

function sendJson(res, status, body, headers = {}) {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const rpcError = (code, message, id = null) => ({ jsonrpc: '2.0', error: { code, message }, id });

function hostnameOf(hostHeader) {
  try {
    return new URL(`http://${hostHeader}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/** Returns an error message if Host or Origin is not a local name, else undefined. */
function checkHostAndOrigin(req) {
  const host = req.headers.host;
  if (!host) return 'Missing Host header';
  const hostName = hostnameOf(host);
  if (!hostName || !OPTS.allowedHosts.includes(hostName)) return `Invalid Host header: ${host}`;
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let originName;
    try {
      originName = new URL(origin).hostname.toLowerCase();
    } catch {
      return `Invalid Origin header: ${origin}`;
    }
    if (!OPTS.allowedHosts.includes(originName)) return `Invalid Origin header: ${origin}`;
  } else if (origin === 'null') {
    return 'Invalid Origin header: null';
  }
  return undefined;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(Object.assign(new Error('Request body too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * conformance 0.1.16's server-sse-polling scenario sends hand-made requests
 * with "MCP-Protocol-Version: 2025-03-26" although the session negotiated
 * 2025-11-25 (fixed upstream later). The SDK transport only primes and closes
 * resumable SSE streams for >= 2025-11-25, so, unless --strict-protocol-header
 * is given, a header older than the session's negotiated version is upgraded
 * to it before the transport sees the request.
 */
function upgradeStaleProtocolHeader(req, session) {
  if (OPTS.strictProtocolHeader || !session.state.protocolVersion) return;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].toLowerCase() !== 'mcp-protocol-version') continue;
    const sent = raw[i + 1];
    if (SUPPORTED_PROTOCOL_VERSIONS.includes(sent) && sent < session.state.protocolVersion) {
      log(`upgrading MCP-Protocol-Version ${sent} -> ${session.state.protocolVersion}`);
      raw[i + 1] = session.state.protocolVersion;
      req.headers['mcp-protocol-version'] = session.state.protocolVersion;
    }
  }
}

async function newSession(initRequest) {
  const requested = initRequest?.params?.protocolVersion;
  const state = {
    logLevel: 'debug',
    subscriptions: new Set(),
    protocolVersion: SUPPORTED_PROTOCOL_VERSIONS.includes(requested) ? requested : LATEST_PROTOCOL_VERSION,
  };
  const mcp = buildServer(state);
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    eventStore: new SessionEventStore(),
    retryInterval: OPTS.retryMs,
    onsessioninitialized: (sid) => {
      sessions.set(sid, { transport, mcp, state });
      log(`session ${sid} opened (protocol ${state.protocolVersion})`);
    },
    onsessionclosed: (sid) => log(`session ${sid} deleted by client`),
  });
  transport.onclose = () => {
    const sid = transport.sessionId;
    if (sid && sessions.get(sid)?.transport === transport) {
      sessions.delete(sid);
      log(`session ${sid} closed`);
    }
  };
  transport.onerror = (err) => log(`transport error: ${err?.message ?? err}`);
  await mcp.connect(transport);
  return { transport, mcp, state };
}

async function handleMcp(req, res) {
  const sid = req.headers['mcp-session-id'];
  const method = req.method;

  if (method === 'POST') {
    let body;
    try {
      const raw = await readBody(req);
      body = JSON.parse(raw);
    } catch (e) {
      sendJson(res, e.status ?? 400, rpcError(e.status === 413 ? -32600 : -32700,
        e.status === 413 ? 'Request body too large' : `Parse error: ${e.message}`));
      return;
    }
    if (sid !== undefined) {
      const session = sessions.get(sid);
      if (!session) {
        sendJson(res, 404, rpcError(-32001, 'Session not found'));
        return;
      }
      upgradeStaleProtocolHeader(req, session);
      await session.transport.handleRequest(req, res, body);
      return;
    }
    const messages = Array.isArray(body) ? body : [body];
    const init = messages.find((m) => isInitializeRequest(m));
    if (!init) {
      sendJson(res, 400, rpcError(-32000, 'Bad Request: Mcp-Session-Id header is required'));
      return;
    }
    const session = await newSession(init);
    await session.transport.handleRequest(req, res, body);
    return;
  }

  if (method === 'GET' || method === 'DELETE') {
    if (sid === undefined) {
      sendJson(res, 400, rpcError(-32000, 'Bad Request: Mcp-Session-Id header is required'));
      return;
    }
    const session = sessions.get(sid);
    if (!session) {
      sendJson(res, 404, rpcError(-32001, 'Session not found'));
      return;
    }
    upgradeStaleProtocolHeader(req, session);
    await session.transport.handleRequest(req, res);
    return;
  }

  sendJson(res, 405, rpcError(-32000, 'Method not allowed.'), { Allow: 'GET, POST, DELETE' });
}

const httpServer = http.createServer(async (req, res) => {
  const started = Date.now();
  res.on('close', () => log(`${req.method} ${req.url} -> ${res.statusCode} (${Date.now() - started} ms)`));
  try {
    const rejection = checkHostAndOrigin(req);
    if (rejection) {
      sendJson(res, 403, rpcError(-32000, `Forbidden: ${rejection}`));
      return;
    }
    const path = new URL(req.url, 'http://localhost').pathname;
    if (path !== '/mcp') {
      sendJson(res, 404, rpcError(-32000, `Not found: ${path}`));
      return;
    }
    await handleMcp(req, res);
  } catch (err) {
    process.stderr.write(`[conformance-server] error handling ${req.method} ${req.url}: ${err?.stack ?? err}\n`);
    sendJson(res, 500, rpcError(-32603, 'Internal server error'));
  }
});

httpServer.listen(OPTS.port, '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${httpServer.address().port}\n`);
});
httpServer.on('error', (err) => {
  process.stderr.write(`conformance-server: ${err.message}\n`);
  process.exit(1);
});

let stopping = false;
function shutdown() {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(0), 1500); // hard stop if anything lingers
  Promise.allSettled([...sessions.values()].map(({ transport }) => transport.close()))
    .finally(() => {
      httpServer.close(() => process.exit(0));
      httpServer.closeAllConnections();
    });
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
