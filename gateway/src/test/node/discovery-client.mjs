// The TypeScript SDK client's own OAuth discovery against a server URL, as a client does after
// a 401: read resource_metadata from WWW-Authenticate, fetch the protected resource metadata,
// then the authorization server's metadata. Prints one JSON line:
// {"status", "wwwAuthenticate", "resourceMetadataUrl", "resource", "authorizationServer", "issuer",
//  "authorizationEndpoint", "tokenEndpoint"}. Exits 1 on failure.
// Usage: node discovery-client.mjs <mcp-url>
import { discoverOAuthServerInfo, extractResourceMetadataUrl } from '@modelcontextprotocol/sdk/client/auth.js';

async function main() {
  const url = process.argv[2];
  if (!url) throw new Error('usage: node discovery-client.mjs <mcp-url>');
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'discovery', version: '1' } } }),
  });
  const resourceMetadataUrl = extractResourceMetadataUrl(response);
  const info = await discoverOAuthServerInfo(url, { resourceMetadataUrl });
  process.stdout.write(`${JSON.stringify({
    status: response.status,
    wwwAuthenticate: response.headers.get('WWW-Authenticate'),
    resourceMetadataUrl: resourceMetadataUrl?.toString(),
    resource: info.resourceMetadata?.resource,
    authorizationServer: info.authorizationServerUrl,
    issuer: info.authorizationServerMetadata?.issuer,
    authorizationEndpoint: info.authorizationServerMetadata?.authorization_endpoint,
    tokenEndpoint: info.authorizationServerMetadata?.token_endpoint,
  })}\n`);
}

main().then(() => process.exit(0), (err) => {
  process.stderr.write(`discovery-client: ${err?.stack ?? err}\n`);
  process.exit(1);
});
