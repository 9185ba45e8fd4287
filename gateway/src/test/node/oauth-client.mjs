#!/usr/bin/env node
// Portcullis test peer: the TypeScript SDK client's own OAuth flow against a gateway running its
// built-in authorization server, with this script also playing the browser behind the trusted proxy.
//
// Usage: node oauth-client.mjs <mcp-url> --user NAME [--groups a,b] [--wait-ms N]
//   The SDK discovers the authorization server from the gateway's 401 and protected resource
//   metadata, registers a public client (redirect http://127.0.0.1:49152/callback), and sends
//   the "browser" to /authorize. The browser GETs it with X-Forwarded-User (and X-Forwarded-Groups),
//   following redirects (to an upstream OIDC provider's sign-in and back, when the gateway uses one),
//   reads the consent form, posts "approve" with the form's CSRF token and cookie, and takes the code
//   from the redirect. The SDK exchanges it, then lists tools and calls echo; after --wait-ms (default 0)
//   it calls echo again (with a short access-token lifetime, that call needs a refresh). A refused
//   call is reported as "ERROR <code>: <message>" in place of its text.
// stdout, last line: {"registered": bool, "tokensSaved": n, "tools": [names], "echo": text,
//   "echoAfterWait": text, "consentStatus": n, "redirectedWith": [query keys]}
// Any failure: message on stderr, exit code 1.

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';

const args = process.argv.slice(2);
const url = args[0];
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const user = opt('--user');
const groups = opt('--groups', '');
const waitMs = Number(opt('--wait-ms', '0'));
if (!url || !user) throw new Error('usage: node oauth-client.mjs <mcp-url> --user NAME [--groups a,b] [--wait-ms N]');

const redirectUrl = 'http://127.0.0.1:49152/callback';
let clientInfo;
let tokens;
let verifier;
let tokensSaved = 0;
let pendingCode;
let consentStatus;
let redirectedWith = [];

const proxyHeaders = { 'X-Forwarded-User': user, ...(groups ? { 'X-Forwarded-Groups': groups } : {}) };

const provider = {
  get redirectUrl() { return redirectUrl; },
  get clientMetadata() {
    return { client_name: 'portcullis-oauth-test', redirect_uris: [redirectUrl], grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'], token_endpoint_auth_method: 'none' };
  },
  clientInformation() { return clientInfo; },
  saveClientInformation(info) { clientInfo = info; },
  tokens() { return tokens; },
  saveTokens(t) { tokens = t; tokensSaved++; },
  saveCodeVerifier(v) { verifier = v; },
  codeVerifier() { return verifier; },
  async redirectToAuthorization(authorizationUrl) {
    // The browser, behind the trusted proxy: the consent page, then the approval.
    // Followed: with an upstream OIDC provider, /authorize sends the browser there and back first.
    const page = await fetch(authorizationUrl, { headers: proxyHeaders, redirect: 'follow' });
    if (page.status !== 200) throw new Error(`authorize answered ${page.status}: ${await page.text()}`);
    const html = await page.text();
    const field = (name) => html.match(new RegExp(`name="${name}" value="([^"]+)"`))?.[1];
    const cookie = page.headers.get('set-cookie')?.split(';')[0];
    const consent = await fetch(new URL('/authorize/consent', authorizationUrl), {
      method: 'POST', redirect: 'manual',
      headers: { ...proxyHeaders, 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookie ?? '' },
      body: new URLSearchParams({ request: field('request'), csrf: field('csrf'), decision: 'approve' }),
    });
    consentStatus = consent.status;
    const location = new URL(consent.headers.get('location'));
    redirectedWith = [...location.searchParams.keys()];
    pendingCode = location.searchParams.get('code');
    if (!pendingCode) throw new Error(`no code in the redirect: ${location}`);
  },
};

const textOf = (r) => (r.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');

async function connected() {
  const client = new Client({ name: 'portcullis-oauth-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
  try {
    await client.connect(transport);
    return client;
  } catch (e) {
    if (!(e instanceof UnauthorizedError)) throw e;
    await transport.finishAuth(pendingCode);
    const again = new Client({ name: 'portcullis-oauth-test', version: '1.0.0' });
    await again.connect(new StreamableHTTPClientTransport(new URL(url), { authProvider: provider }));
    return again;
  }
}

const client = await connected();
const { tools } = await client.listTools();
const callEcho = async (message) => {
  try {
    return textOf(await client.callTool({ name: 'echo', arguments: { message } }));
  } catch (e) {
    return `ERROR ${e?.code ?? ''}: ${e?.message ?? e}`;
  }
};
const echo = await callEcho('through oauth');
let echoAfterWait = null;
if (waitMs > 0) {
  await new Promise((r) => setTimeout(r, waitMs));
  echoAfterWait = await callEcho('after refresh');
}
await client.close();
process.stdout.write(`${JSON.stringify({ registered: Boolean(clientInfo?.client_id), tokensSaved, tools: tools.map((t) => t.name),
  echo, echoAfterWait, consentStatus, redirectedWith })}\n`);
process.exit(0);
