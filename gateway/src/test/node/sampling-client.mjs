#!/usr/bin/env node
// Portcullis test peer: an MCP client (SDK Client + StreamableHTTPClientTransport)
// that answers the requests a server sends to its client, sampling/createMessage
// and elicitation/create, meant for @modelcontextprotocol/server-everything,
// directly or through the gateway.
//
// Usage: node sampling-client.mjs <url> [--prompt TEXT] [--name NAME]
//                                 [--barrier DIR --parties N]
//   <url>           e.g. http://127.0.0.1:3001/mcp
//   --prompt TEXT   the prompt given to trigger-sampling-request (default "hello sampling")
//   --name NAME     who this client is: it signs its sampling answers with it and gives
//                   it as the `name` field of its elicitation answer (default "sampling-client")
//   --barrier DIR   after connecting, create a file in DIR and wait until N clients have
//   --parties N     done so before calling the tools, so that N clients call at the same moment
//
// It declares the `sampling` and `elicitation` capabilities, connects, calls
// trigger-sampling-request {prompt, maxTokens: 50} and then trigger-elicitation-request {},
// and ends the session with DELETE (a 405 answer is accepted).
//   sampling/createMessage -> {role: "assistant", model: "test-model",
//                              content: {type: "text", text: "sampled by NAME: <first user text>"}}
//   elicitation/create     -> {action: "accept", content: {name: NAME, check: true, email, ...}}
//
// stdout, one line, a JSON object:
//   {"name", "sampling": <tool result text>, "samplingRequests": n,
//    "samplingPrompts": [first user text of each sampling request handled],
//    "elicitation": <tool result text>, "elicitationRequests": n}
// Any failure (including an isError tool result): message on stderr, exit code 1.

import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const USAGE = 'usage: node sampling-client.mjs <url> [--prompt TEXT] [--name NAME] [--barrier DIR --parties N] [--record-errors]';

function parseArgs(argv) {
  const opts = { url: undefined, prompt: 'hello sampling', name: 'sampling-client', barrier: undefined, parties: 1, recordErrors: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`missing value for ${a}`);
      return v;
    };
    if (a === '--prompt') opts.prompt = value();
    else if (a === '--name') opts.name = value();
    else if (a === '--barrier') opts.barrier = value();
    else if (a === '--parties') opts.parties = Number(value());
    else if (a === '--record-errors') opts.recordErrors = true;
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else if (opts.url === undefined) opts.url = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  if (!opts.url) throw new Error(USAGE);
  if (!(Number.isInteger(opts.parties) && opts.parties > 0)) throw new Error('--parties must be a positive integer');
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

function firstUserText(params) {
  const message = (params.messages ?? []).find((m) => m.role === 'user');
  const contents = Array.isArray(message?.content) ? message.content : [message?.content];
  const text = contents.find((c) => c?.type === 'text')?.text;
  if (text === undefined) throw new Error(`sampling request without a user text message: ${JSON.stringify(params)}`);
  return text;
}

/**
 * Waits until `parties` clients have each created a file in `dir`. It spins rather than sleeps
 * so that all of them leave within microseconds of each other.
 */
function awaitBarrier(dir, parties, timeoutMs = 30000) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `ready-${process.pid}`), '');
  const deadline = Date.now() + timeoutMs;
  while (fs.readdirSync(dir).filter((f) => f.startsWith('ready-')).length < parties) {
    if (Date.now() > deadline) throw new Error(`barrier ${dir}: fewer than ${parties} clients arrived in ${timeoutMs} ms`);
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const client = new Client(
    { name: 'portcullis-sampling-client', version: '1.0.0' },
    { capabilities: { sampling: {}, elicitation: {} } },
  );
  client.onerror = (err) => process.stderr.write(`client error: ${err?.message ?? err}\n`);

  const samplingPrompts = [];
  client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
    const text = firstUserText(request.params);
    samplingPrompts.push(text);
    return {
      role: 'assistant',
      model: 'test-model',
      content: { type: 'text', text: `sampled by ${opts.name}: ${text}` },
      stopReason: 'endTurn',
    };
  });

  let elicitationRequests = 0;
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    elicitationRequests++;
    const wanted = Object.keys(request.params.requestedSchema?.properties ?? {});
    if (!wanted.includes('name')) throw new Error(`elicitation schema has no name field: ${wanted.join(', ')}`);
    // Values valid for server-everything's schema (formats, ranges, enums), kept to the fields it asks for.
    const answers = {
      name: opts.name,
      check: true,
      firstLine: 'It was a dark and stormy night.',
      email: 'tester@example.com',
      homepage: 'https://example.com/tester',
      birthdate: '1990-01-02',
      integer: 7,
      number: 2.5,
      untitledSingleSelectEnum: 'Joey',
      untitledMultipleSelectEnum: ['Piano'],
      titledSingleSelectEnum: 'hero-2',
      titledMultipleSelectEnum: ['fish-3'],
      legacyTitledEnum: 'pet-2',
    };
    return { action: 'accept', content: Object.fromEntries(Object.entries(answers).filter(([k]) => wanted.includes(k))) };
  });

  const transport = new StreamableHTTPClientTransport(new URL(opts.url));
  await client.connect(transport);

  if (opts.barrier) awaitBarrier(opts.barrier, opts.parties);

  // With --record-errors a failed tool call is reported as {"error": message} instead of ending
  // the run: a gateway may rightly refuse a backend request it cannot attribute to one client.
  const call = async (name, args) => {
    try {
      return textOf(await client.callTool({ name, arguments: args }), name);
    } catch (err) {
      if (!opts.recordErrors) throw err;
      return { error: String(err?.message ?? err) };
    }
  };
  const sampling = await call('trigger-sampling-request', { prompt: opts.prompt, maxTokens: 50 });
  const elicitation = await call('trigger-elicitation-request', {});

  await transport.terminateSession();
  await client.close();

  process.stdout.write(`${JSON.stringify({
    name: opts.name,
    sampling,
    samplingRequests: samplingPrompts.length,
    samplingPrompts,
    elicitation,
    elicitationRequests,
  })}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`sampling-client: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
